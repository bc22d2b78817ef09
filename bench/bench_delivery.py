"""Benchmark: a digest fanned out to 1,000 subscribers against a local Bot API server that
enforces Telegram's limits (30 messages a second overall, per-chat bursts, 20 a minute per group)
and answers 429 with retry_after when they are exceeded.

Prints: messages/second sustained (first to last accepted send), messages lost (must be 0),
duplicates, 429s received and honoured, and memory per subscriber. Run:
    .venv/bin/python bench/bench_delivery.py [--subscribers 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402  # after the path set-up above

from core.clock import SystemClock  # noqa: E402
from delivery.pacing import Pacer  # noqa: E402
from delivery.sender import OutboxSender  # noqa: E402
from delivery.service import DeliveryService  # noqa: E402
from delivery.transport import TelegramTransport  # noqa: E402
from tests.test_delivery_support import (  # noqa: E402
    TOKEN,
    MemoryStories,
    make_rules,
    open_store,
    story,
)


@dataclass
class Sent:
    chat_id: int
    message_id: int
    text: str
    at: float


class ServerProcess:
    """The local Bot API server in its own process (as Telegram is another machine: no GIL
    shared with the sender), enforcing Telegram's limits; `report()` reads what it received."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakebotapi", "--enforce-limits"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()

    def report(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_fake/report", timeout=30).json()  # type: ignore[no-any-return]  # JSON object

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@contextlib.contextmanager
def limited_server() -> Iterator[ServerProcess]:
    server = ServerProcess()
    try:
        yield server
    finally:
        server.close()


def rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def run(subscribers: int, groups: int) -> int:
    rules = make_rules(default_mode="hourly")
    tmp = Path(tempfile.mkdtemp(prefix="bench_delivery_"))
    store = open_store(tmp)
    stories = MemoryStories(store)
    clock = SystemClock()
    now = clock.now()
    stories.add(
        *(
            story(i, f"Bench story {i}: Haftar & Wagner <Sahel>", at=now, sources=("A", "B"))
            for i in range(1, 6)
        )
    )
    with limited_server() as api:
        chats = [10_000 + n for n in range(subscribers - groups)] + [
            -(10_000 + n) for n in range(groups)
        ]
        gc.collect()
        tracemalloc.start()
        base_traced = tracemalloc.get_traced_memory()[0]
        for chat in chats:
            store.subscribe(
                chat,
                chat_type="private" if chat > 0 else "supergroup",
                title="",
                thread_id=None,
                topics=list(rules.topics),
                mode="hourly",
                daily_at="07:00",
                lang="en",
                now=now,
            )
            store.set_last_digest(chat, now - timedelta(hours=2))  # the hourly digest is due
        async with Bot(TOKEN, base_url=f"{api.url}/bot") as bot:
            sender = OutboxSender(store, TelegramTransport(bot), Pacer(), clock, poll_s=0.2)
            service = DeliveryService(rules, store, sender, stories)
            started = time.perf_counter()
            queued = service.run_digests(now)
            composed = time.perf_counter() - started
            sender.start()
            drained = await sender.drain(timeout=300)
            peak = tracemalloc.get_traced_memory()[1] - base_traced
            await sender.stop()
        tracemalloc.stop()

        report = api.report()
        sent = [Sent(c, i, t, a) for c, i, t, a in report["sent"]]
        expected = Counter(
            (r.chat_id, r.text) for chat in chats for r in store.outbox_for_chat(chat)
        )
        got = Counter((m.chat_id, m.text) for m in sent)
        lost = sum((expected - got).values())
        duplicates = sum((got - expected).values())
        span = sent[-1].at - sent[0].at if len(sent) > 1 else float("nan")
        rate = (len(sent) - 1) / span if span else float("nan")
        # Steadiest full second-window rate (what the server's limit sees).
        times = [m.at for m in sent]
        worst_window = 0
        j = 0
        for i, t in enumerate(times):
            while times[j] <= t - 1.0:
                j += 1
            worst_window = max(worst_window, i - j + 1)

        print(f"subscribers:                 {len(chats)} ({groups} groups)")
        print(f"digests queued:              {queued} (composed in {composed:.2f}s)")
        print(f"messages expected / sent:    {sum(expected.values())} / {len(sent)}")
        print(f"drained:                     {drained}")
        print(f"messages/second sustained:   {rate:.2f} over {span:.1f}s")
        print(
            f"max in any 1-second window:  {worst_window} (server limit {report['global_limit']})"
        )
        print(f"messages lost:               {lost}")
        print(f"duplicates:                  {duplicates}")
        print(f"429s received (server sent): {report['count_429']}")
        print(f"429s honoured (chat held):   {sender.stats.retry_after}")
        print(f"memory per subscriber:       {peak / len(chats):.0f} B traced peak (tracemalloc)")
        print(f"process max RSS:             {rss_kib() / 1024:.1f} MiB")
        ok = (
            lost == 0
            and duplicates == 0
            and report["count_429"] == sender.stats.retry_after
            and drained
        )
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=50, help="how many of them are groups")
    args = parser.parse_args()
    return asyncio.run(run(args.subscribers, args.groups))


if __name__ == "__main__":
    sys.exit(main())
