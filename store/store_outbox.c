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
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "gsm_text.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#define OUTBOX_BACKOFF_MAX_MS (3600 * 1000LL)
/* The SMSC clock and ours may disagree by a few minutes. */
#define OUTBOX_REPORT_SKEW_MS (10 * 60 * 1000LL)
#define OUTBOX_REPORT_WINDOW_MS (3 * 86400 * 1000LL)
/* Separates names in the `down` list bound to take_sql; channel names are
 * [A-Za-z0-9_-] (config.h), so it cannot occur inside one. */
#define OUTBOX_NAME_SEP "\x1f"

static void outbound_from_row(sqlite3_stmt *, struct store_outbound *);
static int64_t outbox_backoff_ms(int attempts, int retry_base_s);

#define OUTBOX_COLS                                                   \
	"id, created_at, channel, channel_hint, recipient, text, priority," \
	" state, attempts, parts, next_attempt_at, sent_at, mr, error," \
	" in_reply_to, delivered_at"

static const char add_sql[] =
    "INSERT INTO outbox (created_at, channel_hint, recipient, text, priority,"
    " state, attempts, parts, next_attempt_at, in_reply_to)"
    " VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6, ?7, ?8)";
/*
 * One statement, so no other connection can take the same row between
 * choosing and marking it.  The subquery walks the index outbox_queue
 * in sending order.
 */
static const char take_sql[] =
    "UPDATE outbox SET state = 1, channel = ?1"
    " WHERE id = (SELECT id FROM outbox"
    "  WHERE state = 0 AND next_attempt_at <= ?2"
    "   AND (channel_hint IS NULL OR channel_hint = ?1"
    "    OR instr(?3, char(31) || channel_hint || char(31)) > 0)"
    "  ORDER BY priority, created_at, id LIMIT 1)"
    " RETURNING " OUTBOX_COLS;
/* take_sql with a priority ceiling (?4): bulk held back on PAUSE. */
static const char take_upto_sql[] =
    "UPDATE outbox SET state = 1, channel = ?1"
    " WHERE id = (SELECT id FROM outbox"
    "  WHERE state = 0 AND next_attempt_at <= ?2 AND priority <= ?4"
    "   AND (channel_hint IS NULL OR channel_hint = ?1"
    "    OR instr(?3, char(31) || channel_hint || char(31)) > 0)"
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
    " AND (?1 IS NULL OR channel = ?1)";
static const char expire_sql[] =
    "UPDATE outbox SET state = 5, error = 'expired'"
    " WHERE state = 0 AND created_at < ?1";
static const char report_sql[] =
    "UPDATE outbox SET state = CASE WHEN ?5 THEN 3 ELSE 6 END,"
    " delivered_at = ?4"
    " WHERE id = (SELECT id FROM outbox"
    "  WHERE recipient = ?1 AND mr = ?2 AND state = 2"
    "   AND (?3 IS NULL OR channel = ?3)"
    "   AND sent_at >= ?4 - ?6 AND sent_at <= ?4 + ?7"
    "  ORDER BY sent_at DESC, id DESC LIMIT 1)";
static const char depth_sql[] =
    "SELECT sum(state = 0 AND (?1 IS NULL OR channel_hint = ?1)),"
    " sum(state = 1 AND (?1 IS NULL OR channel = ?1))"
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
	sqlite3_stmt *stmt;
	int parts;

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
	stmt = store_stmt(st, add_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, out->created_at);
	store_bind_text(stmt, 2, out->channel_hint);
	store_bind_text(stmt, 3, out->recipient);
	store_bind_text(stmt, 4, out->text != NULL ? out->text : "");
	sqlite3_bind_int(stmt, 5, out->priority);
	sqlite3_bind_int(stmt, 6, parts);
	sqlite3_bind_int64(stmt, 7, out->next_attempt_at);
	store_bind_opt_i64(stmt, 8, out->in_reply_to);
	if (store_exec_stmt(st, stmt, "outbox add") == -1)
		return -1;
	out->id = sqlite3_last_insert_rowid(st->db);
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
outbound_from_row(sqlite3_stmt *stmt, struct store_outbound *out)
{
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(stmt, 0);
	out->created_at = sqlite3_column_int64(stmt, 1);
	out->channel = store_col_strdup(stmt, 2);
	out->channel_hint = store_col_strdup(stmt, 3);
	out->recipient = store_col_strdup(stmt, 4);
	out->text = store_col_strdup(stmt, 5);
	out->priority = sqlite3_column_int(stmt, 6);
	out->state = sqlite3_column_int(stmt, 7);
	out->attempts = sqlite3_column_int(stmt, 8);
	out->parts = sqlite3_column_int(stmt, 9);
	out->next_attempt_at = sqlite3_column_int64(stmt, 10);
	out->sent_at = sqlite3_column_int64(stmt, 11);
	if (sqlite3_column_type(stmt, 12) == SQLITE_NULL)
		out->mr = -1;
	else
		out->mr = sqlite3_column_int(stmt, 12);
	out->error = store_col_strdup(stmt, 13);
	out->in_reply_to = sqlite3_column_int64(stmt, 14);
	out->delivered_at = sqlite3_column_int64(stmt, 15);
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
	sqlite3_stmt *stmt;
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
	stmt = store_stmt(st, max_priority < 0 ? take_sql : take_upto_sql);
	if (stmt == NULL)
		goto done;
	store_bind_text(stmt, 1, name);
	sqlite3_bind_int64(stmt, 2, now);
	store_bind_text(stmt, 3, names.len > 0 ? names.data : NULL);
	if (max_priority >= 0)
		sqlite3_bind_int(stmt, 4, max_priority);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		outbound_from_row(stmt, out);
		rc = sqlite3_step(stmt);
		ret = 1;
	} else {
		ret = 0;
	}
	if (rc != SQLITE_DONE) {
		store_log_error(st, "outbox take");
		if (ret == 1)
			store_outbound_clear(out);
		ret = -1;
	}
	store_stmt_done(stmt);
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
	sqlite3_stmt *stmt;
	int attempts, state, next;

	stmt = store_stmt(st, attempts_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	switch (sqlite3_step(stmt)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		store_stmt_done(stmt);
		log_warnx("msg %lld: result for a message not in the outbox",
		    (long long)id);
		return 0;
	default:
		store_log_error(st, "outbox result");
		store_stmt_done(stmt);
		return -1;
	}
	attempts = sqlite3_column_int(stmt, 0) + 1;
	state = sqlite3_column_int(stmt, 1);
	store_stmt_done(stmt);
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
		stmt = store_stmt(st, sent_sql);
		if (stmt == NULL)
			return -1;
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_int(stmt, 2, parts);
		if (mr >= 0)
			sqlite3_bind_int(stmt, 3, mr);
		sqlite3_bind_int64(stmt, 4, now);
		return store_exec_stmt(st, stmt, "outbox sent");
	}
	if (max_attempts < 1)
		max_attempts = 1;
	if (permanent || attempts >= max_attempts)
		next = STORE_OUT_FAILED;
	else
		next = STORE_OUT_QUEUED;
	stmt = store_stmt(st, failed_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int(stmt, 2, next);
	sqlite3_bind_int(stmt, 3, attempts);
	sqlite3_bind_int64(stmt, 4, next == STORE_OUT_QUEUED ?
	    now + outbox_backoff_ms(attempts, retry_base_s) : now);
	store_bind_text(stmt, 5, error != NULL && error[0] != '\0' ? error :
	    "send failed");
	return store_exec_stmt(st, stmt, "outbox failed");
}

int
store_outbox_requeue_sending(struct store *st, const char *channel)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, requeue_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, channel);
	return store_exec_stmt(st, stmt, "outbox requeue");
}

int
store_outbox_expire(struct store *st, int64_t before, int *n_out)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, expire_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, before);
	if (store_exec_stmt(st, stmt, "outbox expire") == -1)
		return -1;
	if (n_out != NULL)
		*n_out = sqlite3_changes(st->db);
	return 0;
}

int
store_outbox_report(struct store *st, const char *channel,
    const char *recipient, int mr, int delivered, int64_t at)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, report_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, recipient);
	sqlite3_bind_int(stmt, 2, mr);
	store_bind_text(stmt, 3, channel);
	sqlite3_bind_int64(stmt, 4, at);
	sqlite3_bind_int(stmt, 5, delivered != 0);
	sqlite3_bind_int64(stmt, 6, OUTBOX_REPORT_WINDOW_MS);
	sqlite3_bind_int64(stmt, 7, OUTBOX_REPORT_SKEW_MS);
	if (store_exec_stmt(st, stmt, "outbox report") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_outbox_depth(struct store *st, const char *channel, int64_t *queued,
    int64_t *sending)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, depth_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, channel);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		store_log_error(st, "outbox depth");
		store_stmt_done(stmt);
		return -1;
	}
	if (queued != NULL)
		*queued = sqlite3_column_int64(stmt, 0);
	if (sending != NULL)
		*sending = sqlite3_column_int64(stmt, 1);
	store_stmt_done(stmt);
	return 0;
}

int
store_outbox_alerts_waiting(struct store *st, int64_t *n, int64_t *oldest)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, alerts_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, STORE_PRIO_ALERT);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		store_log_error(st, "outbox alerts");
		store_stmt_done(stmt);
		return -1;
	}
	*n = sqlite3_column_int64(stmt, 0);
	*oldest = sqlite3_column_int64(stmt, 1);
	store_stmt_done(stmt);
	return 0;
}

struct outbox_walk {
	store_outbound_cb *cb;
	void *arg;
};

static int
outbox_walk_row(sqlite3_stmt *stmt, void *p)
{
	struct outbox_walk *w = p;
	struct store_outbound out;
	int stop;

	outbound_from_row(stmt, &out);
	stop = w->cb(&out, w->arg);
	store_outbound_clear(&out);
	return stop;
}

int
store_outbox_list(struct store *st, int limit, store_outbound_cb *cb,
    void *arg)
{
	struct outbox_walk w = { cb, arg };
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, list_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, limit > 0 ? limit : -1);
	return store_walk(st, stmt, outbox_walk_row, &w, "outbox list");
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
