-- 0013_story_merges: the history of story merges, one row a merge. A merge used to append
-- "; in story INTO since item BY" to the reason of every member of the story merged, so a
-- report whose story was merged again and again carried a suffix a merge (most of what
-- `story_items` cost in a busy first cycle). Now a merge is one row of `story_merges`, and a
-- member moved by merges keeps the first of them (`story_items.merge_id`, NULL for the others):
-- its later ones are the merges of the story each went into (storage.merges, which shows a
-- member's reason as before). Append-only: change the schema in a new file.
CREATE TABLE story_merges (
    id INTEGER PRIMARY KEY,           -- in the order the merges happened
    story_id INTEGER,                 -- the story merged (NULL: an old reason did not say)
    into_id INTEGER NOT NULL,         -- the story it went into
    by_item INTEGER NOT NULL,         -- the report that showed the two one event
    ts INTEGER NOT NULL               -- POSIX second of the merge
);
CREATE INDEX story_merges_story ON story_merges(story_id) WHERE story_id IS NOT NULL;
ALTER TABLE story_items ADD COLUMN merge_id INTEGER;

-- Converting the suffixes stored: each member's reason is cut at its first "; in story ", and
-- the rest into its suffixes, in order (n = 1, 2, ...). A member any of whose suffixes is not
-- exactly "; in story N since item M" keeps its reason as it is.
CREATE TEMP TABLE merge_steps AS
WITH RECURSIVE split(item_id, joined, n, rest, step) AS (
    SELECT item_id, CAST(strftime('%s', joined_at) AS INTEGER), 0,
           substr(reason, instr(reason, '; in story ')), NULL
    FROM story_items WHERE instr(reason, '; in story ') > 0
    UNION ALL
    SELECT item_id, joined, n + 1,
           CASE WHEN instr(substr(rest, 2), '; in story ') > 0
                THEN substr(rest, 1 + instr(substr(rest, 2), '; in story ')) ELSE '' END,
           CASE WHEN instr(substr(rest, 2), '; in story ') > 0
                THEN substr(rest, 1, instr(substr(rest, 2), '; in story ')) ELSE rest END
    FROM split WHERE rest != ''
)
SELECT item_id, joined, n, step,
       CAST(substr(step, 12) AS INTEGER) AS into_id,
       CAST(substr(step, instr(step, ' since item ') + 12) AS INTEGER) AS by_item
FROM split WHERE n > 0;
CREATE INDEX temp.merge_steps_item ON merge_steps(item_id, n);
CREATE INDEX temp.merge_steps_merge ON merge_steps(into_id, by_item);
DELETE FROM merge_steps WHERE item_id IN (
    SELECT item_id FROM merge_steps
    WHERE step != '; in story ' || into_id || ' since item ' || by_item
);

-- The merges: a suffix after the first names the story merged (the one the suffix before put
-- the member in); a first suffix names it only through the report that merged it, when that
-- report's reason ends "; merged stories N into it" with one story. The time is that report's
-- joining, else the latest joining of the members it moved.
CREATE TEMP TABLE merge_rows AS
SELECT DISTINCT b.story_id, s.into_id, s.by_item FROM merge_steps s
JOIN (SELECT item_id, n + 1 AS n, into_id AS story_id FROM merge_steps) b
    ON b.item_id = s.item_id AND b.n = s.n;
CREATE INDEX temp.merge_rows_merge ON merge_rows(into_id, by_item);
INSERT INTO merge_rows(story_id, into_id, by_item)
SELECT DISTINCT
    (SELECT CAST(substr(r.proper, r.at + 17) AS INTEGER) FROM
        (SELECT p.proper, instr(p.proper, '; merged stories ') AS at FROM
            (SELECT CASE WHEN instr(reason, '; in story ') > 0
                         THEN substr(reason, 1, instr(reason, '; in story ') - 1)
                         ELSE reason END AS proper
             FROM story_items WHERE item_id = s.by_item) p) r
     WHERE r.at > 0 AND r.proper LIKE '% into it'
       AND instr(substr(r.proper, r.at + 17), ',') = 0),
    s.into_id, s.by_item
FROM merge_steps s
WHERE s.n = 1 AND NOT EXISTS (
    SELECT 1 FROM merge_rows m WHERE m.into_id = s.into_id AND m.by_item = s.by_item
);
INSERT INTO story_merges(story_id, into_id, by_item, ts)
SELECT m.story_id, m.into_id, m.by_item, coalesce(
    (SELECT CAST(strftime('%s', joined_at) AS INTEGER) FROM story_items
     WHERE item_id = m.by_item),
    (SELECT max(joined) FROM merge_steps s
     WHERE s.into_id = m.into_id AND s.by_item = m.by_item)) AS ts
FROM merge_rows m ORDER BY ts, m.by_item, m.story_id;
CREATE INDEX story_merges_merge ON story_merges(into_id, by_item);

-- A member keeps its first merge; it is converted when following the merges from there (each
-- the next merge of the story the one before went into, as storage.merges follows them) gives
-- its suffixes back, all and in order.
UPDATE story_items SET merge_id = (
    SELECT min(m.id) FROM story_merges m JOIN merge_steps s
        ON s.into_id = m.into_id AND s.by_item = m.by_item
    WHERE s.item_id = story_items.item_id AND s.n = 1
) WHERE item_id IN (SELECT item_id FROM merge_steps);
CREATE TEMP TABLE merge_walks AS
WITH RECURSIVE walk(item_id, k, id, into_id, by_item) AS (
    SELECT si.item_id, 1, m.id, m.into_id, m.by_item FROM story_items si
    JOIN story_merges m ON m.id = si.merge_id
    UNION ALL
    SELECT w.item_id, w.k + 1, m.id, m.into_id, m.by_item FROM walk w
    JOIN story_merges m ON m.id = (
        SELECT min(id) FROM story_merges WHERE story_id = w.into_id AND id > w.id)
)
SELECT item_id, k, into_id, by_item FROM walk;
CREATE INDEX temp.merge_walks_item ON merge_walks(item_id, k);
UPDATE story_items SET merge_id = NULL WHERE merge_id IS NOT NULL AND (
    EXISTS (SELECT 1 FROM merge_steps s WHERE s.item_id = story_items.item_id
            AND NOT EXISTS (SELECT 1 FROM merge_walks w WHERE w.item_id = s.item_id
                            AND w.k = s.n AND w.into_id = s.into_id AND w.by_item = s.by_item))
    OR (SELECT count(*) FROM merge_walks w WHERE w.item_id = story_items.item_id)
       != (SELECT count(*) FROM merge_steps s WHERE s.item_id = story_items.item_id)
);
UPDATE story_items SET reason = substr(reason, 1, instr(reason, '; in story ') - 1)
WHERE merge_id IS NOT NULL;
DROP INDEX story_merges_merge;
DROP TABLE merge_steps;
DROP TABLE merge_rows;
DROP TABLE merge_walks;
