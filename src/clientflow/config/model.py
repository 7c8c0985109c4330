"""What a rules file turns into: the policies, calendars and clients, ready to use."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import pendulum

from clientflow import cadence, changes, escalation, feedback, risks
from clientflow.changes import ApprovalPolicy
from clientflow.config.flow_versions import FlowVersions
from clientflow.config.flows import FlowSpec, Item
from clientflow.config.needs import timer_context
from clientflow.core import (
    CLIENT_ROLE,
    Actor,
    BusinessCalendar,
    Codec,
    Names,
    NotFound,
    Rule,
    ValidationError,
    Workflow,
    WorkflowKind,
    to_utc,
)
from clientflow.escalation import (
    EscalationPolicy,
    IssueKind,
    IssuePermissions,
    SlaAgreement,
    SlaClock,
)
from clientflow.feedback import (
    OVERRIDE_SENTIMENT,
    FeedbackPermissions,
    FeedbackPolicy,
    SurveyPolicy,
)
from clientflow.i18n import N_
from clientflow.notify import DEFAULT_NOTICES, Notifications
from clientflow.risks import RiskPolicy

__all__ = ["ClientRules", "PersonRules", "PlanTemplate", "Rules"]


_OF_CLIENT = N_("a project of client {client} ({projects}); {project} belongs to client {owner}")
_OF_CLIENT_NONE = N_(
    "a project of client {client} (none listed); {project} belongs to client {owner}"
)


@attrs.frozen
class ClientRules:
    """One client: its display name, the calendar its clocks run on, its policies' names,
    the language it reads (``locale``) and its people (``contacts``: person ids bound to
    this client, so they act within it)."""  # noqa: D205, D209

    id: str
    name: str
    calendar: str
    escalation: str | None = None
    approval: str | None = None
    plan: str | None = None
    projects: tuple[str, ...] = ()
    baseline: changes.Baseline | None = None
    locale: str = "en"
    contacts: frozenset[str] = frozenset()
    project_names: Mapping[str, str] = attrs.field(factory=dict)
    """Display names of its projects by id (``[clients.X.project_names]``)."""
    notices: str = DEFAULT_NOTICES
    """How much the client is told (``minimal``, ``standard``, ``full``; see
    :data:`clientflow.notify.NOTICE_LEVELS`)."""


@attrs.frozen
class PersonRules:
    """A team member: the language (``locale``) and time zone (``None``: UTC) of what is
    addressed to them, such as their agenda, and the ``clients`` they act within (empty:
    every client)."""  # noqa: D205, D209

    id: str
    locale: str = "en"
    timezone: str | None = None
    clients: frozenset[str] = frozenset()
    name: str | None = None
    """The name people read (``None``: the id)."""
    wecom: str | None = None
    """Their WeCom userid, to @mention them in a WeCom group."""
    dingtalk_mobile: str | None = None
    """The mobile number their DingTalk account has, to @mention them in DingTalk."""
    feishu_open_id: str | None = None
    """Their Feishu/Lark open_id (``ou_…``), to @mention them on a Feishu card."""
    slack_id: str | None = None
    """Their Slack member id (``U…``), to @mention them in Slack."""
    dingtalk_user_id: str | None = None
    """Their DingTalk userid: mentioned by it (``atUserIds``), their mobile stays unshown."""

    def mention_ids(self) -> dict[str, str]:
        """Their id per channel type (only those given)."""
        ids = {
            "wecom": self.wecom,
            "dingtalk": self.dingtalk_mobile,
            "feishu": self.feishu_open_id,
            "slack": self.slack_id,
            "dingtalk_user": self.dingtalk_user_id,
        }
        return {channel: value for channel, value in ids.items() if value is not None}


@attrs.frozen
class PlanTemplate:
    """The items and alert rules a client's communication plan is created with."""

    items: tuple[cadence.PlanItem, ...]
    silence_days: int = 5
    reply_within: pendulum.Duration = pendulum.duration(hours=4)


def _sections(source: str) -> dict[str, object]:
    if not source:
        return {}
    loaded = json.loads(source)
    return loaded if isinstance(loaded, dict) else {}


def calendar_years(years: tuple[int, ...]) -> str:
    """``(2027,)`` as "2027", ``(2027, 2028)`` as "2027 and 2028"."""
    words = [str(year) for year in years]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _no_follow_up(contact: str) -> bool:
    return False


class _Schedules:
    """One cadence Schedule per calendar, so plans on a calendar share its cache."""

    def __init__(self) -> None:
        self.by_calendar: dict[str, cadence.Schedule] = {}


_BOUND_ACTORS = 1024
"""How many actors' bindings one :class:`Rules` keeps."""


@attrs.frozen
class Rules:
    """Everything a rules file holds, as the objects the workflows take.

    Load it with :func:`clientflow.config.load_rules` (a TOML file) or
    :func:`clientflow.config.rules_from_dict` (a host's own storage). ``default_calendar``
    is the calendar named ``default`` if there is one: it serves clients the file does
    not list.
    """

    calendars: Mapping[str, BusinessCalendar]
    sla: SlaAgreement | None = None
    escalation: Mapping[str, EscalationPolicy] = attrs.field(factory=dict)
    approval: Mapping[str, ApprovalPolicy] = attrs.field(factory=dict)
    feedback: FeedbackPolicy = FeedbackPolicy()
    surveys: SurveyPolicy = SurveyPolicy()
    plans: Mapping[str, PlanTemplate] = attrs.field(factory=dict)
    clients: Mapping[str, ClientRules] = attrs.field(factory=dict)
    directory: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    issue_permissions: IssuePermissions = IssuePermissions()
    override_sentiment: Rule = OVERRIDE_SENTIMENT
    notify: Notifications | None = None
    """The ``[notify]`` section: channels and routes (see :mod:`clientflow.notify`)."""
    risks: RiskPolicy = RiskPolicy()
    """The ``[risks]`` section and ``[permissions.risks]``: matrix, reviews, permissions."""
    people: Mapping[str, PersonRules] = attrs.field(factory=dict)
    """The ``[people]`` section: each team member's language and time zone."""
    risk_calendar: str | None = None
    """The calendar risk reviews and actions run on (``[risks] calendar``); ``None``: the
    client's own."""
    feedback_permissions: FeedbackPermissions = FeedbackPermissions()
    """``[permissions.feedback]``: who moves feedback along and surveys contacts."""
    plan_permissions: cadence.PlanPermissions = cadence.PlanPermissions()
    """``[permissions.plans]``: who manages, keeps and archives communication plans."""
    workflows: Mapping[str, FlowSpec] = attrs.field(factory=dict)
    """``[workflows.<name>]``: custom workflows declared as data (see :meth:`custom`)."""
    _bindings: Mapping[str, frozenset[str]] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )
    _contacts: frozenset[str] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _projects: Mapping[str, str] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _schedules: _Schedules = attrs.field(
        factory=_Schedules, init=False, eq=False, hash=False, repr=False
    )
    _bound_actors: dict[Actor, Actor] = attrs.field(
        factory=dict, init=False, eq=False, hash=False, repr=False
    )
    """What :meth:`bind` answered lately (rules never change: an answer holds for them)."""
    _zones: tuple[object, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)
    """The pendulum zones of the people's time zones, held while the rules are (notices
    put instants in them; calendars hold their own)."""
    source: str = attrs.field(default="", eq=False, repr=False)
    """The rules as canonical JSON (sorted keys, dates as ISO strings): what a store keeps."""
    earlier: Mapping[str, Mapping[str, FlowSpec]] = attrs.field(factory=dict, eq=False, repr=False)
    """Earlier definitions of the ``[workflows]``, by name and fingerprint, that items
    opened under earlier revisions still run by (read from the store's revisions by
    :func:`clientflow.config.revisions.with_earlier_flows`)."""
    _versions: Mapping[str, FlowVersions] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )

    @_bindings.default
    def _bound(self) -> Mapping[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for client in self.clients.values():
            for contact in client.contacts:
                found.setdefault(contact, set()).add(client.id)
        for member in self.people.values():
            found.setdefault(member.id, set()).update(member.clients)
        return {person: frozenset(clients) for person, clients in found.items() if clients}

    @_zones.default
    def _held_zones(self) -> tuple[object, ...]:
        held = []
        for person in self.people.values():
            if person.timezone:
                try:
                    held.append(pendulum.timezone(person.timezone))
                except ValueError:  # not a zone: refused where it is used, as before
                    continue
        return tuple(held)

    @_contacts.default
    def _listed_contacts(self) -> frozenset[str]:
        return frozenset(c for client in self.clients.values() for c in client.contacts)

    @_projects.default
    def _project_clients(self) -> Mapping[str, str]:
        # Each project's client, the first that lists it, as client_of_project looked it
        # up client by client on every change command.
        found: dict[str, str] = {}
        for client in self.clients.values():
            for project in client.projects:
                found.setdefault(project, client.id)
        return found

    def directory_for(self, client: str) -> Mapping[str, tuple[str, ...]]:
        """The ``[directory]`` as one client's work sees it: people the rules bind to
        other clients only (their contacts, a team scoped elsewhere) are left out, so a
        Lotus change never asks ACME's sponsor to approve it.

        >>> rules = Rules({}, clients={
        ...     "lotus": ClientRules("lotus", "Lotus", "default", contacts=frozenset({"anna"})),
        ...     "acme": ClientRules("acme", "ACME", "default", contacts=frozenset({"grace"}))},
        ...     directory={"sponsor": ("anna", "grace", "li.wei")})
        >>> rules.directory_for("lotus")["sponsor"]
        ('anna', 'li.wei')
        """  # noqa: D205
        return {
            role: tuple(
                person
                for person in people
                if person not in self._bindings or client in self._bindings[person]
            )
            for role, people in self.directory.items()
        }

    def bind(self, actor: Actor) -> Actor:
        """``actor`` with the clients the rules bind it to added (``[clients.X] contacts``
        and ``[people.X] clients``) to those the host set, and a listed contact given role
        ``client`` (one of the client's people); unchanged if none.

        >>> from clientflow.core import Actor
        >>> rules = Rules({}, clients={"lotus": ClientRules("lotus", "Lotus", "default",
        ...                                                 contacts=frozenset({"anna"}))})
        >>> sorted(rules.bind(Actor("anna", {"client"})).clients)
        ['lotus']
        """  # noqa: D205 - the first sentence runs over two lines
        extra = self._bindings.get(actor.id)
        contact = actor.id in self._contacts and CLIENT_ROLE not in actor.roles
        if (extra is None or extra <= actor.clients) and not contact:
            return actor
        # Every command binds its actor: building the bound one (its ids checked again)
        # costs more than the rest of the workspace's checks, so answers are kept.
        known = self._bound_actors.get(actor)
        if known is not None:
            return known
        # A client's contact is one of the client's people whatever roles the host gave
        # them: team-only steps (rule "team") refuse them.
        roles = actor.roles | {CLIENT_ROLE} if contact else actor.roles
        bound = attrs.evolve(actor, roles=roles, clients=actor.clients | (extra or frozenset()))
        if len(self._bound_actors) >= _BOUND_ACTORS:
            self._bound_actors.clear()  # a bound, not an LRU: people act in bursts
        self._bound_actors[actor] = bound
        return bound

    @property
    def fingerprint(self) -> str:
        """A short hash of :attr:`source`; equal rules have equal fingerprints."""
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()[:16]

    def differences(self, other: Rules) -> list[str]:
        """The top-level sections that differ between these rules and ``other``."""
        mine, theirs = _sections(self.source), _sections(other.source)
        return sorted(k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))

    def reader(self, client_id: str) -> tuple[str, str]:
        """``(locale, time zone)`` a client reads notices in (``("en", "UTC")`` for a
        client the rules do not name)."""  # noqa: D205, D209
        known = self.clients.get(client_id)
        if known is None:
            return "en", "UTC"
        return known.locale, self.calendar_for(client_id).timezone

    def person_reader(self, person_id: str) -> tuple[str, str]:
        """``(locale, time zone)`` a team member reads in (``("en", "UTC")`` for a person
        the rules do not name)."""  # noqa: D205, D209
        known = self.people.get(person_id)
        if known is None:
            return "en", "UTC"
        return known.locale, known.timezone or "UTC"

    def knows_person(self, person_id: str) -> bool:
        """Whether ``[people]`` lists ``person_id``."""
        return person_id in self.people

    def mention_ids(self, person_id: str) -> Mapping[str, str]:
        """A person's id per channel type for @mentions (``[people.X] wecom``,
        ``dingtalk_mobile``, ``feishu_open_id``, ``slack_id``); empty if none."""  # noqa: D205, D209
        found = self.people.get(person_id)
        return {} if found is None else found.mention_ids()

    def holders(self, entry: str, client: str = "") -> tuple[str, ...]:
        """The people an escalation level's ``notify`` entry means: a person id as it is,
        ``role:<name>`` as the role's holders in ``[directory]`` (for ``client``, those
        :meth:`directory_for` leaves: never another client's people)."""  # noqa: D205, D209
        if entry.startswith("role:"):
            directory = self.directory_for(client) if client else self.directory
            return tuple(directory.get(entry.removeprefix("role:"), ()))
        return (entry,)

    def notice_level(self, client_id: str) -> str:
        """How much a client is told (``[clients.X] notices``; ``standard`` for a client
        the rules do not name)."""  # noqa: D205, D209
        known = self.clients.get(client_id)
        return DEFAULT_NOTICES if known is None else known.notices

    @property
    def names(self) -> Names:
        """What people call the clients, projects and people the rules name."""
        return Names(
            clients={c.id: c.name for c in self.clients.values()},
            projects={p: n for c in self.clients.values() for p, n in c.project_names.items()},
            people={p.id: p.name for p in self.people.values() if p.name is not None},
        )

    def client_name(self, client_id: str) -> str:
        """The display name of a client (its id if the rules do not list it)."""
        found = self.clients.get(client_id)
        return client_id if found is None else found.name

    def project_name(self, project_id: str) -> str:
        """The display name of a project from its client's ``project_names`` (its id if
        none names it)."""  # noqa: D205, D209
        for client in self.clients.values():
            if project_id in client.project_names:
                return client.project_names[project_id]
        return project_id

    def person_name(self, person_id: str) -> str:
        """The name people read for a person in ``[people]`` (their id otherwise)."""
        found = self.people.get(person_id)
        return person_id if found is None or found.name is None else found.name

    def client(self, client_id: str) -> ClientRules:
        """The rules of one client; :class:`NotFound` names the clients the file has."""
        found = self.clients.get(client_id)
        if found is None:
            raise NotFound("client in the rules", client_id)
        return found

    def calendar_name(self, client_id: str) -> str:
        """The name of the calendar a client's clocks run on (``default`` for others)."""
        found = self.clients.get(client_id)
        if found is not None:
            return found.calendar
        if "default" in self.calendars:
            return "default"
        raise NotFound("client in the rules (and no 'default' calendar)", client_id)

    def calendar_gaps(
        self, at: dt.datetime, *, months: int = 12
    ) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """The calendars whose make-up working days are not published yet for a year
        within ``months`` of ``at``, with those years: deadlines then would treat every
        weekend as rest. Add the dates by hand (``extra_working``) until the data comes.
        """  # noqa: D205
        start = to_utc(at, "at").date()
        end = to_utc(at, "at").add(months=months).date()
        found = []
        for name, calendar in sorted(self.calendars.items()):
            years = calendar.unpublished_years(start, end)
            if years:
                found.append((name, years))
        return tuple(found)

    def calendar_warnings(self, at: dt.datetime, *, months: int = 12) -> tuple[str, ...]:
        """:meth:`calendar_gaps` as sentences for ``clientflow check`` and the logs."""
        return tuple(
            f"calendars.{name}: the make-up working days of {calendar_years(years)} are not"
            " published in the holidays package yet: until they are, every weekend then"
            f" counts as rest; add them by hand under [calendars.{name}] extra_working"
            for name, years in self.calendar_gaps(at, months=months)
        )

    def calendar_for(self, client_id: str) -> BusinessCalendar:
        """The calendar of a client (see :meth:`calendar_name`)."""
        return self.calendars[self.calendar_name(client_id)]

    def risk_calendar_for(self, client_id: str) -> BusinessCalendar:
        """The calendar a client's risk reviews and response actions run on: the team's
        (``[risks] calendar``) if the rules name one, else the client's."""  # noqa: D205, D209
        if self.risk_calendar is not None:
            return self.calendars[self.risk_calendar]
        return self.calendar_for(client_id)

    def schedule_for(self, client_id: str) -> cadence.Schedule:
        """The shared cadence Schedule on a client's calendar."""
        name = self.calendar_name(client_id)
        schedule = self._schedules.by_calendar.get(name)
        if schedule is None:
            schedule = cadence.Schedule(self.calendars[name])
            self._schedules.by_calendar[name] = schedule
        return schedule

    def escalation_for(self, client_id: str) -> EscalationPolicy | None:
        """The escalation policy of a client, if it has one."""
        found = self.clients.get(client_id)
        if found is None or found.escalation is None:
            return None
        return self.escalation[found.escalation]

    def approval_for(self, client_id: str) -> ApprovalPolicy:
        """The approval policy of a client: its own, else the one named ``default``."""
        found = self.clients.get(client_id)
        name = found.approval if found is not None and found.approval else "default"
        if name not in self.approval:
            raise NotFound("approval policy", name)
        return self.approval[name]

    def check_project(self, client: str, project: str) -> None:
        """Refuse ``project`` under ``client`` when the rules list it under another client.

        A project the rules do not list is allowed (hosts add projects before rules);
        one listed under another client would file this client's work there, whether or
        not the rules list the client named.
        """
        owner = self.client_of_project(project)
        # A client the rules do not list is allowed (a default calendar serves it), but
        # not inside a project the rules give to another client.
        if owner not in (project, client) and client not in self.clients:
            # The client is the unknown name here: say so on its field, naming the owner.
            raise ValidationError(
                "client",
                N_("a client of the rules ({clients}); {project} belongs to client {owner}"),
                got=client,
                values={"clients": tuple(sorted(self.clients)), "project": project, "owner": owner},
            )
        if owner not in (project, client):
            mine = self.clients[client].projects if client in self.clients else ()
            raise ValidationError(
                "project",
                _OF_CLIENT if mine else _OF_CLIENT_NONE,
                got=project,
                values={
                    "client": client,
                    "projects": tuple(mine),
                    "project": project,
                    "owner": owner,
                },
            )

    def check_contact(self, client: str, contact: str) -> None:
        """Refuse ``contact`` under ``client`` when the rules list it as another's contact."""
        listed = [c.id for c in self.clients.values() if contact in c.contacts]
        if listed and client not in listed:
            raise ValidationError(
                "client",
                f"{' or '.join(repr(c) for c in listed)}: the rules list {contact!r} as"
                f" {'their' if len(listed) > 1 else 'its'} contact",
                got=client,
            )

    def client_of_project(self, project: str) -> str:
        """The client a project belongs to (a change request names only its project)."""
        return self._projects.get(project, project)

    @_versions.default
    def _built(self) -> Mapping[str, FlowVersions]:
        people = frozenset(
            {
                *self.people,
                *(person for names in self.directory.values() for person in names),
                *(contact for client in self.clients.values() for contact in client.contacts),
            }
        )
        return {
            name: FlowVersions(spec, self.earlier.get(name, {}), people, self._bindings)
            for name, spec in self.workflows.items()
        }

    def custom(self) -> tuple[Workflow[Item], ...]:
        """The ``[workflows]`` the rules declare, as workflows a workspace runs (built
        once: the same declarations for the store's codec and the workspace)."""  # noqa: D205, D209
        return tuple(versions.workflow for versions in self._versions.values())

    def flow_versions(self, name: str) -> FlowVersions:
        """The definitions of the rules workflow ``name`` (in force and earlier)."""
        found = self._versions.get(name)
        if found is None:
            raise NotFound("workflow in the rules", name)
        return found

    def kinds(
        self, follow_up_open: Callable[[str], bool] = _no_follow_up
    ) -> tuple[WorkflowKind[Any], ...]:
        """Every workflow kind, wired to these rules, for a :class:`Codec` and a sweep.

        ``follow_up_open(contact)`` lets the survey timers hold back surveys to a contact
        whose feedback is being followed up; by default no contact is.
        """
        return (
            changes.kind(
                lambda change: self.calendar_for(self.client_of_project(change.project)),
                lambda change: self.client_of_project(change.project),
            ),
            escalation.kind(
                lambda issue: self.calendar_for(issue.client),
                lambda issue: self.escalation_for(issue.client),
            ),
            feedback.kind(lambda item: self.calendar_for(item.client)),
            feedback.surveys_kind(lambda surveys: self.surveys, follow_up_open),
            cadence.kind(lambda plan: self.schedule_for(plan.client)),
            risks.kind(lambda risk: self.risk_calendar_for(risk.client), lambda risk: self.risks),
        )

    def sla_clocks(
        self,
        client: str,
        *,
        priority: str,
        opened_at: dt.datetime,
        kind: IssueKind | str = IssueKind.ISSUE,
        project: str = "",
        pauses: Sequence[tuple[dt.datetime, dt.datetime]] = (),
    ) -> tuple[SlaClock, ...]:
        """The SLA clocks a ticket of this client, kind and priority would run.

        For hosts that keep their own tickets: each clock has its deadline and warning
        instants in business time on the client's calendar, pushed by the business time
        of each ``(start, end)`` pause, exactly as the issue workflow computes them.

        >>> import pendulum
        >>> from clientflow.demo import demo_rules
        >>> first, resolution = demo_rules().sla_clocks(
        ...     "lotus", priority="P1", opened_at=pendulum.datetime(2026, 9, 30, 9))
        >>> resolution.deadline.in_timezone("Asia/Shanghai")  # National Day week skipped
        DateTime(2026, 10, 8, 17, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
        """
        if self.sla is None:
            raise NotFound("SLA policy in the rules", client)
        chosen = IssueKind(kind) if isinstance(kind, str) else kind
        terms = self.sla.select(chosen, client, project).terms()
        return escalation.projected_clocks(
            terms,
            priority,
            to_utc(opened_at, "opened_at"),
            self.calendar_for(client),
            [(to_utc(a, "pause start"), to_utc(b, "pause end")) for a, b in pauses],
        )

    def approval_route(self, project: str, impact: changes.Impact) -> changes.Route:
        """The route a change with this impact takes under its client's approval policy."""
        return self.approval_for(self.client_of_project(project)).route(impact)

    def next_communications(
        self, client: str, *, after: dt.datetime, count: int = 5
    ) -> tuple[cadence.Occurrence, ...]:
        """The next ``count`` communications of the client's plan template after ``after``."""
        found = self.client(client)
        if not found.plan:
            return ()
        schedule = self.schedule_for(client)
        zone = self.calendar_for(client).timezone
        start = to_utc(after, "after")
        upcoming: list[cadence.Occurrence] = []
        for item in self.plans[found.plan].items:
            at = start
            for _ in range(count):
                following = schedule.next_after(item, zone, at)
                if following is None:
                    break
                upcoming.append(following)
                at = following.at
        return tuple(sorted(upcoming, key=lambda o: o.at)[:count])

    def codec(self) -> Codec:
        """A codec for a store holding the built-in workflows and the rules' own
        ``[workflows]``, every timer wired to these rules (with a host's Python workflows
        too: :func:`~clientflow.workspace.bootstrap.codec_for`)."""  # noqa: D205, D209
        return Codec(
            [*self.kinds(), *self.own_kinds()], rules=self.fingerprint if self.source else None
        )

    def own_kinds(self) -> tuple[WorkflowKind[Item], ...]:
        """The kinds of the rules' own ``[workflows]``, their timers wired to these rules
        (each item's calendar and directory those of its client)."""  # noqa: D205, D209
        return tuple(
            workflow.kind(timer_context(self, workflow.describe)) for workflow in self.custom()
        )

    def plan_items(self, client_id: str) -> tuple[cadence.PlanItem, ...]:
        """The plan items of a client's template (none if it has no plan)."""
        found = self.client(client_id)
        return self.plans[found.plan].items if found.plan else ()
