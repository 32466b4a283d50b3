/*
 * sheet_reporters.c - the rules of enrolling the professionals who may
 * send Observation Sheets (observation-sheet.md 1.2, 7.2): which
 * professions exist, what an enrolment needs, the reply languages, the
 * USSD PIN (stored only as a salted PBKDF2 hash) and its lock.
 *
 * The `stafeta reporter` command and the SPAS web pages call these; they
 * parse arguments and format output, and hold no rule of their own.
 * Each operation that writes runs in a transaction of its own.  Nothing
 * here logs a phone number or a PIN.
 */
#include <string.h>

#include "config.h"
#include "phone.h"
#include "sheet.h"
#include "store.h"
#include "util.h"

#define PIN_HASH_MAX 192

/* Reporter categories of observation-sheet.md 1.2 and their aliases. */
static const struct {
	const char *code;  /* stored */
	const char *alias; /* also accepted, or NULL */
} professions[] = {
	{ "teacher", NULL },
	{ "priest", NULL },
	{ "family_doctor", NULL },
	{ "community_nurse", NULL },
	{ "nurse", NULL },
	{ "police", "police_officer" },
	{ "school_mediator", NULL },
	{ "health_mediator", NULL },
	{ "spas", "spas_worker" },
	{ "ngo", "ngo_specialist" },
};

static const char *const rep_status_names[] = {
	[SHEET_REP_OK] = "ok",
	[SHEET_REP_MISSING] = "phone, name, profession and commune are "
	    "required",
	[SHEET_REP_PROFESSION] = "unknown profession",
	[SHEET_REP_LANGUAGE] = "the language must be ro, hu or en",
	[SHEET_REP_PIN] = "the PIN must be 4 to 8 digits",
	[SHEET_REP_PHONE] = "not a phone number",
	[SHEET_REP_RANDOM] = "no randomness for the PIN salt",
	[SHEET_REP_EXISTS] = "already enrolled",
	[SHEET_REP_UNKNOWN] = "not enrolled",
	[SHEET_REP_STORE] = "database error",
};

static enum sheet_rep_status rep_write(struct store *, int, const char *,
    int, const char *, int64_t);

size_t
sheet_profession_count(void)
{
	return NELEM(professions);
}

const char *
sheet_profession_at(size_t i)
{
	return i < NELEM(professions) ? professions[i].code : NULL;
}

const char *
sheet_profession_code(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < NELEM(professions); i++) {
		if (strcmp(s, professions[i].code) == 0 ||
		    (professions[i].alias != NULL &&
		    strcmp(s, professions[i].alias) == 0))
			return professions[i].code;
	}
	return NULL;
}

int
sheet_language_valid(const char *lang)
{
	return lang != NULL && (strcmp(lang, "ro") == 0 ||
	    strcmp(lang, "hu") == 0 || strcmp(lang, "en") == 0);
}

const char *
sheet_rep_strstatus(enum sheet_rep_status s)
{
	if ((size_t)s >= NELEM(rep_status_names))
		return "?";
	return rep_status_names[s];
}

int
sheet_reporter_phone(const struct gw_config *conf, const char *in, char *out,
    size_t outlen)
{
	const char *cc = conf->default_country != NULL ?
	    conf->default_country : "40";

	return phone_normalize(in, cc, out, outlen);
}

const char *
sheet_reporter_pin_state(const struct sheet_reporter *r)
{
	if (r->pin_hash == NULL)
		return "none";
	if (r->pin_failures >= SHEET_PIN_MAX_TRIES)
		return "locked";
	return "set";
}

enum sheet_rep_status
sheet_reporter_enrol(struct store *st, const struct gw_config *conf,
    const struct sheet_enrol *req, int64_t now, struct sheet_enrolled *out)
{
	struct sheet_reporter r;
	char hash[PIN_HASH_MAX];
	const char *commune, *lang;
	int rc;

	memset(out, 0, sizeof(*out));
	commune = req->commune != NULL ? req->commune : sheet_conf(conf)->commune;
	if (req->phone == NULL || req->name == NULL ||
	    req->profession == NULL || commune == NULL ||
	    req->name[0] == '\0' || commune[0] == '\0')
		return SHEET_REP_MISSING;
	out->profession = sheet_profession_code(req->profession);
	if (out->profession == NULL)
		return SHEET_REP_PROFESSION;
	lang = req->language != NULL ? req->language : "ro";
	if (!sheet_language_valid(lang))
		return SHEET_REP_LANGUAGE;
	if (req->pin != NULL && !sheet_pin_valid(req->pin))
		return SHEET_REP_PIN;
	if (sheet_reporter_phone(conf, req->phone, out->phone,
	    sizeof(out->phone)) == -1)
		return SHEET_REP_PHONE;
	if (req->pin != NULL && sheet_pin_hash(req->pin, hash,
	    sizeof(hash)) == -1)
		return SHEET_REP_RANDOM;
	out->commune = commune;
	out->with_pin = req->pin != NULL;
	memset(&r, 0, sizeof(r));
	/* Borrowed for the insert only: r is not cleared. */
	r.phone = out->phone;
	r.name = (char *)(uintptr_t)req->name;
	r.profession = (char *)(uintptr_t)out->profession;
	r.institution = (char *)(uintptr_t)req->institution;
	r.commune = (char *)(uintptr_t)commune;
	r.language = (char *)(uintptr_t)lang;
	r.pin_hash = req->pin != NULL ? hash : NULL;
	rc = -1;
	if (store_begin(st) == 0) {
		rc = sheet_store_reporter_add(st, &r, now);
		if (rc == -1 || store_commit(st) == -1) {
			store_rollback(st);
			rc = -1;
		}
	}
	memset(hash, 0, sizeof(hash));
	if (rc == -1)
		return SHEET_REP_STORE;
	if (rc == 0)
		return SHEET_REP_EXISTS;
	out->id = r.id;
	return SHEET_REP_OK;
}

/* Runs one reporter update (which: 0 active, 1 PIN) in a transaction. */
static enum sheet_rep_status
rep_write(struct store *st, int which, const char *phone, int active,
    const char *hash, int64_t now)
{
	int rc;

	if (store_begin(st) == -1)
		return SHEET_REP_STORE;
	if (which == 0)
		rc = sheet_store_reporter_set_active(st, phone, active, now);
	else
		rc = sheet_store_reporter_set_pin(st, phone, hash, now);
	if (rc == -1 || store_commit(st) == -1) {
		store_rollback(st);
		return SHEET_REP_STORE;
	}
	return rc == 0 ? SHEET_REP_UNKNOWN : SHEET_REP_OK;
}

enum sheet_rep_status
sheet_reporter_set_active(struct store *st, const struct gw_config *conf,
    const char *phone, int active, int64_t now, char *phone_out,
    size_t outlen)
{
	if (sheet_reporter_phone(conf, phone, phone_out, outlen) == -1)
		return SHEET_REP_PHONE;
	return rep_write(st, 0, phone_out, active, NULL, now);
}

enum sheet_rep_status
sheet_reporter_set_pin(struct store *st, const struct gw_config *conf,
    const char *phone, const char *pin, int64_t now, char *phone_out,
    size_t outlen)
{
	enum sheet_rep_status s;
	char hash[PIN_HASH_MAX];

	if (!sheet_pin_valid(pin))
		return SHEET_REP_PIN;
	if (sheet_reporter_phone(conf, phone, phone_out, outlen) == -1)
		return SHEET_REP_PHONE;
	if (sheet_pin_hash(pin, hash, sizeof(hash)) == -1)
		return SHEET_REP_RANDOM;
	s = rep_write(st, 1, phone_out, 0, hash, now);
	memset(hash, 0, sizeof(hash));
	return s;
}
