"""Story clustering by event (issue 12): paraphrases and translations of one happening join one
story, the same actors doing something else stay apart, a report that shows two stories to be one
merges them (the pure parts of the decision: test_stories_score.py, test_stories_profile.py).

The store tests go through the real rules.yaml, the real matcher and a real store in a temporary
state folder, each report filed at its own time, as the live stream files them. The reports are
written for these tests (none comes from the development set).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from config.model import Rules
from core.clock import FixedClock
from core.items import Item
from matching.engine import Matcher
from storage.db import open_state
from storage.store import Store
from tests.event_reports import (
    CARGO_AR,
    CARGO_EN,
    COUP_AR,
    COUP_EN,
    COUP_EN_2,
    COUP_FR,
    COUP_FR_2,
    COUP_RU,
    DISSOLVED_FR,
    DISSOLVED_FR_2,
    HAFTAR_AR,
    HOUR,
    ICC_EN,
    ICC_FR,
    LAVROV_AR,
    LAVROV_EN,
    RECALL_AR,
    RECALL_EN,
    RECALL_EN_2,
    RECALL_FR,
    RECALL_RU,
    SUSPENDED_FR,
    SUSPENDED_FR_2,
    T0,
    TOBRUK_AR,
    TOBRUK_EN,
    TOBRUK_FR,
    VISIT_EN,
    VISIT_FR,
    YEVKUROV_EN,
    YEVKUROV_RU,
    at,
    report,
)
from tests.story_desk import Desk


@pytest.fixture
def desk(tmp_path: Path, rules: Rules, matcher: Matcher) -> Iterator[Desk]:
    clock = FixedClock(T0)
    store = Store(open_state(str(tmp_path / "state")), clock, rules.stories)
    yield Desk(store, clock, matcher, rules)
    store.close()


# ── Paraphrases join ──────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("first", "second"),
    [(RECALL_EN, RECALL_EN_2), (DISSOLVED_FR, DISSOLVED_FR_2)],
    ids=["english", "french"],
)
def test_paraphrases_of_one_happening_by_two_outlets_join_one_story(
    desk: Desk, first: Item, second: Item
) -> None:
    a, b = desk.files(first, second)
    assert a.story_is_new and not b.story_is_new
    assert b.story_id == a.story_id
    assert b.reason.startswith(f"same event as story {a.story_id}: score ")
    assert ">= 4:" in b.reason and "near-duplicate" not in b.reason
    assert desk.stories() == [a.story_id]
    story = b.story
    assert story.sources == (first.source, second.source)
    assert [i.url for i in story.items] == [first.url, second.url]
    # the score kept with the member is the one its reason states, and it reached the threshold
    (score_kept,) = desk.store.conn.execute(
        "SELECT score FROM story_items WHERE item_id = ?", (b.item_id,)
    ).fetchone()
    assert score_kept >= desk.rules.stories.event_score
    assert f"score {score_kept:.1f} >= 4" in b.reason


# ── Across languages ──────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "reports",
    [
        (COUP_EN, COUP_EN_2, COUP_FR, COUP_AR, COUP_FR_2, COUP_RU),
        (RECALL_EN, RECALL_AR, RECALL_FR, RECALL_RU),
    ],
    ids=["burkina-coup-attempt", "mali-recalls-ambassador"],
)
def test_one_happening_in_arabic_french_english_and_russian_folds_into_one_story(
    desk: Desk, reports: tuple[Item, ...]
) -> None:
    results = desk.files(*reports)
    first = results[0]
    assert [r.story_is_new for r in results] == [True] + [False] * (len(results) - 1)
    assert {r.story_id for r in results} == {first.story_id}
    for r in results[1:]:
        assert r.reason.startswith(f"same event as story {first.story_id}:"), r.reason
    assert desk.stories() == [first.story_id]
    story = desk.store.story(first.story_id)
    assert story is not None
    assert set(story.languages) == {"ar", "fr", "en", "ru"}
    assert story.sources == tuple(r.source for r in reports)
    assert story.title == reports[0].title and len(story.items) == len(reports)


def test_an_arabic_report_with_proclitics_joins_the_story_of_its_translation(desk: Desk) -> None:
    """Arabic glues و ب ل to names: وللجيش, بالجزائر. The entity still counts."""
    ar = replace(
        RECALL_AR,
        title="مالي تستدعي سفيرها بالجزائر احتجاجا على إسقاط طائرة مسيرة",
        url="https://france24-ar.example/mali-2",
        guid="https://france24-ar.example/mali-2",
    )
    en, ar_result = desk.files(RECALL_EN, ar)
    assert ar_result.story_id == en.story_id and "algeria" in ar_result.reason


# ── Decoys stay apart ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("later", [timedelta(0), timedelta(days=3)], ids=["next-day", "4-days"])
def test_the_coup_leader_receiving_a_delegation_later_is_another_story(
    desk: Desk, later: timedelta
) -> None:
    coup = desk.files(COUP_EN, COUP_FR, COUP_AR)
    visit = desk.files(at(VISIT_EN, later), at(VISIT_FR, later))
    assert len({r.story_id for r in coup}) == 1
    assert visit[0].story_is_new and visit[1].story_id == visit[0].story_id
    assert visit[0].story_id != coup[0].story_id
    if not later:  # within the window the coup story was weighed, and found another event
        reason = visit[0].reason
        assert reason.startswith(f"new story; nearest story {coup[0].story_id}: score ")
        assert "event visit, the story's is coup" in reason
        assert "cut: another kind of happening" in reason
    assert desk.stories() == sorted({coup[0].story_id, visit[0].story_id})


@pytest.mark.parametrize(
    "before", [timedelta(days=6), timedelta(hours=30)], ids=["six-days", "thirty-hours"]
)
def test_a_suspension_then_a_dissolution_of_the_same_parties_are_two_stories(
    desk: Desk, before: timedelta
) -> None:
    suspended = desk.files(at(SUSPENDED_FR, -before), at(SUSPENDED_FR_2, -before))
    dissolved = desk.files(DISSOLVED_FR, DISSOLVED_FR_2)
    assert suspended[1].story_id == suspended[0].story_id
    assert dissolved[1].story_id == dissolved[0].story_id
    assert dissolved[0].story_is_new and dissolved[0].story_id != suspended[0].story_id
    # the report that mentions the earlier suspension in passing joins the dissolution
    assert dissolved[1].reason.startswith(f"same event as story {dissolved[0].story_id}:")
    if before < timedelta(hours=48):
        assert "event dissolution, the story's is suspension" in dissolved[0].reason


def test_the_aes_leaving_the_icc_and_lavrov_meeting_its_ministers_are_two_stories(
    desk: Desk,
) -> None:
    """Three shared places and the alliance are not a shared event."""
    icc = desk.files(ICC_EN, ICC_FR)
    lavrov = desk.files(LAVROV_EN, LAVROV_AR)
    assert icc[1].story_id == icc[0].story_id
    assert lavrov[0].story_is_new and lavrov[1].story_id == lavrov[0].story_id
    assert lavrov[0].story_id != icc[0].story_id
    reason = lavrov[0].reason
    assert f"nearest story {icc[0].story_id}" in reason
    assert "event visit, the story's is withdrawal" in reason and "lavrov new" in reason
    assert desk.stories() == sorted({icc[0].story_id, lavrov[0].story_id})


def test_a_warship_at_tobruk_does_not_disappear_into_the_cargo_planes_story(desk: Desk) -> None:
    """Issue 12's lost alert: poll 1, cargo planes at al-Khadim in Arabic and English; poll 2,
    a Russian warship at Tobruk in French, the same day. The warship is a new story, new for
    its topics (so it is alerted), and the later reports of it join it, not the planes."""
    cargo = desk.files(CARGO_AR, CARGO_EN)
    tobruk = desk.files(TOBRUK_FR, TOBRUK_EN, TOBRUK_AR)
    assert cargo[1].story_id == cargo[0].story_id
    assert tobruk[0].story_is_new and tobruk[0].story_id != cargo[0].story_id
    assert "russia_military_africa" in tobruk[0].new_topics
    assert {r.story_id for r in tobruk} == {tobruk[0].story_id}
    reason = tobruk[0].reason
    assert "event visit, the story's is airlift" in reason
    assert "tobruk where the story is at" in reason
    view = desk.store.story(cargo[0].story_id)
    assert view is not None and view.sources == ("Sky News Arabia", "Libya Review")


def test_a_minister_visiting_benghazi_and_a_warship_visiting_tobruk_are_two_stories(
    desk: Desk,
) -> None:
    """The same kind of happening (a visit), the same country, the same day: other people,
    another place."""
    tobruk = desk.files(TOBRUK_EN, TOBRUK_AR)
    visit = desk.file(YEVKUROV_EN)
    assert tobruk[1].story_id == tobruk[0].story_id
    assert visit.story_is_new
    assert f"nearest story {tobruk[0].story_id}" in visit.reason
    assert "benghazi where the story is at tobruk" in visit.reason


SHOT_DOWN_EN = report(
    "Al Jazeera English", "en", -30 * HOUR,
    "Algeria says it shot down armed drone near border with Mali",
    "Algeria's defence ministry said on Tuesday its air defences had shot down an armed"
    " reconnaissance drone that violated its airspace near Tinzaouaten, on the border with Mali.",
)  # fmt: skip


@pytest.mark.xfail(
    strict=True,
    reason="doubtful (reported, not fixed): the recall names the shooting down in passing; "
    "anchors cut 1.5 + 'event shootdown in passing' 0.75 + words shot/down/drone 2.1 + themes "
    "0.5 - time 0.2 = 4.6 >= 4, so Mali's recall joins Algeria's shooting down of the day before",
)
def test_mali_recalling_its_ambassador_a_day_after_algeria_downed_a_drone_is_another_story(
    desk: Desk,
) -> None:
    """Algeria shoots a drone down; the next day Mali recalls its ambassador over it. Other
    actors doing another thing a day later: two events, though the second names the first."""
    shot = desk.file(SHOT_DOWN_EN)
    recall = desk.files(RECALL_EN, RECALL_AR, RECALL_FR, RECALL_RU)
    assert recall[0].story_id != shot.story_id, recall[0].reason


# ── Merge on a bridging report ────────────────────────────────────────────────────────────────


def test_a_report_that_both_stories_match_merges_them(desk: Desk) -> None:
    ar, ru = desk.files(HAFTAR_AR, YEVKUROV_RU)
    # the Russian report names Yevkurov, the Arabic one Haftar: not enough to join directly
    assert ru.story_is_new and ru.story_id != ar.story_id
    assert f"nearest story {ar.story_id}" in ru.reason and "< 4" in ru.reason
    before = desk.stories()
    assert before == sorted({ar.story_id, ru.story_id})

    bridge = desk.file(YEVKUROV_EN)
    assert bridge.story_id == ar.story_id  # the better of the two
    assert bridge.reason.endswith(f"merged stories {ru.story_id} into it")
    merged = dict(desk.store.conn.execute("SELECT id, merged_into FROM stories").fetchall())
    assert merged == {ar.story_id: None, ru.story_id: ar.story_id}
    assert desk.stories() == [ar.story_id]
    members = desk.store.conn.execute(
        "SELECT item_id, story_id FROM story_items ORDER BY item_id"
    ).fetchall()
    assert members == [(r.item_id, ar.story_id) for r in (ar, ru, bridge)]
    story = desk.store.story(ar.story_id)
    assert story is not None
    assert sorted(story.languages) == ["ar", "en", "ru"]
    assert sorted(story.sources) == ["Al Arabiya", "Libya Herald", "RIA Novosti"]
    assert len(story.items) == 3 and story.title == HAFTAR_AR.title
    (count,) = desk.store.conn.execute(
        "SELECT item_count FROM stories WHERE id = ?", (ar.story_id,)
    ).fetchone()
    assert count == 3
    # the merged story is a pointer: no profile, no index keys, nothing of its own
    assert not desk.store.conn.execute(
        "SELECT 1 FROM story_profiles WHERE story_id = ?", (ru.story_id,)
    ).fetchall()
    assert not desk.store.conn.execute(
        "SELECT 1 FROM story_keys WHERE story_id = ?", (ru.story_id,)
    ).fetchall()
    # a later Russian report of the same visit finds the one story
    izvestia = report(
        "Izvestia", "ru", 8 * HOUR,
        "Евкуров встретился с Хафтаром в Бенгази",
        "Заместитель министра обороны России Юнус-Бек Евкуров провел в Бенгази переговоры"
        " с фельдмаршалом Халифой Хафтаром о военном сотрудничестве.",
    )  # fmt: skip
    again = desk.file(izvestia)
    assert again.story_id == ar.story_id and desk.stories() == [ar.story_id]
