/*
 * web_auth.c - the rules of who may do what in the web back office
 * (web.h): roles, Argon2id passwords (libsodium's crypto_pwhash_str,
 * interactive limits), random tokens, session lifetime, login throttle.
 * Pure apart from libsodium's randomness; unit-tested in
 * tests/unit/test_web.c.
 */
#include <string.h>

#include <sodium.h>

#include "web.h"

static const struct {
	int role;
	const char *name;
	const char *title;
} roles[] = {
	{ WEB_ROLE_WORKER, "worker", "asistent social" },
	{ WEB_ROLE_HEAD, "head", "șef SPAS" },
	{ WEB_ROLE_MAYOR, "mayor", "primar" },
	{ WEB_ROLE_ADMIN, "admin", "administrator" },
};

int
web_role_parse(const char *s)
{
	for (size_t i = 0; s != NULL && i < sizeof(roles) / sizeof(roles[0]);
	    i++) {
		if (strcmp(s, roles[i].name) == 0)
			return roles[i].role;
	}
	return 0;
}

const char *
web_role_name(int role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (roles[i].role == role)
			return roles[i].name;
	}
	return "?";
}

const char *
web_role_title(int role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (roles[i].role == role)
			return roles[i].title;
	}
	return "?";
}

int
web_role_allows(int role, int mask, int record)
{
	/* Exactly one known role: a corrupt row is nobody. */
	if (web_role_name(role)[0] == '?')
		return 0;
	if (record && (role == WEB_ROLE_MAYOR || role == WEB_ROLE_ADMIN))
		return 0;
	return (role & mask) != 0;
}

int
web_auth_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int
web_password_acceptable(const char *pw)
{
	size_t n = pw != NULL ? strlen(pw) : 0;

	if (n < WEB_PW_MIN || n > WEB_PW_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f)
			return 0;
	}
	return 1;
}

int
web_password_hash(const char *pw, char *out, size_t outlen)
{
	_Static_assert(crypto_pwhash_STRBYTES <= WEB_PW_HASH_MAX,
	    "hash string fits");
	if (outlen < crypto_pwhash_STRBYTES || web_auth_init() != 0)
		return -1;
	return crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

int
web_password_verify(const char *pw, const char *hash)
{
	if (pw == NULL || hash == NULL || web_auth_init() != 0 ||
	    strncmp(hash, "$argon2id$", 10) != 0)
		return 0;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

int
web_token_new(char *out, size_t outlen)
{
	unsigned char b[WEB_TOKEN_HEX / 2];

	if (outlen < WEB_TOKEN_HEX + 1 || web_auth_init() != 0)
		return -1;
	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, outlen, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
	return 0;
}

void
web_token_hash(const char *token, char *out, size_t outlen)
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	if (outlen >= 2 * sizeof(h) + 1)
		sodium_bin2hex(out, outlen, h, sizeof(h));
	else if (outlen > 0)
		out[0] = '\0';
}

int
web_token_equal(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL || a[0] == '\0')
		return 0;
	n = strlen(a);
	if (strlen(b) != n)
		return 0;
	return sodium_memcmp(a, b, n) == 0;
}

int
web_session_alive(int64_t created, int64_t last_seen, int64_t now,
    int idle_s, int max_s)
{
	return now - last_seen < (int64_t)idle_s * 1000 &&
	    now - created < (int64_t)max_s * 1000 && now >= created - 60000;
}

int64_t
web_login_retry_at(int64_t failures, int64_t last_at, int limit,
    int block_s)
{
	int64_t pause = (int64_t)block_s * 1000, cap = 86400LL * 1000;

	if (limit < 1 || failures < limit)
		return 0;
	for (int64_t k = (failures - limit) / limit; k > 0 && pause < cap;
	    k--)
		pause *= 2;
	if (pause > cap)
		pause = cap;
	return last_at + pause;
}
