/*
 * parents_remind.c - the reminders and check-ins N0-N17 (5) on the
 * persistent scheduler (owner "parents", key "ID:NID", docs/scheduler.md).
 *
 * Every system message goes through here, the caretaker's N2 included:
 *   - quiet hours: an item that comes due outside 09-20 in the
 *     recipient's local time (destination for a parent abroad, the
 *     number's country otherwise; lib/zone.h, so summer time is right)
 *     runs again at the next 09:00 there;
 *   - the cap: at most PARENTS_CAP_MONTH system messages per person per
 *     calendar month of their zone; past it the item waits for the 1st;
 *   - a voice_only caretaker gets a SPAS phone-call task, not an SMS;
 *   - a question leaves a pending row and a reply session, so that the
 *     person's "1"/"2" reaches parents_reply();
 *   - the message, its history row and the item's removal or move
 *     commit together (flow_due_run), so a crash neither loses nor
 *     repeats one.
 * Dated reminders are recomputed from the notice at each state change
 * (parents_reschedule_all): a postponed departure moves D-2 and D+3, an
 * early return or a cancellation drops what is pending.  A dated one
 * whose day has passed is dropped, never sent late.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "flow.h"
#include "log.h"
#include "parents_int.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"
#include "zone.h"

#define HOUR_MS	   (3600 * 1000LL)
#define SEND_HOUR  10	/* dated reminders are meant for 10:00 local */
#define DUE_BATCH  128

static const char *const all_nids[] = { "N2C", "N3C", "NR", "N4", "N4A",
	"N5", "N6", "N7", "N8", "N9", "N10", "N11C", "N12C", "N13", "N13C",
	"N14", "N15", "N16", "N17", "N17C", NULL };

/* Questions: the reply to them is parsed (parents_reply.c). */
static int
is_question(const char *nid)
{
	static const char *const q[] = { "N2C", "N3C", "N6", "N8", "N9",
		"N10", "N11C", "N12C", "N13C", "N14", "N16", "N17", "N17C",
		NULL };

	for (size_t i = 0; q[i] != NULL; i++) {
		if (strcmp(q[i], nid) == 0)
			return 1;
	}
	return 0;
}

static int
to_caretaker(const char *nid)
{
	size_t n = strlen(nid);

	return n > 0 && nid[n - 1] == 'C';
}

int
parents_schedule(struct store *st, int64_t id, const char *nid, int64_t at,
    int64_t now)
{
	char key[48];

	snprintf(key, sizeof(key), "%lld:%s", (long long)id, nid);
	return store_due_put(st, PARENTS_OWNER, key, nid, at, NULL, now);
}

int
parents_unschedule(struct store *st, int64_t id, const char *nid)
{
	char key[48];

	snprintf(key, sizeof(key), "%lld:%s", (long long)id, nid);
	return store_due_cancel(st, PARENTS_OWNER, key);
}

static int
scheduled(struct store *st, int64_t id, const char *nid)
{
	struct store_due d;
	char key[48];
	int rc;

	snprintf(key, sizeof(key), "%lld:%s", (long long)id, nid);
	rc = store_due_get(st, PARENTS_OWNER, key, &d);
	if (rc == 1)
		store_due_clear(&d);
	return rc;
}

const char *
parents_zone(const char *phone, const char *country, int abroad)
{
	const char *z = NULL;

	if (abroad && country != NULL && country[0] != '\0')
		z = zone_for_country(country);
	if (z == NULL)
		z = zone_for_phone(phone != NULL ? phone : "", ZONE_HOME);
	return z != NULL ? z : ZONE_HOME;
}

/* The parent's number for system messages: the foreign one once abroad
 * (if given), else the Romanian one. */
static const char *
parent_number(const struct parents_row *r)
{
	if (parents_state_abroad(r->state) && r->phone_abroad[0] != '\0')
		return r->phone_abroad;
	return r->parent_phone;
}

/* A dated one-shot on day + offset at SEND_HOUR in zone, if still ahead;
 * else dropped. */
static int
dated(struct store *st, int64_t id, const char *nid, int64_t day,
    const char *zone, int64_t now)
{
	int64_t at = parents_day_at(day, SEND_HOUR, zone);

	if (day < 0 || at <= now)
		return parents_unschedule(st, id, nid) < 0 ? -1 : 0;
	return parents_schedule(st, id, nid, at, now);
}

/* A recurring item, put once; its handler moves it on. */
static int
recurring(struct store *st, int64_t id, const char *nid, int64_t at,
    int64_t now)
{
	int rc = scheduled(st, id, nid);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return parents_schedule(st, id, nid, at, now);
}

/* The next school-term start (MM-DD of [parents] school_terms) after
 * today, as a day. */
static int64_t
next_term(const struct parents_conf *pc, int64_t today)
{
	int64_t best = -1;
	char ymd[11], tmp[16];

	parents_date_from_days(today, ymd);
	for (int dy = 0; dy <= 1; dy++) {
		for (size_t i = 0; i < pc->nschool_terms; i++) {
			int64_t d;

			snprintf(tmp, sizeof(tmp), "%04ld-%s",
			    strtol(ymd, NULL, 10) + dy, pc->school_terms[i]);
			d = parents_date_days(tmp);
			if (d > today && (best < 0 || d < best))
				best = d;
		}
	}
	return best;
}

int
parents_reschedule_all(struct store *st, const struct gw_config *conf,
    int64_t id, int64_t now)
{
	const struct parents_conf *pc = parents_conf(conf);
	struct parents_row r;
	const char *pz, *cz;
	int64_t dep, ret, today, term;
	int rc = 0;

	if (parents_row_load(st, id, &r) != 1)
		return -1;
	if (parents_state_final(r.state)) {
		for (size_t i = 0; all_nids[i] != NULL; i++) {
			if (parents_unschedule(st, id, all_nids[i]) < 0)
				return -1;
		}
		if (parents_pending_drop(st, r.parent_phone) != 0 ||
		    (r.caretaker_phone[0] != '\0' &&
		    parents_pending_drop(st, r.caretaker_phone) != 0))
			return -1;
		return 0;
	}
	pz = parents_zone(parent_number(&r), r.country,
	    parents_state_abroad(r.state));
	cz = parents_zone(r.caretaker_phone, NULL, 0);
	dep = parents_date_days(r.departure);
	ret = r.return_date[0] != '\0' ? parents_date_days(r.return_date) : -1;
	today = parents_day_in_zone(now, pz);
	if (!parents_state_abroad(r.state)) {
		/* Before departure: D-45 (not yet NOTIFIED), D-14, D-2, D+3. */
		rc |= r.state != PARENTS_NOTIFIED ?
		    dated(st, id, "N5", dep - 45, pz, now) :
		    parents_unschedule(st, id, "N5") < 0 ? -1 : 0;
		rc |= dated(st, id, "N6", dep - 14, pz, now);
		rc |= dated(st, id, "N7", dep - 2, pz, now);
		rc |= dated(st, id, "N8", dep + 3, pz, now);
		return rc != 0 ? -1 : 0;
	}
	for (const char *const *n = (const char *const[]){ "N5", "N6", "N7",
	    "N8", NULL }; *n != NULL; n++)
		rc |= parents_unschedule(st, id, *n) < 0 ? -1 : 0;
	rc |= recurring(st, id, "N9", now + 30 * PARENTS_DAY_MS, now);
	rc |= recurring(st, id, "N10", now + 91 * PARENTS_DAY_MS, now);
	rc |= recurring(st, id, "N11C", now + 44 * PARENTS_DAY_MS, now);
	rc |= recurring(st, id, "N17", now + 365 * PARENTS_DAY_MS, now);
	rc |= recurring(st, id, "N17C", now + 365 * PARENTS_DAY_MS + HOUR_MS,
	    now);
	term = next_term(pc, today);
	if (term >= 0) {
		rc |= recurring(st, id, "N13", parents_day_at(term, SEND_HOUR,
		    pz), now);
		rc |= recurring(st, id, "N13C", parents_day_at(term,
		    SEND_HOUR, cz), now);
	}
	{
		int64_t inv, m = parents_next_meeting(pc, now, &inv);

		rc |= m > 0 ? recurring(st, id, "N12C", inv, now) :
		    parents_unschedule(st, id, "N12C") < 0 ? -1 : 0;
	}
	if (ret >= 0) {
		rc |= dated(st, id, "N14", ret - 30, pz, now);
		rc |= dated(st, id, "N15", ret - 7, pz, now);
		rc |= dated(st, id, "N16", ret + 3, pz, now);
	} else {
		rc |= parents_unschedule(st, id, "N14") < 0 ? -1 : 0;
		rc |= parents_unschedule(st, id, "N15") < 0 ? -1 : 0;
		rc |= parents_unschedule(st, id, "N16") < 0 ? -1 : 0;
	}
	return rc != 0 ? -1 : 0;
}

static const char month_sql[] =
    "SELECT count(*) FROM parents_messages WHERE phone = ?1 AND"
    " direction = 'out' AND at >= ?2";

static int64_t
month_start(int64_t now, const char *zone, int next, int hour)
{
	struct tm tm;

	if (zone_local(now, zone, &tm) != 0)
		return now;
	tm.tm_mday = 1;
	tm.tm_hour = hour;
	tm.tm_min = tm.tm_sec = 0;
	if (next && ++tm.tm_mon == 12) {
		tm.tm_mon = 0;
		tm.tm_year++;
	}
	return zone_mktime(zone, &tm);
}

int
parents_month_count(struct store *st, const char *phone, const char *zone,
    int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, month_sql);
	int rc, n = 0;

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int64(q, 2, month_start(now, zone, 0, 0));
	rc = store_sql_step(q, "parents: month count");
	if (rc == 1)
		n = store_sql_col_int(q, 0);
	store_sql_done(q);
	return rc < 0 ? -1 : n;
}

int
parents_reply_session(struct store *st, const char *phone,
    const char *version, int64_t now)
{
	struct store_session s, old;
	int rc;

	rc = store_session_get(st, phone, FLOW_CHANNEL_SMS, &old);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		/* A person in the middle of another dialogue keeps it; the
		 * answer then reaches us only if they reply later. */
		int busy = strcmp(old.flow != NULL ? old.flow : "",
		    "parinti-raspuns") != 0;

		store_session_clear(&old);
		if (busy)
			return 0;
	}
	memset(&s, 0, sizeof(s));
	s.phone = (char *)(uintptr_t)phone;
	s.channel = FLOW_CHANNEL_SMS;
	s.flow = (char *)(uintptr_t)"parinti-raspuns";
	s.version = (char *)(uintptr_t)(version != NULL ? version : "");
	s.node = (char *)(uintptr_t)"raspuns";
	s.state = 2; /* waiting for an answer (flow_int.h) */
	s.fields = (char *)(uintptr_t)"";
	s.started_at = s.waiting_since = s.updated_at = now;
	s.due_at = 0; /* no re-prompt, no expiry message */
	return store_session_put(st, &s);
}

struct tick_arg {
	const struct gw_config *conf;
	const struct parents_svc *svc;
};

static void
date_for(const struct parents_conf *pc, const struct parents_row *r,
    const char *nid, int64_t now, char *out, size_t outlen)
{
	int64_t inv, m;
	struct tm tm;

	if (strcmp(nid, "N12C") == 0) {
		/* The meeting this invitation is for: the first one ahead. */
		m = parents_next_meeting(pc, now - 2 * 3600 * 1000LL, &inv);
		if (m > 0 && zone_local(m, ZONE_HOME, &tm) == 0)
			snprintf(out, outlen, "%02d.%02d.%04d ora %02d:%02d, "
			    "%.40s", tm.tm_mday, tm.tm_mon + 1,
			    (tm.tm_year + 1900) % 10000, tm.tm_hour, tm.tm_min,
			    pc->meeting_place != NULL ? pc->meeting_place : "");
		else
			snprintf(out, outlen, "?");
		return;
	}
	if (strcmp(nid, "N14") == 0 || strcmp(nid, "N15") == 0)
		parents_date_show(r->return_date, out, outlen);
	else
		parents_date_show(r->departure, out, outlen);
}

static int
first_name(const char *full, char *out, size_t outlen)
{
	size_t n = strcspn(full, " ");

	snprintf(out, outlen, "%.*s", (int)(n < 40 ? n : 40), full);
	return 0;
}

/* Queues nid to phone (or a call task for a voice_only caretaker). */
static int
send_one(struct store *st, const struct gw_config *conf,
    const struct parents_svc *svc, const struct parents_row *r,
    const char *nid, const char *phone, int64_t now)
{
	const struct parents_conf *pc = parents_conf(conf);
	struct store_outbound o;
	struct store_contact c;
	char text[400], date[80], days[8], first[48], title[120];
	const char *vars[14];
	int rc;

	if (to_caretaker(nid) && r->voice_only) {
		snprintf(title, sizeof(title), "Sunati ingrijitorul (mesaj "
		    "%s, nu primeste SMS), anunt %s", nid, r->number);
		if (parents_task(st, r->id, "call_caretaker", title,
		    parents_add_working_days(now, pc->callback_days), now))
			return -1;
		return parents_msg_log(st, r->id, phone, nid, "call", NULL, now);
	}
	rc = store_contact_find(st, phone, &c);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		int out = c.opted_out;

		store_contact_clear(&c);
		if (out) /* STOP: reminders stop, the legal record stays */
			return 0;
	}
	date_for(pc, r, nid, now, date, sizeof(date));
	snprintf(days, sizeof(days), "%d", pc->notice_days);
	first_name(r->parent_name, first, sizeof(first));
	vars[0] = "COMUNA"; vars[1] = pc->commune != NULL ? pc->commune : "";
	vars[2] = "TEL"; vars[3] = pc->spas_phone != NULL ? pc->spas_phone : "";
	vars[4] = "NR"; vars[5] = r->number;
	vars[6] = "PARINTE"; vars[7] = first;
	vars[8] = "DATA"; vars[9] = date;
	vars[10] = "ZILE"; vars[11] = days;
	vars[12] = NULL; vars[13] = NULL;
	if (parents_text_fill(parents_svc_texts(svc), nid, vars, text,
	    sizeof(text)) != 0) {
		log_warnx("parents: no text %s in texts.csv", nid);
		return -1;
	}
	memset(&o, 0, sizeof(o));
	o.recipient = (char *)(uintptr_t)phone;
	o.text = text;
	o.priority = STORE_PRIO_BULK;
	o.created_at = now;
	if (store_outbox_add(st, &o) != 0 ||
	    parents_msg_log(st, r->id, phone, nid, "out", NULL, now) != 0)
		return -1;
	if (is_question(nid) && (parents_pending_put(st, phone, r->id, nid,
	    now) != 0 || parents_reply_session(st, phone,
	    parents_svc_reply_version(svc), now) != 0))
		return -1;
	log_info("parents: notice %lld: %s queued", (long long)r->id, nid);
	return 0;
}

static const char last_out_sql[] =
    "SELECT coalesce(max(at), 0) FROM parents_messages WHERE"
    " notice_id = ?1 AND nid = ?2 AND direction = 'out'";

/* Was the last nid asked left unanswered?  1/0/-1. */
static int
unanswered(struct store *st, int64_t id, const char *nid)
{
	struct store_sql *q = store_sql_prepare(st, last_out_sql);
	int64_t last = 0;
	int rc;

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, nid);
	rc = store_sql_step(q, "parents: last asked");
	if (rc == 1)
		last = store_sql_col_int64(q, 0);
	store_sql_done(q);
	if (rc < 0)
		return -1;
	if (last == 0)
		return 0;
	rc = parents_answered_since(st, id, nid, last);
	return rc < 0 ? -1 : !rc;
}

/* Before a recurring check-in goes out: the previous one unanswered
 * counts; twice in a row opens the escalation task of 5. */
static int
count_missed(struct store *st, const struct parents_row *r, const char *nid,
    int64_t now)
{
	int u = unanswered(st, r->id, nid), n9 = strcmp(nid, "N9") == 0;
	int missed = n9 ? r->n9_missed : r->n11_missed;

	if (u < 0)
		return -1;
	missed = u ? missed + 1 : 0;
	if (parents_row_set_int(st, r->id, n9 ? "n9_missed" : "n11_missed",
	    missed, now) != 0)
		return -1;
	if (missed >= 2)
		return parents_task(st, r->id, n9 ? "contact_at_risk" :
		    "caretaker_unreachable", n9 ? "Contact parinte-copil in "
		    "risc: check-in lunar fara raspuns de doua ori" :
		    "Ingrijitor de negasit: doua verificari fara raspuns "
		    "(sunati/vizitati)", now + 7 * PARENTS_DAY_MS, now);
	return 0;
}

static int
no_reply(struct store *st, const struct gw_config *conf,
    const struct parents_row *r, int64_t now)
{
	if (strcmp(r->caretaker_status, "pending") != 0 ||
	    r->state != PARENTS_CARETAKER_PENDING)
		return FLOW_DUE_DONE;
	if (parents_row_set_text(st, r->id, "caretaker_status", "no_reply",
	    now) != 0 || parents_task(st, r->id, "caretaker_no_reply",
	    "Ingrijitorul nu a raspuns in 72 h: sunati sau vizitati",
	    parents_add_working_days(now, parents_conf(conf)->callback_days),
	    now) != 0 || parents_enter_state(st, conf, r->id,
	    PARENTS_CARETAKER_NO_REPLY, "system", "no answer to N2/N3 in "
	    "72 h", now) != 0 || parents_enter_state(st, conf, r->id,
	    PARENTS_SPAS_REVIEW, "system", "caretaker timed out", now) != 0)
		return -1;
	return FLOW_DUE_DONE;
}

/* Dated items past their day (departure or return) are not sent. */
static int
outdated(const struct parents_row *r, const char *nid, int64_t today)
{
	int64_t dep = parents_date_days(r->departure);
	int64_t ret = parents_date_days(r->return_date);

	if (strcmp(nid, "N5") == 0 || strcmp(nid, "N6") == 0 ||
	    strcmp(nid, "N7") == 0)
		return today >= dep || parents_state_abroad(r->state);
	if (strcmp(nid, "N14") == 0 || strcmp(nid, "N15") == 0)
		return ret < 0 || today >= ret;
	if (strcmp(nid, "N2C") == 0 || strcmp(nid, "N3C") == 0)
		return strcmp(r->caretaker_status, "pending") != 0;
	return 0;
}

static int
due_cb(struct store *st, struct flow_due_item *it, void *varg)
{
	const struct tick_arg *a = varg;
	const char *key = it->due->key, *nid = it->due->kind, *phone, *zone;
	struct parents_row r;
	int64_t id, now = it->now, when;
	int rc, n;

	char num[24];
	size_t l = strcspn(key, ":");

	/* key "ID:NID" */
	snprintf(num, sizeof(num), "%.*s", (int)(l < 20 ? l : 20), key);
	if (parse_int64(num, 1, INT64_MAX, &id) != 0)
		return FLOW_DUE_DONE;
	rc = parents_row_load(st, id, &r);
	if (rc != 1)
		return rc < 0 ? -1 : FLOW_DUE_DONE;
	if (parents_state_final(r.state))
		return FLOW_DUE_DONE;
	if (strcmp(nid, "NR") == 0)
		return no_reply(st, a->conf, &r, now);
	if (to_caretaker(nid)) {
		if (strcmp(r.caretaker_status, "declined") == 0 ||
		    r.caretaker_phone[0] == '\0')
			return FLOW_DUE_DONE;
		phone = r.caretaker_phone;
		zone = parents_zone(phone, NULL, 0);
	} else {
		phone = parent_number(&r);
		zone = parents_zone(phone, r.country,
		    parents_state_abroad(r.state));
	}
	if (outdated(&r, nid, parents_day_in_zone(now, zone))) {
		log_info("parents: notice %lld: %s no longer true, dropped",
		    (long long)id, nid);
		return FLOW_DUE_DONE;
	}
	when = zone_next_window(now, zone, PARENTS_QUIET_FROM,
	    PARENTS_QUIET_TO);
	if (when > now) {
		it->next = when;
		log_info("parents: notice %lld: %s waits for 09:00 in %s",
		    (long long)id, nid, zone);
		return FLOW_DUE_AGAIN;
	}
	if (!(to_caretaker(nid) && r.voice_only)) {
		n = parents_month_count(st, phone, zone, now);
		if (n < 0)
			return -1;
		if (n >= PARENTS_CAP_MONTH) {
			it->next = month_start(now, zone, 1, PARENTS_QUIET_FROM);
			log_info("parents: notice %lld: %s deferred by the "
			    "monthly cap", (long long)id, nid);
			return FLOW_DUE_AGAIN;
		}
	}
	if ((strcmp(nid, "N9") == 0 || strcmp(nid, "N11C") == 0) &&
	    count_missed(st, &r, nid, now) != 0)
		return -1;
	if (send_one(st, a->conf, a->svc, &r, nid, phone, now) != 0) {
		snprintf(it->err, sizeof(it->err), "send %s failed", nid);
		return -1;
	}
	/* What follows the message. */
	if (strcmp(nid, "N2C") == 0) {
		if (parents_schedule(st, id, "N3C", now + 48 * HOUR_MS,
		    now) != 0 || parents_schedule(st, id, "NR", now + 72 *
		    HOUR_MS, now) != 0)
			return -1;
	} else if (strcmp(nid, "N14") == 0 && r.state != PARENTS_RETURN_DUE) {
		if (parents_enter_state(st, a->conf, id, PARENTS_RETURN_DUE,
		    "system", "30 days before the expected return", now))
			return -1;
	}
	if (strcmp(nid, "N9") == 0 || strcmp(nid, "N11C") == 0) {
		it->next = now + 30 * PARENTS_DAY_MS;
		return FLOW_DUE_AGAIN;
	}
	if (strcmp(nid, "N10") == 0) {
		it->next = now + 91 * PARENTS_DAY_MS;
		return FLOW_DUE_AGAIN;
	}
	if (strcmp(nid, "N17") == 0 || strcmp(nid, "N17C") == 0) {
		it->next = now + 365 * PARENTS_DAY_MS;
		return FLOW_DUE_AGAIN;
	}
	if (strcmp(nid, "N12C") == 0) {
		int64_t inv;

		if (parents_next_meeting(parents_conf(a->conf), now + 60000,
		    &inv) > 0) {
			it->next = inv;
			return FLOW_DUE_AGAIN;
		}
	}
	if (strcmp(nid, "N13") == 0 || strcmp(nid, "N13C") == 0) {
		int64_t t = next_term(parents_conf(a->conf),
		    parents_day_in_zone(now, zone));

		if (t >= 0) {
			it->next = parents_day_at(t, SEND_HOUR, zone);
			if (it->next > now)
				return FLOW_DUE_AGAIN;
		}
	}
	return FLOW_DUE_DONE;
}

int
parents_tick(struct store *st, const struct gw_config *conf,
    const struct parents_svc *svc, int64_t now)
{
	struct tick_arg a = { conf, svc };

	return flow_due_run(st, PARENTS_OWNER, now, due_cb, &a, DUE_BATCH);
}

int
parents_remind_now(struct store *st, int64_t id, const char *nid,
    int64_t now)
{
	for (size_t i = 0; all_nids[i] != NULL; i++) {
		if (strcmp(all_nids[i], nid) == 0 && strcmp(nid, "NR") != 0)
			return parents_state_of(st, id) < 0 ? -1 :
			    parents_schedule(st, id, nid, now, now);
	}
	return -1;
}
