/*
 * cli_cases.c - `stafeta cases`: the SPAS case workflow after an
 * Observation Sheet (docs/cases.md).  The rules are the case service's
 * (flows/cases/); this file parses arguments, calls it and prints.
 *
 *   stafeta cases [list] [--state S] [--worker W] [--village V] [--all]
 *   stafeta cases due|overdue [--worker W] [--village V]
 *   stafeta cases workers|villages
 *   stafeta cases show ID          (the case card; audited)
 *   stafeta cases history ID
 *   stafeta cases assign ID [--worker NAME] [--village NAME]
 *   stafeta cases ris ID --visitor NAME [--role POSITION] [--date DAY]
 *       [--confirm CODES] --conclusion none|plan|dgaspc [--reason R]
 *   stafeta cases plan ID --goal TEXT [--benefits 1,7] [--services 3,health]
 *       [--providers TEXT] [--months N]
 *   stafeta cases approve ID --order NO --date DAY
 *   stafeta cases monitor ID --visitor NAME [--date DAY] [--findings TEXT]
 *       [--revision WHY]
 *   stafeta cases suspect ID --reason abuse|neglect|exploitation|violence|
 *       high_risk|other
 *   stafeta cases notified ID [--channel C] [--contact NAME]
 *   stafeta cases verified ID --outcome TEXT
 *   stafeta cases dismiss ID --why TEXT
 *   stafeta cases close ID --why TEXT
 *   stafeta cases quarterly --year Y --quarter Q [--no-suppress]
 *   stafeta cases annual --year Y [--no-suppress]
 *
 * Every changing command takes --by NAME (default: the Unix user) and is
 * run by the daemon when it is up (gw_ctl_commands[]).  Every list takes
 * --csv [FILE] | --csv-ids [FILE] | --xlsx FILE; lists, cards and
 * exports are written to the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "sheet.h"
#include "store.h"
#include "table.h"
#include "util.h"

/* The options a subcommand was given (borrowed from argv). */
struct opts {
	const char *by, *worker, *village, *state, *visitor, *role, *date;
	const char *confirm, *conclusion, *reason, *goal, *benefits;
	const char *services, *providers, *months, *order, *findings;
	const char *revision, *channel, *contact, *outcome, *why;
	const char *year, *quarter;
	int all, no_suppress;
	struct cli_table_out out;
};

void
cli_cases_usage(FILE *f)
{
	fprintf(f,
	    "usage: stafeta cases [list] [--state S] [--worker W] [--village V] "
	    "[--all]\n"
	    "       stafeta cases due|overdue [--worker W] [--village V]\n"
	    "       stafeta cases workers|villages\n"
	    "       stafeta cases show|history ID\n"
	    "       stafeta cases assign ID [--worker NAME] [--village NAME]\n"
	    "       stafeta cases ris ID --visitor NAME [--role POSITION] "
	    "[--date DAY]\n"
	    "           [--confirm CODES] --conclusion none|plan|dgaspc "
	    "[--reason R]\n"
	    "       stafeta cases plan ID --goal TEXT [--benefits 1,7] "
	    "[--services 3,health]\n"
	    "           [--providers TEXT] [--months N]\n"
	    "       stafeta cases approve ID --order NO --date DAY\n"
	    "       stafeta cases monitor ID --visitor NAME [--date DAY] "
	    "[--findings TEXT]\n"
	    "           [--revision WHY]\n"
	    "       stafeta cases suspect ID --reason abuse|neglect|"
	    "exploitation|violence|high_risk|other\n"
	    "       stafeta cases notified ID [--channel C] [--contact NAME]\n"
	    "       stafeta cases verified ID --outcome TEXT\n"
	    "       stafeta cases dismiss|close ID --why TEXT\n"
	    "       stafeta cases quarterly --year Y --quarter Q "
	    "[--no-suppress]\n"
	    "       stafeta cases annual --year Y [--no-suppress]\n"
	    "Changing commands take --by NAME; lists take --csv [FILE] | "
	    "--csv-ids [FILE] | --xlsx FILE.\nDAY is YYYY-MM-DD.\n");
}

/* Parses options from argv[i]; 0, or 2 (usage printed). */
static int
parse_opts(struct cli_ctx *ctx, int argc, char **argv, int i, struct opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} vals[] = {
#define O(n, f) { n, offsetof(struct opts, f) }
		O("--by", by), O("--worker", worker), O("--village", village),
		O("--state", state), O("--visitor", visitor), O("--role", role),
		O("--date", date), O("--confirm", confirm),
		O("--conclusion", conclusion), O("--reason", reason),
		O("--goal", goal), O("--benefits", benefits),
		O("--services", services), O("--providers", providers),
		O("--months", months), O("--order", order),
		O("--findings", findings), O("--revision", revision),
		O("--channel", channel), O("--contact", contact),
		O("--outcome", outcome), O("--why", why), O("--year", year),
		O("--quarter", quarter),
#undef O
	};

	memset(o, 0, sizeof(*o));
	for (; i < argc; i++) {
		int r = cli_table_opt(&o->out, argc, argv, &i);
		size_t k;

		if (r == 1)
			continue;
		if (r < 0)
			goto usage;
		if (strcmp(argv[i], "--all") == 0) {
			o->all = 1;
			continue;
		}
		if (strcmp(argv[i], "--no-suppress") == 0) {
			o->no_suppress = 1;
			continue;
		}
		for (k = 0; k < NELEM(vals); k++) {
			if (strcmp(argv[i], vals[k].name) == 0)
				break;
		}
		if (k == NELEM(vals) || i + 1 >= argc)
			goto usage;
		*(const char **)(void *)((char *)o + vals[k].off) = argv[++i];
	}
	return 0;
usage:
	cli_cases_usage(ctx->err);
	return 2;
}

static const struct sheet_table *
indicator_table(struct cli_ctx *ctx)
{
	struct gw_services *svc = cli_services(ctx);

	return svc != NULL ? sheet_svc_table(gw_services_state(svc,
	    &sheet_service)) : NULL;
}

/* Prints t (or exports it), audits the reading as what; exit code. */
static int
output(struct cli_ctx *ctx, const struct opts *o, struct table *t,
    const char *what)
{
	int rc;

	if (t == NULL) {
		fprintf(ctx->err, "stafeta cases: %s\n",
		    store_errmsg(ctx->store));
		return 1;
	}
	rc = cli_table_output(ctx, &o->out, t);
	table_free(t);
	if (rc == 0 && store_audit(ctx->store, cli_operator(ctx, o->by), "cli",
	    o->out.path != NULL ? "export" : "view", what,
	    clock_now_ms()) != 0) {
		fprintf(ctx->err, "stafeta cases: could not write the audit "
		    "log: %s\n", store_errmsg(ctx->store));
		return 1;
	}
	return rc;
}

static int
lists(struct cli_ctx *ctx, const char *sub, int argc, char **argv, int i)
{
	struct cases_filter f;
	struct opts o;
	int64_t now = clock_now_ms();
	int rc = parse_opts(ctx, argc, argv, i, &o), st;

	if (rc != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	f.worker = o.worker;
	f.village = o.village;
	f.open_only = !o.all;
	if (o.state != NULL) {
		if ((st = cases_state_parse(o.state)) < 0) {
			fprintf(ctx->err, "stafeta cases: no state \"%s\"\n",
			    o.state);
			return 2;
		}
		f.state_plus1 = st + 1;
		f.open_only = 0;
	}
	if (strcmp(sub, "due") == 0)
		return output(ctx, &o, cases_due_today(ctx->store, &f, now),
		    "cases:due");
	if (strcmp(sub, "overdue") == 0)
		return output(ctx, &o, cases_overdue(ctx->store, &f, now),
		    "cases:overdue");
	if (strcmp(sub, "workers") == 0)
		return output(ctx, &o, cases_by_worker(ctx->store, now),
		    "cases:by_worker");
	if (strcmp(sub, "villages") == 0)
		return output(ctx, &o, cases_by_village(ctx->store, now),
		    "cases:by_village");
	return output(ctx, &o, cases_list(ctx->store, &f, now), "cases:list");
}

static int
reports(struct cli_ctx *ctx, const char *sub, int argc, char **argv)
{
	struct opts o;
	int64_t year, quarter = 0;
	int rc = parse_opts(ctx, argc, argv, 2, &o);
	char what[48];

	if (rc != 0)
		return rc;
	if (o.year == NULL || parse_int64(o.year, 2000, 2100, &year) != 0 ||
	    (strcmp(sub, "quarterly") == 0 && (o.quarter == NULL ||
	    parse_int64(o.quarter, 1, 4, &quarter) != 0))) {
		cli_cases_usage(ctx->err);
		return 2;
	}
	snprintf(what, sizeof(what), "cases:%s:%lld", sub, (long long)year);
	if (strcmp(sub, "quarterly") == 0)
		return output(ctx, &o, cases_quarterly(ctx->store, (int)year,
		    (int)quarter, !o.no_suppress), what);
	return output(ctx, &o, cases_annual(ctx->store, indicator_table(ctx),
	    (int)year, !o.no_suppress, clock_now_ms()), what);
}

/* Exit code and message of an operation's status. */
static int
report(struct cli_ctx *ctx, const char *sub, int64_t id, enum cases_status s,
    const char *who)
{
	if (s == CASES_OK) {
		struct cases_row c;

		if (cases_store_get(ctx->store, id, &c) == 1) {
			fprintf(ctx->out, "case %lld: %s (%s) by %s\n",
			    (long long)id, cases_strstate(c.state), sub, who);
			cases_row_clear(&c);
		}
		return 0;
	}
	fprintf(ctx->err, "stafeta cases %s %lld: %s\n", sub, (long long)id,
	    cases_strstatus(s));
	return s == CASES_ERR_ARG || s == CASES_ERR_CODE ||
	    s == CASES_ERR_DATE ? 2 : 1;
}

static int
change(struct cli_ctx *ctx, const char *sub, int argc, char **argv)
{
	struct opts o;
	int64_t id, months = 12, now = clock_now_ms();
	enum cases_status s;
	const char *who;
	int rc;

	if (argc < 3 || parse_int64(argv[2], 1, INT64_MAX, &id) != 0) {
		cli_cases_usage(ctx->err);
		return 2;
	}
	if ((rc = parse_opts(ctx, argc, argv, 3, &o)) != 0)
		return rc;
	who = cli_operator(ctx, o.by);
	if (strcmp(sub, "assign") == 0)
		s = cases_assign(ctx->store, id, o.worker, o.village, who, now);
	else if (strcmp(sub, "ris") == 0) {
		struct cases_ris r = { o.visitor, o.role, o.date,
			o.confirm != NULL ? o.confirm : "",
			cases_conclusion_parse(o.conclusion), o.reason };

		s = cases_record_ris(ctx->store, ctx->conf,
		    indicator_table(ctx), id, &r, who, now, NULL);
	} else if (strcmp(sub, "plan") == 0) {
		struct cases_plan p;

		if (o.months != NULL &&
		    parse_int64(o.months, 1, 60, &months) != 0) {
			cli_cases_usage(ctx->err);
			return 2;
		}
		p.benefits = o.benefits;
		p.services = o.services;
		p.goal = o.goal;
		p.providers = o.providers;
		p.months = (int)months;
		s = cases_draft_plan(ctx->store, id, &p, who, now);
	} else if (strcmp(sub, "approve") == 0)
		s = o.date == NULL ? CASES_ERR_DATE : cases_approve_plan(
		    ctx->store, id, o.order, o.date, who, now, NULL);
	else if (strcmp(sub, "monitor") == 0)
		s = cases_monitor(ctx->store, id, o.visitor, o.date, o.findings,
		    o.revision, who, now, NULL);
	else if (strcmp(sub, "suspect") == 0)
		s = cases_suspect(ctx->store, ctx->conf, id, o.reason, who, now);
	else if (strcmp(sub, "notified") == 0)
		s = cases_dgaspc_notified(ctx->store, id, o.channel, o.contact,
		    who, now);
	else if (strcmp(sub, "verified") == 0)
		s = cases_dgaspc_verified(ctx->store, id, o.outcome, who, now);
	else if (strcmp(sub, "dismiss") == 0)
		s = cases_dgaspc_dismiss(ctx->store, id, o.why, who, now);
	else
		s = cases_close(ctx->store, id, o.why, who, now);
	return report(ctx, sub, id, s, who);
}

static int
show(struct cli_ctx *ctx, const char *sub, int argc, char **argv)
{
	struct opts o;
	int64_t id;
	int rc;
	struct table *t;

	if (argc < 3 || parse_int64(argv[2], 1, INT64_MAX, &id) != 0) {
		cli_cases_usage(ctx->err);
		return 2;
	}
	if ((rc = parse_opts(ctx, argc, argv, 3, &o)) != 0)
		return rc;
	if (strcmp(sub, "history") == 0) {
		char what[32];

		snprintf(what, sizeof(what), "case:%lld", (long long)id);
		return output(ctx, &o, cases_history(ctx->store, id), what);
	}
	t = cases_card(ctx->store, id, cli_operator(ctx, o.by), "cli",
	    clock_now_ms());
	if (t == NULL) {
		fprintf(ctx->err, "stafeta cases show: no case %lld\n",
		    (long long)id);
		return 1;
	}
	rc = cli_table_output(ctx, &o.out, t);
	table_free(t);
	return rc;
}

int
cli_cases_main(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const changing[] = { "assign", "ris", "plan",
		"approve", "monitor", "suspect", "notified", "verified",
		"dismiss", "close" };
	static const char *const listing[] = { "list", "due", "overdue",
		"workers", "villages" };
	const char *sub = argc >= 2 ? argv[1] : "list";

	if (argc < 2 || argv[1][0] == '-')
		return lists(ctx, "list", argc, argv, 1);
	for (size_t i = 0; i < NELEM(listing); i++) {
		if (strcmp(sub, listing[i]) == 0)
			return lists(ctx, sub, argc, argv, 2);
	}
	for (size_t i = 0; i < NELEM(changing); i++) {
		if (strcmp(sub, changing[i]) == 0)
			return change(ctx, sub, argc, argv);
	}
	if (strcmp(sub, "show") == 0 || strcmp(sub, "history") == 0)
		return show(ctx, sub, argc, argv);
	if (strcmp(sub, "quarterly") == 0 || strcmp(sub, "annual") == 0)
		return reports(ctx, sub, argc, argv);
	cli_cases_usage(ctx->err);
	return 2;
}
