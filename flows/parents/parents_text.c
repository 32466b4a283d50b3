/*
 * parents_text.c - the outbound texts (texts.csv next to the flows):
 * loaded once per configuration, filled with placeholders at send time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "parents.h"
#include "util.h"

#define TEXTS_MAX 64
#define TEXTS_FILE_MAX (64 * 1024)

struct parents_texts {
	size_t n;
	char *id[TEXTS_MAX];   /* owned */
	char *text[TEXTS_MAX]; /* owned */
};

struct parents_texts *
parents_texts_load(const char *path, char *err, size_t errlen)
{
	struct parents_texts *t;
	char *src, *line, *next, *semi;
	size_t len;
	int lineno = 0;

	if (path == NULL) {
		snprintf(err, errlen, "parents: no texts file");
		return NULL;
	}
	if (file_read(path, TEXTS_FILE_MAX, &src, &len, err, errlen) != 0)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	for (line = src; line != NULL && *line != '\0'; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		line[strcspn(line, "\r")] = '\0';
		semi = strchr(line, ';');
		if (semi == NULL || semi == line || t->n == TEXTS_MAX ||
		    parents_texts_get(t, (*semi = '\0', line)) != NULL) {
			snprintf(err, errlen, "%s:%d: expected a new ID;text "
			    "line", path, lineno);
			free(src);
			parents_texts_free(t);
			return NULL;
		}
		t->id[t->n] = xstrdup(line);
		t->text[t->n] = xstrdup(semi + 1);
		t->n++;
	}
	free(src);
	return t;
}

void
parents_texts_free(struct parents_texts *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->id[i]);
		free(t->text[i]);
	}
	free(t);
}

size_t
parents_texts_count(const struct parents_texts *t)
{
	return t != NULL ? t->n : 0;
}

const char *
parents_texts_id(const struct parents_texts *t, size_t i)
{
	return t != NULL && i < t->n ? t->id[i] : NULL;
}

const char *
parents_texts_get(const struct parents_texts *t, const char *id)
{
	for (size_t i = 0; t != NULL && i < t->n; i++) {
		if (strcmp(t->id[i], id) == 0)
			return t->text[i];
	}
	return NULL;
}

int
parents_text_fill(const struct parents_texts *t, const char *id,
    const char *const *vars, char *out, size_t outlen)
{
	const char *s = parents_texts_get(t, id), *close;
	size_t o = 0;

	if (s == NULL || outlen == 0)
		return -1;
	while (*s != '\0' && o + 1 < outlen) {
		const char *val = NULL;

		if (*s == '{' && (close = strchr(s, '}')) != NULL) {
			for (size_t i = 0; vars != NULL && vars[i] != NULL;
			    i += 2) {
				if (strlen(vars[i]) == (size_t)(close - s - 1) &&
				    strncmp(vars[i], s + 1, close - s - 1) == 0) {
					val = vars[i + 1] != NULL ?
					    vars[i + 1] : "";
					break;
				}
			}
			if (val != NULL) {
				o += strlcpy_s(out + o, val, outlen - o);
				if (o >= outlen)
					o = outlen - 1;
				s = close + 1;
				continue;
			}
		}
		out[o++] = *s++;
	}
	out[o] = '\0';
	return 0;
}

/* Words a text shown on a shared family phone must not carry. */
int
parents_text_forbidden(const char *text)
{
	static const char *const bad[] = { "{TARA}", "{COPIL}", "{COUNTRY}",
		"{CHILD}", "instanta de tutela", "Italia", "Spania",
		"Germania", "{INSTANTA}", NULL };

	for (size_t i = 0; bad[i] != NULL; i++) {
		if (strstr(text, bad[i]) != NULL)
			return 1;
	}
	return 0;
}
