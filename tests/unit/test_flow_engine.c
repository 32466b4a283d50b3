/*
 * test_flow_engine.c - the engine end to end on a real (temporary) SQLite
 * store: global words, keywords with typos, interrupt/ignore policy,
 * sessions across restarts, re-prompt, expiry and late answers (the tick
 * driven with fake times), reload with running sessions, outbound starts,
 * actions, and the USSD convention (retries, pagination, newest answer,
 * hand-over to SMS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define T0	  1795348800000LL /* 2026-11-22 12:00 UTC */
#define MIN	  (60 * 1000LL)
#define HOUR	  (60 * MIN)
#define DAY	  (24 * HOUR)
#define PHONE	  "+40722000001"
#define PHONE2	  "+40722000002"
/* First keyword of each flow, in file name order. */
#define KW	  "ACTIUNE, REGISTRU, GO, BUCLA, LIPSA, NUME, POLL, PIN, INCERC"

struct fx {
	char dir[64];
	char flows[96];
	struct gw_config conf;
	struct store *st;
	struct flow_engine *eng;
};

static const char poll_flow[] =
    "flow: poll\n"
    "title: The poll\n"
    "keywords: POLL, SONDAJ\n"
    "ussd code: *1#\n"
    "continue by sms: send\n"
    "reprompt after: 1h\n"
    "expire after: 1d\n"
    "help ro: Raspundeti cu cifre.\n"
    "step q1: ask yesno\n"
    "  ro: Q1 da/nu?\n"
    "  hu: Q1 igen/nem?\n"
    "  if no: bye\n"
    "step q2: ask menu 1-3\n"
    "  ro: Q2 1-3?\n"
    "step thanks: end\n"
    "  ro: Multumim {q1} {q2}\n"
    "step bye: end\n"
    "  ro: Pa\n";

static const char busy_flow[] =
    "flow: busy\n"
    "keywords: REGISTRU\n"
    "when busy: ignore\n"
    "step n: ask number 1-10\n"
    "  ro: Cati?\n"
    "step e: end\n"
    "  ro: Gata {n}\n";

static const char name_flow[] =
    "flow: name\n"
    "keywords: NUME\n"
    "step name: ask text 20\n"
    "  ro: Cum va numiti?\n"
    "step e: end\n"
    "  ro: Salut {name}\n";

static const char act_flow[] =
    "flow: act\n"
    "keywords: ACTIUNE, FAIL, MISSING\n"
    "step pick: branch mode\n"
    "  next: a\n"
    "step a: action test-act\n"
    "  if ok: good\n"
    "  if bad: badstep\n"
    "step good: end\n"
    "  ro: OK {seen}\n"
    "step badstep: end\n"
    "  ro: BAD\n";

static const char missing_flow[] =
    "flow: missing\n"
    "keywords: LIPSA\n"
    "step a: action no-such-action\n";

static const char secret_flow[] =
    "flow: secret\n"
    "keywords: PIN\n"
    "step pin: ask pattern [0-9]{4}\n"
    "  ro: PIN?\n"
    "  private: yes\n"
    "step e: end\n"
    "  ro: Primit\n";

static const char loop_flow[] =
    "flow: loop\n"
    "keywords: BUCLA\n"
    "step a: save x = 1\n"
    "step b: branch x\n"
    "  if 1: a\n";

static const char go_flow[] =
    "flow: go\n"
    "keywords: GO\n"
    "step s: start poll\n";

static const char tries_flow[] =
    "flow: tries\n"
    "keywords: INCERC\n"
    "step t: ask menu 1-2\n"
    "  ro: Alege 1 sau 2\n"
    "  tries: 2\n"
    "  if invalid: gave\n"
    "step done: end\n"
    "  ro: Ales {t}\n"
    "step gave: end\n"
    "  ro: Renuntam\n";

static const char long_flow[] =
    "flow: long\n"
    "ussd code: *2#\n"
    "step s: end\n"
    "  ro: Linia unu are ceva text ca sa fie lunga destul de lunga.\n"
    "  ro: Linia doi are ceva text ca sa fie lunga destul de lunga.\n"
    "  ro: Linia trei are ceva text ca sa fie lunga destul de lunga.\n"
    "  ro: Linia patru are ceva text ca sa fie lunga destul de lunga.\n"
    "  ro: Linia cinci are ceva text ca sa fie lunga destul de lunga.\n";

/* Three questions on USSD only (no keyword, so not in KW). */
static const char three_flow[] =
    "flow: three\n"
    "ussd code: *3#\n"
    "step a: ask menu 1-3\n"
    "  ro: T1?\n"
    "step b: ask menu 1-3\n"
    "  ro: T2?\n"
    "step c: ask menu 1-3\n"
    "  ro: T3?\n"
    "step e: end\n"
    "  ro: Gata {a} {b} {c}\n";

static const char *test_action_mode;

static int test_action_state; /* the "service state" of test-act */

static const char *
test_action(struct flow_action_ctx *ctx)
{
	/* The engine hands an action the state of the set it came from. */
	if (ctx->service != &test_action_state)
		return NULL;
	flow_session_set(ctx->session, "seen", ctx->text);
	if (strcmp(ctx->text, "FAIL") == 0)
		return NULL;
	if (buf_addstr(ctx->reply, "(action)") != 0)
		return NULL;
	ctx->forget_input = 1;
	return test_action_mode;
}

static const struct flow_action test_action_table[] = {
	{ .name = "test-act", .fn = test_action },
	{ .name = NULL, .fn = NULL },
};

static const struct flow_action_set test_sets[] = {
	{ .actions = test_action_table, .state = &test_action_state },
};

static void
write_file(const struct fx *f, const char *name, const char *text)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->flows, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char err[512], db[128];

	strlcpy_s(f->dir, "/tmp/test_flow_engine.XXXXXX", sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->flows, sizeof(f->flows), "%s/flows", f->dir);
	assert_int_equal(mkdir_p(f->flows, 0700), 0);
	write_file(f, "poll.flow", poll_flow);
	write_file(f, "busy.flow", busy_flow);
	write_file(f, "name.flow", name_flow);
	write_file(f, "act.flow", act_flow);
	write_file(f, "missing.flow", missing_flow);
	write_file(f, "secret.flow", secret_flow);
	write_file(f, "loop.flow", loop_flow);
	write_file(f, "go.flow", go_flow);
	write_file(f, "tries.flow", tries_flow);
	write_file(f, "long.flow", long_flow);
	write_file(f, "three.flow", three_flow);
	f->conf.flows_dir = f->flows;
	f->conf.language = (char *)(uintptr_t)"ro";
	f->conf.session_reprompt_s = 3600;
	f->conf.session_expiry_s = 86400;
	f->conf.ussd_timeout_s = 180;
	snprintf(db, sizeof(db), "%s/test.db", f->dir);
	f->st = store_open(db, err, sizeof(err));
	if (f->st == NULL)
		fail_msg("%s", err);
	test_action_mode = "ok";
	f->eng = flow_engine_new(&f->conf, test_sets, 1, err, sizeof(err));
	if (f->eng == NULL)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	flow_engine_free(f->eng);
	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* One inbound SMS in one transaction; returns the reply ("" = none). */
static char *
say_full(struct fx *f, const char *phone, const char *text, int64_t now,
    struct flow_reply *out)
{
	char *r;

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(flow_engine_inbound(f->eng, f->st, FLOW_CHANNEL_SMS,
	    phone, text, now, out), 0);
	assert_int_equal(store_commit(f->st), 0);
	r = xstrdup(out->text != NULL ? out->text : "");
	return r;
}

static char *
say(struct fx *f, const char *phone, const char *text, int64_t now)
{
	struct flow_reply out;
	char *r = say_full(f, phone, text, now, &out);

	flow_reply_clear(&out);
	return r;
}

#define SAY(f, phone, text, now, want) do {				\
	char *got_ = say((f), (phone), (text), (now));			\
	if (strcmp(got_, (want)) != 0)					\
		fail_msg("\"%s\": want \"%s\", got \"%s\"", (text),	\
		    (want), got_);					\
	free(got_);							\
} while (0)

#define SAY_HAS(f, phone, text, now, part) do {				\
	char *got_ = say((f), (phone), (text), (now));			\
	if (strstr(got_, (part)) == NULL)				\
		fail_msg("\"%s\": want \"...%s...\", got \"%s\"",	\
		    (text), (part), got_);				\
	free(got_);							\
} while (0)

static void
tick(struct fx *f, int64_t now)
{
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(flow_engine_tick(f->eng, f->st, now), 0);
	assert_int_equal(store_commit(f->st), 0);
}

struct out_scan {
	const char *phone;
	int64_t max_id;
	char *text;	/* newest to phone */
	int priority;
	int count;	/* messages to phone */
};

static int
out_cb(const struct store_outbound *o, void *arg)
{
	struct out_scan *s = arg;

	if (strcmp(o->recipient, s->phone) != 0)
		return 0;
	s->count++;
	if (o->id > s->max_id) {
		s->max_id = o->id;
		free(s->text);
		s->text = xstrdup(o->text);
		s->priority = o->priority;
	}
	return 0;
}

/* Messages queued to phone: count and newest text (caller frees). */
static int
outbox(struct fx *f, const char *phone, char **newest, int *prio)
{
	struct out_scan s;

	memset(&s, 0, sizeof(s));
	s.phone = phone;
	assert_int_equal(store_outbox_list(f->st, 0, out_cb, &s), 0);
	if (newest != NULL)
		*newest = s.text;
	else
		free(s.text);
	if (prio != NULL)
		*prio = s.priority;
	return s.count;
}

static char *
ussd(struct fx *f, const char *sid, const char *phone, const char *code,
    const char *text, int64_t now)
{
	struct flow_ussd_request req;
	struct flow_reply out;
	char *r;

	memset(&req, 0, sizeof(req));
	strlcpy_s(req.session_id, sid, sizeof(req.session_id));
	strlcpy_s(req.phone, phone, sizeof(req.phone));
	strlcpy_s(req.service_code, code, sizeof(req.service_code));
	strlcpy_s(req.text, text, sizeof(req.text));
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(flow_engine_ussd(f->eng, f->st, &req, now, &out), 0);
	assert_int_equal(store_commit(f->st), 0);
	r = xstrdup(out.text);
	assert_int_equal(out.end, strncmp(r, "END", 3) == 0);
	flow_reply_clear(&out);
	return r;
}

#define USSD(f, sid, phone, code, text, now, want) do {			\
	char *got_ = ussd((f), (sid), (phone), (code), (text), (now));	\
	if (strcmp(got_, (want)) != 0)					\
		fail_msg("ussd \"%s\": want \"%s\", got \"%s\"",	\
		    (text),						\
		    (want), got_);					\
	free(got_);							\
} while (0)

static void
test_help_variants(void **state)
{
	struct fx *f = *state;
	static const char *const texts[] = { "AJUTOR", "help", "Ajutor!",
		"AJUTÓR", "ajutor .", "AJUTRO", "ajutr", "Ajutor va rog" };
	size_t i;

	for (i = 0; i < NELEM(texts); i++)
		SAY_HAS(f, PHONE, texts[i], T0, "Stafeta SPAS. Scrieti unul "
		    "din cuvintele: " KW ".");
}

static void
test_unknown_and_catch_all(void **state)
{
	struct fx *f = *state;
	char err[256];

	SAY_HAS(f, PHONE, "buna ziua", T0, "Nu am inteles mesajul. Scrieti "
	    "AJUTOR");
	SAY(f, PHONE, "", T0, "Nu am inteles mesajul. Scrieti AJUTOR pentru "
	    "informatii sau unul din cuvintele: " KW ".");
	write_file(f, "core.flow", "flow: core\ncatch-all: yes\n"
	    "step s: end\n  ro: Prins: {keywords}\n");
	assert_int_equal(flow_engine_reload(f->eng, &f->conf, test_sets, 1, err,
	    sizeof(err)), 0);
	SAY(f, PHONE, "buna ziua", T0, "Prins: " KW);
}

static void
test_stop_start(void **state)
{
	struct fx *f = *state;
	struct store_contact c;

	SAY_HAS(f, PHONE, "stop", T0, "Nu veti mai primi mesaje");
	assert_int_equal(store_contact_get(f->st, PHONE, "ro", &c), 0);
	assert_int_equal(c.opted_out, 1);
	store_contact_clear(&c);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(flow_engine_start(f->eng, f->st, "poll", PHONE,
	    FLOW_CHANNEL_SMS, T0), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(outbox(f, PHONE, NULL, NULL), 0);
	SAY_HAS(f, PHONE, "Start!", T0, "Bine ati revenit");
	assert_int_equal(store_contact_get(f->st, PHONE, "ro", &c), 0);
	assert_int_equal(c.opted_out, 0);
	store_contact_clear(&c);
	/* STOP inside a dialogue ends it too. */
	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
	SAY_HAS(f, PHONE, "STOP", T0, "Nu veti mai primi");
	SAY_HAS(f, PHONE, "1", T0, "Nu am inteles");
}

static void
test_language(void **state)
{
	struct fx *f = *state;

	assert_int_equal(store_contact_set_language(f->st, PHONE, "hu"), 0);
	SAY_HAS(f, PHONE, "segitseg", T0, "Irja be egy szot");
	/* A text missing in Hungarian falls back to Romanian. */
	SAY(f, PHONE, "poll", T0, "Q1 igen/nem?");
	SAY(f, PHONE, "igen", T0, "Q2 1-3?");
	SAY(f, PHONE, "english", T0, "From now on we write in English.\n"
	    "Q2 1-3?");
	SAY_HAS(f, PHONE, "help", T0, "Raspundeti cu cifre.");
}

static void
test_keyword_typos(void **state)
{
	struct fx *f = *state;

	SAY(f, PHONE, "POL", T0, "Q1 da/nu?");		/* one deleted */
	SAY(f, PHONE, "gata", T0, "Am oprit dialogul. Scrieti AJUTOR "
	    "pentru optiuni.");
	SAY(f, PHONE, "Sondja", T0, "Q1 da/nu?");	/* transposed */
	SAY_HAS(f, PHONE, "renunt", T0, "Am oprit");
	SAY(f, PHONE, "poll 2026", T0, "Q1 da/nu?");	/* keyword + more */
	SAY_HAS(f, PHONE, "cancel", T0, "Am oprit");
	/* Words under 4 letters get no typo: GO is not GA. */
	SAY(f, PHONE, "GO", T0, "Q1 da/nu?");
	SAY_HAS(f, PHONE, "megse", T0, "Am oprit");
	SAY_HAS(f, PHONE, "GA", T0, "Nu am inteles");
	/* One extra letter is one typo; two typos are too many. */
	SAY(f, PHONE, "PLOLL", T0, "Q1 da/nu?");
	SAY_HAS(f, PHONE, "gata", T0, "Am oprit");
	SAY_HAS(f, PHONE, "POXLY", T0, "Nu am inteles");
	SAY_HAS(f, PHONE, "gata", T0, "Nu aveti niciun dialog inceput");
}

static void
test_full_dialogue(void **state)
{
	struct fx *f = *state;

	SAY(f, PHONE, "SONDAJ", T0, "Q1 da/nu?");
	SAY(f, PHONE, "Da.", T0, "Q2 1-3?");
	SAY(f, PHONE, "5", T0, "Raspuns nevalid. Raspundeti cu un numar de "
	    "la 1 la 3.\nQ2 1-3?");
	SAY(f, PHONE, "ajutor", T0, "Raspundeti cu cifre.\nQ2 1-3?");
	SAY(f, PHONE, "2", T0, "Multumim yes 2");
	SAY(f, PHONE2, "poll", T0, "Q1 da/nu?");
	SAY(f, PHONE2, "nu", T0, "Pa");
}

/* The counts of flow (all zero if never counted). */
static struct flow_stats
stats_of(struct fx *f, const char *flow)
{
	struct flow_stats fs;
	size_t i;

	for (i = 0; flow_engine_stats(f->eng, i, &fs) == 0; i++) {
		if (strcmp(fs.flow, flow) == 0)
			return fs;
	}
	memset(&fs, 0, sizeof(fs));
	fs.flow = flow;
	return fs;
}

#define STATS(f, flow, st, end, cancel, expired, error) do {		\
	struct flow_stats fs_ = stats_of((f), (flow));			\
	if (fs_.started != (st) ||					\
	    fs_.completed[FLOW_HOW_END] != (end) ||			\
	    fs_.completed[FLOW_HOW_CANCEL] != (cancel) ||		\
	    fs_.completed[FLOW_HOW_EXPIRED] != (expired) ||		\
	    fs_.completed[FLOW_HOW_ERROR] != (error))			\
		fail_msg("%s: want %d %d/%d/%d/%d, got %llu "		\
		    "%llu/%llu/%llu/%llu", (flow), (st), (end),	\
		    (cancel), (expired), (error),			\
		    (unsigned long long)fs_.started,			\
		    (unsigned long long)fs_.completed[0],		\
		    (unsigned long long)fs_.completed[1],		\
		    (unsigned long long)fs_.completed[2],		\
		    (unsigned long long)fs_.completed[3]);		\
} while (0)

static void
test_dialogue_stats(void **state)
{
	struct fx *f = *state;

	assert_int_equal(flow_engine_stats(f->eng, 0, &(struct flow_stats){
	    0 }), -1);
	/* To the end. */
	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
	SAY(f, PHONE, "2", T0, "Pa");
	STATS(f, "poll", 1, 1, 0, 0, 0);
	/* Cancelled by GATA, and by another flow's keyword. */
	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
	SAY_HAS(f, PHONE, "GATA", T0, "");
	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
	SAY(f, PHONE, "NUME", T0, "Cum va numiti?");
	STATS(f, "poll", 3, 1, 2, 0, 0);
	STATS(f, "name", 1, 0, 0, 0, 0);
	SAY(f, PHONE, "Ana", T0, "Salut Ana");
	STATS(f, "name", 1, 1, 0, 0, 0);
	/* Expired. */
	SAY(f, PHONE2, "poll", T0, "Q1 da/nu?");
	tick(f, T0 + DAY);
	STATS(f, "poll", 4, 1, 2, 1, 0);
	/* A `start` step hands over: that flow reached its end. */
	SAY(f, PHONE2, "GO", T0 + DAY, "Q1 da/nu?");
	STATS(f, "go", 1, 1, 0, 0, 0);
	STATS(f, "poll", 5, 1, 2, 1, 0);
	/* An action that fails ends on an error. */
	test_action_mode = "ok";
	SAY_HAS(f, PHONE2, "FAIL", T0 + DAY, "");
	STATS(f, "poll", 5, 1, 3, 1, 0);
	STATS(f, "act", 1, 0, 0, 0, 1);
	/* USSD: retries and late retries count nothing more. */
	USSD(f, "st1", PHONE, "*3#", "", T0, "CON T1?");
	USSD(f, "st1", PHONE, "*3#", "", T0, "CON T1?");
	USSD(f, "st1", PHONE, "*3#", "1", T0, "CON T2?");
	USSD(f, "st1", PHONE, "*3#", "", T0, "CON T2?");
	USSD(f, "st1", PHONE, "*3#", "1*1", T0, "CON T3?");
	USSD(f, "st1", PHONE, "*3#", "1*1*1", T0, "END Gata 1 1 1");
	STATS(f, "three", 1, 1, 0, 0, 0);
}

static void
test_interrupt_and_ignore(void **state)
{
	struct fx *f = *state;

	/* poll says interrupt (the default): another keyword takes over. */
	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
	SAY(f, PHONE, "NUME", T0, "Cum va numiti?");
	SAY(f, PHONE, "Ana", T0, "Salut Ana");
	/* busy says ignore: the keyword is taken as an answer. */
	SAY(f, PHONE, "registru", T0, "Cati?");
	SAY(f, PHONE, "POLL", T0, "Raspuns nevalid. Scrieti un numar de la 1 "
	    "la 10.\nCati?");
	/* Global words still work in an ignoring flow. */
	SAY_HAS(f, PHONE, "AJUTOR", T0, "Cati?");
	SAY(f, PHONE, "7", T0, "Gata 7");
	/* ... and a system start does not interrupt it. */
	SAY(f, PHONE, "registru", T0, "Cati?");
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(flow_engine_start(f->eng, f->st, "poll", PHONE,
	    FLOW_CHANNEL_SMS, T0), 0);
	assert_int_equal(store_commit(f->st), 0);
	SAY(f, PHONE, "3", T0, "Gata 3");
}

/*
 * Issue 11: a flow that says "preempts dialogues: yes" takes a message
 * that starts with its keyword and goes on, whatever dialogue is open
 * (here one that ignores keywords, at a free-text question too), and the
 * open one is closed with a word.  The keyword alone does not preempt.
 */
static void
test_preempt(void **state)
{
	struct fx *f = *state;
	char err[256];

	write_file(f, "report.flow", "flow: report\n"
	    "keywords: RAPORT\n"
	    "preempts dialogues: yes\n"
	    "step e: end\n"
	    "  ro: Primit\n");
	assert_int_equal(flow_engine_reload(f->eng, &f->conf, test_sets, 1, err,
	    sizeof(err)), 0);
	SAY(f, PHONE, "registru", T0, "Cati?");
	SAY(f, PHONE, "RAPORT", T0, "Raspuns nevalid. Scrieti un numar de la "
	    "1 la 10.\nCati?");
	SAY(f, PHONE, "raport 12 3a", T0, "Primit\nDialogul REGISTRU inceput "
	    "a fost inchis.");
	SAY_HAS(f, PHONE, "7", T0, "Nu am inteles");
	SAY(f, PHONE, "nume", T0, "Cum va numiti?");
	SAY(f, PHONE, "Raport 4c2", T0, "Primit\nDialogul NUME inceput a "
	    "fost inchis.");
	/* Outside a dialogue it is an ordinary keyword. */
	SAY(f, PHONE, "RAPORT 1", T0, "Primit");
}

/*
 * Issue 11: answers typed into the dialled code.  "*1*1*2#" is "*1#"
 * (the poll) followed by 1 and 2; the same answers repeated in text by
 * the aggregator are taken once.
 */
static void
test_ussd_typed_code(void **state)
{
	struct fx *f = *state;

	USSD(f, "t1", PHONE, "*1*1#", "", T0, "CON Q2 1-3?");
	USSD(f, "t2", PHONE, "*1*1*2#", "", T0, "END Multumim yes 2");
	USSD(f, "t3", PHONE, "*1*1#", "1", T0, "CON Q2 1-3?");
	USSD(f, "t4", PHONE, "*1*1#", "2", T0, "END Multumim yes 2");
}

static void
test_free_text_answers(void **state)
{
	struct fx *f = *state;

	/* A free-text answer close to a global word stays an answer. */
	SAY(f, PHONE, "nume", T0, "Cum va numiti?");
	SAY(f, PHONE, "Stopp", T0, "Salut Stopp");
	SAY(f, PHONE, "nume", T0, "Cum va numiti?");
	SAY(f, PHONE, "Poll Maria", T0, "Salut Poll Maria");
	/* The exact word is still the global word. */
	SAY(f, PHONE, "nume", T0, "Cum va numiti?");
	SAY_HAS(f, PHONE, "STOP", T0, "Nu veti mai primi");
}

static void
test_timeouts(void **state)
{
	struct fx *f = *state;
	char *text;

	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
	tick(f, T0 + HOUR - 1);
	assert_int_equal(outbox(f, PHONE, NULL, NULL), 0);
	tick(f, T0 + HOUR);
	assert_int_equal(outbox(f, PHONE, &text, NULL), 1);
	assert_string_equal(text, "Asteptam raspunsul dvs.\nQ1 da/nu?");
	free(text);
	/* Only one re-prompt. */
	tick(f, T0 + 2 * HOUR);
	assert_int_equal(outbox(f, PHONE, NULL, NULL), 1);
	tick(f, T0 + DAY - 1);
	assert_int_equal(outbox(f, PHONE, NULL, NULL), 1);
	tick(f, T0 + DAY);
	assert_int_equal(outbox(f, PHONE, &text, NULL), 2);
	assert_string_equal(text, "Dialogul The poll s-a incheiat pentru ca "
	    "nu am primit raspuns. Scrieti POLL pentru a incepe din nou.");
	free(text);
	/* A late answer is explained once, not taken as something else. */
	SAY(f, PHONE, "1", T0 + DAY + MIN, "Mesajul a sosit dupa ce dialogul "
	    "The poll s-a incheiat, deci nu a fost inregistrat. Scrieti POLL "
	    "pentru a incepe din nou.");
	SAY_HAS(f, PHONE, "1", T0 + DAY + MIN, "Nu am inteles");
	/* A tombstone older than the expiry time is forgotten. */
	SAY(f, PHONE2, "poll", T0, "Q1 da/nu?");
	tick(f, T0 + DAY);
	SAY_HAS(f, PHONE2, "1", T0 + 3 * DAY, "Nu am inteles");
	/* An answer restarts the clock of the next question. */
	SAY(f, PHONE, "poll", T0 + 5 * DAY, "Q1 da/nu?");
	SAY(f, PHONE, "1", T0 + 5 * DAY + 50 * MIN, "Q2 1-3?");
	tick(f, T0 + 5 * DAY + HOUR + MIN);
	assert_int_equal(outbox(f, PHONE, NULL, NULL), 2);
	tick(f, T0 + 5 * DAY + 50 * MIN + HOUR);
	assert_int_equal(outbox(f, PHONE, &text, NULL), 3);
	assert_string_equal(text, "Asteptam raspunsul dvs.\nQ2 1-3?");
	free(text);
}

static void
test_restart_keeps_session(void **state)
{
	struct fx *f = *state;
	char err[256];

	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
	flow_engine_free(f->eng);
	f->eng = flow_engine_new(&f->conf, test_sets, 1, err, sizeof(err));
	assert_non_null(f->eng);
	SAY(f, PHONE, "da", T0 + MIN, "Q2 1-3?");
}

static void
test_reload_keeps_version(void **state)
{
	struct fx *f = *state;
	char err[256];
	char *v2;

	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
	v2 = xstrdup(poll_flow);
	memcpy(strstr(v2, "Q2 1-3?"), "N2", 2);
	write_file(f, "poll.flow", v2);
	free(v2);
	assert_int_equal(flow_engine_reload(f->eng, &f->conf, test_sets, 1, err,
	    sizeof(err)), 0);
	/* The running session keeps the version it started with... */
	SAY(f, PHONE, "da", T0, "Q2 1-3?");
	/* ... a new one gets the new version. */
	SAY(f, PHONE2, "poll", T0, "Q1 da/nu?");
	SAY(f, PHONE2, "da", T0, "N2 1-3?");
	/* After a restart the old bytes come back from the store. */
	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
	write_file(f, "poll.flow", poll_flow);
	assert_int_equal(flow_engine_reload(f->eng, &f->conf, test_sets, 1, err,
	    sizeof(err)), 0);
	SAY(f, PHONE2, "poll", T0, "Q1 da/nu?");
	v2 = xstrdup(poll_flow);
	memcpy(strstr(v2, "Q2 1-3?"), "M2", 2);
	write_file(f, "poll.flow", v2);
	free(v2);
	flow_engine_free(f->eng);
	f->eng = flow_engine_new(&f->conf, test_sets, 1, err, sizeof(err));
	assert_non_null(f->eng);
	SAY(f, PHONE2, "da", T0, "Q2 1-3?");
	/* Unused old versions are dropped by the tick. */
	SAY(f, PHONE, "gata", T0, "Am oprit dialogul. Scrieti AJUTOR pentru "
	    "optiuni.");
	/* Both old versions (Q2 and N2) came back from the store. */
	assert_int_equal(f->eng->nversions, f->eng->ncur + 2);
	SAY(f, PHONE2, "gata", T0, "Am oprit dialogul. Scrieti AJUTOR pentru "
	    "optiuni.");
	tick(f, T0 + HOUR);
	assert_int_equal(f->eng->nversions, f->eng->ncur);
}

static void
test_reload_error_keeps_set(void **state)
{
	struct fx *f = *state;
	char err[256];

	write_file(f, "bad.flow", "flow: bad\nstep s: jump\n");
	assert_int_equal(flow_engine_reload(f->eng, &f->conf, test_sets, 1, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/bad.flow:2: unknown step kind"));
	SAY(f, PHONE, "poll", T0, "Q1 da/nu?");
}

static void
test_outbound_start(void **state)
{
	struct fx *f = *state;
	char *text;
	int prio;

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(flow_engine_start(f->eng, f->st, "poll", PHONE,
	    FLOW_CHANNEL_SMS, T0), 1);
	assert_int_equal(flow_engine_start(f->eng, f->st, "nope", PHONE,
	    FLOW_CHANNEL_SMS, T0), -1);
	assert_int_equal(flow_engine_start(f->eng, f->st, "poll", PHONE,
	    FLOW_CHANNEL_USSD, T0), -1);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(outbox(f, PHONE, &text, &prio), 1);
	assert_string_equal(text, "Q1 da/nu?");
	assert_int_equal(prio, STORE_PRIO_BULK);
	free(text);
	SAY(f, PHONE, "2", T0, "Pa");
}

static void
test_tries_exhausted(void **state)
{
	struct fx *f = *state;

	SAY(f, PHONE, "incerc", T0, "Alege 1 sau 2");
	SAY(f, PHONE, "x", T0, "Raspuns nevalid. Raspundeti cu un numar de "
	    "la 1 la 2.\nAlege 1 sau 2");
	SAY(f, PHONE, "y", T0, "Renuntam");
	SAY(f, PHONE, "incerc", T0, "Alege 1 sau 2");
	SAY(f, PHONE, "2", T0, "Ales 2");
}

static void
test_actions(void **state)
{
	struct fx *f = *state;
	struct flow_reply out;
	char *r;

	r = say_full(f, PHONE, "actiune", T0, &out);
	assert_string_equal(r, "(action)\nOK actiune");
	assert_int_equal(out.forget_input, 1);
	flow_reply_clear(&out);
	free(r);
	test_action_mode = "bad";
	SAY(f, PHONE, "actiune", T0, "(action)\nBAD");
	SAY(f, PHONE, "FAIL", T0, "Ne pare rau, a aparut o eroare. "
	    "Incercati mai tarziu sau sunati la SPAS.");
	SAY_HAS(f, PHONE, "LIPSA", T0, "Ne pare rau");
	/* A private answer is not kept. */
	SAY(f, PHONE, "PIN", T0, "PIN?");
	r = say_full(f, PHONE, "1234", T0, &out);
	assert_string_equal(r, "Primit");
	assert_int_equal(out.forget_input, 1);
	flow_reply_clear(&out);
	free(r);
}

static void
test_loop_and_start(void **state)
{
	struct fx *f = *state;

	SAY_HAS(f, PHONE, "bucla", T0, "Ne pare rau, a aparut o eroare");
	SAY(f, PHONE, "1", T0 + MIN, "Nu am inteles mesajul. Scrieti AJUTOR "
	    "pentru informatii sau unul din cuvintele: " KW ".");
	SAY(f, PHONE, "go", T0, "Q1 da/nu?");
	SAY(f, PHONE, "1", T0, "Q2 1-3?");
}

static void
test_ussd_basic(void **state)
{
	struct fx *f = *state;

	USSD(f, "s1", PHONE, "*1#", "", T0, "CON Q1 da/nu?");
	/* A retry of the same request gets the same answer. */
	USSD(f, "s1", PHONE, "*1#", "", T0, "CON Q1 da/nu?");
	USSD(f, "s1", PHONE, "*1#", "1", T0, "CON Q2 1-3?");
	USSD(f, "s1", PHONE, "*1#", "1", T0, "CON Q2 1-3?");
	USSD(f, "s1", PHONE, "*1#", "1*7", T0,
	    "CON Raspuns nevalid. Raspundeti cu un numar de la 1 la 3.\n"
	    "Q2 1-3?");
	USSD(f, "s1", PHONE, "*1#", "1*7*3", T0, "END Multumim yes 3");
	USSD(f, "s1", PHONE, "*1#", "1*7*3", T0, "END Multumim yes 3");
	/* Another number cannot ride on that session id. */
	USSD(f, "s1", PHONE2, "*1#", "1*7*3*1", T0, "END");
	/* An aggregator that sends only the newest answer. */
	USSD(f, "s2", PHONE, "*1#", "", T0, "CON Q1 da/nu?");
	USSD(f, "s2", PHONE, "*1#", "1", T0, "CON Q2 1-3?");
	USSD(f, "s2", PHONE, "*1#", "2", T0, "END Multumim yes 2");
	/* Dialled with the answers in the code. */
	USSD(f, "s3", PHONE, "*1#", "1*2", T0, "END Multumim yes 2");
	/* A code no flow claims, with no "any" flow: the help (here in two
	 * pages). */
	USSD(f, "s4", PHONE, "*9#", "", T0, "CON Stafeta SPAS. Scrieti unul "
	    "din cuvintele: " KW ". GATA opreste dialogul inceput, STOP "
	    "opreste mesajele, START le\n99 Inainte");
	USSD(f, "s4", PHONE, "*9#", "99", T0, "END reia. Urgente: 112.");
}

/* The step the contact's USSD session waits at (caller frees). */
static char *
ussd_node(struct fx *f, const char *phone)
{
	struct store_session s;
	char *node;

	assert_int_equal(store_session_get(f->st, phone, FLOW_CHANNEL_USSD,
	    &s), 1);
	node = xstrdup(s.node);
	store_session_clear(&s);
	return node;
}

static void
test_ussd_late_retry(void **state)
{
	struct fx *f = *state;
	char *node;

	USSD(f, "r1", PHONE, "*3#", "", T0, "CON T1?");
	USSD(f, "r1", PHONE, "*3#", "1", T0, "CON T2?");
	USSD(f, "r1", PHONE, "*3#", "1*2", T0, "CON T3?");
	node = ussd_node(f, PHONE);
	assert_string_equal(node, "c");
	/* A late retry of an earlier step: the current screen again, and
	 * the dialogue does not move. */
	USSD(f, "r1", PHONE, "*3#", "1", T0, "CON T3?");
	USSD(f, "r1", PHONE, "*3#", "", T0, "CON T3?");
	free(node);
	node = ussd_node(f, PHONE);
	assert_string_equal(node, "c");
	free(node);
	/* The next real request answers the third question. */
	USSD(f, "r1", PHONE, "*3#", "1*2*3", T0, "END Gata 1 2 3");
	/* A late retry after the end gets the end again. */
	USSD(f, "r1", PHONE, "*3#", "1*2", T0, "END Gata 1 2 3");
	/* An aggregator that sends only the newest answer: an answer that
	 * is not an earlier text of this session still goes through. */
	USSD(f, "r2", PHONE, "*3#", "", T0, "CON T1?");
	USSD(f, "r2", PHONE, "*3#", "2", T0, "CON T2?");
	USSD(f, "r2", PHONE, "*3#", "3", T0, "CON T3?");
	USSD(f, "r2", PHONE, "*3#", "1", T0, "END Gata 2 3 1");
	/* Dialled with answers in the code, then a stale shorter text. */
	USSD(f, "r3", PHONE, "*3#", "1*1", T0, "CON T3?");
	USSD(f, "r3", PHONE, "*3#", "1", T0, "CON T3?");
	USSD(f, "r3", PHONE, "*3#", "1*1*2", T0, "END Gata 1 1 2");
}

static void
test_ussd_pagination(void **state)
{
	struct fx *f = *state;
	char *r;

	r = ussd(f, "p1", PHONE, "*2#", "", T0);
	assert_true(strncmp(r, "CON Linia unu", 13) == 0);
	assert_non_null(strstr(r, "\n99 Inainte"));
	assert_true(flow_text_chars(r + 4) <= FLOW_USSD_SCREEN);
	free(r);
	r = ussd(f, "p1", PHONE, "*2#", "99", T0);
	assert_true(strncmp(r, "END Linia trei", 14) == 0);
	assert_null(strstr(r, "99 Inainte"));
	free(r);
}

static void
test_ussd_breakoff_to_sms(void **state)
{
	struct fx *f = *state;
	char *text;

	USSD(f, "b1", PHONE, "*1#", "", T0, "CON Q1 da/nu?");
	USSD(f, "b1", PHONE, "*1#", "1", T0, "CON Q2 1-3?");
	tick(f, T0 + 179 * 1000);
	assert_int_equal(outbox(f, PHONE, NULL, NULL), 0);
	tick(f, T0 + 181 * 1000);
	/* continue by sms: send, so the question goes out at once. */
	assert_int_equal(outbox(f, PHONE, &text, NULL), 1);
	assert_string_equal(text, "Continuam prin SMS dialogul inceput pe "
	    "USSD.\nQ2 1-3?");
	free(text);
	SAY(f, PHONE, "3", T0 + 5 * MIN, "Multumim yes 3");
	/* A new dial is a fresh start. */
	USSD(f, "b2", PHONE, "*1#", "", T0 + 6 * MIN, "CON Q1 da/nu?");
	USSD(f, "b3", PHONE, "*1#", "", T0 + 7 * MIN, "CON Q1 da/nu?");
}

static void
test_session_fields_api(void **state)
{
	struct flow_session *s;
	char *enc;

	(void)state;
	s = flow_session_new(PHONE, FLOW_CHANNEL_SMS);
	flow_session_set(s, "a", "x=y\nz\\w");
	flow_session_set(s, "b", "");
	flow_session_set(s, "a", "second");
	flow_session_set(s, "Bad Key", "refused");
	flow_session_set(s, "c", "ăîș");
	assert_string_equal(flow_session_get(s, "a"), "second");
	assert_string_equal(flow_session_get(s, "b"), "");
	assert_null(flow_session_get(s, "Bad Key"));
	assert_null(flow_session_get(NULL, "a"));
	flow_session_set(s, "a", "x=y\nz\\w");
	enc = flow_session_encode_fields(s);
	flow_session_clear_fields(s);
	assert_null(flow_session_get(s, "a"));
	assert_int_equal(flow_session_decode_fields(s, enc), 0);
	assert_string_equal(flow_session_get(s, "a"), "x=y\nz\\w");
	assert_string_equal(flow_session_get(s, "c"), "ăîș");
	free(enc);
	assert_int_equal(flow_session_decode_fields(s, "no equals\n"), -1);
	flow_session_free(s);
	flow_session_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help_variants, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_catch_all,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_language, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keyword_typos, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_dialogue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_preempt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ussd_typed_code, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_and_ignore,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialogue_stats, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_text_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeouts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_session,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_keeps_version,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_error_keeps_set,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbound_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tries_exhausted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_actions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_loop_and_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ussd_basic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ussd_late_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ussd_pagination, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ussd_breakoff_to_sms,
		    setup, teardown),
		cmocka_unit_test(test_session_fields_api),
	};

	log_init(LOG_LEVEL_ERROR, "test_flow_engine");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
