/*
 * gw_httpguard.c - who may open an HTTP connection now, and a log line
 * limiter; pure (no I/O, no clock of its own), see gw_httpd.h.
 *
 * The table holds one entry per address with open connections; there are
 * never more addresses than connections, so max_total entries suffice and
 * a linear scan is cheap at the sizes allowed (GW_HTTPGUARD_MAX).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "gw_httpd.h"
#include "util.h"

#define ADDR_LEN 16

struct guard_entry {
	unsigned char addr[ADDR_LEN];
	int count;		/* 0 = free entry */
};

struct gw_httpguard {
	int max_total;
	int max_per_address;
	int total;
	struct guard_entry *e;	/* max_total entries */
};

struct gw_httpguard *
gw_httpguard_new(int max_total, int max_per_address)
{
	struct gw_httpguard *g = xcalloc(1, sizeof(*g));

	if (max_total < 1)
		max_total = 1;
	if (max_total > GW_HTTPGUARD_MAX)
		max_total = GW_HTTPGUARD_MAX;
	if (max_per_address < 1)
		max_per_address = 1;
	g->max_total = max_total;
	g->max_per_address = max_per_address;
	g->e = xcalloc((size_t)max_total, sizeof(*g->e));
	return g;
}

void
gw_httpguard_free(struct gw_httpguard *g)
{
	if (g == NULL)
		return;
	free(g->e);
	free(g);
}

static struct guard_entry *
guard_find(const struct gw_httpguard *g, const unsigned char *addr)
{
	for (int i = 0; i < g->max_total; i++) {
		if (g->e[i].count > 0 && memcmp(g->e[i].addr, addr,
		    ADDR_LEN) == 0)
			return &g->e[i];
	}
	return NULL;
}

int
gw_httpguard_count(const struct gw_httpguard *g, const unsigned char *addr)
{
	const struct guard_entry *e = guard_find(g, addr);

	return e != NULL ? e->count : 0;
}

int
gw_httpguard_total(const struct gw_httpguard *g)
{
	return g->total;
}

enum gw_httpguard_verdict
gw_httpguard_check(const struct gw_httpguard *g, const unsigned char *addr,
    unsigned char *victim)
{
	int mine = gw_httpguard_count(g, addr), best = -1;

	if (mine >= g->max_per_address)
		return GW_HTTPGUARD_PER_ADDR;
	if (g->total < g->max_total)
		return GW_HTTPGUARD_ADMIT;
	/* Full.  Taking one from an address with at least two more than
	 * this one moves towards a fair share and can never ping-pong. */
	for (int i = 0; i < g->max_total; i++) {
		if (g->e[i].count > 0 && (best < 0 ||
		    g->e[i].count > g->e[best].count))
			best = i;
	}
	if (best >= 0 && g->e[best].count > mine + 1) {
		memcpy(victim, g->e[best].addr, ADDR_LEN);
		return GW_HTTPGUARD_EVICT;
	}
	return GW_HTTPGUARD_FULL;
}

void
gw_httpguard_add(struct gw_httpguard *g, const unsigned char *addr)
{
	struct guard_entry *e = guard_find(g, addr);

	if (e == NULL) {
		for (int i = 0; i < g->max_total && e == NULL; i++) {
			if (g->e[i].count == 0)
				e = &g->e[i];
		}
		if (e == NULL)
			return; /* caller ignored the verdict; nothing to track */
		memcpy(e->addr, addr, ADDR_LEN);
	}
	e->count++;
	g->total++;
}

void
gw_httpguard_release(struct gw_httpguard *g, const unsigned char *addr)
{
	struct guard_entry *e = guard_find(g, addr);

	if (e == NULL)
		return;
	e->count--;
	g->total--;
}

const char *
gw_httpguard_strverdict(enum gw_httpguard_verdict v)
{
	switch (v) {
	case GW_HTTPGUARD_ADMIT:
		return "admit";
	case GW_HTTPGUARD_EVICT:
		return "evict";
	case GW_HTTPGUARD_FULL:
		return "full";
	case GW_HTTPGUARD_PER_ADDR:
		return "per_address";
	}
	return "?";
}

int
gw_httpguard_addr_parse(const char *s, unsigned char *out)
{
	struct in_addr a4;

	if (inet_pton(AF_INET6, s, out) == 1)
		return 0;
	if (inet_pton(AF_INET, s, &a4) != 1)
		return -1;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
	return 0;
}

int
gw_httpguard_allowed(char *const *list, size_t n, const char *peer)
{
	unsigned char p[ADDR_LEN], a[ADDR_LEN];

	if (n == 0)
		return 1;
	if (peer == NULL || gw_httpguard_addr_parse(peer, p) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (gw_httpguard_addr_parse(list[i], a) == 0 &&
		    memcmp(a, p, sizeof(p)) == 0)
			return 1;
	}
	return 0;
}

int
gw_ratelog_hit(struct gw_ratelog *r, int64_t now, uint64_t *count)
{
	r->pending++;
	if (r->last_ms != 0 && now - r->last_ms < r->interval_ms)
		return 0;
	*count = r->pending;
	r->pending = 0;
	r->last_ms = now != 0 ? now : 1;
	return 1;
}
