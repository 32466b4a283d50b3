/*
 * config.h - the daemon's configuration: one INI file, parsed once into an
 * immutable struct gw_config.
 *
 * Every key is declared exactly once in config_keys.c with its type,
 * default and bounds; unknown sections, unknown keys and bad values are
 * errors reported as "path:line: message".  On SIGHUP the gateway parses a
 * complete new configuration and swaps it in only if it loaded cleanly.
 * A struct gw_config owns every string and array it points to;
 * config_free() releases all of it.
 *
 * Paths: `database`, `flows_dir` and a dummy modem's relative `device`
 * are resolved against the state directory (-S DIR, or [gateway]
 * state_dir, or /var/lib/stafeta).
 *
 * Sections of services: the file's [gateway], [queue], [http], [flows],
 * [retention] and [modem NAME] sections are config's own; every other
 * section belongs to a service, which describes it with a struct config_section (its keys
 * in the same table form, filling a struct of its own) and hands it to
 * config_load.  config knows no service: a section nobody handed in is
 * an unknown section.
 */
#ifndef STAFETA_CONFIG_H
#define STAFETA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_ERR_LEN 512
#define CONFIG_SERVICE_SECTIONS_MAX 16 /* service sections one load takes */
#define CONFIG_DEFAULT_PATH "/etc/stafeta/stafeta.conf"
#define CONFIG_DEFAULT_STATE_DIR "/var/lib/stafeta"

/* How a key's text becomes a value. */
enum config_key_type {
	CONFIG_KEY_STRING = 0, /* char *, NULL when unset */
	CONFIG_KEY_INT,	       /* int within [min, max] */
	CONFIG_KEY_BOOL,       /* int 0/1: yes/no, true/false, on/off, 1/0 */
	CONFIG_KEY_DOUBLE,     /* double within [min, max] */
	CONFIG_KEY_LIST,       /* char ** (NULL-terminated) + size_t count */
	CONFIG_KEY_LOGLEVEL,   /* int, enum log_level */
	CONFIG_KEY_LANGUAGE,   /* char *: ro, hu, en */
	CONFIG_KEY_PHONES,     /* like LIST, normalised to E.164 at the end */
	CONFIG_KEY_TIME,       /* char * "HH:MM" */
};

#define CONFIG_KEY_NONEMPTY 0x01 /* "" is an error, not "unset" */

struct config_key;
/* An extra test of a value's text (of each item of a list): 0, or -1
 * with "key must be ..." in msg. */
typedef int config_key_check(const struct config_key *, const char *value,
    char *msg, size_t msglen);

/* One key, declared once (conventions.md 13). */
struct config_key {
	const char *section; /* "gateway", ..., "modem", or a service's */
	const char *name;    /* key as written in the file */
	enum config_key_type type; /* how the value is parsed and stored */
	const char *def;     /* default, parsed like a file value; NULL = unset */
	int64_t min, max;    /* INT and DOUBLE bounds */
	size_t off;	     /* field in the struct the section fills */
	size_t n_off;	     /* LIST, PHONES: the size_t count field */
	int flags;	     /* CONFIG_KEY_NONEMPTY */
	config_key_check *check; /* or NULL */
};

struct gw_config;

/* A service's [section]: its keys fill a struct of size bytes that the
 * configuration owns (strings and lists freed by config_free). */
struct config_section {
	const char *name;	       /* "sheets": the [name] header */
	const struct config_key *keys; /* each with .section = name */
	size_t nkeys;
	size_t size;		       /* bytes of the struct */
	/*
	 * Called once the whole file is read and the core configuration is
	 * complete (state_dir, flows_dir absolute; phone lists normalised):
	 * checks between keys, defaults that depend on others, paths.
	 * lines[i] is the line that set keys[i] (0 = default).  0, or -1
	 * with msg and *line (0 if no line applies).  May be NULL.
	 */
	int (*finish)(void *data, const struct gw_config *, const int *lines,
	    int *line, char *msg, size_t msglen);
};

struct modem_conf {
	char *name;	    /* from "[modem NAME]"; [A-Za-z0-9_-]{1,32} */
	char *device;	    /* gammu device; resolved absolute for dummy */
	char *connection;   /* gammu connection: "at", "at115200", "none" */
	char *model;	    /* gammu model: "" (auto) or "dummy" */
	char *sim_pin;	    /* SIM PIN or NULL; never logged */
	int poll_ms;	    /* inbox poll period when idle */
	int safety_poll_s;  /* AT modem announcing new messages (+CMTI):
			     * inbox pass period instead of poll_ms; 0 =
			     * always poll every poll_ms */
	int send_timeout_s; /* wait for a part's +CMGS; keep it below
			     * watchdog_s so a swallowed send fails and is
			     * retried instead of stalling the worker */
	int probe_s;	    /* AT modem idle this long: probe it (AT+CSQ);
			     * a hang is then seen within probe_s plus
			     * libgammu's reply timeout; 0 = never */
	int send_per_minute; /* rate limit of parts sent; 0 = none */
	int daily_cap;	    /* max parts per day; 0 = none */
	int delivery_reports; /* request status reports (bool) */
	char *balance_ussd; /* USSD code for balance, NULL = no check */
	char *balance_regex; /* PCRE2 with one capture: the amount */
	double low_credit;  /* alert below this amount */
	int balance_every_s; /* balance check period */
	int line;	    /* line of the section header, for messages */
	int implicit;	    /* 1: no [modem] in the file, built-in dummy0 */
};

/* [channel NAME]: an outbound channel other than a modem
 * (gateway/gw_kannel.h); type says which. */
struct channel_conf {
	char *name;	     /* from "[channel NAME]"; [A-Za-z0-9_-]{1,32} */
	char *type;	     /* "kannel" */
	char *sendsms_url;   /* smsbox: http://HOST:PORT/cgi-bin/sendsms */
	char *username;	     /* sendsms-user */
	char *password;	     /* never logged */
	char *smsc;	     /* smsc-id to route through, NULL = Kannel's */
	char *from;	     /* sender id, NULL = Kannel's default */
	char *callback_url;  /* base URL of Stafeta's [http] listener as
			      * Kannel reaches it (dlr-url), NULL = derived
			      * from [http] listen */
	int dlr_mask;	     /* Kannel dlr-mask; 0 = no delivery reports */
	int send_per_minute; /* rate limit of parts sent; 0 = none */
	int daily_cap;	     /* max parts per day; 0 = none */
	int timeout_s;	     /* one sendsms request */
	int line;	     /* line of the section header */
};

struct gw_config {
	char *path;	     /* the file this was read from */
	char *state_dir;     /* absolute */
	char *database;	     /* absolute path of the SQLite file */
	char *store_backend; /* [store] backend: sqlite, postgresql */
	char *store_url;     /* [store] url: postgresql://... */
	char *store_schema;  /* [store] schema: the commune's, or NULL */
	char *store_locator; /* what store_open() is given: the SQLite
			      * file, or the URL with the schema's
			      * search_path (computed; never logged) */
	int log_level;	     /* enum log_level */
	char *language;	     /* default contact language: ro, hu, en */
	char **admin_numbers; /* modem up/down and credit alerts */
	size_t n_admin_numbers;
	char *default_country; /* country code of national numbers, "40" */
	char *admin_pin;     /* PIN of SMS admin commands, NULL = off; never
			      * logged */

	/* [limits] (gateway/gw_flood.c) */
	int limit_replies_per_hour; /* answered messages per sender per
				     * hour; 0 = no limit */
	int limit_silence_s;	    /* then unanswered for this long */
	char **limit_exempt;	    /* numbers never limited (E.164) */
	size_t n_limit_exempt;

	/* [queue] */
	int send_max_attempts;	 /* then FAILED */
	int send_retry_base_s;	 /* backoff base, doubles per attempt */
	int send_max_age_s;	 /* older queued messages become EXPIRED */
	int multipart_timeout_s; /* deliver incomplete concatenations */
	int watchdog_s;		 /* worker silent this long is restarted */
	int modem_down_after;	 /* consecutive failures before DOWN */

	/* [http] */
	char *http_listen;   /* "HOST:PORT" or NULL = no HTTP listener */
	char *http_secret;   /* shared secret for /ussd, NULL = none */
	char **http_allow;   /* allowed client addresses, empty = any */
	size_t n_http_allow;
	/* [http] limits, for every HTTP listener (gateway/gw_httpd.h) */
	int http_request_timeout_s; /* whole request, from the accept */
	int http_max_connections;   /* open at once, per listener */
	int http_max_per_address;   /* open at once from one address */
	/* [http] USSD conventions (gateway/gw_ussd_adapt.h) */
	char *http_ussd_convention; /* what /ussd speaks: form, json, get */
	char **http_ussd_routes;    /* more paths, "PATH=CONVENTION" */
	size_t n_http_ussd_routes;

	/* [metrics] */
	char *metrics_listen;	/* "HOST:PORT" or NULL = no /metrics */
	char **metrics_allow;	/* allowed scrapers, empty = any */
	size_t n_metrics_allow;

	/* [web] (gateway/web.h): the SPAS back office, HTTPS only */
	char *web_listen;	/* "HOST:PORT" or NULL = off */
	char *web_tls_cert;	/* PEM certificate; NULL = self-signed one
				 * generated in the state directory */
	char *web_tls_key;	/* PEM private key of tls_cert */
	int web_session_idle_s;	/* a session unused this long ends */
	int web_session_max_s;	/* a session ends this long after login */
	int web_login_failures;	/* wrong passwords before a pause */
	int web_login_block_s;	/* the pause (per account, per address) */
	int web_max_body;	/* bytes of a form */

	/* [flows] */
	char *flows_dir;	/* directory of *.flow files */
	int session_reprompt_s; /* default re-prompt after silence */
	int session_expiry_s;	/* default session expiry */
	int ussd_timeout_s;	/* USSD session considered broken off */

	/* [retention] (days; 0 years = as long as the case data) */
	int keep_inbound_days;	  /* received messages */
	int keep_outbox_days;	  /* finished outbox rows */
	int keep_sessions_days;	  /* inactive dialogue sessions */
	int keep_ussd_days;	  /* USSD aggregator sessions */
	int keep_dedup_days;	  /* dedup keys */
	int keep_quarantine_days; /* quarantined SIM slots */
	int keep_audit_years;	  /* audit log (DP7) */
	int purge_batch;	  /* rows per purge transaction */

	struct modem_conf *modems; /* array of n_modems */
	size_t n_modems;
	struct channel_conf *channels; /* [channel NAME], array of n */
	size_t n_channels;

	/* Services' sections, as handed to config_load (data owned). */
	const struct config_section *sections[CONFIG_SERVICE_SECTIONS_MAX];
	void *section_data[CONFIG_SERVICE_SECTIONS_MAX];
	size_t n_sections;
};

/* config.c */
/*
 * Loads and validates `path`, with the n service sections given (n <=
 * CONFIG_SERVICE_SECTIONS_MAX; each gets its defaults when the file does
 * not have it).  `state_dir_override` (the -S option) wins over the
 * file's state_dir.  Returns a new config, or NULL with a
 * "path:line: message" in err.
 */
struct gw_config *config_load(const char *path, const char *state_dir_override,
    const struct config_section *const *sections, size_t n, char *err,
    size_t errlen) __attribute__((warn_unused_result));
/*
 * Same as config_load() on `len` bytes of `data` (need not be
 * NUL-terminated); `name` is used as the path in messages and stored in
 * the config.  Used by config_load() and the fuzzer.  Caller frees the
 * result with config_free().
 */
struct gw_config *config_parse_buffer(const char *name, const char *data,
    size_t len, const char *state_dir_override,
    const struct config_section *const *sections, size_t n, char *err,
    size_t errlen) __attribute__((warn_unused_result));
void config_free(struct gw_config *); /* NULL is a no-op */
/* Borrows the [channel NAME] called `name`, or NULL. */
const struct channel_conf *config_channel(const struct gw_config *,
    const char *name);
/* Borrows the modem called `name`, or NULL. */
const struct modem_conf *config_modem(const struct gw_config *,
    const char *name);
/* The parsed struct of section sec (borrowed), or NULL if sec was not
 * handed to config_load. */
const void *config_section_data(const struct gw_config *,
    const struct config_section *sec);
/* Replaces a relative *path by dir/ *path (for a section's finish). */
void config_path_resolve(char **path, const char *dir);

/*
 * Below: internal to config/, shared by its files; other modules use only
 * the functions above.
 */

/* config_ini.c: the INI tokeniser (no knowledge of keys) */
enum config_ini_kind {
	CONFIG_INI_SECTION = 0, /* "[section]" or "[section NAME]" */
	CONFIG_INI_KEY,		/* "key = value" */
};

struct config_ini_item {
	enum config_ini_kind kind; /* what the line was */
	int line;		   /* 1-based line number */
	const char *section;	   /* section word; for keys, the current one */
	const char *name;	   /* section argument ("m1") or NULL */
	const char *key;	   /* CONFIG_INI_KEY only */
	const char *value;	   /* unquoted, inline comment removed */
};

/* Returns 0 to go on, -1 with a message (no "path:line: ") in msg. */
typedef int (*config_ini_cb)(void *arg, const struct config_ini_item *,
    char *msg, size_t msglen);
/*
 * Splits `len` bytes of INI text into sections and key/value pairs and
 * calls `cb` for each.  Returns 0, or -1 with the failing line in *line
 * (OUT) and a message in msg, whether the error is the syntax's or cb's.
 */
int config_ini_parse(const char *data, size_t len, config_ini_cb cb,
    void *arg, int *line, char *msg, size_t msglen)
    __attribute__((warn_unused_result));

/* config_keys.c: the core table of keys and the typed setters, which
 * work on any table (the core's or a service section's) */
/* The core table: [gateway], [queue], [http], [flows], [modem NAME]. */
const struct config_key *config_keys_core(size_t *n);
/* 1 if some key of the table lives in `section`. */
int config_keys_has_section(const struct config_key *, size_t n,
    const char *section);
/* Index of `key` in `section`, or -1. */
int config_keys_lookup(const struct config_key *, size_t n,
    const char *section, const char *key);
/* A key of `section` within two typos of `key` (borrowed), or NULL. */
const char *config_keys_suggest(const struct config_key *, size_t n,
    const char *section, const char *key);
/*
 * Parses `value` into the field of key k in `base` (the struct its
 * section fills), freeing what was there.  -1 with "key must be ..." in
 * msg.
 */
int config_key_set(const struct config_key *k, void *base, const char *value,
    char *msg, size_t msglen) __attribute__((warn_unused_result));
/* Sets (or frees) every key of the table in scope in `base`: `only`
 * NULL is every key but [modem NAME]'s, else the keys of that section. */
void config_keys_defaults(const struct config_key *, size_t n,
    const char *only, void *base);
void config_keys_free(const struct config_key *, size_t n, const char *only,
    void *base);
/*
 * Normalises the PHONES lists of `base` to E.164 with the default country
 * code, once the whole file is read.  lines[i] is the line that set key i
 * (0 = default).  -1 with *line and msg.
 */
int config_keys_phones(const struct config_key *, size_t n, void *base,
    const char *country, const int *lines, int *line, char *msg,
    size_t msglen) __attribute__((warn_unused_result));

#endif /* STAFETA_CONFIG_H */
