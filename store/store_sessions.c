/*
 * store_sessions.c - the flow engine's durable state: one dialogue session
 * per contact and channel, tombstones of recently expired sessions (so a
 * late answer is explained, not misread), the last exchange of each USSD
 * aggregator session (so a retried request is answered identically), and
 * the bytes of flow versions that sessions still run on.
 *
 * Rows are written inside the caller's transaction, like every store
 * function: the gateway advances a session and queues its reply in the
 * same commit.
 *
 * SQL goes through store_sql.h only, in the subset SQLite and PostgreSQL
 * both run: a replace is ON CONFLICT (key) DO UPDATE of every other
 * column (these tables have no other unique key, trigger or reference,
 * so it writes what INSERT OR REPLACE wrote), an insert-if-absent is ON
 * CONFLICT DO NOTHING, and flow sources are bytes (BLOB / BYTEA).  The
 * one exception is the simulator's snapshot (VACUUM INTO, SQLite only).
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"
#include "store_sql.h"
#include "util.h"

static void session_row(struct store_sql *, struct store_session *);

const char store_schema_sessions[] =
    "CREATE TABLE flow_sessions ("
    "  phone TEXT NOT NULL,"
    "  channel INTEGER NOT NULL,"	/* enum flow_channel */
    "  flow TEXT NOT NULL,"
    "  version TEXT NOT NULL,"		/* hash of the flow file */
    "  node TEXT NOT NULL,"		/* current step */
    "  state INTEGER NOT NULL,"
    "  tries INTEGER NOT NULL DEFAULT 0,"
    "  reprompted INTEGER NOT NULL DEFAULT 0,"
    "  fields TEXT NOT NULL DEFAULT '',"	/* key=value lines */
    "  started_at INTEGER NOT NULL,"
    "  waiting_since INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  due_at INTEGER NOT NULL DEFAULT 0,"	/* 0: nothing scheduled */
    "  PRIMARY KEY (phone, channel)"
    ") WITHOUT ROWID;"
    /* Serves the tick: sessions whose re-prompt or expiry is due. */
    "CREATE INDEX flow_sessions_due ON flow_sessions(due_at)"
    "  WHERE due_at > 0;"
    "CREATE INDEX flow_sessions_version ON flow_sessions(flow, version);"
    "CREATE TABLE flow_tombstones ("
    "  phone TEXT NOT NULL,"
    "  channel INTEGER NOT NULL,"
    "  flow TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (phone, channel)"
    ") WITHOUT ROWID;"
    "CREATE INDEX flow_tombstones_at ON flow_tombstones(at);"
    "CREATE TABLE ussd_sessions ("
    "  session_id TEXT PRIMARY KEY,"
    "  phone TEXT NOT NULL,"
    "  service_code TEXT NOT NULL DEFAULT '',"
    "  seen_text TEXT NOT NULL DEFAULT '',"
    "  response TEXT NOT NULL DEFAULT '',"
    "  pending TEXT,"
    "  pending_end INTEGER NOT NULL DEFAULT 0,"
    "  ended INTEGER NOT NULL DEFAULT 0,"
    "  updated_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX ussd_sessions_updated ON ussd_sessions(updated_at);"
    "CREATE TABLE flow_versions ("
    "  flow TEXT NOT NULL,"
    "  version TEXT NOT NULL,"
    "  source BLOB NOT NULL,"
    "  stored_at INTEGER NOT NULL,"
    "  PRIMARY KEY (flow, version)"
    ") WITHOUT ROWID;";

static const char session_get_sql[] =
    "SELECT phone, channel, flow, version, node, state, tries, reprompted,"
    " fields, started_at, waiting_since, updated_at, due_at"
    " FROM flow_sessions WHERE phone = ?1 AND channel = ?2";
static const char session_put_sql[] =
    "INSERT INTO flow_sessions (phone, channel, flow, version,"
    " node, state, tries, reprompted, fields, started_at, waiting_since,"
    " updated_at, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13)"
    " ON CONFLICT (phone, channel) DO UPDATE SET flow = excluded.flow,"
    " version = excluded.version, node = excluded.node,"
    " state = excluded.state, tries = excluded.tries,"
    " reprompted = excluded.reprompted, fields = excluded.fields,"
    " started_at = excluded.started_at,"
    " waiting_since = excluded.waiting_since,"
    " updated_at = excluded.updated_at, due_at = excluded.due_at";
static const char session_delete_sql[] =
    "DELETE FROM flow_sessions WHERE phone = ?1 AND channel = ?2";
static const char session_due_sql[] =
    "SELECT phone, channel, flow, version, node, state, tries, reprompted,"
    " fields, started_at, waiting_since, updated_at, due_at"
    " FROM flow_sessions WHERE due_at > 0 AND due_at <= ?1"
    " ORDER BY due_at LIMIT ?2";
static const char session_uses_sql[] =
    "SELECT 1 FROM flow_sessions WHERE flow = ?1 AND version = ?2 LIMIT 1";
static const char session_count_sql[] = "SELECT count(*) FROM flow_sessions";
static const char tomb_put_sql[] =
    "INSERT INTO flow_tombstones (phone, channel, flow, at)"
    " VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (phone, channel) DO UPDATE SET flow = excluded.flow,"
    " at = excluded.at";
static const char tomb_get_sql[] =
    "SELECT flow FROM flow_tombstones WHERE phone = ?1 AND channel = ?2"
    " AND at > ?3";
static const char tomb_delete_sql[] =
    "DELETE FROM flow_tombstones WHERE phone = ?1 AND channel = ?2";
static const char tomb_prune_sql[] =
    "DELETE FROM flow_tombstones WHERE at < ?1";
static const char ussd_get_sql[] =
    "SELECT session_id, phone, service_code, seen_text, response, pending,"
    " pending_end, ended, updated_at FROM ussd_sessions"
    " WHERE session_id = ?1";
static const char ussd_put_sql[] =
    "INSERT INTO ussd_sessions (session_id, phone, service_code,"
    " seen_text, response, pending, pending_end, ended, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (session_id) DO UPDATE SET phone = excluded.phone,"
    " service_code = excluded.service_code,"
    " seen_text = excluded.seen_text, response = excluded.response,"
    " pending = excluded.pending, pending_end = excluded.pending_end,"
    " ended = excluded.ended, updated_at = excluded.updated_at";
static const char ussd_prune_sql[] =
    "DELETE FROM ussd_sessions WHERE updated_at < ?1";
static const char ussd_delete_sql[] =
    "DELETE FROM ussd_sessions WHERE session_id = ?1";
static const char version_put_sql[] =
    "INSERT INTO flow_versions (flow, version, source, stored_at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";
static const char version_get_sql[] =
    "SELECT source FROM flow_versions WHERE flow = ?1 AND version = ?2";
/* SQLite only (the simulator's scratch copy): no PostgreSQL equivalent. */
static const char snapshot_sql[] = "VACUUM INTO ?1";
static const char version_prune_sql[] =
    "DELETE FROM flow_versions WHERE stored_at < ?1 AND NOT EXISTS"
    " (SELECT 1 FROM flow_sessions s WHERE s.flow = flow_versions.flow"
    " AND s.version = flow_versions.version)";

static void
session_row(struct store_sql *q, struct store_session *out)
{
	const char *f;

	memset(out, 0, sizeof(*out));
	out->phone = store_sql_col_strdup(q, 0);
	out->channel = store_sql_col_int(q, 1);
	out->flow = store_sql_col_strdup(q, 2);
	out->version = store_sql_col_strdup(q, 3);
	out->node = store_sql_col_strdup(q, 4);
	out->state = store_sql_col_int(q, 5);
	out->tries = store_sql_col_int(q, 6);
	out->reprompted = store_sql_col_int(q, 7);
	f = store_sql_col_text(q, 8);
	out->fields = xstrdup(f != NULL ? f : "");
	out->started_at = store_sql_col_int64(q, 9);
	out->waiting_since = store_sql_col_int64(q, 10);
	out->updated_at = store_sql_col_int64(q, 11);
	out->due_at = store_sql_col_int64(q, 12);
}

int
store_session_get(struct store *st, const char *phone, int channel,
    struct store_session *out)
{
	struct store_sql *q;
	int rc;

	memset(out, 0, sizeof(*out));
	q = store_sql_prepare(st, session_get_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int(q, 2, channel);
	rc = store_sql_step(q, "session get");
	if (rc == 1)
		session_row(q, out);
	store_sql_done(q);
	return rc;
}

int
store_session_put(struct store *st, const struct store_session *s)
{
	struct store_sql *q;

	q = store_sql_prepare(st, session_put_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, s->phone);
	store_sql_bind_int(q, 2, s->channel);
	store_sql_bind_text(q, 3, s->flow);
	store_sql_bind_text(q, 4, s->version != NULL ? s->version : "");
	store_sql_bind_text(q, 5, s->node);
	store_sql_bind_int(q, 6, s->state);
	store_sql_bind_int(q, 7, s->tries);
	store_sql_bind_int(q, 8, s->reprompted);
	store_sql_bind_text(q, 9, s->fields != NULL ? s->fields : "");
	store_sql_bind_int64(q, 10, s->started_at);
	store_sql_bind_int64(q, 11, s->waiting_since);
	store_sql_bind_int64(q, 12, s->updated_at);
	store_sql_bind_int64(q, 13, s->due_at);
	return store_sql_exec(q, "session put");
}

int
store_session_delete(struct store *st, const char *phone, int channel)
{
	struct store_sql *q;

	q = store_sql_prepare(st, session_delete_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int(q, 2, channel);
	return store_sql_exec(q, "session delete");
}

int
store_session_due(struct store *st, int64_t now, size_t max,
    struct store_session **out, size_t *n)
{
	struct store_sql *q;
	struct store_session *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	q = store_sql_prepare(st, session_due_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, now);
	store_sql_bind_int64(q, 2, max > (size_t)INT64_MAX ? INT64_MAX :
	    (int64_t)max);
	/* Collected first: the caller rewrites these rows, which must not
	 * happen under a running SELECT of the same table. */
	while ((rc = store_sql_step(q, "session due")) == 1) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		session_row(q, &v[cnt++]);
	}
	store_sql_done(q);
	if (rc != 0) {
		for (size_t i = 0; i < cnt; i++)
			store_session_clear(&v[i]);
		free(v);
		return -1;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int
store_session_uses(struct store *st, const char *flow, const char *version)
{
	struct store_sql *q;
	int rc;

	q = store_sql_prepare(st, session_uses_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, flow);
	store_sql_bind_text(q, 2, version);
	rc = store_sql_step(q, "session uses");
	store_sql_done(q);
	return rc;
}

int
store_session_count(struct store *st, int64_t *n)
{
	struct store_sql *q;
	int rc;

	*n = 0;
	q = store_sql_prepare(st, session_count_sql);
	if (q == NULL)
		return -1;
	rc = store_sql_step(q, "session count");
	if (rc == 1)
		*n = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return rc == 1 ? 0 : -1;
}

void
store_session_clear(struct store_session *s)
{
	if (s == NULL)
		return;
	free(s->phone);
	free(s->flow);
	free(s->version);
	free(s->node);
	free(s->fields);
	memset(s, 0, sizeof(*s));
}

int
store_tombstone_put(struct store *st, const char *phone, int channel,
    const char *flow, int64_t at)
{
	struct store_sql *q;

	q = store_sql_prepare(st, tomb_put_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int(q, 2, channel);
	store_sql_bind_text(q, 3, flow);
	store_sql_bind_int64(q, 4, at);
	return store_sql_exec(q, "tombstone put");
}

int
store_tombstone_take(struct store *st, const char *phone, int channel,
    int64_t since, char **flow)
{
	struct store_sql *q;
	int rc;

	*flow = NULL;
	q = store_sql_prepare(st, tomb_get_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int(q, 2, channel);
	store_sql_bind_int64(q, 3, since);
	rc = store_sql_step(q, "tombstone get");
	if (rc == 1)
		*flow = store_sql_col_strdup(q, 0);
	store_sql_done(q);
	if (rc != 1)
		return rc;
	/* Explained once: the next text from this contact is new business. */
	q = store_sql_prepare(st, tomb_delete_sql);
	if (q == NULL)
		goto fail;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int(q, 2, channel);
	if (store_sql_exec(q, "tombstone delete") == -1)
		goto fail;
	return 1;
fail:
	free(*flow);
	*flow = NULL;
	return -1;
}

int
store_tombstone_prune(struct store *st, int64_t before)
{
	return store_exec_i64(st, tomb_prune_sql, before, "tombstone prune");
}

int
store_ussd_get(struct store *st, const char *session_id,
    struct store_ussd *out)
{
	struct store_sql *q;
	int rc;

	memset(out, 0, sizeof(*out));
	q = store_sql_prepare(st, ussd_get_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, session_id);
	rc = store_sql_step(q, "ussd get");
	if (rc == 1) {
		out->session_id = store_sql_col_strdup(q, 0);
		out->phone = store_sql_col_strdup(q, 1);
		out->service_code = store_sql_col_strdup(q, 2);
		out->seen_text = store_sql_col_strdup(q, 3);
		out->response = store_sql_col_strdup(q, 4);
		out->pending = store_sql_col_strdup(q, 5);
		out->pending_end = store_sql_col_int(q, 6);
		out->ended = store_sql_col_int(q, 7);
		out->updated_at = store_sql_col_int64(q, 8);
	}
	store_sql_done(q);
	return rc;
}

int
store_ussd_put(struct store *st, const struct store_ussd *u)
{
	struct store_sql *q;

	q = store_sql_prepare(st, ussd_put_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, u->session_id);
	store_sql_bind_text(q, 2, u->phone);
	store_sql_bind_text(q, 3, u->service_code != NULL ? u->service_code :
	    "");
	store_sql_bind_text(q, 4, u->seen_text != NULL ? u->seen_text : "");
	store_sql_bind_text(q, 5, u->response != NULL ? u->response : "");
	store_sql_bind_text(q, 6, u->pending);
	store_sql_bind_int(q, 7, u->pending_end);
	store_sql_bind_int(q, 8, u->ended);
	store_sql_bind_int64(q, 9, u->updated_at);
	return store_sql_exec(q, "ussd put");
}

int
store_ussd_prune(struct store *st, int64_t before)
{
	return store_exec_i64(st, ussd_prune_sql, before, "ussd prune");
}

int
store_ussd_delete(struct store *st, const char *session_id)
{
	struct store_sql *q = store_sql_prepare(st, ussd_delete_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, session_id);
	return store_sql_exec(q, "ussd delete");
}

void
store_ussd_clear(struct store_ussd *u)
{
	if (u == NULL)
		return;
	free(u->session_id);
	free(u->phone);
	free(u->service_code);
	free(u->seen_text);
	free(u->response);
	free(u->pending);
	memset(u, 0, sizeof(*u));
}

int
store_flow_version_put(struct store *st, const char *flow,
    const char *version, const char *source, size_t len, int64_t now)
{
	struct store_sql *q;

	q = store_sql_prepare(st, version_put_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, flow);
	store_sql_bind_text(q, 2, version);
	store_sql_bind_blob(q, 3, source, len);
	store_sql_bind_int64(q, 4, now);
	return store_sql_exec(q, "flow version put");
}

int
store_flow_version_get(struct store *st, const char *flow,
    const char *version, char **source, size_t *len)
{
	struct store_sql *q;
	const void *p;
	size_t n;
	int rc;

	*source = NULL;
	*len = 0;
	q = store_sql_prepare(st, version_get_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, flow);
	store_sql_bind_text(q, 2, version);
	rc = store_sql_step(q, "flow version get");
	if (rc == 1) {
		p = store_sql_col_blob(q, 0, &n);
		*source = xmalloc(n + 1);
		if (n > 0)
			memcpy(*source, p, n);
		(*source)[n] = '\0';
		*len = n;
	}
	store_sql_done(q);
	return rc;
}

int
store_flow_version_prune(struct store *st, int64_t before)
{
	return store_exec_i64(st, version_prune_sql, before, "flow version prune");
}

int
store_session_snapshot(struct store *st, const char *path)
{
	struct store_sql *q;

	/* VACUUM INTO copies a consistent snapshot, WAL content included,
	 * which copying the file would not. */
	q = store_sql_prepare(st, snapshot_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, path);
	return store_sql_exec(q, "snapshot");
}
