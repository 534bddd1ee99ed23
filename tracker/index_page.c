/* The index page and content.json: see index_page.h. */
#include "index_page.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void idx_html_escape(struct sbuf *b, const char *s)
{
	const char *run = s;

	for(; *s; s++) {
		const char *ref = NULL;

		switch(*s) {
			case '&':
				ref = "&amp;";
				break;
			case '<':
				ref = "&lt;";
				break;
			case '>':
				ref = "&gt;";
				break;
			case '"':
				ref = "&quot;";
				break;
			case '\'':
				ref = "&#39;";
				break;
		}
		if(!ref)
			continue;
		sbuf_add(b, run, (size_t)(s - run));
		sbuf_puts(b, ref);
		run = s + 1;
	}
	sbuf_add(b, run, (size_t)(s - run));
}

void idx_sip_uri(struct sbuf *b, const char *doi, const char *domain)
{
	/* RFC 3261 25.1: user = 1*( unreserved / escaped / user-unreserved ) */
	static const char ok[] = "-_.!~*'()&=+$,;?/";
	char esc[4];

	sbuf_puts(b, "sip:");
	for(; *doi; doi++) {
		unsigned char c = (unsigned char)*doi;

		if((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
				|| (c >= '0' && c <= '9') || strchr(ok, c))
			sbuf_add(b, doi, 1);
		else {
			snprintf(esc, sizeof(esc), "%%%02X", c);
			sbuf_add(b, esc, 3);
		}
	}
	sbuf_puts(b, "@");
	sbuf_puts(b, domain);
}

void idx_human_size(int64_t bytes, char *out, size_t size)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)bytes;
	int u = -1;

	if(bytes < 1024) {
		snprintf(out, size, "%" PRId64 " B", bytes);
		return;
	}
	while(v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, "%.1f %s", v, unit[u]);
}

void idx_price(int64_t cents, const char *currency, char *out, size_t size)
{
	if(cents <= 0)
		snprintf(out, size, "free");
	else
		snprintf(out, size, "%" PRId64 ".%02" PRId64 " %s", cents / 100,
				cents % 100, currency);
}

void idx_age(int64_t updated, int64_t now, char *out, size_t size)
{
	int64_t d = now - updated;

	if(updated < 0)
		snprintf(out, size, "no report yet");
	else if(d < 0)
		snprintf(out, size, "just now");
	else if(d < 120)
		snprintf(out, size, "%" PRId64 " s ago", d);
	else if(d < 7200)
		snprintf(out, size, "%" PRId64 " min ago", d / 60);
	else if(d < 172800)
		snprintf(out, size, "%" PRId64 " h ago", d / 3600);
	else
		snprintf(out, size, "%" PRId64 " d ago", d / 86400);
}

static const char page_head[] =
		"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
		"charset=\"utf-8\">\n<meta name=\"viewport\" "
		"content=\"width=device-width, initial-scale=1\">\n"
		"<title>p2pcd content index</title>\n<style>\n"
		"body{font-family:system-ui,sans-serif;margin:2em;color:#222;"
		"background:#fafafa}\n"
		"h1{font-size:1.6em;margin:0 0 .3em}\n"
		"p.lead{color:#555;margin:0 0 1.2em}\n"
		"table{border-collapse:collapse;width:100%;background:#fff}\n"
		"th,td{padding:.45em .7em;border-bottom:1px solid #ddd;"
		"text-align:left;vertical-align:top}\n"
		"th{background:#2c3e50;color:#fff;font-weight:600}\n"
		"tr.content:hover{background:#f0f6ff}\n"
		"td.num{text-align:right;white-space:nowrap}\n"
		"td.title{font-weight:600;word-break:break-word}\n"
		"a.sip-uri{font-family:ui-monospace,monospace;color:#0a58ca}\n"
		".health{white-space:nowrap}\n.age{color:#777;font-size:.85em}\n"
		".empty{padding:1em;background:#fff;border:1px solid #ddd}\n"
		"</style>\n</head>\n<body>\n<h1>p2pcd content index</h1>\n"
		"<p class=\"lead\">To buy an item, send a SIP MESSAGE to its SIP "
		"URI (<code>p2pcd buy SIP-URI</code>).</p>\n";

static void row(struct sbuf *b, const struct index_item *it, const char *domain,
		int64_t now)
{
	char num[64];
	struct sbuf uri;

	sbuf_init(&uri);
	idx_sip_uri(&uri, it->doi, domain);
	sbuf_puts(b, "<tr class=\"content\" data-doi=\"");
	idx_html_escape(b, it->doi);
	sbuf_puts(b, "\">\n<td class=\"title\">");
	idx_html_escape(b, it->title);
	sbuf_printf(b, "</td>\n<td class=\"num\" title=\"%" PRId64 " bytes\">",
			it->size_bytes);
	idx_human_size(it->size_bytes, num, sizeof(num));
	sbuf_puts(b, num);
	sbuf_puts(b, "</td>\n<td class=\"num\">");
	idx_price(it->price_cents, it->currency, num, sizeof(num));
	idx_html_escape(b, num);
	sbuf_puts(b, "</td>\n<td><a class=\"sip-uri\" href=\"");
	idx_html_escape(b, uri.p ? uri.p : "");
	sbuf_puts(b, "\">");
	idx_html_escape(b, uri.p ? uri.p : "");
	sbuf_printf(b,
			"</a></td>\n<td class=\"health\">%" PRId64 " / %" PRId64
			" / %" PRId64 "<br><span class=\"age\">",
			it->seeders, it->leechers, it->completed);
	idx_age(it->stats_updated, now, num, sizeof(num));
	sbuf_puts(b, num);
	sbuf_puts(b, "</span></td>\n</tr>\n");
	if(uri.oom)
		b->oom = 1;
	sbuf_free(&uri);
}

void idx_render_page(struct sbuf *b, const struct index_item *it, size_t n,
		const char *domain, int64_t now)
{
	size_t i;

	sbuf_puts(b, page_head);
	if(n == 0) {
		sbuf_puts(b, "<p class=\"empty\">The catalog is empty: no content "
					 "is on offer right now.</p>\n</body>\n</html>\n");
		return;
	}
	sbuf_printf(b, "<p>%zu item%s on offer, newest first.</p>\n", n,
			n == 1 ? "" : "s");
	sbuf_puts(b, "<table>\n<thead><tr><th>Title</th><th>Size</th>"
				 "<th>Price</th><th>SIP URI</th><th>Seeders / leechers / "
				 "completed</th></tr></thead>\n<tbody>\n");
	for(i = 0; i < n; i++)
		row(b, &it[i], domain, now);
	sbuf_puts(b, "</tbody>\n</table>\n</body>\n</html>\n");
}

/* a JSON string of s; invalid UTF-8 (never from a UTF8 database) -> "" */
static json_t *jstr(const char *s)
{
	json_t *v = json_string(s);

	return v ? v : json_string("");
}

static json_t *item_json(const struct index_item *it, const char *domain)
{
	json_t *o = json_object();
	struct sbuf uri;
	int bad;

	sbuf_init(&uri);
	idx_sip_uri(&uri, it->doi, domain);
	bad = !o || uri.oom || json_object_set_new(o, "doi", jstr(it->doi))
		  || json_object_set_new(o, "title", jstr(it->title))
		  || json_object_set_new(o, "size_bytes", json_integer(it->size_bytes))
		  || json_object_set_new(
				  o, "price_cents", json_integer(it->price_cents))
		  || json_object_set_new(o, "currency", jstr(it->currency))
		  || json_object_set_new(o, "sip_uri", jstr(uri.p))
		  || json_object_set_new(o, "info_hash", jstr(it->info_hash))
		  || json_object_set_new(o, "seeders", json_integer(it->seeders))
		  || json_object_set_new(o, "leechers", json_integer(it->leechers))
		  || json_object_set_new(o, "completed", json_integer(it->completed))
		  || json_object_set_new(o, "stats_updated",
				  it->stats_updated < 0 ? json_null()
										: json_integer(it->stats_updated))
		  || json_object_set_new(o, "tracker", jstr(it->tracker))
		  || json_object_set_new(o, "created", json_integer(it->created));
	sbuf_free(&uri);
	if(bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *idx_render_json(const struct index_item *it, size_t n, const char *domain)
{
	json_t *arr = json_array(), *top = json_object();
	char *out = NULL;
	size_t i;
	int bad = !arr || !top;

	for(i = 0; !bad && i < n; i++) {
		json_t *o = item_json(&it[i], domain);

		bad = !o || json_array_append_new(arr, o);
	}
	if(!bad && json_object_set(top, "content", arr) == 0)
		out = json_dumps(top, JSON_COMPACT);
	json_decref(arr);
	json_decref(top);
	return out;
}
