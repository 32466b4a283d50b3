/*
 * store_purge.c - retention: the core data classes and how their old
 * rows are counted and deleted.
 *
 * Each class is one table and one time column (with, for the outbox and
 * the dialogue sessions, a condition that keeps live rows: a queued or
 * sending message, a session still waiting for its next step).  The
 * cut-offs come from the [retention] section (gateway/gw_purge.c); this
 * file knows only "older than".  Deletes go in batches, each in a
 * transaction of its own (store_purge_run), so a purge of a year of rows
 * never holds the write lock for long.
 *
 * A class whose table this database does not have (the quarantine table
 * until the modem work adds it) counts as -1 ("no such data") and is
 * skipped.  Adding a class: a line in purge_classes[] with its SQL, and
 * its key in [retention].
 */
#include "store.h"
#include "store_sql.h"
#include "util.h"

struct purge_class {
	const char *name;  /* as printed and as documented */
	const char *table; /* must exist for the class to apply */
	const char *count_sql;	/* ?1 = before (ms) */
	const char *delete_sql; /* ?1 = before, ?2 = batch */
};

/* Batches delete "WHERE key IN (SELECT key ... LIMIT ?2)": DELETE ...
 * LIMIT is SQLite-only, rowid too (the declared keys are used). */

/* Terminal outbox states: sent, delivered, failed, expired, undelivered.
 * Queued and sending rows are never purged. */
#define OUT_DONE "state IN (2, 3, 4, 5, 6)"
/* A session still scheduled after the cut-off is kept. */
#define SESSION_OLD "updated_at < ?1 AND due_at < ?1"

static const char inbound_count_sql[] =
    "SELECT count(*) FROM inbound WHERE received_at < ?1";
static const char inbound_delete_sql[] =
    "DELETE FROM inbound WHERE id IN (SELECT id FROM inbound"
    " WHERE received_at < ?1 ORDER BY received_at LIMIT ?2)";
static const char outbox_count_sql[] =
    "SELECT count(*) FROM outbox WHERE created_at < ?1 AND " OUT_DONE;
static const char outbox_delete_sql[] =
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
    " WHERE created_at < ?1 AND " OUT_DONE " LIMIT ?2)";
static const char sessions_count_sql[] =
    "SELECT count(*) FROM flow_sessions WHERE " SESSION_OLD;
static const char sessions_delete_sql[] =
    "DELETE FROM flow_sessions WHERE (phone, channel) IN"
    " (SELECT phone, channel FROM flow_sessions WHERE " SESSION_OLD
    " LIMIT ?2)";
static const char tombstones_count_sql[] =
    "SELECT count(*) FROM flow_tombstones WHERE at < ?1";
static const char tombstones_delete_sql[] =
    "DELETE FROM flow_tombstones WHERE (phone, channel) IN"
    " (SELECT phone, channel FROM flow_tombstones WHERE at < ?1 LIMIT ?2)";
static const char ussd_count_sql[] =
    "SELECT count(*) FROM ussd_sessions WHERE updated_at < ?1";
static const char ussd_delete_sql[] =
    "DELETE FROM ussd_sessions WHERE session_id IN (SELECT session_id"
    " FROM ussd_sessions WHERE updated_at < ?1 LIMIT ?2)";
static const char dedup_count_sql[] =
    "SELECT count(*) FROM dedup WHERE at < ?1";
static const char dedup_delete_sql[] =
    "DELETE FROM dedup WHERE key IN (SELECT key FROM dedup"
    " WHERE at < ?1 LIMIT ?2)";
/* Hook for the quarantine of unreadable SIM slots (issue 9): a table
 * `quarantine` with a unix-ms column `at`.  Adjust here if it differs. */
static const char quarantine_count_sql[] =
    "SELECT count(*) FROM quarantine WHERE at < ?1";
static const char quarantine_delete_sql[] =
    "DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine"
    " WHERE at < ?1 LIMIT ?2)";

static const char audit_count_sql[] =
    "SELECT count(*) FROM audit WHERE at < ?1";
static const char audit_delete_sql[] =
    "DELETE FROM audit WHERE id IN (SELECT id FROM audit"
    " WHERE at < ?1 LIMIT ?2)";

static const struct purge_class purge_classes[STORE_PURGE_N] = {
	[STORE_PURGE_INBOUND] = { "inbound", "inbound", inbound_count_sql,
	    inbound_delete_sql },
	[STORE_PURGE_OUTBOX] = { "outbox", "outbox", outbox_count_sql,
	    outbox_delete_sql },
	[STORE_PURGE_SESSIONS] = { "sessions", "flow_sessions",
	    sessions_count_sql, sessions_delete_sql },
	[STORE_PURGE_TOMBSTONES] = { "session_ends", "flow_tombstones",
	    tombstones_count_sql, tombstones_delete_sql },
	[STORE_PURGE_USSD] = { "ussd", "ussd_sessions", ussd_count_sql,
	    ussd_delete_sql },
	[STORE_PURGE_DEDUP] = { "dedup", "dedup", dedup_count_sql,
	    dedup_delete_sql },
	[STORE_PURGE_QUARANTINE] = { "quarantine", "quarantine",
	    quarantine_count_sql, quarantine_delete_sql },
	[STORE_PURGE_AUDIT] = { "audit", "audit", audit_count_sql,
	    audit_delete_sql },
};

const char *
store_purge_name(int cls)
{
	if (cls < 0 || cls >= STORE_PURGE_N)
		return "?";
	return purge_classes[cls].name;
}

int
store_purge_count(struct store *st, int cls, int64_t before, int64_t *n)
{
	struct store_sql *q;
	int rc;

	*n = -1;
	if (cls < 0 || cls >= STORE_PURGE_N)
		return -1;
	rc = store_sql_has_table(st, purge_classes[cls].table);
	if (rc != 1)
		return rc;
	q = store_sql_prepare(st, purge_classes[cls].count_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, before);
	rc = store_sql_step(q, "purge: count");
	if (rc == 1)
		*n = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return rc == 1 ? 0 : -1;
}

int
store_purge_batch(struct store *st, int cls, int64_t before, int batch,
    int64_t *deleted)
{
	struct store_sql *q;
	int rc;

	*deleted = 0;
	if (cls < 0 || cls >= STORE_PURGE_N || batch <= 0)
		return -1;
	rc = store_sql_has_table(st, purge_classes[cls].table);
	if (rc != 1)
		return rc;
	q = store_sql_prepare(st, purge_classes[cls].delete_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, before);
	store_sql_bind_int(q, 2, batch);
	if (store_sql_exec(q, "purge: delete") != 0)
		return -1;
	*deleted = store_sql_changes(st);
	return 0;
}

int
store_purge_run(struct store *st, int cls, int64_t before, int batch,
    int max_batches, int64_t *deleted, int *more)
{
	int64_t n;

	*deleted = 0;
	*more = 0;
	for (int i = 0; max_batches <= 0 || i < max_batches; i++) {
		if (store_begin(st) != 0)
			return -1;
		if (store_purge_batch(st, cls, before, batch, &n) != 0) {
			store_rollback(st);
			return -1;
		}
		if (store_commit(st) != 0) {
			store_rollback(st);
			return -1;
		}
		*deleted += n;
		if (n < batch)
			return 0;
	}
	*more = 1;
	return 0;
}
