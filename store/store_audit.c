/*
 * store_audit.c - who read or changed what: every view of a child's or a
 * family's record and every export (spas-followup.md §8).
 *
 * Append-only: a trigger refuses UPDATE, so no page or command can edit
 * the log; rows leave only through the retention purge (audit_years).
 * The object names a record ("sheet:AB-123", "household:12345678"), never
 * the personal data in it.
 */
#include <sqlite3.h>

#include "clock.h"
#include "store.h"
#include "store_int.h"
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
    "CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

static const char add_sql[] =
    "INSERT INTO audit (at, who, via, action, object)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char list_sql[] =
    "SELECT at, who, via, action, object FROM audit"
    " WHERE at >= ?1 AND (?2 IS NULL OR who = ?2) ORDER BY at, id";

int
store_audit(struct store *st, const char *who, const char *via,
    const char *action, const char *object, int64_t now)
{
	sqlite3_stmt *stmt = store_stmt(st, add_sql);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, now);
	store_bind_text(stmt, 2, who != NULL ? who : "?");
	store_bind_text(stmt, 3, via != NULL ? via : "?");
	store_bind_text(stmt, 4, action);
	store_bind_text(stmt, 5, object);
	return store_exec_stmt(st, stmt, "audit add");
}

static const struct table_col audit_cols[] = {
	{ "at", "Data (UTC)" }, { "who", "Cine" }, { "via", "Prin" },
	{ "action", "Acțiune" }, { "object", "Ce" },
};

static int
audit_row(sqlite3_stmt *stmt, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char when[32];

	table_set(t, r, 0, clock_fmt_utc(sqlite3_column_int64(stmt, 0) / 1000,
	    when, sizeof(when)));
	for (int c = 1; c < 5; c++)
		table_set(t, r, (size_t)c,
		    (const char *)sqlite3_column_text(stmt, c));
	return 0;
}

struct table *
store_audit_list(struct store *st, int64_t since, const char *who)
{
	struct table *t = table_new("audit", audit_cols,
	    sizeof(audit_cols) / sizeof(audit_cols[0]));
	sqlite3_stmt *stmt = store_stmt(st, list_sql);

	if (stmt == NULL) {
		table_free(t);
		return NULL;
	}
	sqlite3_bind_int64(stmt, 1, since);
	store_bind_text(stmt, 2, who);
	if (store_walk(st, stmt, audit_row, t, "audit list") != 0) {
		table_free(t);
		return NULL;
	}
	return t;
}
