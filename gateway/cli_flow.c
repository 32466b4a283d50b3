/*
 * cli_flow.c - `stafeta flow list|check|start`: the operator's view of
 * the dialogue flows.
 *
 *   flow list                  the flows loaded from the flows folder
 *   flow check [DIR]           load every file, print warnings and errors
 *                              ("file:line: message"); exit 1 on errors
 *   flow start FLOW NUMBER...  start FLOW for each number from the
 *                              gateway's side; the first message is queued
 *                              in the outbox and the running daemon sends it
 *
 * These commands open their own flow engine on the CLI's database; they
 * never talk to the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "log.h"
#include "phone.h"
#include "store.h"
#include "util.h"

static int flow_usage(const struct cli_ctx *);
static int flow_list(struct cli_ctx *);
static int flow_check(struct cli_ctx *, int, char **);
static int flow_start(struct cli_ctx *, int, char **);

void
cli_flow_usage(FILE *f)
{
	fprintf(f, "usage: stafeta flow list\n"
	    "       stafeta flow check [DIR]\n"
	    "       stafeta flow start FLOW NUMBER...\n");
}

static int
flow_usage(const struct cli_ctx *ctx)
{
	cli_flow_usage(ctx->err);
	return 2;
}

static int
flow_list(struct cli_ctx *ctx)
{
	struct flow_engine *e;
	struct flow_info fi;
	size_t i, k;

	e = cli_flow_engine(ctx);
	if (e == NULL) {
		fprintf(stderr, "(run `stafeta flow check` for every error)\n");
		return 1;
	}
	printf("%-12s %-5s %-8s %-30s %s\n", "FLOW", "STEPS", "CHANNELS",
	    "KEYWORDS", "TITLE");
	for (i = 0; flow_engine_info(e, i, &fi) == 0; i++) {
		struct buf kw;
		int rc = 0;

		buf_init(&kw, 0);
		rc |= buf_addstr(&kw, "");
		for (k = 0; k < fi.nkeywords; k++)
			rc |= buf_printf(&kw, "%s%s", k ? "," : "",
			    fi.keywords[k]);
		for (k = 0; k < fi.nussd_codes; k++)
			rc |= buf_printf(&kw, "%s%s", kw.len ? "," : "",
			    fi.ussd_codes[k]);
		if (fi.catch_all)
			rc |= buf_printf(&kw, "%s(catch-all)",
			    kw.len ? "," : "");
		if (rc != 0)
			fatalx("flow list: out of memory");
		printf("%-12s %5zu %-8s %-30s %s\n", fi.name, fi.steps,
		    fi.channels == 3 ? "sms,ussd" : fi.channels == 1 ? "sms" :
		    "ussd", kw.data != NULL ? kw.data : "",
		    fi.title != NULL ? fi.title : "");
		buf_free(&kw);
	}
	flow_engine_free(e);
	return 0;
}

static int
flow_check(struct cli_ctx *ctx, int argc, char **argv)
{
	struct buf errors, warnings;
	const char *dir = ctx->conf->flows_dir;
	struct gw_services *svc;
	const struct flow_action_set *sets = NULL;
	size_t n = 0;
	int nerr;

	if (argc > 3)
		return flow_usage(ctx);
	if (argc == 3)
		dir = argv[2];
	svc = cli_services(ctx);
	if (svc != NULL)
		sets = gw_services_actions(svc, &n);
	buf_init(&errors, 0);
	buf_init(&warnings, 0);
	nerr = flow_check_dir(dir, sets, n, &errors, &warnings);
	if (warnings.len > 0)
		fputs(warnings.data, stdout);
	if (errors.len > 0)
		fputs(errors.data, stdout);
	if (nerr > 0)
		printf("%s: %d error(s); the gateway keeps its current flows "
		    "until they are fixed\n", dir, nerr);
	else
		printf("%s: flows OK\n", dir);
	buf_free(&errors);
	buf_free(&warnings);
	return nerr > 0 ? 1 : 0;
}

static int
flow_start(struct cli_ctx *ctx, int argc, char **argv)
{
	struct flow_engine *e;
	struct flow_info fi;
	char phone[32];
	size_t k;
	int i, rc, status = 0;

	if (argc < 4)
		return flow_usage(ctx);
	e = cli_flow_engine(ctx);
	if (e == NULL)
		return 1;
	for (k = 0; flow_engine_info(e, k, &fi) == 0; k++) {
		if (strcmp(fi.name, argv[2]) == 0)
			break;
	}
	if (flow_engine_info(e, k, &fi) != 0) {
		fprintf(ctx->err, "stafeta: no flow named %s (see `stafeta flow "
		    "list`)\n", argv[2]);
		flow_engine_free(e);
		return 1;
	}
	for (i = 3; i < argc; i++) {
		if (phone_normalize(argv[i], "40", phone, sizeof(phone)) != 0) {
			fprintf(ctx->err, "stafeta: %s: not a phone number\n",
			    argv[i]);
			status = 1;
			continue;
		}
		/* One transaction per number: one bad number does not undo
		 * the others. */
		if (store_begin(ctx->store) != 0) {
			status = 1;
			break;
		}
		rc = flow_engine_start(e, ctx->store, argv[2], phone,
		    FLOW_CHANNEL_SMS, clock_now_ms());
		if (rc < 0 || store_commit(ctx->store) != 0) {
			store_rollback(ctx->store);
			fprintf(ctx->out, "%s: failed\n", phone);
			status = 1;
			continue;
		}
		fprintf(ctx->out, "%s: %s\n", phone, rc == 1 ? "started, first message "
		    "queued" : "skipped (opted out or busy in another "
		    "dialogue)");
	}
	flow_engine_free(e);
	return status;
}

int
cli_flow_main(struct cli_ctx *ctx, int argc, char **argv)
{
	int rc;

	if (argc < 2)
		return flow_usage(ctx);
	if (strcmp(argv[1], "list") == 0 && argc == 2)
		rc = flow_list(ctx);
	else if (strcmp(argv[1], "check") == 0)
		rc = flow_check(ctx, argc, argv);
	else if (strcmp(argv[1], "start") == 0)
		rc = flow_start(ctx, argc, argv);
	else
		rc = flow_usage(ctx);
	return rc;
}
