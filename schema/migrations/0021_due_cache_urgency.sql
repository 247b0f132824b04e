-- 0021: the caseload's cache in urgency order (most overdue first, then the soonest due), so
-- the first page of a big caseload is read from the top of this index, not by sorting
-- everyone (`store.caseload.first_page`: 50,000 people sorted took a quarter of a second).
CREATE INDEX IF NOT EXISTS due_cache_urgency ON due_cache (overdue_count DESC, next_due_on);
