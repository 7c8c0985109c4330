"""Change requests through a workspace: approval policy, calendar and directory from the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pendulum

from clientflow import changes
from clientflow.changes import ApprovalPolicy, ChangeRequest, Impact, Verdict
from clientflow.core import CLIENT_PARTY, Actor, Anyone, BusinessCalendar, Decision, require
from clientflow.engine import Result
from clientflow.i18n import Language, language
from clientflow.workspace.base import Service
from clientflow.workspace.inputs import enum_of, impact_from

__all__ = ["ChangeService"]

_ANYONE = Anyone()


class ChangeService(Service[ChangeRequest]):
    """Request, assess, approve and deliver changes under the client's approval policy.

    >>> import clientflow, pendulum
    >>> from clientflow.changes import Impact, Money, Priority, Risk, Verdict
    >>> from clientflow.demo import RULES_FILE
    >>> ws = clientflow.open("memory://", RULES_FILE,
    ...                      clock=clientflow.ManualClock(pendulum.datetime(2026, 3, 2, 2)))
    >>> anna, li = clientflow.Actor("anna", {"client"}), clientflow.Actor("li.wei", {"pm"})
    >>> _ = ws.changes.request("CR-1", by=anna, project="lotus-app", title="SSO")
    >>> _ = ws.changes.submit("CR-1", by=anna)
    >>> impact = Impact(schedule_days=2, cost=Money("9000", "CNY"), effort_hours=16,
    ...                 risk=Risk.MEDIUM, in_scope=False, priority=Priority.SHOULD)
    >>> _ = ws.changes.assess("CR-1", by=li, impact=impact)
    >>> ws.changes.request_approval("CR-1", by=li).aggregate.route
    'budget'
    >>> ws.changes.vote("CR-1", by=li, verdict=Verdict.APPROVE).aggregate.status
    'approved'
    """

    noun = "change request"
    kind = changes.KIND_NAME
    aggregate = ChangeRequest

    def _policy(
        self, change: ChangeRequest, by: Actor, command: str
    ) -> tuple[ApprovalPolicy, BusinessCalendar]:
        """The change's policy and calendar, once ``by`` may ``command`` within its client."""
        rules = self._workspace.rules
        client = self._tenant(change.project, by, f"{command} change {change.id}")
        return rules.approval_for(client), rules.calendar_for(client)

    def _tenant(self, project: str, by: Actor, action: str) -> str:
        # A change names only its project: the rules say whose it is, and the same core
        # check as every other workflow's (through require's client party) applies.
        client = self._workspace.rules.client_of_project(project)
        require(_ANYONE, by, action, {CLIENT_PARTY: client})
        return client

    def request(
        self,
        change_id: str,
        *,
        by: Actor,
        project: str,
        title: str,
        description: str = "",
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[ChangeRequest]:
        """Draft a change request for a project."""

        def make(now: pendulum.DateTime) -> Decision[ChangeRequest]:
            self._tenant(project, by, f"request change {change_id}")
            return changes.request_change(
                change_id,
                project=project,
                title=title,
                description=description,
                requester=by,
                now=now,
            )

        return self._create(change_id, make, at, key)

    def submit(
        self, change_id: str, *, by: Actor, at: dt.datetime | None = None, key: str | None = None
    ) -> Result[ChangeRequest]:
        """Submit the draft (or resubmit a deferred change) for assessment."""
        return self._act(
            change_id,
            lambda change, now: changes.submit(
                change, by, now, self._policy(change, by, "submit")[0].permissions
            ),
            at,
            key,
        )

    def assess(
        self,
        change_id: str,
        *,
        by: Actor,
        impact: Impact | Mapping[str, object],
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[ChangeRequest]:
        """Record the impact on schedule, cost, effort, risk and scope (an :class:`Impact`
        or its JSON form)."""  # noqa: D205, D209
        impact = impact_from(impact)
        return self._act(
            change_id,
            lambda change, now: changes.assess(
                change, impact, by, now, self._policy(change, by, "assess")[0].permissions
            ),
            at,
            key,
        )

    def request_approval(
        self, change_id: str, *, by: Actor, at: dt.datetime | None = None, key: str | None = None
    ) -> Result[ChangeRequest]:
        """Route by the impact under the client's approval policy (a standard change is
        approved at once)."""  # noqa: D205, D209

        def step(change: ChangeRequest, now: pendulum.DateTime) -> Decision[ChangeRequest]:
            policy, calendar = self._policy(change, by, "request approval")
            return changes.request_approval(
                change,
                policy,
                directory=self._workspace.rules.directory_for(
                    self._workspace.rules.client_of_project(change.project)
                ),
                calendar=calendar,
                actor=by,
                now=now,
            )

        return self._act(change_id, step, at, key)

    def vote(
        self,
        change_id: str,
        *,
        by: Actor,
        verdict: Verdict | str,
        comment: str = "",
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[ChangeRequest]:
        """Vote as an approver (or their recorded delegate); what it decides is recorded."""
        chosen = enum_of(Verdict, verdict)

        def step(change: ChangeRequest, now: pendulum.DateTime) -> Decision[ChangeRequest]:
            self._policy(change, by, "vote")
            return changes.cast_vote(change, by, chosen, now, comment=comment)  # type: ignore[arg-type]

        return self._act(change_id, step, at, key)

    def send_back(
        self,
        change_id: str,
        *,
        by: Actor,
        reason: str,
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[ChangeRequest]:
        """An approver returns the change for re-assessment."""

        def step(change: ChangeRequest, now: pendulum.DateTime) -> Decision[ChangeRequest]:
            self._policy(change, by, "send back")
            return changes.send_back(change, by, reason, now)

        return self._act(change_id, step, at, key)

    def defer(
        self,
        change_id: str,
        *,
        by: Actor,
        release: str,
        reason: str = "",
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[ChangeRequest]:
        """Defer to a named later release."""
        return self._act(
            change_id,
            lambda change, now: changes.defer(
                change,
                release,
                by,
                now,
                reason=reason,
                permissions=self._policy(change, by, "defer")[0].permissions,
            ),
            at,
            key,
        )

    def withdraw(
        self,
        change_id: str,
        *,
        by: Actor,
        reason: str = "",
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[ChangeRequest]:
        """Withdraw an open change."""
        return self._act(
            change_id,
            lambda change, now: changes.withdraw(
                change,
                by,
                now,
                reason=reason,
                permissions=self._policy(change, by, "withdraw")[0].permissions,
            ),
            at,
            key,
        )

    def implement(
        self,
        change_id: str,
        *,
        by: Actor,
        note: str = "",
        at: dt.datetime | None = None,
        key: str | None = None,
    ) -> Result[ChangeRequest]:
        """Record that an approved change was implemented."""
        return self._act(
            change_id,
            lambda change, now: changes.implement(
                change,
                by,
                now,
                note=note,
                permissions=self._policy(change, by, "implement")[0].permissions,
            ),
            at,
            key,
        )

    def close(
        self, change_id: str, *, by: Actor, at: dt.datetime | None = None, key: str | None = None
    ) -> Result[ChangeRequest]:
        """Close an implemented change."""
        return self._act(
            change_id,
            lambda change, now: changes.close(
                change, by, now, self._policy(change, by, "close")[0].permissions
            ),
            at,
            key,
        )

    def impact_summary(
        self, change_id: str, *, lang: Language | None = None
    ) -> changes.ImpactSummary:
        """The change's impact as its client reads it: in the client's language (``lang``
        overrides) and time zone; ``.text()`` gives the plain text for an email."""  # noqa: D205, D209
        change = self.get(change_id)
        rules = self._workspace.rules
        locale, timezone = rules.reader(rules.client_of_project(change.project))
        return changes.impact_summary(change, timezone, lang=lang or language(locale))
