/*
 * store_flood.c - per-sender reply limits and the gateway's own small
 * persistent settings.
 *
 * sender_limits holds one row per number that wrote recently: the start
 * of its counting window, the messages answered in it and, while it is
 * silenced, until when.  It lives in the database so that a restart in
 * the middle of a flood does not hand the flooder a fresh allowance;
 * rows are pruned once their window and silence are long over.
 *
 * gateway_state is a key/value table for settings an operator changes at
 * run time (the admin PAUSE), kept across restarts.
 */
#include <sqlite3.h>
#include <string.h>

#include "store.h"
#include "store_int.h"

const char store_schema_flood[] =
    "CREATE TABLE sender_limits ("
    "  phone TEXT PRIMARY KEY,"		/* E.164 */
    "  window_start INTEGER NOT NULL,"	/* ms */
    "  count INTEGER NOT NULL,"		/* answered in the window */
    "  silenced_until INTEGER NOT NULL DEFAULT 0," /* ms, 0 = not */
    "  updated_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX sender_limits_updated ON sender_limits(updated_at);"
    "CREATE TABLE gateway_state ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    /* Replies whose recipient is blanked once sent (store_privacy.c). */
    "CREATE TABLE outbox_forget ("
    "  in_reply_to INTEGER PRIMARY KEY"	/* inbound.id */
    ");";

static const char get_sql[] =
    "SELECT window_start, count, silenced_until FROM sender_limits"
    " WHERE phone = ?1";
static const char put_sql[] =
    "INSERT OR REPLACE INTO sender_limits (phone, window_start, count,"
    " silenced_until, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char prune_sql[] =
    "DELETE FROM sender_limits WHERE updated_at < ?1"
    " AND silenced_until < ?1";
static const char state_get_sql[] =
    "SELECT value FROM gateway_state WHERE key = ?1";
static const char state_put_sql[] =
    "INSERT OR REPLACE INTO gateway_state (key, value, updated_at)"
    " VALUES (?1, ?2, ?3)";

int
store_flood_get(struct store *st, const char *phone, struct store_flood *out)
{
	sqlite3_stmt *stmt = store_stmt(st, get_sql);
	int rc, ret = -1;

	memset(out, 0, sizeof(*out));
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->window_start = sqlite3_column_int64(stmt, 0);
		out->count = sqlite3_column_int(stmt, 1);
		out->silenced_until = sqlite3_column_int64(stmt, 2);
		ret = 1;
	} else if (rc == SQLITE_DONE)
		ret = 0;
	else
		store_log_error(st, "sender limit get");
	store_stmt_done(stmt);
	return ret;
}

int
store_flood_put(struct store *st, const char *phone,
    const struct store_flood *f, int64_t now)
{
	sqlite3_stmt *stmt = store_stmt(st, put_sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	sqlite3_bind_int64(stmt, 2, f->window_start);
	sqlite3_bind_int(stmt, 3, f->count);
	sqlite3_bind_int64(stmt, 4, f->silenced_until);
	sqlite3_bind_int64(stmt, 5, now);
	return store_exec_stmt(st, stmt, "sender limit put");
}

int
store_flood_prune(struct store *st, int64_t before)
{
	return store_exec_i64(st, prune_sql, before, "sender limit prune");
}

int
store_state_get(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *stmt = store_stmt(st, state_get_sql);
	int rc, ret = -1;

	*value = NULL;
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, key);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*value = store_col_strdup(stmt, 0);
		ret = 1;
	} else if (rc == SQLITE_DONE)
		ret = 0;
	else
		store_log_error(st, "gateway state get");
	store_stmt_done(stmt);
	return ret;
}

int
store_state_put(struct store *st, const char *key, const char *value,
    int64_t now)
{
	sqlite3_stmt *stmt = store_stmt(st, state_put_sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, key);
	store_bind_text(stmt, 2, value);
	sqlite3_bind_int64(stmt, 3, now);
	return store_exec_stmt(st, stmt, "gateway state put");
}
