/*
 * poll_file.c - the poll file (docs/polls.md, "The poll file"): a header
 * of `name: value` lines, fixed texts per language, then one block per
 * question.  Parsed line by line like a flow file; every error names its
 * line, all are reported at once.  Also the texts as sent and what each
 * costs in SMS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gsm_text.h"
#include "log.h"
#include "polls.h"
#include "util.h"

static const char *const lang_names[POLL_LANGS] = { "ro", "hu", "en" };

static char *trim(char *);
static void err_at(struct buf *, int *, const char *, int, const char *,
    const char *);
static int parse_type(const char *, struct poll_question *);
static void add_line(char **, const char *);
static int lang_of(const char *);

int
poll_lang_index(const char *lang)
{
	int i = lang_of(lang != NULL ? lang : "");

	return i < 0 ? 0 : i;
}

const char *
poll_qtype_name(enum poll_qtype t)
{
	switch (t) {
	case POLL_Q_SINGLE: return "single";
	case POLL_Q_RANK: return "rank";
	case POLL_Q_RATING5: return "rating5";
	case POLL_Q_RATING10: return "rating10";
	case POLL_Q_YESNO: return "yesno";
	}
	return "?";
}

static int
lang_of(const char *s)
{
	for (int i = 0; i < POLL_LANGS; i++)
		if (strcmp(s, lang_names[i]) == 0)
			return i;
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void
err_at(struct buf *errors, int *nerr, const char *file, int line,
    const char *msg, const char *arg)
{
	(*nerr)++;
	if (errors != NULL &&
	    buf_printf(errors, "%s:%d: %s%s%s\n", file, line, msg,
	    arg != NULL ? ": " : "", arg != NULL ? arg : "") != 0)
		return;
}

static void
add_line(char **dst, const char *s)
{
	char *n;

	if (*dst == NULL) {
		*dst = xstrdup(s);
		return;
	}
	n = xasprintf("%s\n%s", *dst, s);
	free(*dst);
	*dst = n;
}

static int
parse_type(const char *v, struct poll_question *q)
{
	int64_t k;

	q->k = 1;
	if (strcmp(v, "single") == 0)
		q->type = POLL_Q_SINGLE;
	else if (strcmp(v, "rating5") == 0)
		q->type = POLL_Q_RATING5;
	else if (strcmp(v, "rating10") == 0)
		q->type = POLL_Q_RATING10;
	else if (strcmp(v, "yesno") == 0)
		q->type = POLL_Q_YESNO;
	else if (strncmp(v, "rank", 4) == 0 && (v[4] == '_' || v[4] == ' ') &&
	    parse_int64(v + 5, 1, POLL_MAX_OPT, &k) == 0) {
		q->type = POLL_Q_RANK;
		q->k = (int)k;
	} else
		return -1;
	return 0;
}

int
poll_def_parse(const char *text, const char *file, struct poll_def *d,
    struct buf *errors)
{
	char *copy = xstrdup(text), *p = copy, *nl, *line, *colon, *key, *val;
	struct poll_question *q = NULL;
	int lineno = 0, nerr = 0, l, cur_opt[POLL_LANGS];
	int64_t n;

	memset(d, 0, sizeof(*d));
	d->days = 7;
	d->info_days = 0;
	d->reminder_days = 3;
	strlcpy_s(d->kind, "planning", sizeof(d->kind));
	strlcpy_s(d->audience, "residents", sizeof(d->audience));
	memset(cur_opt, 0, sizeof(cur_opt));
	for (; p != NULL && *p != '\0'; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		lineno++;
		line = trim(p);
		if (*line == '\0' || *line == '#')
			continue;
		if (strncmp(line, "question ", 9) == 0) {
			char *name = trim(line + 9), *type;

			colon = strchr(name, ':');
			if (d->nq == POLL_MAX_Q) {
				err_at(errors, &nerr, file, lineno,
				    "too many questions (at most 12)", NULL);
				q = NULL;
				continue;
			}
			if (colon == NULL) {
				err_at(errors, &nerr, file, lineno,
				    "write question ID: TYPE", NULL);
				q = NULL;
				continue;
			}
			*colon = '\0';
			type = trim(colon + 1);
			name = trim(name);
			q = &d->q[d->nq++];
			q->line = lineno;
			memset(cur_opt, 0, sizeof(cur_opt));
			if (*name == '\0' || strlen(name) >= sizeof(q->id))
				err_at(errors, &nerr, file, lineno,
				    "a question needs a short id (Q1)", NULL);
			strlcpy_s(q->id, name, sizeof(q->id));
			for (size_t i = 0; i + 1 < d->nq; i++)
				if (strcmp(d->q[i].id, q->id) == 0)
					err_at(errors, &nerr, file, lineno,
					    "question id used twice", q->id);
			if (parse_type(type, q) != 0)
				err_at(errors, &nerr, file, lineno,
				    "unknown question type (single, rank_K, "
				    "rating5, rating10, yesno)", type);
			continue;
		}
		colon = strchr(line, ':');
		if (colon == NULL) {
			err_at(errors, &nerr, file, lineno,
			    "expected 'name: value'", NULL);
			continue;
		}
		*colon = '\0';
		key = trim(line);
		val = trim(colon + 1);
		if (q != NULL) {
			if ((l = lang_of(key)) >= 0) {
				add_line(&q->text[l], val);
			} else if (strncmp(key, "option", 6) == 0) {
				char *lk = trim(key + 6);

				l = *lk == '\0' ? 0 : lang_of(lk);
				if (l < 0) {
					err_at(errors, &nerr, file, lineno,
					    "unknown language", lk);
				} else if (cur_opt[l] == POLL_MAX_OPT) {
					err_at(errors, &nerr, file, lineno,
					    "at most 9 options (one digit)",
					    NULL);
				} else {
					q->opt[l][cur_opt[l]++] = xstrdup(val);
					if (l == 0)
						q->nopts = cur_opt[0];
				}
			} else if (strcmp(key, "segment") == 0) {
				if (strcmp(val, "K1") != 0 &&
				    strcmp(val, "K2") != 0 &&
				    strcmp(val, "K3") != 0 &&
				    strcmp(val, "H1") != 0)
					err_at(errors, &nerr, file, lineno,
					    "segment is K1, K2, K3 or H1", val);
				strlcpy_s(q->segment, val, sizeof(q->segment));
			} else if (strcmp(key, "skip") == 0) {
				q->skip = strcmp(val, "yes") == 0;
			} else
				err_at(errors, &nerr, file, lineno,
				    "unknown line in a question", key);
			continue;
		}
		if (strcmp(key, "poll") == 0) {
			if (*val == '\0' || strlen(val) > POLL_ID_MAX ||
			    strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
			    "opqrstuvwxyz0123456789-_") != strlen(val))
				err_at(errors, &nerr, file, lineno,
				    "poll id: letters, digits, - and _, at most"
				    " 32", NULL);
			strlcpy_s(d->id, val, sizeof(d->id));
		} else if (strcmp(key, "title") == 0) {
			free(d->title);
			d->title = xstrdup(val);
		} else if (strcmp(key, "kind") == 0) {
			if (strcmp(val, "planning") != 0 &&
			    strcmp(val, "monitoring") != 0 &&
			    strcmp(val, "panel") != 0)
				err_at(errors, &nerr, file, lineno,
				    "kind is planning, monitoring or panel",
				    val);
			strlcpy_s(d->kind, val, sizeof(d->kind));
		} else if (strcmp(key, "audience") == 0) {
			strlcpy_s(d->audience, val, sizeof(d->audience));
		} else if (strcmp(key, "days") == 0 ||
		    strcmp(key, "info days") == 0 ||
		    strcmp(key, "reminder days") == 0) {
			if (parse_int64(val, 0, 60, &n) != 0) {
				err_at(errors, &nerr, file, lineno,
				    "a number of days 0-60 expected", val);
				continue;
			}
			if (strcmp(key, "days") == 0)
				d->days = (int)n;
			else if (key[0] == 'i')
				d->info_days = (int)n;
			else
				d->reminder_days = (int)n;
		} else {
			char *sp = strchr(key, ' ');
			char **dst = NULL;

			l = sp != NULL ? lang_of(trim(sp + 1)) : -1;
			if (sp != NULL)
				*sp = '\0';
			if (l >= 0 && strcmp(key, "info") == 0)
				dst = &d->info[l];
			else if (l >= 0 && strcmp(key, "intro") == 0)
				dst = &d->intro[l];
			else if (l >= 0 && strcmp(key, "end") == 0)
				dst = &d->end[l];
			else if (l >= 0 && strcmp(key, "thanks") == 0)
				dst = &d->thanks[l];
			if (dst == NULL)
				err_at(errors, &nerr, file, lineno,
				    "unknown line", key);
			else
				add_line(dst, val);
		}
	}
	free(copy);
	if (d->id[0] == '\0')
		err_at(errors, &nerr, file, 1, "missing 'poll: ID'", NULL);
	if (d->nq == 0)
		err_at(errors, &nerr, file, lineno, "a poll needs questions",
		    NULL);
	if (d->days < 1)
		err_at(errors, &nerr, file, 1, "days must be at least 1", NULL);
	if (d->intro[0] == NULL)
		err_at(errors, &nerr, file, 1, "missing 'intro ro:'", NULL);
	if (d->end[0] == NULL)
		err_at(errors, &nerr, file, 1, "missing 'end ro:'", NULL);
	for (size_t i = 0; i < d->nq; i++) {
		q = &d->q[i];
		if (q->text[0] == NULL)
			err_at(errors, &nerr, file, q->line,
			    "question without 'ro:' text", q->id);
		if ((q->type == POLL_Q_SINGLE || q->type == POLL_Q_RANK) &&
		    q->nopts < 2)
			err_at(errors, &nerr, file, q->line,
			    "needs at least 2 'option:' lines", q->id);
		if (q->type == POLL_Q_RANK && q->k > q->nopts && q->nopts > 1)
			err_at(errors, &nerr, file, q->line,
			    "rank_K with K above the number of options",
			    q->id);
		for (l = 1; l < POLL_LANGS; l++) {
			int c = 0;

			while (c < POLL_MAX_OPT && q->opt[l][c] != NULL)
				c++;
			if (c != 0 && c != q->nopts)
				err_at(errors, &nerr, file, q->line,
				    "a translation has a different number of "
				    "options", lang_names[l]);
		}
	}
	return nerr;
}

void
poll_def_clear(struct poll_def *d)
{
	free(d->title);
	for (int l = 0; l < POLL_LANGS; l++) {
		free(d->info[l]);
		free(d->intro[l]);
		free(d->end[l]);
		free(d->thanks[l]);
	}
	for (size_t i = 0; i < d->nq; i++) {
		for (int l = 0; l < POLL_LANGS; l++) {
			free(d->q[i].text[l]);
			for (int o = 0; o < POLL_MAX_OPT; o++)
				free(d->q[i].opt[l][o]);
		}
	}
	memset(d, 0, sizeof(*d));
}

char *
poll_question_text(const struct poll_def *d, int qi, int lang)
{
	const struct poll_question *q;
	struct buf b;
	int l;

	if (qi < 0)
		return d->intro[lang] != NULL ? xstrdup(d->intro[lang]) :
		    d->intro[0] != NULL ? xstrdup(d->intro[0]) : xstrdup("");
	q = &d->q[qi];
	l = q->text[lang] != NULL ? lang : 0;
	buf_init(&b, 0);
	if (buf_addstr(&b, q->text[l] != NULL ? q->text[l] : "") != 0)
		fatalx("poll: text");
	l = q->opt[lang][0] != NULL ? lang : 0;
	for (int o = 0; o < q->nopts; o++)
		if (buf_printf(&b, "\n%d %s", o + 1,
		    q->opt[l][o] != NULL ? q->opt[l][o] : "") != 0)
			fatalx("poll: text");
	return buf_take(&b);
}

char *
poll_fill(const char *const texts[POLL_LANGS], int lang, const char *commune,
    const char *date, int n)
{
	const char *t = texts[lang] != NULL ? texts[lang] : texts[0];
	struct buf b;

	if (t == NULL)
		return NULL;
	buf_init(&b, 0);
	while (*t != '\0') {
		int rc = 0;

		if (strncmp(t, "{COMUNA}", 8) == 0) {
			rc = buf_addstr(&b, commune != NULL ? commune : "");
			t += 8;
		} else if (strncmp(t, "{DATA}", 6) == 0) {
			rc = buf_addstr(&b, date != NULL ? date : "");
			t += 6;
		} else if (strncmp(t, "{N}", 3) == 0) {
			rc = buf_printf(&b, "%d", n);
			t += 3;
		} else
			rc = buf_add(&b, t++, 1);
		if (rc != 0)
			fatalx("poll: fill");
	}
	if (b.len == 0)
		return xstrdup("");
	return buf_take(&b);
}

static int
cost_line(struct buf *out, const char *file, int line, const char *what,
    int l, const char *text)
{
	int parts = gsm_text_parts(text);
	int gsm = gsm_text_is_gsm7(text);
	long chars = gsm ? gsm_text_gsm7_septets(text) : (long)strlen(text);
	int warn = parts > 2 || !gsm;

	if (buf_printf(out, "%s:%d: %s %s: %d SMS, %s (%ld chars)%s\n", file,
	    line, what, lang_names[l], parts, gsm ? "GSM-7" : "UCS-2", chars,
	    parts > 2 ? " - warning: more than 2 SMS" :
	    !gsm ? " - warning: diacritics switch to UCS-2" : "") != 0)
		return 0;
	return warn;
}

int
poll_def_costs(const struct poll_def *d, const char *file, struct buf *out)
{
	int warns = 0;
	/* Placeholders filled with typical lengths, as in polls.md 7. */
	const char *commune = "Comuna", *date = "20.12";

	for (int l = 0; l < POLL_LANGS; l++) {
		const char *const *fixed[] = { (const char *const *)d->info,
		    (const char *const *)d->intro, (const char *const *)d->end,
		    (const char *const *)d->thanks };
		const char *names[] = { "info", "intro", "end", "thanks" };

		for (int f = 0; f < 4; f++) {
			char *t;

			if (fixed[f][l] == NULL)
				continue;
			t = poll_fill(fixed[f], l, commune, date, 3);
			warns += cost_line(out, file, 1, names[f], l, t);
			free(t);
		}
		for (size_t i = 0; i < d->nq; i++) {
			char *t;

			if (d->q[i].text[l] == NULL)
				continue;
			t = poll_question_text(d, (int)i, l);
			warns += cost_line(out, file, d->q[i].line, d->q[i].id,
			    l, t);
			free(t);
		}
	}
	return warns;
}
