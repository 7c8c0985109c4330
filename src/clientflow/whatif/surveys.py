"""Surveys replayed: each contact's survey record under some rules, follow-ups as recorded.

Whether a survey goes, waits or is dropped depends on the survey policy (the rules
being compared) and on whether the contact had feedback in follow-up at that instant:
another aggregate's state, kept as recorded. :class:`FollowUps` answers it from the
feedback items' own histories; where a survey event recorded what the system saw
(``follow_up_open``) the replay takes that instead, so replaying under the rules in
force gives back the record exactly. A survey event stored before ``follow_up_open``
was has no such value: the feedback histories answer for it, and it is flagged.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence

import attrs
import pendulum

from clientflow import feedback
from clientflow.config import Rules
from clientflow.core import (
    Actor,
    Anyone,
    ClientflowError,
    ConfigError,
    ConfigProblem,
    Decision,
    DomainEvent,
)
from clientflow.feedback import (
    ContactSurveys,
    Feedback,
    PeriodicSurveyScheduled,
    SurveyAnswered,
    SurveyDeferred,
    SurveyDropped,
    SurveyExpired,
    SurveyReminded,
    SurveySent,
)
from clientflow.whatif.flows import Measure
from clientflow.whatif.replay import Flag, Replay, SweepGrid, sweep

__all__ = [
    "SURVEY_COUNTS",
    "FollowUps",
    "follow_ups",
    "is_survey_fact",
    "replay_surveys",
    "survey_measure",
]

_ANYONE = Anyone()
"""Permissions are not replayed: the person did act (see docs/what-if.md)."""
_SYSTEM = "system"
"""The actor of the events the survey timer produced."""

_DECISIONS = (SurveySent, SurveyDeferred, SurveyDropped)
"""The events that say whether a survey went, and record the follow-up state seen."""

SURVEY_COUNTS: Mapping[type[DomainEvent], str] = {
    SurveySent: "sent",
    SurveyDeferred: "deferred",
    SurveyDropped: "dropped",
    SurveyReminded: "reminded",
    SurveyAnswered: "answered",
    SurveyExpired: "expired",
}
"""Each survey event counted, by its stable English key."""


def is_survey_fact(event: DomainEvent) -> bool:
    """Whether a person caused survey ``event``: a survey asked for, periodic surveys
    started, an answer (else the survey timer derived it)."""  # noqa: D205, D209
    if isinstance(event, SurveyAnswered):
        return True
    return isinstance(event, (*_DECISIONS, PeriodicSurveyScheduled)) and event.actor != _SYSTEM


def _following(item: Feedback) -> bool:
    """Whether ``item`` holds back surveys to its contact: open, with someone following it
    up (as ``ws.surveys.request`` reads it)."""  # noqa: D205, D209
    return item.owner is not None and item.status not in feedback.TABLE.final


@attrs.frozen
class FollowUps:
    """Whether a contact of a client had feedback in follow-up, at any instant: per
    (client, contact) the instants the answer changed and the answer from then on."""  # noqa: D205, D209

    changes: Mapping[tuple[str, str], tuple[tuple[pendulum.DateTime, ...], tuple[bool, ...]]] = (
        attrs.field(factory=dict)
    )

    def open_at(self, client: str, contact: str, at: pendulum.DateTime) -> bool:
        """Whether ``contact`` of ``client`` had feedback in follow-up at ``at`` (its
        feedback events at ``at`` included)."""  # noqa: D205, D209
        found = self.changes.get((client, contact))
        if found is None:
            return False
        instants, states = found
        place = bisect.bisect_right(instants, at)
        return place > 0 and states[place - 1]


def follow_ups(histories: Iterable[Sequence[DomainEvent]]) -> FollowUps:
    """The follow-up states of every contact from feedback items' recorded ``histories``
    (folded as recorded: the survey rules do not change a feedback item)."""  # noqa: D205, D209
    steps: dict[tuple[str, str], list[tuple[pendulum.DateTime, str, bool]]] = {}
    for history in histories:
        item: Feedback | None = None
        for event in history:
            item = feedback.apply(item, event)
            key = (item.client, item.contact)
            steps.setdefault(key, []).append((event.occurred_at, item.id, _following(item)))
    changes = {}
    for key, found in steps.items():
        found.sort(key=lambda step: step[0])  # stable: each item's own order kept
        following: dict[str, bool] = {}
        instants: list[pendulum.DateTime] = []
        states: list[bool] = []
        for at, ident, state in found:
            following[ident] = state
            now = any(following.values())
            if instants and instants[-1] == at:
                states[-1] = now
            elif not states or states[-1] != now:
                instants.append(at)
                states.append(now)
        changes[key] = (tuple(instants), tuple(states))
    return FollowUps(changes)


def _label(event: DomainEvent) -> str:
    return f"{event.event_id} {event.event_type}"


class _Surveys:
    """One contact's survey record replayed: its facts run again, its timers fired."""

    def __init__(
        self,
        history: Sequence[DomainEvent],
        rules: Rules,
        follow_up: FollowUps,
        unknown: Collection[int],
    ) -> None:
        self.policy = rules.surveys
        self.follow_up = follow_up
        self.contact = history[0].aggregate_id.removeprefix(feedback.SURVEYS_PREFIX)
        self.client = str(getattr(history[0], "client", ""))
        # What the survey timer saw at each instant it decided (its events record it).
        self.seen = {
            e.occurred_at: e.follow_up_open
            for e in history
            if isinstance(e, _DECISIONS)
            and e.actor == _SYSTEM
            and e.aggregate_version not in unknown
        }

    def open_at(self, at: pendulum.DateTime) -> bool:
        return self.follow_up.open_at(self.client, self.contact, at)

    def fire(self, surveys: ContactSurveys, at: pendulum.DateTime) -> Decision[ContactSurveys]:
        seen = self.seen.get(at)
        busy = self.open_at(at) if seen is None else seen
        return feedback.fire_surveys(surveys, self.policy, at, follow_up_open=busy)

    def run(
        self, surveys: ContactSurveys | None, event: DomainEvent, busy: bool
    ) -> Decision[ContactSurveys]:
        """The fact ``event`` again: same person, instant and words; ``busy``: whether
        the contact had feedback in follow-up."""  # noqa: D205, D209
        actor = Actor(event.actor, set(), {self.client})
        at = event.occurred_at
        if isinstance(event, _DECISIONS):
            return feedback.request_survey(
                surveys,
                event.survey_id,
                contact=self.contact,
                client=event.client,
                trigger=event.trigger,
                policy=self.policy,
                follow_up_open=busy,
                now=at,
                actor=actor,
                rule=_ANYONE,
            )
        if isinstance(event, PeriodicSurveyScheduled):
            return feedback.schedule_periodic(
                surveys,
                contact=self.contact,
                client=event.client,
                first=event.at or at,
                actor=actor,
                now=at,
                rule=_ANYONE,
            )
        if surveys is None:
            raise ConfigError([ConfigProblem("survey_id", "a survey asked for before")])
        assert isinstance(event, SurveyAnswered)
        return feedback.answer_survey(
            surveys, event.survey_id, at, feedback_id=event.feedback_id, actor=actor, rule=_ANYONE
        )


def replay_surveys(
    history: Sequence[DomainEvent],
    rules: Rules,
    follow_up: FollowUps,
    *,
    until: pendulum.DateTime,
    sweeps: SweepGrid | None = None,
    unknown: Collection[int] = frozenset(),
) -> Replay:
    """Replay one contact's recorded survey ``history`` under ``rules`` (their survey
    policy) up to (not including) ``until``.

    Requests, periodic schedules and answers run again at their instants; the survey
    timer fires at the sweeps of ``sweeps`` between them. Whether the contact had
    feedback in follow-up is what each request recorded, what the timer recorded at
    that instant, else ``follow_up``'s answer. ``unknown`` are the versions of survey
    events stored before they recorded it: ``follow_up`` answers for them, flagged. A
    fact the rules cannot take (an answer to a survey never sent) is left out, flagged.
    """  # noqa: D205
    if not history:
        return Replay(None, (), ())
    grid = sweeps or SweepGrid()
    run = _Surveys(history, rules, follow_up, unknown)
    surveys: ContactSurveys | None = None
    events: list[DomainEvent] = []
    flags: list[Flag] = []
    for event in history:
        if event.occurred_at >= until:
            break
        old = event.aggregate_version in unknown and isinstance(event, _DECISIONS)
        if old:
            said = "open" if run.open_at(event.occurred_at) else "none"
            flags.append(
                Flag(
                    event.aggregate_id,
                    _label(event),
                    "recorded before survey events said whether a follow-up was open:"
                    f" taken from the feedback items' histories ({said})",
                )
            )
        if not is_survey_fact(event):
            continue
        if surveys is not None:
            surveys = sweep(surveys, events, event.occurred_at, grid, run.fire)
        busy = run.open_at(event.occurred_at) if old else getattr(event, "follow_up_open", False)
        try:
            decision = run.run(surveys, event, busy)
        except ClientflowError as error:
            flags.append(Flag(event.aggregate_id, _label(event), str(error)))
            continue
        surveys = decision.aggregate
        events.extend(decision.events)
    if surveys is not None:
        surveys = sweep(surveys, events, until, grid, run.fire)
    return Replay(surveys, tuple(events), tuple(flags))


def survey_measure(
    replay: Replay, client: str, period: tuple[pendulum.DateTime, pendulum.DateTime]
) -> Measure | None:
    """A contact's surveys in ``period``: asked for, sent, deferred, dropped, reminded,
    answered, expired (events in the period), and each survey's state at its end."""  # noqa: D205, D209
    surveys = replay.aggregate
    if not isinstance(surveys, ContactSurveys):
        return None
    start, end = period
    counts: Counter[str] = Counter({"contacts": 1})
    touched: dict[str, None] = {}
    for event in replay.events:
        if not start <= event.occurred_at < end:
            continue
        name = SURVEY_COUNTS.get(type(event))
        if name is not None:
            counts[name] += 1
        if isinstance(event, _DECISIONS) and event.actor != _SYSTEM:
            counts["requested"] += 1
        survey = getattr(event, "survey_id", None)
        if survey is not None:
            touched[survey] = None
    states = {record.id: record.status for record in surveys.surveys}
    facts = {f"survey {survey}": states.get(survey, "none") for survey in touched}
    return Measure(surveys.id, client, dict(counts), facts)
