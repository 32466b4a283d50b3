/*
 * modem_ipc.c - the framed messages between the gateway and a modem
 * worker.
 *
 * One SOCK_SEQPACKET datagram is one message: u32 type, then fields.
 * Integers are i64 little-endian; strings are u32 length, the bytes and a
 * NUL, so a reader can hand out pointers into the buffer.  The reader
 * trusts nothing: a field that runs past the end, a missing NUL or an
 * embedded NUL sets msg->bad, and every typed getter then returns -1.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "modem.h"
#include "util.h"

#define IPC_HDR 4 /* the u32 type in front of the payload */

static void ipc_reserve(struct modem_ipc_msg *, size_t);
static void ipc_put_u32(struct modem_ipc_msg *, uint32_t);
static uint32_t ipc_get_u32(struct modem_ipc_msg *);
static int ipc_get_int(struct modem_ipc_msg *, int, int);
static char *ipc_get_dup(struct modem_ipc_msg *);
static void ipc_put_blob(struct modem_ipc_msg *, const unsigned char *,
    size_t);
static unsigned char *ipc_get_blob(struct modem_ipc_msg *, size_t, size_t *);

void
modem_ipc_init(struct modem_ipc_msg *m, int type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
}

void
modem_ipc_free(struct modem_ipc_msg *m)
{
	free(m->data);
	memset(m, 0, sizeof(*m));
}

static void
ipc_reserve(struct modem_ipc_msg *m, size_t more)
{
	size_t ncap;

	if (more > SIZE_MAX / 2 - m->len)
		fatalx("modem ipc: message too large");
	if (m->len + more <= m->cap)
		return;
	ncap = m->cap ? m->cap : 256;
	while (ncap < m->len + more)
		ncap *= 2;
	m->data = xrealloc(m->data, ncap);
	m->cap = ncap;
}

static void
ipc_put_u32(struct modem_ipc_msg *m, uint32_t v)
{
	ipc_reserve(m, 4);
	for (int i = 0; i < 4; i++)
		m->data[m->len++] = (unsigned char)(v >> (8 * i));
}

void
modem_ipc_put_i64(struct modem_ipc_msg *m, int64_t v)
{
	uint64_t u = (uint64_t)v;

	ipc_reserve(m, 8);
	for (int i = 0; i < 8; i++)
		m->data[m->len++] = (unsigned char)(u >> (8 * i));
}

void
modem_ipc_put_str(struct modem_ipc_msg *m, const char *s)
{
	size_t n;

	if (s == NULL)
		s = "";
	n = strlen(s);
	/* Strings never approach 4 GiB; a datagram is at most 64 KiB and
	 * modem_ipc_send refuses anything larger. */
	if (n > UINT32_MAX - 1)
		n = UINT32_MAX - 1;
	ipc_put_u32(m, (uint32_t)n);
	ipc_reserve(m, n + 1);
	memcpy(m->data + m->len, s, n);
	m->len += n;
	m->data[m->len++] = '\0';
}

static uint32_t
ipc_get_u32(struct modem_ipc_msg *m)
{
	uint32_t v = 0;

	if (m->bad || m->pos > m->len || m->len - m->pos < 4) {
		m->bad = 1;
		return 0;
	}
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)m->data[m->pos++] << (8 * i);
	return v;
}

int64_t
modem_ipc_get_i64(struct modem_ipc_msg *m)
{
	uint64_t u = 0;

	if (m->bad || m->pos > m->len || m->len - m->pos < 8) {
		m->bad = 1;
		return 0;
	}
	for (int i = 0; i < 8; i++)
		u |= (uint64_t)m->data[m->pos++] << (8 * i);
	return (int64_t)u;
}

const char *
modem_ipc_get_str(struct modem_ipc_msg *m)
{
	uint32_t n;
	const char *s;

	n = ipc_get_u32(m);
	if (m->bad)
		return "";
	/* n bytes plus the NUL must fit in what is left. */
	if (m->len - m->pos < 1 || n > m->len - m->pos - 1) {
		m->bad = 1;
		return "";
	}
	s = (const char *)m->data + m->pos;
	if (s[n] != '\0' || memchr(s, '\0', n) != NULL) {
		m->bad = 1;
		return "";
	}
	m->pos += (size_t)n + 1;
	return s;
}

/* An i64 field that must fit [lo,hi]; out of range marks the message bad. */
static int
ipc_get_int(struct modem_ipc_msg *m, int lo, int hi)
{
	int64_t v = modem_ipc_get_i64(m);

	if (m->bad)
		return 0;
	if (v < lo || v > hi) {
		m->bad = 1;
		return 0;
	}
	return (int)v;
}

static char *
ipc_get_dup(struct modem_ipc_msg *m)
{
	return xstrdup(modem_ipc_get_str(m));
}

int
modem_ipc_send(int fd, const struct modem_ipc_msg *m)
{
	unsigned char hdr[IPC_HDR];
	struct iovec iov[2];
	struct msghdr mh;
	uint32_t t = (uint32_t)m->type;
	ssize_t n;

	if (m->len > MODEM_IPC_MAX - IPC_HDR) {
		errno = EMSGSIZE;
		return -1;
	}
	for (int i = 0; i < 4; i++)
		hdr[i] = (unsigned char)(t >> (8 * i));
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = m->data;
	iov[1].iov_len = m->len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = m->len > 0 ? 2 : 1;

	for (int tries = 0;; tries++) {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		/* A non-blocking socket with a full buffer: wait a little for
		 * the peer to drain it rather than drop a message. */
		if ((errno == EAGAIN || errno == EWOULDBLOCK) && tries < 10) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			(void)poll(&pfd, 1, 100);
			continue;
		}
		return -1;
	}
	if ((size_t)n != sizeof(hdr) + m->len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
modem_ipc_recv(int fd, struct modem_ipc_msg *m)
{
	unsigned char *buf;
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;
	uint32_t t = 0;

	modem_ipc_init(m, 0);
	buf = xmalloc(MODEM_IPC_MAX);
	iov.iov_base = buf;
	iov.iov_len = MODEM_IPC_MAX;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	do
		n = recvmsg(fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		free(buf);
		return -1;
	}
	if (n == 0) {
		/* SEQPACKET: 0 is end of stream (we never send empty ones). */
		free(buf);
		return 0;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		free(buf);
		errno = EMSGSIZE;
		return -1;
	}
	if (n < IPC_HDR) {
		free(buf);
		errno = EBADMSG;
		return -1;
	}
	for (int i = 0; i < 4; i++)
		t |= (uint32_t)buf[i] << (8 * i);
	if (t > INT_MAX) {
		free(buf);
		errno = EBADMSG;
		return -1;
	}
	m->type = (int)t;
	m->len = (size_t)n - IPC_HDR;
	memmove(buf, buf + IPC_HDR, m->len);
	m->data = xrealloc(buf, m->len > 0 ? m->len : 1);
	m->cap = m->len;
	m->pos = 0;
	return 1;
}

void
modem_ipc_put_part(struct modem_ipc_msg *m, const struct modem_part *p)
{
	modem_ipc_put_i64(m, p->location);
	modem_ipc_put_i64(m, p->pdu_kind);
	modem_ipc_put_str(m, p->sender);
	modem_ipc_put_i64(m, p->smsc_time);
	modem_ipc_put_str(m, p->text);
	modem_ipc_put_i64(m, p->coding);
	modem_ipc_put_i64(m, p->concat_bits);
	modem_ipc_put_i64(m, p->ref);
	modem_ipc_put_i64(m, p->total);
	modem_ipc_put_i64(m, p->seq);
	modem_ipc_put_i64(m, p->mr);
	modem_ipc_put_i64(m, p->status);
	modem_ipc_put_str(m, p->dedup);
}

int
modem_ipc_get_part(struct modem_ipc_msg *m, struct modem_part *p)
{
	const char *sender, *text, *dedup;

	memset(p, 0, sizeof(*p));
	p->location = modem_ipc_get_i64(m);
	p->pdu_kind = ipc_get_int(m, MODEM_PDU_DELIVER, MODEM_PDU_OTHER);
	sender = modem_ipc_get_str(m);
	p->smsc_time = modem_ipc_get_i64(m);
	text = modem_ipc_get_str(m);
	p->coding = ipc_get_int(m, 0, 16);
	p->concat_bits = ipc_get_int(m, 0, 16);
	p->ref = ipc_get_int(m, 0, 65535);
	p->total = ipc_get_int(m, 0, 255);
	p->seq = ipc_get_int(m, 0, 255);
	p->mr = ipc_get_int(m, -1, 255);
	p->status = ipc_get_int(m, -1, 255);
	dedup = modem_ipc_get_str(m);
	if (m->bad || (p->concat_bits != 0 && p->concat_bits != 8 &&
	    p->concat_bits != 16)) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	p->sender = xstrdup(sender);
	p->text = xstrdup(text);
	p->dedup = xstrdup(dedup);
	return 0;
}

void
modem_part_clear(struct modem_part *p)
{
	free(p->sender);
	free(p->text);
	free(p->dedup);
	memset(p, 0, sizeof(*p));
}

void
modem_ipc_put_status(struct modem_ipc_msg *m, const struct modem_status *st)
{
	modem_ipc_put_i64(m, st->connected);
	modem_ipc_put_i64(m, st->signal_percent);
	modem_ipc_put_i64(m, st->signal_dbm);
	modem_ipc_put_str(m, st->network_code);
	modem_ipc_put_str(m, st->network_name);
	modem_ipc_put_i64(m, st->registered);
	modem_ipc_put_i64(m, st->sim_used);
	modem_ipc_put_i64(m, st->sim_size);
	modem_ipc_put_str(m, st->imei);
	modem_ipc_put_str(m, st->error);
}

int
modem_ipc_get_status(struct modem_ipc_msg *m, struct modem_status *st)
{
	const char *code, *name, *imei, *err;

	memset(st, 0, sizeof(*st));
	st->connected = ipc_get_int(m, 0, 1);
	st->signal_percent = ipc_get_int(m, -1, 100);
	st->signal_dbm = ipc_get_int(m, -1000, 1000);
	code = modem_ipc_get_str(m);
	name = modem_ipc_get_str(m);
	st->registered = ipc_get_int(m, 0, 1);
	st->sim_used = ipc_get_int(m, -1, INT_MAX);
	st->sim_size = ipc_get_int(m, -1, INT_MAX);
	imei = modem_ipc_get_str(m);
	err = modem_ipc_get_str(m);
	if (m->bad) {
		memset(st, 0, sizeof(*st));
		return -1;
	}
	st->network_code = xstrdup(code);
	st->network_name = xstrdup(name);
	st->imei = xstrdup(imei);
	st->error = xstrdup(err);
	return 0;
}

void
modem_status_clear(struct modem_status *st)
{
	free(st->network_code);
	free(st->network_name);
	free(st->imei);
	free(st->error);
	memset(st, 0, sizeof(*st));
}

void
modem_ipc_put_send_result(struct modem_ipc_msg *m,
    const struct modem_send_result *r)
{
	modem_ipc_put_i64(m, r->outbox_id);
	modem_ipc_put_i64(m, r->ok);
	modem_ipc_put_i64(m, r->parts);
	modem_ipc_put_i64(m, r->mr);
	modem_ipc_put_i64(m, r->permanent);
	modem_ipc_put_str(m, r->error);
}

int
modem_ipc_get_send_result(struct modem_ipc_msg *m,
    struct modem_send_result *r)
{
	const char *err;

	memset(r, 0, sizeof(*r));
	r->outbox_id = modem_ipc_get_i64(m);
	r->ok = ipc_get_int(m, 0, 1);
	r->parts = ipc_get_int(m, 0, 255);
	r->mr = ipc_get_int(m, -1, 255);
	r->permanent = ipc_get_int(m, 0, 1);
	err = modem_ipc_get_str(m);
	if (m->bad) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	r->error = xstrdup(err);
	return 0;
}

void
modem_send_result_clear(struct modem_send_result *r)
{
	free(r->error);
	memset(r, 0, sizeof(*r));
}

void
modem_ipc_put_send(struct modem_ipc_msg *m, const struct modem_send *snd)
{
	modem_ipc_put_i64(m, snd->outbox_id);
	modem_ipc_put_str(m, snd->recipient);
	modem_ipc_put_str(m, snd->text);
	modem_ipc_put_i64(m, snd->concat_ref);
	modem_ipc_put_i64(m, snd->want_report);
}

int
modem_ipc_get_send(struct modem_ipc_msg *m, struct modem_send *snd)
{
	const char *rcpt, *text;

	memset(snd, 0, sizeof(*snd));
	snd->outbox_id = modem_ipc_get_i64(m);
	rcpt = modem_ipc_get_str(m);
	text = modem_ipc_get_str(m);
	snd->concat_ref = ipc_get_int(m, 0, 255);
	snd->want_report = ipc_get_int(m, 0, 1);
	if (m->bad) {
		memset(snd, 0, sizeof(*snd));
		return -1;
	}
	snd->recipient = xstrdup(rcpt);
	snd->text = xstrdup(text);
	return 0;
}

void
modem_send_clear(struct modem_send *snd)
{
	free(snd->recipient);
	free(snd->text);
	memset(snd, 0, sizeof(*snd));
}

void
modem_ipc_put_ussd_result(struct modem_ipc_msg *m,
    const struct modem_ussd_result *r)
{
	modem_ipc_put_str(m, r->code);
	modem_ipc_put_i64(m, r->ok);
	modem_ipc_put_str(m, r->text);
}

int
modem_ipc_get_ussd_result(struct modem_ipc_msg *m,
    struct modem_ussd_result *r)
{
	memset(r, 0, sizeof(*r));
	/* Duplicate each string as it is read; free all on failure. */
	r->code = ipc_get_dup(m);
	r->ok = ipc_get_int(m, 0, 1);
	r->text = ipc_get_dup(m);
	if (m->bad) {
		modem_ussd_result_clear(r);
		return -1;
	}
	return 0;
}

void
modem_ussd_result_clear(struct modem_ussd_result *r)
{
	free(r->code);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

void
modem_ipc_put_ack(struct modem_ipc_msg *m, const int64_t *locs, size_t n)
{
	if (n > MODEM_IPC_ACK_MAX)
		fatalx("modem ipc: ACK of %zu locations", n);
	modem_ipc_put_i64(m, (int64_t)n);
	for (size_t i = 0; i < n; i++)
		modem_ipc_put_i64(m, locs[i]);
}

/* u32 length then the bytes (no NUL: raw bytes may hold any). */
static void
ipc_put_blob(struct modem_ipc_msg *m, const unsigned char *b, size_t n)
{
	if (b == NULL)
		n = 0;
	ipc_put_u32(m, (uint32_t)n);
	ipc_reserve(m, n);
	if (n > 0)
		memcpy(m->data + m->len, b, n);
	m->len += n;
}

/* A new copy of a blob of at most max bytes (NULL when empty), or NULL
 * with m->bad set. */
static unsigned char *
ipc_get_blob(struct modem_ipc_msg *m, size_t max, size_t *len)
{
	uint32_t n;
	unsigned char *b;

	*len = 0;
	n = ipc_get_u32(m);
	if (m->bad)
		return NULL;
	if (n > max || n > m->len - m->pos) {
		m->bad = 1;
		return NULL;
	}
	if (n == 0)
		return NULL;
	b = xmalloc(n);
	memcpy(b, m->data + m->pos, n);
	m->pos += n;
	*len = n;
	return b;
}

void
modem_ipc_put_poison(struct modem_ipc_msg *m, const struct modem_poison *p)
{
	size_t n = p->raw_len;

	if (n > MODEM_POISON_RAW_MAX)
		n = MODEM_POISON_RAW_MAX;
	modem_ipc_put_i64(m, p->location);
	modem_ipc_put_i64(m, p->folder);
	modem_ipc_put_i64(m, p->failures);
	modem_ipc_put_i64(m, p->raw_known);
	modem_ipc_put_str(m, p->error);
	ipc_put_blob(m, p->raw, n);
}

int
modem_ipc_get_poison(struct modem_ipc_msg *m, struct modem_poison *p)
{
	const char *error;

	memset(p, 0, sizeof(*p));
	p->location = modem_ipc_get_i64(m);
	p->folder = ipc_get_int(m, 0, INT_MAX);
	p->failures = ipc_get_int(m, 0, INT_MAX);
	p->raw_known = ipc_get_int(m, 0, 1);
	error = modem_ipc_get_str(m);
	p->raw = ipc_get_blob(m, MODEM_POISON_RAW_MAX, &p->raw_len);
	if (m->bad) {
		free(p->raw);
		memset(p, 0, sizeof(*p));
		return -1;
	}
	p->error = xstrdup(error);
	return 0;
}

void
modem_poison_clear(struct modem_poison *p)
{
	free(p->error);
	free(p->raw);
	memset(p, 0, sizeof(*p));
}

long
modem_ipc_get_ack(struct modem_ipc_msg *m, int64_t **locs)
{
	int n;
	int64_t *v;

	*locs = NULL;
	n = ipc_get_int(m, 0, MODEM_IPC_ACK_MAX);
	if (m->bad)
		return -1;
	/* Check the claimed count against the bytes really present before
	 * allocating anything. */
	if (m->len - m->pos < (size_t)n * 8) {
		m->bad = 1;
		return -1;
	}
	if (n == 0)
		return 0;
	v = xcalloc((size_t)n, sizeof(*v));
	for (int i = 0; i < n; i++)
		v[i] = modem_ipc_get_i64(m);
	if (m->bad) {
		free(v);
		return -1;
	}
	*locs = v;
	return n;
}

void
modem_ipc_put_batch_end(struct modem_ipc_msg *m,
    const struct modem_batch_end *be)
{
	modem_ipc_put_i64(m, be->parts);
	modem_ipc_put_i64(m, be->more);
}

int
modem_ipc_get_batch_end(struct modem_ipc_msg *m, struct modem_batch_end *be)
{
	memset(be, 0, sizeof(*be));
	be->parts = ipc_get_int(m, 0, INT32_MAX);
	be->more = ipc_get_int(m, 0, 1);
	if (m->bad) {
		memset(be, 0, sizeof(*be));
		return -1;
	}
	return 0;
}

void
modem_ipc_put_seq(struct modem_ipc_msg *m, int64_t seq)
{
	modem_ipc_put_i64(m, seq);
}

int
modem_ipc_get_seq(struct modem_ipc_msg *m, int64_t *seq)
{
	*seq = modem_ipc_get_i64(m);
	if (m->bad) {
		*seq = 0;
		return -1;
	}
	return 0;
}

void
modem_ipc_put_ussd(struct modem_ipc_msg *m, const char *code)
{
	modem_ipc_put_str(m, code);
}

int
modem_ipc_get_ussd(struct modem_ipc_msg *m, char **code)
{
	*code = ipc_get_dup(m);
	if (m->bad) {
		free(*code);
		*code = NULL;
		return -1;
	}
	return 0;
}

const char *
modem_ipc_strtype(int type)
{
	switch (type) {
	case MODEM_IPC_HELLO:
		return "HELLO";
	case MODEM_IPC_STATUS:
		return "STATUS";
	case MODEM_IPC_SMS:
		return "SMS";
	case MODEM_IPC_BATCH_END:
		return "BATCH_END";
	case MODEM_IPC_ACK:
		return "ACK";
	case MODEM_IPC_SEND:
		return "SEND";
	case MODEM_IPC_SEND_RESULT:
		return "SEND_RESULT";
	case MODEM_IPC_USSD:
		return "USSD";
	case MODEM_IPC_USSD_RESULT:
		return "USSD_RESULT";
	case MODEM_IPC_PING:
		return "PING";
	case MODEM_IPC_PONG:
		return "PONG";
	case MODEM_IPC_STOP:
		return "STOP";
	case MODEM_IPC_DELETED:
		return "DELETED";
	case MODEM_IPC_POISON:
		return "POISON";
	}
	return "UNKNOWN";
}
