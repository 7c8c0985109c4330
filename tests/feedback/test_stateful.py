"""Random feedback, follow-up and survey sequences keep the workflow's promises."""

from __future__ import annotations

from itertools import pairwise

import pendulum
from hypothesis import event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from clientflow import ClientflowError
from clientflow.core import DomainEvent, rebuild
from clientflow.feedback import (
    EVENTS,
    TABLE,
    Channel,
    ContactSurveys,
    Feedback,
    Sentiment,
    SurveyPolicy,
    SurveySent,
    Trigger,
    answer_survey,
    apply,
    apply_surveys,
    assign,
    close,
    complete_action,
    confirm,
    escalate_overdue,
    fire_surveys,
    has_open_follow_up,
    plan_action,
    receive,
    record_contact,
    reopen,
    request_survey,
    thank,
    triage,
)
from tests.feedback.fixtures import CALENDAR, NOW, PM, POLICY

CONTACTS = ("anna", "ben")
SURVEYS = SurveyPolicy(
    min_between=pendulum.duration(days=20),
    remind_after=pendulum.duration(days=2),
    expire_after=pendulum.duration(days=7),
    periodic_every=None,
)


class FeedbackLoop(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.items: dict[str, Feedback] = {}
        self.histories: dict[str, list[DomainEvent]] = {}
        self.surveys: dict[str, ContactSurveys | None] = dict.fromkeys(CONTACTS)
        self.survey_histories: dict[str, list[DomainEvent]] = {c: [] for c in CONTACTS}
        self.sends: dict[str, list[pendulum.DateTime]] = {c: [] for c in CONTACTS}

    def _open(self, contact: str) -> bool:
        return has_open_follow_up(self.items.values(), contact)

    def _record_surveys(self, contact: str, decision_events: tuple[DomainEvent, ...]) -> None:
        for fact in decision_events:
            if isinstance(fact, SurveySent):
                # The promise: never while a follow-up is open, never within the window.
                assert not self._open(contact)
                self.sends[contact].append(fact.occurred_at)
                note(f"survey sent to {contact}")
        self.survey_histories[contact].extend(decision_events)

    @rule(hours=st.integers(1, 72))
    def time_passes(self, hours: int) -> None:
        self.now = self.now.add(hours=hours)

    @rule(
        contact=st.sampled_from(CONTACTS),
        nps=st.none() | st.integers(0, 10),
        csat=st.none() | st.integers(1, 5),
        channel=st.sampled_from(Channel),
    )
    @precondition(lambda self: len(self.items) < 6)
    def feedback_arrives(
        self, contact: str, nps: int | None, csat: int | None, channel: Channel
    ) -> None:
        feedback_id = f"FB-{len(self.items)}"
        decision = receive(
            feedback_id, client="acme", project="portal", contact=contact, channel=channel,
            nps=nps, csat=csat, policy=POLICY, calendar=CALENDAR, actor=PM, now=self.now,
        )  # fmt: skip
        self.items[feedback_id] = decision.aggregate
        self.histories[feedback_id] = list(decision.events)

    @rule(data=st.data())
    @precondition(lambda self: self.items)
    def follow_up_step(self, data: st.DataObject) -> None:
        feedback_id = data.draw(st.sampled_from(sorted(self.items)))
        item = self.items[feedback_id]
        now = self.now
        commands = {
            "triage": lambda: triage(
                item,
                PM,
                now,
                calendar=CALENDAR,
                sentiment=data.draw(st.none() | st.sampled_from(Sentiment)),
            ),
            "thank": lambda: thank(item, PM, now, calendar=CALENDAR),
            "assign": lambda: assign(item, "zhou.min", PM, now, calendar=CALENDAR),
            "contact": lambda: record_contact(item, PM, now, calendar=CALENDAR),
            "plan": lambda: plan_action(item, "fix it", PM, now, calendar=CALENDAR),
            "complete": lambda: complete_action(item, PM, now, calendar=CALENDAR),
            "confirm": lambda: confirm(item, PM, now, calendar=CALENDAR),
            "reopen": lambda: reopen(item, "still unhappy", PM, now, calendar=CALENDAR),
            "close": lambda: close(item, PM, now),
            "escalate": lambda: escalate_overdue(item, CALENDAR, now),
        }
        allowed = [name for name in TABLE.allowed(item.status) if name in commands]
        # Mostly what the state allows (escalation only now and then), sometimes anything.
        forward = [n for n in allowed if n != "escalate"] or allowed or sorted(commands)
        name = data.draw(
            st.sampled_from(forward if data.draw(st.integers(0, 5)) else sorted(commands))
        )
        try:
            decision = commands[name]()
        except ClientflowError:
            assert self.items[feedback_id] == item
            return
        self.items[feedback_id] = decision.aggregate
        self.histories[feedback_id].extend(decision.events)
        event(f"status {decision.aggregate.status}")

    @rule(contact=st.sampled_from(CONTACTS))
    def survey_requested(self, contact: str) -> None:
        current = self.surveys[contact]
        survey_id = f"S-{len(current.surveys) if current else 0}"
        decision = request_survey(
            current, survey_id, contact=contact, client="acme", trigger=Trigger.MILESTONE,
            policy=SURVEYS, follow_up_open=self._open(contact), now=self.now, actor=PM,
        )  # fmt: skip
        self._record_surveys(contact, decision.events)
        self.surveys[contact] = decision.aggregate

    @rule(contact=st.sampled_from(CONTACTS))
    def survey_timers_fire(self, contact: str) -> None:
        current = self.surveys[contact]
        if current is None or current.next_deadline is None or current.next_deadline > self.now:
            return
        decision = fire_surveys(current, SURVEYS, self.now, follow_up_open=self._open(contact))
        self._record_surveys(contact, decision.events)
        self.surveys[contact] = decision.aggregate

    @rule(contact=st.sampled_from(CONTACTS), data=st.data())
    def survey_answered(self, contact: str, data: st.DataObject) -> None:
        current = self.surveys[contact]
        sent = [s.id for s in current.surveys if s.status == "sent"] if current else []
        if not sent or current is None:
            return
        decision = answer_survey(current, data.draw(st.sampled_from(sent)), self.now, actor=PM)
        self._record_surveys(contact, decision.events)
        self.surveys[contact] = decision.aggregate

    @invariant()
    def throttle_never_violated(self) -> None:
        for times in self.sends.values():
            for earlier, later in pairwise(times):
                assert later - earlier >= SURVEYS.min_between

    @invariant()
    def every_negative_item_is_confirmed_and_closed_or_has_a_deadline(self) -> None:
        for feedback_id, item in self.items.items():
            if item.sentiment is not Sentiment.NEGATIVE:
                continue
            if item.status == "closed":
                types = [e.event_type for e in self.histories[feedback_id]]
                assert "feedback.client_confirmed" in types
            else:
                assert item.next_deadline is not None

    @invariant()
    def histories_rebuild_through_json(self) -> None:
        for feedback_id, history in self.histories.items():
            stored = [EVENTS.decode(*EVENTS.encode(e)) for e in history]
            assert rebuild(apply, stored) == self.items[feedback_id]
        for contact, history in self.survey_histories.items():
            if history:
                assert rebuild(apply_surveys, history) == self.surveys[contact]


FeedbackLoop.TestCase.settings = settings(stateful_step_count=100)
TestFeedbackLoop = FeedbackLoop.TestCase
