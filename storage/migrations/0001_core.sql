-- 0001_core: sources and their health, items, their identity keys, matches with explanations,
-- stories, the clustering index and full-text search. Append-only: change the schema in a new file.
-- Times are ISO 8601 UTC text ('2026-08-13T04:24:00+00:00', comparable as text); the index tables
-- use integer POSIX seconds.

-- One row per source: what the watchers remember between polls (core.health.SourceHealth).
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    last_attempt TEXT,
    last_success TEXT,
    status INTEGER,
    items_seen INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_check TEXT,
    paused INTEGER NOT NULL DEFAULT 0,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT ''
);

-- A story: many reports of one event. The representative's title/url/source are copied here so
-- that a story outlives the pruning of its items (delivery records reference stories(id)).
CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    rep_item_id INTEGER,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT '',
    published TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    sources TEXT NOT NULL DEFAULT '[]',      -- JSON list, representative's source first
    languages TEXT NOT NULL DEFAULT '[]',    -- JSON list
    entities TEXT NOT NULL DEFAULT '[]',     -- JSON list of entity ids
    item_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stories_first_seen ON stories(first_seen);

-- The topics a story's items matched, with when the story first matched each.
CREATE TABLE story_topics (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    first_at TEXT NOT NULL,
    PRIMARY KEY (story_id, topic)
) WITHOUT ROWID;
CREATE INDEX story_topics_topic ON story_topics(topic, story_id);

-- Every report seen, once. `features` is the clustering record (stories.cluster.Features JSON).
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    guid TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    published TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    updated_at TEXT,
    content_hash TEXT NOT NULL,
    entities TEXT NOT NULL DEFAULT '[]',     -- JSON list of entity ids counted
    features TEXT NOT NULL DEFAULT '{}',
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX items_first_seen ON items(first_seen);
CREATE INDEX items_last_seen ON items(last_seen);

-- Identity keys (64-bit hashes) of an item: canonical URL, source + GUID, source + title
-- fingerprint. An incoming report with any known key is the item seen again.
CREATE TABLE item_keys (
    key INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                      -- 'url' | 'guid' | 'title'
    ts INTEGER NOT NULL                      -- when the key was filed (title keys expire)
);
CREATE INDEX item_keys_item ON item_keys(item_id);

-- Which story each item belongs to, and why it joined.
CREATE TABLE story_items (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    reason TEXT NOT NULL DEFAULT '',
    score REAL,
    joined_at TEXT NOT NULL
);
CREATE INDEX story_items_story ON story_items(story_id, item_id);

-- Topic verdicts worth keeping (matched, or scored above zero), with the explanation as JSON.
CREATE TABLE matches (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    matched INTEGER NOT NULL,
    score REAL NOT NULL,
    explanation TEXT NOT NULL,
    PRIMARY KEY (item_id, topic)
) WITHOUT ROWID;

-- The clustering index: LSH band keys and entity-pair keys of recent items (window-bound:
-- rows older than the clustering window are pruned), so candidates come by lookup.
CREATE TABLE cluster_keys (
    key INTEGER NOT NULL,
    item_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (key, item_id)
) WITHOUT ROWID;

-- Full-text search over normalised title and body (matching.normalize applied before indexing
-- and to queries); rowid = items.id. columnsize=0: no per-row size record to write on every
-- ingest (results are ordered newest first, so bm25 is only computed for the rows returned).
CREATE VIRTUAL TABLE items_fts USING fts5(
    title, body, tokenize = 'unicode61 remove_diacritics 0', columnsize = 0
);
-- Fewer, larger incremental merges: halves the cost of the commit after each ingest.
INSERT INTO items_fts(items_fts, rank) VALUES ('automerge', 16);
