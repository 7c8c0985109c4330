"""Authority at the edge: who may act is checked on ids that cannot be spoofed."""

from __future__ import annotations

import pytest

from clientflow import Actor, PermissionDenied, ValidationError
from clientflow.changes import Verdict, cast_vote
from clientflow.core import rule_from_names
from clientflow.escalation import (
    IssuePermissions,
    acknowledge,
    close,
    reopen,
    resolve,
)
from clientflow.feedback import Sentiment, satisfaction, thank, triage
from clientflow.feedback import close as close_feedback
from tests.changes.fixtures import ANNA, awaiting
from tests.changes.fixtures import NOW as CHANGE_NOW
from tests.escalation.fixtures import CALENDAR, CLIENT, MONDAY, OWNER, reported
from tests.feedback.fixtures import CALENDAR as TEAM
from tests.feedback.fixtures import NOW, PM, received


@pytest.mark.parametrize(
    "lookalike",
    ["anna ", " anna", "anna\u200b", "anna\u00a0", "an\u200dna", "anna\n", "", "a" * 201],
)
def test_an_id_that_only_looks_like_another_is_refused_at_actor(lookalike: str) -> None:
    """Spaces, zero-width and control characters never reach an authority check."""
    with pytest.raises(ValidationError, match=r"actor\.id"):
        Actor(lookalike)


def test_a_requester_cannot_approve_their_own_change_under_any_spelling() -> None:
    """ "Anna" is another person than "anna"; lookalikes of "anna" cannot be built at all."""
    change = awaiting()
    with pytest.raises(PermissionDenied, match="is not the requester"):
        cast_vote(change, Actor(ANNA.id, {"pm"}), Verdict.APPROVE, CHANGE_NOW.add(hours=2))
    with pytest.raises(PermissionDenied, match="approver"):
        cast_vote(change, Actor("Anna", {"pm"}), Verdict.APPROVE, CHANGE_NOW.add(hours=2))
    decomposed = "Zoe\u0308"
    with pytest.raises(ValidationError, match="NFC"):
        Actor(decomposed)


class TestIssuePermissions:
    def test_a_stranger_cannot_acknowledge_resolve_or_close(self) -> None:
        """Only the team acts on an issue by default; a stranger gets PermissionDenied."""
        stranger = Actor("mallory")
        issue = reported()
        with pytest.raises(PermissionDenied, match="acknowledge issue ISS-1"):
            acknowledge(issue, stranger, MONDAY.add(minutes=5), calendar=CALENDAR)
        taken = acknowledge(issue, OWNER, MONDAY.add(minutes=5), calendar=CALENDAR).aggregate
        assert taken.status == "acknowledged"

    def test_the_client_confirms_but_does_not_resolve(self) -> None:
        """The reporter may close or reopen a resolved issue; resolving is the team's."""
        issue = acknowledge(reported(), OWNER, MONDAY, calendar=CALENDAR).aggregate
        with pytest.raises(PermissionDenied, match="resolve issue"):
            resolve(issue, "fixed", CLIENT, MONDAY.add(hours=1), calendar=CALENDAR)
        done = resolve(issue, "fixed", OWNER, MONDAY.add(hours=1), calendar=CALENDAR).aggregate
        with pytest.raises(PermissionDenied, match="close issue"):
            close(done, Actor("mallory"), MONDAY.add(hours=2))
        again = reopen(done, "still broken", CLIENT, MONDAY.add(hours=2), calendar=CALENDAR)
        assert again.aggregate.status == "investigating"
        assert close(done, CLIENT, MONDAY.add(hours=2)).aggregate.status == "closed"

    def test_hosts_set_who_is_the_team(self) -> None:
        """Permissions built from names: only the owner and the named lead act."""
        strict = IssuePermissions(
            team=rule_from_names(["party:owner", "lead.li"], "team"),
            client=rule_from_names(["party:reporter"], "client"),
        )
        issue = reported()
        with pytest.raises(PermissionDenied):
            acknowledge(
                issue, Actor("li.wei", {"pm"}), MONDAY, calendar=CALENDAR, permissions=strict
            )
        lead = acknowledge(issue, Actor("lead.li"), MONDAY, calendar=CALENDAR, permissions=strict)
        assert lead.aggregate.status == "acknowledged"


class TestSentimentOverride:
    def test_a_detractor_cannot_be_thanked_and_closed_without_authority_and_reason(self) -> None:
        """Reading NPS 0 as positive needs the override role and a reason, and shows."""
        item = received(nps=0)
        assert item.sentiment is Sentiment.NEGATIVE
        engineer = Actor("zhou.min", {"engineer"})
        with pytest.raises(PermissionDenied, match="override the negative sentiment"):
            triage(item, engineer, NOW, calendar=TEAM, sentiment=Sentiment.POSITIVE)
        with pytest.raises(ValidationError, match="reason"):
            triage(item, PM, NOW, calendar=TEAM, sentiment=Sentiment.POSITIVE)
        decision = triage(
            item,
            PM,
            NOW,
            calendar=TEAM,
            sentiment=Sentiment.POSITIVE,
            reason="scored 0 by mistake; said so on the phone",
        )
        [event] = decision.events
        assert event.overridden_from is Sentiment.NEGATIVE  # type: ignore[attr-defined]
        thanked = thank(decision.aggregate, PM, NOW.add(hours=1), calendar=TEAM).aggregate
        closed = close_feedback(thanked, PM, NOW.add(hours=2)).aggregate
        metrics = satisfaction([closed, received("FB-2", nps=9)])
        assert (metrics.detractors, metrics.overridden) == (1, 1)

    def test_confirming_the_scores_sentiment_needs_no_reason(self) -> None:
        """Triage as the score says is an ordinary step for anyone allowed to triage."""
        decision = triage(received(nps=0), Actor("zhou.min"), NOW, calendar=TEAM)
        assert decision.events[0].overridden_from is None  # type: ignore[attr-defined]
        assert satisfaction([decision.aggregate]).overridden == 0
