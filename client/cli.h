/*
 * The p2pcd CLI: subcommand table and helpers shared by the commands.
 *
 * A command is a function (argc, argv) with argv[0] its own name; it
 * returns the process exit status: 0 success, 1 failure, 2 usage error.
 * Adding one = a cmd_*.c file and a line in main.c's table.
 */
#ifndef P2PCD_CLI_H
#define P2PCD_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "p2pcd/atomic_file.h"

#define EXIT_USAGE 2

struct cli_cmd
{
	const char *name;
	const char *summary; /* one line for `p2pcd --help` */
	int (*run)(int argc, char **argv);
};

/* where cli_err writes; NULL (the default) is stderr */
extern FILE *cli_err_out;

/* "p2pcd CMD: message" on stderr (printf style) */
void cli_err(const char *cmd, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
/* a usage error: the message, then "Try 'p2pcd CMD --help'."; returns 2 */
int cli_usage(const char *cmd, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

/* exactly 32 hex digits to a KID. 0 or -1. */
int cli_parse_kid(const char *hex, uint8_t kid[16]);
/* lowercase hex of len bytes into a static buffer (len <= 64) */
const char *cli_hex(const uint8_t *p, size_t len);

/*
 * Output file all or nothing; a SIGINT/SIGTERM/SIGHUP while it is open
 * removes its temporary file. Two at a time (OUT and its key file).
 */
int cli_out_open(struct p2pcd_afile *f, const char *path, unsigned mode);
int cli_out_commit(struct p2pcd_afile *f);
void cli_out_abort(struct p2pcd_afile *f);

/* a license token from the command line or a file (malloc'ed, trimmed);
 * NULL with a message */
char *cli_read_token(const char *cmd, const char *tok, const char *file);

/* 1 if path names an existing file (or anything) */
int cli_exists(const char *path);

/*
 * Long-running commands (buy, publish, fetch; bt_start calls it): from now
 * on SIGINT, SIGTERM and SIGHUP only record the signal, so the command can
 * stop aria2c gracefully (event=stopped to the tracker) and finish what it
 * must; temporary output files are still removed at once. The one signal
 * handler of the CLI (cli_out_open's cleanup is the same handler).
 */
void cli_catch_stop(void);
/* the last signal that asked to stop, or 0 */
int cli_interrupted(void);
/* how many such signals arrived (a second ^C: stop faster) */
unsigned cli_stop_count(void);

/* a decimal integer in lo..hi: 0, or -1 */
int cli_parse_long(const char *s, long lo, long hi, long *out);
/* all of p into path (written whole or not at all); 0 or -1 (printed) */
int cli_write_file(const char *cmd, const char *path, const void *p, size_t len,
		unsigned mode);
/* the environment variable name when set and not empty, else NULL */
const char *cli_env(const char *name);

#endif
