/*
 * store_dedup.c - keys of inbound parts already stored.
 *
 * The gateway claims a part's key in the same transaction that stores the
 * part; if the worker dies between that commit and the SIM delete, the
 * part is read again, its claim returns 0 and it is only acknowledged.
 */
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

static const char claim_sql[] =
    "INSERT OR IGNORE INTO dedup (key, at) VALUES (?1, ?2)";
static const char prune_sql[] = "DELETE FROM dedup WHERE at < ?1";

int
store_dedup_claim(struct store *st, const char *key, int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, claim_sql);
	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, now);
	if (store_exec_stmt(st, stmt, "dedup claim") == -1)
		return -1;
	return sqlite3_changes(st->db) == 1;
}

int
store_dedup_prune(struct store *st, int64_t before)
{
	return store_exec_i64(st, prune_sql, before, "dedup prune");
}
