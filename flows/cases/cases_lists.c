/*
 * cases_lists.c - what SPAS reads and prints (spas-followup.md 6, 7), as
 * tables (lib/table.h) with an English id and a Romanian heading per
 * column: the case list, what is due today, what is overdue, open cases
 * by worker and by village, the case card with its history, the
 * quarterly extract for DGASPC (7.8) and the annual A2.4 counts (7.7).
 *
 * The next deadline of a case follows its state: D2 visit (72 h), D3
 * notification (2 h), D4 verification (48 h), D5 plan (30 days), D6
 * order (10 days), D7 monitoring, D8 refresh.  Aggregates that leave
 * SPAS suppress cells of 1 to 4 as "<5" (DP9).  The unit counted is the
 * case (a family's cycle): children are named at SPAS only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cases.h"
#include "cases_int.h"
#include "clock.h"
#include "sheet.h"
#include "store.h"
#include "store_sql.h"
#include "table.h"
#include "util.h"

#define CASE_COLS_L                                                        \
	"c.id, c.household, c.sheet_id, s.county, s.seq, c.state, c.urgent," \
	" c.high_risk, c.worker, c.village, c.opened_at, c.last_sheet_at,"  \
	" c.suspected, c.visit_date, c.visit_deadline, c.visited_on,"       \
	" c.visitor, c.visitor_role, c.confirmed, c.conclusion,"            \
	" c.registry_at, c.registry_updated_at, c.plan_due_at,"             \
	" c.plan_drafted_at, c.plan_benefits, c.plan_services, c.plan_goal," \
	" c.plan_providers, c.plan_months, c.order_no, c.order_date,"       \
	" c.approved_at, c.cadence_months, c.next_monitoring_at,"           \
	" c.refresh_due_at, c.closed_reason, c.updated_at"

static const char all_sql[] =
    "SELECT " CASE_COLS_L ", r.opened_at, r.notified_at"
    " FROM cases c LEFT JOIN sheets s ON s.id = c.sheet_id"
    " LEFT JOIN case_referrals r ON r.case_id = c.id AND r.closed_at IS NULL"
    " ORDER BY c.id";
static const char one_sql[] =
    "SELECT " CASE_COLS_L ", r.opened_at, r.notified_at"
    " FROM cases c LEFT JOIN sheets s ON s.id = c.sheet_id"
    " LEFT JOIN case_referrals r ON r.case_id = c.id AND r.closed_at IS NULL"
    " WHERE c.id = ?1";
static const char hist_sql[] =
    "SELECT at, who, from_state, to_state, why FROM case_transitions"
    " WHERE case_id = ?1 ORDER BY id";
static const char risks_sql[] =
    "SELECT code, domain, confirmed FROM case_risks WHERE case_id = ?1"
    " ORDER BY domain, code";
static const char refs_sql[] =
    "SELECT reason, opened_at, opened_by, notified_at, channel, contact,"
    " escalated_at, verified_at, outcome, closed_at FROM case_referrals"
    " WHERE case_id = ?1 ORDER BY id";
static const char mons_sql[] =
    "SELECT day, visitor, findings, revision, reason FROM case_monitoring"
    " WHERE case_id = ?1 ORDER BY id";
static const char ind_sql[] =
    "SELECT r.indicator, count(*) FROM case_risks r JOIN cases c"
    " ON c.id = r.case_id WHERE r.confirmed = 1 AND c.registry_at < ?1"
    " GROUP BY r.indicator";

/* A case with its open referral's times, for the lists. */
struct lcase {
	struct cases_row c;
	int64_t ref_opened;
	int64_t ref_notified;
};

struct lcases {
	struct lcase *v;
	size_t n;
};

static int
lcase_cb(struct store_sql *q, void *arg)
{
	struct lcases *l = arg;
	struct lcase *x;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	x = &l->v[l->n++];
	cases_row_read(q, &x->c);
	x->ref_opened = store_sql_col_int64(q, 37);
	x->ref_notified = store_sql_col_int64(q, 38);
	return 0;
}

static void
lcases_free(struct lcases *l)
{
	for (size_t i = 0; i < l->n; i++)
		cases_row_clear(&l->v[i].c);
	free(l->v);
}

static int
load_all(struct store *st, struct lcases *l)
{
	struct store_sql *q = store_sql_prepare(st, all_sql);

	l->v = NULL;
	l->n = 0;
	if (q == NULL)
		return -1;
	return store_sql_walk(q, lcase_cb, l, "cases list");
}

/* Folds Romanian diacritics (UTF-8) and case into out, for compares. */
static void
fold(const char *s, char *out, size_t outlen)
{
	size_t k = 0;

	for (const unsigned char *p = (const unsigned char *)s;
	    *p != '\0' && k + 1 < outlen; p++) {
		if (*p == 0xC3 && (p[1] == 0xA2 || p[1] == 0x82)) {
			out[k++] = 'a'; /* â Â */
			p++;
		} else if (*p == 0xC3 && (p[1] == 0xAE || p[1] == 0x8E)) {
			out[k++] = 'i'; /* î Î */
			p++;
		} else if (*p == 0xC4 && (p[1] == 0x83 || p[1] == 0x82)) {
			out[k++] = 'a'; /* ă Ă */
			p++;
		} else if ((*p == 0xC8 && (p[1] == 0x99 || p[1] == 0x98)) ||
		    (*p == 0xC5 && (p[1] == 0x9F || p[1] == 0x9E))) {
			out[k++] = 's'; /* ș Ș ş Ş */
			p++;
		} else if ((*p == 0xC8 && (p[1] == 0x9B || p[1] == 0x9A)) ||
		    (*p == 0xC5 && (p[1] == 0xA3 || p[1] == 0xA2))) {
			out[k++] = 't'; /* ț Ț ţ Ţ */
			p++;
		} else
			out[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	}
	out[k] = '\0';
}

static int
same_name(const char *a, const char *b)
{
	char fa[256], fb[256];

	if (a == NULL || b == NULL)
		return 0;
	fold(a, fa, sizeof(fa));
	fold(b, fb, sizeof(fb));
	return strcmp(fa, fb) == 0;
}

static int
matches(const struct lcase *x, const struct cases_filter *f)
{
	if (f == NULL)
		return 1;
	if (f->state_plus1 != 0 && x->c.state != f->state_plus1 - 1)
		return 0;
	if (f->open_only && x->c.state == CASES_CLOSED)
		return 0;
	if (f->worker != NULL && !same_name(f->worker, x->c.worker))
		return 0;
	if (f->village != NULL && !same_name(f->village, x->c.village))
		return 0;
	return 1;
}

/* The earliest open deadline of a case: its time (0 = none) and rule. */
static int64_t
next_deadline(const struct lcase *x, const char **rule)
{
	const struct cases_row *c = &x->c;
	int64_t at = 0;

	*rule = "";
	switch (c->state) {
	case CASES_VISIT_PENDING:
		at = c->visit_deadline;
		*rule = "D2 vizita RIS";
		break;
	case CASES_PLAN_DUE:
		at = c->plan_due_at;
		*rule = "D5 plan de servicii";
		break;
	case CASES_PLAN_DRAFTED:
		at = c->plan_drafted_at + CASES_D6_SPAS_DAYS * CASES_MS_DAY;
		*rule = "D6 dispozitia primarului";
		break;
	case CASES_MONITORING:
	case CASES_PLAN_REVISION:
		at = c->next_monitoring_at;
		*rule = "D7 vizita de monitorizare";
		break;
	case CASES_NO_SUSPICION:
	case CASES_INCOMPLETE:
	case CASES_NOT_CONFIRMED:
	case CASES_REFRESH_DUE:
		at = c->refresh_due_at;
		*rule = "D8 reinnoirea fisei";
		break;
	default:
		break;
	}
	if (x->ref_opened != 0) {
		int64_t r = x->ref_notified == 0 ?
		    x->ref_opened + CASES_D3_ESCALATE_MS :
		    x->ref_notified + CASES_D4_MS;

		if (at == 0 || r < at) {
			at = r;
			*rule = x->ref_notified == 0 ? "D3 anuntare DGASPC" :
			    "D4 verificare DGASPC";
		}
	}
	return at;
}

static void
fmt_time(int64_t ms, char *out, size_t outlen)
{
	if (ms == 0)
		out[0] = '\0';
	else
		clock_fmt_utc(ms / 1000, out, outlen);
}

static const struct table_col list_cols[] = {
	{ "case", "Caz" },
	{ "sheet_no", "Nr. fișă" },
	{ "household", "Cod familie" },
	{ "state", "Stare" },
	{ "flags", "Semnale" },
	{ "worker", "Responsabil de caz" },
	{ "village", "Sat" },
	{ "suspected", "Riscuri suspectate" },
	{ "confirmed", "Riscuri confirmate" },
	{ "deadline", "Termen (UTC)" },
	{ "rule", "Regula" },
	{ "timer", "Stare termen" },
};

static void
list_row(struct table *t, const struct lcase *x, int64_t now)
{
	const struct cases_row *c = &x->c;
	size_t r = table_add_row(t);
	const char *rule;
	int64_t at = next_deadline(x, &rule);
	char when[32];

	table_setf(t, r, 0, "%lld", (long long)c->id);
	table_set(t, r, 1, c->sheet_no);
	table_set(t, r, 2, c->household != NULL ? c->household : "NOU");
	table_set(t, r, 3, cases_strstate(c->state));
	table_setf(t, r, 4, "%s%s%s", c->urgent ? "URGENT_DGASPC" : "",
	    c->urgent && c->high_risk ? " " : "",
	    c->high_risk ? "HIGH_RISK" : "");
	table_set(t, r, 5, c->worker);
	table_set(t, r, 6, c->village);
	table_setf(t, r, 7, "%d", c->suspected);
	if (c->confirmed >= 0)
		table_setf(t, r, 8, "%d", c->confirmed);
	fmt_time(at, when, sizeof(when));
	table_set(t, r, 9, when);
	table_set(t, r, 10, rule);
	if (at != 0)
		table_set(t, r, 11, at <= now ? "overdue" :
		    at - now <= CASES_MS_DAY ? "due_soon" : "ok");
}

/* which: 0 all, 1 due today, 2 overdue. */
static struct table *
list_some(struct store *st, const struct cases_filter *f, int64_t now,
    int which, const char *name)
{
	struct lcases l;
	struct table *t;
	int64_t day0 = now - (now % CASES_MS_DAY), day1 = day0 + CASES_MS_DAY;

	if (load_all(st, &l) != 0) {
		lcases_free(&l);
		return NULL;
	}
	t = table_new(name, list_cols, NELEM(list_cols));
	for (size_t i = 0; i < l.n; i++) {
		const char *rule;
		int64_t at;

		if (!matches(&l.v[i], f))
			continue;
		at = next_deadline(&l.v[i], &rule);
		if (which == 1 && !(at >= day0 && at < day1))
			continue;
		if (which == 2 && !(at != 0 && at <= now))
			continue;
		list_row(t, &l.v[i], now);
	}
	lcases_free(&l);
	return t;
}

struct table *
cases_list(struct store *st, const struct cases_filter *f, int64_t now)
{
	return list_some(st, f, now, 0, "cases");
}

struct table *
cases_due_today(struct store *st, const struct cases_filter *f, int64_t now)
{
	return list_some(st, f, now, 1, "due_today");
}

struct table *
cases_overdue(struct store *st, const struct cases_filter *f, int64_t now)
{
	return list_some(st, f, now, 2, "overdue");
}

static struct table *
group_by(struct store *st, int64_t now, int village)
{
	static const struct table_col cols_w[] = {
		{ "worker", "Responsabil de caz" },
		{ "open", "Cazuri deschise" },
		{ "visit_pending", "Vizite RIS de făcut" },
		{ "plan", "Planuri în lucru" },
		{ "monitoring", "În monitorizare" },
		{ "urgent", "Urgente DGASPC" },
		{ "overdue", "Termene depășite" },
	};
	struct table_col cols[NELEM(cols_w)];
	struct lcases l;
	struct table *t;

	memcpy(cols, cols_w, sizeof(cols));
	if (village) {
		cols[0].id = "village";
		cols[0].title = "Sat";
	}
	if (load_all(st, &l) != 0) {
		lcases_free(&l);
		return NULL;
	}
	t = table_new(village ? "by_village" : "by_worker", cols,
	    NELEM(cols));
	for (size_t i = 0; i < l.n; i++) {
		const struct cases_row *c = &l.v[i].c;
		const char *key = village ? c->village : c->worker, *rule;
		int64_t at;
		size_t r;
		int col;

		if (c->state == CASES_CLOSED)
			continue;
		if (key == NULL)
			key = "(neatribuit)";
		for (r = 0; r < t->nrows; r++) {
			if (same_name(table_get(t, r, 0), key))
				break;
		}
		if (r == t->nrows) {
			r = table_add_row(t);
			table_set(t, r, 0, key);
			for (size_t k = 1; k < NELEM(cols); k++)
				table_set(t, r, k, "0");
		}
		at = next_deadline(&l.v[i], &rule);
		col = c->state == CASES_VISIT_PENDING ? 2 :
		    (c->state == CASES_PLAN_DUE ||
		    c->state == CASES_PLAN_DRAFTED ||
		    c->state == CASES_PLAN_REVISION) ? 3 :
		    c->state == CASES_MONITORING ? 4 : 0;
		for (int k = 1; k <= 6; k++) {
			int add = k == 1 || k == col || (k == 5 && c->urgent) ||
			    (k == 6 && at != 0 && at <= now);
			int64_t v;

			if (!add)
				continue;
			if (parse_int64(table_get(t, r, (size_t)k), 0,
			    INT64_MAX, &v) != 0)
				v = 0;
			table_setf(t, r, (size_t)k, "%lld", (long long)v + 1);
		}
	}
	lcases_free(&l);
	return t;
}

struct table *
cases_by_worker(struct store *st, int64_t now)
{
	return group_by(st, now, 0);
}

struct table *
cases_by_village(struct store *st, int64_t now)
{
	return group_by(st, now, 1);
}

static const struct table_col card_cols[] = {
	{ "field", "Câmp" },
	{ "value", "Valoare" },
};

static void
kv(struct table *t, const char *k, const char *v)
{
	const char *cells[2] = { k, v != NULL ? v : "" };

	table_add(t, cells);
}

static void
kvt(struct table *t, const char *k, int64_t ms)
{
	char when[32];

	fmt_time(ms, when, sizeof(when));
	kv(t, k, when);
}

static void
codes_line(struct table *t, const char *k, const char *list, int benefit)
{
	char tok[32];
	const char *p = list;

	if (list == NULL || *list == '\0')
		return;
	while (*p != '\0') {
		size_t n = 0;

		while (*p == ',')
			p++;
		while (*p != '\0' && *p != ',' && n + 1 < sizeof(tok))
			tok[n++] = *p++;
		tok[n] = '\0';
		if (n > 0) {
			char line[160];

			snprintf(line, sizeof(line), "%s %s", tok, benefit ?
			    cases_benefit_label(tok) : cases_service_label(tok));
			kv(t, k, line);
		}
	}
}

static int
card_risks_cb(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	char line[64];

	snprintf(line, sizeof(line), "domeniul %d: %s %s",
	    store_sql_col_int(q, 1), store_sql_col_text(q, 0) != NULL ?
	    store_sql_col_text(q, 0) : "?", store_sql_col_int(q, 2) ?
	    "confirmat" : "neconfirmat");
	kv(t, "risk", line);
	return 0;
}

static int
card_refs_cb(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	char a[32], b[32], c[32], line[400];
	const char *ch = store_sql_col_text(q, 4), *who = store_sql_col_text(q,
	    5), *out = store_sql_col_text(q, 8);

	fmt_time(store_sql_col_int64(q, 1), a, sizeof(a));
	fmt_time(store_sql_col_int64(q, 3), b, sizeof(b));
	fmt_time(store_sql_col_int64(q, 7), c, sizeof(c));
	snprintf(line, sizeof(line), "%s; deschisa %s; anuntata %s%s%s%s%s; "
	    "verificata %s%s%s%s", store_sql_col_text(q, 0) != NULL ?
	    store_sql_col_text(q, 0) : "?", a, b[0] != '\0' ? b : "-",
	    ch != NULL ? " " : "", ch != NULL ? ch : "", who != NULL ? " " : "",
	    who != NULL ? who : "", c[0] != '\0' ? c : "-",
	    out != NULL ? " (" : "", out != NULL ? out : "",
	    out != NULL ? ")" : "");
	kv(t, "dgaspc_referral", line);
	return 0;
}

static int
card_mons_cb(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	const char *f = store_sql_col_text(q, 2), *r = store_sql_col_text(q, 4);
	char line[600];

	snprintf(line, sizeof(line), "%s %s%s%s%s%s",
	    store_sql_col_text(q, 0) != NULL ? store_sql_col_text(q, 0) : "?",
	    store_sql_col_text(q, 1) != NULL ? store_sql_col_text(q, 1) : "?",
	    f != NULL ? ": " : "", f != NULL ? f : "",
	    store_sql_col_int(q, 3) ? "; revizuire: " : "",
	    store_sql_col_int(q, 3) && r != NULL ? r : "");
	kv(t, "monitoring_visit", line);
	return 0;
}

static int
card_hist_cb(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	char when[32], line[400];
	const char *from = store_sql_col_text(q, 2), *why = store_sql_col_text(q,
	    4);

	fmt_time(store_sql_col_int64(q, 0), when, sizeof(when));
	snprintf(line, sizeof(line), "%s %s: %s -> %s%s%s", when,
	    store_sql_col_text(q, 1) != NULL ? store_sql_col_text(q, 1) : "?",
	    from != NULL ? from : "-", store_sql_col_text(q, 3) != NULL ?
	    store_sql_col_text(q, 3) : "?", why != NULL ? ": " : "",
	    why != NULL ? why : "");
	kv(t, "transition", line);
	return 0;
}

/* Walks sql (one int64 parameter) into t with cb. */
static int
walk_into(struct store *st, const char *sql, int64_t id, store_sql_row_cb *cb,
    struct table *t)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	return store_sql_walk(q, cb, t, "case card");
}

struct table *
cases_card(struct store *st, int64_t id, const char *who, const char *via,
    int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, one_sql);
	struct lcases l = { NULL, 0 };
	struct table *t;
	const struct cases_row *c;
	const char *rule;
	char buf[64], obj[32];
	int64_t at;

	if (q == NULL)
		return NULL;
	store_sql_bind_int64(q, 1, id);
	if (store_sql_walk(q, lcase_cb, &l, "case card") != 0 || l.n == 0) {
		lcases_free(&l);
		return NULL;
	}
	c = &l.v[0].c;
	t = table_new("case", card_cols, NELEM(card_cols));
	snprintf(buf, sizeof(buf), "%lld", (long long)c->id);
	kv(t, "case", buf);
	kv(t, "sheet_no", c->sheet_no);
	kv(t, "household", c->household != NULL ? c->household : "NOU");
	kv(t, "state", cases_strstate(c->state));
	kv(t, "urgent_dgaspc", c->urgent ? "da" : "nu");
	kv(t, "high_risk", c->high_risk ? "da" : "nu");
	at = next_deadline(&l.v[0], &rule);
	kvt(t, "next_deadline", at);
	kv(t, "next_rule", rule);
	kv(t, "worker", c->worker);
	kv(t, "village", c->village);
	kvt(t, "opened_at", c->opened_at);
	kvt(t, "last_sheet_at", c->last_sheet_at);
	snprintf(buf, sizeof(buf), "%d", c->suspected);
	kv(t, "suspected", buf);
	kv(t, "visit_planned", c->visit_date);
	kvt(t, "visit_deadline", c->visit_deadline);
	kv(t, "visited_on", c->visited_on);
	kv(t, "visitor", c->visitor);
	kv(t, "visitor_role", c->visitor_role);
	if (c->confirmed >= 0) {
		snprintf(buf, sizeof(buf), "%d", c->confirmed);
		kv(t, "confirmed", buf);
	}
	kv(t, "conclusion", cases_strconclusion(c->conclusion));
	kvt(t, "registry_at", c->registry_at);
	kvt(t, "registry_updated_at", c->registry_updated_at);
	kvt(t, "plan_due_at", c->plan_due_at);
	kvt(t, "plan_drafted_at", c->plan_drafted_at);
	codes_line(t, "plan_benefit", c->plan_benefits, 1);
	codes_line(t, "plan_service", c->plan_services, 0);
	kv(t, "plan_goal", c->plan_goal);
	kv(t, "plan_providers", c->plan_providers);
	if (c->plan_months > 0) {
		snprintf(buf, sizeof(buf), "%d", c->plan_months);
		kv(t, "plan_months", buf);
	}
	kv(t, "order_no", c->order_no);
	kv(t, "order_date", c->order_date);
	if (c->cadence_months > 0) {
		snprintf(buf, sizeof(buf), "%d", c->cadence_months);
		kv(t, "cadence_months", buf);
	}
	kvt(t, "next_monitoring_at", c->next_monitoring_at);
	kvt(t, "refresh_due_at", c->refresh_due_at);
	kv(t, "closed_reason", c->closed_reason);
	snprintf(obj, sizeof(obj), "case:%lld", (long long)id);
	lcases_free(&l);
	if (walk_into(st, risks_sql, id, card_risks_cb, t) != 0 ||
	    walk_into(st, refs_sql, id, card_refs_cb, t) != 0 ||
	    walk_into(st, mons_sql, id, card_mons_cb, t) != 0 ||
	    walk_into(st, hist_sql, id, card_hist_cb, t) != 0 ||
	    store_audit(st, who, via, "view", obj, now) != 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

static int
hist_cb(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char when[32];

	fmt_time(store_sql_col_int64(q, 0), when, sizeof(when));
	table_set(t, r, 0, when);
	for (int k = 1; k < 5; k++)
		table_set(t, r, (size_t)k, store_sql_col_text(q, k));
	return 0;
}

struct table *
cases_history(struct store *st, int64_t id)
{
	static const struct table_col cols[] = {
		{ "at", "Data (UTC)" },
		{ "who", "Cine" },
		{ "from", "Din starea" },
		{ "to", "În starea" },
		{ "why", "Motiv" },
	};
	struct store_sql *q = store_sql_prepare(st, hist_sql);
	struct table *t;

	if (q == NULL)
		return NULL;
	t = table_new("history", cols, NELEM(cols));
	store_sql_bind_int64(q, 1, id);
	if (store_sql_walk(q, hist_cb, t, "case history") != 0) {
		table_free(t);
		return NULL;
	}
	return t;
}

/* A count for an aggregate leaving SPAS (DP9). */
static void
set_count(struct table *t, size_t r, size_t col, int64_t n, int suppress)
{
	if (suppress && n > 0 && n < CASES_SUPPRESS_BELOW)
		table_set(t, r, col, "<5");
	else
		table_setf(t, r, col, "%lld", (long long)n);
}

/* UTC ms of 1 January of year, plus months. */
static int64_t
year_start(int year, int months)
{
	char day[16];
	int64_t ms = 0;

	snprintf(day, sizeof(day), "%04d-01-01", year);
	if (cases_parse_day(day, &ms) != 0)
		return 0;
	return cases_add_months(ms, months);
}

static const char q_count_sql[] =
    "SELECT"
    " (SELECT count(DISTINCT cs.case_id) FROM case_sheets cs JOIN sheets s"
    "   ON s.id = cs.sheet_id WHERE s.received_at >= ?1 AND s.received_at < ?2),"
    " (SELECT count(*) FROM case_transitions WHERE to_state = 'ris_analysis'"
    "   AND from_state <> 'ris_analysis' AND at >= ?1 AND at < ?2),"
    " (SELECT count(*) FROM case_transitions WHERE to_state = 'not_confirmed'"
    "   AND from_state = 'ris_analysis' AND at >= ?1 AND at < ?2),"
    " (SELECT count(*) FROM cases WHERE registry_at >= ?1 AND registry_at < ?2),"
    " (SELECT count(*) FROM cases WHERE registry_at < ?2 AND (state <> 'closed'"
    "   OR updated_at >= ?2)),"
    " (SELECT count(*) FROM cases WHERE registry_at < ?2 AND high_risk = 1"
    "   AND state <> 'closed'),"
    " (SELECT count(*) FROM cases WHERE approved_at >= ?1 AND approved_at < ?2),"
    " (SELECT count(*) FROM case_monitoring WHERE recorded_at >= ?1"
    "   AND recorded_at < ?2),"
    " (SELECT count(*) FROM case_referrals WHERE opened_at >= ?1"
    "   AND opened_at < ?2),"
    " (SELECT count(*) FROM case_referrals WHERE opened_at >= ?1"
    "   AND opened_at < ?2 AND notified_at IS NOT NULL"
    "   AND notified_at - opened_at <= 7200000),"
    " (SELECT count(*) FROM case_referrals WHERE opened_at >= ?1"
    "   AND opened_at < ?2 AND verified_at IS NOT NULL"
    "   AND verified_at - notified_at <= 172800000),"
    " (SELECT count(*) FROM case_transitions WHERE to_state = 'closed'"
    "   AND at >= ?1 AND at < ?2)";

struct table *
cases_quarterly(struct store *st, int year, int quarter, int suppress)
{
	static const struct table_col cols[] = {
		{ "period", "Perioada" },
		{ "item", "Indicator" },
		{ "count", "Număr cazuri (familii)" },
	};
	static const char *const items[] = {
		"Fișe de observație primite (cazuri)",
		"Vizite la domiciliu cu fișa de identificare a riscurilor",
		"Suspiciuni neconfirmate (rămân în Observator)",
		"Cazuri înscrise în Registru în trimestru",
		"Cazuri în Registru la sfârșitul trimestrului",
		"Cazuri cu peste 10 riscuri (risc ridicat)",
		"Planuri de servicii aprobate prin dispoziție",
		"Vizite de monitorizare",
		"Sesizări DGASPC (suspiciuni de abuz, neglijare)",
		"Sesizări anunțate DGASPC în 2 ore",
		"Sesizări verificate de DGASPC în 48 de ore",
		"Cazuri închise",
	};
	struct store_sql *q;
	struct table *t;
	int64_t from, to;
	char period[16];

	if (quarter < 1 || quarter > 4 || year < 2000 || year > 2100)
		return NULL;
	from = year_start(year, (quarter - 1) * 3);
	to = year_start(year, quarter * 3);
	if ((q = store_sql_prepare(st, q_count_sql)) == NULL)
		return NULL;
	store_sql_bind_int64(q, 1, from);
	store_sql_bind_int64(q, 2, to);
	if (store_sql_step(q, "cases quarterly") != 1) {
		store_sql_done(q);
		return NULL;
	}
	t = table_new("quarterly_dgaspc", cols, NELEM(cols));
	snprintf(period, sizeof(period), "%d-T%d", year, quarter);
	for (size_t i = 0; i < NELEM(items); i++) {
		size_t r = table_add_row(t);

		table_set(t, r, 0, period);
		table_set(t, r, 1, items[i]);
		set_count(t, r, 2, store_sql_col_int64(q, (int)i), suppress);
	}
	store_sql_done(q);
	return t;
}

/* The A2.4 counts of one village. */
struct a24 {
	char *village;
	int64_t n[10];
};

struct table *
cases_annual(struct store *st, const struct sheet_table *it, int year,
    int suppress, int64_t now)
{
	static const struct table_col cols[] = {
		{ "village", "Sat / indicator" },
		{ "children_0_17", "Copii 0-17 ani (INS, se completează)" },
		{ "with_os", "Cu fișă de observație" },
		{ "os_12_months", "Cu fișă în ultimele 12 luni" },
		{ "observatory", "În Observator" },
		{ "suspected", "Suspectați de cel puțin un risc" },
		{ "ris_no_risk", "RIS: niciun risc confirmat" },
		{ "confirmed_1", "RIS: cel puțin un risc confirmat" },
		{ "confirmed_2_5", "2-5 riscuri confirmate" },
		{ "confirmed_6_10", "6-10 riscuri confirmate" },
		{ "confirmed_over_10", "Peste 10 riscuri confirmate" },
		{ "registry", "În Registru" },
	};
	struct a24 *v = NULL, total;
	size_t nv = 0;
	struct lcases l;
	struct table *t;
	struct store_sql *q;
	int64_t end = year_start(year, 12);

	(void)now;
	if (year < 2000 || year > 2100 || load_all(st, &l) != 0)
		return NULL;
	memset(&total, 0, sizeof(total));
	for (size_t i = 0; i < l.n; i++) {
		const struct cases_row *c = &l.v[i].c;
		const char *vil = c->village != NULL ? c->village :
		    "(sat necompletat)";
		struct a24 *a = NULL;
		int64_t add[10] = { 0 };

		if (c->opened_at >= end)
			continue;
		for (size_t k = 0; k < nv; k++) {
			if (same_name(v[k].village, vil))
				a = &v[k];
		}
		if (a == NULL) {
			v = xrealloc(v, (nv + 1) * sizeof(*v));
			a = &v[nv++];
			memset(a, 0, sizeof(*a));
			a->village = xstrdup(vil);
		}
		add[0] = 1;
		add[1] = c->last_sheet_at >= cases_add_months(end, -12);
		add[2] = 1;
		add[3] = c->suspected > 0;
		add[4] = c->confirmed == 0;
		add[5] = c->confirmed >= 1;
		add[6] = c->confirmed >= 2 && c->confirmed <= 5;
		add[7] = c->confirmed >= 6 && c->confirmed <= 10;
		add[8] = c->confirmed > 10;
		add[9] = c->registry_at != 0 && c->registry_at < end;
		for (int k = 0; k < 10; k++) {
			a->n[k] += add[k];
			total.n[k] += add[k];
		}
	}
	lcases_free(&l);
	t = table_new("annual_a24", cols, NELEM(cols));
	for (size_t k = 0; k <= nv; k++) {
		const struct a24 *a = k < nv ? &v[k] : &total;
		size_t r = table_add_row(t);

		table_set(t, r, 0, k < nv ? a->village : "Total comună");
		for (int j = 0; j < 10; j++)
			set_count(t, r, (size_t)j + 2, a->n[j], suppress);
	}
	for (size_t k = 0; k < nv; k++)
		free(v[k].village);
	free(v);
	/* Then the children per confirmed indicator (Table 1), in table
	 * order: one row each, the count in "registry". */
	if (it == NULL || (q = store_sql_prepare(st, ind_sql)) == NULL)
		return t;
	store_sql_bind_int64(q, 1, end);
	for (;;) {
		int rc = store_sql_step(q, "cases annual indicators");
		int idx;
		size_t r;

		if (rc != 1)
			break;
		idx = sheet_table_find_id(it, store_sql_col_text(q, 0));
		r = table_add_row(t);
		table_setf(t, r, 0, "Risc %s: %s", idx >= 0 ?
		    sheet_table_at(it, (size_t)idx)->code : "?", idx >= 0 ?
		    sheet_table_at(it, (size_t)idx)->label :
		    store_sql_col_text(q, 0));
		set_count(t, r, 11, store_sql_col_int64(q, 1), suppress);
	}
	store_sql_done(q);
	return t;
}
