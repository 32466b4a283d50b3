/*
 * sheet_merge.c - turns an accepted report into a stored sheet, applying
 * the replace and merge rules of observation-sheet.md 7.4, and owns the
 * follow-up state of stored sheets.
 *
 * How reports map onto rows.  Every accepted report becomes a new sheet
 * row with a new legal number; rows are never edited in place (section 2,
 * recommendation 4).  A family's "current cycle" is its newest live (not
 * superseded) sheet from the last 12 months that has not been visited.  A
 * new report for that family supersedes it:
 *
 *   - the row records `own`, what this report said, and `value`, the
 *     cycle's values: the combination (1 wins, then 0, then 9) of the own
 *     values of every report of the cycle that has not been replaced;
 *   - a report is replaced by a later one from the same reporter within
 *     24 hours, so a reporter correcting a message gets exactly the new
 *     values, while what other reporters said stays merged in;
 *   - a suspicion already waiting for its visit keeps its 72-hour
 *     deadline, alerts already sent and scheduled visit: a second report
 *     does not restart the legal clock.
 *
 * NOU reports (no household code) are never merged: SPAS identifies the
 * family first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

#define MS_PER_HOUR   (3600 * 1000LL)
#define CYCLE_MS      (365 * 24 * MS_PER_HOUR) /* 12-month update rule */
#define REPLACE_MS    (24 * MS_PER_HOUR)	 /* same reporter replaces */
#define CHAIN_MAX     64			 /* rows of one cycle read */
#define SEQ_WARN      900			 /* 90 % of SHEET_SEQ_MAX */

static int local_year(int64_t);
static int needs_visit(const struct sheet_row *);
static int merge_cycle(struct store *, const struct sheet_table *, int64_t,
    const struct sheet_report *, int64_t, const struct sheet_row *,
    struct sheet_report *, enum sheet_merge_kind *);
static const char *merge_name(enum sheet_merge_kind);
static int warn_admins(struct store *, const struct gw_config *, int,
    int64_t);

/*
 * Tells the admin numbers, once, that 90 % of this year's sheet numbers
 * are used: past 999 reports are refused until the next year (the limit
 * of the legal AABBB format, observation-sheet.md section 2).
 */
static int
warn_admins(struct store *st, const struct gw_config *conf, int year,
    int64_t now)
{
	char text[160];

	snprintf(text, sizeof(text), "Stafeta: %d din %d numere de fisa "
	    "folosite in %d (judet %02d). Dupa %d fisele sunt refuzate.",
	    SEQ_WARN, SHEET_SEQ_MAX, year, sheet_conf(conf)->county_code, SHEET_SEQ_MAX);
	return store_outbox_add_each(st, conf->admin_numbers,
	    conf->n_admin_numbers, text, STORE_PRIO_ALERT, now);
}

static int
local_year(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* A suspicion still waiting for its RIS visit. */
static int
needs_visit(const struct sheet_row *s)
{
	return s->any_risk && (s->state == SHEET_STATE_NEW ||
	    s->state == SHEET_STATE_VISIT_PENDING ||
	    s->state == SHEET_STATE_VISIT_SCHEDULED);
}

static const char *
merge_name(enum sheet_merge_kind k)
{
	switch (k) {
	case SHEET_MERGE_NEW:
		return "new";
	case SHEET_MERGE_REPLACED:
		return "replaced";
	case SHEET_MERGE_MERGED:
		return "merged";
	}
	return "new";
}

void
sheet_values_from_store(const struct sheet_table *t,
    const struct sheet_row *s, int own, struct sheet_report *r)
{
	size_t i;

	sheet_report_init(t, r);
	for (i = 0; i < s->n_values; i++) {
		int idx = sheet_table_find_id(t, s->values[i].indicator);
		int v = own ? s->values[i].own : s->values[i].value;

		/* An indicator dropped from a revised table is ignored. */
		if (idx < 0 || (v != 0 && v != 1 && v != 9))
			continue;
		r->values[idx] = (int8_t)v;
	}
	if (s->household != NULL)
		strlcpy_s(r->household, s->household, sizeof(r->household));
	r->urgent_flag = s->urgent_flag;
	r->time_start = s->time_start;
	r->time_end = s->time_end;
	sheet_derive(t, r);
}

/*
 * Combines report r of reporter_id with the cycle whose newest row is
 * live into *out (values and urgent flag; not yet derived).  *kind says
 * whether anything of the cycle was kept.  0 or -1 on a store error.
 */
static int
merge_cycle(struct store *st, const struct sheet_table *t,
    int64_t reporter_id, const struct sheet_report *r, int64_t now,
    const struct sheet_row *live, struct sheet_report *out,
    enum sheet_merge_kind *kind)
{
	struct sheet_row *chain;
	struct sheet_report own;
	size_t n = 0, k, j;
	int contributed = 0, rc = -1;

	chain = xcalloc(CHAIN_MAX, sizeof(*chain));
	*out = *r;
	/* chain[0] is live itself (borrowed fields copied by get). */
	if (sheet_store_get(st, live->id, 1, &chain[0]) != 1)
		goto done;
	n = 1;
	while (n < CHAIN_MAX && chain[n - 1].supersedes != 0) {
		if (sheet_store_get(st, chain[n - 1].supersedes, 1,
		    &chain[n]) != 1)
			goto done;
		n++;
	}
	for (k = 0; k < n; k++) {
		const struct sheet_row *x = &chain[k];
		int replaced = x->reporter_id == reporter_id &&
		    now - x->received_at < REPLACE_MS;

		/* Newer rows sit before x in the chain. */
		for (j = 0; j < k && !replaced; j++)
			if (chain[j].reporter_id == x->reporter_id &&
			    chain[j].received_at - x->received_at < REPLACE_MS)
				replaced = 1;
		if (replaced)
			continue;
		sheet_values_from_store(t, x, 1, &own);
		sheet_values_combine(t, out->values, own.values);
		out->urgent_flag |= x->urgent_flag;
		contributed = 1;
	}
	*kind = contributed ? SHEET_MERGE_MERGED : SHEET_MERGE_REPLACED;
	rc = 0;
done:
	for (k = 0; k < CHAIN_MAX; k++)
		sheet_row_clear(&chain[k]);
	free(chain);
	return rc;
}

int
sheet_submit(struct store *st, const struct gw_config *conf,
    const struct sheet_table *t, int64_t reporter_id, const char *channel,
    const struct sheet_report *r, const uint8_t *raw_hash, int64_t now,
    struct sheet_submit_result *res)
{
	struct sheet_row live, s;
	struct sheet_report merged;
	enum sheet_merge_kind kind = SHEET_MERGE_NEW;
	size_t n = sheet_table_count(t), i;
	int have_live = 0, year, seq, rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&live, 0, sizeof(live));
	memset(&s, 0, sizeof(s));
	if (sheet_conf(conf)->county_code < 1)
		return SHEET_SUBMIT_NOCOUNTY;
	year = local_year(now);
	merged = *r;
	if (r->household[0] != '\0') {
		have_live = sheet_store_find_live(st, r->household,
		    now - CYCLE_MS, &live);
		if (have_live == -1)
			goto done;
		if (have_live && merge_cycle(st, t, reporter_id, r, now, &live,
		    &merged, &kind) == -1)
			goto done;
	}
	sheet_derive(t, &merged);

	if (sheet_store_next_seq(st, sheet_conf(conf)->county_code, year, &seq) == -1)
		goto done;
	if (seq > SHEET_SEQ_MAX) {
		log_warnx("sheets: county %02d year %d: all %d sheet numbers "
		    "used, report refused", sheet_conf(conf)->county_code, year,
		    SHEET_SEQ_MAX);
		rc = SHEET_SUBMIT_EXHAUSTED;
		goto done;
	}
	if (seq >= SEQ_WARN)
		log_warnx("sheets: county %02d year %d: sheet number %d of %d "
		    "used", sheet_conf(conf)->county_code, year, seq, SHEET_SEQ_MAX);
	if (seq == SEQ_WARN && warn_admins(st, conf, year, now) == -1)
		goto done;

	s.county = sheet_conf(conf)->county_code;
	s.year = year;
	s.seq = seq;
	s.household = r->household[0] != '\0' ? xstrdup(r->household) : NULL;
	s.reporter_id = reporter_id;
	s.received_at = now;
	s.time_start = r->time_start;
	s.time_end = r->time_end;
	s.channel = xstrdup(channel);
	s.any_risk = merged.any_risk;
	s.risk_count = merged.risk_count;
	s.flags = merged.flags;
	s.urgent = merged.urgent;
	s.urgent_flag = merged.urgent_flag;
	s.state = SHEET_STATE_NEW;
	s.visit_deadline = now + SHEET_VISIT_HOURS * MS_PER_HOUR;
	if (have_live && needs_visit(&live) && merged.any_risk) {
		s.visit_deadline = live.visit_deadline;
		s.alert_24_sent = live.alert_24_sent;
		s.alert_48_sent = live.alert_48_sent;
		if (live.state == SHEET_STATE_VISIT_SCHEDULED) {
			s.state = SHEET_STATE_VISIT_SCHEDULED;
			s.visit_date = live.visit_date != NULL ?
			    xstrdup(live.visit_date) : NULL;
		}
	}
	s.supersedes = have_live ? live.id : 0;
	s.merge_kind = xstrdup(merge_name(kind));
	s.indicator_version = xstrdup(sheet_table_version(t));
	if (raw_hash != NULL) {
		s.raw_hash = xmalloc(2 * SHEET_SHA256_LEN + 1);
		for (i = 0; i < SHEET_SHA256_LEN; i++)
			snprintf(s.raw_hash + 2 * i, 3, "%02x", raw_hash[i]);
	}
	s.values = xcalloc(n, sizeof(*s.values));
	s.n_values = n;
	for (i = 0; i < n; i++) {
		const struct sheet_indicator *ind = sheet_table_at(t, i);

		s.values[i].indicator = xstrdup(ind->id);
		s.values[i].value = merged.values[i];
		s.values[i].own = r->values[i];
		if (ind->status != 'L' && merged.values[i] == SHEET_VAL_UNKNOWN)
			s.unknown++;
	}
	if (sheet_store_insert(st, &s, now) == -1)
		goto done;
	if (have_live && sheet_store_supersede(st, live.id, s.id, now) == -1)
		goto done;
	if (sheet_alerts_schedule(st, &s, now) == -1)
		goto done;

	res->sheet_id = s.id;
	res->county = s.county;
	res->seq = s.seq;
	res->kind = kind;
	res->supersedes = s.supersedes;
	/* Alert on what this report says, not on the older ones. */
	res->urgent = r->urgent;
	res->flagged = r->risk_count + r->flags;
	log_info("sheet %lld: %02d-%03d stored from %s (%s)", (long long)s.id,
	    s.county, s.seq, channel, merge_name(kind));
	rc = 0;
done:
	sheet_row_clear(&live);
	sheet_row_clear(&s);
	return rc;
}

int
sheet_assessed_state(const struct sheet_row *s)
{
	if (s->any_risk)
		return SHEET_STATE_VISIT_PENDING;
	if (s->unknown == 0)
		return SHEET_STATE_NO_SUSPICION;
	return SHEET_STATE_INCOMPLETE;
}

int
sheet_enter_state(struct store *st, struct sheet_row *s, int next,
    const char *visit_date, int64_t now)
{
	if (next < 0 || next >= SHEET_STATE_N)
		return -1;
	log_info("sheet %lld: %02d-%03d %s -> %s", (long long)s->id, s->county,
	    s->seq, sheet_strstate(s->state),
	    sheet_strstate(next));
	if (sheet_store_set_state(st, s->id, next, visit_date, now) == -1)
		return -1;
	s->state = next;
	if (visit_date != NULL) {
		free(s->visit_date);
		s->visit_date = xstrdup(visit_date);
	}
	return 0;
}
