"""Story clustering by event (issue 12), the pure decision: `stories.events.score` part by
part, `compatible` and `choose`. The reports here are made by hand (tests/story_parts.py);
tests/test_stories_events.py files real ones through the store.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from config import load_rules
from core.items import Item
from matching.engine import Matcher
from stories.cluster import build_features
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
from tests.event_reports import T0
from tests.story_parts import flat_idf, parts, profile, rep

ROOT = Path(__file__).resolve().parent.parent


# ── The score, pure ───────────────────────────────────────────────────────────────────────────

WITHIN = {"benghazi": "libya", "tobruk": "libya", "kharruba": "libya", "bamako": "mali"}


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


def test_a_report_naming_benghazi_names_libya() -> None:
    rules = load_rules(str(ROOT / "rules.yaml"))
    matcher = Matcher.from_rules(rules)
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
