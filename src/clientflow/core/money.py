"""Money: an exact amount in one ISO 4217 currency, shared by every workflow."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import attrs

from clientflow.core.errors import ValidationError

__all__ = ["Money", "decimal_of"]

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def decimal_of(value: Decimal | int | str, field: str) -> Decimal:
    """``value`` as a finite Decimal; floats are refused (0.1 + 0.2 is not money)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(
            field, "a Decimal, an int or a numeric string (not a float)", got=value
        )
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise ValidationError(field, "a decimal number", got=value) from None
    if not parsed.is_finite():
        raise ValidationError(field, "a finite decimal number", got=value)
    return parsed


def _amount(value: Decimal | int | str) -> Decimal:
    return decimal_of(value, "cost.amount")


@attrs.frozen
class Money:
    """An amount in one ISO 4217 currency; adding two currencies is an error.

    >>> Money("1200.50", "EUR") + Money(300, "EUR")
    Money(amount=Decimal('1500.50'), currency='EUR')
    >>> str(Money("-75", "USD"))
    '-75.00 USD'
    """

    amount: Decimal = attrs.field(converter=_amount)
    currency: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.currency, str) or not _CURRENCY.match(self.currency):
            raise ValidationError(
                "cost.currency", "an ISO 4217 code such as 'EUR'", got=self.currency
            )

    @classmethod
    def zero(cls, currency: str) -> Money:
        """No money, in ``currency``."""
        return cls(Decimal(0), currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise ValidationError(
                "cost.currency", f"amounts in one currency ({self.currency})", got=other.currency
            )
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"
