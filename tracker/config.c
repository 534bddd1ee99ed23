/* Loading the libconfig file: see config.h and p2pcd-tracker.conf. */
#include "config.h"
#include "config_get.h"
#include "p2pcd/keyfile.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "offenders.h"

void config_defaults(struct tracker_config *c)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(c, 0, sizeof(*c));
	snprintf(c->listen_address, sizeof(c->listen_address), "0.0.0.0");
	c->listen_port = 6969;
	c->threads = n > 0 ? (int)n : 1;
	c->connection_limit = 10000;
	c->connection_timeout = 30;
	c->cpu_affinity = true;
	c->admin_enabled = true;
	snprintf(c->admin_address, sizeof(c->admin_address), "127.0.0.1");
	c->admin_port = 6970;
	c->token_skew = 30;
	c->token_cache_size = 65536;
	c->negative_cache_seconds = 60;
	c->interval = 1800;
	c->min_interval = 900;
	c->peer_timeout = 2700;
	c->numwant_default = 50;
	c->numwant_max = 200;
	c->retry_in_minutes = 5;
	c->report_max_rate = 125000000; /* 1 Gbit/s */
	c->report_slack = 16 << 20;
	c->report_interval = 0; /* announce.interval */
	c->report_slack_percent = 5;
	c->report_seed_tolerance = 10;
	c->report_policy = 0; /* warn */
	c->report_strikes = 3;
	c->report_window = 86400;
	c->db_enabled = true;
	c->db_flush_interval = 10;
	c->db_register_interval = 10;
	c->db_reconnect_interval = 2;
	c->log_level = LOG_INFO;
	license_config_defaults(&c->lic);
	index_config_defaults(&c->idx);
	tamper_config_defaults(&c->tamper);
}

static void __attribute__((format(printf, 3, 4)))
errf(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

/* exactly 64 hex digits (lib's strict decoder: no sign, no blanks) */
static int hex_key(const char *hex, uint8_t out[P2PCD_JWS_KEY_LEN])
{
	return p2pcd_hex_decode(hex, strlen(hex), out, P2PCD_JWS_KEY_LEN);
}

static int load_keys(
		config_t *cf, struct tracker_config *c, char *err, size_t en)
{
	const char *hex;
	int v;

	if(!config_lookup_string(cf, "tokens.key", &hex) || hex_key(hex, c->key)) {
		errf(err, en,
				"tokens.key: required, 64 hex digits (the key "
				"derived for this tracker's audience)");
		return -1;
	}
	v = 1;
	if(cfg_int(cf, "tokens.key_version", &v, 1, 0x7fffffff, err, en))
		return -1;
	c->key_version = (uint32_t)v;
	if(config_lookup_string(cf, "tokens.previous_key", &hex)) {
		if(hex_key(hex, c->prev_key)) {
			errf(err, en, "tokens.previous_key: 64 hex digits");
			return -1;
		}
		v = 0;
		if(cfg_int(cf, "tokens.previous_key_version", &v, 1, 0x7fffffff, err,
				   en))
			return -1;
		if(v == 0 || (uint32_t)v == c->key_version) {
			errf(err, en,
					"tokens.previous_key_version: required "
					"and different from key_version");
			return -1;
		}
		c->prev_key_version = (uint32_t)v;
	}
	return 0;
}

static int log_level(const char *s)
{
	static const struct
	{
		const char *name;
		int level;
	} levels[] = {{"error", LOG_ERR}, {"warning", LOG_WARNING},
			{"notice", LOG_NOTICE}, {"info", LOG_INFO}, {"debug", LOG_DEBUG}};
	size_t i;

	for(i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if(strcmp(s, levels[i].name) == 0)
			return levels[i].level;
	return -1;
}

static int load_all(
		config_t *cf, struct tracker_config *c, char *err, size_t en)
{
	int port, rc = 0;
	const char *s;

	if(!config_lookup_string(cf, "tracker_id", &s)
			|| !p2pcd_jws_audience_valid(s, strlen(s))) {
		errf(err, en, "tracker_id: required, 1-64 of [A-Za-z0-9._-]");
		return -1;
	}
	snprintf(c->tracker_id, sizeof(c->tracker_id), "%s", s);
	rc |= cfg_str(cf, "announce_url", c->announce_url, sizeof(c->announce_url),
			err, en);
	rc |= cfg_str(cf, "listen.address", c->listen_address,
			sizeof(c->listen_address), err, en);
	port = c->listen_port;
	rc |= cfg_int(cf, "listen.port", &port, 1, 65535, err, en);
	c->listen_port = (uint16_t)port;
	rc |= cfg_int(cf, "listen.threads", &c->threads, 0, 64, err, en);
	rc |= cfg_int(cf, "listen.connection_limit", &c->connection_limit, 16,
			1000000, err, en);
	rc |= cfg_int(cf, "listen.connection_timeout", &c->connection_timeout, 1,
			3600, err, en);
	rc |= cfg_int(cf, "listen.per_ip_connection_limit", &c->per_ip_limit, 0,
			1000000, err, en);
	rc |= cfg_bool(cf, "listen.cpu_affinity", &c->cpu_affinity, err, en);
	rc |= cfg_bool(cf, "admin.enabled", &c->admin_enabled, err, en);
	rc |= cfg_str(cf, "admin.address", c->admin_address,
			sizeof(c->admin_address), err, en);
	port = c->admin_port;
	rc |= cfg_int(cf, "admin.port", &port, 1, 65535, err, en);
	c->admin_port = (uint16_t)port;
	rc |= cfg_str(cf, "admin.bearer_token", c->admin_token,
			sizeof(c->admin_token), err, en);
	if(rc)
		return -1;
	if(c->admin_enabled && strlen(c->admin_token) < 16) {
		errf(err, en,
				"admin.bearer_token: required (16+ characters) "
				"when admin.enabled");
		return -1;
	}
	if(load_keys(cf, c, err, en))
		return -1;
	rc |= cfg_int(cf, "tokens.skew", &c->token_skew, 0, 600, err, en);
	rc |= cfg_int(cf, "tokens.cache_size", &c->token_cache_size, 16, 1 << 24,
			err, en);
	rc |= cfg_int(cf, "tokens.negative_cache_seconds",
			&c->negative_cache_seconds, 0, 3600, err, en);
	rc |= cfg_int(cf, "announce.interval", &c->interval, 10, 86400, err, en);
	rc |= cfg_int(
			cf, "announce.min_interval", &c->min_interval, 1, 86400, err, en);
	rc |= cfg_int(cf, "announce.peer_timeout", &c->peer_timeout, 10,
			SWARM_TTL_MAX_SECONDS, err, en);
	rc |= cfg_int(cf, "announce.numwant_default", &c->numwant_default, 0, 1000,
			err, en);
	rc |= cfg_int(
			cf, "announce.numwant_max", &c->numwant_max, 0, 1000, err, en);
	rc |= cfg_int(cf, "announce.retry_in_minutes", &c->retry_in_minutes, 1,
			1440, err, en);
	rc |= cfg_int(cf, "reports.max_rate", &c->report_max_rate, 0, 0x7fffffff,
			err, en);
	rc |= cfg_int(
			cf, "reports.slack", &c->report_slack, 0, 0x7fffffff, err, en);
	rc |= cfg_int(
			cf, "reports.interval", &c->report_interval, 0, 86400, err, en);
	rc |= cfg_int(cf, "reports.slack_percent", &c->report_slack_percent, 0, 100,
			err, en);
	rc |= cfg_int(cf, "reports.seed_tolerance", &c->report_seed_tolerance, 0,
			100, err, en);
	rc |= cfg_int(cf, "reports.strikes", &c->report_strikes, 1,
			OFFENDERS_MAX_STRIKES, err, en);
	rc |= cfg_int(
			cf, "reports.window", &c->report_window, 1, 365 * 86400, err, en);
	if(!rc && config_lookup_string(cf, "reports.policy", &s)) {
		c->report_policy = strcmp(s, "warn") == 0		   ? POLICY_WARN
						   : strcmp(s, "refuse_seed") == 0 ? POLICY_REFUSE_SEED
						   : strcmp(s, "refuse") == 0	   ? POLICY_REFUSE
														   : -1;
		if(c->report_policy < 0) {
			errf(err, en, "reports.policy: warn, refuse_seed or refuse");
			return -1;
		}
	}
	rc |= cfg_bool(cf, "database.enabled", &c->db_enabled, err, en);
	rc |= cfg_str(cf, "database.conninfo", c->db_conninfo,
			sizeof(c->db_conninfo), err, en);
	rc |= cfg_int(cf, "database.flush_interval", &c->db_flush_interval, 1, 3600,
			err, en);
	rc |= cfg_int(cf, "database.register_interval", &c->db_register_interval, 1,
			3600, err, en);
	rc |= cfg_int(cf, "database.reconnect_interval", &c->db_reconnect_interval,
			1, 600, err, en);
	rc |= cfg_bool(cf, "log.syslog", &c->log_syslog, err, en);
	if(rc)
		return -1;
	if(config_lookup_string(cf, "log.level", &s)) {
		c->log_level = log_level(s);
		if(c->log_level < 0) {
			errf(err, en,
					"log.level: error, warning, notice, "
					"info or debug");
			return -1;
		}
	}
	if(c->min_interval > c->interval) {
		errf(err, en, "announce.min_interval exceeds interval");
		return -1;
	}
	if(c->peer_timeout < c->interval) {
		errf(err, en,
				"announce.peer_timeout must be at least "
				"announce.interval");
		return -1;
	}
	if(c->threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->threads = n > 0 ? (int)n : 1;
	}
	if(license_config_load(cf, &c->lic, err, en))
		return -1;
	if(c->lic.enabled && !c->db_enabled) {
		errf(err, en, "license.enabled needs database.enabled");
		return -1;
	}
	if(index_config_load(cf, &c->idx, err, en))
		return -1;
	if(c->idx.enabled && !c->db_enabled) {
		errf(err, en, "index.enabled needs database.enabled");
		return -1;
	}
	if(tamper_config_load(cf, &c->tamper, err, en))
		return -1;
	return 0;
}

int config_load(
		const char *path, struct tracker_config *c, char *err, size_t err_size)
{
	config_t cf;
	int rc;

	config_defaults(c);
	config_init(&cf);
	if(!config_read_file(&cf, path)) {
		errf(err, err_size, "%s:%d: %s",
				config_error_file(&cf) ? config_error_file(&cf) : path,
				config_error_line(&cf), config_error_text(&cf));
		config_destroy(&cf);
		return -1;
	}
	rc = load_all(&cf, c, err, err_size);
	config_destroy(&cf);
	return rc;
}
