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
#include "store.h"
#include "store_sql.h"

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
    " failures) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id";
static const char count_sql[] =
    "SELECT count(*), coalesce(max(at), 0) FROM quarantine"
    " WHERE channel = ?1";

int
store_quarantine_add(struct store *st, struct store_quarantine *q)
{
	struct store_sql *s;
	int rc;

	s = store_sql_prepare(st, add_sql);
	if (s == NULL)
		return -1;
	store_sql_bind_int64(s, 1, q->at);
	store_sql_bind_text(s, 2, q->channel);
	store_sql_bind_int(s, 3, q->folder);
	store_sql_bind_int64(s, 4, q->location);
	if (!q->raw_known)
		store_sql_bind_null(s, 5);
	else
		store_sql_bind_blob(s, 5, q->raw, q->raw_len);
	store_sql_bind_text(s, 6, q->error != NULL ? q->error : "");
	store_sql_bind_int(s, 7, q->failures);
	rc = store_sql_step(s, "quarantine add");
	if (rc == 1) {
		q->id = store_sql_col_int64(s, 0);
		rc = store_sql_step(s, "quarantine add");
	}
	store_sql_done(s);
	return rc == 0 ? 0 : -1;
}

int
store_quarantine_count(struct store *st, const char *channel, int64_t *n,
    int64_t *last_at)
{
	struct store_sql *s;
	int rc;

	*n = 0;
	*last_at = 0;
	s = store_sql_prepare(st, count_sql);
	if (s == NULL)
		return -1;
	store_sql_bind_text(s, 1, channel);
	rc = store_sql_step(s, "quarantine count");
	if (rc == 1) {
		*n = store_sql_col_int64(s, 0);
		*last_at = store_sql_col_int64(s, 1);
	}
	store_sql_done(s);
	/* An aggregate always gives a row. */
	return rc == 1 ? 0 : -1;
}
