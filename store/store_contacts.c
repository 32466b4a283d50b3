/*
 * store_contacts.c - people who wrote to or are written to by the gateway:
 * language, STOP opt-out, and the channel they last wrote to (outbound
 * routing prefers it, so a reply comes from the number they know).
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

#define CONTACT_DEFAULT_LANG "ro"

static const char create_sql[] =
    "INSERT INTO contacts (phone, language, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?3) ON CONFLICT DO NOTHING";
static const char get_sql[] =
    "SELECT id, phone, language, opted_out, last_channel FROM contacts"
    " WHERE phone = ?1";
/* The setters create a missing contact (with the default language), so
 * that an opt-out or a language choice is never lost. */
static const char set_channel_sql[] =
    "INSERT INTO contacts (phone, language, last_channel, created_at,"
    " updated_at) VALUES (?1, '" CONTACT_DEFAULT_LANG "', ?2, ?3, ?3)"
    " ON CONFLICT (phone) DO UPDATE SET last_channel = excluded.last_channel,"
    " updated_at = excluded.updated_at";
static const char set_lang_sql[] =
    "INSERT INTO contacts (phone, language, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?3)"
    " ON CONFLICT (phone) DO UPDATE SET language = excluded.language,"
    " updated_at = excluded.updated_at";
static const char set_opt_out_sql[] =
    "INSERT INTO contacts (phone, language, opted_out, created_at,"
    " updated_at) VALUES (?1, '" CONTACT_DEFAULT_LANG "', ?2, ?3, ?3)"
    " ON CONFLICT (phone) DO UPDATE SET opted_out = excluded.opted_out,"
    " updated_at = excluded.updated_at";

int
store_contact_find(struct store *st, const char *phone,
    struct store_contact *out)
{
	struct store_sql *q;
	int rc;

	memset(out, 0, sizeof(*out));
	q = store_sql_prepare(st, get_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	rc = store_sql_step(q, "contact find");
	if (rc == 1) {
		out->id = store_sql_col_int64(q, 0);
		out->phone = store_sql_col_strdup(q, 1);
		out->language = store_sql_col_strdup(q, 2);
		out->opted_out = store_sql_col_int(q, 3);
		out->last_channel = store_sql_col_strdup(q, 4);
	}
	store_sql_done(q);
	return rc;
}

int
store_contact_get(struct store *st, const char *phone,
    const char *default_lang, struct store_contact *out)
{
	struct store_sql *q;

	memset(out, 0, sizeof(*out));
	q = store_sql_prepare(st, create_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_text(q, 2, default_lang != NULL && default_lang[0] !=
	    '\0' ? default_lang : CONTACT_DEFAULT_LANG);
	store_sql_bind_int64(q, 3, clock_now_ms());
	if (store_sql_exec(q, "contact create") == -1)
		return -1;
	/* Just created or already there: a miss here is an error. */
	if (store_contact_find(st, phone, out) != 1)
		return -1;
	return 0;
}

/* Runs one of the setters' upserts: phone ?1, text or int ?2, time ?3. */
static int
contact_upsert(struct store *st, const char *sql, const char *phone,
    const char *text, int ival, int64_t now, const char *what)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	if (text != NULL)
		store_sql_bind_text(q, 2, text);
	else
		store_sql_bind_int(q, 2, ival);
	store_sql_bind_int64(q, 3, now);
	return store_sql_exec(q, what);
}

int
store_contact_set_channel(struct store *st, const char *phone,
    const char *channel, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, set_channel_sql);

	/* Not contact_upsert: a NULL channel binds SQL NULL, not 0. */
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	store_sql_bind_text(q, 2, channel);
	store_sql_bind_int64(q, 3, now);
	return store_sql_exec(q, "contact set channel");
}

int
store_contact_set_language(struct store *st, const char *phone,
    const char *lang)
{
	return contact_upsert(st, set_lang_sql, phone,
	    lang != NULL ? lang : CONTACT_DEFAULT_LANG, 0, clock_now_ms(),
	    "contact set language");
}

int
store_contact_set_opt_out(struct store *st, const char *phone, int out)
{
	return contact_upsert(st, set_opt_out_sql, phone, NULL, out != 0,
	    clock_now_ms(), "contact set opt-out");
}

void
store_contact_clear(struct store_contact *c)
{
	if (c == NULL)
		return;
	free(c->phone);
	free(c->language);
	free(c->last_channel);
	memset(c, 0, sizeof(*c));
}
