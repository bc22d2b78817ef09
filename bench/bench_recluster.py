"""Benchmark of `recluster` (runner.recluster): rebuilding the stories of stored reports.

    .venv/bin/python bench/bench_recluster.py [--items 100000] [--days 9] [--rules rules.yaml]

1. Fills a fresh database with --items reports over --days through the store bench's generator
   (bench/store) and bulk fill (the default keeps the 1,000,000-report bench's density, about
   11,000 reports a day): background news, and reports of events (visits, attacks, coups,
   withdrawals, ...) by several outlets in English, French and Arabic, filed one story an
   event, with the profiles, story keys and term counts of the last two clustering windows.
   Only the rules' own entities are used, spelt as rules.yaml spells them, so that the real
   matcher finds them.
2. Checks on a sample that the matcher of --rules (config.load_rules) finds in the generated
   texts the entities the generator put there.
3. Runs `recluster(store, rules, since=None, apply=False)` (a dry run), then apply=True, and
   prints reports, seconds, reports/s, stories before and after, reports moved; for the dry
   run also the time spent matching and in `storage.story_join.file_report`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.store.fill import fill, state_folder
from bench.store.generator import Generator
from bench.store.ingest import Probe
from bench.store.vocab import END
from config import load_rules
from config.model import Rules
from core.clock import FixedClock
from matching.engine import Matcher
from runner.recluster import Reclustered, recluster
from storage.db import open_state
from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent


def check_matcher(rules: Rules, sample: int) -> None:
    """How often the rules' matcher finds exactly the entities the generator wrote."""
    gen = Generator(seed=99, extra_entities=False)
    matcher = Matcher.from_rules(rules)
    exact = named = 0
    missing: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    when = END - timedelta(days=1)
    for n in range(sample):
        g = gen.report(n, when + timedelta(seconds=30 * n))
        if not g.ents:
            continue
        named += 1
        found = set(matcher.match_item(g.item).entities)
        wrote = set(g.ents)
        exact += found == wrote
        missing.update(wrote - found)
        extra.update(found - wrote)
    print(
        f"matcher check: {named:,} generated reports naming entities, the matcher found exactly"
        f" the generator's entities in {exact:,} ({100 * exact / max(named, 1):.0f}%);"
        f" missed most often {missing.most_common(5)}; found besides {extra.most_common(5)}"
    )


def show(label: str, r: Reclustered) -> None:
    print(
        f"recluster {label}: {r.reports:,} reports in {r.seconds:.1f} s = {r.rate:,.0f} reports/s;"
        f" stories {r.stories_before:,} before, {r.stories_after:,} after; moved {r.moved:,};"
        f" applied {r.applied}"
    )


def timed_matcher() -> tuple[list[float], Callable[[], None]]:
    """Time Matcher.match_item while installed; returns the times and the undo."""
    real = Matcher.match_item
    spent: list[float] = []

    def match_item(self: Matcher, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return real(self, *args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)

    Matcher.match_item = match_item  # type: ignore[method-assign]

    def undo() -> None:
        Matcher.match_item = real  # type: ignore[method-assign]

    return spent, undo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=9.0)
    parser.add_argument("--rules", default=str(ROOT / "rules.yaml"))
    parser.add_argument("--check", type=int, default=3000, help="reports of the matcher check")
    parser.add_argument("--keep", metavar="DIR", help="build the database in DIR and keep it")
    args = parser.parse_args()

    rules = load_rules(args.rules)
    check_matcher(rules, args.check)
    with state_folder(args.keep, "bench_recluster_") as folder:
        store = Store(open_state(str(folder)), FixedClock(END), rules.stories)
        gen = Generator(extra_entities=False)
        print(f"filling {args.items:,} items over {args.days:g} days (bulk path) ...", flush=True)
        fill_s, _ = fill(store, gen, args.items, False, days=args.days)
        stories = store.conn.execute("SELECT count(DISTINCT story_id) FROM story_items").fetchone()[
            0
        ]
        print(f"fill: {fill_s:.0f} s; {stories:,} stories", flush=True)

        probe = Probe()
        spent, undo = timed_matcher()
        try:
            with probe.installed():
                dry = recluster(store, rules, since=None, apply=False)
        finally:
            undo()
        show("dry run (apply=False)", dry)
        filed = probe.calls
        print(
            f"  of which matching {sum(spent):.1f} s ({1000 * statistics.mean(spent):.3f} ms a"
            f" report), file_report {sum(filed):.1f} s ({1000 * statistics.mean(filed):.3f} ms"
            f" a report; decision alone {1000 * statistics.mean(probe.decisions):.3f} ms);"
            f" outcomes {probe.outcomes()}",
            flush=True,
        )
        applied = recluster(store, rules, since=None, apply=True)
        show("applied (apply=True)", applied)
        after = store.conn.execute("SELECT count(DISTINCT story_id) FROM story_items").fetchone()[0]
        print(f"stories in the store after: {after:,}")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
