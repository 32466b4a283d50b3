/*
 * sheet_sha256.c - SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104),
 * PBKDF2-HMAC-SHA256 (RFC 8018) and the reporter PIN hash built on them.
 *
 * No crypto library is available to the gateway, and a PIN needs only a
 * slow salted hash, so the well-known algorithms are written out here and
 * checked against the published test vectors in tests/unit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "sheet.h"
#include "util.h"

#define PIN_ITERATIONS 60000 /* ~20 ms per check on a small ARM board */
#define PIN_SALT_LEN   16
#define PIN_PREFIX     "pbkdf2-sha256$"

static void sha256_block(struct sheet_sha256 *, const uint8_t *);
static void hex_encode(const uint8_t *, size_t, char *);
static int hex_decode(const char *, size_t, uint8_t *);

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
	0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
	0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
	0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
	0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
sha256_block(struct sheet_sha256 *c, const uint8_t *p)
{
	uint32_t w[64], a, b, cc, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
		    (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^
		    (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0];
	b = c->h[1];
	cc = c->h[2];
	d = c->h[3];
	e = c->h[4];
	f = c->h[5];
	g = c->h[6];
	h = c->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		    ((a & b) ^ (a & cc) ^ (b & cc));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = cc;
		cc = b;
		b = a;
		a = t1 + t2;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
	c->h[5] += f;
	c->h[6] += g;
	c->h[7] += h;
}

void
sheet_sha256_init(struct sheet_sha256 *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
		0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
	c->used = 0;
}

void
sheet_sha256_update(struct sheet_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->bytes += len;
	while (len > 0) {
		size_t n = 64 - c->used;

		if (n > len)
			n = len;
		memcpy(c->block + c->used, p, n);
		c->used += n;
		p += n;
		len -= n;
		if (c->used == 64) {
			sha256_block(c, c->block);
			c->used = 0;
		}
	}
}

void
sheet_sha256_final(struct sheet_sha256 *c, uint8_t out[SHEET_SHA256_LEN])
{
	uint64_t bits = c->bytes * 8;
	int i;

	c->block[c->used++] = 0x80;
	if (c->used > 56) {
		memset(c->block + c->used, 0, 64 - c->used);
		sha256_block(c, c->block);
		c->used = 0;
	}
	memset(c->block + c->used, 0, 56 - c->used);
	for (i = 0; i < 8; i++)
		c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_block(c, c->block);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
	/* Leave no key material behind in the caller's context. */
	memset(c, 0, sizeof(*c));
}

void
sheet_sha256(const void *data, size_t len, uint8_t out[SHEET_SHA256_LEN])
{
	struct sheet_sha256 c;

	sheet_sha256_init(&c);
	sheet_sha256_update(&c, data, len);
	sheet_sha256_final(&c, out);
}

void
sheet_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, uint8_t out[SHEET_SHA256_LEN])
{
	uint8_t k[64], pad[64], inner[SHEET_SHA256_LEN];
	struct sheet_sha256 c;
	size_t i;

	memset(k, 0, sizeof(k));
	if (keylen > sizeof(k))
		sheet_sha256(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sheet_sha256_init(&c);
	sheet_sha256_update(&c, pad, 64);
	sheet_sha256_update(&c, msg, msglen);
	sheet_sha256_final(&c, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sheet_sha256_init(&c);
	sheet_sha256_update(&c, pad, 64);
	sheet_sha256_update(&c, inner, sizeof(inner));
	sheet_sha256_final(&c, out);
	memset(k, 0, sizeof(k));
	memset(pad, 0, sizeof(pad));
}

void
sheet_pbkdf2_sha256(const void *pass, size_t passlen, const void *salt,
    size_t saltlen, uint32_t iterations, uint8_t *out, size_t outlen)
{
	struct sheet_sha256 ki, ko, c;
	uint8_t k[64], pad[64], u[SHEET_SHA256_LEN], t[SHEET_SHA256_LEN];
	uint8_t ctr[4];
	uint32_t block = 1;
	size_t n, i;

	/*
	 * HMAC with the pad states computed once: each iteration then costs
	 * two compressions instead of four.
	 */
	memset(k, 0, sizeof(k));
	if (passlen > sizeof(k))
		sheet_sha256(pass, passlen, k);
	else if (passlen > 0)
		memcpy(k, pass, passlen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	sheet_sha256_init(&ki);
	sheet_sha256_update(&ki, pad, 64);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	sheet_sha256_init(&ko);
	sheet_sha256_update(&ko, pad, 64);
	while (outlen > 0) {
		ctr[0] = (uint8_t)(block >> 24);
		ctr[1] = (uint8_t)(block >> 16);
		ctr[2] = (uint8_t)(block >> 8);
		ctr[3] = (uint8_t)block;
		c = ki;
		sheet_sha256_update(&c, salt, saltlen);
		sheet_sha256_update(&c, ctr, sizeof(ctr));
		sheet_sha256_final(&c, u);
		c = ko;
		sheet_sha256_update(&c, u, sizeof(u));
		sheet_sha256_final(&c, u);
		memcpy(t, u, sizeof(t));
		for (uint32_t it = 1; it < iterations; it++) {
			c = ki;
			sheet_sha256_update(&c, u, sizeof(u));
			sheet_sha256_final(&c, u);
			c = ko;
			sheet_sha256_update(&c, u, sizeof(u));
			sheet_sha256_final(&c, u);
			for (i = 0; i < sizeof(t); i++)
				t[i] ^= u[i];
		}
		n = outlen < sizeof(t) ? outlen : sizeof(t);
		memcpy(out, t, n);
		out += n;
		outlen -= n;
		block++;
	}
	memset(&ki, 0, sizeof(ki));
	memset(&ko, 0, sizeof(ko));
	memset(k, 0, sizeof(k));
	memset(pad, 0, sizeof(pad));
	memset(u, 0, sizeof(u));
	memset(t, 0, sizeof(t));
}

static void
hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Decodes exactly 2*n lower- or upper-case hex digits; 0 or -1. */
static int
hex_decode(const char *s, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < 2 * n; i++) {
		int v;
		char ch = s[i];

		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v = ch - 'A' + 10;
		else
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

int
sheet_pin_valid(const char *pin)
{
	size_t n;

	if (pin == NULL)
		return 0;
	n = strlen(pin);
	if (n < 4 || n > 8)
		return 0;
	return strspn(pin, "0123456789") == n;
}

int
sheet_pin_hash(const char *pin, char *out, size_t outlen)
{
	uint8_t salt[PIN_SALT_LEN], dk[SHEET_SHA256_LEN];
	char salthex[2 * PIN_SALT_LEN + 1], dkhex[2 * SHEET_SHA256_LEN + 1];
	size_t got = 0;
	int n;

	while (got < sizeof(salt)) {
		ssize_t r = getrandom(salt + got, sizeof(salt) - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	sheet_pbkdf2_sha256(pin, strlen(pin), salt, sizeof(salt),
	    PIN_ITERATIONS, dk, sizeof(dk));
	hex_encode(salt, sizeof(salt), salthex);
	hex_encode(dk, sizeof(dk), dkhex);
	memset(dk, 0, sizeof(dk));
	n = snprintf(out, outlen, PIN_PREFIX "%u$%s$%s",
	    (unsigned)PIN_ITERATIONS, salthex, dkhex);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	return 0;
}

int
sheet_pin_verify(const char *pin, const char *stored)
{
	uint8_t salt[64], want[SHEET_SHA256_LEN], got[SHEET_SHA256_LEN];
	const char *p, *d1, *d2;
	char iterbuf[16];
	int64_t iter;
	size_t saltlen;
	uint8_t diff = 0;

	if (pin == NULL || stored == NULL ||
	    strncmp(stored, PIN_PREFIX, strlen(PIN_PREFIX)) != 0)
		return 0;
	p = stored + strlen(PIN_PREFIX);
	d1 = strchr(p, '$');
	if (d1 == NULL || (size_t)(d1 - p) >= sizeof(iterbuf))
		return 0;
	memcpy(iterbuf, p, (size_t)(d1 - p));
	iterbuf[d1 - p] = '\0';
	if (parse_int64(iterbuf, 1, 10000000, &iter) == -1)
		return 0;
	d2 = strchr(d1 + 1, '$');
	if (d2 == NULL || (d2 - d1 - 1) % 2 != 0)
		return 0;
	saltlen = (size_t)(d2 - d1 - 1) / 2;
	if (saltlen == 0 || saltlen > sizeof(salt) ||
	    hex_decode(d1 + 1, saltlen, salt) == -1)
		return 0;
	if (strlen(d2 + 1) != 2 * sizeof(want) ||
	    hex_decode(d2 + 1, sizeof(want), want) == -1)
		return 0;
	sheet_pbkdf2_sha256(pin, strlen(pin), salt, saltlen, (uint32_t)iter,
	    got, sizeof(got));
	/* Constant time: the comparison must not tell how much matched. */
	for (size_t i = 0; i < sizeof(want); i++)
		diff |= (uint8_t)(want[i] ^ got[i]);
	memset(got, 0, sizeof(got));
	return diff == 0;
}
