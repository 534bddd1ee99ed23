/* Transfer progress on stderr: a live line on a TTY, plain lines for logs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bt.h"
#include "progress.h"

#define DEFAULT_INTERVAL_MS 3000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void progress_init(struct progress *p, int mode)
{
	const char *env = getenv("P2PCD_PROGRESS");
	const char *iv = getenv("P2PCD_PROGRESS_INTERVAL");
	long n;

	memset(p, 0, sizeof(*p));
	if(mode == PROGRESS_AUTO && env && *env) {
		if(!strcmp(env, "lines"))
			mode = PROGRESS_LINES;
		else if(!strcmp(env, "live"))
			mode = PROGRESS_LIVE;
		else if(!strcmp(env, "quiet"))
			mode = PROGRESS_QUIET;
	}
	if(mode == PROGRESS_AUTO)
		mode = isatty(STDERR_FILENO) ? PROGRESS_LIVE : PROGRESS_QUIET;
	if(mode != PROGRESS_LINES && mode != PROGRESS_LIVE)
		mode = PROGRESS_QUIET;
	p->mode = mode;
	p->interval_ms = DEFAULT_INTERVAL_MS;
	n = iv ? strtol(iv, NULL, 10) : 0;
	if(n > 0 && n <= 3600)
		p->interval_ms = (int)n * 1000;
	if(mode == PROGRESS_LIVE)
		p->interval_ms = 0;
	p->last_ms = -1;
}

const char *progress_bytes(int64_t n, char *buf, int size)
{
	static const char *unit[] = {"KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = -1;

	if(n < 0) {
		snprintf(buf, (size_t)size, "?");
		return buf;
	}
	if(n < 1024) {
		snprintf(buf, (size_t)size, "%lld B", (long long)n);
		return buf;
	}
	while(v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, (size_t)size, "%.1f %s", v, unit[u]);
	return buf;
}

static void duration(int64_t s, char *buf, size_t size)
{
	if(s >= 3600)
		snprintf(buf, size, "%lld:%02lld:%02lld", (long long)(s / 3600),
				(long long)(s / 60 % 60), (long long)(s % 60));
	else
		snprintf(buf, size, "%lld:%02lld", (long long)(s / 60),
				(long long)(s % 60));
}

const char *progress_format(const struct bt_status *st, char *buf, int size)
{
	char done[32], total[32], down[32], up[32], eta[32], upl[32];
	int pct = 0;

	if(st->total > 0)
		pct = (int)(st->completed * 100 / st->total);
	progress_bytes(st->completed, done, sizeof(done));
	if(st->total > 0)
		progress_bytes(st->total, total, sizeof(total));
	else
		snprintf(total, sizeof(total), "?");
	progress_bytes(st->down_rate, down, sizeof(down));
	progress_bytes(st->up_rate, up, sizeof(up));
	if(st->complete) {
		progress_bytes(st->uploaded, upl, sizeof(upl));
		snprintf(buf, (size_t)size,
				"  %s / %s  %d%%  complete  %s/s up  %d peer%s  uploaded %s",
				done, total, pct, up, st->peers, st->peers == 1 ? "" : "s",
				upl);
		return buf;
	}
	if(st->down_rate > 0 && st->total > st->completed)
		duration(
				(st->total - st->completed + st->down_rate - 1) / st->down_rate,
				eta, sizeof(eta));
	else
		snprintf(eta, sizeof(eta), "-:--");
	snprintf(buf, (size_t)size,
			"  %s / %s  %d%%  %s/s down  %s/s up  %d peer%s  ETA %s", done,
			total, pct, down, up, st->peers, st->peers == 1 ? "" : "s", eta);
	return buf;
}

static void print_line(struct progress *p, const struct bt_status *st)
{
	char line[256];
	int len;

	progress_format(st, line, sizeof(line));
	len = (int)strlen(line);
	if(p->mode == PROGRESS_LIVE) {
		/* pad over the rest of a longer previous line */
		fprintf(stderr, "\r%s%*s", line,
				p->live_len > len ? p->live_len - len : 0, "");
		p->live_len = len;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
	p->printed_last = 1;
}

void progress_update(struct progress *p, const struct bt_status *st)
{
	int64_t t;

	if(!p || p->mode == PROGRESS_QUIET)
		return;
	p->last = *st;
	p->have = 1;
	p->printed_last = 0;
	t = now_ms();
	if(p->last_ms >= 0 && t - p->last_ms < p->interval_ms)
		return;
	p->last_ms = t;
	print_line(p, st);
}

void progress_done(struct progress *p)
{
	if(!p || p->mode == PROGRESS_QUIET)
		return;
	if(p->have && !p->printed_last)
		print_line(p, &p->last);
	if(p->mode == PROGRESS_LIVE && p->live_len) {
		fputc('\n', stderr);
		fflush(stderr);
	}
	p->live_len = 0;
	p->have = 0;
}
