/*
 * sheet_alerts.c - what SPAS duty numbers receive (spas-followup.md 5.3):
 *
 *   - an urgent alert at once for a sheet with 6b2, 6b3 or U (D3);
 *   - the 72-hour visit deadline (D2): an alert when 24 hours have passed
 *     and no visit is scheduled, and another when 48 hours have passed
 *     and the family is still not visited;
 *   - a daily digest at [sheets] digest_time of the new non-urgent
 *     sheets, persisted in the store so a restart never sends it twice.
 *
 * SPAS messages carry sheet numbers, counts and the reporter's number to
 * call back; never a household code or an indicator.  Everything here
 * runs inside the caller's transaction, so a queued alert and the flag
 * that says it was queued commit together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

#define MS_PER_HOUR	  (3600 * 1000LL)
#define ALERT_BATCH	  256 /* deadline alerts handled per tick */
#define DIGEST_MAX_LISTED 40  /* sheet numbers written out per list */
#define DIGEST_MAX_BYTES  900 /* about six SMS parts */
#define DIGEST_META_KEY	  "digest_day"

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
	char *phone; /* reporter, for NOU call-backs */
	char *visit_date;
};

struct alert_list {
	struct alert_item *items;
	size_t n;
	size_t cap;
};

static int queue_spas(struct store *, const struct gw_config *, const char *,
    int64_t);
static void format_local(int64_t, int, char *, size_t);
static int collect_cb(const struct store_sheet *, void *);
static void alert_list_free(struct alert_list *);
static int mark_notified(struct store *, int64_t, int64_t);
static int deadline_alerts(struct store *, const struct gw_config *,
    int64_t);
static int digest_due(const struct gw_config *, int64_t, char *, size_t);
static int digest(struct store *, const struct gw_config *, int64_t);
static int add_numbers(struct buf *, const struct alert_list *, int, int);

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
	struct store_sheet s;
	int rc = -1;

	if (store_sheet_get(st, id, 0, &s) != 1)
		return -1;
	if (store_sheet_set_notified(st, id, now) == -1)
		goto done;
	if (s.state == STORE_SHEET_NEW &&
	    sheet_enter_state(st, &s, sheet_assessed_state(&s), NULL, now) ==
	    -1)
		goto done;
	rc = 0;
done:
	store_sheet_clear(&s);
	return rc;
}

int
sheet_alert_urgent(struct store *st, const struct gw_config *conf,
    int64_t sheet_id, int64_t now)
{
	struct store_sheet s;
	struct buf b;
	char no[16];
	int rc = -1;

	if (store_sheet_get(st, sheet_id, 0, &s) != 1)
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
	store_sheet_clear(&s);
	return rc;
}

static int
collect_cb(const struct store_sheet *s, void *arg)
{
	struct alert_list *l = arg;
	struct alert_item *it;

	if (l->n == ALERT_BATCH * 4)
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

/*
 * The 24 h and 48 h alerts of the 72 h visit deadline.  If the gateway
 * was down past both, only the later one is sent.
 */
static int
deadline_alerts(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct store_sheet_filter f;
	struct alert_list l;
	size_t i, sent = 0;
	int rc = -1;

	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	f.needs_visit = 1;
	f.overdue_at = now + 48 * MS_PER_HOUR; /* due for the 24 h alert */
	if (store_sheet_list(st, &f, collect_cb, &l) == -1)
		goto done;
	for (i = 0; i < l.n && sent < ALERT_BATCH; i++) {
		struct alert_item *it = &l.items[i];
		char no[16], when[32], text[200];
		int which = 0;

		if (now >= it->deadline - 24 * MS_PER_HOUR &&
		    !it->alert_48_sent)
			which = 48;
		else if (now >= it->deadline - 48 * MS_PER_HOUR &&
		    !it->alert_24_sent && !it->alert_48_sent &&
		    it->state != STORE_SHEET_VISIT_SCHEDULED)
			which = 24;
		if (which == 0)
			continue;
		sheet_format_no(it->county, it->seq, no, sizeof(no));
		format_local(it->deadline, 1, when, sizeof(when));
		if (which == 24)
			snprintf(text, sizeof(text), "Stafeta: fisa FO %s are "
			    "semnalari si nicio vizita programata. Termen "
			    "vizita: %s (mai sunt 48h).", no, when);
		else if (it->state == STORE_SHEET_VISIT_SCHEDULED)
			snprintf(text, sizeof(text), "Stafeta: fisa FO %s "
			    "inca nevizitata (programata %s). Termen vizita: "
			    "%s (mai sunt 24h).", no, it->visit_date != NULL ?
			    it->visit_date : "?", when);
		else
			snprintf(text, sizeof(text), "Stafeta: fisa FO %s "
			    "inca nevizitata. Termen vizita: %s (mai sunt "
			    "24h).", no, when);
		if (queue_spas(st, conf, text, now) == -1)
			goto done;
		if (store_sheet_set_alert(st, it->id, which, now) == -1)
			goto done;
		if (which == 48 && !it->alert_24_sent &&
		    store_sheet_set_alert(st, it->id, 24, now) == -1)
			goto done;
		log_info("sheet %lld: %s %dh deadline alert queued",
		    (long long)it->id, no, which);
		sent++;
	}
	rc = 0;
done:
	alert_list_free(&l);
	return rc;
}

/*
 * 1 if the digest is due at now (local time at or past digest_time and
 * not yet sent today), with today's date "YYYY-MM-DD" in day; 0 if not;
 * -1 if digest_time is malformed.
 */
static int
digest_due(const struct gw_config *conf, int64_t now, char *day,
    size_t daylen)
{
	const char *at = sheet_conf(conf)->digest_time;
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	int64_t hh, mm;
	char buf[8];

	if (at == NULL || strlen(at) != 5 || at[2] != ':')
		return -1;
	memcpy(buf, at, 2);
	buf[2] = '\0';
	if (parse_int64(buf, 0, 23, &hh) == -1 ||
	    parse_int64(at + 3, 0, 59, &mm) == -1)
		return -1;
	localtime_r(&t, &tm);
	strftime(day, daylen, "%Y-%m-%d", &tm);
	return tm.tm_hour * 60 + tm.tm_min >= hh * 60 + mm;
}

/* Appends up to DIGEST_MAX_LISTED numbers of items matching (risk,
 * nou); returns how many matched. */
static int
add_numbers(struct buf *b, const struct alert_list *l, int risk, int nou)
{
	size_t i;
	int n = 0;

	for (i = 0; i < l->n; i++) {
		const struct alert_item *it = &l->items[i];
		char no[16];

		if (it->no_household != nou || (!nou && it->any_risk != risk))
			continue;
		if (n < DIGEST_MAX_LISTED) {
			sheet_format_no(it->county, it->seq, no, sizeof(no));
			if (buf_printf(b, "%s%s", n > 0 ? " " : "", no) == -1)
				return n;
			if (nou && it->phone != NULL &&
			    buf_printf(b, " (%s)", it->phone) == -1)
				return n;
		}
		n++;
	}
	if (n > DIGEST_MAX_LISTED)
		(void)!buf_printf(b, " +%d", n - DIGEST_MAX_LISTED);
	return n;
}

static int
digest(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct store_sheet_filter f;
	struct alert_list news, overdue;
	char day[16], when[16], *last = NULL;
	struct buf b;
	size_t i, nrisk = 0, nnou = 0, nnone = 0;
	int due, rc = -1;

	due = digest_due(conf, now, day, sizeof(day));
	if (due <= 0)
		return due == -1 ? -1 : 0;
	if (store_sheet_meta_get(st, DIGEST_META_KEY, &last) == -1)
		return -1;
	if (last != NULL && strcmp(last, day) == 0) {
		free(last);
		return 0;
	}
	free(last);
	memset(&news, 0, sizeof(news));
	memset(&overdue, 0, sizeof(overdue));
	buf_init(&b, DIGEST_MAX_BYTES);
	memset(&f, 0, sizeof(f));
	f.unnotified = 1;
	f.urgent_plus1 = 1; /* not urgent: those were alerted at once */
	if (store_sheet_list(st, &f, collect_cb, &news) == -1)
		goto done;
	memset(&f, 0, sizeof(f));
	f.overdue_at = now;
	if (store_sheet_list(st, &f, collect_cb, &overdue) == -1)
		goto done;
	for (i = 0; i < news.n; i++) {
		if (news.items[i].no_household)
			nnou++;
		else if (news.items[i].any_risk)
			nrisk++;
		else
			nnone++;
	}
	if (news.n > 0 || overdue.n > 0) {
		format_local(now, 0, when, sizeof(when));
		(void)!buf_printf(&b, "Stafeta %s: %zu fise noi.", when,
		    news.n);
		if (nrisk > 0) {
			(void)!buf_addstr(&b, " Cu semnalari (vizita in "
			    "72h): ");
			add_numbers(&b, &news, 1, 0);
			(void)!buf_addstr(&b, ".");
		}
		if (nnou > 0) {
			(void)!buf_addstr(&b, " Fara cod familie (sunati "
			    "raportorul): ");
			add_numbers(&b, &news, 0, 1);
			(void)!buf_addstr(&b, ".");
		}
		if (nnone > 0) {
			(void)!buf_addstr(&b, " Fara semnalari: ");
			add_numbers(&b, &news, 0, 0);
			(void)!buf_addstr(&b, ".");
		}
		if (overdue.n > 0)
			(void)!buf_printf(&b, " Vizite peste termenul de 72h: "
			    "%zu.", overdue.n);
		if (b.len == 0 || queue_spas(st, conf, b.data, now) == -1)
			goto done;
		log_info("sheets: daily digest queued (%zu new, %zu overdue)",
		    news.n, overdue.n);
	}
	for (i = 0; i < news.n; i++)
		if (mark_notified(st, news.items[i].id, now) == -1)
			goto done;
	if (store_sheet_meta_set(st, DIGEST_META_KEY, day) == -1)
		goto done;
	rc = 0;
done:
	buf_free(&b);
	alert_list_free(&news);
	alert_list_free(&overdue);
	return rc;
}

int
sheet_alerts_tick(struct store *st, const struct gw_config *conf,
    int64_t now)
{
	if (deadline_alerts(st, conf, now) == -1)
		return -1;
	return digest(st, conf, now);
}
