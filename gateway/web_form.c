/*
 * web_form.c - the two inputs of a page besides its path: the fields of
 * an urlencoded form (POST body or query string) and the cookies (web.h).
 * Pure; the sizes are bounded by the server's limits before this runs.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "web.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) into a new string; NULL on a bad escape or a NUL. */
static char *
decode(const char *s, size_t n)
{
	char *o = xmalloc(n + 1), *p = o;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+')
			*p++ = ' ';
		else if (s[i] == '%') {
			int h, l;

			if (i + 2 >= n) {
				free(o);
				return NULL;
			}
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0)) {
				free(o);
				return NULL;
			}
			*p++ = (char)(h * 16 + l);
			i += 2;
		} else
			*p++ = s[i];
	}
	*p = '\0';
	return o;
}

int
web_form_parse(struct web_form *f, const char *s, size_t len)
{
	size_t i = 0;

	memset(f, 0, sizeof(*f));
	if (s == NULL)
		return 0;
	f->keys = xcalloc(WEB_FORM_FIELDS_MAX, sizeof(char *));
	f->vals = xcalloc(WEB_FORM_FIELDS_MAX, sizeof(char *));
	while (i < len) {
		const char *amp = memchr(s + i, '&', len - i);
		size_t end = amp != NULL ? (size_t)(amp - s) : len;
		const char *eq = memchr(s + i, '=', end - i);
		size_t kend = eq != NULL ? (size_t)(eq - s) : end;
		char *k, *v;

		if (end == i) {
			i++;
			continue;
		}
		if (memchr(s + i, '\0', end - i) != NULL ||
		    f->n == WEB_FORM_FIELDS_MAX)
			goto bad;
		k = decode(s + i, kend - i);
		v = eq != NULL ? decode(eq + 1, end - kend - 1) : xstrdup("");
		if (k == NULL || v == NULL) {
			free(k);
			free(v);
			goto bad;
		}
		f->keys[f->n] = k;
		f->vals[f->n] = v;
		f->n++;
		i = end + 1;
	}
	return 0;
bad:
	web_form_free(f);
	return -1;
}

const char *
web_form_get(const struct web_form *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->keys[i], key) == 0)
			return f->vals[i];
	}
	return NULL;
}

void
web_form_free(struct web_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->keys[i]);
		free(f->vals[i]);
	}
	free(f->keys);
	free(f->vals);
	memset(f, 0, sizeof(*f));
}

int
web_cookie_get(const char *h, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);

	while (h != NULL && *h != '\0') {
		const char *end;
		size_t vl;

		while (*h == ' ' || *h == ';')
			h++;
		end = strchr(h, ';');
		if (end == NULL)
			end = h + strlen(h);
		if ((size_t)(end - h) > nl && strncmp(h, name, nl) == 0 &&
		    h[nl] == '=') {
			vl = (size_t)(end - h) - nl - 1;
			if (vl + 1 > outlen)
				return 0;
			memcpy(out, h + nl + 1, vl);
			out[vl] = '\0';
			return 1;
		}
		h = end;
	}
	return 0;
}
