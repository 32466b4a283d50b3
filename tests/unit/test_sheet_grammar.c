/*
 * test_sheet_grammar.c - the pure parts of Observation Sheets: the Damm
 * check digit, the indicator table (flows/sheet/indicators.csv) and its
 * validation, value derivation, normalisation, the compact SMS grammar
 * with every example of observation-sheet.md 7.5, and the reply texts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "buf.h"
#include "sheet.h"
#include "util.h"

#define TABLE_PATH "flows/sheet/indicators.csv"

static struct sheet_table *table;

static int setup(void **);
static int teardown(void **);
static int8_t val(const struct sheet_report *, const char *);
static void parse_ok(const char *, struct sheet_report *);
static enum sheet_perr parse_err(const char *, struct sheet_perror *);
static char *error_reply(const char *);
static int64_t at(int, int, int, int, int);
static char *ack_reply(const struct sheet_ack *, const char *);
static int gsm_ascii(const char *);

static int
setup(void **state)
{
	char err[256];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	table = sheet_table_load(TABLE_PATH, err, sizeof(err));
	if (table == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sheet_table_free(table);
	return 0;
}

static int8_t
val(const struct sheet_report *r, const char *code)
{
	int i = sheet_table_find_code(table, code);

	assert_true(i >= 0);
	return r->values[i];
}

static void
parse_ok(const char *msg, struct sheet_report *r)
{
	struct sheet_perror e;
	int rc = sheet_grammar_parse(table, msg, strlen(msg), r, &e);

	if (rc != 0)
		fprintf(stderr, "\"%s\": error %d '%s'\n", msg, e.code, e.what);
	assert_int_equal(rc, 0);
	assert_int_equal(e.code, SHEET_PERR_NONE);
}

static enum sheet_perr
parse_err(const char *msg, struct sheet_perror *e)
{
	struct sheet_report r;

	assert_int_equal(sheet_grammar_parse(table, msg, strlen(msg), &r, e),
	    -1);
	return e->code;
}

/* The Romanian reply for a refused message; caller frees. */
static char *
error_reply(const char *msg)
{
	struct sheet_perror e;
	struct buf b;

	parse_err(msg, &e);
	buf_init(&b, 0);
	assert_int_equal(sheet_text_error(&e, "ro", &b), 0);
	return buf_take(&b);
}

static int64_t
at(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) * 1000;
}

static char *
ack_reply(const struct sheet_ack *a, const char *lang)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(sheet_text_ack(a, lang, &b), 0);
	return buf_take(&b);
}

/* Printable ASCII without GSM-7 extension characters, so 1 septet each. */
static int
gsm_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c != '\n' && (c < 0x20 || c > 0x7e))
			return 0;
		if (strchr("@{}[]~\\|^`", c) != NULL)
			return 0;
	}
	return 1;
}

static void
test_damm(void **state)
{
	(void)state;
	assert_true(sheet_damm_valid("48219303", 8));
	assert_true(sheet_damm_valid("73051267", 8));
	assert_false(sheet_damm_valid("48219330", 8)); /* swap */
	assert_false(sheet_damm_valid("48279303", 8)); /* one digit */
	assert_false(sheet_damm_valid("4821930", 7));
	assert_false(sheet_damm_valid("4821930x", 8));
	assert_int_equal(sheet_damm_digit("4821930", 7), 3);
	assert_int_equal(sheet_damm_digit("7305126", 7), 7);
	assert_int_equal(sheet_damm_digit("12a", 3), -1);
	/* Every single-digit error and adjacent swap of a code is caught. */
	{
		char c[9] = "48219303";

		for (int i = 0; i < 8; i++) {
			for (char d = '0'; d <= '9'; d++) {
				char o = c[i];

				if (d == o)
					continue;
				c[i] = d;
				assert_false(sheet_damm_valid(c, 8));
				c[i] = o;
			}
			if (i < 7 && c[i] != c[i + 1]) {
				char t = c[i];

				c[i] = c[i + 1];
				c[i + 1] = t;
				assert_false(sheet_damm_valid(c, 8));
				c[i + 1] = c[i];
				c[i] = t;
			}
		}
	}
}

static void
test_table(void **state)
{
	size_t n = sheet_table_count(table), lettered = 0, leaves = 0;
	size_t parents = 0, legacy = 0, flags = 0;
	const struct sheet_indicator *ind;

	(void)state;
	assert_int_equal(n, 70);
	for (size_t i = 0; i < n; i++) {
		ind = sheet_table_at(table, i);
		lettered += ind->lettered;
		parents += ind->has_children;
		legacy += ind->status == 'L';
		flags += ind->status == 'O';
		leaves += ind->status == 'A' && !ind->has_children;
	}
	/* observation-sheet.md 3.7 */
	assert_int_equal(lettered, 47);
	assert_int_equal(parents, 6);
	assert_int_equal(leaves, 59);
	assert_int_equal(flags, 3);
	assert_int_equal(legacy, 2);
	ind = sheet_table_at(table, 0);
	assert_string_equal(ind->id, "eco_poverty");
	ind = sheet_table_at(table, (size_t)sheet_table_find_code(table,
	    "3h14"));
	assert_string_equal(ind->id, "hea_infant_not_excl_breastfed");
	assert_string_equal(ind->page, "3C");
	assert_int_equal(ind->pos, 1);
	assert_string_equal(sheet_table_at(table, (size_t)ind->parent)->code,
	    "3h1");
	assert_int_equal(sheet_table_find_id(table, "beh_child_neglect_risk"),
	    sheet_table_find_code(table, "6B3"));
	assert_int_equal(strncmp(sheet_table_version(table), "is-", 3), 0);
	assert_int_equal(strlen(sheet_table_version(table)), 15);
}

static void
test_pages(void **state)
{
	const char *pages[8];
	char text[400];
	size_t np;
	int want[SHEET_DOMAINS + 1] = { 0, 1, 3, 3, 2, 1, 2 };

	(void)state;
	for (int d = 1; d <= SHEET_DOMAINS; d++) {
		np = sheet_table_pages(table, d, pages);
		assert_int_equal(np, want[d]);
		for (size_t k = 0; k < np; k++) {
			assert_int_equal(sheet_table_page_text(table, pages[k],
			    text, sizeof(text)), 0);
			assert_true(strlen(text) <= SHEET_USSD_MAX);
			assert_true(gsm_ascii(text));
		}
	}
	np = sheet_table_pages(table, 2, pages);
	assert_string_equal(pages[0], "2A");
	assert_string_equal(pages[2], "2C");
	assert_int_equal(sheet_table_page_text(table, "2A", text,
	    sizeof(text)), 0);
	/* The example page of 7.6. */
	assert_string_equal(text, "2 SOCIAL 1/3: cifrele DA\n"
	    "1 Mama minora/gravida minora\n2 Familie monoparentala\n"
	    "3 Parinti plecati la munca\n4 Fara ingrijire parinti\n"
	    "5 Copil intors din migratie");
	assert_int_equal(sheet_table_page_text(table, "7A", text,
	    sizeof(text)), -1);
	assert_int_equal(sheet_table_page_text(table, "2D", text,
	    sizeof(text)), -1);
}

static void
check_table_error(const char *csv, const char *want)
{
	char err[256];
	struct sheet_table *t;

	t = sheet_table_parse("t.csv", csv, strlen(csv), err, sizeof(err));
	assert_null(t);
	if (strstr(err, want) == NULL)
		fprintf(stderr, "got: %s\n", err);
	assert_non_null(strstr(err, want));
}

#define HDR "id,code,domain,parent,unit,ussd,label_ro,status,replaced_by\n"
#define URG                                                          \
	"b,6b,6,,D,,B,A,\nb2,6b2,6,6b,C,6A.1,B2,A,\n"                \
	"b3,6b3,6,6b,C,6A.2,B3,A,\n"

static void
test_table_validation(void **state)
{
	char err[256];
	struct sheet_table *t;
	const char *ok = HDR URG "a,1a,1,,F,1.1,\"A, quoted\",A,\n";

	(void)state;
	t = sheet_table_parse("t.csv", ok, strlen(ok), err, sizeof(err));
	if (t == NULL)
		fprintf(stderr, "%s\n", err);
	assert_non_null(t);
	assert_string_equal(sheet_table_at(t, 3)->label, "A, quoted");
	sheet_table_free(t);
	check_table_error("id,code\n", "t.csv:1: header");
	check_table_error(HDR URG "b,1a,1,,F,1.1,A,A,\n", "duplicate id b");
	check_table_error(HDR URG "x,6b2,6,,F,6A.3,A,A,\n", "duplicate code");
	check_table_error(HDR URG "x,1a1,1,1a,F,1.1,A,A,\n",
	    "parent 1a does not exist");
	check_table_error(HDR URG "x,1a,2,,F,2.1,A,A,\n", "bad code");
	check_table_error(HDR URG "x,1a,1,,Q,1.1,A,A,\n", "unit");
	check_table_error(HDR URG "x,1a,1,,F,1.1,A,X,\n", "status");
	check_table_error(HDR URG "x,1a,1,,F,1.1,A,L,\n", "replaced_by");
	check_table_error(HDR URG "x,1a,1,,F,,A,L,1z\n", "not current");
	check_table_error(HDR URG "x,1a,1,,F,6A.1,A,A,\n", "bad ussd");
	check_table_error(HDR URG "x,1a,1,,F,1.3,A,A,\n", "position 1 missing");
	check_table_error(HDR URG "x,1a,1,,F,1.1,A{,A,\n", "ASCII");
	check_table_error(HDR "a,1a,1,,F,1.1,A,A,\n", "urgent code 6b2");
	check_table_error(HDR URG "x,6c,6,,F,6A.1,A,A,\n", "already used");
	check_table_error(HDR URG "x,1a,1,,F,1.1,A,A\n", "8 columns");
	check_table_error(HDR URG "x,1a,1,,F,1.1,\"A,A,\n", "quote");
	check_table_error(HDR URG "x,1a,1,,F,1.1,"
	    "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,A,\n"
	    "y,1b,1,,F,1.2,Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,A,\n"
	    "z,1c,1,,F,1.3,Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,A,\n"
	    "w,1d,1,,F,1.4,Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,A,\n"
	    "v,1e,1,,F,1.5,Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,A,\n",
	    "longer than 182");
	t = sheet_table_load("/nonexistent/indicators.csv", err, sizeof(err));
	assert_null(t);
	assert_non_null(strstr(err, "/nonexistent/indicators.csv"));
}

static void
test_derivation(void **state)
{
	struct sheet_report r;
	int p = sheet_table_find_code(table, "6b");
	int c1 = sheet_table_find_code(table, "6b1");
	int c2 = sheet_table_find_code(table, "6b2");
	int c3 = sheet_table_find_code(table, "6b3");

	(void)state;
	/* Parent reported 0, children unknown: 0. */
	sheet_report_init(table, &r);
	r.values[p] = 0;
	sheet_derive(table, &r);
	assert_int_equal(r.values[p], 0);
	/* All children 0: 0. */
	sheet_report_init(table, &r);
	r.values[c1] = r.values[c2] = r.values[c3] = 0;
	sheet_derive(table, &r);
	assert_int_equal(r.values[p], 0);
	assert_false(r.any_risk);
	/* Some children 0, one unknown: 9. */
	r.values[c3] = 9;
	r.values[p] = 9;
	sheet_derive(table, &r);
	assert_int_equal(r.values[p], 9);
	/* Parent reported 0 but a child is 1: 1 (and urgent, 6b2). */
	r.values[p] = 0;
	r.values[c2] = 1;
	sheet_derive(table, &r);
	assert_int_equal(r.values[p], 1);
	assert_true(r.urgent);
	assert_true(r.any_risk);
	assert_int_equal(r.risk_count, 1); /* 6b counts once */
	r.values[c1] = 1;
	sheet_derive(table, &r);
	assert_int_equal(r.risk_count, 1);
	/* Parent reported 1 alone: 1. */
	sheet_report_init(table, &r);
	r.values[p] = 1;
	sheet_derive(table, &r);
	assert_int_equal(r.values[p], 1);
	assert_false(r.urgent);
	/* Combining: 1 wins, then 0, then 9. */
	{
		int8_t a[SHEET_MAX_INDICATORS], b[SHEET_MAX_INDICATORS];

		memset(a, 9, sizeof(a));
		memset(b, 9, sizeof(b));
		a[0] = 1;
		b[0] = 0;
		a[1] = 0;
		b[1] = 9;
		a[2] = 9;
		b[2] = 1;
		sheet_values_combine(table, a, b);
		assert_int_equal(a[0], 1);
		assert_int_equal(a[1], 0);
		assert_int_equal(a[2], 1);
		assert_int_equal(a[3], 9);
	}
}

static void
test_normalize(void **state)
{
	char out[SHEET_MAX_TEXT + 1];
	const char in[] = "fo 48219303, 1a1;2b.\r\n4c2+4d  \t";
	const char dia[] = "\xc4\x83\xc3\xa2\xc3\xae\xc8\x99\xc5\x9f\xc8\x9b"
	    "\xc5\xa3 \xc4\x82\xc3\x82\xc3\x8e\xc8\x98\xc5\x9e\xc8\x9a\xc5\xa2";
	char big[SHEET_MAX_TEXT + 2];
	int n;

	(void)state;
	n = sheet_normalize(in, strlen(in), out, sizeof(out));
	assert_string_equal(out, "FO 48219303 1A1 2B 4C2 4D");
	assert_int_equal(n, 25);
	sheet_normalize(dia, strlen(dia), out, sizeof(out));
	assert_string_equal(out, "AAISSTT AAISSTT");
	/* '@' from GSM-7 may arrive as NUL: kept, with the length. */
	n = sheet_normalize("a\0b", 3, out, sizeof(out));
	assert_int_equal(n, 3);
	assert_int_equal(out[1], '\0');
	assert_int_equal(out[2], 'B');
	memset(big, 'a', sizeof(big));
	assert_int_equal(sheet_normalize(big, sizeof(big), out, sizeof(out)),
	    -1);
	n = sheet_normalize("   ", 3, out, sizeof(out));
	assert_int_equal(n, 0);
}

/* 7.5: FO 48219303 1a1 2b 4c2d */
static void
test_example_valid_1(void **state)
{
	struct sheet_report r;
	struct sheet_ack a = { 22, 41, 0, 0, 0, 0, 0, 0, 0 };
	char *reply;

	(void)state;
	parse_ok("FO 48219303 1a1 2b 4c2d", &r);
	assert_string_equal(r.household, "48219303");
	assert_int_equal(val(&r, "1a1"), 1);
	assert_int_equal(val(&r, "2b"), 1);
	assert_int_equal(val(&r, "4c2"), 1);
	assert_int_equal(val(&r, "4d"), 1);
	assert_int_equal(val(&r, "1a"), 1); /* derived */
	assert_int_equal(val(&r, "1a2"), 0);
	assert_int_equal(val(&r, "1b"), 0);
	assert_int_equal(val(&r, "1c1"), 0);
	assert_int_equal(val(&r, "1c"), 9); /* legacy: never collected */
	assert_int_equal(val(&r, "2a"), 0);
	assert_int_equal(val(&r, "2h"), 0);
	assert_int_equal(val(&r, "2h1"), 0);
	assert_int_equal(val(&r, "2z"), 0);
	assert_int_equal(val(&r, "4c1"), 0);
	assert_int_equal(val(&r, "4i"), 0);
	for (size_t i = 0; i < sheet_table_count(table); i++) {
		int d = sheet_table_at(table, i)->domain;

		if (d == 3 || d == 5 || d == 6)
			assert_int_equal(r.values[i], 9);
	}
	assert_true(r.any_risk);
	assert_int_equal(r.risk_count, 4);
	assert_false(r.urgent);
	assert_int_equal(r.time_start, -1);
	a.received_at = at(2022, 9, 14, 10, 42);
	a.flagged = r.risk_count + r.flags;
	reply = ack_reply(&a, "ro");
	assert_string_equal(reply, "OK FO 22-041 primita 14.09 10:42 "
	    "(4 semnalari). SPAS decide vizita. Va rugam stergeti SMS-ul "
	    "trimis.");
	free(reply);
}

/* 7.5: fo 48219303 10 20 30 40 50 60 */
static void
test_example_valid_2(void **state)
{
	struct sheet_report r;
	struct sheet_ack a = { 22, 42, 0, 0, 0, 0, 0, 0, 0 };
	char *reply;

	(void)state;
	parse_ok("fo 48219303 10 20 30 40 50 60", &r);
	for (size_t i = 0; i < sheet_table_count(table); i++) {
		if (sheet_table_at(table, i)->status == 'L')
			assert_int_equal(r.values[i], 9);
		else
			assert_int_equal(r.values[i], 0);
	}
	assert_false(r.any_risk);
	assert_int_equal(r.risk_count, 0);
	a.received_at = at(2022, 9, 14, 10, 45);
	reply = ack_reply(&a, "ro");
	assert_string_equal(reply,
	    "OK FO 22-042 primita 14.09 10:45, fara semnalari. Multumim.");
	free(reply);
}

/* 7.5: FO 48219303 40, and FO 48219303 4c2 4d */
static void
test_example_valid_3_4(void **state)
{
	struct sheet_report r, r2;

	(void)state;
	parse_ok("FO 48219303 40", &r);
	for (size_t i = 0; i < sheet_table_count(table); i++) {
		const struct sheet_indicator *ind = sheet_table_at(table, i);

		if (ind->domain == 4)
			assert_int_equal(r.values[i], 0);
		else
			assert_int_equal(r.values[i], 9);
	}
	assert_false(r.any_risk);
	parse_ok("FO 48219303 4c2 4d", &r);
	parse_ok("FO 48219303 4c2d", &r2);
	assert_memory_equal(r.values, r2.values, sizeof(r.values));
	assert_int_equal(val(&r, "4c2"), 1);
	assert_int_equal(val(&r, "4d"), 1);
	assert_int_equal(val(&r, "4a"), 0);
	assert_int_equal(r.risk_count, 2);
}

/* 7.5: FO 48219303 3h14h2 5cg U */
static void
test_example_valid_5(void **state)
{
	struct sheet_report r;

	(void)state;
	parse_ok("FO 48219303 3h14h2 5cg U", &r);
	assert_int_equal(val(&r, "3h14"), 1);
	assert_int_equal(val(&r, "3h2"), 1);
	assert_int_equal(val(&r, "3h1"), 1);
	assert_int_equal(val(&r, "3h11"), 0);
	assert_int_equal(val(&r, "3a"), 0);
	assert_int_equal(val(&r, "5c"), 1);
	assert_int_equal(val(&r, "5g"), 1);
	assert_int_equal(val(&r, "5b"), 9);
	assert_int_equal(val(&r, "5b1"), 0);
	assert_int_equal(val(&r, "6b2"), 9);
	assert_true(r.urgent_flag);
	assert_true(r.urgent);
	assert_int_equal(r.risk_count, 4); /* 3h1, 3h2, 5c, 5g */
}

/* 7.5: FO NOU 6b2 T1015-1030 */
static void
test_example_valid_6(void **state)
{
	struct sheet_report r;
	struct sheet_ack a = { 22, 43, 0, 1, 1, 1, 0, 0, 0 };
	char *reply;

	(void)state;
	parse_ok("FO NOU 6b2 T1015-1030", &r);
	assert_string_equal(r.household, "");
	assert_int_equal(val(&r, "6b2"), 1);
	assert_int_equal(val(&r, "6b"), 1);
	assert_int_equal(val(&r, "6b1"), 0);
	assert_int_equal(val(&r, "6a"), 0);
	assert_int_equal(r.time_start, 10 * 60 + 15);
	assert_int_equal(r.time_end, 10 * 60 + 30);
	assert_false(r.urgent_flag);
	assert_true(r.urgent);
	a.received_at = at(2022, 9, 14, 11, 0);
	reply = ack_reply(&a, "ro");
	/* The 7.5 text, then the 112 reminder every urgent reply carries. */
	assert_string_equal(reply, "OK FO 22-043 familie fara cod. SPAS va "
	    "suna la acest numar in cel mult 24h pentru identificare. Nu "
	    "trimiteti nume prin SMS. Pericol imediat: sunati la 112.");
	assert_true(strlen(reply) <= 160);
	free(reply);
	parse_ok("FO NEW 6b2", &r);
	parse_ok("OS nou 10", &r);
}

static void
test_example_invalid(void **state)
{
	struct sheet_perror e;
	char *reply;

	(void)state;
	reply = error_reply("FO 48219330 4c2");
	assert_string_equal(reply, "EROARE: cod familie invalid (verificati "
	    "lista de la SPAS). Fisa NU a fost inregistrata.");
	free(reply);
	assert_int_equal(parse_err("FO 4821930 4c2", &e),
	    SHEET_PERR_HOUSEHOLD_LEN);
	reply = error_reply("FO 48219303 4x");
	assert_string_equal(reply, "EROARE: indicator necunoscut '4X'. Fisa "
	    "NU a fost inregistrata.");
	free(reply);
	assert_int_equal(parse_err("FO 48219303 40 4c2", &e),
	    SHEET_PERR_ZERO_AND_ITEMS);
	assert_string_equal(e.what, "4");
	assert_int_equal(parse_err("FO 48219303 4c2 40", &e),
	    SHEET_PERR_ZERO_AND_ITEMS);
	assert_int_equal(parse_err("FO 48219303 7a", &e), SHEET_PERR_DOMAIN);
	assert_string_equal(e.what, "7A");
	assert_int_equal(parse_err("FO 48219303 1c", &e), SHEET_PERR_LEGACY);
	assert_string_equal(e.hint, "1C1");
	reply = error_reply("FO 48219303 1c");
	assert_string_equal(reply, "EROARE: codul '1C' nu se mai foloseste, "
	    "folositi 1C1. Fisa NU a fost inregistrata.");
	free(reply);
	reply = error_reply("FO 48219303 Popescu Ion 2b");
	assert_string_equal(reply, "EROARE: textul contine cuvinte nepermise. "
	    "Nu trimiteti nume sau adrese prin SMS. Fisa NU a fost "
	    "inregistrata.");
	free(reply);
	assert_int_equal(parse_err("FO 48219303", &e), SHEET_PERR_NO_BLOCKS);
	assert_int_equal(parse_err("FO 48219303 U T1015-1030", &e),
	    SHEET_PERR_NO_BLOCKS);
	assert_int_equal(parse_err("FO 48219303 1a1 T2500-0900", &e),
	    SHEET_PERR_TIME);
	assert_string_equal(e.what, "T2500-0900");
	reply = error_reply("FO 48219303 1a1 T2500-0900");
	assert_string_equal(reply, "EROARE: ora invalida 'T2500-0900' (ex: "
	    "T1015-1030). Fisa NU a fost inregistrata.");
	free(reply);
	/* The other replies as documented in docs/observation-sheets.md. */
	reply = error_reply("FO 4821930 4c2");
	assert_string_equal(reply, "EROARE: codul familiei are 8 cifre (sau "
	    "NOU). Fisa NU a fost inregistrata.");
	free(reply);
	reply = error_reply("FO 48219303 40 4c2");
	assert_string_equal(reply, "EROARE: domeniul 4 are si 0 si "
	    "indicatori. Fisa NU a fost inregistrata.");
	free(reply);
	reply = error_reply("FO 48219303 7a");
	assert_string_equal(reply, "EROARE: domeniu inexistent '7A' (domenii "
	    "1-6). Fisa NU a fost inregistrata.");
	free(reply);
	reply = error_reply("FO 48219303");
	assert_string_equal(reply, "EROARE: lipsesc indicatorii (ex: FO cod "
	    "4c2 sau FO cod 40). Fisa NU a fost inregistrata.");
	free(reply);
	reply = error_reply("FO 48219303 5b");
	assert_string_equal(reply, "EROARE: codul '5B' nu se mai foloseste, "
	    "folositi 5B1 sau 5G. Fisa NU a fost inregistrata.");
	free(reply);
}

static void
test_more_errors(void **state)
{
	struct sheet_perror e;
	char msg[1024];

	(void)state;
	assert_int_equal(parse_err("", &e), SHEET_PERR_KEYWORD);
	assert_int_equal(parse_err("HELLO 48219303 40", &e),
	    SHEET_PERR_KEYWORD);
	assert_int_equal(parse_err("FO48219303 40", &e), SHEET_PERR_KEYWORD);
	assert_int_equal(parse_err("FO", &e), SHEET_PERR_NO_HOUSEHOLD);
	assert_int_equal(parse_err("FO Popescu 2b", &e), SHEET_PERR_FREE_TEXT);
	assert_int_equal(parse_err("FO 4821930X 2b", &e),
	    SHEET_PERR_HOUSEHOLD);
	assert_int_equal(parse_err("FO 482193031 2b", &e),
	    SHEET_PERR_HOUSEHOLD_LEN);
	/* A CNP, a phone number or a house number is never data. */
	assert_int_equal(parse_err("FO 48219303 2b 1850412123456", &e),
	    SHEET_PERR_FREE_TEXT);
	assert_int_equal(parse_err("FO 48219303 2b 123", &e),
	    SHEET_PERR_FREE_TEXT);
	assert_int_equal(parse_err("FO 48219303 2b nr", &e),
	    SHEET_PERR_FREE_TEXT);
	assert_int_equal(parse_err("FO 48219303 2b UU", &e),
	    SHEET_PERR_FREE_TEXT);
	assert_int_equal(parse_err("FO 48219303 4", &e),
	    SHEET_PERR_EMPTY_BLOCK);
	assert_int_equal(parse_err("FO 48219303 00", &e), SHEET_PERR_DOMAIN);
	assert_int_equal(parse_err("FO 48219303 80", &e), SHEET_PERR_DOMAIN);
	assert_int_equal(parse_err("FO 48219303 4c12", &e),
	    SHEET_PERR_UNKNOWN_ITEM);
	assert_string_equal(e.what, "4C12");
	assert_int_equal(parse_err("FO 48219303 400", &e),
	    SHEET_PERR_FREE_TEXT);
	assert_int_equal(parse_err("FO 48219303 40c2", &e),
	    SHEET_PERR_UNKNOWN_ITEM);
	assert_int_equal(parse_err("FO 48219303 2b?", &e),
	    SHEET_PERR_UNKNOWN_ITEM);
	assert_string_equal(e.what, "2?");
	assert_int_equal(parse_err("FO 48219303 6b4", &e),
	    SHEET_PERR_UNKNOWN_ITEM);
	assert_int_equal(parse_err("FO 48219303 2b T1030-1015", &e),
	    SHEET_PERR_TIME);
	assert_int_equal(parse_err("FO 48219303 2b T1060-1100", &e),
	    SHEET_PERR_TIME);
	assert_int_equal(parse_err("FO 48219303 2b T10-11", &e),
	    SHEET_PERR_TIME);
	assert_int_equal(parse_err("FO 48219303 2b T", &e), SHEET_PERR_TIME);
	assert_int_equal(parse_err("FO 48219303 2b T1000-1100 T1000-1100",
	    &e), SHEET_PERR_TIME_TWICE);
	/* '@' (GSM-7 0x00) inside a token: refused, never echoed. */
	assert_int_equal(sheet_grammar_parse(table, "FO 48219303 2b\0", 15,
	    &(struct sheet_report){ 0 }, &e), -1);
	assert_int_equal(e.code, SHEET_PERR_FREE_TEXT);
	assert_int_equal(sheet_grammar_parse(table, "FO 48219303 2b @", 16,
	    &(struct sheet_report){ 0 }, &e), -1);
	assert_int_equal(e.code, SHEET_PERR_FREE_TEXT);
	/* Diacritics in a name are folded, then refused as words. */
	assert_int_equal(parse_err("FO 48219303 2b \xc8\x98tefan", &e),
	    SHEET_PERR_FREE_TEXT);
	assert_int_equal(parse_err("FO 48219303 2b \xe2\x82\xac", &e),
	    SHEET_PERR_FREE_TEXT);
	/* The token count is capped. */
	msg[0] = '\0';
	strlcpy_s(msg, "FO 48219303", sizeof(msg));
	for (int i = 0; i < SHEET_MAX_TOKENS; i++)
		strlcpy_s(msg + strlen(msg), " 2b", sizeof(msg) - strlen(msg));
	assert_int_equal(parse_err(msg, &e), SHEET_PERR_TOO_LONG);
	/* The first error is the one reported. */
	assert_int_equal(parse_err("FO 48219330 Popescu 7a", &e),
	    SHEET_PERR_HOUSEHOLD);
	assert_int_equal(parse_err("FO 48219303 7a Popescu", &e),
	    SHEET_PERR_DOMAIN);
}

static void
test_more_valid(void **state)
{
	struct sheet_report r;

	(void)state;
	/* Composite alone: its sub-items stay unknown, the rest are 0. */
	parse_ok("FO 48219303 6b", &r);
	assert_int_equal(val(&r, "6b"), 1);
	assert_int_equal(val(&r, "6b1"), 9);
	assert_int_equal(val(&r, "6b2"), 9);
	assert_int_equal(val(&r, "6a"), 0);
	assert_false(r.urgent);
	assert_int_equal(r.risk_count, 1);
	/* Composite and one sub-item: the other sub-items are known 0. */
	parse_ok("FO 48219303 6b 6b3", &r);
	assert_int_equal(val(&r, "6b1"), 0);
	assert_int_equal(val(&r, "6b3"), 1);
	assert_true(r.urgent);
	/* Other-situation flags: a suspicion, not a Table 1 risk. */
	parse_ok("FO 48219303 2z", &r);
	assert_true(r.any_risk);
	assert_int_equal(r.risk_count, 0);
	assert_int_equal(r.flags, 1);
	/* Separators, case, repeated items, U among the blocks. */
	parse_ok("  Fo,48219303.u;2b+2B\n\n2c  ", &r);
	assert_true(r.urgent_flag);
	assert_int_equal(val(&r, "2b"), 1);
	assert_int_equal(val(&r, "2c"), 1);
	parse_ok("FO 73051267 1a1 T0000-2359", &r);
	assert_int_equal(r.time_end, 23 * 60 + 59);
}

/* Every leaf, parent and flag, plus T and U: 138 characters, one SMS. */
static void
test_longest_message(void **state)
{
	struct sheet_report r;
	const char *msg = "FO 48219303 1aa1a2bc1 2abcdefghh1h2ii1i2jzk1k2 "
	    "3abcdefgzh1h11h12h13h14h15h16h2 4abc1c2defghzii1i2i3 "
	    "5ab1cdefg 6abb1b2b3cde1e2 T0800-0900 U";

	(void)state;
	assert_int_equal(strlen(msg), 138);
	parse_ok(msg, &r);
	assert_int_equal(r.risk_count, 47);
	assert_int_equal(r.flags, 3);
	for (size_t i = 0; i < sheet_table_count(table); i++) {
		if (sheet_table_at(table, i)->status == 'L')
			assert_int_equal(r.values[i], 9);
		else
			assert_int_equal(r.values[i], 1);
	}
}

static void
test_reply_lengths(void **state)
{
	static const char *const langs[] = { "ro", "hu", "en", "xx" };
	static const char *const fixed[] = { "unknown_reporter",
		"disabled_reporter", "not_configured", "numbers_exhausted",
		"internal", "pin_bad", "pin_locked", "cancelled", "nope" };
	struct sheet_perror e;
	struct buf b;

	(void)state;
	for (size_t l = 0; l < NELEM(langs); l++) {
		for (int c = SHEET_PERR_TOO_LONG; c <= SHEET_PERR_EMPTY_BLOCK;
		    c++) {
			memset(&e, 0, sizeof(e));
			e.code = (enum sheet_perr)c;
			strlcpy_s(e.what, "T2500-0900", sizeof(e.what));
			strlcpy_s(e.hint, "5B1 5G", sizeof(e.hint));
			buf_init(&b, 0);
			assert_int_equal(sheet_text_error(&e, langs[l], &b),
			    0);
			if (b.len > 160 || !gsm_ascii(b.data))
				fprintf(stderr, "too long: %s\n", b.data);
			assert_true(b.len <= 160);
			assert_true(gsm_ascii(b.data));
			buf_free(&b);
		}
		for (size_t f = 0; f < NELEM(fixed); f++) {
			const char *s = sheet_text_fixed(fixed[f], langs[l]);

			assert_true(strlen(s) > 0 && strlen(s) <= 160);
			assert_true(gsm_ascii(s));
		}
		for (int v = 0; v < 8; v++) {
			struct sheet_ack a = { 52, 999, at(2026, 12, 31, 23,
			    59), v & 1 ? 50 : 0, (v & 2) != 0, (v & 4) != 0,
			    0, 0, 0 };
			char *s = ack_reply(&a, langs[l]);

			if (strlen(s) > 160)
				fprintf(stderr, "too long: %s\n", s);
			assert_true(strlen(s) <= 160);
			assert_true(gsm_ascii(s));
			free(s);
		}
	}
	assert_string_equal(sheet_text_fixed("unknown_reporter", "ro"),
	    "EROARE: numar neinregistrat. Contactati SPAS pentru inscriere.");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_damm),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_table_validation),
		cmocka_unit_test(test_derivation),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_example_valid_1),
		cmocka_unit_test(test_example_valid_2),
		cmocka_unit_test(test_example_valid_3_4),
		cmocka_unit_test(test_example_valid_5),
		cmocka_unit_test(test_example_valid_6),
		cmocka_unit_test(test_example_invalid),
		cmocka_unit_test(test_more_errors),
		cmocka_unit_test(test_more_valid),
		cmocka_unit_test(test_longest_message),
		cmocka_unit_test(test_reply_lengths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
