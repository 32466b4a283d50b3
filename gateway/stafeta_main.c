/*
 * stafeta_main.c - entry point of the operator's tool `stafeta`.
 *
 *   stafeta [-v] [-c FILE] [-S DIR] COMMAND [ARGS...]
 *
 * Loads the same configuration file as the daemon, opens the database
 * (a second, short-lived connection next to the daemon's, which WAL and
 * busy_timeout make safe) and runs one command from the table below.
 * The operator's writes (gw_ctl_find, gw_control.c) go to a running
 * daemon over its control socket instead (cli_control.c); without a
 * daemon they run here.  Only a command run while no daemon runs may
 * migrate the database (cli_store_open).
 *
 * `stafeta -h`, `stafeta help` and `stafeta help COMMAND` print usage on
 * stdout; so does -h or --help anywhere among a command's arguments (up
 * to a "--"), checked here once for every command, before the
 * configuration is loaded.  Wrong arguments print usage on stderr, exit 2.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "flow.h"
#include "gateway.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct cli_command {
	const char *name;				 /* as typed */
	int (*main)(struct cli_ctx *, int, char **); /* the command */
	void (*usage)(FILE *);			 /* full usage */
	const char *help;				 /* one line */
	int no_store; /* 1: the database is not opened (restore) */
};

static const struct cli_command cli_commands[] = {
	{ .name = "status", .main = cli_status_main,
	  .usage = cli_status_usage,
	  .help = "modems, signal, credit and queue depths" },
	{ .name = "inbox", .main = cli_inbox_main,
	  .usage = cli_inbox_usage,
	  .help = "[--csv] [--limit N]  received messages, newest first" },
	{ .name = "outbox", .main = cli_outbox_main,
	  .usage = cli_outbox_usage,
	  .help = "[--csv] [--limit N]  outgoing messages, newest first" },
	{ .name = "send", .main = cli_send_main,
	  .usage = cli_send_usage,
	  .help = "NUMBER TEXT...  queue an SMS" },
	{ .name = "reporter", .main = cli_reporter_main,
	  .usage = cli_reporter_usage,
	  .help = "...  manage community reporters" },
	{ .name = "sheets", .main = cli_sheets_main,
	  .usage = cli_sheets_usage,
	  .help = "...  observation sheets" },
	{ .name = "flow", .main = cli_flow_main,
	  .usage = cli_flow_usage,
	  .help = "...  check and inspect dialogue flows" },
	{ .name = "simulate", .main = cli_simulate_main,
	  .usage = cli_simulate_usage,
	  .help = "...  try a flow without a modem" },
	{ .name = "backup", .main = cli_backup_main, .usage = cli_backup_usage, .help = "FILE | --rotate DIR  copy the database (daemon running)" },
	{ .name = "restore", .main = cli_restore_main, .usage = cli_restore_usage, .help = "FILE  put a backup back (daemon stopped)", .no_store = 1 },
	{ .name = "parents", .main = cli_parents_main, .usage = cli_parents_usage, .help = "...  parents working abroad (art. 104)" },
	{ .name = "households", .main = cli_households_main, .usage = cli_households_usage, .help = "issue|link|list|show  the SPAS household register" },
	{ .name = "tasks", .main = cli_tasks_main, .usage = cli_tasks_usage, .help = "[done|cancel ID]  the SPAS task list" },
	{ .name = "audit", .main = cli_audit_main, .usage = cli_audit_usage, .help = "[--days N]  who viewed or exported what" },
	{ .name = "user", .main = cli_user_main, .usage = cli_user_usage, .help = "add|passwd|disable|enable|list  web back office accounts" },
	{ .name = "cases", .main = cli_cases_main, .usage = cli_cases_usage, .help = "...  the SPAS case workflow after a sheet" },
	{ .name = "purge", .main = cli_purge_main, .usage = cli_purge_usage, .help = "[--dry-run]  delete what is past its retention" },
	{ .name = "poll", .main = cli_poll_main, .usage = cli_poll_usage, .help = "create|check|open|close|show|results  participation polls" },
	{ .name = "optin", .main = cli_optin_main, .usage = cli_optin_usage, .help = "add|remove|list  the poll opt-in register" },
};

static void usage(FILE *);
static const struct cli_command *cli_find(const char *);
static int help_wanted(int, char **);

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: stafeta [-v] [-c FILE] [-S DIR] COMMAND [ARGS...]\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -S DIR   state directory (database, dummy modems)\n"
	    "  -v       debug logging on stderr\n"
	    "  -h       this help; COMMAND --help: that command's\n"
	    "commands:\n", CONFIG_DEFAULT_PATH);
	for (i = 0; i < NELEM(cli_commands); i++)
		fprintf(f, "  %-9s %s\n", cli_commands[i].name,
		    cli_commands[i].help);
}

/* 1 if -h or --help is among argv[1..] before a "--". */
static int
help_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

static const struct cli_command *
cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(cli_commands); i++) {
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct cli_command *cmd;
	const char *config_path = CONFIG_DEFAULT_PATH;
	const char *state_dir = NULL;
	struct cli_ctx ctx;
	char operator[64];
	char err[CONFIG_ERR_LEN];
	int ch, rc, verbose = 0, help = 0;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	log_init(LOG_LEVEL_WARN, "stafeta");
	/* "+": options end at the command; its own options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:S:vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[0], "help") == 0) {
		/* "help" or "help COMMAND". */
		if (argc < 2) {
			usage(stdout);
			return 0;
		}
		help = 1;
		argc--;
		argv++;
	}
	cmd = cli_find(argv[0]);
	if (cmd == NULL) {
		fprintf(stderr, "stafeta: unknown command \"%s\"\n", argv[0]);
		usage(stderr);
		return 2;
	}
	if (help || help_wanted(argc, argv)) {
		cmd->usage(stdout);
		return 0;
	}

	memset(&ctx, 0, sizeof(ctx));
	ctx.config_path = config_path;
	ctx.out = stdout;
	ctx.err = stderr;
	cli_operator_of_uid((long)getuid(), operator, sizeof(operator));
	ctx.operator = operator;
	ctx.conf = gw_config_load(config_path, state_dir, err, sizeof(err));
	if (ctx.conf == NULL) {
		/* Already "file:line: message". */
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (verbose)
		log_set_level(LOG_LEVEL_DEBUG);
	if (!cmd->no_store && gw_ctl_find(argc, argv) != NULL) {
		int r = cli_control_run(&ctx, argc, argv, &rc);

		if (r != 0) {
			config_free(ctx.conf);
			if (fflush(stdout) == EOF || ferror(stdout))
				return 1;
			return r == 1 ? rc : 1;
		}
	}
	/* A database this command creates is 0640 at most (stafetad too). */
	umask(umask(0) | 027);
	if (!cmd->no_store)
		ctx.store = cli_store_open(ctx.conf, err, sizeof(err));
	if (ctx.store == NULL && !cmd->no_store) {
		fprintf(stderr, "stafeta: %s\n", err);
		config_free(ctx.conf);
		return 1;
	}
	rc = cmd->main(&ctx, argc, argv);
	gw_services_free(ctx.services);
	store_close(ctx.store);
	config_free(ctx.conf);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "stafeta: error writing output\n");
		return 1;
	}
	return rc;
}
