/*
 * web_parents.c - the parents-abroad pages (web.h): the registrations
 * with their states and flags, the caretakers' answers, the SPAS tasks
 * the service opened, and one notice's card (fields, children,
 * transitions, messages).  Every list and card is the service's own
 * table (flows/parents/parents.h parents_list, parents_card,
 * parents_tasks), as gateway/cli_parents.c prints it.  These are family
 * records: SPAS only, every view and export audited.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "gateway.h"
#include "parents.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "web.h"

static struct table *
all_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	UNUSED(conf);
	return parents_list(st, "all", now);
}

static struct table *
caretaker_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	UNUSED(conf);
	return parents_list(st, "caretakers", now);
}

static struct table *
task_list(struct store *st, const struct gw_config *conf, int64_t now)
{
	UNUSED(conf);
	return parents_tasks(st, 1, now);
}

static void
parents_nav(struct web_req *r)
{
	web_raw(r, "<p class=\"nav\"><a href=\"/parinti\">Anunțuri</a> | "
	    "<a href=\"/parinti/ingrijitori\">Răspunsurile îngrijitorilor"
	    "</a> | <a href=\"/parinti/sarcini\">Sarcini</a></p>\n");
}

const struct web_table_page web_parents_table = {
	.name = "parents", .list = all_list, .link = "/parinte",
	.link_col = 0, .id_col = 0, .above = parents_nav,
	.intro = "Anunțurile părinților care pleacă la muncă în străinătate, "
	    "cu starea și semnalările lor.",
};
const struct web_table_page web_parents_caretakers_table = {
	.name = "parents-caretakers", .list = caretaker_list,
	.link = "/parinte", .link_col = 0, .id_col = 0, .above = parents_nav,
	.intro = "Îngrijitorii invitați și răspunsul lor.",
};
const struct web_table_page web_parents_tasks_table = {
	.name = "parents-tasks", .list = task_list, .above = parents_nav,
	.intro = "Sarcinile SPAS deschise de anunțurile părinților.",
};

void
web_parents_card(struct web_req *r)
{
	const char *ids = web_form_get(&r->query, "id");
	struct table *t;
	int64_t id;
	char object[48], title[48];

	if (ids == NULL || parse_int64(ids, 1, INT64_MAX, &id) != 0) {
		web_error(r, 400, "Anunțul este numit greșit.");
		return;
	}
	if ((t = parents_card(r->gw->store, id)) == NULL) {
		web_error(r, 404, "Nu există acest anunț.");
		return;
	}
	snprintf(object, sizeof(object), "parents:%lld", (long long)id);
	if (web_audit(r, "view", object) != 0) {
		table_free(t);
		web_error(r, 503, "Jurnalul de acces nu a putut fi scris; "
		    "reîncercați.");
		return;
	}
	parents_nav(r);
	web_rawf(r, "<p>Stare: <strong id=\"state\">");
	web_text(r, parents_strstate(parents_state_of(r->gw->store, id)));
	web_raw(r, "</strong></p>\n");
	web_table_html(r, t, NULL, 0, 0);
	table_free(t);
	snprintf(title, sizeof(title), "Anunțul %lld", (long long)id);
	web_send_page(r, 200, title);
}
