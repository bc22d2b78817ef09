"""What the store writes for a report that does not depend on the database, computed before
`Store.ingest` opens its transaction, in two steps so that a report seen again costs little:

- `identify(item)`: its canonical URL, identity keys and content hash (enough to tell a report
  seen again, unchanged, from a new or changed one);
- `rows(item, match, entity_kinds, ts)`: for a new or changed report, its clustering features
  and index keys, stored column values and full-text body (the topic verdicts are written from
  the match itself, `storage.rows.explanations`: they would only double what crosses from a
  parse worker).

`rows_at` is the second step ahead of time, for a report that may be new (runner.prework runs it
in the parse workers, beside the matcher, so the store's thread mostly writes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.items import Item
from matching.normalize import normalize
from matching.result import MatchResult
from storage.records import epoch
from storage.rows import content_hash, content_values, identity_keys, item_canonical
from stories.cluster import Features, build_features, index_keys


@dataclass(frozen=True)
class Identity:
    """How the store recognises a report."""

    canon: str  # canonical URL ("" without one)
    keys: tuple[tuple[int, str], ...]  # identity keys with their kinds
    digest: str  # content hash of title, summary and text


@dataclass(frozen=True)
class Rows:
    """What the store writes for a new or changed report."""

    feats: Features  # clustering features
    lsh: tuple[int, ...]  # LSH band keys
    ents: tuple[int, ...]  # entity-pair keys
    content: tuple[str, str, str, str, str | None, str, str, str, str]  # CONTENT_COLUMNS values
    fts_body: str  # the normalised body for the full-text index


def identify(item: Item) -> Identity:
    canon = item_canonical(item)
    return Identity(canon, tuple(identity_keys(item, canon)), content_hash(item))


def rows(item: Item, match: MatchResult, entity_kinds: Mapping[str, str], ts: float) -> Rows:
    """The rows of `item` as matched by `match` (`ts`: the report's time for clustering)."""
    feats = build_features(item, match, entity_kinds, ts)
    lsh, ents = index_keys(feats)
    return Rows(
        feats=feats,
        lsh=tuple(lsh),
        ents=tuple(ents),
        content=content_values(item, match, feats),
        fts_body=normalize(item.text or item.summary),
    )


def rows_at(
    item: Item, match: MatchResult, entity_kinds: Mapping[str, str], now: datetime
) -> Rows:
    """`rows` of `item` filed under its own time, or `now` when it has no date (what the
    store does for a new report)."""
    return rows(item, match, entity_kinds, epoch(item.published or now))
