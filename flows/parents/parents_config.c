/*
 * parents_config.c - the [parents] section (docs/parents.md): the notice
 * period of art. 104 ([EXT], configuration, never a constant), the texts'
 * commune and SPAS number, the menu of destination countries and the
 * school-term dates of N13.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "parents.h"
#include "util.h"

static int parents_config_finish(void *, const struct gw_config *,
    const int *, int *, char *, size_t);

/* "HH:MM" as minutes after midnight, or -1. */
static int
meeting_minute(const char *hm)
{
	int64_t h, m;
	char hh[3], mm[3];

	snprintf(hh, sizeof(hh), "%.2s", hm);
	snprintf(mm, sizeof(mm), "%.2s", hm + 3);
	if (strlen(hm) != 5 || parse_int64(hh, 0, 23, &h) != 0 ||
	    parse_int64(mm, 0, 59, &m) != 0)
		return -1;
	return (int)(h * 60 + m);
}

int64_t
parents_next_meeting(const struct parents_conf *pc, int64_t now,
    int64_t *invite)
{
	int64_t best = 0, best_inv = 0;

	for (size_t i = 0; i < pc->nmeetings; i++) {
		char day[11];
		int64_t at, inv;

		snprintf(day, sizeof(day), "%.10s", pc->meetings[i]);
		at = parents_day_at(parents_date_days(day), 0, "Europe/Bucharest") +
		    meeting_minute(pc->meetings[i] + 11) * 60000LL;
		inv = at - 14 * PARENTS_DAY_MS;
		if (inv <= now)
			inv = at - PARENTS_DAY_MS;
		if (inv <= now)
			continue;
		if (best == 0 || inv < best_inv) {
			best = at;
			best_inv = inv;
		}
	}
	*invite = best_inv;
	return best;
}

#define P(f) offsetof(struct parents_conf, f)

/* clang-format off */
static const struct config_key parents_config_keys[] = {
	{ "parents", "art104_notice_days", CONFIG_KEY_INT, "40", 1, 365, P(notice_days), 0, 0, NULL },
	{ "parents", "commune", CONFIG_KEY_STRING, "", 0, 0, P(commune), 0, 0, NULL },
	{ "parents", "spas_phone", CONFIG_KEY_STRING, "", 0, 0, P(spas_phone), 0, 0, NULL },
	{ "parents", "countries", CONFIG_KEY_LIST, "IT,ES,DE,GB,FR,AT,HU", 0, 0, P(countries), P(ncountries), 0, NULL },
	{ "parents", "school_terms", CONFIG_KEY_LIST, "09-08,01-08", 0, 0, P(school_terms), P(nschool_terms), 0, NULL },
	{ "parents", "callback_working_days", CONFIG_KEY_INT, "2", 1, 30, P(callback_days), 0, 0, NULL },
	{ "parents", "caretaker_meetings", CONFIG_KEY_LIST, "", 0, 0, P(meetings), P(nmeetings), 0, NULL },
	{ "parents", "meeting_place", CONFIG_KEY_STRING, "", 0, 0, P(meeting_place), 0, 0, NULL },
	{ "parents", "texts", CONFIG_KEY_STRING, NULL, 0, 0, P(texts), 0, CONFIG_KEY_NONEMPTY, NULL },
};
/* clang-format on */

#undef P

const struct config_section parents_config_section = {
	.name = "parents",
	.keys = parents_config_keys,
	.nkeys = NELEM(parents_config_keys),
	.size = sizeof(struct parents_conf),
	.finish = parents_config_finish,
};

static const struct parents_conf parents_conf_none = { .notice_days = 40,
	.callback_days = 2 };

const struct parents_conf *
parents_conf(const struct gw_config *conf)
{
	const struct parents_conf *pc = NULL;

	if (conf != NULL)
		pc = config_section_data(conf, &parents_config_section);
	return pc != NULL ? pc : &parents_conf_none;
}

/* Country codes are two letters; term starts are MM-DD. */
static int
parents_config_finish(void *data, const struct gw_config *conf,
    const int *lines, int *line, char *msg, size_t msglen)
{
	struct parents_conf *pc = data;
	char ymd[11];

	(void)lines;
	for (size_t i = 0; i < pc->ncountries; i++) {
		char *c = pc->countries[i];

		if (strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' ||
		    c[1] > 'Z') {
			*line = 0;
			snprintf(msg, msglen, "parents: countries: '%s' is not "
			    "an ISO 3166 alpha-2 code in capitals", c);
			return -1;
		}
	}
	for (size_t i = 0; i < pc->nschool_terms; i++) {
		char tmp[16];

		snprintf(tmp, sizeof(tmp), "2028-%s", pc->school_terms[i]);
		if (strlen(pc->school_terms[i]) != 5 ||
		    parents_date_parse(tmp, ymd) != 0) {
			*line = 0;
			snprintf(msg, msglen, "parents: school_terms: '%s' is "
			    "not MM-DD", pc->school_terms[i]);
			return -1;
		}
	}
	for (size_t i = 0; i < pc->nmeetings; i++) {
		const char *m = pc->meetings[i];
		char day[11];

		snprintf(day, sizeof(day), "%.10s", m);
		if (strlen(m) != 16 || m[10] != ' ' || m[13] != ':' ||
		    parents_date_days(day) < 0 || meeting_minute(m + 11) < 0) {
			*line = 0;
			snprintf(msg, msglen, "parents: caretaker_meetings: "
			    "'%s' is not YYYY-MM-DD HH:MM", m);
			return -1;
		}
	}
	if (pc->texts != NULL)
		config_path_resolve(&pc->texts, conf->state_dir);
	else
		pc->texts = xasprintf("%s/parents/texts.csv", conf->flows_dir);
	return 0;
}
