"""Parsing in worker processes: the pipeline stores what a ParsePool parsed, a dead worker fails
only its source and the pool is rebuilt, a stopped pool cancels, and the service stops its pool.

One spawned pool is shared by the module (starting one costs about a second)."""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import load_rules
from config.model import Fetch, Rules, Source
from core.clock import SystemClock
from runner.cycle import Pipeline
from runner.parsepool import RESULT_PIPE_BYTES, ParsePool, parse_workers
from runner.service import Service
from storage.db import connect, migrate
from storage.store import Store
from tests.feedserver import FeedServer
from tests.service_support import rss
from tests.test_runner_cycle import Sink
from watchers.http import Fetcher, make_client

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pool() -> Iterator[ParsePool]:
    shared = ParsePool(1, breaks_before_threads=1000)  # tests here kill workers on purpose
    yield shared
    shared.shutdown()


@pytest.fixture
def rules() -> Rules:
    return load_rules(ROOT / "rules.yaml")


class Counting(Executor):
    """Hands every call to `inner`, counting them; `swap` may replace a call (a test double)."""

    def __init__(self, inner: Executor, swap: Callable[..., Any] | None = None) -> None:
        self.inner, self.swap, self.calls = inner, swap, 0

    def use_rules(self, rules: Rules, generation: int) -> None:  # workers match, as in service
        if isinstance(self.inner, ParsePool):
            self.inner.use_rules(rules, generation)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls += 1
        if self.swap is not None:
            fn, args = self.swap(fn, args)
        return self.inner.submit(fn, *args, **kwargs)


def pipeline_for(
    rules: Rules, sources: list[Source], tmp: Path, executor: Executor, client: Any
) -> tuple[Pipeline, Store, Sink]:
    db = connect(tmp / "state.db")
    migrate(db)
    clock = SystemClock()
    store = Store(db, clock, rules.stories)
    sink = Sink()
    pipeline = Pipeline(
        rules._replace(sources=tuple(sources)), store, Fetcher(client, rules.fetch, clock),
        sink, clock, parse_pool=executor,
    )  # fmt: skip
    return pipeline, store, sink


async def test_pipeline_parses_in_the_pool_and_stores(
    pool: ParsePool, rules: Rules, tmp_path: Path
) -> None:
    with FeedServer() as server:
        sources = [
            Source(name=f"S{i}", kind="rss", every_s=600, url=server.add(
                f"/s{i}.xml", rss(f"s{i}", [f"Report {i} {j}" for j in range(3)])
            ))
            for i in range(3)
        ]  # fmt: skip
        counting = Counting(pool)
        async with make_client(rules.fetch) as client:
            pipeline, store, _ = pipeline_for(rules, sources, tmp_path, counting, client)
            reports = await pipeline.run_once()
            again = await pipeline.run_once()  # 304s: nothing to parse
    assert counting.calls == 3
    assert sorted((r.source, r.ok, r.items, r.new_items) for r in reports) == [
        ("S0", True, 3, 3), ("S1", True, 3, 3), ("S2", True, 3, 3),
    ]  # fmt: skip
    assert all(r.ok and r.items == 0 for r in again)
    health = store.load_health()
    assert all(health[s.name].items_seen == 3 and health[s.name].etag for s in sources)
    assert store.conn.execute("SELECT count(*) FROM items").fetchone() == (9,)


async def test_a_dead_worker_fails_its_source_and_the_pool_is_rebuilt(
    pool: ParsePool, rules: Rules, tmp_path: Path
) -> None:
    def kill_for_doomed(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        if args and isinstance(args[0], Source) and args[0].name == "Doomed":  # its parse step
            return os._exit, (3,)  # the worker process dies mid-task, as on a crash
        return fn, args

    with FeedServer() as server:
        doomed = Source(
            name="Doomed", kind="rss", every_s=600,
            url=server.add("/doomed.xml", rss("doomed", ["Doomed report"])),
        )  # fmt: skip
        good = Source(
            name="Good", kind="rss", every_s=600,
            url=server.add("/good.xml", rss("good", ["Good report"])),
        )  # fmt: skip
        rebuilds = pool.rebuilds
        counting = Counting(pool, kill_for_doomed)
        async with make_client(rules.fetch) as client:
            pipeline, store, _ = pipeline_for(rules, [doomed, good], tmp_path, counting, client)
            (failed,) = await pipeline.run_once([doomed])
            assert pool.rebuilds == rebuilds + 2  # tried once more in a fresh pool: died again
            (fine,) = await pipeline.run_once([good])
    assert not failed.ok and "parse worker died" in failed.error
    health = store.load_health()
    assert health["Doomed"].failures == 1 and "parse worker died" in health["Doomed"].last_error
    assert health["Doomed"].etag == ""  # not remembered: the next poll parses the body again
    assert (fine.ok, fine.items, fine.new_items) == (True, 1, 1)  # on a fresh pool
    assert health["Good"].failures == 0


def test_a_task_that_kills_its_worker_fails_and_the_next_runs_on_a_fresh_pool(
    pool: ParsePool,
) -> None:
    with pytest.raises(BrokenProcessPool):
        pool.submit(os._exit, 4).result(timeout=60)
    assert pool.submit(sum, [1, 2, 3]).result(timeout=60) == 6


def test_pools_that_keep_dying_give_way_to_threads() -> None:
    pool = ParsePool(1, breaks_before_threads=2)
    try:
        for code in (5, 6):
            with pytest.raises(BrokenProcessPool):
                pool.submit(os._exit, code).result(timeout=60)
        assert pool.submit(os.getpid).result(timeout=60) == os.getpid()  # a thread of ours
    finally:
        pool.shutdown()


def test_resize_applies_to_later_parses() -> None:
    pool = ParsePool(0)
    try:
        assert pool.submit(os.getpid).result(timeout=60) == os.getpid()  # 0: threads
        pool.resize(1)
        assert pool.submit(os.getpid).result(timeout=60) != os.getpid()  # a worker process
        pool.resize(0)
        assert pool.submit(os.getpid).result(timeout=60) == os.getpid()
    finally:
        pool.shutdown()


@pytest.mark.skipif(not hasattr(fcntl, "F_GETPIPE_SZ"), reason="pipe sizes are Linux's")
def test_answers_larger_than_a_pipe_come_back_whole_through_a_wide_pipe(pool: ParsePool) -> None:
    """A poll's answer (~100 KB) fits in the result pipe: the worker need not wait for it to
    be read before it parses the next body."""
    big = pool.submit(bytes, 3 * RESULT_PIPE_BYTES // 2).result(timeout=60)
    assert big == bytes(3 * RESULT_PIPE_BYTES // 2)
    executor = pool._current()
    reader = executor._result_queue._reader  # type: ignore[attr-defined]  # private: see parsepool
    assert fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ) >= RESULT_PIPE_BYTES


def test_submit_after_shutdown_returns_a_cancelled_future() -> None:
    stopped = ParsePool(1)
    stopped.shutdown()
    assert stopped.submit(sum, [1]).cancelled()


async def test_a_poll_on_a_stopped_pool_ends_cancelled(rules: Rules, tmp_path: Path) -> None:
    stopped = ParsePool(1)
    stopped.shutdown()
    with FeedServer() as server:
        source = Source(
            name="Late", kind="rss", every_s=600, url=server.add("/l.xml", rss("l", ["x"]))
        )
        async with make_client(rules.fetch) as client:
            pipeline, _, _ = pipeline_for(rules, [source], tmp_path, stopped, client)
            with pytest.raises(asyncio.CancelledError):
                await pipeline.poll_source(source)


@pytest.mark.parametrize(
    ("setting", "cpus", "expected"),
    [(None, 1, 0), (None, 2, 1), (None, 3, 2), (None, 16, 2), (0, 16, 0), (3, 1, 3)],
)
def test_parse_workers_auto_and_explicit(setting: int | None, cpus: int, expected: int) -> None:
    assert parse_workers(Fetch(parse_workers=setting), cpus=cpus) == expected


async def test_service_stop_shuts_its_pool_down(tmp_path: Path) -> None:
    with FeedServer() as server:
        url = server.add("/a.xml", rss("a", ["First report"]))
        data = yaml.safe_load((ROOT / "rules.yaml").read_text(encoding="utf-8"))
        data["sources"] = [{"name": "A", "kind": "rss", "url": url, "every": "10m"}]
        data["fetch"] = {**data.get("fetch", {}), "parse_workers": 1}
        path = tmp_path / "rules.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        service = Service(str(path), str(tmp_path / "state"), stream=io.StringIO())
        assert service.parse_pool is not None and service.parse_pool.workers == 1
        stop = asyncio.Event()
        running = asyncio.create_task(service.run(stop))
        try:
            for _ in range(600):  # bounded: until the first poll is stored
                if (h := service.store.load_health().get("A")) and h.last_success:
                    break
                await asyncio.sleep(0.05)
            inner = service.parse_pool._pool  # the live ProcessPoolExecutor
            assert inner is not None
            workers = list((inner._processes or {}).values())
            assert workers and all(w.is_alive() for w in workers)
            stop.set()
            await asyncio.wait_for(running, 30)
        finally:
            stop.set()
            await service.close()
    assert service.parse_pool._closed and service.parse_pool._pool is None
    for worker in workers:
        worker.join(timeout=30)
        assert not worker.is_alive()
    assert service.parse_pool.submit(sum, [1]).cancelled()


def test_workers_leave_when_the_service_process_ends_at_once(tmp_path: Path) -> None:
    """A second signal ends the service with os._exit: its parse workers must not linger."""
    script = tmp_path / "hard_exit.py"
    script.write_text(
        "import os, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from runner.parsepool import ParsePool\n"
        "if __name__ == '__main__':\n"
        "    pool = ParsePool(1)\n"
        "    assert pool.submit(sum, [1, 2]).result() == 3\n"
        "    print(*pool._pool._processes, flush=True)\n"
        "    os._exit(130)\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.txt"
    with out.open("w") as stdout:
        code = subprocess.run(
            [sys.executable, str(script)], stdout=stdout, stderr=subprocess.DEVNULL, check=False,
            timeout=60,
        ).returncode  # fmt: skip
    assert code == 130
    (pid,) = (int(p) for p in out.read_text().split())
    for _ in range(600):  # bounded wait for the orphaned worker to notice
        if not Path(f"/proc/{pid}").exists() or "Z" in _state(pid):
            break
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
