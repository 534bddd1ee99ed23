-- Kamailio auth_db `subscriber` table (version 7, as Kamailio 5.6's
-- utils/kamctl/postgres/auth_db-create.sql) for the lab edge proxy
-- (kamailio-cfg/edge.cfg), which stands in for the P-/S-CSCF: digest
-- authentication of the users, then P-Asserted-Identity. A carrier's IMS
-- core authenticates in its own HSS and does not need this table.
-- Idempotent like every migration.

CREATE TABLE IF NOT EXISTS subscriber (
	id SERIAL PRIMARY KEY NOT NULL,
	username VARCHAR(64) DEFAULT '' NOT NULL,
	domain VARCHAR(64) DEFAULT '' NOT NULL,
	password VARCHAR(64) DEFAULT '' NOT NULL,
	ha1 VARCHAR(128) DEFAULT '' NOT NULL,
	ha1b VARCHAR(128) DEFAULT '' NOT NULL,
	CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);

CREATE INDEX IF NOT EXISTS subscriber_username_idx ON subscriber (username);

INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7)
ON CONFLICT (table_name) DO NOTHING;
