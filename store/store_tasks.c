/*
 * store_tasks.c - the SPAS task list: work for a person at SPAS that a
 * service created (an unknown household code to check, a family asking
 * to be called back, a caretaker who never answered) with a deadline.
 *
 * One table for every service, so that "what must I do today" is one
 * query for the CLI and the web page.  At most one open task per
 * (service, kind, ref): a rule that fires again finds the task it already
 * opened instead of piling up copies.  A task is closed (done or
 * cancelled) with who closed it and why, never deleted while open.
 */
#include <sqlite3.h>
#include <string.h>

#include "clock.h"
#include "store.h"
#include "store_int.h"
#include "table.h"

const char store_schema_tasks[] =
    "CREATE TABLE tasks ("
    "  id INTEGER PRIMARY KEY,"
    "  service TEXT NOT NULL,"		/* "sheet", "parents", ... */
    "  kind TEXT NOT NULL,"		/* "unknown_household", ... */
    "  ref TEXT NOT NULL,"		/* what it is about: "sheet:AB-123" */
    "  title TEXT NOT NULL,"		/* what to do, for SPAS eyes */
    "  assignee TEXT,"			/* a worker, a role, or NULL */
    "  created_at INTEGER NOT NULL,"	/* unix ms */
    "  due_at INTEGER,"			/* deadline, NULL none */
    "  state TEXT NOT NULL DEFAULT 'open'," /* open, done, cancelled */
    "  closed_at INTEGER,"
    "  closed_by TEXT,"
    "  outcome TEXT"
    ");"
    "CREATE UNIQUE INDEX tasks_open ON tasks(service, kind, ref)"
    "  WHERE state = 'open';"
    "CREATE INDEX tasks_due ON tasks(state, due_at);";

static const char find_sql[] =
    "SELECT id FROM tasks WHERE service = ?1 AND kind = ?2 AND ref = ?3"
    " AND state = 'open'";
static const char add_sql[] =
    "INSERT INTO tasks (service, kind, ref, title, assignee, created_at,"
    " due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char close_sql[] =
    "UPDATE tasks SET state = ?2, closed_at = ?3, closed_by = ?4,"
    " outcome = ?5 WHERE id = ?1 AND state = 'open'";
static const char close_ref_sql[] =
    "UPDATE tasks SET state = ?4, closed_at = ?5, closed_by = ?6,"
    " outcome = ?7 WHERE service = ?1 AND kind = ?2 AND ref = ?3"
    " AND state = 'open'";
static const char list_sql[] =
    "SELECT id, service, kind, ref, title, coalesce(assignee, ''),"
    " created_at, coalesce(due_at, 0), state, coalesce(closed_by, ''),"
    " coalesce(outcome, '') FROM tasks"
    " WHERE (?1 IS NULL OR service = ?1) AND (?2 IS NULL OR assignee = ?2)"
    " AND (?3 = 0 OR state = 'open')"
    " ORDER BY state <> 'open', due_at IS NULL, due_at, id";

static const char *
task_state_name(enum store_task_state s)
{
	return s == STORE_TASK_CANCELLED ? "cancelled" : "done";
}

int64_t
store_task_open(struct store *st, const struct store_task *t)
{
	sqlite3_stmt *stmt;
	int64_t id = 0;
	int rc;

	stmt = store_stmt(st, find_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, t->service);
	store_bind_text(stmt, 2, t->kind);
	store_bind_text(stmt, 3, t->ref);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(stmt, 0);
	store_stmt_done(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_log_error(st, "task find");
		return -1;
	}
	if (id > 0)
		return id;

	stmt = store_stmt(st, add_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, t->service);
	store_bind_text(stmt, 2, t->kind);
	store_bind_text(stmt, 3, t->ref);
	store_bind_text(stmt, 4, t->title);
	store_bind_text(stmt, 5, t->assignee);
	sqlite3_bind_int64(stmt, 6, t->created_at > 0 ? t->created_at :
	    clock_now_ms());
	store_bind_opt_i64(stmt, 7, t->due_at);
	if (store_exec_stmt(st, stmt, "task add") == -1)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int
store_task_close(struct store *st, int64_t id, enum store_task_state state,
    const char *by, const char *outcome, int64_t now)
{
	sqlite3_stmt *stmt = store_stmt(st, close_sql);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, task_state_name(state));
	sqlite3_bind_int64(stmt, 3, now);
	store_bind_text(stmt, 4, by);
	store_bind_text(stmt, 5, outcome);
	if (store_exec_stmt(st, stmt, "task close") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 0 : 1;
}

int
store_task_close_ref(struct store *st, const char *service, const char *kind,
    const char *ref, enum store_task_state state, const char *by,
    const char *outcome, int64_t now)
{
	sqlite3_stmt *stmt = store_stmt(st, close_ref_sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, service);
	store_bind_text(stmt, 2, kind);
	store_bind_text(stmt, 3, ref);
	store_bind_text(stmt, 4, task_state_name(state));
	sqlite3_bind_int64(stmt, 5, now);
	store_bind_text(stmt, 6, by);
	store_bind_text(stmt, 7, outcome);
	if (store_exec_stmt(st, stmt, "task close") == -1)
		return -1;
	return sqlite3_changes(st->db);
}

static const struct table_col task_cols[] = {
	{ "id", "Nr." },
	{ "service", "Serviciu" },
	{ "kind", "Tip" },
	{ "ref", "Referință" },
	{ "title", "Ce este de făcut" },
	{ "assignee", "Responsabil" },
	{ "created", "Creată la (UTC)" },
	{ "due", "Termen (UTC)" },
	{ "overdue", "Depășit" },
	{ "state", "Stare" },
	{ "closed_by", "Închisă de" },
	{ "outcome", "Rezultat" },
};

struct task_walk {
	struct table *t;
	int64_t now;
};

static int
task_row(sqlite3_stmt *stmt, void *arg)
{
	struct task_walk *w = arg;
	size_t r = table_add_row(w->t);
	int64_t due = sqlite3_column_int64(stmt, 7);
	const char *state = (const char *)sqlite3_column_text(stmt, 8);
	char when[32];

	table_setf(w->t, r, 0, "%lld", (long long)sqlite3_column_int64(stmt,
	    0));
	for (int c = 1; c <= 5; c++)
		table_set(w->t, r, (size_t)c,
		    (const char *)sqlite3_column_text(stmt, c));
	table_set(w->t, r, 6, clock_fmt_utc(sqlite3_column_int64(stmt, 6) /
	    1000, when, sizeof(when)));
	if (due > 0)
		table_set(w->t, r, 7, clock_fmt_utc(due / 1000, when,
		    sizeof(when)));
	table_set(w->t, r, 8, due > 0 && due < w->now && state != NULL &&
	    strcmp(state, "open") == 0 ? "da" : "");
	table_set(w->t, r, 9, state);
	table_set(w->t, r, 10, (const char *)sqlite3_column_text(stmt, 9));
	table_set(w->t, r, 11, (const char *)sqlite3_column_text(stmt, 10));
	return 0;
}

struct table *
store_task_list(struct store *st, const char *service, const char *assignee,
    int open_only, int64_t now)
{
	struct task_walk w = { table_new("tasks", task_cols,
	    sizeof(task_cols) / sizeof(task_cols[0])), now };
	sqlite3_stmt *stmt = store_stmt(st, list_sql);

	if (stmt == NULL) {
		table_free(w.t);
		return NULL;
	}
	store_bind_text(stmt, 1, service);
	store_bind_text(stmt, 2, assignee);
	sqlite3_bind_int(stmt, 3, open_only ? 1 : 0);
	if (store_walk(st, stmt, task_row, &w, "task list") != 0) {
		table_free(w.t);
		return NULL;
	}
	return w.t;
}
