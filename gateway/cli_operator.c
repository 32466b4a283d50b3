/*
 * cli_operator.c - who runs a command, for the records a change leaves
 * (spas-followup.md §8: who, when, what).  `--by NAME` names the SPAS
 * worker when several share one Unix account; otherwise the Unix user of
 * the `stafeta` process, which the daemon learns from the control
 * socket's peer credentials when the command runs there.
 */
#include <pwd.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli.h"
#include "util.h"

void
cli_operator_of_uid(long uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (uid < 0) {
		strlcpy_s(buf, "?", len);
		return;
	}
	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof(tmp), &res) == 0 &&
	    res != NULL)
		strlcpy_s(buf, res->pw_name, len);
	else
		snprintf(buf, len, "uid:%ld", uid);
}

const char *
cli_operator(const struct cli_ctx *ctx, const char *by)
{
	if (by != NULL && by[0] != '\0')
		return by;
	return ctx->operator != NULL ? ctx->operator : "?";
}
