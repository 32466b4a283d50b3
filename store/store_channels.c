/*
 * store_channels.c - one row per outbound channel (a modem today): state,
 * health, credit and the
 * parts sent today (for the daily cap).  The daemon writes these rows;
 * `stafeta status` reads them.  A channel's row is created by the first
 * write that names it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_sql.h"
#include "util.h"

#define MS_PER_DAY (86400 * 1000LL)

/*
 * last_seen moves only on evidence that the worker is talking to the
 * channel: an "up" state, a health snapshot, a balance, a send.
 *
 * Portable upserts: the old row's columns are qualified with the table
 * name (PostgreSQL finds a bare name ambiguous beside excluded's), and a
 * parameter whose type PostgreSQL cannot infer (in coalesce, nullif, a
 * CASE beside a literal) is cast; times as BIGINT, which SQLite reads as
 * INTEGER and PostgreSQL as int8 (INTEGER would be int4 there).
 */
static const char set_state_sql[] =
    "INSERT INTO channels (name, state, error, last_seen, updated_at)"
    " VALUES (?1, coalesce(CAST(?2 AS TEXT), 'unknown'),"
    "  nullif(CAST(?3 AS TEXT), ''),"
    "  CASE WHEN ?2 = 'up' THEN CAST(?4 AS BIGINT) ELSE 0 END, ?4)"
    " ON CONFLICT (name) DO UPDATE SET"
    "  state = coalesce(?2, channels.state),"
    "  error = CASE WHEN ?3 IS NULL THEN channels.error"
    "   ELSE nullif(?3, '') END,"
    "  last_seen = CASE WHEN ?2 = 'up' THEN ?4 ELSE channels.last_seen END,"
    "  updated_at = ?4";
static const char set_health_sql[] =
    "INSERT INTO channels (name, signal_percent, network, last_seen,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?4)"
    " ON CONFLICT (name) DO UPDATE SET signal_percent = ?2,"
    "  network = coalesce(?3, channels.network), last_seen = ?4,"
    "  updated_at = ?4";
static const char set_balance_sql[] =
    "INSERT INTO channels (name, balance, balance_at, last_seen, updated_at)"
    " VALUES (?1, ?2, ?3, ?3, ?3)"
    " ON CONFLICT (name) DO UPDATE SET balance = ?2, balance_at = ?3,"
    "  last_seen = ?3, updated_at = ?3";
static const char count_sent_sql[] =
    "INSERT INTO channels (name, sent_today, day, last_seen, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?4)"
    " ON CONFLICT (name) DO UPDATE SET"
    "  sent_today = CASE WHEN channels.day = ?3"
    "   THEN channels.sent_today + ?2 ELSE ?2 END,"
    "  day = ?3, last_seen = ?4, updated_at = ?4"
    " RETURNING sent_today";
static const char list_sql[] =
    "SELECT name, state, signal_percent, network, last_seen, balance,"
    " balance_at, sent_today, day, error, kind FROM channels ORDER BY name";

int
store_channel_set_state(struct store *st, const char *name, const char *state,
    const char *error, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, set_state_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, name);
	store_sql_bind_text(q, 2, state);
	store_sql_bind_text(q, 3, error);
	store_sql_bind_int64(q, 4, now);
	return store_sql_exec(q, "channel set state");
}

int
store_channel_set_health(struct store *st, const char *name,
    int signal_percent, const char *network, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, set_health_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, name);
	store_sql_bind_int(q, 2, signal_percent);
	store_sql_bind_text(q, 3, network);
	store_sql_bind_int64(q, 4, now);
	return store_sql_exec(q, "channel set health");
}

int
store_channel_set_balance(struct store *st, const char *name, double balance,
    int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, set_balance_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, name);
	if (isnan(balance))
		store_sql_bind_null(q, 2);
	else
		store_sql_bind_double(q, 2, balance);
	store_sql_bind_int64(q, 3, now);
	return store_sql_exec(q, "channel set balance");
}

int
store_channel_count_sent(struct store *st, const char *name, int parts,
    int64_t now, int *today)
{
	struct store_sql *q = store_sql_prepare(st, count_sent_sql);
	int rc;

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, name);
	store_sql_bind_int(q, 2, parts);
	/* Floor division: the UTC day number, as the daily cap counts. */
	store_sql_bind_int64(q, 3, now >= 0 ? now / MS_PER_DAY :
	    (now - MS_PER_DAY + 1) / MS_PER_DAY);
	store_sql_bind_int64(q, 4, now);
	rc = store_sql_step(q, "channel count sent");
	if (rc == 1) {
		if (today != NULL)
			*today = store_sql_col_int(q, 0);
		/* The upsert completes at the end of its rows. */
		rc = store_sql_step(q, "channel count sent");
	}
	store_sql_done(q);
	return rc == 0 ? 0 : -1;
}

struct store_channel_walk {
	store_channel_cb *cb;
	void *arg;
};

static int
channel_walk_row(struct store_sql *q, void *p)
{
	struct store_channel_walk *w = p;
	struct store_channel_row row;
	int stop;

	memset(&row, 0, sizeof(row));
	row.name = store_sql_col_strdup(q, 0);
	row.state = store_sql_col_strdup(q, 1);
	row.signal_percent = store_sql_col_int(q, 2);
	row.network = store_sql_col_strdup(q, 3);
	row.last_seen = store_sql_col_int64(q, 4);
	if (store_sql_col_is_null(q, 5))
		row.balance = NAN;
	else
		row.balance = store_sql_col_double(q, 5);
	row.balance_at = store_sql_col_int64(q, 6);
	row.sent_today = store_sql_col_int(q, 7);
	row.day = store_sql_col_int64(q, 8);
	row.error = store_sql_col_strdup(q, 9);
	row.kind = store_sql_col_strdup(q, 10);
	stop = w->cb(&row, w->arg);
	store_channel_row_clear(&row);
	return stop;
}

int
store_channel_list(struct store *st, store_channel_cb *cb, void *arg)
{
	struct store_channel_walk w = { cb, arg };
	struct store_sql *q = store_sql_prepare(st, list_sql);

	if (q == NULL)
		return -1;
	return store_sql_walk(q, channel_walk_row, &w, "channel list");
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
