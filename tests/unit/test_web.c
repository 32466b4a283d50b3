/*
 * test_web.c - the rules of the web back office (gateway/web_auth.c,
 * web_form.c, web_html.c) and the store under them (store_users.c):
 * escaping hostile text, roles (the mayor never opens a record), CSRF
 * and token comparison, session lifetime on the test clock, the login
 * throttle, Argon2id passwords, forms and cookies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "clock.h"
#include "sheet.h"
#include "store.h"
#include "table.h"
#include "test_db.h"
#include "web.h"

static char *
escaped(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(web_html_escape(&b, s), 0);
	if (b.data == NULL)
		return strdup("");
	return buf_take(&b);
}

static void
test_escape(void **state)
{
	char *e;

	(void)state;
	e = escaped("<script>alert(\"x\")</script>");
	assert_string_equal(e, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script"
	    "&gt;");
	free(e);
	e = escaped("O'Brien & fiii \"Ștefănescu\" <b>");
	assert_string_equal(e, "O&#39;Brien &amp; fiii &quot;Ștefănescu&quot; "
	    "&lt;b&gt;");
	free(e);
	/* Romanian diacritics (UTF-8, comma below) pass through whole. */
	e = escaped("Șișcani, Țăndărei, Bârlad, Întorsura, Mărășești");
	assert_string_equal(e, "Șișcani, Țăndărei, Bârlad, Întorsura, "
	    "Mărășești");
	free(e);
	e = escaped("\"onmouseover='x'");
	assert_null(strchr(e, '"'));
	assert_null(strchr(e, '\''));
	free(e);
	e = escaped(NULL);
	assert_string_equal(e, "");
	free(e);
}

static void
test_escape_limit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	/* Over the buffer's maximum: refused, never cut inside an entity. */
	assert_int_equal(web_html_escape(&b, "<<<<"), -1);
	assert_true(b.len <= 8);
	buf_free(&b);
}

static void
test_table_html(void **state)
{
	static const struct table_col cols[] = { { "no", "Nr." },
		{ "name", "Nume <b>" }, { "id", "id" } };
	struct table *t = table_new("x", cols, 3);
	const char *row[] = { "08-001", "<script>x</script>", "7\"><a" };
	struct web_req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	buf_init(&r.out, 0);
	table_add(t, row);
	web_table_html(&r, t, "/fisa", 0, 2);
	assert_non_null(strstr(r.out.data, "Nume &lt;b&gt;"));
	assert_non_null(strstr(r.out.data, "&lt;script&gt;x"));
	assert_null(strstr(r.out.data, "<script>"));
	assert_non_null(strstr(r.out.data, "href=\"/fisa?id=7&quot;&gt;&lt;a\""));
	buf_free(&r.out);
	table_free(t);
}

static void
test_roles(void **state)
{
	(void)state;
	assert_int_equal(web_role_parse("worker"), WEB_ROLE_WORKER);
	assert_int_equal(web_role_parse("head"), WEB_ROLE_HEAD);
	assert_int_equal(web_role_parse("mayor"), WEB_ROLE_MAYOR);
	assert_int_equal(web_role_parse("admin"), WEB_ROLE_ADMIN);
	assert_int_equal(web_role_parse("root"), 0);
	assert_int_equal(web_role_parse(NULL), 0);
	assert_string_equal(web_role_name(WEB_ROLE_MAYOR), "mayor");
	assert_string_equal(web_role_title(WEB_ROLE_HEAD), "șef SPAS");
	/* A record page: SPAS only, whatever the mask says. */
	assert_true(web_role_allows(WEB_ROLE_WORKER, WEB_ROLES_SPAS, 1));
	assert_true(web_role_allows(WEB_ROLE_HEAD, WEB_ROLES_SPAS, 1));
	assert_false(web_role_allows(WEB_ROLE_MAYOR, WEB_ROLES_ALL, 1));
	assert_false(web_role_allows(WEB_ROLE_ADMIN, WEB_ROLES_ALL, 1));
	/* Other pages by mask. */
	assert_true(web_role_allows(WEB_ROLE_MAYOR, WEB_ROLES_ALL, 0));
	assert_false(web_role_allows(WEB_ROLE_WORKER, WEB_ROLE_HEAD, 0));
	assert_true(web_role_allows(WEB_ROLE_HEAD, WEB_ROLE_HEAD, 0));
	assert_false(web_role_allows(WEB_ROLE_ADMIN, WEB_ROLES_SPAS, 0));
	/* Nobody, or two roles at once: refused. */
	assert_false(web_role_allows(0, WEB_ROLES_ALL, 0));
	assert_false(web_role_allows(WEB_ROLE_WORKER | WEB_ROLE_ADMIN,
	    WEB_ROLES_ALL, 0));
}

static void
test_pages_table(void **state)
{
	(void)state;
	/* Every record page refuses the mayor and the administrator; every
	 * page names at least one role; the audit log is the head's. */
	for (size_t i = 0; i < web_n_pages; i++) {
		const struct web_page *p = &web_pages[i];

		assert_true(p->roles != 0);
		assert_true((p->handle != NULL) != (p->table != NULL));
		if (p->record) {
			assert_false(web_role_allows(WEB_ROLE_MAYOR, p->roles,
			    1));
			assert_false(web_role_allows(WEB_ROLE_ADMIN, p->roles,
			    1));
		}
		if (strcmp(p->path, "/jurnal") == 0)
			assert_int_equal(p->roles, WEB_ROLE_HEAD);
		if (strcmp(p->path, "/fisa") == 0)
			assert_true(p->record);
	}
}

static void
test_tokens(void **state)
{
	char a[WEB_TOKEN_HEX + 1], b[WEB_TOKEN_HEX + 1], h[80], h2[80];

	(void)state;
	assert_int_equal(web_token_new(a, sizeof(a)), 0);
	assert_int_equal(web_token_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), WEB_TOKEN_HEX);
	assert_string_not_equal(a, b);
	assert_int_equal(web_token_new(a, 10), -1);
	assert_int_equal(web_token_new(a, sizeof(a)), 0);
	/* CSRF comparison: equal only when present and identical. */
	assert_true(web_token_equal(a, a));
	assert_false(web_token_equal(a, b));
	assert_false(web_token_equal(NULL, a));
	assert_false(web_token_equal(a, NULL));
	assert_false(web_token_equal("", ""));
	b[0] = '\0';
	assert_false(web_token_equal(a, b));
	memcpy(b, a, sizeof(b));
	b[WEB_TOKEN_HEX - 1] = b[WEB_TOKEN_HEX - 1] == '0' ? '1' : '0';
	assert_false(web_token_equal(a, b));
	/* The stored hash is stable and not the token. */
	web_token_hash(a, h, sizeof(h));
	web_token_hash(a, h2, sizeof(h2));
	assert_string_equal(h, h2);
	assert_string_not_equal(h, a);
	assert_int_equal(strlen(h), 64);
}

static void
test_session_lifetime(void **state)
{
	int64_t t0 = 1700000000000LL;

	(void)state;
	/* idle 1800 s, at most 43200 s after login */
	assert_true(web_session_alive(t0, t0, t0, 1800, 43200));
	assert_true(web_session_alive(t0, t0, t0 + 1799999, 1800, 43200));
	assert_false(web_session_alive(t0, t0, t0 + 1800000, 1800, 43200));
	/* kept alive by use, but never past the absolute limit */
	assert_true(web_session_alive(t0, t0 + 43000000, t0 + 43100000,
	    1800, 43200));
	assert_false(web_session_alive(t0, t0 + 43199000, t0 + 43200000,
	    1800, 43200));
	/* a session from the future (clock moved back) is not trusted */
	assert_false(web_session_alive(t0 + 3600000, t0 + 3600000, t0, 1800,
	    43200));
}

static void
test_throttle(void **state)
{
	int64_t t0 = 1700000000000LL;

	(void)state;
	/* 10 wrong passwords, then 300 s of pause, doubling every 10 more */
	assert_int_equal(web_login_retry_at(0, 0, 10, 300), 0);
	assert_int_equal(web_login_retry_at(9, t0, 10, 300), 0);
	assert_int_equal(web_login_retry_at(10, t0, 10, 300), t0 + 300000);
	assert_int_equal(web_login_retry_at(19, t0, 10, 300), t0 + 300000);
	assert_int_equal(web_login_retry_at(20, t0, 10, 300), t0 + 600000);
	assert_int_equal(web_login_retry_at(30, t0, 10, 300), t0 + 1200000);
	/* at most a day */
	assert_int_equal(web_login_retry_at(100000, t0, 10, 300),
	    t0 + 86400000);
}

static void
test_passwords(void **state)
{
	char h[WEB_PW_HASH_MAX];

	(void)state;
	assert_false(web_password_acceptable("short"));
	assert_false(web_password_acceptable("with\nnewline-long"));
	assert_false(web_password_acceptable(NULL));
	assert_true(web_password_acceptable("o parolă lungă"));
	assert_int_equal(web_password_hash("o parolă lungă", h, sizeof(h)), 0);
	assert_memory_equal(h, "$argon2id$", 10);
	assert_null(strstr(h, "parol"));
	assert_true(web_password_verify("o parolă lungă", h));
	assert_false(web_password_verify("o parola lunga", h));
	assert_false(web_password_verify("o parolă lungă", "plain"));
	assert_false(web_password_verify(NULL, h));
}

static void
test_forms(void **state)
{
	struct web_form f;
	char v[80];

	(void)state;
	assert_int_equal(web_form_parse(&f, "a=1&b=x+y%20z&c=%C8%98tefan&d&"
	    "=e", 31), 0);
	assert_string_equal(web_form_get(&f, "a"), "1");
	assert_string_equal(web_form_get(&f, "b"), "x y z");
	assert_string_equal(web_form_get(&f, "c"), "Ștefan");
	assert_string_equal(web_form_get(&f, "d"), "");
	assert_null(web_form_get(&f, "zz"));
	web_form_free(&f);
	/* bad escapes and NUL bytes are refused */
	assert_int_equal(web_form_parse(&f, "a=%zz", 5), -1);
	assert_int_equal(web_form_parse(&f, "a=%4", 4), -1);
	assert_int_equal(web_form_parse(&f, "a=%00", 5), -1);
	assert_int_equal(web_form_parse(&f, "a=b\0c", 5), -1);
	assert_int_equal(web_form_parse(&f, NULL, 0), 0);
	web_form_free(&f);
	/* cookies */
	assert_int_equal(web_cookie_get("a=1; stafeta_session=abc; b=2",
	    "stafeta_session", v, sizeof(v)), 1);
	assert_string_equal(v, "abc");
	assert_int_equal(web_cookie_get("xstafeta_session=abc",
	    "stafeta_session", v, sizeof(v)), 0);
	assert_int_equal(web_cookie_get(NULL, "a", v, sizeof(v)), 0);
	assert_int_equal(web_cookie_get("a=0123456789", "a", v, 5), 0);
}

static void
test_store_users(void **state)
{
	char path[] = "/tmp/stafeta-web-XXXXXX";
	struct store *st = test_db_open(path);
	struct store_user u;
	struct store_web_session s;
	struct table *t;
	int64_t n, last;

	(void)state;
	assert_int_equal(store_user_add(st, "ana", "worker", "$argon2id$x",
	    1000), 1);
	assert_int_equal(store_user_add(st, "ana", "head", "$argon2id$y",
	    1000), 0);
	assert_int_equal(store_user_get(st, "ana", &u), 1);
	assert_string_equal(u.role, "worker");
	assert_true(u.active);
	assert_int_equal(store_web_session_add(st, "h1", u.id, "csrf1", 2000),
	    0);
	assert_int_equal(store_web_session_get(st, "h1", &s), 1);
	assert_string_equal(s.csrf, "csrf1");
	assert_int_equal(s.user_id, u.id);
	assert_int_equal(store_web_session_touch(st, "h1", 3000), 0);
	assert_int_equal(store_web_session_get(st, "h1", &s), 1);
	assert_int_equal(s.last_seen, 3000);
	/* disabling ends the sessions (the caller does both) */
	assert_int_equal(store_user_set_active(st, "ana", 0, 4000), 1);
	assert_int_equal(store_web_session_delete_user(st, u.id), 0);
	assert_int_equal(store_web_session_get(st, "h1", &s), 0);
	assert_int_equal(store_user_set_active(st, "nobody", 0, 4000), 0);
	store_user_clear(&u);
	/* the list shows no hash */
	t = store_user_list(st);
	assert_non_null(t);
	assert_int_equal(t->nrows, 1);
	for (size_t c = 0; c < t->ncols; c++)
		assert_null(strstr(table_get(t, 0, c), "argon2"));
	table_free(t);
	/* throttle rows */
	assert_int_equal(store_login_fail(st, "user:ana", 5000), 0);
	assert_int_equal(store_login_fail(st, "user:ana", 6000), 0);
	assert_int_equal(store_login_failures(st, "user:ana", &n, &last), 0);
	assert_int_equal(n, 2);
	assert_int_equal(last, 6000);
	assert_int_equal(store_login_reset(st, "user:ana"), 0);
	assert_int_equal(store_login_failures(st, "user:ana", &n, &last), 0);
	assert_int_equal(n, 0);
	/* prune: idle or too old */
	assert_int_equal(store_web_session_add(st, "h2", 1, "c", 10000), 0);
	assert_int_equal(store_web_session_prune(st, 9000, 0), 0);
	assert_int_equal(store_web_session_get(st, "h2", &s), 1);
	assert_int_equal(store_web_session_prune(st, 20000, 0), 0);
	assert_int_equal(store_web_session_get(st, "h2", &s), 0);
	store_close(st);
	test_db_remove(path);
}

/* The web names a sheet to the visit service by its internal id only:
 * an id of five digits must not read as a sheet number "AABBB" (that
 * would name the newest year's sheet of that number, maybe another). */
static void
test_sheet_ref(void **state)
{
	static const int64_t ids[] = { 1, 12, 999, 10001, 12345, 52999,
		99999, 100000, 123456, 9876543210LL };
	char ref[24];

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int county = -1, seq = -1;
		int64_t id = -1;

		web_sheet_ref(ids[i], ref, sizeof(ref));
		assert_int_equal(sheet_ref_parse(ref, &county, &seq, &id),
		    SHEET_OK);
		assert_int_equal(id, ids[i]);
		assert_int_equal(county, 0);
		assert_int_equal(seq, 0);
	}
	/* What the old page passed: five digits are a number. */
	{
		int county, seq;
		int64_t id;

		assert_int_equal(sheet_ref_parse("12345", &county, &seq, &id),
		    SHEET_OK);
		assert_int_equal(id, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_limit),
		cmocka_unit_test(test_table_html),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_pages_table),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_session_lifetime),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_store_users),
		cmocka_unit_test(test_sheet_ref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
