/*
 * poll_report.c - what the CLI (and later the web back office) asks of a
 * stored poll: its answer rows for the tallies, its counts, the `show`
 * text with the push's progress and expected finish, and publishing with
 * the thank-you SMS (R14).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "gsm_text.h"
#include "log.h"
#include "polls.h"
#include "poll_int.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

struct poll_rows {
	struct poll_answer_row *rows;
	char **strs;		/* owned strings, 4 per row */
	size_t n, cap;
};

static const char rows_sql[] =
    "SELECT rkey, qid, value, valid, channel FROM poll_responses"
    " WHERE poll_id = ?1";

static int
rows_row(struct store_sql *q, void *arg)
{
	struct poll_rows *pr = arg;
	struct poll_answer_row *r;
	char **s;

	if (pr->n == pr->cap) {
		pr->cap = pr->cap ? pr->cap * 2 : 64;
		pr->rows = xrealloc(pr->rows, pr->cap * sizeof(*pr->rows));
		pr->strs = xrealloc(pr->strs, pr->cap * 4 * sizeof(char *));
	}
	r = &pr->rows[pr->n];
	s = &pr->strs[pr->n * 4];
	s[0] = xstrdup(store_sql_col_text(q, 0));
	s[1] = xstrdup(store_sql_col_text(q, 1));
	s[2] = xstrdup(store_sql_col_text(q, 2) != NULL ?
	    store_sql_col_text(q, 2) : "");
	s[3] = xstrdup(store_sql_col_text(q, 4));
	r->rkey = s[0];
	r->qid = s[1];
	r->value = s[2];
	r->valid = store_sql_col_int(q, 3);
	r->channel = s[3];
	pr->n++;
	return 0;
}

struct poll_rows *
poll_rows_load(struct store *st, const char *id)
{
	struct poll_rows *pr = xcalloc(1, sizeof(*pr));
	struct store_sql *q = store_sql_prepare(st, rows_sql);

	if (q == NULL)
		goto fail;
	store_sql_bind_text(q, 1, id);
	if (store_sql_walk(q, rows_row, pr, "poll rows") != 0)
		goto fail;
	return pr;
fail:
	poll_rows_free(pr);
	return NULL;
}

const struct poll_answer_row *
poll_rows_get(const struct poll_rows *pr, size_t *n)
{
	*n = pr->n;
	return pr->rows;
}

void
poll_rows_free(struct poll_rows *pr)
{
	if (pr == NULL)
		return;
	for (size_t i = 0; i < pr->n * 4; i++)
		free(pr->strs[i]);
	free(pr->strs);
	free(pr->rows);
	free(pr);
}

static const char counts_sql[] =
    "SELECT CASE WHEN state IN ('CLOSED', 'TALLIED', 'PUBLISHED',"
    " 'ARCHIVED') THEN invited ELSE (SELECT count(*) FROM poll_invites"
    " WHERE poll_id = ?1 AND sent_at IS NOT NULL) END, optouts"
    " FROM poll_polls WHERE id = ?1";

int
poll_counts(struct store *st, const char *id, int64_t *invited,
    int64_t *optouts)
{
	struct store_sql *q = store_sql_prepare(st, counts_sql);
	int rc;

	*invited = *optouts = 0;
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	rc = store_sql_step(q, "poll counts");
	if (rc == 1) {
		*invited = store_sql_col_int64(q, 0);
		*optouts = store_sql_col_int64(q, 1);
	}
	store_sql_done(q);
	return rc == 1 ? 0 : -1;
}

char *
poll_thanks_text(struct store *st, const struct poll_def *d, const char *id,
    int lang, const char *commune, const char *date)
{
	struct poll_rows *pr = poll_rows_load(st, id);
	const struct poll_answer_row *rows;
	char *head, *t, *out;
	size_t n;
	struct buf b;
	const char *decision = "";
	static const char dec_sql[] =
	    "SELECT coalesce(decision, '') FROM poll_polls WHERE id = ?1";
	struct store_sql *q;
	char *dec = NULL;

	if (pr == NULL)
		return NULL;
	rows = poll_rows_get(pr, &n);
	head = poll_tally_headline(d, rows, n, lang);
	poll_rows_free(pr);
	if ((q = store_sql_prepare(st, dec_sql)) != NULL) {
		store_sql_bind_text(q, 1, id);
		if (store_sql_step(q, "poll decision") == 1)
			dec = store_sql_col_strdup(q, 0);
		store_sql_done(q);
	}
	if (dec != NULL)
		decision = dec;
	t = poll_fill((const char *const *)d->thanks, lang, commune, date, 0);
	buf_init(&b, 0);
	if (t == NULL) {
		if (buf_printf(&b, "Primaria %s: multumim pentru raspunsuri!%s%s"
		    "%s%s", commune != NULL ? commune : "",
		    *head ? " Pe primul loc: " : "", head,
		    *decision ? ". Decizie: " : "", decision) != 0)
			fatalx("poll: thanks");
	} else {
		for (const char *p = t; *p != '\0';) {
			int rc;

			if (strncmp(p, "{REZULTAT}", 10) == 0) {
				rc = buf_addstr(&b, head);
				p += 10;
			} else if (strncmp(p, "{DECIZIE}", 9) == 0) {
				rc = buf_addstr(&b, decision);
				p += 9;
			} else
				rc = buf_add(&b, p++, 1);
			if (rc != 0)
				fatalx("poll: thanks");
		}
	}
	free(t);
	free(head);
	free(dec);
	out = b.len > 0 ? buf_take(&b) : xstrdup("");
	buf_free(&b);
	return out;
}

static const char publish_sql[] =
    "UPDATE poll_polls SET state = 'PUBLISHED', published_at = ?2,"
    " decision = ?3 WHERE id = ?1";
static const char invited_sql[] =
    "SELECT phone FROM poll_invites WHERE poll_id = ?1 AND step IN (2, 3)";
static const char thank_sql[] =
    "UPDATE poll_invites SET step = 4, due_at = ?3 WHERE poll_id = ?1"
    " AND phone = ?2";

static int
phone_row(struct store_sql *q, void *arg)
{
	return buf_printf(arg, "%s\n", store_sql_col_text(q, 0)) != 0;
}

int
poll_publish(struct store *st, const struct gw_config *conf, const char *id,
    const char *decision, int64_t now, int64_t *queued, char *err,
    size_t errlen)
{
	struct poll_row r;
	struct store_sql *q;
	struct buf phones;
	int rc = 0;

	(void)conf;
	*queued = 0;
	if (poll_row_get(st, id, &r) != 0) {
		snprintf(err, errlen, "no poll %s", id);
		return -1;
	}
	if (r.state != POLL_TALLIED && r.state != POLL_CLOSED) {
		snprintf(err, errlen, "poll %s is %s: publish after it closes "
		    "and before its dispute window ends", id,
		    poll_state_name(r.state));
		return -1;
	}
	if ((q = store_sql_prepare(st, publish_sql)) == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	store_sql_bind_int64(q, 2, now);
	store_sql_bind_text(q, 3, decision);
	if (store_sql_exec(q, "poll publish") != 0)
		return -1;
	/* Each respondent gets the thank-you (the tick sends it in their
	 * daytime); non-respondents do not. */
	buf_init(&phones, 0);
	if ((q = store_sql_prepare(st, invited_sql)) == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	if (store_sql_walk(q, phone_row, &phones, "poll invited") != 0) {
		buf_free(&phones);
		return -1;
	}
	for (char *p = phones.data, *nl; p != NULL && *p != '\0'; p = nl + 1) {
		int resp;

		nl = strchr(p, '\n');
		*nl = '\0';
		if ((resp = poll_responded(st, &r, p)) < 0) {
			rc = -1;
			break;
		}
		if (!resp)
			continue;
		if ((q = store_sql_prepare(st, thank_sql)) == NULL) {
			rc = -1;
			break;
		}
		store_sql_bind_text(q, 1, id);
		store_sql_bind_text(q, 2, p);
		store_sql_bind_int64(q, 3, now);
		if (store_sql_exec(q, "poll thank") != 0) {
			rc = -1;
			break;
		}
		(*queued)++;
	}
	buf_free(&phones);
	memset(&r, 0, sizeof(r));
	return rc;
}

static const char show_sql[] =
    "SELECT title, kind, state, created_by, created_at, approved_by,"
    " approved_at, opens_at, closes_at, dispute_until,"
    " CASE WHEN secret IS NULL THEN 0 ELSE 1 END,"
    " optouts, coalesce(decision, '') FROM poll_polls WHERE id = ?1";
static const char steps_sql[] =
    "SELECT step, count(*) FROM poll_invites WHERE poll_id = ?1"
    " GROUP BY step";
static const char resp_sql[] =
    "SELECT count(DISTINCT rkey) FROM poll_responses WHERE poll_id = ?1"
    " AND valid = 1";
static const char list_sql[] =
    "SELECT id, state, title FROM poll_polls ORDER BY created_at";

static void
fmt_time(int64_t ms, char *out, size_t len)
{
	if (ms <= 0)
		strlcpy_s(out, "-", len);
	else
		clock_fmt_utc(ms / 1000, out, len);
}

static int
list_row(struct store_sql *q, void *arg)
{
	return buf_printf(arg, "%-12s %-10s %s\n", store_sql_col_text(q, 0),
	    store_sql_col_text(q, 1), store_sql_col_text(q, 2)) != 0;
}

struct steps {
	int64_t n[10];
};

static int
steps_row(struct store_sql *q, void *arg)
{
	struct steps *s = arg;
	int step = store_sql_col_int(q, 0);

	if (step >= 0 && step < 10)
		s->n[step] = store_sql_col_int64(q, 1);
	return 0;
}

int
poll_show(struct store *st, const struct gw_config *conf, const char *id,
    int64_t now, struct buf *out)
{
	struct store_sql *q;
	struct steps s;
	char t1[32], t2[32], t3[32];
	int64_t resp = 0, pending, sent, rate = 0;
	int rc = 0;

	if (id == NULL) {
		q = store_sql_prepare(st, list_sql);
		return q == NULL ? -1 :
		    store_sql_walk(q, list_row, out, "poll list");
	}
	if ((q = store_sql_prepare(st, show_sql)) == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	if (store_sql_step(q, "poll show") != 1) {
		store_sql_done(q);
		return -1;
	}
	fmt_time(store_sql_col_int64(q, 4), t1, sizeof(t1));
	rc |= buf_printf(out, "poll %s: %s\nkind: %s\nstate: %s\n"
	    "created: %s by %s\n", id, store_sql_col_text(q, 0),
	    store_sql_col_text(q, 1), store_sql_col_text(q, 2), t1,
	    store_sql_col_text(q, 3) != NULL ? store_sql_col_text(q, 3) : "-");
	if (!store_sql_col_is_null(q, 5)) {
		fmt_time(store_sql_col_int64(q, 6), t1, sizeof(t1));
		rc |= buf_printf(out, "approved: %s by %s\n", t1,
		    store_sql_col_text(q, 5));
	}
	fmt_time(store_sql_col_int64(q, 7), t1, sizeof(t1));
	fmt_time(store_sql_col_int64(q, 8), t2, sizeof(t2));
	fmt_time(store_sql_col_int64(q, 9), t3, sizeof(t3));
	rc |= buf_printf(out, "opens: %s\ncloses: %s\nlinks destroyed at: %s"
	    " (secret %s)\nopt-outs during the poll: %lld\n", t1, t2, t3,
	    store_sql_col_int(q, 10) ? "kept" : "destroyed",
	    (long long)store_sql_col_int64(q, 11));
	if (*store_sql_col_text(q, 12) != '\0')
		rc |= buf_printf(out, "decision: %s\n",
		    store_sql_col_text(q, 12));
	store_sql_done(q);
	memset(&s, 0, sizeof(s));
	if ((q = store_sql_prepare(st, steps_sql)) == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	if (store_sql_walk(q, steps_row, &s, "poll steps") != 0)
		return -1;
	if ((q = store_sql_prepare(st, resp_sql)) == NULL)
		return -1;
	store_sql_bind_text(q, 1, id);
	if (store_sql_step(q, "poll responded") == 1)
		resp = store_sql_col_int64(q, 0);
	store_sql_done(q);
	pending = s.n[0] + s.n[1];
	sent = s.n[2] + s.n[3] + s.n[4] + s.n[5];
	rc |= buf_printf(out, "push: %lld invited, %lld waiting (%lld for the "
	    "information message), %lld dropped (opted out, capped, closed)\n"
	    "respondents: %lld\n", (long long)sent, (long long)pending,
	    (long long)s.n[0], (long long)s.n[9], (long long)resp);
	for (size_t i = 0; conf != NULL && i < conf->n_modems; i++)
		rate += conf->modems[i].send_per_minute;
	if (pending > 0 && rate > 0) {
		/* Each invitation is about 2 parts; the channels send rate
		 * parts a minute together, and only in daytime (11 h). */
		int64_t min = (pending * 2 + rate - 1) / rate;
		int64_t days = min / (11 * 60);

		fmt_time(now + (min + days * 13 * 60) * 60000, t1, sizeof(t1));
		rc |= buf_printf(out, "expected finish: %s (%lld SMS parts a "
		    "minute over %zu channel(s), daytime only)\n", t1,
		    (long long)rate, conf->n_modems);
	} else if (pending > 0)
		rc |= buf_printf(out, "expected finish: as fast as the "
		    "channels send (no rate limit configured), daytime only\n");
	return rc != 0 ? -1 : 0;
}
