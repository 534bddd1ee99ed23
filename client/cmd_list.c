/* p2pcd list: the content index (its content.json), as a table. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client_opts.h"
#include "commands.h"
#include "http_get.h"
#include "progress.h"

static const char HELP[] =
		"usage: p2pcd list [--index URL] [options]\n"
		"\n"
		"Lists the content for sale on the content index: title, size,\n"
		"price, swarm health and the SIP URI to buy it with 'p2pcd buy'.\n"
		"\n"
		"options:\n" CLIENT_INDEX_HELP CLIENT_HTTP_HELP
		"  --json              print the index's JSON as it came\n"
		"  -h, --help          this help\n"
		"\n"
		"Exit status: 0 listed, 1 failed, 2 usage error.\n";

static int print_table(const struct http_answer *a)
{
	json_error_t je;
	json_t *j = json_loadb(a->body, a->len, 0, &je), *list, *it;
	char size[32], price[32];
	size_t i;

	list = json_object_get(j, "content");
	if(!json_is_array(list)) {
		cli_err("list", "the index answered no content list: %s", je.text);
		json_decref(j);
		return 1;
	}
	if(json_array_size(list) == 0)
		printf("the index lists no content\n");
	json_array_foreach(list, i, it)
	{
		int64_t cents = json_integer_value(json_object_get(it, "price_cents"));

		progress_bytes(json_integer_value(json_object_get(it, "size_bytes")),
				size, sizeof(size));
		if(cents)
			snprintf(price, sizeof(price), "%lld.%02lld %s",
					(long long)(cents / 100), (long long)(cents % 100),
					json_string_value(json_object_get(it, "currency")));
		else
			snprintf(price, sizeof(price), "free");
		printf("%s\n  %s, %s, %lld seeders / %lld leechers\n  buy: %s\n",
				json_string_value(json_object_get(it, "title")), size, price,
				(long long)json_integer_value(json_object_get(it, "seeders")),
				(long long)json_integer_value(json_object_get(it, "leechers")),
				json_string_value(json_object_get(it, "sip_uri")));
	}
	json_decref(j);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option lo[] = {{"json", no_argument, 0, 'j'},
			{"help", no_argument, 0, 'h'}, CLIENT_HTTP_OPTIONS, {0, 0, 0, 0}};
	struct client_http h;
	struct http_answer a;
	char *url, msg[256];
	int c, r, json = 0, rc = 1;

	client_http_env(&h);
	while((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if((r = client_http_opt(&h, c, optarg)) != 0) {
			if(r < 0)
				return EXIT_USAGE;
			continue;
		}
		if(c == 'j')
			json = 1;
		else if(c == 'h') {
			fputs(HELP, stdout);
			return 0;
		} else
			return cli_usage("list", "unknown option");
	}
	if(optind != argc)
		return cli_usage("list", "takes no arguments");
	if(!h.index_url)
		return cli_usage("list", "--index URL (or P2PCD_INDEX) is required");
	if(asprintf(&url, "%s%scontent.json", h.index_url,
			   h.index_url[strlen(h.index_url) - 1] == '/' ? "" : "/")
			< 0)
		return 1;
	if(http_get("list", url, h.ca_file, &a)) {
		free(url);
		return 1;
	}
	if(a.status != 200)
		cli_err("list", "%s: HTTP %ld: %s", url, a.status,
				http_error_message(&a, msg, sizeof(msg)) ? msg : "no reason");
	else if(json)
		rc = fwrite(a.body, 1, a.len, stdout) == a.len && puts("") >= 0 ? 0 : 1;
	else
		rc = print_table(&a);
	http_answer_free(&a);
	free(url);
	return rc;
}
