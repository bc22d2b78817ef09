"""storage/identity.py and storage/candidates.py: the identity and near-duplicate indexes in
two parts (keys filed since the daily prune, folded by it into the large part): a report stored
before is found whichever part holds its keys, a title key moved to another item names it in
either, keys go with their item, a copy finds its original in either part, and a report
re-filed under new text is under its new keys alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from config.model import Stories
from core.clock import FixedClock
from core.items import Item
from storage.db import open_state
from storage.rows import all_keys
from storage.store import Store
from stories.cluster import Features
from tests.test_storage import T0, nothing

T_A = "Junta in Niamey suspends French broadcasters for three months"
T_X = "Wagner convoy ambushed near Kidal as fighting spreads north"
FIRST = Item(
    "Wire", "https://wire.example/a", "a",
    "Africa Corps convoy withdraws from Menaka base after talks in Bamako",
    summary="Russian instructors left the base in northern Mali on Monday, after the "
    "transitional authorities and Moscow agreed on a new deployment, a local official said.",
    lang="en", published=T0,
)  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(open_state(str(tmp_path)), FixedClock(T0), Stories())
    yield opened
    opened.close()


def later(store: Store, seconds: float) -> None:
    """Move the store's clock on by `seconds`."""
    clock = store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(seconds)


def prune(store: Store) -> int:
    """The daily prune, now (it folds the recent parts)."""
    return store.prune(store.clock.now(), 90)


def rows(store: Store, table: str) -> set[tuple[int, str]]:
    return {(i, k) for i, k in store.conn.execute(f"SELECT item_id, kind FROM {table}")}


def test_a_stored_report_is_found_whichever_part_holds_its_keys(
    store: Store,
) -> None:
    a = Item("Wire", "https://wire.example/a", "a", T_A)
    first = store.ingest(a, nothing(a), {})
    assert rows(store, "item_keys_recent") == {
        (first.item_id, "url"), (first.item_id, "guid"), (first.item_id, "title")
    }  # fmt: skip
    assert store.seen(a)
    prune(store)  # the daily prune folds the recent part
    assert rows(store, "item_keys_recent") == set()
    assert len(rows(store, "item_keys")) == 3
    assert store.seen(a)
    later(store, 600)
    again = store.ingest(a, nothing(a), {})
    assert not again.is_new and again.item_id == first.item_id
    # its title key filed anew (a title names an item while seen lately); URL and GUID stay
    assert rows(store, "item_keys_recent") == {(first.item_id, "title")}


def test_a_title_key_moved_to_another_item_names_it_in_either_part(
    store: Store,
) -> None:
    a = Item("Wire", "https://wire.example/a", "a", T_A)
    x = Item("Wire", "https://wire.example/x", "x", T_X)
    ra, rx = store.ingest(a, nothing(a), {}), store.ingest(x, nothing(x), {})
    prune(store)
    later(store, 600)
    retitled = Item("Wire", "https://wire.example/x", "x", T_A)  # x now carries a's title
    assert store.ingest(retitled, nothing(retitled), {}).item_id == rx.item_id
    assert rows(store, "item_keys_recent") == {(rx.item_id, "title")}
    y = Item("Wire", "https://wire.example/y", "y", T_A)  # that title again: x's now
    later(store, 600)
    assert store.ingest(y, nothing(y), {}).item_id == rx.item_id
    prune(store)
    assert (ra.item_id, "title") not in rows(store, "item_keys")
    assert store.ingest(y, nothing(y), {}).item_id == rx.item_id


def test_keys_go_with_their_item_from_either_part(store: Store) -> None:
    a = Item("Wire", "https://wire.example/a", "a", T_A)
    x = Item("Wire", "https://wire.example/x", "x", T_X)
    store.ingest(a, nothing(a), {})
    prune(store)
    store.ingest(x, nothing(x), {})
    later(store, 100 * 86400)
    assert prune(store) == 2
    assert rows(store, "item_keys") == rows(store, "item_keys_recent") == set()
    assert store.ingest(a, nothing(a), {}).is_new


def filed(store: Store, table: str) -> set[tuple[int, int]]:
    return {(k, i) for k, i in store.conn.execute(f"SELECT key, item_id FROM {table}")}


def keys_of(store: Store, item_id: int) -> set[tuple[int, int]]:
    (text,) = store.conn.execute(
        "SELECT features FROM item_features WHERE item_id = ?", (item_id,)
    ).fetchone()
    return {(k, item_id) for k in all_keys(Features.from_json(item_id, 0, text))}


def copy(n: int) -> Item:
    return replace(
        FIRST, source=f"Other {n}", url=f"https://other{n}.example/b", guid=f"b{n}",
        title="Africa Corps convoy withdraws from Menaka base after Bamako talks",
    )  # fmt: skip


def test_a_copy_finds_its_original_in_the_recent_part_and_once_folded(
    store: Store,
) -> None:
    first = store.ingest(FIRST, nothing(FIRST), {})
    assert filed(store, "cluster_keys_recent") == keys_of(store, first.item_id)
    assert filed(store, "cluster_keys") == set()
    one = store.ingest(copy(1), nothing(copy(1)), {})
    assert one.is_new and one.story_id == first.story_id

    later(store, 3600)
    assert prune(store) == 0  # the daily prune folds the recent part
    assert filed(store, "cluster_keys_recent") == set()
    assert filed(store, "cluster_keys") == keys_of(store, first.item_id) | keys_of(
        store, one.item_id
    )
    two = store.ingest(copy(2), nothing(copy(2)), {})
    assert two.is_new and two.story_id == first.story_id
    assert filed(store, "cluster_keys_recent") == keys_of(store, two.item_id)


def test_a_report_refiled_under_new_text_is_under_its_new_keys_alone(
    store: Store,
) -> None:
    first = store.ingest(FIRST, nothing(FIRST), {})
    old = keys_of(store, first.item_id)
    prune(store)  # its keys in the large part
    later(store, 600)
    edited = replace(FIRST, title="Junta and Moscow sign a new deployment deal in Bamako")
    again = store.ingest(edited, nothing(edited), {})
    assert again.item_id == first.item_id and again.updated
    new = keys_of(store, first.item_id)
    assert new != old
    assert filed(store, "cluster_keys_recent") == new
    assert filed(store, "cluster_keys") == set()  # nothing left of the old text
