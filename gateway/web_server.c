/*
 * web_server.c - the back office's listener and the checks every request
 * goes through (web.h), in this order:
 *
 *   1. the path is a page of web_pages[] (else 404), the method one it
 *      takes (else 405): gw_httpd.c, on the headers;
 *   2. the session cookie names a live session of an active account,
 *      else the browser goes to /login (an expired one is deleted);
 *   3. the user's role may open the page (else 403; a record page never
 *      opens for the mayor or the administrator);
 *   4. a POST carries the session's CSRF token (else 403, nothing done);
 *   5. the page runs; views and exports of records are audited.
 *
 * Every answer carries the security headers (CSP without inline script,
 * frames denied, no referrer, no sniffing, HSTS).  Nothing personal goes
 * in a URL: actions are POST forms, records are named by opaque ids.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "file.h"
#include "gateway.h"
#include "gw_export.h"
#include "gw_httpd.h"
#include "log.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include <sodium.h>

#include "web.h"

#define WEB_COOKIE "stafeta_session"
#define WEB_PRE_COOKIE "stafeta_login" /* the login form's CSRF token */
#define WEB_PAGE_MAX (8u << 20)	       /* bytes of one HTML page */
#define WEB_EXPORT_MAX (64u << 20)     /* bytes of one export */

struct gw_web {
	struct gateway *gw;
	char dummy_hash[WEB_PW_HASH_MAX]; /* checked for unknown accounts */
	void *tls;
	struct gw_httpd *httpd;
	struct gw_httpd_route *routes;
	size_t n_routes;
};

static void web_handle(void *arg, struct gw_httpd_req *hr);

static const struct {
	const char *code;
	const char *text;
} messages[] = {
	{ "visit_done", "Vizita a fost înregistrată ca efectuată." },
	{ "visit_scheduled", "Vizita a fost programată." },
	{ "reporter_added", "Raportorul a fost înscris." },
	{ "reporter_state", "Starea raportorului a fost schimbată." },
	{ "reporter_pin", "PIN-ul raportorului a fost schimbat." },
	{ "task_closed", "Sarcina a fost închisă." },
	{ "user_added", "Contul a fost creat." },
	{ "user_state", "Starea contului a fost schimbată." },
	{ "case_changed", "Cazul a fost actualizat." },
	{ "poll_open", "Sondajul a fost aprobat; poarta îl trimite." },
	{ "poll_close", "Sondajul a fost închis." },
};

const char *
web_msg_text(const char *code)
{
	for (size_t i = 0; code != NULL && i < NELEM(messages); i++) {
		if (strcmp(messages[i].code, code) == 0)
			return messages[i].text;
	}
	return NULL;
}

void
web_flash(struct web_req *r)
{
	/* Only fixed texts: a link cannot make a page say anything. */
	const char *m = web_msg_text(web_form_get(&r->query, "msg"));

	if (m != NULL) {
		web_raw(r, "<p class=\"msg\" id=\"msg\">");
		web_text(r, m);
		web_raw(r, "</p>\n");
	}
}

static void
security_headers(struct gw_httpd_req *hr)
{
	gw_httpd_add_header(hr, "Content-Security-Policy",
	    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	gw_httpd_add_header(hr, "X-Frame-Options", "DENY");
	gw_httpd_add_header(hr, "Referrer-Policy", "no-referrer");
	gw_httpd_add_header(hr, "X-Content-Type-Options", "nosniff");
	gw_httpd_add_header(hr, "Strict-Transport-Security",
	    "max-age=31536000");
}

static const char *
reason_of(int code)
{
	switch (code) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 409: return "Conflict";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/* A page that outgrows its buffer is cut: web_send_page checks the
 * total. */
static void
put(struct buf *b, const char *s)
{
	if (buf_addstr(b, s) != 0)
		b->max = b->len; /* nothing more fits either */
}

static void
esc(struct buf *b, const char *s)
{
	if (web_html_escape(b, s) != 0)
		b->max = b->len;
}

static void
page_head(struct buf *b, const struct web_req *r, const char *title)
{
	put(b, "<!DOCTYPE html>\n<html lang=\"ro\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">"
	    "<link rel=\"stylesheet\" href=\"/static/stafeta.css\"><title>");
	esc(b, title);
	put(b, " — Stafeta SPAS</title></head><body>\n"
	    "<header><b>Stafeta</b> · SPAS");
	if (r->user[0] != '\0') {
		put(b, "<span class=\"who\">");
		esc(b, r->user);
		put(b, " (");
		esc(b, web_role_title(r->role));
		put(b, ") <form method=\"post\" action=\"/logout\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
		esc(b, r->csrf);
		put(b, "\"><button class=\"link\" id=\"logout\">"
		    "Ieșire</button></form></span>");
	}
	put(b, "</header>\n");
	if (r->user[0] != '\0') {
		put(b, "<nav>");
		for (size_t i = 0; i < web_n_pages; i++) {
			const struct web_page *p = &web_pages[i];

			if (p->menu == NULL || !web_role_allows(r->role,
			    p->roles, p->record))
				continue;
			put(b, "<a href=\"");
			esc(b, p->path);
			put(b, r->page == p ? "\" class=\"on\">" :
			    "\">");
			esc(b, p->menu);
			put(b, "</a>");
		}
		put(b, "</nav>\n");
	}
	put(b, "<main>\n<h1>");
	esc(b, title);
	put(b, "</h1>\n");
}

void
web_send_page(struct web_req *r, int code, const char *title)
{
	struct buf b;

	buf_init(&b, WEB_PAGE_MAX + 65536);
	page_head(&b, r, title);
	if (buf_add(&b, r->out.data != NULL ? r->out.data : "",
	    r->out.len) != 0 || buf_addstr(&b, "</main>\n</body></html>\n") !=
	    0) {
		buf_free(&b);
		gw_httpd_reply(r->hr, 500, "Internal Server Error", NULL,
		    "page too large\n", 15);
		return;
	}
	security_headers(r->hr);
	gw_httpd_reply(r->hr, code, reason_of(code), "text/html; charset=utf-8",
	    b.data, b.len);
	buf_free(&b);
}

void
web_redirect(struct web_req *r, const char *location)
{
	security_headers(r->hr);
	gw_httpd_add_header(r->hr, "Location", location);
	gw_httpd_reply(r->hr, 303, "See Other", NULL, NULL, 0);
}

void
web_error(struct web_req *r, int code, const char *msg)
{
	buf_reset(&r->out);
	web_raw(r, "<p class=\"err\" id=\"err\">");
	web_text(r, msg);
	web_raw(r, "</p>\n<p><a href=\"/azi\">Înapoi la pagina de azi</a>"
	    "</p>\n");
	web_send_page(r, code, code == 403 ? "Acces interzis" :
	    code == 404 ? "Pagină inexistentă" : "Eroare");
}

int
web_audit(struct web_req *r, const char *action, const char *object)
{
	if (store_audit(r->gw->store, r->user, "web", action, object,
	    r->now) != 0) {
		log_warnx("web: could not write the audit log");
		return -1;
	}
	return 0;
}

/* ---- sessions ---------------------------------------------------- */

static void
set_cookie(struct web_req *r, const char *name, const char *value,
    int max_age)
{
	char c[256];

	snprintf(c, sizeof(c), "%s=%s; Path=/; Max-Age=%d; Secure; HttpOnly; "
	    "SameSite=Strict", name, value, max_age);
	gw_httpd_add_header(r->hr, "Set-Cookie", c);
}

/* A session that ended is forgotten; failing that, it stays dead
 * anyway (its times are checked on every request). */
static void
drop_session(struct store *st, const char *th)
{
	if (store_web_session_delete(st, th) != 0)
		log_warnx("web: an ended session could not be deleted");
}

/* 1 with r->user/role/csrf set, 0 if no (live) session, -1 on error;
 * *expired says a session cookie named a session that ended. */
static int
session_load(struct web_req *r, int *expired)
{
	const struct gw_config *conf = r->gw->conf;
	char token[WEB_TOKEN_HEX + 8], th[80];
	struct store_web_session s;
	struct store_user u;
	int rc;

	*expired = 0;
	if (!web_cookie_get(gw_httpd_req_header(r->hr, "Cookie"), WEB_COOKIE,
	    token, sizeof(token)) || strlen(token) != WEB_TOKEN_HEX)
		return 0;
	web_token_hash(token, th, sizeof(th));
	rc = store_web_session_get(r->gw->store, th, &s);
	if (rc != 1) {
		*expired = rc == 0;
		return rc;
	}
	if (!web_session_alive(s.created_at, s.last_seen, r->now,
	    conf->web_session_idle_s, conf->web_session_max_s)) {
		*expired = 1;
		drop_session(r->gw->store, th);
		return 0;
	}
	rc = store_user_get_id(r->gw->store, s.user_id, &u);
	if (rc != 1 || !u.active || web_role_parse(u.role) == 0) {
		store_user_clear(&u);
		drop_session(r->gw->store, th);
		*expired = 1;
		return rc < 0 ? -1 : 0;
	}
	r->user_id = u.id;
	strlcpy_s(r->user, u.name, sizeof(r->user));
	r->role = web_role_parse(u.role);
	strlcpy_s(r->csrf, s.csrf, sizeof(r->csrf));
	store_user_clear(&u);
	if (store_web_session_touch(r->gw->store, th, r->now) != 0)
		return -1;
	return 1;
}

/* ---- login and logout -------------------------------------------- */

static void
login_form(struct web_req *r, int code, const char *why)
{
	char pre[WEB_TOKEN_HEX + 1];

	if (web_token_new(pre, sizeof(pre)) != 0) {
		web_error(r, 500, "Lipsește sursa de numere aleatoare.");
		return;
	}
	set_cookie(r, WEB_PRE_COOKIE, pre, 900);
	buf_reset(&r->out);
	if (why != NULL) {
		web_raw(r, "<p class=\"err\" id=\"err\">");
		web_text(r, why);
		web_raw(r, "</p>\n");
	}
	web_raw(r, "<form class=\"box\" method=\"post\" action=\"/login\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_text(r, pre);
	web_raw(r, "\"><label>Utilizator <input name=\"user\" id=\"user\" "
	    "autocomplete=\"username\" required maxlength=\"64\"></label>"
	    "<label>Parolă <input type=\"password\" name=\"password\" "
	    "id=\"password\" autocomplete=\"current-password\" required "
	    "maxlength=\"128\"></label>"
	    "<button type=\"submit\" id=\"login\">Intrare</button></form>\n");
	web_send_page(r, code, "Intrare în Stafeta");
}

static int
throttled(struct web_req *r, const char *key, int64_t *until)
{
	const struct gw_config *conf = r->gw->conf;
	int64_t n, last;

	if (store_login_failures(r->gw->store, key, &n, &last) != 0)
		return -1;
	*until = web_login_retry_at(n, last, conf->web_login_failures,
	    conf->web_login_block_s);
	return *until > r->now;
}

static void
login_post(struct web_req *r)
{
	const char *name = web_form_get(&r->form, "user");
	const char *pw = web_form_get(&r->form, "password");
	const char *csrf = web_form_get(&r->form, "csrf");
	char pre[WEB_TOKEN_HEX + 8], ukey[128], akey[96];
	char token[WEB_TOKEN_HEX + 1], th[80], csrf_new[WEB_TOKEN_HEX + 1];
	char when[32], msg[160];
	struct store_user u;
	int64_t until = 0, until2 = 0;
	int ok, t1, t2;

	if (!web_cookie_get(gw_httpd_req_header(r->hr, "Cookie"),
	    WEB_PRE_COOKIE, pre, sizeof(pre)) || !web_token_equal(csrf, pre)) {
		login_form(r, 403, "Formularul a expirat; încercați din nou.");
		return;
	}
	if (name == NULL || pw == NULL || name[0] == '\0' ||
	    strlen(name) > 64 || strlen(pw) > WEB_PW_MAX) {
		login_form(r, 400, "Completați utilizatorul și parola.");
		return;
	}
	snprintf(ukey, sizeof(ukey), "user:%s", name);
	snprintf(akey, sizeof(akey), "addr:%s", gw_httpd_req_peer(r->hr));
	t1 = throttled(r, ukey, &until);
	t2 = throttled(r, akey, &until2);
	if (t1 < 0 || t2 < 0) {
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	if (t1 || t2) {
		/* No password is checked while paused: guessing costs the
		 * guesser time, not the daemon. */
		if (until2 > until)
			until = until2;
		clock_fmt_utc(until / 1000 + 1, when, sizeof(when));
		snprintf(msg, sizeof(msg), "Prea multe parole greșite. "
		    "Încercați din nou după %s UTC.", when);
		log_info("web: login paused for an account or address after "
		    "wrong passwords");
		login_form(r, 429, msg);
		return;
	}
	ok = store_user_get(r->gw->store, name, &u);
	if (ok < 0) {
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	/* An unknown account costs the same time as a wrong password, so
	 * the answer's delay does not tell which names exist. */
	if (ok == 0)
		(void)web_password_verify(pw, r->web->dummy_hash);
	if (ok == 0 || !u.active || web_role_parse(u.role) == 0 ||
	    !web_password_verify(pw, u.pw_hash)) {
		store_user_clear(&u);
		if (store_begin(r->gw->store) == 0) {
			if (store_login_fail(r->gw->store, ukey, r->now) != 0 ||
			    store_login_fail(r->gw->store, akey, r->now) != 0 ||
			    store_commit(r->gw->store) != 0)
				store_rollback(r->gw->store);
		}
		log_info("web: wrong user or password from %s",
		    gw_httpd_req_peer(r->hr));
		login_form(r, 401, "Utilizator sau parolă greșită.");
		return;
	}
	if (web_token_new(token, sizeof(token)) != 0 ||
	    web_token_new(csrf_new, sizeof(csrf_new)) != 0) {
		store_user_clear(&u);
		web_error(r, 500, "Lipsește sursa de numere aleatoare.");
		return;
	}
	web_token_hash(token, th, sizeof(th));
	strlcpy_s(r->user, u.name, sizeof(r->user));
	if (store_begin(r->gw->store) != 0 ||
	    store_web_session_add(r->gw->store, th, u.id, csrf_new,
	    r->now) != 0 || store_login_reset(r->gw->store, ukey) != 0 ||
	    store_login_reset(r->gw->store, akey) != 0 ||
	    store_web_session_prune(r->gw->store, r->now -
	    (int64_t)r->gw->conf->web_session_idle_s * 1000, r->now -
	    (int64_t)r->gw->conf->web_session_max_s * 1000) != 0 ||
	    store_audit(r->gw->store, u.name, "web", "login", "web",
	    r->now) != 0 || store_commit(r->gw->store) != 0) {
		store_rollback(r->gw->store);
		store_user_clear(&u);
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	log_info("web: %s logged in", u.name);
	store_user_clear(&u);
	set_cookie(r, WEB_COOKIE, token, r->gw->conf->web_session_max_s);
	set_cookie(r, WEB_PRE_COOKIE, "", 0);
	sodium_memzero(token, sizeof(token));
	web_redirect(r, "/azi");
}

static void
logout_post(struct web_req *r)
{
	char token[WEB_TOKEN_HEX + 8], th[80];

	if (web_cookie_get(gw_httpd_req_header(r->hr, "Cookie"), WEB_COOKIE,
	    token, sizeof(token))) {
		web_token_hash(token, th, sizeof(th));
		drop_session(r->gw->store, th);
	}
	set_cookie(r, WEB_COOKIE, "", 0);
	web_redirect(r, "/login");
}

/* ---- the generic table page -------------------------------------- */

void
web_export(struct web_req *r, const char *name, const struct table *t,
    const char *fmt_name)
{
	int fmt = gw_export_parse(fmt_name);
	char err[256], path[1024], disp[160], *data = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (fmt != GW_EXPORT_CSV && fmt != GW_EXPORT_XLSX) {
		web_error(r, 400, "Format de export necunoscut.");
		return;
	}
	if (fmt == GW_EXPORT_CSV) {
		f = open_memstream(&data, &len);
		rc = f == NULL ? -1 : gw_export_write(t, GW_EXPORT_CSV, "-", f,
		    err, sizeof(err));
		if (f != NULL && fclose(f) != 0)
			rc = -1;
	} else {
		/* libxlsxwriter writes a file: a private one, read back. */
		snprintf(path, sizeof(path), "%s/web-export-%ld.xlsx",
		    r->gw->conf->state_dir, (long)getpid());
		rc = gw_export_write(t, GW_EXPORT_XLSX, path, NULL, err,
		    sizeof(err));
		if (rc == 0 && file_read(path, WEB_EXPORT_MAX, &data, &len,
		    err, sizeof(err)) != 0)
			rc = -1;
		(void)unlink(path);
	}
	if (rc != 0) {
		free(data);
		log_warnx("web: export %s failed: %s", name, err);
		web_error(r, 500, "Exportul nu a reușit.");
		return;
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s.%s\"",
	    name, fmt == GW_EXPORT_CSV ? "csv" : "xlsx");
	security_headers(r->hr);
	gw_httpd_add_header(r->hr, "Content-Disposition", disp);
	gw_httpd_reply(r->hr, 200, "OK", fmt == GW_EXPORT_CSV ?
	    "text/csv; charset=utf-8" : "application/vnd.openxmlformats-"
	    "officedocument.spreadsheetml.sheet", data, len);
	free(data);
}

static void
table_page(struct web_req *r)
{
	const struct web_page *p = r->page;
	const struct web_table_page *tp = p->table;
	const char *fmt = web_form_get(&r->query, "format");
	struct table *t;
	char object[96];

	t = tp->list(r->gw->store, r->gw->conf, r->now);
	if (t == NULL) {
		web_error(r, 503, "Lista nu a putut fi citită; reîncercați.");
		return;
	}
	if (fmt != NULL) {
		snprintf(object, sizeof(object), "export:%s", tp->name);
		if (web_audit(r, "export", object) != 0)
			web_error(r, 503, "Jurnalul de acces nu a putut fi "
			    "scris; exportul nu s-a făcut.");
		else
			web_export(r, tp->name, t, fmt);
		table_free(t);
		return;
	}
	if (p->record) {
		snprintf(object, sizeof(object), "list:%s", tp->name);
		if (web_audit(r, "view", object) != 0) {
			table_free(t);
			web_error(r, 503, "Jurnalul de acces nu a putut fi "
			    "scris; reîncercați.");
			return;
		}
	}
	web_flash(r);
	if (tp->intro != NULL) {
		web_raw(r, "<p>");
		web_text(r, tp->intro);
		web_raw(r, "</p>\n");
	}
	if (tp->above != NULL)
		tp->above(r);
	web_raw(r, "<p class=\"exports\">Descarcă: <a id=\"csv\" href=\"");
	web_text(r, p->path);
	web_raw(r, "?format=csv\">CSV</a> <a id=\"xlsx\" href=\"");
	web_text(r, p->path);
	web_raw(r, "?format=xlsx\">XLSX</a></p>\n");
	web_rawf(r, "<p>%zu rânduri.</p>\n", t->nrows);
	web_table_html(r, t, tp->link, tp->link_col, tp->id_col);
	table_free(t);
	web_send_page(r, 200, p->title);
}

/* ---- dispatch ---------------------------------------------------- */

static const struct web_page *
page_of(const char *path)
{
	for (size_t i = 0; i < web_n_pages; i++) {
		if (strcmp(web_pages[i].path, path) == 0)
			return &web_pages[i];
	}
	return NULL;
}

static void
serve(struct web_req *r)
{
	const char *path = gw_httpd_req_path(r->hr);
	const char *q = gw_httpd_req_query(r->hr), *body;
	int method = gw_httpd_req_method(r->hr), expired, rc;
	size_t blen;

	if (strcmp(path, "/static/stafeta.css") == 0) {
		gw_httpd_add_header(r->hr, "X-Content-Type-Options",
		    "nosniff");
		gw_httpd_reply(r->hr, 200, "OK", "text/css; charset=utf-8",
		    web_css, web_css_len);
		return;
	}
	if (web_form_parse(&r->query, q, q != NULL ? strlen(q) : 0) != 0) {
		web_error(r, 400, "Adresă greșită.");
		return;
	}
	body = gw_httpd_req_body(r->hr, &blen);
	if (method == GW_HTTPD_POST && web_form_parse(&r->form, body,
	    blen) != 0) {
		web_error(r, 400, "Formular greșit.");
		return;
	}
	if (strcmp(path, "/login") == 0) {
		if (method == GW_HTTPD_POST)
			login_post(r);
		else
			login_form(r, 200, web_form_get(&r->query,
			    "expired") != NULL ? "Sesiunea a expirat; intrați "
			    "din nou." : NULL);
		return;
	}
	rc = session_load(r, &expired);
	if (rc < 0) {
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	if (rc == 0) {
		if (expired)
			set_cookie(r, WEB_COOKIE, "", 0);
		web_redirect(r, expired ? "/login?expired=1" : "/login");
		return;
	}
	if (strcmp(path, "/") == 0) {
		web_redirect(r, "/azi");
		return;
	}
	if (method == GW_HTTPD_POST &&
	    !web_token_equal(web_form_get(&r->form, "csrf"), r->csrf)) {
		log_info("web: a form without its token was refused (%s)",
		    path);
		web_error(r, 403, "Formularul nu are jetonul de securitate "
		    "(CSRF); nu s-a schimbat nimic. Reîncărcați pagina.");
		return;
	}
	if (strcmp(path, "/logout") == 0) {
		logout_post(r);
		return;
	}
	r->page = page_of(path);
	if (r->page == NULL) {
		web_error(r, 404, "Pagina nu există.");
		return;
	}
	if (!(r->page->methods & method) && !(method == GW_HTTPD_HEAD &&
	    (r->page->methods & GW_HTTPD_GET))) {
		web_error(r, 400, "Metodă nepermisă aici.");
		return;
	}
	if (!web_role_allows(r->role, r->page->roles, r->page->record)) {
		log_info("web: %s (%s) refused %s", r->user,
		    web_role_name(r->role), path);
		web_error(r, 403, "Rolul dumneavoastră nu are acces la această "
		    "pagină.");
		return;
	}
	if (r->page->handle != NULL)
		r->page->handle(r);
	else
		table_page(r);
}

static void
web_handle(void *arg, struct gw_httpd_req *hr)
{
	struct gw_web *w = arg;
	struct web_req r;

	memset(&r, 0, sizeof(r));
	r.web = w;
	r.gw = w->gw;
	r.hr = hr;
	r.now = clock_now_ms();
	buf_init(&r.out, WEB_PAGE_MAX);
	serve(&r);
	web_form_free(&r.query);
	web_form_free(&r.form);
	buf_free(&r.out);
}

struct gw_web *
gw_web_new(struct gateway *gw, char *err, size_t errlen)
{
	struct gw_web *w;
	struct gw_httpd_conf hc;
	size_t n = 0;

	if (web_auth_init() != 0) {
		snprintf(err, errlen, "libsodium could not start");
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->gw = gw;
	{
		char pw[WEB_TOKEN_HEX + 1];

		if (web_token_new(pw, sizeof(pw)) != 0 ||
		    web_password_hash(pw, w->dummy_hash,
		    sizeof(w->dummy_hash)) != 0) {
			snprintf(err, errlen, "libsodium could not hash");
			free(w);
			return NULL;
		}
	}
	w->tls = web_tls_new(gw->conf, err, errlen);
	if (w->tls == NULL) {
		free(w);
		return NULL;
	}
	w->routes = xcalloc(web_n_pages + 4, sizeof(*w->routes));
	static const char *const fixed[] = { "/", "/login", "/logout",
		"/static/stafeta.css" };
	for (size_t i = 0; i < NELEM(fixed) + web_n_pages; i++) {
		struct gw_httpd_route *rt = &w->routes[n++];

		rt->path = i < NELEM(fixed) ? fixed[i] :
		    web_pages[i - NELEM(fixed)].path;
		rt->methods = GW_HTTPD_GET | GW_HTTPD_HEAD | GW_HTTPD_POST;
		rt->allow = "GET, HEAD, POST";
		rt->handler = web_handle;
	}
	w->n_routes = n;
	gw_httpd_conf_init(&hc, gw->conf, "web", gw->conf->web_listen);
	hc.max_body = (size_t)gw->conf->web_max_body;
	hc.routes = w->routes;
	hc.n_routes = w->n_routes;
	hc.arg = w;
	hc.tls = w->tls;
	w->httpd = gw_httpd_new(gw->base, &hc, err, errlen);
	if (w->httpd == NULL) {
		gw_web_free(w);
		return NULL;
	}
	log_info("web: the SPAS back office is at https://%s/",
	    gw->conf->web_listen);
	return w;
}

void
gw_web_free(struct gw_web *w)
{
	if (w == NULL)
		return;
	gw_httpd_free(w->httpd);
	web_tls_free(w->tls);
	free(w->routes);
	free(w);
}
