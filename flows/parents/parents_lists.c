/*
 * parents_lists.c - what SPAS sees (migrant-parents.md 7): the lists of
 * 7.1 and the quarterly aggregates of 7.2 as struct table, for the CLI
 * (stafeta parents ...) and the web page.  The caller audits views.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parents_int.h"
#include "store.h"
#include "store_sql.h"
#include "table.h"
#include "util.h"
#include "zone.h"

static void when(int64_t, char *, size_t);

static const struct table_col notice_cols[] = {
	{ "id", "Id" }, { "number", "Nr. anunt" }, { "state", "Stare" },
	{ "flags", "Semnalari" }, { "parent", "Parinte" },
	{ "phone", "Telefon" }, { "departure", "Plecare" },
	{ "notice_days", "Zile de preaviz" }, { "return", "Intoarcere" },
	{ "children", "Copii" }, { "caretaker", "Ingrijitor" },
	{ "caretaker_phone", "Telefon ingrijitor" },
	{ "caretaker_status", "Confirmare ingrijitor" },
	{ "court", "Delegare instanta" }, { "n6", "Raspuns N6" },
};

static const char list_sql[] =
    "SELECT id, number, state, flags, parent_name, parent_phone,"
    " departure, notice_days, coalesce(return_date, ''),"
    " (SELECT group_concat(name || ' ' || birth_year, '; ') FROM"
    " parents_children c WHERE c.notice_id = n.id),"
    " coalesce(caretaker_name, ''), coalesce(caretaker_phone, ''),"
    " caretaker_status, court, coalesce(CAST(n6_answer AS TEXT), '')"
    " FROM parents_notices n ORDER BY departure, id";

struct walk {
	struct table *t;
	const char *kind;
	int64_t today;
};

static int
keep(const struct walk *w, struct store_sql *q)
{
	int state = store_sql_col_int(q, 2), flags = store_sql_col_int(q, 3);
	int64_t dep = parents_date_days(store_sql_col_text(q, 6));
	int64_t ret = parents_date_days(store_sql_col_text(q, 8));
	const char *cs = store_sql_col_text(q, 12);

	if (strcmp(w->kind, "all") == 0)
		return 1;
	if (strcmp(w->kind, "upcoming") == 0)
		return dep >= w->today && dep <= w->today + 60 &&
		    !parents_state_final(state);
	if (strcmp(w->kind, "late") == 0)
		return (flags & (PARENTS_F_LATE_NOTICE |
		    PARENTS_F_ALREADY_ABROAD)) != 0;
	if (strcmp(w->kind, "children") == 0)
		return (flags & PARENTS_F_SOLE_OR_BOTH) != 0 &&
		    !parents_state_final(state);
	if (strcmp(w->kind, "caretakers") == 0)
		return strcmp(cs, "declined") == 0 ||
		    strcmp(cs, "no_reply") == 0 ||
		    (flags & (PARENTS_F_NOT_RELATIVE | PARENTS_F_NO_ADULT));
	if (strcmp(w->kind, "returns") == 0)
		return (ret >= w->today && ret <= w->today + 30) ||
		    state == PARENTS_RETURNED;
	return 0;
}

static int
row_cb(struct store_sql *q, void *arg)
{
	struct walk *w = arg;
	char flags[128];
	size_t r;

	if (!keep(w, q))
		return 0;
	r = table_add_row(w->t);
	for (int c = 0; c < 15; c++)
		table_set(w->t, r, (size_t)c, store_sql_col_text(q, c));
	table_set(w->t, r, 2, parents_strstate(store_sql_col_int(q, 2)));
	parents_flags_str(store_sql_col_int(q, 3), flags, sizeof(flags));
	table_set(w->t, r, 3, flags);
	return 0;
}

static const struct table_col roster_cols[] = {
	{ "notice", "Nr. anunt" }, { "caretaker", "Ingrijitor" },
	{ "phone", "Telefon" }, { "invited_at", "Invitat la" },
	{ "answer", "Raspuns (1 vine, 2 nu poate, 3 sunati)" },
};

/* Caretaker meeting roster: each N12 invitation and its answer. */
static const char roster_sql[] =
    "SELECT n.number, coalesce(n.caretaker_name, ''), m.phone, m.at,"
    " coalesce((SELECT a.answer FROM parents_messages a WHERE"
    " a.notice_id = m.notice_id AND a.nid = 'N12C' AND a.direction = 'in'"
    " AND a.at > m.at ORDER BY a.id LIMIT 1), '')"
    " FROM parents_messages m JOIN parents_notices n ON n.id = m.notice_id"
    " WHERE m.nid = 'N12C' AND m.direction IN ('out', 'call')"
    " ORDER BY m.at";

static int
roster_cb(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char at[32];

	for (int c = 0; c < 5; c++)
		table_set(t, r, (size_t)c, store_sql_col_text(q, c));
	when(store_sql_col_int64(q, 3), at, sizeof(at));
	table_set(t, r, 3, at);
	return 0;
}

static struct table *
roster(struct store *st)
{
	struct store_sql *q = store_sql_prepare(st, roster_sql);
	struct table *t;

	if (q == NULL)
		return NULL;
	t = table_new("roster", roster_cols, NELEM(roster_cols));
	if (store_sql_walk(q, roster_cb, t, "parents: roster") != 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

struct table *
parents_list(struct store *st, const char *kind, int64_t now)
{
	static const char *const kinds[] = { "all", "upcoming", "late",
		"children", "caretakers", "returns", NULL };
	struct walk w = { NULL, kind, parents_day_in_zone(now, ZONE_HOME) };
	struct store_sql *q;
	size_t i;

	if (strcmp(kind, "alerts") == 0)
		return parents_tasks(st, 1, now);
	if (strcmp(kind, "roster") == 0)
		return roster(st);
	for (i = 0; kinds[i] != NULL && strcmp(kinds[i], kind) != 0; i++)
		;
	if (kinds[i] == NULL)
		return NULL;
	q = store_sql_prepare(st, list_sql);
	if (q == NULL)
		return NULL;
	w.t = table_new(kind, notice_cols, NELEM(notice_cols));
	if (store_sql_walk(q, row_cb, &w, "parents: list") != 0) {
		table_free(w.t);
		return NULL;
	}
	return w.t;
}

static const struct table_col card_cols[] = {
	{ "what", "Ce" }, { "at", "Cand" }, { "detail", "Detalii" },
	{ "who", "Cine" },
};

static const char card_trans_sql[] =
    "SELECT at, coalesce(from_state, '') || ' -> ' || to_state, who,"
    " why FROM parents_transitions WHERE notice_id = ?1 ORDER BY id";
static const char card_msg_sql[] =
    "SELECT at, nid || ' ' || direction || ' ' || phone,"
    " coalesce(answer, '') FROM parents_messages WHERE notice_id = ?1"
    " ORDER BY id";

static void
when(int64_t ms, char *out, size_t outlen)
{
	struct tm tm;

	if (zone_local(ms, ZONE_HOME, &tm) != 0)
		snprintf(out, outlen, "%lld", (long long)ms);
	else
		strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
}

static int
card_trans_cb(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char at[32];

	when(store_sql_col_int64(q, 0), at, sizeof(at));
	table_set(t, r, 0, "transition");
	table_set(t, r, 1, at);
	table_setf(t, r, 2, "%s (%s)", store_sql_col_text(q, 1),
	    store_sql_col_text(q, 3));
	table_set(t, r, 3, store_sql_col_text(q, 2));
	return 0;
}

static int
card_msg_cb(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char at[32];

	when(store_sql_col_int64(q, 0), at, sizeof(at));
	table_set(t, r, 0, "message");
	table_set(t, r, 1, at);
	table_setf(t, r, 2, "%s %s", store_sql_col_text(q, 1),
	    store_sql_col_text(q, 2));
	return 0;
}

struct table *
parents_card(struct store *st, int64_t id)
{
	struct table *all = parents_list(st, "all", 0), *t;
	struct store_sql *q;

	if (all == NULL)
		return NULL;
	t = table_new("notice", card_cols, NELEM(card_cols));
	for (size_t r = 0; r < all->nrows; r++) {
		if (strtoll(table_get(all, r, 0), NULL, 10) != id)
			continue;
		for (size_t c = 0; c < all->ncols; c++) {
			size_t n = table_add_row(t);

			table_set(t, n, 0, all->cols[c].id);
			table_set(t, n, 2, table_get(all, r, c));
		}
	}
	table_free(all);
	if (t->nrows == 0) {
		table_free(t);
		return NULL;
	}
	q = store_sql_prepare(st, card_trans_sql);
	if (q == NULL)
		goto fail;
	store_sql_bind_int64(q, 1, id);
	if (store_sql_walk(q, card_trans_cb, t, "parents: card") != 0)
		goto fail;
	q = store_sql_prepare(st, card_msg_sql);
	if (q == NULL)
		goto fail;
	store_sql_bind_int64(q, 1, id);
	if (store_sql_walk(q, card_msg_cb, t, "parents: card") != 0)
		goto fail;
	return t;
fail:
	table_free(t);
	return NULL;
}

static const struct table_col report_cols[] = {
	{ "indicator", "Indicator" }, { "value", "Valoare" },
};

/* Children counted per notice (one row per child), in the quarter. */
static const char report_sql[] =
    "SELECT"
    " sum(CASE WHEN n.other_parent = 1 AND n.sole_authority <> 1 THEN 1"
    "  ELSE 0 END),"
    " sum(CASE WHEN n.other_parent = 2 THEN 1 ELSE 0 END),"
    " sum(CASE WHEN n.sole_authority = 1 OR n.other_parent IN (3, 4, 5)"
    "  THEN 1 ELSE 0 END),"
    " sum(CASE WHEN n.caretaker_status = 'confirmed' THEN 1 ELSE 0 END),"
    " sum(CASE WHEN n.court = 3 THEN 1 ELSE 0 END),"
    " count(DISTINCT CASE WHEN n.created_at >= ?1 THEN n.id END),"
    " count(DISTINCT CASE WHEN n.created_at >= ?1 AND (n.flags & 3) <> 0"
    "  THEN n.id END),"
    " count(DISTINCT CASE WHEN n.state = 11 THEN n.id END)"
    " FROM parents_notices n JOIN parents_children c ON"
    " c.notice_id = n.id WHERE n.created_at < ?2 AND n.state <> 14";

struct table *
parents_report(struct store *st, const char *quarter, int suppress,
    int64_t now)
{
	static const char *const names[] = { "children_one_parent_abroad",
		"children_both_parents_abroad", "children_sole_parent_abroad",
		"children_confirmed_caretaker", "children_court_granted",
		"new_notices", "late_notices", "returns" };
	struct store_sql *q;
	struct table *t;
	char ymd[32], qs[24];
	int64_t from, to, y, qn;
	int rc;

	parents_date_from_days(parents_day_in_zone(now, ZONE_HOME), ymd);
	if (quarter == NULL) {
		snprintf(qs, sizeof(qs), "%.4sQ%d", ymd,
		    (int)((strtol(ymd + 5, NULL, 10) - 1) / 3 + 1) % 10);
		quarter = qs;
	}
	if (strlen(quarter) != 6 || quarter[4] != 'Q' ||
	    quarter[5] < '1' || quarter[5] > '4')
		return NULL;
	y = strtol(quarter, NULL, 10);
	qn = quarter[5] - '0';
	snprintf(ymd, sizeof(ymd), "%04d-%02d-01", (int)(y % 10000),
	    (int)((qn - 1) * 3 + 1));
	from = parents_day_at(parents_date_days(ymd), 0, ZONE_HOME);
	snprintf(ymd, sizeof(ymd), "%04d-%02d-01", (int)((qn == 4 ? y + 1 :
	    y) % 10000), (int)(qn == 4 ? 1 : qn * 3 + 1));
	to = parents_day_at(parents_date_days(ymd), 0, ZONE_HOME);
	q = store_sql_prepare(st, report_sql);
	if (q == NULL)
		return NULL;
	store_sql_bind_int64(q, 1, from);
	store_sql_bind_int64(q, 2, to);
	rc = store_sql_step(q, "parents: report");
	if (rc != 1) {
		store_sql_done(q);
		return NULL;
	}
	t = table_new(quarter, report_cols, NELEM(report_cols));
	for (int i = 0; i < 8; i++) {
		int v = store_sql_col_int(q, i);
		size_t r = table_add_row(t);

		table_set(t, r, 0, names[i]);
		if (suppress && v > 0 && v < 5)
			table_set(t, r, 1, "<5");
		else
			table_setf(t, r, 1, "%d", v);
	}
	store_sql_done(q);
	return t;
}

struct table *
parents_tasks(struct store *st, int open_only, int64_t now)
{
	return store_task_list(st, PARENTS_OWNER, NULL, open_only, now);
}
