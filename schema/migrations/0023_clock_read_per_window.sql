-- 0023: a captured write reads the computer's clock once in a while, not for every row.
--
-- Reading it is a call into Python (sync_stamp), a third of what change capture added to a
-- write. The clock row now says until when (ms, SQLite's own reading of the same clock) the
-- last reading stands: rows captured before then take the hybrid clock's next count instead,
-- which is what a stamp within the same millisecond would have given them anyway. The window
-- is short (store/capture.py), and each transaction's first captured row reads the clock
-- again: moving the trusted time on (when a write transaction commits, or a bundle confirms
-- the date) closes the window, so a clock put right or skewed is seen by the next write.
ALTER TABLE sync_clock ADD COLUMN stamp_until INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER sync_clock_stamp_again AFTER UPDATE OF trusted_ms ON sync_clock
BEGIN UPDATE sync_clock SET stamp_until = 0 WHERE id = 1; END;
