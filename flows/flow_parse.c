/*
 * flow_parse.c - reads one flow file (docs/flows.md) into a struct
 * flow_def, reporting every problem as "file:line: message".
 *
 * The format is line based so that an error always has one line to point
 * at: a header of "key: value" lines, then "step NAME: KIND ..." blocks
 * and "message NAME" blocks whose lines are again "key: value".
 * Indentation is for the reader only.  The parser never stops at the
 * first error: a social worker editing a file wants the whole list.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "modem.h"
#include "util.h"

enum parse_block {
	PARSE_HEADER = 0, /* before the first step or message */
	PARSE_STEP,	  /* inside "step NAME: KIND" */
	PARSE_MESSAGE,	  /* inside "message NAME" */
};

struct parser {
	const char *file;
	struct flow_diag *diag;
	struct flow_def *def;
	enum parse_block block;
	int line;		/* current line number */
	int node;		/* index of the current step, -1 none */
	int msg;		/* current message block, -1 none */
	int errors_before;	/* diag->nerrors at start */
	int seen_flow;
	int seen[16];		/* header keys already given */
};

enum header_key {
	HDR_FLOW = 0,
	HDR_TITLE,
	HDR_KEYWORDS,
	HDR_CATCH_ALL,
	HDR_CHANNELS,
	HDR_USSD,
	HDR_BUSY,
	HDR_AFTER_USSD,
	HDR_REPROMPT,
	HDR_EXPIRY,
	HDR_N,
};

/* Header keys as written (after lower-casing and joining spaces). */
static const char *const header_keys[HDR_N] = {
	[HDR_FLOW] = "flow",
	[HDR_TITLE] = "title",
	[HDR_KEYWORDS] = "keywords",
	[HDR_CATCH_ALL] = "catch-all",
	[HDR_CHANNELS] = "channels",
	[HDR_USSD] = "ussd code",
	[HDR_BUSY] = "when busy",
	[HDR_AFTER_USSD] = "continue by sms",
	[HDR_REPROMPT] = "reprompt after",
	[HDR_EXPIRY] = "expire after",
};

struct ask_kind_name {
	const char *name;
	enum flow_ask_kind kind;
};

static const struct ask_kind_name ask_kinds[] = {
	{ "menu", FLOW_ASK_MENU },
	{ "number", FLOW_ASK_NUMBER },
	{ "date", FLOW_ASK_DATE },
	{ "yesno", FLOW_ASK_YESNO },
	{ "pattern", FLOW_ASK_PATTERN },
	{ "phone", FLOW_ASK_PHONE },
	{ "text", FLOW_ASK_TEXT },
};

static void perr(struct parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void pwarn(struct parser *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static char *trim(char *);
static void lower_key(char *);
static int has_prefix(const char *, const char *);
static int parse_bool(struct parser *, const char *, int *);
static int parse_duration(struct parser *, const char *, int64_t *);
static void text_add(struct parser *, struct flow_text *, enum flow_lang,
    const char *);
static int lang_key(const char *, const char *, enum flow_lang *);
static void header_line(struct parser *, const char *, char *);
static void header_keywords(struct parser *, char *);
static void header_ussd(struct parser *, char *);
static void header_channels(struct parser *, char *);
static void step_header(struct parser *, char *);
static void step_kind(struct parser *, struct flow_node *, char *);
static void step_line(struct parser *, const char *, char *);
static void step_case(struct parser *, struct flow_node *, const char *,
    char *);
static void message_header(struct parser *, char *);
static void message_line(struct parser *, const char *, char *);
static int resolve_target(struct parser *, const char *, int, int *);
static void finish(struct parser *);
static void check_text_size(struct parser *, const struct flow_text *,
    const char *);
static void text_free(struct flow_text *);
static void version_hash(const char *, size_t, char *);

void
flow_diag_error(struct flow_diag *d, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	if (d == NULL)
		return;
	d->nerrors++;
	if (d->errors == NULL || d->nerrors > FLOW_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A full buffer only shortens the report. */
	if (line > 0 ? buf_printf(d->errors, "%s:%d: %s\n", file, line,
	    msg) : buf_printf(d->errors, "%s: %s\n", file, msg))
		return;
}

void
flow_diag_warn(struct flow_diag *d, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	if (d == NULL)
		return;
	d->nwarnings++;
	if (d->warnings == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0 ? buf_printf(d->warnings, "%s:%d: warning: %s\n", file,
	    line, msg) : buf_printf(d->warnings, "%s: warning: %s\n", file,
	    msg))
		return;
}

static void
perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	flow_diag_error(p->diag, p->file, p->line, "%s", msg);
}

static void
pwarn(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	flow_diag_warn(p->diag, p->file, line, "%s", msg);
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

/* "When  Busy" -> "when busy": keys are forgiving about case and spaces. */
static void
lower_key(char *s)
{
	const char *i;
	char *o = s;
	int space = 0;

	/* o never passes i, so the rewrite in place is safe. */
	for (i = s; *i != '\0'; i++) {
		if (*i == ' ' || *i == '\t') {
			space = 1;
			continue;
		}
		if (space && o != s)
			*o++ = ' ';
		space = 0;
		*o++ = (*i >= 'A' && *i <= 'Z') ? (char)(*i - 'A' + 'a') : *i;
	}
	*o = '\0';
}

/* Case-insensitive ASCII prefix test. */
static int
has_prefix(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *prefix)
			return 0;
	}
	return 1;
}

static int
parse_bool(struct parser *p, const char *v, int *out)
{
	char *n = flow_text_normalize(v);
	int rc = 0;

	if (strcmp(n, "YES") == 0 || strcmp(n, "DA") == 0 ||
	    strcmp(n, "ON") == 0)
		*out = 1;
	else if (strcmp(n, "NO") == 0 || strcmp(n, "NU") == 0 ||
	    strcmp(n, "OFF") == 0)
		*out = 0;
	else {
		perr(p, "expected yes or no, not \"%s\"", v);
		rc = -1;
	}
	free(n);
	return rc;
}

/* "90s", "30m", "4h", "2d", "0" (never); bare numbers are seconds. */
static int
parse_duration(struct parser *p, const char *v, int64_t *out)
{
	char num[24];
	size_t n = 0;
	int64_t x, mult = 1;

	while (v[n] >= '0' && v[n] <= '9' && n < sizeof(num) - 1) {
		num[n] = v[n];
		n++;
	}
	num[n] = '\0';
	if (n == 0 || parse_int64(num, 0, 100000000, &x) != 0)
		goto bad;
	switch (v[n]) {
	case '\0':
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		goto bad;
	}
	if (v[n] != '\0' && v[n + 1] != '\0')
		goto bad;
	if (x * mult > 365 * 86400) {
		perr(p, "duration \"%s\" is longer than a year", v);
		return -1;
	}
	*out = x * mult;
	return 0;
bad:
	perr(p, "bad duration \"%s\" (write e.g. 90s, 30m, 4h, 2d, or 0)", v);
	return -1;
}

static void
text_add(struct parser *p, struct flow_text *t, enum flow_lang lang,
    const char *v)
{
	char *old = t->s[lang];

	/* Repeating a language key adds a line: how menus are written. */
	if (old == NULL)
		t->s[lang] = xstrdup(v);
	else {
		t->s[lang] = xasprintf("%s\n%s", old, v);
		free(old);
	}
	if (strlen(t->s[lang]) > FLOW_TEXT_MAX)
		perr(p, "text longer than %d bytes", FLOW_TEXT_MAX);
	if (t->line == 0)
		t->line = p->line;
}

/* key is "ro" (prefix NULL) or "PREFIX ro": sets *lang, returns 1. */
static int
lang_key(const char *key, const char *prefix, enum flow_lang *lang)
{
	static const char *const langs[FLOW_LANG_N] = { "ro", "hu", "en" };
	size_t pl = prefix != NULL ? strlen(prefix) : 0;
	int i;

	if (prefix != NULL) {
		if (strncmp(key, prefix, pl) != 0 || key[pl] != ' ')
			return 0;
		key += pl + 1;
	}
	for (i = 0; i < FLOW_LANG_N; i++) {
		if (strcmp(key, langs[i]) == 0) {
			*lang = (enum flow_lang)i;
			return 1;
		}
	}
	return 0;
}

static void
header_keywords(struct parser *p, char *v)
{
	char *tok, *next, *n;
	size_t i;

	for (tok = v; tok != NULL; tok = next) {
		next = strchr(tok, ',');
		if (next != NULL)
			*next++ = '\0';
		n = flow_text_normalize(tok);
		if (n[0] == '\0') {
			perr(p, "empty keyword");
			free(n);
			continue;
		}
		if (strspn(n, "0123456789 ") == strlen(n)) {
			perr(p, "keyword \"%s\" is a number; numbers are "
			    "answers, not keywords", tok);
			free(n);
			continue;
		}
		for (i = 0; i < p->def->nkeywords; i++) {
			if (strcmp(p->def->keywords[i], n) == 0)
				break;
		}
		if (i < p->def->nkeywords) {
			perr(p, "keyword \"%s\" given twice", n);
			free(n);
			continue;
		}
		if (p->def->nkeywords == FLOW_KEYWORDS_MAX) {
			perr(p, "more than %d keywords", FLOW_KEYWORDS_MAX);
			free(n);
			return;
		}
		p->def->keywords[p->def->nkeywords++] = n;
	}
	p->def->keywords_line = p->line;
}

static void
header_ussd(struct parser *p, char *v)
{
	char *tok, *next;

	for (tok = v; tok != NULL; tok = next) {
		next = strchr(tok, ',');
		if (next != NULL)
			*next++ = '\0';
		tok = trim(tok);
		if (tok[0] == '\0' || strlen(tok) > 40 ||
		    (strcmp(tok, "any") != 0 &&
		    strspn(tok, "*#0123456789") != strlen(tok))) {
			perr(p, "bad USSD code \"%s\" (write e.g. *123*5# or "
			    "any)", tok);
			continue;
		}
		p->def->ussd_codes = xrealloc(p->def->ussd_codes,
		    (p->def->nussd_codes + 1) * sizeof(char *));
		p->def->ussd_codes[p->def->nussd_codes++] = xstrdup(tok);
	}
	p->def->ussd_line = p->line;
}

static void
header_channels(struct parser *p, char *v)
{
	char *tok, *next;

	p->def->channels = 0;
	for (tok = v; tok != NULL; tok = next) {
		next = strchr(tok, ',');
		if (next != NULL)
			*next++ = '\0';
		tok = trim(tok);
		lower_key(tok);
		if (strcmp(tok, "sms") == 0)
			p->def->channels |= 1 << FLOW_CHANNEL_SMS;
		else if (strcmp(tok, "ussd") == 0)
			p->def->channels |= 1 << FLOW_CHANNEL_USSD;
		else
			perr(p, "unknown channel \"%s\" (sms or ussd)", tok);
	}
	if (p->def->channels == 0)
		p->def->channels = 1 << FLOW_CHANNEL_SMS |
		    1 << FLOW_CHANNEL_USSD;
}

static void
header_line(struct parser *p, const char *key, char *v)
{
	struct flow_def *d = p->def;
	enum flow_lang lang;
	int k, b;

	if (lang_key(key, "help", &lang)) {
		text_add(p, &d->help, lang, v);
		return;
	}
	if (lang_key(key, "expired", &lang)) {
		text_add(p, &d->expired, lang, v);
		return;
	}
	if (lang_key(key, NULL, &lang)) {
		perr(p, "text line outside a step: put it under a \"step\" or "
		    "a \"message\"");
		return;
	}
	for (k = 0; k < HDR_N; k++) {
		if (strcmp(key, header_keys[k]) == 0)
			break;
	}
	if (k == HDR_N) {
		perr(p, "unknown key \"%s\"", key);
		return;
	}
	if (!p->seen_flow && k != HDR_FLOW) {
		perr(p, "the file must start with \"flow: NAME\"");
		p->seen_flow = 1; /* say it once */
	}
	if (p->seen[k]) {
		perr(p, "\"%s\" given twice", key);
		return;
	}
	p->seen[k] = 1;
	switch ((enum header_key)k) {
	case HDR_FLOW:
		p->seen_flow = 1;
		if (!flow_name_valid(v)) {
			perr(p, "bad flow name \"%s\" (use a-z, 0-9, - and _, "
			    "at most %d)", v, FLOW_NAME_MAX);
			return;
		}
		free(d->name);
		d->name = xstrdup(v);
		break;
	case HDR_TITLE:
		d->title = xstrdup(v);
		break;
	case HDR_KEYWORDS:
		header_keywords(p, v);
		break;
	case HDR_CATCH_ALL:
		if (parse_bool(p, v, &b) == 0)
			d->catch_all = b;
		break;
	case HDR_CHANNELS:
		header_channels(p, v);
		break;
	case HDR_USSD:
		header_ussd(p, v);
		break;
	case HDR_BUSY:
		lower_key(v);
		if (strcmp(v, "interrupt") == 0)
			d->busy = FLOW_BUSY_INTERRUPT;
		else if (strcmp(v, "ignore") == 0)
			d->busy = FLOW_BUSY_IGNORE;
		else
			perr(p, "when busy: expected interrupt or ignore, not "
			    "\"%s\"", v);
		break;
	case HDR_AFTER_USSD:
		lower_key(v);
		if (strcmp(v, "send") == 0)
			d->after_ussd = FLOW_AFTER_USSD_SEND;
		else if (parse_bool(p, v, &b) == 0)
			d->after_ussd = b ? FLOW_AFTER_USSD_YES :
			    FLOW_AFTER_USSD_NO;
		break;
	case HDR_REPROMPT:
		(void)parse_duration(p, v, &d->reprompt_s);
		break;
	case HDR_EXPIRY:
		if (parse_duration(p, v, &d->expiry_s) == 0 &&
		    d->expiry_s == 0)
			perr(p, "expire after: 0 would never end a dialogue; "
			    "give a duration");
		break;
	case HDR_N:
		break;
	}
}

static void
step_kind(struct parser *p, struct flow_node *n, char *spec)
{
	char *kind = spec, *args, *eq;
	size_t i;
	char err[256];

	args = kind + strcspn(kind, " \t");
	if (*args != '\0')
		*args++ = '\0';
	args = trim(args);
	lower_key(kind);
	if (strcmp(kind, "send") == 0 || strcmp(kind, "end") == 0) {
		n->kind = kind[0] == 's' ? FLOW_NODE_SEND : FLOW_NODE_END;
		if (*args != '\0')
			perr(p, "\"%s\" takes nothing after it", kind);
		return;
	}
	if (strcmp(kind, "branch") == 0 || strcmp(kind, "action") == 0 ||
	    strcmp(kind, "start") == 0) {
		n->kind = kind[0] == 'b' ? FLOW_NODE_BRANCH :
		    kind[0] == 'a' ? FLOW_NODE_ACTION : FLOW_NODE_START;
		if (!flow_name_valid(args)) {
			perr(p, "%s: expected a %s name, not \"%s\"", kind,
			    kind[0] == 'b' ? "field" : kind[0] == 'a' ?
			    "action" : "flow", args);
			return;
		}
		if (n->kind == FLOW_NODE_BRANCH)
			n->field = xstrdup(args);
		else
			n->target_name = xstrdup(args);
		if (n->kind == FLOW_NODE_ACTION &&
		    flow_action_find(args) == NULL)
			pwarn(p, p->line, "action \"%s\" is not registered "
			    "(yet); the step will fail if it is not", args);
		return;
	}
	if (strcmp(kind, "save") == 0) {
		n->kind = FLOW_NODE_SAVE;
		eq = strchr(args, '=');
		if (eq == NULL) {
			perr(p, "save: expected \"save FIELD = VALUE\"");
			return;
		}
		*eq = '\0';
		if (!flow_name_valid(trim(args))) {
			perr(p, "save: bad field name \"%s\"", trim(args));
			return;
		}
		n->field = xstrdup(trim(args));
		n->value = xstrdup(trim(eq + 1));
		return;
	}
	if (strcmp(kind, "ask") != 0) {
		perr(p, "unknown step kind \"%s\" (send, ask, branch, save, "
		    "action, start, end)", kind);
		return;
	}
	n->kind = FLOW_NODE_ASK;
	kind = args;
	args = kind + strcspn(kind, " \t");
	if (*args != '\0')
		*args++ = '\0';
	lower_key(kind);
	for (i = 0; i < NELEM(ask_kinds); i++) {
		if (strcmp(kind, ask_kinds[i].name) == 0)
			break;
	}
	if (i == NELEM(ask_kinds)) {
		perr(p, "ask: unknown question kind \"%s\" (menu, number, "
		    "date, yesno, pattern, phone, text)", kind);
		return;
	}
	n->ask = ask_kinds[i].kind;
	switch (n->ask) {
	case FLOW_ASK_MENU:
		if (flow_validate_range(trim(args), 0, 98, &n->lo, &n->hi) !=
		    0)
			perr(p, "ask menu: expected the choices as FROM-TO "
			    "between 0 and 98, e.g. \"ask menu 1-5\"");
		break;
	case FLOW_ASK_NUMBER:
		if (flow_validate_range(trim(args), 0, 999999999, &n->lo,
		    &n->hi) != 0)
			perr(p, "ask number: expected a range FROM-TO, e.g. "
			    "\"ask number 1-10\"");
		break;
	case FLOW_ASK_TEXT:
		n->lo = 1;
		n->hi = 160;
		args = trim(args);
		if (*args != '\0' && parse_int64(args, 1, FLOW_VALUE_MAX / 2,
		    &n->hi) != 0)
			perr(p, "ask text: the maximum length must be a number "
			    "from 1 to %d", FLOW_VALUE_MAX / 2);
		break;
	case FLOW_ASK_PATTERN:
		/* The pattern is the rest of the line as written. */
		while (*args == ' ' || *args == '\t')
			args++;
		if (*args == '\0') {
			perr(p, "ask pattern: the pattern is missing");
			break;
		}
		n->pattern = xstrdup(args);
		if (flow_validate_compile(n, err, sizeof(err)) != 0)
			perr(p, "ask pattern: %s", err);
		break;
	case FLOW_ASK_DATE:
	case FLOW_ASK_YESNO:
	case FLOW_ASK_PHONE:
		if (*trim(args) != '\0')
			perr(p, "ask %s takes nothing after it", kind);
		break;
	}
}

static void
step_header(struct parser *p, char *rest)
{
	struct flow_def *d = p->def;
	struct flow_node *n;
	char *colon, *name;
	size_t i;

	p->block = PARSE_STEP;
	p->msg = -1;
	colon = strchr(rest, ':');
	if (colon == NULL) {
		perr(p, "expected \"step NAME: KIND\", e.g. \"step intro: "
		    "send\"");
		p->node = -1;
		return;
	}
	*colon = '\0';
	name = trim(rest);
	d->nodes = xrealloc(d->nodes, (d->nnodes + 1) * sizeof(*d->nodes));
	n = &d->nodes[d->nnodes];
	memset(n, 0, sizeof(*n));
	n->line = p->line;
	n->next_idx = -1;
	n->kind = FLOW_NODE_END;
	p->node = (int)d->nnodes++;
	lower_key(name);
	if (!flow_name_valid(name) || strcmp(name, "end") == 0) {
		perr(p, "bad step name \"%s\" (use a-z, 0-9, - and _; \"end\" "
		    "is reserved)", name);
		n->name = xstrdup("?");
	} else
		n->name = xstrdup(name);
	for (i = 0; i + 1 < d->nnodes; i++) {
		if (strcmp(d->nodes[i].name, n->name) == 0 &&
		    strcmp(n->name, "?") != 0) {
			perr(p, "step \"%s\" already defined at line %d",
			    n->name, d->nodes[i].line);
			break;
		}
	}
	step_kind(p, n, trim(colon + 1));
}

static void
step_case(struct parser *p, struct flow_node *n, const char *value,
    char *target)
{
	struct flow_case c;
	const char *yn;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.line = p->line;
	c.target_idx = -1;
	if (n->kind != FLOW_NODE_ASK && n->kind != FLOW_NODE_BRANCH &&
	    n->kind != FLOW_NODE_ACTION) {
		perr(p, "\"if\" belongs to ask, branch and action steps");
		return;
	}
	lower_key(target);
	if (!flow_name_valid(target)) {
		perr(p, "if %s: \"%s\" is not a step name", value, target);
		return;
	}
	c.value = flow_text_normalize(value);
	if (c.value[0] == '\0') {
		perr(p, "\"if\" without a value");
		goto fail;
	}
	if (n->kind == FLOW_NODE_ASK && strcmp(c.value, "INVALID") == 0) {
		/* The way out after the last allowed invalid answer. */
		if (n->tries == 0)
			pwarn(p, p->line, "\"if invalid\" is used only when "
			    "\"tries\" is set (before it)");
	} else if (n->kind == FLOW_NODE_ASK && n->ask == FLOW_ASK_YESNO) {
		yn = flow_validate_yesno(c.value);
		if (yn == NULL) {
			perr(p, "if %s: a yes/no question has the answers yes "
			    "and no", value);
			goto fail;
		}
		/* Compared with the normalised saved answer. */
		free(c.value);
		c.value = flow_text_normalize(yn);
	} else if (n->kind == FLOW_NODE_ASK && (n->ask == FLOW_ASK_MENU ||
	    n->ask == FLOW_ASK_NUMBER)) {
		if (flow_validate_range(value, 0, INT64_MAX / 2, &c.lo,
		    &c.hi) != 0) {
			perr(p, "if %s: expected a number or a range FROM-TO",
			    value);
			goto fail;
		}
		if (c.lo < n->lo || c.hi > n->hi) {
			perr(p, "if %s: outside the answers %lld-%lld", value,
			    (long long)n->lo, (long long)n->hi);
			goto fail;
		}
		free(c.value);
		c.value = NULL;
	} else if (flow_validate_range(value, 0, INT64_MAX / 2, &c.lo,
	    &c.hi) == 0) {
		free(c.value);
		c.value = NULL;
	}
	for (i = 0; i < n->ncases; i++) {
		const struct flow_case *o = &n->cases[i];

		if ((c.value != NULL && o->value != NULL &&
		    strcmp(o->value, c.value) == 0) ||
		    (c.value == NULL && o->value == NULL && o->lo <= c.hi &&
		    c.lo <= o->hi)) {
			perr(p, "if %s: overlaps the \"if\" at line %d", value,
			    o->line);
			goto fail;
		}
	}
	c.target = xstrdup(target);
	n->cases = xrealloc(n->cases, (n->ncases + 1) * sizeof(*n->cases));
	n->cases[n->ncases++] = c;
	return;
fail:
	free(c.value);
}

static void
step_line(struct parser *p, const char *key, char *v)
{
	struct flow_node *n;
	enum flow_lang lang;
	int64_t x;
	int b;

	if (p->node < 0)
		return; /* the step header was already reported */
	n = &p->def->nodes[p->node];
	if (lang_key(key, NULL, &lang)) {
		if (n->kind != FLOW_NODE_SEND && n->kind != FLOW_NODE_ASK &&
		    n->kind != FLOW_NODE_END) {
			perr(p, "a step that does not talk has no text");
			return;
		}
		text_add(p, &n->text, lang, v);
		return;
	}
	if (lang_key(key, "invalid", &lang)) {
		if (n->kind != FLOW_NODE_ASK) {
			perr(p, "\"invalid\" texts belong to ask steps");
			return;
		}
		text_add(p, &n->invalid, lang, v);
		return;
	}
	if (strncmp(key, "if ", 3) == 0) {
		step_case(p, n, key + 3, v);
		return;
	}
	if (strcmp(key, "next") == 0) {
		if (n->kind == FLOW_NODE_END) {
			perr(p, "an end step has no next");
			return;
		}
		if (n->next != NULL) {
			perr(p, "\"next\" given twice");
			return;
		}
		lower_key(v);
		if (!flow_name_valid(v)) {
			perr(p, "next: \"%s\" is not a step name", v);
			return;
		}
		n->next = xstrdup(v);
		n->next_line = p->line;
		return;
	}
	if (n->kind != FLOW_NODE_ASK) {
		if (strcmp(key, "save") == 0 || strcmp(key, "tries") == 0 ||
		    strcmp(key, "private") == 0)
			perr(p, "\"%s\" belongs to ask steps", key);
		else
			perr(p, "unknown key \"%s\" in a step", key);
		return;
	}
	if (strcmp(key, "save") == 0) {
		lower_key(v);
		if (!flow_name_valid(v)) {
			perr(p, "save: bad field name \"%s\"", v);
			return;
		}
		free(n->field);
		n->field = xstrdup(v);
	} else if (strcmp(key, "tries") == 0) {
		if (parse_int64(v, 1, 10, &x) != 0) {
			perr(p, "tries: expected a number from 1 to 10");
			return;
		}
		n->tries = (int)x;
	} else if (strcmp(key, "private") == 0) {
		if (parse_bool(p, v, &b) == 0)
			n->private_input = b;
	} else
		perr(p, "unknown key \"%s\" in a step", key);
}

static void
message_header(struct parser *p, char *rest)
{
	int m;

	p->block = PARSE_MESSAGE;
	p->node = -1;
	lower_key(rest);
	m = flow_msg_parse(rest);
	if (m < 0) {
		perr(p, "unknown message \"%s\" (see docs/flows.md for the "
		    "names)", rest);
		p->msg = -1;
		return;
	}
	if (p->def->messages[m].line != 0) {
		perr(p, "message %s already defined at line %d", rest,
		    p->def->messages[m].line);
		p->msg = -1;
		return;
	}
	p->msg = m;
	p->def->messages[m].line = p->line; /* messages point at the header */
}

static void
message_line(struct parser *p, const char *key, char *v)
{
	enum flow_lang lang;

	if (p->msg < 0)
		return;
	if (!lang_key(key, NULL, &lang)) {
		perr(p, "a message block holds only ro:, hu: and en: lines");
		return;
	}
	text_add(p, &p->def->messages[p->msg], lang, v);
}

static int
resolve_target(struct parser *p, const char *name, int line, int *idx)
{
	int i;

	if (strcmp(name, "end") == 0) {
		*idx = -1;
		return 0;
	}
	i = flow_node_find(p->def, name);
	if (i < 0) {
		flow_diag_error(p->diag, p->file, line, "no step named \"%s\"",
		    name);
		return -1;
	}
	*idx = i;
	return 0;
}

/*
 * Warns when a text would cost more than planned: any character outside
 * GSM 03.38 makes the whole SMS UCS-2 (70 characters a part), more than
 * one part costs more, and a USSD screen holds 182 characters.
 */
static void
check_text_size(struct parser *p, const struct flow_text *t,
    const char *what)
{
	const struct flow_def *d = p->def;
	int lang, parts;
	size_t chars;

	for (lang = 0; lang < FLOW_LANG_N; lang++) {
		const char *s = t->s[lang];

		if (s == NULL)
			continue;
		if (!modem_text_is_gsm7(s)) {
			const char *c = s, *bad = s;
			size_t len = 1;

			/* Name the first offending character. */
			for (; *c != '\0'; c += len) {
				char one[8];

				len = flow_text_prefix_bytes(c, 1);
				if (len == 0 || len >= sizeof(one))
					break;
				memcpy(one, c, len);
				one[len] = '\0';
				if (!modem_text_is_gsm7(one)) {
					bad = c;
					break;
				}
			}
			pwarn(p, t->line, "%s (%s): \"%.*s\" is not in the "
			    "GSM-7 alphabet, the SMS goes as UCS-2 (70 "
			    "characters a part); write it without diacritics",
			    what, flow_lang_name((enum flow_lang)lang),
			    (int)flow_text_prefix_bytes(bad, 1), bad);
		}
		parts = modem_text_parts(s);
		if ((d->channels & (1 << FLOW_CHANNEL_SMS)) && parts > 1)
			pwarn(p, t->line, "%s (%s): needs %d SMS parts", what,
			    flow_lang_name((enum flow_lang)lang), parts);
		chars = flow_text_chars(s);
		if ((d->channels & (1 << FLOW_CHANNEL_USSD)) &&
		    chars > FLOW_USSD_SCREEN)
			pwarn(p, t->line, "%s (%s): %zu characters, more than "
			    "one USSD screen (%d); it is shown in pages", what,
			    flow_lang_name((enum flow_lang)lang), chars,
			    FLOW_USSD_SCREEN);
	}
}

static void
finish(struct parser *p)
{
	struct flow_def *d = p->def;
	struct flow_node *n;
	unsigned char *reached;
	size_t i, j;
	char what[64];
	int stack_n = 0, *stack;

	if (d->name == NULL) {
		if (!p->seen_flow)
			flow_diag_error(p->diag, p->file, 1,
			    "the file must start with \"flow: NAME\"");
		return;
	}
	if (d->nnodes == 0) {
		flow_diag_error(p->diag, p->file, p->line,
		    "flow %s has no steps", d->name);
		return;
	}
	for (i = 0; i < d->nnodes; i++) {
		n = &d->nodes[i];
		p->line = n->line;
		if ((n->kind == FLOW_NODE_SEND || n->kind == FLOW_NODE_ASK) &&
		    n->text.s[FLOW_LANG_RO] == NULL)
			flow_diag_error(p->diag, p->file, n->line,
			    "step %s has no Romanian text (ro:)", n->name);
		if (n->kind == FLOW_NODE_ASK && n->field == NULL)
			n->field = xstrdup(n->name);
		if (n->next != NULL)
			(void)resolve_target(p, n->next, n->next_line,
			    &n->next_idx);
		else
			n->next_idx = i + 1 < d->nnodes ? (int)i + 1 : -1;
		for (j = 0; j < n->ncases; j++)
			(void)resolve_target(p, n->cases[j].target,
			    n->cases[j].line, &n->cases[j].target_idx);
		snprintf(what, sizeof(what), "step %s", n->name);
		check_text_size(p, &n->text, what);
	}
	for (i = 0; i < FLOW_MSG_N; i++) {
		if (d->messages[i].line != 0 &&
		    d->messages[i].s[FLOW_LANG_RO] == NULL)
			flow_diag_error(p->diag, p->file, d->messages[i].line,
			    "message %s has no Romanian text (ro:)",
			    flow_msg_name((enum flow_msg)i));
	}
	if (d->catch_all && d->nkeywords > 0)
		pwarn(p, d->keywords_line, "a catch-all flow needs no "
		    "keywords");
	if (p->diag->nerrors > p->errors_before)
		return;
	/* Steps nothing leads to are probably a typo in a next or an if. */
	reached = xcalloc(d->nnodes, 1);
	stack = xcalloc(d->nnodes, sizeof(int));
	reached[0] = 1;
	stack[stack_n++] = 0;
	while (stack_n > 0) {
		int next;

		n = &d->nodes[stack[--stack_n]];
		next = n->kind == FLOW_NODE_END || n->kind == FLOW_NODE_START ?
		    -1 : n->next_idx;
		for (j = 0; j <= n->ncases; j++) {
			int t = j < n->ncases ? n->cases[j].target_idx : next;

			if (t >= 0 && !reached[t]) {
				reached[t] = 1;
				stack[stack_n++] = t;
			}
		}
	}
	for (i = 0; i < d->nnodes; i++) {
		if (!reached[i])
			pwarn(p, d->nodes[i].line, "step %s can never be "
			    "reached", d->nodes[i].name);
	}
	free(stack);
	free(reached);
}

/* FNV-1a 64: stable across builds, enough to tell versions apart. */
static void
version_hash(const char *src, size_t len, char *out)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)src[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

struct flow_def *
flow_parse(const char *file, const char *src, size_t len,
    struct flow_diag *diag)
{
	struct parser p;
	struct flow_def *d;
	char line[FLOW_LINE_MAX + 1], *s, *colon, *key, *v;
	size_t pos = 0, ll;
	const char *nl;
	enum flow_lang lang;

	memset(&p, 0, sizeof(p));
	p.file = file;
	p.diag = diag;
	p.node = -1;
	p.msg = -1;
	p.errors_before = diag->nerrors;
	if (len > FLOW_FILE_MAX) {
		flow_diag_error(diag, file, 0, "file larger than %d bytes",
		    FLOW_FILE_MAX);
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	p.def = d;
	d->file = xstrdup(file);
	d->source = xmalloc(len + 1);
	memcpy(d->source, src, len);
	d->source[len] = '\0';
	d->srclen = len;
	version_hash(src, len, d->version);
	d->channels = 1 << FLOW_CHANNEL_SMS | 1 << FLOW_CHANNEL_USSD;
	d->reprompt_s = -1;
	d->expiry_s = -1;
	while (pos < len) {
		p.line++;
		nl = memchr(src + pos, '\n', len - pos);
		ll = nl != NULL ? (size_t)(nl - (src + pos)) : len - pos;
		if (ll > FLOW_LINE_MAX) {
			perr(&p, "line longer than %d bytes", FLOW_LINE_MAX);
			pos += ll + 1;
			continue;
		}
		if (!flow_text_valid_utf8(src + pos, ll)) {
			perr(&p, "not valid UTF-8 text");
			pos += ll + 1;
			continue;
		}
		memcpy(line, src + pos, ll);
		line[ll] = '\0';
		pos += ll + 1;
		s = trim(line);
		if (s[0] == '\0' || s[0] == '#')
			continue;
		if (has_prefix(s, "step ")) {
			step_header(&p, s + 5);
			continue;
		}
		if (has_prefix(s, "message ")) {
			message_header(&p, trim(s + 8));
			continue;
		}
		colon = strchr(s, ':');
		if (colon == NULL) {
			perr(&p, "expected \"key: value\"");
			continue;
		}
		*colon = '\0';
		key = trim(s);
		lower_key(key);
		/* One space after the colon is layout; more is the text's. */
		v = colon + 1;
		if (*v == ' ' || *v == '\t')
			v++;
		switch (p.block) {
		case PARSE_HEADER:
			header_line(&p, key, trim(v));
			break;
		case PARSE_STEP:
			if (lang_key(key, NULL, &lang) ||
			    strncmp(key, "invalid ", 8) == 0)
				step_line(&p, key, v);
			else
				step_line(&p, key, trim(v));
			break;
		case PARSE_MESSAGE:
			message_line(&p, key, v);
			break;
		}
	}
	if (p.line == 0)
		p.line = 1;
	finish(&p);
	if (diag->nerrors > p.errors_before) {
		flow_def_free(d);
		return NULL;
	}
	return d;
}

int
flow_node_find(const struct flow_def *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nnodes; i++) {
		if (strcmp(d->nodes[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

static void
text_free(struct flow_text *t)
{
	int i;

	for (i = 0; i < FLOW_LANG_N; i++)
		free(t->s[i]);
	memset(t, 0, sizeof(*t));
}

void
flow_def_free(struct flow_def *d)
{
	size_t i, j;

	if (d == NULL)
		return;
	for (i = 0; i < d->nnodes; i++) {
		struct flow_node *n = &d->nodes[i];

		free(n->name);
		text_free(&n->text);
		text_free(&n->invalid);
		free(n->pattern);
		flow_validate_free(n);
		free(n->field);
		free(n->value);
		free(n->target_name);
		for (j = 0; j < n->ncases; j++) {
			free(n->cases[j].value);
			free(n->cases[j].target);
		}
		free(n->cases);
		free(n->next);
	}
	free(d->nodes);
	for (i = 0; i < d->nkeywords; i++)
		free(d->keywords[i]);
	for (i = 0; i < d->nussd_codes; i++)
		free(d->ussd_codes[i]);
	free(d->ussd_codes);
	text_free(&d->help);
	text_free(&d->expired);
	for (i = 0; i < FLOW_MSG_N; i++)
		text_free(&d->messages[i]);
	free(d->name);
	free(d->title);
	free(d->file);
	free(d->source);
	free(d);
}
