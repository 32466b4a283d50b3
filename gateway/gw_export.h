/*
 * gw_export.h - a service's table (lib/table.h) written out as the user
 * asked: CSV that LibreOffice and Excel open with diacritics intact, or
 * XLSX.  The CLI and the web page both export through here, so every
 * list has the same two formats.
 */
#ifndef STAFETA_GW_EXPORT_H
#define STAFETA_GW_EXPORT_H

#include <stdio.h>

struct table;

enum gw_export_format {
	GW_EXPORT_CSV,	   /* UTF-8 with BOM, Romanian headings */
	GW_EXPORT_CSV_IDS, /* UTF-8, no BOM, English column ids (scripts) */
	GW_EXPORT_XLSX,	   /* one worksheet, bold frozen heading row */
};

/* "csv", "csv-ids", "xlsx" -> format; -1 if unknown. */
int gw_export_parse(const char *name);
/* Writes t to path, or to out when path is "-" (CSV only: XLSX needs a
 * real file): 0, or -1 with a message in err. */
int gw_export_write(const struct table *t, enum gw_export_format fmt,
    const char *path, FILE *out, char *err, size_t errlen);

#endif /* STAFETA_GW_EXPORT_H */
