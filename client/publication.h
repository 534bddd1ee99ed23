/*
 * The SIP side of a publication (RFC 3903, event package p2pcd-content;
 * modules/p2pcd/README "PUBLISH body"): the initial PUBLISH with the
 * JSON body, the refresh (SIP-If-Match, no body) and the withdrawal
 * (SIP-If-Match, Expires: 0).
 */
#ifndef P2PCD_CLIENT_PUBLICATION_H
#define P2PCD_CLIENT_PUBLICATION_H

#include <stddef.h>

#include "pubstate.h"
#include "sip_uac.h"

/*
 * PUBLISH body (JSON) to s->target with Expires: expires. On 200, s gets
 * doi, content_uri, etag, expires, refreshed and grant_url. 0 on 200, -1
 * otherwise with the reason printed for a publisher to act on.
 */
int publication_send(const char *cmd, const struct sip_uac_cfg *c,
		struct pubstate *s, const char *body, size_t len, int expires);
/* refresh: new etag and expires in s; 0, 1 if the publication is gone
 * (412), -1 on other failures (printed) */
int publication_refresh(
		const char *cmd, const struct sip_uac_cfg *c, struct pubstate *s);
/* withdrawal; 0, 1 if it was already gone (412), -1 (printed) */
int publication_withdraw(
		const char *cmd, const struct sip_uac_cfg *c, const struct pubstate *s);

#endif
