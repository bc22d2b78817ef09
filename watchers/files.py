"""Local feed files and folders (kind `file`): offline runs, replays and the demo.

`read(path, max_bytes)` lists the feed files of a file or folder (sorted, size-capped) with a
fingerprint that changes when any of them changes, so an unchanged folder counts as "not
modified". `parse(body, source, name)` reads one file of any format a watcher knows: RSS, Atom,
RDF, JSON Feed, a GDELT ArtList JSON answer, or a saved t.me/s page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from config.model import Source
from core.errors import FetchError, ParseError
from core.items import Item
from watchers import gdelt, rss, telegram_channel

SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".json", ".html", ".htm")


@dataclass(frozen=True)
class LocalFiles:
    """The feed files behind a `file` source and a fingerprint of their names, sizes, mtimes."""

    paths: tuple[Path, ...]
    fingerprint: str


def scan(path: str | Path) -> LocalFiles:
    """The files of a `file` source; FetchError when the path does not exist."""
    root = Path(path).expanduser()
    if root.is_file():
        paths = [root]
    elif root.is_dir():
        paths = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    else:
        raise FetchError(f"no such file or folder: {root}")
    digest = hashlib.sha1()
    for p in paths:
        stat = p.stat()
        digest.update(f"{p}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return LocalFiles(tuple(paths), f'"{digest.hexdigest()[:20]}"')


def read(path: Path, max_bytes: int) -> bytes:
    """One file's bytes; FetchError when it is over `max_bytes` or unreadable."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FetchError(f"{path.name} is {size:,} bytes, over the limit of {max_bytes:,}")
        return path.read_bytes()
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from exc


def parse(body: bytes, source: Source, name: str = "") -> list[Item]:
    """Items of one local file, whatever kind of feed it holds."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") and b'"articles"' in body[:200_000] and b"jsonfeed" not in head:
        return gdelt.parse(body, source)
    lowered = head.lower()
    if b"tgme_" in body[:200_000] and (b"<html" in lowered or b"<!doctype html" in lowered):
        return telegram_channel.parse(body, source)
    try:
        return rss.parse(body, source)
    except ParseError as exc:
        raise ParseError(f"{Path(name).name or 'file'}: {exc}") from exc
