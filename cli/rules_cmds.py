"""`check` and `explain`: validate rules.yaml; show why documents match or miss each topic."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cli.common import add_command, rules_or_exit
from matching.engine import Matcher
from matching.explain import render


def register(sub: Any) -> None:
    check = add_command(
        sub,
        "check",
        "validate the rules file",
        run_check,
        "Validate the rules file. Exit 0 when valid; otherwise print every problem as\n"
        "FILE:LINE:COLUMN: message, one a line, and exit 1.",
    )
    check.add_argument("-q", "--quiet", action="store_true", help="print nothing when valid")
    explain = add_command(
        sub,
        "explain",
        "show why documents match or miss each topic",
        run_explain,
        "For each document: the topics with score against threshold, every hit (term, entity,\n"
        "language, position, snippet), and for a near miss the reason it missed.\n"
        "INPUT is a text file (first line = title), - for standard input, or a .jsonl file of\n"
        '{"id", "title", "text"} objects.',
    )
    explain.add_argument("inputs", nargs="+", metavar="INPUT", help="text file, -, or .jsonl")
    explain.add_argument(
        "--json", action="store_true", help="one JSON object a document, a line each"
    )


def run_check(args: argparse.Namespace) -> int:
    rules = rules_or_exit(args)
    if rules is None:
        return 1
    if not args.quiet:
        aliases = sum(
            len(v)
            for e in rules.entities.values()
            for v in (*e.aliases.values(), *e.ambiguous.values())
        )
        print(
            f"{args.rules}: OK: {len(rules.entities)} entities ({aliases} spellings), "
            f"{len(rules.topics)} topics, {len(rules.sources)} sources"
        )
    return 0


def documents(inputs: list[str]) -> Iterator[tuple[str, str, str]]:
    """(id, title, text) for every document in the inputs; raises ValueError with the place."""
    for name in inputs:
        if name == "-":
            yield from _from_text("stdin", sys.stdin.read())
            continue
        path = Path(name)
        try:
            data = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{name}: cannot read: {exc}") from None
        if path.suffix == ".jsonl":
            for number, line in enumerate(data.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    where = f"{name}:{number}:{exc.colno}"
                    raise ValueError(f"{where}: invalid JSON: {exc.msg}") from None
                if not isinstance(obj, dict):
                    raise ValueError(f"{name}:{number}:1: expected a JSON object")
                doc_id = str(obj.get("id", f"{path.name}:{number}"))
                yield doc_id, str(obj.get("title", "")), str(obj.get("text", ""))
        else:
            yield from _from_text(name, data)


def _from_text(name: str, data: str) -> Iterator[tuple[str, str, str]]:
    title, _, text = data.strip().partition("\n")
    yield name, title, text


def run_explain(args: argparse.Namespace) -> int:
    rules = rules_or_exit(args)
    if rules is None:
        return 1
    matcher = Matcher.from_rules(rules)
    try:
        for doc_id, title, text in documents(args.inputs):
            result = matcher.match(doc_id, title, text, snippets=True)
            if args.json:
                print(json.dumps(result.to_dict(), ensure_ascii=False))
            else:
                print(render(result, rules))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0
