-- 0005_story_events: stories of one event, whatever outlets and languages report it. A story
-- keeps a profile of its members (stories.profile.StoryProfile as JSON) while it can still
-- receive them, and is filed under its anchors and kinds of happening so that a new report
-- finds it by lookup; word stems' document frequencies weigh the words two reports share.
-- A story found to be another's is merged into it and kept as a pointer (`merged_into`), so
-- that delivery records and alerts naming it still resolve. Append-only: change the schema in
-- a new file.

CREATE TABLE story_profiles (
    story_id INTEGER PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
    first_ts INTEGER NOT NULL,               -- POSIX seconds of its earliest and latest member
    last_ts INTEGER NOT NULL,
    profile TEXT NOT NULL
);
CREATE INDEX story_profiles_last ON story_profiles(last_ts);

-- key: stories.fingerprint.key64 of "e:<entity id>" or "v:<event entity id>"; ts: the
-- story's latest member (a story whose members are all older than the window is not found).
CREATE TABLE story_keys (
    key INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (key, story_id)
) WITHOUT ROWID;
CREATE INDEX story_keys_recent ON story_keys(key, ts);

-- key: key64 of "<lang>:<stem>", df: the reports of that language holding it; the row of
-- "<lang>:" counts that language's reports.
CREATE TABLE term_df (
    key INTEGER PRIMARY KEY,
    df INTEGER NOT NULL
) WITHOUT ROWID;

ALTER TABLE stories ADD COLUMN merged_into INTEGER;
CREATE INDEX stories_merged ON stories(merged_into) WHERE merged_into IS NOT NULL;

-- What a report's storing made due for delivery, written in the same transaction: a story
-- new for some topics ('new'), or one that grew ('grew': more outlets). Delivery removes a row
-- once it has queued what it implies, so a crash between the two loses nothing.
CREATE TABLE fanout (
    id INTEGER PRIMARY KEY,
    story_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    topics TEXT NOT NULL DEFAULT '[]',
    at TEXT NOT NULL
);

-- Profiles for the stories of the last two clustering windows, built by the store when it
-- next opens (storage.refile).
INSERT INTO store_tasks(name) VALUES ('build_story_profiles');
