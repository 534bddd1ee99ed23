/*
 * The content index role's grant answers (DESIGN.md 2, acquisition step
 * 4): the per-buyer .torrent (the stored torrent's info dict, byte for
 * byte, under the buyer's tokenized announce URL) and the grant JSON that
 * carries it. Pure functions over what the database gave; the stored
 * torrent is parsed strictly (lib/ bencode), as hostile input.
 */
#ifndef P2PCD_TRACKER_INDEX_GRANT_H
#define P2PCD_TRACKER_INDEX_GRANT_H

#include <stddef.h>
#include <stdint.h>

/* a grant row joined with its content, tracker and torrent */
struct index_grant
{
	const char *gid, *doi, *title, *role, *state;
	const char *info_hash, *kid;	   /* 40 / 32 lowercase hex */
	const char *fingerprint;		   /* 64 hex, NULL if none */
	const char *currency, *rights;	   /* rights: JSON text of content.rights */
	const char *tracker, *tracker_url; /* trackers.announce_url */
	const char *adm_token, *lic_token;
	int64_t size_bytes, price_cents, expires;
};

enum idx_torrent_err
{
	IDX_T_OK = 0,
	IDX_T_BENCODE,	/* not strict bencode */
	IDX_T_NO_INFO,	/* not a dict with an info dict */
	IDX_T_MISMATCH, /* the info dict's hash is not the content's */
	IDX_T_NOMEM,
};

/* the columns a grant stores its tokens as (sql/migrations/0011) */
struct idx_token_parts
{
	const char *sub, *iss, *aud, *rights, *icid; /* icid NULL: none */
	const char *macs_hex;						 /* 128 hex digits */
	int64_t iat, key_version;
};

/* g's two tokens from the parts and g's own columns, malloc'ed: NULL, or
 * why they cannot be made */
const char *idx_grant_tokens(const struct index_grant *g,
		const struct idx_token_parts *tp, char **adm, char **lic);

/* exactly 22 of [A-Za-z0-9_-] (128 bits in base64url) */
int idx_grant_id_valid(const char *s, size_t len);

/* tracker_url + "/" + adm_token, malloc'ed; NULL on OOM */
char *idx_announce_url(const char *tracker_url, const char *adm_token);

/*
 * {"announce": announce, "info": the info dict of stored}, canonical, in
 * *out (free()). want_ih: 40 hex digits the info-hash must equal, or
 * NULL. name (size >= 2): info.name sanitised for a file name
 * ([A-Za-z0-9._-], others '_', no leading '.'; "content" if empty).
 */
enum idx_torrent_err idx_torrent_build(const uint8_t *stored, size_t len,
		const char *announce, const char *want_ih, uint8_t **out,
		size_t *out_len, char *name, size_t name_size);

/* the grant JSON (malloc'ed, NUL-terminated) of g with its torrent */
char *idx_grant_json(const struct index_grant *g, const char *public_url,
		const char *content_domain, const char *license_url,
		const uint8_t *torrent, size_t torrent_len);

#endif
