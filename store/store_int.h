/*
 * store_int.h - internals shared by the store files; never included
 * outside store/.
 *
 * Statement cache: every store file keeps its SQL in `static const char
 * x_sql[]` arrays and calls store_stmt(st, x_sql).  The cache is keyed by
 * the address of that array, so each distinct SQL text is prepared once
 * per handle and finalized by store_close().  The returned statement is
 * reset and its bindings cleared; when done with it call store_stmt_done()
 * so that no read transaction stays open (an unreset SELECT pins the WAL
 * and blocks checkpoints).  A statement must not be reacquired while a
 * walk over it is in progress (e.g. from a list callback).
 *
 * Migrations: store_migrate.c holds the ordered list of the core tables.
 * A store file that owns tables defines its schema as `const char
 * store_schema_xxx[]` and declares it below, then appends one line to
 * store_migrations[].  Services bring their own list (store.h,
 * store_migrate_apply()).
 */
#ifndef STAFETA_STORE_INT_H
#define STAFETA_STORE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct store_stmt_slot {
	const char *sql;     /* key: address of a static SQL array */
	sqlite3_stmt *stmt;  /* prepared statement */
};

struct store {
	sqlite3 *db;		     /* the connection */
	char *path;		     /* database file, for messages */
	struct store_stmt_slot *slots; /* statement cache */
	size_t n_slots;		     /* slots used */
	size_t cap_slots;	     /* slots allocated */
	int busy_ms;		     /* longest wait for a lock */
	int64_t busy_since;	     /* mono ms the current wait began */
	int64_t busy_failures;	     /* waits that gave up (SQLITE_BUSY) */
};

/* Schemas defined by their owning files (one line per migration). */
extern const char store_schema_core[];	/* store_migrate.c */
extern const char store_schema_flood[];	/* store_flood.c */

/* store_sqlite.c */
/* Cached, reset statement for sql (a static array), or NULL (logged). */
sqlite3_stmt *store_stmt(struct store *, const char *sql);
/* Resets stmt and clears its bindings; NULL is a no-op. */
void store_stmt_done(sqlite3_stmt *);
/* Binds text, or SQL NULL when s is NULL. */
int store_bind_text(sqlite3_stmt *, int idx, const char *s);
/* Binds an int64, or SQL NULL when v is 0. */
int store_bind_opt_i64(sqlite3_stmt *, int idx, int64_t v);
/* xstrdup of a text column, NULL for SQL NULL. */
char *store_col_strdup(sqlite3_stmt *, int col);
/* Steps a statement that returns no rows and resets it: 0 or -1 (logged
 * with `what`). */
int store_exec_stmt(struct store *, sqlite3_stmt *, const char *what);
/* Runs sql (no rows) with v bound to ?1: 0, or -1 logged under `what`. */
int store_exec_i64(struct store *, const char *sql, int64_t v,
    const char *what);
/*
 * Steps a bound statement and calls row(stmt, arg) for every row until it
 * returns non-zero (an early stop is not an error); resets stmt.  0, or -1
 * logged under `what`.
 */
int store_walk(struct store *, sqlite3_stmt *,
    int (*row)(sqlite3_stmt *, void *), void *arg, const char *what);
/* Logs the handle's last error under `what`. */
void store_log_error(const struct store *, const char *what);

/* store_migrate.c */
/* Applies every core migration not yet recorded; 0 or -1 with err. */
int store_migrate(struct store *, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif /* STAFETA_STORE_INT_H */
