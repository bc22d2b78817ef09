"""Each kind of source: URL builders, and a poll of each against a real local server."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from config.model import SOURCE_KINDS, Fetch, Source
from core.clock import FixedClock
from core.errors import ParseError
from core.health import SourceHealth
from tests.feedserver import FeedServer
from watchers import gdelt, google_news, telegram_channel
from watchers.http import Fetcher, make_client
from watchers.kinds import KINDS, parse_any
from watchers.poll import poll

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
T0 = datetime(2026, 8, 13, 6, 0, tzinfo=UTC)
FETCH = Fetch(total_timeout_s=10)


def test_gdelt_url_adds_language_and_country_filters():
    src = Source(
        name="g",
        kind="gdelt",
        every_s=900,
        query='(Haftar OR "Africa Corps")',
        lang="ar",
        country="LY",
    )
    parts = urlsplit(gdelt.build_url(src))
    assert parts.netloc == "api.gdeltproject.org" and parts.path == "/api/v2/doc/doc"
    q = parse_qs(parts.query)
    assert q["query"] == ['(Haftar OR "Africa Corps") sourcelang:arabic sourcecountry:ly']
    assert q["mode"] == ["ArtList"] and q["format"] == ["json"] and q["timespan"] == ["30min"]
    kept = Source(name="g", kind="gdelt", every_s=900, query="Wagner sourcelang:french", lang="ar")
    assert parse_qs(urlsplit(gdelt.build_url(kept)).query)["query"] == ["Wagner sourcelang:french"]


def test_gdelt_plain_text_answers_are_errors_in_its_words():
    src = Source(name="g", kind="gdelt", every_s=900, query="x")
    with pytest.raises(ParseError, match="Please limit requests"):
        gdelt.parse(b"Please limit requests to one every 5 seconds.", src)
    assert gdelt.parse(b"", src) == [] and gdelt.parse(b"{}", src) == []


def test_google_news_url():
    src = Source(name="n", kind="google_news", every_s=600, query="حفتر واغادوغو", lang="ar")
    q = parse_qs(urlsplit(google_news.build_url(src)).query)
    assert q == {"q": ["حفتر واغادوغو"], "hl": ["ar"], "gl": ["EG"], "ceid": ["EG:ar"]}
    fr = Source(
        name="n", kind="google_news", every_s=600, query="Wagner Mali", lang="fr", country="ml"
    )
    assert parse_qs(urlsplit(google_news.build_url(fr)).query)["ceid"] == ["ML:fr"]


def test_telegram_url_and_non_channel_page():
    src = Source(name="t", kind="telegram_channel", every_s=300, channel="@sahel_synthetic")
    assert telegram_channel.build_url(src) == "https://t.me/s/sahel_synthetic"
    with pytest.raises(ParseError, match="not a Telegram channel"):
        telegram_channel.parse(b"<html><body>Nothing here</body></html>", src)


def test_the_watchers_know_every_kind_rules_yaml_knows():
    assert list(KINDS) == list(SOURCE_KINDS)


def test_a_local_file_is_read_by_what_it_looks_like():
    src = Source(name="f", kind="file", every_s=60, path="x")
    gdelt_answer = (FEEDS / "synthetic_gdelt_artlist.json").read_bytes()
    page = (FEEDS / "synthetic_telegram_channel.html").read_bytes()
    json_feed = (FEEDS / "synthetic_fr_jsonfeed.json").read_bytes()
    assert parse_any(gdelt_answer, src, {}, "").items == gdelt.parse(gdelt_answer, src)
    assert parse_any(page, src, {}, "").items == telegram_channel.parse(page, src)
    assert len(parse_any(json_feed, src, {}, "").items) == 3


async def test_every_kind_polls_through_its_own_endpoint():
    clock = FixedClock(T0)
    with FeedServer() as server:
        server.add(
            "/gdelt",
            (FEEDS / "synthetic_gdelt_artlist.json").read_bytes(),
            content_type="application/json",
        )
        server.add("/gnews", (FEEDS / "synthetic_ar_google-news.xml").read_bytes())
        server.add(
            "/s/sahel_synthetic",
            (FEEDS / "synthetic_telegram_channel.html").read_bytes(),
            content_type="text/html",
        )
        server.add(
            "/feed.json",
            (FEEDS / "synthetic_fr_jsonfeed.json").read_bytes(),
            content_type="application/feed+json",
        )
        sources = [
            Source(
                name="gd",
                kind="gdelt",
                every_s=900,
                query="Haftar",
                lang="en",
                url=server.url("/gdelt"),
            ),
            Source(
                name="gn",
                kind="google_news",
                every_s=600,
                query="حفتر",
                lang="ar",
                url=server.url("/gnews"),
            ),
            Source(
                name="tg",
                kind="telegram_channel",
                every_s=300,
                channel="sahel_synthetic",
                lang="ar",
                url=server.url("/s"),
            ),
            Source(name="jf", kind="rss", every_s=600, url=server.url("/feed.json")),
        ]
        async with make_client(FETCH) as client:
            fetcher = Fetcher(client, FETCH, clock)
            outcomes = {
                s.name: await poll(s, SourceHealth(name=s.name), fetcher, clock) for s in sources
            }
        gdelt_query = parse_qs(
            urlsplit(next(r.path for r in server.requests if r.path.startswith("/gdelt"))).query
        )
    assert gdelt_query["query"] == ["Haftar sourcelang:english"]
    assert [len(outcomes[n].items) for n in ("gd", "gn", "tg", "jf")] == [2, 2, 2, 3]
    assert all(o.ok for o in outcomes.values())
    tg = outcomes["tg"].items
    assert tg[0].url == "https://t.me/sahel_synthetic/101" and tg[0].lang == "ar"
    assert tg[0].summary.splitlines()[1].startswith("ويلتقي الرئيس الانتقالي")
    assert tg[1].published == datetime(2024, 3, 6, 5, 0, tzinfo=UTC)
    assert outcomes["gn"].items[1].title == "روسيا والساحل: من فاغنر إلى الفيلق الأفريقي"
    assert outcomes["jf"].items[1].guid == "2" and outcomes["jf"].items[1].lang == "fr"


async def test_file_source_reads_a_folder_and_reports_not_modified(tmp_path):
    clock = FixedClock(T0)
    for name in (
        "ru_newsru_2006_koi8-r.xml",
        "synthetic_fr_jsonfeed.json",
        "en_reuters_mostread_2020-03_MALFORMED-truncated.xml",
    ):
        (tmp_path / name).write_bytes((FEEDS / name).read_bytes())
    (tmp_path / "notes.txt").write_text("not a feed, not read")
    src = Source(name="replay", kind="file", every_s=60, path=str(tmp_path))
    async with make_client(FETCH) as client:
        fetcher = Fetcher(client, FETCH, clock)
        first = await poll(src, SourceHealth(name="replay"), fetcher, clock)
        second = await poll(src, SourceHealth(name="replay", etag=first.etag), fetcher, clock)
        (tmp_path / "more.json").write_bytes((FEEDS / "synthetic_fr_jsonfeed.json").read_bytes())
        third = await poll(src, SourceHealth(name="replay", etag=first.etag), fetcher, clock)
        missing = await poll(
            Source(name="m", kind="file", every_s=60, path=str(tmp_path / "nope")),
            SourceHealth(name="m"),
            fetcher,
            clock,
        )
    assert first.ok and len(first.items) == 33  # the broken file is skipped, the others read
    assert second.ok and second.not_modified and second.items == ()
    assert third.ok and len(third.items) == 36
    assert not missing.ok and "no such file or folder" in missing.error


ARTICLE = """<!DOCTYPE html><html><head><title>Haftar in Ouagadougou</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Saddam Haftar arrives in Ouagadougou</h1>
<p>Saddam Haftar, commander of the ground forces of the Libyan National Army, arrived in
Ouagadougou on Tuesday on an official visit to Burkina Faso, carrying a message from Field Marshal
Khalifa Haftar to the transitional president, Captain Ibrahim Traoré.</p>
<p>The visit comes as Russia's Africa Corps, which replaced the Wagner group, expands its presence
across the Alliance of Sahel States, and as Western capitals watch Moscow's growing influence.</p>
<p>Officials in Niamey and Bamako welcomed the closer military cooperation with eastern Libya.</p>
</article><footer>Copyright Example News. <a href="/privacy">Privacy</a></footer></body></html>"""
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Headlines</title>
<item><title>Haftar in Ouagadougou</title><link>{url}</link><guid>a1</guid></item>
<item><title>Seen before</title><link>{seen}</link><guid>a2</guid></item>
</channel></rss>"""


@pytest.mark.skipif(
    importlib.util.find_spec("lxml_html_clean") is None,
    reason="trafilatura needs lxml_html_clean, missing from requirements.lock",
)
async def test_full_text_source_fetches_new_articles_only():
    clock = FixedClock(T0)
    with FeedServer() as server:
        url = server.add("/article", ARTICLE.encode(), content_type="text/html; charset=utf-8")
        seen = server.add("/old", ARTICLE.encode(), content_type="text/html; charset=utf-8")
        feed = server.add("/headlines.xml", FEED.format(url=url, seen=seen).encode())
        src = Source(name="h", kind="rss", every_s=600, url=feed, full_text=True)
        async with make_client(FETCH) as client:
            outcome = await poll(
                src,
                SourceHealth(name="h"),
                Fetcher(client, FETCH, clock),
                clock,
                seen=lambda i: i.title == "Seen before",
            )
        assert server.hits("/old") == 0
    new, old = outcome.items
    assert "Africa Corps" in new.text and "Ibrahim Traoré" in new.text
    assert "Privacy" not in new.text and "Sport" not in new.text
    assert old.text == ""
    assert json.dumps(new.text)  # plain text
