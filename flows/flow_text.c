/*
 * flow_text.c - what the engine does to text: normalising user input for
 * matching, typo tolerance, counting characters, and rendering prompts
 * with {placeholders}.
 *
 * Normalisation folds case, Romanian and Hungarian diacritics (both the
 * comma-below and the cedilla forms of s and t, and decomposed combining
 * marks) and punctuation, because basic phones and hurried users produce
 * all of "Ajutor!", "AJUTÓR" and "ajutor ." for the same word.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "flow.h"
#include "flow_int.h"
#include "util.h"

static long utf8_decode(const unsigned char *, size_t, size_t *);
static const char *fold_codepoint(long);

/*
 * Decodes one UTF-8 sequence at s (n bytes left).  Returns the code point
 * and sets *used, or -1 for an invalid or truncated sequence (*used = 1 so
 * the caller skips one byte).
 */
static long
utf8_decode(const unsigned char *s, size_t n, size_t *used)
{
	long cp;
	size_t len, i;

	*used = 1;
	if (s[0] < 0x80)
		return s[0];
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return -1;
	if (len > n)
		return -1;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms and surrogates are not text. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*used = len;
	return cp;
}

/*
 * The ASCII a letter folds to, "" for a mark to drop (combining
 * diacritics), NULL for a separator.  Covers Latin-1 and Latin
 * Extended-A plus the Romanian comma-below letters: what Romanian and
 * Hungarian users type, and what predictive keyboards slip in.
 */
static const char *
fold_codepoint(long cp)
{
	/* U+00C0..U+00FF, upper-cased; NULL where Latin-1 has a sign. */
	static const char *const latin1[64] = {
		"A", "A", "A", "A", "A", "A", "AE", "C",	/* C0 */
		"E", "E", "E", "E", "I", "I", "I", "I",	/* C8 */
		"D", "N", "O", "O", "O", "O", "O", NULL,	/* D0 */
		"O", "U", "U", "U", "U", "Y", "TH", "SS",	/* D8 */
		"A", "A", "A", "A", "A", "A", "AE", "C",	/* E0 */
		"E", "E", "E", "E", "I", "I", "I", "I",	/* E8 */
		"D", "N", "O", "O", "O", "O", "O", NULL,	/* F0 */
		"O", "U", "U", "U", "U", "Y", "TH", "Y",	/* F8 */
	};
	/* Base letter of each of U+0100..U+017F, in code point order. */
	static const char ext_a[0x80 + 1] =
	    "AAAAAACCCCCCCCDDDDEEEEEEEEEEGGGGGGGGHHHHIIIIIIIIIIIIJJKKK"
	    "LLLLLLLLLLNNNNNNNNNOOOOOOOORRRRRRSSSSSSSSTTTTTTUUUUUUUUUUUU"
	    "WWYYYZZZZZZS";
	/* One-letter strings to return pointers into. */
	static const char letters[] =
	    "A\0B\0C\0D\0E\0F\0G\0H\0I\0J\0K\0L\0M\0N\0O\0P\0Q\0R\0S\0T\0U\0"
	    "V\0W\0X\0Y\0Z";

	if (cp >= 0xc0 && cp <= 0xff)
		return latin1[cp - 0xc0];
	if (cp == 0x132 || cp == 0x133)
		return "IJ";
	if (cp == 0x152 || cp == 0x153)
		return "OE";
	if (cp >= 0x100 && cp <= 0x17f)
		return &letters[(ext_a[cp - 0x100] - 'A') * 2];
	switch (cp) {
	case 0x218: /* S with comma below */
	case 0x219:
		return "S";
	case 0x21a: /* T with comma below */
	case 0x21b:
		return "T";
	case 0x1e9e: /* capital sharp s */
		return "SS";
	default:
		break;
	}
	/* Combining diacritical marks: decomposed input ("A" + U+0301). */
	if (cp >= 0x300 && cp <= 0x36f)
		return "";
	/* Invisible characters some keyboards insert. */
	if (cp == 0x200b || cp == 0x200c || cp == 0x200d || cp == 0xfeff ||
	    cp == 0xad)
		return "";
	return NULL;
}

char *
flow_text_normalize(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t n, i = 0, used, o = 0;
	char *out;
	int pending_space = 0;
	long cp;

	if (utf8 == NULL)
		return xstrdup("");
	n = strlen(utf8);
	/* Every input byte yields at most 2 output bytes ("SS", "AE"); a
	 * 2-byte sequence is the shortest that folds to two letters. */
	out = xmalloc(n * 2 + 1);
	while (i < n) {
		const char *fold = NULL;
		char c[2];

		cp = utf8_decode(s + i, n - i, &used);
		i += used;
		if (cp >= 'a' && cp <= 'z') {
			c[0] = (char)(cp - 'a' + 'A');
			c[1] = '\0';
			fold = c;
		} else if ((cp >= 'A' && cp <= 'Z') ||
		    (cp >= '0' && cp <= '9')) {
			c[0] = (char)cp;
			c[1] = '\0';
			fold = c;
		} else if (cp >= 0x80)
			fold = fold_codepoint(cp);
		if (fold == NULL) {
			pending_space = o > 0;
			continue;
		}
		if (fold[0] == '\0')
			continue;
		if (pending_space) {
			out[o++] = ' ';
			pending_space = 0;
		}
		while (*fold != '\0')
			out[o++] = *fold++;
	}
	out[o] = '\0';
	return out;
}

int
flow_text_one_typo(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > lb + 1 || lb > la + 1)
		return 0;
	if (la == lb) {
		size_t first = (size_t)-1, count = 0;

		for (i = 0; i < la; i++) {
			if (a[i] != b[i]) {
				if (count == 0)
					first = i;
				count++;
			}
		}
		if (count <= 1)
			return 1;
		/* One transposition of neighbours counts as one typo. */
		return count == 2 && first + 1 < la && a[first] ==
		    b[first + 1] && a[first + 1] == b[first] &&
		    strcmp(a + first + 2, b + first + 2) == 0;
	}
	/* One insertion or deletion: walk the longer one, skip once. */
	if (la < lb) {
		const char *t = a;

		a = b;
		b = t;
		i = la;
		la = lb;
		lb = i;
	}
	for (i = 0, j = 0; i < la && j < lb; i++, j++) {
		if (a[i] != b[j])
			return strcmp(a + i + 1, b + j) == 0;
	}
	return 1;
}

/* Counts code points; invalid bytes count one each. */
size_t
flow_text_chars(const char *utf8)
{
	size_t n = 0;

	for (; *utf8 != '\0'; utf8++) {
		if (((unsigned char)*utf8 & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/* Byte offset of the first `chars` code points of s (all of s if shorter). */
size_t
flow_text_prefix_bytes(const char *s, size_t chars)
{
	size_t i = 0, n = 0;

	while (s[i] != '\0') {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (n == chars)
				break;
			n++;
		}
		i++;
	}
	return i;
}

int
flow_text_valid_utf8(const char *s, size_t len)
{
	size_t i = 0, used;

	while (i < len) {
		if (s[i] == '\0')
			return 0;
		if (utf8_decode((const unsigned char *)s + i, len - i,
		    &used) < 0)
			return 0;
		i += used;
	}
	return 1;
}

/*
 * Expands {name} placeholders of tmpl into b: lookup(name, arg) gives the
 * value, or NULL to leave the placeholder as written (so a typo shows in
 * the simulator instead of silently vanishing).  "{{" is a literal "{".
 * Returns 0, or -1 when b is full.
 */
int
flow_text_render(struct buf *b, const char *tmpl,
    const char *(*lookup)(const char *, void *), void *arg)
{
	const char *p = tmpl, *close;
	char name[FLOW_NAME_MAX + 1];
	size_t len;

	while (*p != '\0') {
		if (p[0] == '{' && p[1] == '{') {
			if (buf_add(b, "{", 1) != 0)
				return -1;
			p += 2;
			continue;
		}
		close = NULL;
		if (*p == '{')
			close = strchr(p + 1, '}');
		len = close != NULL ? (size_t)(close - p - 1) : 0;
		if (close != NULL && len > 0 && len <= FLOW_NAME_MAX) {
			const char *v;

			memcpy(name, p + 1, len);
			name[len] = '\0';
			v = flow_name_valid(name) ? lookup(name, arg) : NULL;
			if (v != NULL) {
				if (buf_addstr(b, v) != 0)
					return -1;
				p = close + 1;
				continue;
			}
		}
		if (buf_add(b, p, 1) != 0)
			return -1;
		p++;
	}
	return 0;
}

/* 1 if s is a usable step, field or flow name: [a-z0-9_-], 1..32. */
int
flow_name_valid(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_' || *s == '-'))
			return 0;
	}
	return n > 0 && n <= FLOW_NAME_MAX;
}
