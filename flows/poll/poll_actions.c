/*
 * poll_actions.c - the flow actions of the poll dialogue (poll.flow) and
 * of the opt-in by SMS (sondaj.flow).
 *
 * poll_next puts the open question's text in the session field
 * `question` (the ask step sends "{question}"); poll_answer reads the
 * saved `answer`, blanks it at once, records it under the respondent key
 * and says where to go: next, again (one re-prompt with a hint), done.
 * Every answer's inbound text is forgotten (forget_input: the gateway
 * blanks the inbox row in the same transaction), and nothing is logged
 * about it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "flow.h"
#include "log.h"
#include "polls.h"
#include "poll_int.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

static const char *act_next(struct flow_action_ctx *);
static const char *act_answer(struct flow_action_ctx *);
static const char *act_optin_status(struct flow_action_ctx *);
static const char *act_optin_villages(struct flow_action_ctx *);
static const char *act_optin(struct flow_action_ctx *);

const struct flow_action poll_actions[] = {
	{ "poll_next", act_next },
	{ "poll_answer", act_answer },
	{ "poll_optin_status", act_optin_status },
	{ "poll_optin_villages", act_optin_villages },
	{ "poll_optin", act_optin },
	{ NULL, NULL },
};

static const char *const closed_text[POLL_LANGS] = {
	"Sondajul s-a incheiat. Raspunsul nu a mai fost inregistrat. Multumim!",
	"A kerdoiv lezarult. A valaszt mar nem rogzitettuk. Koszonjuk!",
	"The poll has closed. Your answer was not recorded. Thank you!",
};
static const char *const none_text[POLL_LANGS] = {
	"Nu ai niciun sondaj deschis acum.",
	"Jelenleg nincs nyitott kerdoiv.",
	"You have no open poll now.",
};
static const char *const declined_text[POLL_LANGS] = {
	"Bine, multumim. Poti raspunde mai tarziu: scrie INSCRIERE.",
	"Rendben, koszonjuk. Kesobb is valaszolhat: irja JELENTKEZES.",
	"Fine, thank you. You can answer later: send JOIN.",
};
static const char *const hint_text[POLL_LANGS] = {
	"Raspuns nevalid. Raspunde doar cu cifre, ca in exemplu.",
	"Ervenytelen valasz. Csak szamokkal valaszoljon, mint a peldaban.",
	"Invalid answer. Answer with digits only, as in the example.",
};

static const char find_sql[] =
    "SELECT i.poll_id FROM poll_invites i JOIN poll_polls p"
    " ON p.id = i.poll_id WHERE i.phone = ?1 AND i.step IN (2, 3)"
    " AND p.state = 'OPEN' ORDER BY i.sent_at DESC LIMIT 1";
static const char upsert_valid_sql[] =
    "INSERT INTO poll_responses (poll_id, rkey, qid, value, valid, channel,"
    " day) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)"
    " ON CONFLICT (poll_id, rkey, qid) DO UPDATE SET value = excluded.value,"
    " valid = 1, channel = excluded.channel, day = excluded.day";
/* An invalid or skipped answer never replaces a valid one (R1). */
static const char upsert_other_sql[] =
    "INSERT INTO poll_responses (poll_id, rkey, qid, value, valid, channel,"
    " day) VALUES (?1, ?2, ?3, '', ?4, ?5, ?6)"
    " ON CONFLICT (poll_id, rkey, qid) DO UPDATE SET valid = excluded.valid"
    " WHERE poll_responses.valid <> 1";

static void
say(struct flow_action_ctx *ctx, const char *t)
{
	if (buf_addstr(ctx->reply, t) != 0)
		log_warnx("poll: reply too long");
}

static int
field_int(struct flow_action_ctx *ctx, const char *key, int dflt)
{
	const char *v = flow_session_get(ctx->session, key);
	int64_t n;

	if (v == NULL || parse_int64(v, -1, 1000, &n) != 0)
		return dflt;
	return (int)n;
}

static void
set_int(struct flow_action_ctx *ctx, const char *key, int v)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", v);
	flow_session_set(ctx->session, key, s);
}

static const char *
closed(struct flow_action_ctx *ctx, int lang)
{
	say(ctx, closed_text[lang]);
	return "done";
}

static const char *
act_next(struct flow_action_ctx *ctx)
{
	int lang = poll_lang_index(ctx->language);
	const char *id = flow_session_get(ctx->session, "poll");
	struct poll_def d;
	struct poll_row r;
	char *t;
	int qi;

	if (id == NULL || *id == '\0') {
		struct store_sql *q = store_sql_prepare(ctx->store, find_sql);
		int rc;

		if (q == NULL)
			return NULL;
		store_sql_bind_text(q, 1, ctx->phone);
		rc = store_sql_step(q, "poll find");
		if (rc == 1)
			flow_session_set(ctx->session, "poll",
			    store_sql_col_text(q, 0));
		store_sql_done(q);
		if (rc < 0)
			return NULL;
		if (rc == 0) {
			say(ctx, none_text[lang]);
			return "done";
		}
		set_int(ctx, "q", -1);
		set_int(ctx, "bad", 0);
		id = flow_session_get(ctx->session, "poll");
	}
	if (poll_row_get(ctx->store, id, &r) != 0 || r.state != POLL_OPEN ||
	    ctx->now >= r.closes_at)
		return closed(ctx, lang);
	if (poll_load(ctx->store, id, &d, NULL, 0) != 0)
		return NULL;
	qi = field_int(ctx, "q", -1);
	if (qi >= (int)d.nq) {
		poll_def_clear(&d);
		return "done";
	}
	t = poll_question_text(&d, qi, lang);
	{
		const char *one[POLL_LANGS] = { t, NULL, NULL };
		char date[16], *f;

		poll_fmt_date(r.closes_at, date, sizeof(date));
		f = poll_fill(one, 0, poll_conf(ctx->conf)->commune, date, 0);
		flow_session_set(ctx->session, "question", f);
		free(f);
	}
	free(t);
	poll_def_clear(&d);
	memset(&r, 0, sizeof(r));
	return "ask";
}

static int
record(struct flow_action_ctx *ctx, const struct poll_row *r,
    const char *qid, const char *value, int valid)
{
	char key[POLL_KEY_HEX], day[16];
	struct store_sql *q;
	int rc;

	if (r->secret_len <= 0)
		return -1;
	poll_key(r->secret, (size_t)r->secret_len, ctx->phone, key);
	/* The day only: a time would match the inbox row of the answer. */
	poll_fmt_date(ctx->now, day, sizeof(day));
	q = store_sql_prepare(ctx->store, valid == 1 ? upsert_valid_sql :
	    upsert_other_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, r->id);
	store_sql_bind_text(q, 2, key);
	store_sql_bind_text(q, 3, qid);
	if (valid == 1)
		store_sql_bind_text(q, 4, value);
	else
		store_sql_bind_int(q, 4, valid);
	store_sql_bind_text(q, 5, ctx->channel == FLOW_CHANNEL_USSD ? "ussd" :
	    "sms");
	store_sql_bind_text(q, 6, day);
	rc = store_sql_exec(q, "poll answer");
	memset(key, 0, sizeof(key));
	return rc;
}

static const char *
act_answer(struct flow_action_ctx *ctx)
{
	int lang = poll_lang_index(ctx->language);
	const char *id = flow_session_get(ctx->session, "poll");
	char ans[64] = "", value[16];
	const char *v = flow_session_get(ctx->session, "answer");
	const char *outcome = "next";
	struct poll_def d;
	struct poll_row r;
	enum poll_answer a;
	int qi, bad;

	/* R4: the answer's text is kept nowhere, not in the inbox, not in
	 * the session. */
	ctx->forget_input = 1;
	if (v != NULL)
		strlcpy_s(ans, v, sizeof(ans));
	flow_session_set(ctx->session, "answer", "");
	if (id == NULL || poll_row_get(ctx->store, id, &r) != 0 ||
	    r.state != POLL_OPEN || ctx->now >= r.closes_at)
		return closed(ctx, lang);
	if (poll_load(ctx->store, id, &d, NULL, 0) != 0)
		return NULL;
	qi = field_int(ctx, "q", -1);
	bad = field_int(ctx, "bad", 0);
	if (qi < 0) {
		struct poll_question intro;

		memset(&intro, 0, sizeof(intro));
		intro.type = POLL_Q_YESNO;
		a = poll_answer_parse(&intro, ans, value, sizeof(value));
		if (a == POLL_ANS_VALID && strcmp(value, "2") == 0) {
			say(ctx, declined_text[lang]);
			outcome = "done";
			goto out;
		}
		if (a != POLL_ANS_VALID && bad == 0) {
			set_int(ctx, "bad", 1);
			say(ctx, hint_text[lang]);
			outcome = "again";
			goto out;
		}
		/* A second unclear reply to "shall we start?" starts. */
	} else if (qi < (int)d.nq) {
		a = poll_answer_parse(&d.q[qi], ans, value, sizeof(value));
		if (a == POLL_ANS_INVALID && bad == 0) {
			set_int(ctx, "bad", 1);
			say(ctx, hint_text[lang]);
			outcome = "again";
			goto out;
		}
		if (record(ctx, &r, d.q[qi].id, value, a == POLL_ANS_VALID ? 1 :
		    a == POLL_ANS_SKIP ? 2 : 0) != 0) {
			outcome = NULL;
			goto out;
		}
	}
	set_int(ctx, "q", qi + 1);
	set_int(ctx, "bad", 0);
	if (qi + 1 >= (int)d.nq) {
		char date[16], *t;

		poll_fmt_date(r.closes_at, date, sizeof(date));
		t = poll_fill((const char *const *)d.end, lang,
		    poll_conf(ctx->conf)->commune, date, 0);
		if (t != NULL)
			say(ctx, t);
		free(t);
		outcome = "done";
	}
out:
	poll_def_clear(&d);
	memset(&r, 0, sizeof(r));
	return outcome;
}

/* ---- opt-in by SMS (sondaj.flow) ---- */

static const char optin_in_sql[] =
    "SELECT 1 FROM poll_optins WHERE phone = ?1 AND revoked_at IS NULL";

static const char *
act_optin_status(struct flow_action_ctx *ctx)
{
	struct store_sql *q = store_sql_prepare(ctx->store, optin_in_sql);
	int rc;

	if (q == NULL)
		return NULL;
	store_sql_bind_text(q, 1, ctx->phone);
	rc = store_sql_step(q, "poll optin status");
	store_sql_done(q);
	if (rc < 0)
		return NULL;
	if (rc == 0)
		return "new";
	/* Already in: INSCRIERE takes them into the open poll again (to
	 * answer, or to change an answer: only the last counts). */
	q = store_sql_prepare(ctx->store, find_sql);
	if (q == NULL)
		return NULL;
	store_sql_bind_text(q, 1, ctx->phone);
	rc = store_sql_step(q, "poll find");
	store_sql_done(q);
	return rc == 1 ? "poll" : rc == 0 ? "in" : NULL;
}

static const char *
act_optin_villages(struct flow_action_ctx *ctx)
{
	const struct poll_conf *pc = poll_conf(ctx->conf);
	struct buf b;
	char *s;

	if (pc->n_villages == 0)
		return "none";
	buf_init(&b, 400);
	for (size_t i = 0; i < pc->n_villages; i++)
		if (buf_printf(&b, "%s%zu %s", i > 0 ? "\n" : "", i + 1,
		    pc->villages[i]) != 0)
			break;
	s = buf_take(&b);
	flow_session_set(ctx->session, "villages", s);
	free(s);
	return "ok";
}

static const char *
act_optin(struct flow_action_ctx *ctx)
{
	const struct poll_conf *pc = poll_conf(ctx->conf);
	const char *v = flow_session_get(ctx->session, "village");
	const char *village = "";
	int64_t n;

	if (pc->n_villages > 0) {
		if (v == NULL || parse_int64(v, 1, (int64_t)pc->n_villages,
		    &n) != 0)
			return "invalid";
		village = pc->villages[n - 1];
	}
	if (poll_optin_add(ctx->store, ctx->conf, ctx->phone, village,
	    ctx->language, "sms", ctx->now) < 0)
		return NULL;
	return "ok";
}
