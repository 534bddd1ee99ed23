/*
 * Strict zero-copy bencode parser.
 *
 * Three passes over the input, all by the same recursive descent:
 *   CHECK  validates everything and counts nodes and containers, with no
 *          allocation, so a hostile input costs no memory;
 *   COUNT  records each container's child count (pre-order numbering);
 *   BUILD  fills the nodes, giving each container a contiguous block of
 *          children so list index and dict lookup are O(1) / O(log n).
 * Nodes and counts live in the one allocation that is the document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2pcd/bencode.h"

struct p2pcd_bdoc
{
	size_t nnodes;
	struct p2pcd_bnode nodes[]; /* nodes[0] is the root; counts follow */
};

enum pass
{
	PASS_CHECK,
	PASS_COUNT,
	PASS_BUILD
};

struct pctx
{
	const uint8_t *buf;
	size_t len, pos;
	unsigned max_depth;
	size_t max_nodes;
	enum pass pass;
	size_t nodes, conts;
	size_t *counts;
	struct p2pcd_bnode *arena;
	size_t next;
	enum p2pcd_benc_err code;
	size_t err_off;
};

static const char *const err_str[] = {
		[P2PCD_BENC_OK] = "ok",
		[P2PCD_BENC_E_TRUNCATED] = "input truncated",
		[P2PCD_BENC_E_BAD_TYPE] = "unknown type byte",
		[P2PCD_BENC_E_INT_SYNTAX] = "malformed integer",
		[P2PCD_BENC_E_INT_NONCANON] = "non-canonical integer",
		[P2PCD_BENC_E_INT_OVERFLOW] = "integer overflows int64",
		[P2PCD_BENC_E_STR_LEN] = "malformed string length",
		[P2PCD_BENC_E_STR_RANGE] = "string longer than the input",
		[P2PCD_BENC_E_KEY_NOT_STR] = "dict key is not a string",
		[P2PCD_BENC_E_KEY_ORDER] = "dict keys not sorted",
		[P2PCD_BENC_E_KEY_DUP] = "duplicate dict key",
		[P2PCD_BENC_E_TRAILING] = "trailing data after the value",
		[P2PCD_BENC_E_DEPTH] = "nesting too deep",
		[P2PCD_BENC_E_NODES] = "too many values",
		[P2PCD_BENC_E_NOMEM] = "out of memory",
		[P2PCD_BENC_E_ARG] = "invalid argument",
		[P2PCD_BENC_E_STATE] = "encoder misuse",
};

const char *p2pcd_benc_strerror(enum p2pcd_benc_err code)
{
	if((unsigned)code >= sizeof(err_str) / sizeof(err_str[0]))
		return "unknown error";
	return err_str[code];
}

static int fail(struct pctx *c, enum p2pcd_benc_err code, size_t off)
{
	c->code = code;
	c->err_off = off;
	return -1;
}

static int is_digit(uint8_t ch)
{
	return ch >= '0' && ch <= '9';
}

/* raw byte order, shorter first on a common prefix: <0, 0, >0 */
static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if(r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

static int parse_value(struct pctx *c, unsigned depth, struct p2pcd_bnode *out);

static int parse_int(struct pctx *c, struct p2pcd_bnode *out)
{
	size_t p = c->pos + 1;
	uint64_t v = 0, lim = INT64_MAX;
	int neg = 0;

	if(p < c->len && c->buf[p] == '-') {
		neg = 1;
		lim = (uint64_t)INT64_MAX + 1;
		p++;
	}
	if(p >= c->len)
		return fail(c, P2PCD_BENC_E_TRUNCATED, c->len);
	if(!is_digit(c->buf[p]))
		return fail(c, P2PCD_BENC_E_INT_SYNTAX, p);
	/* one encoding per value: no "i03e", no "i-0e" */
	if(c->buf[p] == '0' && (neg || (p + 1 < c->len && is_digit(c->buf[p + 1]))))
		return fail(c, P2PCD_BENC_E_INT_NONCANON, p);
	for(; p < c->len && is_digit(c->buf[p]); p++) {
		unsigned d = c->buf[p] - '0';

		if(v > (lim - d) / 10)
			return fail(c, P2PCD_BENC_E_INT_OVERFLOW, c->pos);
		v = v * 10 + d;
	}
	if(p >= c->len)
		return fail(c, P2PCD_BENC_E_TRUNCATED, c->len);
	if(c->buf[p] != 'e')
		return fail(c, P2PCD_BENC_E_INT_SYNTAX, p);
	out->type = P2PCD_BT_INT;
	if(neg)
		out->u.i = v > INT64_MAX ? INT64_MIN : -(int64_t)v;
	else
		out->u.i = (int64_t)v;
	c->pos = p + 1;
	return 0;
}

static int parse_str(struct pctx *c, struct p2pcd_bnode *out)
{
	size_t p = c->pos, n = 0;

	if(c->buf[p] == '0' && p + 1 < c->len && is_digit(c->buf[p + 1]))
		return fail(c, P2PCD_BENC_E_STR_LEN, p);
	for(; p < c->len && is_digit(c->buf[p]); p++) {
		unsigned d = c->buf[p] - '0';

		/* past the input length it is an error anyway: stop
		 * before the multiplication can overflow */
		if(n > c->len / 10)
			return fail(c, P2PCD_BENC_E_STR_RANGE, c->pos);
		n = n * 10 + d;
	}
	if(p >= c->len)
		return fail(c, P2PCD_BENC_E_TRUNCATED, c->len);
	if(c->buf[p] != ':')
		return fail(c, P2PCD_BENC_E_STR_LEN, p);
	p++;
	if(n > c->len - p)
		return fail(c, P2PCD_BENC_E_STR_RANGE, c->pos);
	out->type = P2PCD_BT_STR;
	out->u.s.p = c->buf + p;
	out->u.s.len = n;
	c->pos = p + n;
	return 0;
}

/* A list or dict: children go to a block reserved in the BUILD pass. */
static int parse_container(
		struct pctx *c, unsigned depth, struct p2pcd_bnode *out)
{
	int is_dict = c->buf[c->pos] == 'd';
	size_t idx = c->conts++, i;
	struct p2pcd_bnode tmp, *kids = NULL, *kid;
	const uint8_t *prev = NULL;
	size_t prev_len = 0;

	if(depth + 1 > c->max_depth)
		return fail(c, P2PCD_BENC_E_DEPTH, c->pos);
	if(c->pass == PASS_BUILD) {
		kids = c->arena + c->next;
		c->next += c->counts[idx];
	}
	c->pos++;
	for(i = 0;; i++) {
		if(c->pos >= c->len)
			return fail(c, P2PCD_BENC_E_TRUNCATED, c->len);
		if(c->buf[c->pos] == 'e')
			break;
		kid = kids ? &kids[i] : &tmp;
		if(is_dict && !(i & 1)) {
			size_t koff = c->pos;
			uint8_t t = c->buf[koff];

			if(!is_digit(t))
				return fail(c,
						t == 'i' || t == 'l' || t == 'd'
								? P2PCD_BENC_E_KEY_NOT_STR
								: P2PCD_BENC_E_BAD_TYPE,
						koff);
			if(parse_value(c, depth + 1, kid))
				return -1;
			if(prev) {
				int r = key_cmp(prev, prev_len, kid->u.s.p, kid->u.s.len);

				if(r == 0)
					return fail(c, P2PCD_BENC_E_KEY_DUP, koff);
				if(r > 0)
					return fail(c, P2PCD_BENC_E_KEY_ORDER, koff);
			}
			prev = kid->u.s.p;
			prev_len = kid->u.s.len;
		} else if(parse_value(c, depth + 1, kid)) {
			return -1;
		}
	}
	if(is_dict && (i & 1)) /* a key without a value */
		return fail(c, P2PCD_BENC_E_TRUNCATED, c->pos);
	c->pos++;
	if(c->pass == PASS_COUNT)
		c->counts[idx] = i;
	out->type = is_dict ? P2PCD_BT_DICT : P2PCD_BT_LIST;
	out->u.c.v = kids;
	out->u.c.n = is_dict ? i / 2 : i;
	return 0;
}

static int parse_value(struct pctx *c, unsigned depth, struct p2pcd_bnode *out)
{
	size_t start = c->pos;
	uint8_t t;
	int r;

	if(c->pos >= c->len)
		return fail(c, P2PCD_BENC_E_TRUNCATED, c->len);
	if(c->pass == PASS_CHECK && ++c->nodes > c->max_nodes)
		return fail(c, P2PCD_BENC_E_NODES, start);
	t = c->buf[start];
	if(t == 'i')
		r = parse_int(c, out);
	else if(is_digit(t))
		r = parse_str(c, out);
	else if(t == 'l' || t == 'd')
		r = parse_container(c, depth, out);
	else
		return fail(c, P2PCD_BENC_E_BAD_TYPE, start);
	if(r)
		return r;
	out->raw = c->buf + start;
	out->raw_len = c->pos - start;
	return 0;
}

static int run_pass(struct pctx *c, enum pass pass, struct p2pcd_bnode *root)
{
	c->pass = pass;
	c->pos = 0;
	c->conts = 0;
	if(parse_value(c, 0, root))
		return -1;
	if(c->pos != c->len)
		return fail(c, P2PCD_BENC_E_TRAILING, c->pos);
	return 0;
}

static enum p2pcd_benc_err set_err(
		struct p2pcd_benc_error *err, enum p2pcd_benc_err code, size_t off)
{
	if(err) {
		err->code = code;
		err->offset = off;
		if(code == P2PCD_BENC_OK)
			snprintf(err->msg, sizeof(err->msg), "ok");
		else
			snprintf(err->msg, sizeof(err->msg), "offset %zu: %s", off,
					p2pcd_benc_strerror(code));
	}
	return code;
}

enum p2pcd_benc_err p2pcd_bdecode(const uint8_t *buf, size_t len,
		const struct p2pcd_benc_limits *lim, p2pcd_bdoc_t **doc,
		struct p2pcd_benc_error *err)
{
	struct pctx c;
	struct p2pcd_bnode tmp;
	p2pcd_bdoc_t *d;
	size_t sz;

	if(!doc)
		return set_err(err, P2PCD_BENC_E_ARG, 0);
	*doc = NULL;
	if(!buf && len)
		return set_err(err, P2PCD_BENC_E_ARG, 0);
	memset(&c, 0, sizeof(c));
	c.buf = buf;
	c.len = len;
	c.max_depth =
			lim && lim->max_depth ? lim->max_depth : P2PCD_BENC_DEFAULT_DEPTH;
	c.max_nodes =
			lim && lim->max_nodes ? lim->max_nodes : P2PCD_BENC_DEFAULT_NODES;
	if(c.max_depth > P2PCD_BENC_MAX_DEPTH)
		return set_err(err, P2PCD_BENC_E_ARG, 0);

	if(run_pass(&c, PASS_CHECK, &tmp))
		return set_err(err, c.code, c.err_off);

	/* nodes <= len, so these products cannot overflow */
	sz = sizeof(*d) + c.nodes * sizeof(d->nodes[0]) + c.conts * sizeof(size_t);
	d = calloc(1, sz);
	if(!d)
		return set_err(err, P2PCD_BENC_E_NOMEM, 0);
	d->nnodes = c.nodes;
	c.arena = d->nodes;
	c.counts = (size_t *)(void *)(d->nodes + c.nodes);
	c.next = 1;
	/* validated already: these passes cannot fail */
	if(run_pass(&c, PASS_COUNT, &tmp)
			|| run_pass(&c, PASS_BUILD, &d->nodes[0])) {
		free(d);
		return set_err(err, c.code, c.err_off);
	}
	*doc = d;
	return set_err(err, P2PCD_BENC_OK, 0);
}

const struct p2pcd_bnode *p2pcd_bdoc_root(const p2pcd_bdoc_t *doc)
{
	return doc ? &doc->nodes[0] : NULL;
}

size_t p2pcd_bdoc_nodes(const p2pcd_bdoc_t *doc)
{
	return doc ? doc->nnodes : 0;
}

void p2pcd_bdoc_free(p2pcd_bdoc_t *doc)
{
	free(doc);
}

enum p2pcd_btype p2pcd_bnode_type(const struct p2pcd_bnode *n)
{
	return n ? n->type : 0;
}

size_t p2pcd_bnode_len(const struct p2pcd_bnode *n)
{
	if(!n || (n->type != P2PCD_BT_LIST && n->type != P2PCD_BT_DICT))
		return 0;
	return n->u.c.n;
}

const struct p2pcd_bnode *p2pcd_blist_at(
		const struct p2pcd_bnode *list, size_t i)
{
	if(!list || list->type != P2PCD_BT_LIST || i >= list->u.c.n)
		return NULL;
	return &list->u.c.v[i];
}

const struct p2pcd_bnode *p2pcd_bdict_get(
		const struct p2pcd_bnode *dict, const void *key, size_t key_len)
{
	size_t lo = 0, hi, mid;
	const struct p2pcd_bnode *k;
	int r;

	if(!dict || dict->type != P2PCD_BT_DICT || (!key && key_len))
		return NULL;
	hi = dict->u.c.n;
	while(lo < hi) {
		mid = lo + (hi - lo) / 2;
		k = &dict->u.c.v[2 * mid];
		r = key_cmp(k->u.s.p, k->u.s.len, key, key_len);
		if(r == 0)
			return k + 1;
		if(r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct p2pcd_bnode *p2pcd_bdict_gets(
		const struct p2pcd_bnode *dict, const char *key)
{
	if(!key)
		return NULL;
	return p2pcd_bdict_get(dict, key, strlen(key));
}

int p2pcd_bdict_entry(const struct p2pcd_bnode *dict, size_t i,
		const struct p2pcd_bnode **key, const struct p2pcd_bnode **val)
{
	if(!dict || dict->type != P2PCD_BT_DICT || i >= dict->u.c.n)
		return -1;
	if(key)
		*key = &dict->u.c.v[2 * i];
	if(val)
		*val = &dict->u.c.v[2 * i + 1];
	return 0;
}

int p2pcd_bnode_int(const struct p2pcd_bnode *n, int64_t *out)
{
	if(!n || n->type != P2PCD_BT_INT)
		return -1;
	if(out)
		*out = n->u.i;
	return 0;
}

int p2pcd_bnode_str(const struct p2pcd_bnode *n, const uint8_t **p, size_t *len)
{
	if(!n || n->type != P2PCD_BT_STR)
		return -1;
	if(p)
		*p = n->u.s.p;
	if(len)
		*len = n->u.s.len;
	return 0;
}

int p2pcd_bnode_raw(const struct p2pcd_bnode *n, const uint8_t **p, size_t *len)
{
	if(!n)
		return -1;
	if(p)
		*p = n->raw;
	if(len)
		*len = n->raw_len;
	return 0;
}

int p2pcd_bdict_get_int(
		const struct p2pcd_bnode *dict, const char *key, int64_t *out)
{
	return p2pcd_bnode_int(p2pcd_bdict_gets(dict, key), out);
}

int p2pcd_bdict_get_str(const struct p2pcd_bnode *dict, const char *key,
		const uint8_t **p, size_t *len)
{
	return p2pcd_bnode_str(p2pcd_bdict_gets(dict, key), p, len);
}
