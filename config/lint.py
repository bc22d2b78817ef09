"""What a valid rules file may still get wrong: warnings, located like errors, that `check`
shows (the file loads all the same).

Read from the node tree once the rules are known: a `not_in` phrase that holds none of its
entity's spellings (it can never block anything), a spelling that looks like a regular
expression (no pattern ever runs: it matches its letters as words), one spelling under two
entities (both are found wherever it is), a source polled more often than `fetch: min_every`,
and a `file` source whose path does not exist (when the caller can look: `exists`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from config.model import SOURCE_KINDS, Rules
from config.yamlnodes import Reader
from core import duration
from core.text import normalize, proclitic_forms

# \b \d \s..., .* .+, (a|b), [abc], a leading ^ or a trailing $: what a regex writer types
_REGEX = re.compile(r"\\[a-zA-Z.\\]|\.[*+?]|\|.*|\[[^\]]*\]|\(\?|^\^|\$$")
Spelling = tuple[str, bool]  # normalised words, and whether it ends in a wildcard


def lint(
    reader: Reader, root: Node, rules: Rules, exists: Callable[[str], bool] | None = None
) -> None:
    """Record on `reader` every warning about the valid `rules` read from `root`."""
    entities = _child(root, "entities")
    # by layer (events apart: their spellings never meet another kind's), the first owner
    owners: dict[tuple[bool, Spelling], tuple[str, Node]] = {}
    for eid, fields in _entries(entities):
        spellings: list[Spelling] = []
        event = eid in rules.entities and rules.entities[eid].kind == "event"
        for role in ("aliases", "ambiguous"):
            for node in _spellings(_child(fields, role)):
                spelling = _spelling(str(node.value))
                spellings.append(spelling)
                _regex_like(reader, node, eid)
                first = owners.setdefault((event, spelling), (eid, node))
                if first[0] != eid:
                    reader.warn(
                        node,
                        f"entity '{eid}': '{node.value}' is also a spelling of entity "
                        f"'{first[0]}' (line {first[1].start_mark.line + 1}): both are found "
                        "wherever it occurs",
                    )
        for node in _spellings(_child(fields, "not_in")):
            if not any(_contains(normalize(str(node.value)).split(), s) for s in spellings):
                reader.warn(
                    node,
                    f"entity '{eid}': not_in '{node.value}' contains none of its spellings, "
                    "so it never blocks one (a not_in phrase is a spelling in its context, "
                    "such as 'Richard Wagner' for Wagner)",
                )
    _sources(reader, root, rules, exists)


def _sources(
    reader: Reader, root: Node, rules: Rules, exists: Callable[[str], bool] | None
) -> None:
    by_name = {s.name: s for s in rules.sources}
    for item in _items(_child(root, "sources")):
        name = _child(item, "name")
        source = by_name.get(str(name.value)) if isinstance(name, ScalarNode) else None
        if source is None:
            continue
        every = _child(item, "every")
        if every is not None and source.every_s < rules.fetch.min_every_s:
            reader.warn(
                every,
                f"source '{source.name}': every {duration.shown(source.every_s)} is more "
                f"often than fetch: min_every ({duration.shown(rules.fetch.min_every_s)}); "
                f"it is polled every {duration.shown(source.every_s)} all the same "
                "(min_every bounds only a feed's own hints): raise every or lower min_every",
            )
        path = _child(item, "path")
        reads_path = SOURCE_KINDS[source.kind].reads == "path"
        if reads_path and path is not None and exists and not exists(source.path):
            reader.warn(
                path,
                f"source '{source.name}': '{source.path}' does not exist (a relative path is "
                "read from the folder the service runs in); it will fail until it does",
            )


def _regex_like(reader: Reader, node: ScalarNode, eid: str) -> None:
    value = str(node.value)
    if _REGEX.search(value.removesuffix("*")):
        reader.warn(
            node,
            f"entity '{eid}': '{value}' looks like a regular expression, but spellings are "
            f"plain words (no pattern ever runs): it matches the words "
            f"'{normalize(value.removesuffix('*'))}'. Write each spelling out; a trailing * "
            "allows any ending",
        )


def _spelling(value: str) -> Spelling:
    return normalize(value.removesuffix("*")), value.endswith("*")


def _contains(phrase: list[str], spelling: Spelling) -> bool:
    """Whether the spelling's words occur in the phrase's (a proclitic on the first, any
    ending on the last when it is a wildcard), as the matcher would find them."""
    text, wildcard = spelling
    words = text.split()
    if not words:
        return False
    heads = {words[0], *proclitic_forms(words[0])}
    for at in range(len(phrase) - len(words) + 1):
        window = phrase[at : at + len(words)]
        ok = all(
            (
                any(w.startswith(h) for h in heads) if wildcard and i == len(words) - 1
                else w in heads
            )
            if i == 0
            else (w.startswith(words[i]) if wildcard and i == len(words) - 1 else w == words[i])
            for i, w in enumerate(window)
        )  # fmt: skip
        if ok:
            return True
    return False


# -- walking the node tree of a file already known to be valid -----------------------------------


def _child(node: Node | None, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    for key_node, value in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return value  # type: ignore[no-any-return]  # PyYAML's nodes are untyped
    return None


def _entries(node: Node | None) -> Iterator[tuple[str, Node]]:
    if isinstance(node, MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, ScalarNode):
                yield str(key_node.value), value


def _items(node: Node | None) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value


def _spellings(node: Node | None) -> Iterator[ScalarNode]:
    """The scalar nodes of a `{lang: [spellings]}` mapping (a single spelling counts)."""
    for _, value in _entries(node):
        for item in [value] if isinstance(value, ScalarNode) else _items(value):
            if isinstance(item, ScalarNode):
                yield item
