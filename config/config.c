/*
 * config.c - loading a configuration: reads the file, drives the INI
 * tokeniser (config_ini.c) into the key table (config_keys.c), then
 * resolves paths and adds the implicit dummy modem.
 *
 * The result is complete and checked; nothing in the daemon looks at the
 * INI text again.  Errors are "path:line: message".
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "file.h"
#include "util.h"

#ifndef STAFETA_DATADIR
#define STAFETA_DATADIR "/usr/local/share/stafeta" /* set by the Makefile */
#endif
#ifndef STAFETA_SRCDIR
#define STAFETA_SRCDIR "" /* the checkout, set by the Makefile */
#endif

#define CONFIG_FILE_MAX (1024 * 1024) /* a config larger than this is wrong */
#define CONFIG_MODEMS_MAX 64	      /* [modem] sections in one file */
#define CONFIG_SECTIONS_MAX 16	      /* distinct global sections */
#define CONFIG_PATH_MAX 4096

struct config_parse {
	struct gw_config *cfg;	 /* being filled */
	const struct config_key *keys; /* the core table */
	size_t nkeys;
	int *glines;		 /* per key: line that set a global key */
	int *mlines;		 /* per key: line in the current [modem] */
	int *clines;		 /* per key: line in the current [channel] */
	int *slines[CONFIG_SERVICE_SECTIONS_MAX]; /* per service key */
	const char *section;	 /* current section word (tokeniser's copy) */
	long modem;		 /* index of the current modem, -1 if none */
	long channel;		 /* index of the current [channel], or -1 */
	long service;		 /* index of the current service section */
	size_t n_seen;		 /* global sections seen so far */
	const char *seen[CONFIG_SECTIONS_MAX]; /* their names */
	int seen_line[CONFIG_SECTIONS_MAX];    /* and header lines */
};

static int modem_name_ok(const char *);
static long service_index(const struct gw_config *, const char *);
static void unknown_section(const struct config_parse *, const char *,
    char *, size_t);
static int finish_sections(struct config_parse *, int *, char *, size_t);
static void parse_state_free(struct config_parse *);
static int parse_section(struct config_parse *, const struct config_ini_item *,
    char *, size_t);
static int parse_channel(struct config_parse *,
    const struct config_ini_item *, char *, size_t);
static int parse_item_cb(void *, const struct config_ini_item *, char *,
    size_t);
static char *path_join(const char *, const char *);
static char *abs_dir(const char *);
static char *flows_default(void);
static void resolve_against(char **, const char *);
static int finish(struct config_parse *, const char *, int *, char *, size_t);
static int store_locate(struct gw_config *, int *, char *, size_t);
static void modem_add_implicit(struct gw_config *);

static int
modem_name_ok(const char *n)
{
	size_t len = strlen(n);

	return len >= 1 && len <= 32 &&
	    strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_-") == len;
}

/* The service section called name, or -1. */
static long
service_index(const struct gw_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_sections; i++) {
		if (strcmp(cfg->sections[i]->name, name) == 0)
			return (long)i;
	}
	return -1;
}

/* Lists every section this load knows: config's own, in the order of
 * its key table, then the services', then [modem NAME]. */
static void
unknown_section(const struct config_parse *st, const char *name, char *msg,
    size_t msglen)
{
	char known[512] = "";
	size_t n = 0;

	for (size_t i = 0; i < st->nkeys && n < sizeof(known); i++) {
		const char *sec = st->keys[i].section;

		if (strcmp(sec, "modem") == 0 || strcmp(sec, "channel") == 0 ||
		    (i > 0 && strcmp(sec, st->keys[i - 1].section) == 0))
			continue;
		n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s",
		    n > 0 ? ", " : "", sec);
	}
	for (size_t i = 0; i < st->cfg->n_sections && n < sizeof(known); i++)
		n += (size_t)snprintf(known + n, sizeof(known) - n, ", %s",
		    st->cfg->sections[i]->name);
	snprintf(msg, msglen, "unknown section [%s] (known: %s, modem NAME)",
	    name, known);
}

/* "[channel NAME]": a new channel with the section's defaults. */
static int
parse_channel(struct config_parse *st, const struct config_ini_item *it,
    char *msg, size_t msglen)
{
	struct gw_config *cfg = st->cfg;
	struct channel_conf *c;

	if (it->name == NULL || !modem_name_ok(it->name)) {
		snprintf(msg, msglen, "bad channel name \"%s\": write [channel "
		    "NAME] with 1 to 32 letters, digits, _ or -",
		    it->name != NULL ? it->name : "");
		return -1;
	}
	for (size_t i = 0; i < cfg->n_channels; i++) {
		if (strcmp(cfg->channels[i].name, it->name) == 0) {
			snprintf(msg, msglen, "duplicate channel name %s "
			    "(first on line %d)", it->name,
			    cfg->channels[i].line);
			return -1;
		}
	}
	for (size_t i = 0; i < cfg->n_modems; i++) {
		if (strcmp(cfg->modems[i].name, it->name) == 0) {
			snprintf(msg, msglen, "channel %s has the name of a "
			    "modem (line %d)", it->name, cfg->modems[i].line);
			return -1;
		}
	}
	if (cfg->n_channels == CONFIG_MODEMS_MAX) {
		snprintf(msg, msglen, "too many [channel] sections (max %d)",
		    CONFIG_MODEMS_MAX);
		return -1;
	}
	cfg->channels = xrealloc(cfg->channels,
	    (cfg->n_channels + 1) * sizeof(*cfg->channels));
	c = &cfg->channels[cfg->n_channels];
	memset(c, 0, sizeof(*c));
	config_keys_defaults(st->keys, st->nkeys, "channel", c);
	c->name = xstrdup(it->name);
	c->line = it->line;
	st->channel = (long)cfg->n_channels++;
	memset(st->clines, 0, st->nkeys * sizeof(int));
	return 0;
}

static int
parse_section(struct config_parse *st, const struct config_ini_item *it,
    char *msg, size_t msglen)
{
	struct gw_config *cfg = st->cfg;
	struct modem_conf *m;
	long service = service_index(cfg, it->section);

	if (service < 0 && !config_keys_has_section(st->keys, st->nkeys,
	    it->section)) {
		unknown_section(st, it->section, msg, msglen);
		return -1;
	}
	st->section = it->section;
	st->service = service;
	st->channel = -1;
	if (strcmp(it->section, "channel") == 0) {
		st->modem = -1;
		return parse_channel(st, it, msg, msglen);
	}
	if (strcmp(it->section, "modem") != 0) {
		if (it->name != NULL) {
			snprintf(msg, msglen, "syntax error: section [%s] takes "
			    "no name", it->section);
			return -1;
		}
		for (size_t i = 0; i < st->n_seen; i++) {
			if (strcmp(st->seen[i], it->section) == 0) {
				snprintf(msg, msglen, "duplicate section [%s] "
				    "(first on line %d)", it->section,
				    st->seen_line[i]);
				return -1;
			}
		}
		/* Only known sections get here, so the array cannot fill. */
		if (st->n_seen < CONFIG_SECTIONS_MAX) {
			st->seen[st->n_seen] = it->section;
			st->seen_line[st->n_seen++] = it->line;
		}
		st->modem = -1;
		return 0;
	}
	if (it->name == NULL || !modem_name_ok(it->name)) {
		snprintf(msg, msglen, "bad modem name \"%s\": write [modem NAME] "
		    "with 1 to 32 letters, digits, _ or -",
		    it->name != NULL ? it->name : "");
		return -1;
	}
	for (size_t i = 0; i < cfg->n_modems; i++) {
		if (strcmp(cfg->modems[i].name, it->name) == 0) {
			snprintf(msg, msglen, "duplicate modem name %s (first "
			    "on line %d)", it->name, cfg->modems[i].line);
			return -1;
		}
	}
	if (cfg->n_modems == CONFIG_MODEMS_MAX) {
		snprintf(msg, msglen, "too many [modem] sections (max %d)",
		    CONFIG_MODEMS_MAX);
		return -1;
	}
	cfg->modems = xrealloc(cfg->modems,
	    (cfg->n_modems + 1) * sizeof(*cfg->modems));
	m = &cfg->modems[cfg->n_modems];
	memset(m, 0, sizeof(*m));
	config_keys_defaults(st->keys, st->nkeys, "modem", m);
	m->name = xstrdup(it->name);
	m->line = it->line;
	st->modem = (long)cfg->n_modems++;
	memset(st->mlines, 0, st->nkeys * sizeof(int));
	return 0;
}

static int
parse_item_cb(void *arg, const struct config_ini_item *it, char *msg,
    size_t msglen)
{
	struct config_parse *st = arg;
	const struct config_key *keys = st->keys;
	size_t nkeys = st->nkeys;
	int idx, *lines;
	void *base;

	if (it->kind == CONFIG_INI_SECTION)
		return parse_section(st, it, msg, msglen);
	if (st->service >= 0) {
		keys = st->cfg->sections[st->service]->keys;
		nkeys = st->cfg->sections[st->service]->nkeys;
	}
	idx = config_keys_lookup(keys, nkeys, st->section, it->key);
	if (idx == -1) {
		const char *hint = config_keys_suggest(keys, nkeys, st->section,
		    it->key);

		snprintf(msg, msglen, "unknown key \"%s\" in [%s%s%s]%s%s%s",
		    it->key, st->section, st->modem >= 0 ||
		    st->channel >= 0 ? " " : "", st->modem >= 0 ?
		    st->cfg->modems[st->modem].name : st->channel >= 0 ?
		    st->cfg->channels[st->channel].name : "",
		    hint != NULL ? " (did you mean " : "",
		    hint != NULL ? hint : "", hint != NULL ? "?)" : "");
		return -1;
	}
	if (st->service >= 0) {
		lines = st->slines[st->service];
		base = st->cfg->section_data[st->service];
	} else if (st->modem >= 0) {
		lines = st->mlines;
		base = &st->cfg->modems[st->modem];
	} else if (st->channel >= 0) {
		lines = st->clines;
		base = &st->cfg->channels[st->channel];
	} else {
		lines = st->glines;
		base = st->cfg;
	}
	if (lines[idx] != 0) {
		snprintf(msg, msglen, "duplicate key %s (first set on line %d)",
		    it->key, lines[idx]);
		return -1;
	}
	lines[idx] = it->line;
	return config_key_set(&keys[idx], base, it->value, msg, msglen);
}

/* dir/rel, or rel itself if absolute; a leading "./" is dropped. */
static char *
path_join(const char *dir, const char *rel)
{
	size_t n;

	if (rel[0] == '/')
		return xstrdup(rel);
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	n = strlen(dir);
	if (rel[0] == '\0' || (rel[0] == '.' && rel[1] == '\0'))
		return xstrdup(dir);
	if (n > 0 && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, rel);
	return xasprintf("%s/%s", dir, rel);
}

/* Absolute form of a directory, without trailing slashes; NULL if the
 * current directory cannot be found. */
static char *
abs_dir(const char *p)
{
	char cwd[CONFIG_PATH_MAX], *r;
	size_t n;

	if (p[0] == '/')
		r = xstrdup(p);
	else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return NULL;
		r = path_join(cwd, p);
	}
	n = strlen(r);
	while (n > 1 && r[n - 1] == '/')
		r[--n] = '\0';
	return r;
}

/*
 * Where the flow files are when the configuration does not say: a binary
 * that runs from the checkout it was built in (build/stafetad,
 * build/tests/test_x) uses that checkout's flows/, so a build never runs
 * stale installed flows; any other binary, an installed one above all,
 * uses the compiled-in STAFETA_DATADIR and nothing relative to itself.
 */
static char *
flows_default(void)
{
	char exe[CONFIG_PATH_MAX];
	size_t n = strlen(STAFETA_SRCDIR);
	ssize_t len;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0 && n > 1) {
		exe[len] = '\0';
		if (strncmp(exe, STAFETA_SRCDIR, n) == 0 && exe[n] == '/')
			return path_join(STAFETA_SRCDIR, "flows");
	}
	return xstrdup(STAFETA_DATADIR "/flows");
}

/* Replaces a relative *p by dir/ *p. */
static void
resolve_against(char **p, const char *dir)
{
	char *r;

	if (*p == NULL || (*p)[0] == '/')
		return;
	r = path_join(dir, *p);
	free(*p);
	*p = r;
}

static void
modem_add_implicit(struct gw_config *cfg)
{
	struct modem_conf *m;
	size_t nkeys;
	const struct config_key *keys = config_keys_core(&nkeys);

	cfg->modems = xcalloc(1, sizeof(*cfg->modems));
	m = &cfg->modems[0];
	config_keys_defaults(keys, nkeys, "modem", m);
	m->name = xstrdup("dummy0");
	free(m->model);
	m->model = xstrdup("dummy");
	free(m->connection);
	m->connection = xstrdup("none");
	m->device = path_join(cfg->state_dir, "modem-dummy0");
	m->implicit = 1;
	cfg->n_modems = 1;
}

/*
 * What the store opens: the SQLite file, or for [store] backend =
 * postgresql the URL with the commune's schema as its search_path
 * (libpq's options parameter, URL-encoded: "-c search_path=NAME").
 */
static int
store_locate(struct gw_config *cfg, int *line, char *msg, size_t msglen)
{
	size_t len;

	if (strcmp(cfg->store_backend, "postgresql") != 0) {
		cfg->store_locator = xstrdup(cfg->database);
		return 0;
	}
	if (cfg->store_url == NULL) {
		*line = 0;
		snprintf(msg, msglen, "store: backend = postgresql needs url "
		    "(e.g. url = postgresql://stafeta@127.0.0.1/county)");
		return -1;
	}
	if (cfg->store_schema == NULL) {
		cfg->store_locator = xstrdup(cfg->store_url);
		return 0;
	}
	len = strlen(cfg->store_url) + strlen(cfg->store_schema) + 40;
	cfg->store_locator = xmalloc(len);
	snprintf(cfg->store_locator, len, "%s%coptions=-c%%20search_path%%3D%s",
	    cfg->store_url, strchr(cfg->store_url, '?') != NULL ? '&' : '?',
	    cfg->store_schema);
	return 0;
}

/* Cross-key checks and path resolution once the whole file is read. */
static int
finish(struct config_parse *st, const char *override, int *line, char *msg,
    size_t msglen)
{
	struct gw_config *cfg = st->cfg;
	char *sd;

	if (config_keys_phones(st->keys, st->nkeys, cfg, cfg->default_country,
	    st->glines, line, msg, msglen) == -1)
		return -1;
	sd = abs_dir(override != NULL ? override : cfg->state_dir);
	if (sd == NULL) {
		*line = 0;
		snprintf(msg, msglen, "state_dir: cannot find the current "
		    "directory: %s", strerror(errno));
		return -1;
	}
	free(cfg->state_dir);
	cfg->state_dir = sd;
	resolve_against(&cfg->database, sd);
	if (store_locate(cfg, line, msg, msglen) == -1)
		return -1;
	if (cfg->flows_dir == NULL)
		cfg->flows_dir = flows_default();
	else
		resolve_against(&cfg->flows_dir, sd);
	for (size_t i = 0; i < cfg->n_modems; i++) {
		struct modem_conf *m = &cfg->modems[i];

		if (m->device == NULL) {
			*line = m->line;
			snprintf(msg, msglen, "modem %s: device is required "
			    "(e.g. device = /dev/ttyUSB0)", m->name);
			return -1;
		}
		/* The contract: a dummy modem's folder lives in the state
		 * directory, so -S gives each instance its own. */
		if (strcasecmp(m->model, "dummy") == 0)
			resolve_against(&m->device, sd);
	}
	for (size_t i = 0; i < cfg->n_channels; i++) {
		struct channel_conf *c = &cfg->channels[i];

		if (c->type == NULL || c->sendsms_url == NULL) {
			*line = c->line;
			snprintf(msg, msglen, "channel %s: %s is required", c->name,
			    c->type == NULL ? "type (type = kannel)" :
			    "sendsms_url (http://HOST:13013/cgi-bin/sendsms)");
			return -1;
		}
		if (c->callback_url == NULL && cfg->http_listen == NULL) {
			*line = c->line;
			snprintf(msg, msglen, "channel %s: Kannel calls Stafeta "
			    "back: set [http] listen (or callback_url)",
			    c->name);
			return -1;
		}
	}
	/* The built-in dummy modem only when nothing at all sends: beside an
	 * operator link it would take a share of the queue. */
	if (cfg->n_modems == 0 && cfg->n_channels == 0)
		modem_add_implicit(cfg);
	return finish_sections(st, line, msg, msglen);
}

/* The services' sections, once the core configuration is complete. */
static int
finish_sections(struct config_parse *st, int *line, char *msg, size_t msglen)
{
	struct gw_config *cfg = st->cfg;

	for (size_t i = 0; i < cfg->n_sections; i++) {
		const struct config_section *sec = cfg->sections[i];

		if (config_keys_phones(sec->keys, sec->nkeys,
		    cfg->section_data[i], cfg->default_country, st->slines[i],
		    line, msg, msglen) == -1)
			return -1;
		*line = 0;
		if (sec->finish != NULL && sec->finish(cfg->section_data[i],
		    cfg, st->slines[i], line, msg, msglen) == -1)
			return -1;
	}
	return 0;
}

static void
parse_state_free(struct config_parse *st)
{
	free(st->glines);
	free(st->mlines);
	free(st->clines);
	for (size_t i = 0; i < CONFIG_SERVICE_SECTIONS_MAX; i++)
		free(st->slines[i]);
}

struct gw_config *
config_parse_buffer(const char *name, const char *data, size_t len,
    const char *state_dir_override,
    const struct config_section *const *sections, size_t nsections,
    char *err, size_t errlen)
{
	struct config_parse st;
	struct gw_config *cfg = xcalloc(1, sizeof(*cfg));
	char msg[CONFIG_ERR_LEN];
	int line = 0;

	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	st.modem = -1;
	st.service = -1;
	st.keys = config_keys_core(&st.nkeys);
	st.glines = xcalloc(st.nkeys, sizeof(int));
	st.mlines = xcalloc(st.nkeys, sizeof(int));
	st.clines = xcalloc(st.nkeys, sizeof(int));
	st.channel = -1;
	cfg->path = xstrdup(name);
	config_keys_defaults(st.keys, st.nkeys, NULL, cfg);
	if (nsections > CONFIG_SERVICE_SECTIONS_MAX) {
		snprintf(msg, sizeof(msg), "more than %d service sections",
		    CONFIG_SERVICE_SECTIONS_MAX);
		goto fail;
	}
	for (size_t i = 0; i < nsections; i++) {
		const struct config_section *sec = sections[i];

		cfg->sections[i] = sec;
		cfg->section_data[i] = xcalloc(1, sec->size);
		cfg->n_sections = i + 1;
		st.slines[i] = xcalloc(sec->nkeys + 1, sizeof(int));
		config_keys_defaults(sec->keys, sec->nkeys, NULL,
		    cfg->section_data[i]);
	}
	if (config_ini_parse(data, len, parse_item_cb, &st, &line, msg,
	    sizeof(msg)) == -1)
		goto fail;
	if (state_dir_override != NULL && *state_dir_override == '\0') {
		snprintf(msg, sizeof(msg), "-S: empty state directory");
		line = 0;
		goto fail;
	}
	if (finish(&st, state_dir_override, &line, msg, sizeof(msg)) == -1)
		goto fail;
	parse_state_free(&st);
	return cfg;
fail:
	if (line > 0)
		snprintf(err, errlen, "%s:%d: %s", name, line, msg);
	else
		snprintf(err, errlen, "%s: %s", name, msg);
	parse_state_free(&st);
	config_free(cfg);
	return NULL;
}

struct gw_config *
config_load(const char *path, const char *state_dir_override,
    const struct config_section *const *sections, size_t nsections,
    char *err, size_t errlen)
{
	struct gw_config *cfg;
	char *data;
	size_t n;

	if (file_read(path, CONFIG_FILE_MAX, &data, &n, err, errlen) != 0)
		return NULL;
	cfg = config_parse_buffer(path, data, n, state_dir_override, sections,
	    nsections, err, errlen);
	free(data);
	return cfg;
}

void
config_free(struct gw_config *cfg)
{
	const struct config_key *keys;
	size_t nkeys;

	if (cfg == NULL)
		return;
	keys = config_keys_core(&nkeys);
	for (size_t i = 0; i < cfg->n_modems; i++) {
		config_keys_free(keys, nkeys, "modem", &cfg->modems[i]);
		free(cfg->modems[i].name);
	}
	free(cfg->modems);
	for (size_t i = 0; i < cfg->n_channels; i++) {
		config_keys_free(keys, nkeys, "channel", &cfg->channels[i]);
		free(cfg->channels[i].name);
	}
	free(cfg->channels);
	config_keys_free(keys, nkeys, NULL, cfg);
	for (size_t i = 0; i < cfg->n_sections; i++) {
		config_keys_free(cfg->sections[i]->keys, cfg->sections[i]->nkeys,
		    NULL, cfg->section_data[i]);
		free(cfg->section_data[i]);
	}
	free(cfg->store_locator);
	free(cfg->path);
	free(cfg);
}

const struct channel_conf *
config_channel(const struct gw_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_channels; i++) {
		if (strcmp(cfg->channels[i].name, name) == 0)
			return &cfg->channels[i];
	}
	return NULL;
}

const void *
config_section_data(const struct gw_config *cfg,
    const struct config_section *sec)
{
	for (size_t i = 0; i < cfg->n_sections; i++) {
		if (cfg->sections[i] == sec)
			return cfg->section_data[i];
	}
	return NULL;
}

void
config_path_resolve(char **path, const char *dir)
{
	resolve_against(path, dir);
}

const struct modem_conf *
config_modem(const struct gw_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_modems; i++) {
		if (strcmp(cfg->modems[i].name, name) == 0)
			return &cfg->modems[i];
	}
	return NULL;
}
