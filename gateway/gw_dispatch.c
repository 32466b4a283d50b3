/*
 * gw_dispatch.c - the outbound dispatcher: which queued message goes to
 * which modem, and what its result does to the queue.
 *
 * Routing: a message hinted to a modem (the one the contact last wrote
 * to) waits for it unless it is down; others go to the least loaded
 * healthy modem.  Each modem has at most one message in flight, marked
 * SENDING in a committed transaction before the worker sees it, so a
 * crash can send at most that one twice.  Per-modem rate limit and daily
 * cap; the store orders by priority, then age.
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

static const char **gw_modems_down_list(struct gw_modems *);
static int gw_worker_take(struct gw_worker *, int64_t, const char *const *,
    struct store_outbound *);
static void gw_worker_hand(struct gw_worker *, const struct store_outbound *);

void
gw_worker_send_result(struct gw_worker *w, struct modem_ipc_msg *msg)
{
	struct gateway *gw = w->mods->gw;
	const struct gw_config *conf = gw->conf;
	struct modem_send_result r;
	struct store_outbound next;
	const char **down = NULL;
	int64_t now = clock_now_ms();
	int took = 0;

	memset(&r, 0, sizeof(r));
	memset(&next, 0, sizeof(next));
	if (modem_ipc_get_send_result(msg, &r) != 0) {
		log_warnx("modem %s: malformed send result", w->name);
		return;
	}
	if (r.outbox_id == 0 || r.outbox_id != w->sending_id) {
		log_warnx("modem %s: result for out %lld that was not in "
		    "flight", w->name, (long long)r.outbox_id);
		modem_send_result_clear(&r);
		return;
	}
	w->sending_id = 0;
	if (store_begin(gw->store) != 0)
		goto fail;
	if (store_outbox_result(gw->store, r.outbox_id, r.ok, r.parts, r.mr,
	    r.ok ? NULL : r.error, r.permanent, now, conf->send_retry_base_s,
	    conf->send_max_attempts) != 0)
		goto fail_rollback;
	if (r.ok && store_modem_count_sent(gw->store, w->name, r.parts, now,
	    &w->sent_today) != 0)
		goto fail_rollback;
	/* The modem's next message rides in the same commit: one disk sync
	 * per message sent instead of two. */
	if (r.ok && w->state == GW_WORKER_UP) {
		down = gw_modems_down_list(w->mods);
		took = gw_worker_take(w, now, down, &next);
	}
	if (store_commit(gw->store) != 0)
		goto fail_rollback;
	if (r.ok) {
		log_info("modem %s: out %lld sent (%d part%s)", w->name,
		    (long long)r.outbox_id, r.parts, r.parts == 1 ? "" : "s");
		w->fail_streak = 0;
	} else {
		log_warnx("modem %s: out %lld not sent: %s%s", w->name,
		    (long long)r.outbox_id, r.error,
		    r.permanent ? " (permanent)" : "");
		if (!r.permanent && ++w->fail_streak >= conf->modem_down_after &&
		    w->state == GW_WORKER_UP) {
			/* A modem that keeps failing is taken out of routing;
			 * its queue drains through the others.  A restart
			 * gives it its chance to come back. */
			gw_worker_enter_state(w, GW_WORKER_DOWN,
			    "repeated send failures");
			if (!w->down_alerted) {
				w->down_alerted = 1;
				gw_modems_alert(w->mods, "Stafeta: modemul %s "
				    "NU poate trimite mesaje (%s).", w->name,
				    r.error);
			}
			gw_worker_kill(w, "repeated send failures");
		}
	}
	if (took)
		gw_worker_hand(w, &next);
	goto out;
fail_rollback:
	store_rollback(gw->store);
	w->sending_id = 0;
fail:
	log_warnx("modem %s: cannot record result of out %lld: %s", w->name,
	    (long long)r.outbox_id, store_errmsg(gw->store));
out:
	store_outbound_clear(&next);
	free(down);
	modem_send_result_clear(&r);
}

/* NULL-terminated names of modems not usable now; caller frees array. */
static const char **
gw_modems_down_list(struct gw_modems *mods)
{
	const char **down = xcalloc(mods->n + 1, sizeof(*down));
	size_t k = 0;

	for (size_t i = 0; i < mods->n; i++)
		if (mods->w[i]->state != GW_WORKER_UP)
			down[k++] = mods->w[i]->name;
	return down;
}

/*
 * Takes the next message for w (inside the caller's transaction) into
 * *out; 1 if one was taken.  The worker is told only after the commit.
 */
static int
gw_worker_take(struct gw_worker *w, int64_t now, const char *const *down,
    struct store_outbound *out)
{
	const struct modem_conf *mc = gw_worker_conf(w);
	int64_t mono = clock_mono_ms();
	int rc;

	if (mc == NULL || w->sending_id != 0 || w->receiving ||
	    mono < w->next_send_at)
		return 0;
	if (mc->daily_cap > 0 && w->sent_today >= mc->daily_cap)
		return 0;
	rc = store_outbox_take(w->mods->gw->store, w->name, down, now, out);
	if (rc <= 0)
		return 0;
	w->sending_id = out->id;
	w->sending_at = mono;
	if (mc->send_per_minute > 0)
		w->next_send_at = mono + (int64_t)out->parts * 60000 /
		    mc->send_per_minute;
	return 1;
}

/* Sends a taken message to the worker. */
static void
gw_worker_hand(struct gw_worker *w, const struct store_outbound *out)
{
	const struct modem_conf *mc = gw_worker_conf(w);
	struct modem_ipc_msg m;
	int rc;

	struct modem_send snd;

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
		return;
	}
	log_debug("modem %s: out %lld handed to worker", w->name,
	    (long long)out->id);
}

void
gw_modems_kick(struct gw_modems *mods)
{
	struct gateway *gw = mods->gw;
	const char **down;
	struct gw_worker **order;
	struct store_outbound *taken;
	size_t n = 0;
	int64_t now = clock_now_ms();

	if (mods->stopping)
		return;
	/* Least loaded first: idle before busy, then fewest sent today. */
	order = xcalloc(mods->n + 1, sizeof(*order));
	for (size_t i = 0; i < mods->n; i++)
		if (mods->w[i]->state == GW_WORKER_UP && mods->w[i]->fd >= 0 &&
		    mods->w[i]->sending_id == 0 && !mods->w[i]->receiving)
			order[n++] = mods->w[i];
	if (n == 0) {
		free(order);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0; j--) {
			struct gw_worker *a = order[j - 1], *b = order[j];
			if (a->sent_today > b->sent_today) {
				order[j - 1] = b;
				order[j] = a;
			}
		}
	}
	taken = xcalloc(n, sizeof(*taken));
	down = gw_modems_down_list(mods);
	if (store_begin(gw->store) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!gw_worker_take(order[i], now, down, &taken[i]))
			taken[i].id = 0;
	if (store_commit(gw->store) != 0) {
		log_warnx("cannot commit dispatch: %s", store_errmsg(gw->store));
		store_rollback(gw->store);
		for (size_t i = 0; i < n; i++)
			if (taken[i].id != 0)
				order[i]->sending_id = 0;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (taken[i].id != 0)
			gw_worker_hand(order[i], &taken[i]);
out:
	for (size_t i = 0; i < n; i++)
		store_outbound_clear(&taken[i]);
	free(taken);
	free(order);
	free(down);
}
