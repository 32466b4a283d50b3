/*
 * sheet_grammar.c - the compact Observation Sheet SMS
 * (observation-sheet.md 7.4):
 *
 *	FO <8-digit household code | NOU | NEW> <block>... [T<hhmm>-<hhmm>] [U]
 *
 * where a block is a domain digit followed by "0" (assessed, nothing
 * found) or by items (letter + up to 2 digits, greedy).  All or nothing:
 * the first error stops the parse and nothing of the message is used.
 *
 * The input is handled with an explicit length throughout: GSM-7 '@' is
 * septet 0x00 and may reach us as a NUL byte inside the text.  No token
 * is ever treated as free text; a token that is not part of the grammar
 * is an error, and only safe, short fragments are echoed in replies.
 */
#include <string.h>

#include "sheet.h"
#include "util.h"

struct fold {
	unsigned char b1, b2; /* two-byte UTF-8 sequence */
	char ascii;	      /* upper-case replacement */
};

/*
 * Romanian diacritics (both the comma-below and the cedilla forms that
 * phones send) and the Hungarian ones, for reporters writing in
 * Hungarian-speaking communes.  Non-breaking space becomes a space.
 */
static const struct fold folds[] = {
	{ 0xc4, 0x82, 'A' }, { 0xc4, 0x83, 'A' }, /* Ă ă */
	{ 0xc3, 0x82, 'A' }, { 0xc3, 0xa2, 'A' }, /* Â â */
	{ 0xc3, 0x8e, 'I' }, { 0xc3, 0xae, 'I' }, /* Î î */
	{ 0xc8, 0x98, 'S' }, { 0xc8, 0x99, 'S' }, /* Ș ș */
	{ 0xc5, 0x9e, 'S' }, { 0xc5, 0x9f, 'S' }, /* Ş ş */
	{ 0xc8, 0x9a, 'T' }, { 0xc8, 0x9b, 'T' }, /* Ț ț */
	{ 0xc5, 0xa2, 'T' }, { 0xc5, 0xa3, 'T' }, /* Ţ ţ */
	{ 0xc3, 0x81, 'A' }, { 0xc3, 0xa1, 'A' }, /* Á á */
	{ 0xc3, 0x89, 'E' }, { 0xc3, 0xa9, 'E' }, /* É é */
	{ 0xc3, 0x8d, 'I' }, { 0xc3, 0xad, 'I' }, /* Í í */
	{ 0xc3, 0x93, 'O' }, { 0xc3, 0xb3, 'O' }, /* Ó ó */
	{ 0xc3, 0x96, 'O' }, { 0xc3, 0xb6, 'O' }, /* Ö ö */
	{ 0xc5, 0x90, 'O' }, { 0xc5, 0x91, 'O' }, /* Ő ő */
	{ 0xc3, 0x9a, 'U' }, { 0xc3, 0xba, 'U' }, /* Ú ú */
	{ 0xc3, 0x9c, 'U' }, { 0xc3, 0xbc, 'U' }, /* Ü ü */
	{ 0xc5, 0xb0, 'U' }, { 0xc5, 0xb1, 'U' }, /* Ű ű */
	{ 0xc2, 0xa0, ' ' },			  /* no-break space */
};

struct token {
	const char *p; /* into the normalised buffer */
	size_t n;      /* length */
};

struct parse_state {
	const struct sheet_table *t;
	struct sheet_report *r;
	struct sheet_perror *e;
	uint8_t listed[SHEET_MAX_INDICATORS]; /* item named in a block */
	int zero[SHEET_DOMAINS + 1];	      /* "d0" seen */
	int items[SHEET_DOMAINS + 1];	      /* items seen for domain d */
	int blocks;			      /* blocks seen */
	int have_time;			      /* T seen */
};

static int is_digit(char);
static int is_upper(char);
static int all_digits(const struct token *);
static int all_letters(const struct token *);
static int tok_is(const struct token *, const char *);
static void set_what(struct sheet_perror *, const char *, size_t);
static int fail(struct parse_state *, enum sheet_perr, const char *, size_t);
static int parse_household(struct parse_state *, const struct token *);
static int parse_time(struct parse_state *, const struct token *);
static int parse_date(struct parse_state *, const struct token *);
static int parse_block(struct parse_state *, const struct token *);
static void assign_values(struct parse_state *);

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
all_digits(const struct token *tk)
{
	for (size_t i = 0; i < tk->n; i++)
		if (!is_digit(tk->p[i]))
			return 0;
	return 1;
}

static int
all_letters(const struct token *tk)
{
	for (size_t i = 0; i < tk->n; i++)
		if (!is_upper(tk->p[i]))
			return 0;
	return 1;
}

static int
tok_is(const struct token *tk, const char *s)
{
	return tk->n == strlen(s) && memcmp(tk->p, s, tk->n) == 0;
}

/*
 * Copies an offending fragment for the reply, but only when every byte is
 * a plain letter, digit or harmless sign and it is short: replies must not
 * carry what might be a name, a number or a byte the phone cannot show.
 */
static void
set_what(struct sheet_perror *e, const char *p, size_t n)
{
	size_t i;

	e->what[0] = '\0';
	if (n == 0 || n >= sizeof(e->what) || n > 10)
		return;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (!is_digit(c) && !is_upper(c) &&
		    strchr("-!?*#/:%&()=<>", c) == NULL)
			return;
		if (c == '\0')
			return;
	}
	memcpy(e->what, p, n);
	e->what[n] = '\0';
}

static int
fail(struct parse_state *ps, enum sheet_perr code, const char *p, size_t n)
{
	ps->e->code = code;
	set_what(ps->e, p, n);
	/* A fragment we may not echo is reported as forbidden text. */
	if (ps->e->what[0] == '\0' && n > 0 && code != SHEET_PERR_FREE_TEXT &&
	    code != SHEET_PERR_HOUSEHOLD && code != SHEET_PERR_HOUSEHOLD_LEN &&
	    code != SHEET_PERR_KEYWORD && code != SHEET_PERR_TOO_LONG)
		ps->e->code = SHEET_PERR_FREE_TEXT;
	if (ps->e->code == SHEET_PERR_FREE_TEXT ||
	    ps->e->code == SHEET_PERR_HOUSEHOLD ||
	    ps->e->code == SHEET_PERR_HOUSEHOLD_LEN)
		ps->e->what[0] = '\0';
	return -1;
}

int
sheet_normalize(const char *in, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	if (len > SHEET_MAX_TEXT || outlen < len + 1)
		return -1;
	while (i < len) {
		unsigned char c = (unsigned char)in[i];
		char put = 0;
		size_t k;

		if (c >= 0xc0 && i + 1 < len) {
			for (k = 0; k < NELEM(folds); k++) {
				if (folds[k].b1 == c &&
				    folds[k].b2 == (unsigned char)in[i + 1])
					break;
			}
			if (k < NELEM(folds)) {
				put = folds[k].ascii;
				i += 2;
			}
		}
		if (put == 0) {
			if (c >= 'a' && c <= 'z')
				put = (char)(c - 'a' + 'A');
			else if (strchr(",;.+\r\n\t\v\f", c) != NULL && c != 0)
				put = ' ';
			else
				put = (char)c; /* NUL and the rest kept: the
						* parser refuses them */
			i++;
		}
		if (put == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = put;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return (int)o;
}

static int
parse_household(struct parse_state *ps, const struct token *tk)
{
	if (tok_is(tk, "NOU") || tok_is(tk, "NEW")) {
		ps->r->household[0] = '\0';
		return 0;
	}
	if (all_digits(tk)) {
		if (tk->n != 8)
			return fail(ps, SHEET_PERR_HOUSEHOLD_LEN, NULL, 0);
		if (!sheet_damm_valid(tk->p, tk->n))
			return fail(ps, SHEET_PERR_HOUSEHOLD, NULL, 0);
		memcpy(ps->r->household, tk->p, 8);
		ps->r->household[8] = '\0';
		return 0;
	}
	/* A word where the code belongs is most likely a name. */
	if (all_letters(tk))
		return fail(ps, SHEET_PERR_FREE_TEXT, NULL, 0);
	return fail(ps, SHEET_PERR_HOUSEHOLD, NULL, 0);
}

/* "T" HHMM "-" HHMM, start not after end. */
static int
parse_time(struct parse_state *ps, const struct token *tk)
{
	const char *p = tk->p;
	int h1, m1, h2, m2;

	if (ps->have_time)
		return fail(ps, SHEET_PERR_TIME_TWICE, p, tk->n);
	if (tk->n != 10 || p[5] != '-' || !is_digit(p[1]) ||
	    !is_digit(p[2]) || !is_digit(p[3]) || !is_digit(p[4]) ||
	    !is_digit(p[6]) || !is_digit(p[7]) || !is_digit(p[8]) ||
	    !is_digit(p[9]))
		return fail(ps, SHEET_PERR_TIME, p, tk->n);
	h1 = (p[1] - '0') * 10 + (p[2] - '0');
	m1 = (p[3] - '0') * 10 + (p[4] - '0');
	h2 = (p[6] - '0') * 10 + (p[7] - '0');
	m2 = (p[8] - '0') * 10 + (p[9] - '0');
	if (h1 > 23 || m1 > 59 || h2 > 23 || m2 > 59 ||
	    h1 * 60 + m1 > h2 * 60 + m2)
		return fail(ps, SHEET_PERR_TIME, p, tk->n);
	ps->r->time_start = h1 * 60 + m1;
	ps->r->time_end = h2 * 60 + m2;
	ps->have_time = 1;
	return 0;
}

/* "D" DDMM: the day the sheet was filled (D1, the 48 h rule); a real
 * day of a month (29.02 allowed).  Given twice is the T error. */
static int
parse_date(struct parse_state *ps, const struct token *tk)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	const char *p = tk->p;
	int d, m;

	if (ps->r->filled_day != 0)
		return fail(ps, SHEET_PERR_TIME_TWICE, p, tk->n);
	if (tk->n != 5 || !is_digit(p[1]) || !is_digit(p[2]) ||
	    !is_digit(p[3]) || !is_digit(p[4]))
		return fail(ps, SHEET_PERR_TIME, p, tk->n);
	d = (p[1] - '0') * 10 + (p[2] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return fail(ps, SHEET_PERR_TIME, p, tk->n);
	ps->r->filled_day = d;
	ps->r->filled_month = m;
	return 0;
}

/* dom "0" / dom 1*item, item = letter 0*2digit (greedy). */
static int
parse_block(struct parse_state *ps, const struct token *tk)
{
	const char *p = tk->p;
	int d = p[0] - '0';
	size_t i;

	if (d < 1 || d > SHEET_DOMAINS)
		return fail(ps, SHEET_PERR_DOMAIN, p, tk->n < 6 ? tk->n : 6);
	if (tk->n == 1)
		return fail(ps, SHEET_PERR_EMPTY_BLOCK, p, 1);
	ps->blocks++;
	if (p[1] == '0' && tk->n == 2) {
		if (ps->items[d])
			return fail(ps, SHEET_PERR_ZERO_AND_ITEMS, p, 1);
		ps->zero[d] = 1;
		return 0;
	}
	i = 1;
	while (i < tk->n) {
		char code[8], what[8];
		size_t start = i, k, cn = 0;
		int idx;
		const struct sheet_indicator *ind;

		if (!is_upper(p[i])) {
			/* "40C2", "4!": show the domain and what follows. */
			what[0] = p[0];
			k = tk->n - i < 5 ? tk->n - i : 5;
			memcpy(what + 1, p + i, k);
			return fail(ps, SHEET_PERR_UNKNOWN_ITEM, what, k + 1);
		}
		i++;
		while (i < tk->n && i - start < 3 && is_digit(p[i]))
			i++;
		code[cn++] = p[0];
		for (k = start; k < i; k++)
			code[cn++] = (char)(is_upper(p[k]) ?
			    p[k] - 'A' + 'a' : p[k]);
		code[cn] = '\0';
		idx = sheet_table_find_code(ps->t, code);
		what[0] = p[0];
		memcpy(what + 1, p + start, i - start);
		if (idx < 0)
			return fail(ps, SHEET_PERR_UNKNOWN_ITEM, what,
			    i - start + 1);
		ind = sheet_table_at(ps->t, (size_t)idx);
		if (ind->status == 'L') {
			size_t h;

			fail(ps, SHEET_PERR_LEGACY, what, i - start + 1);
			strlcpy_s(ps->e->hint, ind->replaced_by,
			    sizeof(ps->e->hint));
			for (h = 0; ps->e->hint[h] != '\0'; h++)
				if (ps->e->hint[h] >= 'a' &&
				    ps->e->hint[h] <= 'z')
					ps->e->hint[h] -= 'a' - 'A';
			return -1;
		}
		if (ps->zero[d])
			return fail(ps, SHEET_PERR_ZERO_AND_ITEMS, p, 1);
		ps->listed[idx] = 1;
		ps->items[d] = 1;
	}
	return 0;
}

/*
 * Listed items are 1; the other items of an assessed domain are 0, except
 * the sub-items of a composite named on its own, which stay 9 (the
 * reporter knows "something in 6b" but not which); domains not named stay
 * 9.  Composites are then derived from their sub-items.
 */
static void
assign_values(struct parse_state *ps)
{
	const struct sheet_table *t = ps->t;
	size_t n = sheet_table_count(t), i, j;

	for (i = 0; i < n; i++) {
		const struct sheet_indicator *ind = sheet_table_at(t, i);
		int d = ind->domain;

		if (ind->status == 'L' || (!ps->zero[d] && !ps->items[d]))
			continue;
		if (ps->listed[i]) {
			ps->r->values[i] = SHEET_VAL_YES;
			continue;
		}
		ps->r->values[i] = SHEET_VAL_NO;
		if (ind->parent >= 0 && ps->listed[ind->parent]) {
			int sibling = 0;

			for (j = 0; j < n; j++)
				if (ps->listed[j] &&
				    sheet_table_at(t, j)->parent == ind->parent)
					sibling = 1;
			if (!sibling)
				ps->r->values[i] = SHEET_VAL_UNKNOWN;
		}
	}
	sheet_derive(t, ps->r);
}

int
sheet_grammar_parse(const struct sheet_table *t, const char *text,
    size_t len, struct sheet_report *r, struct sheet_perror *e)
{
	struct parse_state ps;
	struct token tok[SHEET_MAX_TOKENS];
	char norm[SHEET_MAX_TEXT + 1];
	size_t ntok = 0, i;
	int n;

	memset(&ps, 0, sizeof(ps));
	memset(e, 0, sizeof(*e));
	sheet_report_init(t, r);
	ps.t = t;
	ps.r = r;
	ps.e = e;
	n = sheet_normalize(text, len, norm, sizeof(norm));
	if (n < 0)
		return fail(&ps, SHEET_PERR_TOO_LONG, NULL, 0);
	for (i = 0; i < (size_t)n;) {
		size_t start = i;

		while (i < (size_t)n && norm[i] != ' ')
			i++;
		if (ntok == SHEET_MAX_TOKENS)
			return fail(&ps, SHEET_PERR_TOO_LONG, NULL, 0);
		tok[ntok].p = norm + start;
		tok[ntok].n = i - start;
		ntok++;
		i++; /* the single separating space */
	}
	if (ntok == 0 || (!tok_is(&tok[0], "FO") && !tok_is(&tok[0], "OS")))
		return fail(&ps, SHEET_PERR_KEYWORD, NULL, 0);
	if (ntok == 1)
		return fail(&ps, SHEET_PERR_NO_HOUSEHOLD, NULL, 0);
	if (parse_household(&ps, &tok[1]) == -1)
		return -1;
	for (i = 2; i < ntok; i++) {
		const struct token *tk = &tok[i];
		int rc;

		if (tok_is(tk, "U")) {
			r->urgent_flag = 1;
			continue;
		}
		if (tk->p[0] == 'T' && (tk->n == 1 || is_digit(tk->p[1])))
			rc = parse_time(&ps, tk);
		else if (tk->p[0] == 'D' && (tk->n == 1 || is_digit(tk->p[1])))
			rc = parse_date(&ps, tk);
		else if (is_digit(tk->p[0]) && all_digits(tk) && tk->n > 2)
			/* Phone numbers, CNPs, house numbers: never data. */
			rc = fail(&ps, SHEET_PERR_FREE_TEXT, NULL, 0);
		else if (is_digit(tk->p[0]))
			rc = parse_block(&ps, tk);
		else
			rc = fail(&ps, SHEET_PERR_FREE_TEXT, NULL, 0);
		if (rc == -1)
			return -1;
	}
	if (ps.blocks == 0)
		return fail(&ps, SHEET_PERR_NO_BLOCKS, NULL, 0);
	assign_values(&ps);
	return 0;
}
