-- 0013: an index for the supervisors' monthly scorecard (plugins/ahtui_datasette/queries.py).
--
-- The scorecard counts, month by month, the actions due and those completed by their due date.
-- Working "completed on time" out row by row was most of that query's cost; this partial index
-- holds only the live actions completed on time, in due-date order, so each month's count is a
-- range count over it. (Written `due_on >= substr(...)` because SQLite puts the column first
-- when it reads the query's matching condition; written the other way round the index would
-- never be used.) Actions only: nothing here slows writes to people or consents.
CREATE INDEX actions_on_time ON actions(due_on)
    WHERE deleted_at IS NULL AND completed_on IS NOT NULL
      AND due_on >= substr(completed_on, 1, 10);
