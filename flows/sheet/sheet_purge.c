/*
 * sheet_purge.c - retention of the Observation Sheets (spas-followup.md
 * §8, DP8): a closed sheet and its indicator values are deleted once it
 * was received more than [sheets] keep_years ago.  A sheet still open
 * (new, visit pending or scheduled) is never purged, however old.  The
 * default of 18 years covers the minority of any child a sheet can be
 * about (a sheet carries no birth date); SPAS's records schedule (Q7)
 * sets the real period.
 *
 * Links between sheets (supersedes / superseded_by) that point at a
 * purged sheet are cleared in the same transaction, so the foreign keys
 * hold.  Each batch is a transaction of its own.
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"

#define YEAR_MS (31557600LL * 1000) /* 365.25 days */

/* The batch: closed sheets received before ?1, lowest ids first. */
#define VICTIMS                                                              \
	"SELECT id FROM sheets WHERE received_at < ?1 AND state NOT IN"     \
	" ('new', 'visit_pending', 'visit_scheduled') ORDER BY id LIMIT ?2"

static const char count_sql[] =
    "SELECT count(*) FROM sheets WHERE received_at < ?1 AND state NOT IN"
    " ('new', 'visit_pending', 'visit_scheduled')";
static const char values_sql[] =
    "DELETE FROM sheet_values WHERE sheet_id IN (" VICTIMS ")";
static const char unlink_prev_sql[] =
    "UPDATE sheets SET supersedes = NULL WHERE supersedes IN (" VICTIMS ")";
static const char unlink_next_sql[] =
    "UPDATE sheets SET superseded_by = NULL WHERE superseded_by IN ("
    VICTIMS ")";
static const char sheets_sql[] =
    "DELETE FROM sheets WHERE id IN (" VICTIMS ")";

static int purge_step(struct store *, const char *, int64_t, int,
    const char *);
static int purge_batch(struct store *, int64_t, int, int64_t *);

static int
purge_step(struct store *st, const char *sql, int64_t before, int batch,
    const char *what)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	if (q == NULL)
		return -1;
	if (store_sql_bind_int64(q, 1, before) != 0 ||
	    store_sql_bind_int(q, 2, batch) != 0) {
		store_sql_done(q);
		return -1;
	}
	return store_sql_exec(q, what);
}

/* One batch in its own transaction; *n sheets deleted. */
static int
purge_batch(struct store *st, int64_t before, int batch, int64_t *n)
{
	*n = 0;
	if (store_begin(st) != 0)
		return -1;
	if (purge_step(st, values_sql, before, batch, "sheet purge: values") ||
	    purge_step(st, unlink_prev_sql, before, batch,
	    "sheet purge: links") ||
	    purge_step(st, unlink_next_sql, before, batch,
	    "sheet purge: links") ||
	    purge_step(st, sheets_sql, before, batch, "sheet purge: sheets"))
		goto fail;
	*n = store_sql_changes(st);
	if (store_commit(st) != 0)
		goto fail;
	return 0;

fail:
	store_rollback(st);
	*n = 0;
	return -1;
}

int
sheet_purge(void *state, struct store *st, const struct gw_config *conf,
    int64_t now, int batch, int dry_run, service_purge_report_cb *report,
    void *arg)
{
	const struct sheet_conf *sc = sheet_conf(conf);
	struct store_sql *q;
	int64_t before, n, total = 0;

	(void)state;
	if (sc->keep_years <= 0)
		return 0; /* sheets not configured: nothing of ours to age */
	before = now - (int64_t)sc->keep_years * YEAR_MS;
	if (dry_run) {
		q = store_sql_prepare(st, count_sql);
		if (q == NULL || store_sql_bind_int64(q, 1, before) != 0 ||
		    store_sql_step(q, "sheet purge: count") != 1) {
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
			log_info("sheet: purged %lld closed sheet(s) older than "
			    "%d years", (long long)total, sc->keep_years);
	}
	report(arg, "sheets", total, before);
	return 0;
}
