/*
 * sheet_store.h - what the Observation Sheet service keeps in the
 * database: enrolled reporters, stored sheets with their indicator
 * values and follow-up bookkeeping, and a small key/value memory.
 * Queries run through the store seam (store/store_sql.h); the tables are
 * the service's migrations (sheet_migrations[]), applied after the core
 * schema with store_migrate_apply().
 *
 * Transactions are the caller's (store_begin/commit/rollback); nothing
 * here commits.  Strings inside the structs are owned by the struct and
 * freed by its *_clear function.  Times are unix milliseconds.  Functions
 * return 0 on success and -1 on error (logged without values) unless
 * documented otherwise.
 */
#ifndef STAFETA_SHEET_STORE_H
#define STAFETA_SHEET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h" /* struct store_migration */

/* The service's tables, in order, NULL-name terminated: "0004_reporters"
 * and "0005_sheets" (the names they had in the core list, so databases
 * that have them do not run them again). */
extern const struct store_migration sheet_migrations[];
/* Schema text of the reporters table (sheet_store_reporters.c). */
extern const char sheet_schema_reporters[];

/* sheet_store_reporters.c: professionals enrolled to send sheets */
struct sheet_reporter {
	int64_t id;
	char *phone;	     /* E.164, unique */
	char *name;	     /* the professional's name */
	char *profession;    /* canonical code: teacher, police, spas, ... */
	char *institution;   /* school, practice, NGO; NULL if none */
	char *commune;	     /* ATU the reporter serves */
	char *language;	     /* replies: ro, hu, en */
	char *pin_hash;	     /* sheet_pin_hash() text, NULL = no USSD PIN */
	int pin_failures;    /* consecutive wrong PINs (locked at 3) */
	int active;	     /* 0 after `stafeta reporter disable` */
	int64_t enrolled_at; /* ms */
};

typedef int sheet_reporter_cb(const struct sheet_reporter *, void *arg);

/* Inserts r (fills r->id; enrolled_at = now): 1 added, 0 if the phone
 * is already enrolled, -1 on error. */
int sheet_store_reporter_add(struct store *, struct sheet_reporter *r,
    int64_t now) __attribute__((warn_unused_result));
/* 1 and *out filled if phone is enrolled (active or not), 0 if not, -1. */
int sheet_store_reporter_find(struct store *, const char *phone,
    struct sheet_reporter *out) __attribute__((warn_unused_result));
/* 1 and *out filled, 0 if no such id, -1. */
int sheet_store_reporter_get(struct store *, int64_t id,
    struct sheet_reporter *out) __attribute__((warn_unused_result));
/* 1 if changed, 0 if the phone is not enrolled, -1. */
int sheet_store_reporter_set_active(struct store *, const char *phone,
    int active, int64_t now) __attribute__((warn_unused_result));
/* Replaces the PIN hash (NULL removes it) and unlocks: 1, 0, -1 as above. */
int sheet_store_reporter_set_pin(struct store *, const char *phone,
    const char *pin_hash, int64_t now) __attribute__((warn_unused_result));
/* Records a PIN check of reporter id: ok resets the failure count, a
 * failure adds one; the new count goes to *failures (OUT, may be NULL).
 * -1 also when there is no such reporter. */
int sheet_store_reporter_pin_result(struct store *, int64_t id, int ok,
    int64_t now, int *failures) __attribute__((warn_unused_result));
/* Every reporter by phone; cb returning non-zero stops the walk. */
int sheet_store_reporter_list(struct store *, sheet_reporter_cb *, void *);
/* Frees r's strings (wiping the PIN hash) and zeroes it; NULL is a no-op. */
void sheet_reporter_clear(struct sheet_reporter *r);

/* sheet_store.c: stored sheets.  Sheet rows are never edited in place
 * except for follow-up state and alert bookkeeping: an update of the
 * family's cycle is a new row that supersedes the previous one. */
enum sheet_state {
	SHEET_STATE_NEW = 0,	     /* received, SPAS not told yet */
	SHEET_STATE_VISIT_PENDING,   /* RIS visit needed, none scheduled */
	SHEET_STATE_VISIT_SCHEDULED, /* visit_date set */
	SHEET_STATE_VISITED,	     /* RIS visit done */
	SHEET_STATE_NO_SUSPICION,    /* every indicator 0 */
	SHEET_STATE_INCOMPLETE,	     /* nothing suspected, some unknown */
	SHEET_STATE_N,
};

struct sheet_row_value {
	char *indicator; /* indicator id, e.g. "eco_poverty_monetary" */
	int value;	 /* 1, 0, 9: the sheet (merged over the cycle) */
	int own;	 /* 1, 0, 9: what this row's report itself said */
};

/* One stored sheet row. */
struct sheet_row {
	int64_t id;		  /* internal id */
	int county;		  /* AA */
	int year;		  /* calendar year of the number */
	int seq;		  /* BBB, 1..999 */
	char *household;	  /* 8 digits, NULL = NOU (no code yet) */
	int64_t reporter_id;
	char *reporter_phone;	  /* read only (joined) */
	char *commune;		  /* read only: the reporter's commune */
	int64_t received_at;	  /* ms */
	int time_start;		  /* minutes after midnight, -1 = not given */
	int time_end;		  /* minutes after midnight, -1 = not given */
	char *channel;		  /* "sms" or "ussd" */
	int any_risk;		  /* some indicator 1: RIS visit required */
	int risk_count;		  /* lettered indicators = 1 */
	int flags;		  /* "other situation" flags = 1 */
	int unknown;		  /* indicators still 9 (incomplete) */
	int urgent;		  /* 6b2/6b3 or U */
	int urgent_flag;	  /* U given */
	int state;		  /* enum sheet_state */
	char *visit_date;	  /* "YYYY-MM-DD" or NULL */
	int64_t visit_deadline;	  /* ms: received (cycle start) + 72 h */
	int alert_24_sent;	  /* 24 h deadline alert queued */
	int alert_48_sent;	  /* 48 h deadline alert queued */
	int64_t notified_at;	  /* ms SPAS was told (alert/digest), 0 */
	int64_t supersedes;	  /* previous row of the cycle, 0 = none */
	int64_t superseded_by;	  /* newer row of the cycle, 0 = live */
	char *merge_kind;	  /* "new", "replaced", "merged" */
	char *indicator_version;  /* indicator table version */
	char *raw_hash;		  /* SHA-256 hex of the raw SMS, or NULL */
	int keeps_number;	  /* 1: its cycle's number (update row) */
	int added;		  /* signals this row added to the cycle */
	int64_t filled_at;	  /* ms the sheet was filled (D/T), 0 */
	int late;		  /* received > 48 h after filled (D1) */
	int household_unknown;	  /* code not in the household register */
	struct sheet_row_value *values; /* when loaded; by indicator id */
	size_t n_values;
};

/* Which sheets sheet_store_list walks; zero means "no filter". */
struct sheet_filter {
	int all;		/* include superseded rows */
	int state_plus1;	/* enum sheet_state + 1, 0 = any */
	int needs_visit;	/* any_risk, not visited */
	int64_t overdue_at;	/* needs visit and deadline <= this (ms) */
	int unnotified;		/* notified_at not set */
	int urgent_plus1;	/* urgent + 1 (1 = not urgent), 0 = any */
	const char *commune;	/* reporter's commune, without diacritics
				 * and case ("Apata" finds "Apața") */
	int with_updates;	/* urgent_plus1 spares rows that update a
				 * cycle (keeps_number): the digest's list */
	const char *reporter_phone; /* E.164 */
};

typedef int sheet_row_cb(const struct sheet_row *, void *arg);

/* Next free BBB for county and year in the commune's block first..last
 * (max used there + 1, first if none; may exceed last). */
int sheet_store_next_seq(struct store *, int county, int year, int first,
    int last, int *seq)
    __attribute__((warn_unused_result));
/* Inserts s and its values (fills s->id).  The (county, year, seq)
 * triple is unique among rows with keeps_number 0: a reused number
 * fails unless the row continues that number's cycle. */
int sheet_store_insert(struct store *, struct sheet_row *s, int64_t now)
    __attribute__((warn_unused_result));
/* The live (not superseded) sheet of household received at or after
 * since and not yet visited, with values: 1 found, 0 none, -1. */
int sheet_store_find_live(struct store *, const char *household,
    int64_t since, struct sheet_row *out)
    __attribute__((warn_unused_result));
/* 1 and *out filled (values too if with_values), 0 if none, -1. */
int sheet_store_get(struct store *, int64_t id, int with_values,
    struct sheet_row *out) __attribute__((warn_unused_result));
/* The newest sheet numbered county-seq (any year): 1, 0, -1. */
int sheet_store_get_by_no(struct store *, int county, int seq,
    int with_values, struct sheet_row *out)
    __attribute__((warn_unused_result));
/* Loads s->values of sheet s->id (replacing any loaded). */
int sheet_store_load_values(struct store *, struct sheet_row *s)
    __attribute__((warn_unused_result));
/* Links old_id -> new_id (old becomes superseded); -1 also if old_id was
 * already superseded (two updates racing for one cycle). */
int sheet_store_supersede(struct store *, int64_t old_id, int64_t new_id,
    int64_t now) __attribute__((warn_unused_result));
/* Writes the follow-up state (and visit date, NULL to keep it); only
 * sheet_enter_state() calls this. */
int sheet_store_set_state(struct store *, int64_t id, int state,
    const char *visit_date, int64_t now) __attribute__((warn_unused_result));
/* Marks the 24 h (which = 24) or 48 h (which = 48) alert as queued. */
int sheet_store_set_alert(struct store *, int64_t id, int which, int64_t now)
    __attribute__((warn_unused_result));
/* Sets notified_at = now. */
int sheet_store_set_notified(struct store *, int64_t id, int64_t now)
    __attribute__((warn_unused_result));
/* Sheets matching f, oldest first (without values); cb returning
 * non-zero stops the walk.  Do not write sheets from cb; reading values
 * (sheet_store_load_values) is fine. */
int sheet_store_list(struct store *, const struct sheet_filter *f,
    sheet_row_cb *, void *);
/* Frees s's strings and values and zeroes it; NULL is a no-op. */
void sheet_row_clear(struct sheet_row *s);
/* "new", "visit_pending", ...; "?" for bad values. */
const char *sheet_strstate(int state);
/* Small persistent key/value memory of the service (e.g. the day of the
 * last digest): *value is a new string (caller frees) or NULL. */
int sheet_store_meta_get(struct store *, const char *key, char **value)
    __attribute__((warn_unused_result));
int sheet_store_meta_set(struct store *, const char *key, const char *value)
    __attribute__((warn_unused_result));

#endif /* STAFETA_SHEET_STORE_H */
