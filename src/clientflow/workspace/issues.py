"""Issues through a workspace: SLA, calendar, escalation and permissions from the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from clientflow import escalation
from clientflow.config import Rules
from clientflow.core import Actor, ConfigError, ConfigProblem, to_utc
from clientflow.escalation import Issue, SlaAgreement
from clientflow.workspace.base import CommandMethod, Service, reader

__all__ = ["IssueService"]


class IssueService(Service[Issue]):
    """Report issues and move them along; every SLA and escalation rule comes from the rules.

    Its commands are :data:`clientflow.escalation.COMMANDS`, each a method here and a name
    :meth:`run` takes (``ws.workflow("issue").run("ISS-1", "acknowledge", by=li)``).

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
    declared = escalation.COMMANDS

    report: CommandMethod[Issue]
    """Record a new issue; its SLA is chosen by the rules and its clocks start
    (``kind`` issue or complaint; ``opened_from`` links what it comes from)."""
    acknowledge: CommandMethod[Issue]
    start_investigation: CommandMethod[Issue]
    propose_solution: CommandMethod[Issue]
    reject_solution: CommandMethod[Issue]
    wait_on_client: CommandMethod[Issue]
    pause: CommandMethod[Issue]
    resume: CommandMethod[Issue]
    client_replied: CommandMethod[Issue]
    reply: CommandMethod[Issue]
    add_update: CommandMethod[Issue]
    change_priority: CommandMethod[Issue]
    resolve: CommandMethod[Issue]
    reopen: CommandMethod[Issue]
    close: CommandMethod[Issue]
    escalate: CommandMethod[Issue]
    acknowledge_escalation: CommandMethod[Issue]

    def _resolve(
        self,
        command: str,
        needs: tuple[str, ...],
        aggregate: Issue | None,
        payload: Mapping[str, object],
        by: Actor,
    ) -> Mapping[str, object]:
        client = aggregate.client if aggregate is not None else payload["client"]
        assert isinstance(client, str)  # checked by the declaration's payload
        return self._context(needs, client, _needed)

    @reader
    def sla_report(
        self, issue_id: str, *, at: dt.datetime | None = None, by: Actor | None = None
    ) -> tuple[escalation.ClockReport, ...]:
        """Where each of the issue's SLA clocks stands at ``at`` (default: the clock), on
        the calendar of the issue's client: business time elapsed and left (negative when
        late), the deadline, time paused and why. ``by`` as for :meth:`get`."""  # noqa: D205, D209
        issue = self.get(issue_id, by=by)
        when = self._workspace.clock.now() if at is None else to_utc(at, "at")
        calendar = self._workspace.rules.calendar_for(issue.client)
        return tuple(escalation.report(clock, calendar, when) for clock in issue.clocks)


def _needed(rules: Rules, needs: tuple[str, ...], client: str) -> dict[str, object]:
    """What an issue command ``needs`` from ``rules`` for ``client`` (resolved once per
    rules in force and client, by :meth:`Service._context`)."""  # noqa: D205, D209
    context: dict[str, object] = {}
    for need in needs:
        if need == "calendar":
            context[need] = rules.calendar_for(client)
        elif need == "escalation":
            context[need] = rules.escalation_for(client)
        elif need == "permissions":
            context[need] = rules.issue_permissions
        else:
            context[need] = _sla(rules)
    return context


def _sla(rules: Rules) -> SlaAgreement:
    if rules.sla is None:
        raise ConfigError([ConfigProblem("sla", "rules with [[sla]] policies to report issues")])
    return rules.sla
