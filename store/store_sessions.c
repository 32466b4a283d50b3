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
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"
#include "util.h"

static void session_row(sqlite3_stmt *, struct store_session *);

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
    "INSERT OR REPLACE INTO flow_sessions (phone, channel, flow, version,"
    " node, state, tries, reprompted, fields, started_at, waiting_since,"
    " updated_at, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13)";
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
    "INSERT OR REPLACE INTO flow_tombstones (phone, channel, flow, at)"
    " VALUES (?1, ?2, ?3, ?4)";
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
    "INSERT OR REPLACE INTO ussd_sessions (session_id, phone, service_code,"
    " seen_text, response, pending, pending_end, ended, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char ussd_prune_sql[] =
    "DELETE FROM ussd_sessions WHERE updated_at < ?1";
static const char ussd_delete_sql[] =
    "DELETE FROM ussd_sessions WHERE session_id = ?1";
static const char version_put_sql[] =
    "INSERT OR IGNORE INTO flow_versions (flow, version, source, stored_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char version_get_sql[] =
    "SELECT source FROM flow_versions WHERE flow = ?1 AND version = ?2";
static const char snapshot_sql[] = "VACUUM INTO ?1";
static const char version_prune_sql[] =
    "DELETE FROM flow_versions WHERE stored_at < ?1 AND NOT EXISTS"
    " (SELECT 1 FROM flow_sessions s WHERE s.flow = flow_versions.flow"
    " AND s.version = flow_versions.version)";

static void
session_row(sqlite3_stmt *stmt, struct store_session *out)
{
	const unsigned char *f;

	memset(out, 0, sizeof(*out));
	out->phone = store_col_strdup(stmt, 0);
	out->channel = sqlite3_column_int(stmt, 1);
	out->flow = store_col_strdup(stmt, 2);
	out->version = store_col_strdup(stmt, 3);
	out->node = store_col_strdup(stmt, 4);
	out->state = sqlite3_column_int(stmt, 5);
	out->tries = sqlite3_column_int(stmt, 6);
	out->reprompted = sqlite3_column_int(stmt, 7);
	f = sqlite3_column_text(stmt, 8);
	out->fields = xstrdup(f != NULL ? (const char *)f : "");
	out->started_at = sqlite3_column_int64(stmt, 9);
	out->waiting_since = sqlite3_column_int64(stmt, 10);
	out->updated_at = sqlite3_column_int64(stmt, 11);
	out->due_at = sqlite3_column_int64(stmt, 12);
}

int
store_session_get(struct store *st, const char *phone, int channel,
    struct store_session *out)
{
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	stmt = store_stmt(st, session_get_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	sqlite3_bind_int(stmt, 2, channel);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		session_row(stmt, out);
		store_stmt_done(stmt);
		return 1;
	}
	store_stmt_done(stmt);
	if (rc == SQLITE_DONE)
		return 0;
	store_log_error(st, "session get");
	return -1;
}

int
store_session_put(struct store *st, const struct store_session *s)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, session_put_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, s->phone);
	sqlite3_bind_int(stmt, 2, s->channel);
	store_bind_text(stmt, 3, s->flow);
	store_bind_text(stmt, 4, s->version != NULL ? s->version : "");
	store_bind_text(stmt, 5, s->node);
	sqlite3_bind_int(stmt, 6, s->state);
	sqlite3_bind_int(stmt, 7, s->tries);
	sqlite3_bind_int(stmt, 8, s->reprompted);
	store_bind_text(stmt, 9, s->fields != NULL ? s->fields : "");
	sqlite3_bind_int64(stmt, 10, s->started_at);
	sqlite3_bind_int64(stmt, 11, s->waiting_since);
	sqlite3_bind_int64(stmt, 12, s->updated_at);
	sqlite3_bind_int64(stmt, 13, s->due_at);
	return store_exec_stmt(st, stmt, "session put");
}

int
store_session_delete(struct store *st, const char *phone, int channel)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, session_delete_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	sqlite3_bind_int(stmt, 2, channel);
	return store_exec_stmt(st, stmt, "session delete");
}

int
store_session_due(struct store *st, int64_t now, size_t max,
    struct store_session **out, size_t *n)
{
	sqlite3_stmt *stmt;
	struct store_session *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	stmt = store_stmt(st, session_due_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)max);
	/* Collected first: the caller rewrites these rows, which must not
	 * happen under a running SELECT of the same table. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		session_row(stmt, &v[cnt++]);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		store_log_error(st, "session due");
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
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, session_uses_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, flow);
	store_bind_text(stmt, 2, version);
	rc = sqlite3_step(stmt);
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_log_error(st, "session uses");
	return -1;
}

int
store_session_count(struct store *st, int64_t *n)
{
	sqlite3_stmt *stmt;
	int rc;

	*n = 0;
	stmt = store_stmt(st, session_count_sql);
	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(stmt, 0);
	store_stmt_done(stmt);
	if (rc != SQLITE_ROW) {
		store_log_error(st, "session count");
		return -1;
	}
	return 0;
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
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, tomb_put_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	sqlite3_bind_int(stmt, 2, channel);
	store_bind_text(stmt, 3, flow);
	sqlite3_bind_int64(stmt, 4, at);
	return store_exec_stmt(st, stmt, "tombstone put");
}

int
store_tombstone_take(struct store *st, const char *phone, int channel,
    int64_t since, char **flow)
{
	sqlite3_stmt *stmt;
	int rc;

	*flow = NULL;
	stmt = store_stmt(st, tomb_get_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	sqlite3_bind_int(stmt, 2, channel);
	sqlite3_bind_int64(stmt, 3, since);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*flow = store_col_strdup(stmt, 0);
	store_stmt_done(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_log_error(st, "tombstone get");
		return -1;
	}
	if (rc == SQLITE_DONE)
		return 0;
	/* Explained once: the next text from this contact is new business. */
	stmt = store_stmt(st, tomb_delete_sql);
	if (stmt == NULL)
		goto fail;
	store_bind_text(stmt, 1, phone);
	sqlite3_bind_int(stmt, 2, channel);
	if (store_exec_stmt(st, stmt, "tombstone delete") == -1)
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
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	stmt = store_stmt(st, ussd_get_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, session_id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->session_id = store_col_strdup(stmt, 0);
		out->phone = store_col_strdup(stmt, 1);
		out->service_code = store_col_strdup(stmt, 2);
		out->seen_text = store_col_strdup(stmt, 3);
		out->response = store_col_strdup(stmt, 4);
		out->pending = store_col_strdup(stmt, 5);
		out->pending_end = sqlite3_column_int(stmt, 6);
		out->ended = sqlite3_column_int(stmt, 7);
		out->updated_at = sqlite3_column_int64(stmt, 8);
	}
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_log_error(st, "ussd get");
	return -1;
}

int
store_ussd_put(struct store *st, const struct store_ussd *u)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, ussd_put_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, u->session_id);
	store_bind_text(stmt, 2, u->phone);
	store_bind_text(stmt, 3, u->service_code != NULL ? u->service_code :
	    "");
	store_bind_text(stmt, 4, u->seen_text != NULL ? u->seen_text : "");
	store_bind_text(stmt, 5, u->response != NULL ? u->response : "");
	store_bind_text(stmt, 6, u->pending);
	sqlite3_bind_int(stmt, 7, u->pending_end);
	sqlite3_bind_int(stmt, 8, u->ended);
	sqlite3_bind_int64(stmt, 9, u->updated_at);
	return store_exec_stmt(st, stmt, "ussd put");
}

int
store_ussd_prune(struct store *st, int64_t before)
{
	return store_exec_i64(st, ussd_prune_sql, before, "ussd prune");
}

int
store_ussd_delete(struct store *st, const char *session_id)
{
	sqlite3_stmt *stmt = store_stmt(st, ussd_delete_sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, session_id);
	return store_exec_stmt(st, stmt, "ussd delete");
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
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, version_put_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, flow);
	store_bind_text(stmt, 2, version);
	sqlite3_bind_blob(stmt, 3, len > 0 ? source : "", (int)len,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 4, now);
	return store_exec_stmt(st, stmt, "flow version put");
}

int
store_flow_version_get(struct store *st, const char *flow,
    const char *version, char **source, size_t *len)
{
	sqlite3_stmt *stmt;
	const void *p;
	int rc, n;

	*source = NULL;
	*len = 0;
	stmt = store_stmt(st, version_get_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, flow);
	store_bind_text(stmt, 2, version);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		p = sqlite3_column_blob(stmt, 0);
		n = sqlite3_column_bytes(stmt, 0);
		*source = xmalloc((size_t)n + 1);
		if (n > 0)
			memcpy(*source, p, (size_t)n);
		(*source)[n] = '\0';
		*len = (size_t)n;
	}
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_log_error(st, "flow version get");
	return -1;
}

int
store_flow_version_prune(struct store *st, int64_t before)
{
	return store_exec_i64(st, version_prune_sql, before, "flow version prune");
}

int
store_session_snapshot(struct store *st, const char *path)
{
	sqlite3_stmt *stmt;

	/* VACUUM INTO copies a consistent snapshot, WAL content included,
	 * which copying the file would not. */
	stmt = store_stmt(st, snapshot_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, path);
	return store_exec_stmt(st, stmt, "snapshot");
}
