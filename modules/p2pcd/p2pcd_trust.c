/*
 * p2pcd - trust: the S-CSCF address set, the asserted identity and the
 * P-Charging-Vector
 *
 * trusted_scscf is a comma separated list of IPv4/IPv6 addresses or CIDR
 * networks, parsed once in mod_init into shared memory. A request whose
 * source address is not in it carries no identity: the functions answer
 * 403 whatever the routing script did before (fail closed).
 */

#include <string.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_ppi_pai.h"
#include "core/parser/parse_uri.h"
#include "core/parser/parse_addr_spec.h"
#include "core/trim.h"
#include "core/ut.h"

#include "p2pcd.h"
#include "p2pcd_sip.h"
#include "p2pcd_trust.h"

typedef struct p2pcd_netlist
{
	int n;
	struct net nets[];
} p2pcd_netlist_t;

static p2pcd_netlist_t *p2pcd_trusted = NULL;

static str p2pcd_hdr_psu = str_init("P-Served-User");
static str p2pcd_hdr_pcv = str_init("P-Charging-Vector");

/**
 * parse trusted_scscf into shared memory (mod_init)
 */
int p2pcd_trust_init(void)
{
	str all, item;
	char *p, *end, *comma;
	int n;

	all = p2pcd_trusted_scscf;
	n = 1;
	for(p = all.s; all.s != NULL && p < all.s + all.len; p++)
		if(*p == ',')
			n++;
	p2pcd_trusted = shm_malloc(sizeof(p2pcd_netlist_t)
							   + (all.len > 0 ? n : 0) * sizeof(struct net));
	if(p2pcd_trusted == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	p2pcd_trusted->n = 0;
	if(all.s == NULL || all.len <= 0) {
		LM_WARN("trusted_scscf not set: no S-CSCF is trusted\n");
		return 0;
	}
	p = all.s;
	end = all.s + all.len;
	while(p < end) {
		comma = memchr(p, ',', end - p);
		item.s = p;
		item.len = (comma ? comma : end) - p;
		p = comma ? comma + 1 : end;
		trim(&item);
		if(item.len == 0)
			continue;
		if(mk_net_str(&p2pcd_trusted->nets[p2pcd_trusted->n], &item) < 0) {
			LM_ERR("trusted_scscf: bad address or network '%.*s'\n", item.len,
					item.s);
			return -1;
		}
		p2pcd_trusted->n++;
	}
	LM_INFO("%d trusted S-CSCF network(s)\n", p2pcd_trusted->n);
	return 0;
}

void p2pcd_trust_destroy(void)
{
	if(p2pcd_trusted != NULL) {
		shm_free(p2pcd_trusted);
		p2pcd_trusted = NULL;
	}
}

int p2pcd_trust_source(sip_msg_t *msg)
{
	int i;

	if(p2pcd_trusted == NULL)
		return 0;
	for(i = 0; i < p2pcd_trusted->n; i++)
		if(matchnet(&msg->rcv.src_ip, &p2pcd_trusted->nets[i]) == 1)
			return 1;
	return 0;
}

/* the URI of a name-addr or addr-spec, without display name and params */
static int p2pcd_uri_of(str *in, str *uri)
{
	char *lt, *gt, *semi;
	str s = *in;

	trim(&s);
	lt = memchr(s.s, '<', s.len);
	if(lt != NULL) {
		gt = memchr(lt, '>', s.s + s.len - lt);
		if(gt == NULL)
			return -1;
		uri->s = lt + 1;
		uri->len = gt - lt - 1;
	} else {
		semi = memchr(s.s, ';', s.len);
		uri->s = s.s;
		uri->len = (semi ? semi : s.s + s.len) - s.s;
	}
	trim(uri);
	return uri->len > 0 ? 0 : -1;
}

/* keep sip:/sips:/tel: URIs only, copied into dst */
static int p2pcd_set_impu(p2pcd_ident_t *id, str *uri)
{
	if(uri->len > P2PCD_IDENTITY_MAX || !p2pcd_printable(uri->s, uri->len))
		return -1;
	if(!(uri->len > 4 && strncasecmp(uri->s, "sip:", 4) == 0)
			&& !(uri->len > 5 && strncasecmp(uri->s, "sips:", 5) == 0)
			&& !(uri->len > 4 && strncasecmp(uri->s, "tel:", 4) == 0))
		return -1;
	memcpy(id->impu, uri->s, uri->len);
	id->impu[uri->len] = '\0';
	id->impu_len = uri->len;
	return 0;
}

static void p2pcd_pcv_copy(str *v, char *dst, int *dst_len)
{
	if(v->len >= 2 && v->s[0] == '"' && v->s[v->len - 1] == '"') {
		v->s++;
		v->len -= 2;
	}
	if(v->len <= 0 || v->len > P2PCD_PCV_MAX || !p2pcd_printable(v->s, v->len))
		return;
	memcpy(dst, v->s, v->len);
	dst[v->len] = '\0';
	*dst_len = v->len;
}

/**
 * icid-value and orig-ioi of a P-Charging-Vector body (RFC 7315 5.6);
 * unknown parameters are ignored. 0, or -1 without icid-value.
 */
int p2pcd_pcv_parse(str *body, p2pcd_ident_t *id)
{
	char *p, *end, *semi, *eq;
	str name, val;

	id->icid_len = 0;
	id->orig_ioi_len = 0;
	id->icid[0] = '\0';
	id->orig_ioi[0] = '\0';
	p = body->s;
	end = body->s + body->len;
	while(p < end) {
		semi = memchr(p, ';', end - p);
		name.s = p;
		name.len = (semi ? semi : end) - p;
		p = semi ? semi + 1 : end;
		eq = memchr(name.s, '=', name.len);
		if(eq == NULL)
			continue;
		val.s = eq + 1;
		val.len = name.s + name.len - val.s;
		name.len = eq - name.s;
		trim(&name);
		trim(&val);
		if(name.len == 10 && strncasecmp(name.s, "icid-value", 10) == 0)
			p2pcd_pcv_copy(&val, id->icid, &id->icid_len);
		else if(name.len == 8 && strncasecmp(name.s, "orig-ioi", 8) == 0)
			p2pcd_pcv_copy(&val, id->orig_ioi, &id->orig_ioi_len);
	}
	return id->icid_len > 0 ? 0 : -1;
}

static hdr_field_t *p2pcd_find_hdr(sip_msg_t *msg, str *name)
{
	hdr_field_t *hf;

	for(hf = msg->headers; hf != NULL; hf = hf->next)
		if(hf->name.len == name->len
				&& strncasecmp(hf->name.s, name->s, name->len) == 0)
			return hf;
	return NULL;
}

int p2pcd_trust_identity(sip_msg_t *msg, p2pcd_ident_t *id)
{
	hdr_field_t *hf;
	p_id_body_t *pai;
	str uri;
	int i;

	memset(id, 0, sizeof(*id));
	if(parse_headers(msg, HDR_EOH_F, 0) < 0) {
		LM_DBG("cannot parse the headers\n");
		return -1;
	}
	hf = p2pcd_find_hdr(msg, &p2pcd_hdr_pcv);
	if(hf != NULL)
		p2pcd_pcv_parse(&hf->body, id);

	/* the served user, when the S-CSCF names it (RFC 5502) */
	hf = p2pcd_find_hdr(msg, &p2pcd_hdr_psu);
	if(hf != NULL) {
		if(p2pcd_uri_of(&hf->body, &uri) == 0 && p2pcd_set_impu(id, &uri) == 0)
			return 0;
		LM_DBG("unusable P-Served-User\n");
		return -1;
	}
	if(parse_pai_header(msg) < 0 || msg->pai == NULL)
		return -1;
	/* the first sip/sips/tel identity of the first PAI header */
	for(pai = get_pai(msg); pai != NULL; pai = pai->next) {
		for(i = 0; pai->id != NULL && i < pai->num_ids; i++) {
			uri = pai->id[i].uri;
			if(p2pcd_set_impu(id, &uri) == 0)
				return 0;
		}
	}
	return -1;
}

/*
 * The gate every p2pcd request passes first, in this order: the method, a
 * trusted source, an asserted identity. 0: go on. -1: the request was
 * answered (or is not a request) and *ret is the script return value.
 */
int p2pcd_trust_request(sip_msg_t *msg, int method, const char *allow,
		p2pcd_ident_t *id, int *ret)
{
	*ret = -1;
	if(msg->first_line.type != SIP_REQUEST)
		return -1;
	if(msg->first_line.u.request.method_value != method) {
		*ret = p2pcd_reply(msg, 405, "Method Not Allowed", allow);
		return -1;
	}
	if(!p2pcd_trust_source(msg)) {
		update_stat(p2pcd_ref_untrusted_stat, 1);
		*ret = p2pcd_reply(msg, 403, "Untrusted Source", NULL);
		return -1;
	}
	if(p2pcd_trust_identity(msg, id) < 0) {
		update_stat(p2pcd_ref_no_identity_stat, 1);
		*ret = p2pcd_reply(msg, 403, "No Asserted Identity", NULL);
		return -1;
	}
	return 0;
}
