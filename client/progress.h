/*
 * Transfer progress on stderr (never stdout: that is for each command's
 * --json object), e.g.
 *   3.2 MiB / 8.0 MiB  40%  1.1 MiB/s down  0.4 MiB/s up  3 peers  ETA 0:05
 */
#ifndef P2PCD_CLIENT_PROGRESS_H
#define P2PCD_CLIENT_PROGRESS_H

#include <stdint.h>

#include "bt.h"

enum progress_mode
{
	/* a live line on a TTY stderr, nothing otherwise; the environment
	 * variable P2PCD_PROGRESS=live|lines|quiet overrides AUTO */
	PROGRESS_AUTO,
	PROGRESS_QUIET,
	/* one plain line every few seconds (P2PCD_PROGRESS_INTERVAL seconds,
	 * default 3) and a last one at progress_done, for logs */
	PROGRESS_LINES,
	PROGRESS_LIVE, /* the live line even if stderr is not a TTY */
};

struct progress
{
	int mode; /* resolved: QUIET, LINES or LIVE */
	int interval_ms;
	int64_t last_ms;  /* when the last line was printed */
	int live_len;	  /* length of the live line on screen, 0 none */
	int have;		  /* last holds a status */
	int printed_last; /* the last status was printed */
	struct bt_status last;
};

/* mode: enum progress_mode. Never fails. */
void progress_init(struct progress *p, int mode);
/* shows st (rate-limited in LINES mode) */
void progress_update(struct progress *p, const struct bt_status *st);
/* ends the live line; in LINES mode prints the last status if it was
 * not printed yet */
void progress_done(struct progress *p);
/* "3.2 MiB", "512 B" into buf */
const char *progress_bytes(int64_t n, char *buf, int size);
/* the line for st into buf (no newline) */
const char *progress_format(const struct bt_status *st, char *buf, int size);

#endif
