/*
 * poll_grammar.c - the reply grammars of polls.md section 4: numeric
 * answers that work in every language and on every phone, read loosely
 * (spaces, commas, dots, dashes between digits; DA/NU/IGEN/NEM words).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "polls.h"
#include "util.h"

/* Upper-cased copy without separators at both ends, in out. */
static void
squeeze(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	while (*in == ' ' || *in == '\t' || *in == '.' || *in == ',' ||
	    *in == '\r' || *in == '\n')
		in++;
	for (; *in != '\0' && n + 1 < outlen; in++)
		out[n++] = (char)toupper((unsigned char)*in);
	while (n > 0 && strchr(" \t.,!\r\n", out[n - 1]) != NULL)
		n--;
	out[n] = '\0';
}

static int
is_word(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(s, *words) == 0)
			return 1;
	return 0;
}

static const char *const yes_words[] = { "1", "DA", "IGEN", "YES", "Y", "D",
	"OK", NULL };
static const char *const no_words[] = { "2", "NU", "NEM", "NO", "N", NULL };

/* One number lo..hi written alone ("10", "03"); -1 otherwise. */
static int
one_number(const char *s, int lo, int hi)
{
	int64_t v;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) ||
	    strlen(s) > 3 || parse_int64(s, lo, hi, &v) != 0)
		return -1;
	return (int)v;
}

enum poll_answer
poll_answer_parse(const struct poll_question *q, const char *text, char *out,
    size_t outlen)
{
	char s[64];
	int v;

	if (outlen < 12)
		return POLL_ANS_INVALID;
	out[0] = '\0';
	squeeze(text != NULL ? text : "", s, sizeof(s));
	if (q->skip && strcmp(s, "0") == 0)
		return POLL_ANS_SKIP;
	switch (q->type) {
	case POLL_Q_YESNO:
		if (is_word(s, yes_words))
			v = 1;
		else if (is_word(s, no_words))
			v = 2;
		else
			return POLL_ANS_INVALID;
		break;
	case POLL_Q_RATING5:
		if ((v = one_number(s, 1, 5)) < 0)
			return POLL_ANS_INVALID;
		break;
	case POLL_Q_RATING10:
		if ((v = one_number(s, 1, 10)) < 0)
			return POLL_ANS_INVALID;
		break;
	case POLL_Q_SINGLE:
		if ((v = one_number(s, 1, q->nopts)) < 0)
			return POLL_ANS_INVALID;
		break;
	case POLL_Q_RANK: {
		size_t n = 0;
		int seen[10] = { 0 };

		/* Digits separated by nothing, spaces, commas, dots, dashes,
		 * semicolons or slashes; anything else makes it invalid. */
		for (const char *p = s; *p != '\0'; p++) {
			if (strchr(" ,.;-/", *p) != NULL)
				continue;
			if (*p < '1' || *p > '9' || *p - '0' > q->nopts)
				return POLL_ANS_INVALID;
			if (seen[*p - '0']++)
				continue;
			if ((int)n == q->k)
				return POLL_ANS_INVALID;
			out[n++] = *p;
		}
		out[n] = '\0';
		return n > 0 ? POLL_ANS_VALID : POLL_ANS_INVALID;
	}
	default:
		return POLL_ANS_INVALID;
	}
	snprintf(out, outlen, "%d", v);
	return POLL_ANS_VALID;
}
