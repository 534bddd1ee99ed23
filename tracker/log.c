/* Logging: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static bool to_syslog;
static int max_level = LOG_INFO;

void log_setup(bool use_syslog, int level)
{
	to_syslog = use_syslog;
	max_level = level;
	if(to_syslog)
		openlog("p2pcd-tracker", LOG_PID, LOG_DAEMON);
}

void logf_(int level, const char *fmt, ...)
{
	static const char *names[] = {"emerg", "alert", "crit", "error", "warning",
			"notice", "info", "debug"};
	char msg[1024];
	va_list ap;

	if(level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if(to_syslog) {
		syslog(level, "%s", msg);
	} else {
		struct timespec ts;
		struct tm tm;
		char t[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
		/* one fprintf: stdio locks the stream, lines do not mix */
		fprintf(stderr, "%s.%03ldZ p2pcd-tracker %s: %s\n", t,
				ts.tv_nsec / 1000000, names[level & 7], msg);
	}
}
