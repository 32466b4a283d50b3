/*
 * gw_channel.h - outbound channels: what sends a queued message.
 *
 * A channel is a modem today (gw_dispatch.c implements it on a modem
 * worker); a Kannel link or another sender later implements the same
 * struct gw_channel_ops.  The decisions that do not depend on how a
 * message leaves live here, once, for every kind: routing (a message
 * waits for the channel it is hinted to unless that one is unhealthy;
 * the rest go to the least loaded healthy channel), the per-channel rate
 * limit and daily cap, the at-most-one-in-flight rule, what a send result
 * does to the queue, the failure streak that takes a channel out of
 * routing, and the low-credit latch.
 *
 * Ownership: a struct gw_channel is embedded in its implementation's
 * object (impl), which owns it and never moves it; name is borrowed from
 * impl.  The functions below borrow the store and never commit a
 * transaction they did not begin.  Only gateway/ includes this header.
 */
#ifndef STAFETA_GW_CHANNEL_H
#define STAFETA_GW_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#define GW_CHANNEL_MS_PER_DAY (86400 * 1000LL) /* the daily cap's day */

struct gw_config;
struct store;
struct store_outbound;

struct gw_channel;

/* Read from the configuration at each decision, so a reload applies. */
struct gw_channel_limits {
	int send_per_minute;	/* parts per minute, 0 = unlimited */
	int daily_cap;		/* parts per UTC day, 0 = unlimited */
	double low_credit;	/* alert below this credit */
	int has_credit;		/* 0: the channel has no credit to watch */
};

struct gw_channel_ops {
	const char *kind;	/* "modem"; stored with the channel's row */
	/* 1 if the channel is in routing (connected, not failing). */
	int (*healthy)(const struct gw_channel *);
	/* 1 if it could accept a message right now apart from the checks
	 * gw_channel.c makes itself (e.g. a modem mid-read says 0). */
	int (*idle)(const struct gw_channel *);
	void (*limits)(const struct gw_channel *, struct gw_channel_limits *);
	/* Hands over a message taken for it (committed SENDING).  0, or -1
	 * after the implementation arranged for the row to be requeued. */
	int (*send)(struct gw_channel *, const struct store_outbound *);
	/* Takes the channel out of routing after repeated failures. */
	void (*take_down)(struct gw_channel *, const char *why);
};

/* The outcome of one send, as the channel reported it. */
struct gw_channel_result {
	int64_t outbox_id;
	int ok;
	int parts;
	int mr;			/* -1 unknown */
	int permanent;		/* retrying cannot help */
	const char *error;	/* "" on success */
};

struct gw_channel {
	const struct gw_channel_ops *ops;
	void *impl;		/* the implementation's object (owner) */
	const char *name;	/* borrowed from impl */
	/* One message in flight per channel: a crash can then send at most
	 * that one twice (the row is SENDING, committed, before the channel
	 * sees it, and stays so until its result is committed). */
	int64_t sending_id;	/* outbox id handed over, 0 none */
	int64_t sending_at;	/* mono ms it was handed over */
	int64_t next_send_at;	/* mono ms: rate limit */
	int sent_today;		/* parts, mirrored from the store */
	int64_t sent_day;	/* UTC day number sent_today counts */
	int fail_streak;	/* consecutive failed sends */
	int low_credit_alerted;	/* latched until credit recovers */
	/* The last send's result when the store could not record it (its
	 * server was down, the disk full): recorded again before this
	 * channel takes more, so the row does not stay SENDING until the
	 * next start (and get sent twice then). */
	int unrecorded;
	struct gw_channel_result pending;
	char pending_error[160];
	int pending_retry_base_s, pending_max_attempts;
	/* Its in-flight rows could not go back to the queue (the store was
	 * down when the worker died): done before it takes more. */
	int requeue_pending;
};

/* gw_channel.c */
void gw_channel_init(struct gw_channel *, const struct gw_channel_ops *,
    void *impl, const char *name);
/* Mirrors the parts the channel sent today from the store (at start). */
/* Puts the channel's SENDING rows back in the queue now, or (store
 * down) before it takes more: after its worker or link died. */
void gw_channel_requeue(struct gw_channel *, struct store *);
void gw_channel_load_count(struct gw_channel *, struct store *, int64_t now);
/* Forgets the message in flight (the implementation requeued it). */
void gw_channel_reset(struct gw_channel *);
/* 1 if the channel may take a message at now (wall ms) / mono (health,
 * idle, nothing in flight, rate limit, daily cap of now's UTC day). */
int gw_channel_can_send(const struct gw_channel *, int64_t now, int64_t mono);
/* Hands queued messages to the channels that can send: hinted ones to
 * their channel, the rest to the least loaded (fewest sent today). */
void gw_channel_dispatch(struct gw_channel *const *, size_t n,
    struct store *);
/* Records a send result and, on success, hands the channel its next
 * message in the same commit.  Returns 1 when the channel failed
 * down_after times in a row and was taken down, 0 otherwise, -1 if the
 * result could not be recorded. */
int gw_channel_result(struct gw_channel *, struct gw_channel *const *all,
    size_t n, struct store *, const struct gw_config *,
    const struct gw_channel_result *);
/* Records a credit reading; 1 when it just fell below low_credit (alert
 * once; the latch clears when it recovers), 0 otherwise. */
int gw_channel_credit(struct gw_channel *, struct store *, double value,
    int64_t now);

#endif /* STAFETA_GW_CHANNEL_H */
