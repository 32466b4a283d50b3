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

struct gateway {
	struct event_base *base;    /* the one event loop */
	struct gw_config *conf;	    /* current configuration (owned) */
	struct store *store;	    /* the daemon's connection (owned) */
	struct gw_services *services; /* services' states for conf (owned) */
	struct flow_engine *flows;  /* dialogue engine (owned) */
	struct gw_modems *modems;   /* worker supervisor (owned) */
	struct gw_http *http;	    /* USSD/HTTP listener or NULL (owned) */
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

/* gw_modems.c: worker supervisor and outbound dispatcher */
struct gw_modems *gw_modems_new(struct gateway *);
void gw_modems_free(struct gw_modems *);   /* stops workers */
/* Starts or restarts workers to match gw->conf (after a reload). */
int gw_modems_apply_config(struct gw_modems *);
/* Looks for queued messages and hands them to idle workers. */
void gw_modems_kick(struct gw_modems *);
/* Number of modems currently up. */
int gw_modems_up(const struct gw_modems *);

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

/* gw_notify.c: systemd notification (no-op outside systemd) */
void gw_notify_ready(void);
void gw_notify_reloading(void);
void gw_notify_stopping(void);
void gw_notify_watchdog(void);
void gw_notify_status(const char *);

#endif /* STAFETA_GATEWAY_H */
