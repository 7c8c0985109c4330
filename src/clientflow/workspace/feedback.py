"""Feedback, surveys and communication plans through a workspace, policies from the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import pendulum

from clientflow import cadence, feedback
from clientflow.cadence import CommunicationPlan, PlanItem
from clientflow.config import Rules
from clientflow.core import (
    CLIENT_PARTY,
    Actor,
    ConfigError,
    ConfigProblem,
    Decision,
    require,
    to_utc,
)
from clientflow.engine import Result
from clientflow.feedback import ContactSurveys, Feedback, Trigger
from clientflow.i18n import Language, Templates, language
from clientflow.ports import Query
from clientflow.workspace import briefings
from clientflow.workspace.base import CommandMethod, Service
from clientflow.workspace.inputs import enum_of

__all__ = ["FeedbackService", "PlanService", "SurveyService"]

When = dt.datetime | None


class FeedbackService(Service[Feedback]):
    """Receive feedback and follow it up; deadlines on the client's calendar."""

    noun = "feedback item"
    kind = feedback.FEEDBACK_KIND
    aggregate = Feedback

    declared = feedback.COMMANDS

    receive: CommandMethod[Feedback]
    triage: CommandMethod[Feedback]
    thank: CommandMethod[Feedback]
    assign: CommandMethod[Feedback]
    record_contact: CommandMethod[Feedback]
    plan_action: CommandMethod[Feedback]
    complete_action: CommandMethod[Feedback]
    confirm: CommandMethod[Feedback]
    reopen: CommandMethod[Feedback]
    close: CommandMethod[Feedback]

    def _resolve(
        self,
        command: str,
        needs: tuple[str, ...],
        aggregate: Feedback | None,
        payload: Mapping[str, object],
        by: Actor,
    ) -> dict[str, object]:
        rules = self._workspace.rules
        client = aggregate.client if aggregate is not None else payload["client"]
        context: dict[str, object] = {}
        for need in needs:  # a chain, not a table of lambdas: this runs per command
            if need == "calendar":
                context[need] = rules.calendar_for(client)  # type: ignore[arg-type]
            elif need == "rule":
                name = feedback.COMMANDS.command(command).rule or command
                context[need] = getattr(rules.feedback_permissions, name)
            elif need == "override":
                context[need] = rules.override_sentiment
            else:
                context[need] = rules.feedback
        return context


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
        by: Actor,
    ) -> Result[ContactSurveys]:
        surveys_id = feedback.surveys_id(contact)
        if self._workspace.engine.kinded.load(surveys_id) is None:
            return self._create(surveys_id, lambda now: change(None, now), at, key, by)
        return self._act(surveys_id, change, at, key, by)

    def _follow_up_open(self, client: str, contact: str) -> bool:
        rows = self._workspace.store.rows(
            Query(kind=feedback.FEEDBACK_KIND, client=client, open=True), limit=10_000
        )
        items = self._workspace.engine.kinded.load_many([row.id for row in rows]).values()
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
        self._contact_of(client, contact, by)
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
            by,
        )

    def _contact_of(self, client: str, contact: str, by: Actor) -> None:
        """Refuse ``contact`` under ``client`` when the rules list it as another's, but
        only to whom may survey ``client``'s contacts at all: anyone else is refused by
        the permission rule, and told nothing of whose contact it is."""  # noqa: D205, D209
        rules = self._workspace.rules
        require(rules.feedback_permissions.survey, by, f"survey {contact}", {CLIENT_PARTY: client})
        rules.check_contact(client, contact)

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
        self._contact_of(client, contact, by)
        rule = self._workspace.rules.feedback_permissions.survey
        return self._upsert(
            contact,
            lambda record, now: feedback.schedule_periodic(
                record, contact=contact, client=client, first=start, actor=by, now=now, rule=rule
            ),
            at,
            key,
            by,
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
            by,
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
        the client may see and closed by a count of the client's open issues (see
        :func:`clientflow.cadence.weekly_report`)."""  # noqa: D205, D209
        plan = self.get(plan_id)
        reader = self._reader(plan, lang)
        return cadence.weekly_report(
            plan,
            self._schedule(plan),
            week_start=week_start,
            lang=reader,
            risk_lines=briefings.risk_lines(self._workspace, plan.client, reader),
            issue_lines=briefings.issue_summary(self._workspace, plan.client, reader),
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

    declared = cadence.COMMANDS

    add_item: CommandMethod[CommunicationPlan]
    remove_item: CommandMethod[CommunicationPlan]
    record_touchpoint: CommandMethod[CommunicationPlan]
    archive: CommandMethod[CommunicationPlan]

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
        command = self._prepare(  # the declared command, with the template filled in
            plan_id,
            "create",
            by=by,
            at=at,
            key=key,
            client=client,
            project=project,
            timezone=timezone or rules.calendar_for(client).timezone,
            items=items if items is not None else template[0],
            silence_days=template[1],
            reply_within=template[2],
            # Recorded, so a what-if can take a proposed template's items instead.
            template=rules.client(client).plan if items is None else "",
        )
        return self._workspace.engine.execute(command)

    def _resolve(
        self,
        command: str,
        needs: tuple[str, ...],
        aggregate: CommunicationPlan | None,
        payload: Mapping[str, object],
        by: Actor,
    ) -> dict[str, object]:
        rules = self._workspace.rules
        client = aggregate.client if aggregate is not None else payload["client"]
        context: dict[str, object] = {}
        for need in needs:
            if need == "schedule":
                context[need] = rules.schedule_for(client)  # type: ignore[arg-type]
            else:
                name = cadence.COMMANDS.command(command).rule or command
                context[need] = getattr(rules.plan_permissions, name)
        return context


def _template(rules: Rules, client: str) -> tuple[tuple[PlanItem, ...], int, pendulum.Duration]:
    found = rules.client(client)
    if not found.plan:
        raise ConfigError(
            [ConfigProblem(f"clients.{client}.plan", "a plan template to create a plan from")]
        )
    template = rules.plans[found.plan]
    return template.items, template.silence_days, template.reply_within
