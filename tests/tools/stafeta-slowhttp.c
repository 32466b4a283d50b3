/*
 * stafeta-slowhttp - a slow HTTP client for the end-to-end tests of the
 * protected HTTP server (tests/e2e/test_http_limits.sh).
 *
 *   stafeta-slowhttp slow HOST PORT FROM N SECONDS [HEADER...]
 *	opens N connections from the local address FROM (127.0.0.X on
 *	Linux loopback), sends the headers of a POST /ussd with a body of
 *	1000 bytes, then one body byte every 0.5 s on each open connection,
 *	for at most SECONDS; prints
 *	"opened=N refused=R closed=C open=O max_ms=M": R answered 503 at
 *	once, C closed by the server otherwise, O still open at the end, M
 *	the longest life of a connection closed by the server.
 *   stafeta-slowhttp probe HOST PORT LENGTH [HEADER...]
 *	sends the headers of a POST /ussd with Content-Length LENGTH and no
 *	body, and prints the status code of the answer (or "none" after
 *	3 s).
 *
 * Libc only; exit 2 on a usage or setup error.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOW_MAX 1024

struct slow_conn {
	int fd;
	int state;		/* 0 open, 1 refused, 2 closed */
	int connected;
	long long opened_ms;
	char got[16];
	size_t ngot;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
connect_from(const char *host, int port, const char *from)
{
	struct sockaddr_in sa, la;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		goto fail;
	if (from != NULL) {
		memset(&la, 0, sizeof(la));
		la.sin_family = AF_INET;
		if (inet_pton(AF_INET, from, &la.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&la, sizeof(la)) != 0)
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static int
send_headers(int fd, const char *host, int port, long length, char **hdr,
    int nhdr)
{
	char buf[4096];
	int n;

	n = snprintf(buf, sizeof(buf), "POST /ussd HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: %ld\r\n", host, port, length);
	for (int i = 0; i < nhdr && n > 0 && (size_t)n < sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s\r\n",
		    hdr[i]);
	if (n <= 0 || (size_t)n + 3 > sizeof(buf))
		return -1;
	memcpy(buf + n, "\r\n", 2);
	n += 2;
	return send(fd, buf, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

static int
probe(const char *host, int port, long length, char **hdr, int nhdr)
{
	struct pollfd p;
	char buf[256];
	ssize_t r;
	int fd = connect_from(host, port, NULL);

	if (fd < 0 || send_headers(fd, host, port, length, hdr, nhdr) != 0) {
		perror("probe");
		return 2;
	}
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, 3000) == 1) {
		r = recv(fd, buf, sizeof(buf) - 1, 0);
		if (r >= 12 && strncmp(buf, "HTTP/1.1 ", 9) == 0) {
			printf("%.3s\n", buf + 9);
			close(fd);
			return 0;
		}
	}
	printf("none\n");
	close(fd);
	return 0;
}

static void
conn_read(struct slow_conn *c, long long now, long long *max_ms)
{
	char buf[512];
	ssize_t r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (r > 0) {
		size_t k = (size_t)r;

		if (k > sizeof(c->got) - 1 - c->ngot)
			k = sizeof(c->got) - 1 - c->ngot;
		memcpy(c->got + c->ngot, buf, k);
		c->ngot += k;
		c->got[c->ngot] = '\0';
		return;
	}
	/* EOF or reset: the server closed it. */
	if (strncmp(c->got, "HTTP/1.1 503", 12) == 0)
		c->state = 1;
	else {
		c->state = 2;
		if (now - c->opened_ms > *max_ms)
			*max_ms = now - c->opened_ms;
	}
	close(c->fd);
	c->fd = -1;
}

static int
slow(const char *host, int port, const char *from, int n, int secs,
    char **hdr, int nhdr)
{
	static struct slow_conn conns[SLOW_MAX];
	struct pollfd pf[SLOW_MAX];
	long long start = now_ms(), next_byte, max_ms = 0, now;
	int opened = 0, refused = 0, closed = 0, open = 0;

	if (n > SLOW_MAX)
		n = SLOW_MAX;
	for (int i = 0; i < n; i++) {
		conns[i].fd = connect_from(host, port, from);
		conns[i].opened_ms = now_ms();
		if (conns[i].fd < 0) {
			conns[i].state = 2;
			continue;
		}
		opened++;
		conns[i].connected = 1;
		if (send_headers(conns[i].fd, host, port, 1000, hdr,
		    nhdr) != 0) {
			/* Refused and closed at the accept already. */
			conns[i].state = 1;
			close(conns[i].fd);
			conns[i].fd = -1;
		}
	}
	next_byte = now_ms() + 500;
	while ((now = now_ms()) < start + secs * 1000LL) {
		int k = 0, live = 0;

		for (int i = 0; i < n; i++) {
			if (conns[i].fd < 0)
				continue;
			pf[k].fd = conns[i].fd;
			pf[k].events = POLLIN;
			k++;
			live++;
		}
		if (live == 0)
			break;
		(void)poll(pf, (nfds_t)k, 50);
		now = now_ms();
		for (int i = 0; i < n; i++) {
			if (conns[i].fd >= 0)
				conn_read(&conns[i], now, &max_ms);
		}
		if (now >= next_byte) {
			for (int i = 0; i < n; i++) {
				if (conns[i].fd >= 0)
					(void)send(conns[i].fd, "x", 1,
					    MSG_NOSIGNAL | MSG_DONTWAIT);
			}
			next_byte += 500;
		}
	}
	for (int i = 0; i < n; i++) {
		if (conns[i].fd >= 0) {
			open++;
			close(conns[i].fd);
		} else if (conns[i].state == 1)
			refused++;
		else if (conns[i].connected)
			closed++;
	}
	printf("opened=%d refused=%d closed=%d open=%d max_ms=%lld\n", opened,
	    refused, closed, open, max_ms);
	return 0;
}

static long
num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0) {
		fprintf(stderr, "stafeta-slowhttp: bad number %s\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "probe") == 0)
		return probe(argv[2], (int)num(argv[3]), num(argv[4]), argv + 5,
		    argc - 5);
	if (argc >= 7 && strcmp(argv[1], "slow") == 0)
		return slow(argv[2], (int)num(argv[3]), argv[4], (int)num(argv[5]),
		    (int)num(argv[6]), argv + 7, argc - 7);
	fprintf(stderr, "usage: stafeta-slowhttp slow HOST PORT FROM N SECONDS "
	    "[HEADER...]\n       stafeta-slowhttp probe HOST PORT LENGTH "
	    "[HEADER...]\n");
	return 2;
}
