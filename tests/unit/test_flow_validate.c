/*
 * test_flow_validate.c - what each question kind accepts and the value it
 * saves (flows/flow_validate.c), and how "if" cases match saved values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flow.h"
#include "flow_int.h"
#include "util.h"

/* 2026-11-22 12:00 UTC, for dates without a year. */
#define NOW_MS 1795348800000LL

/* Checks raw against n: want NULL = invalid, else the saved value. */
static void
check(const struct flow_node *n, const char *raw, const char *want)
{
	char *norm = flow_text_normalize(raw), *value = NULL;
	int ok;

	ok = flow_validate_answer(n, raw, norm, NOW_MS, &value);
	if (want == NULL && ok)
		fail_msg("\"%s\" accepted as \"%s\", want invalid", raw, value);
	if (want != NULL && !ok)
		fail_msg("\"%s\" refused, want \"%s\"", raw, want);
	if (want != NULL)
		assert_string_equal(value, want);
	free(value);
	free(norm);
}

static void
node_init(struct flow_node *n, enum flow_ask_kind k, int64_t lo, int64_t hi)
{
	memset(n, 0, sizeof(*n));
	n->kind = FLOW_NODE_ASK;
	n->ask = k;
	n->lo = lo;
	n->hi = hi;
}

static void
test_menu(void **state)
{
	struct flow_node n;

	(void)state;
	node_init(&n, FLOW_ASK_MENU, 1, 7);
	check(&n, "3", "3");
	check(&n, " 3. ", "3");
	check(&n, "03", "3");
	check(&n, "7", "7");
	check(&n, "0", NULL);
	check(&n, "8", NULL);
	check(&n, "3 4", NULL);
	check(&n, "trei", NULL);
	check(&n, "", NULL);
	check(&n, "-3", "3"); /* punctuation is not a sign */
	check(&n, "99999999999999999999", NULL);
}

static void
test_number(void **state)
{
	struct flow_node n;

	(void)state;
	node_init(&n, FLOW_ASK_NUMBER, 1900, 2030);
	check(&n, "1985", "1985");
	check(&n, "1899", NULL);
	check(&n, "2031", NULL);
	check(&n, "19 85", NULL);
	check(&n, "1985 ani", NULL);
}

static void
test_yesno(void **state)
{
	struct flow_node n;

	(void)state;
	node_init(&n, FLOW_ASK_YESNO, 0, 0);
	check(&n, "1", "yes");
	check(&n, "Da", "yes");
	check(&n, "da!", "yes");
	check(&n, "IGEN", "yes");
	check(&n, "yes", "yes");
	check(&n, "2", "no");
	check(&n, "nu", "no");
	check(&n, "Nem", "no");
	check(&n, "no", "no");
	check(&n, "3", NULL);
	check(&n, "poate", NULL);
	assert_string_equal(flow_validate_yesno("DA"), "yes");
	assert_null(flow_validate_yesno("DAA"));
}

static void
test_date(void **state)
{
	struct flow_node n;

	(void)state;
	node_init(&n, FLOW_ASK_DATE, 0, 0);
	check(&n, "25.12.2025", "2025-12-25");
	check(&n, "25/12/2025", "2025-12-25");
	check(&n, "25-12-25", "2025-12-25");
	check(&n, "5.1.2026", "2026-01-05");
	check(&n, "25122025", "2025-12-25");
	check(&n, "2025.12.25", "2025-12-25"); /* Hungarian order */
	check(&n, "2025-12-25", "2025-12-25");
	check(&n, "25.12", "2026-12-25");	 /* this year */
	check(&n, "29.02.2024", "2024-02-29");
	check(&n, "29.02.2025", NULL);
	check(&n, "31.04.2025", NULL);
	check(&n, "32.01.2025", NULL);
	check(&n, "01.13.2025", NULL);
	check(&n, "maine", NULL);
	check(&n, "1.2.3.4", NULL);
	check(&n, "", NULL);
	check(&n, "1.1.1800", NULL);
}

static void
test_pattern(void **state)
{
	struct flow_node n;
	char err[128];

	(void)state;
	node_init(&n, FLOW_ASK_PATTERN, 0, 0);
	n.pattern = xstrdup("(?i)fo ?([0-9]{5})");
	assert_int_equal(flow_validate_compile(&n, err, sizeof(err)), 0);
	check(&n, "FO 12345", "12345");	/* the group is the value */
	check(&n, " fo12345 ", "12345");
	check(&n, "FO 1234", NULL);
	check(&n, "xFO 12345", NULL);	/* anchored: the whole answer */
	check(&n, "FO 123456", NULL);
	flow_validate_free(&n);
	free(n.pattern);
	/* Without a group, the trimmed answer is the value. */
	node_init(&n, FLOW_ASK_PATTERN, 0, 0);
	n.pattern = xstrdup("[A-Z]{2}");
	assert_int_equal(flow_validate_compile(&n, err, sizeof(err)), 0);
	check(&n, " AB ", "AB");
	flow_validate_free(&n);
	free(n.pattern);
	/* Catastrophic backtracking hits the match limit, not the CPU. */
	node_init(&n, FLOW_ASK_PATTERN, 0, 0);
	n.pattern = xstrdup("(a+)+b");
	assert_int_equal(flow_validate_compile(&n, err, sizeof(err)), 0);
	check(&n, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", NULL);
	flow_validate_free(&n);
	free(n.pattern);
	node_init(&n, FLOW_ASK_PATTERN, 0, 0);
	n.pattern = xstrdup("(unclosed");
	assert_int_equal(flow_validate_compile(&n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad pattern at character"));
	free(n.pattern);
}

static void
test_phone(void **state)
{
	struct flow_node n;

	(void)state;
	node_init(&n, FLOW_ASK_PHONE, 0, 0);
	check(&n, "0722 123 456", "+40722123456");
	check(&n, "+40722123456", "+40722123456");
	check(&n, "0040722123456", "+40722123456");
	check(&n, "+39 333 1234567", "+393331234567");
	check(&n, "0722-123-456", "+40722123456");
	check(&n, "123", NULL);
	check(&n, "Maria", NULL);
}

static void
test_text(void **state)
{
	struct flow_node n;

	(void)state;
	node_init(&n, FLOW_ASK_TEXT, 1, 10);
	check(&n, "  Ana Pop  ", "Ana Pop");
	check(&n, "Ștefănescu", "Ștefănescu"); /* 10 characters */
	check(&n, "Ștefănescuu", NULL);
	check(&n, "...", NULL);
	check(&n, "", NULL);
}

static void
test_range_and_cases(void **state)
{
	struct flow_case c;
	int64_t lo, hi;

	(void)state;
	assert_int_equal(flow_validate_range("1-5", 0, 98, &lo, &hi), 0);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 5);
	assert_int_equal(flow_validate_range(" 2 - 3 ", 0, 98, &lo, &hi), 0);
	assert_int_equal(flow_validate_range("4", 0, 98, &lo, &hi), 0);
	assert_int_equal(lo, 4);
	assert_int_equal(hi, 4);
	assert_int_equal(flow_validate_range("5-1", 0, 98, &lo, &hi), -1);
	assert_int_equal(flow_validate_range("1-99", 0, 98, &lo, &hi), -1);
	assert_int_equal(flow_validate_range("a-b", 0, 98, &lo, &hi), -1);
	assert_int_equal(flow_validate_range("", 0, 98, &lo, &hi), -1);
	memset(&c, 0, sizeof(c));
	c.lo = 1;
	c.hi = 2;
	assert_true(flow_case_matches(&c, "2"));
	assert_false(flow_case_matches(&c, "3"));
	assert_false(flow_case_matches(&c, "doi"));
	assert_false(flow_case_matches(&c, NULL));
	c.value = (char *)(uintptr_t)"YES";
	assert_true(flow_case_matches(&c, "yes"));
	assert_false(flow_case_matches(&c, "no"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_menu),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_yesno),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_range_and_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
