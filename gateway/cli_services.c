/*
 * cli_services.c - what every `stafeta` command that needs the services
 * shares: their states for the command's configuration, started once,
 * and a flow engine with their actions, as the daemon runs it.
 */
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"

struct gw_services *
cli_services(struct cli_ctx *ctx)
{
	char err[CONFIG_ERR_LEN];

	if (ctx->services == NULL) {
		ctx->services = gw_services_new(ctx->conf, 1, err, sizeof(err));
		if (ctx->services == NULL)
			fprintf(stderr, "stafeta: %s\n", err);
	}
	return ctx->services;
}

struct flow_engine *
cli_flow_engine(struct cli_ctx *ctx)
{
	struct gw_services *svc = cli_services(ctx);
	const struct flow_action_set *sets = NULL;
	struct flow_engine *e;
	char err[CONFIG_ERR_LEN];
	size_t n = 0;

	if (svc == NULL)
		return NULL;
	sets = gw_services_actions(svc, &n);
	e = flow_engine_new(ctx->conf, sets, n, err, sizeof(err));
	if (e == NULL)
		fprintf(stderr, "stafeta: %s\n", err);
	return e;
}
