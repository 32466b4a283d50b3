/*
 * test_modem_worker.c - the modem worker end to end against libgammu's
 * dummy driver: a forked modem_worker_main on a socketpair, a temporary
 * dummy folder filled with SMS-backup files, and the gateway's side of
 * the protocol played by the test.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "gsm_text.h"
#include "log.h"
#include "modem.h"
#include "util.h"

#define LONG_RO "Bun\xc4\x83 ziua! \xc8\x98" "coala \xc8\x99i \xc8\x9b" \
    "ara, \xc3\xaen" "ghe\xc8\x9b" "at\xc4\x83, m\xc3\xa2ine. ă î ș ț â " \
    "Ș Ț Ă Î Â: un mesaj lung cu diacritice pentru concatenare UCS-2, " \
    "destul de lung ca s\xc4\x83 aib\xc4\x83 trei p\xc4\x83r\xc8\x9bi."

struct fixture {
	char dir[64];		/* temporary root */
	char phone[128];	/* the dummy device folder */
	struct modem_conf conf;	/* the worker's configuration */
	int fd;			/* gateway side of the socketpair */
	pid_t pid;		/* the worker */
	int wfd;		/* worker side, until it is forked */
};

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_rf(const char *path)
{
	(void)nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* UTF-8 -> upper-case UCS-2BE hex, as the backup format stores text. */
static char *
ucs2_hex(const char *utf8)
{
	uint16_t u[1024];
	long n = gsm_text_utf8_to_ucs2(utf8, strlen(utf8), u, 1024);
	char *s;

	assert_true(n >= 0);
	s = malloc((size_t)n * 4 + 1);
	assert_non_null(s);
	for (long i = 0; i < n; i++)
		snprintf(s + 4 * i, 5, "%04X", u[i]);
	s[4 * n] = '\0';
	return s;
}

/* Writes one part as DIR/sms/1/LOC in Gammu's SMS-backup format. */
static void
write_part(const char *phone, int loc, const char *pdu, const char *sender,
    const char *udh, const char *coding, const char *texthex, int mr)
{
	char path[256], tmp[256];
	FILE *f;
	char *num = ucs2_hex(sender);
	size_t len = strlen(texthex);

	snprintf(path, sizeof(path), "%s/sms/1", phone);
	assert_int_equal(mkdir_p(path, 0755), 0);
	snprintf(tmp, sizeof(tmp), "%s/tmp.%d", phone, loc);
	snprintf(path, sizeof(path), "%s/sms/1/%d", phone, loc);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fprintf(f, "[SMSBackup000]\nSMSC = \"+40700000000\"\n"
	    "SMSCUnicode = 002B00340030003700300030003000300030003000300030\n"
	    "PDU = %s\nDateTime = 20261122T153925Z\nState = UnRead\n"
	    "Number = \"%s\"\nNumberUnicode = %s\n", pdu, sender, num);
	if (udh != NULL)
		fprintf(f, "UDH = %s\n", udh);
	/* Long text lines are split into Text00, Text01, ... */
	for (size_t i = 0, k = 0; i < len; i += 200, k++)
		fprintf(f, "Text%02zu = %.200s\n", k, texthex + i);
	fprintf(f, "Coding = %s\nFolder = 1\nLength = %zu\nClass = -1\n"
	    "MessageReference = %d\n", coding,
	    strcmp(coding, "8bit") == 0 ? len / 2 : len / 4, mr);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
	free(num);
}

static void
write_text(const char *phone, int loc, const char *sender, const char *udh,
    const char *coding, const char *utf8)
{
	char *hex = ucs2_hex(utf8);

	write_part(phone, loc, "Deliver", sender, udh, coding, hex, 0);
	free(hex);
}

static int
file_exists(const char *phone, int loc)
{
	char path[256];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/sms/1/%d", phone, loc);
	return stat(path, &sb) == 0;
}

/* Next message from the worker within ms, or fail the test. */
static void
recv_msg(int fd, struct modem_ipc_msg *m, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, ms), 1);
	assert_int_equal(modem_ipc_recv(fd, m), 1);
}

/* Next message of the given type, skipping STATUS/BATCH_END noise. */
static void
expect(int fd, int type, struct modem_ipc_msg *m, int ms)
{
	int64_t deadline = clock_mono_ms() + ms;

	for (;;) {
		int left = (int)(deadline - clock_mono_ms());

		assert_true(left > 0);
		recv_msg(fd, m, left);
		if (m->type == type)
			return;
		if (m->type != MODEM_IPC_STATUS && m->type != MODEM_IPC_HELLO &&
		    m->type != MODEM_IPC_BATCH_END)
			fail_msg("unexpected %s while waiting for %s",
			    modem_ipc_strtype(m->type), modem_ipc_strtype(type));
		modem_ipc_free(m);
	}
}

static void
send_msg(int fd, struct modem_ipc_msg *m)
{
	assert_int_equal(modem_ipc_send(fd, m), 0);
	modem_ipc_free(m);
}

static void
ping(int fd, int64_t seq)
{
	struct modem_ipc_msg m;

	int64_t got;

	modem_ipc_init(&m, MODEM_IPC_PING);
	modem_ipc_put_seq(&m, seq);
	send_msg(fd, &m);
	expect(fd, MODEM_IPC_PONG, &m, 5000);
	assert_int_equal(modem_ipc_get_seq(&m, &got), 0);
	assert_true(got == seq);
	modem_ipc_free(&m);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	int sv[2];

	assert_non_null(fx);
	strlcpy_s(fx->dir, "/tmp/stafeta-mw-XXXXXX", sizeof(fx->dir));
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->phone, sizeof(fx->phone), "%s/phone", fx->dir);
	assert_int_equal(mkdir(fx->phone, 0755), 0);
	fx->conf.name = (char *)"m1";
	fx->conf.device = fx->phone;
	fx->conf.connection = (char *)"none";
	fx->conf.model = (char *)"dummy";
	fx->conf.poll_ms = 200;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	fx->fd = sv[0];
	fx->pid = -1;
	*state = fx;
	/* The worker starts in each test, after the inbox is prepared. */
	fx->wfd = sv[1];
	return 0;
}

static void
start_worker(struct fixture *fx)
{
	int wfd = fx->wfd;

	fx->pid = fork();
	assert_true(fx->pid >= 0);
	if (fx->pid == 0) {
		close(fx->fd);
		log_init(LOG_LEVEL_WARN, "worker");
		_exit(modem_worker_main(&fx->conf, wfd));
	}
	close(wfd);
	fx->wfd = -1;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->pid > 0) {
		kill(fx->pid, SIGKILL);
		(void)waitpid(fx->pid, NULL, 0);
	}
	if (fx->fd >= 0)
		close(fx->fd);
	if (fx->wfd >= 0)
		close(fx->wfd);
	rm_rf(fx->dir);
	free(fx);
	return 0;
}

static void
test_receive_ack_send(void **state)
{
	struct fixture *fx = *state;
	struct modem_ipc_msg m;
	struct modem_part p;
	struct modem_status st;
	char *longtext[3] = { NULL, NULL, NULL };
	int64_t locs[16];
	int nlocs = 0, got_single = 0, got_report = 0, got_bin = 0;
	char *joined;
	char *hex;
	size_t jl = 0;

	/* A single GSM-7 SMS, a 3-part UCS-2 one written out of order, a
	 * delivery report and an 8-bit data SMS. */
	write_text(fx->phone, 1, "+40722000001", NULL,
	    "Default_No_Compression", "AJUTOR");
	{
		uint16_t u[1024];
		long n = gsm_text_utf8_to_ucs2(LONG_RO, strlen(LONG_RO), u,
		    1024);
		char *parts[3];

		assert_true(n > 134 && n <= 201);
		for (int i = 0; i < 3; i++) {
			long a = i * 67, b = a + 67 > n ? n : a + 67;
			char *s = malloc((size_t)(b - a) * 4 + 1);

			for (long k = a; k < b; k++)
				snprintf(s + 4 * (k - a), 5, "%04X", u[k]);
			s[4 * (b - a)] = '\0';
			parts[i] = s;
		}
		write_part(fx->phone, 4, "Deliver", "+40722000002",
		    "050003A90303", "Unicode_No_Compression", parts[2], 0);
		write_part(fx->phone, 2, "Deliver", "+40722000002",
		    "050003A90301", "Unicode_No_Compression", parts[0], 0);
		write_part(fx->phone, 3, "Deliver", "+40722000002",
		    "050003A90302", "Unicode_No_Compression", parts[1], 0);
		for (int i = 0; i < 3; i++)
			free(parts[i]);
	}
	hex = ucs2_hex("Delivered");
	write_part(fx->phone, 5, "Status_Report", "+40744555666", NULL,
	    "Default_No_Compression", hex, 77);
	free(hex);
	write_part(fx->phone, 6, "Deliver", "+40722000003", NULL, "8bit",
	    "DEADBEEF00", 0);

	start_worker(fx);
	expect(fx->fd, MODEM_IPC_HELLO, &m, 5000);
	assert_int_equal(modem_ipc_get_status(&m, &st), 0);
	assert_int_equal(st.connected, 1);
	assert_string_equal(st.imei, "999999999999999");
	modem_status_clear(&st);
	modem_ipc_free(&m);

	for (int i = 0; i < 6; i++) {
		expect(fx->fd, MODEM_IPC_SMS, &m, 5000);
		assert_int_equal(modem_ipc_get_part(&m, &p), 0);
		assert_int_equal((int)strlen(p.dedup), 32);
		locs[nlocs++] = p.location;
		if (strcmp(p.sender, "+40722000001") == 0) {
			assert_int_equal(p.pdu_kind, MODEM_PDU_DELIVER);
			assert_string_equal(p.text, "AJUTOR");
			assert_int_equal(p.coding, 7);
			assert_int_equal(p.concat_bits, 0);
			assert_int_equal(p.total, 1);
			assert_int_equal(p.seq, 1);
			assert_true(p.smsc_time == 1795361965);
			got_single++;
		} else if (strcmp(p.sender, "+40722000002") == 0) {
			assert_int_equal(p.pdu_kind, MODEM_PDU_DELIVER);
			assert_int_equal(p.coding, 16);
			assert_int_equal(p.concat_bits, 8);
			assert_int_equal(p.ref, 0xa9);
			assert_int_equal(p.total, 3);
			assert_true(p.seq >= 1 && p.seq <= 3);
			assert_null(longtext[p.seq - 1]);
			longtext[p.seq - 1] = strdup(p.text);
		} else if (strcmp(p.sender, "+40744555666") == 0) {
			assert_int_equal(p.pdu_kind, MODEM_PDU_REPORT);
			assert_int_equal(p.mr, 77);
			assert_string_equal(p.text, "Delivered");
			got_report++;
		} else {
			assert_string_equal(p.sender, "+40722000003");
			assert_int_equal(p.pdu_kind, MODEM_PDU_UNDECODABLE);
			assert_int_equal(p.coding, 8);
			assert_string_equal(p.text, "DEADBEEF00");
			got_bin++;
		}
		modem_part_clear(&p);
		modem_ipc_free(&m);
	}
	assert_int_equal(got_single, 1);
	assert_int_equal(got_report, 1);
	assert_int_equal(got_bin, 1);
	for (int i = 0; i < 3; i++) {
		assert_non_null(longtext[i]);
		jl += strlen(longtext[i]);
	}
	joined = calloc(1, jl + 1);
	for (int i = 0; i < 3; i++) {
		strlcpy_s(joined + strlen(joined), longtext[i],
		    jl + 1 - strlen(joined));
		free(longtext[i]);
	}
	assert_string_equal(joined, LONG_RO);
	free(joined);

	/* Not ACKed: a later pass must not send them again. */
	usleep(600 * 1000);
	ping(fx->fd, 1);
	{
		struct pollfd pfd = { .fd = fx->fd, .events = POLLIN };

		while (poll(&pfd, 1, 0) == 1) {
			recv_msg(fx->fd, &m, 100);
			assert_int_not_equal(m.type, MODEM_IPC_SMS);
			modem_ipc_free(&m);
		}
	}

	/* ACK everything: the files go away. */
	modem_ipc_init(&m, MODEM_IPC_ACK);
	modem_ipc_put_ack(&m, locs, (size_t)nlocs);
	send_msg(fx->fd, &m);
	/* The deletes are confirmed with the same locations, so the gateway
	 * can forget their dedup keys. */
	expect(fx->fd, MODEM_IPC_DELETED, &m, 3000);
	{
		int64_t *del;
		long nd = modem_ipc_get_ack(&m, &del);

		assert_int_equal(nd, nlocs);
		for (long i = 0; i < nd; i++)
			assert_true(del[i] == locs[i]);
		free(del);
	}
	modem_ipc_free(&m);
	ping(fx->fd, 2);
	for (int loc = 1; loc <= 6; loc++)
		assert_false(file_exists(fx->phone, loc));

	/* A new message after the ACK arrives quickly. */
	write_text(fx->phone, 1, "+40722000009", NULL,
	    "Default_No_Compression", "STOP");
	expect(fx->fd, MODEM_IPC_SMS, &m, 3000);
	assert_int_equal(modem_ipc_get_part(&m, &p), 0);
	assert_string_equal(p.text, "STOP");
	modem_part_clear(&p);
	modem_ipc_free(&m);

	/* Sends: short GSM-7, long UCS-2 with our reference, bad number. */
	{
		struct modem_send snd = { 11, (char *)"+40744555666",
			(char *)"Mesajul a fost primit.", 7, 0 };
		struct modem_send_result r;

		modem_ipc_init(&m, MODEM_IPC_SEND);
		modem_ipc_put_send(&m, &snd);
		send_msg(fx->fd, &m);
		expect(fx->fd, MODEM_IPC_SEND_RESULT, &m, 5000);
		assert_int_equal(modem_ipc_get_send_result(&m, &r), 0);
		assert_true(r.outbox_id == 11);
		assert_int_equal(r.ok, 1);
		assert_int_equal(r.parts, 1);
		assert_int_equal(r.mr, 255);
		modem_send_result_clear(&r);
		modem_ipc_free(&m);

		snd.outbox_id = 12;
		snd.text = (char *)LONG_RO;
		snd.want_report = 1;
		modem_ipc_init(&m, MODEM_IPC_SEND);
		modem_ipc_put_send(&m, &snd);
		send_msg(fx->fd, &m);
		expect(fx->fd, MODEM_IPC_SEND_RESULT, &m, 5000);
		assert_int_equal(modem_ipc_get_send_result(&m, &r), 0);
		assert_true(r.outbox_id == 12);
		assert_int_equal(r.ok, 1);
		assert_int_equal(r.parts, 3);
		modem_send_result_clear(&r);
		modem_ipc_free(&m);

		snd.outbox_id = 13;
		snd.recipient = (char *)"07x";
		modem_ipc_init(&m, MODEM_IPC_SEND);
		modem_ipc_put_send(&m, &snd);
		send_msg(fx->fd, &m);
		expect(fx->fd, MODEM_IPC_SEND_RESULT, &m, 5000);
		assert_int_equal(modem_ipc_get_send_result(&m, &r), 0);
		assert_int_equal(r.ok, 0);
		assert_int_equal(r.permanent, 1);
		modem_send_result_clear(&r);
		modem_ipc_free(&m);
	}

	/* USSD through the dummy. */
	{
		struct modem_ussd_result u;

		modem_ipc_init(&m, MODEM_IPC_USSD);
		modem_ipc_put_ussd(&m, "*100#");
		send_msg(fx->fd, &m);
		expect(fx->fd, MODEM_IPC_USSD_RESULT, &m, 5000);
		assert_int_equal(modem_ipc_get_ussd_result(&m, &u), 0);
		assert_string_equal(u.code, "*100#");
		assert_int_equal(u.ok, 1);
		assert_string_equal(u.text, "Reply for *100#");
		modem_ussd_result_clear(&u);
		modem_ipc_free(&m);
	}

	/* The folder vanishes: the modem is reported down. */
	rm_rf(fx->phone);
	for (;;) {
		expect(fx->fd, MODEM_IPC_STATUS, &m, 5000);
		assert_int_equal(modem_ipc_get_status(&m, &st), 0);
		modem_ipc_free(&m);
		if (!st.connected)
			break;
		modem_status_clear(&st);
	}
	assert_non_null(strstr(st.error, "disappeared"));
	modem_status_clear(&st);
	/* While down it still answers PING and refuses SEND. */
	ping(fx->fd, 3);
	{
		struct modem_send snd = { 14, (char *)"+40744555666",
			(char *)"x", 0, 0 };
		struct modem_send_result r;

		modem_ipc_init(&m, MODEM_IPC_SEND);
		modem_ipc_put_send(&m, &snd);
		send_msg(fx->fd, &m);
		expect(fx->fd, MODEM_IPC_SEND_RESULT, &m, 5000);
		assert_int_equal(modem_ipc_get_send_result(&m, &r), 0);
		assert_int_equal(r.ok, 0);
		assert_int_equal(r.permanent, 0);
		assert_string_equal(r.error, "modem not connected");
		modem_send_result_clear(&r);
		modem_ipc_free(&m);
	}
	/* The folder comes back: reconnect (backoff 1 s, then 2 s). */
	assert_int_equal(mkdir(fx->phone, 0755), 0);
	expect(fx->fd, MODEM_IPC_HELLO, &m, 5000);
	modem_ipc_free(&m);

	/* STOP: exit 0. */
	{
		int status;

		modem_ipc_init(&m, MODEM_IPC_STOP);
		send_msg(fx->fd, &m);
		assert_int_equal(waitpid(fx->pid, &status, 0), fx->pid);
		fx->pid = -1;
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

/* EOF on the socket ends the worker with 0; a missing device at start
 * is reported as down. */
static void
test_missing_device_eof(void **state)
{
	struct fixture *fx = *state;
	struct modem_ipc_msg m;
	struct modem_status st;
	int status;

	rm_rf(fx->phone);
	start_worker(fx);
	expect(fx->fd, MODEM_IPC_STATUS, &m, 5000);
	assert_int_equal(modem_ipc_get_status(&m, &st), 0);
	assert_int_equal(st.connected, 0);
	assert_non_null(strstr(st.error, "does not exist"));
	modem_status_clear(&st);
	modem_ipc_free(&m);
	ping(fx->fd, 42);
	close(fx->fd);
	fx->fd = -1;
	assert_int_equal(waitpid(fx->pid, &status, 0), fx->pid);
	fx->pid = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Sends one message and returns its result (caller clears). */
static void
send_text(struct fixture *fx, int64_t id, const char *text,
    struct modem_send_result *r)
{
	struct modem_send snd = { id, (char *)"+40744555666", (char *)text,
		0, 0 };
	struct modem_ipc_msg m;

	modem_ipc_init(&m, MODEM_IPC_SEND);
	modem_ipc_put_send(&m, &snd);
	send_msg(fx->fd, &m);
	expect(fx->fd, MODEM_IPC_SEND_RESULT, &m, 10000);
	assert_int_equal(modem_ipc_get_send_result(&m, r), 0);
	modem_ipc_free(&m);
	assert_true(r->outbox_id == id);
}

/* modem.h's contract: a text gsm_text_sendable() refuses fails for good,
 * connected or not, and the worker keeps serving. */
static void
test_unsendable(void **state)
{
	struct fixture *fx = *state;
	struct modem_send_result r;
	struct modem_ipc_msg m;
	char *big = malloc(GSM_TEXT_MAX_SEPTETS + 2);

	assert_non_null(big);
	memset(big, 'a', GSM_TEXT_MAX_SEPTETS + 1);
	big[GSM_TEXT_MAX_SEPTETS + 1] = '\0';
	assert_false(gsm_text_sendable(big));
	start_worker(fx);
	expect(fx->fd, MODEM_IPC_HELLO, &m, 5000);
	modem_ipc_free(&m);

	/* 5001 septets: libgammu would pad it to 50 parts. */
	send_text(fx, 21, big, &r);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.permanent, 1);
	assert_int_equal(r.parts, 0);
	modem_send_result_clear(&r);
	/* Invalid UTF-8 likewise. */
	send_text(fx, 22, "abc\xff", &r);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.permanent, 1);
	modem_send_result_clear(&r);
	/* The limit itself still goes, and the worker is still up. */
	big[GSM_TEXT_MAX_SEPTETS] = '\0';
	send_text(fx, 23, big, &r);
	assert_int_equal(r.ok, 1);
	assert_int_equal(r.parts, 33);
	modem_send_result_clear(&r);
	ping(fx->fd, 7);

	/* Without a modem the refusal is still permanent. */
	rm_rf(fx->phone);
	for (;;) {
		struct modem_status st;
		int up;

		expect(fx->fd, MODEM_IPC_STATUS, &m, 5000);
		assert_int_equal(modem_ipc_get_status(&m, &st), 0);
		modem_ipc_free(&m);
		up = st.connected;
		modem_status_clear(&st);
		if (!up)
			break;
	}
	big[GSM_TEXT_MAX_SEPTETS] = 'a';
	send_text(fx, 24, big, &r);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.permanent, 1);
	modem_send_result_clear(&r);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_receive_ack_send, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_device_eof, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsendable, setup,
		    teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
