/*
 * test_config.c - configuration parsing: defaults, every value type,
 * every kind of error with its exact "file:line: message", path
 * resolution, the implicit dummy modem, and the shipped example file.
 *
 * Run from the checkout root (make unit does); the group setup moves
 * there from build/tests/ otherwise.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "sheet.h"
#include "util.h"


#define DATA_DIR "tests/unit/data/config"
#define EXAMPLE "config/stafeta.conf.example"

static char err[CONFIG_ERR_LEN];
/* The daemon loads every service's section; these tests the sheet one. */
static const struct config_section *const test_sections[] = {
	&sheet_config_section,
};
#define SECTIONS test_sections, NELEM(test_sections)

static int group_setup(void **);
static struct gw_config *parse(const char *);
static void expect_error(const char *, const char *);

/* Moves to the checkout root if started elsewhere (build/tests/). */
static int
group_setup(void **state)
{
	char exe[4096], *slash;
	ssize_t n;

	(void)state;
	if (access(EXAMPLE, R_OK) == 0)
		return 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	if (chdir(exe) != 0 || chdir("../..") != 0)
		return -1;
	return access(EXAMPLE, R_OK) == 0 ? 0 : -1;
}

/* 1 if this test binary lives under the current (checkout) directory. */
/* Parses text as "t.conf" with state dir /srv/st; NULL on error. */
static struct gw_config *
parse(const char *text)
{
	err[0] = '\0';
	return config_parse_buffer("t.conf", text, strlen(text), "/srv/st",
	    SECTIONS, err, sizeof(err));
}

/* Asserts that text fails with exactly `want` as the message. */
static void
expect_error(const char *text, const char *want)
{
	struct gw_config *c = parse(text);

	if (c != NULL) {
		config_free(c);
		fail_msg("accepted: %s", text);
	}
	assert_string_equal(err, want);
}

static void
test_defaults(void **state)
{
	struct gw_config *c;

	(void)state;
	c = parse("");
	assert_non_null(c);
	assert_string_equal(c->path, "t.conf");
	assert_string_equal(c->state_dir, "/srv/st");
	assert_string_equal(c->database, "/srv/st/stafeta.db");
	assert_int_equal(c->log_level, LOG_LEVEL_INFO);
	assert_string_equal(c->language, "ro");
	assert_int_equal(c->n_admin_numbers, 0);
	assert_non_null(c->admin_numbers);
	assert_null(c->admin_numbers[0]);
	assert_string_equal(c->default_country, "40");
	assert_int_equal(c->send_max_attempts, 5);
	assert_int_equal(c->send_retry_base_s, 30);
	assert_int_equal(c->send_max_age_s, 86400);
	assert_int_equal(c->multipart_timeout_s, 3600);
	assert_int_equal(c->watchdog_s, 60);
	assert_int_equal(c->modem_down_after, 3);
	assert_null(c->http_listen);
	assert_null(c->http_secret);
	assert_int_equal(c->n_http_allow, 0);
	assert_non_null(c->flows_dir);
	assert_true(c->flows_dir[0] == '/');
	assert_int_equal(c->session_reprompt_s, 3600);
	assert_int_equal(c->session_expiry_s, 86400);
	assert_int_equal(c->ussd_timeout_s, 180);
	assert_int_equal(sheet_conf(c)->county_code, 0);
	assert_null(sheet_conf(c)->commune);
	assert_non_null(sheet_conf(c)->indicators);
	assert_int_equal(sheet_conf(c)->n_spas_numbers, 0);
	assert_string_equal(sheet_conf(c)->digest_time, "18:00");
	config_free(c);
	config_free(NULL);
}

/* A build run from its checkout uses the checkout's flows/; nothing
 * else is searched relative to the binary (an installed one uses
 * STAFETA_DATADIR only). */
static void
test_flows_default(void **state)
{
	struct gw_config *c;
	char *want;

	(void)state;
	c = parse("");
	assert_non_null(c);
	want = xasprintf("%s/flows", STAFETA_SRCDIR);
	assert_string_equal(c->flows_dir, want);
	free(want);
	want = xasprintf("%s/sheet/indicators.csv", c->flows_dir);
	assert_string_equal(sheet_conf(c)->indicators, want);
	free(want);
	config_free(c);

	c = parse("[flows]\ndir = myflows\n[sheets]\nindicators = /x/i.csv\n");
	assert_non_null(c);
	assert_string_equal(c->flows_dir, "/srv/st/myflows");
	assert_string_equal(sheet_conf(c)->indicators, "/x/i.csv");
	config_free(c);

	c = parse("[flows]\ndir = /opt/f\n");
	assert_non_null(c);
	assert_string_equal(sheet_conf(c)->indicators, "/opt/f/sheet/indicators.csv");
	config_free(c);
}

static void
test_modem_defaults(void **state)
{
	struct gw_config *c;
	const struct modem_conf *m;

	(void)state;
	c = parse("[modem usb0]\ndevice = /dev/ttyUSB0\n");
	assert_non_null(c);
	assert_int_equal(c->n_modems, 1);
	m = config_modem(c, "usb0");
	assert_non_null(m);
	assert_ptr_equal(m, &c->modems[0]);
	assert_null(config_modem(c, "usb1"));
	assert_string_equal(m->device, "/dev/ttyUSB0");
	assert_string_equal(m->connection, "at");
	assert_string_equal(m->model, "");
	assert_null(m->sim_pin);
	assert_int_equal(m->poll_ms, 250);
	assert_int_equal(m->send_per_minute, 30);
	assert_int_equal(m->daily_cap, 0);
	assert_int_equal(m->delivery_reports, 1);
	assert_null(m->balance_ussd);
	assert_null(m->balance_regex);
	assert_true(m->low_credit > 1.99 && m->low_credit < 2.01);
	assert_int_equal(m->balance_every_s, 21600);
	assert_int_equal(m->line, 1);
	assert_int_equal(m->implicit, 0);
	config_free(c);
}

static void
test_types(void **state)
{
	struct gw_config *c;
	const struct modem_conf *m;

	(void)state;
	c = parse("# comment\n"
		  "; other comment\n"
		  "\n"
		  "[gateway]\n"
		  "  log_level = debug   # inline comment\n"
		  "language=hu\n"
		  "database = \"  spaced #name.db \"\n"
		  "admin_numbers = 0722 123 456, +40 733 000 111 ,, 0040744000222,\n"
		  "default_country = 36\n"
		  "[http]\n"
		  "listen = [::1]:8080\n"
		  "secret = \"a \\\"quoted\\\" secret\"\n"
		  "allow = 127.0.0.1 , ::1,10.0.0.7\n"
		  "[sheets]\n"
		  "county_code = 52\n"
		  "commune = Apața\n"
		  "digest_time = 7:05\n"
		  "spas_numbers = +40268000000\n"
		  "[modem m-1_X]\n"
		  "device = /dev/ttyUSB0\n"
		  "delivery_reports = off\n"
		  "low_credit = 0.5\n"
		  "sim_pin = 0000\n"
		  "balance_ussd = *133#\n"
		  "balance_regex = \"Credit: ([0-9]+[.,][0-9]+) #x\"\n"
		  "model = \"\"\n");
	assert_non_null(c);
	assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
	assert_string_equal(c->language, "hu");
	assert_string_equal(c->database, "/srv/st/  spaced #name.db ");
	assert_int_equal(c->n_admin_numbers, 3);
	/* National numbers use default_country, wherever it is set. */
	assert_string_equal(c->admin_numbers[0], "+36722123456");
	assert_string_equal(c->admin_numbers[1], "+40733000111");
	assert_string_equal(c->admin_numbers[2], "+40744000222");
	assert_null(c->admin_numbers[3]);
	assert_string_equal(c->http_listen, "[::1]:8080");
	assert_string_equal(c->http_secret, "a \"quoted\" secret");
	assert_int_equal(c->n_http_allow, 3);
	assert_string_equal(c->http_allow[0], "127.0.0.1");
	assert_string_equal(c->http_allow[1], "::1");
	assert_string_equal(c->http_allow[2], "10.0.0.7");
	assert_int_equal(sheet_conf(c)->county_code, 52);
	assert_string_equal(sheet_conf(c)->commune, "Apața");
	assert_string_equal(sheet_conf(c)->digest_time, "07:05");
	assert_int_equal(sheet_conf(c)->n_spas_numbers, 1);
	assert_string_equal(sheet_conf(c)->spas_numbers[0], "+40268000000");
	m = config_modem(c, "m-1_X");
	assert_non_null(m);
	assert_int_equal(m->delivery_reports, 0);
	assert_true(m->low_credit > 0.49 && m->low_credit < 0.51);
	assert_string_equal(m->sim_pin, "0000");
	assert_string_equal(m->balance_ussd, "*133#");
	assert_string_equal(m->balance_regex, "Credit: ([0-9]+[.,][0-9]+) #x");
	assert_string_equal(m->model, "");
	config_free(c);
}

static void
test_bools(void **state)
{
	static const char *const yes[] = { "yes", "YES", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "Off", "0" };
	struct gw_config *c;
	char *text;

	(void)state;
	for (size_t i = 0; i < NELEM(yes); i++) {
		text = xasprintf("[modem a]\ndevice=x\ndelivery_reports=%s\n",
		    yes[i]);
		c = parse(text);
		assert_non_null(c);
		assert_int_equal(c->modems[0].delivery_reports, 1);
		config_free(c);
		free(text);
	}
	for (size_t i = 0; i < NELEM(no); i++) {
		text = xasprintf("[modem a]\ndevice=x\ndelivery_reports=%s\n",
		    no[i]);
		c = parse(text);
		assert_non_null(c);
		assert_int_equal(c->modems[0].delivery_reports, 0);
		config_free(c);
		free(text);
	}
	expect_error("[modem a]\ndevice=x\ndelivery_reports=maybe\n",
	    "t.conf:3: delivery_reports must be yes or no (or true/false, "
	    "on/off, 1/0)");
}

static void
test_int_bounds(void **state)
{
	struct gw_config *c;

	(void)state;
	c = parse("[modem a]\ndevice=x\npoll_ms = 20\n"
		  "[modem b]\ndevice=y\npoll_ms = 60000\n");
	assert_non_null(c);
	assert_int_equal(c->modems[0].poll_ms, 20);
	assert_int_equal(c->modems[1].poll_ms, 60000);
	config_free(c);
	expect_error("[modem a]\ndevice=x\npoll_ms = 19\n",
	    "t.conf:3: poll_ms must be an integer between 20 and 60000");
	expect_error("[modem a]\ndevice=x\npoll_ms = 60001\n",
	    "t.conf:3: poll_ms must be an integer between 20 and 60000");
	expect_error("[modem a]\ndevice=x\npoll_ms = 250ms\n",
	    "t.conf:3: poll_ms must be an integer between 20 and 60000");
	expect_error("[modem a]\ndevice=x\npoll_ms =\n",
	    "t.conf:3: poll_ms must be an integer between 20 and 60000");
	expect_error("[queue]\nsend_max_attempts = 0\n",
	    "t.conf:2: send_max_attempts must be an integer between 1 and 100");
	expect_error("[queue]\n\nwatchdog_s = 99999999999999999999\n",
	    "t.conf:3: watchdog_s must be an integer between 5 and 3600");
	expect_error("[flows]\nexpiry_s = 59\n",
	    "t.conf:2: expiry_s must be an integer between 60 and 2592000");
	expect_error("[modem a]\ndevice=x\nlow_credit = -1\n",
	    "t.conf:3: low_credit must be a number between 0 and 1000000");
	expect_error("[modem a]\ndevice=x\nlow_credit = nan\n",
	    "t.conf:3: low_credit must be a number between 0 and 1000000");
}

static void
test_bad_values(void **state)
{
	(void)state;
	expect_error("[gateway]\nlog_level = verbose\n",
	    "t.conf:2: log_level must be one of error, warn, info, debug");
	expect_error("[gateway]\nlanguage = de\n",
	    "t.conf:2: language must be one of ro, hu, en");
	expect_error("[gateway]\nadmin_numbers = 0722123456, 12345\n",
	    "t.conf:2: admin_numbers: \"12345\" is not a phone number "
	    "(write +40..., 0040... or 07...)");
	expect_error("[sheets]\nspas_numbers = abc\n",
	    "t.conf:2: spas_numbers: \"abc\" is not a phone number "
	    "(write +40..., 0040... or 07...)");
	expect_error("[gateway]\ndefault_country = +40\n",
	    "t.conf:2: default_country must be a country calling code of 1 "
	    "to 3 digits without + or 00, e.g. 40");
	expect_error("[sheets]\ndigest_time = 24:00\n",
	    "t.conf:2: digest_time must be a time HH:MM between 00:00 and "
	    "23:59");
	expect_error("[sheets]\ndigest_time = 18:5\n",
	    "t.conf:2: digest_time must be a time HH:MM between 00:00 and "
	    "23:59");
	expect_error("[sheets]\ncounty_code = 40\n",
	    "t.conf:2: county_code 40 is not a county code (use 1 to 39, 41 "
	    "to 46 or 51 to 52; 0 = not configured)");
	expect_error("[sheets]\ncounty_code = 48\n",
	    "t.conf:2: county_code 48 is not a county code (use 1 to 39, 41 "
	    "to 46 or 51 to 52; 0 = not configured)");
	expect_error("[sheets]\ncounty_code = 53\n",
	    "t.conf:2: county_code must be an integer between 0 and 52");
	expect_error("[http]\nlisten = 8080\n",
	    "t.conf:2: listen must be HOST:PORT (e.g. 127.0.0.1:8080 or "
	    "[::1]:8080) with a port between 1 and 65535");
	expect_error("[http]\nlisten = localhost:0\n",
	    "t.conf:2: listen must be HOST:PORT (e.g. 127.0.0.1:8080 or "
	    "[::1]:8080) with a port between 1 and 65535");
	expect_error("[http]\nlisten = ::1:80\n",
	    "t.conf:2: listen must be HOST:PORT (e.g. 127.0.0.1:8080 or "
	    "[::1]:8080) with a port between 1 and 65535");
	expect_error("[http]\nallow = 127.0.0.1, 10.0.0.0/8\n",
	    "t.conf:2: allow: \"10.0.0.0/8\" is not an IPv4 or IPv6 address");
	expect_error("[http]\nsecret =\n",
	    "t.conf:2: secret must not be empty (remove the line to use the "
	    "default)");
	expect_error("[modem a]\ndevice=x\nsim_pin = 12\n",
	    "t.conf:3: sim_pin must be 4 to 8 digits");
	expect_error("[modem a]\ndevice=x\nbalance_ussd = credit\n",
	    "t.conf:3: balance_ussd must be a USSD code of digits, * and #, "
	    "e.g. *133#");
	expect_error("[modem a]\ndevice=x\nbalance_regex = [0-9]+\n",
	    "t.conf:3: balance_regex must have a capture group around the "
	    "amount, e.g. \"([0-9]+[.,][0-9]+)\"");
	expect_error("[modem a]\ndevice=x\nbalance_regex = ([0-9]+\n",
	    "t.conf:3: balance_regex does not compile: missing closing "
	    "parenthesis (at offset 7)");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	expect_error("[gateway]\nlog_level debug\n",
	    "t.conf:2: syntax error: expected \"key = value\", \"[section]\" "
	    "or a comment");
	expect_error("\n[gateway\n",
	    "t.conf:2: syntax error: missing ']' after section name");
	expect_error("[ ]\n", "t.conf:1: syntax error: empty section name");
	expect_error("[gateway]\n = x\n",
	    "t.conf:2: syntax error: bad key name before '='");
	expect_error("[gateway]\ndatabase = \"abc\n",
	    "t.conf:2: syntax error: unterminated quoted value");
	expect_error("[gateway]\ndatabase = \"abc\" def\n",
	    "t.conf:2: syntax error: text after closing quote");
	expect_error("log_level = info\n",
	    "t.conf:1: key log_level outside of any section (add [gateway] "
	    "above it)");
	expect_error("[gateway x]\n",
	    "t.conf:1: syntax error: section [gateway] takes no name");
	expect_error("[gateway]\n[queue]\n[gateway]\n",
	    "t.conf:3: duplicate section [gateway] (first on line 1)");
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "[gateway]\nlog_level = info\0x\n";
	struct gw_config *c;

	(void)state;
	c = config_parse_buffer("t.conf", text, sizeof(text) - 1, "/srv/st",
	    SECTIONS, err, sizeof(err));
	assert_null(c);
	assert_string_equal(err, "t.conf:2: syntax error: NUL byte in line");
}

/* Issue 9: every value must be UTF-8; the error names file:line. */
static void
test_invalid_utf8(void **state)
{
	struct gw_config *c;

	(void)state;
	/* Latin-2 "ă" (0xE3) as an old editor writes it. */
	expect_error("[gateway]\nlanguage = ro\n\n[http]\nsecret = b\xe3" "d\n",
	    "t.conf:5: value of secret is not valid UTF-8 (save the file as "
	    "UTF-8)");
	expect_error("[gateway]\nadmin_numbers = \"\xc0\xaf\"\n",
	    "t.conf:2: value of admin_numbers is not valid UTF-8 (save the "
	    "file as UTF-8)");
	expect_error("[http]\nsecret = \xed\xa0\x80\n",
	    "t.conf:2: value of secret is not valid UTF-8 (save the file as "
	    "UTF-8)");
	/* Well-formed UTF-8 (Romanian comma-below, 4-byte emoji) loads. */
	c = parse("[http]\nsecret = \xc8\x99\xc8\x9b\xf0\x9f\x98\x80\n");
	assert_non_null(c);
	config_free(c);
}

/* Issue 9: [limits] and [gateway] admin_pin. */
static void
test_limits_keys(void **state)
{
	struct gw_config *c;

	(void)state;
	c = parse("[gateway]\n");
	assert_non_null(c);
	assert_int_equal(c->limit_replies_per_hour, 30);
	assert_int_equal(c->limit_silence_s, 3600);
	assert_int_equal(c->n_limit_exempt, 0);
	assert_null(c->admin_pin);
	config_free(c);
	c = parse("[gateway]\nadmin_pin = 4711\n[limits]\nreplies_per_hour = 5\n"
	    "silence_s = 600\nexempt_numbers = 0722000001, +40722000002\n");
	assert_non_null(c);
	assert_string_equal(c->admin_pin, "4711");
	assert_int_equal(c->limit_replies_per_hour, 5);
	assert_int_equal(c->limit_silence_s, 600);
	assert_int_equal(c->n_limit_exempt, 2);
	assert_string_equal(c->limit_exempt[0], "+40722000001");
	config_free(c);
	expect_error("[gateway]\nadmin_pin = 12ab\n",
	    "t.conf:2: admin_pin must be 4 to 8 digits");
}

/* config/ knows no service: [sheets] exists only when the sheet service
 * hands its section in, and its keys land in the service's struct. */
static void
test_service_sections(void **state)
{
	static const char text[] = "[sheets]\ncounty_code = 8\n"
	    "spas_numbers = 0740 000 001\n";
	struct gw_config *c;

	(void)state;
	c = config_parse_buffer("t.conf", text, strlen(text), "/srv/st", NULL,
	    0, err, sizeof(err));
	assert_null(c);
	assert_string_equal(err, "t.conf:1: unknown section [sheets] (known: "
	    "gateway, store, limits, queue, http, metrics, web, flows, retention, modem "
	    "NAME)");
	c = parse(text);
	assert_non_null(c);
	assert_non_null(config_section_data(c, &sheet_config_section));
	assert_int_equal(sheet_conf(c)->county_code, 8);
	assert_string_equal(sheet_conf(c)->spas_numbers[0], "+40740000001");
	config_free(c);
	/* Loaded without the section, the service reads "not configured". */
	c = config_parse_buffer("t.conf", "", 0, "/srv/st", NULL, 0, err,
	    sizeof(err));
	assert_non_null(c);
	assert_null(config_section_data(c, &sheet_config_section));
	assert_int_equal(sheet_conf(c)->county_code, 0);
	config_free(c);
}

static void
test_unknown(void **state)
{
	(void)state;
	expect_error("[gateway]\n[foo]\n",
	    "t.conf:2: unknown section [foo] (known: gateway, store, limits, queue, "
	    "http, metrics, web, flows, retention, sheets, modem NAME)");
	expect_error("[gateway]\nloglevel = info\n",
	    "t.conf:2: unknown key \"loglevel\" in [gateway] (did you mean "
	    "log_level?)");
	expect_error("[gateway]\nverbose = yes\n",
	    "t.conf:2: unknown key \"verbose\" in [gateway]");
	expect_error("[modem m1]\ndevice = x\npolms = 10\n",
	    "t.conf:3: unknown key \"polms\" in [modem m1] (did you mean "
	    "poll_ms?)");
	/* A modem key is not a [gateway] key. */
	expect_error("[gateway]\npoll_ms = 10\n",
	    "t.conf:2: unknown key \"poll_ms\" in [gateway]");
}

static void
test_duplicates(void **state)
{
	struct gw_config *c;

	(void)state;
	expect_error("[modem m1]\npoll_ms = 100\ndevice = x\npoll_ms = 200\n",
	    "t.conf:4: duplicate key poll_ms (first set on line 2)");
	expect_error("[queue]\nwatchdog_s = 10\n\nwatchdog_s = 10\n",
	    "t.conf:4: duplicate key watchdog_s (first set on line 2)");
	expect_error("[modem m1]\ndevice = x\n[modem m2]\ndevice = y\n"
		     "[modem m1]\n",
	    "t.conf:5: duplicate modem name m1 (first on line 1)");
	/* The same key in two modems is fine. */
	c = parse("[modem m1]\ndevice = x\n[modem m2]\ndevice = y\n");
	assert_non_null(c);
	assert_int_equal(c->n_modems, 2);
	assert_int_equal(c->modems[1].line, 3);
	config_free(c);
}

static void
test_modem_names(void **state)
{
	(void)state;
	expect_error("[modem]\n",
	    "t.conf:1: bad modem name \"\": write [modem NAME] with 1 to 32 "
	    "letters, digits, _ or -");
	expect_error("[modem a b]\n",
	    "t.conf:1: bad modem name \"a b\": write [modem NAME] with 1 to 32 "
	    "letters, digits, _ or -");
	expect_error("[modem m.1]\n",
	    "t.conf:1: bad modem name \"m.1\": write [modem NAME] with 1 to 32 "
	    "letters, digits, _ or -");
	expect_error("[modem abcdefghijklmnopqrstuvwxyz0123456]\n",
	    "t.conf:1: bad modem name \"abcdefghijklmnopqrstuvwxyz0123456\": "
	    "write [modem NAME] with 1 to 32 letters, digits, _ or -");
	expect_error("[gateway]\n\n[modem m1]\nmodel = dummy\n",
	    "t.conf:3: modem m1: device is required (e.g. device = "
	    "/dev/ttyUSB0)");
	expect_error("[modem m1]\ndevice =\n",
	    "t.conf:2: device must not be empty (remove the line to use the "
	    "default)");
}

static void
test_dummy_device(void **state)
{
	struct gw_config *c;

	(void)state;
	c = parse("[modem d]\nmodel = dummy\ndevice = ./modem-d\n"
		  "[modem e]\nmodel = dummy\ndevice = /abs/e\n"
		  "[modem r]\ndevice = ttyUSB0\n");
	assert_non_null(c);
	assert_string_equal(config_modem(c, "d")->device, "/srv/st/modem-d");
	assert_string_equal(config_modem(c, "e")->device, "/abs/e");
	/* Only dummy devices are files of ours. */
	assert_string_equal(config_modem(c, "r")->device, "ttyUSB0");
	config_free(c);
}

static void
test_implicit_modem(void **state)
{
	struct gw_config *c;
	const struct modem_conf *m;

	(void)state;
	c = parse("[gateway]\nlog_level = warn\n");
	assert_non_null(c);
	assert_int_equal(c->n_modems, 1);
	m = config_modem(c, "dummy0");
	assert_non_null(m);
	assert_int_equal(m->implicit, 1);
	assert_string_equal(m->model, "dummy");
	assert_string_equal(m->connection, "none");
	assert_string_equal(m->device, "/srv/st/modem-dummy0");
	assert_int_equal(m->poll_ms, 250);
	config_free(c);
}

static void
test_state_dir(void **state)
{
	static const char text[] = "[gateway]\nstate_dir = /var/x/\n"
				   "database = db/s.db\n";
	struct gw_config *c;
	char cwd[4096], *want;

	(void)state;
	/* -S wins over the file. */
	c = parse(text);
	assert_non_null(c);
	assert_string_equal(c->state_dir, "/srv/st");
	assert_string_equal(c->database, "/srv/st/db/s.db");
	config_free(c);
	/* Without -S, the file's (trailing slash dropped). */
	c = config_parse_buffer("t.conf", text, strlen(text), NULL, SECTIONS,
	    err,
	    sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->state_dir, "/var/x");
	assert_string_equal(c->database, "/var/x/db/s.db");
	assert_string_equal(c->modems[0].device, "/var/x/modem-dummy0");
	config_free(c);
	/* Without either, the built-in default. */
	c = config_parse_buffer("t.conf", "", 0, NULL, SECTIONS, err,
	    sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->state_dir, CONFIG_DEFAULT_STATE_DIR);
	config_free(c);
	/* A relative -S is made absolute from the current directory. */
	c = config_parse_buffer("t.conf", text, strlen(text), "rel/st",
	    SECTIONS, err,
	    sizeof(err));
	assert_non_null(c);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	want = xasprintf("%s/rel/st", cwd);
	assert_string_equal(c->state_dir, want);
	free(want);
	config_free(c);
	/* An absolute database stays. */
	c = parse("[gateway]\ndatabase = /d/x.db\n");
	assert_non_null(c);
	assert_string_equal(c->database, "/d/x.db");
	config_free(c);
}

static void
test_missing_file(void **state)
{
	struct gw_config *c;

	(void)state;
	c = config_load(DATA_DIR "/no-such.conf", "/srv/st", SECTIONS, err,
	    sizeof(err));
	assert_null(c);
	assert_string_equal(err, DATA_DIR "/no-such.conf: cannot open: "
					  "No such file or directory");
}

static void
test_example(void **state)
{
	struct gw_config *c;
	const struct modem_conf *m;
	char dir[] = "/tmp/stafeta-test-config-XXXXXX", *want;

	(void)state;
	assert_non_null(mkdtemp(dir));
	c = config_load(EXAMPLE, dir, SECTIONS, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->state_dir, dir);
	assert_int_equal(c->n_modems, 1);
	m = config_modem(c, "m1");
	assert_non_null(m);
	assert_int_equal(m->implicit, 0);
	assert_string_equal(m->model, "dummy");
	assert_string_equal(m->connection, "none");
	want = xasprintf("%s/modem-m1", dir);
	assert_string_equal(m->device, want);
	free(want);
	assert_string_equal(c->http_listen, "127.0.0.1:8080");
	assert_string_equal(c->http_secret, "change-me");
	assert_int_equal(sheet_conf(c)->county_code, 8);
	assert_string_equal(sheet_conf(c)->commune, "Apața");
	config_free(c);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * Every tests/unit/data/config/good-*.conf loads; every bad-*.conf
 * fails with the message its first line announces as
 * "# expect: :LINE: message" (the path is prepended here).
 */
static void
test_data_files(void **state)
{
	DIR *d;
	struct dirent *e;
	int good = 0, bad = 0;

	(void)state;
	d = opendir(DATA_DIR);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char *path, line[512], *want, *nl;
		struct gw_config *c;
		FILE *f;

		if (strncmp(e->d_name, "good-", 5) != 0 &&
		    strncmp(e->d_name, "bad-", 4) != 0)
			continue;
		path = xasprintf("%s/%s", DATA_DIR, e->d_name);
		c = config_load(path, "/srv/st", SECTIONS, err,
		    sizeof(err));
		if (e->d_name[0] == 'g') {
			if (c == NULL)
				fail_msg("%s", err);
			config_free(c);
			good++;
		} else {
			if (c != NULL)
				fail_msg("%s: accepted", path);
			f = fopen(path, "r");
			assert_non_null(f);
			assert_non_null(fgets(line, sizeof(line), f));
			fclose(f);
			assert_true(strncmp(line, "# expect: ", 10) == 0);
			nl = strchr(line, '\n');
			if (nl != NULL)
				*nl = '\0';
			want = xasprintf("%s%s", path, line + 10);
			assert_string_equal(err, want);
			free(want);
			bad++;
		}
		free(path);
	}
	closedir(d);
	assert_true(good >= 2);
	assert_true(bad >= 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_flows_default),
		cmocka_unit_test(test_modem_defaults),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_int_bounds),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_limits_keys),
		cmocka_unit_test(test_service_sections),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_modem_names),
		cmocka_unit_test(test_dummy_device),
		cmocka_unit_test(test_implicit_modem),
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_data_files),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
