/*
 * test_store.c - the core store against a fresh temporary database file
 * per test (WAL needs a real file): migrations, dedup, inbound, the
 * outbox state machine (priority, hints, retries, expiry, delivery
 * reports), contacts and channel rows.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "util.h"
#include "test_db.h"

#define T0 1795305600000LL /* 2026-11-22 00:00:00 UTC, in ms */
#define SEC 1000LL
#define DAY (86400 * SEC)

struct fixture {
	char path[64];
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strlcpy_s(f->path, "/tmp/test_store.XXXXXX", sizeof(f->path));
	f->st = test_db_open(f->path);
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

/* Queues text to recipient at created_at with priority and hint. */
static int64_t
queue(struct store *st, const char *to, const char *text, int prio,
    const char *hint, int64_t created_at)
{
	struct store_outbound o;

	memset(&o, 0, sizeof(o));
	o.recipient = (char *)to;
	o.text = (char *)text;
	o.priority = prio;
	o.channel_hint = (char *)hint;
	o.created_at = created_at;
	assert_int_equal(store_outbox_add(st, &o), 0);
	assert_true(o.id > 0);
	assert_int_equal(o.state, STORE_OUT_QUEUED);
	return o.id;
}

/* Takes the next message for modem; returns its id or 0 if none. */
static int64_t
take(struct store *st, const char *modem, const char *const *down,
    int64_t now)
{
	struct store_outbound o;
	int64_t id;
	int r;

	r = store_outbox_take(st, modem, down, now, &o);
	assert_true(r == 0 || r == 1);
	if (r == 0)
		return 0;
	assert_int_equal(o.state, STORE_OUT_SENDING);
	assert_string_equal(o.channel, modem);
	id = o.id;
	store_outbound_clear(&o);
	return id;
}

struct find {
	int64_t id;
	struct store_outbound row;
	int found;
};

static int
find_cb(const struct store_outbound *o, void *arg)
{
	struct find *fd = arg;

	if (o->id != fd->id)
		return 0;
	fd->found = 1;
	fd->row = *o;
	fd->row.channel = o->channel ? xstrdup(o->channel) : NULL;
	fd->row.channel_hint = o->channel_hint ? xstrdup(o->channel_hint) : NULL;
	fd->row.recipient = xstrdup(o->recipient);
	fd->row.text = xstrdup(o->text);
	fd->row.error = o->error ? xstrdup(o->error) : NULL;
	return 1;
}

/* Reads outbox row id into *out (caller clears). */
static void
get_out(struct store *st, int64_t id, struct store_outbound *out)
{
	struct find fd;

	memset(&fd, 0, sizeof(fd));
	fd.id = id;
	assert_int_equal(store_outbox_list(st, 0, find_cb, &fd), 0);
	assert_true(fd.found);
	*out = fd.row;
}

static int
out_state(struct store *st, int64_t id)
{
	struct store_outbound o;
	int s;

	get_out(st, id, &o);
	s = o.state;
	store_outbound_clear(&o);
	return s;
}

static void
test_open_twice(void **state)
{
	struct fixture *f = *state;
	struct store_inbound in;
	sqlite3 *db;
	sqlite3_stmt *stmt;
	char err[256];
	int64_t n;

	memset(&in, 0, sizeof(in));
	in.received_at = T0;
	in.channel = (char *)"m1";
	in.sender = (char *)"+40722000001";
	in.text = (char *)"salut";
	assert_int_equal(store_inbound_add(f->st, &in), 0);
	store_close(f->st);

	/* Reopening must skip applied migrations and keep the data. */
	f->st = store_open(f->path, err, sizeof(err));
	if (f->st == NULL)
		fail_msg("reopen: %s", err);
	assert_int_equal(store_inbound_count(f->st, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	    "SELECT count(*) FROM schema_migrations WHERE name = '0001_core'",
	    -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(stmt, 0), 1);
	sqlite3_finalize(stmt);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1,
	    &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/* Several processes opening a fresh database at once all succeed, and
 * the migrations are applied once. */
static void
test_open_concurrent(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	char err[256];
	pid_t pids[6];
	size_t i;
	int status;

	store_close(f->st);
	f->st = NULL;
	test_db_remove(f->path);
	for (i = 0; i < NELEM(pids); i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			st = store_open(f->path, err, sizeof(err));
			if (st == NULL)
				fprintf(stderr, "child: %s\n", err);
			store_close(st);
			_exit(st == NULL);
		}
	}
	for (i = 0; i < NELEM(pids); i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
}

static void
test_open_unwritable(void **state)
{
	struct store *st;
	char err[256];

	(void)state;
	err[0] = '\0';
	st = store_open("/nonexistent-dir/sub/stafeta.db", err, sizeof(err));
	assert_null(st);
	assert_non_null(strstr(err, "/nonexistent-dir/sub/stafeta.db"));
	store_close(NULL);
}

static void
test_transactions(void **state)
{
	struct fixture *f = *state;
	struct store_inbound in;
	int64_t n;

	memset(&in, 0, sizeof(in));
	in.received_at = T0;
	in.channel = (char *)"m1";
	in.sender = (char *)"+40722000001";
	in.text = (char *)"x";
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_inbound_add(f->st, &in), 0);
	store_rollback(f->st);
	assert_int_equal(store_inbound_count(f->st, &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_inbound_add(f->st, &in), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(store_inbound_count(f->st, &n), 0);
	assert_int_equal(n, 1);
	/* Rollback without a transaction is harmless. */
	store_rollback(f->st);
}

static void
test_dedup(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_dedup_claim(f->st, "k1", T0), 1);
	assert_int_equal(store_dedup_claim(f->st, "k1", T0 + SEC), 0);
	assert_int_equal(store_dedup_claim(f->st, "k2", T0 + 10 * SEC), 1);
	assert_int_equal(store_dedup_prune(f->st, T0 + 5 * SEC), 0);
	assert_int_equal(store_dedup_claim(f->st, "k1", T0 + 20 * SEC), 1);
	assert_int_equal(store_dedup_claim(f->st, "k2", T0 + 20 * SEC), 0);
}

/* Keys of a location are released when its delete is confirmed; keys of
 * other locations (also ones whose number starts the same) stay. */
static void
test_dedup_release(void **state)
{
	struct fixture *f = *state;
	int n = -1;

	assert_int_equal(store_dedup_claim(f->st, "m1:10001:aa", T0), 1);
	assert_int_equal(store_dedup_claim(f->st, "m1:10001:bb", T0), 1);
	assert_int_equal(store_dedup_claim(f->st, "m1:10002:aa", T0), 1);
	assert_int_equal(store_dedup_claim(f->st, "m1:100010:aa", T0), 1);
	assert_int_equal(store_dedup_claim(f->st, "m2:10001:aa", T0), 1);
	assert_int_equal(store_dedup_release(f->st, "m1:10001:", &n), 0);
	assert_int_equal(n, 2);
	/* The same content in the freed slot is a new message. */
	assert_int_equal(store_dedup_claim(f->st, "m1:10001:aa", T0), 1);
	assert_int_equal(store_dedup_claim(f->st, "m1:10002:aa", T0), 0);
	assert_int_equal(store_dedup_claim(f->st, "m1:100010:aa", T0), 0);
	assert_int_equal(store_dedup_claim(f->st, "m2:10001:aa", T0), 0);
	assert_int_equal(store_dedup_release(f->st, "m9:1:", &n), 0);
	assert_int_equal(n, 0);
}

/* A quarantined slot keeps its exact bytes, also NULs and none. */
static void
test_quarantine(void **state)
{
	struct fixture *f = *state;
	static const unsigned char raw[] = { 'a', 0, 0xff, '\n' };
	struct store_quarantine q;
	int64_t n, last;

	memset(&q, 0, sizeof(q));
	q.at = T0;
	q.channel = "m1";
	q.folder = 1;
	q.location = 10002;
	q.raw = raw;
	q.raw_len = sizeof(raw);
	q.raw_known = 1;
	q.error = "File format not supported";
	q.failures = 3;
	assert_int_equal(store_quarantine_add(f->st, &q), 0);
	assert_true(q.id > 0);
	q.raw = NULL;
	q.raw_len = 0;
	q.at = T0 + SEC;
	assert_int_equal(store_quarantine_add(f->st, &q), 0);
	q.raw_known = 0;
	q.channel = "m2";
	assert_int_equal(store_quarantine_add(f->st, &q), 0);
	assert_int_equal(store_quarantine_count(f->st, "m1", &n, &last), 0);
	assert_int_equal(n, 2);
	assert_true(last == T0 + SEC);
	assert_int_equal(store_quarantine_count(f->st, "m3", &n, &last), 0);
	assert_int_equal(n, 0);
	assert_int_equal(last, 0);
}

struct inbox_walk {
	int n;
	int64_t ids[8];
	int null_text;
};

static int
inbox_cb(const struct store_inbound *in, void *arg)
{
	struct inbox_walk *w = arg;

	if (w->n < 8)
		w->ids[w->n] = in->id;
	if (in->text == NULL)
		w->null_text++;
	else
		assert_string_equal(in->kind, "sms");
	w->n++;
	return 0;
}

static int
inbox_stop_cb(const struct store_inbound *in, void *arg)
{
	int *n = arg;

	(void)in;
	(*n)++;
	return 1;
}

static void
test_inbound(void **state)
{
	struct fixture *f = *state;
	struct store_inbound in;
	struct inbox_walk w;
	int64_t ids[3], n;
	int i, stops = 0;

	for (i = 0; i < 3; i++) {
		memset(&in, 0, sizeof(in));
		in.received_at = T0 + i;
		in.channel = (char *)"m1";
		in.sender = (char *)"+40722000001";
		in.text = i == 1 ? NULL : (char *)"Ajutor ăâîșț";
		in.parts = 2;
		in.kind = i == 1 ? (char *)"undecodable" : NULL;
		assert_int_equal(store_inbound_add(f->st, &in), 0);
		ids[i] = in.id;
	}
	assert_true(ids[0] < ids[1] && ids[1] < ids[2]);
	assert_int_equal(store_inbound_count(f->st, &n), 0);
	assert_int_equal(n, 3);

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_inbound_list(f->st, 0, inbox_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.ids[0], ids[2]); /* newest first */
	assert_int_equal(w.ids[2], ids[0]);
	assert_int_equal(w.null_text, 1);

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_inbound_list(f->st, 2, inbox_cb, &w), 0);
	assert_int_equal(w.n, 2);

	assert_int_equal(store_inbound_list(f->st, 0, inbox_stop_cb, &stops),
	    0);
	assert_int_equal(stops, 1);
}

static void
test_outbox_ok(void **state)
{
	struct fixture *f = *state;
	struct store_outbound o;
	int64_t id, q, s;

	id = queue(f->st, "+40722000001", "Bună ziua", STORE_PRIO_REPLY, NULL,
	    T0);
	assert_int_equal(store_outbox_depth(f->st, NULL, &q, &s), 0);
	assert_int_equal(q, 1);
	assert_int_equal(s, 0);
	/* Not due before it was created. */
	assert_int_equal(take(f->st, "m1", NULL, T0 - 1), 0);

	assert_int_equal(store_outbox_take(f->st, "m1", NULL, T0, &o), 1);
	assert_int_equal(o.id, id);
	assert_string_equal(o.text, "Bună ziua");
	assert_string_equal(o.recipient, "+40722000001");
	assert_int_equal(o.parts, 1);
	assert_int_equal(o.mr, -1);
	store_outbound_clear(&o);
	assert_int_equal(take(f->st, "m1", NULL, T0), 0);
	assert_int_equal(store_outbox_depth(f->st, "m1", &q, &s), 0);
	assert_int_equal(q, 0);
	assert_int_equal(s, 1);

	assert_int_equal(store_outbox_result(f->st, id, 1, 1, 77, NULL, 0,
	    T0 + SEC, 30, 5), 0);
	get_out(f->st, id, &o);
	assert_int_equal(o.state, STORE_OUT_SENT);
	assert_int_equal(o.attempts, 1);
	assert_int_equal(o.mr, 77);
	assert_int_equal(o.sent_at, T0 + SEC);
	assert_null(o.error);
	assert_string_equal(store_out_strstate(o.state), "sent");
	store_outbound_clear(&o);
	assert_int_equal(store_outbox_depth(f->st, NULL, &q, &s), 0);
	assert_int_equal(q + s, 0);
	assert_string_equal(store_out_strstate(99), "unknown");
}

/* Alerts queued and not taken: what `stafeta status`, the log and the
 * metrics report when no channel can send (gw_alerts.c). */
static void
test_outbox_alerts_waiting(void **state)
{
	struct fixture *f = *state;
	int64_t n = -1, oldest = -1, a1;

	assert_int_equal(store_outbox_alerts_waiting(f->st, &n, &oldest), 0);
	assert_int_equal(n, 0);
	assert_int_equal(oldest, 0);
	(void)queue(f->st, "+40722000001", "bulk", STORE_PRIO_BULK, NULL, T0);
	(void)queue(f->st, "+40722000001", "reply", STORE_PRIO_REPLY, NULL,
	    T0);
	a1 = queue(f->st, "+40700000999", "alert 1", STORE_PRIO_ALERT, NULL,
	    T0 + SEC);
	(void)queue(f->st, "+40700000999", "alert 2", STORE_PRIO_ALERT, NULL,
	    T0 + 2 * SEC);
	assert_int_equal(store_outbox_alerts_waiting(f->st, &n, &oldest), 0);
	assert_int_equal(n, 2);
	assert_int_equal(oldest, T0 + SEC);
	/* Taken by a channel: no longer waiting. */
	assert_int_equal(take(f->st, "m1", NULL, T0 + 3 * SEC), a1);
	assert_int_equal(store_outbox_alerts_waiting(f->st, &n, &oldest), 0);
	assert_int_equal(n, 1);
	assert_int_equal(oldest, T0 + 2 * SEC);
}

static void
test_outbox_parts(void **state)
{
	struct fixture *f = *state;
	struct store_outbound o;
	char text[400];

	memset(text, 'a', 200);
	text[200] = '\0';
	memset(&o, 0, sizeof(o));
	o.recipient = (char *)"+40722000001";
	o.text = text;
	assert_int_equal(store_outbox_add(f->st, &o), 0);
	assert_int_equal(o.parts, 2); /* GSM-7: 153 + 47 */

	memset(&o, 0, sizeof(o));
	o.recipient = (char *)"+40722000001";
	o.text = (char *)"bad \xff utf-8";
	assert_int_equal(store_outbox_add(f->st, &o), -1);
}

static void
test_outbox_priority(void **state)
{
	struct fixture *f = *state;
	int64_t bulk, reply_old, reply_new, alert;

	bulk = queue(f->st, "+40722000001", "b", STORE_PRIO_BULK, NULL, T0);
	reply_new = queue(f->st, "+40722000002", "r2", STORE_PRIO_REPLY, NULL,
	    T0 + 2 * SEC);
	alert = queue(f->st, "+40722000003", "a", STORE_PRIO_ALERT, NULL,
	    T0 + 3 * SEC);
	reply_old = queue(f->st, "+40722000004", "r1", STORE_PRIO_REPLY, NULL,
	    T0 + 1 * SEC);

	assert_int_equal(take(f->st, "m1", NULL, T0 + 10 * SEC), alert);
	assert_int_equal(take(f->st, "m1", NULL, T0 + 10 * SEC), reply_old);
	assert_int_equal(take(f->st, "m1", NULL, T0 + 10 * SEC), reply_new);
	assert_int_equal(take(f->st, "m1", NULL, T0 + 10 * SEC), bulk);
	assert_int_equal(take(f->st, "m1", NULL, T0 + 10 * SEC), 0);
}

static void
test_outbox_hints(void **state)
{
	struct fixture *f = *state;
	const char *const down_m2[] = { "m3", "m2", NULL };
	const char *const down_other[] = { "m22", "m", NULL };
	const char *const none[] = { NULL };
	int64_t h2, h1, id;
	int64_t q;

	h2 = queue(f->st, "+40722000001", "x", STORE_PRIO_ALERT, "m2", T0);
	assert_int_equal(store_outbox_depth(f->st, "m2", &q, NULL), 0);
	assert_int_equal(q, 1);
	assert_int_equal(store_outbox_depth(f->st, "m1", &q, NULL), 0);
	assert_int_equal(q, 0);

	/* Hinted to m2 and m2 is not down: m1 must leave it. */
	assert_int_equal(take(f->st, "m1", NULL, T0), 0);
	assert_int_equal(take(f->st, "m1", none, T0), 0);
	assert_int_equal(take(f->st, "m1", down_other, T0), 0);
	/* m2 is down: m1 takes over. */
	assert_int_equal(take(f->st, "m1", down_m2, T0), h2);

	h1 = queue(f->st, "+40722000001", "y", STORE_PRIO_BULK, "m1", T0);
	id = queue(f->st, "+40722000001", "z", STORE_PRIO_BULK, NULL,
	    T0 + SEC);
	assert_int_equal(take(f->st, "m2", NULL, T0 + SEC), id);
	assert_int_equal(take(f->st, "m2", NULL, T0 + SEC), 0);
	assert_int_equal(take(f->st, "m1", NULL, T0 + SEC), h1);
}

static void
test_outbox_backoff(void **state)
{
	struct fixture *f = *state;
	struct store_outbound o;
	int64_t id, now = T0;
	int64_t expect[] = { 30, 60, 120, 240 };
	size_t i;

	id = queue(f->st, "+40722000001", "x", STORE_PRIO_REPLY, NULL, T0);
	for (i = 0; i < NELEM(expect); i++) {
		assert_int_equal(take(f->st, "m1", NULL, now), id);
		assert_int_equal(store_outbox_result(f->st, id, 0, 0, -1,
		    "timeout", 0, now, 30, 10), 0);
		get_out(f->st, id, &o);
		assert_int_equal(o.state, STORE_OUT_QUEUED);
		assert_int_equal(o.attempts, (int)i + 1);
		assert_int_equal(o.next_attempt_at, now + expect[i] * SEC);
		assert_string_equal(o.error, "timeout");
		store_outbound_clear(&o);
		/* Not a millisecond early. */
		assert_int_equal(take(f->st, "m1", NULL,
		    now + expect[i] * SEC - 1), 0);
		now += expect[i] * SEC;
	}

	/* The delay is capped at one hour.  (The first message is due
	 * again at now, so take just before.) */
	id = queue(f->st, "+40722000002", "y", STORE_PRIO_REPLY, NULL, T0);
	now -= 1;
	assert_int_equal(take(f->st, "m2", NULL, now), id);
	assert_int_equal(store_outbox_result(f->st, id, 0, 0, -1, NULL, 0, now,
	    7200, 10), 0);
	get_out(f->st, id, &o);
	assert_int_equal(o.next_attempt_at, now + 3600 * SEC);
	assert_string_equal(o.error, "send failed");
	store_outbound_clear(&o);
}

static void
test_outbox_permanent(void **state)
{
	struct fixture *f = *state;
	struct store_outbound o;
	int64_t id;

	id = queue(f->st, "+40722000001", "x", STORE_PRIO_REPLY, NULL, T0);
	assert_int_equal(take(f->st, "m1", NULL, T0), id);
	assert_int_equal(store_outbox_result(f->st, id, 0, 0, -1,
	    "invalid number", 1, T0, 30, 5), 0);
	get_out(f->st, id, &o);
	assert_int_equal(o.state, STORE_OUT_FAILED);
	assert_int_equal(o.attempts, 1);
	assert_string_equal(o.error, "invalid number");
	store_outbound_clear(&o);
	assert_int_equal(take(f->st, "m1", NULL, T0 + DAY), 0);
	/* A late result for a finished row changes nothing. */
	assert_int_equal(store_outbox_result(f->st, id, 1, 1, 3, NULL, 0, T0,
	    30, 5), 0);
	assert_int_equal(out_state(f->st, id), STORE_OUT_FAILED);
	/* Unknown ids are ignored too. */
	assert_int_equal(store_outbox_result(f->st, id + 100, 1, 1, 3, NULL, 0,
	    T0, 30, 5), 0);
}

static void
test_outbox_max_attempts(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	id = queue(f->st, "+40722000001", "x", STORE_PRIO_REPLY, NULL, T0);
	assert_int_equal(take(f->st, "m1", NULL, T0), id);
	assert_int_equal(store_outbox_result(f->st, id, 0, 0, -1, "e1", 0, T0,
	    1, 3), 0);
	assert_int_equal(take(f->st, "m1", NULL, T0 + SEC), id);
	assert_int_equal(store_outbox_result(f->st, id, 0, 0, -1, "e2", 0,
	    T0 + SEC, 1, 3), 0);
	assert_int_equal(out_state(f->st, id), STORE_OUT_QUEUED);
	assert_int_equal(take(f->st, "m1", NULL, T0 + 3 * SEC), id);
	assert_int_equal(store_outbox_result(f->st, id, 0, 0, -1, "e3", 0,
	    T0 + 3 * SEC, 1, 3), 0);
	assert_int_equal(out_state(f->st, id), STORE_OUT_FAILED);
	assert_int_equal(take(f->st, "m1", NULL, T0 + DAY), 0);
}

static void
test_outbox_requeue(void **state)
{
	struct fixture *f = *state;
	struct store_outbound o;
	int64_t a, b, s;

	a = queue(f->st, "+40722000001", "a", STORE_PRIO_REPLY, NULL, T0);
	b = queue(f->st, "+40722000002", "b", STORE_PRIO_REPLY, NULL,
	    T0 + 1);
	assert_int_equal(take(f->st, "m1", NULL, T0 + SEC), a);
	assert_int_equal(take(f->st, "m2", NULL, T0 + SEC), b);

	assert_int_equal(store_outbox_requeue_sending(f->st, "m1"), 0);
	assert_int_equal(out_state(f->st, a), STORE_OUT_QUEUED);
	assert_int_equal(out_state(f->st, b), STORE_OUT_SENDING);
	get_out(f->st, a, &o);
	assert_int_equal(o.attempts, 0); /* a crash is not an attempt */
	store_outbound_clear(&o);

	assert_int_equal(store_outbox_requeue_sending(f->st, NULL), 0);
	assert_int_equal(out_state(f->st, b), STORE_OUT_QUEUED);
	assert_int_equal(store_outbox_depth(f->st, NULL, NULL, &s), 0);
	assert_int_equal(s, 0);

	/* The worker's send finished after all: recorded, not resent. */
	assert_int_equal(store_outbox_result(f->st, b, 1, 1, 5, NULL, 0,
	    T0 + 2 * SEC, 30, 5), 0);
	assert_int_equal(out_state(f->st, b), STORE_OUT_SENT);
	assert_int_equal(take(f->st, "m1", NULL, T0 + 2 * SEC), a);
	assert_int_equal(take(f->st, "m1", NULL, T0 + 2 * SEC), 0);
}

static void
test_outbox_expire(void **state)
{
	struct fixture *f = *state;
	int64_t old, fresh, sending;
	int n = -1;

	sending = queue(f->st, "+40722000003", "s", STORE_PRIO_REPLY, NULL,
	    T0 - 3 * DAY);
	assert_int_equal(take(f->st, "m1", NULL, T0), sending);
	old = queue(f->st, "+40722000001", "old", STORE_PRIO_BULK, NULL,
	    T0 - 2 * DAY);
	fresh = queue(f->st, "+40722000002", "new", STORE_PRIO_BULK, NULL,
	    T0 - 1);
	assert_int_equal(store_outbox_expire(f->st, T0 - DAY, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out_state(f->st, old), STORE_OUT_EXPIRED);
	assert_int_equal(out_state(f->st, fresh), STORE_OUT_QUEUED);
	assert_int_equal(out_state(f->st, sending), STORE_OUT_SENDING);
	assert_int_equal(take(f->st, "m1", NULL, T0), fresh);
}

static void
test_outbox_report(void **state)
{
	struct fixture *f = *state;
	struct store_outbound o;
	int64_t a, b, c;

	a = queue(f->st, "+40722000001", "a", STORE_PRIO_REPLY, NULL, T0);
	assert_int_equal(take(f->st, "m1", NULL, T0), a);
	assert_int_equal(store_outbox_result(f->st, a, 1, 1, 42, NULL, 0, T0,
	    30, 5), 0);
	/* Same recipient and TP-MR later: the newest one is meant. */
	b = queue(f->st, "+40722000001", "b", STORE_PRIO_REPLY, NULL,
	    T0 + SEC);
	assert_int_equal(take(f->st, "m1", NULL, T0 + SEC), b);
	assert_int_equal(store_outbox_result(f->st, b, 1, 1, 42, NULL, 0,
	    T0 + 2 * SEC, 30, 5), 0);
	c = queue(f->st, "+40722000002", "c", STORE_PRIO_REPLY, NULL,
	    T0 + SEC);
	assert_int_equal(take(f->st, "m2", NULL, T0 + SEC), c);
	assert_int_equal(store_outbox_result(f->st, c, 1, 1, 7, NULL, 0,
	    T0 + 2 * SEC, 30, 5), 0);

	/* Wrong TP-MR, wrong recipient, wrong modem, too late: no match. */
	assert_int_equal(store_outbox_report(f->st, "m1", "+40722000001", 43,
	    1, T0 + 60 * SEC), 0);
	assert_int_equal(store_outbox_report(f->st, "m1", "+40722000002", 42,
	    1, T0 + 60 * SEC), 0);
	assert_int_equal(store_outbox_report(f->st, "m2", "+40722000001", 42,
	    1, T0 + 60 * SEC), 0);
	assert_int_equal(store_outbox_report(f->st, "m1", "+40722000001", 42,
	    1, T0 + 4 * DAY), 0);
	assert_int_equal(out_state(f->st, a), STORE_OUT_SENT);
	assert_int_equal(out_state(f->st, b), STORE_OUT_SENT);

	assert_int_equal(store_outbox_report(f->st, "m1", "+40722000001", 42,
	    1, T0 + 60 * SEC), 1);
	get_out(f->st, b, &o);
	assert_int_equal(o.state, STORE_OUT_DELIVERED);
	assert_int_equal(o.delivered_at, T0 + 60 * SEC);
	store_outbound_clear(&o);
	assert_int_equal(out_state(f->st, a), STORE_OUT_SENT);
	/* The next report with that TP-MR falls to the older message. */
	assert_int_equal(store_outbox_report(f->st, NULL, "+40722000001", 42,
	    0, T0 + 61 * SEC), 1);
	assert_int_equal(out_state(f->st, a), STORE_OUT_UNDELIVERED);
	assert_int_equal(store_outbox_report(f->st, "m1", "+40722000001", 42,
	    1, T0 + 62 * SEC), 0);
	assert_int_equal(store_outbox_report(f->st, "m2", "+40722000002", 7,
	    1, T0 + 62 * SEC), 1);
	assert_int_equal(out_state(f->st, c), STORE_OUT_DELIVERED);
}

static void
test_contacts(void **state)
{
	struct fixture *f = *state;
	struct store_contact c;
	int64_t id;

	assert_int_equal(store_contact_find(f->st, "+40722000001", &c), 0);
	assert_int_equal(store_contact_get(f->st, "+40722000001", "hu", &c),
	    0);
	assert_true(c.id > 0);
	assert_string_equal(c.phone, "+40722000001");
	assert_string_equal(c.language, "hu");
	assert_int_equal(c.opted_out, 0);
	assert_null(c.last_channel);
	id = c.id;
	store_contact_clear(&c);

	assert_int_equal(store_contact_set_opt_out(f->st, "+40722000001", 1),
	    0);
	assert_int_equal(store_contact_set_language(f->st, "+40722000001",
	    "en"), 0);
	assert_int_equal(store_contact_set_channel(f->st, "+40722000001", "m2",
	    T0), 0);
	/* An existing contact keeps its language whatever the default. */
	assert_int_equal(store_contact_get(f->st, "+40722000001", "ro", &c),
	    0);
	assert_int_equal(c.id, id);
	assert_string_equal(c.language, "en");
	assert_int_equal(c.opted_out, 1);
	assert_string_equal(c.last_channel, "m2");
	store_contact_clear(&c);
	assert_int_equal(store_contact_find(f->st, "+40722000001", &c), 1);
	assert_int_equal(c.id, id);
	assert_string_equal(c.last_channel, "m2");
	store_contact_clear(&c);
	assert_int_equal(store_contact_set_opt_out(f->st, "+40722000001", 0),
	    0);
	assert_int_equal(store_contact_get(f->st, "+40722000001", NULL, &c),
	    0);
	assert_int_equal(c.opted_out, 0);
	store_contact_clear(&c);

	/* Setters create unknown contacts. */
	assert_int_equal(store_contact_set_opt_out(f->st, "+40722000009", 1),
	    0);
	assert_int_equal(store_contact_get(f->st, "+40722000009", "hu", &c),
	    0);
	assert_true(c.id != id);
	assert_int_equal(c.opted_out, 1);
	assert_string_equal(c.language, "ro");
	store_contact_clear(&c);
	assert_int_equal(store_contact_get(f->st, "+40722000010", NULL, &c),
	    0);
	assert_string_equal(c.language, "ro");
	store_contact_clear(&c);
	store_contact_clear(NULL);
}

struct channel_walk {
	int n;
	struct store_channel_row rows[4];
};

static int
channel_cb(const struct store_channel_row *r, void *arg)
{
	struct channel_walk *w = arg;
	struct store_channel_row *d = &w->rows[w->n++];

	*d = *r;
	d->name = xstrdup(r->name);
	d->state = xstrdup(r->state);
	d->network = r->network ? xstrdup(r->network) : NULL;
	d->error = r->error ? xstrdup(r->error) : NULL;
	d->kind = r->kind ? xstrdup(r->kind) : NULL;
	return 0;
}

static void
walk_clear(struct channel_walk *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		store_channel_row_clear(&w->rows[i]);
	memset(w, 0, sizeof(*w));
}

static void
test_channels(void **state)
{
	struct fixture *f = *state;
	struct channel_walk w;
	int today = -1;

	memset(&w, 0, sizeof(w));
	assert_int_equal(store_channel_set_state(f->st, "m2", "starting", NULL,
	    T0), 0);
	assert_int_equal(store_channel_set_state(f->st, "m1", "down",
	    "device gone", T0), 0);
	assert_int_equal(store_channel_list(f->st, channel_cb, &w), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.rows[0].name, "m1"); /* by name */
	assert_string_equal(w.rows[0].state, "down");
	assert_string_equal(w.rows[0].error, "device gone");
	assert_string_equal(w.rows[0].kind, "modem");
	assert_int_equal(w.rows[0].last_seen, 0);
	assert_int_equal(w.rows[0].signal_percent, -1);
	assert_true(isnan(w.rows[0].balance));
	assert_null(w.rows[1].error);
	walk_clear(&w);

	/* NULL error keeps the last one; "" clears it. */
	assert_int_equal(store_channel_set_state(f->st, "m1", "up", NULL,
	    T0 + SEC), 0);
	assert_int_equal(store_channel_set_health(f->st, "m1", 73, "Orange RO",
	    T0 + 2 * SEC), 0);
	assert_int_equal(store_channel_set_balance(f->st, "m1", 4.5,
	    T0 + 3 * SEC), 0);
	assert_int_equal(store_channel_list(f->st, channel_cb, &w), 0);
	assert_string_equal(w.rows[0].state, "up");
	assert_string_equal(w.rows[0].error, "device gone");
	assert_string_equal(w.rows[0].kind, "modem");
	assert_int_equal(w.rows[0].signal_percent, 73);
	assert_string_equal(w.rows[0].network, "Orange RO");
	assert_true(fabs(w.rows[0].balance - 4.5) < 1e-9);
	assert_int_equal(w.rows[0].balance_at, T0 + 3 * SEC);
	assert_int_equal(w.rows[0].last_seen, T0 + 3 * SEC);
	walk_clear(&w);
	assert_int_equal(store_channel_set_state(f->st, "m1", NULL, "", T0), 0);
	assert_int_equal(store_channel_set_health(f->st, "m1", -1, NULL,
	    T0 + 4 * SEC), 0);
	assert_int_equal(store_channel_list(f->st, channel_cb, &w), 0);
	assert_null(w.rows[0].error);
	assert_string_equal(w.rows[0].state, "up");
	assert_string_equal(w.rows[0].network, "Orange RO");
	assert_int_equal(w.rows[0].signal_percent, -1);
	walk_clear(&w);

	/* Daily count, rolling over at UTC midnight; a new modem too. */
	assert_int_equal(store_channel_count_sent(f->st, "m1", 3,
	    T0 + 10 * 3600 * SEC, &today), 0);
	assert_int_equal(today, 3);
	assert_int_equal(store_channel_count_sent(f->st, "m1", 2,
	    T0 + DAY - 1, &today), 0);
	assert_int_equal(today, 5);
	assert_int_equal(store_channel_count_sent(f->st, "m1", 1, T0 + DAY,
	    &today), 0);
	assert_int_equal(today, 1);
	assert_int_equal(store_channel_count_sent(f->st, "m3", 4, T0 + DAY,
	    &today), 0);
	assert_int_equal(today, 4);
	assert_int_equal(store_channel_list(f->st, channel_cb, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.rows[0].sent_today, 1);
	assert_int_equal(w.rows[0].day, T0 / DAY + 1);
	assert_string_equal(w.rows[2].name, "m3");
	assert_string_equal(w.rows[2].state, "unknown");
	walk_clear(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_twice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_concurrent, setup,
		    teardown),
		cmocka_unit_test(test_open_unwritable),
		cmocka_unit_test_setup_teardown(test_transactions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dedup_release, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quarantine, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_alerts_waiting,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_ok, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox_parts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox_priority, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox_hints, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox_backoff, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox_permanent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox_max_attempts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_requeue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox_expire, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbox_report, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_contacts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_channels, setup, teardown),
	};

	log_init(LOG_LEVEL_ERROR, "test_store");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
