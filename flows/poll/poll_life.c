/*
 * poll_life.c - a poll's life (polls.md section 3) and the due work of
 * the service tick: DRAFT -> REVIEW -> APPROVED -> INFO_SENT -> OPEN ->
 * CLOSED -> TALLIED -> PUBLISHED -> ARCHIVED.
 *
 * The push is one row per poll + recipient in poll_invites (primary key:
 * a recipient is invited once, also across a kill -9: the row's step,
 * the session and the first SMS are written in one transaction).  A row
 * walks: 0 information message due, 1 invitation due, 2 invited
 * (reminder due), 3 done, 4 thank-you due, 5 thanked, 9 dropped (opted
 * out, capped, closed before its turn).  Its due time is moved to the
 * recipient's next local daytime (R9) and past a dialogue they are in.
 * When the dispute window closes, the rows and the secret are deleted:
 * what stays are answers under keys nobody can recompute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "log.h"
#include "polls.h"
#include "poll_int.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"
#include "zone.h"

#define DAY_MS	  (86400 * 1000LL)
#define BATCH	  50	/* due rows per tick: the loop must not stall */
#define BUSY_WAIT (15 * 60 * 1000LL)

static const char *const state_names[POLL_STATE_N] = {
	"DRAFT", "REVIEW", "APPROVED", "INFO_SENT", "OPEN", "CLOSED",
	"TALLIED", "PUBLISHED", "ARCHIVED",
};

const char *
poll_state_name(int s)
{
	return s >= 0 && s < POLL_STATE_N ? state_names[s] : "?";
}

int
poll_state_parse(const char *s)
{
	for (int i = 0; s != NULL && i < POLL_STATE_N; i++)
		if (strcmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

static const char insert_sql[] =
    "INSERT INTO poll_polls (id, title, kind, state, source, created_by,"
    " created_at) VALUES (?1, ?2, ?3, 'DRAFT', ?4, ?5, ?6)";

int
poll_create(struct store *st, const struct poll_def *d, const char *source,
    const char *by, int64_t now, char *err, size_t errlen)
{
	struct store_sql *q;
	char state[16];
	struct poll_def old;

	if (poll_load(st, d->id, &old, state, sizeof(state)) == 0) {
		poll_def_clear(&old);
		snprintf(err, errlen, "poll %s exists (state %s): give the new "
		    "one another 'poll:' id", d->id, state);
		return -1;
	}
	if ((q = store_sql_prepare(st, insert_sql)) == NULL)
		goto fail;
	store_sql_bind_text(q, 1, d->id);
	store_sql_bind_text(q, 2, d->title != NULL ? d->title : d->id);
	store_sql_bind_text(q, 3, d->kind);
	store_sql_bind_text(q, 4, source);
	store_sql_bind_text(q, 5, by);
	store_sql_bind_int64(q, 6, now);
	if (store_sql_exec(q, "poll insert") == 0)
		return 0;
fail:
	snprintf(err, errlen, "cannot store the poll");
	return -1;
}

static const char load_sql[] =
    "SELECT source, state FROM poll_polls WHERE id = ?1";

int
poll_load(struct store *st, const char *id, struct poll_def *d, char *state,
    size_t statelen)
{
	struct store_sql *q = store_sql_prepare(st, load_sql);
	char *src;
	int rc;

	memset(d, 0, sizeof(*d));
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	if (store_sql_step(q, "poll load") != 1) {
		store_sql_done(q);
		return -1;
	}
	src = store_sql_col_strdup(q, 0);
	if (state != NULL)
		strlcpy_s(state, store_sql_col_text(q, 1), statelen);
	store_sql_done(q);
	rc = poll_def_parse(src != NULL ? src : "", id, d, NULL) == 0 ? 0 : -1;
	free(src);
	return rc;
}

static const char approve_sql[] =
    "UPDATE poll_polls SET state = 'APPROVED', approved_by = ?2,"
    " approved_at = ?3, info_at = ?4, opens_at = ?5, closes_at = ?6,"
    " secret = ?7 WHERE id = ?1 AND state IN ('DRAFT', 'REVIEW')";

int
poll_approve(struct store *st, const char *id, const char *by, int64_t now,
    int64_t opens_at, char *err, size_t errlen)
{
	struct poll_def d;
	char state[16], hex[2 * POLL_SECRET_LEN + 1];
	uint8_t secret[POLL_SECRET_LEN];
	struct store_sql *q;
	int64_t opens, closes;

	if (poll_load(st, id, &d, state, sizeof(state)) != 0) {
		snprintf(err, errlen, "no poll %s", id);
		return -1;
	}
	if (strcmp(state, "DRAFT") != 0 && strcmp(state, "REVIEW") != 0) {
		snprintf(err, errlen, "poll %s is %s, not DRAFT", id, state);
		poll_def_clear(&d);
		return -1;
	}
	if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret)) {
		snprintf(err, errlen, "no randomness for the poll secret");
		poll_def_clear(&d);
		return -1;
	}
	poll_hex(secret, sizeof(secret), hex);
	memset(secret, 0, sizeof(secret));
	opens = opens_at > 0 ? opens_at :
	    now + (d.info[0] != NULL ? d.info_days : 0) * DAY_MS;
	closes = opens + d.days * DAY_MS;
	poll_def_clear(&d);
	if ((q = store_sql_prepare(st, approve_sql)) == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	store_sql_bind_text(q, 2, by);
	store_sql_bind_int64(q, 3, now);
	store_sql_bind_int64(q, 4, now);
	store_sql_bind_int64(q, 5, opens);
	store_sql_bind_int64(q, 6, closes);
	store_sql_bind_text(q, 7, hex);
	memset(hex, 0, sizeof(hex));
	if (store_sql_exec(q, "poll approve") != 0) {
		snprintf(err, errlen, "cannot approve");
		return -1;
	}
	return 0;
}

/* ---- the running poll as the tick and the actions see it ---- */

static const char row_sql[] =
    "SELECT state, kind, info_at, opens_at, closes_at, dispute_until,"
    " secret FROM poll_polls WHERE id = ?1";

int
poll_row_get(struct store *st, const char *id, struct poll_row *r)
{
	struct store_sql *q = store_sql_prepare(st, row_sql);
	const char *sec;

	memset(r, 0, sizeof(*r));
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	if (store_sql_step(q, "poll row") != 1) {
		store_sql_done(q);
		return -1;
	}
	strlcpy_s(r->id, id, sizeof(r->id));
	r->state = poll_state_parse(store_sql_col_text(q, 0));
	strlcpy_s(r->kind, store_sql_col_text(q, 1) != NULL ?
	    store_sql_col_text(q, 1) : "", sizeof(r->kind));
	r->info_at = store_sql_col_int64(q, 2);
	r->opens_at = store_sql_col_int64(q, 3);
	r->closes_at = store_sql_col_int64(q, 4);
	r->dispute_until = store_sql_col_int64(q, 5);
	sec = store_sql_col_text(q, 6);
	r->secret_len = sec != NULL ?
	    poll_unhex(sec, r->secret, sizeof(r->secret)) : 0;
	if (r->secret_len < 0)
		r->secret_len = 0;
	store_sql_done(q);
	return 0;
}

void
poll_fmt_date(int64_t ms, char *out, size_t len)
{
	struct tm tm;

	if (zone_local(ms, ZONE_HOME, &tm) != 0)
		memset(&tm, 0, sizeof(tm));
	snprintf(out, len, "%02d.%02d.%04d", tm.tm_mday, tm.tm_mon + 1,
	    tm.tm_year + 1900);
}

static const char set_state_sql[] =
    "UPDATE poll_polls SET state = ?2 WHERE id = ?1";
static const char close_sql[] =
    "UPDATE poll_polls SET state = 'TALLIED', closed_at = ?2,"
    " closes_at = CASE WHEN closes_at IS NULL OR closes_at < ?2 THEN"
    " closes_at ELSE ?2 END, dispute_until = ?3,"
    " invited = (SELECT count(*) FROM poll_invites WHERE poll_id = ?1"
    " AND sent_at IS NOT NULL) WHERE id = ?1";
static const char close_invites_sql[] =
    "UPDATE poll_invites SET step = 9 WHERE poll_id = ?1 AND step IN (0, 1)";
static const char destroy_sql[] =
    "UPDATE poll_polls SET state = 'ARCHIVED', secret = NULL,"
    " archived_at = ?2 WHERE id = ?1";
static const char destroy_invites_sql[] =
    "DELETE FROM poll_invites WHERE poll_id = ?1";

static int
exec_id(struct store *st, const char *sql, const char *id, int64_t a,
    int64_t b, const char *what)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	if (a != 0)
		store_sql_bind_int64(q, 2, a);
	if (b != 0)
		store_sql_bind_int64(q, 3, b);
	return store_sql_exec(q, what);
}

/* CLOSED is passed through at once: tallies are computed on demand, so
 * a closed poll is a tallied one. */
static int
close_now(struct store *st, const struct gw_config *conf, const char *id,
    int64_t now)
{
	int64_t until = now + (int64_t)poll_conf(conf)->dispute_days * DAY_MS;

	if (exec_id(st, close_sql, id, now, until, "poll close") != 0 ||
	    exec_id(st, close_invites_sql, id, 0, 0, "poll close invites") != 0)
		return -1;
	log_info("poll %s: closed; links destroyed after %d day(s)", id,
	    poll_conf(conf)->dispute_days);
	return 0;
}

int
poll_close(struct store *st, const struct gw_config *conf, const char *id,
    int64_t now, char *err, size_t errlen)
{
	struct poll_row r;

	if (poll_row_get(st, id, &r) != 0) {
		snprintf(err, errlen, "no poll %s", id);
		return -1;
	}
	if (r.state < POLL_APPROVED || r.state > POLL_OPEN) {
		snprintf(err, errlen, "poll %s is %s, not open", id,
		    poll_state_name(r.state));
		return -1;
	}
	return close_now(st, conf, id, now);
}

/* ---- the tick ---- */

static const char secure_sql[] = "PRAGMA secure_delete = ON";
static const char optout_count_sql[] =
    "UPDATE poll_polls SET optouts = optouts + (SELECT count(*)"
    " FROM poll_invites i JOIN poll_optins o ON o.phone = i.phone"
    " JOIN contacts c ON c.phone = o.phone WHERE i.poll_id = poll_polls.id"
    " AND o.revoked_at IS NULL AND c.opted_out = 1)"
    " WHERE state IN ('APPROVED', 'INFO_SENT', 'OPEN')";
static const char optout_sync_sql[] =
    "UPDATE poll_optins SET revoked_at = ?1 WHERE revoked_at IS NULL"
    " AND phone IN (SELECT phone FROM contacts WHERE opted_out = 1)";
static const char live_sql[] =
    "SELECT id FROM poll_polls WHERE state IN ('APPROVED', 'INFO_SENT',"
    " 'OPEN', 'CLOSED', 'TALLIED', 'PUBLISHED')";
/* Planning polls invite only numbers opted in before the opening (R2
 * anti-stuffing); the others take new opt-ins while open. */
static const char enrol_sql[] =
    "INSERT INTO poll_invites (poll_id, phone, step, due_at)"
    " SELECT CAST(?1 AS TEXT), phone, CASE WHEN CAST(?2 AS INTEGER) = 1 AND"
    " CAST(?5 AS INTEGER) < CAST(?3 AS INTEGER) THEN 0 ELSE 1 END,"
    " CASE WHEN CAST(?2 AS INTEGER) = 1 AND CAST(?5 AS INTEGER) <"
    " CAST(?3 AS INTEGER) THEN CAST(?5 AS INTEGER) ELSE CAST(?3 AS INTEGER)"
    " END FROM poll_optins WHERE revoked_at IS NULL AND"
    " (CAST(?4 AS TEXT) <> 'planning' OR created_at < CAST(?3 AS INTEGER))"
    " ON CONFLICT DO NOTHING";
static const char due_sql[] =
    "SELECT poll_id, phone, step, due_at, sent_at FROM poll_invites"
    " WHERE step IN (0, 1, 2, 4) AND due_at <= ?1 ORDER BY due_at LIMIT ?2";
static const char invite_set_sql[] =
    "UPDATE poll_invites SET step = ?3, due_at = ?4,"
    " sent_at = coalesce(?5, sent_at) WHERE poll_id = ?1 AND phone = ?2";
static const char in_sql[] =
    "SELECT 1 FROM poll_optins o LEFT JOIN contacts c ON c.phone = o.phone"
    " WHERE o.phone = ?1 AND o.revoked_at IS NULL"
    " AND coalesce(c.opted_out, 0) = 0";
static const char cap_sql[] =
    "SELECT count(*) FROM poll_invites WHERE phone = ?1 AND poll_id <> ?2"
    " AND sent_at > ?3";
static const char responded_sql[] =
    "SELECT 1 FROM poll_responses WHERE poll_id = ?1 AND rkey = ?2"
    " AND valid = 1 LIMIT 1";

struct due_inv {
	char poll[POLL_ID_MAX + 1];
	char phone[24];
	int step;
	int64_t due_at, sent_at;
};

static int
due_row(struct store_sql *q, void *arg)
{
	struct due_inv **pp = arg;
	struct due_inv *v = (*pp)++;

	strlcpy_s(v->poll, store_sql_col_text(q, 0), sizeof(v->poll));
	strlcpy_s(v->phone, store_sql_col_text(q, 1), sizeof(v->phone));
	v->step = store_sql_col_int(q, 2);
	v->due_at = store_sql_col_int64(q, 3);
	v->sent_at = store_sql_col_int64(q, 4);
	return 0;
}

static int
id_row(struct store_sql *q, void *arg)
{
	struct buf *b = arg;

	return buf_printf(b, "%s\n", store_sql_col_text(q, 0)) != 0;
}

static int
set_invite(struct store *st, const struct due_inv *v, int step,
    int64_t due, int64_t sent)
{
	struct store_sql *q = store_sql_prepare(st, invite_set_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, v->poll);
	store_sql_bind_text(q, 2, v->phone);
	store_sql_bind_int(q, 3, step);
	store_sql_bind_int64(q, 4, due);
	store_sql_bind_opt_int64(q, 5, sent);
	return store_sql_exec(q, "poll invite set");
}

static int
query_one(struct store *st, const char *sql, const char *a, const char *b,
    int64_t c, int64_t *out)
{
	struct store_sql *q = store_sql_prepare(st, sql);
	int rc;

	*out = 0;
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, a);
	if (b != NULL)
		store_sql_bind_text(q, 2, b);
	if (c != 0)
		store_sql_bind_int64(q, 3, c);
	rc = store_sql_step(q, "poll query");
	if (rc == 1)
		*out = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return rc < 0 ? -1 : 0;
}

int
poll_responded(struct store *st, const struct poll_row *r, const char *phone)
{
	char key[POLL_KEY_HEX];
	int64_t v;

	if (r->secret_len <= 0)
		return 0;
	poll_key(r->secret, (size_t)r->secret_len, phone, key);
	if (query_one(st, responded_sql, r->id, key, 0, &v) != 0)
		return -1;
	return v == 1;
}

/* 1 if the person is inside a dialogue of another flow (on SMS or USSD),
 * which a push must never interrupt. */
static int
busy(struct store *st, const char *phone)
{
	struct store_session s;
	int b = 0;

	for (int ch = FLOW_CHANNEL_SMS; ch <= FLOW_CHANNEL_USSD; ch++) {
		memset(&s, 0, sizeof(s));
		if (store_session_get(st, phone, ch, &s) == 1) {
			if (s.flow != NULL && strcmp(s.flow, "poll") != 0)
				b = 1;
		}
		store_session_clear(&s);
	}
	return b;
}

static int
queue_text(struct store *st, const char *phone, const char *text, int64_t now)
{
	struct store_outbound o;

	memset(&o, 0, sizeof(o));
	o.recipient = (char *)(uintptr_t)phone;
	o.text = (char *)(uintptr_t)text;
	o.priority = STORE_PRIO_BULK;
	o.created_at = now;
	return store_outbox_add(st, &o);
}

static int
contact_lang(struct store *st, const char *phone)
{
	struct store_contact c;
	int l = 0;

	memset(&c, 0, sizeof(c));
	if (store_contact_find(st, phone, &c) == 1)
		l = poll_lang_index(c.language);
	store_contact_clear(&c);
	return l;
}

static int
handle_invite(struct poll_svc *svc, struct store *st,
    const struct gw_config *conf, const struct due_inv *v, int64_t now)
{
	const struct poll_conf *pc = poll_conf(conf);
	struct poll_row r;
	struct poll_def d;
	int64_t w, n;
	int rc = 0, in;
	char date[16];

	if (poll_row_get(st, v->poll, &r) != 0 ||
	    poll_load(st, v->poll, &d, NULL, 0) != 0)
		return set_invite(st, v, 9, now, 0);
	if (query_one(st, in_sql, v->phone, NULL, 0, &n) != 0) {
		rc = -1;
		goto out;
	}
	in = n == 1;
	if (!in && v->step != 4) {
		rc = set_invite(st, v, 9, now, 0);
		goto out;
	}
	/* R9: the recipient's local daytime; a foreign number by its
	 * country's zone. */
	w = zone_next_window(now, zone_for_phone(v->phone, ZONE_HOME),
	    pc->quiet_from, pc->quiet_to);
	if (w > now) {
		rc = set_invite(st, v, v->step, w, 0);
		goto out;
	}
	poll_fmt_date(r.closes_at, date, sizeof(date));
	switch (v->step) {
	case 0: {
		char *t = poll_fill((const char *const *)d.info,
		    contact_lang(st, v->phone), pc->commune, date,
		    d.info_days);

		rc = t != NULL ? queue_text(st, v->phone, t, now) : 0;
		free(t);
		if (rc == 0)
			rc = set_invite(st, v, 1, r.opens_at, 0);
		break;
	}
	case 1:
		if (r.state != POLL_OPEN) {
			rc = set_invite(st, v, r.state < POLL_OPEN ? 1 : 9,
			    r.state < POLL_OPEN ? r.opens_at : now, 0);
			break;
		}
		if (busy(st, v->phone)) {
			rc = set_invite(st, v, 1, now + BUSY_WAIT, 0);
			break;
		}
		/* R10: at most max_polls_month polls a month per number. */
		if (query_one(st, cap_sql, v->phone, v->poll, now - 30 * DAY_MS,
		    &n) != 0) {
			rc = -1;
			break;
		}
		if (n >= pc->max_polls_month) {
			rc = set_invite(st, v, 9, now, 0);
			break;
		}
		rc = set_invite(st, v, d.reminder_days > 0 ? 2 : 3,
		    now + (int64_t)d.reminder_days * DAY_MS, now);
		if (rc == 0 && poll_start_dialogue(svc, st, conf, v->phone,
		    now) < 0)
			rc = -1;
		break;
	case 2:
		/* One reminder, only to those who gave no valid answer. */
		if (r.state != POLL_OPEN || now >= r.closes_at) {
			rc = set_invite(st, v, 3, now, 0);
			break;
		}
		if ((in = poll_responded(st, &r, v->phone)) < 0) {
			rc = -1;
			break;
		}
		if (in) {
			rc = set_invite(st, v, 3, now, 0);
			break;
		}
		if (busy(st, v->phone)) {
			rc = set_invite(st, v, 2, now + BUSY_WAIT, 0);
			break;
		}
		rc = set_invite(st, v, 3, now, 0);
		if (rc == 0 && poll_start_dialogue(svc, st, conf, v->phone,
		    now) < 0)
			rc = -1;
		break;
	case 4: {
		char *t = poll_thanks_text(st, &d, v->poll,
		    contact_lang(st, v->phone), pc->commune, date);

		rc = t != NULL ? queue_text(st, v->phone, t, now) : 0;
		free(t);
		if (rc == 0)
			rc = set_invite(st, v, 5, now, 0);
		break;
	}
	}
out:
	poll_def_clear(&d);
	memset(&r, 0, sizeof(r));
	return rc;
}

static int
tick_poll(struct store *st, const struct gw_config *conf, const char *id,
    int64_t now)
{
	struct poll_row r;
	struct poll_def d;
	struct store_sql *q;
	int rc = 0;

	if (poll_row_get(st, id, &r) != 0)
		return -1;
	if (r.state >= POLL_APPROVED && r.state <= POLL_OPEN &&
	    now < r.closes_at) {
		int has_info;

		if (poll_load(st, id, &d, NULL, 0) != 0)
			return -1;
		has_info = d.info[0] != NULL;
		poll_def_clear(&d);
		if ((q = store_sql_prepare(st, enrol_sql)) == NULL)
			return -1;
		store_sql_bind_text(q, 1, id);
		store_sql_bind_int(q, 2, has_info);
		store_sql_bind_int64(q, 3, r.opens_at);
		store_sql_bind_text(q, 4, r.kind);
		store_sql_bind_int64(q, 5, r.info_at);
		if (store_sql_exec(q, "poll enrol") != 0)
			return -1;
	}
	if (r.state == POLL_APPROVED && now >= r.info_at) {
		if ((q = store_sql_prepare(st, set_state_sql)) == NULL)
			return -1;
		store_sql_bind_text(q, 1, id);
		store_sql_bind_text(q, 2, now >= r.opens_at ? "OPEN" :
		    "INFO_SENT");
		rc = store_sql_exec(q, "poll state");
		r.state = now >= r.opens_at ? POLL_OPEN : POLL_INFO_SENT;
		log_info("poll %s: %s", id, poll_state_name(r.state));
	}
	if (rc == 0 && r.state == POLL_INFO_SENT && now >= r.opens_at) {
		if ((q = store_sql_prepare(st, set_state_sql)) == NULL)
			return -1;
		store_sql_bind_text(q, 1, id);
		store_sql_bind_text(q, 2, "OPEN");
		rc = store_sql_exec(q, "poll open");
		r.state = POLL_OPEN;
		log_info("poll %s: OPEN", id);
	}
	if (rc == 0 && r.state == POLL_OPEN && now >= r.closes_at)
		return close_now(st, conf, id, now);
	if (rc == 0 && r.state >= POLL_CLOSED && r.state <= POLL_PUBLISHED &&
	    r.dispute_until > 0 && now >= r.dispute_until) {
		/* R4: from here on no one can link an answer to a phone. */
		if (exec_id(st, destroy_invites_sql, id, 0, 0,
		    "poll destroy links") != 0 ||
		    exec_id(st, destroy_sql, id, now, 0, "poll destroy") != 0)
			return -1;
		log_info("poll %s: dispute window over: secret and invitation "
		    "links destroyed, ARCHIVED", id);
	}
	memset(&r, 0, sizeof(r));
	return rc;
}

/* How many invitations this tick may queue: the parts a minute all
 * channels send (each invitation ~2 parts), less what is queued. */
static int64_t
push_budget(struct store *st, const struct gw_config *conf)
{
	int64_t rate = 0, queued = 0, sending = 0, cap;

	for (size_t i = 0; conf != NULL && i < conf->n_modems; i++) {
		if (conf->modems[i].send_per_minute == 0)
			return BATCH;
		rate += conf->modems[i].send_per_minute;
	}
	if (rate == 0)
		return BATCH;
	if (store_outbox_depth(st, NULL, &queued, &sending) != 0)
		return 0;
	cap = rate / 2 > 10 ? rate / 2 : 10;
	return cap > queued ? cap - queued : 0;
}

int
poll_tick(void *state, struct store *st, const struct gw_config *conf,
    int64_t now)
{
	struct poll_svc *svc = state;
	struct store_sql *q;
	struct buf ids;
	struct due_inv *inv, *p;
	size_t n;
	int64_t budget;

	/* Blanked answers must not stay readable in free pages.  SQLite
	 * only: on PostgreSQL what a deleted row leaves is the server's
	 * (docs/scale-out.md, "What anonymity means on PostgreSQL"). */
	if (strcmp(store_sql_backend(st), "sqlite") == 0 &&
	    ((q = store_sql_prepare(st, secure_sql)) == NULL ||
	    store_sql_exec(q, "poll secure_delete") != 0))
		return -1;
	/* STOP (the engine's global word) also ends the poll opt-in (R3). */
	if ((q = store_sql_prepare(st, optout_count_sql)) == NULL ||
	    store_sql_exec(q, "poll optouts") != 0)
		return -1;
	if ((q = store_sql_prepare(st, optout_sync_sql)) == NULL)
		return -1;
	store_sql_bind_int64(q, 1, now);
	if (store_sql_exec(q, "poll optout sync") != 0)
		return -1;
	buf_init(&ids, 0);
	if ((q = store_sql_prepare(st, live_sql)) == NULL ||
	    store_sql_walk(q, id_row, &ids, "poll live") != 0) {
		buf_free(&ids);
		return -1;
	}
	for (char *s = ids.data, *nl; s != NULL && *s != '\0'; s = nl + 1) {
		nl = strchr(s, '\n');
		*nl = '\0';
		if (tick_poll(st, conf, s, now) != 0) {
			buf_free(&ids);
			return -1;
		}
	}
	buf_free(&ids);
	inv = xcalloc(BATCH, sizeof(*inv));
	p = inv;
	if ((q = store_sql_prepare(st, due_sql)) == NULL) {
		free(inv);
		return -1;
	}
	store_sql_bind_int64(q, 1, now);
	store_sql_bind_int(q, 2, BATCH);
	if (store_sql_walk(q, due_row, &p, "poll due") != 0) {
		free(inv);
		return -1;
	}
	n = (size_t)(p - inv);
	budget = push_budget(st, conf);
	for (size_t i = 0; i < n; i++) {
		/* Invitations wait while the queue holds what the channels
		 * send in about a minute: a message queued at 19:59 must not
		 * leave at 22:00, and `poll show` can tell the finish. */
		if (inv[i].step == 1 && budget-- <= 0)
			continue;
		if (handle_invite(svc, st, conf, &inv[i], now) != 0) {
			free(inv);
			return -1;
		}
	}
	memset(inv, 0, BATCH * sizeof(*inv));
	free(inv);
	return 0;
}
