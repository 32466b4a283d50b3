/*
 * gw_httpd.h - the protected HTTP listener every HTTP endpoint of the
 * daemon is served by (USSD and /health in gw_http.c, /metrics in
 * gw_metrics.c, the web page later), and the pure admission logic under
 * it (gw_httpguard.c).
 *
 * Why our own small server rather than evhttp: libevent 2.1 (Debian 12)
 * has no hook between the headers and the body of an incoming request
 * (evhttp_set_newreqcb is 2.2), no connection limit, and only an
 * inactivity timeout, so a client sending one byte every half second held
 * a connection for ever and the secret was checked only after the whole
 * body.  Here, for every connection:
 *   - the whole request (line, headers, body) must arrive within
 *     request_timeout_s of the accept, else the connection is closed;
 *   - connections are limited in total and per client address; when the
 *     total is full, a newcomer from a less busy address displaces the
 *     oldest connection of the busiest one, so one address cannot lock
 *     out the others; otherwise it gets 503 at once;
 *   - the route, method, address allowlist and secret are checked on the
 *     headers (authorize callback) before one byte of body is read; a
 *     declared body over max_body gets 413 without being read;
 *   - one request per connection (Connection: close), no chunked bodies;
 *   - accept() failing for want of descriptors pauses accepting for a
 *     second instead of spinning, and is logged at most once per interval
 *     with a count.
 * Only gateway/ includes this header.
 */
#ifndef STAFETA_GW_HTTPD_H
#define STAFETA_GW_HTTPD_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evkeyvalq;

/* gw_httpguard.c: pure, no I/O (unit-tested in tests/unit/) */

#define GW_HTTPGUARD_MAX 4096 /* upper bound of max_connections */

enum gw_httpguard_verdict {
	GW_HTTPGUARD_ADMIT = 0,	 /* room: take it */
	GW_HTTPGUARD_EVICT,	 /* full: close the victim's oldest, take it */
	GW_HTTPGUARD_FULL,	 /* full, and no busier address: refuse */
	GW_HTTPGUARD_PER_ADDR,	 /* this address has max_per_address */
};

struct gw_httpguard;
struct gw_httpguard *gw_httpguard_new(int max_total, int max_per_address);
void gw_httpguard_free(struct gw_httpguard *);
/* What to do with a new connection from addr (16 bytes, IPv4 v4-mapped);
 * on EVICT, victim (16 bytes) is the address to take one from.  Changes
 * nothing: the caller then calls _add (and _release for an eviction). */
enum gw_httpguard_verdict gw_httpguard_check(const struct gw_httpguard *,
    const unsigned char *addr, unsigned char *victim);
void gw_httpguard_add(struct gw_httpguard *, const unsigned char *addr);
void gw_httpguard_release(struct gw_httpguard *, const unsigned char *addr);
int gw_httpguard_count(const struct gw_httpguard *, const unsigned char *);
int gw_httpguard_total(const struct gw_httpguard *);
const char *gw_httpguard_strverdict(enum gw_httpguard_verdict);
/* Text address to 16 bytes (IPv4 as v4-mapped IPv6); 0 or -1. */
int gw_httpguard_addr_parse(const char *, unsigned char *out);
/* 1 if peer (text) is one of the n addresses of list; n == 0 allows all. */
int gw_httpguard_allowed(char *const *list, size_t n, const char *peer);

/* A log line at most once per interval, with the count of what it
 * stands for. */
struct gw_ratelog {
	int64_t interval_ms;
	int64_t last_ms;	/* when a line was last allowed; 0 = never */
	uint64_t pending;	/* events since that line */
};
/* Counts one event at now; 1 if a line may be written, with *count the
 * events it covers (this one included), then the count starts again. */
int gw_ratelog_hit(struct gw_ratelog *, int64_t now, uint64_t *count);

/* gw_httpd.c: the server */

struct gw_httpd_req;
typedef void gw_httpd_handler(void *arg, struct gw_httpd_req *);

struct gw_httpd_route {
	const char *path;	/* exact path */
	int methods;		/* GW_HTTPD_* accepted */
	const char *allow;	/* value of the Allow header on 405 */
	int protected_route;	/* authorize() is asked before the body */
	gw_httpd_handler *handler;
};

#define GW_HTTPD_GET	0x01
#define GW_HTTPD_HEAD	0x02
#define GW_HTTPD_POST	0x04
#define GW_HTTPD_OTHER	0x08 /* PUT, DELETE, ...: only ever 405 */

struct gw_httpd_conf {
	const char *name;	  /* "http", "metrics": logs and metrics */
	const char *listen;	  /* "HOST:PORT" or "[V6]:PORT" */
	int request_timeout_s;	  /* whole request, from the accept */
	int max_connections;	  /* open at once (capped by RLIMIT_NOFILE) */
	int max_per_address;	  /* open at once from one address */
	size_t max_body;	  /* bytes; larger gets 413 unread */
	const struct gw_httpd_route *routes;
	size_t n_routes;
	/* For a protected route, on the headers: 0 to go on, or 401/403
	 * (401 adds WWW-Authenticate).  Reads the live configuration. */
	int (*authorize)(void *arg, const struct gw_httpd_req *);
	void *arg;		  /* of handlers and authorize */
	void *tls;		  /* SSL_CTX *: every connection is HTTPS
				   * (libevent's OpenSSL bufferevents);
				   * NULL = plain HTTP.  Borrowed. */
};

struct gw_config;
/* Fills c for a listener called name on listen with the [http] limits of
 * conf (deadline, connections); routes, authorize and max_body are the
 * caller's to set. */
void gw_httpd_conf_init(struct gw_httpd_conf *c, const struct gw_config *conf,
    const char *name, const char *listen);

struct gw_httpd;
/* Binds and starts accepting; NULL with err. */
struct gw_httpd *gw_httpd_new(struct event_base *, const struct gw_httpd_conf *,
    char *err, size_t errlen) __attribute__((warn_unused_result));
/* Closes the listener and every connection; NULL is a no-op. */
void gw_httpd_free(struct gw_httpd *);
/* Connections open now. */
int gw_httpd_open(const struct gw_httpd *);

/* What a handler (or authorize) sees, valid during the call (until the
 * reply for a held request, gw_httpd_req_hold). */
int gw_httpd_req_method(const struct gw_httpd_req *);	/* GW_HTTPD_* */
const char *gw_httpd_req_path(const struct gw_httpd_req *);
const char *gw_httpd_req_query(const struct gw_httpd_req *); /* or NULL */
const char *gw_httpd_req_peer(const struct gw_httpd_req *);  /* address */
/* Header value (case-insensitive name) or NULL. */
const char *gw_httpd_req_header(const struct gw_httpd_req *, const char *);
const char *gw_httpd_req_body(const struct gw_httpd_req *, size_t *len);
/* Adds a response header (before gw_httpd_reply). */
void gw_httpd_add_header(struct gw_httpd_req *, const char *name,
    const char *value);
/* Sends the one response of the request (body may be NULL; not sent for
 * HEAD) and closes the connection once it is written. */
void gw_httpd_reply(struct gw_httpd_req *, int code, const char *reason,
    const char *content_type, const char *body, size_t len);

/* Keeps the request after its handler returns, for a reply sent later
 * on the loop (gw_batch.h: after the commit); the request stays valid
 * until gw_httpd_reply.  If the connection closes first (deadline,
 * eviction, shutdown), gone(arg) is called once and the request must not
 * be used again; after the reply it is never called. */
void gw_httpd_req_hold(struct gw_httpd_req *, void (*gone)(void *),
    void *arg);

/* "HOST:PORT" or "[V6]:PORT" into host and port; 0 or -1. */
int gw_httpd_split_listen(const char *, char *host, size_t hostlen,
    uint16_t *port);

#endif /* STAFETA_GW_HTTPD_H */
