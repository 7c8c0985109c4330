"""Change requests through a workspace: approval policy, calendar and directory from the rules."""

from __future__ import annotations

from collections.abc import Mapping

from clientflow import changes
from clientflow.changes import ChangeRequest
from clientflow.config import Rules
from clientflow.core import Actor, PermissionDenied, tenant_failure
from clientflow.i18n import Language, language
from clientflow.workspace.base import CommandMethod, Service, reader

__all__ = ["ChangeService"]


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

    declared = changes.COMMANDS

    request: CommandMethod[ChangeRequest]
    submit: CommandMethod[ChangeRequest]
    assess: CommandMethod[ChangeRequest]
    request_approval: CommandMethod[ChangeRequest]
    vote: CommandMethod[ChangeRequest]
    send_back: CommandMethod[ChangeRequest]
    defer: CommandMethod[ChangeRequest]
    withdraw: CommandMethod[ChangeRequest]
    implement: CommandMethod[ChangeRequest]
    close: CommandMethod[ChangeRequest]

    def _resolve(
        self,
        command: str,
        needs: tuple[str, ...],
        aggregate: ChangeRequest | None,
        payload: Mapping[str, object],
        by: Actor,
    ) -> Mapping[str, object]:
        rules = self._workspace.rules
        project = aggregate.project if aggregate is not None else payload["project"]
        client = rules.client_of_project(project)  # type: ignore[arg-type]
        # A change names only its project: the rules say whose it is, and the same core
        # check as every other workflow's (through require's client party) applies.
        refused = tenant_failure(by, client)  # require's client check; the words only if refused
        if refused is not None:
            target = aggregate.id if aggregate is not None else "new"
            raise PermissionDenied(by.id, changes.COMMANDS.doing(command, target), refused)
        return self._context(needs, client, _needed)

    @reader
    def impact_summary(
        self, change_id: str, *, lang: Language | None = None, by: Actor | None = None
    ) -> changes.ImpactSummary:
        """The change's impact as its client reads it: in the client's language (``lang``
        overrides) and time zone; ``.text()`` gives the plain text for an email. ``by`` as
        for :meth:`get`."""  # noqa: D205, D209
        change = self.get(change_id, by=by)
        rules = self._workspace.rules
        locale, timezone = rules.reader(rules.client_of_project(change.project))
        return changes.impact_summary(
            change, timezone, lang=lang or language(locale), names=rules.names
        )


def _needed(rules: Rules, needs: tuple[str, ...], client: str) -> dict[str, object]:
    """What a change command ``needs`` from ``rules`` for ``client``."""
    context: dict[str, object] = {}
    for need in needs:
        if need == "permissions":
            context[need] = rules.approval_for(client).permissions
        elif need == "policy":
            context[need] = rules.approval_for(client)
        elif need == "directory":
            context[need] = rules.directory_for(client)
        elif need == "calendar":
            context[need] = rules.calendar_for(client)
        else:
            context[need] = ()  # delegations: the workspace claims none
    return context
