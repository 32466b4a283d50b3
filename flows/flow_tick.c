/*
 * flow_tick.c - what happens to a dialogue when nobody writes: the
 * question is asked again once after the re-prompt time, the session
 * ends with a message after the expiry time (leaving a tombstone so a
 * late answer is explained), and a USSD dialogue that broke off is
 * handed over to SMS if its flow allows it.
 *
 * Sessions carry a due_at time computed whenever they are saved, so the
 * tick reads only the few rows that need it (an index on due_at).
 */
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define TICK_BATCH	   64			   /* sessions per tick */
#define USSD_KEEP_MS	   (24LL * 3600 * 1000)	   /* retry answers kept */
#define VERSION_KEEP_MS	   (24LL * 3600 * 1000)	   /* unused versions */

static int tick_one(struct flow_engine *, struct store *,
    const struct store_session *, int64_t);
static int tick_sms(struct flow_run *, const struct store_contact *);
static int tick_ussd(struct flow_run *, const struct store_contact *);
static int tick_prune(struct flow_engine *, struct store *, int64_t);

/* An SMS dialogue waiting or suspended: re-prompt or expire. */
static int
tick_sms(struct flow_run *r, const struct store_contact *c)
{
	struct flow_session *s = r->s;
	int64_t expiry, reprompt;
	char *text;
	int rc;

	expiry = flow_engine_expiry_s(r->eng, r->def);
	if (r->now >= s->waiting_since + expiry * 1000) {
		if (s->state == FLOW_SESSION_SUSPENDED) {
			/* Never seen on SMS: end it without a word. */
			flow_run_close(r, FLOW_HOW_EXPIRED);
			return flow_run_save(r);
		}
		r->about_flow = r->def->name;
		if (r->def->expired.line != 0)
			flow_run_text(r, &r->def->expired);
		else
			flow_run_say(r, FLOW_MSG_EXPIRED);
		flow_run_close(r, FLOW_HOW_EXPIRED);
		if (store_tombstone_put(r->store, r->phone, (int)s->channel,
		    r->def->name, r->now) != 0 || flow_run_save(r) != 0)
			return -1;
		log_info("flows: session in %s expired", r->def->name);
	} else {
		reprompt = flow_engine_reprompt_s(r->eng, r->def);
		if (s->state != FLOW_SESSION_WAITING || s->reprompted ||
		    reprompt <= 0 ||
		    r->now < s->waiting_since + reprompt * 1000)
			return flow_run_save(r); /* recompute due_at */
		flow_run_say(r, FLOW_MSG_REMINDER);
		flow_run_prompt(r);
		s->reprompted = 1;
		if (flow_run_save(r) != 0)
			return -1;
		log_debug("flows: re-prompt in %s step %s", r->def->name,
		    s->node);
	}
	text = flow_run_take(r);
	rc = flow_engine_queue(r->store, r->phone, text, STORE_PRIO_REPLY,
	    c->last_channel);
	free(text);
	return rc;
}

/* A USSD dialogue with no request for ussd_timeout_s: it broke off. */
static int
tick_ussd(struct flow_run *r, const struct store_contact *c)
{
	const struct flow_def *d = r->def;
	struct flow_run sms;
	struct flow_session *u = r->s;
	char *text = NULL;
	size_t i;
	int active, rc = -1;

	if (d->after_ussd == FLOW_AFTER_USSD_NO ||
	    !(d->channels & (1 << FLOW_CHANNEL_SMS)) ||
	    u->state != FLOW_SESSION_WAITING) {
		flow_run_close(r, FLOW_HOW_EXPIRED);
		return flow_run_save(r);
	}
	flow_run_init(&sms, r->eng, r->store, r->phone, FLOW_CHANNEL_SMS,
	    c->language, "", r->now);
	active = flow_engine_open(r->eng, &sms);
	if (active != 0) {
		/* An SMS dialogue of its own goes first. */
		if (active == 1) {
			log_debug("flows: broken-off USSD %s dropped, an SMS "
			    "dialogue is running", d->name);
			flow_run_close(r, FLOW_HOW_EXPIRED);
		}
		rc = active < 0 ? -1 : 0;
		goto end_ussd;
	}
	/* Same flow, version, step and answers, now on SMS. */
	sms.s->flow = xstrdup(u->flow);
	strlcpy_s(sms.s->version, u->version, sizeof(sms.s->version));
	sms.s->node = xstrdup(u->node);
	for (i = 0; i < u->nfields; i++)
		flow_session_set(sms.s, u->fields[i].key, u->fields[i].value);
	sms.s->started_at = u->started_at;
	sms.s->waiting_since = r->now;
	sms.def = d;
	if (d->after_ussd == FLOW_AFTER_USSD_SEND && !c->opted_out) {
		flow_session_enter_state(sms.s, FLOW_SESSION_WAITING);
		flow_run_say(&sms, FLOW_MSG_RESUME);
		flow_run_prompt(&sms);
		text = flow_run_take(&sms);
	} else
		flow_session_enter_state(sms.s, FLOW_SESSION_SUSPENDED);
	if (flow_run_save(&sms) != 0 || flow_engine_queue(r->store, r->phone,
	    text, STORE_PRIO_REPLY, c->last_channel) != 0)
		goto done;
	log_info("flows: broken-off USSD dialogue in %s continues by SMS",
	    d->name);
	rc = 0;
end_ussd:
	flow_run_end(r);
	if (flow_run_save(r) != 0)
		rc = -1;
done:
	free(text);
	flow_session_free(sms.s);
	flow_run_done(&sms);
	return rc;
}

static int
tick_one(struct flow_engine *e, struct store *st,
    const struct store_session *row, int64_t now)
{
	struct store_contact c;
	struct flow_run r;
	int active, rc = -1;

	if (store_contact_get(st, row->phone, e->default_lang, &c) != 0)
		return -1;
	flow_run_init(&r, e, st, row->phone, (enum flow_channel)row->channel,
	    c.language, "", now);
	active = flow_engine_open(e, &r);
	if (active < 0)
		goto done;
	if (active == 0) {
		/* Ended by flow_engine_open (flow gone) or not waiting. */
		flow_run_end(&r);
		rc = flow_run_save(&r);
		goto done;
	}
	if (r.channel == FLOW_CHANNEL_USSD)
		rc = tick_ussd(&r, &c);
	else
		rc = tick_sms(&r, &c);
done:
	flow_session_free(r.s);
	flow_run_done(&r);
	store_contact_clear(&c);
	return rc;
}

static int
tick_prune(struct flow_engine *e, struct store *st, int64_t now)
{
	int64_t before = e->last_prune;

	flow_engine_prune(e, st, now);
	if (e->last_prune == before)
		return 0; /* not yet time */
	if (store_tombstone_prune(st, now - e->expiry_s * 1000) != 0 ||
	    store_ussd_prune(st, now - USSD_KEEP_MS) != 0 ||
	    store_flow_version_prune(st, now - VERSION_KEEP_MS) != 0)
		return -1;
	return 0;
}

int
flow_engine_tick(struct flow_engine *e, struct store *st, int64_t now)
{
	struct store_session *rows;
	size_t n, i;
	int rc = 0;

	if (store_session_due(st, now, TICK_BATCH, &rows, &n) != 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = tick_one(e, st, &rows[i], now);
	for (i = 0; i < n; i++)
		store_session_clear(&rows[i]);
	free(rows);
	if (rc == 0)
		rc = tick_prune(e, st, now);
	if (rc != 0)
		log_warnx("flows: tick failed, will retry");
	else if (n == TICK_BATCH)
		log_debug("flows: more sessions due, next tick goes on");
	return rc;
}

int
flow_engine_ussd_end(struct flow_engine *e, struct store *st,
    const char *session_id, int64_t now)
{
	struct store_ussd u;
	struct store_contact c;
	struct flow_run r;
	int known, active, rc = -1;

	known = store_ussd_get(st, session_id, &u);
	if (known <= 0)
		return known;
	if (u.ended) {
		store_ussd_clear(&u);
		return 0; /* END was shown: a finished session, nothing left */
	}
	/* Repeats of this session now get the last screen and nothing
	 * advances: the aggregator said it is over. */
	u.ended = 1;
	u.updated_at = now;
	free(u.response);
	u.response = xstrdup("END");
	free(u.pending);
	u.pending = NULL;
	if (store_ussd_put(st, &u) != 0) {
		store_ussd_clear(&u);
		return -1;
	}
	if (store_contact_get(st, u.phone, e->default_lang, &c) != 0) {
		store_ussd_clear(&u);
		return -1;
	}
	flow_run_init(&r, e, st, u.phone, FLOW_CHANNEL_USSD, c.language, "",
	    now);
	active = flow_engine_open(e, &r);
	if (active < 0)
		goto done;
	if (active == 0) {
		flow_run_end(&r);
		rc = flow_run_save(&r) != 0 ? -1 : 0;
		goto done;
	}
	/* The same hand-over as a break-off seen by the tick. */
	rc = tick_ussd(&r, &c) != 0 ? -1 : 1;
done:
	flow_session_free(r.s);
	flow_run_done(&r);
	store_contact_clear(&c);
	store_ussd_clear(&u);
	return rc;
}
