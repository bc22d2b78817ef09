"""The service's decisions, delivered to the terminal (no token): who gets an alert, who waits for
the digest, quiet hours, hourly/daily digests on a pinned clock, and a story delivered once."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.clock import FixedClock
from delivery import render
from delivery.app import api_urls, build_service
from delivery.pacing import Limits, Pacer
from delivery.sender import OutboxSender
from delivery.service import DIGEST_JOB, DeliveryService, admins_from_env
from delivery.terminal import TERMINAL_CHAT, TerminalTransport
from tests.fakebotapi import parse_html
from tests.test_delivery_support import MemoryStories, make_rules, open_store, story

NOON = datetime(2026, 8, 13, 12, 0, tzinfo=UTC)
URGENT = ("russia_military_africa",)


def make(
    tmp_path: Path, mode: str = "instant"
) -> tuple[DeliveryService, MemoryStories, FixedClock, io.StringIO]:
    clock = FixedClock(NOON)
    store = open_store(tmp_path)
    stories = MemoryStories(store)
    out = io.StringIO()
    sender = OutboxSender(
        store,
        TerminalTransport(out),
        Pacer(Limits(chat_rate=100, chat_burst=100)),
        clock,
        poll_s=0.05,
    )
    service = DeliveryService(
        make_rules(default_mode=mode), store, sender, stories, clock=clock, terminal=True
    )
    return service, stories, clock, out


async def test_hourly_subscriber_gets_everything_in_the_digest(tmp_path: Path) -> None:
    """A subscriber's mode is their choice: hourly means no pushes, urgent topics included."""
    service, stories, clock, out = make(tmp_path, "hourly")
    service.subscriptions.subscribe(1, "private")
    urgent = story(1, "Wagner convoy & <trucks>", topics=URGENT, entities=("wagner",), at=NOON)
    calm = story(2, "Haftar visit", at=NOON)
    stories.add(urgent, calm)
    assert service.on_new_story(urgent) == 0  # waits for the digest
    assert service.on_new_story(calm) == 0
    assert service.run_digests(clock.now()) == 0  # the hour has not turned
    clock.advance(3600)
    assert service.run_digests(clock.now()) == 1
    service.sender.start()
    assert await service.sender.drain(10)
    await service.sender.stop()
    text = out.getvalue()
    assert text.count("Wagner convoy & <trucks>") == 1 and text.count("Haftar visit") == 1
    assert "Digest · 2 stories" in text and "Alert" not in text


async def test_quiet_hours_hold_messages_until_they_end(tmp_path: Path) -> None:
    service, stories, clock, out = make(tmp_path, "instant")
    service.subscriptions.subscribe(1, "private")
    service.store.update_settings(1, clock.now(), quiet=(11, 13))  # noon is quiet (UTC)
    s = story(1, "Wagner", topics=URGENT, at=NOON)
    stories.add(s)
    assert service.on_new_story(s) == 1
    [row] = service.store.outbox_for_chat(1)
    assert row.not_before == datetime(2026, 8, 13, 13, 0, tzinfo=UTC)
    service.sender.start()
    assert await service.sender.drain(5)  # nothing due yet
    assert "Wagner" not in out.getvalue()
    clock.advance(3600)
    assert await service.sender.drain(5)
    await service.sender.stop()
    assert "Wagner" in out.getvalue()


def test_instant_mode_alerts_urgent_topics_and_digests_the_rest_daily(tmp_path: Path) -> None:
    service, stories, clock, _out = make(tmp_path, "instant")
    service.subscriptions.subscribe(1, "private")
    service.subscriptions.subscribe(2, "private")
    service.store.update_settings(
        2, clock.now(), topics=["russia_military_africa"], all_topics=False
    )
    urgent = story(1, "Wagner convoy", topics=URGENT, at=NOON)
    calm = story(2, "Haftar visit", at=NOON)
    stories.add(urgent, calm)
    assert service.on_new_story(urgent) == 2  # both follow it
    assert service.on_new_story(calm) == 0  # a digest-only topic: not pushed
    assert service.run_digests() == 0
    clock.advance(19 * 3600)  # 07:00 next day, the default daily time
    assert service.run_digests() == 1  # chat 1 follows the calm topic; chat 2 has nothing new
    [alert, digest] = service.store.outbox_for_chat(1)
    assert alert.kind == "alert" and digest.kind == "digest"
    assert "Haftar visit" in digest.text and "Wagner convoy" not in digest.text
    assert [r.kind for r in service.store.outbox_for_chat(2)] == ["alert"]


def test_daily_digest_at_the_chosen_time(tmp_path: Path) -> None:
    service, stories, clock, _out = make(tmp_path, "daily")
    service.subscriptions.subscribe(1, "private")
    service.store.update_settings(1, clock.now(), daily_at="18:30")
    stories.add(story(1, "Haftar visit", at=NOON))
    clock.advance(6 * 3600 + 29 * 60)  # 18:29
    assert service.run_digests() == 0
    clock.advance(60)  # 18:30
    assert service.run_digests() == 1
    assert service.run_digests() == 0


async def test_terminal_service_without_token(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    stories = MemoryStories(store)
    out = io.StringIO()
    scheduler = AsyncIOScheduler(timezone=UTC)
    service = build_service(make_rules(), store, stories, token="", scheduler=scheduler, stream=out)
    assert service.terminal and service.bot is None
    await service.start()
    try:
        sub = store.subscriber(TERMINAL_CHAT)
        assert sub is not None and sub.active and sub.chat_type == "terminal"
        assert scheduler.get_job(DIGEST_JOB) is not None  # on the runner's scheduler
        s = story(7, "Wagner & Africa Corps", topics=URGENT, at=service.clock.now())
        stories.add(s)
        assert service.on_new_story(s) == 1
        assert await service.sender.drain(10)
        assert "🔴 Wagner & Africa Corps" in out.getvalue()
        assert "Outlet A · " in out.getvalue() and "UTC · #russia_military_africa" in out.getvalue()
    finally:
        await service.stop()
    assert scheduler.get_job(DIGEST_JOB) is None


def test_api_url_and_admins_from_environment(monkeypatch: object) -> None:
    assert api_urls("http://127.0.0.1:8081/") == (
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
    )
    assert api_urls("http://h/bot") == ("http://h/bot", "http://h/file/bot")
    assert admins_from_env(" 12, x, 34 ,") == {12, 34}


def test_daily_time_is_in_the_rules_timezone(tmp_path: Path) -> None:
    service, stories, clock, _out = make(tmp_path, "daily")
    rules = service.rules
    service.update_rules(
        rules._replace(delivery=rules.delivery._replace(timezone="Africa/Tripoli"))
    )
    service.subscriptions.subscribe(1, "private")
    service.store.update_settings(1, clock.now(), daily_at="18:30")  # 16:30 UTC
    stories.add(story(1, "Haftar visit", at=NOON))
    clock.advance(4 * 3600 + 29 * 60)  # 16:29 UTC
    assert service.run_digests() == 0
    clock.advance(60)
    assert service.run_digests() == 1


async def test_with_the_real_store_sharing_its_connection(tmp_path: Path) -> None:
    from config.model import Stories
    from core.items import Item
    from matching.result import Hit, MatchResult, TopicResult
    from storage.db import open_state
    from storage.delivery_store import DeliveryStore
    from storage.store import Store

    clock = FixedClock(NOON)
    store = Store(open_state(str(tmp_path)), clock, Stories())
    dstore = DeliveryStore(store.conn)  # one connection, one writer
    out = io.StringIO()
    sender = OutboxSender(
        dstore, TerminalTransport(out), Pacer(Limits(chat_rate=100, chat_burst=100)), clock
    )
    service = DeliveryService(make_rules(default_mode="hourly"), dstore, sender, store, clock=clock)
    service.subscriptions.subscribe(1, "private")

    def ingest(guid: str, title: str, source: str, topic: str, entity: str):
        item = Item(
            source=source,
            url=f"https://{source}.example/{guid}",
            guid=guid,
            title=title,
            lang="en",
            published=clock.now(),
        )
        hit = Hit(title, entity, None, "en", 0, 1, "title", entity)
        match = MatchResult(guid, (TopicResult(topic, True, 3.0, 1.0, (hit,)),), (entity,), (hit,))
        return store.ingest(item, match, {entity: "organisation"})

    service.store.update_settings(1, clock.now(), mode="instant")
    first = ingest(
        "a1", "Wagner fighters leave Mali for Libya", "alpha", "russia_military_africa", "wagner"
    )
    assert first.story_is_new
    assert service.on_new_story(first.story) == 1
    again = ingest(
        "b1", "Wagner fighters leave Mali for Libya", "beta", "russia_military_africa", "wagner"
    )
    assert again.story_id == first.story_id
    assert service.on_new_story(again.story) == 0  # a later copy never re-alerts
    calm = ingest(
        "c1",
        "Saddam Haftar meets Traoré in Ouagadougou",
        "gamma",
        "libya_diplomacy",
        "saddam_haftar",
    )
    assert service.on_new_story(calm.story) == 0
    clock.advance(19 * 3600)  # the daily digest of an instant subscriber, at 07:00
    assert service.run_digests() == 1
    assert [len(r.story_ids) for r in dstore.outbox_for_chat(1)] == [1, 1]
    hits = store.search("Ouagadougou", 5)
    assert hits and hits[0].title.startswith("Saddam Haftar")


def test_a_notice_of_300_rules_errors_is_summarised_and_split(tmp_path: Path) -> None:
    """Issue 13, finding 7: a refused edit with 300 errors made one notice of 28,175
    characters, which Telegram refuses: the admins learned nothing."""
    service, _stories, _clock, _out = make(tmp_path)
    errors = [
        f"rules.yaml:{n}:7: topic 'sahel_{n}': term: unknown entity 'entity_number_{n}' "
        + "<&>" * 20
        for n in range(1, 301)
    ]
    text = "rules.yaml edit refused; the previous rules keep running:\n" + "\n".join(errors)
    assert len(text) > 28_000
    assert service.notify_admins(text) == 1
    rows = service.store.outbox_for_chat(TERMINAL_CHAT)
    assert rows and all(r.kind == "notice" for r in rows)
    for row in rows:
        assert render.tg_len(row.text) <= 4096
        parse_html(row.text)  # valid Telegram HTML
    shown = "\n".join(parse_html(r.text) for r in rows)
    shown = shown.replace(render.FSI, "").replace(render.PDI, "")
    assert shown.startswith("⚠️ rules.yaml edit refused")
    assert errors[0] in shown and errors[9] in shown  # the first errors word for word
    assert "and 271 more" in shown and "log" in shown  # the rest summarised
    assert len(rows) <= 3


def test_a_new_subscription_takes_the_defaults_of_the_rules_running_now(tmp_path: Path) -> None:
    """The bot's commands subscribe through service.subscriptions: a reload of the rules
    applies to the next /start, and a chat that comes back keeps its own settings."""
    service, _stories, clock, _out = make(tmp_path)
    first, created = service.subscriptions.subscribe(1, "private")
    assert created and (first.mode, first.all_topics, first.lang) == ("instant", True, "en")
    delivery = service.rules.delivery._replace(
        default_mode="daily",
        default_topics=("libya_diplomacy",),
        daily_at="18:30",
        default_lang="fr",
    )
    service.update_rules(service.rules._replace(delivery=delivery))
    second, _ = service.subscriptions.subscribe(2, "supergroup", "G", thread_id=5, lang="xx")
    assert (second.mode, second.daily_at, second.topics, second.all_topics) == (
        "daily", "18:30", ("libya_diplomacy",), False,
    )  # fmt: skip
    assert (second.lang, second.thread_id, second.subscribed_at) == ("fr", 5, clock.now())
    service.subscriptions.stop(1, "/stop")
    again, created = service.subscriptions.subscribe(1, "private")
    assert not created and again.active and (again.mode, again.all_topics) == ("instant", True)
