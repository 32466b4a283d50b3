/*
 * cli_poll.c - `stafeta poll`: participation polls (docs/polls.md).
 *
 *   stafeta poll check FILE
 *   stafeta poll create FILE [--by NAME]
 *   stafeta poll open ID [--by NAME] [--now]
 *   stafeta poll close ID
 *   stafeta poll show [ID]
 *   stafeta poll results ID [--csv [FILE]|--csv-ids [FILE]|--xlsx FILE|
 *       --html FILE] [--publish DECISION]
 *
 * `open` is the mayor's approval (recorded with --by, or the Unix user)
 * and fixes the schedule: the information message now, the opening after
 * the poll's `info days` (--now: at once), the close after its `days`.
 * The rules are the poll service's (flows/poll/); this file parses and
 * prints.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "file.h"
#include "gateway.h"
#include "gw_export.h"
#include "polls.h"
#include "store.h"
#include "table.h"
#include "util.h"

#define POLL_FILE_MAX (64 * 1024)

void
cli_poll_usage(FILE *f)
{
	fprintf(f, "usage: stafeta poll check FILE\n"
	    "       stafeta poll create FILE [--by NAME]\n"
	    "       stafeta poll open ID [--by NAME] [--now]\n"
	    "       stafeta poll close ID\n"
	    "       stafeta poll show [ID]\n"
	    "       stafeta poll results ID [--csv [FILE] | --csv-ids [FILE] | "
	    "--xlsx FILE | --html FILE] [--publish DECISION]\n");
}

static const char *
who(int argc, char **argv)
{
	struct passwd *pw;

	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], "--by") == 0)
			return argv[i + 1];
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : "unknown";
}

static int
has(int argc, char **argv, const char *opt)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], opt) == 0)
			return 1;
	return 0;
}

static int
read_def(struct cli_ctx *ctx, const char *path, struct poll_def *d,
    char **src)
{
	struct buf errs;
	size_t len;
	int n;

	if (file_read(path, POLL_FILE_MAX, src, &len, NULL, 0) != 0) {
		fprintf(ctx->err, "stafeta: cannot read %s\n", path);
		return -1;
	}
	buf_init(&errs, 0);
	n = poll_def_parse(*src, path, d, &errs);
	if (n > 0)
		fprintf(ctx->err, "%s", errs.data);
	buf_free(&errs);
	return n;
}

static int
poll_check(struct cli_ctx *ctx, int argc, char **argv)
{
	struct poll_def d;
	struct buf out;
	char *src = NULL;
	int n;

	if (argc != 3) {
		cli_poll_usage(ctx->err);
		return 2;
	}
	n = read_def(ctx, argv[2], &d, &src);
	if (n < 0)
		return 1;
	buf_init(&out, 0);
	poll_def_costs(&d, argv[2], &out);
	if (out.len > 0)
		fprintf(ctx->out, "%s", out.data);
	buf_free(&out);
	fprintf(ctx->out, "%s: %zu question(s), %d error(s)\n", argv[2], d.nq,
	    n);
	poll_def_clear(&d);
	free(src);
	return n > 0 ? 1 : 0;
}

static int
in_tx(struct cli_ctx *ctx, int rc)
{
	if (rc != 0) {
		store_rollback(ctx->store);
		return 1;
	}
	if (store_commit(ctx->store) != 0) {
		fprintf(ctx->err, "stafeta: cannot commit\n");
		return 1;
	}
	return 0;
}

static int
poll_create_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	struct poll_def d;
	char *src = NULL, err[256];
	int n, rc;

	if (argc < 3) {
		cli_poll_usage(ctx->err);
		return 2;
	}
	n = read_def(ctx, argv[2], &d, &src);
	if (n != 0) {
		if (n > 0)
			poll_def_clear(&d);
		free(src);
		return 1;
	}
	if (store_begin(ctx->store) != 0)
		return 1;
	rc = poll_create(ctx->store, &d, src, who(argc, argv), clock_now_ms(),
	    err, sizeof(err));
	if (rc != 0)
		fprintf(ctx->err, "stafeta: %s\n", err);
	else
		fprintf(ctx->out, "poll %s created (DRAFT)\n", d.id);
	poll_def_clear(&d);
	free(src);
	return in_tx(ctx, rc);
}

static int
poll_open_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	char err[256];
	int64_t now = clock_now_ms();
	int rc;

	if (argc < 3) {
		cli_poll_usage(ctx->err);
		return 2;
	}
	if (store_begin(ctx->store) != 0)
		return 1;
	rc = poll_approve(ctx->store, argv[2], who(argc, argv), now,
	    has(argc, argv, "--now") ? now : 0, err, sizeof(err));
	if (rc != 0)
		fprintf(ctx->err, "stafeta: %s\n", err);
	else
		fprintf(ctx->out, "poll %s approved by %s; the gateway sends "
		    "it (stafeta poll show %s)\n", argv[2], who(argc, argv),
		    argv[2]);
	return in_tx(ctx, rc);
}

static int
poll_close_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	char err[256];
	int rc;

	if (argc != 3) {
		cli_poll_usage(ctx->err);
		return 2;
	}
	if (store_begin(ctx->store) != 0)
		return 1;
	rc = poll_close(ctx->store, ctx->conf, argv[2], clock_now_ms(), err,
	    sizeof(err));
	if (rc != 0)
		fprintf(ctx->err, "stafeta: %s\n", err);
	else
		fprintf(ctx->out, "poll %s closed\n", argv[2]);
	return in_tx(ctx, rc);
}

static int
poll_show_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	struct buf out;
	int rc;

	buf_init(&out, 0);
	rc = poll_show(ctx->store, ctx->conf, argc > 2 ? argv[2] : NULL,
	    clock_now_ms(), &out);
	if (rc != 0)
		fprintf(ctx->err, "stafeta: no poll %s\n", argc > 2 ? argv[2] :
		    "");
	else if (out.len > 0)
		fprintf(ctx->out, "%s", out.data);
	buf_free(&out);
	return rc != 0 ? 1 : 0;
}

static int
write_html(struct cli_ctx *ctx, const char *id, const struct poll_def *d,
    const struct poll_answer_row *rows, size_t n, const char *path)
{
	struct poll_html_info in;
	char state[16] = "";
	struct poll_def tmp;
	char *html;
	FILE *f;
	int rc = 0;

	memset(&in, 0, sizeof(in));
	if (poll_load(ctx->store, id, &tmp, state, sizeof(state)) == 0)
		poll_def_clear(&tmp);
	in.commune = poll_conf(ctx->conf)->commune;
	in.state = state;
	if (poll_counts(ctx->store, id, &in.invited, &in.optouts) != 0)
		return 1;
	html = poll_html(d, rows, n, &in);
	f = strcmp(path, "-") == 0 ? ctx->out : fopen(path, "w");
	if (f == NULL || fputs(html, f) == EOF) {
		fprintf(ctx->err, "stafeta: cannot write %s\n", path);
		rc = 1;
	}
	if (f != NULL && f != ctx->out && fclose(f) != 0)
		rc = 1;
	free(html);
	return rc;
}

static int
poll_results_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
	struct poll_def d;
	struct poll_rows *pr;
	const struct poll_answer_row *rows;
	struct table *t;
	char err[256], state[16];
	int64_t invited, optouts;
	size_t n;
	int rc = 0;
	struct cli_table_out out = { 0, NULL };
	const char *html = NULL;

	if (argc < 3) {
		cli_poll_usage(ctx->err);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--publish") == 0) {
			int64_t q;

			if (store_begin(ctx->store) != 0)
				return 1;
			rc = poll_publish(ctx->store, ctx->conf, argv[2],
			    argv[++i], clock_now_ms(), &q, err, sizeof(err));
			if (rc != 0)
				fprintf(ctx->err, "stafeta: %s\n", err);
			if (in_tx(ctx, rc) != 0)
				return 1;
			fprintf(ctx->out, "poll %s published; thank-you SMS to "
			    "%lld respondent(s)\n", argv[2], (long long)q);
			return 0;
		} else if (i + 1 < argc && strcmp(argv[i], "--html") == 0) {
			html = argv[++i];
		} else if (cli_table_opt(&out, argc, argv, &i) == 1) {
			continue;
		} else {
			cli_poll_usage(ctx->err);
			return 2;
		}
	}
	if (poll_load(ctx->store, argv[2], &d, state, sizeof(state)) != 0) {
		fprintf(ctx->err, "stafeta: no poll %s\n", argv[2]);
		return 1;
	}
	if ((pr = poll_rows_load(ctx->store, argv[2])) == NULL ||
	    poll_counts(ctx->store, argv[2], &invited, &optouts) != 0) {
		poll_rows_free(pr);
		poll_def_clear(&d);
		return 1;
	}
	rows = poll_rows_get(pr, &n);
	if (html != NULL) {
		rc = write_html(ctx, argv[2], &d, rows, n, html);
	} else {
		t = poll_tally_table(&d, rows, n, invited, optouts);
		rc = cli_table_output(ctx, &out, t);
		table_free(t);
	}
	poll_rows_free(pr);
	poll_def_clear(&d);
	return rc;
}

int
cli_poll_main(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2) {
		cli_poll_usage(ctx->err);
		return 2;
	}
	if (strcmp(argv[1], "check") == 0)
		return poll_check(ctx, argc, argv);
	if (strcmp(argv[1], "create") == 0)
		return poll_create_cmd(ctx, argc, argv);
	if (strcmp(argv[1], "open") == 0)
		return poll_open_cmd(ctx, argc, argv);
	if (strcmp(argv[1], "close") == 0)
		return poll_close_cmd(ctx, argc, argv);
	if (strcmp(argv[1], "show") == 0)
		return poll_show_cmd(ctx, argc, argv);
	if (strcmp(argv[1], "results") == 0)
		return poll_results_cmd(ctx, argc, argv);
	cli_poll_usage(ctx->err);
	return 2;
}
