"""Checked rules data -> :class:`Rules`; a domain object's own objection becomes a problem.

The schema checks shapes and ranges; the domain classes check the rest (overlapping
shifts, unknown time zones, recurrence rules). Each such objection is recorded at the
key path it came from, and building goes on, so one run reports every mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar, cast

import attrs

from clientflow import cadence, changes, escalation, feedback, notify, risks
from clientflow.config.flow_fields import FieldType
from clientflow.config.flow_steps import (
    REJECT,
    approval_groups,
    idle_delegations,
    parse_steps,
    states_phrase,
    unheld_groups,
)
from clientflow.config.flows import FlowSpec, TimerSpec, TransitionSpec
from clientflow.config.model import ClientRules, PersonRules, PlanTemplate, Rules
from clientflow.config.spec import INVALID, Problems, got, suggest
from clientflow.core import (
    BusinessCalendar,
    ConfigProblem,
    Phrase,
    Rule,
    ValidationError,
    WorkingHours,
    check_ids,
    rule_from_names,
    zone,
)
from clientflow.core.hours import WEEKDAYS
from clientflow.i18n import N_

__all__ = ["build_rules"]

T = TypeVar("T")
Data = dict[str, Any]


def _guard(path: str, problems: Problems, make: Callable[[], T], keys: Mapping[str, object]) -> T:
    """``make()``, or ``INVALID`` with the domain's objection recorded at its key."""
    try:
        return make()
    except ValidationError as error:
        # the longest tail of the domain's field that starts at a key the user wrote
        parts = error.field.split(".")
        tails = [parts[n:] for n in range(len(parts)) if parts[n] in keys]
        where = ".".join([path, *tails[0]]) if tails else path
        said = (
            Phrase(_EXPECTED, {"expected": error.expectation()})
            if error.got is None
            else got(error.expectation(), error.got)
        )
        problems.append(ConfigProblem(where, said))
        return cast(T, INVALID)


def _calendar(data: Data) -> BusinessCalendar:
    weekly = data["weekly"]
    hours = (
        WorkingHours.from_mapping({day: weekly[day] or () for day in WEEKDAYS})
        if weekly is not None
        else WorkingHours.weekdays(*data["hours"])
    )
    return BusinessCalendar(
        data["timezone"],
        hours,
        country=data["country"],
        subdivision=data["subdivision"],
        closed=frozenset(data["closed"]),
        extra_working=frozenset(data["extra_working"]),
        makeup_weekday=WEEKDAYS.index(data["makeup_weekday"]),
    )


def _sla(data: Data) -> escalation.SlaPolicy:
    targets = tuple(
        escalation.PriorityTargets(
            priority, target["first_response"], target["resolution"], target["next_reply"]
        )
        for priority, target in data["targets"].items()
    )
    return escalation.SlaPolicy(
        data["name"],
        targets,
        thresholds=tuple(data["thresholds"]),
        version=data["version"],
        kinds=_optional_set(data["kinds"], escalation.IssueKind),
        clients=_optional_set(data["clients"]),
        projects=_optional_set(data["projects"]),
        pauses=escalation.CLIENT_PAUSES_ALL
        if data["pauses"] is None
        else tuple(
            escalation.PauseRule(escalation.PauseReason(reason), frozenset(metrics))
            for reason, metrics in data["pauses"].items()
            if metrics is not None
        ),
    )


def _optional_set(values: list[str] | None, kind: Callable[[str], Any] = str) -> Any:
    return None if values is None else frozenset(kind(value) for value in values)


def _escalation(data: Data) -> escalation.EscalationPolicy:
    levels = tuple(
        escalation.Level(level["name"], tuple(level["notify"]), level["delay"], level["assign"])
        for level in data["levels"]
    )
    return escalation.EscalationPolicy(
        levels,
        on_warning=data["on_warning"],
        on_breach=data["on_breach"],
        no_update_after=data["no_update_after"],
        reopen_limit=data["reopen_limit"],
        on_complaint=data["on_complaint"],
        repeat=data["repeat"],
        ack_timeout=data["ack_timeout"],
    )


def _money(text: str | None) -> changes.Money | None:
    if text is None:
        return None
    amount, currency = text.split()
    return changes.Money(amount, currency)


def _baseline(data: Data | None) -> changes.Baseline | None:
    if data is None:
        return None
    budget = _money(data["budget"])
    assert budget is not None
    return changes.Baseline(
        budget, data["schedule_days"], Decimal(str(data["creep_threshold_percent"]))
    )


def _condition(data: Data) -> changes.Condition:
    def risk(value: str | None) -> changes.Risk | None:
        return None if value is None else changes.Risk(value)

    effort = data["max_effort_hours"]
    return changes.Condition(
        min_risk=risk(data["min_risk"]),
        max_risk=risk(data["max_risk"]),
        in_scope=data["in_scope"],
        max_cost=_money(data["max_cost"]),
        max_schedule_days=data["max_schedule_days"],
        max_effort_hours=None if effort is None else Decimal(str(effort)),
        priorities=_optional_set(data["priorities"], changes.Priority),
    )


def _group(data: Data) -> changes.ApproverGroup:
    return changes.ApproverGroup(
        data["name"],
        roles=frozenset(data["roles"]),
        actors=frozenset(data["actors"]),
        mode=changes.Mode(data["mode"]),
        quorum=data["quorum"],
        percent=data["percent"],
        comment=changes.CommentRule(data["comment"]),
        min_approvers=data["min_approvers"],
    )


def _approval(data: Data, path: str, problems: Problems) -> changes.ApprovalPolicy:
    before = len(problems)
    routes = []
    for i, route in enumerate(data["routes"]):
        where = f"{path}.routes[{i}]"
        condition = _guard(f"{where}.when", problems, partial(_condition, route["when"]), {})
        stages = tuple(
            tuple(
                _guard(f"{where}.stages[{s}][{g}]", problems, partial(_group, group), group)
                for g, group in enumerate(stage)
            )
            for s, stage in enumerate(route["stages"])
        )
        routes.append(
            _guard(where, problems, partial(changes.Route, route["name"], condition, stages), route)
        )
    delegations = _delegations(path, data["delegations"], problems)
    if len(problems) > before:
        return cast(changes.ApprovalPolicy, INVALID)
    return changes.ApprovalPolicy(
        tuple(routes),
        deadline=data["deadline"],
        on_rejection=changes.OnRejection(data["on_rejection"]),
        quorum_counts=changes.QuorumBase(data["quorum_counts"]),
        escalate_to=tuple(data["escalate_to"]),
        escalation_repeat=data["escalation_repeat"],
        delegations=delegations,
    )


def _given(data: Data | None) -> Data:
    """The keys a user wrote (unset optional keys are None after the schema check)."""
    return {name: value for name, value in (data or {}).items() if value is not None}


def _steps(data: Data | None, base: feedback.StepTargets) -> feedback.StepTargets:
    return attrs.evolve(base, **_given(data))


def _feedback(data: Data) -> feedback.FeedbackPolicy:
    bands = attrs.evolve(feedback.Bands(), **_given(data["bands"]))
    base = feedback.Targets()
    targets = feedback.Targets(
        triage=data["triage"] or base.triage,
        positive=_steps(data["positive"], base.positive),
        neutral=_steps(data["neutral"], base.neutral),
        negative=_steps(data["negative"], base.negative),
        repeat=data["repeat"] or base.repeat,
    )
    minimum, window = data["trend_min_answers"], data["trend_window_weeks"]
    return feedback.FeedbackPolicy(
        bands, targets, 3 if minimum is None else minimum, 4 if window is None else window
    )


def _surveys(data: Data) -> feedback.SurveyPolicy:
    given = _given(data)
    if "over_limit" in given:
        given["over_limit"] = feedback.OverLimit(given["over_limit"])
    return feedback.SurveyPolicy(**given)


def _risks(data: Data, permissions: risks.RiskPermissions) -> risks.RiskPolicy:
    def by_rating(section: Data) -> dict[risks.Rating, Any]:
        return {rating: section[rating.value] for rating in risks.Rating}

    bands = data["matrix"]
    matrix = risks.Matrix(
        risks.Scale(data["probability"]),
        risks.Scale(data["impact"]),
        bands["medium"],
        bands["high"],
        bands["critical"],
    )
    extra = [c for c in data["categories"] if c not in risks.CATEGORIES]
    return risks.RiskPolicy(
        matrix,
        by_rating(data["review_every"]),
        by_rating(data["issue_priority"]),
        data["action_repeat"],
        risks.Rating(data["accept_from"]),
        (*risks.CATEGORIES, *extra),
        permissions,
    )


def _project_names(
    names: Mapping[str, str], projects: list[str], path: str, problems: Problems
) -> dict[str, str]:
    """Display names of a client's own projects; a name for a project it does not list
    is a mistake (a typo would otherwise leave the id in every text)."""  # noqa: D205, D209
    for project in names:
        if project not in projects:
            listed = ", ".join(projects) or "none"
            problems.append(
                ConfigProblem(
                    f"{path}.project_names.{project}",
                    f"not a project of this client{suggest(project, projects)};"
                    f" its projects: {listed}",
                )
            )
    return dict(names)


def _person(person: str, data: Data) -> PersonRules:
    if data["timezone"] is not None:
        zone(data["timezone"])  # an unknown zone is refused here, at its key
    return PersonRules(
        person,
        data["locale"],
        data["timezone"],
        check_ids(data["clients"], "clients"),
        data["name"],
        data["wecom"],
        data["dingtalk_mobile"],
        data["feishu_open_id"],
        data["slack_id"],
        data["dingtalk_user_id"],
    )


def _item(data: Data) -> cadence.PlanItem:
    return cadence.PlanItem(
        data["id"],
        cadence.ItemKind(data["kind"]),
        data["rule"],
        data["start"],
        cadence.Channel(data["channel"]),
        owner=data["owner"],
        audience=tuple(data["audience"]),
        grace=data["grace"],
        non_working=cadence.NonWorkingDay(data["non_working"]),
        title=data["title"],
        working_hours_only=data["working_hours_only"],
        duration=data["duration"],
    )


def _plan(data: Data, path: str, problems: Problems) -> PlanTemplate:
    items = tuple(
        _guard(f"{path}.items[{i}]", problems, partial(_item, item), item)
        for i, item in enumerate(data["items"])
    )
    seen: dict[str, int] = {}
    for i, item in enumerate(data["items"]):
        if item["id"] in seen:
            problems.append(
                ConfigProblem(
                    f"{path}.items[{i}].id",
                    f"expected an id not used by items[{seen[item['id']]}], got {item['id']!r}",
                )
            )
        seen.setdefault(item["id"], i)
    return PlanTemplate(items, data["silence_days"], data["reply_within"])


def _reference(
    value: str | None, names: Mapping[str, object], path: str, what: str, problems: Problems
) -> None:
    if value is not None and value not in names:
        hint = suggest(value, list(names))
        values = {"what": Phrase(what), "name": value, "hint": hint, "known": tuple(names)}
        said = Phrase(_NO_SUCH if names else _NO_SUCH_NONE, values)
        problems.append(ConfigProblem(path, said))


_EXPECTED = N_("expected {expected}")
_NO_SUCH = N_("no {what} named '{name}'{hint}; defined: {known}")
_NO_SUCH_NONE = N_("no {what} named '{name}'{hint}; none is defined")


def _section(data: Data, key: str) -> Any:
    """A top-level section, or None when it is absent or already reported bad."""
    value = data[key]
    return None if value is INVALID else value


def _sound(entries: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: entry for name, entry in (entries or {}).items() if entry is not INVALID}


def build_rules(data: Data, problems: Problems) -> Rules:
    """Rules from data the schema has checked; objections are added to ``problems``.

    Parts the schema already rejected (``INVALID``) are skipped, so their neighbours are
    still built and checked; names of rejected entries still count for references.
    """

    def each(section: str, make: Callable[[Data], T]) -> dict[str, T]:
        return {
            name: _guard(f"{section}.{name}", problems, partial(make, entry), entry)
            for name, entry in _sound(_section(data, section)).items()
        }

    def names(section: str) -> dict[str, object]:
        return dict(_section(data, section) or {})

    calendars = each("calendars", _calendar)
    slas = tuple(
        _guard(f"sla[{i}]", problems, partial(_sla, policy), policy)
        for i, policy in enumerate(_section(data, "sla") or ())
        if policy is not INVALID
    )
    escalations = each("escalation", _escalation)
    approvals = {
        name: _guard(
            f"approval.{name}",
            problems,
            partial(_approval, entry, f"approval.{name}", problems),
            entry,
        )
        for name, entry in _sound(_section(data, "approval")).items()
    }
    plans = {
        name: _plan(entry, f"plans.{name}", problems)
        for name, entry in _sound(_section(data, "plans")).items()
    }
    clients = {}
    for client_id, entry in _sound(_section(data, "clients")).items():
        path = f"clients.{client_id}"
        references = (
            ("calendar", "calendars", N_("calendar")),
            ("escalation", "escalation", N_("escalation policy")),
            ("approval", "approval", N_("approval policy")),
            ("plan", "plans", N_("plan")),
        )
        for key, section, what in references:
            _reference(entry[key], names(section), f"{path}.{key}", what, problems)
        clients[client_id] = ClientRules(
            client_id,
            entry["name"],
            entry["calendar"],
            entry["escalation"],
            entry["approval"],
            entry["plan"],
            tuple(entry["projects"]),
            _guard(f"{path}.baseline", problems, partial(_baseline, entry["baseline"]), {}),
            entry["locale"],
            _guard(
                f"{path}.contacts",
                problems,
                partial(check_ids, entry["contacts"], "contacts"),
                entry["contacts"],
            ),
            _project_names(entry["project_names"], entry["projects"], path, problems),
            entry["notices"],
        )
    given_feedback, given_surveys = _section(data, "feedback"), _section(data, "surveys")
    feedback_policy = (
        _guard("feedback", problems, partial(_feedback, given_feedback), given_feedback)
        if given_feedback is not None
        else feedback.FeedbackPolicy()
    )
    survey_policy = (
        _guard("surveys", problems, partial(_surveys, given_surveys), given_surveys)
        if given_surveys is not None
        else feedback.SurveyPolicy()
    )
    sla = _guard("sla", problems, lambda: escalation.SlaAgreement(slas), {}) if slas else None
    allowed = _section(data, "permissions") or {}
    issues, feedbacks = allowed.get("issues") or {}, allowed.get("feedback") or {}
    risky, planned = allowed.get("risks") or {}, allowed.get("plans") or {}

    def who(path: str, names: object, fallback: Rule) -> Rule:
        if names is None or names is INVALID:
            return fallback
        return _guard(path, problems, partial(rule_from_names, names, path), {})  # type: ignore[arg-type]

    team = who("permissions.issues.team", issues.get("team"), escalation.IssuePermissions().team)
    client = who(
        "permissions.issues.client", issues.get("client"), escalation.IssuePermissions().client
    )
    override = who(
        "permissions.feedback.override_sentiment",
        feedbacks.get("override_sentiment"),
        feedback.OVERRIDE_SENTIMENT,
    )
    feedback_defaults = feedback.FeedbackPermissions()
    feedback_permissions = feedback.FeedbackPermissions(
        **{
            name: who(f"permissions.feedback.{name}", feedbacks.get(name), rule)
            for name, rule in attrs.asdict(feedback_defaults, recurse=False).items()
        }
    )
    plan_defaults = cadence.PlanPermissions()
    plan_permissions = cadence.PlanPermissions(
        **{
            name: who(f"permissions.plans.{name}", planned.get(name), rule)
            for name, rule in attrs.asdict(plan_defaults, recurse=False).items()
        }
    )
    defaults = risks.RiskPermissions()
    risk_permissions = risks.RiskPermissions(
        *(
            who(f"permissions.risks.{name}", risky.get(name), getattr(defaults, name))
            for name in ("manage", "assess", "accept")
        )
    )
    given_risks = _section(data, "risks")
    risk_calendar = None if given_risks is None else given_risks["calendar"]
    risk_calendar = None if risk_calendar is INVALID else risk_calendar
    _reference(risk_calendar, names("calendars"), "risks.calendar", "calendar", problems)
    if given_risks is None:
        risk_policy = risks.RiskPolicy(permissions=risk_permissions)
    elif INVALID in given_risks.values():  # already reported; the calendar is still checked
        risk_policy = cast(risks.RiskPolicy, INVALID)
    else:
        risk_policy = _guard(
            "risks", problems, partial(_risks, given_risks, risk_permissions), given_risks
        )
    people = {
        person: _guard(
            f"people.{person}",
            problems,
            partial(_person, person, entry),
            entry,
        )
        for person, entry in _sound(_section(data, "people")).items()
    }
    workflows = {
        name: _flow(name, entry, problems, approvals, escalations)
        for name, entry in _sound(_section(data, "workflows")).items()
    }
    given_notify = _section(data, "notify")
    notifications = (
        None
        if given_notify is None
        else _guard("notify", problems, partial(_notifications, given_notify), given_notify)
    )
    if problems:
        return cast(Rules, INVALID)
    rules = Rules(
        calendars,
        sla,
        escalations,
        approvals,
        feedback_policy,
        survey_policy,
        plans,
        clients,
        {role: tuple(people) for role, people in _sound(_section(data, "directory")).items()},
        escalation.IssuePermissions(team, client),
        override,
        notifications,
        risk_policy,
        people,
        risk_calendar,
        feedback_permissions,
        plan_permissions,
        workflows,
    )
    for name, spec in workflows.items():  # the directory and clients are known only now
        problems.extend(
            unheld_groups(
                f"workflows.{name}",
                spec.transitions,
                spec.steps,
                clients=rules.clients,
                directory=rules.directory,
                directory_for=rules.directory_for,
            )
        )
        directories = [rules.directory, *(rules.directory_for(c) for c in rules.clients)]
        problems.extend(idle_delegations(f"workflows.{name}", spec.steps, directories))
    return cast(Rules, INVALID) if problems else rules


_RESERVED = frozenset({"open"})


def _state_problem(where: str, state: str, states: list[str], final: object) -> list[ConfigProblem]:
    """What is wrong with ``state`` named at ``where`` (nothing if it is a declared state)."""
    if state not in states:
        return [ConfigProblem(where, got(states_phrase(states), state, suggest(state, states)))]
    if final is not None and state in final:  # type: ignore[operator]
        return [ConfigProblem(where, got(N_("a state that is not final"), state))]
    return []


def _flow(
    name: str,
    data: Data,
    problems: Problems,
    approvals: Mapping[str, changes.ApprovalPolicy],
    escalations: Mapping[str, escalation.EscalationPolicy],
) -> FlowSpec:
    """A ``[workflows.<name>]`` with every inconsistency reported at its key."""
    path, before = f"workflows.{name}", len(problems)
    builtin = sorted(Rules({}).codec().kinds)
    if name in builtin:
        problems.append(
            ConfigProblem(
                path,
                Phrase(
                    N_("expected a name not taken by a built-in workflow ({names})"),
                    {"names": tuple(builtin)},
                ),
            )
        )
    states = [s for s in data["states"] if s is not INVALID]
    final = [s for s in data["final"] or () if s is not INVALID]
    for i, state in enumerate(states):
        if state in states[:i] or not state.isidentifier():
            problems.append(
                ConfigProblem(
                    f"{path}.states[{i}]",
                    got(N_("a name of letters, digits and '_' used once"), state),
                )
            )
    for i, state in enumerate(final):
        problems.extend(_state_problem(f"{path}.final[{i}]", state, states, None))
    transitions: list[TransitionSpec] = []
    taken = {*_RESERVED, *states}
    for i, entry in enumerate(data["transitions"] or ()):
        if entry is INVALID:
            continue
        where = f"{path}.transitions[{i}]"
        command = entry["name"]
        if command in taken or not command.isidentifier():
            problems.append(
                ConfigProblem(
                    f"{where}.name",
                    got(
                        N_(
                            "a name of letters, digits and '_' not taken (open, the states"
                            " and the other transitions)"
                        ),
                        command,
                    ),
                )
            )
        taken.add(command)
        for j, state in enumerate(entry["from"]):
            problems.extend(_state_problem(f"{where}.from[{j}]", state, states, final))
        problems.extend(_state_problem(f"{where}.to", entry["to"], states, None))
        who = _guard(f"{where}.who", problems, partial(rule_from_names, entry["who"], "who"), {})
        transitions.append(
            TransitionSpec(command, tuple(entry["from"]), entry["to"], who, dict(entry["fields"]))
        )
    opener = _guard(
        f"{path}.open_who", problems, partial(rule_from_names, data["open_who"], "open_who"), {}
    )
    given = data["migrate"] if isinstance(data["migrate"], dict) else {}
    mapped = given.get("states")
    migrate = _sound(mapped if isinstance(mapped, dict) else None)
    for old, new in migrate.items():
        problems.extend(_state_problem(f"{path}.migrate.states.{old}", new, states, None))
    timers = {
        state: _timer(
            f"{path}.timers.{state}",
            state,
            entry,
            states=states,
            final=final,
            transitions=transitions,
            opening=data["fields"] or {},
            problems=problems,
        )
        for state, entry in _sound(data["timers"]).items()
    }
    own: list[object] = [
        _guard(f"{path}.approvers[{i}]", problems, partial(_group, group), group)
        for i, group in enumerate(data["approvers"])
        if group is not INVALID
    ]
    groups = approval_groups(
        _sound(approvals).values(), (g for g in own if isinstance(g, changes.ApproverGroup))
    )
    steps = parse_steps(path, data, transitions, states, groups, _sound(escalations), problems)
    steps = attrs.evolve(steps, delegations=_delegations(path, data["delegations"], problems))
    if len(problems) == before:  # on a sound graph only: a wrong name cuts it anyway
        # a rejected approval step moves the item too (to its on_reject state)
        rejections = [
            TransitionSpec(REJECT, step.sources, step.on_reject)
            for step in steps.approvals.values()
        ]
        problems.extend(_unreachable(path, states, final, [*transitions, *rejections]))
    if len(problems) > before:
        return cast(FlowSpec, INVALID)
    noun = data["noun"] or name
    opening = dict(data["fields"] or {})
    flow = (name, noun, tuple(states), tuple(final), tuple(transitions))
    return FlowSpec(*flow, timers, opening, steps=steps, migrate=migrate, open_who=opener)


def _unreachable(
    path: str, states: list[str], final: list[str], transitions: list[TransitionSpec]
) -> list[ConfigProblem]:
    """States no run from the first one enters, or that trap an item (neither final nor
    left by a transition): python-statemachine refuses both."""  # noqa: D205, D209
    reached, frontier = set(states[:1]), states[:1]
    while frontier:
        state = frontier.pop()
        for transition in transitions:
            if state in transition.sources and transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)
    left = {source for transition in transitions for source in transition.sources}
    found = []
    for i, state in enumerate(states):
        if state not in reached:
            expected = Phrase(
                N_("a state a transition enters from '{first}' on"), {"first": states[0]}
            )
        elif state not in left and state not in final:
            expected = Phrase(N_("a final state or one a transition leaves"))
        else:
            continue
        found.append(ConfigProblem(f"{path}.states[{i}]", got(expected, state)))
    return found


def _delegations(path: str, given: list[Any], problems: Problems) -> tuple[changes.Delegation, ...]:
    """``delegations`` of an ``[approval]`` policy or a workflow, each checked at its key."""
    return tuple(
        _guard(
            f"{path}.delegations[{i}]",
            problems,
            partial(changes.Delegation, d["delegator"], d["delegate"], d["start"], d["end"]),
            d,
        )
        for i, d in enumerate(given)
        if d is not INVALID
    )


def _is_date(kind: object) -> bool:
    return isinstance(kind, FieldType) and kind.kind == "date"


def _timer(
    path: str,
    state: str,
    data: Data,
    *,
    states: list[str],
    final: list[str],
    transitions: list[TransitionSpec],
    opening: Mapping[str, FieldType],
    problems: Problems,
) -> TimerSpec:
    """A state's timer, its mistakes reported at their keys."""
    problems.extend(_state_problem(path, state, states, final))
    after, field = data["after"], data["before_field"]
    if (after is None) == (field is None):
        problems.append(
            ConfigProblem(path, Phrase(N_("expected either after or before_field, not both")))
        )
    given = [*transitions, TransitionSpec("open", (), "", fields=opening)]
    dates = sorted({f for t in given for f, kind in t.fields.items() if _is_date(kind)})
    if field is not None and field is not INVALID and field not in dates:
        expected = (
            Phrase(N_("a date field ({fields})"), {"fields": tuple(dates)})
            if dates
            else Phrase(N_("a date field (none declared)"))
        )
        problems.append(ConfigProblem(f"{path}.before_field", got(expected, field)))
    fire = data["fire"]
    leaving = [t.name for t in transitions if state in t.sources and not t.fields]
    if fire is not None and fire is not INVALID and fire not in leaving:
        problems.append(
            ConfigProblem(
                f"{path}.fire",
                got(
                    Phrase(
                        N_("a transition from {state} without fields ({names})"),
                        {"state": state, "names": tuple(leaving)},
                    )
                    if leaving
                    else Phrase(
                        N_("a transition from {state} without fields (none)"), {"state": state}
                    ),
                    fire,
                ),
            )
        )
    return TimerSpec(state, after, field or "", data["days"] or 0, fire or "")


def _notifications(data: Data) -> notify.Notifications:
    channels = {}
    for name, spec in data["channels"].items():
        try:
            channels[name] = notify.ChannelSpec(**{**spec, "to": tuple(spec["to"])})
        except ValidationError as error:  # name the channel in the problem's key path
            raise ValidationError(
                f"channels.{name}.{error.field}", error.expected, got=error.got
            ) from None
    routes = tuple(
        notify.Route(
            tuple(route["channels"]),
            frozenset(route["events"]),
            clients=route["clients"],
            priorities=route["priorities"],
        )
        for route in data["routes"]
    )
    return notify.Notifications(channels, routes, data["link"], data["team_name"] or "")
