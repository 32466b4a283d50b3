/*
 * flow_actions.c - the registry of built-in actions that flow files call
 * by name ("step x: action NAME"), and the few generic actions the engine
 * itself provides.
 *
 * Services hand the engine their const, NULL-name-terminated tables with
 * their state (struct flow_action_set, convention 12); there is no global
 * registry.  A name provided twice is an error at load, so a flow never
 * silently calls the wrong code.
 */
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "flow_int.h"
#include "log.h"
#include "store.h"
#include "util.h"

static const char *action_set_language(struct flow_action_ctx *);
static const char *action_opt_out(struct flow_action_ctx *);
static const char *action_opt_in(struct flow_action_ctx *);

static const struct flow_action flow_builtin_actions[] = {
	{ .name = "set-language", .fn = action_set_language },
	{ .name = "opt-out", .fn = action_opt_out },
	{ .name = "opt-in", .fn = action_opt_in },
	{ .name = NULL, .fn = NULL },
};

const struct flow_action *
flow_actions_find(const struct flow_action_set *sets, size_t n,
    const char *name, void **state)
{
	const struct flow_action *a;

	*state = NULL;
	for (a = flow_builtin_actions; a->name != NULL; a++) {
		if (strcmp(a->name, name) == 0)
			return a;
	}
	for (size_t i = 0; i < n; i++) {
		for (a = sets[i].actions; a != NULL && a->name != NULL; a++) {
			if (strcmp(a->name, name) == 0) {
				*state = sets[i].state;
				return a;
			}
		}
	}
	return NULL;
}

int
flow_actions_check(const struct flow_action_set *sets, size_t n,
    struct flow_diag *diag)
{
	const struct flow_action *a, *b;
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		for (a = sets[i].actions; a != NULL && a->name != NULL; a++) {
			int twice = 0;

			for (b = flow_builtin_actions; b->name != NULL; b++)
				twice |= strcmp(a->name, b->name) == 0;
			for (size_t j = 0; j < i; j++) {
				for (b = sets[j].actions; b != NULL &&
				    b->name != NULL; b++)
					twice |= strcmp(a->name, b->name) == 0;
			}
			if (twice) {
				flow_diag_error(diag, "actions", 0,
				    "action \"%s\" is provided twice", a->name);
				bad++;
			}
		}
	}
	return bad;
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
