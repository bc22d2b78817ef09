"""Worker processes for parsing feeds: how many `fetch: parse_workers` asks for, a pool that
outlives a dead worker, a worker's start, and a poll's parse step run in the pool (`parse_in`).

Parsing (feedparser, pure Python) is the watchers' heaviest CPU work; in worker processes it
spreads over the cores while the main process fetches and stores. Workers started with rules
(`use_rules`) also match a poll's reports and prepare their rows (runner.prework).

A worker's answer for a poll (its items, matches and prepared rows: about 100 KB for 20
reports) is larger than a pipe's 64 KB: over a pipe of the default size, a worker waits,
mid-write, for this process's result thread to read it, and that thread waits for the GIL
behind the event loop (a tenth of the worker's time in a first cycle). The pool's result pipe
is widened to RESULT_PIPE_BYTES (Linux; elsewhere it stays as it is), so the worker writes its
answer and goes on parsing.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import replace
from functools import partial
from multiprocessing.process import BaseProcess
from typing import ParamSpec, Protocol, TypeVar, runtime_checkable

from config.model import Fetch, Rules, Source
from core import gc_tuning
from core.cpus import available_cpus
from core.errors import ParseError
from core.log import event
from runner import prework
from watchers.http import Response
from watchers.poll import Parsed, ParseStep

AUTO_PARSE_WORKERS = 2  # the most `parse_workers: auto` asks for
BREAKS_BEFORE_THREADS = 3  # dead-worker breaks within BREAK_WINDOW_S ...
BREAK_WINDOW_S = 60.0
THREADS_FOR_S = 600.0  # ... send parsing to threads for this long
RESULT_PIPE_BYTES = 1 << 20  # about ten polls' answers (Linux's default limit for a pipe)
P = ParamSpec("P")
T = TypeVar("T")


def parse_workers(fetch: Fetch, cpus: int | None = None) -> int:
    """How many parse worker processes `fetch` asks for: its `parse_workers`, or for `auto`
    (None) one core fewer than the process may use, at most 2: the event loop (HTTP, matching,
    storing) is the cycle's serial path, so it keeps a core; 0 (parse in a thread) on a single
    core, where a pool only adds pickling. `cpus` defaults to `available_cpus()`."""
    if fetch.parse_workers is not None:
        return fetch.parse_workers
    return max(0, min(AUTO_PARSE_WORKERS, (cpus or available_cpus()) - 1))


class ParsePool(Executor):
    """Where feeds are parsed: worker processes that outlive a dead worker, or threads.

    With `workers` > 0, workers are started with `spawn` (the service runs threads: forking
    after them is unsafe), on demand by the first polls, and each imports the parsers once. When
    a worker dies (a crash, the OOM killer), Python's pool breaks: every parse pending in it
    fails with BrokenProcessPool (`parse_in` tries such a parse once more), and the next
    submit starts a fresh pool. Pools that keep breaking (BREAKS_BEFORE_THREADS within
    BREAK_WINDOW_S) are not restarted without end: parsing falls back to threads for
    THREADS_FOR_S, with one warning. With 0 workers, parsing runs in threads.

    `resize(n)` and `use_rules(rules, generation)` (a reload) apply to later submits; work
    already submitted finishes where it is. After `shutdown`, a submit returns a cancelled
    future: polls still in flight during a stop end as cancelled, not as errors.
    """

    def __init__(
        self,
        workers: int,
        *,
        start_method: str = "spawn",
        breaks_before_threads: int = BREAKS_BEFORE_THREADS,
    ) -> None:
        if workers < 0:
            raise ValueError("a parse pool cannot have fewer than 0 workers")
        self.workers = workers
        self.start_method = start_method
        self.rebuilds = 0  # pools replaced after a worker died
        self._pool: ProcessPoolExecutor | None = None
        self._threads: ThreadPoolExecutor | None = None
        self.breaks_before_threads = breaks_before_threads
        self._breaks: deque[float] = deque(maxlen=breaks_before_threads)
        self._threads_until = 0.0
        # the worker tables of pools shut down without waiting (see join()): a pool forgets its
        # workers as soon as it is shut down, so the table is kept from before
        self._retired: list[Mapping[int, BaseProcess]] = []
        self._closed = False
        self._rules: tuple[Rules | None, int] = (None, 0)  # the workers' rules, generation
        self._lock = threading.Lock()

    def _current(self) -> Executor:
        with self._lock:
            if self.workers == 0 or time.monotonic() < self._threads_until:
                if self._threads is None:
                    # as many threads as asyncio.to_thread would use: one slow body must not
                    # hold up the others
                    self._threads = ThreadPoolExecutor(
                        min(32, (os.cpu_count() or 1) + 4), thread_name_prefix="parse"
                    )
                return self._threads
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context(self.start_method),
                    initializer=init_worker,
                    initargs=self._rules,
                )
                _widen_result_pipe(self._pool)
            return self._pool

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        for _ in range(2):  # a pool found broken at submit is replaced once
            if self._closed:
                return _cancelled()
            pool = self._current()
            try:
                future = pool.submit(fn, *args, **kwargs)
            except BrokenProcessPool:
                self._discard(pool)
                continue
            except RuntimeError:  # shut down (or resized) between the check and the submit
                if self._closed:
                    return _cancelled()
                continue
            if isinstance(pool, ProcessPoolExecutor):
                future.add_done_callback(partial(self._check, pool))
            return future
        raise BrokenProcessPool("the parse pool broke again as soon as it was started")

    def resize(self, workers: int) -> None:
        """Use `workers` processes (0: threads) for later parses; the current pool finishes
        what it was given, then stops."""
        with self._lock:
            self.workers = max(0, workers)
        self._retire()

    def use_rules(self, rules: Rules, generation: int) -> None:
        """Workers hold the matching rules of `generation` (see runner.prework): a new
        generation retires the current workers, and later submits start new ones with it."""
        with self._lock:
            if self._rules[1] == generation:
                return
            self._rules = (rules, generation)
        self._retire()

    def _retire(self) -> None:
        """Let the current process pool finish what it was given, then stop; later submits
        start a new one. Pools retired before whose workers have all left are forgotten."""
        with self._lock:
            pool, self._pool = self._pool, None
            self._retired = [t for t in self._retired if _alive(t)]
            if pool is not None:
                self._retired.append(_workers(pool))
        if pool is not None:
            pool.shutdown(wait=False)

    def _check(self, pool: Executor, future: Future[object]) -> None:
        """Done callback: a future failed by a dead worker retires its pool."""
        if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
            self._discard(pool)

    def _discard(self, pool: Executor) -> None:
        with self._lock:
            if self._pool is not pool:
                return  # already replaced
            self._pool = None
            self.rebuilds += 1
            now = time.monotonic()
            self._breaks.append(now)
            fall_back = (
                len(self._breaks) == self.breaks_before_threads
                and now - self._breaks[0] <= BREAK_WINDOW_S
            )
            if fall_back:
                self._threads_until = now + THREADS_FOR_S
                self._breaks.clear()
        # A broken pool has already terminated its workers; this runs on its manager thread,
        # so no joining here.
        pool.shutdown(wait=False)
        event("parse_pool", "runner", level=logging.WARNING, rebuilt=self.rebuilds)
        if fall_back:
            event(
                "parse_pool", "runner", level=logging.WARNING,
                error=f"parse workers died {self.breaks_before_threads} times within"
                f" {BREAK_WINDOW_S:g} s: parsing in threads for {THREADS_FOR_S:g} s",
            )  # fmt: skip

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers (idempotent); `cancel_futures` cancels parses not yet started."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            threads, self._threads = self._threads, None
            if pool is not None:
                self._retired.append(_workers(pool))
        for executor in (pool, threads):
            if executor is not None:
                executor.shutdown(wait=wait, cancel_futures=cancel_futures)

    def join(self, timeout: float = 10.0) -> None:
        """Wait up to `timeout` seconds for the workers of pools shut down without waiting to
        leave, then terminate any still there (Python 3.11 can miss a worker that was starting
        while its pool shut down). Blocking: call it from a thread, at the end."""
        end = time.monotonic() + timeout
        with self._lock:
            retired, self._retired = self._retired, []
        for table in retired:
            for worker in list(table.values()):
                worker.join(max(0.0, end - time.monotonic()))
                if worker.is_alive():
                    worker.terminate()
                    worker.join(1.0)


@runtime_checkable
class RulesAware(Protocol):
    """An executor whose workers can hold the matching rules (a ParsePool, or a wrapper)."""

    def use_rules(self, rules: Rules, generation: int) -> None: ...


def _workers(pool: ProcessPoolExecutor) -> Mapping[int, BaseProcess]:
    """The pool's live table of workers by pid (its manager drops a worker that leaves)."""
    # ProcessPoolExecutor has no public list of its workers before Python 3.14
    return pool._processes if pool._processes is not None else {}


def _widen_result_pipe(pool: ProcessPoolExecutor) -> None:
    """Give the pool's result pipe RESULT_PIPE_BYTES (see the module docstring); best effort."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    # ProcessPoolExecutor keeps its result queue (a SimpleQueue over a pipe) private
    queue = getattr(pool, "_result_queue", None)
    reader = getattr(queue, "_reader", None)
    if setpipe is None or reader is None:
        return
    # above /proc/sys/fs/pipe-max-size for this user: the default stays
    with suppress(OSError):
        fcntl.fcntl(reader.fileno(), setpipe, RESULT_PIPE_BYTES)


def _alive(table: Mapping[int, BaseProcess]) -> bool:
    return any(w.is_alive() for w in list(table.values()))


def _cancelled() -> Future[T]:
    future: Future[T] = Future()
    future.cancel()
    return future


def init_worker(rules: Rules | None = None, generation: int = 0) -> None:
    """A parse worker's start: Ctrl-C is left to the service, which stops the pool itself (no
    KeyboardInterrupt per worker); the worker leaves when the service's process ends in any way
    (a second signal's os._exit, a kill) instead of waiting for work forever; then the rules of
    `generation` are installed (runner.prework). The parsers come with this module's imports."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc_tuning.tune()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with, args=(parent,), name="parent-watch", daemon=True
        ).start()
    if rules is not None:
        prework.install(rules, generation)


def _exit_with(parent: BaseProcess) -> None:
    parent.join()  # returns when the parent process is gone
    os._exit(0)


async def parse_in(pool: Executor, parse: ParseStep, source: Source, response: Response) -> Parsed:
    """`parse` in `pool` (a poll's `parse_in`). A worker that dies breaks the whole process
    pool: every parse pending in it fails, whichever body killed it. Each is tried once more in
    the fresh pool (see ParsePool), so only a body that kills its worker again fails: a
    ParseError saying the worker died."""
    portable = replace(response, headers=dict(response.headers))  # picklable headers
    run = partial(asyncio.get_running_loop().run_in_executor, pool, parse, source, portable)
    try:
        try:
            return await run()
        except BrokenProcessPool:
            return await run()  # in the fresh pool
    except BrokenProcessPool as exc:
        raise ParseError(f"parse worker died: {exc}") from exc


def make_parse_pool(fetch: Fetch) -> ParsePool:
    """The pool `fetch: parse_workers` asks for (0 workers: parsing in threads)."""
    return ParsePool(parse_workers(fetch))
