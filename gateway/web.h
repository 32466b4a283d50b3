/*
 * web.h - the SPAS back office in a browser ([web] listen, off by
 * default): server-rendered HTML in Romanian, no JavaScript, over HTTPS
 * only, served by stafetad itself on the protected HTTP server
 * (gw_httpd.h).  docs/web.md describes it for users.
 *
 *   web_server.c  the listener, sessions, role and CSRF checks, security
 *                 headers, the generic table page and its exports
 *   web_auth.c    the rules: Argon2id passwords (libsodium), tokens,
 *                 session lifetime, login throttle, roles (pure)
 *   web_form.c    urlencoded forms and cookies (pure)
 *   web_html.c    THE escaping function and the page/table markup
 *   web_tls.c     the HTTPS context; a self-signed certificate
 *   web_pages.c   today, modems and queues, tasks, audit log, users
 *   web_sheets.c  sheets, the sheet card and its visit forms, reporters
 *   web_polls.c   polls: list, results (SVG charts), open/close (head)
 *   web_parents.c parents abroad: notices, caretakers' answers, tasks
 *   web_cases.c   case lists, the case card and its workflow forms, the
 *                 quarterly extract and the annual A2.4 counts
 *
 * A page holds no business rule: it calls the same service functions the
 * CLI calls.  A list is a struct web_table_page around a function that
 * returns a struct table (lib/table.h), which gets its HTML table and its
 * CSV and XLSX exports (gw_export_write) from web_server.c:
 *
 *   struct table *svc_list(struct store *, const struct gw_config *,
 *       int64_t now);
 *
 * and one line in web_pages[] (web_pages.c) names its path, the roles
 * that may open it and whether it shows a child's or a family's record
 * (then every view and export is written to the audit log, and the mayor
 * and the administrator get 403 whatever the roles say).
 */
#ifndef STAFETA_WEB_H
#define STAFETA_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct gateway;
struct gw_config;
struct gw_httpd_req;
struct store;
struct table;

/* The listener (stafetad_main.c): NULL with err. */
struct gw_web;
struct gw_web *gw_web_new(struct gateway *, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void gw_web_free(struct gw_web *); /* NULL is a no-op */

/* ---- web_auth.c: roles, passwords, tokens, lifetimes (pure) ---- */

enum web_role {
	WEB_ROLE_WORKER = 0x1, /* SPAS case officer: cases, visits */
	WEB_ROLE_HEAD = 0x2,   /* SPAS head: as the worker, and the audit */
	WEB_ROLE_MAYOR = 0x4,  /* aggregates only, never a record */
	WEB_ROLE_ADMIN = 0x8,  /* modems and accounts */
};
#define WEB_ROLES_SPAS (WEB_ROLE_WORKER | WEB_ROLE_HEAD)
#define WEB_ROLES_ALL  0xf

/* "worker" -> WEB_ROLE_WORKER; 0 if unknown. */
int web_role_parse(const char *);
/* "worker", ...; "?" for others. */
const char *web_role_name(int role);
/* Romanian: "asistent social", "șef SPAS", "primar", "administrator". */
const char *web_role_title(int role);
/* 1 if a user of role may open a page for roles (a mask); a record page
 * (a child's or family's data) never opens for the mayor or the
 * administrator, whatever the mask says. */
int web_role_allows(int role, int roles, int record);

#define WEB_PW_MIN 10	   /* bytes of a password, at least */
#define WEB_PW_MAX 128	   /* and at most */
#define WEB_PW_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
/* Initialises libsodium (once; 0 or -1). */
int web_auth_init(void) __attribute__((warn_unused_result));
/* 1 if pw is an acceptable password (length, no control characters). */
int web_password_acceptable(const char *pw);
/* Argon2id string of pw into out (WEB_PW_HASH_MAX): 0 or -1. */
int web_password_hash(const char *pw, char *out, size_t outlen)
    __attribute__((warn_unused_result));
/* 1 if pw matches hash, else 0. */
int web_password_verify(const char *pw, const char *hash);

#define WEB_TOKEN_HEX 64 /* 32 random bytes as hex */
/* A fresh random token (hex) into out (WEB_TOKEN_HEX + 1): 0 or -1. */
int web_token_new(char *out, size_t outlen)
    __attribute__((warn_unused_result));
/* What the database keeps of a session token: a keyless BLAKE2b hex. */
void web_token_hash(const char *token, char *out, size_t outlen);
/* 1 if two tokens are equal (constant time for equal lengths); an empty
 * or missing one is never equal. */
int web_token_equal(const char *a, const char *b);
/* 1 if a session created at created, last used at last_seen, is still
 * valid at now (idle and absolute limits in seconds). */
int web_session_alive(int64_t created, int64_t last_seen, int64_t now,
    int idle_s, int max_s);
/* When a key (account or address) with failures wrong passwords, the
 * last at last_at, may try again: 0 if now, else the time in ms.  The
 * pause starts at limit failures and doubles with every limit more (at
 * most a day). */
int64_t web_login_retry_at(int64_t failures, int64_t last_at, int limit,
    int block_s);

/* ---- web_form.c: forms and cookies (pure) ---- */

struct web_form {
	size_t n;
	char **keys;
	char **vals;
};
#define WEB_FORM_FIELDS_MAX 64
/* Parses application/x-www-form-urlencoded s[0..len) ("+" is a space,
 * %XX decoded; a NUL byte or more than WEB_FORM_FIELDS_MAX fields is
 * refused): 0, or -1 (f is then empty). */
int web_form_parse(struct web_form *f, const char *s, size_t len);
/* The first value of key, or NULL. */
const char *web_form_get(const struct web_form *, const char *key);
void web_form_free(struct web_form *);
/* The value of cookie name in a Cookie header into out: 1, or 0 if
 * absent (or too long). */
int web_cookie_get(const char *header, const char *name, char *out,
    size_t outlen);

/* ---- web_html.c: markup ---- */

/* THE escaping function: appends s with & < > " ' as entities (UTF-8
 * passes through; a NULL s is ""): 0 or -1. */
int web_html_escape(struct buf *, const char *s);

/* The style sheet served at /static/stafeta.css. */
extern const char web_css[];
extern const size_t web_css_len;

/* ---- web_server.c: what a page handler gets ---- */

struct web_page;
struct web_req {
	struct gw_web *web;
	struct gateway *gw;
	struct gw_httpd_req *hr;
	const struct web_page *page;
	struct web_form query;	/* ?a=b */
	struct web_form form;	/* POST body */
	int64_t now;
	int64_t user_id;
	char user[64];		/* login name */
	int role;		/* enum web_role */
	char csrf[WEB_TOKEN_HEX + 1]; /* the session's form token */
	struct buf out;		/* the page's HTML */
};

/* Appends HTML written by the page itself (never data). */
void web_raw(struct web_req *, const char *html);
/* Appends data, escaped. */
void web_text(struct web_req *, const char *s);
/* Appends printf output; only numbers and fixed strings may go in. */
void web_rawf(struct web_req *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The hidden CSRF field of every form. */
void web_csrf_field(struct web_req *);
/* Renders t as an HTML table; when link is set, the cells of column
 * link_col link to link?id=<cell of id_col>. */
void web_table_html(struct web_req *, const struct table *t,
    const char *link, size_t link_col, size_t id_col);
/* Sends the page: header (menu for the role), title, r->out, footer. */
void web_send_page(struct web_req *, int code, const char *title);
/* 303 to location (a path of ours). */
void web_redirect(struct web_req *, const char *location);
/* An error page (403, 404, 400, ...) with a Romanian message. */
void web_error(struct web_req *, int code, const char *msg);
/* Sends t as a download name.csv or name.xlsx (fmt "csv" or "xlsx"; 400
 * for another); the caller audits the export. */
void web_export(struct web_req *, const char *name, const struct table *t,
    const char *fmt);
/* Writes one audit row (who = the user, via "web"): 0 or -1. */
int web_audit(struct web_req *, const char *action, const char *object);
/* The fixed message a redirect's ?msg=CODE names, or NULL. */
const char *web_msg_text(const char *code);
/* Prints the ?msg= note of the page, if any. */
void web_flash(struct web_req *);

/* ---- pages (web_pages.c, web_sheets.c) ---- */

struct web_table_page {
	const char *name;	/* export file name and audit object */
	const char *intro;	/* a sentence above the table, or NULL */
	struct table *(*list)(struct store *, const struct gw_config *,
	    int64_t now);
	const char *link;	/* the record page of a row, or NULL */
	size_t link_col;	/* column shown as the link */
	size_t id_col;		/* column whose text is the ?id= */
	void (*above)(struct web_req *); /* forms above the table, or NULL */
};

struct web_page {
	const char *path;	/* exact */
	int methods;		/* GW_HTTPD_GET, GW_HTTPD_POST */
	int roles;		/* WEB_ROLE_* allowed */
	int record;		/* shows a child's or family's record */
	const char *menu;	/* label in the menu, or NULL */
	const char *title;
	void (*handle)(struct web_req *);	/* or NULL with table */
	const struct web_table_page *table;
};

extern const struct web_page web_pages[];
extern const size_t web_n_pages;

/* web_sheets.c */
void web_sheets_card(struct web_req *);
void web_sheets_visit(struct web_req *);
void web_reporters_add(struct web_req *);
void web_reporters_state(struct web_req *);
void web_reporters_pin(struct web_req *);
extern const struct web_table_page web_sheets_table;
extern const struct web_table_page web_reporters_table;
/* Sheet counts for the today page: live sheets needing a visit, overdue,
 * urgent and open; -1 on error. */
int web_sheets_counts(struct store *, int64_t now, int64_t *need,
    int64_t *overdue, int64_t *urgent);
/* The today page's part about sheets (open visits, urgent ones). */
void web_sheets_today(struct web_req *);

/* The reference web_sheets_visit hands to sheet_visit_record for the
 * sheet with internal id: always read back as that id, never as a sheet
 * number "AABBB" (an id of 5 digits is zero-padded). */
void web_sheet_ref(int64_t id, char *out, size_t outlen);

/* web_cases.c */
void web_cases_card(struct web_req *);
void web_cases_action(struct web_req *);
void web_cases_quarterly(struct web_req *);
void web_cases_annual(struct web_req *);
extern const struct web_table_page web_cases_table, web_cases_due_table,
    web_cases_overdue_table, web_cases_workers_table,
    web_cases_villages_table;
/* Open cases with a deadline today / past; -1 on error. */
int web_cases_counts(struct store *, int64_t now, int64_t *due,
    int64_t *overdue);
/* The today page's part about cases (overdue, due today). */
void web_cases_today(struct web_req *);

/* web_polls.c */
extern const struct web_table_page web_polls_table;
void web_polls_results(struct web_req *);
void web_polls_action(struct web_req *);

/* web_parents.c */
extern const struct web_table_page web_parents_table,
    web_parents_caretakers_table, web_parents_tasks_table;
void web_parents_card(struct web_req *);

/* web_tls.c */
#define WEB_TLS_CERT_FILE "web-cert.pem" /* in the state directory */
#define WEB_TLS_KEY_FILE "web-key.pem"
/* The SSL_CTX of [web] (configured or generated certificate): NULL with
 * err. */
void *web_tls_new(const struct gw_config *, char *err, size_t errlen);
void web_tls_free(void *);
/* A self-signed certificate for host into two PEM files (key 0600). */
int web_tls_generate(const char *cert_path, const char *key_path,
    const char *host, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif /* STAFETA_WEB_H */
