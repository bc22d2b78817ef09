"""storage/subscriptions.py and storage/outbox.py: all-topics subscribers and the topics told
of them (migration 0010), alert layouts and link previews (0011), and a burst of alerts folded
into one list in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.errors import StoreError
from storage.db import open_state
from storage.delivery_store import DeliveryStore, Part
from storage.subscriptions import TopicNotice

NOW = datetime(2026, 8, 13, 12, 0, tzinfo=UTC)


def store_with(tmp_path: Path, *chats: tuple[int, list[str], bool]) -> DeliveryStore:
    store = DeliveryStore(open_state(str(tmp_path)).conn)
    for chat, topics, every in chats:
        store.subscribe(chat, chat_type="private", title="", thread_id=None, topics=topics,
                        mode="instant", daily_at="07:00", lang="en", now=NOW, all_topics=every)  # fmt: skip
    for story_id in range(1, 8):
        store.conn.execute(
            "INSERT INTO stories(id, title, url, source, first_seen, last_seen) VALUES (?,?,?,?,?,?)",
            (story_id, f"s{story_id}", "https://x", "X", NOW.isoformat(), NOW.isoformat()),
        )
    return store


def test_settings_all_topics_layout_and_quiet(tmp_path: Path) -> None:
    store = store_with(tmp_path, (1, ["a"], True))
    sub = store.subscriber(1)
    assert sub is not None and sub.all_topics and sub.format == "full" and sub.quiet is None
    sub = store.update_settings(1, NOW, all_topics=False, layout="short", quiet=(22, 7))
    assert sub is not None and not sub.all_topics and sub.format == "short" and sub.quiet == (22, 7)


def test_topics_are_adopted_once_then_announced_once(tmp_path: Path) -> None:
    store = store_with(tmp_path, (1, ["a", "b"], False), (2, ["a"], False))
    assert store.adopt_all_topics(["a", "b"], NOW)
    assert store.subscriber(1).all_topics and not store.subscriber(2).all_topics  # type: ignore[union-attr]  # subscribed above
    assert not store.adopt_all_topics(["a", "b", "c"], NOW)  # only the first time
    assert store.announced_topics() == {"a", "b"}
    store.announce_topics(["c"], [TopicNotice(2, None, "New topic: c", NOW)], NOW)
    assert store.announced_topics() == {"a", "b", "c"}
    [notice] = store.outbox_for_chat(2)
    assert (notice.kind, notice.text, notice.state) == ("notice", "New topic: c", "pending")


def test_previews_are_kept_by_alerts_and_their_edits(tmp_path: Path) -> None:
    store = store_with(tmp_path, (1, ["a"], True))
    [alert] = store.enqueue(
        1, None, "alert", [Part("<b>a</b>", (1,), preview=True)], now=NOW, not_before=NOW
    )
    store.mark_sent(alert, 1, 10, NOW)
    [sent] = store.edits.alerts_of(1)
    edit = store.edits.queue_edit(sent, "<b>a, b</b>", NOW)
    assert store.outbox_row(alert).preview and store.outbox_row(edit).preview  # type: ignore[union-attr]  # written above


def test_a_burst_is_folded_in_one_transaction(tmp_path: Path) -> None:
    store = store_with(tmp_path, (1, ["a"], True))
    held = NOW + timedelta(hours=1)
    for story_id in range(1, 6):
        store.enqueue(
            1, None, "alert", [Part(f"s{story_id}", (story_id,))], now=NOW, not_before=held
        )
    assert store.due_alerts(1, NOW) == []  # held by quiet hours
    due = store.due_alerts(1, held)
    assert [row.story_ids for row in due] == [(1,), (2,), (3,), (4,), (5,)]
    parts = [Part("list 1", (1, 2, 3)), Part("list 2", (4, 5))]
    store.mark_failed(due[4].id, "refused")  # no longer waiting: nothing is folded
    assert store.fold(1, due, parts, held) == []
    assert [r.state for r in store.outbox_for_chat(1)] == ["pending"] * 4 + ["failed"]
    ids = store.fold(1, due[:4], [Part("list", (1, 2, 3, 4))], held)
    rows = {r.id: r for r in store.outbox_for_chat(1)}
    assert [rows[r.id].state for r in due[:4]] == ["folded"] * 4
    [folded] = [rows[i] for i in ids]
    assert (folded.kind, folded.state, folded.story_ids, folded.preview) == (
        "folded",
        "pending",
        (1, 2, 3, 4),
        False,
    )
    carried = dict(
        store.conn.execute("SELECT story_id, outbox_id FROM deliveries WHERE chat_id = 1")
    )
    assert [carried[s] for s in (1, 2, 3, 4)] == [folded.id] * 4  # the list carries them now
    assert store.edits.alerts_of(1) == []  # so nothing edits a folded story


def test_a_refused_claim_rolls_back_the_whole_enqueue_and_never_a_callers_writes(
    tmp_path: Path,
) -> None:
    store = store_with(tmp_path, (1, ["a"], True))
    [first] = store.enqueue(1, None, "alert", [Part("one", (1,))], now=NOW, not_before=NOW)
    parts = [Part("two", (2,)), Part("three", (1,))]  # story 1 is the chat's already
    later = NOW + timedelta(hours=1)
    assert (
        store.enqueue(1, None, "digest", parts, now=later, not_before=later, digest_at=later) == []
    )
    assert [row.id for row in store.outbox_for_chat(1)] == [first]
    assert store.undelivered(1, [1, 2]) == [2]
    assert store.subscriber(1).last_digest_at == NOW  # type: ignore[union-attr]  # subscribed above
    store.conn.execute("BEGIN IMMEDIATE")  # a caller's transaction: enqueue will not join it
    with pytest.raises(StoreError, match="cannot enqueue for chat 1"):
        store.enqueue(1, None, "alert", [Part("four", (3,))], now=NOW, not_before=NOW)
    assert store.conn.in_transaction  # left to its owner
    store.conn.execute("ROLLBACK")
