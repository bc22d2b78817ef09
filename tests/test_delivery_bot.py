"""The bot end to end: PTB 22 long-polling the local Bot API server (TELEGRAM_API_URL), updates
injected through getUpdates, answers read from what the server received."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.clock import Clock
from core.health import SourceHealth
from delivery.app import build_service
from delivery.pacing import Limits
from delivery.service import DeliveryService
from tests.fakebotapi import FakeBotAPI, Sent
from tests.test_delivery_support import TOKEN, MemoryStories, make_rules, open_store, story

ADMIN = 900


@dataclass
class FakeOps:
    calls: list[tuple[str, str]] = field(default_factory=list)
    reload_errors: list[str] = field(default_factory=list)

    def pause(self, name: str) -> bool:
        self.calls.append(("pause", name))
        return name == "Al Jazeera Arabic"

    def resume(self, name: str) -> bool:
        self.calls.append(("resume", name))
        return name == "Al Jazeera Arabic"

    def reload(self) -> list[str]:
        self.calls.append(("reload", ""))
        return list(self.reload_errors)

    def health(self) -> dict[str, SourceHealth]:
        return {
            "Al Jazeera Arabic": SourceHealth("Al Jazeera Arabic", failures=0, items_seen=12),
            "Broken <feed> & co": SourceHealth(
                "Broken <feed> & co", failures=4, last_error="HTTP 503 <html>"
            ),
        }


@dataclass
class Bot:
    api: FakeBotAPI
    service: DeliveryService
    stories: MemoryStories
    ops: FakeOps

    async def say(self, chat_id: int, text: str, count: int = 1, **kw: object) -> list[Sent]:
        """Send `text` as a user of the chat and wait for `count` new bot messages there."""
        before = len(self.api.messages_to(chat_id))
        self.api.user_message(chat_id, text, **kw)  # type: ignore[arg-type]  # keyword options
        return await self.wait(chat_id, before + count)

    async def wait(self, chat_id: int, total: int) -> list[Sent]:
        for _ in range(500):
            got = self.api.messages_to(chat_id)
            if len(got) >= total:
                return got[total - 1 :] if total else got
            await asyncio.sleep(0.01)
        raise AssertionError(
            f"no answer in chat {chat_id}: {[m.plain for m in self.api.messages_to(chat_id)]}"
        )


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN) as server:
        yield server


async def started(
    tmp_path: Path, api: FakeBotAPI, clock: Clock | None = None, **rules_kw: object
) -> Bot:
    store = open_store(tmp_path)
    stories = MemoryStories(store)
    ops = FakeOps()
    rules = make_rules(**rules_kw)  # type: ignore[arg-type]  # keyword options
    service = build_service(
        rules,
        store,
        stories,
        ops=ops,
        token=TOKEN,
        api_url=api.url,
        poll_timeout_s=1,
        limits=Limits(chat_rate=50.0, chat_burst=50.0),  # pacing has its own tests
        clock=clock,
    )
    service.sender.poll_s = 0.2
    await service.start()
    return Bot(api, service, stories, ops)


@pytest.fixture
async def bot(tmp_path: Path, api: FakeBotAPI) -> AsyncIterator[Bot]:
    b = await started(tmp_path, api, admins=(ADMIN,))
    yield b
    await b.service.stop()


async def test_start_topics_mode_quiet_lang_status_stop(bot: Bot) -> None:
    [welcome] = await bot.say(42, "/start")
    assert "Subscribed" in welcome.plain and "Libya diplomacy" in welcome.plain
    assert any(c[0] == "setMyCommands" for c in bot.api.calls)
    sub = bot.service.store.subscriber(42)
    assert sub is not None and sub.active and sub.all_topics  # default_topics empty: all

    [pick] = await bot.say(42, "/topics")
    buttons = [row[0] for row in pick.reply_markup["inline_keyboard"]]
    assert [b["callback_data"] for b in buttons] == [
        "topics:all",
        "topic:russia_military_africa",
        "topic:libya_diplomacy",
    ]
    bot.api.press(42, pick.message_id, "topic:libya_diplomacy")
    for _ in range(300):
        if bot.api.edits:
            break
        await asyncio.sleep(0.01)
    sub = bot.service.store.subscriber(42)
    assert sub is not None and sub.topics == ("russia_military_africa",) and not sub.all_topics
    edited = bot.api.current_text(42, pick.message_id)
    assert "▫️ Libya diplomacy" in str(edited["markup"])
    assert "▫️ All topics" in str(edited["markup"])

    [mode] = await bot.say(42, "/mode daily 7:30")
    assert "daily 07:30" in mode.plain
    [bad] = await bot.say(42, "/mode weekly")
    assert "Usage" in bad.plain
    [quiet] = await bot.say(42, "/quiet 22-07")
    assert "Quiet hours: 22:00-07:00 (UTC)" in quiet.plain
    sub = bot.service.store.subscriber(42)
    assert sub is not None and (sub.mode, sub.daily_at, sub.quiet_start, sub.quiet_end) == (
        "daily",
        "07:30",
        22,
        7,
    )

    [lang] = await bot.say(42, "/lang ar")
    assert "العربية" in lang.plain
    [status] = await bot.say(42, "/status")
    assert "الوضع: يومي 07:30" in status.plain  # the mode in Arabic words
    assert "ساعات الهدوء: 22:00-07:00 (UTC)" in status.plain  # as the confirmation said it
    assert "اللغة: العربية" in status.plain
    [helped] = await bot.say(42, "/help")
    assert "/search" in helped.plain and "/pause" not in helped.plain

    [bye] = await bot.say(42, "/stop")
    assert "/start" in bye.plain
    assert not bot.service.store.subscriber(42).active  # type: ignore[union-attr]  # still on file
    [again] = await bot.say(42, "/start")
    assert "أهلاً بعودتك" in again.plain  # settings (language) kept


async def test_digest_search_and_alerts(bot: Bot) -> None:
    await bot.say(42, "/start")
    now = bot.service.clock.now()
    bot.stories.add(
        story(1, "Haftar <visits> Ouagadougou & more", at=now, sources=("A", "B", "C")),
        story(
            2,
            "Wagner becomes Africa Corps",
            topics=("russia_military_africa",),
            entities=("wagner",),
            at=now,
        ),
    )
    assert bot.service.on_new_story(bot.stories.items[2]) == 1
    [alert] = await bot.wait(42, 2)
    assert alert.plain.startswith("🔴 \u2068Wagner becomes Africa Corps\u2069")
    assert '<a href="https://news.example/2?a=1&amp;b=2"><b>' in alert.text  # headline: the link
    assert alert.link_preview == {"is_disabled": False, "prefer_small_media": True}
    assert bot.service.on_new_story(bot.stories.items[2]) == 0  # a later copy never re-alerts

    [digest] = await bot.say(42, "/digest")
    assert "Haftar <visits> Ouagadougou & more" in digest.plain
    assert "also: B · C" in digest.plain.replace("\u2068", "").replace("\u2069", "")
    assert "Wagner becomes" not in digest.plain  # already delivered as an alert
    [empty] = await bot.say(42, "/digest")
    assert "Nothing new" in empty.plain

    [found] = await bot.say(42, "/search ouagadougou")
    assert "Haftar <visits> Ouagadougou & more" in found.plain
    [none] = await bot.say(42, "/search <nothing & here>")
    assert "Nothing found for <nothing & here>" in none.plain


async def test_admin_commands_and_refusals(bot: Bot) -> None:
    [refused] = await bot.say(42, "/pause Al Jazeera Arabic")
    assert "operators" in refused.plain
    [refused2] = await bot.say(42, "/reload")
    assert "operators" in refused2.plain
    assert bot.ops.calls == []  # no admin action for a non-admin

    [paused] = await bot.say(ADMIN, "/pause al jazeera ARABIC")  # names in any case
    assert "Paused: Al Jazeera Arabic" in paused.plain
    [unknown] = await bot.say(ADMIN, "/resume Al Jazera")
    assert "No source named Al Jazera. Did you mean Al Jazeera Arabic?" in unknown.plain
    [sources] = await bot.say(ADMIN, "/sources")
    assert "Broken <feed> & co" in sources.plain and "HTTP 503 <html>" in sources.plain
    [stats] = await bot.say(ADMIN, "/stats")
    assert "New stories: 0" in stats.plain and "Failing: \u2068Broken <feed> & co" in stats.plain
    bot.ops.reload_errors = ["rules.yaml:3:5: unknown key 'topcis'"]
    [failed] = await bot.say(ADMIN, "/reload")
    assert "NOT reloaded" in failed.plain and "topcis" in failed.plain
    assert bot.ops.calls == [("pause", "Al Jazeera Arabic"), ("reload", "")]
    [helped] = await bot.say(ADMIN, "/help")
    assert "/pause" in helped.plain


async def test_groups_forum_topics_and_channels(bot: Bot) -> None:
    bot.api.set_member(-100500, 5, "administrator")  # in a group, its admins subscribe it
    [welcome] = await bot.say(
        -100500, "/start@sahel_test_bot", chat_type="supergroup", user_id=5, thread_id=77
    )
    assert welcome.thread_id == 77
    sub = bot.service.store.subscriber(-100500)
    assert sub is not None and sub.chat_type == "supergroup" and sub.thread_id == 77
    now = bot.service.clock.now()
    bot.stories.add(story(5, "Wagner in Mali", topics=("russia_military_africa",), at=now))
    bot.service.on_new_story(bot.stories.items[5])
    [alert] = await bot.wait(-100500, 2)
    assert alert.thread_id == 77 and "Wagner in Mali" in alert.plain

    [chan] = await bot.say(-100900, "/start", chat_type="channel")
    assert "Subscribed" in chan.plain
    assert bot.service.store.subscriber(-100900).chat_type == "channel"  # type: ignore[union-attr]  # subscribed


async def test_allowlist_refuses_strangers(tmp_path: Path, api: FakeBotAPI) -> None:
    b = await started(tmp_path, api, access="allowlist", allow=(43,), admins=(ADMIN,))
    try:
        [no] = await b.say(42, "/start")
        assert "private" in no.plain
        assert b.service.store.subscriber(42) is None
        [yes] = await b.say(43, "/start")
        assert "Subscribed" in yes.plain
        [admin] = await b.say(ADMIN, "/start")
        assert "Subscribed" in admin.plain
    finally:
        await b.service.stop()
