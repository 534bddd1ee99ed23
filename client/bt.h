/*
 * The BitTorrent transfer engine: a real, unmodified aria2c (Debian's
 * aria2 package) driven over JSON-RPC on 127.0.0.1 (DESIGN.md 2: "a real
 * BitTorrent client"). One session = one aria2c process with one torrent.
 *
 * aria2c runs in a process group of its own (a terminal's ^C reaches only
 * us, and we stop it gracefully so the tracker gets event=stopped), with
 * --stop-with-process=our PID so it never outlives us. From the first
 * bt_start on, SIGINT, SIGTERM and SIGHUP are caught (cli_catch_stop):
 * they end bt_run/bt_seed (bt_interrupted() tells which signal) instead of
 * killing the process.
 */
#ifndef P2PCD_CLIENT_BT_H
#define P2PCD_CLIENT_BT_H

#include <stddef.h>
#include <stdint.h>

struct progress;

struct bt_opts
{
	const char *torrent; /* path of a .torrent file */
	const char *dir;	 /* download directory; for seeding, where the
						  * complete file already is */
	int seed;			 /* 0: stop at completion; 1: keep seeding after
						  * completion until bt_stop() */
	long max_upload;	 /* bytes/s, 0 unlimited */
	long max_download;	 /* bytes/s, 0 unlimited */
	int listen_port;	 /* BitTorrent port, 0: a free one (6881-6999) */
	/* peers connected at once, 0: aria2c's default (55). A rate-limited
	 * origin serving few peers sends each piece about once and lets the
	 * swarm spread it (bench/swarm) */
	int max_peers;
	const char *bind_addr; /* NULL: any; else aria2c --interface and
							* --bt-external-ip */
	const char *log_path;  /* aria2c's log (--log, level info) or NULL (a
							* private temporary log, removed by bt_stop) */
	const char *aria2c;	   /* NULL: $P2PCD_ARIA2C or "aria2c" from PATH */
	int no_report;		   /* 1: do not report peers that sent pieces
							* failing the hash check (default: report them
							* to the tracker's /report/TOKEN) */
};

struct bt_status
{
	int64_t total, completed, uploaded; /* bytes */
	int64_t down_rate, up_rate;			/* bytes/s */
	int peers, seeders; /* connections, of which seeders (numSeeders) */
	int complete;		/* 1 when every piece is verified */
	int failed;			/* aria2c reported an error (e.g. the tracker's
						 * failure reason "expired token") or exited */
	char error[256];	/* why failed; also "timed out ..." or
						 * "interrupted ..." from bt_run with failed 0 */
	int64_t elapsed_ms; /* since bt_start */
	/* bytes received from peers in this session (not data that was
	 * already on disk); after bt_stop, the value of aria2c's final
	 * (event=stopped) announce when it was seen */
	int64_t downloaded;
	/* pieces that failed the hash check (aria2c's "we got wrong piece"),
	 * and bad-piece reports the tracker accepted (POST /report/TOKEN,
	 * derived from the torrent's /announce/TOKEN) */
	int bad_pieces;
	int reports;
};

struct bt_session;

/*
 * Spawns aria2c with JSON-RPC on 127.0.0.1 (a free port, a random
 * secret passed in a 0600 file, not on the command line) and adds the
 * torrent. 0, or -1 with a message that says what to do (e.g. "aria2c
 * not found: apt-get install aria2").
 */
int bt_start(const struct bt_opts *o, struct bt_session **s, char *err,
		size_t err_size);

/* one aria2.tellStatus round trip (and a look at aria2c's log for
 * tracker refusals); 0, or -1 when aria2c could not be asked (st->error
 * says why; st->failed is set when aria2c is gone) */
int bt_poll(struct bt_session *s, struct bt_status *st);

/*
 * Polls every 500 ms until complete or failure, or timeout_s (0: none)
 * passes, or a SIGINT/SIGTERM arrives; progress p (may be NULL) is
 * updated each poll. 0 complete, -1 otherwise: st->failed with the
 * reason, or st->error "timed out ..." / "interrupted ..." with failed 0.
 * At completion aria2c stops the download by itself when seed is 0 (and
 * tells the tracker completed, then stopped); with seed 1 it goes on
 * seeding. Either way bt_stop ends the session.
 */
int bt_run(struct bt_session *s, struct progress *p, int timeout_s,
		struct bt_status *st);

/*
 * After a bt_run that returned 0 with seed 1: seed for seconds (0: until
 * SIGINT/SIGTERM), polling and updating p like bt_run. 0 when the time
 * passed or a signal asked to stop, -1 when aria2c or the tracker failed
 * (st->failed, st->error).
 */
int bt_seed(struct bt_session *s, struct progress *p, int seconds,
		struct bt_status *st);

/*
 * Graceful stop: aria2.shutdown (or SIGINT) so aria2c sends
 * event=stopped to the tracker with its final uploaded/downloaded; waits
 * up to 15 s, then SIGKILL; reaps; fills final (may be NULL) with the
 * last known status; frees s. 0, or -1 if aria2c had to be killed.
 */
int bt_stop(struct bt_session *s, struct bt_status *final);

/* the last tracker announce error aria2c reported (from its log: the
 * tracker's "failure reason", or e.g. a connection error), for clear
 * messages; NULL if none. Valid until bt_stop. */
const char *bt_tracker_error(struct bt_session *s);

/* 1 if the last tracker error was a refusal (a "failure reason") */
int bt_tracker_refused(struct bt_session *s);

/* the signal (SIGINT, SIGTERM) that arrived since bt_start, or 0 */
int bt_interrupted(void);

#endif
