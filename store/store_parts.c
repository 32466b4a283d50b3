/*
 * store_parts.c - parts of concatenated SMS waiting for their siblings.
 *
 * Each physical part is a row keyed on (modem, sender, bits, ref, total,
 * seq), so two senders using the same reference never mix (unlike
 * GSM_LinkSMS in libgammu 1.42) and 8- and 16-bit references with the same
 * number stay apart.  The rows are written in the caller's transaction
 * together with the part's dedup claim, so the state survives a restart
 * and the part can be deleted from the SIM at once.  Assembly and timeout
 * policy live in gateway/gw_reasm.c.
 *
 * SQL goes through store_sql.h only, in the subset SQLite and PostgreSQL
 * both run: a part already stored is "ON CONFLICT DO NOTHING changed no
 * row", and "no limit" is the largest int64 (PostgreSQL refuses LIMIT -1).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"

static int parts_bind_key(struct store_sql *, const struct store_part_key *);

const char store_schema_parts[] =
    "CREATE TABLE sms_parts ("
    "  modem TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  bits INTEGER NOT NULL,"		/* 8 or 16: reference width */
    "  ref INTEGER NOT NULL,"
    "  total INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"		/* 1-based */
    "  text TEXT NOT NULL,"		/* UTF-8 of this part */
    "  received_at INTEGER NOT NULL,"	/* unix ms */
    "  PRIMARY KEY (modem, sender, bits, ref, total, seq)"
    ") WITHOUT ROWID;";

/* The group key is always bound as ?1..?5, in this order. */
static const char add_sql[] =
    "INSERT INTO sms_parts (modem, sender, bits, ref, total, seq,"
    " text, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    " ON CONFLICT DO NOTHING";
static const char count_sql[] =
    "SELECT count(*) FROM sms_parts"
    " WHERE modem = ?1 AND sender = ?2 AND bits = ?3 AND ref = ?4"
    " AND total = ?5";
static const char get_sql[] =
    "SELECT seq, text FROM sms_parts"
    " WHERE modem = ?1 AND sender = ?2 AND bits = ?3 AND ref = ?4"
    " AND total = ?5 ORDER BY seq";
static const char delete_sql[] =
    "DELETE FROM sms_parts"
    " WHERE modem = ?1 AND sender = ?2 AND bits = ?3 AND ref = ?4"
    " AND total = ?5";
static const char older_sql[] =
    "SELECT modem, sender, bits, ref, total, count(*), min(received_at)"
    " FROM sms_parts GROUP BY modem, sender, bits, ref, total"
    " HAVING min(received_at) < ?1 ORDER BY min(received_at) LIMIT ?2";

static int
parts_bind_key(struct store_sql *q, const struct store_part_key *k)
{
	if (store_sql_bind_text(q, 1, k->modem != NULL ? k->modem : "") != 0 ||
	    store_sql_bind_text(q, 2, k->sender != NULL ? k->sender : "") != 0 ||
	    store_sql_bind_int(q, 3, k->bits) != 0 ||
	    store_sql_bind_int(q, 4, k->ref) != 0 ||
	    store_sql_bind_int(q, 5, k->total) != 0)
		return -1;
	return 0;
}

int
store_parts_add(struct store *st, const struct store_part_key *k, int seq,
    const char *text, int64_t now)
{
	struct store_sql *q;

	q = store_sql_prepare(st, add_sql);
	if (q == NULL)
		return -1;
	if (parts_bind_key(q, k) != 0 ||
	    store_sql_bind_int(q, 6, seq) != 0 ||
	    store_sql_bind_text(q, 7, text != NULL ? text : "") != 0 ||
	    store_sql_bind_int64(q, 8, now) != 0) {
		log_warnx("store: parts add: bind failed");
		store_sql_done(q);
		return -1;
	}
	if (store_sql_exec(q, "parts add") == -1)
		return -1;
	return store_sql_changes(st) == 1;
}

int
store_parts_count(struct store *st, const struct store_part_key *k,
    int *count)
{
	struct store_sql *q;

	*count = 0;
	q = store_sql_prepare(st, count_sql);
	if (q == NULL)
		return -1;
	if (parts_bind_key(q, k) != 0) {
		log_warnx("store: parts count: bind failed");
		store_sql_done(q);
		return -1;
	}
	if (store_sql_step(q, "parts count") != 1) {
		store_sql_done(q);
		return -1;
	}
	*count = store_sql_col_int(q, 0);
	store_sql_done(q);
	return 0;
}

int
store_parts_take(struct store *st, const struct store_part_key *k,
    struct store_part **out, size_t *n)
{
	struct store_part *parts = NULL;
	struct store_sql *q;
	size_t used = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	q = store_sql_prepare(st, get_sql);
	if (q == NULL)
		return -1;
	if (parts_bind_key(q, k) != 0) {
		log_warnx("store: parts take: bind failed");
		goto fail;
	}
	while ((rc = store_sql_step(q, "parts take")) == 1) {
		if (used == cap) {
			cap = cap ? cap * 2 : 8;
			parts = xrealloc(parts, cap * sizeof(*parts));
		}
		parts[used].seq = store_sql_col_int(q, 0);
		parts[used].text = store_sql_col_strdup(q, 1);
		if (parts[used].text == NULL)
			parts[used].text = xstrdup("");
		used++;
	}
	if (rc != 0)
		goto fail;
	store_sql_done(q);
	q = store_sql_prepare(st, delete_sql);
	if (q == NULL)
		goto fail;
	if (parts_bind_key(q, k) != 0) {
		log_warnx("store: parts take: bind failed");
		goto fail;
	}
	if (store_sql_exec(q, "parts delete") == -1) {
		q = NULL;
		goto fail;
	}
	*out = parts;
	*n = used;
	return 0;

fail:
	store_sql_done(q);
	store_parts_free(parts, used);
	return -1;
}

void
store_parts_free(struct store_part *parts, size_t n)
{
	if (parts == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(parts[i].text);
	free(parts);
}

int
store_parts_older(struct store *st, int64_t before, size_t max,
    struct store_part_group **out, size_t *n)
{
	struct store_part_group *g = NULL;
	struct store_sql *q;
	size_t used = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	q = store_sql_prepare(st, older_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, before);
	store_sql_bind_int64(q, 2, max > 0 && max <= (size_t)INT64_MAX ?
	    (int64_t)max : INT64_MAX);
	while ((rc = store_sql_step(q, "parts older")) == 1) {
		if (used == cap) {
			cap = cap ? cap * 2 : 8;
			g = xrealloc(g, cap * sizeof(*g));
		}
		memset(&g[used], 0, sizeof(g[used]));
		g[used].modem = store_sql_col_strdup(q, 0);
		g[used].sender = store_sql_col_strdup(q, 1);
		g[used].bits = store_sql_col_int(q, 2);
		g[used].ref = store_sql_col_int(q, 3);
		g[used].total = store_sql_col_int(q, 4);
		g[used].count = store_sql_col_int(q, 5);
		g[used].first_at = store_sql_col_int64(q, 6);
		used++;
	}
	store_sql_done(q);
	if (rc != 0) {
		store_part_groups_free(g, used);
		return -1;
	}
	*out = g;
	*n = used;
	return 0;
}

void
store_part_groups_free(struct store_part_group *g, size_t n)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(g[i].modem);
		free(g[i].sender);
	}
	free(g);
}
