/*
 * cases_store.c - the case service's tables and the one writer of a
 * case's state.
 *
 * cases            one row per case (a household's cycle), its follow-up
 *                  fields (visit, RIS, Registry, plan, order, cadence)
 * case_sheets      which sheet rows belong to which case (every row of a
 *                  cycle, superseded ones too): the tick's memory of what
 *                  it has picked up, so picking up is idempotent
 * case_transitions every state change and event: who, when, why
 * case_risks       RIS result per indicator (confirmed 1/0), by domain
 * case_referrals   DGASPC referrals: reason, notified, verified (D3, D4)
 * case_monitoring  monitoring visits (D7) and plan revisions
 * case_meta        key/value memory (the sheet pick-up cursor)
 *
 * Identity of the family never enters these tables: the household code
 * is the link to the register kept at SPAS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "cases_int.h"
#include "config.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

static const char cases_schema_0001[] =
    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY,"
    "  household TEXT,"
    "  sheet_id INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"
    "  urgent INTEGER NOT NULL DEFAULT 0,"
    "  high_risk INTEGER NOT NULL DEFAULT 0,"
    "  worker TEXT,"
    "  village TEXT,"
    "  opened_at INTEGER NOT NULL,"
    "  last_sheet_at INTEGER NOT NULL,"
    "  suspected INTEGER NOT NULL DEFAULT 0,"
    "  visit_date TEXT,"
    "  visit_deadline INTEGER,"
    "  visited_on TEXT,"
    "  visitor TEXT,"
    "  visitor_role TEXT,"
    "  confirmed INTEGER NOT NULL DEFAULT -1,"
    "  conclusion INTEGER NOT NULL DEFAULT -1,"
    "  registry_at INTEGER,"
    "  registry_updated_at INTEGER,"
    "  plan_due_at INTEGER,"
    "  plan_drafted_at INTEGER,"
    "  plan_benefits TEXT,"
    "  plan_services TEXT,"
    "  plan_goal TEXT,"
    "  plan_providers TEXT,"
    "  plan_months INTEGER NOT NULL DEFAULT 0,"
    "  order_no TEXT,"
    "  order_date TEXT,"
    "  approved_at INTEGER,"
    "  cadence_months INTEGER NOT NULL DEFAULT 0,"
    "  next_monitoring_at INTEGER,"
    "  refresh_due_at INTEGER,"
    "  closed_reason TEXT,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX cases_household ON cases(household) WHERE state <> 'closed';"
    "CREATE TABLE case_sheets ("
    "  sheet_id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id)"
    ");"
    "CREATE TABLE case_transitions ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  at INTEGER NOT NULL,"
    "  who TEXT NOT NULL,"
    "  from_state TEXT,"
    "  to_state TEXT NOT NULL,"
    "  why TEXT"
    ");"
    "CREATE INDEX case_transitions_case ON case_transitions(case_id, id);"
    "CREATE TABLE case_risks ("
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  indicator TEXT NOT NULL,"
    "  code TEXT NOT NULL,"
    "  domain INTEGER NOT NULL,"
    "  confirmed INTEGER NOT NULL,"
    "  PRIMARY KEY (case_id, indicator)"
    ") WITHOUT ROWID;"
    "CREATE TABLE case_referrals ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  reason TEXT NOT NULL,"
    "  opened_at INTEGER NOT NULL,"
    "  opened_by TEXT NOT NULL,"
    "  notified_at INTEGER,"
    "  notified_by TEXT,"
    "  channel TEXT,"
    "  contact TEXT,"
    "  escalated_at INTEGER,"
    "  verified_at INTEGER,"
    "  outcome TEXT,"
    "  closed_at INTEGER"
    ");"
    "CREATE INDEX case_referrals_open ON case_referrals(case_id)"
    "  WHERE closed_at IS NULL;"
    "CREATE TABLE case_monitoring ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  day TEXT NOT NULL,"
    "  visitor TEXT NOT NULL,"
    "  findings TEXT,"
    "  revision INTEGER NOT NULL DEFAULT 0,"
    "  reason TEXT,"
    "  recorded_at INTEGER NOT NULL,"
    "  recorded_by TEXT NOT NULL"
    ");"
    "CREATE TABLE case_meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") WITHOUT ROWID;";

/* Append only; never edit a merged line. */
const struct store_migration cases_migrations[] = {
	{ "cases_0001_cases", cases_schema_0001, NULL },
	{ NULL, NULL, NULL },
};

/* Keep in step with row_read(). */
#define CASE_COLS                                                          \
	"c.id, c.household, c.sheet_id, s.county, s.seq, c.state, c.urgent," \
	" c.high_risk, c.worker, c.village, c.opened_at, c.last_sheet_at,"  \
	" c.suspected, c.visit_date, c.visit_deadline, c.visited_on,"       \
	" c.visitor, c.visitor_role, c.confirmed, c.conclusion,"            \
	" c.registry_at, c.registry_updated_at, c.plan_due_at,"             \
	" c.plan_drafted_at, c.plan_benefits, c.plan_services, c.plan_goal," \
	" c.plan_providers, c.plan_months, c.order_no, c.order_date,"       \
	" c.approved_at, c.cadence_months, c.next_monitoring_at,"           \
	" c.refresh_due_at, c.closed_reason, c.updated_at"

static const char get_sql[] =
    "SELECT " CASE_COLS " FROM cases c LEFT JOIN sheets s ON s.id = c.sheet_id"
    " WHERE c.id = ?1";
static const char set_state_sql[] =
    "UPDATE cases SET state = ?2, updated_at = ?3 WHERE id = ?1";
static const char transition_sql[] =
    "INSERT INTO case_transitions (case_id, at, who, from_state, to_state,"
    " why) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

void
cases_row_read(struct store_sql *q, struct cases_row *c)
{
	memset(c, 0, sizeof(*c));
	c->id = store_sql_col_int64(q, 0);
	c->household = store_sql_col_strdup(q, 1);
	c->sheet_id = store_sql_col_int64(q, 2);
	sheet_format_no(store_sql_col_int(q, 3), store_sql_col_int(q, 4),
	    c->sheet_no, sizeof(c->sheet_no));
	c->state = cases_state_parse(store_sql_col_text(q, 5));
	c->urgent = store_sql_col_int(q, 6);
	c->high_risk = store_sql_col_int(q, 7);
	c->worker = store_sql_col_strdup(q, 8);
	c->village = store_sql_col_strdup(q, 9);
	c->opened_at = store_sql_col_int64(q, 10);
	c->last_sheet_at = store_sql_col_int64(q, 11);
	c->suspected = store_sql_col_int(q, 12);
	c->visit_date = store_sql_col_strdup(q, 13);
	c->visit_deadline = store_sql_col_int64(q, 14);
	c->visited_on = store_sql_col_strdup(q, 15);
	c->visitor = store_sql_col_strdup(q, 16);
	c->visitor_role = store_sql_col_strdup(q, 17);
	c->confirmed = store_sql_col_int(q, 18);
	c->conclusion = store_sql_col_int(q, 19);
	c->registry_at = store_sql_col_int64(q, 20);
	c->registry_updated_at = store_sql_col_int64(q, 21);
	c->plan_due_at = store_sql_col_int64(q, 22);
	c->plan_drafted_at = store_sql_col_int64(q, 23);
	c->plan_benefits = store_sql_col_strdup(q, 24);
	c->plan_services = store_sql_col_strdup(q, 25);
	c->plan_goal = store_sql_col_strdup(q, 26);
	c->plan_providers = store_sql_col_strdup(q, 27);
	c->plan_months = store_sql_col_int(q, 28);
	c->order_no = store_sql_col_strdup(q, 29);
	c->order_date = store_sql_col_strdup(q, 30);
	c->approved_at = store_sql_col_int64(q, 31);
	c->cadence_months = store_sql_col_int(q, 32);
	c->next_monitoring_at = store_sql_col_int64(q, 33);
	c->refresh_due_at = store_sql_col_int64(q, 34);
	c->closed_reason = store_sql_col_strdup(q, 35);
	c->updated_at = store_sql_col_int64(q, 36);
}

int
cases_store_get(struct store *st, int64_t id, struct cases_row *out)
{
	struct store_sql *q = store_sql_prepare(st, get_sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	rc = store_sql_step(q, "case get");
	if (rc == 1)
		cases_row_read(q, out);
	store_sql_done(q);
	return rc;
}

void
cases_row_clear(struct cases_row *c)
{
	if (c == NULL)
		return;
	free(c->household);
	free(c->worker);
	free(c->village);
	free(c->visit_date);
	free(c->visited_on);
	free(c->visitor);
	free(c->visitor_role);
	free(c->plan_benefits);
	free(c->plan_services);
	free(c->plan_goal);
	free(c->plan_providers);
	free(c->order_no);
	free(c->order_date);
	free(c->closed_reason);
	memset(c, 0, sizeof(*c));
}

int
cases_enter_state(struct store *st, struct cases_row *c, int next,
    const char *who, const char *why, int64_t now)
{
	struct store_sql *q;

	/* A new case's first row has no "from". */
	if (!(c->state < 0 && next == CASES_RECEIVED) &&
	    !cases_transition_allowed(c->state, next)) {
		log_warnx("case %lld: %s -> %s is not allowed",
		    (long long)c->id, cases_strstate(c->state),
		    cases_strstate(next));
		return -1;
	}
	if (next != c->state && c->state >= 0) {
		if ((q = store_sql_prepare(st, set_state_sql)) == NULL)
			return -1;
		store_sql_bind_int64(q, 1, c->id);
		store_sql_bind_text(q, 2, cases_strstate(next));
		store_sql_bind_int64(q, 3, now);
		if (store_sql_exec(q, "case state") != 0)
			return -1;
	}
	if ((q = store_sql_prepare(st, transition_sql)) == NULL)
		return -1;
	store_sql_bind_int64(q, 1, c->id);
	store_sql_bind_int64(q, 2, now);
	store_sql_bind_text(q, 3, who != NULL ? who : "?");
	store_sql_bind_text(q, 4, c->state >= 0 ? cases_strstate(c->state) :
	    NULL);
	store_sql_bind_text(q, 5, cases_strstate(next));
	store_sql_bind_text(q, 6, why);
	if (store_sql_exec(q, "case transition") != 0)
		return -1;
	if (next != c->state && c->state >= 0)
		log_info("case %lld: %s -> %s", (long long)c->id,
		    cases_strstate(c->state), cases_strstate(next));
	c->state = next;
	return 0;
}

int
cases_notify(struct store *st, const struct gw_config *conf, enum cases_to to,
    const char *text, int64_t now)
{
	const struct cases_conf *cc = cases_conf(conf);
	char *const *nums;
	size_t n;

	switch (to) {
	case CASES_TO_HEAD:
		nums = cc->head_numbers;
		n = cc->n_head_numbers;
		break;
	case CASES_TO_MAYOR:
		nums = cc->mayor_numbers;
		n = cc->n_mayor_numbers;
		break;
	default:
		nums = cc->spas_numbers;
		n = cc->n_spas_numbers;
		if (n == 0) {
			nums = sheet_conf(conf)->spas_numbers;
			n = sheet_conf(conf)->n_spas_numbers;
		}
		break;
	}
	if (n == 0) {
		log_warnx("cases: no numbers to alert (%s)",
		    to == CASES_TO_HEAD ? "head_numbers" :
		    to == CASES_TO_MAYOR ? "mayor_numbers" : "spas_numbers");
		return 0;
	}
	return store_outbox_add_each(st, nums, n, text, STORE_PRIO_ALERT, now);
}
