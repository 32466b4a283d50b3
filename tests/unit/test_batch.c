/*
 * test_batch.c - group commit (gateway/gw_batch.c) over a real SQLite
 * file and a real libevent loop: units queued in one pass share one
 * commit; nothing is told before the commit (a second connection already
 * sees the row when done runs); a failing unit loses only its own
 * writes; the bound per transaction; a locked database answers busy;
 * freeing drops what was not run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "gw_batch.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"
#include "test_db.h"

#define UNITS_MAX 32

struct fixture {
	char path[64];
	struct store *st;	/* the batch's connection */
	struct store *other;	/* another process's, as it were */
	struct event_base *base;
	int results[UNITS_MAX];
	int seen_committed[UNITS_MAX];
	int n_done;
	int n_after;
};

struct unit {
	struct fixture *f;
	int k;		/* row key it writes */
	int fail;	/* write, then fail */
};

static int
count_key(struct store *st, int k)
{
	struct store_sql *q = store_sql_prepare(st,
	    "SELECT count(*) FROM bt WHERE k = ?");
	int n;

	assert_non_null(q);
	assert_int_equal(store_sql_bind_int(q, 1, k), 0);
	assert_int_equal(store_sql_step(q, "count"), 1);
	n = store_sql_col_int(q, 0);
	store_sql_done(q);
	return n;
}

static int
unit_run(struct store *st, void *arg)
{
	struct unit *u = arg;
	struct store_sql *q = store_sql_prepare(st,
	    "INSERT INTO bt (k) VALUES (?)");

	if (q == NULL || store_sql_bind_int(q, 1, u->k) != 0 ||
	    store_sql_exec(q, "insert") != 0)
		return -1;
	return u->fail ? -1 : 0;
}

static void
unit_done(void *arg, enum gw_batch_result res, const char *why)
{
	struct unit *u = arg;
	struct fixture *f = u->f;

	assert_true(u->k >= 0 && u->k < UNITS_MAX);
	f->results[u->k] = (int)res;
	if (res == GW_BATCH_OK)
		assert_null(why);
	else
		assert_non_null(why);
	/* What is acknowledged is already durable for everyone else. */
	f->seen_committed[u->k] = count_key(f->other, u->k);
	f->n_done++;
	free(u);
}

static void
after(void *arg)
{
	((struct fixture *)arg)->n_after++;
}

static void
add(struct fixture *f, struct gw_batch *b, int k, int fail)
{
	struct unit *u = xcalloc(1, sizeof(*u));

	u->f = f;
	u->k = k;
	u->fail = fail;
	gw_batch_add(b, unit_run, unit_done, u);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[256];
	struct store_sql *q;

	strlcpy_s(f->path, "/tmp/test_batch.XXXXXX", sizeof(f->path));
	f->st = test_db_open(f->path);
	q = store_sql_prepare(f->st, "CREATE TABLE bt (k INTEGER PRIMARY KEY)");
	assert_non_null(q);
	assert_int_equal(store_sql_exec(q, "create"), 0);
	f->other = store_open(f->path, err, sizeof(err));
	assert_non_null(f->other);
	f->base = event_base_new();
	assert_non_null(f->base);
	for (int i = 0; i < UNITS_MAX; i++)
		f->results[i] = -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	event_base_free(f->base);
	store_close(f->other);
	store_close(f->st);
	test_db_remove(f->path);
	free(f);
	return 0;
}

/* Runs the loop until nothing is queued; the number of passes. */
static int
drain(struct fixture *f, struct gw_batch *b)
{
	int passes = 0;

	while (gw_batch_pending(b) > 0 && passes < 100) {
		assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK |
		    EVLOOP_ONCE), 0);
		passes++;
	}
	return passes;
}

static void
test_one_commit(void **state)
{
	struct fixture *f = *state;
	struct gw_batch *b = gw_batch_new(f->base, f->st, 256, after, f);
	struct gw_batch_stats s;

	add(f, b, 1, 0);
	add(f, b, 2, 1);	/* writes, then fails: alone undone */
	add(f, b, 3, 0);
	add(f, b, 1, 0);	/* same key as unit 1: fails alone */
	assert_int_equal(f->n_done, 0);	/* nothing told at queue time */
	assert_int_equal(drain(f, b), 1);
	assert_int_equal(f->n_done, 4);
	assert_int_equal(f->results[2], GW_BATCH_FAILED);
	assert_int_equal(f->results[3], GW_BATCH_OK);
	/* k = 1: the second (failed) unit's done came last. */
	assert_int_equal(f->results[1], GW_BATCH_FAILED);
	assert_int_equal(f->seen_committed[3], 1);
	assert_int_equal(f->seen_committed[1], 1);
	assert_int_equal(count_key(f->other, 2), 0);
	gw_batch_get_stats(b, &s);
	assert_int_equal(s.commits, 1);
	assert_int_equal(s.units, 4);
	assert_int_equal(s.failed, 2);
	assert_int_equal(f->n_after, 1);
	gw_batch_free(b);
}

static void
test_bound(void **state)
{
	struct fixture *f = *state;
	struct gw_batch *b = gw_batch_new(f->base, f->st, 4, NULL, NULL);
	struct gw_batch_stats s;

	for (int k = 0; k < 10; k++)
		add(f, b, k, 0);
	assert_int_equal(drain(f, b), 3);	/* 4 + 4 + 2 */
	gw_batch_get_stats(b, &s);
	assert_int_equal(s.commits, 3);
	assert_int_equal(s.units, 10);
	for (int k = 0; k < 10; k++) {
		assert_int_equal(f->results[k], GW_BATCH_OK);
		assert_int_equal(f->seen_committed[k], 1);
	}
	gw_batch_free(b);
}

static void
test_busy_and_dropped(void **state)
{
	struct fixture *f = *state;
	struct gw_batch *b = gw_batch_new(f->base, f->st, 256, after, f);
	struct gw_batch_stats s;

	assert_int_equal(store_set_busy_timeout(f->st, 10), 0);
	assert_int_equal(store_begin(f->other), 0);	/* holds the lock */
	add(f, b, 5, 0);
	add(f, b, 6, 0);
	drain(f, b);
	store_rollback(f->other);
	assert_int_equal(f->results[5], GW_BATCH_BUSY);
	assert_int_equal(f->results[6], GW_BATCH_BUSY);
	assert_int_equal(count_key(f->other, 5), 0);
	assert_int_equal(f->n_after, 0);
	gw_batch_get_stats(b, &s);
	assert_int_equal(s.commits, 0);
	assert_int_equal(s.lost, 2);
	/* Asked again, it goes through. */
	add(f, b, 5, 0);
	drain(f, b);
	assert_int_equal(f->results[5], GW_BATCH_OK);
	assert_int_equal(f->n_after, 1);
	/* Queued but never run: dropped at free, nothing written. */
	add(f, b, 7, 0);
	gw_batch_free(b);
	assert_int_equal(f->results[7], GW_BATCH_DROPPED);
	assert_int_equal(count_key(f->other, 7), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_and_dropped, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
