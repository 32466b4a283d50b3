/*
 * cli_tasks.c - `stafeta tasks` and `stafeta audit`: the SPAS task list
 * that the services fill (store/store_tasks.c) and the access log.
 *
 *   stafeta tasks [list] [--service NAME] [--assignee NAME] [--all]
 *                 [--csv [FILE] | --csv-ids [FILE] | --xlsx FILE]
 *   stafeta tasks done|cancel ID [--by NAME] [--note TEXT]
 *   stafeta audit [--days N] [--who NAME] [--csv [FILE] | --xlsx FILE]
 *
 * Reading the audit log is itself logged (who read who read what).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "store.h"
#include "table.h"
#include "util.h"

#define DAY_MS (24LL * 3600 * 1000)

void
cli_tasks_usage(FILE *f)
{
	fprintf(f, "usage: stafeta tasks [list] [--service NAME] "
	    "[--assignee NAME] [--all]\n"
	    "           [--csv [FILE] | --csv-ids [FILE] | --xlsx FILE]\n"
	    "       stafeta tasks done|cancel ID [--by NAME] [--note TEXT]\n");
}

void
cli_audit_usage(FILE *f)
{
	fprintf(f, "usage: stafeta audit [--days N] [--who NAME] "
	    "[--csv [FILE] | --xlsx FILE]\n");
}

static int
tasks_list(struct cli_ctx *ctx, int argc, char **argv, int i)
{
	struct cli_table_out out = { 0, NULL };
	const char *service = NULL, *assignee = NULL;
	int all = 0, rc;
	struct table *t;

	for (; i < argc; i++) {
		int r = cli_table_opt(&out, argc, argv, &i);

		if (r == 1)
			continue;
		if (r == 0 && strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (r == 0 && strcmp(argv[i], "--service") == 0 &&
		    i + 1 < argc)
			service = argv[++i];
		else if (r == 0 && strcmp(argv[i], "--assignee") == 0 &&
		    i + 1 < argc)
			assignee = argv[++i];
		else {
			cli_tasks_usage(ctx->err);
			return 2;
		}
	}
	t = store_task_list(ctx->store, service, assignee, !all,
	    clock_now_ms());
	rc = cli_table_output(ctx, &out, t);
	table_free(t);
	return rc;
}

static int
tasks_close(struct cli_ctx *ctx, int argc, char **argv,
    enum store_task_state state)
{
	const char *by = NULL, *note = NULL;
	int64_t id;
	int rc;

	if (argc < 3 || parse_int64(argv[2], 1, INT64_MAX, &id) != 0) {
		cli_tasks_usage(ctx->err);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
			by = argv[++i];
		else if (strcmp(argv[i], "--note") == 0 && i + 1 < argc)
			note = argv[++i];
		else {
			cli_tasks_usage(ctx->err);
			return 2;
		}
	}
	rc = store_task_close(ctx->store, id, state, cli_operator(ctx, by),
	    note, clock_now_ms());
	if (rc < 0) {
		fprintf(ctx->err, "stafeta: task %lld: %s\n", (long long)id,
		    store_errmsg(ctx->store));
		return 1;
	}
	if (rc == 1) {
		fprintf(ctx->err, "stafeta: no open task %lld\n",
		    (long long)id);
		return 1;
	}
	fprintf(ctx->out, "task %lld %s by %s\n", (long long)id,
	    state == STORE_TASK_DONE ? "done" : "cancelled",
	    cli_operator(ctx, by));
	return 0;
}

int
cli_tasks_main(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-')
		return tasks_list(ctx, argc, argv, 1);
	if (strcmp(argv[1], "list") == 0)
		return tasks_list(ctx, argc, argv, 2);
	if (strcmp(argv[1], "done") == 0)
		return tasks_close(ctx, argc, argv, STORE_TASK_DONE);
	if (strcmp(argv[1], "cancel") == 0)
		return tasks_close(ctx, argc, argv, STORE_TASK_CANCELLED);
	cli_tasks_usage(ctx->err);
	return 2;
}

int
cli_audit_main(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_table_out out = { 0, NULL };
	const char *who = NULL;
	int64_t days = 30, now = clock_now_ms();
	struct table *t;
	int rc;

	for (int i = 1; i < argc; i++) {
		int r = cli_table_opt(&out, argc, argv, &i);

		if (r == 1)
			continue;
		if (r == 0 && strcmp(argv[i], "--who") == 0 && i + 1 < argc)
			who = argv[++i];
		else if (r == 0 && strcmp(argv[i], "--days") == 0 &&
		    i + 1 < argc &&
		    parse_int64(argv[i + 1], 1, 100 * 366, &days) == 0)
			i++;
		else {
			cli_audit_usage(ctx->err);
			return 2;
		}
	}
	t = store_audit_list(ctx->store, now - days * DAY_MS, who);
	rc = cli_table_output(ctx, &out, t);
	table_free(t);
	if (rc == 0 && store_audit(ctx->store, cli_operator(ctx, NULL), "cli",
	    out.path != NULL ? "export" : "view", "audit", now) != 0) {
		fprintf(ctx->err, "stafeta: could not log this reading of the "
		    "audit log: %s\n", store_errmsg(ctx->store));
		return 1;
	}
	return rc;
}
