/*
 * Options several subcommands share, besides the SIP ones (sip_cli.h):
 * how to reach the content index over HTTPS, and how the swarm transfer
 * is bounded. Used like sip_cli.h: put the *_OPTIONS entries in the
 * command's struct option array and offer each option to *_opt() first.
 */
#ifndef P2PCD_CLIENT_OPTS_H
#define P2PCD_CLIENT_OPTS_H

#include <getopt.h>

#include "bt.h"
#include "sip_cli.h"

enum
{
	CLIENT_OPT_CA_FILE = 0x1100,
	CLIENT_OPT_INDEX,
	BT_OPT_UPLOAD_LIMIT,
	BT_OPT_DOWNLOAD_LIMIT,
	BT_OPT_PORT,
	BT_OPT_MAX_PEERS,
	CLIENT_OPT_QUIET,
	CLIENT_OPT_JSON
};

struct client_http
{
	const char *ca_file;   /* CA of the index's HTTPS certificate */
	const char *index_url; /* https://HOST:PORT of the index role */
};

/* clang-format off */
#define CLIENT_HTTP_OPTIONS \
	{"ca-file", required_argument, 0, CLIENT_OPT_CA_FILE}, \
	{"index", required_argument, 0, CLIENT_OPT_INDEX}
#define BT_CLI_OPTIONS \
	{"upload-limit", required_argument, 0, BT_OPT_UPLOAD_LIMIT}, \
	{"download-limit", required_argument, 0, BT_OPT_DOWNLOAD_LIMIT}, \
	{"port", required_argument, 0, BT_OPT_PORT}, \
	{"max-peers", required_argument, 0, BT_OPT_MAX_PEERS}
/* clang-format on */

#define CLIENT_HTTP_HELP                                          \
	"  --ca-file FILE      trust this CA for the index's HTTPS\n" \
	"                      [P2PCD_CA_FILE; default: the system's]\n"
#define CLIENT_INDEX_HELP                                          \
	"  --index URL         the content index, https://HOST:PORT\n" \
	"                      [P2PCD_INDEX]\n"
#define BT_CLI_HELP                                                        \
	"  --upload-limit R    at most R bytes/s up (2M, 512K, 100000)\n"      \
	"  --download-limit R  at most R bytes/s down\n"                       \
	"  --port N            BitTorrent listen port (default: a free one)\n" \
	"  --max-peers N       peers connected at once (default 55); a\n"      \
	"                      rate-limited publisher does best with 2-4\n"

void client_http_env(struct client_http *h);
/* 1 consumed, 0 not ours, -1 bad value (printed) */
int client_http_opt(struct client_http *h, int opt, const char *arg);

struct bt_cli
{
	long max_upload, max_download;
	int port, max_peers;
};

int bt_cli_opt(struct bt_cli *b, int opt, const char *arg);
/* bt_opts with b's bounds and everything else zero/NULL */
void bt_cli_apply(const struct bt_cli *b, struct bt_opts *o);

/* what the commands that talk SIP and move bytes (buy, publish) share */
struct client_common
{
	struct sip_uac_cfg sip;
	struct client_http http;
	struct bt_cli bt;
	int quiet, json;
};

/* clang-format off */
#define CLIENT_COMMON_OPTIONS \
	SIP_CLI_OPTIONS, CLIENT_HTTP_OPTIONS, BT_CLI_OPTIONS, \
	{"quiet", no_argument, 0, CLIENT_OPT_QUIET}, \
	{"json", no_argument, 0, CLIENT_OPT_JSON}
/* clang-format on */

/* defaults from the environment (before parsing) */
void client_common_env(struct client_common *cc);
/* 1 consumed, 0 not ours, -1 bad value (printed) */
int client_common_opt(struct client_common *cc, int opt, const char *arg);
/* the progress display the output options ask for */
int client_progress_mode(const struct client_common *cc);

/* "2M", "512K", "1.5M", "100000" (bytes/s; K = 1024): 0, or -1 */
int cli_parse_rate(const char *s, long *out);

#endif
