"""Feedback and surveys through the engine on SQLite: stored, swept, escalated once."""

from __future__ import annotations

from pathlib import Path

from clientflow.core import Codec, Decision
from clientflow.engine import Command, Engine
from clientflow.feedback import (
    Channel,
    Feedback,
    SurveyPolicy,
    Trigger,
    assign,
    has_open_follow_up,
    kind,
    receive,
    request_survey,
    surveys_id,
    surveys_kind,
    triage,
)
from clientflow.storage import open_store
from clientflow.storage.kinded import TypedStore
from tests.feedback.fixtures import CALENDAR, NOW, PM, POLICY


def test_overdue_follow_up_escalates_once_through_a_sweep(tmp_path: Path) -> None:
    """A detractor nobody contacts: the sweep escalates it once per deadline; reloads intact."""
    store = TypedStore(
        open_store(f"sqlite:///{tmp_path / 'fb.db'}", create=True),
        Codec(
            [kind(lambda item: CALENDAR), surveys_kind(lambda s: SurveyPolicy(), lambda c: False)]
        ),
    )
    engine = Engine(store)
    engine.execute(Command("FB-1", lambda current, now: _receive(now)))
    engine.execute(
        Command("FB-1", lambda current, now: triage(current, PM, NOW, calendar=CALENDAR))
    )  # type: ignore[arg-type]
    engine.execute(
        Command(
            "FB-1", lambda current, now: assign(current, "zhou.min", PM, NOW, calendar=CALENDAR)
        )
    )  # type: ignore[arg-type]
    due = engine.load("FB-1").next_deadline
    assert due is not None
    first = engine.sweep(due)
    again = engine.sweep(due.add(minutes=30))
    assert [event.event_type for _, events in first.fired for event in events] == [
        "feedback.follow_up_overdue"
    ]
    assert again.fired == ()
    reloaded = store.load("FB-1")
    assert reloaded == engine.load("FB-1")
    assert has_open_follow_up([reloaded], "anna")  # type: ignore[list-item]


def test_survey_record_round_trips_through_sqlite(tmp_path: Path) -> None:
    """A contact's surveys are stored and swept (reminder) like any aggregate."""
    codec = Codec(
        [kind(lambda item: CALENDAR), surveys_kind(lambda s: SurveyPolicy(), lambda c: False)]
    )
    store = TypedStore(open_store(f"sqlite:///{tmp_path / 's.db'}", create=True), codec)
    engine = Engine(store)
    engine.execute(
        Command(
            surveys_id("anna"),
            lambda current, now: request_survey(
                current,
                "S-1",
                contact="anna",
                client="acme",
                trigger=Trigger.PROJECT_END,
                policy=SurveyPolicy(),
                follow_up_open=False,
                now=NOW,
                actor=PM,
            ),
        )
    )
    report = engine.sweep(NOW.add(days=3))
    assert [e.event_type for _, events in report.fired for e in events] == ["survey.reminded"]
    stored = store.load(surveys_id("anna"))
    assert stored.surveys[0].reminders == 1  # type: ignore[union-attr]


def _receive(now: object) -> Decision[Feedback]:
    return receive(
        "FB-1", client="acme", project="portal", contact="anna", channel=Channel.SURVEY,
        nps=2, policy=POLICY, calendar=CALENDAR, actor=PM, now=NOW,
    )  # fmt: skip
