"""The host's front door: :func:`clientflow.open` gives a :class:`Workspace`.

A workspace is bound to one store and the rules it runs under, with one service per
workflow (``ws.changes``, ``ws.issues``, ``ws.feedback``, ``ws.surveys``, ``ws.plans``,
``ws.risks``), ``sweep()``, ``deliver()`` and read-side queries. Every command:
aggregate id first, ``by=`` the actor, then the payload, then ``at=`` (default: the
clock); policies come from the rules by the aggregate's client.
"""

from clientflow.workspace.base import CommandMethod, Service
from clientflow.workspace.bootstrap import WorkflowService, codec_for, records_codec
from clientflow.workspace.changes import ChangeService
from clientflow.workspace.core import (
    ClientOverview,
    DeliverySettings,
    RulesSource,
    Workspace,
    open_workspace,
)
from clientflow.workspace.feedback import FeedbackService, PlanService, SurveyService
from clientflow.workspace.issues import IssueService
from clientflow.workspace.outputs import OUTPUTS_SCHEMA_FILE, outputs_schema
from clientflow.workspace.risks import RiskService

__all__ = [
    "OUTPUTS_SCHEMA_FILE",
    "ChangeService",
    "ClientOverview",
    "CommandMethod",
    "DeliverySettings",
    "FeedbackService",
    "IssueService",
    "PlanService",
    "RiskService",
    "RulesSource",
    "Service",
    "SurveyService",
    "WorkflowService",
    "Workspace",
    "codec_for",
    "open_workspace",
    "outputs_schema",
    "records_codec",
]
