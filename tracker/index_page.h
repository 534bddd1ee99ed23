/*
 * The content index role's catalog answers, built from rows the database
 * gave (index_db.c): the HTML page of "/" and the JSON of "/content.json",
 * and the escaping they need. Pure functions, no I/O.
 */
#ifndef P2PCD_TRACKER_INDEX_PAGE_H
#define P2PCD_TRACKER_INDEX_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

/* one content item in state active (strings: NUL-terminated UTF-8) */
struct index_item
{
	const char *doi, *title, *currency, *info_hash, *tracker;
	int64_t size_bytes, price_cents, created;
	int64_t seeders, leechers, completed; /* summed over swarm_stats */
	int64_t stats_updated; /* unix time of the newest figure, -1: none */
};

/* s with & < > " ' as character references (text and attribute values) */
void idx_html_escape(struct sbuf *b, const char *s);
/* sip:USER@domain, the DOI %-escaped as an RFC 3261 user part needs */
void idx_sip_uri(struct sbuf *b, const char *doi, const char *domain);
/* "512 B", "8.0 MiB", "1.2 GiB" */
void idx_human_size(int64_t bytes, char *out, size_t size);
/* "1.50 EUR", "free" for 0 (the currency is not escaped) */
void idx_price(int64_t cents, const char *currency, char *out, size_t size);
/* "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "no report yet" */
void idx_age(int64_t updated, int64_t now, char *out, size_t size);

/* the HTML5 page of n items; the caller frees b (NULL p on OOM) */
void idx_render_page(struct sbuf *b, const struct index_item *it, size_t n,
		const char *domain, int64_t now);
/* {"content":[...]} of n items, malloc'ed NUL-terminated; NULL on OOM */
char *idx_render_json(
		const struct index_item *it, size_t n, const char *domain);

#endif
