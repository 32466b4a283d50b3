/*
 * flow_actions.c - the registry of built-in actions that flow files call
 * by name ("step x: action NAME"), and the few generic actions the engine
 * itself provides.
 *
 * Modules register a const, NULL-name-terminated table once at start
 * (convention 12); tables are borrowed for the life of the process.  A
 * later table may not redefine a name: the first registration wins and
 * the clash is logged, so a flow never silently calls the wrong code.
 */
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define FLOW_ACTION_TABLES_MAX 16

static const char *action_set_language(struct flow_action_ctx *);
static const char *action_opt_out(struct flow_action_ctx *);
static const char *action_opt_in(struct flow_action_ctx *);

static const struct flow_action flow_builtin_actions[] = {
	{ .name = "set-language", .fn = action_set_language },
	{ .name = "opt-out", .fn = action_opt_out },
	{ .name = "opt-in", .fn = action_opt_in },
	{ .name = NULL, .fn = NULL },
};

static const struct flow_action *action_tables[FLOW_ACTION_TABLES_MAX] = {
	flow_builtin_actions,
};
static size_t n_action_tables = 1;

void
flow_actions_register(const struct flow_action *table)
{
	const struct flow_action *a;
	size_t i;

	for (i = 0; i < n_action_tables; i++) {
		if (action_tables[i] == table)
			return; /* registering twice is harmless */
	}
	if (n_action_tables == FLOW_ACTION_TABLES_MAX)
		fatalx("flow_actions_register: more than %d tables",
		    FLOW_ACTION_TABLES_MAX);
	for (a = table; a->name != NULL; a++) {
		if (flow_action_find(a->name) != NULL)
			log_warnx("flow action %s registered twice, the first "
			    "one is used", a->name);
	}
	action_tables[n_action_tables++] = table;
}

const struct flow_action *
flow_action_find(const char *name)
{
	const struct flow_action *a;
	size_t i;

	for (i = 0; i < n_action_tables; i++) {
		for (a = action_tables[i]; a->name != NULL; a++) {
			if (strcmp(a->name, name) == 0)
				return a;
		}
	}
	return NULL;
}

/*
 * set-language: takes the language from the field "language" if the flow
 * saved one, else from the text being handled: 1/ro/romana, 2/hu/magyar,
 * 3/en/english.  Outcomes: ro, hu, en, or "invalid".
 */
static const char *
action_set_language(struct flow_action_ctx *ctx)
{
	static const struct {
		const char *word;
		const char *lang;
	} words[] = {
		{ "1", "ro" }, { "RO", "ro" }, { "ROMANA", "ro" },
		{ "ROMAN", "ro" }, { "ROMANIAN", "ro" },
		{ "2", "hu" }, { "HU", "hu" }, { "MAGYAR", "hu" },
		{ "MAGYARUL", "hu" }, { "HUNGARIAN", "hu" },
		{ "3", "en" }, { "EN", "en" }, { "ENGLISH", "en" },
		{ "ENGLEZA", "en" }, { "ANGOL", "en" },
	};
	const char *src;
	const char *lang = NULL;
	char *norm;
	size_t i;

	src = flow_session_get(ctx->session, "language");
	if (src == NULL)
		src = ctx->text != NULL ? ctx->text : "";
	norm = flow_text_normalize(src);
	for (i = 0; i < NELEM(words); i++) {
		if (strcmp(norm, words[i].word) == 0) {
			lang = words[i].lang;
			break;
		}
	}
	free(norm);
	if (lang == NULL)
		return "invalid";
	if (store_contact_set_language(ctx->store, ctx->phone, lang) != 0)
		return NULL;
	ctx->language = lang;
	return lang;
}

static const char *
action_opt_out(struct flow_action_ctx *ctx)
{
	if (store_contact_set_opt_out(ctx->store, ctx->phone, 1) != 0)
		return NULL;
	return "ok";
}

static const char *
action_opt_in(struct flow_action_ctx *ctx)
{
	if (store_contact_set_opt_out(ctx->store, ctx->phone, 0) != 0)
		return NULL;
	return "ok";
}
