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
#include <string.h>

#include "store.h"
#include "store_int.h" /* declares store_schema_flood only */
#include "store_sql.h"

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
/* Upserts, not INSERT OR REPLACE: every column is set from excluded, so
 * the row ends the same as a replace would leave it. */
static const char put_sql[] =
    "INSERT INTO sender_limits (phone, window_start, count,"
    " silenced_until, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (phone) DO UPDATE SET"
    " window_start = excluded.window_start, count = excluded.count,"
    " silenced_until = excluded.silenced_until,"
    " updated_at = excluded.updated_at";
static const char prune_sql[] =
    "DELETE FROM sender_limits WHERE updated_at < ?1"
    " AND silenced_until < ?1";
static const char state_get_sql[] =
    "SELECT value FROM gateway_state WHERE key = ?1";
static const char state_put_sql[] =
    "INSERT INTO gateway_state (key, value, updated_at)"
    " VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET"
    " value = excluded.value, updated_at = excluded.updated_at";

int
store_flood_get(struct store *st, const char *phone, struct store_flood *out)
{
	struct store_sql *q = store_sql_prepare(st, get_sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	rc = store_sql_step(q, "sender limit get");
	if (rc == 1) {
		out->window_start = store_sql_col_int64(q, 0);
		out->count = store_sql_col_int(q, 1);
		out->silenced_until = store_sql_col_int64(q, 2);
	}
	store_sql_done(q);
	return rc;
}

int
store_flood_put(struct store *st, const char *phone,
    const struct store_flood *f, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, put_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int64(q, 2, f->window_start);
	store_sql_bind_int(q, 3, f->count);
	store_sql_bind_int64(q, 4, f->silenced_until);
	store_sql_bind_int64(q, 5, now);
	return store_sql_exec(q, "sender limit put");
}

int
store_flood_prune(struct store *st, int64_t before)
{
	struct store_sql *q = store_sql_prepare(st, prune_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, before);
	return store_sql_exec(q, "sender limit prune");
}

int
store_state_get(struct store *st, const char *key, char **value)
{
	struct store_sql *q = store_sql_prepare(st, state_get_sql);
	int rc;

	*value = NULL;
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, key);
	rc = store_sql_step(q, "gateway state get");
	if (rc == 1)
		*value = store_sql_col_strdup(q, 0);
	store_sql_done(q);
	return rc;
}

int
store_state_put(struct store *st, const char *key, const char *value,
    int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, state_put_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, key);
	store_sql_bind_text(q, 2, value);
	store_sql_bind_int64(q, 3, now);
	return store_sql_exec(q, "gateway state put");
}
