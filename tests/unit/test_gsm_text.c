/*
 * test_gsm_text.c - UTF-8/UCS-2 conversion, GSM-7 fitness, septet and
 * part counting, Romanian folding.
 *
 * Part counts and the GSM-7 character set are checked against libgammu
 * 1.42 itself (GSM_EncodeMultiPartSMS, EncodeDefault/DecodeDefault,
 * DecodeUTF8), since what matters is what libgammu will send.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gammu.h>

/* <gammu.h> has its own UNUSED (an attribute); ours is a statement. */
#undef UNUSED
#include "buf.h"
#include "gsm_text.h"
#include "modem.h"
#include "util.h"

/* Exported by libGammu.so but not declared in its public headers
 * (libgammu/misc/coding/coding.c). */
void EncodeDefault(unsigned char *dest, const unsigned char *src, size_t *len,
    gboolean UseExtensions, unsigned char *ExtraAlphabet);
void DecodeDefault(unsigned char *dest, const unsigned char *src, size_t len,
    gboolean UseExtensions, unsigned char *ExtraAlphabet);

#define A_BREVE "\xc4\x83"	    /* U+0103 */
#define A_CIRC "\xc3\xa2"	    /* U+00E2 */
#define I_CIRC "\xc3\xae"	    /* U+00EE */
#define S_COMMA "\xc8\x99"	    /* U+0219 */
#define T_COMMA "\xc8\x9b"	    /* U+021B */
#define S_CEDIL "\xc5\x9f"	    /* U+015F */
#define T_CEDIL "\xc5\xa3"	    /* U+0163 */
#define CAP_S_COMMA "\xc8\x98"	    /* U+0218 */
#define CAP_T_CEDIL "\xc5\xa2"	    /* U+0162 */
#define EURO "\xe2\x82\xac"	    /* U+20AC */
#define EMOJI "\xf0\x9f\x98\x80"    /* U+1F600, a surrogate pair */
#define COMB_BREVE "\xcc\x86"	    /* U+0306 */
#define FLAG_RO "\xf0\x9f\x87\xb7\xf0\x9f\x87\xb4" /* regional R + O */

static void test_utf8_to_ucs2_basic(void **);
static void test_utf8_invalid(void **);
static void test_utf8_max(void **);
static void test_ucs2_to_utf8(void **);
static void test_against_decode_utf8(void **);
static void test_gsm7_romanian(void **);
static void test_gsm7_table_matches_libgammu(void **);
static void test_septets(void **);
static void test_parts_boundaries(void **);
static void test_parts_against_libgammu(void **);
static void test_parts_alignment(void **);
static void test_sendable(void **);
static void test_parts_random_against_libgammu(void **);
static void test_ascii_ro(void **);

static char *rep(const char *, size_t);
static char *cat3(const char *, const char *, const char *);
static int gammu_parts(const char *, int);
static void check_parts(const char *, const char *);

/* n copies of s; caller frees. */
static char *
rep(const char *s, size_t n)
{
	size_t l = strlen(s);
	char *out = xmalloc(l * n + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(out + i * l, s, l);
	out[l * n] = '\0';
	return out;
}

static char *
cat3(const char *a, const char *b, const char *c)
{
	return xasprintf("%s%s%s", a, b, c);
}

/*
 * Parts libgammu makes of utf8 with SMS_ConcatenatedTextLong(16bit),
 * choosing UCS-2 exactly when gsm_text_is_gsm7 says no, as the worker
 * does.
 */
static int
gammu_parts(const char *utf8, int bits)
{
	GSM_MultiPartSMSInfo info;
	GSM_MultiSMSMessage *sms;
	unsigned char *ucs;
	size_t len = strlen(utf8);
	GSM_Error err;
	int n;

	ucs = xcalloc(len * 2 + 2, 2);
	DecodeUTF8(ucs, utf8, len);
	sms = xcalloc(1, sizeof(*sms));
	GSM_ClearMultiPartSMSInfo(&info);
	info.EntriesNum = 1;
	info.UnicodeCoding = !gsm_text_is_gsm7(utf8);
	info.Entries[0].ID = bits == 16 ? SMS_ConcatenatedTextLong16bit :
	    SMS_ConcatenatedTextLong;
	info.Entries[0].Buffer = ucs;
	err = GSM_EncodeMultiPartSMS(GSM_GetGlobalDebug(), &info, sms);
	assert_int_equal(err, ERR_NONE);
	n = sms->Number;
	free(sms);
	free(ucs);
	return n;
}

/* Compares our count with libgammu's for 8- and 16-bit references. */
static void
check_parts(const char *utf8, const char *what)
{
	static const int bits[] = { 8, 16 };

	for (size_t i = 0; i < NELEM(bits); i++) {
		int ours = gsm_text_parts_ref(utf8, bits[i]);
		int theirs = gammu_parts(utf8, bits[i]);

		if (ours > GSM_TEXT_MAX_PARTS ||
		    gsm_text_gsm7_septets(utf8) > GSM_TEXT_MAX_SEPTETS) {
			/* libgammu stops at 50 parts and drops the rest of a
			 * UCS-2 text, and pads a GSM-7 text of more than 5000
			 * septets with empty parts up to 50. */
			assert_false(gsm_text_sendable(utf8));
			if (theirs != GSM_TEXT_MAX_PARTS)
				fail_msg("%s/%d: ours %d, libgammu %d", what,
				    bits[i], ours, theirs);
			continue;
		}
		if (ours != theirs)
			fail_msg("%s/%d: ours %d, libgammu %d", what, bits[i],
			    ours, theirs);
	}
	assert_int_equal(gsm_text_parts(utf8), gsm_text_parts_ref(utf8, 8));
}

static void
test_utf8_to_ucs2_basic(void **state)
{
	uint16_t u[16];
	const char *s = "a" A_BREVE EURO EMOJI;

	UNUSED(state);
	assert_int_equal(gsm_text_utf8_to_ucs2(s, strlen(s), u, NELEM(u)),
	    5);
	assert_int_equal(u[0], 0x0061);
	assert_int_equal(u[1], 0x0103);
	assert_int_equal(u[2], 0x20ac);
	assert_int_equal(u[3], 0xd83d);
	assert_int_equal(u[4], 0xde00);
	assert_int_equal(gsm_text_utf8_to_ucs2(s, strlen(s), NULL, 0), 5);
	assert_int_equal(gsm_text_utf8_to_ucs2("", 0, u, NELEM(u)), 0);
	/* U+10FFFF, the last code point. */
	assert_int_equal(gsm_text_utf8_to_ucs2("\xf4\x8f\xbf\xbf", 4, u,
	    NELEM(u)), 2);
	assert_int_equal(u[0], 0xdbff);
	assert_int_equal(u[1], 0xdfff);
	/* An explicit length may include a NUL character. */
	assert_int_equal(gsm_text_utf8_to_ucs2("a\0b", 3, u, NELEM(u)), 3);
	assert_int_equal(u[1], 0);
}

static void
test_utf8_invalid(void **state)
{
	static const char *bad[] = {
		"\x80",			/* stray continuation */
		"\xbf",
		"\xc0\x80",		/* overlong NUL */
		"\xc1\xbf",		/* overlong */
		"\xe0\x80\x80",		/* overlong */
		"\xe0\x9f\xbf",		/* overlong */
		"\xf0\x8f\xbf\xbf",	/* overlong */
		"\xed\xa0\x80",		/* U+D800 */
		"\xed\xbf\xbf",		/* U+DFFF */
		"\xed\xa0\xbd\xed\xb8\x80", /* CESU-8 emoji */
		"\xf4\x90\x80\x80",	/* > U+10FFFF */
		"\xf5\x80\x80\x80",
		"\xfe",
		"\xff",
		"\xc4",			/* truncated */
		"\xe2\x82",
		"\xf0\x9f\x98",
		("a\xc4" "b"),		/* bad continuation */
		"\xe2\x28\xa1",
	};
	uint16_t u[16];

	UNUSED(state);
	for (size_t i = 0; i < NELEM(bad); i++) {
		if (gsm_text_utf8_to_ucs2(bad[i], strlen(bad[i]), u,
		    NELEM(u)) != -1)
			fail_msg("accepted bad input %zu", i);
		assert_int_equal(gsm_text_utf8_to_ucs2(bad[i],
		    strlen(bad[i]), NULL, 0), -1);
		assert_int_equal(gsm_text_is_gsm7(bad[i]), 0);
		assert_int_equal(gsm_text_gsm7_septets(bad[i]), -1);
		assert_int_equal(gsm_text_parts(bad[i]), -1);
	}
	/* Invalid input after a full buffer is still rejected. */
	assert_int_equal(gsm_text_utf8_to_ucs2("abc\xff", 4, u, 2), -1);
	assert_int_equal(gsm_text_parts(NULL), -1);
	assert_int_equal(gsm_text_is_gsm7(NULL), 0);
}

static void
test_utf8_max(void **state)
{
	uint16_t u[4] = { 0, 0, 0, 0x1234 };
	const char *s = "ab" EMOJI "c";

	UNUSED(state);
	/* Room for 3 units: the pair does not fit whole, so it is left out
	 * and writing stops there. */
	assert_int_equal(gsm_text_utf8_to_ucs2(s, strlen(s), u, 3), 2);
	assert_int_equal(u[2], 0);
	assert_int_equal(u[3], 0x1234);
	assert_int_equal(gsm_text_utf8_to_ucs2(s, strlen(s), u, 4), 4);
	assert_int_equal(gsm_text_utf8_to_ucs2(s, strlen(s), u, 0), 0);
}

static void
test_ucs2_to_utf8(void **state)
{
	static const uint16_t ro[] = { 0x0103, 0x00e2, 0x00ee, 0x0219, 0x021b,
		0x015f, 0x0163, 0x0218, 0x021a };
	static const uint16_t pair[] = { 0x0041, 0xd83d, 0xde00, 0x0042 };
	static const uint16_t lone_lead[] = { 0x0041, 0xd83d, 0x0042 };
	static const uint16_t lone_trail[] = { 0xde00, 0x0041 };
	static const uint16_t reversed[] = { 0xde00, 0xd83d };
	static const uint16_t lead_at_end[] = { 0x0041, 0xd83d };
	static const uint16_t nul[] = { 0x0041, 0x0000, 0x0042 };
	char *s;

	UNUSED(state);
	s = gsm_text_ucs2_to_utf8(ro, NELEM(ro));
	assert_string_equal(s, A_BREVE A_CIRC I_CIRC S_COMMA T_COMMA S_CEDIL
	    T_CEDIL CAP_S_COMMA "\xc8\x9a");
	free(s);
	s = gsm_text_ucs2_to_utf8(pair, NELEM(pair));
	assert_string_equal(s, "A" EMOJI "B");
	free(s);
	s = gsm_text_ucs2_to_utf8(lone_lead, NELEM(lone_lead));
	assert_string_equal(s, "A\xef\xbf\xbd" "B");
	free(s);
	s = gsm_text_ucs2_to_utf8(lone_trail, NELEM(lone_trail));
	assert_string_equal(s, "\xef\xbf\xbd" "A");
	free(s);
	s = gsm_text_ucs2_to_utf8(reversed, NELEM(reversed));
	assert_string_equal(s, "\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = gsm_text_ucs2_to_utf8(lead_at_end, NELEM(lead_at_end));
	assert_string_equal(s, "A\xef\xbf\xbd");
	free(s);
	s = gsm_text_ucs2_to_utf8(nul, NELEM(nul));
	assert_string_equal(s, "A\xef\xbf\xbd" "B");
	free(s);
	s = gsm_text_ucs2_to_utf8(NULL, 0);
	assert_string_equal(s, "");
	free(s);
}

/* Our converter agrees with libgammu's DecodeUTF8/EncodeUTF8 on valid
 * text, and the round trip is exact. */
static void
test_against_decode_utf8(void **state)
{
	static const char *texts[] = {
		"",
		"AJUTOR",
		"Bun" A_BREVE " ziua, " S_COMMA "i " T_CEDIL "ara " I_CIRC "n "
		    A_CIRC "ine",
		EMOJI " " FLAG_RO " " EURO "{}[]~^|\\",
		"a" COMB_BREVE "b\xe4\xb8\xad\xe6\x96\x87\xf0\x90\x8d\x88",
		"\xf4\x8f\xbf\xbf\xee\x80\x80\xef\xbf\xbd",
	};

	UNUSED(state);
	for (size_t i = 0; i < NELEM(texts); i++) {
		size_t len = strlen(texts[i]);
		uint16_t u[128];
		unsigned char g[260];
		char back[600];
		long n;
		char *s;

		n = gsm_text_utf8_to_ucs2(texts[i], len, u, NELEM(u));
		assert_true(n >= 0);
		memset(g, 0, sizeof(g));
		DecodeUTF8(g, texts[i], len);
		assert_int_equal(UnicodeLength(g), n);
		for (long k = 0; k < n; k++)
			assert_int_equal(u[k], (g[2 * k] << 8) | g[2 * k + 1]);
		s = gsm_text_ucs2_to_utf8(u, (size_t)n);
		assert_string_equal(s, texts[i]);
		free(s);
		EncodeUTF8(back, g);
		assert_string_equal(back, texts[i]);
	}
}

static void
test_gsm7_romanian(void **state)
{
	static const char *not_gsm[] = {
		A_BREVE, A_CIRC, I_CIRC, S_COMMA, T_COMMA, S_CEDIL, T_CEDIL,
		CAP_S_COMMA, CAP_T_CEDIL, "\xc4\x82", "\xc3\x82", "\xc3\x8e",
		"\xc8\x9a", "\xc5\x9e", EMOJI, ("a" COMB_BREVE),
		"\xc2\xb9",	/* U+00B9: libgammu would send a bare escape */
		"\xc3\xa7",	/* small c cedilla: libgammu sends '?' */
		"\xc3\x81",	/* A acute: libgammu folds it to A */
		"`",
	};
	static const char *gsm[] = {
		"", "AJUTOR", "@$_!\"#%&'()*+,-./:;<=>?\n\r",
		"\xc3\xa9",	/* e acute */
		"\xc3\xbc\xc3\xb6\xc3\x84\xc3\x91", /* u, o, A umlaut, N tilde */
		"\xc3\x87",	/* capital C cedilla (0x09) */
		"\xce\x94\xce\xa9", /* Greek Delta Omega */
		(EURO "^{}\\[~]|\f"),
		"\xc2\xa3\xc2\xa5\xc2\xa4\xc2\xa7\xc2\xbf\xc2\xa1\xc3\x9f",
	};

	UNUSED(state);
	for (size_t i = 0; i < NELEM(not_gsm); i++)
		if (gsm_text_is_gsm7(not_gsm[i]) ||
		    gsm_text_gsm7_septets(not_gsm[i]) != -1)
			fail_msg("not_gsm[%zu] taken as GSM-7", i);
	for (size_t i = 0; i < NELEM(gsm); i++)
		if (!gsm_text_is_gsm7(gsm[i]))
			fail_msg("gsm[%zu] not taken as GSM-7", i);
	assert_false(gsm_text_is_gsm7("Ajutor " A_BREVE));
}

/*
 * For every BMP character, GSM-7 according to us must mean that
 * libgammu's EncodeDefault + DecodeDefault (what SMS_ConcatenatedAutoText
 * checks) gives the character back.  The only deliberate difference is
 * U+00B9, which libgammu maps to the escape septet.
 */
static void
test_gsm7_table_matches_libgammu(void **state)
{
	int count = 0;

	UNUSED(state);
	for (uint32_t cp = 1; cp <= 0xffff; cp++) {
		unsigned char in[4], enc[8], dec[8];
		char utf8[8];
		uint16_t u = (uint16_t)cp;
		size_t len = 1;
		int theirs, ours;
		char *s;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		in[0] = (unsigned char)(cp >> 8);
		in[1] = (unsigned char)cp;
		in[2] = in[3] = 0;
		memset(enc, 0, sizeof(enc));
		memset(dec, 0, sizeof(dec));
		EncodeDefault(enc, in, &len, TRUE, NULL);
		DecodeDefault(dec, enc, len, TRUE, NULL);
		theirs = dec[0] == in[0] && dec[1] == in[1] &&
		    dec[2] == 0 && dec[3] == 0;
		s = gsm_text_ucs2_to_utf8(&u, 1);
		strlcpy_s(utf8, s, sizeof(utf8));
		free(s);
		ours = gsm_text_is_gsm7(utf8);
		if (cp == 0x00b9) {
			assert_true(theirs);
			assert_false(ours);
			continue;
		}
		if (ours != theirs)
			fail_msg("U+%04X: ours %d, libgammu %d", (unsigned)cp,
			    ours, theirs);
		if (ours) {
			count++;
			/* Septets: the escape doubles the length. */
			assert_int_equal(gsm_text_gsm7_septets(utf8),
			    (long)len);
		}
	}
	/* 127 default characters (128 minus the escape) + 10 extension. */
	assert_int_equal(count, 127 + 10);
}

static void
test_septets(void **state)
{
	UNUSED(state);
	assert_int_equal(gsm_text_gsm7_septets(""), 0);
	assert_int_equal(gsm_text_gsm7_septets("AJUTOR"), 6);
	assert_int_equal(gsm_text_gsm7_septets(EURO), 2);
	assert_int_equal(gsm_text_gsm7_septets("a^{}\\[~]|\f" EURO "b"), 22);
	assert_int_equal(gsm_text_gsm7_septets("\xc3\xa9\xc3\x91"), 2);
	assert_int_equal(gsm_text_gsm7_septets(S_COMMA), -1);
}

/* Known values, independent of libgammu. */
static void
test_parts_boundaries(void **state)
{
	struct {
		const char *unit;
		size_t n;
		int parts;
	} cases[] = {
		{ "a", 0, 1 }, { "a", 1, 1 }, { "a", 160, 1 }, { "a", 161, 2 },
		{ "a", 306, 2 }, { "a", 307, 3 }, { "a", 459, 3 },
		{ "a", 460, 4 }, { EURO, 80, 1 }, { EURO, 81, 2 },
		{ A_BREVE, 70, 1 }, { A_BREVE, 71, 2 }, { A_BREVE, 134, 2 },
		{ A_BREVE, 135, 3 }, { A_BREVE, 201, 3 }, { A_BREVE, 202, 4 },
		{ EMOJI, 35, 1 }, { EMOJI, 36, 2 },
		{ "a", 153 * 50, 50 }, { "a", 153 * 50 + 1, 51 },
	};

	UNUSED(state);
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *s = rep(cases[i].unit, cases[i].n);

		if (gsm_text_parts(s) != cases[i].parts)
			fail_msg("case %zu: %d parts, want %d", i,
			    gsm_text_parts(s), cases[i].parts);
		free(s);
	}
	/* 16-bit references leave 152 septets / 66 units per part. */
	{
		char *s = rep("a", 305);

		assert_int_equal(gsm_text_parts_ref(s, 8), 2);
		assert_int_equal(gsm_text_parts_ref(s, 16), 3);
		free(s);
		s = rep(A_BREVE, 133);
		assert_int_equal(gsm_text_parts_ref(s, 8), 2);
		assert_int_equal(gsm_text_parts_ref(s, 16), 3);
		free(s);
	}
	/* 152 septets then a euro: it does not fit in part 1 (153), so
	 * part 1 carries 152 septets and the count goes up. */
	{
		char *a = rep("a", 152), *b = rep("a", 153), *s;

		s = cat3(a, EURO, b);	/* 307 septets */
		assert_int_equal(gsm_text_gsm7_septets(s), 307);
		assert_int_equal(gsm_text_parts(s), 3);
		free(s);
		s = cat3(b, EURO, a);	/* 307 septets, euro at 154-155 */
		assert_int_equal(gsm_text_parts(s), 3);
		free(s);
		free(a);
		a = rep("a", 151);
		s = cat3(a, EURO, b);	/* 306 septets, euro ends part 1 */
		assert_int_equal(gsm_text_parts(s), 2);
		free(s);
		free(a);
		free(b);
	}
}

static void
test_parts_against_libgammu(void **state)
{
	static const char *units[] = { "a", EURO, A_BREVE, EMOJI, "\xc3\xa9",
		S_CEDIL };
	static const size_t lens[] = { 0, 1, 35, 36, 66, 67, 68, 69, 70, 71,
		72, 79, 80, 81, 133, 134, 135, 136, 151, 152, 153, 154, 159,
		160, 161, 162, 200, 201, 202, 267, 268, 304, 305, 306, 307, 308,
		459, 460, 1000, 3349, 3350, 3351, 3400, 7650, 7651, 8000 };
	/* Prefixes that move every boundary by one. */
	static const char *pre[] = { "", "x", A_BREVE, EURO, "xy" };

	UNUSED(state);
	for (size_t u = 0; u < NELEM(units); u++)
		for (size_t l = 0; l < NELEM(lens); l++)
			for (size_t p = 0; p < NELEM(pre); p++) {
				char *r = rep(units[u], lens[l]);
				char *s = cat3(pre[p], r, "");
				char what[64];

				snprintf(what, sizeof(what), "%zu*%zu+%zu", u,
				    lens[l], p);
				check_parts(s, what);
				free(s);
				free(r);
			}
	/* Extension characters, pairs, combining marks and flags placed
	 * on each side of the boundaries. */
	for (size_t k = 0; k <= 60; k++) {
		static const char *mid[] = { EURO, EURO EURO, "^", EMOJI,
			COMB_BREVE, "a" COMB_BREVE, FLAG_RO, FLAG_RO FLAG_RO,
			EMOJI FLAG_RO, "a" COMB_BREVE COMB_BREVE };
		static const char *fill[] = { "a", A_BREVE };
		/* Around the first and second boundaries: 153/160/306 septets,
		 * 66/67/70/132/134 units. */
		static const size_t from[] = { 140, 295, 58, 124 };

		for (size_t r = 0; r < NELEM(from); r++)
			for (size_t m = 0; m < NELEM(mid); m++) {
				size_t f = r < 2 ? 0 : 1, nk = from[r] + k / 3;
				char *a = rep(fill[f], nk);
				char *b = rep(fill[f], k);
				char *s = cat3(a, mid[m], b);
				char what[64];

				snprintf(what, sizeof(what), "mid %zu/%zu/%zu",
				    nk, k, m);
				check_parts(s, what);
				free(s);
				free(a);
				free(b);
			}
	}
}

/* The boundary rules change the count, so they are really exercised. */
static void
test_parts_alignment(void **state)
{
	char *a66 = rep(A_BREVE, 66), *a65 = rep(A_BREVE, 65);
	char *a67 = rep(A_BREVE, 67), *b, *s;

	UNUSED(state);
	/* 134 units, a combining mark at index 67: part 1 ends one unit
	 * early, so 3 parts instead of 2. */
	b = rep(A_BREVE, 66);
	s = cat3(a66, "a" COMB_BREVE, b);
	assert_int_equal(gsm_text_parts(s), 3);
	assert_int_equal(gammu_parts(s, 8), 3);
	free(s);
	free(b);
	/* A surrogate pair at units 66-67 moves to part 2. */
	b = rep(A_BREVE, 66);
	s = cat3(a66, EMOJI, b);	/* 134 units */
	assert_int_equal(gsm_text_parts(s), 3);
	assert_int_equal(gammu_parts(s, 8), 3);
	free(s);
	free(b);
	/* A flag (two pairs) across the boundary moves whole. */
	b = rep(A_BREVE, 65);
	s = cat3(a65, FLAG_RO, b);	/* 134 units, flag at 65..68 */
	assert_int_equal(gsm_text_parts(s), 3);
	assert_int_equal(gammu_parts(s, 8), 3);
	free(s);
	free(b);
	/* Control: plain 134 units fit in 2. */
	s = cat3(a67, a67, "");
	assert_int_equal(gsm_text_parts(s), 2);
	free(s);
	free(a66);
	free(a65);
	free(a67);
}

/* The texts libgammu 1.42 cannot send whole. */
static void
test_sendable(void **state)
{
	char *s;

	UNUSED(state);
	assert_true(gsm_text_sendable(""));
	assert_false(gsm_text_sendable(NULL));
	assert_false(gsm_text_sendable("\xff"));
	s = rep("a", GSM_TEXT_MAX_SEPTETS);
	assert_true(gsm_text_sendable(s));
	assert_int_equal(gsm_text_parts(s), 33);
	assert_int_equal(gammu_parts(s, 8), 33);
	free(s);
	/* One septet more: 33 parts carry it, libgammu makes 50. */
	s = rep("a", GSM_TEXT_MAX_SEPTETS + 1);
	assert_false(gsm_text_sendable(s));
	assert_int_equal(gsm_text_parts(s), 33);
	assert_int_equal(gammu_parts(s, 8), 50);
	free(s);
	/* UCS-2: 50 parts of 66 units (16-bit) is the most. */
	s = rep(A_BREVE, 50 * 66);
	assert_true(gsm_text_sendable(s));
	assert_int_equal(gsm_text_parts_ref(s, 16), 50);
	free(s);
	s = rep(A_BREVE, 50 * 66 + 1);
	assert_false(gsm_text_sendable(s));
	assert_int_equal(gsm_text_parts_ref(s, 16), 51);
	assert_int_equal(gammu_parts(s, 16), 50);
	free(s);
	/* A 40-part UCS-2 message is fine. */
	s = rep(S_COMMA, 40 * 67);
	assert_true(gsm_text_sendable(s));
	assert_int_equal(gsm_text_parts(s), 40);
	assert_int_equal(gammu_parts(s, 8), 40);
	free(s);
}

/* Random mixtures of every kind of character. */
static void
test_parts_random_against_libgammu(void **state)
{
	static const char *pool[] = { "a", "b", " ", "\n", EURO, "^", "{",
		"\xc3\xa9", "\xc3\x91", A_BREVE, S_COMMA, T_CEDIL, EMOJI,
		COMB_BREVE, "\xf0\x9f\x87\xb7", "\xf0\x9f\x87\xb4",
		"\xe4\xb8\xad" };
	uint32_t seed = 12345;

	UNUSED(state);
	for (int round = 0; round < 400; round++) {
		struct buf b;
		size_t n;
		int gsm_only;
		char *s;

		buf_init(&b, 0);
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 8) % 1200;
		gsm_only = round % 2;
		for (size_t i = 0; i < n; i++) {
			size_t k;

			seed = seed * 1103515245u + 12345u;
			/* Half the rounds stay GSM-7 (the first 8). */
			k = (seed >> 8) % (gsm_only ? 9 : NELEM(pool));
			if (buf_addstr(&b, pool[k]) != 0)
				fail();
		}
		s = b.len > 0 ? buf_take(&b) : xstrdup("");
		buf_free(&b);
		check_parts(s, "random");
		free(s);
	}
}

static void
test_ascii_ro(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "AJUTOR", "AJUTOR" },
		{ A_BREVE A_CIRC I_CIRC S_COMMA T_COMMA S_CEDIL T_CEDIL,
		    "aaistst" },
		{ "\xc4\x82\xc3\x82\xc3\x8e\xc8\x98\xc8\x9a\xc5\x9e\xc5\xa2",
		    "AAISTST" },
		{ "Bun" A_BREVE " ziua, " T_COMMA "ar" A_BREVE,
		    "Buna ziua, tara" },
		/* Decomposed: base letter + combining mark. */
		{ "a" COMB_BREVE "s\xcc\xa6t\xcc\xa7i\xcc\x82",
		    "asti" },
		/* Other characters are kept, GSM-7 or not. */
		{ "\xc3\xa9" EURO EMOJI, "\xc3\xa9" EURO EMOJI },
		{ "e" COMB_BREVE, "e" COMB_BREVE },
		/* Invalid UTF-8 passes through byte for byte. */
		{ "a\xff" "b\xc4", "a\xff" "b\xc4" },
	};

	UNUSED(state);
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *s = gsm_text_to_ascii_ro(cases[i].in);

		assert_string_equal(s, cases[i].out);
		free(s);
	}
	assert_null(gsm_text_to_ascii_ro(NULL));
	{
		char *s = gsm_text_to_ascii_ro("Mul" T_COMMA "umim, "
		    CAP_S_COMMA "tefan " I_CIRC "n " A_BREVE "sta");

		assert_true(gsm_text_is_gsm7(s));
		free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_to_ucs2_basic),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_utf8_max),
		cmocka_unit_test(test_ucs2_to_utf8),
		cmocka_unit_test(test_against_decode_utf8),
		cmocka_unit_test(test_gsm7_romanian),
		cmocka_unit_test(test_gsm7_table_matches_libgammu),
		cmocka_unit_test(test_septets),
		cmocka_unit_test(test_parts_boundaries),
		cmocka_unit_test(test_parts_against_libgammu),
		cmocka_unit_test(test_parts_alignment),
		cmocka_unit_test(test_sendable),
		cmocka_unit_test(test_parts_random_against_libgammu),
		cmocka_unit_test(test_ascii_ro),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
