/*
 * sheet_households.c - the household register (observation-sheet.md 7.3):
 * SPAS issues the 8-digit household codes (7 random digits + Damm check
 * digit) that reporters write on sheets, knows which codes exist, and
 * links a code to the family's identity, which is kept only here, on the
 * SPAS box.  Nothing of the identity is ever logged or sent by SMS:
 * sheets, alerts and tasks carry the code alone.
 *
 * With [sheets] household_register = strict a sheet naming a code that
 * was never issued is still stored (a report SPAS does not see is worse
 * than none), marked household_unknown; the reporter is told precisely
 * and SPAS gets a task (service "sheet", kind "unknown_household") to
 * call the reporter back.  With "open" (the default when the key is
 * absent, for installations that have no register yet) any Damm-valid
 * code is taken as before.
 */
#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"
#include "table.h"
#include "util.h"

#define ISSUE_TRIES 64 /* random draws per code before giving up */

const char sheet_schema_households[] =
    "CREATE TABLE households ("
    "  code TEXT PRIMARY KEY CHECK (length(code) = 8),"
    "  village TEXT,"			/* where the list goes, or NULL */
    "  issued_at INTEGER NOT NULL,"	/* unix ms */
    "  issued_by TEXT,"
    "  family TEXT,"			/* identity: SPAS only, never SMS */
    "  address TEXT,"
    "  linked_at INTEGER,"
    "  linked_by TEXT,"
    "  updated_at INTEGER NOT NULL"
    ") WITHOUT ROWID;";

static const char insert_sql[] =
    "INSERT INTO households (code, village, issued_at, issued_by,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?3) ON CONFLICT DO NOTHING";
static const char known_sql[] =
    "SELECT 1 FROM households WHERE code = ?1";
static const char link_sql[] =
    "UPDATE households SET family = ?2, address = COALESCE(?3, address),"
    " linked_at = ?4, linked_by = ?5, updated_at = ?4 WHERE code = ?1";
static const char get_sql[] =
    "SELECT code, COALESCE(village, ''), issued_at, COALESCE(issued_by, ''),"
    " COALESCE(family, ''), COALESCE(address, ''), COALESCE(linked_at, 0),"
    " COALESCE(linked_by, '') FROM households"
    " WHERE (CAST(?1 AS TEXT) IS NULL OR code = ?1)"
    " AND (CAST(?2 AS TEXT) IS NULL OR village = ?2)"
    " ORDER BY issued_at, code";

const char *
sheet_hh_strstatus(enum sheet_hh_status s)
{
	switch (s) {
	case SHEET_HH_OK:
		return "ok";
	case SHEET_HH_BAD_CODE:
		return "not a household code (8 digits, valid check digit)";
	case SHEET_HH_UNKNOWN:
		return "code never issued by this SPAS";
	case SHEET_HH_MISSING:
		return "--family is required";
	case SHEET_HH_RANDOM:
		return "no randomness for new codes";
	case SHEET_HH_STORE:
		return "database error";
	}
	return "?";
}

/* "YYYY-MM-DD HH:MM" UTC, as the other SPAS lists print times. */
static void
fmt_utc(int64_t ms, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, outlen, "?");
}

/* One random 7-digit body plus its Damm digit into code[9]; -1 if no
 * randomness. */
static int
random_code(char code[9])
{
	uint8_t b[7];
	ssize_t r;
	int i, d;

	r = getrandom(b, sizeof(b), 0);
	if (r != (ssize_t)sizeof(b))
		return -1;
	for (i = 0; i < 7; i++)
		code[i] = (char)('0' + b[i] % 10); /* bias < 3 %, harmless */
	d = sheet_damm_digit(code, 7);
	if (d < 0)
		return -1;
	code[7] = (char)('0' + d);
	code[8] = '\0';
	return 0;
}

int
sheet_household_known(struct store *st, const char *code)
{
	struct store_sql *q;
	int rc;

	q = store_sql_prepare(st, known_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, code);
	rc = store_sql_step(q, "household known");
	store_sql_done(q);
	return rc;
}

enum sheet_hh_status
sheet_household_issue(struct store *st, size_t count, const char *village,
    const char *by, int64_t now, char (*codes)[9])
{
	struct store_sql *q;
	size_t n = 0;
	int tries = 0, rc;

	if (store_begin(st) == -1)
		return SHEET_HH_STORE;
	while (n < count) {
		if (tries++ > (int)count * ISSUE_TRIES)
			goto fail_random;
		if (random_code(codes[n]) == -1)
			goto fail_random;
		q = store_sql_prepare(st, insert_sql);
		if (q == NULL)
			goto fail;
		store_sql_bind_text(q, 1, codes[n]);
		store_sql_bind_text(q, 2, village);
		store_sql_bind_int64(q, 3, now);
		store_sql_bind_text(q, 4, by);
		if (store_sql_exec(q, "household issue") == -1)
			goto fail;
		/* A code drawn twice (already issued) is drawn again. */
		if (store_sql_changes(st) == 1)
			n++;
	}
	rc = store_commit(st);
	if (rc == -1)
		goto fail;
	log_info("households: %zu code(s) issued", count);
	return SHEET_HH_OK;
fail_random:
	store_rollback(st);
	return SHEET_HH_RANDOM;
fail:
	store_rollback(st);
	return SHEET_HH_STORE;
}

enum sheet_hh_status
sheet_household_link(struct store *st, const char *code, const char *family,
    const char *address, const char *by, int64_t now)
{
	struct store_sql *q;
	int rc;

	if (code == NULL || strlen(code) != 8 || !sheet_damm_valid(code, 8))
		return SHEET_HH_BAD_CODE;
	if (family == NULL || family[0] == '\0')
		return SHEET_HH_MISSING;
	if (store_begin(st) == -1)
		return SHEET_HH_STORE;
	q = store_sql_prepare(st, link_sql);
	if (q == NULL)
		goto fail;
	store_sql_bind_text(q, 1, code);
	store_sql_bind_text(q, 2, family);
	store_sql_bind_text(q, 3, address);
	store_sql_bind_int64(q, 4, now);
	store_sql_bind_text(q, 5, by);
	if (store_sql_exec(q, "household link") == -1)
		goto fail;
	rc = store_sql_changes(st);
	if (rc == 1) {
		char ref[32];

		/* The call-back task for this code, if any, is done. */
		snprintf(ref, sizeof(ref), "household:%s", code);
		if (store_task_close_ref(st, "sheet", "unknown_household", ref,
		    STORE_TASK_DONE, by, "linked", now) < 0)
			goto fail;
	}
	if (store_commit(st) == -1)
		goto fail;
	return rc == 1 ? SHEET_HH_OK : SHEET_HH_UNKNOWN;
fail:
	store_rollback(st);
	return SHEET_HH_STORE;
}

struct table *
sheet_households_table(struct store *st, const char *code,
    const char *village, int with_identity)
{
	static const struct table_col cols[] = {
		{ "code", "Cod familie" },
		{ "village", "Sat" },
		{ "issued_at", "Emis la" },
		{ "issued_by", "Emis de" },
		{ "linked", "Identificată" },
		{ "family", "Familie" },
		{ "address", "Adresă" },
		{ "linked_at", "Identificată la" },
		{ "linked_by", "Identificată de" },
	};
	struct store_sql *q;
	struct table *t;
	int rc;

	q = store_sql_prepare(st, get_sql);
	if (q == NULL)
		return NULL;
	store_sql_bind_text(q, 1, code);
	store_sql_bind_text(q, 2, village);
	/* The list shows whether a code is linked; only `show` (audited)
	 * shows who the family is. */
	t = table_new("households", cols, with_identity ? NELEM(cols) : 5);
	while ((rc = store_sql_step(q, "household list")) == 1) {
		size_t r = table_add_row(t);
		int64_t linked = store_sql_col_int64(q, 6);
		char when[32];

		table_set(t, r, 0, store_sql_col_text(q, 0));
		table_set(t, r, 1, store_sql_col_text(q, 1));
		fmt_utc(store_sql_col_int64(q, 2), when, sizeof(when));
		table_set(t, r, 2, when);
		table_set(t, r, 3, store_sql_col_text(q, 3));
		table_set(t, r, 4, linked != 0 ? "yes" : "no");
		if (!with_identity)
			continue;
		table_set(t, r, 5, store_sql_col_text(q, 4));
		table_set(t, r, 6, store_sql_col_text(q, 5));
		if (linked != 0)
			fmt_utc(linked, when, sizeof(when));
		table_set(t, r, 7, linked != 0 ? when : "");
		table_set(t, r, 8, store_sql_col_text(q, 7));
	}
	store_sql_done(q);
	if (rc == -1) {
		table_free(t);
		return NULL;
	}
	return t;
}
