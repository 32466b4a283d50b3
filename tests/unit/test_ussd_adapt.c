/*
 * test_ussd_adapt.c - the USSD aggregator conventions (gateway/
 * gw_ussd_adapt.c): each adapter's parsing, hostile input included, and
 * its rendering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_httpd.h"
#include "gw_ussd_adapt.h"

static struct gw_ussd_call call;
static char err[128];

static int
post(const char *conv, const char *ct, const char *body, size_t len)
{
	struct gw_ussd_http h = { GW_HTTPD_POST, NULL, ct, body, len };

	return gw_ussd_adapter_find(conv)->parse(&h, &call, err, sizeof(err));
}

static int
json(const char *body)
{
	return post("json", "application/json", body, strlen(body));
}

static int
get(const char *query)
{
	struct gw_ussd_http h = { GW_HTTPD_GET, query, NULL, NULL, 0 };

	return gw_ussd_adapter_find("get")->parse(&h, &call, err,
	    sizeof(err));
}

static void
test_form(void **state)
{
	const char *b = "sessionId=s1&serviceCode=*123%23&phoneNumber="
	    "%2B40722000001&text=1*2";

	(void)state;
	assert_int_equal(post("form", NULL, b, strlen(b)), 0);
	assert_string_equal(call.req.session_id, "s1");
	assert_string_equal(call.req.service_code, "*123#");
	assert_string_equal(call.req.phone, "+40722000001");
	assert_string_equal(call.req.text, "1*2");
	assert_int_equal(call.req.input_only, 0);
	assert_int_equal(call.is_end, 0);
	b = "sessionId=s1&phoneNumber=0722000001&status=Incomplete";
	assert_int_equal(post("form", NULL, b, strlen(b)), 0);
	assert_int_equal(call.is_end, 1);
	assert_int_equal(post("form", "application/json", b, strlen(b)), 415);
	b = "sessionId=s1&phoneNumber=0722000001&status=a&status=b";
	assert_int_equal(post("form", NULL, b, strlen(b)), 400);
	b = "sessionId=s1&phoneNumber=0722000001&status=%zz";
	assert_int_equal(post("form", NULL, b, strlen(b)), 400);
	assert_int_equal(post("form", NULL, "", 0), 400);
}

static void
test_json(void **state)
{
	(void)state;
	assert_int_equal(json("{\"sessionId\":\"a-1\",\"msisdn\":"
	    "\"0722000002\",\"input\":\"*123*5#\",\"newRequest\":true}"), 0);
	assert_string_equal(call.req.session_id, "a-1");
	assert_string_equal(call.req.phone, "+40722000002");
	assert_string_equal(call.req.service_code, "*123*5#");
	assert_string_equal(call.req.text, "");
	assert_int_equal(call.req.is_new, 1);
	assert_int_equal(call.req.input_only, 1);
	/* Aliases, a number for the MSISDN, escapes, white space. */
	assert_int_equal(json(" { \"SESSIONID\" : \"b\" , \"MSISDN\" : "
	    "40722000003, \"USERDATA\": \"\\u0103 \\\"x\\\"\\n\", "
	    "\"MSGTYPE\": false, \"other\": null } "), 0);
	assert_string_equal(call.req.phone, "+40722000003");
	assert_string_equal(call.req.text, "\xc4\x83 \"x\"\n");
	assert_int_equal(call.req.is_new, 0);
	/* A surrogate pair decodes to one 4-byte character. */
	assert_int_equal(json("{\"sessionId\":\"b\",\"msisdn\":\"0722000003\","
	    "\"input\":\"\\ud83d\\ude00\"}"), 0);
	assert_string_equal(call.req.text, "\xf0\x9f\x98\x80");
	assert_int_equal(json("{\"sessionId\":\"b\",\"msisdn\":\"0722000003\","
	    "\"end\":true}"), 0);
	assert_int_equal(call.is_end, 1);
}

static void
test_json_hostile(void **state)
{
	static const char *const bad[] = {
		"", "{", "[]", "{\"sessionId\":\"b\"", "{\"sessionId\":}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\"} x",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",}",
		"{\"sessionId\":\"b\",\"msisdn\":{\"a\":1}}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",\"x\":[1]}",
		"{\"sessionId\":\"b\",\"sessionId\":\"c\",\"msisdn\":\"07\"}",
		"{\"sessionId\":\"b c\",\"msisdn\":\"0722000003\"}",
		"{\"sessionId\":\"b\",\"msisdn\":\"not a number\"}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",\"input\":"
		"\"\\u0000\"}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",\"input\":"
		"\"\\ud83d\"}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",\"input\":"
		"\"\\q\"}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",\"input\":"
		"\"\xff\"}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",\"input\":"
		"\"a\nb\"}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",\"newRequest\":"
		"\"yes\"}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",\"serviceCode\":"
		"\"*12a#\"}",
		"{\"sessionId\":\"b\",\"msisdn\":\"0722000003\",\"input\":tru}",
		"{\"sessionId\":\"b\",\"msisdn\":-}",
	};
	char big[FLOW_USSD_BODY_MAX + 64];
	const char nul[] = "{\"sessionId\":\"b\0\",\"msisdn\":\"0722000003\"}";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (json(bad[i]) != 400)
			fail_msg("accepted: %s", bad[i]);
	}
	assert_int_equal(post("json", "application/json", nul,
	    sizeof(nul) - 1), 400);
	assert_int_equal(post("json", "text/plain", "{}", 2), 415);
	assert_int_equal(post("json", "application/json", NULL, 0), 400);
	memset(big, ' ', sizeof(big));
	big[0] = '{';
	big[sizeof(big) - 1] = '}';
	assert_int_equal(post("json", "application/json", big, sizeof(big)),
	    400);
}

static void
test_get(void **state)
{
	(void)state;
	assert_int_equal(get("sessionId=g1&msisdn=%2B40722000004&op=begin&"
	    "input=*123%23"), 0);
	assert_string_equal(call.req.service_code, "*123#");
	assert_int_equal(call.req.is_new, 1);
	assert_int_equal(get("session=g1&msisdn=0722000004&op=continue&"
	    "input=da+nu"), 0);
	assert_string_equal(call.req.text, "da nu");
	assert_int_equal(call.req.is_new, 0);
	assert_int_equal(call.is_end, 0);
	assert_int_equal(get("sessionId=g1&msisdn=0722000004&op=abort"), 0);
	assert_int_equal(call.is_end, 1);
	assert_int_equal(get("sessionId=g1&msisdn=0722000004&op=end"), 0);
	assert_int_equal(call.is_end, 1);
	/* Hostile. */
	assert_int_equal(get(NULL), 400);
	assert_int_equal(get("sessionId=g1&msisdn=0722000004"), 400);
	assert_int_equal(get("sessionId=g1&msisdn=0722000004&op=jump"), 400);
	assert_int_equal(get("sessionId=g1&session=g2&msisdn=0722000004&"
	    "op=continue"), 400);
	assert_int_equal(get("sessionId=g1&msisdn=0722000004&op=continue&"
	    "input=%00"), 400);
	assert_int_equal(get("sessionId=g1&msisdn=0722000004&op=continue&"
	    "input=%f"), 400);
	assert_int_equal(get("sessionId=g1&msisdn=0722000004&op=continue&"
	    "input=%c3%28"), 400);
	assert_int_equal(get("msisdn=0722000004&op=continue"), 400);
	assert_int_equal(get("sessionId=g1&op=continue"), 400);
	assert_int_equal(get("sessionId=&msisdn=0722000004&op=continue"), 400);
}

static void
test_render(void **state)
{
	struct gw_ussd_answer a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(json("{\"sessionId\":\"r1\",\"msisdn\":\"0722000005\""
	    "}"), 0);
	gw_ussd_adapter_find("json")->render(&call, "CON 1 \"Da\"\n2 Nu", 0,
	    &a);
	assert_string_equal(a.body, "{\"sessionId\":\"r1\",\"message\":"
	    "\"1 \\\"Da\\\"\\n2 Nu\",\"continueSession\":true}\n");
	assert_string_equal(a.content_type, "application/json");
	gw_ussd_answer_clear(&a);
	gw_ussd_adapter_find("get")->render(&call, "END Gata", 1, &a);
	assert_string_equal(a.body, "Gata");
	assert_string_equal(a.header_value, "FB");
	gw_ussd_answer_clear(&a);
	gw_ussd_adapter_find("form")->render(&call, "CON x", 0, &a);
	assert_string_equal(a.body, "CON x");
	gw_ussd_answer_clear(&a);
	assert_null(gw_ussd_adapter_find("xml"));
}

static void
test_form_field(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(gw_form_field("a=1&b=x%20y", 11, "b", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "x y");
	assert_int_equal(gw_form_field("a=1", 3, "b", out, sizeof(out)), 0);
	assert_int_equal(gw_form_field("b=123456789", 11, "b", out,
	    sizeof(out)), -1);
	assert_int_equal(gw_form_field("b", 1, "b", out, sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(gw_utf8_valid("\xc0\x80", 2), 0); /* overlong */
	assert_int_equal(gw_utf8_valid("\xed\xa0\x80", 3), 0); /* surrogate */
	assert_int_equal(gw_utf8_valid("\xe2\x82", 2), 0); /* truncated */
	assert_int_equal(gw_utf8_valid("\xc8\x99", 2), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_hostile),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_form_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
