/*
 * cli_messages.c - the operator commands about modems and messages:
 * `status`, `inbox`, `outbox` and `send`.
 *
 * Listings read the database directly (the daemon need not run).  The CSV
 * columns are a contract used by scripts and tests: the first columns and
 * their order never change; new columns are only appended.  Times are UTC
 * "YYYY-MM-DD HH:MM:SS"; text is UTF-8 exactly as stored.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "gsm_text.h"
#include "modem.h"
#include "phone.h"
#include "store.h"
#include "util.h"

#define CLI_HUMAN_LIMIT 50	 /* rows shown without --limit */
#define CLI_SNIPPET_CHARS 60	 /* text shown per row in tables */
#define CLI_SEND_MAX_BYTES 2048	 /* longest text `send` accepts */
#define CLI_MS_PER_DAY (86400 * 1000LL)

struct list_opts {
	int csv;   /* --csv */
	int limit; /* rows, 0 = all */
};

/* What `status` knows about one modem. */
struct status_modem {
	const struct modem_conf *conf; /* NULL: in the database only */
	struct store_channel_row row;  /* row.name NULL: never seen */
};

struct status_ctx {
	struct status_modem *m;
	size_t n;
};

static void list_usage(FILE *, const char *);
static int list_parse(int, char **, const char *, struct list_opts *);
static const char *cli_time(int64_t, char *, size_t);
static const char *cli_age(int64_t, int64_t, char *, size_t);
static const char *cli_snippet(const char *, char *, size_t);
static const char *cli_prio(int);
static int status_row_cb(const struct store_channel_row *, void *);
static void status_print(struct cli_ctx *, const struct status_modem *, int,
    int64_t);
static int inbox_csv_cb(const struct store_inbound *, void *);
static int inbox_human_cb(const struct store_inbound *, void *);
static int outbox_csv_cb(const struct store_outbound *, void *);
static int outbox_human_cb(const struct store_outbound *, void *);

/* ---- usage ------------------------------------------------------------ */

void
cli_status_usage(FILE *f)
{
	fprintf(f, "usage: stafeta status\n");
}

static void
list_usage(FILE *f, const char *cmd)
{
	fprintf(f, "usage: stafeta %s [--csv] [--limit N]  (N = 0 lists all)\n",
	    cmd);
}

void
cli_inbox_usage(FILE *f)
{
	list_usage(f, "inbox");
}

void
cli_outbox_usage(FILE *f)
{
	list_usage(f, "outbox");
}

void
cli_send_usage(FILE *f)
{
	fprintf(f, "usage: stafeta send [--force] NUMBER TEXT...\n");
}

/*
 * Parses "[--csv] [--limit N]" after the command name.  Returns 0, or 2
 * after printing usage.
 */
static int
list_parse(int argc, char **argv, const char *cmd, struct list_opts *o)
{
	const char *val;
	int64_t n;
	int i;

	o->csv = 0;
	o->limit = -1;
	for (i = 1; i < argc; i++) {
		val = NULL;
		if (strcmp(argv[i], "--csv") == 0) {
			o->csv = 1;
			continue;
		}
		if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			val = argv[++i];
		else if (strncmp(argv[i], "--limit=", 8) == 0)
			val = argv[i] + 8;
		if (val == NULL || parse_int64(val, 0, 10000000, &n) == -1) {
			list_usage(stderr, cmd);
			return 2;
		}
		o->limit = (int)n;
	}
	/* CSV is for scripts: everything unless told otherwise. */
	if (o->limit == -1)
		o->limit = o->csv ? 0 : CLI_HUMAN_LIMIT;
	return 0;
}

/* UTC time of a millisecond timestamp; "" for 0 (never). */
static const char *
cli_time(int64_t ms, char *buf, size_t len)
{
	if (ms <= 0) {
		buf[0] = '\0';
		return buf;
	}
	return clock_fmt_utc(ms / 1000, buf, len);
}

static const char *
cli_age(int64_t then, int64_t now, char *buf, size_t len)
{
	int64_t s;

	if (then <= 0) {
		strlcpy_s(buf, "never", len);
		return buf;
	}
	s = (now - then) / 1000;
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, len, "%llds ago", (long long)s);
	else if (s < 2 * 3600)
		snprintf(buf, len, "%lldm ago", (long long)(s / 60));
	else if (s < 2 * 86400)
		snprintf(buf, len, "%lldh ago", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lldd ago", (long long)(s / 86400));
	return buf;
}

/*
 * One-line excerpt of text for a table: control characters become
 * spaces, and a long text is cut on a UTF-8 character boundary with
 * "...".  Invalid bytes are copied; the terminal shows what it can.
 */
static const char *
cli_snippet(const char *text, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t o = 0, chars = 0, clen;

	while (*p != '\0') {
		if (*p < 0x80)
			clen = 1;
		else if ((*p & 0xe0) == 0xc0)
			clen = 2;
		else if ((*p & 0xf0) == 0xe0)
			clen = 3;
		else if ((*p & 0xf8) == 0xf0)
			clen = 4;
		else
			clen = 1;
		if (chars == CLI_SNIPPET_CHARS || o + clen + 4 > len) {
			strlcpy_s(buf + o, "...", len - o);
			return buf;
		}
		if (clen == 1) {
			buf[o++] = *p < 0x20 || *p == 0x7f ? ' ' : (char)*p;
			p++;
		} else {
			/* Stop at a truncated sequence (NUL inside). */
			while (clen-- > 0 && *p != '\0')
				buf[o++] = (char)*p++;
		}
		chars++;
	}
	buf[o] = '\0';
	return buf;
}

static const char *
cli_prio(int prio)
{
	if (prio <= STORE_PRIO_ALERT)
		return "alert";
	if (prio <= STORE_PRIO_REPLY)
		return "reply";
	return "bulk";
}

/* ---- status ---------------------------------------------------------- */

static int
status_row_cb(const struct store_channel_row *row, void *arg)
{
	struct status_ctx *sc = arg;
	struct status_modem *m = NULL;
	size_t i;

	for (i = 0; i < sc->n; i++) {
		if (sc->m[i].conf != NULL &&
		    strcmp(sc->m[i].conf->name, row->name) == 0) {
			m = &sc->m[i];
			break;
		}
	}
	if (m == NULL) {
		/* Removed from the configuration since the daemon saw it. */
		sc->m = xrealloc(sc->m, (sc->n + 1) * sizeof(*sc->m));
		m = &sc->m[sc->n++];
		memset(m, 0, sizeof(*m));
	}
	m->row = *row;
	m->row.name = xstrdup(row->name);
	m->row.state = row->state != NULL ? xstrdup(row->state) : NULL;
	m->row.network = row->network != NULL ? xstrdup(row->network) : NULL;
	m->row.error = row->error != NULL ? xstrdup(row->error) : NULL;
	m->row.kind = row->kind != NULL ? xstrdup(row->kind) : NULL;
	return 0;
}

static void
status_print(struct cli_ctx *ctx, const struct status_modem *m, int namew,
    int64_t now)
{
	char seen[32], bal[64], age[32], sig[16], sent[32], state[48];
	const struct store_channel_row *r = &m->row;
	const struct channel_conf *cc;
	const char *name;
	int64_t queued = 0, sending = 0;
	int today = 0, cap;

	name = m->conf != NULL ? m->conf->name : r->name;
	if (store_outbox_depth(ctx->store, name, &queued, &sending) == -1)
		queued = sending = -1;
	if (r->name == NULL) {
		strlcpy_s(state, "never started", sizeof(state));
		strlcpy_s(sig, "-", sizeof(sig));
		strlcpy_s(seen, "never", sizeof(seen));
		strlcpy_s(bal, "-", sizeof(bal));
	} else {
		strlcpy_s(state, r->state != NULL ? r->state : "unknown",
		    sizeof(state));
		if (r->signal_percent >= 0)
			snprintf(sig, sizeof(sig), "%d%%", r->signal_percent);
		else
			strlcpy_s(sig, "-", sizeof(sig));
		cli_age(r->last_seen, now, seen, sizeof(seen));
		if (isnan(r->balance))
			strlcpy_s(bal, "-", sizeof(bal));
		else
			snprintf(bal, sizeof(bal), "%.2f (%s)%s", r->balance,
			    cli_age(r->balance_at, now, age, sizeof(age)),
			    m->conf != NULL && m->conf->balance_ussd != NULL &&
			    r->balance < m->conf->low_credit ? " LOW" : "");
		if (r->day == now / CLI_MS_PER_DAY)
			today = r->sent_today;
	}
	/* A Kannel channel ([channel NAME]) has its own daily cap. */
	cc = m->conf == NULL && r->name != NULL ?
	    config_channel(ctx->conf, r->name) : NULL;
	cap = m->conf != NULL ? m->conf->daily_cap : cc != NULL ?
	    cc->daily_cap : 0;
	if (cap > 0)
		snprintf(sent, sizeof(sent), "%d/%d", today, cap);
	else
		snprintf(sent, sizeof(sent), "%d/-", today);
	printf("%-*s  %-14s %-6s %-14s %-10s %-20s %-10s %6lld %7lld\n", namew,
	    name, state, sig,
	    r->network != NULL && r->network[0] != '\0' ? r->network : "-",
	    seen, bal, sent, (long long)queued, (long long)sending);
}

int
cli_status_main(struct cli_ctx *ctx, int argc, char **argv)
{
	struct status_ctx sc;
	int64_t queued = 0, sending = 0, inbound = 0, now;
	size_t i, nch;
	int namew = 5, up = 0, sent = 0, rc = 0, len;

	(void)argv;
	if (argc > 1) {
		cli_status_usage(stderr);
		return 2;
	}
	now = clock_now_ms();
	memset(&sc, 0, sizeof(sc));
	sc.n = ctx->conf->n_modems;
	sc.m = xcalloc(sc.n > 0 ? sc.n : 1, sizeof(*sc.m));
	for (i = 0; i < sc.n; i++)
		sc.m[i].conf = &ctx->conf->modems[i];
	if (store_channel_list(ctx->store, status_row_cb, &sc) == -1 ||
	    store_outbox_depth(ctx->store, NULL, &queued, &sending) == -1 ||
	    store_inbound_count(ctx->store, &inbound) == -1) {
		fprintf(stderr, "stafeta: status: %s\n",
		    store_errmsg(ctx->store));
		rc = 1;
		goto done;
	}
	for (i = 0; i < sc.n; i++) {
		len = (int)strlen(sc.m[i].conf != NULL ? sc.m[i].conf->name :
		    sc.m[i].row.name);
		if (len > namew)
			namew = len;
	}
	printf("%-*s  %-14s %-6s %-14s %-10s %-20s %-10s %6s %7s\n", namew,
	    "MODEM", "STATE", "SIGNAL", "NETWORK", "LAST SEEN", "BALANCE",
	    "SENT TODAY", "QUEUED", "SENDING");
	for (i = 0; i < sc.n; i++) {
		status_print(ctx, &sc.m[i], namew, now);
		if (sc.m[i].row.state != NULL &&
		    strcmp(sc.m[i].row.state, "up") == 0)
			up++;
		if (sc.m[i].row.name != NULL &&
		    sc.m[i].row.day == now / CLI_MS_PER_DAY)
			sent += sc.m[i].row.sent_today;
	}
	for (i = 0; i < sc.n; i++) {
		if (sc.m[i].conf == NULL &&
		    config_channel(ctx->conf, sc.m[i].row.name) == NULL)
			printf("%s: not in the configuration any more\n",
			    sc.m[i].row.name);
		if (sc.m[i].row.error != NULL)
			printf("%s: last error: %s\n", sc.m[i].conf != NULL ?
			    sc.m[i].conf->name : sc.m[i].row.name,
			    sc.m[i].row.error);
	}
	/* Unreadable SIM slots copied aside (table quarantine). */
	for (i = 0; i < sc.n; i++) {
		const char *name = sc.m[i].conf != NULL ?
		    sc.m[i].conf->name : sc.m[i].row.name;
		int64_t nq = 0, last = 0;
		char age[32];

		if (name != NULL && store_quarantine_count(ctx->store, name,
		    &nq, &last) == 0 && nq > 0)
			printf("%s: %lld unreadable message%s quarantined, "
			    "last %s (table quarantine)\n", name,
			    (long long)nq, nq == 1 ? "" : "s",
			    cli_age(last, now, age, sizeof(age)));
	}
	{
		char line[768];

		if (gw_alerts_stuck(ctx->store, line, sizeof(line), NULL) == 1)
			printf("%s\n", line);
	}
	/* Kannel channels count as modems here (the same rows). */
	nch = ctx->conf->n_modems + ctx->conf->n_channels;
	printf("total: %zu modem%s (%d up), %lld queued, %lld sending, "
	    "%d part%s sent today, %lld received\n", nch,
	    nch == 1 ? "" : "s", up, (long long)queued,
	    (long long)sending, sent, sent == 1 ? "" : "s",
	    (long long)inbound);
	/* QUEUED per modem counts messages meant for it; the rest may go
	 * through any modem. */
done:
	for (i = 0; i < sc.n; i++)
		store_channel_row_clear(&sc.m[i].row);
	free(sc.m);
	return rc;
}

/* ---- inbox ------------------------------------------------------------ */

static int
inbox_csv_cb(const struct store_inbound *in, void *arg)
{
	char id[24], t[32], n[16];

	(void)arg;
	snprintf(id, sizeof(id), "%lld", (long long)in->id);
	csv_field(stdout, id, 0);
	csv_field(stdout, cli_time(in->received_at, t, sizeof(t)), 0);
	csv_field(stdout, in->channel, 0);
	csv_field(stdout, in->sender, 0);
	csv_field(stdout, in->text, 0);
	snprintf(n, sizeof(n), "%d", in->parts);
	csv_field(stdout, n, 0);
	csv_field(stdout, in->incomplete ? "1" : "0", 0);
	csv_field(stdout, in->kind, 1);
	return 0;
}

static int
inbox_human_cb(const struct store_inbound *in, void *arg)
{
	char t[32], flags[48], snip[CLI_SNIPPET_CHARS * 4 + 8];
	const char *kind = in->kind != NULL ? in->kind : "sms";

	(void)arg;
	flags[0] = '\0';
	if (strcmp(kind, "sms") != 0)
		snprintf(flags, sizeof(flags), "[%s] ", kind);
	if (in->incomplete)
		strlcpy_s(flags + strlen(flags), "[incomplete] ",
		    sizeof(flags) - strlen(flags));
	printf("%6lld  %-19s  %-8s  %-16s  %s%s\n", (long long)in->id,
	    cli_time(in->received_at, t, sizeof(t)), in->channel, in->sender,
	    flags, in->text != NULL ? cli_snippet(in->text, snip,
	    sizeof(snip)) : "(text not kept)");
	return 0;
}

int
cli_inbox_main(struct cli_ctx *ctx, int argc, char **argv)
{
	struct list_opts o;
	int64_t total;
	int r;

	r = list_parse(argc, argv, argv[0], &o);
	if (r != 0)
		return r;
	if (o.csv) {
		fputs("id,received_at,modem,sender,text,parts,incomplete,"
		    "kind\r\n", stdout);
		r = store_inbound_list(ctx->store, o.limit, inbox_csv_cb, NULL);
	} else {
		printf("%6s  %-19s  %-8s  %-16s  %s\n", "ID", "RECEIVED (UTC)",
		    "MODEM", "SENDER", "TEXT");
		r = store_inbound_list(ctx->store, o.limit, inbox_human_cb,
		    NULL);
		if (r == 0 && store_inbound_count(ctx->store, &total) == 0 &&
		    o.limit > 0 && total > o.limit)
			printf("(newest %d of %lld; --limit N, 0 for all)\n",
			    o.limit, (long long)total);
	}
	if (r == -1) {
		fprintf(stderr, "stafeta: inbox: %s\n",
		    store_errmsg(ctx->store));
		return 1;
	}
	return 0;
}

/* ---- outbox ----------------------------------------------------------- */

static int
outbox_csv_cb(const struct store_outbound *out, void *arg)
{
	char n[24], t[32];

	(void)arg;
	snprintf(n, sizeof(n), "%lld", (long long)out->id);
	csv_field(stdout, n, 0);
	csv_field(stdout, cli_time(out->created_at, t, sizeof(t)), 0);
	csv_field(stdout, out->channel, 0);
	csv_field(stdout, out->recipient, 0);
	csv_field(stdout, out->text, 0);
	csv_field(stdout, store_out_strstate(out->state), 0);
	csv_field(stdout, cli_prio(out->priority), 0);
	snprintf(n, sizeof(n), "%d", out->attempts);
	csv_field(stdout, n, 0);
	snprintf(n, sizeof(n), "%d", out->parts);
	csv_field(stdout, n, 0);
	csv_field(stdout, cli_time(out->sent_at, t, sizeof(t)), 0);
	csv_field(stdout, out->error, 0);
	csv_field(stdout, out->channel_hint, 0);
	csv_field(stdout, cli_time(out->delivered_at, t, sizeof(t)), 0);
	if (out->in_reply_to > 0)
		snprintf(n, sizeof(n), "%lld", (long long)out->in_reply_to);
	else
		n[0] = '\0';
	csv_field(stdout, n, 1);
	return 0;
}

static int
outbox_human_cb(const struct store_outbound *out, void *arg)
{
	char t[32], snip[CLI_SNIPPET_CHARS * 4 + 8];

	(void)arg;
	printf("%6lld  %-19s  %-8s  %-16s  %-11s %-5s %5d %5d  %s\n",
	    (long long)out->id, cli_time(out->created_at, t, sizeof(t)),
	    out->channel != NULL ? out->channel : "-", out->recipient,
	    store_out_strstate(out->state), cli_prio(out->priority),
	    out->attempts, out->parts,
	    cli_snippet(out->text, snip, sizeof(snip)));
	if (out->error != NULL && out->state != STORE_OUT_SENT &&
	    out->state != STORE_OUT_DELIVERED)
		printf("%6s  error: %s\n", "", out->error);
	return 0;
}

int
cli_outbox_main(struct cli_ctx *ctx, int argc, char **argv)
{
	struct list_opts o;
	int r;

	r = list_parse(argc, argv, argv[0], &o);
	if (r != 0)
		return r;
	if (o.csv) {
		fputs("id,created_at,modem,recipient,text,state,priority,"
		    "attempts,parts,sent_at,error,modem_hint,delivered_at,"
		    "in_reply_to\r\n", stdout);
		r = store_outbox_list(ctx->store, o.limit, outbox_csv_cb,
		    NULL);
	} else {
		printf("%6s  %-19s  %-8s  %-16s  %-11s %-5s %5s %5s  %s\n",
		    "ID", "CREATED (UTC)", "MODEM", "RECIPIENT", "STATE",
		    "PRIO", "TRIES", "PARTS", "TEXT");
		r = store_outbox_list(ctx->store, o.limit, outbox_human_cb,
		    NULL);
	}
	if (r == -1) {
		fprintf(stderr, "stafeta: outbox: %s\n",
		    store_errmsg(ctx->store));
		return 1;
	}
	return 0;
}

/* ---- send ------------------------------------------------------------- */

int
cli_send_main(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_outbound out;
	struct store_contact c;
	struct buf text;
	const char *cc;
	char number[32];
	int i, first = 1, force = 0, found, rc = 1;

	if (first < argc && strcmp(argv[first], "--force") == 0) {
		force = 1;
		first++;
	}
	if (argc - first < 2) {
		cli_send_usage(ctx->err);
		return 2;
	}
	cc = ctx->conf->default_country != NULL ?
	    ctx->conf->default_country : "40";
	if (phone_normalize(argv[first], cc, number, sizeof(number)) == -1) {
		fprintf(ctx->err, "stafeta: send: \"%s\" is not a phone number "
		    "(use +CC..., 00CC... or 0...)\n", argv[first]);
		return 1;
	}
	buf_init(&text, CLI_SEND_MAX_BYTES);
	for (i = first + 1; i < argc; i++) {
		if ((i > first + 1 && buf_addstr(&text, " ") == -1) ||
		    buf_addstr(&text, argv[i]) == -1) {
			fprintf(ctx->err, "stafeta: send: text longer than %d "
			    "bytes\n", CLI_SEND_MAX_BYTES);
			goto done;
		}
	}
	if (text.len == 0) {
		fprintf(ctx->err, "stafeta: send: empty text\n");
		goto done;
	}
	if (gsm_text_parts(text.data) < 1) {
		fprintf(ctx->err, "stafeta: send: text is not valid UTF-8\n");
		goto done;
	}

	memset(&out, 0, sizeof(out));
	found = store_contact_find(ctx->store, number, &c);
	if (found == -1) {
		fprintf(ctx->err, "stafeta: send: %s\n",
		    store_errmsg(ctx->store));
		goto done;
	}
	if (found == 1 && c.opted_out && !force) {
		fprintf(ctx->err, "stafeta: send: %s has opted out (STOP); use "
		    "--force to send anyway\n", number);
		store_contact_clear(&c);
		goto done;
	}
	/* Reply from the number the person knows, if that modem is still
	 * configured (a hint to a removed modem would wait for ever). */
	if (found == 1 && c.last_channel != NULL &&
	    config_modem(ctx->conf, c.last_channel) != NULL)
		out.channel_hint = c.last_channel;
	out.recipient = number;
	out.text = text.data;
	out.priority = STORE_PRIO_REPLY;
	out.created_at = clock_now_ms();
	if (store_outbox_add(ctx->store, &out) == -1) {
		fprintf(ctx->err, "stafeta: send: %s\n",
		    store_errmsg(ctx->store));
	} else {
		fprintf(ctx->out, "queued message %lld (%d part%s)\n", (long long)out.id,
		    out.parts, out.parts == 1 ? "" : "s");
		rc = 0;
	}
	if (found == 1)
		store_contact_clear(&c);
done:
	buf_free(&text);
	return rc;
}
