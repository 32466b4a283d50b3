/*
 * test_sheet_actions.c - the Observation Sheet flow actions called
 * directly through struct flow_action_ctx with a real session object and
 * a temporary database: the compact SMS from enrolled and unknown numbers,
 * the acknowledgement and the SPAS alert, PIN checks and locking, and the
 * guided dialogue (household, domains, USSD pages, submit) giving the
 * same stored sheet as the compact form.
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

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "util.h"
#include "test_db.h"

#define T0   1795305600000LL /* 2026-11-22 00:00:00 UTC, in ms */
#define MIN  (60 * 1000LL)
#define HOUR (60 * MIN)

#define TEACHER "+40722000001"
#define NURSE	"+40722000003"

struct fixture {
	char path[64];
	struct store *st;
	struct gw_config conf;
	struct sheet_conf sc;	/* its [sheets] section */
	char *spas[1];
	struct flow_session *sess;
	struct buf reply;
	struct flow_action_ctx ctx;
	struct sheet_svc *svc; /* the service state the actions run on */
};

struct outbox_seen {
	int n;
	int alerts;
	char all[4096];
};

static int setup(void **);
static int teardown(void **);
static void ctx_reset(struct fixture *, const char *, enum flow_channel,
    const char *, int64_t);
static int outbox_cb(const struct store_outbound *, void *);
static int count_cb(const struct sheet_row *, void *);
static int sheets_stored(struct fixture *);
static int64_t last_sheet(struct fixture *);
static int last_cb(const struct sheet_row *, void *);
static const char *ussd_walk(struct fixture *, const char *, const char *,
    const char *, const char *const *);

static int
setup(void **state)
{
	struct fixture *f;
	struct sheet_reporter r;
	char err[256], hash[160];
	struct sheet_table *t;

	setenv("TZ", "UTC", 1);
	tzset();
	log_init(LOG_LEVEL_ERROR, "test");
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strlcpy_s(f->path, "/tmp/test_sheet_actions.XXXXXX", sizeof(f->path));
	f->st = test_db_open(f->path);
	test_db_apply(f->st, sheet_migrations);
	t = sheet_table_load("flows/sheet/indicators.csv", err, sizeof(err));
	if (t == NULL)
		fail_msg("%s", err);
	f->svc = sheet_svc_new(t);
	f->spas[0] = (char *)(uintptr_t)"+40700000001";
	f->conf.sections[0] = &sheet_config_section;
	f->conf.section_data[0] = &f->sc;
	f->conf.n_sections = 1;
	f->sc.county_code = 22;
	f->sc.spas_numbers = f->spas;
	f->sc.n_spas_numbers = 1;
	f->sc.digest_time = (char *)(uintptr_t)"18:00";
	f->conf.default_country = (char *)(uintptr_t)"40";
	memset(&r, 0, sizeof(r));
	r.phone = (char *)(uintptr_t)TEACHER;
	r.name = (char *)(uintptr_t)"Ana Pop";
	r.profession = (char *)(uintptr_t)"teacher";
	r.commune = (char *)(uintptr_t)"Tinca";
	assert_int_equal(sheet_pin_hash("2468", hash, sizeof(hash)), 0);
	r.pin_hash = hash;
	assert_int_equal(sheet_store_reporter_add(f->st, &r, T0), 1);
	r.phone = (char *)(uintptr_t)NURSE;
	r.profession = (char *)(uintptr_t)"community_nurse";
	r.language = (char *)(uintptr_t)"en";
	assert_int_equal(sheet_store_reporter_add(f->st, &r, T0), 1);
	buf_init(&f->reply, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	flow_session_free(f->sess);
	buf_free(&f->reply);
	sheet_svc_free(f->svc);
	store_close(f->st);
	test_db_remove(f->path);
	free(f);
	return 0;
}

/* A fresh call context; the session is kept unless phone changes. */
static void
ctx_reset(struct fixture *f, const char *phone, enum flow_channel ch,
    const char *text, int64_t now)
{
	if (f->sess == NULL || strcmp(f->sess->phone, phone) != 0) {
		flow_session_free(f->sess);
		f->sess = flow_session_new(phone, ch);
	}
	buf_reset(&f->reply);
	memset(&f->ctx, 0, sizeof(f->ctx));
	f->ctx.service = f->svc;
	f->ctx.store = f->st;
	f->ctx.conf = &f->conf;
	f->ctx.phone = phone;
	f->ctx.channel = ch;
	f->ctx.language = "ro";
	f->ctx.text = text;
	f->ctx.now = now;
	f->ctx.session = f->sess;
	f->ctx.reply = &f->reply;
}

static int
outbox_cb(const struct store_outbound *o, void *arg)
{
	struct outbox_seen *seen = arg;

	seen->n++;
	if (o->priority == STORE_PRIO_ALERT)
		seen->alerts++;
	strlcpy_s(seen->all + strlen(seen->all), o->text,
	    sizeof(seen->all) - strlen(seen->all));
	return 0;
}

static int
count_cb(const struct sheet_row *s, void *arg)
{
	(void)s;
	(*(int *)arg)++;
	return 0;
}

static int
sheets_stored(struct fixture *f)
{
	struct sheet_filter flt;
	int n = 0;

	memset(&flt, 0, sizeof(flt));
	flt.all = 1;
	assert_int_equal(sheet_store_list(f->st, &flt, count_cb, &n), 0);
	return n;
}

/* The newest row by id (rows are listed by receive time). */
static int
last_cb(const struct sheet_row *s, void *arg)
{
	if (s->id > *(int64_t *)arg)
		*(int64_t *)arg = s->id;
	return 0;
}

static int64_t
last_sheet(struct fixture *f)
{
	struct sheet_filter flt;
	int64_t id = 0;

	memset(&flt, 0, sizeof(flt));
	flt.all = 1;
	assert_int_equal(sheet_store_list(f->st, &flt, last_cb, &id), 0);
	return id;
}

static void
test_compact_unknown_number(void **state)
{
	struct fixture *f = *state;
	const char *out;

	ctx_reset(f, "+40799999999", FLOW_CHANNEL_SMS,
	    "FO 48219303 1a1 2b 4c2d", T0);
	out = sheet_action_compact(&f->ctx);
	assert_string_equal(out, "unknown");
	assert_string_equal(f->reply.data, "EROARE: numar neinregistrat. "
	    "Contactati SPAS pentru inscriere.");
	assert_true(f->ctx.forget_input);
	assert_int_equal(sheets_stored(f), 0);
}

static void
test_compact_ok(void **state)
{
	struct fixture *f = *state;
	struct outbox_seen seen;
	struct sheet_row s;
	const char *out;

	/* A national number is matched to the enrolled E.164 one. */
	ctx_reset(f, "0722000001", FLOW_CHANNEL_SMS,
	    "FO 48219303 1a1 2b 4c2d", T0 + 10 * HOUR + 42 * MIN);
	out = sheet_action_compact(&f->ctx);
	assert_string_equal(out, "ok");
	assert_string_equal(f->reply.data, "OK FO 22-001 primita 22.11 10:42 "
	    "(4 semnalari). SPAS decide vizita. Va rugam stergeti SMS-ul "
	    "trimis.");
	assert_true(f->ctx.forget_input);
	assert_int_equal(sheet_store_get(f->st, last_sheet(f), 1, &s), 1);
	assert_string_equal(s.household, "48219303");
	assert_string_equal(s.channel, "sms");
	assert_int_equal(s.risk_count, 4);
	assert_non_null(s.raw_hash);
	sheet_row_clear(&s);
	/* Not urgent: nothing for SPAS yet (the digest will tell). */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_outbox_list(f->st, 0, outbox_cb, &seen), 0);
	assert_int_equal(seen.n, 0);
}

static void
test_compact_urgent(void **state)
{
	struct fixture *f = *state;
	struct outbox_seen seen;
	const char *out;

	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "FO NOU 6b2 T1015-1030",
	    T0 + 11 * HOUR);
	out = sheet_action_compact(&f->ctx);
	assert_string_equal(out, "ok");
	assert_string_equal(f->reply.data, "OK FO 22-001 familie fara cod. "
	    "SPAS va suna la acest numar in cel mult 24h pentru "
	    "identificare. Nu trimiteti nume prin SMS. Pericol imediat: "
	    "sunati la 112.");
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_outbox_list(f->st, 0, outbox_cb, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.alerts, 1);
	assert_non_null(strstr(seen.all, "URGENT"));
	assert_non_null(strstr(seen.all, "22-001"));
	/* U alone is urgent too, with the 112 reminder. */
	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "FO 48219303 3h14h2 5cg U",
	    T0 + 12 * HOUR);
	assert_string_equal(sheet_action_compact(&f->ctx), "ok");
	assert_non_null(strstr(f->reply.data, "112"));
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_outbox_list(f->st, 0, outbox_cb, &seen), 0);
	assert_int_equal(seen.alerts, 2);
	assert_null(strstr(seen.all, "48219303"));
}

static void
test_compact_invalid(void **state)
{
	struct fixture *f = *state;

	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "FO 48219303 Popescu Ion 2b",
	    T0);
	assert_string_equal(sheet_action_compact(&f->ctx), "invalid");
	assert_string_equal(f->reply.data, "EROARE: textul contine cuvinte "
	    "nepermise. Nu trimiteti nume sau adrese prin SMS. Fisa NU a "
	    "fost inregistrata.");
	assert_true(f->ctx.forget_input);
	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "FO 48219330 4c2", T0);
	assert_string_equal(sheet_action_compact(&f->ctx), "invalid");
	assert_string_equal(f->reply.data, "EROARE: cod familie invalid "
	    "(verificati lista de la SPAS). Fisa NU a fost inregistrata.");
	assert_int_equal(sheets_stored(f), 0);
	/* The reporter's own language. */
	ctx_reset(f, NURSE, FLOW_CHANNEL_SMS, "FO 48219303 4x", T0);
	assert_string_equal(sheet_action_compact(&f->ctx), "invalid");
	assert_string_equal(f->reply.data, "ERROR: unknown indicator '4X'. "
	    "Sheet NOT recorded.");
	/* Not configured. */
	f->sc.county_code = 0;
	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "FO 48219303 40", T0);
	assert_string_equal(sheet_action_compact(&f->ctx), "error");
	assert_non_null(strstr(f->reply.data, "nu este configurat"));
	assert_int_equal(sheets_stored(f), 0);
}

static void
test_disabled_reporter(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sheet_store_reporter_set_active(f->st, TEACHER, 0, T0),
	    1);
	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "FO 48219303 40", T0);
	assert_string_equal(sheet_action_compact(&f->ctx), "disabled");
	assert_int_equal(sheets_stored(f), 0);
	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "x", T0);
	assert_string_equal(sheet_action_check_reporter(&f->ctx), "disabled");
	ctx_reset(f, "+40799999999", FLOW_CHANNEL_SMS, "x", T0);
	assert_string_equal(sheet_action_check_reporter(&f->ctx), "unknown");
	assert_true(f->ctx.forget_input);
	ctx_reset(f, NURSE, FLOW_CHANNEL_SMS, "x", T0);
	assert_string_equal(sheet_action_check_reporter(&f->ctx), "ok");
}

static void
test_pin(void **state)
{
	struct fixture *f = *state;
	struct sheet_reporter r;

	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "2468", T0);
	assert_string_equal(sheet_action_check_pin(&f->ctx), "ok");
	assert_true(f->ctx.forget_input);
	/* From a saved field, which is then blanked. */
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "", T0);
	flow_session_set(f->sess, "pin", "1111");
	assert_string_equal(sheet_action_check_pin(&f->ctx), "bad");
	assert_string_equal(flow_session_get(f->sess, "pin"), "");
	assert_string_equal(f->reply.data, "PIN gresit.");
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "2469", T0);
	assert_string_equal(sheet_action_check_pin(&f->ctx), "bad");
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "abc", T0);
	assert_string_equal(sheet_action_check_pin(&f->ctx), "locked");
	/* Locked: even the right PIN is refused until SPAS resets it. */
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "2468", T0);
	assert_string_equal(sheet_action_check_pin(&f->ctx), "locked");
	assert_int_equal(sheet_store_reporter_find(f->st, TEACHER, &r), 1);
	assert_int_equal(r.pin_failures, 3);
	sheet_reporter_clear(&r);
	assert_int_equal(sheet_store_reporter_set_pin(f->st, TEACHER, NULL, T0),
	    1);
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "2468", T0);
	assert_string_equal(sheet_action_check_pin(&f->ctx), "locked");
	ctx_reset(f, "+40799999999", FLOW_CHANNEL_USSD, "2468", T0);
	assert_string_equal(sheet_action_check_pin(&f->ctx), "unknown");
}

static void
test_household_and_domains(void **state)
{
	struct fixture *f = *state;

	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "4821 9303", T0);
	assert_string_equal(sheet_action_check_household(&f->ctx), "ok");
	assert_string_equal(flow_session_get(f->sess, "household"),
	    "48219303");
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "0", T0);
	flow_session_set(f->sess, "household", "");
	assert_string_equal(sheet_action_check_household(&f->ctx), "ok");
	assert_string_equal(flow_session_get(f->sess, "household"), "NOU");
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "48219330", T0);
	flow_session_set(f->sess, "household", "");
	assert_string_equal(sheet_action_check_household(&f->ctx), "bad");
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "4821930312345678", T0);
	flow_session_set(f->sess, "household", "");
	assert_string_equal(sheet_action_check_household(&f->ctx), "bad");

	flow_session_set(f->sess, "dom_yes", "4, 2");
	assert_string_equal(sheet_action_domains(&f->ctx), "ok");
	assert_string_equal(flow_session_get(f->sess, "dom_yes"), "24");
	flow_session_set(f->sess, "dom_unknown", "53");
	assert_string_equal(sheet_action_domains(&f->ctx), "ok");
	assert_string_equal(flow_session_get(f->sess, "dom_unknown"), "35");
	flow_session_set(f->sess, "dom_unknown", "4");
	assert_string_equal(sheet_action_domains(&f->ctx), "conflict");
	flow_session_set(f->sess, "dom_unknown", "7");
	assert_string_equal(sheet_action_domains(&f->ctx), "bad_unknown");
	flow_session_set(f->sess, "dom_yes", "02");
	assert_string_equal(sheet_action_domains(&f->ctx), "bad_yes");
	flow_session_set(f->sess, "dom_yes", "0");
	flow_session_set(f->sess, "dom_unknown", "0");
	assert_string_equal(sheet_action_domains(&f->ctx), "ok");
}

/*
 * Drives the guided actions as a flow would: household, domains, then one
 * answer per page; returns the outcome of sheet_guided_submit.
 */
static const char *
ussd_walk(struct fixture *f, const char *household, const char *yes,
    const char *unknown, const char *const *answers)
{
	const char *out;
	int page = 0;

	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, household, T0 + HOUR);
	flow_session_clear_fields(f->sess);
	assert_string_equal(sheet_action_check_household(&f->ctx), "ok");
	flow_session_set(f->sess, "dom_yes", yes);
	flow_session_set(f->sess, "dom_unknown", unknown);
	assert_string_equal(sheet_action_domains(&f->ctx), "ok");
	out = sheet_action_next_page(&f->ctx);
	while (strcmp(out, "page") == 0) {
		const char *prompt = flow_session_get(f->sess, "prompt");

		assert_non_null(prompt);
		assert_true(strlen(prompt) <= SHEET_USSD_MAX);
		assert_non_null(answers[page]);
		ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, answers[page++],
		    T0 + HOUR);
		out = sheet_action_next_page(&f->ctx);
	}
	assert_string_equal(out, "done");
	assert_null(answers[page]);
	assert_non_null(flow_session_get(f->sess, "summary"));
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "1", T0 + HOUR);
	return sheet_action_guided_submit(&f->ctx);
}

static void
test_guided_equals_compact(void **state)
{
	struct fixture *f = *state;
	static const char *const ans1[] = { "2", "0", "0", "4", "0", NULL };
	static const char *const ans2[] = { "0", NULL };
	static const char *const ans3[] = { "24", "0", NULL };
	struct sheet_row a, b;
	int64_t ida, idb;

	/* Compact: 2b and 4c2, every other domain assessed as nothing. */
	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "FO 48219303 2b 4c2 10 30 50 "
	    "60", T0);
	assert_string_equal(sheet_action_compact(&f->ctx), "ok");
	ida = last_sheet(f);
	/* USSD: yes in 2 and 4 (pages 2A 2B 2C 4A 4B), nothing unknown. */
	assert_string_equal(ussd_walk(f, "48219303", "24", "0", ans1), "ok");
	/* A correction by the same reporter keeps the number (issue 11). */
	assert_non_null(strstr(f->reply.data, "OK FO 22-001"));
	assert_null(strstr(f->reply.data, "stergeti SMS"));
	idb = last_sheet(f);
	assert_int_equal(sheet_store_get(f->st, ida, 1, &a), 1);
	assert_int_equal(sheet_store_get(f->st, idb, 1, &b), 1);
	assert_string_equal(b.channel, "ussd");
	assert_int_equal(b.supersedes, a.id); /* same reporter: replaced */
	assert_string_equal(b.merge_kind, "replaced");
	assert_int_equal(a.n_values, b.n_values);
	for (size_t i = 0; i < a.n_values; i++) {
		assert_string_equal(a.values[i].indicator,
		    b.values[i].indicator);
		assert_int_equal(a.values[i].value, b.values[i].value);
		assert_int_equal(a.values[i].own, b.values[i].own);
	}
	assert_int_equal(a.risk_count, b.risk_count);
	assert_int_equal(a.unknown, b.unknown);
	sheet_row_clear(&a);
	sheet_row_clear(&b);

	/* Compact "FO 73051267 40" = USSD yes none, unknown 12356. */
	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "FO 73051267 40", T0);
	assert_string_equal(sheet_action_compact(&f->ctx), "ok");
	ida = last_sheet(f);
	assert_string_equal(ussd_walk(f, "73051267", "0", "12356", ans2 + 1),
	    "ok");
	idb = last_sheet(f);
	assert_int_equal(sheet_store_get(f->st, ida, 1, &a), 1);
	assert_int_equal(sheet_store_get(f->st, idb, 1, &b), 1);
	for (size_t i = 0; i < a.n_values; i++)
		assert_int_equal(a.values[i].value, b.values[i].value);
	sheet_row_clear(&a);
	sheet_row_clear(&b);

	/* Compact "FO NOU 6b1b3" (1-5 unknown) = USSD 6A "24", 6B "0". */
	ctx_reset(f, TEACHER, FLOW_CHANNEL_SMS, "FO NOU 6b1b3", T0);
	assert_string_equal(sheet_action_compact(&f->ctx), "ok");
	ida = last_sheet(f);
	assert_string_equal(ussd_walk(f, "0", "6", "12345", ans3), "ok");
	idb = last_sheet(f);
	assert_int_equal(sheet_store_get(f->st, ida, 1, &a), 1);
	assert_int_equal(sheet_store_get(f->st, idb, 1, &b), 1);
	assert_null(b.household);
	assert_true(b.urgent);
	for (size_t i = 0; i < a.n_values; i++)
		assert_int_equal(a.values[i].value, b.values[i].value);
	sheet_row_clear(&a);
	sheet_row_clear(&b);
}

static void
test_next_page(void **state)
{
	struct fixture *f = *state;

	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "", T0);
	flow_session_set(f->sess, "household", "48219303");
	flow_session_set(f->sess, "dom_yes", "2");
	flow_session_set(f->sess, "dom_unknown", "0");
	assert_string_equal(sheet_action_next_page(&f->ctx), "page");
	assert_string_equal(flow_session_get(f->sess, "page"), "2A");
	assert_string_equal(flow_session_get(f->sess, "prompt"),
	    "2 SOCIAL 1/3: cifrele DA\n1 Mama minora/gravida minora\n"
	    "2 Familie monoparentala\n3 Parinti plecati la munca\n"
	    "4 Fara ingrijire parinti\n5 Copil intors din migratie");
	/* Position 6 does not exist on 2A: asked again. */
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "16", T0);
	assert_string_equal(sheet_action_next_page(&f->ctx), "bad");
	assert_string_equal(flow_session_get(f->sess, "page"), "2A");
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "3 1", T0);
	assert_string_equal(sheet_action_next_page(&f->ctx), "page");
	assert_string_equal(flow_session_get(f->sess, "page_2a"), "13");
	assert_string_equal(flow_session_get(f->sess, "page"), "2B");
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "0", T0);
	assert_string_equal(sheet_action_next_page(&f->ctx), "page");
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "5", T0);
	assert_string_equal(sheet_action_next_page(&f->ctx), "done");
	/* 2a, 2c and the 2z flag. */
	assert_string_equal(flow_session_get(f->sess, "summary"),
	    "Familie 48219303: 3 semnalari.");
	flow_session_set(f->sess, "urgent", "1");
	flow_session_set(f->sess, "dom_unknown", "35");
	flow_session_set(f->sess, "page", "");
	ctx_reset(f, TEACHER, FLOW_CHANNEL_USSD, "", T0);
	assert_string_equal(sheet_action_next_page(&f->ctx), "page");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compact_unknown_number,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_compact_ok, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_compact_urgent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_compact_invalid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_disabled_reporter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_household_and_domains,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_guided_equals_compact,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_page, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
