"""Everything a store holds, grouped by workflow: the input of reports and agendas."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from clientflow.cadence import CommunicationPlan
from clientflow.changes import ChangeRequest
from clientflow.escalation import Issue
from clientflow.feedback import ContactSurveys, Feedback
from clientflow.ports import Store

__all__ = ["Portfolio"]


@attrs.frozen
class Portfolio:
    """A snapshot of every aggregate in a store, by workflow."""

    changes: tuple[ChangeRequest, ...] = ()
    issues: tuple[Issue, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    surveys: tuple[ContactSurveys, ...] = ()
    plans: tuple[CommunicationPlan, ...] = ()

    @classmethod
    def from_store(
        cls, store: Store, *, batch: int = 5000, progress: Callable[[int], None] | None = None
    ) -> Portfolio:
        """Read the feed once for aggregate ids, then load each aggregate's current state.

        ``progress(n)`` is called with the number of feed events read in each batch.
        """
        ids: dict[str, None] = {}
        position = 0
        while True:
            events = store.feed(after=position, limit=batch)
            if not events:
                break
            for stored in events:
                ids.setdefault(stored.event.meta.aggregate_id, None)
            position = events[-1].position
            if progress is not None:
                progress(len(events))
        found: dict[type, list[object]] = {}
        for aggregate_id in ids:
            aggregate = store.load(aggregate_id)
            if aggregate is not None:
                found.setdefault(type(aggregate), []).append(aggregate)

        def of(kind: type) -> tuple:  # type: ignore[type-arg]
            return tuple(found.get(kind, ()))

        return cls(
            of(ChangeRequest),
            of(Issue),
            of(Feedback),
            of(ContactSurveys),
            of(CommunicationPlan),
        )

    def clients(self) -> set[str]:
        """Clients named by issues, feedback and plans (change requests name projects)."""
        return {
            *(issue.client for issue in self.issues),
            *(item.client for item in self.feedback),
            *(surveys.client for surveys in self.surveys),
            *(plan.client for plan in self.plans),
        }
