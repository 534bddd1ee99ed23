/*
 * Push-style container encryptor and decryptor: constant memory (one
 * plaintext and one ciphertext chunk buffer), any input piece sizes. A full
 * chunk is never final (the final chunk is always shorter, possibly empty),
 * so neither side needs to look ahead to know where the stream ends.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "p2pcd/container.h"
#include "p2pcd/ct.h"
#include "p2pcd/init.h"
#include "container_int.h"

struct p2pcd_cont_enc
{
	struct cont_aead a;
	uint32_t cs;
	uint64_t idx;
	uint8_t *buf; /* plaintext being gathered, cs bytes */
	size_t fill;
	uint8_t *out; /* one sealed chunk, cs + tag */
	p2pcd_cont_sink sink;
	void *arg;
	enum p2pcd_cont_err err;
	int done;
};

struct p2pcd_cont_dec
{
	struct cont_aead a;
	uint8_t key[P2PCD_CONT_KEY_LEN]; /* until the header is in */
	uint8_t kid[P2PCD_CONT_KID_LEN];
	int check_kid;
	struct p2pcd_cont_header h;
	size_t hfill; /* header bytes in a.hdr */
	int have_hdr;
	size_t rs;	  /* record size: chunk + tag */
	uint8_t *buf; /* record being gathered, rs bytes */
	size_t fill;
	uint8_t *out; /* one opened chunk */
	uint64_t idx;
	p2pcd_cont_sink sink;
	void *arg;
	enum p2pcd_cont_err err;
	int done;
};

static void wipe_free(uint8_t *p, size_t len)
{
	if(p) {
		sodium_memzero(p, len);
		free(p);
	}
}

/* ---- encryptor ---- */

enum p2pcd_cont_err p2pcd_container_enc_new(struct p2pcd_cont_enc **ep,
		const uint8_t key[P2PCD_CONT_KEY_LEN],
		const uint8_t kid[P2PCD_CONT_KID_LEN], uint32_t chunk_size,
		p2pcd_cont_sink sink, void *arg)
{
	struct p2pcd_cont_enc *e;
	struct p2pcd_cont_header h;
	uint8_t subkey[P2PCD_CONT_KEY_LEN];
	enum p2pcd_cont_err rc = P2PCD_CONT_E_CRYPTO;

	if(!ep || !key || !kid || !sink)
		return P2PCD_CONT_E_ARG;
	*ep = NULL;
	if(chunk_size == 0)
		chunk_size = P2PCD_CONT_DEFAULT_CHUNK;
	if(chunk_size < P2PCD_CONT_MIN_CHUNK || chunk_size > P2PCD_CONT_MAX_CHUNK)
		return P2PCD_CONT_E_ARG;
	if(p2pcd_lib_init())
		return P2PCD_CONT_E_CRYPTO;
	e = calloc(1, sizeof(*e));
	if(!e)
		return P2PCD_CONT_E_NOMEM;
	e->cs = chunk_size;
	e->sink = sink;
	e->arg = arg;
	e->buf = malloc(chunk_size);
	e->out = malloc((size_t)chunk_size + P2PCD_CONT_TAG_LEN);
	if(!e->buf || !e->out) {
		rc = P2PCD_CONT_E_NOMEM;
		goto fail;
	}

	memset(&h, 0, sizeof(h));
	h.version = P2PCD_CONT_VERSION;
	h.suite = P2PCD_CONT_SUITE_AES256GCM;
	h.chunk_size = chunk_size;
	memcpy(h.kid, kid, P2PCD_CONT_KID_LEN);
	/* a fresh salt gives every file its own subkey, so nonces (chunk
	 * counters) never repeat under one AES key even if a content key is
	 * reused for several files */
	randombytes_buf(h.salt, sizeof(h.salt));
	p2pcd_cont_header_write(e->a.hdr, &h);
	if(p2pcd_cont_derive(key, e->a.hdr, subkey, h.commit))
		goto fail;
	p2pcd_cont_header_write(e->a.hdr, &h);
	if(p2pcd_cont_aead_init(&e->a, subkey, 1))
		goto fail;
	sodium_memzero(subkey, sizeof(subkey));
	if(sink(arg, e->a.hdr, P2PCD_CONT_HEADER_LEN)) {
		rc = P2PCD_CONT_E_WRITE;
		goto fail;
	}
	*ep = e;
	return P2PCD_CONT_OK;

fail:
	sodium_memzero(subkey, sizeof(subkey));
	p2pcd_container_enc_free(e);
	return rc;
}

static enum p2pcd_cont_err enc_chunk(
		struct p2pcd_cont_enc *e, const uint8_t *p, size_t len, int final)
{
	if(p2pcd_cont_chunk_seal(&e->a, e->idx, final, p, len, e->out))
		return P2PCD_CONT_E_CRYPTO;
	e->idx++;
	if(e->sink(e->arg, e->out, len + P2PCD_CONT_TAG_LEN))
		return P2PCD_CONT_E_WRITE;
	return P2PCD_CONT_OK;
}

enum p2pcd_cont_err p2pcd_container_enc_update(
		struct p2pcd_cont_enc *e, const uint8_t *p, size_t len)
{
	size_t n;

	if(!e || (!p && len))
		return P2PCD_CONT_E_ARG;
	if(e->err || e->done)
		return e->err ? e->err : P2PCD_CONT_E_ARG;
	while(len > 0) {
		if(e->fill == 0 && len >= e->cs) {
			/* whole chunk straight from the caller: no copy */
			e->err = enc_chunk(e, p, e->cs, 0);
			n = e->cs;
		} else {
			n = e->cs - e->fill;
			if(n > len)
				n = len;
			memcpy(e->buf + e->fill, p, n);
			e->fill += n;
			if(e->fill == e->cs) {
				e->err = enc_chunk(e, e->buf, e->cs, 0);
				e->fill = 0;
			}
		}
		if(e->err)
			return e->err;
		p += n;
		len -= n;
	}
	return P2PCD_CONT_OK;
}

enum p2pcd_cont_err p2pcd_container_enc_final(struct p2pcd_cont_enc *e)
{
	if(!e)
		return P2PCD_CONT_E_ARG;
	if(e->err || e->done)
		return e->err ? e->err : P2PCD_CONT_E_ARG;
	/* the final chunk is always short, possibly empty */
	e->err = enc_chunk(e, e->buf, e->fill, 1);
	e->fill = 0;
	e->done = 1;
	return e->err;
}

void p2pcd_container_enc_free(struct p2pcd_cont_enc *e)
{
	if(!e)
		return;
	p2pcd_cont_aead_free(&e->a);
	wipe_free(e->buf, e->cs);
	wipe_free(e->out, (size_t)e->cs + P2PCD_CONT_TAG_LEN);
	sodium_memzero(e, sizeof(*e));
	free(e);
}

/* ---- decryptor ---- */

enum p2pcd_cont_err p2pcd_container_dec_new(struct p2pcd_cont_dec **dp,
		const uint8_t key[P2PCD_CONT_KEY_LEN], const uint8_t *expect_kid,
		p2pcd_cont_sink sink, void *arg)
{
	struct p2pcd_cont_dec *d;

	if(!dp || !key || !sink)
		return P2PCD_CONT_E_ARG;
	*dp = NULL;
	d = calloc(1, sizeof(*d));
	if(!d)
		return P2PCD_CONT_E_NOMEM;
	memcpy(d->key, key, sizeof(d->key));
	if(expect_kid) {
		memcpy(d->kid, expect_kid, sizeof(d->kid));
		d->check_kid = 1;
	}
	d->sink = sink;
	d->arg = arg;
	*dp = d;
	return P2PCD_CONT_OK;
}

/* the header is complete: check it, the KID and the key; set up AEAD */
static enum p2pcd_cont_err dec_header(struct p2pcd_cont_dec *d)
{
	uint8_t subkey[P2PCD_CONT_KEY_LEN], commit[P2PCD_CONT_COMMIT_LEN];
	enum p2pcd_cont_err rc;

	rc = p2pcd_container_header_parse(d->a.hdr, P2PCD_CONT_HEADER_LEN, &d->h);
	if(rc)
		return rc;
	if(d->check_kid && memcmp(d->kid, d->h.kid, P2PCD_CONT_KID_LEN) != 0)
		return P2PCD_CONT_E_KID;
	rc = P2PCD_CONT_OK;
	if(p2pcd_cont_derive(d->key, d->a.hdr, subkey, commit))
		rc = P2PCD_CONT_E_CRYPTO;
	else if(!p2pcd_ct_equal(commit, d->h.commit, sizeof(commit)))
		rc = P2PCD_CONT_E_KEY;
	else if(p2pcd_cont_aead_init(&d->a, subkey, 0))
		rc = P2PCD_CONT_E_CRYPTO;
	sodium_memzero(subkey, sizeof(subkey));
	sodium_memzero(d->key, sizeof(d->key));
	if(rc)
		return rc;
	d->rs = (size_t)d->h.chunk_size + P2PCD_CONT_TAG_LEN;
	d->buf = malloc(d->rs);
	d->out = malloc(d->h.chunk_size);
	if(!d->buf || !d->out)
		return P2PCD_CONT_E_NOMEM;
	d->have_hdr = 1;
	return P2PCD_CONT_OK;
}

static enum p2pcd_cont_err dec_record(
		struct p2pcd_cont_dec *d, const uint8_t *p, size_t len, int final)
{
	if(p2pcd_cont_chunk_open(&d->a, d->idx, final, p, len, d->out))
		return P2PCD_CONT_E_AUTH;
	d->idx++;
	/* released only after its tag was checked */
	if(d->sink(d->arg, d->out, len - P2PCD_CONT_TAG_LEN))
		return P2PCD_CONT_E_WRITE;
	return P2PCD_CONT_OK;
}

enum p2pcd_cont_err p2pcd_container_dec_update(
		struct p2pcd_cont_dec *d, const uint8_t *p, size_t len)
{
	size_t n;

	if(!d || (!p && len))
		return P2PCD_CONT_E_ARG;
	if(d->err || d->done)
		return d->err ? d->err : P2PCD_CONT_E_ARG;
	if(!d->have_hdr) {
		n = P2PCD_CONT_HEADER_LEN - d->hfill;
		if(n > len)
			n = len;
		memcpy(d->a.hdr + d->hfill, p, n);
		d->hfill += n;
		p += n;
		len -= n;
		/* refuse a non-container at its first bytes, not at the end */
		if(d->hfill < P2PCD_CONT_HEADER_LEN) {
			n = d->hfill < P2PCD_CONT_MAGIC_LEN ? d->hfill
												: P2PCD_CONT_MAGIC_LEN;
			if(memcmp(d->a.hdr, P2PCD_CONT_MAGIC, n))
				d->err = P2PCD_CONT_E_MAGIC;
			return d->err;
		}
		d->err = dec_header(d);
		if(d->err)
			return d->err;
	}
	while(len > 0) {
		if(d->fill == 0 && len >= d->rs) {
			/* a full record is never the final one */
			d->err = dec_record(d, p, d->rs, 0);
			n = d->rs;
		} else {
			n = d->rs - d->fill;
			if(n > len)
				n = len;
			memcpy(d->buf + d->fill, p, n);
			d->fill += n;
			if(d->fill == d->rs) {
				d->err = dec_record(d, d->buf, d->rs, 0);
				d->fill = 0;
			}
		}
		if(d->err)
			return d->err;
		p += n;
		len -= n;
	}
	return P2PCD_CONT_OK;
}

enum p2pcd_cont_err p2pcd_container_dec_final(struct p2pcd_cont_dec *d)
{
	if(!d)
		return P2PCD_CONT_E_ARG;
	if(d->err || d->done)
		return d->err ? d->err : P2PCD_CONT_E_ARG;
	d->done = 1;
	if(!d->have_hdr)
		d->err = P2PCD_CONT_E_SHORT_HEADER;
	else if(d->fill < P2PCD_CONT_TAG_LEN)
		/* nothing, or not even a tag, after the last full chunk */
		d->err = P2PCD_CONT_E_TRUNCATED;
	else
		d->err = dec_record(d, d->buf, d->fill, 1);
	d->fill = 0;
	return d->err;
}

const struct p2pcd_cont_header *p2pcd_container_dec_header(
		const struct p2pcd_cont_dec *d)
{
	return d && d->have_hdr ? &d->h : NULL;
}

uint64_t p2pcd_container_dec_chunk(const struct p2pcd_cont_dec *d)
{
	return d ? d->idx : 0;
}

void p2pcd_container_dec_free(struct p2pcd_cont_dec *d)
{
	if(!d)
		return;
	p2pcd_cont_aead_free(&d->a);
	wipe_free(d->buf, d->rs);
	wipe_free(d->out, d->h.chunk_size);
	sodium_memzero(d, sizeof(*d));
	free(d);
}
