-- Charging records are the billing ledger (issue 4): kept for as long as
-- the operator's retention rules say, whatever happens later to the grant
-- (grants expire within days) or to the title (muted, removed, purged). A
-- foreign key from a ledger row to either would block that purge for ever
-- or, with ON DELETE CASCADE, take the charge with it. Each key was also
-- checked for every purchase, a query and a row lock on the referenced
-- row: the three checks of a purchase took a fifth of the database's CPU
-- in the bench (perf, 2026-12-02), two of them these.
-- A charging record names its grant and title by value. The acquisition
-- statement writes the grant and its charging record together, from the
-- content row it has just read, in one statement: when a record is
-- written, its grant and its title exist. grants keep their key to
-- content: a grant is worth nothing without its title.

ALTER TABLE charging_records
	DROP CONSTRAINT IF EXISTS charging_records_doi_fkey,
	DROP CONSTRAINT IF EXISTS charging_records_grant_id_fkey;
