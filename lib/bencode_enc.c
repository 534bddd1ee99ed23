/*
 * Canonical bencode encoder: integers in their one decimal form, dict keys
 * checked to be strictly increasing, exactly one top-level value. Whatever
 * it outputs, the strict parser accepts unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p2pcd/bencode.h"
#include "p2pcd/decimal.h"

struct p2pcd_benc_frame
{
	enum p2pcd_btype type;
	int want_key;	/* dict: the next value is a key */
	int has_key;	/* dict: a previous key exists */
	size_t key_off; /* previous key's bytes, as an offset in buf */
	size_t key_len;
};

void p2pcd_benc_init(struct p2pcd_benc *e)
{
	memset(e, 0, sizeof(*e));
}

void p2pcd_benc_free(struct p2pcd_benc *e)
{
	if(!e)
		return;
	free(e->buf);
	free(e->st);
	memset(e, 0, sizeof(*e));
}

static enum p2pcd_benc_err set_err(
		struct p2pcd_benc *e, enum p2pcd_benc_err code)
{
	e->err = code;
	return code;
}

static int reserve(struct p2pcd_benc *e, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if(n <= e->cap - e->len)
		return 0;
	if(n > SIZE_MAX / 2 - e->len)
		return -1;
	cap = e->cap ? e->cap : 64;
	while(cap - e->len < n)
		cap *= 2;
	nb = realloc(e->buf, cap);
	if(!nb)
		return -1;
	e->buf = nb;
	e->cap = cap;
	return 0;
}

static enum p2pcd_benc_err put(struct p2pcd_benc *e, const void *p, size_t n)
{
	if(reserve(e, n))
		return set_err(e, P2PCD_BENC_E_NOMEM);
	if(n)
		memcpy(e->buf + e->len, p, n);
	e->len += n;
	return P2PCD_BENC_OK;
}

static struct p2pcd_benc_frame *top(struct p2pcd_benc *e)
{
	return e->depth ? &e->st[e->depth - 1] : NULL;
}

/*
 * May a value start here? key/key_len are the bytes of a string value
 * (NULL for others), checked against the previous key when in key place.
 */
static enum p2pcd_benc_err begin_value(
		struct p2pcd_benc *e, int is_str, const void *key, size_t key_len)
{
	struct p2pcd_benc_frame *f = top(e);

	if(e->err)
		return e->err;
	if(!f)
		return e->roots ? set_err(e, P2PCD_BENC_E_STATE) : P2PCD_BENC_OK;
	if(f->type != P2PCD_BT_DICT || !f->want_key)
		return P2PCD_BENC_OK;
	if(!is_str)
		return set_err(e, P2PCD_BENC_E_KEY_NOT_STR);
	if(f->has_key) {
		const uint8_t *prev = e->buf + f->key_off;
		size_t m = f->key_len < key_len ? f->key_len : key_len;
		int r = m ? memcmp(prev, key, m) : 0;

		if(!r && f->key_len == key_len)
			return set_err(e, P2PCD_BENC_E_KEY_DUP);
		if(r > 0 || (!r && f->key_len > key_len))
			return set_err(e, P2PCD_BENC_E_KEY_ORDER);
	}
	return P2PCD_BENC_OK;
}

/* A value is complete; str_off/str_len locate a string's bytes in buf. */
static void end_value(struct p2pcd_benc *e, size_t str_off, size_t str_len)
{
	struct p2pcd_benc_frame *f = top(e);

	if(!f) {
		e->roots++;
		return;
	}
	if(f->type != P2PCD_BT_DICT)
		return;
	if(f->want_key) {
		f->has_key = 1;
		f->key_off = str_off;
		f->key_len = str_len;
	}
	f->want_key = !f->want_key;
}

enum p2pcd_benc_err p2pcd_benc_int(struct p2pcd_benc *e, int64_t v)
{
	char tmp[P2PCD_DEC_I64_MAX + 2];
	size_t n;

	if(begin_value(e, 0, NULL, 0))
		return e->err;
	/* not snprintf: a tracker reply has a dozen of these */
	tmp[0] = 'i';
	n = 1 + p2pcd_dec_i64(v, tmp + 1);
	tmp[n++] = 'e';
	if(put(e, tmp, n))
		return e->err;
	end_value(e, 0, 0);
	return P2PCD_BENC_OK;
}

enum p2pcd_benc_err p2pcd_benc_str(
		struct p2pcd_benc *e, const void *p, size_t len)
{
	char tmp[P2PCD_DEC_I64_MAX + 1];
	size_t n, off;

	if(!p && len)
		return set_err(e, P2PCD_BENC_E_ARG);
	if(len > INT64_MAX)
		return set_err(e, P2PCD_BENC_E_ARG);
	if(begin_value(e, 1, p, len))
		return e->err;
	n = p2pcd_dec_i64((int64_t)len, tmp);
	tmp[n++] = ':';
	if(put(e, tmp, n))
		return e->err;
	off = e->len;
	if(put(e, p, len))
		return e->err;
	end_value(e, off, len);
	return P2PCD_BENC_OK;
}

enum p2pcd_benc_err p2pcd_benc_cstr(struct p2pcd_benc *e, const char *s)
{
	if(!s)
		return set_err(e, P2PCD_BENC_E_ARG);
	return p2pcd_benc_str(e, s, strlen(s));
}

static enum p2pcd_benc_err open_container(
		struct p2pcd_benc *e, enum p2pcd_btype type)
{
	struct p2pcd_benc_frame *f;

	if(begin_value(e, 0, NULL, 0))
		return e->err;
	if(e->depth >= P2PCD_BENC_MAX_DEPTH)
		return set_err(e, P2PCD_BENC_E_DEPTH);
	if(e->depth == e->st_cap) {
		size_t cap = e->st_cap ? e->st_cap * 2 : 8;

		f = realloc(e->st, cap * sizeof(*f));
		if(!f)
			return set_err(e, P2PCD_BENC_E_NOMEM);
		e->st = f;
		e->st_cap = cap;
	}
	if(put(e, type == P2PCD_BT_DICT ? "d" : "l", 1))
		return e->err;
	f = &e->st[e->depth++];
	memset(f, 0, sizeof(*f));
	f->type = type;
	f->want_key = type == P2PCD_BT_DICT;
	return P2PCD_BENC_OK;
}

enum p2pcd_benc_err p2pcd_benc_list(struct p2pcd_benc *e)
{
	return open_container(e, P2PCD_BT_LIST);
}

enum p2pcd_benc_err p2pcd_benc_dict(struct p2pcd_benc *e)
{
	return open_container(e, P2PCD_BT_DICT);
}

enum p2pcd_benc_err p2pcd_benc_end(struct p2pcd_benc *e)
{
	struct p2pcd_benc_frame *f = top(e);

	if(e->err)
		return e->err;
	/* nothing open, or a dict key still waiting for its value */
	if(!f || (f->type == P2PCD_BT_DICT && !f->want_key))
		return set_err(e, P2PCD_BENC_E_STATE);
	if(put(e, "e", 1))
		return e->err;
	e->depth--;
	end_value(e, 0, 0);
	return P2PCD_BENC_OK;
}

enum p2pcd_benc_err p2pcd_benc_node(
		struct p2pcd_benc *e, const struct p2pcd_bnode *n)
{
	size_t i, count;

	if(!n)
		return set_err(e, P2PCD_BENC_E_ARG);
	switch(n->type) {
		case P2PCD_BT_INT:
			return p2pcd_benc_int(e, n->u.i);
		case P2PCD_BT_STR:
			return p2pcd_benc_str(e, n->u.s.p, n->u.s.len);
		case P2PCD_BT_LIST:
		case P2PCD_BT_DICT:
			if(open_container(e, n->type))
				return e->err;
			count = n->type == P2PCD_BT_DICT ? 2 * n->u.c.n : n->u.c.n;
			for(i = 0; i < count; i++)
				if(p2pcd_benc_node(e, &n->u.c.v[i]))
					return e->err;
			return p2pcd_benc_end(e);
	}
	return set_err(e, P2PCD_BENC_E_ARG);
}

enum p2pcd_benc_err p2pcd_benc_result(
		const struct p2pcd_benc *e, const uint8_t **p, size_t *len)
{
	if(e->err)
		return e->err;
	if(e->depth || e->roots != 1)
		return P2PCD_BENC_E_STATE;
	if(p)
		*p = e->buf;
	if(len)
		*len = e->len;
	return P2PCD_BENC_OK;
}

enum p2pcd_benc_err p2pcd_benc_take(
		struct p2pcd_benc *e, uint8_t **p, size_t *len)
{
	enum p2pcd_benc_err r = p2pcd_benc_result(e, NULL, NULL);

	if(r)
		return r;
	*p = e->buf;
	*len = e->len;
	e->buf = NULL;
	p2pcd_benc_free(e);
	return P2PCD_BENC_OK;
}
