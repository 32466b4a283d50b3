/*
 * store_inbound.c - complete inbound messages (SMS after reassembly,
 * undecodable PDUs, and messages from other channels).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"

static void inbound_from_row(sqlite3_stmt *, struct store_inbound *);

static const char add_sql[] =
    "INSERT INTO inbound (received_at, channel, sender, text, parts,"
    " incomplete, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char list_sql[] =
    "SELECT id, received_at, channel, sender, text, parts, incomplete, kind"
    " FROM inbound ORDER BY id DESC LIMIT ?1";
static const char count_sql[] = "SELECT count(*) FROM inbound";

int
store_inbound_add(struct store *st, struct store_inbound *in)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, add_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, in->received_at);
	store_bind_text(stmt, 2, in->channel != NULL ? in->channel : "");
	store_bind_text(stmt, 3, in->sender != NULL ? in->sender : "");
	store_bind_text(stmt, 4, in->text);
	sqlite3_bind_int(stmt, 5, in->parts > 0 ? in->parts : 1);
	sqlite3_bind_int(stmt, 6, in->incomplete != 0);
	store_bind_text(stmt, 7, in->kind != NULL ? in->kind : "sms");
	if (store_exec_stmt(st, stmt, "inbound add") == -1)
		return -1;
	in->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static void
inbound_from_row(sqlite3_stmt *stmt, struct store_inbound *in)
{
	memset(in, 0, sizeof(*in));
	in->id = sqlite3_column_int64(stmt, 0);
	in->received_at = sqlite3_column_int64(stmt, 1);
	in->channel = store_col_strdup(stmt, 2);
	in->sender = store_col_strdup(stmt, 3);
	in->text = store_col_strdup(stmt, 4);
	in->parts = sqlite3_column_int(stmt, 5);
	in->incomplete = sqlite3_column_int(stmt, 6);
	in->kind = store_col_strdup(stmt, 7);
}

struct inbound_walk {
	store_inbound_cb *cb;
	void *arg;
};

static int
inbound_walk_row(sqlite3_stmt *stmt, void *p)
{
	struct inbound_walk *w = p;
	struct store_inbound in;
	int stop;

	inbound_from_row(stmt, &in);
	stop = w->cb(&in, w->arg);
	store_inbound_clear(&in);
	return stop;
}

int
store_inbound_list(struct store *st, int limit, store_inbound_cb *cb,
    void *arg)
{
	struct inbound_walk w = { cb, arg };
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, list_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, limit > 0 ? limit : -1);
	return store_walk(st, stmt, inbound_walk_row, &w, "inbound list");
}

int
store_inbound_count(struct store *st, int64_t *out)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, count_sql);
	if (stmt == NULL)
		return -1;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		store_log_error(st, "inbound count");
		store_stmt_done(stmt);
		return -1;
	}
	*out = sqlite3_column_int64(stmt, 0);
	store_stmt_done(stmt);
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
