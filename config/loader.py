"""Loading rules.yaml: every problem reported at once as `FILE:LINE:COLUMN: message`.

`parse_rules(text, path)` returns a valid `Rules` or raises `RulesError` listing every issue:
YAML syntax (`config.yamlsyntax`, in plain words, going on past a slip), unknown keys (with "did
you mean"), duplicate ids, empty alias lists, bad weights and thresholds, topics naming unknown
entities, bad sources. Nothing is half-loaded. What is valid but likely not meant comes back as
warnings (`Rules.warnings`, or `RulesError.warnings` beside the errors): see `config.lint`. The
topics are read here; the entities in `config.entities`, the other sections in
`config.sections`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node

from config import sections
from config.entities import ENTITY_KEYS as ENTITY_KEYS  # the guide's test reads them here
from config.entities import entity_ref, read_entities, read_labels, read_spellings
from config.lint import lint
from config.model import Entity, Group, Rules, Term, Topic
from config.yamlnodes import Reader
from config.yamlsyntax import compose
from core.errors import RulesError, RulesIssue

if TYPE_CHECKING:
    from pathlib import Path

TOP_KEYS = ("version", "entities", "topics", "sources", "fetch", "delivery", "access", "stories")
TOPIC_KEYS = ("title", "alert", "threshold", "terms", "require", "near", "exclude")
EXCLUDE_KEYS = ("any", "below", "unless")


def load_rules(path: str | Path) -> Rules:
    """Read and validate a rules file; RulesError if it is missing or invalid."""
    name = str(path)
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise RulesError([RulesIssue(name, 1, 1, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError([RulesIssue(name, 1, 1, f"cannot read the file: {exc}")]) from None
    return parse_rules(text, name, exists=file_exists)


def file_exists(path: str) -> bool:
    """Whether a `file` source's path is there (`~` expanded), as loading rules checks it."""
    from pathlib import Path  # only for a file that has a `file` source

    return Path(path).expanduser().exists()


def parse_rules(
    text: str, path: str = "rules.yaml", exists: Callable[[str], bool] | None = None
) -> Rules:
    """The rules in `text`; `exists`, when given, tells whether a `file` source's path is
    there (else that is not checked)."""
    root, syntax_issues = compose(text, path)
    reader = Reader(path)
    if root is None:
        raise RulesError(
            syntax_issues
            or [RulesIssue(path, 1, 1, "the file is empty: it needs entities and topics")]
        )
    top = reader.mapping(root, "the file", TOP_KEYS)
    if top is None:
        raise RulesError(syntax_issues + reader.issues)
    if "version" in top:
        version = reader.text(top["version"][1], "version")
        if version is not None and version != "1":
            reader.error(top["version"][1], f"version {version} is not supported (only 1)")
    entities = read_entities(reader, top["entities"][1]) if "entities" in top else {}
    if "entities" not in top:
        reader.error(root, "missing 'entities:' section")
    if "topics" not in top:
        reader.error(root, "missing 'topics:' section")
    topics = _topics(reader, top["topics"][1], entities) if "topics" in top else {}
    rules = Rules(
        path=path,
        entities=entities,
        topics=topics,
        sources=sections.sources(reader, top["sources"][1]) if "sources" in top else (),
        fetch=sections.fetch(reader, top.get("fetch")),
        delivery=sections.delivery(reader, top.get("delivery"), topics),
        access=sections.access(reader, top.get("access")),
        stories=sections.stories(reader, top.get("stories")),
    )
    if syntax_issues or reader.issues:
        raise RulesError(syntax_issues + reader.issues, reader.warnings)
    lint(reader, root, rules, exists)
    return rules._replace(warnings=tuple(sorted(reader.warnings, key=_place)))


def _place(issue: RulesIssue) -> tuple[int, int]:
    return issue.line, issue.column


def _topics(reader: Reader, node: Node, entities: dict[str, Entity]) -> dict[str, Topic]:
    entries = reader.mapping(node, "topics")
    out: dict[str, Topic] = {}
    for tid, (key_node, value_node) in (entries or {}).items():
        if reader.ident(key_node, "topic id") is None:
            continue
        where = f"topic '{tid}'"
        fields = reader.mapping(value_node, where, TOPIC_KEYS)
        if fields is None:
            continue
        for needed in ("terms", "threshold"):
            if needed not in fields:
                reader.error(key_node, f"{where} has no '{needed}:'")
        alert = "digest"
        if "alert" in fields:
            alert = (
                reader.choice(fields["alert"][1], f"{where}: alert", ("instant", "digest")) or alert
            )
        threshold = (
            reader.number(fields["threshold"][1], f"{where}: threshold")
            if "threshold" in fields
            else None
        )
        before = len(reader.issues)
        terms = _terms(reader, fields["terms"][1], entities, where) if "terms" in fields else ()
        terms_ok = len(reader.issues) == before
        near = None
        if "near" in fields:
            near_fields = reader.mapping(fields["near"][1], f"{where}: near", ("words",))
            if near_fields and "words" in near_fields:
                near = reader.integer(near_fields["words"][1], f"{where}: near.words")
            elif near_fields is not None:
                reader.error(fields["near"][1], f"{where}: near needs 'words: N'")
        require = _groups(reader, fields.get("require"), entities, f"{where}: require")
        exclude = _groups(
            reader, fields.get("exclude"), entities, f"{where}: exclude", EXCLUDE_KEYS
        )
        if near is not None and len(require) < 2:
            reader.error(fields["near"][1], f"{where}: near needs at least two 'require' groups")
        if (
            terms_ok
            and threshold is not None
            and terms
            and threshold > sum(t.weight for t in terms)
        ):
            reader.error(
                fields["threshold"][1],
                f"{where}: threshold {threshold:g} can never be reached: the weights add up to "
                f"{sum(t.weight for t in terms):g}",
            )
        title = read_labels(reader, fields.get("title"), f"{where}: title")
        out[tid] = Topic(
            tid,
            title,
            "instant" if alert == "instant" else "digest",
            threshold or 1.0,
            terms,
            require,
            near,
            exclude,
        )
    return out


def _keyword(reader: Reader, node: Node, what: str) -> Term | None:
    spellings = read_spellings(reader, node, what)
    if not spellings:
        return None
    first = next(iter(spellings.values()))[0]
    return Term(weight=1.0, keyword=spellings, key=f"kw:{first}")


def _terms(reader: Reader, node: Node, entities: dict[str, Entity], where: str) -> tuple[Term, ...]:
    items = reader.sequence(node, f"{where}: terms")
    if items is not None and not items:
        reader.error(node, f"{where}: terms is an empty list")
    out: list[Term] = []
    seen: dict[str, Node] = {}
    for item in items or []:
        fields = reader.mapping(item, f"{where}: a term", ("entity", "keyword", "weight"))
        if fields is None:
            continue
        if ("entity" in fields) == ("keyword" in fields):
            reader.error(
                item, f"{where}: a term names either 'entity:' or 'keyword:' (one of them)"
            )
            continue
        if "weight" not in fields:
            reader.error(item, f"{where}: a term needs 'weight:' (a number above 0)")
            continue
        weight = reader.number(fields["weight"][1], f"{where}: weight")
        term: Term | None
        if "entity" in fields:
            eid = entity_ref(reader, fields["entity"][1], entities, f"{where}: term")
            term = Term(weight=weight or 1.0, entity=eid, key=eid) if eid else None
        else:
            term = _keyword(reader, fields["keyword"][1], f"{where}: keyword")
        if term is None or weight is None:
            continue
        term = Term(weight=weight, entity=term.entity, keyword=term.keyword, key=term.key)
        if term.key in seen:
            reader.error(item, f"{where}: term '{term.key}' is listed twice")
            continue
        seen[term.key] = item
        out.append(term)
    return tuple(out)


def _groups(
    reader: Reader,
    entry: tuple[Node, Node] | None,
    entities: dict[str, Entity],
    where: str,
    keys: tuple[str, ...] = ("any",),
) -> tuple[Group, ...]:
    """`require` groups (`any:` only) or `exclude` groups (`any:`, `below:`, `unless:`)."""
    if entry is None:
        return ()
    items = reader.sequence(entry[1], where)
    out: list[Group] = []
    for item in items or []:
        fields = reader.mapping(item, f"{where}: a group", keys)
        if fields is None:
            continue
        if "any" not in fields:
            reader.error(item, f"{where}: a group is written 'any: [...]'")
            continue
        terms = _members(reader, fields["any"][1], entities, f"{where}: any")
        unless = (
            _members(reader, fields["unless"][1], entities, f"{where}: unless")
            if "unless" in fields
            else []
        )
        below = None
        if "below" in fields:
            below = reader.number(fields["below"][1], f"{where}: below")
            if below is not None and below <= 1:
                reader.error(
                    fields["below"][1],
                    f"{where}: below {below:g} would never veto a match: it is a multiple of "
                    "the threshold above 1 (e.g. 2: veto only under twice the threshold)",
                )
                below = None
        if terms:
            out.append(Group(tuple(terms), below, tuple(unless)))
    return tuple(out)


def _members(reader: Reader, node: Node, entities: dict[str, Entity], where: str) -> list[Term]:
    """A non-empty list of entity ids and `{keyword: {...}}` members."""
    members = reader.sequence(node, where)
    if members is not None and not members:
        reader.error(node, f"{where} is an empty list")
    terms: list[Term] = []
    for member in members or []:
        if isinstance(member, MappingNode):
            kw = reader.mapping(member, f"{where}: a keyword member", ("keyword",))
            term = (
                _keyword(reader, kw["keyword"][1], f"{where}: keyword")
                if kw and "keyword" in kw
                else None
            )
            if kw is not None and "keyword" not in kw:
                reader.error(member, f"{where}: a member is an entity id or 'keyword: {{...}}'")
        else:
            eid = entity_ref(reader, member, entities, where)
            term = Term(weight=1.0, entity=eid, key=eid) if eid else None
        if term is not None:
            terms.append(term)
    return terms
