"""Benchmark: how much the database file grows a report, day by day, with the daily prune.

    .venv/bin/python bench/bench_growth.py [--per-day 3000] [--days 7] [--keep DIR]

A fresh store (the default rules' clustering settings: a 48-hour window) takes --per-day
reports a day from the store bench's generator (bench/store: background news and reports of
events by several outlets in English, French and Arabic, with what the matcher would find in
them), in polls of 20 through `Store.ingest_many`, the clock moving through the day; after each
day, `Store.prune` runs as the service runs it daily, and the WAL is copied back. Printed: the
file's growth a report for each day. The first days also fill what only the clustering window
keeps (storage.retention.WINDOW_TABLES: its keys, story profiles and the reports' features);
from the day after the prune first deletes them (the sixth: past twice the window), their pages
are reused, and the growth is what the database keeps a report for the retention period.

Target (issue 16): <= 3 KB a report.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.store.fill import state_folder
from bench.store.generator import Generator, match_for
from bench.store.vocab import END
from bench.watchers_measure import db_bytes
from config.model import Stories
from core.clock import FixedClock
from storage.db import open_state
from storage.store import Store

POLL = 20  # reports a poll
TARGET_KB = 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-day", type=int, default=3000, help="reports a day")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--keep", metavar="DIR", help="build the database in DIR and keep it")
    args = parser.parse_args()
    settings = Stories()
    start = END - timedelta(days=args.days)
    clock = FixedClock(start)
    gen = Generator()
    print(
        f"database growth: {args.per_day:,} reports a day for {args.days} days, a prune after"
        f" each day (clustering window {settings.window_hours:g} h)"
    )
    steady: list[float] = []
    with state_folder(args.keep, "bench_growth_") as folder:
        store = Store(open_state(str(folder)), clock, settings)
        try:
            reports = args.per_day // POLL * POLL
            for day in range(args.days):
                before = db_bytes(store.conn)
                for first in range(0, reports, POLL):
                    poll = []
                    for i in range(first, first + POLL):
                        when = start + timedelta(days=day, seconds=i * 86400 / reports)
                        g = gen.report(day * reports + i + 1, when)
                        poll.append((g.item, match_for(g)))
                    clock.set(when)
                    store.ingest_many(poll, gen.kinds)
                store.prune(start + timedelta(days=day + 1), 90)
                store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                grew = (db_bytes(store.conn) - before) / reports / 1000
                # the prune before this day deleted the window's rows of the first day
                past = day * 24 > 2 * settings.window_hours
                if past:
                    steady.append(grew)
                print(
                    f"  day {day + 1}: the file grew {grew:.2f} KB a report"
                    + (" (window-bound rows deleted: their pages reused)" if past else ""),
                    flush=True,
                )
        finally:
            store.close()
    if steady:
        print(
            f"kept a report for the retention period: {max(steady):.2f} KB at most past the"
            f" window (target <= {TARGET_KB:g} KB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
