-- 0019: how long each row of the caseload's cache holds without being worked out again.
--
-- A row worked out on `computed_on` is still what the rules give, nothing being written in
-- between, up to `valid_through` (found by watching which days the rules compare the date
-- with: `store.caseload`); NULL: on `computed_on` only. Its part from the pathway rules alone
-- (`rules_*`: the next due item, how many are overdue) holds up to `rules_through`, so a day
-- that only moves the Team Actions Log's figures recomputes those, not the rules.
ALTER TABLE due_cache ADD COLUMN valid_through TEXT;
ALTER TABLE due_cache ADD COLUMN rules_through TEXT;
ALTER TABLE due_cache ADD COLUMN rules_title TEXT;
ALTER TABLE due_cache ADD COLUMN rules_due_on TEXT;
ALTER TABLE due_cache ADD COLUMN rules_status TEXT;
ALTER TABLE due_cache ADD COLUMN rules_overdue INTEGER NOT NULL DEFAULT 0;
