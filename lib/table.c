/*
 * table.c - tables of text cells and their CSV form.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "table.h"
#include "util.h"

struct table *
table_new(const char *name, const struct table_col *cols, size_t ncols)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->name = xstrdup(name != NULL ? name : "table");
	t->ncols = ncols;
	t->cols = xcalloc(ncols > 0 ? ncols : 1, sizeof(*t->cols));
	for (size_t i = 0; i < ncols; i++) {
		t->cols[i].id = xstrdup(cols[i].id);
		t->cols[i].title = xstrdup(cols[i].title != NULL ?
		    cols[i].title : cols[i].id);
	}
	return t;
}

size_t
table_add_row(struct table *t)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap > 0 ? t->cap * 2 : 16;

		/* ncols is small and fixed; rows stay far below overflow */
		t->cells = xrealloc(t->cells, cap * (t->ncols > 0 ?
		    t->ncols : 1) * sizeof(*t->cells));
		t->cap = cap;
	}
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = NULL;
	return t->nrows++;
}

size_t
table_add(struct table *t, const char *const *cells)
{
	size_t r = table_add_row(t);

	for (size_t c = 0; c < t->ncols; c++)
		table_set(t, r, c, cells[c]);
	return r;
}

void
table_set(struct table *t, size_t row, size_t col, const char *s)
{
	char **cell;

	if (row >= t->nrows || col >= t->ncols)
		return;
	cell = &t->cells[row * t->ncols + col];
	free(*cell);
	*cell = s != NULL ? xstrdup(s) : NULL;
}

void
table_setf(struct table *t, size_t row, size_t col, const char *fmt, ...)
{
	va_list ap, ap2;
	char *s;
	int n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("table_setf: bad format");
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	table_set(t, row, col, s);
	free(s);
}

const char *
table_get(const struct table *t, size_t row, size_t col)
{
	const char *s;

	if (row >= t->nrows || col >= t->ncols)
		return "";
	s = t->cells[row * t->ncols + col];
	return s != NULL ? s : "";
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (size_t i = 0; i < t->ncols; i++) {
		free((char *)t->cols[i].id);
		free((char *)t->cols[i].title);
	}
	free(t->cells);
	free(t->cols);
	free(t->name);
	free(t);
}

int
table_write_csv(const struct table *t, FILE *f, int flags)
{
	if ((flags & TABLE_CSV_BOM) != 0)
		fputs("\xEF\xBB\xBF", f);
	for (size_t c = 0; c < t->ncols; c++)
		csv_field(f, (flags & TABLE_CSV_IDS) != 0 ? t->cols[c].id :
		    t->cols[c].title, c + 1 == t->ncols);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			csv_field(f, table_get(t, r, c), c + 1 == t->ncols);
	}
	return ferror(f) ? -1 : 0;
}
