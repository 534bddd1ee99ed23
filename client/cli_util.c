/* Helpers shared by the p2pcd commands: messages, hex, output files,
 * tokens. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p2pcd/keyfile.h"
#include "cli.h"

FILE *cli_err_out;

void cli_err(const char *cmd, const char *fmt, ...)
{
	FILE *f = cli_err_out ? cli_err_out : stderr;
	va_list ap;

	fprintf(f, "p2pcd %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "p2pcd %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'p2pcd %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int cli_parse_kid(const char *hex, uint8_t kid[16])
{
	return p2pcd_hex_decode(hex, strlen(hex), kid, 16);
}

const char *cli_hex(const uint8_t *p, size_t len)
{
	static char buf[2 * 64 + 1];

	if(len > 64 || p2pcd_hex_encode(p, len, buf, sizeof(buf)))
		return "?";
	return buf;
}

int cli_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* the temporary files a signal must remove (copies: the handler only
 * calls unlink) */
#define SIG_SLOTS 2
static char sig_tmp[SIG_SLOTS][4096];
static volatile sig_atomic_t sig_armed[SIG_SLOTS];

static volatile sig_atomic_t stop_catching, stop_signal, stop_count;

static void on_signal(int sig)
{
	int i;

	for(i = 0; i < SIG_SLOTS; i++)
		if(sig_armed[i])
			unlink(sig_tmp[i]);
	if(stop_catching) {
		stop_signal = sig;
		stop_count++;
		return;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends a sleep */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void cli_catch_stop(void)
{
	stop_catching = 1;
	install();
}

int cli_interrupted(void)
{
	return stop_signal;
}

unsigned cli_stop_count(void)
{
	return (unsigned)stop_count;
}

static void untrack(const char *tmp)
{
	int i;

	for(i = 0; i < SIG_SLOTS; i++)
		if(sig_armed[i] && tmp && !strcmp(sig_tmp[i], tmp))
			sig_armed[i] = 0;
}

int cli_out_open(struct p2pcd_afile *f, const char *path, unsigned mode)
{
	size_t len;
	int i;

	if(p2pcd_afile_open(f, path, (mode_t)mode) < 0)
		return -1;
	len = strlen(f->tmp);
	for(i = 0; i < SIG_SLOTS; i++) {
		if(sig_armed[i] || len >= sizeof(sig_tmp[i]))
			continue;
		memcpy(sig_tmp[i], f->tmp, len + 1);
		install();
		sig_armed[i] = 1;
		break;
	}
	return 0;
}

int cli_out_commit(struct p2pcd_afile *f)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", f->tmp ? f->tmp : "");
	/* disarm first: after the rename the name may be reused */
	untrack(tmp);
	return p2pcd_afile_commit(f);
}

void cli_out_abort(struct p2pcd_afile *f)
{
	untrack(f->tmp);
	p2pcd_afile_abort(f);
}

char *cli_read_token(const char *cmd, const char *tok, const char *file)
{
	char buf[8200], *p;
	size_t n;
	FILE *f;

	if(tok)
		return strdup(tok);
	f = fopen(file, "re");
	if(!f) {
		cli_err(cmd, "cannot open token file %s", file);
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for(p = buf; *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'; p++)
		;
	n = strcspn(p, " \r\n\t");
	p[n] = '\0';
	if(!*p) {
		cli_err(cmd, "token file %s is empty", file);
		return NULL;
	}
	return strdup(p);
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if(errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cli_write_file(const char *cmd, const char *path, const void *p, size_t len,
		unsigned mode)
{
	struct p2pcd_afile f;

	if(cli_out_open(&f, path, mode) < 0) {
		cli_err(cmd, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	if(write(f.fd, p, len) != (ssize_t)len || cli_out_commit(&f) < 0) {
		cli_err(cmd, "cannot write %s: %s", path, strerror(errno));
		cli_out_abort(&f);
		return -1;
	}
	return 0;
}

const char *cli_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}
