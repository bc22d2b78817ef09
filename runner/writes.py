"""Batching the pipeline's writes to the store, written by one thread of their own: the writes
asked for within a short while share one transaction, and the event loop awaits them.

When many polls finish together (a first cycle, a morning burst), the store is the busiest part
of the flow, and a transaction for each poll's reports and another for its health would each
rewrite the index pages that poll touches. `Writes.run(job)` queues a job (a store call:
`ingest_many`, `save_health`) of a given `size` (the reports it writes) and flushes the queue
`linger` seconds after its first job (at once when `max_size` is waiting), so that the jobs
queued in the meantime share one BEGIN ... COMMIT (those past `max_size` go in the next batch).
Index pages that several polls touch are then written once, and SQLite's page cache keeps them
between statements (a 20-poll transaction costs a fifth less a report than one poll's). A
report waits at most `linger` for it.

The writer thread. Batches are written by one thread, `sahelwatch-writer`, started with the
first write and stopped by `close()`: the only thread that uses the store's connection while it
runs (the house rule: one writer), so that the event loop never waits for a batch. The loop
hands it a batch and awaits each job's future. Code on the loop that cannot await (delivery's
outbox writes, an admin's pause) calls `call_now(fn)`: `fn` runs on the writer thread, between
two jobs of the batch being written (the batch commits what it has written so far, runs `fn`,
and goes on in a new transaction), so the loop waits for the job being written (a poll's
reports, or the daily prune), not a batch. Reads on the loop use a connection of their own
(`Store.reads`: WAL lets them read what is committed beside the writer).

A job that fails gets its own exception, and the batch is rolled back and written again without
it (the jobs are store calls: run again, they write the same). Failures are rare, and
savepoints, which would roll back a job alone, cost every write a fifth more (SQLite copies
each page first changed under one into a sub-journal). A job's result is handed back only after
its transaction has committed; if the COMMIT fails, every job of it gets that StoreError, so
a caller never believes a write that was lost (a poll then keeps its old ETag and reads the
items again). `close()` writes what is queued, stops the thread and refuses more writes: the
service calls it before it closes the store.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from concurrent.futures import Future
from contextlib import suppress
from functools import partial
from typing import Any, TypeVar

from core.errors import StoreError
from storage.store import Store

T = TypeVar("T")
_Job = tuple[Callable[[], Any], "asyncio.Future[Any]"]
_Settled = list[tuple["asyncio.Future[Any]", Any, BaseException | None]]
MAX_SIZE = 320  # reports a transaction
LINGER_S = 0.2  # how long the first write of a batch waits for others


class Writes:
    """The one queue of writes to `store` (`run`, `call_now`: from the event loop's thread)."""

    def __init__(self, store: Store, max_size: int = MAX_SIZE, linger: float = LINGER_S) -> None:
        self.store = store
        self.max_size = max_size
        self.linger = linger
        self._queue: list[tuple[Callable[[], Any], asyncio.Future[Any], int]] = []
        self._queued = 0  # the size of what is queued
        self._flush_at: asyncio.TimerHandle | asyncio.Handle | None = None
        self._soon = False  # the scheduled flush runs in the next turn
        self._closed = False
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._now: deque[tuple[Callable[[], Any], Future[Any]]] = deque()  # call_now's calls
        self._thread: threading.Thread | None = None
        self.batches = 0  # transactions written (for tests and the bench)
        self.jobs = 0
        self.longest_s = 0.0  # the longest a batch took on the writer thread

    async def run(self, job: Callable[[], T], size: int = 1) -> T:
        """Run `job` (a call into the store, writing `size` reports) on the writer thread in
        the next batch; its result once committed. StoreError once `close` was called."""
        if self._closed:
            raise StoreError("the store is closing: no more writes")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((job, future, max(1, size)))
        self._queued += max(1, size)
        self._schedule(loop, soon=self._queued >= self.max_size)
        return await future

    def call_now(self, fn: Callable[[], T]) -> T:
        """Run `fn` (a store call that writes: its own transaction) on the writer thread now,
        between two jobs of a batch, and wait for it: for code of the loop that cannot await.
        Once the writer thread is stopped (or before it starts), on the calling thread."""
        thread = self._thread
        if thread is None or not thread.is_alive() or threading.current_thread() is thread:
            return fn()
        done: Future[T] = Future()
        self._now.append((fn, done))
        self._tasks.put(self._run_now)
        while True:
            try:
                return done.result(timeout=1.0)
            except TimeoutError:
                if not thread.is_alive():  # it stopped meanwhile: nobody else writes now
                    self._run_now()

    async def close(self) -> None:
        """Write what is queued now, stop the writer thread, and refuse further writes (before
        the store closes)."""
        self._closed = True
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        while self._queue:
            self._flush()
        thread = self._thread
        if thread is not None and thread.is_alive():
            loop = asyncio.get_running_loop()
            stopped: asyncio.Future[None] = loop.create_future()
            self._tasks.put(lambda: _post(loop, _settle_all, [(stopped, None, None)]))
            self._tasks.put(None)
            await stopped  # every batch's results were posted before this
            thread.join()  # call_now's calls until now ran on it; from now on, on the caller's
        await asyncio.sleep(0)  # let the writers' callers take their results

    # -- the loop's side ------------------------------------------------------------------------

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
        """Hand the writer thread the next batch (at most `max_size`, or one job larger)."""
        self._flush_at = None
        taken, size = 0, 0
        for _, _, job_size in self._queue:
            if taken and size + job_size > self.max_size:
                break
            taken, size = taken + 1, size + job_size
        batch = [(job, future) for job, future, _ in self._queue[:taken] if not future.done()]
        self._queue = self._queue[taken:]
        self._queued -= size
        loop = asyncio.get_running_loop()
        if self._queue and not self._closed:  # queued before this flush, past `max_size`
            self._schedule(loop, soon=True)
        if batch:
            self._hand_over(batch, loop)

    def _hand_over(self, batch: list[_Job], loop: asyncio.AbstractEventLoop) -> None:
        """Queue `batch` for the writer thread (started with the first, and again should it
        have died)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._serve, name="sahelwatch-writer", daemon=True
            )
            self._thread.start()
        self._tasks.put(lambda: self._write_all(batch, loop))

    # -- the writer thread ----------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            while (task := self._tasks.get()) is not None:
                task()
        finally:
            self._run_now()  # what call_now asked for meanwhile is not left waiting

    def _run_now(self) -> None:
        """Run what `call_now` asked for (each call its own transaction, as it opens it)."""
        while self._now:
            fn, done = self._now.popleft()
            if done.set_running_or_notify_cancel():
                try:
                    done.set_result(fn())
                except BaseException as exc:  # the caller gets it
                    done.set_exception(exc)

    def _write_all(self, batch: list[_Job], loop: asyncio.AbstractEventLoop) -> None:
        """Write `batch` in one transaction (cut where `call_now` waits), again without any
        write that fails; hand each result back to the loop once committed."""
        started = time.perf_counter()
        while batch:
            outcome, taken = self._write(batch)
            if isinstance(outcome, int):  # that job failed: the others again, without it
                batch = batch[:outcome] + batch[outcome + 1 :]
                continue
            if outcome and not isinstance(outcome[0][2], BaseException):
                self.batches += 1
                self.jobs += taken
            _post(loop, _settle_all, outcome)
            batch = batch[taken:]
            self._run_now()
        self.longest_s = max(self.longest_s, time.perf_counter() - started)

    def _write(self, batch: list[_Job]) -> tuple[_Settled | int, int]:
        """One transaction of `batch` (or of its first jobs, when `call_now` is waiting): each
        job's result once committed, and how many jobs it took; or the index of the job that
        failed (its caller told; nothing was written); or, when the transaction itself failed,
        that StoreError for every job it took."""
        done: _Settled = []
        failed: int | None = None
        try:
            with self.store.transaction():
                for index, (job, future) in enumerate(batch):
                    try:
                        result = job()
                    except Exception as exc:  # the job's caller gets it
                        _post(future.get_loop(), _settle_all, [(future, None, exc)])
                        failed = index
                        raise _RollBack from exc
                    done.append((future, result, None))
                    if self._now:  # the loop waits: commit what is written, then serve it
                        break
        except _RollBack:
            return (failed if failed is not None else 0), 0
        except BaseException as exc:  # BEGIN or COMMIT failed, or worse: nothing was written
            failure = exc if isinstance(exc, StoreError) else StoreError(f"batch failed: {exc}")
            taken = len(done) or len(batch)  # a failed BEGIN fails them all
            if failed is not None:  # a job failed, then so did its ROLLBACK: it was told
                taken = failed + 1
            settled: _Settled = [
                (future, None, failure)
                for index, (_, future) in enumerate(batch[:taken])
                if index != failed
            ]
            if not isinstance(exc, Exception):
                _post(batch[0][1].get_loop(), _settle_all, settled)
                raise
            return settled, taken
        return done, len(done)


class _RollBack(Exception):
    """Raised inside a batch's transaction to roll it back (a job failed)."""


def _post(loop: asyncio.AbstractEventLoop, fn: Callable[[_Settled], None], arg: _Settled) -> None:
    """Have the loop run fn(arg) (from the writer thread); nothing when the loop is closed."""
    with suppress(RuntimeError):  # the loop is closed: nobody waits any more
        loop.call_soon_threadsafe(fn, arg)


def _settle_all(outcome: _Settled) -> None:
    """On the loop: give each future its result or exception (unless its caller went)."""
    for future, result, exc in outcome:
        if future.done():
            continue
        if exc is None:
            future.set_result(result)
        else:
            future.set_exception(exc)


class OnWriter:
    """A store whose every method runs on the writer thread through `writes.call_now`: for a
    store sharing the writer's connection whose callers are synchronous code of the loop (the
    service's `DeliveryStore`: outbox, subscribers). Attributes named in `nested` are such
    stores too (its `edits`, `figures`). Its methods return lists and records, never lazy
    iterators, so nothing reads the connection after the call."""

    def __init__(self, target: object, writes: Writes, nested: Collection[str] = ()) -> None:
        self._target = target
        self._writes = writes
        self._nested = frozenset(nested)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name in self._nested:
            return OnWriter(value, self._writes)
        if not callable(value):
            return value
        writes = self._writes

        def on_writer(*args: Any, **kwargs: Any) -> Any:
            return writes.call_now(partial(value, *args, **kwargs))

        return on_writer
