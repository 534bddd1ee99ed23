/* The publication state file: see pubstate.h. */
#include "pubstate.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int pubstate_save(const char *cmd, const char *path, const struct pubstate *s)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, "
						  "s:s, s:s}",
			"doi", s->doi, "content_uri", s->content_uri, "target", s->target,
			"etag", s->etag, "expires", (json_int_t)s->expires, "refreshed",
			(json_int_t)s->refreshed, "grant_url", s->grant_url, "title",
			s->title, "info_hash", s->info_hash, "file", s->file, "torrent",
			s->torrent);
	char *txt = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
	int rc = -1;

	if(!txt)
		cli_err(cmd, "cannot encode the publication state");
	else
		rc = cli_write_file(cmd, path, txt, strlen(txt), 0600);
	free(txt);
	json_decref(j);
	return rc;
}

static int str(json_t *j, const char *key, char *out, size_t size)
{
	const char *v = json_string_value(json_object_get(j, key));

	if(!v || strlen(v) >= size)
		return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

int pubstate_load(const char *cmd, const char *path, struct pubstate *s)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if(!json_is_object(j)) {
		cli_err(cmd, "%s: not a publication state file (%s)", path, je.text);
		goto out;
	}
	if(str(j, "doi", s->doi, sizeof(s->doi))
			|| str(j, "content_uri", s->content_uri, sizeof(s->content_uri))
			|| str(j, "target", s->target, sizeof(s->target))
			|| str(j, "etag", s->etag, sizeof(s->etag))
			|| str(j, "grant_url", s->grant_url, sizeof(s->grant_url))
			|| str(j, "title", s->title, sizeof(s->title))
			|| str(j, "info_hash", s->info_hash, sizeof(s->info_hash))
			|| str(j, "file", s->file, sizeof(s->file))
			|| str(j, "torrent", s->torrent, sizeof(s->torrent))) {
		cli_err(cmd, "%s: a member is missing or too long", path);
		goto out;
	}
	s->expires = json_integer_value(json_object_get(j, "expires"));
	s->refreshed = json_integer_value(json_object_get(j, "refreshed"));
	rc = 0;
out:
	json_decref(j);
	return rc;
}
