/*
 * parents.h - parents who leave to work abroad (Law 272/2004 art. 104):
 * the registration by SMS (PLEC), USSD or SPAS staff, the flags of
 * migrant-parents.md 4.3, the AbsenceNotice state machine of 4.4, the
 * caretaker's consent (6), the reminders and check-ins N0-N17 (5) on the
 * persistent scheduler, and the lists SPAS reads (7).
 * Domain reference: shared/domain/migrant-parents.md.  Docs: docs/parents.md.
 *
 * Layers inside the service:
 *   - pure: dates (parents_date.c), texts (parents_text.c, texts.csv);
 *   - parents_store.c: its tables (migrations "parents_0001_...") and
 *     queries on the store seam store_sql.h;
 *   - parents_notice.c: registering, flags, the one writer of a notice's
 *     state (every transition recorded: who, when, why);
 *   - parents_remind.c: the scheduler items (owner "parents"), quiet
 *     hours in the recipient's zone, the monthly cap, sending questions;
 *   - parents_reply.c: replies to those questions and the escalations;
 *   - parents_actions.c: the flow actions; parents_lists.c: the tables
 *     of 7.1 and 7.2 for the CLI and the web page.
 *
 * Nothing here logs names, phone numbers or answers; texts never carry a
 * child's name, the destination country or the court status.
 */
#ifndef STAFETA_PARENTS_H
#define STAFETA_PARENTS_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "service.h"
#include "store.h"

struct gw_config;
struct store;
struct table;

#define PARENTS_OWNER	    "parents"	/* scheduler owner, task service */
#define PARENTS_MAX_CHILD   9
#define PARENTS_CAP_MONTH   4		/* system messages per person */
#define PARENTS_QUIET_FROM  9		/* local hours allowed [9, 20) */
#define PARENTS_QUIET_TO    20
#define PARENTS_DAY_MS	    (24LL * 3600 * 1000)

/* The states of an AbsenceNotice (migrant-parents.md 4.4). */
enum parents_state {
	PARENTS_DRAFT = 0, /* the dialogue (a flow session), never stored */
	PARENTS_SUBMITTED,
	PARENTS_CARETAKER_PENDING,
	PARENTS_CARETAKER_CONFIRMED,
	PARENTS_CARETAKER_DECLINED,
	PARENTS_CARETAKER_NO_REPLY,
	PARENTS_SPAS_REVIEW,
	PARENTS_NOTIFIED,
	PARENTS_DEPARTED,
	PARENTS_ABROAD,
	PARENTS_RETURN_DUE,
	PARENTS_RETURNED,
	PARENTS_CLOSED,
	PARENTS_POSTPONED,
	PARENTS_CANCELLED,
	PARENTS_EXTENDED,
	PARENTS_CARETAKER_CHANGE,
	PARENTS_STATE_N,
};

/* Flags of 4.3, a bit each. */
#define PARENTS_F_LATE_NOTICE	 0x01
#define PARENTS_F_ALREADY_ABROAD 0x02
#define PARENTS_F_NOT_RELATIVE	 0x04
#define PARENTS_F_NO_ADULT	 0x08
#define PARENTS_F_SOLE_OR_BOTH	 0x10

struct parents_child {
	char name[32];	/* first name (and surname if different) */
	int birth_year;
};

/* A registration as entered (SMS, USSD, CLI or the web page).  Dates are
 * YYYY-MM-DD; return_date "" = unknown. */
struct parents_request {
	char parent_name[48];
	char parent_phone[24];	/* E.164 */
	int role;		/* 1 mother 2 father 3 legal guardian */
	int sole_authority;	/* 1 yes 2 no 3 don't know */
	int lives_with;		/* 1 yes 2 no */
	int other_parent;	/* 1..5 (4.2) */
	char commune[48];
	char departure[11];	/* YYYY-MM-DD */
	int already_abroad;	/* answered 0 = already left */
	char country[3];	/* ISO alpha-2 */
	char return_date[11];	/* YYYY-MM-DD or "" */
	int nchildren;
	struct parents_child children[PARENTS_MAX_CHILD];
	char caretaker_name[48];
	char caretaker_phone[24]; /* E.164 */
	int caretaker_rel;	/* 1..6 */
	int caretaker_adult;	/* 1 yes (18+), 0 no */
	int caretaker_lives;	/* 1 yes 2 no */
	int court;		/* 0 1 2 3 9 */
	int language;		/* 1..4, 0 not given */
	int voice_only;		/* SPAS: caretaker gets calls, not SMS */
	const char *channel;	/* "sms", "ussd", "cli", "web" */
	const char *by;		/* who entered it (the parent's "parent") */
};

/* What registering stored. */
struct parents_registered {
	int64_t id;
	char number[16];	/* notice number "P-2027-0001" */
	int flags;		/* PARENTS_F_* */
	int notice_days;	/* departure - registration, days */
};

/* parents_config.c: the [parents] section */
struct parents_conf {
	int notice_days;	/* art104_notice_days (40) */
	char *commune;		/* {COMUNA} in texts */
	char *spas_phone;	/* {TEL} in texts */
	char **countries;	/* menu order of destination countries */
	size_t ncountries;
	char **school_terms;	/* MM-DD of each term start (N13) */
	size_t nschool_terms;
	int callback_days;	/* working days for call-backs (2) */
	char **meetings;	/* caretaker meetings "YYYY-MM-DD HH:MM" (N12) */
	size_t nmeetings;
	char *meeting_place;	/* where they are held */
	char *texts;		/* texts.csv path (absolute) */
};
extern const struct config_section parents_config_section;
const struct parents_conf *parents_conf(const struct gw_config *);

/* The next caretaker meeting (ms) whose invitation (14 days and 1 day
 * before, N12) is still ahead of now: the invitation's time in *invite;
 * 0 if none. */
int64_t parents_next_meeting(const struct parents_conf *, int64_t now,
    int64_t *invite);

/* parents_date.c (pure) */
/* Parses a day as a person types it: D.M.YYYY, DD/MM/YYYY, DD-MM-YYYY
 * (2-digit years are 20YY), or YYYY-MM-DD, into "YYYY-MM-DD": 0 or -1
 * (not a calendar day). */
int parents_date_parse(const char *in, char out[11]);
/* Days since 1970-01-01 of "YYYY-MM-DD", or -1. */
int64_t parents_date_days(const char *ymd);
/* "YYYY-MM-DD" of days since 1970-01-01. */
void parents_date_from_days(int64_t days, char out[11]);
/* The calendar day of ms in zone, as days since 1970. */
int64_t parents_day_in_zone(int64_t ms, const char *zone);
/* ms of hour:00 local in zone on day (days since 1970). */
int64_t parents_day_at(int64_t day, int hour, const char *zone);
/* "15.03.2027" (how texts show a date). */
void parents_date_show(const char *ymd, char *out, size_t outlen);
/* ms + n working days (Saturday, Sunday skipped). */
int64_t parents_add_working_days(int64_t ms, int n);

/* parents_text.c: texts.csv, "ID;text" lines */
struct parents_texts;
struct parents_texts *parents_texts_load(const char *path, char *err,
    size_t errlen);
void parents_texts_free(struct parents_texts *);
size_t parents_texts_count(const struct parents_texts *);
/* The i-th id and text (borrowed), or NULL past the end. */
const char *parents_texts_id(const struct parents_texts *, size_t i);
const char *parents_texts_get(const struct parents_texts *, const char *id);
/* Fills {COMUNA} {TEL} {NR} {PARINTE} {DATA} {ZILE} from vars (NULL-
 * terminated key, value pairs) into out: 0, -1 (unknown id). */
int parents_text_fill(const struct parents_texts *, const char *id,
    const char *const *vars, char *out, size_t outlen);
/* 1 if text says something a family phone must not show (a country
 * name or code placeholder, the court, a child placeholder), else 0. */
int parents_text_forbidden(const char *text);

/* parents_service.c */
struct parents_svc;
extern const struct service parents_service;
extern const struct store_migration parents_migrations[];
const struct parents_texts *parents_svc_texts(const struct parents_svc *);
/* FNV-1a version of the reply flow file, for reply sessions. */
const char *parents_svc_reply_version(const struct parents_svc *);
/* A state around loaded texts (tests, the CLI); takes ownership. */
struct parents_svc *parents_svc_new(struct parents_texts *, const char *ver);
void parents_svc_free(struct parents_svc *);

/* parents_notice.c: the rules the flows, the CLI and the web page call */
const char *parents_strstate(int state);
int parents_state_parse(const char *);
/* Flags of a request registered on day today (days since 1970). */
int parents_flags(const struct parents_request *, int64_t today,
    int notice_days, int *days_out);
/* "LATE_NOTICE,SOLE_OR_BOTH_ABROAD" */
void parents_flags_str(int flags, char *out, size_t outlen);
/*
 * Checks and stores a registration inside the caller's transaction:
 * flags, DRAFT -> SUBMITTED -> CARETAKER_PENDING, SPAS tasks (2c per
 * child, no adult, already abroad), N4 and N2 (through the scheduler)
 * and every dated reminder.  0, or -1 with a reason in err.
 */
int parents_register(struct store *, const struct gw_config *,
    const struct parents_request *, int64_t now, struct parents_registered *,
    char *err, size_t errlen) __attribute__((warn_unused_result));
/* The one writer of a notice's state: records (who, when, why) and
 * reschedules what the new state changes.  0 or -1. */
int parents_enter_state(struct store *, const struct gw_config *, int64_t id,
    int next, const char *who, const char *why, int64_t now)
    __attribute__((warn_unused_result));
/* Current state of notice id, -1 if none. */
int parents_state_of(struct store *, int64_t id);
/* New departure date (POSTPONED -> SPAS_REVIEW; D-2 and D+3 move). */
int parents_postpone(struct store *, const struct gw_config *, int64_t id,
    const char *ymd, const char *who, int64_t now)
    __attribute__((warn_unused_result));
/* New expected return (EXTENDED, R+3 move). */
int parents_extend(struct store *, const struct gw_config *, int64_t id,
    const char *ymd, const char *who, int64_t now)
    __attribute__((warn_unused_result));
/* A new caretaker: CARETAKER_CHANGE -> CARETAKER_PENDING, new N2. */
int parents_caretaker_change(struct store *, const struct gw_config *,
    int64_t id, const char *name, const char *phone, int rel, int adult,
    const char *who, int64_t now) __attribute__((warn_unused_result));
/* SPAS marks the caretaker voice_only (1) or not (0). */
int parents_voice_only(struct store *, int64_t id, int on, const char *who,
    int64_t now) __attribute__((warn_unused_result));
/* The active notice whose parent (or caretaker, if caretaker) is phone:
 * id > 0, 0 none, -1 error. */
int64_t parents_find_by_phone(struct store *, const char *phone,
    int caretaker);

/* parents_remind.c: scheduler owner "parents" */
/* Puts (or moves) reminder nid of notice id at ms; 0 or -1. */
int parents_schedule(struct store *, int64_t id, const char *nid, int64_t at,
    int64_t now) __attribute__((warn_unused_result));
/* Drops reminder nid of notice id (no-op if none). */
int parents_unschedule(struct store *, int64_t id, const char *nid);
/* (Re)computes every dated reminder of notice id for its state; cancels
 * those the state no longer wants. */
int parents_reschedule_all(struct store *, const struct gw_config *,
    int64_t id, int64_t now) __attribute__((warn_unused_result));
/* The recipient's zone: the destination for a parent abroad, else the
 * number's country (Romania by default). */
const char *parents_zone(const char *phone, const char *country, int abroad);
/* System messages to phone in the calendar month of now (its zone). */
int parents_month_count(struct store *, const char *phone, const char *zone,
    int64_t now);
/* The service's tick: runs due reminders. */
int parents_tick(struct store *, const struct gw_config *,
    const struct parents_svc *, int64_t now);
/* SPAS resends reminder nid now (subject to quiet hours and the cap). */
int parents_remind_now(struct store *, int64_t id, const char *nid,
    int64_t now) __attribute__((warn_unused_result));

/* parents_reply.c */
/* Handles a reply text from phone to its pending question: the reply
 * to send back goes to reply (may stay empty).  1 handled, 0 nothing
 * pending, -1 error. */
int parents_reply(struct store *, const struct gw_config *,
    const struct parents_svc *, const char *phone, const char *text,
    int64_t now, char *reply, size_t replylen);

/* parents_actions.c */
extern const struct flow_action parents_actions[];

/* parents_lists.c: 7.1 lists and 7.2 aggregates (caller frees) */
/* kind: upcoming, late, children, caretakers, alerts, returns, roster,
 * all; NULL table for an unknown kind (or store error). */
struct table *parents_list(struct store *, const char *kind, int64_t now);
/* One notice's card: fields, children, transitions, messages. */
struct table *parents_card(struct store *, int64_t id);
/* Quarter "2027Q1" (NULL: the current one) aggregates; small cells
 * suppressed (< 5 shown as "<5") when suppress. */
struct table *parents_report(struct store *, const char *quarter,
    int suppress, int64_t now);
/* The SPAS tasks this service opened. */
struct table *parents_tasks(struct store *, int open_only, int64_t now);

#endif /* STAFETA_PARENTS_H */
