"""The bot as people meet it, through the local Bot API server (issue 14, points 4-6; issue
17): in a group only its admins change its settings (getChatMember, asked once a minute);
anything unknown gets a helpful answer in the chat's language; /whoami; /format; the command
menu per language; the bot kicked or gone (my_chat_member: what waited for the chat is dropped)
and a group upgraded to a supergroup (what waited, and what was delivered, moves with it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import FixedClock
from tests.fakebotapi import FakeBotAPI
from tests.test_delivery_bot import ADMIN, Bot, started
from tests.test_delivery_support import TOKEN, story

GROUP = -100700
OWNER, MEMBER = 11, 12


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN) as server:
        yield server


@pytest.fixture
async def bot(tmp_path: Path, api: FakeBotAPI) -> AsyncIterator[Bot]:
    clock = FixedClock(datetime.now(UTC))  # the admins' cache expires only when told to
    b = await started(tmp_path, api, clock, admins=(ADMIN,))
    yield b
    await b.service.stop()


def calls(api: FakeBotAPI, method: str) -> list[dict[str, object]]:
    return [params for name, params, _ in api.calls if name == method]


async def test_in_a_group_only_its_admins_change_its_settings(bot: Bot) -> None:
    api = bot.api
    api.set_member(GROUP, OWNER, "creator")
    [refused] = await bot.say(GROUP, "/start", chat_type="supergroup", user_id=MEMBER)
    assert "only this group's admins" in refused.plain
    assert bot.service.store.subscriber(GROUP) is None
    [welcome] = await bot.say(GROUP, "/start", user_id=OWNER)
    assert "Subscribed" in welcome.plain
    for command in ("/mode hourly", "/quiet 22-07", "/lang fr", "/format short", "/stop"):
        [no] = await bot.say(GROUP, command, user_id=MEMBER)
        assert "only this group's admins" in no.plain, command
    sub = bot.service.store.subscriber(GROUP)
    assert (
        sub is not None
        and sub.active
        and (sub.mode, sub.lang, sub.format) == ("instant", "en", "full")
    )
    [ok] = await bot.say(GROUP, "/mode hourly", user_id=OWNER)
    assert "Mode: hourly" in ok.plain
    [status] = await bot.say(GROUP, "/status", user_id=MEMBER)  # reading is for everyone
    assert "Mode: hourly" in status.plain
    [usage] = await bot.say(GROUP, "/mode", user_id=MEMBER)  # a usage answer changes nothing
    assert "Usage" in usage.plain
    asked = [(p["chat_id"], p["user_id"]) for p in calls(api, "getChatMember")]
    assert asked.count((GROUP, MEMBER)) == 1 and asked.count((GROUP, OWNER)) == 1  # cached
    bot.service.clock.advance(61)  # type: ignore[attr-defined]  # the fixture's FixedClock
    [again] = await bot.say(GROUP, "/mode daily", user_id=MEMBER)
    assert "only this group's admins" in again.plain
    asked = [(p["chat_id"], p["user_id"]) for p in calls(api, "getChatMember")]
    assert asked.count((GROUP, MEMBER)) == 2  # a minute on, Telegram is asked again
    [operator] = await bot.say(GROUP, "/quiet 23-06", user_id=ADMIN)  # the bot's operators may
    assert "23:00-06:00" in operator.plain

    [pick] = await bot.say(GROUP, "/topics", user_id=MEMBER)  # anyone may look
    api.press(GROUP, pick.message_id, "topic:libya_diplomacy", user_id=MEMBER)
    for _ in range(300):
        if calls(api, "answerCallbackQuery"):
            break
        await asyncio.sleep(0.01)
    [answer] = calls(api, "answerCallbackQuery")
    assert "only this group's admins" in str(answer["text"]) and answer["show_alert"] is True
    assert bot.service.store.subscriber(GROUP).all_topics  # type: ignore[union-attr]  # subscribed above
    [helped] = await bot.say(GROUP, "/help", user_id=MEMBER)
    assert "only its admins can change its settings" in helped.plain


async def test_unknown_commands_and_plain_text_get_a_helpful_answer(bot: Bot) -> None:
    [foo] = await bot.say(42, "/foo")
    assert foo.plain == "I don't know /foo. Send /help for the commands."
    [hello] = await bot.say(42, "hello bot")
    assert "/help" in hello.plain and "/search" in hello.plain
    [marhaba] = await bot.say(43, "مرحبا")  # not subscribed: Arabic text, an Arabic answer
    assert "أرسل /help" in marhaba.plain
    [french] = await bot.say(44, "/nope", language_code="fr")
    assert french.plain.startswith("Je ne connais pas /nope")
    await bot.say(42, "/start")
    await bot.say(42, "/lang ar")  # the chat's language is its subscription's
    [arabic] = await bot.say(42, "/bar")
    assert arabic.plain.startswith("لا أعرف الأمر /bar")

    before = len(bot.api.messages_to(GROUP))
    bot.api.user_message(
        GROUP, "/foo", chat_type="supergroup", user_id=MEMBER
    )  # maybe another bot's
    bot.api.user_message(GROUP, "/foo@other_bot", user_id=MEMBER)
    bot.api.user_message(GROUP, "just chatting", user_id=MEMBER)
    [addressed] = await bot.say(GROUP, "/foo@sahel_test_bot", user_id=MEMBER)
    assert "I don't know /foo" in addressed.plain
    assert len(bot.api.messages_to(GROUP)) == before + 1  # only the one addressed to this bot


async def test_whoami_tells_a_would_be_admin_their_id(bot: Bot) -> None:
    [me] = await bot.say(4242, "/whoami")
    assert "Your Telegram user id: 4242" in me.plain and "SAHELWATCH_ADMINS" in me.plain
    [admin] = await bot.say(ADMIN, "/whoami")
    assert (
        f"user id: {ADMIN}" in admin.plain and "You are one of this bot's operators." in admin.plain
    )
    [in_group] = await bot.say(GROUP, "/whoami", chat_type="supergroup", user_id=MEMBER)
    assert f"user id: {MEMBER}" in in_group.plain and f"chat's id: {GROUP}" in in_group.plain


async def test_the_command_menu_is_set_in_each_language(bot: Bot) -> None:
    menus = bot.api.commands
    assert set(menus) == {"", "fr", "ar"}
    assert ("start", "subscribe") in menus[""] and (
        "format",
        "alert layout: full or short",
    ) in menus[""]
    assert ("start", "s'abonner") in menus["fr"] and ("whoami", "معرّفك في تيليغرام") in menus["ar"]


async def test_format_short_sends_alerts_without_a_preview(bot: Bot) -> None:
    await bot.say(42, "/start")
    [usage] = await bot.say(42, "/format")
    assert "Usage: /format full | short" in usage.plain
    [short] = await bot.say(42, "/format short")
    assert "Alert layout: short" in short.plain
    now = bot.service.clock.now()
    bot.stories.add(story(9, "Wagner in Mali", topics=("russia_military_africa",), at=now))
    bot.service.on_new_story(bot.stories.items[9])
    [alert] = await bot.wait(42, len(bot.api.messages_to(42)) + 1)
    assert alert.plain.count("\n") == 1 and alert.link_preview == {"is_disabled": True}
    [status] = await bot.say(42, "/status")
    assert "Alert layout: short" in status.plain


async def test_a_bot_kicked_from_a_chat_stops_delivering_to_it(bot: Bot) -> None:
    await bot.say(42, "/start")
    await bot.say(43, "/start")
    bot.api.bot_removed(42, "kicked")
    for _ in range(300):
        if not bot.service.store.subscriber(42).active:  # type: ignore[union-attr]  # subscribed above
            break
        await asyncio.sleep(0.01)
    sub = bot.service.store.subscriber(42)
    assert sub is not None and not sub.active and sub.inactive_reason == "bot kicked"
    now = bot.service.clock.now()
    bot.stories.add(story(3, "Wagner convoy", topics=("russia_military_africa",), at=now))
    assert bot.service.on_new_story(bot.stories.items[3]) == 1  # chat 43 only


async def test_a_group_upgraded_to_a_supergroup_keeps_its_subscription(bot: Bot) -> None:
    old, new = -500, -100500500
    bot.api.set_member(old, OWNER, "creator")
    await bot.say(old, "/start", chat_type="group", user_id=OWNER)
    await bot.say(old, "/mode daily 08:00", user_id=OWNER)
    bot.api.migrate(old, new)  # sends to the old id are refused from now on
    bot.api.group_upgraded(old, new)
    for _ in range(300):
        if bot.service.store.subscriber(new) is not None:
            break
        await asyncio.sleep(0.01)
    moved = bot.service.store.subscriber(new)
    assert moved is not None and moved.chat_type == "supergroup" and moved.daily_at == "08:00"
    assert bot.service.store.subscriber(old) is None


async def quiet_now(bot: Bot, chat: int, user_id: int | None = None) -> None:
    """Quiet hours in `chat` from this hour for two hours: its alerts wait in the outbox."""
    hour = bot.service.clock.now().hour
    [said] = await bot.say(chat, f"/quiet {hour:02d}-{(hour + 2) % 24:02d}", user_id=user_id)
    assert "Quiet hours" in said.plain


async def until_true(condition: Callable[[], object], what: str) -> None:
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_the_bot_gone_from_a_chat_drops_what_waited_for_it(bot: Bot) -> None:
    store = bot.service.store
    await bot.say(42, "/start")
    await quiet_now(bot, 42)
    bot.api.set_member(GROUP, OWNER, "creator")
    await bot.say(GROUP, "/start", chat_type="supergroup", user_id=OWNER)
    await quiet_now(bot, GROUP, user_id=OWNER)
    now = bot.service.clock.now()
    bot.stories.add(story(4, "Wagner convoy", topics=("russia_military_africa",), at=now))
    assert bot.service.on_new_story(bot.stories.items[4]) == 2  # both wait for their quiet end
    assert [r.state for r in store.outbox_for_chat(42)] == ["pending"]

    bot.api.bot_removed(99, "kicked")  # a chat that never subscribed: nothing to do
    bot.api.bot_removed(GROUP, "member")  # back in the group as a member: not gone
    bot.api.bot_removed(42, "kicked")  # the user blocked the bot
    await until_true(lambda: not store.subscriber(42).active, "chat 42 deactivated")  # type: ignore[union-attr]  # subscribed above
    assert store.subscriber(42).inactive_reason == "bot kicked"  # type: ignore[union-attr]  # subscribed above
    assert [r.state for r in store.outbox_for_chat(42)] == ["dropped"]
    assert store.subscriber(99) is None
    group = store.subscriber(GROUP)
    assert group is not None and group.active
    assert [r.state for r in store.outbox_for_chat(GROUP)] == ["pending"]

    bot.api.bot_removed(GROUP, "left")  # removed from the group
    await until_true(lambda: not store.subscriber(GROUP).active, "the group deactivated")  # type: ignore[union-attr]  # subscribed above
    assert store.subscriber(GROUP).inactive_reason == "bot left"  # type: ignore[union-attr]  # subscribed above
    assert [r.state for r in store.outbox_for_chat(GROUP)] == ["dropped"]
    [back] = await bot.say(42, "/start")  # unblocked: settings kept, nothing owed
    assert "Welcome back" in back.plain and store.subscriber(42).quiet is not None  # type: ignore[union-attr]  # subscribed above


async def test_an_upgraded_group_takes_what_waited_and_what_it_had(bot: Bot) -> None:
    store, old, new = bot.service.store, -600, -100600600
    bot.api.set_member(old, OWNER, "creator")
    await bot.say(old, "/start", chat_type="group", user_id=OWNER)
    now = bot.service.clock.now()
    urgent = ("russia_military_africa",)
    bot.stories.add(story(6, "Wagner in Mali", topics=urgent, at=now))
    bot.service.on_new_story(bot.stories.items[6])
    [alert] = await bot.wait(old, len(bot.api.messages_to(old)) + 1)
    assert "Wagner in Mali" in alert.plain
    await quiet_now(bot, old, user_id=OWNER)
    bot.stories.add(story(7, "Wagner in Niger", topics=urgent, at=now))
    assert bot.service.on_new_story(bot.stories.items[7]) == 1  # waits for the quiet end

    bot.api.migrate(old, new)
    bot.api.group_upgraded(old, new)
    await until_true(lambda: store.subscriber(new) is not None, "the subscription moved")
    assert store.outbox_for_chat(old) == []
    waiting = [r for r in store.outbox_for_chat(new) if r.state == "pending"]
    assert [r.story_ids for r in waiting] == [(7,)]  # the waiting alert goes to the new id
    assert store.undelivered(new, [6, 7]) == []  # story 6 was delivered, 7 is queued
    assert bot.service.on_new_story(bot.stories.items[6]) == 0  # so neither comes again
    assert bot.service.on_new_story(bot.stories.items[7]) == 0
