"""The ``clientflow`` command.

Exit codes: 0 success; 1 a clientflow error (bad input, rejected command), printed as
one line without a traceback unless ``--debug``; 2 a usage error (unknown option).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from clientflow import __version__, cadence, changes, escalation, feedback
from clientflow.core import ClientflowError, TransitionTable
from clientflow.demo import run

__all__ = ["DIAGRAMS", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clientflow")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Client-management workflows for project teams."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.option(
    "--store",
    "store_url",
    default=None,
    help="Store URL for the demo's data (default: a new SQLite file in a temporary folder).",
)
def demo(store_url: str | None) -> None:
    """Business time on real calendars, then change requests run on a SQLite store."""
    if store_url is None:
        folder = Path(tempfile.mkdtemp(prefix="clientflow-demo-"))
        store_url = f"sqlite:///{folder / 'demo.db'}"
    run(click.echo, store_url)


DIAGRAMS: dict[str, TransitionTable] = {
    "cadence": cadence.OCCURRENCE_TABLE,
    "changes": changes.TABLE,
    "escalation": escalation.TABLE,
    "feedback": feedback.TABLE,
    "surveys": feedback.SURVEY_TABLE,
}
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
