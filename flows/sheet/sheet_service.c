/*
 * sheet_service.c - the Observation Sheet service as the daemon, the CLI
 * and the simulator see it (flows/service.h): its state (the loaded
 * indicator table), its flow actions and its periodic tick.
 *
 * The table is loaded once per configuration from [sheets] indicators and
 * is immutable afterwards; the flow actions borrow it through
 * ctx->service.  A gateway whose county_code is set refuses to start (and
 * a reload is refused) with a missing or broken table, since every sheet
 * would be wrong; one without county_code runs with sheets refused, so
 * that a plain SMS gateway needs no indicator file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "flow.h"
#include "log.h"
#include "service.h"
#include "gsm_text.h"
#include "sheet.h"
#include "util.h"

struct sheet_svc {
	struct sheet_table *table; /* owned; NULL = sheets not configured */
};

static void sheet_pages_check(const struct sheet_table *);
static void *sheet_service_init(const struct service_env *, char *, size_t);
static int sheet_service_tick(void *, struct store *, const struct gw_config *,
    int64_t);
static void sheet_service_free(void *);
static void sheet_service_log(const struct gw_config *,
    const struct sheet_table *, const char *);

const struct service sheet_service = {
	.name = "sheet",
	.config = &sheet_config_section,
	.migrations = sheet_migrations,
	.actions = sheet_actions,
	.init = sheet_service_init,
	.tick = sheet_service_tick,
	.free = sheet_service_free,
	.purge = sheet_purge,
};

struct sheet_svc *
sheet_svc_new(struct sheet_table *t)
{
	struct sheet_svc *s = xcalloc(1, sizeof(*s));

	s->table = t;
	return s;
}

void
sheet_svc_free(struct sheet_svc *s)
{
	if (s == NULL)
		return;
	sheet_table_free(s->table);
	free(s);
}

const struct sheet_table *
sheet_svc_table(const struct sheet_svc *s)
{
	return s != NULL ? s->table : NULL;
}

static void *
sheet_service_init(const struct service_env *env, char *err, size_t errlen)
{
	const struct gw_config *conf = env->conf;
	struct sheet_table *t = NULL;
	char why[512] = "no [sheets] indicators file";

	if (sheet_conf(conf)->indicators != NULL)
		t = sheet_table_load(sheet_conf(conf)->indicators, why, sizeof(why));
	if (t == NULL && sheet_conf(conf)->county_code > 0) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	if (!env->checking)
		sheet_service_log(conf, t, why);
	if (t != NULL)
		sheet_pages_check(t);
	/* A state even without a table: flows that call the actions still
	 * load, and the actions answer "not configured". */
	return sheet_svc_new(t);
}

/*
 * The guided SMS dialogue (FISA) sends each item page as one SMS: a page
 * over 160 GSM-7 characters costs two, on every sheet.  Said at start
 * and by `stafeta flow check` (which loads the services); the table is
 * data, so a revision can bring it back.
 */
static void
sheet_pages_check(const struct sheet_table *t)
{
	const char *pages[8];
	char text[SHEET_USSD_MAX * 2];
	size_t np, k;
	long n;
	int d;

	for (d = 1; d <= SHEET_DOMAINS; d++) {
		np = sheet_table_pages(t, d, pages);
		for (k = 0; k < np; k++) {
			if (sheet_table_page_text(t, pages[k], text,
			    sizeof(text)) == -1)
				continue;
			n = gsm_text_gsm7_septets(text);
			if (n > 160)
				log_warnx("sheets: FISA page %s costs two SMS "
				    "(%ld characters > 160): shorten its "
				    "labels in the indicator table",
				    pages[k], n);
		}
	}
}

static void
sheet_service_log(const struct gw_config *conf, const struct sheet_table *t,
    const char *why)
{
	if (t == NULL)
		log_warnx("sheets: not configured (county_code = 0): %s", why);
	else if (sheet_conf(conf)->county_code < 1)
		log_warnx("sheets: county_code not set, Observation Sheets "
		    "will be refused");
	else
		log_info("sheets: %zu indicators from %s (%s), county %02d",
		    sheet_table_count(t), sheet_conf(conf)->indicators,
		    sheet_table_version(t), sheet_conf(conf)->county_code);
}

static int
sheet_service_tick(void *state, struct store *st, const struct gw_config *conf,
    int64_t now)
{
	struct sheet_svc *s = state;

	if (s->table == NULL || sheet_conf(conf)->county_code < 1)
		return 0;
	return sheet_alerts_tick(st, conf, now);
}

static void
sheet_service_free(void *state)
{
	sheet_svc_free(state);
}
