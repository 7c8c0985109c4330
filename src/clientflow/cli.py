"""The ``clientflow`` command.

Exit codes: 0 success; 1 a clientflow error (bad input, rejected command), printed as
one line without a traceback unless ``--debug``; 2 a usage error (unknown option).
"""

from __future__ import annotations

import datetime as dt
import sys

import click
import pendulum

from clientflow import __version__, changes
from clientflow.core import BusinessCalendar, ClientflowError, TransitionTable, WorkingHours

__all__ = ["DIAGRAMS", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clientflow")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Client-management workflows for project teams."""
    ctx.obj = {"debug": debug}


_SCENARIOS: tuple[tuple[str, str, str, str, str, float], ...] = (
    # label, team, time zone, local start, what, hours of work
    ("Shanghai", "CN", "Asia/Shanghai", "2026-09-30T17:00", "8h first response", 8),
    (
        "Shanghai",
        "CN",
        "Asia/Shanghai",
        "2026-01-02T10:00",
        "4h fix (Sunday 4 Jan is a make-up day)",
        4,
    ),
    (
        "New York",
        "US",
        "America/New_York",
        "2026-03-06T15:00",
        "6h reply across the DST weekend",
        6,
    ),
    ("London", "GB", "Europe/London", "2026-12-24T16:00", "2h review over Christmas", 2),
)


def _calendar(team: str, tz: str) -> BusinessCalendar:
    if team == "CN":
        return BusinessCalendar(
            tz, WorkingHours.weekdays("09:00-12:00", "13:00-18:00"), country="CN"
        )
    if team == "US":
        return BusinessCalendar(tz, ("09:00-17:00",), country="US", subdivision="NY")
    return BusinessCalendar(tz, ("09:00-17:30",), country="GB", subdivision="ENG")


@cli.command()
def demo() -> None:
    """Show business-time deadlines on real calendars (holidays, make-up days, DST)."""
    click.echo("clientflow demo: deadlines in business time on real team calendars\n")
    calendars: dict[str, BusinessCalendar] = {}
    for label, team, tz, local, what, hours in _SCENARIOS:
        calendar = calendars.setdefault(team, _calendar(team, tz))
        start = pendulum.parse(local, tz=tz)
        assert isinstance(start, pendulum.DateTime)
        due = calendar.add(start, pendulum.duration(hours=hours)).in_timezone(tz)
        wall = due - start
        click.echo(f"{label:<9} {what}")
        click.echo(f"          asked {start.format('ddd YYYY-MM-DD HH:mm zz')}")
        click.echo(
            f"          due   {due.format('ddd YYYY-MM-DD HH:mm zz')}  "
            f"({wall.in_words()} on the wall clock)"
        )
    shanghai = calendars["CN"]
    october = [dt.date(2026, 10, day) for day in range(1, 12)]
    closed = [day.strftime("%d") for day in october if not shanghai.is_working_day(day)]
    click.echo(f"\nShanghai, October 2026: no work on the {', '.join(closed)}")


DIAGRAMS: dict[str, TransitionTable] = {"changes": changes.TABLE}
"""Each workflow's transition table, by the name the ``diagram`` command takes."""


@cli.command()
@click.argument("workflow", type=click.Choice(sorted(DIAGRAMS)))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    show_default=True,
    help="Mermaid for Markdown pages, dot for Graphviz.",
)
def diagram(workflow: str, fmt: str) -> None:
    """Print the state diagram of WORKFLOW, generated from its machine declaration."""
    table = DIAGRAMS[workflow]
    click.echo(table.mermaid() if fmt == "mermaid" else table.dot(), nl=False)


def main() -> None:
    """Entry point of the ``clientflow`` console script."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except ClientflowError as error:
        if "--debug" in sys.argv:
            raise
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
