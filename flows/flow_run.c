/*
 * flow_run.c - the interpreter: walks a session through the nodes of its
 * flow, building the reply, until it waits for an answer or ends.
 *
 * Everything here works on a struct flow_run prepared by the caller (the
 * engine for an inbound message, the tick for a re-prompt); nothing is
 * written to the store until flow_run_save(), which the caller does inside
 * its transaction.  Walking is bounded (FLOW_STEPS_PER_INPUT nodes, a few
 * nested "start" steps), so a loop written by mistake in a flow file ends
 * the dialogue with an apology instead of hanging the gateway.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define FLOW_REPLY_MAX	  (8 * 1024) /* bytes of one reply */
#define FLOW_START_DEPTH  4	     /* nested "start" steps */

static const char *run_lookup(const char *, void *);
static const char *keywords_text(struct flow_run *);
static const char *pick_text(const struct flow_text *, enum flow_lang);
static void append_rendered(struct flow_run *, const char *);
static int advance(struct flow_run *, int);
static int case_target(const struct flow_node *, const char *, int *);
static int call_action(struct flow_run *, const struct flow_node *, int *);
static void count_completed(struct flow_run *, enum flow_how);
static void fail_session(struct flow_run *, const char *);

static const enum flow_msg hint_msgs[] = {
	[FLOW_ASK_MENU] = FLOW_MSG_HINT_MENU,
	[FLOW_ASK_NUMBER] = FLOW_MSG_HINT_NUMBER,
	[FLOW_ASK_DATE] = FLOW_MSG_HINT_DATE,
	[FLOW_ASK_YESNO] = FLOW_MSG_HINT_YESNO,
	[FLOW_ASK_PATTERN] = FLOW_MSG_HINT_PATTERN,
	[FLOW_ASK_PHONE] = FLOW_MSG_HINT_PHONE,
	[FLOW_ASK_TEXT] = FLOW_MSG_HINT_TEXT,
};

void
flow_run_init(struct flow_run *r, struct flow_engine *eng, struct store *st,
    const char *phone, enum flow_channel channel, const char *lang,
    const char *text, int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->eng = eng;
	r->store = st;
	r->phone = phone;
	r->channel = channel;
	r->lang = flow_lang_parse(lang);
	r->text = text != NULL ? text : "";
	r->norm = flow_text_normalize(r->text);
	r->now = now;
	buf_init(&r->out, FLOW_REPLY_MAX);
	buf_init(&r->kw, 0);
}

void
flow_run_done(struct flow_run *r)
{
	free(r->norm);
	r->norm = NULL;
	buf_free(&r->out);
	buf_free(&r->kw);
}

char *
flow_run_take(struct flow_run *r)
{
	/* No trailing line breaks: they would cost characters. */
	while (r->out.len > 0 && r->out.data[r->out.len - 1] == '\n')
		r->out.data[--r->out.len] = '\0';
	return buf_take(&r->out);
}

/* The first keyword of every flow that can be started on this channel. */
static const char *
keywords_text(struct flow_run *r)
{
	const struct flow_engine *e = r->eng;
	size_t i;
	int rc = 0;

	buf_reset(&r->kw);
	for (i = 0; i < e->ncur; i++) {
		const struct flow_def *d = e->cur[i];

		if (d->nkeywords == 0 ||
		    !(d->channels & (1 << FLOW_CHANNEL_SMS)))
			continue;
		if (r->kw.len > 0)
			rc |= buf_addstr(&r->kw, ", ");
		rc |= buf_addstr(&r->kw, d->keywords[0]);
	}
	if (r->kw.len == 0)
		rc |= buf_addstr(&r->kw, flow_global_help_word(r->lang));
	if (rc != 0)
		log_warnx("flows: keyword list truncated");
	return r->kw.data;
}

static const char *
run_lookup(const char *name, void *arg)
{
	struct flow_run *r = arg;
	const struct flow_def *about = NULL;

	if (strcmp(name, "keywords") == 0)
		return keywords_text(r);
	if (strcmp(name, "help") == 0)
		return flow_global_help_word(r->lang);
	if ((strcmp(name, "min") == 0 || strcmp(name, "max") == 0) &&
	    r->hint != NULL) {
		int i = name[1] == 'a';

		snprintf(r->num[i], sizeof(r->num[i]), "%lld",
		    (long long)(i ? r->hint->hi : r->hint->lo));
		return r->num[i];
	}
	if (strcmp(name, "flow") == 0 || strcmp(name, "keyword") == 0) {
		if (r->about_flow != NULL)
			about = flow_engine_current(r->eng, r->about_flow);
		if (about == NULL)
			about = r->def;
		if (name[1] == 'l')
			return about == NULL ? "" : about->title != NULL ?
			    about->title : about->name;
		return about != NULL && about->nkeywords > 0 ?
		    about->keywords[0] : flow_global_help_word(r->lang);
	}
	if (r->s != NULL)
		return flow_session_get(r->s, name);
	return NULL;
}

static const char *
pick_text(const struct flow_text *t, enum flow_lang lang)
{
	int i;

	if (t->s[lang] != NULL)
		return t->s[lang];
	if (t->s[FLOW_LANG_RO] != NULL)
		return t->s[FLOW_LANG_RO];
	for (i = 0; i < FLOW_LANG_N; i++) {
		if (t->s[i] != NULL)
			return t->s[i];
	}
	return NULL;
}

void
flow_run_newline(struct flow_run *r)
{
	if (r->out.len > 0 && r->out.data[r->out.len - 1] != '\n' &&
	    buf_add(&r->out, "\n", 1) != 0)
		log_warnx("flows: reply longer than %d bytes, cut",
		    FLOW_REPLY_MAX);
}

static void
append_rendered(struct flow_run *r, const char *tmpl)
{
	if (tmpl == NULL || tmpl[0] == '\0')
		return;
	flow_run_newline(r);
	if (flow_text_render(&r->out, tmpl, run_lookup, r) != 0)
		log_warnx("flows: reply longer than %d bytes, cut",
		    FLOW_REPLY_MAX);
}

void
flow_run_text(struct flow_run *r, const struct flow_text *t)
{
	append_rendered(r, pick_text(t, r->lang));
}

void
flow_run_say(struct flow_run *r, enum flow_msg m)
{
	const struct flow_text *t = r->eng->msgs[m];
	const char *s = t != NULL ? pick_text(t, r->lang) : NULL;

	append_rendered(r, s != NULL ? s : flow_msg_default(m, r->lang));
}

const struct flow_node *
flow_run_node(const struct flow_run *r)
{
	int i;

	if (r->def == NULL || r->s == NULL || r->s->node == NULL)
		return NULL;
	i = flow_node_find(r->def, r->s->node);
	return i >= 0 ? &r->def->nodes[i] : NULL;
}

void
flow_run_prompt(struct flow_run *r)
{
	const struct flow_node *n = flow_run_node(r);

	if (n != NULL && n->kind == FLOW_NODE_ASK)
		flow_run_text(r, &n->text);
}

void
flow_run_end(struct flow_run *r)
{
	if (r->s != NULL && r->s->state != FLOW_SESSION_ENDED)
		flow_session_enter_state(r->s, FLOW_SESSION_ENDED);
	r->end = 1;
}

/* Counts the dialogue running in r, if any, as completed how. */
static void
count_completed(struct flow_run *r, enum flow_how how)
{
	const struct flow_session *s = r->s;

	if (s != NULL && s->flow != NULL &&
	    (s->state == FLOW_SESSION_RUNNING ||
	    s->state == FLOW_SESSION_WAITING ||
	    s->state == FLOW_SESSION_SUSPENDED))
		flow_engine_count(r->eng, s->flow, (int)how);
}

void
flow_run_close(struct flow_run *r, enum flow_how how)
{
	count_completed(r, how);
	flow_run_end(r);
}

/* Ends the dialogue with the apology; `why` goes to the log only. */
static void
fail_session(struct flow_run *r, const char *why)
{
	log_warnx("flow %s step %s: %s; dialogue ended",
	    r->def != NULL ? r->def->name : "-",
	    r->s != NULL && r->s->node != NULL ? r->s->node : "-", why);
	flow_run_say(r, FLOW_MSG_ERROR);
	flow_run_close(r, FLOW_HOW_ERROR);
}

/* 1 with *idx when an "if" of n matches value (the "if invalid" way out
 * excluded), 0 when none does. */
static int
case_target(const struct flow_node *n, const char *value, int *idx)
{
	size_t i;

	for (i = 0; i < n->ncases; i++) {
		const struct flow_case *c = &n->cases[i];

		if (n->kind == FLOW_NODE_ASK && c->value != NULL &&
		    strcmp(c->value, "INVALID") == 0)
			continue;
		if (flow_case_matches(c, value)) {
			*idx = c->target_idx;
			return 1;
		}
	}
	return 0;
}

static int
call_action(struct flow_run *r, const struct flow_node *n, int *idx)
{
	const struct flow_action *a;
	struct flow_action_ctx ctx = { 0 };
	struct buf reply;
	const char *outcome;

	a = flow_actions_find(r->eng->sets, r->eng->nsets, n->target_name,
	    &ctx.service);
	if (a == NULL) {
		fail_session(r, "action not registered");
		return -1;
	}
	buf_init(&reply, FLOW_REPLY_MAX);
	ctx.store = r->store;
	ctx.conf = r->eng->conf;
	ctx.phone = r->phone;
	ctx.channel = r->channel;
	ctx.language = flow_lang_name(r->lang);
	ctx.text = r->text;
	ctx.now = r->now;
	ctx.session = r->s;
	ctx.reply = &reply;
	outcome = a->fn(&ctx);
	if (ctx.forget_input)
		r->forget_input = 1;
	if (ctx.forget_sender)
		r->forget_sender = 1;
	r->lang = flow_lang_parse(ctx.language);
	if (reply.len > 0) {
		flow_run_newline(r);
		if (buf_add(&r->out, reply.data, reply.len) != 0)
			log_warnx("flows: reply longer than %d bytes, cut",
			    FLOW_REPLY_MAX);
	}
	buf_free(&reply);
	if (outcome == NULL) {
		fail_session(r, "action failed");
		return -1;
	}
	log_debug("flow %s step %s: action %s -> %s", r->def->name, n->name,
	    a->name, outcome);
	if (!case_target(n, outcome, idx))
		*idx = n->next_idx;
	return 0;
}

/* Walks from node idx (-1 = the end) until a question or the end. */
static int
advance(struct flow_run *r, int idx)
{
	struct flow_session *s = r->s;
	const struct flow_node *n;
	const struct flow_def *target;
	struct buf v;
	int steps = 0;

	if (s->state != FLOW_SESSION_RUNNING)
		flow_session_enter_state(s, FLOW_SESSION_RUNNING);
	while (idx >= 0) {
		if (++steps > FLOW_STEPS_PER_INPUT) {
			fail_session(r, "too many steps without a question "
			    "(a loop?)");
			return 0;
		}
		n = &r->def->nodes[idx];
		free(s->node);
		s->node = xstrdup(n->name);
		switch (n->kind) {
		case FLOW_NODE_SEND:
			flow_run_text(r, &n->text);
			idx = n->next_idx;
			break;
		case FLOW_NODE_ASK:
			flow_run_text(r, &n->text);
			s->tries = 0;
			s->reprompted = 0;
			s->waiting_since = r->now;
			flow_session_enter_state(s, FLOW_SESSION_WAITING);
			return 0;
		case FLOW_NODE_BRANCH:
			if (!case_target(n, flow_session_get(s, n->field),
			    &idx))
				idx = n->next_idx;
			break;
		case FLOW_NODE_SAVE:
			buf_init(&v, FLOW_VALUE_MAX);
			if (flow_text_render(&v, n->value, run_lookup, r) != 0)
				log_warnx("flow %s step %s: value cut",
				    r->def->name, n->name);
			flow_session_set(s, n->field,
			    v.data != NULL ? v.data : "");
			buf_free(&v);
			idx = n->next_idx;
			break;
		case FLOW_NODE_ACTION:
			if (call_action(r, n, &idx) != 0)
				return 0;
			break;
		case FLOW_NODE_START:
			target = flow_engine_current(r->eng, n->target_name);
			if (target == NULL || r->depth >= FLOW_START_DEPTH) {
				fail_session(r, target == NULL ?
				    "start: flow not loaded" :
				    "start: too many nested flows");
				return 0;
			}
			r->depth++;
			return flow_run_start(r, target);
		case FLOW_NODE_END:
			flow_run_text(r, &n->text);
			flow_run_close(r, FLOW_HOW_END);
			return 0;
		}
	}
	/* Falling off the last step ends the dialogue quietly. */
	flow_run_close(r, FLOW_HOW_END);
	return 0;
}

int
flow_run_start(struct flow_run *r, const struct flow_def *def)
{
	struct flow_session *s = r->s;
	char red[32];

	/* A dialogue left for this one: handed over by a `start` step
	 * (running), or interrupted by a keyword or a new dial. */
	count_completed(r, s->state == FLOW_SESSION_RUNNING ? FLOW_HOW_END :
	    FLOW_HOW_CANCEL);
	flow_engine_count(r->eng, def->name, -1);
	free(s->flow);
	s->flow = xstrdup(def->name);
	strlcpy_s(s->version, def->version, sizeof(s->version));
	free(s->node);
	s->node = NULL;
	flow_session_clear_fields(s);
	s->tries = 0;
	s->reprompted = 0;
	s->started_at = r->now;
	s->waiting_since = r->now;
	r->def = def;
	r->end = 0;
	log_debug("session %s: flow %s (version %s) started",
	    log_redact_number(r->phone, red, sizeof(red)), def->name,
	    def->version);
	/* Kept so the session can go on after a restart even if the file
	 * has been changed by then. */
	if (store_flow_version_put(r->store, def->name, def->version,
	    def->source, def->srclen, r->now) != 0)
		return -1;
	return advance(r, 0);
}

int
flow_run_answer_valid(struct flow_run *r)
{
	const struct flow_node *n = flow_run_node(r);
	char *value = NULL;
	int ok;

	if (n == NULL || n->kind != FLOW_NODE_ASK)
		return 0;
	ok = flow_validate_answer(n, r->text, r->norm, r->now, &value);
	free(value);
	return ok;
}

int
flow_run_answer(struct flow_run *r)
{
	struct flow_session *s = r->s;
	const struct flow_node *n = flow_run_node(r);
	char *value = NULL;
	int idx;
	size_t i;

	if (n == NULL || n->kind != FLOW_NODE_ASK) {
		fail_session(r, "session is not at a question");
		return 0;
	}
	if (n->private_input)
		r->forget_input = 1;
	if (flow_validate_answer(n, r->text, r->norm, r->now, &value)) {
		flow_session_set(s, n->field, value);
		free(value);
		if (!case_target(n, flow_session_get(s, n->field), &idx))
			idx = n->next_idx;
		return advance(r, idx);
	}
	s->tries++;
	if (n->tries > 0 && s->tries >= n->tries) {
		/* Recorded as invalid, and the dialogue moves on
		 * (polls.md section 4). */
		flow_session_set(s, n->field, "");
		idx = n->next_idx;
		for (i = 0; i < n->ncases; i++) {
			if (n->cases[i].value != NULL &&
			    strcmp(n->cases[i].value, "INVALID") == 0)
				idx = n->cases[i].target_idx;
		}
		return advance(r, idx);
	}
	if (pick_text(&n->invalid, r->lang) != NULL)
		flow_run_text(r, &n->invalid);
	else {
		r->hint = n;
		flow_run_say(r, FLOW_MSG_INVALID);
		if (r->out.len > 0 && buf_add(&r->out, " ", 1) != 0)
			log_warnx("flows: reply cut");
		if (flow_text_render(&r->out, r->eng->msgs[hint_msgs[n->ask]] !=
		    NULL ? pick_text(r->eng->msgs[hint_msgs[n->ask]], r->lang) :
		    flow_msg_default(hint_msgs[n->ask], r->lang), run_lookup,
		    r) != 0)
			log_warnx("flows: reply cut");
		r->hint = NULL;
	}
	flow_run_prompt(r);
	s->waiting_since = r->now;
	s->reprompted = 0;
	return 0;
}

int64_t
flow_run_due(const struct flow_run *r)
{
	const struct flow_session *s = r->s;
	int64_t expiry, reprompt, exp_at, rep_at;

	if (s == NULL || s->state == FLOW_SESSION_ENDED)
		return 0;
	if (s->channel == FLOW_CHANNEL_USSD)
		return r->now + r->eng->ussd_timeout_s * 1000;
	expiry = flow_engine_expiry_s(r->eng, r->def);
	exp_at = s->waiting_since + expiry * 1000;
	if (s->state != FLOW_SESSION_WAITING || s->reprompted)
		return exp_at;
	reprompt = flow_engine_reprompt_s(r->eng, r->def);
	rep_at = s->waiting_since + reprompt * 1000;
	return reprompt > 0 && rep_at < exp_at ? rep_at : exp_at;
}

int
flow_run_save(struct flow_run *r)
{
	if (r->s == NULL)
		return 0;
	r->s->updated_at = r->now;
	return flow_session_save(r->store, r->s, flow_run_due(r));
}
