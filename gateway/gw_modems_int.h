/*
 * gw_modems_int.h - what the modem supervisor (gw_modems.c), the modem
 * channel (gw_dispatch.c) and the credit check (gw_credit.c) share;
 * nothing outside those three files includes it.
 *
 * A struct gw_worker is one configured modem: its child process, the
 * socket to it, and the supervisor's and dispatcher's state for it.  It is
 * allocated once and never moves (events point at it); gw_modems_free()
 * frees it.
 */
#ifndef STAFETA_GW_MODEMS_INT_H
#define STAFETA_GW_MODEMS_INT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "gw_channel.h"

struct modem_conf;
struct modem_ipc_msg;
struct modem_part;
struct store_outbound;

enum gw_worker_state {
	GW_WORKER_STARTING = 0, /* forked, waiting for HELLO */
	GW_WORKER_UP,		/* modem connected */
	GW_WORKER_DOWN,		/* worker alive, modem not usable */
	GW_WORKER_DEAD,		/* no process; restart pending */
	GW_WORKER_STOPPED,	/* removed by configuration or shutdown */
};

struct gw_worker {
	struct gw_modems *mods;
	char *name;		   /* owned copy of the modem name */
	pid_t pid;		   /* 0 when no process */
	int fd;			   /* our end of the socketpair, -1 if none */
	struct event *ev_read;	   /* readable fd */
	struct event *ev_restart;  /* backoff timer */
	enum gw_worker_state state;
	int backoff_s;		   /* next restart delay */
	int64_t started_at;	   /* mono ms */
	int64_t last_heard;	   /* mono ms of the last message */
	int64_t ping_seq;	   /* last PING sent */
	int64_t ping_at;	   /* mono ms of the last PING */
	/* The modem as an outbound channel: in-flight message, rate limit,
	 * daily cap, failure streak and credit latch (gw_channel.h). */
	struct gw_channel ch;
	int concat_ref;		   /* next concatenation reference */
	int down_alerted;	   /* an admin alert for DOWN went out */
	int ussd_pending;	   /* a balance check is running */
	int64_t next_balance_at;   /* mono ms */
	int sim_full_alerted;	   /* latched until the SIM has room */
	int receiving;		   /* mid-pass: sends wait for its end, so a
				    * full inbox drains at read speed */
	struct modem_part *batch;  /* parts of the current read pass */
	size_t n_batch, cap_batch;
	int64_t batch_retry_at;	   /* mono ms: store the batch again (the
				    * database was locked), 0 if none */
};

struct gw_modems {
	struct gateway *gw;
	struct gw_worker **w;	/* array of n; workers never move */
	size_t n;
	struct event *ev_tick;	/* 250 ms: watchdog, queue pick-up */
	struct event *ev_chld;	/* SIGCHLD */
	int stopping;		/* shutdown in progress: no restarts */
	int64_t last_tick;	/* mono ms of the last tick (loop stalls) */
	int64_t alert_check_at;	/* mono ms: next look for stuck alerts */
};

/* gw_modems.c */
void gw_worker_enter_state(struct gw_worker *, enum gw_worker_state,
    const char *);
const struct modem_conf *gw_worker_conf(const struct gw_worker *);
/* Terminates the worker; SIGCHLD reaps it and schedules the restart. */
void gw_worker_kill(struct gw_worker *, const char *why);
/* Queues an SMS to every administrator number (own transaction). */
void gw_modems_alert(struct gw_modems *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* gw_dispatch.c: the modem worker as a gw_channel */
extern const struct gw_channel_ops gw_worker_channel_ops;
void gw_worker_send_result(struct gw_worker *, struct modem_ipc_msg *);

/* gw_credit.c */
void gw_worker_ussd_result(struct gw_worker *, struct modem_ipc_msg *);
/* Starts a balance check when one is due. */
void gw_worker_balance(struct gw_worker *, int64_t mono);

#endif /* STAFETA_GW_MODEMS_INT_H */
