/*
 * gw_control.c - the daemon's local control socket, STATE/stafetad.sock,
 * and its wire format (gateway.h).
 *
 * Like smtpctl to smtpd: the socket is a Unix stream socket of mode 0660
 * in the state directory, so whoever the filesystem lets open it (the
 * daemon's user and group) may control the daemon; there is no other
 * authentication.  It lives on the daemon's one event loop: a bufferevent
 * per connection, one request frame per connection, a whole-connection
 * deadline (GW_CTL_DEADLINE_S) and at most GW_CTL_CONN_MAX connections.
 *
 * A request is a command line of the stafeta command.  The ones in
 * gw_ctl_commands[] (the operator's writes) run here with the same
 * cli_*_main the command runs when no daemon does, on the daemon's own
 * connection and configuration, their stdout and stderr caught in memory
 * and sent back with the exit code.  A command that failed only because
 * another process held the database's lock, and wrote nothing, runs again
 * from the loop GW_CTL_RETRY_MS later, until the deadline.
 */
#define _GNU_SOURCE /* struct ucred, SO_PEERCRED */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define GW_CTL_CONN_MAX 16
#define GW_CTL_RETRY_MS 100

/* The writes the daemon takes; later ones add a line here. */
static const struct gw_ctl_command gw_ctl_commands[] = {
	{ .name = "send", .sub = NULL, .main = cli_send_main },
	{ .name = "reporter", .sub = "add", .main = cli_reporter_main },
	{ .name = "reporter", .sub = "disable", .main = cli_reporter_main },
	{ .name = "reporter", .sub = "enable", .main = cli_reporter_main },
	{ .name = "reporter", .sub = "pin", .main = cli_reporter_main },
	{ .name = "sheets", .sub = "visit", .main = cli_sheets_main },
	{ .name = "flow", .sub = "start", .main = cli_flow_main },
	{ .name = "households", .sub = "issue", .main = cli_households_main },
	{ .name = "households", .sub = "link", .main = cli_households_main },
	{ .name = "tasks", .sub = "done", .main = cli_tasks_main },
	{ .name = "tasks", .sub = "cancel", .main = cli_tasks_main },
	{ .name = "user", .sub = "set", .main = cli_user_main },
	{ .name = "user", .sub = "disable", .main = cli_user_main },
	{ .name = "user", .sub = "enable", .main = cli_user_main },
	{ .name = "cases", .sub = "assign", .main = cli_cases_main },
	{ .name = "cases", .sub = "ris", .main = cli_cases_main },
	{ .name = "cases", .sub = "plan", .main = cli_cases_main },
	{ .name = "cases", .sub = "approve", .main = cli_cases_main },
	{ .name = "cases", .sub = "monitor", .main = cli_cases_main },
	{ .name = "cases", .sub = "suspect", .main = cli_cases_main },
	{ .name = "cases", .sub = "notified", .main = cli_cases_main },
	{ .name = "cases", .sub = "verified", .main = cli_cases_main },
	{ .name = "cases", .sub = "dismiss", .main = cli_cases_main },
	{ .name = "cases", .sub = "close", .main = cli_cases_main },
	{ .name = "parents", .sub = "add", .main = cli_parents_main },
	{ .name = "parents", .sub = "state", .main = cli_parents_main },
	{ .name = "parents", .sub = "voice-only", .main = cli_parents_main },
	{ .name = "parents", .sub = "remind", .main = cli_parents_main },
};

struct gw_control {
	struct gateway *gw;		/* borrowed */
	struct evconnlistener *lev;	/* the listening socket */
	char *path;			/* socket path (owned) */
	int n_conns;			/* open connections */
};

struct gw_ctl_conn {
	struct gw_control *ctl;		/* owner */
	struct bufferevent *bev;	/* the connection */
	struct event *ev_deadline;	/* whole-connection deadline */
	struct event *ev_retry;		/* re-run after a lock */
	int64_t deadline;		/* mono ms */
	int argc;			/* the request, once read */
	char **argv;			/* one allocation */
	const struct gw_ctl_command *cmd; /* its table entry */
	int answered;			/* answer queued: close when written */
	char operator[64];		/* the peer's Unix user (SO_PEERCRED) */
};

static void ctl_accept_cb(struct evconnlistener *, evutil_socket_t,
    struct sockaddr *, int, void *);
static void ctl_read_cb(struct bufferevent *, void *);
static void ctl_write_cb(struct bufferevent *, void *);
static void ctl_event_cb(struct bufferevent *, short, void *);
static void ctl_deadline_cb(evutil_socket_t, short, void *);
static void ctl_retry_cb(evutil_socket_t, short, void *);
static void ctl_run(struct gw_ctl_conn *);
static void ctl_answer(struct gw_ctl_conn *, int, const char *, size_t,
    const char *, size_t);
static void ctl_conn_free(struct gw_ctl_conn *);
static void put_be32(unsigned char *, uint32_t);
static uint32_t get_be32(const unsigned char *);

/* ---- wire format ------------------------------------------------------ */

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int
gw_ctl_request_encode(struct buf *b, int argc, char *const *argv)
{
	unsigned char hdr[5];
	size_t n = 1;

	if (argc < 1 || argc > GW_CTL_ARGS_MAX)
		return -1;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	if (n > GW_CTL_REQUEST_MAX)
		return -1;
	put_be32(hdr, (uint32_t)n);
	hdr[4] = GW_CTL_VERSION;
	if (buf_add(b, hdr, sizeof(hdr)) == -1)
		return -1;
	for (int i = 0; i < argc; i++)
		if (buf_add(b, argv[i], strlen(argv[i]) + 1) == -1)
			return -1;
	return 0;
}

int
gw_ctl_request_decode(const unsigned char *p, size_t n, size_t *used,
    int *argc_out, char ***argv_out)
{
	const unsigned char *body;
	size_t len, i, start;
	char **argv, *strings;
	int argc = 0;

	if (n < 4)
		return 0;
	len = get_be32(p);
	if (len < 2 || len > GW_CTL_REQUEST_MAX)
		return -1;
	if (n - 4 < len)
		return 0;
	body = p + 4;
	if (body[0] != GW_CTL_VERSION || body[len - 1] != '\0')
		return -1;
	for (i = 1; i < len; i++)
		if (body[i] == '\0')
			argc++;
	if (argc < 1 || argc > GW_CTL_ARGS_MAX)
		return -1;
	/* The pointers, then a copy of the strings: one free(). */
	argv = xmalloc((size_t)(argc + 1) * sizeof(*argv) + len - 1);
	strings = (char *)(argv + argc + 1);
	memcpy(strings, body + 1, len - 1);
	argc = 0;
	for (start = 0, i = 0; i < len - 1; i++) {
		if (strings[i] == '\0') {
			argv[argc++] = strings + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	*used = 4 + len;
	*argc_out = argc;
	*argv_out = argv;
	return 1;
}

int
gw_ctl_answer_encode(struct buf *b, int code, const char *out,
    size_t out_len, const char *err, size_t err_len)
{
	static const char cut[] = "\n(output cut: too long)\n";
	unsigned char hdr[10];
	size_t room = GW_CTL_ANSWER_MAX - 6 - (sizeof(cut) - 1);
	int cut_out = 0;

	if (err_len > room / 2 && out_len + err_len > room)
		err_len = out_len < room / 2 ? room - out_len : room / 2;
	if (out_len + err_len > room) {
		out_len = room - err_len;
		cut_out = 1;
	}
	put_be32(hdr, (uint32_t)(6 + out_len + err_len +
	    (cut_out ? sizeof(cut) - 1 : 0)));
	hdr[4] = GW_CTL_VERSION;
	hdr[5] = (unsigned char)(code < 0 || code > 255 ? 1 : code);
	put_be32(hdr + 6, (uint32_t)(out_len +
	    (cut_out ? sizeof(cut) - 1 : 0)));
	if (buf_add(b, hdr, sizeof(hdr)) == -1 ||
	    (out_len > 0 && buf_add(b, out, out_len) == -1) ||
	    (cut_out && buf_add(b, cut, sizeof(cut) - 1) == -1) ||
	    (err_len > 0 && buf_add(b, err, err_len) == -1))
		return -1;
	return 0;
}

int
gw_ctl_answer_decode(const unsigned char *p, size_t n, size_t *used,
    struct gw_ctl_answer *a)
{
	size_t len, olen;

	memset(a, 0, sizeof(*a));
	if (n < 4)
		return 0;
	len = get_be32(p);
	if (len < 6 || len > GW_CTL_ANSWER_MAX)
		return -1;
	if (n - 4 < len)
		return 0;
	if (p[4] != GW_CTL_VERSION)
		return -1;
	olen = get_be32(p + 6);
	if (olen > len - 6)
		return -1;
	a->code = p[5];
	a->out_len = olen;
	a->out = xmalloc(olen + 1);
	memcpy(a->out, p + 10, olen);
	a->out[olen] = '\0';
	a->err_len = len - 6 - olen;
	a->err = xmalloc(a->err_len + 1);
	memcpy(a->err, p + 10 + olen, a->err_len);
	a->err[a->err_len] = '\0';
	*used = 4 + len;
	return 1;
}

void
gw_ctl_answer_clear(struct gw_ctl_answer *a)
{
	free(a->out);
	free(a->err);
	memset(a, 0, sizeof(*a));
}

const struct gw_ctl_command *
gw_ctl_find(int argc, char *const *argv)
{
	for (size_t i = 0; argc >= 1 && i < NELEM(gw_ctl_commands); i++) {
		const struct gw_ctl_command *c = &gw_ctl_commands[i];

		if (strcmp(c->name, argv[0]) != 0)
			continue;
		if (c->sub == NULL || (argc >= 2 && strcmp(c->sub, argv[1]) ==
		    0))
			return c;
	}
	return NULL;
}

char *
gw_ctl_socket_path(const struct gw_config *conf)
{
	return xasprintf("%s/stafetad.sock", conf->state_dir);
}

/* ---- the listener ------------------------------------------------------ */

struct gw_control *
gw_control_new(struct gateway *gw, char *err, size_t errlen)
{
	struct gw_control *ctl = xcalloc(1, sizeof(*ctl));
	struct sockaddr_un sun;
	mode_t old;
	int fd = -1;

	ctl->gw = gw;
	ctl->path = gw_ctl_socket_path(gw->conf);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(ctl->path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a socket",
		    ctl->path);
		goto fail;
	}
	memcpy(sun.sun_path, ctl->path, strlen(ctl->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	/* We hold the state directory's lock: a socket left there is a
	 * dead daemon's. */
	if (unlink(ctl->path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", ctl->path, strerror(errno));
		goto fail;
	}
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		snprintf(err, errlen, "%s: %s", ctl->path, strerror(errno));
		goto fail;
	}
	umask(old);
	if (chmod(ctl->path, 0660) != 0) {
		snprintf(err, errlen, "%s: %s", ctl->path, strerror(errno));
		goto fail;
	}
	ctl->lev = evconnlistener_new(gw->base, ctl_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE, 16, fd);
	if (ctl->lev == NULL) {
		snprintf(err, errlen, "%s: cannot listen", ctl->path);
		goto fail;
	}
	log_info("control socket %s", ctl->path);
	return ctl;

fail:
	if (fd >= 0)
		close(fd);
	free(ctl->path);
	free(ctl);
	return NULL;
}

void
gw_control_free(struct gw_control *ctl)
{
	if (ctl == NULL)
		return;
	/* Open connections end with the loop (their events are freed with
	 * the base's owner at exit). */
	evconnlistener_free(ctl->lev);
	(void)unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}

/* The Unix user id of the process at the other end of fd, or -1. */
static long
ctl_peer_uid(evutil_socket_t fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return -1;
	return (long)cr.uid;
}

static void
ctl_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct gw_control *ctl = arg;
	struct event_base *base = evconnlistener_get_base(lev);
	struct gw_ctl_conn *c;
	struct timeval tv = { GW_CTL_DEADLINE_S, 0 };

	UNUSED(sa);
	UNUSED(salen);
	if (ctl->n_conns >= GW_CTL_CONN_MAX) {
		log_warnx("control: too many connections, one refused");
		evutil_closesocket(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->ctl = ctl;
	cli_operator_of_uid(ctl_peer_uid(fd), c->operator,
	    sizeof(c->operator));
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	ctl->n_conns++;
	c->deadline = clock_mono_ms() + GW_CTL_DEADLINE_S * 1000;
	c->ev_deadline = evtimer_new(base, ctl_deadline_cb, c);
	c->ev_retry = evtimer_new(base, ctl_retry_cb, c);
	evtimer_add(c->ev_deadline, &tv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, GW_CTL_REQUEST_MAX + 4);
	bufferevent_setcb(c->bev, ctl_read_cb, ctl_write_cb, ctl_event_cb, c);
	bufferevent_enable(c->bev, EV_READ);
}

static void
ctl_conn_free(struct gw_ctl_conn *c)
{
	c->ctl->n_conns--;
	event_free(c->ev_deadline);
	event_free(c->ev_retry);
	bufferevent_free(c->bev);
	free(c->argv);
	free(c);
}

static void
ctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct gw_ctl_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in), used = 0;
	unsigned char *p;
	int rc;

	if (c->argv != NULL)
		return; /* one request per connection */
	p = evbuffer_pullup(in, (ev_ssize_t)n);
	rc = gw_ctl_request_decode(p, n, &used, &c->argc, &c->argv);
	if (rc == 0 && n < GW_CTL_REQUEST_MAX + 4)
		return;
	if (rc != 1) {
		log_warnx("control: malformed request, connection closed");
		ctl_conn_free(c);
		return;
	}
	evbuffer_drain(in, used);
	bufferevent_disable(bev, EV_READ);
	c->cmd = gw_ctl_find(c->argc, c->argv);
	if (c->cmd == NULL) {
		char *msg = xasprintf("stafetad: \"%s\" is not a command of "
		    "the control socket\n", c->argv[0]);

		ctl_answer(c, 2, "", 0, msg, strlen(msg));
		free(msg);
		return;
	}
	ctl_run(c);
}

/*
 * Runs the request's command on the daemon's connection with its output
 * caught.  If it failed because another process held the lock (the
 * handle's BUSY count moved) and wrote nothing, it runs again from the
 * loop a little later, until the deadline; the CLI waits.
 */
static void
ctl_run(struct gw_ctl_conn *c)
{
	struct gateway *gw = c->ctl->gw;
	struct cli_ctx ctx;
	char *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0;
	int64_t busy0, changes0;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = gw->conf;
	ctx.store = gw->store;
	ctx.config_path = gw->config_path;
	ctx.services = gw->services; /* borrowed: cli_services() keeps it */
	ctx.operator = c->operator;
	ctx.out = open_memstream(&out, &out_len);
	ctx.err = open_memstream(&err, &err_len);
	if (ctx.out == NULL || ctx.err == NULL)
		fatal("control: open_memstream");
	busy0 = store_busy_count(gw->store);
	changes0 = store_changes(gw->store);
	rc = c->cmd->main(&ctx, c->argc, c->argv);
	fclose(ctx.out);
	fclose(ctx.err);
	if (rc != 0 && store_busy_count(gw->store) != busy0 &&
	    store_changes(gw->store) == changes0 &&
	    clock_mono_ms() + GW_CTL_RETRY_MS < c->deadline) {
		struct timeval tv = { 0, GW_CTL_RETRY_MS * 1000 };

		log_debug("control: %s: database locked, again in %d ms",
		    c->argv[0], GW_CTL_RETRY_MS);
		free(out);
		free(err);
		evtimer_add(c->ev_retry, &tv);
		return;
	}
	/* The command and its subcommand only: the rest may be a number. */
	log_info("control: %s%s%s: exit %d", c->argv[0],
	    c->cmd->sub != NULL ? " " : "", c->cmd->sub != NULL ?
	    c->cmd->sub : "", rc);
	ctl_answer(c, rc, out, out_len, err, err_len);
	free(out);
	free(err);
	if (rc == 0 && gw->modems != NULL)
		gw_modems_kick(gw->modems); /* what the command queued */
}

static void
ctl_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	UNUSED(fd);
	UNUSED(ev);
	ctl_run(arg);
}

static void
ctl_answer(struct gw_ctl_conn *c, int code, const char *out, size_t out_len,
    const char *err, size_t err_len)
{
	struct buf b;

	buf_init(&b, 0);
	if (gw_ctl_answer_encode(&b, code, out, out_len, err, err_len) != 0 ||
	    bufferevent_write(c->bev, b.data, b.len) != 0) {
		buf_free(&b);
		ctl_conn_free(c);
		return;
	}
	buf_free(&b);
	c->answered = 1;
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
ctl_write_cb(struct bufferevent *bev, void *arg)
{
	struct gw_ctl_conn *c = arg;

	if (c->answered &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		ctl_conn_free(c);
}

static void
ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	UNUSED(bev);
	UNUSED(what);
	/* EOF or error: the client went away (a retry pending is dropped
	 * with it; nothing was written). */
	ctl_conn_free(arg);
}

static void
ctl_deadline_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gw_ctl_conn *c = arg;

	UNUSED(fd);
	UNUSED(ev);
	log_warnx("control: connection deadline (%d s) passed, closed",
	    GW_CTL_DEADLINE_S);
	ctl_conn_free(c);
}
