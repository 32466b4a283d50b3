/*
 * gw_reasm.c - reassembly of concatenated SMS, persisted in the store.
 *
 * A message is the set of parts sharing (modem, sender, reference width,
 * reference, total).  The reference alone is never enough: libgammu 1.42's
 * GSM_LinkSMS links on it and mixes two senders' messages (gammu-notes
 * §2.4), and an 8-bit reference repeats every 256 messages.  Parts are
 * rows in the store (store_parts.c) written in the caller's batch
 * transaction, so the SIM slot can be freed at once, any number of
 * messages can be pending, and a restart loses nothing.  A message whose
 * parts do not all arrive within [queue] multipart_timeout_s is delivered
 * by gw_reasm_expire() with "[...]" where parts are missing, flagged
 * incomplete.  A part arriving after that starts a new group of its own
 * (it is delivered, with gap markers, one timeout later), as the text it
 * belonged to is already with the flow engine.
 *
 * Texts are joined as the worker decoded each part; a sender that split
 * a surrogate pair or a GSM-7 escape across parts (libgammu never does)
 * shows U+FFFD (or libgammu's U+00B9 for a bare escape) there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "gateway.h"
#include "log.h"
#include "modem.h"
#include "phone.h"
#include "store.h"
#include "util.h"

#define REASM_GAP "[...]"	/* stands for missing parts */
#define REASM_MAX_TOTAL 255	/* one octet in the concatenation IE */
#define REASM_EXPIRE_BATCH 64	/* groups looked at per query */

static int reasm_concatenated(const struct modem_part *);
static void reasm_sender(const char *, char *, size_t);
static char *reasm_join(const struct store_part *, size_t, int);
static int reasm_deliver(struct gateway *, const struct store_part_group *,
    int64_t, int);
static int reasm_expire_one(struct gateway *, const struct store_part_group *,
    int64_t);

/*
 * 1 if p is a well-formed part of a longer message.  A part that claims
 * to be one but cannot be (total 0 or above 255, seq outside 1..total, an
 * unknown reference width or a reference too wide for it) would wait
 * forever for siblings that cannot exist, so it is taken as a message of
 * its own instead.
 */
static int
reasm_concatenated(const struct modem_part *p)
{
	int maxref;

	if (p->concat_bits == 8)
		maxref = 0xff;
	else if (p->concat_bits == 16)
		maxref = 0xffff;
	else
		return 0;
	if (p->ref < 0 || p->ref > maxref)
		return 0;
	if (p->total < 2 || p->total > REASM_MAX_TOTAL)
		return 0;
	return p->seq >= 1 && p->seq <= p->total;
}

/*
 * The sender as part of the key: E.164 when it is a phone number, so
 * "0722..." and "+40722..." on the same modem are one sender; as received
 * otherwise (alphanumeric senders).
 */
static void
reasm_sender(const char *sender, char *out, size_t outlen)
{
	if (sender == NULL)
		sender = "";
	if (phone_normalize(sender, "40", out, outlen) != 0)
		strlcpy_s(out, sender, outlen);
}

/*
 * Joins parts (ordered by seq, each within 1..total) into one new string,
 * caller frees.  Every run of missing parts (at the start, between parts,
 * at the end) becomes one REASM_GAP.
 */
static char *
reasm_join(const struct store_part *parts, size_t n, int total)
{
	struct buf b;
	int next = 1;

	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		if (parts[i].seq < next)
			continue;	/* cannot happen: seq is in the key */
		if (parts[i].seq > next && buf_addstr(&b, REASM_GAP) != 0)
			goto fail;
		if (buf_addstr(&b, parts[i].text) != 0)
			goto fail;
		next = parts[i].seq + 1;
	}
	if (next <= total && buf_addstr(&b, REASM_GAP) != 0)
		goto fail;
	return buf_take(&b);

fail:
	/* Only a bounded buffer can refuse; this one is not bounded. */
	buf_free(&b);
	return xstrdup(REASM_GAP);
}

int
gw_reasm_add(struct gateway *gw, const char *modem,
    const struct modem_part *p, int64_t now, char **text_out, int *parts_out)
{
	struct store_part_key k;
	struct store_part *parts;
	char sender[64];
	size_t n;
	int rc, count;

	*text_out = NULL;
	*parts_out = 0;
	if (!reasm_concatenated(p)) {
		if (p->concat_bits != 0 && p->total != 1)
			log_warnx("modem %s: malformed concatenation (bits %d "
			    "ref %d part %d/%d), taken as a single message",
			    modem, p->concat_bits, p->ref, p->seq, p->total);
		*text_out = xstrdup(p->text != NULL ? p->text : "");
		*parts_out = 1;
		return 1;
	}
	reasm_sender(p->sender, sender, sizeof(sender));
	k.modem = modem;
	k.sender = sender;
	k.bits = p->concat_bits;
	k.ref = p->ref;
	k.total = p->total;
	rc = store_parts_add(gw->store, &k, p->seq, p->text, now);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		log_debug("modem %s: part %d/%d of ref %d/%d already pending",
		    modem, p->seq, p->total, p->ref, p->concat_bits);
		return 0;
	}
	if (store_parts_count(gw->store, &k, &count) != 0)
		return -1;
	log_debug("modem %s: part %d/%d of ref %d/%d stored, %d present",
	    modem, p->seq, p->total, p->ref, p->concat_bits, count);
	if (count < p->total)
		return 0;
	if (store_parts_take(gw->store, &k, &parts, &n) != 0)
		return -1;
	*text_out = reasm_join(parts, n, p->total);
	*parts_out = (int)n;
	store_parts_free(parts, n);
	return 1;
}

/*
 * One attempt at delivering a timed-out group in a transaction of its
 * own: takes its parts, stores the joined text as an incomplete message
 * and, when route is set, routes it.  0 or -1 (rolled back, logged).
 */
static int
reasm_deliver(struct gateway *gw, const struct store_part_group *g,
    int64_t now, int route)
{
	struct store_part_key k;
	struct store_inbound in;
	struct store_part *parts = NULL;
	const char *step = "take";
	char *text = NULL;
	size_t n = 0;

	k.modem = g->modem;
	k.sender = g->sender;
	k.bits = g->bits;
	k.ref = g->ref;
	k.total = g->total;
	if (store_begin(gw->store) != 0)
		return -1;
	if (store_parts_take(gw->store, &k, &parts, &n) != 0)
		goto fail;
	/* n == 0: completed by a late part since the listing. */
	if (n > 0) {
		text = reasm_join(parts, n, g->total);
		memset(&in, 0, sizeof(in));
		in.received_at = now;
		in.channel = g->modem;
		in.sender = g->sender;
		in.text = text;
		in.parts = (int)n;
		in.incomplete = 1;
		in.kind = (char *)(uintptr_t)"sms";
		step = "store";
		if (store_inbound_add(gw->store, &in) != 0)
			goto fail;
		step = "route";
		if (route && gw_inbound_route(gw, g->modem, in.id, g->sender,
		    text, now) != 0)
			goto fail;
	}
	step = "commit";
	if (store_commit(gw->store) != 0)
		goto fail;
	if (n > 0)
		log_info("modem %s: msg %lld received incomplete (%zu of %d "
		    "parts)%s", g->modem, (long long)in.id, n, g->total,
		    route ? "" : ", without a reply");
	store_parts_free(parts, n);
	free(text);
	return 0;

fail:
	log_warnx("modem %s: incomplete message (ref %d/%d): %s failed%s%s",
	    g->modem, g->ref, g->bits, step,
	    strcmp(step, "route") == 0 ? "" : ": ",
	    strcmp(step, "route") == 0 ? "" : store_errmsg(gw->store));
	store_rollback(gw->store);
	store_parts_free(parts, n);
	free(text);
	return -1;
}

/*
 * Delivers one timed-out group.  One message the flow engine cannot
 * handle must neither hold back the others nor be retried forever, so if
 * routing fails it is stored without a reply.  0 or -1.
 */
static int
reasm_expire_one(struct gateway *gw, const struct store_part_group *g,
    int64_t now)
{
	if (reasm_deliver(gw, g, now, 1) == 0)
		return 0;
	return reasm_deliver(gw, g, now, 0);
}

int
gw_reasm_expire(struct gateway *gw, int64_t now)
{
	struct store_part_group *g;
	int64_t before;
	size_t n;
	int rc = 0;

	before = now - (int64_t)gw->conf->multipart_timeout_s * 1000;
	/* In batches, so a backlog after a long outage is bounded in memory;
	 * each delivered group leaves the table, so the next query moves on.
	 * Stop at the first failure rather than spin on it. */
	for (;;) {
		if (store_parts_older(gw->store, before, REASM_EXPIRE_BATCH, &g,
		    &n) != 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (reasm_expire_one(gw, &g[i], now) != 0)
				rc = -1;
		store_part_groups_free(g, n);
		if (rc != 0 || n < REASM_EXPIRE_BATCH)
			break;
	}
	return rc;
}
