/*
 * gw_inbound.c - from parts read on a modem to stored messages and queued
 * replies, in one transaction per batch.
 *
 * The worker deletes a part from the SIM only after this commit, and every
 * part carries a dedup key that is claimed in the same transaction, so a
 * crash anywhere gives neither a lost message nor a second answer.  The
 * key is (modem, location, content digest) and is released when the
 * worker confirms the location's delete (MODEM_IPC_DELETED): only the
 * same part read again from the same slot is a duplicate, and two
 * identical messages (one sender, one text, one SMSC second) are two.
 * Slots the worker cannot read are copied to the quarantine table here.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "gw_metrics.h"
#include "log.h"
#include "modem.h"
#include "phone.h"
#include "store.h"
#include "util.h"

static int inbound_part(struct gateway *, const char *,
    const struct modem_part *, int64_t);
static int inbound_store_route(struct gateway *, const char *,
    const char *, const char *, int, const char *, int64_t);

int
gw_inbound_batch(struct gateway *gw, const char *modem,
    struct modem_part *parts, size_t n)
{
	int64_t now = clock_now_ms();

	if (n == 0)
		return 0;
	if (store_begin(gw->store) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (inbound_part(gw, modem, &parts[i], now) != 0)
			goto fail;
	}
	if (store_commit(gw->store) != 0)
		goto fail;
	return 0;
fail:
	log_warnx("modem %s: batch of %zu part(s) not stored, will be read "
	    "again: %s", modem, n, store_errmsg(gw->store));
	store_rollback(gw->store);
	return -1;
}

int
gw_inbound_deleted(struct gateway *gw, const char *modem, const int64_t *locs,
    size_t n)
{
	int released = 0, k;

	if (n == 0)
		return 0;
	if (store_begin(gw->store) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char *prefix = xasprintf("%s:%lld:", modem, (long long)locs[i]);
		int rc = store_dedup_release(gw->store, prefix, &k);

		free(prefix);
		if (rc != 0)
			goto fail;
		released += k;
	}
	if (store_commit(gw->store) != 0)
		goto fail;
	log_debug("modem %s: %zu location(s) deleted, %d key(s) released",
	    modem, n, released);
	return 0;
fail:
	log_warnx("modem %s: dedup keys of deleted locations kept: %s", modem,
	    store_errmsg(gw->store));
	store_rollback(gw->store);
	return -1;
}

int
gw_inbound_quarantine(struct gateway *gw, const char *modem,
    const struct modem_poison *p, int64_t *id_out)
{
	struct store_quarantine q;

	memset(&q, 0, sizeof(q));
	q.at = clock_now_ms();
	q.channel = modem;
	q.folder = p->folder;
	q.location = p->location;
	q.raw = p->raw;
	q.raw_len = p->raw_len;
	q.raw_known = p->raw_known;
	q.error = p->error;
	q.failures = p->failures;
	if (store_begin(gw->store) != 0)
		return -1;
	if (store_quarantine_add(gw->store, &q) != 0 ||
	    store_commit(gw->store) != 0) {
		log_warnx("modem %s: location %lld not quarantined, kept on "
		    "the modem: %s", modem, (long long)p->location,
		    store_errmsg(gw->store));
		store_rollback(gw->store);
		return -1;
	}
	*id_out = q.id;
	gw_metrics_count("stafeta_quarantined_slots_total", "channel", modem,
	    NULL);
	return 0;
}

/* Stores one physical part; routes it when it completes a message. */
static int
inbound_part(struct gateway *gw, const char *modem,
    const struct modem_part *p, int64_t now)
{
	char *key, *text = NULL;
	int rc, nparts = 1;

	key = xasprintf("%s:%lld:%s", modem, (long long)p->location,
	    p->dedup);
	rc = store_dedup_claim(gw->store, key, now);
	free(key);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		log_debug("modem %s: part %s already stored, skipped", modem,
		    p->dedup);
		return 0;
	}
	switch (p->pdu_kind) {
	case MODEM_PDU_REPORT:
		rc = store_outbox_report(gw->store, modem, p->sender, p->mr,
		    p->status == 0, now);
		if (rc < 0)
			return -1;
		log_info("modem %s: delivery report mr=%d status=%d %s", modem,
		    p->mr, p->status, rc == 1 ? "matched" : "unmatched");
		return 0;
	case MODEM_PDU_UNDECODABLE:
	case MODEM_PDU_OTHER:
		/* Kept as what it is for the operator; nobody to answer. */
		log_warnx("modem %s: stored %s part (no reply)", modem,
		    p->pdu_kind == MODEM_PDU_OTHER ? "non-deliver" :
		    "undecodable");
		return inbound_store_route(gw, modem, p->sender, p->text, 1,
		    p->pdu_kind == MODEM_PDU_OTHER ? "other" : "undecodable",
		    now);
	case MODEM_PDU_DELIVER:
		break;
	default:
		log_warnx("modem %s: unknown part kind %d stored as other",
		    modem, p->pdu_kind);
		return inbound_store_route(gw, modem, p->sender, p->text, 1,
		    "other", now);
	}
	if (p->concat_bits != 0 && p->total > 1) {
		rc = gw_reasm_add(gw, modem, p, now, &text, &nparts);
		if (rc <= 0)
			return rc;
		rc = inbound_store_route(gw, modem, p->sender, text, nparts,
		    "sms", now);
		free(text);
		return rc;
	}
	return inbound_store_route(gw, modem, p->sender, p->text, 1, "sms",
	    now);
}

static int
inbound_store_route(struct gateway *gw, const char *modem, const char *sender,
    const char *text, int nparts, const char *kind, int64_t now)
{
	struct store_inbound in;

	memset(&in, 0, sizeof(in));
	in.received_at = now;
	in.channel = (char *)(uintptr_t)modem;
	in.sender = (char *)(uintptr_t)sender;
	in.text = (char *)(uintptr_t)(text != NULL ? text : "");
	in.parts = nparts;
	in.kind = (char *)(uintptr_t)kind;
	if (store_inbound_add(gw->store, &in) != 0)
		return -1;
	log_info("modem %s: msg %lld received (%d part%s, %s)", modem,
	    (long long)in.id, nparts, nparts == 1 ? "" : "s", kind);
	if (strcmp(kind, "sms") != 0)
		return 0;
	return gw_inbound_route(gw, modem, in.id, sender, in.text, now);
}

int
gw_inbound_route(struct gateway *gw, const char *modem, int64_t inbound_id,
    const char *sender, const char *text, int64_t now)
{
	struct flow_reply reply;
	struct store_outbound out;
	char phone[32];
	int rc;

	/* Alphanumeric senders (operators, banks) cannot be answered. */
	if (phone_normalize(sender, "40", phone, sizeof(phone)) != 0) {
		log_info("msg %lld: sender is not a phone number, no reply",
		    (long long)inbound_id);
		return 0;
	}
	/* --- admin commands and per-sender limits (gw_admin.c, gw_flood.c):
	 * the message is stored already; an admin command is answered
	 * here, a silenced flooder not at all. --- */
	rc = gw_admin_handle(gw, modem, inbound_id, phone, text, now);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	rc = gw_flood_check(gw, inbound_id, phone, now);
	if (rc <= 0)
		return rc;
	/* --- end of admin commands and limits --- */
	if (store_contact_set_channel(gw->store, phone, modem, now) != 0)
		return -1;
	memset(&reply, 0, sizeof(reply));
	if (flow_engine_inbound(gw->flows, gw->store, FLOW_CHANNEL_SMS, phone,
	    text, now, &reply) != 0) {
		log_warnx("msg %lld: flow engine failed", (long long)inbound_id);
		return -1;
	}
	/* What must not be kept (gw_privacy.c). */
	if (gw_privacy_after_route(gw, inbound_id, phone, &reply, now) != 0) {
		flow_reply_clear(&reply);
		return -1;
	}
	if (reply.text == NULL || reply.text[0] == '\0') {
		flow_reply_clear(&reply);
		return 0;
	}
	memset(&out, 0, sizeof(out));
	out.recipient = phone;
	out.text = reply.text;
	out.priority = STORE_PRIO_REPLY;
	out.channel_hint = (char *)(uintptr_t)modem;
	out.in_reply_to = inbound_id;
	if (store_outbox_add(gw->store, &out) != 0) {
		flow_reply_clear(&reply);
		return -1;
	}
	log_info("msg %lld: reply queued as out %lld (%d part%s)",
	    (long long)inbound_id, (long long)out.id, out.parts,
	    out.parts == 1 ? "" : "s");
	flow_reply_clear(&reply);
	return 0;
}
