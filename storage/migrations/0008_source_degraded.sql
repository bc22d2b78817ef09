-- 0008_source_degraded: why a source's last good poll was read only in part ("" when it was
-- read whole), e.g. a UTF-8 feed with invalid bytes, or one declared UTF-8 that is not.
ALTER TABLE sources ADD COLUMN degraded TEXT NOT NULL DEFAULT '';
