"""Composition, rendering and cadence (pure): escaping, RTL isolation, labels per language,
"+N other sources", digests split on story boundaries under 4,096, quiet hours, digest times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config.model import Rules
from delivery import cadence, compose, render
from tests.fakebotapi import parse_html
from tests.test_delivery_support import T0, make_rules, story

RULES = make_rules()
BOTH = ("russia_military_africa", "libya_diplomacy")


def test_hostile_headline_is_escaped_and_parses_as_telegram_html() -> None:
    s = story(
        1, 'Haftar <b>meets & greets</i> "Traoré" <script>x</script> &amp; co', sources=("A <x>",)
    )
    msg = compose.alert_text(s, BOTH, RULES, "en")
    plain = parse_html(msg.text)  # raises like Telegram on bad markup
    assert 'Haftar <b>meets & greets</i> "Traoré" <script>x</script> &amp; co' in plain
    assert "A <x>" in plain
    assert "&amp;amp;" in msg.text and "&lt;script&gt;" in msg.text
    assert msg.story_ids == (1,)


def test_link_href_is_escaped_and_only_http() -> None:
    s = story(1, url='https://x.example/?a=1&b="2"')
    html = render.story_block(s, [], "en", UTC)
    assert 'href="https://x.example/?a=1&amp;b=&quot;2&quot;"' in html
    bad = story(2, url="javascript:alert(1)")
    assert "<a " not in render.story_block(bad, [], "en", UTC)


def test_arabic_headline_is_isolated_and_controls_removed() -> None:
    title = "صدام حفتر\u202e يزور واغادوغو Wagner"
    html = render.story_block(story(1, title), ["Wagner"], "ar", UTC)
    assert f"{render.FSI}صدام حفتر يزور واغادوغو Wagner{render.PDI}" in html
    assert "\u202e" not in html


def test_labels_and_headings_follow_the_subscriber_language() -> None:
    s = story(1, topics=("russia_military_africa",), entities=("wagner", "burkina_faso"))
    ar = compose.digest_parts([s], BOTH, RULES, "ar")[0].text
    assert "فاغنر" in ar and "بوركينا فاسو" in ar and "خبر واحد" in ar
    assert "الوجود العسكري الروسي في أفريقيا" in ar
    fr = compose.digest_parts([s], BOTH, RULES, "fr")[0].text
    assert "Résumé" in fr and "Armée russe en Afrique" in fr and "1 article" in fr


def test_other_outlets_are_named_and_linked() -> None:
    one = story(1, sources=("A",))
    assert render.also(one, render.headline_item(one, "en"), "en") == ""
    many = story(2, sources=("A", "B", "C", "B"))
    line = render.also(many, render.headline_item(many, "en"), "fr")
    assert line.startswith("aussi :") and "B" in line and "C" in line and "A" not in line
    crowd = story(3, sources=tuple("ABCDEFGH"))
    assert render.also(crowd, render.headline_item(crowd, "en"), "en").endswith("+2 more")


def test_digest_groups_by_topic_newest_first_each_story_once() -> None:
    a = story(1, "old libya", at=T0)
    b = story(2, "new libya", at=T0 + timedelta(hours=1))
    c = story(3, "wagner both", topics=BOTH, at=T0 + timedelta(minutes=30))
    parts = compose.digest_parts([a, b, c, c], BOTH, RULES, "en")
    assert len(parts) == 1
    text = parts[0].text
    assert text.index("Russian military in Africa") < text.index("wagner both")
    assert text.index("wagner both") < text.index("Libya diplomacy")
    assert text.index("new libya") < text.index("old libya")
    assert text.count("wagner both") == 1
    assert sorted(parts[0].story_ids) == [1, 2, 3]


def test_unfollowed_topics_are_left_out() -> None:
    s = story(1, topics=("libya_diplomacy",))
    assert compose.digest_parts([s], ("russia_military_africa",), RULES, "en") == []
    assert not compose.story_topics(s, ("russia_military_africa",), RULES)


def test_ten_thousand_character_digest_splits_on_story_boundaries() -> None:
    views = [
        story(i, f"Headline {i} " + "x" * 250 + " & <tail>", at=T0 + timedelta(minutes=i))
        for i in range(1, 41)
    ]
    parts = compose.digest_parts(views, BOTH, RULES, "en", max_stories=40)
    total = sum(render.tg_len(p.text) for p in parts)
    assert total > 10_000
    assert len(parts) >= 3
    seen: list[int] = []
    for number, part in enumerate(parts, start=1):
        assert render.tg_len(part.text) <= 4096
        plain = parse_html(part.text)
        assert f"({number}/{len(parts)})" in plain
        for sid in part.story_ids:  # every story whole inside its part
            assert f"Headline {sid} " + "x" * 250 + " & <tail>" in plain
        seen.extend(part.story_ids)
    assert sorted(seen) == list(range(1, 41))
    assert "(continued)" in parse_html(parts[1].text)


def test_max_stories_keeps_the_newest() -> None:
    views = [story(i, at=T0 + timedelta(minutes=i)) for i in range(1, 11)]
    parts = compose.digest_parts(views, BOTH, RULES, "en", max_stories=3)
    assert sorted(parts[0].story_ids) == [8, 9, 10]


def test_urgency_follows_the_topic_alert_setting() -> None:
    assert compose.is_urgent(story(1, topics=("russia_military_africa",)), BOTH, RULES)
    assert not compose.is_urgent(story(2, topics=("libya_diplomacy",)), BOTH, RULES)


def test_quiet_hours_across_midnight_and_release_time() -> None:
    tz = cadence.zone("Africa/Tripoli")  # UTC+2
    quiet = cadence.parse_quiet("22-07")
    assert quiet == (22, 7)
    late = datetime(2026, 8, 13, 21, 30, tzinfo=UTC)  # 23:30 in Tripoli
    assert cadence.in_quiet(quiet, late, tz)
    assert cadence.release_time(quiet, late, tz) == datetime(2026, 8, 14, 5, 0, tzinfo=UTC)
    noon = datetime(2026, 8, 13, 10, 0, tzinfo=UTC)
    assert not cadence.in_quiet(quiet, noon, tz)
    assert cadence.release_time(quiet, noon, tz) == noon
    assert cadence.parse_quiet("7-7") is None and cadence.parse_quiet("25-3") is None


def test_digest_due_hourly_and_daily() -> None:
    last = datetime(2026, 8, 13, 6, 10, tzinfo=UTC)
    assert not cadence.digest_due("hourly", "07:00", last, last + timedelta(minutes=49), UTC)
    assert cadence.digest_due("hourly", "07:00", last, last + timedelta(minutes=50), UTC)
    assert not cadence.digest_due(
        "daily", "07:30", last, datetime(2026, 8, 13, 7, 29, tzinfo=UTC), UTC
    )
    assert cadence.digest_due("daily", "07:30", last, datetime(2026, 8, 13, 7, 30, tzinfo=UTC), UTC)
    assert not cadence.digest_due("instant", "07:00", None, last, UTC)
    assert cadence.parse_hhmm("7") == "07:00" and cadence.parse_hhmm("0730") == "07:30"
    assert cadence.parse_hhmm("24:00") is None


def test_terminal_text_is_plain() -> None:
    html = compose.alert_text(story(1, "A &amp; <b>"), BOTH, RULES, "en").text
    assert "A &amp; <b>" in render.plain(html)
    assert render.FSI not in render.plain(html)


def test_a_huge_url_never_makes_composition_fail() -> None:
    """Issue 13, finding 2: a ~3,700-character URL made `_fit` raise, losing the alert, the
    rest of the poll's alerts and every digest that carried the story."""
    for length in (3_700, 100_000):
        url = "https://news.example/a?" + "q" * length
        long_one = story(1, "Wagner convoy", topics=BOTH, url=url)
        alert = compose.alert_text(long_one, BOTH, RULES, "en")
        assert render.tg_len(alert.text) <= 4096
        assert "Wagner convoy" in parse_html(alert.text)
        assert url not in alert.text  # the link is dropped, the story kept
        views = [long_one, *(story(i, f"Headline {i}", topics=BOTH) for i in range(2, 6))]
        parts = compose.digest_parts(views, BOTH, RULES, "en")
        assert sorted(sid for p in parts for sid in p.story_ids) == [1, 2, 3, 4, 5]
        for part in parts:
            assert render.tg_len(part.text) <= 4096
            parse_html(part.text)
    ordinary = compose.alert_text(story(2, url="https://news.example/2"), BOTH, RULES, "en")
    assert 'href="https://news.example/2"' in ordinary.text  # a normal link stays


def test_a_story_in_many_topics_keeps_a_short_alert() -> None:
    """A story in 60 topics: the alert marks six of them as hashtags (no topic titles), and
    a message still too long would be cut by render.shorten, never refused."""
    many = make_rules_with_topics(60)
    topics = tuple(many.topics)
    s = story(1, "Wagner convoy", topics=topics)
    alert = compose.alert_text(s, topics, many, "en")
    plain = parse_html(alert.text)
    assert plain.count("#t") == render.MAX_LABELS and "Topic number" not in plain
    cut = render.shorten(alert.text * 100, 4096)
    assert render.tg_len(cut) <= 4096 and parse_html(cut).endswith("…")


def make_rules_with_topics(n: int) -> Rules:
    base = RULES.topics["libya_diplomacy"]
    topics = {
        f"t{i}": base._replace(id=f"t{i}", title={"en": f"Topic number {i} " + "z" * 100})
        for i in range(n)
    }
    return RULES._replace(topics=topics)


def test_sources_table_shows_a_degraded_source_with_its_reason() -> None:
    from core.health import SourceHealth

    lines = render.health_lines(
        {
            "Arabic": SourceHealth(
                "Arabic", last_success=T0, degraded="declared UTF-8 but is windows-1256"
            ),
            "Fine": SourceHealth("Fine", last_success=T0),
        },
        UTC,
    )
    arabic, fine = (line for line in lines if "Arabic" in line or "Fine" in line)
    assert (
        arabic.startswith("🟡") and "degraded: \u2068declared UTF-8 but is windows-1256" in arabic
    )
    assert fine.startswith("✅")
