/*
 * gw_purge.c - the daily purge: every data class past its retention
 * period, the core ones ([retention], store/store_purge.c) and each
 * service's own (its purge hook, flows/service.h, with its own section's
 * periods).  The daemon runs it once a day from housekeeping; `stafeta
 * purge [--dry-run]` runs the same code.
 *
 * Deletes go in batches of [retention] purge_batch rows, each batch a
 * transaction of its own, so the event loop never holds the write lock
 * for long; the daemon also caps the batches of one pass and finishes on
 * the next housekeeping ticks.
 */
#include <stdint.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "service.h"
#include "store.h"
#include "util.h"

#define DAY_MS (24LL * 3600 * 1000)

static int64_t class_days(const struct gw_config *, int);

/* The [retention] period of a core class, in days. */
static int64_t
class_days(const struct gw_config *conf, int cls)
{
	switch ((enum store_purge_class)cls) {
	case STORE_PURGE_INBOUND:
		return conf->keep_inbound_days;
	case STORE_PURGE_OUTBOX:
		return conf->keep_outbox_days;
	case STORE_PURGE_SESSIONS:
	case STORE_PURGE_TOMBSTONES:
		return conf->keep_sessions_days;
	case STORE_PURGE_USSD:
		return conf->keep_ussd_days;
	case STORE_PURGE_DEDUP:
		return conf->keep_dedup_days;
	case STORE_PURGE_QUARANTINE:
		return conf->keep_quarantine_days;
	case STORE_PURGE_AUDIT:
		return (int64_t)conf->keep_audit_years * 366;
	case STORE_PURGE_N:
		break;
	}
	return 0;
}

int64_t
gw_purge_before(const struct gw_config *conf, int cls, int64_t now)
{
	return now - class_days(conf, cls) * DAY_MS;
}

int
gw_purge(const struct gw_services *svcs, struct store *st,
    const struct gw_config *conf, int64_t now, int dry_run,
    int max_batches, service_purge_report_cb *report, void *arg, int *more)
{
	int64_t before, n;
	int failed = 0, left;

	*more = 0;
	for (int cls = 0; cls < STORE_PURGE_N; cls++) {
		/* DP7: audit_years = 0 keeps the access log for good, which is
		 * at least as long as the case data. */
		if (cls == STORE_PURGE_AUDIT && conf->keep_audit_years == 0) {
			report(arg, "audit", -1, 0);
			continue;
		}
		before = gw_purge_before(conf, cls, now);
		if (dry_run) {
			if (store_purge_count(st, cls, before, &n) != 0) {
				failed++;
				continue;
			}
		} else {
			if (store_purge_run(st, cls, before, conf->purge_batch,
			    max_batches, &n, &left) != 0) {
				log_warnx("purge: %s failed: %s",
				    store_purge_name(cls), store_errmsg(st));
				failed++;
				continue;
			}
			if (left)
				*more = 1;
		}
		report(arg, store_purge_name(cls), n, before);
	}
	for (size_t i = 0; svcs != NULL && i < gw_services_count(); i++) {
		const struct service *svc = gw_services_at(i);

		if (svc->purge == NULL)
			continue;
		if (svc->purge(gw_services_state(svcs, svc), st, conf, now,
		    conf->purge_batch, dry_run, report, arg) != 0) {
			log_warnx("purge: %s failed: %s", svc->name,
			    store_errmsg(st));
			failed++;
		}
	}
	return failed > 0 ? -1 : 0;
}
