/*
 * gw_kannel.c - the Kannel channel (see gw_kannel.h).
 */
#include <stddef.h>

#include "gw_httpd.h"
#include "gw_kannel.h"
#include "util.h"

const struct gw_httpd_route *
gw_kannel_routes(size_t *n)
{
	*n = 0;
	return NULL;
}
