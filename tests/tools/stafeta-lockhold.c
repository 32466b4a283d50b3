/*
 * stafeta-lockhold - the adversary of tests/e2e/test_lock.sh: another
 * process that takes the database's write lock and keeps it.
 *
 *   stafeta-lockhold DB SECONDS
 *
 * Opens DB, takes the write lock (BEGIN IMMEDIATE, waiting up to 10 s
 * for it), prints "locked" on stdout, holds the lock for SECONDS, then
 * rolls back (it wrote nothing), prints "released" and exits 0; 1 if the
 * lock could not be taken.  The sleep is the adversary's: the test
 * decides nothing by it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util.h"

int
main(int argc, char **argv)
{
	sqlite3 *db;
	int64_t secs;

	if (argc != 3 || parse_int64(argv[2], 1, 86400, &secs) != 0) {
		fprintf(stderr, "usage: stafeta-lockhold DB SECONDS\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "stafeta-lockhold: %s: %s\n", argv[1],
		    sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "stafeta-lockhold: %s: %s\n", argv[1],
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	printf("locked\n");
	fflush(stdout);
	sleep((unsigned)secs);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	printf("released\n");
	fflush(stdout);
	return 0;
}
