"""The clientflow command: demo, check, sweep, agenda, report, diagram; clean errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientflow.cli import cli, main
from clientflow.config import load_rules
from clientflow.core import NotFound, StoreError
from clientflow.demo import END, RULES_FILE, demo_rules
from clientflow.ports import ParkedEvent
from clientflow.storage import SCHEMA_VERSION, SQLiteStore
from clientflow.storage.kinded import TypedStore
from tests.rulefiles import demo_rules_with
from tests.test_rules_workflows import EXPENSE

AT_END = END.to_iso8601_string()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The demo run once into a SQLite file: (store URL, what it printed)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--store", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    return f"sqlite:///{path}", result.output


def clientflow(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console entry point as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "clientflow", *args], capture_output=True, text=True, check=False
    )


def test_demo_shows_deadlines_over_holidays_and_dst(demo_store: tuple[str, str]) -> None:
    """The demo prints real deadlines: Golden Week skipped, make-up Sunday worked, DST kept."""
    _, output = demo_store
    assert "due   Thu 2026-10-08 17:00 CST" in output
    assert "due   Sun 2026-01-04 14:00 CST" in output
    assert "due   Mon 2026-03-09 13:00 EDT" in output
    # the whole month: National Day week, then every weekend but the make-up Saturday
    assert "no work on the 1-7, 11, 17-18, 24-25, 31" in output
    assert "make-up working days: Sat 10" in output


def test_demo_simulates_the_portfolio_and_reports_its_health(
    demo_store: tuple[str, str],
) -> None:
    """90 days of four clients: the sweeps fire timers, and the troubled client shows it."""
    url, output = demo_store
    fired = {
        label.strip(): int(count)
        for count, label in re.findall(r"^\s+(\d+)  (.+)$", output, flags=re.MULTILINE)
    }
    assert fired["SLA warnings and breaches"] > 0
    assert fired["issue escalations (each level reached counts)"] > 0
    assert fired["feedback follow-ups overdue (escalated)"] > 0
    assert fired["approval deadlines passed (escalated)"] > 0
    assert fired["communications overdue"] > 0
    assert fired["risk reviews missed"] > 0  # ACME's, over National Day; Northwind's unplanned
    assert fired["risk response actions overdue (escalated)"] > 0
    # the report a client may be sent rates the project, not the client (on track, worth
    # watching, needs attention)
    rows = dict(
        re.findall(
            r"^(\w+ \w+)\s+(on track|worth watching|needs attention) ", output, flags=re.MULTILINE
        )
    )
    assert rows["Northwind Logistics"] == "needs attention"
    assert rows["Sakura Insurance"] == "on track"
    assert "scope creep: approved changes add" in output
    # the report a client may be sent: visible risks by title, no ids, no internal risk
    assert (
        "top risk: Change requests keep widening the scope: critical, response: mitigate" in output
    )
    health_part = output.split("3. The portfolio at the end", 1)[1].split("Try:", 1)[0]
    assert not re.search(r"RSK-|NOR-\d|routing engineer", health_part)
    team = CliRunner().invoke(
        cli, ["report", "--store", url, "--now", END.isoformat(), "--audience", "team"]
    )
    assert "risks without a response plan: RSK-NW-1" in team.output
    assert "top risk RSK-LOTUS-1 Change requests keep widening the scope: critical" in team.output
    store = TypedStore(SQLiteStore(url.removeprefix("sqlite:///")), demo_rules().codec())
    assert store.store.integrity_check() == "ok"
    assert len(store.feed(limit=100_000)) > 1000
    store.close()


def test_report_json_per_client_and_filtered(demo_store: tuple[str, str]) -> None:
    url, _ = demo_store
    result = CliRunner().invoke(
        cli, ["report", "--store", url, "--now", AT_END, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    clients = {row["client"]: row for row in json.loads(result.stdout)["clients"]}
    assert set(clients) == {"acme", "lotus", "northwind", "sakura"}
    northwind, lotus = clients["northwind"], clients["lotus"]
    assert northwind["rating"] == "at risk"
    assert northwind["sla"]["breached"] > 0
    assert northwind["open_escalations"]
    assert northwind["satisfaction"]["csat_delta"] < 0
    assert lotus["scope"]["creep"] is True
    assert lotus["scope"]["cost_percent"] > lotus["scope"]["threshold_percent"]
    assert len(northwind["satisfaction"]["weeks"]) >= 12
    one = CliRunner().invoke(
        cli, ["report", "--store", url, "--now", AT_END, "--client", "sakura", "--format", "json"]
    )
    assert [row["client"] for row in json.loads(one.stdout)["clients"]] == ["sakura"]


def test_report_html_is_self_contained(demo_store: tuple[str, str]) -> None:
    url, _ = demo_store
    result = CliRunner().invoke(
        cli, ["report", "--store", url, "--now", AT_END, "--format", "html"]
    )
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") >= 12  # donuts, trend lines and scope bars per client
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing from the network"
    assert "<script" not in page
    assert "Northwind Logistics" in page


def test_sweep_fires_each_timer_once(demo_store: tuple[str, str], tmp_path: Path) -> None:
    url, _ = demo_store
    copy = tmp_path / "copy.db"
    copy.write_bytes(Path(url.removeprefix("sqlite:///")).read_bytes())
    later = "2026-12-02T10:00:00+00:00"
    first = CliRunner().invoke(cli, ["sweep", "--store", f"sqlite:///{copy}", "--now", later])
    assert first.exit_code == 0, first.output
    count = int(re.search(r": (\d+) events", first.output).group(1))  # type: ignore[union-attr]
    assert count > 0
    assert "plan-" in first.output
    # what happened, to what, for whom: the event type and its short fields
    escalated = [line for line in first.output.splitlines() if " issue.escalated " in line]
    assert escalated
    assert all("level=" in line and "notify=" in line for line in escalated)
    again = CliRunner().invoke(cli, ["sweep", "--store", f"sqlite:///{copy}", "--now", later])
    assert ": 0 events on 0 aggregates" in again.output


def test_agenda_lists_what_the_owner_has_due(demo_store: tuple[str, str]) -> None:
    """Each obligation of li.wei, with the client named as the rules name it."""
    url, _ = demo_store
    result = CliRunner().invoke(
        cli,
        [
            "agenda",
            "--store",
            url,
            "--owner",
            "li.wei",
            "--now",
            AT_END,
            "--timezone",
            "Asia/Shanghai",
            "--locale",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "This week:" in result.output
    assert "Weekly status report for Lotus Bank" in result.output  # its name, not its id
    nobody = CliRunner().invoke(
        cli, ["agenda", "--store", url, "--owner", "nobody", "--now", AT_END]
    )
    # An id [people] does not list, with nothing due: most likely a typo, so an error.
    assert nobody.exit_code == 1
    assert "--owner: expected a person of [people] (" in str(nobody.exception)


def test_an_agenda_speaks_its_owner_s_language_and_lists_their_risks(
    demo_store: tuple[str, str],
) -> None:
    """[people] gives chen.jie and li.wei Chinese and Shanghai time; li.wei owns risks to
    review."""
    url, _ = demo_store
    chen = CliRunner().invoke(
        cli, ["agenda", "--store", url, "--owner", "chen.jie", "--now", AT_END]
    )
    assert chen.exit_code == 0, chen.output
    assert chen.output == "chen.jie在接下来 7 天内没有待办事项。\n"  # all closed by the end
    li = CliRunner().invoke(cli, ["agenda", "--store", url, "--owner", "li.wei", "--now", AT_END])
    overdue = li.output.split("已逾期：", 1)[1].split("本周：", 1)[0]
    assert "复核风险“The only routing engineer may leave”" in overdue  # its title, no id
    assert "复核风险“Change requests keep widening the scope”" in li.output
    assert li.output.startswith("时间均为北京时间\n")  # the zone named once
    assert "RSK-" not in li.output
    assert "：待办" not in li.output  # the section says what is due


def test_check_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'version = 1\n[calendars.team]\ntimezone = "Europe/Berlin"\nhours = ["9-17"]\n'
        '[clients.acme]\nname = "ACME"\ncalender = "team"\n',
        encoding="utf-8",
    )
    bad = clientflow("check", str(rules))
    assert bad.returncode == 1
    assert "rules have 2 problems" in bad.stderr
    assert 'calendars.team.hours[0]: expected a shift such as "09:00-17:30"' in bad.stderr
    assert "clients.acme.calender: unknown key (did you mean 'calendar'?)" in bad.stderr
    assert "clients.acme.calendar: required key" not in bad.stderr  # the misspelt key says it
    assert "Traceback" not in bad.stderr
    good = CliRunner().invoke(
        cli, ["check", str(Path(__file__).parents[1] / "examples" / "rules.toml")]
    )
    assert good.exit_code == 0, good.output
    assert ": ok (" in good.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--store", "sqlite:///no/such/dir/x.db"], "does not exist; create it with"),
        (["init", "--store", "sqlite:///no/such/dir/x.db", str(RULES_FILE)], "cannot open the"),
        (["sweep", "--store", "ftp://x"], "expected memory://, sqlite:///path.db"),
        (["sweep", "--store", "memory://", "--now", "tomorrow"], "--now: expected an ISO 8601"),
        (
            ["sweep", "--store", "memory://", "--now", "0001-01-01T00:00+05:00"],
            "--now: expected an instant in the years 1970 to 2199",
        ),
        (["report", "--store", "memory://", "--now", "8999-01-01T00:00Z"], "1970 to 2199"),
        (["check", "missing.toml"], "missing.toml: no such file"),
        (["report", "--store", "memory://", "--client", "globex"], "has no rules recorded"),
    ],
)
def test_bad_input_is_one_message_without_traceback(args: list[str], message: str) -> None:
    done = clientflow(*args)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 3


@pytest.mark.parametrize(
    "args",
    [("--debug", "check", "missing.toml"), ("check", "missing.toml", "--debug")],
)
def test_debug_shows_the_traceback_wherever_it_is_given(args: tuple[str, ...]) -> None:
    done = clientflow(*args)
    assert done.returncode == 1
    assert "Traceback" in done.stderr


def test_a_read_only_command_never_creates_a_database_file(tmp_path: Path) -> None:
    """A mistyped path is an error saying how to create a store, and nothing on disk."""
    missing = tmp_path / "typo.db"
    for command in (["agenda", "--owner", "li.wei"], ["report"], ["sweep"], ["rules", "show"]):
        done = clientflow(*command, "--store", f"sqlite:///{missing}")
        assert done.returncode == 1, command
        assert "does not exist; create it with `clientflow init" in done.stderr
        assert not missing.exists(), command


def test_init_creates_a_store_under_its_rules(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    first = CliRunner().invoke(cli, ["init", "--store", url, str(RULES_FILE)])
    assert first.exit_code == 0, first.output
    assert f"{url}: created, rules revision 1" in first.output
    again = CliRunner().invoke(cli, ["init", "--store", url, str(RULES_FILE)])
    assert "already initialised, rules revision 1" in again.output
    agenda = CliRunner().invoke(cli, ["agenda", "--store", url, "--owner", "li.wei"])
    assert agenda.exit_code == 0, agenda.output
    other = tmp_path / "other.toml"
    other.write_text(RULES_FILE.read_text().replace('triage = "4h"', 'triage = "2h"'))
    refused = CliRunner().invoke(cli, ["init", "--store", url, str(other)])
    assert refused.exit_code == 1
    assert "already runs under other rules (revision 1)" in refused.output


def test_help_everywhere_and_unknown_command() -> None:
    """--help exits 0 on every command; an unknown command exits 2 without a traceback."""
    for command in (
        "",
        "demo",
        "check",
        "schema",
        "sweep",
        "agenda",
        "report",
        "diagram",
        "parked",
        "migrate",
        "repair",
        "rules apply",
        "rules show",
    ):
        result = CliRunner().invoke(cli, [*command.split(), "--help"])
        assert result.exit_code == 0, command
        assert "Usage:" in result.output
    assert "Exit codes" in CliRunner().invoke(cli, ["--help"]).output
    bad = clientflow("nope")
    assert bad.returncode == 2
    assert "No such command" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_schema_is_the_shipped_json_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert json.loads(result.stdout)["title"] == "clientflow rules file"


def test_diagram_is_generated_from_the_declaration() -> None:
    """`clientflow diagram changes` prints every declared transition, in mermaid or dot."""
    mermaid = CliRunner().invoke(cli, ["diagram", "changes"])
    assert mermaid.exit_code == 0
    assert "awaiting_approval --> approved : Approve" in mermaid.output
    assert 'state "Awaiting approval" as awaiting_approval' in mermaid.output
    dot = CliRunner().invoke(cli, ["diagram", "changes", "--format", "dot"])
    assert dot.output.startswith("digraph ChangeRequestMachine {")
    assert "assessed -> approved [label=" in dot.output
    assert ">Auto approve</font>" in dot.output
    unknown = CliRunner().invoke(cli, ["diagram", "billing"])
    assert unknown.exit_code == 2


def test_diagram_of_a_workflow_declared_in_the_rules_file(tmp_path: Path) -> None:
    """`clientflow diagram expense --rules FILE` draws a rules-file workflow with
    python-statemachine, from the same definition the workspace runs."""
    rules = demo_rules_with(tmp_path, EXPENSE)
    drawn = CliRunner().invoke(cli, ["diagram", "expense", "--rules", str(rules)])
    assert drawn.exit_code == 0, drawn.output
    assert drawn.output == load_rules(rules).flow_versions("expense").workflow.table.mermaid()
    assert "dept_review --> finance_review : Dept approve" in drawn.output
    assert "[*] --> draft" in drawn.output
    dot = CliRunner().invoke(cli, ["diagram", "expense", "--rules", str(rules), "--format", "dot"])
    assert dot.output.startswith("digraph ExpenseMachine {")
    missing = CliRunner().invoke(cli, ["diagram", "expense"])
    assert missing.exit_code == 2
    assert "a file given with --rules" in missing.output
    unknown = CliRunner().invoke(cli, ["diagram", "billing", "--rules", str(rules)])
    assert "expense" in unknown.output


def test_diagram_svg_is_drawn_by_graphviz() -> None:
    """--format svg pipes the dot text through Graphviz (installed by .ci/run)."""
    if shutil.which("dot") is None:
        reason = "no Graphviz 'dot' on PATH (apt-get install graphviz)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: the svg test must run)")
        pytest.skip(reason)
    svg = CliRunner().invoke(cli, ["diagram", "escalation", "--format", "svg"])
    assert svg.exit_code == 0, svg.output
    assert "<svg" in svg.output
    assert ">Waiting on client</text>" in svg.output


def test_diagram_svg_without_graphviz_is_one_clear_message() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "clientflow", "diagram", "changes", "--format", "svg"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": ""},  # no Graphviz to be found
    )
    assert done.returncode == 1
    assert "svg with Graphviz's 'dot' program on PATH" in done.stderr
    assert "Traceback" not in done.stderr


class Accepting:
    """A notifier the parked-events test imports by path, as an operator would."""

    taken: list[int] = []  # noqa: RUF012 - the test reads what was taken

    def notify(self, event: object) -> None:
        Accepting.taken.append(event.position)  # type: ignore[attr-defined]


def test_parked_lists_retries_and_discards_dead_letters(demo_store: tuple[str, str]) -> None:
    """An operator sees parked events, re-offers one through their notifier, drops another."""
    url, _ = demo_store
    store = TypedStore(SQLiteStore(url[len("sqlite:///") :]), demo_rules().codec())
    for position in (3, 5):
        store.park(ParkedEvent("notifier", position, f"x@{position}", 5, "SMTP 554", END))
    store.close()
    runner = CliRunner()
    listed = runner.invoke(cli, ["parked", "--store", url])
    assert listed.exit_code == 0, listed.output
    assert "SMTP 554" in listed.output
    assert "2 parked for notifier" in listed.output
    usage = runner.invoke(cli, ["parked", "--store", url, "--retry", "3"])
    assert usage.exit_code == 2
    retried = runner.invoke(
        cli, ["parked", "--store", url, "--retry", "3", "--notifier", "tests.test_cli:Accepting"]
    )
    assert retried.exit_code == 0, retried.output
    assert "position 3: delivered" in retried.output
    assert Accepting.taken == [3]
    dropped = runner.invoke(cli, ["parked", "--store", url, "--discard", "5"])
    assert "0 parked for notifier" in dropped.output


def test_migrate_and_repair_report_what_they_did(demo_store: tuple[str, str]) -> None:
    """Both are safe to run on a healthy store and say where it stands."""
    url, _ = demo_store
    migrated = CliRunner().invoke(cli, ["migrate", "--store", url])
    assert migrated.exit_code == 0, migrated.output
    assert f"schema version {SCHEMA_VERSION} -> {SCHEMA_VERSION}" in migrated.output
    repaired = CliRunner().invoke(cli, ["repair", "--store", url])
    assert repaired.exit_code == 0, repaired.output
    # SQLite numbers its events itself (schema 5): no counter to move, and it says so
    assert re.search(r"nothing to repair: .* \(newest position \d+\)", repaired.output)


def test_sweeps_run_under_the_rules_the_store_records(
    demo_store: tuple[str, str], tmp_path: Path
) -> None:
    """Other rules are refused, naming what differs, until applied; then they are used."""
    url, _ = demo_store
    copy = tmp_path / "copy.db"
    shutil.copy(url[len("sqlite:///") :], copy)
    store_url = f"sqlite:///{copy}"
    runner = CliRunner()
    shown = runner.invoke(cli, ["rules", "show", "--store", store_url])
    assert shown.exit_code == 0, shown.output
    assert "# revision 1 (" in shown.output
    rules = demo_rules()
    data = json.loads(rules.source)
    data["escalation"]["standard"]["levels"] = data["escalation"]["standard"]["levels"][:1]
    edited = tmp_path / "edited.toml"
    edited.write_text(_toml(data), encoding="utf-8")
    refused = clientflow("sweep", "--store", store_url, "--rules", str(edited), "--now", AT_END)
    assert refused.returncode == 1
    assert "differs from the rules" in refused.stderr
    assert "in: escalation;" in refused.stderr
    unknown = runner.invoke(cli, ["report", "--store", store_url, "--client", "globex"])
    assert "no client in the rules" in str(unknown.exception)
    applied = runner.invoke(cli, ["rules", "apply", "--store", store_url, str(edited)])
    assert applied.exit_code == 0, applied.output
    assert "rules revision 2" in applied.output
    assert "changed: escalation" in applied.output
    again = runner.invoke(cli, ["rules", "apply", "--store", store_url, str(edited)])
    assert "already on these rules (revision 2)" in again.output
    swept = runner.invoke(
        cli, ["sweep", "--store", store_url, "--rules", str(edited), "--now", AT_END]
    )
    assert swept.exit_code in (0, 1), swept.output
    assert "swept at" in swept.output


def test_a_store_without_rules_says_how_to_apply_them(tmp_path: Path) -> None:
    """A sweep never falls back to other rules: it names the command that records them."""
    store_url = f"sqlite:///{tmp_path / 'new.db'}"
    rules_file = Path(__file__).parents[1] / "examples" / "rules.toml"
    applied = CliRunner().invoke(cli, ["rules", "apply", "--store", store_url, str(rules_file)])
    assert applied.exit_code == 0, applied.output
    assert "rules revision 1" in applied.output
    bare = f"sqlite:///{tmp_path / 'bare.db'}"
    SQLiteStore(tmp_path / "bare.db").create_schema()
    done = clientflow("sweep", "--store", bare, "--now", AT_END)
    assert done.returncode == 1
    assert "has no rules recorded; apply them first: clientflow rules apply" in done.stderr


def _toml(data: object) -> str:
    """Rules data back as TOML (JSON-compatible values only): what an editor would save."""
    lines: list[str] = []

    def value(item: object) -> str:
        return (
            json.dumps(item, ensure_ascii=False)
            if not isinstance(item, bool)
            else str(item).lower()
        )

    def table(prefix: str, node: dict[str, object]) -> None:
        scalars = {k: v for k, v in node.items() if not isinstance(v, dict)}
        if prefix and scalars:
            lines.append(f"[{prefix}]")
        for key, item in scalars.items():
            lines.append(f"{json.dumps(key)} = {_inline(item)}")
        for key, item in node.items():
            if isinstance(item, dict):
                table(f"{prefix}.{json.dumps(key)}" if prefix else json.dumps(key), item)

    def _inline(item: object) -> str:
        if isinstance(item, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {_inline(v)}" for k, v in item.items()) + "}"
        if isinstance(item, list):
            return "[" + ", ".join(_inline(v) for v in item) + "]"
        return value(item)

    table("", data)  # type: ignore[arg-type]
    return "\n".join(lines) + "\n"


def test_a_client_s_risk_register_exports_as_csv_and_json(demo_store: tuple[str, str]) -> None:
    url, _ = demo_store
    as_csv = CliRunner().invoke(
        cli, ["risks", "--store", url, "--client", "acme", "--audience", "team"]
    )
    assert as_csv.exit_code == 0, as_csv.output
    header, row = as_csv.output.splitlines()
    assert header.startswith("id,client,project,title,category,owner,status,statement")
    assert row.startswith("RSK-ACME-1,acme,acme-shop,Vendor delivers the legacy export late")
    assert ",closed," in row
    assert row.endswith(",ACME-RISK-1,yes")
    team_json = [
        "risks", "--client", "lotus", "--format", "json", "--open-only", "--audience", "team",
    ]  # fmt: skip
    as_json = CliRunner().invoke(cli, [*team_json, "--store", url])
    [risk] = json.loads(as_json.output)
    assert (risk["id"], risk["rating"], risk["exposure"], risk["currency"]) == (
        "RSK-LOTUS-1",
        "critical",
        "84000.00",
        "CNY",
    )
    unknown = CliRunner().invoke(cli, ["risks", "--store", url, "--client", "nobody"])
    assert unknown.exit_code == 1
    assert isinstance(unknown.exception, NotFound)  # main() prints it as one line


def test_an_error_is_told_in_the_language_the_user_asked_for(
    demo_store: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`clientflow risks --locale zh_CN --client nobody` says 找不到 in Chinese; without
    --locale the message stays the English one logs carry."""
    url, _ = demo_store
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for locale, expected in [
        ("zh_CN", "错误：找不到规则中的客户 nobody"),
        (None, "error: no client"),
    ]:
        argv = ["clientflow", "risks", "--store", url, "--client", "nobody"]
        monkeypatch.setattr(sys, "argv", argv + (["--locale", locale] if locale else []))
        with pytest.raises(SystemExit):
            main()
        assert capsys.readouterr().err.startswith(expected)


def test_a_chinese_environment_gets_every_error_in_chinese(
    demo_store: tuple[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """LANG=zh_CN is asking for Chinese too: clientflow's errors and the command line's
    own refusals (a report for a client without --client) read in Chinese."""
    url, _ = demo_store
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for args, expected in [
        (["risks", "--store", url, "--client", "nobody"], "错误：找不到规则中的客户 nobody\n"),
        (
            ["report", "--store", url, "--audience", "client"],
            "错误：--audience client 需要同时指定 --client：客户报告只显示该客户自己的情况\n",
        ),
    ]:
        monkeypatch.setattr(sys, "argv", ["clientflow", *args])
        with pytest.raises(SystemExit):
            main()
        first, *hint = capsys.readouterr().err.splitlines(keepends=True)
        assert first == expected
        assert all(line.endswith("--help 查看帮助。\n") for line in hint)


def test_migrate_on_an_unreachable_server_says_so() -> None:
    """Not "no clientflow schema here": the operator must look at the server, not the schema."""
    url = "postgresql+psycopg://postgres@127.0.0.1:1/test"  # nothing listens on port 1
    migrated = CliRunner().invoke(cli, ["migrate", "--store", url])
    assert migrated.exit_code == 1
    assert isinstance(migrated.exception, StoreError)  # main() prints it as one line
    assert "connection failed" in str(migrated.exception)
    assert "no clientflow schema" not in str(migrated.exception)


def test_no_password_in_a_store_url_is_ever_shown() -> None:
    """Neither ``user:password@`` nor ``?password=`` reaches an error a person reads."""
    url = "postgresql+psycopg://bob:s3cret@127.0.0.1:1/test?password=s3cret2&sslmode=disable"
    migrated = CliRunner().invoke(cli, ["migrate", "--store", url])
    assert isinstance(migrated.exception, StoreError)
    shown = str(migrated.exception)
    assert "s3cret" not in shown
    assert "bob:***@127.0.0.1:1/test?password=***&sslmode=disable" in shown
    bad = CliRunner().invoke(cli, ["migrate", "--store", "nosuchdb+driver://bob:s3cret@h/x"])
    assert "s3cret" not in str(bad.exception) + bad.output


def test_a_client_report_is_one_clients_page(demo_store: tuple[str, str]) -> None:
    """``--audience client`` without ``--client`` is refused: no client gets the portfolio."""
    url, _ = demo_store
    refused = CliRunner().invoke(cli, ["report", "--store", url, "--audience", "client"])
    assert refused.exit_code == 2
    assert "--audience client needs --client" in refused.output
    mine = CliRunner().invoke(cli, ["report", "--store", url, "--client", "lotus", "--now", AT_END])
    assert mine.exit_code == 0, mine.output
    assert "Lotus" in mine.output
    assert "ACME" not in mine.output
    assert "Northwind" not in mine.output


def test_a_chinese_terminal_reads_reports_and_operations_in_chinese(
    demo_store: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With LANG=zh_CN and no --locale, the report a PM prints and the lines an operator
    reads (status, migrate, repair, parked) are Chinese; C.UTF-8 keeps English."""
    url, _ = demo_store
    copy = tmp_path / "copy.db"
    shutil.copy(url.removeprefix("sqlite:///"), copy)
    store = f"sqlite:///{copy}"
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    report = CliRunner().invoke(cli, ["report", "--store", store, "--now", AT_END])
    assert report.exit_code == 0, report.output
    assert report.output.splitlines()[0].endswith("（北京时间）的客户健康状况")
    status = CliRunner().invoke(cli, ["status", "--store", store, "--now", AT_END])
    assert f"{store}：表结构版本 {SCHEMA_VERSION}，规则版本 1" in status.output
    counts = status.output.splitlines()[1:]
    # every workflow by what a PM calls it, every state in words: no code names
    assert [line.split()[0] for line in counts[:5]] == [
        "变更请求",
        "反馈",
        "问题",
        "沟通计划",
        "风险",
    ]
    assert not [line for line in counts if re.search(r"[a-z_]{3,} \d", line)], counts
    assert "  沟通计划  进行中 4" in counts
    assert "  定时器" in status.output
    assert "\n  投递      notifier：已读到位置 0，待投递 " in status.output
    migrated = CliRunner().invoke(cli, ["migrate", "--store", store])
    assert migrated.exit_code == 0, migrated.output
    assert f"表结构版本 {SCHEMA_VERSION} → {SCHEMA_VERSION}" in migrated.output
    assert "已按事件核对读模型（共" in migrated.output
    repaired = CliRunner().invoke(cli, ["repair", "--store", store])
    assert "：无需修复：这个数据库自行为事件编号" in repaired.output
    parked = CliRunner().invoke(cli, ["parked", "--store", store])
    assert parked.output.endswith("notifier 共搁置 0 条事件\n")
    monkeypatch.setenv("LANG", "C.UTF-8")
    english = CliRunner().invoke(cli, ["parked", "--store", store])
    assert english.output.endswith("0 parked for notifier\n")
