/*
 * Strict bencode (BEP 3): a zero-copy parser and a canonical encoder.
 *
 * The parser accepts only canonical input (the one encoding of a value), so
 * encode(parse(b)) == b for every accepted b. Strings and raw spans point
 * into the caller's buffer, which must outlive the document.
 */
#ifndef P2PCD_BENCODE_H
#define P2PCD_BENCODE_H

#include <stddef.h>
#include <stdint.h>

#define P2PCD_BENC_DEFAULT_DEPTH 32
#define P2PCD_BENC_MAX_DEPTH 256 /* hard cap: the parser recurses */
#define P2PCD_BENC_DEFAULT_NODES 262144

/* Result codes of the parser and the encoder; 0 is success. */
enum p2pcd_benc_err
{
	P2PCD_BENC_OK = 0,
	P2PCD_BENC_E_TRUNCATED,	   /* input ends inside a value */
	P2PCD_BENC_E_BAD_TYPE,	   /* unknown type byte */
	P2PCD_BENC_E_INT_SYNTAX,   /* empty integer, "i-e", non-digit */
	P2PCD_BENC_E_INT_NONCANON, /* leading zero or "-0" */
	P2PCD_BENC_E_INT_OVERFLOW, /* outside int64 */
	P2PCD_BENC_E_STR_LEN,	   /* bad length prefix (leading zero...) */
	P2PCD_BENC_E_STR_RANGE,	   /* length beyond the remaining input */
	P2PCD_BENC_E_KEY_NOT_STR,  /* dict key that is not a string */
	P2PCD_BENC_E_KEY_ORDER,	   /* dict keys not in raw byte order */
	P2PCD_BENC_E_KEY_DUP,	   /* duplicate dict key */
	P2PCD_BENC_E_TRAILING,	   /* data after the top-level value */
	P2PCD_BENC_E_DEPTH,		   /* nesting deeper than the limit */
	P2PCD_BENC_E_NODES,		   /* more nodes than the limit */
	P2PCD_BENC_E_NOMEM,
	P2PCD_BENC_E_ARG,	/* bad argument or limit */
	P2PCD_BENC_E_STATE, /* encoder misuse (unbalanced, 2 roots) */
};

enum p2pcd_btype
{
	P2PCD_BT_INT = 1,
	P2PCD_BT_STR,
	P2PCD_BT_LIST,
	P2PCD_BT_DICT,
};

/*
 * A parsed value. Read-only for users; prefer the accessors below.
 * Containers hold their children contiguously: a list has n items, a dict
 * has n pairs stored as 2n nodes (key, value, key, value...), keys sorted.
 */
struct p2pcd_bnode
{
	enum p2pcd_btype type;
	const uint8_t *raw; /* the whole encoded value in the input */
	size_t raw_len;
	union
	{
		int64_t i;
		struct
		{
			const uint8_t *p;
			size_t len;
		} s;
		struct
		{
			struct p2pcd_bnode *v;
			size_t n;
		} c;
	} u;
};

struct p2pcd_benc_limits
{
	unsigned max_depth; /* 0: default; containers nested, root = 1 */
	size_t max_nodes;	/* 0: default */
};

struct p2pcd_benc_error
{
	enum p2pcd_benc_err code;
	size_t offset; /* byte offset in the input */
	char msg[128]; /* "offset 12: dict keys not sorted" */
};

typedef struct p2pcd_bdoc p2pcd_bdoc_t;

/*
 * Parse buf strictly. On success *doc is one allocation holding every node
 * (free with p2pcd_bdoc_free). On failure *doc is NULL and err (optional)
 * says what and where. lim may be NULL for the defaults.
 */
enum p2pcd_benc_err p2pcd_bdecode(const uint8_t *buf, size_t len,
		const struct p2pcd_benc_limits *lim, p2pcd_bdoc_t **doc,
		struct p2pcd_benc_error *err);
const struct p2pcd_bnode *p2pcd_bdoc_root(const p2pcd_bdoc_t *doc);
size_t p2pcd_bdoc_nodes(const p2pcd_bdoc_t *doc);
void p2pcd_bdoc_free(p2pcd_bdoc_t *doc);
const char *p2pcd_benc_strerror(enum p2pcd_benc_err code);

/* Accessors: NULL-safe; a type mismatch gives NULL / -1 / 0. */
enum p2pcd_btype p2pcd_bnode_type(const struct p2pcd_bnode *n);
/* items of a list, pairs of a dict, 0 for anything else */
size_t p2pcd_bnode_len(const struct p2pcd_bnode *n);
const struct p2pcd_bnode *p2pcd_blist_at(
		const struct p2pcd_bnode *list, size_t i);
/* binary search (keys are sorted); key is binary safe */
const struct p2pcd_bnode *p2pcd_bdict_get(
		const struct p2pcd_bnode *dict, const void *key, size_t key_len);
const struct p2pcd_bnode *p2pcd_bdict_gets(
		const struct p2pcd_bnode *dict, const char *key);
int p2pcd_bdict_entry(const struct p2pcd_bnode *dict, size_t i,
		const struct p2pcd_bnode **key, const struct p2pcd_bnode **val);
int p2pcd_bnode_int(const struct p2pcd_bnode *n, int64_t *out);
int p2pcd_bnode_str(
		const struct p2pcd_bnode *n, const uint8_t **p, size_t *len);
int p2pcd_bnode_raw(
		const struct p2pcd_bnode *n, const uint8_t **p, size_t *len);
/* dict member of a given type: 0, or -1 if missing or of another type */
int p2pcd_bdict_get_int(
		const struct p2pcd_bnode *dict, const char *key, int64_t *out);
int p2pcd_bdict_get_str(const struct p2pcd_bnode *dict, const char *key,
		const uint8_t **p, size_t *len);

/*
 * Encoder: a growable buffer. Inside a dict, the string calls alternate
 * with values as key, value, key, value; each key must sort strictly after
 * the previous one. The first error sticks: later calls return it too.
 */
struct p2pcd_benc_frame;
struct p2pcd_benc
{
	uint8_t *buf;
	size_t len, cap;
	struct p2pcd_benc_frame *st;
	size_t depth, st_cap;
	int roots; /* complete top-level values */
	enum p2pcd_benc_err err;
};

void p2pcd_benc_init(struct p2pcd_benc *e);
void p2pcd_benc_free(struct p2pcd_benc *e);
enum p2pcd_benc_err p2pcd_benc_int(struct p2pcd_benc *e, int64_t v);
enum p2pcd_benc_err p2pcd_benc_str(
		struct p2pcd_benc *e, const void *p, size_t len);
enum p2pcd_benc_err p2pcd_benc_cstr(struct p2pcd_benc *e, const char *s);
enum p2pcd_benc_err p2pcd_benc_list(struct p2pcd_benc *e);
enum p2pcd_benc_err p2pcd_benc_dict(struct p2pcd_benc *e);
enum p2pcd_benc_err p2pcd_benc_end(struct p2pcd_benc *e);
/* a parsed node, re-encoded (e.g. to copy a torrent's info dict) */
enum p2pcd_benc_err p2pcd_benc_node(
		struct p2pcd_benc *e, const struct p2pcd_bnode *n);
/* the result: one complete top-level value, owned by e */
enum p2pcd_benc_err p2pcd_benc_result(
		const struct p2pcd_benc *e, const uint8_t **p, size_t *len);
/* same, but the caller takes the buffer (free()) and e is reset */
enum p2pcd_benc_err p2pcd_benc_take(
		struct p2pcd_benc *e, uint8_t **p, size_t *len);

#endif
