/*
 * gw_alerts.c - says when administrator alerts cannot leave.
 *
 * An alert is an outbox row like any other (gw_modems_alert queues it,
 * unhinted, so any healthy channel takes it).  When no channel is up it
 * waits; the daemon's log (gw_modems.c), `stafeta status` and the metrics
 * then say so with the line built here, read from the store alone so the
 * CLI and the daemon print the same thing.  No personal data: channel
 * names, states and their last errors, never a number or a text.
 */
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "store.h"
#include "util.h"

struct gw_alerts_walk {
	int up;
	int64_t last_up;	/* ms: newest last_seen of any channel */
	char why[512];		/* "m1 down: reason; m2 dead" */
};

static int gw_alerts_row_cb(const struct store_channel_row *, void *);

static int
gw_alerts_row_cb(const struct store_channel_row *r, void *arg)
{
	struct gw_alerts_walk *a = arg;
	const char *state = r->state != NULL ? r->state : "unknown";
	size_t o = strlen(a->why);

	if (r->last_seen > a->last_up)
		a->last_up = r->last_seen;
	if (strcmp(state, "up") == 0) {
		a->up++;
		return 0;
	}
	/* A modem taken out of the configuration is not a cause. */
	if (strcmp(state, "stopped") == 0 || o >= sizeof(a->why) - 1)
		return 0;
	snprintf(a->why + o, sizeof(a->why) - o, "%s%s %s%s%s",
	    o > 0 ? "; " : "", r->name, state,
	    r->error != NULL && r->error[0] != '\0' ? ": " : "",
	    r->error != NULL ? r->error : "");
	return 0;
}

int
gw_alerts_stuck(struct store *st, char *buf, size_t len, int64_t *waiting)
{
	struct gw_alerts_walk a;
	char since[16];
	int64_t n = 0, oldest = 0;

	if (waiting != NULL)
		*waiting = 0;
	if (len > 0)
		buf[0] = '\0';
	if (store_outbox_alerts_waiting(st, &n, &oldest) != 0)
		return -1;
	if (waiting != NULL)
		*waiting = n;
	if (n == 0)
		return 0;
	memset(&a, 0, sizeof(a));
	if (store_channel_list(st, gw_alerts_row_cb, &a) != 0)
		return -1;
	if (a.up > 0)
		return 0;
	if (a.last_up > 0) {
		time_t t = (time_t)(a.last_up / 1000);
		struct tm tm;

		if (localtime_r(&t, &tm) == NULL ||
		    strftime(since, sizeof(since), "%H:%M", &tm) == 0)
			strlcpy_s(since, "?", sizeof(since));
	} else
		strlcpy_s(since, "start", sizeof(since));
	snprintf(buf, len, "ALERT not delivered: no channel up since %s "
	    "\xe2\x80\x94 %s (%lld alert%s waiting)", since,
	    a.why[0] != '\0' ? a.why : "no channel configured", (long long)n,
	    n == 1 ? "" : "s");
	return 1;
}
