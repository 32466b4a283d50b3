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

struct store_pg;      /* store_pg.c: a libpq connection */
struct store_pg_stmt; /* store_pg.c: one SQL text's state on PostgreSQL */

enum store_kind {
	STORE_SQLITE = 0, /* the embedded default: one file, WAL */
	STORE_PG,	  /* a shared PostgreSQL database (store_pg.c) */
};

/* A cached statement: what a struct store_sql handle points to. */
struct store_sql {
	struct store *st;	   /* owner */
	const char *sql;	   /* key: address of a static SQL array */
	sqlite3_stmt *stmt;	   /* SQLite: prepared statement */
	struct store_pg_stmt *pg;  /* PostgreSQL: translated text, binds */
};

struct store {
	enum store_kind kind;
	sqlite3 *db;		     /* SQLite: the connection */
	struct store_pg *pg;	     /* PostgreSQL: the connection */
	char *path;		     /* file, or database/schema, for messages */
	struct store_sql **slots;    /* statement cache */
	size_t n_slots;		     /* slots used */
	size_t cap_slots;	     /* slots allocated */
	int busy_ms;		     /* longest wait for a lock */
	int64_t busy_since;	     /* mono ms the current wait began */
	int64_t busy_failures;	     /* waits that gave up (busy, lock
				      * timeout) */
};

/* Schemas defined by their owning files (one line per migration). */
extern const char store_schema_core[];	/* store_migrate.c */
extern const char store_schema_flood[];	/* store_flood.c */

/* store_sqlite.c */
/* The cached statement for sql (a static array), reset, or NULL
 * (logged).  Either backend. */
struct store_sql *store_slot(struct store *, const char *sql);
/* SQLite only: the cached, reset sqlite3 statement for sql, or NULL. */
sqlite3_stmt *store_stmt(struct store *, const char *sql);
/* Resets stmt and clears its bindings; NULL is a no-op. */
void store_stmt_done(sqlite3_stmt *);
/* Binds text, or SQL NULL when s is NULL. */
int store_bind_text(sqlite3_stmt *, int idx, const char *s);
/* Binds an int64, or SQL NULL when v is 0. */
int store_bind_opt_i64(sqlite3_stmt *, int idx, int64_t v);
/* Steps a statement that returns no rows and resets it: 0 or -1 (logged
 * with `what`). */
int store_exec_stmt(struct store *, sqlite3_stmt *, const char *what);
/* Runs sql (no rows) with v bound to ?1: 0, or -1 logged under `what`.
 * Either backend. */
int store_exec_i64(struct store *, const char *sql, int64_t v,
    const char *what);
/* Logs the handle's last error under `what` (SQLite; store_pg.c logs its
 * own as they happen). */
void store_log_error(const struct store *, const char *what);
/* Runs a fixed script (one or more statements, no values), a
 * migration's DDL translated on PostgreSQL: 0, or -1 with err. */
int store_exec_script(struct store *, const char *sql, char *err,
    size_t errlen);

/* store_pg.c: the PostgreSQL side of the connection and of store_sql.h */
/* Connects to url (postgresql://...; its search_path option names the
 * commune's schema, created if missing).  0, or -1 with err. */
int store_pg_open(struct store *, const char *url, char *err,
    size_t errlen);
void store_pg_close(struct store *);
/* Runs a fixed command with no parameters and no rows wanted. */
int store_pg_command(struct store *, const char *sql, const char *what);
/* Runs a migration's script, its DDL translated: 0 or -1 with err. */
int store_pg_script(struct store *, const char *sql, char *err,
    size_t errlen);
int store_pg_in_transaction(const struct store *);
/* BEGIN plus the commune's write lock (store_begin on PostgreSQL). */
int store_pg_begin(struct store *);
int store_pg_set_lock_timeout(struct store *, int ms);
int64_t store_pg_total_changes(const struct store *);
const char *store_pg_errmsg(const struct store *);
struct store_pg_stmt *store_pg_stmt_new(const char *sql);
void store_pg_stmt_free(struct store_pg_stmt *);
void store_pg_stmt_reset(struct store_pg_stmt *);
/* Binds text (copied; NULL is SQL NULL), typed int8 when is_int. */
int store_pg_bind(struct store_pg_stmt *, int idx, const char *text,
    int is_int);
/* Binds len bytes (copied) as a binary parameter (BYTEA). */
int store_pg_bind_blob(struct store_pg_stmt *, int idx, const void *p,
    size_t len);
/* The bytes of a BYTEA column (decoded, borrowed until the next step or
 * reset), NULL and *len 0 for NULL or empty. */
const void *store_pg_col_blob(struct store_pg_stmt *, int col, size_t *len);
/* Executes on the first call, then walks the rows: 1, 0 or -1. */
int store_pg_step(struct store *, struct store_pg_stmt *, const char *what);
/* The current row's column as text, NULL for SQL NULL. */
const char *store_pg_col(struct store_pg_stmt *, int col);
int store_pg_changes(const struct store *);
int64_t store_pg_last_id(struct store *);

/* store_pg_sql.c */
/* sql rewritten for PostgreSQL (a new string, caller frees): ?N -> $N,
 * LIKE -> ILIKE, ...; with ddl, the type and trigger rewrites of a
 * migration.  NULL with err if the text cannot be translated. */
char *store_pg_translate(const char *sql, int ddl, char *err,
    size_t errlen);

/* store_migrate.c */
/* Applies every core migration not yet recorded; 0 or -1 with err. */
int store_migrate(struct store *, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif /* STAFETA_STORE_INT_H */
