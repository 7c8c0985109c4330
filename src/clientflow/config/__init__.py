"""Rules files: calendars, SLA, escalation, approval, feedback, surveys, plans, clients.

>>> rules = rules_from_dict({
...     "version": 1,
...     "calendars": {"team": {"timezone": "Europe/Berlin", "hours": ["09:00-17:00"]}},
...     "clients": {"acme": {"name": "ACME", "calendar": "teem"}},
... })
Traceback (most recent call last):
...
clientflow.core.errors.ConfigError: rules have 1 problem:
  clients.acme.calendar: no calendar named 'teem' (did you mean 'team'?); defined: team
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

import attrs

from clientflow.config.build import build_rules
from clientflow.config.flow_versions import stamped
from clientflow.config.model import ClientRules, PlanTemplate, Rules
from clientflow.config.schema import FORMAT_VERSION, RULES, json_schema
from clientflow.config.spec import Problems, parse_duration
from clientflow.core import ConfigError, ConfigProblem, Phrase
from clientflow.i18n import N_

__all__ = [
    "FORMAT_VERSION",
    "ClientRules",
    "PlanTemplate",
    "Rules",
    "canonical",
    "json_schema",
    "load_rules",
    "parse_duration",
    "rules_from_dict",
]


def rules_from_dict(data: Mapping[str, object]) -> Rules:
    """Rules from plain data (parsed TOML or JSON, or a host's own storage).

    Raises :class:`ConfigError` listing every problem, each with its key path.
    """
    problems: Problems = []
    try:
        checked = RULES.check(data, "", problems)
        if not isinstance(checked, dict):
            raise ConfigError(problems)
        rules = build_rules(checked, problems)
    except RecursionError:
        raise ConfigError([_TOO_DEEP]) from None
    if problems:
        raise ConfigError(problems)
    source = canonical(data)
    return attrs.evolve(rules, source=source, workflows=stamped(rules.workflows, source))


def canonical(data: Mapping[str, object]) -> str:
    """Rules data as canonical JSON: sorted keys, dates and times as ISO 8601 strings.

    ``rules_from_dict(json.loads(canonical(data)))`` gives the same rules again, which is
    how a store keeps the rules it runs under.
    """
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not rules data")


_TOO_DEEP = ConfigProblem("", "values are nested too deeply (no rules file needs that)")


_NOT_TOML = N_("is not valid TOML: {what} (at line {line}, column {column})")
_WHERE = re.compile(r"(?P<what>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)")
# What the TOML reader says most often, so the problem reads in the reader's words.
_TOML_WORDS = (
    N_("Expected ']' at the end of a table declaration"),
    N_("Expected ']]' at the end of an array declaration"),
    N_("Expected '=' after a key in a key/value pair"),
    N_("Invalid value"),
    N_("Invalid statement"),
    N_("Unterminated string"),
    N_("Cannot overwrite a value"),
)


def _not_toml(error: tomllib.TOMLDecodeError) -> str:
    """The reader's complaint with its line and column as a :class:`Phrase`."""
    found = _WHERE.fullmatch(str(error))
    if found is None:
        return f"is not valid TOML: {error}"
    what = found["what"]
    values: dict[str, object] = {**found.groupdict()}
    values["what"] = Phrase(what) if what in _TOML_WORDS else what
    return Phrase(_NOT_TOML, values)


def load_rules(path: str | Path) -> Rules:
    """Rules from a TOML file; a missing or malformed file is a :class:`ConfigError` too."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(str(source), "no such file")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([ConfigProblem(str(source), f"cannot be read: {error}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([ConfigProblem(str(source), _not_toml(error))]) from None
    except RecursionError:
        raise ConfigError([_TOO_DEEP]) from None
    except (ValueError, OverflowError) as error:  # the reader refuses an integer too long
        problem = "is not valid TOML: a number with thousands of digits (no rules file needs one)"
        if "digits" not in str(error):
            problem = f"is not valid TOML: {error}"
        raise ConfigError([ConfigProblem(str(source), problem)]) from None
    return rules_from_dict(data)
