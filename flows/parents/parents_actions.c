/*
 * parents_actions.c - the flow actions of the registration dialogue
 * (registration.flow: PLEC by SMS and by USSD, the same steps), of
 * SCHIMB (schimb.flow) and of the replies to questions (raspuns.flow).
 *
 *   parents_check_departure  field plecare: a date (15.3.2027,
 *                            15/03/2027, 15-03-2027) or 0 = already
 *                            left: ok / abroad / past / bad
 *   parents_check_country    field tara: menu digit, ISO code or name:
 *                            ok / bad (saves tara_iso)
 *   parents_check_return     field intoarcere: date, months or 0: ok / bad
 *   parents_child_add        fields copil_nume, copil_an: more / done /
 *                            bad_year / bad_name (digits: a CNP)
 *   parents_check_caretaker  field ingrijitor_tel: ok / same (the
 *                            parent's own number)
 *   parents_submit           stores the notice, replies N1: ok / error
 *   parents_change_who       SCHIMB: parent / caretaker / none
 *   parents_change_submit    the parent's new caretaker: ok / error
 *   parents_answer           a reply to a question: ok / again / none
 *
 * Names, dates and numbers typed in the dialogue are not kept in the
 * message log (forget_input): the notice is the one place they live.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "log.h"
#include "parents_int.h"
#include "store.h"
#include "util.h"
#include "zone.h"

static const char *get(struct flow_action_ctx *c, const char *k)
{
	const char *v = flow_session_get(c->session, k);

	return v != NULL ? v : "";
}

static int
get_int(struct flow_action_ctx *c, const char *k)
{
	int64_t v;

	return parse_int64(get(c, k), 0, 9999, &v) == 0 ? (int)v : -1;
}

static const char *
check_departure(struct flow_action_ctx *c)
{
	const char *in = get(c, "plecare");
	char ymd[11];
	int64_t today = parents_day_in_zone(c->now, ZONE_HOME);

	c->forget_input = 1;
	if (strcmp(in, "0") == 0) {
		parents_date_from_days(today, ymd);
		flow_session_set(c->session, "plecare_iso", ymd);
		flow_session_set(c->session, "deja_plecat", "1");
		return "abroad";
	}
	if (parents_date_parse(in, ymd) != 0)
		return "bad";
	if (parents_date_days(ymd) < today)
		return "past";
	flow_session_set(c->session, "plecare_iso", ymd);
	flow_session_set(c->session, "deja_plecat", "0");
	return "ok";
}

static const char *
check_country(struct flow_action_ctx *c)
{
	static const struct {
		const char *name, *iso;
	} names[] = { { "ITALIA", "IT" }, { "SPANIA", "ES" },
		{ "GERMANIA", "DE" }, { "ANGLIA", "GB" },
		{ "MAREA BRITANIE", "GB" }, { "FRANTA", "FR" },
		{ "AUSTRIA", "AT" }, { "UNGARIA", "HU" }, { "BELGIA", "BE" },
		{ "OLANDA", "NL" }, { "IRLANDA", "IE" }, { "DANEMARCA", "DK" },
		{ "OLASZORSZAG", "IT" }, { "NEMETORSZAG", "DE" },
		{ "SPANYOLORSZAG", "ES" }, { "MAGYARORSZAG", "HU" } };
	const struct parents_conf *pc = parents_conf(c->conf);
	char *norm = flow_text_normalize(get(c, "tara"));
	const char *iso = NULL;
	char code[3];
	int64_t n;

	if (parse_int64(norm, 1, (int64_t)pc->ncountries, &n) == 0)
		iso = pc->countries[n - 1];
	else if (strlen(norm) == 2 && isalpha((unsigned char)norm[0]) &&
	    isalpha((unsigned char)norm[1])) {
		snprintf(code, sizeof(code), "%s", norm);
		iso = code;
	} else {
		for (size_t i = 0; i < NELEM(names); i++) {
			if (strcmp(norm, names[i].name) == 0)
				iso = names[i].iso;
		}
	}
	if (iso != NULL)
		flow_session_set(c->session, "tara_iso", iso);
	free(norm);
	c->forget_input = 1;
	return iso != NULL ? "ok" : "bad";
}

static const char *
check_return(struct flow_action_ctx *c)
{
	const char *in = get(c, "intoarcere");
	int64_t dep = parents_date_days(get(c, "plecare_iso")), n;
	char ymd[11];

	c->forget_input = 1;
	if (strcmp(in, "0") == 0) {
		flow_session_set(c->session, "intoarcere_iso", "");
		return "ok";
	}
	if (parse_int64(in, 1, 120, &n) == 0) {
		parents_date_from_days(dep + n * 30, ymd);
		flow_session_set(c->session, "intoarcere_iso", ymd);
		return "ok";
	}
	if (parents_date_parse(in, ymd) != 0 || parents_date_days(ymd) <= dep)
		return "bad";
	flow_session_set(c->session, "intoarcere_iso", ymd);
	return "ok";
}

static const char *
child_add(struct flow_action_ctx *c)
{
	char ymd[11], name[32], *all;
	int year = get_int(c, "copil_an"), now_y, n = get_int(c, "copii_n");
	int want = get_int(c, "nr_copii");

	parents_date_from_days(parents_day_in_zone(c->now, ZONE_HOME), ymd);
	now_y = (int)strtol(ymd, NULL, 10);
	c->forget_input = 1;
	/* No CNP by SMS (4.1): a name with digits is refused. */
	if (strpbrk(get(c, "copil_nume"), "0123456789") != NULL)
		return "bad_name";
	if (year < now_y - 17 || year > now_y)
		return "bad_year";
	snprintf(name, sizeof(name), "%s", get(c, "copil_nume"));
	for (char *p = name; *p != '\0'; p++) {
		if (*p == ';' || *p == '|')
			*p = ' ';
	}
	all = xasprintf("%s%s%s|%d", get(c, "copii"), n > 0 ? ";" : "", name,
	    year);
	flow_session_set(c->session, "copii", all);
	free(all);
	n = n < 0 ? 1 : n + 1;
	all = xasprintf("%d", n);
	flow_session_set(c->session, "copii_n", all);
	free(all);
	return n >= want ? "done" : "more";
}

static const char *
check_caretaker(struct flow_action_ctx *c)
{
	c->forget_input = 1;
	return strcmp(get(c, "ingrijitor_tel"), c->phone) == 0 ? "same" : "ok";
}

static void
children_from(const char *enc, struct parents_request *r)
{
	char *copy = xstrdup(enc), *p = copy, *semi, *bar;

	r->nchildren = 0;
	while (p != NULL && *p != '\0' && r->nchildren < PARENTS_MAX_CHILD) {
		semi = strchr(p, ';');
		if (semi != NULL)
			*semi = '\0';
		bar = strchr(p, '|');
		if (bar != NULL) {
			*bar = '\0';
			snprintf(r->children[r->nchildren].name,
			    sizeof(r->children[0].name), "%s", p);
			r->children[r->nchildren].birth_year =
			    (int)strtol(bar + 1, NULL, 10);
			r->nchildren++;
		}
		p = semi != NULL ? semi + 1 : NULL;
	}
	free(copy);
}

static const char *
submit(struct flow_action_ctx *c)
{
	const struct parents_conf *pc = parents_conf(c->conf);
	struct parents_registered res;
	struct parents_request r;
	char err[128], text[400];
	const char *vars[] = { "COMUNA", pc->commune, "TEL", pc->spas_phone,
		"NR", res.number, NULL, NULL };

	memset(&r, 0, sizeof(r));
	snprintf(r.parent_name, sizeof(r.parent_name), "%s", get(c, "nume"));
	snprintf(r.parent_phone, sizeof(r.parent_phone), "%s", c->phone);
	r.role = get_int(c, "rol");
	r.sole_authority = get_int(c, "autoritate");
	r.lives_with = get_int(c, "locuiesc");
	r.other_parent = get_int(c, "alt_parinte");
	snprintf(r.commune, sizeof(r.commune), "%s", get(c, "comuna"));
	snprintf(r.departure, sizeof(r.departure), "%s", get(c,
	    "plecare_iso"));
	r.already_abroad = strcmp(get(c, "deja_plecat"), "1") == 0;
	snprintf(r.country, sizeof(r.country), "%s", get(c, "tara_iso"));
	snprintf(r.return_date, sizeof(r.return_date), "%s", get(c,
	    "intoarcere_iso"));
	children_from(get(c, "copii"), &r);
	snprintf(r.caretaker_name, sizeof(r.caretaker_name), "%s", get(c,
	    "ingrijitor_nume"));
	snprintf(r.caretaker_phone, sizeof(r.caretaker_phone), "%s", get(c,
	    "ingrijitor_tel"));
	r.caretaker_rel = get_int(c, "ingrijitor_rel");
	r.caretaker_adult = strcmp(get(c, "ingrijitor_major"), "yes") == 0;
	r.caretaker_lives = get_int(c, "ingrijitor_locuieste");
	r.court = get_int(c, "instanta");
	r.language = get_int(c, "limba");
	r.channel = c->channel == FLOW_CHANNEL_USSD ? "ussd" : "sms";
	r.by = "parent";
	c->forget_input = 1;
	if (parents_register(c->store, c->conf, &r, c->now, &res, err,
	    sizeof(err)) != 0) {
		log_warnx("parents: registration refused: %s", err);
		return "error";
	}
	if (parents_text_fill(parents_svc_texts(c->service), "N1", vars, text,
	    sizeof(text)) == 0 && buf_addstr(c->reply, text) != 0)
		return NULL;
	return "ok";
}

static const char *
change_who(struct flow_action_ctx *c)
{
	const struct parents_conf *pc = parents_conf(c->conf);
	int64_t id = parents_find_by_phone(c->store, c->phone, 0);
	struct parents_row r;
	const char *vars[] = { "COMUNA", pc->commune, "TEL", pc->spas_phone,
		NULL, NULL };
	struct store_outbound o;
	char text[400];

	if (id < 0)
		return NULL;
	if (id > 0)
		return "parent";
	id = parents_find_by_phone(c->store, c->phone, 1);
	if (id <= 0)
		return id < 0 ? NULL : "none";
	if (parents_row_load(c->store, id, &r) != 1 ||
	    parents_enter_state(c->store, c->conf, id,
	    PARENTS_CARETAKER_CHANGE, "caretaker", "SCHIMB from the "
	    "caretaker", c->now) != 0 || parents_task(c->store, id,
	    "caretaker_change", "Ingrijitorul nu mai poate: parintele "
	    "trebuie sa numeasca alta persoana", parents_add_working_days(
	    c->now, pc->callback_days), c->now) != 0)
		return NULL;
	if (parents_text_fill(parents_svc_texts(c->service), "SCHIMBP", vars,
	    text, sizeof(text)) == 0) {
		memset(&o, 0, sizeof(o));
		o.recipient = r.parent_phone;
		o.text = text;
		o.priority = STORE_PRIO_REPLY;
		o.created_at = c->now;
		if (store_outbox_add(c->store, &o) != 0)
			return NULL;
	}
	if (parents_text_fill(parents_svc_texts(c->service), "SCHIMBC", vars,
	    text, sizeof(text)) == 0 && buf_addstr(c->reply, text) != 0)
		return NULL;
	return "caretaker";
}

static const char *
change_submit(struct flow_action_ctx *c)
{
	int64_t id = parents_find_by_phone(c->store, c->phone, 0);

	c->forget_input = 1;
	if (id <= 0)
		return id < 0 ? NULL : "error";
	if (strcmp(get(c, "ingrijitor_tel"), c->phone) == 0)
		return "same";
	if (parents_caretaker_change(c->store, c->conf, id, get(c,
	    "ingrijitor_nume"), get(c, "ingrijitor_tel"), get_int(c,
	    "ingrijitor_rel"), strcmp(get(c, "ingrijitor_major"), "yes") == 0,
	    "parent", c->now) != 0)
		return "error";
	return "ok";
}

static const char *
answer(struct flow_action_ctx *c)
{
	char reply[400];
	int rc;
	int64_t id;
	char nid[16];

	rc = parents_reply(c->store, c->conf, c->service, c->phone,
	    get(c, "raspuns"), c->now, reply, sizeof(reply));
	if (rc < 0)
		return NULL;
	if (rc == 0)
		return "none";
	rc = parents_pending_get(c->store, c->phone, &id, nid, sizeof(nid));
	if (rc < 0)
		return NULL;
	if (rc == 1) /* not understood: the flow asks again */
		return "again";
	if (reply[0] != '\0' && buf_addstr(c->reply, reply) != 0)
		return NULL;
	return "ok";
}

const struct flow_action parents_actions[] = {
	{ .name = "parents_check_departure", .fn = check_departure },
	{ .name = "parents_check_country", .fn = check_country },
	{ .name = "parents_check_return", .fn = check_return },
	{ .name = "parents_child_add", .fn = child_add },
	{ .name = "parents_check_caretaker", .fn = check_caretaker },
	{ .name = "parents_submit", .fn = submit },
	{ .name = "parents_change_who", .fn = change_who },
	{ .name = "parents_change_submit", .fn = change_submit },
	{ .name = "parents_answer", .fn = answer },
	{ .name = NULL, .fn = NULL },
};
