/*
 * cli_optin.c - `stafeta optin`: the poll opt-in register (R2, R3).
 *
 *   stafeta optin add PHONE --source paper|staff|mediator|sms
 *       [--village NAME] [--lang ro|hu|en]
 *   stafeta optin remove PHONE
 *   stafeta optin list [--csv [FILE] | --csv-ids [FILE] | --xlsx FILE]
 *
 * Consent must be recorded: add refuses without --source (importing
 * lists without consent is forbidden).  The rules are the poll
 * service's (flows/poll/poll_optin.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "gw_export.h"
#include "phone.h"
#include "polls.h"
#include "store.h"
#include "table.h"
#include "util.h"

void
cli_optin_usage(FILE *f)
{
	fprintf(f, "usage: stafeta optin add PHONE --source "
	    "paper|staff|mediator|sms [--village NAME] [--lang ro|hu|en]\n"
	    "       stafeta optin remove PHONE\n"
	    "       stafeta optin list [--csv [FILE] | --csv-ids [FILE] | "
	    "--xlsx FILE]\n");
}

static const char *
opt(int argc, char **argv, const char *name)
{
	for (int i = 3; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int
finish(struct cli_ctx *ctx, int rc)
{
	if (rc < 0) {
		store_rollback(ctx->store);
		return 1;
	}
	return store_commit(ctx->store) != 0 ? 1 : 0;
}

int
cli_optin_main(struct cli_ctx *ctx, int argc, char **argv)
{
	char phone[24];
	const char *src, *lang;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		struct cli_table_out out = { 0, NULL };
		struct table *t;

		for (int i = 2; i < argc; i++) {
			if (cli_table_opt(&out, argc, argv, &i) != 1) {
				cli_optin_usage(ctx->err);
				return 2;
			}
		}
		if ((t = poll_optin_table(ctx->store)) == NULL)
			return 1;
		rc = cli_table_output(ctx, &out, t);
		table_free(t);
		return rc;
	}
	if (argc < 3 || (strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "remove") != 0)) {
		cli_optin_usage(ctx->err);
		return 2;
	}
	if (phone_normalize(argv[2], ctx->conf->default_country != NULL ?
	    ctx->conf->default_country : "40", phone, sizeof(phone)) != 0) {
		fprintf(ctx->err, "stafeta: not a phone number: %s\n", argv[2]);
		return 2;
	}
	if (store_begin(ctx->store) != 0)
		return 1;
	if (strcmp(argv[1], "remove") == 0) {
		rc = poll_optin_remove(ctx->store, phone, clock_now_ms());
		if (rc == 0)
			fprintf(ctx->out, "%s removed from the poll register\n",
			    phone);
		else if (rc == 1)
			fprintf(ctx->out, "%s was not in the register\n", phone);
		return finish(ctx, rc);
	}
	src = opt(argc, argv, "--source");
	if (src == NULL || (strcmp(src, "paper") != 0 &&
	    strcmp(src, "staff") != 0 && strcmp(src, "mediator") != 0 &&
	    strcmp(src, "sms") != 0)) {
		store_rollback(ctx->store);
		fprintf(ctx->err, "stafeta: say how the person consented: "
		    "--source paper|staff|mediator|sms\n");
		return 2;
	}
	lang = opt(argc, argv, "--lang");
	rc = poll_optin_add(ctx->store, ctx->conf, phone,
	    opt(argc, argv, "--village"), lang != NULL ? lang : "ro", src,
	    clock_now_ms());
	if (rc == 0)
		fprintf(ctx->out, "%s added to the poll register (%s)\n", phone,
		    src);
	else if (rc == 1)
		fprintf(ctx->out, "%s is already in the register\n", phone);
	return finish(ctx, rc);
}
