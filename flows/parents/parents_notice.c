/*
 * parents_notice.c - registering an AbsenceNotice, its flags (4.3) and
 * its state machine (4.4).  parents_enter_state() is the one writer of a
 * notice's state: every transition is a parents_transitions row (who,
 * when, why) and reschedules the reminders the new state wants.
 *
 * Observation Sheet indicator 2c: the sheet service (flows/sheet/) has
 * no public call to mark an indicator, so SOLE_OR_BOTH_ABROAD opens a
 * SPAS task "mark_2c" per notice (due in 72 h: the RIS visit), naming
 * the number of children; SPAS fills the sheets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "parents_int.h"
#include "store.h"
#include "store_sql.h"
#include "util.h"
#include "zone.h"

static const char *const state_names[PARENTS_STATE_N] = {
	[PARENTS_DRAFT] = "DRAFT",
	[PARENTS_SUBMITTED] = "SUBMITTED",
	[PARENTS_CARETAKER_PENDING] = "CARETAKER_PENDING",
	[PARENTS_CARETAKER_CONFIRMED] = "CARETAKER_CONFIRMED",
	[PARENTS_CARETAKER_DECLINED] = "CARETAKER_DECLINED",
	[PARENTS_CARETAKER_NO_REPLY] = "CARETAKER_NO_REPLY",
	[PARENTS_SPAS_REVIEW] = "SPAS_REVIEW",
	[PARENTS_NOTIFIED] = "NOTIFIED",
	[PARENTS_DEPARTED] = "DEPARTED",
	[PARENTS_ABROAD] = "ABROAD",
	[PARENTS_RETURN_DUE] = "RETURN_DUE",
	[PARENTS_RETURNED] = "RETURNED",
	[PARENTS_CLOSED] = "CLOSED",
	[PARENTS_POSTPONED] = "POSTPONED",
	[PARENTS_CANCELLED] = "CANCELLED",
	[PARENTS_EXTENDED] = "EXTENDED",
	[PARENTS_CARETAKER_CHANGE] = "CARETAKER_CHANGE",
};

const char *
parents_strstate(int s)
{
	return s >= 0 && s < PARENTS_STATE_N ? state_names[s] : "?";
}

int
parents_state_parse(const char *name)
{
	for (int i = 0; i < PARENTS_STATE_N; i++) {
		if (strcasecmp(name, state_names[i]) == 0)
			return i;
	}
	return -1;
}

int
parents_flags(const struct parents_request *r, int64_t today, int notice_days,
    int *days_out)
{
	int64_t dep = parents_date_days(r->departure);
	int flags = 0, days = dep >= 0 ? (int)(dep - today) : 0;

	if (r->already_abroad || (dep >= 0 && dep < today))
		flags |= PARENTS_F_ALREADY_ABROAD;
	else if (days < notice_days)
		flags |= PARENTS_F_LATE_NOTICE;
	if (r->caretaker_rel == 6)
		flags |= PARENTS_F_NOT_RELATIVE;
	if (!r->caretaker_adult)
		flags |= PARENTS_F_NO_ADULT;
	if (r->sole_authority == 1 || (r->other_parent >= 2 &&
	    r->other_parent <= 5))
		flags |= PARENTS_F_SOLE_OR_BOTH;
	if (days_out != NULL)
		*days_out = days;
	return flags;
}

void
parents_flags_str(int flags, char *out, size_t outlen)
{
	static const struct {
		int bit;
		const char *name;
	} f[] = { { PARENTS_F_LATE_NOTICE, "LATE_NOTICE" },
		{ PARENTS_F_ALREADY_ABROAD, "ALREADY_ABROAD" },
		{ PARENTS_F_NOT_RELATIVE, "CARETAKER_NOT_RELATIVE" },
		{ PARENTS_F_NO_ADULT, "NO_CARETAKER_ADULT" },
		{ PARENTS_F_SOLE_OR_BOTH, "SOLE_OR_BOTH_ABROAD" } };
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NELEM(f); i++) {
		if ((flags & f[i].bit) == 0)
			continue;
		o += (size_t)snprintf(out + o, o < outlen ? outlen - o : 0,
		    "%s%s", o > 0 ? "," : "", f[i].name);
	}
}

static int
check_request(const struct parents_request *r, char *err, size_t errlen)
{
	if (r->parent_name[0] == '\0' || r->parent_phone[0] == '\0')
		snprintf(err, errlen, "parent name and phone are required");
	else if (r->role < 1 || r->role > 3)
		snprintf(err, errlen, "role must be 1, 2 or 3");
	else if (r->sole_authority < 1 || r->sole_authority > 3)
		snprintf(err, errlen, "sole authority must be 1, 2 or 3");
	else if (r->lives_with < 1 || r->lives_with > 2)
		snprintf(err, errlen, "lives with must be 1 or 2");
	else if (r->other_parent < 1 || r->other_parent > 5)
		snprintf(err, errlen, "other parent must be 1 to 5");
	else if (r->commune[0] == '\0')
		snprintf(err, errlen, "commune is required");
	else if (!r->already_abroad && parents_date_days(r->departure) < 0)
		snprintf(err, errlen, "departure must be a date");
	else if (strlen(r->country) != 2)
		snprintf(err, errlen, "country must be an ISO alpha-2 code");
	else if (r->return_date[0] != '\0' &&
	    parents_date_days(r->return_date) < 0)
		snprintf(err, errlen, "return must be a date or empty");
	else if (r->nchildren < 1 || r->nchildren > PARENTS_MAX_CHILD)
		snprintf(err, errlen, "1 to 9 children under 18 required");
	else if (r->caretaker_name[0] == '\0' || r->caretaker_phone[0] == '\0')
		snprintf(err, errlen, "caretaker name and phone are required");
	else if (strcmp(r->caretaker_phone, r->parent_phone) == 0)
		snprintf(err, errlen, "the caretaker's phone must differ "
		    "from the parent's");
	else if (r->caretaker_rel < 1 || r->caretaker_rel > 6)
		snprintf(err, errlen, "caretaker relationship must be 1 to 6");
	else if (r->caretaker_lives < 1 || r->caretaker_lives > 2)
		snprintf(err, errlen, "caretaker lives with must be 1 or 2");
	else if (r->court != 0 && r->court != 1 && r->court != 2 &&
	    r->court != 3 && r->court != 9)
		snprintf(err, errlen, "court must be 0, 1, 2, 3 or 9");
	else {
		for (int i = 0; i < r->nchildren; i++) {
			if (r->children[i].name[0] == '\0' ||
			    r->children[i].birth_year < 1990) {
				snprintf(err, errlen, "child %d: name and "
				    "birth year required", i + 1);
				return -1;
			}
		}
		return 0;
	}
	return -1;
}

static const char count_year_sql[] =
    "SELECT count(*) FROM parents_notices WHERE number LIKE ?1";
static const char insert_sql[] =
    "INSERT INTO parents_notices (number, created_at, updated_at, channel,"
    " entered_by, state, flags, notice_days, parent_name, parent_phone,"
    " role, sole_authority, lives_with, other_parent, commune, departure,"
    " country, return_date, caretaker_name, caretaker_phone,"
    " caretaker_rel, caretaker_adult, caretaker_lives, voice_only, court,"
    " language) VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
    " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24,"
    " ?25)";
static const char child_sql[] =
    "INSERT INTO parents_children (notice_id, name, birth_year)"
    " VALUES (?1, ?2, ?3)";
static const char trans_sql[] =
    "INSERT INTO parents_transitions (notice_id, at, from_state, to_state,"
    " who, why) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static int
record(struct store *st, int64_t id, int from, int to, const char *who,
    const char *why, int64_t now)
{
	struct store_sql *q = store_sql_prepare(st, trans_sql);

	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_int64(q, 2, now);
	store_sql_bind_text(q, 3, from >= 0 ? parents_strstate(from) : NULL);
	store_sql_bind_text(q, 4, parents_strstate(to));
	store_sql_bind_text(q, 5, who != NULL ? who : "?");
	store_sql_bind_text(q, 6, why != NULL ? why : "");
	return store_sql_exec(q, "parents: record transition");
}

static int
make_number(struct store *st, int64_t now, char *out, size_t outlen)
{
	struct store_sql *q = store_sql_prepare(st, count_year_sql);
	char ymd[11], like[24];
	int rc, n = 0;

	if (q == NULL)
		return -1;
	parents_date_from_days(parents_day_in_zone(now, ZONE_HOME), ymd);
	snprintf(like, sizeof(like), "P-%.4s-%%", ymd);
	store_sql_bind_text(q, 1, like);
	rc = store_sql_step(q, "parents: number");
	if (rc == 1)
		n = store_sql_col_int(q, 0);
	store_sql_done(q);
	if (rc != 1)
		return -1;
	snprintf(out, outlen, "P-%.4s-%04d", ymd, (n + 1) % 10000);
	return 0;
}

static int
insert_notice(struct store *st, const struct parents_request *r,
    const char *number, int flags, int days, int64_t now, int64_t *id)
{
	struct store_sql *q = store_sql_prepare(st, insert_sql);
	char dep[11];

	if (q == NULL)
		return -1;
	if (r->already_abroad && parents_date_days(r->departure) < 0)
		parents_date_from_days(parents_day_in_zone(now, ZONE_HOME),
		    dep);
	else
		strlcpy_s(dep, r->departure, sizeof(dep));
	store_sql_bind_text(q, 1, number);
	store_sql_bind_int64(q, 2, now);
	store_sql_bind_text(q, 3, r->channel != NULL ? r->channel : "sms");
	store_sql_bind_text(q, 4, r->by);
	store_sql_bind_int(q, 5, PARENTS_SUBMITTED);
	store_sql_bind_int(q, 6, flags);
	store_sql_bind_int(q, 7, days);
	store_sql_bind_text(q, 8, r->parent_name);
	store_sql_bind_text(q, 9, r->parent_phone);
	store_sql_bind_int(q, 10, r->role);
	store_sql_bind_int(q, 11, r->sole_authority);
	store_sql_bind_int(q, 12, r->lives_with);
	store_sql_bind_int(q, 13, r->other_parent);
	store_sql_bind_text(q, 14, r->commune);
	store_sql_bind_text(q, 15, dep);
	store_sql_bind_text(q, 16, r->country);
	store_sql_bind_text(q, 17, r->return_date[0] != '\0' ?
	    r->return_date : NULL);
	store_sql_bind_text(q, 18, r->caretaker_name);
	store_sql_bind_text(q, 19, r->caretaker_phone);
	store_sql_bind_int(q, 20, r->caretaker_rel);
	store_sql_bind_int(q, 21, r->caretaker_adult);
	store_sql_bind_int(q, 22, r->caretaker_lives);
	store_sql_bind_int(q, 23, r->voice_only);
	store_sql_bind_int(q, 24, r->court);
	store_sql_bind_int(q, 25, r->language);
	if (store_sql_exec(q, "parents: insert notice") != 0)
		return -1;
	*id = store_sql_last_id(st);
	for (int i = 0; i < r->nchildren; i++) {
		q = store_sql_prepare(st, child_sql);
		if (q == NULL)
			return -1;
		store_sql_bind_int64(q, 1, *id);
		store_sql_bind_text(q, 2, r->children[i].name);
		store_sql_bind_int(q, 3, r->children[i].birth_year);
		if (store_sql_exec(q, "parents: insert child") != 0)
			return -1;
	}
	return 0;
}

int
parents_register(struct store *st, const struct gw_config *conf,
    const struct parents_request *r, int64_t now,
    struct parents_registered *out, char *err, size_t errlen)
{
	const struct parents_conf *pc = parents_conf(conf);
	int64_t today = parents_day_in_zone(now, ZONE_HOME), id;
	char number[24], title[160];
	int flags, days;

	memset(out, 0, sizeof(*out));
	if (check_request(r, err, errlen) != 0)
		return -1;
	flags = parents_flags(r, today, pc->notice_days, &days);
	if (make_number(st, now, number, sizeof(number)) != 0 ||
	    insert_notice(st, r, number, flags, days, now, &id) != 0 ||
	    record(st, id, PARENTS_DRAFT, PARENTS_SUBMITTED,
	    r->by != NULL ? r->by : "parent", r->channel != NULL ?
	    r->channel : "sms", now) != 0) {
		snprintf(err, errlen, "store error");
		return -1;
	}
	if (flags & PARENTS_F_SOLE_OR_BOTH) {
		snprintf(title, sizeof(title), "Fisa de observatie cu "
		    "indicatorul 2c pentru fiecare copil (%d) si vizita RIS "
		    "in 72 h (anunt %s)", r->nchildren, number);
		if (parents_task(st, id, "mark_2c", title,
		    now + 72 * 3600 * 1000LL, now) != 0)
			goto fail;
	}
	if (flags & PARENTS_F_NO_ADULT) {
		snprintf(title, sizeof(title), "Copii fara adult care sa ii "
		    "ingrijeasca: interventie SPAS imediata (anunt %s)",
		    number);
		if (parents_task(st, id, "no_adult", title, now + 24 *
		    3600 * 1000LL, now) != 0)
			goto fail;
	}
	if (flags & PARENTS_F_ALREADY_ABROAD) {
		snprintf(title, sizeof(title), "Parinte deja plecat: sunati "
		    "parintele si ingrijitorul (anunt %s)", number);
		if (parents_task(st, id, "already_abroad", title,
		    parents_add_working_days(now, pc->callback_days), now))
			goto fail;
	}
	if ((flags & (PARENTS_F_LATE_NOTICE | PARENTS_F_ALREADY_ABROAD)) &&
	    parents_schedule(st, id, (flags & PARENTS_F_ALREADY_ABROAD) ?
	    "N4A" : "N4", now, now) != 0)
		goto fail;
	if (parents_schedule(st, id, "N2C", now, now) != 0 ||
	    parents_enter_state(st, conf, id, PARENTS_CARETAKER_PENDING,
	    "system", "caretaker asked (N2)", now) != 0)
		goto fail;
	out->id = id;
	strlcpy_s(out->number, number, sizeof(out->number));
	out->flags = flags;
	out->notice_days = days;
	log_info("parents: notice %lld registered (%s), flags 0x%x",
	    (long long)id, r->channel != NULL ? r->channel : "sms", flags);
	return 0;
fail:
	snprintf(err, errlen, "store error");
	return -1;
}

int
parents_state_of(struct store *st, int64_t id)
{
	struct parents_row row;
	int rc = parents_row_load(st, id, &row);

	return rc == 1 ? row.state : -1;
}

int
parents_enter_state(struct store *st, const struct gw_config *conf,
    int64_t id, int next, const char *who, const char *why, int64_t now)
{
	int from = parents_state_of(st, id);

	if (from < 0 || next <= PARENTS_DRAFT || next >= PARENTS_STATE_N)
		return -1;
	if (record(st, id, from, next, who, why, now) != 0 ||
	    parents_row_set_int(st, id, "state", next, now) != 0)
		return -1;
	log_info("parents: notice %lld %s -> %s", (long long)id,
	    parents_strstate(from), parents_strstate(next));
	return parents_reschedule_all(st, conf, id, now);
}

int
parents_postpone(struct store *st, const struct gw_config *conf, int64_t id,
    const char *ymd, const char *who, int64_t now)
{
	char why[48];

	if (parents_date_days(ymd) < 0 ||
	    parents_row_set_text(st, id, "departure", ymd, now) != 0)
		return -1;
	snprintf(why, sizeof(why), "departure moved to %s", ymd);
	if (parents_enter_state(st, conf, id, PARENTS_POSTPONED, who, why,
	    now) != 0)
		return -1;
	return parents_enter_state(st, conf, id, PARENTS_SPAS_REVIEW,
	    "system", "postponed: back to SPAS review", now);
}

int
parents_extend(struct store *st, const struct gw_config *conf, int64_t id,
    const char *ymd, const char *who, int64_t now)
{
	char why[48];

	if (ymd != NULL && ymd[0] != '\0' && parents_date_days(ymd) < 0)
		return -1;
	if (parents_row_set_text(st, id, "return_date", ymd != NULL &&
	    ymd[0] != '\0' ? ymd : NULL, now) != 0)
		return -1;
	snprintf(why, sizeof(why), "return moved to %s", ymd != NULL &&
	    ymd[0] != '\0' ? ymd : "unknown");
	return parents_enter_state(st, conf, id, PARENTS_EXTENDED, who, why,
	    now);
}

static const char caretaker_sql[] =
    "UPDATE parents_notices SET caretaker_name = ?2, caretaker_phone = ?3,"
    " caretaker_rel = ?4, caretaker_adult = ?5, caretaker_status ="
    " 'pending', updated_at = ?6, flags = (flags & ~12) | ?7 WHERE id = ?1";

int
parents_caretaker_change(struct store *st, const struct gw_config *conf,
    int64_t id, const char *name, const char *phone, int rel, int adult,
    const char *who, int64_t now)
{
	struct store_sql *q;
	struct parents_row row;
	int flags = (rel == 6 ? PARENTS_F_NOT_RELATIVE : 0) |
	    (!adult ? PARENTS_F_NO_ADULT : 0);

	if (parents_row_load(st, id, &row) != 1 || name == NULL ||
	    name[0] == '\0' || phone == NULL || phone[0] == '\0' ||
	    strcmp(phone, row.parent_phone) == 0 || rel < 1 || rel > 6)
		return -1;
	if (parents_enter_state(st, conf, id, PARENTS_CARETAKER_CHANGE, who,
	    "new caretaker named", now) != 0)
		return -1;
	if (row.caretaker_phone[0] != '\0' &&
	    parents_pending_drop(st, row.caretaker_phone) != 0)
		return -1;
	q = store_sql_prepare(st, caretaker_sql);
	if (q == NULL)
		return -1;
	store_sql_bind_int64(q, 1, id);
	store_sql_bind_text(q, 2, name);
	store_sql_bind_text(q, 3, phone);
	store_sql_bind_int(q, 4, rel);
	store_sql_bind_int(q, 5, adult);
	store_sql_bind_int64(q, 6, now);
	store_sql_bind_int(q, 7, flags);
	if (store_sql_exec(q, "parents: caretaker change") != 0)
		return -1;
	parents_unschedule(st, id, "N3C");
	parents_unschedule(st, id, "NR");
	if (!adult && parents_task(st, id, "no_adult", "Ingrijitor sub 18 "
	    "ani: interventie SPAS imediata", now + 24 * 3600 * 1000LL,
	    now) != 0)
		return -1;
	if (parents_schedule(st, id, "N2C", now, now) != 0)
		return -1;
	return parents_enter_state(st, conf, id, PARENTS_CARETAKER_PENDING,
	    "system", "new caretaker asked (N2)", now);
}

int
parents_voice_only(struct store *st, int64_t id, int on, const char *who,
    int64_t now)
{
	char why[32];

	if (parents_state_of(st, id) < 0 ||
	    parents_row_set_int(st, id, "voice_only", on, now) != 0)
		return -1;
	snprintf(why, sizeof(why), "voice_only %s", on ? "on" : "off");
	return record(st, id, parents_state_of(st, id),
	    parents_state_of(st, id), who, why, now);
}

/* Active: not RETURNED (11), CLOSED (12) or CANCELLED (14). */
static const char by_parent_sql[] =
    "SELECT id FROM parents_notices WHERE (parent_phone = ?1 OR"
    " phone_abroad = ?1) AND state NOT IN (11, 12, 14)"
    " ORDER BY id DESC LIMIT 1";
static const char by_caretaker_sql[] =
    "SELECT id FROM parents_notices WHERE caretaker_phone = ?1 AND"
    " state NOT IN (11, 12, 14) ORDER BY id DESC LIMIT 1";

int64_t
parents_find_by_phone(struct store *st, const char *phone, int caretaker)
{
	struct store_sql *q = store_sql_prepare(st, caretaker ?
	    by_caretaker_sql : by_parent_sql);
	int64_t id = 0;
	int rc;

	if (q == NULL)
		return -1;
	store_sql_bind_text(q, 1, phone);
	rc = store_sql_step(q, "parents: find by phone");
	if (rc == 1)
		id = store_sql_col_int64(q, 0);
	store_sql_done(q);
	return rc < 0 ? -1 : id;
}
