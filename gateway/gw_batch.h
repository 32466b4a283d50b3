/*
 * gw_batch.h - group commit: the requests that arrive in one pass of the
 * event loop share one durable transaction, and none is answered before
 * it is committed.
 *
 * A handler queues a unit of work (run) and what to do once its fate is
 * known (done, which sends the reply).  The first unit queued activates
 * a one-shot event; libevent runs it after every callback already active
 * in this pass, so each request already read in the pass is queued
 * first.  Then, in one transaction: for each unit a savepoint, run, and
 * release (or, if run fails, rollback to the savepoint: that unit alone
 * fails, the others keep their writes); commit; then every done, in
 * queue order.  At most max_units per transaction (latency stays
 * bounded); the rest go in the next one, on the next pass (after the
 * replies of this one are written).
 *
 * One fsync then stands for the whole batch instead of one per request:
 * that is the whole point (synchronous = FULL stays).  Counted in
 * /metrics (stafeta_batch_commits_total, stafeta_batch_units_total) and
 * logged at debug level ("batch: N units, 1 commit").
 * Only gateway/ includes this header.
 */
#ifndef STAFETA_GW_BATCH_H
#define STAFETA_GW_BATCH_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct store;
struct gw_batch;

#define GW_BATCH_MAX_UNITS 256 /* the daemon's bound per transaction */

enum gw_batch_result {
	GW_BATCH_OK = 0,  /* run returned 0 and the transaction committed */
	GW_BATCH_FAILED,  /* run failed: its writes undone, the others kept */
	GW_BATCH_BUSY,	  /* another process held the database: nothing
			   * kept, ask again later */
	GW_BATCH_ERROR,	  /* the transaction failed: nothing kept */
	GW_BATCH_DROPPED, /* never run: the batch was freed first */
};

/* Inside the transaction: 0, or -1 to undo this unit's writes alone. */
typedef int gw_batch_run_fn(struct store *, void *arg);
/* After the commit (or the failure), once per unit: why is the store's
 * error at the failure (borrowed, NULL when OK).  Frees arg if it must. */
typedef void gw_batch_done_fn(void *arg, enum gw_batch_result,
    const char *why);
/* After a transaction that kept some work (to kick the senders). */
typedef void gw_batch_after_fn(void *arg);

struct gw_batch_stats {
	uint64_t commits;	/* transactions committed */
	uint64_t units;		/* units run in them (failed ones too) */
	uint64_t failed;	/* units whose run failed */
	uint64_t lost;		/* units of transactions that failed */
};

struct gw_batch *gw_batch_new(struct event_base *, struct store *,
    size_t max_units, gw_batch_after_fn *after, void *after_arg);
/* Queues a unit (never fails: out of memory is fatal, as xmalloc). */
void gw_batch_add(struct gw_batch *, gw_batch_run_fn *, gw_batch_done_fn *,
    void *arg);
/* Units queued and not yet run. */
size_t gw_batch_pending(const struct gw_batch *);
void gw_batch_get_stats(const struct gw_batch *, struct gw_batch_stats *);
/* Frees; units still queued are not run: done(GW_BATCH_DROPPED). */
void gw_batch_free(struct gw_batch *);

#endif /* STAFETA_GW_BATCH_H */
