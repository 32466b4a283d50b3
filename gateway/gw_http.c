/*
 * gw_http.c - the HTTP listener: the USSD aggregator callback (POST
 * /ussd) and a health probe for operators (GET /health).
 *
 * Requests are served on the daemon's one event loop by the protected
 * server of gw_httpd.c (deadline, connection limits, checks on the
 * headers before the body); each USSD request runs in one store
 * transaction (session advance, retry record and any queued SMS commit
 * together).  Protection, checked on the headers in this order: the
 * client address must be in [http] allow (403) when the list is not
 * empty, then the shared [http] secret must be given (401) when one is
 * set, as the HTTP Basic password, an X-Stafeta-Secret header, or a
 * ?secret= query parameter, compared in constant time.  Bodies are
 * bounded (413, unread), methods checked per route (405), forms validated
 * by the pure parser in flows/flow_ussd.c (400 with the reason).  Nothing
 * about the caller or the subscriber is logged above debug level.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "gw_httpd.h"
#include "gw_metrics.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define HTTP_SECRET_MAX 256

struct gw_http {
	struct gateway *gw;	/* borrowed */
	struct gw_httpd *httpd; /* owned */
};

static void http_ussd(void *, struct gw_httpd_req *);
static void http_health(void *, struct gw_httpd_req *);
static int http_authorize(void *, const struct gw_httpd_req *);
static void http_reply(struct gw_httpd_req *, int, const char *,
    const char *);
static int http_secret_ok(const struct gw_config *,
    const struct gw_httpd_req *);
static int secret_equal(const char *, const char *);
static int base64_decode(const char *, char *, size_t);

static const struct gw_httpd_route http_routes[] = {
	{ .path = "/ussd", .methods = GW_HTTPD_POST, .allow = "POST",
	  .protected_route = 1, .handler = http_ussd },
	{ .path = "/health", .methods = GW_HTTPD_GET | GW_HTTPD_HEAD,
	  .allow = "GET, HEAD", .protected_route = 0, .handler = http_health },
};

static void
http_reply(struct gw_httpd_req *req, int code, const char *reason,
    const char *body)
{
	gw_httpd_reply(req, code, reason, NULL, body,
	    body != NULL ? strlen(body) : 0);
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
http_secret_ok(const struct gw_config *conf, const struct gw_httpd_req *req)
{
	struct evkeyvalq q;
	const char *v, *query;
	char dec[HTTP_SECRET_MAX * 2], *colon;
	int ok = 0;

	if (conf->http_secret == NULL)
		return 1;
	v = gw_httpd_req_header(req, "X-Stafeta-Secret");
	if (v != NULL && secret_equal(v, conf->http_secret))
		return 1;
	v = gw_httpd_req_header(req, "Authorization");
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
	query = gw_httpd_req_query(req);
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

static void
http_health(void *arg, struct gw_httpd_req *req)
{
	UNUSED(arg);
	http_reply(req, HTTP_OK, "OK", "ok\n");
}

/* One USSD result: counted, and its latency observed from the end of
 * the request to the reply (the loop's own time, not the client's). */
static void
ussd_done(int64_t t0, const char *result)
{
	gw_metrics_count("stafeta_ussd_requests_total", "result", result,
	    NULL);
	gw_metrics_observe("stafeta_ussd_request_duration_seconds",
	    (double)(clock_mono_ms() - t0) / 1000.0, NULL);
}

static void
http_ussd(void *arg, struct gw_httpd_req *req)
{
	struct gw_http *h = arg;
	struct gateway *gw = h->gw;
	struct flow_ussd_request *u;
	struct flow_reply out;
	const char *ct, *body;
	char err[128], *msg;
	size_t len;
	int64_t t0 = clock_mono_ms();
	int64_t busy0, now;

	ct = gw_httpd_req_header(req, "Content-Type");
	if (ct != NULL && strncmp(ct, "application/x-www-form-urlencoded",
	    33) != 0) {
		http_reply(req, 415, "Unsupported Media Type",
		    "expected application/x-www-form-urlencoded\n");
		ussd_done(t0, "bad_request");
		return;
	}
	body = gw_httpd_req_body(req, &len);
	u = xmalloc(sizeof(*u));
	if (flow_ussd_parse(body, len, u, err, sizeof(err)) != 0) {
		free(u);
		msg = xasprintf("%s\n", err);
		log_debug("http: /ussd refused: %s", err);
		http_reply(req, 400, "Bad Request", msg);
		free(msg);
		ussd_done(t0, "bad_request");
		return;
	}
	memset(&out, 0, sizeof(out));
	busy0 = store_busy_count(gw->store);
	if (store_begin(gw->store) != 0)
		goto fail;
	now = clock_now_ms();
	if (flow_engine_ussd(gw->flows, gw->store, u, now, &out) != 0) {
		store_rollback(gw->store);
		goto fail;
	}
	/* A refused stranger (README, Privacy): neither the session nor a
	 * contact made for this request keeps the number. */
	if (out.forget_sender && (store_ussd_delete(gw->store,
	    u->session_id) != 0 || store_contact_forget_new(gw->store,
	    u->phone, now) != 0)) {
		store_rollback(gw->store);
		goto fail;
	}
	if (store_commit(gw->store) != 0) {
		store_rollback(gw->store);
		goto fail;
	}
	log_debug("ussd %s: answered %s", u->session_id,
	    out.end ? "END" : "CON");
	http_reply(req, 200, "OK", out.text != NULL ? out.text : "END");
	ussd_done(t0, out.end ? "end" : "continue");
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
		gw_httpd_add_header(req, "Retry-After", "1");
		http_reply(req, 503, "Service Unavailable", "END\n");
		ussd_done(t0, "busy");
		return;
	}
	log_warnx("ussd %s: request failed: %s", u->session_id,
	    store_errmsg(gw->store));
	free(u);
	/* 500: the aggregator may retry; nothing was committed. */
	http_reply(req, 500, "Internal Server Error", "END\n");
	ussd_done(t0, "error");
}

/* On the headers, before any body is read: 0, 403 or 401. */
static int
http_authorize(void *arg, const struct gw_httpd_req *req)
{
	struct gw_http *h = arg;
	const struct gw_config *conf = h->gw->conf;
	const char *path = gw_httpd_req_path(req);

	if (!gw_httpguard_allowed(conf->http_allow, conf->n_http_allow,
	    gw_httpd_req_peer(req))) {
		log_debug("http: %s refused for an address not in "
		    "[http] allow", path);
		return 403;
	}
	if (!http_secret_ok(conf, req)) {
		log_debug("http: %s refused without the secret", path);
		return 401;
	}
	return 0;
}

struct gw_http *
gw_http_new(struct gateway *gw, char *err, size_t errlen)
{
	struct gw_http *h;
	struct gw_httpd_conf hc;

	if (gw->conf->http_listen == NULL) {
		snprintf(err, errlen, "no [http] listen address");
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->gw = gw;
	gw_httpd_conf_init(&hc, gw->conf, "http", gw->conf->http_listen);
	hc.max_body = FLOW_USSD_BODY_MAX;
	hc.routes = http_routes;
	hc.n_routes = NELEM(http_routes);
	hc.authorize = http_authorize;
	hc.arg = h;
	h->httpd = gw_httpd_new(gw->base, &hc, err, errlen);
	if (h->httpd == NULL) {
		free(h);
		return NULL;
	}
	if (gw->conf->http_secret == NULL && gw->conf->n_http_allow == 0)
		log_warnx("http: /ussd has neither a secret nor an address "
		    "allowlist; anyone who reaches %s can use it",
		    gw->conf->http_listen);
	return h;
}

void
gw_http_free(struct gw_http *h)
{
	if (h == NULL)
		return;
	gw_httpd_free(h->httpd);
	free(h);
}
