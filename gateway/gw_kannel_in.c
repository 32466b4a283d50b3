/*
 * gw_kannel_in.c - what Kannel calls: inbound messages (/kannel/mo) and
 * delivery reports (/kannel/dlr); see gw_kannel.h.
 *
 * An sms-service calls /kannel/mo with get-url (every field in the
 * query: channel, id = %I, from = %p, to = %P, text = %a, coding = %c,
 * charset = %C) or post-url (the text as the body, the fields in the
 * query or Kannel's X-Kannel-* headers).  The message is stored, routed
 * and its reply queued in one savepoint of the group commit (gw_batch.h:
 * the MOs of one loop pass share a transaction, each answered 200 only
 * once it is committed), which also claims the dedup key
 * "kannel:CHANNEL:mo:ID": when Kannel delivers the same message again
 * (its answer was lost, smsbox restarted), the claim fails and the
 * request is only acknowledged - nothing stored or answered twice.
 * Delivery reports are deduplicated the same way on (message, type).
 * Nothing about the sender or the text is logged above debug level.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "gsm_text.h"
#include "gw_batch.h"
#include "gw_httpd.h"
#include "gw_kannel.h"
#include "gw_metrics.h"
#include "gw_ussd_adapt.h"
#include "log.h"
#include "phone.h"
#include "store.h"
#include "util.h"

#define KIN_FIELD_MAX 96   /* bytes of a short field */
#define KIN_TEXT_MAX  4096 /* bytes of a text */

/* The request's fields wherever Kannel put them. */
struct kin {
	struct gw_httpd_req *req;
	const char *query;
	const char *body;
	size_t len;
	int form_body;		/* body is application/x-www-form-urlencoded */
};

static void
kin_init(struct kin *in, struct gw_httpd_req *req)
{
	const char *ct = gw_httpd_req_header(req, "Content-Type");

	in->req = req;
	in->query = gw_httpd_req_query(req);
	in->body = gw_httpd_req_body(req, &in->len);
	in->form_body = ct != NULL && strncasecmp(ct,
	    "application/x-www-form-urlencoded", 33) == 0;
}

/* name from the query, the form body, or the header X-Kannel-HDR (hdr
 * may be NULL): 1 found, 0 absent, -1 malformed or repeated. */
static int
kin_field(const struct kin *in, const char *name, const char *hdr,
    char *out, size_t cap)
{
	char h[48];
	const char *v;
	int rc;

	if (in->query != NULL) {
		rc = gw_form_field(in->query, strlen(in->query), name, out,
		    cap);
		if (rc != 0)
			return rc;
	}
	if (in->form_body && in->body != NULL) {
		rc = gw_form_field(in->body, in->len, name, out, cap);
		if (rc != 0)
			return rc;
	}
	if (hdr == NULL)
		return 0;
	snprintf(h, sizeof(h), "X-Kannel-%s", hdr);
	v = gw_httpd_req_header(in->req, h);
	if (v == NULL)
		return 0;
	if (strlen(v) >= cap)
		return -1;
	strlcpy_s(out, v, cap);
	return 1;
}

static void
kin_reply(struct gw_httpd_req *req, int code, const char *reason,
    const char *body)
{
	gw_httpd_reply(req, code, reason, "text/plain", body, strlen(body));
}

/* Latin-1 (what Kannel's 7-bit texts arrive as without a charset) to
 * UTF-8; caller frees. */
static char *
latin1_to_utf8(const char *s, size_t n)
{
	char *out = xmalloc(n * 2 + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80)
			*o++ = (char)c;
		else {
			*o++ = (char)(0xc0 | (c >> 6));
			*o++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*o = '\0';
	return out;
}

/* 1 for UTF-16 / UCS-2 by any of the names Kannel gives them. */
static int
charset_is_ucs2(const char *cs)
{
	char up[40];
	size_t i;

	for (i = 0; cs[i] != '\0' && i + 1 < sizeof(up); i++)
		up[i] = (char)(cs[i] >= 'a' && cs[i] <= 'z' ? cs[i] - 32 :
		    cs[i]);
	up[i] = '\0';
	return strstr(up, "UTF-16") != NULL || strstr(up, "UCS-2") != NULL ||
	    strstr(up, "UCS2") != NULL || strstr(up, "UTF16") != NULL;
}

/*
 * The text as UTF-8 (caller frees), or NULL if it cannot be: UCS-2 texts
 * (coding 2) in UTF-16BE unless Kannel already converted them to UTF-8,
 * other texts in UTF-8 or else Latin-1.
 */
static char *
kin_text(const char *raw, size_t n, const char *coding, const char *charset)
{
	uint16_t *u;
	char *r;

	if (memchr(raw, '\0', n) != NULL && !(strcmp(coding, "2") == 0))
		return NULL;
	if (strcmp(coding, "2") == 0 && charset_is_ucs2(charset)) {
		if (n % 2 != 0)
			return NULL;
		u = xcalloc(n / 2 + 1, sizeof(*u));
		for (size_t i = 0; i < n / 2; i++)
			u[i] = (uint16_t)(((unsigned char)raw[2 * i] << 8) |
			    (unsigned char)raw[2 * i + 1]);
		r = gsm_text_ucs2_to_utf8(u, n / 2);
		free(u);
		if (r != NULL && !gw_utf8_valid(r, strlen(r))) {
			free(r);
			return NULL;
		}
		return r;
	}
	if (memchr(raw, '\0', n) != NULL)
		return NULL;
	if (gw_utf8_valid(raw, n))
		return xstrndup(raw, n);
	return latin1_to_utf8(raw, n);
}

static int
kin_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") == n;
}

/* Stores and routes one MO inside a transaction: 1 stored, 0 a repeat. */
static int
kin_store(struct gateway *gw, const char *channel, const char *id,
    const char *sender, const char *text, int64_t now, int64_t *id_out)
{
	struct store_inbound in;
	char *key = xasprintf("kannel:%s:mo:%s", channel, id);
	int rc;

	rc = store_dedup_claim(gw->store, key, now);
	free(key);
	if (rc <= 0)
		return rc;
	memset(&in, 0, sizeof(in));
	in.received_at = now;
	in.channel = (char *)(uintptr_t)channel;
	in.sender = (char *)(uintptr_t)sender;
	in.text = (char *)(uintptr_t)text;
	in.parts = 1;
	in.kind = (char *)(uintptr_t)"sms";
	if (store_inbound_add(gw->store, &in) != 0)
		return -1;
	*id_out = in.id;
	if (gw_inbound_route(gw, channel, in.id, sender, text, now) != 0)
		return -1;
	return 1;
}

/* One MO waiting for its batch (gw_batch.h). */
struct kin_unit {
	struct gateway *gw;
	struct gw_httpd_req *req;	/* NULL once its connection is gone */
	char channel[40];
	char id[KIN_FIELD_MAX];
	char sender[KIN_FIELD_MAX];
	char *text;
	int64_t inbound_id;
	int stored;			/* 1 stored, 0 a repeat */
};

static void
kin_gone(void *arg)
{
	struct kin_unit *u = arg;

	u->req = NULL;
}

/* In the batch's transaction.  A copy of an MO earlier in the same batch
 * finds its dedup key already claimed (the transaction sees its own
 * writes) and is a repeat, as one from an earlier batch is. */
static int
kin_run(struct store *st, void *arg)
{
	struct kin_unit *u = arg;
	int rc;

	UNUSED(st);
	rc = kin_store(u->gw, u->channel, u->id, u->sender, u->text,
	    clock_now_ms(), &u->inbound_id);
	if (rc < 0)
		return -1;
	u->stored = rc;
	return 0;
}

/* After the commit: acknowledged only now. */
static void
kin_done(void *arg, enum gw_batch_result res, const char *why)
{
	struct kin_unit *u = arg;
	struct gw_httpd_req *req = u->req;

	switch (res) {
	case GW_BATCH_OK:
		if (!u->stored) {
			log_info("kannel %s: message %s delivered again, "
			    "already stored", u->channel, u->id);
			gw_metrics_count("stafeta_kannel_mo_total", "channel",
			    u->channel, "result", "repeat", NULL);
		} else {
			log_info("kannel %s: msg %lld received (kannel id "
			    "%s)", u->channel, (long long)u->inbound_id,
			    u->id);
			gw_metrics_count("stafeta_kannel_mo_total", "channel",
			    u->channel, "result", "stored", NULL);
		}
		/* Empty: the reply goes out through sendsms
		 * (max-messages = 0). */
		if (req != NULL)
			kin_reply(req, 200, "OK", "");
		break;
	case GW_BATCH_BUSY:
	case GW_BATCH_DROPPED:
		if (req != NULL) {
			gw_httpd_add_header(req, "Retry-After", "1");
			kin_reply(req, 503, "Service Unavailable", "busy\n");
		}
		break;
	default:
		log_warnx("kannel %s: message %s not stored: %s", u->channel,
		    u->id, why != NULL ? why : "?");
		/* Kannel may deliver it again; nothing was committed. */
		if (req != NULL)
			kin_reply(req, 500, "Internal Server Error",
			    "not stored\n");
		break;
	}
	free(u->text);
	free(u);
}

void
gw_kannel_mo(struct gateway *gw, struct gw_batch *batch,
    struct gw_httpd_req *req)
{
	struct kin in;
	char channel[40], id[KIN_FIELD_MAX], from[KIN_FIELD_MAX];
	char coding[8] = "0", charset[40] = "";
	char *raw = NULL, *text = NULL;
	struct kin_unit *u;
	size_t rawlen = 0;
	int rc;

	kin_init(&in, req);
	if (kin_field(&in, "channel", NULL, channel, sizeof(channel)) != 1 ||
	    config_channel(gw->conf, channel) == NULL) {
		kin_reply(req, 400, "Bad Request", "unknown channel\n");
		return;
	}
	if (kin_field(&in, "id", "ID", id, sizeof(id)) != 1 ||
	    !kin_id_ok(id)) {
		kin_reply(req, 400, "Bad Request", "missing or bad id\n");
		return;
	}
	if (kin_field(&in, "from", "From", from, sizeof(from)) != 1 ||
	    from[0] == '\0' || !gw_utf8_valid(from, strlen(from))) {
		kin_reply(req, 400, "Bad Request", "missing or bad from\n");
		return;
	}
	if (kin_field(&in, "coding", "Coding", coding, sizeof(coding)) < 0 ||
	    kin_field(&in, "charset", "Charset", charset,
	    sizeof(charset)) < 0) {
		kin_reply(req, 400, "Bad Request", "bad coding or charset\n");
		return;
	}
	raw = xmalloc(KIN_TEXT_MAX + 1);
	/* get-url: text=%b, the message as it came (UCS-2 as UTF-16BE). */
	rc = in.query != NULL ? gw_form_field_bin(in.query, strlen(in.query),
	    "text", raw, KIN_TEXT_MAX + 1, &rawlen) : 0;
	if (rc == 0 && in.form_body && in.body != NULL)
		rc = gw_form_field_bin(in.body, in.len, "text", raw,
		    KIN_TEXT_MAX + 1, &rawlen);
	if (rc == 1)
		;
	else if (rc == 0 && gw_httpd_req_method(req) == GW_HTTPD_POST &&
	    !in.form_body && in.len <= KIN_TEXT_MAX) {
		/* post-url: the text is the body, as it came. */
		memcpy(raw, in.body != NULL ? in.body : "", in.len);
		raw[in.len] = '\0';
		rawlen = in.len;
	} else if (rc < 0) {
		free(raw);
		kin_reply(req, 400, "Bad Request", "bad text\n");
		return;
	} else
		raw[0] = '\0';
	text = kin_text(raw, rawlen, coding, charset);
	free(raw);
	if (text == NULL) {
		kin_reply(req, 400, "Bad Request", "text cannot be decoded\n");
		return;
	}
	u = xcalloc(1, sizeof(*u));
	u->gw = gw;
	strlcpy_s(u->channel, channel, sizeof(u->channel));
	strlcpy_s(u->id, id, sizeof(u->id));
	if (phone_normalize(from, "40", u->sender, sizeof(u->sender)) != 0)
		strlcpy_s(u->sender, from, sizeof(u->sender));
	u->text = text;
	u->req = req;
	gw_httpd_req_hold(req, kin_gone, u);
	gw_batch_add(batch, kin_run, kin_done, u);
}

int
gw_kannel_report(struct gateway *gw, const char *channel, int64_t out_id,
    const char *to, int type)
{
	char *key;
	int rc, matched = 0, final = type == 1 || type == 2 || type == 16;
	int64_t now = clock_now_ms();

	if (store_begin(gw->store) != 0)
		return -1;
	key = xasprintf("kannel:%s:dlr:%lld:%d", channel, (long long)out_id,
	    type);
	rc = store_dedup_claim(gw->store, key, now);
	free(key);
	if (rc == 1 && final)
		matched = store_outbox_report(gw->store, channel, to,
		    (int)(out_id & 0x7fffffff), type == 1, now);
	if (rc < 0 || matched < 0 || store_commit(gw->store) != 0) {
		store_rollback(gw->store);
		log_warnx("kannel %s: delivery report not recorded: %s",
		    channel, store_errmsg(gw->store));
		return -1;
	}
	if (rc == 0)
		log_debug("kannel %s: report %d for out %lld repeated",
		    channel, type, (long long)out_id);
	else
		log_info("kannel %s: delivery report type %d for out %lld%s",
		    channel, type, (long long)out_id, !final ? "" :
		    matched ? " matched" : " unmatched");
	return rc == 1 && matched == 1;
}

void
gw_kannel_dlr(struct gateway *gw, struct gw_httpd_req *req)
{
	struct kin in;
	char channel[40], out[24], type[8], to[KIN_FIELD_MAX];
	int64_t out_id, t;

	kin_init(&in, req);
	if (kin_field(&in, "channel", NULL, channel, sizeof(channel)) != 1 ||
	    config_channel(gw->conf, channel) == NULL ||
	    kin_field(&in, "out", NULL, out, sizeof(out)) != 1 ||
	    parse_int64(out, 1, INT64_MAX, &out_id) != 0 ||
	    kin_field(&in, "type", NULL, type, sizeof(type)) != 1 ||
	    parse_int64(type, 0, 255, &t) != 0 ||
	    kin_field(&in, "to", NULL, to, sizeof(to)) != 1) {
		kin_reply(req, 400, "Bad Request", "bad delivery report\n");
		return;
	}
	/* 1 delivered, 2 failed, 16 refused by the SMSC are final; 8 (taken
	 * by the SMSC) and 4 (buffered) only say it is on its way.  A final
	 * one may overtake smsbox's answer to our sendsms. */
	if ((t == 1 || t == 2 || t == 16) && gw_kannel_hold_report(gw->kannel,
	    channel, out_id, to, (int)t)) {
		log_debug("kannel %s: report %lld for out %lld before its "
		    "send result, held", channel, (long long)t,
		    (long long)out_id);
		kin_reply(req, 200, "OK", "");
		return;
	}
	if (gw_kannel_report(gw, channel, out_id, to, (int)t) < 0) {
		kin_reply(req, 500, "Internal Server Error", "not recorded\n");
		return;
	}
	kin_reply(req, 200, "OK", "");
}
