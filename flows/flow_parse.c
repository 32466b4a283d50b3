/*
 * flow_parse.c - reads one flow file (docs/flows.md) into a struct
 * flow_def, reporting every problem as "file:line: message".
 *
 * The format is line based so that an error always has one line to point
 * at: a header of "key: value" lines, then "step NAME: KIND ..." blocks
 * and "message NAME" blocks whose lines are again "key: value".
 * Indentation is for the reader only.  The parser never stops at the
 * first error: a social worker editing a file wants the whole list.
 * Step blocks and the whole-file checks are in flow_step.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "util.h"

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
	HDR_PREEMPTS,
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
	[HDR_PREEMPTS] = "preempts dialogues",
};

static int has_prefix(const char *, const char *);
static int parse_duration(struct flow_parser *, const char *, int64_t *);
static void header_line(struct flow_parser *, const char *, char *);
static void header_keywords(struct flow_parser *, char *);
static void header_ussd(struct flow_parser *, char *);
static void header_channels(struct flow_parser *, char *);
static void message_header(struct flow_parser *, char *);
static void message_line(struct flow_parser *, const char *, char *);
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

void
flow_parse_error(struct flow_parser *p, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	flow_diag_error(p->diag, p->file, p->line, "%s", msg);
}

void
flow_parse_warn(struct flow_parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	flow_diag_warn(p->diag, p->file, line, "%s", msg);
}

char *
flow_parse_trim(char *s)
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
void
flow_parse_lower(char *s)
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

int
flow_parse_bool(struct flow_parser *p, const char *v, int *out)
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
		flow_parse_error(p, "expected yes or no, not \"%s\"", v);
		rc = -1;
	}
	free(n);
	return rc;
}

/* "90s", "30m", "4h", "2d", "0" (never); bare numbers are seconds. */
static int
parse_duration(struct flow_parser *p, const char *v, int64_t *out)
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
		flow_parse_error(p, "duration \"%s\" is longer than a year", v);
		return -1;
	}
	*out = x * mult;
	return 0;
bad:
	flow_parse_error(p, "bad duration \"%s\" (write e.g. 90s, 30m, 4h, 2d, or 0)", v);
	return -1;
}

void
flow_parse_text(struct flow_parser *p, struct flow_text *t, enum flow_lang lang,
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
		flow_parse_error(p, "text longer than %d bytes", FLOW_TEXT_MAX);
	if (t->line == 0)
		t->line = p->line;
}

/* key is "ro" (prefix NULL) or "PREFIX ro": sets *lang, returns 1. */
int
flow_parse_lang_key(const char *key, const char *prefix, enum flow_lang *lang)
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
header_keywords(struct flow_parser *p, char *v)
{
	char *tok, *next, *n;
	size_t i;

	for (tok = v; tok != NULL; tok = next) {
		next = strchr(tok, ',');
		if (next != NULL)
			*next++ = '\0';
		n = flow_text_normalize(tok);
		if (n[0] == '\0') {
			flow_parse_error(p, "empty keyword");
			free(n);
			continue;
		}
		if (strspn(n, "0123456789 ") == strlen(n)) {
			flow_parse_error(p, "keyword \"%s\" is a number; numbers are "
			    "answers, not keywords", tok);
			free(n);
			continue;
		}
		for (i = 0; i < p->def->nkeywords; i++) {
			if (strcmp(p->def->keywords[i], n) == 0)
				break;
		}
		if (i < p->def->nkeywords) {
			flow_parse_error(p, "keyword \"%s\" given twice", n);
			free(n);
			continue;
		}
		if (p->def->nkeywords == FLOW_KEYWORDS_MAX) {
			flow_parse_error(p, "more than %d keywords", FLOW_KEYWORDS_MAX);
			free(n);
			return;
		}
		p->def->keywords[p->def->nkeywords++] = n;
	}
	p->def->keywords_line = p->line;
}

static void
header_ussd(struct flow_parser *p, char *v)
{
	char *tok, *next;

	for (tok = v; tok != NULL; tok = next) {
		next = strchr(tok, ',');
		if (next != NULL)
			*next++ = '\0';
		tok = flow_parse_trim(tok);
		if (tok[0] == '\0' || strlen(tok) > 40 ||
		    (strcmp(tok, "any") != 0 &&
		    strspn(tok, "*#0123456789") != strlen(tok))) {
			flow_parse_error(p, "bad USSD code \"%s\" (write e.g. *123*5# or "
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
header_channels(struct flow_parser *p, char *v)
{
	char *tok, *next;

	p->def->channels = 0;
	for (tok = v; tok != NULL; tok = next) {
		next = strchr(tok, ',');
		if (next != NULL)
			*next++ = '\0';
		tok = flow_parse_trim(tok);
		flow_parse_lower(tok);
		if (strcmp(tok, "sms") == 0)
			p->def->channels |= 1 << FLOW_CHANNEL_SMS;
		else if (strcmp(tok, "ussd") == 0)
			p->def->channels |= 1 << FLOW_CHANNEL_USSD;
		else
			flow_parse_error(p, "unknown channel \"%s\" (sms or ussd)", tok);
	}
	if (p->def->channels == 0)
		p->def->channels = 1 << FLOW_CHANNEL_SMS |
		    1 << FLOW_CHANNEL_USSD;
}

static void
header_line(struct flow_parser *p, const char *key, char *v)
{
	struct flow_def *d = p->def;
	enum flow_lang lang;
	int k, b;

	if (flow_parse_lang_key(key, "help", &lang)) {
		flow_parse_text(p, &d->help, lang, v);
		return;
	}
	if (flow_parse_lang_key(key, "expired", &lang)) {
		flow_parse_text(p, &d->expired, lang, v);
		return;
	}
	if (flow_parse_lang_key(key, NULL, &lang)) {
		flow_parse_error(p, "text line outside a step: put it under a \"step\" or "
		    "a \"message\"");
		return;
	}
	for (k = 0; k < HDR_N; k++) {
		if (strcmp(key, header_keys[k]) == 0)
			break;
	}
	if (k == HDR_N) {
		flow_parse_error(p, "unknown key \"%s\"", key);
		return;
	}
	if (!p->seen_flow && k != HDR_FLOW) {
		flow_parse_error(p, "the file must start with \"flow: NAME\"");
		p->seen_flow = 1; /* say it once */
	}
	if (p->seen[k]) {
		flow_parse_error(p, "\"%s\" given twice", key);
		return;
	}
	p->seen[k] = 1;
	switch ((enum header_key)k) {
	case HDR_FLOW:
		p->seen_flow = 1;
		if (!flow_name_valid(v)) {
			flow_parse_error(p, "bad flow name \"%s\" (use a-z, 0-9, - and _, "
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
	case HDR_PREEMPTS:
		if (flow_parse_bool(p, v, &b) == 0)
			d->preempts = b;
		break;
	case HDR_CATCH_ALL:
		if (flow_parse_bool(p, v, &b) == 0)
			d->catch_all = b;
		break;
	case HDR_CHANNELS:
		header_channels(p, v);
		break;
	case HDR_USSD:
		header_ussd(p, v);
		break;
	case HDR_BUSY:
		flow_parse_lower(v);
		if (strcmp(v, "interrupt") == 0)
			d->busy = FLOW_BUSY_INTERRUPT;
		else if (strcmp(v, "ignore") == 0)
			d->busy = FLOW_BUSY_IGNORE;
		else
			flow_parse_error(p, "when busy: expected interrupt or ignore, not "
			    "\"%s\"", v);
		break;
	case HDR_AFTER_USSD:
		flow_parse_lower(v);
		if (strcmp(v, "send") == 0)
			d->after_ussd = FLOW_AFTER_USSD_SEND;
		else if (flow_parse_bool(p, v, &b) == 0)
			d->after_ussd = b ? FLOW_AFTER_USSD_YES :
			    FLOW_AFTER_USSD_NO;
		break;
	case HDR_REPROMPT:
		(void)parse_duration(p, v, &d->reprompt_s);
		break;
	case HDR_EXPIRY:
		if (parse_duration(p, v, &d->expiry_s) == 0 &&
		    d->expiry_s == 0)
			flow_parse_error(p, "expire after: 0 would never end a dialogue; "
			    "give a duration");
		break;
	case HDR_N:
		break;
	}
}

static void
message_header(struct flow_parser *p, char *rest)
{
	int m;

	p->block = FLOW_PARSE_MESSAGE;
	p->node = -1;
	flow_parse_lower(rest);
	m = flow_msg_parse(rest);
	if (m < 0) {
		flow_parse_error(p, "unknown message \"%s\" (see docs/flows.md for the "
		    "names)", rest);
		p->msg = -1;
		return;
	}
	if (p->def->messages[m].line != 0) {
		flow_parse_error(p, "message %s already defined at line %d", rest,
		    p->def->messages[m].line);
		p->msg = -1;
		return;
	}
	p->msg = m;
	p->def->messages[m].line = p->line; /* messages point at the header */
}

static void
message_line(struct flow_parser *p, const char *key, char *v)
{
	enum flow_lang lang;

	if (p->msg < 0)
		return;
	if (!flow_parse_lang_key(key, NULL, &lang)) {
		flow_parse_error(p, "a message block holds only ro:, hu: and en: lines");
		return;
	}
	flow_parse_text(p, &p->def->messages[p->msg], lang, v);
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
	struct flow_parser p;
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
			flow_parse_error(&p, "line longer than %d bytes", FLOW_LINE_MAX);
			pos += ll + 1;
			continue;
		}
		if (!flow_text_valid_utf8(src + pos, ll)) {
			flow_parse_error(&p, "not valid UTF-8 text");
			pos += ll + 1;
			continue;
		}
		memcpy(line, src + pos, ll);
		line[ll] = '\0';
		pos += ll + 1;
		s = flow_parse_trim(line);
		if (s[0] == '\0' || s[0] == '#')
			continue;
		if (has_prefix(s, "step ")) {
			flow_step_header(&p, s + 5);
			continue;
		}
		if (has_prefix(s, "message ")) {
			message_header(&p, flow_parse_trim(s + 8));
			continue;
		}
		colon = strchr(s, ':');
		if (colon == NULL) {
			flow_parse_error(&p, "expected \"key: value\"");
			continue;
		}
		*colon = '\0';
		key = flow_parse_trim(s);
		flow_parse_lower(key);
		/* One space after the colon is layout; more is the text's. */
		v = colon + 1;
		if (*v == ' ' || *v == '\t')
			v++;
		switch (p.block) {
		case FLOW_PARSE_HEADER:
			header_line(&p, key, flow_parse_trim(v));
			break;
		case FLOW_PARSE_STEP:
			if (flow_parse_lang_key(key, NULL, &lang) ||
			    strncmp(key, "invalid ", 8) == 0)
				flow_step_line(&p, key, v);
			else
				flow_step_line(&p, key, flow_parse_trim(v));
			break;
		case FLOW_PARSE_MESSAGE:
			message_line(&p, key, v);
			break;
		}
	}
	if (p.line == 0)
		p.line = 1;
	flow_step_finish(&p);
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
