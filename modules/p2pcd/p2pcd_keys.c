/*
 * p2pcd - token keys: the master secret in shared memory, its rotation,
 * the buyer pseudonym and the admission and license tokens
 *
 * As auth_ephemeral keeps its secrets: the master secret (module parameter
 * master_key in hex, or master_key_file) lives in shared memory under a
 * lock; p2pcd.key_rotate replaces it at run time with a new version and
 * keeps the previous one for p2pcd.key_show. Each process derives the
 * per-audience signing keys (lib/ HKDF, DESIGN.md section 3) lazily and
 * caches them until the version changes.
 *
 * The pseudonym key is derived once at start from the configured master
 * (HKDF info "p2pcd/pseudonym") and is not rotated, so a buyer keeps the
 * same token subject across key rotations.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/trim.h"
#include "core/ut.h"

#include "p2pcd/base64url.h"
#include "p2pcd/grant_token.h"
#include "p2pcd/keyfile.h"
#include "p2pcd/hkdf.h"
#include "p2pcd/hmac.h"
#include "p2pcd/init.h"
#include "p2pcd/jws.h"

#include "p2pcd.h"
#include "p2pcd_db.h"
#include "p2pcd_keys.h"
#include "p2pcd_parse.h"

typedef struct p2pcd_master
{
	unsigned int version;
	int len;
	unsigned char key[P2PCD_MASTER_MAX];
} p2pcd_master_t;

typedef struct p2pcd_keys
{
	gen_lock_t lock;
	p2pcd_master_t cur;
	p2pcd_master_t prev;
	unsigned char pseudo[32];
} p2pcd_keys_t;

static p2pcd_keys_t *p2pcd_keys = NULL;

/* this process's signers, valid for one master version */
#define P2PCD_SIGNERS 8
static struct
{
	unsigned int version;
	int used;
	struct p2pcd_jws_signer s[P2PCD_SIGNERS];
	char aud[P2PCD_SIGNERS][P2PCD_TRACKER_MAX + 1];
} p2pcd_signers;

static struct p2pcd_hmac_key p2pcd_pseudo_key;
static int p2pcd_pseudo_ready = 0;

static int p2pcd_unhex(str *hex, unsigned char *out, int max)
{
	int i, hi, lo;
	str h = *hex;

	trim(&h);
	if(h.len % 2 != 0 || h.len / 2 > max)
		return -1;
	for(i = 0; i < h.len / 2; i++) {
		hi = hex2int(h.s[2 * i]);
		lo = hex2int(h.s[2 * i + 1]);
		if(hi < 0 || lo < 0)
			return -1;
		out[i] = (hi << 4) | lo;
	}
	return h.len / 2;
}

static int p2pcd_read_key_file(unsigned char *out, int max)
{
	char buf[2 * P2PCD_MASTER_MAX + 64];
	FILE *f;
	size_t n;
	str h;

	f = fopen(p2pcd_master_key_file.s, "r");
	if(f == NULL) {
		LM_ERR("cannot open master_key_file %.*s\n", p2pcd_master_key_file.len,
				p2pcd_master_key_file.s);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	h.s = buf;
	h.len = n;
	return p2pcd_unhex(&h, out, max);
}

/* new master into m: from hex, else the file, else random */
static int p2pcd_master_load(str *hex, p2pcd_master_t *m)
{
	int n;

	if(hex != NULL && hex->s != NULL && hex->len > 0) {
		n = p2pcd_unhex(hex, m->key, P2PCD_MASTER_MAX);
	} else if(p2pcd_master_key_file.s != NULL
			  && p2pcd_master_key_file.len > 0) {
		n = p2pcd_read_key_file(m->key, P2PCD_MASTER_MAX);
	} else {
		randombytes_buf(m->key, 32);
		n = 32;
	}
	if(n < P2PCD_JWS_MASTER_MIN) {
		LM_ERR("the master secret must be %d to %d bytes in hex\n",
				P2PCD_JWS_MASTER_MIN, P2PCD_MASTER_MAX);
		return -1;
	}
	m->len = n;
	return 0;
}

int p2pcd_keys_init(void)
{
	if(p2pcd_lib_init() < 0) {
		LM_ERR("cannot initialise libp2pcd (libsodium)\n");
		return -1;
	}
	p2pcd_keys = shm_malloc(sizeof(*p2pcd_keys));
	if(p2pcd_keys == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(p2pcd_keys, 0, sizeof(*p2pcd_keys));
	if(lock_init(&p2pcd_keys->lock) == NULL)
		return -1;
	if(p2pcd_master_key.len <= 0
			&& (p2pcd_master_key_file.s == NULL
					|| p2pcd_master_key_file.len <= 0))
		LM_WARN("neither master_key nor master_key_file set: a random "
				"master secret is used (tokens do not survive a restart)\n");
	if(p2pcd_master_load(&p2pcd_master_key, &p2pcd_keys->cur) < 0)
		return -1;
	if(p2pcd_key_version <= 0) {
		LM_ERR("key_version must be positive\n");
		return -1;
	}
	p2pcd_keys->cur.version = p2pcd_key_version;
	if(p2pcd_hkdf_sha256((const uint8_t *)"p2pcd-pseudonym-v1", 18,
			   p2pcd_keys->cur.key, p2pcd_keys->cur.len,
			   (const uint8_t *)"p2pcd/pseudonym", 15, p2pcd_keys->pseudo,
			   sizeof(p2pcd_keys->pseudo))
			< 0) {
		LM_ERR("cannot derive the pseudonym key\n");
		return -1;
	}
	return 0;
}

void p2pcd_keys_destroy(void)
{
	if(p2pcd_keys == NULL)
		return;
	sodium_memzero(p2pcd_keys, sizeof(*p2pcd_keys));
	shm_free(p2pcd_keys);
	p2pcd_keys = NULL;
}

int p2pcd_keys_rotate(str *hex, unsigned int *version)
{
	p2pcd_master_t m;

	memset(&m, 0, sizeof(m));
	if(p2pcd_master_load(hex, &m) < 0)
		return -1;
	lock_get(&p2pcd_keys->lock);
	m.version = p2pcd_keys->cur.version + 1;
	p2pcd_keys->prev = p2pcd_keys->cur;
	p2pcd_keys->cur = m;
	lock_release(&p2pcd_keys->lock);
	sodium_memzero(&m, sizeof(m));
	*version = p2pcd_keys->cur.version;
	LM_INFO("master secret rotated to version %u\n", *version);
	return 0;
}

static void p2pcd_fingerprint(p2pcd_master_t *m, char *out)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	if(m->len <= 0) {
		strcpy(out, "-");
		return;
	}
	crypto_hash_sha256(h, m->key, m->len);
	sodium_bin2hex(out, 17, h, 8);
}

int p2pcd_keys_info(unsigned int *ver, char *fp, unsigned int *pver, char *pfp)
{
	lock_get(&p2pcd_keys->lock);
	*ver = p2pcd_keys->cur.version;
	*pver = p2pcd_keys->prev.version;
	p2pcd_fingerprint(&p2pcd_keys->cur, fp);
	p2pcd_fingerprint(&p2pcd_keys->prev, pfp);
	lock_release(&p2pcd_keys->lock);
	return 0;
}

int p2pcd_keys_derive(str *aud, char *hex, int hsize, char *kid, int ksize)
{
	unsigned char key[P2PCD_JWS_KEY_LEN];
	char a[P2PCD_JWS_AUD_MAX + 1];
	p2pcd_master_t m;
	int ret;

	if(aud->len <= 0 || aud->len > P2PCD_JWS_AUD_MAX
			|| !p2pcd_jws_audience_valid(aud->s, aud->len)
			|| hsize < 2 * P2PCD_JWS_KEY_LEN + 1)
		return -1;
	memcpy(a, aud->s, aud->len);
	a[aud->len] = '\0';
	lock_get(&p2pcd_keys->lock);
	m = p2pcd_keys->cur;
	lock_release(&p2pcd_keys->lock);
	ret = p2pcd_jws_derive_key(m.key, m.len, a, m.version, key);
	if(ret == 0)
		ret = p2pcd_jws_kid(a, m.version, kid, ksize);
	if(ret == 0)
		sodium_bin2hex(hex, hsize, key, sizeof(key));
	sodium_memzero(&m, sizeof(m));
	sodium_memzero(key, sizeof(key));
	return ret;
}

/* the kernel's CSPRNG (getrandom(), through libsodium), one call per
 * batch: fork-safe with no state of ours. OpenSSL's DRBG took 12 us a call
 * in the async workers (its provider code runs cold between batches),
 * getrandom() under 3 us. */
#define P2PCD_GRANT_DRAW 64 /* grant ids per call */

void p2pcd_grant_ids(char (*out)[P2PCD_GRANT_ID_LEN + 1], int n)
{
	unsigned char rnd[P2PCD_GRANT_DRAW][16];
	int i, j, k;

	for(i = 0; i < n; i += k) {
		k = n - i < P2PCD_GRANT_DRAW ? n - i : P2PCD_GRANT_DRAW;
		randombytes_buf(rnd[0], 16 * k);
		for(j = 0; j < k; j++)
			p2pcd_b64url_encode(rnd[j], 16, out[i + j], P2PCD_GRANT_ID_LEN + 1);
	}
	sodium_memzero(rnd, sizeof(rnd));
}

void p2pcd_grant_id(char out[P2PCD_GRANT_ID_LEN + 1])
{
	p2pcd_grant_ids((char(*)[P2PCD_GRANT_ID_LEN + 1]) out, 1);
}

int p2pcd_pseudonym(const char *impu, int len, char out[P2PCD_SUBJECT_LEN + 1])
{
	unsigned char mac[P2PCD_HMAC_SHA256_LEN];

	if(!p2pcd_pseudo_ready) {
		if(p2pcd_hmac_key_init(&p2pcd_pseudo_key, p2pcd_keys->pseudo,
				   sizeof(p2pcd_keys->pseudo))
				< 0)
			return -1;
		p2pcd_pseudo_ready = 1;
	}
	p2pcd_hmac_sha256(&p2pcd_pseudo_key, (const uint8_t *)impu, len, mac);
	out[0] = 'p';
	out[1] = '-';
	return p2pcd_b64url_encode(mac, 16, out + 2, P2PCD_SUBJECT_LEN - 1);
}

/* this process's signer for an audience at the current master version */
static struct p2pcd_jws_signer *p2pcd_signer(const char *aud)
{
	p2pcd_master_t m;
	unsigned int ver;
	int i, ret;

	lock_get(&p2pcd_keys->lock);
	ver = p2pcd_keys->cur.version;
	lock_release(&p2pcd_keys->lock);
	if(p2pcd_signers.version != ver) {
		for(i = 0; i < p2pcd_signers.used; i++)
			p2pcd_jws_signer_wipe(&p2pcd_signers.s[i]);
		p2pcd_signers.used = 0;
		p2pcd_signers.version = ver;
	}
	for(i = 0; i < p2pcd_signers.used; i++)
		if(strcmp(p2pcd_signers.aud[i], aud) == 0)
			return &p2pcd_signers.s[i];
	if(strlen(aud) > P2PCD_TRACKER_MAX)
		return NULL;
	if(p2pcd_signers.used == P2PCD_SIGNERS) {
		/* full: forget the most recently added signer (the first
		 * ones, e.g. the license audience, stay) */
		i = P2PCD_SIGNERS - 1;
		p2pcd_jws_signer_wipe(&p2pcd_signers.s[i]);
		p2pcd_signers.used--;
	}
	lock_get(&p2pcd_keys->lock);
	m = p2pcd_keys->cur;
	lock_release(&p2pcd_keys->lock);
	if(m.version != ver) {
		/* rotated meanwhile: the next call starts over */
		sodium_memzero(&m, sizeof(m));
		p2pcd_signers.version = 0;
		return p2pcd_signer(aud);
	}
	i = p2pcd_signers.used;
	ret = p2pcd_jws_signer_init(
			&p2pcd_signers.s[i], m.key, m.len, aud, m.version);
	sodium_memzero(&m, sizeof(m));
	if(ret < 0) {
		LM_ERR("cannot make the signer of audience %s\n", aud);
		return NULL;
	}
	strcpy(p2pcd_signers.aud[i], aud);
	p2pcd_signers.used++;
	return &p2pcd_signers.s[i];
}

/* sign claims of n bytes (n < 0: they could not be built) for aud; the
 * key version into *ver */
static int p2pcd_sign(const char *aud, const char *typ, const char *claims,
		long n, char **tok, size_t *len, unsigned char *mac, unsigned int *ver)
{
	struct p2pcd_jws_signer *s;
	const char *a;
	size_t alen;
	uint32_t v;

	if(n < 0) {
		LM_ERR("cannot build the %s claims\n", typ);
		return -1;
	}
	s = p2pcd_signer(aud);
	if(s == NULL)
		return -1;
	if(p2pcd_jws_kid_parse(s->kid, strlen(s->kid), &a, &alen, &v) < 0
			|| p2pcd_jws_sign_text_mac(s, typ, claims, n, tok, len, mac) < 0) {
		LM_ERR("cannot sign a %s token\n", typ);
		return -1;
	}
	*ver = v;
	return 0;
}

static int p2pcd_tokens_sign(
		const struct p2pcd_grant_claims *gc, p2pcd_tokens_t *t)
{
	char buf[P2PCD_JWS_MAX_LEN];
	unsigned int lver;

	if(p2pcd_sign(gc->aud, P2PCD_JWS_TYP_ADM, buf,
			   p2pcd_grant_adm_claims(gc, buf, sizeof(buf)), &t->adm,
			   &t->adm_len, t->macs, &t->key_version)
					< 0
			|| p2pcd_sign(P2PCD_LICENSE_AUD, P2PCD_JWS_TYP_LIC, buf,
					   p2pcd_grant_lic_claims(gc, buf, sizeof(buf)), &t->lic,
					   &t->lic_len, t->macs + 32, &lver)
					   < 0)
		return -1;
	/* the grant row keeps one version for both */
	return lver == t->key_version ? 0 : 1;
}

/* claims written as JSON text (jansson cost more than the two MACs) by
 * lib/, which the content index rebuilds the tokens with */
int p2pcd_tokens_mint(const p2pcd_content_t *c, const char *role,
		const char *sub, const char *gid, const char *icid, long long now,
		long long exp, p2pcd_tokens_t *t)
{
	struct p2pcd_grant_claims gc = {
			.iss = p2pcd_issuer.s,
			.iss_len = p2pcd_issuer.len,
			.sub = sub,
			.jti = gid,
			.role = role,
			.aud = c->tracker,
			.doi = c->doi,
			.doi_len = c->doi_len,
			/* a JSON object: checked when the cache loaded it or the
			 * PUBLISH body was parsed */
			.rights = c->rights,
			.rights_len = c->rights_len,
			.icid = icid,
			.icid_len = icid ? strlen(icid) : 0,
			.ih = c->info_hash,
			.kid = c->kid,
			.iat = now,
			.exp = exp,
	};
	int attempt, ret = -1;

	/* a key rotation between the two signatures: sign both again */
	for(attempt = 0; attempt < 2; attempt++) {
		memset(t, 0, sizeof(*t));
		ret = p2pcd_tokens_sign(&gc, t);
		if(ret == 0)
			return 0;
		p2pcd_tokens_free(t);
		if(ret < 0)
			break;
	}
	if(ret > 0)
		LM_ERR("the signing key changed twice while minting\n");
	return -1;
}

void p2pcd_tokens_free_text(p2pcd_tokens_t *t)
{
	free(t->adm);
	free(t->lic);
	t->adm = t->lic = NULL;
	t->adm_len = t->lic_len = 0;
}

void p2pcd_tokens_free(p2pcd_tokens_t *t)
{
	p2pcd_tokens_free_text(t);
	memset(t, 0, sizeof(*t));
}

void p2pcd_tokens_macs_hex(
		const p2pcd_tokens_t *t, char out[P2PCD_TOKEN_MACS_HEX + 1])
{
	p2pcd_hex_public(t->macs, sizeof(t->macs), out);
}

/* one VALUES tuple: audience, version, first 8 bytes of SHA-256(key) */
static void p2pcd_keys_row(p2pcd_sql_t *q, str *aud, int first)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	unsigned char key[P2PCD_JWS_KEY_LEN];
	char hex[2 * P2PCD_JWS_KEY_LEN + 1], kid[P2PCD_JWS_KID_MAX + 1];
	size_t n;

	if(p2pcd_keys_derive(aud, hex, sizeof(hex), kid, sizeof(kid)) < 0)
		return;
	sodium_hex2bin(key, sizeof(key), hex, strlen(hex), NULL, &n, NULL);
	crypto_hash_sha256(h, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	p2pcd_sql_add(q, first ? " (" : ", (");
	p2pcd_sql_lit(q, aud->s, aud->len);
	p2pcd_sql_addf(q, ", %u, ", p2pcd_keys->cur.version);
	p2pcd_sql_bytea(q, h, 8);
	p2pcd_sql_add(q, ")");
}

int p2pcd_keys_record(void)
{
	p2pcd_sql_t q;
	db1_res_t *res = NULL;
	str aud = str_init(P2PCD_LICENSE_AUD);
	unsigned int ver = p2pcd_keys->cur.version;
	int i, ret;

	p2pcd_sql_init(&q);
	/* bytea: db_postgres would unescape backslashes in TEXT */
	p2pcd_sql_add(
			&q, "SELECT convert_to(id, 'UTF8') FROM trackers ORDER BY id");
	ret = p2pcd_db_exec(&q, &res);
	p2pcd_sql_free(&q);
	if(ret < 0)
		return -1;
	p2pcd_sql_init(&q);
	p2pcd_sql_addf(&q,
			"WITH o AS (UPDATE signing_keys SET state = CASE WHEN "
			"version = %u THEN 'previous' ELSE 'retired' END WHERE "
			"version < %u AND state <> 'retired') "
			"INSERT INTO signing_keys (audience, version, fingerprint) "
			"VALUES",
			ver - 1, ver);
	p2pcd_keys_row(&q, &aud, 1);
	for(i = 0; i < RES_ROW_N(res); i++)
		if(p2pcd_db_str(res, i, 0, &aud) == 0)
			p2pcd_keys_row(&q, &aud, 0);
	p2pcd_db_free(res);
	p2pcd_sql_add(&q, " ON CONFLICT (audience, version) DO UPDATE SET "
					  "fingerprint = EXCLUDED.fingerprint, state = 'current'");
	ret = p2pcd_db_exec(&q, NULL);
	p2pcd_sql_free(&q);
	return ret;
}
