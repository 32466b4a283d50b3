/*
 * gw_httpd.c - the protected HTTP/1.1 server under every HTTP endpoint
 * (gw_httpd.h says what it guarantees and why it is not evhttp).
 *
 * One connection carries one request, read in three states (request
 * line, headers, body) from a bufferevent; then the route's handler runs
 * on the loop and its reply is written with Connection: close.  Every
 * connection has one deadline timer, armed at the accept and never
 * re-armed by traffic: that is what bounds a slow client.  A connection
 * lives in the server's list (accept order) from accept to close, which
 * is where eviction finds the oldest of an address.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "clock.h"
#include "config.h"
#include "gw_httpd.h"
#include "gw_metrics.h"
#include "log.h"
#include "util.h"

#define HTTPD_HEADERS_MAX 8192	 /* request line and headers, bytes */
#define HTTPD_HEADER_LINES_MAX 64
#define HTTPD_FD_RESERVE 32	 /* descriptors kept for the database,
				  * workers, logs and listeners */
#define HTTPD_LISTENERS 2	 /* listeners sharing the rest (USSD,
				  * metrics) */
#define HTTPD_PAUSE_MS 1000	 /* accept paused after EMFILE */
#define HTTPD_LOG_EVERY_MS 10000 /* one line per interval per kind */

enum conn_state {
	CONN_LINE = 0,
	CONN_HEADERS,
	CONN_BODY,
	CONN_WRITING,
};

struct gw_httpd_req {
	struct httpd_conn *conn;
	int method;		/* GW_HTTPD_* */
	int head;		/* HEAD: no body in the reply */
	char *target;		/* request-target as sent */
	char *path;		/* target up to '?' */
	char *query;		/* after '?', or NULL */
	struct evkeyvalq in;	/* request headers */
	struct evkeyvalq out;	/* extra response headers */
	char *body;		/* NUL-terminated copy, or NULL */
	size_t body_len;
	int replied;
	int held;		/* the reply comes later (gw_httpd_req_hold) */
	void (*gone)(void *);	/* called if closed before a held reply */
	void *gone_arg;
};

struct httpd_conn {
	TAILQ_ENTRY(httpd_conn) entry;
	struct gw_httpd *srv;
	struct bufferevent *bev;
	struct event *deadline;
	unsigned char addr[16];
	char peer[INET6_ADDRSTRLEN];
	enum conn_state state;
	const struct gw_httpd_route *route;
	size_t header_bytes;
	int header_lines;
	size_t content_length;
	struct gw_httpd_req req;
};

TAILQ_HEAD(conn_list, httpd_conn);

struct gw_httpd {
	struct event_base *base;
	struct gw_httpd_conf conf;	/* strings borrowed */
	char *name;
	char *listen;
	struct evconnlistener *listener;
	struct event *resume;		/* re-enables accept after a pause */
	struct gw_httpguard *guard;
	struct conn_list conns;
	int open;
	struct gw_ratelog log_accept;	/* accept() failures */
	struct gw_ratelog log_refused;	/* connections refused */
	struct gw_ratelog log_timeout;	/* deadlines reached */
};

static void conn_close(struct httpd_conn *);
static void conn_read_cb(struct bufferevent *, void *);
static void conn_write_cb(struct bufferevent *, void *);
static void conn_event_cb(struct bufferevent *, short, void *);
static void conn_deadline_cb(evutil_socket_t, short, void *);
static void httpd_reject(struct gw_httpd *, const char *reason);

static void
httpd_reject(struct gw_httpd *srv, const char *reason)
{
	gw_metrics_count("stafeta_http_rejections_total", "listener",
	    srv->name, "reason", reason, NULL);
}

int
gw_httpd_split_listen(const char *s, char *host, size_t hostlen,
    uint16_t *port)
{
	const char *colon, *h = s, *he;
	int64_t p;

	if (s[0] == '[') {
		he = strchr(s, ']');
		if (he == NULL || he[1] != ':')
			return -1;
		h = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		he = colon;
	}
	if ((size_t)(he - h) >= hostlen || parse_int64(colon + 1, 1, 65535,
	    &p) != 0)
		return -1;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	*port = (uint16_t)p;
	return 0;
}

int
gw_httpd_req_method(const struct gw_httpd_req *r)
{
	return r->method;
}

const char *
gw_httpd_req_path(const struct gw_httpd_req *r)
{
	return r->path;
}

const char *
gw_httpd_req_query(const struct gw_httpd_req *r)
{
	return r->query;
}

const char *
gw_httpd_req_peer(const struct gw_httpd_req *r)
{
	return r->conn->peer;
}

const char *
gw_httpd_req_header(const struct gw_httpd_req *r, const char *name)
{
	/* evhttp_find_header compares names case-insensitively. */
	return evhttp_find_header(&((struct gw_httpd_req *)(uintptr_t)r)->in,
	    name);
}

const char *
gw_httpd_req_body(const struct gw_httpd_req *r, size_t *len)
{
	*len = r->body_len;
	return r->body != NULL ? r->body : "";
}

void
gw_httpd_add_header(struct gw_httpd_req *r, const char *name,
    const char *value)
{
	evhttp_add_header(&r->out, name, value);
}

int
gw_httpd_open(const struct gw_httpd *srv)
{
	return srv->open;
}

void
gw_httpd_reply(struct gw_httpd_req *r, int code, const char *reason,
    const char *content_type, const char *body, size_t len)
{
	struct httpd_conn *c = r->conn;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct evkeyval *kv;

	if (r->replied)
		return;
	r->replied = 1;
	r->gone = NULL;
	c->state = CONN_WRITING;
	if (body == NULL)
		len = 0;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "Connection: close\r\n", code, reason,
	    content_type != NULL ? content_type : "text/plain; charset=utf-8",
	    len);
	TAILQ_FOREACH(kv, &r->out, next)
		evbuffer_add_printf(out, "%s: %s\r\n", kv->key, kv->value);
	evbuffer_add(out, "\r\n", 2);
	if (!r->head && len > 0)
		evbuffer_add(out, body, len);
	/* No more reading: whatever else the client sends is not wanted. */
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, conn_write_cb, conn_event_cb, c);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
reply_text(struct gw_httpd_req *r, int code, const char *reason,
    const char *text)
{
	gw_httpd_reply(r, code, reason, NULL, text, strlen(text));
}

/* Refuses the request on what was read so far (before any body). */
static void
conn_refuse(struct httpd_conn *c, int code, const char *reason,
    const char *text, const char *why)
{
	httpd_reject(c->srv, why);
	log_debug("%s: request refused (%d): %s", c->srv->name, code, why);
	reply_text(&c->req, code, reason, text);
}

void
gw_httpd_req_hold(struct gw_httpd_req *r, void (*gone)(void *), void *arg)
{
	r->held = 1;
	r->gone = gone;
	r->gone_arg = arg;
	/* Nothing more is read: an end of file from a client that shut its
	 * side down must not close the connection before the reply. */
	bufferevent_disable(r->conn->bev, EV_READ);
}

static void
conn_close(struct httpd_conn *c)
{
	struct gw_httpd *srv = c->srv;

	if (c->req.gone != NULL && !c->req.replied)
		c->req.gone(c->req.gone_arg);
	TAILQ_REMOVE(&srv->conns, c, entry);
	srv->open--;
	gw_httpguard_release(srv->guard, c->addr);
	event_free(c->deadline);
	bufferevent_free(c->bev);
	evhttp_clear_headers(&c->req.in);
	evhttp_clear_headers(&c->req.out);
	free(c->req.target);
	free(c->req.path);
	free(c->req.query);
	free(c->req.body);
	free(c);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct httpd_conn *c = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_close(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	UNUSED(bev);
	/* HTTPS: the end of the handshake is an event too, not an end. */
	if (what == BEV_EVENT_CONNECTED)
		return;
	conn_close(arg);
}

static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_conn *c = arg;
	struct gw_httpd *srv = c->srv;
	uint64_t n;

	UNUSED(fd);
	UNUSED(what);
	httpd_reject(srv, "timeout");
	if (gw_ratelog_hit(&srv->log_timeout, clock_mono_ms(), &n))
		log_info("%s: closed %llu connection(s) that did not send a "
		    "complete request within %d s", srv->name,
		    (unsigned long long)n, srv->conf.request_timeout_s);
	conn_close(c);
}

static int
method_of(const char *m, int *head)
{
	*head = 0;
	if (strcmp(m, "GET") == 0)
		return GW_HTTPD_GET;
	if (strcmp(m, "HEAD") == 0) {
		*head = 1;
		return GW_HTTPD_HEAD;
	}
	if (strcmp(m, "POST") == 0)
		return GW_HTTPD_POST;
	for (const char *p = m; *p != '\0'; p++) {
		if (*p < 'A' || *p > 'Z')
			return -1;
	}
	return *m != '\0' ? GW_HTTPD_OTHER : -1;
}

/* "METHOD TARGET HTTP/1.x"; 0 or -1. */
static int
parse_request_line(struct httpd_conn *c, char *line)
{
	struct gw_httpd_req *r = &c->req;
	char *sp1, *sp2, *q;
	int m;

	sp1 = strchr(line, ' ');
	if (sp1 == NULL)
		return -1;
	*sp1 = '\0';
	sp2 = strchr(sp1 + 1, ' ');
	if (sp2 == NULL)
		return -1;
	*sp2 = '\0';
	if (strcmp(sp2 + 1, "HTTP/1.1") != 0 &&
	    strcmp(sp2 + 1, "HTTP/1.0") != 0)
		return -1;
	m = method_of(line, &r->head);
	if (m < 0 || sp1[1] != '/')
		return -1;
	r->method = m;
	r->target = xstrdup(sp1 + 1);
	q = strchr(r->target, '?');
	if (q != NULL) {
		r->path = xstrdup(r->target);
		r->path[q - r->target] = '\0';
		r->query = xstrdup(q + 1);
	} else
		r->path = xstrdup(r->target);
	return 0;
}

/* "Name: value"; 0 or -1.  Folded lines are refused, not joined. */
static int
parse_header(struct httpd_conn *c, char *line)
{
	char *colon = strchr(line, ':'), *v;

	if (colon == NULL || colon == line || line[0] == ' ' ||
	    line[0] == '\t')
		return -1;
	for (char *p = line; p < colon; p++) {
		if (*p == ' ' || *p == '\t')
			return -1;
	}
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	for (size_t n = strlen(v); n > 0 && (v[n - 1] == ' ' ||
	    v[n - 1] == '\t'); n--)
		v[n - 1] = '\0';
	return evhttp_add_header(&c->req.in, line, v) == 0 ? 0 : -1;
}

static void
conn_dispatch(struct httpd_conn *c)
{
	struct gw_httpd *srv = c->srv;

	c->state = CONN_WRITING;
	c->route->handler(srv->conf.arg, &c->req);
	if (!c->req.replied && !c->req.held)
		reply_text(&c->req, 500, "Internal Server Error",
		    "no reply\n");
}

/* The headers are complete: everything that can refuse the request
 * without its body is decided here. */
static void
conn_headers_done(struct httpd_conn *c)
{
	struct gw_httpd *srv = c->srv;
	struct gw_httpd_req *r = &c->req;
	const struct gw_httpd_route *route = NULL;
	const char *cl, *te;
	int64_t len = 0;
	int code;

	for (size_t i = 0; i < srv->conf.n_routes; i++) {
		if (strcmp(srv->conf.routes[i].path, r->path) == 0)
			route = &srv->conf.routes[i];
	}
	if (route == NULL) {
		conn_refuse(c, 404, "Not Found", "not found\n", "not_found");
		return;
	}
	if (!(r->method & route->methods)) {
		gw_httpd_add_header(r, "Allow", route->allow);
		conn_refuse(c, 405, "Method Not Allowed",
		    "method not allowed\n", "method");
		return;
	}
	if (route->protected_route && srv->conf.authorize != NULL) {
		code = srv->conf.authorize(srv->conf.arg, r);
		if (code == 403) {
			conn_refuse(c, 403, "Forbidden", "forbidden\n",
			    "forbidden");
			return;
		}
		if (code != 0) {
			gw_httpd_add_header(r, "WWW-Authenticate",
			    "Basic realm=\"stafeta\"");
			conn_refuse(c, 401, "Unauthorized", "unauthorized\n",
			    "unauthorized");
			return;
		}
	}
	te = gw_httpd_req_header(r, "Transfer-Encoding");
	if (te != NULL) {
		conn_refuse(c, 411, "Length Required",
		    "a Content-Length body is required\n", "bad_request");
		return;
	}
	cl = gw_httpd_req_header(r, "Content-Length");
	if (cl != NULL && parse_int64(cl, 0, INT64_MAX, &len) != 0) {
		conn_refuse(c, 400, "Bad Request", "bad Content-Length\n",
		    "bad_request");
		return;
	}
	if ((uint64_t)len > srv->conf.max_body) {
		conn_refuse(c, 413, "Payload Too Large", "body too large\n",
		    "too_large");
		return;
	}
	c->route = route;
	c->content_length = (size_t)len;
	c->state = CONN_BODY;
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct httpd_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	while (c->state == CONN_LINE || c->state == CONN_HEADERS) {
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			if (c->header_bytes + evbuffer_get_length(in) >
			    HTTPD_HEADERS_MAX) {
				conn_refuse(c, 431, "Request Header Fields "
				    "Too Large", "headers too large\n",
				    "bad_request");
			}
			return;
		}
		c->header_bytes += n + 2;
		if (c->header_bytes > HTTPD_HEADERS_MAX ||
		    ++c->header_lines > HTTPD_HEADER_LINES_MAX) {
			free(line);
			conn_refuse(c, 431, "Request Header Fields Too Large",
			    "headers too large\n", "bad_request");
			return;
		}
		if (c->state == CONN_LINE) {
			/* Tolerated before a request line (RFC 9112 2.2). */
			if (n == 0 && c->header_lines == 1) {
				free(line);
				continue;
			}
			if (parse_request_line(c, line) != 0) {
				free(line);
				conn_refuse(c, 400, "Bad Request",
				    "bad request line\n", "bad_request");
				return;
			}
			c->state = CONN_HEADERS;
		} else if (n == 0) {
			conn_headers_done(c);
		} else if (parse_header(c, line) != 0) {
			free(line);
			conn_refuse(c, 400, "Bad Request", "bad header\n",
			    "bad_request");
			return;
		}
		free(line);
	}
	if (c->state != CONN_BODY ||
	    evbuffer_get_length(in) < c->content_length)
		return;
	c->req.body = xmalloc(c->content_length + 1);
	if (evbuffer_remove(in, c->req.body, c->content_length) !=
	    (int)c->content_length) {
		conn_refuse(c, 400, "Bad Request", "could not read the body\n",
		    "bad_request");
		return;
	}
	c->req.body[c->content_length] = '\0';
	c->req.body_len = c->content_length;
	conn_dispatch(c);
}

/* A fixed answer for a connection refused at the accept: best effort,
 * never blocking (a fresh socket's send buffer always has room). */
static void
refuse_fd(evutil_socket_t fd)
{
	static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 5\r\nRetry-After: 1\r\nConnection: close\r\n"
	    "\r\nbusy\n";

	(void)send(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	evutil_closesocket(fd);
}

static int
conn_new(struct gw_httpd *srv, evutil_socket_t fd, const unsigned char *addr,
    const char *peer)
{
	struct httpd_conn *c = xcalloc(1, sizeof(*c));
	struct timeval tv = { srv->conf.request_timeout_s, 0 };

	c->srv = srv;
	memcpy(c->addr, addr, sizeof(c->addr));
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	TAILQ_INIT(&c->req.in);
	TAILQ_INIT(&c->req.out);
	c->req.conn = c;
	if (srv->conf.tls != NULL) {
		/* HTTPS: the handshake is part of the request's deadline;
		 * the SSL object is freed with the bufferevent. */
		SSL *ssl = SSL_new(srv->conf.tls);

		c->bev = ssl == NULL ? NULL : bufferevent_openssl_socket_new(
		    srv->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE);
		if (c->bev == NULL && ssl != NULL)
			SSL_free(ssl);
		if (c->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	} else
		c->bev = bufferevent_socket_new(srv->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	c->deadline = evtimer_new(srv->base, conn_deadline_cb, c);
	if (c->bev == NULL || c->deadline == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c->deadline != NULL)
			event_free(c->deadline);
		free(c);
		return -1;
	}
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	/* Bound what one read pulls in: headers plus the largest body. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    HTTPD_HEADERS_MAX + srv->conf.max_body + 1);
	bufferevent_enable(c->bev, EV_READ);
	evtimer_add(c->deadline, &tv);
	gw_httpguard_add(srv->guard, addr);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->open++;
	return 0;
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct gw_httpd *srv = arg;
	unsigned char addr[16], victim[16];
	char peer[INET6_ADDRSTRLEN] = "?";
	struct httpd_conn *c;
	enum gw_httpguard_verdict v;
	uint64_t n;

	UNUSED(l);
	UNUSED(salen);
	memset(addr, 0, sizeof(addr));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, &s4->sin_addr, 4);
		inet_ntop(AF_INET, &s4->sin_addr, peer, sizeof(peer));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		memcpy(addr, &s6->sin6_addr, 16);
		inet_ntop(AF_INET6, &s6->sin6_addr, peer, sizeof(peer));
	}
	v = gw_httpguard_check(srv->guard, addr, victim);
	if (v == GW_HTTPGUARD_EVICT) {
		TAILQ_FOREACH(c, &srv->conns, entry) {
			if (memcmp(c->addr, victim, sizeof(victim)) == 0)
				break;
		}
		if (c != NULL) {
			httpd_reject(srv, "evicted");
			conn_close(c);
		}
		v = gw_httpguard_check(srv->guard, addr, victim);
	}
	if (v != GW_HTTPGUARD_ADMIT) {
		httpd_reject(srv, gw_httpguard_strverdict(v));
		if (gw_ratelog_hit(&srv->log_refused, clock_mono_ms(), &n))
			log_info("%s: refused %llu connection(s): too many "
			    "open (%s)", srv->name, (unsigned long long)n,
			    gw_httpguard_strverdict(v));
		refuse_fd(fd);
		return;
	}
	if (conn_new(srv, fd, addr, peer) != 0)
		log_warnx("%s: cannot set up a connection", srv->name);
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_httpd *srv = arg;

	UNUSED(fd);
	UNUSED(what);
	evconnlistener_enable(srv->listener);
}

/*
 * accept() failed for a reason libevent does not retry by itself.
 * Without this callback libevent logs every failure and the listening
 * socket, still readable, fails again at once: a hot loop.  Out of
 * descriptors (or memory), accepting pauses; connections closed by their
 * deadline meanwhile give descriptors back.
 */
static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct gw_httpd *srv = arg;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { HTTPD_PAUSE_MS / 1000,
		(HTTPD_PAUSE_MS % 1000) * 1000 };
	uint64_t n;

	gw_metrics_count("stafeta_http_accept_errors_total", "listener",
	    srv->name, NULL);
	evconnlistener_disable(l);
	evtimer_add(srv->resume, &tv);
	if (gw_ratelog_hit(&srv->log_accept, clock_mono_ms(), &n))
		log_warnx("%s: accept failed %llu time(s) (%s); pausing "
		    "accepts for %d ms each time", srv->name,
		    (unsigned long long)n, strerror(e), HTTPD_PAUSE_MS);
}

/* max_connections within what the descriptor limit leaves. */
static int
httpd_fd_cap(const char *name, int want)
{
	struct rlimit rl;
	long room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return want;
	room = ((long)rl.rlim_cur - HTTPD_FD_RESERVE) / HTTPD_LISTENERS;
	if (room < 1)
		room = 1;
	if (want > room) {
		log_warnx("%s: max_connections %d lowered to %ld by the "
		    "descriptor limit (%ld)", name, want, room,
		    (long)rl.rlim_cur);
		return (int)room;
	}
	return want;
}

void
gw_httpd_conf_init(struct gw_httpd_conf *c, const struct gw_config *conf,
    const char *name, const char *listen)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->listen = listen;
	c->request_timeout_s = conf->http_request_timeout_s;
	c->max_connections = conf->http_max_connections;
	c->max_per_address = conf->http_max_per_address;
}

struct gw_httpd *
gw_httpd_new(struct event_base *base, const struct gw_httpd_conf *conf,
    char *err, size_t errlen)
{
	struct gw_httpd *srv;
	struct evutil_addrinfo hints, *ai = NULL;
	char host[256], port_s[8];
	uint16_t port;
	int rc;

	if (conf->listen == NULL || gw_httpd_split_listen(conf->listen, host,
	    sizeof(host), &port) != 0) {
		snprintf(err, errlen, "bad listen address %s",
		    conf->listen != NULL ? conf->listen : "(none)");
		return NULL;
	}
	snprintf(port_s, sizeof(port_s), "%u", (unsigned)port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICSERV;
	rc = evutil_getaddrinfo(host, port_s, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		snprintf(err, errlen, "cannot resolve %s: %s", conf->listen,
		    evutil_gai_strerror(rc));
		return NULL;
	}
	srv = xcalloc(1, sizeof(*srv));
	srv->base = base;
	srv->conf = *conf;
	srv->name = xstrdup(conf->name);
	srv->listen = xstrdup(conf->listen);
	srv->conf.name = srv->name;
	/* A configuration built by hand (unit tests) may leave these 0:
	 * the defaults of config_keys.c then, never a 0 s deadline. */
	if (srv->conf.request_timeout_s < 1)
		srv->conf.request_timeout_s = 10;
	if (conf->max_connections < 1)
		srv->conf.max_connections = 64;
	if (srv->conf.max_per_address < 1)
		srv->conf.max_per_address = 16;
	srv->conf.listen = srv->listen;
	srv->conf.max_connections = httpd_fd_cap(srv->name,
	    srv->conf.max_connections);
	srv->guard = gw_httpguard_new(srv->conf.max_connections,
	    srv->conf.max_per_address);
	TAILQ_INIT(&srv->conns);
	srv->log_accept.interval_ms = HTTPD_LOG_EVERY_MS;
	srv->log_refused.interval_ms = HTTPD_LOG_EVERY_MS;
	srv->log_timeout.interval_ms = HTTPD_LOG_EVERY_MS;
	srv->resume = evtimer_new(base, resume_cb, srv);
	errno = 0;
	srv->listener = evconnlistener_new_bind(base, accept_cb, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, ai->ai_addr, (int)ai->ai_addrlen);
	evutil_freeaddrinfo(ai);
	if (srv->listener == NULL || srv->resume == NULL) {
		snprintf(err, errlen, "cannot listen on %s: %s", conf->listen,
		    errno != 0 ? strerror(errno) : "bind failed");
		gw_httpd_free(srv);
		return NULL;
	}
	evconnlistener_set_error_cb(srv->listener, accept_error_cb);
	log_info("%s: listening on %s (request within %d s, at most %d "
	    "connections, %d per address)", srv->name, srv->listen,
	    srv->conf.request_timeout_s, srv->conf.max_connections,
	    srv->conf.max_per_address);
	return srv;
}

void
gw_httpd_free(struct gw_httpd *srv)
{
	if (srv == NULL)
		return;
	while (!TAILQ_EMPTY(&srv->conns))
		conn_close(TAILQ_FIRST(&srv->conns));
	if (srv->listener != NULL)
		evconnlistener_free(srv->listener);
	if (srv->resume != NULL)
		event_free(srv->resume);
	gw_httpguard_free(srv->guard);
	free(srv->name);
	free(srv->listen);
	free(srv);
}
