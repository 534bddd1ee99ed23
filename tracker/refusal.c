/* Refusal texts and labels: see refusal.h. */
#include "refusal.h"

static const struct
{
	const char *label;
	const char *text;
	int temporary; /* worth retrying later without a new token */
} table[RF_COUNT] = {
		[RF_OK] = {"ok", "ok", 0},
		[RF_MALFORMED] = {"malformed", "malformed request", 0},
		[RF_NO_TOKEN] = {"no_token",
				"admission token missing: announce to "
				"/announce/TOKEN",
				0},
		[RF_BAD_TOKEN] = {"bad_token", "invalid admission token", 0},
		[RF_EXPIRED_TOKEN] = {"expired_token",
				"admission token expired or not yet valid", 0},
		[RF_FOREIGN_TOKEN] = {"foreign_token",
				"admission token is for another tracker", 0},
		[RF_WRONG_SWARM] = {"wrong_swarm",
				"admission token is for another torrent", 0},
		[RF_UNKNOWN_TORRENT] = {"unknown_torrent",
				"unknown torrent (not registered)", 0},
		[RF_MUTED] = {"muted", "torrent muted by the operator", 1},
		[RF_REMOVED] = {"removed", "torrent removed", 0},
		[RF_NOT_OPEN] = {"not_open", "torrent not open yet (seeders only)", 1},
		[RF_FOREIGN_TORRENT] = {"foreign_torrent",
				"torrent is served by another tracker", 0},
		[RF_TRACKER_MUTED] = {"tracker_muted", "tracker muted for maintenance",
				1},
		[RF_INTERNAL] = {"internal", "internal error, try again", 1},
};

const char *refusal_label(enum refusal r)
{
	return (unsigned)r < RF_COUNT ? table[r].label : "internal";
}

const char *refusal_text(enum refusal r)
{
	return (unsigned)r < RF_COUNT ? table[r].text : "internal error";
}

int refusal_retry_minutes(enum refusal r, int temporary_minutes)
{
	if((unsigned)r < RF_COUNT && table[r].temporary)
		return temporary_minutes;
	return -1;
}
