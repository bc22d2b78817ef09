-- 0010_all_topics: a subscriber may follow all topics, those the operator adds later included
-- (`all_topics` = 1; `topics` is then not read), and the topics subscribers were told of
-- (`topics_announced`), so that a topic added to rules.yaml is announced once to the
-- subscribers who chose their topics one by one. Append-only: change the schema in a new file.
ALTER TABLE subscribers ADD COLUMN all_topics INTEGER NOT NULL DEFAULT 0;
CREATE TABLE topics_announced (
    topic TEXT PRIMARY KEY,
    at TEXT NOT NULL
) WITHOUT ROWID;
