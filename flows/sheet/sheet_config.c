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

#include "config.h"
#include "sheet.h"
#include "util.h"

static int check_county(const struct config_key *, const char *, char *,
    size_t);
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
static const struct sheet_conf sheet_conf_none = { .county_code = 0 };

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
