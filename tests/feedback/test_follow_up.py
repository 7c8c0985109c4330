"""Feedback is classified, thanked or followed up to the client's confirmation, on time."""

from __future__ import annotations

import pendulum
import pytest

from clientflow import ClientflowError, TransitionNotAllowed, ValidationError
from clientflow.core import rebuild
from clientflow.feedback import (
    EVENTS,
    Bands,
    Channel,
    Sentiment,
    apply,
    assign,
    close,
    confirm,
    escalate_overdue,
    receive,
    reopen,
    thank,
    triage,
)
from tests.feedback.fixtures import CALENDAR, NOW, PM, POLICY, done_action, received

H = pendulum.duration


class TestClassification:
    @pytest.mark.parametrize(
        ("nps", "csat", "expected"),
        [
            (10, None, Sentiment.POSITIVE),
            (9, None, Sentiment.POSITIVE),
            (8, None, Sentiment.NEUTRAL),
            (7, None, Sentiment.NEUTRAL),
            (6, None, Sentiment.NEGATIVE),
            (0, None, Sentiment.NEGATIVE),
            (None, 5, Sentiment.POSITIVE),
            (None, 4, Sentiment.POSITIVE),
            (None, 3, Sentiment.NEUTRAL),
            (None, 1, Sentiment.NEGATIVE),
            (10, 2, Sentiment.NEGATIVE),
            (None, None, None),
        ],
    )
    def test_standard_bands(
        self, nps: int | None, csat: int | None, expected: Sentiment | None
    ) -> None:
        """NPS 9-10 promoters, 7-8 passives, 0-6 detractors; CSAT 4-5 satisfied; the worse wins."""
        assert received(nps=nps, csat=csat).sentiment is expected

    def test_a_complaint_is_negative_whatever_the_score(self) -> None:
        """Complaints always get the follow-up path."""
        assert received(nps=10, channel=Channel.COMPLAINT).sentiment is Sentiment.NEGATIVE

    def test_bands_are_configurable_and_checked(self) -> None:
        """A team may call 8 a promoter; impossible bands are refused."""
        assert (
            Bands(promoter_min=8).classify(csat=None, nps=8, channel=Channel.SURVEY)
            is Sentiment.POSITIVE
        )
        with pytest.raises(ValidationError, match=r"bands\.nps"):
            Bands(promoter_min=6, passive_min=7)

    @pytest.mark.parametrize(
        ("nps", "csat", "field"),
        [
            (11, None, "nps"),
            (-1, None, "nps"),
            (None, 0, "csat"),
            (None, 6, "csat"),
            (True, None, "nps"),
        ],
    )
    def test_scores_out_of_range_are_refused(self, nps: object, csat: object, field: str) -> None:
        """NPS is 0-10 and CSAT 1-5, whole numbers."""
        with pytest.raises(ValidationError) as caught:
            received(nps=nps, csat=csat)  # type: ignore[arg-type]
        assert caught.value.field == field


class TestPositivePath:
    def test_positive_feedback_is_thanked_and_closed(self) -> None:
        """A promoter is thanked, then the item closes; no follow-up."""
        item = triage(received(nps=10), PM, NOW.add(hours=1), calendar=CALENDAR).aggregate
        item = thank(item, PM, NOW.add(hours=2), calendar=CALENDAR, message="Thank you!").aggregate
        item = close(item, PM, NOW.add(hours=3)).aggregate
        assert item.status == "closed"
        assert item.next_deadline is None

    def test_positive_feedback_cannot_be_assigned_a_follow_up(self) -> None:
        """The path follows the sentiment; the error says which path is allowed."""
        item = triage(received(nps=10), PM, NOW, calendar=CALENDAR).aggregate
        with pytest.raises(ValidationError, match="neutral or negative feedback to assign"):
            assign(item, "zhou.min", PM, NOW, calendar=CALENDAR)


class TestNegativePath:
    def test_detractor_is_followed_up_to_the_clients_confirmation(self) -> None:
        """Contact, plan, act, confirm, close: every step recorded with its deadline."""
        item = confirm(
            done_action(), PM, NOW.add(hours=2), calendar=CALENDAR, note="Happy now"
        ).aggregate
        item = close(item, PM, NOW.add(hours=3)).aggregate
        assert item.status == "closed"
        assert [s.step for s in item.steps] == [
            "triage", "assign", "contact", "plan", "complete", "confirm", "close",
        ]  # fmt: skip
        assert all(s.on_time for s in item.steps)

    def test_detractor_must_be_contacted_within_two_business_days_of_receipt(self) -> None:
        """Received Friday 17:00 Shanghai; contact is due 16 business hours later, Tuesday
        17:00, however the triage and assignment go."""
        friday = pendulum.datetime(2026, 3, 6, 17, tz="Asia/Shanghai")
        item = triage(received(now=friday), PM, friday, calendar=CALENDAR).aggregate
        item = assign(item, "zhou.min", PM, friday, calendar=CALENDAR).aggregate
        assert item.next_deadline == pendulum.datetime(2026, 3, 10, 17, tz="Asia/Shanghai")

    def test_a_slow_triage_does_not_extend_what_the_client_was_promised(self) -> None:
        """Triage and assignment a day late: the contact deadline still counts from receipt,
        and so does the assignment's."""
        monday = pendulum.datetime(2026, 3, 9, 10, tz="Asia/Shanghai")
        tuesday = monday.add(days=1)
        item = triage(received(now=monday), PM, tuesday, calendar=CALENDAR).aggregate
        assert item.next_deadline == CALENDAR.add(monday, pendulum.duration(hours=8))  # assign
        item = assign(item, "zhou.min", PM, tuesday.add(hours=1), calendar=CALENDAR).aggregate
        assert item.next_deadline == CALENDAR.add(monday, pendulum.duration(hours=16))
        assert [s.on_time for s in item.steps] == [False, False, None]  # triage, assign late

    def test_unhappy_client_reopens_the_follow_up(self) -> None:
        """Still unhappy after the action: back to planning, counted."""
        item = reopen(
            done_action(), "Still slow", PM, NOW.add(hours=2), calendar=CALENDAR
        ).aggregate
        assert (item.status, item.reopened) == ("client_contacted", 1)
        assert item.open_step is not None
        assert item.open_step.step == "plan"

    def test_steps_out_of_order_are_refused_and_change_nothing(self) -> None:
        """Confirming before any action names the state and what is allowed."""
        item = triage(received(), PM, NOW, calendar=CALENDAR).aggregate
        with pytest.raises(TransitionNotAllowed) as caught:
            confirm(item, PM, NOW, calendar=CALENDAR)
        assert caught.value.state == "triaged"
        assert caught.value.allowed == ("assign", "thank")  # the commands a person may run
        assert item.status == "triaged"

    def test_negative_feedback_cannot_be_closed_without_confirmation(self) -> None:
        """Closing straight after the action is not a transition."""
        with pytest.raises(TransitionNotAllowed):
            close(done_action(), PM, NOW)

    def test_feedback_without_a_score_needs_a_sentiment_at_triage(self) -> None:
        """An email without scores is classified by the person triaging it."""
        item = received(nps=None, channel=Channel.EMAIL)
        with pytest.raises(ValidationError, match="sentiment"):
            triage(item, PM, NOW, calendar=CALENDAR)
        done = triage(item, PM, NOW, calendar=CALENDAR, sentiment=Sentiment.NEUTRAL).aggregate
        assert done.sentiment is Sentiment.NEUTRAL


class TestDeadlines:
    def test_overdue_step_escalates_once_per_deadline_and_rearms(self) -> None:
        """The escalation names the step, owner and client; the next one is a repeat later."""
        item = triage(received(), PM, NOW, calendar=CALENDAR).aggregate
        item = assign(item, "zhou.min", PM, NOW, calendar=CALENDAR).aggregate
        due = item.next_deadline
        assert due is not None
        with pytest.raises(ValidationError, match="follow-up deadline"):
            escalate_overdue(item, CALENDAR, due.subtract(seconds=1))
        decision = escalate_overdue(item, CALENDAR, due)
        event = decision.events[0]
        assert (event.step, event.owner, event.client, event.level) == (
            "contact",
            "zhou.min",
            "acme",
            1,
        )  # type: ignore[attr-defined]
        assert decision.aggregate.next_deadline == CALENDAR.add(due, POLICY.targets.repeat)

    def test_targets_are_snapshotted_when_feedback_arrives(self) -> None:
        """Editing the policy later does not move deadlines in flight."""
        item = received()
        assert item.targets == POLICY.targets

    def test_history_rebuilds_through_json(self) -> None:
        """Every event of a full follow-up survives storage and rebuilds the same item."""
        events = []
        decision = receive(
            "FB-9", client="acme", project="portal", contact="anna", channel=Channel.COMPLAINT,
            policy=POLICY, calendar=CALENDAR, actor=PM, now=NOW,
        )  # fmt: skip
        events += decision.events
        item = decision.aggregate
        for step in (
            lambda i: triage(i, PM, NOW, calendar=CALENDAR),
            lambda i: assign(i, "zhou.min", PM, NOW, calendar=CALENDAR),
            lambda i: escalate_overdue(i, CALENDAR, i.next_deadline),
        ):
            decision = step(item)
            events += decision.events
            item = decision.aggregate
        stored = [EVENTS.decode(*EVENTS.encode(e)) for e in events]
        assert rebuild(apply, stored) == item


def test_errors_are_clientflow_errors() -> None:
    """Bad input to receive is typed."""
    with pytest.raises(ClientflowError):
        receive(
            "", client="acme", project="p", contact="c", channel=Channel.EMAIL,
            policy=POLICY, calendar=CALENDAR, actor=PM, now=NOW,
        )  # fmt: skip
