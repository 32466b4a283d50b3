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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "phone.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

#define HOUR_MS (3600 * 1000LL)

struct list_ctx {
	struct cli_ctx *cli;
	struct sheet_table *t;	     /* export only */
	int csv;
	int n;
	int64_t now;
};

static void usage(void);
static struct sheet_table *load_table(struct cli_ctx *);
static int parse_id(struct cli_ctx *, const char *, struct store_sheet *,
    int);
static const char *household_of(const struct store_sheet *);
static int list_human_cb(const struct store_sheet *, void *);
static int list_csv_cb(const struct store_sheet *, void *);
static int export_cb(const struct store_sheet *, void *);
static int sheets_list(struct cli_ctx *, int, char **);
static int sheets_show(struct cli_ctx *, int, char **);
static int sheets_export(struct cli_ctx *, int, char **);
static int sheets_visit(struct cli_ctx *, int, char **);
static int valid_date(const char *);

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
usage(void)
{
	cli_sheets_usage(stderr);
}

static struct sheet_table *
load_table(struct cli_ctx *ctx)
{
	struct sheet_table *t;
	char err[512];

	if (sheet_conf(ctx->conf)->indicators == NULL) {
		fprintf(stderr, "stafeta sheets: no [sheets] indicators file "
		    "configured\n");
		return NULL;
	}
	t = sheet_table_load(sheet_conf(ctx->conf)->indicators, err, sizeof(err));
	if (t == NULL)
		fprintf(stderr, "stafeta sheets: %s\n", err);
	return t;
}

/*
 * Finds the sheet named by s: "AA-BBB", "AABBB" or an internal id.
 * Returns 0 with *out filled, or 1 after printing why not.
 */
static int
parse_id(struct cli_ctx *ctx, const char *s, struct store_sheet *out,
    int with_values)
{
	char aa[3], bbb[4];
	int64_t county, seq, id;
	size_t n = strlen(s);
	int rc;

	if ((n == 6 && s[2] == '-') || (n == 5 && strspn(s, "0123456789") ==
	    5)) {
		memcpy(aa, s, 2);
		aa[2] = '\0';
		memcpy(bbb, s + n - 3, 3);
		bbb[3] = '\0';
		if (parse_int64(aa, 1, 52, &county) == -1 ||
		    parse_int64(bbb, 1, SHEET_SEQ_MAX, &seq) == -1) {
			fprintf(stderr, "stafeta sheets: \"%s\" is not a "
			    "sheet number\n", s);
			return 1;
		}
		rc = store_sheet_get_by_no(ctx->store, (int)county, (int)seq,
		    with_values, out);
	} else {
		if (parse_int64(s, 1, INT64_MAX, &id) == -1) {
			fprintf(stderr, "stafeta sheets: \"%s\" is not a "
			    "sheet number or id\n", s);
			return 1;
		}
		rc = store_sheet_get(ctx->store, id, with_values, out);
	}
	if (rc == 0)
		fprintf(stderr, "stafeta sheets: no sheet %s\n", s);
	return rc == 1 ? 0 : 1;
}

static const char *
household_of(const struct store_sheet *s)
{
	return s->household != NULL ? s->household : "NOU";
}

static int
list_human_cb(const struct store_sheet *s, void *arg)
{
	struct list_ctx *l = arg;
	char no[16], when[32], due[32];

	l->n++;
	sheet_format_no(s->county, s->seq, no, sizeof(no));
	clock_fmt_utc(s->received_at / 1000, when, sizeof(when));
	if (s->any_risk && s->state != STORE_SHEET_VISITED)
		clock_fmt_utc(s->visit_deadline / 1000, due, sizeof(due));
	else
		strlcpy_s(due, "-", sizeof(due));
	printf("%-6s %-16.16s %-15s %5d %-3s %-8s %-4s %-15s %-16.16s%s%s\n",
	    no, when, store_sheet_strstate(s->state), s->risk_count,
	    s->urgent ? "U" : "", household_of(s), s->channel,
	    s->reporter_phone != NULL ? s->reporter_phone : "?", due,
	    s->any_risk && s->state != STORE_SHEET_VISITED &&
	    s->visit_deadline <= l->now ? " OVERDUE" : "",
	    s->superseded_by != 0 ? " (superseded)" : "");
	return 0;
}

static int
list_csv_cb(const struct store_sheet *s, void *arg)
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
	csv_field(stdout, household_of(s), 0);
	csv_field(stdout, s->reporter_phone, 0);
	csv_field(stdout, when, 0);
	csv_field(stdout, s->channel, 0);
	csv_field(stdout, num[0], 0);
	csv_field(stdout, num[1], 0);
	csv_field(stdout, num[2], 0);
	csv_field(stdout, store_sheet_strstate(s->state), 0);
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
	struct store_sheet_filter f;
	struct list_ctx l;
	char phone[32];
	int i, rc;

	memset(&f, 0, sizeof(f));
	memset(&l, 0, sizeof(l));
	l.cli = ctx;
	l.now = clock_now_ms();
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--new") == 0)
			f.state_plus1 = STORE_SHEET_NEW + 1;
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
			if (phone_normalize(argv[++i],
			    ctx->conf->default_country != NULL ?
			    ctx->conf->default_country : "40", phone,
			    sizeof(phone)) == -1) {
				fprintf(stderr, "stafeta sheets: \"%s\" is not "
				    "a phone number\n", argv[i]);
				return 2;
			}
			f.reporter_phone = phone;
		} else {
			usage();
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
	rc = store_sheet_list(ctx->store, &f, l.csv ? list_csv_cb :
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
	struct store_sheet s;
	struct store_reporter rep;
	struct sheet_table *t;
	struct sheet_report r;
	char no[16], when[32];
	int d;

	if (argc != 3) {
		usage();
		return 2;
	}
	t = load_table(ctx);
	if (t == NULL)
		return 1;
	if (parse_id(ctx, argv[2], &s, 1) != 0) {
		sheet_table_free(t);
		return 1;
	}
	sheet_values_from_store(t, &s, 0, &r);
	sheet_format_no(s.county, s.seq, no, sizeof(no));
	printf("sheet %s (id %lld, year %d)\n", no, (long long)s.id, s.year);
	printf("  family:      %s\n", s.household != NULL ? s.household :
	    "NOU (no code: call the reporter back to identify it)");
	if (store_reporter_get(ctx->store, s.reporter_id, &rep) == 1) {
		printf("  reporter:    %s, %s, %s%s%s (%s)\n", rep.name,
		    rep.profession, rep.commune, rep.institution != NULL ?
		    ", " : "", rep.institution != NULL ? rep.institution : "",
		    rep.phone);
		store_reporter_clear(&rep);
	}
	clock_fmt_utc(s.received_at / 1000, when, sizeof(when));
	printf("  received:    %s UTC by %s\n", when, s.channel);
	if (s.time_start >= 0)
		printf("  discussion:  %02d:%02d-%02d:%02d\n",
		    s.time_start / 60, s.time_start % 60, s.time_end / 60,
		    s.time_end % 60);
	printf("  state:       %s%s%s\n", store_sheet_strstate(s.state),
	    s.visit_date != NULL ? ", visit " : "",
	    s.visit_date != NULL ? s.visit_date : "");
	if (s.any_risk) {
		clock_fmt_utc(s.visit_deadline / 1000, when, sizeof(when));
		printf("  visit due:   %s UTC%s\n", when,
		    s.state != STORE_SHEET_VISITED &&
		    s.visit_deadline <= clock_now_ms() ? " (OVERDUE)" : "");
	}
	printf("  risks:       %d%s%s\n", s.risk_count,
	    s.flags > 0 ? " + \"other situation\" flags to ask about" : "",
	    s.urgent ? ", URGENT" : "");
	printf("  update:      %s%s", s.merge_kind,
	    s.supersedes != 0 ? " (supersedes id " : "");
	if (s.supersedes != 0)
		printf("%lld)", (long long)s.supersedes);
	if (s.superseded_by != 0)
		printf(", superseded by id %lld", (long long)s.superseded_by);
	printf("\n  indicators:  version %s\n", s.indicator_version);
	for (d = 1; d <= SHEET_DOMAINS; d++) {
		size_t i, n = sheet_table_count(t);
		int unknown = 0, items = 0;

		for (i = 0; i < n; i++) {
			const struct sheet_indicator *ind;

			ind = sheet_table_at(t, i);
			if (ind->domain != d || ind->status == 'L')
				continue;
			items++;
			if (r.values[i] == SHEET_VAL_UNKNOWN)
				unknown++;
		}
		printf("  %d %-12s %s\n", d, sheet_domain_name(d),
		    unknown == items ? "not assessed (9)" : unknown > 0 ?
		    "partly assessed" : "assessed");
		for (i = 0; i < n; i++) {
			const struct sheet_indicator *ind;

			ind = sheet_table_at(t, i);
			if (ind->domain != d || r.values[i] != SHEET_VAL_YES)
				continue;
			printf("      1  %-5s %-32s %s\n", ind->code, ind->id,
			    ind->label);
		}
	}
	store_sheet_clear(&s);
	sheet_table_free(t);
	return 0;
}

static int
export_cb(const struct store_sheet *s0, void *arg)
{
	struct list_ctx *l = arg;
	struct store_sheet s;
	struct sheet_report r;
	char no[16], when[32], num[2][16];
	size_t i, n = sheet_table_count(l->t);

	/* The walk gives rows without values; load them (another
	 * statement, so the walk is not disturbed). */
	memset(&s, 0, sizeof(s));
	s.id = s0->id;
	if (store_sheet_load_values(l->cli->store, &s) == -1)
		return 1;
	sheet_values_from_store(l->t, &s, 0, &r);
	store_sheet_clear(&s);
	sheet_format_no(s0->county, s0->seq, no, sizeof(no));
	clock_fmt_utc(s0->received_at / 1000, when, sizeof(when));
	snprintf(num[0], sizeof(num[0]), "%d", s0->risk_count);
	snprintf(num[1], sizeof(num[1]), "%d", s0->urgent);
	csv_field(stdout, no, 0);
	csv_field(stdout, household_of(s0), 0);
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
	struct store_sheet_filter f;
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
			usage();
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
	i = store_sheet_list(ctx->store, &f, export_cb, &l) == 0 ? 0 : 1;
	sheet_table_free(l.t);
	return (int)i;
}

/* YYYY-MM-DD naming a real calendar day. */
static int
valid_date(const char *s)
{
	struct tm tm;
	int64_t y, m, d;
	char buf[8];
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	memcpy(buf, s, 4);
	buf[4] = '\0';
	if (parse_int64(buf, 2000, 2100, &y) == -1)
		return 0;
	memcpy(buf, s + 5, 2);
	buf[2] = '\0';
	if (parse_int64(buf, 1, 12, &m) == -1)
		return 0;
	if (parse_int64(s + 8, 1, 31, &d) == -1)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return tm.tm_mday == d && tm.tm_mon == m - 1;
}

static int
sheets_visit(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_sheet s;
	const char *date = NULL;
	char no[16];
	int done = 0, next, hops = 0;

	if (argc == 4 && strcmp(argv[3], "--done") == 0)
		done = 1;
	else if (argc == 5 && strcmp(argv[3], "--scheduled") == 0)
		date = argv[4];
	else if (argc == 4 && strncmp(argv[3], "--scheduled=", 12) == 0)
		date = argv[3] + 12;
	else {
		usage();
		return 2;
	}
	if (date != NULL && !valid_date(date)) {
		fprintf(stderr, "stafeta sheets visit: \"%s\" is not a date "
		    "(YYYY-MM-DD)\n", date);
		return 2;
	}
	if (store_begin(ctx->store) == -1)
		return 1;
	if (parse_id(ctx, argv[2], &s, 0) != 0) {
		store_rollback(ctx->store);
		return 1;
	}
	/* An older number of the family's cycle: act on the current row. */
	while (s.superseded_by != 0 && hops++ < 64) {
		int64_t next_id = s.superseded_by;

		store_sheet_clear(&s);
		if (store_sheet_get(ctx->store, next_id, 0, &s) != 1) {
			store_rollback(ctx->store);
			return 1;
		}
	}
	sheet_format_no(s.county, s.seq, no, sizeof(no));
	if (s.state == STORE_SHEET_VISITED) {
		store_rollback(ctx->store);
		fprintf(stderr, "stafeta sheets visit: %s was already "
		    "visited\n", no);
		store_sheet_clear(&s);
		return 1;
	}
	next = done ? STORE_SHEET_VISITED : STORE_SHEET_VISIT_SCHEDULED;
	if (sheet_enter_state(ctx->store, &s, next, date, clock_now_ms()) == -1 ||
	    store_commit(ctx->store) == -1) {
		store_rollback(ctx->store);
		store_sheet_clear(&s);
		return 1;
	}
	if (strcmp(argv[2], no) != 0 && hops > 0)
		printf("%s is superseded; ", argv[2]);
	printf("sheet %s: %s%s%s\n", no, store_sheet_strstate(next),
	    date != NULL ? " " : "", date != NULL ? date : "");
	store_sheet_clear(&s);
	return 0;
}

int
cli_sheets_main(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2) {
		usage();
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
	usage();
	return 2;
}
