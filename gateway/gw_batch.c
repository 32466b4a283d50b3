/*
 * gw_batch.c - group commit of the requests of one loop pass (see
 * gw_batch.h).
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "gw_batch.h"
#include "gw_metrics.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct batch_unit {
	gw_batch_run_fn *run;
	gw_batch_done_fn *done;
	void *arg;
	enum gw_batch_result result;
	char *why;		/* its own failure, or NULL */
};

struct gw_batch {
	struct event *ev;	/* one-shot, activated by the first unit */
	struct store *st;	/* borrowed */
	size_t max;
	gw_batch_after_fn *after;
	void *after_arg;
	struct batch_unit *q;	/* queued, in arrival order */
	size_t n, cap;
	struct gw_batch_stats stats;
};

static void batch_fire(evutil_socket_t, short, void *);
static void batch_run(struct gw_batch *, struct batch_unit *, size_t);

struct gw_batch *
gw_batch_new(struct event_base *base, struct store *st, size_t max_units,
    gw_batch_after_fn *after, void *after_arg)
{
	struct gw_batch *b = xcalloc(1, sizeof(*b));

	b->st = st;
	b->max = max_units > 0 ? max_units : 1;
	b->after = after;
	b->after_arg = after_arg;
	b->ev = event_new(base, -1, 0, batch_fire, b);
	if (b->ev == NULL)
		fatalx("batch: event_new failed");
	return b;
}

void
gw_batch_add(struct gw_batch *b, gw_batch_run_fn *run, gw_batch_done_fn *done,
    void *arg)
{
	if (b->n == b->cap) {
		b->cap = b->cap == 0 ? 64 : b->cap * 2;
		b->q = xrealloc(b->q, b->cap * sizeof(*b->q));
	}
	memset(&b->q[b->n], 0, sizeof(b->q[b->n]));
	b->q[b->n].run = run;
	b->q[b->n].done = done;
	b->q[b->n].arg = arg;
	/* Active, not timed: it runs after every callback already active
	 * in this pass (the other requests read with this one). */
	if (b->n++ == 0)
		event_active(b->ev, EV_TIMEOUT, 1);
}

size_t
gw_batch_pending(const struct gw_batch *b)
{
	return b->n;
}

void
gw_batch_get_stats(const struct gw_batch *b, struct gw_batch_stats *out)
{
	*out = b->stats;
}

static void
batch_fire(evutil_socket_t fd, short what, void *arg)
{
	struct gw_batch *b = arg;
	struct batch_unit *u;
	size_t k = b->n < b->max ? b->n : b->max;

	UNUSED(fd);
	UNUSED(what);
	if (k == 0)
		return;
	/* Taken off the queue first: a done callback may queue again. */
	u = xcalloc(k, sizeof(*u));
	memcpy(u, b->q, k * sizeof(*u));
	memmove(b->q, b->q + k, (b->n - k) * sizeof(*b->q));
	b->n -= k;
	if (b->n > 0) {
		/* Over the bound: the rest on the next pass, as a timer
		 * due now (activated again, it would run in this pass,
		 * before these replies are written). */
		struct timeval now = { 0, 0 };

		event_add(b->ev, &now);
	}
	batch_run(b, u, k);
	free(u);
}

/* Runs k units in one transaction, then tells each its fate. */
static void
batch_run(struct gw_batch *b, struct batch_unit *u, size_t k)
{
	struct store *st = b->st;
	enum gw_batch_result all = GW_BATCH_OK;
	int64_t busy0 = store_busy_count(st);
	char *why = NULL;
	size_t i, failed = 0;

	if (store_begin(st) != 0)
		goto abort;
	for (i = 0; i < k; i++) {
		if (store_savepoint(st) != 0)
			goto abort;
		if (u[i].run(st, u[i].arg) == 0) {
			if (store_savepoint_release(st) != 0)
				goto abort;
			u[i].result = GW_BATCH_OK;
			continue;
		}
		u[i].why = xstrdup(store_errmsg(st));
		/* An I/O error or a full disk ends the whole transaction:
		 * what the earlier units wrote is gone too. */
		if (!store_in_transaction(st))
			goto abort;
		store_savepoint_rollback(st);
		u[i].result = GW_BATCH_FAILED;
		failed++;
	}
	if (store_commit(st) != 0)
		goto abort;
	b->stats.commits++;
	b->stats.units += k;
	b->stats.failed += failed;
	gw_metrics_count("stafeta_batch_commits_total", NULL);
	gw_metrics_add("stafeta_batch_units_total", k, NULL);
	if (failed > 0)
		gw_metrics_add("stafeta_batch_units_failed_total", failed,
		    NULL);
	log_debug("batch: %zu unit%s, 1 commit%s", k, k == 1 ? "" : "s",
	    failed > 0 ? " (some failed alone)" : "");
	goto finish;
abort:
	why = xstrdup(store_errmsg(st));
	store_rollback(st);
	all = store_busy_count(st) != busy0 ? GW_BATCH_BUSY : GW_BATCH_ERROR;
	b->stats.lost += k;
	gw_metrics_count("stafeta_batch_failures_total", "reason",
	    all == GW_BATCH_BUSY ? "busy" : "error", NULL);
	if (all == GW_BATCH_BUSY)
		log_warnx("batch: database locked by another process, %zu "
		    "request(s) answered busy", k);
	else
		log_warnx("batch: transaction of %zu request(s) failed, "
		    "nothing kept, all answered with an error: %s", k, why);
finish:
	for (i = 0; i < k; i++) {
		enum gw_batch_result r = all == GW_BATCH_OK ? u[i].result :
		    all;

		u[i].done(u[i].arg, r, r == GW_BATCH_OK ? NULL :
		    u[i].why != NULL ? u[i].why : why);
		free(u[i].why);
	}
	free(why);
	if (all == GW_BATCH_OK && failed < k && b->after != NULL)
		b->after(b->after_arg);
}

void
gw_batch_free(struct gw_batch *b)
{
	if (b == NULL)
		return;
	event_free(b->ev);
	for (size_t i = 0; i < b->n; i++)
		b->q[i].done(b->q[i].arg, GW_BATCH_DROPPED, "shutting down");
	free(b->q);
	free(b);
}
