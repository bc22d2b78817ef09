"""Benchmark of the store at scale: ingest (dedupe + story filing), the join decision, FTS
queries, file size.

    .venv/bin/python bench/bench_store.py [--items 1000000] [--ingest 3000] [--compare 1000]
        [--full-index] [--profile N] [--snapshot DIR | --reuse DIR]
        [--cycle-feeds 1000] [--cycle-items 20] [--cycle-rounds 2] [--cycle-pages N]
        [--cycle-only]

(--snapshot DIR keeps a copy of the filled database; --reuse DIR starts from that copy instead
of filling, replaying the generator: to measure a change to the code without a new fill.)

1. Fills a fresh database (in a temporary folder) with --items synthetic but realistic reports
   (English, French, Arabic; 200 sources; Zipf-distributed vocabulary; first seen over 90 days)
   through the bulk path: executemany in one transaction, the same tables, keys and full-text
   rows `Store.ingest` writes. A third of the reports name the rules' entities (spelt as in
   rules.yaml): each reports an event, a kind of happening (visit, armed_attack, coup,
   withdrawal, diplomatic_break, ...) with its people, organisation, place and number, in
   wording of its own; a report is a follow-up of an event reported in the last day about
   one time in three, else a new event. The reports of one event share one story. For the
   last two clustering windows (2 x 48 h) the fill writes what the live store keeps: features,
   near-duplicate keys (`cluster_keys`), each story's profile (`stories.profile.StoryProfile`
   of its members, as `storage.story_index.save` writes it: `story_profiles`, `story_keys`);
   `term_df` counts every report's word stems (`TermStats.count`). The identity and clustering
   keys go into the large part of their index (`item_keys`, `cluster_keys`), as the daily
   prune leaves them (`storage.identity`, `storage.candidates`). --full-index also files 16
   random band keys for every older item, the index as it would be if never pruned.
1b. First cycles (bench/store/cycle.py): --cycle-feeds polls of --cycle-items new reports through
   the pipeline's writes (runner.writes), on the filled store and on an empty one, alternated,
   written by the writer thread and, as before issue 16, on the event loop: the longest stall
   of the loop (a probe ticking every 10 ms; target < 100 ms), and the writer's time a report
   and a COMMIT's, filled over empty (target <= 1.1x). --cycle-pages N then runs N more polls
   on each store without the checkpoint thread and prints the pages a COMMIT writes, table by
   table (bench/store/pages.py: what makes the filled store's dearer). --cycle-only stops
   after them.
2. Times `Store.ingest` on --ingest new reports, a mix of exact duplicates (the same article
   with tracking parameters or another GUID), near-duplicates (a recent report re-titled by
   another outlet) and new reports (the generator's: some follow up a recent event, most are
   new): first each in a transaction of its own (a feed that brings one report), then --ingest
   others in transactions of 20, as the pipeline stores a poll (each report charged its own
   time and an equal share of the commit). For every report that reaches it, the time spent in
   `storage.story_join.file_report` (the join decision and its writes) is measured apart, part
   by part, with the outcomes (near-duplicate joins, same-event joins, new stories, merges).
3. Before and after, alternated (2 x 2 rounds of --compare new reports, each in a transaction
   of its own): "before" files reports as the store did before event clustering (near-duplicate
   decision over the LSH candidates, then a story of its own: no story candidates, scoring,
   profile or term counts), "now" through today's `file_report`.
4. --profile N: N more new reports under cProfile, the top costs of `file_report`.
5. Times FTS queries (common and rare words, phrases, prefixes, Arabic).
6. Prints the database size per 1,000 items, then times the pruning of the oldest day.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.store.cycle import first_cycles
from bench.store.fill import fill, replay, state_folder
from bench.store.generator import Generator
from bench.store.ingest import Probe, compare, print_ingest, profile, timed_ingest
from bench.store.pages import pages_a_commit, print_pages
from bench.store.vocab import DAYS, END, POLL
from core.clock import FixedClock
from storage.db import open_state
from storage.store import Store

QUERIES = [
    "haftar",
    "mali",
    "wagner africa corps",
    '"africa corps"',
    "ouagadougou traore",
    "niger attack",
    "junte transition",
    "صدام حفتر",
    "الفيلق الافريقي",
    "مالي",
    "bamako",
    "kidal menaka",
    "ba*",
    "killed attack gao",
    "rencontre niamey",
    "babeba",
    "no-such-word-anywhere",
    "tripoli benghazi",
    "فاغنر",
    "russie soudan",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--ingest", type=int, default=3000)
    parser.add_argument(
        "--compare", type=int, default=1000, help="reports a round of before/now (0: none)"
    )
    parser.add_argument("--profile", type=int, default=0, help="new reports to profile")
    parser.add_argument(
        "--full-index", action="store_true", help="index every item, not only the window"
    )
    parser.add_argument("--keep", metavar="DIR", help="build the database in DIR and keep it")
    parser.add_argument("--pragma", action="append", default=[], help="extra PRAGMA for the run")
    parser.add_argument("--snapshot", metavar="DIR", help="copy the filled database into DIR")
    parser.add_argument(
        "--reuse", metavar="DIR", help="start from a --snapshot of the same --items, not a fill"
    )
    parser.add_argument("--cycle-feeds", type=int, default=1000, help="0: no first cycles")
    parser.add_argument("--cycle-items", type=int, default=20)
    parser.add_argument("--cycle-rounds", type=int, default=2)
    parser.add_argument("--cycle-pages", type=int, default=0, help="polls to count pages of")
    parser.add_argument("--cycle-only", action="store_true", help="stop after the cycles")
    args = parser.parse_args()

    with state_folder(args.keep, "bench_store_") as folder:
        clock = FixedClock(END)
        gen = Generator()
        if args.reuse:
            shutil.copytree(args.reuse, folder, dirs_exist_ok=True)
            store = Store(open_state(str(folder)), clock)
            print(f"reusing the database of {args.reuse}; replaying the generator ...", flush=True)
            t0 = time.perf_counter()
            recent = replay(gen, args.items)
            fill_s = time.perf_counter() - t0
        else:
            store = Store(open_state(str(folder)), clock)
            print(f"filling {args.items:,} items (bulk path) ...", flush=True)
            fill_s, recent = fill(store, gen, args.items, args.full_index)
            if args.snapshot:
                store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                shutil.copytree(folder, args.snapshot, dirs_exist_ok=True)
        pages, free, page_size = (
            store.conn.execute(f"PRAGMA {p}").fetchone()[0]
            for p in ("page_count", "freelist_count", "page_size")
        )
        size = (pages - free) * page_size  # the data, whether still in the WAL or not
        count = {
            t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("cluster_keys", "stories", "story_profiles", "story_keys", "term_df")
        }
        print(
            f"fill (or replay): {fill_s:.0f} s; clustering index rows: {count['cluster_keys']:,};"
            f" stories {count['stories']:,}, profiles {count['story_profiles']:,},"
            f" story keys {count['story_keys']:,}, term_df rows {count['term_df']:,}"
        )

        for pragma in args.pragma:
            print(f"PRAGMA {pragma}: {store.conn.execute(f'PRAGMA {pragma}').fetchall()}")
        if args.cycle_feeds:
            print(
                f"first cycles of {args.cycle_feeds:,} feeds x {args.cycle_items} new reports,"
                f" filled store and an empty one, alternated ({args.cycle_rounds} rounds):",
                flush=True,
            )
            with tempfile.TemporaryDirectory(prefix="bench_store_empty_") as spare:
                empty = Store(open_state(spare), FixedClock(END))
                try:
                    first_cycles(
                        store, empty, gen, args.cycle_feeds, args.cycle_items, args.cycle_rounds
                    )
                finally:
                    empty.close()
                if args.cycle_pages:
                    store.close()
                    pages = [
                        pages_a_commit(Path(where), at, gen, args.cycle_pages, args.cycle_items, 9)
                        for where, at in ((folder, clock), (spare, empty.clock))
                    ]
                    print(f"pages a COMMIT over {pages[0][1]} and {pages[1][1]} commits:")
                    print_pages(pages[0][0], pages[1][0])
                    store = Store(open_state(str(folder)), clock)
        if args.cycle_only:
            store.close()
            return 0
        print(f"ingesting {args.ingest:,} reports through Store.ingest ...", flush=True)
        probe = Probe()
        with probe.installed():
            times = timed_ingest(store, gen, recent, args.ingest)
        every = [t for ts in times.values() for t in ts]
        print(
            f"ingest, average over {len(every):,}: {1000 * statistics.mean(every):.3f} ms"
            f" (median {1000 * statistics.median(every):.3f} ms,"
            f" p99 {1000 * sorted(every)[int(len(every) * 0.99)]:.3f} ms)"
        )
        print_ingest(times)
        probe.print("one report a transaction")
        print(
            f"ingesting {args.ingest:,} other reports in transactions of {POLL}, as the"
            " pipeline stores a poll ...",
            flush=True,
        )
        probe = Probe()
        with probe.installed():
            polled = timed_ingest(store, gen, recent, args.ingest, batch=POLL, seed=5)
        print_ingest(polled)
        probe.print(f"transactions of {POLL}", breakdown=False)
        if args.compare:
            print(
                f"before (near-duplicate decision only, as before event clustering) and now,"
                f" alternated, {args.compare:,} reports a round (1/3 near-duplicates, 2/3 new):",
                flush=True,
            )
            compare(store, gen, recent, args.compare)
        if args.profile:
            print(f"profile of file_report over {args.profile:,} reports:", flush=True)
            profile(store, gen, recent, args.profile)

        q_times = []
        for q in QUERIES:
            t0 = time.perf_counter()
            hits = store.search(q, 20)
            q_times.append(time.perf_counter() - t0)
            print(f"  search {q!r:28} {1000 * q_times[-1]:7.2f} ms  {len(hits)} hits")
        print(
            f"FTS query: average {1000 * statistics.mean(q_times):.2f} ms,"
            f" max {1000 * max(q_times):.2f} ms over {len(q_times)} queries"
        )
        t0 = time.perf_counter()
        pruned = store.prune(END + timedelta(days=1), DAYS)
        print(f"prune of the oldest day: {pruned:,} items in {time.perf_counter() - t0:.2f} s")
        n = store.item_count()
        print(
            f"database: {size / 1e6:.0f} MB for {args.items:,} items after the fill ="
            f" {size / (args.items / 1000) / 1e6:.2f} MB per 1,000 items"
            f" ({size / args.items:.0f} bytes an item); {n:,} items after ingest and prune"
        )
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
