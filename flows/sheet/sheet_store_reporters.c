/*
 * sheet_store_reporters.c - professionals enrolled by SPAS to send
 * Observation Sheets: the MSISDN allow-list, the reply language, and the
 * USSD PIN (a salted PBKDF2 hash made in sheet_sha256.c; never the PIN).
 */
#include <stdlib.h>
#include <string.h>

#include "sheet_store.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

const char sheet_schema_reporters[] =
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
    "INSERT INTO reporters (phone, name, profession,"
    " institution, commune, language, pin_hash, active, enrolled_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8)"
    " ON CONFLICT DO NOTHING";
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

struct reporter_walk {
	sheet_reporter_cb *cb; /* the caller's callback */
	void *arg;	       /* its argument */
};

static void reporter_read(struct store_sql *, struct sheet_reporter *);
static int reporter_one(struct store_sql *, struct sheet_reporter *,
    const char *);
static int reporter_walk_row(struct store_sql *, void *);

static void
reporter_read(struct store_sql *q, struct sheet_reporter *r)
{
	r->id = store_sql_col_int64(q, 0);
	r->phone = store_sql_col_strdup(q, 1);
	r->name = store_sql_col_strdup(q, 2);
	r->profession = store_sql_col_strdup(q, 3);
	r->institution = store_sql_col_strdup(q, 4);
	r->commune = store_sql_col_strdup(q, 5);
	r->language = store_sql_col_strdup(q, 6);
	r->pin_hash = store_sql_col_strdup(q, 7);
	r->pin_failures = store_sql_col_int(q, 8);
	r->active = store_sql_col_int(q, 9);
	r->enrolled_at = store_sql_col_int64(q, 10);
}

/* Steps a bound single-row SELECT: 1 row, 0 none, -1 error. */
static int
reporter_one(struct store_sql *q, struct sheet_reporter *out,
    const char *what)
{
	int rc = store_sql_step(q, what);

	if (rc == 1)
		reporter_read(q, out);
	store_sql_done(q);
	return rc;
}

int
sheet_store_reporter_add(struct store *st, struct sheet_reporter *r,
    int64_t now)
{
	struct store_sql *q;

	q = store_sql_prepare(st, add_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, r->phone);
	store_sql_bind_text(q, 2, r->name);
	store_sql_bind_text(q, 3, r->profession);
	store_sql_bind_text(q, 4, r->institution);
	store_sql_bind_text(q, 5, r->commune);
	store_sql_bind_text(q, 6, r->language != NULL ? r->language : "ro");
	store_sql_bind_text(q, 7, r->pin_hash);
	store_sql_bind_int64(q, 8, now);
	if (store_sql_exec(q, "reporter add") == -1)
		return -1;
	if (store_sql_changes(st) == 0)
		return 0;
	r->id = store_sql_last_id(st);
	r->active = 1;
	r->pin_failures = 0;
	r->enrolled_at = now;
	return 1;
}

int
sheet_store_reporter_find(struct store *st, const char *phone,
    struct sheet_reporter *out)
{
	struct store_sql *q;

	memset(out, 0, sizeof(*out));
	q = store_sql_prepare(st, find_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	return reporter_one(q, out, "reporter find");
}

int
sheet_store_reporter_get(struct store *st, int64_t id,
    struct sheet_reporter *out)
{
	struct store_sql *q;

	memset(out, 0, sizeof(*out));
	q = store_sql_prepare(st, get_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	return reporter_one(q, out, "reporter get");
}

int
sheet_store_reporter_set_active(struct store *st, const char *phone,
    int active, int64_t now)
{
	struct store_sql *q;

	q = store_sql_prepare(st, active_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int(q, 2, active != 0);
	store_sql_bind_int64(q, 3, now);
	if (store_sql_exec(q, "reporter set active") == -1)
		return -1;
	return store_sql_changes(st) > 0;
}

int
sheet_store_reporter_set_pin(struct store *st, const char *phone,
    const char *pin_hash, int64_t now)
{
	struct store_sql *q;

	q = store_sql_prepare(st, pin_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_text(q, 2, pin_hash);
	store_sql_bind_int64(q, 3, now);
	if (store_sql_exec(q, "reporter set pin") == -1)
		return -1;
	return store_sql_changes(st) > 0;
}

int
sheet_store_reporter_pin_result(struct store *st, int64_t id, int ok,
    int64_t now, int *failures)
{
	struct store_sql *q;
	int rc;

	q = store_sql_prepare(st, ok ? pin_ok_sql : pin_bad_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_int64(q, 2, now);
	rc = store_sql_step(q, "reporter pin result");
	if (rc != 1) {
		/* 0: no such reporter. */
		store_sql_done(q);
		return -1;
	}
	if (failures != NULL)
		*failures = store_sql_col_int(q, 0);
	/* Step to the end so the UPDATE statement completes. */
	return store_sql_exec(q, "reporter pin result");
}

static int
reporter_walk_row(struct store_sql *q, void *p)
{
	struct reporter_walk *w = p;
	struct sheet_reporter r;
	int stop;

	memset(&r, 0, sizeof(r));
	reporter_read(q, &r);
	stop = w->cb(&r, w->arg);
	sheet_reporter_clear(&r);
	return stop;
}

int
sheet_store_reporter_list(struct store *st, sheet_reporter_cb *cb, void *arg)
{
	struct reporter_walk w = { cb, arg };
	struct store_sql *q;

	q = store_sql_prepare(st, list_sql);
	if (q == NULL)
		return -1;
	return store_sql_walk(q, reporter_walk_row, &w, "reporter list");
}

void
sheet_reporter_clear(struct sheet_reporter *r)
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
