"""The typed, validated form of rules.yaml. Plain frozen data; nothing here does I/O.

Every stage receives the part it needs (a `Topic`, a `Source`, `Delivery` settings) from a
`Rules` object produced by `config.loader`. Defaults here are the documented defaults of the
operator's guide in README.md.

Each is a named tuple (a changed copy: `rules._replace(...)`), as immutable as a frozen
dataclass and a quarter of its cost to define: every command that reads the rules imports this
module, and its twelve classes as dataclasses (with `dataclasses` itself) took a third of
`check`'s start-up (bench/bench_startup.py). No field has a mutable default: a named tuple
would share it between instances.
"""

# No `from __future__ import annotations` here: `typing.NamedTuple` would compile each field's
# annotation string (a quarter of this module's import); evaluated, they cost next to nothing.
from typing import Literal, NamedTuple

from core.entities import EntityKinds
from core.errors import RulesIssue

# The languages the monitor reads: the rules spell names in them, its sources write in them.
LANGS = ("ar", "fr", "en", "ru")
# The languages its interface speaks (subscribers' /lang, delivery: default_lang): a part of
# LANGS. The one list; the bot's own words per language live in delivery/i18n.py.
INTERFACE_LANGS = ("ar", "fr", "en")
ENTITY_KINDS = ("person", "organisation", "place", "region", "theme", "event", "other")
AlertMode = Literal["instant", "digest"]


class Entity(NamedTuple):
    """Something the monitor recognises, with its spellings per language.

    `aliases` count on their own; `ambiguous` aliases count only when another entity of the same
    topic (or one of `corroborated_by`, anywhere in the report) is found in other words of the
    document; `not_in` lists phrases that contain an alias but mean something else ("Richard
    Wagner", "Niger State"): an alias inside such a phrase never counts. An entity with
    `members` is also found when at least `at_least` of those entities are found. An entity of
    kind `event` names a kind of happening (a coup, a visit): its spellings form a layer of
    their own in matching, and story clustering compares reports by them. `within` is the place
    a place lies in (Benghazi within Libya), so that clustering takes a report naming the city
    as naming the country too.
    """

    id: str
    kind: str
    labels: dict[str, str]
    aliases: dict[str, tuple[str, ...]]
    ambiguous: dict[str, tuple[str, ...]]
    not_in: dict[str, tuple[str, ...]]
    corroborated_by: tuple[str, ...] = ()  # when set, only these entities corroborate
    within: str = ""  # the id of the place this place lies in ("" when none)
    # A group ("these together"): also found when at least `at_least` of `members` are.
    members: tuple[str, ...] = ()
    at_least: int = 0

    def label(self, lang: str) -> str:
        """The entity's name for a reader of `lang` (falls back to English, then the id)."""
        return self.labels.get(lang) or self.labels.get("en") or self.id.replace("_", " ")


class Term(NamedTuple):
    """A weighted term of a topic: an entity id, or an inline keyword list per language."""

    weight: float
    entity: str | None = None
    keyword: dict[str, tuple[str, ...]] | None = None
    key: str = ""  # stable id: the entity id, or "kw:<first keyword>"


class Group(NamedTuple):
    """`any: [...]` in require/exclude: holds when any member (entity id or keyword) is found.

    Only an exclude group has the other two: it vetoes only while the topic's score is below
    `below` times its threshold (when set), and never when one of `unless` is found."""

    members: tuple[Term, ...]
    below: float | None = None
    unless: tuple[Term, ...] = ()


class Topic(NamedTuple):
    id: str
    title: dict[str, str]
    alert: AlertMode
    threshold: float
    terms: tuple[Term, ...]
    require: tuple[Group, ...] = ()
    near_words: int | None = None
    exclude: tuple[Group, ...] = ()

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.id.replace("_", " ")


class SourceKind(NamedTuple):
    """What rules.yaml says of one kind of source: the field naming what it reads (required),
    and the fields of url/query/channel/path it also takes (`url:` replacing the public
    endpoint). How the watchers poll and parse each kind: watchers.kinds, keyed the same."""

    reads: str
    also: tuple[str, ...] = ()


# Every kind of source, by the name rules.yaml gives it.
SOURCE_KINDS: dict[str, SourceKind] = {
    "rss": SourceKind("url"),
    "gdelt": SourceKind("query", also=("url",)),
    "google_news": SourceKind("query", also=("url",)),
    "telegram_channel": SourceKind("channel", also=("url",)),
    "file": SourceKind("path"),
}
SOURCE_FIELDS = ("url", "query", "channel", "path")  # the fields that say what a source reads


class Source(NamedTuple):
    """One place news comes from. Exactly one of url/query/channel/path is set, by kind."""

    name: str
    kind: str
    every_s: float
    url: str = ""
    query: str = ""
    channel: str = ""
    path: str = ""
    lang: str = ""
    country: str = ""  # gdelt sourcecountry / google_news region (gl)
    full_text: bool = False
    enabled: bool = True


class Fetch(NamedTuple):
    """Politeness and safety limits shared by every watcher."""

    user_agent: str = "SahelWatch/0.1 (+https://github.com/sahel-watch; self-hosted news monitor)"
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    per_host: int = 2
    concurrency: int = 50
    min_every_s: float = 60.0
    max_every_s: float = 6 * 3600.0
    jitter: float = 0.1
    failures_before_pause: int = 5
    pause_s: float = 3600.0
    parse_workers: int | None = None  # processes parsing feeds; 0: in a thread; None: auto


class Delivery(NamedTuple):
    """Defaults for new subscribers and digest composition."""

    default_topics: tuple[str, ...] = ()  # empty means every topic
    default_mode: Literal["instant", "hourly", "daily"] = "instant"
    daily_at: str = "07:00"
    timezone: str = "UTC"
    default_lang: str = "en"
    max_stories_per_digest: int = 40


class Access(NamedTuple):
    mode: Literal["open", "allowlist"] = "open"
    admins: tuple[int, ...] = ()
    allow: tuple[int, ...] = ()


class Surge(NamedTuple):
    """A story of a digest-only topic pushed at once: `outlets` outlets in at least
    `languages` languages within `within_hours` of its first report."""

    outlets: int = 5
    languages: int = 2
    within_hours: float = 6.0


class Stories(NamedTuple):
    """Clustering, alert editing, surges and retention."""

    window_hours: float = 48.0
    similarity: float = 0.55
    event_score: float = 4.0  # what a report must score against a story to join it
    edit_within_hours: float = 24.0  # how long a sent alert is edited as outlets join
    surge: Surge | None = Surge()  # None: never
    retention_days: float = 90.0


class Rules(NamedTuple):
    path: str
    entities: dict[str, Entity]
    topics: dict[str, Topic]
    sources: tuple[Source, ...] = ()
    fetch: Fetch = Fetch()
    delivery: Delivery = Delivery()
    access: Access = Access()
    stories: Stories = Stories()
    # what `check` warns about (valid, but likely not meant)
    warnings: tuple[RulesIssue, ...] = ()

    def entity_kinds(self) -> EntityKinds:
        """Entity id -> kind (person, place, organisation, ...), as the store files them, with
        the places each place lies in."""
        return EntityKinds(
            {e.id: e.kind for e in self.entities.values()},
            {e.id: e.within for e in self.entities.values() if e.within},
        )
