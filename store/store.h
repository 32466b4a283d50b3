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
/* Queues a message; counts its parts; fills out->id and out->parts. */
int store_outbox_add(struct store *, struct store_outbound *out)
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
/* Records the result of a SENDING message.  On failure the message goes
 * back to QUEUED with next_attempt_at = now + base*2^attempts, or to
 * FAILED when permanent or attempts >= max_attempts. */
int store_outbox_result(struct store *, int64_t id, int ok, int parts, int mr,
    const char *error, int permanent, int64_t now, int retry_base_s,
    int max_attempts);
/* Returns SENDING messages to QUEUED (after a crash or a dead worker);
 * modem NULL means all modems.  Does not count an attempt. */
int store_outbox_requeue_sending(struct store *, const char *modem);
/* Marks QUEUED messages created before `before` EXPIRED; *n_out = count. */
int store_outbox_expire(struct store *, int64_t before, int *n_out);
/* Matches a delivery report to the newest SENT message to recipient with
 * that TP-MR sent at most 3 days before `at`; 1 if matched, 0 if not. */
int store_outbox_report(struct store *, const char *modem,
    const char *recipient, int mr, int delivered, int64_t at);
/* Counts QUEUED and SENDING messages (for status); modem NULL = all. */
int store_outbox_depth(struct store *, const char *modem, int64_t *queued,
    int64_t *sending);
int store_outbox_list(struct store *, int limit, store_outbound_cb *, void *);
void store_outbound_clear(struct store_outbound *);
const char *store_out_strstate(int state);

/* store_contacts.c */
/* Finds or creates the contact for phone; default_lang for new ones. */
int store_contact_get(struct store *, const char *phone,
    const char *default_lang, struct store_contact *out);
int store_contact_set_modem(struct store *, const char *phone,
    const char *modem, int64_t now);
int store_contact_set_language(struct store *, const char *phone,
    const char *lang);
int store_contact_set_opt_out(struct store *, const char *phone, int out);
void store_contact_clear(struct store_contact *);

/* store_modems.c */
/* Inserts or updates the row of modem name (NULL fields unchanged). */
int store_modem_set_state(struct store *, const char *name,
    const char *state, const char *error, int64_t now);
int store_modem_set_health(struct store *, const char *name,
    int signal_percent, const char *network, int64_t now);
int store_modem_set_balance(struct store *, const char *name, double balance,
    int64_t now);
/* Adds parts to today's sent count (resetting on a new UTC day) and
 * returns the new count in *today. */
int store_modem_count_sent(struct store *, const char *name, int parts,
    int64_t now, int *today);
int store_modem_list(struct store *, store_modem_cb *, void *);
void store_modem_row_clear(struct store_modem_row *);

#endif /* STAFETA_STORE_H */
