/*
 * Bad-piece reports and the refusal of offenders (section "tamper" of the
 * tracker's libconfig file; defaults in tamper_config.c, documented in
 * p2pcd-tracker.conf and docs/tracker.md).
 */
#ifndef P2PCD_TRACKER_TAMPER_CONFIG_H
#define P2PCD_TRACKER_TAMPER_CONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#define TAMPER_MAX_REPORTERS 16 /* distinct reporters kept per offender */
#define TAMPER_MAX_REPORTS 64	/* reports kept per offender for the window */

struct tamper_config
{
	bool enabled;	   /* POST /report/TOKEN and the refusal */
	int reporters;	   /* refuse at this many distinct reporters, 0 = off */
	int reports;	   /* or at this many reports within window, 0 = off */
	int window;		   /* seconds, for reports */
	int rate;		   /* reports a reporter may send per minute */
	int burst;		   /* and at once */
	int max_offenders; /* subjects with reports held in memory */
	int load_limit;	   /* newest peer_reports rows read at (re)connect */
};

void tamper_config_defaults(struct tamper_config *c);
/* 0, or -1 with a message in err */
int tamper_config_load(
		config_t *cf, struct tamper_config *c, char *err, size_t en);

#endif
