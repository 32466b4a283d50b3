/*
 * store_pg.c - the PostgreSQL backend behind store_sql.h (libpq).
 *
 * One connection per struct store, like SQLite's.  Statements are sent
 * with PQexecParams, their parameters as text, typed int8 when bound as
 * integers and left for the server to infer otherwise; results come back
 * as text and are read by store_sql.c.  The rules that keep one SQL text
 * valid on both engines are in docs/scale-out.md ("Portable SQL");
 * store_pg_sql.c rewrites the few things that cannot be shared.
 *
 * Several communes share one database, each in its own schema (the
 * URL's search_path).  store_begin takes a transaction-scoped advisory
 * lock keyed on that schema, so each commune keeps SQLite's "one writer
 * at a time" (BEGIN IMMEDIATE) while communes write in parallel;
 * store_set_busy_timeout becomes lock_timeout.  Durability is the
 * server's: COMMIT returns once the WAL is flushed (synchronous_commit
 * on, PostgreSQL's default: the store never turns it off).
 *
 * A lost connection is re-established at the next store_begin or
 * autocommit statement; a transaction it interrupted fails, and its
 * caller retries as after any store error (nothing it did was
 * acknowledged).
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sql.h"
#include "util.h"

/* Parameter types: int8 for integers, 0 (inferred) for text. */
#define PG_INT8OID 20
#define PG_BYTEAOID 17

struct store_pg {
	PGconn *conn;
	char *url;		/* to reconnect */
	int in_txn;		/* between our BEGIN and COMMIT/ROLLBACK */
	int changes;		/* rows changed by the last statement */
	int64_t total_changes;
	char errmsg[512];	/* last error, one line */
};

struct store_pg_stmt {
	char *sql;		/* translated text */
	int nparams;
	char **vals;		/* owned; NULL = SQL NULL */
	unsigned int *types;	/* Oid per parameter */
	int *lens;		/* binary parameters: their length */
	int *formats;		/* 1 for a binary parameter, else 0 */
	unsigned char *blob;	/* the last column read by col_blob */
	PGresult *res;
	int row, nrows;
	int executed;
};

static void pg_notice(void *, const char *);
static void pg_error(struct store *, const PGresult *, const char *);
static int pg_ensure(struct store *);
static PGresult *pg_exec(struct store *, const char *, const char *);
static int pg_ok(const PGresult *);
static int pg_max_param(const char *);
static int pg_collation_check(PGconn *, char *, size_t);

/* Notices (CREATE ... IF NOT EXISTS that existed) are not our business. */
static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
pg_ok(const PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Keeps the error (one line) and counts a lock wait that gave up. */
static void
pg_error(struct store *st, const PGresult *res, const char *what)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res) : "";
	const char *state = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char *nl;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(st->pg->conn);
	snprintf(st->pg->errmsg, sizeof(st->pg->errmsg), "%s", msg);
	nl = strchr(st->pg->errmsg, '\n');
	if (nl != NULL)
		*nl = '\0';
	/* lock_not_available, serialization_failure, deadlock_detected:
	 * "busy, try again", as SQLITE_BUSY. */
	if (state != NULL && (strcmp(state, "55P03") == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
		st->busy_failures++;
	log_warnx("store %s: %s: %s", st->path, what, st->pg->errmsg);
}

/*
 * Outside a transaction, a broken connection is re-established (the
 * server restarted, a network blip).  Inside one it cannot be: the
 * transaction is lost and its statements fail until the caller rolls
 * back.  0 if the connection is usable.
 */
static int
pg_ensure(struct store *st)
{
	struct store_pg *pg = st->pg;

	if (PQstatus(pg->conn) == CONNECTION_OK)
		return 0;
	if (pg->in_txn)
		return -1;
	PQreset(pg->conn);
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		snprintf(pg->errmsg, sizeof(pg->errmsg), "%s",
		    PQerrorMessage(pg->conn));
		pg->errmsg[strcspn(pg->errmsg, "\n")] = '\0';
		return -1;
	}
	log_info("store %s: reconnected", st->path);
	return 0;
}

/* Runs sql (no parameters) and returns its result, or NULL (logged). */
static PGresult *
pg_exec(struct store *st, const char *sql, const char *what)
{
	PGresult *res;

	if (pg_ensure(st) == -1) {
		log_warnx("store %s: %s: no connection: %s", st->path, what,
		    st->pg->errmsg);
		return NULL;
	}
	res = PQexec(st->pg->conn, sql);
	if (!pg_ok(res)) {
		pg_error(st, res, what);
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * Text compares byte by byte, as in SQLite: a range of keys by prefix
 * (store_dedup.c) and every ORDER BY depend on it, and a language
 * collation would silently break the first.  Refused, with the fix.
 */
static int
pg_collation_check(PGconn *conn, char *err, size_t errlen)
{
	PGresult *res;
	int ok;

	res = PQexec(conn, "SELECT datcollate FROM pg_database"
	    " WHERE datname = current_database()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(err, errlen, "PostgreSQL: cannot read the database's "
		    "collation: %s", PQerrorMessage(conn));
		err[strcspn(err, "\n")] = '\0';
		PQclear(res);
		return -1;
	}
	ok = strcmp(PQgetvalue(res, 0, 0), "C") == 0 ||
	    strcmp(PQgetvalue(res, 0, 0), "POSIX") == 0;
	if (!ok)
		snprintf(err, errlen, "PostgreSQL: database %s has collation "
		    "%s; Stafeta compares text byte by byte: create it with "
		    "LC_COLLATE 'C' (docs/scale-out.md)", PQdb(conn),
		    PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok ? 0 : -1;
}

int
store_pg_open(struct store *st, const char *url, char *err, size_t errlen)
{
	struct store_pg *pg;
	PGresult *res;
	const char *path;
	char *ident;
	size_t len;

	pg = xcalloc(1, sizeof(*pg));
	st->pg = pg;
	pg->url = xstrdup(url);
	pg->conn = PQconnectdb(url);
	if (pg->conn == NULL || PQstatus(pg->conn) != CONNECTION_OK) {
		/* The URL may hold a password: never repeat it. */
		snprintf(err, errlen, "PostgreSQL: cannot connect: %s",
		    pg->conn != NULL ? PQerrorMessage(pg->conn) : "no memory");
		err[strcspn(err, "\n")] = '\0';
		return -1;
	}
	PQsetNoticeProcessor(pg->conn, pg_notice, NULL);
	res = PQexec(pg->conn, "SELECT current_setting('search_path')");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "PostgreSQL: %s",
		    PQerrorMessage(pg->conn));
		PQclear(res);
		return -1;
	}
	path = PQgetvalue(res, 0, 0);
	if (pg_collation_check(pg->conn, err, errlen) == -1) {
		PQclear(res);
		return -1;
	}
	/* For messages: database and schema, never the URL (password). */
	len = strlen(PQdb(pg->conn)) + strlen(path) + 16;
	st->path = xmalloc(len);
	snprintf(st->path, len, "postgresql:%s/%s", PQdb(pg->conn), path);
	/* The commune's schema: created on first use, so a new commune
	 * needs nothing but its line in the configuration. */
	if (strchr(path, ',') == NULL && strchr(path, '"') == NULL &&
	    strcmp(path, "public") != 0 && *path != '\0') {
		char sql[200];

		ident = PQescapeIdentifier(pg->conn, path, strlen(path));
		snprintf(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s",
		    ident != NULL ? ident : "public");
		PQfreemem(ident);
		PQclear(res);
		res = PQexec(pg->conn, sql);
		if (!pg_ok(res)) {
			snprintf(err, errlen, "%s: %s", st->path,
			    PQerrorMessage(pg->conn));
			err[strcspn(err, "\n")] = '\0';
			PQclear(res);
			return -1;
		}
	}
	PQclear(res);
	if (store_pg_set_lock_timeout(st, st->busy_ms) == -1) {
		snprintf(err, errlen, "%s: %s", st->path, pg->errmsg);
		return -1;
	}
	return 0;
}

void
store_pg_close(struct store *st)
{
	if (st->pg == NULL)
		return;
	PQfinish(st->pg->conn);
	free(st->pg->url);
	free(st->pg);
	st->pg = NULL;
}

int
store_pg_command(struct store *st, const char *sql, const char *what)
{
	PGresult *res = pg_exec(st, sql, what);
	int in_txn;

	if (res == NULL) {
		/* A failed COMMIT ends the transaction too. */
		if (strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0)
			st->pg->in_txn = 0;
		return -1;
	}
	PQclear(res);
	in_txn = PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE;
	st->pg->in_txn = in_txn;
	return 0;
}

int
store_pg_begin(struct store *st)
{
	PGresult *res;

	/* One round trip: BEGIN and the commune's write lock. */
	res = pg_exec(st, "BEGIN; SELECT pg_advisory_xact_lock("
	    "hashtext(current_schema()))", "begin");
	if (res == NULL) {
		if (PQstatus(st->pg->conn) == CONNECTION_OK &&
		    PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE) {
			PQclear(PQexec(st->pg->conn, "ROLLBACK"));
		}
		st->pg->in_txn = 0;
		return -1;
	}
	PQclear(res);
	st->pg->in_txn = 1;
	return 0;
}

int
store_pg_in_transaction(const struct store *st)
{
	return st->pg->in_txn ||
	    PQtransactionStatus(st->pg->conn) == PQTRANS_INTRANS ||
	    PQtransactionStatus(st->pg->conn) == PQTRANS_INERROR;
}

int
store_pg_set_lock_timeout(struct store *st, int ms)
{
	char sql[64];
	PGresult *res;

	/* 0 would mean "wait for ever" on PostgreSQL. */
	snprintf(sql, sizeof(sql), "SET lock_timeout = %d", ms > 0 ? ms : 1);
	res = pg_exec(st, sql, "lock timeout");
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int
store_pg_script(struct store *st, const char *sql, char *err, size_t errlen)
{
	PGresult *res;
	char *pgsql;

	pgsql = store_pg_translate(sql, 1, err, errlen);
	if (pgsql == NULL)
		return -1;
	res = PQexec(st->pg->conn, pgsql);
	free(pgsql);
	if (!pg_ok(res)) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		err[strcspn(err, "\n")] = '\0';
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

int64_t
store_pg_total_changes(const struct store *st)
{
	return st->pg->total_changes;
}

const char *
store_pg_errmsg(const struct store *st)
{
	return st->pg->errmsg;
}

/* The highest $N in a translated text: the statement's parameter count. */
static int
pg_max_param(const char *sql)
{
	int max = 0;

	for (const char *p = sql; (p = strchr(p, '$')) != NULL; p++) {
		long v = strtol(p + 1, NULL, 10);

		if (v > max && v < 1000)
			max = (int)v;
	}
	return max;
}

struct store_pg_stmt *
store_pg_stmt_new(const char *sql)
{
	struct store_pg_stmt *s;
	char err[200];
	char *t;

	t = store_pg_translate(sql, 0, err, sizeof(err));
	if (t == NULL) {
		log_warnx("store: \"%.60s\": %s", sql, err);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->sql = t;
	s->nparams = pg_max_param(t);
	if (s->nparams > 0) {
		s->vals = xcalloc((size_t)s->nparams, sizeof(*s->vals));
		s->types = xcalloc((size_t)s->nparams, sizeof(*s->types));
		s->lens = xcalloc((size_t)s->nparams, sizeof(*s->lens));
		s->formats = xcalloc((size_t)s->nparams,
		    sizeof(*s->formats));
	}
	return s;
}

void
store_pg_stmt_reset(struct store_pg_stmt *s)
{
	if (s == NULL)
		return;
	PQclear(s->res);
	s->res = NULL;
	PQfreemem(s->blob);
	s->blob = NULL;
	s->executed = 0;
	s->row = s->nrows = 0;
	for (int i = 0; i < s->nparams; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
		s->types[i] = 0;
		s->lens[i] = 0;
		s->formats[i] = 0;
	}
}

void
store_pg_stmt_free(struct store_pg_stmt *s)
{
	if (s == NULL)
		return;
	store_pg_stmt_reset(s);
	free(s->vals);
	free(s->types);
	free(s->lens);
	free(s->formats);
	free(s->sql);
	free(s);
}

int
store_pg_bind(struct store_pg_stmt *s, int idx, const char *text, int is_int)
{
	if (idx < 1 || idx > s->nparams)
		return -1;
	free(s->vals[idx - 1]);
	s->vals[idx - 1] = text != NULL ? xstrdup(text) : NULL;
	s->types[idx - 1] = is_int ? PG_INT8OID : 0;
	s->formats[idx - 1] = 0;
	return 0;
}

int
store_pg_bind_blob(struct store_pg_stmt *s, int idx, const void *p,
    size_t len)
{
	if (idx < 1 || idx > s->nparams || len > INT32_MAX)
		return -1;
	free(s->vals[idx - 1]);
	s->vals[idx - 1] = xmalloc(len > 0 ? len : 1);
	memcpy(s->vals[idx - 1], p, len);
	s->types[idx - 1] = PG_BYTEAOID;
	s->lens[idx - 1] = (int)len;
	s->formats[idx - 1] = 1;
	return 0;
}

const void *
store_pg_col_blob(struct store_pg_stmt *s, int col, size_t *len)
{
	const char *v = store_pg_col(s, col);

	*len = 0;
	PQfreemem(s->blob);
	s->blob = NULL;
	if (v == NULL)
		return NULL;
	s->blob = PQunescapeBytea((const unsigned char *)v, len);
	if (s->blob == NULL || *len == 0) {
		*len = 0;
		return NULL;
	}
	return s->blob;
}

int
store_pg_step(struct store *st, struct store_pg_stmt *s, const char *what)
{
	struct store_pg *pg = st->pg;

	if (!s->executed) {
		const char *tuples;

		if (pg_ensure(st) == -1) {
			log_warnx("store %s: %s: no connection: %s", st->path,
			    what, pg->errmsg);
			return -1;
		}
		s->res = PQexecParams(pg->conn, s->sql, s->nparams,
		    (const Oid *)s->types, (const char *const *)s->vals,
		    s->lens, s->formats, 0);
		if (!pg_ok(s->res)) {
			pg_error(st, s->res, what);
			store_pg_stmt_reset(s);
			return -1;
		}
		s->executed = 1;
		s->row = -1;
		s->nrows = PQntuples(s->res);
		tuples = PQcmdTuples(s->res);
		if (tuples != NULL && *tuples != '\0' &&
		    strncmp(PQcmdStatus(s->res), "SELECT", 6) != 0) {
			pg->changes = (int)strtol(tuples, NULL, 10);
			pg->total_changes += pg->changes;
		}
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return 1;
	}
	return 0;
}

const char *
store_pg_col(struct store_pg_stmt *s, int col)
{
	if (s->res == NULL || s->row < 0 || s->row >= s->nrows ||
	    col >= PQnfields(s->res) || PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

int
store_pg_changes(const struct store *st)
{
	return st->pg->changes;
}

int64_t
store_pg_last_id(struct store *st)
{
	PGresult *res;
	int64_t id;

	/* The identity column's sequence, as last_insert_rowid(): the last
	 * value this connection drew. */
	res = pg_exec(st, "SELECT lastval()", "last id");
	if (res == NULL)
		return 0;
	id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return id;
}
