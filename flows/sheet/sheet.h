/*
 * sheet.h - Observation Sheets (Fișa de observație): the indicator table,
 * the compact SMS grammar, the stored sheet, and the built-in flow actions
 * that submit a sheet from the compact form, the guided SMS form or USSD.
 * Domain reference: shared/domain/observation-sheet.md.
 *
 * Layers, each usable on its own:
 *   - pure: SHA-256/PBKDF2 (sheet_sha256.c), the Damm check digit
 *     (sheet_damm.c), the indicator table and value derivation
 *     (sheet_indicators.c), the compact grammar (sheet_grammar.c) and the
 *     reply texts (sheet_text.c) need neither store nor config;
 *   - sheet_merge.c turns a parsed report into a stored sheet (sheet
 *     number, replace/merge with the family's current cycle);
 *   - sheet_actions.c are the flow actions, sheet_alerts.c the SPAS side
 *     (urgent alert, 24/48 h deadline alerts, daily digest);
 *   - sheet_store.h (sheet_store.c, sheet_store_reporters.c) are the
 *     service's tables and queries, on the store seam store_sql.h;
 *   - sheet_reporters.c (enrolment) and sheet_visits.c (SPAS follow-up)
 *     are the rules the CLI and the web pages call: they parse and print,
 *     these decide;
 *   - sheet_service.c is the service (flows/service.h): its state holds
 *     the loaded table, which the actions reach through ctx->service.
 *
 * Values are stored per indicator as 1 (yes, suspicion), 0 (no) or 9
 * (unknown / not assessed), in arrays indexed by table position.  Nothing
 * here logs household codes, indicator values or message text.
 */
#ifndef STAFETA_SHEET_H
#define STAFETA_SHEET_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "service.h"
#include "sheet_store.h"

struct gw_config;
struct store;
struct buf;
struct flow_action_ctx;
struct sheet_row;
struct service;
struct sheet_svc;
struct table;

#define SHEET_MAX_INDICATORS 128 /* table rows accepted at load */
#define SHEET_DOMAINS	     6	 /* risk domains 1..6 (GD 691/2015 art. 4) */
#define SHEET_VAL_NO	     0
#define SHEET_VAL_YES	     1
#define SHEET_VAL_UNKNOWN    9
#define SHEET_MAX_TEXT	     640 /* bytes of a compact message accepted */
#define SHEET_MAX_TOKENS     48	 /* tokens of a compact message accepted */
#define SHEET_USSD_MAX	     182 /* characters of one USSD screen */
#define SHEET_VISIT_HOURS    72	 /* RIS visit deadline after receipt */
#define SHEET_SEQ_MAX	     999 /* BBB of a sheet number */
#define SHEET_PIN_MAX_TRIES  3	 /* bad PINs before the reporter is locked */

struct sheet_indicator {
	char id[48];	      /* "eco_poverty_monetary" */
	char code[8];	      /* lower case report code, "1a1" */
	int domain;	      /* 1..6 */
	int parent;	      /* table index of the composite, or -1 */
	int has_children;     /* 1 for composites (1a, 2h, 2i, 3h1, 4i, 6b) */
	int lettered;	      /* counted in risk_count (section 3.6) */
	char unit;	      /* 'F', 'C' or 'D' */
	char page[4];	      /* USSD page "2A", "5"; "" if not asked */
	int pos;	      /* USSD position on the page, 0 if none */
	char label[40];	      /* short ASCII label for USSD pages */
	char status;	      /* 'A' amended, 'L' legacy, 'O' optional */
	char replaced_by[24]; /* legacy rows: codes to suggest, "1c1" */
};

struct sheet_table;

/* A report as entered: the parse result of one compact SMS or of one
 * guided dialogue, plus its derived fields. */
struct sheet_report {
	char household[9];  /* 8 Damm-valid digits, "" = NOU (no code) */
	int urgent_flag;    /* the U token (or the guided "urgent" answer) */
	int time_start;	    /* T: minutes after midnight, -1 if not given */
	int time_end;	    /* T: minutes after midnight, -1 if not given */
	int filled_day;	    /* D DDMM: day the sheet was filled, 0 = not */
	int filled_month;   /* given (then it was filled when sent) */
	int8_t values[SHEET_MAX_INDICATORS]; /* by table index: 1, 0, 9 */
	int any_risk;	    /* some value is 1: a RIS visit is required */
	int risk_count;	    /* lettered indicators = 1 (max 47) */
	int flags;	    /* "other situation" flags (2z/3z/4z) = 1 */
	int urgent;	    /* 6b2 or 6b3 = 1, or urgent_flag */
};

/* Why a compact message was refused; the first error only. */
enum sheet_perr {
	SHEET_PERR_NONE = 0,
	SHEET_PERR_TOO_LONG,	   /* over SHEET_MAX_TEXT / _TOKENS */
	SHEET_PERR_KEYWORD,	   /* does not start with FO / OS */
	SHEET_PERR_NO_HOUSEHOLD,   /* keyword alone */
	SHEET_PERR_HOUSEHOLD_LEN,  /* digits, but not 8 of them */
	SHEET_PERR_HOUSEHOLD,	   /* 8 digits failing the check digit */
	SHEET_PERR_FREE_TEXT,	   /* names, words, long numbers */
	SHEET_PERR_DOMAIN,	   /* no such domain (0, 7, 8, 9) */
	SHEET_PERR_UNKNOWN_ITEM,   /* no such item in that domain */
	SHEET_PERR_LEGACY,	   /* 1c, 5b: replaced codes */
	SHEET_PERR_ZERO_AND_ITEMS, /* "40" and "4c2" together */
	SHEET_PERR_TIME,	   /* malformed or out-of-range T */
	SHEET_PERR_TIME_TWICE,	   /* two T tokens */
	SHEET_PERR_NO_BLOCKS,	   /* no domain block at all */
	SHEET_PERR_EMPTY_BLOCK,	   /* a domain digit with nothing after it */
};

struct sheet_perror {
	enum sheet_perr code; /* SHEET_PERR_NONE when accepted */
	char what[16];	      /* offending code, upper case ASCII, or "" */
	char hint[24];	      /* SHEET_PERR_LEGACY: "1C1", "5B1 sau 5G" */
};

/* What an acknowledgement says; nothing about the child. */
struct sheet_ack {
	int county;	     /* AA */
	int seq;	     /* BBB */
	int64_t received_at; /* ms, shown in local time */
	int flagged;	     /* risk_count + "other" flags */
	int no_household;    /* NOU: SPAS calls back */
	int urgent;	     /* adds the 112 reminder */
	int ussd;	     /* no "delete the SMS" advice over USSD */
	int late;	     /* D1: sent more than 48 h after it was filled */
	int household_unknown; /* the code is not in the SPAS register */
};

/* sheet_sha256.c */
#define SHEET_SHA256_LEN 32

struct sheet_sha256 {
	uint32_t h[8];	    /* chaining state */
	uint64_t bytes;	    /* message length so far */
	uint8_t block[64];  /* partial block */
	size_t used;	    /* bytes in block */
};

void sheet_sha256_init(struct sheet_sha256 *);
void sheet_sha256_update(struct sheet_sha256 *, const void *, size_t);
void sheet_sha256_final(struct sheet_sha256 *, uint8_t out[SHEET_SHA256_LEN]);
void sheet_sha256(const void *, size_t, uint8_t out[SHEET_SHA256_LEN]);
void sheet_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, uint8_t out[SHEET_SHA256_LEN]);
/* PBKDF2-HMAC-SHA256 (RFC 8018) into out[0..outlen). */
void sheet_pbkdf2_sha256(const void *pass, size_t passlen, const void *salt,
    size_t saltlen, uint32_t iterations, uint8_t *out, size_t outlen);
/*
 * Hashes a PIN with a fresh 16-byte salt from getrandom() into out as
 * "pbkdf2-sha256$ITER$SALTHEX$HASHHEX".  0, or -1 if no randomness or
 * out too small.
 */
int sheet_pin_hash(const char *pin, char *out, size_t outlen)
    __attribute__((warn_unused_result));
/* 1 if pin matches the stored hash, 0 if not (or malformed stored). */
int sheet_pin_verify(const char *pin, const char *stored);
/* 1 if pin is 4 to 8 digits. */
int sheet_pin_valid(const char *pin);

/* sheet_damm.c */
/* Damm check digit (0..9) of n ASCII digits, or -1 if not all digits. */
int sheet_damm_digit(const char *digits, size_t n);
/* 1 if s is 8 digits whose last is the Damm check digit of the first 7. */
int sheet_damm_valid(const char *s, size_t n);

/* sheet_indicators.c */
/*
 * Parses the indicator table CSV (see flows/sheet/indicators.csv for the
 * columns) and validates it: unique ids and codes, codes of the form
 * domain digit + letter + up to 2 digits in their domain, parents that
 * exist in the same domain and are not sub-items themselves, USSD
 * positions unique and every page fitting one USSD screen, the urgent
 * codes 6b2/6b3 present.  `name` is for "name:line: message" errors.
 * Returns a new table (caller frees) or NULL with err.
 */
struct sheet_table *sheet_table_parse(const char *name, const char *data,
    size_t len, char *err, size_t errlen) __attribute__((warn_unused_result));
struct sheet_table *sheet_table_load(const char *path, char *err,
    size_t errlen) __attribute__((warn_unused_result));
void sheet_table_free(struct sheet_table *);
size_t sheet_table_count(const struct sheet_table *);
const struct sheet_indicator *sheet_table_at(const struct sheet_table *,
    size_t);
/* Index of the row with this code (case-insensitive), or -1. */
int sheet_table_find_code(const struct sheet_table *, const char *code);
/* Index of the row with this id, or -1. */
int sheet_table_find_id(const struct sheet_table *, const char *id);
/* "is-" + 12 hex digits of the SHA-256 of the CSV: stored per sheet. */
const char *sheet_table_version(const struct sheet_table *);
/* Domain name for USSD pages ("SOCIAL"), or "?" */
const char *sheet_domain_name(int domain);
/* USSD pages of domain d in order ("2A", "2B", ...); returns how many
 * (at most 8) and fills pages[]. */
size_t sheet_table_pages(const struct sheet_table *, int domain,
    const char *pages[8]);
/* Table indexes on a page, by position; returns how many (<= 9). */
size_t sheet_table_page_items(const struct sheet_table *, const char *page,
    int idx[9]);
/* Renders a USSD item page into out; -1 if it does not fit. */
int sheet_table_page_text(const struct sheet_table *, const char *page,
    char *out, size_t outlen);
/* Sets every value of r to 9 and clears the derived fields. */
void sheet_report_init(const struct sheet_table *, struct sheet_report *);
/*
 * Derives composites from their sub-items (section 3.2: 1 if any child or
 * the parent itself is 1; 0 if all children are 0, or the parent was 0
 * and no child is 1; else 9), then any_risk, risk_count, flags, urgent.
 */
void sheet_derive(const struct sheet_table *, struct sheet_report *);
/* Merges b into a, value by value: 1 wins, then 0, then 9. */
void sheet_values_combine(const struct sheet_table *, int8_t *a,
    const int8_t *b);

/* sheet_grammar.c */
/*
 * Normalises a compact message: Romanian (and common Hungarian)
 * diacritics folded, upper case, `,;.+`, tabs and line breaks to spaces,
 * runs of spaces collapsed, trimmed.  Reads exactly len bytes (GSM-7 '@'
 * may arrive as 0x00).  Returns the output length, or -1 if the input is
 * longer than SHEET_MAX_TEXT or out is too small.
 */
int sheet_normalize(const char *in, size_t len, char *out, size_t outlen);
/*
 * Parses a compact Observation Sheet SMS (section 7.4), all or nothing.
 * On success fills *r (values, time, urgent, derived fields) and returns
 * 0; otherwise returns -1 with the first error in *e and *r undefined.
 */
int sheet_grammar_parse(const struct sheet_table *, const char *text,
    size_t len, struct sheet_report *r, struct sheet_perror *e)
    __attribute__((warn_unused_result));

/* sheet_text.c */
/* Error reply for a refused compact message (language ro, hu or en;
 * anything else is ro).  Always says the sheet was NOT recorded. */
int sheet_text_error(const struct sheet_perror *, const char *lang,
    struct buf *) __attribute__((warn_unused_result));
/* Acknowledgement of a stored sheet (section 7.5 texts). */
int sheet_text_ack(const struct sheet_ack *, const char *lang, struct buf *)
    __attribute__((warn_unused_result));
/* Fixed replies, by name: "unknown_reporter", "disabled_reporter",
 * "not_configured", "numbers_exhausted", "internal", "pin_bad",
 * "pin_locked", "pin_none", "cancelled".  Unknown names give "internal". */
const char *sheet_text_fixed(const char *name, const char *lang);
/* "22-041" */
void sheet_format_no(int county, int seq, char *out, size_t outlen);

/* sheet_merge.c */
/* How a stored submission related to the family's previous sheet. */
enum sheet_merge_kind {
	SHEET_MERGE_NEW = 0, /* first sheet of the cycle (or NOU) */
	SHEET_MERGE_REPLACED, /* same reporter within 24 h: values replaced */
	SHEET_MERGE_MERGED,  /* other reporters' values merged in */
};

struct sheet_submit_result {
	int64_t sheet_id;	/* internal id of the new sheet row */
	int county;		/* AA */
	int seq;		/* BBB */
	enum sheet_merge_kind kind; /* new, replaced or merged */
	int64_t supersedes;	/* previous sheet row, 0 if none */
	int urgent;		/* this report is urgent: alert SPAS */
	int flagged;		/* count for the acknowledgement */
	int added;		/* signals this report added to the cycle */
	int late;		/* sent more than 48 h after filled (D1) */
	int household_unknown;	/* code not in the household register */
};

/* Outcomes of sheet_submit other than success. */
#define SHEET_SUBMIT_EXHAUSTED (-2) /* BBB past 999 this year */
#define SHEET_SUBMIT_NOCOUNTY  (-3) /* county_code not configured */

/*
 * Stores report r from reporter_id (inside the caller's transaction):
 * applies the replace/merge rules of section 7.4 against the family's
 * current cycle, allocates the next sheet number of the county and year,
 * writes the sheet and its values, and fills *res.  `channel` is "sms"
 * or "ussd"; raw_hash (may be NULL) is the SHA-256 of the raw text kept
 * for audit.  Returns 0, -1 on a store error, or one of the
 * SHEET_SUBMIT_* codes.
 */
int sheet_submit(struct store *, const struct gw_config *,
    const struct sheet_table *, int64_t reporter_id, const char *channel,
    const struct sheet_report *r, const uint8_t *raw_hash, int64_t now,
    struct sheet_submit_result *res) __attribute__((warn_unused_result));
/* Fills r->values (and derived fields) from a stored sheet's values:
 * the merged values, or with own = 1 what that row's report said. */
void sheet_values_from_store(const struct sheet_table *,
    const struct sheet_row *, int own, struct sheet_report *r);
/*
 * The one writer of a stored sheet's follow-up state (convention 11):
 * logs "old -> next" and stores it, with visit_date (NULL keeps the
 * stored one).  s is updated to match.
 */
int sheet_enter_state(struct store *, struct sheet_row *s, int next,
    const char *visit_date, int64_t now) __attribute__((warn_unused_result));
/*
 * D1 (spas-followup.md 5.1): when report r was filled, from its D token
 * (day and month; the year that puts it at or before now) and the end of
 * its T token (23:59 without one), in local time.  *filled_at 0 and
 * *late 0 without a D token (then it was filled when sent); *late 1 if
 * now is more than 48 h after *filled_at.  The sheet is stored all the
 * same: late is a flag for SPAS and a warning to the reporter.
 */
void sheet_filled_at(const struct sheet_report *r, int64_t now,
    int64_t *filled_at, int *late);
/* Opens the SPAS task "unknown_household" for sheet s (ref
 * "household:CODE"; the title says call the reporter back): 0 or -1. */
int sheet_task_unknown_household(struct store *, const struct sheet_row *s,
    int64_t now) __attribute__((warn_unused_result));
/* The state a sheet takes once SPAS has been told about it: a visit is
 * pending if something is suspected, else no suspicion or incomplete. */
int sheet_assessed_state(const struct sheet_row *);

/* sheet_actions.c */
/* The flow actions the service provides (NULL-name terminated); each
 * runs with ctx->service a struct sheet_svc. */
extern const struct flow_action sheet_actions[];
/* The same actions by name, exposed for tests and for callers outside a
 * flow.  See the file comment of sheet_actions.c for fields and
 * outcomes. */
const char *sheet_action_compact(struct flow_action_ctx *);
const char *sheet_action_check_reporter(struct flow_action_ctx *);
const char *sheet_action_check_pin(struct flow_action_ctx *);
const char *sheet_action_check_household(struct flow_action_ctx *);
const char *sheet_action_domains(struct flow_action_ctx *);
const char *sheet_action_next_page(struct flow_action_ctx *);
const char *sheet_action_guided_submit(struct flow_action_ctx *);
/*
 * Builds a report from guided-dialogue fields (see
 * docs/observation-sheets.md): household ("0"/"NOU" or 8 digits),
 * dom_yes and dom_unknown (domain digits, "0" = none), page_<P> (item
 * digits of USSD page P), urgent ("1" = yes), time ("HHMM-HHMM").
 * `get` reads one field (NULL if unset).  0, or -1 with a reason in err.
 */
int sheet_guided_build(const struct sheet_table *,
    const char *(*get)(void *arg, const char *key), void *arg,
    struct sheet_report *r, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* sheet_reporters.c: enrolment rules, for the CLI and the web pages */
/* Outcome of a reporter operation. */
enum sheet_rep_status {
	SHEET_REP_OK = 0,
	SHEET_REP_MISSING,    /* phone, name, profession or commune missing */
	SHEET_REP_PROFESSION, /* not a profession code or alias */
	SHEET_REP_LANGUAGE,   /* not ro, hu or en */
	SHEET_REP_PIN,	      /* not 4 to 8 digits */
	SHEET_REP_PHONE,      /* not a phone number */
	SHEET_REP_RANDOM,     /* no randomness for the PIN salt */
	SHEET_REP_EXISTS,     /* the phone is already enrolled */
	SHEET_REP_UNKNOWN,    /* the phone is not enrolled */
	SHEET_REP_STORE,      /* database error (logged) */
};

/* An enrolment request as typed (strings borrowed for the call). */
struct sheet_enrol {
	const char *phone;	 /* any form phone_normalize accepts */
	const char *name;	 /* required, non-empty */
	const char *profession;	 /* a code or an alias */
	const char *commune;	 /* NULL: the gateway's [sheets] commune */
	const char *language;	 /* NULL: "ro" */
	const char *pin;	 /* NULL: no USSD PIN */
	const char *institution; /* NULL if none */
};

/* What an enrolment stored. */
struct sheet_enrolled {
	int64_t id;		/* reporter id */
	char phone[32];		/* E.164 */
	const char *profession; /* canonical code (static) */
	const char *commune;	/* borrowed from the request or config */
	int with_pin;		/* a USSD PIN was set */
};

/* Number of professions, and the canonical code of the i-th (NULL past
 * the end), in the order of observation-sheet.md 1.2. */
size_t sheet_profession_count(void);
const char *sheet_profession_at(size_t i);
/* The canonical code of a code or alias ("police_officer" -> "police"),
 * or NULL if unknown. */
const char *sheet_profession_code(const char *);
/* 1 if lang is a reply language (ro, hu, en). */
int sheet_language_valid(const char *lang);
/* Short English text of a status, for messages and web pages. */
const char *sheet_rep_strstatus(enum sheet_rep_status);
/* Normalises a typed phone number with the configured default country
 * into out (E.164): 0, or -1 if it is not a phone number. */
int sheet_reporter_phone(const struct gw_config *, const char *in, char *out,
    size_t outlen) __attribute__((warn_unused_result));
/* "none" (no PIN), "locked" (SHEET_PIN_MAX_TRIES bad PINs) or "set". */
const char *sheet_reporter_pin_state(const struct sheet_reporter *);
/*
 * Enrols a reporter, checking in this order: required fields (commune
 * defaults to conf->commune), profession, language, PIN, phone; hashes
 * the PIN and inserts in a transaction of its own (call outside one).
 * Fills *out (out->profession is set from SHEET_REP_LANGUAGE on; the
 * rest on SHEET_REP_OK, and out->phone from SHEET_REP_RANDOM on).
 */
enum sheet_rep_status sheet_reporter_enrol(struct store *,
    const struct gw_config *, const struct sheet_enrol *req, int64_t now,
    struct sheet_enrolled *out) __attribute__((warn_unused_result));
/* Enables (active 1) or disables a reporter, in a transaction of its
 * own; the normalised phone goes to phone_out.  OK, PHONE, UNKNOWN or
 * STORE. */
enum sheet_rep_status sheet_reporter_set_active(struct store *,
    const struct gw_config *, const char *phone, int active, int64_t now,
    char *phone_out, size_t outlen) __attribute__((warn_unused_result));
/* Sets a new USSD PIN (unlocking), in a transaction of its own; checks
 * the PIN, then the phone.  OK, PIN, PHONE, RANDOM, UNKNOWN or STORE. */
enum sheet_rep_status sheet_reporter_set_pin(struct store *,
    const struct gw_config *, const char *phone, const char *pin,
    int64_t now, char *phone_out, size_t outlen)
    __attribute__((warn_unused_result));

/* sheet_visits.c: SPAS follow-up rules, for the CLI and the web pages */
/* Outcome of a sheet look-up or follow-up operation. */
enum sheet_status {
	SHEET_OK = 0,
	SHEET_ERR_STORE,      /* database error (logged) */
	SHEET_ERR_BAD_NUMBER, /* shaped like AA-BBB but out of range */
	SHEET_ERR_BAD_REF,    /* neither a sheet number nor an id */
	SHEET_ERR_NOT_FOUND,  /* no such sheet */
	SHEET_ERR_BAD_DATE,   /* not a calendar day YYYY-MM-DD */
	SHEET_ERR_VISITED,    /* the visit is already recorded */
	SHEET_ERR_BEFORE,     /* scheduled before the sheet arrived */
};

/* How much of a domain a sheet assessed (not counting legacy rows). */
enum sheet_assessed {
	SHEET_DOMAIN_NOT_ASSESSED = 0, /* every item 9 */
	SHEET_DOMAIN_PARTLY,	       /* some items 9 */
	SHEET_DOMAIN_ASSESSED,	       /* no item 9 */
};

/* What sheet_visit_record did. */
struct sheet_visit_result {
	int64_t sheet_id; /* the row acted on (current row of the cycle) */
	int county;	  /* its number AA-BBB */
	int seq;
	int hops;	  /* > 0: the named sheet was superseded */
	int state;	  /* enum sheet_state written */
};

const char *sheet_strstatus(enum sheet_status);
/* Parses a sheet reference: "AA-BBB" or "AABBB" set *county and *seq
 * (*id 0); anything else must be an internal id (> 0) in *id. */
enum sheet_status sheet_ref_parse(const char *ref, int *county, int *seq,
    int64_t *id) __attribute__((warn_unused_result));
/* Finds the sheet named by ref (the newest year's for a number) into
 * *out (values too if with_values; clear with sheet_row_clear).  OK,
 * BAD_NUMBER, BAD_REF, NOT_FOUND or STORE; *out is zeroed unless OK. */
enum sheet_status sheet_lookup(struct store *, const char *ref,
    int with_values, struct sheet_row *out)
    __attribute__((warn_unused_result));
/* Replaces *s (without values) by the current row of its cycle,
 * following superseded_by; *hops (OUT, may be NULL) counts the steps.
 * OK or STORE. */
enum sheet_status sheet_current(struct store *, struct sheet_row *s,
    int *hops) __attribute__((warn_unused_result));
/* The household code, or "NOU" when the family has none yet. */
const char *sheet_row_household(const struct sheet_row *);
/* 1 if a RIS visit is required and not yet done. */
int sheet_row_visit_open(const struct sheet_row *);
/* 1 if the visit is open and its 72 h deadline is at or before now. */
int sheet_row_overdue(const struct sheet_row *, int64_t now);
/* Loads the merged values of row s0 (e.g. from a list walk) into *r
 * with the derived fields.  0 or -1. */
int sheet_row_report(struct store *, const struct sheet_table *,
    const struct sheet_row *s0, struct sheet_report *r)
    __attribute__((warn_unused_result));
/* How far report r assessed domain (1..SHEET_DOMAINS). */
enum sheet_assessed sheet_domain_assessed(const struct sheet_table *,
    const struct sheet_report *r, int domain);
/* 1 if s is YYYY-MM-DD naming a real calendar day of 2000-2100. */
int sheet_visit_date_valid(const char *s);
/*
 * Records the RIS visit of the sheet named by ref: done (date NULL) or
 * scheduled on date.  A superseded number acts on the current row of its
 * cycle.  Runs in a transaction of its own (call outside one).  OK,
 * BAD_DATE, BAD_NUMBER, BAD_REF, NOT_FOUND, VISITED, BEFORE (a scheduled
 * day before the local day the cycle's first report arrived) or STORE;
 * res is
 * filled from the row found on (county, seq, hops).
 */
enum sheet_status sheet_visit_record(struct store *, const char *ref,
    const char *date, int64_t now, struct sheet_visit_result *res)
    __attribute__((warn_unused_result));

/* sheet_alerts.c */
/*
 * Queues the urgent alert for sheet_id to every SPAS number (priority
 * ALERT: sheet number, "URGENT" and the reporter's number to call back,
 * nothing about the child), then records that SPAS was told.
 */
int sheet_alert_urgent(struct store *, const struct gw_config *,
    int64_t sheet_id, int64_t now) __attribute__((warn_unused_result));
/* Tells every SPAS number at once that urgent sheet_id's cycle was
 * completed by another report: its number, how many signals it added
 * and the total (no indicator, no household code).  Leaves it for the
 * digest's "Actualizate" list too. */
int sheet_alert_update(struct store *, const struct gw_config *,
    int64_t sheet_id, int64_t now) __attribute__((warn_unused_result));
/* Schedules the 24 h / 48 h deadline alerts of sheet s just stored (if it
 * needs a visit) and cancels those of the row it supersedes. */
int sheet_alerts_schedule(struct store *, const struct sheet_row *s,
    int64_t now) __attribute__((warn_unused_result));
/* Runs the due deadline alerts and the daily digest (scheduler owner
 * "sheet"; the service's tick). */
int sheet_alerts_tick(struct store *, const struct gw_config *, int64_t now)
    __attribute__((warn_unused_result));

/* sheet_households.c: the household register (observation-sheet.md 7.3).
 * The family's identity lives only in this table on the SPAS box; it
 * never goes into a log, an SMS, a sheet row or a task. */
enum sheet_hh_status {
	SHEET_HH_OK = 0,
	SHEET_HH_BAD_CODE, /* not 8 digits with a valid check digit */
	SHEET_HH_UNKNOWN,  /* never issued by this SPAS */
	SHEET_HH_MISSING,  /* family name missing */
	SHEET_HH_RANDOM,   /* no randomness */
	SHEET_HH_STORE,	   /* database error (logged) */
};
/* Schema of the households table (migration "sheet_0007_households"). */
extern const char sheet_schema_households[];
const char *sheet_hh_strstatus(enum sheet_hh_status);
/* 1 if code was issued by SPAS (it is in the register), 0 if not, -1. */
int sheet_household_known(struct store *, const char *code)
    __attribute__((warn_unused_result));
/* Issues count new random Damm-valid codes (never one already issued)
 * for village (may be NULL) into codes[0..count), in a transaction of
 * its own.  OK, RANDOM or STORE. */
enum sheet_hh_status sheet_household_issue(struct store *, size_t count,
    const char *village, const char *by, int64_t now, char (*codes)[9])
    __attribute__((warn_unused_result));
/* Links an issued code to the family (and address, NULL keeps it), in a
 * transaction of its own; closes the code's "unknown_household" task.
 * OK, BAD_CODE, MISSING, UNKNOWN or STORE. */
enum sheet_hh_status sheet_household_link(struct store *, const char *code,
    const char *family, const char *address, const char *by, int64_t now)
    __attribute__((warn_unused_result));
/* The register as a table (columns code, village, issued_at, issued_by,
 * linked; with_identity adds family, address, linked_at, linked_by),
 * filtered by code and village (NULL = any).  Caller frees; NULL on a
 * store error.  Whoever shows identity writes the audit entry. */
struct table *sheet_households_table(struct store *, const char *code,
    const char *village, int with_identity);

/* sheet_config.c: the [sheets] section */
struct sheet_conf {
	int county_code;	/* AA of sheet numbers, 1..52; 0 = off */
	char *commune;		/* default commune of this gateway */
	char *indicators;	/* indicator table CSV path (absolute) */
	char **spas_numbers;	/* SPAS duty numbers (urgent alerts, digest) */
	size_t n_spas_numbers;
	char *digest_time;	/* "HH:MM" local time of the daily digest */
	int keep_years;		/* closed sheets kept this long (DP8) */
	char *number_block;	/* "FIRST-LAST": this commune's BBB range */
	int number_first;	/* parsed number_block, 1..999 */
	int number_last;
	char *household_register; /* "open" or "strict" */
	int register_strict;	/* 1: unknown codes -> reply + SPAS task */
};

struct config_section;
/* What config_load is handed for [sheets]. */
extern const struct config_section sheet_config_section;
/* The [sheets] settings of conf (borrowed); "not configured" (county 0,
 * no numbers) if conf was loaded without the section. */
const struct sheet_conf *sheet_conf(const struct gw_config *);

/* sheet_purge.c */
/* The service's purge hook (flows/service.h): closed sheets, with their
 * values, received more than [sheets] keep_years ago. */
int sheet_purge(void *state, struct store *, const struct gw_config *,
    int64_t now, int batch, int dry_run, service_purge_report_cb *report,
    void *arg) __attribute__((warn_unused_result));

/* sheet_service.c */
/* The service descriptor: the one line in gateway/gw_services.c. */
extern const struct service sheet_service;
/* The service state: the loaded indicator table (NULL when sheets are
 * not configured).  _new takes ownership of t (tests and the CLI build
 * one around a table they loaded). */
struct sheet_svc *sheet_svc_new(struct sheet_table *t);
void sheet_svc_free(struct sheet_svc *);
/* The table (borrowed), or NULL. */
const struct sheet_table *sheet_svc_table(const struct sheet_svc *);

#endif /* STAFETA_SHEET_H */
