/*
 * cli_sheets.c - `stafeta sheets`: what SPAS does with the Observation
 * Sheets the gateway received (spas-followup.md 5-7).
 *
 *   stafeta sheets list [--new|--needs-visit|--overdue] [--commune NAME]
 *       [--reporter PHONE] [--all] [--csv]
 *   stafeta sheets show ID
 *   stafeta sheets export --csv [--all]
 *   stafeta sheets visit ID --done|--scheduled YYYY-MM-DD
 *
 * ID is a sheet number, "22-041" or "22041" (the newest year's), or the
 * internal id.  Lists show live sheets only (an update of a family's
 * cycle supersedes the previous row); --all adds the superseded ones.
 *
 * The export is a contract: the header starts exactly with
 * sheet_no,household,reporter_phone,received_at,channel,risk_count,urgent
 * followed by one column per indicator id of the table, in table order,
 * with values 1/0/9.  Times are UTC "YYYY-MM-DD HH:MM:SS".
 *
 * The rules (sheet references, superseded rows, open and overdue visits,
 * assessed domains, recording a visit) are the sheet service's
 * (flows/sheet/sheet_visits.c); this file parses and prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

struct list_ctx {
	struct cli_ctx *cli;
	const struct sheet_table *t; /* export only */
	int csv;
	int n;
	int64_t now;
};

static void usage(const struct cli_ctx *);
static const struct sheet_table *load_table(struct cli_ctx *);
static int find_sheet(struct cli_ctx *, const char *, struct sheet_row *,
    int);
static int ref_error(const struct cli_ctx *, enum sheet_status,
    const char *);
static int list_human_cb(const struct sheet_row *, void *);
static int list_csv_cb(const struct sheet_row *, void *);
static int export_cb(const struct sheet_row *, void *);
static int sheets_list(struct cli_ctx *, int, char **);
static int sheets_show(struct cli_ctx *, int, char **);
static int sheets_export(struct cli_ctx *, int, char **);
static int sheets_visit(struct cli_ctx *, int, char **);

void
cli_sheets_usage(FILE *f)
{
	fprintf(f, "usage: stafeta sheets list [--new|--needs-visit|"
	    "--overdue] [--commune NAME]\n"
	    "           [--reporter PHONE] [--all] [--csv]\n"
	    "       stafeta sheets show ID\n"
	    "       stafeta sheets export --csv [--all]\n"
	    "       stafeta sheets visit ID --done|--scheduled YYYY-MM-DD\n"
	    "ID: sheet number (22-041 or 22041) or internal id\n");
}

static void
usage(const struct cli_ctx *ctx)
{
	cli_sheets_usage(ctx->err);
}

/* The indicator table as the service loaded it for this configuration
 * (borrowed): the daemon and the CLI read sheets with the same table. */
static const struct sheet_table *
load_table(struct cli_ctx *ctx)
{
	struct gw_services *svc = cli_services(ctx);
	const struct sheet_table *t = NULL;

	if (svc == NULL)
		return NULL;
	t = sheet_svc_table(gw_services_state(svc, &sheet_service));
	if (t == NULL)
		fprintf(stderr, "stafeta sheets: no indicator table could be "
		    "loaded from %s (check it with stafetad -n)\n",
		    sheet_conf(ctx->conf)->indicators != NULL ?
		    sheet_conf(ctx->conf)->indicators : "[sheets] indicators");
	return t;
}

/* Prints why a sheet reference failed; 1 (the exit status). */
static int
ref_error(const struct cli_ctx *ctx, enum sheet_status e, const char *s)
{
	switch (e) {
	case SHEET_ERR_BAD_NUMBER:
		fprintf(ctx->err, "stafeta sheets: \"%s\" is not a sheet "
		    "number\n", s);
		break;
	case SHEET_ERR_BAD_REF:
		fprintf(ctx->err, "stafeta sheets: \"%s\" is not a sheet number "
		    "or id\n", s);
		break;
	case SHEET_ERR_NOT_FOUND:
		fprintf(ctx->err, "stafeta sheets: no sheet %s\n", s);
		break;
	case SHEET_OK:
	case SHEET_ERR_STORE:
	case SHEET_ERR_BAD_DATE:
	case SHEET_ERR_VISITED:
	case SHEET_ERR_BEFORE:
		break;
	}
	return 1;
}

/*
 * Finds the sheet named by s: "AA-BBB", "AABBB" or an internal id.
 * Returns 0 with *out filled, or 1 after printing why not.
 */
static int
find_sheet(struct cli_ctx *ctx, const char *s, struct sheet_row *out,
    int with_values)
{
	enum sheet_status e;

	e = sheet_lookup(ctx->store, s, with_values, out);
	if (e != SHEET_OK)
		return ref_error(ctx, e, s);
	return 0;
}

static int
list_human_cb(const struct sheet_row *s, void *arg)
{
	struct list_ctx *l = arg;
	char no[16], when[32], due[32];

	l->n++;
	sheet_format_no(s->county, s->seq, no, sizeof(no));
	clock_fmt_utc(s->received_at / 1000, when, sizeof(when));
	if (sheet_row_visit_open(s))
		clock_fmt_utc(s->visit_deadline / 1000, due, sizeof(due));
	else
		strlcpy_s(due, "-", sizeof(due));
	printf("%-6s %-16.16s %-15s %5d %-3s %-8s %-4s %-15s %-16.16s%s%s\n",
	    no, when, sheet_strstate(s->state), s->risk_count,
	    s->urgent ? "U" : "", sheet_row_household(s), s->channel,
	    s->reporter_phone != NULL ? s->reporter_phone : "?", due,
	    sheet_row_overdue(s, l->now) ? " OVERDUE" : "",
	    s->superseded_by != 0 ? " (superseded)" : "");
	return 0;
}

static int
list_csv_cb(const struct sheet_row *s, void *arg)
{
	struct list_ctx *l = arg;
	char no[16], when[32], due[32], num[8][24];

	l->n++;
	sheet_format_no(s->county, s->seq, no, sizeof(no));
	clock_fmt_utc(s->received_at / 1000, when, sizeof(when));
	clock_fmt_utc(s->visit_deadline / 1000, due, sizeof(due));
	snprintf(num[0], sizeof(num[0]), "%d", s->risk_count);
	snprintf(num[1], sizeof(num[1]), "%d", s->urgent);
	snprintf(num[2], sizeof(num[2]), "%d", s->any_risk);
	snprintf(num[3], sizeof(num[3]), "%lld", (long long)s->id);
	snprintf(num[4], sizeof(num[4]), "%lld", (long long)s->superseded_by);
	csv_field(stdout, no, 0);
	csv_field(stdout, sheet_row_household(s), 0);
	csv_field(stdout, s->reporter_phone, 0);
	csv_field(stdout, when, 0);
	csv_field(stdout, s->channel, 0);
	csv_field(stdout, num[0], 0);
	csv_field(stdout, num[1], 0);
	csv_field(stdout, num[2], 0);
	csv_field(stdout, sheet_strstate(s->state), 0);
	csv_field(stdout, s->visit_date, 0);
	csv_field(stdout, due, 0);
	csv_field(stdout, s->commune, 0);
	csv_field(stdout, num[3], 0);
	csv_field(stdout, s->superseded_by != 0 ? num[4] : "", 1);
	return 0;
}

static int
sheets_list(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sheet_filter f;
	struct list_ctx l;
	char phone[32];
	int i, rc;

	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	l.cli = ctx;
	l.now = clock_now_ms();
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--new") == 0)
			f.state_plus1 = SHEET_STATE_NEW + 1;
		else if (strcmp(argv[i], "--needs-visit") == 0)
			f.needs_visit = 1;
		else if (strcmp(argv[i], "--overdue") == 0)
			f.overdue_at = l.now;
		else if (strcmp(argv[i], "--all") == 0)
			f.all = 1;
		else if (strcmp(argv[i], "--csv") == 0)
			l.csv = 1;
		else if (strcmp(argv[i], "--commune") == 0 && i + 1 < argc)
			f.commune = argv[++i];
		else if (strcmp(argv[i], "--reporter") == 0 && i + 1 < argc) {
			if (sheet_reporter_phone(ctx->conf, argv[++i], phone,
			    sizeof(phone)) == -1) {
				fprintf(stderr, "stafeta sheets: \"%s\" is not "
				    "a phone number\n", argv[i]);
				return 2;
			}
			f.reporter_phone = phone;
		} else {
			usage(ctx);
			return 2;
		}
	}
	if (l.csv)
		printf("sheet_no,household,reporter_phone,received_at,channel,"
		    "risk_count,urgent,any_risk,state,visit_date,"
		    "visit_deadline,commune,id,superseded_by\r\n");
	else
		printf("%-6s %-16s %-15s %5s %-3s %-8s %-4s %-15s %s\n", "NO",
		    "RECEIVED (UTC)", "STATE", "RISKS", "URG", "FAMILY",
		    "CHAN", "REPORTER", "VISIT DEADLINE");
	rc = sheet_store_list(ctx->store, &f, l.csv ? list_csv_cb :
	    list_human_cb, &l);
	if (rc != 0)
		return 1;
	if (!l.csv && l.n == 0)
		printf("(no sheets)\n");
	return 0;
}

static int
sheets_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sheet_row s;
	struct sheet_reporter rep;
	const struct sheet_table *t;
	struct sheet_report r;
	char no[16], when[32];
	int d;

	if (argc != 3) {
		usage(ctx);
		return 2;
	}
	t = load_table(ctx);
	if (t == NULL)
		return 1;
	if (find_sheet(ctx, argv[2], &s, 1) != 0)
		return 1;
	sheet_values_from_store(t, &s, 0, &r);
	sheet_format_no(s.county, s.seq, no, sizeof(no));
	printf("sheet %s (id %lld, year %d)\n", no, (long long)s.id, s.year);
	printf("  family:      %s\n", s.household != NULL ? s.household :
	    "NOU (no code: call the reporter back to identify it)");
	if (sheet_store_reporter_get(ctx->store, s.reporter_id, &rep) == 1) {
		printf("  reporter:    %s, %s, %s%s%s (%s)\n", rep.name,
		    rep.profession, rep.commune, rep.institution != NULL ?
		    ", " : "", rep.institution != NULL ? rep.institution : "",
		    rep.phone);
		sheet_reporter_clear(&rep);
	}
	clock_fmt_utc(s.received_at / 1000, when, sizeof(when));
	printf("  received:    %s UTC by %s\n", when, s.channel);
	if (s.filled_at != 0) {
		clock_fmt_utc(s.filled_at / 1000, when, sizeof(when));
		printf("  filled:      %s UTC%s\n", when, s.late ?
		    " (LATE: sent more than 48 h after, D1)" : "");
	}
	if (s.household_unknown)
		printf("  register:    household code not issued by SPAS "
		    "(see stafeta tasks)\n");
	if (s.time_start >= 0)
		printf("  discussion:  %02d:%02d-%02d:%02d\n",
		    s.time_start / 60, s.time_start % 60, s.time_end / 60,
		    s.time_end % 60);
	printf("  state:       %s%s%s\n", sheet_strstate(s.state),
	    s.visit_date != NULL ? ", visit " : "",
	    s.visit_date != NULL ? s.visit_date : "");
	if (s.any_risk) {
		clock_fmt_utc(s.visit_deadline / 1000, when, sizeof(when));
		printf("  visit due:   %s UTC%s\n", when,
		    sheet_row_overdue(&s, clock_now_ms()) ? " (OVERDUE)" : "");
	}
	printf("  risks:       %d%s%s\n", s.risk_count,
	    s.flags > 0 ? " + \"other situation\" flags to ask about" : "",
	    s.urgent ? ", URGENT" : "");
	printf("  update:      %s%s", s.merge_kind,
	    s.supersedes != 0 ? " (supersedes id " : "");
	if (s.supersedes != 0)
		printf("%lld, +%d signals)", (long long)s.supersedes, s.added);
	if (s.superseded_by != 0)
		printf(", superseded by id %lld", (long long)s.superseded_by);
	printf("\n  indicators:  version %s\n", s.indicator_version);
	for (d = 1; d <= SHEET_DOMAINS; d++) {
		size_t i, n = sheet_table_count(t);
		enum sheet_assessed how = sheet_domain_assessed(t, &r, d);

		printf("  %d %-12s %s\n", d, sheet_domain_name(d),
		    how == SHEET_DOMAIN_NOT_ASSESSED ? "not assessed (9)" :
		    how == SHEET_DOMAIN_PARTLY ? "partly assessed" :
		    "assessed");
		for (i = 0; i < n; i++) {
			const struct sheet_indicator *ind;

			ind = sheet_table_at(t, i);
			if (ind->domain != d || r.values[i] != SHEET_VAL_YES)
				continue;
			printf("      1  %-5s %-32s %s\n", ind->code, ind->id,
			    ind->label);
		}
	}
	sheet_row_clear(&s);
	return 0;
}

static int
export_cb(const struct sheet_row *s0, void *arg)
{
	struct list_ctx *l = arg;
	struct sheet_report r;
	char no[16], when[32], num[2][16];
	size_t i, n = sheet_table_count(l->t);

	/* The walk gives rows without values. */
	if (sheet_row_report(l->cli->store, l->t, s0, &r) == -1)
		return 1;
	sheet_format_no(s0->county, s0->seq, no, sizeof(no));
	clock_fmt_utc(s0->received_at / 1000, when, sizeof(when));
	snprintf(num[0], sizeof(num[0]), "%d", s0->risk_count);
	snprintf(num[1], sizeof(num[1]), "%d", s0->urgent);
	csv_field(stdout, no, 0);
	csv_field(stdout, sheet_row_household(s0), 0);
	csv_field(stdout, s0->reporter_phone, 0);
	csv_field(stdout, when, 0);
	csv_field(stdout, s0->channel, 0);
	csv_field(stdout, num[0], 0);
	csv_field(stdout, num[1], n == 0);
	for (i = 0; i < n; i++) {
		char v[8];

		snprintf(v, sizeof(v), "%d", r.values[i]);
		csv_field(stdout, v, i + 1 == n);
	}
	l->n++;
	return 0;
}

static int
sheets_export(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sheet_filter f;
	struct list_ctx l;
	size_t i, n;
	int csv = 0;

	memset(&f, 0, sizeof(f));
	for (int a = 2; a < argc; a++) {
		if (strcmp(argv[a], "--csv") == 0)
			csv = 1;
		else if (strcmp(argv[a], "--all") == 0)
			f.all = 1;
		else {
			usage(ctx);
			return 2;
		}
	}
	if (!csv) {
		fprintf(stderr, "stafeta sheets export: only --csv is "
		    "supported\n");
		return 2;
	}
	memset(&l, 0, sizeof(l));
	l.cli = ctx;
	l.t = load_table(ctx);
	if (l.t == NULL)
		return 1;
	n = sheet_table_count(l.t);
	printf("sheet_no,household,reporter_phone,received_at,channel,"
	    "risk_count,urgent");
	for (i = 0; i < n; i++)
		printf(",%s", sheet_table_at(l.t, i)->id);
	printf("\r\n");
	i = sheet_store_list(ctx->store, &f, export_cb, &l) == 0 ? 0 : 1;
	return (int)i;
}

static int
sheets_visit(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sheet_visit_result res;
	enum sheet_status e;
	const char *date = NULL;
	char no[16];

	if (argc == 4 && strcmp(argv[3], "--done") == 0)
		date = NULL;
	else if (argc == 5 && strcmp(argv[3], "--scheduled") == 0)
		date = argv[4];
	else if (argc == 4 && strncmp(argv[3], "--scheduled=", 12) == 0)
		date = argv[3] + 12;
	else {
		usage(ctx);
		return 2;
	}
	e = sheet_visit_record(ctx->store, argv[2], date, clock_now_ms(),
	    &res);
	sheet_format_no(res.county, res.seq, no, sizeof(no));
	switch (e) {
	case SHEET_OK:
		break;
	case SHEET_ERR_BAD_DATE:
		fprintf(ctx->err, "stafeta sheets visit: \"%s\" is not a date "
		    "(YYYY-MM-DD)\n", date);
		return 2;
	case SHEET_ERR_VISITED:
		fprintf(ctx->err, "stafeta sheets visit: %s was already "
		    "visited\n", no);
		return 1;
	case SHEET_ERR_BEFORE:
		fprintf(ctx->err, "stafeta sheets visit: %s is before sheet "
		    "%s arrived\n", date, no);
		return 1;
	case SHEET_ERR_BAD_NUMBER:
	case SHEET_ERR_BAD_REF:
	case SHEET_ERR_NOT_FOUND:
	case SHEET_ERR_STORE:
		return ref_error(ctx, e, argv[2]);
	}
	if (strcmp(argv[2], no) != 0 && res.hops > 0)
		fprintf(ctx->out, "%s is superseded; ", argv[2]);
	fprintf(ctx->out, "sheet %s: %s%s%s\n", no, sheet_strstate(res.state),
	    date != NULL ? " " : "", date != NULL ? date : "");
	return 0;
}

int
cli_sheets_main(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2) {
		usage(ctx);
		return 2;
	}
	if (strcmp(argv[1], "list") == 0)
		return sheets_list(ctx, argc, argv);
	if (strcmp(argv[1], "show") == 0)
		return sheets_show(ctx, argc, argv);
	if (strcmp(argv[1], "export") == 0)
		return sheets_export(ctx, argc, argv);
	if (strcmp(argv[1], "visit") == 0)
		return sheets_visit(ctx, argc, argv);
	usage(ctx);
	return 2;
}
