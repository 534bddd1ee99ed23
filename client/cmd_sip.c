/* p2pcd sip: send one SIP request, show the final answer (diagnostics). */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "sip_cli.h"

#define BODY_MAX (4u << 20)
#define HDR_MAX 64

static const char HELP[] =
		"usage: p2pcd sip METHOD URI [options]\n"
		"\n"
		"Sends one SIP request (MESSAGE, PUBLISH, OPTIONS ...) to URI through\n"
		"the proxy, answering a digest challenge (401/407) once, and prints\n"
		"the final answer: its status line and headers, then its body if it\n"
		"has one. A diagnostic tool: 'p2pcd sip MESSAGE sip:DOI@DOMAIN' asks\n"
		"for content the way 'p2pcd buy' does.\n"
		"\n"
		"options:\n"
		"  --header 'N: V'    add a header (repeatable), e.g. 'Event: x'\n"
		"  --body FILE|-      the request body from FILE or standard input\n"
		"  --content-type T   its type (default application/octet-stream)\n"
		"  --json             print one JSON object: status, reason,\n"
		"                     headers (lowercase name -> value; repeated\n"
		"                     headers joined by \", \"), body (if text)\n"
		"  --quiet            print nothing; the exit status tells\n"
		"  -h, --help         this help\n"
		"\n" SIP_CLI_HELP "\n"
		"Exit status: 0 a 2xx answer, 1 any other answer or a failure (the\n"
		"message says what failed: no answer, refused credentials ...),\n"
		"2 usage error.\n";

static char *read_body(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rbe") : stdin;
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if(!f) {
		cli_err("sip", "cannot open body file %s", path);
		return NULL;
	}
	for(;;) {
		if(n == cap) {
			cap = cap ? 2 * cap : 65536;
			nb = cap <= BODY_MAX + 1 ? realloc(buf, cap) : NULL;
			if(!nb) {
				cli_err("sip", "body %s too large (at most %u bytes)", path,
						BODY_MAX);
				goto fail;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if(r == 0)
			break;
	}
	if(ferror(f)) {
		cli_err("sip", "cannot read body %s", path);
		goto fail;
	}
	if(n > BODY_MAX) {
		cli_err("sip", "body %s too large (at most %u bytes)", path, BODY_MAX);
		goto fail;
	}
	if(f != stdin)
		fclose(f);
	*len = n;
	return buf;
fail:
	if(f != stdin)
		fclose(f);
	free(buf);
	return NULL;
}

/* "Name: value" into h (name and value point into a copy) */
static int parse_header(const char *arg, struct sip_header *h, char **copy)
{
	char *s = strdup(arg), *c, *e;

	if(!s)
		return -1;
	c = strchr(s, ':');
	if(!c || c == s) {
		free(s);
		return -1;
	}
	for(e = c; e > s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
	c++;
	c += strspn(c, " \t");
	h->name = s;
	h->value = c;
	*copy = s;
	return 0;
}

static int print_json(const struct sip_resp *r)
{
	json_t *j = json_object(), *hs = json_object(), *old;
	osip_body_t *b = NULL;
	char key[128], *s, *joined;
	size_t i, k;

	if(!j || !hs)
		return -1;
	json_object_set_new(j, "status", json_integer(r->status));
	json_object_set_new(j, "reason", json_string(r->reason));
	for(i = 0; i < r->n_hdrs; i++) {
		for(k = 0; r->hdrs[i].name[k] && k < sizeof(key) - 1; k++)
			key[k] = (char)tolower((unsigned char)r->hdrs[i].name[k]);
		key[k] = '\0';
		old = json_object_get(hs, key);
		if(old) {
			if(asprintf(&joined, "%s, %s", json_string_value(old),
					   r->hdrs[i].value)
					< 0)
				return -1;
			json_object_set_new(hs, key, json_string(joined));
			free(joined);
		} else {
			json_object_set_new(hs, key, json_string(r->hdrs[i].value));
		}
	}
	json_object_set_new(j, "headers", hs);
	if(r->msg && osip_message_get_body(r->msg, 0, &b) >= 0 && b && b->body
			&& b->length)
		json_object_set_new(j, "body", json_stringn(b->body, b->length));
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if(!s)
		return -1;
	puts(s);
	free(s);
	return 0;
}

static void print_text(const struct sip_resp *r)
{
	osip_body_t *b = NULL;
	size_t i;

	printf("SIP/2.0 %d %s\n", r->status, r->reason);
	for(i = 0; i < r->n_hdrs; i++)
		printf("%s: %s\n", r->hdrs[i].name, r->hdrs[i].value);
	if(r->msg && osip_message_get_body(r->msg, 0, &b) >= 0 && b && b->body
			&& b->length) {
		putchar('\n');
		fwrite(b->body, 1, b->length, stdout);
		if(b->body[b->length - 1] != '\n')
			putchar('\n');
	}
}

int cmd_sip(int argc, char **argv)
{
	static const struct option lo[] = {{"header", required_argument, 0, 'H'},
			{"body", required_argument, 0, 'b'},
			{"content-type", required_argument, 0, 't'},
			{"json", no_argument, 0, 'j'}, {"quiet", no_argument, 0, 'q'},
			{"help", no_argument, 0, 'h'}, SIP_CLI_OPTIONS, {0, 0, 0, 0}};
	struct sip_uac_cfg sc;
	struct sip_header hdrs[HDR_MAX];
	char *copies[HDR_MAX];
	struct sip_req req;
	struct sip_resp resp;
	const char *body_path = NULL, *ctype = NULL;
	char err[512], *body = NULL;
	size_t n_hdrs = 0, body_len = 0, i;
	int c, r, json = 0, quiet = 0, rc = EXIT_USAGE;

	memset(&sc, 0, sizeof(sc));
	memset(&req, 0, sizeof(req));
	sip_cli_env(&sc);
	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		r = sip_cli_opt(&sc, c, optarg);
		if(r < 0)
			goto out;
		if(r > 0)
			continue;
		switch(c) {
			case 'H':
				if(n_hdrs == HDR_MAX) {
					rc = cli_usage("sip", "at most %d --header", HDR_MAX);
					goto out;
				}
				if(parse_header(optarg, &hdrs[n_hdrs], &copies[n_hdrs])) {
					rc = cli_usage(
							"sip", "--header '%s': want 'Name: value'", optarg);
					goto out;
				}
				n_hdrs++;
				break;
			case 'b':
				body_path = optarg;
				break;
			case 't':
				ctype = optarg;
				break;
			case 'j':
				json = 1;
				break;
			case 'q':
				quiet = 1;
				break;
			case 'h':
				fputs(HELP, stdout);
				rc = 0;
				goto out;
			default:
				rc = cli_usage("sip", "unknown option");
				goto out;
		}
	}
	if(argc - optind != 2) {
		rc = cli_usage("sip", "needs METHOD and URI");
		goto out;
	}
	if(sip_cli_check("sip", &sc))
		goto out;
	rc = 1;
	if(body_path && !(body = read_body(body_path, &body_len)))
		goto out;
	req.method = argv[optind];
	req.ruri = argv[optind + 1];
	req.hdrs = hdrs;
	req.n_hdrs = n_hdrs;
	req.body = body;
	req.body_len = body_len;
	req.content_type =
			ctype ? ctype : (body ? "application/octet-stream" : NULL);
	if(sip_uac_request(&sc, &req, &resp, err, sizeof(err))) {
		cli_err("sip", "%s %s: %s", req.method, req.ruri, err);
		goto out;
	}
	if(!quiet) {
		if(json)
			print_json(&resp);
		else
			print_text(&resp);
	}
	rc = resp.status >= 200 && resp.status < 300 ? 0 : 1;
	sip_resp_free(&resp);
out:
	for(i = 0; i < n_hdrs; i++)
		free(copies[i]);
	free(body);
	return rc;
}
