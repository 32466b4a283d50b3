/*
 * gw_metrics.c - the metrics registry and the /metrics endpoint
 * (gw_metrics.h).
 *
 * Series live in one array in first-use order; a scrape writes each
 * metric name once with its HELP and TYPE and then all its series, and
 * then the figures read from the store.  The number of series is bounded
 * (labels are names of listeners, reasons, channels), and a series past
 * the bound is dropped with one log line rather than grown without end.
 */
#include <sys/types.h>

#include <event2/buffer.h>
#include <stdarg.h>
#include <stdio.h>
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
#include "store_sql.h"
#include "util.h"

#define METRICS_SERIES_MAX 1024
#define METRICS_BODY_MAX 0	/* GET only */

enum metric_type {
	METRIC_COUNTER = 0,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
};

static const double metric_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKETS NELEM(metric_buckets)

struct metric_series {
	char *name;
	char *labels;		/* `a="b",c="d"` or "" */
	enum metric_type type;
	double value;		/* counter, gauge; histogram: sum */
	uint64_t count;		/* histogram */
	uint64_t bucket[NBUCKETS]; /* histogram, not cumulative */
};

static struct metric_series *series;
static size_t n_series;
static int series_full_logged;

/* HELP texts of the metrics the gateway knows; others get a plain one. */
static const struct {
	const char *name;
	const char *help;
} metric_help[] = {
	{ "stafeta_http_rejections_total",
	  "HTTP connections or requests refused, by listener and reason" },
	{ "stafeta_http_accept_errors_total",
	  "accept() failures (accepting then pauses)" },
	{ "stafeta_http_connections", "HTTP connections open now" },
	{ "stafeta_ussd_requests_total", "USSD requests answered, by result" },
	{ "stafeta_batch_commits_total",
	  "durable transactions of group commit (USSD requests, Kannel MOs)" },
	{ "stafeta_batch_units_total",
	  "requests run inside those transactions" },
	{ "stafeta_ussd_request_duration_seconds",
	  "time to answer a USSD request" },
	{ "stafeta_quarantined_slots_total",
	  "unreadable SIM slots copied aside and removed, by channel" },
	{ "stafeta_flood_unanswered_total",
	  "messages stored but not answered: their sender was flooding" },
	{ "stafeta_flood_silences_total",
	  "senders silenced for flooding ([limits])" },
	{ "stafeta_messages_in_total", "inbound messages stored, by channel" },
	{ "stafeta_messages_out", "outbound messages by channel and state" },
	{ "stafeta_queue_depth", "messages queued, not yet handed to a channel" },
	{ "stafeta_queue_oldest_age_seconds",
	  "age of the oldest queued message (0 when none)" },
	{ "stafeta_channel_up", "1 if the channel is up" },
	{ "stafeta_channel_state", "the channel's state (value 1)" },
	{ "stafeta_channel_signal_percent", "signal strength, -1 unknown" },
	{ "stafeta_channel_credit", "last credit balance read" },
	{ "stafeta_channel_sent_today", "parts sent this UTC day" },
	{ "stafeta_dialogues_active", "dialogues in progress, by flow" },
	{ "stafeta_dialogues_started_total", "dialogues started, by flow" },
	{ "stafeta_dialogues_completed_total",
	  "dialogues completed, by flow and how: end, cancel, expired, "
	  "error" },
	{ "stafeta_sheets", "Observation Sheets by state" },
	{ "stafeta_sheet_visits_overdue",
	  "sheets still waiting for a visit past their deadline" },
};

static const char *
help_of(const char *name)
{
	for (size_t i = 0; i < NELEM(metric_help); i++) {
		if (strcmp(metric_help[i].name, name) == 0)
			return metric_help[i].help;
	}
	return "stafeta metric";
}

static const char *
type_name(enum metric_type t)
{
	switch (t) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_GAUGE:
		return "gauge";
	case METRIC_HISTOGRAM:
		return "histogram";
	}
	return "untyped";
}

/* Label values escaped as the text format wants (\\, \", \n). */
static void
label_append(struct evbuffer *b, const char *k, const char *v, int first)
{
	if (!first)
		evbuffer_add(b, ",", 1);
	evbuffer_add_printf(b, "%s=\"", k);
	for (; v != NULL && *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add_printf(b, "\\%c", *v);
		else if (*v == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, v, 1);
	}
	evbuffer_add(b, "\"", 1);
}

static char *
labels_format(va_list ap)
{
	struct evbuffer *b = evbuffer_new();
	const char *k, *v;
	char *s;
	size_t len;
	int first = 1;

	if (b == NULL)
		fatalx("metrics: evbuffer_new");
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		label_append(b, k, v, first);
		first = 0;
	}
	len = evbuffer_get_length(b);
	s = xmalloc(len + 1);
	evbuffer_remove(b, s, len);
	s[len] = '\0';
	evbuffer_free(b);
	return s;
}

static struct metric_series *
series_get(const char *name, enum metric_type type, va_list ap)
{
	char *labels = labels_format(ap);
	struct metric_series *s;

	for (size_t i = 0; i < n_series; i++) {
		if (strcmp(series[i].name, name) == 0 &&
		    strcmp(series[i].labels, labels) == 0) {
			free(labels);
			return &series[i];
		}
	}
	if (n_series >= METRICS_SERIES_MAX) {
		if (!series_full_logged)
			log_warnx("metrics: more than %d series, new ones "
			    "dropped", METRICS_SERIES_MAX);
		series_full_logged = 1;
		free(labels);
		return NULL;
	}
	if (series == NULL)
		series = xcalloc(METRICS_SERIES_MAX, sizeof(*series));
	s = &series[n_series++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->labels = labels;
	s->type = type;
	return s;
}

void
gw_metrics_count(const char *name, ...)
{
	struct metric_series *s;
	va_list ap;

	va_start(ap, name);
	s = series_get(name, METRIC_COUNTER, ap);
	va_end(ap);
	if (s != NULL)
		s->value += 1;
}

void
gw_metrics_add(const char *name, uint64_t n, ...)
{
	struct metric_series *s;
	va_list ap;

	va_start(ap, n);
	s = series_get(name, METRIC_COUNTER, ap);
	va_end(ap);
	if (s != NULL)
		s->value += (double)n;
}

void
gw_metrics_set(const char *name, double v, ...)
{
	struct metric_series *s;
	va_list ap;

	va_start(ap, v);
	s = series_get(name, METRIC_GAUGE, ap);
	va_end(ap);
	if (s != NULL)
		s->value = v;
}

void
gw_metrics_observe(const char *name, double v, ...)
{
	struct metric_series *s;
	va_list ap;

	va_start(ap, v);
	s = series_get(name, METRIC_HISTOGRAM, ap);
	va_end(ap);
	if (s == NULL)
		return;
	s->value += v;
	s->count++;
	for (size_t i = 0; i < NBUCKETS; i++) {
		if (v <= metric_buckets[i]) {
			s->bucket[i]++;
			break;
		}
	}
}

void
gw_metrics_reset(void)
{
	for (size_t i = 0; i < n_series; i++) {
		free(series[i].name);
		free(series[i].labels);
	}
	free(series);
	series = NULL;
	n_series = 0;
	series_full_logged = 0;
}

static void
write_head(struct evbuffer *b, const char *name, enum metric_type t)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name,
	    help_of(name), name, type_name(t));
}

/* A value as the text format writes it (integers without a point). */
static void
write_value(struct evbuffer *b, double v)
{
	if (v == (double)(int64_t)v && v < 9e15 && v > -9e15)
		evbuffer_add_printf(b, " %lld\n", (long long)v);
	else
		evbuffer_add_printf(b, " %.6g\n", v);
}

static void
write_series(struct evbuffer *b, const struct metric_series *s)
{
	uint64_t cum = 0;
	const char *sep = s->labels[0] != '\0' ? "," : "";

	if (s->type != METRIC_HISTOGRAM) {
		evbuffer_add_printf(b, "%s%s%s%s", s->name,
		    s->labels[0] != '\0' ? "{" : "", s->labels,
		    s->labels[0] != '\0' ? "}" : "");
		write_value(b, s->value);
		return;
	}
	for (size_t i = 0; i < NBUCKETS; i++) {
		cum += s->bucket[i];
		evbuffer_add_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n",
		    s->name, s->labels, sep, metric_buckets[i],
		    (unsigned long long)cum);
	}
	evbuffer_add_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", s->name,
	    s->labels, sep, (unsigned long long)s->count);
	evbuffer_add_printf(b, "%s_sum%s%s%s", s->name,
	    s->labels[0] != '\0' ? "{" : "", s->labels,
	    s->labels[0] != '\0' ? "}" : "");
	write_value(b, s->value);
	evbuffer_add_printf(b, "%s_count%s%s%s %llu\n", s->name,
	    s->labels[0] != '\0' ? "{" : "", s->labels,
	    s->labels[0] != '\0' ? "}" : "", (unsigned long long)s->count);
}

static void
render_registry(struct evbuffer *b)
{
	/* Counters another part feeds, shown at 0 before the first event. */
	static const char *const always[] = {
		"stafeta_quarantined_slots_total",
		"stafeta_flood_unanswered_total",
		"stafeta_flood_silences_total",
	};

	for (size_t i = 0; i < NELEM(always); i++) {
		int seen = 0;

		for (size_t j = 0; j < n_series && !seen; j++)
			seen = strcmp(series[j].name, always[i]) == 0;
		if (!seen) {
			write_head(b, always[i], METRIC_COUNTER);
			evbuffer_add_printf(b, "%s 0\n", always[i]);
		}
	}
	for (size_t i = 0; i < n_series; i++) {
		int first = 1;

		for (size_t j = 0; j < i && first; j++)
			first = strcmp(series[j].name, series[i].name) != 0;
		if (!first)
			continue;
		write_head(b, series[i].name, series[i].type);
		for (size_t j = i; j < n_series; j++) {
			if (strcmp(series[j].name, series[i].name) == 0)
				write_series(b, &series[j]);
		}
	}
}

static char *
buffer_take(struct evbuffer *b)
{
	size_t len = evbuffer_get_length(b);
	char *s = xmalloc(len + 1);

	evbuffer_remove(b, s, len);
	s[len] = '\0';
	return s;
}

char *
gw_metrics_render_registry(void)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	if (b == NULL)
		fatalx("metrics: evbuffer_new");
	render_registry(b);
	s = buffer_take(b);
	evbuffer_free(b);
	return s;
}

/* The store's figures.  Each query is small at a commune's scale (a few
 * thousand rows a year); one scrape a minute costs nothing. */

static const char in_sql[] =
    "SELECT channel, count(*) FROM inbound GROUP BY channel ORDER BY channel";
static const char out_sql[] =
    "SELECT coalesce(channel, ''), state, count(*) FROM outbox"
    " GROUP BY 1, 2 ORDER BY 1, 2";
static const char queue_sql[] =
    "SELECT count(*), coalesce(min(created_at), 0) FROM outbox"
    " WHERE state = 0";
static const char chan_sql[] =
    "SELECT name, kind, state, signal_percent, balance, sent_today"
    " FROM channels ORDER BY name";
static const char dialogues_sql[] =
    "SELECT flow, count(*) FROM flow_sessions GROUP BY flow ORDER BY flow";
/* The sheet service's table, read-only; keep the states in step with
 * sheet_store.c (SHEET_OPEN). */
static const char sheets_sql[] =
    "SELECT state, count(*) FROM sheets GROUP BY state ORDER BY state";
static const char overdue_sql[] =
    "SELECT count(*) FROM sheets WHERE state IN ('new', 'visit_pending',"
    " 'visit_scheduled') AND visit_deadline < ?1";

static void
labels1(struct evbuffer *b, const char *name, const char *k, const char *v)
{
	evbuffer_add_printf(b, "%s{", name);
	label_append(b, k, v, 1);
	evbuffer_add(b, "}", 1);
}

/* name{label="column 0"} column 1, for every row of a GROUP BY query:
 * 0, or -1 on a store error. */
static int
render_grouped(struct evbuffer *b, struct store *st, const char *sql,
    const char *name, enum metric_type type, const char *label)
{
	struct store_sql *q = store_sql_prepare(st, sql);
	int rc;

	if (q == NULL)
		return -1;
	write_head(b, name, type);
	while ((rc = store_sql_step(q, name)) == 1) {
		labels1(b, name, label, store_sql_col_text(q, 0));
		evbuffer_add_printf(b, " %lld\n",
		    (long long)store_sql_col_int64(q, 1));
	}
	store_sql_done(q);
	return rc == 0 ? 0 : -1;
}

static int
render_store(struct evbuffer *b, struct store *st, int64_t now)
{
	struct store_sql *q;
	int rc, ok = 1;

#define QUERY(sql) q = store_sql_prepare(st, sql); if (q == NULL) return -1
	ok &= render_grouped(b, st, in_sql, "stafeta_messages_in_total",
	    METRIC_COUNTER, "channel") == 0;

	QUERY(out_sql);
	write_head(b, "stafeta_messages_out", METRIC_GAUGE);
	while ((rc = store_sql_step(q, "metrics outbox")) == 1) {
		evbuffer_add_printf(b, "stafeta_messages_out{");
		label_append(b, "channel", store_sql_col_text(q, 0), 1);
		label_append(b, "state",
		    store_out_strstate(store_sql_col_int(q, 1)), 0);
		evbuffer_add_printf(b, "} %lld\n",
		    (long long)store_sql_col_int64(q, 2));
	}
	ok &= rc == 0;
	store_sql_done(q);

	QUERY(queue_sql);
	rc = store_sql_step(q, "metrics queue");
	if (rc == 1) {
		int64_t oldest = store_sql_col_int64(q, 1);

		write_head(b, "stafeta_queue_depth", METRIC_GAUGE);
		evbuffer_add_printf(b, "stafeta_queue_depth %lld\n",
		    (long long)store_sql_col_int64(q, 0));
		write_head(b, "stafeta_queue_oldest_age_seconds", METRIC_GAUGE);
		evbuffer_add_printf(b, "stafeta_queue_oldest_age_seconds %lld\n",
		    (long long)(oldest > 0 && now > oldest ?
		    (now - oldest) / 1000 : 0));
	}
	ok &= rc >= 0;
	store_sql_done(q);

	QUERY(chan_sql);
	{
		struct evbuffer *up = evbuffer_new(), *state = evbuffer_new(),
		    *sig = evbuffer_new(), *cred = evbuffer_new(),
		    *sent = evbuffer_new();
		int n_up = 0;

		if (up == NULL || state == NULL || sig == NULL ||
		    cred == NULL || sent == NULL)
			fatalx("metrics: evbuffer_new");
		write_head(up, "stafeta_channel_up", METRIC_GAUGE);
		write_head(state, "stafeta_channel_state", METRIC_GAUGE);
		write_head(sig, "stafeta_channel_signal_percent", METRIC_GAUGE);
		write_head(cred, "stafeta_channel_credit", METRIC_GAUGE);
		write_head(sent, "stafeta_channel_sent_today", METRIC_GAUGE);
		while ((rc = store_sql_step(q, "metrics channels")) == 1) {
			const char *name = store_sql_col_text(q, 0);
			const char *st_name = store_sql_col_text(q, 2);

			int is_up = st_name != NULL && strcmp(st_name, "up") == 0;

			labels1(up, "stafeta_channel_up", "channel", name);
			evbuffer_add_printf(up, " %d\n", is_up);
			n_up += is_up;
			evbuffer_add_printf(state, "stafeta_channel_state{");
			label_append(state, "channel", name, 1);
			label_append(state, "kind", store_sql_col_text(q, 1),
			    0);
			label_append(state, "state", st_name, 0);
			evbuffer_add_printf(state, "} 1\n");
			labels1(sig, "stafeta_channel_signal_percent",
			    "channel", name);
			evbuffer_add_printf(sig, " %d\n",
			    store_sql_col_int(q, 3));
			if (!store_sql_col_is_null(q, 4)) {
				labels1(cred, "stafeta_channel_credit",
				    "channel", name);
				/* REAL column read as text keeps its digits. */
				evbuffer_add_printf(cred, " %s\n",
				    store_sql_col_text(q, 4));
			}
			labels1(sent, "stafeta_channel_sent_today", "channel",
			    name);
			evbuffer_add_printf(sent, " %d\n",
			    store_sql_col_int(q, 5));
		}
		ok &= rc == 0;
		write_head(b, "stafeta_channels_up", METRIC_GAUGE);
		evbuffer_add_printf(b, "stafeta_channels_up %d\n", n_up);
		evbuffer_add_buffer(b, up);
		evbuffer_add_buffer(b, state);
		evbuffer_add_buffer(b, sig);
		evbuffer_add_buffer(b, cred);
		evbuffer_add_buffer(b, sent);
		evbuffer_free(up);
		evbuffer_free(state);
		evbuffer_free(sig);
		evbuffer_free(cred);
		evbuffer_free(sent);
	}
	store_sql_done(q);

	{
		/* Alerts no channel has taken: waiting for one to come up
		 * (see gw_alerts.c). */
		int64_t n_alerts = 0, oldest_alert = 0;

		if (store_outbox_alerts_waiting(st, &n_alerts,
		    &oldest_alert) != 0)
			ok = 0;
		write_head(b, "stafeta_alerts_waiting", METRIC_GAUGE);
		evbuffer_add_printf(b, "stafeta_alerts_waiting %lld\n",
		    (long long)n_alerts);
	}

	ok &= render_grouped(b, st, dialogues_sql, "stafeta_dialogues_active",
	    METRIC_GAUGE, "flow") == 0;

	ok &= render_grouped(b, st, sheets_sql, "stafeta_sheets", METRIC_GAUGE,
	    "state") == 0;

	QUERY(overdue_sql);
	store_sql_bind_int64(q, 1, now);
	rc = store_sql_step(q, "metrics overdue");
	if (rc == 1) {
		write_head(b, "stafeta_sheet_visits_overdue", METRIC_GAUGE);
		evbuffer_add_printf(b, "stafeta_sheet_visits_overdue %lld\n",
		    (long long)store_sql_col_int64(q, 0));
	}
	ok &= rc >= 0;
	store_sql_done(q);
#undef QUERY
	return ok ? 0 : -1;
}

/* The engine's dialogue counts (flow_engine_stats). */
static void
render_flows(struct evbuffer *b, const struct flow_engine *e)
{
	struct flow_stats fs;
	size_t i;
	int how;

	if (e == NULL)
		return;
	write_head(b, "stafeta_dialogues_started_total", METRIC_COUNTER);
	for (i = 0; flow_engine_stats(e, i, &fs) == 0; i++) {
		labels1(b, "stafeta_dialogues_started_total", "flow", fs.flow);
		evbuffer_add_printf(b, " %llu\n",
		    (unsigned long long)fs.started);
	}
	write_head(b, "stafeta_dialogues_completed_total", METRIC_COUNTER);
	for (i = 0; flow_engine_stats(e, i, &fs) == 0; i++) {
		for (how = 0; how < FLOW_HOW_N; how++) {
			evbuffer_add_printf(b,
			    "stafeta_dialogues_completed_total{");
			label_append(b, "flow", fs.flow, 1);
			label_append(b, "how", flow_strhow((enum flow_how)how),
			    0);
			evbuffer_add_printf(b, "} %llu\n",
			    (unsigned long long)fs.completed[how]);
		}
	}
}

struct gw_metrics {
	struct gateway *gw;	/* borrowed */
	struct gw_httpd *httpd;
};

static void
metrics_get(void *arg, struct gw_httpd_req *req)
{
	struct gw_metrics *m = arg;
	struct evbuffer *b = evbuffer_new();
	char *text;
	size_t len;

	if (b == NULL)
		fatalx("metrics: evbuffer_new");
	render_registry(b);
	render_flows(b, m->gw->flows);
	if (render_store(b, m->gw->store, clock_now_ms()) != 0) {
		evbuffer_free(b);
		gw_httpd_reply(req, 500, "Internal Server Error", NULL,
		    "store error\n", 12);
		return;
	}
	len = evbuffer_get_length(b);
	text = buffer_take(b);
	evbuffer_free(b);
	gw_httpd_reply(req, 200, "OK", "text/plain; version=0.0.4; "
	    "charset=utf-8", text, len);
	free(text);
}

static int
metrics_authorize(void *arg, const struct gw_httpd_req *req)
{
	struct gw_metrics *m = arg;
	const struct gw_config *conf = m->gw->conf;

	return gw_httpguard_allowed(conf->metrics_allow,
	    conf->n_metrics_allow, gw_httpd_req_peer(req)) ? 0 : 403;
}

static const struct gw_httpd_route metrics_routes[] = {
	{ .path = "/metrics", .methods = GW_HTTPD_GET | GW_HTTPD_HEAD,
	  .allow = "GET, HEAD", .protected_route = 1,
	  .handler = metrics_get },
};

struct gw_metrics *
gw_metrics_new(struct gateway *gw, char *err, size_t errlen)
{
	struct gw_metrics *m = xcalloc(1, sizeof(*m));
	struct gw_httpd_conf hc;

	m->gw = gw;
	gw_httpd_conf_init(&hc, gw->conf, "metrics", gw->conf->metrics_listen);
	hc.max_body = METRICS_BODY_MAX;
	hc.routes = metrics_routes;
	hc.n_routes = NELEM(metrics_routes);
	hc.authorize = metrics_authorize;
	hc.arg = m;
	m->httpd = gw_httpd_new(gw->base, &hc, err, errlen);
	if (m->httpd == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
gw_metrics_free(struct gw_metrics *m)
{
	if (m == NULL)
		return;
	gw_httpd_free(m->httpd);
	free(m);
}
