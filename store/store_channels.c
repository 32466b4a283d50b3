/*
 * store_channels.c - one row per outbound channel (a modem today): state,
 * health, credit and the
 * parts sent today (for the daily cap).  The daemon writes these rows;
 * `stafeta status` reads them.  A channel's row is created by the first
 * write that names it.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"
#include "util.h"

#define MS_PER_DAY (86400 * 1000LL)

/*
 * last_seen moves only on evidence that the worker is talking to the
 * channel: an "up" state, a health snapshot, a balance, a send.
 */
static const char set_state_sql[] =
    "INSERT INTO channels (name, state, error, last_seen, updated_at)"
    " VALUES (?1, coalesce(?2, 'unknown'), nullif(?3, ''),"
    "  CASE WHEN ?2 = 'up' THEN ?4 ELSE 0 END, ?4)"
    " ON CONFLICT (name) DO UPDATE SET"
    "  state = coalesce(?2, state),"
    "  error = CASE WHEN ?3 IS NULL THEN error ELSE nullif(?3, '') END,"
    "  last_seen = CASE WHEN ?2 = 'up' THEN ?4 ELSE last_seen END,"
    "  updated_at = ?4";
static const char set_health_sql[] =
    "INSERT INTO channels (name, signal_percent, network, last_seen,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?4)"
    " ON CONFLICT (name) DO UPDATE SET signal_percent = ?2,"
    "  network = coalesce(?3, network), last_seen = ?4, updated_at = ?4";
static const char set_balance_sql[] =
    "INSERT INTO channels (name, balance, balance_at, last_seen, updated_at)"
    " VALUES (?1, ?2, ?3, ?3, ?3)"
    " ON CONFLICT (name) DO UPDATE SET balance = ?2, balance_at = ?3,"
    "  last_seen = ?3, updated_at = ?3";
static const char count_sent_sql[] =
    "INSERT INTO channels (name, sent_today, day, last_seen, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?4)"
    " ON CONFLICT (name) DO UPDATE SET"
    "  sent_today = CASE WHEN day = ?3 THEN sent_today + ?2 ELSE ?2 END,"
    "  day = ?3, last_seen = ?4, updated_at = ?4"
    " RETURNING sent_today";
static const char list_sql[] =
    "SELECT name, state, signal_percent, network, last_seen, balance,"
    " balance_at, sent_today, day, error, kind FROM channels ORDER BY name";

int
store_channel_set_state(struct store *st, const char *name, const char *state,
    const char *error, int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, set_state_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, name);
	store_bind_text(stmt, 2, state);
	store_bind_text(stmt, 3, error);
	sqlite3_bind_int64(stmt, 4, now);
	return store_exec_stmt(st, stmt, "channel set state");
}

int
store_channel_set_health(struct store *st, const char *name,
    int signal_percent, const char *network, int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, set_health_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, name);
	sqlite3_bind_int(stmt, 2, signal_percent);
	store_bind_text(stmt, 3, network);
	sqlite3_bind_int64(stmt, 4, now);
	return store_exec_stmt(st, stmt, "channel set health");
}

int
store_channel_set_balance(struct store *st, const char *name, double balance,
    int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, set_balance_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, name);
	if (isnan(balance))
		sqlite3_bind_null(stmt, 2);
	else
		sqlite3_bind_double(stmt, 2, balance);
	sqlite3_bind_int64(stmt, 3, now);
	return store_exec_stmt(st, stmt, "channel set balance");
}

int
store_channel_count_sent(struct store *st, const char *name, int parts,
    int64_t now, int *today)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, count_sent_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, name);
	sqlite3_bind_int(stmt, 2, parts);
	/* Floor division: the UTC day number, as the daily cap counts. */
	sqlite3_bind_int64(stmt, 3, now >= 0 ? now / MS_PER_DAY :
	    (now - MS_PER_DAY + 1) / MS_PER_DAY);
	sqlite3_bind_int64(stmt, 4, now);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (today != NULL)
			*today = sqlite3_column_int(stmt, 0);
		rc = sqlite3_step(stmt);
	}
	if (rc != SQLITE_DONE) {
		store_log_error(st, "channel count sent");
		store_stmt_done(stmt);
		return -1;
	}
	store_stmt_done(stmt);
	return 0;
}

struct store_channel_walk {
	store_channel_cb *cb;
	void *arg;
};

static int
channel_walk_row(sqlite3_stmt *stmt, void *p)
{
	struct store_channel_walk *w = p;
	struct store_channel_row row;
	int stop;

	memset(&row, 0, sizeof(row));
	row.name = store_col_strdup(stmt, 0);
	row.state = store_col_strdup(stmt, 1);
	row.signal_percent = sqlite3_column_int(stmt, 2);
	row.network = store_col_strdup(stmt, 3);
	row.last_seen = sqlite3_column_int64(stmt, 4);
	if (sqlite3_column_type(stmt, 5) == SQLITE_NULL)
		row.balance = NAN;
	else
		row.balance = sqlite3_column_double(stmt, 5);
	row.balance_at = sqlite3_column_int64(stmt, 6);
	row.sent_today = sqlite3_column_int(stmt, 7);
	row.day = sqlite3_column_int64(stmt, 8);
	row.error = store_col_strdup(stmt, 9);
	row.kind = store_col_strdup(stmt, 10);
	stop = w->cb(&row, w->arg);
	store_channel_row_clear(&row);
	return stop;
}

int
store_channel_list(struct store *st, store_channel_cb *cb, void *arg)
{
	struct store_channel_walk w = { cb, arg };
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, list_sql);
	if (stmt == NULL)
		return -1;
	return store_walk(st, stmt, channel_walk_row, &w, "channel list");
}

void
store_channel_row_clear(struct store_channel_row *row)
{
	if (row == NULL)
		return;
	free(row->name);
	free(row->state);
	free(row->network);
	free(row->error);
	free(row->kind);
	memset(row, 0, sizeof(*row));
}
