/*
 * gw_kannel.c - the Kannel channel (see gw_kannel.h).
 *
 * One struct kchan per [channel NAME] with type = kannel, implementing
 * struct gw_channel_ops: routing, rate limit, daily cap, the one message
 * in flight and what a result does to the queue are gw_channel.c's.  The
 * send is one GET to smsbox's sendsms on a libevent HTTP connection (the
 * loop never waits); its answer is the send result.  A channel that
 * keeps failing (bearerbox or smsbox gone) leaves routing and comes back
 * after a backoff (1 s doubling to 30 s); its queued messages stay
 * queued, nothing is dropped.
 *
 * The dlr-url carries the outbox id, and the id is also the send's
 * "message reference" stored with the row, so a delivery report matches
 * its message through store_outbox_report without a lookup table.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "gsm_text.h"
#include "gw_channel.h"
#include "gw_httpd.h"
#include "gw_kannel.h"
#include "gw_metrics.h"
#include "gw_ussd_adapt.h"
#include "log.h"
#include "phone.h"
#include "store.h"
#include "util.h"

#define KANNEL_BACKOFF_MAX_S 30
#define KANNEL_KICK_MS	     1000 /* safety pass over the queue */
#define KANNEL_ID_MAX	     64	  /* bytes of Kannel's message id */
#define KANNEL_TEXT_MAX	     4096 /* bytes of an inbound text */

struct kchan {
	struct gw_channel ch;	/* embedded: gw_channel.c's view */
	struct gw_kannel *k;	/* owner */
	char *name;
	char *host;
	char *path;		/* of sendsms_url, with its query if any */
	int port;
	int up;			/* in routing */
	int backoff_s;
	struct event *ev_up;	/* back into routing after a take-down */
	struct evhttp_connection *conn;
	struct evhttp_request *req; /* in flight, NULL none */
	int64_t out_id;		/* the message of req */
	int out_parts;
	/* A final delivery report that came before smsbox's answer to the
	 * sendsms (the fake SMSC and fast operators do that): applied once
	 * the send is recorded.  0 = none. */
	int early_type;
	char *early_to;
};

struct gw_kannel {
	struct gateway *gw;
	struct kchan **c;
	size_t n;
	struct event *ev_kick;
	int stopping;
};

static int kch_healthy(const struct gw_channel *);
static int kch_idle(const struct gw_channel *);
static void kch_limits(const struct gw_channel *, struct gw_channel_limits *);
static int kch_send(struct gw_channel *, const struct store_outbound *);
static void kch_take_down(struct gw_channel *, const char *);

static const struct gw_channel_ops kannel_channel_ops = {
	.kind = "kannel",
	.healthy = kch_healthy,
	.idle = kch_idle,
	.limits = kch_limits,
	.send = kch_send,
	.take_down = kch_take_down,
};

static int
kch_healthy(const struct gw_channel *ch)
{
	const struct kchan *kc = ch->impl;

	return kc->up;
}

static int
kch_idle(const struct gw_channel *ch)
{
	const struct kchan *kc = ch->impl;

	return !kc->k->stopping && kc->req == NULL &&
	    config_channel(kc->k->gw->conf, kc->name) != NULL;
}

static void
kch_limits(const struct gw_channel *ch, struct gw_channel_limits *lim)
{
	const struct kchan *kc = ch->impl;
	const struct channel_conf *cc = config_channel(kc->k->gw->conf,
	    kc->name);

	memset(lim, 0, sizeof(*lim));
	if (cc == NULL)
		return;
	lim->send_per_minute = cc->send_per_minute;
	lim->daily_cap = cc->daily_cap;
}

static void
kch_set_state(struct kchan *kc, const char *state, const char *error)
{
	if (store_channel_set_state(kc->k->gw->store, kc->name, state, error,
	    clock_now_ms()) != 0)
		log_warnx("kannel %s: cannot record state %s", kc->name,
		    state);
}

static void
kch_up_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct kchan *kc = arg;

	UNUSED(fd);
	UNUSED(ev);
	if (kc->k->stopping)
		return;
	log_info("kannel %s: back in routing", kc->name);
	kc->up = 1;
	kch_set_state(kc, "up", "");
	gw_kannel_kick(kc->k);
}

/* Out of routing; back after the backoff (the next send is the probe). */
static void
kch_take_down(struct gw_channel *ch, const char *why)
{
	struct kchan *kc = ch->impl;
	struct timeval tv = { kc->backoff_s, 0 };

	log_warnx("kannel %s: out of routing for %d s: %s", kc->name,
	    kc->backoff_s, why);
	kc->up = 0;
	kch_set_state(kc, "down", why);
	evtimer_add(kc->ev_up, &tv);
	kc->backoff_s = kc->backoff_s * 2 > KANNEL_BACKOFF_MAX_S ?
	    KANNEL_BACKOFF_MAX_S : kc->backoff_s * 2;
}

/* The Kannel channels as gw_channel.c wants them; caller frees. */
static struct gw_channel **
kannel_channels(struct gw_kannel *k)
{
	struct gw_channel **all = xcalloc(k->n + 1, sizeof(*all));

	for (size_t i = 0; i < k->n; i++)
		all[i] = &k->c[i]->ch;
	return all;
}

static void
kch_result(struct kchan *kc, int ok, int permanent, const char *error)
{
	struct gw_kannel *k = kc->k;
	struct gw_channel_result res;
	struct gw_channel **all;
	char *early_to;
	int early, rc;

	res.outbox_id = kc->out_id;
	res.ok = ok;
	res.parts = kc->out_parts;
	/* The outbox id as the message reference: the dlr-url carries it. */
	res.mr = (int)(kc->out_id & 0x7fffffff);
	res.permanent = permanent;
	res.error = error;
	kc->req = NULL;
	kc->out_id = 0;
	early = kc->early_type;
	early_to = kc->early_to;
	kc->early_type = 0;
	kc->early_to = NULL;
	if (ok)
		kc->backoff_s = 1;
	gw_metrics_count("stafeta_kannel_sendsms_total", "channel", kc->name,
	    "result", ok ? "accepted" : permanent ? "refused" : "retry", NULL);
	all = kannel_channels(k);
	rc = gw_channel_result(&kc->ch, all, k->n, k->gw->store, k->gw->conf,
	    &res);
	free(all);
	if (early != 0 && ok && rc >= 0)
		gw_kannel_report(k->gw, kc->name, res.outbox_id, early_to,
		    early);
	free(early_to);
}

/*
 * smsbox or bearerbox is away: not the message's fault, so no attempt is
 * counted (a long outage would otherwise fail every queued message).
 * The message goes back to the queue as it was and the channel leaves
 * routing for its backoff; the next send after it is the probe.
 */
static void
kch_unreachable(struct kchan *kc, const char *why)
{
	struct gw_kannel *k = kc->k;

	if (store_outbox_requeue_sending(k->gw->store, kc->name) != 0)
		log_warnx("kannel %s: cannot requeue out %lld (it stays "
		    "in flight until restart)", kc->name,
		    (long long)kc->out_id);
	log_info("kannel %s: out %lld requeued: %s", kc->name,
	    (long long)kc->out_id, why);
	gw_metrics_count("stafeta_kannel_sendsms_total", "channel", kc->name,
	    "result", "unreachable", NULL);
	kc->req = NULL;
	kc->out_id = 0;
	kc->early_type = 0;
	free(kc->early_to);
	kc->early_to = NULL;
	gw_channel_reset(&kc->ch);
	kc->ch.fail_streak++;
	if (kc->up)
		kch_take_down(&kc->ch, why);
}

/* smsbox's answer to one sendsms. */
static void
kch_done_cb(struct evhttp_request *req, void *arg)
{
	struct kchan *kc = arg;
	char why[96];
	int code;

	if (kc->k->stopping || kc->req == NULL)
		return;
	code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	if (code == 202 || code == 200) {
		kch_result(kc, 1, 0, "");
		gw_kannel_kick(kc->k);
		return;
	}
	if (code == 0 || code == 503) {
		kch_unreachable(kc, code == 0 ? "smsbox unreachable" :
		    "smsbox answered 503 (bearerbox away)");
		return;
	}
	snprintf(why, sizeof(why), "smsbox answered %d", code);
	/* 4xx but timeouts and throttling: the request itself is wrong
	 * (credentials, number); retrying cannot help. */
	kch_result(kc, 0, code >= 400 && code < 500 && code != 408 &&
	    code != 429, why);
}

/* Appends "&name=value" with value URL-encoded. */
static void
kch_param(struct buf *b, const char *name, const char *value)
{
	char *enc = evhttp_uriencode(value, -1, 0);

	if (enc == NULL || buf_printf(b, "%s%s=%s", b->len > 0 ? "&" : "",
	    name, enc) != 0)
		fatalx("kannel: out of memory");
	free(enc);
}

/* The base URL Kannel calls back: callback_url, else [http] listen. */
static char *
kch_callback(const struct gw_config *conf, const struct channel_conf *cc)
{
	char host[256];
	uint16_t port;

	if (cc->callback_url != NULL)
		return xstrdup(cc->callback_url);
	if (conf->http_listen == NULL || gw_httpd_split_listen(
	    conf->http_listen, host, sizeof(host), &port) != 0)
		return xstrdup("http://127.0.0.1");
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "*") == 0 ||
	    host[0] == '\0')
		strlcpy_s(host, "127.0.0.1", sizeof(host));
	else if (strcmp(host, "::") == 0)
		strlcpy_s(host, "[::1]", sizeof(host));
	else if (strchr(host, ':') != NULL) {
		char v6[260];

		snprintf(v6, sizeof(v6), "[%s]", host);
		strlcpy_s(host, v6, sizeof(host));
	}
	return xasprintf("http://%s:%u", host, (unsigned)port);
}

static void
kch_fail_later_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct kchan *kc = arg;

	UNUSED(fd);
	UNUSED(ev);
	if (!kc->k->stopping && kc->out_id != 0)
		kch_result(kc, 0, 0, "cannot make the sendsms request");
}

/*
 * One message to smsbox, whole: Kannel splits a long text into
 * concatenated parts itself.  GSM-7 as coding 0; anything else as UCS-2
 * (coding 2); the text is UTF-8 either way (charset), Kannel converts.
 */
static int
kch_send(struct gw_channel *ch, const struct store_outbound *out)
{
	struct kchan *kc = ch->impl;
	struct gw_kannel *k = kc->k;
	const struct gw_config *conf = k->gw->conf;
	const struct channel_conf *cc = config_channel(conf, kc->name);
	struct evhttp_request *req;
	struct buf q, dlr;
	char *base, *uri, *to;

	kc->out_id = out->id;
	kc->out_parts = out->parts;
	if (cc == NULL) {
		event_base_once(k->gw->base, -1, EV_TIMEOUT, kch_fail_later_cb,
		    kc, NULL);
		return 0;
	}
	buf_init(&q, 0);
	buf_init(&dlr, 0);
	kch_param(&q, "username", cc->username);
	kch_param(&q, "password", cc->password);
	kch_param(&q, "to", out->recipient);
	kch_param(&q, "text", out->text);
	kch_param(&q, "charset", "UTF-8");
	kch_param(&q, "coding", gsm_text_is_gsm7(out->text) ? "0" : "2");
	if (cc->smsc != NULL)
		kch_param(&q, "smsc", cc->smsc);
	if (cc->from != NULL)
		kch_param(&q, "from", cc->from);
	if (cc->dlr_mask > 0) {
		base = kch_callback(conf, cc);
		/* %d is Kannel's: the report's type. */
		to = evhttp_uriencode(out->recipient, -1, 0);
		if (to == NULL || buf_printf(&dlr, "%s/kannel/dlr?channel=%s&"
		    "out=%lld&to=%s&type=%%d", base, kc->name,
		    (long long)out->id, to) != 0)
			fatalx("kannel: out of memory");
		free(to);
		free(base);
		if (conf->http_secret != NULL) {
			char *s = evhttp_uriencode(conf->http_secret, -1, 0);

			if (s == NULL || buf_printf(&dlr, "&secret=%s", s) != 0)
				fatalx("kannel: out of memory");
			free(s);
		}
		if (buf_printf(&q, "&dlr-mask=%d", cc->dlr_mask) != 0)
			fatalx("kannel: out of memory");
		kch_param(&q, "dlr-url", dlr.data);
	}
	uri = xasprintf("%s%c%s", kc->path, strchr(kc->path, '?') != NULL ?
	    '&' : '?', q.data);
	buf_free(&q);
	buf_free(&dlr);
	req = evhttp_request_new(kch_done_cb, kc);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    kc->host);
	kc->req = req;
	if (evhttp_make_request(kc->conn, req, EVHTTP_REQ_GET, uri) != 0) {
		/* Reported from the loop, not from inside the dispatch that
		 * handed the message over. */
		kc->req = NULL;
		event_base_once(k->gw->base, -1, EV_TIMEOUT, kch_fail_later_cb,
		    kc, NULL);
	}
	free(uri);
	log_debug("kannel %s: out %lld to smsbox", kc->name,
	    (long long)out->id);
	return 0;
}

static void
kannel_kick_cb(evutil_socket_t fd, short ev, void *arg)
{
	UNUSED(fd);
	UNUSED(ev);
	gw_kannel_kick(arg);
}

int
gw_kannel_hold_report(struct gw_kannel *k, const char *channel,
    int64_t out_id, const char *to, int type)
{
	for (size_t i = 0; k != NULL && i < k->n; i++) {
		struct kchan *kc = k->c[i];

		if (strcmp(kc->name, channel) != 0 || kc->req == NULL ||
		    kc->out_id != out_id)
			continue;
		free(kc->early_to);
		kc->early_to = xstrdup(to);
		kc->early_type = type;
		return 1;
	}
	return 0;
}

void
gw_kannel_kick(struct gw_kannel *k)
{
	struct gw_channel **all;

	if (k == NULL || k->stopping || k->n == 0)
		return;
	all = kannel_channels(k);
	gw_channel_dispatch(all, k->n, k->gw->store);
	free(all);
}

static struct kchan *
kch_new(struct gw_kannel *k, const struct channel_conf *cc, char *err,
    size_t errlen)
{
	struct evhttp_uri *u;
	struct kchan *kc;
	const char *host, *path, *query;
	int port;

	u = evhttp_uri_parse(cc->sendsms_url);
	if (u == NULL || (host = evhttp_uri_get_host(u)) == NULL) {
		snprintf(err, errlen, "channel %s: cannot parse sendsms_url",
		    cc->name);
		if (u != NULL)
			evhttp_uri_free(u);
		return NULL;
	}
	port = evhttp_uri_get_port(u);
	path = evhttp_uri_get_path(u);
	query = evhttp_uri_get_query(u);
	kc = xcalloc(1, sizeof(*kc));
	kc->k = k;
	kc->name = xstrdup(cc->name);
	kc->host = xstrdup(host);
	kc->port = port > 0 ? port : 80;
	kc->path = xasprintf("%s%s%s", path != NULL && path[0] != '\0' ? path :
	    "/", query != NULL ? "?" : "", query != NULL ? query : "");
	evhttp_uri_free(u);
	kc->up = 1;
	kc->backoff_s = 1;
	kc->conn = evhttp_connection_base_new(k->gw->base, NULL, kc->host,
	    (uint16_t)kc->port);
	if (kc->conn == NULL)
		fatalx("kannel: evhttp_connection_base_new");
	evhttp_connection_set_timeout(kc->conn, cc->timeout_s);
	evhttp_connection_set_retries(kc->conn, 0);
	kc->ev_up = evtimer_new(k->gw->base, kch_up_cb, kc);
	if (kc->ev_up == NULL)
		fatalx("kannel: evtimer_new");
	gw_channel_init(&kc->ch, &kannel_channel_ops, kc, kc->name);
	return kc;
}

static void
kch_free(struct kchan *kc)
{
	if (kc == NULL)
		return;
	/* An answer still pending is dropped: its row stays SENDING and the
	 * next start requeues it. */
	if (kc->conn != NULL)
		evhttp_connection_free(kc->conn);
	if (kc->ev_up != NULL)
		event_free(kc->ev_up);
	free(kc->early_to);
	free(kc->name);
	free(kc->host);
	free(kc->path);
	free(kc);
}

struct gw_kannel *
gw_kannel_new(struct gateway *gw, char *err, size_t errlen)
{
	const struct gw_config *conf = gw->conf;
	struct gw_kannel *k;
	struct kchan *kc;
	struct timeval tv = { 0, KANNEL_KICK_MS * 1000 };
	int64_t now = clock_now_ms();

	k = xcalloc(1, sizeof(*k));
	k->gw = gw;
	for (size_t i = 0; i < conf->n_channels; i++) {
		const struct channel_conf *cc = &conf->channels[i];

		if (strcmp(cc->type, "kannel") != 0)
			continue;
		kc = kch_new(k, cc, err, errlen);
		if (kc == NULL) {
			gw_kannel_free(k);
			return NULL;
		}
		k->c = xrealloc(k->c, (k->n + 1) * sizeof(*k->c));
		k->c[k->n++] = kc;
		/* Messages a previous run handed over without an answer go
		 * back to the queue: at most each of them twice. */
		gw_channel_requeue(&kc->ch, gw->store);
		gw_channel_load_count(&kc->ch, gw->store, now);
		kch_set_state(kc, "up", "");
		log_info("kannel %s: sendsms at %s:%d", kc->name, kc->host,
		    kc->port);
	}
	k->ev_kick = event_new(gw->base, -1, EV_PERSIST, kannel_kick_cb, k);
	if (k->ev_kick == NULL)
		fatalx("kannel: event_new");
	if (k->n > 0)
		event_add(k->ev_kick, &tv);
	return k;
}

void
gw_kannel_free(struct gw_kannel *k)
{
	if (k == NULL)
		return;
	k->stopping = 1;
	for (size_t i = 0; i < k->n; i++)
		kch_free(k->c[i]);
	free(k->c);
	if (k->ev_kick != NULL)
		event_free(k->ev_kick);
	free(k);
}
