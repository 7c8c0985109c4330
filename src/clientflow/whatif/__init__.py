"""Policy what-if: a past period replayed under proposed rules, compared with the rules in force.

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
from clientflow.whatif.render import to_html, to_json, to_text
from clientflow.whatif.replay import (
    CHANGE_FACTS,
    CHANGES,
    FACTS,
    ISSUES,
    Fact,
    Flag,
    Flow,
    Replay,
    SweepGrid,
    is_fact,
    replay,
    replay_issue,
)

__all__ = [
    "CHANGES",
    "CHANGE_FACTS",
    "FACTS",
    "ISSUES",
    "PUNCTUAL",
    "Change",
    "ClientWhatIf",
    "ClockCount",
    "Fact",
    "Flag",
    "Flow",
    "Outcome",
    "Replay",
    "SweepGrid",
    "Tally",
    "WhatIf",
    "is_fact",
    "outcome",
    "replay",
    "replay_issue",
    "to_html",
    "to_json",
    "to_text",
    "what_if",
]
