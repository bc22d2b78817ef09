"""Alerts that read well on a phone, and bursts folded (issue 14, point 3; issue 16, point 7):
the headline as the link, a lead line, outlet · local time with its zone · topic hashtags,
the short layout, link previews on full alerts only (edits keep them); five alerts due at
once, or two held by quiet hours, go out as one list, oldest story first, split under 4,096,
never edited; the terminal is not paced like Telegram."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.clock import FixedClock
from core.story import StoryItemView, StoryView
from delivery import compose, render
from delivery.app import build_service
from delivery.cadence import zone
from delivery.pacing import Unpaced
from delivery.sender import OutboxSender
from delivery.service import DeliveryService
from delivery.terminal import TerminalTransport
from tests.fakebotapi import parse_html
from tests.test_delivery_support import MemoryStories, make_rules, open_store, story

NOON = datetime(2026, 8, 13, 12, 0, tzinfo=UTC)
URGENT = ("russia_military_africa",)
BOTH = ("russia_military_africa", "libya_diplomacy")
RULES = make_rules()


def make(tmp_path: Path) -> tuple[DeliveryService, MemoryStories, FixedClock, io.StringIO]:
    clock = FixedClock(NOON)
    store = open_store(tmp_path)
    stories = MemoryStories(store)
    out = io.StringIO()
    sender = OutboxSender(store, TerminalTransport(out), Unpaced(), clock, poll_s=0.05)
    rules = RULES._replace(delivery=RULES.delivery._replace(timezone="Africa/Tripoli"))
    service = DeliveryService(rules, store, sender, stories, clock=clock, terminal=True)
    service.subscriptions.subscribe(1, "private")
    return service, stories, clock, out


def urgent(sid: int, at: datetime, title: str = "") -> StoryView:
    return story(sid, title or f"Wagner convoy {sid}", topics=URGENT, entities=("wagner",), at=at)


def test_a_full_alert_reads_well_on_a_phone() -> None:
    s = story(
        1, "Wagner <convoy> near Bamako", topics=BOTH, sources=("RFI", "TASS", "BBC"), at=NOON
    )
    summary = "Wagner <convoy> near Bamako. " + "Trucks and armoured cars " * 20
    item = StoryItemView(s.url, s.title, "RFI", "en", s.published, summary)
    s = replace(s, items=(item,))
    tz = zone("Africa/Tripoli")
    msg = compose.alert_text(s, BOTH, RULES, "en", tz)
    plain = parse_html(msg.text).replace(render.FSI, "").replace(render.PDI, "")
    lines = plain.splitlines()
    assert lines[0] == "🔴 Wagner <convoy> near Bamako"  # the headline first: the notification
    assert msg.text.startswith('🔴 <a href="https://news.example/1?a=1&amp;b=2"><b>')
    assert lines[1].startswith("Trucks and armoured cars") and lines[1].endswith("…")
    assert len(lines[1]) <= render.MAX_LEAD  # one short lead line
    assert lines[2] == "RFI · 13/08 14:00 EET · #russia_military_africa #libya_diplomacy"
    assert lines[3] == "also: TASS · BBC"
    assert msg.preview
    short = compose.alert_text(s, BOTH, RULES, "en", tz, layout="short")
    assert parse_html(short.text).replace(render.FSI, "").replace(render.PDI, "").splitlines() == [
        "🔴 Wagner <convoy> near Bamako",
        "RFI · 13/08 14:00 EET · #russia_military_africa #libya_diplomacy · +2 more",
    ]
    assert not short.preview


async def test_five_alerts_due_at_once_go_out_as_one_list_oldest_first(tmp_path: Path) -> None:
    service, stories, _clock, out = make(tmp_path)
    views = [urgent(i, NOON - timedelta(minutes=10 * i)) for i in range(1, 7)]  # 1 newest
    stories.add(*views)
    for view in views:  # feeds list the newest first: queued newest first
        assert service.on_new_story(view) == 1
    service.sender.start()
    assert await service.sender.drain(10)
    await service.sender.stop()
    text = out.getvalue()
    assert text.count("─" * 60) == 1  # one message
    assert "🔴 6 alerts" in text
    order = [text.index(f"Wagner convoy {i}") for i in range(6, 0, -1)]
    assert order == sorted(order)  # the oldest story first
    rows = service.store.outbox_for_chat(1)
    assert [r.state for r in rows if r.kind == "alert"] == ["folded"] * 6
    [folded] = [r for r in rows if r.kind == "folded"]
    assert folded.state == "sent" and sorted(folded.story_ids) == [1, 2, 3, 4, 5, 6]
    grown = replace(views[0], sources=("Outlet A", "Outlet B"))
    assert service.on_story_grew(grown) == 0  # a folded list is not edited
    assert service.store.undelivered(1, [1, 2, 3, 4, 5, 6]) == []  # each story delivered once


async def test_alerts_held_by_quiet_hours_arrive_folded_oldest_first(tmp_path: Path) -> None:
    service, stories, clock, out = make(tmp_path)
    service.store.update_settings(1, clock.now(), quiet=(13, 15))  # 14:00 in Tripoli: quiet
    late, early, mid = (
        urgent(i, NOON - timedelta(minutes=m)) for i, m in ((1, 5), (2, 50), (3, 20))
    )
    stories.add(late, early, mid)
    for view in (late, early, mid):
        service.on_new_story(view)
    service.sender.start()
    assert await service.sender.drain(5)
    assert out.getvalue() == ""  # held
    clock.advance(3600)  # 15:00 in Tripoli
    assert await service.sender.drain(5)
    await service.sender.stop()
    text = out.getvalue()
    assert text.count("─" * 60) == 1 and "🔴 3 alerts" in text
    assert text.index("convoy 2") < text.index("convoy 3") < text.index("convoy 1")


async def test_a_few_alerts_go_one_by_one_with_their_preview(tmp_path: Path) -> None:
    service, stories, clock, out = make(tmp_path)
    views = [urgent(i, NOON) for i in (1, 2)]
    stories.add(*views)
    for view in views:
        service.on_new_story(view)
    service.sender.start()
    assert await service.sender.drain(5)
    await service.sender.stop()
    assert out.getvalue().count("─" * 60) == 2
    rows = service.store.outbox_for_chat(1)
    assert [(r.kind, r.state, r.preview) for r in rows] == [("alert", "sent", True)] * 2
    service.store.update_settings(1, clock.now(), layout="short")
    third = urgent(3, NOON)
    stories.add(third)
    service.on_new_story(third)
    assert not service.store.outbox_for_chat(1)[-1].preview  # short: no preview
    clock.advance(60)
    grown = replace(views[0], sources=("Outlet A", "Outlet B"))
    assert service.on_story_grew(grown) == 1
    edit = service.store.outbox_for_chat(1)[-1]
    assert edit.kind == "edit" and edit.preview  # the edit keeps its alert's preview


def test_a_long_burst_is_split_under_the_limit_and_never_fails() -> None:
    burst = [
        (
            story(
                i,
                f"Headline {i} " + "x" * 280 + " & <tail>",
                topics=URGENT,
                at=NOON + timedelta(minutes=i),
            ),
            i % 7 == 0,
        )
        for i in range(1, 61)
    ]
    parts = compose.folded_parts(burst, URGENT, RULES, "ar")
    assert len(parts) > 1
    seen: list[int] = []
    for n, part in enumerate(parts, start=1):
        assert render.tg_len(part.text) <= 4096
        plain = parse_html(part.text)
        assert f"({n}/{len(parts)})" in plain and "60 تنبيهًا" in plain
        seen.extend(part.story_ids)
    assert seen == list(range(1, 61))  # oldest first, each once
    assert "⚡" in parse_html(parts[0].text)  # surges marked


async def test_the_terminal_is_not_paced_like_telegram(tmp_path: Path) -> None:
    service = build_service(RULES, open_store(tmp_path), token="", stream=io.StringIO())
    pacer = service.sender.pacer
    assert isinstance(pacer, Unpaced)
    for _ in range(50):  # Telegram would allow about one a second to a chat
        await pacer.acquire(0)
    assert pacer.chat_wait(0) == 0.0
