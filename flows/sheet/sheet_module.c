/*
 * sheet_module.c - the module state of Observation Sheets: the one loaded
 * indicator table, action registration and the periodic tick.
 *
 * The table is loaded once at start from [sheets] indicators and is
 * immutable afterwards; the flow actions borrow it.  A gateway whose
 * county_code is set refuses to start with a missing or broken table
 * (every sheet would be wrong); one without county_code runs with sheets
 * refused, so that a plain SMS gateway needs no indicator file.
 */
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "sheet.h"
#include "util.h"

static struct sheet_table *sheet_table_cur;

const struct sheet_table *
sheet_module_table(void)
{
	return sheet_table_cur;
}

void
sheet_module_set_table(struct sheet_table *t)
{
	if (t == sheet_table_cur)
		return;
	sheet_table_free(sheet_table_cur);
	sheet_table_cur = t;
}

int
sheet_module_init(const struct gw_config *conf, char *err, size_t errlen)
{
	struct sheet_table *t = NULL;
	char why[512] = "no [sheets] indicators file";

	if (conf->indicators != NULL)
		t = sheet_table_load(conf->indicators, why, sizeof(why));
	if (t == NULL && conf->county_code > 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (t == NULL)
		log_warnx("sheets: not configured (county_code = 0): %s", why);
	else if (conf->county_code < 1)
		log_warnx("sheets: county_code not set, Observation Sheets "
		    "will be refused");
	else
		log_info("sheets: %zu indicators from %s (%s), county %02d",
		    sheet_table_count(t), conf->indicators,
		    sheet_table_version(t), conf->county_code);
	sheet_module_set_table(t);
	/* Registered even without a table: flows that call the actions
	 * still load, and the actions answer "not configured". */
	sheet_actions_register();
	return 0;
}

void
sheet_module_free(void)
{
	sheet_module_set_table(NULL);
}

int
sheet_module_tick(struct store *st, const struct gw_config *conf, int64_t now)
{
	if (sheet_table_cur == NULL || conf->county_code < 1)
		return 0;
	return sheet_alerts_tick(st, conf, now);
}
