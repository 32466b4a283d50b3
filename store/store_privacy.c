/*
 * store_privacy.c - forgetting what must not be kept.
 *
 * A refused stranger (a number not enrolled that sent a report) leaves
 * no trace: the inbound row keeps its id, time and channel but neither
 * sender nor text, a contact row created for that message goes, and the
 * one refusal SMS keeps its recipient only until it has been sent (or
 * given up): then store_outbox_forget_done blanks it.
 */
#include "store.h"
#include "store_int.h"
#include "store_sql.h"

static const char forget_sql[] = "UPDATE inbound SET text = NULL WHERE id = ?1";
static const char forget_sender_sql[] =
    "UPDATE inbound SET sender = '', text = NULL WHERE id = ?1";
static const char contact_forget_sql[] =
    "DELETE FROM contacts WHERE phone = ?1 AND created_at >= ?2";
static const char outbox_forget_sql[] =
    "INSERT INTO outbox_forget (in_reply_to) VALUES (?1)"
    " ON CONFLICT DO NOTHING";
/* States 0 and 1 (queued, sending) still need the recipient. */
static const char outbox_blank_sql[] =
    "UPDATE outbox SET recipient = '' WHERE recipient <> ''"
    " AND state NOT IN (0, 1)"
    " AND in_reply_to IN (SELECT in_reply_to FROM outbox_forget)";
static const char outbox_forget_done_sql[] =
    "DELETE FROM outbox_forget WHERE NOT EXISTS (SELECT 1 FROM outbox"
    " WHERE outbox.in_reply_to = outbox_forget.in_reply_to"
    " AND outbox.recipient <> '')";

int
store_inbound_forget(struct store *st, int64_t id)
{
	return store_exec_i64(st, forget_sql, id, "forget inbound text");
}

int
store_inbound_forget_sender(struct store *st, int64_t id)
{
	return store_exec_i64(st, forget_sender_sql, id,
	    "forget inbound sender");
}

int
store_contact_forget_new(struct store *st, const char *phone, int64_t since)
{
	struct store_sql *q = store_sql_prepare(st, contact_forget_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_int64(q, 2, since);
	return store_sql_exec(q, "forget new contact");
}

int
store_outbox_forget_after_send(struct store *st, int64_t inbound_id)
{
	return store_exec_i64(st, outbox_forget_sql, inbound_id,
	    "outbox forget after send");
}

int
store_outbox_forget_done(struct store *st, int *n_out)
{
	struct store_sql *q = store_sql_prepare(st, outbox_blank_sql);

	*n_out = 0;
	if (q == NULL || store_sql_exec(q, "outbox blank") == -1)
		return -1;
	*n_out = store_sql_changes(st);
	q = store_sql_prepare(st, outbox_forget_done_sql);
	if (q == NULL)
		return -1;
	return store_sql_exec(q, "outbox forget done");
}
