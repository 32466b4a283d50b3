/*
 * sheet_alerts.c - what SPAS duty numbers receive (spas-followup.md 5.3):
 *
 *   - an urgent alert at once for a sheet with 6b2, 6b3 or U (D3);
 *   - the 72-hour visit deadline (D2): an alert when 24 hours have passed
 *     and no visit is scheduled, and another when 48 hours have passed
 *     and the family is still not visited;
 *   - a daily digest at [sheets] digest_time of the new non-urgent
 *     sheets, in as many SMS as it takes; a sheet is marked notified only
 *     once a queued message lists it.
 *
 * The timed ones are items of the persistent scheduler (flow_due_run,
 * owner "sheet"): "deadline:ID" per sheet needing a visit, put when the
 * sheet is stored (sheet_alerts_schedule), and "digest".  Databases from
 * before the scheduler get their deadline items once, at the first tick
 * (meta "due_backfill"); the digest item is (re)made at every tick if
 * missing, if digest_time changed, or if a backward clock jump left it
 * further ahead than its next occurrence.  Late items follow the
 * wall-clock rule of flow.h: a sheet late past both alerts gets only the
 * 48 h one, an alert whose visit deadline has passed is dropped (the
 * digest counts overdue visits), and missed digests fire once.
 *
 * SPAS messages carry sheet numbers, counts and the reporter's number to
 * call back; never a household code or an indicator.  Everything here
 * runs inside the caller's transaction, so a queued alert, the flag that
 * says it was queued and its scheduler row commit together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

#define MS_PER_HOUR	  (3600 * 1000LL)
#define ALERT_BATCH	  256  /* due items handled per tick */
#define LIST_MAX	  1024 /* sheets per digest list */
#define DIGEST_SMS_CHARS  459  /* three SMS parts of GSM text */
#define DIGEST_MAX_SMS	  8    /* per digest; the rest 10 min later */
#define DIGEST_MORE_MS	  (10 * 60 * 1000LL)
#define DIGEST_META_KEY	  "digest_day"
#define BACKFILL_META_KEY "due_backfill"
#define DUE_OWNER	  "sheet"
#define DUE_DIGEST	  "digest"
#define DUE_DEADLINE	  "deadline"

/* What the tick remembers of a sheet between the walk and the writes. */
struct alert_item {
	int64_t id;
	int county;
	int seq;
	int state;
	int64_t deadline;
	int alert_24_sent;
	int alert_48_sent;
	int any_risk;
	int no_household;
	int update;  /* a correction or merge of a cycle (keeps_number) */
	int added;   /* signals it added */
	char *phone; /* reporter, for NOU call-backs */
	char *visit_date;
};

struct alert_list {
	struct alert_item *items;
	size_t n;
	size_t cap;
};

/* The digest being written: the message under way and the sheets it
 * lists, which are marked notified once it is queued. */
struct digest_out {
	struct store *st;
	const struct gw_config *conf;
	int64_t now;
	char when[16];	  /* "22.11" */
	struct buf msg;	  /* message under way */
	int64_t *ids;	  /* sheets listed in msg */
	size_t n_ids;
	size_t cap_ids;
	const char *label; /* list open in msg, or NULL */
	int sent;	  /* messages queued */
	size_t listed;	  /* sheets marked notified */
};

static int queue_spas(struct store *, const struct gw_config *, const char *,
    int64_t);
static void format_local(int64_t, int, char *, size_t);
static int collect_cb(const struct sheet_row *, void *);
static void alert_list_free(struct alert_list *);
static int mark_notified(struct store *, int64_t, int64_t);
static int digest_minute(const struct gw_config *);
static void local_day(int64_t, char *, size_t);
static int deadline_key(int64_t, char *, size_t);
static int deadline_run(struct store *, const struct gw_config *,
    struct flow_due_item *);
static int backfill(struct store *, int64_t);
static int digest_ensure(struct store *, const struct gw_config *, int64_t);
static int digest_flush(struct digest_out *);
static int digest_add(struct digest_out *, const char *, int64_t,
    const char *);
static int digest_list(struct digest_out *, const struct alert_list *, int,
    int, const char *);
static int digest_write(struct digest_out *, const struct alert_list *,
    size_t);
static int digest_run(struct store *, const struct gw_config *,
    struct flow_due_item *);
static int due_cb(struct store *, struct flow_due_item *, void *);

/* Queues text to every SPAS duty number at alert priority. */
static int
queue_spas(struct store *st, const struct gw_config *conf, const char *text,
    int64_t now)
{
	return store_outbox_add_each(st, sheet_conf(conf)->spas_numbers,
	    sheet_conf(conf)->n_spas_numbers, text, STORE_PRIO_ALERT, now);
}

/* "17.09 10:42" (with_time) or "17.09", local time. */
static void
format_local(int64_t ms, int with_time, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	localtime_r(&t, &tm);
	if (with_time)
		n = strftime(out, outlen, "%d.%m %H:%M", &tm);
	else
		n = strftime(out, outlen, "%d.%m", &tm);
	if (n == 0)
		strlcpy_s(out, "?", outlen);
}

/* Tells SPAS-side state that the sheet has been reported to SPAS. */
static int
mark_notified(struct store *st, int64_t id, int64_t now)
{
	struct sheet_row s;
	int rc = -1;

	if (sheet_store_get(st, id, 0, &s) != 1)
		return -1;
	if (sheet_store_set_notified(st, id, now) == -1)
		goto done;
	if (s.state == SHEET_STATE_NEW &&
	    sheet_enter_state(st, &s, sheet_assessed_state(&s), NULL, now) ==
	    -1)
		goto done;
	rc = 0;
done:
	sheet_row_clear(&s);
	return rc;
}

int
sheet_alert_urgent(struct store *st, const struct gw_config *conf,
    int64_t sheet_id, int64_t now)
{
	struct sheet_row s;
	struct buf b;
	char no[16];
	int rc = -1;

	if (sheet_store_get(st, sheet_id, 0, &s) != 1)
		return -1;
	sheet_format_no(s.county, s.seq, no, sizeof(no));
	buf_init(&b, 0);
	if (buf_printf(&b, "STAFETA URGENT: fisa FO %s%s. Sunati azi "
	    "raportorul %s si decideti sesizarea DGASPC.", no,
	    s.household == NULL ? " (familie fara cod)" : "",
	    s.reporter_phone != NULL ? s.reporter_phone : "?") == -1)
		goto done;
	if (sheet_conf(conf)->n_spas_numbers == 0)
		log_warnx("sheet %lld: urgent, but no [sheets] spas_numbers "
		    "to alert", (long long)sheet_id);
	if (queue_spas(st, conf, b.data, now) == -1)
		goto done;
	log_info("sheet %lld: %s urgent alert queued to %zu SPAS number(s)",
	    (long long)sheet_id, no, sheet_conf(conf)->n_spas_numbers);
	rc = mark_notified(st, sheet_id, now);
done:
	buf_free(&b);
	sheet_row_clear(&s);
	return rc;
}

int
sheet_alert_update(struct store *st, const struct gw_config *conf,
    int64_t sheet_id, int64_t now)
{
	struct sheet_row s;
	char no[16], text[160];
	int rc;

	if (sheet_store_get(st, sheet_id, 0, &s) != 1)
		return -1;
	sheet_format_no(s.county, s.seq, no, sizeof(no));
	snprintf(text, sizeof(text), "STAFETA: fisa FO %s (URGENT) "
	    "completata de alt raportor: +%d semnalari noi, total %d. "
	    "Detalii: stafeta sheets show %s", no, s.added,
	    s.risk_count + s.flags, no);
	rc = queue_spas(st, conf, text, now);
	if (rc == 0)
		log_info("sheet %lld: %s update alert queued", (long long)s.id,
		    no);
	sheet_row_clear(&s);
	return rc;
}

static int
collect_cb(const struct sheet_row *s, void *arg)
{
	struct alert_list *l = arg;
	struct alert_item *it;

	if (l->n == LIST_MAX)
		return 1; /* the rest next time */
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->items = xrealloc(l->items, l->cap * sizeof(*l->items));
	}
	it = &l->items[l->n++];
	memset(it, 0, sizeof(*it));
	it->id = s->id;
	it->county = s->county;
	it->seq = s->seq;
	it->state = s->state;
	it->deadline = s->visit_deadline;
	it->alert_24_sent = s->alert_24_sent;
	it->alert_48_sent = s->alert_48_sent;
	it->any_risk = s->any_risk;
	it->no_household = s->household == NULL;
	it->update = s->keeps_number;
	it->added = s->added;
	it->phone = s->reporter_phone != NULL ? xstrdup(s->reporter_phone) :
	    NULL;
	it->visit_date = s->visit_date != NULL ? xstrdup(s->visit_date) :
	    NULL;
	return 0;
}

static void
alert_list_free(struct alert_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->items[i].phone);
		free(l->items[i].visit_date);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* [sheets] digest_time as minutes after midnight, or -1 if malformed. */
static int
digest_minute(const struct gw_config *conf)
{
	const char *at = sheet_conf(conf)->digest_time;
	int64_t hh, mm;
	char buf[8];

	if (at == NULL || strlen(at) != 5 || at[2] != ':')
		return -1;
	memcpy(buf, at, 2);
	buf[2] = '\0';
	if (parse_int64(buf, 0, 23, &hh) == -1 ||
	    parse_int64(at + 3, 0, 59, &mm) == -1)
		return -1;
	return (int)(hh * 60 + mm);
}

/* "YYYY-MM-DD", local time. */
static void
local_day(int64_t ms, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(out, outlen, "%Y-%m-%d", &tm) == 0)
		strlcpy_s(out, "?", outlen);
}

static int
deadline_key(int64_t id, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, DUE_DEADLINE ":%lld", (long long)id);

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int
sheet_alerts_schedule(struct store *st, const struct sheet_row *s,
    int64_t now)
{
	char key[40];
	int64_t at;

	if (s->supersedes != 0) {
		if (deadline_key(s->supersedes, key, sizeof(key)) == -1 ||
		    store_due_cancel(st, DUE_OWNER, key) == -1)
			return -1;
	}
	if (!s->any_risk || s->alert_48_sent || (s->state != SHEET_STATE_NEW &&
	    s->state != SHEET_STATE_VISIT_PENDING &&
	    s->state != SHEET_STATE_VISIT_SCHEDULED))
		return 0;
	at = s->visit_deadline - (s->alert_24_sent ? 24 : 48) * MS_PER_HOUR;
	if (deadline_key(s->id, key, sizeof(key)) == -1 ||
	    store_due_put(st, DUE_OWNER, key, DUE_DEADLINE, at, NULL, now) ==
	    -1) {
		log_warnx("sheet %lld: could not schedule deadline alerts",
		    (long long)s->id);
		return -1;
	}
	return 0;
}

/*
 * One sheet's deadline item: the most recent alert due (the 48 h one if
 * both are), then the row moves to the 48 h time or is done.
 */
static int
deadline_run(struct store *st, const struct gw_config *conf,
    struct flow_due_item *it)
{
	struct sheet_row s;
	char no[16], when[32], text[200];
	int64_t id, now = it->now;
	int which = 0, rc = -1;

	id = strtoll(it->due->key + strlen(DUE_DEADLINE ":"), NULL, 10);
	switch (sheet_store_get(st, id, 0, &s)) {
	case 0:
		return FLOW_DUE_DONE; /* gone */
	case 1:
		break;
	default:
		snprintf(it->err, sizeof(it->err), "sheet %lld: not read",
		    (long long)id);
		return -1;
	}
	rc = FLOW_DUE_DONE;
	if (!s.any_risk || s.superseded_by != 0 || s.alert_48_sent ||
	    (s.state != SHEET_STATE_NEW &&
	    s.state != SHEET_STATE_VISIT_PENDING &&
	    s.state != SHEET_STATE_VISIT_SCHEDULED))
		goto done; /* visited, replaced or told */
	if (now >= s.visit_deadline) {
		log_info("sheet %lld: deadline alert dropped, the visit "
		    "deadline passed %lld min ago (late run)", (long long)id,
		    (long long)((now - s.visit_deadline) / 60000));
		goto done;
	}
	if (now >= s.visit_deadline - 24 * MS_PER_HOUR)
		which = 48;
	else if (now >= s.visit_deadline - 48 * MS_PER_HOUR &&
	    !s.alert_24_sent && s.state != SHEET_STATE_VISIT_SCHEDULED)
		which = 24;
	if (which == 0) {
		/* 24 h skipped (visit scheduled) or run early: wait. */
		it->next = s.visit_deadline - (now >= s.visit_deadline -
		    48 * MS_PER_HOUR ? 24 : 48) * MS_PER_HOUR;
		rc = FLOW_DUE_AGAIN;
		goto done;
	}
	sheet_format_no(s.county, s.seq, no, sizeof(no));
	format_local(s.visit_deadline, 1, when, sizeof(when));
	if (which == 24)
		snprintf(text, sizeof(text), "Stafeta: fisa FO %s are "
		    "semnalari si nicio vizita programata. Termen "
		    "vizita: %s (mai sunt 48h).", no, when);
	else if (s.state == SHEET_STATE_VISIT_SCHEDULED)
		snprintf(text, sizeof(text), "Stafeta: fisa FO %s "
		    "inca nevizitata (programata %s). Termen vizita: "
		    "%s (mai sunt 24h).", no, s.visit_date != NULL ?
		    s.visit_date : "?", when);
	else
		snprintf(text, sizeof(text), "Stafeta: fisa FO %s "
		    "inca nevizitata. Termen vizita: %s (mai sunt "
		    "24h).", no, when);
	rc = -1;
	if (queue_spas(st, conf, text, now) == -1 ||
	    sheet_store_set_alert(st, id, which, now) == -1 ||
	    (which == 48 && !s.alert_24_sent &&
	    sheet_store_set_alert(st, id, 24, now) == -1)) {
		snprintf(it->err, sizeof(it->err), "sheet %lld: %dh alert "
		    "not queued", (long long)id, which);
		goto done;
	}
	log_info("sheet %lld: %s %dh deadline alert queued", (long long)id,
	    no, which);
	if (which == 24) {
		it->next = s.visit_deadline - 24 * MS_PER_HOUR;
		rc = FLOW_DUE_AGAIN;
	} else
		rc = FLOW_DUE_DONE;
done:
	sheet_row_clear(&s);
	return rc;
}

/*
 * Once per database: deadline items for the open sheets an older version
 * stored without them.  Recorded in the sheet meta in the same
 * transaction.
 */
static int
backfill(struct store *st, int64_t now)
{
	struct sheet_filter f;
	struct alert_list l;
	struct sheet_row s;
	char *done = NULL;
	size_t i, n = 0;
	int put, rc = -1;

	if (sheet_store_meta_get(st, BACKFILL_META_KEY, &done) == -1)
		return -1;
	if (done != NULL) {
		free(done);
		return 0;
	}
	memset(&l, 0, sizeof(l));
	memset(&f, 0, sizeof(f));
	f.needs_visit = 1;
	if (sheet_store_list(st, &f, collect_cb, &l) == -1)
		goto fail;
	if (l.n == LIST_MAX) {
		log_warnx("sheets: more than %d open sheets to schedule, "
		    "the rest at the next tick", LIST_MAX);
	}
	for (i = 0; i < l.n; i++) {
		struct store_due d;
		char key[40];
		int have;

		if (deadline_key(l.items[i].id, key, sizeof(key)) == -1)
			goto fail;
		have = store_due_get(st, DUE_OWNER, key, &d);
		store_due_clear(&d);
		if (have == -1)
			goto fail;
		if (have)
			continue;
		if (sheet_store_get(st, l.items[i].id, 0, &s) != 1)
			goto fail;
		s.supersedes = 0; /* only this row */
		put = sheet_alerts_schedule(st, &s, now);
		sheet_row_clear(&s);
		if (put == -1)
			goto fail;
		n++;
	}
	if (l.n < LIST_MAX &&
	    sheet_store_meta_set(st, BACKFILL_META_KEY, "1") == -1)
		goto fail;
	if (n > 0)
		log_info("sheets: %zu open sheet(s) scheduled for deadline "
		    "alerts", n);
	rc = 0;
fail:
	if (rc == -1)
		log_warnx("sheets: deadline alert backfill failed");
	alert_list_free(&l);
	return rc;
}

/*
 * The digest row: its next occurrence is digest_time today, or tomorrow
 * if today's digest is done (meta digest_day).  Made if missing, remade
 * if digest_time changed (payload) or if it stands later than that
 * occurrence (the clock went back).  A row earlier than it is a missed
 * digest: it stays, and fires once.
 */
static int
digest_ensure(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct store_due d;
	char *last = NULL, day[16];
	int64_t want;
	int minute, have, rc = -1;

	minute = digest_minute(conf);
	if (minute == -1) {
		log_warnx("sheets: digest_time \"%s\" malformed, no digest",
		    sheet_conf(conf)->digest_time != NULL ? sheet_conf(conf)->digest_time : "");
		return -1;
	}
	if (sheet_store_meta_get(st, DIGEST_META_KEY, &last) == -1)
		return -1;
	local_day(now, day, sizeof(day));
	want = flow_due_daily_at(now, minute,
	    last != NULL && strcmp(last, day) == 0 ? 1 : 0);
	have = store_due_get(st, DUE_OWNER, DUE_DIGEST, &d);
	if (have == -1)
		goto done;
	if (have == 0 || d.payload == NULL ||
	    strcmp(d.payload, sheet_conf(conf)->digest_time) != 0 ||
	    d.due_at > want + DIGEST_MORE_MS) {
		if (store_due_put(st, DUE_OWNER, DUE_DIGEST, DUE_DIGEST, want,
		    sheet_conf(conf)->digest_time, now) == -1)
			goto done;
	}
	rc = 0;
done:
	store_due_clear(&d);
	free(last);
	return rc;
}

/* Queues the message under way and marks the sheets it lists. */
static int
digest_flush(struct digest_out *o)
{
	size_t i;

	if (o->label != NULL && buf_addstr(&o->msg, ".") == -1)
		return -1;
	o->label = NULL;
	if (o->msg.len == 0)
		return 0;
	if (queue_spas(o->st, o->conf, o->msg.data, o->now) == -1)
		return -1;
	for (i = 0; i < o->n_ids; i++)
		if (mark_notified(o->st, o->ids[i], o->now) == -1)
			return -1;
	o->listed += o->n_ids;
	o->n_ids = 0;
	o->sent++;
	buf_reset(&o->msg);
	return 0;
}

/*
 * Appends one entry (a sheet number and its sheet id, or a sentence with
 * id 0) under label (NULL: none), starting a new message when it does
 * not fit.  1 if added, 0 if the digest is full, -1 on error.
 */
static int
digest_add(struct digest_out *o, const char *label, int64_t id,
    const char *text)
{
	size_t need;

	need = strlen(text) + 2 + (label != o->label && label != NULL ?
	    strlen(label) + 1 : 0);
	if (o->msg.len > 0 && o->msg.len + need > DIGEST_SMS_CHARS) {
		if (digest_flush(o) == -1)
			return -1;
	}
	if (o->msg.len == 0) {
		if (o->sent == DIGEST_MAX_SMS)
			return 0;
		if (buf_printf(&o->msg, "Stafeta %s (cont.):", o->when) == -1)
			return -1;
	}
	if (label != o->label) {
		if (o->label != NULL && buf_addstr(&o->msg, ".") == -1)
			return -1;
		if (label != NULL && buf_printf(&o->msg, " %s:", label) == -1)
			return -1;
		o->label = label;
	}
	if (buf_printf(&o->msg, " %s", text) == -1)
		return -1;
	if (id != 0) {
		if (o->n_ids == o->cap_ids) {
			o->cap_ids = o->cap_ids ? o->cap_ids * 2 : 32;
			o->ids = xrealloc(o->ids, o->cap_ids *
			    sizeof(*o->ids));
		}
		o->ids[o->n_ids++] = id;
	}
	return 1;
}

/* Lists the sheets of l matching (risk, nou; risk 2 = the updates of a
 * cycle) under label: 0 all listed,
 * 1 if the digest is full, -1. */
static int
digest_list(struct digest_out *o, const struct alert_list *l, int risk,
    int nou, const char *label)
{
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++) {
		const struct alert_item *it = &l->items[i];
		char no[16], text[64];

		if (it->update != (risk == 2))
			continue;
		if (risk != 2 && (it->no_household != nou ||
		    (!nou && it->any_risk != risk)))
			continue;
		sheet_format_no(it->county, it->seq, no, sizeof(no));
		if (risk == 2)
			snprintf(text, sizeof(text), "%s (+%d)", no, it->added);
		else if (nou && it->phone != NULL)
			snprintf(text, sizeof(text), "%s (%s)", no, it->phone);
		else
			strlcpy_s(text, no, sizeof(text));
		rc = digest_add(o, label, it->id, text);
		if (rc != 1)
			return rc == 0 ? 1 : -1;
	}
	return 0;
}

/* Writes and queues the digest of news (and the overdue count): 0 done,
 * 1 if some sheets did not fit (left unnotified), -1. */
static int
digest_write(struct digest_out *o, const struct alert_list *news,
    size_t overdue)
{
	char text[64];
	int rc;

	if (buf_printf(&o->msg, "Stafeta %s: %zu fise noi.", o->when,
	    news->n) == -1)
		return -1;
	if ((rc = digest_list(o, news, 1, 0, "Cu semnalari (vizita in "
	    "72h)")) != 0 ||
	    (rc = digest_list(o, news, 0, 1, "Fara cod familie (sunati "
	    "raportorul)")) != 0 ||
	    (rc = digest_list(o, news, 0, 0, "Fara semnalari")) != 0 ||
	    (rc = digest_list(o, news, 2, 0, "Actualizate")) != 0)
		goto out;
	if (overdue > 0) {
		snprintf(text, sizeof(text), "Vizite peste termenul de 72h: "
		    "%zu.", overdue);
		if ((rc = digest_add(o, NULL, 0, text)) == -1)
			return -1;
		rc = rc == 0;
	}
out:
	if (rc == -1 || digest_flush(o) == -1)
		return -1;
	return rc;
}

static int
digest_run(struct store *st, const struct gw_config *conf,
    struct flow_due_item *it)
{
	struct sheet_filter f;
	struct alert_list news, overdue;
	struct digest_out o;
	char day[16];
	int minute, more = 0, rc = -1;

	minute = digest_minute(conf);
	if (minute == -1) {
		strlcpy_s(it->err, "digest_time malformed", sizeof(it->err));
		return -1;
	}
	memset(&news, 0, sizeof(news));
	memset(&overdue, 0, sizeof(overdue));
	memset(&o, 0, sizeof(o));
	o.st = st;
	o.conf = conf;
	o.now = it->now;
	format_local(it->now, 0, o.when, sizeof(o.when));
	buf_init(&o.msg, 2 * DIGEST_SMS_CHARS);
	memset(&f, 0, sizeof(f));
	f.unnotified = 1;
	f.urgent_plus1 = 1; /* not urgent: those were alerted at once, */
	f.with_updates = 1; /* but updates of a cycle are listed */
	if (sheet_store_list(st, &f, collect_cb, &news) == -1)
		goto done;
	memset(&f, 0, sizeof(f));
	f.overdue_at = it->now;
	if (sheet_store_list(st, &f, collect_cb, &overdue) == -1)
		goto done;
	if (news.n > 0 || overdue.n > 0) {
		more = digest_write(&o, &news, overdue.n);
		if (more == -1) {
			snprintf(it->err, sizeof(it->err), "digest not "
			    "queued (%zu new sheets)", news.n);
			goto done;
		}
		log_info("sheets: daily digest queued in %d SMS (%zu of %zu "
		    "new listed, %zu overdue)", o.sent, o.listed, news.n,
		    overdue.n);
	}
	if (more || news.n == LIST_MAX) {
		log_warnx("sheets: digest full, the remaining new sheets "
		    "follow in %lld min", (long long)(DIGEST_MORE_MS / 60000));
		it->next = it->now + DIGEST_MORE_MS;
	} else {
		/* The occurrence served is that of the row's day; the next
		 * is the first one after now on another day. */
		local_day(it->due->due_at, day, sizeof(day));
		if (sheet_store_meta_set(st, DIGEST_META_KEY, day) == -1)
			goto done;
		it->next = flow_due_daily_at(it->now, minute, 0);
		if (it->next <= it->now)
			it->next = flow_due_daily_at(it->now, minute, 1);
	}
	rc = FLOW_DUE_AGAIN;
done:
	buf_free(&o.msg);
	free(o.ids);
	alert_list_free(&news);
	alert_list_free(&overdue);
	return rc;
}

static int
due_cb(struct store *st, struct flow_due_item *it, void *arg)
{
	const struct gw_config *conf = arg;

	if (strcmp(it->due->kind, DUE_DEADLINE) == 0)
		return deadline_run(st, conf, it);
	if (strcmp(it->due->kind, DUE_DIGEST) == 0)
		return digest_run(st, conf, it);
	log_warnx("sheets: unknown due item %s (%s) dropped", it->due->key,
	    it->due->kind);
	return FLOW_DUE_DONE;
}

int
sheet_alerts_tick(struct store *st, const struct gw_config *conf,
    int64_t now)
{
	if (backfill(st, now) == -1 || digest_ensure(st, conf, now) == -1)
		return -1;
	return flow_due_run(st, DUE_OWNER, now, due_cb, (void *)(uintptr_t)conf,
	    ALERT_BATCH);
}
