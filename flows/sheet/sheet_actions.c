/*
 * sheet_actions.c - the built-in flow actions of Observation Sheets.
 *
 *   sheet_compact          the whole compact SMS (FO ...): check the
 *                          sender, parse, store, acknowledge, alert
 *   sheet_check_reporter   ok / unknown / disabled
 *   sheet_check_pin        USSD PIN (field "pin"): ok / bad / locked
 *   sheet_check_household  field "household": ok / bad
 *   sheet_domains          fields "dom_yes", "dom_unknown": ok /
 *                          bad_yes / bad_unknown / conflict
 *   sheet_next_page        the USSD item pages (fields "page", "answer",
 *                          "prompt", "page_<p>", "summary"): page / bad /
 *                          done
 *   sheet_guided_submit    stores the guided dialogue's sheet: ok / ...
 *
 * The guided dialogues (SMS and USSD) and the compact form build the same
 * struct sheet_report and go through the same sheet_submit(), so the same
 * report gives the same stored sheet whatever the channel.  Every action
 * asks the gateway not to keep the inbound text: household codes, PINs and
 * indicators must not sit in the message log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "log.h"
#include "phone.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

enum reporter_status {
	REPORTER_ERROR = -1,
	REPORTER_UNKNOWN = 0,
	REPORTER_ACTIVE,
	REPORTER_DISABLED,
};

static enum reporter_status reporter_lookup(struct flow_action_ctx *,
    struct sheet_reporter *);
static const char *reply_lang(const struct flow_action_ctx *,
    const struct sheet_reporter *);
static int reply_fixed(struct flow_action_ctx *, const char *,
    const char *);
static const char *field_or_text(struct flow_action_ctx *, const char *);
static int digits_set(const char *, int, int, char *, size_t);
static const char *session_get_cb(void *, const char *);
static const char *submit_and_ack(struct flow_action_ctx *,
    const struct sheet_reporter *, const struct sheet_report *,
    const uint8_t *);
static int page_list(const struct sheet_table *, const char *,
    const char *[SHEET_DOMAINS * 8]);
static int summary_text(const struct sheet_table *,
    const struct flow_action_ctx *, char *, size_t);

const struct flow_action sheet_actions[] = {
	{ .name = "sheet_compact", .fn = sheet_action_compact },
	{ .name = "sheet_check_reporter", .fn = sheet_action_check_reporter },
	{ .name = "sheet_check_pin", .fn = sheet_action_check_pin },
	{ .name = "sheet_check_household", .fn = sheet_action_check_household },
	{ .name = "sheet_domains", .fn = sheet_action_domains },
	{ .name = "sheet_next_page", .fn = sheet_action_next_page },
	{ .name = "sheet_guided_submit", .fn = sheet_action_guided_submit },
	{ .name = NULL, .fn = NULL },
};

/* Finds the sender among enrolled reporters (as given, then in E.164). */
static enum reporter_status
reporter_lookup(struct flow_action_ctx *ctx, struct sheet_reporter *r)
{
	char e164[32];
	int rc;

	memset(r, 0, sizeof(*r));
	if (ctx->phone == NULL)
		return REPORTER_UNKNOWN;
	rc = sheet_store_reporter_find(ctx->store, ctx->phone, r);
	if (rc == 0 && phone_normalize(ctx->phone, ctx->conf != NULL &&
	    ctx->conf->default_country != NULL ? ctx->conf->default_country :
	    "40", e164, sizeof(e164)) == 0 && strcmp(e164, ctx->phone) != 0)
		rc = sheet_store_reporter_find(ctx->store, e164, r);
	if (rc == -1)
		return REPORTER_ERROR;
	if (rc == 0)
		return REPORTER_UNKNOWN;
	return r->active ? REPORTER_ACTIVE : REPORTER_DISABLED;
}

/* The enrolled reporter's language wins over the contact's. */
static const char *
reply_lang(const struct flow_action_ctx *ctx, const struct sheet_reporter *r)
{
	if (r != NULL && r->language != NULL)
		return r->language;
	return ctx->language;
}

static int
reply_fixed(struct flow_action_ctx *ctx, const char *name, const char *lang)
{
	if (ctx->reply == NULL)
		return 0;
	if (ctx->reply->len > 0 && buf_addstr(ctx->reply, " ") == -1)
		return -1;
	return buf_addstr(ctx->reply, sheet_text_fixed(name, lang));
}

/* A dialogue answer: the saved field if the flow saved one, else the
 * text being handled. */
static const char *
field_or_text(struct flow_action_ctx *ctx, const char *key)
{
	const char *v = flow_session_get(ctx->session, key);

	if (v != NULL && v[0] != '\0')
		return v;
	return ctx->text != NULL ? ctx->text : "";
}

/*
 * Reads a "type the digits" answer: digits lo..hi, each at most once, in
 * any order, separated or not by spaces, commas, dots; or "0" alone for
 * none.  Writes them sorted to out ("0" for none).  0, or -1 if invalid.
 */
static int
digits_set(const char *in, int lo, int hi, char *out, size_t outlen)
{
	int seen[10] = { 0 }, any = 0, zero = 0;
	size_t o = 0;

	for (; *in != '\0'; in++) {
		if (strchr(" ,;.+-", *in) != NULL)
			continue;
		if (*in < '0' || *in > '9')
			return -1;
		if (*in == '0') {
			zero = 1;
			continue;
		}
		if (*in - '0' < lo || *in - '0' > hi)
			return -1;
		seen[*in - '0'] = 1;
		any = 1;
	}
	if (any == zero) /* nothing at all, or 0 mixed with digits */
		return -1;
	if (outlen < 11)
		return -1;
	if (zero) {
		out[o++] = '0';
	} else {
		for (int d = 1; d <= 9; d++)
			if (seen[d])
				out[o++] = (char)('0' + d);
	}
	out[o] = '\0';
	return 0;
}

static const char *
session_get_cb(void *arg, const char *key)
{
	return flow_session_get(arg, key);
}

/* Pages to ask, in order, for the domains in dom_yes ("24"). */
static int
page_list(const struct sheet_table *t, const char *dom_yes,
    const char *pages[SHEET_DOMAINS * 8])
{
	int n = 0;

	for (const char *d = dom_yes; d != NULL && *d != '\0'; d++) {
		const char *p[8];
		size_t np;

		if (*d < '1' || *d > '0' + SHEET_DOMAINS)
			continue;
		np = sheet_table_pages(t, *d - '0', p);
		for (size_t k = 0; k < np; k++)
			pages[n++] = p[k];
	}
	return n;
}

int
sheet_guided_build(const struct sheet_table *t,
    const char *(*get)(void *, const char *), void *arg,
    struct sheet_report *r, char *err, size_t errlen)
{
	const char *hh, *v;
	char yes[11] = "0", unknown[11] = "0", key[16];
	size_t n = sheet_table_count(t), i;

	sheet_report_init(t, r);
	hh = get(arg, "household");
	if (hh == NULL) {
		snprintf(err, errlen, "household missing");
		return -1;
	}
	if (strcmp(hh, "0") == 0 || strcasecmp(hh, "NOU") == 0 ||
	    strcasecmp(hh, "NEW") == 0) {
		r->household[0] = '\0';
	} else if (sheet_damm_valid(hh, strlen(hh))) {
		memcpy(r->household, hh, 9);
	} else {
		snprintf(err, errlen, "household code invalid");
		return -1;
	}
	v = get(arg, "dom_yes");
	if (v != NULL && digits_set(v, 1, SHEET_DOMAINS, yes,
	    sizeof(yes)) == -1) {
		snprintf(err, errlen, "dom_yes invalid");
		return -1;
	}
	v = get(arg, "dom_unknown");
	if (v != NULL && digits_set(v, 1, SHEET_DOMAINS, unknown,
	    sizeof(unknown)) == -1) {
		snprintf(err, errlen, "dom_unknown invalid");
		return -1;
	}
	for (const char *d = yes; *d != '\0'; d++) {
		if (*d != '0' && strchr(unknown, *d) != NULL) {
			snprintf(err, errlen, "domain %c both yes and unknown",
			    *d);
			return -1;
		}
	}
	/* Domains not named unknown are assessed: unlisted items are 0. */
	for (i = 0; i < n; i++) {
		const struct sheet_indicator *ind = sheet_table_at(t, i);

		if (ind->status == 'L' ||
		    strchr(unknown, '0' + ind->domain) != NULL)
			continue;
		r->values[i] = SHEET_VAL_NO;
	}
	for (const char *d = yes; *d != '\0'; d++) {
		const char *pages[8];
		size_t np;

		if (*d == '0')
			continue;
		np = sheet_table_pages(t, *d - '0', pages);
		for (size_t k = 0; k < np; k++) {
			char items[11];
			int idx[9];
			size_t ni = sheet_table_page_items(t, pages[k], idx);

			snprintf(key, sizeof(key), "page_%s", pages[k]);
			for (char *c = key; *c != '\0'; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			v = get(arg, key);
			if (v == NULL || v[0] == '\0')
				continue; /* not reached: nothing found */
			if (digits_set(v, 1, (int)ni, items, sizeof(items)) ==
			    -1) {
				snprintf(err, errlen, "%s invalid", key);
				return -1;
			}
			for (const char *c = items; *c != '\0'; c++) {
				int at = *c - '1';

				if (*c != '0' && idx[at] >= 0)
					r->values[idx[at]] = SHEET_VAL_YES;
			}
		}
	}
	v = get(arg, "urgent");
	if (v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0 ||
	    strcasecmp(v, "da") == 0))
		r->urgent_flag = 1;
	v = get(arg, "time");
	if (v != NULL && v[0] != '\0') {
		char tok[48];
		struct sheet_report tr;
		struct sheet_perror e;
		int tn;

		/* Same checks as the T token of the compact form. */
		tn = snprintf(tok, sizeof(tok), "FO NOU 10 T%s", v);
		if (tn < 0 || (size_t)tn >= sizeof(tok) ||
		    sheet_grammar_parse(t, tok, strlen(tok), &tr, &e) == -1) {
			snprintf(err, errlen, "time invalid");
			return -1;
		}
		r->time_start = tr.time_start;
		r->time_end = tr.time_end;
	}
	sheet_derive(t, r);
	return 0;
}

/*
 * "Familie 48219303: 3 semnalari, URGENT. Necunoscute: 35." in the
 * contact's language: what the reporter confirms before sending.
 */
static int
summary_text(const struct sheet_table *t, const struct flow_action_ctx *ctx,
    char *out, size_t outlen)
{
	struct sheet_report r;
	char err[64], count[16];
	const char *unk, *lang = ctx->language != NULL ? ctx->language : "ro";
	int n, flagged, en, hu;

	if (sheet_guided_build(t, session_get_cb, ctx->session, &r, err,
	    sizeof(err)) == -1)
		return -1;
	en = strcmp(lang, "en") == 0;
	hu = strcmp(lang, "hu") == 0;
	unk = flow_session_get(ctx->session, "dom_unknown");
	if (unk != NULL && strcmp(unk, "0") == 0)
		unk = NULL;
	flagged = r.risk_count + r.flags;
	snprintf(count, sizeof(count), "%d", flagged);
	if (en)
		n = snprintf(out, outlen, "Family %s: %s flag%s%s.%s%s%s",
		    r.household[0] != '\0' ? r.household : "without code",
		    count, flagged == 1 ? "" : "s", r.urgent ? ", URGENT" : "",
		    unk != NULL ? " Unknown: " : "", unk != NULL ? unk : "",
		    unk != NULL ? "." : "");
	else if (hu)
		n = snprintf(out, outlen, "Csalad %s: %s jelzes%s.%s%s%s",
		    r.household[0] != '\0' ? r.household : "kod nelkul",
		    count, r.urgent ? ", SURGOS" : "",
		    unk != NULL ? " Ismeretlen: " : "", unk != NULL ? unk : "",
		    unk != NULL ? "." : "");
	else
		n = snprintf(out, outlen, "Familie %s: %s %s%s.%s%s%s",
		    r.household[0] != '\0' ? r.household : "fara cod",
		    count, flagged == 1 ? "semnalare" : "semnalari",
		    r.urgent ? ", URGENT" : "",
		    unk != NULL ? " Necunoscute: " : "", unk != NULL ? unk : "",
		    unk != NULL ? "." : "");
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/*
 * Stores report r of reporter and appends the acknowledgement; raises the
 * urgent alert.  Returns the action outcome.
 */
static const char *
submit_and_ack(struct flow_action_ctx *ctx, const struct sheet_reporter *rep,
    const struct sheet_report *r, const uint8_t *raw_hash)
{
	const struct sheet_table *t = sheet_svc_table(ctx->service);
	struct sheet_submit_result res;
	struct sheet_ack ack;
	const char *lang = reply_lang(ctx, rep);
	int rc;

	rc = sheet_submit(ctx->store, ctx->conf, t, rep->id,
	    ctx->channel == FLOW_CHANNEL_USSD ? "ussd" : "sms", r, raw_hash,
	    ctx->now, &res);
	if (rc == SHEET_SUBMIT_NOCOUNTY)
		return reply_fixed(ctx, "not_configured", lang) == 0 ?
		    "error" : NULL;
	if (rc == SHEET_SUBMIT_EXHAUSTED)
		return reply_fixed(ctx, "numbers_exhausted", lang) == 0 ?
		    "error" : NULL;
	if (rc != 0)
		return NULL;
	if (res.urgent && sheet_alert_urgent(ctx->store, ctx->conf,
	    res.sheet_id, ctx->now) == -1)
		return NULL;
	memset(&ack, 0, sizeof(ack));
	ack.county = res.county;
	ack.seq = res.seq;
	ack.received_at = ctx->now;
	ack.flagged = res.flagged;
	ack.no_household = r->household[0] == '\0';
	ack.urgent = res.urgent;
	ack.ussd = ctx->channel == FLOW_CHANNEL_USSD;
	ack.late = res.late;
	ack.household_unknown = res.household_unknown;
	if (ctx->reply != NULL && sheet_text_ack(&ack, lang, ctx->reply) == -1)
		return NULL;
	return "ok";
}

const char *
sheet_action_compact(struct flow_action_ctx *ctx)
{
	const struct sheet_table *t = sheet_svc_table(ctx->service);
	struct sheet_reporter rep;
	struct sheet_report r;
	struct sheet_perror e;
	uint8_t hash[SHEET_SHA256_LEN];
	const char *text = ctx->text != NULL ? ctx->text : "";
	const char *out;
	enum reporter_status rs;

	/* Accepted or not, the raw text is not kept: the parsed record (and
	 * a hash for audit) is all that stays. */
	ctx->forget_input = 1;
	rs = reporter_lookup(ctx, &rep);
	if (rs == REPORTER_ERROR)
		return NULL;
	if (rs == REPORTER_UNKNOWN) {
		/* Nothing of a stranger is kept (README, Privacy). */
		ctx->forget_sender = 1;
		out = reply_fixed(ctx, "unknown_reporter", ctx->language) == 0 ?
		    "unknown" : NULL;
		goto done;
	}
	if (rs == REPORTER_DISABLED) {
		out = reply_fixed(ctx, "disabled_reporter",
		    reply_lang(ctx, &rep)) == 0 ? "disabled" : NULL;
		goto done;
	}
	if (t == NULL || sheet_conf(ctx->conf)->county_code < 1) {
		out = reply_fixed(ctx, "not_configured",
		    reply_lang(ctx, &rep)) == 0 ? "error" : NULL;
		goto done;
	}
	if (sheet_grammar_parse(t, text, strlen(text), &r, &e) == -1) {
		/* The error names a code at most, never the text. */
		log_info("sheet: compact report from reporter %lld refused "
		    "(error %d)", (long long)rep.id, (int)e.code);
		out = ctx->reply == NULL || sheet_text_error(&e,
		    reply_lang(ctx, &rep), ctx->reply) == 0 ? "invalid" : NULL;
		goto done;
	}
	sheet_sha256(text, strlen(text), hash);
	out = submit_and_ack(ctx, &rep, &r, hash);
done:
	sheet_reporter_clear(&rep);
	return out;
}

const char *
sheet_action_check_reporter(struct flow_action_ctx *ctx)
{
	struct sheet_reporter rep;
	enum reporter_status rs;
	const char *out = NULL;

	rs = reporter_lookup(ctx, &rep);
	switch (rs) {
	case REPORTER_ERROR:
		out = NULL;
		break;
	case REPORTER_UNKNOWN:
		/* Nothing of a stranger's message is kept. */
		ctx->forget_input = 1;
		ctx->forget_sender = 1;
		out = reply_fixed(ctx, "unknown_reporter", ctx->language) == 0 ?
		    "unknown" : NULL;
		break;
	case REPORTER_DISABLED:
		ctx->forget_input = 1;
		out = reply_fixed(ctx, "disabled_reporter",
		    reply_lang(ctx, &rep)) == 0 ? "disabled" : NULL;
		break;
	case REPORTER_ACTIVE:
		/* USSD needs a PIN: one enrolled without tells the truth
		 * at once instead of asking for a PIN that cannot match. */
		if (ctx->channel == FLOW_CHANNEL_USSD && rep.pin_hash == NULL) {
			out = reply_fixed(ctx, "pin_none",
			    reply_lang(ctx, &rep)) == 0 ? "no_pin" : NULL;
			break;
		}
		out = "ok";
		break;
	}
	sheet_reporter_clear(&rep);
	return out;
}

const char *
sheet_action_check_pin(struct flow_action_ctx *ctx)
{
	struct sheet_reporter rep;
	enum reporter_status rs;
	const char *pin, *out = NULL;
	int failures = 0, ok;

	ctx->forget_input = 1;
	pin = field_or_text(ctx, "pin");
	rs = reporter_lookup(ctx, &rep);
	if (rs == REPORTER_ERROR)
		goto done;
	if (rs != REPORTER_ACTIVE) {
		out = reply_fixed(ctx, rs == REPORTER_UNKNOWN ?
		    "unknown_reporter" : "disabled_reporter",
		    reply_lang(ctx, &rep)) == 0 ? "unknown" : NULL;
		goto done;
	}
	if (rep.pin_hash == NULL) {
		/* Never given a PIN: not "blocked", and nothing counted. */
		out = reply_fixed(ctx, "pin_none", reply_lang(ctx, &rep)) ==
		    0 ? "locked" : NULL;
		goto done;
	}
	if (rep.pin_failures >= SHEET_PIN_MAX_TRIES) {
		/* Locked: no check, no counting. */
		out = reply_fixed(ctx, "pin_locked", reply_lang(ctx, &rep)) ==
		    0 ? "locked" : NULL;
		goto done;
	}
	ok = sheet_pin_valid(pin) && sheet_pin_verify(pin, rep.pin_hash);
	if (sheet_store_reporter_pin_result(ctx->store, rep.id, ok, ctx->now,
	    &failures) == -1)
		goto done;
	if (ok) {
		out = "ok";
	} else if (failures >= SHEET_PIN_MAX_TRIES) {
		log_warnx("sheet: reporter %lld locked after %d wrong PINs",
		    (long long)rep.id, failures);
		out = reply_fixed(ctx, "pin_locked", reply_lang(ctx, &rep)) ==
		    0 ? "locked" : NULL;
	} else {
		out = reply_fixed(ctx, "pin_bad", reply_lang(ctx, &rep)) == 0 ?
		    "bad" : NULL;
	}
done:
	/* The PIN does not stay in the session either. */
	if (flow_session_get(ctx->session, "pin") != NULL)
		flow_session_set(ctx->session, "pin", "");
	sheet_reporter_clear(&rep);
	return out;
}

const char *
sheet_action_check_household(struct flow_action_ctx *ctx)
{
	char buf[16];
	const char *v = field_or_text(ctx, "household");
	size_t n = 0;

	ctx->forget_input = 1;
	for (; *v != '\0' && n + 1 < sizeof(buf); v++)
		if (*v != ' ' && *v != '-' && *v != '.')
			buf[n++] = *v;
	buf[n] = '\0';
	if (*v != '\0')
		return "bad";
	if (strcmp(buf, "0") == 0 || strcasecmp(buf, "NOU") == 0 ||
	    strcasecmp(buf, "NEW") == 0) {
		flow_session_set(ctx->session, "household", "NOU");
		return "ok";
	}
	if (!sheet_damm_valid(buf, n))
		return "bad";
	flow_session_set(ctx->session, "household", buf);
	return "ok";
}

const char *
sheet_action_domains(struct flow_action_ctx *ctx)
{
	const char *y = flow_session_get(ctx->session, "dom_yes");
	const char *u = flow_session_get(ctx->session, "dom_unknown");
	char yes[11], unknown[11];

	ctx->forget_input = 1;
	if (y == NULL || digits_set(y, 1, SHEET_DOMAINS, yes,
	    sizeof(yes)) == -1)
		return "bad_yes";
	flow_session_set(ctx->session, "dom_yes", yes);
	if (u == NULL)
		return "ok"; /* step 4 not asked yet */
	if (digits_set(u, 1, SHEET_DOMAINS, unknown, sizeof(unknown)) == -1)
		return "bad_unknown";
	flow_session_set(ctx->session, "dom_unknown", unknown);
	for (const char *d = yes; *d != '\0'; d++)
		if (*d != '0' && strchr(unknown, *d) != NULL)
			return "conflict";
	return "ok";
}

const char *
sheet_action_next_page(struct flow_action_ctx *ctx)
{
	const struct sheet_table *t = sheet_svc_table(ctx->service);
	const char *pages[SHEET_DOMAINS * 8];
	const char *cur = flow_session_get(ctx->session, "page");
	char key[16], text[SHEET_USSD_MAX * 2], items[11];
	int n, k = 0;

	ctx->forget_input = 1;
	if (t == NULL)
		return NULL;
	n = page_list(t, flow_session_get(ctx->session, "dom_yes"), pages);
	if (cur != NULL && cur[0] != '\0') {
		int idx[9];
		size_t ni = sheet_table_page_items(t, cur, idx);
		const char *ans = field_or_text(ctx, "answer");

		if (ni == 0 || digits_set(ans, 1, (int)ni, items,
		    sizeof(items)) == -1)
			return "bad";
		snprintf(key, sizeof(key), "page_%s", cur);
		for (char *c = key; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		flow_session_set(ctx->session, key, items);
		for (k = 0; k < n; k++)
			if (strcmp(pages[k], cur) == 0)
				break;
		k++;
	}
	flow_session_set(ctx->session, "answer", "");
	if (k < n) {
		if (sheet_table_page_text(t, pages[k], text, sizeof(text)) ==
		    -1)
			return NULL;
		flow_session_set(ctx->session, "page", pages[k]);
		flow_session_set(ctx->session, "prompt", text);
		return "page";
	}
	flow_session_set(ctx->session, "page", "");
	if (summary_text(t, ctx, text, sizeof(text)) == -1)
		return "bad";
	flow_session_set(ctx->session, "summary", text);
	return "done";
}

const char *
sheet_action_guided_submit(struct flow_action_ctx *ctx)
{
	const struct sheet_table *t = sheet_svc_table(ctx->service);
	struct sheet_reporter rep;
	struct sheet_report r;
	enum reporter_status rs;
	char err[64];
	const char *out;

	ctx->forget_input = 1;
	rs = reporter_lookup(ctx, &rep);
	if (rs == REPORTER_ERROR)
		return NULL;
	if (rs != REPORTER_ACTIVE) {
		out = reply_fixed(ctx, rs == REPORTER_UNKNOWN ?
		    "unknown_reporter" : "disabled_reporter",
		    reply_lang(ctx, &rep)) == 0 ? "unknown" : NULL;
		goto done;
	}
	if (t == NULL || sheet_conf(ctx->conf)->county_code < 1) {
		out = reply_fixed(ctx, "not_configured",
		    reply_lang(ctx, &rep)) == 0 ? "error" : NULL;
		goto done;
	}
	if (sheet_guided_build(t, session_get_cb, ctx->session, &r, err,
	    sizeof(err)) == -1) {
		/* The flow validated every answer; this is a flow bug. */
		log_warnx("sheet: guided report from reporter %lld: %s",
		    (long long)rep.id, err);
		out = reply_fixed(ctx, "internal", reply_lang(ctx, &rep)) == 0 ?
		    "invalid" : NULL;
		goto done;
	}
	out = submit_and_ack(ctx, &rep, &r, NULL);
done:
	sheet_reporter_clear(&rep);
	return out;
}
