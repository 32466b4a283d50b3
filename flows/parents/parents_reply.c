/*
 * parents_reply.c - a person's reply to the question they were last
 * asked (parents_pending), stored and acted on:
 *   N2/N3 (caretaker)  1 confirmed, 2 declined (their data erased but for
 *                      the refusal; the parent asked to name someone
 *                      else; SPAS task), 3 call me (task)
 *   N6                 2 need help (task)
 *   N8                 1 left (DEPARTED, ABROAD), 2 DATE postponed, 3
 *                      cancelled
 *   N9                 4 twice in a row: "contact at risk" task
 *   N10                2 changed (task), 3 back early (RETURNED)
 *   N11                2 call me (call-back task)
 *   N14                2 DATE / 3 staying longer (EXTENDED)
 *   N16                1 back (RETURNED)
 *   N17                2 NUMBER: the new number (task to check)
 * AJUTOR/HELP anywhere in a reply opens a call-back task, and the answer
 * names 112.  SCHIMB from the caretaker: they can no longer care.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "parents_int.h"
#include "phone.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

static const char erase_sql[] =
    "UPDATE parents_notices SET caretaker_name = NULL, caretaker_phone ="
    " NULL, caretaker_rel = NULL, caretaker_adult = NULL,"
    " caretaker_lives = NULL, caretaker_status = 'declined',"
    " updated_at = ?2 WHERE id = ?1";
static const char refusal_sql[] =
    "INSERT INTO parents_refusals (notice_id, at, phone) VALUES (?1, ?2,"
    " ?3)";

static void
say(const struct parents_svc *svc, const struct gw_config *conf,
    const char *id, const char *date, char *out, size_t outlen)
{
	const struct parents_conf *pc = parents_conf(conf);
	const char *vars[] = { "COMUNA", pc->commune, "TEL", pc->spas_phone,
		"DATA", date, NULL, NULL };

	if (parents_text_fill(parents_svc_texts(svc), id, vars, out,
	    outlen) != 0)
		snprintf(out, outlen, "OK");
}

/* Queues text id to phone now (an answer the person caused: no cap). */
static int
tell(struct store *st, const struct parents_svc *svc,
    const struct gw_config *conf, int64_t id, const char *phone,
    const char *tid, int64_t now)
{
	struct store_outbound o;
	char text[400];

	say(svc, conf, tid, NULL, text, sizeof(text));
	memset(&o, 0, sizeof(o));
	o.recipient = (char *)(uintptr_t)phone;
	o.text = text;
	o.priority = STORE_PRIO_REPLY;
	o.created_at = now;
	if (store_outbox_add(st, &o) != 0)
		return -1;
	return parents_msg_log(st, id, phone, tid, "reply", NULL, now);
}

static int
callback(struct store *st, const struct gw_config *conf, int64_t id,
    const char *kind, const char *title, int64_t now)
{
	return parents_task(st, id, kind, title, parents_add_working_days(now,
	    parents_conf(conf)->callback_days), now);
}

static int
caretaker_answer(struct store *st, const struct gw_config *conf,
    const struct parents_svc *svc, const struct parents_row *r, int a,
    const char *phone, int64_t now, char *reply, size_t replylen)
{
	struct store_sql *q;

	if (a == 1) {
		if (parents_row_set_text(st, r->id, "caretaker_status",
		    "confirmed", now) != 0 || parents_enter_state(st, conf,
		    r->id, PARENTS_CARETAKER_CONFIRMED, "caretaker",
		    "answered 1 (yes)", now) != 0 || parents_enter_state(st,
		    conf, r->id, PARENTS_SPAS_REVIEW, "system", "caretaker "
		    "answered", now) != 0)
			return -1;
		parents_unschedule(st, r->id, "N3C");
		parents_unschedule(st, r->id, "NR");
		say(svc, conf, "OKC", NULL, reply, replylen);
		return 1;
	}
	if (a == 2) {
		q = store_sql_prepare(st, erase_sql);
		if (q == NULL)
			return -1;
		store_sql_bind_int64(q, 1, r->id);
		store_sql_bind_int64(q, 2, now);
		if (store_sql_exec(q, "parents: erase caretaker") != 0)
			return -1;
		q = store_sql_prepare(st, refusal_sql);
		if (q == NULL)
			return -1;
		store_sql_bind_int64(q, 1, r->id);
		store_sql_bind_int64(q, 2, now);
		store_sql_bind_text(q, 3, phone);
		if (store_sql_exec(q, "parents: refusal") != 0)
			return -1;
		parents_unschedule(st, r->id, "N3C");
		parents_unschedule(st, r->id, "NR");
		if (parents_enter_state(st, conf, r->id,
		    PARENTS_CARETAKER_DECLINED, "caretaker", "answered 2 (no)",
		    now) != 0 || callback(st, conf, r->id, "caretaker_declined",
		    "Ingrijitorul a refuzat: sunati parintele sa numeasca "
		    "alta persoana", now) != 0 || tell(st, svc, conf, r->id,
		    r->parent_phone, "DECL", now) != 0 ||
		    parents_enter_state(st, conf, r->id, PARENTS_SPAS_REVIEW,
		    "system", "caretaker answered", now) != 0)
			return -1;
		say(svc, conf, "REFUZ", NULL, reply, replylen);
		return 1;
	}
	if (a == 3) {
		if (callback(st, conf, r->id, "caretaker_callback", "Ingrijitorul "
		    "cere sa fie sunat (consimtamant)", now) != 0)
			return -1;
		say(svc, conf, "SUNA", NULL, reply, replylen);
		return 1;
	}
	return 0;
}

/* "2 15.05.2027": the date after the digit, if any. */
static int
date_after(const char *text, char out[11])
{
	const char *p = text;

	while (*p == ' ')
		p++;
	if (*p >= '0' && *p <= '9')
		p++;
	while (*p == ' ' || *p == ',')
		p++;
	return parents_date_parse(p, out);
}

static int
has_word(const char *text, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = text; *p != '\0'; p++) {
		if (strncasecmp(p, w, n) == 0)
			return 1;
	}
	return 0;
}

int
parents_reply(struct store *st, const struct gw_config *conf,
    const struct parents_svc *svc, const char *phone, const char *text,
    int64_t now, char *reply, size_t replylen)
{
	struct parents_row r;
	char nid[16], ymd[11], e164[24], show[16];
	const char *p = text;
	int64_t id;
	int rc, a = 0, handled = 1;

	reply[0] = '\0';
	rc = parents_pending_get(st, phone, &id, nid, sizeof(nid));
	if (rc != 1)
		return rc;
	if ((rc = parents_row_load(st, id, &r)) != 1)
		return rc < 0 ? -1 : 0;
	while (*p == ' ')
		p++;
	if (*p >= '0' && *p <= '9' && (p[1] == '\0' || !isdigit((unsigned char)p[1])))
		a = *p - '0';
	if (parents_msg_log(st, id, phone, nid, "in", a > 0 ? (char[2]){
	    (char)('0' + a), '\0' } : "?", now) != 0)
		return -1;
	if (has_word(text, "AJUTOR") || has_word(text, "HELP")) {
		if (callback(st, conf, id, "help_callback", "Cerere de ajutor "
		    "prin SMS: sunati inapoi", now) != 0)
			return -1;
		say(svc, conf, "SUNA", NULL, reply, replylen);
		return parents_pending_drop(st, phone) == 0 ? 1 : -1;
	}
	if (strcmp(nid, "N2C") == 0 || strcmp(nid, "N3C") == 0) {
		rc = caretaker_answer(st, conf, svc, &r, a, phone, now, reply,
		    replylen);
		if (rc < 0)
			return -1;
		handled = rc;
	} else if (strcmp(nid, "N6") == 0 && (a == 1 || a == 2)) {
		if (parents_row_set_int(st, id, "n6_answer", a, now) != 0 ||
		    (a == 2 && callback(st, conf, id, "n6_help", "Parintele "
		    "cere ajutor inainte de plecare (N6)", now) != 0))
			return -1;
		say(svc, conf, a == 2 ? "SUNA" : "OK", NULL, reply, replylen);
	} else if (strcmp(nid, "N8") == 0 && a == 1) {
		if (parents_enter_state(st, conf, id, PARENTS_DEPARTED,
		    "parent", "N8 answered 1 (left)", now) != 0 ||
		    parents_enter_state(st, conf, id, PARENTS_ABROAD, "system",
		    "departed", now) != 0)
			return -1;
		say(svc, conf, "OK", NULL, reply, replylen);
	} else if (strcmp(nid, "N8") == 0 && a == 2 &&
	    date_after(text, ymd) == 0) {
		if (parents_postpone(st, conf, id, ymd, "parent", now) != 0)
			return -1;
		parents_date_show(ymd, show, sizeof(show));
		say(svc, conf, "AMANAT", show, reply, replylen);
	} else if (strcmp(nid, "N8") == 0 && a == 3) {
		if (parents_enter_state(st, conf, id, PARENTS_CANCELLED,
		    "parent", "N8 answered 3 (not leaving)", now) != 0)
			return -1;
		say(svc, conf, "ANULAT", NULL, reply, replylen);
	} else if (strcmp(nid, "N9") == 0 && a >= 1 && a <= 4) {
		int fours = a == 4 ? r.n9_fours + 1 : 0;

		if (parents_row_set_int(st, id, "n9_fours", fours, now) != 0 ||
		    parents_row_set_int(st, id, "n9_missed", 0, now) != 0 ||
		    (fours >= 2 && parents_task(st, id, "contact_at_risk",
		    "Contact parinte-copil in risc: 'deloc' doua luni la rand",
		    now + 7 * PARENTS_DAY_MS, now) != 0))
			return -1;
		say(svc, conf, "OK", NULL, reply, replylen);
	} else if (strcmp(nid, "N10") == 0 && a >= 1 && a <= 3) {
		if ((a == 2 && callback(st, conf, id, "n10_changed", "Parintele "
		    "anunta o schimbare (ingrijitor, intoarcere sau numar)",
		    now) != 0) || (a == 3 && (parents_enter_state(st, conf, id,
		    PARENTS_RETURNED, "parent", "N10 answered 3 (back)",
		    now) != 0 || callback(st, conf, id, "returned", "Parinte "
		    "intors: sprijin la revenire, reevaluati fisa copiilor",
		    now) != 0)))
			return -1;
		say(svc, conf, a == 3 ? "INTORS" : "OK", NULL, reply,
		    replylen);
	} else if (strcmp(nid, "N11C") == 0 && (a == 1 || a == 2)) {
		if (parents_row_set_int(st, id, "n11_missed", 0, now) != 0 ||
		    (a == 2 && callback(st, conf, id, "caretaker_callback",
		    "Ingrijitorul cere sa fie sunat (N11)", now) != 0))
			return -1;
		say(svc, conf, a == 2 ? "SUNA" : "OK", NULL, reply, replylen);
	} else if ((strcmp(nid, "N12C") == 0 || strcmp(nid, "N13C") == 0 ||
	    strcmp(nid, "N17C") == 0) && a == 3) {
		if (callback(st, conf, id, "caretaker_callback", "Ingrijitorul "
		    "cere sa fie sunat", now) != 0)
			return -1;
		say(svc, conf, "SUNA", NULL, reply, replylen);
	} else if (strcmp(nid, "N14") == 0 && a == 1) {
		say(svc, conf, "OK", NULL, reply, replylen);
	} else if (strcmp(nid, "N14") == 0 && (a == 3 || (a == 2 &&
	    date_after(text, ymd) == 0))) {
		if (parents_extend(st, conf, id, a == 2 ? ymd : "", "parent",
		    now) != 0)
			return -1;
		parents_date_show(a == 2 ? ymd : "", show, sizeof(show));
		say(svc, conf, a == 2 ? "PRELUNGIT" : "OK", show, reply,
		    replylen);
	} else if (strcmp(nid, "N16") == 0 && (a == 1 || a == 2)) {
		if (a == 1 && (parents_enter_state(st, conf, id,
		    PARENTS_RETURNED, "parent", "N16 answered 1 (back)",
		    now) != 0 || callback(st, conf, id, "returned", "Parinte "
		    "intors: sprijin la revenire, reevaluati fisa copiilor",
		    now) != 0))
			return -1;
		say(svc, conf, a == 1 ? "INTORS" : "OK", NULL, reply, replylen);
	} else if ((strcmp(nid, "N17") == 0 || strcmp(nid, "N17C") == 0) &&
	    (a == 1 || a == 2)) {
		if (a == 2) {
			p++;
			while (*p == ' ')
				p++;
			if (strcmp(nid, "N17") == 0 && phone_normalize(p,
			    conf != NULL ? conf->default_country : "40", e164,
			    sizeof(e164)) == 0 && parents_row_set_text(st, id,
			    "phone_abroad", e164, now) != 0)
				return -1;
			if (callback(st, conf, id, "number_changed", "Numar "
			    "nou anuntat: verificati", now) != 0)
				return -1;
		}
		say(svc, conf, "OK", NULL, reply, replylen);
	} else
		handled = 0;
	if (!handled) {
		say(svc, conf, "NEINTELES", NULL, reply, replylen);
		return 1; /* still pending: the next reply is tried again */
	}
	return parents_pending_drop(st, phone) == 0 ? 1 : -1;
}
