"""Risks through a workspace: matrix, reviews and permissions from the rules; a
triggered risk opens its issue."""  # noqa: D205, D209

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pendulum

from clientflow import escalation, risks
from clientflow.core import (
    MAX_ID_LENGTH,
    Actor,
    ConfigError,
    ConfigProblem,
    Decision,
    ValidationError,
    check_id,
)
from clientflow.engine import Command, Result
from clientflow.ports import Query
from clientflow.risks import HeatMap, Risk
from clientflow.workspace.base import CommandMethod, Service

if TYPE_CHECKING:
    from clientflow.workspace.core import Workspace

__all__ = ["RiskService"]

When = dt.datetime | None


class RiskService(Service[Risk]):
    """The risk register of every client; the rules give the matrix and review cadence.

    >>> import clientflow, pendulum
    >>> from clientflow.demo import RULES_FILE
    >>> ws = clientflow.open("memory://", RULES_FILE,
    ...                      clock=clientflow.ManualClock(pendulum.datetime(2026, 9, 21, 2)))
    >>> li = clientflow.Actor("li.wei", {"pm"})
    >>> _ = ws.risks.identify("RSK-1", by=li, client="lotus", project="portal",
    ...     title="DBA leaves", owner="li.wei", category="resource",
    ...     cause="one DBA knows the schema", event="the DBA leaves",
    ...     effect="stall the migration")
    >>> ws.risks.assess("RSK-1", by=li, probability=4, impact=4).aggregate.rating
    <Rating.CRITICAL: 'critical'>
    """

    noun = "risk"
    kind = risks.KIND_NAME
    aggregate = Risk

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self._policy = workspace.rules.risks

    declared = risks.COMMANDS

    identify: CommandMethod[Risk]
    assess: CommandMethod[Risk]
    plan_response: CommandMethod[Risk]
    start_monitoring: CommandMethod[Risk]
    review: CommandMethod[Risk]
    complete_action: CommandMethod[Risk]
    close: CommandMethod[Risk]

    def _resolve(
        self,
        command: str,
        needs: tuple[str, ...],
        aggregate: Risk | None,
        payload: Mapping[str, object],
        by: Actor,
    ) -> dict[str, object]:
        context: dict[str, object] = {"policy": self._policy}
        if "calendar" in needs:
            assert aggregate is not None  # only commands on a risk need its calendar
            context["calendar"] = self._workspace.rules.risk_calendar_for(aggregate.client)
        return context

    def trigger(
        self,
        risk_id: str,
        *,
        by: Actor,
        issue_id: str,
        note: str,
        title: str | None = None,
        owner: str | None = None,
        priority: str | None = None,
        at: When = None,
        key: str | None = None,
    ) -> Result[Risk]:
        """The risk happened: open issue ``issue_id`` (kind ``risk``, priority from the
        rating unless given) and link both ways; its SLA clocks start now.

        The issue and the risk are saved together or not at all
        (:meth:`~clientflow.engine.Engine.execute_all`): two triggers racing leave one
        issue and one triggered risk, the loser refused with nothing written; a retry
        with the same ``key`` answers with the first result. The risk is checked before
        the issue is decided.
        """  # noqa: D205
        rules = self._workspace.rules
        if rules.sla is None:
            raise ConfigError(
                [
                    ConfigProblem(
                        "sla", "rules with [[sla]] policies to open a triggered risk's issue"
                    )
                ]
            )
        if key is not None and len(check_id(key, "key")) > MAX_ID_LENGTH - len(".issue"):
            raise ValidationError(
                "key", f"an idempotency key of at most {MAX_ID_LENGTH - 6} characters", got=key
            )
        check_id(issue_id, "issue id")
        risk = self._seen(risk_id, by)  # another client's person: as if it did not exist
        chosen = priority or risks.issue_priority(risk, self._policy)
        # A derived key stays short whatever the risk id's length.
        digest = hashlib.sha256(f"{risk_id}\x00{risk.version}".encode()).hexdigest()[:32]
        base = key or f"risk-trigger-{digest}"
        opened = self._workspace.issues._prepare(
            issue_id,
            "report",
            by=by,
            at=at,
            client=risk.client,
            project=risk.project,
            title=title or risk.title,
            priority=chosen,
            owner=owner or risk.owner,
            kind=escalation.IssueKind.RISK,
            opened_from=risk_id,
        )

        def triggered(current: Risk | None, now: pendulum.DateTime) -> Decision[Risk]:
            return risks.trigger(
                self._mine(risk_id, current), issue_id, by, self._when(at, now),
                policy=self._policy, note=note, priority=chosen,
            )  # fmt: skip

        engine = self._workspace.engine
        if engine.recalled(issue_id, f"{base}.issue") and not engine.recalled(
            risk_id, f"{base}.risk"
        ):
            # The issue was opened alone (a crash under an earlier release that saved the
            # two one after the other): finish the job on the risk's side only.
            return self._act(risk_id, triggered, at, f"{base}.risk", by)
        done, _ = self._workspace.engine.execute_all(
            (
                Command(risk_id, triggered, f"{base}.risk", admit=self._admit(risk_id, by)),
                Command(issue_id, opened.decide, f"{base}.issue", admit=opened.admit),
            )
        )
        return done

    def register(self, client: str, *, open_only: bool = False) -> list[Risk]:
        """Every risk of a client (or only the open ones), loaded, by id."""
        rows = self._workspace.all_rows(
            Query(kind=self.kind, client=client, open=True if open_only else None)
        )
        loaded = self._workspace.engine.kinded.load_many([row.id for row in rows])
        return [
            r for r in (loaded[row.id] for row in rows if row.id in loaded) if isinstance(r, Risk)
        ]

    def heat_map(self, client: str | None = None) -> HeatMap:
        """Open risks per probability x impact cell (of one client, or all): one count
        per cell from the read side, no risk loaded."""  # noqa: D205, D209
        cells = self._workspace.store.counts(
            Query(kind=self.kind, client=client, open=True), by="priority"
        )
        return HeatMap.from_cells(cells, self._policy.matrix)

    def export_csv(self, client: str) -> str:
        """The client's whole register as CSV (see :func:`clientflow.risks.register_csv`)."""
        return risks.register_csv(self.register(client))
