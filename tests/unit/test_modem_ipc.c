/*
 * test_modem_ipc.c - the gateway <-> worker wire format: round trips of
 * every typed message, malformed and truncated datagrams, and real
 * send/recv over a SOCK_SEQPACKET socketpair.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "modem.h"

/* Copies a written message into a reader, as recv would. */
static void
to_reader(const struct modem_ipc_msg *w, struct modem_ipc_msg *r)
{
	modem_ipc_init(r, w->type);
	r->data = malloc(w->len > 0 ? w->len : 1);
	assert_non_null(r->data);
	if (w->len > 0) /* an empty message (STOP) has no buffer */
		memcpy(r->data, w->data, w->len);
	r->len = r->cap = w->len;
}

static void
sample_part(struct modem_part *p)
{
	memset(p, 0, sizeof(*p));
	p->location = 10003;
	p->pdu_kind = MODEM_PDU_DELIVER;
	p->sender = (char *)"+40722123456";
	p->smsc_time = 1795363165;
	p->text = (char *)"Bun\xc4\x83 ziua \xc8\x99\xc8\x9b";
	p->coding = 16;
	p->concat_bits = 8;
	p->ref = 200;
	p->total = 3;
	p->seq = 2;
	p->mr = -1;
	p->status = 0;
	p->dedup = (char *)"0123456789abcdef0123456789abcdef";
}

static void
test_primitives(void **state)
{
	struct modem_ipc_msg w, r;

	(void)state;
	modem_ipc_init(&w, MODEM_IPC_PING);
	modem_ipc_put_i64(&w, INT64_MIN);
	modem_ipc_put_i64(&w, -1);
	modem_ipc_put_i64(&w, INT64_MAX);
	modem_ipc_put_str(&w, "");
	modem_ipc_put_str(&w, NULL);
	modem_ipc_put_str(&w, "abc");
	/* Little-endian on the wire. */
	assert_int_equal(w.data[0], 0x00);
	assert_int_equal(w.data[7], 0x80);
	to_reader(&w, &r);
	assert_true(modem_ipc_get_i64(&r) == INT64_MIN);
	assert_true(modem_ipc_get_i64(&r) == -1);
	assert_true(modem_ipc_get_i64(&r) == INT64_MAX);
	assert_string_equal(modem_ipc_get_str(&r), "");
	assert_string_equal(modem_ipc_get_str(&r), "");
	assert_string_equal(modem_ipc_get_str(&r), "abc");
	assert_int_equal(r.bad, 0);
	/* Reading past the end marks the message bad. */
	assert_true(modem_ipc_get_i64(&r) == 0);
	assert_int_equal(r.bad, 1);
	assert_string_equal(modem_ipc_get_str(&r), "");
	modem_ipc_free(&r);
	modem_ipc_free(&w);
}

static void
test_part_roundtrip(void **state)
{
	struct modem_ipc_msg w, r;
	struct modem_part in, out;

	(void)state;
	sample_part(&in);
	modem_ipc_init(&w, MODEM_IPC_SMS);
	modem_ipc_put_part(&w, &in);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_part(&r, &out), 0);
	assert_true(out.location == in.location);
	assert_int_equal(out.pdu_kind, in.pdu_kind);
	assert_string_equal(out.sender, in.sender);
	assert_true(out.smsc_time == in.smsc_time);
	assert_string_equal(out.text, in.text);
	assert_int_equal(out.coding, 16);
	assert_int_equal(out.concat_bits, 8);
	assert_int_equal(out.ref, 200);
	assert_int_equal(out.total, 3);
	assert_int_equal(out.seq, 2);
	assert_int_equal(out.mr, -1);
	assert_int_equal(out.status, 0);
	assert_string_equal(out.dedup, in.dedup);
	modem_part_clear(&out);
	assert_null(out.text);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
}

static void
test_status_roundtrip(void **state)
{
	struct modem_ipc_msg w, r;
	struct modem_status in = { 1, 42, -71, (char *)"226 01",
		(char *)"Orange RO", 1, 10, 10, (char *)"999999999999999",
		(char *)"" };
	struct modem_status out;

	(void)state;
	modem_ipc_init(&w, MODEM_IPC_STATUS);
	modem_ipc_put_status(&w, &in);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_status(&r, &out), 0);
	assert_int_equal(out.connected, 1);
	assert_int_equal(out.signal_percent, 42);
	assert_int_equal(out.signal_dbm, -71);
	assert_string_equal(out.network_code, "226 01");
	assert_string_equal(out.network_name, "Orange RO");
	assert_int_equal(out.registered, 1);
	assert_int_equal(out.sim_used, 10);
	assert_int_equal(out.sim_size, 10);
	assert_string_equal(out.imei, "999999999999999");
	assert_string_equal(out.error, "");
	modem_status_clear(&out);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
}

static void
test_send_roundtrip(void **state)
{
	struct modem_ipc_msg w, r;
	struct modem_send in = { 77, (char *)"+40744555666",
		(char *)"\xc8\x98tefan, mul\xc8\x9bumim!", 201, 1 };
	struct modem_send out;
	struct modem_send_result rin = { 77, 1, 3, 255, 0, (char *)"" };
	struct modem_send_result rout;

	(void)state;
	modem_ipc_init(&w, MODEM_IPC_SEND);
	modem_ipc_put_send(&w, &in);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_send(&r, &out), 0);
	assert_true(out.outbox_id == 77);
	assert_string_equal(out.recipient, in.recipient);
	assert_string_equal(out.text, in.text);
	assert_int_equal(out.concat_ref, 201);
	assert_int_equal(out.want_report, 1);
	modem_send_clear(&out);
	modem_ipc_free(&r);
	modem_ipc_free(&w);

	modem_ipc_init(&w, MODEM_IPC_SEND_RESULT);
	modem_ipc_put_send_result(&w, &rin);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_send_result(&r, &rout), 0);
	assert_true(rout.outbox_id == 77);
	assert_int_equal(rout.ok, 1);
	assert_int_equal(rout.parts, 3);
	assert_int_equal(rout.mr, 255);
	assert_int_equal(rout.permanent, 0);
	assert_string_equal(rout.error, "");
	modem_send_result_clear(&rout);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
}

static void
test_ussd_ack_roundtrip(void **state)
{
	struct modem_ipc_msg w, r;
	struct modem_ussd_result in = { (char *)"*100#", 1,
		(char *)"Credit 5.20 lei" };
	struct modem_ussd_result out;
	int64_t locs[] = { 10001, 10002, 30007 };
	int64_t *got;

	(void)state;
	modem_ipc_init(&w, MODEM_IPC_USSD_RESULT);
	modem_ipc_put_ussd_result(&w, &in);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_ussd_result(&r, &out), 0);
	assert_string_equal(out.code, "*100#");
	assert_int_equal(out.ok, 1);
	assert_string_equal(out.text, "Credit 5.20 lei");
	modem_ussd_result_clear(&out);
	modem_ipc_free(&r);
	modem_ipc_free(&w);

	modem_ipc_init(&w, MODEM_IPC_ACK);
	modem_ipc_put_ack(&w, locs, 3);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_ack(&r, &got), 3);
	assert_true(got[0] == 10001 && got[1] == 10002 && got[2] == 30007);
	free(got);
	modem_ipc_free(&r);
	modem_ipc_free(&w);

	modem_ipc_init(&w, MODEM_IPC_ACK);
	modem_ipc_put_ack(&w, NULL, 0);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_ack(&r, &got), 0);
	assert_null(got);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
}

/* BATCH_END, PING/PONG and the USSD request: the gateway's side uses
 * these, so they are what runs. */
static void
test_small_codecs(void **state)
{
	struct modem_ipc_msg w, r;
	struct modem_batch_end be = { 17, 1 }, got;
	int64_t seq;
	char *code;

	(void)state;
	modem_ipc_init(&w, MODEM_IPC_BATCH_END);
	modem_ipc_put_batch_end(&w, &be);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_batch_end(&r, &got), 0);
	assert_int_equal(got.parts, 17);
	assert_int_equal(got.more, 1);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
	/* more must be 0 or 1; a short message is refused. */
	modem_ipc_init(&w, MODEM_IPC_BATCH_END);
	modem_ipc_put_i64(&w, 3);
	modem_ipc_put_i64(&w, 2);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_batch_end(&r, &got), -1);
	assert_int_equal(got.more, 0);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
	modem_ipc_init(&w, MODEM_IPC_BATCH_END);
	modem_ipc_put_i64(&w, 3);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_batch_end(&r, &got), -1);
	modem_ipc_free(&r);
	modem_ipc_free(&w);

	modem_ipc_init(&w, MODEM_IPC_PING);
	modem_ipc_put_seq(&w, INT64_MAX);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_seq(&r, &seq), 0);
	assert_true(seq == INT64_MAX);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
	modem_ipc_init(&w, MODEM_IPC_PONG);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_seq(&r, &seq), -1);
	modem_ipc_free(&r);
	modem_ipc_free(&w);

	modem_ipc_init(&w, MODEM_IPC_USSD);
	modem_ipc_put_ussd(&w, "*133#");
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_ussd(&r, &code), 0);
	assert_string_equal(code, "*133#");
	free(code);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
	modem_ipc_init(&w, MODEM_IPC_USSD);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_ussd(&r, &code), -1);
	assert_null(code);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
}

/* POISON carries raw bytes as they are (NULs too), or none. */
static void
test_poison_roundtrip(void **state)
{
	struct modem_ipc_msg w, r;
	static unsigned char raw[] = { 0, 0xff, 'x', 0, '\n' };
	unsigned char *big;
	struct modem_poison p, got;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.location = 10002;
	p.folder = 1;
	p.failures = 3;
	p.error = (char *)"reading SMS: File format not supported";
	p.raw = raw;
	p.raw_len = sizeof(raw);
	p.raw_known = 1;
	modem_ipc_init(&w, MODEM_IPC_POISON);
	modem_ipc_put_poison(&w, &p);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_poison(&r, &got), 0);
	assert_true(got.location == 10002);
	assert_int_equal(got.folder, 1);
	assert_int_equal(got.failures, 3);
	assert_int_equal(got.raw_known, 1);
	assert_string_equal(got.error, p.error);
	assert_int_equal(got.raw_len, sizeof(raw));
	assert_memory_equal(got.raw, raw, sizeof(raw));
	modem_poison_clear(&got);
	modem_ipc_free(&r);
	/* Every prefix is refused. */
	for (size_t cut = 0; cut < w.len; cut++) {
		struct modem_ipc_msg t;

		memset(&t, 0, sizeof(t));
		t.type = w.type;
		t.data = w.data;
		t.len = cut;
		assert_int_equal(modem_ipc_get_poison(&t, &got), -1);
		assert_null(got.raw);
		assert_null(got.error);
	}
	modem_ipc_free(&w);
	/* An empty slot: known, no bytes. */
	p.raw = NULL;
	p.raw_len = 0;
	modem_ipc_init(&w, MODEM_IPC_POISON);
	modem_ipc_put_poison(&w, &p);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_poison(&r, &got), 0);
	assert_int_equal(got.raw_known, 1);
	assert_int_equal(got.raw_len, 0);
	assert_null(got.raw);
	modem_poison_clear(&got);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
	/* More than MODEM_POISON_RAW_MAX bytes are cut, not refused. */
	big = calloc(MODEM_POISON_RAW_MAX + 10, 1);
	assert_non_null(big);
	p.raw = big;
	p.raw_len = MODEM_POISON_RAW_MAX + 10;
	modem_ipc_init(&w, MODEM_IPC_POISON);
	modem_ipc_put_poison(&w, &p);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_poison(&r, &got), 0);
	assert_int_equal(got.raw_len, MODEM_POISON_RAW_MAX);
	modem_poison_clear(&got);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
	free(big);
}

/* Every prefix of a valid message must be rejected, never crash. */
static void
test_truncated(void **state)
{
	struct modem_ipc_msg w, r;
	struct modem_part in, out;
	struct modem_status st;
	struct modem_send snd;
	struct modem_send_result res;
	struct modem_ussd_result ur;
	int64_t *locs;

	(void)state;
	sample_part(&in);
	modem_ipc_init(&w, MODEM_IPC_SMS);
	modem_ipc_put_part(&w, &in);
	for (size_t cut = 0; cut < w.len; cut++) {
		to_reader(&w, &r);
		r.len = cut;
		assert_int_equal(modem_ipc_get_part(&r, &out), -1);
		assert_null(out.text);
		modem_ipc_free(&r);
		to_reader(&w, &r);
		r.len = cut;
		assert_int_equal(modem_ipc_get_status(&r, &st), -1);
		modem_ipc_free(&r);
		to_reader(&w, &r);
		r.len = cut;
		(void)modem_ipc_get_send(&r, &snd);
		modem_send_clear(&snd);
		modem_ipc_free(&r);
		to_reader(&w, &r);
		r.len = cut;
		(void)modem_ipc_get_send_result(&r, &res);
		modem_send_result_clear(&res);
		modem_ipc_free(&r);
		to_reader(&w, &r);
		r.len = cut;
		(void)modem_ipc_get_ussd_result(&r, &ur);
		modem_ussd_result_clear(&ur);
		modem_ipc_free(&r);
		to_reader(&w, &r);
		r.len = cut;
		if (modem_ipc_get_ack(&r, &locs) >= 0)
			free(locs);
		modem_ipc_free(&r);
	}
	modem_ipc_free(&w);
}

/* Lengths that lie, missing NULs, out-of-range integers, random bytes. */
static void
test_garbage(void **state)
{
	struct modem_ipc_msg w, r;
	struct modem_part out;
	int64_t *locs;
	unsigned char lie[] = { 0xff, 0xff, 0xff, 0xff, 'a', 0 };
	unsigned char nonul[] = { 3, 0, 0, 0, 'a', 'b', 'c', 'd' };
	unsigned char embedded[] = { 3, 0, 0, 0, 'a', 0, 'c', 0 };
	unsigned int seed = 12345;

	(void)state;
	modem_ipc_init(&r, 0);
	r.data = lie;
	r.len = sizeof(lie);
	assert_string_equal(modem_ipc_get_str(&r), "");
	assert_int_equal(r.bad, 1);
	modem_ipc_init(&r, 0);
	r.data = nonul;
	r.len = sizeof(nonul);
	assert_string_equal(modem_ipc_get_str(&r), "");
	assert_int_equal(r.bad, 1);
	modem_ipc_init(&r, 0);
	r.data = embedded;
	r.len = sizeof(embedded);
	assert_string_equal(modem_ipc_get_str(&r), "");
	assert_int_equal(r.bad, 1);

	/* An ACK claiming more locations than it carries. */
	modem_ipc_init(&w, MODEM_IPC_ACK);
	modem_ipc_put_i64(&w, 1000);
	modem_ipc_put_i64(&w, 5);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_ack(&r, &locs), -1);
	assert_null(locs);
	modem_ipc_free(&r);
	modem_ipc_free(&w);
	modem_ipc_init(&w, MODEM_IPC_ACK);
	modem_ipc_put_i64(&w, -1);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_ack(&r, &locs), -1);
	modem_ipc_free(&r);
	modem_ipc_free(&w);

	/* A part with an impossible pdu kind. */
	modem_ipc_init(&w, MODEM_IPC_SMS);
	modem_ipc_put_i64(&w, 1);
	modem_ipc_put_i64(&w, 99);
	to_reader(&w, &r);
	assert_int_equal(modem_ipc_get_part(&r, &out), -1);
	modem_ipc_free(&r);
	modem_ipc_free(&w);

	/* Random bytes never crash the typed readers. */
	for (int round = 0; round < 2000; round++) {
		unsigned char buf[96];
		size_t n = (size_t)(rand_r(&seed) % sizeof(buf));

		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)rand_r(&seed);
		/* Small lengths make the string paths reachable. */
		if (n >= 4 && (round & 1))
			buf[1] = buf[2] = buf[3] = 0;
		modem_ipc_init(&r, 0);
		r.data = buf;
		r.len = n;
		if (modem_ipc_get_part(&r, &out) == 0)
			modem_part_clear(&out);
		r.pos = 0;
		r.bad = 0;
		if (modem_ipc_get_ack(&r, &locs) > 0)
			free(locs);
	}
}

static void
test_socketpair(void **state)
{
	int sv[2];
	struct modem_ipc_msg w, r;
	struct modem_part in, out;
	unsigned char junk[2] = { 1, 2 };

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	sample_part(&in);
	modem_ipc_init(&w, MODEM_IPC_SMS);
	modem_ipc_put_part(&w, &in);
	assert_int_equal(modem_ipc_send(sv[0], &w), 0);
	modem_ipc_free(&w);
	modem_ipc_init(&w, MODEM_IPC_STOP);
	assert_int_equal(modem_ipc_send(sv[0], &w), 0);
	modem_ipc_free(&w);

	assert_int_equal(modem_ipc_recv(sv[1], &r), 1);
	assert_int_equal(r.type, MODEM_IPC_SMS);
	assert_int_equal(modem_ipc_get_part(&r, &out), 0);
	assert_string_equal(out.text, in.text);
	modem_part_clear(&out);
	modem_ipc_free(&r);
	assert_int_equal(modem_ipc_recv(sv[1], &r), 1);
	assert_int_equal(r.type, MODEM_IPC_STOP);
	assert_int_equal((int)r.len, 0);
	modem_ipc_free(&r);

	/* A datagram shorter than the type header is refused. */
	assert_int_equal(send(sv[0], junk, sizeof(junk), 0), 2);
	errno = 0;
	assert_int_equal(modem_ipc_recv(sv[1], &r), -1);
	assert_int_equal(errno, EBADMSG);
	modem_ipc_free(&r);

	/* Too large to send. */
	modem_ipc_init(&w, MODEM_IPC_SMS);
	{
		char *big = malloc(MODEM_IPC_MAX);

		assert_non_null(big);
		memset(big, 'x', MODEM_IPC_MAX - 1);
		big[MODEM_IPC_MAX - 1] = '\0';
		modem_ipc_put_str(&w, big);
		free(big);
	}
	assert_int_equal(modem_ipc_send(sv[0], &w), -1);
	assert_int_equal(errno, EMSGSIZE);
	modem_ipc_free(&w);

	/* The largest allowed one goes through whole. */
	modem_ipc_init(&w, MODEM_IPC_SMS);
	{
		char *big = malloc(MODEM_IPC_MAX);

		assert_non_null(big);
		memset(big, 'y', MODEM_IPC_MAX - 4 - 4 - 1);
		big[MODEM_IPC_MAX - 4 - 4 - 1] = '\0';
		modem_ipc_put_str(&w, big);
		free(big);
	}
	assert_int_equal((int)w.len, MODEM_IPC_MAX - 4);
	assert_int_equal(modem_ipc_send(sv[0], &w), 0);
	modem_ipc_free(&w);
	assert_int_equal(modem_ipc_recv(sv[1], &r), 1);
	assert_int_equal((int)strlen(modem_ipc_get_str(&r)),
	    MODEM_IPC_MAX - 9);
	assert_int_equal(r.bad, 0);
	modem_ipc_free(&r);

	/* Peer closed. */
	close(sv[0]);
	assert_int_equal(modem_ipc_recv(sv[1], &r), 0);
	modem_ipc_free(&r);
	close(sv[1]);
}

static void
test_strtype(void **state)
{
	(void)state;
	assert_string_equal(modem_ipc_strtype(MODEM_IPC_HELLO), "HELLO");
	assert_string_equal(modem_ipc_strtype(MODEM_IPC_STOP), "STOP");
	assert_string_equal(modem_ipc_strtype(999), "UNKNOWN");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_primitives),
		cmocka_unit_test(test_part_roundtrip),
		cmocka_unit_test(test_status_roundtrip),
		cmocka_unit_test(test_send_roundtrip),
		cmocka_unit_test(test_ussd_ack_roundtrip),
		cmocka_unit_test(test_small_codecs),
		cmocka_unit_test(test_poison_roundtrip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_socketpair),
		cmocka_unit_test(test_strtype),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
