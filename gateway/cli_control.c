/*
 * cli_control.c - the stafeta command's side of the control socket
 * (gateway.h, gw_control.c), and how it opens the database next to a
 * daemon.
 *
 * When stafetad runs, the operator's writes (gw_ctl_find) go to it over
 * STATE/stafetad.sock and the command prints the daemon's answer as its
 * own.  When no daemon listens (no socket, or connection refused) the
 * command does the write itself, directly on the database: it is then
 * the only writer.  Reads stay direct under WAL.
 *
 * Only the daemon migrates the schema: the command migrates a database
 * only when no daemon holds the state directory's lock, and refuses a
 * database whose applied migrations are not exactly the ones it knows
 * while one does (or ever, when the database is newer than the program).
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "service.h"
#include "store.h"
#include "util.h"

/* Longer than the daemon's deadline: the daemon ends the exchange. */
#define CLI_CTL_TIMEOUT_MS ((GW_CTL_DEADLINE_S + 5) * 1000)

static int ctl_connect(const char *, int *);
static int ctl_exchange(int, const struct buf *, struct gw_ctl_answer *);

int
cli_daemon_running(const struct gw_config *conf)
{
	char *path = xasprintf("%s/stafetad.lock", conf->state_dir);
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	/* A shared lock is refused while the daemon holds its exclusive
	 * one; taken, it is released at once (a daemon may start next). */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		rc = 0;
	else
		rc = errno == EWOULDBLOCK ? 1 : -1;
	close(fd);
	return rc;
}

/* Connects to the socket at path: 0 with *fd, 1 if nobody listens there,
 * -1 with errno. */
static int
ctl_connect(const char *path, int *fd)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return -1;
	if (connect(*fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return 0;
	close(*fd);
	*fd = -1;
	return errno == ENOENT || errno == ECONNREFUSED ? 1 : -1;
}

/* Writes the request, reads one answer (bounded in time and size): 0, or
 * -1 with errno (EPROTO for a malformed answer). */
static int
ctl_exchange(int fd, const struct buf *req, struct gw_ctl_answer *a)
{
	struct buf in;
	unsigned char chunk[4096];
	int64_t end = clock_mono_ms() + CLI_CTL_TIMEOUT_MS;
	size_t off = 0, used;
	ssize_t n;
	int rc;

	while (off < req->len) {
		n = write(fd, req->data + off, req->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	buf_init(&in, GW_CTL_ANSWER_MAX + 4);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = end - clock_mono_ms();

		rc = gw_ctl_answer_decode((const unsigned char *)in.data,
		    in.len, &used, a);
		if (rc == 1)
			break;
		if (rc == -1) {
			errno = EPROTO;
			goto fail;
		}
		if (left <= 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			goto fail;
		if (rc == 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0) {
			errno = ECONNRESET; /* closed without an answer */
			goto fail;
		}
		if (buf_add(&in, chunk, (size_t)n) == -1) {
			errno = EPROTO;
			goto fail;
		}
	}
	buf_free(&in);
	return 0;
fail:
	buf_free(&in);
	return -1;
}

int
cli_control_run(struct cli_ctx *ctx, int argc, char **argv, int *rc)
{
	struct gw_ctl_answer a;
	struct buf req;
	char *path = gw_ctl_socket_path(ctx->conf);
	int fd = -1, r;

	r = ctl_connect(path, &fd);
	if (r == 1) {
		log_debug("no daemon listens on %s: the command writes "
		    "directly", path);
		free(path);
		return 0;
	}
	if (r == -1) {
		fprintf(stderr, "stafeta: control socket %s: %s\n", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	buf_init(&req, 0);
	if (gw_ctl_request_encode(&req, argc, argv) != 0) {
		fprintf(stderr, "stafeta: the command line is too long for "
		    "the control socket\n");
		goto fail;
	}
	if (ctl_exchange(fd, &req, &a) != 0) {
		fprintf(stderr, "stafeta: control socket %s: %s (the daemon "
		    "may or may not have done it)\n", path, strerror(errno));
		goto fail;
	}
	fwrite(a.out, 1, a.out_len, stdout);
	fwrite(a.err, 1, a.err_len, stderr);
	*rc = a.code;
	gw_ctl_answer_clear(&a);
	buf_free(&req);
	close(fd);
	free(path);
	return 1;
fail:
	buf_free(&req);
	close(fd);
	free(path);
	return -1;
}

struct store *
cli_store_open(const struct gw_config *conf, char *err, size_t errlen)
{
	const struct store_migration *lists[16];
	struct store *st;
	char name[128];
	size_t n = 0;
	int running, cmp;

	for (size_t i = 0; i < gw_services_count() && n < NELEM(lists); i++)
		lists[n++] = gw_services_at(i)->migrations;
	running = cli_daemon_running(conf);
	st = store_open_nomigrate(conf->store_locator, err, errlen);
	if (st == NULL)
		return NULL;
	cmp = store_migrations_compare(st, lists, n, name, sizeof(name));
	if (cmp == 0)
		return st;
	store_close(st);
	if (cmp == -1) {
		snprintf(err, errlen, "%s", name);
		return NULL;
	}
	if (cmp == 2) {
		snprintf(err, errlen, "%s: the database has schema migration "
		    "%s, which this stafeta does not know: it was written by "
		    "a newer stafetad; use the stafeta of that version",
		    conf->database, name);
		return NULL;
	}
	if (running != 0) {
		snprintf(err, errlen, "%s: schema migration %s is not applied "
		    "and stafetad is running: only the daemon migrates its "
		    "database (at start); use the stafeta of the running "
		    "stafetad's version, or restart it", conf->database, name);
		return NULL;
	}
	/* No daemon: this command is the only writer and may migrate. */
	return gw_store_open(conf->store_locator, err, errlen);
}
