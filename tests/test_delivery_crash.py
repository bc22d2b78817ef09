"""kill -9 in the middle of a digest: a child process queues hourly digests and sends them through
the outbox to the local Bot API server; the server swallows the answer to one send (so that send
is delivered but never confirmed) and the test kills the child with SIGKILL while it waits; a
restarted child must finish the job with every message delivered exactly once overall."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from telegram import Bot

from core.clock import SystemClock
from delivery.pacing import Pacer
from delivery.sender import OutboxSender
from delivery.service import DeliveryService
from delivery.transport import TelegramTransport
from storage.db import open_state
from storage.delivery_store import DeliveryStore
from tests.fakebotapi import FakeBotAPI
from tests.test_delivery_support import TOKEN, MemoryStories, make_rules, open_store, story

ROOT = Path(__file__).resolve().parent.parent
CHATS = list(range(201, 209))
RULES = make_rules(default_mode="hourly")


def _stories(store: DeliveryStore) -> MemoryStories:
    stories = MemoryStories(store)
    now = SystemClock().now()
    stories.add(*(story(i, f"Crash story {i} " + "z" * 300, at=now) for i in range(1, 31)))
    return stories


async def _child(state: Path, api_url: str) -> dict[str, int]:
    store = DeliveryStore(open_state(str(state)).conn)
    stories = _stories(store)
    async with Bot(TOKEN, base_url=f"{api_url}/bot") as bot:
        sender = OutboxSender(store, TelegramTransport(bot), Pacer(), SystemClock(), poll_s=0.1)
        service = DeliveryService(RULES, store, sender, stories)
        service.run_digests()
        sender.start()
        await sender.drain(120)
        await sender.stop()
    return dict(vars(sender.stats))


def _spawn(state: Path, api: FakeBotAPI) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.test_delivery_crash", str(state), api.url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_kill_9_mid_digest_then_restart_delivers_everything_once(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with FakeBotAPI(TOKEN) as api:
        for chat in CHATS:
            start = api.user_message(chat, "/start")
            store.subscribe(
                chat,
                chat_type="private",
                title="",
                thread_id=None,
                topics=list(RULES.topics),
                mode="hourly",
                daily_at="07:00",
                lang="en",
                now=SystemClock().now(),
            )
            store.note_message_id(chat, start["message"]["message_id"])
        store.conn.execute("UPDATE subscribers SET last_digest_at = NULL")

        api.hang_on_send(9)  # the 9th message is delivered, its answer never comes
        child = _spawn(tmp_path, api)
        deadline = time.monotonic() + 60
        while len(api.sent) < 10 and time.monotonic() < deadline:  # the 9th hangs; others go on
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        assert child.returncode == -signal.SIGKILL
        delivered_before = len(api.sent)
        states = Counter(r[0] for r in store.conn.execute("SELECT state FROM outbox"))
        assert states["sending"] >= 1 and states["pending"] >= 1  # killed mid-digest

        child = _spawn(tmp_path, api)
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        stats = json.loads(out.strip().splitlines()[-1])

        rows = list(store.conn.execute("SELECT chat_id, text, state FROM outbox ORDER BY id"))
        assert {r[2] for r in rows} == {"sent"}
        expected = Counter((r[0], r[1]) for r in rows)
        got = Counter((m.chat_id, m.text) for m in api.sent)
        assert got == expected  # every message exactly once, across the crash
        assert len(api.sent) > delivered_before
        assert stats["reconciled_found"] >= 1
        # every story reached every chat once
        for chat in CHATS:
            carried = [sid for r in store.outbox_for_chat(chat) for sid in r.story_ids]
            assert sorted(carried) == list(range(1, 31))


if __name__ == "__main__":
    figures = asyncio.run(_child(Path(sys.argv[1]), sys.argv[2]))
    print(json.dumps(figures), flush=True)
