/*
 * store_migrate.c - named schema migrations, applied in order at open.
 *
 * Each migration is recorded by name in schema_migrations; one that is
 * recorded is never run again, so a migration, once merged, is never
 * edited: change the schema with a new one.  All pending migrations run in
 * one IMMEDIATE transaction, so two processes opening a fresh database at
 * the same time cannot both apply them, and a failure leaves the database
 * as it was.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

static int migration_applied(struct store *, const char *, char *, size_t);
static int migrations_pending(struct store *, const struct store_migration *,
    char *, size_t);
static int migrate_list(struct store *, const struct store_migration *,
    char *, size_t);
static int migration_known(const char *, const struct store_migration *const *,
    size_t);

/* The message states as stored; the SQL below writes them as literals. */
_Static_assert(STORE_OUT_QUEUED == 0 && STORE_OUT_SENDING == 1 &&
    STORE_OUT_SENT == 2 && STORE_OUT_DELIVERED == 3 &&
    STORE_OUT_FAILED == 4 && STORE_OUT_EXPIRED == 5 &&
    STORE_OUT_UNDELIVERED == 6, "outbox state values are stored");

const char store_schema_core[] =
    /* Complete inbound messages (parts live in store_parts.c's table). */
    "CREATE TABLE inbound ("
    "  id INTEGER PRIMARY KEY,"
    "  received_at INTEGER NOT NULL,"	/* unix ms */
    "  modem TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  text TEXT,"			/* NULL when not kept */
    "  parts INTEGER NOT NULL DEFAULT 1,"
    "  incomplete INTEGER NOT NULL DEFAULT 0,"
    "  kind TEXT NOT NULL DEFAULT 'sms'"
    ");"
    "CREATE INDEX inbound_sender ON inbound(sender, received_at);"
    /* Keys of parts already stored: a re-read after a crash between
     * commit and SIM delete is recognised here. */
    "CREATE TABLE dedup ("
    "  key TEXT PRIMARY KEY,"
    "  at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX dedup_at ON dedup(at);"
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  modem TEXT,"			/* modem sending / that sent it */
    "  modem_hint TEXT,"		/* preferred modem */
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
    "  in_reply_to INTEGER"		/* inbound.id, NULL if none */
    ");"
    /* Serves store_outbox_take (queued rows in sending order, no sort)
     * and store_outbox_depth (state IN (0, 1)). */
    "CREATE INDEX outbox_queue ON outbox(state, priority, created_at, id);"
    /* Serves store_outbox_report. */
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
    "  balance REAL,"			/* NULL: never read */
    "  balance_at INTEGER NOT NULL DEFAULT 0,"
    "  sent_today INTEGER NOT NULL DEFAULT 0,"
    "  day INTEGER NOT NULL DEFAULT 0,"	/* days since the epoch, UTC */
    "  error TEXT,"
    "  updated_at INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;";

/*
 * Outbound goes through channels, not only modems: rename what said
 * "modem" for a sender in place, so an existing database keeps its rows.
 * RENAME COLUMN also rewrites the indexes that name the column.  The
 * physical parts table (sms_parts.modem) keeps its name: parts are read
 * on a modem whatever channel answers.
 */
static const char store_schema_channels[] =
    "ALTER TABLE inbound RENAME COLUMN modem TO channel;"
    "ALTER TABLE outbox RENAME COLUMN modem TO channel;"
    "ALTER TABLE outbox RENAME COLUMN modem_hint TO channel_hint;"
    "ALTER TABLE contacts RENAME COLUMN last_modem TO last_channel;"
    "ALTER TABLE modems RENAME TO channels;"
    "ALTER TABLE channels ADD COLUMN kind TEXT NOT NULL DEFAULT 'modem';";

/*
 * THE list of core migrations, in order.  To add tables: define
 * `const char store_schema_foo[] = "CREATE TABLE ...";` in your store file,
 * declare it `extern` in store_int.h, and append one line here with a
 * free number.  Never edit or reorder a line that has been merged.
 * 0004_reporters and 0005_sheets moved to the sheet service
 * (flows/sheet/sheet_store.c, sheet_migrations[]) under the same names, so
 * databases that have them do not run them again; do not reuse 0004/0005.
 */
static const struct store_migration store_migrations[] = {
	{ "0001_core", store_schema_core },
	{ "0002_flow_sessions", store_schema_sessions },
	{ "0003_parts", store_schema_parts },
	{ "0006_channels", store_schema_channels },
	{ "0007_due", store_schema_due },
	{ "0008_flood", store_schema_flood },
	{ "0009_quarantine", store_schema_quarantine },
	{ "0010_tasks", store_schema_tasks },
	{ "0011_audit", store_schema_audit },
	{ "0012_users", store_schema_users },
	{ "0013_web_sessions", store_schema_web_sessions },
	{ NULL, NULL },
};

int
store_migration_core_known(const char *name)
{
	for (const struct store_migration *m = store_migrations;
	    m->name != NULL; m++) {
		if (strcmp(m->name, name) == 0)
			return 1;
	}
	return 0;
}

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  name TEXT PRIMARY KEY,"
    "  applied_at INTEGER NOT NULL"
    ")";
static const char has_table_sql[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table'"
    " AND name = 'schema_migrations'";
static const char applied_sql[] =
    "SELECT 1 FROM schema_migrations WHERE name = ?1";
static const char record_sql[] =
    "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)";

/* 1 if applied, 0 if not, -1 on error. */
static int
migration_applied(struct store *st, const char *name, char *err,
    size_t errlen)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, applied_sql);
	if (stmt == NULL) {
		snprintf(err, errlen, "%s: %s", st->path,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
	return -1;
}

/*
 * 1 if some migration is not applied yet, 0 if all are, -1 on error.
 * Checked without the write lock, so that the stafeta command does not
 * queue behind the daemon's transactions just to learn nothing is to do.
 */
static int
migrations_pending(struct store *st, const struct store_migration *list,
    char *err, size_t errlen)
{
	const struct store_migration *m;
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, has_table_sql);
	if (stmt == NULL) {
		snprintf(err, errlen, "%s: %s", st->path,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	rc = sqlite3_step(stmt);
	store_stmt_done(stmt);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "%s: %s", st->path,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	for (m = list; m->name != NULL; m++) {
		rc = migration_applied(st, m->name, err, errlen);
		if (rc != 1)
			return rc == 0 ? 1 : -1;
	}
	return 0;
}

int
store_migrate(struct store *st, char *err, size_t errlen)
{
	return migrate_list(st, store_migrations, err, errlen);
}

int
store_migrate_apply(struct store *st, const struct store_migration *list,
    char *err, size_t errlen)
{
	if (list == NULL)
		return 0;
	return migrate_list(st, list, err, errlen);
}

/* Applies the pending migrations of list (NULL-name terminated) in one
 * transaction: 0, or -1 with err and nothing applied. */
static int
migrate_list(struct store *st, const struct store_migration *list, char *err,
    size_t errlen)
{
	const struct store_migration *m;
	sqlite3_stmt *stmt;
	char *msg = NULL;
	int n = 0, r;

	r = migrations_pending(st, list, err, errlen);
	if (r != 1)
		return r;
	/* Check again under the lock: another process may have won. */
	if (store_begin(st) == -1) {
		snprintf(err, errlen, "%s: %s", st->path,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	if (sqlite3_exec(st->db, create_sql, NULL, NULL, &msg) != SQLITE_OK)
		goto fail_exec;
	for (m = list; m->name != NULL; m++) {
		r = migration_applied(st, m->name, err, errlen);
		if (r == -1)
			goto fail;
		if (r == 1)
			continue;
		/* Fixed schema text with no values: exec is appropriate. */
		if (sqlite3_exec(st->db, m->sql, NULL, NULL, &msg) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "%s: migration %s: %s", st->path,
			    m->name, msg != NULL ? msg :
			    sqlite3_errmsg(st->db));
			sqlite3_free(msg);
			goto fail;
		}
		stmt = store_stmt(st, record_sql);
		if (stmt == NULL)
			goto fail_db;
		sqlite3_bind_text(stmt, 1, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, clock_now_ms());
		if (store_exec_stmt(st, stmt, "record migration") == -1)
			goto fail_db;
		log_info("store %s: applied migration %s", st->path, m->name);
		n++;
	}
	if (store_commit(st) == -1)
		goto fail_db;
	if (n > 0)
		log_debug("store %s: %d migration(s) applied", st->path, n);
	return 0;

fail_exec:
	snprintf(err, errlen, "%s: %s", st->path,
	    msg != NULL ? msg : sqlite3_errmsg(st->db));
	sqlite3_free(msg);
	goto fail;
fail_db:
	snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
fail:
	store_rollback(st);
	return -1;
}

static const char names_sql[] =
    "SELECT name FROM schema_migrations ORDER BY name";

/* 1 if name is in the core list or one of lists[0..n), else 0. */
static int
migration_known(const char *name, const struct store_migration *const *lists,
    size_t n)
{
	const struct store_migration *m;

	for (m = store_migrations; m->name != NULL; m++)
		if (strcmp(m->name, name) == 0)
			return 1;
	for (size_t i = 0; i < n; i++)
		for (m = lists[i]; m != NULL && m->name != NULL; m++)
			if (strcmp(m->name, name) == 0)
				return 1;
	return 0;
}

int
store_migrations_compare(struct store *st,
    const struct store_migration *const *lists, size_t n, char *err,
    size_t errlen)
{
	const struct store_migration *m;
	sqlite3_stmt *stmt;
	int rc, r;

	rc = migrations_pending(st, store_migrations, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		/* Which one: the first not applied, or the first of all when
		 * there is no record yet (a new file). */
		stmt = store_stmt(st, has_table_sql);
		r = stmt != NULL ? sqlite3_step(stmt) : SQLITE_ERROR;
		store_stmt_done(stmt);
		m = store_migrations;
		for (; r == SQLITE_ROW && m->name != NULL; m++)
			if (migration_applied(st, m->name, err, errlen) != 1)
				break;
		snprintf(err, errlen, "%s", m->name != NULL ? m->name :
		    store_migrations[0].name);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		for (m = lists[i]; m != NULL && m->name != NULL; m++) {
			r = migration_applied(st, m->name, err, errlen);
			if (r == -1)
				return -1;
			if (r == 0) {
				snprintf(err, errlen, "%s", m->name);
				return 1;
			}
		}
	}
	stmt = store_stmt(st, names_sql);
	if (stmt == NULL) {
		snprintf(err, errlen, "%s: %s", st->path,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(stmt, 0);

		if (name != NULL && !migration_known(name, lists, n)) {
			snprintf(err, errlen, "%s", name);
			store_stmt_done(stmt);
			return 2;
		}
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", st->path,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}
