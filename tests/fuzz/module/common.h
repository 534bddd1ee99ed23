/*
 * Shared checks of the p2pcd module fuzz targets (tests/fuzz/module/):
 * what p2pcd_parse.c hands back to the module must be safe to use as is.
 */
#ifndef P2PCD_FUZZ_MODULE_COMMON_H
#define P2PCD_FUZZ_MODULE_COMMON_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "p2pcd_parse.h"

/* a reason phrase goes into a SIP status line: printable ASCII and
 * spaces only (no CR, LF, NUL), short */
static inline void fuzz_check_reason(const char *why)
{
	size_t i;

	if(why == NULL || why[0] == '\0' || strlen(why) > 80)
		abort();
	for(i = 0; why[i]; i++)
		if((unsigned char)why[i] < 0x20 || (unsigned char)why[i] > 0x7e)
			abort();
}

/* a checked publication: what the module writes into SQL */
static inline void fuzz_check_pubinfo(
		const p2pcd_pubinfo_t *pi, long long max_size)
{
	json_t *r;
	size_t i, chars = 0, tl;

	tl = strnlen(pi->title, sizeof(pi->title));
	if(tl == 0 || tl > P2PCD_TITLE_MAX)
		abort();
	/* valid UTF-8 (jansson), at most 512 characters, no NUL inside */
	r = json_stringn(pi->title, tl); /* NULL if not valid UTF-8 */
	if(!json_is_string(r))
		abort();
	json_decref(r);
	for(i = 0; i < tl; i++)
		if(((unsigned char)pi->title[i] & 0xc0) != 0x80)
			chars++;
	if(chars > 512)
		abort();
	if(pi->price < 0)
		abort();
	for(i = 0; i < 3; i++)
		if(pi->currency[i] < 'A' || pi->currency[i] > 'Z')
			abort();
	if(pi->currency[3] != '\0')
		abort();
	/* rights: a JSON object the database's jsonb accepts */
	tl = strnlen(pi->rights, sizeof(pi->rights));
	if(tl > P2PCD_RIGHTS_MAX || strstr(pi->rights, "\\u0000"))
		abort();
	r = json_loadb(pi->rights, tl, JSON_REJECT_DUPLICATES, NULL);
	if(!json_is_object(r))
		abort();
	json_decref(r);
	if(pi->has_fp != 0 && pi->has_fp != 1)
		abort();
	if(pi->sealed_len < (int)crypto_box_SEALBYTES + 16
			|| pi->sealed_len > (int)sizeof(pi->sealed))
		abort();
	if(pi->size < 1 || pi->size > max_size)
		abort();
}

#endif
