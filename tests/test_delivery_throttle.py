"""The sender under Telegram's throttling, on virtual time shared with the local Bot API server
(issue 13, findings 5 and 7 c): a global throttle slows the whole send rate and the rate comes
back after it; one chat's 429s hold that chat only; command replies ride out 429s and say so in
the log when one is lost at last."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from core.clock import FixedClock
from delivery.pacing import Limits, Pacer
from delivery.sender import OutboxSender
from delivery.transport import TelegramTransport
from storage.delivery_store import DeliveryStore, Part
from tests.fakebotapi import FakeBotAPI
from tests.test_delivery_support import TOKEN, Counted, SimTime, open_store

NOW = datetime(2026, 8, 13, 12, 0, tzinfo=UTC)


@pytest.fixture
def sim() -> SimTime:
    return SimTime()


@pytest.fixture
def api(sim: SimTime) -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN, enforce_limits=True, clock=sim.monotonic) as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    request = HTTPXRequest(connection_pool_size=8)
    async with Bot(TOKEN, base_url=f"{api.url}/bot", request=request) as b:
        yield b


def make(tmp_path: Path, bot: Bot, sim: SimTime) -> tuple[DeliveryStore, OutboxSender]:
    store = open_store(tmp_path)
    pacer = Pacer(Limits(), sim.monotonic, sim.sleep)
    transport = Counted(TelegramTransport(bot), sim)
    return store, OutboxSender(store, transport, pacer, FixedClock(NOW), poll_s=0.005)


def enqueue(store: DeliveryStore, chats: range, per_chat: int, tag: str) -> None:
    for chat in chats:
        store.subscribe(chat, chat_type="private", title="t", thread_id=None, topics=[], mode="instant",
                        daily_at="07:00", lang="en", now=NOW)  # fmt: skip
        for n in range(per_chat):
            store.enqueue(chat, None, "alert", [Part(f"{tag} {n} for {chat}")], now=NOW,
                          not_before=NOW)  # fmt: skip


async def drained(sender: OutboxSender, sim: SimTime) -> None:
    """Run the sender until the outbox is empty. A ticker sleeps on the virtual clock in small
    steps, so time passes for chats stepped aside (snoozed) when nobody else waits on it."""

    async def tick() -> None:
        while True:
            await sim.sleep(0.05)

    ticker = asyncio.create_task(tick())
    sender.start()
    try:
        assert await sender.drain(120.0)  # liveness bound; the pace is measured in virtual time
    finally:
        ticker.cancel()
        await sender.stop()


def sends(api: FakeBotAPI) -> list[int]:
    """The status of every sendMessage call the server answered, in order."""
    return [status for method, _params, status in api.calls if method == "sendMessage"]


async def test_a_global_throttle_slows_every_chat_then_the_rate_recovers(
    tmp_path: Path, api: FakeBotAPI, bot: Bot, sim: SimTime
) -> None:
    store, sender = make(tmp_path, bot, sim)
    api.global_limit = 5  # Telegram allows 5 messages a second in all
    enqueue(store, range(1, 41), 2, "throttled")
    await drained(sender, sim)
    statuses = sends(api)
    for chat in range(1, 41):  # all delivered, each once, in order
        texts = [m.plain for m in api.messages_to(chat)]
        assert texts == [f"throttled 0 for {chat}", f"throttled 1 for {chat}"]
    share = statuses.count(429) / len(statuses)
    assert share < 0.25, f"{statuses.count(429)} of {len(statuses)} calls were 429s"
    assert sender.pacer.rate < Limits().global_rate  # it slowed down

    api.global_limit = 30  # the throttle is lifted
    await sim.sleep(60.0)
    before = len(api.sent)
    enqueue(store, range(101, 161), 1, "free")
    await drained(sender, sim)
    fresh = api.sent[before:]
    assert len(fresh) == 60
    span = fresh[-1].at - fresh[0].at
    assert span < 60 / 29 + 1.0, f"60 messages took {span:.1f} virtual seconds"
    assert sender.pacer.rate == Limits().global_rate


async def test_a_429_storm_on_one_chat_holds_that_chat_only(
    tmp_path: Path, api: FakeBotAPI, bot: Bot, sim: SimTime
) -> None:
    store, sender = make(tmp_path, bot, sim)
    enqueue(store, range(101, 104), 2, "msg")
    api.storm(101, 3, retry_after=1)  # three 429s in a row, each holding chat 101 a second
    await drained(sender, sim)
    for chat in range(101, 104):  # each once, in order
        assert [m.plain for m in api.messages_to(chat)] == [
            f"msg 0 for {chat}",
            f"msg 1 for {chat}",
        ]
    # Every 429 was honoured: a send during a hold would have drawn another 429.
    assert sends(api).count(429) == 3 and sender.stats.retry_after == 3
    first_101 = min(m.at for m in api.messages_to(101))
    assert first_101 >= 3.0  # three holds of a (virtual) second each
    # The other chats were not stalled by 101's holds.
    assert all(m.at < first_101 for c in (102, 103) for m in api.messages_to(c))


async def test_one_chat_429s_hold_that_chat_only() -> None:
    sim = SimTime()
    pacer = Pacer(Limits(), sim.monotonic, sim.sleep)
    for _ in range(10):  # a storm on one chat: its own flood limit, not a global throttle
        pacer.hold(7, 2.0)
    assert pacer.rate == Limits().global_rate
    start = sim.now
    for chat in range(100, 129):
        await pacer.acquire(chat)
    assert sim.now - start < 1.0  # 29 other chats in under a second, untouched
    assert pacer.chat_wait(7) > 1.0


async def test_429s_across_chats_halve_the_rate_and_quiet_brings_it_back() -> None:
    sim = SimTime()
    limits = Limits()
    pacer = Pacer(limits, sim.monotonic, sim.sleep)
    pacer.hold(1, 1.0)
    pacer.hold(2, 1.0)  # two chats throttled at once: Telegram is throttling us as a whole
    assert pacer.rate == limits.global_rate * limits.backoff_factor
    pacer.hold(3, 1.0)
    pacer.hold(4, 1.0)
    assert pacer.rate == limits.global_rate * limits.backoff_factor**2
    await sim.sleep(5.0)
    assert pacer.current_rate() == pytest.approx(
        limits.global_rate * limits.backoff_factor**2 + 5.0 * limits.recover_per_s
    )
    await sim.sleep(60.0)
    assert pacer.current_rate() == limits.global_rate


# -- command replies (issue 13, finding 7 c) ---------------------------------------------------


async def test_a_reply_rides_out_a_429_storm(
    tmp_path: Path, api: FakeBotAPI, bot: Bot, sim: SimTime
) -> None:
    _store, sender = make(tmp_path, bot, sim)
    api.user_message(42, "/start")
    api.storm(42, 4, retry_after=2)  # four 429s in a row, each holding the chat 2 s
    message_id = await sender.reply(42, "Welcome")
    assert message_id is not None
    assert [m.plain for m in api.messages_to(42)] == ["Welcome"]
    assert sends(api).count(429) == 4  # every retry_after honoured: no 429 during a hold


async def test_a_reply_lost_at_last_is_logged(
    tmp_path: Path, api: FakeBotAPI, bot: Bot, sim: SimTime, caplog: pytest.LogCaptureFixture
) -> None:
    _store, sender = make(tmp_path, bot, sim)
    api.user_message(42, "/start")
    api.storm(42, 100, retry_after=5)
    with caplog.at_level(logging.WARNING):
        assert await sender.reply(42, "Welcome") is None
    assert api.messages_to(42) == []
    lost = [r for r in caplog.records if "reply" in r.getMessage() and "42" in r.getMessage()]
    assert lost and lost[0].levelno == logging.WARNING, caplog.text
    assert "429" in lost[0].getMessage()
