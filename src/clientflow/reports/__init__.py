"""Portfolio reports: per-client health as text, JSON or an offline HTML page."""

from __future__ import annotations

from clientflow.reports.agenda import AgendaItem, agenda_lines, owner_agenda
from clientflow.reports.health import ClientHealth, OverdueCommunication, WeekScore, health
from clientflow.reports.portfolio import Portfolio
from clientflow.reports.render import AUDIENCES, to_html, to_json, to_text

__all__ = [
    "AUDIENCES",
    "AgendaItem",
    "ClientHealth",
    "OverdueCommunication",
    "Portfolio",
    "WeekScore",
    "agenda_lines",
    "health",
    "owner_agenda",
    "to_html",
    "to_json",
    "to_text",
]
