-- p2pcd core schema: the tables DESIGN.md section 6 names, shared by the
-- Kamailio module (SIP AS) and every p2pcd-tracker instance.
-- Every statement is idempotent (IF NOT EXISTS) so a half-applied database
-- from a crashed run can be finished by running the migration again.

-- Trackers register themselves; the AS picks the least-loaded live one.
CREATE TABLE IF NOT EXISTS trackers (
	id            TEXT PRIMARY KEY
	              CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
	announce_url  TEXT NOT NULL,
	state         TEXT NOT NULL DEFAULT 'active'
	              CHECK (state IN ('active', 'muted')),
	last_seen     TIMESTAMPTZ,
	swarms        INTEGER NOT NULL DEFAULT 0 CHECK (swarms >= 0),
	peers         INTEGER NOT NULL DEFAULT 0 CHECK (peers >= 0),
	announces_per_s REAL NOT NULL DEFAULT 0,
	created       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Identities (IMPUs) trusted to inject content.
CREATE TABLE IF NOT EXISTS publishers (
	impu          TEXT PRIMARY KEY CHECK (length(impu) BETWEEN 1 AND 255),
	display_name  TEXT,
	enabled       BOOLEAN NOT NULL DEFAULT TRUE,
	-- true: new content waits in state 'pending' for a moderator
	pre_review    BOOLEAN NOT NULL DEFAULT FALSE,
	created       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS content (
	doi           TEXT PRIMARY KEY CHECK (length(doi) BETWEEN 1 AND 128),
	title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 512),
	info_hash     BYTEA NOT NULL UNIQUE CHECK (length(info_hash) = 20),
	kid           BYTEA NOT NULL UNIQUE CHECK (length(kid) = 16),
	size_bytes    BIGINT NOT NULL CHECK (size_bytes >= 0),
	-- SHA-256 of the plaintext, supplied by the publisher's client
	fingerprint   BYTEA CHECK (fingerprint IS NULL OR length(fingerprint) = 32),
	state         TEXT NOT NULL DEFAULT 'active'
	              CHECK (state IN ('pending', 'active', 'muted', 'removed')),
	tracker_id    TEXT NOT NULL REFERENCES trackers (id),
	publisher     TEXT NOT NULL REFERENCES publishers (impu),
	price_cents   BIGINT NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
	currency      CHAR(3) NOT NULL DEFAULT 'EUR',
	rights        JSONB NOT NULL DEFAULT '{}'::jsonb,
	-- RFC 3903 publication state of the PUBLISH that injected it
	etag          TEXT UNIQUE,
	expires       TIMESTAMPTZ,
	created       TIMESTAMPTZ NOT NULL DEFAULT now(),
	updated       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS content_tracker_idx ON content (tracker_id);
CREATE INDEX IF NOT EXISTS content_state_idx ON content (state);

-- The AS-registered torrent: the AS, not a peer, defines the info-hash.
CREATE TABLE IF NOT EXISTS torrents (
	doi           TEXT PRIMARY KEY REFERENCES content (doi) ON DELETE CASCADE,
	torrent       BYTEA NOT NULL CHECK (length(torrent) > 0)
);

-- Content keys: sealed by the publisher to the license service's X25519
-- key; the license service re-wraps under its key-encryption key. Never
-- stored in clear.
CREATE TABLE IF NOT EXISTS content_keys (
	kid           BYTEA PRIMARY KEY CHECK (length(kid) = 16),
	doi           TEXT NOT NULL REFERENCES content (doi) ON DELETE CASCADE,
	sealed_key    BYTEA NOT NULL,
	wrapped_key   BYTEA,
	kek_version   INTEGER,
	created       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A grant: what one purchase (or one publication, role seed) entitles to.
CREATE TABLE IF NOT EXISTS grants (
	id            TEXT PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{22}$'),
	doi           TEXT NOT NULL REFERENCES content (doi),
	impu          TEXT NOT NULL,
	-- pseudonym put in token `sub`, never the IMPU
	subject       TEXT NOT NULL,
	role          TEXT NOT NULL CHECK (role IN ('seed', 'leech')),
	adm_token     TEXT NOT NULL,
	lic_token     TEXT NOT NULL,
	created       TIMESTAMPTZ NOT NULL DEFAULT now(),
	expires       TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS grants_doi_idx ON grants (doi);
CREATE INDEX IF NOT EXISTS grants_subject_idx ON grants (subject);

-- One row per charged purchase. request_id (a digest of Call-ID, CSeq and
-- identity) makes a retransmitted or repeated MESSAGE charge nothing more.
CREATE TABLE IF NOT EXISTS charging_records (
	id            BIGSERIAL PRIMARY KEY,
	request_id    TEXT NOT NULL UNIQUE,
	icid          TEXT,
	orig_ioi      TEXT,
	impu          TEXT NOT NULL,
	doi           TEXT NOT NULL REFERENCES content (doi),
	grant_id      TEXT NOT NULL UNIQUE REFERENCES grants (id),
	amount_cents  BIGINT NOT NULL CHECK (amount_cents >= 0),
	currency      CHAR(3) NOT NULL,
	created       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS charging_impu_idx ON charging_records (impu);

-- Known illegal content, refused at injection and at key registration.
CREATE TABLE IF NOT EXISTS blocklist (
	kind          TEXT NOT NULL CHECK (kind IN ('info_hash', 'fingerprint')),
	value         BYTEA NOT NULL,
	reason        TEXT NOT NULL DEFAULT '',
	created       TIMESTAMPTZ NOT NULL DEFAULT now(),
	PRIMARY KEY (kind, value),
	CHECK ((kind = 'info_hash' AND length(value) = 20) OR
	       (kind = 'fingerprint' AND length(value) = 32))
);

-- Evidence against peers: bad pieces, inconsistent transfer reports.
CREATE TABLE IF NOT EXISTS peer_reports (
	id            BIGSERIAL PRIMARY KEY,
	kind          TEXT NOT NULL CHECK (kind IN ('bad_piece', 'inconsistent')),
	info_hash     BYTEA NOT NULL CHECK (length(info_hash) = 20),
	offender      TEXT NOT NULL,
	reporter      TEXT,
	tracker_id    TEXT REFERENCES trackers (id),
	evidence      JSONB NOT NULL DEFAULT '{}'::jsonb,
	created       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS peer_reports_offender_idx ON peer_reports (offender);

-- Per-buyer transfer totals, flushed by trackers in batches.
CREATE TABLE IF NOT EXISTS transfer_totals (
	subject       TEXT NOT NULL,
	info_hash     BYTEA NOT NULL CHECK (length(info_hash) = 20),
	uploaded      BIGINT NOT NULL DEFAULT 0 CHECK (uploaded >= 0),
	downloaded    BIGINT NOT NULL DEFAULT 0 CHECK (downloaded >= 0),
	updated       TIMESTAMPTZ NOT NULL DEFAULT now(),
	PRIMARY KEY (subject, info_hash)
);

-- Per-swarm statistics, flushed by the tracker serving the swarm.
CREATE TABLE IF NOT EXISTS swarm_stats (
	tracker_id    TEXT NOT NULL REFERENCES trackers (id),
	info_hash     BYTEA NOT NULL CHECK (length(info_hash) = 20),
	seeders       INTEGER NOT NULL DEFAULT 0,
	leechers      INTEGER NOT NULL DEFAULT 0,
	completed     BIGINT NOT NULL DEFAULT 0,
	updated       TIMESTAMPTZ NOT NULL DEFAULT now(),
	PRIMARY KEY (tracker_id, info_hash)
);

-- Token signing key metadata (DESIGN.md section 3). The secrets themselves
-- live in each component's configuration, never in the shared database:
-- a tracker must hold only its own key.
CREATE TABLE IF NOT EXISTS signing_keys (
	audience      TEXT NOT NULL CHECK (audience ~ '^[A-Za-z0-9._-]{1,64}$'),
	version       INTEGER NOT NULL CHECK (version > 0),
	-- first 8 bytes of SHA-256 of the derived key, to match configs
	fingerprint   BYTEA NOT NULL CHECK (length(fingerprint) = 8),
	state         TEXT NOT NULL DEFAULT 'current'
	              CHECK (state IN ('current', 'previous', 'retired')),
	created       TIMESTAMPTZ NOT NULL DEFAULT now(),
	PRIMARY KEY (audience, version)
);
