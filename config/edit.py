"""Adding sources to rules.yaml as an operator would: one flow-style line each, appended after the
last source, every other byte of the file (comments, layout, quoting) left as it was.

`source_line(fields)` writes `{name: ..., kind: rss, url: '...', lang: fr, every: 15m}`, quoting
what YAML would misread. `append_sources(text, lines, path)` inserts the lines after the last item
of the `sources:` list (found by the YAML parser, placed by text), indented like it, or starts the
list at the end of the file; the whole result is then validated by the one loader, so a file that
would not load is never returned. `write_rules(path, before, after)` replaces the file atomically,
refusing when it changed since it was read.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from config.loader import parse_rules
from config.model import Rules
from config.yamlsyntax import compose
from core.errors import RulesError, RulesIssue


def scalar(value: str) -> str:
    """`value` (one line) as a YAML flow scalar: plain when YAML reads it back unchanged in a
    flow mapping, else single-quoted."""
    value = " ".join(value.split())
    try:
        plain = yaml.safe_load("{k: " + value + "}") == {"k": value}
    except yaml.YAMLError:
        plain = False
    return value if plain else _quoted(value)


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def source_line(fields: dict[str, str]) -> str:
    """A flow mapping of a source's fields, in the order given (empty values left out; URLs
    single-quoted, as the default rules write them)."""
    parts = [
        f"{key}: {_quoted(value) if key == 'url' else scalar(value)}"
        for key, value in fields.items()
        if value
    ]
    return "{" + ", ".join(parts) + "}"


def append_sources(text: str, lines: list[str], path: str = "rules.yaml") -> tuple[str, Rules]:
    """`text` with one `- {...}` line per entry of `lines` after the last source, and the
    rules it loads to; RulesError (located) when it cannot be done or would not load."""
    root, issues = compose(text, path)
    if issues:
        raise RulesError(issues)
    entries = {}
    if isinstance(root, MappingNode):
        entries = {k.value: (k, v) for k, v in root.value if isinstance(k, ScalarNode)}
    rows = text.splitlines(keepends=True)
    if rows and not rows[-1].endswith("\n"):
        rows[-1] += "\n"
    if "sources" not in entries:
        rows += ["\n", "sources:\n"] + [f"  - {line}\n" for line in lines]
    else:
        key, node = entries["sources"]
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            at, indent = key.start_mark.line + 1, " " * (key.start_mark.column + 2)
        elif isinstance(node, SequenceNode) and not node.flow_style and node.value:
            last = node.value[-1]
            at = last.end_mark.line if last.end_mark.column == 0 else last.end_mark.line + 1
            # a block item ends where the next key starts: step back over the blank and
            # comment lines between them, which belong to what follows
            while at - 1 > last.start_mark.line and rows[at - 1].strip()[:1] in ("", "#"):
                at -= 1
            dash_row = rows[last.start_mark.line]
            indent = dash_row[: len(dash_row) - len(dash_row.lstrip())]
        else:
            mark = node.start_mark
            raise RulesError(
                [
                    RulesIssue(
                        path,
                        mark.line + 1,
                        mark.column + 1,
                        "sources is not a list of one source a line: add the source by hand",
                    )
                ]
            )
        rows[at:at] = [f"{indent}- {line}\n" for line in lines]
    after = "".join(rows)
    return after, parse_rules(after, path)


def write_rules(path: str | Path, before: str, after: str) -> None:
    """Replace the rules file with `after`, atomically where the file system allows (a
    single-file bind mount does not: then in place); RulesError when the file no longer holds
    `before` (someone edited it meanwhile)."""
    target = Path(path)
    if target.read_text(encoding="utf-8") != before:
        raise RulesError([RulesIssue(str(path), 1, 1, "the file changed while it was read")])
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(after)
        shutil.copymode(target, temp)
        try:
            os.replace(temp, target)
        except OSError:  # e.g. EBUSY on a file bind-mounted into a container
            target.write_text(after, encoding="utf-8", newline="")
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
