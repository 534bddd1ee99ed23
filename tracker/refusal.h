/*
 * Why a request is refused: the BEP 3 `failure reason` text, the BEP 31
 * `retry in` hint and the Prometheus label, in one table.
 */
#ifndef P2PCD_TRACKER_REFUSAL_H
#define P2PCD_TRACKER_REFUSAL_H

enum refusal
{
	RF_OK = 0,
	RF_MALFORMED, /* query does not parse; detail from the parser */
	RF_NO_TOKEN,
	RF_BAD_TOKEN,	  /* malformed, bad signature, bad claims */
	RF_EXPIRED_TOKEN, /* expired or not yet valid */
	RF_FOREIGN_TOKEN, /* another audience or unknown key */
	RF_WRONG_SWARM,	  /* token's ih differs from the announced one */
	RF_UNKNOWN_TORRENT,
	RF_MUTED,
	RF_REMOVED,
	RF_NOT_OPEN,		/* pending content: seeds only */
	RF_FOREIGN_TORRENT, /* assigned to another tracker */
	RF_TRACKER_MUTED,
	RF_INTERNAL,
	RF_COUNT
};

const char *refusal_label(enum refusal r);
const char *refusal_text(enum refusal r);
/* BEP 31: minutes, or -1 for "never" */
int refusal_retry_minutes(enum refusal r, int temporary_minutes);

#endif
