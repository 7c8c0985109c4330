"""Authority at the edge: who may act is checked on ids that cannot be spoofed."""

from __future__ import annotations

import pytest

from clientflow import Actor, PermissionDenied, ValidationError
from clientflow.cadence import archive
from clientflow.changes import Verdict, cast_vote
from clientflow.core import rule_from_names
from clientflow.escalation import (
    IssuePermissions,
    acknowledge,
    close,
    reopen,
    resolve,
)
from clientflow.feedback import (
    Sentiment,
    assign,
    complete_action,
    confirm,
    plan_action,
    record_contact,
    satisfaction,
    thank,
    triage,
)
from clientflow.feedback import close as close_feedback
from tests.cadence.fixtures import START as PLAN_START
from tests.cadence.fixtures import plan
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


class TestFeedbackPermissions:
    def test_a_roleless_actor_cannot_triage_assign_confirm_or_close_a_detractor(self) -> None:
        """The issue's report: by default a stranger moves no feedback along."""
        stranger = Actor("mallory")
        item = received(nps=0)
        with pytest.raises(PermissionDenied, match="triage feedback item FB-1"):
            triage(item, stranger, NOW, calendar=TEAM)
        triaged = triage(item, PM, NOW, calendar=TEAM).aggregate
        with pytest.raises(PermissionDenied, match="assign feedback item FB-1"):
            assign(triaged, "mallory", stranger, NOW, calendar=TEAM)
        assigned = assign(triaged, "zhou.min", PM, NOW, calendar=TEAM).aggregate
        contacted = record_contact(assigned, PM, NOW, calendar=TEAM).aggregate
        planned = plan_action(contacted, "an index", PM, NOW, calendar=TEAM).aggregate
        done = complete_action(planned, PM, NOW, calendar=TEAM).aggregate
        with pytest.raises(PermissionDenied, match="confirm feedback item FB-1"):
            confirm(done, stranger, NOW, calendar=TEAM)
        confirmed = confirm(done, Actor("zhou.min"), NOW, calendar=TEAM).aggregate  # the owner
        with pytest.raises(PermissionDenied, match="close feedback item FB-1"):
            close_feedback(confirmed, stranger, NOW)
        assert close_feedback(confirmed, PM, NOW).aggregate.status == "closed"


class TestSentimentOverride:
    def test_a_detractor_cannot_be_thanked_and_closed_without_authority_and_reason(self) -> None:
        """Reading NPS 0 as positive needs the override role and a reason, and shows."""
        item = received(nps=0)
        assert item.sentiment is Sentiment.NEGATIVE
        support = Actor("zhou.min", {"support"})  # may triage, may not override
        with pytest.raises(PermissionDenied, match="override the negative sentiment"):
            triage(item, support, NOW, calendar=TEAM, sentiment=Sentiment.POSITIVE)
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
        decision = triage(received(nps=0), Actor("zhou.min", {"support"}), NOW, calendar=TEAM)
        assert decision.events[0].overridden_from is None  # type: ignore[attr-defined]
        assert satisfaction([decision.aggregate]).overridden == 0


def test_a_roleless_actor_cannot_archive_a_plan_and_a_client_person_not_anothers() -> None:
    """Plans: the PM archives by default; ACME's plan is out of a Lotus person's reach."""
    acme_plan = plan()
    with pytest.raises(PermissionDenied, match="archive plan PLAN-acme: rule 'has role pm'"):
        archive(acme_plan, actor=Actor("mallory"), now=PLAN_START)
    lotus_pm = Actor("li.wei", {"pm"}, clients={"lotus"})
    with pytest.raises(
        PermissionDenied, match=r"belongs to client acme \(li.wei is bound to lotus"
    ):
        archive(acme_plan, actor=lotus_pm, now=PLAN_START)
    assert archive(acme_plan, actor=Actor("li.wei", {"pm"}), now=PLAN_START).aggregate.status == (
        "archived"
    )
