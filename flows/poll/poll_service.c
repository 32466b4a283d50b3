/*
 * poll_service.c - the poll service as the daemon, the CLI and the
 * simulator see it (flows/service.h): its [polls] section, its tables,
 * its flow actions and its tick.
 *
 * The tick starts the poll dialogue itself (an invitation, a reminder),
 * so the state holds a flow engine of its own, made on first need with
 * the configuration of that tick and only the poll actions: it only
 * ever starts the `poll` flow, whose steps call nothing else.  The
 * sessions it writes are carried on by the daemon's engine.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "flow.h"
#include "log.h"
#include "polls.h"
#include "poll_int.h"
#include "store.h"
#include "util.h"

static void *poll_service_init(const struct service_env *, char *, size_t);
static void poll_service_free(void *);

#define S(f) offsetof(struct poll_conf, f)

/* clang-format off */
static const struct config_key poll_config_keys[] = {
	{ "polls", "commune", CONFIG_KEY_STRING, "", 0, 0, S(commune), 0, 0, NULL },
	{ "polls", "villages", CONFIG_KEY_LIST, "", 0, 0, S(villages), S(n_villages), 0, NULL },
	{ "polls", "dispute_days", CONFIG_KEY_INT, "7", 0, 90, S(dispute_days), 0, 0, NULL },
	{ "polls", "quiet_from", CONFIG_KEY_INT, "9", 0, 23, S(quiet_from), 0, 0, NULL },
	{ "polls", "quiet_to", CONFIG_KEY_INT, "20", 1, 24, S(quiet_to), 0, 0, NULL },
	{ "polls", "burst_window_s", CONFIG_KEY_INT, "3600", 60, 86400, S(burst_window_s), 0, 0, NULL },
	{ "polls", "burst_count", CONFIG_KEY_INT, "5", 2, 1000, S(burst_count), 0, 0, NULL },
	{ "polls", "max_polls_month", CONFIG_KEY_INT, "2", 1, 31, S(max_polls_month), 0, 0, NULL },
};
/* clang-format on */

#undef S

static const struct config_section poll_config_section = {
	.name = "polls",
	.keys = poll_config_keys,
	.nkeys = NELEM(poll_config_keys),
	.size = sizeof(struct poll_conf),
};

static const struct poll_conf poll_conf_none = {
	.commune = NULL, .dispute_days = 7, .quiet_from = 9, .quiet_to = 20,
	.burst_window_s = 3600, .burst_count = 5, .max_polls_month = 2,
};

const struct poll_conf *
poll_conf(const struct gw_config *conf)
{
	const struct poll_conf *pc = NULL;

	if (conf != NULL)
		pc = config_section_data(conf, &poll_config_section);
	return pc != NULL ? pc : &poll_conf_none;
}

static const char poll_schema[] =
    "CREATE TABLE poll_polls ("
    "  id TEXT PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  source TEXT NOT NULL,"		/* the poll file as created */
    "  created_by TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  approved_by TEXT,"
    "  approved_at INTEGER,"
    "  info_at INTEGER,"
    "  opens_at INTEGER,"
    "  closes_at INTEGER,"
    "  closed_at INTEGER,"
    "  dispute_until INTEGER,"
    "  published_at INTEGER,"
    "  archived_at INTEGER,"
    "  secret TEXT,"			/* hex; NULL once destroyed (R4) */
    "  invited INTEGER NOT NULL DEFAULT 0,"
    "  optouts INTEGER NOT NULL DEFAULT 0,"
    "  decision TEXT"
    ");"
    "CREATE TABLE poll_optins ("
    "  phone TEXT PRIMARY KEY,"		/* one opt-in per number (R15) */
    "  village TEXT NOT NULL DEFAULT '',"
    "  lang TEXT NOT NULL DEFAULT 'ro',"
    "  source TEXT NOT NULL,"		/* sms, paper, staff, mediator */
    "  consent TEXT NOT NULL,"		/* consent text version */
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER"
    ");"
    /* One row per poll + recipient: invited once, ever. */
    "CREATE TABLE poll_invites ("
    "  poll_id TEXT NOT NULL,"
    "  phone TEXT NOT NULL,"
    "  step INTEGER NOT NULL,"
    "  due_at INTEGER NOT NULL,"
    "  sent_at INTEGER,"
    "  PRIMARY KEY (poll_id, phone)"
    ") WITHOUT ROWID;"
    "CREATE INDEX poll_invites_due ON poll_invites(due_at);"
    "CREATE INDEX poll_invites_phone ON poll_invites(phone);"
    /* No row id and no time: rows sort by the key, which tells nothing
     * about the order of the inbox. */
    "CREATE TABLE poll_responses ("
    "  poll_id TEXT NOT NULL,"
    "  rkey TEXT NOT NULL,"		/* HMAC(secret, number) */
    "  qid TEXT NOT NULL,"
    "  value TEXT NOT NULL DEFAULT '',"
    "  valid INTEGER NOT NULL,"		/* 1 valid, 0 invalid, 2 skipped */
    "  channel TEXT NOT NULL,"
    "  day TEXT NOT NULL,"
    "  PRIMARY KEY (poll_id, rkey, qid)"
    ") WITHOUT ROWID;";

const struct store_migration poll_migrations[] = {
	{ "poll_0001_polls", poll_schema, NULL },
	{ NULL, NULL, NULL },
};

const struct service poll_service = {
	.name = "poll",
	.config = &poll_config_section,
	.migrations = poll_migrations,
	.actions = poll_actions,
	.init = poll_service_init,
	.tick = poll_tick,
	.free = poll_service_free,
};

static void *
poll_service_init(const struct service_env *env, char *err, size_t errlen)
{
	const struct poll_conf *pc = poll_conf(env->conf);

	if (pc->quiet_from >= pc->quiet_to) {
		snprintf(err, errlen, "[polls] quiet_from must be before "
		    "quiet_to");
		return NULL;
	}
	return xcalloc(1, sizeof(struct poll_svc));
}

static void
poll_service_free(void *state)
{
	struct poll_svc *s = state;

	if (s == NULL)
		return;
	flow_engine_free(s->eng);
	free(s);
}

int
poll_start_dialogue(struct poll_svc *s, struct store *st,
    const struct gw_config *conf, const char *phone, int64_t now)
{
	struct flow_action_set set = { poll_actions, s };
	char err[512];

	if (s->eng == NULL) {
		s->eng = flow_engine_new(conf, &set, 1, err, sizeof(err));
		if (s->eng == NULL) {
			log_warnx("poll: cannot load the flows: %s", err);
			return -1;
		}
	}
	return flow_engine_start(s->eng, st, "poll", phone, FLOW_CHANNEL_SMS,
	    now);
}
