-- The schedule gained a rule (Meeting 2 as soon as possible after Meeting 1): due items cached
-- today were worked out without it, so forget them; the caseload works them out again.
DELETE FROM due_cache;
