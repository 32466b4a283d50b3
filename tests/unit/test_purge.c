/*
 * test_purge.c - retention: the [retention] defaults, each data class's
 * cut-off (a row just older than its period goes, one just younger
 * stays, live rows stay whatever their age), batches, and the sheet
 * service's own purge hook ([sheets] keep_years; open sheets stay).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "service.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"
#include "test_db.h"

#define T0   1800000000000LL /* 2027-01-15 08:00 UTC */
#define DAY  (24LL * 3600 * 1000)

struct fixture {
	char path[64];
	struct store *st;
	struct gw_config *conf;
};

struct counts {
	int64_t rows[16];
	const char *names[16];
	size_t n;
};

static const struct config_section *const sections[] = {
	&sheet_config_section,
};

static struct gw_config *
conf_of(const char *text)
{
	char err[CONFIG_ERR_LEN];
	struct gw_config *c = config_parse_buffer("t.conf", text, strlen(text),
	    "/tmp", sections, 1, err, sizeof(err));

	if (c == NULL)
		fail_msg("config: %s", err);
	return c;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strlcpy_s(f->path, "/tmp/stafeta-purge-XXXXXX", sizeof(f->path));
	f->st = test_db_open(f->path);
	test_db_apply(f->st, sheet_service.migrations);
	f->conf = conf_of("[retention]\npurge_batch = 10\n");
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
	config_free(f->conf);
	free(f);
	return 0;
}

static void
count_cb(void *arg, const char *cls, int64_t rows, int64_t before)
{
	struct counts *c = arg;

	(void)before;
	assert_true(c->n < 16);
	c->names[c->n] = cls;
	c->rows[c->n++] = rows;
}

static int64_t
rows_of(const struct counts *c, const char *cls)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->names[i], cls) == 0)
			return c->rows[i];
	}
	fail_msg("class %s not reported", cls);
	return -2;
}

static void
purge(struct fixture *f, int dry_run, struct counts *c)
{
	int more;

	memset(c, 0, sizeof(*c));
	assert_int_equal(gw_purge(NULL, f->st, f->conf, clock_now_ms(),
	    dry_run, 0, count_cb, c, &more), 0);
	assert_int_equal(more, 0);
}

static void
exec(struct store *st, const char *sql)
{
	/* Each distinct text must be a static array: see store_sql.h. */
	struct store_sql *q = store_sql_prepare(st, sql);

	assert_non_null(q);
	assert_int_equal(store_sql_exec(q, "test"), 0);
}

static void
add_inbound(struct store *st, int64_t at)
{
	char ch[] = "m1", from[] = "+40722000001", text[] = "X";
	char kind[] = "sms";
	struct store_inbound in = { .received_at = at, .channel = ch,
		.sender = from, .text = text, .parts = 1, .kind = kind };

	assert_int_equal(store_inbound_add(st, &in), 0);
}

static int64_t
add_outbox(struct store *st, int64_t at)
{
	char to[] = "+40722000001", text[] = "R";
	struct store_outbound o = { .created_at = at, .recipient = to,
		.text = text, .priority = STORE_PRIO_REPLY };

	assert_int_equal(store_outbox_add(st, &o), 0);
	return o.id;
}

static void
test_defaults(void **state)
{
	struct gw_config *c = conf_of("");

	(void)state;
	assert_int_equal(c->keep_inbound_days, 7);
	assert_int_equal(c->keep_outbox_days, 90);
	assert_int_equal(c->keep_sessions_days, 31);
	assert_int_equal(c->keep_ussd_days, 1);
	assert_int_equal(c->keep_dedup_days, 30);
	assert_int_equal(c->keep_quarantine_days, 90);
	assert_int_equal(c->keep_audit_years, 0);
	assert_int_equal(c->purge_batch, 500);
	assert_int_equal(sheet_conf(c)->keep_years, 18);
	config_free(c);
}

/* Each class: a row 1 ms past the cut-off goes, one 1 ms inside stays. */
static void
test_cutoffs(void **state)
{
	struct fixture *f = *state;
	char p1[] = "+40722000001", p2[] = "+40722000002", fl[] = "f";
	char ver[] = "v", node[] = "n", none[] = "", old[] = "old";
	char young[] = "new";
	struct store_session s = { .phone = p1, .flow = fl, .version = ver,
		.node = node, .fields = none };
	struct store_ussd u = { .phone = p1, .service_code = none,
		.seen_text = none, .response = none };
	struct counts c;
	struct store_outbound taken = { 0 };
	int64_t id;

	/* inbound: 7 days */
	add_inbound(f->st, T0 - 7 * DAY - 1);
	add_inbound(f->st, T0 - 7 * DAY + 1);
	/* outbox: 90 days, finished rows only */
	id = add_outbox(f->st, T0 - 90 * DAY - 1);
	assert_int_equal(store_outbox_take(f->st, "m1", NULL, T0, &taken), 1);
	store_outbound_clear(&taken);
	assert_int_equal(store_outbox_result(f->st, id, 1, 1, 1, NULL, 0, T0,
	    1, 5), 0);
	add_outbox(f->st, T0 - 90 * DAY - 1); /* still queued: stays */
	id = add_outbox(f->st, T0 - 90 * DAY + 1);
	/* sessions: 31 days; one still scheduled stays */
	s.channel = 0;
	s.updated_at = T0 - 31 * DAY - 1;
	assert_int_equal(store_session_put(f->st, &s), 0);
	s.channel = 1;
	s.due_at = T0 + DAY;
	assert_int_equal(store_session_put(f->st, &s), 0);
	s.phone = p2;
	s.due_at = 0;
	s.updated_at = T0 - 31 * DAY + 1;
	assert_int_equal(store_session_put(f->st, &s), 0);
	assert_int_equal(store_tombstone_put(f->st, "+40722000003", 0, "f",
	    T0 - 31 * DAY - 1), 0);
	/* USSD: 1 day */
	u.session_id = old;
	u.updated_at = T0 - DAY - 1;
	assert_int_equal(store_ussd_put(f->st, &u), 0);
	u.session_id = young;
	u.updated_at = T0 - DAY + 1;
	assert_int_equal(store_ussd_put(f->st, &u), 0);
	/* dedup: 30 days */
	assert_int_equal(store_dedup_claim(f->st, "old", T0 - 30 * DAY - 1), 1);
	assert_int_equal(store_dedup_claim(f->st, "new", T0 - 30 * DAY + 1), 1);
	/* quarantine: 90 days */
	{
		struct store_quarantine q = { .channel = "m1", .error = "bad",
		    .failures = 3 };

		q.at = T0 - 90 * DAY - 1;
		assert_int_equal(store_quarantine_add(f->st, &q), 0);
		q.at = T0 - 90 * DAY + 1;
		assert_int_equal(store_quarantine_add(f->st, &q), 0);
	}

	purge(f, 1, &c);
	assert_int_equal(rows_of(&c, "inbound"), 1);
	assert_int_equal(rows_of(&c, "outbox"), 1);
	assert_int_equal(rows_of(&c, "sessions"), 1);
	assert_int_equal(rows_of(&c, "session_ends"), 1);
	assert_int_equal(rows_of(&c, "ussd"), 1);
	assert_int_equal(rows_of(&c, "dedup"), 1);
	assert_int_equal(rows_of(&c, "quarantine"), 1);
	assert_int_equal(rows_of(&c, "audit"), -1);
	/* A dry run deleted nothing. */
	purge(f, 1, &c);
	assert_int_equal(rows_of(&c, "inbound"), 1);

	purge(f, 0, &c);
	assert_int_equal(rows_of(&c, "inbound"), 1);
	assert_int_equal(rows_of(&c, "dedup"), 1);
	purge(f, 1, &c);
	for (size_t i = 0; i < c.n; i++)
		assert_true(c.rows[i] <= 0);
	/* What stayed is still there. */
	assert_int_equal(store_dedup_claim(f->st, "new", T0), 0);
	assert_int_equal(store_dedup_claim(f->st, "old", T0), 1);
	{
		int64_t n, q;

		assert_int_equal(store_inbound_count(f->st, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(store_outbox_depth(f->st, NULL, &q, NULL), 0);
		assert_int_equal(q, 2);
		assert_int_equal(store_session_count(f->st, &n), 0);
		assert_int_equal(n, 2);
	}
	/* A day later the inbound row inside the period goes too. */
	clock_test_advance(DAY);
	purge(f, 1, &c);
	assert_int_equal(rows_of(&c, "inbound"), 1);
}

/* Batches: at most max_batches of purge_batch rows per pass. */
static void
test_batches(void **state)
{
	struct fixture *f = *state;
	int64_t n;
	int more;
	char key[16];

	for (int i = 0; i < 25; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(store_dedup_claim(f->st, key, T0 - 40 * DAY),
		    1);
	}
	assert_int_equal(store_purge_run(f->st, STORE_PURGE_DEDUP,
	    T0 - 30 * DAY, 10, 2, &n, &more), 0);
	assert_int_equal(n, 20);
	assert_int_equal(more, 1);
	assert_int_equal(store_purge_run(f->st, STORE_PURGE_DEDUP,
	    T0 - 30 * DAY, 10, 2, &n, &more), 0);
	assert_int_equal(n, 5);
	assert_int_equal(more, 0);
}

static const char reporter_sql[] =
    "INSERT INTO reporters (id, phone, name, profession, commune,"
    " enrolled_at, updated_at) VALUES (1, '+40722000009', 'R', 'teacher',"
    " 'C', 0, 0)";
static const char sheet_old_closed_sql[] =
    "INSERT INTO sheets (id, county, year, seq, reporter_id, received_at,"
    " channel, any_risk, risk_count, urgent, state, visit_deadline,"
    " indicator_version, updated_at) VALUES (1, 1, 2000, 1, 1,"
    " 1000, 'sms', 0, 0, 0, 'no_suspicion', 0, 'v', 0)";
static const char sheet_old_open_sql[] =
    "INSERT INTO sheets (id, county, year, seq, reporter_id, received_at,"
    " channel, any_risk, risk_count, urgent, state, visit_deadline,"
    " indicator_version, updated_at) VALUES (2, 1, 2000, 2, 1,"
    " 1000, 'sms', 1, 1, 0, 'visit_pending', 0, 'v', 0)";
static const char sheet_new_sql[] =
    "INSERT INTO sheets (id, county, year, seq, reporter_id, received_at,"
    " channel, any_risk, risk_count, urgent, state, visit_deadline,"
    " indicator_version, updated_at, supersedes) VALUES (3, 1, 2027, 3, 1,"
    " 1799000000000, 'sms', 0, 0, 0, 'visited', 0, 'v', 0, 1)";
static const char link_sql[] = "UPDATE sheets SET superseded_by = 3"
    " WHERE id = 1";
static const char values_sql[] =
    "INSERT INTO sheet_values VALUES (1, 'A1', 1, 1), (3, 'A1', 0, 0)";
static const char count_values_sql[] = "SELECT count(*) FROM sheet_values";

/* Sheets: closed and older than keep_years go with their values; an open
 * one stays however old; a newer sheet's link to a purged one is
 * cleared. */
static void
test_sheets(void **state)
{
	struct fixture *f = *state;
	struct counts c;
	struct store_sql *q;

	exec(f->st, reporter_sql);
	exec(f->st, sheet_old_closed_sql);
	exec(f->st, sheet_old_open_sql);
	exec(f->st, sheet_new_sql);
	exec(f->st, link_sql);
	exec(f->st, values_sql);

	/* Sheets received in 1970 are 57 years old at T0; at keep_years = 100
	 * nothing goes. */
	config_free(f->conf);
	f->conf = conf_of("[sheets]\nkeep_years = 100\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(sheet_purge(NULL, f->st, f->conf, T0, 10, 1, count_cb,
	    &c), 0);
	assert_int_equal(rows_of(&c, "sheets"), 0);
	config_free(f->conf);
	f->conf = conf_of("[sheets]\nkeep_years = 56\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(sheet_purge(NULL, f->st, f->conf, T0, 10, 1, count_cb,
	    &c), 0);
	assert_int_equal(rows_of(&c, "sheets"), 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sheet_purge(NULL, f->st, f->conf, T0, 10, 0, count_cb,
	    &c), 0);
	assert_int_equal(rows_of(&c, "sheets"), 1);
	q = store_sql_prepare(f->st, count_values_sql);
	assert_int_equal(store_sql_step(q, "t"), 1);
	assert_int_equal(store_sql_col_int(q, 0), 1);
	store_sql_done(q);
	memset(&c, 0, sizeof(c));
	assert_int_equal(sheet_purge(NULL, f->st, f->conf, T0, 10, 1, count_cb,
	    &c), 0);
	assert_int_equal(rows_of(&c, "sheets"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_cutoffs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sheets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
