"""`search`, `backtest` and `export`: stored reports searched, re-matched and exported."""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from cli.common import add_command, rules_or_exit
from core.clock import SystemClock
from core.errors import StoreError
from core.story import StoryView
from matching.engine import Matcher
from storage.db import open_state
from storage.records import StoredItem
from storage.snippets import bracketed
from storage.store import Store

_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
EXAMPLES = 10


def register(sub: Any) -> None:
    search = add_command(
        sub,
        "search",
        "full-text search over every stored report",
        run_search,
        "Search titles and texts of every stored report; one result per story, newest first,\n"
        "with its outlets and a snippet of the report's own text (matches in [brackets]).\n"
        'All words must occur; "quoted words" form a phrase; OR (in capitals) between\n'
        "alternatives (Haftar OR Dbeibah); -word or NOT word leaves out (Libya -drone); a\n"
        "trailing * matches any ending (wagn*). Case, accents and Arabic spelling variants\n"
        "(hamza forms, ى/ي, ة/ه, diacritics, و ف ب ل ك prefixes) do not matter. The same\n"
        "search as the bot's /search.",
    )
    search.add_argument("query", nargs="+", help="words to search for")
    search.add_argument("--limit", type=int, default=20, help="at most N stories (default 20)")

    backtest = add_command(
        sub,
        "backtest",
        "re-run a rules file over stored reports and show what would change",
        run_backtest,
        "Match every stored report (since --since) against --rules FILE and print, per topic,\n"
        "the reports that would newly match and those that would stop matching, compared with\n"
        "the verdicts stored when they arrived.",
    )
    backtest.add_argument(
        "--since",
        default=None,
        metavar="AGE|DATE",
        help="only reports first seen since (7d, 2026-08-01)",
    )
    backtest.add_argument(
        "--examples",
        type=int,
        default=EXAMPLES,
        help=f"reports listed per topic (default {EXAMPLES})",
    )

    export = add_command(
        sub,
        "export",
        "export stored stories as JSON lines or CSV",
        run_export,
        "Write every story (since --since), oldest first. jsonl: one story a line,\n"
        '{"story_id", "title", "url", "topics", "entities", "languages", "sources",\n'
        '"first_seen", "items": [{"url", "title", "source", "lang", "published"}]}.\n'
        "csv: one story a row, lists joined with '; ', the number of items instead of them.",
    )
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--since", default=None, metavar="AGE|DATE", help="7d, 48h, 2026-08-01")
    export.add_argument("--output", "-o", default="-", metavar="FILE", help="default: stdout")


def parse_since(text: str | None, now: datetime) -> datetime | None:
    """'7d' / '48h' / '30m' / '2w' before `now`, or an ISO date or time (UTC if no zone)."""
    if text is None:
        return None
    m = _AGO.match(text.lower())
    if m:
        return now - timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since '{text}' is neither an age like 7d or 48h nor a date") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@contextmanager
def open_store(args: argparse.Namespace) -> Iterator[Store]:
    store = Store(open_state(args.state), SystemClock())
    try:
        yield store
    finally:
        store.close()


def since_or_none(args: argparse.Namespace) -> tuple[bool, datetime | None]:
    """(valid, the time --since names); prints why when it is not valid."""
    try:
        return True, parse_since(args.since, datetime.now(UTC))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return False, None


def _day(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M") if dt else "????-??-?? ??:??"


def run_search(args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    try:
        with open_store(args) as store:
            hits = store.search(query, args.limit)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not hits:
        print(f"no stored report matches {query!r}")
        return 0
    for h in hits:
        story = f"  story {h.story_id}" if h.story_id is not None else ""
        print(f"{_day(h.published or h.first_seen)}  {h.source} [{h.lang or '?'}]{story}")
        print(f"  {h.title}")
        print(f"  {h.url}")
        others = [s for s in h.sources if s != h.source]
        if others:
            print(f"  also: {', '.join(others)}")
        if h.snippet:
            print(f"  … {bracketed(h.snippet)} …")
    return 0


def backtest(matcher: Matcher, stored: Iterator[StoredItem]) -> tuple[int, dict[str, Any]]:
    """(items seen, {topic: {"new": [StoredItem], "gone": [StoredItem]}})."""
    changes: dict[str, Any] = defaultdict(lambda: {"new": [], "gone": []})
    seen = 0
    for s in stored:
        seen += 1
        now = set(matcher.match_item(s.item).matched_topics)
        before = set(s.topics)
        for topic in now - before:
            changes[topic]["new"].append(s)
        for topic in before - now:
            changes[topic]["gone"].append(s)
    return seen, dict(changes)


def run_backtest(args: argparse.Namespace) -> int:
    ok, since = since_or_none(args)
    rules = rules_or_exit(args)
    if rules is None or not ok:
        return 1
    matcher = Matcher.from_rules(rules)
    with open_store(args) as store:
        seen, changes = backtest(matcher, store.iter_items(since))
    scope = f"since {since.isoformat(timespec='minutes')}" if since else "all"
    print(f"backtest of {args.rules} over {seen} stored reports ({scope})")
    if not changes:
        print("no change: every stored report keeps its verdicts")
        return 0
    for topic in sorted(changes):
        new, gone = changes[topic]["new"], changes[topic]["gone"]
        known = "" if topic in rules.topics else " (topic not in these rules)"
        print(f"\n{topic}{known}: {len(new)} would newly match, {len(gone)} would stop matching")
        for sign, items in (("+", new), ("-", gone)):
            for s in items[: args.examples]:
                it = s.item
                print(f"  {sign} {_day(it.published)}  {it.source}: {it.title}  <{it.url}>")
            if len(items) > args.examples:
                print(f"  {sign} ... and {len(items) - args.examples} more")
    return 0


def story_record(v: StoryView) -> dict[str, Any]:
    """The export shape of one story."""
    return {
        "story_id": v.id,
        "title": v.title,
        "url": v.url,
        "topics": list(v.topics),
        "entities": list(v.entities),
        "languages": list(v.languages),
        "sources": list(v.sources),
        "first_seen": v.first_seen.isoformat(),
        "items": [
            {
                "url": i.url,
                "title": i.title,
                "source": i.source,
                "lang": i.lang,
                "published": i.published.isoformat() if i.published else None,
            }
            for i in v.items
        ],
    }


def write_export(stories: Iterator[StoryView], fmt: str, out: IO[str]) -> int:
    n = 0
    if fmt == "jsonl":
        for v in stories:
            out.write(json.dumps(story_record(v), ensure_ascii=False) + "\n")
            n += 1
        return n
    fields = ["story_id", "title", "url", "topics", "entities", "languages", "sources",
              "first_seen", "items"]  # fmt: skip
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for v in stories:
        rec = story_record(v)
        for key in ("topics", "entities", "languages", "sources"):
            rec[key] = "; ".join(rec[key])
        rec["items"] = len(rec["items"])
        writer.writerow(rec)
        n += 1
    return n


def run_export(args: argparse.Namespace) -> int:
    ok, since = since_or_none(args)
    if not ok:
        return 1
    with open_store(args) as store:
        if args.output == "-":
            write_export(store.iter_stories(since), args.format, sys.stdout)
        else:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                n = write_export(store.iter_stories(since), args.format, out)
            print(f"{n} stories written to {args.output}", file=sys.stderr)
    return 0
