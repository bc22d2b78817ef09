"""Matching a document against compiled rules, with the explanation of every verdict.

Pure: text in, `MatchResult` out. The steps: normalise title and text with the one normaliser;
run the single automaton over the words, keeping at each word the longest spelling of each
entity; drop hits inside a `not_in` phrase and hits contained in a longer hit of another entity
of the same layer ("Africa" inside "Africa Corps"; entities of kind event are a layer of their
own); find the groups (entities with `members`) whose members are found; count an ambiguous
alias only when it is corroborated, in other words of the document, by one of its
`corroborated_by` entities (anywhere in the report) or, without that list, by another entity of
the same topic; then per topic sum the weights of the distinct terms found and check threshold,
`require` groups, the `near` window and `exclude` (with its `below` and `unless`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from config.model import Rules, Topic
from core.text import normalize
from matching.compile import Compiled, TopicPlan
from matching.result import Hit, MatchResult, TopicResult
from matching.spans import attach_snippets, resolve, window

if TYPE_CHECKING:  # explain matches no Item: core.items only where a caller has one
    from core.items import Item


class Matcher:
    """Compiled rules, ready to match any number of documents (thread-safe, read-only)."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self.rules = compiled.rules
        self._topics = tuple(zip(self.rules.topics.values(), compiled.plans.values(), strict=True))
        self._order = {eid: n for n, eid in enumerate(self.rules.entities)}
        # what a topic in which nothing at all was found returns: the same object every time
        self._nothing = tuple(
            TopicResult(topic.id, False, 0.0, topic.threshold, (), plan.nothing)
            for topic, plan in self._topics
        )

    @classmethod
    def from_rules(cls, rules: Rules) -> Matcher:
        return cls(Compiled(rules))

    def match_item(self, item: Item, snippets: bool = False) -> MatchResult:
        return self.match(item.guid or item.url, item.title, item.body, snippets=snippets)

    def match(self, doc_id: str, title: str, text: str, snippets: bool = False) -> MatchResult:
        """Match one document. With `snippets`, each hit also gets where it lies in the
        original title or text (`chars`) and the original words around it (`snippet`)."""
        head, body = normalize(title), normalize(text)
        title_words = head.split()
        n_title = len(title_words)
        words = title_words + body.split()
        if not words or not self.compiled.size:
            return MatchResult(doc_id, self._nothing, ())
        # the words joined with one space, and one either side: normalize already joins so
        joined = f" {head} {body} " if head and body else f" {head or body} "
        raw_hits, blocks = self._scan(joined, words, n_title)
        if not raw_hits:
            return MatchResult(doc_id, self._nothing, ())
        hits = resolve(raw_hits, blocks, self.compiled.events)
        # entities found by a spelling that is not ambiguous (and groups found)
        sure: set[str | None] = {
            h.entity for h in hits if h.entity and h.counted and not h.ambiguous
        }
        if self.compiled.groups:
            for group in self._groups(hits, sure, n_title):
                hits.append(group)
                sure.add(group.entity or "")
        if snippets:
            attach_snippets(hits, title, text, n_title, len(words))
        # each topic's hits, in the order found; a topic with none returns its fixed result
        per_topic: list[list[Hit]] = [[] for _ in self._topics]
        topics_of = self.compiled.topics_of
        for hit in hits:
            for index in topics_of.get(hit.entity or hit.keyword or "", ()):
                per_topic[index].append(hit)
        doubted: dict[int, Hit] = {}  # one uncorroborated copy of a hit, whatever the topic
        topic_results = tuple(
            self._topic(topic, plan, found, hits, sure, doubted) if found else nothing
            for (topic, plan), found, nothing in zip(
                self._topics, per_topic, self._nothing, strict=True
            )
        )
        # counted anywhere: found surely, or by an ambiguous spelling some topic corroborated
        entities = set(sure)
        for result in topic_results:
            for h in result.hits:
                if h.ambiguous and h.counted:
                    entities.add(h.entity)
        ordered = tuple(sorted((e for e in entities if e), key=self._order.__getitem__))
        return MatchResult(doc_id, topic_results, ordered, tuple(hits), n_title)

    def _scan(
        self, joined: str, words: list[str], n_title: int
    ) -> tuple[list[Hit], list[tuple[str, int, int]]]:
        """Every automaton hit in `joined` (the `words` with one space between and either side)
        as a Hit, plus the `not_in` spans (entity, start, end)."""
        hits: list[Hit] = []
        blocks: list[tuple[str, int, int]] = []
        # The same thing found twice at one place (two spellings of one entity starting at one
        # word): the longer spelling wins, and an alias beats an ambiguous spelling as long, so
        # "Wagner Group" is the group even where "Wagner" alone is ambiguous.
        at: dict[tuple[str, int], int] = {}
        count = joined.count
        for end, (length, patterns) in self.compiled.automaton.iter(joined):
            first = count(" ", 0, end - length + 1)  # words before the key's space
            field = "title" if first < n_title else "text"
            for role, owner, _, spelling, lang, span, _, entity, keyword, hit_owner in patterns:
                last = first + span
                if role == "block":
                    blocks.append((owner, first, last))
                    continue
                ambiguous = role == "ambiguous"
                ident = (hit_owner, first)
                index = at.get(ident)
                if index is not None:
                    old = hits[index]
                    if last < old.end or (last == old.end and (ambiguous or not old.ambiguous)):
                        continue
                hit = Hit(
                    spelling,
                    entity,
                    keyword,
                    lang,
                    first,
                    last,
                    field,
                    words[first] if span == 1 else " ".join(words[first:last]),
                    "",
                    ambiguous,
                )
                if index is None:
                    at[ident] = len(hits)
                    hits.append(hit)
                else:
                    hits[index] = hit
        return hits, blocks

    def _groups(self, hits: list[Hit], sure: set[str | None], n_title: int) -> list[Hit]:
        """A hit for each group not found by its own spellings whose members are found (an
        ambiguous member counts when corroborated by its `corroborated_by` list or, without
        one, by another member); it sits where its first member was found."""
        out = []
        doubtful: set[str | None] | None = None  # entities with an ambiguous hit, if needed
        for gid, (members, at_least) in self.compiled.groups.items():
            if gid in sure:
                continue
            have = sure.intersection(members)
            if len(have) < at_least:
                if doubtful is None:
                    doubtful = {h.entity for h in hits if h.ambiguous and h.counted}
                if len(have) + len(doubtful.intersection(members)) < at_least:
                    continue
            places: dict[str, tuple[int, int]] = {}
            for hit in hits:
                owner = hit.entity
                if owner is None or owner not in members or owner in places or not hit.counted:
                    continue
                if not hit.ambiguous or (
                    owner not in have and self._corroborated(hit, owner, members, sure, hits)
                ):
                    places[owner] = (hit.start, hit.end)
            if len(places) < at_least:
                continue
            start, end = min(places.values())
            found = [m for m in members if m in places]
            out.append(
                Hit(
                    f"{len(found)} of its members: {', '.join(found)}",
                    gid,
                    None,
                    "",
                    start,
                    end,
                    "title" if start < n_title else "text",
                    " + ".join(found),
                )
            )
        return out

    def _topic(
        self,
        topic: Topic,
        plan: TopicPlan,
        candidates: list[Hit],
        hits: list[Hit],
        sure: set[str | None],
        doubted: dict[int, Hit],
    ) -> TopicResult:
        """The verdict on `topic`, from `candidates`: the hits of its terms and groups."""
        topic_hits: list[Hit] = []
        found: dict[str, list[int]] = {}  # by term key, the words where it was found
        key_of = plan.key_of
        for hit in candidates:
            owner = hit.entity or hit.keyword or ""
            if (
                hit.ambiguous
                and hit.counted
                and owner not in sure
                and not self._corroborated(hit, owner, plan.entities, sure, hits)
            ):
                copy = doubted.get(id(hit))  # `hits` outlives the match: ids stay unique
                if copy is None:
                    copy = replace(hit, counted=False, why="ambiguous, not corroborated")
                    doubted[id(hit)] = copy
                hit = copy
            topic_hits.append(hit)
            if hit.counted:
                key = key_of[owner]
                starts = found.get(key)
                if starts is None:
                    found[key] = [hit.start]
                else:
                    starts.append(hit.start)
        if not found:  # nothing of the topic: the reasons are always the same
            return TopicResult(
                topic.id, False, 0.0, topic.threshold, tuple(topic_hits), plan.nothing
            )
        # the terms found that score, in the topic's order (so the sum is always the same)
        weights = plan.weights
        scored = [key for key in found if key in weights]
        if len(scored) > 1:
            scored.sort(key=plan.rank.__getitem__)
        score = sum([weights[key] for key in scored])
        reasons: list[str] = []
        notes: list[str] = []
        if score < topic.threshold:
            reasons.append(f"score {score:g} is below the threshold {topic.threshold:g}")
        missing = [g for g in plan.require if found.keys().isdisjoint(g)]
        for group in missing:
            reasons.append(plan.missing[group])
        if not missing and topic.near_words is not None and plan.require:
            span = window(plan.require, found)
            if span > topic.near_words:
                reasons.append(
                    f"required groups are {span} words apart, outside the window of "
                    f"{topic.near_words}"
                )
        for ex in plan.exclude:
            if found.keys().isdisjoint(ex.keys):  # most reports: nothing of the group
                continue
            present = [key for key in ex.keys if key in found]
            # an anchor is strong evidence: found by its own plain spellings (or as a group),
            # not by an ambiguous one that merely had corroboration
            anchors = [
                key for key in ex.unless if key in found and (key in sure or key.startswith("kw:"))
            ]
            if anchors:
                notes.append(f"exclude {', '.join(present)} lifted: found {', '.join(anchors)}")
            elif ex.below is not None and score >= ex.below * topic.threshold:
                notes.append(
                    f"exclude {', '.join(present)} lifted: score {score:g} is at least "
                    f"{ex.below:g} x the threshold"
                )
            else:
                reasons.append(f"excluded: found {', '.join(present)}")
        return TopicResult(
            id=topic.id,
            matched=not reasons,
            score=score,
            threshold=topic.threshold,
            hits=tuple(topic_hits),
            reasons=tuple(reasons),
            terms=tuple(scored),
            notes=tuple(notes),
        )

    def _corroborated(
        self,
        hit: Hit,
        entity: str,
        default: frozenset[str] | tuple[str, ...],
        sure: set[str | None],
        hits: list[Hit],
    ) -> bool:
        """True when an allowed entity (its `corroborated_by`, else `default`) other than the
        hit's own was found unambiguously outside the hit's words (a spelling shared by two
        entities does not vouch for itself)."""
        allowed = self.compiled.corroborators[entity] or default
        witnesses = sure.intersection(allowed)
        witnesses.discard(entity)
        if not witnesses:
            return False
        return any(
            other.entity in witnesses
            and other.counted
            and not other.ambiguous
            and (other.end <= hit.start or other.start >= hit.end)
            for other in hits
        )
