/*
 * flow.h - the flow engine: dialogue flows loaded from files, sessions
 * per contact and channel persisted in the store, the actions flows call
 * for what a flow file cannot say, and the runner of due work
 * (flow_due.c).  The engine knows no service: services live in the
 * subfolders (flows/NAME/, see service.h), ship their flow files there,
 * and hand the engine their actions with their state.
 *
 * The gateway hands every inbound SMS text and every USSD request to
 * flow_engine_inbound() inside its own store transaction; the engine
 * advances the contact's session, writes it back, and returns the reply
 * text (and, for USSD, whether the session ends).  Messages to other
 * people (SPAS alerts, ...) are queued by actions through the store.
 *
 * Ownership: the engine owns loaded flow definitions; a running session
 * keeps a reference to the definition version it started with, so a
 * reload never changes a dialogue under a user's feet.  Strings in
 * struct flow_reply are owned by it and freed by flow_reply_clear().
 */
#ifndef STAFETA_FLOW_H
#define STAFETA_FLOW_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_due;
struct gw_config;
struct flow_engine;
struct flow_session;
struct buf;

enum flow_channel {
	FLOW_CHANNEL_SMS = 0,
	FLOW_CHANNEL_USSD,
};

struct flow_reply {
	char *text;	  /* reply to the sender, NULL = send nothing */
	int end;	  /* USSD: 1 = END (session over), 0 = CON */
	int forget_input; /* 1: the inbound text must not be kept (the
			   * gateway blanks the stored inbound row) */
	int forget_sender; /* 1: nothing of the sender may be kept (a
			    * refused stranger): the gateway blanks the
			    * inbound sender, drops a contact created for
			    * this message, and blanks the reply's
			    * recipient once it is sent */
};

/* What a built-in action sees.  Everything is borrowed for the call. */
struct flow_action_ctx {
	void *service;			/* state of the service that provides
					 * the action (flow_action_set) */
	struct store *store;		/* inside the caller's transaction */
	const struct gw_config *conf;
	const char *phone;		/* the contact */
	enum flow_channel channel;
	const char *language;		/* contact language: ro, hu, en */
	const char *text;		/* the inbound text being handled */
	int64_t now;			/* ms */
	struct flow_session *session;	/* fields: flow_session_get/set */
	struct buf *reply;		/* append reply text here */
	int forget_sender;		/* set to 1 for a refused stranger
					 * (flow_reply.forget_sender) */
	int forget_input;		/* set to 1 so the raw inbound text is
					 * not kept (rejected or sensitive) */
};

/*
 * A built-in action returns an outcome name ("ok", "error", ...) that the
 * flow may branch on, or NULL on an internal error (the engine then
 * replies with a generic apology and logs).  Returned strings are static.
 */
typedef const char *flow_action_fn(struct flow_action_ctx *);

struct flow_action {
	const char *name;    /* as written in flow files */
	flow_action_fn *fn;
};

/* The actions one service provides, with the state they run on.  The
 * engine copies the array; tables and states stay the caller's. */
struct flow_action_set {
	const struct flow_action *actions; /* NULL-name terminated */
	void *state;			   /* becomes ctx->service */
};

/* flow_engine.c */
/* Loads the flows of conf's flows_dir; the actions are the engine's
 * built-ins plus the n sets given (a name defined twice is an error). */
struct flow_engine *flow_engine_new(const struct gw_config *,
    const struct flow_action_set *sets, size_t n, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Reloads flow files with the (new) configuration and action sets; on
 * error keeps the old set, the old actions and the old configuration
 * pointer, and fills err. */
int flow_engine_reload(struct flow_engine *, const struct gw_config *,
    const struct flow_action_set *sets, size_t n, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void flow_engine_free(struct flow_engine *);
/* Handles one inbound text; see file comment. */
int flow_engine_inbound(struct flow_engine *, struct store *,
    enum flow_channel, const char *phone, const char *text, int64_t now,
    struct flow_reply *out) __attribute__((warn_unused_result));
/* Re-prompts and expires waiting sessions due at now; queues SMS.  Runs
 * inside the caller's transaction and handles at most a batch (64) of due
 * sessions per call; 0 or -1. */
int flow_engine_tick(struct flow_engine *, struct store *, int64_t now);
/* Starts flow for phone from the system side (polls, reminders);
 * honours opt-out.  1 = started, 0 = skipped (opted out), -1 = error.
 * Call it inside the caller's transaction; the first message is queued
 * at STORE_PRIO_BULK.  A contact busy in a flow that says "when busy:
 * ignore" is skipped (0) rather than interrupted. */
int flow_engine_start(struct flow_engine *, struct store *, const char *flow,
    const char *phone, enum flow_channel, int64_t now);
void flow_reply_clear(struct flow_reply *);

/* flow_due.c: the persistent scheduler's runner (docs/scheduler.md)
 *
 * Work due at a time lives in the store's due table (store_due_*), one
 * row per owner + key, put by the owner when the work arises (and by a
 * one-time backfill for rows older versions never wrote).  An owner's
 * tick calls flow_due_run inside its own transaction; each item runs in
 * a savepoint: done, rescheduled or failed together with its work.
 *
 * Wall-clock rule (downtime, or a box that booted without time and then
 * jumps forward by days or months on NTP, or jumps back):
 *   1. Nothing is caught up period by period: an item runs at most once
 *      per run, however late.  A recurring item (the daily digest) is
 *      rescheduled from now to its next future occurrence, never from
 *      its old due time, so a month of missed days gives one digest.
 *   2. One row per subject: the steps of one subject (a sheet's 24 h and
 *      48 h alerts) share a row whose time is advanced; a late row does
 *      only the most recent step that is due and skips the earlier ones.
 *   3. An item more than FLOW_DUE_GRACE_MS late is stale: the handler is
 *      told, and a one-shot whose message is no longer true (an alert
 *      "24 h left" after the deadline passed) is dropped with a log line
 *      instead of being sent.
 *   4. A backward jump never repeats work: a done item's row is gone and
 *      its effect recorded by the owner (flags, the digest's day); a
 *      recurring row is never left further ahead than its next
 *      occurrence from now (the owner re-anchors it at tick).
 * A handler asking to run again at or before now is moved to now + 1
 * min.  A failing handler's writes are undone, attempts + 1 and the
 * error are stored, and the item is retried after 1, 2, 4 ... 60 min.
 */
#define FLOW_DUE_GRACE_MS (6 * 3600 * 1000LL)

enum flow_due_result {
	FLOW_DUE_DONE = 0,  /* work done or dropped: the row is deleted */
	FLOW_DUE_AGAIN = 1, /* run again at item->next */
};

/* One item as its handler sees it. */
struct flow_due_item {
	const struct store_due *due; /* the row (borrowed) */
	int64_t now;		     /* ms */
	int64_t late_ms;	     /* now - due_at, >= 0 */
	int stale;		     /* late_ms > FLOW_DUE_GRACE_MS */
	int64_t next;		     /* OUT: for FLOW_DUE_AGAIN, > now */
	char err[128];		     /* OUT: why, on -1 (no phone numbers) */
};

/* Does the work of one item inside the caller's transaction:
 * FLOW_DUE_DONE, FLOW_DUE_AGAIN, or -1 (its writes are undone). */
typedef int flow_due_cb(struct store *, struct flow_due_item *, void *arg);

/* Runs up to max items of owner due at now, earliest first.  0, or -1
 * if the store failed (roll the transaction back); a failing handler is
 * not an error here (see above). */
int flow_due_run(struct store *, const char *owner, int64_t now,
    flow_due_cb *, void *arg, size_t max)
    __attribute__((warn_unused_result));
/* Local time (ms) of minute (after midnight) on the day of now +
 * day_offset days; for daily items. */
int64_t flow_due_daily_at(int64_t now, int minute, int day_offset);

/* What `stafeta flow list` shows about one loaded flow (borrowed). */
struct flow_info {
	const char *name;
	const char *title;		  /* NULL if none */
	const char *file;
	const char *version;		  /* hash of the file */
	const char *const *keywords;	  /* normalised */
	size_t nkeywords;
	const char *const *ussd_codes;	  /* service codes, "any" */
	size_t nussd_codes;
	int catch_all;
	int channels;			  /* bits 1 << enum flow_channel */
	size_t steps;
};

/*
 * Dialogues started and completed per flow, counted in memory as the
 * engine handles them since it was created (a reload keeps them).  A
 * dialogue completes one way: it reached its end (an end step, the last
 * step, or a `start` step handing over to another flow), was cancelled
 * (GATA/STOP, another flow's keyword, a new USSD dial), expired (no
 * answer within its expiry, or a broken-off USSD dialogue that does not
 * go on by SMS), or ended on an error.  A USSD dialogue that goes on by
 * SMS is still the same dialogue.  The counts are taken inside the
 * caller's transaction, so one the caller rolls back stays counted.
 */
enum flow_how {
	FLOW_HOW_END = 0,
	FLOW_HOW_CANCEL,
	FLOW_HOW_EXPIRED,
	FLOW_HOW_ERROR,
	FLOW_HOW_N,
};

struct flow_stats {
	const char *flow; /* flow name (borrowed from the engine) */
	uint64_t started;
	uint64_t completed[FLOW_HOW_N];
};

/* Fills out with the i-th flow counted so far (in first-count order);
 * 0, or -1 past the end. */
int flow_engine_stats(const struct flow_engine *, size_t i,
    struct flow_stats *out);
/* "end", "cancel", "expired", "error". */
const char *flow_strhow(enum flow_how);

/* Fills out for the i-th flow of the current set; 0, or -1 past the end. */
int flow_engine_info(const struct flow_engine *, size_t i,
    struct flow_info *out);
/* Loads every flow of dir without an engine and appends "file:line:
 * message" lines to errors and warnings (either may be NULL); a step
 * calling an action none of the n sets (nor the engine) provides is a
 * warning.  Returns the number of errors. */
int flow_check_dir(const char *dir, const struct flow_action_set *sets,
    size_t n, struct buf *errors, struct buf *warnings);

/* flow_ussd.c: the USSD aggregator convention (see docs/flows.md) */
#define FLOW_USSD_BODY_MAX 4096 /* bytes of a request body */

/* One parsed callback.  text holds the answers joined by '*'. */
struct flow_ussd_request {
	char session_id[65];	/* sessionId, printable ASCII */
	char service_code[41];	/* serviceCode, digits * # (may be "") */
	char phone[24];		/* phoneNumber, normalised to E.164 */
	char text[FLOW_USSD_BODY_MAX]; /* text, UTF-8, may be "" */
	/* Conventions that send only the newest answer (gateway/
	 * gw_ussd_adapt.c): text is that answer alone, is_new marks the
	 * dialling request.  0 for the joined-text convention. */
	int input_only;
	int is_new;
};

/* Percent-decodes s[0..n) into out (size cap, NUL-terminated, length in
 * *outlen); '+' is a space.  Refuses bad escapes, overflow, and NUL bytes
 * unless allow_nul (a binary value whose length the caller uses): 0 or -1.
 * Shared by every form-encoded reader (the USSD conventions). */
int flow_form_decode(const char *s, size_t n, char *out, size_t cap,
    size_t *outlen, int allow_nul) __attribute__((warn_unused_result));
/* 1 if s is an aggregator session id Stafeta accepts: 1 to 64 of
 * [A-Za-z0-9-_.:], else 0. */
int flow_ussd_session_id_valid(const char *s);
/* Parses an application/x-www-form-urlencoded body (pure: no I/O).
 * 0, or -1 with a reason for a 400 answer in err. */
int flow_ussd_parse(const char *body, size_t len,
    struct flow_ussd_request *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/*
 * Answers one USSD request inside the caller's transaction: a retried
 * request gets the stored answer again, "99" pages through a long screen,
 * anything else goes to the contact's USSD session.  out->text is the
 * whole response body, "CON ..." or "END ..."; out->end is 1 for END.
 */
int flow_engine_ussd(struct flow_engine *, struct store *,
    const struct flow_ussd_request *, int64_t now, struct flow_reply *out)
    __attribute__((warn_unused_result));

/*
 * An aggregator's end-of-session notification for session_id, inside the
 * caller's transaction: the aggregator session is marked ended and, if
 * the person left a dialogue waiting for an answer, that dialogue is
 * handled at once as a break-off (continue by SMS, or expired), without
 * waiting for ussd_timeout_s.  1 if a waiting dialogue was broken off
 * (abandoned), 0 if there was none (already ended, or unknown session),
 * -1 on a store error.
 */
int flow_engine_ussd_end(struct flow_engine *, struct store *,
    const char *session_id, int64_t now) __attribute__((warn_unused_result));

/* flow_session.c */
const char *flow_session_get(const struct flow_session *, const char *key);
void flow_session_set(struct flow_session *, const char *key,
    const char *value);

/* flow_text.c */
/*
 * Normalises user input for matching: UTF-8 in, ASCII upper case out,
 * Romanian/Hungarian diacritics folded (ă â î ș ş ț ţ ó ö ő ú ü ű é á í),
 * punctuation and separators to single spaces, trimmed.  Returns a new
 * string; caller frees.
 */
char *flow_text_normalize(const char *utf8);
/* Damerau-Levenshtein distance <= 1 between two normalised words. */
int flow_text_one_typo(const char *a, const char *b);

#endif /* STAFETA_FLOW_H */
