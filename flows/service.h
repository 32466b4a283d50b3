/*
 * service.h - what a service is: the contract between a domain service
 * (Observation Sheets, polls, migrant parents, the SPAS case workflow)
 * and the daemon, the CLI and the simulator that run it.
 *
 * A service is a folder under flows/ (flows/NAME/: its C code, its flow
 * files, its data, its store queries behind its own header) plus one line
 * in the table of gateway/gw_services.c.  Everything that starts, checks,
 * reloads, ticks or stops services walks that one table, so no service is
 * wired by hand anywhere.  The flow engine knows no service: it only
 * calls the actions a service hands it, with that service's state.
 *
 * Lifecycle, the same in the daemon, `stafetad -n`, the CLI and the
 * simulator:
 *   init(env)          -> state (owned by the caller, freed with free)
 *   tick(state, ...)   -> due work, inside a transaction of its own that
 *                         the caller opens and commits (one service's
 *                         failure never rolls back another's)
 *   free(state)
 * A reload (SIGHUP) calls init with the new configuration and swaps the
 * new state in only if every service and the flows loaded cleanly; the
 * old state is freed after the swap.  `stafetad -n` runs the same init,
 * so a reload can never accept what a restart would refuse.
 *
 * State is a struct the service defines and the daemon owns; a service
 * keeps no module state in globals.
 */
#ifndef STAFETA_SERVICE_H
#define STAFETA_SERVICE_H

#include <stddef.h>
#include <stdint.h>

struct config_section;
struct flow_action;
struct gw_config;
struct store;
struct store_migration;

/* What init sees; everything borrowed for the call. */
struct service_env {
	const struct gw_config *conf; /* the whole configuration */
	const void *section;	      /* the parsed [section] of the
				       * service (its own struct), or NULL
				       * if it declares none */
	int checking;		      /* 1 under `stafetad -n`/`flow check`:
				       * validate, log nothing at info */
};

/* What a purge hook tells, once per data class it owns: the class name
 * ("sheets"), the rows older than its period (dry run) or deleted, and
 * the cut-off (ms). */
typedef void service_purge_report_cb(void *arg, const char *cls,
    int64_t rows, int64_t before);

struct service {
	const char *name; /* "sheet": its folder flows/NAME/, log prefix */
	/* Its configuration section (keys, defaults, bounds), or NULL. */
	const struct config_section *config;
	/* Its tables, applied in order after the core schema at open;
	 * terminated by a NULL name.  NULL if it has none. */
	const struct store_migration *migrations;
	/* The flow actions it provides, NULL-name terminated, or NULL.  An
	 * action runs with ctx->service set to this service's state. */
	const struct flow_action *actions;
	/* Loads data and checks the section; returns the state or NULL with
	 * "file:line: message" in err. */
	void *(*init)(const struct service_env *, char *err, size_t errlen);
	/* Due work at now (ms); queues messages through the store.  0, or
	 * -1 (the caller rolls back this service's transaction and logs).
	 * NULL if the service has no timed work. */
	int (*tick)(void *state, struct store *, const struct gw_config *,
	    int64_t now);
	void (*free)(void *state);
	/* Retention of the service's own tables, with its own periods (its
	 * section): counts (dry_run) or deletes the rows past them at now,
	 * in batches of batch rows, each in a transaction of its own (called
	 * outside a transaction), and reports each class.  0 or -1.  NULL if
	 * the service keeps nothing that ages.  Daily in the daemon, and by
	 * `stafeta purge`. */
	int (*purge)(void *state, struct store *, const struct gw_config *,
	    int64_t now, int batch, int dry_run,
	    service_purge_report_cb *report, void *arg);
};

#endif /* STAFETA_SERVICE_H */
