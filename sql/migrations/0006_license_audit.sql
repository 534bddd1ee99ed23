-- The license service's audit trail (issue 5): one row per license issued
-- (an HTTP 200 with keys), written before the answer leaves, so no license
-- is ever handed out unrecorded. Refusals are not rows (they are logged and
-- counted). No foreign keys: the trail outlives grants and content.
CREATE TABLE IF NOT EXISTS license_audit (
	id            BIGSERIAL PRIMARY KEY,
	issued        TIMESTAMPTZ NOT NULL DEFAULT now(),
	grant_id      TEXT NOT NULL,      -- the token's jti = grants.id
	doi           TEXT NOT NULL,
	subject       TEXT NOT NULL,      -- the token's sub (a pseudonym)
	kids          TEXT[] NOT NULL,    -- hex KIDs whose keys were issued
	icid          TEXT,               -- IMS charging id from the token
	service       TEXT NOT NULL,      -- tracker_id of the issuing service
	client        TEXT                -- client IP address
);
CREATE INDEX IF NOT EXISTS license_audit_grant_idx ON license_audit (grant_id);
CREATE INDEX IF NOT EXISTS license_audit_doi_idx ON license_audit (doi, issued);
