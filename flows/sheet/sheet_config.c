/*
 * sheet_config.c - the [sheets] section of the configuration, owned by
 * the Observation Sheet service (docs/configuration.md, [sheets]).
 *
 * config/ parses it with the same key table machinery as its own
 * sections; this file says which keys exist, their bounds, and what
 * depends on the rest of the configuration (the indicator table's
 * default path next to the flows).
 */
#include <sys/stat.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "sheet.h"
#include "util.h"

static int check_county(const struct config_key *, const char *, char *,
    size_t);
static int check_block(const struct config_key *, const char *, char *,
    size_t);
static int check_register(const struct config_key *, const char *, char *,
    size_t);
static int parse_block(const char *, int *, int *);
static int sheet_config_finish(void *, const struct gw_config *, const int *,
    int *, char *, size_t);

#define S(f) offsetof(struct sheet_conf, f)

/* clang-format off */
static const struct config_key sheet_config_keys[] = {
	{ "sheets", "county_code", CONFIG_KEY_INT, "0", 0, 52, S(county_code), 0, 0, check_county },
	{ "sheets", "commune", CONFIG_KEY_STRING, NULL, 0, 0, S(commune), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "sheets", "indicators", CONFIG_KEY_STRING, NULL, 0, 0, S(indicators), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "sheets", "spas_numbers", CONFIG_KEY_PHONES, "", 0, 0, S(spas_numbers), S(n_spas_numbers), 0, NULL },
	{ "sheets", "digest_time", CONFIG_KEY_TIME, "18:00", 0, 0, S(digest_time), 0, 0, NULL },
	{ "sheets", "keep_years", CONFIG_KEY_INT, "18", 1, 100, S(keep_years), 0, 0, NULL },
	{ "sheets", "number_block", CONFIG_KEY_STRING, "1-999", 0, 0, S(number_block), 0, CONFIG_KEY_NONEMPTY, check_block },
	{ "sheets", "household_register", CONFIG_KEY_STRING, "open", 0, 0, S(household_register), 0, CONFIG_KEY_NONEMPTY, check_register },
};
/* clang-format on */

#undef S

const struct config_section sheet_config_section = {
	.name = "sheets",
	.keys = sheet_config_keys,
	.nkeys = NELEM(sheet_config_keys),
	.size = sizeof(struct sheet_conf),
	.finish = sheet_config_finish,
};

/* What a configuration without the section means: sheets not
 * configured (a hand-built configuration in a test, for one). */
static const struct sheet_conf sheet_conf_none = { .county_code = 0,
	.number_first = 1, .number_last = SHEET_SEQ_MAX };

const struct sheet_conf *
sheet_conf(const struct gw_config *conf)
{
	const struct sheet_conf *sc = NULL;

	if (conf != NULL)
		sc = config_section_data(conf, &sheet_config_section);
	return sc != NULL ? sc : &sheet_conf_none;
}

/*
 * The AA county codes of Romanian sheet numbers (domain/county-codes.csv):
 * 1..39, 41..46 (Bucharest sectors), 51, 52.  40 and 47..50 do not exist.
 */
static int
check_county(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	int64_t c;

	if (parse_int64(v, 0, 52, &c) == -1)
		return -1;
	if (c == 40 || (c >= 47 && c <= 50)) {
		snprintf(msg, msglen, "%s %lld is not a county code (use 1 to "
		    "39, 41 to 46 or 51 to 52; 0 = not configured)", k->name,
		    (long long)c);
		return -1;
	}
	return 0;
}

/* "FIRST-LAST" with 1 <= FIRST <= LAST <= 999: 0, or -1. */
static int
parse_block(const char *v, int *first, int *last)
{
	char a[8], b[8];
	const char *dash = strchr(v, '-');
	int64_t x, y;

	if (dash == NULL || (size_t)(dash - v) >= sizeof(a) ||
	    strlen(dash + 1) >= sizeof(b))
		return -1;
	memcpy(a, v, (size_t)(dash - v));
	a[dash - v] = '\0';
	strlcpy_s(b, dash + 1, sizeof(b));
	if (parse_int64(a, 1, SHEET_SEQ_MAX, &x) == -1 ||
	    parse_int64(b, 1, SHEET_SEQ_MAX, &y) == -1 || x > y)
		return -1;
	*first = (int)x;
	*last = (int)y;
	return 0;
}

/*
 * The BBB block of this commune's sheet numbers: the county's communes
 * get disjoint blocks (e.g. 001-200, 201-400), so that two gateways of
 * one county never give the same AA-BBB in a year (docs/observation-
 * sheets.md, "Sheet numbers").
 */
static int
check_block(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	int a, b;

	if (parse_block(v, &a, &b) == -1) {
		snprintf(msg, msglen, "%s must be FIRST-LAST with 1 <= FIRST "
		    "<= LAST <= %d, e.g. 201-400", k->name, SHEET_SEQ_MAX);
		return -1;
	}
	return 0;
}

static int
check_register(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	if (strcmp(v, "open") == 0 || strcmp(v, "strict") == 0)
		return 0;
	snprintf(msg, msglen, "%s must be open or strict", k->name);
	return -1;
}

/*
 * The indicator table defaults to sheet/indicators.csv in the flows
 * folder, where the service's files live; a flows folder of an older
 * layout with indicators.csv at its top still works.  A relative path
 * is relative to the state directory, like every path of the file.
 */
static int
sheet_config_finish(void *data, const struct gw_config *conf,
    const int *lines, int *line, char *msg, size_t msglen)
{
	struct sheet_conf *sc = data;
	struct stat sb;
	char *old;

	(void)lines;
	(void)line;
	(void)msg;
	(void)msglen;
	if (sc->number_block == NULL || parse_block(sc->number_block,
	    &sc->number_first, &sc->number_last) == -1) {
		sc->number_first = 1;
		sc->number_last = SHEET_SEQ_MAX;
	}
	sc->register_strict = sc->household_register != NULL &&
	    strcmp(sc->household_register, "strict") == 0;
	if (sc->indicators != NULL) {
		config_path_resolve(&sc->indicators, conf->state_dir);
		return 0;
	}
	sc->indicators = xasprintf("%s/sheet/indicators.csv", conf->flows_dir);
	if (stat(sc->indicators, &sb) != 0) {
		old = xasprintf("%s/indicators.csv", conf->flows_dir);
		if (stat(old, &sb) == 0) {
			free(sc->indicators);
			sc->indicators = old;
		} else
			free(old);
	}
	return 0;
}
