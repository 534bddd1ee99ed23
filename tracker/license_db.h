/*
 * The license service's database side, per worker thread (one libpq
 * connection each): the grant (grants row by the token's jti, its doi and
 * expiry), the blocklist (the content's info-hash and fingerprint, at
 * every license: blocklisted content gets 451, its key is never
 * registered or released, and it is muted), the content state, the key
 * (lazy registration: a content_keys row without wrapped_key, or wrapped
 * under another KEK version, is unsealed, checked against its KID and
 * re-wrapped under the current KEK at its first license request; the
 * clear key never reaches the database) and the license_audit row.
 */
#ifndef P2PCD_TRACKER_LICENSE_DB_H
#define P2PCD_TRACKER_LICENSE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "license.h"
#include "license_req.h"
#include "p2pcd/keywrap.h"
#include "p2pcd/seal.h"

/* what the verified token says */
struct lgrant
{
	char jti[64], doi[129], sub[256], icid[256];
	uint8_t kids[LREQ_MAX_KIDS][16];
	size_t n_kids;
};

struct lkey
{
	uint8_t key[32];
	size_t len;
};

/* the service's secrets, loaded once at start */
struct lkeys
{
	uint8_t pk[P2PCD_X25519_PK_LEN], sk[P2PCD_X25519_SK_LEN];
	uint8_t kek[P2PCD_KEK_LEN];
	uint32_t kek_version;
};

struct ldb
{
	const struct tracker_config *cfg;
	void *conn; /* PGconn */
};

/* secret_key_file (secret=, public= checked) and kek_file. 0 or -1 */
int lkeys_load(const struct license_config *c, struct lkeys *k);

void ldb_init(struct ldb *db, const struct tracker_config *cfg);
void ldb_close(struct ldb *db);

/*
 * Check the grant and content, get the keys of rq (k[i] for rq->kids[i]),
 * write the audit row. 0, or -1 with the error answer in j.
 */
int ldb_issue(struct ldb *db, struct license_job *j, const struct lgrant *g,
		const struct lreq *rq, const struct lkeys *keys, struct lkey *k);

#endif
