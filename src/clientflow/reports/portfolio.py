"""Everything a store holds, grouped by workflow: the input of reports and agendas."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from clientflow.cadence import CommunicationPlan
from clientflow.changes import ChangeRequest
from clientflow.core import ValidationError
from clientflow.escalation import Issue
from clientflow.feedback import ContactSurveys, Feedback
from clientflow.ports import EventLog, Query, ReadSide
from clientflow.risks import Risk

__all__ = ["Portfolio"]


@attrs.frozen
class Portfolio:
    """A snapshot of every aggregate in a store, by workflow."""

    changes: tuple[ChangeRequest, ...] = ()
    issues: tuple[Issue, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    surveys: tuple[ContactSurveys, ...] = ()
    plans: tuple[CommunicationPlan, ...] = ()
    risks: tuple[Risk, ...] = ()

    @classmethod
    def from_store(
        cls,
        store: ReadSide,
        *,
        aggregates: EventLog | None = None,
        client: str | None = None,
        owner: str | None = None,
        batch: int = 1000,
        progress: Callable[[int], None] | None = None,
    ) -> Portfolio:
        """Load the aggregates the read side selects, never reading the event feed.

        ``client`` keeps one client's aggregates; ``owner`` keeps what is open and owned by
        one person, plus every open communication plan and risk (whose items and actions
        name owners of their own).
        ``progress(n)`` is called with the number of rows read in each batch.
        ``aggregates`` loads the aggregates (a workspace's ``engine.kinded``); by default
        ``store`` itself, if it was opened with its kinds.
        """
        loads = store if aggregates is None else aggregates
        if not isinstance(loads, EventLog):
            raise ValidationError(
                "aggregates", "a typed view of the store (a workspace's engine.kinded)", got=loads
            )
        if owner is not None:
            queries = [
                Query(client=client, owner=owner, open=True),
                Query(client=client, kind="plan", open=True),
                # a risk's response actions have owners of their own
                Query(client=client, kind="risk", open=True),
            ]
        else:
            queries = [Query(client=client)]
        found: dict[type, dict[str, object]] = {}
        for query in queries:
            after: str | None = None
            while True:
                rows = store.rows(query, after=after, limit=batch)
                for aggregate_id, aggregate in loads.load_many([r.id for r in rows]).items():
                    found.setdefault(type(aggregate), {})[aggregate_id] = aggregate
                if progress is not None:
                    progress(len(rows))
                if len(rows) < batch:
                    break
                after = rows[-1].id

        def of(kind: type) -> tuple:  # type: ignore[type-arg]
            return tuple(found.get(kind, {}).values())

        return cls(
            of(ChangeRequest),
            of(Issue),
            of(Feedback),
            of(ContactSurveys),
            of(CommunicationPlan),
            of(Risk),
        )

    def clients(self) -> set[str]:
        """Clients named by issues, feedback, plans and risks (change requests name
        projects)."""  # noqa: D205, D209
        return {
            *(issue.client for issue in self.issues),
            *(item.client for item in self.feedback),
            *(surveys.client for surveys in self.surveys),
            *(plan.client for plan in self.plans),
            *(risk.client for risk in self.risks),
        }
