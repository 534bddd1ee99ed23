/* PUBLISH, refresh, withdrawal: see publication.h. */
#include "publication.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define EVENT "p2pcd-content"

static void explain(const char *cmd, const struct sip_resp *r)
{
	const char *ra = sip_resp_header(r, "Retry-After");

	switch(r->status) {
		case 403:
			cli_err(cmd,
					"refused: %s (403): only identities in the publishers "
					"table may publish, and blocklisted content never",
					r->reason);
			break;
		case 400:
			cli_err(cmd, "the AS refused the publication: %s (400)", r->reason);
			break;
		case 409:
			cli_err(cmd, "%s (409): this torrent or KID is already published",
					r->reason);
			break;
		case 413:
			cli_err(cmd, "%s (413): the torrent is too large for one PUBLISH",
					r->reason);
			break;
		case 503:
			cli_err(cmd, "%s (503): try again in %s seconds", r->reason,
					ra ? ra : "a few");
			break;
		default:
			cli_err(cmd, "PUBLISH failed: %d %s", r->status, r->reason);
	}
}

/* one PUBLISH; 0 with *r filled, -1 (printed) */
static int publish(const char *cmd, const struct sip_uac_cfg *c,
		const struct pubstate *s, const char *if_match, int expires,
		const char *body, size_t len, struct sip_resp *r)
{
	struct sip_header h[3];
	struct sip_req rq = {.method = "PUBLISH", .ruri = s->target, .hdrs = h};
	char exp[16], err[512];

	snprintf(exp, sizeof(exp), "%d", expires);
	h[rq.n_hdrs++] = (struct sip_header){"Event", EVENT};
	h[rq.n_hdrs++] = (struct sip_header){"Expires", exp};
	if(if_match)
		h[rq.n_hdrs++] = (struct sip_header){"SIP-If-Match", if_match};
	if(body) {
		rq.content_type = "application/json";
		rq.body = body;
		rq.body_len = len;
	}
	if(sip_uac_request(c, &rq, r, err, sizeof(err))) {
		cli_err(cmd, "%s", err);
		return -1;
	}
	return 0;
}

/* SIP-ETag and Expires of a 200 into s */
static int take_etag(
		const char *cmd, const struct sip_resp *r, struct pubstate *s)
{
	const char *etag = sip_resp_header(r, "SIP-ETag");
	const char *exp = sip_resp_header(r, "Expires");

	if(!etag || strlen(etag) >= sizeof(s->etag) || !exp) {
		cli_err(cmd, "the 200 to PUBLISH has no SIP-ETag or Expires");
		return -1;
	}
	snprintf(s->etag, sizeof(s->etag), "%s", etag);
	s->expires = strtoll(exp, NULL, 10);
	s->refreshed = time(NULL);
	return 0;
}

int publication_send(const char *cmd, const struct sip_uac_cfg *c,
		struct pubstate *s, const char *body, size_t len, int expires)
{
	struct sip_resp r;
	char *grant = NULL, *content = NULL;
	const char *doi;
	int rc = -1;

	if(publish(cmd, c, s, NULL, expires, body, len, &r))
		return -1;
	if(r.status != 200) {
		explain(cmd, &r);
		goto out;
	}
	grant = sip_resp_call_info(&r, "p2pcd-grant");
	content = sip_resp_call_info(&r, "p2pcd-content");
	if(!grant || !content || strlen(grant) >= sizeof(s->grant_url)
			|| strlen(content) >= sizeof(s->content_uri)) {
		cli_err(cmd, "the 200 to PUBLISH has no grant or content URI in "
					 "Call-Info");
		goto out;
	}
	if(take_etag(cmd, &r, s))
		goto out;
	snprintf(s->grant_url, sizeof(s->grant_url), "%s", grant);
	snprintf(s->content_uri, sizeof(s->content_uri), "%s", content);
	/* the DOI is the user part of sip:DOI@DOMAIN */
	doi = content + (strncmp(content, "sip:", 4) ? 0 : 4);
	snprintf(s->doi, sizeof(s->doi), "%.*s", (int)strcspn(doi, "@"), doi);
	rc = 0;
out:
	free(grant);
	free(content);
	sip_resp_free(&r);
	return rc;
}

/* a conditional PUBLISH (SIP-If-Match, no body) of Expires: expires; on
 * 200 the new entity tag goes to update (may be NULL). 0, 1 on 412, -1 */
static int conditional(const char *cmd, const struct sip_uac_cfg *c,
		const struct pubstate *s, int expires, struct pubstate *update)
{
	struct sip_resp r;
	int rc = -1;

	if(publish(cmd, c, s, s->etag, expires, NULL, 0, &r))
		return -1;
	if(r.status == 412)
		rc = 1;
	else if(r.status != 200)
		explain(cmd, &r);
	else
		rc = update ? take_etag(cmd, &r, update) : 0;
	sip_resp_free(&r);
	return rc;
}

int publication_refresh(
		const char *cmd, const struct sip_uac_cfg *c, struct pubstate *s)
{
	return conditional(cmd, c, s, (int)s->expires, s);
}

int publication_withdraw(
		const char *cmd, const struct sip_uac_cfg *c, const struct pubstate *s)
{
	return conditional(cmd, c, s, 0, NULL);
}
