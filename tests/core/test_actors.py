"""Who may do what: rules name themselves when they refuse."""

from __future__ import annotations

import pytest

from clientflow import (
    Actor,
    Anyone,
    HasRole,
    IsActor,
    IsNotParty,
    IsParty,
    PermissionDenied,
    ValidationError,
    require,
)

PM = Actor("pm-1", {"pm"})
DIRECTOR = Actor("dir-1", {"pm", "account-director"})
CLIENT = Actor("client-1", "client")


def test_roles_are_host_defined_names() -> None:
    """An actor holds the roles the host gave it, nothing else."""
    assert DIRECTOR.has_role("account-director")
    assert not PM.has_role("account-director")
    assert CLIENT.roles == {"client"}


def test_requester_may_not_approve_their_own_change() -> None:
    """The classic four-eyes rule reports which rule failed."""
    rule = HasRole("pm") & IsNotParty("requester")
    require(rule, DIRECTOR, "approve CR-1", {"requester": "pm-1"})
    with pytest.raises(PermissionDenied) as caught:
        require(rule, PM, "approve CR-1", {"requester": "pm-1"})
    assert (caught.value.actor, caught.value.rule) == ("pm-1", "is not the requester")
    assert "pm-1 may not approve CR-1" in str(caught.value)


def test_all_of_reports_the_first_failing_rule() -> None:
    """With several conditions, the error names the one that failed."""
    rule = HasRole("pm") & HasRole("account-director") & IsNotParty("requester")
    with pytest.raises(PermissionDenied, match="has role account-director"):
        require(rule, PM, "escalate", {})


def test_any_of_names_the_whole_alternative() -> None:
    """When no alternative holds, the error lists them all."""
    rule = IsParty("owner") | HasRole("account-director")
    require(rule, PM, "reassign", {"owner": "pm-1"})
    require(rule, DIRECTOR, "reassign", {"owner": "pm-1"})
    with pytest.raises(PermissionDenied, match="'is the owner or has role account-director'"):
        require(rule, CLIENT, "reassign", {"owner": "pm-1"})


def test_nested_rules_read_naturally() -> None:
    """Nested groups are parenthesised in messages."""
    rule = (HasRole("pm") & IsNotParty("requester")) | IsActor({"ceo"})
    assert str(rule) == "(has role pm and is not the requester) or is one of ceo"
    assert rule.allows(Actor("ceo"), {"requester": "ceo"})
    assert Anyone().allows(CLIENT, {})


def test_actor_needs_an_id_and_named_roles() -> None:
    """Blank ids or role names are rejected."""
    with pytest.raises(ValidationError, match=r"actor\.id"):
        Actor(" ")
    with pytest.raises(ValidationError, match=r"actor\.roles"):
        Actor("a", {""})
