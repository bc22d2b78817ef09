-- 0011_alert_format: each subscriber's alert layout (`format`: 'full' or 'short', set with
-- /format), and whether a message goes out with a link preview (`outbox.preview`: a full
-- alert shows its article's preview; digests, notices and folded alerts do not). An edit of an
-- alert keeps its alert's preview. A burst of alerts sent as one list (delivery.bursts) leaves
-- the alerts in state 'folded' and queues the list as rows of kind 'folded'; no column is
-- needed for those. Append-only: change the schema in a new file.
ALTER TABLE subscribers ADD COLUMN format TEXT NOT NULL DEFAULT 'full';
ALTER TABLE outbox ADD COLUMN preview INTEGER NOT NULL DEFAULT 0;
