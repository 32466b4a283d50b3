/*
 * cli_table.c - a service's table on the terminal, or exported: the one
 * way every list command of `stafeta` prints, so that each takes the same
 * options.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gw_export.h"
#include "table.h"
#include "util.h"

#define CLI_TABLE_COL_MAX 40 /* wider cells are cut on the terminal only */

/* Display width of a UTF-8 string: code points, not bytes. */
static size_t
cli_table_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	}
	return w;
}

static void
cli_table_cell(FILE *f, const char *s, size_t width, int last)
{
	size_t w = 0;
	const char *p = s;

	/* Cut at a code point boundary after CLI_TABLE_COL_MAX points. */
	for (; *p != '\0'; p++) {
		if (((unsigned char)*p & 0xC0) != 0x80 &&
		    w++ == CLI_TABLE_COL_MAX)
			break;
	}
	fwrite(s, 1, (size_t)(p - s), f);
	if (last)
		return;
	for (w = cli_table_width(s) < CLI_TABLE_COL_MAX ?
	    cli_table_width(s) : CLI_TABLE_COL_MAX; w < width + 2; w++)
		fputc(' ', f);
}

void
cli_table_print(FILE *f, const struct table *t)
{
	size_t *w = xcalloc(t->ncols > 0 ? t->ncols : 1, sizeof(*w));

	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = cli_table_width(t->cols[c].id);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t x = cli_table_width(table_get(t, r, c));

			if (x > w[c])
				w[c] = x;
		}
		if (w[c] > CLI_TABLE_COL_MAX)
			w[c] = CLI_TABLE_COL_MAX;
	}
	for (size_t c = 0; c < t->ncols; c++)
		cli_table_cell(f, t->cols[c].id, w[c], c + 1 == t->ncols);
	fputc('\n', f);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			cli_table_cell(f, table_get(t, r, c), w[c],
			    c + 1 == t->ncols);
		fputc('\n', f);
	}
	if (t->nrows == 0)
		fprintf(f, "(none)\n");
	free(w);
}

int
cli_table_opt(struct cli_table_out *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (strcmp(a, "--csv") == 0 || strcmp(a, "--csv-ids") == 0) {
		o->format = strcmp(a, "--csv") == 0 ? GW_EXPORT_CSV :
		    GW_EXPORT_CSV_IDS;
		o->path = "-";
		if (*i + 1 < argc && argv[*i + 1][0] != '-') {
			o->path = argv[++*i];
		}
		return 1;
	}
	if (strcmp(a, "--xlsx") == 0) {
		if (*i + 1 >= argc)
			return -1;
		o->format = GW_EXPORT_XLSX;
		o->path = argv[++*i];
		return 1;
	}
	return 0;
}

int
cli_table_output(struct cli_ctx *ctx, const struct cli_table_out *o,
    const struct table *t)
{
	char err[256];

	if (t == NULL) {
		fprintf(ctx->err, "stafeta: cannot read the database\n");
		return 1;
	}
	if (o->path == NULL) {
		cli_table_print(ctx->out, t);
		return 0;
	}
	if (gw_export_write(t, (enum gw_export_format)o->format, o->path,
	    ctx->out, err, sizeof(err)) != 0) {
		fprintf(ctx->err, "stafeta: %s\n", err);
		return 1;
	}
	if (strcmp(o->path, "-") != 0)
		fprintf(ctx->err, "%zu rows written to %s\n", t->nrows,
		    o->path);
	return 0;
}
