"""Matching a poll's reports and preparing their rows in the parse worker, beside parsing.

The event loop's thread is the cycle's serial path: it fetches, and stores every report. So a
parse worker (runner.parsepool) that parses a body also matches its items with the pipeline's
rules and prepares what the store needs of each (`storage.prepare.prepare`: its identity, and
for a dated one the rows the store writes should it be new), in the same task
(`parse_and_prepare`, the poll's parse step): the items cross between the processes once, and
the loop mostly writes. (The store still tells new reports from those seen again, by looking
their identity up: that needs the database. Rows of a report seen again are not used; they
cost only the worker's spare time.)

A worker learns the rules when it starts (`install`, from runner.parsepool.init_worker, the
pool's initializer), tagged with the pipeline's generation of rules. Parsing in a thread, or in
a worker holding rules of another generation (a reload in between), gives the items alone, and
the pipeline matches them itself (`worker_matches` tells which).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from config.model import Rules, Source
from core.items import Item
from matching.engine import Matcher
from matching.result import MatchResult
from storage.prepare import Prepared, prepare
from watchers.http import Response
from watchers.poll import Parsed, parse_step

_GENERATIONS = itertools.count(1)


def new_generation() -> int:
    """A generation of matching rules no other pipeline of this process uses."""
    return next(_GENERATIONS)


def matching_part(rules: Rules) -> tuple[object, ...]:
    """What matching and row preparation depend on: a reload that leaves it equal keeps the
    workers (and their generation)."""
    return (rules.entities, rules.topics)


@dataclass(frozen=True)
class _WorkerRules:
    generation: int
    matcher: Matcher
    kinds: dict[str, str]


_RULES: _WorkerRules | None = None  # set in a worker process by install


def install(rules: Rules, generation: int) -> None:
    """This worker process matches with `rules`, of `generation`, from now on."""
    global _RULES
    _RULES = _WorkerRules(generation, Matcher.from_rules(rules), rules.entity_kinds())


@dataclass(frozen=True)
class WorkerMatches:
    """A poll's items matched and prepared in the worker, under rules of `generation`."""

    generation: int
    matched: tuple[tuple[MatchResult, Prepared], ...]  # each item's match and rows


def parse_and_prepare(
    source: Source, response: Response, *, now: datetime, generation: int
) -> Parsed:
    """The poll's parse step in a worker: parse, then match and prepare every item when this
    process holds the rules of `generation` (`now`: the time of reports without a date)."""
    parsed = parse_step(source, response)
    state = _RULES
    if state is None or state.generation != generation or not parsed.items:
        return parsed
    matched = []
    for item in parsed.items:
        match = state.matcher.match_item(item)
        matched.append((match, prepare(item, match, state.kinds, now)))
    return replace(parsed, precomputed=WorkerMatches(generation, tuple(matched)))


def worker_matches(
    precomputed: object, items: Sequence[Item], generation: int
) -> tuple[list[MatchResult], list[Prepared | None]] | None:
    """The matches and what was prepared that a poll's outcome carries for `items` under rules
    of `generation`, or None (the pipeline matches them itself)."""
    if not isinstance(precomputed, WorkerMatches) or precomputed.generation != generation:
        return None
    if len(precomputed.matched) != len(items):
        return None
    return [m for m, _ in precomputed.matched], [p for _, p in precomputed.matched]
