/*
 * test_reasm.c - concatenated SMS reassembly (gateway/gw_reasm.c) over a
 * real SQLite file (store/store_parts.c).
 *
 * gw_reasm_expire() hands complete-but-late messages to gw_inbound_route,
 * which needs the flow engine; this file defines its own
 * gw_inbound_route, which the linker takes instead of the library's
 * (gw_inbound.o is then not pulled from libstafeta.a), and records calls.
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

#include "buf.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "modem.h"
#include "store.h"
#include "util.h"
#include "test_db.h"

#define T0 1700000000000LL	/* ms */
#define TIMEOUT_S 600
#define MAX_ROUTED 256

struct routed {
	char *modem;
	int64_t id;
	char *sender;
	char *text;
};

struct fixture {
	char dir[64];
	char path[96];
	struct gw_config conf;
	struct gateway gw;
};

struct inbound_rows {
	struct store_inbound rows[16];
	size_t n;
};

static struct routed routed[MAX_ROUTED];
static size_t n_routed;
static int route_fail;	/* calls of gw_inbound_route left to fail */

static int setup(void **);
static int teardown(void **);
static void routed_reset(void);
static struct modem_part part(const char *, int, int, int, int,
    const char *);
static int add(struct fixture *, const char *, struct modem_part, int64_t,
    char **, int *);
static int pending(struct fixture *, const char *, int, int, int);
static int collect_cb(const struct store_inbound *, void *);
static void inbound_rows(struct fixture *, struct inbound_rows *);
static void inbound_rows_clear(struct inbound_rows *);
static void reopen(struct fixture *);

int
gw_inbound_route(struct gateway *gw, const char *modem, int64_t inbound_id,
    const char *sender, const char *text, int64_t now)
{
	UNUSED(gw);
	UNUSED(now);
	if (route_fail > 0) {
		route_fail--;
		return -1;
	}
	assert_true(n_routed < MAX_ROUTED);
	routed[n_routed].modem = xstrdup(modem);
	routed[n_routed].id = inbound_id;
	routed[n_routed].sender = xstrdup(sender);
	routed[n_routed].text = xstrdup(text);
	n_routed++;
	return 0;
}

static void
routed_reset(void)
{
	for (size_t i = 0; i < n_routed; i++) {
		free(routed[i].modem);
		free(routed[i].sender);
		free(routed[i].text);
	}
	memset(routed, 0, sizeof(routed));
	n_routed = 0;
	route_fail = 0;
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[256];

	strlcpy_s(f->dir, "/tmp/stafeta-reasm-XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/db.sqlite", f->dir);
	f->conf.multipart_timeout_s = TIMEOUT_S;
	f->gw.conf = &f->conf;
	f->gw.store = store_open(f->path, err, sizeof(err));
	if (f->gw.store == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	routed_reset();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->gw.store);
	test_db_remove(f->path);
	rmdir(f->dir);
	free(f);
	routed_reset();
	return 0;
}

/* A part as the worker delivers it (strings borrowed). */
static struct modem_part
part(const char *sender, int bits, int ref, int total, int seq,
    const char *text)
{
	struct modem_part p;

	memset(&p, 0, sizeof(p));
	p.pdu_kind = MODEM_PDU_DELIVER;
	p.sender = (char *)(uintptr_t)sender;
	p.text = (char *)(uintptr_t)text;
	p.coding = 16;
	p.concat_bits = bits;
	p.ref = ref;
	p.total = total;
	p.seq = seq;
	p.dedup = (char *)(uintptr_t)"x";
	return p;
}

/* gw_reasm_add in a transaction of its own, as gw_inbound_batch does. */
static int
add(struct fixture *f, const char *modem, struct modem_part p, int64_t now,
    char **text, int *nparts)
{
	int rc;

	assert_int_equal(store_begin(f->gw.store), 0);
	rc = gw_reasm_add(&f->gw, modem, &p, now, text, nparts);
	assert_int_equal(store_commit(f->gw.store), 0);
	return rc;
}

/* Parts pending for the group (8-bit unless bits says otherwise). */
static int
pending(struct fixture *f, const char *sender, int bits, int ref, int total)
{
	struct store_part_key k = { "m1", sender, bits, ref, total };
	int n;

	assert_int_equal(store_parts_count(f->gw.store, &k, &n), 0);
	return n;
}

static int
collect_cb(const struct store_inbound *in, void *arg)
{
	struct inbound_rows *r = arg;
	struct store_inbound *c;

	assert_true(r->n < NELEM(r->rows));
	c = &r->rows[r->n++];
	*c = *in;
	c->channel = in->channel != NULL ? xstrdup(in->channel) : NULL;
	c->sender = in->sender != NULL ? xstrdup(in->sender) : NULL;
	c->text = in->text != NULL ? xstrdup(in->text) : NULL;
	c->kind = in->kind != NULL ? xstrdup(in->kind) : NULL;
	return 0;
}

/* Inbound rows, newest first. */
static void
inbound_rows(struct fixture *f, struct inbound_rows *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(store_inbound_list(f->gw.store, 0, collect_cb, r), 0);
}

static void
inbound_rows_clear(struct inbound_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		store_inbound_clear(&r->rows[i]);
	r->n = 0;
}

/* Closes and reopens the database, as a daemon restart does. */
static void
reopen(struct fixture *f)
{
	char err[256];

	store_close(f->gw.store);
	f->gw.store = store_open(f->path, err, sizeof(err));
	if (f->gw.store == NULL)
		fail_msg("reopen: %s", err);
}

static void
test_in_order_and_out_of_order(void **state)
{
	struct fixture *f = *state;
	char *text = NULL;
	int n = 0;

	assert_int_equal(add(f, "m1", part("+40722000001", 8, 5, 3, 3, "C"),
	    T0, &text, &n), 0);
	assert_null(text);
	assert_int_equal(add(f, "m1", part("+40722000001", 8, 5, 3, 1,
	    "Bun\xc4\x83 "), T0 + 1, &text, &n), 0);
	assert_int_equal(pending(f, "+40722000001", 8, 5, 3), 2);
	assert_int_equal(add(f, "m1", part("+40722000001", 8, 5, 3, 2,
	    "ziua "), T0 + 2, &text, &n), 1);
	assert_string_equal(text, "Bun\xc4\x83 ziua C");
	assert_int_equal(n, 3);
	free(text);
	/* Nothing is left behind, and the reference can be used again. */
	assert_int_equal(pending(f, "+40722000001", 8, 5, 3), 0);
	assert_int_equal(add(f, "m1", part("+40722000001", 8, 5, 3, 1, "x"),
	    T0 + 3, &text, &n), 0);
	assert_int_equal(pending(f, "+40722000001", 8, 5, 3), 1);
}

static void
test_duplicates(void **state)
{
	struct fixture *f = *state;
	char *text = NULL;
	int n = 0;

	assert_int_equal(add(f, "m1", part("+40722000001", 8, 9, 2, 1, "A"),
	    T0, &text, &n), 0);
	/* The same part again (re-read, or resent by the SMSC). */
	assert_int_equal(add(f, "m1", part("+40722000001", 8, 9, 2, 1,
	    "A'"), T0 + 1, &text, &n), 0);
	assert_int_equal(pending(f, "+40722000001", 8, 9, 2), 1);
	assert_int_equal(add(f, "m1", part("+40722000001", 8, 9, 2, 2, "B"),
	    T0 + 2, &text, &n), 1);
	assert_string_equal(text, "AB");
	assert_int_equal(n, 2);
	free(text);
}

/* libgammu bug 1: GSM_LinkSMS would mix these two. */
static void
test_two_senders_same_ref(void **state)
{
	struct fixture *f = *state;
	const char *a = "+40711111111", *b = "+40722222222";
	char *text = NULL;
	int n = 0;

	assert_int_equal(add(f, "m1", part(a, 8, 1, 2, 1, "AAAA"), T0, &text,
	    &n), 0);
	assert_int_equal(add(f, "m1", part(b, 8, 1, 2, 1, "BBBB"), T0, &text,
	    &n), 0);
	/* Same sender and reference on another modem: another message. */
	assert_int_equal(add(f, "m2", part(a, 8, 1, 2, 2, "zzzz"), T0, &text,
	    &n), 0);
	assert_int_equal(add(f, "m1", part(b, 8, 1, 2, 2, "\xc8\x99"), T0 + 1,
	    &text, &n), 1);
	assert_string_equal(text, "BBBB\xc8\x99");
	free(text);
	assert_int_equal(add(f, "m1", part(a, 8, 1, 2, 2, "\xc4\x83"), T0 + 2,
	    &text, &n), 1);
	assert_string_equal(text, "AAAA\xc4\x83");
	free(text);
	assert_int_equal(pending(f, a, 8, 1, 2), 0);
	assert_int_equal(pending(f, b, 8, 1, 2), 0);
}

/* 8- and 16-bit references with the same number, and the same reference
 * with another part count, are different messages. */
static void
test_ref_width_and_total(void **state)
{
	struct fixture *f = *state;
	const char *s = "+40722000001";
	char *text = NULL;
	int n = 0;

	assert_int_equal(add(f, "m1", part(s, 8, 7, 2, 1, "8a"), T0, &text,
	    &n), 0);
	assert_int_equal(add(f, "m1", part(s, 16, 7, 2, 2, "16b"), T0, &text,
	    &n), 0);
	assert_int_equal(add(f, "m1", part(s, 8, 7, 3, 2, "3b"), T0, &text,
	    &n), 0);
	assert_int_equal(pending(f, s, 8, 7, 2), 1);
	assert_int_equal(pending(f, s, 16, 7, 2), 1);
	assert_int_equal(pending(f, s, 8, 7, 3), 1);
	assert_int_equal(add(f, "m1", part(s, 16, 7, 2, 1, "16a"), T0 + 1,
	    &text, &n), 1);
	assert_string_equal(text, "16a16b");
	free(text);
	assert_int_equal(add(f, "m1", part(s, 8, 7, 2, 2, "8b"), T0 + 2,
	    &text, &n), 1);
	assert_string_equal(text, "8a8b");
	free(text);
	assert_int_equal(pending(f, s, 8, 7, 3), 1);
	/* 16-bit references above 255 are fine. */
	assert_int_equal(add(f, "m1", part(s, 16, 65535, 2, 2, "y"), T0 + 3,
	    &text, &n), 0);
	assert_int_equal(add(f, "m1", part(s, 16, 65535, 2, 1, "x"), T0 + 4,
	    &text, &n), 1);
	assert_string_equal(text, "xy");
	free(text);
}

/* The same number written nationally and internationally is one sender. */
static void
test_sender_forms(void **state)
{
	struct fixture *f = *state;
	char *text = NULL;
	int n = 0;

	assert_int_equal(add(f, "m1", part("0722000009", 8, 3, 2, 1, "a"), T0,
	    &text, &n), 0);
	assert_int_equal(add(f, "m1", part("+40722000009", 8, 3, 2, 2, "b"),
	    T0, &text, &n), 1);
	assert_string_equal(text, "ab");
	free(text);
	/* Alphanumeric senders are kept as they are. */
	assert_int_equal(add(f, "m1", part("Orange", 8, 3, 2, 1, "o"), T0,
	    &text, &n), 0);
	assert_int_equal(add(f, "m1", part("ORANGE", 8, 3, 2, 2, "O"), T0,
	    &text, &n), 0);
	assert_int_equal(pending(f, "Orange", 8, 3, 2), 1);
}

/* Parts that cannot belong to a longer message are messages of their own
 * and nothing waits for them. */
static void
test_malformed_is_single(void **state)
{
	static const struct {
		int bits, ref, total, seq;
	} bad[] = {
		{ 8, 1, 3, 0 }, { 8, 1, 3, 4 }, { 8, 1, 0, 1 }, { 8, 1, 256, 2 },
		{ 8, 1, -1, 1 }, { 8, 1, 1, 1 }, { 8, 300, 2, 1 }, { 8, -1, 2, 1 },
		{ 16, 70000, 2, 1 }, { 7, 1, 2, 1 }, { 0, 1, 2, 1 },
		{ 8, 1, 3, -2 },
	};
	struct fixture *f = *state;
	struct store_part_group *g;
	size_t ng;

	for (size_t i = 0; i < NELEM(bad); i++) {
		char *text = NULL;
		int n = 0;

		assert_int_equal(add(f, "m1", part("+40722000001", bad[i].bits,
		    bad[i].ref, bad[i].total, bad[i].seq, "lone"), T0, &text,
		    &n), 1);
		assert_string_equal(text, "lone");
		assert_int_equal(n, 1);
		free(text);
	}
	/* A NULL text is an empty message. */
	{
		struct modem_part p = part("+40722000001", 8, 1, 3, 9, NULL);
		char *text = NULL;
		int n = 0;

		assert_int_equal(add(f, "m1", p, T0, &text, &n), 1);
		assert_string_equal(text, "");
		free(text);
	}
	assert_int_equal(store_parts_older(f->gw.store, T0 + 1000000, 0, &g,
	    &ng), 0);
	assert_int_equal(ng, 0);
	store_part_groups_free(g, ng);
}

static void
test_timeout_gaps(void **state)
{
	struct fixture *f = *state;
	struct inbound_rows r;
	char *text = NULL;
	int n = 0;
	int64_t late = T0 + TIMEOUT_S * 1000LL;

	/* Group A: parts 1 and 3 of 4.  Group B: 2 and 3 of 3.  Group C:
	 * 1 of 2, later.  Group D: 2 of 5 (gap on both sides). */
	assert_int_equal(add(f, "m1", part("+40711111111", 8, 1, 4, 3, "P3"),
	    T0, &text, &n), 0);
	assert_int_equal(add(f, "m1", part("+40711111111", 8, 1, 4, 1, "P1"),
	    T0 + 10, &text, &n), 0);
	assert_int_equal(add(f, "m1", part("+40722222222", 16, 500, 3, 3,
	    "c"), T0 + 20, &text, &n), 0);
	assert_int_equal(add(f, "m1", part("+40722222222", 16, 500, 3, 2,
	    "b"), T0 + 30, &text, &n), 0);
	assert_int_equal(add(f, "m2", part("+40733333333", 8, 2, 5, 2, "x"),
	    T0 + 40, &text, &n), 0);
	assert_int_equal(add(f, "m1", part("+40744444444", 8, 1, 2, 1, "new"),
	    late - 5, &text, &n), 0);

	/* Not yet. */
	assert_int_equal(gw_reasm_expire(&f->gw, late), 0);
	assert_int_equal(n_routed, 0);
	/* Past the timeout of A, B and D, not of C. */
	assert_int_equal(gw_reasm_expire(&f->gw, late + 41), 0);
	assert_int_equal(n_routed, 3);
	/* Oldest first. */
	assert_string_equal(routed[0].text, "P1[...]P3[...]");
	assert_string_equal(routed[0].sender, "+40711111111");
	assert_string_equal(routed[0].modem, "m1");
	assert_string_equal(routed[1].text, "[...]bc");
	assert_string_equal(routed[2].text, "[...]x[...]");
	assert_string_equal(routed[2].modem, "m2");
	assert_int_equal(pending(f, "+40711111111", 8, 1, 4), 0);
	assert_int_equal(pending(f, "+40744444444", 8, 1, 2), 1);

	inbound_rows(f, &r);
	assert_int_equal(r.n, 3);
	/* Newest first: D, B, A. */
	assert_int_equal(r.rows[2].id, routed[0].id);
	assert_int_equal(r.rows[2].incomplete, 1);
	assert_int_equal(r.rows[2].parts, 2);
	assert_string_equal(r.rows[2].text, "P1[...]P3[...]");
	assert_string_equal(r.rows[2].kind, "sms");
	assert_int_equal(r.rows[1].parts, 2);
	assert_int_equal(r.rows[0].parts, 1);
	assert_int_equal(r.rows[0].incomplete, 1);
	inbound_rows_clear(&r);

	/* Nothing twice; C goes later. */
	assert_int_equal(gw_reasm_expire(&f->gw, late + 100), 0);
	assert_int_equal(n_routed, 3);
	assert_int_equal(gw_reasm_expire(&f->gw, late + TIMEOUT_S * 1000LL),
	    0);
	assert_int_equal(n_routed, 4);
	assert_string_equal(routed[3].text, "new[...]");
}

/* A message the flow engine fails on is still stored, once. */
static void
test_timeout_route_fails(void **state)
{
	struct fixture *f = *state;
	struct inbound_rows r;
	char *text = NULL;
	int n = 0;

	assert_int_equal(add(f, "m1", part("+40711111111", 8, 1, 2, 1, "a"),
	    T0, &text, &n), 0);
	route_fail = 1;
	assert_int_equal(gw_reasm_expire(&f->gw, T0 + TIMEOUT_S * 1000LL + 1),
	    0);
	assert_int_equal(n_routed, 0);
	inbound_rows(f, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].text, "a[...]");
	assert_int_equal(r.rows[0].incomplete, 1);
	inbound_rows_clear(&r);
	assert_int_equal(pending(f, "+40711111111", 8, 1, 2), 0);
}

/* Many groups time out at once: more than one listing batch. */
static void
test_timeout_many(void **state)
{
	struct fixture *f = *state;
	int64_t count;

	assert_int_equal(store_begin(f->gw.store), 0);
	for (int i = 0; i < 150; i++) {
		struct modem_part p = part("+40711111111", 16, i, 2, 1, "a");
		char *text = NULL;
		int n = 0;

		assert_int_equal(gw_reasm_add(&f->gw, "m1", &p, T0 + i, &text,
		    &n), 0);
	}
	assert_int_equal(store_commit(f->gw.store), 0);
	assert_int_equal(gw_reasm_expire(&f->gw, T0 + TIMEOUT_S * 1000LL +
	    1000), 0);
	assert_int_equal(store_inbound_count(f->gw.store, &count), 0);
	assert_int_equal(count, 150);
	routed_reset();
}

static void
test_restart_midway(void **state)
{
	struct fixture *f = *state;
	char *text = NULL;
	int n = 0;

	assert_int_equal(add(f, "m1", part("+40711111111", 8, 42, 3, 2,
	    "doi "), T0, &text, &n), 0);
	assert_int_equal(add(f, "m1", part("+40711111111", 8, 42, 3, 1,
	    "unu "), T0 + 1, &text, &n), 0);
	/* A transaction that never commits (crash mid-batch) leaves no
	 * trace. */
	{
		struct modem_part p = part("+40711111111", 8, 42, 3, 3, "lost");

		assert_int_equal(store_begin(f->gw.store), 0);
		assert_int_equal(gw_reasm_add(&f->gw, "m1", &p, T0 + 2, &text,
		    &n), 1);
		free(text);
		store_rollback(f->gw.store);
	}
	reopen(f);
	assert_int_equal(pending(f, "+40711111111", 8, 42, 3), 2);
	assert_int_equal(add(f, "m1", part("+40711111111", 8, 42, 3, 3,
	    "trei"), T0 + 3, &text, &n), 1);
	assert_string_equal(text, "unu doi trei");
	assert_int_equal(n, 3);
	free(text);
	/* The timeout counts from the first part, across the restart. */
	assert_int_equal(add(f, "m1", part("+40711111111", 8, 43, 2, 1, "t"),
	    T0, &text, &n), 0);
	reopen(f);
	assert_int_equal(gw_reasm_expire(&f->gw, T0 + TIMEOUT_S * 1000LL + 1),
	    0);
	assert_int_equal(n_routed, 1);
	assert_string_equal(routed[0].text, "t[...]");
}

/* 40 parts in a scrambled order, with UCS-2 text in each. */
static void
test_forty_parts(void **state)
{
	struct fixture *f = *state;
	struct buf want;
	char *text = NULL;
	int n = 0, order[40];

	for (int i = 0; i < 40; i++)
		order[i] = (i * 17) % 40 + 1;	/* 17 is prime to 40 */
	buf_init(&want, 0);
	for (int seq = 1; seq <= 40; seq++)
		if (buf_printf(&want, "[%02d \xc8\x99\xc8\x9b]", seq) != 0)
			fail();
	for (int i = 0; i < 40; i++) {
		char t[32];

		snprintf(t, sizeof(t), "[%02d \xc8\x99\xc8\x9b]", order[i]);
		assert_int_equal(add(f, "m1", part("+40711111111", 16, 4000, 40,
		    order[i], t), T0 + i, &text, &n), i == 39 ? 1 : 0);
	}
	assert_string_equal(text, want.data);
	assert_int_equal(n, 40);
	free(text);
	buf_free(&want);
	assert_int_equal(pending(f, "+40711111111", 16, 4000, 40), 0);
}

/* Parts of the largest possible message, 255, all present. */
static void
test_255_parts(void **state)
{
	struct fixture *f = *state;
	char *text = NULL;
	int n = 0;

	assert_int_equal(store_begin(f->gw.store), 0);
	for (int seq = 255; seq >= 1; seq--) {
		struct modem_part p = part("+40711111111", 8, 200, 255, seq,
		    "ab");
		int rc = gw_reasm_add(&f->gw, "m1", &p, T0, &text, &n);

		assert_int_equal(rc, seq == 1 ? 1 : 0);
	}
	assert_int_equal(store_commit(f->gw.store), 0);
	assert_int_equal(strlen(text), 510);
	assert_int_equal(n, 255);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order_and_out_of_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_senders_same_ref,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ref_width_and_total, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sender_forms, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed_is_single, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeout_gaps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeout_route_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeout_many, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_midway, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forty_parts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_255_parts, setup,
		    teardown),
	};

	log_init(LOG_LEVEL_WARN, "test_reasm");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
