/*
 * web_cases.c - the SPAS case workflow's pages (web.h): the case lists
 * (open, due today, overdue, per worker, per village), the case card with
 * its history and one POST form for every action of the workflow, the
 * quarterly DGASPC extract and the annual A2.4 counts, and the case part
 * of the today page.  Every rule is the case service's (flows/cases/),
 * called exactly as gateway/cli_cases.c calls it, with the logged-in
 * account as the operator.
 *
 * A case is named in URLs by its id (an opaque number).  The card audits
 * itself (cases_card); the lists are audited by web_server.c (record
 * pages); the changes are audited by the service.  The mayor opens the
 * reports only, always with small cells suppressed ("<5").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "sheet.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "web.h"

/* ---- lists ------------------------------------------------------- */

static struct table *
open_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct cases_filter f;

	UNUSED(conf);
	memset(&f, 0, sizeof(f));
	f.open_only = 1;
	return cases_list(st, &f, now);
}

static struct table *
due_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct cases_filter f;

	UNUSED(conf);
	memset(&f, 0, sizeof(f));
	f.open_only = 1;
	return cases_due_today(st, &f, now);
}

static struct table *
overdue_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct cases_filter f;

	UNUSED(conf);
	memset(&f, 0, sizeof(f));
	f.open_only = 1;
	return cases_overdue(st, &f, now);
}

static struct table *
worker_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	UNUSED(conf);
	return cases_by_worker(st, now);
}

static struct table *
village_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	UNUSED(conf);
	return cases_by_village(st, now);
}

/* The links between the case lists and to the reports. */
static void
cases_nav(struct web_req *r)
{
	web_raw(r, "<p class=\"nav\"><a href=\"/cazuri\">Deschise</a> | "
	    "<a href=\"/cazuri/azi\">Cu termen azi</a> | "
	    "<a href=\"/cazuri/restante\">Termene depășite</a> | "
	    "<a href=\"/cazuri/responsabili\">Pe responsabili</a> | "
	    "<a href=\"/cazuri/sate\">Pe sate</a> | "
	    "<a href=\"/cazuri/trimestrial\">Extras trimestrial</a> | "
	    "<a href=\"/cazuri/anual\">Raport anual A2.4</a></p>\n");
}

const struct web_table_page web_cases_table = {
	.name = "cases", .list = open_list, .link = "/caz",
	.link_col = 0, .id_col = 0, .above = cases_nav,
	.intro = "Cazurile deschise (un caz pentru fiecare ciclu al unei "
	    "familii, deschis de o fișă de observație).",
};
const struct web_table_page web_cases_due_table = {
	.name = "cases-due", .list = due_list, .link = "/caz",
	.link_col = 0, .id_col = 0, .above = cases_nav,
	.intro = "Cazurile cu un termen care cade azi.",
};
const struct web_table_page web_cases_overdue_table = {
	.name = "cases-overdue", .list = overdue_list, .link = "/caz",
	.link_col = 0, .id_col = 0, .above = cases_nav,
	.intro = "Cazurile cu un termen depășit.",
};
const struct web_table_page web_cases_workers_table = {
	.name = "cases-workers", .list = worker_list, .above = cases_nav,
	.intro = "Cazurile deschise pe responsabil de caz.",
};
const struct web_table_page web_cases_villages_table = {
	.name = "cases-villages", .list = village_list, .above = cases_nav,
	.intro = "Cazurile deschise pe sate (pentru planificarea "
	    "traseelor).",
};

/* ---- the today page ---------------------------------------------- */

int
web_cases_counts(struct store *st, int64_t now, int64_t *due,
    int64_t *overdue)
{
	struct table *d = due_list(st, NULL, now), *o;

	if (d == NULL)
		return -1;
	if ((o = overdue_list(st, NULL, now)) == NULL) {
		table_free(d);
		return -1;
	}
	*due = (int64_t)d->nrows;
	*overdue = (int64_t)o->nrows;
	table_free(d);
	table_free(o);
	return 0;
}

/* Case id, sheet number, state, deadline, rule: no family code here. */
static void
today_table(struct web_req *r, struct table *t)
{
	static const struct table_col cols[] = {
		{ "case", "Caz" }, { "sheet_no", "Nr. fișă" },
		{ "state", "Stare" }, { "worker", "Responsabil de caz" },
		{ "deadline", "Termen (UTC)" }, { "rule", "Regula" },
	};
	static const size_t pick[] = { 0, 1, 3, 5, 9, 10 };
	struct table *s = table_new("cases", cols, NELEM(cols));

	for (size_t i = 0; t != NULL && i < t->nrows; i++) {
		const char *cells[NELEM(pick)];

		for (size_t c = 0; c < NELEM(pick); c++)
			cells[c] = table_get(t, i, pick[c]);
		table_add(s, cells);
	}
	web_table_html(r, s, "/caz", 0, 0);
	table_free(s);
}

void
web_cases_today(struct web_req *r)
{
	struct table *d = due_list(r->gw->store, NULL, r->now);
	struct table *o = overdue_list(r->gw->store, NULL, r->now);

	if (d == NULL || o == NULL)
		web_raw(r, "<p class=\"err\">Cazurile nu au putut fi citite."
		    "</p>\n");
	web_raw(r, "<h2 id=\"cases_overdue\">Cazuri cu termen depășit</h2>\n");
	today_table(r, o);
	web_raw(r, "<h2 id=\"cases_due\">Cazuri cu termen azi</h2>\n");
	today_table(r, d);
	table_free(d);
	table_free(o);
}

/* ---- the card ---------------------------------------------------- */

static const struct sheet_table *
indicator_table(struct web_req *r)
{
	return sheet_svc_table(gw_services_state(r->gw->services,
	    &sheet_service));
}

/* Opens a form posting action to /caz/actiune for case id. */
static void
form_open(struct web_req *r, int64_t id, const char *action,
    const char *summary)
{
	web_raw(r, "<details class=\"box\"><summary>");
	web_text(r, summary);
	web_raw(r, "</summary><form method=\"post\" action=\"/caz/actiune\">");
	web_csrf_field(r);
	web_rawf(r, "<input type=\"hidden\" name=\"id\" value=\"%lld\">",
	    (long long)id);
	web_raw(r, "<input type=\"hidden\" name=\"action\" value=\"");
	web_text(r, action);
	web_raw(r, "\">");
}

static void
form_close(struct web_req *r, const char *action, const char *button)
{
	web_raw(r, "<button id=\"do_");
	web_text(r, action);
	web_raw(r, "\">");
	web_text(r, button);
	web_raw(r, "</button></form></details>\n");
}

/* A labelled input; type "text" or "date"; required if req. */
static void
field(struct web_req *r, const char *label, const char *name,
    const char *type, int req)
{
	web_raw(r, "<label>");
	web_text(r, label);
	web_raw(r, " <input type=\"");
	web_text(r, type);
	web_raw(r, "\" name=\"");
	web_text(r, name);
	web_raw(r, "\"");
	if (strcmp(type, "date") == 0)
		web_raw(r, " placeholder=\"AAAA-LL-ZZ\"");
	web_raw(r, req ? " required maxlength=\"200\">" :
	    " maxlength=\"200\">");
	web_raw(r, "</label> ");
}

static void
card_forms(struct web_req *r, int64_t id)
{
	web_raw(r, "<h2>Acțiuni</h2>\n");
	form_open(r, id, "assign", "Responsabil de caz și sat");
	field(r, "Responsabil", "worker", "text", 0);
	field(r, "Sat", "village", "text", 0);
	form_close(r, "assign", "Salvează");

	form_open(r, id, "ris", "Rezultatul vizitei RIS");
	field(r, "Vizitator", "visitor", "text", 1);
	field(r, "Funcția", "role", "text", 0);
	field(r, "Data vizitei", "date", "date", 0);
	field(r, "Riscuri confirmate (coduri, ex. 1a1,2b)", "confirm", "text",
	    0);
	web_raw(r, "<label>Concluzie <select name=\"conclusion\">"
	    "<option value=\"none\">niciun risc confirmat</option>"
	    "<option value=\"plan\">risc: plan de servicii</option>"
	    "<option value=\"dgaspc\">risc: sesizare DGASPC</option>"
	    "</select></label> ");
	field(r, "Motivul sesizării (pentru DGASPC)", "reason", "text", 0);
	form_close(r, "ris", "Înregistrează vizita RIS");

	form_open(r, id, "plan", "Planul de servicii");
	field(r, "Obiectiv", "goal", "text", 1);
	field(r, "Beneficii (coduri, ex. 1,7)", "benefits", "text", 0);
	field(r, "Servicii (coduri, ex. 3,health)", "services", "text", 0);
	field(r, "Furnizori", "providers", "text", 0);
	field(r, "Durata (luni)", "months", "text", 0);
	form_close(r, "plan", "Salvează planul");

	form_open(r, id, "approve", "Dispoziția primarului");
	field(r, "Nr. dispoziție", "order", "text", 1);
	field(r, "Data", "date", "date", 1);
	form_close(r, "approve", "Planul este aprobat");

	form_open(r, id, "monitor", "Vizită de monitorizare");
	field(r, "Vizitator", "visitor", "text", 1);
	field(r, "Data", "date", "date", 0);
	field(r, "Constatări", "findings", "text", 0);
	field(r, "Revizuirea planului (motiv)", "revision", "text", 0);
	form_close(r, "monitor", "Înregistrează vizita");

	form_open(r, id, "suspect", "Suspiciune de abuz: sesizare DGASPC");
	web_raw(r, "<label>Motiv <select name=\"reason\">"
	    "<option value=\"abuse\">abuz</option>"
	    "<option value=\"neglect\">neglijare</option>"
	    "<option value=\"exploitation\">exploatare</option>"
	    "<option value=\"violence\">violență</option>"
	    "<option value=\"high_risk\">risc ridicat</option>"
	    "<option value=\"other\">altul</option></select></label> ");
	form_close(r, "suspect", "Deschide sesizarea");

	form_open(r, id, "notified", "DGASPC a fost anunțată");
	field(r, "Canal", "channel", "text", 0);
	field(r, "Persoana de contact", "contact", "text", 0);
	form_close(r, "notified", "Anunțată");

	form_open(r, id, "verified", "DGASPC a verificat");
	field(r, "Rezultat", "outcome", "text", 1);
	form_close(r, "verified", "Verificat");

	form_open(r, id, "dismiss", "Nu este necesară anunțarea DGASPC");
	field(r, "Motiv", "why", "text", 1);
	form_close(r, "dismiss", "Renunță la sesizare");

	form_open(r, id, "close", "Închide cazul");
	field(r, "Motiv", "why", "text", 1);
	form_close(r, "close", "Închide");
}

/* Romanian labels of the card's field ids (cases_card). */
static const char *const card_labels[][2] = {
	{ "case", "Caz" }, { "sheet_no", "Nr. fișă" },
	{ "household", "Cod familie" }, { "state", "Stare" },
	{ "urgent_dgaspc", "Urgent DGASPC" }, { "high_risk", "Risc ridicat" },
	{ "next_deadline", "Următorul termen (UTC)" },
	{ "next_rule", "Regula termenului" },
	{ "worker", "Responsabil de caz" }, { "village", "Sat" },
	{ "opened_at", "Deschis (UTC)" },
	{ "last_sheet_at", "Ultima fișă (UTC)" },
	{ "suspected", "Riscuri suspectate" },
	{ "visit_planned", "Vizită programată" },
	{ "visit_deadline", "Termen vizită RIS (UTC)" },
	{ "visited_on", "Vizita RIS făcută pe" }, { "visitor", "Vizitator" },
	{ "visitor_role", "Funcția vizitatorului" },
	{ "confirmed", "Riscuri confirmate" }, { "conclusion", "Concluzie" },
	{ "registry_at", "În Registru din (UTC)" },
	{ "registry_updated_at", "Registru actualizat (UTC)" },
	{ "plan_due_at", "Termen plan (UTC)" },
	{ "plan_drafted_at", "Plan întocmit (UTC)" },
	{ "plan_benefit", "Beneficiu" }, { "plan_service", "Serviciu" },
	{ "plan_goal", "Obiectivul planului" },
	{ "plan_providers", "Furnizori" }, { "plan_months", "Durata (luni)" },
	{ "order_no", "Nr. dispoziție" }, { "order_date", "Data dispoziției" },
	{ "cadence_months", "Monitorizare la (luni)" },
	{ "next_monitoring_at", "Următoarea monitorizare (UTC)" },
	{ "refresh_due_at", "Reevaluare (UTC)" },
	{ "closed_reason", "Motivul închiderii" },
	{ "risk", "Risc" }, { "dgaspc_referral", "Sesizare DGASPC" },
	{ "monitoring_visit", "Vizită de monitorizare" },
};

/* The card with Romanian labels; its transitions go to the history
 * table below it. */
static void
card_table(struct web_req *r, const struct table *t)
{
	static const struct table_col cols[] = {
		{ "field", "Câmp" }, { "value", "Valoare" },
	};
	struct table *s = table_new("case", cols, NELEM(cols));

	for (size_t i = 0; i < t->nrows; i++) {
		const char *cells[2] = { table_get(t, i, 0),
			table_get(t, i, 1) };

		if (strcmp(cells[0], "transition") == 0)
			continue;
		for (size_t k = 0; k < NELEM(card_labels); k++) {
			if (strcmp(card_labels[k][0], cells[0]) == 0) {
				cells[0] = card_labels[k][1];
				break;
			}
		}
		table_add(s, cells);
	}
	web_table_html(r, s, NULL, 0, 0);
	table_free(s);
}

void
web_cases_card(struct web_req *r)
{
	const char *ids = web_form_get(&r->query, "id");
	struct cases_row c;
	struct table *t, *h;
	int64_t id;
	char title[48];

	if (ids == NULL || parse_int64(ids, 1, INT64_MAX, &id) != 0) {
		web_error(r, 400, "Cazul este numit greșit.");
		return;
	}
	switch (cases_store_get(r->gw->store, id, &c)) {
	case 1:
		break;
	case 0:
		web_error(r, 404, "Nu există acest caz.");
		return;
	default:
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	/* cases_card writes the audit entry of this view. */
	t = cases_card(r->gw->store, id, r->user, "web", r->now);
	if (t == NULL) {
		cases_row_clear(&c);
		web_error(r, 503, "Cazul nu a putut fi citit; reîncercați.");
		return;
	}
	web_flash(r);
	web_raw(r, "<p>Stare: <strong id=\"state\">");
	web_text(r, cases_strstate(c.state));
	web_raw(r, "</strong>");
	if (c.urgent)
		web_raw(r, " — <strong class=\"err\">URGENT DGASPC</strong>");
	web_raw(r, "</p>\n");
	card_table(r, t);
	table_free(t);
	web_raw(r, "<h2>Istoric</h2>\n");
	if ((h = cases_history(r->gw->store, id)) != NULL) {
		web_table_html(r, h, NULL, 0, 0);
		table_free(h);
	}
	if (c.state != CASES_CLOSED)
		card_forms(r, id);
	web_raw(r, "<p><a href=\"/cazuri\">Toate cazurile</a></p>\n");
	snprintf(title, sizeof(title), "Cazul %lld", (long long)id);
	cases_row_clear(&c);
	web_send_page(r, 200, title);
}

/* An empty field is absent. */
static const char *
fget(struct web_req *r, const char *name)
{
	const char *v = web_form_get(&r->form, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

void
web_cases_action(struct web_req *r)
{
	const char *ids = web_form_get(&r->form, "id");
	const char *a = web_form_get(&r->form, "action");
	enum cases_status s;
	int64_t id, months = 12;
	char loc[96];

	if (ids == NULL || parse_int64(ids, 1, INT64_MAX, &id) != 0) {
		web_error(r, 400, "Cazul este numit greșit.");
		return;
	}
	if (a == NULL) {
		web_error(r, 400, "Acțiune necunoscută.");
		return;
	}
	if (strcmp(a, "assign") == 0)
		s = cases_assign(r->gw->store, id, fget(r, "worker"),
		    fget(r, "village"), r->user, r->now);
	else if (strcmp(a, "ris") == 0) {
		const char *cf = fget(r, "confirm");
		struct cases_ris ris = { fget(r, "visitor"), fget(r, "role"),
			fget(r, "date"), cf != NULL ? cf : "",
			cases_conclusion_parse(fget(r, "conclusion") != NULL ?
			    fget(r, "conclusion") : ""), fget(r, "reason") };

		s = cases_record_ris(r->gw->store, r->gw->conf,
		    indicator_table(r), id, &ris, r->user, r->now, NULL);
	} else if (strcmp(a, "plan") == 0) {
		struct cases_plan p;

		if (fget(r, "months") != NULL && parse_int64(fget(r, "months"),
		    1, 60, &months) != 0) {
			web_error(r, 400, "Durata este un număr de luni "
			    "(1-60).");
			return;
		}
		p.benefits = fget(r, "benefits");
		p.services = fget(r, "services");
		p.goal = fget(r, "goal");
		p.providers = fget(r, "providers");
		p.months = (int)months;
		s = cases_draft_plan(r->gw->store, id, &p, r->user, r->now);
	} else if (strcmp(a, "approve") == 0)
		s = fget(r, "date") == NULL ? CASES_ERR_DATE :
		    cases_approve_plan(r->gw->store, id, fget(r, "order"),
		    fget(r, "date"), r->user, r->now, NULL);
	else if (strcmp(a, "monitor") == 0)
		s = cases_monitor(r->gw->store, id, fget(r, "visitor"),
		    fget(r, "date"), fget(r, "findings"), fget(r, "revision"),
		    r->user, r->now, NULL);
	else if (strcmp(a, "suspect") == 0)
		s = cases_suspect(r->gw->store, r->gw->conf, id,
		    fget(r, "reason"), r->user, r->now);
	else if (strcmp(a, "notified") == 0)
		s = cases_dgaspc_notified(r->gw->store, id, fget(r, "channel"),
		    fget(r, "contact"), r->user, r->now);
	else if (strcmp(a, "verified") == 0)
		s = cases_dgaspc_verified(r->gw->store, id, fget(r, "outcome"),
		    r->user, r->now);
	else if (strcmp(a, "dismiss") == 0)
		s = cases_dgaspc_dismiss(r->gw->store, id, fget(r, "why"),
		    r->user, r->now);
	else if (strcmp(a, "close") == 0)
		s = cases_close(r->gw->store, id, fget(r, "why"), r->user,
		    r->now);
	else {
		web_error(r, 400, "Acțiune necunoscută.");
		return;
	}
	switch (s) {
	case CASES_OK:
		snprintf(loc, sizeof(loc), "/caz?id=%lld&msg=case_changed",
		    (long long)id);
		web_redirect(r, loc);
		return;
	case CASES_ERR_NOT_FOUND:
		web_error(r, 404, "Nu există acest caz.");
		return;
	case CASES_ERR_STATE:
		web_error(r, 409, "Acțiunea nu este permisă în starea "
		    "cazului; nu s-a schimbat nimic.");
		return;
	case CASES_ERR_REFERRAL:
		web_error(r, 409, "Nu există o sesizare DGASPC deschisă, sau "
		    "una este deja deschisă.");
		return;
	case CASES_ERR_ARG:
		web_error(r, 400, "Lipsește un câmp obligatoriu sau are o "
		    "formă greșită.");
		return;
	case CASES_ERR_CODE:
		web_error(r, 400, "Un cod de indicator, beneficiu sau serviciu "
		    "nu există.");
		return;
	case CASES_ERR_DATE:
		web_error(r, 400, "Data nu este o zi din calendar (AAAA-LL-ZZ) "
		    "sau este în viitor.");
		return;
	case CASES_ERR_NO_TABLE:
		web_error(r, 503, "Fișele nu sunt configurate (lipsește tabelul "
		    "de indicatori).");
		return;
	default:
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
}

/* ---- reports ----------------------------------------------------- */

/* ?year= (default: this year) and, if quarter, ?quarter= (default: the
 * current one): 1, or 0 after answering 400. */
static int
report_args(struct web_req *r, int64_t *year, int64_t *quarter)
{
	const char *y = web_form_get(&r->query, "year");
	const char *q = web_form_get(&r->query, "quarter");
	char day[16];
	int64_t m;

	cases_format_day(r->now, day, sizeof(day));
	day[4] = day[7] = '\0';
	if (parse_int64(day, 2000, 2100, year) != 0)
		*year = 2026;
	if (parse_int64(day + 5, 1, 12, &m) != 0)
		m = 1;
	if (quarter != NULL)
		*quarter = (m - 1) / 3 + 1;
	if ((y != NULL && y[0] != '\0' && parse_int64(y, 2000, 2100,
	    year) != 0) || (quarter != NULL && q != NULL && q[0] != '\0' &&
	    parse_int64(q, 1, 4, quarter) != 0)) {
		web_error(r, 400, "Anul (2000-2100) sau trimestrul (1-4) este "
		    "greșit.");
		return 0;
	}
	return 1;
}

/* Small cells are shown as "<5" always for the mayor, and for SPAS
 * unless it asks for the full counts (they stay inside SPAS). */
static int
report_suppress(struct web_req *r)
{
	const char *f = web_form_get(&r->query, "full");

	return !(r->role & WEB_ROLES_SPAS) || f == NULL ||
	    strcmp(f, "1") != 0;
}

static void
report_page(struct web_req *r, int quarterly)
{
	int64_t year, quarter = 0;
	int suppress;
	struct table *t;
	const char *fmt = web_form_get(&r->query, "format");
	char name[48], object[64], q[64], title[64];

	if (!report_args(r, &year, quarterly ? &quarter : NULL))
		return;
	suppress = report_suppress(r);
	t = quarterly ? cases_quarterly(r->gw->store, (int)year, (int)quarter,
	    suppress) : cases_annual(r->gw->store, indicator_table(r),
	    (int)year, suppress, r->now);
	if (t == NULL) {
		web_error(r, 503, "Raportul nu a putut fi calculat; "
		    "reîncercați.");
		return;
	}
	if (quarterly)
		snprintf(name, sizeof(name), "cases-quarterly-%lld-Q%lld",
		    (long long)year, (long long)quarter);
	else
		snprintf(name, sizeof(name), "cases-annual-%lld",
		    (long long)year);
	snprintf(object, sizeof(object), "%s:%s", fmt != NULL ? "export" :
	    "view", name);
	if (web_audit(r, fmt != NULL ? "export" : "view", object) != 0) {
		table_free(t);
		web_error(r, 503, "Jurnalul de acces nu a putut fi scris; "
		    "reîncercați.");
		return;
	}
	if (fmt != NULL) {
		web_export(r, name, t, fmt);
		table_free(t);
		return;
	}
	if (r->role & WEB_ROLES_SPAS)
		cases_nav(r);
	web_raw(r, "<form class=\"box\" method=\"get\" action=\"");
	web_raw(r, quarterly ? "/cazuri/trimestrial" : "/cazuri/anual");
	web_rawf(r, "\"><label>Anul <input name=\"year\" value=\"%lld\" "
	    "size=\"4\"></label> ", (long long)year);
	if (quarterly)
		web_rawf(r, "<label>Trimestrul <input name=\"quarter\" "
		    "value=\"%lld\" size=\"1\"></label> ", (long long)quarter);
	web_raw(r, "<button>Arată</button></form>\n");
	web_raw(r, suppress ? "<p id=\"suppressed\">Valorile între 1 și 4 "
	    "apar ca „&lt;5” (nicio familie nu poate fi recunoscută).</p>\n" :
	    "<p>Valori complete: numai pentru uz intern SPAS.</p>\n");
	if (quarterly)
		snprintf(q, sizeof(q), "?year=%lld&amp;quarter=%lld%s",
		    (long long)year, (long long)quarter, suppress ? "" :
		    "&amp;full=1");
	else
		snprintf(q, sizeof(q), "?year=%lld%s", (long long)year,
		    suppress ? "" : "&amp;full=1");
	web_raw(r, "<p class=\"exports\">Descarcă: <a id=\"csv\" href=\"");
	web_raw(r, r->page->path);
	web_raw(r, q);
	web_raw(r, "&amp;format=csv\">CSV</a> <a id=\"xlsx\" href=\"");
	web_raw(r, r->page->path);
	web_raw(r, q);
	web_raw(r, "&amp;format=xlsx\">XLSX</a></p>\n");
	web_table_html(r, t, NULL, 0, 0);
	table_free(t);
	if (quarterly)
		snprintf(title, sizeof(title), "Extras trimestrial DGASPC "
		    "%lld T%lld", (long long)year, (long long)quarter);
	else
		snprintf(title, sizeof(title), "Raport anual A2.4 %lld",
		    (long long)year);
	web_send_page(r, 200, title);
}

void
web_cases_quarterly(struct web_req *r)
{
	report_page(r, 1);
}

void
web_cases_annual(struct web_req *r)
{
	report_page(r, 0);
}
