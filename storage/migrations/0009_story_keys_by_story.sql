-- 0009_story_keys_by_story: a story's index keys found by story, for merging and reclustering
-- (without it, deleting a story's keys scanned the whole table: ~25 ms a merged story at
-- 1,000,000 reports). Append-only.
CREATE INDEX story_keys_story ON story_keys(story_id);
