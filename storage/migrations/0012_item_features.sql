-- 0012_item_features: a report's clustering features (stories.cluster.Features JSON) move out
-- of `items` into a table of their own, `ts` the POSIX second the report was first seen.
-- Features are read only while a report is in the clustering window; storage.retention deletes
-- the rows older than twice the window, which frees whole pages that later rows reuse. Kept in
-- `items` and cleared there, they left each row's page half empty for the retention period (a
-- new report appends to the table's last page, never to an old one): 2.0 KB of file a report
-- against 0.8 KB with the features apart, in a test of 60-word reports. The column goes
-- (SQLite rewrites `items` once).
CREATE TABLE item_features (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    ts INTEGER NOT NULL,
    features TEXT NOT NULL
);
INSERT INTO item_features(item_id, ts, features)
    SELECT id, CAST(strftime('%s', first_seen) AS INTEGER), features FROM items
    WHERE features != '{}';
ALTER TABLE items DROP COLUMN features;
