"""Source lists in and out as OPML, the format feed readers exchange (Feedly, Inoreader,
Miniflux, NetNewsWire...).

`read_opml(data)` lists every outline that has an `xmlUrl`, at any depth (folders are flattened;
the folder's name is kept as `category`), with its title (`title`, else `text`, trimmed: some
exporters leave trailing spaces), `htmlUrl` and OPML 2.0's `language`. Attribute names are read
without regard to case (`xmlurl` exists in the wild). `write_opml(sources)` writes OPML 2.0: one
folder per language, each feed an `<outline type="rss">` with `text`, `title`, `xmlUrl` and
`language`. Only sources a feed reader can read are written: RSS/Atom/JSON feeds and Google News
searches (their RSS address: the kinds marked `feed` in watchers.kinds); GDELT queries, Telegram
pages and local files are left out.
`new_sources(outlines, sources, every)` turns the outlines not watched yet into rules.yaml fields.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from config.model import Source
from config.yamlnodes import LANG_RE
from core.errors import ParseError
from watchers.kinds import KINDS, source_url
from watchers.xmlsafe import defuse


@dataclass(frozen=True)
class Outline:
    """One feed of an OPML file."""

    title: str
    xml_url: str
    html_url: str = ""
    category: str = ""
    lang: str = ""


def read_opml(data: bytes) -> list[Outline]:
    """The feeds of an OPML document; ParseError when it is not OPML."""
    try:
        root = ET.fromstring(defuse(data))
    except ET.ParseError as exc:
        raise ParseError(f"not a readable OPML file ({exc})") from None
    if root.tag.lower() != "opml":
        raise ParseError(f"not an OPML file (its root element is <{root.tag}>)")
    body = next((child for child in root if child.tag.lower() == "body"), None)
    if body is None:
        raise ParseError("an OPML file without <body>")
    out: list[Outline] = []
    _walk(body, "", out)
    return out


def _attrs(element: ET.Element) -> dict[str, str]:
    return {k.lower(): " ".join(v.split()) for k, v in element.attrib.items()}


def _walk(element: ET.Element, folder: str, out: list[Outline]) -> None:
    for child in element:
        if child.tag.lower() != "outline":
            continue
        attr = _attrs(child)
        name = attr.get("title") or attr.get("text") or ""
        if attr.get("xmlurl"):
            out.append(
                Outline(
                    title=name or attr["xmlurl"],
                    xml_url=attr["xmlurl"],
                    html_url=attr.get("htmlurl", ""),
                    category=folder,
                    lang=attr.get("language", ""),
                )
            )
        _walk(child, name if not attr.get("xmlurl") else folder, out)


def feed_url(source: Source) -> str:
    """The address a feed reader would poll for `source` ("" when it has none)."""
    kind = KINDS.get(source.kind)
    return source_url(source) if kind is not None and kind.feed else ""


def write_opml(sources: Sequence[Source], title: str, created: datetime) -> str:
    """OPML 2.0 for the sources a feed reader can read (see the module docstring)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(created)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for source in sources:
        url = feed_url(source)
        if not url:
            continue
        lang = source.lang or "other"
        if lang not in folders:
            folders[lang] = ET.SubElement(body, "outline", text=lang, title=lang)
        attrs = {"type": "rss", "text": source.name, "title": source.name, "xmlUrl": url}
        if source.lang:
            attrs["language"] = source.lang
        ET.SubElement(folders[lang], "outline", attrs)
    ET.indent(root, space="  ")
    text = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n'


def new_sources(
    outlines: Sequence[Outline], sources: Sequence[Source], every: str
) -> tuple[list[dict[str, str]], list[str]]:
    """The rules.yaml fields of each outline not watched yet (as an rss source polled `every`),
    and a note for each one skipped. A name already taken gets the feed's host added."""
    watched = {feed_url(s) for s in sources} - {""}
    taken = {s.name.lower() for s in sources}
    fields: list[dict[str, str]] = []
    notes: list[str] = []
    for outline in outlines:
        if outline.xml_url in watched:
            notes.append(f"skipped {outline.title!r}: already watched ({outline.xml_url})")
            continue
        name = outline.title
        if name.lower() in taken:
            name = f"{name} ({urlsplit(outline.xml_url).hostname})"
        if name.lower() in taken:
            notes.append(f"skipped {outline.title!r}: its name and host are both taken")
            continue
        watched.add(outline.xml_url)
        taken.add(name.lower())
        lang = outline.lang.replace("_", "-").split("-")[0].lower()  # en-GB, fr_FR: the language
        lang = lang if LANG_RE.match(lang) else ""
        fields.append(
            {"name": name, "kind": "rss", "url": outline.xml_url, "lang": lang, "every": every}
        )
    return fields, notes
