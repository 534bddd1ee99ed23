/* Prometheus text exposition of the tracker's counters and gauges. */
#ifndef P2PCD_TRACKER_METRICS_H
#define P2PCD_TRACKER_METRICS_H

#include "sbuf.h"
#include "tracker.h"

void metrics_render(struct tracker *t, struct sbuf *out);

#endif
