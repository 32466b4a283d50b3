/*
 * pg-translate - prints an SQL text (stdin) as the PostgreSQL store would
 * send it (store_pg_translate); with -d, as a migration.  Used by
 * tests/tools/pg-sql-check to prepare every statement on PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int
main(int argc, char **argv)
{
	char buf[65536], err[256];
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
	char *out;

	buf[n] = '\0';
	out = store_pg_translate(buf, argc > 1 && strcmp(argv[1], "-d") == 0,
	    err, sizeof(err));
	if (out == NULL) {
		fprintf(stderr, "pg-translate: %s\n", err);
		return 1;
	}
	fputs(out, stdout);
	free(out);
	return 0;
}
