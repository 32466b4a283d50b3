/*
 * test_flow_text.c - input normalisation, typo tolerance and template
 * rendering (flows/flow_text.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "flow.h"
#include "flow_int.h"
#include "util.h"

static void
check_norm(const char *in, const char *want)
{
	char *got = flow_text_normalize(in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_normalize_help_variants(void **state)
{
	(void)state;
	check_norm("AJUTOR", "AJUTOR");
	check_norm("ajutor", "AJUTOR");
	check_norm("Ajutor!", "AJUTOR");
	check_norm("AJUTÓR", "AJUTOR");
	check_norm("  ajutor .  ", "AJUTOR");
	check_norm("help", "HELP");
	check_norm("¡¿Ajutor?!", "AJUTOR");
}

static void
test_normalize_diacritics(void **state)
{
	(void)state;
	/* Romanian, comma-below and cedilla forms alike. */
	check_norm("ăâîșțĂÂÎȘȚ", "AAISTAAIST");
	check_norm("şţŞŢ", "STST");
	/* Hungarian. */
	check_norm("őűöüóúéáí ŐŰÖÜÓÚÉÁÍ", "OUOUOUEAI OUOUOUEAI");
	check_norm("Segítség", "SEGITSEG");
	/* Decomposed: A + combining acute. */
	check_norm("A\xcc\x81JUTOR", "AJUTOR");
	check_norm("straße", "STRASSE");
}

static void
test_normalize_separators(void **state)
{
	(void)state;
	check_norm("25.12.2025", "25 12 2025");
	check_norm("1,2;3", "1 2 3");
	check_norm("a\t\n b", "A B");
	check_norm("", "");
	check_norm("!!!", "");
	check_norm("emoji \xf0\x9f\x98\x80 here", "EMOJI HERE");
	/* Invalid UTF-8 bytes are separators, never a crash. */
	check_norm("ab\xff\xfe" "cd", "AB CD");
	check_norm("\xc3", "");
	check_norm("zero\xe2\x80\x8bwidth", "ZEROWIDTH");
	check_norm(NULL, "");
}

static void
test_one_typo(void **state)
{
	(void)state;
	assert_true(flow_text_one_typo("AJUTOR", "AJUTOR"));
	assert_true(flow_text_one_typo("AJUTOR", "AJUTIR"));   /* swap */
	assert_true(flow_text_one_typo("AJUTOR", "AJTUOR"));   /* transpose */
	assert_false(flow_text_one_typo("AJUTOR", "JAUTRO"));  /* two */
	assert_true(flow_text_one_typo("AJUTOR", "AJUTRO"));   /* transpose */
	assert_true(flow_text_one_typo("AJUTOR", "AJUTORR"));  /* insert */
	assert_true(flow_text_one_typo("AJUTOR", "AJUOR"));    /* delete */
	assert_true(flow_text_one_typo("AJUTOR", "JUTOR"));
	assert_true(flow_text_one_typo("AJUTOR", "AJUTO"));
	assert_false(flow_text_one_typo("AJUTOR", "AJUT"));
	assert_false(flow_text_one_typo("AJUTOR", "AXUTIR"));
	assert_false(flow_text_one_typo("STOP", "SHOPS"));
	assert_true(flow_text_one_typo("", "A"));
	assert_false(flow_text_one_typo("AB", "BC"));
	assert_true(flow_text_one_typo("AB", "BA"));
}

static const char *
lookup(const char *name, void *arg)
{
	(void)arg;
	if (strcmp(name, "nr") == 0)
		return "42";
	return NULL;
}

static void
test_render(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(flow_text_render(&b, "Nr {nr}, {{x}, {unknown} {}",
	    lookup, NULL), 0);
	assert_string_equal(b.data, "Nr 42, {x}, {unknown} {}");
	buf_free(&b);
	buf_init(&b, 5);
	assert_int_equal(flow_text_render(&b, "too long text", lookup, NULL),
	    -1);
	buf_free(&b);
}

static void
test_chars_and_names(void **state)
{
	(void)state;
	assert_int_equal(flow_text_chars("ăb"), 2);
	assert_int_equal(flow_text_prefix_bytes("ăbc", 1), 2);
	assert_int_equal(flow_text_prefix_bytes("ab", 5), 2);
	assert_true(flow_name_valid("step_1-a"));
	assert_false(flow_name_valid("Step"));
	assert_false(flow_name_valid(""));
	assert_false(flow_name_valid("a b"));
	assert_true(flow_text_valid_utf8("ăb", 3));
	assert_false(flow_text_valid_utf8("\xc3(", 2));
	assert_false(flow_text_valid_utf8("a\0b", 3));
	/* Overlong and surrogates. */
	assert_false(flow_text_valid_utf8("\xc0\xaf", 2));
	assert_false(flow_text_valid_utf8("\xed\xa0\x80", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_help_variants),
		cmocka_unit_test(test_normalize_diacritics),
		cmocka_unit_test(test_normalize_separators),
		cmocka_unit_test(test_one_typo),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_chars_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
