/*
 * cli_backup.c - stafeta backup, restore and purge.
 *
 *   stafeta backup [--force] FILE
 *   stafeta backup --rotate DIR [--keep N]
 *   stafeta restore FILE
 *   stafeta purge [--dry-run]
 *
 * backup copies the database while the daemon runs (store_backup: the
 * online backup API, one consistent snapshot).  --rotate names the file
 * DIR/stafeta-YYYYMMDD-HHMMSS.db (UTC) and then keeps the newest N such
 * files (default 7): what systemd/stafeta-backup.timer runs daily.
 *
 * restore refuses while stafetad runs on the state directory (it holds
 * STATE/stafetad.lock; we take the same lock for the time of the restore,
 * so the daemon cannot start half way).  It is run without opening the
 * database (a broken database is what one restores over).
 *
 * purge deletes (or with --dry-run counts) what is past its retention
 * period, class by class (gw_purge.c; docs/configuration.md).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "gateway.h"
#include "service.h"
#include "store.h"
#include "util.h"

#define ROTATE_PREFIX "stafeta-"
#define ROTATE_SUFFIX ".db"
#define ROTATE_NAME_LEN 26 /* stafeta-YYYYMMDD-HHMMSS.db */
#define ROTATE_MAX 1000	   /* files looked at in DIR */

static void stamp(char *, size_t, int);
static int rotate_cmp(const void *, const void *);
static int rotate(const char *, int);
static int migration_known_cb(const char *, void *);
static int state_lock(const struct gw_config *);
static void purge_print_cb(void *, const char *, int64_t, int64_t);

void
cli_backup_usage(FILE *f)
{
	fprintf(f, "usage: stafeta backup [--force] FILE\n"
	    "       stafeta backup --rotate DIR [--keep N]\n"
	    "  copies the database while the daemon runs (mode 0640);\n"
	    "  --force replaces an existing FILE; --rotate writes\n"
	    "  DIR/stafeta-YYYYMMDD-HHMMSS.db and keeps the newest N "
	    "(default 7)\n");
}

void
cli_restore_usage(FILE *f)
{
	fprintf(f, "usage: stafeta restore FILE\n"
	    "  replaces the database by FILE (a backup); stafetad must be\n"
	    "  stopped; the current database is kept as\n"
	    "  DB.before-restore-YYYYMMDDTHHMMSSZ\n");
}

void
cli_purge_usage(FILE *f)
{
	fprintf(f, "usage: stafeta purge [--dry-run]\n"
	    "  deletes what is past its retention period ([retention],\n"
	    "  [sheets] keep_years); --dry-run only counts\n");
}

/* Now (UTC, test clock): "20261122-161005" for a rotated backup's
 * name, or (iso = 1) "20261122T161005Z". */
static void
stamp(char *buf, size_t len, int iso)
{
	time_t secs = (time_t)(clock_now_ms() / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	if (iso)
		strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
	else
		strftime(buf, len, "%Y%m%d-%H%M%S", &tm);
}

static int
rotate_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes the oldest DIR/stafeta-*.db beyond the newest keep. */
static int
rotate(const char *dir, int keep)
{
	char *names[ROTATE_MAX];
	struct dirent *de;
	size_t n = 0, len;
	DIR *d = opendir(dir);
	int rc = 0;

	if (d == NULL) {
		fprintf(stderr, "stafeta: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL && n < ROTATE_MAX) {
		len = strlen(de->d_name);
		if (len != ROTATE_NAME_LEN ||
		    strncmp(de->d_name, ROTATE_PREFIX,
		    strlen(ROTATE_PREFIX)) != 0 ||
		    strcmp(de->d_name + len - strlen(ROTATE_SUFFIX),
		    ROTATE_SUFFIX) != 0)
			continue;
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), rotate_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i + (size_t)keep < n) {
			char *p = xasprintf("%s/%s", dir, names[i]);

			if (unlink(p) != 0) {
				fprintf(stderr, "stafeta: %s: %s\n", p,
				    strerror(errno));
				rc = -1;
			} else
				printf("removed old backup %s\n", p);
			free(p);
		}
		free(names[i]);
	}
	return rc;
}

int
cli_backup_main(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store_backup_info info;
	const char *file = NULL, *dir = NULL;
	char *path = NULL, err[CONFIG_ERR_LEN], when[32];
	int force = 0, keep = 7, rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "--rotate") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end != '\0' || v < 1 || v > 999) {
				fprintf(stderr, "stafeta: --keep must be "
				    "1..999\n");
				return 2;
			}
			keep = (int)v;
		} else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else {
			cli_backup_usage(stderr);
			return 2;
		}
	}
	if ((file == NULL) == (dir == NULL)) {
		cli_backup_usage(stderr);
		return 2;
	}
	if (dir != NULL) {
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			fprintf(stderr, "stafeta: %s: %s\n", dir,
			    strerror(errno));
			return 1;
		}
		stamp(when, sizeof(when), 0);
		path = xasprintf("%s/" ROTATE_PREFIX "%s" ROTATE_SUFFIX, dir,
		    when);
	} else
		path = xstrdup(file);
	if (store_backup(ctx->store, path, force, &info, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "stafeta: backup: %s\n", err);
		goto out;
	}
	printf("saved %s: %lld bytes, %d pages in %d steps\n", path,
	    (long long)info.bytes, info.pages, info.steps);
	for (size_t i = 0; i < STORE_BACKUP_TABLES; i++) {
		if (info.rows[i] >= 0)
			printf("  %-14s %lld rows\n", store_backup_tables[i],
			    (long long)info.rows[i]);
	}
	rc = 0;
	if (dir != NULL && rotate(dir, keep) != 0)
		rc = 1;
out:
	free(path);
	return rc;
}

/* Core migrations and every service's. */
static int
migration_known_cb(const char *name, void *arg)
{
	UNUSED(arg);
	if (store_migration_core_known(name))
		return 1;
	for (size_t i = 0; i < gw_services_count(); i++) {
		const struct store_migration *m = gw_services_at(i)->migrations;

		for (; m != NULL && m->name != NULL; m++) {
			if (strcmp(m->name, name) == 0)
				return 1;
		}
	}
	return 0;
}

/*
 * Takes STATE/stafetad.lock, the lock stafetad holds while it runs: the
 * descriptor (kept until exit), or -1 after saying why on stderr.
 */
static int
state_lock(const struct gw_config *conf)
{
	char *path = xasprintf("%s/stafetad.lock", conf->state_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0) {
		fprintf(stderr, "stafeta: %s: %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			fprintf(stderr, "stafeta: restore: stafetad is running "
			    "on %s; stop it first (systemctl stop stafetad)\n",
			    conf->state_dir);
		else
			fprintf(stderr, "stafeta: %s: %s\n", path,
			    strerror(errno));
		close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

int
cli_restore_main(struct cli_ctx *ctx, int argc, char **argv)
{
	char err[CONFIG_ERR_LEN], when[32], *kept = NULL;
	int fd;

	if (argc != 2 || argv[1][0] == '-') {
		cli_restore_usage(stderr);
		return 2;
	}
	(void)mkdir(ctx->conf->state_dir, 0750);
	fd = state_lock(ctx->conf);
	if (fd < 0)
		return 1;
	stamp(when, sizeof(when), 1);
	if (store_restore(ctx->conf->store_locator, argv[1], when,
	    migration_known_cb, NULL, &kept, err, sizeof(err)) != 0) {
		fprintf(stderr, "stafeta: restore: %s\n", err);
		close(fd);
		return 1;
	}
	printf("restored %s from %s\n", ctx->conf->database, argv[1]);
	if (kept != NULL)
		printf("the previous database is kept as %s\n", kept);
	free(kept);
	close(fd);
	return 0;
}

struct purge_print {
	int dry_run;
};

static void
purge_print_cb(void *arg, const char *cls, int64_t rows, int64_t before)
{
	struct purge_print *p = arg;
	char when[32];

	if (rows < 0) {
		printf("  %-13s      -  (no such data here)\n", cls);
		return;
	}
	clock_fmt_utc(before / 1000, when, sizeof(when));
	printf("  %-13s %6lld  older than %s UTC\n", cls, (long long)rows,
	    when);
	UNUSED(p);
}

int
cli_purge_main(struct cli_ctx *ctx, int argc, char **argv)
{
	struct purge_print p = { 0 };
	int more;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0 ||
		    strcmp(argv[i], "-n") == 0)
			p.dry_run = 1;
		else {
			cli_purge_usage(stderr);
			return 2;
		}
	}
	printf(p.dry_run ? "would delete (dry run):\n" : "deleted:\n");
	if (gw_purge(cli_services(ctx), ctx->store, ctx->conf, clock_now_ms(),
	    p.dry_run, 0, purge_print_cb, &p, &more) != 0) {
		fprintf(stderr, "stafeta: purge: some classes failed (see "
		    "above)\n");
		return 1;
	}
	return 0;
}
