-- A grant keeps what its two tokens are made of, not the tokens (issue 4).
-- The two tokens were 57 % of the bytes a purchase wrote to the tables
-- (bench/module, 2026-12-02: a grant row of 1,032 bytes, 467 for the
-- admission token and 427 for the license token), and so of the WAL and
-- of the new pages written back to the disk. Most of their claims are
-- already in the row (jti = id, sub = subject, doi, role, exp = expires)
-- or in the title's row, which never changes them (ih = info_hash, kids =
-- kid). The row now adds the rest and the two HMACs the AS signed with;
-- the content index rebuilds the same bytes with lib/grant_token.c, the
-- builder the AS signs with, and needs no key (DESIGN.md 3: the AS still
-- mints every token).
--   tok_iss          iss
--   tok_aud          aud of the admission token (the title's tracker then)
--   tok_iat          iat and nbf (unix seconds)
--   tok_key_version  the master key version both tokens were signed with
--   tok_rights       rights of the license token; NULL: the title's rights
--                    as the module reads them (content.rights::text)
--   icid             the ICID in both tokens (NULL: none)
--   tok_macs         the admission token's HMAC, then the license token's
-- Grants made before this migration keep their tokens in adm_token and
-- lic_token; a row has one form or the other.

ALTER TABLE grants
	ALTER COLUMN adm_token DROP NOT NULL,
	ALTER COLUMN lic_token DROP NOT NULL,
	ADD COLUMN IF NOT EXISTS tok_iss TEXT,
	ADD COLUMN IF NOT EXISTS tok_aud TEXT,
	ADD COLUMN IF NOT EXISTS tok_iat BIGINT,
	ADD COLUMN IF NOT EXISTS tok_key_version BIGINT,
	ADD COLUMN IF NOT EXISTS tok_rights TEXT,
	ADD COLUMN IF NOT EXISTS icid TEXT,
	ADD COLUMN IF NOT EXISTS tok_macs BYTEA;

ALTER TABLE grants DROP CONSTRAINT IF EXISTS grants_tokens_check;
ALTER TABLE grants ADD CONSTRAINT grants_tokens_check CHECK (
	(adm_token IS NOT NULL AND lic_token IS NOT NULL AND tok_macs IS NULL)
	OR (adm_token IS NULL AND lic_token IS NULL
		AND length(tok_macs) = 64 AND tok_iss IS NOT NULL
		AND tok_aud IS NOT NULL AND tok_iat IS NOT NULL
		AND tok_key_version BETWEEN 1 AND 4294967295));

-- the module writes the new form only (db_check_table_version)
UPDATE version SET table_version = 2 WHERE table_name = 'grants';
