/*
 * table.h - a table of text cells: what a service hands out as a list or
 * a report (headers and rows), so that the CLI and the web page can render
 * it as CSV, XLSX or HTML without knowing what it holds.
 *
 * A table owns copies of all its strings; table_free() releases them.
 * Every row has exactly ncols cells (missing ones are "").  Headers have
 * two names per column: a stable English id (for scripts, the --ids
 * variant) and the Romanian heading that SPAS reads.
 */
#ifndef STAFETA_TABLE_H
#define STAFETA_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table_col {
	const char *id;	   /* "sheet_no": stable, ASCII */
	const char *title; /* "Nr. fișă": Romanian, UTF-8 */
};

struct table {
	char *name;		/* "sheets": the sheet or file name */
	size_t ncols;
	struct table_col *cols; /* owned copies */
	char **cells;		/* nrows * ncols owned strings, row-major */
	size_t nrows;
	size_t cap;		/* rows allocated */
};

/* A new table with a copy of cols[0..ncols); caller frees. */
struct table *table_new(const char *name, const struct table_col *cols,
    size_t ncols);
/* Appends a row of ncols strings (NULL is ""); returns its index. */
size_t table_add(struct table *, const char *const *cells);
/* Appends an empty row and returns its index; fill it with table_set. */
size_t table_add_row(struct table *);
/* Sets cell (row, col) to a copy of s, or to a printf string. */
void table_set(struct table *, size_t row, size_t col, const char *s);
void table_setf(struct table *, size_t row, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *table_get(const struct table *, size_t row, size_t col);
void table_free(struct table *);

#define TABLE_CSV_IDS 0x1 /* English ids as the heading row */
#define TABLE_CSV_BOM 0x2 /* UTF-8 byte order mark first, so that
			   * LibreOffice and Excel read diacritics */
/* Writes the table as RFC 4180 CSV (CRLF rows); 0, or -1 on a write
 * error (errno set). */
int table_write_csv(const struct table *, FILE *, int flags);

#endif /* STAFETA_TABLE_H */
