/*
 * cli_parents.c - `stafeta parents`: SPAS's side of the migrant-parents
 * service (flows/parents/, docs/parents.md).  It parses and prints; the
 * rules are the service's (parents.h).
 *
 *   stafeta parents add --name N --phone P --role 1-3 --sole 1-3
 *       --lives 1-2 --other 1-5 --commune C --departure DATE|0
 *       --country CC [--return DATE] --child NAME:YEAR ...
 *       --caretaker-name N --caretaker-phone P --caretaker-rel 1-6
 *       [--caretaker-minor] --caretaker-lives 1-2 --court 0-3|9
 *       [--voice-only] [--by NAME]
 *   stafeta parents list [all|upcoming|late|children|caretakers|alerts|
 *       returns|roster] [--csv [FILE] | --csv-ids [FILE] | --xlsx FILE]
 *   stafeta parents show ID [--by NAME] [--csv ...]   (audited)
 *   stafeta parents report [--quarter 2027Q1] [--internal] [--csv ...]
 *   stafeta parents task [--all] [--csv ...]
 *   stafeta parents state ID STATE [--why TEXT] [--by NAME]
 *   stafeta parents voice-only ID on|off [--by NAME]
 *   stafeta parents remind ID NID
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "parents.h"
#include "phone.h"
#include "store.h"
#include "table.h"
#include "util.h"

void
cli_parents_usage(FILE *f)
{
	fprintf(f, "usage: stafeta parents add --name N --phone P --role 1-3 "
	    "--sole 1-3 --lives 1-2 --other 1-5\n"
	    "           --commune C --departure DATE|0 --country CC "
	    "[--return DATE] --child NAME:YEAR ...\n"
	    "           --caretaker-name N --caretaker-phone P "
	    "--caretaker-rel 1-6 [--caretaker-minor]\n"
	    "           --caretaker-lives 1-2 --court 0-3|9 [--voice-only] "
	    "[--by NAME]\n"
	    "       stafeta parents list [all|upcoming|late|children|"
	    "caretakers|alerts|returns|roster] [--csv [FILE] | --xlsx FILE]\n"
	    "       stafeta parents show ID [--by NAME] [--csv [FILE]]\n"
	    "       stafeta parents report [--quarter YYYYQN] [--internal] "
	    "[--csv [FILE] | --xlsx FILE]\n"
	    "       stafeta parents task [--all] [--csv [FILE] | --xlsx FILE]\n"
	    "       stafeta parents state ID STATE [--why TEXT] [--by NAME]\n"
	    "       stafeta parents voice-only ID on|off [--by NAME]\n"
	    "       stafeta parents remind ID NID\n");
}

static int
num(const char *s, int lo, int hi, int *out)
{
	int64_t v;

	if (parse_int64(s, lo, hi, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int
run_tx(struct cli_ctx *ctx, int ok)
{
	if (ok && store_commit(ctx->store) == 0)
		return 0;
	store_rollback(ctx->store);
	return 1;
}

static int
parents_add(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *cc = ctx->conf->default_country;
	struct parents_registered res;
	struct parents_request r;
	const char *by = NULL;
	char err[160], flags[128];
	int bad = 0;

	memset(&r, 0, sizeof(r));
	r.caretaker_adult = 1;
	r.role = r.sole_authority = r.lives_with = r.other_parent = -1;
	r.caretaker_rel = r.caretaker_lives = r.court = -1;
	for (int i = 2; i < argc && !bad; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--voice-only") == 0) {
			r.voice_only = 1;
			continue;
		}
		if (strcmp(o, "--caretaker-minor") == 0) {
			r.caretaker_adult = 0;
			continue;
		}
		if (v == NULL) {
			bad = 1;
			break;
		}
		i++;
		if (strcmp(o, "--name") == 0)
			snprintf(r.parent_name, sizeof(r.parent_name), "%s", v);
		else if (strcmp(o, "--phone") == 0)
			bad = phone_normalize(v, cc, r.parent_phone,
			    sizeof(r.parent_phone)) != 0;
		else if (strcmp(o, "--role") == 0)
			bad = num(v, 1, 3, &r.role);
		else if (strcmp(o, "--sole") == 0)
			bad = num(v, 1, 3, &r.sole_authority);
		else if (strcmp(o, "--lives") == 0)
			bad = num(v, 1, 2, &r.lives_with);
		else if (strcmp(o, "--other") == 0)
			bad = num(v, 1, 5, &r.other_parent);
		else if (strcmp(o, "--commune") == 0)
			snprintf(r.commune, sizeof(r.commune), "%s", v);
		else if (strcmp(o, "--departure") == 0) {
			if (strcmp(v, "0") == 0)
				r.already_abroad = 1;
			else
				bad = parents_date_parse(v, r.departure);
		} else if (strcmp(o, "--country") == 0)
			snprintf(r.country, sizeof(r.country), "%s", v);
		else if (strcmp(o, "--return") == 0)
			bad = parents_date_parse(v, r.return_date);
		else if (strcmp(o, "--child") == 0) {
			const char *colon = strrchr(v, ':');

			bad = colon == NULL || r.nchildren == PARENTS_MAX_CHILD;
			if (!bad) {
				struct parents_child *c =
				    &r.children[r.nchildren++];

				snprintf(c->name, sizeof(c->name), "%.*s",
				    (int)(colon - v < 31 ? colon - v : 31), v);
				bad = num(colon + 1, 1990, 2100,
				    &c->birth_year);
			}
		} else if (strcmp(o, "--caretaker-name") == 0)
			snprintf(r.caretaker_name, sizeof(r.caretaker_name),
			    "%s", v);
		else if (strcmp(o, "--caretaker-phone") == 0)
			bad = phone_normalize(v, cc, r.caretaker_phone,
			    sizeof(r.caretaker_phone)) != 0;
		else if (strcmp(o, "--caretaker-rel") == 0)
			bad = num(v, 1, 6, &r.caretaker_rel);
		else if (strcmp(o, "--caretaker-lives") == 0)
			bad = num(v, 1, 2, &r.caretaker_lives);
		else if (strcmp(o, "--court") == 0)
			bad = num(v, 0, 9, &r.court);
		else if (strcmp(o, "--by") == 0)
			by = v;
		else
			bad = 1;
	}
	if (bad) {
		cli_parents_usage(ctx->err);
		return 2;
	}
	r.channel = "cli";
	r.by = cli_operator(ctx, by);
	if (store_begin(ctx->store) != 0)
		return 1;
	if (parents_register(ctx->store, ctx->conf, &r, clock_now_ms(), &res,
	    err, sizeof(err)) != 0) {
		store_rollback(ctx->store);
		fprintf(ctx->err, "stafeta: parents add: %s\n", err);
		return 1;
	}
	{
		char obj[32];

		snprintf(obj, sizeof(obj), "parents:%lld", (long long)res.id);
		if (store_audit(ctx->store, r.by, "cli", "create", obj,
		    clock_now_ms()) != 0)
			return run_tx(ctx, 0);
	}
	if (run_tx(ctx, 1) != 0)
		return 1;
	parents_flags_str(res.flags, flags, sizeof(flags));
	fprintf(ctx->out, "notice %lld %s registered%s%s\n",
	    (long long)res.id, res.number, flags[0] != '\0' ? " " : "",
	    flags);
	return 0;
}

static int
parents_table(struct cli_ctx *ctx, int argc, char **argv, int i,
    const char *what)
{
	struct cli_table_out out = { 0, NULL };
	const char *kind = "all", *quarter = NULL;
	int all = 0, internal = 0, rc;
	struct table *t;

	for (; i < argc; i++) {
		int r = cli_table_opt(&out, argc, argv, &i);

		if (r == 1)
			continue;
		if (r == 0 && strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (r == 0 && strcmp(argv[i], "--internal") == 0)
			internal = 1;
		else if (r == 0 && strcmp(argv[i], "--quarter") == 0 &&
		    i + 1 < argc)
			quarter = argv[++i];
		else if (r == 0 && argv[i][0] != '-')
			kind = argv[i];
		else {
			cli_parents_usage(ctx->err);
			return 2;
		}
	}
	if (strcmp(what, "list") == 0)
		t = parents_list(ctx->store, kind, clock_now_ms());
	else if (strcmp(what, "report") == 0)
		t = parents_report(ctx->store, quarter, !internal,
		    clock_now_ms());
	else
		t = parents_tasks(ctx->store, !all, clock_now_ms());
	if (t == NULL) {
		fprintf(ctx->err, "stafeta: parents %s: no such list or "
		    "quarter\n", what);
		return 1;
	}
	rc = cli_table_output(ctx, &out, t);
	table_free(t);
	return rc;
}

static int
parents_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_table_out out = { 0, NULL };
	const char *by = NULL;
	struct table *t;
	char obj[32];
	int64_t id;
	int rc;

	if (argc < 3 || parse_int64(argv[2], 1, INT64_MAX, &id) != 0) {
		cli_parents_usage(ctx->err);
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
			by = argv[++i];
		else if (cli_table_opt(&out, argc, argv, &i) != 1) {
			cli_parents_usage(ctx->err);
			return 2;
		}
	}
	t = parents_card(ctx->store, id);
	if (t == NULL) {
		fprintf(ctx->err, "stafeta: no notice %lld\n", (long long)id);
		return 1;
	}
	snprintf(obj, sizeof(obj), "parents:%lld", (long long)id);
	if (store_audit(ctx->store, cli_operator(ctx, by), "cli", "view",
	    obj, clock_now_ms()) != 0) {
		table_free(t);
		return 1;
	}
	rc = cli_table_output(ctx, &out, t);
	table_free(t);
	return rc;
}

static int
parents_write(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *by = NULL, *why = "SPAS";
	int64_t id, now = clock_now_ms();
	int ok, st;

	if (argc < 4 || parse_int64(argv[2], 1, INT64_MAX, &id) != 0) {
		cli_parents_usage(ctx->err);
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
			by = argv[++i];
		else if (strcmp(argv[i], "--why") == 0 && i + 1 < argc)
			why = argv[++i];
		else {
			cli_parents_usage(ctx->err);
			return 2;
		}
	}
	if (store_begin(ctx->store) != 0)
		return 1;
	if (strcmp(argv[1], "state") == 0) {
		st = parents_state_parse(argv[3]);
		ok = st > 0 && parents_enter_state(ctx->store, ctx->conf, id,
		    st, cli_operator(ctx, by), why, now) == 0;
	} else if (strcmp(argv[1], "voice-only") == 0)
		ok = (strcmp(argv[3], "on") == 0 || strcmp(argv[3], "off") ==
		    0) && parents_voice_only(ctx->store, id, strcmp(argv[3],
		    "on") == 0, cli_operator(ctx, by), now) == 0;
	else
		ok = parents_remind_now(ctx->store, id, argv[3], now) == 0;
	if (run_tx(ctx, ok) != 0) {
		fprintf(ctx->err, "stafeta: parents %s %lld %s: refused\n",
		    argv[1], (long long)id, argv[3]);
		return 1;
	}
	fprintf(ctx->out, "notice %lld: %s %s\n", (long long)id, argv[1],
	    argv[3]);
	return 0;
}

int
cli_parents_main(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "list") == 0)
		return parents_table(ctx, argc, argv, 2, "list");
	if (strcmp(argv[1], "add") == 0)
		return parents_add(ctx, argc, argv);
	if (strcmp(argv[1], "show") == 0)
		return parents_show(ctx, argc, argv);
	if (strcmp(argv[1], "report") == 0)
		return parents_table(ctx, argc, argv, 2, "report");
	if (strcmp(argv[1], "task") == 0 || strcmp(argv[1], "tasks") == 0)
		return parents_table(ctx, argc, argv, 2, "task");
	if (strcmp(argv[1], "state") == 0 ||
	    strcmp(argv[1], "voice-only") == 0 ||
	    strcmp(argv[1], "remind") == 0)
		return parents_write(ctx, argc, argv);
	cli_parents_usage(ctx->err);
	return 2;
}
