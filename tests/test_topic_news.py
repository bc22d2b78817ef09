"""Topics the operator adds (issue 14, point 2): a subscriber who follows all topics gets the
new topic's alerts at once; one who chose its topics is told once, in its language, how to
follow it; a database from before all-topics subscriptions adopts those who followed every
topic."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from config.model import Rules, Topic
from core.clock import FixedClock
from delivery.pacing import Unpaced
from delivery.sender import OutboxSender
from delivery.service import DeliveryService
from delivery.terminal import TerminalTransport
from tests.test_delivery_support import MemoryStories, make_rules, open_store, story

NOON = datetime(2026, 8, 13, 12, 0, tzinfo=UTC)


def with_sahel(rules: Rules) -> Rules:
    base = rules.topics["russia_military_africa"]
    sahel = base._replace(id="sahel_security", title={"en": "Sahel security", "ar": "أمن الساحل"})
    return rules._replace(topics={**rules.topics, "sahel_security": sahel})


def make(tmp_path: Path, rules: Rules) -> tuple[DeliveryService, MemoryStories, FixedClock]:
    clock = FixedClock(NOON)
    store = open_store(tmp_path)
    sender = OutboxSender(store, TerminalTransport(io.StringIO()), Unpaced(), clock)
    stories = MemoryStories(store)
    return DeliveryService(rules, store, sender, stories, clock=clock), stories, clock


def notices(service: DeliveryService, chat: int) -> list[str]:
    return [r.text for r in service.store.outbox_for_chat(chat) if r.kind == "notice"]


def test_a_new_topic_reaches_all_topics_subscribers_and_is_announced_once(tmp_path: Path) -> None:
    service, stories, clock = make(tmp_path, make_rules())
    assert service.announce_topics() == 0  # the first time: the running topics are recorded
    everything, _ = service.subscriptions.subscribe(1, "private")
    service.subscriptions.subscribe(2, "private", lang="ar")
    service.store.update_settings(2, clock.now(), topics=["libya_diplomacy"], all_topics=False)
    assert everything.all_topics

    service.update_rules(with_sahel(service.rules))  # the operator adds a topic (live reload)
    [told] = notices(service, 2)
    assert "موضوع جديد" in told and "أمن الساحل" in told and "/topics" in told
    assert notices(service, 1) == []  # follows all: nothing to tell, it simply comes
    service.update_rules(service.rules)
    assert service.announce_topics() == 0 and len(notices(service, 2)) == 1  # once

    news = story(1, "Attack near Menaka", topics=("sahel_security",), entities=(), at=NOON)
    stories.add(news)
    assert service.on_new_story(news) == 1  # chat 1 only
    assert [r.kind for r in service.store.outbox_for_chat(1)] == ["alert"]


def test_topics_added_while_stopped_are_announced_at_start(tmp_path: Path) -> None:
    service, _, clock = make(tmp_path, make_rules())
    service.announce_topics()
    service.subscriptions.subscribe(2, "private")
    service.store.update_settings(2, clock.now(), topics=["libya_diplomacy"], all_topics=False)
    service.store.update_settings(2, clock.now(), quiet=(11, 13))  # noon UTC: quiet
    restarted = DeliveryService(
        with_sahel(service.rules), service.store, service.sender, clock=clock
    )
    assert restarted.announce_topics() == 1
    [row] = [r for r in service.store.outbox_for_chat(2) if r.kind == "notice"]
    assert "New topic: \u2068Sahel security\u2069" in row.text
    assert row.not_before == datetime(2026, 8, 13, 13, 0, tzinfo=UTC)  # after quiet hours


def test_an_older_database_adopts_those_who_followed_every_topic(tmp_path: Path) -> None:
    service, _, clock = make(tmp_path, make_rules())
    store = service.store
    for chat, topics in (
        (1, ["russia_military_africa", "libya_diplomacy"]),
        (2, ["libya_diplomacy"]),
    ):
        store.subscribe(chat, chat_type="private", title="", thread_id=None, topics=topics,
                        mode="instant", daily_at="07:00", lang="en", now=clock.now())  # fmt: skip
    assert not store.subscriber(1).all_topics  # type: ignore[union-attr]  # subscribed above
    assert service.announce_topics() == 0  # the first look: adopt, announce nothing
    assert store.subscriber(1).all_topics  # type: ignore[union-attr]  # subscribed above
    assert not store.subscriber(2).all_topics  # type: ignore[union-attr]  # subscribed above
    assert store.announced_topics() == {"russia_military_africa", "libya_diplomacy"}
    assert isinstance(service.rules.topics["libya_diplomacy"], Topic)
