/*
 * web_tls.c - the HTTPS context of the web back office (web.h).
 *
 * Passwords and children's records never cross the LAN in clear, so the
 * web listener has no plain-HTTP mode.  A configured certificate ([web]
 * tls_cert, tls_key) is used as it is; without one, a self-signed
 * certificate (ECDSA P-256, ten years, names localhost, 127.0.0.1 and
 * the listen host) is generated on first start into the state directory
 * and reused afterwards, so browsers can be told to trust it once.
 * TLS 1.2 at least.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "gw_httpd.h"
#include "log.h"
#include "util.h"
#include "web.h"

#define WEB_TLS_DAYS 3650

static void
tls_err(char *err, size_t errlen, const char *what)
{
	char e[256];

	ERR_error_string_n(ERR_get_error(), e, sizeof(e));
	snprintf(err, errlen, "%s: %s", what, e);
}

/* Path p, or p under the state directory when relative. */
static void
tls_path(const struct gw_config *conf, const char *p, char *out, size_t len)
{
	if (p[0] == '/')
		snprintf(out, len, "%s", p);
	else
		snprintf(out, len, "%s/%s", conf->state_dir, p);
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ex == NULL)
		return -1;
	X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
	return 0;
}

static int
write_pem(const char *path, int key, void *obj, char *err, size_t errlen)
{
	FILE *f;
	int fd, ok;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ok = key ? PEM_write_PrivateKey(f, obj, NULL, NULL, 0, NULL, NULL) :
	    PEM_write_X509(f, obj);
	if (fclose(f) != 0 || !ok) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -1;
	}
	return 0;
}

int
web_tls_generate(const char *cert_path, const char *key_path,
    const char *host, char *err, size_t errlen)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	char san[512];
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int rc = -1, is_ip;
	struct in6_addr a6;

	if (pkey == NULL || x == NULL) {
		tls_err(err, errlen, "key generation");
		goto out;
	}
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	X509_set_version(x, 2);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * WEB_TLS_DAYS);
	X509_set_pubkey(x, pkey);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"Stafeta", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)(host != NULL && host[0] != '\0' ? host :
	    "localhost"), -1, -1, 0);
	X509_set_issuer_name(x, name);
	is_ip = host != NULL && (strchr(host, ':') != NULL ?
	    inet_pton(AF_INET6, host, &a6) == 1 :
	    inet_pton(AF_INET, host, &a6) == 1);
	if (host == NULL || host[0] == '\0' || strcmp(host, "localhost") == 0 ||
	    strcmp(host, "127.0.0.1") == 0 || strcmp(host, "0.0.0.0") == 0 ||
	    strcmp(host, "::") == 0)
		snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1");
	else
		snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,%s:%s",
		    is_ip ? "IP" : "DNS", host);
	if (add_ext(x, NID_subject_alt_name, san) != 0 ||
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") != 0) {
		tls_err(err, errlen, "certificate extensions");
		goto out;
	}
	if (X509_sign(x, pkey, EVP_sha256()) == 0) {
		tls_err(err, errlen, "certificate signature");
		goto out;
	}
	if (write_pem(key_path, 1, pkey, err, errlen) != 0 ||
	    write_pem(cert_path, 0, x, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}

void *
web_tls_new(const struct gw_config *conf, char *err, size_t errlen)
{
	char cert[1024], key[1024], host[256];
	uint16_t port;
	SSL_CTX *ctx;
	struct stat sb;

	if (conf->web_tls_cert != NULL) {
		tls_path(conf, conf->web_tls_cert, cert, sizeof(cert));
		tls_path(conf, conf->web_tls_key != NULL ? conf->web_tls_key :
		    conf->web_tls_cert, key, sizeof(key));
	} else {
		tls_path(conf, WEB_TLS_CERT_FILE, cert, sizeof(cert));
		tls_path(conf, WEB_TLS_KEY_FILE, key, sizeof(key));
		if (stat(cert, &sb) != 0 || stat(key, &sb) != 0) {
			if (gw_httpd_split_listen(conf->web_listen, host,
			    sizeof(host), &port) != 0)
				host[0] = '\0';
			if (web_tls_generate(cert, key, host, err,
			    errlen) != 0)
				return NULL;
			log_info("web: generated a self-signed certificate %s "
			    "(set [web] tls_cert and tls_key to use your own)",
			    cert);
		}
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		tls_err(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_err(err, errlen, cert);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_err(err, errlen, key);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

void
web_tls_free(void *ctx)
{
	SSL_CTX_free(ctx);
}
