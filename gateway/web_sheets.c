/*
 * web_sheets.c - the Observation Sheet service's pages (web.h): the list
 * of live sheets, the sheet card with its visit forms, the reporters and
 * the sheet part of the today page.  Every rule is the service's
 * (flows/sheet/sheet_visits.c, sheet_reporters.c), called exactly as
 * gateway/cli_sheets.c and cli_reporter.c call them.
 *
 * A sheet is named in URLs by its internal id (an opaque number); the
 * household code and the reporter appear only on pages, never in a URL
 * or a log line.  Every card view, list view and export is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "web.h"

/* Romanian names of the follow-up states. */
static const char *
state_ro(int s)
{
	switch (s) {
	case SHEET_STATE_NEW: return "nouă";
	case SHEET_STATE_VISIT_PENDING: return "așteaptă vizita";
	case SHEET_STATE_VISIT_SCHEDULED: return "vizită programată";
	case SHEET_STATE_VISITED: return "vizitată";
	case SHEET_STATE_NO_SUSPICION: return "fără suspiciune";
	case SHEET_STATE_INCOMPLETE: return "incompletă";
	default: return "?";
	}
}

/* ---- the list ------------------------------------------------------ */

static const struct table_col sheet_cols[] = {
	{ "sheet_no", "Nr. fișă" }, { "received", "Primită (UTC)" },
	{ "state", "Stare" }, { "visit_date", "Data vizitei" },
	{ "deadline", "Termen vizită (UTC)" }, { "overdue", "Depășit" },
	{ "risks", "Riscuri" }, { "urgent", "Urgentă" },
	{ "household", "Familie" }, { "channel", "Canal" },
	{ "commune", "Comuna" }, { "id", "Nr. intern" },
};

struct sheet_walk {
	struct table *t;
	int64_t now;
	int64_t need, overdue, urgent;
};

static int
list_row_cb(const struct sheet_row *s, void *arg)
{
	struct sheet_walk *w = arg;
	size_t r = table_add_row(w->t);
	char no[16], when[32];

	sheet_format_no(s->county, s->seq, no, sizeof(no));
	table_set(w->t, r, 0, no);
	table_set(w->t, r, 1, clock_fmt_utc(s->received_at / 1000, when,
	    sizeof(when)));
	table_set(w->t, r, 2, state_ro(s->state));
	table_set(w->t, r, 3, s->visit_date);
	if (sheet_row_visit_open(s))
		table_set(w->t, r, 4, clock_fmt_utc(s->visit_deadline / 1000,
		    when, sizeof(when)));
	table_set(w->t, r, 5, sheet_row_overdue(s, w->now) ? "da" : "");
	table_setf(w->t, r, 6, "%d", s->risk_count);
	table_set(w->t, r, 7, s->urgent ? "da" : "");
	table_set(w->t, r, 8, sheet_row_household(s));
	table_set(w->t, r, 9, s->channel);
	table_set(w->t, r, 10, s->commune);
	table_setf(w->t, r, 11, "%lld", (long long)s->id);
	return 0;
}

static struct table *
sheets_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct sheet_filter f;
	struct sheet_walk w = { table_new("sheets", sheet_cols,
	    NELEM(sheet_cols)), now, 0, 0, 0 };

	UNUSED(conf);
	memset(&f, 0, sizeof(f));
	if (sheet_store_list(st, &f, list_row_cb, &w) != 0) {
		table_free(w.t);
		return NULL;
	}
	return w.t;
}

const struct web_table_page web_sheets_table = {
	.name = "sheets", .list = sheets_list, .link = "/fisa",
	.link_col = 0, .id_col = 11,
	.intro = "Fișele în vigoare (o actualizare a familiei înlocuiește "
	    "fișa anterioară), cele mai vechi întâi.",
};

static int
count_cb(const struct sheet_row *s, void *arg)
{
	struct sheet_walk *w = arg;

	w->need++;
	if (sheet_row_overdue(s, w->now))
		w->overdue++;
	if (s->urgent)
		w->urgent++;
	return 0;
}

int
web_sheets_counts(struct store *st, int64_t now, int64_t *need,
    int64_t *overdue, int64_t *urgent)
{
	struct sheet_filter f;
	struct sheet_walk w = { NULL, now, 0, 0, 0 };

	memset(&f, 0, sizeof(f));
	f.needs_visit = 1;
	if (sheet_store_list(st, &f, count_cb, &w) != 0)
		return -1;
	*need = w.need;
	*overdue = w.overdue;
	*urgent = w.urgent;
	return 0;
}

void
web_sheets_today(struct web_req *r)
{
	struct sheet_filter f;
	struct sheet_walk w = { table_new("visits", sheet_cols,
	    NELEM(sheet_cols)), r->now, 0, 0, 0 };
	struct table *t;
	static const struct table_col cols[] = {
		{ "sheet_no", "Nr. fișă" }, { "state", "Stare" },
		{ "deadline", "Termen vizită (UTC)" }, { "overdue", "Depășit" },
		{ "urgent", "Urgentă" }, { "id", "Nr. intern" },
	};
	static const size_t pick[] = { 0, 2, 4, 5, 7, 11 };

	memset(&f, 0, sizeof(f));
	f.needs_visit = 1;
	if (sheet_store_list(r->gw->store, &f, list_row_cb, &w) != 0) {
		table_free(w.t);
		web_raw(r, "<p class=\"err\">Fișele nu au putut fi citite."
		    "</p>\n");
		return;
	}
	/* Numbers and deadlines only: no family code on this page. */
	t = table_new("visits", cols, NELEM(cols));
	for (size_t i = 0; i < w.t->nrows; i++) {
		const char *cells[NELEM(pick)];

		for (size_t c = 0; c < NELEM(pick); c++)
			cells[c] = table_get(w.t, i, pick[c]);
		table_add(t, cells);
	}
	web_raw(r, "<h2>Alerte deschise: fișe urgente nevizitate</h2>\n");
	{
		struct table *u = table_new("urgent", cols, NELEM(cols));

		for (size_t i = 0; i < t->nrows; i++) {
			const char *cells[NELEM(cols)];

			if (strcmp(table_get(t, i, 4), "da") != 0)
				continue;
			for (size_t c = 0; c < NELEM(cols); c++)
				cells[c] = table_get(t, i, c);
			table_add(u, cells);
		}
		web_table_html(r, u, "/fisa", 0, 5);
		table_free(u);
	}
	web_raw(r, "<h2>Fișe care așteaptă vizita</h2>\n");
	web_table_html(r, t, "/fisa", 0, 5);
	table_free(t);
	table_free(w.t);
}

/* ---- the card ------------------------------------------------------ */

static const struct sheet_table *
indicator_table(struct web_req *r)
{
	return sheet_svc_table(gw_services_state(r->gw->services,
	    &sheet_service));
}

/* The sheet named by ?id= (or the form's id): 1 with *s filled, 0 after
 * answering. */
static int
card_sheet(struct web_req *r, const char *id, struct sheet_row *s)
{
	int64_t n;

	if (id == NULL || parse_int64(id, 1, INT64_MAX, &n) != 0) {
		web_error(r, 400, "Fișa este numită greșit.");
		return 0;
	}
	/* By internal id only: sheet_lookup would read five digits as a
	 * sheet number "AABBB". */
	switch (sheet_store_get(r->gw->store, n, 1, s)) {
	case 1:
		return 1;
	case 0:
		web_error(r, 404, "Nu există această fișă.");
		return 0;
	default:
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return 0;
	}
}

static void
card_line(struct web_req *r, const char *label, const char *value)
{
	web_raw(r, "<tr><th>");
	web_text(r, label);
	web_raw(r, "</th><td>");
	web_text(r, value);
	web_raw(r, "</td></tr>\n");
}

void
web_sheets_card(struct web_req *r)
{
	const struct sheet_table *t = indicator_table(r);
	struct sheet_reporter rep;
	struct sheet_row s;
	struct sheet_report rp;
	char no[16], when[32], object[48], line[256], title[48];

	if (!card_sheet(r, web_form_get(&r->query, "id"), &s))
		return;
	sheet_format_no(s.county, s.seq, no, sizeof(no));
	snprintf(object, sizeof(object), "sheet:%s", no);
	if (web_audit(r, "view", object) != 0) {
		sheet_row_clear(&s);
		web_error(r, 503, "Jurnalul de acces nu a putut fi scris; "
		    "reîncercați.");
		return;
	}
	web_flash(r);
	web_raw(r, "<table class=\"card\">\n");
	card_line(r, "Număr", no);
	card_line(r, "Familie", s.household != NULL ? s.household :
	    "NOU (fără cod: sunați raportorul pentru a o identifica)");
	if (sheet_store_reporter_get(r->gw->store, s.reporter_id, &rep) == 1) {
		snprintf(line, sizeof(line), "%s, %s, %s (%s)", rep.name,
		    rep.profession, rep.commune, rep.phone);
		card_line(r, "Raportor", line);
		sheet_reporter_clear(&rep);
	}
	snprintf(line, sizeof(line), "%s UTC, prin %s",
	    clock_fmt_utc(s.received_at / 1000, when, sizeof(when)),
	    s.channel);
	card_line(r, "Primită", line);
	web_raw(r, "<tr><th>Stare</th><td id=\"state\">");
	web_text(r, state_ro(s.state));
	if (s.visit_date != NULL) {
		web_raw(r, ", vizită ");
		web_text(r, s.visit_date);
	}
	web_raw(r, "</td></tr>\n");
	if (s.any_risk) {
		snprintf(line, sizeof(line), "%s UTC%s",
		    clock_fmt_utc(s.visit_deadline / 1000, when, sizeof(when)),
		    sheet_row_overdue(&s, r->now) ? " — DEPĂȘIT" : "");
		card_line(r, "Termen vizită (72 h)", line);
	}
	snprintf(line, sizeof(line), "%d%s%s", s.risk_count, s.flags > 0 ?
	    " + semnalări „altă situație” de lămurit" : "", s.urgent ?
	    ", URGENT" : "");
	card_line(r, "Riscuri", line);
	if (s.superseded_by != 0)
		card_line(r, "Actualizare", "înlocuită de o fișă mai nouă a "
		    "aceleiași familii");
	web_raw(r, "</table>\n");
	if (t != NULL) {
		sheet_values_from_store(t, &s, 0, &rp);
		web_raw(r, "<h2>Indicatori semnalați (1)</h2>\n<ul>\n");
		for (int d = 1; d <= SHEET_DOMAINS; d++) {
			enum sheet_assessed how = sheet_domain_assessed(t, &rp,
			    d);

			web_rawf(r, "<li>Domeniul %d ", d);
			web_text(r, sheet_domain_name(d));
			web_raw(r, how == SHEET_DOMAIN_NOT_ASSESSED ?
			    " — neevaluat" : how == SHEET_DOMAIN_PARTLY ?
			    " — evaluat parțial" : " — evaluat");
			web_raw(r, "<ul>");
			for (size_t i = 0; i < sheet_table_count(t); i++) {
				const struct sheet_indicator *ind =
				    sheet_table_at(t, i);

				if (ind->domain != d ||
				    rp.values[i] != SHEET_VAL_YES)
					continue;
				web_raw(r, "<li>");
				web_text(r, ind->code);
				web_raw(r, " ");
				web_text(r, ind->label);
				web_raw(r, "</li>");
			}
			web_raw(r, "</ul></li>\n");
		}
		web_raw(r, "</ul>\n");
	}
	if (sheet_row_visit_open(&s)) {
		web_raw(r, "<h2>Vizita de evaluare (RIS)</h2>\n"
		    "<form class=\"box\" method=\"post\" "
		    "action=\"/fisa/vizita\">");
		web_csrf_field(r);
		web_rawf(r, "<input type=\"hidden\" name=\"id\" value=\"%lld\">"
		    "<input type=\"hidden\" name=\"action\" value=\"schedule\">"
		    "<label>Programează vizita pe <input type=\"date\" "
		    "name=\"date\" id=\"visit_date\" required "
		    "placeholder=\"AAAA-LL-ZZ\"></label>"
		    "<button id=\"visit_schedule\">Programează</button></form>\n"
		    "<form class=\"box\" method=\"post\" "
		    "action=\"/fisa/vizita\">", (long long)s.id);
		web_csrf_field(r);
		web_rawf(r, "<input type=\"hidden\" name=\"id\" value=\"%lld\">"
		    "<input type=\"hidden\" name=\"action\" value=\"done\">"
		    "<button id=\"visit_done\">Vizita a fost făcută"
		    "</button></form>\n", (long long)s.id);
	}
	web_raw(r, "<p><a href=\"/fise\">Toate fișele</a></p>\n");
	snprintf(title, sizeof(title), "Fișa %s", no);
	sheet_row_clear(&s);
	web_send_page(r, 200, title);
}

void
web_sheet_ref(int64_t id, char *out, size_t outlen)
{
	/* sheet_ref_parse reads 5 digits as "AABBB" and 6 characters with a
	 * dash as "AA-BBB"; 6 digits or more are always an internal id, and
	 * a leading zero does not change the id (strtoll). */
	snprintf(out, outlen, "%06lld", (long long)id);
}

void
web_sheets_visit(struct web_req *r)
{
	const char *id = web_form_get(&r->form, "id");
	const char *action = web_form_get(&r->form, "action");
	const char *date = web_form_get(&r->form, "date");
	struct sheet_visit_result res;
	struct sheet_row s;
	enum sheet_status e;
	char no[24], object[48], loc[96];
	int done;

	if (action == NULL || (strcmp(action, "done") != 0 &&
	    strcmp(action, "schedule") != 0)) {
		web_error(r, 400, "Acțiune necunoscută.");
		return;
	}
	done = strcmp(action, "done") == 0;
	if (!card_sheet(r, id, &s))
		return;
	/* By the internal id card_sheet found, never by a number: a
	 * number names the newest year's sheet, maybe another one. */
	web_sheet_ref(s.id, no, sizeof(no));
	sheet_row_clear(&s);
	memset(&res, 0, sizeof(res));
	e = sheet_visit_record(r->gw->store, no, done ? NULL : date != NULL ?
	    date : "", r->now, &res);
	switch (e) {
	case SHEET_OK:
		break;
	case SHEET_ERR_BAD_DATE:
		web_error(r, 400, "Data nu este o zi din calendar "
		    "(AAAA-LL-ZZ).");
		return;
	case SHEET_ERR_VISITED:
		web_error(r, 409, "Vizita acestei fișe este deja înregistrată.");
		return;
	case SHEET_ERR_STORE:
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	default:
		web_error(r, 404, "Nu există această fișă.");
		return;
	}
	sheet_format_no(res.county, res.seq, no, sizeof(no));
	snprintf(object, sizeof(object), "sheet:%s", no);
	(void)web_audit(r, "change", object);
	snprintf(loc, sizeof(loc), "/fisa?id=%lld&msg=%s",
	    (long long)res.sheet_id, done ? "visit_done" : "visit_scheduled");
	web_redirect(r, loc);
}

/* ---- reporters ----------------------------------------------------- */

static const struct table_col rep_cols[] = {
	{ "phone", "Telefon" }, { "name", "Nume" },
	{ "profession", "Profesie" }, { "institution", "Instituție" },
	{ "commune", "Comuna" }, { "language", "Limba" },
	{ "pin", "PIN USSD" }, { "active", "Activ" },
	{ "enrolled", "Înscris la (UTC)" },
};

static int
rep_row(const struct sheet_reporter *p, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char when[32];

	table_set(t, r, 0, p->phone);
	table_set(t, r, 1, p->name);
	table_set(t, r, 2, p->profession);
	table_set(t, r, 3, p->institution);
	table_set(t, r, 4, p->commune);
	table_set(t, r, 5, p->language);
	table_set(t, r, 6, sheet_reporter_pin_state(p));
	table_set(t, r, 7, p->active ? "da" : "nu");
	table_set(t, r, 8, clock_fmt_utc(p->enrolled_at / 1000, when,
	    sizeof(when)));
	return 0;
}

static struct table *
reporters_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct table *t = table_new("reporters", rep_cols, NELEM(rep_cols));

	UNUSED(conf);
	UNUSED(now);
	if (sheet_store_reporter_list(st, rep_row, t) != 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

static void
reporters_above(struct web_req *r)
{
	web_raw(r, "<form class=\"box\" method=\"post\" "
	    "action=\"/raportori/adauga\"><b>Înscrie un raportor</b>");
	web_csrf_field(r);
	web_raw(r, "<label>Telefon <input name=\"phone\" required "
	    "maxlength=\"20\" inputmode=\"tel\"></label>"
	    "<label>Nume <input name=\"name\" required maxlength=\"80\">"
	    "</label><label>Profesie <select name=\"profession\">");
	for (size_t i = 0; i < sheet_profession_count(); i++) {
		web_raw(r, "<option>");
		web_text(r, sheet_profession_at(i));
		web_raw(r, "</option>");
	}
	web_raw(r, "</select></label><label>Instituție <input "
	    "name=\"institution\" maxlength=\"80\"></label>"
	    "<label>Comuna <input name=\"commune\" maxlength=\"60\" value=\"");
	web_text(r, sheet_conf(r->gw->conf)->commune);
	web_raw(r, "\"></label><label>Limba <select name=\"language\">"
	    "<option>ro</option><option>hu</option><option>en</option>"
	    "</select></label><label>PIN USSD (4-8 cifre, opțional) <input "
	    "name=\"pin\" inputmode=\"numeric\" maxlength=\"8\" "
	    "autocomplete=\"off\"></label><button>Înscrie</button></form>\n"
	    "<form class=\"box\" method=\"post\" action=\"/raportori/stare\">"
	    "<b>Dezactivează / reactivează</b>");
	web_csrf_field(r);
	web_raw(r, "<label>Telefon <input name=\"phone\" required "
	    "maxlength=\"20\"></label><label><select name=\"active\">"
	    "<option value=\"0\">dezactivează (telefon pierdut)</option>"
	    "<option value=\"1\">reactivează</option></select></label>"
	    "<button>Aplică</button></form>\n"
	    "<form class=\"box\" method=\"post\" action=\"/raportori/pin\">"
	    "<b>PIN nou (deblochează)</b>");
	web_csrf_field(r);
	web_raw(r, "<label>Telefon <input name=\"phone\" required "
	    "maxlength=\"20\"></label><label>PIN nou <input name=\"pin\" "
	    "required inputmode=\"numeric\" maxlength=\"8\" "
	    "autocomplete=\"off\"></label><button>Schimbă PIN-ul</button>"
	    "</form>\n");
}

const struct web_table_page web_reporters_table = {
	.name = "reporters", .list = reporters_list, .above = reporters_above,
	.intro = "Profesioniștii care pot trimite fișe prin SMS sau USSD.",
};

static const char *
rep_status_ro(enum sheet_rep_status s)
{
	switch (s) {
	case SHEET_REP_OK: return "Gata.";
	case SHEET_REP_MISSING: return "Lipsește telefonul, numele, profesia "
	    "sau comuna.";
	case SHEET_REP_PROFESSION: return "Profesie necunoscută.";
	case SHEET_REP_LANGUAGE: return "Limba trebuie să fie ro, hu sau en.";
	case SHEET_REP_PIN: return "PIN-ul are 4 până la 8 cifre.";
	case SHEET_REP_PHONE: return "Numărul de telefon nu este valid.";
	case SHEET_REP_RANDOM: return "Lipsește sursa de numere aleatoare.";
	case SHEET_REP_EXISTS: return "Acest telefon este deja înscris.";
	case SHEET_REP_UNKNOWN: return "Acest telefon nu este înscris.";
	case SHEET_REP_STORE: return "Baza de date este ocupată; reîncercați.";
	}
	return "?";
}

static void
rep_done(struct web_req *r, enum sheet_rep_status s, const char *phone,
    const char *msg)
{
	char object[64], loc[64];

	if (s != SHEET_REP_OK) {
		web_error(r, s == SHEET_REP_STORE ? 503 : s ==
		    SHEET_REP_EXISTS ? 409 : s == SHEET_REP_UNKNOWN ? 404 :
		    400, rep_status_ro(s));
		return;
	}
	snprintf(object, sizeof(object), "reporter:%s", phone);
	(void)web_audit(r, "change", object);
	snprintf(loc, sizeof(loc), "/raportori?msg=%s", msg);
	web_redirect(r, loc);
}

static const char *
opt(const struct web_req *r, const char *key)
{
	const char *v = web_form_get(&r->form, key);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

void
web_reporters_add(struct web_req *r)
{
	struct sheet_enrol req;
	struct sheet_enrolled out;
	enum sheet_rep_status s;

	memset(&req, 0, sizeof(req));
	memset(&out, 0, sizeof(out));
	req.phone = opt(r, "phone");
	req.name = opt(r, "name");
	req.profession = opt(r, "profession");
	req.commune = opt(r, "commune");
	req.language = opt(r, "language");
	req.pin = opt(r, "pin");
	req.institution = opt(r, "institution");
	if (req.phone == NULL || req.name == NULL || req.profession == NULL) {
		web_error(r, 400, rep_status_ro(SHEET_REP_MISSING));
		return;
	}
	s = sheet_reporter_enrol(r->gw->store, r->gw->conf, &req, r->now,
	    &out);
	rep_done(r, s, out.phone, "reporter_added");
}

void
web_reporters_state(struct web_req *r)
{
	const char *phone = opt(r, "phone"), *act = opt(r, "active");
	char norm[32] = "";
	enum sheet_rep_status s;

	if (phone == NULL) {
		web_error(r, 400, rep_status_ro(SHEET_REP_PHONE));
		return;
	}
	s = sheet_reporter_set_active(r->gw->store, r->gw->conf, phone,
	    act != NULL && strcmp(act, "1") == 0, r->now, norm, sizeof(norm));
	rep_done(r, s, norm, "reporter_state");
}

void
web_reporters_pin(struct web_req *r)
{
	const char *phone = opt(r, "phone"), *pin = opt(r, "pin");
	char norm[32] = "";
	enum sheet_rep_status s;

	if (phone == NULL || pin == NULL) {
		web_error(r, 400, rep_status_ro(SHEET_REP_MISSING));
		return;
	}
	s = sheet_reporter_set_pin(r->gw->store, r->gw->conf, phone, pin,
	    r->now, norm, sizeof(norm));
	rep_done(r, s, norm, "reporter_pin");
}
