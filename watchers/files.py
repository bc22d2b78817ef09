"""Local feed files and folders (kind `file`): offline runs, replays and the demo.

`scan(path)` lists the feed files of a file or folder (sorted) with a fingerprint that changes
when any of them changes, so an unchanged folder counts as "not modified"; `read(path,
max_bytes)` gives one file's bytes, refusing a file over the limit. What a file holds is read by
`watchers.kinds.parse_any`: RSS, Atom, RDF, JSON Feed, a GDELT ArtList JSON answer, or a saved
t.me/s page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from core.errors import FetchError

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
