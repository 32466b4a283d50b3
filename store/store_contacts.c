/*
 * store_contacts.c - people who wrote to or are written to by the gateway:
 * language, STOP opt-out, and the channel they last wrote to (outbound
 * routing prefers it, so a reply comes from the number they know).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#define CONTACT_DEFAULT_LANG "ro"

static const char create_sql[] =
    "INSERT OR IGNORE INTO contacts (phone, language, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?3)";
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
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	stmt = store_stmt(st, get_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		store_stmt_done(stmt);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		store_log_error(st, "contact find");
		store_stmt_done(stmt);
		return -1;
	}
	out->id = sqlite3_column_int64(stmt, 0);
	out->phone = store_col_strdup(stmt, 1);
	out->language = store_col_strdup(stmt, 2);
	out->opted_out = sqlite3_column_int(stmt, 3);
	out->last_channel = store_col_strdup(stmt, 4);
	store_stmt_done(stmt);
	return 1;
}

int
store_contact_get(struct store *st, const char *phone,
    const char *default_lang, struct store_contact *out)
{
	sqlite3_stmt *stmt;

	memset(out, 0, sizeof(*out));
	stmt = store_stmt(st, create_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	store_bind_text(stmt, 2, default_lang != NULL && default_lang[0] !=
	    '\0' ? default_lang : CONTACT_DEFAULT_LANG);
	sqlite3_bind_int64(stmt, 3, clock_now_ms());
	if (store_exec_stmt(st, stmt, "contact create") == -1)
		return -1;
	/* Just created or already there: a miss here is an error. */
	if (store_contact_find(st, phone, out) != 1)
		return -1;
	return 0;
}

int
store_contact_set_channel(struct store *st, const char *phone,
    const char *channel, int64_t now)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, set_channel_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	store_bind_text(stmt, 2, channel);
	sqlite3_bind_int64(stmt, 3, now);
	return store_exec_stmt(st, stmt, "contact set channel");
}

int
store_contact_set_language(struct store *st, const char *phone,
    const char *lang)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, set_lang_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	store_bind_text(stmt, 2, lang != NULL ? lang : CONTACT_DEFAULT_LANG);
	sqlite3_bind_int64(stmt, 3, clock_now_ms());
	return store_exec_stmt(st, stmt, "contact set language");
}

int
store_contact_set_opt_out(struct store *st, const char *phone, int out)
{
	sqlite3_stmt *stmt;

	stmt = store_stmt(st, set_opt_out_sql);
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, phone);
	sqlite3_bind_int(stmt, 2, out != 0);
	sqlite3_bind_int64(stmt, 3, clock_now_ms());
	return store_exec_stmt(st, stmt, "contact set opt-out");
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
