/*
 * cases.h - the SPAS case workflow after an Observation Sheet
 * (shared/domain/spas-followup.md 5.2, 5.3, 6, 7): one case per family
 * cycle opened from every new sheet, its states with every transition
 * recorded (who, when, why), the RIS visit outcome and the Registry
 * entry, the service plan and the mayor's order, monitoring by cadence,
 * the DGASPC referral of a suspicion of abuse, family call-back requests,
 * and the lists and reports SPAS prints or sends.  docs/cases.md.
 *
 * The unit of a case: over SMS only the opaque household code travels
 * (observation-sheet.md 7.3), so a case is the household's cycle: every
 * sheet of one household code (and the rows that supersede it) belongs
 * to the household's one open case; a sheet without a code (NOU) opens a
 * case of its own.  The children concerned are named at SPAS only.
 *
 * Layers:
 *   - pure (cases_rules.c): state names, the transition table, the D7
 *     cadence rule, calendar month arithmetic, plan code checks;
 *   - cases_store.c: the service's tables (migrations "cases_0001_...")
 *     and the one writer of a case's state (cases_enter_state);
 *   - cases_sync.c: the tick: new sheets become cases, visits recorded in
 *     the sheet service move them on, and the due alerts D3-D8 run;
 *   - cases_ops.c: what SPAS does (RIS, plan, order, monitoring, DGASPC
 *     referral, close), each in a transaction of its own; the CLI and a
 *     web page call these and print;
 *   - cases_lists.c: lists and reports as struct table (lib/table.h);
 *   - cases_service.c: the service (flows/service.h), its [cases]
 *     section and its flow action (family call-back requests).
 *
 * Nothing here logs or texts a household code, an indicator or a name:
 * SMS to SPAS carry case ids and sheet numbers only (DP3).
 */
#ifndef STAFETA_CASES_H
#define STAFETA_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "service.h"
#include "store.h"

struct gw_config;
struct sheet_table;
struct table;

#define CASES_DUE_OWNER	     "cases"
#define CASES_MS_HOUR	     (3600 * 1000LL)
#define CASES_MS_DAY	     (24 * CASES_MS_HOUR)
#define CASES_D3_ESCALATE_MS (2 * CASES_MS_HOUR)  /* D3: to the SPAS head */
#define CASES_D4_MS	     (48 * CASES_MS_HOUR) /* D4: DGASPC verifies */
#define CASES_D5_DAYS	     30			  /* D5: plan drafted */
#define CASES_D6_MAYOR_DAYS  5			  /* D6: mayor reminded */
#define CASES_D6_SPAS_DAYS   10			  /* D6: SPAS alerted */
#define CASES_REFRESH_MONTHS 12			  /* D8 */
#define CASES_SUPPRESS_BELOW 5			  /* DP9 */
#define CASES_TEXT_MAX	     200		  /* free text fields */

/* spas-followup.md 5.2 (URGENT_DGASPC and HIGH_RISK are flags). */
enum cases_state {
	CASES_RECEIVED = 0,
	CASES_IN_OBSERVATORY,
	CASES_INCOMPLETE,
	CASES_NO_SUSPICION,
	CASES_VISIT_PENDING,
	CASES_RIS_ANALYSIS,
	CASES_NOT_CONFIRMED,
	CASES_CONFIRMED,
	CASES_PLAN_DUE,
	CASES_PLAN_DRAFTED,
	CASES_PLAN_APPROVED,
	CASES_MONITORING,
	CASES_PLAN_REVISION,
	CASES_REFRESH_DUE,
	CASES_CLOSED,
	CASES_STATE_N,
};

/* What an operation tells its caller (CLI exit text, web page). */
enum cases_status {
	CASES_OK = 0,
	CASES_ERR_STORE,      /* database error (logged) */
	CASES_ERR_NOT_FOUND,  /* no such case */
	CASES_ERR_STATE,      /* not allowed in the case's state */
	CASES_ERR_ARG,	      /* a missing or malformed argument */
	CASES_ERR_CODE,	      /* an unknown indicator, benefit or service */
	CASES_ERR_DATE,	      /* not YYYY-MM-DD, or in the future */
	CASES_ERR_REFERRAL,   /* no open DGASPC referral / one is open */
	CASES_ERR_NO_TABLE,   /* sheets not configured: no indicator table */
};

/* The RIS visit conclusion (Registry "service plan needed"). */
enum cases_conclusion {
	CASES_CONCL_NONE = 0, /* no risk confirmed */
	CASES_CONCL_PLAN,     /* risk: a service plan is needed */
	CASES_CONCL_DGASPC,   /* risk: referral to DGASPC (and a plan) */
};

/* One case as stored (strings owned; cases_row_clear). */
struct cases_row {
	int64_t id;
	char *household;      /* 8 digits, NULL = NOU */
	int64_t sheet_id;     /* the newest sheet row of the case */
	char sheet_no[16];    /* "08-001" of that sheet */
	int state;	      /* enum cases_state */
	int urgent;	      /* URGENT_DGASPC: an open referral */
	int high_risk;	      /* > 10 confirmed risks */
	char *worker;	      /* case officer / assigned visitor, or NULL */
	char *village;	      /* for route planning, or NULL */
	int64_t opened_at;    /* ms */
	int64_t last_sheet_at; /* received_at of the newest sheet (D8) */
	int suspected;	      /* risk_count of the newest sheet */
	char *visit_date;     /* planned, YYYY-MM-DD, or NULL */
	int64_t visit_deadline; /* D2 (the sheet's 72 h), ms */
	char *visited_on;     /* RIS visit day, or NULL */
	char *visitor;	      /* who did the RIS visit */
	char *visitor_role;   /* their position */
	int confirmed;	      /* confirmed_risk_count, -1 = no RIS yet */
	int conclusion;	      /* enum cases_conclusion, -1 = none yet */
	int64_t registry_at;  /* entered the Registry, 0 = not in it */
	int64_t registry_updated_at; /* D10 */
	int64_t plan_due_at;  /* D5 */
	int64_t plan_drafted_at;
	char *plan_benefits;  /* "1,7" (3.3 A) */
	char *plan_services;  /* "3,health" (3.3 B) */
	char *plan_goal;
	char *plan_providers;
	int plan_months;      /* duration */
	char *order_no;	      /* mayor's order (dispozitie) */
	char *order_date;     /* YYYY-MM-DD */
	int64_t approved_at;
	int cadence_months;   /* D7, 0 = none */
	int64_t next_monitoring_at;
	int64_t refresh_due_at; /* D8 */
	char *closed_reason;
	int64_t updated_at;
};

/* cases_rules.c (pure) */
/* "visit_pending", ...; "?" for bad values. */
const char *cases_strstate(int state);
/* The state named s, or -1. */
int cases_state_parse(const char *s);
const char *cases_strstatus(enum cases_status);
/* "none", "plan", "dgaspc"; and back (-1 if unknown). */
const char *cases_strconclusion(int c);
int cases_conclusion_parse(const char *s);
/* 1 if the workflow allows from -> to (5.2); a state to itself is an
 * event (a visit scheduled), always allowed except from CLOSED. */
int cases_transition_allowed(int from, int to);
/*
 * D7 monitoring cadence in months by confirmed-risk count: 1-5 -> 12,
 * 6-10 -> 6, > 10 -> 3; 0 (no monitoring) for 0 or less.  Exactly 5 is
 * annual (Q2: [WB] 1.1.4.4 says "1-5", 4.2 "less than 5"; we follow the
 * explicit bucket and GD 691/2015's three-step scale).
 */
int cases_cadence_months(int confirmed);
/* 1 if confirmed > 10 (HIGH_RISK). */
int cases_high_risk(int confirmed);
/* ms plus months calendar months, in UTC (31 Jan + 1 = 28/29 Feb). */
int64_t cases_add_months(int64_t ms, int months);
/* "YYYY-MM-DD" (a real day of 2000-2100) to its UTC midnight in ms: 0,
 * or -1. */
int cases_parse_day(const char *s, int64_t *ms);
/* UTC day of ms as "YYYY-MM-DD". */
void cases_format_day(int64_t ms, char *out, size_t outlen);
/* Benefit codes 1-8 (3.3 A), service codes 1-6 plus "health",
 * "education", "rehabilitation", "other" (3.3 B): normalises a comma
 * list into out ("1,7"): 0, or -1 on an unknown or repeated code. */
int cases_benefits_norm(const char *in, char *out, size_t outlen);
int cases_services_norm(const char *in, char *out, size_t outlen);
/* Romanian label of benefit/service code (for the case card), or "?". */
const char *cases_benefit_label(const char *code);
const char *cases_service_label(const char *code);

/* cases_store.c */
extern const struct store_migration cases_migrations[];
/* 1 and *out filled, 0 none, -1. */
int cases_store_get(struct store *, int64_t id, struct cases_row *out)
    __attribute__((warn_unused_result));
void cases_row_clear(struct cases_row *);
/*
 * The one writer of a case's state (and of the transitions table):
 * records from -> next with who and why at now; refuses (-1, logged) a
 * transition the workflow does not allow.  c->state is updated.
 */
int cases_enter_state(struct store *, struct cases_row *c, int next,
    const char *who, const char *why, int64_t now)
    __attribute__((warn_unused_result));
/* Queues text to the numbers of a [cases] list at alert priority. */
enum cases_to { CASES_TO_SPAS, CASES_TO_HEAD, CASES_TO_MAYOR };
int cases_notify(struct store *, const struct gw_config *, enum cases_to,
    const char *text, int64_t now) __attribute__((warn_unused_result));

/* cases_sync.c */
/* The service's tick: new sheets, visits, due alerts. */
int cases_tick(struct store *, const struct gw_config *, int64_t now)
    __attribute__((warn_unused_result));
/* Opens the DGASPC referral of case c (suspicion of abuse, neglect,
 * exploitation, violence; or "ris"/"high_risk"): URGENT flag, the D3
 * alert at once, the 2 h escalation item.  Inside the caller's
 * transaction.  CASES_ERR_REFERRAL if one is already open. */
enum cases_status cases_referral_open(struct store *,
    const struct gw_config *, struct cases_row *c, const char *reason,
    const char *who, int64_t now) __attribute__((warn_unused_result));

/* cases_ops.c: what SPAS does; each runs in a transaction of its own
 * (call outside one), writes the transition(s) with `who`, and leaves an
 * audit entry. */
struct cases_ris {
	const char *visitor;	  /* required */
	const char *visitor_role; /* position, may be NULL */
	const char *day;	  /* YYYY-MM-DD, NULL = today */
	const char *confirm;	  /* indicator codes "1a1,2b,...", or "" */
	int conclusion;		  /* enum cases_conclusion */
	const char *why;	  /* referral reason for DGASPC, or NULL */
};
struct cases_plan {
	const char *benefits;  /* "1,7" or NULL */
	const char *services;  /* "3,health" or NULL */
	const char *goal;      /* required */
	const char *providers; /* may be NULL */
	int months;	       /* duration, 1..60 */
};
/* Case c (with id) is looked up, checked, changed; *out (may be NULL)
 * gets the case as written. */
enum cases_status cases_assign(struct store *, int64_t id,
    const char *worker, const char *village, const char *who, int64_t now)
    __attribute__((warn_unused_result));
enum cases_status cases_record_ris(struct store *, const struct gw_config *,
    const struct sheet_table *, int64_t id, const struct cases_ris *,
    const char *who, int64_t now, struct cases_row *out)
    __attribute__((warn_unused_result));
enum cases_status cases_draft_plan(struct store *, int64_t id,
    const struct cases_plan *, const char *who, int64_t now)
    __attribute__((warn_unused_result));
enum cases_status cases_approve_plan(struct store *, int64_t id,
    const char *order_no, const char *order_day, const char *who,
    int64_t now, struct cases_row *out) __attribute__((warn_unused_result));
enum cases_status cases_monitor(struct store *, int64_t id,
    const char *visitor, const char *day, const char *findings,
    const char *revision_why, const char *who, int64_t now,
    struct cases_row *out) __attribute__((warn_unused_result));
enum cases_status cases_suspect(struct store *, const struct gw_config *,
    int64_t id, const char *reason, const char *who, int64_t now)
    __attribute__((warn_unused_result));
enum cases_status cases_dgaspc_notified(struct store *, int64_t id,
    const char *channel, const char *contact, const char *who, int64_t now)
    __attribute__((warn_unused_result));
enum cases_status cases_dgaspc_verified(struct store *, int64_t id,
    const char *outcome, const char *who, int64_t now)
    __attribute__((warn_unused_result));
/* The duty person decides no DGASPC notification is due (why required). */
enum cases_status cases_dgaspc_dismiss(struct store *, int64_t id,
    const char *why, const char *who, int64_t now)
    __attribute__((warn_unused_result));
enum cases_status cases_close(struct store *, int64_t id, const char *why,
    const char *who, int64_t now) __attribute__((warn_unused_result));

/* cases_lists.c: tables (caller frees with table_free; NULL on a store
 * error).  Views of a case are audited by the caller with store_audit
 * (the web page and the CLI alike); cases_card does it itself. */
struct cases_filter {
	int state_plus1;     /* enum cases_state + 1, 0 = any */
	const char *worker;  /* NULL = any */
	const char *village; /* NULL = any (case- and diacritic-blind) */
	int open_only;	     /* not closed */
};
struct table *cases_list(struct store *, const struct cases_filter *,
    int64_t now);
/* Deadlines falling today (UTC day of now) / already past. */
struct table *cases_due_today(struct store *, const struct cases_filter *,
    int64_t now);
struct table *cases_overdue(struct store *, const struct cases_filter *,
    int64_t now);
/* Open cases per worker and per village, by state group. */
struct table *cases_by_worker(struct store *, int64_t now);
struct table *cases_by_village(struct store *, int64_t now);
/* The case card (6) as field/value rows, with its transitions, risks,
 * referrals and monitoring visits; writes the audit entry (who, via). */
struct table *cases_card(struct store *, int64_t id, const char *who,
    const char *via, int64_t now);
/* The transitions of a case, oldest first. */
struct table *cases_history(struct store *, int64_t id);
/* Quarterly extract for DGASPC (7.8) of year/quarter (1..4); annual
 * A2.4 counts (7.7) of year, per village.  suppress: cells 1..4 become
 * "<5" (DP9: every aggregate leaving SPAS). */
struct table *cases_quarterly(struct store *, int year, int quarter,
    int suppress);
struct table *cases_annual(struct store *, const struct sheet_table *,
    int year, int suppress, int64_t now);

/* cases_purge.c: the purge hook (flows/service.h): closed cases older
 * than [sheets] keep_years, with all their rows. */
int cases_purge(void *state, struct store *, const struct gw_config *,
    int64_t now, int batch, int dry_run, service_purge_report_cb *report,
    void *arg) __attribute__((warn_unused_result));

/* cases_service.c */
struct cases_conf {
	char **spas_numbers;  /* alerts; empty: [sheets] spas_numbers */
	size_t n_spas_numbers;
	char **head_numbers;  /* SPAS head: D3 escalation */
	size_t n_head_numbers;
	char **mayor_numbers; /* D6 reminders */
	size_t n_mayor_numbers;
	int callback_hours;   /* deadline of a family call-back task */
};
extern const struct config_section cases_config_section;
const struct cases_conf *cases_conf(const struct gw_config *);
extern const struct flow_action cases_actions[];
/* Flow action "cases_callback": a family asks to be called back (SUNATI,
 * from any number): opens a call-back task, answers with 112 for
 * emergencies; the text is not kept. */
const char *cases_action_callback(struct flow_action_ctx *);
extern const struct service cases_service;

#endif /* STAFETA_CASES_H */
