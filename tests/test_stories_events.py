"""Story clustering by event (issue 12): paraphrases and translations of one happening join one
story, the same actors doing something else stay apart, a report that shows two stories to be one
merges them; and the pure parts of the decision (`stories.events.score` and `choose`, the
`StoryProfile` a story accumulates, the `Report` a report is seen as).

The store tests go through the real rules.yaml, the real matcher and a real store in a temporary
state folder, each report filed at its own time, as the live stream files them. The reports are
written for these tests (none comes from the development set).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from config import load_rules
from config.model import Rules
from core.clock import FixedClock
from core.items import Item
from matching.engine import Matcher
from storage.db import open_state
from storage.records import IngestResult
from storage.store import Store
from stories.cluster import Features, build_features
from stories.events import (
    DAY,
    INNER_PLACE,
    Score,
    choose,
    compatible,
    maturity,
    score,
    weight,
)
from stories.profile import Report, StoryProfile
from stories.terms import terms
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

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(str(ROOT / "rules.yaml"))


@pytest.fixture(scope="module")
def matcher(rules: Rules) -> Matcher:
    return Matcher.from_rules(rules)


@dataclass
class Desk:
    """A real store in a temporary state folder, fed as the live stream feeds it."""

    store: Store
    clock: FixedClock
    matcher: Matcher
    rules: Rules

    def file(self, item: Item) -> IngestResult:
        assert item.published is not None
        self.clock.set(item.published)  # each report at its own time
        return self.store.ingest(item, self.matcher.match_item(item), self.rules.entity_kinds())

    def files(self, *items: Item) -> list[IngestResult]:
        return [self.file(it) for it in items]

    def story_of(self, result: IngestResult) -> int:
        row = self.store.conn.execute(
            "SELECT story_id FROM story_items WHERE item_id = ?", (result.item_id,)
        ).fetchone()
        return int(row[0])

    def stories(self) -> list[int]:
        """The stories standing on their own (not merged into another), any time."""
        return sorted(v.id for v in self.store.stories_since(T0 - timedelta(days=30)))


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


# ── The score, pure ───────────────────────────────────────────────────────────────────────────

WITHIN = {"benghazi": "libya", "tobruk": "libya", "kharruba": "libya", "bamako": "mali"}


def flat_idf(lang: str, stem: str) -> float:
    return 1.0


def rep(
    item_id: int = 1,
    *,
    lang: str = "en",
    ts: float = 0.0,
    anchors: Mapping[str, str] | None = None,
    title: tuple[str, ...] = (),
    head: str = "",
    events: tuple[str, ...] = (),
    themes: tuple[str, ...] = (),
    words: str = "",
    numbers: tuple[str, ...] = (),
    title_numbers: tuple[str, ...] = (),
) -> Report:
    return Report(
        item_id=item_id,
        lang=lang,
        ts=ts,
        anchors=dict(anchors or {}),
        title_anchors=frozenset(title),
        head=head,
        events=events,
        themes=frozenset(themes),
        terms=Counter(words.split()),
        numbers=frozenset(numbers),
        title_numbers=frozenset(title_numbers),
    )


def profile(*members: Report, story_id: int = 1) -> StoryProfile:
    p = StoryProfile(story_id)
    for m in members:
        p.add(m)
    return p


def parts(sc: Score) -> dict[str, float]:
    return dict(sc.parts)


HAFTAR_VISIT = {"khalifa_haftar": "person", "libya": "place"}


def test_a_report_more_than_a_day_from_the_story_loses_a_point_a_day() -> None:
    story = profile(rep(anchors=HAFTAR_VISIT, events=("visit",), ts=0.0))
    same_day = score(
        rep(2, anchors=HAFTAR_VISIT, events=("visit",), ts=0.9 * DAY), story, flat_idf, {}
    )
    three_days = score(
        rep(2, anchors=HAFTAR_VISIT, events=("visit",), ts=3 * DAY), story, flat_idf, {}
    )
    assert not any("days from the story" in label for label in parts(same_day))
    assert parts(three_days)["3.0 days from the story"] == pytest.approx(-2.0)
    assert three_days.total == pytest.approx(same_day.total - 2.0)
    # before the story counts the same as after it
    early = score(rep(2, anchors=HAFTAR_VISIT, events=("visit",), ts=-3 * DAY), story, flat_idf, {})
    assert early.total == pytest.approx(three_days.total)
    # from the members' mean time: a story that grew over days is near its newer members
    grown = profile(
        rep(anchors=HAFTAR_VISIT, events=("visit",), ts=0.0),
        rep(3, anchors=HAFTAR_VISIT, events=("visit",), ts=2 * DAY),
    )
    assert grown.mean_ts == pytest.approx(DAY)
    assert not any(
        "days from" in label
        for label in parts(
            score(rep(2, anchors=HAFTAR_VISIT, events=("visit",), ts=2 * DAY), grown, flat_idf, {})
        )
    )


def test_the_window_is_a_hard_limit_on_the_stories_weighed() -> None:
    window = 48 * 3600.0
    member = rep(anchors=HAFTAR_VISIT, title=("khalifa_haftar",), events=("visit",), ts=0.0)
    story = profile(member)
    twin = replace(member, item_id=2)  # a perfect match, however late

    inside = choose(replace(twin, ts=window), [story], flat_idf, {}, 4.0, window)
    assert inside.join is not None and inside.join.story_id == 1
    assert len(inside.scores) == 1

    for ts in (window + 1, -window - 1):
        outside = choose(replace(twin, ts=ts), [story], flat_idf, {}, -1000.0, window)
        assert outside.join is None and outside.scores == () and outside.merge == ()

    # the window runs from the story's latest member: it can grow over days
    grown = profile(member, replace(member, item_id=3, ts=40 * 3600.0))
    late = choose(replace(twin, ts=80 * 3600.0), [grown], flat_idf, {}, -1000.0, window)
    assert late.join is not None and late.join.story_id == 1


def test_maturity_is_a_half_at_one_member_and_full_from_three() -> None:
    assert [maturity(StoryProfile(1, n=n)) for n in (1, 2, 3, 4, 10)] == [
        0.5,
        0.75,
        1.0,
        1.0,
        1.0,
    ]


@pytest.mark.parametrize(("members", "scale"), [(1, 0.5), (2, 0.75), (3, 1.0), (5, 1.0)])
def test_another_kind_of_happening_counts_against_in_proportion_to_maturity(
    members: int, scale: float
) -> None:
    traore = {"ibrahim_traore": "person", "burkina_faso": "place"}
    story = profile(
        *(rep(i, anchors=traore, events=("coup", "arrest"), ts=0.0) for i in range(members))
    )
    visit = score(rep(99, anchors=traore, events=("visit",), ts=0.0), story, flat_idf, {})
    got = parts(visit)
    assert got["event visit, the story's is coup"] == pytest.approx(-3.0 * scale)
    # the shared actors count, cut: Traoré 3 and Burkina Faso 1, background to both (a half)
    anchors = got["anchors ibrahim_traore, burkina_faso, cut: another kind of happening"]
    assert anchors == pytest.approx(2.0 * (1 - 0.5 * scale))
    # the same actors in the same kind of happening: no cut, and the event counts
    coup = parts(score(rep(99, anchors=traore, events=("coup",), ts=0.0), story, flat_idf, {}))
    assert coup["anchors ibrahim_traore, burkina_faso"] == pytest.approx(2.0)
    assert coup["event coup"] == pytest.approx(3.0)


def test_an_event_named_only_in_passing_counts_a_quarter() -> None:
    story = profile(rep(anchors={"mali": "place"}, events=("dissolution",), ts=0.0))
    got = parts(
        score(
            rep(2, anchors={"mali": "place"}, events=("suspension", "dissolution")),
            story,
            flat_idf,
            {},
        )
    )
    assert got["event dissolution in passing"] == pytest.approx(0.75)
    assert not any("the story's is" in label for label in got)


@pytest.mark.parametrize(("members", "scale"), [(1, 0.5), (3, 1.0)])
def test_a_headline_place_the_story_never_names_costs_three_at_full_maturity(
    members: int, scale: float
) -> None:
    mali = {"mali": "place", "assimi_goita": "person"}
    story = profile(
        *(
            rep(i, anchors=mali, title=("mali",), head="mali", events=("visit",))
            for i in range(members)
        )
    )
    niger = score(
        rep(9, anchors={"niger": "place", "assimi_goita": "person"}, title=("niger",),
            head="niger", events=("visit",)),
        story, flat_idf, {},
    )  # fmt: skip
    assert parts(niger)["headline place niger not in the story"] == pytest.approx(-3.0 * scale)
    # a headline that starts with a place the story names has no such part
    at_home = score(
        rep(9, anchors=mali, title=("mali",), head="mali", events=("visit",)),
        story,
        flat_idf,
        {},
    )
    assert not any("headline place" in label for label in parts(at_home))


def test_a_city_in_the_headline_where_the_story_is_at_another_city_of_that_country() -> None:
    tobruk = {"tobruk": "place", "libya": "place", "russia": "place"}
    story = profile(rep(anchors=tobruk, title=("tobruk", "libya"), head="libya", events=("visit",)))
    kharruba = {"kharruba": "place", "libya": "place", "russia": "place"}
    sc = score(
        rep(2, anchors=kharruba, title=("kharruba", "libya"), head="libya", events=("visit",)),
        story,
        flat_idf,
        WITHIN,
    )
    # in full even against a one-member story: its headline says where it happened
    assert parts(sc)["kharruba where the story is at tobruk"] == pytest.approx(-3.0)


def test_a_city_weighs_more_than_its_country_and_a_region_less() -> None:
    assert weight("benghazi", "place", WITHIN) == INNER_PLACE == 2.0
    assert weight("libya", "place", WITHIN) == 1.0
    assert weight("sahel", "region", WITHIN) == 0.5
    assert weight("khalifa_haftar", "person", WITHIN) == 3.0
    assert weight("lna", "organisation", WITHIN) == 2.0


def test_a_report_naming_benghazi_names_libya(rules: Rules, matcher: Matcher) -> None:
    item = Item(
        "Libya Review", "https://lr.example/1", "1",
        "Clashes erupt in Benghazi between rival armed units",
        summary="Heavy gunfire was heard overnight in several districts of the city.",
        lang="en", published=T0,
    )  # fmt: skip
    kinds = rules.entity_kinds()
    assert kinds.within["benghazi"] == "libya"
    f = build_features(item, matcher.match_item(item), kinds, T0.timestamp())
    assert "libya" not in matcher.match_item(item).entities  # only the city is written
    assert f.entities["libya"] == "place" and f.entities["benghazi"] == "place"
    assert {"benghazi", "libya"} <= f.title_entities and {"benghazi", "libya"} <= f.lead_entities
    assert f.head == "libya"  # the headline's first place, as its country
    r = Report.of(f)
    assert r.anchors["libya"] == "place" and {"benghazi", "libya"} <= r.title_anchors
    # a story of Libya finds the report through the country it names by its city
    story = profile(rep(anchors={"libya": "place"}, title=("libya",), head="libya"))
    assert "libya" in score(r, story, flat_idf, kinds.within).shared
    # a plain mapping of kinds knows no containers: the city alone
    plain = build_features(item, matcher.match_item(item), dict(kinds), T0.timestamp())
    assert "libya" not in plain.entities and plain.head == "benghazi"


def test_the_score_explains_itself() -> None:
    sc = Score(
        3, 7.5, (("anchors khalifa_haftar", 3.0), ("event visit", 3.0), ("tobruk new", -0.5))
    )
    assert sc.why(4) == (
        "score 7.5 >= 4: anchors khalifa_haftar (+3.0); event visit (+3.0); tobruk new (-0.5)"
    )
    assert sc.why(10).startswith("score 7.5 < 10: ")
    assert Score(4, 0.0).why(4.5) == "score 0.0 < 4.5: nothing shared"

    story = profile(
        rep(anchors=HAFTAR_VISIT, title=("khalifa_haftar",), events=("visit",),
            themes=("warships",), words="haftar frigat tobruk port", numbers=("12",)),
    )  # fmt: skip
    r = rep(
        2, anchors={**HAFTAR_VISIT, "tobruk": "place"}, title=("khalifa_haftar", "tobruk"),
        events=("visit",), themes=("warships",), words="haftar frigat port", numbers=("12",),
        ts=3 * DAY,
    )  # fmt: skip
    sc = score(r, story, flat_idf, WITHIN)
    why = sc.why(4)
    for label, value in sc.parts:
        assert f"{label} ({value:+.1f})" in why
    labels = [label for label, _ in sc.parts]
    assert labels[0].startswith("anchors ") and "khalifa_haftar" in labels[0]
    assert "event visit" in labels and "themes warships" in labels and "numbers 12" in labels
    assert any(label.startswith("words ") for label in labels)
    assert "tobruk new" in labels and "3.0 days from the story" in labels
    assert sc.total == pytest.approx(sum(v for _, v in sc.parts), abs=1e-3)
    assert set(sc.shared) >= {"khalifa_haftar", "libya", "visit"}
    assert set(sc.words) <= {"haftar", "frigat", "port"} and sc.words


# ── compatible and choose: what a bridging report merges ──────────────────────────────────────


def test_two_stories_are_compatible_when_neither_contradicts_the_other() -> None:
    ar = profile(
        rep(anchors={"khalifa_haftar": "person", "libya": "place", "russia": "place"},
            title=("libya",), head="libya", events=("visit",)),
    )  # fmt: skip
    ru = profile(
        rep(2, anchors={"yevkurov": "person", "libya": "place", "russia": "place"},
            title=("libya",), head="libya", events=("visit",)),
        story_id=2,
    )  # fmt: skip
    assert compatible(ar, ru) and compatible(ru, ar)
    # a headline place the other never names: not one event
    russia_first = profile(
        rep(anchors={"khalifa_haftar": "person", "libya": "place", "russia": "place"},
            title=("russia",), head="russia", events=("visit",)),
    )  # fmt: skip
    no_russia = profile(
        rep(2, anchors={"yevkurov": "person", "libya": "place"}, title=("libya",),
            head="libya", events=("visit",)),
        story_id=2,
    )  # fmt: skip
    assert not compatible(russia_first, no_russia) and not compatible(no_russia, russia_first)
    # the dominant kind of happening of one missing from the other's
    coup = profile(rep(2, anchors={"libya": "place"}, head="libya", events=("coup",)), story_id=2)
    assert not compatible(ar, coup)


def test_choose_joins_the_best_story_and_merges_the_compatible_ones_that_also_qualify() -> None:
    ar = profile(
        rep(anchors={"khalifa_haftar": "person", "libya": "place", "russia": "place"},
            title=("khalifa_haftar", "libya"), head="libya", events=("visit",)),
    )  # fmt: skip
    ru = profile(
        rep(2, anchors={"yevkurov": "person", "libya": "place", "russia": "place"},
            title=("yevkurov", "libya"), head="libya", events=("visit",)),
        story_id=2,
    )  # fmt: skip
    other = profile(  # Haftar visiting too, but its headlines start in Egypt
        rep(3, anchors={"khalifa_haftar": "person", "egypt": "place", "libya": "place"},
            title=("egypt", "khalifa_haftar"), head="egypt", events=("visit",)),
        story_id=3,
    )  # fmt: skip
    bridge = rep(
        9,
        anchors={"khalifa_haftar": "person", "yevkurov": "person", "libya": "place",
                 "russia": "place"},
        title=("khalifa_haftar", "yevkurov", "libya"), head="libya", events=("visit",),
    )  # fmt: skip
    choice = choose(bridge, [ru, other, ar], flat_idf, WITHIN, 4.0, 48 * 3600.0)
    totals = {sc.story_id: sc.total for sc in choice.scores}
    assert all(total >= 4.0 for total in totals.values()), totals
    assert [sc.total for sc in choice.scores] == sorted(totals.values(), reverse=True)
    # the Arabic and the Russian story tie (Haftar or Yevkurov new to each): the older wins
    assert totals[1] == totals[2] > totals[3]
    assert choice.join is not None and choice.join.story_id == 1
    assert choice.merge == (2,)  # never the story that starts in Egypt
    # below the threshold, nothing is joined or merged, and the scores still say why
    alone = choose(bridge, [ru, ar], flat_idf, WITHIN, 100.0, 48 * 3600.0)
    assert alone.join is None and alone.merge == () and len(alone.scores) == 2


# ── What a story keeps: StoryProfile and Report ───────────────────────────────────────────────


def members() -> list[Report]:
    return [
        rep(1, lang="ar", ts=100.0, anchors={"khalifa_haftar": "person", "benghazi": "place"},
            title=("khalifa_haftar",), head="libya", events=("visit", "signing"),
            themes=("cooperation",), words="حفتر وفد روس", numbers=("12",)),
        rep(2, lang="ru", ts=50.0, anchors={"yevkurov": "person", "libya": "place"},
            title=("yevkurov", "libya"), head="libya", events=("visit",),
            words="евкуро ливию визит", numbers=("12", "1500")),
        rep(3, lang="en", ts=400.0, anchors={"khalifa_haftar": "person", "yevkurov": "person",
                                             "lna": "organisation"},
            title=("yevkurov",), events=("signing",), themes=("defence_cooperation",),
            words="yevkur haftar benghaz talks talks"),
    ]  # fmt: skip


def test_a_profile_counts_its_members() -> None:
    p = profile(*members(), story_id=7)
    assert (p.story_id, p.n, p.first_ts, p.last_ts) == (7, 3, 50.0, 400.0)
    assert p.mean_ts == pytest.approx(550.0 / 3)
    assert p.langs == Counter({"ar": 1, "ru": 1, "en": 1})
    assert p.anchors == Counter(
        {"khalifa_haftar": 2, "yevkurov": 2, "benghazi": 1, "libya": 1, "lna": 1}
    )
    assert p.title_anchors == Counter({"yevkurov": 2, "khalifa_haftar": 1, "libya": 1})
    assert p.kinds["lna"] == "organisation" and p.kinds["benghazi"] == "place"
    assert p.heads == Counter({"libya": 2})
    assert p.events == Counter({"visit": 2, "signing": 2})
    assert p.primaries == Counter({"visit": 2, "signing": 1})
    assert p.numbers == Counter({"12": 2, "1500": 1})
    assert p.terms["en"] == Counter({"talks": 2, "yevkur": 1, "haftar": 1, "benghaz": 1})
    assert p.support(p.anchors, "khalifa_haftar") == pytest.approx(2 / 3)
    assert p.support(p.anchors, "absent") == 0.0
    assert sorted(p.index_keys()) == sorted(
        ["e:khalifa_haftar", "e:benghazi", "e:yevkurov", "e:libya", "e:lna", "v:visit",
         "v:signing"]
    )  # fmt: skip


def test_a_profile_survives_its_json_round_trip() -> None:
    p = profile(*members(), story_id=7)
    text = p.to_json()
    back = StoryProfile.from_json(7, text)
    assert back == p
    assert back.to_json() == text
    assert "حفتر" in text and "евкуро" in text  # stored as written, not escaped
    assert StoryProfile.from_json(8, "{}") == StoryProfile(8)


def test_merging_a_profile_is_adding_its_members() -> None:
    one, two, three = members()
    everything = profile(one, two, three, story_id=1)
    mine, theirs = profile(one, story_id=1), profile(two, three, story_id=2)
    mine.merge(theirs)
    assert mine == everything
    # into an empty profile, and of an empty one
    empty = StoryProfile(1)
    empty.merge(profile(one, two, three, story_id=5))
    assert empty == everything
    unchanged = profile(one, story_id=1)
    unchanged.merge(StoryProfile(9))
    assert unchanged == profile(one, story_id=1)


def test_a_report_is_seen_through_its_title_and_lead() -> None:
    text = "russian cargo planes land at al khadim"
    lead = "three russian cargo planes landed at the base east of benghazi carrying 12 tonnes"
    f = Features(
        item_id=7,
        story_id=0,
        lang="en",
        ts=123.0,
        title=text,
        lead=lead,
        numbers=frozenset({"3", "12"}),
        title_numbers=frozenset({"3"}),
        entities={
            "russia": "place",
            "kharruba": "place",
            "libya": "place",
            "benghazi": "place",
            "lna": "organisation",
            "airlift": "event",
            "visit": "event",
            "arms": "theme",
            "jufra": "place",  # far down the text: background
        },
        title_entities=frozenset({"russia", "airlift", "kharruba", "libya"}),
        lead_entities=frozenset(
            {"russia", "airlift", "kharruba", "libya", "benghazi", "lna", "visit", "arms"}
        ),
        order=("russia", "airlift", "kharruba", "benghazi", "lna", "visit", "arms"),
        head="russia",
    )
    r = Report.of(f)
    assert (r.item_id, r.lang, r.ts, r.head) == (7, "en", 123.0, "russia")
    assert r.anchors == {
        "russia": "place",
        "kharruba": "place",
        "libya": "place",
        "benghazi": "place",
        "lna": "organisation",
    }
    assert r.title_anchors == {"russia", "kharruba", "libya"}  # the event is not an anchor
    assert r.events == ("airlift", "visit") and r.primary == "airlift"
    assert r.themes == {"arms"}
    assert "12" in r.numbers
    assert r.terms == terms(f"{text} {lead}", "en")
    assert r.terms["russia"] == 2 and r.terms["cargo"] == 2 and "the" not in r.terms
    # without lead entities (a report with no text), every entity is its core
    bare = Report.of(replace(f, lead_entities=frozenset(), order=()))
    assert "jufra" in bare.anchors
    assert bare.events == ("airlift", "visit")  # in name order, lacking any other


def test_only_numbers_of_two_digits_or_more_count_as_shared() -> None:
    """Small numbers ("three states", "two ships") say little about an event."""

    def seen(item_id: int, stated: set[str]) -> Report:
        f = Features(
            item_id=item_id, story_id=0, lang="en", ts=0.0, title="attack on army post",
            lead="", numbers=frozenset(stated), entities={"mali": "place", "armed_attack": "event"},
            lead_entities=frozenset({"mali", "armed_attack"}), order=("mali", "armed_attack"),
        )  # fmt: skip
        return Report.of(f)

    story = profile(seen(1, {"3", "12", "40"}))
    got = parts(score(seen(2, {"3", "12"}), story, flat_idf, {}))
    assert got["numbers 12"] == pytest.approx(1.0)
    assert not any(label.startswith("numbers") and "3" in label for label in got)
    capped = parts(score(seen(3, {"3", "12", "40"}), story, flat_idf, {}))
    assert capped["numbers 12, 40"] == pytest.approx(2.0)
