-- 0015_item_keys_recent: the identity index in two parts. Keys filed go into
-- `item_keys_recent`, which holds only what was filed since the daily prune; the prune folds it
-- into `item_keys` in key order (storage.identity.fold_recent), and lookups read both, the
-- recent part's row first. Random keys filed straight into the large table (3,000,000 rows at
-- 1,000,000 stored) dirtied a page each, ~540 pages a COMMIT of a first cycle against ~40 on
-- an empty store; in the small table they share its few pages. Append-only.
CREATE TABLE item_keys_recent (
    key INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                      -- 'url' | 'guid' | 'title'
    ts INTEGER NOT NULL                      -- when the key was filed (title keys expire)
);
CREATE INDEX item_keys_recent_item ON item_keys_recent(item_id);
