"""The outbox sender against the local Bot API server, through PTB's Bot: escaping accepted by a
server that rejects bad HTML, a 10,000-character digest, a blocked user, a group migration, and
reconciliation of a send left unanswered (429 storms, on virtual time: test_delivery_throttle)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telegram import Bot

from core.clock import SystemClock
from delivery.pacing import Limits, Pacer
from delivery.sender import OutboxSender
from delivery.service import DeliveryService
from delivery.terminal import TerminalTransport
from delivery.transport import Rejected, TelegramTransport
from storage.delivery_store import DeliveryStore, Part
from tests.fakebotapi import FakeBotAPI, ParseEntitiesError, parse_html
from tests.test_delivery_support import (
    TOKEN,
    MemoryStories,
    SimTime,
    make_rules,
    open_store,
    story,
)

RULES = make_rules()


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN) as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=f"{api.url}/bot") as b:
        yield b


def make(
    tmp_path: Path, bot: Bot
) -> tuple[DeliveryStore, MemoryStories, OutboxSender, DeliveryService]:
    store = open_store(tmp_path)
    stories = MemoryStories(store)
    sim = SimTime()  # the pace (a chat's burst, then one a second) on virtual time
    pacer = Pacer(Limits(), sim.monotonic, sim.sleep)
    sender = OutboxSender(
        store, TelegramTransport(bot), pacer, SystemClock(), poll_s=0.2, probe_span=3
    )
    service = DeliveryService(RULES, store, sender, stories)
    return store, stories, sender, service


def subscribe(
    service: DeliveryService, api: FakeBotAPI, chat_id: int, chat_type: str = "private"
) -> None:
    api.user_message(chat_id, "/start", chat_type=chat_type)  # the chat exists server-side
    service.subscriptions.subscribe(chat_id, chat_type, "t")
    service.store.note_message_id(chat_id, 1)


async def run_until_drained(sender: OutboxSender, timeout: float = 30.0) -> None:
    sender.start()
    try:
        assert await sender.drain(timeout)
    finally:
        await sender.stop()


async def test_hostile_headlines_reach_telegram_intact(
    tmp_path: Path, api: FakeBotAPI, bot: Bot
) -> None:
    store, stories, sender, service = make(tmp_path, bot)
    subscribe(service, api, 42)
    titles = [
        "Haftar & Traoré: <b>talks",
        "a < b > c </i> unbalanced <a href=x>",
        "Q&A &amp; &#x41; &nbsp;",
    ]
    now = service.clock.now()
    stories.add(*(story(i, t, at=now) for i, t in enumerate(titles, start=1)))
    assert service.digest_for(store.subscriber(42))  # type: ignore[arg-type]  # subscribed above
    await run_until_drained(sender)
    [digest] = [m for m in api.messages_to(42) if "Digest" in m.plain]
    for t in titles:
        assert t in digest.plain
    assert api.count_400 == 0
    # The server does reject what Telegram rejects:
    with pytest.raises(Rejected, match=r"(?i)can't parse entities"):
        await TelegramTransport(bot).send(42, "Haftar & <b>Traoré")


async def test_ten_thousand_character_digest(tmp_path: Path, api: FakeBotAPI, bot: Bot) -> None:
    store, stories, sender, service = make(tmp_path, bot)
    subscribe(service, api, 42)
    now = service.clock.now()
    stories.add(*(story(i, f"Story {i} " + "y" * 280 + " <&>", at=now) for i in range(1, 41)))
    ids = service.digest_for(store.subscriber(42))  # type: ignore[arg-type]  # subscribed above
    assert len(ids) >= 3
    await run_until_drained(sender)
    parts = [m for m in api.messages_to(42) if "Digest" in m.plain]
    assert len(parts) == len(ids)
    assert sum(len(p.text) for p in parts) > 10_000
    body = "\n".join(p.plain for p in parts)
    for i in range(1, 41):
        assert body.count(f"Story {i} " + "y" * 280 + " <&>") == 1
    assert [f"({n}/{len(ids)})" in p.plain for n, p in enumerate(parts, start=1)] == [True] * len(
        ids
    )


async def test_a_huge_url_is_delivered_without_its_link(
    tmp_path: Path, api: FakeBotAPI, bot: Bot
) -> None:
    """Issue 13, finding 2: one report with a 3,700-character URL made composition raise, so
    its alert, the alerts after it and every digest carrying it were never queued."""
    store, stories, sender, service = make(tmp_path, bot)
    subscribe(service, api, 42)
    now = service.clock.now()
    huge = "https://news.example/long?" + "u" * 3_700
    urgent = ("russia_military_africa",)
    views = [
        story(1, "Wagner long link", topics=urgent, entities=("wagner",), url=huge, at=now),
        story(2, "Wagner after it", topics=urgent, entities=("wagner",), at=now),
    ]
    stories.add(*views)
    assert [service.on_new_story(v) for v in views] == [1, 1]
    digest_sub = service.subscriptions.subscribe(43, "private", "t")[0]
    api.user_message(43, "/start")
    store.note_message_id(43, 1)
    assert service.digest_for(digest_sub)
    await run_until_drained(sender)
    assert [m.plain.count("Wagner long link") for m in api.messages_to(42)] == [1, 0]
    assert any("Wagner after it" in m.plain for m in api.messages_to(42))
    [digest] = api.messages_to(43)
    assert "Wagner long link" in digest.plain and "Wagner after it" in digest.plain
    assert api.count_400 == 0


async def test_blocked_user_is_deactivated(tmp_path: Path, api: FakeBotAPI, bot: Bot) -> None:
    store, _stories, sender, service = make(tmp_path, bot)
    subscribe(service, api, 77)
    now = service.clock.now()
    for n in range(3):
        store.enqueue(77, None, "alert", [Part(f"m{n}")], now=now, not_before=now)
    api.block(77)
    await run_until_drained(sender)
    sub = store.subscriber(77)
    assert sub is not None and not sub.active
    assert "blocked" in sub.inactive_reason
    assert [r.state for r in store.outbox_for_chat(77)] == ["dropped"] * 3
    assert api.count_403 == 1  # nothing more was tried
    assert service.on_new_story(story(9, topics=("russia_military_africa",))) == 0


async def test_group_migration_is_followed(tmp_path: Path, api: FakeBotAPI, bot: Bot) -> None:
    store, stories, sender, service = make(tmp_path, bot)
    subscribe(service, api, -500, "group")
    now = service.clock.now()
    stories.add(story(1, at=now))
    store.enqueue(-500, None, "alert", [Part("first", (1,))], now=now, not_before=now)
    store.enqueue(-500, None, "alert", [Part("second")], now=now, not_before=now)
    api.migrate(-500, -1009)
    await run_until_drained(sender)
    assert [m.plain for m in api.messages_to(-1009)] == ["first", "second"]
    assert store.subscriber(-500) is None
    moved = store.subscriber(-1009)
    assert moved is not None and moved.active and moved.chat_type == "supergroup"
    assert store.undelivered(-1009, [1]) == []  # the delivery record moved too
    assert sender.stats.migrated == 1


async def test_unanswered_send_is_reconciled_not_repeated(
    tmp_path: Path, api: FakeBotAPI, bot: Bot
) -> None:
    store, _stories, sender, service = make(tmp_path, bot)
    subscribe(service, api, 42)
    now = service.clock.now()
    for n in range(3):
        store.enqueue(42, None, "digest", [Part(f"part {n}")], now=now, not_before=now)
    api.hang_on_send(2)  # the server takes "part 1" and never answers
    sender.start()
    for _ in range(500):  # "part 1" reached the server, whose answer never comes
        if len(api.messages_to(42)) >= 2:
            break
        await asyncio.sleep(0.01)
    await sender.stop()  # as if killed: "part 1" is left in flight
    assert [r.state for r in store.outbox_for_chat(42)] == ["sent", "sending", "pending"]

    async with Bot(TOKEN, base_url=f"{api.url}/bot") as bot2:
        sender2 = OutboxSender(
            store, TelegramTransport(bot2), Pacer(), SystemClock(), poll_s=0.2, probe_span=3
        )
        await run_until_drained(sender2)
    texts = [m.plain for m in api.messages_to(42)]
    assert texts == ["part 0", "part 1", "part 2"]
    assert sender2.stats.reconciled_found == 1
    assert all(r.state == "sent" for r in store.outbox_for_chat(42))


async def test_in_flight_send_that_never_arrived_is_sent_again(
    tmp_path: Path, api: FakeBotAPI, bot: Bot
) -> None:
    store, _stories, sender, service = make(tmp_path, bot)
    subscribe(service, api, 42)
    now = service.clock.now()
    [row_id] = store.enqueue(42, None, "alert", [Part("lost on the way")], now=now, not_before=now)
    store.mark_sending(row_id, 1)  # crashed before the request left
    await run_until_drained(sender)
    assert [m.plain for m in api.messages_to(42)] == ["lost on the way"]
    assert sender.stats.reconciled_resent == 1


def test_html_validator_matches_telegram_rules() -> None:
    assert parse_html("<b>x</b> &lt;&amp;&quot;&#65;&#x42;") == 'x <&"AB'
    for bad in ("<b>x", "<b>x</i>", "a & b", "<foo>", "&nbsp;", "<a>x</a>", "x</b>"):
        with pytest.raises(ParseEntitiesError, match=r"\w"):
            parse_html(bad)


async def test_stop_while_woken_does_not_hang(tmp_path: Path) -> None:
    """A wake-up and a stop in the same tick: on Python 3.11 `asyncio.wait_for` returned the
    wake-up and dropped the cancel, so stop() waited for the sender's loop forever."""
    sender = OutboxSender(open_store(tmp_path), TerminalTransport(io.StringIO()), poll_s=0.2)
    for _ in range(20):
        sender.start()
        await asyncio.sleep(0.01)  # the loop is waiting for a wake-up
        sender.wake()
        async with asyncio.timeout(5):
            await sender.stop()
