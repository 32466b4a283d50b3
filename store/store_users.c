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
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store.h"
#include "store_sql.h"
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

/* A taken name inserts nothing: store_sql_changes() tells (portable: no
 * constraint error code to interpret). */
static const char user_add_sql[] =
    "INSERT INTO users (name, role, pw_hash, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT DO NOTHING";
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
/* The old row's columns are qualified: PostgreSQL finds a bare name
 * ambiguous beside excluded's. */
static const char fail_add_sql[] =
    "INSERT INTO web_login_failures (key, failures, last_at)"
    " VALUES (?1, 1, ?2) ON CONFLICT (key) DO UPDATE"
    " SET failures = web_login_failures.failures + 1,"
    " last_at = excluded.last_at";
static const char fail_reset_sql[] =
    "DELETE FROM web_login_failures WHERE key = ?1";

static int
user_row(struct store_sql *q, struct store_user *out, const char *what)
{
	int rc = store_sql_step(q, what);

	memset(out, 0, sizeof(*out));
	if (rc == 1) {
		out->id = store_sql_col_int64(q, 0);
		out->name = store_sql_col_strdup(q, 1);
		out->role = store_sql_col_strdup(q, 2);
		out->pw_hash = store_sql_col_strdup(q, 3);
		out->active = store_sql_col_int(q, 4);
		out->created_at = store_sql_col_int64(q, 5);
	}
	store_sql_done(q);
	return rc;
}

int
store_user_add(struct store *st, const char *name, const char *role,
    const char *pw_hash, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, user_add_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, name);
	store_sql_bind_text(q, 2, role);
	store_sql_bind_text(q, 3, pw_hash);
	store_sql_bind_int64(q, 4, now);
	if (store_sql_exec(q, "user add") == -1)
		return -1;
	return store_sql_changes(st) > 0 ? 1 : 0;
}

int
store_user_get(struct store *st, const char *name, struct store_user *out)
{
	struct store_sql *q = store_sql_prepare(st, user_get_sql);

	if (q == NULL) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	store_sql_bind_text(q, 1, name);
	return user_row(q, out, "user get");
}

int
store_user_get_id(struct store *st, int64_t id, struct store_user *out)
{
	struct store_sql *q = store_sql_prepare(st, user_get_id_sql);

	if (q == NULL) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	store_sql_bind_int64(q, 1, id);
	return user_row(q, out, "user get");
}

static int
user_update(struct store *st, const char *sql, const char *name,
    const char *text, int64_t ival, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, name);
	if (text != NULL)
		store_sql_bind_text(q, 2, text);
	else
		store_sql_bind_int64(q, 2, ival);
	store_sql_bind_int64(q, 3, now);
	if (store_sql_exec(q, "user update") == -1)
		return -1;
	return store_sql_changes(st) > 0 ? 1 : 0;
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
user_list_row(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char when[32];

	table_setf(t, r, 0, "%lld", (long long)store_sql_col_int64(q, 0));
	table_set(t, r, 1, store_sql_col_text(q, 1));
	table_set(t, r, 2, store_sql_col_text(q, 2));
	table_set(t, r, 3, store_sql_col_int(q, 3) ? "da" : "nu");
	table_set(t, r, 4, clock_fmt_utc(store_sql_col_int64(q, 4) / 1000,
	    when, sizeof(when)));
	return 0;
}

struct table *
store_user_list(struct store *st)
{
	struct table *t = table_new("users", user_cols,
	    sizeof(user_cols) / sizeof(user_cols[0]));
	struct store_sql *q = store_sql_prepare(st, user_list_sql);

	if (q == NULL || store_sql_walk(q, user_list_row, t,
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
	struct store_sql *q = store_sql_prepare(st, sess_add_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, token_hash);
	store_sql_bind_int64(q, 2, user_id);
	store_sql_bind_text(q, 3, csrf);
	store_sql_bind_int64(q, 4, now);
	return store_sql_exec(q, "web session add");
}

int
store_web_session_get(struct store *st, const char *token_hash,
    struct store_web_session *out)
{
	struct store_sql *q = store_sql_prepare(st, sess_get_sql);
	int rc;

	memset(out, 0, sizeof(*out));
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, token_hash);
	rc = store_sql_step(q, "web session get");
	if (rc == 1) {
		const char *c = store_sql_col_text(q, 1);

		out->user_id = store_sql_col_int64(q, 0);
		strlcpy_s(out->csrf, c != NULL ? c : "", sizeof(out->csrf));
		out->created_at = store_sql_col_int64(q, 2);
		out->last_seen = store_sql_col_int64(q, 3);
	}
	store_sql_done(q);
	return rc;
}

/* Runs sql with text key as ?1 and, if bind_v, v as ?2. */
static int
sess_exec_text(struct store *st, const char *sql, const char *key,
    int64_t v, int bind_v, const char *what)
{
	struct store_sql *q = store_sql_prepare(st, sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, key);
	if (bind_v)
		store_sql_bind_int64(q, 2, v);
	return store_sql_exec(q, what);
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
	struct store_sql *q = store_sql_prepare(st, sess_del_user_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, user_id);
	return store_sql_exec(q, "web session delete");
}

int
store_web_session_prune(struct store *st, int64_t idle_before,
    int64_t created_before)
{
	struct store_sql *q = store_sql_prepare(st, sess_prune_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, idle_before);
	store_sql_bind_int64(q, 2, created_before);
	return store_sql_exec(q, "web session prune");
}

int
store_login_failures(struct store *st, const char *key, int64_t *failures,
    int64_t *last_at)
{
	struct store_sql *q = store_sql_prepare(st, fail_get_sql);
	int rc;

	*failures = 0;
	*last_at = 0;
	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, key);
	rc = store_sql_step(q, "login failures");
	if (rc == 1) {
		*failures = store_sql_col_int64(q, 0);
		*last_at = store_sql_col_int64(q, 1);
	}
	store_sql_done(q);
	return rc < 0 ? -1 : 0;
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
