"""Who acts, and the small vocabulary workflows use to say who may do what.

Roles are the host's own names (``"pm"``, ``"account-director"``); clientflow only
compares them. A rule is checked against an actor and the *parties* of the thing acted
on, a mapping from a part (``"requester"``, ``"owner"``) to an actor id.

>>> requester_may_not = HasRole("approver") & IsNotParty("requester")
>>> alice = Actor("alice", {"approver"})
>>> require(requester_may_not, alice, "approve CR-1", {"requester": "alice"})
Traceback (most recent call last):
...
clientflow.core.errors.PermissionDenied: alice may not approve CR-1: rule 'is not the ...' failed

Tenants: the parties of a client's aggregate carry its client (``parties["client"]``), and
:func:`require` checks that first, whatever the rule: an actor bound to clients
(:attr:`Actor.clients`) acts only within them, and an actor with role ``client`` bound
to no client acts on no client's aggregate (fail closed).

>>> anna = Actor("anna", {"client"}, clients={"lotus"})
>>> try:
...     require(Anyone(), anna, "reply on ACME-1", {"client": "acme"})
... except PermissionDenied as refused:
...     print(refused.rule)
belongs to client acme (anna is bound to lotus)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping

import attrs

from clientflow.core.errors import N_, PermissionDenied, Phrase, ValidationError
from clientflow.core.ids import check_id, check_ids

__all__ = [
    "CLIENT_PARTY",
    "CLIENT_ROLE",
    "PARTY_PREFIX",
    "ROLE_PREFIX",
    "SYSTEM",
    "Actor",
    "AllOf",
    "AnyOf",
    "Anyone",
    "HasRole",
    "IsActor",
    "IsNotParty",
    "IsParty",
    "OfClient",
    "Parties",
    "Rule",
    "refusal",
    "require",
    "rule_from_names",
    "tenant_failure",
]

Parties = Mapping[str, str]
"""The people with a part in the thing acted on: part name -> actor id."""


def _names(value: Iterable[str]) -> frozenset[str]:
    return check_ids(value, "ids")


def _roles(value: Iterable[str]) -> frozenset[str]:
    return check_ids(value, "actor.roles")


def _actor_id(value: str) -> str:
    return check_id(value, "actor.id")


def _clients(value: Iterable[str]) -> frozenset[str]:
    return check_ids(value, "actor.clients")


@attrs.frozen
class Actor:
    """A person or system acting: an id, the host-defined roles it holds, and the clients
    it is bound to.

    Ids and roles are checked once here (see :mod:`clientflow.core.ids`) and compared
    exactly afterwards, so ``"anna "`` or ``"anna\u200b"`` can never pass for ``"anna"``.

    ``clients`` are the clients a person acts within: a client's people (role
    ``client``) belong to theirs, and a team member may be scoped to some. The host sets
    it from its own login; a workspace adds what the rules say (``[clients.X] contacts``
    and ``[people.X] clients``). Empty means unscoped for the team and *no client at
    all* for an actor with role ``client``, who is then refused on every client's
    aggregate.
    """  # noqa: D205 - the first sentence runs over two lines

    id: str = attrs.field(converter=_actor_id)
    roles: frozenset[str] = attrs.field(default=frozenset(), converter=_roles)
    clients: frozenset[str] = attrs.field(default=frozenset(), converter=_clients)

    def has_role(self, role: str) -> bool:
        """Whether the actor holds ``role``."""
        return role in self.roles


SYSTEM = Actor("system", frozenset({"system"}))
"""The actor recorded on events the engine fires on its own (timers, sweeps)."""


class Rule(ABC):
    """Base of permission rules: ``allows`` decides, ``str()`` names the rule in errors.

    Combine rules with ``&`` (all must hold) and ``|`` (any may hold).
    """

    def allows(self, actor: Actor, parties: Parties) -> bool:
        """Whether ``actor`` passes this rule for the given parties."""
        return self.failing(actor, parties) is None

    @abstractmethod
    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """The (innermost) rule that fails for ``actor``, or ``None`` if allowed."""

    def __and__(self, other: Rule) -> AllOf:
        return AllOf((self, other))

    def __or__(self, other: Rule) -> AnyOf:
        return AnyOf((self, other))

    def phrase(self) -> Phrase:
        """The rule in words for errors, said in the reader's language when rendered
        (a host's own rule: its ``str``, shown as written)."""  # noqa: D205, D209
        return Phrase(str(self))


@attrs.frozen
class Anyone(Rule):
    """Every actor passes."""

    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """Never fails."""
        return None

    def phrase(self) -> Phrase:
        """Says "anyone"."""
        return Phrase(N_("anyone"))

    def __str__(self) -> str:
        return str(self.phrase())


@attrs.frozen
class OnTeam(Rule):
    """The actor is on the team: not one of a client's people (role ``client``).

    The default for steps only the team takes (assessing a change's impact, closing a
    risk), so a client's login cannot take them whatever roles the host adds.
    """

    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """Fails for an actor holding role ``client``."""
        return self if actor.has_role(CLIENT_ROLE) else None

    def phrase(self) -> Phrase:
        """Says "is on the team (not a client's person)"."""
        return Phrase(N_("is on the team (not a client's person)"))

    def __str__(self) -> str:
        return str(self.phrase())


@attrs.frozen
class OfClient(Rule):
    """The actor is one of the aggregate's client's people (``party:client``): role
    ``client`` and bound to the client the parties name.

    >>> rule = OfClient()
    >>> rule.failing(Actor("anna", {"client"}, {"lotus"}), {"client": "lotus"}) is None
    True
    >>> rule.failing(Actor("li.wei", {"pm"}), {"client": "lotus"}) is rule
    True
    """  # noqa: D205

    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """Fails unless the actor holds role ``client`` and is bound to the parties' client."""
        client = parties.get(CLIENT_PARTY)
        ours = isinstance(client, str) and client in actor.clients
        return None if ours and actor.has_role(CLIENT_ROLE) else self

    def phrase(self) -> Phrase:
        """Says "is one of the client's people"."""
        return Phrase(N_("is one of the client's people"))

    def __str__(self) -> str:
        return str(self.phrase())


@attrs.frozen
class HasRole(Rule):
    """The actor holds the role."""

    role: str

    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """Fails unless the actor holds ``role``."""
        return None if actor.has_role(self.role) else self

    def phrase(self) -> Phrase:
        """Says "has role pm"."""
        return Phrase(N_("has role {role}"), {"role": self.role})

    def __str__(self) -> str:
        return str(self.phrase())


@attrs.frozen
class IsActor(Rule):
    """The actor is one of the named actors."""

    ids: frozenset[str] = attrs.field(converter=_names)

    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """Fails unless the actor's id is listed."""
        return None if actor.id in self.ids else self

    def phrase(self) -> Phrase:
        """Says "is one of li.wei, wang.fang"."""
        return Phrase(N_("is one of {people}"), {"people": ", ".join(sorted(self.ids))})

    def __str__(self) -> str:
        return str(self.phrase())


@attrs.frozen
class IsParty(Rule):
    """The actor plays the named part (e.g. is the issue's owner)."""

    party: str

    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """Fails unless ``parties[party]`` is the actor."""
        return None if parties.get(self.party) == actor.id else self

    def phrase(self) -> Phrase:
        """Says "is the owner"."""
        return Phrase(N_("is the {party}"), {"party": Phrase(self.party)})

    def __str__(self) -> str:
        return str(self.phrase())


@attrs.frozen
class IsNotParty(Rule):
    """The actor does not play the named part (e.g. is not the requester)."""

    party: str

    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """Fails when ``parties[party]`` is the actor."""
        return self if parties.get(self.party) == actor.id else None

    def phrase(self) -> Phrase:
        """Says "is not the requester"."""
        return Phrase(N_("is not the {party}"), {"party": Phrase(self.party)})

    def __str__(self) -> str:
        return str(self.phrase())


@attrs.frozen
class AllOf(Rule):
    """Every rule holds; the error names the first that does not."""

    rules: tuple[Rule, ...]

    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """The first failing inner rule."""
        for rule in self.rules:
            failed = rule.failing(actor, parties)
            if failed is not None:
                return failed
        return None

    def __and__(self, other: Rule) -> AllOf:
        return AllOf((*self.rules, other))

    def phrase(self) -> Phrase:
        """Its rules joined by "and"."""
        return _joined(N_("{left} and {right}"), self.rules)

    def __str__(self) -> str:
        return str(self.phrase())


@attrs.frozen
class AnyOf(Rule):
    """At least one rule holds; the error names the whole alternative."""

    rules: tuple[Rule, ...]

    def failing(self, actor: Actor, parties: Parties) -> Rule | None:
        """Itself when no inner rule holds."""
        for rule in self.rules:  # a loop, not any() over a generator: every command asks
            if rule.failing(actor, parties) is None:
                return None
        return self

    def __or__(self, other: Rule) -> AnyOf:
        return AnyOf((*self.rules, other))

    def phrase(self) -> Phrase:
        """Its rules joined by "or"."""
        return _joined(N_("{left} or {right}"), self.rules)

    def __str__(self) -> str:
        return str(self.phrase())


def _grouped(rule: Rule) -> Phrase:
    said = rule.phrase()
    return Phrase(N_("({rule})"), {"rule": said}) if isinstance(rule, AllOf | AnyOf) else said


def _joined(message: str, rules: tuple[Rule, ...]) -> Phrase:
    """``rules`` joined pairwise by ``message`` ("a or b or c"), each said as its own."""
    said = [_grouped(rule) for rule in rules]
    joined = said[0] if said else Phrase("")
    for rule in said[1:]:
        joined = Phrase(message, {"left": joined, "right": rule})
    return joined


# The parties the built-in workflows name, so "is the owner" reads in the reader's words.
_PARTY_WORDS = (N_("owner"), N_("requester"), N_("reporter"), N_("client"))

PARTY_PREFIX = "party:"
ROLE_PREFIX = "role:"
CLIENT_PARTY = "client"
"""The parties entry naming the client an aggregate belongs to (see :func:`require`)."""
CLIENT_ROLE = "client"
"""The role that makes an actor one of a client's people: bound to a client or refused."""


def rule_from_names(names: Iterable[str], field: str) -> Rule:
    """The rule "any of these": ``party:owner`` (a part; ``party:client`` is any of the
    aggregate's client's people), ``role:pm`` (a role), ``anyone``, ``team`` (anyone but
    a client's people), or a person id. People, roles and parties
    never share a namespace.

    >>> str(rule_from_names(["party:owner", "role:pm", "li.wei"], "team"))
    'is the owner or has role pm or is one of li.wei'
    """  # noqa: D205 - the first sentence runs over two lines
    rules: list[Rule] = []
    people: list[str] = []
    for name in [names] if isinstance(names, str) else list(names):
        if not isinstance(name, str):
            raise ValidationError(field, "names such as party:owner, role:pm or li.wei", got=name)
        if name == "anyone":
            rules.append(Anyone())
        elif name == "team":
            rules.append(OnTeam())
        elif name == PARTY_PREFIX + CLIENT_PARTY:
            # the client is a company, never a person: its people act for it
            rules.append(OfClient())
        elif name.startswith(PARTY_PREFIX):
            rules.append(IsParty(check_id(name[len(PARTY_PREFIX) :], field)))
        elif name.startswith(ROLE_PREFIX):
            rules.append(HasRole(check_id(name[len(ROLE_PREFIX) :], field)))
        else:
            people.append(check_id(name, field))
    if people:
        rules.append(IsActor(frozenset(people)))
    if not rules:
        raise ValidationError(field, "at least one name (party:..., role:..., a person id)")
    return rules[0] if len(rules) == 1 else AnyOf(tuple(rules))


def tenant_failure(actor: Actor, client: str) -> Phrase | None:
    """Why ``actor`` may not act on an aggregate of ``client``, or ``None`` if it may.

    An actor bound to clients acts only within them; one with role ``client`` bound to
    none acts within none (fail closed); any other actor is the unscoped team.

    >>> tenant_failure(Actor("anna", {"client"}), "acme")
    'belongs to client acme (anna is bound to no client)'
    >>> tenant_failure(Actor("li.wei", {"pm"}), "acme") is None
    True
    """
    if not actor.clients and CLIENT_ROLE not in actor.roles:
        return None
    # A client that is not an id (junk input) matches no binding.
    if isinstance(client, str) and client in actor.clients:
        return None
    if not actor.clients:
        return Phrase(_BOUND_TO_NONE, {"client": client or "(none)", "actor": actor.id})
    bound = ", ".join(sorted(actor.clients))
    return Phrase(_BOUND, {"client": client or "(none)", "actor": actor.id, "bound": bound})


_BOUND = N_("belongs to client {client} ({actor} is bound to {bound})")
_BOUND_TO_NONE = N_("belongs to client {client} ({actor} is bound to no client)")


def require(rule: Rule, actor: Actor, action: str, parties: Parties | None = None) -> None:
    """Raise :class:`PermissionDenied` naming the failing rule unless ``actor`` passes.

    When the parties name the aggregate's client (:data:`CLIENT_PARTY`), the actor must
    act within it (:func:`tenant_failure`) before the rule is asked at all.
    """
    refused = refusal(rule, actor, parties)
    if refused is not None:
        raise PermissionDenied(actor.id, action, refused)


def refusal(rule: Rule, actor: Actor, parties: Parties | None = None) -> Phrase | None:
    """Why :func:`require` would refuse ``actor`` (the words of its error), or ``None``.

    For hot paths that name the action only when they refuse (its words cost a format).
    """
    given = parties or {}
    client = given.get(CLIENT_PARTY)
    if client is not None:
        refused = tenant_failure(actor, client)
        if refused is not None:
            return refused
    failed = rule.failing(actor, given)
    return None if failed is None else failed.phrase()
