/*
 * store_dedup.c - keys of inbound parts already stored.
 *
 * The gateway claims a part's key in the same transaction that stores the
 * part; if the worker dies between that commit and the SIM delete, the
 * part is read again, its claim returns 0 and it is only acknowledged.
 * Keys are "<modem>:<location>:<digest>" (modem names hold no ':'), and
 * once the worker confirms the delete of a location its keys are released:
 * a message identical to one already stored is then a new message.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"
#include "util.h"

static const char claim_sql[] =
    "INSERT OR IGNORE INTO dedup (key, at) VALUES (?1, ?2)";
static const char release_sql[] =
    "DELETE FROM dedup WHERE key >= ?1 AND key < ?2";
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

int
store_dedup_release(struct store *st, const char *prefix, int *n_out)
{
	sqlite3_stmt *stmt;
	size_t n = strlen(prefix);
	char *hi;
	int rc;

	if (n_out != NULL)
		*n_out = 0;
	if (n == 0 || (unsigned char)prefix[n - 1] == 0xff)
		return -1;
	/* [prefix, prefix with its last byte + 1): the keys it starts. */
	hi = xmalloc(n + 1);
	memcpy(hi, prefix, n + 1);
	hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
	stmt = store_stmt(st, release_sql);
	if (stmt == NULL) {
		free(hi);
		return -1;
	}
	sqlite3_bind_text(stmt, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, hi, -1, SQLITE_STATIC);
	rc = store_exec_stmt(st, stmt, "dedup release");
	free(hi);
	if (rc == -1)
		return -1;
	if (n_out != NULL)
		*n_out = sqlite3_changes(st->db);
	return 0;
}
