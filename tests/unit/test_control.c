/*
 * test_control.c - the control socket's wire format (gateway.h,
 * gw_control.c): requests and answers round-trip, a frame cut anywhere
 * asks for more, and malformed or oversized frames are refused without
 * reading past the bytes given; the table routes exactly the writes; the
 * store tells a database with an unknown migration from its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "gateway.h"
#include "log.h"
#include "service.h"
#include "store.h"
#include "util.h"

#define S(x) ((char *)(uintptr_t)(x))

static void test_request_roundtrip(void **);
static void test_request_partial(void **);
static void test_request_malformed(void **);
static void test_answer_roundtrip(void **);
static void test_answer_malformed(void **);
static void test_answer_cut(void **);
static void test_find(void **);
static void test_migrations_compare(void **);

static void
test_request_roundtrip(void **state)
{
	char *argv[] = { S("send"), S("+40722123456"), S(""), S("Bună ziua"), NULL };
	struct buf b;
	char **out;
	size_t used;
	int argc;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(gw_ctl_request_encode(&b, 4, argv), 0);
	assert_int_equal(gw_ctl_request_decode((unsigned char *)b.data, b.len,
	    &used, &argc, &out), 1);
	assert_int_equal(used, b.len);
	assert_int_equal(argc, 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(out[i], argv[i]);
	assert_null(out[4]);
	free(out);
	buf_free(&b);
}

static void
test_request_partial(void **state)
{
	char *argv[] = { S("reporter"), S("pin"), S("0722123456"), S("1234") };
	struct buf b;
	char **out = NULL;
	size_t used, k;
	int argc;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(gw_ctl_request_encode(&b, 4, argv), 0);
	/* Every prefix asks for more; each is a fresh copy, so a read past
	 * its end shows under ASan. */
	for (k = 0; k < b.len; k++) {
		unsigned char *p = malloc(k + 1);

		memcpy(p, b.data, k);
		assert_int_equal(gw_ctl_request_decode(p, k, &used, &argc,
		    &out), 0);
		free(p);
	}
	buf_free(&b);
}

static void
test_request_malformed(void **state)
{
	static const unsigned char bad_version[] = { 0, 0, 0, 3, 2, 'a', 0 };
	static const unsigned char no_nul[] = { 0, 0, 0, 3, 1, 'a', 'b' };
	static const unsigned char empty[] = { 0, 0, 0, 1, 1 };
	static const unsigned char huge[] = { 0, 1, 0, 0, 1 };
	static const unsigned char zero[] = { 0, 0, 0, 0 };
	char *many[GW_CTL_ARGS_MAX + 1];
	struct buf b;
	char **out = NULL;
	size_t used;
	int argc;

	(void)state;
	assert_int_equal(gw_ctl_request_decode(bad_version,
	    sizeof(bad_version), &used, &argc, &out), -1);
	assert_int_equal(gw_ctl_request_decode(no_nul, sizeof(no_nul), &used,
	    &argc, &out), -1);
	assert_int_equal(gw_ctl_request_decode(empty, sizeof(empty), &used,
	    &argc, &out), -1);
	/* Refused on the length alone, before the body arrives. */
	assert_int_equal(gw_ctl_request_decode(huge, sizeof(huge), &used,
	    &argc, &out), -1);
	assert_int_equal(gw_ctl_request_decode(zero, sizeof(zero), &used,
	    &argc, &out), -1);
	assert_null(out);
	for (int i = 0; i <= GW_CTL_ARGS_MAX; i++)
		many[i] = S("x");
	buf_init(&b, 0);
	assert_int_equal(gw_ctl_request_encode(&b, GW_CTL_ARGS_MAX + 1,
	    many), -1);
	assert_int_equal(gw_ctl_request_encode(&b, 0, many), -1);
	buf_free(&b);
}

static void
test_answer_roundtrip(void **state)
{
	static const char out[] = "queued message 7 (1 part)\n";
	static const char err[] = "";
	struct gw_ctl_answer a;
	struct buf b;
	size_t used, k;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(gw_ctl_answer_encode(&b, 0, out, strlen(out), err,
	    0), 0);
	assert_int_equal(gw_ctl_answer_encode(&b, 2, "", 0, "usage\n", 6), 0);
	assert_int_equal(gw_ctl_answer_decode((unsigned char *)b.data, b.len,
	    &used, &a), 1);
	assert_int_equal(a.code, 0);
	assert_string_equal(a.out, out);
	assert_int_equal(a.err_len, 0);
	k = used;
	gw_ctl_answer_clear(&a);
	assert_int_equal(gw_ctl_answer_decode((unsigned char *)b.data + k,
	    b.len - k, &used, &a), 1);
	assert_int_equal(a.code, 2);
	assert_int_equal(a.out_len, 0);
	assert_string_equal(a.err, "usage\n");
	assert_int_equal(k + used, b.len);
	gw_ctl_answer_clear(&a);
	for (k = 0; k < 14; k++)
		assert_int_equal(gw_ctl_answer_decode((unsigned char *)b.data,
		    k, &used, &a), 0);
	buf_free(&b);
}

static void
test_answer_malformed(void **state)
{
	/* stdout length beyond the frame */
	static const unsigned char over[] = { 0, 0, 0, 7, 1, 0, 0, 0, 0, 9,
		'x' };
	static const unsigned char version[] = { 0, 0, 0, 6, 9, 0, 0, 0, 0,
		0 };
	static const unsigned char huge[] = { 0x7f, 0, 0, 0 };
	struct gw_ctl_answer a;
	size_t used;

	(void)state;
	assert_int_equal(gw_ctl_answer_decode(over, sizeof(over), &used, &a),
	    -1);
	assert_int_equal(gw_ctl_answer_decode(version, sizeof(version), &used,
	    &a), -1);
	assert_int_equal(gw_ctl_answer_decode(huge, sizeof(huge), &used, &a),
	    -1);
}

static void
test_answer_cut(void **state)
{
	size_t big = GW_CTL_ANSWER_MAX + 100;
	char *out = malloc(big);
	struct gw_ctl_answer a;
	struct buf b;
	size_t used;

	(void)state;
	memset(out, 'a', big);
	buf_init(&b, 0);
	assert_int_equal(gw_ctl_answer_encode(&b, 0, out, big, "e\n", 2), 0);
	assert_true(b.len <= GW_CTL_ANSWER_MAX + 4);
	assert_int_equal(gw_ctl_answer_decode((unsigned char *)b.data, b.len,
	    &used, &a), 1);
	assert_string_equal(a.err, "e\n");
	assert_non_null(strstr(a.out, "(output cut: too long)"));
	gw_ctl_answer_clear(&a);
	buf_free(&b);
	free(out);
}

static void
test_find(void **state)
{
	char *send[] = { S("send"), S("0722"), S("x") };
	char *add[] = { S("reporter"), S("add") };
	char *list[] = { S("reporter"), S("list") };
	char *visit[] = { S("sheets"), S("visit"), S("22-041"), S("--done") };
	char *show[] = { S("sheets"), S("show"), S("22-041") };
	char *start[] = { S("flow"), S("start"), S("sondaj"), S("0722") };
	char *check[] = { S("flow"), S("check") };
	char *status[] = { S("status") };
	char *alone[] = { S("reporter") };

	(void)state;
	assert_non_null(gw_ctl_find(3, send));
	assert_non_null(gw_ctl_find(2, add));
	assert_null(gw_ctl_find(2, list));
	assert_non_null(gw_ctl_find(4, visit));
	assert_null(gw_ctl_find(3, show));
	assert_non_null(gw_ctl_find(4, start));
	assert_null(gw_ctl_find(2, check));
	assert_null(gw_ctl_find(1, status));
	assert_null(gw_ctl_find(1, alone));
}

static void
test_migrations_compare(void **state)
{
	char path[] = "/tmp/test_control.XXXXXX";
	const struct store_migration *lists[8];
	struct store *st;
	sqlite3 *db;
	char err[256];
	size_t n = 0;
	int fd;

	(void)state;
	for (size_t i = 0; i < gw_services_count(); i++)
		lists[n++] = gw_services_at(i)->migrations;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	/* A fresh file: nothing applied. */
	st = store_open_nomigrate(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_migrations_compare(st, lists, n, err,
	    sizeof(err)), 1);
	assert_string_equal(err, "0001_core");
	store_close(st);
	/* Migrated: the same set. */
	st = gw_store_open(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_migrations_compare(st, lists, n, err,
	    sizeof(err)), 0);
	/* Without the services' lists, their migrations are unknown. */
	assert_int_equal(store_migrations_compare(st, NULL, 0, err,
	    sizeof(err)), 2);
	store_close(st);
	/* A newer program's migration. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_migrations "
	    "VALUES ('9999_future', 0)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = store_open_nomigrate(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_migrations_compare(st, lists, n, err,
	    sizeof(err)), 2);
	assert_string_equal(err, "9999_future");
	store_close(st);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_roundtrip),
		cmocka_unit_test(test_request_partial),
		cmocka_unit_test(test_request_malformed),
		cmocka_unit_test(test_answer_roundtrip),
		cmocka_unit_test(test_answer_malformed),
		cmocka_unit_test(test_answer_cut),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_migrations_compare),
	};

	log_init(LOG_LEVEL_ERROR, "test");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
