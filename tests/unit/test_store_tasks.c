/*
 * test_store_tasks.c - the SPAS task list (one open task per rule and
 * subject, closing records who and why) and the append-only audit log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"
#include "store_sql.h"
#include "table.h"
#include "test_db.h"

static void
test_tasks(void **state)
{
	char path[] = "/tmp/stafeta-tasks-XXXXXX";
	struct store *st = test_db_open(path);
	struct store_task t = { "sheet", "unknown_household", "sheet:AB-123",
	    "Check household code 12345678", NULL, 1000, 5000 };
	struct store_task u = { "parents", "caretaker_silent", "notice:7",
	    "Call the caretaker", "ana", 1000, 0 };
	struct table *l;
	int64_t id, id2, id3;

	(void)state;
	id = store_task_open(st, &t);
	assert_true(id > 0);
	t.title = "again";
	id2 = store_task_open(st, &t); /* the same rule fires again */
	assert_int_equal(id2, id);
	id3 = store_task_open(st, &u);
	assert_true(id3 > id);

	l = store_task_list(st, NULL, NULL, 1, 6000);
	assert_non_null(l);
	assert_int_equal(l->nrows, 2);
	/* The one with a deadline first, overdue at 6000, first title kept. */
	assert_string_equal(table_get(l, 0, 4), "Check household code 12345678");
	assert_string_equal(table_get(l, 0, 8), "da");
	assert_string_equal(table_get(l, 1, 8), "");
	table_free(l);

	assert_int_equal(store_task_close(st, id, STORE_TASK_DONE, "maria",
	    "visited", 7000), 0);
	assert_int_equal(store_task_close(st, id, STORE_TASK_DONE, "maria",
	    "again", 7000), 1);
	assert_int_equal(store_task_close_ref(st, "parents",
	    "caretaker_silent", "notice:7", STORE_TASK_CANCELLED, "sys",
	    "answered", 8000), 1);
	l = store_task_list(st, NULL, NULL, 1, 9000);
	assert_int_equal(l->nrows, 0);
	table_free(l);
	l = store_task_list(st, "sheet", NULL, 0, 9000);
	assert_int_equal(l->nrows, 1);
	assert_string_equal(table_get(l, 0, 9), "done");
	assert_string_equal(table_get(l, 0, 10), "maria");
	assert_string_equal(table_get(l, 0, 11), "visited");
	table_free(l);
	/* Closed, the rule may open a new one. */
	t.title = "new";
	assert_true(store_task_open(st, &t) > id3);
	store_close(st);
	test_db_remove(path);
}

static void
test_audit(void **state)
{
	char path[] = "/tmp/stafeta-audit-XXXXXX";
	struct store *st = test_db_open(path);
	struct table *l;

	(void)state;
	assert_int_equal(store_audit(st, "maria", "cli", "view",
	    "sheet:AB-123", 1000), 0);
	assert_int_equal(store_audit(st, NULL, "web", "export", "sheets",
	    2000), 0);
	l = store_audit_list(st, 0, NULL);
	assert_int_equal(l->nrows, 2);
	assert_string_equal(table_get(l, 0, 1), "maria");
	assert_string_equal(table_get(l, 1, 1), "?");
	table_free(l);
	l = store_audit_list(st, 1500, "maria");
	assert_int_equal(l->nrows, 0);
	table_free(l);
	/* Nobody edits the log. */
	{
		static const char upd[] = "UPDATE audit SET who = 'x'";
		struct store_sql *q = store_sql_prepare(st, upd);

		assert_non_null(q);
		assert_int_not_equal(store_sql_exec(q, "audit edit"), 0);
	}
	l = store_audit_list(st, 0, "maria");
	assert_int_equal(l->nrows, 1);
	table_free(l);
	store_close(st);
	test_db_remove(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tasks),
		cmocka_unit_test(test_audit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
