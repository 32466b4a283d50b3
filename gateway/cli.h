/*
 * cli.h - the operator's command line tool `stafeta`.
 *
 * stafeta_main.c parses the global options (-c FILE, -S DIR), loads the
 * configuration, opens the database and dispatches to one cli_*_main per
 * command.  Each command gets argv starting at its own name, prints to
 * stdout, reports errors on stderr and returns the exit code (0 ok, 1
 * failure, 2 usage).
 *
 * Each command also has a cli_*_usage(FILE *) printing its usage lines,
 * which the command itself prints to stderr on a wrong argument (exit 2)
 * and stafeta_main.c prints to stdout when -h or --help is among the
 * command's arguments (exit 0, before the configuration is loaded).
 */
#ifndef STAFETA_CLI_H
#define STAFETA_CLI_H

#include <stdio.h>

struct gw_config;
struct store;

struct gw_services;
struct flow_engine;

struct cli_ctx {
	struct gw_config *conf; /* loaded configuration (owned by main) */
	struct store *store;	/* open database (owned by main); NULL
				 * for a command marked no_store */
	const char *config_path; /* as given with -c */
	struct gw_services *services; /* cli_services(); owned by main */
	FILE *out;		/* the command's stdout (a buffer in stafetad) */
	FILE *err;		/* the command's stderr (likewise) */
	const char *operator;	/* who runs it: the Unix user of the
				 * `stafeta` process (the control socket's
				 * peer inside stafetad) */
};

/* cli_table.c: every list command prints or exports a table the same way */
struct table;
struct cli_table_out {
	int format;	  /* enum gw_export_format, when path is set */
	const char *path; /* NULL: print on the terminal; "-": ctx->out */
};
/* Consumes argv[*i] if it is --csv [FILE], --csv-ids [FILE] or --xlsx FILE
 * (moving *i past its value): 1, 0 if it is none of them, -1 if --xlsx
 * lacks its file. */
int cli_table_opt(struct cli_table_out *, int argc, char **argv, int *i);
/* Prints t aligned on ctx->out, or exports it as o says: exit code 0/1. */
int cli_table_output(struct cli_ctx *, const struct cli_table_out *,
    const struct table *t);
void cli_table_print(FILE *, const struct table *);

/* cli_tasks.c */
int cli_tasks_main(struct cli_ctx *, int argc, char **argv);
void cli_tasks_usage(FILE *);
int cli_audit_main(struct cli_ctx *, int argc, char **argv);
void cli_audit_usage(FILE *);

/* cli_operator.c */
/* Writes the login name of uid (or "uid:N"; "?" for uid < 0) into buf. */
void cli_operator_of_uid(long uid, char *buf, size_t len);
/* Who a changing command records: the value of --by when given, else
 * ctx->operator. */
const char *cli_operator(const struct cli_ctx *, const char *by);

/* cli_control.c: the client side of the control socket (gateway.h) */
/* 1 if a stafetad holds the state directory's lock, 0 if not, -1 if it
 * cannot be told (treated as running). */
int cli_daemon_running(const struct gw_config *);
/* Hands argv to the running daemon and prints its answer: 1 with *rc the
 * exit code, 0 if no daemon listens (run the command here), -1 after
 * printing why not. */
int cli_control_run(struct cli_ctx *, int argc, char **argv, int *rc);
/* Opens the database for a command: migrates it only if no daemon runs;
 * refuses (NULL, err) a schema this program does not know, or one the
 * running daemon has not migrated. */
struct store *cli_store_open(const struct gw_config *, char *err,
    size_t errlen);

/* cli_services.c */
/* The services' states for ctx->conf, started on first use (NULL with a
 * warning on stderr if one refuses its configuration). */
struct gw_services *cli_services(struct cli_ctx *);
/* A flow engine on ctx->conf with the services' actions, as the daemon
 * runs it; NULL with the reason on stderr.  Caller frees. */
struct flow_engine *cli_flow_engine(struct cli_ctx *);

/* cli_messages.c */
int cli_status_main(struct cli_ctx *, int argc, char **argv);
int cli_inbox_main(struct cli_ctx *, int argc, char **argv);
int cli_outbox_main(struct cli_ctx *, int argc, char **argv);
int cli_send_main(struct cli_ctx *, int argc, char **argv);
void cli_status_usage(FILE *);
void cli_inbox_usage(FILE *);
void cli_outbox_usage(FILE *);
void cli_send_usage(FILE *);
/* cli_reporter.c */
int cli_reporter_main(struct cli_ctx *, int argc, char **argv);
void cli_reporter_usage(FILE *);
/* cli_households.c */
int cli_households_main(struct cli_ctx *, int argc, char **argv);
void cli_households_usage(FILE *);
/* cli_sheets.c */
int cli_sheets_main(struct cli_ctx *, int argc, char **argv);
void cli_sheets_usage(FILE *);
/* cli_cases.c */
int cli_cases_main(struct cli_ctx *, int argc, char **argv);
void cli_cases_usage(FILE *);
/* cli_parents.c */
int cli_parents_main(struct cli_ctx *, int argc, char **argv);
void cli_parents_usage(FILE *);
/* cli_flow.c */
int cli_flow_main(struct cli_ctx *, int argc, char **argv);
void cli_flow_usage(FILE *);
/* cli_simulate.c */
int cli_simulate_main(struct cli_ctx *, int argc, char **argv);
void cli_simulate_usage(FILE *);

/* cli_backup.c */
int cli_backup_main(struct cli_ctx *, int argc, char **argv);
int cli_restore_main(struct cli_ctx *, int argc, char **argv);
int cli_purge_main(struct cli_ctx *, int argc, char **argv);
void cli_backup_usage(FILE *);
void cli_restore_usage(FILE *);
void cli_purge_usage(FILE *);

/* cli_user.c: accounts of the web back office */
int cli_user_main(struct cli_ctx *, int argc, char **argv);
void cli_user_usage(FILE *);

/* cli_poll.c, cli_optin.c: participation polls (docs/polls.md) */
int cli_poll_main(struct cli_ctx *, int argc, char **argv);
void cli_poll_usage(FILE *);
int cli_optin_main(struct cli_ctx *, int argc, char **argv);
void cli_optin_usage(FILE *);
#endif /* STAFETA_CLI_H */
