"""Worker processes for parsing feeds: how many `fetch: parse_workers` asks for, and a pool that
outlives a dead worker.

Parsing (feedparser, pure Python) is the watchers' heaviest CPU work; in worker processes it
spreads over the cores while the main process fetches, matches and stores.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import ParamSpec, TypeVar

from config.model import Fetch
from core.log import event
from watchers.poll import parse_worker_init

AUTO_PARSE_WORKERS = 2  # the most `parse_workers: auto` asks for
P = ParamSpec("P")
T = TypeVar("T")


def parse_workers(fetch: Fetch, cpus: int | None = None) -> int:
    """How many parse worker processes `fetch` asks for: its `parse_workers`, or for `auto`
    (None) one core fewer than the machine has, at most 2: the event loop (HTTP, matching,
    storing) is the cycle's serial path, so it keeps a core; 0 (parse in a thread) on a single
    core, where a pool only adds pickling. `cpus` defaults to the cores this process may use."""
    if fetch.parse_workers is not None:
        return fetch.parse_workers
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(0, min(AUTO_PARSE_WORKERS, (cpus or 1) - 1))


class ParsePool(Executor):
    """Worker processes for parsing that outlive a dead worker.

    Workers are started with `spawn` (the service runs threads: forking after them is unsafe),
    on demand by the first polls, and each imports the parsers once. When a worker dies
    (a crash, the OOM killer), the pool breaks: every parse pending in it fails with
    BrokenProcessPool (those sources get the error on their health and are polled again as
    usual), and the next submit starts a fresh pool. After `shutdown`, a submit returns a
    cancelled future: polls still in flight during a stop end as cancelled, not as errors.
    """

    def __init__(self, workers: int, *, start_method: str = "spawn") -> None:
        if workers < 1:
            raise ValueError("a parse pool needs at least one worker")
        self.workers = workers
        self.start_method = start_method
        self.rebuilds = 0  # pools replaced after a worker died
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context(self.start_method),
                    initializer=parse_worker_init,
                )
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
            except RuntimeError:  # shut down between the check and the submit
                if self._closed:
                    return _cancelled()
                raise
            future.add_done_callback(partial(self._check, pool))
            return future
        raise BrokenProcessPool("the parse pool broke again as soon as it was started")

    def _check(self, pool: ProcessPoolExecutor, future: Future[object]) -> None:
        """Done callback: a future failed by a dead worker retires its pool."""
        if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
            self._discard(pool)

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is not pool:
                return  # already replaced
            self._pool = None
            self.rebuilds += 1
        # A broken pool has already terminated its workers; this runs on its manager thread,
        # so no joining here.
        pool.shutdown(wait=False)
        event("parse_pool", "runner", level=logging.WARNING, rebuilt=self.rebuilds)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers (idempotent); `cancel_futures` cancels parses not yet started."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _cancelled() -> Future[T]:
    future: Future[T] = Future()
    future.cancel()
    return future


def make_parse_pool(fetch: Fetch) -> ParsePool | None:
    """The pool `fetch: parse_workers` asks for (None: parse in a thread)."""
    workers = parse_workers(fetch)
    return ParsePool(workers) if workers > 0 else None
