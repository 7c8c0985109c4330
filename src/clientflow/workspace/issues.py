"""Issues through a workspace: SLA, calendar, escalation and permissions from the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pendulum

from clientflow import escalation
from clientflow.core import Actor, ConfigError, ConfigProblem, Decision, to_utc
from clientflow.engine import Result
from clientflow.escalation import Issue, IssueKind, PauseReason
from clientflow.workspace.base import Service
from clientflow.workspace.inputs import enum_of

__all__ = ["IssueService"]


class IssueService(Service[Issue]):
    """Report issues and move them along; every SLA and escalation rule comes from the rules.

    >>> import clientflow, pendulum
    >>> from clientflow.demo import RULES_FILE
    >>> ws = clientflow.open("memory://", RULES_FILE,
    ...                      clock=clientflow.ManualClock(pendulum.datetime(2026, 3, 2, 2)))
    >>> anna = clientflow.Actor("anna", {"client"})
    >>> issue = ws.issues.report("ISS-1", by=anna, client="lotus", project="portal",
    ...                          title="Login fails", priority="P1", owner="chen.jie").aggregate
    >>> issue.status, issue.next_deadline
    ('reported', DateTime(2026, 3, 2, 2, 30, 0, tzinfo=Timezone('UTC')))
    """

    noun = "issue"
    kind = escalation.KIND_NAME
    aggregate = Issue

    def _context(self, issue: Issue) -> dict[str, Any]:
        rules = self._workspace.rules
        return {
            "calendar": rules.calendar_for(issue.client),
            "escalation": rules.escalation_for(issue.client),
        }

    def report(
        self,
        issue_id: str,
        *,
        by: Actor,
        client: str,
        project: str,
        title: str,
        priority: str,
        owner: str,
        kind: IssueKind | str = IssueKind.ISSUE,
        opened_from: str = "",
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """Record a new issue; its SLA is chosen by the rules and its clocks start.

        ``opened_from`` links it to what it comes from (a triggered risk's id).
        """
        make = self._reporting(
            issue_id,
            by=by,
            client=client,
            project=project,
            title=title,
            priority=priority,
            owner=owner,
            kind=kind,
            opened_from=opened_from,
        )
        return self._create(issue_id, make, at, key)

    def _reporting(
        self,
        issue_id: str,
        *,
        by: Actor,
        client: str,
        project: str,
        title: str,
        priority: str,
        owner: str,
        kind: IssueKind | str,
        opened_from: str,
    ) -> Callable[[pendulum.DateTime], Decision[Issue]]:
        """The decision that reports the issue at a given instant, with the rules' SLA."""
        rules = self._workspace.rules
        if rules.sla is None:
            raise ConfigError(
                [ConfigProblem("sla", "rules with [[sla]] policies to report issues")]
            )
        sla = rules.sla
        chosen = enum_of(IssueKind, kind)

        def make(now: pendulum.DateTime) -> Decision[Issue]:
            return escalation.report_issue(
                issue_id,
                kind=chosen,  # type: ignore[arg-type]
                client=client,
                project=project,
                title=title,
                priority=priority,
                owner=owner,
                reporter=by,
                now=now,
                sla=sla,
                escalation=rules.escalation_for(client),
                calendar=rules.calendar_for(client),
                opened_from=opened_from,
            )

        return make

    def _team(
        self,
        issue_id: str,
        command: Any,
        *args: object,
        by: Actor,
        at: dt.datetime | None,
        key: str | None,
        timers: bool = True,
    ) -> Result[Issue]:
        """Run a team command with the issue's calendar (and escalation, if it has timers)."""
        permissions = self._workspace.rules.issue_permissions

        def step(issue: Issue, now: pendulum.DateTime) -> Decision[Issue]:
            context = self._context(issue)
            if not timers:
                context.pop("escalation")
            return command(  # type: ignore[no-any-return]
                issue, *args, by, now, **context, permissions=permissions
            )

        return self._act(issue_id, step, at, key)

    def acknowledge(
        self, issue_id: str, *, by: Actor, at: dt.datetime | None = None, key: str | None = None
    ) -> Result[Issue]:
        """First response: stops the first-response clock."""
        return self._team(issue_id, escalation.acknowledge, by=by, at=at, key=key)

    def start_investigation(
        self, issue_id: str, *, by: Actor, at: dt.datetime | None = None, key: str | None = None
    ) -> Result[Issue]:
        """Work on the cause begins."""
        return self._team(issue_id, escalation.start_investigation, by=by, at=at, key=key)

    def propose_solution(
        self,
        issue_id: str,
        *,
        by: Actor,
        solution: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """Put a solution to the client."""
        return self._team(issue_id, escalation.propose_solution, solution, by=by, at=at, key=key)

    def reject_solution(
        self,
        issue_id: str,
        *,
        by: Actor,
        reason: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """The client turned the solution down: back to investigating."""
        return self._team(issue_id, escalation.reject_solution, reason, by=by, at=at, key=key)

    def wait_on_client(
        self,
        issue_id: str,
        *,
        by: Actor,
        reason: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """Ask the client for something: the SLA clocks pause until they reply."""
        return self._team(
            issue_id, escalation.wait_on_client, reason, by=by, at=at, key=key, timers=False
        )

    def pause(
        self,
        issue_id: str,
        *,
        by: Actor,
        reason: PauseReason | str,
        note: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """Pause the clocks the SLA pauses for ``reason`` (``vendor``, ``maintenance`` or
        ``change``; the client is :meth:`wait_on_client`); ``note`` says what you wait for."""  # noqa: D205, D209
        chosen = enum_of(PauseReason, reason)
        permissions = self._workspace.rules.issue_permissions
        return self._act(
            issue_id,
            lambda issue, now: escalation.pause_sla(
                issue,
                chosen,  # type: ignore[arg-type]
                note,
                by,
                now,
                permissions=permissions,
            ),
            at,
            key,
        )

    def resume(
        self,
        issue_id: str,
        *,
        by: Actor,
        reason: PauseReason | str,
        note: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """What held the issue up for ``reason`` is over: its clocks count again."""
        chosen = enum_of(PauseReason, reason)
        return self._team(
            issue_id, escalation.resume_sla, chosen, note, by=by, at=at, key=key, timers=False
        )

    def client_replied(
        self,
        issue_id: str,
        *,
        by: Actor,
        message: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """The client wrote: paused clocks resume."""
        return self._team(issue_id, escalation.client_replied, message, by=by, at=at, key=key)

    def reply(
        self,
        issue_id: str,
        *,
        by: Actor,
        message: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """The team answered the client: the next-reply clock stops."""
        return self._team(issue_id, escalation.team_reply, message, by=by, at=at, key=key)

    def add_update(
        self,
        issue_id: str,
        *,
        by: Actor,
        note: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """A progress note; resets the no-update trigger."""
        return self._team(issue_id, escalation.add_update, note, by=by, at=at, key=key)

    def change_priority(
        self,
        issue_id: str,
        *,
        by: Actor,
        priority: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """Re-prioritise within the issue's SLA version, keeping accumulated pauses."""
        return self._team(
            issue_id, escalation.change_priority, priority, by=by, at=at, key=key, timers=False
        )

    def resolve(
        self,
        issue_id: str,
        *,
        by: Actor,
        resolution: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """Resolve: every clock stops, the escalation ends, the client is told."""
        return self._team(
            issue_id, escalation.resolve, resolution, by=by, at=at, key=key, timers=False
        )

    def reopen(
        self,
        issue_id: str,
        *,
        by: Actor,
        reason: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """The problem is back: the resolution clock runs again."""
        return self._team(issue_id, escalation.reopen, reason, by=by, at=at, key=key)

    def close(
        self, issue_id: str, *, by: Actor, at: dt.datetime | None = None, key: str | None = None
    ) -> Result[Issue]:
        """Close a resolved issue (the client confirms, or the team)."""
        permissions = self._workspace.rules.issue_permissions
        return self._act(
            issue_id,
            lambda issue, now: escalation.close(issue, by, now, permissions=permissions),
            at,
            key,
        )

    def escalate(
        self,
        issue_id: str,
        *,
        by: Actor,
        reason: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[Issue]:
        """Escalate by hand one level up, with a reason (needs an escalation policy)."""
        return self._team(issue_id, escalation.escalate, reason, by=by, at=at, key=key)

    def acknowledge_escalation(
        self, issue_id: str, *, by: Actor, at: dt.datetime | None = None, key: str | None = None
    ) -> Result[Issue]:
        """A recipient of the current level takes the escalation; the chain stops."""

        def step(issue: Issue, now: pendulum.DateTime) -> Decision[Issue]:
            return escalation.acknowledge_escalation(issue, by, now, **self._context(issue))

        return self._act(issue_id, step, at, key)

    def sla_report(
        self, issue_id: str, *, at: dt.datetime | None = None
    ) -> tuple[escalation.ClockReport, ...]:
        """Where each of the issue's SLA clocks stands at ``at`` (default: the clock), on
        the calendar of the issue's client: business time elapsed and left (negative when
        late), the deadline, time paused and why."""  # noqa: D205, D209
        issue = self.get(issue_id)
        when = self._workspace.clock.now() if at is None else to_utc(at, "at")
        calendar = self._workspace.rules.calendar_for(issue.client)
        return tuple(escalation.report(clock, calendar, when) for clock in issue.clocks)
