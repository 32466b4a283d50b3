/*
 * cases_ops.c - what SPAS does with a case, as the CLI and a web page
 * call it: assign a worker and village, record the RIS visit outcome
 * (Registry entry, D5, D7 cadence, D10), draft the service plan (D6),
 * record the mayor's order, record monitoring visits (D7) and plan
 * revisions, open and follow the DGASPC referral (D3, D4), close.
 *
 * Each operation runs in a transaction of its own (call outside one):
 * the change, its transition rows (who, when, why), its due items and
 * tasks, and an audit entry commit together or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "cases_int.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

static const char del_risks_sql[] = "DELETE FROM case_risks WHERE case_id = ?1";
static const char ins_risk_sql[] =
    "INSERT INTO case_risks (case_id, indicator, code, domain, confirmed)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (case_id, indicator) DO UPDATE"
    " SET code = excluded.code, domain = excluded.domain,"
    " confirmed = excluded.confirmed";
static const char ris_sql[] =
    "UPDATE cases SET visitor = ?2, visitor_role = ?3, visited_on = ?4,"
    " confirmed = ?5, conclusion = ?6, high_risk = ?7, cadence_months = ?8,"
    " updated_at = ?9 WHERE id = ?1";
static const char registry_sql[] =
    "UPDATE cases SET registry_at = COALESCE(registry_at, ?2),"
    " registry_updated_at = ?2, plan_due_at = COALESCE(plan_due_at, ?3)"
    " WHERE id = ?1";
static const char registry_touch_sql[] =
    "UPDATE cases SET registry_updated_at = ?2 WHERE id = ?1"
    " AND registry_at IS NOT NULL";
static const char plan_sql[] =
    "UPDATE cases SET plan_benefits = ?2, plan_services = ?3, plan_goal = ?4,"
    " plan_providers = ?5, plan_months = ?6, plan_drafted_at = ?7,"
    " order_no = NULL, order_date = NULL, updated_at = ?7 WHERE id = ?1";
static const char approve_sql[] =
    "UPDATE cases SET order_no = ?2, order_date = ?3, approved_at = ?4,"
    " next_monitoring_at = ?5, updated_at = ?4 WHERE id = ?1";
static const char monitor_ins_sql[] =
    "INSERT INTO case_monitoring (case_id, day, visitor, findings, revision,"
    " reason, recorded_at, recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
    " ?8)";
static const char next_mon_sql[] =
    "UPDATE cases SET next_monitoring_at = ?2, updated_at = ?3 WHERE id = ?1";
static const char assign_sql[] =
    "UPDATE cases SET worker = COALESCE(?2, worker),"
    " village = COALESCE(?3, village), updated_at = ?4 WHERE id = ?1";
static const char close_sql[] =
    "UPDATE cases SET closed_reason = ?2, updated_at = ?3 WHERE id = ?1";
static const char open_ref_sql[] =
    "SELECT id, notified_at FROM case_referrals WHERE case_id = ?1"
    " AND closed_at IS NULL";
static const char notified_sql[] =
    "UPDATE case_referrals SET notified_at = ?2, notified_by = ?3,"
    " channel = ?4, contact = ?5 WHERE id = ?1";
static const char verified_sql[] =
    "UPDATE case_referrals SET verified_at = ?2, outcome = ?3,"
    " closed_at = ?2 WHERE id = ?1";
static const char dismiss_sql[] =
    "UPDATE case_referrals SET outcome = ?2, closed_at = ?3 WHERE id = ?1";
static const char unurgent_sql[] =
    "UPDATE cases SET urgent = 0, updated_at = ?2 WHERE id = ?1";

/* Opens the transaction and reads the case. */
static enum cases_status
begin_get(struct store *st, int64_t id, struct cases_row *c)
{
	int r;

	memset(c, 0, sizeof(*c));
	if (store_begin(st) != 0)
		return CASES_ERR_STORE;
	r = cases_store_get(st, id, c);
	if (r == 1)
		return CASES_OK;
	store_rollback(st);
	return r == 0 ? CASES_ERR_NOT_FOUND : CASES_ERR_STORE;
}

/* Audits and commits, or rolls back on rc != OK. */
static enum cases_status
finish(struct store *st, enum cases_status rc, const char *who,
    const char *action, int64_t id, int64_t now)
{
	char obj[32];

	snprintf(obj, sizeof(obj), "case:%lld", (long long)id);
	if (rc == CASES_OK && (store_audit(st, who, "cases", action, obj,
	    now) != 0 || store_commit(st) != 0))
		rc = CASES_ERR_STORE;
	if (rc != CASES_OK)
		store_rollback(st);
	return rc;
}

static int
text_ok(const char *s, int required)
{
	if (s == NULL || *s == '\0')
		return !required;
	return strlen(s) <= CASES_TEXT_MAX;
}

/* A day not after today: 0 and its ms, or -1. */
static int
past_day(const char *day, int64_t now, int64_t *ms)
{
	char today[16];

	cases_format_day(now, today, sizeof(today));
	if (cases_parse_day(day, ms) != 0 || strcmp(day, today) > 0)
		return -1;
	return 0;
}

enum cases_status
cases_assign(struct store *st, int64_t id, const char *worker,
    const char *village, const char *who, int64_t now)
{
	struct cases_row c;
	struct store_sql *q;
	enum cases_status rc;
	char why[CASES_TEXT_MAX + 32];

	if ((worker == NULL && village == NULL) || !text_ok(worker, 0) ||
	    !text_ok(village, 0))
		return CASES_ERR_ARG;
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	rc = CASES_ERR_STORE;
	if ((q = store_sql_prepare(st, assign_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, worker);
	store_sql_bind_text(q, 3, village);
	store_sql_bind_int64(q, 4, now);
	if (store_sql_exec(q, "case assign") != 0)
		goto done;
	snprintf(why, sizeof(why), "assigned%s%s%s%s",
	    worker != NULL ? " worker " : "", worker != NULL ? worker : "",
	    village != NULL ? " village " : "", village != NULL ? village : "");
	if (cases_enter_state(st, &c, c.state, who, why, now) != 0)
		goto done;
	rc = CASES_OK;
done:
	cases_row_clear(&c);
	return finish(st, rc, who, "assign", id, now);
}

/* Confirmed codes into case_risks, and the suspected ones not confirmed;
 * the count of distinct lettered items (a sub-item counts for its
 * parent, as the sheet's risk_count does: observation-sheet.md 7.8). */
static enum cases_status
store_risks(struct store *st, const struct sheet_table *t,
    const struct cases_row *c, const char *confirm, int *count)
{
	int confirmed[SHEET_MAX_INDICATORS] = { 0 };
	int counted[SHEET_MAX_INDICATORS] = { 0 };
	struct sheet_row s;
	struct store_sql *q;
	const char *p = confirm != NULL ? confirm : "";
	char tok[16];
	enum cases_status rc = CASES_ERR_STORE;

	*count = 0;
	while (*p != '\0') {
		size_t k = 0;
		int idx;

		while (*p == ',' || *p == ' ')
			p++;
		if (*p == '\0')
			break;
		while (*p != '\0' && *p != ',' && *p != ' ' &&
		    k + 1 < sizeof(tok))
			tok[k++] = *p++;
		tok[k] = '\0';
		idx = sheet_table_find_code(t, tok);
		if (idx < 0 || sheet_table_at(t, (size_t)idx)->status == 'L')
			return CASES_ERR_CODE;
		confirmed[idx] = 1;
		if (sheet_table_at(t, (size_t)idx)->parent >= 0)
			idx = sheet_table_at(t, (size_t)idx)->parent;
		if (!counted[idx] && sheet_table_at(t, (size_t)idx)->lettered)
			(*count)++;
		counted[idx] = 1;
	}
	if ((q = store_sql_prepare(st, del_risks_sql)) == NULL)
		return CASES_ERR_STORE;
	store_sql_bind_int64(q, 1, c->id);
	if (store_sql_exec(q, "case risks clear") != 0)
		return CASES_ERR_STORE;
	if (sheet_store_get(st, c->sheet_id, 1, &s) != 1)
		return CASES_ERR_STORE;
	for (size_t i = 0; i < s.n_values; i++) {
		int idx = sheet_table_find_id(t, s.values[i].indicator);

		if (idx >= 0 && s.values[i].value == SHEET_VAL_YES &&
		    !confirmed[idx])
			confirmed[idx] = -1; /* suspected, not confirmed */
	}
	for (size_t i = 0; i < sheet_table_count(t); i++) {
		const struct sheet_indicator *ind = sheet_table_at(t, i);

		if (confirmed[i] == 0)
			continue;
		if ((q = store_sql_prepare(st, ins_risk_sql)) == NULL)
			goto done;
		store_sql_bind_int64(q, 1, c->id);
		store_sql_bind_text(q, 2, ind->id);
		store_sql_bind_text(q, 3, ind->code);
		store_sql_bind_int(q, 4, ind->domain);
		store_sql_bind_int(q, 5, confirmed[i] > 0);
		if (store_sql_exec(q, "case risk") != 0)
			goto done;
	}
	rc = CASES_OK;
done:
	sheet_row_clear(&s);
	return rc;
}

enum cases_status
cases_record_ris(struct store *st, const struct gw_config *conf,
    const struct sheet_table *t, int64_t id, const struct cases_ris *ris,
    const char *who, int64_t now, struct cases_row *out)
{
	struct cases_row c;
	struct sheet_visit_result vr;
	struct store_sql *q;
	enum cases_status rc;
	char today[16], why[128];
	int64_t day_ms;
	int count, first;

	if (t == NULL)
		return CASES_ERR_NO_TABLE;
	if (!text_ok(ris->visitor, 1) || !text_ok(ris->visitor_role, 0) ||
	    ris->conclusion < CASES_CONCL_NONE ||
	    ris->conclusion > CASES_CONCL_DGASPC)
		return CASES_ERR_ARG;
	cases_format_day(now, today, sizeof(today));
	if (ris->day != NULL && past_day(ris->day, now, &day_ms) != 0)
		return CASES_ERR_DATE;
	/* The visit is the sheet service's: a RIS recorded before `sheets
	 * visit --done` records it there first (its own transaction). */
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	first = c.state == CASES_VISIT_PENDING;
	store_rollback(st);
	if (first) {
		enum sheet_status e = sheet_visit_record(st, c.sheet_no, NULL,
		    now, &vr);

		if (e != SHEET_OK && e != SHEET_ERR_VISITED) {
			cases_row_clear(&c);
			return CASES_ERR_STORE;
		}
	}
	cases_row_clear(&c);
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	switch (c.state) {
	case CASES_VISIT_PENDING:
		if (cases_enter_state(st, &c, CASES_RIS_ANALYSIS, who,
		    "RIS visit done", now) != 0) {
			rc = CASES_ERR_STORE;
			goto done;
		}
		/* FALLTHROUGH */
	case CASES_RIS_ANALYSIS:
		first = 1;
		break;
	case CASES_PLAN_DUE:
	case CASES_PLAN_DRAFTED:
	case CASES_PLAN_APPROVED:
	case CASES_MONITORING:
	case CASES_PLAN_REVISION:
		first = 0; /* a re-assessment: D10 */
		break;
	default:
		rc = CASES_ERR_STATE;
		goto done;
	}
	if ((rc = store_risks(st, t, &c, ris->confirm, &count)) != CASES_OK)
		goto done;
	rc = CASES_ERR_ARG;
	if (count > 0 && ris->conclusion == CASES_CONCL_NONE)
		goto done;
	if (count == 0 && ris->conclusion == CASES_CONCL_PLAN)
		goto done;
	if (!first && count == 0)
		goto done; /* no risk left: close the case instead */
	rc = CASES_ERR_STORE;
	if ((q = store_sql_prepare(st, ris_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, c.id);
	store_sql_bind_text(q, 2, ris->visitor);
	store_sql_bind_text(q, 3, ris->visitor_role);
	store_sql_bind_text(q, 4, ris->day != NULL ? ris->day : today);
	store_sql_bind_int(q, 5, count);
	store_sql_bind_int(q, 6, ris->conclusion);
	store_sql_bind_int(q, 7, cases_high_risk(count));
	store_sql_bind_int(q, 8, cases_cadence_months(count));
	store_sql_bind_int64(q, 9, now);
	if (store_sql_exec(q, "case ris") != 0)
		goto done;
	snprintf(why, sizeof(why), "RIS: %d risk(s) confirmed, conclusion "
	    "%s%s", count, cases_strconclusion(ris->conclusion),
	    cases_high_risk(count) ? ", HIGH_RISK" : "");
	if (!first) {
		/* D10: the Registry follows every RIS update. */
		if ((q = store_sql_prepare(st, registry_touch_sql)) == NULL)
			goto done;
		store_sql_bind_int64(q, 1, c.id);
		store_sql_bind_int64(q, 2, now);
		if (store_sql_exec(q, "case registry") != 0 ||
		    cases_enter_state(st, &c, c.state, who, why, now) != 0)
			goto done;
	} else if (count == 0) {
		/* DP11: a suspicion not confirmed never enters the
		 * Registry; the child stays in the Observatory. */
		if (cases_enter_state(st, &c, CASES_NOT_CONFIRMED, who, why,
		    now) != 0)
			goto done;
	} else {
		int64_t due = now + CASES_D5_DAYS * CASES_MS_DAY;

		if ((q = store_sql_prepare(st, registry_sql)) == NULL)
			goto done;
		store_sql_bind_int64(q, 1, c.id);
		store_sql_bind_int64(q, 2, now);
		store_sql_bind_int64(q, 3, due);
		if (store_sql_exec(q, "case registry") != 0 ||
		    cases_enter_state(st, &c, CASES_CONFIRMED, who, why,
		    now) != 0 ||
		    cases_enter_state(st, &c, CASES_PLAN_DUE, who,
		    "entered in the Registry; service plan due in 30 days",
		    now) != 0 ||
		    cases_due_put(st, "d5", c.id, due, now) != 0 ||
		    cases_task(st, "plan", c.id, "Intocmiti planul de servicii "
		    "(30 de zile)", c.worker, now, due) != 0)
			goto done;
	}
	if (ris->conclusion == CASES_CONCL_DGASPC) {
		rc = cases_referral_open(st, conf, &c, ris->why != NULL ?
		    ris->why : "ris", who, now);
		if (rc != CASES_OK && rc != CASES_ERR_REFERRAL)
			goto done; /* one open already (a pre-alert) is it */
	}
	rc = CASES_OK;
done:
	cases_row_clear(&c);
	rc = finish(st, rc, who, "ris", id, now);
	if (rc == CASES_OK && out != NULL && cases_store_get(st, id, out) != 1)
		rc = CASES_ERR_STORE;
	return rc;
}

enum cases_status
cases_draft_plan(struct store *st, int64_t id, const struct cases_plan *p,
    const char *who, int64_t now)
{
	struct cases_row c;
	struct store_sql *q;
	enum cases_status rc;
	char ben[64], svc[128];
	int64_t remind = now + CASES_D6_MAYOR_DAYS * CASES_MS_DAY;

	if (!text_ok(p->goal, 1) || !text_ok(p->providers, 0) ||
	    p->months < 1 || p->months > 60)
		return CASES_ERR_ARG;
	if (cases_benefits_norm(p->benefits, ben, sizeof(ben)) != 0 ||
	    cases_services_norm(p->services, svc, sizeof(svc)) != 0)
		return CASES_ERR_CODE;
	if (ben[0] == '\0' && svc[0] == '\0')
		return CASES_ERR_ARG;
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	if (c.state != CASES_PLAN_DUE && c.state != CASES_PLAN_REVISION) {
		rc = CASES_ERR_STATE;
		goto done;
	}
	rc = CASES_ERR_STORE;
	if ((q = store_sql_prepare(st, plan_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, ben);
	store_sql_bind_text(q, 3, svc);
	store_sql_bind_text(q, 4, p->goal);
	store_sql_bind_text(q, 5, p->providers);
	store_sql_bind_int(q, 6, p->months);
	store_sql_bind_int64(q, 7, now);
	if (store_sql_exec(q, "case plan") != 0 ||
	    cases_enter_state(st, &c, CASES_PLAN_DRAFTED, who,
	    "service plan drafted, sent for the mayor's order", now) != 0 ||
	    cases_due_cancel(st, "d5", id) != 0 ||
	    cases_task_done(st, "plan", id, who, "plan drafted", now) != 0 ||
	    cases_due_put(st, "d6", id, remind, now) != 0 ||
	    cases_task(st, "mayor_order", id, "Dispozitia primarului pentru "
	    "planul de servicii", "mayor", now,
	    now + CASES_D6_SPAS_DAYS * CASES_MS_DAY) != 0)
		goto done;
	rc = CASES_OK;
done:
	cases_row_clear(&c);
	return finish(st, rc, who, "plan", id, now);
}

enum cases_status
cases_approve_plan(struct store *st, int64_t id, const char *order_no,
    const char *order_day, const char *who, int64_t now,
    struct cases_row *out)
{
	struct cases_row c;
	struct store_sql *q;
	enum cases_status rc;
	int64_t day_ms, next;
	char why[CASES_TEXT_MAX + 64], nd[16];

	if (!text_ok(order_no, 1) || strlen(order_no) > 32)
		return CASES_ERR_ARG;
	if (past_day(order_day, now, &day_ms) != 0)
		return CASES_ERR_DATE;
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	if (c.state != CASES_PLAN_DRAFTED) {
		rc = CASES_ERR_STATE;
		goto done;
	}
	rc = CASES_ERR_STORE;
	next = cases_add_months(now, c.cadence_months > 0 ? c.cadence_months :
	    12);
	cases_format_day(next, nd, sizeof(nd));
	if ((q = store_sql_prepare(st, approve_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, order_no);
	store_sql_bind_text(q, 3, order_day);
	store_sql_bind_int64(q, 4, now);
	store_sql_bind_int64(q, 5, next);
	snprintf(why, sizeof(why), "mayor's order %s of %s", order_no,
	    order_day);
	if (store_sql_exec(q, "case approve") != 0 ||
	    cases_enter_state(st, &c, CASES_PLAN_APPROVED, who, why, now) !=
	    0)
		goto done;
	snprintf(why, sizeof(why), "monitoring every %d months, next %s",
	    c.cadence_months, nd);
	if (cases_enter_state(st, &c, CASES_MONITORING, who, why, now) != 0 ||
	    cases_due_cancel(st, "d6", id) != 0 ||
	    cases_task_done(st, "mayor_order", id, who, "order recorded",
	    now) != 0 ||
	    cases_due_put(st, "d7", id, next, now) != 0)
		goto done;
	rc = CASES_OK;
done:
	cases_row_clear(&c);
	rc = finish(st, rc, who, "approve", id, now);
	if (rc == CASES_OK && out != NULL && cases_store_get(st, id, out) != 1)
		rc = CASES_ERR_STORE;
	return rc;
}

enum cases_status
cases_monitor(struct store *st, int64_t id, const char *visitor,
    const char *day, const char *findings, const char *revision_why,
    const char *who, int64_t now, struct cases_row *out)
{
	struct cases_row c;
	struct store_sql *q;
	enum cases_status rc;
	int64_t day_ms = now, next;
	char today[16], nd[16], why[CASES_TEXT_MAX + 64];

	if (!text_ok(visitor, 1) || !text_ok(findings, 0) ||
	    !text_ok(revision_why, 0))
		return CASES_ERR_ARG;
	cases_format_day(now, today, sizeof(today));
	if (day != NULL && past_day(day, now, &day_ms) != 0)
		return CASES_ERR_DATE;
	if (day == NULL)
		day = today;
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	if (c.state != CASES_MONITORING && c.state != CASES_PLAN_REVISION) {
		rc = CASES_ERR_STATE;
		goto done;
	}
	rc = CASES_ERR_STORE;
	if ((q = store_sql_prepare(st, monitor_ins_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, day);
	store_sql_bind_text(q, 3, visitor);
	store_sql_bind_text(q, 4, findings);
	store_sql_bind_int(q, 5, revision_why != NULL);
	store_sql_bind_text(q, 6, revision_why);
	store_sql_bind_int64(q, 7, now);
	store_sql_bind_text(q, 8, who);
	if (store_sql_exec(q, "case monitoring") != 0)
		goto done;
	/* The next visit counts from this one (D7). */
	next = cases_add_months(day_ms + (now % CASES_MS_DAY),
	    c.cadence_months > 0 ? c.cadence_months : 12);
	cases_format_day(next, nd, sizeof(nd));
	if ((q = store_sql_prepare(st, next_mon_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_int64(q, 2, next);
	store_sql_bind_int64(q, 3, now);
	snprintf(why, sizeof(why), "monitoring visit %s by %s, next %s", day,
	    visitor, nd);
	if (store_sql_exec(q, "case next monitoring") != 0 ||
	    cases_enter_state(st, &c, c.state, who, why, now) != 0 ||
	    cases_task_done(st, "monitoring", id, who, "visit recorded",
	    now) != 0 ||
	    cases_due_put(st, "d7", id, next, now) != 0)
		goto done;
	if (revision_why != NULL && c.state == CASES_MONITORING) {
		snprintf(why, sizeof(why), "plan revision: %s", revision_why);
		if (cases_enter_state(st, &c, CASES_PLAN_REVISION, who, why,
		    now) != 0)
			goto done;
	}
	rc = CASES_OK;
done:
	cases_row_clear(&c);
	rc = finish(st, rc, who, "monitor", id, now);
	if (rc == CASES_OK && out != NULL && cases_store_get(st, id, out) != 1)
		rc = CASES_ERR_STORE;
	return rc;
}

enum cases_status
cases_suspect(struct store *st, const struct gw_config *conf, int64_t id,
    const char *reason, const char *who, int64_t now)
{
	static const char *const reasons[] = { "abuse", "neglect",
		"exploitation", "violence", "high_risk", "other" };
	struct cases_row c;
	enum cases_status rc;
	size_t i;

	for (i = 0; reason != NULL && i < NELEM(reasons); i++) {
		if (strcmp(reason, reasons[i]) == 0)
			break;
	}
	if (reason == NULL || i == NELEM(reasons))
		return CASES_ERR_ARG;
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	if (c.state == CASES_CLOSED)
		rc = CASES_ERR_STATE;
	else
		rc = cases_referral_open(st, conf, &c, reason, who, now);
	cases_row_clear(&c);
	return finish(st, rc, who, "suspect", id, now);
}

/* The open referral of case id: 1 with its id and notified_at, 0, -1. */
static int
open_referral(struct store *st, int64_t id, int64_t *ref, int64_t *notified)
{
	struct store_sql *q = store_sql_prepare(st, open_ref_sql);
	int rc;

	*ref = *notified = 0;
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	rc = store_sql_step(q, "case open referral");
	if (rc == 1) {
		*ref = store_sql_col_int64(q, 0);
		*notified = store_sql_col_int64(q, 1);
	}
	store_sql_done(q);
	return rc;
}

enum cases_status
cases_dgaspc_notified(struct store *st, int64_t id, const char *channel,
    const char *contact, const char *who, int64_t now)
{
	struct cases_row c;
	struct store_sql *q;
	enum cases_status rc;
	int64_t ref, notified;
	char why[CASES_TEXT_MAX * 2 + 64];
	int r;

	if (!text_ok(channel, 0) || !text_ok(contact, 0))
		return CASES_ERR_ARG;
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	rc = CASES_ERR_STORE;
	if ((r = open_referral(st, id, &ref, &notified)) < 0)
		goto done;
	if (r == 0 || notified != 0) {
		rc = CASES_ERR_REFERRAL;
		goto done;
	}
	if ((q = store_sql_prepare(st, notified_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, ref);
	store_sql_bind_int64(q, 2, now);
	store_sql_bind_text(q, 3, who);
	store_sql_bind_text(q, 4, channel != NULL ? channel : "phone");
	store_sql_bind_text(q, 5, contact);
	snprintf(why, sizeof(why), "DGASPC notified (%s%s%s)",
	    channel != NULL ? channel : "phone", contact != NULL ? ", " : "",
	    contact != NULL ? contact : "");
	if (store_sql_exec(q, "referral notified") != 0 ||
	    cases_enter_state(st, &c, c.state, who, why, now) != 0 ||
	    cases_due_cancel(st, "d3", ref) != 0 ||
	    cases_task_done(st, "dgaspc_notify", id, who, "DGASPC notified",
	    now) != 0 ||
	    cases_due_put(st, "d4", ref, now + CASES_D4_MS, now) != 0)
		goto done;
	rc = CASES_OK;
done:
	cases_row_clear(&c);
	return finish(st, rc, who, "dgaspc_notified", id, now);
}

/* Ends the open referral: verified (outcome) or dismissed (why). */
static enum cases_status
referral_end(struct store *st, int64_t id, const char *text, int verified,
    const char *who, int64_t now)
{
	struct cases_row c;
	struct store_sql *q;
	enum cases_status rc;
	int64_t ref, notified;
	char why[CASES_TEXT_MAX + 64];
	int r;

	if (!text_ok(text, 1))
		return CASES_ERR_ARG;
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	rc = CASES_ERR_STORE;
	if ((r = open_referral(st, id, &ref, &notified)) < 0)
		goto done;
	/* Verified needs a notification; dismissed must not have one. */
	if (r == 0 || (verified && notified == 0) ||
	    (!verified && notified != 0)) {
		rc = CASES_ERR_REFERRAL;
		goto done;
	}
	q = store_sql_prepare(st, verified ? verified_sql : dismiss_sql);
	if (q == NULL)
		goto done;
	store_sql_bind_int64(q, 1, ref);
	if (verified) {
		store_sql_bind_int64(q, 2, now);
		store_sql_bind_text(q, 3, text);
	} else {
		store_sql_bind_text(q, 2, text);
		store_sql_bind_int64(q, 3, now);
	}
	if (store_sql_exec(q, "referral end") != 0)
		goto done;
	if ((q = store_sql_prepare(st, unurgent_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_int64(q, 2, now);
	snprintf(why, sizeof(why), "%s: %s", verified ?
	    "DGASPC verification recorded" : "no DGASPC notification due",
	    text);
	if (store_sql_exec(q, "case urgent off") != 0 ||
	    cases_enter_state(st, &c, c.state, who, why, now) != 0 ||
	    cases_due_cancel(st, verified ? "d4" : "d3", ref) != 0 ||
	    cases_task_done(st, verified ? "dgaspc_check" : "dgaspc_notify",
	    id, who, text, now) != 0)
		goto done;
	rc = CASES_OK;
done:
	cases_row_clear(&c);
	return finish(st, rc, who, verified ? "dgaspc_verified" :
	    "dgaspc_dismissed", id, now);
}

enum cases_status
cases_dgaspc_verified(struct store *st, int64_t id, const char *outcome,
    const char *who, int64_t now)
{
	return referral_end(st, id, outcome, 1, who, now);
}

enum cases_status
cases_dgaspc_dismiss(struct store *st, int64_t id, const char *why,
    const char *who, int64_t now)
{
	return referral_end(st, id, why, 0, who, now);
}

enum cases_status
cases_close(struct store *st, int64_t id, const char *why, const char *who,
    int64_t now)
{
	static const char *const kinds[] = { "d5", "d6", "d7", "d8" };
	static const char *const tasks[] = { "plan", "mayor_order",
		"monitoring", "refresh" };
	struct cases_row c;
	struct store_sql *q;
	enum cases_status rc;
	int64_t ref, notified;
	int r;

	if (!text_ok(why, 1))
		return CASES_ERR_ARG;
	if ((rc = begin_get(st, id, &c)) != CASES_OK)
		return rc;
	rc = CASES_ERR_STORE;
	if ((r = open_referral(st, id, &ref, &notified)) < 0)
		goto done;
	if (r == 1) {
		rc = CASES_ERR_REFERRAL; /* the DGASPC referral first */
		goto done;
	}
	if (c.state == CASES_CLOSED) {
		rc = CASES_ERR_STATE;
		goto done;
	}
	if ((q = store_sql_prepare(st, close_sql)) == NULL)
		goto done;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, why);
	store_sql_bind_int64(q, 3, now);
	if (store_sql_exec(q, "case close") != 0 ||
	    cases_enter_state(st, &c, CASES_CLOSED, who, why, now) != 0)
		goto done;
	for (size_t i = 0; i < NELEM(kinds); i++) {
		if (cases_due_cancel(st, kinds[i], id) != 0 ||
		    cases_task_done(st, tasks[i], id, who, "case closed",
		    now) != 0)
			goto done;
	}
	rc = CASES_OK;
done:
	cases_row_clear(&c);
	return finish(st, rc, who, "close", id, now);
}
