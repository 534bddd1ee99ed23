/*
 * p2pcd - SIP side: replies (sl, tm), request helpers
 */

#include <string.h>

#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/parser/parse_content.h"
#include "core/trim.h"
#include "modules/sl/sl.h"

#include "p2pcd.h"
#include "p2pcd_sip.h"

static sl_api_t p2pcd_slb;
struct tm_binds p2pcd_tmb;
int p2pcd_have_tm = 0;

/**
 * bind the sl API and, when loaded, tm (mod_init)
 */
int p2pcd_sip_init(void)
{
	if(sl_load_api(&p2pcd_slb) != 0) {
		LM_ERR("cannot bind the sl API: load the sl module\n");
		return -1;
	}
	memset(&p2pcd_tmb, 0, sizeof(p2pcd_tmb));
	if(load_tm_api(&p2pcd_tmb) == 0) {
		p2pcd_have_tm = 1;
	} else {
		LM_INFO("tm not loaded: database work runs in the SIP worker\n");
	}
	return 0;
}

/**
 * p2pcd_ping(): answer the request with a stateless 200 "p2pcd"
 */
int ki_p2pcd_ping(sip_msg_t *msg)
{
	static str reason = str_init("p2pcd");

	if(p2pcd_slb.sreply(msg, 200, &reason) < 0) {
		LM_ERR("cannot send the reply\n");
		return -1;
	}
	return 1;
}

int p2pcd_reply(sip_msg_t *msg, int code, const char *reason, const char *hdrs)
{
	str r;

	if(msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value == METHOD_ACK)
		return 0;
	if(hdrs != NULL && *hdrs != '\0'
			&& add_lump_rpl(msg, (char *)hdrs, strlen(hdrs), LUMP_RPL_HDR)
					   == NULL) {
		LM_ERR("cannot add the reply headers\n");
	}
	r.s = (char *)reason;
	r.len = strlen(reason);
	if(p2pcd_slb.freply(msg, code, &r) < 0)
		LM_ERR("cannot send the %d reply\n", code);
	return 0;
}

int p2pcd_sl_totag(sip_msg_t *msg, str *tag)
{
	return p2pcd_slb.get_reply_totag(msg, tag);
}

int p2pcd_body(sip_msg_t *msg, str *body)
{
	body->s = NULL;
	body->len = 0;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	if(msg->content_length == NULL)
		return 0; /* UDP without Content-Length: the rest of the datagram */
	body->len = get_content_length(msg);
	if(body->len <= 0) {
		body->len = 0;
		return 0;
	}
	body->s = get_body(msg);
	if(body->s == NULL)
		return -1;
	if(body->s + body->len > msg->buf + msg->len)
		return -1;
	return 0;
}

int p2pcd_is_json(sip_msg_t *msg)
{
	str ct;
	char *semi;

	if(parse_headers(msg, HDR_CONTENTTYPE_F, 0) < 0
			|| msg->content_type == NULL)
		return -1;
	ct = msg->content_type->body;
	semi = memchr(ct.s, ';', ct.len);
	if(semi)
		ct.len = semi - ct.s;
	trim(&ct);
	return ct.len == 16 && strncasecmp(ct.s, "application/json", 16) == 0;
}

hdr_field_t *p2pcd_hdr(sip_msg_t *msg, const char *name)
{
	hdr_field_t *hf;
	int n = strlen(name);

	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return NULL;
	for(hf = msg->headers; hf != NULL; hf = hf->next)
		if(hf->name.len == n && strncasecmp(hf->name.s, name, n) == 0)
			return hf;
	return NULL;
}
