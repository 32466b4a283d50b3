/*
 * store_sql.c - the statement seam of store_sql.h, dispatched to the
 * connection's backend: SQLite here, PostgreSQL in store_pg.c.
 *
 * A handle is a slot of the store's statement cache (store_slot), so
 * each SQL text is prepared (SQLite) or translated (PostgreSQL) once per
 * connection.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sql.h"
#include "util.h"

static void sql_log(struct store_sql *, const char *);
static int pg_bind_i64(struct store_sql *, int, int64_t);

/* Logs the connection's last error under what (never a value). */
static void
sql_log(struct store_sql *q, const char *what)
{
	store_log_error(q->st, what);
}

struct store_sql *
store_sql_prepare(struct store *st, const char *sql)
{
	return store_slot(st, sql);
}

void
store_sql_done(struct store_sql *q)
{
	if (q == NULL)
		return;
	if (q->pg != NULL)
		store_pg_stmt_reset(q->pg);
	else
		store_stmt_done(q->stmt);
}

static int
pg_bind_i64(struct store_sql *q, int idx, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return store_pg_bind(q->pg, idx, buf, 1);
}

int
store_sql_bind_int(struct store_sql *q, int idx, int v)
{
	if (q->pg != NULL)
		return pg_bind_i64(q, idx, v);
	return sqlite3_bind_int(q->stmt, idx, v) == SQLITE_OK ? 0 : -1;
}

int
store_sql_bind_int64(struct store_sql *q, int idx, int64_t v)
{
	if (q->pg != NULL)
		return pg_bind_i64(q, idx, v);
	return sqlite3_bind_int64(q->stmt, idx, v) == SQLITE_OK ? 0 : -1;
}

int
store_sql_bind_text(struct store_sql *q, int idx, const char *s)
{
	if (q->pg != NULL)
		return store_pg_bind(q->pg, idx, s, 0);
	return store_bind_text(q->stmt, idx, s) == SQLITE_OK ? 0 : -1;
}

int
store_sql_bind_null(struct store_sql *q, int idx)
{
	if (q->pg != NULL)
		return store_pg_bind(q->pg, idx, NULL, 0);
	return sqlite3_bind_null(q->stmt, idx) == SQLITE_OK ? 0 : -1;
}

int
store_sql_bind_opt_int64(struct store_sql *q, int idx, int64_t v)
{
	if (q->pg != NULL)
		return v == 0 ? store_pg_bind(q->pg, idx, NULL, 1) :
		    pg_bind_i64(q, idx, v);
	return store_bind_opt_i64(q->stmt, idx, v) == SQLITE_OK ? 0 : -1;
}

int
store_sql_step(struct store_sql *q, const char *what)
{
	int rc;

	if (q == NULL)
		return -1;
	if (q->pg != NULL)
		return store_pg_step(q->st, q->pg, what);
	rc = sqlite3_step(q->stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	sql_log(q, what);
	store_stmt_done(q->stmt);
	return -1;
}

int
store_sql_exec(struct store_sql *q, const char *what)
{
	int rc;

	if (q == NULL)
		return -1;
	/* Step to the end: an UPDATE ... RETURNING completes only there. */
	while ((rc = store_sql_step(q, what)) == 1)
		;
	store_sql_done(q);
	return rc;
}

int
store_sql_walk(struct store_sql *q, store_sql_row_cb *row, void *arg,
    const char *what)
{
	int rc;

	if (q == NULL)
		return -1;
	while ((rc = store_sql_step(q, what)) == 1) {
		if (row(q, arg) != 0) {
			rc = 0;
			break;
		}
	}
	store_sql_done(q);
	return rc;
}

int
store_sql_col_int(struct store_sql *q, int col)
{
	return (int)store_sql_col_int64(q, col);
}

int64_t
store_sql_col_int64(struct store_sql *q, int col)
{
	const char *s;

	if (q->pg == NULL)
		return sqlite3_column_int64(q->stmt, col);
	s = store_pg_col(q->pg, col);
	if (s == NULL)
		return 0;
	/* A boolean value reads as 1/0, as SQLite's comparisons do. */
	if (s[0] == 't' && s[1] == '\0')
		return 1;
	return strtoll(s, NULL, 10);
}

const char *
store_sql_col_text(struct store_sql *q, int col)
{
	if (q->pg != NULL)
		return store_pg_col(q->pg, col);
	return (const char *)sqlite3_column_text(q->stmt, col);
}

char *
store_sql_col_strdup(struct store_sql *q, int col)
{
	const char *s = store_sql_col_text(q, col);

	return s != NULL ? xstrdup(s) : NULL;
}

int
store_sql_col_is_null(struct store_sql *q, int col)
{
	if (q->pg != NULL)
		return store_pg_col(q->pg, col) == NULL;
	return sqlite3_column_type(q->stmt, col) == SQLITE_NULL;
}

int
store_sql_changes(struct store *st)
{
	if (st->kind == STORE_PG)
		return store_pg_changes(st);
	return sqlite3_changes(st->db);
}

int64_t
store_sql_last_id(struct store *st)
{
	if (st->kind == STORE_PG)
		return store_pg_last_id(st);
	return sqlite3_last_insert_rowid(st->db);
}

static const char has_table_lite_sql[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1";
static const char has_table_pg_sql[] =
    "SELECT 1 FROM information_schema.tables"
    " WHERE table_schema = current_schema() AND table_name = ?1";

int
store_sql_has_table(struct store *st, const char *name)
{
	struct store_sql *q;
	int rc;

	q = store_sql_prepare(st, st->kind == STORE_PG ? has_table_pg_sql :
	    has_table_lite_sql);
	if (q == NULL || store_sql_bind_text(q, 1, name) != 0) {
		store_sql_done(q);
		return -1;
	}
	rc = store_sql_step(q, "look for a table");
	store_sql_done(q);
	return rc;
}

int
store_sql_bind_blob(struct store_sql *q, int idx, const void *p, size_t len)
{
	if (p == NULL)
		len = 0;
	if (q->pg != NULL)
		return store_pg_bind_blob(q->pg, idx, len > 0 ? p : "", len);
	return sqlite3_bind_blob64(q->stmt, idx, len > 0 ? p : "",
	    (sqlite3_uint64)len, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

const void *
store_sql_col_blob(struct store_sql *q, int col, size_t *len)
{
	const void *p;
	int n;

	if (q->pg != NULL)
		return store_pg_col_blob(q->pg, col, len);
	/* The pointer first: asking for the bytes may convert the value. */
	p = sqlite3_column_blob(q->stmt, col);
	n = sqlite3_column_bytes(q->stmt, col);
	if (p == NULL || n <= 0) {
		*len = 0;
		return NULL;
	}
	*len = (size_t)n;
	return p;
}

int
store_sql_bind_double(struct store_sql *q, int idx, double v)
{
	char buf[40];

	if (q->pg != NULL) {
		snprintf(buf, sizeof(buf), "%.17g", v);
		return store_pg_bind(q->pg, idx, buf, 0);
	}
	return sqlite3_bind_double(q->stmt, idx, v) == SQLITE_OK ? 0 : -1;
}

double
store_sql_col_double(struct store_sql *q, int col)
{
	const char *s;

	if (q->pg == NULL)
		return sqlite3_column_double(q->stmt, col);
	s = store_pg_col(q->pg, col);
	return s != NULL ? strtod(s, NULL) : 0.0;
}
