"""Finding a site's feed (against a real local server), guessing a feed's language, and trying a
source before adding it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from config import load_rules
from config.model import Fetch, Source
from core.clock import FixedClock
from matching.engine import Matcher
from runner.trial import telegram_channel_of, try_url
from tests.feedserver import FeedServer
from watchers import language, rss
from watchers.discover import Discovery, discover, feed_links, looks_like_feed
from watchers.http import Fetcher, make_client

ROOT = Path(__file__).resolve().parent.parent
FEEDS = ROOT / "tests" / "fixtures" / "feeds"
SEED = (ROOT / "seeds" / "feeds" / "ar_seed-article.xml").read_bytes()
ATOM = (FEEDS / "de_heise_atom.xml").read_bytes()
FETCH = Fetch(connect_timeout_s=2, read_timeout_s=2, total_timeout_s=5)
T0 = datetime(2026, 8, 13, 5, 0, tzinfo=UTC)


def page(head: str) -> bytes:
    return (
        "<!DOCTYPE html><html lang='ar'><head><meta charset='utf-8'><title>الوسط</title>"
        f"{head}</head><body><p>أخبار ليبيا</p></body></html>"
    ).encode()


LINKED = page(
    '<link rel="stylesheet" href="/site.css">'
    '<link rel="alternate" type="application/rss+xml" title="آخر الأخبار" href="news/rss.xml">'
    '<link rel="alternate" type="application/atom+xml" href="https://cdn.example/atom">'
)


def test_feed_links_are_read_in_page_order_and_made_absolute() -> None:
    links = feed_links(LINKED.decode(), "https://alwasat.example/ar/index.html")
    assert [(x.url, x.kind, x.title) for x in links] == [
        ("https://alwasat.example/ar/news/rss.xml", "RSS", "آخر الأخبار"),
        ("https://cdn.example/atom", "Atom", ""),
    ]


def test_feed_links_follow_base_href_rel_lists_and_json_feeds() -> None:
    html = (
        '<head><base href="https://mirror.example/sub/">'
        '<LINK REL="home alternate" TYPE="application/feed+json; charset=utf-8" HREF="feed.json">'
        '<link rel="alternate" type="text/html" href="/fr/">'
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"></head>'
    )
    links = feed_links(html, "https://site.example/")
    assert [(x.url, x.kind) for x in links] == [
        ("https://mirror.example/sub/feed.json", "JSON Feed")
    ]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (SEED, "text/html", True),  # servers mislabel feeds: the first element decides
        (ATOM, "", True),
        ((FEEDS / "de_heise_rss1-rdf.xml").read_bytes(), "", True),
        ((FEEDS / "synthetic_fr_jsonfeed.json").read_bytes(), "application/json", True),
        (LINKED, "text/html", False),
        (b"<html><body><h1>rss</h1></body></html>", "application/rss+xml", False),
    ],
)
def test_looks_like_feed(body: bytes, content_type: str, expected: bool) -> None:
    assert looks_like_feed(body, content_type) is expected


async def _discover(server: FeedServer, path: str) -> Discovery:
    async with make_client(FETCH) as client:
        return await discover(server.url(path), Fetcher(client, FETCH, FixedClock(T0)))


async def test_a_page_with_link_rel_alternate() -> None:
    with FeedServer() as server:
        server.add("/ar/", LINKED, content_type="text/html; charset=utf-8")
        server.add("/ar/news/rss.xml", SEED)
        found = await _discover(server, "/ar/")
    assert found.feed_url == server.url("/ar/news/rss.xml")
    assert found.how == "<link rel=alternate> on the page" and found.title == "آخر الأخبار"
    assert found.response is not None and found.response.body == SEED
    assert [a.error for a in found.attempts] == [""]


async def test_a_page_without_links_falls_back_to_common_paths() -> None:
    with FeedServer() as server:
        server.add("/", page(""), content_type="text/html")
        server.add("/rss", page("<p>not this</p>"), content_type="text/html")
        server.add("/rss.xml", ATOM, content_type="text/xml")
        found = await _discover(server, "/")
        asked = [r.path for r in server.requests]
    assert found.feed_url == server.url("/rss.xml") and found.how == "a common path"
    assert asked == ["/", "/feed", "/rss", "/rss.xml"]
    assert [(a.url.rsplit("/", 1)[1], a.how) for a in found.attempts] == [
        ("feed", "common path"),
        ("rss", "common path"),
        ("rss.xml", "common path"),
    ]
    assert "404" in found.attempts[0].error
    assert found.attempts[1].error == "not a feed (text/html)" and found.attempts[2].error == ""


async def test_a_page_pointing_to_a_dead_feed_finds_nothing_and_says_why() -> None:
    with FeedServer() as server:
        server.add("/", LINKED, content_type="text/html")
        server.add("/news/rss.xml", status=404)
        server.add("/broken", b"", status=500)
        found = await _discover(server, "/")
    assert found.feed_url == "" and found.response is None
    assert found.attempts[0].url == server.url("/news/rss.xml") and found.attempts[0].how == "link"
    assert "404" in found.attempts[0].error
    assert len(found.attempts) == 8  # two linked feeds and the six common paths, then no more


async def test_the_address_of_a_feed_is_its_own_feed() -> None:
    with FeedServer() as server:
        server.add("/feed.xml", SEED, content_type="application/xml")
        found = await _discover(server, "/feed.xml")
    assert found.feed_url == server.url("/feed.xml") and found.how == "the address is a feed"
    assert found.attempts == ()


# ── language ────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("fixture", "lang"),
    [
        ("en_aljazeera_all_2026-08-13_0424.xml", "en"),
        ("fr_lemonde_international_2024-03-27.xml", "fr"),
        ("ru_newsru_2006_windows-1251.xml", "ru"),
        ("uk_suspilne_default-xmlns.xml", "uk"),
        ("synthetic_ar_windows-1256.xml", "ar"),
        ("pt_uol-noticias_latin1-no-xml-decl.xml", "pt"),
        ("de_heise_atom.xml", "de"),
        ("el_naftemporiki_world_2006_iso-8859-7.xml", ""),  # Greek: not a language it knows
    ],
)
def test_language_of_real_feeds(fixture: str, lang: str) -> None:
    items = rss.parse((FEEDS / fixture).read_bytes(), Source(name="x", kind="rss", every_s=60))
    assert language.detect(f"{i.title} {i.summary}" for i in items) == lang


def test_too_little_text_is_no_guess() -> None:
    assert language.detect(["Mali"]) == ""
    assert language.detect([]) == ""


# ── trying a source ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("url", "channel"),
    [
        ("https://t.me/s/sahel_news", "sahel_news"),
        ("t.me/sahel_news", "sahel_news"),
        ("https://telegram.me/sahel_news/123", "sahel_news"),
        ("https://www.rfi.fr/fr/afrique/", ""),
    ],
)
def test_telegram_links_are_channels(url: str, channel: str) -> None:
    assert telegram_channel_of(url) == channel


async def test_trying_a_site_reads_detects_and_matches_its_feed() -> None:
    matcher = Matcher.from_rules(load_rules(ROOT / "rules.yaml"))
    with FeedServer() as server:
        server.add("/ar/", LINKED, content_type="text/html")
        server.add("/ar/news/rss.xml", SEED)
        async with make_client(FETCH) as client:
            fetcher = Fetcher(client, FETCH, FixedClock(T0))
            trial = await try_url(server.url("/ar/"), fetcher, matcher, every="20m")
            dead = await try_url(server.url("/nothing"), fetcher, matcher, every="20m")
    assert trial.error == "" and len(trial.items) == 1
    assert trial.declared_lang == "ar" and trial.detected_lang == "ar"
    assert trial.fields == {
        "name": "Seed article (demo feed)",
        "kind": "rss",
        "url": server.url("/ar/news/rss.xml"),
        "lang": "ar",
        "every": "20m",
    }
    assert trial.topic_counts == {
        "russia_military_africa": 1,
        "haftar_russia_sahel": 1,
        "sahel_states_alliance": 1,
        "western_concern": 1,
    }
    assert "404" in dead.error and not dead.items
