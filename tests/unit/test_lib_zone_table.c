/*
 * test_lib_zone_table.c - local time in named zones (summer time from
 * the zone database, quiet-hour windows, countries and calling codes) and
 * tables of text rendered as CSV.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "table.h"
#include "zone.h"

/* 2027-03-28 is the last Sunday of March: Rome and Bucharest move one
 * hour forward at 01:00 UTC. */
#define UTC_2027_03_27_12 INT64_C(1806148800000) /* Sat 12:00 UTC */
#define HOUR_MS INT64_C(3600000)

static void
test_zone_summer_time(void **st)
{
	struct tm tm;

	(void)st;
	assert_int_equal(zone_local(UTC_2027_03_27_12, "Europe/Rome", &tm), 0);
	assert_int_equal(tm.tm_hour, 13); /* CET, UTC+1 */
	assert_int_equal(zone_local(UTC_2027_03_27_12 + 24 * HOUR_MS,
	    "Europe/Rome", &tm), 0);
	assert_int_equal(tm.tm_hour, 14); /* CEST, UTC+2 */
	assert_int_equal(zone_local(UTC_2027_03_27_12 + 24 * HOUR_MS,
	    "Europe/Bucharest", &tm), 0);
	assert_int_equal(tm.tm_hour, 15); /* EEST, UTC+3 */
	assert_int_equal(zone_local(0, "Mars/Olympus", &tm), -1);
	assert_int_equal(zone_local(0, "../../etc/passwd", &tm), -1);
}

static void
test_zone_window(void **st)
{
	int64_t at;
	struct tm tm;

	(void)st;
	/* Saturday 22:00 UTC = 23:00 Rome: waits for Sunday 09:00 Rome,
	 * which is already summer time (07:00 UTC). */
	at = zone_next_window(UTC_2027_03_27_12 + 10 * HOUR_MS, "Europe/Rome",
	    9, 20);
	assert_int_equal(at, UTC_2027_03_27_12 + 19 * HOUR_MS);
	assert_int_equal(zone_local(at, "Europe/Rome", &tm), 0);
	assert_int_equal(tm.tm_hour, 9);
	/* Inside the window: now. */
	assert_int_equal(zone_next_window(UTC_2027_03_27_12, "Europe/Rome", 9,
	    20), UTC_2027_03_27_12);
	/* Early morning the same day: 02:00 UTC = 03:00 Rome -> 08:00 UTC. */
	at = zone_next_window(UTC_2027_03_27_12 - 10 * HOUR_MS, "Europe/Rome",
	    9, 20);
	assert_int_equal(at, UTC_2027_03_27_12 - 4 * HOUR_MS);
	assert_int_equal(zone_next_window(0, "Europe/Rome", 20, 9), -1);
	/* Unset TZ is restored after the call. */
	assert_null(getenv("TZ"));
}

static void
test_zone_countries(void **st)
{
	(void)st;
	assert_string_equal(zone_for_phone("+393331234567", ZONE_HOME),
	    "Europe/Rome");
	assert_string_equal(zone_for_phone("+40722123456", "x"),
	    "Europe/Bucharest");
	assert_string_equal(zone_for_phone("+37360123456", "x"),
	    "Europe/Chisinau"); /* 373 beats nothing shorter */
	assert_string_equal(zone_for_phone("+12025550100", ZONE_HOME),
	    ZONE_HOME); /* +1 spans many zones */
	assert_string_equal(zone_for_phone("0722123456", "x"), "x");
	assert_string_equal(zone_for_country("es"), "Europe/Madrid");
	assert_null(zone_for_country("US"));
	assert_true(zone_valid("Europe/Madrid"));
	assert_false(zone_valid(""));
}

static void
test_table_csv(void **st)
{
	static const struct table_col cols[] = {
		{ "name", "Nume și prenume" }, { "count", "Număr" },
	};
	const char *row[] = { "Ana \"Mică\", Apața", NULL };
	struct table *t = table_new("test", cols, 2);
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	size_t r;

	(void)st;
	table_add(t, row);
	r = table_add_row(t);
	table_setf(t, r, 1, "%d", 42);
	table_set(t, 9, 9, "ignored");
	assert_string_equal(table_get(t, 0, 1), "");
	assert_string_equal(table_get(t, 1, 1), "42");

	f = open_memstream(&out, &len);
	assert_int_equal(table_write_csv(t, f, TABLE_CSV_BOM), 0);
	fclose(f);
	assert_string_equal(out, "\xEF\xBB\xBF" "Nume și prenume,Număr\r\n"
	    "\"Ana \"\"Mică\"\", Apața\",\r\n,42\r\n");
	free(out);

	f = open_memstream(&out, &len);
	assert_int_equal(table_write_csv(t, f, TABLE_CSV_IDS), 0);
	fclose(f);
	assert_int_equal(strncmp(out, "name,count\r\n", 12), 0);
	free(out);
	table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_summer_time),
		cmocka_unit_test(test_zone_window),
		cmocka_unit_test(test_zone_countries),
		cmocka_unit_test(test_table_csv),
	};

	unsetenv("TZ");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
