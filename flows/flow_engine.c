/*
 * flow_engine.c - the engine: loading and reloading the set of flows,
 * keeping older versions alive for the sessions that run on them, and
 * deciding what an inbound text means (global word, keyword, answer,
 * late answer, or nothing) before the interpreter (flow_run.c) acts.
 *
 * Matching order, most specific first, so that a typo-tolerant match
 * never overrides an exact one and never eats a valid answer:
 *   1. the whole text is exactly a global word (STOP, AJUTOR, GATA...)
 *   2. the whole text is exactly a flow keyword
 *   3. inside a dialogue: a valid answer to the waiting question
 *   4. the text starts with a global word, then with a keyword
 *   5. a global word, then a keyword, with one typo (words >= 4 letters)
 * Steps 4 and 5 are skipped while a free-text question waits (a name or
 * a village could look like a keyword).  A keyword inside a dialogue
 * interrupts it only if the running flow says "when busy: interrupt".
 * A flow that says "preempts dialogues: yes" (a complete one-message
 * report such as FO ...) is started whenever the text begins with its
 * keyword and goes on, whatever dialogue is open and whatever it asks;
 * the open dialogue is closed with a word to the contact.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define FLOW_PRUNE_EVERY_MS (10 * 60 * 1000)
#define FLOW_STATS_MAX	    256 /* flow names counted */

enum match_level {
	MATCH_WHOLE = 0, /* the whole text, exactly */
	MATCH_PREFIX,	 /* the first words, exactly */
	MATCH_TYPO,	 /* the first words, one typo, words >= 4 letters */
};

static int engine_load(struct flow_engine *, char *, size_t);
static void engine_set_actions(struct flow_engine *,
    const struct flow_action_set *, size_t);
static void engine_set_conf(struct flow_engine *, const struct gw_config *);
static void engine_adopt(struct flow_engine *, struct flow_def **, size_t);
static void diag_to_err(struct buf *, char *, size_t);
static int word_matches(const char *, const char *, enum match_level);
static const struct flow_global_word *global_find(const char *,
    enum match_level);
static const struct flow_def *keyword_find(const struct flow_engine *,
    const char *, enum flow_channel, enum match_level);
static int do_global(struct flow_run *, const struct flow_global_word *,
    int);
static int do_keyword(struct flow_run *, const struct flow_def *);
static int do_preempt(struct flow_run *, const struct flow_def *);
static int dispatch(struct flow_run *, int);
static int no_session(struct flow_run *);

static void
engine_set_conf(struct flow_engine *e, const struct gw_config *conf)
{
	e->conf = conf;
	free(e->dir);
	e->dir = xstrdup(conf->flows_dir != NULL ? conf->flows_dir : "flows");
	free(e->default_lang);
	e->default_lang = xstrdup(conf->language != NULL ? conf->language :
	    "ro");
	e->reprompt_s = conf->session_reprompt_s;
	e->expiry_s = conf->session_expiry_s > 0 ? conf->session_expiry_s :
	    86400;
	e->ussd_timeout_s = conf->ussd_timeout_s > 0 ? conf->ussd_timeout_s :
	    180;
}

static void
engine_set_actions(struct flow_engine *e, const struct flow_action_set *sets,
    size_t n)
{
	struct flow_action_set *copy = NULL;

	if (n > 0) {
		copy = xcalloc(n, sizeof(*copy));
		memcpy(copy, sets, n * sizeof(*copy));
	}
	free(e->sets);
	e->sets = copy;
	e->nsets = n;
}

static void
diag_to_err(struct buf *errors, char *err, size_t errlen)
{
	char *nl;

	if (errlen == 0)
		return;
	strlcpy_s(err, errors->data != NULL ? errors->data : "flows: error",
	    errlen);
	/* One line for callers that print err as a sentence. */
	nl = strchr(err, '\n');
	if (nl != NULL)
		*nl = '\0';
}

/* Makes defs the current set; reuses loaded versions with equal bytes. */
static void
engine_adopt(struct flow_engine *e, struct flow_def **defs, size_t n)
{
	size_t i, j, m;

	for (i = 0; i < n; i++) {
		for (j = 0; j < e->nversions; j++) {
			if (strcmp(e->versions[j]->name, defs[i]->name) == 0 &&
			    strcmp(e->versions[j]->version,
			    defs[i]->version) == 0 &&
			    strcmp(e->versions[j]->file, defs[i]->file) == 0)
				break;
		}
		if (j < e->nversions) {
			flow_def_free(defs[i]);
			defs[i] = e->versions[j];
		} else {
			e->versions = xrealloc(e->versions,
			    (e->nversions + 1) * sizeof(*e->versions));
			e->versions[e->nversions++] = defs[i];
		}
	}
	free(e->cur);
	e->cur = defs;
	e->ncur = n;
	for (m = 0; m < FLOW_MSG_N; m++) {
		e->msgs[m] = NULL;
		for (i = 0; i < n; i++) {
			if (defs[i]->messages[m].line != 0)
				e->msgs[m] = &defs[i]->messages[m];
		}
	}
}

static int
engine_load(struct flow_engine *e, char *err, size_t errlen)
{
	struct flow_diag diag;
	struct buf errors, warnings;
	struct flow_def **defs;
	size_t n;
	char *line, *next;

	buf_init(&errors, 64 * 1024);
	buf_init(&warnings, 64 * 1024);
	memset(&diag, 0, sizeof(diag));
	diag.errors = &errors;
	diag.warnings = &warnings;
	if (flow_load_dir(e->dir, e->sets, e->nsets, &diag, &defs, &n) != 0) {
		for (line = errors.data; line != NULL && *line != '\0';
		    line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			log_warnx("flows: %s", line);
			if (next != NULL)
				next[-1] = '\n';
		}
		diag_to_err(&errors, err, errlen);
		buf_free(&errors);
		buf_free(&warnings);
		return -1;
	}
	for (line = warnings.data; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		log_debug("flows: %s", line);
	}
	if (diag.nwarnings > 0)
		log_info("flows: %d warning(s); see `stafeta flow check`",
		    diag.nwarnings);
	engine_adopt(e, defs, n);
	log_info("flows: %zu flow(s) loaded from %s", n, e->dir);
	buf_free(&errors);
	buf_free(&warnings);
	return 0;
}

struct flow_engine *
flow_engine_new(const struct gw_config *conf,
    const struct flow_action_set *sets, size_t nsets, char *err,
    size_t errlen)
{
	struct flow_engine *e;

	e = xcalloc(1, sizeof(*e));
	engine_set_conf(e, conf);
	engine_set_actions(e, sets, nsets);
	if (engine_load(e, err, errlen) != 0) {
		flow_engine_free(e);
		return NULL;
	}
	return e;
}

int
flow_engine_reload(struct flow_engine *e, const struct gw_config *conf,
    const struct flow_action_set *sets, size_t nsets, char *err,
    size_t errlen)
{
	const struct gw_config *old = e->conf;
	struct flow_action_set *old_sets = e->sets;
	size_t old_n = e->nsets;

	/* The caller frees conf (and the new states) if this fails, and
	 * keeps the old ones. */
	e->sets = NULL;
	engine_set_conf(e, conf);
	engine_set_actions(e, sets, nsets);
	if (engine_load(e, err, errlen) != 0) {
		free(e->sets);
		e->sets = old_sets;
		e->nsets = old_n;
		engine_set_conf(e, old);
		log_warnx("flows: reload failed, keeping the %zu flow(s) "
		    "loaded before", e->ncur);
		return -1;
	}
	free(old_sets);
	return 0;
}

void
flow_engine_free(struct flow_engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nversions; i++)
		flow_def_free(e->versions[i]);
	free(e->versions);
	free(e->cur);
	free(e->dir);
	free(e->default_lang);
	free(e->sets);
	for (i = 0; i < e->nstats; i++)
		free((char *)(uintptr_t)e->stats[i].flow);
	free(e->stats);
	free(e);
}

void
flow_engine_count(struct flow_engine *e, const char *flow, int how)
{
	struct flow_stats *fs = NULL;
	size_t i;

	for (i = 0; i < e->nstats && fs == NULL; i++) {
		if (strcmp(e->stats[i].flow, flow) == 0)
			fs = &e->stats[i];
	}
	if (fs == NULL) {
		if (e->nstats >= FLOW_STATS_MAX)
			return; /* flow names come from files: bounded */
		e->stats = xrealloc(e->stats, (e->nstats + 1) *
		    sizeof(*e->stats));
		fs = &e->stats[e->nstats++];
		memset(fs, 0, sizeof(*fs));
		fs->flow = xstrdup(flow);
	}
	if (how < 0)
		fs->started++;
	else if (how < FLOW_HOW_N)
		fs->completed[how]++;
}

int
flow_engine_stats(const struct flow_engine *e, size_t i,
    struct flow_stats *out)
{
	if (i >= e->nstats)
		return -1;
	*out = e->stats[i];
	return 0;
}

const char *
flow_strhow(enum flow_how how)
{
	static const char *const names[] = {
		[FLOW_HOW_END] = "end",
		[FLOW_HOW_CANCEL] = "cancel",
		[FLOW_HOW_EXPIRED] = "expired",
		[FLOW_HOW_ERROR] = "error",
	};

	return (size_t)how < NELEM(names) ? names[how] : "?";
}

void
flow_reply_clear(struct flow_reply *r)
{
	if (r == NULL)
		return;
	free(r->text);
	memset(r, 0, sizeof(*r));
}

const struct flow_def *
flow_engine_current(const struct flow_engine *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->ncur; i++) {
		if (strcmp(e->cur[i]->name, name) == 0)
			return e->cur[i];
	}
	return NULL;
}

const struct flow_def *
flow_engine_def(struct flow_engine *e, struct store *st, const char *name,
    const char *version)
{
	struct flow_diag diag;
	struct flow_def *d;
	char *src;
	size_t i, len;

	for (i = 0; i < e->nversions; i++) {
		if (strcmp(e->versions[i]->name, name) == 0 &&
		    strcmp(e->versions[i]->version, version) == 0)
			return e->versions[i];
	}
	/* Started before a restart on a file that has changed since. */
	if (store_flow_version_get(st, name, version, &src, &len) == 1) {
		memset(&diag, 0, sizeof(diag));
		d = flow_parse("(stored version)", src, len, &diag);
		free(src);
		if (d != NULL && strcmp(d->name, name) == 0) {
			e->versions = xrealloc(e->versions,
			    (e->nversions + 1) * sizeof(*e->versions));
			e->versions[e->nversions++] = d;
			log_info("flows: reloaded version %s of %s from the "
			    "store", version, name);
			return d;
		}
		flow_def_free(d);
	}
	d = (struct flow_def *)(uintptr_t)flow_engine_current(e, name);
	if (d != NULL)
		log_warnx("flows: version %s of %s is gone, its sessions go "
		    "on with version %s", version, name, d->version);
	return d;
}

int64_t
flow_engine_expiry_s(const struct flow_engine *e, const struct flow_def *d)
{
	return d != NULL && d->expiry_s > 0 ? d->expiry_s : e->expiry_s;
}

int64_t
flow_engine_reprompt_s(const struct flow_engine *e, const struct flow_def *d)
{
	return d != NULL && d->reprompt_s >= 0 ? d->reprompt_s : e->reprompt_s;
}

/* Frees old versions no session runs on any more. */
void
flow_engine_prune(struct flow_engine *e, struct store *st, int64_t now)
{
	size_t i, j, o = 0;
	int used;

	if (now - e->last_prune < FLOW_PRUNE_EVERY_MS && e->last_prune != 0)
		return;
	e->last_prune = now;
	for (i = 0; i < e->nversions; i++) {
		struct flow_def *d = e->versions[i];

		for (j = 0; j < e->ncur; j++) {
			if (e->cur[j] == d)
				break;
		}
		used = j < e->ncur ? 1 : store_session_uses(st, d->name,
		    d->version);
		if (used != 0) {
			e->versions[o++] = d;
			continue;
		}
		log_debug("flows: version %s of %s no longer used", d->version,
		    d->name);
		flow_def_free(d);
	}
	e->nversions = o;
}

int
flow_engine_info(const struct flow_engine *e, size_t i,
    struct flow_info *out)
{
	const struct flow_def *d;

	if (i >= e->ncur)
		return -1;
	d = e->cur[i];
	memset(out, 0, sizeof(*out));
	out->name = d->name;
	out->title = d->title;
	out->file = d->file;
	out->version = d->version;
	out->keywords = (const char *const *)d->keywords;
	out->nkeywords = d->nkeywords;
	out->ussd_codes = (const char *const *)d->ussd_codes;
	out->nussd_codes = d->nussd_codes;
	out->catch_all = d->catch_all;
	out->channels = d->channels;
	out->steps = d->nnodes;
	return 0;
}

int
flow_check_dir(const char *dir, const struct flow_action_set *sets,
    size_t nsets, struct buf *errors, struct buf *warnings)
{
	struct flow_diag diag;
	struct flow_def **defs;
	size_t n, i;

	memset(&diag, 0, sizeof(diag));
	diag.errors = errors;
	diag.warnings = warnings;
	if (flow_load_dir(dir, sets, nsets, &diag, &defs, &n) == 0) {
		for (i = 0; i < n; i++)
			flow_def_free(defs[i]);
		free(defs);
	}
	return diag.nerrors;
}

/*
 * 1 if the normalised text msg matches the normalised keyword kw at this
 * level.  A keyword of k words is compared with the first k words.
 */
static int
word_matches(const char *msg, const char *kw, enum match_level level)
{
	char prefix[FLOW_LINE_MAX];
	size_t words = 1, len = 0;
	const char *p;

	if (level == MATCH_WHOLE)
		return strcmp(msg, kw) == 0;
	for (p = kw; *p != '\0'; p++)
		words += *p == ' ';
	for (p = msg; *p != '\0'; p++) {
		if (*p == ' ' && --words == 0)
			break;
	}
	len = (size_t)(p - msg);
	if (len >= sizeof(prefix))
		return 0;
	memcpy(prefix, msg, len);
	prefix[len] = '\0';
	if (level == MATCH_PREFIX)
		return strcmp(prefix, kw) == 0;
	return strlen(kw) >= 4 && flow_text_one_typo(prefix, kw);
}

static const struct flow_global_word *
global_find(const char *norm, enum match_level level)
{
	const struct flow_global_word *g;

	if (norm[0] == '\0')
		return NULL;
	for (g = flow_global_words_table(); g->word != NULL; g++) {
		if (word_matches(norm, g->word, level))
			return g;
	}
	return NULL;
}

static const struct flow_def *
keyword_find(const struct flow_engine *e, const char *norm,
    enum flow_channel ch, enum match_level level)
{
	size_t i, k;

	if (norm[0] == '\0')
		return NULL;
	for (i = 0; i < e->ncur; i++) {
		const struct flow_def *d = e->cur[i];

		if (!(d->channels & (1 << ch)))
			continue;
		for (k = 0; k < d->nkeywords; k++) {
			if (word_matches(norm, d->keywords[k], level))
				return d;
		}
	}
	return NULL;
}

/* active: the session waits for an answer (or is suspended). */
static int
do_global(struct flow_run *r, const struct flow_global_word *g, int active)
{
	struct flow_session *s = r->s;

	log_debug("flows: global word %s", g->word);
	switch (g->kind) {
	case FLOW_GLOBAL_HELP:
		if (active && r->def != NULL && r->def->help.line != 0)
			flow_run_text(r, &r->def->help);
		else
			flow_run_say(r, FLOW_MSG_HELP);
		break;
	case FLOW_GLOBAL_STOP:
		if (store_contact_set_opt_out(r->store, r->phone, 1) != 0)
			return -1;
		if (active)
			flow_run_close(r, FLOW_HOW_CANCEL);
		flow_run_say(r, FLOW_MSG_STOP);
		return 0;
	case FLOW_GLOBAL_START:
		if (store_contact_set_opt_out(r->store, r->phone, 0) != 0)
			return -1;
		flow_run_say(r, FLOW_MSG_START);
		break;
	case FLOW_GLOBAL_CANCEL:
		if (!active) {
			flow_run_say(r, FLOW_MSG_NOTHING);
			return 0;
		}
		flow_run_close(r, FLOW_HOW_CANCEL);
		flow_run_say(r, FLOW_MSG_CANCEL);
		return 0;
	case FLOW_GLOBAL_LANGUAGE:
		if (store_contact_set_language(r->store, r->phone, g->arg) != 0)
			return -1;
		r->lang = flow_lang_parse(g->arg);
		flow_run_say(r, FLOW_MSG_LANGUAGE);
		break;
	case FLOW_GLOBAL_NONE:
		return 0;
	}
	/* Help, START and a language change leave the dialogue where it
	 * was: ask the open question again. */
	if (active) {
		if (s->state == FLOW_SESSION_SUSPENDED) {
			flow_run_say(r, FLOW_MSG_RESUME);
			flow_session_enter_state(s, FLOW_SESSION_WAITING);
			s->waiting_since = r->now;
			s->reprompted = 0;
		}
		flow_run_prompt(r);
	}
	return 0;
}

static int
do_keyword(struct flow_run *r, const struct flow_def *d)
{
	if (r->s->flow != NULL && r->s->state != FLOW_SESSION_ENDED)
		log_debug("flows: keyword of %s interrupts %s", d->name,
		    r->s->flow);
	return flow_run_start(r, d);
}

/* A preempting flow's keyword inside another dialogue: that dialogue is
 * closed (counted as cancelled), the new flow runs, then the word. */
static int
do_preempt(struct flow_run *r, const struct flow_def *d)
{
	char *closed = xstrdup(r->def->name);
	int rc;

	log_debug("flows: %s preempts %s", d->name, closed);
	rc = flow_run_start(r, d);
	if (rc == 0) {
		r->about_flow = closed;
		flow_run_say(r, FLOW_MSG_PREEMPTED);
		r->about_flow = NULL;
	}
	free(closed);
	return rc;
}

/* Nothing running: a keyword, a late answer, or the catch-all. */
static int
no_session(struct flow_run *r)
{
	const struct flow_global_word *g;
	const struct flow_def *d;
	enum match_level lv;
	char *late = NULL;
	size_t i;
	int rc;

	for (lv = MATCH_WHOLE; lv <= MATCH_TYPO; lv++) {
		g = global_find(r->norm, lv);
		if (g != NULL)
			return do_global(r, g, 0);
		d = keyword_find(r->eng, r->norm, r->channel, lv);
		if (d != NULL)
			return do_keyword(r, d);
	}
	rc = store_tombstone_take(r->store, r->phone, (int)r->channel,
	    r->now - r->eng->expiry_s * 1000, &late);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		r->about_flow = late;
		flow_run_say(r, FLOW_MSG_LATE);
		r->about_flow = NULL;
		free(late);
		return 0;
	}
	for (i = 0; i < r->eng->ncur; i++) {
		d = r->eng->cur[i];
		if (d->catch_all && (d->channels & (1 << r->channel)))
			return flow_run_start(r, d);
	}
	flow_run_say(r, FLOW_MSG_UNKNOWN);
	return 0;
}

static int
dispatch(struct flow_run *r, int active)
{
	struct flow_session *s = r->s;
	const struct flow_global_word *g;
	const struct flow_def *d;
	const struct flow_node *n;
	enum match_level lv;
	int interrupt, free_text;

	if (!active)
		return no_session(r);
	n = flow_run_node(r);
	interrupt = r->def->busy == FLOW_BUSY_INTERRUPT ||
	    s->state == FLOW_SESSION_SUSPENDED;
	free_text = n != NULL && n->kind == FLOW_NODE_ASK &&
	    (n->ask == FLOW_ASK_TEXT || n->ask == FLOW_ASK_PATTERN);
	g = global_find(r->norm, MATCH_WHOLE);
	if (g != NULL)
		return do_global(r, g, 1);
	/* The keyword followed by more (the keyword alone is not a
	 * report, and follows the usual "when busy" rule). */
	d = keyword_find(r->eng, r->norm, r->channel, MATCH_PREFIX);
	if (d != NULL && d->preempts && r->def != NULL &&
	    strcmp(d->name, r->def->name) != 0 &&
	    keyword_find(r->eng, r->norm, r->channel, MATCH_WHOLE) != d)
		return do_preempt(r, d);
	d = keyword_find(r->eng, r->norm, r->channel, MATCH_WHOLE);
	if (d != NULL && interrupt)
		return do_keyword(r, d);
	if (s->state == FLOW_SESSION_SUSPENDED) {
		/* Back by SMS after a USSD break-off: a valid answer is
		 * taken, anything else gets the open question again. */
		flow_run_say(r, FLOW_MSG_RESUME);
		flow_session_enter_state(s, FLOW_SESSION_WAITING);
		s->waiting_since = r->now;
		s->reprompted = 0;
		if (flow_run_answer_valid(r))
			return flow_run_answer(r);
		flow_run_prompt(r);
		return 0;
	}
	if (flow_run_answer_valid(r) || free_text)
		return flow_run_answer(r);
	for (lv = MATCH_PREFIX; lv <= MATCH_TYPO; lv++) {
		g = global_find(r->norm, lv);
		if (g != NULL)
			return do_global(r, g, 1);
		d = keyword_find(r->eng, r->norm, r->channel, lv);
		if (d != NULL && interrupt)
			return do_keyword(r, d);
	}
	return flow_run_answer(r);
}

/*
 * Loads phone's session on channel into r (r->s always set afterwards).
 * Returns 1 if a dialogue is active, 0 if not, -1 on error.
 */
int
flow_engine_open(struct flow_engine *e, struct flow_run *r)
{
	struct flow_session *s;
	int rc;

	rc = flow_session_load(r->store, r->phone, r->channel, &r->s);
	if (rc <= 0)
		return rc;
	s = r->s;
	if (s->state != FLOW_SESSION_WAITING &&
	    s->state != FLOW_SESSION_SUSPENDED)
		return 0;
	r->def = flow_engine_def(e, r->store, s->flow, s->version);
	if (r->def == NULL || flow_run_node(r) == NULL) {
		log_warnx("flows: session on %s step %s cannot go on (flow "
		    "or step gone); ended", s->flow, s->node);
		flow_run_close(r, FLOW_HOW_ERROR);
		r->end = 0;
		return 0;
	}
	return 1;
}

int
flow_engine_inbound(struct flow_engine *e, struct store *st,
    enum flow_channel ch, const char *phone, const char *text, int64_t now,
    struct flow_reply *out)
{
	struct store_contact c;
	struct flow_run r;
	int active, rc = -1;

	memset(out, 0, sizeof(*out));
	if (store_contact_get(st, phone, e->default_lang, &c) != 0)
		return -1;
	flow_run_init(&r, e, st, phone, ch, c.language, text, now);
	active = flow_engine_open(e, &r);
	if (active < 0)
		goto done;
	if (dispatch(&r, active) != 0)
		goto done;
	if (flow_run_save(&r) != 0)
		goto done;
	out->text = flow_run_take(&r);
	if (out->text[0] == '\0') {
		free(out->text);
		out->text = NULL;
	}
	out->end = r.s->state == FLOW_SESSION_ENDED ||
	    r.s->state == FLOW_SESSION_NEW || r.end;
	out->forget_input = r.forget_input;
	out->forget_sender = r.forget_sender;
	rc = 0;
done:
	flow_session_free(r.s);
	flow_run_done(&r);
	store_contact_clear(&c);
	return rc;
}

int
flow_engine_queue(struct store *st, const char *phone, const char *text,
    int priority, const char *channel_hint)
{
	struct store_outbound o;

	if (text == NULL || text[0] == '\0')
		return 0;
	memset(&o, 0, sizeof(o));
	o.recipient = (char *)(uintptr_t)phone;
	o.text = (char *)(uintptr_t)text;
	o.priority = priority;
	o.channel_hint = (char *)(uintptr_t)channel_hint;
	return store_outbox_add(st, &o);
}

int
flow_engine_start(struct flow_engine *e, struct store *st, const char *flow,
    const char *phone, enum flow_channel ch, int64_t now)
{
	const struct flow_def *d;
	struct store_contact c;
	struct flow_run r;
	char *text = NULL;
	int active, rc = -1;

	d = flow_engine_current(e, flow);
	if (d == NULL) {
		log_warnx("flows: start: no flow named %s", flow);
		return -1;
	}
	if (ch != FLOW_CHANNEL_SMS || !(d->channels & (1 << ch))) {
		/* USSD cannot be pushed through an aggregator callback. */
		log_warnx("flows: start %s: only SMS dialogues can be started "
		    "from the gateway", flow);
		return -1;
	}
	if (store_contact_get(st, phone, e->default_lang, &c) != 0)
		return -1;
	if (c.opted_out) {
		log_debug("flows: start %s skipped, contact opted out", flow);
		store_contact_clear(&c);
		return 0;
	}
	flow_run_init(&r, e, st, phone, ch, c.language, "", now);
	active = flow_engine_open(e, &r);
	if (active < 0)
		goto done;
	if (active && r.def->busy == FLOW_BUSY_IGNORE) {
		log_info("flows: start %s skipped, contact busy in %s", flow,
		    r.def->name);
		rc = 0;
		goto done;
	}
	if (flow_run_start(&r, d) != 0 || flow_run_save(&r) != 0)
		goto done;
	text = flow_run_take(&r);
	/* Pushed dialogues (polls, reminders) go at bulk priority so they
	 * never hold up replies to people who wrote in. */
	if (flow_engine_queue(st, phone, text, STORE_PRIO_BULK,
	    c.last_channel) != 0)
		goto done;
	rc = 1;
done:
	free(text);
	flow_session_free(r.s);
	flow_run_done(&r);
	store_contact_clear(&c);
	return rc;
}
