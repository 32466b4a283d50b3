/*
 * store_users.c - the accounts of the web back office (gateway/web_*.c),
 * their sessions and the login throttle.
 *
 * The store keeps what the rules in gateway/web_auth.c decide on: a
 * password is stored only as libsodium's Argon2id string (hashed by the
 * caller), a session only as the hash of its cookie token, so a copy of
 * the database opens no session.  A login throttle row counts the wrong
 * passwords of one key ("user:NAME" or "addr:IP") and when the last one
 * was; the decision (how many, how long) is web_auth's.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store.h"
#include "store_int.h"
#include "table.h"
#include "util.h"

const char store_schema_users[] =
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"	/* login name */
    "  role TEXT NOT NULL,"		/* worker, head, mayor, admin */
    "  pw_hash TEXT NOT NULL,"		/* crypto_pwhash_str (Argon2id) */
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");";

const char store_schema_web_sessions[] =
    "CREATE TABLE web_sessions ("
    "  token_hash TEXT PRIMARY KEY,"	/* hex hash of the cookie token */
    "  user_id INTEGER NOT NULL,"
    "  csrf TEXT NOT NULL,"		/* the forms' token */
    "  created_at INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX web_sessions_user ON web_sessions(user_id);"
    "CREATE TABLE web_login_failures ("
    "  key TEXT PRIMARY KEY,"		/* "user:NAME", "addr:IP" */
    "  failures INTEGER NOT NULL,"
    "  last_at INTEGER NOT NULL"
    ") WITHOUT ROWID;";

static const char user_add_sql[] =
    "INSERT OR IGNORE INTO users (name, role, pw_hash, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?4)";
static const char user_get_sql[] =
    "SELECT id, name, role, pw_hash, active, created_at FROM users"
    " WHERE name = ?1";
static const char user_get_id_sql[] =
    "SELECT id, name, role, pw_hash, active, created_at FROM users"
    " WHERE id = ?1";
static const char user_pw_sql[] =
    "UPDATE users SET pw_hash = ?2, updated_at = ?3 WHERE name = ?1";
static const char user_active_sql[] =
    "UPDATE users SET active = ?2, updated_at = ?3 WHERE name = ?1";
static const char user_list_sql[] =
    "SELECT id, name, role, active, created_at FROM users ORDER BY name";
static const char sess_add_sql[] =
    "INSERT INTO web_sessions (token_hash, user_id, csrf, created_at,"
    " last_seen) VALUES (?1, ?2, ?3, ?4, ?4)";
static const char sess_get_sql[] =
    "SELECT user_id, csrf, created_at, last_seen FROM web_sessions"
    " WHERE token_hash = ?1";
static const char sess_touch_sql[] =
    "UPDATE web_sessions SET last_seen = ?2 WHERE token_hash = ?1";
static const char sess_del_sql[] =
    "DELETE FROM web_sessions WHERE token_hash = ?1";
static const char sess_del_user_sql[] =
    "DELETE FROM web_sessions WHERE user_id = ?1";
static const char sess_prune_sql[] =
    "DELETE FROM web_sessions WHERE last_seen < ?1 OR created_at < ?2";
static const char fail_get_sql[] =
    "SELECT failures, last_at FROM web_login_failures WHERE key = ?1";
static const char fail_add_sql[] =
    "INSERT INTO web_login_failures (key, failures, last_at)"
    " VALUES (?1, 1, ?2) ON CONFLICT(key) DO UPDATE"
    " SET failures = failures + 1, last_at = ?2";
static const char fail_reset_sql[] =
    "DELETE FROM web_login_failures WHERE key = ?1";

static int
user_row(struct store *st, sqlite3_stmt *stmt, struct store_user *out,
    const char *what)
{
	int rc = sqlite3_step(stmt);

	memset(out, 0, sizeof(*out));
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(stmt, 0);
		out->name = store_col_strdup(stmt, 1);
		out->role = store_col_strdup(stmt, 2);
		out->pw_hash = store_col_strdup(stmt, 3);
		out->active = sqlite3_column_int(stmt, 4);
		out->created_at = sqlite3_column_int64(stmt, 5);
	}
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_log_error(st, what);
	return -1;
}

int
store_user_add(struct store *st, const char *name, const char *role,
    const char *pw_hash, int64_t now)
{
	sqlite3_stmt *stmt = store_stmt(st, user_add_sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, name);
	store_bind_text(stmt, 2, role);
	store_bind_text(stmt, 3, pw_hash);
	sqlite3_bind_int64(stmt, 4, now);
	if (store_exec_stmt(st, stmt, "user add") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int
store_user_get(struct store *st, const char *name, struct store_user *out)
{
	sqlite3_stmt *stmt = store_stmt(st, user_get_sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, name);
	return user_row(st, stmt, out, "user get");
}

int
store_user_get_id(struct store *st, int64_t id, struct store_user *out)
{
	sqlite3_stmt *stmt = store_stmt(st, user_get_id_sql);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	return user_row(st, stmt, out, "user get");
}

static int
user_update(struct store *st, const char *sql, const char *name,
    const char *text, int64_t ival, int64_t now)
{
	sqlite3_stmt *stmt = store_stmt(st, sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, name);
	if (text != NULL)
		store_bind_text(stmt, 2, text);
	else
		sqlite3_bind_int64(stmt, 2, ival);
	sqlite3_bind_int64(stmt, 3, now);
	if (store_exec_stmt(st, stmt, "user update") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int
store_user_set_password(struct store *st, const char *name,
    const char *pw_hash, int64_t now)
{
	return user_update(st, user_pw_sql, name, pw_hash, 0, now);
}

int
store_user_set_active(struct store *st, const char *name, int active,
    int64_t now)
{
	return user_update(st, user_active_sql, name, NULL, active ? 1 : 0,
	    now);
}

void
store_user_clear(struct store_user *u)
{
	if (u == NULL)
		return;
	free(u->name);
	free(u->role);
	free(u->pw_hash);
	memset(u, 0, sizeof(*u));
}

static const struct table_col user_cols[] = {
	{ "id", "Nr." }, { "name", "Utilizator" }, { "role", "Rol" },
	{ "active", "Activ" }, { "created", "Creat la (UTC)" },
};

static int
user_list_row(sqlite3_stmt *stmt, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char when[32];

	table_setf(t, r, 0, "%lld", (long long)sqlite3_column_int64(stmt, 0));
	table_set(t, r, 1, (const char *)sqlite3_column_text(stmt, 1));
	table_set(t, r, 2, (const char *)sqlite3_column_text(stmt, 2));
	table_set(t, r, 3, sqlite3_column_int(stmt, 3) ? "da" : "nu");
	table_set(t, r, 4, clock_fmt_utc(sqlite3_column_int64(stmt, 4) / 1000,
	    when, sizeof(when)));
	return 0;
}

struct table *
store_user_list(struct store *st)
{
	struct table *t = table_new("users", user_cols,
	    sizeof(user_cols) / sizeof(user_cols[0]));
	sqlite3_stmt *stmt = store_stmt(st, user_list_sql);

	if (stmt == NULL || store_walk(st, stmt, user_list_row, t,
	    "user list") == -1) {
		table_free(t);
		return NULL;
	}
	return t;
}

int
store_web_session_add(struct store *st, const char *token_hash,
    int64_t user_id, const char *csrf, int64_t now)
{
	sqlite3_stmt *stmt = store_stmt(st, sess_add_sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, token_hash);
	sqlite3_bind_int64(stmt, 2, user_id);
	store_bind_text(stmt, 3, csrf);
	sqlite3_bind_int64(stmt, 4, now);
	return store_exec_stmt(st, stmt, "web session add");
}

int
store_web_session_get(struct store *st, const char *token_hash,
    struct store_web_session *out)
{
	sqlite3_stmt *stmt = store_stmt(st, sess_get_sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, token_hash);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const unsigned char *c = sqlite3_column_text(stmt, 1);

		out->user_id = sqlite3_column_int64(stmt, 0);
		strlcpy_s(out->csrf, c != NULL ? (const char *)c : "",
		    sizeof(out->csrf));
		out->created_at = sqlite3_column_int64(stmt, 2);
		out->last_seen = sqlite3_column_int64(stmt, 3);
	}
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_log_error(st, "web session get");
	return -1;
}

static int
sess_exec_text(struct store *st, const char *sql, const char *key,
    int64_t v, int bind_v, const char *what)
{
	sqlite3_stmt *stmt = store_stmt(st, sql);

	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, key);
	if (bind_v)
		sqlite3_bind_int64(stmt, 2, v);
	return store_exec_stmt(st, stmt, what);
}

int
store_web_session_touch(struct store *st, const char *token_hash,
    int64_t now)
{
	return sess_exec_text(st, sess_touch_sql, token_hash, now, 1,
	    "web session touch");
}

int
store_web_session_delete(struct store *st, const char *token_hash)
{
	return sess_exec_text(st, sess_del_sql, token_hash, 0, 0,
	    "web session delete");
}

int
store_web_session_delete_user(struct store *st, int64_t user_id)
{
	return store_exec_i64(st, sess_del_user_sql, user_id,
	    "web session delete");
}

int
store_web_session_prune(struct store *st, int64_t idle_before,
    int64_t created_before)
{
	sqlite3_stmt *stmt = store_stmt(st, sess_prune_sql);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, idle_before);
	sqlite3_bind_int64(stmt, 2, created_before);
	return store_exec_stmt(st, stmt, "web session prune");
}

int
store_login_failures(struct store *st, const char *key, int64_t *failures,
    int64_t *last_at)
{
	sqlite3_stmt *stmt = store_stmt(st, fail_get_sql);
	int rc;

	*failures = 0;
	*last_at = 0;
	if (stmt == NULL)
		return -1;
	store_bind_text(stmt, 1, key);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*failures = sqlite3_column_int64(stmt, 0);
		*last_at = sqlite3_column_int64(stmt, 1);
	}
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	store_log_error(st, "login failures");
	return -1;
}

int
store_login_fail(struct store *st, const char *key, int64_t now)
{
	return sess_exec_text(st, fail_add_sql, key, now, 1, "login failure");
}

int
store_login_reset(struct store *st, const char *key)
{
	return sess_exec_text(st, fail_reset_sql, key, 0, 0, "login reset");
}
