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
 * Paths: `database`, `flows_dir`, `indicators` and a dummy modem's
 * relative `device` are resolved against the state directory (-S DIR, or
 * [gateway] state_dir, or /var/lib/stafeta).
 */
#ifndef STAFETA_CONFIG_H
#define STAFETA_CONFIG_H

#include <stddef.h>

#define CONFIG_ERR_LEN 512
#define CONFIG_DEFAULT_PATH "/etc/stafeta/stafeta.conf"
#define CONFIG_DEFAULT_STATE_DIR "/var/lib/stafeta"

struct modem_conf {
	char *name;	    /* from "[modem NAME]"; [A-Za-z0-9_-]{1,32} */
	char *device;	    /* gammu device; resolved absolute for dummy */
	char *connection;   /* gammu connection: "at", "at115200", "none" */
	char *model;	    /* gammu model: "" (auto) or "dummy" */
	char *sim_pin;	    /* SIM PIN or NULL; never logged */
	int poll_ms;	    /* inbox poll period when idle */
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

struct gw_config {
	char *path;	     /* the file this was read from */
	char *state_dir;     /* absolute */
	char *database;	     /* absolute path of the SQLite file */
	int log_level;	     /* enum log_level */
	char *language;	     /* default contact language: ro, hu, en */
	char **admin_numbers; /* modem up/down and credit alerts */
	size_t n_admin_numbers;
	char *default_country; /* country code of national numbers, "40" */

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

	/* [flows] */
	char *flows_dir;	/* directory of *.flow files */
	int session_reprompt_s; /* default re-prompt after silence */
	int session_expiry_s;	/* default session expiry */
	int ussd_timeout_s;	/* USSD session considered broken off */

	/* [sheets] */
	int county_code;	/* AA of sheet numbers, 1..52 */
	char *commune;		/* default commune of this gateway */
	char *indicators;	/* indicator table CSV path */
	char **spas_numbers;	/* SPAS duty numbers (urgent alerts, digest) */
	size_t n_spas_numbers;
	char *digest_time;	/* "HH:MM" local time of the daily digest */

	struct modem_conf *modems; /* array of n_modems */
	size_t n_modems;
};

/* config.c */
/*
 * Loads and validates `path`.  `state_dir_override` (the -S option) wins
 * over the file's state_dir.  Returns a new config, or NULL with a
 * "path:line: message" in err.
 */
struct gw_config *config_load(const char *path, const char *state_dir_override,
    char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * Same as config_load() on `len` bytes of `data` (need not be
 * NUL-terminated); `name` is used as the path in messages and stored in
 * the config.  Used by config_load() and the fuzzer.  Caller frees the
 * result with config_free().
 */
struct gw_config *config_parse_buffer(const char *name, const char *data,
    size_t len, const char *state_dir_override, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void config_free(struct gw_config *); /* NULL is a no-op */
/* Borrows the modem called `name`, or NULL. */
const struct modem_conf *config_modem(const struct gw_config *,
    const char *name);

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

/* config_keys.c: the one table of keys, typed setters */
/* 1 if some key lives in `section` ("gateway", "modem", ...). */
int config_section_known(const char *section);
size_t config_key_count(void);
/* Index of `key` in `section`, or -1. */
int config_key_lookup(const char *section, const char *key);
const char *config_key_name(int idx);
/* A key of `section` within two typos of `key` (borrowed), or NULL. */
const char *config_key_suggest(const char *section, const char *key);
/*
 * Parses `value` into the field of key `idx` in `base` (a struct
 * gw_config, or a struct modem_conf for [modem] keys), freeing what was
 * there.  -1 with "key must be ..." in msg.
 */
int config_key_set(int idx, void *base, const char *value, char *msg,
    size_t msglen) __attribute__((warn_unused_result));
/* Sets every key of [section] (or of all global sections if "modem" is
 * not asked for) in `base` to its default.  */
void config_keys_defaults(int modem, void *base);
/* Frees every string and list field of the table in `base`. */
void config_keys_free(int modem, void *base);
/*
 * Checks done once the whole file is read, when keys depend on each
 * other (phone numbers and default_country).  `lines` gives, per key
 * index, the line that set it (0 = default).  -1 with *line and msg.
 */
int config_keys_finish(struct gw_config *, const int *lines, int *line,
    char *msg, size_t msglen) __attribute__((warn_unused_result));

#endif /* STAFETA_CONFIG_H */
