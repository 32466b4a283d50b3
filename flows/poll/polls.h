/*
 * polls.h - participation polls (shared/domain/polls.md, docs/polls.md):
 * polls written as files, an opt-in register, a push through the outbox
 * at the recipients' local daytime, anonymous answers, tallies and the
 * mayor's one-page summary.
 *
 * Layers, each usable on its own:
 *   - pure: the poll file (poll_file.c: parse, check, texts and their SMS
 *     cost), the answer grammars (poll_grammar.c), HMAC keys
 *     (poll_key.c, on the HMAC-SHA256 sheet.h exports), tallies from
 *     answer rows and their rendering as a table or an HTML page with
 *     SVG bars (poll_tally.c, poll_html.c: no gateway, no store, so the
 *     web back office can call poll_html with rows it loaded);
 *   - poll_life.c: the lifecycle and the tick (info, push, reminder,
 *     close, destruction of the secret) on the service's tables (created
 *     in poll_service.c, queried through store_sql.h); poll_report.c:
 *     answer rows, counts, `show`, publishing; poll_optin.c: the register;
 *   - poll_actions.c: the flow actions of flows/poll/poll.flow (answers)
 *     and flows/poll/optin.flow (opt-in by SMS/USSD);
 *   - poll_service.c: the service (flows/service.h), its [polls] section
 *     and its tables.
 *
 * Anonymity (R4): an answer is stored against HMAC(poll secret, number)
 * with the day only (no time, no row id), the inbound text of an answer is
 * blanked (flow_reply.forget_input), and when the dispute window closes
 * the secret and the invitation rows (the only number <-> poll link) are
 * deleted.  Nothing here logs a number, an answer or a key.
 */
#ifndef STAFETA_POLLS_H
#define STAFETA_POLLS_H

#include <stddef.h>
#include <stdint.h>

#include "service.h"

struct buf;
struct gw_config;
struct store;
struct table;

#define POLL_ID_MAX	32
#define POLL_MAX_Q	12
#define POLL_MAX_OPT	9
#define POLL_LANGS	3	/* ro, hu, en */
#define POLL_KEY_HEX	65	/* 64 hex digits + NUL */
#define POLL_SECRET_LEN 32
#define POLL_SUPPRESS	5	/* cells below this are shown as "< 5" */

enum poll_qtype {
	POLL_Q_SINGLE = 0,
	POLL_Q_RANK,
	POLL_Q_RATING5,
	POLL_Q_RATING10,
	POLL_Q_YESNO,
};

struct poll_question {
	char id[16];		/* "Q1" */
	enum poll_qtype type;
	int k;			/* rank_k: places; else 1 */
	int nopts;		/* options offered (single, rank) */
	int skip;		/* 1: "0" skips it */
	char segment[8];	/* "K1", "K2", "K3", "H1" or "" */
	char *text[POLL_LANGS];	/* owned; NULL = not given */
	char *opt[POLL_LANGS][POLL_MAX_OPT]; /* owned labels */
	int line;
};

struct poll_def {
	char id[POLL_ID_MAX + 1];
	char *title;
	char kind[16];		/* planning, monitoring, panel */
	char audience[32];	/* residents, professionals, migrants */
	int days;		/* window */
	int info_days;		/* information message before opening */
	int reminder_days;	/* reminder after opening */
	char *info[POLL_LANGS];
	char *intro[POLL_LANGS];
	char *end[POLL_LANGS];
	char *thanks[POLL_LANGS]; /* R14; {REZULTAT}, {DECIZIE} */
	size_t nq;
	struct poll_question q[POLL_MAX_Q];
};

/* poll_file.c */
/* Parses a poll file's text; appends "file:line: message" lines to errors
 * (may be NULL).  Returns the number of errors; def is filled as far as
 * it parsed (free it with poll_def_clear in every case). */
int poll_def_parse(const char *text, const char *file, struct poll_def *,
    struct buf *errors);
void poll_def_clear(struct poll_def *);
/* 0 ro, 1 hu, 2 en (anything else: ro). */
int poll_lang_index(const char *lang);
/* The text of question qi (-1 = the intro) in lang (falling back to ro)
 * as sent: its lines, then "N label" per option.  Caller frees. */
char *poll_question_text(const struct poll_def *, int qi, int lang);
/* A fixed text (info, intro, end, thanks) in lang with {COMUNA}, {DATA},
 * {N} filled; NULL if the poll has none.  Caller frees. */
char *poll_fill(const char *const texts[POLL_LANGS], int lang,
    const char *commune, const char *date, int n);
/* Appends to out the cost of every message: "file:line: what lang: N
 * SMS, GSM-7|UCS-2 (C chars)", and warns above 2 SMS.  Returns the
 * number of warnings. */
int poll_def_costs(const struct poll_def *, const char *file,
    struct buf *out);
const char *poll_qtype_name(enum poll_qtype);

/* poll_grammar.c */
enum poll_answer {
	POLL_ANS_INVALID = 0,
	POLL_ANS_VALID,
	POLL_ANS_SKIP,	/* "0" where the question allows skipping */
};
/* Reads a reply to q: single "5", rank "527" / "5 2 7" / "5,2,7"
 * (duplicates dropped, order kept, at most k), rating 1-5 or 1-10,
 * yesno 1/2/DA/NU/IGEN/NEM/YES/NO.  The canonical value ("527", "10",
 * "1") goes to out. */
enum poll_answer poll_answer_parse(const struct poll_question *,
    const char *text, char *out, size_t outlen);

/* poll_key.c */
/* hex HMAC-SHA256(secret, e164) into out[POLL_KEY_HEX]. */
void poll_key(const uint8_t *secret, size_t len, const char *e164,
    char out[POLL_KEY_HEX]);
/* HMAC-SHA256 of msg under key (RFC 2104), 32 bytes. */
void poll_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, uint8_t out[32]);
/* Hex <-> bytes; poll_unhex returns the bytes read or -1. */
void poll_hex(const uint8_t *in, size_t n, char *out);
int poll_unhex(const char *hex, uint8_t *out, size_t max);

/* poll_tally.c: tallies (polls.md section 8) from answer rows */
struct poll_answer_row {
	const char *rkey;	/* respondent key */
	const char *qid;
	const char *value;	/* canonical value, "" = invalid/skipped */
	int valid;		/* 1 valid, 0 invalid, 2 skipped */
	const char *channel;	/* sms, ussd */
};
struct poll_opt_result {
	int code;		/* 1-based option, or rating value */
	int64_t count;		/* answers choosing it (first place: rank) */
	int64_t borda;		/* rank: points */
	int64_t first;		/* rank: times ranked first */
	int64_t mentions;	/* rank: times mentioned */
	int rank_order;		/* rank: position after the tie rules */
};
struct poll_q_result {
	int64_t valid, invalid, skipped;
	int64_t total_points;	/* rank */
	int nopts;
	struct poll_opt_result opt[10]; /* [code - 1]; ratings 1..10 */
	double mean, median;	/* ratings */
	int64_t top2;		/* ratings: 4-5 of 5, 9-10 of 10 */
};
struct poll_tally {
	char segment[48];	/* "all", "K1=1", ... */
	int64_t respondents;	/* >= 1 valid answer */
	int suppressed;		/* respondents < POLL_SUPPRESS */
	struct poll_q_result q[POLL_MAX_Q];
};
/* Tallies the rows of respondents matching segment (qid NULL = all; else
 * only respondents whose valid answer to seg_qid is seg_value). */
void poll_tally_compute(const struct poll_def *, const struct poll_answer_row *,
    size_t n, const char *seg_qid, const char *seg_value,
    struct poll_tally *out);
/* Options of question qi in display order (Borda with ties broken by
 * first places then mentions; counts for the others): order[] gets
 * 0-based indices; returns how many. */
int poll_tally_order(const struct poll_def *, const struct poll_tally *,
    int qi, int order[10]);
/* The tallies as one table: overall, then each segment question's
 * values; cells below POLL_SUPPRESS are "< 5".  invited/optouts go to the
 * header rows.  Caller frees. */
struct table *poll_tally_table(const struct poll_def *,
    const struct poll_answer_row *, size_t n, int64_t invited,
    int64_t optouts);
/* The headline (R14): "Q1: 1 Ajutor acte" for the first question, in
 * lang, "" if suppressed.  Caller frees. */
char *poll_tally_headline(const struct poll_def *,
    const struct poll_answer_row *, size_t n, int lang);

/* poll_html.c: the mayor's one-page summary, HTML with SVG bar charts,
 * self-contained (no script, no external file).  Caller frees. */
struct poll_html_info {
	const char *commune;
	const char *state;
	const char *opens, *closes; /* "YYYY-MM-DD" */
	int64_t invited, optouts;
	const char *decision;	    /* NULL = a blank field to fill in */
};
char *poll_html(const struct poll_def *, const struct poll_answer_row *,
    size_t n, const struct poll_html_info *);

/* poll_service.c */
extern const struct service poll_service;
struct poll_conf {
	char *commune;		/* {COMUNA} */
	char **villages;	/* opt-in menu, K3 */
	size_t n_villages;
	int dispute_days;	/* R4: days after close before destruction */
	int quiet_from, quiet_to; /* R9: local hours */
	int burst_window_s;	/* R15 */
	int burst_count;
	int max_polls_month;	/* R10 */
};
const struct poll_conf *poll_conf(const struct gw_config *);

/* poll_life.c: the rules the CLI calls (it only parses and prints) */
enum poll_state {
	POLL_DRAFT = 0, POLL_REVIEW, POLL_APPROVED, POLL_INFO_SENT, POLL_OPEN,
	POLL_CLOSED, POLL_TALLIED, POLL_PUBLISHED, POLL_ARCHIVED, POLL_STATE_N
};
const char *poll_state_name(int);
int poll_state_parse(const char *);
/* Stores a parsed poll as DRAFT with its source; 0, -1 (err). */
int poll_create(struct store *, const struct poll_def *, const char *source,
    const char *by, int64_t now, char *err, size_t errlen);
/* DRAFT/REVIEW -> APPROVED by `by`: secret made, schedule fixed (info
 * now, open after info_days, close after days; opens_at > 0 overrides
 * the opening). */
int poll_approve(struct store *, const char *id, const char *by,
    int64_t now, int64_t opens_at, char *err, size_t errlen);
/* Closes an open poll now (the tick closes it at its end time). */
int poll_close(struct store *, const struct gw_config *, const char *id,
    int64_t now, char *err, size_t errlen);
/* TALLIED -> PUBLISHED: records the decision, queues the thank-you SMS
 * with the headline to every respondent (possible until the dispute
 * window closes). */
int poll_publish(struct store *, const struct gw_config *, const char *id,
    const char *decision, int64_t now, int64_t *queued, char *err,
    size_t errlen);
/* What `stafeta poll show` prints, as lines into out. */
int poll_show(struct store *, const struct gw_config *, const char *id,
    int64_t now, struct buf *out);
/* The stored poll's definition (caller clears) and its answer rows. */
int poll_load(struct store *, const char *id, struct poll_def *,
    char *state, size_t statelen);
struct poll_rows;
struct poll_rows *poll_rows_load(struct store *, const char *id);
const struct poll_answer_row *poll_rows_get(const struct poll_rows *,
    size_t *n);
void poll_rows_free(struct poll_rows *);
int poll_counts(struct store *, const char *id, int64_t *invited,
    int64_t *optouts);
/* The tick: opt-out sync, info, push, reminder, close, destruction. */
int poll_tick(void *svc, struct store *, const struct gw_config *,
    int64_t now);

/* poll_optin.c */
/* Adds (or renews) an opt-in; source: sms, paper, staff, mediator.
 * 0 ok, 1 already in, -1 error. */
int poll_optin_add(struct store *, const struct gw_config *,
    const char *e164, const char *village, const char *lang,
    const char *source, int64_t now);
/* Revokes; 0 ok, 1 was not in, -1. */
int poll_optin_remove(struct store *, const char *e164, int64_t now);
struct table *poll_optin_table(struct store *);

#endif /* STAFETA_POLLS_H */
