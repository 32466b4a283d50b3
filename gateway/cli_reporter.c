/*
 * cli_reporter.c - `stafeta reporter`: SPAS enrols the professionals who
 * may send Observation Sheets (observation-sheet.md 7.2).
 *
 *   stafeta reporter add --phone NUMBER --name NAME --profession CODE
 *       --commune NAME [--language ro|hu|en] [--pin PIN]
 *       [--institution NAME]
 *   stafeta reporter list [--csv]
 *   stafeta reporter disable PHONE
 *   stafeta reporter enable PHONE
 *   stafeta reporter pin PHONE PIN      (new USSD PIN; unlocks)
 *
 * The PIN is stored only as a salted PBKDF2 hash and is never printed.
 * The rules (professions, required fields, PIN, phone) are the sheet
 * service's (flows/sheet/sheet_reporters.c); this file parses and prints.
 * The `list --csv` columns are a contract: new ones are only appended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

static void usage(const struct cli_ctx *);
static int bad_phone(const struct cli_ctx *, enum sheet_rep_status,
    const char *);
static int opt_value(const struct cli_ctx *, int, char **, int *,
    const char *, const char **);
static int reporter_add(struct cli_ctx *, int, char **);
static int reporter_list(struct cli_ctx *, int, char **);
static int reporter_set_active(struct cli_ctx *, int, char **, int);
static int reporter_pin(struct cli_ctx *, int, char **);
static int list_csv_cb(const struct sheet_reporter *, void *);
static int list_human_cb(const struct sheet_reporter *, void *);

void
cli_reporter_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: stafeta reporter add --phone NUMBER "
	    "--name NAME --profession CODE --commune NAME\n"
	    "           [--language ro|hu|en] [--pin PIN] "
	    "[--institution NAME]\n"
	    "       stafeta reporter list [--csv]\n"
	    "       stafeta reporter disable|enable PHONE\n"
	    "       stafeta reporter pin PHONE PIN\n"
	    "professions:");
	for (i = 0; i < sheet_profession_count(); i++)
		fprintf(f, " %s", sheet_profession_at(i));
	fprintf(f, "\n");
}

static void
usage(const struct cli_ctx *ctx)
{
	cli_reporter_usage(ctx->err);
}

/* Prints the "not a phone number" message for SHEET_REP_PHONE: 1 if it
 * did (the caller exits 2), 0 otherwise. */
static int
bad_phone(const struct cli_ctx *ctx, enum sheet_rep_status rs, const char *in)
{
	if (rs != SHEET_REP_PHONE)
		return 0;
	fprintf(ctx->err, "stafeta reporter: \"%s\" is not a phone number\n",
	    in);
	return 1;
}

/*
 * Matches argv[*i] against "--name VALUE" or "--name=VALUE": 1 and *val
 * set (advancing *i), 0 if it is another option, -1 if the value is
 * missing.
 */
static int
opt_value(const struct cli_ctx *ctx, int argc, char **argv, int *i,
    const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(ctx->err, "stafeta reporter: %s needs a value\n",
		    name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

static int
reporter_add(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[] = { "--phone", "--name",
		"--profession", "--commune", "--language", "--pin",
		"--institution" };
	struct sheet_enrol o;
	struct sheet_enrolled done;
	const char **slots[NELEM(names)];
	enum sheet_rep_status rs;
	int i, rc;

	memset(&o, 0, sizeof(o));
	slots[0] = &o.phone;
	slots[1] = &o.name;
	slots[2] = &o.profession;
	slots[3] = &o.commune;
	slots[4] = &o.language;
	slots[5] = &o.pin;
	slots[6] = &o.institution;
	for (i = 2; i < argc; i++) {
		size_t k;

		for (k = 0; k < NELEM(names); k++) {
			rc = opt_value(ctx, argc, argv, &i, names[k], slots[k]);
			if (rc == -1)
				return 2;
			if (rc == 1)
				break;
		}
		if (k == NELEM(names)) {
			fprintf(ctx->err, "stafeta reporter add: unknown "
			    "argument \"%s\"\n", argv[i]);
			usage(ctx);
			return 2;
		}
	}
	rs = sheet_reporter_enrol(ctx->store, ctx->conf, &o, clock_now_ms(),
	    &done);
	switch (rs) {
	case SHEET_REP_OK:
		fprintf(ctx->out, "reporter %s enrolled (%s, %s)%s\n", done.phone,
		    done.profession, done.commune, done.with_pin ?
		    " with a USSD PIN" : "");
		return 0;
	case SHEET_REP_MISSING:
		fprintf(ctx->err, "stafeta reporter add: --phone, --name, "
		    "--profession and --commune are required\n");
		usage(ctx);
		return 2;
	case SHEET_REP_PROFESSION:
		fprintf(ctx->err, "stafeta reporter add: unknown profession "
		    "\"%s\"\n", o.profession);
		usage(ctx);
		return 2;
	case SHEET_REP_LANGUAGE:
		fprintf(ctx->err, "stafeta reporter add: --language must be ro, "
		    "hu or en\n");
		return 2;
	case SHEET_REP_PIN:
		fprintf(ctx->err, "stafeta reporter add: the PIN must be 4 to 8 "
		    "digits\n");
		return 2;
	case SHEET_REP_PHONE:
		bad_phone(ctx, rs, o.phone);
		return 2;
	case SHEET_REP_RANDOM:
		fprintf(ctx->err, "stafeta reporter add: no randomness for the "
		    "PIN salt\n");
		return 1;
	case SHEET_REP_EXISTS:
		fprintf(ctx->err, "stafeta reporter add: %s is already enrolled "
		    "(see `stafeta reporter list`)\n", done.phone);
		return 1;
	case SHEET_REP_UNKNOWN:
	case SHEET_REP_STORE:
		break;
	}
	fprintf(ctx->err, "stafeta reporter add: %s\n",
	    store_errmsg(ctx->store));
	return 1;
}

static int
list_csv_cb(const struct sheet_reporter *r, void *arg)
{
	char when[32], id[24], active[4];

	UNUSED(arg);
	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	snprintf(active, sizeof(active), "%d", r->active);
	clock_fmt_utc(r->enrolled_at / 1000, when, sizeof(when));
	csv_field(stdout, r->phone, 0);
	csv_field(stdout, r->name, 0);
	csv_field(stdout, r->profession, 0);
	csv_field(stdout, r->institution, 0);
	csv_field(stdout, r->commune, 0);
	csv_field(stdout, r->language, 0);
	csv_field(stdout, active, 0);
	csv_field(stdout, sheet_reporter_pin_state(r), 0);
	csv_field(stdout, when, 0);
	csv_field(stdout, id, 1);
	return 0;
}

static int
list_human_cb(const struct sheet_reporter *r, void *arg)
{
	char when[32];

	(*(int *)arg)++;
	clock_fmt_utc(r->enrolled_at / 1000, when, sizeof(when));
	printf("%-15s %-8s %-16s %-4s %-6s %-16.16s %.10s  %s%s%s\n", r->phone,
	    r->active ? "active" : "disabled", r->profession, r->language,
	    sheet_reporter_pin_state(r), r->commune, when, r->name,
	    r->institution != NULL ? ", " : "",
	    r->institution != NULL ? r->institution : "");
	return 0;
}

static int
reporter_list(struct cli_ctx *ctx, int argc, char **argv)
{
	int csv = 0, n = 0;

	if (argc == 3 && strcmp(argv[2], "--csv") == 0)
		csv = 1;
	else if (argc != 2) {
		usage(ctx);
		return 2;
	}
	if (csv) {
		printf("phone,name,profession,institution,commune,language,"
		    "active,pin,enrolled_at,id\r\n");
		return sheet_store_reporter_list(ctx->store, list_csv_cb,
		    NULL) == 0 ? 0 : 1;
	}
	printf("%-15s %-8s %-16s %-4s %-6s %-16s %-10s  %s\n", "PHONE",
	    "STATE", "PROFESSION", "LANG", "PIN", "COMMUNE", "ENROLLED",
	    "NAME");
	if (sheet_store_reporter_list(ctx->store, list_human_cb, &n) != 0)
		return 1;
	if (n == 0)
		printf("(no reporters; add one with `stafeta reporter "
		    "add`)\n");
	return 0;
}

static int
reporter_set_active(struct cli_ctx *ctx, int argc, char **argv, int active)
{
	enum sheet_rep_status rs;
	char phone[32];

	if (argc != 3) {
		usage(ctx);
		return 2;
	}
	rs = sheet_reporter_set_active(ctx->store, ctx->conf, argv[2], active,
	    clock_now_ms(), phone, sizeof(phone));
	if (bad_phone(ctx, rs, argv[2]))
		return 2;
	if (rs == SHEET_REP_UNKNOWN) {
		fprintf(ctx->err, "stafeta reporter: %s is not enrolled\n",
		    phone);
		return 1;
	}
	if (rs != SHEET_REP_OK)
		return 1;
	fprintf(ctx->out, "reporter %s %s\n", phone, active ? "enabled" : "disabled");
	return 0;
}

static int
reporter_pin(struct cli_ctx *ctx, int argc, char **argv)
{
	enum sheet_rep_status rs;
	char phone[32];

	if (argc != 4) {
		usage(ctx);
		return 2;
	}
	rs = sheet_reporter_set_pin(ctx->store, ctx->conf, argv[2], argv[3],
	    clock_now_ms(), phone, sizeof(phone));
	if (rs == SHEET_REP_PIN) {
		fprintf(ctx->err, "stafeta reporter pin: the PIN must be 4 to 8 "
		    "digits\n");
		return 2;
	}
	if (bad_phone(ctx, rs, argv[2]))
		return 2;
	if (rs == SHEET_REP_UNKNOWN) {
		fprintf(ctx->err, "stafeta reporter: %s is not enrolled\n",
		    phone);
		return 1;
	}
	if (rs != SHEET_REP_OK)
		return 1;
	fprintf(ctx->out, "reporter %s: new USSD PIN set\n", phone);
	return 0;
}

int
cli_reporter_main(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2) {
		usage(ctx);
		return 2;
	}
	if (strcmp(argv[1], "add") == 0)
		return reporter_add(ctx, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return reporter_list(ctx, argc, argv);
	if (strcmp(argv[1], "disable") == 0)
		return reporter_set_active(ctx, argc, argv, 0);
	if (strcmp(argv[1], "enable") == 0)
		return reporter_set_active(ctx, argc, argv, 1);
	if (strcmp(argv[1], "pin") == 0)
		return reporter_pin(ctx, argc, argv);
	usage(ctx);
	return 2;
}
