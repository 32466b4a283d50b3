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
 * Outbound messages leave through channels (a modem today, a Kannel link
 * or another later): the outbox, the contacts and the per-channel rows
 * name channels, never modems.  Physical SMS parts (store_parts.c) stay
 * keyed on the modem that read them: reassembly is a modem's business.
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
	STORE_OUT_QUEUED = 0, /* waiting for a channel */
	STORE_OUT_SENDING,    /* handed to a channel */
	STORE_OUT_SENT,	      /* accepted by the channel */
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
	char *channel;	     /* channel it came in on: a modem's name, or
			      * "ussd"/"sim" for the other inbound paths */
	char *sender;
	char *text;	     /* UTF-8; NULL when not kept (privacy) */
	int parts;	     /* physical parts assembled */
	int incomplete;	     /* 1 if some parts never arrived */
	char *kind;	     /* "sms", "undecodable", "other" */
};

struct store_outbound {
	int64_t id;
	int64_t created_at;
	char *channel;	   /* channel that sent / is sending it, or NULL */
	char *channel_hint; /* preferred channel, or NULL */
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
	char *last_channel; /* channel the contact last wrote to, or NULL */
};

/* One outbound channel's row (store_channels.c). */
struct store_channel_row {
	char *name;
	char *kind;	     /* "modem" (the only kind so far) */
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

/*
 * One named schema change.  Once applied, a name is recorded in the
 * database and never run again, so a merged migration is never edited:
 * change a schema with a new one.  Lists are arrays in order, terminated
 * by an entry whose name is NULL.
 */
struct store_migration {
	const char *name; /* "0005_sheets": unique in the database */
	const char *sql;  /* one or more statements, no values */
	/* The same change for PostgreSQL when sql cannot be translated
	 * (an SQLite table rebuild); NULL: sql, translated. */
	const char *pg;
};

typedef int store_inbound_cb(const struct store_inbound *, void *arg);
typedef int store_outbound_cb(const struct store_outbound *, void *arg);
typedef int store_channel_cb(const struct store_channel_row *, void *arg);

/* store_sqlite.c */
/*
 * Opens (creating if needed) and migrates the database at path: a file
 * (SQLite), or a postgresql:// URL (a shared PostgreSQL database; the
 * URL's `options=-csearch_path=NAME` names the commune's schema, created
 * if missing, see docs/scale-out.md).
 */
struct store *store_open(const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Opens like store_open but applies no migration: for a process that is
 * not the one to migrate (store_migrations_compare tells whether the
 * schema is the one it knows). */
struct store *store_open_nomigrate(const char *path, char *err,
    size_t errlen) __attribute__((warn_unused_result));
void store_close(struct store *);
/* 1 if locator is a postgresql:// (or postgres://) URL, else 0. */
int store_locator_is_pg(const char *locator);
/* The longest a statement of this handle waits for another connection's
 * lock, in ms (5000 after open; the daemon sets a few ms so its event
 * loop never waits long).  0 or -1. */
int store_set_busy_timeout(struct store *, int ms);
/* Lock waits of this handle that gave up (SQLITE_BUSY) since open: a
 * caller compares it before and after a unit of work to tell "locked,
 * retry later" from a real failure. */
int64_t store_busy_count(const struct store *);
/* Rows written by this handle since open (rolled back ones included):
 * unchanged across a failed unit of work means it wrote nothing. */
int64_t store_changes(const struct store *);
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

/* store_migrate.c */
/*
 * Applies the migrations of list (a service's tables, NULL-name
 * terminated) not yet recorded, in order, in one transaction of their
 * own (call outside any transaction), after the core ones that
 * store_open() applied.  Names share one namespace with the core list.
 * 0, or -1 with err (nothing of the list applied).
 */
int store_migrate_apply(struct store *, const struct store_migration *list,
    char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * Compares the migrations recorded in the database with the core list
 * and the n lists given (the services'): 0 if they are the same set, 1 if
 * some known one is not applied yet (an older database), 2 if the
 * database records one that no list knows (written by a newer program),
 * -1 on error; for 1 and 2, err names the first such migration.
 */
int store_migrations_compare(struct store *,
    const struct store_migration *const *lists, size_t n, char *err,
    size_t errlen) __attribute__((warn_unused_result));

/* store_dedup.c */
/* Records key: 1 if new, 0 if seen before, -1 on error. */
int store_dedup_claim(struct store *, const char *key, int64_t now);
/* Forgets every key that starts with prefix (a location whose delete the
 * worker confirmed); *n_out = keys forgotten (may be NULL). */
int store_dedup_release(struct store *, const char *prefix, int *n_out);
/* Forgets keys older than `before`. */
int store_dedup_prune(struct store *, int64_t before);

/* store_quarantine.c */
/* A SIM slot that could not be read, kept for a human to look at. */
struct store_quarantine {
	int64_t id;		/* set by add */
	int64_t at;		/* unix ms */
	const char *channel;	/* the modem (borrowed) */
	int folder;		/* storage folder, 0 unknown */
	int64_t location;	/* as the worker reported it */
	const unsigned char *raw; /* raw bytes (borrowed), raw_len of them */
	size_t raw_len;
	int raw_known;		/* 0: the driver gave nothing (SQL NULL) */
	const char *error;	/* the driver's error (borrowed) */
	int failures;		/* failed reads before giving up */
};
extern const char store_schema_quarantine[];
/* Inserts q and fills q->id: 0 or -1. */
int store_quarantine_add(struct store *, struct store_quarantine *q)
    __attribute__((warn_unused_result));
/* Rows for channel and the time of the newest (0 if none): 0 or -1. */
int store_quarantine_count(struct store *, const char *channel, int64_t *n,
    int64_t *last_at);

/* store_tasks.c */
/* The SPAS task list (one table for every service): what a person at SPAS
 * must do, created by a service's rule, with a deadline. */
struct table;
enum store_task_state { STORE_TASK_DONE, STORE_TASK_CANCELLED };
struct store_task {
	const char *service;  /* the service that opened it: "sheet" */
	const char *kind;     /* its rule: "unknown_household" */
	const char *ref;      /* what about: "sheet:AB-123" (no personal
			       * data: a code or number SPAS looks up) */
	const char *title;    /* what to do, one line, for SPAS eyes */
	const char *assignee; /* a worker, a role ("spas_head"), or NULL */
	int64_t created_at;   /* unix ms; 0 = now */
	int64_t due_at;	      /* deadline (unix ms), 0 none */
};
extern const char store_schema_tasks[];
/* Opens t, or finds the open task with the same service, kind and ref
 * (then t is not applied): its id (> 0), or -1. */
int64_t store_task_open(struct store *, const struct store_task *t)
    __attribute__((warn_unused_result));
/* Closes open task id as done or cancelled, by whom and why: 0, 1 if no
 * open task has that id, or -1. */
int store_task_close(struct store *, int64_t id, enum store_task_state,
    const char *by, const char *outcome, int64_t now)
    __attribute__((warn_unused_result));
/* Closes the open task of (service, kind, ref): how many (0 or 1), or
 * -1. */
int store_task_close_ref(struct store *, const char *service,
    const char *kind, const char *ref, enum store_task_state,
    const char *by, const char *outcome, int64_t now)
    __attribute__((warn_unused_result));
/* Tasks (open first, by deadline), filtered by service and assignee
 * (NULL: any), only open ones if open_only; "overdue" is set against now.
 * Caller frees (table_free); NULL on a store error. */
struct table *store_task_list(struct store *, const char *service,
    const char *assignee, int open_only, int64_t now);

/* store_audit.c */
/* The append-only access log: who viewed, exported or changed which
 * record (an id such as "sheet:AB-123", never the data), through what. */
extern const char store_schema_audit[];
/* Appends one entry; who and via ("cli", "web") NULL become "?": 0 or -1. */
int store_audit(struct store *, const char *who, const char *via,
    const char *action, const char *object, int64_t now)
    __attribute__((warn_unused_result));
/* Entries at or after since (unix ms), by who (NULL: everyone), oldest
 * first.  Caller frees; NULL on a store error. */
struct table *store_audit_list(struct store *, int64_t since,
    const char *who);

/* store_users.c: accounts, sessions and the login throttle of the web
 * back office (gateway/web_*.c decides; this keeps) */
struct store_user {
	int64_t id;
	char *name;	   /* login name */
	char *role;	   /* "worker", "head", "mayor", "admin" */
	char *pw_hash;	   /* crypto_pwhash_str text (Argon2id) */
	int active;	   /* 0 after `stafeta user disable` */
	int64_t created_at;
};
struct store_web_session {
	int64_t user_id;
	char csrf[80];	   /* the session's form token */
	int64_t created_at; /* login time, ms */
	int64_t last_seen; /* last request, ms */
};
extern const char store_schema_users[];
extern const char store_schema_web_sessions[];
/* 1 added, 0 if the name exists, -1. */
int store_user_add(struct store *, const char *name, const char *role,
    const char *pw_hash, int64_t now) __attribute__((warn_unused_result));
/* 1 and *out filled (clear with store_user_clear), 0 if none, -1. */
int store_user_get(struct store *, const char *name, struct store_user *out)
    __attribute__((warn_unused_result));
int store_user_get_id(struct store *, int64_t id, struct store_user *out)
    __attribute__((warn_unused_result));
/* 1 changed, 0 no such user, -1. */
int store_user_set_password(struct store *, const char *name,
    const char *pw_hash, int64_t now) __attribute__((warn_unused_result));
int store_user_set_active(struct store *, const char *name, int active,
    int64_t now) __attribute__((warn_unused_result));
void store_user_clear(struct store_user *);
/* Every account (no hashes), by name; NULL on error. */
struct table *store_user_list(struct store *);
int store_web_session_add(struct store *, const char *token_hash,
    int64_t user_id, const char *csrf, int64_t now)
    __attribute__((warn_unused_result));
/* 1 and *out filled, 0 if no such session, -1. */
int store_web_session_get(struct store *, const char *token_hash,
    struct store_web_session *out) __attribute__((warn_unused_result));
int store_web_session_touch(struct store *, const char *token_hash,
    int64_t now) __attribute__((warn_unused_result));
int store_web_session_delete(struct store *, const char *token_hash)
    __attribute__((warn_unused_result));
/* Ends every session of a user (password changed, account disabled). */
int store_web_session_delete_user(struct store *, int64_t user_id)
    __attribute__((warn_unused_result));
/* Deletes sessions idle since before idle_before or created before
 * created_before. */
int store_web_session_prune(struct store *, int64_t idle_before,
    int64_t created_before) __attribute__((warn_unused_result));
/* Wrong passwords counted for key and the time of the last: 0 or -1. */
int store_login_failures(struct store *, const char *key, int64_t *failures,
    int64_t *last_at) __attribute__((warn_unused_result));
int store_login_fail(struct store *, const char *key, int64_t now)
    __attribute__((warn_unused_result));
int store_login_reset(struct store *, const char *key)
    __attribute__((warn_unused_result));

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
 * means created_at; out->channel is ignored.  -1 if the text is not valid
 * UTF-8 or there is no recipient. */
int store_outbox_add(struct store *, struct store_outbound *out)
    __attribute__((warn_unused_result));
/* Queues the same text to each of n recipients (alerts, digests); 0, or
 * -1 at the first failure. */
int store_outbox_add_each(struct store *, char *const *recipients, size_t n,
    const char *text, int priority, int64_t now)
    __attribute__((warn_unused_result));
/*
 * Picks the next message channel `name` should send at `now`: queued, due,
 * and hinted to this channel, unhinted, or hinted to a channel listed in
 * `down` (NULL-terminated).  Highest priority first, then oldest.  Marks
 * it SENDING on this channel and fills *out.  Returns 1 if one was taken,
 * 0 if none, -1 on error.
 */
int store_outbox_take(struct store *, const char *name,
    const char *const *down, int64_t now, struct store_outbound *out);
/* As store_outbox_take, taking only messages of priority <= max_priority
 * (max_priority < 0: any), so that bulk can be held back. */
int store_outbox_take_upto(struct store *, const char *name,
    const char *const *down, int64_t now, int max_priority,
    struct store_outbound *out);
/* Records the result of a SENDING message; each result counts one
 * attempt.  On success: SENT, sent_at = now, parts (if > 0) and mr (if
 * >= 0) stored.  On failure the message goes back to QUEUED with
 * next_attempt_at = now + retry_base_s * 2^(attempts-1) s (attempts
 * counting this one; capped at one hour), or to FAILED when permanent or
 * attempts >= max_attempts.  A result for a row that was requeued in the
 * meantime is still recorded (the channel did send it); a result for a row
 * in any other state, or an unknown id, is logged and ignored (0). */
int store_outbox_result(struct store *, int64_t id, int ok, int parts, int mr,
    const char *error, int permanent, int64_t now, int retry_base_s,
    int max_attempts);
/* Returns SENDING messages to QUEUED (after a crash or a dead worker);
 * channel NULL means all channels.  Does not count an attempt. */
int store_outbox_requeue_sending(struct store *, const char *channel);
/* Marks QUEUED messages created before `before` EXPIRED; *n_out = count. */
int store_outbox_expire(struct store *, int64_t before, int *n_out);
/* Matches a delivery report to the newest SENT message to recipient with
 * that TP-MR sent at most 3 days before `at` (10 minutes of clock skew
 * allowed after it), by that channel unless channel is NULL; sets DELIVERED
 * or UNDELIVERED and delivered_at = at.  1 if matched, 0 if not. */
int store_outbox_report(struct store *, const char *channel,
    const char *recipient, int mr, int delivered, int64_t at);
/* Counts QUEUED and SENDING messages (for status); channel NULL = all.
 * For one channel, queued counts the messages hinted to it and sending
 * those it is sending.  Either out pointer may be NULL. */
int store_outbox_depth(struct store *, const char *channel, int64_t *queued,
    int64_t *sending);
/* Alerts (priority <= STORE_PRIO_ALERT) queued and not yet taken by a
 * channel: how many, and the created_at of the oldest (0 if none). */
int store_outbox_alerts_waiting(struct store *, int64_t *n,
    int64_t *oldest) __attribute__((warn_unused_result));
/* Newest first; at most limit rows (0 = all); as store_inbound_list. */
int store_outbox_list(struct store *, int limit, store_outbound_cb *, void *);
void store_outbound_clear(struct store_outbound *);
const char *store_out_strstate(int state);

/* store_privacy.c */
/* Blanks the text of an inbound message (rejected or sensitive input). */
int store_inbound_forget(struct store *, int64_t id)
    __attribute__((warn_unused_result));
/* Blanks the sender ('') and the text of an inbound message (a refused
 * stranger's). */
int store_inbound_forget_sender(struct store *, int64_t id)
    __attribute__((warn_unused_result));
/* Deletes phone's contact row if it was created at or after `since` (by
 * the message being handled); an older contact is kept. */
int store_contact_forget_new(struct store *, const char *phone,
    int64_t since) __attribute__((warn_unused_result));
/* Marks the replies to inbound message inbound_id: their recipient is
 * blanked by store_outbox_forget_done once they are no longer queued or
 * sending. */
int store_outbox_forget_after_send(struct store *, int64_t inbound_id)
    __attribute__((warn_unused_result));
/* Blanks the recipients so marked that are done (*n_out of them) and
 * drops the marks with nothing left to blank. */
int store_outbox_forget_done(struct store *, int *n_out)
    __attribute__((warn_unused_result));

/* store_flood.c: per-sender reply limits, the gateway's settings */
struct store_flood {
	int64_t window_start;	/* ms: the hour being counted began */
	int count;		/* messages answered in that window */
	int64_t silenced_until; /* ms; 0 or past = not silenced */
};
/* 1 and *out if phone has a row, 0 if not (*out zeroed), -1. */
int store_flood_get(struct store *, const char *phone,
    struct store_flood *out) __attribute__((warn_unused_result));
int store_flood_put(struct store *, const char *phone,
    const struct store_flood *, int64_t now)
    __attribute__((warn_unused_result));
/* Deletes rows not updated since `before` whose silence is over by then. */
int store_flood_prune(struct store *, int64_t before)
    __attribute__((warn_unused_result));
/* A gateway setting: 1 and *value (caller frees), 0 if unset, -1. */
int store_state_get(struct store *, const char *key, char **value)
    __attribute__((warn_unused_result));
int store_state_put(struct store *, const char *key, const char *value,
    int64_t now) __attribute__((warn_unused_result));

/* store_contacts.c */
/* Finds or creates the contact for phone; default_lang (NULL = "ro") for
 * new ones.  The setters below also create a missing contact. */
int store_contact_get(struct store *, const char *phone,
    const char *default_lang, struct store_contact *out);
/* Looks a contact up without creating it: 1 found (*out filled), 0 not
 * found, -1 on error. */
int store_contact_find(struct store *, const char *phone,
    struct store_contact *out);
int store_contact_set_channel(struct store *, const char *phone,
    const char *channel, int64_t now);
int store_contact_set_language(struct store *, const char *phone,
    const char *lang);
int store_contact_set_opt_out(struct store *, const char *phone, int out);
void store_contact_clear(struct store_contact *);

/* store_channels.c: one row per outbound channel (a modem today) */
/* Inserts or updates the row of channel name (NULL fields unchanged; error
 * "" clears the error).  State "up" also sets last_seen; so do the health,
 * balance and sent-count updates. */
int store_channel_set_state(struct store *, const char *name,
    const char *state, const char *error, int64_t now);
int store_channel_set_health(struct store *, const char *name,
    int signal_percent, const char *network, int64_t now);
/* Balance NAN records "could not read". */
int store_channel_set_balance(struct store *, const char *name, double balance,
    int64_t now);
/* Adds parts to today's sent count (resetting on a new UTC day) and
 * returns the new count in *today. */
int store_channel_count_sent(struct store *, const char *name, int parts,
    int64_t now, int *today);
/* Every channel row ever written, by name. */
int store_channel_list(struct store *, store_channel_cb *, void *);
void store_channel_row_clear(struct store_channel_row *);

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
	char *seen_text;	/* "LEN:HASH" of each step of the last text
				 * answered, space-separated, the whole
				 * text's last (flows/flow_ussd.c) */
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
/* Forgets one USSD session (a refused stranger's: nothing of it kept). */
int store_ussd_delete(struct store *, const char *session_id)
    __attribute__((warn_unused_result));
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

/* store_backup.c: copies of the database, and putting one back */
/* Tables whose rows a backup reports (a missing one counts -1). */
#define STORE_BACKUP_TABLES 6
extern const char *const store_backup_tables[STORE_BACKUP_TABLES];
struct store_backup_info {
	int64_t bytes;	/* size of the backup file */
	int pages;	/* database pages copied */
	int steps;	/* backup steps it took */
	int64_t rows[STORE_BACKUP_TABLES]; /* of store_backup_tables[] */
};
/*
 * Copies the database to path with SQLite's online backup API, as it was
 * when the call began (a read transaction holds the snapshot; the daemon
 * goes on writing), through path.tmp (mode 0640), fsynced, renamed.  An
 * existing path is an error unless force.  Call outside a transaction.
 * 0 with *info, or -1 with err (path untouched).
 */
int store_backup(struct store *, const char *path, int force,
    struct store_backup_info *info, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* 1 if this program knows the migration called name. */
typedef int store_migration_known_cb(const char *name, void *arg);
/* Checks that path is a Stafeta database this program can run:
 * integrity_check ok, schema_migrations present, every name in it
 * known.  0 with *n_migrations, or -1 with err. */
int store_restore_check(const char *path, store_migration_known_cb *known,
    void *arg, int64_t *n_migrations, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/*
 * Replaces the database db by a checked copy of file.  The current
 * database and its -wal are kept as db.before-restore-STAMP (its name in
 * *kept, caller frees; NULL if there was none), a stale -shm removed.
 * No process may have db open: the caller holds the state directory lock.
 */
int store_restore(const char *db, const char *file, const char *stamp,
    store_migration_known_cb *known, void *arg, char **kept, char *err,
    size_t errlen) __attribute__((warn_unused_result));

/* store_migrate.c */
/* 1 if name is one of the core migrations, else 0. */
int store_migration_core_known(const char *name);

/* store_purge.c: retention of the core data classes */
enum store_purge_class {
	STORE_PURGE_INBOUND = 0, /* received messages (raw texts) */
	STORE_PURGE_OUTBOX,	 /* sent, delivered, failed, expired rows */
	STORE_PURGE_SESSIONS,	 /* dialogue sessions no longer active */
	STORE_PURGE_TOMBSTONES,	 /* "your dialogue expired" markers */
	STORE_PURGE_USSD,	 /* USSD aggregator sessions */
	STORE_PURGE_DEDUP,	 /* dedup keys of parts read */
	STORE_PURGE_QUARANTINE,	 /* quarantined SIM slots (when present) */
	STORE_PURGE_AUDIT,	 /* the access log (only with audit_years) */
	STORE_PURGE_N,
};
const char *store_purge_name(int cls);
/* Rows of cls older than before (ms) in *n; *n = -1 if this database has
 * no table for the class.  Read only. */
int store_purge_count(struct store *, int cls, int64_t before, int64_t *n)
    __attribute__((warn_unused_result));
/* Deletes up to batch such rows in the caller's transaction. */
int store_purge_batch(struct store *, int cls, int64_t before, int batch,
    int64_t *deleted) __attribute__((warn_unused_result));
/* Deletes such rows in batches, each in a transaction of its own (call
 * outside a transaction), at most max_batches (0 = until none is left);
 * *more = 1 if rows may remain. */
int store_purge_run(struct store *, int cls, int64_t before, int batch,
    int max_batches, int64_t *deleted, int *more)
    __attribute__((warn_unused_result));

/* store_sqlite.c: 1 while a transaction is open on this handle (an I/O
 * error or a full disk may have ended the caller's one), else 0. */
int store_in_transaction(const struct store *);

#endif /* STAFETA_STORE_H */
