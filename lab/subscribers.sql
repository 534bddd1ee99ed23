-- The lab's subscribers (digest password = user name) and its publisher,
-- shared by scripts/lab.sh and docker/postgres-entrypoint.sh. Idempotent.
-- usage: psql -v ON_ERROR_STOP=1 -v domain=ims.test -f lab/subscribers.sql
INSERT INTO subscriber (username, domain, password) VALUES
	('alice', :'domain', 'alice'), ('bob', :'domain', 'bob'),
	('carol', :'domain', 'carol'), ('dave', :'domain', 'dave')
	ON CONFLICT DO NOTHING;
INSERT INTO publishers (impu, display_name) VALUES
	('sip:alice@' || :'domain', 'Alice (lab publisher)') ON CONFLICT DO NOTHING;
