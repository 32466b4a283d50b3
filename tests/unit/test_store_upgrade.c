/*
 * test_store_upgrade.c - a database written by the previous version (the
 * modem-named schema, migrations 0001..0005) opens with the current
 * store, migrates in place (0006_channels) and keeps every row.
 *
 * The old core tables are copied here from store_migrate.c as it was
 * before the channels migration (git show 0f00248:store/store_migrate.c),
 * so a later edit of the live schema cannot make this test pass by
 * accident.  The other migrations are used as they are: a merged
 * migration is never edited.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sheet.h"
#include "store.h"
#include "util.h"
#include "test_db.h"

#define T0 1795305600000LL /* 2026-11-22 00:00:00 UTC, in ms */

static const char old_core[] =
    "CREATE TABLE inbound ("
    "  id INTEGER PRIMARY KEY,"
    "  received_at INTEGER NOT NULL,"
    "  modem TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  text TEXT,"
    "  parts INTEGER NOT NULL DEFAULT 1,"
    "  incomplete INTEGER NOT NULL DEFAULT 0,"
    "  kind TEXT NOT NULL DEFAULT 'sms'"
    ");"
    "CREATE INDEX inbound_sender ON inbound(sender, received_at);"
    "CREATE TABLE dedup ("
    "  key TEXT PRIMARY KEY,"
    "  at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX dedup_at ON dedup(at);"
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  modem TEXT,"
    "  modem_hint TEXT,"
    "  recipient TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  priority INTEGER NOT NULL DEFAULT 10,"
    "  state INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  parts INTEGER NOT NULL DEFAULT 1,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  sent_at INTEGER,"
    "  delivered_at INTEGER,"
    "  mr INTEGER,"
    "  error TEXT,"
    "  in_reply_to INTEGER"
    ");"
    "CREATE INDEX outbox_queue ON outbox(state, priority, created_at, id);"
    "CREATE INDEX outbox_recipient ON outbox(recipient, mr, sent_at);"
    "CREATE TABLE contacts ("
    "  id INTEGER PRIMARY KEY,"
    "  phone TEXT NOT NULL UNIQUE,"
    "  language TEXT NOT NULL DEFAULT 'ro',"
    "  opted_out INTEGER NOT NULL DEFAULT 0,"
    "  last_modem TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE modems ("
    "  name TEXT PRIMARY KEY,"
    "  state TEXT NOT NULL DEFAULT 'unknown',"
    "  signal_percent INTEGER NOT NULL DEFAULT -1,"
    "  network TEXT,"
    "  last_seen INTEGER NOT NULL DEFAULT 0,"
    "  balance REAL,"
    "  balance_at INTEGER NOT NULL DEFAULT 0,"
    "  sent_today INTEGER NOT NULL DEFAULT 0,"
    "  day INTEGER NOT NULL DEFAULT 0,"
    "  error TEXT,"
    "  updated_at INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;";

/* What the previous version had stored. */
static const char old_rows[] =
    "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY,"
    " applied_at INTEGER NOT NULL);"
    "INSERT INTO schema_migrations VALUES ('0001_core', 1),"
    " ('0002_flow_sessions', 1), ('0003_parts', 1), ('0004_reporters', 1),"
    " ('0005_sheets', 1);"
    "INSERT INTO inbound (id, received_at, modem, sender, text)"
    " VALUES (1, 1795305600000, 'm1', '+40722000001', 'SALUT'),"
    "  (2, 1795305601000, 'ussd', '+40722000002', '*123#');"
    "INSERT INTO outbox (id, created_at, modem, modem_hint, recipient, text,"
    " state, sent_at) VALUES"
    "  (1, 1795305600000, 'm2', 'm2', '+40722000001', 'Buna', 2,"
    "   1795305602000),"
    "  (2, 1795305600500, NULL, 'm1', '+40722000001', 'Asteapta', 0, NULL);"
    "INSERT INTO contacts (phone, last_modem, created_at, updated_at)"
    " VALUES ('+40722000001', 'm1', 1, 1);"
    "INSERT INTO modems (name, state, balance, balance_at, sent_today, day)"
    " VALUES ('m1', 'up', 4.5, 1795305600000, 3, 20779);";

struct rows {
	int n;
	char *channel[4];
	char *hint[4];
};

static void
old_db_create(const char *path)
{
	const char *parts[] = { old_core, store_schema_sessions,
		store_schema_parts, sheet_migrations[0].sql,
		sheet_migrations[1].sql, old_rows };
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (size_t i = 0; i < NELEM(parts); i++)
		if (sqlite3_exec(db, parts[i], NULL, NULL, &msg) != SQLITE_OK)
			fail_msg("old schema %zu: %s", i, msg);
	sqlite3_close(db);
}

static int
inbound_cb(const struct store_inbound *in, void *arg)
{
	struct rows *r = arg;

	r->channel[r->n++] = xstrdup(in->channel);
	return 0;
}

static int
outbound_cb(const struct store_outbound *out, void *arg)
{
	struct rows *r = arg;

	r->channel[r->n] = out->channel ? xstrdup(out->channel) : NULL;
	r->hint[r->n++] = out->channel_hint ? xstrdup(out->channel_hint) :
	    NULL;
	return 0;
}

static int
channel_cb(const struct store_channel_row *row, void *arg)
{
	struct rows *r = arg;

	assert_string_equal(row->name, "m1");
	assert_string_equal(row->kind, "modem");
	assert_string_equal(row->state, "up");
	assert_true(fabs(row->balance - 4.5) < 1e-9);
	assert_int_equal(row->sent_today, 3);
	r->n++;
	return 0;
}

static void
rows_clear(struct rows *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->channel[i]);
		free(r->hint[i]);
	}
	memset(r, 0, sizeof(*r));
}

/* 1 if the table exists, by asking SQLite directly. */
static int
has_table(const char *path, const char *name)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	int found;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master"
	    " WHERE type = 'table' AND name = ?1", -1, &stmt, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return found;
}

static void
test_upgrade_keeps_rows(void **state)
{
	char path[64], err[256];
	struct store *st;
	struct store_contact c;
	struct store_outbound out;
	const char *const none[] = { NULL };
	struct rows r;
	int fd;

	(void)state;
	strlcpy_s(path, "/tmp/test_upgrade.XXXXXX", sizeof(path));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	old_db_create(path);
	assert_true(has_table(path, "modems"));

	st = store_open(path, err, sizeof(err));
	if (st == NULL)
		fail_msg("upgrade: %s", err);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_inbound_list(st, 0, inbound_cb, &r), 0);
	assert_int_equal(r.n, 2);		/* newest first */
	assert_string_equal(r.channel[0], "ussd");
	assert_string_equal(r.channel[1], "m1");
	rows_clear(&r);
	assert_int_equal(store_outbox_list(st, 0, outbound_cb, &r), 0);
	assert_int_equal(r.n, 2);
	assert_null(r.channel[0]);
	assert_string_equal(r.hint[0], "m1");
	assert_string_equal(r.channel[1], "m2");
	assert_string_equal(r.hint[1], "m2");
	rows_clear(&r);
	assert_int_equal(store_contact_find(st, "+40722000001", &c), 1);
	assert_string_equal(c.last_channel, "m1");
	store_contact_clear(&c);
	assert_int_equal(store_channel_list(st, channel_cb, &r), 0);
	assert_int_equal(r.n, 1);
	memset(&r, 0, sizeof(r));
	/* The renamed columns work for writing too: the queued message
	 * hinted to m1 goes out on m1, and the count adds to the old one. */
	memset(&out, 0, sizeof(out));
	assert_int_equal(store_outbox_take(st, "m1", none, T0 + 1000, &out),
	    1);
	assert_true(out.id == 2);
	assert_string_equal(out.channel, "m1");
	store_outbound_clear(&out);
	store_close(st);
	assert_false(has_table(path, "modems"));
	assert_true(has_table(path, "channels"));

	/* Opening again applies nothing and still reads the rows. */
	st = store_open(path, err, sizeof(err));
	if (st == NULL)
		fail_msg("reopen: %s", err);
	assert_int_equal(store_channel_list(st, channel_cb, &r), 0);
	assert_int_equal(r.n, 1);
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
