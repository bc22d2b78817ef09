"""Why a document matched or missed, for people (`Explainer.text`) and for programs
(`Explainer.json`, the versioned shape of `explain --json` that README documents).

Each hit is written once, numbered from 1 in the text and indexed from 0 in the JSON; topics
refer to hits by number or index. A hit's language is the one the rules list its spelling
under (all of them when several list it), not the language of the document. Word positions
are counted from 1 within the hit's field (title or text).
"""

from __future__ import annotations

from typing import Any

from config.model import Rules, Term
from core.text import normalize
from matching.result import Hit, MatchResult, TopicResult

KEPT = 50_000  # lines kept for the text by what they say, before they are forgotten
SCHEMA = 2  # the version of the JSON shape; raised whenever the shape changes


class Explainer:
    """Explains the results of one rules file's matcher."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._weights = {
            tid: {t.key: t.weight for t in topic.terms} for tid, topic in rules.topics.items()
        }
        self._langs: dict[tuple[str, str], list[str]] = {}
        # by owner (entity, keyword): its spellings, each with the languages it is listed under
        self._spellings: dict[tuple[str | None, str | None], dict[tuple[str, bool], list[str]]] = {}
        self._plain: dict[str, str] = {}  # a spelling normalised, without its '*'
        self._names: dict[str, str] = {}  # an entity's id and label
        self._whats: dict[tuple[Any, ...], str] = {}  # a hit in words, by what it says
        self._lines: dict[tuple[Any, ...], str] = {}  # a topic's line, by what it says

    # -- shared --------------------------------------------------------------------------------

    def langs(self, hit: Hit) -> list[str]:
        """The languages the rules list the hit's spelling under (equal once normalised)."""
        owner = hit.entity or hit.keyword or ""
        key = (owner, hit.term)
        langs = self._langs.get(key)
        if langs is None:
            owner_key = (hit.entity, hit.keyword)
            spellings = self._spellings.get(owner_key)
            if spellings is None:
                spellings = self._spellings[owner_key] = _spelling_langs(self.rules, hit)
            want = (self._plain_of(hit.term), hit.term.endswith("*"))
            langs = list(spellings.get(want, ())) or ([hit.lang] if hit.lang else [])
            self._langs[key] = langs
        return langs

    def _plain_of(self, term: str) -> str:
        """A spelling normalised, without its '*' (kept)."""
        plain = self._plain.get(term)
        if plain is None:
            plain = self._plain[term] = normalize(term.removesuffix("*"))
        return plain

    @staticmethod
    def topic_hits(
        topic: TopicResult, result: MatchResult, by_id: dict[int, int]
    ) -> tuple[list[int], list[int]]:
        """(the indices in `result.hits` of the topic's hits, those of them it leaves
        uncorroborated). `by_id` is the index of each hit of `result.hits` by its id()."""
        try:  # most topics: every hit is one of the document's own
            return [by_id[id(h)] for h in topic.hits], []
        except KeyError:
            pass
        by_place = {(h.start, h.end, h.entity, h.keyword): i for i, h in enumerate(result.hits)}
        found: list[int] = []
        doubted: list[int] = []
        for h in topic.hits:
            index = by_id.get(id(h))
            if index is None:  # the topic's own copy: ambiguous, not corroborated for it
                index = by_place[(h.start, h.end, h.entity, h.keyword)]
                doubted.append(index)
            found.append(index)
        return found, doubted

    # -- for programs --------------------------------------------------------------------------

    def json(self, result: MatchResult) -> dict[str, Any]:
        """The JSON shape (schema 2) of one document's result."""
        by_id: dict[int, int] = {}
        hits: list[dict[str, Any]] = []
        word = result.word
        for index, h in enumerate(result.hits):
            by_id[id(h)] = index
            chars = h.chars
            hits.append(
                {
                    "term": h.term,
                    "entity": h.entity,
                    "keyword": h.keyword,
                    "langs": self.langs(h),
                    "field": h.field,
                    "word": word(h),
                    "words": h.end - h.start,
                    "chars": [chars[0], chars[1]] if chars else None,
                    "matched": h.matched,
                    "snippet": h.snippet,
                    "ambiguous": h.ambiguous,
                    "counted": h.counted,
                    "why": h.why,
                }
            )
        topics = []
        for t in result.topics:
            found, doubted = self.topic_hits(t, result, by_id) if t.hits else ([], [])
            weights = self._weights.get(t.id, {})
            topics.append(
                {
                    "id": t.id,
                    "verdict": t.verdict,
                    "matched": t.matched,
                    "score": t.score,
                    "threshold": t.threshold,
                    "terms": {key: weights.get(key) for key in t.terms},
                    "hits": found,
                    "uncorroborated": doubted,
                    "reasons": list(t.reasons),
                    "notes": list(t.notes),
                }
            )
        return {
            "schema": SCHEMA,
            "id": result.doc_id,
            "entities": list(result.entities),
            "hits": hits,
            "topics": topics,
        }

    # -- for people ----------------------------------------------------------------------------

    def text(self, result: MatchResult, verbose: bool = False) -> str:
        """What `explain` prints for one document: per topic its verdict, score against
        threshold and the terms that scored with their weights; the hits once, numbered.
        Compact: a place where several things were found is one line, and hits that do not
        count anywhere are only counted; `verbose`: every hit with its snippet, and every
        topic's hits and reasons."""
        lines = [f"== {result.doc_id}"]
        names = [self._names.get(e) or self._name(e) for e in result.entities]
        lines.append(f"  entities: {', '.join(names) if names else '(none)'}")
        by_id = {id(h): i for i, h in enumerate(result.hits)}
        per_topic = {t.id: self.topic_hits(t, result, by_id) for t in result.topics if t.hits}
        doubted_by: dict[int, list[str]] = {}
        for tid, (_, doubted) in per_topic.items():
            for index in doubted:
                doubted_by.setdefault(index, []).append(tid)
        number = self._hit_lines(result, verbose, doubted_by, lines)
        for t in result.topics:
            lines.append(self._topic_line(t))
            if verbose and t.id in per_topic:
                found, _ = per_topic[t.id]
                shown = sorted({number[i] for i in found if i in number})
                if shown:
                    lines.append(f"    hits: {', '.join(str(n) for n in shown)}")
            if verbose or t.near_miss:
                lines.extend(f"    why not: {reason}" for reason in t.reasons if t.score > 0)
            lines.extend(f"    note: {note}" for note in t.notes)
        return "\n".join(lines)

    def _name(self, entity: str) -> str:
        """An entity as the text names it: its id and English label (kept)."""
        name = self._names[entity] = f"{entity} ({self.rules.entities[entity].label('en')})"
        return name

    def _hit_lines(
        self,
        result: MatchResult,
        verbose: bool,
        doubted_by: dict[int, list[str]],
        lines: list[str],
    ) -> dict[int, int]:
        """Append the hit lines; return each hit's number by its index (a place found by
        several hits shares one number in the compact form)."""
        number: dict[int, int] = {}
        places: dict[tuple[str, int, int], int] = {}
        hidden = 0
        out: list[list[str]] = []
        for index, h in enumerate(result.hits):
            if not h.counted and not verbose:
                hidden += 1
                continue
            place = (h.field, h.start, h.end)
            what = self._what(h, doubted_by.get(index, ()))
            if not verbose and place in places:
                number[index] = places[place]
                out[places[place] - 1].append(what)
                continue
            head = f"{h.field} word {result.word(h)}: "
            if verbose and h.snippet:
                what += f"\n         “{h.snippet}”"
            out.append([head, what])
            places[place] = number[index] = len(out)
        if out:
            lines.append("  hits:")
            for n, (head, *whats) in enumerate(out, 1):
                lines.append(f"    {n}. {head}{'; '.join(whats)}")
        if hidden:
            lines.append(f"    ({hidden} more inside a longer match or a not_in phrase: --verbose)")
        return number

    def _what(self, h: Hit, doubted_in: list[str] | tuple[()]) -> str:
        """One hit in words (`_describe`), kept: a stream repeats the same few thousand."""
        key: tuple[Any, ...] = (h.entity, h.keyword, h.term, h.matched, h.lang, h.ambiguous)
        key += (h.counted, h.why, *doubted_in)
        what = self._whats.get(key)
        if what is None:
            if len(self._whats) >= KEPT:
                self._whats.clear()
            what = self._whats[key] = self._describe(h, doubted_in)
        return what

    def _describe(self, h: Hit, doubted_in: list[str] | tuple[()]) -> str:
        """One hit in words: spelling, its languages, what it found, and its flags."""
        langs = "/".join(self.langs(h))
        spelled = f"'{h.term}' ({langs})" if langs else h.term
        if h.entity:
            found = f"{spelled} -> {h.entity}"
        else:
            topic = (h.keyword or "").split(":", 1)[0]
            found = f"{spelled} -> keyword of {topic}"
        if h.matched != self._plain_of(h.term) and h.lang:
            found += f", matched '{h.matched}'"
        if not h.counted:
            found += f" [not counted: {h.why}]"
        elif doubted_in:
            found += f" [ambiguous, not corroborated for {', '.join(doubted_in)}]"
        elif h.ambiguous:
            found += " [ambiguous, corroborated]"
        return found

    def _topic_line(self, t: TopicResult) -> str:
        """A topic's verdict, score and terms in one line (kept, like `_what`)."""
        key = (t.id, t.matched, t.score, t.threshold, t.terms)
        line = self._lines.get(key)
        if line is None:
            if len(self._lines) >= KEPT:
                self._lines.clear()
            line = self._lines[key] = self._verdict_line(t)
        return line

    def _verdict_line(self, t: TopicResult) -> str:
        head = f"  {t.id}: {t.verdict.upper() if t.matched else t.verdict}"
        if not t.score:
            return head
        weights = self._weights.get(t.id, {})
        terms = " + ".join(f"{key} {weights.get(key, 0):g}" for key in t.terms)
        return f"{head}, score {t.score:g} / threshold {t.threshold:g}: {terms}"


def _spelling_langs(rules: Rules, hit: Hit) -> dict[tuple[str, bool], list[str]]:
    """Every spelling the owner of `hit` lists (normalised, without its '*'; and whether it had
    one), with the languages it is listed under, in the rules' order."""
    tables: list[dict[str, tuple[str, ...]]] = []
    if hit.entity and hit.entity in rules.entities:
        entity = rules.entities[hit.entity]
        tables = [entity.aliases, entity.ambiguous]
    elif hit.keyword:
        tid, _, key = hit.keyword.partition(":")
        topic = rules.topics.get(tid)
        if topic is not None:
            terms: list[Term] = list(topic.terms)
            for group in (*topic.require, *topic.exclude):
                terms += [*group.members, *group.unless]
            tables = [t.keyword for t in terms if t.key == key and t.keyword]
    out: dict[tuple[str, bool], list[str]] = {}
    for table in tables:
        for lang, values in table.items():
            for value in values:
                spelled = (normalize(value.removesuffix("*")), value.endswith("*"))
                langs = out.setdefault(spelled, [])
                if lang not in langs:
                    langs.append(lang)
    return out
