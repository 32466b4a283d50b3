/*
 * store_privacy.c - forgetting what must not be kept.
 */
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

static const char forget_sql[] = "UPDATE inbound SET text = NULL WHERE id = ?1";

int
store_inbound_forget(struct store *st, int64_t id)
{
	sqlite3_stmt *stmt = store_stmt(st, forget_sql);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return store_exec_stmt(st, stmt, "forget inbound text");
}
