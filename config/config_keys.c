/*
 * config_keys.c - the one table of configuration keys and their typed
 * setters.
 *
 * Adding a key is one line in config_keys[] (plus the struct field in
 * config.h and its entry in docs/configuration.md).  Defaults are written
 * as text and go through the same setter as file values, so a default can
 * never be out of its own bounds without a unit test failing.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config.h"
#include "log.h"
#include "phone.h"
#include "util.h"

#define CONFIG_LIST_MAX 256 /* items in one list value */

static int check_country(const struct config_key *, const char *, char *,
    size_t);
static int check_listen(const struct config_key *, const char *, char *,
    size_t);
static int check_addr(const struct config_key *, const char *, char *,
    size_t);
static int check_pin(const struct config_key *, const char *, char *,
    size_t);
static int check_ussd(const struct config_key *, const char *, char *,
    size_t);
static int check_regex(const struct config_key *, const char *, char *,
    size_t);
static int check_channel_type(const struct config_key *, const char *,
    char *, size_t);
static int check_http_url(const struct config_key *, const char *, char *,
    size_t);
static int check_store_backend(const struct config_key *, const char *,
    char *, size_t);
static int check_store_url(const struct config_key *, const char *, char *,
    size_t);
static int check_store_schema(const struct config_key *, const char *,
    char *, size_t);
static int check_ussd_convention(const struct config_key *, const char *,
    char *, size_t);
static int check_ussd_route(const struct config_key *, const char *, char *,
    size_t);
static size_t edit_distance(const char *, const char *);
static int key_in_scope(const struct config_key *, const char *);
static void list_free(char ***, size_t *);
static int list_set(const struct config_key *, void *, const char *, char *,
    size_t);
static int parse_bool(const char *, int *);
static int parse_time(const char *, char *, size_t);

#define G(f) offsetof(struct gw_config, f)
#define M(f) offsetof(struct modem_conf, f)
#define C(f) offsetof(struct channel_conf, f)

/* clang-format off */
static const struct config_key config_keys[] = {
	/* [gateway] */
	{ "gateway", "state_dir", CONFIG_KEY_STRING, CONFIG_DEFAULT_STATE_DIR, 0, 0, G(state_dir), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "gateway", "database", CONFIG_KEY_STRING, "stafeta.db", 0, 0, G(database), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "gateway", "log_level", CONFIG_KEY_LOGLEVEL, "info", 0, 0, G(log_level), 0, 0, NULL },
	{ "gateway", "language", CONFIG_KEY_LANGUAGE, "ro", 0, 0, G(language), 0, 0, NULL },
	{ "gateway", "admin_numbers", CONFIG_KEY_PHONES, "", 0, 0, G(admin_numbers), G(n_admin_numbers), 0, NULL },
	{ "gateway", "default_country", CONFIG_KEY_STRING, "40", 0, 0, G(default_country), 0, 0, check_country },
	{ "gateway", "admin_pin", CONFIG_KEY_STRING, NULL, 0, 0, G(admin_pin), 0, 0, check_pin },
	/* [store] */
	{ "store", "backend", CONFIG_KEY_STRING, "sqlite", 0, 0, G(store_backend), 0, CONFIG_KEY_NONEMPTY, check_store_backend },
	{ "store", "url", CONFIG_KEY_STRING, NULL, 0, 0, G(store_url), 0, 0, check_store_url },
	{ "store", "schema", CONFIG_KEY_STRING, NULL, 0, 0, G(store_schema), 0, 0, check_store_schema },
	/* [limits] */
	{ "limits", "replies_per_hour", CONFIG_KEY_INT, "30", 0, 100000, G(limit_replies_per_hour), 0, 0, NULL },
	{ "limits", "silence_s", CONFIG_KEY_INT, "3600", 60, 604800, G(limit_silence_s), 0, 0, NULL },
	{ "limits", "exempt_numbers", CONFIG_KEY_PHONES, "", 0, 0, G(limit_exempt), G(n_limit_exempt), 0, NULL },
	/* [queue] */
	{ "queue", "send_max_attempts", CONFIG_KEY_INT, "5", 1, 100, G(send_max_attempts), 0, 0, NULL },
	{ "queue", "send_retry_base_s", CONFIG_KEY_INT, "30", 1, 3600, G(send_retry_base_s), 0, 0, NULL },
	{ "queue", "send_max_age_s", CONFIG_KEY_INT, "86400", 60, 2592000, G(send_max_age_s), 0, 0, NULL },
	{ "queue", "multipart_timeout_s", CONFIG_KEY_INT, "3600", 10, 604800, G(multipart_timeout_s), 0, 0, NULL },
	{ "queue", "watchdog_s", CONFIG_KEY_INT, "60", 5, 3600, G(watchdog_s), 0, 0, NULL },
	{ "queue", "modem_down_after", CONFIG_KEY_INT, "3", 1, 100, G(modem_down_after), 0, 0, NULL },
	/* [http] */
	{ "http", "listen", CONFIG_KEY_STRING, NULL, 0, 0, G(http_listen), 0, 0, check_listen },
	{ "http", "secret", CONFIG_KEY_STRING, NULL, 0, 0, G(http_secret), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "http", "allow", CONFIG_KEY_LIST, "", 0, 0, G(http_allow), G(n_http_allow), 0, check_addr },
	/* [http] limits of every HTTP listener (gateway/gw_httpd.h) */
	{ "http", "request_timeout_s", CONFIG_KEY_INT, "10", 1, 300, G(http_request_timeout_s), 0, 0, NULL },
	{ "http", "max_connections", CONFIG_KEY_INT, "64", 1, 4096, G(http_max_connections), 0, 0, NULL },
	{ "http", "max_per_address", CONFIG_KEY_INT, "16", 1, 4096, G(http_max_per_address), 0, 0, NULL },
	{ "http", "ussd_convention", CONFIG_KEY_STRING, "form", 0, 0, G(http_ussd_convention), 0, CONFIG_KEY_NONEMPTY, check_ussd_convention },
	{ "http", "ussd_routes", CONFIG_KEY_LIST, "", 0, 0, G(http_ussd_routes), G(n_http_ussd_routes), 0, check_ussd_route },
	/* [metrics] (gateway/gw_metrics.h) */
	{ "metrics", "listen", CONFIG_KEY_STRING, NULL, 0, 0, G(metrics_listen), 0, 0, check_listen },
	{ "metrics", "allow", CONFIG_KEY_LIST, "", 0, 0, G(metrics_allow), G(n_metrics_allow), 0, check_addr },
	/* [web] the SPAS back office over HTTPS (gateway/web.h); off by default */
	{ "web", "listen", CONFIG_KEY_STRING, NULL, 0, 0, G(web_listen), 0, 0, check_listen },
	{ "web", "tls_cert", CONFIG_KEY_STRING, NULL, 0, 0, G(web_tls_cert), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "web", "tls_key", CONFIG_KEY_STRING, NULL, 0, 0, G(web_tls_key), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "web", "session_idle_s", CONFIG_KEY_INT, "1800", 60, 86400, G(web_session_idle_s), 0, 0, NULL },
	{ "web", "session_max_s", CONFIG_KEY_INT, "43200", 300, 604800, G(web_session_max_s), 0, 0, NULL },
	{ "web", "login_failures", CONFIG_KEY_INT, "10", 1, 1000, G(web_login_failures), 0, 0, NULL },
	{ "web", "login_block_s", CONFIG_KEY_INT, "300", 1, 86400, G(web_login_block_s), 0, 0, NULL },
	{ "web", "max_body", CONFIG_KEY_INT, "16384", 1024, 1048576, G(web_max_body), 0, 0, NULL },
	/* [flows] */
	{ "flows", "dir", CONFIG_KEY_STRING, NULL, 0, 0, G(flows_dir), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "flows", "reprompt_s", CONFIG_KEY_INT, "3600", 0, 604800, G(session_reprompt_s), 0, 0, NULL },
	{ "flows", "expiry_s", CONFIG_KEY_INT, "86400", 60, 2592000, G(session_expiry_s), 0, 0, NULL },
	{ "flows", "ussd_timeout_s", CONFIG_KEY_INT, "180", 10, 3600, G(ussd_timeout_s), 0, 0, NULL },
	/* [retention]: how long each data class is kept (docs/configuration.md) */
	{ "retention", "inbound_days", CONFIG_KEY_INT, "7", 1, 3650, G(keep_inbound_days), 0, 0, NULL },
	{ "retention", "outbox_days", CONFIG_KEY_INT, "90", 1, 3650, G(keep_outbox_days), 0, 0, NULL },
	{ "retention", "sessions_days", CONFIG_KEY_INT, "31", 1, 3650, G(keep_sessions_days), 0, 0, NULL },
	{ "retention", "ussd_days", CONFIG_KEY_INT, "1", 1, 3650, G(keep_ussd_days), 0, 0, NULL },
	{ "retention", "dedup_days", CONFIG_KEY_INT, "30", 1, 3650, G(keep_dedup_days), 0, 0, NULL },
	{ "retention", "quarantine_days", CONFIG_KEY_INT, "90", 1, 3650, G(keep_quarantine_days), 0, 0, NULL },
	{ "retention", "audit_years", CONFIG_KEY_INT, "0", 0, 100, G(keep_audit_years), 0, 0, NULL },
	{ "retention", "purge_batch", CONFIG_KEY_INT, "500", 10, 100000, G(purge_batch), 0, 0, NULL },
	/* [modem NAME] */
	{ "modem", "device", CONFIG_KEY_STRING, NULL, 0, 0, M(device), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "modem", "connection", CONFIG_KEY_STRING, "at", 0, 0, M(connection), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "modem", "model", CONFIG_KEY_STRING, "", 0, 0, M(model), 0, 0, NULL },
	{ "modem", "sim_pin", CONFIG_KEY_STRING, NULL, 0, 0, M(sim_pin), 0, 0, check_pin },
	{ "modem", "poll_ms", CONFIG_KEY_INT, "250", 20, 60000, M(poll_ms), 0, 0, NULL },
	{ "modem", "safety_poll_s", CONFIG_KEY_INT, "60", 0, 3600, M(safety_poll_s), 0, 0, NULL },
	{ "modem", "send_timeout_s", CONFIG_KEY_INT, "8", 2, 300, M(send_timeout_s), 0, 0, NULL },
	{ "modem", "probe_s", CONFIG_KEY_INT, "5", 0, 3600, M(probe_s), 0, 0, NULL },
	{ "modem", "send_per_minute", CONFIG_KEY_INT, "30", 0, 6000, M(send_per_minute), 0, 0, NULL },
	{ "modem", "daily_cap", CONFIG_KEY_INT, "0", 0, 1000000, M(daily_cap), 0, 0, NULL },
	{ "modem", "delivery_reports", CONFIG_KEY_BOOL, "yes", 0, 0, M(delivery_reports), 0, 0, NULL },
	{ "modem", "balance_ussd", CONFIG_KEY_STRING, NULL, 0, 0, M(balance_ussd), 0, 0, check_ussd },
	{ "modem", "balance_regex", CONFIG_KEY_STRING, NULL, 0, 0, M(balance_regex), 0, 0, check_regex },
	{ "modem", "low_credit", CONFIG_KEY_DOUBLE, "2.0", 0, 1000000, M(low_credit), 0, 0, NULL },
	{ "modem", "balance_every_s", CONFIG_KEY_INT, "21600", 60, 604800, M(balance_every_s), 0, 0, NULL },
	/* [channel NAME] (gateway/gw_kannel.h) */
	{ "channel", "type", CONFIG_KEY_STRING, NULL, 0, 0, C(type), 0, CONFIG_KEY_NONEMPTY, check_channel_type },
	{ "channel", "sendsms_url", CONFIG_KEY_STRING, NULL, 0, 0, C(sendsms_url), 0, CONFIG_KEY_NONEMPTY, check_http_url },
	{ "channel", "username", CONFIG_KEY_STRING, "", 0, 0, C(username), 0, 0, NULL },
	{ "channel", "password", CONFIG_KEY_STRING, "", 0, 0, C(password), 0, 0, NULL },
	{ "channel", "smsc", CONFIG_KEY_STRING, NULL, 0, 0, C(smsc), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "channel", "from", CONFIG_KEY_STRING, NULL, 0, 0, C(from), 0, CONFIG_KEY_NONEMPTY, NULL },
	{ "channel", "callback_url", CONFIG_KEY_STRING, NULL, 0, 0, C(callback_url), 0, CONFIG_KEY_NONEMPTY, check_http_url },
	{ "channel", "dlr_mask", CONFIG_KEY_INT, "19", 0, 31, C(dlr_mask), 0, 0, NULL },
	{ "channel", "send_per_minute", CONFIG_KEY_INT, "0", 0, 600000, C(send_per_minute), 0, 0, NULL },
	{ "channel", "daily_cap", CONFIG_KEY_INT, "0", 0, 100000000, C(daily_cap), 0, 0, NULL },
	{ "channel", "timeout_s", CONFIG_KEY_INT, "10", 1, 300, C(timeout_s), 0, 0, NULL },
};
/* clang-format on */

#undef G
#undef M
#undef C

/* Field access by table offset. */
#define FIELD(base, k, type) ((type *)(void *)((char *)(base) + (k)->off))

const struct config_key *
config_keys_core(size_t *n)
{
	*n = NELEM(config_keys);
	return config_keys;
}

int
config_keys_has_section(const struct config_key *keys, size_t n,
    const char *section)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(keys[i].section, section) == 0)
			return 1;
	}
	return 0;
}

int
config_keys_lookup(const struct config_key *keys, size_t n,
    const char *section, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, key) == 0)
			return (int)i;
	}
	return -1;
}

/* Levenshtein distance, capped: keys are short, so a fixed row is enough. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (la >= NELEM(row) || lb >= NELEM(row))
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
config_keys_suggest(const struct config_key *keys, size_t n,
    const char *section, const char *key)
{
	const char *best = NULL;
	size_t bestd = 3, d;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		d = edit_distance(key, keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = keys[i].name;
		}
	}
	return best;
}

/* NULL: every key but the [modem NAME] ones (a struct gw_config or a
 * service's section); otherwise the keys of that section only. */
static int
key_in_scope(const struct config_key *k, const char *only)
{
	if (only == NULL)
		return strcmp(k->section, "modem") != 0 &&
		    strcmp(k->section, "channel") != 0;
	return strcmp(k->section, only) == 0;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < NELEM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Accepts "H:MM" or "HH:MM" and writes the canonical "HH:MM". */
static int
parse_time(const char *v, char *out, size_t outlen)
{
	int h = 0, m, i = 0;

	if (v[i] < '0' || v[i] > '9')
		return -1;
	h = v[i++] - '0';
	if (v[i] >= '0' && v[i] <= '9')
		h = h * 10 + (v[i++] - '0');
	if (v[i++] != ':')
		return -1;
	if (v[i] < '0' || v[i] > '5' || v[i + 1] < '0' || v[i + 1] > '9' ||
	    v[i + 2] != '\0')
		return -1;
	m = (v[i] - '0') * 10 + (v[i + 1] - '0');
	if (h > 23)
		return -1;
	snprintf(out, outlen, "%02d:%02d", h, m);
	return 0;
}

static void
list_free(char ***list, size_t *n)
{
	if (*list != NULL) {
		for (size_t i = 0; (*list)[i] != NULL; i++)
			free((*list)[i]);
		free(*list);
	}
	*list = NULL;
	*n = 0;
}

/* Splits on commas, trims items, drops empty ones, checks each. */
static int
list_set(const struct config_key *k, void *base, const char *value,
    char *msg, size_t msglen)
{
	char ***list = FIELD(base, k, char **);
	size_t *n = (size_t *)(void *)((char *)base + k->n_off);
	char **items = xcalloc(1, sizeof(*items));
	size_t count = 0;
	const char *p = value;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		const char *s = p, *e = p + len;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s) {
			char *item = xstrndup(s, (size_t)(e - s));

			if (count == CONFIG_LIST_MAX) {
				snprintf(msg, msglen, "%s has more than %d "
				    "items", k->name, CONFIG_LIST_MAX);
				free(item);
				goto fail;
			}
			if (k->check != NULL &&
			    k->check(k, item, msg, msglen) == -1) {
				free(item);
				goto fail;
			}
			items = xrealloc(items, (count + 2) * sizeof(*items));
			items[count++] = item;
			items[count] = NULL;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	list_free(list, n);
	*list = items;
	*n = count;
	return 0;
fail:
	for (size_t i = 0; i < count; i++)
		free(items[i]);
	free(items);
	return -1;
}

int
config_key_set(const struct config_key *k, void *base, const char *value,
    char *msg, size_t msglen)
{
	char tbuf[8], *end = NULL;
	int64_t iv;
	double dv;
	int bv;
	enum log_level lv;

	if ((k->flags & CONFIG_KEY_NONEMPTY) && *value == '\0') {
		snprintf(msg, msglen, "%s must not be empty (remove the line "
		    "to use the default)", k->name);
		return -1;
	}
	switch (k->type) {
	case CONFIG_KEY_STRING:
		if (k->check != NULL && k->check(k, value, msg, msglen) == -1)
			return -1;
		free(*FIELD(base, k, char *));
		*FIELD(base, k, char *) = xstrdup(value);
		return 0;
	case CONFIG_KEY_INT:
		if (parse_int64(value, k->min, k->max, &iv) == -1) {
			snprintf(msg, msglen, "%s must be an integer between "
			    "%lld and %lld", k->name, (long long)k->min,
			    (long long)k->max);
			return -1;
		}
		if (k->check != NULL && k->check(k, value, msg, msglen) == -1)
			return -1;
		*FIELD(base, k, int) = (int)iv;
		return 0;
	case CONFIG_KEY_BOOL:
		if (parse_bool(value, &bv) == -1) {
			snprintf(msg, msglen, "%s must be yes or no (or true/"
			    "false, on/off, 1/0)", k->name);
			return -1;
		}
		*FIELD(base, k, int) = bv;
		return 0;
	case CONFIG_KEY_DOUBLE:
		dv = *value != '\0' ? strtod(value, &end) : 0;
		if (end == NULL || *end != '\0' || !isfinite(dv) ||
		    dv < (double)k->min || dv > (double)k->max) {
			snprintf(msg, msglen, "%s must be a number between "
			    "%lld and %lld", k->name, (long long)k->min,
			    (long long)k->max);
			return -1;
		}
		*FIELD(base, k, double) = dv;
		return 0;
	case CONFIG_KEY_LIST:
	case CONFIG_KEY_PHONES:
		return list_set(k, base, value, msg, msglen);
	case CONFIG_KEY_LOGLEVEL:
		if (log_level_parse(value, &lv) == -1) {
			snprintf(msg, msglen, "%s must be one of error, warn, "
			    "info, debug", k->name);
			return -1;
		}
		*FIELD(base, k, int) = (int)lv;
		return 0;
	case CONFIG_KEY_LANGUAGE:
		if (strcmp(value, "ro") != 0 && strcmp(value, "hu") != 0 &&
		    strcmp(value, "en") != 0) {
			snprintf(msg, msglen, "%s must be one of ro, hu, en",
			    k->name);
			return -1;
		}
		free(*FIELD(base, k, char *));
		*FIELD(base, k, char *) = xstrdup(value);
		return 0;
	case CONFIG_KEY_TIME:
		if (parse_time(value, tbuf, sizeof(tbuf)) == -1) {
			snprintf(msg, msglen, "%s must be a time HH:MM between "
			    "00:00 and 23:59", k->name);
			return -1;
		}
		free(*FIELD(base, k, char *));
		*FIELD(base, k, char *) = xstrdup(tbuf);
		return 0;
	}
	snprintf(msg, msglen, "%s: internal error: unknown key type", k->name);
	return -1;
}

void
config_keys_defaults(const struct config_key *keys, size_t n,
    const char *only, void *base)
{
	char msg[CONFIG_ERR_LEN];

	for (size_t i = 0; i < n; i++) {
		const struct config_key *k = &keys[i];

		if (!key_in_scope(k, only) || k->def == NULL)
			continue;
		if (config_key_set(k, base, k->def, msg, sizeof(msg)) == -1)
			fatalx("config: bad built-in default: %s", msg);
	}
}

void
config_keys_free(const struct config_key *keys, size_t n, const char *only,
    void *base)
{
	for (size_t i = 0; i < n; i++) {
		const struct config_key *k = &keys[i];

		if (!key_in_scope(k, only))
			continue;
		switch (k->type) {
		case CONFIG_KEY_STRING:
		case CONFIG_KEY_LANGUAGE:
		case CONFIG_KEY_TIME:
			free(*FIELD(base, k, char *));
			*FIELD(base, k, char *) = NULL;
			break;
		case CONFIG_KEY_LIST:
		case CONFIG_KEY_PHONES:
			list_free(FIELD(base, k, char **),
			    (size_t *)(void *)((char *)base + k->n_off));
			break;
		case CONFIG_KEY_INT:
		case CONFIG_KEY_BOOL:
		case CONFIG_KEY_DOUBLE:
		case CONFIG_KEY_LOGLEVEL:
			break;
		}
	}
}

int
config_keys_phones(const struct config_key *keys, size_t n, void *base,
    const char *country, const int *lines, int *line, char *msg,
    size_t msglen)
{
	char e164[32];

	for (size_t i = 0; i < n; i++) {
		const struct config_key *k = &keys[i];
		char **list;

		if (k->type != CONFIG_KEY_PHONES || !key_in_scope(k, NULL))
			continue;
		list = *FIELD(base, k, char **);
		for (size_t j = 0; list != NULL && list[j] != NULL; j++) {
			if (phone_normalize(list[j], country, e164,
			    sizeof(e164)) == -1) {
				*line = lines[i];
				snprintf(msg, msglen, "%s: \"%s\" is not a phone "
				    "number (write +40..., 0040... or 07...)",
				    k->name, list[j]);
				return -1;
			}
			free(list[j]);
			list[j] = xstrdup(e164);
		}
	}
	return 0;
}

/* --- validators of single values --- */

static int
check_country(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	size_t n = strlen(v);

	if (n >= 1 && n <= 3 && strspn(v, "0123456789") == n && v[0] != '0')
		return 0;
	snprintf(msg, msglen, "%s must be a country calling code of 1 to 3 "
	    "digits without + or 00, e.g. 40", k->name);
	return -1;
}

/* HOST:PORT, or [IPv6]:PORT; the host is resolved by the HTTP module. */
static int
check_listen(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	const char *colon = strrchr(v, ':');
	int64_t port;
	int hostok;

	if (colon == NULL)
		goto bad;
	if (v[0] == '[')
		hostok = colon > v + 2 && colon[-1] == ']';
	else
		hostok = colon > v && memchr(v, ':', (size_t)(colon - v)) ==
		    NULL;
	if (!hostok || parse_int64(colon + 1, 1, 65535, &port) == -1)
		goto bad;
	for (const char *p = v; p < colon; p++) {
		if (*p == ' ' || *p == '\t')
			goto bad;
	}
	return 0;
bad:
	snprintf(msg, msglen, "%s must be HOST:PORT (e.g. 127.0.0.1:8080 or "
	    "[::1]:8080) with a port between 1 and 65535", k->name);
	return -1;
}

/* The kinds of [channel NAME] the gateway implements. */
static int
check_channel_type(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	if (strcmp(v, "kannel") == 0)
		return 0;
	snprintf(msg, msglen, "%s: unknown channel type \"%s\" (kannel)",
	    k->name, v);
	return -1;
}

/* http://HOST:PORT/PATH with printable characters only (libevent's HTTP
 * client speaks no TLS: Kannel runs beside Stafeta or on a private
 * link). */
static int
check_http_url(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f)
			goto bad;
	}
	if (strncmp(v, "http://", 7) == 0 && n > 7 && n < 512)
		return 0;
bad:
	snprintf(msg, msglen, "%s: \"%s\" is not an http:// URL", k->name,
	    v);
	return -1;
}

/* The USSD aggregator conventions gateway/gw_ussd_adapt.c implements. */
static int
check_store_backend(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	if (strcmp(v, "sqlite") == 0 || strcmp(v, "postgresql") == 0)
		return 0;
	snprintf(msg, msglen, "%s: unknown backend \"%s\" (sqlite or "
	    "postgresql)", k->name, v);
	return -1;
}

/* A libpq URL; its text (it may hold a password) is never repeated. */
static int
check_store_url(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	if (strncmp(v, "postgresql://", 13) == 0 ||
	    strncmp(v, "postgres://", 11) == 0)
		return 0;
	snprintf(msg, msglen, "%s: must be a postgresql:// URL, e.g. "
	    "postgresql://stafeta@127.0.0.1/county", k->name);
	return -1;
}

/* A schema name that needs no quoting: the commune's, lower case. */
static int
check_store_schema(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	size_t n = strlen(v);
	int ok = n > 0 && n < 64 && !(v[0] >= '0' && v[0] <= '9');

	for (size_t i = 0; ok && i < n; i++)
		ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' &&
		    v[i] <= '9') || v[i] == '_';
	if (ok && strncmp(v, "pg_", 3) != 0)
		return 0;
	snprintf(msg, msglen, "%s: \"%s\" is not a schema name (lower-case "
	    "letters, digits, _; not starting with a digit or pg_)", k->name,
	    v);
	return -1;
}

static int
check_ussd_convention(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	if (strcmp(v, "form") == 0 || strcmp(v, "json") == 0 ||
	    strcmp(v, "get") == 0)
		return 0;
	snprintf(msg, msglen, "%s: unknown convention \"%s\" (form, json or "
	    "get)", k->name, v);
	return -1;
}

/* "PATH=CONVENTION": an absolute path of letters, digits, / _ - . */
static int
check_ussd_route(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	const char *eq = strchr(v, '=');
	size_t n = eq != NULL ? (size_t)(eq - v) : 0;

	if (eq == NULL || n < 2 || n > 64 || v[0] != '/' ||
	    strspn(v, "/_-.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789") != n || (n == 5 && strncmp(v, "/ussd", 5) == 0) ||
	    (n == 7 && strncmp(v, "/health", 7) == 0) ||
	    strncmp(v, "/kannel/", 8) == 0) {
		snprintf(msg, msglen, "%s: \"%s\" is not PATH=CONVENTION with "
		    "a free absolute path", k->name, v);
		return -1;
	}
	return check_ussd_convention(k, eq + 1, msg, msglen);
}

static int
check_addr(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, v, a) == 1 || inet_pton(AF_INET6, v, a) == 1)
		return 0;
	snprintf(msg, msglen, "%s: \"%s\" is not an IPv4 or IPv6 address",
	    k->name, v);
	return -1;
}

/* The PIN itself is never echoed in messages. */
static int
check_pin(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	size_t n = strlen(v);

	if (n >= 4 && n <= 8 && strspn(v, "0123456789") == n)
		return 0;
	snprintf(msg, msglen, "%s must be 4 to 8 digits", k->name);
	return -1;
}

static int
check_ussd(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	size_t n = strlen(v);

	if (n >= 1 && n <= 32 && strspn(v, "0123456789*#+") == n)
		return 0;
	snprintf(msg, msglen, "%s must be a USSD code of digits, * and #, "
	    "e.g. *133#", k->name);
	return -1;
}

static int
check_regex(const struct config_key *k, const char *v, char *msg,
    size_t msglen)
{
	pcre2_code *re;
	PCRE2_UCHAR emsg[128];
	PCRE2_SIZE off;
	uint32_t ncap = 0;
	int ecode;

	re = pcre2_compile((PCRE2_SPTR)v, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
	    &ecode, &off, NULL);
	if (re == NULL) {
		if (pcre2_get_error_message(ecode, emsg, sizeof(emsg)) < 0)
			strlcpy_s((char *)emsg, "unknown error", sizeof(emsg));
		snprintf(msg, msglen, "%s does not compile: %s (at offset %zu)",
		    k->name, (const char *)emsg, (size_t)off);
		return -1;
	}
	if (pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ncap) != 0)
		ncap = 0;
	pcre2_code_free(re);
	if (ncap < 1) {
		snprintf(msg, msglen, "%s must have a capture group around the "
		    "amount, e.g. \"([0-9]+[.,][0-9]+)\"", k->name);
		return -1;
	}
	return 0;
}
