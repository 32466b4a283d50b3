/*
 * sheet_indicators.c - the indicator table (loaded from CSV at start),
 * USSD item pages, and the derivation of composites and summary fields.
 *
 * The table is data so that the list can be revised without recompiling
 * (observation-sheet.md 7.1 point 6).  Because a wrong table would make
 * every report wrong, it is checked hard at load: a gateway with a broken
 * table refuses to start rather than store doubtful sheets.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "sheet.h"
#include "util.h"

#define TABLE_MAX_BYTES (64 * 1024)
#define TABLE_COLUMNS	9
#define TABLE_FIELD_MAX 64

/* The codes that make a sheet urgent (section 7.4 escalation rules). */
static const char *const urgent_codes[] = { "6b2", "6b3" };

static const char *const domain_names[SHEET_DOMAINS + 1] = {
	"?", "ECONOMIC", "SOCIAL", "SANATATE", "EDUCATIE", "LOCUINTA",
	"COMPORTAMENT",
};

static const char *const table_header[TABLE_COLUMNS] = { "id", "code",
	"domain", "parent", "unit", "ussd", "label_ro", "status",
	"replaced_by" };

struct sheet_table {
	struct sheet_indicator *ind;	    /* rows in file order */
	size_t n;			    /* rows used */
	char parent_code[SHEET_MAX_INDICATORS][8]; /* as read, resolved later */
	int line[SHEET_MAX_INDICATORS];	    /* file line of each row */
	int urgent[NELEM(urgent_codes)];    /* indexes of urgent_codes */
	char version[20];		    /* "is-" + 12 hex digits */
};

static int split_csv_line(const char *, size_t, char fields[][TABLE_FIELD_MAX],
    int, char *, size_t);
static int valid_id(const char *);
static int valid_code(const char *, int);
static int parse_row(struct sheet_table *, char fields[][TABLE_FIELD_MAX],
    char *, size_t);
static int table_check(struct sheet_table *, const char *, char *, size_t);
static int page_cmp(const void *, const void *);

/*
 * Splits one CSV line (RFC 4180 quoting, no embedded line breaks) into at
 * most max fields of TABLE_FIELD_MAX-1 bytes.  Returns the field count or
 * -1 with msg.
 */
static int
split_csv_line(const char *p, size_t len, char fields[][TABLE_FIELD_MAX],
    int max, char *msg, size_t msglen)
{
	size_t i = 0, o;
	int nf = 0;

	for (;;) {
		int quoted = 0;

		if (nf == max) {
			snprintf(msg, msglen, "too many columns (want %d)",
			    max);
			return -1;
		}
		o = 0;
		if (i < len && p[i] == '"') {
			quoted = 1;
			i++;
		}
		for (; i < len; i++) {
			char ch = p[i];

			if (quoted && ch == '"') {
				if (i + 1 < len && p[i + 1] == '"') {
					i++;
				} else {
					quoted = 0;
					continue;
				}
			} else if (!quoted && ch == ',') {
				break;
			} else if (!quoted && ch == '"') {
				snprintf(msg, msglen, "stray quote");
				return -1;
			}
			if (o + 1 >= TABLE_FIELD_MAX) {
				snprintf(msg, msglen, "field too long");
				return -1;
			}
			fields[nf][o++] = ch;
		}
		if (quoted) {
			snprintf(msg, msglen, "unterminated quote");
			return -1;
		}
		fields[nf][o] = '\0';
		nf++;
		if (i >= len)
			break;
		i++; /* the comma */
	}
	return nf;
}

static int
valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(((struct sheet_indicator *)0)->id))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n &&
	    islower((unsigned char)s[0]);
}

/* Domain digit, one lower-case letter, up to two digits. */
static int
valid_code(const char *s, int domain)
{
	size_t n = strlen(s);

	if (n < 2 || n > 4 || s[0] != '0' + domain)
		return 0;
	if (s[1] < 'a' || s[1] > 'z')
		return 0;
	return strspn(s + 2, "0123456789") == n - 2;
}

static int
parse_row(struct sheet_table *t, char f[][TABLE_FIELD_MAX], char *msg,
    size_t msglen)
{
	struct sheet_indicator *ind = &t->ind[t->n];
	int64_t dom;
	size_t i;

	memset(ind, 0, sizeof(*ind));
	ind->parent = -1;
	if (!valid_id(f[0])) {
		snprintf(msg, msglen, "bad id \"%.48s\" (want [a-z][a-z0-9_]*)",
		    f[0]);
		return -1;
	}
	strlcpy_s(ind->id, f[0], sizeof(ind->id));
	if (parse_int64(f[2], 1, SHEET_DOMAINS, &dom) == -1) {
		snprintf(msg, msglen, "%.48s: domain must be 1 to %d", f[0],
		    SHEET_DOMAINS);
		return -1;
	}
	ind->domain = (int)dom;
	for (i = 0; f[1][i] != '\0'; i++)
		f[1][i] = (char)tolower((unsigned char)f[1][i]);
	if (!valid_code(f[1], ind->domain)) {
		snprintf(msg, msglen, "%.48s: bad code \"%.48s\" (want "
		    "domain digit, letter, up to 2 digits)", f[0], f[1]);
		return -1;
	}
	strlcpy_s(ind->code, f[1], sizeof(ind->code));
	for (i = 0; f[3][i] != '\0'; i++)
		f[3][i] = (char)tolower((unsigned char)f[3][i]);
	if (strlen(f[3]) >= sizeof(t->parent_code[0])) {
		snprintf(msg, msglen, "%.48s: bad parent \"%.48s\"", f[0],
		    f[3]);
		return -1;
	}
	strlcpy_s(t->parent_code[t->n], f[3], sizeof(t->parent_code[0]));
	if (strlen(f[4]) != 1 || strchr("FCD", f[4][0]) == NULL) {
		snprintf(msg, msglen, "%.48s: unit must be F, C or D", f[0]);
		return -1;
	}
	ind->unit = f[4][0];
	if (f[5][0] != '\0') {
		char *dot = strchr(f[5], '.');
		int64_t pos;

		if (dot == NULL || dot - f[5] < 1 || dot - f[5] > 2 ||
		    f[5][0] != '0' + ind->domain ||
		    (dot - f[5] == 2 && (f[5][1] < 'A' || f[5][1] > 'Z')) ||
		    parse_int64(dot + 1, 1, 9, &pos) == -1) {
			snprintf(msg, msglen, "%.48s: bad ussd \"%.48s\" (want "
			    "PAGE.POS, e.g. %dA.1)", f[0], f[5], ind->domain);
			return -1;
		}
		memcpy(ind->page, f[5], (size_t)(dot - f[5]));
		ind->page[dot - f[5]] = '\0';
		ind->pos = (int)pos;
	}
	if (strlen(f[6]) == 0 || strlen(f[6]) >= sizeof(ind->label)) {
		snprintf(msg, msglen, "%.48s: label_ro must be 1 to %zu "
		    "characters", f[0], sizeof(ind->label) - 1);
		return -1;
	}
	for (i = 0; f[6][i] != '\0'; i++) {
		unsigned char ch = (unsigned char)f[6][i];

		/* USSD pages and replies are ASCII-only (GSM-7 safe). */
		if (ch < 0x20 || ch > 0x7e || strchr("@{}[]~\\|^", ch)) {
			snprintf(msg, msglen, "%.48s: label_ro must be plain "
			    "ASCII without GSM-7 extension characters", f[0]);
			return -1;
		}
	}
	strlcpy_s(ind->label, f[6], sizeof(ind->label));
	if (strlen(f[7]) != 1 || strchr("ALO", f[7][0]) == NULL) {
		snprintf(msg, msglen, "%.48s: status must be A, L or O", f[0]);
		return -1;
	}
	ind->status = f[7][0];
	if (strlen(f[8]) >= sizeof(ind->replaced_by)) {
		snprintf(msg, msglen, "%.48s: replaced_by too long", f[0]);
		return -1;
	}
	for (i = 0; f[8][i] != '\0'; i++)
		f[8][i] = (char)tolower((unsigned char)f[8][i]);
	strlcpy_s(ind->replaced_by, f[8], sizeof(ind->replaced_by));
	if ((ind->status == 'L') != (ind->replaced_by[0] != '\0')) {
		snprintf(msg, msglen, "%.48s: replaced_by is required for "
		    "legacy (L) rows and only for them", f[0]);
		return -1;
	}
	if (ind->status == 'L' && ind->page[0] != '\0') {
		snprintf(msg, msglen, "%.48s: a legacy row cannot have a USSD "
		    "position", f[0]);
		return -1;
	}
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->ind[i].id, ind->id) == 0) {
			snprintf(msg, msglen, "duplicate id %.48s", ind->id);
			return -1;
		}
		if (strcmp(t->ind[i].code, ind->code) == 0) {
			snprintf(msg, msglen, "duplicate code %.48s",
			    ind->code);
			return -1;
		}
		if (ind->page[0] != '\0' &&
		    strcmp(t->ind[i].page, ind->page) == 0 &&
		    t->ind[i].pos == ind->pos) {
			snprintf(msg, msglen, "%.48s: USSD %.48s.%d already "
			    "used by %.48s", ind->id, ind->page, ind->pos,
			    t->ind[i].id);
			return -1;
		}
	}
	t->n++;
	return 0;
}

static int
page_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Cross-row checks once every row is read. */
static int
table_check(struct sheet_table *t, const char *name, char *err,
    size_t errlen)
{
	char text[SHEET_USSD_MAX * 2];
	size_t i, j, k;

	for (i = 0; i < t->n; i++) {
		struct sheet_indicator *ind = &t->ind[i];
		int p;

		if (t->parent_code[i][0] == '\0')
			continue;
		p = sheet_table_find_code(t, t->parent_code[i]);
		if (p < 0 || t->ind[p].domain != ind->domain) {
			snprintf(err, errlen, "%s:%d: %s: parent %s does not "
			    "exist in domain %d", name, t->line[i],
			    ind->id, t->parent_code[i], ind->domain);
			return -1;
		}
		if (t->parent_code[p][0] != '\0' || t->ind[p].unit != 'D' ||
		    ind->status == 'L' || t->ind[p].status == 'L' ||
		    strncmp(ind->code, t->ind[p].code,
		    strlen(t->ind[p].code)) != 0) {
			snprintf(err, errlen, "%s:%d: %s: parent %s must be a "
			    "top-level derived (D) row whose code prefixes "
			    "this one", name, t->line[i], ind->id,
			    t->parent_code[i]);
			return -1;
		}
		ind->parent = p;
		t->ind[p].has_children = 1;
	}
	for (i = 0; i < t->n; i++) {
		struct sheet_indicator *ind = &t->ind[i];

		if ((ind->unit == 'D') != ind->has_children) {
			snprintf(err, errlen, "%s:%d: %s: unit D is for "
			    "composites with sub-items, and only for them",
			    name, t->line[i], ind->id);
			return -1;
		}
		if (ind->has_children && ind->page[0] != '\0') {
			snprintf(err, errlen, "%s:%d: %s: composites are "
			    "derived and have no USSD position", name,
			    t->line[i], ind->id);
			return -1;
		}
		if (ind->status == 'A' && !ind->has_children &&
		    ind->page[0] == '\0') {
			snprintf(err, errlen, "%s:%d: %s: every amended item "
			    "needs a USSD position", name, t->line[i],
			    ind->id);
			return -1;
		}
		ind->lettered = ind->status == 'A' && ind->parent < 0;
		if (ind->status == 'L') {
			const char *w = ind->replaced_by;

			while (*w != '\0') {
				char code[8];
				size_t n = strcspn(w, " ");
				int r = -1;

				if (n > 0 && n < sizeof(code)) {
					memcpy(code, w, n);
					code[n] = '\0';
					r = sheet_table_find_code(t, code);
				}
				if (r < 0 || t->ind[r].status == 'L') {
					snprintf(err, errlen, "%s:%d: %s: "
					    "replaced_by \"%s\" names a code "
					    "that is not current", name,
					    t->line[i], ind->id,
					    ind->replaced_by);
					return -1;
				}
				w += n;
				w += strspn(w, " ");
			}
		}
	}
	for (k = 0; k < NELEM(urgent_codes); k++) {
		int u = sheet_table_find_code(t, urgent_codes[k]);

		if (u < 0 || t->ind[u].status == 'L') {
			snprintf(err, errlen, "%s: urgent code %s missing",
			    name, urgent_codes[k]);
			return -1;
		}
		t->urgent[k] = u;
	}
	/* Pages: positions 1..n without gaps, each page one screen. */
	for (int d = 1; d <= SHEET_DOMAINS; d++) {
		const char *pages[8];
		size_t np = sheet_table_pages(t, d, pages);

		for (k = 0; k < np; k++) {
			int idx[9];
			size_t ni = sheet_table_page_items(t, pages[k], idx);

			for (j = 0; j < ni; j++) {
				if (idx[j] < 0) {
					snprintf(err, errlen, "%s: USSD page "
					    "%s: position %zu missing", name,
					    pages[k], j + 1);
					return -1;
				}
			}
			if (sheet_table_page_text(t, pages[k], text,
			    sizeof(text)) == -1) {
				snprintf(err, errlen, "%s: USSD page %s is "
				    "longer than %d characters", name,
				    pages[k], SHEET_USSD_MAX);
				return -1;
			}
		}
	}
	return 0;
}

struct sheet_table *
sheet_table_parse(const char *name, const char *data, size_t len, char *err,
    size_t errlen)
{
	struct sheet_table *t;
	char fields[TABLE_COLUMNS][TABLE_FIELD_MAX];
	char msg[160];
	uint8_t hash[SHEET_SHA256_LEN];
	size_t pos = 0;
	int line = 0, header = 0, nf, i;

	t = xcalloc(1, sizeof(*t));
	t->ind = xcalloc(SHEET_MAX_INDICATORS, sizeof(*t->ind));
	if (len > TABLE_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %d bytes", name,
		    TABLE_MAX_BYTES);
		goto fail;
	}
	while (pos < len) {
		const char *p = data + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - pos;

		pos += n + (nl != NULL);
		line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte", name, line);
			goto fail;
		}
		if (n == 0 || p[0] == '#')
			continue;
		nf = split_csv_line(p, n, fields, TABLE_COLUMNS, msg,
		    sizeof(msg));
		if (nf == -1) {
			snprintf(err, errlen, "%s:%d: %s", name, line, msg);
			goto fail;
		}
		if (!header) {
			for (i = 0; i < TABLE_COLUMNS; i++) {
				if (i >= nf ||
				    strcmp(fields[i], table_header[i]) != 0) {
					snprintf(err, errlen, "%s:%d: header "
					    "must be id,code,domain,parent,"
					    "unit,ussd,label_ro,status,"
					    "replaced_by", name, line);
					goto fail;
				}
			}
			header = 1;
			continue;
		}
		if (nf != TABLE_COLUMNS) {
			snprintf(err, errlen, "%s:%d: %d columns, want %d",
			    name, line, nf, TABLE_COLUMNS);
			goto fail;
		}
		if (t->n == SHEET_MAX_INDICATORS) {
			snprintf(err, errlen, "%s:%d: more than %d indicators",
			    name, line, SHEET_MAX_INDICATORS);
			goto fail;
		}
		t->line[t->n] = line;
		if (parse_row(t, fields, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%d: %s", name, line, msg);
			goto fail;
		}
	}
	if (t->n == 0) {
		snprintf(err, errlen, "%s: no indicators", name);
		goto fail;
	}
	if (table_check(t, name, err, errlen) == -1)
		goto fail;
	sheet_sha256(data, len, hash);
	snprintf(t->version, sizeof(t->version), "is-%02x%02x%02x%02x%02x%02x",
	    hash[0], hash[1], hash[2], hash[3], hash[4], hash[5]);
	return t;

fail:
	sheet_table_free(t);
	return NULL;
}

struct sheet_table *
sheet_table_load(const char *path, char *err, size_t errlen)
{
	struct sheet_table *t;
	char *data;
	size_t n;

	if (file_read(path, TABLE_MAX_BYTES, &data, &n, err, errlen) != 0)
		return NULL;
	t = sheet_table_parse(path, data, n, err, errlen);
	free(data);
	return t;
}

void
sheet_table_free(struct sheet_table *t)
{
	if (t == NULL)
		return;
	free(t->ind);
	free(t);
}

size_t
sheet_table_count(const struct sheet_table *t)
{
	return t->n;
}

const struct sheet_indicator *
sheet_table_at(const struct sheet_table *t, size_t i)
{
	return i < t->n ? &t->ind[i] : NULL;
}

int
sheet_table_find_code(const struct sheet_table *t, const char *code)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->ind[i].code, code) == 0)
			return (int)i;
	return -1;
}

int
sheet_table_find_id(const struct sheet_table *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->ind[i].id, id) == 0)
			return (int)i;
	return -1;
}

const char *
sheet_table_version(const struct sheet_table *t)
{
	return t->version;
}

const char *
sheet_domain_name(int domain)
{
	if (domain < 1 || domain > SHEET_DOMAINS)
		return domain_names[0];
	return domain_names[domain];
}

size_t
sheet_table_pages(const struct sheet_table *t, int domain,
    const char *pages[8])
{
	size_t i, j, n = 0;

	for (i = 0; i < t->n; i++) {
		const struct sheet_indicator *ind = &t->ind[i];

		if (ind->domain != domain || ind->page[0] == '\0')
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(pages[j], ind->page) == 0)
				break;
		if (j == n && n < 8)
			pages[n++] = ind->page;
	}
	qsort(pages, n, sizeof(pages[0]), page_cmp);
	return n;
}

size_t
sheet_table_page_items(const struct sheet_table *t, const char *page,
    int idx[9])
{
	size_t i, n = 0;

	for (i = 0; i < 9; i++)
		idx[i] = -1;
	for (i = 0; i < t->n; i++) {
		const struct sheet_indicator *ind = &t->ind[i];

		if (strcmp(ind->page, page) != 0 || ind->pos < 1 ||
		    ind->pos > 9)
			continue;
		idx[ind->pos - 1] = (int)i;
		if ((size_t)ind->pos > n)
			n = (size_t)ind->pos;
	}
	return n;
}

int
sheet_table_page_text(const struct sheet_table *t, const char *page,
    char *out, size_t outlen)
{
	const char *pages[8];
	int idx[9];
	size_t np, ni, k, nth = 0, used;
	int n;

	if (page[0] < '1' || page[0] > '0' + SHEET_DOMAINS)
		return -1;
	np = sheet_table_pages(t, page[0] - '0', pages);
	for (k = 0; k < np; k++)
		if (strcmp(pages[k], page) == 0)
			nth = k + 1;
	ni = sheet_table_page_items(t, page, idx);
	if (nth == 0 || ni == 0)
		return -1;
	/* Short: a page must fit one SMS in the guided SMS dialogue. */
	n = snprintf(out, outlen, "%c %s %zu/%zu: cifrele DA", page[0],
	    sheet_domain_name(page[0] - '0'), nth, np);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	used = (size_t)n;
	for (k = 0; k < ni; k++) {
		if (idx[k] < 0)
			return -1;
		n = snprintf(out + used, outlen - used, "\n%zu %s", k + 1,
		    t->ind[idx[k]].label);
		if (n < 0 || (size_t)n >= outlen - used)
			return -1;
		used += (size_t)n;
	}
	return used <= SHEET_USSD_MAX ? 0 : -1;
}

void
sheet_report_init(const struct sheet_table *t, struct sheet_report *r)
{
	memset(r, 0, sizeof(*r));
	r->time_start = r->time_end = -1;
	memset(r->values, SHEET_VAL_UNKNOWN, sizeof(r->values));
	UNUSED(t);
}

void
sheet_derive(const struct sheet_table *t, struct sheet_report *r)
{
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		int any1 = 0, all0 = 1;

		if (!t->ind[i].has_children)
			continue;
		for (j = 0; j < t->n; j++) {
			if (t->ind[j].parent != (int)i)
				continue;
			if (r->values[j] == SHEET_VAL_YES)
				any1 = 1;
			if (r->values[j] != SHEET_VAL_NO)
				all0 = 0;
		}
		if (any1 || r->values[i] == SHEET_VAL_YES)
			r->values[i] = SHEET_VAL_YES;
		else if (all0 || r->values[i] == SHEET_VAL_NO)
			r->values[i] = SHEET_VAL_NO;
		else
			r->values[i] = SHEET_VAL_UNKNOWN;
	}
	r->any_risk = r->risk_count = r->flags = 0;
	for (i = 0; i < t->n; i++) {
		if (t->ind[i].status == 'L' ||
		    r->values[i] != SHEET_VAL_YES)
			continue;
		r->any_risk = 1;
		if (t->ind[i].lettered)
			r->risk_count++;
		if (t->ind[i].status == 'O')
			r->flags++;
	}
	r->urgent = r->urgent_flag != 0;
	for (i = 0; i < NELEM(urgent_codes); i++)
		if (r->values[t->urgent[i]] == SHEET_VAL_YES)
			r->urgent = 1;
}

void
sheet_values_combine(const struct sheet_table *t, int8_t *a, const int8_t *b)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (a[i] == SHEET_VAL_YES || b[i] == SHEET_VAL_YES)
			a[i] = SHEET_VAL_YES;
		else if (a[i] == SHEET_VAL_NO || b[i] == SHEET_VAL_NO)
			a[i] = SHEET_VAL_NO;
		else
			a[i] = SHEET_VAL_UNKNOWN;
	}
}
