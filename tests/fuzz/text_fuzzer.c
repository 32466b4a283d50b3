/*
 * text_fuzzer.c - libFuzzer target for the SMS text helpers
 * (modem/gsm_text.c), replayed over tests/fuzz/corpus/text/ by
 * `make replay`.
 *
 * The input is used twice: as UTF-8 bytes (round trip through UCS-2,
 * GSM-7 checks, part counting, Romanian folding) and as UCS-2 units
 * (decoding must always give valid UTF-8).  Properties are checked with
 * abort(), so a violation is a crash under both libFuzzer and replay.
 * Inputs are capped at 8 KiB: the longest sendable text is smaller.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gsm_text.h"
#include "modem.h"
#include "util.h"

#define TEXT_FUZZ_MAX (8 * 1024)
#define CHECK(x)                                                            \
	do {                                                                \
		if (!(x))                                                   \
			abort();                                            \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void fuzz_utf8(const uint8_t *, size_t);
static void fuzz_ucs2(const uint8_t *, size_t);
static void fuzz_cstring(const char *);

/* Bytes as UTF-8: valid input survives UTF-8 -> UCS-2 -> UTF-8. */
static void
fuzz_utf8(const uint8_t *data, size_t len)
{
	const char *s = (const char *)data;
	uint16_t *u;
	long n, m, small;
	char *back;

	n = gsm_text_utf8_to_ucs2(s, len, NULL, 0);
	if (n < 0) {
		CHECK(gsm_text_utf8_to_ucs2(s, len, NULL, 0) == -1);
		return;
	}
	CHECK((size_t)n <= len);
	u = xcalloc((size_t)n + 1, sizeof(*u));
	m = gsm_text_utf8_to_ucs2(s, len, u, (size_t)n);
	CHECK(m == n);
	/* A short buffer is filled without overrun or a split pair. */
	small = gsm_text_utf8_to_ucs2(s, len, u, (size_t)n / 2);
	CHECK(small >= 0 && small <= n / 2);
	if (small > 0)
		CHECK(u[small - 1] < 0xd800 || u[small - 1] > 0xdbff);
	CHECK(gsm_text_utf8_to_ucs2(s, len, u, (size_t)n) == n);
	back = gsm_text_ucs2_to_utf8(u, (size_t)n);
	/* U+0000 comes back as U+FFFD (a C string cannot hold it). */
	if (memchr(data, 0, len) == NULL) {
		CHECK(strlen(back) == len);
		CHECK(memcmp(back, data, len) == 0);
	}
	free(back);
	free(u);
}

/* Bytes as UCS-2 units: any units decode to valid UTF-8 without NUL. */
static void
fuzz_ucs2(const uint8_t *data, size_t len)
{
	size_t n = len / 2;
	uint16_t *u, *again;
	char *s;
	long m;

	u = xcalloc(n + 1, sizeof(*u));
	for (size_t i = 0; i < n; i++)
		u[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
	s = gsm_text_ucs2_to_utf8(u, n);
	m = gsm_text_utf8_to_ucs2(s, strlen(s), NULL, 0);
	CHECK(m >= 0 && (size_t)m == n);
	again = xcalloc(n + 1, sizeof(*again));
	CHECK(gsm_text_utf8_to_ucs2(s, strlen(s), again, n) == m);
	for (size_t i = 0; i < n; i++) {
		/* Well-formed units are kept; the rest became U+FFFD. */
		if (again[i] != u[i])
			CHECK(again[i] == 0xfffd);
	}
	fuzz_cstring(s);
	free(again);
	free(s);
	free(u);
}

/* The counting and folding helpers agree with each other. */
static void
fuzz_cstring(const char *s)
{
	long septets = gsm_text_gsm7_septets(s);
	long units = gsm_text_utf8_to_ucs2(s, strlen(s), NULL, 0);
	int gsm = gsm_text_is_gsm7(s);
	int parts = gsm_text_parts(s), parts16;
	char *ascii, *again;

	CHECK(gsm == (septets >= 0));
	parts16 = gsm_text_parts_ref(s, 16);
	if (units < 0) {
		CHECK(parts == -1 && parts16 == -1 && !gsm);
		CHECK(!gsm_text_sendable(s));
	} else if (gsm) {
		CHECK(septets >= units && septets <= 2 * units);
		if (septets <= 160)
			CHECK(parts == 1);
		else
			CHECK(parts >= (septets + 152) / 153 &&
			    parts <= (septets + 151) / 152);
		CHECK(parts16 >= parts);
		CHECK(gsm_text_sendable(s) == (septets <= 5000));
	} else {
		if (units <= 70)
			CHECK(parts == 1);
		else
			/* libgammu moves at most 3 units to the next part. */
			CHECK(parts >= (units + 66) / 67 &&
			    parts <= (units + 63) / 64);
		CHECK(parts16 >= parts);
	}
	ascii = gsm_text_to_ascii_ro(s);
	CHECK(strlen(ascii) <= strlen(s));
	if (units >= 0)
		CHECK(gsm_text_utf8_to_ucs2(ascii, strlen(ascii), NULL, 0) >=
		    0);
	/* Folding is idempotent. */
	again = gsm_text_to_ascii_ro(ascii);
	CHECK(strcmp(again, ascii) == 0);
	free(again);
	free(ascii);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *s;

	if (len > TEXT_FUZZ_MAX)
		return 0;
	fuzz_utf8(data, len);
	fuzz_ucs2(data, len);
	s = xstrndup((const char *)data, len);
	fuzz_cstring(s);
	free(s);
	return 0;
}
