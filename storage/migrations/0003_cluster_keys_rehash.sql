-- 0003_cluster_keys_rehash: LSH band keys are now computed from vectorised n-gram hashes
-- (stories/fingerprint.py), and keys filed before can never meet new ones. The clustering index
-- is derived data: it is emptied here, and the store re-files every report of the last two
-- clustering windows from its stored features when it next opens (storage.refile), then
-- removes the task. A later change of the stored hashes follows the same path.
DELETE FROM cluster_keys;
CREATE TABLE store_tasks (
    name TEXT PRIMARY KEY
);
INSERT INTO store_tasks(name) VALUES ('refile_cluster_keys');
