"""`sources`: the health table, and `sources add|try|import|export` to manage the source list."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from cli.common import add_command, common_parent, rules_or_exit
from core import duration
from core.errors import ParseError, RulesError

if TYPE_CHECKING:  # each handler imports what it uses (cli/common.py)
    from datetime import datetime

    from config.model import Rules
    from core.health import SourceHealth
    from runner.trial import Trial

EVERY = "15m"
SHOWN = 5  # on-topic items listed by `try` and `add`


def register(sub: Any) -> None:
    parser = add_command(
        sub,
        "sources",
        "each source's health as a table; add, try, import or export sources",
        show_sources,
        "Without an action: each source in the rules with its health from the state database:\n"
        "last attempt, last success, HTTP status, items seen, errors (in a row / in all), next\n"
        "check, and the last error. A source is 'degraded' when its last poll read items from\n"
        "a body that was partly unreadable (ill-formed XML): the problem column says what the\n"
        "parser found.\n\n"
        "Actions (each answers --help):\n"
        "  add URL      find the site's feed, try it, and append it to the rules file\n"
        "  try URL      the same without writing anything\n"
        "  import FILE  add every feed of an OPML file (skipping those already watched)\n"
        "  export       the sources as OPML 2.0, to standard output",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    quiet = common_parent(suppress=True)  # given after the action, kept; else the defaults

    def action(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        sub_parser: argparse.ArgumentParser = actions.add_parser(
            name,
            help=help_text,
            description=description,
            parents=[quiet],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return sub_parser

    for name, verb in (("add", "append it to"), ("try", "show what would be added to")):
        one = action(
            name,
            f"find a site's feed, try it, and {verb} the rules file",
            f"Fetch URL (a site, a feed, or a public Telegram channel t.me/NAME), find its feed\n"
            "(<link rel=alternate> on the page, then /feed, /rss, /rss.xml, /feed.xml,\n"
            "/atom.xml, /index.xml), read it, and show its items, the language it declares and\n"
            "the one its text is in, and how many items each topic would match now; then "
            f"{verb}\nthe rules file as one line after the last source"
            + (
                ", keeping every comment.\nThe file is validated first: nothing is written when "
                "it would not load or the\nname or feed is already there."
                if name == "add"
                else " (nothing is written)."
            ),
        )
        one.add_argument("url", metavar="URL")
        one.add_argument("--name", default="", help="the source's name (default: the feed's title)")
        one.add_argument(
            "--lang", default="", help="the language it writes in (default: the one detected)"
        )
        one.add_argument("--every", default=EVERY, help=f"how often to poll (default {EVERY})")
        one.set_defaults(handler=run_add if name == "add" else run_try)
    imported = action(
        "import",
        "add every feed of an OPML file",
        "Add each outline of FILE that has an xmlUrl (at any depth: folders are flattened) as\n"
        "an rss source, skipping feeds already watched; a name already taken gets the feed's\n"
        "host added. OPML 1.0 and 2.0, as Feedly, Inoreader, Miniflux and others export it.\n"
        "The file is validated first: nothing is written when it would not load.",
    )
    imported.add_argument("file", metavar="FILE.opml")
    imported.add_argument("--every", default="30m", help="how often to poll each (default 30m)")
    imported.set_defaults(handler=run_import)
    exported = action(
        "export",
        "write the sources as OPML 2.0",
        "Write the sources a feed reader can read (RSS, Atom and JSON feeds, Google News\n"
        "searches) as OPML 2.0 to standard output, one folder per language; GDELT queries,\n"
        "Telegram channels and local files are listed on standard error and left out.",
    )
    exported.add_argument("--output", "-o", default="-", metavar="FILE", help="default: stdout")
    exported.set_defaults(handler=run_export)


# ── the health table ────────────────────────────────────────────────────────────────────────


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _problem(h: SourceHealth) -> str:
    """The last error of a failing source, or why a working one is degraded (cut to 60)."""
    return (h.last_error if h.failures else h.degraded)[:60]


def show_sources(args: argparse.Namespace) -> int:
    from core.health import SourceHealth
    from storage.connect import read_only
    from storage.health import load_health

    rules = rules_or_exit(args)
    if rules is None:
        return 1
    with read_only(args.state) as conn:
        health = load_health(conn)
    header = ("source", "kind", "state", "last attempt", "last success", "status", "items",
              "errors", "next check", "problem")  # fmt: skip
    rows = [header]
    for source in rules.sources:
        h = health.get(source.name) or SourceHealth(name=source.name)
        state = (
            "disabled" if not source.enabled
            else "paused by an admin" if h.paused_by_admin
            else "paused" if h.paused
            else "failing" if h.failures
            else "degraded" if h.degraded and h.last_success
            else "ok" if h.last_success
            else "new"
        )  # fmt: skip
        rows.append((
            source.name, source.kind, state, _when(h.last_attempt), _when(h.last_success),
            str(h.status or "-"), str(h.items_seen), f"{h.failures}/{h.error_count}",
            _when(h.next_check), _problem(h) or "-",
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


# ── add and try ─────────────────────────────────────────────────────────────────────────────


async def _try(args: argparse.Namespace, rules: Rules) -> Trial:
    from core.clock import SystemClock
    from matching.engine import Matcher
    from runner.trial import try_url
    from watchers.http import Fetcher, make_client

    async with make_client(rules.fetch) as client:
        fetcher = Fetcher(client, rules.fetch, SystemClock())
        return await try_url(
            args.url,
            fetcher,
            Matcher.from_rules(rules),
            name=args.name.strip(),
            lang=args.lang.strip(),
            every=args.every,
        )


def _report(trial: Trial) -> None:
    """What a trial found, for the operator."""
    found = trial.discovery
    if found is not None:
        for attempt in found.attempts:
            print(f"tried {attempt.url} ({attempt.how}): {attempt.error or 'a feed'}")
        if found.feed_url:
            print(f"feed: {found.feed_url} ({found.how})")
    if trial.error:
        return
    print(f"title: {trial.title or '-'}")
    print(f"items read: {len(trial.items)}")
    if trial.degraded:
        print(f"degraded: {trial.degraded}")
    declared, detected = trial.declared_lang or "none", trial.detected_lang or "unknown"
    agree = "" if declared == detected or "none" in (declared,) else "  (they differ: check)"
    print(f"language: declared {declared}, detected {detected}{agree}")
    counts = ", ".join(f"{t} {n}" for t, n in sorted(trial.topic_counts.items()))
    print(f"on topic now: {len(trial.on_topic)} of {len(trial.items)} items ({counts or 'none'})")
    for item, topics in trial.on_topic[:SHOWN]:
        print(f"  - {item.title[:100]}  [{', '.join(topics)}]")


def every_ok(every: str) -> bool:
    """Whether --every is a duration with its unit; says why not on stderr."""
    parsed = duration.parse(every)
    if parsed is None or not parsed[1]:
        print(f"--every '{every}' is not a duration like {duration.EXAMPLES}", file=sys.stderr)
        return False
    return True


def _checked(args: argparse.Namespace) -> tuple[Rules | None, bool]:
    from config.model import LANGS
    from config.yamlnodes import LANG_RE

    rules = rules_or_exit(args)
    ok = every_ok(args.every)
    if args.lang and not LANG_RE.match(args.lang):
        print(
            f"--lang '{args.lang}' is not a language code like {', '.join(LANGS)}",
            file=sys.stderr,
        )
        ok = False
    return rules, ok


def _tried(args: argparse.Namespace, on_error: str) -> tuple[Rules, Trial] | None:
    """Check the arguments, try the URL and print what it holds; None when the arguments are
    refused or the URL fails (its error on stderr, followed by `on_error`)."""
    import asyncio  # only where a command runs a loop: 30 ms at start-up

    rules, ok = _checked(args)
    if rules is None or not ok:
        return None
    trial = asyncio.run(_try(args, rules))
    _report(trial)
    if trial.error:
        print(f"error: {trial.error}{on_error}", file=sys.stderr)
        return None
    return rules, trial


def run_try(args: argparse.Namespace) -> int:
    from config.edit import source_line
    from runner.trial import already_watched

    tried = _tried(args, "")
    if tried is None:
        return 1
    rules, trial = tried
    print(f"as a source: - {source_line(trial.fields)}")
    clash = already_watched(rules.sources, trial.fields)
    if clash:
        print(f"note: {clash}")
    return 0


def _write(args: argparse.Namespace, lines: list[str]) -> int:
    """Append `lines` to the rules file, validated; the issues on stderr and 1 when refused."""
    from pathlib import Path

    from config.edit import append_sources, write_rules

    path = Path(args.rules)
    before = path.read_text(encoding="utf-8")
    try:
        after, _ = append_sources(before, lines, str(path))
        write_rules(path, before, after)
    except RulesError as exc:
        print("refused, the rules file is unchanged:", file=sys.stderr)
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return 1
    return 0


def run_add(args: argparse.Namespace) -> int:
    from config.edit import source_line
    from runner.trial import already_watched

    tried = _tried(args, "; nothing added")
    if tried is None:
        return 1
    rules, trial = tried
    clash = already_watched(rules.sources, trial.fields)
    if clash:
        print(f"refused: {clash}; the rules file is unchanged", file=sys.stderr)
        return 1
    line = source_line(trial.fields)
    if _write(args, [line]):
        return 1
    print(f"added to {args.rules}: - {line}")
    return 0


# ── OPML ────────────────────────────────────────────────────────────────────────────────────


def run_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from config.edit import source_line
    from watchers.opml import new_sources, read_opml

    rules = rules_or_exit(args)
    if rules is None or not every_ok(args.every):
        return 1
    try:
        outlines = read_opml(Path(args.file).read_bytes())
    except (OSError, ParseError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    fields, notes = new_sources(outlines, rules.sources, args.every)
    for note in notes:
        print(note)
    lines = [source_line(f) for f in fields]
    if not lines:
        print(f"nothing to add: {len(outlines)} feeds in {args.file}, all already watched")
        return 0
    if _write(args, lines):
        return 1
    print(f"added {len(lines)} of {len(outlines)} feeds from {args.file} to {args.rules}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from watchers.opml import feed_url, write_opml

    rules = rules_or_exit(args)
    if rules is None:
        return 1
    for source in rules.sources:
        if not feed_url(source):
            print(f"left out {source.name!r}: a {source.kind} source is no feed", file=sys.stderr)
    text = write_opml(rules.sources, "Sahel Watch sources", datetime.now(UTC))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"written to {args.output}", file=sys.stderr)
    return 0
