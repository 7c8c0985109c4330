"""The rules-file format, declared once: the checker and the shipped JSON Schema."""

from __future__ import annotations

import enum
import json

from clientflow import cadence, changes, escalation, feedback, notify, risks
from clientflow.config.flow_fields import FIELD_TYPE_NODE
from clientflow.config.spec import (
    Boolean,
    BusinessDuration,
    ByType,
    Choice,
    Date,
    Duration,
    Field,
    Instant,
    Integer,
    LocalDateTime,
    Number,
    Seq,
    Table,
    Tables,
    Text,
    Zone,
)
from clientflow.core.hours import WEEKDAYS
from clientflow.i18n import LOCALES, N_

__all__ = ["FORMAT_VERSION", "RULES", "json_schema"]

FORMAT_VERSION = 1
"""The rules-file format this release reads (the ``version`` key)."""


def _values(kind: type[enum.Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in kind)


_SHIFT = Text(
    "A shift in local wall-clock time; an end before the start crosses midnight.",
    pattern=r"\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*",
    pattern_words=N_('a shift such as "09:00-17:30"'),
)
_SHIFTS = Seq(_SHIFT, single=True)
_NAMES = Seq(Text(), single=True)

CALENDAR = Table(
    {
        "timezone": Field(Zone("IANA time zone, e.g. Asia/Shanghai."), required=True),
        "hours": Field(_SHIFTS, default=["09:00-17:00"]),
        "weekly": Field(
            Table(
                {day: Field(Seq(_SHIFT)) for day in WEEKDAYS},
                "Shifts per weekday (mon..sun); a day left out has no work.",
            )
        ),
        "country": Field(Text("Country of the public holidays (ISO 3166, e.g. CN, US, GB).")),
        "subdivision": Field(Text("State or region of the holidays (e.g. NY, ENG).")),
        "closed": Field(Seq(Date()), default=[]),
        "extra_working": Field(Seq(Date()), default=[]),
        "makeup_weekday": Field(
            Choice(WEEKDAYS, "Whose shifts a make-up working day on a weekend works."),
            default="mon",
        ),
    },
    "Working time in one time zone: weekly shifts (`hours` for Monday to Friday, or "
    "`weekly` per day), public holidays and make-up days of a country, extra dates.",
)

_TARGETS = Table(
    {
        "first_response": Field(
            BusinessDuration("Business time to the first reply.", working_days=True),
            required=True,
        ),
        "resolution": Field(
            BusinessDuration("Business time to resolution.", working_days=True), required=True
        ),
        "next_reply": Field(
            BusinessDuration("Business time to answer each client message.", working_days=True)
        ),
    }
)

SLA = Table(
    {
        "name": Field(Text("Policy name, kept by each issue it applies to."), required=True),
        "version": Field(Integer(minimum=1), default=1),
        "thresholds": Field(
            Seq(Number(maximum=1.0, exclusive_min=0.0), min_items=1),
            default=[0.5, 0.75, 1.0],
        ),
        "kinds": Field(Seq(Choice(_values(escalation.IssueKind)))),
        "clients": Field(_NAMES),
        "projects": Field(_NAMES),
        "targets": Field(
            Tables(_TARGETS, "Targets by priority name (P1, P2, ...)."), required=True
        ),
        "pauses": Field(
            Table(
                {
                    reason.value: Field(Seq(Choice(escalation.METRICS)))
                    for reason in escalation.PauseReason
                },
                "Which clocks stop for which reason (default: client = every clock). Given,"
                " it replaces the default: a reason left out pauses nothing.",
            )
        ),
    },
    "One SLA policy; the first in file order whose kinds/clients/projects match applies.",
)

_LEVEL = Table(
    {
        "name": Field(Text(), required=True),
        "notify": Field(
            Seq(Text("A person id, or role:<name> for everyone with that role."), single=True),
            required=True,
        ),
        "delay": Field(
            BusinessDuration("Business time after the trigger before this level."), required=True
        ),
        "assign": Field(Text("Who the issue is assigned to at this level.")),
    }
)

ESCALATION = Table(
    {
        "levels": Field(Seq(_LEVEL, min_items=1), required=True),
        "on_warning": Field(Number(exclusive_min=0.0, maximum=1.0), default=0.75),
        "on_breach": Field(Boolean(), default=True),
        "no_update_after": Field(BusinessDuration()),
        "reopen_limit": Field(Integer(minimum=1), default=2),
        "on_complaint": Field(Boolean(), default=True),
        "repeat": Field(Integer(minimum=0), default=0),
        "ack_timeout": Field(BusinessDuration()),
    },
    "Ordered escalation levels and what triggers them.",
)

_MONEY = Text(
    "An amount and an ISO 4217 currency.",
    pattern=r"-?\d+(\.\d+)?\s+[A-Z]{3}",
    pattern_words=N_('an amount and a currency such as "5000 EUR"'),
)

CONDITION = Table(
    {
        "min_risk": Field(Choice(_values(changes.Risk))),
        "max_risk": Field(Choice(_values(changes.Risk))),
        "in_scope": Field(Boolean()),
        "max_cost": Field(_MONEY),
        "max_schedule_days": Field(Integer(minimum=0)),
        "max_effort_hours": Field(Number(minimum=0)),
        "priorities": Field(Seq(Choice(_values(changes.Priority)), min_items=1)),
    },
    "When a route applies; every given limit must hold.",
)

GROUP = Table(
    {
        "name": Field(Text(), required=True),
        "roles": Field(_NAMES, default=[]),
        "actors": Field(_NAMES, default=[]),
        "mode": Field(Choice(_values(changes.Mode)), default="all"),
        "quorum": Field(Integer(minimum=1), default=1),
        "percent": Field(Integer(minimum=1, maximum=100), default=50),
        "comment": Field(Choice(_values(changes.CommentRule)), default="never"),
        "min_approvers": Field(
            Integer(
                "Distinct approvers the group must keep once the requester is left out;"
                " fewer refuses the route, naming the group (default 1).",
                minimum=1,
            ),
            default=1,
        ),
    }
)

ROUTE = Table(
    {
        "name": Field(Text(), required=True),
        "when": Field(CONDITION, default={}),
        "stages": Field(
            Seq(Seq(GROUP, min_items=1)),
            default=[],
        ),
    },
    "A route: its condition and its sequential stages of approver groups "
    "(no stages = approved automatically, a standard change).",
)

DELEGATIONS = Seq(
    Table(
        {
            "delegator": Field(Text("The approver who is away."), required=True),
            "delegate": Field(Text("Who votes for them."), required=True),
            "start": Field(Instant("From (inclusive)."), required=True),
            "end": Field(Instant("Until (exclusive)."), required=True),
        }
    ),
    "Who may vote for an approver, and when (the only way to vote for someone else).",
)

APPROVAL = Table(
    {
        "routes": Field(Seq(ROUTE, min_items=1), required=True),
        "deadline": Field(BusinessDuration("Business time to decide before escalating.")),
        "on_rejection": Field(Choice(_values(changes.OnRejection)), default="reject"),
        "quorum_counts": Field(
            Choice(
                _values(changes.QuorumBase),
                "With the requester in an approver group (who never votes): the quorum counts"
                " the remaining members, or the whole group.",
            ),
            default="remaining",
        ),
        "escalate_to": Field(_NAMES, default=[]),
        "escalation_repeat": Field(BusinessDuration()),
        "delegations": Field(DELEGATIONS, default=[]),
    },
    "Change-request approval: the first route whose condition matches applies. Only the "
    "delegations listed here let someone vote for an approver.",
)


def _step_targets() -> Table:
    return Table(
        {
            step: Field(BusinessDuration())
            for step in ("thank", "assign", "contact", "plan", "complete", "confirm", "close")
        },
        "Business time for each follow-up step; unset steps keep their defaults.",
    )


FEEDBACK = Table(
    {
        "bands": Field(
            Table(
                {
                    "promoter_min": Field(Integer(minimum=0, maximum=10)),
                    "passive_min": Field(Integer(minimum=0, maximum=10)),
                    "satisfied_min": Field(Integer(minimum=1, maximum=5)),
                    "neutral_min": Field(Integer(minimum=1, maximum=5)),
                }
            )
        ),
        "triage": Field(BusinessDuration()),
        "repeat": Field(BusinessDuration()),
        "trend_min_answers": Field(
            Integer(
                "Weeks with fewer answers show no CSAT/NPS point in trend charts (default 3).",
                minimum=1,
            )
        ),
        "trend_window_weeks": Field(
            Integer(
                "Each weekly trend point counts the answers of this many weeks ending with it"
                " (default 4; 1 for calendar weeks).",
                minimum=1,
                maximum=52,
            )
        ),
        "positive": Field(_step_targets()),
        "neutral": Field(_step_targets()),
        "negative": Field(_step_targets()),
    },
    "How feedback is classified and how fast each follow-up step must happen.",
)

SURVEYS = Table(
    {
        "min_between": Field(Duration("At most one survey per contact in this window.")),
        "over_limit": Field(Choice(_values(feedback.OverLimit))),
        "block_during_follow_up": Field(Boolean()),
        "remind_after": Field(Duration()),
        "max_reminders": Field(Integer(minimum=0)),
        "expire_after": Field(Duration()),
        "periodic_every": Field(Duration()),
    },
    "Survey throttling, reminders, expiry and the periodic schedule.",
)

RISKS = Table(
    {
        "probability": Field(
            Seq(Text(), min_items=2),
            default=list(risks.PROBABILITY.labels),
        ),
        "impact": Field(Seq(Text(), min_items=2), default=list(risks.IMPACT.labels)),
        "matrix": Field(
            Table(
                {
                    "medium": Field(Integer(minimum=2), default=5),
                    "high": Field(Integer(minimum=3), default=10),
                    "critical": Field(Integer(minimum=4), default=15),
                },
                "The lowest probability x impact score of each rating.",
            ),
            default={},
        ),
        "review_every": Field(
            Table(
                {
                    name: Field(Duration(), default=f"{interval.days}d")
                    for name, interval in (
                        (rating.value, risks.REVIEW_EVERY[rating]) for rating in risks.Rating
                    )
                },
                "How often a risk of each rating is reviewed (calendar time).",
            ),
            default={},
        ),
        "issue_priority": Field(
            Table(
                {
                    rating.value: Field(Text(), default=risks.ISSUE_PRIORITY[rating])
                    for rating in risks.Rating
                },
                "The priority of the issue a triggered risk of each rating opens.",
            ),
            default={},
        ),
        "action_repeat": Field(BusinessDuration(), default="8h"),
        "accept_from": Field(Choice(_values(risks.Rating)), default="high"),
        "calendar": Field(
            Text(
                "The calendar reviews and response actions run on (the team's); by default"
                " each client's own."
            )
        ),
        "categories": Field(
            Seq(Text(), single=True),
            default=[],
        ),
    },
    "Risk register: scales (labels, lowest first), rating bands, review intervals,"
    " the issue a triggered risk opens, extra categories.",
    partial=True,
)

ITEM = Table(
    {
        "id": Field(Text(), required=True),
        "kind": Field(Choice(_values(cadence.ItemKind)), required=True),
        "rule": Field(Text("RFC 5545 recurrence rule, e.g. FREQ=WEEKLY;BYDAY=FR."), required=True),
        "start": Field(LocalDateTime("First occurrence, in the plan's time zone."), required=True),
        "channel": Field(Choice(_values(cadence.Channel)), required=True),
        "owner": Field(Text(), required=True),
        "audience": Field(_NAMES, default=[]),
        "grace": Field(BusinessDuration(), default="4h"),
        "non_working": Field(Choice(_values(cadence.NonWorkingDay)), default="next"),
        "title": Field(Text(min_length=0), default=""),
        "working_hours_only": Field(Boolean(), default=True),
        "duration": Field(
            Duration(
                "How long one occurrence lasts in a calendar (default by kind: a meeting 1h,"
                " a check-in 30m, a report a point in time)."
            )
        ),
    }
)

PLAN = Table(
    {
        "items": Field(Seq(ITEM, min_items=1), required=True),
        "silence_days": Field(Integer(minimum=1, maximum=260), default=5),
        "reply_within": Field(BusinessDuration(), default="4h"),
    },
    "A communication plan template: recurring items, silence and reply-owed rules.",
)

CLIENT = Table(
    {
        "name": Field(Text(), required=True),
        "calendar": Field(Text("Name of a calendar in [calendars]."), required=True),
        "escalation": Field(Text("Name of a policy in [escalation].")),
        "approval": Field(Text("Name of a policy in [approval].")),
        "plan": Field(Text("Name of a template in [plans].")),
        "projects": Field(_NAMES, default=[]),
        "project_names": Field(
            Tables(
                Text('A project\'s display name in what people read, e.g. "手机银行 App".'),
                "Display names of the client's projects by id (an id without one reads as itself).",
            ),
            default={},
        ),
        "locale": Field(Choice(LOCALES, "The language the client reads notices in."), default="en"),
        "notices": Field(
            Choice(
                notify.NOTICE_LEVELS,
                "How much the client is told: minimal (received, being handled, waiting on"
                " you, resolved), standard (also escalated to a senior person, without"
                " internal levels or percentages), full (every internal detail and event id).",
            ),
            default=notify.DEFAULT_NOTICES,
        ),
        "contacts": Field(
            Seq(
                Text("A person id of the client's people: they act within this client."),
                single=True,
            ),
            default=[],
        ),
        "baseline": Field(
            Table(
                {
                    "budget": Field(_MONEY, required=True),
                    "schedule_days": Field(Integer(minimum=1), required=True),
                    "creep_threshold_percent": Field(Number(minimum=0), default=10),
                },
                "What the work was agreed at; approved changes past the threshold are creep.",
            )
        ),
    },
    "A client: the calendar its clocks run on and the policies that apply to it.",
)

PERSON = Table(
    {
        "name": Field(Text('The name people read, e.g. "李伟" (default: the id).')),
        "locale": Field(Choice(LOCALES, "The language the person reads digests in."), default="en"),
        "timezone": Field(Zone("The person's IANA time zone, e.g. Asia/Shanghai.")),
        "wecom": Field(
            Text(
                "Their WeCom userid, to @mention them in a WeCom group.",
                pattern=r"[A-Za-z0-9_.@-]{1,64}",
                pattern_words=N_("a WeCom userid (letters, digits, _ . @ -; at most 64)"),
            )
        ),
        "dingtalk_mobile": Field(
            Text(
                "The mobile number of their DingTalk account, to @mention them in DingTalk.",
                pattern=r"(\+\d{1,3}-)?\d{6,15}",
                pattern_words=N_(
                    'a mobile number of digits, e.g. "13800000000" or "+852-91234567"'
                ),
            )
        ),
        "dingtalk_user_id": Field(
            Text(
                "Their DingTalk userid, to @mention them in DingTalk by it (atUserIds) rather"
                " than by mobile number, which the group would see.",
                pattern=r"[A-Za-z0-9_-]{1,64}",
                pattern_words=N_("a DingTalk userid (letters, digits, _ -; at most 64)"),
            )
        ),
        "feishu_open_id": Field(
            Text(
                "Their Feishu/Lark open_id, to @mention them on a Feishu card.",
                pattern=r"ou_[0-9a-z]{8,64}",
                pattern_words=N_('a Feishu open_id ("ou_" and lowercase letters and digits)'),
            )
        ),
        "slack_id": Field(
            Text(
                "Their Slack member id, to @mention them in Slack.",
                pattern=r"[UW][A-Z0-9]{2,20}",
                pattern_words=N_('a Slack member id ("U" or "W" and capitals and digits)'),
            )
        ),
        "clients": Field(
            Seq(
                Text("A client id: the person acts only within these (none: every client)."),
                single=True,
            ),
            default=[],
        ),
    },
    "A team member: the language and time zone of what is addressed to them (the agenda).",
)

_WHO = Seq(
    Text(
        "party:owner / party:reporter, role:<name>, a person id, team (anyone but a"
        " client's people) or anyone."
    ),
    single=True,
)

PERMISSIONS = Table(
    {
        "issues": Field(
            Table(
                {
                    "team": Field(
                        _WHO, default=["party:owner", "role:support", "role:engineer", "role:pm"]
                    ),
                    "client": Field(_WHO, default=["party:reporter", "role:client"]),
                },
                "Who acts on issues (team) and who may confirm, reopen and reply (client).",
            ),
            default={},
        ),
        "feedback": Field(
            Table(
                {
                    "receive": Field(_WHO, default=["anyone"]),
                    "triage": Field(_WHO, default=["party:owner", "role:pm", "role:support"]),
                    "thank": Field(_WHO, default=["party:owner", "role:pm", "role:support"]),
                    "assign": Field(_WHO, default=["role:pm", "role:support"]),
                    "follow_up": Field(_WHO, default=["party:owner", "role:pm", "role:support"]),
                    "confirm": Field(_WHO, default=["role:client", "party:owner", "role:pm"]),
                    "reopen": Field(
                        _WHO, default=["role:client", "party:owner", "role:pm", "role:support"]
                    ),
                    "close": Field(_WHO, default=["party:owner", "role:pm"]),
                    "survey": Field(_WHO, default=["role:pm", "role:support"]),
                    "answer_survey": Field(
                        _WHO, default=["role:client", "role:pm", "role:support"]
                    ),
                    "override_sentiment": Field(_WHO, default=["role:pm"]),
                },
                "Who records, triages, assigns, follows up, confirms, reopens and closes"
                " feedback, sends and answers surveys, and may read a score as another"
                " sentiment than it gives.",
            ),
            default={},
        ),
        "plans": Field(
            Table(
                {
                    "manage": Field(_WHO, default=["role:pm"]),
                    "record": Field(
                        _WHO,
                        default=[
                            "role:pm",
                            "role:support",
                            "role:engineer",
                            "role:account-director",
                        ],
                    ),
                    "archive": Field(_WHO, default=["role:pm"]),
                },
                "Who creates plans and changes their items (manage), records touchpoints"
                " (record) and archives plans.",
            ),
            default={},
        ),
        "risks": Field(
            Table(
                {
                    "manage": Field(_WHO, default=["team"]),
                    "assess": Field(_WHO, default=["team"]),
                    "accept": Field(_WHO, default=["role:sponsor"]),
                },
                "Who manages risks, who assesses them, who may accept a serious one.",
            ),
            default={},
        ),
    },
    "Who may do what, in names: party:owner, role:pm, a person id.",
)

_ENV = Text("The name of an environment variable holding it (kept out of this file).")

NOTIFY = Table(
    {
        "channels": Field(
            Tables(
                Table(
                    {
                        "type": Field(Choice(notify.CHANNEL_TYPES), required=True),
                        "url": Field(Text("The endpoint (for a webhook or Slack).")),
                        "url_env": Field(_ENV),
                        "secret_env": Field(_ENV),
                        "host": Field(Text("SMTP server (email).")),
                        "port": Field(Integer(minimum=1, maximum=65535), default=25),
                        "starttls": Field(
                            Boolean("Upgrade the SMTP connection with STARTTLS."), default=False
                        ),
                        "tls": Field(
                            Boolean("Connect to the SMTP server over TLS (SMTPS, port 465)."),
                            default=False,
                        ),
                        "allow_plaintext_auth": Field(
                            Boolean(
                                "Send the SMTP username and password over an unencrypted"
                                " connection (refused unless set)."
                            ),
                            default=False,
                        ),
                        "sender": Field(Text("From address (email).")),
                        "to": Field(_NAMES, default=[]),
                        "username_env": Field(_ENV),
                        "password_env": Field(_ENV),
                        "audience": Field(
                            Choice(
                                notify.AUDIENCES,
                                "Who reads the channel: team (team notices) or client (only"
                                " what the client's notice policy tells).",
                            ),
                            default="team",
                        ),
                        "per_minute": Field(
                            Integer(
                                "Messages a minute (robots: 20 unless given).",
                                minimum=1,
                                maximum=10_000,
                            )
                        ),
                    }
                ),
                "Channels by name.",
            ),
            default={},
        ),
        "link": Field(
            Text(
                "Where a team notice links to: an http(s) URL template, {id} standing for"
                ' the issue\'s id, e.g. "https://pm.example.com/issues/{id}".',
                pattern=r"https?://[^\s{}]+\{id\}[^\s{}]*",
                pattern_words=N_(
                    'an http(s) URL with {id} in it, e.g. "https://pm.example.com/issues/{id}"'
                ),
            )
        ),
        "team_name": Field(
            Text(
                "Who signs an email to a client: the host's team or company name, one line of"
                ' at most 60 characters, e.g. "明珠银行项目组".',
                pattern=r"[^\r\n]{1,60}",
                pattern_words=N_("one line of at most 60 characters"),
            )
        ),
        "routes": Field(
            Seq(
                Table(
                    {
                        "channels": Field(_NAMES, required=True),
                        "events": Field(_NAMES, default=[]),
                        "clients": Field(_NAMES),
                        "priorities": Field(_NAMES),
                    },
                    "Events of these types (all if empty) for these clients and priorities"
                    " (any if unset) go to these channels.",
                )
            ),
            default=[],
        ),
    },
    "Who is told what, through which channel.",
)

_GROUP = Text("An approver group: the workflow's `approvers` or a group of [approval].")
_GROUPS = Seq(_GROUP, "Approver groups deciding side by side in one stage.", min_items=1)

TRANSITION = Table(
    {
        "name": Field(Text("The command that fires it, as users call it."), required=True),
        "from": Field(
            Seq(Text(), "The states it leaves (one or several).", single=True, min_items=1),
            required=True,
        ),
        "to": Field(Text("The state it enters."), required=True),
        "who": Field(
            Seq(
                Text(
                    "party:owner / party:client, role:<name>, a person id, team (anyone but"
                    " a client's people) or anyone."
                ),
                single=True,
            ),
            default=["team"],
        ),
        "fields": Field(Tables(FIELD_TYPE_NODE, "Fields it requires, by type."), default={}),
        "approval": Field(
            Seq(
                ByType(
                    text=_GROUP,
                    array=_GROUPS,
                    table=Table(
                        {
                            "groups": Field(ByType(text=_GROUP, array=_GROUPS), required=True),
                            "when": Field(
                                Text(
                                    "Ask this stage only when a number or money field"
                                    ' compares so, e.g. "amount > 5000" (>, >=, <, <=, ==, !=);'
                                    " an item without the field is asked."
                                )
                            ),
                        },
                        "A stage asked only under a condition.",
                    ),
                    description="A stage: a group, groups deciding side by side (会签), or"
                    " a table with groups and when.",
                ),
                "Approval stages in order: the transition fires when the last approves"
                " (commands approve/reject; the mover never votes).",
                single=True,
                min_items=1,
            )
        ),
        "on_reject": Field(Text("With approval: the state a rejection moves the item to.")),
        "on_rejection": Field(
            Choice(
                _values(changes.OnRejection),
                "With approval: reject = one rejection by a needed approver rejects at once;"
                " wait = a group is rejected only when it can no longer approve.",
            ),
            default="reject",
        ),
        "cc": Field(
            Seq(Text("A person id, role:<name> or party:owner."), "Who is copied.", single=True),
            default=[],
        ),
        "client": Field(
            Text("What the client is told when it fires (without it the client is not told).")
        ),
    },
    "One transition: a command moving an item between states.",
)

TIMER = Table(
    {
        "after": Field(
            BusinessDuration(
                'How long an item may wait in the state: "8h" or "5wd" (working days).',
                working_days=True,
            )
        ),
        "before_field": Field(Text("A date field: the timer comes due `days` before it.")),
        "days": Field(
            Integer("Working days before `before_field`'s date.", minimum=0, maximum=366),
            default=0,
        ),
        "fire": Field(
            Text("The transition it fires (by system); without one the owner is reminded.")
        ),
        "escalate": Field(
            Text(
                "An [escalation] policy: instead of a reminder its levels are told one after"
                " the other, each `delay` after the one before."
            )
        ),
    },
    "A timer on a state, in business time on the item's client's calendar.",
)

MIGRATE = Table(
    {
        "states": Field(
            Tables(
                Text("The state of this definition an item in it moves to."),
                "An earlier definition's state -> one of this definition's states.",
            ),
            default={},
        )
    },
    "How items under an earlier definition move onto this one (`migrate`).",
)

WORKFLOW = Table(
    {
        "noun": Field(Text("What people call one item (the workflow's name unless given).")),
        "states": Field(
            Seq(Text(), "The states; the first is where an item starts.", min_items=1),
            required=True,
        ),
        "final": Field(Seq(Text(), "The states that end an item.", single=True), default=[]),
        "open_who": Field(
            Seq(
                Text(
                    "Who may open an item: party:owner (the owner it names) / party:client"
                    " (its client's people), role:<name>, a person id, team (anyone but a"
                    " client's people) or anyone."
                ),
                single=True,
            ),
            default=["team"],
        ),
        "transitions": Field(Seq(TRANSITION, min_items=1), required=True),
        "timers": Field(Tables(TIMER, "Timers by the state they watch."), default={}),
        "fields": Field(Tables(FIELD_TYPE_NODE, "Fields `open` requires."), default={}),
        "migrate": Field(MIGRATE),
        "approvers": Field(
            Seq(GROUP, "Approver groups its transitions' `approval` may name."), default=[]
        ),
        "delegations": Field(DELEGATIONS, default=[]),
        "client_states": Field(
            Tables(Text(), "What the client sees of a state, by state (others: not shown).")
        ),
    },
    "A custom workflow declared as data (see docs/custom-workflows.md).",
)

RULES = Table(
    {
        "version": Field(
            Integer(
                f"Format version; this release reads {FORMAT_VERSION}.",
                minimum=FORMAT_VERSION,
                maximum=FORMAT_VERSION,
            ),
            required=True,
        ),
        "calendars": Field(Tables(CALENDAR), required=True),
        "sla": Field(Seq(SLA, min_items=1)),
        "escalation": Field(Tables(ESCALATION)),
        "approval": Field(Tables(APPROVAL)),
        "feedback": Field(FEEDBACK),
        "surveys": Field(SURVEYS),
        "risks": Field(RISKS),
        "plans": Field(Tables(PLAN)),
        "clients": Field(Tables(CLIENT)),
        "directory": Field(
            Tables(Seq(Text(), single=True), "People by role, for approver groups.")
        ),
        "people": Field(Tables(PERSON)),
        "permissions": Field(PERMISSIONS),
        "notify": Field(NOTIFY),
        "workflows": Field(Tables(WORKFLOW, "Custom workflows, by kind name.")),
    },
    "A clientflow rules file.",
    partial=True,
)
"""The whole rules file."""


def json_schema() -> str:
    """The JSON Schema (draft 2020-12) of the rules file, as pretty JSON.

    >>> '"calendars"' in json_schema()
    True
    """
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://clientflow.dev/schema/rules-v1.json",
        "title": "clientflow rules file",
        **RULES.schema(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
