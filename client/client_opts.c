/* Shared HTTP and transfer options: see client_opts.h. */
#include "client_opts.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"

void client_http_env(struct client_http *h)
{
	h->ca_file = cli_env("P2PCD_CA_FILE");
	h->index_url = cli_env("P2PCD_INDEX");
}

int client_http_opt(struct client_http *h, int opt, const char *arg)
{
	switch(opt) {
		case CLIENT_OPT_CA_FILE:
			h->ca_file = arg;
			return 1;
		case CLIENT_OPT_INDEX:
			if(strncmp(arg, "https://", 8) && strncmp(arg, "http://", 7)) {
				cli_usage("p2pcd", "--index needs an https:// URL");
				return -1;
			}
			h->index_url = arg;
			return 1;
	}
	return 0;
}

int cli_parse_rate(const char *s, long *out)
{
	char *end;
	double v = strtod(s, &end);

	if(end == s || v < 0)
		return -1;
	if(*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if(*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	else if(*end == 'G' || *end == 'g')
		v *= 1024.0 * 1024 * 1024, end++;
	if(*end || v > 1e15)
		return -1;
	*out = (long)v;
	return 0;
}

int bt_cli_opt(struct bt_cli *b, int opt, const char *arg)
{
	long v;

	switch(opt) {
		case BT_OPT_UPLOAD_LIMIT:
		case BT_OPT_DOWNLOAD_LIMIT:
			if(cli_parse_rate(arg, &v)) {
				cli_usage("p2pcd", "a rate is bytes/s: 2M, 512K or 100000");
				return -1;
			}
			*(opt == BT_OPT_UPLOAD_LIMIT ? &b->max_upload : &b->max_download) =
					v;
			return 1;
		case BT_OPT_PORT:
			if(cli_parse_long(arg, 1, 65535, &v)) {
				cli_usage("p2pcd", "--port: 1..65535");
				return -1;
			}
			b->port = (int)v;
			return 1;
		case BT_OPT_MAX_PEERS:
			if(cli_parse_long(arg, 1, 1024, &v)) {
				cli_usage("p2pcd", "--max-peers: 1..1024");
				return -1;
			}
			b->max_peers = (int)v;
			return 1;
	}
	return 0;
}

void bt_cli_apply(const struct bt_cli *b, struct bt_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_upload = b->max_upload;
	o->max_download = b->max_download;
	o->listen_port = b->port;
	o->max_peers = b->max_peers;
}

void client_common_env(struct client_common *cc)
{
	memset(cc, 0, sizeof(*cc));
	sip_cli_env(&cc->sip);
	client_http_env(&cc->http);
}

int client_common_opt(struct client_common *cc, int opt, const char *arg)
{
	int r;

	if(opt == CLIENT_OPT_QUIET || opt == CLIENT_OPT_JSON) {
		*(opt == CLIENT_OPT_QUIET ? &cc->quiet : &cc->json) = 1;
		return 1;
	}
	if((r = sip_cli_opt(&cc->sip, opt, arg)) != 0
			|| (r = client_http_opt(&cc->http, opt, arg)) != 0)
		return r;
	return bt_cli_opt(&cc->bt, opt, arg);
}

int client_progress_mode(const struct client_common *cc)
{
	return cc->quiet || cc->json ? PROGRESS_QUIET : PROGRESS_AUTO;
}
