-- 0014_cluster_keys_recent: the near-duplicate index in two parts. New reports' LSH band keys
-- go into `cluster_keys_recent`, which holds only what was filed since the daily prune; the
-- prune folds it into `cluster_keys` in key order (storage.candidates.fold_recent), and
-- lookups read both. Random keys filed straight into the large table (711,000 rows at
-- 1,000,000 stored) dirtied a page each, ~1,560 pages a COMMIT of a first cycle against ~160
-- on an empty store; in the small table they share its few pages. Append-only.
CREATE TABLE cluster_keys_recent (
    key INTEGER NOT NULL,
    item_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (key, item_id)
) WITHOUT ROWID;
