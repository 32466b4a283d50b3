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
 *
 * SQL goes through store_sql.h only, in the subset SQLite and PostgreSQL
 * both run (an upsert is ON CONFLICT ... DO UPDATE).
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_sql.h"
#include "util.h"

static int due_row(struct store_sql *, struct store_due *);
static int due_exec(struct store *, const char *, int, const char *,
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
due_row(struct store_sql *q, struct store_due *d)
{
	memset(d, 0, sizeof(*d));
	d->owner = store_sql_col_strdup(q, 0);
	d->key = store_sql_col_strdup(q, 1);
	d->kind = store_sql_col_strdup(q, 2);
	d->due_at = store_sql_col_int64(q, 3);
	d->payload = store_sql_col_strdup(q, 4);
	d->attempts = store_sql_col_int(q, 5);
	d->last_error = store_sql_col_strdup(q, 6);
	return 0;
}

/* Runs sql, which has nparams parameters: ?1 = owner, ?2 = key, then
 * ?3 = v and ?4 = text.  (A backend cannot be asked how many parameters
 * a statement has, so the caller says.) */
static int
due_exec(struct store *st, const char *sql, int nparams, const char *owner,
    const char *key, int64_t v, const char *text, const char *what)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, owner);
	store_sql_bind_text(q, 2, key);
	if (nparams >= 3)
		store_sql_bind_int64(q, 3, v);
	if (nparams >= 4)
		store_sql_bind_text(q, 4, text);
	return store_sql_exec(q, what);
}

int
store_due_put(struct store *st, const char *owner, const char *key,
    const char *kind, int64_t due_at, const char *payload, int64_t now)
{
	struct store_sql *q;

	if (owner == NULL || key == NULL || kind == NULL)
		return -1;
	q = store_sql_prepare(st, due_put_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, owner);
	store_sql_bind_text(q, 2, key);
	store_sql_bind_text(q, 3, kind);
	store_sql_bind_int64(q, 4, due_at);
	store_sql_bind_text(q, 5, payload);
	store_sql_bind_int64(q, 6, now);
	return store_sql_exec(q, "due put");
}

int
store_due_get(struct store *st, const char *owner, const char *key,
    struct store_due *out)
{
	struct store_sql *q = store_sql_prepare(st, due_get_sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, owner);
	store_sql_bind_text(q, 2, key);
	rc = store_sql_step(q, "due get");
	if (rc == 1)
		due_row(q, out);
	store_sql_done(q);
	return rc;
}

int
store_due_cancel(struct store *st, const char *owner, const char *key)
{
	if (due_exec(st, due_cancel_sql, 2, owner, key, 0, NULL,
	    "due cancel") == -1)
		return -1;
	return store_sql_changes(st) > 0;
}

int
store_due_take(struct store *st, const char *owner, int64_t now, size_t max,
    struct store_due **out, size_t *n)
{
	struct store_sql *q;
	struct store_due *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	q = store_sql_prepare(st, due_take_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, owner);
	store_sql_bind_int64(q, 2, now);
	store_sql_bind_int64(q, 3, max > (size_t)INT64_MAX ? INT64_MAX :
	    (int64_t)max);
	/* Collected first: the caller rewrites these rows. */
	while ((rc = store_sql_step(q, "due take")) == 1) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		due_row(q, &v[cnt++]);
	}
	store_sql_done(q);
	if (rc != 0) {
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
	return due_exec(st, due_resched_sql, 3, owner, key, due_at, NULL,
	    "due reschedule");
}

int
store_due_fail(struct store *st, const char *owner, const char *key,
    int64_t retry_at, const char *error)
{
	return due_exec(st, due_fail_sql, 4, owner, key, retry_at, error,
	    "due fail");
}

int
store_due_count(struct store *st, const char *owner, int64_t *n)
{
	struct store_sql *q = store_sql_prepare(st, due_count_sql);
	int rc;

	*n = 0;
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, owner);
	rc = store_sql_step(q, "due count");
	if (rc == 1)
		*n = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return rc == 1 ? 0 : -1;
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
