/*
 * test_sheet_sha256.c - SHA-256 (FIPS 180-4 examples), HMAC-SHA256
 * (RFC 4231), PBKDF2-HMAC-SHA256 (RFC 7914 section 11) and the reporter
 * PIN hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sheet.h"
#include "util.h"

static void hex(const uint8_t *, size_t, char *);
static void check_sha(const char *, size_t, const char *);

static void
hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void
check_sha(const char *msg, size_t len, const char *want)
{
	uint8_t d[SHEET_SHA256_LEN];
	char h[2 * SHEET_SHA256_LEN + 1];

	sheet_sha256(msg, len, d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, want);
}

static void
test_sha256_fips(void **state)
{
	(void)state;
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	check_sha("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112,
	    "cf5b16a778af8380036ce59e7b049237"
	    "0b249b11e8f07a51afac45037afee9d1");
}

static void
test_sha256_million_a(void **state)
{
	struct sheet_sha256 c;
	uint8_t d[SHEET_SHA256_LEN];
	char h[2 * SHEET_SHA256_LEN + 1], chunk[1000];

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	sheet_sha256_init(&c);
	/* Odd-sized updates exercise the partial-block path. */
	sheet_sha256_update(&c, chunk, 1);
	for (int i = 0; i < 999; i++)
		sheet_sha256_update(&c, chunk, 1000);
	sheet_sha256_update(&c, chunk, 999);
	sheet_sha256_final(&c, d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

static void
test_hmac_rfc4231(void **state)
{
	uint8_t key[131], d[SHEET_SHA256_LEN];
	char h[2 * SHEET_SHA256_LEN + 1];
	const char *m2 = "Test Using Larger Than Block-Size Key - "
	    "Hash Key First";

	(void)state;
	memset(key, 0x0b, 20);
	sheet_hmac_sha256(key, 20, "Hi There", 8, d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	memset(key, 0xaa, sizeof(key));
	sheet_hmac_sha256(key, sizeof(key), m2, strlen(m2), d);
	hex(d, sizeof(d), h);
	assert_string_equal(h, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
}

static void
test_pbkdf2_rfc7914(void **state)
{
	uint8_t d[64];
	char h[129];

	(void)state;
	sheet_pbkdf2_sha256("passwd", 6, "salt", 4, 1, d, sizeof(d));
	hex(d, sizeof(d), h);
	assert_string_equal(h, "55ac046e56e3089fec1691c22544b605"
	    "f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef31"
	    "7c71b845b1e30bd509112041d3a19783");
	sheet_pbkdf2_sha256("Password", 8, "NaCl", 4, 80000, d, sizeof(d));
	hex(d, sizeof(d), h);
	assert_string_equal(h, "4ddcd8f60b98be21830cee5ef22701f9"
	    "641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b317"
	    "6a272bdebba1d078478f62b397f33c8d");
}

static void
test_pin_hash(void **state)
{
	char h1[160], h2[160];

	(void)state;
	assert_int_equal(sheet_pin_hash("4821", h1, sizeof(h1)), 0);
	assert_int_equal(sheet_pin_hash("4821", h2, sizeof(h2)), 0);
	/* Never the PIN itself, and salted: two hashes differ. */
	assert_null(strstr(h1, "4821$"));
	assert_string_not_equal(h1, "4821");
	assert_string_not_equal(h1, h2);
	assert_int_equal(strncmp(h1, "pbkdf2-sha256$", 14), 0);
	assert_true(sheet_pin_verify("4821", h1));
	assert_true(sheet_pin_verify("4821", h2));
	assert_false(sheet_pin_verify("4822", h1));
	assert_false(sheet_pin_verify("", h1));
	assert_false(sheet_pin_verify("4821", "4821"));
	assert_false(sheet_pin_verify("4821", "pbkdf2-sha256$x$00$00"));
	assert_false(sheet_pin_verify("4821", NULL));
	/* Too small an output buffer is an error, not a truncated hash. */
	assert_int_equal(sheet_pin_hash("4821", h1, 20), -1);
	assert_true(sheet_pin_valid("0000"));
	assert_true(sheet_pin_valid("12345678"));
	assert_false(sheet_pin_valid("123"));
	assert_false(sheet_pin_valid("123456789"));
	assert_false(sheet_pin_valid("12a4"));
	assert_false(sheet_pin_valid(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_fips),
		cmocka_unit_test(test_sha256_million_a),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_pbkdf2_rfc7914),
		cmocka_unit_test(test_pin_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
