/*
 * flow_due.c - runs the persistent scheduler's items (store_due_*) of one
 * owner: the one loop every service's tick uses for work due at a time.
 *
 * Each item runs in a savepoint of the caller's transaction: its work
 * (queued SMS, flags) and its row's removal or rescheduling commit
 * together with the rest, and a failing item undoes only its own writes,
 * counts an attempt and is retried after a back-off.  The wall-clock
 * rules (docs/scheduler.md) are in flow.h, above flow_due_run.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flow.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define DUE_MIN_STEP_MS    (60 * 1000LL)   /* earliest re-run */
#define DUE_BACKOFF_MS     (60 * 1000LL)   /* first retry */
#define DUE_BACKOFF_MAX_MS (3600 * 1000LL) /* retries at least hourly */

static int due_one(struct store *, const char *, const struct store_due *,
    int64_t, flow_due_cb *, void *);
static int64_t due_backoff(int);

static int64_t
due_backoff(int attempts)
{
	int64_t ms = DUE_BACKOFF_MS;

	while (attempts-- > 0 && ms < DUE_BACKOFF_MAX_MS)
		ms *= 2;
	return ms < DUE_BACKOFF_MAX_MS ? ms : DUE_BACKOFF_MAX_MS;
}

/* 0, or -1 if the store failed (the caller's transaction is lost). */
static int
due_one(struct store *st, const char *owner, const struct store_due *d,
    int64_t now, flow_due_cb *cb, void *arg)
{
	struct flow_due_item it;
	int rc;

	memset(&it, 0, sizeof(it));
	it.due = d;
	it.now = now;
	it.late_ms = now - d->due_at;
	it.stale = it.late_ms > FLOW_DUE_GRACE_MS;
	if (store_savepoint(st) == -1)
		return -1;
	rc = cb(st, &it, arg);
	if (rc == FLOW_DUE_DONE) {
		if (store_due_cancel(st, owner, d->key) == -1)
			goto fail;
	} else if (rc == FLOW_DUE_AGAIN) {
		if (it.next <= now) {
			/* Never twice in one run, never a catch-up loop. */
			log_warnx("%s: due %s rescheduled into the past, "
			    "moved to now + 1 min", owner, d->key);
			it.next = now + DUE_MIN_STEP_MS;
		}
		if (store_due_reschedule(st, owner, d->key, it.next) == -1)
			goto fail;
	} else
		goto fail;
	return store_savepoint_release(st);
fail:
	store_savepoint_rollback(st);
	if (it.err[0] == '\0')
		strlcpy_s(it.err, rc == -1 ? "failed" : "store error",
		    sizeof(it.err));
	log_warnx("%s: due %s (%s) failed (attempt %d): %s; retry in %lld s",
	    owner, d->key, d->kind, d->attempts + 1, it.err,
	    (long long)(due_backoff(d->attempts) / 1000));
	return store_due_fail(st, owner, d->key,
	    now + due_backoff(d->attempts), it.err);
}

int
flow_due_run(struct store *st, const char *owner, int64_t now,
    flow_due_cb *cb, void *arg, size_t max)
{
	struct store_due *v;
	size_t n, i, stale = 0;
	int64_t latest = 0;
	int rc = 0;

	if (store_due_take(st, owner, now, max, &v, &n) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if (now - v[i].due_at > FLOW_DUE_GRACE_MS) {
			stale++;
			if (now - v[i].due_at > latest)
				latest = now - v[i].due_at;
		}
		rc = due_one(st, owner, &v[i], now, cb, arg);
	}
	if (stale > 0)
		log_warnx("%s: %zu due item(s) up to %lld min late (downtime "
		    "or clock jump): each ran once, none caught up", owner,
		    stale, (long long)(latest / 60000));
	if (rc == 0 && n == max)
		log_debug("%s: more items due, next tick goes on", owner);
	store_due_free(v, n);
	return rc;
}

int64_t
flow_due_daily_at(int64_t now, int minute, int day_offset)
{
	time_t t = (time_t)(now / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_mday += day_offset;
	tm.tm_hour = minute / 60;
	tm.tm_min = minute % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return (int64_t)t * 1000;
}
