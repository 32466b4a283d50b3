/*
 * gw_metrics.h - Prometheus metrics: an in-memory registry of event
 * counters, gauges and histograms that any part of gateway/ feeds, and
 * the /metrics endpoint ([metrics] listen, off by default), served by the
 * protected HTTP server (gw_httpd.h).
 *
 * What is durable (messages, queue, channels, sheets, dialogues) is read
 * from the store at each scrape; only events that leave no row (HTTP
 * rejections, USSD latency, quarantined slots) are counted here, so they
 * restart from zero with the daemon, as Prometheus counters may.
 *
 * Labels come as name/value pairs ending with NULL.  No personal data in
 * a label: no phone number, text, code or PIN, only names of channels,
 * flows, states and reasons.  The registry is one per process, like the
 * log: a counter must be countable from anywhere in the gateway without
 * plumbing a pointer through it.  Only gateway/ includes this header.
 */
#ifndef STAFETA_GW_METRICS_H
#define STAFETA_GW_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct gateway;
struct gw_metrics;

/* Adds 1 (gw_metrics_count) or n to the counter name{labels}. */
void gw_metrics_count(const char *name, ...)
    __attribute__((sentinel));
void gw_metrics_add(const char *name, uint64_t n, ...)
    __attribute__((sentinel));
/* Sets the gauge name{labels}. */
void gw_metrics_set(const char *name, double v, ...)
    __attribute__((sentinel));
/* Observes v seconds in the latency histogram name{labels} (buckets
 * from 5 ms to 10 s). */
void gw_metrics_observe(const char *name, double v, ...)
    __attribute__((sentinel));
/* The text exposition of the registry alone (caller frees); for tests. */
char *gw_metrics_render_registry(void);
/* Forgets every series (unit tests). */
void gw_metrics_reset(void);

/* The /metrics listener for [metrics] listen; NULL with err. */
struct gw_metrics *gw_metrics_new(struct gateway *, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void gw_metrics_free(struct gw_metrics *); /* NULL is a no-op */

#endif /* STAFETA_GW_METRICS_H */
