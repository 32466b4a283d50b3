/*
 * store_dedup.c - keys of inbound parts already stored.
 *
 * The gateway claims a part's key in the same transaction that stores the
 * part; if the worker dies between that commit and the SIM delete, the
 * part is read again, its claim returns 0 and it is only acknowledged.
 * Keys are "<modem>:<location>:<digest>" (modem names hold no ':'), and
 * once the worker confirms the delete of a location its keys are released:
 * a message identical to one already stored is then a new message.
 *
 * SQL goes through store_sql.h only, in the subset both backends run
 * (docs: pg-portability): a duplicate is "ON CONFLICT DO NOTHING changed
 * no row", never a constraint error.  The release range compares keys
 * byte-wise: on PostgreSQL the database (or the key column) must use the
 * "C" collation, as SQLite's BINARY does.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_sql.h"
#include "util.h"

static const char claim_sql[] =
    "INSERT INTO dedup (key, at) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
static const char release_sql[] =
    "DELETE FROM dedup WHERE key >= ?1 AND key < ?2";
static const char prune_sql[] = "DELETE FROM dedup WHERE at < ?1";

int
store_dedup_claim(struct store *st, const char *key, int64_t now)
{
	struct store_sql *q;

	q = store_sql_prepare(st, claim_sql);
	if (q == NULL)
		return -1;
	if (store_sql_bind_text(q, 1, key) != 0 ||
	    store_sql_bind_int64(q, 2, now) != 0) {
		store_sql_done(q);
		return -1;
	}
	if (store_sql_exec(q, "dedup claim") == -1)
		return -1;
	return store_sql_changes(st) == 1;
}

int
store_dedup_prune(struct store *st, int64_t before)
{
	struct store_sql *q;

	q = store_sql_prepare(st, prune_sql);
	if (q == NULL)
		return -1;
	if (store_sql_bind_int64(q, 1, before) != 0) {
		store_sql_done(q);
		return -1;
	}
	return store_sql_exec(q, "dedup prune");
}

int
store_dedup_release(struct store *st, const char *prefix, int *n_out)
{
	struct store_sql *q;
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
	q = store_sql_prepare(st, release_sql);
	if (q == NULL) {
		free(hi);
		return -1;
	}
	if (store_sql_bind_text(q, 1, prefix) != 0 ||
	    store_sql_bind_text(q, 2, hi) != 0) {
		store_sql_done(q);
		free(hi);
		return -1;
	}
	rc = store_sql_exec(q, "dedup release");
	free(hi);
	if (rc == -1)
		return -1;
	if (n_out != NULL)
		*n_out = store_sql_changes(st);
	return 0;
}
