/*
 * gw_http.c - the HTTP listener: the USSD aggregator callback (POST
 * /ussd) and a health probe for operators (GET /health).
 *
 * Requests are served on the daemon's one event loop by the protected
 * server of gw_httpd.c (deadline, connection limits, checks on the
 * headers before the body).  Each USSD request is a unit of the group
 * commit (gw_batch.h): its session advance, retry record and any queued
 * SMS are one savepoint of the transaction shared by the requests of one
 * loop pass, and its reply is sent only once that is committed.
 * Protection, checked on the headers in this order: the client address
 * must be in [http] allow (403) when the list is not
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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "gw_batch.h"
#include "gw_httpd.h"
#include "gw_kannel.h"
#include "gw_metrics.h"
#include "gw_ussd_adapt.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define HTTP_SECRET_MAX 256

#define HTTP_USSD_ROUTES_MAX 16 /* USSD paths on one listener */

struct gw_http {
	struct gateway *gw;	/* borrowed */
	struct gw_httpd *httpd; /* owned */
	/* The USSD paths and the convention each speaks ([http]
	 * ussd_convention for /ussd, ussd_routes for the others). */
	const char *ussd_paths[HTTP_USSD_ROUTES_MAX]; /* owned */
	const struct gw_ussd_adapter *ussd_adapters[HTTP_USSD_ROUTES_MAX];
	size_t n_ussd;
	struct gw_httpd_route *routes; /* owned */
	size_t n_routes;
	struct gw_batch *batch;	/* group commit of USSD and Kannel MO */
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
http_kannel_mo(void *arg, struct gw_httpd_req *req)
{
	struct gw_http *h = arg;

	gw_kannel_mo(h->gw, h->batch, req);
}

static void
http_kannel_dlr(void *arg, struct gw_httpd_req *req)
{
	struct gw_http *h = arg;

	gw_kannel_dlr(h->gw, req);
}

/* What Kannel calls (gw_kannel.h): protected as /ussd is. */
static const struct gw_httpd_route http_kannel_routes[] = {
	{ .path = "/kannel/mo", .methods = GW_HTTPD_GET | GW_HTTPD_POST,
	  .allow = "GET, POST", .protected_route = 1,
	  .handler = http_kannel_mo },
	{ .path = "/kannel/dlr", .methods = GW_HTTPD_GET | GW_HTTPD_POST,
	  .allow = "GET, POST", .protected_route = 1,
	  .handler = http_kannel_dlr },
};

/* The adapter of the path req came on (gw_http_new checked them all). */
static const struct gw_ussd_adapter *
http_adapter(const struct gw_http *h, const struct gw_httpd_req *req)
{
	const char *path = gw_httpd_req_path(req);

	for (size_t i = 0; i < h->n_ussd; i++)
		if (strcmp(h->ussd_paths[i], path) == 0)
			return h->ussd_adapters[i];
	return gw_ussd_adapter_find("form");
}

static void
http_answer(struct gw_httpd_req *req, const struct gw_ussd_adapter *ad,
    const struct gw_ussd_call *c, const char *screen, int end)
{
	struct gw_ussd_answer a;

	memset(&a, 0, sizeof(a));
	ad->render(c, screen, end, &a);
	if (a.header != NULL)
		gw_httpd_add_header(req, a.header, a.header_value);
	gw_httpd_reply(req, 200, "OK", a.content_type, a.body,
	    strlen(a.body));
	gw_ussd_answer_clear(&a);
}

/* One USSD request waiting for its batch (gw_batch.h). */
struct ussd_unit {
	struct gw_http *h;
	struct gw_httpd_req *req;	/* NULL once its connection is gone */
	const struct gw_ussd_adapter *ad;
	struct gw_ussd_call c;
	struct flow_reply out;
	int64_t t0;
	int abandoned;			/* end notice: a dialogue was left */
};

static void
ussd_gone(void *arg)
{
	struct ussd_unit *u = arg;

	u->req = NULL;
}

/*
 * In the batch's transaction.  A request advances its session; the
 * end-of-session notification (the aggregator says the person left)
 * hands a dialogue still waiting for an answer over to SMS at once if its
 * flow says so (the same path as a break-off seen after ussd_timeout_s).
 */
static int
ussd_run(struct store *st, void *arg)
{
	struct ussd_unit *u = arg;
	struct gateway *gw = u->h->gw;
	struct flow_ussd_request *r = &u->c.req;
	int64_t now = clock_now_ms();
	int rc;

	if (u->c.is_end) {
		rc = flow_engine_ussd_end(gw->flows, st, r->session_id, now);
		if (rc < 0)
			return -1;
		u->abandoned = rc == 1;
		return 0;
	}
	if (flow_engine_ussd(gw->flows, st, r, now, &u->out) != 0)
		return -1;
	/* A refused stranger (README, Privacy): neither the session nor a
	 * contact made for this request keeps the number. */
	if (u->out.forget_sender && (store_ussd_delete(st,
	    r->session_id) != 0 || store_contact_forget_new(st, r->phone,
	    now) != 0))
		return -1;
	return 0;
}

/* After the commit: the reply, exactly as the request alone had it. */
static void
ussd_reply(void *arg, enum gw_batch_result res, const char *why)
{
	struct ussd_unit *u = arg;
	struct gw_httpd_req *req = u->req;
	const char *sid = u->c.req.session_id;

	switch (res) {
	case GW_BATCH_OK:
		if (u->c.is_end) {
			if (u->abandoned) {
				log_info("ussd %s: abandoned by the "
				    "subscriber; the dialogue is handed over "
				    "to SMS or closed", sid);
				gw_metrics_count("stafeta_ussd_abandoned_total",
				    NULL);
			} else
				log_debug("ussd %s: end-of-session notice, "
				    "nothing open", sid);
			if (req != NULL)
				http_answer(req, u->ad, &u->c, NULL, 1);
			ussd_done(u->t0, "end_notice");
			break;
		}
		log_debug("ussd %s: answered %s", sid, u->out.end ? "END" :
		    "CON");
		if (req != NULL)
			http_answer(req, u->ad, &u->c, u->out.text != NULL ?
			    u->out.text : "END", u->out.end);
		ussd_done(u->t0, u->out.end ? "end" : "continue");
		break;
	case GW_BATCH_BUSY:
	case GW_BATCH_DROPPED:
		/* Nothing was done: the aggregator asks again (the loop
		 * does not wait for another process's lock). */
		log_warnx("ussd %s: %s, answered 503", sid,
		    res == GW_BATCH_BUSY ? "database locked" : why);
		if (req != NULL) {
			gw_httpd_add_header(req, "Retry-After", "1");
			http_reply(req, 503, "Service Unavailable", "END\n");
		}
		ussd_done(u->t0, "busy");
		break;
	default:
		log_warnx("ussd %s: request failed: %s", sid,
		    why != NULL ? why : "?");
		/* 500: the aggregator may retry; nothing of it was
		 * committed. */
		if (req != NULL)
			http_reply(req, 500, "Internal Server Error", "END\n");
		ussd_done(u->t0, "error");
		break;
	}
	flow_reply_clear(&u->out);
	free(u);
}

/* Parses the request, then leaves it to the batch: its reply is sent
 * once the transaction it shares with the other requests of this loop
 * pass is committed (gw_batch.h). */
static void
http_ussd(void *arg, struct gw_httpd_req *req)
{
	struct gw_http *h = arg;
	struct ussd_unit *u;
	struct gw_ussd_http in;
	char err[128], *msg;
	int code;

	u = xcalloc(1, sizeof(*u));
	u->t0 = clock_mono_ms();
	u->h = h;
	u->ad = http_adapter(h, req);
	in.method = gw_httpd_req_method(req);
	in.query = gw_httpd_req_query(req);
	in.content_type = gw_httpd_req_header(req, "Content-Type");
	in.body = gw_httpd_req_body(req, &in.len);
	if ((code = u->ad->parse(&in, &u->c, err, sizeof(err))) != 0) {
		msg = xasprintf("%s\n", err);
		log_debug("http: %s refused: %s", gw_httpd_req_path(req), err);
		http_reply(req, code, code == 415 ? "Unsupported Media Type" :
		    "Bad Request", msg);
		free(msg);
		ussd_done(u->t0, "bad_request");
		free(u);
		return;
	}
	u->req = req;
	gw_httpd_req_hold(req, ussd_gone, u);
	gw_batch_add(h->batch, ussd_run, ussd_reply, u);
}

/* After a batch that kept work: SMS a flow may have queued. */
static void
http_batch_after(void *arg)
{
	struct gateway *gw = arg;

	if (gw->modems != NULL)
		gw_modems_kick(gw->modems);
	gw_kannel_kick(gw->kannel);
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

/*
 * The USSD paths of the listener: /ussd in [http] ussd_convention, then
 * each "PATH=CONVENTION" of [http] ussd_routes.  0, or -1 with err.
 */
static int
http_ussd_paths(struct gw_http *h, const struct gw_config *conf, char *err,
    size_t errlen)
{
	const struct gw_ussd_adapter *ad;
	const char *eq;

	/* NULL: a configuration built without defaults (unit tests). */
	ad = gw_ussd_adapter_find(conf->http_ussd_convention != NULL ?
	    conf->http_ussd_convention : "form");
	if (ad == NULL) {
		snprintf(err, errlen, "[http] ussd_convention: unknown %s",
		    conf->http_ussd_convention);
		return -1;
	}
	h->ussd_paths[0] = xstrdup("/ussd");
	h->ussd_adapters[0] = ad;
	h->n_ussd = 1;
	for (size_t i = 0; i < conf->n_http_ussd_routes; i++) {
		const char *r = conf->http_ussd_routes[i];

		eq = strchr(r, '=');
		ad = eq != NULL ? gw_ussd_adapter_find(eq + 1) : NULL;
		if (ad == NULL || r[0] != '/' || h->n_ussd ==
		    HTTP_USSD_ROUTES_MAX) {
			snprintf(err, errlen, "[http] ussd_routes: bad or too "
			    "many routes at %s", r);
			return -1;
		}
		h->ussd_paths[h->n_ussd] = xstrndup(r, (size_t)(eq - r));
		h->ussd_adapters[h->n_ussd++] = ad;
	}
	return 0;
}

/* The listener's routes: the USSD paths, the extra ones (Kannel's), and
 * /health. */
static void
http_build_routes(struct gw_http *h, const struct gw_httpd_route *extra,
    size_t n_extra)
{
	struct gw_httpd_route *r;

	h->routes = xcalloc(h->n_ussd + n_extra + 1, sizeof(*h->routes));
	for (size_t i = 0; i < h->n_ussd; i++) {
		r = &h->routes[h->n_routes++];
		r->path = h->ussd_paths[i];
		r->methods = h->ussd_adapters[i]->methods;
		r->allow = h->ussd_adapters[i]->allow;
		r->protected_route = 1;
		r->handler = http_ussd;
	}
	for (size_t i = 0; i < n_extra; i++)
		h->routes[h->n_routes++] = extra[i];
	r = &h->routes[h->n_routes++];
	r->path = "/health";
	r->methods = GW_HTTPD_GET | GW_HTTPD_HEAD;
	r->allow = "GET, HEAD";
	r->protected_route = 0;
	r->handler = http_health;
}

static void
http_free_paths(struct gw_http *h)
{
	/* Units not run yet get 503 (nothing of them was kept) before
	 * their connections close. */
	gw_batch_free(h->batch);
	h->batch = NULL;
	for (size_t i = 0; i < h->n_ussd; i++)
		free((char *)(uintptr_t)h->ussd_paths[i]);
	free(h->routes);
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
	h->batch = gw_batch_new(gw->base, gw->store, GW_BATCH_MAX_UNITS,
	    http_batch_after, gw);
	gw_httpd_conf_init(&hc, gw->conf, "http", gw->conf->http_listen);
	hc.max_body = FLOW_USSD_BODY_MAX;
	if (http_ussd_paths(h, gw->conf, err, errlen) != 0) {
		http_free_paths(h);
		free(h);
		return NULL;
	}
	http_build_routes(h, http_kannel_routes, NELEM(http_kannel_routes));
	hc.routes = h->routes;
	hc.n_routes = h->n_routes;
	hc.authorize = http_authorize;
	hc.arg = h;
	h->httpd = gw_httpd_new(gw->base, &hc, err, errlen);
	if (h->httpd == NULL) {
		http_free_paths(h);
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
	http_free_paths(h);
	free(h);
}
