"""Benchmark the watchers: N feeds x M items on a local server, the real cycle, then a 304 cycle.

    .venv/bin/python bench/bench_watchers.py [--feeds 1000] [--items 20] [--hosts 25]
                                             [--naive-sample 100] [--workers 0,auto]
                                             [--fetch-only] [--profile]

A FeedServer (tests/feedserver.py) runs in a child process, so the server's work does not count
against this process's time or memory (it still shares the machine's cores: its CPU is printed).
The feeds are spread over `--hosts` loopback addresses (127.0.0.1 to 127.0.0.25 by default, one
FeedServer each, all in that process), as real feeds sit on many outlets' hosts, so the default
politeness applies unchanged (`per_host: 2`, `concurrency: 50`). All on one host, with `per_host`
raised to 50, httpcore 1.0.9's pool hands an idle connection to every request for that origin
waiting in the same pass, and the losers' retries (encode/httpcore#1035: 12 pool passes a
request, a 304 cycle of 7 s instead of 2.8 s here) would be measured instead of Sahel Watch.
A cycle is `runner.cycle.Pipeline.run_once()` over N sources: the default rules (rules.yaml) with
its `sources` replaced by the bench's, a real Store on a fresh temporary database, a sink that
counts stories and notices, and the shared Fetcher; so polls, matching, ingest and health saves
(batched into shared transactions by runner.writes, as in the service) interleave as they do in
the service. `--fetch-only` polls only
(`watchers.poll.poll` for every source at once, no match or store).

Each `--workers` value is one run: 0 parses in worker threads, N > 0 in a `ParsePool` of N
spawned processes (what `fetch: parse_workers` gives the service), which also match and prepare
rows (runner.prework): the loop thread's "match" figure then counts only re-matches after full
text, and the workers' CPU includes matching. Per-phase figures: wall time;
CPU of the main process, of its event-loop thread, of the parse workers and of the server; time
spent in the loop thread by matching, ingest, health saves and `store.seen`; the rest of the loop
thread is HTTP, polling, logging and the event loop. The garbage collector is tuned as `bot.py`
tunes it for every command (core/gc_tuning.py). `--profile` adds a cProfile of the main
thread for the first cycle of the last run. Peak memory is each process's VmHWM (peak RSS),
this process's reset before each run.

The naive baseline is a sequential `feedparser.parse(url)` loop (then with etag/modified for the
304 cycle), timed on `--naive-sample` feeds and extrapolated to N (said so in the output).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import multiprocessing as mp
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402  # after the sys.path fix

from bench.watchers_feeds import serve  # noqa: E402
from bench.watchers_measure import (  # noqa: E402
    Figures,
    Meter,
    Timers,
    db_bytes,
    peak_rss_mb,
    print_cycle,
    reset_peak_rss,
    table_bytes,
    window_bytes,
    worker_pids,
)
from config import load_rules  # noqa: E402
from config.model import Fetch, Source  # noqa: E402
from core import gc_tuning  # noqa: E402
from core.clock import SystemClock  # noqa: E402
from core.health import SourceHealth  # noqa: E402
from core.story import StoryNews  # noqa: E402
from runner.cycle import Pipeline  # noqa: E402
from runner.parsepool import ParsePool, parse_workers  # noqa: E402
from runner.parsepool import parse_in as parse_in_pool  # noqa: E402
from storage.db import connect, migrate  # noqa: E402
from storage.store import Store  # noqa: E402
from watchers.http import Fetcher, make_client  # noqa: E402
from watchers.poll import in_thread, poll  # noqa: E402


@dataclass
class Sink:
    """Counts what the pipeline hands to delivery."""

    stories: int = 0
    notices: int = 0

    async def fan_out(self, news: Sequence[StoryNews]) -> None:
        self.stories += sum(n.kind == "new" for n in news)

    async def notify_admins(self, text: str) -> None:
        self.notices += 1


def bench_sources(urls: Sequence[str]) -> list[Source]:
    return [Source(name=f"f{i}", kind="rss", every_s=600, url=u) for i, u in enumerate(urls)]


async def pipeline_run(
    urls: Sequence[str], workers: int, server_pid: int, profile: bool
) -> tuple[list[Figures], list[float], str]:
    """Two `run_once` cycles of the real pipeline; (figures, peak RSS MB per process, profile)."""
    rules = load_rules(ROOT / "rules.yaml")
    fetch = rules.fetch._replace(parse_workers=workers)
    rules = rules._replace(sources=tuple(bench_sources(urls)), fetch=fetch)
    folder = tempfile.mkdtemp(prefix="bench-watchers-")  # removed in `finally` below
    db = connect(Path(folder) / "state.db")
    migrate(db)
    clock = SystemClock()
    store = Store(db, clock, rules.stories)
    timers = Timers()
    for name in ("ingest_many", "save_health", "load_health", "seen"):
        setattr(store, name, timers.wrap(name, getattr(store, name)))
    sink = Sink()
    pool = ParsePool(workers) if workers > 0 else None
    figures: list[Figures] = []
    report = ""
    try:
        async with make_client(fetch) as client:
            pipeline = Pipeline(
                rules, store, Fetcher(client, fetch, clock), sink, clock, parse_pool=pool
            )
            matcher = pipeline.matcher
            matcher.match_item = timers.wrap("match", matcher.match_item)  # type: ignore[method-assign]  # timing wrapper
            if pool is not None:  # start the workers before the clock runs, as the service
                await asyncio.gather(  # has them running by its second poll
                    *(asyncio.wrap_future(pool.submit(time.sleep, 0.2)) for _ in range(workers))
                )
            for round_ in range(2):
                timers.reset()
                stories0 = sink.stories
                batches0, jobs0 = pipeline.writes.batches, pipeline.writes.jobs
                pipeline.writes.longest_s = 0.0
                meter = Meter(server_pid, pool)
                prof = cProfile.Profile() if profile and round_ == 0 else None
                meter.start()
                if prof is not None:
                    prof.enable()
                size0 = db_bytes(db)
                reports = await pipeline.run_once()
                if prof is not None:
                    prof.disable()
                    out = io.StringIO()
                    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
                    report = out.getvalue()
                wall, main, loop, wcpu, scpu = meter.stop()
                figures.append(
                    Figures(
                        wall=wall,
                        ok=sum(r.ok for r in reports),
                        not_modified=sum(1 for r in reports if r.ok and not r.items),  # 304s
                        items=sum(r.items for r in reports),
                        new_items=sum(r.new_items for r in reports),
                        stories=sink.stories - stories0,
                        cpu_main=main,
                        cpu_loop=loop,
                        cpu_workers=wcpu,
                        cpu_server=scpu,
                        stages=dict(timers.spent),
                        transactions=pipeline.writes.batches - batches0,
                        writes=pipeline.writes.jobs - jobs0,
                        longest_batch=pipeline.writes.longest_s,
                        db_growth=db_bytes(db) - size0,
                        tables=table_bytes(db) if round_ == 0 else {},
                        window=window_bytes(db) if round_ == 0 else 0,
                    )
                )
            peaks = [peak_rss_mb()] + [peak_rss_mb(pid) for pid in worker_pids(pool)]
    finally:
        if pool is not None:
            pool.shutdown()
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
    return figures, peaks, report


async def fetch_only_run(urls: Sequence[str], workers: int, server_pid: int) -> list[Figures]:
    """Two rounds of `poll` for every source at once (no match, no store)."""
    fetch = Fetch(parse_workers=workers)
    sources = bench_sources(urls)
    healths = {s.name: SourceHealth(name=s.name) for s in sources}
    pool = ParsePool(workers) if workers > 0 else None
    parse_in = in_thread if pool is None else partial(parse_in_pool, pool)
    figures = []
    try:
        async with make_client(fetch) as client:
            fetcher = Fetcher(client, fetch, SystemClock())
            for _ in range(2):
                meter = Meter(server_pid, pool)
                meter.start()
                outcomes = await asyncio.gather(
                    *(poll(s, healths[s.name], fetcher, fetcher.clock, parse_in=parse_in)
                      for s in sources)
                )  # fmt: skip
                wall, main, loop, wcpu, scpu = meter.stop()
                for source, outcome in zip(sources, outcomes, strict=True):
                    healths[source.name] = healths[source.name]._replace(
                        etag=outcome.etag,
                        last_modified=outcome.last_modified,
                    )  # fmt: skip
                ok = sum(o.ok for o in outcomes)
                not_modified = sum(o.not_modified for o in outcomes)
                items = sum(len(o.items) for o in outcomes)
                figures.append(
                    Figures(wall, ok, not_modified, items, 0, 0, main, loop, wcpu, scpu, {})
                )
    finally:
        if pool is not None:
            pool.shutdown()
    return figures


def naive(urls: Sequence[str]) -> tuple[float, float, int]:
    """Sequential feedparser.parse(url), then again with etag/modified; (t1, t2, items)."""
    t0 = time.perf_counter()
    results = [feedparser.parse(u) for u in urls]
    t1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    for u, r in zip(urls, results, strict=True):
        feedparser.parse(u, etag=r.get("etag"), modified=r.get("modified"))
    t2 = time.perf_counter() - t0
    return t1, t2, sum(len(r.entries) for r in results)


def main(
    feeds: int = 1000,
    items: int = 20,
    naive_sample: int = 100,
    workers: Sequence[int] = (0, 1),
    fetch_only: bool = False,
    profile: bool = False,
    hosts: int = 25,
) -> None:
    gc_tuning.tune()  # as bot.py does for every command
    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(
        target=serve, args=(feeds, items, child, hosts), daemon=True
    )
    server.start()
    results: dict[str, tuple[list[Figures], list[float]]] = {}
    report = ""
    try:
        urls, server_pid = parent.recv()
        for n in workers:
            label = "parse in threads" if n == 0 else f"parse in {n} worker processes"
            reset_peak_rss()  # each run's own peak (what a run before left allocated counts)
            if fetch_only:
                figures = asyncio.run(fetch_only_run(urls, n, server_pid))
                peaks = [peak_rss_mb()]
            else:
                figures, peaks, report = asyncio.run(
                    pipeline_run(urls, n, server_pid, profile and n == workers[-1])
                )
            results[label] = (figures, peaks)
        sample = urls[: max(1, min(naive_sample, feeds))]
        n1, n2, naive_items = naive(sample)
        scale = feeds / len(sample)
    finally:
        parent.send("stop")
        server.join(timeout=10)
    step = "poll only (--fetch-only)" if fetch_only else "Pipeline.run_once: poll, match, store"
    print(
        f"watchers bench: {feeds} feeds x {items} items on a local server"
        f" ({hosts} loopback hosts); {step}"
    )
    print(f" machine: {os.cpu_count()} cores; server in a child process, sharing them")
    for label, (figures, peaks) in results.items():
        print(f" {label}:")
        print_cycle("first cycle", figures[0], 30)
        print_cycle("304 cycle", figures[1], 5)
        others = ", ".join(f"{p:.0f}" for p in peaks[1:])
        print(
            f"  peak RSS    : {max(peaks):6.1f} MB largest process (target < 300 MB); "
            f"main {peaks[0]:.0f} MB" + (f", workers {others} MB" if others else "")
        )
    print(
        f" naive sequential feedparser.parse(url): measured on {len(sample)} feeds "
        f"({naive_items} items), extrapolated x{scale:g} to {feeds}"
    )
    print(f"  first cycle : {n1 * scale:6.2f} s  (measured {n1:.2f} s)")
    print(f"  304 cycle   : {n2 * scale:6.2f} s  (measured {n2:.2f} s)")
    for label, (figures, _) in results.items():
        first, second = figures[0].wall, figures[1].wall
        print(
            f" ratio naive/ours ({label}): first {n1 * scale / first:.1f}x, "
            f"304 {n2 * scale / second:.1f}x"
        )
    if report:
        print(" cProfile of the main process, first cycle (threads' work not included):")
        print(report)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=25, help="loopback addresses to spread over")
    parser.add_argument("--naive-sample", type=int, default=100)
    parser.add_argument(
        "--workers",
        default="0,auto",
        help="parse workers per run, comma-separated (0: threads; auto: as `parse_workers: auto`)",
    )
    parser.add_argument("--fetch-only", action="store_true", help="poll only: no match, no store")
    parser.add_argument("--profile", action="store_true", help="cProfile the last run's cycle")
    args = parser.parse_args()
    main(
        args.feeds,
        args.items,
        args.naive_sample,
        [parse_workers(Fetch()) if n == "auto" else int(n) for n in args.workers.split(",")],
        args.fetch_only,
        args.profile,
        args.hosts,
    )
