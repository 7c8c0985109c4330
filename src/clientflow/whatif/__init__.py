"""Policy what-if: a past period replayed under proposed rules, compared with the rules in force.

Issues, change requests, communication plans, risks and surveys are replayed.

See docs/what-if.md for what is replayed, what is flagged and the limits.
"""

from clientflow.whatif.compare import (
    PUNCTUAL,
    Change,
    ClientWhatIf,
    ClockCount,
    Outcome,
    Tally,
    WhatIf,
    outcome,
    what_if,
)
from clientflow.whatif.flows import FlowChange, FlowClient, FlowWhatIf, Measure
from clientflow.whatif.render import to_html, to_json, to_text
from clientflow.whatif.replay import (
    CHANGE_FACTS,
    CHANGES,
    FACTS,
    ISSUES,
    PLAN_FACTS,
    PLANS,
    RISK_FACTS,
    RISKS,
    Fact,
    Flag,
    Flow,
    Replay,
    SweepGrid,
    is_fact,
    replay,
    replay_issue,
)
from clientflow.whatif.surveys import (
    FollowUps,
    follow_ups,
    is_survey_fact,
    replay_surveys,
    survey_measure,
)

__all__ = [
    "CHANGES",
    "CHANGE_FACTS",
    "FACTS",
    "ISSUES",
    "PLANS",
    "PLAN_FACTS",
    "PUNCTUAL",
    "RISKS",
    "RISK_FACTS",
    "Change",
    "ClientWhatIf",
    "ClockCount",
    "Fact",
    "Flag",
    "Flow",
    "FlowChange",
    "FlowClient",
    "FlowWhatIf",
    "FollowUps",
    "Measure",
    "Outcome",
    "Replay",
    "SweepGrid",
    "Tally",
    "WhatIf",
    "follow_ups",
    "is_fact",
    "is_survey_fact",
    "outcome",
    "replay",
    "replay_issue",
    "replay_surveys",
    "survey_measure",
    "to_html",
    "to_json",
    "to_text",
    "what_if",
]
