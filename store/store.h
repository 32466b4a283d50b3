/*
 * store.h - durable state in one SQLite database (WAL mode).
 *
 * The daemon holds the only long-lived connection and is the one writer of
 * message state; the stafeta command opens its own short connections for
 * listing and for the few operator writes (send, reporter add, ...), which
 * WAL and busy_timeout make safe.  Every statement is prepared once and
 * cached on the handle.  Schema changes are named migrations applied in
 * order inside one transaction at open (store_migrate.c).
 *
 * Transactions: the caller brackets a unit of work with store_begin() /
 * store_commit() (or store_rollback()); functions below never commit on
 * their own.  Inbound processing, session advance and reply queueing
 * happen in one such transaction, so a crash never answers twice.
 *
 * Strings returned inside structs are owned by the struct and freed by its
 * *_clear function.  Times are unix milliseconds unless named *_s.
 * Functions return 0 on success and -1 on error (logged with context),
 * unless documented otherwise.
 */
#ifndef STAFETA_STORE_H
#define STAFETA_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

enum store_out_state {
	STORE_OUT_QUEUED = 0, /* waiting for a modem */
	STORE_OUT_SENDING,    /* handed to a modem worker */
	STORE_OUT_SENT,	      /* accepted by the modem */
	STORE_OUT_DELIVERED,  /* delivery report said delivered */
	STORE_OUT_FAILED,     /* gave up after retries or permanent error */
	STORE_OUT_EXPIRED,    /* too old to be worth sending */
	STORE_OUT_UNDELIVERED, /* delivery report said failed */
};

enum store_priority {
	STORE_PRIO_ALERT = 0,  /* SPAS urgent alerts, admin alerts */
	STORE_PRIO_REPLY = 10, /* replies inside a dialogue */
	STORE_PRIO_BULK = 50,  /* broadcasts, digests, reminders */
};

struct store_inbound {
	int64_t id;
	int64_t received_at; /* ms */
	char *modem;	     /* modem name, or "ussd"/"sim" for other channels */
	char *sender;
	char *text;	     /* UTF-8; NULL when not kept (privacy) */
	int parts;	     /* physical parts assembled */
	int incomplete;	     /* 1 if some parts never arrived */
	char *kind;	     /* "sms", "undecodable", "other" */
};

struct store_outbound {
	int64_t id;
	int64_t created_at;
	char *modem;	   /* modem that sent / is sending it, or NULL */
	char *modem_hint;  /* preferred modem, or NULL */
	char *recipient;
	char *text;
	int priority;	   /* enum store_priority */
	int state;	   /* enum store_out_state */
	int attempts;
	int parts;	   /* parts counted at queue time */
	int64_t next_attempt_at;
	int64_t sent_at;
	int mr;		   /* TP-MR of the last part, -1 unknown */
	char *error;	   /* last error, NULL if none */
	int64_t in_reply_to; /* inbound id, 0 if none */
	int64_t delivered_at; /* delivery report time, 0 if none */
};

struct store_contact {
	int64_t id;
	char *phone;
	char *language;	 /* "ro", "hu", "en" */
	int opted_out;	 /* 1 after STOP */
	char *last_modem; /* modem the contact last wrote to, or NULL */
};

struct store_modem_row {
	char *name;
	char *state;	     /* "up", "down", "starting", ... */
	int signal_percent;  /* -1 unknown */
	char *network;	     /* operator name / code */
	int64_t last_seen;   /* ms */
	double balance;	     /* last credit, NAN if never read */
	int64_t balance_at;  /* ms */
	int sent_today;      /* parts sent on day */
	int64_t day;	     /* days since epoch of sent_today */
	char *error;	     /* last error or NULL */
};

typedef int store_inbound_cb(const struct store_inbound *, void *arg);
typedef int store_outbound_cb(const struct store_outbound *, void *arg);
typedef int store_modem_cb(const struct store_modem_row *, void *arg);

/* store_sqlite.c */
/* Opens (creating if needed) and migrates the database at path. */
struct store *store_open(const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void store_close(struct store *);
int store_begin(struct store *) __attribute__((warn_unused_result));
int store_commit(struct store *) __attribute__((warn_unused_result));
void store_rollback(struct store *);
/* A part of the current transaction that can be undone alone (SQL
 * SAVEPOINT): store_savepoint, then store_savepoint_release (keeps its
 * writes in the transaction) or store_savepoint_rollback (undoes only
 * them; the transaction goes on).  Savepoints do not nest. */
int store_savepoint(struct store *) __attribute__((warn_unused_result));
int store_savepoint_release(struct store *)
    __attribute__((warn_unused_result));
void store_savepoint_rollback(struct store *);
/* Last SQLite error text of this handle (borrowed). */
const char *store_errmsg(const struct store *);

/* store_dedup.c */
/* Records key: 1 if new, 0 if seen before, -1 on error. */
int store_dedup_claim(struct store *, const char *key, int64_t now);
/* Forgets keys older than `before`. */
int store_dedup_prune(struct store *, int64_t before);

/* store_inbound.c */
/* Inserts an inbound message; fills in->id. */
int store_inbound_add(struct store *, struct store_inbound *in)
    __attribute__((warn_unused_result));
/* Newest first; at most limit rows (0 = all).  cb returning non-zero
 * stops the walk. */
int store_inbound_list(struct store *, int limit, store_inbound_cb *, void *);
int store_inbound_count(struct store *, int64_t *out);
void store_inbound_clear(struct store_inbound *);

/* store_outbox.c */
/* Queues a message; counts its parts (gsm_text_parts); fills out->id,
 * out->parts and out->state.  created_at 0 means now; next_attempt_at 0
 * means created_at; out->modem is ignored.  -1 if the text is not valid
 * UTF-8 or there is no recipient. */
int store_outbox_add(struct store *, struct store_outbound *out)
    __attribute__((warn_unused_result));
/* Queues the same text to each of n recipients (alerts, digests); 0, or
 * -1 at the first failure. */
int store_outbox_add_each(struct store *, char *const *recipients, size_t n,
    const char *text, int priority, int64_t now)
    __attribute__((warn_unused_result));
/*
 * Picks the next message modem `name` should send at `now`: queued, due,
 * and hinted to this modem, unhinted, or hinted to a modem listed in
 * `down` (NULL-terminated).  Highest priority first, then oldest.  Marks
 * it SENDING on this modem and fills *out.  Returns 1 if one was taken,
 * 0 if none, -1 on error.
 */
int store_outbox_take(struct store *, const char *name,
    const char *const *down, int64_t now, struct store_outbound *out);
/* Records the result of a SENDING message; each result counts one
 * attempt.  On success: SENT, sent_at = now, parts (if > 0) and mr (if
 * >= 0) stored.  On failure the message goes back to QUEUED with
 * next_attempt_at = now + retry_base_s * 2^(attempts-1) s (attempts
 * counting this one; capped at one hour), or to FAILED when permanent or
 * attempts >= max_attempts.  A result for a row that was requeued in the
 * meantime is still recorded (the modem did send it); a result for a row
 * in any other state, or an unknown id, is logged and ignored (0). */
int store_outbox_result(struct store *, int64_t id, int ok, int parts, int mr,
    const char *error, int permanent, int64_t now, int retry_base_s,
    int max_attempts);
/* Returns SENDING messages to QUEUED (after a crash or a dead worker);
 * modem NULL means all modems.  Does not count an attempt. */
int store_outbox_requeue_sending(struct store *, const char *modem);
/* Marks QUEUED messages created before `before` EXPIRED; *n_out = count. */
int store_outbox_expire(struct store *, int64_t before, int *n_out);
/* Matches a delivery report to the newest SENT message to recipient with
 * that TP-MR sent at most 3 days before `at` (10 minutes of clock skew
 * allowed after it), by that modem unless modem is NULL; sets DELIVERED
 * or UNDELIVERED and delivered_at = at.  1 if matched, 0 if not. */
int store_outbox_report(struct store *, const char *modem,
    const char *recipient, int mr, int delivered, int64_t at);
/* Counts QUEUED and SENDING messages (for status); modem NULL = all.  For
 * one modem, queued counts the messages hinted to it and sending those it
 * is sending.  Either out pointer may be NULL. */
int store_outbox_depth(struct store *, const char *modem, int64_t *queued,
    int64_t *sending);
/* Newest first; at most limit rows (0 = all); as store_inbound_list. */
int store_outbox_list(struct store *, int limit, store_outbound_cb *, void *);
void store_outbound_clear(struct store_outbound *);
const char *store_out_strstate(int state);

/* store_privacy.c */
/* Blanks the text of an inbound message (rejected or sensitive input). */
int store_inbound_forget(struct store *, int64_t id)
    __attribute__((warn_unused_result));

/* store_contacts.c */
/* Finds or creates the contact for phone; default_lang (NULL = "ro") for
 * new ones.  The setters below also create a missing contact. */
int store_contact_get(struct store *, const char *phone,
    const char *default_lang, struct store_contact *out);
/* Looks a contact up without creating it: 1 found (*out filled), 0 not
 * found, -1 on error. */
int store_contact_find(struct store *, const char *phone,
    struct store_contact *out);
int store_contact_set_modem(struct store *, const char *phone,
    const char *modem, int64_t now);
int store_contact_set_language(struct store *, const char *phone,
    const char *lang);
int store_contact_set_opt_out(struct store *, const char *phone, int out);
void store_contact_clear(struct store_contact *);

/* store_modems.c */
/* Inserts or updates the row of modem name (NULL fields unchanged; error
 * "" clears the error).  State "up" also sets last_seen; so do the health,
 * balance and sent-count updates. */
int store_modem_set_state(struct store *, const char *name,
    const char *state, const char *error, int64_t now);
int store_modem_set_health(struct store *, const char *name,
    int signal_percent, const char *network, int64_t now);
/* Balance NAN records "could not read". */
int store_modem_set_balance(struct store *, const char *name, double balance,
    int64_t now);
/* Adds parts to today's sent count (resetting on a new UTC day) and
 * returns the new count in *today. */
int store_modem_count_sent(struct store *, const char *name, int parts,
    int64_t now, int *today);
/* Every modem row ever written, by name. */
int store_modem_list(struct store *, store_modem_cb *, void *);
void store_modem_row_clear(struct store_modem_row *);

/* store_sessions.c: dialogue state for flows/ (owned by the flow engine) */
/* One contact's dialogue on one channel.  Strings owned; see
 * store_session_clear.  The flow engine interprets every field. */
struct store_session {
	char *phone;
	int channel;		/* enum flow_channel */
	char *flow;		/* flow name */
	char *version;		/* flow version hash it runs on */
	char *node;		/* current step */
	int state;		/* enum flow_session_state (flows/) */
	int tries;		/* invalid answers at this step */
	int reprompted;		/* re-prompt already sent */
	char *fields;		/* saved fields, encoded by flows/ */
	int64_t started_at;	/* ms */
	int64_t waiting_since;	/* ms, question sent */
	int64_t updated_at;	/* ms, last activity */
	int64_t due_at;		/* ms, next look by the tick; 0 = never */
};

/* One USSD aggregator session (sessionId): what was last answered, so
 * that a retried request gets the same answer, and pages not yet shown. */
struct store_ussd {
	char *session_id;	/* aggregator's sessionId */
	char *phone;		/* E.164 */
	char *service_code;	/* as dialled */
	char *seen_text;	/* "LEN:HASH" of the last text answered */
	char *response;		/* reply given to it ("CON ..."/"END ...") */
	char *pending;		/* text of pages not yet shown, or NULL */
	int pending_end;	/* 1: the pending text ends the session */
	int ended;		/* 1: END was sent */
	int64_t updated_at;	/* ms */
};

/* Migration text (applied by store_migrate.c). */
extern const char store_schema_sessions[];

/* 1 and *out filled if phone+channel has a session, 0 if not, -1. */
int store_session_get(struct store *, const char *phone, int channel,
    struct store_session *out) __attribute__((warn_unused_result));
/* Inserts or replaces the session of s->phone + s->channel. */
int store_session_put(struct store *, const struct store_session *)
    __attribute__((warn_unused_result));
int store_session_delete(struct store *, const char *phone, int channel)
    __attribute__((warn_unused_result));
/* Up to max sessions with 0 < due_at <= now, earliest first, into a new
 * array *out of *n (free each with store_session_clear, then free()). */
int store_session_due(struct store *, int64_t now, size_t max,
    struct store_session **out, size_t *n)
    __attribute__((warn_unused_result));
/* 1 if some session runs on flow+version, 0 if none, -1. */
int store_session_uses(struct store *, const char *flow, const char *version);
/* Counts sessions (for status). */
int store_session_count(struct store *, int64_t *n);
void store_session_clear(struct store_session *);

/* Remembers that phone's dialogue in flow expired at `at`, so a late
 * answer can be explained. */
int store_tombstone_put(struct store *, const char *phone, int channel,
    const char *flow, int64_t at) __attribute__((warn_unused_result));
/* Takes (returns and deletes) the tombstone of phone+channel newer than
 * `since`: 1 with *flow (caller frees), 0 if none, -1. */
int store_tombstone_take(struct store *, const char *phone, int channel,
    int64_t since, char **flow) __attribute__((warn_unused_result));
int store_tombstone_prune(struct store *, int64_t before);

/* 1 and *out if the USSD session is known, 0 if not, -1. */
int store_ussd_get(struct store *, const char *session_id,
    struct store_ussd *out) __attribute__((warn_unused_result));
int store_ussd_put(struct store *, const struct store_ussd *)
    __attribute__((warn_unused_result));
/* Forgets USSD sessions not updated since `before`. */
int store_ussd_prune(struct store *, int64_t before);
void store_ussd_clear(struct store_ussd *);

/* Keeps the bytes of a flow version a session runs on (idempotent), so
 * that a restart can re-parse a version no longer on disk. */
int store_flow_version_put(struct store *, const char *flow,
    const char *version, const char *source, size_t len, int64_t now)
    __attribute__((warn_unused_result));
/* 1 with *source (caller frees, NUL-terminated) and *len, 0, or -1. */
int store_flow_version_get(struct store *, const char *flow,
    const char *version, char **source, size_t *len)
    __attribute__((warn_unused_result));
/* Deletes stored versions older than `before` no session runs on. */
int store_flow_version_prune(struct store *, int64_t before);
/* Copies the whole database to path (which must not exist or be empty),
 * outside any transaction: the simulator's scratch copy. */
int store_session_snapshot(struct store *, const char *path)
    __attribute__((warn_unused_result));

/* store_parts.c: parts of concatenated SMS waiting for the rest */
/* One concatenated message: every part of it carries the same key.
 * Strings are borrowed. */
struct store_part_key {
	const char *modem;  /* modem the parts were read on */
	const char *sender; /* as gw_reasm keys it (normalised if possible) */
	int bits;	    /* 8 or 16: width of the reference */
	int ref;	    /* concatenation reference */
	int total;	    /* parts in the whole message, 2..255 */
};

/* One stored part (text owned; see store_parts_free). */
struct store_part {
	int seq;    /* 1-based part number */
	char *text; /* UTF-8, "" for an empty part */
};

/* A group of pending parts (strings owned; store_part_groups_free). */
struct store_part_group {
	char *modem;
	char *sender;
	int bits;
	int ref;
	int total;
	int count;	  /* distinct parts present */
	int64_t first_at; /* ms, arrival of the oldest part present */
};

/* Migration text (applied by store_migrate.c as 0002_parts). */
extern const char store_schema_parts[];

/* Stores part seq of group k, received at now: 1 if new, 0 if that part
 * of the group was already there (the stored one is kept), -1 on error. */
int store_parts_add(struct store *, const struct store_part_key *k, int seq,
    const char *text, int64_t now) __attribute__((warn_unused_result));
/* Distinct parts of group k present, in *count. */
int store_parts_count(struct store *, const struct store_part_key *k,
    int *count) __attribute__((warn_unused_result));
/* Takes the parts of group k: a new array *out of *n parts ordered by seq
 * (free with store_parts_free; *out is NULL when there are none), and
 * deletes them from the table. */
int store_parts_take(struct store *, const struct store_part_key *k,
    struct store_part **out, size_t *n) __attribute__((warn_unused_result));
void store_parts_free(struct store_part *, size_t n);
/* Groups whose oldest part arrived before `before` (ms), oldest first, at
 * most max (0 = all): a new array *out of *n (store_part_groups_free). */
int store_parts_older(struct store *, int64_t before, size_t max,
    struct store_part_group **out, size_t *n)
    __attribute__((warn_unused_result));
void store_part_groups_free(struct store_part_group *, size_t n);

/* store_reporters.c: professionals enrolled to send Observation Sheets
 * (owned by flows/sheet/sheet_*.c and the `stafeta reporter` command) */
struct store_reporter {
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

typedef int store_reporter_cb(const struct store_reporter *, void *arg);

/* Migration text (applied by store_migrate.c). */
extern const char store_schema_reporters[];

/* Inserts r (fills r->id; enrolled_at = now): 1 added, 0 if the phone
 * is already enrolled, -1 on error. */
int store_reporter_add(struct store *, struct store_reporter *r, int64_t now)
    __attribute__((warn_unused_result));
/* 1 and *out filled if phone is enrolled (active or not), 0 if not, -1. */
int store_reporter_find(struct store *, const char *phone,
    struct store_reporter *out) __attribute__((warn_unused_result));
/* 1 and *out filled, 0 if no such id, -1. */
int store_reporter_get(struct store *, int64_t id, struct store_reporter *out)
    __attribute__((warn_unused_result));
/* 1 if changed, 0 if the phone is not enrolled, -1. */
int store_reporter_set_active(struct store *, const char *phone, int active,
    int64_t now) __attribute__((warn_unused_result));
/* Replaces the PIN hash (NULL removes it) and unlocks: 1, 0, -1 as above. */
int store_reporter_set_pin(struct store *, const char *phone,
    const char *pin_hash, int64_t now) __attribute__((warn_unused_result));
/* Records a PIN check of reporter id: ok resets the failure count, a
 * failure adds one; the new count goes to *failures (OUT, may be NULL). */
int store_reporter_pin_result(struct store *, int64_t id, int ok,
    int64_t now, int *failures) __attribute__((warn_unused_result));
/* Every reporter by phone; cb returning non-zero stops the walk. */
int store_reporter_list(struct store *, store_reporter_cb *, void *);
void store_reporter_clear(struct store_reporter *);

/* store_sheets.c: stored Observation Sheets (owned by flows/sheet/sheet_*.c and
 * the `stafeta sheets` command).  Sheet rows are never edited in place
 * except for follow-up state and alert bookkeeping: an update of the
 * family's cycle is a new row that supersedes the previous one. */
enum store_sheet_state {
	STORE_SHEET_NEW = 0,	     /* received, SPAS not told yet */
	STORE_SHEET_VISIT_PENDING,   /* RIS visit needed, none scheduled */
	STORE_SHEET_VISIT_SCHEDULED, /* visit_date set */
	STORE_SHEET_VISITED,	     /* RIS visit done */
	STORE_SHEET_NO_SUSPICION,    /* every indicator 0 */
	STORE_SHEET_INCOMPLETE,	     /* nothing suspected, some unknown */
	STORE_SHEET_STATE_N,
};

struct store_sheet_value {
	char *indicator; /* indicator id, e.g. "eco_poverty_monetary" */
	int value;	 /* 1, 0, 9: the sheet (merged over the cycle) */
	int own;	 /* 1, 0, 9: what this row's report itself said */
};

struct store_sheet {
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
	int state;		  /* enum store_sheet_state */
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
	struct store_sheet_value *values; /* when loaded; by indicator id */
	size_t n_values;
};

/* Which sheets store_sheet_list walks; zero means "no filter". */
struct store_sheet_filter {
	int all;		/* include superseded rows */
	int state_plus1;	/* enum store_sheet_state + 1, 0 = any */
	int needs_visit;	/* any_risk, not visited */
	int64_t overdue_at;	/* needs visit and deadline <= this (ms) */
	int unnotified;		/* notified_at not set */
	int urgent_plus1;	/* urgent + 1 (1 = not urgent), 0 = any */
	const char *commune;	/* reporter's commune, case-insensitive */
	const char *reporter_phone;
};

typedef int store_sheet_cb(const struct store_sheet *, void *arg);

/* Migration text (applied by store_migrate.c). */
extern const char store_schema_sheets[];

/* Next free BBB for county and year (max used + 1; may exceed 999). */
int store_sheet_next_seq(struct store *, int county, int year, int *seq)
    __attribute__((warn_unused_result));
/* Inserts s and its values (fills s->id).  The (county, year, seq)
 * triple is unique: a reused number fails. */
int store_sheet_insert(struct store *, struct store_sheet *s, int64_t now)
    __attribute__((warn_unused_result));
/* The live (not superseded) sheet of household received at or after
 * since and not yet visited, with values: 1 found, 0 none, -1. */
int store_sheet_find_live(struct store *, const char *household,
    int64_t since, struct store_sheet *out)
    __attribute__((warn_unused_result));
/* 1 and *out filled (values too if with_values), 0 if none, -1. */
int store_sheet_get(struct store *, int64_t id, int with_values,
    struct store_sheet *out) __attribute__((warn_unused_result));
/* The newest sheet numbered county-seq (any year): 1, 0, -1. */
int store_sheet_get_by_no(struct store *, int county, int seq,
    int with_values, struct store_sheet *out)
    __attribute__((warn_unused_result));
/* Loads s->values of sheet s->id (replacing any loaded). */
int store_sheet_load_values(struct store *, struct store_sheet *s)
    __attribute__((warn_unused_result));
/* Links old_id -> new_id (old becomes superseded). */
int store_sheet_supersede(struct store *, int64_t old_id, int64_t new_id,
    int64_t now) __attribute__((warn_unused_result));
/* Writes the follow-up state (and visit date, NULL to keep it); only
 * sheet_enter_state() calls this. */
int store_sheet_set_state(struct store *, int64_t id, int state,
    const char *visit_date, int64_t now) __attribute__((warn_unused_result));
/* Marks the 24 h (which = 24) or 48 h (which = 48) alert as queued. */
int store_sheet_set_alert(struct store *, int64_t id, int which, int64_t now)
    __attribute__((warn_unused_result));
/* Sets notified_at = now. */
int store_sheet_set_notified(struct store *, int64_t id, int64_t now)
    __attribute__((warn_unused_result));
/* Sheets matching f, oldest first (without values); cb returning
 * non-zero stops the walk.  Do not write sheets from cb. */
int store_sheet_list(struct store *, const struct store_sheet_filter *f,
    store_sheet_cb *, void *);
void store_sheet_clear(struct store_sheet *);
/* "new", "visit_pending", ...; "?" for bad values. */
const char *store_sheet_strstate(int state);
/* Small persistent key/value memory of the sheets module (e.g. the day
 * of the last digest): *value is a new string (caller frees) or NULL. */
int store_sheet_meta_get(struct store *, const char *key, char **value)
    __attribute__((warn_unused_result));
int store_sheet_meta_set(struct store *, const char *key, const char *value)
    __attribute__((warn_unused_result));

/* store_due.c: the persistent scheduler (work due at a time, owned by
 * the service or engine part named `owner`; run by flows/flow_due.c).
 * Everything here runs inside the caller's transaction. */
struct store_due {
	char *owner;	  /* "sheet", "flows", ... */
	char *key;	  /* unique per owner, e.g. "deadline:42" */
	char *kind;	  /* what the owner does with it, e.g. "digest" */
	int64_t due_at;	  /* ms */
	char *payload;	  /* owner's text, or NULL */
	int attempts;	  /* failed runs in a row, 0 after a success */
	char *last_error; /* of the last failed run, or NULL */
};

/* Migration text (applied by store_migrate.c). */
extern const char store_schema_due[];

/* Inserts or replaces the item owner+key (attempts and error reset). */
int store_due_put(struct store *, const char *owner, const char *key,
    const char *kind, int64_t due_at, const char *payload, int64_t now)
    __attribute__((warn_unused_result));
/* 1 and *out filled (store_due_clear), 0 if none, -1. */
int store_due_get(struct store *, const char *owner, const char *key,
    struct store_due *out) __attribute__((warn_unused_result));
/* Deletes owner+key (done or no longer wanted): 1 deleted, 0 none, -1. */
int store_due_cancel(struct store *, const char *owner, const char *key);
/* Up to max items of owner with due_at <= now, earliest first, into a
 * new array *out of *n (store_due_free).  Rows stay until the caller
 * cancels or reschedules them in the same transaction. */
int store_due_take(struct store *, const char *owner, int64_t now,
    size_t max, struct store_due **out, size_t *n)
    __attribute__((warn_unused_result));
/* Moves owner+key to due_at after a successful run (attempts reset). */
int store_due_reschedule(struct store *, const char *owner,
    const char *key, int64_t due_at) __attribute__((warn_unused_result));
/* Records a failed run: attempts + 1, last_error, retried at retry_at. */
int store_due_fail(struct store *, const char *owner, const char *key,
    int64_t retry_at, const char *error) __attribute__((warn_unused_result));
/* Items of owner (for status and tests). */
int store_due_count(struct store *, const char *owner, int64_t *n)
    __attribute__((warn_unused_result));
void store_due_clear(struct store_due *);
/* Clears and frees an array from store_due_take; NULL is a no-op. */
void store_due_free(struct store_due *, size_t n);

#endif /* STAFETA_STORE_H */
