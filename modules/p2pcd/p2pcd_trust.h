/*
 * p2pcd - trust: the S-CSCF address set, the asserted identity and the
 * P-Charging-Vector
 */

#ifndef _P2PCD_TRUST_H_
#define _P2PCD_TRUST_H_

#include "core/parser/msg_parser.h"

#include "p2pcd_parse.h" /* p2pcd_printable */

#define P2PCD_IDENTITY_MAX 255
#define P2PCD_PCV_MAX 127

/* what a trusted request asserts */
typedef struct p2pcd_ident
{
	char impu[P2PCD_IDENTITY_MAX + 1];
	int impu_len;
	char icid[P2PCD_PCV_MAX + 1];
	int icid_len;
	char orig_ioi[P2PCD_PCV_MAX + 1];
	int orig_ioi_len;
} p2pcd_ident_t;

int p2pcd_trust_init(void);
void p2pcd_trust_destroy(void);
/* 1 if the request's source is in trusted_scscf, else 0 */
int p2pcd_trust_source(sip_msg_t *msg);
/*
 * Fill id from P-Served-User (if present) or P-Asserted-Identity, and the
 * P-Charging-Vector. Call only for a trusted source. 0, or -1 when no
 * usable identity is asserted.
 */
int p2pcd_trust_identity(sip_msg_t *msg, p2pcd_ident_t *id);
/* method, source and identity checks; -1: answered, *ret for the script */
int p2pcd_trust_request(sip_msg_t *msg, int method, const char *allow,
		p2pcd_ident_t *id, int *ret);
/* exported for tests of the parser: icid-value and orig-ioi of a PCV */
int p2pcd_pcv_parse(str *body, p2pcd_ident_t *id);

#endif /* _P2PCD_TRUST_H_ */
