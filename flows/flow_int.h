/*
 * flow_int.h - internals shared by the flows/flow_*.c files; never
 * included outside flows/ (and the flow tests and fuzzers).
 *
 * A flow file parses into one struct flow_def (flow_parse.c), which owns
 * its nodes, texts and compiled patterns and is immutable afterwards.  The
 * engine (flow_engine.c) keeps every version it has loaded in a list, so a
 * session started on an older version still finds its definition after a
 * reload; versions are identified by a hash of the file's bytes, and the
 * bytes are also kept in the store so that a restart can re-parse a
 * version that is no longer on disk.  The interpreter (flow_run.c) walks
 * nodes for one session; the session record (flow_session.c) is what is
 * persisted per contact and channel.
 */
#ifndef STAFETA_FLOW_INT_H
#define STAFETA_FLOW_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "flow.h"
#include "util.h"

struct store;
struct gw_config;

#define FLOW_NAME_MAX	  32	     /* flow, step, field, action names */
#define FLOW_FILE_MAX	  (256 * 1024) /* bytes of one flow file */
#define FLOW_LINE_MAX	  1024	     /* bytes of one line */
#define FLOW_TEXT_MAX	  1600	     /* bytes of one rendered message */
#define FLOW_VALUE_MAX	  480	     /* bytes of one saved field value */
#define FLOW_FIELDS_MAX	  64	     /* fields per session */
#define FLOW_KEYWORDS_MAX 16	     /* aliases per flow */
#define FLOW_USSD_SCREEN  182	     /* characters of one USSD screen */
#define FLOW_STEPS_PER_INPUT 64	     /* nodes walked for one message */
#define FLOW_ERRORS_MAX	  50	     /* errors reported per file */

enum flow_lang {
	FLOW_LANG_RO = 0, /* Romanian, the default and the fallback */
	FLOW_LANG_HU,	  /* Hungarian */
	FLOW_LANG_EN,	  /* English */
	FLOW_LANG_N,
};

enum flow_node_kind {
	FLOW_NODE_SEND = 0, /* send a message, go on */
	FLOW_NODE_ASK,	    /* send a question, wait for a valid answer */
	FLOW_NODE_BRANCH,   /* choose the next step from a saved field */
	FLOW_NODE_SAVE,	    /* set a field, go on */
	FLOW_NODE_ACTION,   /* call a built-in action, branch on outcome */
	FLOW_NODE_START,    /* continue in another flow */
	FLOW_NODE_END,	    /* optional last message, session over */
};

enum flow_ask_kind {
	FLOW_ASK_MENU = 0, /* one number of a numbered menu, lo..hi */
	FLOW_ASK_NUMBER,   /* an integer in lo..hi */
	FLOW_ASK_DATE,	   /* a calendar date, saved as YYYY-MM-DD */
	FLOW_ASK_YESNO,	   /* yes/no (1/2, DA/NU, IGEN/NEM), saved yes|no */
	FLOW_ASK_PATTERN,  /* matches a PCRE2 pattern */
	FLOW_ASK_PHONE,	   /* a phone number, saved as E.164 */
	FLOW_ASK_TEXT,	   /* any text up to hi characters */
};

enum flow_busy {
	FLOW_BUSY_INTERRUPT = 0, /* another flow's keyword ends this one */
	FLOW_BUSY_IGNORE,	 /* keywords are taken as answers */
};

enum flow_sms_after_ussd {
	FLOW_AFTER_USSD_NO = 0, /* a broken-off USSD dialogue just ends */
	FLOW_AFTER_USSD_YES,	/* continued when the contact next writes */
	FLOW_AFTER_USSD_SEND,	/* the open question is sent by SMS at once */
};

/* Global texts; any flow file may override them with a message block. */
enum flow_msg {
	FLOW_MSG_HELP = 0,    /* AJUTOR/HELP outside a dialogue */
	FLOW_MSG_UNKNOWN,     /* text that starts nothing (no catch-all) */
	FLOW_MSG_STOP,	      /* opt-out confirmed */
	FLOW_MSG_START,	      /* opt-in confirmed */
	FLOW_MSG_CANCEL,      /* dialogue abandoned */
	FLOW_MSG_NOTHING,     /* abandon word outside a dialogue */
	FLOW_MSG_EXPIRED,     /* session expired (sent by the tick) */
	FLOW_MSG_LATE,	      /* answer after expiry */
	FLOW_MSG_ERROR,	      /* internal error apology */
	FLOW_MSG_REMINDER,    /* prefix of a re-prompt */
	FLOW_MSG_RESUME,      /* prefix: USSD dialogue continued by SMS */
	FLOW_MSG_INVALID,     /* generic prefix of an invalid answer */
	FLOW_MSG_MORE,	      /* USSD "more" line, e.g. "99 Inainte" */
	FLOW_MSG_LANGUAGE,    /* language changed */
	FLOW_MSG_HINT_MENU,   /* invalid answer hints, per question kind */
	FLOW_MSG_HINT_NUMBER,
	FLOW_MSG_HINT_DATE,
	FLOW_MSG_HINT_YESNO,
	FLOW_MSG_HINT_PATTERN,
	FLOW_MSG_HINT_PHONE,
	FLOW_MSG_HINT_TEXT,
	FLOW_MSG_PREEMPTED,   /* an open dialogue closed by a preempting flow */
	FLOW_MSG_N,
};

enum flow_global_kind {
	FLOW_GLOBAL_NONE = 0, /* not a global word */
	FLOW_GLOBAL_HELP,     /* AJUTOR/HELP: help, repeat the question */
	FLOW_GLOBAL_STOP,     /* opt out */
	FLOW_GLOBAL_START,    /* opt in again */
	FLOW_GLOBAL_CANCEL,   /* abandon the current dialogue */
	FLOW_GLOBAL_LANGUAGE, /* switch the contact's language to arg */
};

struct flow_global_word {
	const char *word;	    /* normalised */
	enum flow_global_kind kind;
	const char *arg;	    /* language code for LANGUAGE */
};

/* Per-language texts; s[FLOW_LANG_RO] is required where text is. */
struct flow_text {
	char *s[FLOW_LANG_N];
	int line; /* first line, for messages */
};

struct flow_case {
	char *value;	/* normalised value, NULL for a range */
	int64_t lo, hi; /* numeric range when value is NULL */
	char *target;	/* step name or "end" */
	int target_idx; /* resolved node index, -1 = end */
	int line;
};

struct flow_node {
	char *name;		   /* step name */
	int line;		   /* line of the step header */
	enum flow_node_kind kind;
	struct flow_text text;	   /* message / question */
	struct flow_text invalid;  /* ask: hint after an invalid answer */
	enum flow_ask_kind ask;	   /* ask: what is expected */
	int64_t lo, hi;		   /* menu/number range; text max length */
	char *pattern;		   /* ask pattern: the source */
	void *re;		   /* ask pattern: pcre2_code */
	char *field;		   /* ask: saved as; branch: tested; save: set */
	char *value;		   /* save: value template */
	char *target_name;	   /* action name; start: flow name */
	int tries;		   /* ask: invalid answers, 0 = no limit */
	int private_input;	   /* ask: do not keep the raw inbound text */
	struct flow_case *cases;   /* if VALUE: STEP */
	size_t ncases;
	char *next;		   /* explicit next step or NULL */
	int next_idx;		   /* resolved, -1 = end */
	int next_line;
};

struct flow_def {
	char *name;		/* flow name (unique in a set) */
	char *title;		/* human description or NULL */
	char *file;		/* path it was read from */
	char version[17];	/* hex FNV-1a 64 of the bytes */
	char *source;		/* the bytes (for persisting the version) */
	size_t srclen;
	char *keywords[FLOW_KEYWORDS_MAX]; /* normalised */
	size_t nkeywords;
	int keywords_line;
	char **ussd_codes;	/* service codes, "any" matches all */
	size_t nussd_codes;
	int ussd_line;
	int catch_all;		/* started by text that starts nothing */
	int preempts;		/* its keyword + text ends any open dialogue */
	int channels;		/* bit 1 << enum flow_channel */
	enum flow_busy busy;
	enum flow_sms_after_ussd after_ussd;
	int64_t reprompt_s;	/* -1 = configuration default, 0 = never */
	int64_t expiry_s;	/* -1 = configuration default */
	struct flow_text help;	/* AJUTOR inside this flow */
	struct flow_text expired; /* expiry message of this flow */
	struct flow_text messages[FLOW_MSG_N]; /* message blocks in file */
	struct flow_node *nodes;
	size_t nnodes;
	int refs;		/* held by the current set */
};

/* Collects "file:line: message" lines for a whole load. */
struct flow_diag {
	struct buf *errors;   /* may be NULL: count only */
	struct buf *warnings; /* may be NULL */
	int nerrors;
	int nwarnings;
};

/* A session in memory: what is persisted per contact and channel. */
enum flow_session_state {
	FLOW_SESSION_NEW = 0,	/* created, nothing run yet */
	FLOW_SESSION_RUNNING,	/* walking nodes */
	FLOW_SESSION_WAITING,	/* waiting for an answer at node */
	FLOW_SESSION_SUSPENDED, /* USSD broke off; resume on next SMS */
	FLOW_SESSION_ENDED,	/* over; deleted when saved */
};

struct flow_field {
	char *key;
	char *value;
};

struct flow_session {
	char *phone;
	enum flow_channel channel;
	char *flow;		/* flow name */
	char version[17];	/* version it runs on */
	char *node;		/* current step name */
	enum flow_session_state state;
	int tries;		/* invalid answers at this step */
	int reprompted;		/* re-prompt already sent for this step */
	int64_t started_at;
	int64_t waiting_since;	/* when the question was sent */
	int64_t updated_at;	/* last activity */
	struct flow_field fields[FLOW_FIELDS_MAX];
	size_t nfields;
	int stored;		/* a row exists in the store */
};

/*
 * The engine: the current set of flows plus every older version still
 * loaded for running sessions, and the configuration values it uses
 * (copied, since the configuration is replaced on reload).
 */
struct flow_engine {
	const struct gw_config *conf;	 /* borrowed, replaced on reload */
	char *dir;			 /* flows folder */
	char *default_lang;		 /* for new contacts */
	int64_t reprompt_s;		 /* defaults from [flows] */
	int64_t expiry_s;
	int64_t ussd_timeout_s;
	struct flow_def **versions;	 /* every definition loaded (owned) */
	size_t nversions;
	struct flow_def **cur;		 /* the current set (in versions) */
	size_t ncur;
	const struct flow_text *msgs[FLOW_MSG_N]; /* overrides or NULL */
	int64_t last_prune;		 /* ms, last clean-up in the tick */
	struct flow_action_set *sets;	 /* services' actions (array owned) */
	size_t nsets;
	struct flow_stats *stats;	 /* per flow name (names owned) */
	size_t nstats;
};

/* One message being handled: everything the interpreter needs. */
struct flow_run {
	struct flow_engine *eng;
	struct store *store;
	const char *phone;
	enum flow_channel channel;
	enum flow_lang lang;
	const char *text;		/* inbound text, "" for none */
	char *norm;			/* its normalisation (owned) */
	int64_t now;			/* ms */
	struct flow_session *s;		/* the session (owned by caller) */
	const struct flow_def *def;	/* definition the session runs */
	struct buf out;			/* reply being built */
	int end;			/* USSD: the session is over */
	int forget_input;		/* inbound text must not be kept */
	int forget_sender;		/* nor its sender (flow_reply) */
	const struct flow_node *hint;	/* for {min} {max} in hints */
	const char *about_flow;		/* for {flow} {keyword} */
	char num[2][24];		/* rendered {min} {max} */
	int depth;			/* nested "start" steps */
	struct buf kw;			/* rendered {keywords} */
};

/* flow_load.c */
int flow_load_file(const char *path, struct flow_diag *,
    struct flow_def **out);
void flow_set_check(struct flow_def **, size_t, struct flow_diag *);
/* Parses every *.flow of dir and checks the set; 0 with a new array of
 * definitions (caller owns), or -1 when diag got errors. */
int flow_load_dir(const char *dir, const struct flow_action_set *sets,
    size_t nsets, struct flow_diag *,
    struct flow_def ***out, size_t *n);

/* flow_engine.c */
/* Counts a dialogue of flow started (how < 0) or completed how. */
void flow_engine_count(struct flow_engine *, const char *flow, int how);
const struct flow_def *flow_engine_current(const struct flow_engine *,
    const char *name);
/* The definition a session runs: the exact version if loaded or stored,
 * else the current one of that name (logged); NULL if none. */
const struct flow_def *flow_engine_def(struct flow_engine *, struct store *,
    const char *name, const char *version);
int64_t flow_engine_expiry_s(const struct flow_engine *,
    const struct flow_def *);
int64_t flow_engine_reprompt_s(const struct flow_engine *,
    const struct flow_def *);
void flow_engine_prune(struct flow_engine *, struct store *, int64_t now);
/* Loads r's session (r->s always set); 1 active, 0 none, -1 error. */
int flow_engine_open(struct flow_engine *, struct flow_run *);
/* Queues one SMS (nothing for empty text); 0 or -1. */
int flow_engine_queue(struct store *, const char *phone, const char *text,
    int priority, const char *channel_hint);

/* flow_run.c */
void flow_run_init(struct flow_run *, struct flow_engine *, struct store *,
    const char *phone, enum flow_channel, const char *lang,
    const char *text, int64_t now);
void flow_run_done(struct flow_run *);
/* Starts def for r->s (replacing what it ran) and walks to the first
 * question or the end; 0 or -1. */
int flow_run_start(struct flow_run *, const struct flow_def *);
/* Takes r->text as the answer to the waiting question; 0 or -1. */
int flow_run_answer(struct flow_run *);
/* 1 if r->text is a valid answer to the waiting question. */
int flow_run_answer_valid(struct flow_run *);
/* Appends the waiting question again. */
void flow_run_prompt(struct flow_run *);
/* Appends a global message / a flow text in the contact's language. */
void flow_run_say(struct flow_run *, enum flow_msg);
void flow_run_text(struct flow_run *, const struct flow_text *);
/* Appends a line break if the reply is not empty. */
void flow_run_newline(struct flow_run *);
/* Ends the session (no message). */
void flow_run_end(struct flow_run *);
/* Ends the dialogue as flow_run_end does, and counts it as completed
 * `how` if one was running (flow_engine_stats). */
void flow_run_close(struct flow_run *, enum flow_how);
/* When the tick must look at the session next (0 = never). */
int64_t flow_run_due(const struct flow_run *);
/* Writes the session back; 0 or -1. */
int flow_run_save(struct flow_run *) __attribute__((warn_unused_result));
/* The node the session waits at, or NULL. */
const struct flow_node *flow_run_node(const struct flow_run *);
/* Result text (caller frees), "" when nothing was said. */
char *flow_run_take(struct flow_run *);

/* flow_text.c */
size_t flow_text_chars(const char *);
size_t flow_text_prefix_bytes(const char *, size_t chars);
int flow_text_valid_utf8(const char *, size_t);
int flow_text_render(struct buf *, const char *tmpl,
    const char *(*lookup)(const char *, void *), void *arg)
    __attribute__((warn_unused_result));
int flow_name_valid(const char *);

enum flow_parse_block {
	FLOW_PARSE_HEADER = 0, /* before the first step or message */
	FLOW_PARSE_STEP,	  /* inside "step NAME: KIND" */
	FLOW_PARSE_MESSAGE,	  /* inside "message NAME" */
};

/* The state of one file being parsed (flow_parse.c, flow_step.c). */
struct flow_parser {
	const char *file;
	struct flow_diag *diag;
	struct flow_def *def;
	enum flow_parse_block block;
	int line;		/* current line number */
	int node;		/* index of the current step, -1 none */
	int msg;		/* current message block, -1 none */
	int errors_before;	/* diag->nerrors at start */
	int seen_flow;
	int seen[16];		/* header keys already given */
};


/* flow_parse.c */
/* Parses one file's bytes.  Returns a new definition, or NULL when any
 * error was reported into diag (warnings do not fail). */
struct flow_def *flow_parse(const char *file, const char *src, size_t len,
    struct flow_diag *);
void flow_def_free(struct flow_def *);
int flow_node_find(const struct flow_def *, const char *name);
void flow_diag_error(struct flow_diag *, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void flow_diag_warn(struct flow_diag *, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Errors and warnings at the parser's current line (or `line`). */
void flow_parse_error(struct flow_parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
void flow_parse_warn(struct flow_parser *, int line, const char *, ...)
    __attribute__((format(printf, 3, 4)));
char *flow_parse_trim(char *);		/* in place; returns the start */
void flow_parse_lower(char *);		/* lower case, single spaces */
int flow_parse_bool(struct flow_parser *, const char *, int *);
/* Adds a line of text in lang (repeated keys add lines). */
void flow_parse_text(struct flow_parser *, struct flow_text *,
    enum flow_lang, const char *);
/* key is "ro" (prefix NULL) or "PREFIX ro": 1 and *lang, else 0. */
int flow_parse_lang_key(const char *key, const char *prefix,
    enum flow_lang *);

/* flow_step.c */
void flow_step_header(struct flow_parser *, char *rest);
void flow_step_line(struct flow_parser *, const char *key, char *v);
/* Links targets and runs the whole-file checks. */
void flow_step_finish(struct flow_parser *);

/* flow_global.c */
const char *flow_lang_name(enum flow_lang);
enum flow_lang flow_lang_parse(const char *);
const char *flow_msg_name(enum flow_msg);
int flow_msg_parse(const char *); /* enum flow_msg or -1 */
const char *flow_msg_default(enum flow_msg, enum flow_lang);
const struct flow_global_word *flow_global_words_table(void);
const char *flow_global_help_word(enum flow_lang);

/* flow_validate.c */
/* Compiles node->pattern into node->re; 0, or -1 with err. */
int flow_validate_compile(struct flow_node *, char *err, size_t errlen);
void flow_validate_free(struct flow_node *);
/*
 * Checks an answer to an ask node.  raw is the text as received, norm its
 * normalisation.  Returns 1 and a new canonical value in *value (caller
 * frees) when valid, 0 when not.  now (ms) is used for dates without a
 * year.
 */
int flow_validate_answer(const struct flow_node *, const char *raw,
    const char *norm, int64_t now, char **value);
/* Parses a "lo-hi" range; 0 or -1. */
int flow_validate_range(const char *, int64_t min, int64_t max, int64_t *lo,
    int64_t *hi);
/* The value a yes/no answer word means: "yes", "no" or NULL. */
const char *flow_validate_yesno(const char *norm);
/* 1 if value (a saved answer) satisfies case c. */
int flow_case_matches(const struct flow_case *, const char *value);

/* flow_session.c */
struct flow_session *flow_session_new(const char *phone, enum flow_channel);
void flow_session_free(struct flow_session *);
void flow_session_enter_state(struct flow_session *, enum flow_session_state);
const char *flow_session_strstate(enum flow_session_state);
void flow_session_clear_fields(struct flow_session *);
/* "key=value\n" lines with \\ and \n escaped; caller frees. */
char *flow_session_encode_fields(const struct flow_session *);
int flow_session_decode_fields(struct flow_session *, const char *);
/* Loads / saves / deletes the session of phone+channel; load returns 1
 * found, 0 none (session freshly initialised), -1 error. */
int flow_session_load(struct store *, const char *phone, enum flow_channel,
    struct flow_session **out);
int flow_session_save(struct store *, struct flow_session *,
    int64_t due_at) __attribute__((warn_unused_result));

/* flow_actions.c */
/* The action called name: an engine built-in (*state NULL) or one of
 * the sets (*state its state); NULL if none. */
const struct flow_action *flow_actions_find(const struct flow_action_set *,
    size_t n, const char *name, void **state);
/* Errors for an action name provided twice (by two sets, or by a set
 * and the engine); returns how many. */
int flow_actions_check(const struct flow_action_set *, size_t n,
    struct flow_diag *);

#endif /* STAFETA_FLOW_INT_H */
