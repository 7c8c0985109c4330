"""The JSON Schema of what a workspace hands out, shipped as ``outputs.schema.json``.

Aggregates of every workflow, their events, read-side rows, command results, the
engine's reports and every other value a workspace call returns (SLA clock reports,
impact summaries, agendas, health reports, heat maps, overviews), as
:func:`clientflow.json_form` writes them; ``clientflow schema --outputs`` prints it.
"""

from __future__ import annotations

import json
from pathlib import Path

from clientflow.cadence import CommunicationPlan
from clientflow.changes import ChangeRequest, ImpactSummary
from clientflow.config import Rules
from clientflow.core.shapes import output_schema
from clientflow.engine import DeliveryReport, Result, SweepReport
from clientflow.escalation import ClockReport, Issue
from clientflow.feedback import ContactSurveys, Feedback
from clientflow.ports import AggregateRow, ParkedEvent, TimerFailure
from clientflow.reports import AgendaItem, ClientHealth
from clientflow.risks import HeatMap, Risk
from clientflow.whatif import WhatIf
from clientflow.workspace.core import ClientOverview

__all__ = ["OUTPUTS_SCHEMA_FILE", "outputs_schema"]

OUTPUTS_SCHEMA_FILE = Path(__file__).with_name("outputs.schema.json")
"""Where the shipped schema is (a test checks it equals :func:`outputs_schema`)."""


def outputs_schema() -> str:
    """The JSON Schema (draft 2020-12) of the JSON forms, as pretty JSON text."""
    registry = Rules({}).codec().events
    classes: list[type] = [
        ChangeRequest,
        Issue,
        Feedback,
        ContactSurveys,
        CommunicationPlan,
        Risk,
        AggregateRow,
        ParkedEvent,
        TimerFailure,
        DeliveryReport,
        SweepReport,
        Result,
        ClientOverview,
        ClockReport,
        ImpactSummary,
        AgendaItem,
        ClientHealth,
        HeatMap,
        WhatIf,
        *(registry.type_of(name) for name in registry.names),
    ]
    schema = output_schema(classes, title="clientflow outputs")
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
