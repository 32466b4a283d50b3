/*
 * store_quarantine.c - copies of SIM slots that could not be read.
 *
 * When a modem worker gives up on a location (modem.h, "Poisoned
 * slots"), the gateway stores what it knows of it here: channel, folder,
 * location, the raw bytes the driver could give (the dummy driver's file;
 * NULL for a serial modem, which gives none), the error and the time.
 * The row is committed before the location is ACKed, so the slot is
 * removed from the SIM only once its copy is durable.  The copy may hold
 * a message text, so it lives in the database with the messages (same
 * permissions, backups and retention), not in a file of its own.
 */
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

const char store_schema_quarantine[] =
    "CREATE TABLE quarantine ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"		/* unix ms */
    "  channel TEXT NOT NULL,"		/* the modem */
    "  folder INTEGER NOT NULL,"	/* storage folder, 0 unknown */
    "  location INTEGER NOT NULL,"	/* as the worker reported it */
    "  raw BLOB,"			/* NULL when the driver gave none */
    "  error TEXT NOT NULL,"
    "  failures INTEGER NOT NULL"	/* failed reads before giving up */
    ");"
    "CREATE INDEX quarantine_channel ON quarantine(channel, at);";

static const char add_sql[] =
    "INSERT INTO quarantine (at, channel, folder, location, raw, error,"
    " failures) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char count_sql[] =
    "SELECT count(*), coalesce(max(at), 0) FROM quarantine"
    " WHERE channel = ?1";

int
store_quarantine_add(struct store *st, struct store_quarantine *q)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, add_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, q->at);
	store_bind_text(stmt, 2, q->channel);
	sqlite3_bind_int(stmt, 3, q->folder);
	sqlite3_bind_int64(stmt, 4, q->location);
	if (!q->raw_known)
		sqlite3_bind_null(stmt, 5);
	else if (q->raw_len == 0)
		sqlite3_bind_zeroblob(stmt, 5, 0);
	else
		sqlite3_bind_blob(stmt, 5, q->raw, (int)q->raw_len,
		    SQLITE_STATIC);
	store_bind_text(stmt, 6, q->error != NULL ? q->error : "");
	sqlite3_bind_int(stmt, 7, q->failures);
	if (store_exec_stmt(st, stmt, "quarantine add") == -1)
		return -1;
	q->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_quarantine_count(struct store *st, const char *channel, int64_t *n,
    int64_t *last_at)
{
	sqlite3_stmt *stmt;
	int rc;

	*n = 0;
	*last_at = 0;
	stmt = store_stmt(st, count_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, channel);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(stmt, 0);
		*last_at = sqlite3_column_int64(stmt, 1);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_ROW) {
		store_log_error(st, "quarantine count");
		return -1;
	}
	return 0;
}
