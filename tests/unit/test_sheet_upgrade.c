/*
 * test_sheet_upgrade.c - the sheet_0006_numbers migration rebuilds the
 * sheets table (issue 11: a correction or merge keeps its number, so the
 * number is unique only among the rows that took it).  A database made
 * with the tables of 0004/0005 and holding a superseded cycle with values
 * is upgraded: every row, id, link and value stays, foreign keys hold,
 * a reused number is still refused for a new cycle and accepted for a
 * row that continues one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"
#include "test_db.h"

#define T0 1795305600000LL

static int64_t
one_int(struct store *st, const char *sql)
{
	struct store_sql *q = store_sql_prepare(st, sql);
	int64_t v = -1;

	assert_non_null(q);
	if (store_sql_step(q, "test") == 1)
		v = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return v;
}

static void
exec_ok(struct store *st, const char *sql)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	assert_non_null(q);
	assert_int_equal(store_sql_exec(q, "test"), 0);
}

static void
test_upgrade_keeps_rows(void **state)
{
	const struct store_migration old[] = { sheet_migrations[0],
		sheet_migrations[1], { NULL, NULL, NULL } };
	char path[] = "/tmp/test_sheet_upgrade.XXXXXX";
	struct store *st;
	struct sheet_row s;

	(void)state;
	log_init(LOG_LEVEL_ERROR, "test");
	st = test_db_open(path);
	test_db_apply(st, old);
	exec_ok(st, "INSERT INTO reporters (id, phone, name, profession,"
	    " commune, language, active, enrolled_at, updated_at) VALUES"
	    " (1, '+40722000001', 'A', 'teacher', 'Tinca', 'ro', 1, 0, 0)");
	exec_ok(st, "INSERT INTO sheets (id, county, year, seq, household,"
	    " reporter_id, received_at, channel, any_risk, risk_count, urgent,"
	    " state, visit_deadline, indicator_version, updated_at) VALUES"
	    " (1, 22, 2026, 1, '48219303', 1, 0, 'sms', 1, 1, 1,"
	    " 'visit_pending', 0, 'is-x', 0),"
	    " (2, 22, 2026, 2, '48219303', 1, 1, 'sms', 1, 2, 1,"
	    " 'visit_pending', 0, 'is-x', 0)");
	exec_ok(st, "UPDATE sheets SET supersedes = 1 WHERE id = 2");
	exec_ok(st, "UPDATE sheets SET superseded_by = 2 WHERE id = 1");
	exec_ok(st, "INSERT INTO sheet_values VALUES (1, 'a', 1, 1),"
	    " (2, 'a', 1, 0), (2, 'b', 1, 1)");

	test_db_apply(st, sheet_migrations);
	assert_int_equal(one_int(st, "SELECT count(*) FROM sheets"), 2);
	assert_int_equal(one_int(st, "SELECT count(*) FROM sheet_values"), 3);
	assert_int_equal(one_int(st, "SELECT superseded_by FROM sheets"
	    " WHERE id = 1"), 2);
	assert_int_equal(one_int(st, "SELECT supersedes FROM sheets"
	    " WHERE id = 2"), 1);
	assert_int_equal(one_int(st, "SELECT count(*) FROM"
	    " pragma_foreign_key_check"), 0);
	assert_int_equal(sheet_store_get(st, 2, 1, &s), 1);
	assert_int_equal(s.n_values, 2);
	assert_int_equal(s.keeps_number, 0);
	assert_string_equal(sheet_strstate(s.state), "visit_pending");
	sheet_row_clear(&s);

	/* Number 22-2026-002 is taken: a new cycle may not take it ... */
	assert_int_equal(sheet_store_get(st, 2, 0, &s), 1);
	s.id = 0;
	s.supersedes = 0;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(sheet_store_insert(st, &s, T0), -1);
	store_rollback(st);
	/* ... a row that continues its cycle may. */
	s.keeps_number = 1;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(sheet_store_insert(st, &s, T0), 0);
	assert_int_equal(store_commit(st), 0);
	sheet_row_clear(&s);
	store_close(st);
	test_db_remove(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade_keeps_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
