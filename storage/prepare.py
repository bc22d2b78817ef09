"""What the store writes for a report that does not depend on the database, computed before
`Store.ingest` opens its transaction, in two steps so that a report seen again costs little:

- `identify(item)`: its canonical URL, identity keys and content hash (enough to tell a report
  seen again, unchanged, from a new or changed one);
- `rows(item, match, entity_kinds, ts)`: for a new or changed report, its clustering features
  and index keys, stored column values and full-text body (the topic verdicts are written from
  the match itself, `storage.rows.explanations`: made in a parse worker, their JSON would
  double what crosses to the store's process, where the worker is the busier of the two).

`prepare(item, match, entity_kinds, now)` makes both ahead of time, for a report that may be new
(runner.prework runs it in the parse workers, beside the matcher, so the store's thread mostly
writes). The store takes what was prepared only for the report it was made from: the identity
when the report's fields are those it was made of, the rows when their content hash is the
report's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.items import Item
from core.text import normalize
from matching.result import MatchResult
from storage.rows import (
    CONTENT_COLUMNS,
    content_hash,
    content_values,
    identity_keys,
    item_canonical,
)
from storage.times import epoch
from stories.cluster import Features, build_features, lsh_keys

_HASH_AT = CONTENT_COLUMNS.index("content_hash")


@dataclass(frozen=True)
class Identity:
    """How the store recognises a report."""

    canon: str  # canonical URL ("" without one)
    keys: tuple[tuple[int, str], ...]  # identity keys with their kinds
    digest: str  # content hash of title, summary and text
    made_from: tuple[str, ...]  # `identity_inputs` of the report it was made from


@dataclass(frozen=True)
class ReportRows:
    """What the store writes for a new or changed report."""

    feats: Features  # clustering features
    features: str  # their JSON, as item_features keeps them
    lsh: tuple[int, ...]  # LSH band keys
    content: tuple[str, str, str, str, str | None, str, str, str]  # CONTENT_COLUMNS values
    fts_body: str  # the normalised body for the full-text index


@dataclass(frozen=True)
class Prepared:
    """A report's identity, and its rows should it be new, made before the store sees it."""

    ident: Identity
    rows: ReportRows | None  # None for an undated report: filed under the time the store sees it


def identity_inputs(item: Item) -> tuple[str, ...]:
    """The fields of `item` its identity is made of (compared cheaply: a report and the
    identity a worker made of it arrive in one pickle, and share these very strings)."""
    return (
        item.source,
        item.url,
        item.guid,
        item.title,
        item.summary,
        item.text,
        item.extra.get("canonical", ""),
    )


def identify(item: Item) -> Identity:
    canon = item_canonical(item)
    return Identity(
        canon, tuple(identity_keys(item, canon)), content_hash(item), identity_inputs(item)
    )


def rows(item: Item, match: MatchResult, entity_kinds: Mapping[str, str], ts: float) -> ReportRows:
    """The rows of `item` as matched by `match` (`ts`: the report's time for clustering)."""
    feats = build_features(item, match, entity_kinds, ts)
    return ReportRows(
        feats=feats,
        features=feats.to_json(),
        lsh=tuple(lsh_keys(feats)),
        content=content_values(item, match),
        fts_body=normalize(item.text or item.summary),
    )


def rows_at(
    item: Item, match: MatchResult, entity_kinds: Mapping[str, str], now: datetime
) -> ReportRows:
    """`rows` of `item` filed under its own time, or `now` when it has no date (what the
    store does for a new report)."""
    return rows(item, match, entity_kinds, epoch(item.published or now))


def prepare(
    item: Item, match: MatchResult, entity_kinds: Mapping[str, str], now: datetime
) -> Prepared:
    """`identify` and, for a dated report, `rows_at` (an undated one is filed under the
    store's own time: its rows are made there)."""
    return Prepared(
        identify(item), rows_at(item, match, entity_kinds, now) if item.published else None
    )


def identity_of(item: Item, prepared: Prepared | None) -> Identity:
    """The identity prepared for `item`, or made now (none prepared, or made of other fields)."""
    if prepared is not None and prepared.ident.made_from == identity_inputs(item):
        return prepared.ident
    return identify(item)


def rows_of(
    item: Item,
    match: MatchResult,
    entity_kinds: Mapping[str, str],
    now: datetime,
    ident: Identity,
    prepared: Prepared | None,
) -> ReportRows:
    """The rows prepared for `item` when made from its very text, else `rows_at` now."""
    made = prepared.rows if prepared is not None else None
    if made is not None and made.content[_HASH_AT] == ident.digest:
        return made
    return rows_at(item, match, entity_kinds, now)
