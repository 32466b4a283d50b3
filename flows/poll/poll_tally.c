/*
 * poll_tally.c - tallies of polls.md section 8 from the answer rows:
 * counts and % of valid answers (single, yesno), Borda for rank_k (k
 * points for the first place ... 1 for the k-th; ties broken by first
 * places, then by mentions, then by option number), n, mean, median,
 * distribution and top-2 box for ratings; the same per segment (K1, K2,
 * K3, H1, channel).  Any cell or segment under POLL_SUPPRESS respondents
 * is shown as "< 5" with no percentage (section 8.4).  Pure: no store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "polls.h"
#include "table.h"
#include "util.h"

static int
qindex(const struct poll_def *d, const char *qid)
{
	for (size_t i = 0; i < d->nq; i++)
		if (strcmp(d->q[i].id, qid) == 0)
			return (int)i;
	return -1;
}

/* 1 if rkey's valid answer to seg_qid is seg_value (rows of one key are
 * searched linearly: polls have hundreds of rows, not millions). */
static int
in_segment(const struct poll_answer_row *rows, size_t n, const char *rkey,
    const char *seg_qid, const char *seg_value)
{
	if (seg_qid == NULL)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].rkey, rkey) != 0)
			continue;
		if (strcmp(seg_qid, "channel") == 0)
			return strcmp(rows[i].channel, seg_value) == 0;
		if (strcmp(rows[i].qid, seg_qid) == 0)
			return rows[i].valid == 1 &&
			    strcmp(rows[i].value, seg_value) == 0;
	}
	return 0;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void
poll_tally_compute(const struct poll_def *d, const struct poll_answer_row *rows,
    size_t n, const char *seg_qid, const char *seg_value,
    struct poll_tally *t)
{
	char **seen = xcalloc(n + 1, sizeof(*seen));
	size_t nseen = 0;

	memset(t, 0, sizeof(*t));
	{
		/* Segments are named by what they are (K1=1), not by the
		 * question that asked it. */
		int si = seg_qid != NULL ? qindex(d, seg_qid) : -1;
		const char *name = si >= 0 && d->q[si].segment[0] != '\0' ?
		    d->q[si].segment : seg_qid;

		snprintf(t->segment, sizeof(t->segment), "%s%s%s",
		    name != NULL ? name : "all", name != NULL ? "=" : "",
		    name != NULL ? seg_value : "");
	}
	for (size_t i = 0; i < d->nq; i++)
		t->q[i].nopts = d->q[i].type == POLL_Q_RATING5 ? 5 :
		    d->q[i].type == POLL_Q_RATING10 ? 10 :
		    d->q[i].type == POLL_Q_YESNO ? 2 : d->q[i].nopts;
	for (size_t i = 0; i < n; i++) {
		const struct poll_answer_row *r = &rows[i];
		int qi = qindex(d, r->qid);
		struct poll_q_result *qr;
		size_t s;

		if (qi < 0 || !in_segment(rows, n, r->rkey, seg_qid, seg_value))
			continue;
		qr = &t->q[qi];
		if (r->valid == 0) {
			qr->invalid++;
			continue;
		}
		if (r->valid == 2) {
			qr->skipped++;
			continue;
		}
		qr->valid++;
		for (s = 0; s < nseen; s++)
			if (strcmp(seen[s], r->rkey) == 0)
				break;
		if (s == nseen) {
			seen[nseen++] = (char *)(uintptr_t)r->rkey;
			t->respondents++;
		}
		if (d->q[qi].type == POLL_Q_RANK) {
			int k = d->q[qi].k;
			size_t len = strlen(r->value);

			for (size_t p = 0; p < len && (int)p < k; p++) {
				int o = r->value[p] - '1';

				if (o < 0 || o >= qr->nopts)
					continue;
				qr->opt[o].borda += k - (int)p;
				qr->total_points += k - (int)p;
				qr->opt[o].mentions++;
				if (p == 0) {
					qr->opt[o].first++;
					qr->opt[o].count++;
				}
			}
		} else {
			int64_t v;

			if (parse_int64(r->value, 1, qr->nopts, &v) == 0)
				qr->opt[v - 1].count++;
		}
	}
	for (size_t i = 0; i < d->nq; i++) {
		struct poll_q_result *qr = &t->q[i];

		for (int o = 0; o < 10; o++)
			qr->opt[o].code = o + 1;
		if ((d->q[i].type == POLL_Q_RATING5 ||
		    d->q[i].type == POLL_Q_RATING10) && qr->valid > 0) {
			int *all = xcalloc((size_t)qr->valid, sizeof(int));
			int64_t m = 0, sum = 0;

			for (int o = 0; o < qr->nopts; o++)
				for (int64_t c = 0; c < qr->opt[o].count; c++) {
					all[m++] = o + 1;
					sum += o + 1;
				}
			qsort(all, (size_t)m, sizeof(int), cmp_int);
			qr->mean = (double)sum / (double)m;
			qr->median = m % 2 ? all[m / 2] :
			    (all[m / 2 - 1] + all[m / 2]) / 2.0;
			free(all);
			for (int o = qr->nopts - 2; o < qr->nopts; o++)
				qr->top2 += qr->opt[o].count;
		}
	}
	t->suppressed = t->respondents < POLL_SUPPRESS;
	free(seen);
}

static const struct poll_tally *cmp_t;
static int cmp_q;

static int
cmp_opt(const void *a, const void *b)
{
	const struct poll_opt_result *x = &cmp_t->q[cmp_q].opt[*(const int *)a];
	const struct poll_opt_result *y = &cmp_t->q[cmp_q].opt[*(const int *)b];

	if (x->borda != y->borda)
		return x->borda > y->borda ? -1 : 1;
	if (x->first != y->first)
		return x->first > y->first ? -1 : 1;
	if (x->mentions != y->mentions)
		return x->mentions > y->mentions ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->code - y->code;
}

int
poll_tally_order(const struct poll_def *d, const struct poll_tally *t,
    int qi, int order[10])
{
	int n = t->q[qi].nopts;

	(void)d;
	for (int o = 0; o < n; o++)
		order[o] = o;
	cmp_t = t;
	cmp_q = qi;
	qsort(order, (size_t)n, sizeof(int), cmp_opt);
	return n;
}

static const char *
label(const struct poll_def *d, int qi, int o, char *buf, size_t len)
{
	const struct poll_question *q = &d->q[qi];

	if (q->type == POLL_Q_YESNO)
		return o == 0 ? "Da" : "Nu";
	if (q->type == POLL_Q_RATING5 || q->type == POLL_Q_RATING10) {
		snprintf(buf, len, "%d", o + 1);
		return buf;
	}
	return q->opt[0][o] != NULL ? q->opt[0][o] : "";
}

/* A count, or "< 5" for a cell that would identify people. */
static void
cell_count(struct table *tb, size_t r, size_t c, int64_t v, int suppressed)
{
	if (suppressed || (v > 0 && v < POLL_SUPPRESS))
		table_set(tb, r, c, "< 5");
	else
		table_setf(tb, r, c, "%lld", (long long)v);
}

static void
cell_pct(struct table *tb, size_t r, size_t c, int64_t v, int64_t of,
    int suppressed)
{
	if (suppressed || of == 0 || (v > 0 && v < POLL_SUPPRESS))
		return;
	table_setf(tb, r, c, "%.1f", 100.0 * (double)v / (double)of);
}

static void
add_tally(struct table *tb, const struct poll_def *d,
    const struct poll_tally *t)
{
	size_t r;
	char lb[16];
	int order[10];

	r = table_add_row(tb);
	table_set(tb, r, 0, t->segment);
	table_set(tb, r, 1, "respondents");
	cell_count(tb, r, 4, t->respondents, 0);
	for (size_t qi = 0; qi < d->nq; qi++) {
		const struct poll_q_result *qr = &t->q[qi];
		const struct poll_question *q = &d->q[qi];
		int sup = t->suppressed;
		int n = poll_tally_order(d, t, (int)qi, order);

		r = table_add_row(tb);
		table_set(tb, r, 0, t->segment);
		table_set(tb, r, 1, q->id);
		table_set(tb, r, 2, "valid/invalid/skipped");
		cell_count(tb, r, 4, qr->valid, sup);
		if (sup)
			table_set(tb, r, 5, "< 5");
		else
			table_setf(tb, r, 5, "%lld/%lld",
			    (long long)qr->invalid, (long long)qr->skipped);
		if (q->type == POLL_Q_RATING5 || q->type == POLL_Q_RATING10) {
			r = table_add_row(tb);
			table_set(tb, r, 0, t->segment);
			table_set(tb, r, 1, q->id);
			table_set(tb, r, 2, "mean/median/top2");
			if (!sup && qr->valid >= POLL_SUPPRESS) {
				table_setf(tb, r, 3, "%.2f / %.1f", qr->mean,
				    qr->median);
				cell_count(tb, r, 4, qr->top2, 0);
				cell_pct(tb, r, 5, qr->top2, qr->valid, 0);
			} else
				table_set(tb, r, 4, "< 5");
		}
		for (int i = 0; i < n; i++) {
			int o = q->type == POLL_Q_RANK ? order[i] : i;
			const struct poll_opt_result *op = &qr->opt[o];

			r = table_add_row(tb);
			table_set(tb, r, 0, t->segment);
			table_set(tb, r, 1, q->id);
			table_setf(tb, r, 2, "%d", o + 1);
			table_set(tb, r, 3, label(d, (int)qi, o, lb,
			    sizeof(lb)));
			if (q->type == POLL_Q_RANK) {
				cell_count(tb, r, 4, op->mentions, sup);
				cell_pct(tb, r, 5, op->first, qr->valid, sup);
				if (!sup)
					table_setf(tb, r, 6, "%lld",
					    (long long)op->borda);
				cell_pct(tb, r, 7, op->borda, qr->total_points,
				    sup || op->mentions < POLL_SUPPRESS);
				cell_pct(tb, r, 8, op->mentions, qr->valid,
				    sup);
			} else {
				cell_count(tb, r, 4, op->count, sup);
				cell_pct(tb, r, 5, op->count, qr->valid, sup);
			}
		}
	}
}

struct table *
poll_tally_table(const struct poll_def *d, const struct poll_answer_row *rows,
    size_t n, int64_t invited, int64_t optouts)
{
	static const struct table_col cols[] = {
		{ "segment", "Segment" }, { "question", "Intrebare" },
		{ "option", "Optiune" }, { "label", "Text" },
		{ "n", "Numar" }, { "pct", "% (primul loc la ordonare)" },
		{ "borda", "Puncte Borda" }, { "borda_share", "% Borda" },
		{ "mention_pct", "% mentionari" },
	};
	struct table *tb = table_new("poll", cols, NELEM(cols));
	struct poll_tally t;
	size_t r;

	r = table_add_row(tb);
	table_set(tb, r, 0, "all");
	table_set(tb, r, 1, "invited");
	table_setf(tb, r, 4, "%lld", (long long)invited);
	r = table_add_row(tb);
	table_set(tb, r, 0, "all");
	table_set(tb, r, 1, "optouts");
	cell_count(tb, r, 4, optouts, 0);
	poll_tally_compute(d, rows, n, NULL, NULL, &t);
	add_tally(tb, d, &t);
	/* Segments: every segmentation question's answers, and channel. */
	for (size_t qi = 0; qi < d->nq; qi++) {
		int nv = d->q[qi].type == POLL_Q_YESNO ? 2 : d->q[qi].nopts;

		if (d->q[qi].segment[0] == '\0')
			continue;
		for (int v = 1; v <= nv; v++) {
			char val[16];

			snprintf(val, sizeof(val), "%d", v);
			poll_tally_compute(d, rows, n, d->q[qi].id, val, &t);
			add_tally(tb, d, &t);
		}
	}
	poll_tally_compute(d, rows, n, "channel", "sms", &t);
	add_tally(tb, d, &t);
	poll_tally_compute(d, rows, n, "channel", "ussd", &t);
	add_tally(tb, d, &t);
	return tb;
}

char *
poll_tally_headline(const struct poll_def *d, const struct poll_answer_row *rows,
    size_t n, int lang)
{
	struct poll_tally t;
	int order[10], qi = 0;
	const char *lb;

	if (d->nq == 0)
		return xstrdup("");
	poll_tally_compute(d, rows, n, NULL, NULL, &t);
	if (t.suppressed || d->q[0].type == POLL_Q_RATING5 ||
	    d->q[0].type == POLL_Q_RATING10 || d->q[0].type == POLL_Q_YESNO)
		return xstrdup("");
	poll_tally_order(d, &t, qi, order);
	lb = d->q[qi].opt[lang][order[0]] != NULL ?
	    d->q[qi].opt[lang][order[0]] : d->q[qi].opt[0][order[0]];
	return xstrdup(lb != NULL ? lb : "");
}
