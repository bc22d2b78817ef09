"""`check` and `explain`: validate rules.yaml; show why documents match or miss each topic."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from cli.common import add_command, rules_or_exit


def register(sub: Any) -> None:
    check = add_command(
        sub,
        "check",
        "validate the rules file",
        run_check,
        "Validate the rules file. Every problem is printed at once, one a line, as\n"
        "FILE:LINE:COLUMN: message (YAML syntax errors in plain words, going on past an\n"
        "indentation slip). What is valid but likely not meant is printed as\n"
        "FILE:LINE:COLUMN: warning: message: a language the monitor does not know (fe: for\n"
        "fr:), a number or a duration written as text or without a unit, a source polled more\n"
        "often than fetch: min_every, a file source whose path does not exist, a not_in phrase\n"
        "holding none of its entity's spellings, a spelling that looks like a regular\n"
        "expression, the same spelling under two entities. Exit 0 when valid (even with\n"
        "warnings, unless --strict), 1 when not.",
    )
    check.add_argument("-q", "--quiet", action="store_true", help="print nothing when valid")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    explain = add_command(
        sub,
        "explain",
        "show why documents match or miss each topic",
        run_explain,
        "For each document: each topic's verdict (MATCH; near miss when the score reaches half\n"
        "the threshold; else no match), its score against the threshold with the terms that\n"
        "scored and their weights, and for a near miss why it missed; then the hits, once\n"
        "each and numbered: where (title or text, word counted from 1), the spelling and the\n"
        "languages the rules list it under, and what it found. --verbose adds the hits that\n"
        "do not count (inside a longer match or a not_in phrase) and each hit's snippet.\n"
        "INPUT is a text file (first line = title), - for standard input, or a .jsonl file of\n"
        '{"id", "title", "text"} objects. --json writes one object a document (schema 2,\n'
        "described in README).",
    )
    explain.add_argument("inputs", nargs="+", metavar="INPUT", help="text file, -, or .jsonl")
    explain.add_argument(
        "--json", action="store_true", help="one JSON object a document, a line each"
    )
    explain.add_argument("--verbose", "-v", action="store_true", help="every hit, with its snippet")


def run_check(args: argparse.Namespace) -> int:
    from config import load_rules
    from core.errors import RulesError

    try:
        rules = load_rules(args.rules)
    except RulesError as exc:
        for issue in sorted([*exc.issues, *exc.warnings], key=lambda i: (i.line, i.column)):
            print(issue, file=sys.stderr)
        return 1
    for warning in rules.warnings:
        print(warning, file=sys.stderr)
    if rules.warnings and args.strict:
        return 1
    if not args.quiet:
        warned = f", {len(rules.warnings)} warnings" if rules.warnings else ""
        aliases = sum(
            len(v)
            for e in rules.entities.values()
            for v in (*e.aliases.values(), *e.ambiguous.values())
        )
        print(
            f"{args.rules}: OK: {len(rules.entities)} entities ({aliases} spellings), "
            f"{len(rules.topics)} topics, {len(rules.sources)} sources{warned}"
        )
    return 0


def documents(inputs: list[str]) -> Iterator[tuple[str, str, str]]:
    """(id, title, text) for every document in the inputs; raises ValueError with the place."""
    from pathlib import Path

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
            import json

            import orjson  # parses a report 3x faster than json; json has the last word

            for number, line in enumerate(data.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:  # or what json reads and orjson does not (NaN)
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
    from matching.engine import Matcher  # the matcher is this command's alone
    from matching.explain import Explainer

    rules = rules_or_exit(args)
    if rules is None:
        return 1
    from cli.explain_workers import write_all

    matcher = Matcher.from_rules(rules)
    explainer = Explainer(rules)
    snippets = args.json or args.verbose  # the compact text shows none

    def render(doc: tuple[str, str, str]) -> bytes:
        result = matcher.match(*doc, snippets=snippets)
        if args.json:
            # 4-5x faster than json.dumps on these hit lists (bench/bench_explain.py); imported
            # for --json alone: it brings dataclasses, uuid and json, a sixth of a start-up
            import orjson

            return orjson.dumps(explainer.json(result), option=orjson.OPT_APPEND_NEWLINE)
        return (explainer.text(result, args.verbose) + "\n").encode()

    out = sys.stdout.buffer
    try:
        write_all(render, documents(args.inputs), out)
    except ValueError as exc:
        out.flush()
        print(exc, file=sys.stderr)
        return 2
    return 0
