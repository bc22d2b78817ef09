"""What the watchers benchmark measures and prints: CPU seconds and peak memory of the
processes (Linux /proc), time inside wrapped calls, one cycle's figures and their lines."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any

from runner.parsepool import ParsePool
from storage.retention import WINDOW_TABLES


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory (VmHWM) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> None:
    """Start this process's peak resident memory again from what it holds now (Linux
    clear_refs), so that a run's peak does not carry the peak of a run before it."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def worker_pids(pool: ParsePool | None) -> list[int]:
    """The live worker processes of a parse pool (private attribute: a bench may peek)."""
    inner = pool._pool if pool is not None else None  # measuring, not using
    return list((inner._processes or {}).keys()) if inner is not None else []


@dataclass
class Timers:
    """Seconds spent inside wrapped synchronous calls (on whichever thread runs them)."""

    spent: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - t0
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed

    def reset(self) -> None:
        self.spent.clear()
        self.calls.clear()


@dataclass
class Figures:
    """One cycle's measurements."""

    wall: float
    ok: int
    not_modified: int
    items: int
    new_items: int
    stories: int
    cpu_main: float
    cpu_loop: float
    cpu_workers: float
    cpu_server: float
    stages: dict[str, float]
    transactions: int = 0  # store transactions of the pipeline's writes (runner.writes)
    writes: int = 0  # writes (a poll's reports, a poll's health) in them
    longest_batch: float = 0.0  # seconds the longest of them took on the writer thread
    db_growth: int = 0  # bytes the state database grew by in this cycle
    tables: dict[str, int] = field(default_factory=dict)  # bytes per table and index, after
    window: int = 0  # of the database after the cycle, bytes kept only in the window


class Meter:
    """CPU of this process, its loop thread, the pool's workers and the server, over a cycle."""

    def __init__(self, server_pid: int, pool: ParsePool | None) -> None:
        self.server_pid, self.pool = server_pid, pool
        self.t0 = self.main0 = self.loop0 = self.server0 = 0.0
        self.workers0: dict[int, float] = {}

    def _workers(self) -> dict[int, float]:
        return {pid: cpu_s(pid) for pid in worker_pids(self.pool)}

    def start(self) -> None:
        self.workers0 = self._workers()
        self.server0 = cpu_s(self.server_pid)
        self.main0, self.loop0 = time.process_time(), time.thread_time()
        self.t0 = time.perf_counter()

    def stop(self) -> tuple[float, float, float, float, float]:
        wall = time.perf_counter() - self.t0
        main, loop = time.process_time() - self.main0, time.thread_time() - self.loop0
        workers = sum(cpu - self.workers0.get(pid, 0.0) for pid, cpu in self._workers().items())
        return wall, main, loop, workers, cpu_s(self.server_pid) - self.server0


def db_bytes(db: Any) -> int:
    """The state database's size as its connection sees it (WAL pages included)."""
    count = db.execute("PRAGMA page_count").fetchone()[0]
    return int(count * db.execute("PRAGMA page_size").fetchone()[0])


def table_bytes(db: Any) -> dict[str, int]:
    """Bytes of pages each table and index holds (SQLite's dbstat), the largest first."""
    rows = db.execute(
        "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
    ).fetchall()
    return {str(name): int(size) for name, size in rows}


def window_bytes(db: Any) -> int:
    """Bytes only the clustering window keeps (storage.retention deletes its rows after it):
    the window's tables with their indexes."""
    tables = set(WINDOW_TABLES)
    names = tables | {
        name
        for name, table in db.execute("SELECT name, tbl_name FROM sqlite_schema")
        if table in tables
    }
    marks = ",".join("?" * len(names))
    (pages,) = db.execute(
        f"SELECT coalesce(SUM(pgsize), 0) FROM dbstat WHERE name IN ({marks})", sorted(names)
    ).fetchone()
    return int(pages)


def print_cycle(name: str, f: Figures, target: float) -> None:
    print(
        f"  {name:<11}: {f.wall:6.2f} s  (target < {target:g} s)  ok={f.ok} items={f.items} "
        f"new={f.new_items} stories={f.stories}"
    )
    idle = 2 * f.wall - f.cpu_main - f.cpu_workers - f.cpu_server
    print(
        f"   CPU s: main process {f.cpu_main:.2f} (event-loop thread {f.cpu_loop:.2f}, other "
        f"threads {f.cpu_main - f.cpu_loop:.2f}), parse workers {f.cpu_workers:.2f}, "
        f"server {f.cpu_server:.2f}; idle of 2 cores {idle:.2f}"
    )
    if f.stages:
        staged = sum(f.stages.values())
        parts = ", ".join(
            f"{k} {v:.2f}" for k, v in sorted(f.stages.items(), key=lambda kv: -kv[1])
        )
        print(
            f"   wall s inside (the store's on the writer thread): {parts}; rest (HTTP, loop) "
            f"{f.wall - staged:.2f}"
        )
    if f.transactions:
        print(
            f"   store: {f.writes} writes (a poll's reports, a poll's health) in "
            f"{f.transactions} transactions; the longest took the writer thread "
            f"{f.longest_batch * 1000:.0f} ms"
        )
    if f.new_items:
        print(
            f"   database grew {f.db_growth / 1e6:.1f} MB: {f.db_growth / f.new_items / 1000:.2f}"
            " KB a new report (target <= 3 KB; 13 KB in issue 16's 300-feed run)"
        )
    if f.tables and f.new_items:
        top = list(f.tables.items())[:10]
        print(
            "   of which, bytes a new report: "
            + ", ".join(f"{name} {size / f.new_items:.0f}" for name, size in top)
        )
        kept = (f.db_growth - f.window) / f.new_items / 1000
        print(
            f"   kept past the clustering window: {kept:.2f} KB a new report (target <= 3 KB);"
            f" {f.window / f.new_items / 1000:.2f} KB clustering index and features,"
            " deleted after it"
        )
