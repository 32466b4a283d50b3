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
	return store_exec_i64(st, forget_sql, id, "forget inbound text");
}
