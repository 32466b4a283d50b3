/*
 * store_reporters.c - professionals enrolled by SPAS to send Observation
 * Sheets: the MSISDN allow-list, the reply language, and the USSD PIN
 * (a salted PBKDF2 hash made in flows/sheet/sheet_sha256.c; never the PIN).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"
#include "util.h"

const char store_schema_reporters[] =
    "CREATE TABLE reporters ("
    "  id INTEGER PRIMARY KEY,"
    "  phone TEXT NOT NULL UNIQUE,"	/* E.164 */
    "  name TEXT NOT NULL,"
    "  profession TEXT NOT NULL,"	/* canonical code */
    "  institution TEXT,"
    "  commune TEXT NOT NULL,"
    "  language TEXT NOT NULL DEFAULT 'ro',"
    "  pin_hash TEXT,"			/* NULL: no USSD */
    "  pin_failures INTEGER NOT NULL DEFAULT 0,"
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  enrolled_at INTEGER NOT NULL,"	/* unix ms */
    "  updated_at INTEGER NOT NULL"
    ");";

#define REPORTER_COLS                                                    \
	"id, phone, name, profession, institution, commune, language,"  \
	" pin_hash, pin_failures, active, enrolled_at"

static const char add_sql[] =
    "INSERT OR IGNORE INTO reporters (phone, name, profession,"
    " institution, commune, language, pin_hash, active, enrolled_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8)";
static const char find_sql[] =
    "SELECT " REPORTER_COLS " FROM reporters WHERE phone = ?1";
static const char get_sql[] =
    "SELECT " REPORTER_COLS " FROM reporters WHERE id = ?1";
static const char list_sql[] =
    "SELECT " REPORTER_COLS " FROM reporters ORDER BY phone";
static const char active_sql[] =
    "UPDATE reporters SET active = ?2, updated_at = ?3 WHERE phone = ?1";
static const char pin_sql[] =
    "UPDATE reporters SET pin_hash = ?2, pin_failures = 0,"
    " updated_at = ?3 WHERE phone = ?1";
static const char pin_ok_sql[] =
    "UPDATE reporters SET pin_failures = 0, updated_at = ?2"
    " WHERE id = ?1 RETURNING pin_failures";
static const char pin_bad_sql[] =
    "UPDATE reporters SET pin_failures = pin_failures + 1,"
    " updated_at = ?2 WHERE id = ?1 RETURNING pin_failures";

static void reporter_row(sqlite3_stmt *, struct store_reporter *);
static int reporter_one(struct store *, sqlite3_stmt *,
    struct store_reporter *, const char *);

static void
reporter_row(sqlite3_stmt *stmt, struct store_reporter *r)
{
	r->id = sqlite3_column_int64(stmt, 0);
	r->phone = store_col_strdup(stmt, 1);
	r->name = store_col_strdup(stmt, 2);
	r->profession = store_col_strdup(stmt, 3);
	r->institution = store_col_strdup(stmt, 4);
	r->commune = store_col_strdup(stmt, 5);
	r->language = store_col_strdup(stmt, 6);
	r->pin_hash = store_col_strdup(stmt, 7);
	r->pin_failures = sqlite3_column_int(stmt, 8);
	r->active = sqlite3_column_int(stmt, 9);
	r->enrolled_at = sqlite3_column_int64(stmt, 10);
}

/* Steps a bound single-row SELECT: 1 row, 0 none, -1 error. */
static int
reporter_one(struct store *st, sqlite3_stmt *stmt, struct store_reporter *out,
    const char *what)
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
	reporter_row(stmt, out);
	store_stmt_done(stmt);
	return 1;
}

int
store_reporter_add(struct store *st, struct store_reporter *r, int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, add_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, r->phone);
	store_bind_text(stmt, 2, r->name);
	store_bind_text(stmt, 3, r->profession);
	store_bind_text(stmt, 4, r->institution);
	store_bind_text(stmt, 5, r->commune);
	store_bind_text(stmt, 6, r->language != NULL ? r->language : "ro");
	store_bind_text(stmt, 7, r->pin_hash);
	sqlite3_bind_int64(stmt, 8, now);
	if (store_exec_stmt(st, stmt, "reporter add") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return 0;
	r->id = sqlite3_last_insert_rowid(st->db);
	r->active = 1;
	r->pin_failures = 0;
	r->enrolled_at = now;
	return 1;
}

int
store_reporter_find(struct store *st, const char *phone,
    struct store_reporter *out)
{
	sqlite3_stmt *stmt;

	memset(out, 0, sizeof(*out));
	stmt = store_stmt(st, find_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	return reporter_one(st, stmt, out, "reporter find");
}

int
store_reporter_get(struct store *st, int64_t id, struct store_reporter *out)
{
	sqlite3_stmt *stmt;

	memset(out, 0, sizeof(*out));
	stmt = store_stmt(st, get_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return reporter_one(st, stmt, out, "reporter get");
}

int
store_reporter_set_active(struct store *st, const char *phone, int active,
    int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, active_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	sqlite3_bind_int(stmt, 2, active != 0);
	sqlite3_bind_int64(stmt, 3, now);
	if (store_exec_stmt(st, stmt, "reporter set active") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_reporter_set_pin(struct store *st, const char *phone,
    const char *pin_hash, int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, pin_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	store_bind_text(stmt, 2, pin_hash);
	sqlite3_bind_int64(stmt, 3, now);
	if (store_exec_stmt(st, stmt, "reporter set pin") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_reporter_pin_result(struct store *st, int64_t id, int ok, int64_t now,
    int *failures)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = store_stmt(st, ok ? pin_ok_sql : pin_bad_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, now);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			store_log_error(st, "reporter pin result");
		store_stmt_done(stmt);
		return -1;
	}
	if (failures != NULL)
		*failures = sqlite3_column_int(stmt, 0);
	/* Step to the end so the UPDATE statement completes. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		store_log_error(st, "reporter pin result");
		return -1;
	}
	return 0;
}

struct reporter_walk {
	store_reporter_cb *cb;
	void *arg;
};

static int
reporter_walk_row(sqlite3_stmt *stmt, void *p)
{
	struct reporter_walk *w = p;
	struct store_reporter r;
	int stop;

	memset(&r, 0, sizeof(r));
	reporter_row(stmt, &r);
	stop = w->cb(&r, w->arg);
	store_reporter_clear(&r);
	return stop;
}

int
store_reporter_list(struct store *st, store_reporter_cb *cb, void *arg)
{
	struct reporter_walk w = { cb, arg };
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, list_sql);
	if (stmt == NULL)
		return -1;
	return store_walk(st, stmt, reporter_walk_row, &w, "reporter list");
}

void
store_reporter_clear(struct store_reporter *r)
{
	if (r == NULL)
		return;
	free(r->phone);
	free(r->name);
	free(r->profession);
	free(r->institution);
	free(r->commune);
	free(r->language);
	if (r->pin_hash != NULL) {
		/* Not the PIN, but no reason to leave it lying around. */
		memset(r->pin_hash, 0, strlen(r->pin_hash));
		free(r->pin_hash);
	}
	memset(r, 0, sizeof(*r));
}
