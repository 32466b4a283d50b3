/*
 * cases_sync.c - the case service's tick (inside the caller's
 * transaction):
 *
 *   1. every live sheet row not yet linked to a case is linked: to the
 *      case of the row it supersedes, else to the household's open
 *      case, else to a new case (RECEIVED -> IN_OBSERVATORY -> VISIT_
 *      PENDING / NO_SUSPICION / INCOMPLETE).  A sheet of a household whose
 *      case waits for nothing (no suspicion, not confirmed, refresh due)
 *      re-evaluates it.  An urgent sheet (6b2, 6b3, U) opens the DGASPC
 *      referral at once (D3).  The link table makes this idempotent: due
 *      work lives in the database, no cursor in memory.
 *   2. a visit recorded with `stafeta sheets visit` moves the case: the
 *      planned day is copied, a visit done moves it to RIS_ANALYSIS.
 *   3. the due items of owner "cases" (flows/flow_due.c) run:
 *        d3:REF  2 h after a referral opened, not notified -> SPAS head
 *        d4:REF  48 h after DGASPC was notified, not verified -> SPAS
 *        d5:CASE 30 days after the RIS confirmed a risk, no plan -> SPAS
 *        d6:CASE plan drafted, no order: +5 days the mayor, +10 SPAS
 *                (one row, advanced: flow.h rule 2)
 *        d7:CASE monitoring visit due by cadence -> SPAS and a task
 *        d8:CASE 12 months after the newest sheet -> SPAS and a task
 *      Each handler first checks that what it would say is still true.
 *
 * Texts to SPAS carry the case id and the sheet number, never a
 * household code, an indicator or a name (DP3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cases.h"
#include "cases_int.h"
#include "config.h"
#include "flow.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

#define SYNC_BATCH 256

/* A sheet row the tick links to a case. */
struct new_sheet {
	int64_t id;
	char *household;
	int64_t supersedes;
	int urgent;
	int any_risk;
	int unknown;
	int risk_count;
	int64_t received_at;
	int64_t visit_deadline;
};

struct new_list {
	struct new_sheet *v;
	size_t n;
};

static const char new_sheets_sql[] =
    "SELECT s.id, s.household, s.supersedes, s.urgent, s.any_risk,"
    " s.unknown, s.risk_count, s.received_at, s.visit_deadline"
    " FROM sheets s WHERE s.superseded_by IS NULL AND NOT EXISTS"
    " (SELECT 1 FROM case_sheets cs WHERE cs.sheet_id = s.id)"
    " ORDER BY s.id LIMIT 256";
static const char case_of_sheet_sql[] =
    "SELECT case_id FROM case_sheets WHERE sheet_id = ?1";
static const char case_of_household_sql[] =
    "SELECT id FROM cases WHERE household = ?1 AND state <> 'closed'"
    " ORDER BY id DESC LIMIT 1";
static const char link_sql[] =
    "INSERT INTO case_sheets (sheet_id, case_id) VALUES (?1, ?2)"
    " ON CONFLICT DO NOTHING";
static const char insert_case_sql[] =
    "INSERT INTO cases (household, sheet_id, state, opened_at,"
    " last_sheet_at, suspected, visit_deadline, updated_at)"
    " VALUES (?1, ?2, 'received', ?3, ?4, ?5, ?6, ?3)";
static const char attach_sql[] =
    "UPDATE cases SET sheet_id = ?2, last_sheet_at = CASE WHEN"
    " last_sheet_at > ?3 THEN last_sheet_at ELSE ?3 END,"
    " suspected = ?4, visit_deadline = ?5, updated_at = ?6 WHERE id = ?1";
static const char visits_sql[] =
    "SELECT c.id, s.state, s.visit_date FROM cases c"
    " JOIN sheets s ON s.id = c.sheet_id WHERE c.state = 'visit_pending'"
    " AND (s.state = 'visited' OR (s.state = 'visit_scheduled' AND"
    " (c.visit_date IS NULL OR c.visit_date <> s.visit_date)))"
    " LIMIT 256";
static const char set_visit_date_sql[] =
    "UPDATE cases SET visit_date = ?2, updated_at = ?3 WHERE id = ?1";
static const char set_visited_sql[] =
    "UPDATE cases SET visited_on = ?2, updated_at = ?3 WHERE id = ?1";
static const char refresh_sql[] =
    "UPDATE cases SET refresh_due_at = ?2 WHERE id = ?1";
static const char open_ref_sql[] =
    "SELECT id FROM case_referrals WHERE case_id = ?1 AND closed_at IS NULL";
static const char insert_ref_sql[] =
    "INSERT INTO case_referrals (case_id, reason, opened_at, opened_by)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char set_urgent_sql[] =
    "UPDATE cases SET urgent = ?2, updated_at = ?3 WHERE id = ?1";
static const char ref_get_sql[] =
    "SELECT case_id, reason, notified_at, verified_at, closed_at"
    " FROM case_referrals WHERE id = ?1";
static const char ref_escalated_sql[] =
    "UPDATE case_referrals SET escalated_at = ?2 WHERE id = ?1";

static int new_cb(struct store_sql *, void *);
static void new_list_free(struct new_list *);
static int link_sheet(struct store *, const struct gw_config *,
    const struct new_sheet *, int64_t);
static int evaluate(struct store *, struct cases_row *,
    const struct new_sheet *, int64_t);
static int sync_visits(struct store *, int64_t);
static int due_cb(struct store *, struct flow_due_item *, void *);
static int lookup_id(struct store *, const char *, int64_t, const char *,
    int64_t *);

int
cases_due_put(struct store *st, const char *kind, int64_t id, int64_t due_at,
    int64_t now)
{
	char key[48];

	snprintf(key, sizeof(key), "%s:%lld", kind, (long long)id);
	return store_due_put(st, CASES_DUE_OWNER, key, kind, due_at, NULL,
	    now);
}

int
cases_due_cancel(struct store *st, const char *kind, int64_t id)
{
	char key[48];

	snprintf(key, sizeof(key), "%s:%lld", kind, (long long)id);
	return store_due_cancel(st, CASES_DUE_OWNER, key) < 0 ? -1 : 0;
}

int
cases_task(struct store *st, const char *kind, int64_t case_id,
    const char *title, const char *assignee, int64_t now, int64_t due_at)
{
	struct store_task t;
	char ref[32];

	snprintf(ref, sizeof(ref), "case:%lld", (long long)case_id);
	memset(&t, 0, sizeof(t));
	t.service = "cases";
	t.kind = kind;
	t.ref = ref;
	t.title = title;
	t.assignee = assignee;
	t.created_at = now;
	t.due_at = due_at;
	return store_task_open(st, &t) < 0 ? -1 : 0;
}

int
cases_task_done(struct store *st, const char *kind, int64_t case_id,
    const char *who, const char *outcome, int64_t now)
{
	char ref[32];

	snprintf(ref, sizeof(ref), "case:%lld", (long long)case_id);
	return store_task_close_ref(st, "cases", kind, ref, STORE_TASK_DONE,
	    who, outcome, now) < 0 ? -1 : 0;
}

int
cases_refresh_schedule(struct store *st, int64_t case_id, int64_t at,
    int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, refresh_sql);
	int64_t due = cases_add_months(at, CASES_REFRESH_MONTHS);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, case_id);
	store_sql_bind_int64(q, 2, due);
	if (store_sql_exec(q, "case refresh") != 0)
		return -1;
	return cases_due_put(st, "d8", case_id, due, now);
}

/* One id column of a one-row query with an int64 or text parameter. */
static int
lookup_id(struct store *st, const char *sql, int64_t p, const char *ptext,
    int64_t *out)
{
	struct store_sql *q = store_sql_prepare(st, sql);
	int rc;

	*out = 0;
	if (q == NULL)
		return -1;
	if (ptext != NULL)
		store_sql_bind_text(q, 1, ptext);
	else
		store_sql_bind_int64(q, 1, p);
	rc = store_sql_step(q, "case lookup");
	if (rc == 1)
		*out = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return rc;
}

static int
new_cb(struct store_sql *q, void *arg)
{
	struct new_list *l = arg;
	struct new_sheet *s;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	s = &l->v[l->n++];
	s->id = store_sql_col_int64(q, 0);
	s->household = store_sql_col_strdup(q, 1);
	s->supersedes = store_sql_col_int64(q, 2);
	s->urgent = store_sql_col_int(q, 3);
	s->any_risk = store_sql_col_int(q, 4);
	s->unknown = store_sql_col_int(q, 5);
	s->risk_count = store_sql_col_int(q, 6);
	s->received_at = store_sql_col_int64(q, 7);
	s->visit_deadline = store_sql_col_int64(q, 8);
	return 0;
}

static void
new_list_free(struct new_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].household);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* IN_OBSERVATORY, then what the sheet says (5.2). */
static int
evaluate(struct store *st, struct cases_row *c, const struct new_sheet *s,
    int64_t now)
{
	int next;

	if (cases_enter_state(st, c, CASES_IN_OBSERVATORY, "system",
	    "sheet recorded in the Observatory", now) != 0)
		return -1;
	if (s->any_risk)
		next = CASES_VISIT_PENDING;
	else if (s->unknown > 0)
		next = CASES_INCOMPLETE;
	else
		next = CASES_NO_SUSPICION;
	return cases_enter_state(st, c, next, "system", s->any_risk ?
	    "suspected risk: RIS visit within 72 h" : s->unknown > 0 ?
	    "nothing suspected, some domains unknown" :
	    "every indicator no", now);
}

static int
link_sheet(struct store *st, const struct gw_config *conf,
    const struct new_sheet *s, int64_t now)
{
	struct cases_row c;
	struct store_sql *q;
	int64_t case_id = 0;
	char why[64];
	int rc = -1, fresh = 0;

	if (s->supersedes != 0 && lookup_id(st, case_of_sheet_sql,
	    s->supersedes, NULL, &case_id) < 0)
		return -1;
	if (case_id == 0 && s->household != NULL && lookup_id(st,
	    case_of_household_sql, 0, s->household, &case_id) < 0)
		return -1;
	if (case_id == 0) {
		if ((q = store_sql_prepare(st, insert_case_sql)) == NULL)
			return -1;
		store_sql_bind_text(q, 1, s->household);
		store_sql_bind_int64(q, 2, s->id);
		store_sql_bind_int64(q, 3, now);
		store_sql_bind_int64(q, 4, s->received_at);
		store_sql_bind_int(q, 5, s->risk_count);
		store_sql_bind_int64(q, 6, s->visit_deadline);
		if (store_sql_exec(q, "case insert") != 0)
			return -1;
		case_id = store_sql_last_id(st);
		fresh = 1;
	} else {
		if ((q = store_sql_prepare(st, attach_sql)) == NULL)
			return -1;
		store_sql_bind_int64(q, 1, case_id);
		store_sql_bind_int64(q, 2, s->id);
		store_sql_bind_int64(q, 3, s->received_at);
		store_sql_bind_int(q, 4, s->risk_count);
		store_sql_bind_int64(q, 5, s->visit_deadline);
		store_sql_bind_int64(q, 6, now);
		if (store_sql_exec(q, "case attach") != 0)
			return -1;
	}
	if ((q = store_sql_prepare(st, link_sql)) == NULL)
		return -1;
	store_sql_bind_int64(q, 1, s->id);
	store_sql_bind_int64(q, 2, case_id);
	if (store_sql_exec(q, "case link") != 0)
		return -1;
	if (cases_store_get(st, case_id, &c) != 1)
		return -1;
	if (fresh) {
		c.state = -1; /* the first transition has no "from" */
		if (cases_enter_state(st, &c, CASES_RECEIVED, "system",
		    "opened from sheet", now) != 0 ||
		    evaluate(st, &c, s, now) != 0)
			goto done;
	} else {
		snprintf(why, sizeof(why), "sheet %s attached", c.sheet_no);
		if (cases_enter_state(st, &c, c.state, "system", why, now) != 0)
			goto done;
		if ((c.state == CASES_NO_SUSPICION ||
		    c.state == CASES_INCOMPLETE ||
		    c.state == CASES_NOT_CONFIRMED ||
		    c.state == CASES_REFRESH_DUE) && evaluate(st, &c, s, now) !=
		    0)
			goto done;
		/* D8: a new sheet is the refresh. */
		if (cases_task_done(st, "refresh", c.id, "system",
		    "new sheet", now) != 0)
			goto done;
	}
	if (cases_refresh_schedule(st, c.id, c.last_sheet_at, now) != 0)
		goto done;
	if (s->urgent && !c.urgent) {
		if (cases_referral_open(st, conf, &c, "pre-alert", "system",
		    now) == CASES_ERR_STORE)
			goto done;
	}
	rc = 0;
done:
	cases_row_clear(&c);
	return rc;
}

/* A case whose sheet's visit moved on (sync_visits). */
struct visit_item {
	int64_t case_id;
	int done;	  /* the sheet says visited */
	char *day;	  /* the sheet's visit_date, or NULL */
};

struct visit_list {
	struct visit_item *v;
	size_t n;
};

static int
visits_cb(struct store_sql *q, void *arg)
{
	struct visit_list *l = arg;
	struct visit_item *it;
	const char *state = store_sql_col_text(q, 1);

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	it = &l->v[l->n++];
	it->case_id = store_sql_col_int64(q, 0);
	it->done = state != NULL && strcmp(state, "visited") == 0;
	it->day = store_sql_col_strdup(q, 2);
	return 0;
}

/* Writes one text column (?2) of case id (?1) at now (?3). */
static int
set_case_text(struct store *st, const char *sql, int64_t id, const char *v,
    int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, v);
	store_sql_bind_int64(q, 3, now);
	return store_sql_exec(q, "case visit");
}

/* Visits recorded with `stafeta sheets visit` (the sheet service's). */
static int
sync_visits(struct store *st, int64_t now)
{
	struct visit_list l = { NULL, 0 };
	struct store_sql *q = store_sql_prepare(st, visits_sql);
	char why[64], today[16];
	int rc = -1;

	if (q == NULL || store_sql_walk(q, visits_cb, &l, "case visits") != 0)
		goto done;
	cases_format_day(now, today, sizeof(today));
	for (size_t i = 0; i < l.n; i++) {
		const struct visit_item *it = &l.v[i];
		struct cases_row c;
		int ok;

		if (cases_store_get(st, it->case_id, &c) != 1)
			goto done;
		if (it->done) {
			/* Done on the planned day if that has come, else
			 * today. */
			ok = set_case_text(st, set_visited_sql, c.id,
			    it->day != NULL && strcmp(it->day, today) < 0 ?
			    it->day : today, now) == 0 &&
			    cases_enter_state(st, &c, CASES_RIS_ANALYSIS,
			    "sheets visit", "RIS visit done", now) == 0;
		} else {
			snprintf(why, sizeof(why), "visit scheduled %s",
			    it->day != NULL ? it->day : "?");
			ok = set_case_text(st, set_visit_date_sql, c.id, it->day,
			    now) == 0 && cases_enter_state(st, &c, c.state,
			    "sheets visit", why, now) == 0;
		}
		cases_row_clear(&c);
		if (!ok)
			goto done;
	}
	rc = 0;
done:
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].day);
	free(l.v);
	return rc;
}

enum cases_status
cases_referral_open(struct store *st, const struct gw_config *conf,
    struct cases_row *c, const char *reason, const char *who, int64_t now)
{
	struct store_sql *q;
	struct buf b;
	int64_t ref = 0;
	char why[96];
	enum cases_status rc = CASES_ERR_STORE;

	if (lookup_id(st, open_ref_sql, c->id, NULL, &ref) < 0)
		return CASES_ERR_STORE;
	if (ref != 0)
		return CASES_ERR_REFERRAL;
	if ((q = store_sql_prepare(st, insert_ref_sql)) == NULL)
		return CASES_ERR_STORE;
	store_sql_bind_int64(q, 1, c->id);
	store_sql_bind_text(q, 2, reason);
	store_sql_bind_int64(q, 3, now);
	store_sql_bind_text(q, 4, who);
	if (store_sql_exec(q, "referral insert") != 0)
		return CASES_ERR_STORE;
	ref = store_sql_last_id(st);
	if ((q = store_sql_prepare(st, set_urgent_sql)) == NULL)
		return CASES_ERR_STORE;
	store_sql_bind_int64(q, 1, c->id);
	store_sql_bind_int(q, 2, 1);
	store_sql_bind_int64(q, 3, now);
	if (store_sql_exec(q, "case urgent") != 0)
		return CASES_ERR_STORE;
	c->urgent = 1;
	snprintf(why, sizeof(why), "URGENT_DGASPC: suspicion (%s)", reason);
	if (cases_enter_state(st, c, c->state, who, why, now) != 0)
		return CASES_ERR_STORE;
	buf_init(&b, 0);
	if (buf_printf(&b, "STAFETA D3: caz %lld (fisa FO %s): suspiciune "
	    "abuz/neglijare. Anuntati DGASPC imediat, apoi notati: stafeta "
	    "cases notified %lld", (long long)c->id, c->sheet_no,
	    (long long)c->id) == -1 ||
	    cases_notify(st, conf, CASES_TO_SPAS, b.data, now) != 0 ||
	    cases_task(st, "dgaspc_notify", c->id, "Anuntati DGASPC "
	    "(suspiciune abuz/neglijare)", NULL, now,
	    now + CASES_D3_ESCALATE_MS) != 0 ||
	    cases_due_put(st, "d3", ref, now + CASES_D3_ESCALATE_MS, now) != 0)
		goto done;
	log_info("case %lld: DGASPC referral %lld opened, D3 alert queued",
	    (long long)c->id, (long long)ref);
	rc = CASES_OK;
done:
	buf_free(&b);
	return rc;
}

/* What a referral row says, for the D3/D4 handlers. */
struct ref_state {
	int64_t case_id;
	int64_t notified_at;
	int64_t verified_at;
	int64_t closed_at;
};

static int
ref_get(struct store *st, int64_t id, struct ref_state *r)
{
	struct store_sql *q = store_sql_prepare(st, ref_get_sql);
	int rc;

	memset(r, 0, sizeof(*r));
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	rc = store_sql_step(q, "referral get");
	if (rc == 1) {
		r->case_id = store_sql_col_int64(q, 0);
		r->notified_at = store_sql_col_int64(q, 2);
		r->verified_at = store_sql_col_int64(q, 3);
		r->closed_at = store_sql_col_int64(q, 4);
	}
	store_sql_done(q);
	return rc;
}

static int
run_d3(struct store *st, const struct gw_config *conf, int64_t ref,
    int64_t now)
{
	struct ref_state r;
	struct cases_row c;
	struct store_sql *q;
	struct buf b;
	int rc = -1;

	if (ref_get(st, ref, &r) != 1)
		return -1;
	if (r.notified_at != 0 || r.closed_at != 0)
		return 0; /* notified (or dismissed) in time */
	if (cases_store_get(st, r.case_id, &c) != 1)
		return -1;
	buf_init(&b, 0);
	if (buf_printf(&b, "STAFETA ESCALADARE D3: caz %lld (fisa FO %s): "
	    "DGASPC neanuntat dupa 2 ore de la suspiciunea de abuz. Verificati "
	    "si anuntati DGASPC acum.", (long long)c.id, c.sheet_no) == -1 ||
	    cases_notify(st, conf, CASES_TO_HEAD, b.data, now) != 0)
		goto done;
	if ((q = store_sql_prepare(st, ref_escalated_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, ref);
	store_sql_bind_int64(q, 2, now);
	if (store_sql_exec(q, "referral escalated") != 0 ||
	    cases_enter_state(st, &c, c.state, "system",
	    "D3: escalated to the SPAS head (not notified in 2 h)", now) != 0)
		goto done;
	log_info("case %lld: D3 escalated to the SPAS head", (long long)c.id);
	rc = 0;
done:
	buf_free(&b);
	cases_row_clear(&c);
	return rc;
}

static int
run_d4(struct store *st, const struct gw_config *conf, int64_t ref,
    int64_t now)
{
	struct ref_state r;
	struct cases_row c;
	struct buf b;
	int rc = -1;

	if (ref_get(st, ref, &r) != 1)
		return -1;
	if (r.verified_at != 0 || r.closed_at != 0)
		return 0;
	if (cases_store_get(st, r.case_id, &c) != 1)
		return -1;
	buf_init(&b, 0);
	if (buf_printf(&b, "STAFETA D4: caz %lld (fisa FO %s): DGASPC nu a "
	    "confirmat verificarea in 48 h. Sunati DGASPC, apoi notati: "
	    "stafeta cases verified %lld", (long long)c.id, c.sheet_no,
	    (long long)c.id) == -1 ||
	    cases_notify(st, conf, CASES_TO_SPAS, b.data, now) != 0 ||
	    cases_task(st, "dgaspc_check", c.id, "Verificarea DGASPC "
	    "neconfirmata in 48 h: sunati DGASPC", NULL, now, now) != 0 ||
	    cases_enter_state(st, &c, c.state, "system",
	    "D4: DGASPC verification not recorded in 48 h", now) != 0)
		goto done;
	rc = 0;
done:
	buf_free(&b);
	cases_row_clear(&c);
	return rc;
}

/* d5..d8: one case each; *next set for d6's second step. */
static int
run_case_item(struct store *st, const struct gw_config *conf,
    const char *kind, int64_t id, struct flow_due_item *it)
{
	struct cases_row c;
	struct buf b;
	int rc = -1, r;
	int64_t now = it->now;

	r = cases_store_get(st, id, &c);
	if (r != 1)
		return r == 0 ? 0 : -1; /* a purged case: drop */
	buf_init(&b, 0);
	if (strcmp(kind, "d5") == 0) {
		if (c.state != CASES_PLAN_DUE) {
			rc = 0;
			goto done;
		}
		if (buf_printf(&b, "STAFETA D5: caz %lld (fisa FO %s): planul de "
		    "servicii trebuia intocmit in 30 de zile de la confirmarea "
		    "riscului.", (long long)c.id, c.sheet_no) == -1 ||
		    cases_notify(st, conf, CASES_TO_SPAS, b.data, now) != 0 ||
		    cases_enter_state(st, &c, c.state, "system",
		    "D5: service plan overdue (30 days)", now) != 0)
			goto done;
	} else if (strcmp(kind, "d6") == 0) {
		int64_t spas_at = c.plan_drafted_at +
		    CASES_D6_SPAS_DAYS * CASES_MS_DAY;

		if (c.state != CASES_PLAN_DRAFTED) {
			rc = 0;
			goto done;
		}
		if (now < spas_at) {
			if (buf_printf(&b, "STAFETA: planul de servicii al "
			    "cazului %lld asteapta dispozitia primarului de 5 "
			    "zile. Va rugam semnati dispozitia.",
			    (long long)c.id) == -1 ||
			    cases_notify(st, conf, CASES_TO_MAYOR, b.data,
			    now) != 0 ||
			    cases_enter_state(st, &c, c.state, "system",
			    "D6: mayor reminded (+5 days)", now) != 0)
				goto done;
			it->next = spas_at;
			rc = FLOW_DUE_AGAIN;
			goto done;
		}
		if (buf_printf(&b, "STAFETA D6: caz %lld (fisa FO %s): planul "
		    "asteapta dispozitia primarului de 10 zile. Reamintiti "
		    "primarului.", (long long)c.id, c.sheet_no) == -1 ||
		    cases_notify(st, conf, CASES_TO_SPAS, b.data, now) != 0 ||
		    cases_enter_state(st, &c, c.state, "system",
		    "D6: SPAS alerted (+10 days without an order)", now) != 0)
			goto done;
	} else if (strcmp(kind, "d7") == 0) {
		if (c.state != CASES_MONITORING &&
		    c.state != CASES_PLAN_REVISION) {
			rc = 0;
			goto done;
		}
		if (buf_printf(&b, "STAFETA D7: caz %lld (fisa FO %s): vizita de "
		    "monitorizare este scadenta (la %d luni). Dupa vizita: "
		    "stafeta cases monitor %lld", (long long)c.id, c.sheet_no,
		    c.cadence_months, (long long)c.id) == -1 ||
		    cases_notify(st, conf, CASES_TO_SPAS, b.data, now) != 0 ||
		    cases_task(st, "monitoring", c.id, "Vizita de monitorizare "
		    "scadenta", c.worker, now, now + 7 * CASES_MS_DAY) != 0 ||
		    cases_enter_state(st, &c, c.state, "system",
		    "D7: monitoring visit due", now) != 0)
			goto done;
	} else if (strcmp(kind, "d8") == 0) {
		if (c.state == CASES_CLOSED) {
			rc = 0;
			goto done;
		}
		if (buf_printf(&b, "STAFETA D8: caz %lld: ultima fisa de "
		    "observatie (FO %s) are 12 luni. Reinnoiti fisa copiilor "
		    "familiei.", (long long)c.id, c.sheet_no) == -1 ||
		    cases_notify(st, conf, CASES_TO_SPAS, b.data, now) != 0 ||
		    cases_task(st, "refresh", c.id, "Reinnoirea fisei de "
		    "observatie (12 luni)", c.worker, now,
		    now + 30 * CASES_MS_DAY) != 0)
			goto done;
		if (c.state == CASES_NO_SUSPICION ||
		    c.state == CASES_INCOMPLETE ||
		    c.state == CASES_NOT_CONFIRMED)
			r = cases_enter_state(st, &c, CASES_REFRESH_DUE, "system",
			    "D8: 12 months since the last sheet", now);
		else
			r = cases_enter_state(st, &c, c.state, "system",
			    "D8: 12 months since the last sheet", now);
		if (r != 0)
			goto done;
	} else {
		rc = 0; /* an unknown kind from a newer version: drop */
		goto done;
	}
	log_info("case %lld: %s alert queued", (long long)c.id, kind);
	rc = 0;
done:
	buf_free(&b);
	cases_row_clear(&c);
	return rc;
}

static int
due_cb(struct store *st, struct flow_due_item *it, void *arg)
{
	const struct gw_config *conf = arg;
	const char *kind = it->due->kind, *colon = strchr(it->due->key, ':');
	int64_t id;

	if (colon == NULL || parse_int64(colon + 1, 1, INT64_MAX, &id) != 0)
		return FLOW_DUE_DONE;
	/* Stale items still run: each says something that stays true (the
	 * handlers re-check the case) and is a duty, not a courtesy. */
	if (strcmp(kind, "d3") == 0)
		return run_d3(st, conf, id, it->now) == 0 ? FLOW_DUE_DONE : -1;
	if (strcmp(kind, "d4") == 0)
		return run_d4(st, conf, id, it->now) == 0 ? FLOW_DUE_DONE : -1;
	return run_case_item(st, conf, kind, id, it);
}

int
cases_tick(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct new_list l = { NULL, 0 };
	struct store_sql *q = store_sql_prepare(st, new_sheets_sql);
	int rc = -1;

	if (q == NULL || store_sql_walk(q, new_cb, &l, "case new sheets") != 0)
		goto done;
	for (size_t i = 0; i < l.n; i++) {
		if (link_sheet(st, conf, &l.v[i], now) != 0)
			goto done;
	}
	if (sync_visits(st, now) != 0)
		goto done;
	if (flow_due_run(st, CASES_DUE_OWNER, now, due_cb, (void *)conf,
	    SYNC_BATCH) != 0)
		goto done;
	rc = 0;
done:
	new_list_free(&l);
	return rc;
}
