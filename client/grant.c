/* Fetching and checking a grant: see grant.h. */
#include "grant.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "p2pcd/base64url.h"
#include "p2pcd/infohash.h"
#include "cli.h"
#include "http_get.h"

static int copy_str(
		const char *cmd, json_t *j, const char *key, char *out, size_t size)
{
	const char *v = json_string_value(json_object_get(j, key));

	if(!v || strlen(v) >= size) {
		cli_err(cmd, "the grant has no valid \"%s\"", key);
		return -1;
	}
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

static int get_int(const char *cmd, json_t *j, const char *key, int64_t *out)
{
	json_t *v = json_object_get(j, key);

	if(!json_is_integer(v)) {
		cli_err(cmd, "the grant has no integer \"%s\"", key);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

static int decode_torrent(const char *cmd, json_t *j, struct grant *g)
{
	const char *b = json_string_value(json_object_get(j, "torrent"));
	uint8_t ih[P2PCD_INFOHASH_LEN];
	char hex[P2PCD_INFOHASH_HEX_LEN + 1];
	size_t max;

	if(!b) {
		cli_err(cmd, "the grant has no torrent");
		return -1;
	}
	max = p2pcd_b64url_dec_max(strlen(b));
	if(!(g->torrent = malloc(max ? max : 1))
			|| p2pcd_b64url_decode(
					b, strlen(b), g->torrent, max, &g->torrent_len)) {
		cli_err(cmd, "the grant's torrent is not base64url");
		return -1;
	}
	if(p2pcd_infohash_torrent(g->torrent, g->torrent_len, NULL, ih, NULL)
			!= P2PCD_IH_OK) {
		cli_err(cmd, "the grant's torrent is not a valid torrent");
		return -1;
	}
	p2pcd_infohash_hex(ih, hex);
	if(strcmp(hex, g->info_hash)) {
		cli_err(cmd,
				"the grant's torrent has info-hash %s, not the registered "
				"%s: refusing it",
				hex, g->info_hash);
		return -1;
	}
	return 0;
}

static int parse(const char *cmd, const char *text, size_t len, struct grant *g)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je);
	const char *tok;
	int rc = -1;

	if(!json_is_object(j)) {
		cli_err(cmd, "the grant is not a JSON object: %s", je.text);
		goto out;
	}
	if(copy_str(cmd, j, "grant", g->id, sizeof(g->id))
			|| copy_str(cmd, j, "doi", g->doi, sizeof(g->doi))
			|| copy_str(cmd, j, "title", g->title, sizeof(g->title))
			|| copy_str(cmd, j, "role", g->role, sizeof(g->role))
			|| copy_str(cmd, j, "content_uri", g->content_uri,
					sizeof(g->content_uri))
			|| copy_str(cmd, j, "info_hash", g->info_hash, sizeof(g->info_hash))
			|| copy_str(cmd, j, "kid", g->kid, sizeof(g->kid))
			|| copy_str(cmd, j, "currency", g->currency, sizeof(g->currency))
			|| copy_str(cmd, j, "license_url", g->license_url,
					sizeof(g->license_url))
			|| get_int(cmd, j, "size_bytes", &g->size_bytes)
			|| get_int(cmd, j, "price_cents", &g->price_cents)
			|| get_int(cmd, j, "expires", &g->expires))
		goto out;
	tok = json_string_value(json_object_get(j, "license_token"));
	if(!tok || !(g->license_token = strdup(tok))) {
		cli_err(cmd, "the grant has no license token");
		goto out;
	}
	rc = decode_torrent(cmd, j, g);
out:
	json_decref(j);
	return rc;
}

int grant_fetch(
		const char *cmd, const char *url, const char *cacert, struct grant *g)
{
	struct http_answer a;
	char msg[256];
	int rc = -1;

	memset(g, 0, sizeof(*g));
	if(http_get(cmd, url, cacert, &a))
		return -1;
	if(a.status != 200) {
		cli_err(cmd, "the grant at %s: HTTP %ld: %s", url, a.status,
				http_error_message(&a, msg, sizeof(msg))
						? msg
						: "no explanation given");
		goto out;
	}
	if(parse(cmd, a.body, a.len, g))
		goto out;
	g->json = a.body;
	a.body = NULL;
	rc = 0;
out:
	http_answer_free(&a);
	if(rc)
		grant_free(g);
	return rc;
}

void grant_free(struct grant *g)
{
	free(g->license_token);
	free(g->torrent);
	free(g->json);
	g->license_token = NULL;
	g->torrent = NULL;
	g->json = NULL;
}
