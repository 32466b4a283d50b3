/*
 * store_inbound.c - complete inbound messages (SMS after reassembly,
 * undecodable PDUs, and messages from other channels).
 *
 * SQL goes through store_sql.h only, in the subset SQLite and PostgreSQL
 * both run: the new id comes back with RETURNING (no last-rowid call),
 * and "no limit" is the largest int64, since neither LIMIT -1 nor a
 * negative limit is accepted by PostgreSQL.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_sql.h"

static void inbound_from_row(struct store_sql *, struct store_inbound *);

static const char add_sql[] =
    "INSERT INTO inbound (received_at, channel, sender, text, parts,"
    " incomplete, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id";
static const char list_sql[] =
    "SELECT id, received_at, channel, sender, text, parts, incomplete, kind"
    " FROM inbound ORDER BY id DESC LIMIT ?1";
static const char count_sql[] = "SELECT count(*) FROM inbound";

int
store_inbound_add(struct store *st, struct store_inbound *in)
{
	struct store_sql *q;
	int64_t id;
	int rc;

	q = store_sql_prepare(st, add_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, in->received_at);
	store_sql_bind_text(q, 2, in->channel != NULL ? in->channel : "");
	store_sql_bind_text(q, 3, in->sender != NULL ? in->sender : "");
	store_sql_bind_text(q, 4, in->text);
	store_sql_bind_int(q, 5, in->parts > 0 ? in->parts : 1);
	store_sql_bind_int(q, 6, in->incomplete != 0);
	store_sql_bind_text(q, 7, in->kind != NULL ? in->kind : "sms");
	if (store_sql_step(q, "inbound add") != 1) {
		store_sql_done(q);
		return -1;
	}
	id = store_sql_col_int64(q, 0);
	rc = store_sql_step(q, "inbound add");
	store_sql_done(q);
	if (rc != 0)
		return -1;
	in->id = id;
	return 0;
}

static void
inbound_from_row(struct store_sql *q, struct store_inbound *in)
{
	memset(in, 0, sizeof(*in));
	in->id = store_sql_col_int64(q, 0);
	in->received_at = store_sql_col_int64(q, 1);
	in->channel = store_sql_col_strdup(q, 2);
	in->sender = store_sql_col_strdup(q, 3);
	in->text = store_sql_col_strdup(q, 4);
	in->parts = store_sql_col_int(q, 5);
	in->incomplete = store_sql_col_int(q, 6);
	in->kind = store_sql_col_strdup(q, 7);
}

struct inbound_walk {
	store_inbound_cb *cb;
	void *arg;
};

static int
inbound_walk_row(struct store_sql *q, void *p)
{
	struct inbound_walk *w = p;
	struct store_inbound in;
	int stop;

	inbound_from_row(q, &in);
	stop = w->cb(&in, w->arg);
	store_inbound_clear(&in);
	return stop;
}

int
store_inbound_list(struct store *st, int limit, store_inbound_cb *cb,
    void *arg)
{
	struct inbound_walk w = { cb, arg };
	struct store_sql *q;

	q = store_sql_prepare(st, list_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, limit > 0 ? limit : INT64_MAX);
	return store_sql_walk(q, inbound_walk_row, &w, "inbound list");
}

int
store_inbound_count(struct store *st, int64_t *out)
{
	struct store_sql *q;

	q = store_sql_prepare(st, count_sql);
	if (q == NULL)
		return -1;
	if (store_sql_step(q, "inbound count") != 1) {
		store_sql_done(q);
		return -1;
	}
	*out = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return 0;
}

void
store_inbound_clear(struct store_inbound *in)
{
	if (in == NULL)
		return;
	free(in->channel);
	free(in->sender);
	free(in->text);
	free(in->kind);
	memset(in, 0, sizeof(*in));
}
