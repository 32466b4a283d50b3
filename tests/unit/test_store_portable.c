/*
 * test_store_portable.c - what the portable rewrites of the core store
 * statements (pg-portability.md) must keep on SQLite: a taken name adds
 * nothing, upserts replace or count as the old INSERT OR REPLACE / IGNORE
 * did, a closed task's rule opens a new one, optional filters, a state
 * update that names no state keeps it, and the seam's additions.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
#include "store_sql.h"
#include "table.h"
#include "test_db.h"

#define T0 1700000000000LL /* unix ms: beyond int32, as real times are */

static void
test_users_and_throttle(void **state)
{
	char path[] = "/tmp/stafeta-portable-XXXXXX";
	struct store *st = test_db_open(path);
	struct store_user u;
	int64_t n, last;

	(void)state;
	assert_int_equal(store_user_add(st, "ana", "admin", "h1", T0), 1);
	assert_int_equal(store_user_add(st, "ana", "worker", "h2", T0), 0);
	assert_int_equal(store_user_get(st, "ana", &u), 1);
	assert_string_equal(u.role, "admin");
	store_user_clear(&u);
	assert_int_equal(store_login_fail(st, "user:ana", T0), 0);
	assert_int_equal(store_login_fail(st, "user:ana", T0 + 5), 0);
	assert_int_equal(store_login_failures(st, "user:ana", &n, &last), 0);
	assert_int_equal(n, 2);
	assert_int_equal(last, T0 + 5);
	store_close(st);
	test_db_remove(path);
}

static void
test_flood_and_state(void **state)
{
	char path[] = "/tmp/stafeta-portable-XXXXXX";
	struct store *st = test_db_open(path);
	struct store_flood f = { T0, 3, 0 }, g;
	char *v = NULL;

	(void)state;
	assert_int_equal(store_flood_put(st, "+40700000001", &f, T0), 0);
	f.count = 7;
	f.silenced_until = T0 + 1000;
	assert_int_equal(store_flood_put(st, "+40700000001", &f, T0 + 1), 0);
	assert_int_equal(store_flood_get(st, "+40700000001", &g), 1);
	assert_int_equal(g.count, 7);
	assert_int_equal(g.silenced_until, T0 + 1000);
	assert_int_equal(store_state_put(st, "pause", "1", T0), 0);
	assert_int_equal(store_state_put(st, "pause", "0", T0 + 1), 0);
	assert_int_equal(store_state_get(st, "pause", &v), 1);
	assert_string_equal(v, "0");
	free(v);
	store_close(st);
	test_db_remove(path);
}

struct chan_seen {
	char state[16];
	char error[16];
	int64_t last_seen;
	double balance;
};

static int
chan_row(const struct store_channel_row *r, void *arg)
{
	struct chan_seen *s = arg;

	snprintf(s->state, sizeof(s->state), "%s", r->state);
	snprintf(s->error, sizeof(s->error), "%s",
	    r->error != NULL ? r->error : "-");
	s->last_seen = r->last_seen;
	s->balance = r->balance;
	return 0;
}

static void
test_channels_upsert(void **state)
{
	char path[] = "/tmp/stafeta-portable-XXXXXX";
	struct store *st = test_db_open(path);
	struct chan_seen s;
	int today = 0;

	(void)state;
	assert_int_equal(store_channel_set_state(st, "m1", "up", NULL, T0), 0);
	/* No state, an error: the state stays, last_seen does not move. */
	assert_int_equal(store_channel_set_state(st, "m1", NULL, "boom",
	    T0 + 9), 0);
	assert_int_equal(store_channel_list(st, chan_row, &s), 0);
	assert_string_equal(s.state, "up");
	assert_string_equal(s.error, "boom");
	assert_int_equal(s.last_seen, T0);
	assert_true(isnan(s.balance));
	/* "" clears the error. */
	assert_int_equal(store_channel_set_state(st, "m1", NULL, "", T0 + 10),
	    0);
	assert_int_equal(store_channel_set_balance(st, "m1", 2.25, T0 + 11),
	    0);
	assert_int_equal(store_channel_list(st, chan_row, &s), 0);
	assert_string_equal(s.error, "-");
	assert_true(fabs(s.balance - 2.25) < 1e-9);
	assert_int_equal(store_channel_count_sent(st, "m1", 2, T0, &today), 0);
	assert_int_equal(store_channel_count_sent(st, "m1", 3, T0, &today), 0);
	assert_int_equal(today, 5);
	assert_int_equal(store_channel_count_sent(st, "m1", 1,
	    T0 + 86400000LL, &today), 0);
	assert_int_equal(today, 1);
	store_close(st);
	test_db_remove(path);
}

static void
test_tasks_reopen(void **state)
{
	char path[] = "/tmp/stafeta-portable-XXXXXX";
	struct store *st = test_db_open(path);
	struct store_task t = { "sheet", "k", "sheet:AB-1", "Do it", NULL,
	    T0, 0 };
	struct table *l;
	int64_t id, id2;

	(void)state;
	id = store_task_open(st, &t);
	assert_true(id > 0);
	assert_int_equal(store_task_open(st, &t), id);
	assert_int_equal(store_task_close(st, id, STORE_TASK_DONE, "ana",
	    "ok", T0 + 1), 0);
	id2 = store_task_open(st, &t);
	assert_true(id2 > id);
	/* Filters unset, then set; the open one first. */
	l = store_task_list(st, NULL, NULL, 0, T0 + 2);
	assert_non_null(l);
	assert_int_equal(l->nrows, 2);
	assert_string_equal(table_get(l, 0, 9), "open");
	table_free(l);
	l = store_task_list(st, "sheet", "nobody", 0, T0 + 2);
	assert_non_null(l);
	assert_int_equal(l->nrows, 0);
	table_free(l);
	store_close(st);
	test_db_remove(path);
}

static void
test_seam_additions(void **state)
{
	char path[] = "/tmp/stafeta-portable-XXXXXX";
	struct store *st = test_db_open(path);
	static const char sql[] = "SELECT length(CAST(?1 AS BLOB)), ?2";
	struct store_sql *q;

	(void)state;
	assert_int_equal(store_sql_has_table(st, "tasks"), 1);
	assert_int_equal(store_sql_has_table(st, "no_such_table"), 0);
	q = store_sql_prepare(st, sql);
	assert_non_null(q);
	assert_int_equal(store_sql_bind_blob(q, 1, "a\0b", 3), 0);
	assert_int_equal(store_sql_bind_double(q, 2, 1.5), 0);
	assert_int_equal(store_sql_step(q, "test"), 1);
	assert_int_equal(store_sql_col_int(q, 0), 3);
	assert_true(fabs(store_sql_col_double(q, 1) - 1.5) < 1e-9);
	store_sql_done(q);
	q = store_sql_prepare(st, sql);
	assert_non_null(q);
	assert_int_equal(store_sql_bind_blob(q, 1, NULL, 0), 0);
	assert_int_equal(store_sql_step(q, "test"), 1);
	assert_false(store_sql_col_is_null(q, 0)); /* empty, not NULL */
	assert_int_equal(store_sql_col_int(q, 0), 0);
	store_sql_done(q);
	store_close(st);
	test_db_remove(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_and_throttle),
		cmocka_unit_test(test_flood_and_state),
		cmocka_unit_test(test_channels_upsert),
		cmocka_unit_test(test_tasks_reopen),
		cmocka_unit_test(test_seam_additions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
