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
 * The `list --csv` columns are a contract: new ones are only appended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "phone.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

#define PIN_HASH_MAX 192

/* Reporter categories of observation-sheet.md 1.2 and their aliases. */
static const struct {
	const char *code;  /* stored */
	const char *alias; /* also accepted, or NULL */
} professions[] = {
	{ "teacher", NULL },
	{ "priest", NULL },
	{ "family_doctor", NULL },
	{ "community_nurse", NULL },
	{ "nurse", NULL },
	{ "police", "police_officer" },
	{ "school_mediator", NULL },
	{ "health_mediator", NULL },
	{ "spas", "spas_worker" },
	{ "ngo", "ngo_specialist" },
};

struct add_opts {
	const char *phone;
	const char *name;
	const char *profession;
	const char *commune;
	const char *language;
	const char *pin;
	const char *institution;
};

static void usage(void);
static const char *profession_code(const char *);
static int normalize_phone(struct cli_ctx *, const char *, char *, size_t);
static int opt_value(int, char **, int *, const char *, const char **);
static int reporter_add(struct cli_ctx *, int, char **);
static int reporter_list(struct cli_ctx *, int, char **);
static int reporter_set_active(struct cli_ctx *, int, char **, int);
static int reporter_pin(struct cli_ctx *, int, char **);
static int list_csv_cb(const struct store_reporter *, void *);
static int list_human_cb(const struct store_reporter *, void *);
static const char *pin_state(const struct store_reporter *);

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
	for (i = 0; i < NELEM(professions); i++)
		fprintf(f, " %s", professions[i].code);
	fprintf(f, "\n");
}

static void
usage(void)
{
	cli_reporter_usage(stderr);
}

static const char *
profession_code(const char *s)
{
	size_t i;

	for (i = 0; i < NELEM(professions); i++) {
		if (strcmp(s, professions[i].code) == 0 ||
		    (professions[i].alias != NULL &&
		    strcmp(s, professions[i].alias) == 0))
			return professions[i].code;
	}
	return NULL;
}

static int
normalize_phone(struct cli_ctx *ctx, const char *in, char *out, size_t len)
{
	const char *cc = ctx->conf->default_country != NULL ?
	    ctx->conf->default_country : "40";

	if (phone_normalize(in, cc, out, len) == -1) {
		fprintf(stderr, "stafeta reporter: \"%s\" is not a phone "
		    "number\n", in);
		return -1;
	}
	return 0;
}

/*
 * Matches argv[*i] against "--name VALUE" or "--name=VALUE": 1 and *val
 * set (advancing *i), 0 if it is another option, -1 if the value is
 * missing.
 */
static int
opt_value(int argc, char **argv, int *i, const char *name, const char **val)
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
		fprintf(stderr, "stafeta reporter: %s needs a value\n", name);
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
	struct add_opts o;
	const char **slots[NELEM(names)];
	struct store_reporter r;
	char phone[32], hash[PIN_HASH_MAX];
	const char *prof;
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
			rc = opt_value(argc, argv, &i, names[k], slots[k]);
			if (rc == -1)
				return 2;
			if (rc == 1)
				break;
		}
		if (k == NELEM(names)) {
			fprintf(stderr, "stafeta reporter add: unknown "
			    "argument \"%s\"\n", argv[i]);
			usage();
			return 2;
		}
	}
	if (o.commune == NULL)
		o.commune = sheet_conf(ctx->conf)->commune;
	if (o.phone == NULL || o.name == NULL || o.profession == NULL ||
	    o.commune == NULL || o.name[0] == '\0' || o.commune[0] == '\0') {
		fprintf(stderr, "stafeta reporter add: --phone, --name, "
		    "--profession and --commune are required\n");
		usage();
		return 2;
	}
	prof = profession_code(o.profession);
	if (prof == NULL) {
		fprintf(stderr, "stafeta reporter add: unknown profession "
		    "\"%s\"\n", o.profession);
		usage();
		return 2;
	}
	if (o.language == NULL)
		o.language = "ro";
	if (strcmp(o.language, "ro") != 0 && strcmp(o.language, "hu") != 0 &&
	    strcmp(o.language, "en") != 0) {
		fprintf(stderr, "stafeta reporter add: --language must be ro, "
		    "hu or en\n");
		return 2;
	}
	if (o.pin != NULL && !sheet_pin_valid(o.pin)) {
		fprintf(stderr, "stafeta reporter add: the PIN must be 4 to 8 "
		    "digits\n");
		return 2;
	}
	if (normalize_phone(ctx, o.phone, phone, sizeof(phone)) == -1)
		return 2;
	if (o.pin != NULL && sheet_pin_hash(o.pin, hash, sizeof(hash)) == -1) {
		fprintf(stderr, "stafeta reporter add: no randomness for the "
		    "PIN salt\n");
		return 1;
	}
	memset(&r, 0, sizeof(r));
	r.phone = phone;
	r.name = (char *)(uintptr_t)o.name;
	r.profession = (char *)(uintptr_t)prof;
	r.institution = (char *)(uintptr_t)o.institution;
	r.commune = (char *)(uintptr_t)o.commune;
	r.language = (char *)(uintptr_t)o.language;
	r.pin_hash = o.pin != NULL ? hash : NULL;
	if (store_begin(ctx->store) == -1)
		return 1;
	rc = store_reporter_add(ctx->store, &r, clock_now_ms());
	if (rc == -1 || store_commit(ctx->store) == -1) {
		store_rollback(ctx->store);
		fprintf(stderr, "stafeta reporter add: %s\n",
		    store_errmsg(ctx->store));
		return 1;
	}
	memset(hash, 0, sizeof(hash));
	if (rc == 0) {
		fprintf(stderr, "stafeta reporter add: %s is already enrolled "
		    "(see `stafeta reporter list`)\n", phone);
		return 1;
	}
	printf("reporter %s enrolled (%s, %s)%s\n", phone, prof, o.commune,
	    o.pin != NULL ? " with a USSD PIN" : "");
	return 0;
}

static const char *
pin_state(const struct store_reporter *r)
{
	if (r->pin_hash == NULL)
		return "none";
	if (r->pin_failures >= SHEET_PIN_MAX_TRIES)
		return "locked";
	return "set";
}

static int
list_csv_cb(const struct store_reporter *r, void *arg)
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
	csv_field(stdout, pin_state(r), 0);
	csv_field(stdout, when, 0);
	csv_field(stdout, id, 1);
	return 0;
}

static int
list_human_cb(const struct store_reporter *r, void *arg)
{
	char when[32];

	(*(int *)arg)++;
	clock_fmt_utc(r->enrolled_at / 1000, when, sizeof(when));
	printf("%-15s %-8s %-16s %-4s %-6s %-16.16s %.10s  %s%s%s\n", r->phone,
	    r->active ? "active" : "disabled", r->profession, r->language,
	    pin_state(r), r->commune, when, r->name,
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
		usage();
		return 2;
	}
	if (csv) {
		printf("phone,name,profession,institution,commune,language,"
		    "active,pin,enrolled_at,id\r\n");
		return store_reporter_list(ctx->store, list_csv_cb, NULL) == 0 ?
		    0 : 1;
	}
	printf("%-15s %-8s %-16s %-4s %-6s %-16s %-10s  %s\n", "PHONE",
	    "STATE", "PROFESSION", "LANG", "PIN", "COMMUNE", "ENROLLED",
	    "NAME");
	if (store_reporter_list(ctx->store, list_human_cb, &n) != 0)
		return 1;
	if (n == 0)
		printf("(no reporters; add one with `stafeta reporter "
		    "add`)\n");
	return 0;
}

static int
reporter_set_active(struct cli_ctx *ctx, int argc, char **argv, int active)
{
	char phone[32];
	int rc;

	if (argc != 3) {
		usage();
		return 2;
	}
	if (normalize_phone(ctx, argv[2], phone, sizeof(phone)) == -1)
		return 2;
	if (store_begin(ctx->store) == -1)
		return 1;
	rc = store_reporter_set_active(ctx->store, phone, active, clock_now_ms());
	if (rc == -1 || store_commit(ctx->store) == -1) {
		store_rollback(ctx->store);
		return 1;
	}
	if (rc == 0) {
		fprintf(stderr, "stafeta reporter: %s is not enrolled\n",
		    phone);
		return 1;
	}
	printf("reporter %s %s\n", phone, active ? "enabled" : "disabled");
	return 0;
}

static int
reporter_pin(struct cli_ctx *ctx, int argc, char **argv)
{
	char phone[32], hash[PIN_HASH_MAX];
	int rc;

	if (argc != 4) {
		usage();
		return 2;
	}
	if (!sheet_pin_valid(argv[3])) {
		fprintf(stderr, "stafeta reporter pin: the PIN must be 4 to 8 "
		    "digits\n");
		return 2;
	}
	if (normalize_phone(ctx, argv[2], phone, sizeof(phone)) == -1)
		return 2;
	if (sheet_pin_hash(argv[3], hash, sizeof(hash)) == -1)
		return 1;
	if (store_begin(ctx->store) == -1)
		return 1;
	rc = store_reporter_set_pin(ctx->store, phone, hash, clock_now_ms());
	if (rc == -1 || store_commit(ctx->store) == -1) {
		store_rollback(ctx->store);
		return 1;
	}
	if (rc == 0) {
		fprintf(stderr, "stafeta reporter: %s is not enrolled\n",
		    phone);
		return 1;
	}
	printf("reporter %s: new USSD PIN set\n", phone);
	return 0;
}

int
cli_reporter_main(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2) {
		usage();
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
	usage();
	return 2;
}
