/*
 * poll_html.c - the mayor's one-page summary (polls.md section 9.1): the
 * poll, its dates, invited, respondents and response rate, every
 * question as an SVG bar chart (Borda share for rankings, % for the
 * others), the same for households with a child (K1 = 1), the method
 * and its limits (R13), and a field for the decision.  Self-contained
 * HTML that prints on one A4 page; no gateway, no store: the web back
 * office calls it with the rows it loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "polls.h"
#include "util.h"

/* Appends printf text; a page never nears the buffer's limit. */
#define add(b, ...)                                                        \
	do {                                                               \
		if (buf_printf((b), __VA_ARGS__) != 0)                     \
			fatalx("poll: html");                              \
	} while (0)

static void
esc(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		int rc;

		switch (*s) {
		case '<': rc = buf_addstr(b, "&lt;"); break;
		case '>': rc = buf_addstr(b, "&gt;"); break;
		case '&': rc = buf_addstr(b, "&amp;"); break;
		case '"': rc = buf_addstr(b, "&quot;"); break;
		default: rc = buf_add(b, s, 1); break;
		}
		if (rc != 0)
			fatalx("poll: html");
	}
}

/* The question's stem: its first text line. */
static void
stem(struct buf *b, const struct poll_question *q)
{
	const char *t = q->text[0] != NULL ? q->text[0] : "";
	const char *nl = strchr(t, '\n');
	char *s = nl != NULL ? xstrndup(t, (size_t)(nl - t)) : xstrdup(t);

	esc(b, s);
	free(s);
}

static void
chart(struct buf *b, const struct poll_def *d, const struct poll_tally *t,
    int qi)
{
	const struct poll_q_result *qr = &t->q[qi];
	const struct poll_question *q = &d->q[qi];
	int order[10], n = poll_tally_order(d, t, qi, order);
	int rank = q->type == POLL_Q_RANK;
	int64_t of = rank ? qr->total_points : qr->valid;
	const int w = 300, bh = 16;

	add(b, "<h3>%s &middot; ", q->id);
	stem(b, q);
	add(b, "</h3>\n");
	if (t->suppressed || qr->valid < POLL_SUPPRESS) {
		add(b, "<p class=s>&lt; 5 raspunsuri: rezultat ascuns</p>\n");
		return;
	}
	add(b, "<svg width=\"640\" height=\"%d\" role=\"img\">\n",
	    n * (bh + 4) + 4);
	for (int i = 0; i < n; i++) {
		int o = rank ? order[i] : i;
		int64_t v = rank ? qr->opt[o].borda : qr->opt[o].count;
		double pct = of > 0 ? 100.0 * (double)v / (double)of : 0;
		int len = (int)(pct * w / 100.0);
		int y = 2 + i * (bh + 4);
		const char *lb = q->type == POLL_Q_YESNO ? (o == 0 ? "Da" :
		    "Nu") : q->opt[0][o];
		char num[16];

		if (lb == NULL) {
			snprintf(num, sizeof(num), "%d", o + 1);
			lb = num;
		}
		add(b, "<text x=\"0\" y=\"%d\" font-size=\"11\">%d ", y + 12,
		    o + 1);
		esc(b, lb);
		add(b, "</text><rect x=\"270\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
		    "font-size=\"11\">%.0f%%%s</text>\n", y, len, bh,
		    i == 0 && rank ? "#1f5f99" : "#6b9bc8", 274 + len, y + 12,
		    pct, (v > 0 && v < POLL_SUPPRESS && !rank) ? " (&lt; 5)" :
		    "");
	}
	add(b, "</svg>\n");
	if (q->type == POLL_Q_RATING5 || q->type == POLL_Q_RATING10)
		add(b, "<p>n = %lld, media %.2f, mediana %.1f</p>\n",
		    (long long)qr->valid, qr->mean, qr->median);
}

char *
poll_html(const struct poll_def *d, const struct poll_answer_row *rows,
    size_t n, const struct poll_html_info *in)
{
	struct poll_tally all, kids;
	struct buf b;
	int k1 = -1;

	poll_tally_compute(d, rows, n, NULL, NULL, &all);
	for (size_t i = 0; i < d->nq; i++)
		if (strcmp(d->q[i].segment, "K1") == 0)
			k1 = (int)i;
	buf_init(&b, 0);
	add(&b, "<!DOCTYPE html>\n<html lang=\"ro\"><head><meta charset=\"utf-8\">"
	    "<title>Sondaj ");
	esc(&b, d->id);
	add(&b, "</title><style>body{font:12px sans-serif;max-width:190mm;"
	    "margin:8mm auto}h1{font-size:16px}h2{font-size:13px;margin:8px 0 2px}"
	    "h3{font-size:12px;margin:6px 0 0}p{margin:2px 0}.s{color:#777}"
	    ".box{border:1px solid #999;min-height:20mm;padding:4px}"
	    "@page{size:A4;margin:8mm}</style></head><body>\n<h1>");
	esc(&b, d->title != NULL ? d->title : d->id);
	add(&b, "</h1>\n<p>Comuna ");
	esc(&b, in->commune != NULL ? in->commune : "");
	add(&b, " &middot; sondaj %s &middot; %s &ndash; %s &middot; stare %s"
	    "</p>\n", d->id, in->opens != NULL ? in->opens : "-",
	    in->closes != NULL ? in->closes : "-",
	    in->state != NULL ? in->state : "-");
	add(&b, "<p><b>Invitati:</b> %lld &middot; <b>Au raspuns:</b> %s%lld "
	    "&middot; <b>Rata de raspuns:</b> ", (long long)in->invited,
	    all.suppressed ? "&lt; 5 " : "",
	    all.suppressed ? 0LL : (long long)all.respondents);
	if (in->invited > 0 && !all.suppressed)
		add(&b, "%.0f%%", 100.0 * (double)all.respondents /
		    (double)in->invited);
	else
		add(&b, "-");
	add(&b, " &middot; <b>Renuntari (STOP):</b> %lld</p>\n",
	    (long long)in->optouts);
	add(&b, "<h2>Toti respondentii</h2>\n");
	for (size_t i = 0; i < d->nq; i++)
		if (d->q[i].segment[0] == '\0')
			chart(&b, d, &all, (int)i);
	if (k1 >= 0) {
		poll_tally_compute(d, rows, n, d->q[k1].id, "1", &kids);
		add(&b, "<h2>Gospodarii cu copii sub 18 ani</h2>\n");
		for (size_t i = 0; i < d->nq; i++)
			if (d->q[i].segment[0] == '\0')
				chart(&b, d, &kids, (int)i);
	}
	add(&b, "<h2>Metoda si limite</h2><p>Ordonari: scor Borda (k puncte "
	    "pentru primul loc ... 1 pentru ultimul), egalitati departajate "
	    "dupa numarul de locuri intai, apoi de mentionari. Procente din "
	    "raspunsurile valide; celulele cu mai putin de 5 respondenti sunt "
	    "ascunse. Respondentii s-au inscris singuri si au telefon: nu este "
	    "un esantion reprezentativ si nici un referendum, ci unul din cele "
	    "sapte criterii ale planului (nevoi, resurse, buget, parteneri)."
	    " Raspunsurile sunt anonime.</p>\n");
	add(&b, "<h2>Decizia si motivele ei</h2>\n<div class=box>");
	esc(&b, in->decision != NULL ? in->decision : "");
	add(&b, "</div>\n</body></html>\n");
	return buf_take(&b);
}
