"""Compiling rules into one Aho-Corasick automaton over normalised words.

Every alias, ambiguous alias, `not_in` phrase and topic keyword becomes one or more keys of a
single `ahocorasick.Automaton`. Keys are normalised words wrapped in spaces (" wagner ") so that
only whole words match; a trailing `*` drops the closing space so any suffix may follow. Arabic
spellings get one key per proclitic form (و ف ب ل ك and their pairs; ل + ال is written لل).
No operator text ever reaches a regular expression.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal, NamedTuple

import ahocorasick

from config.model import Rules, Term, Topic
from core.text import normalize, proclitic_forms

Role = Literal["alias", "ambiguous", "block", "keyword"]


# Named tuples, not frozen dataclasses: a fifth of the import time, and the matcher unpacks a
# Pattern in one step.
class Pattern(NamedTuple):
    """What one automaton key stands for. `owner` is an entity id, or a topic id for keywords."""

    role: Role
    owner: str
    key: str  # the term key for keywords ("kw:..."), the entity id otherwise
    spelling: str  # as written in rules.yaml
    lang: str
    words: int  # how many words the key spans
    wildcard: bool
    entity: str | None  # what a hit records: the entity id, or None for a keyword
    keyword: str | None  # a keyword hit's owner, "topic:kw:...": unique across topics
    hit_owner: str  # entity or keyword, whichever is set


def key_forms(spelling: str) -> list[tuple[str, bool]]:
    """The automaton keys for one spelling, with whether it ends in a wildcard."""
    wildcard = spelling.endswith("*")
    words = normalize(spelling[:-1] if wildcard else spelling).split()
    if not words:
        return []
    firsts = [words[0], *proclitic_forms(words[0])]
    tail = " ".join(words[1:])
    out = []
    for head in firsts:
        body = f"{head} {tail}" if tail else head
        out.append((f" {body}" if wildcard else f" {body} ", wildcard))
    return out


class ExcludePlan(NamedTuple):
    """An exclude group by term keys: vetoes when one of `keys` is found, unless one of `unless`
    is, and only while the score is under `below` times the threshold (always when None)."""

    keys: tuple[str, ...]
    below: float | None
    unless: tuple[str, ...]


class TopicPlan(NamedTuple):
    """A topic in the shape the matcher reads fastest.

    Hits name their owner (an entity id, or "topic:kw:..." for a keyword); `key_of` maps an
    owner to the term key the topic scores it under.
    """

    entities: frozenset[str]
    owners: frozenset[str]
    key_of: dict[str, str]
    weights: dict[str, float]
    rank: dict[str, int]  # each scoring term's place in `weights`
    require: tuple[tuple[str, ...], ...]
    exclude: tuple[ExcludePlan, ...]
    # The reason given when a `require` group is missing, one string per group (built once, so
    # every report that misses it shares it, and a pickled poll carries it once).
    missing: dict[tuple[str, ...], str]
    # The reasons of a report in which nothing of the topic was found (most reports, for most
    # topics): built once, like `missing`.
    nothing: tuple[str, ...]

    @classmethod
    def of(cls, topic: Topic, members: list[Term]) -> TopicPlan:
        key_of = {(t.entity or f"{topic.id}:{t.key}"): t.key for t in members}
        require = tuple(tuple(t.key for t in g.members) for g in topic.require)
        missing = {keys: f"required group missing: none of {', '.join(keys)}" for keys in require}
        weights = {t.key: t.weight for t in topic.terms}
        return cls(
            entities=frozenset(t.entity for t in members if t.entity),
            owners=frozenset(key_of),
            key_of=key_of,
            weights=weights,
            rank={key: n for n, key in enumerate(weights)},
            require=require,
            exclude=tuple(
                ExcludePlan(
                    tuple(t.key for t in g.members), g.below, tuple(t.key for t in g.unless)
                )
                for g in topic.exclude
            ),
            missing=missing,
            nothing=(
                f"score 0 is below the threshold {topic.threshold:g}",
                *(missing[keys] for keys in require),
            ),
        )


class Compiled:
    """The automaton plus the facts the matcher needs about topics and entities."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        # Entities of kind event: their hits form a layer of their own (see matching.engine).
        self.events = frozenset(e.id for e in rules.entities.values() if e.kind == "event")
        table: dict[str, list[Pattern]] = defaultdict(list)

        def add(role: Role, owner: str, key: str, lang: str, spelling: str) -> None:
            for form, wildcard in key_forms(spelling):
                keyword = f"{owner}:{key}" if role == "keyword" else None
                entity = None if keyword else owner
                pattern = Pattern(
                    role,
                    owner,
                    key,
                    spelling,
                    lang,
                    len(form.split()),
                    wildcard,
                    entity,
                    keyword,
                    keyword or owner,
                )
                if pattern not in table[form]:
                    table[form].append(pattern)

        for entity in rules.entities.values():
            for role, spellings in (
                ("alias", entity.aliases),
                ("ambiguous", entity.ambiguous),
                ("block", entity.not_in),
            ):
                for lang, values in spellings.items():
                    for spelling in values:
                        add(role, entity.id, entity.id, lang, spelling)  # type: ignore[arg-type]  # role is one of the literals above
        self.plans: dict[str, TopicPlan] = {}
        for topic in rules.topics.values():
            members: list[Term] = list(topic.terms)
            for group in (*topic.require, *topic.exclude):
                members.extend(group.members)
                members.extend(group.unless)
            for term in members:
                for lang, values in (term.keyword or {}).items():
                    for spelling in values:
                        add("keyword", topic.id, term.key, lang, spelling)
            self.plans[topic.id] = TopicPlan.of(topic, members)
        self.automaton: Any = ahocorasick.Automaton()
        for form, patterns in table.items():
            # A spelling listed under both `aliases` and `ambiguous` is ambiguous.
            doubtful = {p.owner for p in patterns if p.role == "ambiguous"}
            patterns = [p for p in patterns if not (p.role == "alias" and p.owner in doubtful)]
            self.automaton.add_word(form, (len(form), tuple(patterns)))
        # Groups by id: (members, how many must be found). Corroborators by entity id: an
        # explicit `corroborated_by` list (found anywhere in the report), None for the default
        # (any other entity of the topic).
        self.groups: dict[str, tuple[tuple[str, ...], int]] = {
            e.id: (e.members, e.at_least) for e in rules.entities.values() if e.members
        }
        self.corroborators: dict[str, frozenset[str] | None] = {
            e.id: frozenset(e.corroborated_by) if e.corroborated_by else None
            for e in rules.entities.values()
        }
        # For each owner of hits, the topics (by their place in `rules.topics`) that read them.
        self.topics_of: dict[str, tuple[int, ...]] = {}
        for index, plan in enumerate(self.plans.values()):
            for owner in plan.owners:
                self.topics_of[owner] = (*self.topics_of.get(owner, ()), index)
        self.size = len(table)
        if self.size:
            self.automaton.make_automaton()
