/*
 * gateway.h - the top layer: the daemon, its HTTP routes and the
 * `stafeta` CLI (cli.h), and the table of services (gw_services.c) they
 * all walk.  The daemon is one libevent loop that owns the store, the
 * services' states, the flow engine, the outbound channels (modem worker
 * child processes today, gw_channel.h), the HTTP listener and the
 * timers.  Nothing in the loop blocks: libgammu runs in the workers, and
 * SQLite statements are short (WAL, prepared, batched transactions).
 *
 * struct gateway is created once in stafetad_main.c and lives until exit;
 * every subsystem borrows it.  The configuration pointer is replaced on a
 * successful SIGHUP reload, so subsystems read gw->conf each time and do
 * not keep copies of it.
 */
#ifndef STAFETA_GATEWAY_H
#define STAFETA_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evhttp;
struct gw_config;
struct store;
struct flow_engine;
struct gw_modems;
struct gw_http;
struct gw_kannel;
struct gw_metrics;
struct gw_control;
struct gw_web;
struct buf;
struct cli_ctx;

struct gateway {
	struct event_base *base;    /* the one event loop */
	struct gw_config *conf;	    /* current configuration (owned) */
	struct store *store;	    /* the daemon's connection (owned) */
	struct gw_services *services; /* services' states for conf (owned) */
	struct flow_engine *flows;  /* dialogue engine (owned) */
	struct gw_modems *modems;   /* worker supervisor (owned) */
	struct gw_http *http;	    /* USSD/HTTP listener or NULL (owned) */
	struct gw_kannel *kannel;   /* [channel] type = kannel (owned) */
	struct gw_metrics *metrics; /* /metrics listener or NULL (owned) */
	struct gw_control *control; /* control socket or NULL (owned) */
	struct gw_web *web;	    /* [web] back office or NULL (owned) */
	const char *config_path;    /* from -c (borrowed from argv) */
	const char *state_override; /* from -S or NULL (borrowed) */
};

/* gw_services.c: the table of services (flows/service.h) and their
 * states for one configuration */
struct gw_services;
struct service;
struct flow_action_set;
/* Loads the configuration file with every service's section (what the
 * daemon and the CLI read); as config_load. */
struct gw_config *gw_config_load(const char *path, const char *state_dir,
    char *err, size_t errlen) __attribute__((warn_unused_result));
/* Opens the database with the core schema and every service's tables
 * (migrations applied in table order); as store_open. */
struct store *gw_store_open(const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Number of services in the table, and the i-th (NULL past the end). */
size_t gw_services_count(void);
const struct service *gw_services_at(size_t i);
/* Initialises every service for conf, in table order (checking = 1 for
 * `stafetad -n` and `flow check`: validate quietly).  NULL with err if
 * one refuses; those already started are freed. */
struct gw_services *gw_services_new(const struct gw_config *, int checking,
    char *err, size_t errlen) __attribute__((warn_unused_result));
void gw_services_free(struct gw_services *); /* NULL is a no-op */
/* The action sets to hand the flow engine (borrowed from s). */
const struct flow_action_set *gw_services_actions(const struct gw_services *,
    size_t *n);
/* The state of svc in s (borrowed), or NULL. */
void *gw_services_state(const struct gw_services *, const struct service *);
/* Runs every service's due work at now, each in a transaction of its
 * own; 0, or -1 if some service failed (logged, retried next time). */
int gw_services_tick(struct gw_services *, struct store *,
    const struct gw_config *, int64_t now);

/* gw_purge.c: retention (docs/configuration.md, [retention]) */
/* The cut-off (ms) of core class cls (enum store_purge_class) at now. */
int64_t gw_purge_before(const struct gw_config *, int cls, int64_t now);
/*
 * Counts (dry_run) or deletes the rows of every data class past its
 * period at now: the core classes with [retention], then each service's
 * purge hook; report is called once per class (rows -1: no such data in
 * this database).  Deletes go in batches of purge_batch rows, each in its
 * own transaction (call outside one); max_batches > 0 caps the batches
 * per core class and sets *more if rows may remain.  svcs may be NULL
 * (core classes only).  0, or -1 if some class failed (logged).
 */
int gw_purge(const struct gw_services *, struct store *,
    const struct gw_config *, int64_t now, int dry_run, int max_batches,
    void (*report)(void *, const char *, int64_t, int64_t), void *arg,
    int *more) __attribute__((warn_unused_result));

/* gw_modems.c: worker supervisor and outbound dispatcher */
struct gw_modems *gw_modems_new(struct gateway *);
void gw_modems_free(struct gw_modems *);   /* stops workers */
/* Starts or restarts workers to match gw->conf (after a reload). */
int gw_modems_apply_config(struct gw_modems *);
/* Looks for queued messages and hands them to idle workers. */
void gw_modems_kick(struct gw_modems *);
/* Number of modems currently up. */
int gw_modems_up(const struct gw_modems *);

/* gw_alerts.c: administrator alerts that cannot leave */
/* 1 when alerts are queued and no channel is up, with the line saying so
 * (why, since when) in buf; 0 when none waits or a channel is up; -1 on a
 * store error.  *waiting (may be NULL) gets the number of alerts queued. */
int gw_alerts_stuck(struct store *, char *buf, size_t len,
    int64_t *waiting) __attribute__((warn_unused_result));

/* gw_inbound.c: what happens to a batch of parts read from a modem */
struct modem_part;
/* Stores parts (deduplicated, reassembled) and routes complete messages
 * to the flow engine, queuing replies, all in one transaction.  Returns 0
 * if committed (the parts may then be deleted from the modem). */
int gw_inbound_batch(struct gateway *, const char *modem,
    struct modem_part *parts, size_t n) __attribute__((warn_unused_result));
/* The worker deleted these locations: forgets their dedup keys, in a
 * transaction of its own.  0 or -1 (the keys then age out). */
int gw_inbound_deleted(struct gateway *, const char *modem,
    const int64_t *locs, size_t n) __attribute__((warn_unused_result));
struct modem_poison;
/* Stores the copy of an unreadable location in the quarantine table, in a
 * transaction of its own.  0 if committed (the location may then be
 * deleted from the modem), -1 if not.  *id_out = the row. */
int gw_inbound_quarantine(struct gateway *, const char *modem,
    const struct modem_poison *, int64_t *id_out)
    __attribute__((warn_unused_result));
/* Routes one complete inbound SMS (inside the caller's transaction). */
int gw_inbound_route(struct gateway *, const char *modem, int64_t inbound_id,
    const char *sender, const char *text, int64_t now)
    __attribute__((warn_unused_result));

/* gw_flood.c: per-sender reply limits ([limits]) */
struct gw_config;
/* 1 if phone is never limited (admin, SPAS or [limits] exempt_numbers). */
int gw_flood_exempt(const struct gw_config *, const char *phone);
/* Counts one message of phone (E.164) inside the caller's transaction: 1
 * answer it, 0 the sender is silenced (store it, do not answer), -1. */
int gw_flood_check(struct gateway *, int64_t inbound_id, const char *phone,
    int64_t now) __attribute__((warn_unused_result));
/* Prunes rows of numbers quiet for a day (inside a transaction). */
int gw_flood_housekeeping(struct gateway *, int64_t now)
    __attribute__((warn_unused_result));

/* gw_admin.c: STATUS, PAUSE, RESUME by SMS from admin_numbers + admin_pin */
/* Reads the persisted pause (after the store is open). */
int gw_admin_init(struct gateway *) __attribute__((warn_unused_result));
/* 1 while bulk sending is paused. */
int gw_admin_paused(void);
/* Inside the caller's transaction: 1 if text was an admin command, done
 * and answered; 0 if not (or refused: route it as any text); -1. */
int gw_admin_handle(struct gateway *, const char *modem, int64_t inbound_id,
    const char *phone, const char *text, int64_t now)
    __attribute__((warn_unused_result));

/* gw_privacy.c: forgetting after routing (README, Privacy) */
struct flow_reply;
/* Applies reply's forget_input / forget_sender to inbound_id (inside
 * the caller's transaction, after the reply was queued). */
int gw_privacy_after_route(struct gateway *, int64_t inbound_id,
    const char *phone, const struct flow_reply *, int64_t now)
    __attribute__((warn_unused_result));
/* Blanks the recipients of refusals that are sent (in a transaction). */
int gw_privacy_housekeeping(struct gateway *)
    __attribute__((warn_unused_result));

/* gw_reasm.c: concatenated SMS reassembly, persisted in the store */
/* Adds one part (inside the caller's transaction).  Returns 1 and sets
 * *text_out (caller frees), *parts_out when the message is now complete,
 * 0 if still waiting, -1 on error. */
int gw_reasm_add(struct gateway *, const char *modem,
    const struct modem_part *, int64_t now, char **text_out, int *parts_out);
/* Delivers groups older than the configured timeout as incomplete. */
int gw_reasm_expire(struct gateway *, int64_t now);

/* gw_http.c: the HTTP listener (USSD aggregator callback) */
struct gw_http *gw_http_new(struct gateway *, char *err, size_t errlen);
void gw_http_free(struct gw_http *);

/*
 * gw_control.c: the local control socket STATE/stafetad.sock (mode 0660;
 * whoever can open it may control the daemon, as with smtpctl).  The
 * stafeta command hands the operator's writes to the running daemon
 * through it, so that the daemon stays the one writer; it runs the same
 * cli_*_main the command runs without a daemon, on its own connection,
 * and answers the exit code and the output texts.
 *
 * Wire format, both directions: a frame is a 4-byte big-endian length N
 * and N bytes.  A request's bytes are the version byte (1) and argv[0..]
 * each ended by a NUL (1 to GW_CTL_ARGS_MAX strings, N at most
 * GW_CTL_REQUEST_MAX).  An answer's bytes are the version byte, the exit
 * code byte, the stdout length (4 bytes, big-endian), the stdout text and
 * the stderr text (the rest); N at most GW_CTL_ANSWER_MAX.
 */
#define GW_CTL_VERSION 1
#define GW_CTL_REQUEST_MAX 16384
#define GW_CTL_ARGS_MAX 256
#define GW_CTL_ANSWER_MAX (1024 * 1024)
#define GW_CTL_DEADLINE_S 10	/* a connection's whole life, daemon side */
#define GW_STORE_BUSY_MS 50	/* the daemon's longest wait for a lock */
/* A write the daemon takes over the socket: one line in gw_ctl_commands[]. */
struct gw_ctl_command {
	const char *name;	/* argv[0], as typed */
	const char *sub;	/* argv[1], or NULL for any */
	int (*main)(struct cli_ctx *, int argc, char **argv); /* as cli.h */
};
struct gw_ctl_answer {
	int code;		/* exit code, 0-255 */
	char *out;		/* stdout text, NUL-terminated (owned) */
	size_t out_len;
	char *err;		/* stderr text, NUL-terminated (owned) */
	size_t err_len;
};
struct gw_control *gw_control_new(struct gateway *, char *err, size_t errlen);
void gw_control_free(struct gw_control *); /* NULL is a no-op */
/* The socket's path for conf; caller frees. */
char *gw_ctl_socket_path(const struct gw_config *);
/* The table entry for a command line, or NULL if it is not one the
 * daemon takes (then the command runs in the stafeta process). */
const struct gw_ctl_command *gw_ctl_find(int argc, char *const *argv);
/* Appends a request frame for argv to b: 0, or -1 if too big or empty. */
int gw_ctl_request_encode(struct buf *b, int argc, char *const *argv)
    __attribute__((warn_unused_result));
/* Decodes a request frame at the start of p[0..n): 1 with *used bytes
 * taken and *argv_out (NULL-terminated, one allocation: free(*argv_out)),
 * 0 if more bytes are needed, -1 if malformed (close the connection). */
int gw_ctl_request_decode(const unsigned char *p, size_t n, size_t *used,
    int *argc_out, char ***argv_out) __attribute__((warn_unused_result));
/* Appends an answer frame to b (texts cut to fit GW_CTL_ANSWER_MAX). */
int gw_ctl_answer_encode(struct buf *b, int code, const char *out,
    size_t out_len, const char *err, size_t err_len)
    __attribute__((warn_unused_result));
/* As gw_ctl_request_decode, for an answer; clear *a after a 1. */
int gw_ctl_answer_decode(const unsigned char *p, size_t n, size_t *used,
    struct gw_ctl_answer *a) __attribute__((warn_unused_result));
void gw_ctl_answer_clear(struct gw_ctl_answer *);

/* gw_notify.c: systemd notification (no-op outside systemd) */
void gw_notify_ready(void);
void gw_notify_reloading(void);
void gw_notify_stopping(void);
void gw_notify_watchdog(void);
void gw_notify_status(const char *);

#endif /* STAFETA_GATEWAY_H */
