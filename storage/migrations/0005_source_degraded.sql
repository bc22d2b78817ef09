-- 0005_source_degraded: why a source's last good poll read only part of its body (a feed whose XML
-- broke off after some items). Empty when the body was read whole; a poll that reads it whole again
-- clears it.
ALTER TABLE sources ADD COLUMN degraded TEXT NOT NULL DEFAULT '';
