/*
 * test_channel_conf.c - [channel NAME] sections and the [http] USSD
 * convention keys (config/config.c, config/config_keys.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static char err[CONFIG_ERR_LEN];

static struct gw_config *
parse(const char *text)
{
	err[0] = '\0';
	return config_parse_buffer("t.conf", text, strlen(text), "/srv/st",
	    NULL, 0, err, sizeof(err));
}

static void
expect_error(const char *text, const char *want)
{
	struct gw_config *c = parse(text);

	if (c != NULL) {
		config_free(c);
		fail_msg("accepted: %s", text);
	}
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
}

#define HTTP "[http]\nlisten = 127.0.0.1:8080\n"
#define KANNEL "[channel op1]\ntype = kannel\nsendsms_url = " \
	"http://127.0.0.1:13013/cgi-bin/sendsms\n"

static void
test_channel(void **state)
{
	struct gw_config *c;
	const struct channel_conf *cc;

	(void)state;
	c = parse(HTTP KANNEL "username = u\npassword = p\nsmsc = op\n"
	    "send_per_minute = 1200\ndaily_cap = 5000\n");
	assert_non_null(c);
	assert_int_equal(c->n_channels, 1);
	/* An operator link alone: no built-in dummy modem beside it. */
	assert_int_equal(c->n_modems, 0);
	cc = config_channel(c, "op1");
	assert_non_null(cc);
	assert_string_equal(cc->type, "kannel");
	assert_string_equal(cc->username, "u");
	assert_string_equal(cc->smsc, "op");
	assert_int_equal(cc->send_per_minute, 1200);
	assert_int_equal(cc->daily_cap, 5000);
	assert_int_equal(cc->dlr_mask, 19);
	assert_int_equal(cc->timeout_s, 10);
	assert_null(cc->callback_url);
	assert_null(config_channel(c, "op2"));
	config_free(c);
	/* Without [http] listen, a callback_url says where Kannel calls. */
	c = parse(KANNEL "callback_url = http://10.0.0.2:8080\n");
	assert_non_null(c);
	config_free(c);
	/* No channel: the dummy modem as before. */
	c = parse(HTTP);
	assert_non_null(c);
	assert_int_equal(c->n_modems, 1);
	assert_int_equal(c->n_channels, 0);
	config_free(c);
}

static void
test_channel_errors(void **state)
{
	(void)state;
	expect_error(HTTP "[channel op1]\nsendsms_url = http://h/x\n",
	    "type (type = kannel) is required");
	expect_error(HTTP "[channel op1]\ntype = kannel\n",
	    "sendsms_url");
	expect_error(HTTP "[channel op1]\ntype = smpp\n",
	    "unknown channel type");
	expect_error(HTTP KANNEL KANNEL, "duplicate channel name op1");
	expect_error(KANNEL, "set [http] listen");
	expect_error(HTTP "[channel]\ntype = kannel\n", "bad channel name");
	expect_error(HTTP "[channel a b]\n", "bad channel name");
	expect_error(HTTP "[channel op1]\nsendsms_url = https://h/\n",
	    "not an http:// URL");
	expect_error(HTTP "[channel op1]\nsendsms_url = http://h/ x\n",
	    "not an http:// URL");
	expect_error(HTTP KANNEL "dlr_mask = 32\n", "dlr_mask");
	expect_error(HTTP KANNEL "device = /dev/ttyUSB0\n",
	    "unknown key \"device\" in [channel op1]");
	expect_error(HTTP "[modem op1]\nmodel = dummy\nconnection = none\n"
	    "device = m\n" KANNEL, "has the name of a modem");
}

static void
test_ussd_keys(void **state)
{
	struct gw_config *c;

	(void)state;
	c = parse(HTTP "ussd_routes = /ussd/json=json, /a/get=get\n");
	assert_non_null(c);
	assert_string_equal(c->http_ussd_convention, "form");
	assert_int_equal(c->n_http_ussd_routes, 2);
	assert_string_equal(c->http_ussd_routes[1], "/a/get=get");
	config_free(c);
	c = parse(HTTP "ussd_convention = json\n");
	assert_non_null(c);
	assert_string_equal(c->http_ussd_convention, "json");
	config_free(c);
	expect_error(HTTP "ussd_convention = xml\n", "unknown convention");
	expect_error(HTTP "ussd_routes = /x=xml\n", "unknown convention");
	expect_error(HTTP "ussd_routes = x=json\n", "PATH=CONVENTION");
	expect_error(HTTP "ussd_routes = /ussd=json\n", "PATH=CONVENTION");
	expect_error(HTTP "ussd_routes = /kannel/mo=json\n",
	    "PATH=CONVENTION");
	expect_error(HTTP "ussd_routes = /a?b=json\n", "PATH=CONVENTION");
	expect_error(HTTP "ussd_routes = /json\n", "PATH=CONVENTION");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_channel),
		cmocka_unit_test(test_channel_errors),
		cmocka_unit_test(test_ussd_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
