-- Bad-piece reports (issue 7, requirement 2): the tracker refuses a buyer
-- identity reported by enough distinct peers for pieces that failed the
-- hash check, rebuilding that set from peer_reports at every (re)connect.
-- An operator's clearance (tracker admin API POST /tamper/SUBJECT/clear)
-- keeps the evidence: reports up to `cleared` no longer count.
CREATE TABLE IF NOT EXISTS peer_report_clearances (
	offender      TEXT NOT NULL,
	kind          TEXT NOT NULL CHECK (kind IN ('bad_piece', 'inconsistent')),
	cleared       TIMESTAMPTZ NOT NULL DEFAULT now(),
	tracker_id    TEXT,               -- the tracker whose admin API cleared it
	PRIMARY KEY (offender, kind)
);
-- the trackers' load: the newest bad_piece rows
CREATE INDEX IF NOT EXISTS peer_reports_kind_created_idx
	ON peer_reports (kind, created);
