/* Per-buyer torrent and grant JSON: see index_grant.h. */
#include "index_grant.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_page.h"
#include "sbuf.h"
#include "p2pcd/base64url.h"
#include "p2pcd/bencode.h"
#include "p2pcd/grant_token.h"
#include "p2pcd/infohash.h"
#include "p2pcd/keyfile.h"

#define NAME_MAX_CHARS 128

int idx_grant_id_valid(const char *s, size_t len)
{
	size_t i;

	if(len != 22)
		return 0;
	for(i = 0; i < len; i++) {
		char c = s[i];

		if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
				   || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

const char *idx_grant_tokens(const struct index_grant *g,
		const struct idx_token_parts *tp, char **adm, char **lic)
{
	uint8_t ih[P2PCD_INFOHASH_LEN], kid[16], macs[64];
	struct p2pcd_grant_claims c = {
			.iss = tp->iss,
			.iss_len = strlen(tp->iss),
			.sub = tp->sub,
			.jti = g->gid,
			.role = g->role,
			.aud = tp->aud,
			.doi = g->doi,
			.doi_len = strlen(g->doi),
			.rights = tp->rights,
			.rights_len = strlen(tp->rights),
			.icid = tp->icid,
			.icid_len = tp->icid ? strlen(tp->icid) : 0,
			.ih = ih,
			.kid = kid,
			.iat = tp->iat,
			.exp = g->expires,
	};

	*adm = *lic = NULL;
	if(!tp->macs_hex || strlen(tp->macs_hex) != 2 * sizeof(macs)
			|| p2pcd_hex_decode(
					tp->macs_hex, 2 * sizeof(macs), macs, sizeof(macs)))
		return "no MACs stored";
	if(p2pcd_infohash_from_hex(g->info_hash, strlen(g->info_hash), ih))
		return "bad info-hash";
	if(!g->kid || strlen(g->kid) != 32
			|| p2pcd_hex_decode(g->kid, 32, kid, sizeof(kid)))
		return "bad content key id";
	if(tp->key_version < 1 || tp->key_version > UINT32_MAX)
		return "bad key version";
	if(p2pcd_grant_tokens_build(
			   &c, (uint32_t)tp->key_version, macs, macs + 32, adm, lic))
		return "the claims cannot be written";
	return NULL;
}

char *idx_announce_url(const char *tracker_url, const char *adm_token)
{
	size_t n = strlen(tracker_url);
	char *u;

	while(n && tracker_url[n - 1] == '/')
		n--;
	if(asprintf(&u, "%.*s/%s", (int)n, tracker_url, adm_token) < 0)
		return NULL;
	return u;
}

static void sanitise(const uint8_t *p, size_t len, char *name, size_t size)
{
	size_t i, n = 0;

	for(i = 0; i < len && n + 1 < size && n < NAME_MAX_CHARS; i++) {
		uint8_t c = p[i];

		if((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
				|| (c >= '0' && c <= '9') || c == '_' || c == '-'
				|| (c == '.' && n > 0))
			name[n++] = (char)c;
		else
			name[n++] = '_';
	}
	name[n] = '\0';
	if(n == 0)
		snprintf(name, size, "content");
}

enum idx_torrent_err idx_torrent_build(const uint8_t *stored, size_t len,
		const char *announce, const char *want_ih, uint8_t **out,
		size_t *out_len, char *name, size_t name_size)
{
	p2pcd_bdoc_t *doc = NULL;
	const struct p2pcd_bnode *info;
	const uint8_t *np = NULL;
	uint8_t ih[P2PCD_INFOHASH_LEN];
	char hex[P2PCD_INFOHASH_HEX_LEN + 1];
	struct p2pcd_benc e;
	enum idx_torrent_err rc = IDX_T_NOMEM;
	size_t nl = 0;

	*out = NULL;
	*out_len = 0;
	if(p2pcd_bdecode(stored, len, NULL, &doc, NULL) != P2PCD_BENC_OK)
		return IDX_T_BENCODE;
	info = p2pcd_bdict_gets(p2pcd_bdoc_root(doc), "info");
	if(p2pcd_bnode_type(info) != P2PCD_BT_DICT) {
		p2pcd_bdoc_free(doc);
		return IDX_T_NO_INFO;
	}
	if(p2pcd_infohash_info(info, ih) != P2PCD_IH_OK) {
		p2pcd_bdoc_free(doc);
		return IDX_T_NOMEM;
	}
	p2pcd_infohash_hex(ih, hex);
	if(want_ih && strcmp(hex, want_ih) != 0) {
		p2pcd_bdoc_free(doc);
		return IDX_T_MISMATCH;
	}
	p2pcd_bdict_get_str(info, "name", &np, &nl);
	sanitise(np, np ? nl : 0, name, name_size);
	p2pcd_benc_init(&e);
	p2pcd_benc_dict(&e);
	p2pcd_benc_cstr(&e, "announce");
	p2pcd_benc_cstr(&e, announce);
	p2pcd_benc_cstr(&e, "info");
	p2pcd_benc_node(&e, info);
	p2pcd_benc_end(&e);
	if(p2pcd_benc_take(&e, out, out_len) == P2PCD_BENC_OK)
		rc = IDX_T_OK;
	p2pcd_benc_free(&e);
	p2pcd_bdoc_free(doc);
	return rc;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

char *idx_grant_json(const struct index_grant *g, const char *public_url,
		const char *content_domain, const char *license_url,
		const uint8_t *torrent, size_t torrent_len)
{
	size_t blen = p2pcd_b64url_enc_len(torrent_len) + 1;
	char *b64 = malloc(blen), *announce, *torrent_url = NULL, *out = NULL;
	json_t *o = NULL, *rights;
	struct sbuf uri;

	sbuf_init(&uri);
	idx_sip_uri(&uri, g->doi, content_domain);
	announce = idx_announce_url(g->tracker_url, g->adm_token);
	if(asprintf(&torrent_url, "%s/grants/%s/torrent", public_url, g->gid) < 0)
		torrent_url = NULL;
	if(!b64 || !announce || !torrent_url || uri.oom
			|| p2pcd_b64url_encode(torrent, torrent_len, b64, blen))
		goto out;
	rights = json_loads(
			g->rights ? g->rights : "{}", JSON_REJECT_DUPLICATES, NULL);
	if(!json_is_object(rights)) {
		json_decref(rights);
		rights = json_object();
	}
	o = json_object();
	if(!o) {
		json_decref(rights);
		goto out;
	}
	if(json_object_set_new(o, "grant", jstr(g->gid))
			|| json_object_set_new(o, "doi", jstr(g->doi))
			|| json_object_set_new(o, "title", jstr(g->title))
			|| json_object_set_new(o, "role", jstr(g->role))
			|| json_object_set_new(o, "content_uri", jstr(uri.p))
			|| json_object_set_new(o, "info_hash", jstr(g->info_hash))
			|| json_object_set_new(o, "kid", jstr(g->kid))
			|| json_object_set_new(o, "size_bytes", json_integer(g->size_bytes))
			|| json_object_set_new(
					o, "price_cents", json_integer(g->price_cents))
			|| json_object_set_new(o, "currency", jstr(g->currency))
			|| json_object_set_new(o, "rights", rights)
			|| json_object_set_new(o, "fingerprint", jstr(g->fingerprint))
			|| json_object_set_new(o, "expires", json_integer(g->expires))
			|| json_object_set_new(o, "tracker", jstr(g->tracker))
			|| json_object_set_new(o, "announce_url", jstr(announce))
			|| json_object_set_new(o, "torrent_url", jstr(torrent_url))
			|| json_object_set_new(o, "torrent", jstr(b64))
			|| json_object_set_new(o, "license_url", jstr(license_url))
			|| json_object_set_new(o, "license_token", jstr(g->lic_token)))
		goto out;
	out = json_dumps(o, JSON_COMPACT);
out:
	json_decref(o);
	sbuf_free(&uri);
	free(announce);
	free(torrent_url);
	free(b64);
	return out;
}
