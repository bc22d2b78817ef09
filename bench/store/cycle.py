"""A first cycle through the pipeline's writes (runner.writes) in the store bench: `feeds`
polls of `items` new reports each, stored as the service stores them (`Store.ingest_many` and
a health save a poll, batched by `Writes`), while a probe on the event loop measures how late
its ticks come (the longest stall). "thread" is today's `Writes` (its writer thread writes, the
loop awaits); "loop" writes each batch on the event loop, as `Writes` did before issue 16.
Also the cost on the writer: its busy time a report and the COMMITs' time a batch, to compare
a filled store with an empty one. The collector is tuned as bot.py tunes it, and the cycle's
pre-made reports are frozen (in the service a poll's reports come and go): unfrozen, a full
collection over them (~200 ms at 100k stored) stopped both threads and was the longest stall."""

from __future__ import annotations

import asyncio
import gc
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from bench.store.generator import Generator, match_for
from core import gc_tuning
from core.clock import FixedClock
from core.errors import StoreError
from core.health import SourceHealth
from core.items import Item
from matching.result import MatchResult
from runner.writes import Writes, _Job
from storage.prepare import Prepared, prepare
from storage.store import Store
from storage.transactions import rollback

TICK_S = 0.01
STALL_TARGET_MS = 100.0
STALL_BEFORE_MS = "400-1,200"  # issue 16: a batch held the loop 0.4-1.2 s at every store size


class LoopWrites(Writes):
    """`Writes` as before issue 16: the batch is written on the event loop."""

    def _hand_over(self, batch: list[_Job], loop: asyncio.AbstractEventLoop) -> None:
        self._write_all(batch, loop)


@dataclass
class Figures:
    label: str
    reports: int
    wall_s: float
    stall_ms: float
    busy_s: float
    gc_ms: float  # the longest pause of the garbage collector (it stops every thread)
    commits: list[float] = field(default_factory=list)

    def line(self) -> str:
        commit = 1000 * statistics.mean(self.commits) if self.commits else 0.0
        return (
            f"  {self.label:14s} {self.reports:,} reports in {self.wall_s:5.1f} s;"
            f" longest loop stall {self.stall_ms:6.0f} ms (GC {self.gc_ms:.0f});"
            f" writer {1000 * self.busy_s / self.reports:.3f} ms a report;"
            f" COMMIT {commit:.1f} ms a batch over {len(self.commits)}"
        )


async def _lag_probe(stop: asyncio.Event, worst: list[float]) -> None:
    """Tick every TICK_S; keep the worst lateness."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + TICK_S
        await asyncio.sleep(TICK_S)
        worst[0] = max(worst[0], loop.time() - due)


@contextmanager
def timed_commits(store: Store, commits: list[float]) -> Iterator[None]:
    """Time every COMMIT of `store.transaction()` while the block runs."""

    @contextmanager
    def transaction() -> Iterator[sqlite3.Connection]:
        conn = store.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            rollback(conn)
            raise
        t0 = time.perf_counter()
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            rollback(conn)
            raise StoreError(f"cannot commit: {exc}") from exc
        commits.append(time.perf_counter() - t0)

    store.transaction = transaction  # type: ignore[method-assign]
    try:
        yield
    finally:
        del store.transaction


Poll = tuple[list[tuple[Item, MatchResult]], list[Prepared | None]]


@contextmanager
def gc_pauses() -> Iterator[list[float]]:
    """The longest collection while the block runs (seconds, in a one-item list)."""
    longest, began = [0.0], [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            longest[0] = max(longest[0], time.perf_counter() - began[0])

    gc.callbacks.append(callback)
    try:
        yield longest
    finally:
        gc.callbacks.remove(callback)


def polls(gen: Generator, store: Store, feeds: int, items: int, seed: int) -> list[Poll]:
    """`feeds` polls of `items` new reports, their rows prepared as the parse workers prepare
    them (made before the cycle: not on its clock)."""
    now = store.clock.now()
    out = []
    for f in range(feeds):
        pairs: list[tuple[Item, MatchResult]] = []
        ready: list[Prepared | None] = []
        for k in range(items):
            g = gen.report(2 * 10**9 + seed * 10**7 + f * items + k, now)
            match = match_for(g)
            pairs.append((g.item, match))
            ready.append(prepare(g.item, match, gen.kinds, now))
        out.append((pairs, ready))
    return out


async def cycle(
    label: str, store: Store, gen: Generator, feeds: int, items: int, seed: int, on_loop: bool
) -> Figures:
    clock = store.clock
    assert isinstance(clock, FixedClock)
    work = polls(gen, store, feeds, items, seed)
    gc.freeze()  # the bench's inputs: in the service a poll's reports come and go
    writes = (LoopWrites if on_loop else Writes)(store)
    busy = [0.0]
    real = writes._write_all

    def write_all(batch: list[_Job], loop: asyncio.AbstractEventLoop) -> None:
        t0 = time.perf_counter()
        real(batch, loop)
        busy[0] += time.perf_counter() - t0

    writes._write_all = write_all  # type: ignore[method-assign]
    rng = random.Random(seed)
    spread = feeds * 0.01  # polls end over the cycle, not all at once

    async def poll(f: int) -> None:
        await asyncio.sleep(rng.uniform(0, spread))
        pairs, ready = work[f]
        await writes.run(partial(store.ingest_many, pairs, gen.kinds, ready), size=len(pairs))

        def health() -> None:
            clock.advance(1)
            store.save_health(SourceHealth(name=f"feed {f}", items_seen=len(pairs)))

        await writes.run(health)

    commits: list[float] = []
    stop, worst = asyncio.Event(), [0.0]
    with timed_commits(store, commits), gc_pauses() as longest_gc:
        probe = asyncio.ensure_future(_lag_probe(stop, worst))
        t0 = time.perf_counter()
        await asyncio.gather(*(poll(f) for f in range(feeds)))
        wall = time.perf_counter() - t0
        await writes.close()
        stop.set()
        await probe
    gc.unfreeze()
    clock.advance(timedelta(minutes=10).total_seconds())
    return Figures(
        label, feeds * items, wall, 1000 * worst[0], busy[0], 1000 * longest_gc[0], commits
    )


def first_cycles(
    full: Store, empty: Store, gen: Generator, feeds: int, items: int, rounds: int
) -> None:
    """Alternate: filled store written on the loop / by the writer thread, then the empty
    store likewise, `rounds` times; print each and the summary beside the targets."""
    gc_tuning.tune()  # as bot.py does for every command (core/gc_tuning.py)
    runs: dict[str, list[Figures]] = {}
    order = [("filled, loop", full, True), ("filled, thread", full, False)]
    order += [("empty, loop", empty, True), ("empty, thread", empty, False)]
    for r in range(rounds):
        for label, store, on_loop in order:
            figures = asyncio.run(cycle(label, store, gen, feeds, items, 100 + r, on_loop))
            runs.setdefault(label, []).append(figures)
            print(figures.line(), flush=True)
    stall = {k: max(f.stall_ms for f in v) for k, v in runs.items()}
    print(
        f"longest event-loop stall during a first cycle at the filled store:"
        f" {stall['filled, thread']:.0f} ms with the writer thread, {stall['filled, loop']:.0f} ms"
        f" written on the loop (target < {STALL_TARGET_MS:.0f} ms; before: {STALL_BEFORE_MS} ms)"
    )
    per = {k: statistics.median(f.busy_s / f.reports for f in v) for k, v in runs.items()}
    com = {
        k: statistics.median(statistics.mean(f.commits) for f in v if f.commits)
        for k, v in runs.items()
    }
    print(
        f"cycle cost, filled / empty store (writer thread, medians): a report"
        f" {per['filled, thread'] / per['empty, thread']:.2f}x"
        f" ({1000 * per['filled, thread']:.3f} / {1000 * per['empty, thread']:.3f} ms),"
        f" a COMMIT {com['filled, thread'] / com['empty, thread']:.2f}x"
        f" ({1000 * com['filled, thread']:.1f} / {1000 * com['empty, thread']:.1f} ms)"
        f" (target <= 1.1x; before: cycle 1.30-1.42x, commits ~5x at 1M)"
    )
