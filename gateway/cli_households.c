/*
 * cli_households.c - `stafeta households`: the SPAS household register
 * (observation-sheet.md 7.3; flows/sheet/sheet_households.c decides).
 *
 *   stafeta households issue --count N [--village V] [--by NAME]
 *       [--csv [FILE] | --csv-ids [FILE] | --xlsx FILE]
 *   stafeta households link CODE --family "NAME" [--address TEXT]
 *       [--by NAME]
 *   stafeta households list [--village V] [--csv ... | --xlsx FILE]
 *   stafeta households show CODE [--by NAME]
 *
 * `issue` prints the new codes (with their check digit) as a list to give
 * reporters; `list` says which codes exist and whether SPAS has linked
 * them, without the family; `show` is the only view of the family's
 * identity and writes an audit entry (who, when, which code).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "sheet.h"
#include "store.h"
#include "table.h"
#include "util.h"

#define ISSUE_MAX 1000 /* codes per issue */

void
cli_households_usage(FILE *f)
{
	fprintf(f, "usage: stafeta households issue --count N [--village V] "
	    "[--by NAME]\n"
	    "           [--csv [FILE] | --csv-ids [FILE] | --xlsx FILE]\n"
	    "       stafeta households link CODE --family NAME "
	    "[--address TEXT] [--by NAME]\n"
	    "       stafeta households list [--village V] "
	    "[--csv [FILE] | --csv-ids [FILE] | --xlsx FILE]\n"
	    "       stafeta households show CODE [--by NAME]\n");
}

static int
hh_issue(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_table_out out = { 0, NULL };
	static const struct table_col cols[] = {
		{ "code", "Cod familie" },
		{ "village", "Sat" },
	};
	const char *village = NULL, *by = NULL;
	int64_t count = 0;
	char (*codes)[9];
	enum sheet_hh_status s;
	struct table *t;
	int rc;

	for (int i = 2; i < argc; i++) {
		int r = cli_table_opt(&out, argc, argv, &i);

		if (r == 1)
			continue;
		if (r == 0 && strcmp(argv[i], "--count") == 0 &&
		    i + 1 < argc &&
		    parse_int64(argv[i + 1], 1, ISSUE_MAX, &count) == 0)
			i++;
		else if (r == 0 && strcmp(argv[i], "--village") == 0 &&
		    i + 1 < argc)
			village = argv[++i];
		else if (r == 0 && strcmp(argv[i], "--by") == 0 &&
		    i + 1 < argc)
			by = argv[++i];
		else {
			cli_households_usage(ctx->err);
			return 2;
		}
	}
	if (count == 0) {
		fprintf(ctx->err, "stafeta households issue: --count N "
		    "(1..%d) is required\n", ISSUE_MAX);
		return 2;
	}
	codes = xcalloc((size_t)count, sizeof(*codes));
	s = sheet_household_issue(ctx->store, (size_t)count, village,
	    cli_operator(ctx, by), clock_now_ms(), codes);
	if (s != SHEET_HH_OK) {
		fprintf(ctx->err, "stafeta households issue: %s\n",
		    sheet_hh_strstatus(s));
		free(codes);
		return 1;
	}
	t = table_new("household_codes", cols, NELEM(cols));
	for (int64_t k = 0; k < count; k++) {
		const char *row[2] = { codes[k], village };

		table_add(t, row);
	}
	rc = cli_table_output(ctx, &out, t);
	table_free(t);
	free(codes);
	return rc;
}

static int
hh_link(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *family = NULL, *address = NULL, *by = NULL;
	enum sheet_hh_status s;

	if (argc < 3 || argv[2][0] == '-') {
		cli_households_usage(ctx->err);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--family") == 0 && i + 1 < argc)
			family = argv[++i];
		else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
			address = argv[++i];
		else if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
			by = argv[++i];
		else {
			cli_households_usage(ctx->err);
			return 2;
		}
	}
	s = sheet_household_link(ctx->store, argv[2], family, address,
	    cli_operator(ctx, by), clock_now_ms());
	if (s != SHEET_HH_OK) {
		fprintf(ctx->err, "stafeta households link %s: %s\n", argv[2],
		    sheet_hh_strstatus(s));
		return s == SHEET_HH_STORE ? 1 : s == SHEET_HH_UNKNOWN ? 1 : 2;
	}
	fprintf(ctx->out, "household %s linked by %s\n", argv[2],
	    cli_operator(ctx, by));
	return 0;
}

static int
hh_list(struct cli_ctx *ctx, int argc, char **argv, int first)
{
	struct cli_table_out out = { 0, NULL };
	const char *village = NULL;
	struct table *t;
	int rc;

	for (int i = first; i < argc; i++) {
		int r = cli_table_opt(&out, argc, argv, &i);

		if (r == 1)
			continue;
		if (r == 0 && strcmp(argv[i], "--village") == 0 &&
		    i + 1 < argc)
			village = argv[++i];
		else {
			cli_households_usage(ctx->err);
			return 2;
		}
	}
	t = sheet_households_table(ctx->store, NULL, village, 0);
	rc = cli_table_output(ctx, &out, t);
	table_free(t);
	return rc;
}

static int
hh_show(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *by = NULL;
	struct table *t;
	char object[32];
	size_t c;

	if (argc < 3 || argv[2][0] == '-') {
		cli_households_usage(ctx->err);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
			by = argv[++i];
		else {
			cli_households_usage(ctx->err);
			return 2;
		}
	}
	t = sheet_households_table(ctx->store, argv[2], NULL, 1);
	if (t == NULL) {
		fprintf(ctx->err, "stafeta households show: %s\n",
		    store_errmsg(ctx->store));
		return 1;
	}
	if (t->nrows == 0) {
		fprintf(ctx->err, "stafeta households show: no household "
		    "%s\n", argv[2]);
		table_free(t);
		return 1;
	}
	/* The family's identity is shown only with a trace of who saw it. */
	snprintf(object, sizeof(object), "household:%s", argv[2]);
	if (store_audit(ctx->store, cli_operator(ctx, by), "cli", "view",
	    object, clock_now_ms()) != 0) {
		fprintf(ctx->err, "stafeta households show: could not write "
		    "the audit log: %s\n", store_errmsg(ctx->store));
		table_free(t);
		return 1;
	}
	for (c = 0; c < t->ncols; c++)
		fprintf(ctx->out, "%-16s %s\n", t->cols[c].id,
		    table_get(t, 0, c));
	table_free(t);
	return 0;
}

int
cli_households_main(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "issue") == 0)
		return hh_issue(ctx, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "link") == 0)
		return hh_link(ctx, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return hh_list(ctx, argc, argv, 2);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return hh_show(ctx, argc, argv);
	if (argc < 2 || argv[1][0] == '-')
		return hh_list(ctx, argc, argv, 1);
	cli_households_usage(ctx->err);
	return 2;
}
