/*
 * test_cases.c - the case workflow's rules (flows/cases/): the transition
 * table of spas-followup.md 5.2, the D7 cadence with exactly 5 risks
 * annual (Q2), calendar months, plan codes; and the state machine on a
 * real database: a sheet becomes a case once, the RIS, the plan, the
 * order, monitoring, a referral, with every transition recorded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cases.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"
#include "table.h"
#include "util.h"
#include "test_db.h"

#define DAY (24 * 3600 * 1000LL)
#define T0  1798761600000LL /* 2027-01-01 00:00 UTC */

static void
test_transitions(void **state)
{
	(void)state;
	assert_true(cases_transition_allowed(CASES_RECEIVED,
	    CASES_IN_OBSERVATORY));
	assert_true(cases_transition_allowed(CASES_IN_OBSERVATORY,
	    CASES_VISIT_PENDING));
	assert_true(cases_transition_allowed(CASES_VISIT_PENDING,
	    CASES_RIS_ANALYSIS));
	assert_true(cases_transition_allowed(CASES_RIS_ANALYSIS,
	    CASES_CONFIRMED));
	assert_true(cases_transition_allowed(CASES_PLAN_DRAFTED,
	    CASES_PLAN_APPROVED));
	assert_true(cases_transition_allowed(CASES_MONITORING,
	    CASES_PLAN_REVISION));
	assert_true(cases_transition_allowed(CASES_PLAN_REVISION,
	    CASES_PLAN_DRAFTED));
	/* An event keeps the state; any open state may close. */
	assert_true(cases_transition_allowed(CASES_MONITORING,
	    CASES_MONITORING));
	assert_true(cases_transition_allowed(CASES_VISIT_PENDING,
	    CASES_CLOSED));
	/* Skipping steps is refused: no plan without a RIS, no approval
	 * without a draft, nothing after closing, no Registry for a
	 * suspicion not confirmed (DP11). */
	assert_false(cases_transition_allowed(CASES_VISIT_PENDING,
	    CASES_PLAN_DUE));
	assert_false(cases_transition_allowed(CASES_PLAN_DUE,
	    CASES_PLAN_APPROVED));
	assert_false(cases_transition_allowed(CASES_NOT_CONFIRMED,
	    CASES_CONFIRMED));
	assert_false(cases_transition_allowed(CASES_CLOSED,
	    CASES_MONITORING));
	assert_false(cases_transition_allowed(CASES_CLOSED, CASES_CLOSED));
	assert_false(cases_transition_allowed(-1, CASES_RECEIVED));
	for (int s = 0; s < CASES_STATE_N; s++)
		assert_int_equal(cases_state_parse(cases_strstate(s)), s);
	assert_int_equal(cases_state_parse("nope"), -1);
}

static void
test_cadence(void **state)
{
	(void)state;
	assert_int_equal(cases_cadence_months(0), 0);
	assert_int_equal(cases_cadence_months(1), 12);
	assert_int_equal(cases_cadence_months(4), 12);
	assert_int_equal(cases_cadence_months(5), 12); /* Q2: annual */
	assert_int_equal(cases_cadence_months(6), 6);
	assert_int_equal(cases_cadence_months(7), 6);
	assert_int_equal(cases_cadence_months(10), 6);
	assert_int_equal(cases_cadence_months(11), 3);
	assert_int_equal(cases_cadence_months(47), 3);
	assert_false(cases_high_risk(10));
	assert_true(cases_high_risk(11));
}

static void
test_months(void **state)
{
	int64_t ms;
	char day[16];

	(void)state;
	assert_int_equal(cases_parse_day("2027-01-31", &ms), 0);
	cases_format_day(cases_add_months(ms, 1), day, sizeof(day));
	assert_string_equal(day, "2027-02-28");
	cases_format_day(cases_add_months(ms, 13), day, sizeof(day));
	assert_string_equal(day, "2028-02-29");
	cases_format_day(cases_add_months(ms, -2), day, sizeof(day));
	assert_string_equal(day, "2026-11-30");
	cases_format_day(cases_add_months(ms + 5000, 12), day, sizeof(day));
	assert_string_equal(day, "2028-01-31");
	assert_int_equal(cases_add_months(ms + 5000, 12) % DAY, 5000);
	assert_int_equal(cases_parse_day("2027-02-29", &ms), -1);
	assert_int_equal(cases_parse_day("2027-2-01", &ms), -1);
	assert_int_equal(cases_parse_day("1999-01-01", &ms), -1);
	assert_int_equal(cases_parse_day("2027-01-01", &ms), 0);
	assert_int_equal(ms, T0);
}

static void
test_codes(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(cases_benefits_norm("7, 1", out, sizeof(out)), 0);
	assert_string_equal(out, "1,7");
	assert_int_equal(cases_benefits_norm("9", out, sizeof(out)), -1);
	assert_int_equal(cases_benefits_norm("1,1", out, sizeof(out)), -1);
	assert_int_equal(cases_services_norm("health,3", out, sizeof(out)), 0);
	assert_string_equal(out, "3,health");
	assert_int_equal(cases_services_norm("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_string_equal(cases_benefit_label("7"), "Venit minim garantat");
}

/* --- on a database --- */

struct fixture {
	char path[64];
	struct store *st;
	struct gw_config conf;
	struct sheet_conf sc;
	struct cases_conf cc;
	char *spas[1];
	char *head[1];
	struct sheet_table *t;
	int64_t teacher;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sheet_reporter r;
	char err[256];

	setenv("TZ", "UTC", 1);
	tzset();
	log_init(LOG_LEVEL_ERROR, "test");
	assert_non_null(f);
	strlcpy_s(f->path, "/tmp/test_cases.XXXXXX", sizeof(f->path));
	f->st = test_db_open(f->path);
	test_db_apply(f->st, sheet_migrations);
	test_db_apply(f->st, cases_migrations);
	f->t = sheet_table_load("flows/sheet/indicators.csv", err, sizeof(err));
	if (f->t == NULL)
		fail_msg("%s", err);
	f->spas[0] = (char *)(uintptr_t)"+40700000001";
	f->head[0] = (char *)(uintptr_t)"+40700000009";
	f->conf.sections[0] = &sheet_config_section;
	f->conf.section_data[0] = &f->sc;
	f->conf.sections[1] = &cases_config_section;
	f->conf.section_data[1] = &f->cc;
	f->conf.n_sections = 2;
	f->sc.county_code = 8;
	f->sc.spas_numbers = f->spas;
	f->sc.n_spas_numbers = 1;
	f->sc.digest_time = (char *)(uintptr_t)"18:00";
	f->cc.head_numbers = f->head;
	f->cc.n_head_numbers = 1;
	f->cc.callback_hours = 24;
	f->conf.default_country = (char *)(uintptr_t)"40";
	memset(&r, 0, sizeof(r));
	r.phone = (char *)(uintptr_t)"+40722000001";
	r.name = (char *)(uintptr_t)"Ana Pop";
	r.profession = (char *)(uintptr_t)"teacher";
	r.commune = (char *)(uintptr_t)"Tinca";
	r.language = (char *)(uintptr_t)"ro";
	assert_int_equal(sheet_store_reporter_add(f->st, &r, T0), 1);
	f->teacher = r.id;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	sheet_table_free(f->t);
	store_close(f->st);
	test_db_remove(f->path);
	free(f);
	return 0;
}

static void
submit(struct fixture *f, const char *msg, int64_t now)
{
	struct sheet_report r;
	struct sheet_perror e;
	struct sheet_submit_result res;

	if (sheet_grammar_parse(f->t, msg, strlen(msg), &r, &e) != 0)
		fail_msg("parse \"%s\": %d", msg, e.code);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(sheet_submit(f->st, &f->conf, f->t, f->teacher, "sms",
	    &r, NULL, now, &res), 0);
	assert_int_equal(store_commit(f->st), 0);
}

static void
tick(struct fixture *f, int64_t now)
{
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(cases_tick(f->st, &f->conf, now), 0);
	assert_int_equal(store_commit(f->st), 0);
}

static int64_t
count(struct fixture *f, const char *sql)
{
	struct store_sql *q = store_sql_prepare(f->st, sql);
	int64_t n;

	assert_non_null(q);
	assert_int_equal(store_sql_step(q, "test"), 1);
	n = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return n;
}

static int
state_of(struct fixture *f, int64_t id)
{
	struct cases_row c;
	int s;

	assert_int_equal(cases_store_get(f->st, id, &c), 1);
	s = c.state;
	cases_row_clear(&c);
	return s;
}

static const char due_sql[] =
    "SELECT count(*) FROM due WHERE owner = 'cases'";
static const char trans_sql[] =
    "SELECT count(*) FROM case_transitions WHERE case_id = 1";

static void
test_workflow(void **state)
{
	struct fixture *f = *state;
	struct cases_ris ris = { "Maria", "asistent social", NULL,
		"1a1,1a2,1b,2b,2c,2d,3a,4c2,4d,5a,5c,6a", CASES_CONCL_PLAN, NULL };
	struct cases_plan plan = { "1,7", "3", "Sprijin", NULL, 12 };
	struct cases_row c;
	int64_t now = T0 + 10 * 3600 * 1000LL, n;

	clock_test_set(now);
	submit(f, "FO 48219303 1a1 2b 4c2d", now);
	tick(f, now);
	assert_int_equal(count(f, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(state_of(f, 1), CASES_VISIT_PENDING);
	n = count(f, trans_sql);
	assert_int_equal(n, 3); /* received, in_observatory, visit_pending */
	tick(f, now + 1000); /* idempotent */
	assert_int_equal(count(f, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(count(f, trans_sql), n);
	/* Another sheet of the household within 24 h joins the case. */
	submit(f, "FO 48219303 1a1 2b 4c2d 3a", now + 60000);
	tick(f, now + 61000);
	assert_int_equal(count(f, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM case_sheets"), 2);
	/* Plan before RIS: refused, and nothing written. */
	assert_int_equal(cases_draft_plan(f->st, 1, &plan, "maria", now),
	    CASES_ERR_STATE);
	/* 11 lettered risks (1a1 and 1a2 count once, as 1a): HIGH_RISK,
	 * quarterly monitoring. */
	assert_int_equal(cases_record_ris(f->st, &f->conf, f->t, 1, &ris,
	    "maria", now + DAY, &c), CASES_OK);
	assert_int_equal(c.confirmed, 11);
	assert_int_equal(c.high_risk, 1);
	assert_int_equal(c.cadence_months, 3);
	assert_int_equal(c.state, CASES_PLAN_DUE);
	assert_true(c.registry_at > 0);
	cases_row_clear(&c);
	/* The visit went through the sheet service. */
	assert_int_equal(count(f, "SELECT count(*) FROM sheets WHERE state = "
	    "'visited'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM due WHERE owner = "
	    "'cases' AND key = 'd5:1'"), 1);
	assert_int_equal(cases_draft_plan(f->st, 1, &plan, "maria",
	    now + 2 * DAY), CASES_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM due WHERE owner = "
	    "'cases' AND key = 'd5:1'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM due WHERE owner = "
	    "'cases' AND key = 'd6:1'"), 1);
	assert_int_equal(cases_approve_plan(f->st, 1, "12/2027", "2099-01-01",
	    "maria", now + 3 * DAY, NULL), CASES_ERR_DATE);
	assert_int_equal(cases_approve_plan(f->st, 1, "12/2027", "2027-01-04",
	    "maria", now + 3 * DAY, &c), CASES_OK);
	assert_int_equal(c.state, CASES_MONITORING);
	assert_int_equal(c.next_monitoring_at,
	    cases_add_months(now + 3 * DAY, 3));
	cases_row_clear(&c);
	assert_int_equal(count(f, "SELECT count(*) FROM due WHERE owner = "
	    "'cases' AND key = 'd6:1'"), 0);
	/* A revision goes back to the mayor. */
	assert_int_equal(cases_monitor(f->st, 1, "Maria", NULL, "ok",
	    "mama plecata", "maria", now + 90 * DAY, &c), CASES_OK);
	assert_int_equal(c.state, CASES_PLAN_REVISION);
	cases_row_clear(&c);
	assert_int_equal(cases_draft_plan(f->st, 1, &plan, "maria",
	    now + 91 * DAY), CASES_OK);
	assert_int_equal(state_of(f, 1), CASES_PLAN_DRAFTED);
	/* Every transition has who and the state before. */
	assert_int_equal(count(f, "SELECT count(*) FROM case_transitions WHERE "
	    "case_id = 1 AND (who IS NULL OR who = '')"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM case_transitions WHERE "
	    "case_id = 1 AND to_state = 'plan_drafted' AND who = 'maria'"), 2);
	assert_true(count(f, due_sql) > 0);
	clock_test_set(-1);
}

static void
test_not_confirmed(void **state)
{
	struct fixture *f = *state;
	struct cases_ris ris = { "Maria", NULL, NULL, "", CASES_CONCL_NONE,
		NULL };
	int64_t now = T0 + 10 * 3600 * 1000LL;

	clock_test_set(now);
	submit(f, "FO 48219303 2b", now);
	tick(f, now);
	assert_int_equal(cases_record_ris(f->st, &f->conf, f->t, 1, &ris,
	    "maria", now + DAY, NULL), CASES_OK);
	/* DP11: never in the Registry; refresh in 12 months. */
	assert_int_equal(state_of(f, 1), CASES_NOT_CONFIRMED);
	assert_int_equal(count(f, "SELECT count(*) FROM cases WHERE "
	    "registry_at IS NOT NULL"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM case_risks WHERE "
	    "confirmed = 0"), 1); /* 2b suspected, not confirmed */
	tick(f, cases_add_months(now, 12) + 60000);
	assert_int_equal(state_of(f, 1), CASES_REFRESH_DUE);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE text LIKE "
	    "'STAFETA D8: caz 1%'"), 1);
	/* The new sheet is the refresh: re-evaluated, the task closed. */
	submit(f, "FO 48219303 10 20 30 40 50 60", cases_add_months(now, 12) +
	    DAY);
	tick(f, cases_add_months(now, 12) + DAY + 1000);
	assert_int_equal(state_of(f, 1), CASES_NO_SUSPICION);
	assert_int_equal(count(f, "SELECT count(*) FROM tasks WHERE kind = "
	    "'refresh' AND state = 'open'"), 0);
	clock_test_set(-1);
}

/* D5 and D6: the plan late, the order late; each alert once. */
static void
test_plan_deadlines(void **state)
{
	struct fixture *f = *state;
	struct cases_ris ris = { "Maria", NULL, NULL, "2b", CASES_CONCL_PLAN,
		NULL };
	struct cases_plan plan = { NULL, "health", "Sprijin", NULL, 6 };
	int64_t now = T0 + 10 * 3600 * 1000LL, t;
	static const char mayor_sql[] = "SELECT count(*) FROM outbox WHERE "
	    "text = 'STAFETA: planul de servicii al cazului 1 asteapta "
	    "dispozitia primarului de 5 zile. Va rugam semnati dispozitia.'";

	f->cc.mayor_numbers = f->head; /* any number will do */
	f->cc.n_mayor_numbers = 1;
	clock_test_set(now);
	submit(f, "FO 48219303 2b", now);
	tick(f, now);
	assert_int_equal(cases_record_ris(f->st, &f->conf, f->t, 1, &ris,
	    "maria", now, NULL), CASES_OK);
	tick(f, now + 29 * DAY);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE text LIKE "
	    "'STAFETA D5:%'"), 0);
	tick(f, now + 30 * DAY + 1000);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE text = "
	    "'STAFETA D5: caz 1 (fisa FO 08-001): planul de servicii trebuia "
	    "intocmit in 30 de zile de la confirmarea riscului.'"), 1);
	tick(f, now + 31 * DAY);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE text LIKE "
	    "'STAFETA D5:%'"), 1);
	t = now + 32 * DAY;
	assert_int_equal(cases_draft_plan(f->st, 1, &plan, "maria", t),
	    CASES_OK);
	tick(f, t + 4 * DAY);
	assert_int_equal(count(f, mayor_sql), 0);
	tick(f, t + 5 * DAY + 1000);
	assert_int_equal(count(f, mayor_sql), 1);
	tick(f, t + 9 * DAY);
	assert_int_equal(count(f, mayor_sql), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE text LIKE "
	    "'STAFETA D6:%'"), 0);
	tick(f, t + 10 * DAY + 1000);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE recipient "
	    "= '+40700000001' AND text = 'STAFETA D6: caz 1 (fisa FO 08-001): "
	    "planul asteapta dispozitia primarului de 10 zile. Reamintiti "
	    "primarului.'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM due WHERE owner = "
	    "'cases' AND key = 'd6:1'"), 0);
	clock_test_set(-1);
}

static void
purge_report_cb(void *arg, const char *cls, int64_t rows, int64_t before)
{
	(void)arg;
	(void)before;
	assert_string_equal(cls, "cases");
	assert_int_equal(rows, 1);
}

static void
test_referral(void **state)
{
	struct fixture *f = *state;
	int64_t now = T0 + 10 * 3600 * 1000LL;

	clock_test_set(now);
	submit(f, "FO NOU 6b2", now);
	tick(f, now);
	assert_int_equal(count(f, "SELECT urgent FROM cases WHERE id = 1"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE recipient "
	    "= '+40700000001' AND text LIKE 'STAFETA D3: caz 1 %'"), 1);
	assert_int_equal(cases_suspect(f->st, &f->conf, 1, "abuse", "ana",
	    now), CASES_ERR_REFERRAL);
	assert_int_equal(cases_close(f->st, 1, "x", "ana", now),
	    CASES_ERR_REFERRAL);
	assert_int_equal(cases_dgaspc_verified(f->st, 1, "x", "ana", now),
	    CASES_ERR_REFERRAL); /* not notified yet */
	tick(f, now + 2 * 3600 * 1000LL + 1000);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE recipient "
	    "= '+40700000009' AND text LIKE 'STAFETA ESCALADARE D3: caz 1 %'"),
	    1);
	assert_int_equal(cases_dgaspc_notified(f->st, 1, "phone", "DGASPC",
	    "ana", now + 3 * 3600 * 1000LL), CASES_OK);
	tick(f, now + 49 * 3600 * 1000LL);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE text LIKE "
	    "'STAFETA D4:%'"), 0);
	tick(f, now + 52 * 3600 * 1000LL);
	assert_int_equal(count(f, "SELECT count(*) FROM outbox WHERE text LIKE "
	    "'STAFETA D4: caz 1 %'"), 1);
	assert_int_equal(cases_dgaspc_verified(f->st, 1, "verificat", "ana",
	    now + 53 * 3600 * 1000LL), CASES_OK);
	assert_int_equal(count(f, "SELECT urgent FROM cases WHERE id = 1"), 0);
	assert_int_equal(cases_close(f->st, 1, "mutat", "ana", now + 54 * 3600 *
	    1000LL), CASES_OK);
	assert_int_equal(state_of(f, 1), CASES_CLOSED);
	assert_int_equal(cases_close(f->st, 1, "again", "ana", now + 53 * 3600 *
	    1000LL), CASES_ERR_STATE);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE object = "
	    "'case:1' AND action = 'close'"), 1);
	/* Retention (DP8): the closed case goes with all its rows after
	 * keep_years; an open one stays. */
	submit(f, "FO 48219303 2b", now + 60 * 3600 * 1000LL);
	tick(f, now + 61 * 3600 * 1000LL);
	f->sc.keep_years = 1;
	assert_int_equal(cases_purge(NULL, f->st, &f->conf, now + 800 * DAY,
	    10, 0, purge_report_cb, NULL), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM case_transitions WHERE "
	    "case_id = 1"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM case_referrals"), 0);
	clock_test_set(-1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_cadence),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_codes),
		cmocka_unit_test_setup_teardown(test_workflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_confirmed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_plan_deadlines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_referral, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
