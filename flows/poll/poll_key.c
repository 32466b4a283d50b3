/*
 * poll_key.c - the respondent key of R4: HMAC-SHA256(poll secret, E.164
 * number), on the SHA-256 of the Observation Sheet service (sheet.h
 * exports its HMAC; nothing is copied).  Once the secret is destroyed the
 * key links an answer to nothing.
 */
#include <string.h>

#include "polls.h"
#include "sheet.h"

void
poll_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, uint8_t out[32])
{
	sheet_hmac_sha256(key, keylen, msg, msglen, out);
}

void
poll_hex(const uint8_t *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
nib(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
poll_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; hex[0] != '\0' && hex[1] != '\0'; hex += 2) {
		int a = nib(hex[0]), b = nib(hex[1]);

		if (a < 0 || b < 0 || n == max)
			return -1;
		out[n++] = (uint8_t)(a << 4 | b);
	}
	return *hex == '\0' ? (int)n : -1;
}

void
poll_key(const uint8_t *secret, size_t len, const char *e164,
    char out[POLL_KEY_HEX])
{
	uint8_t mac[32];

	poll_hmac_sha256(secret, len, e164, strlen(e164), mac);
	poll_hex(mac, sizeof(mac), out);
	memset(mac, 0, sizeof(mac));
}
