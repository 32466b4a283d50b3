/*
 * test_db.h - a throwaway SQLite database for unit tests.
 *
 * test_db_open() fills a mkstemp() template (path is modified), creates
 * the empty file (a valid empty SQLite database) and opens it with
 * store_open(); test_db_apply() adds a service's tables (what the service
 * table does at open); test_db_remove() deletes it with its -wal and -shm
 * files.
 * Include after <cmocka.h> and store.h.
 */
#ifndef STAFETA_TEST_DB_H
#define STAFETA_TEST_DB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline struct store *
test_db_open(char *path)
{
	char err[256];
	struct store *st;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	st = store_open(path, err, sizeof(err));
	if (st == NULL)
		fail_msg("store_open %s: %s", path, err);
	return st;
}

static inline void
test_db_apply(struct store *st, const struct store_migration *list)
{
	char err[256];

	if (store_migrate_apply(st, list, err, sizeof(err)) != 0)
		fail_msg("store_migrate_apply: %s", err);
}

static inline void
test_db_remove(const char *path)
{
	char aux[512];

	unlink(path);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
}

#endif /* STAFETA_TEST_DB_H */
