-- Kamailio's `version` table: the module checks each table's version at
-- start (db_check_table_version, as permissions does) and refuses to run
-- against a schema it does not know. Bump a row in the migration that
-- changes that table.

CREATE TABLE IF NOT EXISTS version (
	table_name    VARCHAR(32) NOT NULL,
	table_version INTEGER NOT NULL DEFAULT 0,
	CONSTRAINT version_table_name_idx UNIQUE (table_name)
);

INSERT INTO version (table_name, table_version) VALUES
	('content', 1),
	('torrents', 1),
	('content_keys', 1),
	('grants', 1),
	('charging_records', 1),
	('publishers', 1),
	('trackers', 1),
	('blocklist', 1),
	('peer_reports', 1),
	('transfer_totals', 1),
	('swarm_stats', 1),
	('signing_keys', 1)
ON CONFLICT (table_name) DO NOTHING;
