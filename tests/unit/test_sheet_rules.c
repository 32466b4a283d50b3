/*
 * test_sheet_rules.c - the Observation Sheet rules the CLI and the web
 * pages call (flows/sheet/sheet_reporters.c, sheet_visits.c), and the
 * service's migrations through store_migrate_apply().
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
#include "config.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "util.h"
#include "test_db.h"

#define T0 1760000000000LL /* ms, a fixed "now" */
#define HOUR_MS (3600 * 1000LL)

struct fixture {
	char path[64];
	struct store *st;
	struct gw_config conf;
	struct sheet_conf sc;	/* its [sheets] section */
	struct sheet_table *t;
};

static int setup(void **);
static int teardown(void **);
static int64_t enrol(struct fixture *, const char *);
static struct sheet_submit_result submit(struct fixture *, int64_t,
    const char *, int64_t);

static int
setup(void **state)
{
	struct fixture *f;
	char err[256];

	log_init(LOG_LEVEL_ERROR, "test");
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strlcpy_s(f->path, "/tmp/test_sheet_rules.XXXXXX", sizeof(f->path));
	f->st = test_db_open(f->path);
	test_db_apply(f->st, sheet_migrations);
	f->t = sheet_table_load("flows/sheet/indicators.csv", err, sizeof(err));
	if (f->t == NULL)
		fail_msg("%s", err);
	f->conf.sections[0] = &sheet_config_section;
	f->conf.section_data[0] = &f->sc;
	f->conf.n_sections = 1;
	f->sc.county_code = 22;
	f->conf.default_country = (char *)(uintptr_t)"40";
	f->sc.commune = (char *)(uintptr_t)"Tinca";
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

static int64_t
enrol(struct fixture *f, const char *phone)
{
	struct sheet_enrol req = { .phone = phone, .name = "Ana Pop",
		.profession = "teacher" };
	struct sheet_enrolled out;

	assert_int_equal(sheet_reporter_enrol(f->st, &f->conf, &req, T0,
	    &out), SHEET_REP_OK);
	return out.id;
}

static struct sheet_submit_result
submit(struct fixture *f, int64_t reporter, const char *msg, int64_t now)
{
	struct sheet_submit_result res;
	struct sheet_report rep;
	struct sheet_perror e;

	assert_int_equal(sheet_grammar_parse(f->t, msg, strlen(msg), &rep, &e),
	    0);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(sheet_submit(f->st, &f->conf, f->t, reporter, "sms",
	    &rep, NULL, now, &res), 0);
	assert_int_equal(store_commit(f->st), 0);
	return res;
}

/* Applying the list again, or on a database that has it, is a no-op. */
static void
test_migrations(void **state)
{
	struct fixture *f = *state;
	char err[256];

	assert_int_equal(store_migrate_apply(f->st, sheet_migrations, err,
	    sizeof(err)), 0);
	assert_int_equal(store_migrate_apply(f->st, NULL, err, sizeof(err)),
	    0);
	store_close(f->st);
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
	assert_int_equal(store_migrate_apply(f->st, sheet_migrations, err,
	    sizeof(err)), 0);
	assert_string_equal(sheet_migrations[0].name, "0004_reporters");
	assert_string_equal(sheet_migrations[1].name, "0005_sheets");
	assert_string_equal(sheet_migrations[2].name, "sheet_0006_numbers");
	assert_string_equal(sheet_migrations[3].name,
	    "sheet_0007_households");
	assert_null(sheet_migrations[4].name);
}

static void
test_professions(void **state)
{
	size_t i, n = sheet_profession_count();

	(void)state;
	assert_int_equal(n, 10);
	for (i = 0; i < n; i++)
		assert_string_equal(sheet_profession_code(
		    sheet_profession_at(i)), sheet_profession_at(i));
	assert_null(sheet_profession_at(n));
	assert_string_equal(sheet_profession_code("police_officer"), "police");
	assert_string_equal(sheet_profession_code("spas_worker"), "spas");
	assert_string_equal(sheet_profession_code("ngo_specialist"), "ngo");
	assert_null(sheet_profession_code("astronaut"));
	assert_null(sheet_profession_code(NULL));
	assert_true(sheet_language_valid("hu"));
	assert_false(sheet_language_valid("de"));
	assert_false(sheet_language_valid(NULL));
}

static void
test_enrol(void **state)
{
	struct fixture *f = *state;
	struct sheet_enrol req;
	struct sheet_enrolled out;
	struct sheet_reporter r;

	memset(&req, 0, sizeof(req));
	req.phone = "0722 000 001";
	req.name = "Ana Pop";
	req.profession = "police_officer";
	req.pin = "2468";
	assert_int_equal(sheet_reporter_enrol(f->st, &f->conf, &req, T0,
	    &out), SHEET_REP_OK);
	assert_string_equal(out.phone, "+40722000001");
	assert_string_equal(out.profession, "police");
	assert_string_equal(out.commune, "Tinca"); /* the gateway's */
	assert_true(out.with_pin);
	assert_int_equal(sheet_store_reporter_find(f->st, out.phone, &r), 1);
	assert_string_equal(r.language, "ro");
	assert_true(sheet_pin_verify("2468", r.pin_hash));
	assert_string_equal(sheet_reporter_pin_state(&r), "set");
	r.pin_failures = SHEET_PIN_MAX_TRIES;
	assert_string_equal(sheet_reporter_pin_state(&r), "locked");
	sheet_reporter_clear(&r);
	assert_int_equal(sheet_reporter_enrol(f->st, &f->conf, &req, T0,
	    &out), SHEET_REP_EXISTS);
	/* Checks, in order. */
	req.name = "";
	assert_int_equal(sheet_reporter_enrol(f->st, &f->conf, &req, T0,
	    &out), SHEET_REP_MISSING);
	req.name = "X";
	req.profession = "astronaut";
	assert_int_equal(sheet_reporter_enrol(f->st, &f->conf, &req, T0,
	    &out), SHEET_REP_PROFESSION);
	req.profession = "priest";
	req.language = "de";
	assert_int_equal(sheet_reporter_enrol(f->st, &f->conf, &req, T0,
	    &out), SHEET_REP_LANGUAGE);
	req.language = "en";
	req.pin = "12";
	assert_int_equal(sheet_reporter_enrol(f->st, &f->conf, &req, T0,
	    &out), SHEET_REP_PIN);
	req.pin = NULL;
	req.phone = "12";
	assert_int_equal(sheet_reporter_enrol(f->st, &f->conf, &req, T0,
	    &out), SHEET_REP_PHONE);
	f->sc.commune = NULL;
	req.phone = "0722000002";
	assert_int_equal(sheet_reporter_enrol(f->st, &f->conf, &req, T0,
	    &out), SHEET_REP_MISSING);
	assert_string_equal(sheet_rep_strstatus(SHEET_REP_EXISTS),
	    "already enrolled");
}

static void
test_active_and_pin(void **state)
{
	struct fixture *f = *state;
	struct sheet_reporter r;
	char phone[32];
	int fails;

	enrol(f, "0722000001");
	assert_int_equal(sheet_reporter_set_active(f->st, &f->conf,
	    "0722000001", 0, T0, phone, sizeof(phone)), SHEET_REP_OK);
	assert_string_equal(phone, "+40722000001");
	assert_int_equal(sheet_reporter_set_active(f->st, &f->conf,
	    "0722000099", 0, T0, phone, sizeof(phone)), SHEET_REP_UNKNOWN);
	assert_int_equal(sheet_reporter_set_active(f->st, &f->conf, "12", 0,
	    T0, phone, sizeof(phone)), SHEET_REP_PHONE);
	assert_int_equal(sheet_reporter_set_pin(f->st, &f->conf, "0722000001",
	    "1", T0, phone, sizeof(phone)), SHEET_REP_PIN);
	assert_int_equal(sheet_reporter_set_pin(f->st, &f->conf, "0722000099",
	    "9753", T0, phone, sizeof(phone)), SHEET_REP_UNKNOWN);
	/* A new PIN unlocks. */
	assert_int_equal(sheet_store_reporter_find(f->st, "+40722000001", &r),
	    1);
	assert_int_equal(store_begin(f->st), 0);
	for (int i = 0; i < SHEET_PIN_MAX_TRIES; i++)
		assert_int_equal(sheet_store_reporter_pin_result(f->st, r.id, 0,
		    T0, &fails), 0);
	assert_int_equal(store_commit(f->st), 0);
	sheet_reporter_clear(&r);
	assert_int_equal(sheet_reporter_set_pin(f->st, &f->conf, "0722000001",
	    "9753", T0, phone, sizeof(phone)), SHEET_REP_OK);
	assert_int_equal(sheet_store_reporter_find(f->st, "+40722000001", &r),
	    1);
	assert_false(r.active);
	assert_int_equal(r.pin_failures, 0);
	assert_true(sheet_pin_verify("9753", r.pin_hash));
	sheet_reporter_clear(&r);
}

static void
test_refs(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct sheet_row s;
	int county, seq;
	int64_t id, rep;
	char no[16];

	(void)state;
	assert_int_equal(sheet_ref_parse("22-041", &county, &seq, &id),
	    SHEET_OK);
	assert_int_equal(county, 22);
	assert_int_equal(seq, 41);
	assert_int_equal(id, 0);
	assert_int_equal(sheet_ref_parse("22041", &county, &seq, &id),
	    SHEET_OK);
	assert_int_equal(seq, 41);
	assert_int_equal(sheet_ref_parse("7", &county, &seq, &id), SHEET_OK);
	assert_int_equal(id, 7);
	assert_int_equal(sheet_ref_parse("99-001", &county, &seq, &id),
	    SHEET_ERR_BAD_NUMBER);
	assert_int_equal(sheet_ref_parse("22-000", &county, &seq, &id),
	    SHEET_ERR_BAD_NUMBER);
	assert_int_equal(sheet_ref_parse("abc", &county, &seq, &id),
	    SHEET_ERR_BAD_REF);
	assert_int_equal(sheet_ref_parse("0", &county, &seq, &id),
	    SHEET_ERR_BAD_REF);
	rep = enrol(f, "0722000001");
	res = submit(f, rep, "FO 48219303 1A1", T0);
	sheet_format_no(res.county, res.seq, no, sizeof(no));
	assert_int_equal(sheet_lookup(f->st, no, 1, &s), SHEET_OK);
	assert_int_equal(s.id, res.sheet_id);
	assert_true(s.n_values > 0);
	assert_string_equal(sheet_row_household(&s), "48219303");
	assert_true(sheet_row_visit_open(&s));
	assert_false(sheet_row_overdue(&s, T0));
	assert_true(sheet_row_overdue(&s, T0 + SHEET_VISIT_HOURS * HOUR_MS));
	sheet_row_clear(&s);
	assert_int_equal(sheet_lookup(f->st, "22-999", 0, &s),
	    SHEET_ERR_NOT_FOUND);
	assert_int_equal(sheet_lookup(f->st, "424242", 0, &s),
	    SHEET_ERR_NOT_FOUND);
	s.household = NULL;
	assert_string_equal(sheet_row_household(&s), "NOU");
}

static void
test_assessed(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct sheet_report r;
	struct sheet_row s;
	int64_t rep;

	rep = enrol(f, "0722000001");
	/* Domain 1 one item; domain 4 "nothing" (40); the rest unknown. */
	res = submit(f, rep, "FO 48219303 1A1 40", T0);
	assert_int_equal(sheet_store_get(f->st, res.sheet_id, 0, &s), 1);
	assert_int_equal(sheet_row_report(f->st, f->t, &s, &r), 0);
	sheet_row_clear(&s);
	assert_int_equal(sheet_domain_assessed(f->t, &r, 4),
	    SHEET_DOMAIN_ASSESSED);
	/* A block given answers its whole domain. */
	assert_int_equal(sheet_domain_assessed(f->t, &r, 1),
	    SHEET_DOMAIN_ASSESSED);
	assert_int_equal(sheet_domain_assessed(f->t, &r, 5),
	    SHEET_DOMAIN_NOT_ASSESSED);
	/* One item of domain 2 answered, the others unknown. */
	sheet_report_init(f->t, &r);
	r.values[sheet_table_find_code(f->t, "2b")] = SHEET_VAL_NO;
	assert_int_equal(sheet_domain_assessed(f->t, &r, 2),
	    SHEET_DOMAIN_PARTLY);
}

static void
test_visit(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result a, b;
	struct sheet_visit_result v;
	struct sheet_row s;
	int64_t rep;
	char no_a[16], no_b[16], id_a[24];

	assert_true(sheet_visit_date_valid("2025-02-28"));
	assert_true(sheet_visit_date_valid("2024-02-29"));
	assert_false(sheet_visit_date_valid("2025-02-29"));
	assert_false(sheet_visit_date_valid("2025-13-01"));
	assert_false(sheet_visit_date_valid("25-01-01"));
	assert_false(sheet_visit_date_valid(NULL));
	rep = enrol(f, "0722000001");
	a = submit(f, rep, "FO 48219303 1A1", T0);
	/* Same reporter, same family: a new row that supersedes a. */
	b = submit(f, rep, "FO 48219303 1A1 2B", T0 + HOUR_MS);
	assert_int_equal(b.supersedes, a.sheet_id);
	sheet_format_no(a.county, a.seq, no_a, sizeof(no_a));
	sheet_format_no(b.county, b.seq, no_b, sizeof(no_b));
	assert_int_equal(sheet_visit_record(f->st, no_a, "2025-13-01", T0,
	    &v), SHEET_ERR_BAD_DATE);
	assert_int_equal(sheet_visit_record(f->st, "22-999", NULL, T0, &v),
	    SHEET_ERR_NOT_FOUND);
	/* A correction keeps the number (issue 11) ... */
	assert_string_equal(no_a, no_b);
	/* ... and the older row (by its id) acts on the current row. */
	snprintf(id_a, sizeof(id_a), "%lld", (long long)a.sheet_id);
	assert_int_equal(sheet_visit_record(f->st, id_a, "2030-01-02", T0, &v),
	    SHEET_OK);
	assert_int_equal(v.sheet_id, b.sheet_id);
	assert_int_equal(v.hops, 1);
	assert_int_equal(v.state, SHEET_STATE_VISIT_SCHEDULED);
	assert_int_equal(sheet_store_get(f->st, b.sheet_id, 0, &s), 1);
	assert_int_equal(s.state, SHEET_STATE_VISIT_SCHEDULED);
	assert_string_equal(s.visit_date, "2030-01-02");
	sheet_row_clear(&s);
	assert_int_equal(sheet_visit_record(f->st, no_b, NULL, T0, &v),
	    SHEET_OK);
	assert_int_equal(v.hops, 0);
	assert_int_equal(v.state, SHEET_STATE_VISITED);
	assert_int_equal(sheet_visit_record(f->st, no_b, NULL, T0, &v),
	    SHEET_ERR_VISITED);
	assert_int_equal(v.seq, b.seq);
	assert_int_equal(sheet_store_get(f->st, b.sheet_id, 0, &s), 1);
	assert_false(sheet_row_visit_open(&s));
	assert_false(sheet_row_overdue(&s, T0 + 1000 * HOUR_MS));
	sheet_row_clear(&s);
	assert_string_equal(sheet_strstatus(SHEET_ERR_VISITED),
	    "already visited");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations, setup,
		    teardown),
		cmocka_unit_test(test_professions),
		cmocka_unit_test_setup_teardown(test_enrol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_active_and_pin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assessed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_visit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
