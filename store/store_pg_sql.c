/*
 * store_pg_sql.c - SQLite-dialect SQL rewritten for PostgreSQL.
 *
 * The store and the services write one SQL text per statement, in the
 * subset both engines understand (docs/scale-out.md, "Portable SQL").
 * What cannot be written portably is rewritten here, word by word,
 * outside string literals and quoted names:
 *   ?N -> $N (a bare ? takes the next number); LIKE -> ILIKE (SQLite's
 *   LIKE ignores ASCII case); INTEGER -> BIGINT (times are ms);
 *   INSERT OR IGNORE -> INSERT ... ON CONFLICT DO NOTHING; ifnull ->
 *   coalesce;
 * and, in migrations only: INTEGER PRIMARY KEY -> an identity column,
 * REAL -> DOUBLE PRECISION, BLOB -> BYTEA, WITHOUT ROWID / STRICT /
 * AUTOINCREMENT dropped, and a trigger of the form
 *   CREATE TRIGGER n BEFORE UPDATE|DELETE ON t BEGIN SELECT
 *   RAISE(ABORT, 'msg'); END;
 * becomes a PL/pgSQL function and trigger that raise msg.  Anything else
 * SQLite-only (INSERT OR REPLACE, another trigger body) is refused with
 * a message rather than guessed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "store_int.h"
#include "util.h"

static void put(struct buf *, const char *, size_t);
static void puts_sql(struct buf *, const char *);
static int word_is(const char *, size_t, const char *);
static size_t word_len(const char *);
static const char *skip_space(const char *);
static int trigger_rewrite(struct buf *, const char **, char *, size_t);
static int copy_literal(struct buf *, const char **, char);

/* The buffer has no maximum, so an append cannot fail (memory
 * exhaustion aborts in xrealloc). */
static void
put(struct buf *b, const char *s, size_t n)
{
	if (buf_add(b, s, n) == -1)
		log_warnx("store: SQL translation: append failed");
}

static void
puts_sql(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* 1 if the n-byte word w is kw, ignoring ASCII case. */
static int
word_is(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

static size_t
word_len(const char *s)
{
	size_t n = 0;

	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	return n;
}

static const char *
skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Copies a quoted literal or name starting at **p (quote q), doubled
 * quotes included; 0, or -1 if it never ends. */
static int
copy_literal(struct buf *out, const char **p, char q)
{
	const char *s = *p + 1;

	for (;;) {
		if (*s == '\0')
			return -1;
		if (*s == q) {
			if (s[1] != q)
				break;
			s++;
		}
		s++;
	}
	put(out, *p, (size_t)(s + 1 - *p));
	*p = s + 1;
	return 0;
}

/*
 * At "CREATE TRIGGER": rewrites the one trigger form the schemas use
 * (see the header) and moves *p past its END;.
 */
static int
trigger_rewrite(struct buf *out, const char **p, char *err, size_t errlen)
{
	char name[64], when[8], event[8], table[64], msg[200];
	const char *s = *p, *e;
	size_t n;

	s = skip_space(s + strlen("CREATE"));
	s = skip_space(s + strlen("TRIGGER"));
	n = word_len(s);
	if (n == 0 || n >= sizeof(name))
		goto refuse;
	snprintf(name, sizeof(name), "%.*s", (int)n, s);
	s = skip_space(s + n);
	n = word_len(s);
	if (!word_is(s, n, "BEFORE") && !word_is(s, n, "AFTER"))
		goto refuse;
	snprintf(when, sizeof(when), "%.*s", (int)n, s);
	s = skip_space(s + n);
	n = word_len(s);
	if (!word_is(s, n, "UPDATE") && !word_is(s, n, "DELETE") &&
	    !word_is(s, n, "INSERT"))
		goto refuse;
	snprintf(event, sizeof(event), "%.*s", (int)n, s);
	s = skip_space(s + n);
	if (!word_is(s, word_len(s), "ON"))
		goto refuse;
	s = skip_space(s + 2);
	n = word_len(s);
	if (n == 0 || n >= sizeof(table))
		goto refuse;
	snprintf(table, sizeof(table), "%.*s", (int)n, s);
	s = strstr(s, "RAISE(ABORT, '");
	if (s == NULL)
		goto refuse;
	s += strlen("RAISE(ABORT, '");
	e = strchr(s, '\'');
	if (e == NULL || (size_t)(e - s) >= sizeof(msg))
		goto refuse;
	snprintf(msg, sizeof(msg), "%.*s", (int)(e - s), s);
	e = strstr(e, "END;");
	if (e == NULL)
		goto refuse;
	if (buf_printf(out,
	    "CREATE OR REPLACE FUNCTION %s_fn() RETURNS trigger"
	    " LANGUAGE plpgsql AS $fn$ BEGIN RAISE EXCEPTION '%s'; END"
	    " $fn$; CREATE TRIGGER %s %s %s ON %s FOR EACH ROW"
	    " EXECUTE FUNCTION %s_fn();",
	    name, msg, name, when, event, table, name) == -1)
		goto refuse;
	*p = e + strlen("END;");
	return 0;
refuse:
	snprintf(err, errlen, "a trigger PostgreSQL cannot be given: %.60s",
	    *p);
	return -1;
}

char *
store_pg_translate(const char *sql, int ddl, char *err, size_t errlen)
{
	struct buf out;
	const char *p = sql;
	int next_param = 0, or_ignore = 0, depth = 0;
	size_t n;

	buf_init(&out, 0);
	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			if (copy_literal(&out, &p, *p) == -1) {
				snprintf(err, errlen, "unterminated quote");
				goto fail;
			}
			continue;
		}
		if (*p == '?') {
			p++;
			n = 0;
			while (isdigit((unsigned char)p[n]))
				n++;
			if (n > 0) {
				puts_sql(&out, "$");
				put(&out, p, n);
				p += n;
			} else {
				char num[16];

				snprintf(num, sizeof(num), "$%d", ++next_param);
				puts_sql(&out, num);
			}
			continue;
		}
		if (*p == '(' || *p == ')') {
			depth += *p == '(' ? 1 : -1;
			put(&out, p++, 1);
			continue;
		}
		if (*p == ';' && or_ignore) {
			puts_sql(&out, " ON CONFLICT DO NOTHING");
			or_ignore = 0;
		}
		n = word_len(p);
		if (n == 0) {
			put(&out, p++, 1);
			continue;
		}
		/* A word that is part of a longer name ("x.like") is the
		 * previous character's business: only whole words. */
		if (p > sql && (isalnum((unsigned char)p[-1]) || p[-1] == '_' ||
		    p[-1] == '$')) {
			put(&out, p, n);
			p += n;
			continue;
		}
		if (word_is(p, n, "LIKE")) {
			puts_sql(&out, "ILIKE");
		} else if (word_is(p, n, "ifnull")) {
			puts_sql(&out, "coalesce");
		} else if (word_is(p, n, "INSERT") &&
		    strncasecmp(skip_space(p + n), "OR", 2) == 0) {
			const char *q = skip_space(skip_space(p + n) + 2);

			if (!word_is(q, word_len(q), "IGNORE")) {
				snprintf(err, errlen, "INSERT OR %.*s has no "
				    "PostgreSQL form: use ON CONFLICT",
				    (int)word_len(q), q);
				goto fail;
			}
			puts_sql(&out, "INSERT");
			p = q + word_len(q);
			or_ignore = 1;
			continue;
		} else if (word_is(p, n, "RETURNING") && or_ignore &&
		    depth == 0) {
			puts_sql(&out, "ON CONFLICT DO NOTHING RETURNING");
			or_ignore = 0;
		} else if (ddl && word_is(p, n, "INTEGER") &&
		    strncasecmp(skip_space(p + n), "PRIMARY KEY", 11) == 0) {
			puts_sql(&out, "BIGINT GENERATED BY DEFAULT AS IDENTITY");
		} else if (word_is(p, n, "INTEGER")) {
			puts_sql(&out, "BIGINT");
		} else if (ddl && word_is(p, n, "REAL")) {
			puts_sql(&out, "DOUBLE PRECISION");
		} else if (ddl && word_is(p, n, "BLOB")) {
			puts_sql(&out, "BYTEA");
		} else if (ddl && (word_is(p, n, "STRICT") ||
		    word_is(p, n, "AUTOINCREMENT"))) {
			/* dropped */
		} else if (ddl && word_is(p, n, "WITHOUT") &&
		    word_is(skip_space(p + n), word_len(skip_space(p + n)),
		    "ROWID")) {
			p = skip_space(p + n) + strlen("ROWID");
			continue;
		} else if (ddl && word_is(p, n, "CREATE") &&
		    strncasecmp(skip_space(p + n), "TRIGGER", 7) == 0) {
			if (trigger_rewrite(&out, &p, err, errlen) == -1)
				goto fail;
			continue;
		} else {
			put(&out, p, n);
		}
		p += n;
	}
	if (or_ignore)
		puts_sql(&out, " ON CONFLICT DO NOTHING");
	return buf_take(&out);
fail:
	buf_free(&out);
	return NULL;
}
