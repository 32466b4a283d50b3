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
#include <string.h>

#include "clock.h"
#include "store.h"
#include "store_sql.h"
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
/* The id comes back by RETURNING (no last-insert-rowid); a concurrent
 * writer that opened the same task first (tasks_open) makes it return no
 * row, and the caller looks again. */
static const char add_sql[] =
    "INSERT INTO tasks (service, kind, ref, title, assignee, created_at,"
    " due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT DO NOTHING RETURNING id";
static const char close_sql[] =
    "UPDATE tasks SET state = ?2, closed_at = ?3, closed_by = ?4,"
    " outcome = ?5 WHERE id = ?1 AND state = 'open'";
static const char close_ref_sql[] =
    "UPDATE tasks SET state = ?4, closed_at = ?5, closed_by = ?6,"
    " outcome = ?7 WHERE service = ?1 AND kind = ?2 AND ref = ?3"
    " AND state = 'open'";
/* Optional filters are cast parameters (PostgreSQL cannot type a bare
 * "?1 IS NULL"); the order's comparisons are CASE values, not booleans. */
static const char list_sql[] =
    "SELECT id, service, kind, ref, title, coalesce(assignee, ''),"
    " created_at, coalesce(due_at, 0), state, coalesce(closed_by, ''),"
    " coalesce(outcome, '') FROM tasks"
    " WHERE (CAST(?1 AS TEXT) IS NULL OR service = ?1)"
    " AND (CAST(?2 AS TEXT) IS NULL OR assignee = ?2)"
    " AND (?3 = 0 OR state = 'open')"
    " ORDER BY CASE WHEN state <> 'open' THEN 1 ELSE 0 END,"
    " CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id";

static const char *
task_state_name(enum store_task_state s)
{
	return s == STORE_TASK_CANCELLED ? "cancelled" : "done";
}

/* The open task of t's (service, kind, ref): its id, 0 if none, -1. */
static int64_t
task_find(struct store *st, const struct store_task *t)
{
	struct store_sql *q = store_sql_prepare(st, find_sql);
	int64_t id = 0;
	int rc;

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, t->service);
	store_sql_bind_text(q, 2, t->kind);
	store_sql_bind_text(q, 3, t->ref);
	rc = store_sql_step(q, "task find");
	if (rc == 1)
		id = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return rc < 0 ? -1 : id;
}

int64_t
store_task_open(struct store *st, const struct store_task *t)
{
	struct store_sql *q;
	int64_t id;
	int rc;

	id = task_find(st, t);
	if (id != 0)
		return id;

	q = store_sql_prepare(st, add_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, t->service);
	store_sql_bind_text(q, 2, t->kind);
	store_sql_bind_text(q, 3, t->ref);
	store_sql_bind_text(q, 4, t->title);
	store_sql_bind_text(q, 5, t->assignee);
	store_sql_bind_int64(q, 6, t->created_at > 0 ? t->created_at :
	    clock_now_ms());
	store_sql_bind_opt_int64(q, 7, t->due_at);
	rc = store_sql_step(q, "task add");
	if (rc == 1) {
		id = store_sql_col_int64(q, 0);
		rc = store_sql_step(q, "task add");
	}
	store_sql_done(q);
	if (rc != 0)
		return -1;
	if (id > 0)
		return id;
	/* Opened by another writer between the look and the insert. */
	id = task_find(st, t);
	return id > 0 ? id : -1;
}

int
store_task_close(struct store *st, int64_t id, enum store_task_state state,
    const char *by, const char *outcome, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, close_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, task_state_name(state));
	store_sql_bind_int64(q, 3, now);
	store_sql_bind_text(q, 4, by);
	store_sql_bind_text(q, 5, outcome);
	if (store_sql_exec(q, "task close") == -1)
		return -1;
	return store_sql_changes(st) > 0 ? 0 : 1;
}

int
store_task_close_ref(struct store *st, const char *service, const char *kind,
    const char *ref, enum store_task_state state, const char *by,
    const char *outcome, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, close_ref_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, service);
	store_sql_bind_text(q, 2, kind);
	store_sql_bind_text(q, 3, ref);
	store_sql_bind_text(q, 4, task_state_name(state));
	store_sql_bind_int64(q, 5, now);
	store_sql_bind_text(q, 6, by);
	store_sql_bind_text(q, 7, outcome);
	if (store_sql_exec(q, "task close") == -1)
		return -1;
	return store_sql_changes(st);
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
task_row(struct store_sql *q, void *arg)
{
	struct task_walk *w = arg;
	size_t r = table_add_row(w->t);
	int64_t due = store_sql_col_int64(q, 7);
	const char *state = store_sql_col_text(q, 8);
	char when[32];

	table_setf(w->t, r, 0, "%lld", (long long)store_sql_col_int64(q, 0));
	for (int c = 1; c <= 5; c++)
		table_set(w->t, r, (size_t)c, store_sql_col_text(q, c));
	table_set(w->t, r, 6, clock_fmt_utc(store_sql_col_int64(q, 6) /
	    1000, when, sizeof(when)));
	if (due > 0)
		table_set(w->t, r, 7, clock_fmt_utc(due / 1000, when,
		    sizeof(when)));
	table_set(w->t, r, 8, due > 0 && due < w->now && state != NULL &&
	    strcmp(state, "open") == 0 ? "da" : "");
	table_set(w->t, r, 9, state);
	table_set(w->t, r, 10, store_sql_col_text(q, 9));
	table_set(w->t, r, 11, store_sql_col_text(q, 10));
	return 0;
}

struct table *
store_task_list(struct store *st, const char *service, const char *assignee,
    int open_only, int64_t now)
{
	struct task_walk w = { table_new("tasks", task_cols,
	    sizeof(task_cols) / sizeof(task_cols[0])), now };
	struct store_sql *q = store_sql_prepare(st, list_sql);

	if (q == NULL) {
		table_free(w.t);
		return NULL;
	}
	store_sql_bind_text(q, 1, service);
	store_sql_bind_text(q, 2, assignee);
	store_sql_bind_int(q, 3, open_only ? 1 : 0);
	if (store_sql_walk(q, task_row, &w, "task list") != 0) {
		table_free(w.t);
		return NULL;
	}
	return w.t;
}
