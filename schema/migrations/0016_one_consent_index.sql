-- 0016: one index of consent events instead of two.
--
-- consents_person (0001: person, agency, date) was a prefix of consents_order (0002: the same,
-- then when recorded and the event, live events only). Every reader of consents asks by person
-- (the app, the facts the rules read, the supervisors' summaries, export by person), so one
-- index serves them all: the longer one, over every event, with deleted_at last so a query for
-- live events still answers from the index alone. Each consent event written (an import of
-- tens of thousands, above all) now updates one index, not two.
DROP INDEX IF EXISTS consents_order;
DROP INDEX IF EXISTS consents_person;
CREATE INDEX consents_person
    ON consents(person_id, agency, on_date, created_at, event, deleted_at);
