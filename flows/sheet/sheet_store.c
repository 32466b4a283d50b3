/*
 * sheet_store.c - stored Observation Sheets, their indicator values, the
 * follow-up bookkeeping (state, visit deadline, alerts sent) and the
 * service's key/value memory; and the service's migration list.
 *
 * A sheet row keeps its legal number (county, year, seq) for ever: the
 * triple is UNIQUE, so a number can never be given twice, and an update
 * of a family's cycle is a new row with a new number that supersedes the
 * previous one (observation-sheet.md section 2, recommendation 4).  Values
 * are one row per sheet and indicator id, so a revised indicator table
 * never reinterprets old sheets.
 */
#include <stdlib.h>
#include <string.h>

#include "sheet.h"
#include "sheet_store.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

static const char sheet_schema_sheets[] =
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

/*
 * Issue 11.  A correction or a merge into the family's open cycle keeps
 * the cycle's legal number (keeps_number = 1 on the rows after the first),
 * so the number is unique only among the rows that took it: the table is
 * rebuilt without UNIQUE (county, year, seq), which becomes a partial
 * unique index.  The rebuild keeps every id; foreign keys pointing at
 * sheets (sheet_values, other services) are checked at commit
 * (defer_foreign_keys), when every row is back.  Also: what a merge
 * added (counted for SPAS), when the sheet was filled and whether it
 * came later than 48 h (D1), and a code missing from the register.
 */
static const char sheet_schema_numbers[] =
    "PRAGMA defer_foreign_keys = ON;"
    "ALTER TABLE sheets ADD COLUMN keeps_number INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sheets ADD COLUMN added INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sheets ADD COLUMN filled_at INTEGER;"
    "ALTER TABLE sheets ADD COLUMN late INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sheets ADD COLUMN household_unknown INTEGER NOT NULL"
    "  DEFAULT 0;"
    "CREATE TABLE sheet_rebuild AS SELECT * FROM sheets;"
    "DROP TABLE sheets;"
    "CREATE TABLE sheets ("
    "  id INTEGER PRIMARY KEY,"
    "  county INTEGER NOT NULL,"
    "  year INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 999),"
    "  household TEXT,"
    "  reporter_id INTEGER NOT NULL REFERENCES reporters(id),"
    "  received_at INTEGER NOT NULL,"
    "  time_start INTEGER,"
    "  time_end INTEGER,"
    "  channel TEXT NOT NULL,"
    "  any_risk INTEGER NOT NULL,"
    "  risk_count INTEGER NOT NULL,"
    "  flags INTEGER NOT NULL DEFAULT 0,"
    "  unknown INTEGER NOT NULL DEFAULT 0,"
    "  urgent INTEGER NOT NULL,"
    "  urgent_flag INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL,"
    "  visit_date TEXT,"
    "  visit_deadline INTEGER NOT NULL,"
    "  alert_24_sent INTEGER NOT NULL DEFAULT 0,"
    "  alert_48_sent INTEGER NOT NULL DEFAULT 0,"
    "  notified_at INTEGER,"
    "  supersedes INTEGER REFERENCES sheets(id),"
    "  superseded_by INTEGER REFERENCES sheets(id),"
    "  merge_kind TEXT NOT NULL DEFAULT 'new',"
    "  indicator_version TEXT NOT NULL,"
    "  raw_hash TEXT,"
    "  updated_at INTEGER NOT NULL,"
    "  keeps_number INTEGER NOT NULL DEFAULT 0," /* number of its cycle */
    "  added INTEGER NOT NULL DEFAULT 0,"	/* new 1s vs the cycle */
    "  filled_at INTEGER,"			/* ms, D token */
    "  late INTEGER NOT NULL DEFAULT 0,"	/* sent > 48 h after */
    "  household_unknown INTEGER NOT NULL DEFAULT 0" /* not in register */
    ");"
    "INSERT INTO sheets SELECT * FROM sheet_rebuild ORDER BY id;"
    "DROP TABLE sheet_rebuild;"
    "CREATE UNIQUE INDEX sheets_number ON sheets(county, year, seq)"
    "  WHERE keeps_number = 0;"
    "CREATE INDEX sheets_household ON sheets(household, received_at)"
    "  WHERE superseded_by IS NULL;"
    "CREATE INDEX sheets_open ON sheets(state, visit_deadline)"
    "  WHERE superseded_by IS NULL;";

/* PostgreSQL alters in place what SQLite must rebuild; the unique
 * constraint has PostgreSQL's default name. */
static const char sheet_schema_numbers_pg[] =
    "ALTER TABLE sheets ADD COLUMN keeps_number INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sheets ADD COLUMN added INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sheets ADD COLUMN filled_at INTEGER;"
    "ALTER TABLE sheets ADD COLUMN late INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sheets ADD COLUMN household_unknown INTEGER NOT NULL"
    "  DEFAULT 0;"
    "ALTER TABLE sheets DROP CONSTRAINT sheets_county_year_seq_key;"
    "CREATE UNIQUE INDEX sheets_number ON sheets(county, year, seq)"
    "  WHERE keeps_number = 0;";

/*
 * The service's tables.  The names are those the two migrations had in
 * the core list before the service had its own, so existing databases
 * keep them as applied.  Append only; never edit a merged line.
 */
const struct store_migration sheet_migrations[] = {
	{ "0004_reporters", sheet_schema_reporters, NULL },
	{ "0005_sheets", sheet_schema_sheets, NULL },
	{ "sheet_0006_numbers", sheet_schema_numbers, sheet_schema_numbers_pg },
	{ "sheet_0007_households", sheet_schema_households, NULL },
	{ NULL, NULL, NULL },
};

static const char *const sheet_state_names[SHEET_STATE_N] = {
	[SHEET_STATE_NEW] = "new",
	[SHEET_STATE_VISIT_PENDING] = "visit_pending",
	[SHEET_STATE_VISIT_SCHEDULED] = "visit_scheduled",
	[SHEET_STATE_VISITED] = "visited",
	[SHEET_STATE_NO_SUSPICION] = "no_suspicion",
	[SHEET_STATE_INCOMPLETE] = "incomplete",
};

/* Keep in step with sheet_row_read(). */
#define SHEET_COLS                                                          \
	"s.id, s.county, s.year, s.seq, s.household, s.reporter_id,"        \
	" s.received_at, s.time_start, s.time_end, s.channel, s.any_risk,"  \
	" s.risk_count, s.flags, s.unknown, s.urgent, s.urgent_flag,"      \
	" s.state, s.visit_date, s.visit_deadline, s.alert_24_sent,"       \
	" s.alert_48_sent, s.notified_at, s.supersedes, s.superseded_by,"  \
	" s.merge_kind, s.indicator_version, s.raw_hash, r.phone, r.commune,"   \
	" s.keeps_number, s.added, s.filled_at, s.late, s.household_unknown"
#define SHEET_FROM " FROM sheets s JOIN reporters r ON r.id = s.reporter_id"
/* The states in which a sheet with a suspicion still waits for its RIS
 * visit. */
#define SHEET_OPEN "s.state IN ('new', 'visit_pending', 'visit_scheduled')"

static const char next_seq_sql[] =
    "SELECT COALESCE(MAX(seq), ?3 - 1) + 1 FROM sheets"
    " WHERE county = ?1 AND year = ?2 AND seq BETWEEN ?3 AND ?4";
static const char insert_sql[] =
    "INSERT INTO sheets (county, year, seq, household, reporter_id,"
    " received_at, time_start, time_end, channel, any_risk, risk_count,"
    " flags, unknown, urgent, urgent_flag, state, visit_date,"
    " visit_deadline, alert_24_sent, alert_48_sent, notified_at,"
    " supersedes, merge_kind, indicator_version, raw_hash, updated_at,"
    " keeps_number, added, filled_at, late, household_unknown)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27,"
    " ?28, ?29, ?30, ?31)";
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
    " ORDER BY s.year DESC, s.superseded_by IS NULL DESC, s.id DESC LIMIT 1";
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
    " WHERE (?1 <> 0 OR s.superseded_by IS NULL)"
    " AND (CAST(?2 AS TEXT) IS NULL OR s.state = ?2)"
    " AND (?3 = 0 OR (s.any_risk = 1 AND " SHEET_OPEN "))"
    " AND (CAST(?4 AS INTEGER) IS NULL OR (s.any_risk = 1 AND " SHEET_OPEN
    " AND s.visit_deadline <= ?4))"
    " AND (?5 = 0 OR s.notified_at IS NULL)"
    " AND (CAST(?6 AS INTEGER) IS NULL OR s.urgent = ?6"
    " OR (?9 <> 0 AND s.keeps_number = 1))"
    /* ?7, the commune, is applied in sheet_walk_row */
    " AND (CAST(?7 AS TEXT) IS NULL OR ?7 = ?7)"
    " AND (CAST(?8 AS TEXT) IS NULL OR r.phone = ?8)"
    " ORDER BY s.received_at, s.id";
static const char meta_get_sql[] =
    "SELECT value FROM sheet_meta WHERE key = ?1";
static const char meta_set_sql[] =
    "INSERT INTO sheet_meta (key, value) VALUES (?1, ?2)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value";

struct sheet_walk {
	sheet_row_cb *cb; /* the caller's callback */
	void *arg;	  /* its argument */
	char commune[128]; /* folded filter, "" = any */
};

static int state_parse(const char *);
static int bind_opt_int(struct store_sql *, int, int, int);
static int col_opt_int(struct store_sql *, int);
static void sheet_row_read(struct store_sql *, struct sheet_row *);
static int sheet_one(struct store *, struct store_sql *, int,
    struct sheet_row *, const char *);
static int sheet_walk_row(struct store_sql *, void *);

const char *
sheet_strstate(int state)
{
	if (state < 0 || state >= SHEET_STATE_N)
		return "?";
	return sheet_state_names[state];
}

static int
state_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < SHEET_STATE_N; i++)
		if (strcmp(sheet_state_names[i], s) == 0)
			return i;
	return SHEET_STATE_NEW;
}

/* Binds v, or NULL when !set. */
static int
bind_opt_int(struct store_sql *q, int idx, int set, int v)
{
	if (!set)
		return store_sql_bind_null(q, idx);
	return store_sql_bind_int(q, idx, v);
}

/* An int column, -1 for NULL. */
static int
col_opt_int(struct store_sql *q, int col)
{
	return store_sql_col_is_null(q, col) ? -1 : store_sql_col_int(q, col);
}

static void
sheet_row_read(struct store_sql *q, struct sheet_row *s)
{
	s->id = store_sql_col_int64(q, 0);
	s->county = store_sql_col_int(q, 1);
	s->year = store_sql_col_int(q, 2);
	s->seq = store_sql_col_int(q, 3);
	s->household = store_sql_col_strdup(q, 4);
	s->reporter_id = store_sql_col_int64(q, 5);
	s->received_at = store_sql_col_int64(q, 6);
	s->time_start = col_opt_int(q, 7);
	s->time_end = col_opt_int(q, 8);
	s->channel = store_sql_col_strdup(q, 9);
	s->any_risk = store_sql_col_int(q, 10);
	s->risk_count = store_sql_col_int(q, 11);
	s->flags = store_sql_col_int(q, 12);
	s->unknown = store_sql_col_int(q, 13);
	s->urgent = store_sql_col_int(q, 14);
	s->urgent_flag = store_sql_col_int(q, 15);
	s->state = state_parse(store_sql_col_text(q, 16));
	s->visit_date = store_sql_col_strdup(q, 17);
	s->visit_deadline = store_sql_col_int64(q, 18);
	s->alert_24_sent = store_sql_col_int(q, 19);
	s->alert_48_sent = store_sql_col_int(q, 20);
	s->notified_at = store_sql_col_int64(q, 21);
	s->supersedes = store_sql_col_int64(q, 22);
	s->superseded_by = store_sql_col_int64(q, 23);
	s->merge_kind = store_sql_col_strdup(q, 24);
	s->indicator_version = store_sql_col_strdup(q, 25);
	s->raw_hash = store_sql_col_strdup(q, 26);
	s->reporter_phone = store_sql_col_strdup(q, 27);
	s->commune = store_sql_col_strdup(q, 28);
	s->keeps_number = store_sql_col_int(q, 29);
	s->added = store_sql_col_int(q, 30);
	s->filled_at = store_sql_col_int64(q, 31);
	s->late = store_sql_col_int(q, 32);
	s->household_unknown = store_sql_col_int(q, 33);
}

/* Steps a bound single-row SELECT: 1 row (values loaded if asked), 0
 * none, -1 error. */
static int
sheet_one(struct store *st, struct store_sql *q, int with_values,
    struct sheet_row *out, const char *what)
{
	int rc = store_sql_step(q, what);

	if (rc == 1)
		sheet_row_read(q, out);
	store_sql_done(q);
	if (rc != 1)
		return rc;
	if (with_values && sheet_store_load_values(st, out) == -1) {
		sheet_row_clear(out);
		return -1;
	}
	return 1;
}

int
sheet_store_next_seq(struct store *st, int county, int year, int first,
    int last, int *seq)
{
	struct store_sql *q;
	int rc;

	q = store_sql_prepare(st, next_seq_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int(q, 1, county);
	store_sql_bind_int(q, 2, year);
	store_sql_bind_int(q, 3, first);
	store_sql_bind_int(q, 4, last);
	rc = store_sql_step(q, "sheet next seq");
	if (rc == 1)
		*seq = store_sql_col_int(q, 0);
	store_sql_done(q);
	return rc == 1 ? 0 : -1;
}

int
sheet_store_insert(struct store *st, struct sheet_row *s, int64_t now)
{
	struct store_sql *q;
	size_t i;

	q = store_sql_prepare(st, insert_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int(q, 1, s->county);
	store_sql_bind_int(q, 2, s->year);
	store_sql_bind_int(q, 3, s->seq);
	store_sql_bind_text(q, 4, s->household);
	store_sql_bind_int64(q, 5, s->reporter_id);
	store_sql_bind_int64(q, 6, s->received_at);
	bind_opt_int(q, 7, s->time_start >= 0, s->time_start);
	bind_opt_int(q, 8, s->time_end >= 0, s->time_end);
	store_sql_bind_text(q, 9, s->channel);
	store_sql_bind_int(q, 10, s->any_risk);
	store_sql_bind_int(q, 11, s->risk_count);
	store_sql_bind_int(q, 12, s->flags);
	store_sql_bind_int(q, 13, s->unknown);
	store_sql_bind_int(q, 14, s->urgent);
	store_sql_bind_int(q, 15, s->urgent_flag);
	store_sql_bind_text(q, 16, sheet_strstate(s->state));
	store_sql_bind_text(q, 17, s->visit_date);
	store_sql_bind_int64(q, 18, s->visit_deadline);
	store_sql_bind_int(q, 19, s->alert_24_sent);
	store_sql_bind_int(q, 20, s->alert_48_sent);
	store_sql_bind_opt_int64(q, 21, s->notified_at);
	store_sql_bind_opt_int64(q, 22, s->supersedes);
	store_sql_bind_text(q, 23, s->merge_kind != NULL ? s->merge_kind :
	    "new");
	store_sql_bind_text(q, 24, s->indicator_version);
	store_sql_bind_text(q, 25, s->raw_hash);
	store_sql_bind_int64(q, 26, now);
	store_sql_bind_int(q, 27, s->keeps_number);
	store_sql_bind_int(q, 28, s->added);
	store_sql_bind_opt_int64(q, 29, s->filled_at);
	store_sql_bind_int(q, 30, s->late);
	store_sql_bind_int(q, 31, s->household_unknown);
	if (store_sql_exec(q, "sheet insert") == -1)
		return -1;
	s->id = store_sql_last_id(st);
	for (i = 0; i < s->n_values; i++) {
		q = store_sql_prepare(st, insert_value_sql);
		if (q == NULL)
			return -1;
		store_sql_bind_int64(q, 1, s->id);
		store_sql_bind_text(q, 2, s->values[i].indicator);
		store_sql_bind_int(q, 3, s->values[i].value);
		store_sql_bind_int(q, 4, s->values[i].own);
		if (store_sql_exec(q, "sheet insert value") == -1)
			return -1;
	}
	return 0;
}

int
sheet_store_load_values(struct store *st, struct sheet_row *s)
{
	struct store_sql *q;
	size_t cap = 0;
	int rc;

	for (size_t i = 0; i < s->n_values; i++)
		free(s->values[i].indicator);
	free(s->values);
	s->values = NULL;
	s->n_values = 0;
	q = store_sql_prepare(st, values_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, s->id);
	while ((rc = store_sql_step(q, "sheet values")) == 1) {
		if (s->n_values == cap) {
			cap = cap ? cap * 2 : 80;
			s->values = xrealloc(s->values,
			    cap * sizeof(*s->values));
		}
		s->values[s->n_values].indicator = store_sql_col_strdup(q, 0);
		s->values[s->n_values].value = store_sql_col_int(q, 1);
		s->values[s->n_values].own = store_sql_col_int(q, 2);
		s->n_values++;
	}
	store_sql_done(q);
	return rc == 0 ? 0 : -1;
}

int
sheet_store_find_live(struct store *st, const char *household,
    int64_t since, struct sheet_row *out)
{
	struct store_sql *q;

	memset(out, 0, sizeof(*out));
	q = store_sql_prepare(st, find_live_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, household);
	store_sql_bind_int64(q, 2, since);
	return sheet_one(st, q, 1, out, "sheet find live");
}

int
sheet_store_get(struct store *st, int64_t id, int with_values,
    struct sheet_row *out)
{
	struct store_sql *q;

	memset(out, 0, sizeof(*out));
	q = store_sql_prepare(st, get_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	return sheet_one(st, q, with_values, out, "sheet get");
}

int
sheet_store_get_by_no(struct store *st, int county, int seq,
    int with_values, struct sheet_row *out)
{
	struct store_sql *q;

	memset(out, 0, sizeof(*out));
	q = store_sql_prepare(st, get_by_no_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int(q, 1, county);
	store_sql_bind_int(q, 2, seq);
	return sheet_one(st, q, with_values, out, "sheet get by number");
}

int
sheet_store_supersede(struct store *st, int64_t old_id, int64_t new_id,
    int64_t now)
{
	struct store_sql *q;

	q = store_sql_prepare(st, supersede_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, old_id);
	store_sql_bind_int64(q, 2, new_id);
	store_sql_bind_int64(q, 3, now);
	if (store_sql_exec(q, "sheet supersede") == -1)
		return -1;
	/* Two updates racing for one cycle must not both win. */
	return store_sql_changes(st) == 1 ? 0 : -1;
}

int
sheet_store_set_state(struct store *st, int64_t id, int state,
    const char *visit_date, int64_t now)
{
	struct store_sql *q;

	if (state < 0 || state >= SHEET_STATE_N)
		return -1;
	q = store_sql_prepare(st, set_state_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, sheet_state_names[state]);
	store_sql_bind_text(q, 3, visit_date);
	store_sql_bind_int64(q, 4, now);
	return store_sql_exec(q, "sheet set state");
}

int
sheet_store_set_alert(struct store *st, int64_t id, int which, int64_t now)
{
	struct store_sql *q;

	if (which != 24 && which != 48)
		return -1;
	q = store_sql_prepare(st, which == 24 ? set_alert24_sql :
	    set_alert48_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_int64(q, 2, now);
	return store_sql_exec(q, "sheet set alert");
}

int
sheet_store_set_notified(struct store *st, int64_t id, int64_t now)
{
	struct store_sql *q;

	q = store_sql_prepare(st, set_notified_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_int64(q, 2, now);
	return store_sql_exec(q, "sheet set notified");
}

static int
sheet_walk_row(struct store_sql *q, void *p)
{
	struct sheet_walk *w = p;
	struct sheet_row s;
	int stop;

	memset(&s, 0, sizeof(s));
	sheet_row_read(q, &s);
	/* "Apata" finds "Apața": communes compare folded (diacritics and
	 * case), which SQLite's NOCASE cannot do. */
	if (w->commune[0] != '\0') {
		char c[128];

		if (s.commune == NULL || sheet_normalize(s.commune,
		    strlen(s.commune), c, sizeof(c)) < 0 ||
		    strcmp(c, w->commune) != 0) {
			sheet_row_clear(&s);
			return 0;
		}
	}
	stop = w->cb(&s, w->arg);
	sheet_row_clear(&s);
	return stop;
}

int
sheet_store_list(struct store *st, const struct sheet_filter *f,
    sheet_row_cb *cb, void *arg)
{
	struct sheet_walk w = { cb, arg, "" };
	struct store_sql *q;

	if (f->commune != NULL && sheet_normalize(f->commune,
	    strlen(f->commune), w.commune, sizeof(w.commune)) < 0)
		return 0; /* longer than any commune: matches nothing */

	q = store_sql_prepare(st, list_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int(q, 1, f->all != 0);
	if (f->state_plus1 > 0)
		store_sql_bind_text(q, 2, sheet_strstate(f->state_plus1 - 1));
	store_sql_bind_int(q, 3, f->needs_visit != 0);
	store_sql_bind_opt_int64(q, 4, f->overdue_at);
	store_sql_bind_int(q, 5, f->unnotified != 0);
	bind_opt_int(q, 6, f->urgent_plus1 > 0, f->urgent_plus1 - 1);
	store_sql_bind_text(q, 7, NULL);
	store_sql_bind_text(q, 8, f->reporter_phone);
	store_sql_bind_int(q, 9, f->with_updates != 0);
	return store_sql_walk(q, sheet_walk_row, &w, "sheet list");
}

void
sheet_row_clear(struct sheet_row *s)
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
sheet_store_meta_get(struct store *st, const char *key, char **value)
{
	struct store_sql *q;
	int rc;

	*value = NULL;
	q = store_sql_prepare(st, meta_get_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, key);
	rc = store_sql_step(q, "sheet meta get");
	if (rc == 1)
		*value = store_sql_col_strdup(q, 0);
	store_sql_done(q);
	return rc == -1 ? -1 : 0;
}

int
sheet_store_meta_set(struct store *st, const char *key, const char *value)
{
	struct store_sql *q;

	q = store_sql_prepare(st, meta_set_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, key);
	store_sql_bind_text(q, 2, value);
	return store_sql_exec(q, "sheet meta set");
}
