/*
 * test_sheet_store.c - reporters and sheets in the store, against a fresh
 * temporary database per test: reporter round trip, the sheet number
 * sequence (per county and year, unique, 999 limit), sheet round trip,
 * the replace and merge rules, list filters, the urgent alert, the 24/48 h
 * deadline alerts and the daily digest.
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

#include "clock.h"
#include "config.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "util.h"
#include "test_db.h"

#define T0   1795305600000LL /* 2026-11-22 00:00:00 UTC, in ms */
#define MIN  (60 * 1000LL)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)

struct fixture {
	char path[64];
	struct store *st;
	struct gw_config conf;
	struct sheet_conf sc;	/* its [sheets] section */
	char *spas[2];
	struct sheet_table *t;
	int64_t teacher;  /* reporter ids */
	int64_t doctor;
};

struct outbox_seen {
	int n;
	int alerts;	   /* priority ALERT */
	int deadline;	   /* deadline alerts ("Termen vizita") */
	char last_deadline[256]; /* text of the newest of those */
	char last[1024];   /* text of the newest */
	char all[16384];   /* every text, newline separated */
};

static int setup(void **);
static int teardown(void **);
static int64_t add_reporter(struct fixture *, const char *, const char *,
    const char *);
static int submit(struct fixture *, int64_t, const char *, int64_t,
    struct sheet_submit_result *);
static int8_t sval(struct fixture *, const struct sheet_row *,
    const char *, int);
static int outbox_cb(const struct store_outbound *, void *);
static void outbox(struct fixture *, struct outbox_seen *);
static int count_cb(const struct sheet_row *, void *);
static int count_sheets(struct fixture *, const struct sheet_filter *);

static int64_t
add_reporter(struct fixture *f, const char *phone, const char *name,
    const char *prof)
{
	struct sheet_reporter r;

	memset(&r, 0, sizeof(r));
	r.phone = (char *)(uintptr_t)phone;
	r.name = (char *)(uintptr_t)name;
	r.profession = (char *)(uintptr_t)prof;
	r.commune = (char *)(uintptr_t)"Tinca";
	r.language = (char *)(uintptr_t)"ro";
	assert_int_equal(sheet_store_reporter_add(f->st, &r, T0), 1);
	return r.id;
}

static int
setup(void **state)
{
	struct fixture *f;
	char err[256];

	setenv("TZ", "UTC", 1);
	tzset();
	log_init(LOG_LEVEL_ERROR, "test");
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strlcpy_s(f->path, "/tmp/test_sheet_store.XXXXXX", sizeof(f->path));
	f->st = test_db_open(f->path);
	test_db_apply(f->st, sheet_migrations);
	f->t = sheet_table_load("flows/sheet/indicators.csv", err, sizeof(err));
	if (f->t == NULL)
		fail_msg("%s", err);
	f->spas[0] = (char *)(uintptr_t)"+40700000001";
	f->spas[1] = (char *)(uintptr_t)"+40700000002";
	f->conf.sections[0] = &sheet_config_section;
	f->conf.section_data[0] = &f->sc;
	f->conf.n_sections = 1;
	f->sc.county_code = 22;
	f->sc.spas_numbers = f->spas;
	f->sc.n_spas_numbers = 2;
	f->sc.digest_time = (char *)(uintptr_t)"18:00";
	f->conf.default_country = (char *)(uintptr_t)"40";
	f->teacher = add_reporter(f, "+40722000001", "Ana Pop", "teacher");
	f->doctor = add_reporter(f, "+40722000002", "Dr Ion", "family_doctor");
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

/* Parses msg and submits it as reporter at now. */
static int
submit(struct fixture *f, int64_t reporter, const char *msg, int64_t now,
    struct sheet_submit_result *res)
{
	struct sheet_report r;
	struct sheet_perror e;

	if (sheet_grammar_parse(f->t, msg, strlen(msg), &r, &e) != 0)
		fail_msg("parse \"%s\": %d", msg, e.code);
	return sheet_submit(f->st, &f->conf, f->t, reporter, "sms", &r, NULL,
	    now, res);
}

/* Value (own = 0) or own value (own = 1) of code in a loaded sheet. */
static int8_t
sval(struct fixture *f, const struct sheet_row *s, const char *code,
    int own)
{
	struct sheet_report r;
	int i = sheet_table_find_code(f->t, code);

	assert_true(i >= 0);
	sheet_values_from_store(f->t, s, own, &r);
	return r.values[i];
}

static int
outbox_cb(const struct store_outbound *o, void *arg)
{
	struct outbox_seen *seen = arg;

	if (seen->n == 0)
		strlcpy_s(seen->last, o->text, sizeof(seen->last));
	seen->n++;
	if (o->priority == STORE_PRIO_ALERT)
		seen->alerts++;
	if (strstr(o->text, "Termen vizita") != NULL &&
	    seen->deadline++ == 0)
		strlcpy_s(seen->last_deadline, o->text,
		    sizeof(seen->last_deadline));
	strlcpy_s(seen->all + strlen(seen->all), o->text,
	    sizeof(seen->all) - strlen(seen->all));
	strlcpy_s(seen->all + strlen(seen->all), "\n",
	    sizeof(seen->all) - strlen(seen->all));
	return 0;
}

static void
outbox(struct fixture *f, struct outbox_seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	assert_int_equal(store_outbox_list(f->st, 0, outbox_cb, seen), 0);
}

static int
count_cb(const struct sheet_row *s, void *arg)
{
	(void)s;
	(*(int *)arg)++;
	return 0;
}

static int
count_sheets(struct fixture *f, const struct sheet_filter *flt)
{
	int n = 0;

	assert_int_equal(sheet_store_list(f->st, flt, count_cb, &n), 0);
	return n;
}

static void
test_reporters(void **state)
{
	struct fixture *f = *state;
	struct sheet_reporter r, dup;
	char hash[160];
	int failures = -1;

	assert_int_equal(sheet_store_reporter_find(f->st, "+40722000001", &r),
	    1);
	assert_string_equal(r.name, "Ana Pop");
	assert_string_equal(r.profession, "teacher");
	assert_string_equal(r.commune, "Tinca");
	assert_true(r.active);
	assert_null(r.pin_hash);
	assert_null(r.institution);
	assert_int_equal(r.enrolled_at, T0);
	sheet_reporter_clear(&r);
	assert_int_equal(sheet_store_reporter_find(f->st, "+40799999999", &r),
	    0);
	/* The phone is unique. */
	memset(&dup, 0, sizeof(dup));
	dup.phone = (char *)(uintptr_t)"+40722000001";
	dup.name = (char *)(uintptr_t)"X";
	dup.profession = (char *)(uintptr_t)"priest";
	dup.commune = (char *)(uintptr_t)"Y";
	assert_int_equal(sheet_store_reporter_add(f->st, &dup, T0), 0);
	/* PIN: stored hashed, failures counted and reset. */
	assert_int_equal(sheet_pin_hash("1234", hash, sizeof(hash)), 0);
	assert_int_equal(sheet_store_reporter_set_pin(f->st, "+40722000001",
	    hash, T0), 1);
	assert_int_equal(sheet_store_reporter_pin_result(f->st, f->teacher, 0,
	    T0, &failures), 0);
	assert_int_equal(failures, 1);
	assert_int_equal(sheet_store_reporter_pin_result(f->st, f->teacher, 0,
	    T0, &failures), 0);
	assert_int_equal(failures, 2);
	assert_int_equal(sheet_store_reporter_pin_result(f->st, f->teacher, 1,
	    T0, &failures), 0);
	assert_int_equal(failures, 0);
	assert_int_equal(sheet_store_reporter_get(f->st, f->teacher, &r), 1);
	assert_true(sheet_pin_verify("1234", r.pin_hash));
	assert_null(strstr(r.pin_hash, "1234$"));
	sheet_reporter_clear(&r);
	assert_int_equal(sheet_store_reporter_set_active(f->st, "+40722000001",
	    0, T0), 1);
	assert_int_equal(sheet_store_reporter_set_active(f->st, "+40799999999",
	    0, T0), 0);
	assert_int_equal(sheet_store_reporter_find(f->st, "+40722000001", &r),
	    1);
	assert_false(r.active);
	sheet_reporter_clear(&r);
}

static void
test_sequence(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct outbox_seen seen;
	struct sheet_row s;
	int64_t jan = T0 + 40 * DAY; /* 2027-01-01 */

	assert_int_equal(submit(f, f->teacher, "FO 48219303 40", T0, &res), 0);
	assert_int_equal(res.county, 22);
	assert_int_equal(res.seq, 1);
	assert_int_equal(submit(f, f->teacher, "FO 73051267 40", T0 + MIN,
	    &res), 0);
	assert_int_equal(res.seq, 2);
	/* NOU sheets are numbered too. */
	assert_int_equal(submit(f, f->teacher, "FO NOU 40", T0 + 2 * MIN,
	    &res), 0);
	assert_int_equal(res.seq, 3);
	/* Another county has its own sequence. */
	f->sc.county_code = 8;
	assert_int_equal(submit(f, f->teacher, "FO NOU 40", T0 + 3 * MIN,
	    &res), 0);
	assert_int_equal(res.county, 8);
	assert_int_equal(res.seq, 1);
	f->sc.county_code = 22;
	/* A new calendar year starts again at 001. */
	assert_int_equal(submit(f, f->teacher, "FO NOU 40", jan, &res), 0);
	assert_int_equal(res.seq, 1);
	assert_int_equal(sheet_store_get(f->st, res.sheet_id, 0, &s), 1);
	assert_int_equal(s.year, 2027);
	/* A number is never given twice. */
	s.id = 0;
	s.n_values = 0;
	assert_int_equal(sheet_store_insert(f->st, &s, jan), -1);
	/* At 90 % the admin numbers are told, once. */
	f->conf.admin_numbers = f->spas;
	f->conf.n_admin_numbers = 1;
	s.seq = 898;
	assert_int_equal(sheet_store_insert(f->st, &s, jan), 0);
	assert_int_equal(submit(f, f->teacher, "FO NOU 40", jan + MIN, &res),
	    0);
	assert_int_equal(res.seq, 899);
	outbox(f, &seen);
	assert_int_equal(seen.n, 0);
	assert_int_equal(submit(f, f->teacher, "FO NOU 40", jan + MIN, &res),
	    0);
	assert_int_equal(res.seq, 900);
	outbox(f, &seen);
	assert_int_equal(seen.n, 1);
	assert_non_null(strstr(seen.last, "90% din numerele de fisa 001-999"));
	assert_int_equal(submit(f, f->teacher, "FO NOU 40", jan + MIN, &res),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 1);
	/* 999 per county and year, then refused. */
	s.seq = 998;
	assert_int_equal(sheet_store_insert(f->st, &s, jan), 0);
	assert_int_equal(submit(f, f->teacher, "FO NOU 40", jan + MIN, &res),
	    0);
	assert_int_equal(res.seq, 999);
	assert_int_equal(submit(f, f->teacher, "FO NOU 40", jan + 2 * MIN,
	    &res), SHEET_SUBMIT_EXHAUSTED);
	sheet_row_clear(&s);
	/* Not configured: refused. */
	f->sc.county_code = 0;
	assert_int_equal(submit(f, f->teacher, "FO NOU 40", T0, &res),
	    SHEET_SUBMIT_NOCOUNTY);
}

static void
test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct sheet_report r, back;
	struct sheet_perror e;
	struct sheet_row s;
	const char *msg = "FO 48219303 1a1 2b 4c2d T1015-1030";
	uint8_t hash[SHEET_SHA256_LEN];

	assert_int_equal(sheet_grammar_parse(f->t, msg, strlen(msg), &r, &e),
	    0);
	sheet_sha256(msg, strlen(msg), hash);
	assert_int_equal(sheet_submit(f->st, &f->conf, f->t, f->teacher, "sms",
	    &r, hash, T0 + 10 * HOUR, &res), 0);
	assert_int_equal(res.kind, SHEET_MERGE_NEW);
	assert_int_equal(res.flagged, 4);
	assert_false(res.urgent);
	assert_int_equal(sheet_store_get_by_no(f->st, 22, res.seq, 1, &s), 1);
	assert_int_equal(s.id, res.sheet_id);
	assert_string_equal(s.household, "48219303");
	assert_string_equal(s.reporter_phone, "+40722000001");
	assert_string_equal(s.commune, "Tinca");
	assert_string_equal(s.channel, "sms");
	assert_int_equal(s.received_at, T0 + 10 * HOUR);
	assert_int_equal(s.time_start, 615);
	assert_int_equal(s.time_end, 630);
	assert_int_equal(s.any_risk, 1);
	assert_int_equal(s.risk_count, 4);
	assert_int_equal(s.state, SHEET_STATE_NEW);
	assert_int_equal(s.visit_deadline, T0 + 82 * HOUR);
	assert_int_equal(s.unknown, 32); /* domains 3, 5, 6: 16 + 7 + 9 */
	assert_string_equal(s.indicator_version, sheet_table_version(f->t));
	assert_int_equal(strlen(s.raw_hash), 64);
	assert_int_equal(s.n_values, sheet_table_count(f->t));
	sheet_values_from_store(f->t, &s, 0, &back);
	assert_memory_equal(back.values, r.values, sheet_table_count(f->t));
	assert_int_equal(back.risk_count, 4);
	sheet_row_clear(&s);
	/* The NOU household is stored as NULL, not "". */
	assert_int_equal(submit(f, f->teacher, "FO NOU 6b2", T0, &res), 0);
	assert_true(res.urgent);
	assert_int_equal(sheet_store_get(f->st, res.sheet_id, 0, &s), 1);
	assert_null(s.household);
	assert_true(s.urgent);
	sheet_row_clear(&s);
	assert_int_equal(sheet_store_get(f->st, 9999, 0, &s), 0);
	assert_int_equal(sheet_store_get_by_no(f->st, 22, 999, 0, &s), 0);
}

/* Same reporter, same household, within 24 h: the new report replaces. */
static void
test_replace(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result r1, r2;
	struct sheet_row s1, s2;

	assert_int_equal(submit(f, f->teacher, "FO 48219303 2b 40", T0, &r1),
	    0);
	assert_int_equal(submit(f, f->teacher, "FO 48219303 4c2", T0 + HOUR,
	    &r2), 0);
	assert_int_equal(r2.kind, SHEET_MERGE_REPLACED);
	assert_int_equal(r2.supersedes, r1.sheet_id);
	/* A correction keeps the number (issue 11). */
	assert_int_equal(r2.seq, r1.seq);
	assert_int_equal(sheet_store_get(f->st, r1.sheet_id, 1, &s1), 1);
	assert_int_equal(sheet_store_get(f->st, r2.sheet_id, 1, &s2), 1);
	assert_int_equal(s1.superseded_by, s2.id);
	assert_int_equal(s2.superseded_by, 0);
	assert_string_equal(s2.merge_kind, "replaced");
	/* Only the second report's values: 2b is unknown again. */
	assert_int_equal(sval(f, &s2, "2b", 0), 9);
	assert_int_equal(sval(f, &s2, "4c2", 0), 1);
	assert_int_equal(sval(f, &s2, "4a", 0), 0);
	/* The row that was replaced is kept as it was. */
	assert_int_equal(sval(f, &s1, "2b", 0), 1);
	/* A suspicion's 72 h clock is not restarted by the correction. */
	assert_int_equal(s2.visit_deadline, s1.visit_deadline);
	sheet_row_clear(&s1);
	sheet_row_clear(&s2);
}

/* Different reporters: merged into the current cycle, 1 > 0 > 9. */
static void
test_merge(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result r1, r2, r3, r4, r5;
	struct sheet_row s;
	struct sheet_filter flt;

	assert_int_equal(submit(f, f->teacher, "FO 48219303 2b 40", T0, &r1),
	    0);
	assert_int_equal(submit(f, f->doctor, "FO 48219303 20 3a 4c2",
	    T0 + 2 * HOUR, &r2), 0);
	assert_int_equal(r2.kind, SHEET_MERGE_MERGED);
	assert_int_equal(r2.flagged, 2); /* this report's own: 3a, 4c2 */
	assert_int_equal(sheet_store_get(f->st, r2.sheet_id, 1, &s), 1);
	assert_int_equal(sval(f, &s, "2b", 0), 1);  /* 1 wins over 0 */
	assert_int_equal(sval(f, &s, "2a", 0), 0);
	assert_int_equal(sval(f, &s, "3a", 0), 1);  /* only the doctor */
	assert_int_equal(sval(f, &s, "3b", 0), 0);
	assert_int_equal(sval(f, &s, "4c2", 0), 1); /* 1 wins over 0 */
	assert_int_equal(sval(f, &s, "4a", 0), 0);
	assert_int_equal(sval(f, &s, "5a", 0), 9);  /* nobody knows */
	assert_int_equal(sval(f, &s, "2b", 1), 0);  /* the doctor's own */
	assert_int_equal(s.risk_count, 3);
	assert_string_equal(s.reporter_phone, "+40722000002");
	sheet_row_clear(&s);
	/* The teacher corrects within 24 h: her part is replaced, the
	 * doctor's stays. */
	assert_int_equal(submit(f, f->teacher, "FO 48219303 20 40",
	    T0 + 3 * HOUR, &r3), 0);
	assert_int_equal(r3.kind, SHEET_MERGE_MERGED);
	assert_int_equal(sheet_store_get(f->st, r3.sheet_id, 1, &s), 1);
	assert_int_equal(sval(f, &s, "2b", 0), 0);
	assert_int_equal(sval(f, &s, "3a", 0), 1);
	assert_int_equal(sval(f, &s, "4c2", 0), 1); /* the doctor's 1 */
	assert_int_equal(s.risk_count, 2);
	sheet_row_clear(&s);
	/* Only one live sheet for the family. */
	memset(&flt, 0, sizeof(flt));
	assert_int_equal(count_sheets(f, &flt), 1);
	flt.all = 1;
	assert_int_equal(count_sheets(f, &flt), 3);
	/* After the visit a new report starts a new cycle. */
	assert_int_equal(sheet_store_get(f->st, r3.sheet_id, 0, &s), 1);
	assert_int_equal(sheet_enter_state(f->st, &s, SHEET_STATE_VISITED,
	    NULL, T0 + DAY), 0);
	sheet_row_clear(&s);
	assert_int_equal(submit(f, f->doctor, "FO 48219303 50", T0 + 2 * DAY,
	    &r4), 0);
	assert_int_equal(r4.kind, SHEET_MERGE_NEW);
	assert_int_equal(r4.supersedes, 0);
	/* More than 12 months later: a new cycle too. */
	assert_int_equal(submit(f, f->teacher, "FO 48219303 40",
	    T0 + 400 * DAY, &r5), 0);
	assert_int_equal(r5.kind, SHEET_MERGE_NEW);
	/* NOU reports are never merged. */
	assert_int_equal(submit(f, f->teacher, "FO NOU 2b", T0, &r1), 0);
	assert_int_equal(submit(f, f->teacher, "FO NOU 2c", T0 + MIN, &r2), 0);
	assert_int_equal(r2.kind, SHEET_MERGE_NEW);
}

/*
 * Issue 11: a report merged into an urgent cycle that waits for its
 * visit keeps the state, the urgency and the number, and SPAS is told at
 * once what it added (a count, no indicator, no household code).
 */
static void
test_merge_never_lowers(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result r1, r2;
	struct outbox_seen seen;
	struct sheet_row s;

	assert_int_equal(submit(f, f->teacher, "FO 48219303 6b2 U", T0, &r1),
	    0);
	assert_int_equal(sheet_alert_urgent(f->st, &f->conf, r1.sheet_id, T0),
	    0);
	assert_int_equal(sheet_store_get(f->st, r1.sheet_id, 0, &s), 1);
	assert_int_equal(s.state, SHEET_STATE_VISIT_PENDING);
	sheet_row_clear(&s);
	assert_int_equal(submit(f, f->doctor, "FO 48219303 3a 4c2",
	    T0 + HOUR, &r2), 0);
	assert_int_equal(r2.kind, SHEET_MERGE_MERGED);
	assert_int_equal(r2.seq, r1.seq);
	assert_int_equal(r2.added, 2);
	assert_int_equal(sheet_store_get(f->st, r2.sheet_id, 0, &s), 1);
	assert_int_equal(s.state, SHEET_STATE_VISIT_PENDING);
	assert_true(s.urgent);
	assert_int_equal(s.keeps_number, 1);
	assert_int_equal(s.visit_deadline, T0 + 72 * HOUR);
	sheet_row_clear(&s);
	outbox(f, &seen);
	assert_non_null(strstr(seen.last, "completata de alt raportor: +2 "
	    "semnalari noi"));
	assert_null(strstr(seen.last, "48219303"));
	assert_null(strstr(seen.last, "3a"));
}

/* Merging keeps a scheduled visit and the original deadline. */
static void
test_merge_keeps_visit(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result r1, r2;
	struct sheet_row s;

	assert_int_equal(submit(f, f->teacher, "FO 48219303 2b", T0, &r1), 0);
	assert_int_equal(sheet_store_get(f->st, r1.sheet_id, 0, &s), 1);
	assert_int_equal(sheet_enter_state(f->st, &s,
	    SHEET_STATE_VISIT_SCHEDULED, "2026-11-23", T0 + HOUR), 0);
	sheet_row_clear(&s);
	assert_int_equal(submit(f, f->doctor, "FO 48219303 3a", T0 + 5 * HOUR,
	    &r2), 0);
	assert_int_equal(sheet_store_get(f->st, r2.sheet_id, 0, &s), 1);
	assert_int_equal(s.state, SHEET_STATE_VISIT_SCHEDULED);
	assert_string_equal(s.visit_date, "2026-11-23");
	assert_int_equal(s.visit_deadline, T0 + 72 * HOUR);
	sheet_row_clear(&s);
}

static void
test_list_filters(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct sheet_filter flt;

	assert_int_equal(submit(f, f->teacher, "FO 48219303 2b", T0, &res), 0);
	assert_int_equal(submit(f, f->doctor, "FO 73051267 10 20", T0, &res),
	    0);
	assert_int_equal(submit(f, f->doctor, "FO NOU 3a", T0 + DAY, &res), 0);
	memset(&flt, 0, sizeof(flt));
	flt.needs_visit = 1;
	assert_int_equal(count_sheets(f, &flt), 2);
	flt.overdue_at = T0 + 73 * HOUR;
	assert_int_equal(count_sheets(f, &flt), 1);
	memset(&flt, 0, sizeof(flt));
	flt.reporter_phone = "+40722000002";
	assert_int_equal(count_sheets(f, &flt), 2);
	flt.reporter_phone = NULL;
	flt.commune = "tinca";
	assert_int_equal(count_sheets(f, &flt), 3);
	flt.commune = "Apata";
	assert_int_equal(count_sheets(f, &flt), 0);
	memset(&flt, 0, sizeof(flt));
	flt.state_plus1 = SHEET_STATE_NEW + 1;
	assert_int_equal(count_sheets(f, &flt), 3);
	flt.state_plus1 = SHEET_STATE_VISITED + 1;
	assert_int_equal(count_sheets(f, &flt), 0);
}

static void
test_urgent_alert(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct outbox_seen seen;
	struct sheet_row s;

	assert_int_equal(submit(f, f->teacher, "FO 48219303 6b2", T0, &res),
	    0);
	assert_true(res.urgent);
	assert_int_equal(sheet_alert_urgent(f->st, &f->conf, res.sheet_id,
	    T0), 0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.alerts, 2);
	assert_non_null(strstr(seen.last, "URGENT"));
	assert_non_null(strstr(seen.last, "22-001"));
	assert_non_null(strstr(seen.last, "+40722000001"));
	assert_null(strstr(seen.all, "48219303"));
	assert_true(strlen(seen.last) <= 160);
	assert_int_equal(sheet_store_get(f->st, res.sheet_id, 0, &s), 1);
	assert_int_equal(s.state, SHEET_STATE_VISIT_PENDING);
	assert_int_equal(s.notified_at, T0);
	sheet_row_clear(&s);
	/* An urgent sheet is not repeated in the digest. */
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 18 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 2);
}

static void
test_deadline_alerts(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result r1, r2, r3;
	struct outbox_seen seen;
	struct sheet_row s;

	/* Digest at 23:59: it fires (late, once) at the midnight ticks,
	 * so only deadline alerts are counted. */
	f->sc.digest_time = (char *)(uintptr_t)"23:59";
	assert_int_equal(submit(f, f->teacher, "FO 48219303 2b", T0, &r1), 0);
	assert_int_equal(submit(f, f->doctor, "FO 73051267 3a", T0, &r2), 0);
	assert_int_equal(submit(f, f->doctor, "FO NOU 30", T0, &r3), 0);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 23 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.deadline, 0);
	/* r2's visit gets scheduled: no 24 h alert for it. */
	assert_int_equal(sheet_store_get(f->st, r2.sheet_id, 0, &s), 1);
	assert_int_equal(sheet_enter_state(f->st, &s,
	    SHEET_STATE_VISIT_SCHEDULED, "2026-11-24", T0 + HOUR), 0);
	sheet_row_clear(&s);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 24 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.deadline, 2); /* one sheet, two SPAS numbers */
	assert_non_null(strstr(seen.last_deadline, "22-001"));
	assert_non_null(strstr(seen.last_deadline, "48h"));
	assert_null(strstr(seen.all, "48219303"));
	/* Not twice. */
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 25 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.deadline, 2);
	/* 48 h: both still unvisited sheets. */
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 48 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.deadline, 6);
	assert_non_null(strstr(seen.all, "programata 2026-11-24"));
	assert_non_null(strstr(seen.last_deadline, "24h"));
	assert_int_equal(sheet_store_get(f->st, r1.sheet_id, 0, &s), 1);
	assert_true(s.alert_24_sent);
	assert_true(s.alert_48_sent);
	sheet_row_clear(&s);
	/* Visited sheets and sheets without suspicion never alert. */
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 70 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.deadline, 6);
}

static void
test_deadline_alert_late_start(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct outbox_seen seen;

	f->sc.digest_time = (char *)(uintptr_t)"23:59";
	assert_int_equal(submit(f, f->teacher, "FO 48219303 2b", T0, &res), 0);
	/* Gateway down past both: only the 48 h alert goes out. */
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 50 * HOUR),
	    0);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 51 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.deadline, 2);
	assert_non_null(strstr(seen.last_deadline, "24h"));
}

static void
test_digest(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct outbox_seen seen;
	struct sheet_row s;
	char *day = NULL;

	assert_int_equal(submit(f, f->teacher, "FO 48219303 2b", T0 + HOUR,
	    &res), 0);
	assert_int_equal(submit(f, f->doctor, "FO 73051267 10 20 30 40 50 60",
	    T0 + HOUR, &res), 0);
	assert_int_equal(submit(f, f->doctor, "FO NOU 30", T0 + HOUR, &res),
	    0);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 17 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 0);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 18 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.last, "Stafeta 22.11: 3 fise noi. Cu "
	    "semnalari (vizita in 72h): 22-001. Fara cod familie (sunati "
	    "raportorul): 22-003 (+40722000002). Fara semnalari: 22-002.");
	assert_int_equal(sheet_store_meta_get(f->st, "digest_day", &day), 0);
	assert_string_equal(day, "2026-11-22");
	free(day);
	/* States moved on once SPAS was told. */
	assert_int_equal(sheet_store_get_by_no(f->st, 22, 1, 0, &s), 1);
	assert_int_equal(s.state, SHEET_STATE_VISIT_PENDING);
	sheet_row_clear(&s);
	assert_int_equal(sheet_store_get_by_no(f->st, 22, 2, 0, &s), 1);
	assert_int_equal(s.state, SHEET_STATE_NO_SUSPICION);
	sheet_row_clear(&s);
	assert_int_equal(sheet_store_get_by_no(f->st, 22, 3, 0, &s), 1);
	assert_int_equal(s.state, SHEET_STATE_INCOMPLETE);
	sheet_row_clear(&s);
	/* Once a day, even across a restart (the day is in the store). */
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, T0 + 23 * HOUR),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 2);
	/* Next day: nothing new and nothing overdue, nothing sent. */
	f->sc.n_spas_numbers = 1;
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf,
	    T0 + DAY + 18 * HOUR), 0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 2 + 1); /* the 24 h alert of 22-001 */
	/* Day 4: the overdue visit is counted. */
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf,
	    T0 + 3 * DAY + 18 * HOUR), 0);
	outbox(f, &seen);
	assert_non_null(strstr(seen.last, "Vizite peste termenul de 72h: 1."));
}

/* Every sheet marked notified by the digest is listed in a queued SMS:
 * 60 new sheets used to overflow a fixed 900-byte digest, be cut at 40
 * with "+20", and all be marked notified anyway. */
static void
test_digest_lists_every_notified(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct outbox_seen seen;
	struct sheet_row s;
	char no[16];
	int i, notified = 0;

	f->sc.n_spas_numbers = 1;
	for (i = 0; i < 60; i++)
		assert_int_equal(submit(f, f->doctor, "FO NOU 30", T0 + HOUR,
		    &res), 0);
	clock_test_set(T0 + 18 * HOUR);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	outbox(f, &seen);
	assert_true(seen.n > 1); /* split */
	assert_null(strstr(seen.all, "+20"));
	for (i = 1; i <= 60; i++) {
		assert_int_equal(sheet_store_get_by_no(f->st, 22, i, 0, &s),
		    1);
		if (s.notified_at != 0) {
			notified++;
			snprintf(no, sizeof(no), "22-%03d ", i);
			if (strstr(seen.all, no) == NULL)
				fail_msg("%s notified but not in the digest",
				    no);
		}
		sheet_row_clear(&s);
	}
	assert_int_equal(notified, 60);
	assert_non_null(strstr(seen.all, "Stafeta 22.11: 60 fise noi."));
	assert_non_null(strstr(seen.all, "Stafeta 22.11 (cont.):"));
}

/* The box booted without time, then NTP moved the clock 40 days ahead:
 * no month of digests, no stale deadline alerts, one digest, and the
 * next one at the next future occurrence; then a backward jump repeats
 * nothing. */
static void
test_clock_jump(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result res;
	struct outbox_seen seen;
	struct store_due d;

	f->sc.n_spas_numbers = 1;
	clock_test_set(T0 + HOUR);
	assert_int_equal(submit(f, f->teacher, "FO 48219303 2b",
	    clock_now_ms(), &res), 0);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 0);
	clock_test_advance(40 * DAY + 9 * HOUR); /* day 41, 10:00 */
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	clock_test_advance(MIN);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.deadline, 0); /* deadline long passed */
	assert_int_equal(seen.n, 1);	    /* one digest */
	assert_non_null(strstr(seen.last, "22-001"));
	assert_non_null(strstr(seen.last, "Vizite peste termenul de 72h: 1"));
	assert_int_equal(store_due_get(f->st, "sheet", "digest", &d), 1);
	assert_int_equal(d.due_at, T0 + 40 * DAY + 18 * HOUR);
	store_due_clear(&d);
	assert_int_equal(store_due_get(f->st, "sheet", "deadline:1", &d), 0);
	/* Today's digest at 18:00 (overdue count only), once. */
	clock_test_set(T0 + 40 * DAY + 18 * HOUR);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 2);
	/* Back to 07:00 the same day: nothing again, and the row is not
	 * pulled back before tomorrow. */
	clock_test_set(T0 + 40 * DAY + 7 * HOUR);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	clock_test_set(T0 + 40 * DAY + 19 * HOUR);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.n, 2);
	assert_int_equal(store_due_get(f->st, "sheet", "digest", &d), 1);
	assert_int_equal(d.due_at, T0 + 41 * DAY + 18 * HOUR);
	store_due_clear(&d);
	/* A backward jump of days re-anchors the digest to its next
	 * occurrence from the new now. */
	clock_test_set(T0 + 10 * DAY + 7 * HOUR);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	assert_int_equal(store_due_get(f->st, "sheet", "digest", &d), 1);
	assert_int_equal(d.due_at, T0 + 10 * DAY + 18 * HOUR);
	store_due_clear(&d);
}

/* Sheets stored by a version without the scheduler have no due rows:
 * the first tick schedules them, once. */
static void
test_backfill(void **state)
{
	struct fixture *f = *state;
	struct sheet_submit_result r1, r2;
	struct outbox_seen seen;
	int64_t n;

	f->sc.digest_time = (char *)(uintptr_t)"23:59";
	f->sc.n_spas_numbers = 1;
	assert_int_equal(submit(f, f->teacher, "FO 48219303 2b", T0, &r1), 0);
	assert_int_equal(submit(f, f->doctor, "FO 73051267 3a", T0, &r2), 0);
	/* As the previous version left them. */
	assert_int_equal(store_due_cancel(f->st, "sheet", "deadline:1"), 1);
	assert_int_equal(store_due_cancel(f->st, "sheet", "deadline:2"), 1);
	assert_int_equal(store_due_count(f->st, "sheet", &n), 0);
	assert_int_equal(n, 0);
	clock_test_set(T0 + HOUR);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	assert_int_equal(store_due_count(f->st, "sheet", &n), 0);
	assert_int_equal(n, 3); /* two deadlines and the digest */
	/* Done once: a row removed later is not made again. */
	assert_int_equal(store_due_cancel(f->st, "sheet", "deadline:2"), 1);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	assert_int_equal(store_due_count(f->st, "sheet", &n), 0);
	assert_int_equal(n, 2);
	clock_test_set(T0 + 24 * HOUR);
	assert_int_equal(sheet_alerts_tick(f->st, &f->conf, clock_now_ms()),
	    0);
	outbox(f, &seen);
	assert_int_equal(seen.deadline, 1);
	assert_non_null(strstr(seen.last_deadline, "22-001"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reporters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_keeps_visit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_merge_never_lowers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_urgent_alert, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deadline_alerts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deadline_alert_late_start,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_digest_lists_every_notified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_jump, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_backfill, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
