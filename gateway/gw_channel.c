/*
 * gw_channel.c - routing, rate limit, daily cap, send results and credit
 * for every outbound channel, whatever its kind (see gw_channel.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "gw_channel.h"

static int gw_channel_sent_on(const struct gw_channel *, int64_t);
static const char **gw_channel_down_list(struct gw_channel *const *, size_t);
static int gw_channel_take(struct gw_channel *, struct store *, int64_t,
    const char *const *, struct store_outbound *);
static void gw_channel_hand(struct gw_channel *, const struct store_outbound *);

void
gw_channel_init(struct gw_channel *ch, const struct gw_channel_ops *ops,
    void *impl, const char *name)
{
	memset(ch, 0, sizeof(*ch));
	ch->ops = ops;
	ch->impl = impl;
	ch->name = name;
}

void
gw_channel_load_count(struct gw_channel *ch, struct store *st, int64_t now)
{
	/* Adding 0 parts reads today's count (0 on a new UTC day), so a
	 * restart does not give a capped channel a fresh day. */
	if (store_channel_count_sent(st, ch->name, 0, now,
	    &ch->sent_today) != 0)
		log_warnx("%s %s: cannot read today's sent count; the daily "
		    "cap counts from 0", ch->ops->kind, ch->name);
	else
		ch->sent_day = now / GW_CHANNEL_MS_PER_DAY;
}

void
gw_channel_requeue(struct gw_channel *ch, struct store *st)
{
	if (store_outbox_requeue_sending(st, ch->name) == 0) {
		if (ch->requeue_pending)
			log_info("%s %s: in-flight messages back in the queue "
			    "now that the store answers", ch->ops->kind,
			    ch->name);
		ch->requeue_pending = 0;
		return;
	}
	if (!ch->requeue_pending)
		log_warnx("%s %s: cannot requeue in-flight messages yet; "
		    "again before it sends", ch->ops->kind, ch->name);
	ch->requeue_pending = 1;
}

void
gw_channel_reset(struct gw_channel *ch)
{
	ch->sending_id = 0;
}

/*
 * Parts sent on the UTC day of now.  The mirror is refreshed only by a
 * send, and a capped channel sends nothing: without this a new day would
 * never start it at zero, and its queue would stay stuck after midnight.
 */
static int
gw_channel_sent_on(const struct gw_channel *ch, int64_t now)
{
	return now / GW_CHANNEL_MS_PER_DAY == ch->sent_day ? ch->sent_today :
	    0;
}

int
gw_channel_can_send(const struct gw_channel *ch, int64_t now, int64_t mono)
{
	struct gw_channel_limits lim;

	if (ch->sending_id != 0 || ch->unrecorded || ch->requeue_pending ||
	    !ch->ops->healthy(ch) ||
	    !ch->ops->idle(ch) || mono < ch->next_send_at)
		return 0;
	ch->ops->limits(ch, &lim);
	return lim.daily_cap <= 0 || gw_channel_sent_on(ch, now) < lim.daily_cap;
}

/* NULL-terminated names of channels out of routing; caller frees the
 * array (the names are borrowed). */
static const char **
gw_channel_down_list(struct gw_channel *const *all, size_t n)
{
	const char **down = xcalloc(n + 1, sizeof(*down));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!all[i]->ops->healthy(all[i]))
			down[k++] = all[i]->name;
	return down;
}

/*
 * Takes the next message for ch (inside the caller's transaction) into
 * *out; 1 if one was taken.  The channel sees it only after the commit.
 */
static int
gw_channel_take(struct gw_channel *ch, struct store *st, int64_t now,
    const char *const *down, struct store_outbound *out)
{
	struct gw_channel_limits lim;
	int64_t mono = clock_mono_ms();

	if (!gw_channel_can_send(ch, now, mono))
		return 0;
	/* An admin's PAUSE holds back bulk only (gw_admin.c). */
	if (store_outbox_take_upto(st, ch->name, down, now,
	    gw_admin_paused() ? STORE_PRIO_BULK - 1 : -1, out) <= 0)
		return 0;
	ch->ops->limits(ch, &lim);
	ch->sending_id = out->id;
	ch->sending_at = mono;
	if (lim.send_per_minute > 0)
		ch->next_send_at = mono + (int64_t)out->parts * 60000 /
		    lim.send_per_minute;
	return 1;
}

static void
gw_channel_hand(struct gw_channel *ch, const struct store_outbound *out)
{
	if (ch->ops->send(ch, out) != 0) {
		/* The row stays SENDING; the implementation requeues it. */
		log_warnx("%s %s: out %lld not handed over", ch->ops->kind,
		    ch->name, (long long)out->id);
		return;
	}
	log_debug("%s %s: out %lld handed over", ch->ops->kind, ch->name,
	    (long long)out->id);
}

/*
 * Records a result kept by gw_channel_result when the store was down; 0
 * once it is recorded, -1 while the store still refuses.
 */
static int
gw_channel_record_pending(struct gw_channel *ch, struct store *st)
{
	const struct gw_channel_result *r = &ch->pending;
	int64_t now = clock_now_ms();

	if (store_begin(st) != 0)
		return -1;
	if (store_outbox_result(st, r->outbox_id, r->ok, r->parts, r->mr,
	    r->ok ? NULL : ch->pending_error, r->permanent, now,
	    ch->pending_retry_base_s, ch->pending_max_attempts) != 0 ||
	    (r->ok && store_channel_count_sent(st, ch->name, r->parts, now,
	    &ch->sent_today) != 0) || store_commit(st) != 0) {
		store_rollback(st);
		return -1;
	}
	log_info("%s %s: result of out %lld recorded now that the store "
	    "answers (%s)", ch->ops->kind, ch->name,
	    (long long)r->outbox_id, r->ok ? "sent" : "not sent");
	ch->unrecorded = 0;
	return 0;
}

void
gw_channel_dispatch(struct gw_channel *const *all, size_t n,
    struct store *st)
{
	struct gw_channel **order;
	struct store_outbound *taken;
	const char **down;
	int64_t now, mono;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (all[i]->unrecorded)
			(void)gw_channel_record_pending(all[i], st);
		if (all[i]->requeue_pending)
			gw_channel_requeue(all[i], st);
	}
	now = clock_now_ms();
	mono = clock_mono_ms();
	order = xcalloc(n + 1, sizeof(*order));
	for (size_t i = 0; i < n; i++)
		if (gw_channel_can_send(all[i], now, mono))
			order[k++] = all[i];
	if (k == 0) {
		free(order);
		return;
	}
	/* Least loaded first: fewest parts sent today. */
	for (size_t i = 1; i < k; i++) {
		for (size_t j = i; j > 0; j--) {
			struct gw_channel *a = order[j - 1], *b = order[j];

			if (gw_channel_sent_on(a, now) <=
			    gw_channel_sent_on(b, now))
				break;
			order[j - 1] = b;
			order[j] = a;
		}
	}
	taken = xcalloc(k, sizeof(*taken));
	down = gw_channel_down_list(all, n);
	if (store_begin(st) != 0)
		goto out;
	for (size_t i = 0; i < k; i++)
		if (!gw_channel_take(order[i], st, now, down, &taken[i]))
			taken[i].id = 0;
	if (store_commit(st) != 0) {
		log_warnx("cannot commit dispatch: %s", store_errmsg(st));
		store_rollback(st);
		for (size_t i = 0; i < k; i++)
			if (taken[i].id != 0)
				order[i]->sending_id = 0;
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		if (taken[i].id != 0)
			gw_channel_hand(order[i], &taken[i]);
out:
	for (size_t i = 0; i < k; i++)
		store_outbound_clear(&taken[i]);
	free(taken);
	free(order);
	free(down);
}

int
gw_channel_result(struct gw_channel *ch, struct gw_channel *const *all,
    size_t n, struct store *st, const struct gw_config *conf,
    const struct gw_channel_result *r)
{
	struct store_outbound next;
	const char **down = NULL;
	int64_t now = clock_now_ms();
	int took = 0, rc = 0;

	if (r->outbox_id == 0 || r->outbox_id != ch->sending_id) {
		log_warnx("%s %s: result for out %lld that was not in flight",
		    ch->ops->kind, ch->name, (long long)r->outbox_id);
		return 0;
	}
	memset(&next, 0, sizeof(next));
	ch->sending_id = 0;
	if (store_begin(st) != 0)
		goto fail;
	if (store_outbox_result(st, r->outbox_id, r->ok, r->parts, r->mr,
	    r->ok ? NULL : r->error, r->permanent, now,
	    conf->send_retry_base_s, conf->send_max_attempts) != 0)
		goto fail_rollback;
	if (r->ok && store_channel_count_sent(st, ch->name, r->parts, now,
	    &ch->sent_today) != 0)
		goto fail_rollback;
	if (r->ok)
		ch->sent_day = now / GW_CHANNEL_MS_PER_DAY;
	/* The channel's next message rides in the same commit: one disk sync
	 * per message sent instead of two. */
	if (r->ok) {
		down = gw_channel_down_list(all, n);
		took = gw_channel_take(ch, st, now, down, &next);
	}
	if (store_commit(st) != 0)
		goto fail_rollback;
	if (r->ok) {
		log_info("%s %s: out %lld sent (%d part%s)", ch->ops->kind,
		    ch->name, (long long)r->outbox_id, r->parts,
		    r->parts == 1 ? "" : "s");
		ch->fail_streak = 0;
	} else {
		log_warnx("%s %s: out %lld not sent: %s%s", ch->ops->kind,
		    ch->name, (long long)r->outbox_id, r->error,
		    r->permanent ? " (permanent)" : "");
		/* A channel that keeps failing leaves routing; its queue
		 * drains through the others. */
		if (!r->permanent && ++ch->fail_streak >=
		    conf->modem_down_after && ch->ops->healthy(ch)) {
			ch->ops->take_down(ch, r->error);
			rc = 1;
		}
	}
	if (took)
		gw_channel_hand(ch, &next);
	goto out;
fail_rollback:
	store_rollback(st);
	ch->sending_id = 0;
fail:
	log_warnx("%s %s: cannot record result of out %lld: %s; kept to "
	    "record again", ch->ops->kind, ch->name, (long long)r->outbox_id,
	    store_errmsg(st));
	ch->unrecorded = 1;
	ch->pending = *r;
	snprintf(ch->pending_error, sizeof(ch->pending_error), "%s",
	    r->error != NULL ? r->error : "");
	ch->pending.error = ch->pending_error;
	ch->pending_retry_base_s = conf->send_retry_base_s;
	ch->pending_max_attempts = conf->send_max_attempts;
	rc = -1;
out:
	store_outbound_clear(&next);
	free(down);
	return rc;
}

int
gw_channel_credit(struct gw_channel *ch, struct store *st, double value,
    int64_t now)
{
	struct gw_channel_limits lim;

	log_info("%s %s: credit %.2f", ch->ops->kind, ch->name, value);
	if (store_channel_set_balance(st, ch->name, value, now) != 0)
		log_warnx("%s %s: cannot record balance", ch->ops->kind,
		    ch->name);
	ch->ops->limits(ch, &lim);
	if (!lim.has_credit)
		return 0;
	if (value >= lim.low_credit) {
		ch->low_credit_alerted = 0;
		return 0;
	}
	if (ch->low_credit_alerted)
		return 0;
	ch->low_credit_alerted = 1;
	return 1;
}
