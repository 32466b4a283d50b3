/*
 * gw_http.c - the HTTP listener: the USSD aggregator callback (POST
 * /ussd) and a health probe for operators (GET /health).
 *
 * Requests are served on the daemon's one event loop by evhttp; each USSD
 * request runs in one store transaction (session advance, retry record
 * and any queued SMS commit together).  Protection, checked in this order:
 * the client address must be in [http] allow (403) when the list is not
 * empty, then the shared [http] secret must be given (401) when one is
 * set, as the HTTP Basic password, an X-Stafeta-Secret header, or a
 * ?secret= query parameter, compared in constant time.  Bodies are
 * bounded (413), methods checked per route (405), forms validated by the
 * pure parser in flows/flow_ussd.c (400 with the reason).  Nothing about
 * the caller or the subscriber is logged above debug level.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define HTTP_TIMEOUT_S	10
#define HTTP_SECRET_MAX 256

struct gw_http {
	struct gateway *gw;		  /* borrowed */
	struct evhttp *http;		  /* owned */
	struct evhttp_bound_socket *sock; /* owned by http */
	uint64_t served;		  /* requests answered */
};

typedef void http_handler_fn(struct gw_http *, struct evhttp_request *);

struct http_route {
	const char *path;	/* exact path */
	int methods;		/* EVHTTP_REQ_* accepted */
	const char *allow;	/* value of the Allow header on 405 */
	int protected_route;	/* needs allowlist and secret */
	http_handler_fn *handler;
};

static http_handler_fn http_ussd;
static http_handler_fn http_health;
static void http_request_cb(struct evhttp_request *, void *);
static void http_reply(struct evhttp_request *, int, const char *,
    const char *);
static int http_split_listen(const char *, char *, size_t, uint16_t *);
static int http_addr_allowed(const struct gw_config *, const char *);
static int http_addr_parse(const char *, unsigned char *);
static int http_secret_ok(const struct gw_config *,
    struct evhttp_request *);
static int secret_equal(const char *, const char *);
static int base64_decode(const char *, char *, size_t);

static const struct http_route http_routes[] = {
	{ .path = "/ussd", .methods = EVHTTP_REQ_POST, .allow = "POST",
	  .protected_route = 1, .handler = http_ussd },
	{ .path = "/health", .methods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD,
	  .allow = "GET, HEAD", .protected_route = 0, .handler = http_health },
};

static void
http_reply(struct evhttp_request *req, int code, const char *reason,
    const char *body)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (b == NULL)
		fatalx("http: evbuffer_new");
	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (body != NULL)
		evbuffer_add(b, body, strlen(body));
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

/* Constant time in the length of the expected secret. */
static int
secret_equal(const char *given, const char *want)
{
	size_t gl = strlen(given), wl = strlen(want), i;
	unsigned char d = gl != wl;

	for (i = 0; i < wl; i++)
		d |= (unsigned char)(want[i] ^ (i < gl ? given[i] : 0));
	return d == 0;
}

/* Standard base64 into out (NUL-terminated); 0 or -1. */
static int
base64_decode(const char *in, char *out, size_t cap)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int acc = 0;
	int bits = 0;
	size_t o = 0;
	const char *p;

	for (; *in != '\0' && *in != '='; in++) {
		p = strchr(tbl, *in);
		if (p == NULL || *in == '\0')
			return -1;
		acc = (acc << 6) | (unsigned int)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return memchr(out, '\0', o) == NULL ? 0 : -1;
}

static int
http_secret_ok(const struct gw_config *conf, struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evkeyvalq q;
	const char *v, *query;
	char dec[HTTP_SECRET_MAX * 2], *colon;
	int ok = 0;

	if (conf->http_secret == NULL)
		return 1;
	v = evhttp_find_header(h, "X-Stafeta-Secret");
	if (v != NULL && secret_equal(v, conf->http_secret))
		return 1;
	v = evhttp_find_header(h, "Authorization");
	if (v != NULL && strncmp(v, "Basic ", 6) == 0 &&
	    strlen(v + 6) < sizeof(dec) && base64_decode(v + 6, dec,
	    sizeof(dec)) == 0) {
		colon = strchr(dec, ':');
		if (colon != NULL && secret_equal(colon + 1,
		    conf->http_secret))
			ok = 1;
		explicit_bzero(dec, sizeof(dec));
		if (ok)
			return 1;
	}
	query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (query != NULL) {
		TAILQ_INIT(&q);
		if (evhttp_parse_query_str(query, &q) == 0) {
			v = evhttp_find_header(&q, "secret");
			ok = v != NULL && secret_equal(v, conf->http_secret);
		}
		evhttp_clear_headers(&q);
	}
	return ok;
}

/* Text address to 16 bytes (IPv4 as v4-mapped IPv6); 0 or -1. */
static int
http_addr_parse(const char *s, unsigned char *out)
{
	struct in_addr a4;

	if (inet_pton(AF_INET6, s, out) == 1)
		return 0;
	if (inet_pton(AF_INET, s, &a4) != 1)
		return -1;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
	return 0;
}

static int
http_addr_allowed(const struct gw_config *conf, const char *peer)
{
	unsigned char p[16], a[16];
	size_t i;

	if (conf->n_http_allow == 0)
		return 1;
	if (peer == NULL || http_addr_parse(peer, p) != 0)
		return 0;
	for (i = 0; i < conf->n_http_allow; i++) {
		if (http_addr_parse(conf->http_allow[i], a) == 0 &&
		    memcmp(a, p, sizeof(p)) == 0)
			return 1;
	}
	return 0;
}

static void
http_health(struct gw_http *h, struct evhttp_request *req)
{
	UNUSED(h);
	http_reply(req, HTTP_OK, "OK", "ok\n");
}

static void
http_ussd(struct gw_http *h, struct evhttp_request *req)
{
	struct gateway *gw = h->gw;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct flow_ussd_request *u;
	struct flow_reply out;
	const char *ct;
	char err[128], *body, *msg;
	size_t len = evbuffer_get_length(in);
	int64_t busy0;

	ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	if (ct != NULL && strncmp(ct, "application/x-www-form-urlencoded",
	    33) != 0) {
		http_reply(req, 415, "Unsupported Media Type",
		    "expected application/x-www-form-urlencoded\n");
		return;
	}
	if (len > FLOW_USSD_BODY_MAX) {
		http_reply(req, 413, "Payload Too Large", "body too large\n");
		return;
	}
	body = xmalloc(len + 1);
	if (evbuffer_remove(in, body, len) != (int)len) {
		free(body);
		http_reply(req, HTTP_BADREQUEST, "Bad Request",
		    "could not read the body\n");
		return;
	}
	body[len] = '\0';
	u = xmalloc(sizeof(*u));
	if (flow_ussd_parse(body, len, u, err, sizeof(err)) != 0) {
		free(body);
		free(u);
		msg = xasprintf("%s\n", err);
		log_debug("http: /ussd refused: %s", err);
		http_reply(req, HTTP_BADREQUEST, "Bad Request", msg);
		free(msg);
		return;
	}
	free(body);
	memset(&out, 0, sizeof(out));
	busy0 = store_busy_count(gw->store);
	if (store_begin(gw->store) != 0)
		goto fail;
	if (flow_engine_ussd(gw->flows, gw->store, u, clock_now_ms(), &out) != 0) {
		store_rollback(gw->store);
		goto fail;
	}
	if (store_commit(gw->store) != 0) {
		store_rollback(gw->store);
		goto fail;
	}
	log_debug("ussd %s: answered %s", u->session_id,
	    out.end ? "END" : "CON");
	http_reply(req, HTTP_OK, "OK", out.text != NULL ? out.text : "END");
	flow_reply_clear(&out);
	free(u);
	if (gw->modems != NULL)
		gw_modems_kick(gw->modems); /* SMS a flow may have queued */
	return;
fail:
	flow_reply_clear(&out);
	if (store_busy_count(gw->store) != busy0) {
		/* Another process holds the database's lock: nothing was
		 * done; the aggregator asks again (the loop does not wait). */
		log_warnx("ussd %s: database locked, answered 503",
		    u->session_id);
		free(u);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "1");
		http_reply(req, 503, "Service Unavailable", "END\n");
		return;
	}
	log_warnx("ussd %s: request failed: %s", u->session_id,
	    store_errmsg(gw->store));
	free(u);
	/* 500: the aggregator may retry; nothing was committed. */
	http_reply(req, HTTP_INTERNAL, "Internal Server Error", "END\n");
}

static void
http_request_cb(struct evhttp_request *req, void *arg)
{
	struct gw_http *h = arg;
	const struct gw_config *conf = h->gw->conf;
	const struct http_route *r = NULL;
	const char *path;
	char *peer = NULL;
	ev_uint16_t port;
	size_t i;

	h->served++;
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL)
		path = "/";
	for (i = 0; i < NELEM(http_routes); i++) {
		if (strcmp(http_routes[i].path, path) == 0)
			r = &http_routes[i];
	}
	if (r == NULL) {
		http_reply(req, HTTP_NOTFOUND, "Not Found", "not found\n");
		return;
	}
	if (!(evhttp_request_get_command(req) & r->methods)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", r->allow);
		http_reply(req, 405, "Method Not Allowed",
		    "method not allowed\n");
		return;
	}
	if (r->protected_route) {
		evhttp_connection_get_peer(evhttp_request_get_connection(req),
		    &peer, &port);
		if (!http_addr_allowed(conf, peer)) {
			log_debug("http: %s refused for an address not in "
			    "[http] allow", path);
			http_reply(req, 403, "Forbidden", "forbidden\n");
			return;
		}
		if (!http_secret_ok(conf, req)) {
			log_debug("http: %s refused without the secret", path);
			evhttp_add_header(
			    evhttp_request_get_output_headers(req),
			    "WWW-Authenticate", "Basic realm=\"stafeta\"");
			http_reply(req, 401, "Unauthorized",
			    "unauthorized\n");
			return;
		}
	}
	r->handler(h, req);
}

/* "HOST:PORT" or "[V6]:PORT" into host and port; 0 or -1. */
static int
http_split_listen(const char *s, char *host, size_t hostlen, uint16_t *port)
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

struct gw_http *
gw_http_new(struct gateway *gw, char *err, size_t errlen)
{
	struct gw_http *h;
	char host[256];
	uint16_t port;

	if (gw->conf->http_listen == NULL) {
		snprintf(err, errlen, "no [http] listen address");
		return NULL;
	}
	if (http_split_listen(gw->conf->http_listen, host, sizeof(host),
	    &port) != 0) {
		snprintf(err, errlen, "bad listen address %s",
		    gw->conf->http_listen);
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->gw = gw;
	h->http = evhttp_new(gw->base);
	if (h->http == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		goto fail;
	}
	/* Every method reaches the callback so that a wrong one gets 405
	 * with an Allow header rather than evhttp's 501. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(h->http, FLOW_USSD_BODY_MAX);
	evhttp_set_max_headers_size(h->http, 8192);
	evhttp_set_timeout(h->http, HTTP_TIMEOUT_S);
	evhttp_set_gencb(h->http, http_request_cb, h);
	errno = 0;
	h->sock = evhttp_bind_socket_with_handle(h->http, host, port);
	if (h->sock == NULL) {
		snprintf(err, errlen, "cannot listen on %s: %s",
		    gw->conf->http_listen, errno != 0 ? strerror(errno) :
		    "bind failed");
		goto fail;
	}
	if (gw->conf->http_secret == NULL && gw->conf->n_http_allow == 0)
		log_warnx("http: /ussd has neither a secret nor an address "
		    "allowlist; anyone who reaches %s can use it",
		    gw->conf->http_listen);
	log_info("http: listening on %s", gw->conf->http_listen);
	return h;
fail:
	gw_http_free(h);
	return NULL;
}

void
gw_http_free(struct gw_http *h)
{
	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	free(h);
}
