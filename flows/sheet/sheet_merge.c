/*
 * sheet_merge.c - turns an accepted report into a stored sheet, applying
 * the replace and merge rules of observation-sheet.md 7.4, and owns the
 * follow-up state of stored sheets.
 *
 * How reports map onto rows.  Every accepted report becomes a new sheet
 * row; rows are never edited in place (section 2, recommendation 4).  A
 * family's "current cycle" is its newest live (not superseded) sheet from
 * the last 12 months that has not been visited.  A new report for that
 * family supersedes it, and KEEPS the cycle's legal number (issue 11): a
 * correction (replace) or another reporter's report (merge) is the same
 * Observation Sheet of the same family before its RIS, so it must not
 * burn an AA-BBB number.  A new number is taken by the first report of a
 * cycle only: a family's first sheet, a NOU report, a report after the RIS
 * visit, or 12 months after the cycle began (the 12-month update).
 * Numbers come from this commune's block of the county ([sheets]
 * number_block), so communes of one county never collide.  Further:
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

static int local_year(int64_t);
static int needs_visit(const struct sheet_row *);
static int merge_cycle(struct store *, const struct sheet_table *, int64_t,
    const struct sheet_report *, int64_t, const struct sheet_row *,
    struct sheet_report *, enum sheet_merge_kind *);
static const char *merge_name(enum sheet_merge_kind);
static int warn_admins(struct store *, const struct gw_config *, int, int,
    int, int64_t);
static int allocate(struct store *, const struct gw_config *, int64_t,
    int *, int *);

/*
 * Tells the admin numbers, once, that 90 % of this year's sheet numbers
 * are used: past 999 reports are refused until the next year (the limit
 * of the legal AABBB format, observation-sheet.md section 2).
 */
static int
warn_admins(struct store *st, const struct gw_config *conf, int first,
    int last, int year, int64_t now)
{
	char text[160];

	const struct sheet_conf *sc = sheet_conf(conf);

	snprintf(text, sizeof(text), "Stafeta: 90%% din numerele de fisa "
	    "%03d-%03d folosite in %d (judet %02d). Dupa %03d fisele sunt "
	    "refuzate.", first, last, year, sc->county_code, last);
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
	int have_live = 0, keeps, added, year, seq, rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&live, 0, sizeof(live));
	memset(&s, 0, sizeof(s));
	if (sheet_conf(conf)->county_code < 1)
		return SHEET_SUBMIT_NOCOUNTY;
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

	keeps = have_live && kind != SHEET_MERGE_NEW;
	if (keeps) {
		/* The cycle's number: a correction or merge burns none. */
		year = live.year;
		seq = live.seq;
	} else {
		rc = allocate(st, conf, now, &year, &seq);
		if (rc != 0)
			goto done;
		rc = -1;
	}
	s.county = keeps ? live.county : sheet_conf(conf)->county_code;
	s.year = year;
	s.keeps_number = keeps;
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
	if (have_live && needs_visit(&live)) {
		s.visit_deadline = live.visit_deadline;
		s.alert_24_sent = live.alert_24_sent;
		s.alert_48_sent = live.alert_48_sent;
		/* Never lower the state SPAS already set: a visit pending or
		 * scheduled stays so, whatever this report says. */
		if (live.state == SHEET_STATE_VISIT_PENDING ||
		    live.state == SHEET_STATE_VISIT_SCHEDULED)
			s.state = live.state;
		s.visit_date = live.visit_date != NULL ?
		    xstrdup(live.visit_date) : NULL;
	}
	if (have_live) {
		/* Nor its urgency: SPAS has been paged for it. */
		if (live.urgent)
			s.urgent = 1;
		added = merged.risk_count + merged.flags - live.risk_count -
		    live.flags;
		s.added = added > 0 ? added : 0;
		if (s.state == SHEET_STATE_VISIT_PENDING || s.state ==
		    SHEET_STATE_VISIT_SCHEDULED)
			s.any_risk = 1;
	}
	sheet_filled_at(r, now, &s.filled_at, &s.late);
	if (s.household != NULL && sheet_conf(conf)->register_strict) {
		int known = sheet_household_known(st, s.household);

		if (known == -1)
			goto done;
		s.household_unknown = known == 0;
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
	if (s.household_unknown && sheet_task_unknown_household(st, &s,
	    now) == -1)
		goto done;
	/* An urgent cycle SPAS was paged for hears of what a merge added at
	 * once; every update is also in the next digest. */
	if (have_live && live.notified_at != 0 && s.urgent && s.added > 0 &&
	    !r->urgent && sheet_alert_update(st, conf, s.id, now) == -1)
		goto done;

	res->sheet_id = s.id;
	res->county = s.county;
	res->seq = s.seq;
	res->kind = kind;
	res->supersedes = s.supersedes;
	/* Alert on what this report says, not on the older ones. */
	res->urgent = r->urgent;
	res->flagged = r->risk_count + r->flags;
	res->added = s.added;
	res->late = s.late;
	res->household_unknown = s.household_unknown;
	log_info("sheet %lld: %02d-%03d stored from %s (%s)", (long long)s.id,
	    s.county, s.seq, channel, merge_name(kind));
	rc = 0;
done:
	sheet_row_clear(&live);
	sheet_row_clear(&s);
	return rc;
}

/*
 * A new number from this commune's block for this year: 0, or
 * SHEET_SUBMIT_EXHAUSTED past the block's end, or -1.
 */
static int
allocate(struct store *st, const struct gw_config *conf, int64_t now,
    int *year, int *seq)
{
	const struct sheet_conf *sc = sheet_conf(conf);
	int first = sc->number_first, last = sc->number_last, warn;

	/* A section built by hand (tests) without its finish: the whole
	 * range. */
	if (first < 1 || last < first) {
		first = 1;
		last = SHEET_SEQ_MAX;
	}
	*year = local_year(now);
	if (sheet_store_next_seq(st, sc->county_code, *year, first, last,
	    seq) == -1)
		return -1;
	if (*seq > last) {
		log_warnx("sheets: county %02d year %d: all numbers %03d-%03d "
		    "used, report refused", sc->county_code, *year, first,
		    last);
		return SHEET_SUBMIT_EXHAUSTED;
	}
	/* 90 % of the block (spas-followup.md 3.1). */
	warn = first + (last - first + 1) * 9 / 10;
	if (*seq >= warn)
		log_warnx("sheets: county %02d year %d: sheet number %d of "
		    "%03d-%03d used", sc->county_code, *year, *seq, first,
		    last);
	if (*seq == warn && warn_admins(st, conf, first, last, *year, now) == -1)
		return -1;
	return 0;
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

void
sheet_filled_at(const struct sheet_report *r, int64_t now,
    int64_t *filled_at, int *late)
{
	time_t t = (time_t)(now / 1000), f;
	struct tm tm, today;
	int end;

	*filled_at = 0;
	*late = 0;
	if (r->filled_day == 0 || localtime_r(&t, &today) == NULL)
		return;
	end = r->time_end >= 0 ? r->time_end : 23 * 60 + 59;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = today.tm_year;
	tm.tm_mon = r->filled_month - 1;
	tm.tm_mday = r->filled_day;
	tm.tm_hour = end / 60;
	tm.tm_min = end % 60;
	tm.tm_isdst = -1;
	/* A day after today's date is last year's (sent in January). */
	if (tm.tm_mon > today.tm_mon || (tm.tm_mon == today.tm_mon &&
	    tm.tm_mday > today.tm_mday))
		tm.tm_year--;
	f = mktime(&tm);
	if (f == (time_t)-1)
		return;
	*filled_at = (int64_t)f * 1000;
	*late = now - *filled_at > 48 * MS_PER_HOUR;
}

int
sheet_task_unknown_household(struct store *st, const struct sheet_row *s,
    int64_t now)
{
	struct store_task task;
	char ref[32], title[160], no[16];

	sheet_format_no(s->county, s->seq, no, sizeof(no));
	snprintf(ref, sizeof(ref), "household:%s", s->household);
	snprintf(title, sizeof(title), "Fisa FO %s: cod de familie %s "
	    "neemis de SPAS. Sunati raportorul %s, identificati familia "
	    "(stafeta households link).", no, s->household,
	    s->reporter_phone != NULL ? s->reporter_phone : "");
	memset(&task, 0, sizeof(task));
	task.service = "sheet";
	task.kind = "unknown_household";
	task.ref = ref;
	task.title = title;
	task.created_at = now;
	task.due_at = now + 24 * MS_PER_HOUR; /* call-back as for NOU */
	if (store_task_open(st, &task) < 0)
		return -1;
	log_info("sheet %lld: %s household code not in the register, SPAS "
	    "task opened", (long long)s->id, no);
	return 0;
}
