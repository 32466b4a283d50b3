/*
 * cases_service.c - the case service as the daemon, the CLI and the
 * simulator see it (flows/service.h): its [cases] section, its tables,
 * its tick, and its one flow action: a family's call-back request.
 *
 * [cases]
 *   spas_numbers  = numbers of D3/D4/D5/D6/D7/D8 alerts (default: the
 *                   [sheets] spas_numbers)
 *   head_numbers  = SPAS head: D3 escalation after 2 h
 *   mayor_numbers = D6 reminders of a plan waiting for the order
 *   callback_hours = deadline of a family's call-back task (24)
 *
 * The service has no state of its own: everything lives in the
 * database, so the state is a token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cases.h"
#include "cases_int.h"
#include "config.h"
#include "flow.h"
#include "log.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

#define C(f) offsetof(struct cases_conf, f)

/* clang-format off */
static const struct config_key cases_config_keys[] = {
	{ "cases", "spas_numbers", CONFIG_KEY_PHONES, "", 0, 0, C(spas_numbers), C(n_spas_numbers), 0, NULL },
	{ "cases", "head_numbers", CONFIG_KEY_PHONES, "", 0, 0, C(head_numbers), C(n_head_numbers), 0, NULL },
	{ "cases", "mayor_numbers", CONFIG_KEY_PHONES, "", 0, 0, C(mayor_numbers), C(n_mayor_numbers), 0, NULL },
	{ "cases", "callback_hours", CONFIG_KEY_INT, "24", 1, 168, C(callback_hours), 0, 0, NULL },
};
/* clang-format on */

#undef C

const struct config_section cases_config_section = {
	.name = "cases",
	.keys = cases_config_keys,
	.nkeys = NELEM(cases_config_keys),
	.size = sizeof(struct cases_conf),
	.finish = NULL,
};

static const struct cases_conf cases_conf_none = { .callback_hours = 24 };

const struct cases_conf *
cases_conf(const struct gw_config *conf)
{
	const struct cases_conf *cc = NULL;

	if (conf != NULL)
		cc = config_section_data(conf, &cases_config_section);
	return cc != NULL ? cc : &cases_conf_none;
}

const struct flow_action cases_actions[] = {
	{ .name = "cases_callback", .fn = cases_action_callback },
	{ .name = NULL, .fn = NULL },
};

/*
 * SUNATI from any number (spas-followup.md 5.1 entry point 2): one open
 * call-back task per number (a second SUNATI finds it), due in
 * callback_hours.  The number is what SPAS needs to call back; the
 * message text is not kept.  Outcomes: "ok", "error".
 */
const char *
cases_action_callback(struct flow_action_ctx *ctx)
{
	struct store_task t;
	char ref[48], title[96];
	int hours = cases_conf(ctx->conf)->callback_hours;
	const char *lang = ctx->language != NULL ? ctx->language : "ro";
	int rc;

	ctx->forget_input = 1;
	if (ctx->phone == NULL || ctx->store == NULL)
		return "error";
	snprintf(ref, sizeof(ref), "callback:%s", ctx->phone);
	snprintf(title, sizeof(title), "Sunati inapoi %s (cerere SUNATI a "
	    "unei familii)", ctx->phone);
	memset(&t, 0, sizeof(t));
	t.service = "cases";
	t.kind = "callback";
	t.ref = ref;
	t.title = title;
	t.created_at = ctx->now;
	t.due_at = ctx->now + hours * CASES_MS_HOUR;
	if (store_task_open(ctx->store, &t) < 0)
		return NULL;
	log_info("cases: call-back task opened (due in %d h)", hours);
	if (ctx->reply == NULL)
		return "ok";
	if (strcmp(lang, "hu") == 0)
		rc = buf_printf(ctx->reply, "Megkaptuk. A SPAS %d oran belul "
		    "visszahivja ezt a szamot. Veszely eseten hivja a 112-t.",
		    hours);
	else if (strcmp(lang, "en") == 0)
		rc = buf_printf(ctx->reply, "Received. SPAS will call this "
		    "number back within %d hours. In an emergency call 112.",
		    hours);
	else
		rc = buf_printf(ctx->reply, "Am primit cererea. SPAS va suna la "
		    "acest numar in cel mult %d ore. Pentru urgente sunati la "
		    "112.", hours);
	if (rc == -1)
		return NULL;
	return "ok";
}

static void *
cases_service_init(const struct service_env *env, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (!env->checking && cases_conf(env->conf)->n_head_numbers == 0)
		log_info("cases: no [cases] head_numbers: D3 escalations "
		    "are logged only");
	return xstrdup("cases");
}

static int
cases_service_tick(void *state, struct store *st, const struct gw_config *conf,
    int64_t now)
{
	(void)state;
	/* Cases follow sheets: nothing to do where sheets are off. */
	if (sheet_conf(conf)->county_code < 1)
		return 0;
	return cases_tick(st, conf, now);
}

static void
cases_service_free(void *state)
{
	free(state);
}

const struct service cases_service = {
	.name = "cases",
	.config = &cases_config_section,
	.migrations = cases_migrations,
	.actions = cases_actions,
	.init = cases_service_init,
	.tick = cases_service_tick,
	.free = cases_service_free,
	.purge = cases_purge,
};
