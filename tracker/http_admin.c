/* The admin listener: see http_admin.h. */
#include "http_admin.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounting.h"
#include "db.h"
#include "http_public.h"
#include "log.h"
#include "metrics.h"
#include "offenders.h"
#include "p2pcd/ct.h"
#include "p2pcd/infohash.h"
#include "tamper.h"

static enum MHD_Result reply(struct MHD_Connection *con, unsigned status,
		const char *ctype, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if(!body)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if(!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_json(
		struct MHD_Connection *con, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return reply(con, status, "application/json", s, s ? strlen(s) : 0);
}

static enum MHD_Result reply_error(
		struct MHD_Connection *con, unsigned status, const char *msg)
{
	return reply_json(con, status, json_pack("{s:s}", "error", msg));
}

static int authorized(struct tracker *t, struct MHD_Connection *con)
{
	const char *h = MHD_lookup_connection_value(
			con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	size_t want = strlen(t->cfg.admin_token);

	if(!h || strncmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	return strlen(h) == want && p2pcd_ct_equal(h, t->cfg.admin_token, want);
}

static json_t *swarm_json(struct swarm *s)
{
	char hex[41];
	json_t *j;

	p2pcd_infohash_hex(s->ih, hex);
	pthread_mutex_lock(&s->mu);
	j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:i}", "info_hash", hex,
			"doi", s->doi, "state",
			swarm_state_name((enum swarm_state)atomic_load(&s->state)),
			"seeders", (int)s->peers.seeders, "leechers",
			(int)s->peers.leechers, "completed", (json_int_t)s->completed,
			"peers", (int)swarm_peer_count(&s->peers));
	pthread_mutex_unlock(&s->mu);
	return j;
}

static void list_swarm(struct swarm *s, void *arg)
{
	if(atomic_load(&s->state) != SW_NONE)
		json_array_append_new(arg, swarm_json(s));
}

static enum MHD_Result metrics(struct tracker *t, struct MHD_Connection *con)
{
	struct sbuf b;

	sbuf_init(&b);
	metrics_render(t, &b);
	if(b.oom) {
		sbuf_free(&b);
		return MHD_NO;
	}
	return reply(con, MHD_HTTP_OK, "text/plain; version=0.0.4", b.p, b.len);
}

/* POST /content/IH/(mute|unmute) and /tracker/(mute|unmute) */
static enum MHD_Result set_state(
		struct tracker *t, struct MHD_Connection *con, const char *url)
{
	uint8_t ih[20];
	const char *action, *state;
	int is_content = strncmp(url, "/content/", 9) == 0, rc;
	struct swarm *s = NULL;

	if(is_content) {
		if(strlen(url) < 9 + 41 || url[9 + 40] != '/'
				|| p2pcd_infohash_from_hex(url + 9, 40, ih))
			return reply_error(
					con, MHD_HTTP_NOT_FOUND, "use /content/INFOHASH/mute");
		action = url + 9 + 41;
	} else {
		action = url + strlen("/tracker/");
	}
	if(strcmp(action, "mute") == 0)
		state = "muted";
	else if(strcmp(action, "unmute") == 0)
		state = "active";
	else
		return reply_error(con, MHD_HTTP_NOT_FOUND, "action is mute or unmute");
	if(is_content) {
		s = catalog_find(&t->cat, ih);
		if(!s || atomic_load(&s->state) == SW_NONE)
			return reply_error(con, MHD_HTTP_NOT_FOUND, "unknown info-hash");
	}
	/* through the database, so every tracker hears the NOTIFY; and
	 * here at once, so this tracker does not wait for it */
	rc = db_admin_set_state(t, is_content ? ih : NULL, state);
	if(is_content)
		atomic_store(
				&s->state, strcmp(state, "muted") == 0 ? SW_MUTED : SW_ACTIVE);
	else
		atomic_store(&t->cat.tracker_muted, strcmp(state, "muted") == 0);
	LOG_N("admin: %s %s%s", action, is_content ? url + 9 : "tracker",
			rc < 0 ? " (database unavailable: local only)" : "");
	return reply_json(con, rc < 0 ? MHD_HTTP_ACCEPTED : MHD_HTTP_OK,
			json_pack("{s:s, s:s, s:b}", "target",
					is_content ? "content" : "tracker", "state", state,
					"stored", rc >= 0));
}

/* GET /offenders[/SUBJECT], DELETE /offenders/SUBJECT and POST
 * /offenders/SUBJECT/clear (DESIGN 7.1, offenders.h) */
static enum MHD_Result offenders_route(struct tracker *t,
		struct MHD_Connection *con, const char *url, int get, int del)
{
	char sub[256];
	const char *rest = url + strlen("/offenders");
	size_t len;
	uint32_t id;
	int had, rc;
	int64_t now = time(NULL);

	if(!*rest) {
		if(!get)
			return reply_error(con, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
		return reply_json(con, MHD_HTTP_OK, offenders_json(now));
	}
	if(*rest != '/')
		return reply_error(con, MHD_HTTP_NOT_FOUND, "no such route");
	rest++;
	len = strcspn(rest, "/");
	if(!len || len >= sizeof(sub))
		return reply_error(con, MHD_HTTP_NOT_FOUND, "use /offenders/SUBJECT");
	memcpy(sub, rest, len);
	sub[len] = 0;
	rest += len;
	if(get && !*rest) {
		json_t *j;

		id = acct_subject_id(sub);
		j = id ? offenders_json_one(id, now) : NULL;
		if(!j)
			return reply_error(con, MHD_HTTP_NOT_FOUND, "no strikes");
		return reply_json(con, MHD_HTTP_OK, j);
	}
	if(!((del && !*rest) || (!get && !del && strcmp(rest, "/clear") == 0)))
		return reply_error(con, MHD_HTTP_NOT_FOUND,
				"DELETE /offenders/SUBJECT or POST /offenders/SUBJECT/clear");
	id = acct_subject_id(sub);
	if(!id)
		return reply_error(
				con, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	/* here at once; and through the database, so restarts and every
	 * tracker forget it too */
	had = offenders_clear(id, now);
	rc = db_admin_clear_subject(t, sub);
	LOG_N("admin: cleared the strikes of %s%s", sub,
			rc < 0 ? " (database unavailable: local only)" : "");
	return reply_json(con, rc < 0 ? MHD_HTTP_ACCEPTED : MHD_HTTP_OK,
			json_pack("{s:s, s:s, s:b, s:b}", "subject", sub, "state", "ok",
					"had_strikes", had, "stored", rc >= 0));
}

static enum MHD_Result route(struct tracker *t, struct MHD_Connection *con,
		const char *url, const char *method)
{
	int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	int del = strcmp(method, MHD_HTTP_METHOD_DELETE) == 0;

	if(get && strcmp(url, "/health") == 0)
		return reply(con, MHD_HTTP_OK, "text/plain", strdup("ok\n"), 3);
	if(!authorized(t, con))
		return reply_error(con, MHD_HTTP_UNAUTHORIZED, "bearer token required");
	if(get && strcmp(url, "/metrics") == 0)
		return metrics(t, con);
	if(get && strcmp(url, "/swarms") == 0) {
		json_t *a = json_array();

		catalog_each(&t->cat, list_swarm, a);
		return reply_json(con, MHD_HTTP_OK, a);
	}
	if(get && strncmp(url, "/swarms/", 8) == 0) {
		uint8_t ih[20];
		struct swarm *s;

		if(p2pcd_infohash_from_hex(url + 8, strlen(url + 8), ih)
				|| !(s = catalog_find(&t->cat, ih)))
			return reply_error(con, MHD_HTTP_NOT_FOUND, "unknown info-hash");
		return reply_json(con, MHD_HTTP_OK, swarm_json(s));
	}
	if(strncmp(url, "/tamper", 7) == 0 && (url[7] == '\0' || url[7] == '/')) {
		unsigned st;
		json_t *j = tamper_admin(t, url, get, post, &st);

		return reply_json(con, st, j);
	}
	if((get || post || del)
			&& (strcmp(url, "/offenders") == 0
					|| strncmp(url, "/offenders/", 11) == 0))
		return offenders_route(t, con, url, get, del);
	if(post
			&& (strncmp(url, "/content/", 9) == 0
					|| strncmp(url, "/tracker/", 9) == 0))
		return set_state(t, con, url);
	return reply_error(con, MHD_HTTP_NOT_FOUND, "no such route");
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *con,
		const char *url, const char *method, const char *version,
		const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static int first;

	(void)version;
	(void)upload_data;
	if(*req_cls == NULL) {
		*req_cls = &first;
		return MHD_YES;
	}
	if(*upload_data_size) {
		*upload_data_size = 0; /* bodies are not used */
		return MHD_YES;
	}
	return route(cls, con, url, method);
}

int http_admin_start(struct tracker *t)
{
	const struct tracker_config *c = &t->cfg;
	struct sockaddr_storage ss;
	int v6;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;

	if(!c->admin_enabled)
		return 0;
	if(http_sockaddr(c->admin_address, c->admin_port, &ss, &v6)) {
		LOG_E("admin.address %s: not an IP address", c->admin_address);
		return -1;
	}
	if(v6)
		flags |= MHD_USE_IPv6;
	t->admin = MHD_start_daemon(flags, c->admin_port, NULL, NULL, access_cb, t,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if(!t->admin) {
		LOG_E("cannot listen on admin %s port %u", c->admin_address,
				c->admin_port);
		return -1;
	}
	LOG_I("admin listener on %s port %u", c->admin_address, c->admin_port);
	return 0;
}

void http_admin_stop(struct tracker *t)
{
	if(t->admin)
		MHD_stop_daemon(t->admin);
	t->admin = NULL;
}
