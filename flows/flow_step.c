/*
 * flow_step.c - the step blocks of a flow file ("step NAME: KIND" and the
 * lines under it) and the checks run once the whole file is read: every
 * target exists, every talking step has Romanian text, texts fit an SMS
 * and a USSD screen, no step is unreachable.  The line loop, the header
 * and the message blocks are in flow_parse.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "flow_int.h"
#include "gsm_text.h"
#include "log.h"
#include "util.h"

static void step_kind(struct flow_parser *, struct flow_node *, char *);
static void step_case(struct flow_parser *, struct flow_node *,
    const char *, char *);
static int resolve_target(struct flow_parser *, const char *, int, int *);
static void check_text_size(struct flow_parser *, const struct flow_text *,
    const char *);

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

static void
step_kind(struct flow_parser *p, struct flow_node *n, char *spec)
{
	char *kind = spec, *args, *eq;
	size_t i;
	char err[256];

	args = kind + strcspn(kind, " \t");
	if (*args != '\0')
		*args++ = '\0';
	args = flow_parse_trim(args);
	flow_parse_lower(kind);
	if (strcmp(kind, "send") == 0 || strcmp(kind, "end") == 0) {
		n->kind = kind[0] == 's' ? FLOW_NODE_SEND : FLOW_NODE_END;
		if (*args != '\0')
			flow_parse_error(p, "\"%s\" takes nothing after it", kind);
		return;
	}
	if (strcmp(kind, "branch") == 0 || strcmp(kind, "action") == 0 ||
	    strcmp(kind, "start") == 0) {
		n->kind = kind[0] == 'b' ? FLOW_NODE_BRANCH :
		    kind[0] == 'a' ? FLOW_NODE_ACTION : FLOW_NODE_START;
		if (!flow_name_valid(args)) {
			flow_parse_error(p, "%s: expected a %s name, not \"%s\"", kind,
			    kind[0] == 'b' ? "field" : kind[0] == 'a' ?
			    "action" : "flow", args);
			return;
		}
		if (n->kind == FLOW_NODE_BRANCH)
			n->field = xstrdup(args);
		else
			n->target_name = xstrdup(args);
		return;
	}
	if (strcmp(kind, "save") == 0) {
		n->kind = FLOW_NODE_SAVE;
		eq = strchr(args, '=');
		if (eq == NULL) {
			flow_parse_error(p, "save: expected \"save FIELD = VALUE\"");
			return;
		}
		*eq = '\0';
		if (!flow_name_valid(flow_parse_trim(args))) {
			flow_parse_error(p, "save: bad field name \"%s\"", flow_parse_trim(args));
			return;
		}
		n->field = xstrdup(flow_parse_trim(args));
		n->value = xstrdup(flow_parse_trim(eq + 1));
		return;
	}
	if (strcmp(kind, "ask") != 0) {
		flow_parse_error(p, "unknown step kind \"%s\" (send, ask, branch, save, "
		    "action, start, end)", kind);
		return;
	}
	n->kind = FLOW_NODE_ASK;
	kind = args;
	args = kind + strcspn(kind, " \t");
	if (*args != '\0')
		*args++ = '\0';
	flow_parse_lower(kind);
	for (i = 0; i < NELEM(ask_kinds); i++) {
		if (strcmp(kind, ask_kinds[i].name) == 0)
			break;
	}
	if (i == NELEM(ask_kinds)) {
		flow_parse_error(p, "ask: unknown question kind \"%s\" (menu, number, "
		    "date, yesno, pattern, phone, text)", kind);
		return;
	}
	n->ask = ask_kinds[i].kind;
	switch (n->ask) {
	case FLOW_ASK_MENU:
		if (flow_validate_range(flow_parse_trim(args), 0, 98, &n->lo, &n->hi) !=
		    0)
			flow_parse_error(p, "ask menu: expected the choices as FROM-TO "
			    "between 0 and 98, e.g. \"ask menu 1-5\"");
		break;
	case FLOW_ASK_NUMBER:
		if (flow_validate_range(flow_parse_trim(args), 0, 999999999, &n->lo,
		    &n->hi) != 0)
			flow_parse_error(p, "ask number: expected a range FROM-TO, e.g. "
			    "\"ask number 1-10\"");
		break;
	case FLOW_ASK_TEXT:
		n->lo = 1;
		n->hi = 160;
		args = flow_parse_trim(args);
		if (*args != '\0' && parse_int64(args, 1, FLOW_VALUE_MAX / 2,
		    &n->hi) != 0)
			flow_parse_error(p, "ask text: the maximum length must be a number "
			    "from 1 to %d", FLOW_VALUE_MAX / 2);
		break;
	case FLOW_ASK_PATTERN:
		/* The pattern is the rest of the line as written. */
		while (*args == ' ' || *args == '\t')
			args++;
		if (*args == '\0') {
			flow_parse_error(p, "ask pattern: the pattern is missing");
			break;
		}
		n->pattern = xstrdup(args);
		if (flow_validate_compile(n, err, sizeof(err)) != 0)
			flow_parse_error(p, "ask pattern: %s", err);
		break;
	case FLOW_ASK_DATE:
	case FLOW_ASK_YESNO:
	case FLOW_ASK_PHONE:
		if (*flow_parse_trim(args) != '\0')
			flow_parse_error(p, "ask %s takes nothing after it", kind);
		break;
	}
}

void
flow_step_header(struct flow_parser *p, char *rest)
{
	struct flow_def *d = p->def;
	struct flow_node *n;
	char *colon, *name;
	size_t i;

	p->block = FLOW_PARSE_STEP;
	p->msg = -1;
	colon = strchr(rest, ':');
	if (colon == NULL) {
		flow_parse_error(p, "expected \"step NAME: KIND\", e.g. \"step intro: "
		    "send\"");
		p->node = -1;
		return;
	}
	*colon = '\0';
	name = flow_parse_trim(rest);
	d->nodes = xrealloc(d->nodes, (d->nnodes + 1) * sizeof(*d->nodes));
	n = &d->nodes[d->nnodes];
	memset(n, 0, sizeof(*n));
	n->line = p->line;
	n->next_idx = -1;
	n->kind = FLOW_NODE_END;
	p->node = (int)d->nnodes++;
	flow_parse_lower(name);
	if (!flow_name_valid(name) || strcmp(name, "end") == 0) {
		flow_parse_error(p, "bad step name \"%s\" (use a-z, 0-9, - and _; \"end\" "
		    "is reserved)", name);
		n->name = xstrdup("?");
	} else
		n->name = xstrdup(name);
	for (i = 0; i + 1 < d->nnodes; i++) {
		if (strcmp(d->nodes[i].name, n->name) == 0 &&
		    strcmp(n->name, "?") != 0) {
			flow_parse_error(p, "step \"%s\" already defined at line %d",
			    n->name, d->nodes[i].line);
			break;
		}
	}
	step_kind(p, n, flow_parse_trim(colon + 1));
}

static void
step_case(struct flow_parser *p, struct flow_node *n, const char *value,
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
		flow_parse_error(p, "\"if\" belongs to ask, branch and action steps");
		return;
	}
	flow_parse_lower(target);
	if (!flow_name_valid(target)) {
		flow_parse_error(p, "if %s: \"%s\" is not a step name", value, target);
		return;
	}
	c.value = flow_text_normalize(value);
	if (c.value[0] == '\0') {
		flow_parse_error(p, "\"if\" without a value");
		goto fail;
	}
	if (n->kind == FLOW_NODE_ASK && strcmp(c.value, "INVALID") == 0) {
		/* The way out after the last allowed invalid answer. */
		if (n->tries == 0)
			flow_parse_warn(p, p->line, "\"if invalid\" is used only when "
			    "\"tries\" is set (before it)");
	} else if (n->kind == FLOW_NODE_ASK && n->ask == FLOW_ASK_YESNO) {
		yn = flow_validate_yesno(c.value);
		if (yn == NULL) {
			flow_parse_error(p, "if %s: a yes/no question has the answers yes "
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
			flow_parse_error(p, "if %s: expected a number or a range FROM-TO",
			    value);
			goto fail;
		}
		if (c.lo < n->lo || c.hi > n->hi) {
			flow_parse_error(p, "if %s: outside the answers %lld-%lld", value,
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
			flow_parse_error(p, "if %s: overlaps the \"if\" at line %d", value,
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

void
flow_step_line(struct flow_parser *p, const char *key, char *v)
{
	struct flow_node *n;
	enum flow_lang lang;
	int64_t x;
	int b;

	if (p->node < 0)
		return; /* the step header was already reported */
	n = &p->def->nodes[p->node];
	if (flow_parse_lang_key(key, NULL, &lang)) {
		if (n->kind != FLOW_NODE_SEND && n->kind != FLOW_NODE_ASK &&
		    n->kind != FLOW_NODE_END) {
			flow_parse_error(p, "a step that does not talk has no text");
			return;
		}
		flow_parse_text(p, &n->text, lang, v);
		return;
	}
	if (flow_parse_lang_key(key, "invalid", &lang)) {
		if (n->kind != FLOW_NODE_ASK) {
			flow_parse_error(p, "\"invalid\" texts belong to ask steps");
			return;
		}
		flow_parse_text(p, &n->invalid, lang, v);
		return;
	}
	if (strncmp(key, "if ", 3) == 0) {
		step_case(p, n, key + 3, v);
		return;
	}
	if (strcmp(key, "next") == 0) {
		if (n->kind == FLOW_NODE_END) {
			flow_parse_error(p, "an end step has no next");
			return;
		}
		if (n->next != NULL) {
			flow_parse_error(p, "\"next\" given twice");
			return;
		}
		flow_parse_lower(v);
		if (!flow_name_valid(v)) {
			flow_parse_error(p, "next: \"%s\" is not a step name", v);
			return;
		}
		n->next = xstrdup(v);
		n->next_line = p->line;
		return;
	}
	if (n->kind != FLOW_NODE_ASK) {
		if (strcmp(key, "save") == 0 || strcmp(key, "tries") == 0 ||
		    strcmp(key, "private") == 0)
			flow_parse_error(p, "\"%s\" belongs to ask steps", key);
		else
			flow_parse_error(p, "unknown key \"%s\" in a step", key);
		return;
	}
	if (strcmp(key, "save") == 0) {
		flow_parse_lower(v);
		if (!flow_name_valid(v)) {
			flow_parse_error(p, "save: bad field name \"%s\"", v);
			return;
		}
		free(n->field);
		n->field = xstrdup(v);
	} else if (strcmp(key, "tries") == 0) {
		if (parse_int64(v, 1, 10, &x) != 0) {
			flow_parse_error(p, "tries: expected a number from 1 to 10");
			return;
		}
		n->tries = (int)x;
	} else if (strcmp(key, "private") == 0) {
		if (flow_parse_bool(p, v, &b) == 0)
			n->private_input = b;
	} else
		flow_parse_error(p, "unknown key \"%s\" in a step", key);
}

static int
resolve_target(struct flow_parser *p, const char *name, int line, int *idx)
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
check_text_size(struct flow_parser *p, const struct flow_text *t,
    const char *what)
{
	const struct flow_def *d = p->def;
	int lang, parts;
	size_t chars;

	for (lang = 0; lang < FLOW_LANG_N; lang++) {
		const char *s = t->s[lang];

		if (s == NULL)
			continue;
		if (!gsm_text_is_gsm7(s)) {
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
				if (!gsm_text_is_gsm7(one)) {
					bad = c;
					break;
				}
			}
			flow_parse_warn(p, t->line, "%s (%s): \"%.*s\" is not in the "
			    "GSM-7 alphabet, the SMS goes as UCS-2 (70 "
			    "characters a part); write it without diacritics",
			    what, flow_lang_name((enum flow_lang)lang),
			    (int)flow_text_prefix_bytes(bad, 1), bad);
		}
		parts = gsm_text_parts(s);
		if ((d->channels & (1 << FLOW_CHANNEL_SMS)) && parts > 1)
			flow_parse_warn(p, t->line, "%s (%s): needs %d SMS parts", what,
			    flow_lang_name((enum flow_lang)lang), parts);
		chars = flow_text_chars(s);
		if ((d->channels & (1 << FLOW_CHANNEL_USSD)) &&
		    chars > FLOW_USSD_SCREEN)
			flow_parse_warn(p, t->line, "%s (%s): %zu characters, more than "
			    "one USSD screen (%d); it is shown in pages", what,
			    flow_lang_name((enum flow_lang)lang), chars,
			    FLOW_USSD_SCREEN);
	}
}

void
flow_step_finish(struct flow_parser *p)
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
		snprintf(what, sizeof(what), "step %s, invalid", n->name);
		check_text_size(p, &n->invalid, what);
	}
	check_text_size(p, &d->help, "help");
	check_text_size(p, &d->expired, "expired");
	for (i = 0; i < FLOW_MSG_N; i++) {
		snprintf(what, sizeof(what), "message %s",
		    flow_msg_name((enum flow_msg)i));
		check_text_size(p, &d->messages[i], what);
		if (d->messages[i].line != 0 &&
		    d->messages[i].s[FLOW_LANG_RO] == NULL)
			flow_diag_error(p->diag, p->file, d->messages[i].line,
			    "message %s has no Romanian text (ro:)",
			    flow_msg_name((enum flow_msg)i));
	}
	if (d->catch_all && d->nkeywords > 0)
		flow_parse_warn(p, d->keywords_line, "a catch-all flow needs no "
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
			flow_parse_warn(p, d->nodes[i].line, "step %s can never be "
			    "reached", d->nodes[i].name);
	}
	free(stack);
	free(reached);
}

