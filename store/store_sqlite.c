/*
 * store_sqlite.c - the connection: open (SQLite, or PostgreSQL through
 * store_pg.c when the locator is a postgresql:// URL), pragmas,
 * transactions and the per-handle statement cache used by every other
 * store file.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sql.h"
#include "util.h"

static int store_pragma(struct store *, const char *, char *, size_t);
static struct store *store_open_mode(const char *, int, char *, size_t);
static int store_busy_cb(void *, int);
static int64_t store_mono_ms(void);

/* The default longest wait for a lock: the CLI's, as before.  The daemon
 * sets its own, a few milliseconds (store_set_busy_timeout). */
#define STORE_BUSY_DEFAULT_MS 5000

static const char begin_sql[] = "BEGIN IMMEDIATE";
static const char commit_sql[] = "COMMIT";
static const char rollback_sql[] = "ROLLBACK";
static const char savepoint_sql[] = "SAVEPOINT store_sp";
static const char release_sql[] = "RELEASE store_sp";
static const char rollback_to_sql[] = "ROLLBACK TO store_sp";

/*
 * Runs one fixed PRAGMA (no values from outside, so sqlite3_exec is fine);
 * journal_mode returns a row, which sqlite3_exec discards.
 */
static int
store_pragma(struct store *st, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s: %s", st->path, sql,
		    msg != NULL ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int64_t
store_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The busy handler: sqlite3_busy_timeout's behaviour, plus a count of the
 * waits that gave up, so that a caller can tell "locked by another
 * process, try again later" from a real failure (store_busy_count).
 * Sleeps 1 ms, then 5 ms steps: a short timeout stays short.
 */
static int
store_busy_cb(void *arg, int count)
{
	struct store *st = arg;
	int64_t now = store_mono_ms();

	if (count == 0)
		st->busy_since = now;
	if (now - st->busy_since >= st->busy_ms) {
		st->busy_failures++;
		return 0;
	}
	sqlite3_sleep(count < 3 ? 1 : 5);
	return 1;
}

int
store_set_busy_timeout(struct store *st, int ms)
{
	st->busy_ms = ms < 0 ? 0 : ms;
	if (st->kind == STORE_PG)
		return store_pg_set_lock_timeout(st, st->busy_ms);
	return sqlite3_busy_handler(st->db, store_busy_cb, st) == SQLITE_OK ?
	    0 : -1;
}

int64_t
store_busy_count(const struct store *st)
{
	return st->busy_failures;
}

int64_t
store_changes(const struct store *st)
{
	if (st->kind == STORE_PG)
		return store_pg_total_changes(st);
	return sqlite3_total_changes64(st->db);
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	return store_open_mode(path, 1, err, errlen);
}

struct store *
store_open_nomigrate(const char *path, char *err, size_t errlen)
{
	return store_open_mode(path, 0, err, errlen);
}

/* Opens path; applies the core migrations when migrate is 1. */
static struct store *
store_open_mode(const char *path, int migrate, char *err, size_t errlen)
{
	struct store *st;
	sqlite3_stmt *jm = NULL;
	const unsigned char *mode;
	int rc, tries;

	st = xcalloc(1, sizeof(*st));
	if (store_locator_is_pg(path)) {
		st->kind = STORE_PG;
		st->busy_ms = STORE_BUSY_DEFAULT_MS;
		if (store_pg_open(st, path, err, errlen) == -1 ||
		    (migrate && store_migrate(st, err, errlen) == -1)) {
			store_close(st);
			return NULL;
		}
		return st;
	}
	st->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &st->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) :
		    sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* Before anything that may need a lock: the daemon and the stafeta
	 * command share the file. */
	if (store_set_busy_timeout(st, STORE_BUSY_DEFAULT_MS) != 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	/*
	 * WAL lets the stafeta command read while the daemon writes.
	 * Switching a fresh file to WAL can return BUSY at once, without the
	 * busy handler, while another process opens it too: retry.
	 */
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &jm,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot set WAL mode: %s", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	for (tries = 0;; tries++) {
		rc = sqlite3_step(jm);
		if (rc == SQLITE_ROW)
			break;
		sqlite3_reset(jm);
		if ((rc & 0xff) != SQLITE_BUSY || tries >= 100) {
			snprintf(err, errlen, "%s: cannot set WAL mode: %s",
			    path, sqlite3_errstr(rc));
			goto fail;
		}
		sqlite3_sleep(50);
	}
	mode = sqlite3_column_text(jm, 0);
	if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
		snprintf(err, errlen, "%s: cannot set WAL mode (got %s)", path,
		    mode != NULL ? (const char *)mode : "nothing");
		goto fail;
	}
	sqlite3_finalize(jm);
	jm = NULL;
	/*
	 * FULL, not NORMAL: the gateway deletes an SMS from the SIM right
	 * after the commit of its batch, so a committed batch must survive a
	 * power cut, not just a process crash.
	 */
	if (store_pragma(st, "PRAGMA synchronous=FULL", err, errlen) == -1 ||
	    store_pragma(st, "PRAGMA foreign_keys=ON", err, errlen) == -1)
		goto fail;
	if (migrate && store_migrate(st, err, errlen) == -1)
		goto fail;
	return st;

fail:
	sqlite3_finalize(jm);
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n_slots; i++) {
		sqlite3_finalize(st->slots[i]->stmt);
		store_pg_stmt_free(st->slots[i]->pg);
		free(st->slots[i]);
	}
	free(st->slots);
	store_pg_close(st);
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_warnx("store %s: close: %s", st->path,
		    sqlite3_errmsg(st->db));
	free(st->path);
	free(st);
}

int
store_begin(struct store *st)
{
	/* IMMEDIATE takes the write lock now (waiting up to busy_timeout)
	 * instead of failing later on a read-to-write upgrade; on
	 * PostgreSQL the commune's advisory lock does the same. */
	if (st->kind == STORE_PG)
		return store_pg_begin(st);
	return store_exec_stmt(st, store_stmt(st, begin_sql), "begin");
}

int
store_commit(struct store *st)
{
	if (st->kind == STORE_PG)
		return store_pg_command(st, commit_sql, "commit");
	return store_exec_stmt(st, store_stmt(st, commit_sql), "commit");
}

void
store_rollback(struct store *st)
{
	/* A failed COMMIT or an I/O error may already have ended it. */
	if (st->kind == STORE_PG) {
		if (store_pg_in_transaction(st) &&
		    store_pg_command(st, rollback_sql, "rollback") == -1)
			log_warnx("store %s: rollback failed", st->path);
		return;
	}
	if (sqlite3_get_autocommit(st->db))
		return;
	if (store_exec_stmt(st, store_stmt(st, rollback_sql), "rollback") ==
	    -1)
		log_warnx("store %s: rollback failed", st->path);
}

int
store_savepoint(struct store *st)
{
	if (st->kind == STORE_PG)
		return store_pg_command(st, savepoint_sql, "savepoint");
	return store_exec_stmt(st, store_stmt(st, savepoint_sql),
	    "savepoint");
}

int
store_savepoint_release(struct store *st)
{
	if (st->kind == STORE_PG)
		return store_pg_command(st, release_sql, "release");
	return store_exec_stmt(st, store_stmt(st, release_sql), "release");
}

void
store_savepoint_rollback(struct store *st)
{
	/* ROLLBACK TO keeps the savepoint open: release it as well. */
	if (st->kind == STORE_PG) {
		if (store_pg_command(st, rollback_to_sql, "rollback to") ==
		    -1 || store_pg_command(st, release_sql, "release") == -1)
			log_warnx("store %s: savepoint rollback failed",
			    st->path);
		return;
	}
	if (store_exec_stmt(st, store_stmt(st, rollback_to_sql),
	    "rollback to") == -1 ||
	    store_exec_stmt(st, store_stmt(st, release_sql), "release") == -1)
		log_warnx("store %s: savepoint rollback failed", st->path);
}

const char *
store_errmsg(const struct store *st)
{
	if (st->kind == STORE_PG)
		return store_pg_errmsg(st);
	return sqlite3_errmsg(st->db);
}

struct store_sql *
store_slot(struct store *st, const char *sql)
{
	struct store_sql *q;
	size_t i;

	/* A few dozen statements: a linear scan of pointers is cheaper than
	 * anything clever. */
	for (i = 0; i < st->n_slots; i++) {
		q = st->slots[i];
		if (q->sql != sql)
			continue;
		if (q->pg != NULL) {
			store_pg_stmt_reset(q->pg);
		} else {
			sqlite3_reset(q->stmt);
			sqlite3_clear_bindings(q->stmt);
		}
		return q;
	}
	q = xcalloc(1, sizeof(*q));
	q->st = st;
	q->sql = sql;
	if (st->kind == STORE_PG) {
		/* Translated once; PostgreSQL then parses it per execution
		 * (PQexecParams), typed by what is bound. */
		q->pg = store_pg_stmt_new(sql);
		if (q->pg == NULL) {
			free(q);
			return NULL;
		}
	} else if (sqlite3_prepare_v3(st->db, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &q->stmt, NULL) != SQLITE_OK) {
		log_warnx("store %s: prepare \"%.60s\": %s", st->path, sql,
		    sqlite3_errmsg(st->db));
		free(q);
		return NULL;
	}
	if (st->n_slots == st->cap_slots) {
		st->cap_slots = st->cap_slots ? st->cap_slots * 2 : 32;
		st->slots = xrealloc(st->slots,
		    st->cap_slots * sizeof(*st->slots));
	}
	st->slots[st->n_slots++] = q;
	return q;
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql)
{
	struct store_sql *q;

	if (st->kind != STORE_SQLITE) {
		log_warnx("store %s: an SQLite-only statement on %s: "
		    "\"%.60s\"", st->path, store_sql_backend(st), sql);
		return NULL;
	}
	q = store_slot(st, sql);
	return q != NULL ? q->stmt : NULL;
}

void
store_stmt_done(sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

int
store_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT);
}

int
store_bind_opt_i64(sqlite3_stmt *stmt, int idx, int64_t v)
{
	if (v == 0)
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_int64(stmt, idx, v);
}

int
store_exec_stmt(struct store *st, sqlite3_stmt *stmt, const char *what)
{
	int rc;

	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_log_error(st, what);
		store_stmt_done(stmt);
		return -1;
	}
	store_stmt_done(stmt);
	return 0;
}

void
store_log_error(const struct store *st, const char *what)
{
	/* store_pg.c logged it when it happened. */
	if (st->kind == STORE_PG)
		return;
	/* A BUSY that never reached the handler (a WAL snapshot conflict,
	 * recovery) counts too. */
	if ((sqlite3_errcode(st->db) & 0xff) == SQLITE_BUSY)
		((struct store *)st)->busy_failures++;
	log_warnx("store %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

int
store_exec_i64(struct store *st, const char *sql, int64_t v, const char *what)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	if (q == NULL || store_sql_bind_int64(q, 1, v) != 0) {
		store_sql_done(q);
		return -1;
	}
	return store_sql_exec(q, what);
}

int
store_locator_is_pg(const char *locator)
{
	return strncmp(locator, "postgresql://", 13) == 0 ||
	    strncmp(locator, "postgres://", 11) == 0;
}

const char *
store_sql_backend(const struct store *st)
{
	return st->kind == STORE_PG ? "postgresql" : "sqlite";
}

int
store_exec_script(struct store *st, const char *sql, char *err,
    size_t errlen)
{
	char *msg = NULL;

	if (st->kind == STORE_PG)
		return store_pg_script(st, sql, err, errlen);
	/* Fixed schema text with no values: exec is appropriate. */
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg != NULL ? msg :
		    sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_in_transaction(const struct store *st)
{
	if (st->kind == STORE_PG)
		return store_pg_in_transaction(st);
	return !sqlite3_get_autocommit(st->db);
}
