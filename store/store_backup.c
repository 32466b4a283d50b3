/*
 * store_backup.c - copies of the database while the daemon runs, and
 * putting one back.
 *
 * A backup uses SQLite's online backup API from the caller's connection.
 * That connection holds one read transaction for the whole copy, so under
 * WAL the copy is the database as it was when the backup began (every
 * transaction committed before that is in it, none committed after), the
 * copy never restarts however much the daemon writes, and the daemon's
 * writers are never blocked (WAL readers do not block writers; only the
 * checkpoint waits for us to finish).  Pages are copied in chunks of
 * BACKUP_STEP_PAGES.  The copy is written to PATH.tmp (mode 0640), turned
 * into a single self-contained file (journal_mode=DELETE: no -wal to
 * forget), fsynced and renamed over PATH, and the folder is fsynced.
 *
 * A restore checks a candidate file (integrity_check, schema_migrations,
 * no migration this binary does not know), keeps the current database
 * (and its -wal, which may hold committed transactions) under
 * DB.before-restore-STAMP, and renames the checked copy into place.  The
 * caller makes sure no daemon runs (the state directory lock).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "util.h"

#define BACKUP_STEP_PAGES 256	/* 1 MB of 4 KB pages per step */
#define BACKUP_BUSY_TRIES 500	/* 10 ms apart: 5 s of busy destination */
#define BACKUP_FILE_MODE  0640

static int fsync_path(const char *, int);
static int fsync_dir_of(const char *);
static int count_table(sqlite3 *, const char *, int64_t *);
static int copy_file(const char *, const char *, char *, size_t);
static int rename_if_exists(const char *, const char *, char *, size_t);

/* fsyncs the file (or, dir = 1, the folder) at path: 0 or -1 (errno). */
static int
fsync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) |
	    O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
fsync_dir_of(const char *path)
{
	char *copy = xstrdup(path);
	int rc = fsync_path(dirname(copy), 1);

	free(copy);
	return rc;
}

/* Rows of table in *n, or -1 in *n if db has no such table.  Table names
 * come from our own lists, never from input. */
static int
count_table(sqlite3 *db, const char *table, int64_t *n)
{
	sqlite3_stmt *q = NULL;
	char *sql;
	int rc;

	*n = -1;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE"
	    " type = 'table' AND name = ?1", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -1;
	sql = xasprintf("SELECT count(*) FROM \"%s\"", table);
	rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		*n = sqlite3_column_int64(q, 0);
	else
		rc = -1;
	sqlite3_finalize(q);
	return rc == SQLITE_OK ? 0 : -1;
}

int
store_backup(struct store *st, const char *path, int force,
    struct store_backup_info *info, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b = NULL;
	struct stat sb;
	char *tmp = NULL;
	int fd, rc, busy = 0, reading = 0;

	memset(info, 0, sizeof(*info));
	if (st->kind != STORE_SQLITE) {
		snprintf(err, errlen, "the store is PostgreSQL: back it up "
		    "with PostgreSQL's tools (pg_dump, or the county's base "
		    "backups and WAL archive; docs/scale-out.md)");
		return -1;
	}
	if (!force && stat(path, &sb) == 0) {
		snprintf(err, errlen, "%s: exists (--force replaces it)", path);
		return -1;
	}
	tmp = xasprintf("%s.tmp", path);
	(void)unlink(tmp); /* left by a backup that died */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    BACKUP_FILE_MODE);
	if (fd < 0 || fchmod(fd, BACKUP_FILE_MODE) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto fail;
	}
	/* One read transaction on the source for the whole copy: the
	 * snapshot of the moment the backup began. */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, "SELECT count(*) FROM sqlite_master", NULL,
	    NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	reading = 1;
	b = sqlite3_backup_init(dst, "main", st->db, "main");
	if (b == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto fail;
	}
	for (;;) {
		rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		info->steps++;
		if (rc == SQLITE_DONE)
			break;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			if (++busy > BACKUP_BUSY_TRIES)
				break;
			sqlite3_sleep(10);
			continue;
		}
		if (rc != SQLITE_OK)
			break;
	}
	info->pages = sqlite3_backup_pagecount(b);
	rc = sqlite3_backup_finish(b);
	b = NULL;
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "backup failed: %s",
		    sqlite3_errstr(rc));
		goto fail;
	}
	(void)sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	reading = 0;
	/* A backup is one file: no -wal beside it to be lost in a copy. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto fail;
	}
	for (size_t i = 0; i < STORE_BACKUP_TABLES; i++) {
		if (count_table(dst, store_backup_tables[i],
		    &info->rows[i]) != 0) {
			snprintf(err, errlen, "%s: %s", tmp,
			    sqlite3_errmsg(dst));
			goto fail;
		}
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot close", tmp);
		dst = NULL;
		goto fail;
	}
	dst = NULL;
	if (fsync_path(tmp, 0) != 0 || stat(tmp, &sb) != 0 ||
	    rename(tmp, path) != 0 || fsync_dir_of(path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	info->bytes = (int64_t)sb.st_size;
	free(tmp);
	return 0;

fail:
	if (b != NULL)
		(void)sqlite3_backup_finish(b);
	if (reading)
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	if (dst != NULL)
		sqlite3_close(dst);
	if (tmp != NULL) {
		(void)unlink(tmp);
		free(tmp);
	}
	return -1;
}

const char *const store_backup_tables[STORE_BACKUP_TABLES] = {
	"inbound", "outbox", "contacts", "flow_sessions", "sheets",
	"reporters",
};

/* Copies src to dst (created 0640, must not exist) and fsyncs it. */
static int
copy_file(const char *src, const char *dst, char *err, size_t errlen)
{
	char buf[65536];
	ssize_t r;
	int in, out;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		return -1;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    BACKUP_FILE_MODE);
	if (out < 0) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	while ((r = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				r = -1;
				break;
			}
			off += w;
		}
		if (r < 0)
			break;
	}
	if (r < 0 || fsync(out) != 0) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		close(in);
		close(out);
		(void)unlink(dst);
		return -1;
	}
	close(in);
	if (close(out) != 0) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		(void)unlink(dst);
		return -1;
	}
	return 0;
}

int
store_restore_check(const char *path, store_migration_known_cb *known,
    void *arg, int64_t *n_migrations, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	const char *name;
	int rc;

	*n_migrations = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: not a database (%s)", path,
		    sqlite3_errmsg(db));
		goto fail;
	}
	rc = sqlite3_step(q);
	name = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) :
	    NULL;
	if (name == NULL || strcmp(name, "ok") != 0) {
		snprintf(err, errlen, "%s: integrity check failed: %s", path,
		    name != NULL ? name : sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(db, "SELECT name FROM schema_migrations"
	    " ORDER BY name", -1, &q, NULL) != SQLITE_OK) {
		q = NULL;
		snprintf(err, errlen, "%s: not a Stafeta database (no "
		    "schema_migrations)", path);
		goto fail;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(q, 0);
		if (name == NULL || !known(name, arg)) {
			snprintf(err, errlen, "%s: migration \"%s\" is unknown "
			    "to this stafeta (a newer version made it)", path,
			    name != NULL ? name : "");
			goto fail;
		}
		(*n_migrations)++;
	}
	if (rc != SQLITE_DONE || *n_migrations == 0) {
		snprintf(err, errlen, "%s: not a Stafeta database (%s)", path,
		    rc != SQLITE_DONE ? sqlite3_errmsg(db) :
		    "no migration recorded");
		goto fail;
	}
	sqlite3_finalize(q);
	if (sqlite3_close(db) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot close", path);
		return -1;
	}
	return 0;

fail:
	sqlite3_finalize(q);
	sqlite3_close(db);
	return -1;
}

/* Renames from to to if from exists: 0, or -1 with err. */
static int
rename_if_exists(const char *from, const char *to, char *err, size_t errlen)
{
	if (rename(from, to) == 0 || errno == ENOENT)
		return 0;
	snprintf(err, errlen, "%s: %s", from, strerror(errno));
	return -1;
}

int
store_restore(const char *db, const char *file, const char *stamp,
    store_migration_known_cb *known, void *arg, char **kept, char *err,
    size_t errlen)
{
	char *tmp, *keep;
	char *side_from = NULL, *side_to = NULL;
	struct stat sb;
	int64_t n;
	int have_db = 0;

	if (store_locator_is_pg(db)) {
		snprintf(err, errlen, "the store is PostgreSQL: restore it "
		    "with PostgreSQL's tools (pg_restore; docs/scale-out.md)");
		return -1;
	}
	tmp = xasprintf("%s.restore-tmp", db);
	keep = xasprintf("%s.before-restore-%s", db, stamp);

	*kept = NULL;
	(void)unlink(tmp);
	/* Check the copy we install, not the file we were given. */
	if (copy_file(file, tmp, err, errlen) != 0)
		goto fail;
	if (store_restore_check(tmp, known, arg, &n, err, errlen) != 0) {
		(void)unlink(tmp);
		goto fail;
	}
	have_db = stat(db, &sb) == 0;
	if (have_db && stat(keep, &sb) == 0) {
		snprintf(err, errlen, "%s: exists", keep);
		(void)unlink(tmp);
		goto fail;
	}
	/* The current database and its -wal (committed transactions not
	 * yet checkpointed) go aside together; -shm is only an index. */
	if (rename_if_exists(db, keep, err, errlen) != 0)
		goto fail_tmp;
	side_from = xasprintf("%s-wal", db);
	side_to = xasprintf("%s-wal", keep);
	if (rename_if_exists(side_from, side_to, err, errlen) != 0)
		goto fail_tmp;
	free(side_from);
	side_from = xasprintf("%s-shm", db);
	if (unlink(side_from) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", side_from, strerror(errno));
		goto fail_tmp;
	}
	free(side_from);
	side_from = xasprintf("%s-journal", tmp);
	(void)unlink(side_from);
	if (rename(tmp, db) != 0 || fsync_dir_of(db) != 0) {
		snprintf(err, errlen, "%s: %s", db, strerror(errno));
		goto fail_tmp;
	}
	free(side_from);
	free(side_to);
	free(tmp);
	if (have_db)
		*kept = keep;
	else
		free(keep);
	return 0;

fail_tmp:
	(void)unlink(tmp);
	/* Put the current database back where it was. */
	if (have_db && stat(db, &sb) != 0 && rename(keep, db) == 0) {
		free(side_from);
		side_from = xasprintf("%s-wal", keep);
		free(side_to);
		side_to = xasprintf("%s-wal", db);
		(void)rename(side_from, side_to);
	}
fail:
	free(side_from);
	free(side_to);
	free(tmp);
	free(keep);
	return -1;
}
