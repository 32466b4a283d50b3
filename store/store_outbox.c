/*
 * store_outbox.c - the outbound queue and its state machine:
 *
 *   QUEUED -> SENDING -> SENT -> DELIVERED | UNDELIVERED
 *      ^         |
 *      +---------+ (send error, retry later) -> FAILED after the last try
 *   QUEUED -> EXPIRED (too old to be worth sending)
 *
 * The state column is written only by the statements below.  A message is
 * SENDING from the moment a worker was given it until its result is
 * recorded; after a crash store_outbox_requeue_sending() puts those rows
 * back, so a message stays queued until a channel accepted it.
 *
 * SQL goes through store_sql.h only, in the subset SQLite and PostgreSQL
 * both run: conditions read as values are CASE ... THEN 1 ELSE 0, a
 * parameter whose type only its NULL test would give is cast, window
 * bounds are computed here rather than by adding parameters in SQL, the
 * new id comes back with RETURNING, and "no limit" is the largest int64.
 * The row-claiming UPDATEs repeat the state test outside the subquery,
 * so that under PostgreSQL's READ COMMITTED a row another connection
 * claimed meanwhile is re-checked and skipped rather than claimed twice.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "gsm_text.h"
#include "log.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

#define OUTBOX_BACKOFF_MAX_MS (3600 * 1000LL)
/* The SMSC clock and ours may disagree by a few minutes. */
#define OUTBOX_REPORT_SKEW_MS (10 * 60 * 1000LL)
#define OUTBOX_REPORT_WINDOW_MS (3 * 86400 * 1000LL)
/* Separates names in the `down` list bound to take_sql (which writes it
 * as the literal ','); channel names are [A-Za-z0-9_-] (config.h), so it
 * cannot occur inside one. */
#define OUTBOX_NAME_SEP ","

static void outbound_from_row(struct store_sql *, struct store_outbound *);
static int64_t outbox_backoff_ms(int attempts, int retry_base_s);

#define OUTBOX_COLS                                                   \
	"id, created_at, channel, channel_hint, recipient, text, priority," \
	" state, attempts, parts, next_attempt_at, sent_at, mr, error," \
	" in_reply_to, delivered_at"

static const char add_sql[] =
    "INSERT INTO outbox (created_at, channel_hint, recipient, text, priority,"
    " state, attempts, parts, next_attempt_at, in_reply_to)"
    " VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6, ?7, ?8) RETURNING id";
/*
 * One statement, so no other connection can take the same row between
 * choosing and marking it.  The subquery walks the index outbox_queue
 * in sending order.
 */
static const char take_sql[] =
    "UPDATE outbox SET state = 1, channel = ?1"
    " WHERE state = 0 AND id = (SELECT id FROM outbox"
    "  WHERE state = 0 AND next_attempt_at <= ?2"
    "   AND (channel_hint IS NULL OR channel_hint = ?1"
    "    OR instr(CAST(?3 AS TEXT), ',' || channel_hint || ',') > 0)"
    "  ORDER BY priority, created_at, id LIMIT 1)"
    " RETURNING " OUTBOX_COLS;
/* take_sql with a priority ceiling (?4): bulk held back on PAUSE. */
static const char take_upto_sql[] =
    "UPDATE outbox SET state = 1, channel = ?1"
    " WHERE state = 0 AND id = (SELECT id FROM outbox"
    "  WHERE state = 0 AND next_attempt_at <= ?2 AND priority <= ?4"
    "   AND (channel_hint IS NULL OR channel_hint = ?1"
    "    OR instr(CAST(?3 AS TEXT), ',' || channel_hint || ',') > 0)"
    "  ORDER BY priority, created_at, id LIMIT 1)"
    " RETURNING " OUTBOX_COLS;
static const char attempts_sql[] =
    "SELECT attempts, state FROM outbox WHERE id = ?1";
static const char sent_sql[] =
    "UPDATE outbox SET state = 2, attempts = attempts + 1,"
    " parts = CASE WHEN ?2 > 0 THEN ?2 ELSE parts END, mr = ?3,"
    " sent_at = ?4, error = NULL WHERE id = ?1";
static const char failed_sql[] =
    "UPDATE outbox SET state = ?2, attempts = ?3, next_attempt_at = ?4,"
    " error = ?5 WHERE id = ?1";
static const char requeue_sql[] =
    "UPDATE outbox SET state = 0 WHERE state = 1"
    " AND (CAST(?1 AS TEXT) IS NULL OR channel = ?1)";
static const char expire_sql[] =
    "UPDATE outbox SET state = 5, error = 'expired'"
    " WHERE state = 0 AND created_at < ?1";
/* ?6, ?7: the window of sent_at around ?4 (computed by the caller). */
static const char report_sql[] =
    "UPDATE outbox SET state = CASE WHEN ?5 <> 0 THEN 3 ELSE 6 END,"
    " delivered_at = ?4"
    " WHERE state = 2 AND id = (SELECT id FROM outbox"
    "  WHERE recipient = ?1 AND mr = ?2 AND state = 2"
    "   AND (CAST(?3 AS TEXT) IS NULL OR channel = ?3)"
    "   AND sent_at >= ?6 AND sent_at <= ?7"
    "  ORDER BY sent_at DESC, id DESC LIMIT 1)";
static const char depth_sql[] =
    "SELECT sum(CASE WHEN state = 0 AND (CAST(?1 AS TEXT) IS NULL"
    "   OR channel_hint = ?1) THEN 1 ELSE 0 END),"
    " sum(CASE WHEN state = 1 AND (CAST(?1 AS TEXT) IS NULL"
    "   OR channel = ?1) THEN 1 ELSE 0 END)"
    " FROM outbox WHERE state IN (0, 1)";
static const char alerts_sql[] =
    "SELECT count(*), coalesce(min(created_at), 0) FROM outbox"
    " WHERE state = 0 AND priority <= ?1";
static const char list_sql[] =
    "SELECT " OUTBOX_COLS " FROM outbox ORDER BY id DESC LIMIT ?1";

static const char *const out_state_names[] = {
	[STORE_OUT_QUEUED] = "queued",
	[STORE_OUT_SENDING] = "sending",
	[STORE_OUT_SENT] = "sent",
	[STORE_OUT_DELIVERED] = "delivered",
	[STORE_OUT_FAILED] = "failed",
	[STORE_OUT_EXPIRED] = "expired",
	[STORE_OUT_UNDELIVERED] = "undelivered",
};

const char *
store_out_strstate(int state)
{
	if (state < 0 || (size_t)state >= NELEM(out_state_names))
		return "unknown";
	return out_state_names[state];
}

int
store_outbox_add(struct store *st, struct store_outbound *out)
{
	struct store_sql *q;
	int64_t id;
	int parts, rc;

	parts = gsm_text_parts(out->text != NULL ? out->text : "");
	if (parts < 1) {
		log_warnx("store: outbox add: text is not valid UTF-8");
		return -1;
	}
	if (out->recipient == NULL || out->recipient[0] == '\0') {
		log_warnx("store: outbox add: no recipient");
		return -1;
	}
	if (out->created_at == 0)
		out->created_at = clock_now_ms();
	if (out->next_attempt_at == 0)
		out->next_attempt_at = out->created_at;
	q = store_sql_prepare(st, add_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, out->created_at);
	store_sql_bind_text(q, 2, out->channel_hint);
	store_sql_bind_text(q, 3, out->recipient);
	store_sql_bind_text(q, 4, out->text != NULL ? out->text : "");
	store_sql_bind_int(q, 5, out->priority);
	store_sql_bind_int(q, 6, parts);
	store_sql_bind_int64(q, 7, out->next_attempt_at);
	store_sql_bind_opt_int64(q, 8, out->in_reply_to);
	if (store_sql_step(q, "outbox add") != 1) {
		store_sql_done(q);
		return -1;
	}
	id = store_sql_col_int64(q, 0);
	rc = store_sql_step(q, "outbox add");
	store_sql_done(q);
	if (rc != 0)
		return -1;
	out->id = id;
	out->parts = parts;
	out->state = STORE_OUT_QUEUED;
	out->attempts = 0;
	return 0;
}

int
store_outbox_add_each(struct store *st, char *const *recipients, size_t n,
    const char *text, int priority, int64_t now)
{
	for (size_t i = 0; i < n; i++) {
		struct store_outbound o;

		memset(&o, 0, sizeof(o));
		o.created_at = now;
		o.recipient = recipients[i];
		o.text = (char *)(uintptr_t)text;
		o.priority = priority;
		if (store_outbox_add(st, &o) != 0)
			return -1;
	}
	return 0;
}

static void
outbound_from_row(struct store_sql *q, struct store_outbound *out)
{
	memset(out, 0, sizeof(*out));
	out->id = store_sql_col_int64(q, 0);
	out->created_at = store_sql_col_int64(q, 1);
	out->channel = store_sql_col_strdup(q, 2);
	out->channel_hint = store_sql_col_strdup(q, 3);
	out->recipient = store_sql_col_strdup(q, 4);
	out->text = store_sql_col_strdup(q, 5);
	out->priority = store_sql_col_int(q, 6);
	out->state = store_sql_col_int(q, 7);
	out->attempts = store_sql_col_int(q, 8);
	out->parts = store_sql_col_int(q, 9);
	out->next_attempt_at = store_sql_col_int64(q, 10);
	out->sent_at = store_sql_col_int64(q, 11);
	if (store_sql_col_is_null(q, 12))
		out->mr = -1;
	else
		out->mr = store_sql_col_int(q, 12);
	out->error = store_sql_col_strdup(q, 13);
	out->in_reply_to = store_sql_col_int64(q, 14);
	out->delivered_at = store_sql_col_int64(q, 15);
}

int
store_outbox_take(struct store *st, const char *name,
    const char *const *down, int64_t now, struct store_outbound *out)
{
	return store_outbox_take_upto(st, name, down, now, -1, out);
}

int
store_outbox_take_upto(struct store *st, const char *name,
    const char *const *down, int64_t now, int max_priority,
    struct store_outbound *out)
{
	struct buf names;
	struct store_sql *q;
	size_t i;
	int rc, ret = -1;

	buf_init(&names, 0);
	for (i = 0; down != NULL && down[i] != NULL; i++) {
		if (buf_addstr(&names, OUTBOX_NAME_SEP) == -1 ||
		    buf_addstr(&names, down[i]) == -1)
			goto done;
	}
	if (names.len > 0 && buf_addstr(&names, OUTBOX_NAME_SEP) == -1)
		goto done;
	q = store_sql_prepare(st, max_priority < 0 ? take_sql : take_upto_sql);
	if (q == NULL)
		goto done;
	store_sql_bind_text(q, 1, name);
	store_sql_bind_int64(q, 2, now);
	store_sql_bind_text(q, 3, names.len > 0 ? names.data : NULL);
	if (max_priority >= 0)
		store_sql_bind_int(q, 4, max_priority);
	rc = store_sql_step(q, "outbox take");
	if (rc == 1) {
		outbound_from_row(q, out);
		/* LIMIT 1: the UPDATE is complete after one row. */
		rc = store_sql_step(q, "outbox take");
		ret = 1;
	} else {
		ret = 0;
	}
	if (rc != 0) {
		if (ret == 1)
			store_outbound_clear(out);
		ret = -1;
	}
	store_sql_done(q);
done:
	buf_free(&names);
	return ret;
}

/* Delay before the next try after `attempts` tries: base, 2*base, 4*base,
 * ... capped at an hour. */
static int64_t
outbox_backoff_ms(int attempts, int retry_base_s)
{
	int64_t d;
	int shift;

	if (retry_base_s < 1)
		retry_base_s = 1;
	shift = attempts > 1 ? attempts - 1 : 0;
	if (shift > 20)
		return OUTBOX_BACKOFF_MAX_MS;
	d = (int64_t)retry_base_s * 1000 * ((int64_t)1 << shift);
	return d < OUTBOX_BACKOFF_MAX_MS ? d : OUTBOX_BACKOFF_MAX_MS;
}

int
store_outbox_result(struct store *st, int64_t id, int ok, int parts, int mr,
    const char *error, int permanent, int64_t now, int retry_base_s,
    int max_attempts)
{
	struct store_sql *q;
	int attempts, state, next;

	q = store_sql_prepare(st, attempts_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	switch (store_sql_step(q, "outbox result")) {
	case 1:
		break;
	case 0:
		store_sql_done(q);
		log_warnx("msg %lld: result for a message not in the outbox",
		    (long long)id);
		return 0;
	default:
		store_sql_done(q);
		return -1;
	}
	attempts = store_sql_col_int(q, 0) + 1;
	state = store_sql_col_int(q, 1);
	store_sql_done(q);
	/*
	 * A result can arrive for a row already put back in the queue (the
	 * worker was declared dead but its send completed): the modem's word
	 * is what happened, so record it, or the message goes out twice.
	 */
	if (state != STORE_OUT_SENDING && state != STORE_OUT_QUEUED) {
		log_warnx("msg %lld: result ignored, message is %s",
		    (long long)id, store_out_strstate(state));
		return 0;
	}
	if (ok) {
		q = store_sql_prepare(st, sent_sql);
		if (q == NULL)
			return -1;
		store_sql_bind_int64(q, 1, id);
		store_sql_bind_int(q, 2, parts);
		if (mr >= 0)
			store_sql_bind_int(q, 3, mr);
		else
			store_sql_bind_null(q, 3);
		store_sql_bind_int64(q, 4, now);
		return store_sql_exec(q, "outbox sent");
	}
	if (max_attempts < 1)
		max_attempts = 1;
	if (permanent || attempts >= max_attempts)
		next = STORE_OUT_FAILED;
	else
		next = STORE_OUT_QUEUED;
	q = store_sql_prepare(st, failed_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_int(q, 2, next);
	store_sql_bind_int(q, 3, attempts);
	store_sql_bind_int64(q, 4, next == STORE_OUT_QUEUED ?
	    now + outbox_backoff_ms(attempts, retry_base_s) : now);
	store_sql_bind_text(q, 5, error != NULL && error[0] != '\0' ? error :
	    "send failed");
	return store_sql_exec(q, "outbox failed");
}

int
store_outbox_requeue_sending(struct store *st, const char *channel)
{
	struct store_sql *q;

	q = store_sql_prepare(st, requeue_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, channel);
	return store_sql_exec(q, "outbox requeue");
}

int
store_outbox_expire(struct store *st, int64_t before, int *n_out)
{
	struct store_sql *q;

	q = store_sql_prepare(st, expire_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, before);
	if (store_sql_exec(q, "outbox expire") == -1)
		return -1;
	if (n_out != NULL)
		*n_out = store_sql_changes(st);
	return 0;
}

int
store_outbox_report(struct store *st, const char *channel,
    const char *recipient, int mr, int delivered, int64_t at)
{
	struct store_sql *q;

	q = store_sql_prepare(st, report_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, recipient);
	store_sql_bind_int(q, 2, mr);
	store_sql_bind_text(q, 3, channel);
	store_sql_bind_int64(q, 4, at);
	store_sql_bind_int(q, 5, delivered != 0);
	store_sql_bind_int64(q, 6, at - OUTBOX_REPORT_WINDOW_MS);
	store_sql_bind_int64(q, 7, at + OUTBOX_REPORT_SKEW_MS);
	if (store_sql_exec(q, "outbox report") == -1)
		return -1;
	return store_sql_changes(st) > 0;
}

int
store_outbox_depth(struct store *st, const char *channel, int64_t *queued,
    int64_t *sending)
{
	struct store_sql *q;

	q = store_sql_prepare(st, depth_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, channel);
	if (store_sql_step(q, "outbox depth") != 1) {
		store_sql_done(q);
		return -1;
	}
	if (queued != NULL)
		*queued = store_sql_col_int64(q, 0);
	if (sending != NULL)
		*sending = store_sql_col_int64(q, 1);
	store_sql_done(q);
	return 0;
}

int
store_outbox_alerts_waiting(struct store *st, int64_t *n, int64_t *oldest)
{
	struct store_sql *q;

	q = store_sql_prepare(st, alerts_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int(q, 1, STORE_PRIO_ALERT);
	if (store_sql_step(q, "outbox alerts") != 1) {
		store_sql_done(q);
		return -1;
	}
	*n = store_sql_col_int64(q, 0);
	*oldest = store_sql_col_int64(q, 1);
	store_sql_done(q);
	return 0;
}

struct outbox_walk {
	store_outbound_cb *cb;
	void *arg;
};

static int
outbox_walk_row(struct store_sql *q, void *p)
{
	struct outbox_walk *w = p;
	struct store_outbound out;
	int stop;

	outbound_from_row(q, &out);
	stop = w->cb(&out, w->arg);
	store_outbound_clear(&out);
	return stop;
}

int
store_outbox_list(struct store *st, int limit, store_outbound_cb *cb,
    void *arg)
{
	struct outbox_walk w = { cb, arg };
	struct store_sql *q;

	q = store_sql_prepare(st, list_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, limit > 0 ? limit : INT64_MAX);
	return store_sql_walk(q, outbox_walk_row, &w, "outbox list");
}

void
store_outbound_clear(struct store_outbound *out)
{
	if (out == NULL)
		return;
	free(out->channel);
	free(out->channel_hint);
	free(out->recipient);
	free(out->text);
	free(out->error);
	memset(out, 0, sizeof(*out));
}
