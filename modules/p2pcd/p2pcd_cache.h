/*
 * p2pcd - content cache in shared memory, loaded from the content table
 */

#ifndef _P2PCD_CACHE_H_
#define _P2PCD_CACHE_H_

#include "core/str.h"

#include "p2pcd_parse.h" /* P2PCD_DOI_MAX, P2PCD_RIGHTS_MAX */

#define P2PCD_TRACKER_MAX 64

enum p2pcd_state
{
	P2PCD_ST_PENDING = 0,
	P2PCD_ST_ACTIVE,
	P2PCD_ST_MUTED,
	P2PCD_ST_REMOVED,
};

/* one content item as the SIP functions need it */
typedef struct p2pcd_content
{
	char doi[P2PCD_DOI_MAX + 1];
	int doi_len;
	int state;
	char tracker[P2PCD_TRACKER_MAX + 1];
	long long price_cents;
	char currency[4];
	unsigned char info_hash[20];
	unsigned char kid[16];
	char *rights; /* JSON text, NUL-terminated */
	int rights_len;
	/* 1: rights are content.rights::text byte for byte, so a grant row
	 * need not store them again (sql/migrations/0011) */
	int rights_stored;
} p2pcd_content_t;

int p2pcd_cache_init(void);
void p2pcd_cache_destroy(void);
/* (re)load everything from the database with this process's connection;
 * the number of items, or -1 (the old cache stays) */
int p2pcd_cache_reload(void);
/*
 * Copy the item with this DOI into *c (rights into rbuf of rsize bytes).
 * 1 found, 0 not found.
 */
int p2pcd_cache_get(str *doi, p2pcd_content_t *c, char *rbuf, int rsize);
/* change one item's state in place (after the database said so) */
void p2pcd_cache_set_state(str *doi, int state);
int p2pcd_cache_count(void);
/* reload when the table changed since the last load (timer) */
int p2pcd_cache_check(void);
/* the timer process body */
void p2pcd_cache_timer(unsigned int ticks, void *param);
const char *p2pcd_state_name(int state);
int p2pcd_state_parse(str *s);

#endif /* _P2PCD_CACHE_H_ */
