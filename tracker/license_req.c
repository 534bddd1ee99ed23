/* The strict ClearKey request parser: see license_req.h. */
#include "license_req.h"

#include <jansson.h>
#include <string.h>

#include "p2pcd/base64url.h"
#include "p2pcd/keyfile.h"

int lreq_kid_decode(const char *s, size_t len, uint8_t kid[16])
{
	size_t n;

	if(len == 32)
		return p2pcd_hex_decode(s, len, kid, 16);
	if(len != 22 || p2pcd_b64url_decode(s, len, kid, 16, &n) || n != 16)
		return -1;
	return 0;
}

int lreq_parse(const char *body, size_t len, struct lreq *r, const char **why)
{
	json_t *j, *kids, *type, *v;
	json_error_t je;
	size_t i, k;
	int rc = -1;

	r->n_kids = 0;
	*why = "request body too large";
	if(len > LREQ_MAX_BODY)
		return -1;
	*why = "request body is not a JSON object";
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if(!json_is_object(j))
		goto out;
	kids = json_object_get(j, "kids");
	type = json_object_get(j, "type");
	*why = "request must be exactly {\"kids\":[...],\"type\":\"temporary\"}";
	if(json_object_size(j) != 2 || !json_is_array(kids)
			|| !json_is_string(type))
		goto out;
	*why = "only \"type\":\"temporary\" licenses are issued";
	if(strcmp(json_string_value(type), "temporary") != 0)
		goto out;
	*why = "kids must list 1 to 16 KIDs";
	if(json_array_size(kids) == 0 || json_array_size(kids) > LREQ_MAX_KIDS)
		goto out;
	json_array_foreach(kids, i, v)
	{
		size_t n;

		*why = "a kid is not the base64url of 16 bytes";
		if(!json_is_string(v) || json_string_length(v) != 22
				|| p2pcd_b64url_decode(
						json_string_value(v), 22, r->kids[i], 16, &n)
				|| n != 16)
			goto out;
		*why = "a kid is listed twice";
		for(k = 0; k < i; k++)
			if(memcmp(r->kids[k], r->kids[i], 16) == 0)
				goto out;
	}
	r->n_kids = json_array_size(kids);
	*why = NULL;
	rc = 0;
out:
	json_decref(j);
	return rc;
}
