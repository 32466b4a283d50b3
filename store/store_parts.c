/*
 * store_parts.c - parts of concatenated SMS waiting for their siblings.
 *
 * Each physical part is a row keyed on (modem, sender, bits, ref, total,
 * seq), so two senders using the same reference never mix (unlike
 * GSM_LinkSMS in libgammu 1.42) and 8- and 16-bit references with the same
 * number stay apart.  The rows are written in the caller's transaction
 * together with the part's dedup claim, so the state survives a restart
 * and the part can be deleted from the SIM at once.  Assembly and timeout
 * policy live in gateway/gw_reasm.c.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"
#include "util.h"

static int parts_bind_key(sqlite3_stmt *, const struct store_part_key *);

const char store_schema_parts[] =
    "CREATE TABLE sms_parts ("
    "  modem TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  bits INTEGER NOT NULL,"		/* 8 or 16: reference width */
    "  ref INTEGER NOT NULL,"
    "  total INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"		/* 1-based */
    "  text TEXT NOT NULL,"		/* UTF-8 of this part */
    "  received_at INTEGER NOT NULL,"	/* unix ms */
    "  PRIMARY KEY (modem, sender, bits, ref, total, seq)"
    ") WITHOUT ROWID;";

/* The group key is always bound as ?1..?5, in this order. */
static const char add_sql[] =
    "INSERT OR IGNORE INTO sms_parts (modem, sender, bits, ref, total, seq,"
    " text, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char count_sql[] =
    "SELECT count(*) FROM sms_parts"
    " WHERE modem = ?1 AND sender = ?2 AND bits = ?3 AND ref = ?4"
    " AND total = ?5";
static const char get_sql[] =
    "SELECT seq, text FROM sms_parts"
    " WHERE modem = ?1 AND sender = ?2 AND bits = ?3 AND ref = ?4"
    " AND total = ?5 ORDER BY seq";
static const char delete_sql[] =
    "DELETE FROM sms_parts"
    " WHERE modem = ?1 AND sender = ?2 AND bits = ?3 AND ref = ?4"
    " AND total = ?5";
static const char older_sql[] =
    "SELECT modem, sender, bits, ref, total, count(*), min(received_at)"
    " FROM sms_parts GROUP BY modem, sender, bits, ref, total"
    " HAVING min(received_at) < ?1 ORDER BY min(received_at) LIMIT ?2";

static int
parts_bind_key(sqlite3_stmt *stmt, const struct store_part_key *k)
{
	if (store_bind_text(stmt, 1, k->modem != NULL ? k->modem : "") !=
	    SQLITE_OK ||
	    store_bind_text(stmt, 2, k->sender != NULL ? k->sender : "") !=
	    SQLITE_OK ||
	    sqlite3_bind_int(stmt, 3, k->bits) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 4, k->ref) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 5, k->total) != SQLITE_OK)
		return -1;
	return 0;
}

int
store_parts_add(struct store *st, const struct store_part_key *k, int seq,
    const char *text, int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, add_sql);
	if (stmt == NULL)
		return -1;
	if (parts_bind_key(stmt, k) != 0 ||
	    sqlite3_bind_int(stmt, 6, seq) != SQLITE_OK ||
	    store_bind_text(stmt, 7, text != NULL ? text : "") != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 8, now) != SQLITE_OK) {
		store_log_error(st, "parts add: bind");
		store_stmt_done(stmt);
		return -1;
	}
	if (store_exec_stmt(st, stmt, "parts add") == -1)
		return -1;
	return sqlite3_changes(st->db) == 1;
}

int
store_parts_count(struct store *st, const struct store_part_key *k,
    int *count)
{
	sqlite3_stmt *stmt;
	int rc;

	*count = 0;
	stmt = store_stmt(st, count_sql);
	if (stmt == NULL)
		return -1;
	if (parts_bind_key(stmt, k) != 0) {
		store_log_error(st, "parts count: bind");
		store_stmt_done(stmt);
		return -1;
	}
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		store_log_error(st, "parts count");
		store_stmt_done(stmt);
		return -1;
	}
	*count = sqlite3_column_int(stmt, 0);
	store_stmt_done(stmt);
	return 0;
}

int
store_parts_take(struct store *st, const struct store_part_key *k,
    struct store_part **out, size_t *n)
{
	struct store_part *parts = NULL;
	sqlite3_stmt *stmt;
	size_t used = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	stmt = store_stmt(st, get_sql);
	if (stmt == NULL)
		return -1;
	if (parts_bind_key(stmt, k) != 0) {
		store_log_error(st, "parts take: bind");
		goto fail;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (used == cap) {
			cap = cap ? cap * 2 : 8;
			parts = xrealloc(parts, cap * sizeof(*parts));
		}
		parts[used].seq = sqlite3_column_int(stmt, 0);
		parts[used].text = store_col_strdup(stmt, 1);
		if (parts[used].text == NULL)
			parts[used].text = xstrdup("");
		used++;
	}
	if (rc != SQLITE_DONE) {
		store_log_error(st, "parts take");
		goto fail;
	}
	store_stmt_done(stmt);
	stmt = store_stmt(st, delete_sql);
	if (stmt == NULL)
		goto fail;
	if (parts_bind_key(stmt, k) != 0) {
		store_log_error(st, "parts take: bind");
		goto fail;
	}
	if (store_exec_stmt(st, stmt, "parts delete") == -1) {
		stmt = NULL;
		goto fail;
	}
	*out = parts;
	*n = used;
	return 0;

fail:
	store_stmt_done(stmt);
	store_parts_free(parts, used);
	return -1;
}

void
store_parts_free(struct store_part *parts, size_t n)
{
	if (parts == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(parts[i].text);
	free(parts);
}

int
store_parts_older(struct store *st, int64_t before, size_t max,
    struct store_part_group **out, size_t *n)
{
	struct store_part_group *g = NULL;
	sqlite3_stmt *stmt;
	size_t used = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	stmt = store_stmt(st, older_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, before);
	sqlite3_bind_int64(stmt, 2, max > 0 ? (sqlite3_int64)max : -1);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (used == cap) {
			cap = cap ? cap * 2 : 8;
			g = xrealloc(g, cap * sizeof(*g));
		}
		memset(&g[used], 0, sizeof(g[used]));
		g[used].modem = store_col_strdup(stmt, 0);
		g[used].sender = store_col_strdup(stmt, 1);
		g[used].bits = sqlite3_column_int(stmt, 2);
		g[used].ref = sqlite3_column_int(stmt, 3);
		g[used].total = sqlite3_column_int(stmt, 4);
		g[used].count = sqlite3_column_int(stmt, 5);
		g[used].first_at = sqlite3_column_int64(stmt, 6);
		used++;
	}
	if (rc != SQLITE_DONE) {
		store_log_error(st, "parts older");
		store_stmt_done(stmt);
		store_part_groups_free(g, used);
		return -1;
	}
	store_stmt_done(stmt);
	*out = g;
	*n = used;
	return 0;
}

void
store_part_groups_free(struct store_part_group *g, size_t n)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(g[i].modem);
		free(g[i].sender);
	}
	free(g);
}
