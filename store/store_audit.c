/*
 * store_audit.c - who read or changed what: every view of a child's or a
 * family's record and every export (spas-followup.md §8).
 *
 * Append-only: a trigger refuses UPDATE, so no page or command can edit
 * the log; rows leave only through the retention purge (audit_years).
 * The object names a record ("sheet:AB-123", "household:12345678"), never
 * the personal data in it.
 */
#include "clock.h"
#include "store.h"
#include "store_sql.h"
#include "table.h"

const char store_schema_audit[] =
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"	/* unix ms */
    "  who TEXT NOT NULL,"	/* account or Unix user */
    "  via TEXT NOT NULL,"	/* "cli", "web" */
    "  action TEXT NOT NULL,"	/* "view", "export", "change" */
    "  object TEXT NOT NULL"	/* "sheet:AB-123", "export:sheets" */
    ");"
    "CREATE INDEX audit_at ON audit(at);"
    /* SQLite's trigger syntax: the PostgreSQL backend installs its own
     * append-only trigger for this table. */
    "CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

static const char add_sql[] =
    "INSERT INTO audit (at, who, via, action, object)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char list_sql[] =
    "SELECT at, who, via, action, object FROM audit"
    " WHERE at >= ?1 AND (CAST(?2 AS TEXT) IS NULL OR who = ?2)"
    " ORDER BY at, id";

int
store_audit(struct store *st, const char *who, const char *via,
    const char *action, const char *object, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, add_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, now);
	store_sql_bind_text(q, 2, who != NULL ? who : "?");
	store_sql_bind_text(q, 3, via != NULL ? via : "?");
	store_sql_bind_text(q, 4, action);
	store_sql_bind_text(q, 5, object);
	return store_sql_exec(q, "audit add");
}

static const struct table_col audit_cols[] = {
	{ "at", "Data (UTC)" }, { "who", "Cine" }, { "via", "Prin" },
	{ "action", "Acțiune" }, { "object", "Ce" },
};

static int
audit_row(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char when[32];

	table_set(t, r, 0, clock_fmt_utc(store_sql_col_int64(q, 0) / 1000,
	    when, sizeof(when)));
	for (int c = 1; c < 5; c++)
		table_set(t, r, (size_t)c, store_sql_col_text(q, c));
	return 0;
}

struct table *
store_audit_list(struct store *st, int64_t since, const char *who)
{
	struct table *t = table_new("audit", audit_cols,
	    sizeof(audit_cols) / sizeof(audit_cols[0]));
	struct store_sql *q = store_sql_prepare(st, list_sql);

	if (q == NULL) {
		table_free(t);
		return NULL;
	}
	store_sql_bind_int64(q, 1, since);
	store_sql_bind_text(q, 2, who);
	if (store_sql_walk(q, audit_row, t, "audit list") != 0) {
		table_free(t);
		return NULL;
	}
	return t;
}
