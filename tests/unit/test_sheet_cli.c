/*
 * test_sheet_cli.c - `stafeta reporter` and `stafeta sheets` run in
 * process against a temporary database, with stdout captured: enrolment
 * (profession aliases, duplicate phone, PIN never printed), the CSV
 * export header contract and values, list filters, show, and visit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "util.h"
#include "test_db.h"

#define EXPORT_HEAD                                                      \
	"sheet_no,household,reporter_phone,received_at,channel,risk_count," \
	"urgent,"

struct fixture {
	char path[64];
	struct store *st;
	struct gw_config conf;
	struct sheet_conf sc;	/* its [sheets] section */
	struct cli_ctx ctx;
	struct sheet_table *t;
	char out[65536];
};

static int setup(void **);
static int teardown(void **);
static int run(struct fixture *, const char *, ...);
static void submit(struct fixture *, const char *, const char *, int64_t);

static int
setup(void **state)
{
	struct fixture *f;
	char err[256];

	setenv("TZ", "UTC", 1);
	tzset();
	log_init(LOG_LEVEL_ERROR, "test");
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strlcpy_s(f->path, "/tmp/test_sheet_cli.XXXXXX", sizeof(f->path));
	f->st = test_db_open(f->path);
	test_db_apply(f->st, sheet_migrations);
	f->t = sheet_table_load("flows/sheet/indicators.csv", err, sizeof(err));
	if (f->t == NULL)
		fail_msg("%s", err);
	f->conf.sections[0] = &sheet_config_section;
	f->conf.section_data[0] = &f->sc;
	f->conf.n_sections = 1;
	f->sc.county_code = 22;
	f->sc.indicators = (char *)(uintptr_t)"flows/sheet/indicators.csv";
	f->conf.default_country = (char *)(uintptr_t)"40";
	f->sc.commune = (char *)(uintptr_t)"Tinca";
	f->ctx.conf = &f->conf;
	f->ctx.store = f->st;
	f->ctx.out = stdout;
	f->ctx.err = stderr;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	sheet_table_free(f->t);
	gw_services_free(f->ctx.services);
	store_close(f->st);
	test_db_remove(f->path);
	free(f);
	return 0;
}

/*
 * Runs "stafeta ARGS..." (NULL-terminated) in process; stdout goes to
 * f->out, stderr is left alone.  Returns the exit code.
 */
static int
run(struct fixture *f, const char *cmd, ...)
{
	char *argv[32];
	int argc = 0, saved, fd, rc;
	char tmp[] = "/tmp/test_sheet_cli_out.XXXXXX";
	va_list ap;
	ssize_t n;

	argv[argc++] = (char *)(uintptr_t)cmd;
	va_start(ap, cmd);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (strcmp(cmd, "reporter") == 0)
		rc = cli_reporter_main(&f->ctx, argc, argv);
	else
		rc = cli_sheets_main(&f->ctx, argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, f->out, sizeof(f->out) - 1);
	f->out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmp);
	return rc;
}

static void
submit(struct fixture *f, const char *phone, const char *msg, int64_t now)
{
	struct sheet_reporter r;
	struct sheet_report rep;
	struct sheet_perror e;
	struct sheet_submit_result res;

	assert_int_equal(sheet_store_reporter_find(f->st, phone, &r), 1);
	assert_int_equal(sheet_grammar_parse(f->t, msg, strlen(msg), &rep, &e),
	    0);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(sheet_submit(f->st, &f->conf, f->t, r.id, "sms", &rep,
	    NULL, now, &res), 0);
	assert_int_equal(store_commit(f->st), 0);
	sheet_reporter_clear(&r);
}

static void
test_reporter_cli(void **state)
{
	struct fixture *f = *state;
	struct sheet_reporter r;

	assert_int_equal(run(f, "reporter", "add", "--phone", "0722 000 001",
	    "--name", "Ana Pop", "--profession", "teacher", "--commune",
	    "Tinca", "--pin", "2468", NULL), 0);
	assert_non_null(strstr(f->out, "+40722000001"));
	assert_null(strstr(f->out, "2468"));
	/* Aliases are stored as the short code; --x=y works too. */
	assert_int_equal(run(f, "reporter", "add", "--phone=0722000002",
	    "--name=Ion Ilie", "--profession=police_officer",
	    "--commune=Tinca", "--language=hu", "--institution=Politia",
	    NULL), 0);
	assert_int_equal(sheet_store_reporter_find(f->st, "+40722000002", &r),
	    1);
	assert_string_equal(r.profession, "police");
	assert_string_equal(r.language, "hu");
	assert_string_equal(r.institution, "Politia");
	assert_null(r.pin_hash);
	sheet_reporter_clear(&r);
	assert_int_equal(sheet_store_reporter_find(f->st, "+40722000001", &r),
	    1);
	assert_true(sheet_pin_verify("2468", r.pin_hash));
	sheet_reporter_clear(&r);
	/* Errors. */
	assert_int_equal(run(f, "reporter", "add", "--phone", "0722000001",
	    "--name", "X", "--profession", "priest", NULL), 1);
	assert_int_equal(run(f, "reporter", "add", "--phone", "0722000009",
	    "--name", "X", "--profession", "astronaut", NULL), 2);
	assert_int_equal(run(f, "reporter", "add", "--phone", "12",
	    "--name", "X", "--profession", "priest", NULL), 2);
	assert_int_equal(run(f, "reporter", "add", "--phone", "0722000009",
	    "--name", "X", "--profession", "priest", "--pin", "12", NULL), 2);
	assert_int_equal(run(f, "reporter", "add", "--phone", "0722000009",
	    "--profession", "priest", NULL), 2);
	/* The commune defaults to the gateway's. */
	assert_int_equal(run(f, "reporter", "add", "--phone", "0722000003",
	    "--name", "Pr. Vasile", "--profession", "spas_worker", NULL), 0);
	assert_int_equal(run(f, "reporter", "list", "--csv", NULL), 0);
	assert_int_equal(strncmp(f->out, "phone,name,profession,institution,"
	    "commune,language,active,pin,enrolled_at,id\r\n", 76), 0);
	assert_non_null(strstr(f->out, "+40722000003,Pr. Vasile,spas,,Tinca,"
	    "ro,1,none,"));
	assert_null(strstr(f->out, "pbkdf2"));
	assert_int_equal(run(f, "reporter", "disable", "0722000002", NULL), 0);
	assert_int_equal(run(f, "reporter", "disable", "0722000099", NULL), 1);
	assert_int_equal(run(f, "reporter", "list", NULL), 0);
	assert_non_null(strstr(f->out, "disabled"));
	assert_int_equal(run(f, "reporter", "pin", "0722000002", "9753",
	    NULL), 0);
	assert_int_equal(run(f, "reporter", "enable", "0722000002", NULL), 0);
	assert_int_equal(run(f, "reporter", "bogus", NULL), 2);
}

static void
test_sheets_cli(void **state)
{
	struct fixture *f = *state;
	char want[4096];
	int64_t now = clock_now_ms();

	assert_int_equal(run(f, "reporter", "add", "--phone", "0722000001",
	    "--name", "Ana Pop", "--profession", "teacher", NULL), 0);
	submit(f, "+40722000001", "FO 48219303 1a1 2b 4c2d", now);
	submit(f, "+40722000001", "FO NOU 6b2 U", now);
	/* Old enough to be overdue; another county so that its number does
	 * not depend on whether 80 hours ago was still this year. */
	f->sc.county_code = 8;
	submit(f, "+40722000001", "FO 73051267 5a", now - 80 * 3600 * 1000LL);
	f->sc.county_code = 22;

	/* The export header: the contract, then every indicator id. */
	assert_int_equal(run(f, "sheets", "export", "--csv", NULL), 0);
	strlcpy_s(want, EXPORT_HEAD, sizeof(want));
	for (size_t i = 0; i < sheet_table_count(f->t); i++) {
		strlcpy_s(want + strlen(want), sheet_table_at(f->t, i)->id,
		    sizeof(want) - strlen(want));
		strlcpy_s(want + strlen(want), i + 1 < sheet_table_count(f->t) ?
		    "," : "\r\n", sizeof(want) - strlen(want));
	}
	assert_int_equal(strncmp(f->out, want, strlen(want)), 0);
	assert_non_null(strstr(want, ",eco_poverty_monetary,"));
	assert_non_null(strstr(want, ",beh_teen_substance_violence\r\n"));
	/* Rows: oldest first; 1/0/9 values in table order. */
	assert_non_null(strstr(f->out, "\r\n08-001,73051267,+40722000001,"));
	assert_non_null(strstr(f->out, "\r\n22-001,48219303,+40722000001,"));
	assert_non_null(strstr(f->out, ",sms,4,0,1,1,0,0,9,0,"));
	assert_non_null(strstr(f->out, "\r\n22-002,NOU,+40722000001,"));
	assert_non_null(strstr(f->out, ",sms,1,1,9,9,9,"));

	assert_int_equal(run(f, "sheets", "list", NULL), 0);
	assert_non_null(strstr(f->out, "22-001"));
	assert_non_null(strstr(f->out, "OVERDUE"));
	assert_int_equal(run(f, "sheets", "list", "--overdue", "--csv", NULL),
	    0);
	assert_null(strstr(f->out, "22-001"));
	assert_non_null(strstr(f->out, "08-001"));
	assert_int_equal(run(f, "sheets", "list", "--needs-visit", NULL), 0);
	assert_non_null(strstr(f->out, "22-002"));
	assert_int_equal(run(f, "sheets", "list", "--reporter", "0722000009",
	    NULL), 0);
	assert_non_null(strstr(f->out, "(no sheets)"));
	assert_int_equal(run(f, "sheets", "list", "--commune", "TINCA",
	    "--new", NULL), 0);
	assert_non_null(strstr(f->out, "22-001"));

	assert_int_equal(run(f, "sheets", "show", "22-001", NULL), 0);
	assert_non_null(strstr(f->out, "sheet 22-001"));
	assert_non_null(strstr(f->out, "edu_child_dropout_risk"));
	assert_non_null(strstr(f->out, "3 SANATATE     not assessed (9)"));
	assert_int_equal(run(f, "sheets", "show", "22001", NULL), 0);
	assert_int_equal(run(f, "sheets", "show", "1", NULL), 0);
	assert_non_null(strstr(f->out, "sheet 22-001"));
	assert_int_equal(run(f, "sheets", "show", "22-999", NULL), 1);
	assert_int_equal(run(f, "sheets", "show", "x", NULL), 1);

	/* A day before the sheet arrived is refused (issue 11). */
	assert_int_equal(run(f, "sheets", "visit", "22-001", "--scheduled",
	    "2020-01-01", NULL), 1);
	assert_int_equal(run(f, "sheets", "visit", "22-001", "--scheduled",
	    "2099-11-24", NULL), 0);
	assert_int_equal(run(f, "sheets", "list", "--csv", NULL), 0);
	assert_non_null(strstr(f->out, "visit_scheduled,2099-11-24"));
	assert_int_equal(run(f, "sheets", "visit", "22-001", "--done", NULL),
	    0);
	assert_int_equal(run(f, "sheets", "visit", "22-001", "--done", NULL),
	    1);
	assert_int_equal(run(f, "sheets", "visit", "22-002", "--scheduled",
	    "2026-02-30", NULL), 2);
	assert_int_equal(run(f, "sheets", "list", "--needs-visit", NULL), 0);
	assert_null(strstr(f->out, "22-001"));
	assert_int_equal(run(f, "sheets", "export", NULL), 2);
	assert_int_equal(run(f, "sheets", NULL), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reporter_cli, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sheets_cli, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
