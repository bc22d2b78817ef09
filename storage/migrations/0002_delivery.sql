-- 0002_delivery: subscribers and their settings, the crash-safe outbox, and the per-chat record of
-- stories delivered (a story reaches a chat once). Append-only: change the schema in a new file.
-- Times are ISO 8601 UTC text, as in 0001_core.

-- One row per chat that subscribed (private chat, group, supergroup, channel, or the terminal).
-- `topics` is a JSON list of topic ids; `quiet_start`/`quiet_end` are hours 0-23 in the rules'
-- delivery timezone (NULL: no quiet hours); `last_message_id` is the highest message id known in
-- the chat (incoming or sent), the starting point when the outbox reconciles after a crash.
CREATE TABLE subscribers (
    chat_id INTEGER PRIMARY KEY,
    chat_type TEXT NOT NULL DEFAULT 'private',
    title TEXT NOT NULL DEFAULT '',
    thread_id INTEGER,
    active INTEGER NOT NULL DEFAULT 1,
    topics TEXT NOT NULL DEFAULT '[]',
    mode TEXT NOT NULL DEFAULT 'instant',
    daily_at TEXT NOT NULL DEFAULT '07:00',
    quiet_start INTEGER,
    quiet_end INTEGER,
    lang TEXT NOT NULL DEFAULT 'en',
    subscribed_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_digest_at TEXT,
    last_message_id INTEGER NOT NULL DEFAULT 0,
    inactive_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX subscribers_active ON subscribers(active, mode);

-- Every message, written before it is sent. state: pending -> sending -> sent, or failed/dropped.
-- A row left in 'sending' by a crash is reconciled before anything else goes to its chat.
-- `prev_message_id` is the chat's last known message id when the send began.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    thread_id INTEGER,
    kind TEXT NOT NULL,                       -- 'alert' | 'digest' | 'notice'
    batch TEXT NOT NULL DEFAULT '',           -- the digest a part belongs to
    part INTEGER NOT NULL DEFAULT 1,
    parts INTEGER NOT NULL DEFAULT 1,
    text TEXT NOT NULL,                       -- Telegram HTML, ready to send
    story_ids TEXT NOT NULL DEFAULT '[]',     -- JSON list
    state TEXT NOT NULL DEFAULT 'pending',
    created_at TEXT NOT NULL,
    not_before TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    prev_message_id INTEGER,
    message_id INTEGER,
    sent_at TEXT,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(state, not_before, id);
CREATE INDEX outbox_chat ON outbox(chat_id, state, id);

-- A story reaches a chat once: the row is written in the same transaction as its outbox message.
CREATE TABLE deliveries (
    chat_id INTEGER NOT NULL,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    outbox_id INTEGER,
    at TEXT NOT NULL,
    UNIQUE (chat_id, story_id)
);
CREATE INDEX deliveries_outbox ON deliveries(outbox_id);
