"""Benchmark the watchers: N feeds x M items on a local server, first cycle and a 304 cycle.

    .venv/bin/python bench/bench_watchers.py [--feeds 1000] [--items 20] [--naive-sample 100]
                                             [--process module:function] [--fetch-only]

A FeedServer (tests/feedserver.py) runs in a child process, so the server's work does not count
against this process's time or memory. A cycle polls every source at once through the shared
Fetcher (`Fetch()` limits, `per_host` raised because every feed sits on one local host), applies
`schedule.after_poll`, then hands all items to the match + store step: the default rules' matcher
and a Store in a fresh temporary database for each run (`--fetch-only` skips it; `--process
pkg.module:function` plugs in another).

The naive baseline is a sequential `feedparser.parse(url)` loop (then with etag/modified for the
304 cycle), timed on `--naive-sample` feeds and extrapolated to N (said so in the output).
Parsing runs in worker threads (the default in `poll`), then again with a ProcessPoolExecutor
(`--workers`, 0 to skip) passed as `poll(parse_pool=...)`. Peak memory is the max RSS of the
largest process (resource.getrusage, self and the pool's children), read before the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import multiprocessing as mp
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402  # after the sys.path fix

from config.model import Fetch, Source  # noqa: E402
from core.clock import SystemClock  # noqa: E402
from core.health import SourceHealth  # noqa: E402
from core.items import Item  # noqa: E402
from tests.feedserver import FeedServer  # noqa: E402
from watchers.http import Fetcher, make_client  # noqa: E402
from watchers.poll import poll  # noqa: E402
from watchers.schedule import after_poll  # noqa: E402

Process = Callable[[list[Item]], object]
Counts = tuple[int, int, int]
WORDS = [
    "Haftar",
    "Ouagadougou",
    "Sahel",
    "Niger",
    "Mali",
    "Bamako",
    "Niamey",
    "Tripoli",
    "Benghazi",
    "Wagner",
    "Russia",
    "Africa",
    "Corps",
    "junta",
    "convoy",
    "drone",
    "ministry",
    "talks",
    "envoy",
    "border",
    "fuel",
    "oil",
    "militia",
    "alliance",
    "visit",
]


def _vocabulary(size: int = 5000) -> list[str]:
    """Pseudo-words, so that generated headlines differ as much as real ones do (a handful of
    words repeated everywhere would make every item a near-duplicate of every other)."""
    rng = random.Random(0)
    syllables = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)]


VOCABULARY = _vocabulary()


def _words(rng: random.Random, n: int) -> str:
    """`n` words: mostly ordinary vocabulary, with one or two of the monitor's names."""
    picked = [rng.choice(VOCABULARY) for _ in range(n)]
    for _ in range(rng.randint(1, 2)):
        picked[rng.randrange(n)] = rng.choice(WORDS)
    return " ".join(picked)


def make_feed(index: int, items: int) -> bytes:
    """One RSS 2.0 feed with `items` items (deterministic, about 8 KB for 20 items)."""
    rng = random.Random(index)
    base = datetime(2026, 8, 13, tzinfo=UTC)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>Bench feed {index}</title><link>https://bench.test/{index}/</link>",
        "<description>generated</description><language>en</language>",
    ]
    for j in range(items):
        title = _words(rng, 9)
        text = _words(rng, 40)
        when = format_datetime(base - timedelta(minutes=index + j * 7), usegmt=True)
        out.append(
            f"<item><title>{title}</title><link>https://bench.test/{index}/{j}</link>"
            f'<guid isPermaLink="false">bench-{index}-{j}</guid>'
            f"<description><![CDATA[<p>{text}</p><p><b>{title}</b></p>]]></description>"
            f"<pubDate>{when}</pubDate></item>"
        )
    out.append("</channel></rss>")
    return "\n".join(out).encode()


def serve(feeds: int, items: int, conn: mp.connection.Connection) -> None:
    """Child process: serve the generated feeds until told to stop."""
    server = FeedServer().start()
    for i in range(feeds):
        server.add(f"/feed/{i}.xml", make_feed(i, items))
    conn.send(server.base_url)
    conn.recv()
    server.stop()


async def cycle(
    sources: Sequence[Source],
    healths: dict[str, SourceHealth],
    fetcher: Fetcher,
    fetch: Fetch,
    process: Process | None,
    pool: Executor | None = None,
) -> tuple[int, int, int]:
    """Poll every source once; returns (ok, not_modified, items)."""
    clock = fetcher.clock
    outcomes = await asyncio.gather(
        *(poll(s, healths[s.name], fetcher, clock, parse_pool=pool) for s in sources)
    )
    rng = random.Random(0)
    items: list[Item] = []
    for source, outcome in zip(sources, outcomes, strict=True):
        healths[source.name] = after_poll(healths[source.name], outcome, source, fetch, rng)
        items.extend(outcome.items)
    if process is not None:
        process(items)
    ok = sum(o.ok for o in outcomes)
    return ok, sum(o.not_modified for o in outcomes), len(items)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


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
    process: Callable[[], Process] | None = None,
    workers: int = 2,
) -> None:
    """`process` makes a fresh match + store step for each run (None: fetch and parse only)."""
    parent, child = mp.Pipe()
    server = mp.Process(target=serve, args=(feeds, items, child), daemon=True)
    server.start()
    try:
        base = parent.recv()
        urls = [f"{base}/feed/{i}.xml" for i in range(feeds)]
        fetch = Fetch(per_host=50)
        sources = [Source(name=f"f{i}", kind="rss", every_s=600, url=u) for i, u in enumerate(urls)]

        async def run(pool: Executor | None) -> tuple[float, float, Counts, Counts]:
            healths = {s.name: SourceHealth(name=s.name) for s in sources}
            step = process() if process is not None else None
            async with make_client(fetch) as client:
                fetcher = Fetcher(client, fetch, SystemClock())
                t0 = time.perf_counter()
                first = await cycle(sources, healths, fetcher, fetch, step, pool)
                t1 = time.perf_counter() - t0
                t0 = time.perf_counter()
                second = await cycle(sources, healths, fetcher, fetch, step, pool)
                t2 = time.perf_counter() - t0
            return t1, t2, first, second

        results = {"parse in threads": asyncio.run(run(None))}
        peak = {"parse in threads": peak_mb()}
        if workers > 0:
            label = f"parse in {workers} worker processes"
            with ProcessPoolExecutor(workers) as pool:
                results[label] = asyncio.run(run(pool))
                children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            peak[label] = max(peak_mb(), children)
        sample = urls[: max(1, min(naive_sample, feeds))]
        n1, n2, naive_items = naive(sample)
        scale = feeds / len(sample)
    finally:
        parent.send("stop")
        server.join(timeout=10)
    step = "match + store" if process else "no process step plugged in"
    print(f"watchers bench: {feeds} feeds x {items} items on a local server ({step})")
    for label, (t1, t2, first, second) in results.items():
        print(f" {label}:")
        print(f"  first cycle : {t1:6.2f} s  ok={first[0]} items={first[2]}   (target < 30 s)")
        print(
            f"  304 cycle   : {t2:6.2f} s  ok={second[0]} not_modified={second[1]}   (target < 5 s)"
        )
        print(f"  peak RSS    : {peak[label]:6.1f} MB (largest process; target < 300 MB)")
    print(
        f" naive sequential feedparser.parse(url): measured on {len(sample)} feeds "
        f"({naive_items} items), extrapolated x{scale:g} to {feeds}"
    )
    print(f"  first cycle : {n1 * scale:6.2f} s  (measured {n1:.2f} s)")
    print(f"  304 cycle   : {n2 * scale:6.2f} s  (measured {n2:.2f} s)")
    for label, (t1, t2, _, _) in results.items():
        print(
            f" ratio naive/ours ({label}): first {n1 * scale / t1:.1f}x, 304 {n2 * scale / t2:.1f}x"
        )


def _load(spec: str) -> Callable[[], Process]:
    module, _, attr = spec.partition(":")
    func: Process = getattr(importlib.import_module(module), attr)
    return lambda: func


def match_and_store() -> Process:
    """The real step: the default rules' matcher and a Store in a fresh temporary database."""
    import tempfile

    from config import load_rules
    from matching.engine import Matcher
    from storage.db import connect, migrate
    from storage.store import Store

    rules = load_rules(ROOT / "rules.yaml")
    matcher = Matcher.from_rules(rules)
    kinds = {e.id: e.kind for e in rules.entities.values()}
    db = connect(Path(tempfile.mkdtemp(prefix="bench-watchers-")) / "state.db")
    migrate(db)
    store = Store(db, SystemClock(), rules.stories)

    def step(items: Sequence[Item]) -> None:
        by_source: dict[str, list[Item]] = {}
        for item in items:
            by_source.setdefault(item.source, []).append(item)
        for batch in by_source.values():  # as the service does: one transaction per poll
            store.ingest_many([(item, matcher.match_item(item)) for item in batch], kinds)

    return step


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--naive-sample", type=int, default=100)
    parser.add_argument("--process", default="", help="module:function taking list[Item]")
    parser.add_argument(
        "--fetch-only", action="store_true", help="skip the match + store step (fetch and parse)"
    )
    parser.add_argument("--workers", type=int, default=2, help="also run with a process pool")
    args = parser.parse_args()
    main(
        args.feeds,
        args.items,
        args.naive_sample,
        None if args.fetch_only else _load(args.process) if args.process else match_and_store,
        args.workers,
    )
