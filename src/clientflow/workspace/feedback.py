"""Feedback, surveys and communication plans through a workspace, policies from the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pendulum

from clientflow import cadence, feedback
from clientflow.cadence import CommunicationPlan, PlanItem, Touchpoint
from clientflow.config import Rules
from clientflow.core import Actor, ConfigError, ConfigProblem, Decision, to_utc
from clientflow.engine import Result
from clientflow.feedback import Channel, ContactSurveys, Feedback, Sentiment, Trigger
from clientflow.i18n import Language, Templates, language
from clientflow.ports import Query
from clientflow.workspace import briefings
from clientflow.workspace.base import Service
from clientflow.workspace.inputs import enum_of, touchpoint_from

__all__ = ["FeedbackService", "PlanService", "SurveyService"]

When = dt.datetime | None


class FeedbackService(Service[Feedback]):
    """Receive feedback and follow it up; deadlines on the client's calendar."""

    noun = "feedback item"
    kind = feedback.FEEDBACK_KIND
    aggregate = Feedback

    def receive(
        self,
        feedback_id: str,
        *,
        by: Actor,
        client: str,
        project: str,
        contact: str,
        channel: Channel | str,
        text: str = "",
        csat: int | None = None,
        nps: int | None = None,
        at: When = None,
        key: str | None = None,
    ) -> Result[Feedback]:
        """Record feedback; its sentiment comes from the score and the rules' bands."""
        rules = self._workspace.rules
        chosen = enum_of(Channel, channel)

        def make(now: pendulum.DateTime) -> Decision[Feedback]:
            return feedback.receive(
                feedback_id,
                client=client,
                project=project,
                contact=contact,
                channel=chosen,  # type: ignore[arg-type]
                text=text,
                csat=csat,
                nps=nps,
                policy=rules.feedback,
                calendar=rules.calendar_for(client),
                actor=by,
                now=now,
                rule=rules.feedback_permissions.receive,
            )

        return self._create(feedback_id, make, at, key)

    def _step(
        self,
        feedback_id: str,
        command: Any,
        *args: object,
        by: Actor,
        at: When,
        key: str | None,
        permission: str,
        **options: object,
    ) -> Result[Feedback]:
        rule = getattr(self._workspace.rules.feedback_permissions, permission)

        def step(item: Feedback, now: pendulum.DateTime) -> Decision[Feedback]:
            calendar = self._workspace.rules.calendar_for(item.client)
            return command(item, *args, by, now, calendar=calendar, rule=rule, **options)  # type: ignore[no-any-return]

        return self._act(feedback_id, step, at, key)

    def triage(
        self,
        feedback_id: str,
        *,
        by: Actor,
        sentiment: Sentiment | str | None = None,
        reason: str = "",
        at: When = None,
        key: str | None = None,
    ) -> Result[Feedback]:
        """Confirm the score's sentiment, or override it (the rules say who may)."""
        return self._step(
            feedback_id,
            feedback.triage,
            by=by,
            at=at,
            key=key,
            sentiment=None if sentiment is None else enum_of(Sentiment, sentiment),
            reason=reason,
            override=self._workspace.rules.override_sentiment,
            permission="triage",
        )

    def thank(
        self,
        feedback_id: str,
        *,
        by: Actor,
        message: str = "",
        at: When = None,
        key: str | None = None,
    ) -> Result[Feedback]:
        """Thank the client for positive feedback."""
        return self._step(
            feedback_id, feedback.thank, by=by, at=at, key=key, message=message, permission="thank"
        )

    def assign(
        self, feedback_id: str, *, by: Actor, owner: str, at: When = None, key: str | None = None
    ) -> Result[Feedback]:
        """Give the follow-up an owner."""
        return self._step(
            feedback_id, feedback.assign, owner, by=by, at=at, key=key, permission="assign"
        )

    def record_contact(
        self,
        feedback_id: str,
        *,
        by: Actor,
        note: str = "",
        at: When = None,
        key: str | None = None,
    ) -> Result[Feedback]:
        """The client was contacted about their feedback."""
        return self._step(
            feedback_id,
            feedback.record_contact,
            by=by,
            at=at,
            key=key,
            note=note,
            permission="follow_up",
        )

    def plan_action(
        self, feedback_id: str, *, by: Actor, plan: str, at: When = None, key: str | None = None
    ) -> Result[Feedback]:
        """Record what will be done about it."""
        return self._step(
            feedback_id, feedback.plan_action, plan, by=by, at=at, key=key, permission="follow_up"
        )

    def complete_action(
        self,
        feedback_id: str,
        *,
        by: Actor,
        note: str = "",
        at: When = None,
        key: str | None = None,
    ) -> Result[Feedback]:
        """The planned action is done."""
        return self._step(
            feedback_id,
            feedback.complete_action,
            by=by,
            at=at,
            key=key,
            note=note,
            permission="follow_up",
        )

    def confirm(
        self,
        feedback_id: str,
        *,
        by: Actor,
        note: str = "",
        at: When = None,
        key: str | None = None,
    ) -> Result[Feedback]:
        """The client confirmed the action helped."""
        return self._step(
            feedback_id, feedback.confirm, by=by, at=at, key=key, note=note, permission="confirm"
        )

    def reopen(
        self, feedback_id: str, *, by: Actor, reason: str, at: When = None, key: str | None = None
    ) -> Result[Feedback]:
        """The client is not satisfied: plan again."""
        return self._step(
            feedback_id, feedback.reopen, reason, by=by, at=at, key=key, permission="reopen"
        )

    def close(
        self, feedback_id: str, *, by: Actor, at: When = None, key: str | None = None
    ) -> Result[Feedback]:
        """Close the loop."""
        rule = self._workspace.rules.feedback_permissions.close
        return self._act(
            feedback_id, lambda item, now: feedback.close(item, by, now, rule=rule), at, key
        )


class SurveyService(Service[ContactSurveys]):
    """Surveys to one contact, throttled by the rules' survey policy; keyed by the contact."""

    noun = "survey record"
    kind = feedback.SURVEYS_KIND
    aggregate = ContactSurveys

    def _upsert(
        self,
        contact: str,
        change: Callable[[ContactSurveys | None, pendulum.DateTime], Decision[ContactSurveys]],
        at: When,
        key: str | None,
    ) -> Result[ContactSurveys]:
        surveys_id = feedback.surveys_id(contact)
        if self._workspace.store.load(surveys_id) is None:
            return self._create(surveys_id, lambda now: change(None, now), at, key)
        return self._act(surveys_id, change, at, key)

    def _follow_up_open(self, client: str, contact: str) -> bool:
        rows = self._workspace.store.rows(
            Query(kind=feedback.FEEDBACK_KIND, client=client, open=True), limit=10_000
        )
        items = self._workspace.store.load_many([row.id for row in rows]).values()
        return any(
            isinstance(item, Feedback) and item.contact == contact and item.owner is not None
            for item in items
        )

    def request(
        self,
        contact: str,
        *,
        by: Actor,
        survey_id: str,
        client: str,
        trigger: Trigger | str = Trigger.MILESTONE,
        at: When = None,
        key: str | None = None,
    ) -> Result[ContactSurveys]:
        """Send a survey now, or defer or drop it as the throttling rules say."""
        rules = self._workspace.rules
        rules.check_contact(client, contact)
        chosen = enum_of(Trigger, trigger)
        busy = self._follow_up_open(client, contact)
        return self._upsert(
            contact,
            lambda record, now: feedback.request_survey(
                record,
                survey_id,
                contact=contact,
                client=client,
                trigger=chosen,  # type: ignore[arg-type]
                policy=rules.surveys,
                follow_up_open=busy,
                now=now,
                actor=by,
                rule=rules.feedback_permissions.survey,
            ),
            at,
            key,
        )

    def schedule_periodic(
        self,
        contact: str,
        *,
        by: Actor,
        client: str,
        first: dt.datetime,
        at: When = None,
        key: str | None = None,
    ) -> Result[ContactSurveys]:
        """Survey the contact periodically from ``first`` on (the rules give the period)."""
        start = to_utc(first, "first")
        self._workspace.rules.check_contact(client, contact)
        rule = self._workspace.rules.feedback_permissions.survey
        return self._upsert(
            contact,
            lambda record, now: feedback.schedule_periodic(
                record, contact=contact, client=client, first=start, actor=by, now=now, rule=rule
            ),
            at,
            key,
        )

    def answer(
        self,
        contact: str,
        *,
        by: Actor,
        survey_id: str,
        feedback_id: str | None = None,
        at: When = None,
        key: str | None = None,
    ) -> Result[ContactSurveys]:
        """The contact answered a survey (``feedback_id``: the feedback it became)."""
        rule = self._workspace.rules.feedback_permissions.answer_survey
        return self._act(
            feedback.surveys_id(contact),
            lambda record, now: feedback.answer_survey(
                record, survey_id, now, feedback_id=feedback_id, actor=by, rule=rule
            ),
            at,
            key,
        )


class PlanService(Service[CommunicationPlan]):
    """Communication plans from the client's template in the rules, on its calendar."""

    noun = "communication plan"
    kind = cadence.KIND_NAME
    aggregate = CommunicationPlan

    def _schedule(self, plan: CommunicationPlan) -> cadence.Schedule:
        return self._workspace.rules.schedule_for(plan.client)

    def _reader(self, plan: CommunicationPlan, lang: Language | None) -> Language:
        return lang or language(self._workspace.rules.reader(plan.client)[0])

    def weekly_report(
        self,
        plan_id: str,
        *,
        week_start: dt.datetime,
        lang: Language | None = None,
        templates: Templates | None = None,
    ) -> str:
        """The week's report skeleton (本周完成 / 当前状态 / 下周计划 / 风险与问题) in the
        client's language (``lang`` overrides), its risks section opened by the top risks
        the client may see (see :func:`clientflow.cadence.weekly_report`)."""  # noqa: D205, D209
        plan = self.get(plan_id)
        reader = self._reader(plan, lang)
        return cadence.weekly_report(
            plan,
            self._schedule(plan),
            week_start=week_start,
            lang=reader,
            risk_lines=briefings.risk_lines(self._workspace, plan.client, reader),
            templates=templates,
            names=self._workspace.rules.names,
        )

    def monthly_agenda(
        self,
        plan_id: str,
        *,
        month: dt.date,
        lang: Language | None = None,
        templates: Templates | None = None,
    ) -> str:
        """The monthly meeting's agenda (月度会议) in the client's language: the plan's
        review and next month, the client's open issues, changes awaiting a decision,
        visible risks and last month's satisfaction (see
        :func:`clientflow.cadence.monthly_agenda`)."""  # noqa: D205, D209
        plan = self.get(plan_id)
        reader = self._reader(plan, lang)
        first = pendulum.datetime(month.year, month.month, 1, tz=plan.timezone)
        client, ws = plan.client, self._workspace
        return cadence.monthly_agenda(
            plan,
            self._schedule(plan),
            month=month,
            lang=reader,
            issues=briefings.issue_lines(ws, client, reader),
            changes=briefings.change_lines(ws, client, reader),
            risks=briefings.risk_lines(ws, client, reader),
            feedback=briefings.feedback_lines(
                ws, client, to_utc(first.subtract(months=1)), to_utc(first), reader
            ),
            templates=templates,
            names=ws.rules.names,
        )

    def create(
        self,
        plan_id: str,
        *,
        by: Actor,
        client: str,
        project: str,
        timezone: str | None = None,
        items: tuple[PlanItem, ...] | None = None,
        at: When = None,
        key: str | None = None,
    ) -> Result[CommunicationPlan]:
        """Create a client's plan from its template (or from ``items``), in the client's
        time zone (the calendar's unless ``timezone`` says otherwise)."""  # noqa: D205, D209
        rules = self._workspace.rules
        template = _template(rules, client)
        zone = timezone or rules.calendar_for(client).timezone
        chosen = items if items is not None else template[0]

        def make(now: pendulum.DateTime) -> Decision[CommunicationPlan]:
            return cadence.create_plan(
                plan_id,
                client=client,
                project=project,
                timezone=zone,
                items=chosen,
                silence_days=template[1],
                reply_within=template[2],
                schedule=rules.schedule_for(client),
                actor=by,
                now=now,
                rule=rules.plan_permissions.manage,
            )

        return self._create(plan_id, make, at, key)

    def add_item(
        self, plan_id: str, *, by: Actor, item: PlanItem, at: When = None, key: str | None = None
    ) -> Result[CommunicationPlan]:
        """Add a recurring communication to the plan."""
        rule = self._workspace.rules.plan_permissions.manage
        return self._act(
            plan_id,
            lambda plan, now: cadence.add_item(
                plan, item, schedule=self._schedule(plan), actor=by, now=now, rule=rule
            ),
            at,
            key,
        )

    def remove_item(
        self, plan_id: str, *, by: Actor, item_id: str, at: When = None, key: str | None = None
    ) -> Result[CommunicationPlan]:
        """Remove a recurring communication from the plan."""
        rule = self._workspace.rules.plan_permissions.manage
        return self._act(
            plan_id,
            lambda plan, now: cadence.remove_item(
                plan, item_id, schedule=self._schedule(plan), actor=by, now=now, rule=rule
            ),
            at,
            key,
        )

    def record_touchpoint(
        self,
        plan_id: str,
        *,
        by: Actor,
        touchpoint: Touchpoint | Mapping[str, object],
        at: When = None,
        key: str | None = None,
    ) -> Result[CommunicationPlan]:
        """Record a contact with the client (a :class:`Touchpoint` or its JSON form); it
        may satisfy a scheduled occurrence."""  # noqa: D205, D209
        touchpoint = touchpoint_from(touchpoint)
        rule = self._workspace.rules.plan_permissions.record
        return self._act(
            plan_id,
            lambda plan, now: cadence.record_touchpoint(
                plan, touchpoint, schedule=self._schedule(plan), actor=by, now=now, rule=rule
            ),
            at,
            key,
        )

    def archive(
        self, plan_id: str, *, by: Actor, at: When = None, key: str | None = None
    ) -> Result[CommunicationPlan]:
        """End the plan: no more alerts."""
        rule = self._workspace.rules.plan_permissions.archive
        return self._act(
            plan_id, lambda plan, now: cadence.archive(plan, actor=by, now=now, rule=rule), at, key
        )


def _template(rules: Rules, client: str) -> tuple[tuple[PlanItem, ...], int, pendulum.Duration]:
    found = rules.client(client)
    if not found.plan:
        raise ConfigError(
            [ConfigProblem(f"clients.{client}.plan", "a plan template to create a plan from")]
        )
    template = rules.plans[found.plan]
    return template.items, template.silence_days, template.reply_within
