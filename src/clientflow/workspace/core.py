"""The host's front door: one object bound to one store and the rules it runs under."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs
import pendulum

from clientflow import cadence, changes, escalation
from clientflow.cadence.model import ALERT_WINDOW
from clientflow.config import Rules, load_rules, rules_from_dict
from clientflow.config.revisions import rules_in_force, with_earlier_flows
from clientflow.core import (
    Clock,
    Codec,
    ConfigError,
    ConfigProblem,
    DomainEvent,
    SystemClock,
    ValidationError,
    Workflow,
    check_id,
    to_utc,
    validate_duration,
    zone,
)
from clientflow.core.edge import check_count
from clientflow.engine import DELIVERY_BACKOFF, DeliveryReport, Engine, SweepReport
from clientflow.i18n import Language, language
from clientflow.ports import (
    AggregateRow,
    Backoff,
    Notifier,
    ParkedEvent,
    Query,
    RulesRevision,
    Store,
)
from clientflow.reports import (
    AgendaItem,
    ClientHealth,
    Portfolio,
    agenda_lines,
    health,
    owner_agenda,
)
from clientflow.storage import open_store
from clientflow.whatif import SweepGrid, WhatIf, what_if
from clientflow.workspace import bootstrap
from clientflow.workspace.base import MAX_PAGE, Service, check_arguments
from clientflow.workspace.changes import ChangeService
from clientflow.workspace.feedback import FeedbackService, PlanService, SurveyService
from clientflow.workspace.flows import rules_service_for
from clientflow.workspace.issues import IssueService
from clientflow.workspace.risks import RiskService

_LOG = logging.getLogger("clientflow.config")

MAX_HEALTH_DAYS = 3_660
MAX_AGENDA_DAYS = 366
"""How far ahead an agenda looks at most (``days=``): a year."""
"""The longest window a health report looks back over: ten years."""
"""Where a workspace says what its rules lack (calendars whose data runs out)."""

__all__ = ["ClientOverview", "DeliverySettings", "RulesSource", "Workspace", "open_workspace"]

RulesSource = Rules | str | Path | Mapping[str, object]
"""Rules as a :class:`Rules`, a TOML file's path, or a dict (parsed TOML or JSON)."""


def _rules(source: RulesSource) -> Rules:
    if isinstance(source, Rules):
        return source
    if isinstance(source, str | Path):
        return load_rules(source)
    return rules_from_dict(source)


@attrs.frozen
class DeliverySettings:
    """How a workspace's engine delivers events to its notifier.

    ``consumer`` names the cursor (two workspaces with the same name share the work);
    an event the notifier refuses is retried after ``backoff`` (doubling) and parked
    after ``max_attempts`` real attempts; ``lease`` is how long one deliverer holds the
    cursor without renewing it.

    >>> DeliverySettings(max_attempts=3, backoff=Backoff(pendulum.duration(seconds=5)))
    DeliverySettings(consumer='notifier', max_attempts=3, ...)
    """

    consumer: str = "notifier"
    max_attempts: int = 5
    backoff: Backoff = DELIVERY_BACKOFF
    lease: dt.timedelta = dt.timedelta(minutes=5)


@attrs.frozen
class ClientOverview:
    """Where one client stands at an instant, from the read side (no feed scan).

    ``breached`` names open issues with an SLA clock past its deadline (stopped late,
    or running past it); ``overdue`` names communications due and not yet kept, as
    ``(plan id, occurrence key)``; ``counts`` is rows per kind and status.
    """

    client: str
    at: pendulum.DateTime
    open_issues: tuple[AggregateRow, ...]
    breached: tuple[str, ...]
    pending_approvals: tuple[AggregateRow, ...]
    overdue: tuple[tuple[str, str], ...]
    counts: Mapping[str, Mapping[str, int]]


class Workspace:
    """One store, the rules it runs under, a clock and an optional notifier.

    Services: :attr:`changes` (change requests), :attr:`issues` (issue escalation),
    :attr:`feedback`, :attr:`surveys` (per contact), :attr:`plans` (communication) and
    :attr:`risks` (the risk register);
    every command takes the aggregate id, ``by=`` the actor, its payload and ``at=``.
    ``sweep()`` fires due timers, ``deliver()`` feeds the notifier, ``rows()`` lists
    from the read side. Build one with :func:`clientflow.open`.
    """

    def __init__(
        self,
        store: Store,
        rules: Rules,
        revision: RulesRevision,
        *,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        delivery: DeliverySettings | None = None,
        workflows: Sequence[Workflow[Any]] = (),
        kinds: Codec | None = None,
    ) -> None:
        if delivery is not None and not isinstance(delivery, DeliverySettings):
            raise ValidationError("delivery", "a DeliverySettings", got=delivery)
        settings = delivery or DeliverySettings()
        self.store = store
        self.rules = rules
        self.revision = revision
        self.clock: Clock = clock or SystemClock()
        self.engine = Engine(
            store,
            clock=self.clock,
            notifier=notifier,
            consumer=settings.consumer,
            max_attempts=settings.max_attempts,
            delivery_backoff=settings.backoff,
            lease=settings.lease,
            rules_revision=revision.number,
            kinds=bootstrap.codec_for(rules, workflows) if kinds is None else kinds,
        )
        declared = rules.custom()
        workflows = (*workflows, *declared)  # the host's and the rules' [workflows]
        missing = [w.name for w in workflows if w.name not in self.engine.kinds.kinds]
        if missing:
            raise ConfigError(
                [
                    ConfigProblem(
                        "workflows",
                        f"kinds that include {', '.join(missing)}: give"
                        " kinds=clientflow.workspace.codec_for(rules, workflows)",
                    )
                ]
            )
        self.custom: Mapping[str, Service[Any]] = {
            w.name: (rules_service_for(w) if w in declared else bootstrap.service_for(w))(self)
            for w in workflows
        }
        """The services of the host's custom workflows, by kind name (see :meth:`workflow`)."""
        self.changes = ChangeService(self)
        self.issues = IssueService(self)
        self.feedback = FeedbackService(self)
        self.surveys = SurveyService(self)
        self.plans = PlanService(self)
        self.risks = RiskService(self)

    def __repr__(self) -> str:
        return f"Workspace({self.store!r}, rules revision {self.revision.number})"

    def workflow(self, name: str) -> Service[Any]:
        """The service of the workflow whose kind is ``name`` (``issue``, ``change`` ...):
        ``ws.workflow("issue").run("ISS-1", "acknowledge", by=li)`` runs a declared command
        by name, its payload as keyword arguments (JSON values accepted)."""  # noqa: D205, D209
        services = {s.kind: s for s in vars(self).values() if isinstance(s, Service)}
        services.update(self.custom)
        found = services.get(name) if isinstance(name, str) else None
        if found is None:
            raise ValidationError("workflow", f"one of {', '.join(sorted(services))}", got=name)
        return found

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def sweep(self, at: dt.datetime | None = None) -> SweepReport:
        """Fire every timer due by ``at`` (default: the clock), each exactly once."""
        return self.engine.sweep(at)

    def deliver(self) -> DeliveryReport:
        """Offer the notifier every event not delivered yet (see :meth:`Engine.deliver`)."""
        return self.engine.deliver()

    def rows(
        self, query: Query, *, after: str | None = None, limit: int = 100
    ) -> list[AggregateRow]:
        """Rows of any workflow from the read side (see :class:`~clientflow.ports.Query`)."""
        check_count(limit, "limit", high=MAX_PAGE)
        if after is not None:
            check_id(after, "after")
        return list(self.store.rows(query, after=after, limit=limit))

    def overview(self, client: str, at: dt.datetime | None = None) -> ClientOverview:
        """Open issues, SLA breaches, pending approvals and overdue communications of one
        client at ``at`` (default: the clock), read by index."""  # noqa: D205, D209
        check_id(client, "client")
        when = self.clock.now() if at is None else to_utc(at, "at")
        issues = self.all_rows(Query(kind=escalation.KIND_NAME, client=client, open=True))
        loaded = self.engine.kinded.load_many([row.id for row in issues])
        calendar = self.rules.calendar_for(client)
        breached = tuple(
            issue.id
            for issue in loaded.values()
            if isinstance(issue, escalation.Issue)
            and any(
                escalation.report(clock, calendar, when).left < dt.timedelta(0)
                for clock in issue.clocks
            )
        )
        waiting = self.all_rows(
            Query(kind=changes.KIND_NAME, client=client, status="awaiting_approval")
        )
        plans = self.engine.kinded.load_many(
            [r.id for r in self.all_rows(Query(kind=cadence.KIND_NAME, client=client, open=True))]
        )
        schedule = self.rules.schedule_for(client)
        overdue = tuple(
            (plan.id, occurrence.key)
            for plan in plans.values()
            if isinstance(plan, cadence.CommunicationPlan)
            for item in plan.items
            for occurrence in schedule.statuses(plan, item, when - ALERT_WINDOW, when)
            if occurrence.status == "overdue"
        )
        counts: dict[str, dict[str, int]] = {}
        for kind in self.engine.kinds.kinds:
            found = dict(self.store.counts(Query(kind=kind, client=client)))
            if found:
                counts[kind] = found
        return ClientOverview(
            client, when, tuple(issues), tuple(sorted(breached)), tuple(waiting), overdue, counts
        )

    def all_rows(self, query: Query) -> list[AggregateRow]:
        """Every row matching ``query``, by id (read page by page)."""
        rows: list[AggregateRow] = []
        while True:
            page = self.store.rows(query, after=rows[-1].id if rows else None, limit=1000)
            rows.extend(page)
            if len(page) < 1000:
                return rows

    def history(self, aggregate_id: str) -> tuple[DomainEvent, ...]:
        """Every event of one aggregate, oldest first."""
        return self.engine.history(aggregate_id)

    def agenda(
        self,
        owner: str,
        *,
        at: dt.datetime | None = None,
        days: int = 7,
        timezone: str | None = None,
        lang: Language | None = None,
    ) -> tuple[AgendaItem, ...]:
        """What ``owner`` must do: everything overdue and what falls due within ``days``
        days, each obligation once, by time, with texts in the owner's language and
        zone from the rules' ``[people]`` (``timezone`` and ``lang`` override)."""  # noqa: D205, D209
        check_count(days, "days", low=1, high=MAX_AGENDA_DAYS)
        when, zone, reader = self._owner(owner, at, timezone, lang)
        portfolio = Portfolio.from_store(self.store, aggregates=self.engine.kinded, owner=owner)
        return owner_agenda(
            portfolio, self.rules, owner=owner, at=when, days=days, timezone=zone, lang=reader
        )

    def agenda_text(
        self,
        owner: str,
        *,
        at: dt.datetime | None = None,
        days: int = 7,
        timezone: str | None = None,
        lang: Language | None = None,
    ) -> str:
        """:meth:`agenda` as ``clientflow agenda`` prints it: overdue, today, this week."""
        when, zone, reader = self._owner(owner, at, timezone, lang)
        items = self.agenda(owner, at=when, days=days, timezone=zone, lang=reader)
        lines = agenda_lines(items, at=when, timezone=zone, lang=reader)
        if not lines:
            return reader.gettext("Nothing due for {owner} in the next {days} days.").format(
                owner=owner, days=days
            )
        return "\n".join(lines)

    def _owner(
        self,
        owner: str,
        at: dt.datetime | None,
        timezone: str | None,
        lang: Language | None,
    ) -> tuple[pendulum.DateTime, str, Language]:
        known_locale, known_zone = self.rules.person_reader(owner)
        when = self.clock.now() if at is None else to_utc(at, "at")
        if timezone is not None:
            zone(timezone, "timezone")  # a name the caller sent: refused here, not deep down
        return when, timezone or known_zone, lang or language(known_locale)

    def health(
        self, *, client: str | None = None, at: dt.datetime | None = None, days: int = 90
    ) -> tuple[ClientHealth, ...]:
        """Each client's health over the last ``days`` days (or one client's, by index),
        as ``clientflow report`` rates it; :mod:`clientflow.reports` renders it as text or
        HTML."""  # noqa: D205, D209
        when = self.clock.now() if at is None else to_utc(at, "at")
        check_count(days, "days", low=1, high=MAX_HEALTH_DAYS)
        if client is not None:
            self.rules.client(client)  # an unknown client is NotFound, naming the known
        portfolio = Portfolio.from_store(self.store, aggregates=self.engine.kinded, client=client)
        return health(
            portfolio, self.rules, when, days=days, clients=None if client is None else [client]
        )

    def what_if(
        self,
        rules: RulesSource,
        *,
        since: dt.datetime,
        until: dt.datetime,
        clients: Sequence[str] | None = None,
        sweep_every: dt.timedelta | None = None,
        workers: int = 1,
    ) -> WhatIf:
        """The issues, change requests, communication plans and risks opened in ``[since,
        until)``, and the contacts' surveys, replayed under ``rules`` and under the rules
        in force, compared (docs/what-if.md); nothing is written. ``sweep_every`` models a
        periodic sweeper (default: timers fire when due); ``workers`` > 1 replays a SQL
        store's issues in that many processes."""  # noqa: D205, D209
        for client in clients or ():
            self.rules.client(client)  # an unknown client is NotFound, naming the known
        every = None if sweep_every is None else validate_duration(sweep_every, "sweep_every")
        grid = SweepGrid(
            None if every is None else pendulum.Duration(seconds=every.total_seconds())
        )
        return what_if(
            self.store,
            self.rules,
            _rules(rules),
            since=since,
            until=until,
            clients=clients,
            sweeps=grid,
            workers=workers,
        )

    def parked(self, limit: int = 1000) -> tuple[ParkedEvent, ...]:
        """Events delivery gave up on (the dead-letter), by feed position: watch these."""
        return self.engine.parked(limit)

    def retry_parked(self, position: int) -> bool:
        """Offer one parked event to the notifier again; whether it was taken."""
        return self.engine.retry_parked(position)

    def discard_parked(self, position: int) -> None:
        """Drop a parked event for good (it stays in the history, undelivered)."""
        self.engine.discard_parked(position)

    def import_history(self, events: Iterable[DomainEvent]) -> int:
        """Bulk-load whole histories from another system (oldest first per aggregate)
        into ids the store does not have yet; returns the number of events written.

        Much faster than one command per event: no decisions are re-run, the aggregates
        are rebuilt from the events, and the read side is written with them."""  # noqa: D205, D209
        given = list(events)
        strays = [e for e in given if not isinstance(e, DomainEvent)]
        if strays:
            raise ValidationError("events", "domain events (a history)", got=strays[0])
        return self.engine.kinded.import_history(given)

    def close(self) -> None:
        """Release the store's connections."""
        self.store.close()


check_arguments(Workspace)


def open_workspace(
    url: str | Store,
    rules: RulesSource | None = None,
    *,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    apply: bool = False,
    delivery: DeliverySettings | None = None,
    workflows: Sequence[Workflow[Any]] = (),
) -> Workspace:
    """Open the store at ``url`` under its rules (see :func:`clientflow.open`).

    ``url`` may also be a store the host built itself (for example a ``SQLAlchemyStore``
    on its own engine); it is used as it is. ``workflows`` are the host's custom
    :class:`~clientflow.core.Workflow` declarations, run beside the built-in ones. The
    store keeps neutral records, so it is opened once, before the rules are known; the
    kinds are registered in one place once they are (:func:`bootstrap.codec_for`, wired
    to the rules the store runs under), and the engine holds them.
    """
    given = None if rules is None else _rules(rules)
    custom = tuple(workflows)
    if isinstance(url, str):
        where, owned = url, True
        # Neutral records: no kinds needed to open it, but for an older schema's migration
        # (a schema 1 store's read side is filled from its snapshots by their kinds).
        store = open_store(
            url,
            create=True,
            migrate_with=lambda: bootstrap.codec_for(given or Rules({}), custom),
        )
    else:
        where, owned, store = "the store", False, url
    try:
        found, revision = rules_in_force(
            store,
            given,
            at=(clock or SystemClock()).now(),
            record_new=True,
            replace=apply,
            missing=f"{where} is a new store: give the rules it runs under",
            mismatch=f"differ from the rules {where} runs under (revision {{revision}}) in:"
            " {changed}; open with apply=True (or `clientflow rules apply`) to make them the"
            " new revision",
        )
        if found.workflows:  # items may still run under earlier definitions
            found = with_earlier_flows(found, store.rules_revisions())
        kinds = bootstrap.codec_for(found, custom)  # the one place the kinds are registered
        for warning in found.calendar_warnings((clock or SystemClock()).now()):
            _LOG.warning("%s", warning)
        return Workspace(
            store,
            found,
            revision,
            clock=clock,
            notifier=notifier,
            delivery=delivery,
            workflows=custom,
            kinds=kinds,
        )
    except BaseException:
        if owned:
            store.close()
        raise
