/*
 * web_pages.c - THE list of back-office pages (web_pages[]) and the pages
 * that are not the sheet service's: today, modems and the queue, tasks,
 * the audit log, accounts.  Each page calls the functions the CLI calls
 * (store_task_list, store_audit_list, store_channel_list, ...); the
 * checks of web_server.c (session, role, CSRF, audit) run before it.
 *
 * To add a service's list: a `const struct web_table_page` around its
 * `struct table *list(struct store *, const struct gw_config *, int64_t
 * now)` in a gateway/web_NAME.c, and one line below.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "gw_httpd.h"
#include "log.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "web.h"

#define MS_PER_DAY (86400LL * 1000)
#define STUCK_SCAN 2000	   /* newest outbox rows looked at */
#define AUDIT_DAYS 90	   /* the audit page's window */

static void today_page(struct web_req *);
static void task_close(struct web_req *);
static void user_add(struct web_req *);
static void user_state(struct web_req *);
static const struct web_table_page modems_table, stuck_table, tasks_table,
    audit_table, users_table;

/* clang-format off */
const struct web_page web_pages[] = {
	{ "/azi", GW_HTTPD_GET, WEB_ROLES_ALL, 0, "Azi", "Azi", today_page, NULL },
	{ "/fise", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, "Fișe", "Fișe de observație", NULL, &web_sheets_table },
	{ "/fisa", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, NULL, "Fișa de observație", web_sheets_card, NULL },
	{ "/fisa/vizita", GW_HTTPD_POST, WEB_ROLES_SPAS, 1, NULL, "Vizita", web_sheets_visit, NULL },
	{ "/cazuri", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, "Cazuri", "Cazuri deschise", NULL, &web_cases_table },
	{ "/cazuri/azi", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, NULL, "Cazuri cu termen azi", NULL, &web_cases_due_table },
	{ "/cazuri/restante", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, NULL, "Cazuri cu termen depășit", NULL, &web_cases_overdue_table },
	{ "/cazuri/responsabili", GW_HTTPD_GET, WEB_ROLES_SPAS, 0, NULL, "Cazuri pe responsabili", NULL, &web_cases_workers_table },
	{ "/cazuri/sate", GW_HTTPD_GET, WEB_ROLES_SPAS, 0, NULL, "Cazuri pe sate", NULL, &web_cases_villages_table },
	{ "/caz", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, NULL, "Cazul", web_cases_card, NULL },
	{ "/caz/actiune", GW_HTTPD_POST, WEB_ROLES_SPAS, 1, NULL, "Cazul", web_cases_action, NULL },
	{ "/cazuri/trimestrial", GW_HTTPD_GET, WEB_ROLES_SPAS | WEB_ROLE_MAYOR, 0, NULL, "Extras trimestrial DGASPC", web_cases_quarterly, NULL },
	{ "/cazuri/anual", GW_HTTPD_GET, WEB_ROLES_SPAS | WEB_ROLE_MAYOR, 0, "Raport anual", "Raport anual A2.4", web_cases_annual, NULL },
	{ "/sondaje", GW_HTTPD_GET, WEB_ROLES_SPAS | WEB_ROLE_MAYOR, 0, "Sondaje", "Sondaje", NULL, &web_polls_table },
	{ "/sondaj", GW_HTTPD_GET, WEB_ROLES_SPAS | WEB_ROLE_MAYOR, 0, NULL, "Sondaj", web_polls_results, NULL },
	{ "/sondaj/actiune", GW_HTTPD_POST, WEB_ROLE_HEAD, 0, NULL, "Sondaj", web_polls_action, NULL },
	{ "/parinti", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, "Părinți plecați", "Părinți plecați în străinătate", NULL, &web_parents_table },
	{ "/parinti/ingrijitori", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, NULL, "Răspunsurile îngrijitorilor", NULL, &web_parents_caretakers_table },
	{ "/parinti/sarcini", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, NULL, "Sarcini: părinți plecați", NULL, &web_parents_tasks_table },
	{ "/parinte", GW_HTTPD_GET, WEB_ROLES_SPAS, 1, NULL, "Anunțul", web_parents_card, NULL },
	{ "/sarcini", GW_HTTPD_GET, WEB_ROLES_SPAS, 0, "Sarcini", "Sarcini deschise", NULL, &tasks_table },
	{ "/sarcini/inchide", GW_HTTPD_POST, WEB_ROLES_SPAS, 0, NULL, "Sarcini", task_close, NULL },
	{ "/raportori", GW_HTTPD_GET, WEB_ROLES_SPAS, 0, "Raportori", "Raportori înscriși", NULL, &web_reporters_table },
	{ "/raportori/adauga", GW_HTTPD_POST, WEB_ROLES_SPAS, 0, NULL, "Raportori", web_reporters_add, NULL },
	{ "/raportori/stare", GW_HTTPD_POST, WEB_ROLES_SPAS, 0, NULL, "Raportori", web_reporters_state, NULL },
	{ "/raportori/pin", GW_HTTPD_POST, WEB_ROLES_SPAS, 0, NULL, "Raportori", web_reporters_pin, NULL },
	{ "/modemuri", GW_HTTPD_GET, WEB_ROLES_SPAS | WEB_ROLE_ADMIN, 0, "Modemuri", "Modemuri", NULL, &modems_table },
	{ "/coada", GW_HTTPD_GET, WEB_ROLES_SPAS | WEB_ROLE_ADMIN, 0, "Coada", "Mesaje blocate", NULL, &stuck_table },
	{ "/jurnal", GW_HTTPD_GET, WEB_ROLE_HEAD, 0, "Jurnal", "Jurnalul de acces", NULL, &audit_table },
	{ "/utilizatori", GW_HTTPD_GET, WEB_ROLE_ADMIN, 0, "Utilizatori", "Conturi", NULL, &users_table },
	{ "/utilizatori/adauga", GW_HTTPD_POST, WEB_ROLE_ADMIN, 0, NULL, "Conturi", user_add, NULL },
	{ "/utilizatori/stare", GW_HTTPD_POST, WEB_ROLE_ADMIN, 0, NULL, "Conturi", user_state, NULL },
};
/* clang-format on */
const size_t web_n_pages = NELEM(web_pages);

/* ---- modems and the queue ---------------------------------------- */

static const struct table_col modem_cols[] = {
	{ "modem", "Modem" }, { "state", "Stare" }, { "signal", "Semnal" },
	{ "network", "Rețea" }, { "last_seen", "Văzut ultima dată (UTC)" },
	{ "balance", "Credit" }, { "sent_today", "Trimise azi" },
	{ "queued", "În coadă" }, { "error", "Ultima eroare" },
};

struct modem_walk {
	struct store *st;
	struct table *t;
	int64_t now;
};

static int
modem_row(const struct store_channel_row *c, void *arg)
{
	struct modem_walk *w = arg;
	size_t r = table_add_row(w->t);
	int64_t queued = 0, sending = 0;
	char when[32];

	table_set(w->t, r, 0, c->name);
	table_set(w->t, r, 1, c->state);
	if (c->signal_percent >= 0)
		table_setf(w->t, r, 2, "%d%%", c->signal_percent);
	table_set(w->t, r, 3, c->network);
	if (c->last_seen > 0)
		table_set(w->t, r, 4, clock_fmt_utc(c->last_seen / 1000, when,
		    sizeof(when)));
	if (!isnan(c->balance))
		table_setf(w->t, r, 5, "%.2f", c->balance);
	table_setf(w->t, r, 6, "%d", c->day == w->now / MS_PER_DAY ?
	    c->sent_today : 0);
	if (store_outbox_depth(w->st, c->name, &queued, &sending) == 0)
		table_setf(w->t, r, 7, "%lld", (long long)(queued + sending));
	table_set(w->t, r, 8, c->error);
	return 0;
}

static struct table *
modems_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct modem_walk w = { st, table_new("modems", modem_cols,
	    NELEM(modem_cols)), now };

	UNUSED(conf);
	if (store_channel_list(st, modem_row, &w) != 0) {
		table_free(w.t);
		return NULL;
	}
	return w.t;
}

static void
modems_above(struct web_req *r)
{
	char line[768];

	if (gw_alerts_stuck(r->gw->store, line, sizeof(line), NULL) == 1) {
		web_raw(r, "<p class=\"err\">");
		web_text(r, line);
		web_raw(r, "</p>\n");
	}
}

static const struct table_col stuck_cols[] = {
	{ "id", "Nr." }, { "created", "Creat la (UTC)" },
	{ "state", "Stare" }, { "channel", "Modem" },
	{ "recipient", "Destinatar" }, { "attempts", "Încercări" },
	{ "next_attempt", "Următoarea încercare (UTC)" },
	{ "reason", "Motiv" },
};

struct stuck_walk {
	struct table *t;
	int64_t now;
};

/* Waiting after a failed try, or given up on this week. */
static int
stuck_row(const struct store_outbound *o, void *arg)
{
	struct stuck_walk *w = arg;
	int waiting = (o->state == STORE_OUT_QUEUED ||
	    o->state == STORE_OUT_SENDING) && (o->attempts > 0 ||
	    o->error != NULL);
	int gave_up = (o->state == STORE_OUT_FAILED ||
	    o->state == STORE_OUT_EXPIRED ||
	    o->state == STORE_OUT_UNDELIVERED) &&
	    o->created_at > w->now - 7 * MS_PER_DAY;
	char when[32];
	size_t r;

	if (!waiting && !gave_up)
		return 0;
	r = table_add_row(w->t);
	table_setf(w->t, r, 0, "%lld", (long long)o->id);
	table_set(w->t, r, 1, clock_fmt_utc(o->created_at / 1000, when,
	    sizeof(when)));
	table_set(w->t, r, 2, store_out_strstate(o->state));
	table_set(w->t, r, 3, o->channel);
	table_set(w->t, r, 4, o->recipient);
	table_setf(w->t, r, 5, "%d", o->attempts);
	if (waiting && o->next_attempt_at > 0)
		table_set(w->t, r, 6, clock_fmt_utc(o->next_attempt_at / 1000,
		    when, sizeof(when)));
	table_set(w->t, r, 7, o->error != NULL ? o->error :
	    o->state == STORE_OUT_EXPIRED ? "prea vechi pentru a mai fi "
	    "trimis" : "");
	return 0;
}

static struct table *
stuck_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct stuck_walk w = { table_new("stuck", stuck_cols,
	    NELEM(stuck_cols)), now };

	UNUSED(conf);
	if (store_outbox_list(st, STUCK_SCAN, stuck_row, &w) != 0) {
		table_free(w.t);
		return NULL;
	}
	return w.t;
}

static const struct web_table_page modems_table = {
	.name = "modems", .list = modems_list, .above = modems_above,
	.intro = "Starea fiecărui modem GSM, creditul cartelei și mesajele "
	    "trimise azi (ca în „stafeta status”).",
};
static const struct web_table_page stuck_table = {
	.name = "stuck", .list = stuck_list,
	.intro = "Mesaje care așteaptă după o încercare nereușită sau la "
	    "care s-a renunțat în ultimele 7 zile, cu motivul.",
};

/* ---- tasks --------------------------------------------------------- */

static struct table *
tasks_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	UNUSED(conf);
	return store_task_list(st, NULL, NULL, 1, now);
}

static void
tasks_above(struct web_req *r)
{
	web_raw(r, "<form class=\"box\" method=\"post\" "
	    "action=\"/sarcini/inchide\">");
	web_csrf_field(r);
	web_raw(r, "<label>Nr. sarcinii <input name=\"id\" id=\"task_id\" "
	    "inputmode=\"numeric\" required maxlength=\"12\"></label>"
	    "<label>Rezultat <input name=\"outcome\" maxlength=\"200\">"
	    "</label><label><select name=\"state\">"
	    "<option value=\"done\">făcută</option>"
	    "<option value=\"cancelled\">anulată</option></select></label>"
	    "<button id=\"task_close\">Închide sarcina</button></form>\n");
}

static const struct web_table_page tasks_table = {
	.name = "tasks", .list = tasks_list, .above = tasks_above,
	.intro = "Ce este de făcut, de la toate serviciile, după termen.",
};

static void
task_close(struct web_req *r)
{
	const char *id_s = web_form_get(&r->form, "id");
	const char *st_s = web_form_get(&r->form, "state");
	const char *outcome = web_form_get(&r->form, "outcome");
	char object[48];
	int64_t id;
	int rc;

	if (id_s == NULL || parse_int64(id_s, 1, INT64_MAX, &id) != 0) {
		web_error(r, 400, "Numărul sarcinii este greșit.");
		return;
	}
	if (outcome != NULL && strlen(outcome) > 200) {
		web_error(r, 400, "Rezultatul este prea lung.");
		return;
	}
	snprintf(object, sizeof(object), "task:%lld", (long long)id);
	if (store_begin(r->gw->store) != 0) {
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	rc = store_task_close(r->gw->store, id, st_s != NULL &&
	    strcmp(st_s, "cancelled") == 0 ? STORE_TASK_CANCELLED :
	    STORE_TASK_DONE, r->user, outcome != NULL && outcome[0] != '\0' ?
	    outcome : NULL, r->now);
	if (rc < 0 || (rc == 0 && web_audit(r, "change", object) != 0) ||
	    store_commit(r->gw->store) != 0) {
		store_rollback(r->gw->store);
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	if (rc == 1) {
		web_error(r, 404, "Nu există o sarcină deschisă cu acest "
		    "număr.");
		return;
	}
	web_redirect(r, "/sarcini?msg=task_closed");
}

/* ---- audit ------------------------------------------------------- */

static struct table *
audit_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	UNUSED(conf);
	return store_audit_list(st, now - AUDIT_DAYS * MS_PER_DAY, NULL);
}

static const struct web_table_page audit_table = {
	.name = "audit", .list = audit_list,
	.intro = "Cine a văzut, a exportat sau a schimbat ce, în ultimele 90 "
	    "de zile. Jurnalul nu poate fi modificat.",
};

/* ---- accounts ------------------------------------------------------ */

static struct table *
users_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	UNUSED(conf);
	UNUSED(now);
	return store_user_list(st);
}

static void
users_above(struct web_req *r)
{
	web_raw(r, "<form class=\"box\" method=\"post\" "
	    "action=\"/utilizatori/adauga\"><b>Cont nou</b>");
	web_csrf_field(r);
	web_raw(r, "<label>Utilizator <input name=\"name\" required "
	    "maxlength=\"64\"></label><label>Rol <select name=\"role\">"
	    "<option value=\"worker\">asistent social</option>"
	    "<option value=\"head\">șef SPAS</option>"
	    "<option value=\"mayor\">primar</option>"
	    "<option value=\"admin\">administrator</option></select></label>"
	    "<label>Parolă (cel puțin 10 caractere) <input type=\"password\" "
	    "name=\"password\" autocomplete=\"new-password\" required "
	    "maxlength=\"128\"></label><button>Creează</button></form>\n"
	    "<form class=\"box\" method=\"post\" "
	    "action=\"/utilizatori/stare\"><b>Activează / dezactivează</b>");
	web_csrf_field(r);
	web_raw(r, "<label>Utilizator <input name=\"name\" required "
	    "maxlength=\"64\"></label><label><select name=\"active\">"
	    "<option value=\"0\">dezactivează</option>"
	    "<option value=\"1\">activează</option></select></label>"
	    "<button>Aplică</button></form>\n");
}

static const struct web_table_page users_table = {
	.name = "users", .list = users_list, .above = users_above,
	.intro = "Conturile paginii web (și din linia de comandă: stafeta "
	    "user add|passwd|disable).",
};

/* 1 if s is a login name: 1 to 64 of [A-Za-z0-9._-]. */
static int
name_valid(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return 0;
	}
	return 1;
}

static void
user_add(struct web_req *r)
{
	const char *name = web_form_get(&r->form, "name");
	const char *role = web_form_get(&r->form, "role");
	const char *pw = web_form_get(&r->form, "password");
	char hash[WEB_PW_HASH_MAX], object[96];
	int rc;

	if (!name_valid(name) || web_role_parse(role) == 0) {
		web_error(r, 400, "Nume de utilizator (litere, cifre, . _ -) "
		    "sau rol greșit.");
		return;
	}
	if (!web_password_acceptable(pw)) {
		web_error(r, 400, "Parola trebuie să aibă între 10 și 128 de "
		    "caractere.");
		return;
	}
	if (web_password_hash(pw, hash, sizeof(hash)) != 0) {
		web_error(r, 500, "Parola nu a putut fi protejată.");
		return;
	}
	snprintf(object, sizeof(object), "user:%s", name);
	rc = store_user_add(r->gw->store, name, role, hash, r->now);
	if (rc == 0) {
		web_error(r, 409, "Există deja un cont cu acest nume.");
		return;
	}
	if (rc < 0 || web_audit(r, "change", object) != 0) {
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	log_info("web: %s created account %s (%s)", r->user, name, role);
	web_redirect(r, "/utilizatori?msg=user_added");
}

static void
user_state(struct web_req *r)
{
	const char *name = web_form_get(&r->form, "name");
	const char *act = web_form_get(&r->form, "active");
	struct store_user u;
	char object[96];
	int active = act != NULL && strcmp(act, "1") == 0, rc;

	if (!name_valid(name)) {
		web_error(r, 400, "Nume de utilizator greșit.");
		return;
	}
	rc = store_user_get(r->gw->store, name, &u);
	if (rc == 0) {
		web_error(r, 404, "Nu există un cont cu acest nume.");
		return;
	}
	snprintf(object, sizeof(object), "user:%s", name);
	if (rc < 0 || store_begin(r->gw->store) != 0) {
		store_user_clear(&u);
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	if (store_user_set_active(r->gw->store, name, active, r->now) < 0 ||
	    (!active && store_web_session_delete_user(r->gw->store,
	    u.id) != 0) || web_audit(r, "change", object) != 0 ||
	    store_commit(r->gw->store) != 0) {
		store_rollback(r->gw->store);
		store_user_clear(&u);
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	store_user_clear(&u);
	web_redirect(r, "/utilizatori?msg=user_state");
}

/* ---- today --------------------------------------------------------- */

/* A count as the mayor may see it: small cells (1 to 4) suppressed
 * (spas-followup.md DP9). */
static void
count_card(struct web_req *r, const char *id, const char *label, int64_t n,
    int suppress)
{
	web_raw(r, "<div class=\"card\"><div class=\"num\" id=\"");
	web_text(r, id);
	web_raw(r, "\">");
	if (suppress && n > 0 && n < 5)
		web_raw(r, "&lt;5");
	else
		web_rawf(r, "%lld", (long long)n);
	web_raw(r, "</div>");
	web_text(r, label);
	web_raw(r, "</div>");
}

static void
today_modems(struct web_req *r)
{
	struct table *t = modems_list(r->gw->store, r->gw->conf, r->now);

	web_raw(r, "<h2>Modemuri</h2>\n");
	modems_above(r);
	if (t == NULL) {
		web_raw(r, "<p class=\"err\">Starea modemurilor nu a putut fi "
		    "citită.</p>\n");
		return;
	}
	web_table_html(r, t, NULL, 0, 0);
	table_free(t);
}

static void
today_tasks(struct web_req *r, int64_t *open, int64_t *late)
{
	struct table *t = store_task_list(r->gw->store, NULL, NULL, 1, r->now);
	struct table *due;
	char today[32];

	*open = *late = 0;
	if (t == NULL)
		return;
	clock_fmt_utc(r->now / 1000, today, sizeof(today));
	today[10] = '\0';
	due = table_new("today", t->cols, t->ncols);
	for (size_t i = 0; i < t->nrows; i++) {
		const char *d = table_get(t, i, 7);
		const char *cells[16];

		(*open)++;
		if (strcmp(table_get(t, i, 8), "da") == 0)
			(*late)++;
		if (d[0] == '\0' || strncmp(d, today, 10) > 0)
			continue;
		for (size_t c = 0; c < t->ncols && c < NELEM(cells); c++)
			cells[c] = table_get(t, i, c);
		table_add(due, cells);
	}
	if (r->role != WEB_ROLE_MAYOR) {
		web_raw(r, "<h2>Sarcini cu termen azi sau depășit</h2>\n");
		web_table_html(r, due, NULL, 0, 0);
	}
	table_free(due);
	table_free(t);
}

static void
today_page(struct web_req *r)
{
	int64_t need = 0, overdue = 0, urgent = 0, open = 0, late = 0;
	int64_t cdue = 0, clate = 0;
	struct buf saved;
	int spas = r->role & WEB_ROLES_SPAS;

	web_flash(r);
	if (r->role == WEB_ROLE_ADMIN) {
		today_modems(r);
		web_send_page(r, 200, "Azi");
		return;
	}
	if (web_sheets_counts(r->gw->store, r->now, &need, &overdue,
	    &urgent) != 0)
		web_raw(r, "<p class=\"err\">Fișele nu au putut fi citite."
		    "</p>\n");
	if (web_cases_counts(r->gw->store, r->now, &cdue, &clate) != 0)
		web_raw(r, "<p class=\"err\">Cazurile nu au putut fi citite."
		    "</p>\n");
	/* The task tables go after the cards: render them aside. */
	saved = r->out;
	buf_init(&r->out, saved.max);
	today_tasks(r, &open, &late);
	{
		struct buf tasks = r->out;

		r->out = saved;
		web_raw(r, "<div class=\"cards\">");
		count_card(r, "n_need", "fișe care așteaptă vizita", need,
		    !spas);
		count_card(r, "n_overdue", "vizite după termenul de 72 h",
		    overdue, !spas);
		count_card(r, "n_urgent", "fișe urgente nevizitate", urgent,
		    !spas);
		count_card(r, "n_cases_due", "cazuri cu termen azi", cdue,
		    !spas);
		count_card(r, "n_cases_late", "cazuri cu termen depășit",
		    clate, !spas);
		count_card(r, "n_tasks", "sarcini deschise", open, !spas);
		count_card(r, "n_late", "sarcini după termen", late, !spas);
		web_raw(r, "</div>\n");
		if (!spas)
			web_raw(r, "<p>Primarul vede numai totaluri: nicio fișă "
			    "și niciun copil. Valorile între 1 și 4 apar ca "
			    "„&lt;5”.</p>\n");
		if (buf_add(&r->out, tasks.data != NULL ? tasks.data : "",
		    tasks.len) != 0)
			r->out.max = r->out.len;
		buf_free(&tasks);
	}
	if (spas) {
		web_cases_today(r);
		web_sheets_today(r);
	}
	today_modems(r);
	web_send_page(r, 200, "Azi");
}
