/*
 * web_polls.c - the participation polls' pages (web.h): the list of
 * polls, a poll's results page with the service's own summary (HTML with
 * SVG bar charts, poll_html) and the CSV/XLSX tallies, and the SPAS
 * head's open (the recorded approval) and close actions.  Every rule is
 * the poll service's (flows/poll/polls.h), called as gateway/cli_poll.c
 * calls it.  Results are aggregates: the mayor sees them; a poll keeps
 * no voter's number, so no page here shows a person.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "gateway.h"
#include "polls.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "web.h"

static const struct table_col list_cols[] = {
	{ "poll", "Sondaj" }, { "state", "Stare" }, { "title", "Titlu" },
};

/* The service lists polls as lines "ID STATE TITLE" (poll_show without
 * an id): split into a table, nothing else. */
static struct table *
polls_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	struct table *t;
	struct buf b;
	char *p, *line;

	buf_init(&b, 0);
	if (poll_show(st, conf, NULL, now, &b) != 0) {
		buf_free(&b);
		return NULL;
	}
	t = table_new("polls", list_cols, NELEM(list_cols));
	for (p = b.data; p != NULL && *p != '\0'; p = line) {
		const char *cells[3] = { "", "", "" };
		char *nl = strchr(p, '\n'), *q;

		line = nl != NULL ? nl + 1 : p + strlen(p);
		if (nl != NULL)
			*nl = '\0';
		for (int k = 0; k < 2 && *p != '\0'; k++) {
			cells[k] = p;
			q = p + strcspn(p, " ");
			if (*q != '\0')
				*q++ = '\0';
			p = q + strspn(q, " ");
		}
		cells[2] = p;
		if (cells[0][0] != '\0')
			table_add(t, cells);
	}
	buf_free(&b);
	return t;
}

const struct web_table_page web_polls_table = {
	.name = "polls", .list = polls_list, .link = "/sondaj",
	.link_col = 0, .id_col = 0,
	.intro = "Sondajele de participare, cu starea lor.",
};

/* A poll id as the service writes them: letters, digits, - and _. */
static int
poll_id_ok(const char *id)
{
	return id != NULL && id[0] != '\0' && strlen(id) < 64 &&
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == strlen(id);
}

/* The body of the service's self-contained page (its <style> would be
 * refused by our Content-Security-Policy; the SVG needs none). */
static void
html_body(struct web_req *r, const char *html)
{
	const char *b = strstr(html, "<body>"), *e = strstr(html, "</body>");

	if (b == NULL || e == NULL || e < b)
		return;
	b += strlen("<body>");
	web_raw(r, "<div class=\"poll\" id=\"poll_summary\">");
	if (buf_add(&r->out, b, (size_t)(e - b)) != 0)
		r->out.max = r->out.len;
	web_raw(r, "</div>\n");
}

static void
action_form(struct web_req *r, const char *id, const char *action,
    const char *label)
{
	web_raw(r, "<form class=\"box\" method=\"post\" "
	    "action=\"/sondaj/actiune\">");
	web_csrf_field(r);
	web_raw(r, "<input type=\"hidden\" name=\"id\" value=\"");
	web_text(r, id);
	web_raw(r, "\"><input type=\"hidden\" name=\"action\" value=\"");
	web_text(r, action);
	web_raw(r, "\"><button id=\"poll_");
	web_text(r, action);
	web_raw(r, "\">");
	web_text(r, label);
	web_raw(r, "</button></form>\n");
}

void
web_polls_results(struct web_req *r)
{
	const char *id = web_form_get(&r->query, "id");
	const char *fmt = web_form_get(&r->query, "format");
	const struct poll_answer_row *rows;
	struct poll_html_info in;
	struct poll_rows *pr;
	struct poll_def d;
	char state[16] = "", object[96], title[96];
	size_t n;
	char *html;

	if (!poll_id_ok(id)) {
		web_error(r, 400, "Sondajul este numit greșit.");
		return;
	}
	if (poll_load(r->gw->store, id, &d, state, sizeof(state)) != 0) {
		web_error(r, 404, "Nu există acest sondaj.");
		return;
	}
	memset(&in, 0, sizeof(in));
	if ((pr = poll_rows_load(r->gw->store, id)) == NULL ||
	    poll_counts(r->gw->store, id, &in.invited, &in.optouts) != 0) {
		poll_rows_free(pr);
		poll_def_clear(&d);
		web_error(r, 503, "Sondajul nu a putut fi citit; reîncercați.");
		return;
	}
	rows = poll_rows_get(pr, &n);
	snprintf(object, sizeof(object), "%s:poll:%s", fmt != NULL ?
	    "export" : "view", id);
	if (fmt != NULL) {
		struct table *t = poll_tally_table(&d, rows, n, in.invited,
		    in.optouts);
		char name[80];

		snprintf(name, sizeof(name), "poll-%s", id);
		if (web_audit(r, "export", object) != 0)
			web_error(r, 503, "Jurnalul de acces nu a putut fi "
			    "scris; exportul nu s-a făcut.");
		else
			web_export(r, name, t, fmt);
		table_free(t);
		poll_rows_free(pr);
		poll_def_clear(&d);
		return;
	}
	in.commune = poll_conf(r->gw->conf)->commune;
	in.state = state;
	html = poll_html(&d, rows, n, &in);
	web_flash(r);
	web_raw(r, "<p>Stare: <strong id=\"state\">");
	web_text(r, state);
	web_raw(r, "</strong></p>\n<p class=\"exports\">Descarcă: <a id=\"csv\" "
	    "href=\"/sondaj?id=");
	web_text(r, id);
	web_raw(r, "&amp;format=csv\">CSV</a> <a id=\"xlsx\" href=\"/sondaj?id=");
	web_text(r, id);
	web_raw(r, "&amp;format=xlsx\">XLSX</a></p>\n");
	if (r->role == WEB_ROLE_HEAD) {
		if (strcmp(state, "DRAFT") == 0 || strcmp(state, "REVIEW") == 0)
			action_form(r, id, "open", "Aprobă și deschide "
			    "sondajul");
		if (strcmp(state, "OPEN") == 0)
			action_form(r, id, "close", "Închide sondajul acum");
	}
	if (html != NULL)
		html_body(r, html);
	free(html);
	poll_rows_free(pr);
	poll_def_clear(&d);
	snprintf(title, sizeof(title), "Sondajul %s", id);
	web_send_page(r, 200, title);
}

void
web_polls_action(struct web_req *r)
{
	const char *id = web_form_get(&r->form, "id");
	const char *a = web_form_get(&r->form, "action");
	char err[256] = "", loc[128], object[96];
	int rc;

	if (!poll_id_ok(id) || a == NULL || (strcmp(a, "open") != 0 &&
	    strcmp(a, "close") != 0)) {
		web_error(r, 400, "Acțiune necunoscută.");
		return;
	}
	if (store_begin(r->gw->store) != 0) {
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	if (strcmp(a, "open") == 0)
		rc = poll_approve(r->gw->store, id, r->user, r->now, 0, err,
		    sizeof(err));
	else
		rc = poll_close(r->gw->store, r->gw->conf, id, r->now, err,
		    sizeof(err));
	if (rc != 0) {
		store_rollback(r->gw->store);
		web_raw(r, "<p class=\"err\" id=\"err\">");
		web_text(r, err[0] != '\0' ? err : "refuzat");
		web_raw(r, "</p>\n<p>Nu s-a schimbat nimic.</p>\n");
		web_send_page(r, 409, "Sondaj");
		return;
	}
	if (store_commit(r->gw->store) != 0) {
		web_error(r, 503, "Baza de date este ocupată; reîncercați.");
		return;
	}
	snprintf(object, sizeof(object), "poll:%s", id);
	(void)web_audit(r, "change", object);
	snprintf(loc, sizeof(loc), "/sondaj?id=%s&msg=poll_%s", id, a);
	web_redirect(r, loc);
}
