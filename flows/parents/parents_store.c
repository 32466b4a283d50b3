/*
 * parents_store.c - the service's tables (migrations "parents_0001_...")
 * and the small queries the rules share, on the store seam store_sql.h.
 *
 *   parents_notices      one AbsenceNotice: the 4.2 fields, state, flags
 *   parents_children     first name and birth year (no CNP by SMS)
 *   parents_transitions  every state change: who, when, why
 *   parents_messages     message history: out / in / call (the cap counts
 *                        "out" and "call" rows per person and month)
 *   parents_pending      the question a person's next reply answers
 *   parents_refusals     a caretaker's refusal: all that stays of them
 */
#include <stdio.h>
#include <string.h>

#include "parents_int.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

static const char parents_schema[] =
    "CREATE TABLE parents_notices ("
    " id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE,"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    " channel TEXT NOT NULL, entered_by TEXT,"
    " state INTEGER NOT NULL, flags INTEGER NOT NULL DEFAULT 0,"
    " notice_days INTEGER NOT NULL,"
    " parent_name TEXT NOT NULL, parent_phone TEXT NOT NULL,"
    " phone_abroad TEXT, role INTEGER, sole_authority INTEGER,"
    " lives_with INTEGER, other_parent INTEGER, commune TEXT,"
    " departure TEXT NOT NULL, country TEXT NOT NULL, return_date TEXT,"
    " caretaker_name TEXT, caretaker_phone TEXT, caretaker_rel INTEGER,"
    " caretaker_adult INTEGER, caretaker_lives INTEGER,"
    " caretaker_status TEXT NOT NULL DEFAULT 'pending',"
    " voice_only INTEGER NOT NULL DEFAULT 0, court INTEGER,"
    " language INTEGER, n6_answer INTEGER,"
    " n9_fours INTEGER NOT NULL DEFAULT 0,"
    " n9_missed INTEGER NOT NULL DEFAULT 0,"
    " n11_missed INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX parents_notices_parent ON parents_notices(parent_phone);"
    "CREATE INDEX parents_notices_caretaker ON"
    " parents_notices(caretaker_phone);"
    "CREATE TABLE parents_children ("
    " id INTEGER PRIMARY KEY, notice_id INTEGER NOT NULL"
    " REFERENCES parents_notices(id), name TEXT NOT NULL,"
    " birth_year INTEGER NOT NULL);"
    "CREATE TABLE parents_transitions ("
    " id INTEGER PRIMARY KEY, notice_id INTEGER NOT NULL,"
    " at INTEGER NOT NULL, from_state TEXT, to_state TEXT NOT NULL,"
    " who TEXT NOT NULL, why TEXT NOT NULL);"
    "CREATE INDEX parents_transitions_notice ON"
    " parents_transitions(notice_id);"
    "CREATE TABLE parents_messages ("
    " id INTEGER PRIMARY KEY, notice_id INTEGER NOT NULL,"
    " at INTEGER NOT NULL, phone TEXT NOT NULL, nid TEXT NOT NULL,"
    " direction TEXT NOT NULL, answer TEXT);"
    "CREATE INDEX parents_messages_phone ON parents_messages(phone, at);"
    "CREATE TABLE parents_pending ("
    " phone TEXT PRIMARY KEY, notice_id INTEGER NOT NULL,"
    " nid TEXT NOT NULL, asked_at INTEGER NOT NULL);"
    "CREATE TABLE parents_refusals ("
    " id INTEGER PRIMARY KEY, notice_id INTEGER NOT NULL,"
    " at INTEGER NOT NULL, phone TEXT NOT NULL);";

const struct store_migration parents_migrations[] = {
	{ "parents_0001_tables", parents_schema, NULL },
	{ NULL, NULL, NULL },
};

static const char load_sql[] =
    "SELECT id, number, state, flags, created_at, parent_name,"
    " parent_phone, coalesce(phone_abroad, ''), departure, country,"
    " coalesce(return_date, ''), coalesce(caretaker_name, ''),"
    " coalesce(caretaker_phone, ''), caretaker_status, voice_only,"
    " n9_fours, n9_missed, n11_missed,"
    " (SELECT count(*) FROM parents_children c WHERE c.notice_id = n.id)"
    " FROM parents_notices n WHERE id = ?1";

static void
col_copy(struct store_sql *q, int col, char *out, size_t len)
{
	const char *s = store_sql_col_text(q, col);

	strlcpy_s(out, s != NULL ? s : "", len);
}

int
parents_row_load(struct store *st, int64_t id, struct parents_row *r)
{
	struct store_sql *q = store_sql_prepare(st, load_sql);
	int rc;

	memset(r, 0, sizeof(*r));
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	rc = store_sql_step(q, "parents: load notice");
	if (rc == 1) {
		r->id = store_sql_col_int64(q, 0);
		col_copy(q, 1, r->number, sizeof(r->number));
		r->state = store_sql_col_int(q, 2);
		r->flags = store_sql_col_int(q, 3);
		r->created_at = store_sql_col_int64(q, 4);
		col_copy(q, 5, r->parent_name, sizeof(r->parent_name));
		col_copy(q, 6, r->parent_phone, sizeof(r->parent_phone));
		col_copy(q, 7, r->phone_abroad, sizeof(r->phone_abroad));
		col_copy(q, 8, r->departure, sizeof(r->departure));
		col_copy(q, 9, r->country, sizeof(r->country));
		col_copy(q, 10, r->return_date, sizeof(r->return_date));
		col_copy(q, 11, r->caretaker_name, sizeof(r->caretaker_name));
		col_copy(q, 12, r->caretaker_phone,
		    sizeof(r->caretaker_phone));
		col_copy(q, 13, r->caretaker_status,
		    sizeof(r->caretaker_status));
		r->voice_only = store_sql_col_int(q, 14);
		r->n9_fours = store_sql_col_int(q, 15);
		r->n9_missed = store_sql_col_int(q, 16);
		r->n11_missed = store_sql_col_int(q, 17);
		r->nchildren = store_sql_col_int(q, 18);
	}
	store_sql_done(q);
	return rc;
}

/* One statement per settable column: SQL never takes a column name as a
 * parameter, and a fixed list keeps callers from naming any other. */
static const char set_state_sql[] =
    "UPDATE parents_notices SET state = ?2, updated_at = ?3 WHERE id = ?1";
static const char set_flags_sql[] =
    "UPDATE parents_notices SET flags = ?2, updated_at = ?3 WHERE id = ?1";
static const char set_voice_sql[] =
    "UPDATE parents_notices SET voice_only = ?2, updated_at = ?3 "
    "WHERE id = ?1";
static const char set_n6_sql[] =
    "UPDATE parents_notices SET n6_answer = ?2, updated_at = ?3 "
    "WHERE id = ?1";
static const char set_fours_sql[] =
    "UPDATE parents_notices SET n9_fours = ?2, updated_at = ?3 "
    "WHERE id = ?1";
static const char set_n9m_sql[] =
    "UPDATE parents_notices SET n9_missed = ?2, updated_at = ?3 "
    "WHERE id = ?1";
static const char set_n11m_sql[] =
    "UPDATE parents_notices SET n11_missed = ?2, updated_at = ?3 "
    "WHERE id = ?1";
static const char set_dep_sql[] =
    "UPDATE parents_notices SET departure = ?2, updated_at = ?3 "
    "WHERE id = ?1";
static const char set_ret_sql[] =
    "UPDATE parents_notices SET return_date = ?2, updated_at = ?3 "
    "WHERE id = ?1";
static const char set_cstatus_sql[] =
    "UPDATE parents_notices SET caretaker_status = ?2, updated_at = ?3 "
    "WHERE id = ?1";
static const char set_abroad_sql[] =
    "UPDATE parents_notices SET phone_abroad = ?2, updated_at = ?3 "
    "WHERE id = ?1";

static const struct {
	const char *col;
	const char *sql;
} parents_cols[] = {
	{ "state", set_state_sql }, { "flags", set_flags_sql },
	{ "voice_only", set_voice_sql }, { "n6_answer", set_n6_sql },
	{ "n9_fours", set_fours_sql }, { "n9_missed", set_n9m_sql },
	{ "n11_missed", set_n11m_sql }, { "departure", set_dep_sql },
	{ "return_date", set_ret_sql },
	{ "caretaker_status", set_cstatus_sql },
	{ "phone_abroad", set_abroad_sql },
};

static struct store_sql *
set_prepare(struct store *st, const char *col)
{
	for (size_t i = 0; i < NELEM(parents_cols); i++) {
		if (strcmp(parents_cols[i].col, col) == 0)
			return store_sql_prepare(st, parents_cols[i].sql);
	}
	return NULL;
}

int
parents_row_set_int(struct store *st, int64_t id, const char *col, int v,
    int64_t now)
{
	struct store_sql *q = set_prepare(st, col);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_int(q, 2, v);
	store_sql_bind_int64(q, 3, now);
	return store_sql_exec(q, "parents: update notice");
}

int
parents_row_set_text(struct store *st, int64_t id, const char *col,
    const char *v, int64_t now)
{
	struct store_sql *q = set_prepare(st, col);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, v);
	store_sql_bind_int64(q, 3, now);
	return store_sql_exec(q, "parents: update notice");
}

static const char msg_sql[] =
    "INSERT INTO parents_messages (notice_id, at, phone, nid, direction,"
    " answer) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int
parents_msg_log(struct store *st, int64_t id, const char *phone,
    const char *nid, const char *dir, const char *answer, int64_t at)
{
	struct store_sql *q = store_sql_prepare(st, msg_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_int64(q, 2, at);
	store_sql_bind_text(q, 3, phone);
	store_sql_bind_text(q, 4, nid);
	store_sql_bind_text(q, 5, dir);
	store_sql_bind_text(q, 6, answer);
	return store_sql_exec(q, "parents: log message");
}

static const char pend_get_sql[] =
    "SELECT notice_id, nid FROM parents_pending WHERE phone = ?1";
static const char pend_put_sql[] =
    "INSERT INTO parents_pending (phone, notice_id, nid, asked_at)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (phone) DO UPDATE SET"
    " notice_id = excluded.notice_id, nid = excluded.nid,"
    " asked_at = excluded.asked_at";
static const char pend_drop_sql[] =
    "DELETE FROM parents_pending WHERE phone = ?1";

int
parents_pending_get(struct store *st, const char *phone, int64_t *id,
    char *nid, size_t nidlen)
{
	struct store_sql *q = store_sql_prepare(st, pend_get_sql);
	int rc;

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	rc = store_sql_step(q, "parents: pending");
	if (rc == 1) {
		*id = store_sql_col_int64(q, 0);
		col_copy(q, 1, nid, nidlen);
	}
	store_sql_done(q);
	return rc;
}

int
parents_pending_put(struct store *st, const char *phone, int64_t id,
    const char *nid, int64_t at)
{
	struct store_sql *q = store_sql_prepare(st, pend_put_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int64(q, 2, id);
	store_sql_bind_text(q, 3, nid);
	store_sql_bind_int64(q, 4, at);
	return store_sql_exec(q, "parents: pending put");
}

int
parents_pending_drop(struct store *st, const char *phone)
{
	struct store_sql *q = store_sql_prepare(st, pend_drop_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	return store_sql_exec(q, "parents: pending drop");
}

static const char answered_sql[] =
    "SELECT count(*) FROM parents_messages WHERE notice_id = ?1 AND"
    " nid = ?2 AND direction = 'in' AND at >= ?3";

int
parents_answered_since(struct store *st, int64_t id, const char *nid,
    int64_t since)
{
	struct store_sql *q = store_sql_prepare(st, answered_sql);
	int rc;

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, nid);
	store_sql_bind_int64(q, 3, since);
	rc = store_sql_step(q, "parents: answered");
	if (rc == 1)
		rc = store_sql_col_int(q, 0) > 0;
	store_sql_done(q);
	return rc;
}

int
parents_task(struct store *st, int64_t id, const char *kind,
    const char *title, int64_t due, int64_t now)
{
	struct store_task t;
	char ref[48];

	snprintf(ref, sizeof(ref), "parents:%lld", (long long)id);
	memset(&t, 0, sizeof(t));
	t.service = PARENTS_OWNER;
	t.kind = kind;
	t.ref = ref;
	t.title = title;
	t.created_at = now;
	t.due_at = due;
	return store_task_open(st, &t) > 0 ? 0 : -1;
}

int
parents_state_abroad(int s)
{
	return s == PARENTS_DEPARTED || s == PARENTS_ABROAD ||
	    s == PARENTS_RETURN_DUE || s == PARENTS_EXTENDED;
}

int
parents_state_final(int s)
{
	return s == PARENTS_RETURNED || s == PARENTS_CLOSED ||
	    s == PARENTS_CANCELLED;
}
