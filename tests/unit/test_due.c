/*
 * test_due.c - the persistent scheduler: the due table (put, get,
 * cancel, take, reschedule, fail) and flow_due_run (done, again, a
 * failing item undone alone and retried with back-off, rescheduling
 * into the past, batches, a restart losing and repeating nothing),
 * with time owned by clock_test_set/advance.
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

#include "clock.h"
#include "flow.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "test_db.h"

#define T0   1795305600000LL /* 2026-11-22 00:00:00 UTC */
#define MIN  (60 * 1000LL)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)

struct fixture {
	char path[64];
	struct store *st;
};

/* What the test handler does, and what it saw. */
struct handler {
	int runs;
	int fail_key;	   /* "k<N>" fails when N == fail_key */
	int again_past;	   /* ask to run again at now */
	int every_day;	   /* recurring: next = now + 1 day */
	char seen[256];	   /* keys run, space separated */
};

static int setup(void **);
static int teardown(void **);
static int handler_cb(struct store *, struct flow_due_item *, void *);
static int64_t queued(struct fixture *);
static int64_t due_at(struct fixture *, const char *);
static int run(struct fixture *, struct handler *, size_t);

static int
setup(void **state)
{
	struct fixture *f;

	log_init(LOG_LEVEL_ERROR, "test");
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strlcpy_s(f->path, "/tmp/test_due.XXXXXX", sizeof(f->path));
	f->st = test_db_open(f->path);
	clock_test_set(T0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	test_db_remove(f->path);
	free(f);
	return 0;
}

/* Queues one SMS per run (the work), then does what h says. */
static int
handler_cb(struct store *st, struct flow_due_item *it, void *arg)
{
	struct handler *h = arg;
	struct store_outbound o;

	h->runs++;
	strlcpy_s(h->seen + strlen(h->seen), it->due->key,
	    sizeof(h->seen) - strlen(h->seen));
	strlcpy_s(h->seen + strlen(h->seen), " ",
	    sizeof(h->seen) - strlen(h->seen));
	memset(&o, 0, sizeof(o));
	o.recipient = (char *)(uintptr_t)"+40700000001";
	o.text = it->due->key;
	o.created_at = it->now;
	if (store_outbox_add(st, &o) != 0)
		return -1;
	if (h->fail_key > 0 && strtol(it->due->key + 1, NULL, 10) ==
	    h->fail_key) {
		strlcpy_s(it->err, "boom", sizeof(it->err));
		return -1; /* after writing: the write must be undone */
	}
	if (h->again_past) {
		it->next = it->now;
		return FLOW_DUE_AGAIN;
	}
	if (h->every_day) {
		it->next = it->now + DAY;
		return FLOW_DUE_AGAIN;
	}
	return FLOW_DUE_DONE;
}

static int64_t
queued(struct fixture *f)
{
	int64_t q;

	assert_int_equal(store_outbox_depth(f->st, NULL, &q, NULL), 0);
	return q;
}

/* due_at of test item key, 0 if gone. */
static int64_t
due_at(struct fixture *f, const char *key)
{
	struct store_due d;
	int64_t at = 0;

	if (store_due_get(f->st, "test", key, &d) == 1)
		at = d.due_at;
	store_due_clear(&d);
	return at;
}

static int
run(struct fixture *f, struct handler *h, size_t max)
{
	int rc;

	assert_int_equal(store_begin(f->st), 0);
	rc = flow_due_run(f->st, "test", clock_now_ms(), handler_cb, h, max);
	assert_int_equal(store_commit(f->st), 0);
	return rc;
}

static void
test_table(void **state)
{
	struct fixture *f = *state;
	struct store_due d, *v;
	size_t n;
	int64_t cnt;

	assert_int_equal(store_due_put(f->st, "test", "k1", "x", T0 + HOUR,
	    "p", T0), 0);
	assert_int_equal(store_due_put(f->st, "test", "k2", "x", T0 + MIN,
	    NULL, T0), 0);
	assert_int_equal(store_due_put(f->st, "other", "k1", "y", T0, NULL,
	    T0), 0);
	/* Upsert by owner + key. */
	assert_int_equal(store_due_put(f->st, "test", "k1", "z", T0 + 2 * HOUR,
	    "q", T0), 0);
	assert_int_equal(store_due_count(f->st, "test", &cnt), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(store_due_get(f->st, "test", "k1", &d), 1);
	assert_string_equal(d.kind, "z");
	assert_string_equal(d.payload, "q");
	assert_int_equal(d.due_at, T0 + 2 * HOUR);
	store_due_clear(&d);
	/* Take: only this owner's, only due, earliest first. */
	assert_int_equal(store_due_take(f->st, "test", T0 + 3 * HOUR, 10, &v,
	    &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].key, "k2");
	assert_string_equal(v[1].key, "k1");
	store_due_free(v, n);
	assert_int_equal(store_due_take(f->st, "test", T0, 10, &v, &n), 0);
	assert_int_equal(n, 0);
	store_due_free(v, n);
	assert_int_equal(store_due_fail(f->st, "test", "k2", T0 + DAY, "e"),
	    0);
	assert_int_equal(store_due_get(f->st, "test", "k2", &d), 1);
	assert_int_equal(d.attempts, 1);
	assert_string_equal(d.last_error, "e");
	store_due_clear(&d);
	assert_int_equal(store_due_reschedule(f->st, "test", "k2", T0 + HOUR),
	    0);
	assert_int_equal(store_due_get(f->st, "test", "k2", &d), 1);
	assert_int_equal(d.attempts, 0);
	assert_null(d.last_error);
	store_due_clear(&d);
	assert_int_equal(store_due_cancel(f->st, "test", "k2"), 1);
	assert_int_equal(store_due_cancel(f->st, "test", "k2"), 0);
	assert_int_equal(store_due_get(f->st, "test", "k2", &d), 0);
}

static void
test_run_done_and_restart(void **state)
{
	struct fixture *f = *state;
	struct handler h;

	memset(&h, 0, sizeof(h));
	assert_int_equal(store_due_put(f->st, "test", "k1", "x", T0 + HOUR,
	    NULL, T0), 0);
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(h.runs, 0);
	clock_test_advance(HOUR);
	/* A crash before commit: neither the SMS nor the row's removal. */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(flow_due_run(f->st, "test", clock_now_ms(),
	    handler_cb, &h, 10), 0);
	store_rollback(f->st);
	assert_int_equal(queued(f), 0);
	assert_int_equal(due_at(f, "k1"), T0 + HOUR);
	/* The run after the restart does it once. */
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(queued(f), 1);
	assert_int_equal(due_at(f, "k1"), 0);
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(queued(f), 1);
}

static void
test_run_failure_isolated(void **state)
{
	struct fixture *f = *state;
	struct handler h;
	struct store_due d;

	memset(&h, 0, sizeof(h));
	h.fail_key = 2;
	assert_int_equal(store_due_put(f->st, "test", "k1", "x", T0, NULL, T0),
	    0);
	assert_int_equal(store_due_put(f->st, "test", "k2", "x", T0, NULL, T0),
	    0);
	assert_int_equal(store_due_put(f->st, "test", "k3", "x", T0, NULL, T0),
	    0);
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(h.runs, 3);
	/* k2's SMS undone, k1's and k3's kept. */
	assert_int_equal(queued(f), 2);
	assert_int_equal(store_due_get(f->st, "test", "k2", &d), 1);
	assert_int_equal(d.attempts, 1);
	assert_string_equal(d.last_error, "boom");
	assert_int_equal(d.due_at, T0 + MIN);
	store_due_clear(&d);
	/* Back-off doubles. */
	clock_test_advance(MIN);
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(due_at(f, "k2"), T0 + 3 * MIN);
	/* Fixed: runs once. */
	h.fail_key = 0;
	clock_test_advance(2 * MIN);
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(queued(f), 3);
	assert_int_equal(due_at(f, "k2"), 0);
}

/* A month's forward jump: a daily item fires once, not thirty times,
 * and is rescheduled from now; an item asking for the past is moved. */
static void
test_run_clock_jump(void **state)
{
	struct fixture *f = *state;
	struct handler h;

	memset(&h, 0, sizeof(h));
	h.every_day = 1;
	assert_int_equal(store_due_put(f->st, "test", "k1", "x", T0 + HOUR,
	    NULL, T0), 0);
	clock_test_advance(30 * DAY);
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(h.runs, 1);
	assert_int_equal(due_at(f, "k1"), T0 + 31 * DAY);
	/* Backward jump: nothing due, nothing repeated. */
	clock_test_set(T0 + 2 * DAY);
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(h.runs, 1);
	/* Rescheduling into the past never loops in one run. */
	h.every_day = 0;
	h.again_past = 1;
	clock_test_set(T0 + 31 * DAY);
	assert_int_equal(run(f, &h, 10), 0);
	assert_int_equal(h.runs, 2);
	assert_int_equal(due_at(f, "k1"), T0 + 31 * DAY + MIN);
}

static void
test_run_batch(void **state)
{
	struct fixture *f = *state;
	struct handler h;
	char key[16];
	int i;

	memset(&h, 0, sizeof(h));
	for (i = 1; i <= 5; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(store_due_put(f->st, "test", key, "x",
		    T0 - i * MIN, NULL, T0), 0);
	}
	assert_int_equal(run(f, &h, 3), 0);
	assert_int_equal(h.runs, 3);
	assert_string_equal(h.seen, "k5 k4 k3 "); /* earliest first */
	assert_int_equal(run(f, &h, 3), 0);
	assert_int_equal(h.runs, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_done_and_restart,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_failure_isolated,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_clock_jump, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_run_batch, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
