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
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sql.h"
#include "util.h"

static int migration_applied(struct store *, const char *, char *, size_t);
static int migrations_pending(struct store *, const struct store_migration *,
    char *, size_t);
static int migrate_list(struct store *, const struct store_migration *,
    char *, size_t);
static int migrate_error(struct store *, char *, size_t);
static int unknown_row(struct store_sql *, void *);
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
	{ "0001_core", store_schema_core, NULL },
	{ "0002_flow_sessions", store_schema_sessions, NULL },
	{ "0003_parts", store_schema_parts, NULL },
	{ "0006_channels", store_schema_channels, NULL },
	{ "0007_due", store_schema_due, NULL },
	{ "0008_flood", store_schema_flood, NULL },
	{ "0009_quarantine", store_schema_quarantine, NULL },
	{ "0010_tasks", store_schema_tasks, NULL },
	{ "0011_audit", store_schema_audit, NULL },
	{ "0012_users", store_schema_users, NULL },
	{ "0013_web_sessions", store_schema_web_sessions, NULL },
	{ NULL, NULL, NULL },
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
static const char applied_sql[] =
    "SELECT 1 FROM schema_migrations WHERE name = ?1";
static const char record_sql[] =
    "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)";
/*
 * SQLite functions the shared SQL may use, for PostgreSQL: created in
 * the commune's schema with its first migration.
 */
static const char pg_compat_sql[] =
    "CREATE OR REPLACE FUNCTION instr(text, text) RETURNS integer"
    "  LANGUAGE sql IMMUTABLE AS 'SELECT strpos($1, $2)';"
    "CREATE OR REPLACE FUNCTION stafeta_concat_step(text, text, text)"
    "  RETURNS text LANGUAGE sql IMMUTABLE AS"
    "  'SELECT CASE WHEN $2 IS NULL THEN $1 WHEN $1 IS NULL THEN $2"
    "   ELSE $1 || $3 || $2 END';"
    "CREATE OR REPLACE FUNCTION stafeta_concat_step1(text, text)"
    "  RETURNS text LANGUAGE sql IMMUTABLE AS"
    "  'SELECT stafeta_concat_step($1, $2, '','')';"
    "CREATE OR REPLACE AGGREGATE group_concat(text, text)"
    "  (SFUNC = stafeta_concat_step, STYPE = text);"
    "CREATE OR REPLACE AGGREGATE group_concat(text)"
    "  (SFUNC = stafeta_concat_step1, STYPE = text);";

/* Fills err with the store's last error. */
static int
migrate_error(struct store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", st->path, store_errmsg(st));
	return -1;
}

/* 1 if applied, 0 if not, -1 on error. */
static int
migration_applied(struct store *st, const char *name, char *err,
    size_t errlen)
{
	struct store_sql *q;
	int rc;

	q = store_sql_prepare(st, applied_sql);
	if (q == NULL || store_sql_bind_text(q, 1, name) != 0) {
		store_sql_done(q);
		return migrate_error(st, err, errlen);
	}
	rc = store_sql_step(q, "read migrations");
	store_sql_done(q);
	if (rc == -1)
		return migrate_error(st, err, errlen);
	return rc;
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
	int rc;

	rc = store_sql_has_table(st, "schema_migrations");
	if (rc == 0)
		return 1;
	if (rc == -1)
		return migrate_error(st, err, errlen);
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
	struct store_sql *q;
	char msg[400];
	int n = 0, r;

	r = migrations_pending(st, list, err, errlen);
	if (r != 1)
		return r;
	/* Check again under the lock: another process may have won. */
	if (store_begin(st) == -1)
		return migrate_error(st, err, errlen);
	r = store_sql_has_table(st, "schema_migrations");
	if (r == -1)
		goto fail_db;
	if (r == 0 && strcmp(store_sql_backend(st), "postgresql") == 0 &&
	    store_exec_script(st, pg_compat_sql, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: compatibility functions: %s",
		    st->path, msg);
		goto fail;
	}
	if (store_exec_script(st, create_sql, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", st->path, msg);
		goto fail;
	}
	for (m = list; m->name != NULL; m++) {
		r = migration_applied(st, m->name, err, errlen);
		if (r == -1)
			goto fail;
		if (r == 1)
			continue;
		if (store_exec_script(st, m->pg != NULL &&
		    strcmp(store_sql_backend(st), "postgresql") == 0 ? m->pg :
		    m->sql, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s: migration %s: %s", st->path,
			    m->name, msg);
			goto fail;
		}
		q = store_sql_prepare(st, record_sql);
		if (q == NULL || store_sql_bind_text(q, 1, m->name) != 0 ||
		    store_sql_bind_int64(q, 2, clock_now_ms()) != 0) {
			store_sql_done(q);
			goto fail_db;
		}
		if (store_sql_exec(q, "record migration") == -1)
			goto fail_db;
		log_info("store %s: applied migration %s", st->path, m->name);
		n++;
	}
	if (store_commit(st) == -1)
		goto fail_db;
	if (n > 0)
		log_debug("store %s: %d migration(s) applied", st->path, n);
	return 0;

fail_db:
	migrate_error(st, err, errlen);
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

struct unknown_arg {
	const struct store_migration *const *lists;
	size_t n;
	char *err;
	size_t errlen;
	int found;
};

/* Row of names_sql: stops at the first name no list knows. */
static int
unknown_row(struct store_sql *q, void *arg)
{
	struct unknown_arg *a = arg;
	const char *name = store_sql_col_text(q, 0);

	if (name == NULL || migration_known(name, a->lists, a->n))
		return 0;
	snprintf(a->err, a->errlen, "%s", name);
	a->found = 1;
	return 1;
}

int
store_migrations_compare(struct store *st,
    const struct store_migration *const *lists, size_t n, char *err,
    size_t errlen)
{
	const struct store_migration *m;
	struct unknown_arg ua = { lists, n, err, errlen, 0 };
	int rc, r;

	rc = migrations_pending(st, store_migrations, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		/* Which one: the first not applied, or the first of all when
		 * there is no record yet (a new file). */
		r = store_sql_has_table(st, "schema_migrations");
		m = store_migrations;
		for (; r == 1 && m->name != NULL; m++)
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
	if (store_sql_walk(store_sql_prepare(st, names_sql), unknown_row, &ua,
	    "list migrations") == -1)
		return migrate_error(st, err, errlen);
	return ua.found ? 2 : 0;
}
