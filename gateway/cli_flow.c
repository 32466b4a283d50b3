/* cli_flow.c - placeholder until the command is implemented. */
#include <stdio.h>

#include "cli.h"
#include "util.h"

int
cli_flow_main(struct cli_ctx *ctx, int argc, char **argv)
{
	UNUSED(ctx);
	UNUSED(argc);
	fprintf(stderr, "stafeta: %s: not implemented yet\n", argv[0]);
	return 2;
}
