"""Which rules a store runs under: the one place that decides it, for the CLI and hosts."""

from __future__ import annotations

import json
from collections.abc import Sequence

import attrs
import pendulum

from clientflow.config import rules_from_dict
from clientflow.config.flow_versions import definition_fingerprint
from clientflow.config.flows import FlowSpec
from clientflow.config.model import Rules
from clientflow.core import Codec, ConcurrencyError, ConfigError, ConfigProblem
from clientflow.core.errors import N_, Phrase
from clientflow.ports import Query, RulesRevision, Store

__all__ = ["recorded_rules", "records_codec", "rules_in_force", "with_earlier_flows"]


def records_codec() -> Codec:
    """A codec for reading and writing a store's records before its rules are known.

    Kinds and event types are the same under any rules; no timer fires through it.
    """
    return Rules({}).codec()


def rules_in_force(
    store: Store,
    given: Rules | None,
    *,
    at: pendulum.DateTime,
    record_new: bool,
    replace: bool,
    missing: str,
    mismatch: str,
) -> tuple[Rules, RulesRevision]:
    """The rules ``store`` runs under, checked against ``given`` when there are some.

    A store without rules records ``given`` if ``record_new`` (else ``missing`` is the
    error); ``given`` rules that differ from the recorded ones become the new revision if
    ``replace`` (else ``mismatch`` is the error, with ``{revision}`` and ``{changed}``
    filled in).
    """
    for _ in range(10):  # another process may record a revision between look and write
        revision = store.rules_revision()
        try:
            return _decided(
                store,
                revision,
                given,
                at=at,
                record_new=record_new,
                replace=replace,
                missing=missing,
                mismatch=mismatch,
            )
        except ConcurrencyError:
            continue  # look again: the other process's revision is the one in force now
    raise ConfigError([ConfigProblem("rules", "the store's rules keep changing; try again")])


def _decided(
    store: Store,
    revision: RulesRevision | None,
    given: Rules | None,
    *,
    at: pendulum.DateTime,
    record_new: bool,
    replace: bool,
    missing: str,
    mismatch: str,
) -> tuple[Rules, RulesRevision]:
    if given is not None and not given.source and (revision is None or replace):
        raise ConfigError(
            [
                ConfigProblem(
                    "rules",
                    "rules built in code have no source to record in the store: build them"
                    " with rules_from_dict(...) or load_rules(path)",
                )
            ]
        )
    if revision is None:
        if given is None or not record_new:
            raise ConfigError([ConfigProblem("rules", missing)])
        return given, store.apply_rules(given.fingerprint, given.source, at, over=0)
    stored = recorded_rules(revision)
    if given is None or given.fingerprint == revision.fingerprint:
        return given or stored, revision
    if not replace:
        changed = ", ".join(stored.differences(given)) or "formatting only"
        message = mismatch.replace("{revision}", f"{revision.number}, {revision.fingerprint}")
        raise ConfigError([ConfigProblem("rules", message.replace("{changed}", changed))])
    _check_kept(store, stored, given)
    return given, store.apply_rules(given.fingerprint, given.source, at, over=revision.number)


_KEPT = N_(
    "cannot be dropped while the store holds {count} of its items (their histories are read by"
    " its declaration): keep it; a revision may change it and map its states with {migrate}"
)


def _check_kept(store: Store, stored: Rules, given: Rules) -> None:
    """Refuse ``given`` if it drops a ``[workflows.*]`` the store holds items of: their
    histories, rows and timers are read by its declaration (a revision may change one,
    and map its states, but not take it away)."""  # noqa: D205, D209
    problems = []
    for name in sorted(set(stored.workflows) - set(given.workflows)):
        held = store.counts(Query(kind=name), by="status")
        if held:
            count = sum(held.values())
            problems.append(
                ConfigProblem(
                    f"workflows.{name}",
                    Phrase(_KEPT, {"count": count, "migrate": f"[workflows.{name}.migrate]"}),
                )
            )
    if problems:
        raise ConfigError(problems)


def recorded_rules(revision: RulesRevision) -> Rules:
    """The rules a revision records; an unreadable record is a :class:`ConfigError`."""
    try:
        data = json.loads(revision.source)
    except ValueError:
        raise ConfigError(
            [
                ConfigProblem(
                    "rules",
                    f"revision {revision.number} ({revision.fingerprint}) in the store cannot"
                    " be read: record readable rules with `clientflow rules apply`",
                )
            ]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem("rules", f"revision {revision.number} is not a table")])
    return rules_from_dict(data)


def with_earlier_flows(rules: Rules, revisions: Sequence[RulesRevision]) -> Rules:
    """``rules`` knowing the earlier definitions of their ``[workflows]`` that the
    store's ``revisions`` recorded, so items opened under them go on by them.

    Only revisions holding a definition not seen yet are read; one this release cannot
    read any more leaves its definitions unknown (their items' commands are refused,
    naming the definition), never the workspace unopened.
    """  # noqa: D205
    if not rules.workflows:
        return rules
    current = {name: spec.fingerprint for name, spec in rules.workflows.items()}
    earlier: dict[str, dict[str, FlowSpec]] = {}
    for revision in reversed(revisions):  # newest first: recent definitions matter most
        try:
            data = json.loads(revision.source)
            declared = data.get("workflows") or {}
        except (ValueError, AttributeError):
            continue
        fresh = {
            name
            for name, table in declared.items()
            if name in current
            and isinstance(table, dict)
            and definition_fingerprint(table, data) not in {current[name], *earlier.get(name, {})}
        }
        if not fresh:
            continue
        try:
            old = recorded_rules(revision)
        except ConfigError:
            continue
        for name in fresh:
            spec = old.workflows[name]
            earlier.setdefault(name, {})[spec.fingerprint] = spec
    return attrs.evolve(rules, earlier=earlier) if earlier else rules
