/*
 * gw_export.c - tables as CSV or XLSX.  XLSX is written by libxlsxwriter
 * (Debian's libxlsxwriter): a spreadsheet opens in Excel and LibreOffice
 * with its columns, types and diacritics right, where a CSV depends on
 * the reader's import settings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "gw_export.h"
#include "table.h"

int
gw_export_parse(const char *name)
{
	if (strcmp(name, "csv") == 0)
		return GW_EXPORT_CSV;
	if (strcmp(name, "csv-ids") == 0)
		return GW_EXPORT_CSV_IDS;
	if (strcmp(name, "xlsx") == 0)
		return GW_EXPORT_XLSX;
	return -1;
}

static int
gw_export_csv(const struct table *t, int flags, const char *path, FILE *out,
    char *err, size_t errlen)
{
	int to_out = strcmp(path, "-") == 0;
	FILE *f = to_out ? out : fopen(path, "w");
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = table_write_csv(t, f, flags);
	if (to_out)
		rc |= fflush(f);
	else
		rc |= fclose(f);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* A cell that is a plain decimal integer is written as a number, so that
 * counts sum in the spreadsheet; everything else (codes with leading
 * zeros, dates, phone numbers) stays text. */
static int
gw_export_is_count(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 9 || (s[0] == '0' && n > 1))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return 1;
}

static int
gw_export_xlsx(const struct table *t, const char *path, char *err,
    size_t errlen)
{
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold;
	lxw_error e;
	char sheet[32];

	if (strcmp(path, "-") == 0) {
		snprintf(err, errlen, "XLSX needs a file name, not \"-\"");
		return -1;
	}
	wb = workbook_new(path);
	if (wb == NULL) {
		snprintf(err, errlen, "%s: cannot create the workbook", path);
		return -1;
	}
	/* Excel limits sheet names to 31 characters. */
	snprintf(sheet, sizeof(sheet), "%.31s", t->name);
	ws = workbook_add_worksheet(wb, sheet);
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	for (size_t c = 0; c < t->ncols; c++) {
		worksheet_write_string(ws, 0, (lxw_col_t)c, t->cols[c].title,
		    bold);
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, 18, NULL);
	}
	worksheet_freeze_panes(ws, 1, 0);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = table_get(t, r, c);

			if (s[0] == '\0')
				continue;
			if (gw_export_is_count(s))
				worksheet_write_number(ws, (lxw_row_t)(r + 1),
				    (lxw_col_t)c, (double)strtol(s, NULL, 10),
				    NULL);
			else
				worksheet_write_string(ws, (lxw_row_t)(r + 1),
				    (lxw_col_t)c, s, NULL);
		}
	}
	e = workbook_close(wb);
	if (e != LXW_NO_ERROR) {
		snprintf(err, errlen, "%s: %s", path, lxw_strerror(e));
		return -1;
	}
	return 0;
}

int
gw_export_write(const struct table *t, enum gw_export_format fmt,
    const char *path, FILE *out, char *err, size_t errlen)
{
	switch (fmt) {
	case GW_EXPORT_CSV:
		return gw_export_csv(t, TABLE_CSV_BOM, path, out, err, errlen);
	case GW_EXPORT_CSV_IDS:
		return gw_export_csv(t, TABLE_CSV_IDS, path, out, err, errlen);
	case GW_EXPORT_XLSX:
		return gw_export_xlsx(t, path, err, errlen);
	}
	snprintf(err, errlen, "unknown export format");
	return -1;
}
