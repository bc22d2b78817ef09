"""runner.writes: the pipeline's writes share transactions, fail alone, and are handed back only
once committed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.clock import SystemClock
from core.errors import StoreError
from core.health import SourceHealth
from runner.writes import Writes
from storage.db import connect, migrate
from storage.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = connect(tmp_path / "state.db")
    migrate(db)
    s = Store(db, SystemClock(), background_checkpoint=False)
    yield s
    s.close()


def saved(store: Store) -> set[str]:
    return set(store.load_health())


def health_job(store: Store, name: str) -> Callable[[], str]:
    def job() -> str:
        store.save_health(SourceHealth(name=name, items_seen=1))
        return name

    return job


async def test_writes_queued_together_share_one_transaction(store: Store) -> None:
    writes = Writes(store, linger=0.05)
    names = [f"s{i}" for i in range(10)]
    results = await asyncio.gather(*(writes.run(health_job(store, n)) for n in names))
    assert results == names
    assert writes.batches == 1 and writes.jobs == 10
    assert saved(store) == set(names)


async def test_a_full_batch_goes_at_once_and_the_rest_follow(store: Store) -> None:
    writes = Writes(store, max_size=4, linger=60.0)  # a linger never reached
    names = [f"s{i}" for i in range(10)]
    results = await asyncio.wait_for(
        asyncio.gather(*(writes.run(health_job(store, n)) for n in names)), timeout=30
    )
    assert results == names
    assert writes.batches == 3  # 4 + 4 + 2
    assert saved(store) == set(names)


async def test_a_batch_holds_at_most_max_size_reports(store: Store) -> None:
    writes = Writes(store, max_size=50, linger=60.0)
    sizes = [30, 30, 10, 60, 1]  # batches: 30 | 30 + 10 | 60 (alone, larger than 50) | 1
    names = [f"s{i}" for i in range(len(sizes))]
    results = await asyncio.wait_for(
        asyncio.gather(
            *(writes.run(health_job(store, n), size=k) for n, k in zip(names, sizes, strict=True))
        ),
        timeout=30,
    )
    assert results == names
    assert writes.batches == 4 and saved(store) == set(names)


async def test_a_failing_write_rolls_back_alone(store: Store) -> None:
    """The batch is rolled back and written again without the failing write: the writes
    before it run twice, and what the failing one wrote is gone."""
    writes = Writes(store, linger=0.05)
    runs: list[str] = []

    def counted(name: str) -> Callable[[], str]:
        def job() -> str:
            runs.append(name)
            return health_job(store, name)()

        return job

    def half_then_fail() -> None:
        store.save_health(SourceHealth(name="half"))
        raise ValueError("broken job")

    outcome = await asyncio.gather(
        writes.run(counted("a")),
        writes.run(half_then_fail),
        writes.run(counted("b")),
        return_exceptions=True,
    )
    assert outcome[0] == "a" and outcome[2] == "b"
    assert isinstance(outcome[1], ValueError)
    assert saved(store) == {"a", "b"}  # "half" was rolled back
    assert runs == ["a", "a", "b"]
    assert writes.batches == 1 and not store.in_transaction


async def test_a_failed_begin_fails_every_write_of_the_batch(store: Store) -> None:
    writes = Writes(store, linger=0.05)
    # Another connection holds the write lock: BEGIN IMMEDIATE fails after the busy timeout.
    store.conn.execute("PRAGMA busy_timeout=50")
    locker = sqlite3.connect(str(_db_file(store)), isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        outcome = await asyncio.gather(
            writes.run(health_job(store, "a")),
            writes.run(health_job(store, "b")),
            return_exceptions=True,
        )
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert all(isinstance(o, StoreError) for o in outcome)
    assert saved(store) == set()
    assert writes.batches == 0
    # the queue goes on working once the lock is gone
    assert await writes.run(health_job(store, "c")) == "c"
    assert saved(store) == {"c"}


async def test_a_failed_commit_takes_back_the_writes_that_had_succeeded(store: Store) -> None:
    """A write is handed back only once committed: when the COMMIT itself fails (here a
    deferred foreign key), the writes that ran without error get the StoreError too."""
    writes = Writes(store, linger=0.05)

    def violates_at_commit() -> str:
        store.conn.execute("PRAGMA defer_foreign_keys=ON")
        store.conn.execute(
            "INSERT INTO story_items(item_id, story_id, reason, score, joined_at)"
            " VALUES (999, 999, '', NULL, '')"
        )
        return "broken"

    outcome = await asyncio.gather(
        writes.run(health_job(store, "a")),
        writes.run(violates_at_commit),
        writes.run(health_job(store, "c")),
        return_exceptions=True,
    )
    assert all(isinstance(o, StoreError) and "commit" in str(o) for o in outcome)
    assert not store.in_transaction and saved(store) == set()
    assert await writes.run(health_job(store, "d")) == "d"
    assert saved(store) == {"d"}


async def test_close_writes_what_is_queued_and_refuses_more(store: Store) -> None:
    writes = Writes(store, linger=60.0)  # the timer alone would never flush in this test
    queued = asyncio.ensure_future(writes.run(health_job(store, "queued")))
    await asyncio.sleep(0)
    await writes.close()
    assert await queued == "queued"
    assert saved(store) == {"queued"}
    with pytest.raises(StoreError, match="closing"):
        await writes.run(health_job(store, "late"))


async def test_a_result_waits_for_the_commit(store: Store) -> None:
    """A caller learns of its write only once it is durable: the COMMIT came first."""
    writes = Writes(store, linger=0.0)
    seen_in_transaction: list[bool] = []

    def job() -> str:
        seen_in_transaction.append(store.in_transaction)
        store.save_health(SourceHealth(name="x"))
        return "x"

    assert await writes.run(job) == "x"
    assert seen_in_transaction == [True]
    assert not store.in_transaction
    fresh = sqlite3.connect(str(_db_file(store)))
    assert fresh.execute("SELECT name FROM sources").fetchall() == [("x",)]
    fresh.close()


async def test_a_cancelled_write_is_not_run(store: Store) -> None:
    writes = Writes(store, linger=0.05)
    ran: list[str] = []

    def job() -> None:
        ran.append("ran")

    task = asyncio.ensure_future(writes.run(job))
    await asyncio.sleep(0)
    task.cancel()
    kept = await writes.run(health_job(store, "kept"))
    assert kept == "kept" and ran == []


def _db_file(store: Store) -> Path:
    for _, name, file in store.conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file)
    raise AssertionError("no database file")


async def test_batches_are_written_by_the_writer_thread_not_the_loop(store: Store) -> None:
    import threading

    writes = Writes(store, linger=0.01)
    threads: list[str] = []

    def job() -> str:
        threads.append(threading.current_thread().name)
        store.save_health(SourceHealth(name="w"))
        return "w"

    assert await writes.run(job) == "w"
    assert threads == ["sahelwatch-writer"]
    await writes.close()
    assert saved(store) == {"w"}


async def test_call_now_runs_between_two_jobs_of_a_batch(store: Store) -> None:
    """Code of the loop that cannot await waits for one job, not the batch: the batch commits
    what it wrote, the call runs (its own transaction), and the batch goes on."""
    import threading
    import time

    writes = Writes(store, linger=0.0)
    started = threading.Event()
    order: list[str] = []

    def slow(name: str) -> Callable[[], str]:
        def job() -> str:
            started.set()
            time.sleep(0.05)
            order.append(name)
            store.save_health(SourceHealth(name=name))
            return name

        return job

    jobs = [asyncio.ensure_future(writes.run(slow(f"s{i}"))) for i in range(10)]
    await asyncio.sleep(0)  # the batch goes to the writer thread
    assert await asyncio.to_thread(started.wait, 5)

    def pause() -> str:
        order.append("paused")
        store.save_paused_by_admin("s0", True)
        return "paused"

    assert writes.call_now(pause) == "paused"
    assert 0 < order.index("paused") < 10  # between two jobs, not after the batch
    assert await asyncio.gather(*jobs) == [f"s{i}" for i in range(10)]
    assert writes.batches == 2 and writes.jobs == 10
    await writes.close()
    assert saved(store) == {f"s{i}" for i in range(10)}
    assert store.load_health()["s0"].paused_by_admin
    assert writes.call_now(lambda: "after") == "after"  # the thread stopped: on the caller's
