"""Batching the pipeline's writes to the store: the writes asked for within a short while share
one transaction.

When many polls finish together (a first cycle, a morning burst), the store's thread is the
busiest part of the flow, and a transaction for each poll's reports and another for its health
would each rewrite the index pages that poll touches. `Writes.run(job)` queues a job (a store
call: `ingest_many`, `save_health`) of a given `size` (the reports it writes) and flushes the
queue `linger` seconds after its first job (at once when `max_size` is waiting), so that the
jobs queued in the meantime share one BEGIN ... COMMIT (those past `max_size` go in the next
turn: a batch holds the event loop while it is written). Index pages that several polls touch
are then written once, and SQLite's page cache keeps them between statements (a 20-poll
transaction costs a fifth less a report than one poll's). A report waits at most `linger` for
it.

A job that fails gets its own exception, and the batch is rolled back and written again without
it (the jobs are store calls: run again, they write the same). Failures are rare, and
savepoints, which would roll back a job alone, cost every write a fifth more (SQLite copies
each page first changed under one into a sub-journal). A job's result is handed back only after
the batch has committed; if the COMMIT fails, every job of the batch gets that StoreError, so
a caller never believes a write that was lost (a poll then keeps its old ETag and reads the
items again). `close()` writes what is queued and refuses more: the service calls it before it
closes the store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

from core.errors import StoreError
from storage.store import Store

T = TypeVar("T")
_Job = tuple[Callable[[], Any], "asyncio.Future[Any]"]
MAX_SIZE = 320  # reports a transaction (a first cycle's longest batch held the loop ~0.5 s)
LINGER_S = 0.2  # how long the first write of a batch waits for others


class Writes:
    """The one queue of writes to `store` from the event loop (not thread-safe)."""

    def __init__(self, store: Store, max_size: int = MAX_SIZE, linger: float = LINGER_S) -> None:
        self.store = store
        self.max_size = max_size
        self.linger = linger
        self._queue: list[tuple[Callable[[], Any], asyncio.Future[Any], int]] = []
        self._queued = 0  # the size of what is queued
        self._flush_at: asyncio.TimerHandle | asyncio.Handle | None = None
        self._soon = False  # the scheduled flush runs in the next turn
        self._closed = False
        self.batches = 0  # transactions written (for tests and the bench)
        self.jobs = 0
        self.longest_s = 0.0  # the longest a batch held the event loop

    async def run(self, job: Callable[[], T], size: int = 1) -> T:
        """Run `job` (a call into the store, writing `size` reports) in the next batch; its
        result once committed. StoreError once `close` was called."""
        if self._closed:
            raise StoreError("the store is closing: no more writes")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((job, future, max(1, size)))
        self._queued += max(1, size)
        self._schedule(loop, soon=self._queued >= self.max_size)
        return await future

    async def close(self) -> None:
        """Write what is queued now, and refuse further writes (before the store closes)."""
        self._closed = True
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        while self._queue:
            self._flush()
        await asyncio.sleep(0)  # let the writers' callers take their results

    def _schedule(self, loop: asyncio.AbstractEventLoop, soon: bool) -> None:
        if self._flush_at is not None:
            if self._soon or not soon:
                return
            self._flush_at.cancel()
        self._soon = soon or self.linger <= 0
        self._flush_at = (
            loop.call_soon(self._flush) if self._soon else loop.call_later(self.linger, self._flush)
        )

    def _flush(self) -> None:
        self._flush_at = None
        taken, size = 0, 0
        for _, _, job_size in self._queue:
            if taken and size + job_size > self.max_size:
                break
            taken, size = taken + 1, size + job_size
        batch = [(job, future) for job, future, _ in self._queue[:taken] if not future.done()]
        self._queue = self._queue[taken:]
        self._queued -= size
        if self._queue and not self._closed:  # queued before this flush, past `max_size`
            self._schedule(asyncio.get_running_loop(), soon=True)
        if not batch:
            return
        started = time.perf_counter()
        try:
            self._write_all(batch)
        finally:
            self.longest_s = max(self.longest_s, time.perf_counter() - started)

    def _write_all(self, batch: list[_Job]) -> None:
        """Write `batch` in one transaction, again without any write that fails."""
        while batch:
            outcome = self._write(batch)
            if outcome is None:
                return
            if isinstance(outcome, int):  # that job failed: the others again, without it
                batch = batch[:outcome] + batch[outcome + 1 :]
                continue
            self.batches += 1
            self.jobs += len(batch)
            for future, result in outcome:
                if not future.done():
                    future.set_result(result)
            return

    def _write(self, batch: list[_Job]) -> list[tuple[asyncio.Future[Any], Any]] | int | None:
        """One transaction of `batch`: the results once committed; or the index of the job that
        failed (settled with its exception; nothing was written); or None when the transaction
        itself failed (every job settled with that StoreError)."""
        done: list[tuple[asyncio.Future[Any], Any]] = []
        failed: int | None = None
        try:
            with self.store.transaction():
                for index, (job, future) in enumerate(batch):
                    try:
                        result = job()
                    except Exception as exc:  # the job's caller gets it
                        _settle(future, exc)
                        failed = index
                        raise _RollBack from exc
                    done.append((future, result))
        except _RollBack:
            return failed
        except BaseException as exc:  # BEGIN or COMMIT failed, or worse: nothing was written
            failure = exc if isinstance(exc, StoreError) else StoreError(f"batch failed: {exc}")
            for _, future in batch:
                _settle(future, failure)
            if not isinstance(exc, Exception):
                raise
            return None
        return done


class _RollBack(Exception):
    """Raised inside a batch's transaction to roll it back (a job failed)."""


def _settle(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
