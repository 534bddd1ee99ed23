-- Honest reporting of contributed resources (issue 7, requirement 1): the
-- trackers flag inconsistent transfer reports in peer_reports (kind
-- 'inconsistent', evidence.check names the check) and refuse subjects with
-- too many of them (reports.policy, reports.strikes within reports.window).
-- peer_policy holds the operator's side: a subject cleared at cleared_at has
-- no strikes from the reports before it (they stay, as evidence). Every
-- tracker LISTENs on p2pcd_peer_policy and forgets the strikes at once.
CREATE TABLE IF NOT EXISTS peer_policy (
	subject       TEXT PRIMARY KEY,   -- the token sub (buyer pseudonym)
	cleared_at    TIMESTAMPTZ,        -- strikes up to here are forgiven
	cleared_by    TEXT                -- e.g. admin@TRACKER-ID
);

-- the trackers' reload and the module's p2pcd.peer_reports
CREATE INDEX IF NOT EXISTS peer_reports_kind_offender_idx
	ON peer_reports (kind, offender, created);

CREATE OR REPLACE FUNCTION p2pcd_peer_policy_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.cleared_at IS NULL OR (TG_OP = 'UPDATE' AND
	   NEW.cleared_at IS NOT DISTINCT FROM OLD.cleared_at) THEN
		RETURN NEW;
	END IF;
	PERFORM pg_notify('p2pcd_peer_policy', json_build_object(
		'subject', NEW.subject,
		'cleared_at', extract(epoch FROM NEW.cleared_at))::text);
	RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS peer_policy_notify ON peer_policy;
CREATE TRIGGER peer_policy_notify AFTER INSERT OR UPDATE ON peer_policy
	FOR EACH ROW EXECUTE FUNCTION p2pcd_peer_policy_notify();

INSERT INTO version (table_name, table_version) VALUES ('peer_policy', 1)
	ON CONFLICT (table_name) DO NOTHING;
