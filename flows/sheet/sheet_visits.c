/*
 * sheet_visits.c - the SPAS follow-up rules on stored sheets
 * (spas-followup.md 5-7): naming a sheet ("22-041", "22041" or the
 * internal id), which row of a family's cycle is current (an older number
 * is superseded by the newest row), when a RIS visit is still open or
 * overdue, how a domain counts as assessed, and recording a visit.
 *
 * The `stafeta sheets` command and the SPAS web pages call these; they
 * parse arguments and format output, and hold no rule of their own.
 * Nothing here logs a household code.
 */
#include <string.h>
#include <time.h>

#include "sheet.h"
#include "store.h"
#include "util.h"

#define SUPERSEDE_HOPS_MAX 64 /* bound on a cycle's chain of updates */

static const char *const status_names[] = {
	[SHEET_OK] = "ok",
	[SHEET_ERR_STORE] = "database error",
	[SHEET_ERR_BAD_NUMBER] = "not a sheet number",
	[SHEET_ERR_BAD_REF] = "not a sheet number or id",
	[SHEET_ERR_NOT_FOUND] = "no such sheet",
	[SHEET_ERR_BAD_DATE] = "not a date (YYYY-MM-DD)",
	[SHEET_ERR_VISITED] = "already visited",
	[SHEET_ERR_BEFORE] = "date before the sheet arrived",
};

const char *
sheet_strstatus(enum sheet_status s)
{
	if ((size_t)s >= NELEM(status_names))
		return "?";
	return status_names[s];
}

enum sheet_status
sheet_ref_parse(const char *s, int *county, int *seq, int64_t *id)
{
	char aa[3], bbb[4];
	int64_t c, q;
	size_t n = strlen(s);

	*county = *seq = 0;
	*id = 0;
	if ((n == 6 && s[2] == '-') || (n == 5 && strspn(s, "0123456789") ==
	    5)) {
		memcpy(aa, s, 2);
		aa[2] = '\0';
		memcpy(bbb, s + n - 3, 3);
		bbb[3] = '\0';
		if (parse_int64(aa, 1, 52, &c) == -1 ||
		    parse_int64(bbb, 1, SHEET_SEQ_MAX, &q) == -1)
			return SHEET_ERR_BAD_NUMBER;
		*county = (int)c;
		*seq = (int)q;
		return SHEET_OK;
	}
	if (parse_int64(s, 1, INT64_MAX, id) == -1)
		return SHEET_ERR_BAD_REF;
	return SHEET_OK;
}

enum sheet_status
sheet_lookup(struct store *st, const char *ref, int with_values,
    struct sheet_row *out)
{
	enum sheet_status e;
	int county, seq, rc;
	int64_t id;

	memset(out, 0, sizeof(*out));
	e = sheet_ref_parse(ref, &county, &seq, &id);
	if (e != SHEET_OK)
		return e;
	if (id == 0)
		rc = sheet_store_get_by_no(st, county, seq, with_values, out);
	else
		rc = sheet_store_get(st, id, with_values, out);
	if (rc == -1)
		return SHEET_ERR_STORE;
	return rc == 1 ? SHEET_OK : SHEET_ERR_NOT_FOUND;
}

enum sheet_status
sheet_current(struct store *st, struct sheet_row *s, int *hops)
{
	int n = 0;

	/* An older number of the family's cycle: the newest row counts. */
	while (s->superseded_by != 0 && n++ < SUPERSEDE_HOPS_MAX) {
		int64_t next_id = s->superseded_by;

		sheet_row_clear(s);
		if (sheet_store_get(st, next_id, 0, s) != 1)
			return SHEET_ERR_STORE;
	}
	if (hops != NULL)
		*hops = n;
	return SHEET_OK;
}

const char *
sheet_row_household(const struct sheet_row *s)
{
	return s->household != NULL ? s->household : "NOU";
}

int
sheet_row_visit_open(const struct sheet_row *s)
{
	return s->any_risk && s->state != SHEET_STATE_VISITED;
}

int
sheet_row_overdue(const struct sheet_row *s, int64_t now)
{
	return sheet_row_visit_open(s) && s->visit_deadline <= now;
}

int
sheet_row_report(struct store *st, const struct sheet_table *t,
    const struct sheet_row *s0, struct sheet_report *r)
{
	struct sheet_row s;

	/* A separate statement from any walk that gave s0. */
	memset(&s, 0, sizeof(s));
	s.id = s0->id;
	if (sheet_store_load_values(st, &s) == -1) {
		sheet_row_clear(&s);
		return -1;
	}
	sheet_values_from_store(t, &s, 0, r);
	sheet_row_clear(&s);
	return 0;
}

enum sheet_assessed
sheet_domain_assessed(const struct sheet_table *t,
    const struct sheet_report *r, int domain)
{
	size_t i, n = sheet_table_count(t);
	int unknown = 0, items = 0;

	for (i = 0; i < n; i++) {
		const struct sheet_indicator *ind = sheet_table_at(t, i);

		/* Legacy rows are no longer asked. */
		if (ind->domain != domain || ind->status == 'L')
			continue;
		items++;
		if (r->values[i] == SHEET_VAL_UNKNOWN)
			unknown++;
	}
	if (unknown == items)
		return SHEET_DOMAIN_NOT_ASSESSED;
	return unknown > 0 ? SHEET_DOMAIN_PARTLY : SHEET_DOMAIN_ASSESSED;
}

int
sheet_visit_date_valid(const char *s)
{
	struct tm tm;
	int64_t y, m, d;
	char buf[8];
	time_t t;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	memcpy(buf, s, 4);
	buf[4] = '\0';
	if (parse_int64(buf, 2000, 2100, &y) == -1)
		return 0;
	memcpy(buf, s + 5, 2);
	buf[2] = '\0';
	if (parse_int64(buf, 1, 12, &m) == -1)
		return 0;
	if (parse_int64(s + 8, 1, 31, &d) == -1)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return tm.tm_mday == d && tm.tm_mon == m - 1;
}

enum sheet_status
sheet_visit_record(struct store *st, const char *ref, const char *date,
    int64_t now, struct sheet_visit_result *res)
{
	struct sheet_row s;
	enum sheet_status e;
	int next;

	memset(res, 0, sizeof(*res));
	if (date != NULL && !sheet_visit_date_valid(date))
		return SHEET_ERR_BAD_DATE;
	if (store_begin(st) == -1)
		return SHEET_ERR_STORE;
	e = sheet_lookup(st, ref, 0, &s);
	if (e == SHEET_OK)
		e = sheet_current(st, &s, &res->hops);
	if (e != SHEET_OK)
		goto fail;
	res->county = s.county;
	res->seq = s.seq;
	res->sheet_id = s.id;
	if (s.state == SHEET_STATE_VISITED) {
		e = SHEET_ERR_VISITED;
		goto fail;
	}
	if (date != NULL) {
		/* The cycle began SHEET_VISIT_HOURS before its deadline. */
		time_t t = (time_t)((s.visit_deadline -
		    SHEET_VISIT_HOURS * 3600 * 1000LL) / 1000);
		struct tm tm;
		char day[16];

		if (localtime_r(&t, &tm) != NULL &&
		    strftime(day, sizeof(day), "%Y-%m-%d", &tm) > 0 &&
		    strcmp(date, day) < 0) {
			e = SHEET_ERR_BEFORE;
			goto fail;
		}
	}
	next = date == NULL ? SHEET_STATE_VISITED :
	    SHEET_STATE_VISIT_SCHEDULED;
	if (sheet_enter_state(st, &s, next, date, now) == -1 ||
	    store_commit(st) == -1) {
		e = SHEET_ERR_STORE;
		goto fail;
	}
	res->state = next;
	sheet_row_clear(&s);
	return SHEET_OK;

fail:
	store_rollback(st);
	sheet_row_clear(&s);
	return e;
}
