/* Logging to stderr or syslog, with syslog levels. Thread-safe. */
#ifndef P2PCD_TRACKER_LOG_H
#define P2PCD_TRACKER_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_setup(bool use_syslog, int level);
void logf_(int level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

#define LOG_E(...) logf_(LOG_ERR, __VA_ARGS__)
#define LOG_W(...) logf_(LOG_WARNING, __VA_ARGS__)
#define LOG_N(...) logf_(LOG_NOTICE, __VA_ARGS__)
#define LOG_I(...) logf_(LOG_INFO, __VA_ARGS__)
#define LOG_D(...) logf_(LOG_DEBUG, __VA_ARGS__)

#endif
