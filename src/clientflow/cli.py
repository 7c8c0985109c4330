"""The ``clientflow`` command.

Exit codes: 0 success; 1 a clientflow error (bad input, a rules file with problems, a
store that cannot be opened, timers that failed), printed as one message without a
traceback unless ``--debug``; 2 a usage error (unknown command or option).
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pendulum

from clientflow import __version__, cadence, changes, escalation, feedback, risks, whatif
from clientflow.config import Rules, json_schema, load_rules
from clientflow.config.revisions import recorded_rules, records_codec, rules_in_force
from clientflow.core import (
    ClientflowError,
    Codec,
    CommandSet,
    ManualClock,
    TransitionTable,
    ValidationError,
    parse_instant,
)
from clientflow.core import zone as zone_info
from clientflow.demo import DAYS, run
from clientflow.engine import Engine
from clientflow.i18n import LOCALES, N_, Language, language
from clientflow.i18n.language import columns, wrap
from clientflow.notify.messages import details
from clientflow.ports import Notifier, Store
from clientflow.reports import (
    AUDIENCES,
    Portfolio,
    agenda_lines,
    health,
    owner_agenda,
    to_html,
    to_json,
    to_text,
)
from clientflow.reports.columns import fit
from clientflow.storage import SQLStore, open_store
from clientflow.storage.audit import check_store
from clientflow.storage.kinded import Kinded
from clientflow.whatif import SweepGrid, what_if
from clientflow.workspace import outputs_schema

__all__ = ["DIAGRAMS", "main"]


_CLICK_WORDS = (
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Usage:"),
    N_("Options:"),
    N_("Commands:"),
    N_("default: {default}"),
    N_("required"),
)
"""What click itself writes in a help page, as message ids."""
_LOCALE_KEY = "clientflow.locale"


def _help_language(ctx: click.Context) -> Language:
    """The language of help pages and progress lines: ``--locale`` anywhere on the
    command line, else the environment's (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: a
    ``zh`` one reads Chinese), else English."""  # noqa: D205, D209
    given = ctx.meta.get(_LOCALE_KEY)
    return language(given if isinstance(given, str) else _environment_locale())


def _environment_locale() -> str:
    """The locale the environment asks for (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: a
    ``zh`` one reads Chinese), else English."""  # noqa: D205, D209
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    return "en"


def _said(message: str, **values: object) -> str:
    """``message`` (a message id) in the language of the command line being run."""
    return _help_language(click.get_current_context()).gettext(message).format(**values)


def _short(command: click.Command, lang: Language, limit: int) -> str:
    """A command's line in the list of commands: click's own in English, else the first
    sentence of the translation, cut to ``limit`` display cells."""  # noqa: D205, D209
    text = inspect.cleandoc(command.help or "")
    translated = lang.gettext(text)
    if translated == text:
        return command.get_short_help_str(limit)
    first = translated.strip().split("\n", 1)[0].split("。", 1)[0]
    return fit(first, limit).rstrip()


def _section(formatter: click.HelpFormatter, heading: str, rows: list[tuple[str, str]]) -> None:
    """A titled list in a help page, the heading as ``lang`` writes it ("Options:", "选项：")."""
    formatter.write_paragraph()
    formatter.write(f"{'':>{formatter.current_indent}}{heading}\n")
    with formatter.indentation():
        formatter.write_dl(rows)


class _Translated(click.Command):
    """A command whose help page speaks the reader's language (see _help_language)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        found = _reader_locale(args)
        if found is not None:
            ctx.meta[_LOCALE_KEY] = found
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = _help_language(ctx)
        prefix = lang.gettext("Usage:") + (" " if lang.locale == "en" else "")
        pieces = " ".join(self.collect_usage_pieces(ctx))
        formatter.write_usage(ctx.command_path, pieces, prefix=prefix)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.help:
            lang = _help_language(ctx)
            formatter.write_paragraph()
            with formatter.indentation():
                text = lang.gettext(inspect.cleandoc(self.help))
                width = formatter.width - formatter.current_indent
                formatter.write_text(_wrapped(text, width, lang))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = _help_language(ctx)
        rows = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None or isinstance(param, click.Argument):
                continue
            names, text = record
            help_text = getattr(param, "help", None)
            if help_text and text.startswith(help_text):
                text = lang.gettext(help_text) + text[len(help_text) :]
            if lang.locale != "en":
                text = _extras(text, lang)
            rows.append((names, text))
        if rows:
            # write_dl's own arithmetic: the names column, capped at 30, then two spaces
            column = min(max(len(names) for names, _ in rows), 30) + 2  # names are ASCII
            width = formatter.width - formatter.current_indent - 2 - column - 2
            rows = [(names, _wrapped(text, width, lang)) for names, text in rows]
            _section(formatter, lang.gettext("Options:"), rows)


def _wrapped(text: str, width: int, lang: Language) -> str:
    """Chinese help text cut by display width (click counts characters, so a Chinese line
    would run twice as wide as the terminal), marked for click not to wrap it again."""  # noqa: D205, D209
    if lang.locale == "en":
        return text
    paragraphs = ["\b\n" + "\n".join(wrap(part, max(width, 20))) for part in text.split("\n\n")]
    return "\n\n".join(paragraphs)


def _extras(text: str, lang: Language) -> str:
    """Click's ``[default: x; required]`` after an option's help, in ``lang``."""
    match = re.search(r"\s*\[([^\[\]]*)\]$", text)
    if match is None:
        return text
    parts = []
    for part in match.group(1).split("; "):
        if part == "required":
            parts.append(lang.gettext("required"))
        elif part.startswith("default: "):
            parts.append(lang.gettext("default: {default}").format(default=part[9:]))
        else:
            parts.append(part)
    head = text[: match.start()]
    end = head[-1:] if head.endswith(("。", ".")) else ""
    # The aside belongs to the sentence: before its full stop (“…死信（默认：notifier）。”).
    head = head[: len(head) - len(end)]
    if lang.locale != "en" and head.endswith("）"):  # one aside, not two back to back
        return head[:-1] + "；" + "；".join(parts) + "）" + end
    return head + lang.aside("；".join(parts)) + end


class _Group(_Translated, click.Group):
    """The ``clientflow`` group: its commands and theirs translate their help too."""

    command_class = _Translated
    group_class = type

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _Translated.format_options(self, ctx, formatter)
        lang = _help_language(ctx)
        shown = [
            (name, command)
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        limit = formatter.width - 6 - max((len(name) for name, _ in shown), default=0)
        rows = [(name, _short(command, lang, limit)) for name, command in shown]
        if rows:
            _section(formatter, lang.gettext("Commands:"), rows)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_(
        "Client-management workflows for project teams.\n\nExit codes: 0 success, 1 an"
        " error (one message; tracebacks only with --debug), 2 a usage error."
    ),
)
@click.version_option(__version__, prog_name="clientflow")
@click.option("--debug", is_flag=True, help=N_("Show tracebacks for errors."))
@click.option(
    "--locale",
    "reader_locale",
    type=click.Choice(LOCALES),
    default=None,
    help=N_(
        "The language of help pages, progress lines and errors, for every command"
        " (default: a command's own --locale, else LC_ALL, LC_MESSAGES or LANG)."
    ),
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, reader_locale: str | None) -> None:
    """The ``clientflow`` command group (its help is the ``help`` above, translated)."""
    del reader_locale  # read from the whole command line before parsing (_reader_locale)
    ctx.obj = {"debug": debug}


_STORE = click.option(
    "--store",
    "store_url",
    required=True,
    help=N_("Store URL: sqlite:///file.db, postgresql+psycopg://..., mysql+pymysql://..."),
)
_LOCALE = click.option(
    "--locale",
    type=click.Choice(LOCALES),
    # A PM whose terminal reads Chinese gets Chinese without asking, as help pages do.
    default=_environment_locale,
    help=N_(
        "The language people read (JSON keeps stable English keys). Default: the"
        " terminal's, from LC_ALL, LC_MESSAGES or LANG: zh reads Chinese, else en."
    ),
)
_RULES = click.option(
    "--rules",
    "rules_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=N_("Rules file (TOML); must be the revision the store runs under. Default: the store's."),
)
_NOW = click.option(
    "--now",
    default=None,
    help=N_("The instant to act at, ISO 8601 with offset (default: the system clock)."),
)


@contextmanager
def _with_rules(url: str, rules_file: Path | None) -> Iterator[tuple[Store, Rules]]:
    """The store, and the rules it runs under (checked against --rules when given).

    The store keeps neutral records: read it with the rules' kinds (``rules.codec()``).
    """
    given = None if rules_file is None else load_rules(rules_file)
    with _opened(url) as store:
        rules, _ = rules_in_force(
            store,
            given,
            at=pendulum.now("UTC"),
            record_new=False,
            replace=False,
            missing=f"{url} has no rules recorded; apply them first: "
            f"clientflow rules apply --store {url} RULES_FILE",
            mismatch=f"{rules_file} differs from the rules {url} runs under (revision "
            f"{{revision}}) in: {{changed}}; apply it first: "
            f"clientflow rules apply --store {url} {rules_file}",
        )
        yield store, rules


def _now(text: str | None) -> pendulum.DateTime:
    return pendulum.now("UTC") if text is None else parse_instant(text, "--now")


@contextmanager
def _opened(url: str, *, create: bool = False) -> Iterator[Store]:
    store = open_store(url, create=create)
    try:
        yield store
    finally:
        store.close()


def _portfolio(
    store: Store, kinds: Codec, *, client: str | None = None, owner: str | None = None
) -> Portfolio:
    aggregates = Kinded(store, kinds)
    if not sys.stderr.isatty():  # a pipe or a log: no progress bar to interleave
        return Portfolio.from_store(store, aggregates=aggregates, client=client, owner=owner)
    label = _help_language(click.get_current_context()).gettext("reading the store")
    with click.progressbar(length=0, label=label, file=sys.stderr, show_pos=True) as bar:
        found = Portfolio.from_store(
            store, aggregates=aggregates, client=client, owner=owner, progress=bar.update
        )
    click.echo("", err=True)  # the bar leaves its line open
    return found


@cli.command(
    help=N_("Real calendars, then 90 days of four clients run by the engine, and their health.")
)
@click.option(
    "--store",
    "store_url",
    default=None,
    help=N_("Store URL for the demo's data (default: a new SQLite file in a temporary folder)."),
)
@_LOCALE
def demo(store_url: str | None, locale: str) -> None:
    """The ``demo`` command (its help is above, translated)."""
    if store_url is None:
        folder = Path(tempfile.mkdtemp(prefix="clientflow-demo-"))
        store_url = f"sqlite:///{folder / 'demo.db'}"
    label = language(locale).gettext("simulating days")
    with click.progressbar(length=DAYS, label=label, file=sys.stderr) as bar:
        run(click.echo, store_url, progress=bar.update, locale=locale)


@cli.command(help=N_("Validate RULES_FILE; every problem is listed with its key path."))
@click.argument("rules_file", type=click.Path(dir_okay=False, path_type=Path))
@_NOW
def check(rules_file: Path, now: str | None) -> None:
    """The ``check`` command (its help is above, translated)."""
    rules = load_rules(rules_file)
    sla = len(rules.sla.policies) if rules.sla else 0
    said = N_(
        "{file}: ok ({calendars} calendars, {sla} SLA policies, {escalation} escalation"
        " policies, {approval} approval policies, {plans} plans, {clients} clients)"
    )
    click.echo(
        _said(
            said, file=rules_file, calendars=len(rules.calendars), sla=sla,
            escalation=len(rules.escalation), approval=len(rules.approval),
            plans=len(rules.plans), clients=len(rules.clients),
        )
    )  # fmt: skip
    for warning in rules.calendar_warnings(_now(now)):
        click.echo(_said(N_("warning: {warning}"), warning=warning))


@cli.command(
    help=N_("Print the JSON Schema of the rules file (or, with --outputs, of the JSON forms).")
)
@click.option("--outputs", is_flag=True, help=N_("The schema of the JSON outputs instead."))
def schema(outputs: bool) -> None:
    """The ``schema`` command (its help is above, translated)."""
    click.echo(outputs_schema() if outputs else json_schema(), nl=False)


@cli.command(
    help=N_(
        "Fire every timer due by --now once, and print what fired.\n\nExits 1 if some"
        " timers failed (each is listed; the others still fired)."
    )
)
@_STORE
@_NOW
@_RULES
def sweep(store_url: str, now: str | None, rules_file: Path | None) -> None:
    """The ``sweep`` command (its help is above, translated)."""
    at = _now(now)
    with _with_rules(store_url, rules_file) as (store, rules):
        report = Engine(store, kinds=rules.codec(), clock=ManualClock(at)).sweep(at)
    for aggregate_id, events in report.fired:
        for event in events:
            click.echo(f"{aggregate_id:<16} {event.event_type:<32} {details(event)}".rstrip())
    for aggregate_id, reason in report.failed:
        failed = _said(N_("failed: {reason}"), reason=reason)
        click.echo(f"{aggregate_id:<20} {failed}", err=True)
    fired = sum(len(events) for _, events in report.fired)
    lang = _help_language(click.get_current_context())
    when = at.to_iso8601_string() if lang.locale == "en" else lang.instant(at, "Asia/Shanghai")
    said = N_(
        "swept at {when}: {fired} events on {aggregates} aggregates, {failed} failed,"
        " {skipped} skipped"
    )
    click.echo(
        _said(
            said, when=when, fired=fired, aggregates=len(report.fired),
            failed=len(report.failed), skipped=len(report.skipped),
        )
    )  # fmt: skip
    if report.failed:
        sys.exit(1)


@cli.command(
    help=N_(
        "What --owner has overdue, due today, this week, next week and later:"
        " communications, issues, follow-ups, risks."
    )
)
@_STORE
@click.option("--owner", required=True, help=N_("Whose agenda: a person's id, e.g. li.wei."))
@click.option(
    "--timezone",
    default=None,
    help=N_("The owner's time zone (default: theirs in [people], else UTC)."),
)
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 90))
@click.option(
    "--locale",
    type=click.Choice(LOCALES),
    default=None,
    help=N_("The language of the agenda (default: the owner's in [people], else en)."),
)
@_NOW
@_RULES
def agenda(  # noqa: PLR0917 - click passes each option as an argument
    store_url: str,
    owner: str,
    timezone: str | None,
    days: int,
    locale: str | None,
    now: str | None,
    rules_file: Path | None,
) -> None:
    """The ``agenda`` command (its help is above, translated)."""
    at = _now(now)
    with _with_rules(store_url, rules_file) as (store, rules):
        portfolio = _portfolio(store, rules.codec(), owner=owner)
    known_locale, known_zone = rules.person_reader(owner)
    lang = language(locale or known_locale)
    tz = timezone or known_zone
    items = owner_agenda(portfolio, rules, owner=owner, at=at, days=days, timezone=tz, lang=lang)
    lines = agenda_lines(items, at=at, timezone=tz, lang=lang)
    if not lines and rules.people and not rules.knows_person(owner):
        # Most likely a misspelt id: say so (exit 1) rather than report an empty agenda.
        raise ValidationError(
            "--owner",
            N_("a person of [people] ({people})"),
            got=owner,
            values={"people": tuple(sorted(rules.people))},
        )
    if not lines:
        click.echo(
            lang.gettext("Nothing due for {owner} in the next {days} days.").format(
                owner=rules.person_name(owner), days=days
            )
        )
    for line in lines:
        click.echo(line)


@cli.command(
    help=N_("Per-client health: communications, escalations, SLA, CSAT/NPS and trend, scope.")
)
@_STORE
@click.option("--client", default=None, help=N_("Only this client (its id in the rules)."))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
)
@click.option("--days", default=90, show_default=True, type=click.IntRange(7, 3650))
@_LOCALE
@click.option(
    "--timezone",
    default=None,
    help=N_(
        "The reader's time zone for the report's instant (default: Asia/Shanghai for"
        " zh_CN, else UTC)."
    ),
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=None,
    help=N_(
        "Who reads the text or HTML: a client (one client's page: --client is needed; no"
        " ids, internal risks or internal targets) or the team (everything). Default:"
        " client with --client, else team. JSON always has everything."
    ),
)
@_NOW
@_RULES
def report(  # noqa: PLR0917 - click passes each option as an argument
    store_url: str,
    client: str | None,
    fmt: str,
    days: int,
    locale: str,
    timezone: str | None,
    audience: str | None,
    now: str | None,
    rules_file: Path | None,
) -> None:
    """The ``report`` command (its help is above, translated)."""
    at = _now(now)
    if audience is None:
        audience = "team" if client is None else "client"
    if audience == "client" and client is None:
        # A client reads its own page, never the portfolio of every client.
        raise click.UsageError(
            _said(N_("--audience client needs --client: a client's report shows that client only"))
        )
    with _with_rules(store_url, rules_file) as (store, rules):
        if client is not None:
            rules.client(client)  # an unknown client is an error naming it
        portfolio = _portfolio(store, rules.codec(), client=client)
    rows = list(
        health(portfolio, rules, at, days=days, clients=None if client is None else [client])
    )
    lang = language(locale)
    if fmt == "json":
        click.echo(to_json(rows), nl=False)
    else:
        zone = timezone or ("Asia/Shanghai" if locale == "zh_CN" else "UTC")
        zone_info(zone, "--timezone")  # an unknown zone is an error naming the option
        render = to_text if fmt == "text" else to_html
        click.echo(render(rows, lang=lang, timezone=zone, audience=audience), nl=False)


@cli.command(
    "risks",
    help=N_(
        "A client's risk register as CSV or JSON, to attach to a monthly meeting.\n\n"
        "--audience client (the default) keeps the risks the client may see and leaves out"
        " ids, money, contingency plans and the visibility flag; --audience team exports"
        " everything. JSON keys stay English; CSV column names are English keys for the"
        " team, and in --locale for a client; statements, ratings and dates are in"
        " --locale (and in CSV statuses, categories and names too)."
    ),
)
@_STORE
@click.option("--client", required=True, help=N_("Whose register: a client id in the rules."))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option("--open-only", is_flag=True, help=N_("Leave out closed risks."))
@click.option(
    "--audience",
    type=click.Choice(risks.REGISTER_AUDIENCES),
    default="client",
    show_default=True,
    help=N_(
        "Who reads the export: the client (its visible risks, no ids, money or"
        " contingency plans) or the team, who sees everything."
    ),
)
@_LOCALE
@click.option(
    "--timezone",
    default=None,
    help=N_(
        "The reader's time zone for review dates (default: Asia/Shanghai for zh_CN;"
        " English keeps ISO stamps in UTC)."
    ),
)
@_RULES
def risks_command(  # noqa: PLR0917 - click passes each option as an argument
    store_url: str,
    client: str,
    fmt: str,
    open_only: bool,
    audience: str,
    locale: str,
    timezone: str | None,
    rules_file: Path | None,
) -> None:
    """The ``risks`` command (its help is above, translated)."""
    with _with_rules(store_url, rules_file) as (store, rules):
        rules.client(client)  # an unknown client is an error naming it
        portfolio = _portfolio(store, rules.codec(), client=client)
    zone = timezone or ("Asia/Shanghai" if locale == "zh_CN" else "UTC")
    zone_info(zone, "--timezone")  # an unknown zone is an error naming the option
    lang = language(locale)
    register = [r for r in portfolio.risks if not (open_only and r.status == "closed")]
    if fmt == "json":
        rows = risks.register_rows(register, lang, zone, audience=audience)
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        text = risks.register_csv(register, lang, zone, names=rules.names, audience=audience)
        click.echo(text, nl=False)


def _instant_or_day(text: str, option: str) -> pendulum.DateTime:
    """An ISO instant with an offset, or a date (its midnight in UTC)."""
    if len(text) == len("2026-09-01") and "T" not in text:
        try:
            day = pendulum.Date.fromisoformat(text)
        except ValueError:
            raise ValidationError(option, "a date YYYY-MM-DD or an ISO instant", got=text) from None
        return pendulum.datetime(day.year, day.month, day.day)
    return parse_instant(text, option)


@cli.command(
    "what-if",
    help=N_(
        "Replay a period under proposed rules and compare (nothing is written).\n\n"
        "Facts (what people and clients did) are kept at their instants; SLA clocks,"
        " thresholds, escalations and client notices, change approval routes and"
        " decisions, communication plan alerts, risk review alerts and whether surveys"
        " go, wait or are dropped are derived again. JSON keeps English keys:"
        " total.delta.breached is the number of additional breaches."
    ),
)
@_STORE
@click.option(
    "--rules",
    "rules_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("The proposed rules (TOML), compared with the rules the store runs under."),
)
@click.option("--from", "since", required=True, help=N_("Start: a date (UTC midnight) or instant."))
@click.option("--to", "until", required=True, help=N_("End (excluded): a date or an instant."))
@click.option("--client", "clients", multiple=True, help=N_("Only this client (repeat for more)."))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
)
@click.option(
    "--sweep-every",
    type=click.IntRange(1, 24 * 60),
    default=None,
    help=N_("Minutes between the replayed sweeps (default: each timer fires when due)."),
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help=N_("Processes replaying the issues of a SQL store."),
)
@_LOCALE
def what_if_command(  # noqa: PLR0917 - click passes each option as an argument
    store_url: str,
    rules_file: Path,
    since: str,
    until: str,
    clients: tuple[str, ...],
    fmt: str,
    sweep_every: int | None,
    workers: int,
    locale: str,
) -> None:
    """The ``what-if`` command (its help is above, translated)."""
    proposed = load_rules(rules_file)
    start, end = _instant_or_day(since, "--from"), _instant_or_day(until, "--to")
    grid = SweepGrid(None if sweep_every is None else pendulum.duration(minutes=sweep_every))
    with _with_rules(store_url, None) as (store, rules):
        for client in clients:
            rules.client(client)  # an unknown client is an error naming the known ones
        result = what_if(
            store,
            rules,
            proposed,
            since=start,
            until=end,
            clients=clients or None,
            sweeps=grid,
            workers=workers,
        )

    def name(client: str) -> str:
        found = rules.clients.get(client)
        return client if found is None else found.name

    lang = language(locale)
    if fmt == "json":
        click.echo(whatif.to_json(result))
    elif fmt == "html":
        click.echo(whatif.to_html(result, lang=lang, names=name))
    else:
        click.echo(whatif.to_text(result, lang=lang, names=name), nl=False)


DIAGRAMS: dict[str, TransitionTable] = {
    "cadence": cadence.OCCURRENCE_TABLE,
    "changes": changes.TABLE,
    "escalation": escalation.TABLE,
    "feedback": feedback.TABLE,
    "risks": risks.TABLE,
    "surveys": feedback.SURVEY_TABLE,
}
"""Each workflow's transition table, by the name the ``diagram`` command takes."""


@cli.command(
    help=N_(
        "Print the state diagram of WORKFLOW, generated from its machine declaration:"
        " a built-in workflow or, with --rules, one a rules file declares."
    )
)
@click.argument("workflow")
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=N_("A rules file: WORKFLOW may then be one of its [workflows.<name>]."),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot", "svg"]),
    default="mermaid",
    show_default=True,
    help=N_("Mermaid for Markdown pages, dot for Graphviz, svg rendered by Graphviz's dot."),
)
def diagram(workflow: str, rules_file: Path | None, fmt: str) -> None:
    """The ``diagram`` command (its help is above, translated)."""
    table = DIAGRAMS.get(workflow)
    if table is None:
        declared = (
            {} if rules_file is None else {w.name: w for w in load_rules(rules_file).custom()}
        )
        if workflow not in declared:
            where = "" if rules_file else " (or a [workflows.<name>] of a file given with --rules)"
            raise click.BadParameter(
                f"expected one of {', '.join(sorted({*DIAGRAMS, *declared}))}{where},"
                f" got {workflow!r}",
                param_hint="WORKFLOW",
            )
        table = declared[workflow].table
    if fmt == "mermaid":
        click.echo(table.mermaid(), nl=False)
    elif fmt == "dot":
        click.echo(table.dot(), nl=False)
    else:
        click.echo(table.svg(), nl=False)


@cli.group(
    "rules",
    help=N_("The rules a store runs under: apply a new revision, or show the one in force."),
)
def rules_group() -> None:
    """The ``rules`` command (its help is above, translated)."""


def _counts(
    counts: Mapping[str, Mapping[str, int]], rules: Rules, lang: Language
) -> list[tuple[str, str]]:
    """``status``'s lines of counts: each kind by what people call one of its items and
    each state by its words, in the reader's language (a state without words by its
    name, as a rules-file workflow declares it)."""  # noqa: D205, D209
    sets: list[CommandSet[Any]] = [
        changes.COMMANDS,
        escalation.COMMANDS,
        feedback.COMMANDS,
        cadence.COMMANDS,
        risks.COMMANDS,
        *(workflow.declared for workflow in rules.custom()),
    ]
    declared = {found.kind: found for found in sets}
    lines = []
    for kind, statuses in counts.items():
        commands = declared.get(kind)
        noun = kind if commands is None else lang.gettext(commands.noun)
        words = {} if commands is None else commands.state_words
        said = [f"{lang.gettext(words.get(s, s))} {n}" for s, n in sorted(statuses.items())]
        lines.append((noun, lang.comma.join(said)))
    return lines


@cli.command(
    help=N_(
        "Schema, rules revision, aggregates by kind and status, sweep lag, delivery"
        " backlog.\n\nExits 1 when something needs an operator: failing timers or"
        " parked events."
    )
)
@_STORE
@click.option(
    "--consumer",
    "consumers",
    multiple=True,
    help=N_("Another feed consumer to report besides 'notifier' (repeatable)."),
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_NOW
def status(store_url: str, consumers: tuple[str, ...], fmt: str, now: str | None) -> None:
    """The ``status`` command (its help is above, translated)."""
    at = _now(now)
    with _opened(store_url) as reader:
        revision = reader.rules_revision()
        version = reader.schema_version() if isinstance(reader, SQLStore) else None
    if revision is None:
        raise click.ClickException(
            _said(N_("{store} has no rules recorded; run clientflow init"), store=store_url)
        )
    rules = recorded_rules(revision)
    with _opened(store_url) as store:
        found = Engine(store, kinds=rules.codec(), clock=ManualClock(at)).status(consumers)
    data = {
        "store": store_url,
        "at": at.to_iso8601_string(),
        "schema_version": version,
        "rules": {
            "revision": revision.number,
            "fingerprint": revision.fingerprint,
            "applied_at": revision.applied_at.to_iso8601_string(),
        },
        "aggregates": found.counts,
        "oldest_due_timer": None if found.oldest_due is None else found.oldest_due.isoformat(),
        "sweep_lag_seconds": None
        if found.sweep_lag is None
        else int(found.sweep_lag.total_seconds()),
        "failing_timers": found.failing_timers,
        "consumers": [
            {"name": c.name, "position": c.position, "backlog": c.backlog, "parked": c.parked}
            for c in found.consumers
        ],
    }
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
    else:
        said = N_("{store}: schema {version}, rules revision {number}")
        click.echo(_said(said, store=store_url, version=version, number=revision.number))
        lang = _help_language(click.get_current_context())
        lines = _counts(found.counts, rules, lang)
        lag = (
            _said(N_("none due"))
            if found.sweep_lag is None
            else _said(N_("{span} behind"), span=lang.duration(found.sweep_lag))
        )
        timers = _said(N_("{lag}; {n} failing"), lag=lag, n=found.failing_timers)
        lines.append((_said(N_("timers")), timers))
        delivery = N_("{name}: at {position}, {backlog} waiting, {parked} parked")
        lines.extend(
            (
                _said(N_("delivery")),
                _said(
                    delivery,
                    name=consumer.name,
                    position=consumer.position,
                    backlog=consumer.backlog,
                    parked=consumer.parked,
                ),
            )
            for consumer in found.consumers
        )
        for line in columns(lines, right=False):
            click.echo(f"  {line}")
    if found.failing_timers or any(c.parked for c in found.consumers):
        sys.exit(1)


@cli.command(help=N_("Create a store (its tables) and make RULES_FILE the rules it runs under."))
@_STORE
@click.argument("rules_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def init(store_url: str, rules_file: Path) -> None:
    """The ``init`` command (its help is above, translated)."""
    rules = load_rules(rules_file)
    with _opened(store_url, create=True) as store:
        before = store.rules_revision()
        if before is not None and before.fingerprint != rules.fingerprint:
            raise click.ClickException(
                _said(
                    N_(
                        "{store} already runs under other rules (revision {revision}); change"
                        " them with: clientflow rules apply --store {store} {rules}"
                    ),
                    store=store_url,
                    revision=before.number,
                    rules=rules_file,
                )
            )
        revision = store.apply_rules(rules.fingerprint, rules.source, pendulum.now("UTC"))
    said = (
        N_("{store}: already initialised, rules revision {number} ({fingerprint})")
        if before is not None
        else N_("{store}: created, rules revision {number} ({fingerprint})")
    )
    click.echo(
        _said(said, store=store_url, number=revision.number, fingerprint=revision.fingerprint)
    )


@rules_group.command(
    "apply",
    help=N_(
        "Make RULES_FILE the revision the store runs under (creating the store if"
        " new).\n\nAggregates in flight keep the policies they snapshotted; new"
        " commands and sweeps use the new rules, and any other rules are refused"
        " until applied."
    ),
)
@_STORE
@click.argument("rules_file", type=click.Path(dir_okay=False, path_type=Path))
def rules_apply(store_url: str, rules_file: Path) -> None:
    """The ``rules apply`` command (its help is above, translated)."""
    new = load_rules(rules_file)
    with _opened(store_url, create=True) as store:
        before = store.rules_revision()
        # as clientflow.open(..., apply=True) decides: the same checks (a workflow that
        # still has items kept) and the same guard against a revision applied meanwhile
        _, revision = rules_in_force(
            store,
            new,
            at=pendulum.now("UTC"),
            record_new=True,
            replace=True,
            missing="",
            mismatch="",
        )
    if before is not None and before.number == revision.number:
        said = N_("{store}: already on these rules (revision {number})")
        click.echo(_said(said, store=store_url, number=revision.number))
        return
    applied = N_("{store}: rules revision {number} ({fingerprint}) applied")
    text = _said(applied, store=store_url, number=revision.number, fingerprint=revision.fingerprint)
    if before is not None:
        differences = ", ".join(recorded_rules(before).differences(new))
        changed = differences or _said(N_("formatting only"))
        text += _said(N_("; changed: {what}"), what=changed)
    click.echo(text)


@rules_group.command("show", help=N_("Print the rules revision a store runs under, as JSON."))
@_STORE
def rules_show(store_url: str) -> None:
    """The ``rules show`` command (its help is above, translated)."""
    with _opened(store_url) as store:
        revision = store.rules_revision()
    if revision is None:
        raise click.ClickException(
            _said(N_("{store} has no rules recorded; run clientflow init"), store=store_url)
        )
    click.echo(
        f"# revision {revision.number} ({revision.fingerprint}), applied "
        f"{revision.applied_at.to_iso8601_string()}"
    )
    recorded_rules(revision)  # an unreadable record is a ConfigError, not a traceback
    click.echo(json.dumps(json.loads(revision.source), indent=2, ensure_ascii=False))


@cli.command(
    help=N_(
        "Upgrade a SQL store's tables to this release's schema, keeping all"
        " data.\n\nThe read side is then checked against the events under the rules"
        " the store records (and mended where it differs), as ``check-store --fix``"
        " does."
    )
)
@_STORE
def migrate(store_url: str) -> None:
    """The ``migrate`` command (its help is above, translated)."""
    with _opened(store_url) as store:
        if not isinstance(store, SQLStore):
            raise click.ClickException(
                _said(N_("{store} is not a SQL store; nothing to migrate"), store=store_url)
            )
        before = store.schema_version()
        after = store.migrate(records_codec())
        revision = store.rules_revision()
    click.echo(
        _said(
            N_("{store}: schema version {before} -> {after}"),
            store=store_url,
            before=before,
            after=after,
        )
    )
    if revision is None:
        said = N_(
            "{store}: no rules recorded; after `clientflow rules apply`, run"
            " `clientflow check-store --store {store} --fix` to derive the read side"
        )
        click.echo(_said(said, store=store_url))
        return
    with _opened(store_url) as store:
        checked = check_store(store, recorded_rules(revision).codec(), fix=True)
    said = N_("{store}: read side checked against the events ({n} aggregates, {fixed} mended)")
    click.echo(_said(said, store=store_url, n=checked.checked, fixed=checked.fixed))


@cli.command(
    "check-store",
    help=N_(
        "Compare every snapshot and read-side row with what the events say, under the"
        " rules the store runs under; exits 1 when something differs (and was not"
        " fixed)."
    ),
)
@_STORE
@click.option("--fix", is_flag=True, help=N_("Write the rebuilt snapshot and row back."))
def check_store_command(store_url: str, fix: bool) -> None:
    """The ``check-store`` command (its help is above, translated)."""
    with _with_rules(store_url, None) as (store, rules):
        checked = check_store(store, rules.codec(), fix=fix)
    for problem in checked.problems:
        click.echo(f"{problem.aggregate_id}: {problem.what}")
    state = (
        _said(N_("ok"))
        if not checked.problems
        else _said(N_("{n} problem(s)"), n=len(checked.problems))
    )
    said = N_("{store}: {n} aggregates checked, {state}")
    text = _said(said, store=store_url, n=checked.checked, state=state)
    if fix:
        text += _said(N_(", {n} aggregate(s) mended"), n=checked.fixed)
    click.echo(text)
    if not checked.ok:
        sys.exit(1)


@cli.command(
    help=N_("Move a feed counter left behind the events (after a partial restore) up to them.")
)
@_STORE
def repair(store_url: str) -> None:
    """The ``repair`` command (its help is above, translated)."""
    with _opened(store_url) as store:
        if not isinstance(store, SQLStore):
            raise click.ClickException(
                _said(N_("{store} is not a SQL store; nothing to repair"), store=store_url)
            )
        position = store.repair_feed_counter()
        said = (
            N_("{store}: feed counter at {position}")
            if store.feed_counter
            else N_(
                "{store}: nothing to repair: this database numbers the events itself"
                " (newest position {position})"
            )
        )
    click.echo(_said(said, store=store_url, position=position))


@cli.command(
    help=N_("List the events delivery gave up on (the dead-letter); retry or discard one.")
)
@_STORE
@click.option("--consumer", default="notifier", show_default=True, help=N_("Whose parked events."))
@click.option("--retry", "retry", type=int, default=None, help=N_("Offer this position again."))
@click.option("--discard", "discard", type=int, default=None, help=N_("Drop this position."))
@click.option(
    "--notifier",
    "notifier_path",
    default=None,
    help=N_("Your notifier for --retry, as module:attribute (a Notifier or a factory of one)."),
)
def parked(
    store_url: str, consumer: str, retry: int | None, discard: int | None, notifier_path: str | None
) -> None:
    """The ``parked`` command (its help is above, translated)."""
    if retry is not None and notifier_path is None:
        raise click.UsageError(
            _said(N_("--retry needs --notifier module:attribute to deliver with"))
        )
    notifier = None if notifier_path is None else _import_notifier(notifier_path)
    with _opened(store_url) as store:
        engine = Engine(store, kinds=records_codec(), notifier=notifier, consumer=consumer)
        if discard is not None:
            engine.discard_parked(discard)
            click.echo(_said(N_("discarded position {position}"), position=discard))
        if retry is not None:
            taken = engine.retry_parked(retry)
            said = (
                N_("position {position}: delivered")
                if taken
                else N_("position {position}: refused again")
            )
            click.echo(_said(said, position=retry))
        parked_now = engine.parked()
        for entry in parked_now:
            tries = _said(N_("{n} tries"), n=entry.attempts)
            at = _said(N_("parked {at}"), at=entry.parked_at.to_iso8601_string())
            click.echo(f"{entry.position:>8}  {entry.event_id:<24} {tries:>9}  {at}  {entry.error}")
        click.echo(_said(N_("{n} parked for {consumer}"), n=len(parked_now), consumer=consumer))


def _import_notifier(path: str) -> Notifier:
    module_name, _, attribute = path.partition(":")
    try:
        found: object = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise click.BadParameter(
            f"cannot import {path!r}: {error}", param_hint="--notifier"
        ) from None
    if isinstance(found, type) or (not isinstance(found, Notifier) and callable(found)):
        found = found()  # a class or factory (a class has ``notify`` too, unbound)
    if not isinstance(found, Notifier):
        raise click.BadParameter(f"{path!r} is not a Notifier", param_hint="--notifier")
    return found


def _reader_locale(args: list[str]) -> str | None:
    """The ``--locale`` given on the command line, if it is one clientflow ships."""
    for i, arg in enumerate(args):
        value = args[i + 1] if arg == "--locale" and i + 1 < len(args) else None
        if arg.startswith("--locale="):
            value = arg.partition("=")[2]
        if value in LOCALES:
            return value
    return None


_TRY = N_("Try '{command} --help' for help.")
_NO_OPTION = N_("no option {option}")
_NO_OPTION_MEANT = N_("no option {option}; did you mean {choices}?")
_MISSING_OPTION = N_("missing option {name}")
_MISSING_ARGUMENT = N_("missing argument {name}")
_NOT_A_CHOICE = N_("the value {value} of {name} is not valid; choose {choices}")
_BAD_VALUE = N_("invalid value for {name}: {problem}")
_NO_SUCH_COMMAND = N_("no command {name}")
_NO_COMMAND = re.compile(r"No such command '(?P<name>.*)'\.")
_CHOICE_VALUE = re.compile(r"'(?P<value>.*)' is not (one of )?")


def _click_problem(error: click.ClickException, lang: Language) -> str:
    """Click's own complaint (an unknown option, a missing or bad value) in ``lang``;
    what click says that has no sentence here stays as click wrote it."""  # noqa: D205, D209
    if isinstance(error, click.NoSuchOption):
        if error.possibilities:
            meant = lang.items(sorted(error.possibilities))
            return lang.gettext(_NO_OPTION_MEANT).format(option=error.option_name, choices=meant)
        return lang.gettext(_NO_OPTION).format(option=error.option_name)
    command = _NO_COMMAND.fullmatch(error.message)
    if command is not None:
        return lang.gettext(_NO_SUCH_COMMAND).format(name=command["name"])
    param = getattr(error, "param", None)
    if not isinstance(error, click.BadParameter) or param is None:
        return error.format_message()
    name = param.opts[0] if isinstance(param, click.Option) else param.human_readable_name
    if isinstance(error, click.MissingParameter):
        missing = _MISSING_OPTION if isinstance(param, click.Option) else _MISSING_ARGUMENT
        return lang.gettext(missing).format(name=name)
    found = _CHOICE_VALUE.match(error.message)
    if isinstance(param.type, click.Choice) and found is not None:
        choices = lang.items(str(choice) for choice in param.type.choices)
        said = lang.gettext(_NOT_A_CHOICE)
        return said.format(value=found["value"], name=name, choices=choices)
    return lang.gettext(_BAD_VALUE).format(name=name, problem=error.message)


def main() -> None:
    """Entry point of the ``clientflow`` console script."""
    args = sys.argv[1:]
    debug = "--debug" in args
    if debug:  # accepted anywhere on the line, not only before the command
        args = ["--debug", *(arg for arg in args if arg != "--debug")]
    try:
        cli.main(args=args, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as error:
        lang = language(_reader_locale(args) or _environment_locale())
        if lang.locale == "en":
            error.show()
        else:  # click's "Error:" is English: the reader's own prefix, as for our errors
            problem = _click_problem(error, lang)
            click.echo(lang.gettext("error: {problem}").format(problem=problem), err=True)
            context = getattr(error, "ctx", None)
            if isinstance(error, click.UsageError) and context is not None:
                path = context.command_path
                click.echo(lang.gettext(_TRY).format(command=path), err=True)
        sys.exit(error.exit_code)
    except ClientflowError as error:
        if debug:
            raise
        # the user asked for a language (or their environment did): say it in it
        lang = language(_reader_locale(args) or _environment_locale())
        click.echo(lang.gettext("error: {problem}").format(problem=error.render(lang)), err=True)
        sys.exit(1)
