/*
 * store_sql.c - the statement seam of store_sql.h on SQLite.
 *
 * A struct store_sql is never defined: a handle is the cached
 * sqlite3_stmt itself, converted at this boundary, so that services see
 * no SQLite type and the cache (store_sqlite.c) keeps one statement per
 * SQL text.  The connection, for messages, comes from the statement.
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sql.h"
#include "util.h"

static sqlite3_stmt *stmt_of(struct store_sql *);
static void sql_log(sqlite3_stmt *, const char *);

static sqlite3_stmt *
stmt_of(struct store_sql *q)
{
	return (sqlite3_stmt *)(void *)q;
}

/* Logs the connection's last error under what (never a value). */
static void
sql_log(sqlite3_stmt *stmt, const char *what)
{
	sqlite3 *db = sqlite3_db_handle(stmt);
	const char *path = sqlite3_db_filename(db, "main");

	log_warnx("store %s: %s: %s", path != NULL ? path : "?", what,
	    sqlite3_errmsg(db));
}

struct store_sql *
store_sql_prepare(struct store *st, const char *sql)
{
	return (struct store_sql *)(void *)store_stmt(st, sql);
}

void
store_sql_done(struct store_sql *q)
{
	store_stmt_done(stmt_of(q));
}

int
store_sql_bind_int(struct store_sql *q, int idx, int v)
{
	return sqlite3_bind_int(stmt_of(q), idx, v) == SQLITE_OK ? 0 : -1;
}

int
store_sql_bind_int64(struct store_sql *q, int idx, int64_t v)
{
	return sqlite3_bind_int64(stmt_of(q), idx, v) == SQLITE_OK ? 0 : -1;
}

int
store_sql_bind_text(struct store_sql *q, int idx, const char *s)
{
	return store_bind_text(stmt_of(q), idx, s) == SQLITE_OK ? 0 : -1;
}

int
store_sql_bind_null(struct store_sql *q, int idx)
{
	return sqlite3_bind_null(stmt_of(q), idx) == SQLITE_OK ? 0 : -1;
}

int
store_sql_bind_opt_int64(struct store_sql *q, int idx, int64_t v)
{
	return store_bind_opt_i64(stmt_of(q), idx, v) == SQLITE_OK ? 0 : -1;
}

int
store_sql_step(struct store_sql *q, const char *what)
{
	sqlite3_stmt *stmt = stmt_of(q);
	int rc;

	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	sql_log(stmt, what);
	store_stmt_done(stmt);
	return -1;
}

int
store_sql_exec(struct store_sql *q, const char *what)
{
	sqlite3_stmt *stmt = stmt_of(q);
	int rc;

	if (stmt == NULL)
		return -1;
	/* Step to the end: an UPDATE ... RETURNING completes only there. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		sql_log(stmt, what);
	store_stmt_done(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_sql_walk(struct store_sql *q, store_sql_row_cb *row, void *arg,
    const char *what)
{
	sqlite3_stmt *stmt = stmt_of(q);
	int rc;

	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (row(q, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		sql_log(stmt, what);
	store_stmt_done(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_sql_col_int(struct store_sql *q, int col)
{
	return sqlite3_column_int(stmt_of(q), col);
}

int64_t
store_sql_col_int64(struct store_sql *q, int col)
{
	return sqlite3_column_int64(stmt_of(q), col);
}

const char *
store_sql_col_text(struct store_sql *q, int col)
{
	return (const char *)sqlite3_column_text(stmt_of(q), col);
}

char *
store_sql_col_strdup(struct store_sql *q, int col)
{
	return store_col_strdup(stmt_of(q), col);
}

int
store_sql_col_is_null(struct store_sql *q, int col)
{
	return sqlite3_column_type(stmt_of(q), col) == SQLITE_NULL;
}

int
store_sql_changes(struct store *st)
{
	return sqlite3_changes(st->db);
}

int64_t
store_sql_last_id(struct store *st)
{
	return sqlite3_last_insert_rowid(st->db);
}

/* added for st2 */
int
store_sql_bind_double(struct store_sql *q, int idx, double v)
{
	return sqlite3_bind_double(stmt_of(q), idx, v) == SQLITE_OK ? 0 : -1;
}

/* added for st2 */
double
store_sql_col_double(struct store_sql *q, int col)
{
	return sqlite3_column_double(stmt_of(q), col);
}

/* added for st2 */
int
store_sql_bind_blob(struct store_sql *q, int idx, const void *p, size_t len)
{
	/* A NULL pointer would bind SQL NULL: an empty blob is zeroblob. */
	if (len == 0 || p == NULL)
		return sqlite3_bind_zeroblob(stmt_of(q), idx, 0) == SQLITE_OK ?
		    0 : -1;
	if (len > INT_MAX)
		return -1;
	return sqlite3_bind_blob(stmt_of(q), idx, p, (int)len,
	    SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

/* added for st2: sqlite_master is SQLite's; PostgreSQL asks its catalog
 * (to_regclass) instead. */
static const char has_table_sql[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1";

int
store_sql_has_table(struct store *st, const char *table)
{
	struct store_sql *q = store_sql_prepare(st, has_table_sql);
	int rc;

	if (q == NULL)
		return -1;
	if (store_sql_bind_text(q, 1, table) != 0) {
		store_sql_done(q);
		return -1;
	}
	rc = store_sql_step(q, "schema: has table");
	store_sql_done(q);
	return rc;
}
