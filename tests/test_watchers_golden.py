"""Every feed fixture, served by a real local server and polled, gives its golden items."""

from __future__ import annotations

import asyncio
import json

import pytest

from config.model import Source
from core.errors import ParseError
from tests.feedserver import FeedServer
from tests.golden.regen_feeds import collect, dump, fixture_paths, golden_path
from watchers import rss

RELS = fixture_paths()


@pytest.fixture(scope="module")
def results():
    with FeedServer() as server:
        return asyncio.run(collect(server, RELS))


def test_every_fixture_has_a_golden_file():
    assert len(RELS) >= 60
    missing = [rel for rel in RELS if not golden_path(rel).exists()]
    assert missing == [], "run tests/golden/regen_feeds.py and review the output"


@pytest.mark.parametrize("rel", RELS)
def test_fixture_matches_golden(results, rel):
    expected = json.loads(golden_path(rel).read_text(encoding="utf-8"))
    assert json.loads(dump(results[rel])) == expected


def _items(results, rel):
    value = results[rel]
    assert isinstance(value, list), value
    return value


def _texts(items):
    return [(i["title"], i["summary"], i["url"], i["guid"], i["published"]) for i in items]


def test_koi8r_and_windows1251_copies_give_identical_text(results):
    koi = _items(results, "feeds/ru_newsru_2006_koi8-r.xml")
    cp = _items(results, "feeds/ru_newsru_2006_windows-1251.xml")
    assert len(koi) == 30
    assert _texts(koi) == _texts(cp)
    assert koi[0]["title"].startswith("В Турции психически нездоровый мужчина")


def test_arabic_in_every_encoding_decodes_to_the_same_text(results):
    names = [
        "feeds/synthetic_ar_windows-1256.xml",
        "feeds/synthetic_ar_windows-1256_undeclared.xml",
        "feeds/synthetic_ar_utf-16le-bom.xml",
        "feeds/synthetic_ar_utf-16be-bom.xml",
    ]
    variants = [_texts(_items(results, n)) for n in names]
    assert all(v == variants[0] for v in variants)
    assert variants[0][0][0] == "صدام حفتر في واغادوغو لتعزيز التعاون مع تحالف دول الساحل"


def test_latin1_without_declaration_decodes(results):
    items = _items(results, "feeds/pt_uol-noticias_latin1-no-xml-decl.xml")
    assert len(items) == 15
    assert "simulações" in items[0]["title"]
    assert "\ufffd" not in json.dumps(items, ensure_ascii=False)


def test_greek_koi8_undeclared_and_hebrew_decode(results):
    assert (
        "Μεγάλη η αύξηση"
        in _items(results, "feeds/el_naftemporiki_world_2006_iso-8859-7.xml")[0]["title"]
    )
    assert _items(results, "feedparser-edge/illformed/chardet/koi8r.xml")[0]["title"] == (
        "Как пережить новогоднюю ночь"
    )
    assert (
        "אתר אינטרנט"
        in _items(results, "feedparser-edge/illformed/chardet/windows1255.xml")[0]["summary"]
    )


def test_summaries_are_plain_text_and_dates_are_utc(results):
    items = _items(results, "feeds/en_guardian_us.xml")
    assert all("<" not in i["summary"] for i in items)
    assert all(i["published"].endswith("+00:00") for i in items)
    script = _items(results, "feedparser-edge/wellformed/sanitize/entry_content_script_cdata.xml")
    assert script[0]["summary"] == "safe description"


def test_guid_falls_back_to_link_and_relative_links_resolve(results):
    conflict = _items(
        results, "feedparser-edge/wellformed/rss/item_guid_isPermaLink_conflict_link.xml"
    )
    assert (conflict[0]["url"], conflict[0]["guid"]) == (
        "http://link.example.com/",
        "http://guid.example.com/",
    )
    docuri = _items(results, "feedparser-edge/wellformed/base/http_entry_link_base_docuri.xml")
    assert docuri[0]["url"] == docuri[0]["guid"] == "http://feeds.test/relative/link"


def test_google_news_titles_lose_the_outlet(results):
    items = _items(results, "feeds/synthetic_ar_google-news.xml")
    assert items[0]["title"] == "صدام حفتر يصل إلى واغادوغو في زيارة رسمية"
    assert items[0]["extra"]["outlet"] == "بوابة الوسط"


def test_broken_documents_give_errors_in_words(results):
    assert (
        "ill-formed"
        in results["feeds/en_reuters_mostread_2020-03_MALFORMED-truncated.xml"]["error"]
    )
    assert "not a feed" in results["feedparser-edge/illformed/rss_empty_document.xml"]["error"]


def test_feedparser_never_opens_a_body_as_a_path(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(b"<rss><channel><item><title>leaked</title></item></channel></rss>")
    source = Source(name="s", kind="rss", every_s=60)
    with pytest.raises(ParseError):
        rss.parse(str(secret).encode(), source)


def test_links_and_permalink_guids_resolve_against_the_document_and_xml_base():
    """feedparser resolves them (rss memoises its URL joins, which must change nothing): a GUID
    is an identity key, so a permalink GUID must stay the absolute address it always was."""
    source = Source(name="s", kind="rss", every_s=60)
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="sub/">
    <title>t</title>
    <entry><title>One two three four</title><id>tag:x,1</id><link href="a.html"/></entry>
    <entry><title>Five six seven eight</title><id>tag:x,2</id><link href="/b.html"/></entry>
    </feed>"""
    items = rss.parse(atom, source, base_url="http://h.test/feeds/f.xml")
    assert [i.url for i in items] == ["http://h.test/feeds/sub/a.html", "http://h.test/b.html"]
    moved = rss.parse(
        atom,
        source,
        headers={"Content-Location": "/elsewhere/f.xml"},
        base_url="http://h.test/feeds/f.xml",
    )
    assert moved[0].url == "http://h.test/elsewhere/sub/a.html"
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>One two three four</title><link>https://h.test/a/1</link>
      <guid>12345</guid></item>
    <item><title>Five six seven eight</title><link>https://h.test/a/2</link>
      <guid isPermaLink="false">12345</guid></item>
    <item><title>Nine ten eleven twelve</title><guid>/news/777</guid></item>
    </channel></rss>"""
    permalink, opaque, only_guid = rss.parse(feed, source, base_url="https://h.test/feeds/w.xml")
    assert permalink.guid == "https://h.test/feeds/12345"
    assert opaque.guid == "12345"
    assert only_guid.url == only_guid.guid == "https://h.test/news/777"
