/*
 * poll_optin.c - the opt-in register (R2, R3, R15): who may be invited to
 * polls, since when, how they consented (sms, paper, staff, mediator) and
 * with which consent text.  One row per number (a second opt-in renews
 * the same row).  STOP revokes it (the tick syncs the engine's opt-out);
 * `stafeta optin remove` too.
 *
 * Anti-abuse: a burst of new opt-ins from one block of 100 consecutive
 * numbers (same number but for the last two digits) within
 * burst_window_s is logged and the administrators get an SMS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "polls.h"
#include "store.h"
#include "store_sql.h"
#include "table.h"
#include "util.h"

#define CONSENT_VERSION "v1"

static const char add_sql[] =
    "INSERT INTO poll_optins (phone, village, lang, source, consent,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT (phone) DO UPDATE SET village = excluded.village,"
    " lang = excluded.lang, source = excluded.source,"
    " consent = excluded.consent, created_at = excluded.created_at,"
    " revoked_at = NULL WHERE poll_optins.revoked_at IS NOT NULL";
static const char burst_sql[] =
    "SELECT count(*) FROM poll_optins WHERE created_at > ?2"
    " AND revoked_at IS NULL AND substr(phone, 1, length(phone) - 2) = ?1";
static const char remove_sql[] =
    "UPDATE poll_optins SET revoked_at = ?2 WHERE phone = ?1"
    " AND revoked_at IS NULL";
static const char list_sql[] =
    "SELECT phone, village, lang, source, consent, created_at, revoked_at"
    " FROM poll_optins ORDER BY created_at, phone";

static void
burst_check(struct store *st, const struct gw_config *conf, const char *e164,
    int64_t now)
{
	const struct poll_conf *pc = poll_conf(conf);
	char block[24], red[32], *msg;
	struct store_sql *q;
	size_t len = strlen(e164);
	int64_t n = 0;

	if (len < 6 || len >= sizeof(block))
		return;
	memcpy(block, e164, len - 2);
	block[len - 2] = '\0';
	if ((q = store_sql_prepare(st, burst_sql)) == NULL)
		return;
	store_sql_bind_text(q, 1, block);
	store_sql_bind_int64(q, 2, now - (int64_t)pc->burst_window_s * 1000);
	if (store_sql_step(q, "poll burst") == 1)
		n = store_sql_col_int64(q, 0);
	store_sql_done(q);
	if (n != pc->burst_count)
		return;		/* alert once, when the threshold is crossed */
	log_warnx("poll: %lld opt-ins within %d s from one block of 100 "
	    "consecutive numbers (%s): possible stuffing", (long long)n,
	    pc->burst_window_s, log_redact_number(e164, red, sizeof(red)));
	msg = xasprintf("Stafeta: %lld inscrieri la sondaje in %d min din "
	    "numere consecutive (%s). Verificati.", (long long)n,
	    pc->burst_window_s / 60, red);
	if (conf->n_admin_numbers > 0 &&
	    store_outbox_add_each(st, conf->admin_numbers,
	    conf->n_admin_numbers, msg, STORE_PRIO_ALERT, now) != 0)
		log_warnx("poll: burst alert not queued");
	free(msg);
}

int
poll_optin_add(struct store *st, const struct gw_config *conf,
    const char *e164, const char *village, const char *lang,
    const char *source, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, add_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, e164);
	store_sql_bind_text(q, 2, village != NULL ? village : "");
	store_sql_bind_text(q, 3, lang != NULL ? lang : "ro");
	store_sql_bind_text(q, 4, source);
	store_sql_bind_text(q, 5, CONSENT_VERSION);
	store_sql_bind_int64(q, 6, now);
	if (store_sql_exec(q, "poll optin add") != 0)
		return -1;
	if (store_sql_changes(st) == 0)
		return 1;
	/* Opting in to polls undoes an earlier STOP for poll messages. */
	if (store_contact_set_opt_out(st, e164, 0) != 0)
		return -1;
	burst_check(st, conf, e164, now);
	return 0;
}

int
poll_optin_remove(struct store *st, const char *e164, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, remove_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, e164);
	store_sql_bind_int64(q, 2, now);
	if (store_sql_exec(q, "poll optin remove") != 0)
		return -1;
	return store_sql_changes(st) > 0 ? 0 : 1;
}

static int
list_row(struct store_sql *q, void *arg)
{
	struct table *t = arg;
	size_t r = table_add_row(t);
	char when[32];

	for (int c = 0; c < 5; c++)
		table_set(t, r, (size_t)c, store_sql_col_text(q, c));
	clock_fmt_utc(store_sql_col_int64(q, 5) / 1000, when, sizeof(when));
	table_set(t, r, 5, when);
	if (!store_sql_col_is_null(q, 6)) {
		clock_fmt_utc(store_sql_col_int64(q, 6) / 1000, when,
		    sizeof(when));
		table_set(t, r, 6, when);
	}
	return 0;
}

struct table *
poll_optin_table(struct store *st)
{
	static const struct table_col cols[] = {
		{ "phone", "Telefon" }, { "village", "Sat" },
		{ "lang", "Limba" }, { "source", "Sursa consimtamantului" },
		{ "consent", "Versiune consimtamant" },
		{ "created_at", "Inscris la (UTC)" },
		{ "revoked_at", "Retras la (UTC)" },
	};
	struct table *t = table_new("optins", cols, NELEM(cols));
	struct store_sql *q = store_sql_prepare(st, list_sql);

	if (q == NULL || store_sql_walk(q, list_row, t, "poll optin list") !=
	    0) {
		table_free(t);
		return NULL;
	}
	return t;
}
