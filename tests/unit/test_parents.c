/*
 * test_parents.c - the migrant-parents service without the daemon:
 * every text of texts.csv is GSM-7 and one SMS segment before its
 * placeholders are filled, carries no country, court or child, and
 * every caretaker text offers "please call me"; dates as parents type
 * them; the flags of 4.3; registering (states recorded, 2c task, N2 due)
 * and the reminders on the scheduler: quiet hours in Rome across the
 * March change, the monthly cap, declined caretaker, N9 "4" twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gsm_text.h"
#include "parents.h"
#include "parents_int.h"
#include "store.h"
#include "store_sql.h"
#include "table.h"
#include "test_db.h"
#include "zone.h"

#define HOUR (3600 * 1000LL)

static void
test_texts(void **state)
{
	char err[256];
	struct parents_texts *t = parents_texts_load("flows/parents/texts.csv",
	    err, sizeof(err));

	(void)state;
	if (t == NULL)
		fail_msg("%s", err);
	assert_true(parents_texts_count(t) >= 20);
	for (size_t i = 0; i < parents_texts_count(t); i++) {
		const char *id = parents_texts_id(t, i);
		const char *s = parents_texts_get(t, id);
		size_t n = strlen(id);

		if (!gsm_text_is_gsm7(s))
			fail_msg("%s is not GSM-7", id);
		if (gsm_text_parts(s) != 1)
			fail_msg("%s takes %d segments", id, gsm_text_parts(s));
		if (parents_text_forbidden(s))
			fail_msg("%s names a country, the court or a child", id);
		if (id[n - 1] == 'C' && strstr(s, "Sunati-ma") == NULL &&
		    strstr(s, "sa ma sune") == NULL &&
		    strstr(s, "sa va sunam") == NULL &&
		    strstr(s, "{TEL}") == NULL)
			fail_msg("%s: caretaker text without call me", id);
	}
	for (const char *const *n = (const char *const[]){ "N0", "N1", "N2C",
	    "N3C", "N4", "N5", "N6", "N7", "N8", "N9", "N10", "N11C", "N12C",
	    "N13", "N13C", "N14", "N15", "N16", "N17", "N17C", NULL };
	    *n != NULL; n++)
		assert_non_null(parents_texts_get(t, *n));
	assert_true(parents_text_forbidden("SPAS: in Italia"));
	parents_texts_free(t);
}

static void
test_dates(void **state)
{
	char out[11];

	(void)state;
	assert_int_equal(parents_date_parse("15.3.2027", out), 0);
	assert_string_equal(out, "2027-03-15");
	assert_int_equal(parents_date_parse("15/03/2027", out), 0);
	assert_string_equal(out, "2027-03-15");
	assert_int_equal(parents_date_parse("15-03-2027", out), 0);
	assert_string_equal(out, "2027-03-15");
	assert_int_equal(parents_date_parse("2027-03-15", out), 0);
	assert_int_equal(parents_date_parse("15.03.27", out), 0);
	assert_string_equal(out, "2027-03-15");
	assert_int_equal(parents_date_parse("31.02.2027", out), -1);
	assert_int_equal(parents_date_parse("15.03", out), -1);
	assert_int_equal(parents_date_parse("15 martie", out), -1);
	assert_int_equal(parents_date_parse("15.03/2027", out), -1);
	parents_date_from_days(parents_date_days("2028-02-29"), out);
	assert_string_equal(out, "2028-02-29");
	/* Friday 2027-01-15 + 2 working days = Tuesday the 19th. */
	assert_int_equal(parents_add_working_days(parents_date_days(
	    "2027-01-15") * PARENTS_DAY_MS, 2) / PARENTS_DAY_MS,
	    parents_date_days("2027-01-19"));
}

static void
fill(struct parents_request *r, const char *dep)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->parent_name, sizeof(r->parent_name), "Ana Pop");
	snprintf(r->parent_phone, sizeof(r->parent_phone), "+40722000001");
	r->role = 1;
	r->sole_authority = 2;
	r->lives_with = 1;
	r->other_parent = 1;
	snprintf(r->commune, sizeof(r->commune), "Apata");
	snprintf(r->departure, sizeof(r->departure), "%s", dep);
	snprintf(r->country, sizeof(r->country), "IT");
	r->nchildren = 1;
	snprintf(r->children[0].name, sizeof(r->children[0].name), "Ion");
	r->children[0].birth_year = 2016;
	snprintf(r->caretaker_name, sizeof(r->caretaker_name), "Maria Pop");
	snprintf(r->caretaker_phone, sizeof(r->caretaker_phone),
	    "+40722000002");
	r->caretaker_rel = 2;
	r->caretaker_adult = 1;
	r->caretaker_lives = 1;
	r->channel = "cli";
	r->by = "test";
}

static void
test_flags(void **state)
{
	struct parents_request r;
	int64_t today = parents_date_days("2027-01-10");
	int days;

	(void)state;
	fill(&r, "2027-01-30");
	assert_int_equal(parents_flags(&r, today, 40, &days),
	    PARENTS_F_LATE_NOTICE);
	assert_int_equal(days, 20);
	fill(&r, "2027-03-30");
	assert_int_equal(parents_flags(&r, today, 40, &days), 0);
	fill(&r, "2027-01-01");
	assert_int_equal(parents_flags(&r, today, 40, &days),
	    PARENTS_F_ALREADY_ABROAD);
	fill(&r, "2027-03-30");
	r.caretaker_rel = 6;
	r.caretaker_adult = 0;
	r.other_parent = 2;
	assert_int_equal(parents_flags(&r, today, 40, &days),
	    PARENTS_F_NOT_RELATIVE | PARENTS_F_NO_ADULT |
	    PARENTS_F_SOLE_OR_BOTH);
}

static int64_t
count(struct store *st, const char *sql)
{
	struct store_sql *q = store_sql_prepare(st, sql);
	int64_t n = -1;

	assert_non_null(q);
	if (store_sql_step(q, "test") == 1)
		n = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return n;
}

static const char n_out_sql[] = "SELECT count(*) FROM outbox";
static const char due_n2_sql[] =
    "SELECT due_at FROM due WHERE owner = 'parents' AND key = '1:N9'";
static const char trans_sql[] = "SELECT count(*) FROM parents_transitions";
static const char tasks_sql[] =
    "SELECT count(*) FROM tasks WHERE service = 'parents' AND"
    " kind = 'contact_at_risk'";

static int64_t
utc(const char *ymd, int hour)
{
	return parents_date_days(ymd) * PARENTS_DAY_MS + hour * HOUR;
}

static void
test_lifecycle(void **state)
{
	char path[] = "/tmp/stafeta-parents-XXXXXX", err[256], reply[400];
	struct store *st = test_db_open(path);
	struct parents_texts *tx = parents_texts_load("flows/parents/texts.csv",
	    err, sizeof(err));
	struct parents_svc *svc = parents_svc_new(tx, "");
	struct parents_registered res;
	struct parents_request r;
	int64_t now = utc("2027-01-11", 9); /* 10:00 in Bucharest */

	(void)state;
	test_db_apply(st, parents_migrations);
	fill(&r, "2027-01-31");
	r.other_parent = 2;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(parents_register(st, NULL, &r, now, &res, err,
	    sizeof(err)), 0);
	assert_int_equal(res.flags, PARENTS_F_LATE_NOTICE |
	    PARENTS_F_SOLE_OR_BOTH);
	assert_int_equal(parents_state_of(st, res.id),
	    PARENTS_CARETAKER_PENDING);
	assert_int_equal(count(st, trans_sql), 2);
	/* N4 and N2 go out now (10:00 local). */
	assert_int_equal(parents_tick(st, NULL, svc, now), 0);
	assert_int_equal(count(st, n_out_sql), 2);
	/* The caretaker declines: their data erased, the parent told. */
	assert_int_equal(parents_reply(st, NULL, svc, "+40722000002", "2",
	    now + HOUR, reply, sizeof(reply)), 1);
	assert_non_null(strstr(reply, "nu sunteti de acord"));
	assert_int_equal(parents_state_of(st, res.id), PARENTS_SPAS_REVIEW);
	assert_int_equal(count(st, "SELECT count(*) FROM parents_notices "
	    "WHERE caretaker_phone IS NULL AND caretaker_status = "
	    "'declined'"), 1);
	/* Departed: N9 due in 30 days; put at 03:00 Rome on the day of the
	 * March change, it waits for 09:00 Rome = 07:00 UTC (CEST). */
	assert_int_equal(parents_enter_state(st, NULL, res.id,
	    PARENTS_DEPARTED, "test", "test", now), 0);
	assert_int_equal(parents_enter_state(st, NULL, res.id,
	    PARENTS_ABROAD, "test", "test", now), 0);
	assert_true(count(st, due_n2_sql) > now);
	assert_int_equal(parents_schedule(st, res.id, "N9", utc("2027-03-28",
	    1), now), 0);
	assert_int_equal(parents_tick(st, NULL, svc, utc("2027-03-28", 1)), 0);
	assert_int_equal(count(st, due_n2_sql), utc("2027-03-28", 7));
	/* The monthly cap: 4 system messages this month, the 5th waits. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(parents_msg_log(st, res.id, "+40722000001",
		    "N7", "out", NULL, utc("2027-03-02", 9)), 0);
	assert_int_equal(parents_tick(st, NULL, svc, utc("2027-03-28", 7)), 0);
	assert_int_equal(count(st, due_n2_sql), utc("2027-04-01", 7));
	/* N9 answered 4 twice in a row: "contact at risk". */
	assert_int_equal(parents_tick(st, NULL, svc, utc("2027-04-01", 7)), 0);
	assert_int_equal(parents_reply(st, NULL, svc, "+40722000001", "4",
	    utc("2027-04-01", 8), reply, sizeof(reply)), 1);
	assert_int_equal(count(st, tasks_sql), 0);
	assert_int_equal(parents_tick(st, NULL, svc, utc("2027-05-01", 8)), 0);
	assert_int_equal(parents_reply(st, NULL, svc, "+40722000001", "4",
	    utc("2027-05-01", 9), reply, sizeof(reply)), 1);
	assert_int_equal(count(st, tasks_sql), 1);
	assert_int_equal(store_commit(st), 0);
	parents_svc_free(svc);
	store_close(st);
	test_db_remove(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_lifecycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
