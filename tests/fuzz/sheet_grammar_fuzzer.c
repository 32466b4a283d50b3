/*
 * sheet_grammar_fuzzer.c - libFuzzer target for the compact Observation
 * Sheet parser (flows/sheet/sheet_grammar.c), replayed over
 * tests/fuzz/corpus/sheet_grammar/ by `make replay`.
 *
 * The indicator table is loaded once from flows/sheet/indicators.csv (or from
 * $STAFETA_INDICATORS).  Each input is parsed with its explicit length
 * (so NUL bytes, GSM-7 '@', are exercised), then the properties are
 * checked with abort(): an accepted report has only 1/0/9 values,
 * consistent composites and counts; a refused one has a reply that is
 * ASCII, fits one SMS in every language and echoes only a short safe
 * fragment.  Inputs are capped at 2 KiB (the parser refuses more than
 * SHEET_MAX_TEXT bytes anyway).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sheet.h"
#include "util.h"

#define SHEET_FUZZ_MAX 2048
#define CHECK(x)                                                            \
	do {                                                                \
		if (!(x))                                                   \
			abort();                                            \
	} while (0)

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct sheet_table *fuzz_table;

static void check_report(const struct sheet_report *);
static void check_error(const struct sheet_perror *);
static int gsm_ascii(const char *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("STAFETA_INDICATORS");
	char err[512];

	(void)argc;
	(void)argv;
	if (path == NULL)
		path = "flows/sheet/indicators.csv";
	fuzz_table = sheet_table_load(path, err, sizeof(err));
	if (fuzz_table == NULL) {
		fprintf(stderr, "sheet_grammar_fuzzer: %s\n", err);
		abort();
	}
	return 0;
}

/* Printable ASCII without GSM-7 extension characters. */
static int
gsm_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || strchr("@{}[]~\\|^`", c) != NULL)
			return 0;
	}
	return 1;
}

static void
check_report(const struct sheet_report *r)
{
	const struct sheet_table *t = fuzz_table;
	struct sheet_report again;
	size_t n = sheet_table_count(t), i;
	int count = 0, any = 0;

	CHECK(r->household[0] == '\0' || sheet_damm_valid(r->household, 8));
	CHECK((r->time_start < 0) == (r->time_end < 0));
	CHECK(r->time_start < 24 * 60 && r->time_end < 24 * 60);
	CHECK(r->time_start <= r->time_end);
	for (i = 0; i < n; i++) {
		const struct sheet_indicator *ind = sheet_table_at(t, i);
		int v = r->values[i];

		CHECK(v == SHEET_VAL_YES || v == SHEET_VAL_NO ||
		    v == SHEET_VAL_UNKNOWN);
		if (ind->status == 'L')
			CHECK(v == SHEET_VAL_UNKNOWN);
		if (v == SHEET_VAL_YES && ind->status != 'L')
			any = 1;
		if (v == SHEET_VAL_YES && ind->lettered)
			count++;
		/* A sub-item at 1 makes its composite 1. */
		if (ind->parent >= 0 && v == SHEET_VAL_YES)
			CHECK(r->values[ind->parent] == SHEET_VAL_YES);
	}
	CHECK(r->any_risk == any);
	CHECK(r->risk_count == count && count <= 47);
	/* Derivation is idempotent. */
	again = *r;
	sheet_derive(t, &again);
	CHECK(memcmp(again.values, r->values, sizeof(r->values)) == 0);
	CHECK(again.urgent == r->urgent && again.risk_count == r->risk_count);
}

static void
check_error(const struct sheet_perror *e)
{
	static const char *const langs[] = { "ro", "hu", "en" };
	struct buf b;
	size_t i, w = strlen(e->what);

	CHECK(e->code > SHEET_PERR_NONE && e->code <= SHEET_PERR_EMPTY_BLOCK);
	CHECK(w <= 10 && gsm_ascii(e->what, w));
	if (e->code == SHEET_PERR_FREE_TEXT)
		CHECK(w == 0); /* names are never echoed */
	for (i = 0; i < NELEM(langs); i++) {
		buf_init(&b, 0);
		CHECK(sheet_text_error(e, langs[i], &b) == 0);
		CHECK(b.len > 0 && b.len <= 160);
		CHECK(gsm_ascii(b.data, b.len));
		buf_free(&b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sheet_report r;
	struct sheet_perror e;
	char norm[SHEET_MAX_TEXT + 1];
	int n;

	if (len > SHEET_FUZZ_MAX)
		return 0;
	n = sheet_normalize((const char *)data, len, norm, sizeof(norm));
	CHECK(n == -1 || (size_t)n <= len);
	if (sheet_grammar_parse(fuzz_table, (const char *)data, len, &r,
	    &e) == 0) {
		CHECK(e.code == SHEET_PERR_NONE);
		check_report(&r);
	} else {
		check_error(&e);
	}
	return 0;
}
