/*
 * gw_dispatch.c - the modem worker as an outbound channel.
 *
 * Implements struct gw_channel_ops on a gw_worker: it is healthy while
 * its modem is UP, idle when not in the middle of a read pass (a full
 * inbox drains at read speed), takes its limits from its [modem NAME]
 * section, and sends by handing MODEM_IPC_SEND to its worker.  Routing,
 * rate limit, daily cap and what a result does to the queue are
 * gw_channel.c's, the same for every kind of channel.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "modem.h"
#include "store.h"
#include "util.h"
#include "gw_modems_int.h"

static int gw_worker_ch_healthy(const struct gw_channel *);
static int gw_worker_ch_idle(const struct gw_channel *);
static void gw_worker_ch_limits(const struct gw_channel *,
    struct gw_channel_limits *);
static int gw_worker_ch_send(struct gw_channel *,
    const struct store_outbound *);
static void gw_worker_ch_take_down(struct gw_channel *, const char *);
static struct gw_channel **gw_modems_channels(struct gw_modems *);

const struct gw_channel_ops gw_worker_channel_ops = {
	.kind = "modem",
	.healthy = gw_worker_ch_healthy,
	.idle = gw_worker_ch_idle,
	.limits = gw_worker_ch_limits,
	.send = gw_worker_ch_send,
	.take_down = gw_worker_ch_take_down,
};

static int
gw_worker_ch_healthy(const struct gw_channel *ch)
{
	const struct gw_worker *w = ch->impl;

	return w->state == GW_WORKER_UP;
}

static int
gw_worker_ch_idle(const struct gw_channel *ch)
{
	const struct gw_worker *w = ch->impl;

	return w->fd >= 0 && !w->receiving && !w->mods->stopping &&
	    gw_worker_conf(w) != NULL;
}

static void
gw_worker_ch_limits(const struct gw_channel *ch, struct gw_channel_limits *lim)
{
	const struct modem_conf *mc = gw_worker_conf(ch->impl);

	memset(lim, 0, sizeof(*lim));
	if (mc == NULL)
		return;
	lim->send_per_minute = mc->send_per_minute;
	lim->daily_cap = mc->daily_cap;
	lim->low_credit = mc->low_credit;
	lim->has_credit = mc->balance_ussd != NULL;
}

static int
gw_worker_ch_send(struct gw_channel *ch, const struct store_outbound *out)
{
	struct gw_worker *w = ch->impl;
	const struct modem_conf *mc = gw_worker_conf(w);
	struct modem_ipc_msg m;
	struct modem_send snd;
	int rc;

	snd.outbox_id = out->id;
	snd.recipient = out->recipient;
	snd.text = out->text;
	snd.concat_ref = w->concat_ref;
	snd.want_report = mc != NULL && mc->delivery_reports ? 1 : 0;
	modem_ipc_init(&m, MODEM_IPC_SEND);
	modem_ipc_put_send(&m, &snd);
	w->concat_ref = (w->concat_ref + 1) % 256;
	rc = modem_ipc_send(w->fd, &m);
	modem_ipc_free(&m);
	if (rc != 0) {
		/* The row stays SENDING; the worker's death requeues it. */
		log_warn("modem %s: cannot hand out %lld to worker", w->name,
		    (long long)out->id);
		gw_worker_kill(w, "socket to worker failed");
		return -1;
	}
	return 0;
}

/* Repeated failures: out of routing, and a restart gives the modem its
 * chance to come back. */
static void
gw_worker_ch_take_down(struct gw_channel *ch, const char *why)
{
	struct gw_worker *w = ch->impl;

	gw_worker_enter_state(w, GW_WORKER_DOWN, "repeated send failures");
	if (!w->down_alerted) {
		w->down_alerted = 1;
		gw_modems_alert(w->mods, "Stafeta: modemul %s NU poate trimite "
		    "mesaje (%s).", w->name, why);
	}
	gw_worker_kill(w, "repeated send failures");
}

/* The channels of every worker; caller frees the array. */
static struct gw_channel **
gw_modems_channels(struct gw_modems *mods)
{
	struct gw_channel **all = xcalloc(mods->n + 1, sizeof(*all));

	for (size_t i = 0; i < mods->n; i++)
		all[i] = &mods->w[i]->ch;
	return all;
}

void
gw_worker_send_result(struct gw_worker *w, struct modem_ipc_msg *msg)
{
	struct gateway *gw = w->mods->gw;
	struct modem_send_result r;
	struct gw_channel_result res;
	struct gw_channel **all;

	if (modem_ipc_get_send_result(msg, &r) != 0) {
		log_warnx("modem %s: malformed send result", w->name);
		return;
	}
	res.outbox_id = r.outbox_id;
	res.ok = r.ok;
	res.parts = r.parts;
	res.mr = r.mr;
	res.permanent = r.permanent;
	res.error = r.error;
	all = gw_modems_channels(w->mods);
	(void)gw_channel_result(&w->ch, all, w->mods->n, gw->store, gw->conf,
	    &res);
	free(all);
	modem_send_result_clear(&r);
}

void
gw_modems_kick(struct gw_modems *mods)
{
	struct gw_channel **all;

	if (mods->stopping)
		return;
	all = gw_modems_channels(mods);
	gw_channel_dispatch(all, mods->n, mods->gw->store);
	free(all);
}
