/*
 * gw_services.c - the table of services, and the running states of all of
 * them for one configuration.
 *
 * Adding a service is a folder under flows/ plus one line in
 * gw_service_table[].  The daemon (start, SIGHUP, ticks, exit), `stafetad
 * -n`, the CLI and the simulator all go through gw_services_*, so no
 * service is started, checked or ticked by hand anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "log.h"
#include "parents.h"
#include "service.h"
#include "polls.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

/* The services, in start order. */
static const struct service *const gw_service_table[] = {
	&sheet_service,
	&cases_service,
	&parents_service,
	&poll_service,
};

struct gw_services {
	void *state[NELEM(gw_service_table)];		  /* owned */
	struct flow_action_set sets[NELEM(gw_service_table)]; /* for flows */
	size_t nsets;
};

size_t
gw_services_count(void)
{
	return NELEM(gw_service_table);
}

const struct service *
gw_services_at(size_t i)
{
	return i < NELEM(gw_service_table) ? gw_service_table[i] : NULL;
}

struct gw_config *
gw_config_load(const char *path, const char *state_dir, char *err,
    size_t errlen)
{
	const struct config_section *secs[NELEM(gw_service_table)];
	size_t n = 0;

	for (size_t i = 0; i < NELEM(gw_service_table); i++) {
		if (gw_service_table[i]->config != NULL)
			secs[n++] = gw_service_table[i]->config;
	}
	return config_load(path, state_dir, secs, n, err, errlen);
}

struct store *
gw_store_open(const char *path, char *err, size_t errlen)
{
	struct store *st = store_open(path, err, errlen);

	for (size_t i = 0; st != NULL && i < NELEM(gw_service_table); i++) {
		if (store_migrate_apply(st, gw_service_table[i]->migrations,
		    err, errlen) != 0) {
			store_close(st);
			st = NULL;
		}
	}
	return st;
}

struct gw_services *
gw_services_new(const struct gw_config *conf, int checking, char *err,
    size_t errlen)
{
	struct gw_services *s = xcalloc(1, sizeof(*s));
	struct service_env env;

	for (size_t i = 0; i < NELEM(gw_service_table); i++) {
		const struct service *svc = gw_service_table[i];

		memset(&env, 0, sizeof(env));
		env.conf = conf;
		env.section = svc->config != NULL ?
		    config_section_data(conf, svc->config) : NULL;
		env.checking = checking;
		s->state[i] = svc->init != NULL ? svc->init(&env, err, errlen) :
		    NULL;
		if (svc->init != NULL && s->state[i] == NULL) {
			gw_services_free(s);
			return NULL;
		}
		if (svc->actions != NULL) {
			s->sets[s->nsets].actions = svc->actions;
			s->sets[s->nsets].state = s->state[i];
			s->nsets++;
		}
	}
	return s;
}

void
gw_services_free(struct gw_services *s)
{
	if (s == NULL)
		return;
	/* Reverse start order: a later service may lean on an earlier. */
	for (size_t i = NELEM(gw_service_table); i-- > 0;) {
		if (s->state[i] != NULL && gw_service_table[i]->free != NULL)
			gw_service_table[i]->free(s->state[i]);
	}
	free(s);
}

const struct flow_action_set *
gw_services_actions(const struct gw_services *s, size_t *n)
{
	*n = s->nsets;
	return s->sets;
}

void *
gw_services_state(const struct gw_services *s, const struct service *svc)
{
	for (size_t i = 0; i < NELEM(gw_service_table); i++) {
		if (gw_service_table[i] == svc)
			return s->state[i];
	}
	return NULL;
}

int
gw_services_tick(struct gw_services *s, struct store *st,
    const struct gw_config *conf, int64_t now)
{
	int failed = 0;

	for (size_t i = 0; i < NELEM(gw_service_table); i++) {
		const struct service *svc = gw_service_table[i];

		if (svc->tick == NULL)
			continue;
		/* One transaction per service: a failing service never
		 * rolls back another's due work. */
		if (store_begin(st) != 0) {
			log_warnx("%s: tick: cannot begin: %s", svc->name,
			    store_errmsg(st));
			failed++;
			continue;
		}
		if (svc->tick(s->state[i], st, conf, now) != 0 ||
		    store_commit(st) != 0) {
			log_warnx("%s: tick failed, its due work is retried: "
			    "%s", svc->name, store_errmsg(st));
			store_rollback(st);
			failed++;
		}
	}
	return failed > 0 ? -1 : 0;
}
