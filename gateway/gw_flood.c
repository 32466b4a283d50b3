/*
 * gw_flood.c - per-sender reply limits ([limits]).
 *
 * Every reply is a paid SMS, so one number that sends a thousand texts
 * (a stuck phone, a prank, a loop with another automaton) must not make a
 * thousand replies.  A number is answered for at most replies_per_hour
 * messages in an hour counted from its first one; the next message starts
 * a silence of silence_s during which its messages are stored as usual
 * (nothing is lost, an operator sees them in `stafeta inbox`) but neither
 * handed to the flow engine nor answered.  The silence is logged once,
 * with the number redacted, and counted in the metrics
 * (stafeta_flood_unanswered_total, stafeta_flood_silences_total).
 *
 * Exempt: [gateway] admin_numbers, [sheets] spas_numbers and [limits]
 * exempt_numbers.  The state is a row per number in the database
 * (store_flood.c), written in the same transaction as the message, so a
 * restart in the middle of a flood keeps the silence; housekeeping prunes
 * rows whose window and silence are a day over.
 *
 * USSD is not limited here: a USSD answer costs no SMS, the aggregator
 * already bounds a session, and HTTP floods are the HTTP layer's limits.
 */
#include <string.h>

#include "config.h"
#include "gateway.h"
#include "gw_metrics.h"
#include "log.h"
#include "sheet.h"
#include "store.h"

#define FLOOD_WINDOW_MS (3600LL * 1000)
#define FLOOD_KEEP_MS (24LL * 3600 * 1000) /* rows kept after last use */

static int flood_listed(char *const *, size_t, const char *);


static int
flood_listed(char *const *list, size_t n, const char *phone)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] != NULL && strcmp(list[i], phone) == 0)
			return 1;
	return 0;
}

int
gw_flood_exempt(const struct gw_config *conf, const char *phone)
{
	const struct sheet_conf *sc = sheet_conf(conf);

	return flood_listed(conf->admin_numbers, conf->n_admin_numbers,
	    phone) || flood_listed(conf->limit_exempt, conf->n_limit_exempt,
	    phone) || (sc != NULL && flood_listed(sc->spas_numbers,
	    sc->n_spas_numbers, phone));
}

int
gw_flood_check(struct gateway *gw, int64_t inbound_id, const char *phone,
    int64_t now)
{
	const struct gw_config *conf = gw->conf;
	struct store_flood f;
	char red[40];
	int rc;

	if (conf->limit_replies_per_hour <= 0 || gw_flood_exempt(conf, phone))
		return 1;
	rc = store_flood_get(gw->store, phone, &f);
	if (rc < 0)
		return -1;
	if (f.silenced_until > now) {
		gw_metrics_count("stafeta_flood_unanswered_total", NULL);
		log_debug("msg %lld: sender silenced for flooding, stored "
		    "unanswered", (long long)inbound_id);
		return 0;
	}
	if (f.silenced_until != 0) {
		log_info("msg %lld: sender %s answered again after a silence",
		    (long long)inbound_id, log_redact_number(phone, red,
		    sizeof(red)));
		memset(&f, 0, sizeof(f));
	}
	if (rc == 0 || f.count == 0 || now - f.window_start >=
	    FLOOD_WINDOW_MS || now < f.window_start) {
		f.window_start = now;
		f.count = 0;
	}
	if (f.count >= conf->limit_replies_per_hour) {
		f.silenced_until = now + (int64_t)conf->limit_silence_s * 1000;
		if (store_flood_put(gw->store, phone, &f, now) != 0)
			return -1;
		gw_metrics_count("stafeta_flood_unanswered_total", NULL);
		gw_metrics_count("stafeta_flood_silences_total", NULL);
		log_warnx("msg %lld: sender %s sent more than %d messages in an "
		    "hour: unanswered for %d s (messages still stored)",
		    (long long)inbound_id, log_redact_number(phone, red,
		    sizeof(red)), conf->limit_replies_per_hour,
		    conf->limit_silence_s);
		return 0;
	}
	f.count++;
	if (store_flood_put(gw->store, phone, &f, now) != 0)
		return -1;
	return 1;
}

int
gw_flood_housekeeping(struct gateway *gw, int64_t now)
{
	return store_flood_prune(gw->store, now - FLOOD_KEEP_MS);
}
