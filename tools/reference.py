"""Generate the reference parts of the docs from their one source, so they cannot drift.

- the command reference in ``docs/cli.md``, from the click declarations in
  :mod:`clientflow.cli` (every command, argument and option with its help);
- the key reference in ``docs/rules.md``, from the rules file's JSON Schema (every key,
  what it takes, and its description).

Each generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end: NAME -->``.
``python tools/reference.py`` rewrites them; ``tests/test_reference_docs.py`` fails when a
page differs from what this script would write.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import click

from clientflow.cli import cli
from clientflow.config import json_schema

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

JSON = Mapping[str, object]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _commands(group: click.Group, prefix: str) -> Iterator[tuple[str, click.Command]]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is None or command.hidden:
            continue
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}", command


def _param(param: click.Parameter) -> tuple[str, str]:
    if isinstance(param, click.Argument):
        return f"`{param.human_readable_name}`", "argument" + (
            "" if param.required else " (optional)"
        )
    assert isinstance(param, click.Option)
    names = ", ".join(f"`{name}`" for name in param.opts + param.secondary_opts)
    parts: list[str] = [param.help or ""]
    if isinstance(param.type, click.Choice):
        parts.append("one of " + ", ".join(f"`{choice}`" for choice in param.type.choices))
    if param.required:
        parts.append("required")
    if param.multiple:
        parts.append("may be repeated")
    if param.show_default and param.default not in (None, False, ()):
        parts.append(f"default `{param.default}`")
    return names, "; ".join(part for part in parts if part)


def cli_reference() -> str:
    """Every ``clientflow`` command with its arguments and options, as Markdown."""
    lines: list[str] = []
    for name, command in _commands(cli, "clientflow"):
        lines += [f"### `{name}`", "", _cell(command.help or command.short_help or ""), ""]
        rows = [_param(param) for param in command.params if param.name != "help"]
        if rows:
            lines += ["| argument or option | meaning |", "|---|---|"]
            lines += [f"| {names} | {_cell(text)} |" for names, text in rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _kind(node: JSON) -> str:
    if "anyOf" in node:
        options = node["anyOf"]
        assert isinstance(options, list)
        return " or ".join(dict.fromkeys(_kind(option) for option in options))
    kind = node.get("type", "")
    if kind == "array":
        items = node.get("items")
        return f"list of {_kind(items)}" if isinstance(items, Mapping) else "list"
    if "enum" in node:
        values = node["enum"]
        assert isinstance(values, list)
        return "one of " + ", ".join(f"`{json.dumps(value)}`" for value in values)
    if kind == "object" and "properties" not in node:
        return "table"
    return str(kind) if kind else "any"


def _keys(node: JSON, path: str) -> Iterator[tuple[str, str, str]]:
    properties = node.get("properties")
    if isinstance(properties, Mapping):
        required = node.get("required", [])
        assert isinstance(required, list)
        for key, child in properties.items():
            assert isinstance(child, Mapping)
            here = f"{path}.{key}" if path else key
            description = str(child.get("description", ""))
            if key in required:
                description = f"required. {description}".strip()
            yield here, _kind(child), description
            yield from _keys(child, here)
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping) and "properties" in extra:
        yield from _keys(extra, f"{path}.NAME")
    items = node.get("items")
    if isinstance(items, Mapping) and "properties" in items:
        yield from _keys(items, f"{path}[]")
    for option in node.get("anyOf", []) or []:
        if isinstance(option, Mapping) and option.get("type") in ("object", "array"):
            yield from _keys(option, path)


def rules_reference() -> str:
    """Every key of the rules file, what it takes and what it means, as Markdown."""
    schema = json.loads(json_schema())
    lines = ["| key | takes | meaning |", "|---|---|---|"]
    seen: set[str] = set()
    for path, kind, description in _keys(schema, ""):
        if path in seen:
            continue
        seen.add(path)
        lines.append(f"| `{path}` | {_cell(kind)} | {_cell(description)} |")
    return "\n".join(lines) + "\n"


PARTS = {"cli.md": ("commands", cli_reference), "rules.md": ("keys", rules_reference)}


def _marked(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated: {name} -->\n)(.*?)(<!-- end: {name} -->)", re.DOTALL)


def rendered(page: str) -> str:
    """The page ``page`` (a file name under docs/) as this script would write it."""
    name, make = PARTS[page]
    text = (DOCS / page).read_text(encoding="utf-8")
    pattern = _marked(name)
    if not pattern.search(text):
        raise SystemExit(f"docs/{page} has no <!-- generated: {name} --> block")
    return pattern.sub(lambda found: found[1] + "\n" + make() + "\n" + found[3], text)


def main() -> None:
    """Rewrite every generated part in place."""
    for page in PARTS:
        (DOCS / page).write_text(rendered(page), encoding="utf-8")
        print(f"wrote docs/{page}", file=sys.stderr)


if __name__ == "__main__":
    main()
