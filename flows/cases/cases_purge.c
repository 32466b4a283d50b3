/*
 * cases_purge.c - retention of the case tables (spas-followup.md DP8): a
 * closed case, with its transitions, risks, referrals, monitoring visits
 * and sheet links, is deleted once it has been closed for [sheets]
 * keep_years (the period SPAS keeps a child's sheets).  Links to sheets
 * the sheet service has purged go too, so a reused row id can never look
 * picked up.
 */
#include "cases.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"

#define YEAR_MS (31557600LL * 1000) /* 365.25 days */

#define VICTIMS                                                         \
	"SELECT id FROM cases WHERE state = 'closed' AND updated_at < ?1" \
	" ORDER BY id LIMIT ?2"

static const char count_sql[] =
    "SELECT count(*) FROM cases WHERE state = 'closed' AND updated_at < ?1";
static const char *const steps[] = {
	"DELETE FROM case_transitions WHERE case_id IN (" VICTIMS ")",
	"DELETE FROM case_risks WHERE case_id IN (" VICTIMS ")",
	"DELETE FROM case_referrals WHERE case_id IN (" VICTIMS ")",
	"DELETE FROM case_monitoring WHERE case_id IN (" VICTIMS ")",
	"DELETE FROM case_sheets WHERE case_id IN (" VICTIMS ")",
	"DELETE FROM cases WHERE id IN (" VICTIMS ")",
};
static const char orphans_sql[] =
    "DELETE FROM case_sheets WHERE NOT EXISTS"
    " (SELECT 1 FROM sheets s WHERE s.id = case_sheets.sheet_id)";

static int
purge_batch(struct store *st, int64_t before, int batch, int64_t *n)
{
	struct store_sql *q;

	*n = 0;
	if (store_begin(st) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((q = store_sql_prepare(st, steps[i])) == NULL)
			goto fail;
		store_sql_bind_int64(q, 1, before);
		store_sql_bind_int(q, 2, batch);
		if (store_sql_exec(q, "case purge") != 0)
			goto fail;
	}
	*n = store_sql_changes(st);
	if ((q = store_sql_prepare(st, orphans_sql)) == NULL ||
	    store_sql_exec(q, "case purge: links") != 0 ||
	    store_commit(st) != 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	*n = 0;
	return -1;
}

int
cases_purge(void *state, struct store *st, const struct gw_config *conf,
    int64_t now, int batch, int dry_run, service_purge_report_cb *report,
    void *arg)
{
	const struct sheet_conf *sc = sheet_conf(conf);
	struct store_sql *q;
	int64_t before, n, total = 0;

	(void)state;
	if (sc->keep_years <= 0)
		return 0;
	before = now - (int64_t)sc->keep_years * YEAR_MS;
	if (dry_run) {
		q = store_sql_prepare(st, count_sql);
		if (q == NULL || store_sql_bind_int64(q, 1, before) != 0 ||
		    store_sql_step(q, "case purge: count") != 1) {
			store_sql_done(q);
			return -1;
		}
		total = store_sql_col_int64(q, 0);
		store_sql_done(q);
	} else {
		do {
			if (purge_batch(st, before, batch, &n) != 0)
				return -1;
			total += n;
		} while (n >= batch);
		if (total > 0)
			log_info("cases: purged %lld closed case(s) older than "
			    "%d years", (long long)total, sc->keep_years);
	}
	report(arg, "cases", total, before);
	return 0;
}
