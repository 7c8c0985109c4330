"""Which rules a store runs under: the one place that decides it, for the CLI and hosts."""

from __future__ import annotations

import json

import pendulum

from clientflow.config import rules_from_dict
from clientflow.config.model import Rules
from clientflow.core import Codec, ConfigError, ConfigProblem
from clientflow.ports import RulesRevision, Store

__all__ = ["records_codec", "rules_in_force"]


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
    revision = store.rules_revision()
    if revision is None:
        if given is None or not record_new:
            raise ConfigError([ConfigProblem("rules", missing)])
        return given, store.apply_rules(given.fingerprint, given.source, at)
    stored = rules_from_dict(json.loads(revision.source))
    if given is None or given.fingerprint == revision.fingerprint:
        return given or stored, revision
    if not replace:
        changed = ", ".join(stored.differences(given)) or "formatting only"
        message = mismatch.replace("{revision}", f"{revision.number}, {revision.fingerprint}")
        raise ConfigError([ConfigProblem("rules", message.replace("{changed}", changed))])
    return given, store.apply_rules(given.fingerprint, given.source, at)
