/*
 * test_httpguard.c - who may open an HTTP connection (gateway/
 * gw_httpguard.c), the log limiter, and the metrics registry's text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_httpd.h"
#include "gw_metrics.h"

static void
addr(const char *s, unsigned char *out)
{
	assert_int_equal(gw_httpguard_addr_parse(s, out), 0);
}

static void
test_per_address_and_total(void **state)
{
	struct gw_httpguard *g = gw_httpguard_new(4, 2);
	unsigned char a[16], b[16], v[16];

	(void)state;
	addr("10.0.0.1", a);
	addr("10.0.0.2", b);
	assert_int_equal(gw_httpguard_check(g, a, v), GW_HTTPGUARD_ADMIT);
	gw_httpguard_add(g, a);
	gw_httpguard_add(g, a);
	assert_int_equal(gw_httpguard_check(g, a, v), GW_HTTPGUARD_PER_ADDR);
	gw_httpguard_add(g, b);
	gw_httpguard_add(g, b);
	assert_int_equal(gw_httpguard_total(g), 4);
	/* Full, both at 2: a third address takes one from a busier one. */
	{
		unsigned char c[16];

		addr("10.0.0.3", c);
		assert_int_equal(gw_httpguard_check(g, c, v),
		    GW_HTTPGUARD_EVICT);
		assert_true(memcmp(v, a, 16) == 0 || memcmp(v, b, 16) == 0);
		gw_httpguard_release(g, v);
		gw_httpguard_add(g, c);
		/* Now 2/1/1 or 1/2/1: the one with 1 cannot evict (no
		 * address has two more). */
		assert_int_equal(gw_httpguard_check(g, c, v),
		    GW_HTTPGUARD_FULL);
	}
	gw_httpguard_release(g, a);
	assert_int_equal(gw_httpguard_total(g), 3);
	gw_httpguard_free(g);
}

static void
test_release_frees_entry(void **state)
{
	struct gw_httpguard *g = gw_httpguard_new(1, 1);
	unsigned char a[16], b[16], v[16];

	(void)state;
	addr("::1", a);
	addr("127.0.0.1", b);
	gw_httpguard_add(g, a);
	assert_int_equal(gw_httpguard_check(g, b, v), GW_HTTPGUARD_FULL);
	gw_httpguard_release(g, a);
	assert_int_equal(gw_httpguard_count(g, a), 0);
	assert_int_equal(gw_httpguard_check(g, b, v), GW_HTTPGUARD_ADMIT);
	gw_httpguard_add(g, b);
	assert_int_equal(gw_httpguard_count(g, b), 1);
	gw_httpguard_free(g);
}

static void
test_allowlist(void **state)
{
	char a0[] = "127.0.0.1", a1[] = "::1";
	char *list[] = { a0, a1 };

	(void)state;
	assert_true(gw_httpguard_allowed(list, 0, "10.1.1.1"));
	assert_true(gw_httpguard_allowed(list, 2, "127.0.0.1"));
	assert_true(gw_httpguard_allowed(list, 2, "::ffff:127.0.0.1"));
	assert_false(gw_httpguard_allowed(list, 2, "127.0.0.2"));
	assert_false(gw_httpguard_allowed(list, 2, NULL));
}

static void
test_ratelog(void **state)
{
	struct gw_ratelog r = { .interval_ms = 10000 };
	uint64_t n = 0, got[8];
	int lines = 0;

	(void)state;
	/* An event every 2 ms for 25 s: lines at 1 s, 11 s and 21 s. */
	for (int64_t t = 1000; t < 26000; t += 2) {
		if (gw_ratelog_hit(&r, t, &n) && lines < 8)
			got[lines++] = n;
	}
	assert_int_equal(lines, 3);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 5000);
	assert_int_equal(got[2], 5000);
}

static void
test_registry_text(void **state)
{
	char *s;

	(void)state;
	gw_metrics_reset();
	gw_metrics_count("stafeta_http_rejections_total", "listener", "http",
	    "reason", "a\"b", NULL);
	gw_metrics_count("stafeta_http_rejections_total", "listener", "http",
	    "reason", "a\"b", NULL);
	gw_metrics_observe("stafeta_ussd_request_duration_seconds", 0.02,
	    NULL);
	s = gw_metrics_render_registry();
	assert_non_null(strstr(s, "stafeta_http_rejections_total{listener="
	    "\"http\",reason=\"a\\\"b\"} 2\n"));
	assert_non_null(strstr(s, "# TYPE stafeta_ussd_request_duration_"
	    "seconds histogram\n"));
	assert_non_null(strstr(s, "stafeta_ussd_request_duration_seconds_"
	    "bucket{le=\"0.01\"} 0\n"));
	assert_non_null(strstr(s, "stafeta_ussd_request_duration_seconds_"
	    "bucket{le=\"0.025\"} 1\n"));
	assert_non_null(strstr(s, "stafeta_ussd_request_duration_seconds_"
	    "count 1\n"));
	assert_non_null(strstr(s, "stafeta_quarantined_slots_total 0\n"));
	free(s);
	gw_metrics_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_address_and_total),
		cmocka_unit_test(test_release_frees_entry),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_ratelog),
		cmocka_unit_test(test_registry_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
