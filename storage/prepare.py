"""What the store writes for a report that does not depend on the database: its identity keys,
content hash, clustering features and index keys, stored column values, verdicts and full-text
body, computed in one place before `Store.ingest` opens its transaction. Pure: it could run away
from the store's thread (in a parse worker) if the event loop's thread needs relief.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.items import Item
from matching.normalize import normalize
from matching.result import MatchResult
from storage.records import epoch
from storage.rows import content_hash, content_values, explanations, identity_keys, item_canonical
from stories.cluster import Features, build_features, index_keys


@dataclass(frozen=True)
class Prepared:
    """One report made ready for `Store.ingest`."""

    canon: str  # canonical URL ("" without one)
    keys: tuple[tuple[int, str], ...]  # identity keys with their kinds
    digest: str  # content hash of title, summary and text
    feats: Features  # clustering features; ts: published, else when prepared
    lsh: tuple[int, ...]  # LSH band keys
    ents: tuple[int, ...]  # entity-pair keys
    content: tuple[str, str, str, str, str | None, str, str, str, str]  # CONTENT_COLUMNS values
    verdicts: tuple[tuple[str, int, float, str], ...]  # the matches rows
    fts_body: str  # the normalised body for the full-text index


def prepare(
    item: Item, match: MatchResult, entity_kinds: Mapping[str, str], now: datetime
) -> Prepared:
    """Everything `Store.ingest` needs of `item` as matched by `match` (`now`: the time of a
    report without a publication date)."""
    canon = item_canonical(item)
    feats = build_features(item, match, entity_kinds, epoch(item.published or now))
    lsh, ents = index_keys(feats)
    return Prepared(
        canon=canon,
        keys=tuple(identity_keys(item, canon)),
        digest=content_hash(item),
        feats=feats,
        lsh=tuple(lsh),
        ents=tuple(ents),
        content=content_values(item, match, feats),
        verdicts=tuple(explanations(match)),
        fts_body=normalize(item.text or item.summary),
    )
