/*
 * config_ini.c - a small INI tokeniser with line numbers.
 *
 * Syntax: "[section]", "[section NAME]", "key = value", full-line comments
 * starting with '#' or ';', blank lines.  A value may be double-quoted to
 * keep leading or trailing spaces or a '#'; inside quotes \" and \\ are
 * the only escapes (any other backslash is kept, so regexes survive).  An
 * unquoted value ends at a '#' that follows whitespace (inline comment).
 * The tokeniser knows nothing about keys: config_keys.c does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define CONFIG_INI_LINE_MAX 8192 /* longer lines are an error */

static int ini_is_space(char);
static char *ini_trim(char *);
static int ini_key_ok(const char *);
static int ini_section(char *, int, const char **, const char **, char *,
    size_t);
static int ini_value(char *, char **, char *, size_t);
static int ini_line(char *, int, const char **, const char **,
    struct config_ini_item *, char *, size_t);
static int ini_utf8_valid(const char *);

static int
ini_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Trims in place; returns the first non-blank character. */
static char *
ini_trim(char *s)
{
	size_t n;

	while (ini_is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && ini_is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int
ini_key_ok(const char *k)
{
	if (*k == '\0')
		return 0;
	for (; *k != '\0'; k++) {
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
			(*k >= '0' && *k <= '9') || *k == '_' || *k == '-' ||
			*k == '.'))
			return 0;
	}
	return 1;
}

/*
 * Parses "[word]" or "[word NAME]" (s starts at '[' and is trimmed).
 * Sets *section and *name (NULL if absent), pointing into s.
 */
static int
ini_section(char *s, int line, const char **section, const char **name,
    char *msg, size_t msglen)
{
	size_t n = strlen(s);
	char *in, *sp;

	(void)line;
	if (n < 2 || s[n - 1] != ']') {
		snprintf(msg, msglen, "syntax error: missing ']' after section "
		    "name");
		return -1;
	}
	s[n - 1] = '\0';
	in = ini_trim(s + 1);
	if (*in == '\0') {
		snprintf(msg, msglen, "syntax error: empty section name");
		return -1;
	}
	if (strchr(in, '[') != NULL || strchr(in, ']') != NULL) {
		snprintf(msg, msglen, "syntax error: stray bracket in section "
		    "header");
		return -1;
	}
	sp = in;
	while (*sp != '\0' && !ini_is_space(*sp))
		sp++;
	if (*sp != '\0') {
		*sp = '\0';
		*name = ini_trim(sp + 1);
	} else
		*name = NULL;
	*section = in;
	return 0;
}

/*
 * Unquotes or strips an inline comment from the value v (already
 * trimmed on the left).  *out points into v.
 */
static int
ini_value(char *v, char **out, char *msg, size_t msglen)
{
	char *r, *w, *p;

	if (*v != '"') {
		/* An inline comment starts at '#' after whitespace. */
		for (p = v; *p != '\0'; p++) {
			if (*p == '#' && p > v && ini_is_space(p[-1])) {
				*p = '\0';
				break;
			}
		}
		if (*v == '#')
			*v = '\0';
		*out = ini_trim(v);
		return 0;
	}
	r = w = v + 1;
	for (;;) {
		if (*r == '\0') {
			snprintf(msg, msglen, "syntax error: unterminated "
			    "quoted value");
			return -1;
		}
		if (*r == '"')
			break;
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r++;
	}
	*w = '\0';
	p = ini_trim(r + 1);
	if (*p != '\0' && *p != '#' && *p != ';') {
		snprintf(msg, msglen, "syntax error: text after closing quote");
		return -1;
	}
	*out = v + 1;
	return 0;
}

/*
 * 1 if s is well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF), 0 if not.  Every value goes through here, so a value
 * written in Latin-2 by an old editor is an error at its line, not a
 * reply that the modem refuses to send.
 */
static int
ini_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		unsigned char c = *p;
		int n;
		uint32_t cp, min;

		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			n = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else
			return 0;
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* Classifies one NUL-terminated line; 1 if item was filled, 0 if blank. */
static int
ini_line(char *s, int line, const char **section, const char **name,
    struct config_ini_item *it, char *msg, size_t msglen)
{
	char *eq, *key, *val;

	s = ini_trim(s);
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	memset(it, 0, sizeof(*it));
	it->line = line;
	if (*s == '[') {
		if (ini_section(s, line, section, name, msg, msglen) == -1)
			return -1;
		it->kind = CONFIG_INI_SECTION;
		it->section = *section;
		it->name = *name;
		return 1;
	}
	eq = strchr(s, '=');
	if (eq == NULL) {
		snprintf(msg, msglen, "syntax error: expected \"key = value\", "
		    "\"[section]\" or a comment");
		return -1;
	}
	*eq = '\0';
	key = ini_trim(s);
	if (!ini_key_ok(key)) {
		snprintf(msg, msglen, "syntax error: bad key name before '='");
		return -1;
	}
	if (*section == NULL) {
		snprintf(msg, msglen, "key %s outside of any section (add "
		    "[gateway] above it)", key);
		return -1;
	}
	if (ini_value(ini_trim(eq + 1), &val, msg, msglen) == -1)
		return -1;
	if (!ini_utf8_valid(val)) {
		snprintf(msg, msglen, "value of %s is not valid UTF-8 (save the "
		    "file as UTF-8)", key);
		return -1;
	}
	it->kind = CONFIG_INI_KEY;
	it->section = *section;
	it->name = *name;
	it->key = key;
	it->value = val;
	return 1;
}

int
config_ini_parse(const char *data, size_t len, config_ini_cb cb, void *arg,
    int *line, char *msg, size_t msglen)
{
	const char *section = NULL, *name = NULL;
	char *copy = xmalloc(len + 1), *p, *end;
	struct config_ini_item it;
	int lineno = 0, rc = -1, r;

	memcpy(copy, data, len);
	copy[len] = '\0';
	p = copy;
	end = copy + len;
	/* An editor's UTF-8 byte order mark is not a syntax error. */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl != NULL ? nl : end;

		lineno++;
		*line = lineno;
		if (memchr(p, '\0', (size_t)(eol - p)) != NULL) {
			snprintf(msg, msglen, "syntax error: NUL byte in line");
			goto fail;
		}
		if (eol - p > CONFIG_INI_LINE_MAX) {
			snprintf(msg, msglen, "line too long (max %d bytes)",
			    CONFIG_INI_LINE_MAX);
			goto fail;
		}
		*eol = '\0';
		r = ini_line(p, lineno, &section, &name, &it, msg, msglen);
		if (r == -1)
			goto fail;
		if (r == 1 && cb(arg, &it, msg, msglen) == -1)
			goto fail;
		p = eol + 1;
	}
	rc = 0;
fail:
	free(copy);
	return rc;
}
