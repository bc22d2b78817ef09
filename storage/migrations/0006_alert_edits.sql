-- 0006_alert_edits: an alert already sent is edited in place as more outlets report its story
-- (stories: edit_within). An edit is an outbox row of kind 'edit' naming the row whose message
-- it rewrites; deliveries are found by story to know which alerts carried one. Append-only.
ALTER TABLE outbox ADD COLUMN edit_of INTEGER;
CREATE INDEX outbox_edits ON outbox(edit_of) WHERE edit_of IS NOT NULL;
CREATE INDEX deliveries_story ON deliveries(story_id);
