"""Money: an exact amount in one ISO 4217 currency, shared by every workflow."""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException

import attrs

from clientflow.core.errors import N_, ValidationError

__all__ = ["MAX_DECIMAL_PLACES", "MAX_DIGITS", "Money", "decimal_of"]

MAX_DIGITS = 15
"""Every decimal (money, hours, likelihoods) is smaller than 10**15 in size ..."""
MAX_DECIMAL_PLACES = 4
"""... with at most 4 decimal places: exact in every store and quick to format."""

_RANGE = N_(
    "a finite decimal number of size below 10^{digits} with at most {places} decimal places"
)
_SIZES = {"digits": MAX_DIGITS, "places": MAX_DECIMAL_PLACES}
_LIMIT = Decimal(10) ** MAX_DIGITS
_PLACES = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def decimal_of(value: Decimal | int | str, field: str) -> Decimal:
    """``value`` as a finite Decimal of size below 10^15 with at most 4 decimal places;
    floats are refused (0.1 + 0.2 is not money). The range is checked here, at the edge,
    so a ``"1e999999 USD"`` never reaches a report that would overflow formatting it.

    >>> decimal_of("1200.50", "cost.amount")
    Decimal('1200.50')
    >>> decimal_of("1e999999", "cost.amount")
    Traceback (most recent call last):
    ...
    clientflow.core.errors.ValidationError: cost.amount: expected a finite decimal number ...
    """  # noqa: D205
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(
            field, N_("a Decimal, an int or a numeric string (not a float)"), got=value
        )
    if isinstance(value, int) and abs(value) >= _LIMIT:
        raise ValidationError(field, _RANGE, values=_SIZES, got="an integer of more than 15 digits")
    if isinstance(value, str) and len(value) > 100:
        raise ValidationError(field, _RANGE, values=_SIZES, got=f"{len(value)} characters")
    try:
        parsed = Decimal(value)
    except DecimalException:  # not a number, or beyond the context's exponent (9e999999999)
        raise ValidationError(field, _RANGE, values=_SIZES, got=value) from None
    if not parsed.is_finite() or (parsed != 0 and parsed.adjusted() >= MAX_DIGITS):
        raise ValidationError(field, _RANGE, values=_SIZES, got=value)
    if parsed == 0:
        parsed = Decimal(0)  # 0E-999999 would not quantize
    exponent = parsed.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        rounded = parsed.quantize(_PLACES)
        if rounded != parsed:
            raise ValidationError(field, _RANGE, values=_SIZES, got=value)
        parsed = rounded
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
                "cost.currency", N_("an ISO 4217 code such as 'EUR'"), got=self.currency
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
