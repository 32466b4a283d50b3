/*
 * cli_user.c - `stafeta user`: the accounts of the web back office
 * (gateway/web.h).
 *
 *   stafeta user add NAME --role worker|head|mayor|admin
 *   stafeta user passwd NAME
 *   stafeta user disable NAME | enable NAME
 *   stafeta user list [--csv [FILE] | --xlsx FILE]
 *
 * A password is read from standard input (asked twice without echo on a
 * terminal; one line from a pipe), never from the command line, and is
 * hashed here with Argon2id (web_auth.c).  Only the hash travels on: as
 * the internal `user set NAME --hash HASH [--new --role ROLE]`, which the
 * running daemon executes (gw_control.c), or this process when none runs.
 * A new password or a disabled account ends the account's sessions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "gateway.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "web.h"

void
cli_user_usage(FILE *f)
{
	fprintf(f, "usage: stafeta user add NAME --role "
	    "worker|head|mayor|admin\n"
	    "       stafeta user passwd NAME\n"
	    "       stafeta user disable|enable NAME\n"
	    "       stafeta user list [--csv [FILE] | --xlsx FILE]\n"
	    "The password is read from standard input (%d to %d "
	    "characters).\n", WEB_PW_MIN, WEB_PW_MAX);
}

/* One line of stdin without its newline, echo off on a terminal. */
static int
read_line(const char *prompt, char *out, size_t len)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), rc = 0;
	size_t n;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		} else
			tty = 0;
	}
	if (fgets(out, (int)len, stdin) == NULL)
		rc = -1;
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (rc != 0)
		return -1;
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

/* Reads and hashes a new password: 0, or 1 after saying why not. */
static int
new_password_hash(struct cli_ctx *ctx, char *hash, size_t len)
{
	char pw[WEB_PW_MAX + 8], again[WEB_PW_MAX + 8];
	int rc = 1;

	if (read_line("Parola nouă: ", pw, sizeof(pw)) != 0) {
		fprintf(ctx->err, "stafeta user: no password on standard "
		    "input\n");
		return 1;
	}
	if (isatty(STDIN_FILENO) && (read_line("Încă o dată: ", again,
	    sizeof(again)) != 0 || strcmp(pw, again) != 0)) {
		fprintf(ctx->err, "stafeta user: the passwords differ\n");
		goto out;
	}
	if (!web_password_acceptable(pw)) {
		fprintf(ctx->err, "stafeta user: a password has %d to %d "
		    "characters and no control characters\n", WEB_PW_MIN,
		    WEB_PW_MAX);
		goto out;
	}
	if (web_password_hash(pw, hash, len) != 0) {
		fprintf(ctx->err, "stafeta user: could not hash the "
		    "password\n");
		goto out;
	}
	rc = 0;
out:
	memset(pw, 0, sizeof(pw));
	memset(again, 0, sizeof(again));
	return rc;
}

static int
name_ok(struct cli_ctx *ctx, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			n = 0;
	}
	if (n == 0 || n > 64) {
		fprintf(ctx->err, "stafeta user: a name is 1 to 64 of "
		    "A-Z a-z 0-9 . _ -\n");
		return 0;
	}
	return 1;
}

/* `user set NAME --hash HASH [--new --role ROLE]`: where the write
 * happens (in the daemon when it runs). */
static int
user_set(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name, *hash = NULL, *role = NULL;
	struct store_user u;
	char key[80], object[80];
	int isnew = 0, rc;
	int64_t now = clock_now_ms();

	if (argc < 3 || !name_ok(ctx, argv[2]))
		return 2;
	name = argv[2];
	snprintf(key, sizeof(key), "user:%s", name);
	snprintf(object, sizeof(object), "user:%s", name);
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--hash") == 0 && i + 1 < argc)
			hash = argv[++i];
		else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			role = argv[++i];
		else if (strcmp(argv[i], "--new") == 0)
			isnew = 1;
		else {
			cli_user_usage(ctx->err);
			return 2;
		}
	}
	if (hash == NULL || strncmp(hash, "$argon2id$", 10) != 0 ||
	    (isnew && web_role_parse(role) == 0)) {
		cli_user_usage(ctx->err);
		return 2;
	}
	if (isnew) {
		rc = store_user_add(ctx->store, name, role, hash, now);
		if (rc == 0) {
			fprintf(ctx->err, "stafeta user: %s exists (use "
			    "passwd)\n", name);
			return 1;
		}
		if (rc < 0 || store_audit(ctx->store, cli_operator(ctx, NULL),
		    "cli", "change", object, now) != 0)
			return 1;
		fprintf(ctx->out, "user %s added (%s)\n", name, role);
		return 0;
	}
	rc = store_user_get(ctx->store, name, &u);
	if (rc != 1) {
		if (rc == 0)
			fprintf(ctx->err, "stafeta user: no user %s\n", name);
		return 1;
	}
	if (store_begin(ctx->store) != 0)
		rc = -1;
	else if (store_user_set_password(ctx->store, name, hash, now) < 0 ||
	    store_web_session_delete_user(ctx->store, u.id) != 0 ||
	    store_login_reset(ctx->store, key) != 0 ||
	    store_commit(ctx->store) != 0) {
		store_rollback(ctx->store);
		rc = -1;
	}
	store_user_clear(&u);
	if (rc < 0)
		return 1;
	fprintf(ctx->out, "password of %s changed; its sessions ended\n",
	    name);
	return 0;
}

static int
user_active(struct cli_ctx *ctx, int argc, char **argv, int active)
{
	struct store_user u;
	int rc;

	if (argc != 3 || !name_ok(ctx, argv[2])) {
		cli_user_usage(ctx->err);
		return 2;
	}
	rc = store_user_get(ctx->store, argv[2], &u);
	if (rc != 1) {
		if (rc == 0)
			fprintf(ctx->err, "stafeta user: no user %s\n",
			    argv[2]);
		return 1;
	}
	if (store_begin(ctx->store) != 0)
		rc = -1;
	else if (store_user_set_active(ctx->store, argv[2], active,
	    clock_now_ms()) < 0 || (!active &&
	    store_web_session_delete_user(ctx->store, u.id) != 0) ||
	    store_commit(ctx->store) != 0) {
		store_rollback(ctx->store);
		rc = -1;
	}
	store_user_clear(&u);
	if (rc < 0)
		return 1;
	fprintf(ctx->out, "user %s %s\n", argv[2], active ? "enabled" :
	    "disabled; its sessions ended");
	return 0;
}

/* add / passwd: read and hash here, then `user set` where it belongs. */
static int
user_password(struct cli_ctx *ctx, int argc, char **argv, int isnew)
{
	char hash[WEB_PW_HASH_MAX];
	char *set[8];
	int n = 0, rc = 1, r;

	if (argc < 3 || !name_ok(ctx, argv[2]))
		return 2;
	if (isnew && (argc != 5 || strcmp(argv[3], "--role") != 0 ||
	    web_role_parse(argv[4]) == 0)) {
		cli_user_usage(ctx->err);
		return 2;
	}
	if (!isnew && argc != 3) {
		cli_user_usage(ctx->err);
		return 2;
	}
	if (new_password_hash(ctx, hash, sizeof(hash)) != 0)
		return 1;
	set[n++] = argv[0];
	set[n++] = (char *)(uintptr_t)"set";
	set[n++] = argv[2];
	set[n++] = (char *)(uintptr_t)"--hash";
	set[n++] = hash;
	if (isnew) {
		set[n++] = (char *)(uintptr_t)"--new";
		set[n++] = (char *)(uintptr_t)"--role";
		set[n++] = argv[4];
	}
	r = cli_control_run(ctx, n, set, &rc);
	if (r == 0)
		rc = user_set(ctx, n, set);
	else if (r < 0)
		rc = 1;
	return rc;
}

int
cli_user_main(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2) {
		cli_user_usage(ctx->err);
		return 2;
	}
	if (strcmp(argv[1], "add") == 0)
		return user_password(ctx, argc, argv, 1);
	if (strcmp(argv[1], "passwd") == 0)
		return user_password(ctx, argc, argv, 0);
	if (strcmp(argv[1], "set") == 0)
		return user_set(ctx, argc, argv);
	if (strcmp(argv[1], "disable") == 0)
		return user_active(ctx, argc, argv, 0);
	if (strcmp(argv[1], "enable") == 0)
		return user_active(ctx, argc, argv, 1);
	if (strcmp(argv[1], "list") == 0) {
		struct cli_table_out o = { 0, NULL };
		struct table *t;
		int i = 2, rc;

		for (; i < argc; i++) {
			if (cli_table_opt(&o, argc, argv, &i) != 1) {
				cli_user_usage(ctx->err);
				return 2;
			}
		}
		t = store_user_list(ctx->store);
		if (t == NULL)
			return 1;
		rc = cli_table_output(ctx, &o, t);
		table_free(t);
		return rc;
	}
	cli_user_usage(ctx->err);
	return 2;
}
