/*
 * store_due.c - the persistent scheduler's table: work due at a time
 * (deadline alerts, digests, later reminders and poll pushes), one row
 * per (owner, key).
 *
 * Rows are taken, done and rescheduled inside the caller's transaction,
 * together with the work they cause (the queued SMS), so a crash does
 * both or neither: a restart neither loses nor repeats an item.  The
 * rules for late items and clock jumps are the runner's
 * (flows/flow_due.c, docs/scheduler.md); this file only stores rows.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

static int due_row(sqlite3_stmt *, struct store_due *);
static int due_exec(struct store *, const char *, const char *,
    const char *, int64_t, const char *, const char *);

const char store_schema_due[] =
    "CREATE TABLE due ("
    "  owner TEXT NOT NULL,"		/* service or engine part */
    "  key TEXT NOT NULL,"		/* unique per owner */
    "  kind TEXT NOT NULL,"
    "  due_at INTEGER NOT NULL,"	/* unix ms */
    "  payload TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0," /* failed runs in a row */
    "  last_error TEXT,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (owner, key)"
    ") WITHOUT ROWID;"
    "CREATE INDEX due_owner_at ON due(owner, due_at);";

static const char due_put_sql[] =
    "INSERT INTO due (owner, key, kind, due_at, payload, attempts,"
    " last_error, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, NULL, ?6)"
    " ON CONFLICT (owner, key) DO UPDATE SET kind = excluded.kind,"
    " due_at = excluded.due_at, payload = excluded.payload, attempts = 0,"
    " last_error = NULL, updated_at = excluded.updated_at";
static const char due_get_sql[] =
    "SELECT owner, key, kind, due_at, payload, attempts, last_error"
    " FROM due WHERE owner = ?1 AND key = ?2";
static const char due_cancel_sql[] =
    "DELETE FROM due WHERE owner = ?1 AND key = ?2";
static const char due_take_sql[] =
    "SELECT owner, key, kind, due_at, payload, attempts, last_error"
    " FROM due WHERE owner = ?1 AND due_at <= ?2"
    " ORDER BY due_at, key LIMIT ?3";
static const char due_resched_sql[] =
    "UPDATE due SET due_at = ?3, attempts = 0, last_error = NULL"
    " WHERE owner = ?1 AND key = ?2";
static const char due_fail_sql[] =
    "UPDATE due SET due_at = ?3, attempts = attempts + 1, last_error = ?4"
    " WHERE owner = ?1 AND key = ?2";
static const char due_count_sql[] =
    "SELECT count(*) FROM due WHERE owner = ?1";

static int
due_row(sqlite3_stmt *stmt, struct store_due *d)
{
	memset(d, 0, sizeof(*d));
	d->owner = store_col_strdup(stmt, 0);
	d->key = store_col_strdup(stmt, 1);
	d->kind = store_col_strdup(stmt, 2);
	d->due_at = sqlite3_column_int64(stmt, 3);
	d->payload = store_col_strdup(stmt, 4);
	d->attempts = sqlite3_column_int(stmt, 5);
	d->last_error = store_col_strdup(stmt, 6);
	return 0;
}

/* Binds owner, key, then ?3 = v and ?4 = text (if sql uses them). */
static int
due_exec(struct store *st, const char *sql, const char *owner,
    const char *key, int64_t v, const char *text, const char *what)
{
	sqlite3_stmt *stmt = store_stmt(st, sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, owner);
	store_bind_text(stmt, 2, key);
	if (sqlite3_bind_parameter_count(stmt) >= 3)
		sqlite3_bind_int64(stmt, 3, v);
	if (sqlite3_bind_parameter_count(stmt) >= 4)
		store_bind_text(stmt, 4, text);
	return store_exec_stmt(st, stmt, what);
}

int
store_due_put(struct store *st, const char *owner, const char *key,
    const char *kind, int64_t due_at, const char *payload, int64_t now)
{
	sqlite3_stmt *stmt;

	if (owner == NULL || key == NULL || kind == NULL)
		return -1;
	stmt = store_stmt(st, due_put_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, owner);
	store_bind_text(stmt, 2, key);
	store_bind_text(stmt, 3, kind);
	sqlite3_bind_int64(stmt, 4, due_at);
	store_bind_text(stmt, 5, payload);
	sqlite3_bind_int64(stmt, 6, now);
	return store_exec_stmt(st, stmt, "due put");
}

int
store_due_get(struct store *st, const char *owner, const char *key,
    struct store_due *out)
{
	sqlite3_stmt *stmt = store_stmt(st, due_get_sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, owner);
	store_bind_text(stmt, 2, key);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		due_row(stmt, out);
	else if (rc != SQLITE_DONE)
		store_log_error(st, "due get");
	store_stmt_done(stmt);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_due_cancel(struct store *st, const char *owner, const char *key)
{
	if (due_exec(st, due_cancel_sql, owner, key, 0, NULL,
	    "due cancel") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_due_take(struct store *st, const char *owner, int64_t now, size_t max,
    struct store_due **out, size_t *n)
{
	sqlite3_stmt *stmt;
	struct store_due *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	stmt = store_stmt(st, due_take_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, owner);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)max);
	/* Collected first: the caller rewrites these rows. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		due_row(stmt, &v[cnt++]);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		store_log_error(st, "due take");
		store_due_free(v, cnt);
		return -1;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int
store_due_reschedule(struct store *st, const char *owner, const char *key,
    int64_t due_at)
{
	return due_exec(st, due_resched_sql, owner, key, due_at, NULL,
	    "due reschedule");
}

int
store_due_fail(struct store *st, const char *owner, const char *key,
    int64_t retry_at, const char *error)
{
	return due_exec(st, due_fail_sql, owner, key, retry_at, error,
	    "due fail");
}

int
store_due_count(struct store *st, const char *owner, int64_t *n)
{
	sqlite3_stmt *stmt = store_stmt(st, due_count_sql);
	int rc;

	*n = 0;
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, owner);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(stmt, 0);
	else
		store_log_error(st, "due count");
	store_stmt_done(stmt);
	return rc == SQLITE_ROW ? 0 : -1;
}

void
store_due_clear(struct store_due *d)
{
	if (d == NULL)
		return;
	free(d->owner);
	free(d->key);
	free(d->kind);
	free(d->payload);
	free(d->last_error);
	memset(d, 0, sizeof(*d));
}

void
store_due_free(struct store_due *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_due_clear(&v[i]);
	free(v);
}
