"""Compiling rules into one Aho-Corasick automaton over normalised words.

Every alias, ambiguous alias, `not_in` phrase and topic keyword becomes one or more keys of a
single `ahocorasick.Automaton`. Keys are normalised words wrapped in spaces (" wagner ") so that
only whole words match; a trailing `*` drops the closing space so any suffix may follow. Arabic
spellings get one key per proclitic form (و ف ب ل ك and their pairs; ل + ال is written لل).
No operator text ever reaches a regular expression.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

import ahocorasick

from config.model import Rules, Term
from matching.normalize import normalize

Role = Literal["alias", "ambiguous", "block", "keyword"]

_SINGLE = ("و", "ف", "ب", "ل", "ك")
_PAIRS = ("وب", "ول", "وك", "فب", "فل", "فك")
PROCLITICS = _SINGLE + _PAIRS


@dataclass(frozen=True)
class Pattern:
    """What one automaton key stands for. `owner` is an entity id, or a topic id for keywords."""

    role: Role
    owner: str
    key: str  # the term key for keywords ("kw:..."), the entity id otherwise
    spelling: str  # as written in rules.yaml
    lang: str
    words: int  # how many words the key spans
    wildcard: bool


def _is_arabic(word: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in word)


def key_forms(spelling: str) -> list[tuple[str, bool]]:
    """The automaton keys for one spelling, with whether it ends in a wildcard."""
    wildcard = spelling.endswith("*")
    words = normalize(spelling[:-1] if wildcard else spelling).split()
    if not words:
        return []
    first = words[0]
    firsts = [first]
    if _is_arabic(first):
        for prefix in PROCLITICS:
            if prefix.endswith("ل") and first.startswith("ال"):
                firsts.append(prefix + first[1:])  # ل + الجيش -> للجيش
            else:
                firsts.append(prefix + first)
    tail = " ".join(words[1:])
    out = []
    for head in firsts:
        body = f"{head} {tail}" if tail else head
        out.append((f" {body}" if wildcard else f" {body} ", wildcard))
    return out


class Compiled:
    """The automaton plus the facts the matcher needs about topics and entities."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        table: dict[str, list[Pattern]] = defaultdict(list)

        def add(role: Role, owner: str, key: str, lang: str, spelling: str) -> None:
            for form, wildcard in key_forms(spelling):
                pattern = Pattern(role, owner, key, spelling, lang, len(form.split()), wildcard)
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
        self.topic_entities: dict[str, frozenset[str]] = {}
        for topic in rules.topics.values():
            members: list[Term] = list(topic.terms)
            for group in (*topic.require, *topic.exclude):
                members.extend(group.members)
            for term in members:
                for lang, values in (term.keyword or {}).items():
                    for spelling in values:
                        add("keyword", topic.id, term.key, lang, spelling)
            self.topic_entities[topic.id] = frozenset(t.entity for t in members if t.entity)
        self.automaton: Any = ahocorasick.Automaton()
        for form, patterns in table.items():
            # A spelling listed under both `aliases` and `ambiguous` is ambiguous.
            doubtful = {p.owner for p in patterns if p.role == "ambiguous"}
            patterns = [p for p in patterns if not (p.role == "alias" and p.owner in doubtful)]
            self.automaton.add_word(form, (len(form), tuple(patterns)))
        self.size = len(table)
        if self.size:
            self.automaton.make_automaton()
