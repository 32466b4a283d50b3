/*
 * store_sql.h - the seam through which a service (flows/NAME/) runs its
 * own SQL and brings its own tables, without <sqlite3.h> or store_int.h.
 *
 * Statements: keep each SQL text in a `static const char x_sql[]` array
 * and call store_sql_prepare(st, x_sql).  The handle comes from the
 * store's statement cache (keyed by the array's address: prepare once per
 * connection, finalized by store_close()), reset and with no bindings.
 * It is borrowed: never free it; call store_sql_done() when finished, so
 * that no read transaction stays open.  One handle per SQL text exists,
 * so a statement must not be prepared again while a walk over it runs.
 *
 * Parameters are numbered from 1 (?1, ?2, ...), columns from 0, as in
 * SQLite.  Every function that can fail logs the error with `what` (a
 * short fixed phrase, never a value: no phone numbers, codes or PINs)
 * and returns -1.  Text is UTF-8; bound text is copied.
 *
 * Migrations: a service names its tables in a NULL-name terminated array
 * of struct store_migration (see store.h) applied after the core ones
 * with store_migrate_apply().
 *
 * This is also the interface a second backend (PostgreSQL) implements:
 * keep the SQL portable (no SQLite-only syntax in services) where it
 * costs nothing.
 */
#ifndef STAFETA_STORE_SQL_H
#define STAFETA_STORE_SQL_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_sql; /* a cached prepared statement (opaque, borrowed) */

/* Row callback of store_sql_walk: non-zero stops the walk (no error). */
typedef int store_sql_row_cb(struct store_sql *, void *arg);

/* store_sql.c */
/* The cached statement for sql (a static array), reset; NULL if it does
 * not prepare (logged). */
struct store_sql *store_sql_prepare(struct store *, const char *sql)
    __attribute__((warn_unused_result));
/* Resets the statement and clears its bindings; NULL is a no-op. */
void store_sql_done(struct store_sql *);

/* Bind parameter idx (1-based); 0, or -1 (the step then fails). */
int store_sql_bind_int(struct store_sql *, int idx, int v);
int store_sql_bind_int64(struct store_sql *, int idx, int64_t v);
/* Text (copied), or SQL NULL when s is NULL. */
int store_sql_bind_text(struct store_sql *, int idx, const char *s);
int store_sql_bind_null(struct store_sql *, int idx);
/* Binds v, or SQL NULL when v is 0 (an unset id or time). */
int store_sql_bind_opt_int64(struct store_sql *, int idx, int64_t v);

/*
 * Steps once: 1 a row is ready (read it with store_sql_col_*), 0 done,
 * -1 error (logged under what; the statement is reset).  After 0 or -1,
 * or when the caller stops early, call store_sql_done().
 */
int store_sql_step(struct store_sql *, const char *what)
    __attribute__((warn_unused_result));
/* Runs a statement that returns no rows (or whose rows are not wanted)
 * to completion and resets it: 0, or -1 logged under what. */
int store_sql_exec(struct store_sql *, const char *what)
    __attribute__((warn_unused_result));
/* Steps to the end, calling row(stmt, arg) per row until it returns
 * non-zero; resets the statement.  0, or -1 logged under what. */
int store_sql_walk(struct store_sql *, store_sql_row_cb *row, void *arg,
    const char *what) __attribute__((warn_unused_result));

/* Columns of the current row (0-based); NULL reads as 0 / NULL. */
int store_sql_col_int(struct store_sql *, int col);
int64_t store_sql_col_int64(struct store_sql *, int col);
/* Borrowed until the next step or done; NULL for SQL NULL. */
const char *store_sql_col_text(struct store_sql *, int col);
/* A new copy (caller frees), NULL for SQL NULL. */
char *store_sql_col_strdup(struct store_sql *, int col);
/* 1 if the column is SQL NULL. */
int store_sql_col_is_null(struct store_sql *, int col);

/* "sqlite" or "postgresql": for the few statements that exist on one
 * backend only (PRAGMA secure_delete). */
const char *store_sql_backend(const struct store *);
/* 1 if a table of that name exists in the store, 0 if not, -1 on
 * error (logged). */
int store_sql_has_table(struct store *, const char *name);

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int store_sql_changes(struct store *);
/* Row id of the last INSERT on this connection. */
int64_t store_sql_last_id(struct store *);


/* A REAL column: bind v / read it (NULL reads as 0.0). */
int store_sql_bind_double(struct store_sql *, int idx, double v);
double store_sql_col_double(struct store_sql *, int col);
/* Bytes that are not text (a BLOB column; BYTEA on PostgreSQL).  Binds
 * len bytes at p (copied; len 0 or p NULL binds an empty value, never
 * SQL NULL: bind NULL with store_sql_bind_null): 0 or -1. */
int store_sql_bind_blob(struct store_sql *, int idx, const void *p,
    size_t len);
/* The bytes of a BLOB column of the current row, borrowed until the next
 * step or done, their count in *len; NULL (and *len 0) for SQL NULL or
 * an empty value. */
const void *store_sql_col_blob(struct store_sql *, int col, size_t *len);

#endif /* STAFETA_STORE_SQL_H */
