"""The Item: one report as every watcher yields it and every later stage consumes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Item:
    """One news report from one source.

    `source` is the source's name from rules.yaml; `url` is the link as published (canonicalised
    later by stories/); `guid` is the feed's id (or the URL when the feed has none); `summary` is
    plain text (HTML removed); `text` is the full article text when it was fetched, else "".
    `published` is timezone-aware UTC, or None when the source gave no usable date.
    """

    source: str
    url: str
    guid: str
    title: str
    summary: str = ""
    text: str = ""
    lang: str = ""
    published: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def body(self) -> str:
        """The text to match: the full text when present, else the summary."""
        return self.text or self.summary
