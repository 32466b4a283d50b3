/*
 * store_sheets.c - stored Observation Sheets, their indicator values and
 * the follow-up bookkeeping (state, visit deadline, alerts sent).
 *
 * A sheet row keeps its legal number (county, year, seq) for ever: the
 * triple is UNIQUE, so a number can never be given twice, and an update
 * of a family's cycle is a new row with a new number that supersedes the
 * previous one (observation-sheet.md section 2, recommendation 4).  Values
 * are one row per sheet and indicator id, so a revised indicator table
 * never reinterprets old sheets.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"
#include "util.h"

const char store_schema_sheets[] =
    "CREATE TABLE sheets ("
    "  id INTEGER PRIMARY KEY,"
    "  county INTEGER NOT NULL,"		/* AA */
    "  year INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 999)," /* BBB */
    "  household TEXT,"				/* NULL: NOU */
    "  reporter_id INTEGER NOT NULL REFERENCES reporters(id),"
    "  received_at INTEGER NOT NULL,"		/* unix ms */
    "  time_start INTEGER,"			/* minutes, T token */
    "  time_end INTEGER,"
    "  channel TEXT NOT NULL,"			/* sms, ussd */
    "  any_risk INTEGER NOT NULL,"
    "  risk_count INTEGER NOT NULL,"
    "  flags INTEGER NOT NULL DEFAULT 0,"
    "  unknown INTEGER NOT NULL DEFAULT 0,"
    "  urgent INTEGER NOT NULL,"
    "  urgent_flag INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL,"
    "  visit_date TEXT,"			/* YYYY-MM-DD */
    "  visit_deadline INTEGER NOT NULL,"	/* unix ms */
    "  alert_24_sent INTEGER NOT NULL DEFAULT 0,"
    "  alert_48_sent INTEGER NOT NULL DEFAULT 0,"
    "  notified_at INTEGER,"
    "  supersedes INTEGER REFERENCES sheets(id),"
    "  superseded_by INTEGER REFERENCES sheets(id),"
    "  merge_kind TEXT NOT NULL DEFAULT 'new',"
    "  indicator_version TEXT NOT NULL,"
    "  raw_hash TEXT,"				/* SHA-256 hex, audit */
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (county, year, seq)"
    ");"
    "CREATE INDEX sheets_household ON sheets(household, received_at)"
    "  WHERE superseded_by IS NULL;"
    "CREATE INDEX sheets_open ON sheets(state, visit_deadline)"
    "  WHERE superseded_by IS NULL;"
    "CREATE TABLE sheet_values ("
    "  sheet_id INTEGER NOT NULL REFERENCES sheets(id),"
    "  indicator TEXT NOT NULL,"		/* indicator id */
    "  value INTEGER NOT NULL CHECK (value IN (0, 1, 9)),"
    "  own INTEGER NOT NULL CHECK (own IN (0, 1, 9)),"
    "  PRIMARY KEY (sheet_id, indicator)"
    ") WITHOUT ROWID;"
    "CREATE TABLE sheet_meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;";

static const char *const sheet_state_names[STORE_SHEET_STATE_N] = {
	[STORE_SHEET_NEW] = "new",
	[STORE_SHEET_VISIT_PENDING] = "visit_pending",
	[STORE_SHEET_VISIT_SCHEDULED] = "visit_scheduled",
	[STORE_SHEET_VISITED] = "visited",
	[STORE_SHEET_NO_SUSPICION] = "no_suspicion",
	[STORE_SHEET_INCOMPLETE] = "incomplete",
};

/* Keep in step with sheet_row(). */
#define SHEET_COLS                                                          \
	"s.id, s.county, s.year, s.seq, s.household, s.reporter_id,"        \
	" s.received_at, s.time_start, s.time_end, s.channel, s.any_risk,"  \
	" s.risk_count, s.flags, s.unknown, s.urgent, s.urgent_flag,"      \
	" s.state, s.visit_date, s.visit_deadline, s.alert_24_sent,"       \
	" s.alert_48_sent, s.notified_at, s.supersedes, s.superseded_by,"  \
	" s.merge_kind, s.indicator_version, s.raw_hash, r.phone, r.commune"
#define SHEET_FROM " FROM sheets s JOIN reporters r ON r.id = s.reporter_id"
/* The states in which a sheet with a suspicion still waits for its RIS
 * visit. */
#define SHEET_OPEN "s.state IN ('new', 'visit_pending', 'visit_scheduled')"

static const char next_seq_sql[] =
    "SELECT COALESCE(MAX(seq), 0) + 1 FROM sheets"
    " WHERE county = ?1 AND year = ?2";
static const char insert_sql[] =
    "INSERT INTO sheets (county, year, seq, household, reporter_id,"
    " received_at, time_start, time_end, channel, any_risk, risk_count,"
    " flags, unknown, urgent, urgent_flag, state, visit_date,"
    " visit_deadline, alert_24_sent, alert_48_sent, notified_at,"
    " supersedes, merge_kind, indicator_version, raw_hash, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)";
static const char insert_value_sql[] =
    "INSERT INTO sheet_values (sheet_id, indicator, value, own)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char values_sql[] =
    "SELECT indicator, value, own FROM sheet_values WHERE sheet_id = ?1";
static const char find_live_sql[] =
    "SELECT " SHEET_COLS SHEET_FROM
    " WHERE s.household = ?1 AND s.superseded_by IS NULL"
    " AND s.received_at >= ?2 AND s.state != 'visited'"
    " ORDER BY s.received_at DESC, s.id DESC LIMIT 1";
static const char get_sql[] =
    "SELECT " SHEET_COLS SHEET_FROM " WHERE s.id = ?1";
static const char get_by_no_sql[] =
    "SELECT " SHEET_COLS SHEET_FROM " WHERE s.county = ?1 AND s.seq = ?2"
    " ORDER BY s.year DESC LIMIT 1";
static const char supersede_sql[] =
    "UPDATE sheets SET superseded_by = ?2, updated_at = ?3 WHERE id = ?1"
    " AND superseded_by IS NULL";
static const char set_state_sql[] =
    "UPDATE sheets SET state = ?2, visit_date = COALESCE(?3, visit_date),"
    " updated_at = ?4 WHERE id = ?1";
static const char set_alert24_sql[] =
    "UPDATE sheets SET alert_24_sent = 1, updated_at = ?2 WHERE id = ?1";
static const char set_alert48_sql[] =
    "UPDATE sheets SET alert_48_sent = 1, updated_at = ?2 WHERE id = ?1";
static const char set_notified_sql[] =
    "UPDATE sheets SET notified_at = ?2, updated_at = ?2 WHERE id = ?1";
static const char list_sql[] =
    "SELECT " SHEET_COLS SHEET_FROM
    " WHERE (?1 OR s.superseded_by IS NULL)"
    " AND (?2 IS NULL OR s.state = ?2)"
    " AND (?3 = 0 OR (s.any_risk = 1 AND " SHEET_OPEN "))"
    " AND (?4 IS NULL OR (s.any_risk = 1 AND " SHEET_OPEN
    " AND s.visit_deadline <= ?4))"
    " AND (?5 = 0 OR s.notified_at IS NULL)"
    " AND (?6 IS NULL OR s.urgent = ?6)"
    " AND (?7 IS NULL OR r.commune = ?7 COLLATE NOCASE)"
    " AND (?8 IS NULL OR r.phone = ?8)"
    " ORDER BY s.received_at, s.id";
static const char meta_get_sql[] =
    "SELECT value FROM sheet_meta WHERE key = ?1";
static const char meta_set_sql[] =
    "INSERT INTO sheet_meta (key, value) VALUES (?1, ?2)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value";

static int state_parse(const char *);
static void sheet_row(sqlite3_stmt *, struct store_sheet *);
static int sheet_one(struct store *, sqlite3_stmt *, int,
    struct store_sheet *, const char *);
static int bind_opt_int(sqlite3_stmt *, int, int, int);

const char *
store_sheet_strstate(int state)
{
	if (state < 0 || state >= STORE_SHEET_STATE_N)
		return "?";
	return sheet_state_names[state];
}

static int
state_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < STORE_SHEET_STATE_N; i++)
		if (strcmp(sheet_state_names[i], s) == 0)
			return i;
	return STORE_SHEET_NEW;
}

/* Binds v, or NULL when !set. */
static int
bind_opt_int(sqlite3_stmt *stmt, int idx, int set, int v)
{
	if (!set)
		return sqlite3_bind_null(stmt, idx);
	return sqlite3_bind_int(stmt, idx, v);
}

static void
sheet_row(sqlite3_stmt *stmt, struct store_sheet *s)
{
	s->id = sqlite3_column_int64(stmt, 0);
	s->county = sqlite3_column_int(stmt, 1);
	s->year = sqlite3_column_int(stmt, 2);
	s->seq = sqlite3_column_int(stmt, 3);
	s->household = store_col_strdup(stmt, 4);
	s->reporter_id = sqlite3_column_int64(stmt, 5);
	s->received_at = sqlite3_column_int64(stmt, 6);
	s->time_start = sqlite3_column_type(stmt, 7) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(stmt, 7);
	s->time_end = sqlite3_column_type(stmt, 8) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(stmt, 8);
	s->channel = store_col_strdup(stmt, 9);
	s->any_risk = sqlite3_column_int(stmt, 10);
	s->risk_count = sqlite3_column_int(stmt, 11);
	s->flags = sqlite3_column_int(stmt, 12);
	s->unknown = sqlite3_column_int(stmt, 13);
	s->urgent = sqlite3_column_int(stmt, 14);
	s->urgent_flag = sqlite3_column_int(stmt, 15);
	s->state = state_parse((const char *)sqlite3_column_text(stmt, 16));
	s->visit_date = store_col_strdup(stmt, 17);
	s->visit_deadline = sqlite3_column_int64(stmt, 18);
	s->alert_24_sent = sqlite3_column_int(stmt, 19);
	s->alert_48_sent = sqlite3_column_int(stmt, 20);
	s->notified_at = sqlite3_column_int64(stmt, 21);
	s->supersedes = sqlite3_column_int64(stmt, 22);
	s->superseded_by = sqlite3_column_int64(stmt, 23);
	s->merge_kind = store_col_strdup(stmt, 24);
	s->indicator_version = store_col_strdup(stmt, 25);
	s->raw_hash = store_col_strdup(stmt, 26);
	s->reporter_phone = store_col_strdup(stmt, 27);
	s->commune = store_col_strdup(stmt, 28);
}

/* Steps a bound single-row SELECT: 1 row (values loaded if asked), 0
 * none, -1 error. */
static int
sheet_one(struct store *st, sqlite3_stmt *stmt, int with_values,
    struct store_sheet *out, const char *what)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_DONE) {
		store_stmt_done(stmt);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		store_log_error(st, what);
		store_stmt_done(stmt);
		return -1;
	}
	sheet_row(stmt, out);
	store_stmt_done(stmt);
	if (with_values && store_sheet_load_values(st, out) == -1) {
		store_sheet_clear(out);
		return -1;
	}
	return 1;
}

int
store_sheet_next_seq(struct store *st, int county, int year, int *seq)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, next_seq_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, county);
	sqlite3_bind_int(stmt, 2, year);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		store_log_error(st, "sheet next seq");
		store_stmt_done(stmt);
		return -1;
	}
	*seq = sqlite3_column_int(stmt, 0);
	store_stmt_done(stmt);
	return 0;
}

int
store_sheet_insert(struct store *st, struct store_sheet *s, int64_t now)
{
	sqlite3_stmt *stmt;
	size_t i;

	stmt = store_stmt(st, insert_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, s->county);
	sqlite3_bind_int(stmt, 2, s->year);
	sqlite3_bind_int(stmt, 3, s->seq);
	store_bind_text(stmt, 4, s->household);
	sqlite3_bind_int64(stmt, 5, s->reporter_id);
	sqlite3_bind_int64(stmt, 6, s->received_at);
	bind_opt_int(stmt, 7, s->time_start >= 0, s->time_start);
	bind_opt_int(stmt, 8, s->time_end >= 0, s->time_end);
	store_bind_text(stmt, 9, s->channel);
	sqlite3_bind_int(stmt, 10, s->any_risk);
	sqlite3_bind_int(stmt, 11, s->risk_count);
	sqlite3_bind_int(stmt, 12, s->flags);
	sqlite3_bind_int(stmt, 13, s->unknown);
	sqlite3_bind_int(stmt, 14, s->urgent);
	sqlite3_bind_int(stmt, 15, s->urgent_flag);
	store_bind_text(stmt, 16, store_sheet_strstate(s->state));
	store_bind_text(stmt, 17, s->visit_date);
	sqlite3_bind_int64(stmt, 18, s->visit_deadline);
	sqlite3_bind_int(stmt, 19, s->alert_24_sent);
	sqlite3_bind_int(stmt, 20, s->alert_48_sent);
	store_bind_opt_i64(stmt, 21, s->notified_at);
	store_bind_opt_i64(stmt, 22, s->supersedes);
	store_bind_text(stmt, 23, s->merge_kind != NULL ? s->merge_kind :
	    "new");
	store_bind_text(stmt, 24, s->indicator_version);
	store_bind_text(stmt, 25, s->raw_hash);
	sqlite3_bind_int64(stmt, 26, now);
	if (store_exec_stmt(st, stmt, "sheet insert") == -1)
		return -1;
	s->id = sqlite3_last_insert_rowid(st->db);
	for (i = 0; i < s->n_values; i++) {
		stmt = store_stmt(st, insert_value_sql);
		if (stmt == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, s->id);
		store_bind_text(stmt, 2, s->values[i].indicator);
		sqlite3_bind_int(stmt, 3, s->values[i].value);
		sqlite3_bind_int(stmt, 4, s->values[i].own);
		if (store_exec_stmt(st, stmt, "sheet insert value") == -1)
			return -1;
	}
	return 0;
}

int
store_sheet_load_values(struct store *st, struct store_sheet *s)
{
	sqlite3_stmt *stmt;
	size_t cap = 0;
	int rc;

	for (size_t i = 0; i < s->n_values; i++)
		free(s->values[i].indicator);
	free(s->values);
	s->values = NULL;
	s->n_values = 0;
	stmt = store_stmt(st, values_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, s->id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (s->n_values == cap) {
			cap = cap ? cap * 2 : 80;
			s->values = xrealloc(s->values,
			    cap * sizeof(*s->values));
		}
		s->values[s->n_values].indicator = store_col_strdup(stmt, 0);
		s->values[s->n_values].value = sqlite3_column_int(stmt, 1);
		s->values[s->n_values].own = sqlite3_column_int(stmt, 2);
		s->n_values++;
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		store_log_error(st, "sheet values");
		return -1;
	}
	return 0;
}

int
store_sheet_find_live(struct store *st, const char *household,
    int64_t since, struct store_sheet *out)
{
	sqlite3_stmt *stmt;

	memset(out, 0, sizeof(*out));
	stmt = store_stmt(st, find_live_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, household);
	sqlite3_bind_int64(stmt, 2, since);
	return sheet_one(st, stmt, 1, out, "sheet find live");
}

int
store_sheet_get(struct store *st, int64_t id, int with_values,
    struct store_sheet *out)
{
	sqlite3_stmt *stmt;

	memset(out, 0, sizeof(*out));
	stmt = store_stmt(st, get_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return sheet_one(st, stmt, with_values, out, "sheet get");
}

int
store_sheet_get_by_no(struct store *st, int county, int seq,
    int with_values, struct store_sheet *out)
{
	sqlite3_stmt *stmt;

	memset(out, 0, sizeof(*out));
	stmt = store_stmt(st, get_by_no_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, county);
	sqlite3_bind_int(stmt, 2, seq);
	return sheet_one(st, stmt, with_values, out, "sheet get by number");
}

int
store_sheet_supersede(struct store *st, int64_t old_id, int64_t new_id,
    int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, supersede_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, old_id);
	sqlite3_bind_int64(stmt, 2, new_id);
	sqlite3_bind_int64(stmt, 3, now);
	if (store_exec_stmt(st, stmt, "sheet supersede") == -1)
		return -1;
	/* Two updates racing for one cycle must not both win. */
	return sqlite3_changes(st->db) == 1 ? 0 : -1;
}

int
store_sheet_set_state(struct store *st, int64_t id, int state,
    const char *visit_date, int64_t now)
{
	sqlite3_stmt *stmt;

	if (state < 0 || state >= STORE_SHEET_STATE_N)
		return -1;
	stmt = store_stmt(st, set_state_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, sheet_state_names[state]);
	store_bind_text(stmt, 3, visit_date);
	sqlite3_bind_int64(stmt, 4, now);
	return store_exec_stmt(st, stmt, "sheet set state");
}

int
store_sheet_set_alert(struct store *st, int64_t id, int which, int64_t now)
{
	sqlite3_stmt *stmt;

	if (which != 24 && which != 48)
		return -1;
	stmt = store_stmt(st, which == 24 ? set_alert24_sql :
	    set_alert48_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	return store_exec_stmt(st, stmt, "sheet set alert");
}

int
store_sheet_set_notified(struct store *st, int64_t id, int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, set_notified_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	return store_exec_stmt(st, stmt, "sheet set notified");
}

struct sheet_walk {
	store_sheet_cb *cb;
	void *arg;
};

static int
sheet_walk_row(sqlite3_stmt *stmt, void *p)
{
	struct sheet_walk *w = p;
	struct store_sheet s;
	int stop;

	memset(&s, 0, sizeof(s));
	sheet_row(stmt, &s);
	stop = w->cb(&s, w->arg);
	store_sheet_clear(&s);
	return stop;
}

int
store_sheet_list(struct store *st, const struct store_sheet_filter *f,
    store_sheet_cb *cb, void *arg)
{
	struct sheet_walk w = { cb, arg };
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, list_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, f->all != 0);
	if (f->state_plus1 > 0)
		store_bind_text(stmt, 2, store_sheet_strstate(
		    f->state_plus1 - 1));
	sqlite3_bind_int(stmt, 3, f->needs_visit != 0);
	store_bind_opt_i64(stmt, 4, f->overdue_at);
	sqlite3_bind_int(stmt, 5, f->unnotified != 0);
	bind_opt_int(stmt, 6, f->urgent_plus1 > 0, f->urgent_plus1 - 1);
	store_bind_text(stmt, 7, f->commune);
	store_bind_text(stmt, 8, f->reporter_phone);
	return store_walk(st, stmt, sheet_walk_row, &w, "sheet list");
}

void
store_sheet_clear(struct store_sheet *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->household);
	free(s->reporter_phone);
	free(s->commune);
	free(s->channel);
	free(s->visit_date);
	free(s->merge_kind);
	free(s->indicator_version);
	free(s->raw_hash);
	for (i = 0; i < s->n_values; i++)
		free(s->values[i].indicator);
	free(s->values);
	memset(s, 0, sizeof(*s));
}

int
store_sheet_meta_get(struct store *st, const char *key, char **value)
{
	sqlite3_stmt *stmt;
	int rc;

	*value = NULL;
	stmt = store_stmt(st, meta_get_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, key);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*value = store_col_strdup(stmt, 0);
	store_stmt_done(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_log_error(st, "sheet meta get");
		return -1;
	}
	return 0;
}

int
store_sheet_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, meta_set_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, key);
	store_bind_text(stmt, 2, value);
	return store_exec_stmt(st, stmt, "sheet meta set");
}
