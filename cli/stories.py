"""`search`, `backtest` and `export`: stored reports searched, re-matched and exported."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from cli.common import add_command, rules_or_exit
from core import duration
from core.errors import StoreError

if TYPE_CHECKING:  # each handler imports what it uses (cli/common.py)
    from datetime import datetime

    from core.story import StoryView
    from matching.engine import Matcher
    from storage.records import StoredItem

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
        help="only reports first seen since (7d, 2w, 2026-08-01)",
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
        "Write every story (since --since; of the topics --topic names; with --matched-only,\n"
        "of any topic), oldest first. jsonl: one story a line,\n"
        '{"story_id", "title", "url", "topics", "entities", "languages", "sources",\n'
        '"first_seen", "items": [{"url", "title", "source", "lang", "published"}]}\n'
        "(the representative item first, then as they arrived, at most 50).\n"
        "csv: one story a row, lists joined with '; ', the number of items instead of them.",
    )
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--since", default=None, metavar="AGE|DATE", help="7d, 48h, 2w, 2026-08-01")
    export.add_argument(
        "--topic",
        action="append",
        metavar="ID",
        help="only the stories of this topic (repeatable: of any of them)",
    )
    export.add_argument(
        "--matched-only", action="store_true", help="only the stories of some topic"
    )
    export.add_argument("--output", "-o", default="-", metavar="FILE", help="default: stdout")


def parse_since(text: str | None, now: datetime) -> datetime | None:
    """An age before `now` (a duration with its unit: 7d, 48h, 30m, 2w; `core.duration`), or
    an ISO date or time (UTC if no zone)."""
    from datetime import UTC, datetime, timedelta

    if text is None:
        return None
    age = duration.parse(text)
    if age is not None and age[1]:
        return now - timedelta(seconds=age[0])
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since '{text}' is neither an age ({duration.EXAMPLES}) nor a date (2026-08-01)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def since_or_none(args: argparse.Namespace) -> tuple[bool, datetime | None]:
    """(valid, the time --since names); prints why when it is not valid."""
    from datetime import UTC, datetime

    try:
        return True, parse_since(args.since, datetime.now(UTC))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return False, None


def _day(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M") if dt else "????-??-?? ??:??"


def run_search(args: argparse.Namespace) -> int:
    from storage import queries
    from storage.connect import read_only
    from storage.snippets import bracketed

    query = " ".join(args.query)
    try:
        with read_only(args.state) as conn:
            hits = queries.search(conn, query, args.limit)
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


class Change:
    """What a backtest found for one topic, newly matching (+) or no longer (-): how many,
    and the first few as the lines it prints (all it keeps of them)."""

    __slots__ = ("counts", "shown")

    def __init__(self) -> None:
        self.counts = {"+": 0, "-": 0}
        self.shown: dict[str, list[str]] = {"+": [], "-": []}

    def add(self, sign: str, stored: StoredItem, examples: int) -> None:
        self.counts[sign] += 1
        if len(self.shown[sign]) < examples:
            it = stored.item
            self.shown[sign].append(f"{_day(it.published)}  {it.source}: {it.title}  <{it.url}>")


def backtest(
    matcher: Matcher, stored: Iterator[StoredItem], examples: int = EXAMPLES
) -> tuple[int, dict[str, Change]]:
    """(items seen, per topic what changed), reading the stored items one by one."""
    changes: dict[str, Change] = {}
    seen = 0
    for s in stored:
        seen += 1
        now = set(matcher.match_item(s.item).matched_topics)
        before = set(s.topics)
        for sign, topics in (("+", now - before), ("-", before - now)):
            for topic in topics:
                changes.setdefault(topic, Change()).add(sign, s, examples)
    return seen, changes


def run_backtest(args: argparse.Namespace) -> int:
    from matching.engine import Matcher
    from storage import queries
    from storage.connect import read_only

    ok, since = since_or_none(args)
    rules = rules_or_exit(args)
    if rules is None or not ok:
        return 1
    matcher = Matcher.from_rules(rules)
    try:
        with read_only(args.state) as conn:
            seen, changes = backtest(matcher, queries.iter_items(conn, since), args.examples)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 1
    scope = f"since {since.isoformat(timespec='minutes')}" if since else "all"
    print(f"backtest of {args.rules} over {seen} stored reports ({scope})")
    if not changes:
        print("no change: every stored report keeps its verdicts")
        return 0
    for topic in sorted(changes):
        change = changes[topic]
        known = "" if topic in rules.topics else " (topic not in these rules)"
        print(
            f"\n{topic}{known}: {change.counts['+']} would newly match, "
            f"{change.counts['-']} would stop matching"
        )
        for sign in ("+", "-"):
            for line in change.shown[sign]:
                print(f"  {sign} {line}")
            if change.counts[sign] > len(change.shown[sign]):
                print(f"  {sign} ... and {change.counts[sign] - len(change.shown[sign])} more")
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
        import json

        for v in stories:
            out.write(json.dumps(story_record(v), ensure_ascii=False) + "\n")
            n += 1
        return n
    fields = ["story_id", "title", "url", "topics", "entities", "languages", "sources",
              "first_seen", "items"]  # fmt: skip
    import csv

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
    from storage import exports
    from storage.connect import read_only

    ok, since = since_or_none(args)
    if not ok:
        return 1
    try:
        with read_only(args.state) as conn:
            if args.topic and not _topics_known(args.topic, exports.story_topics(conn)):
                return 1
            stories = exports.iter_export(conn, since, args.topic, args.matched_only)
            if args.output == "-":
                write_export(stories, args.format, sys.stdout)
            else:
                with open(args.output, "w", encoding="utf-8", newline="") as out:
                    n = write_export(stories, args.format, out)
                print(f"{n} stories written to {args.output}", file=sys.stderr)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def _topics_known(asked: list[str], stored: list[str]) -> bool:
    """Whether every --topic is one some stored story has; says which are not on stderr."""
    from config.yamlnodes import did_you_mean

    unknown = [t for t in asked if t not in stored]
    for topic in unknown:
        print(
            f"--topic {topic}: no stored story has this topic{did_you_mean(topic, stored)}",
            file=sys.stderr,
        )
    return not unknown
