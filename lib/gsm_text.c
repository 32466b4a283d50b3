/*
 * gsm_text.c - pure text helpers shared by the gateway and the modem
 * workers: UTF-8 <-> UCS-2 (UTF-16BE code units, surrogate pairs), GSM
 * 03.38 fitness, septet and part counting, and Romanian diacritic folding.
 *
 * No libgammu here.  The GSM-7 tables and the part counting follow what
 * libgammu 1.42 itself does (libgammu/misc/coding/coding.c and
 * libgammu/service/sms/gsmmulti.c at tag 1.42.0), because the count must
 * match the parts libgammu will actually send: tests/unit/test_gsm_text.c
 * checks it against GSM_EncodeMultiPartSMS.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gsm_text.h"
#include "util.h"

#define TEXT_REPLACEMENT 0xfffd /* U+FFFD REPLACEMENT CHARACTER */

/* Per-part capacity with and without a concatenation UDH (140 octets). */
#define TEXT_GSM7_SINGLE 160	/* septets, no UDH */
#define TEXT_GSM7_MULTI8 153	/* (140 - 6) * 8 / 7, 8-bit reference */
#define TEXT_GSM7_MULTI16 152	/* (140 - 7) * 8 / 7, 16-bit reference */
#define TEXT_UCS2_SINGLE 70	/* units, no UDH */
#define TEXT_UCS2_MULTI8 67	/* (140 - 6) / 2 */
#define TEXT_UCS2_MULTI16 66	/* (140 - 7) / 2 */

static long text_utf8_next(const unsigned char *, size_t, size_t *);
static int text_gsm7_width(uint32_t);
static int text_gsm7_width_search(uint32_t);
static size_t text_utf8_put(char *, uint32_t);
static long text_ucs2_copy(const uint16_t *, size_t, size_t);
static int text_parts_gsm7(const char *, int);
static int text_parts_ucs2(const char *, int);

/*
 * The GSM 03.38 default alphabet as libgammu 1.42 maps it
 * (GSM_DefaultAlphabetUnicode).  Position 0x1b is the escape to the
 * extension table; libgammu maps it to U+00B9, which would put a bare
 * escape on the air, so it is left out here (0 = no character).
 * Position 0x09 is U+00C7 (capital C cedilla) in libgammu: a small
 * c cedilla would be sent as '?', so only the capital counts as GSM-7.
 */
static const uint16_t text_gsm7_default[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, 0x0000, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/* Extension table characters (escape + one septet, so 2 septets each),
 * as in libgammu's GSM_DefaultAlphabetCharsExtension. */
static const uint16_t text_gsm7_ext[] = {
	0x000c, /* form feed */
	0x005e, /* ^ */
	0x007b, /* { */
	0x007d, /* } */
	0x005c, /* \ */
	0x005b, /* [ */
	0x007e, /* ~ */
	0x005d, /* ] */
	0x007c, /* | */
	0x20ac, /* euro sign */
};

/*
 * Decodes one code point from s[*pos..len), advancing *pos.  Rejects
 * truncated and overlong sequences, UTF-16 surrogates and values above
 * U+10FFFF (RFC 3629).  Returns the code point or -1.
 */
static long
text_utf8_next(const unsigned char *s, size_t len, size_t *pos)
{
	size_t i = *pos, need;
	uint32_t cp, min;
	unsigned char c = s[i];

	if (c < 0x80) {
		*pos = i + 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		cp = c & 0x1f;
		need = 1;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		cp = c & 0x0f;
		need = 2;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		cp = c & 0x07;
		need = 3;
		min = 0x10000;
	} else
		return -1;
	if (len - i - 1 < need)
		return -1;
	for (size_t k = 1; k <= need; k++) {
		c = s[i + k];
		if ((c & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (c & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*pos = i + need + 1;
	return (long)cp;
}

/* Septets a code point takes in GSM-7: 1, 2 (extension table) or 0 when
 * it has no GSM-7 form. */
static int
text_gsm7_width(uint32_t cp)
{
	/* Replies are almost all ASCII: a table built once from the search
	 * below makes counting a reply's parts a lookup per character. */
	static uint8_t ascii[128];
	static int ready;

	if (cp < 128) {
		if (!ready) {
			for (uint32_t c = 0; c < 128; c++)
				ascii[c] = (uint8_t)text_gsm7_width_search(c);
			ready = 1;
		}
		return ascii[cp];
	}
	return text_gsm7_width_search(cp);
}

/* Septets of one code point in GSM-7: 1, 2 (extension table) or 0. */
static int
text_gsm7_width_search(uint32_t cp)
{
	if (cp > 0xffff)
		return 0;
	for (size_t i = 0; i < NELEM(text_gsm7_ext); i++)
		if (text_gsm7_ext[i] == cp)
			return 2;
	/* '@' is the only character mapped from position 0. */
	if (cp == 0x0040)
		return 1;
	if (cp == 0)
		return 0;
	for (size_t i = 0; i < NELEM(text_gsm7_default); i++)
		if (text_gsm7_default[i] == cp)
			return 1;
	return 0;
}

/* Writes cp as UTF-8 into out (room for 4 bytes); returns bytes written. */
static size_t
text_utf8_put(char *out, uint32_t cp)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

long
gsm_text_utf8_to_ucs2(const char *utf8, size_t len, uint16_t *out,
    size_t max)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t pos = 0, n = 0;
	int full = 0;

	if (utf8 == NULL)
		return -1;
	while (pos < len) {
		long cp = text_utf8_next(s, len, &pos);
		size_t w;

		if (cp < 0)
			return -1;
		w = cp > 0xffff ? 2 : 1;
		/* Validate the whole input even once out is full, so that
		 * the result never depends on the buffer size. */
		if (out == NULL || full) {
			n += out == NULL ? w : 0;
			continue;
		}
		if (n + w > max) {
			/* Never split a surrogate pair at the end. */
			full = 1;
			continue;
		}
		if (w == 2) {
			uint32_t v = (uint32_t)cp - 0x10000;

			out[n++] = (uint16_t)(0xd800 | (v >> 10));
			out[n++] = (uint16_t)(0xdc00 | (v & 0x3ff));
		} else
			out[n++] = (uint16_t)cp;
	}
	return (long)n;
}

char *
gsm_text_ucs2_to_utf8(const uint16_t *units, size_t n)
{
	char *out, *o;

	/* 3 bytes per unit covers both BMP characters and pairs (4 bytes
	 * for 2 units); U+FFFD is 3 bytes for 1 unit. */
	out = xmalloc(n * 3 + 1);
	o = out;
	for (size_t i = 0; i < n; i++) {
		uint32_t u = units[i];

		if (u >= 0xd800 && u <= 0xdbff && i + 1 < n &&
		    units[i + 1] >= 0xdc00 && units[i + 1] <= 0xdfff) {
			u = 0x10000 + ((u - 0xd800) << 10) +
			    (units[i + 1] - 0xdc00u);
			i++;
		} else if (u >= 0xd800 && u <= 0xdfff)
			u = TEXT_REPLACEMENT;
		else if (u == 0)
			/* A NUL would silently cut the message short. */
			u = TEXT_REPLACEMENT;
		o += text_utf8_put(o, u);
	}
	*o = '\0';
	return out;
}

int
gsm_text_is_gsm7(const char *utf8)
{
	return gsm_text_gsm7_septets(utf8) >= 0;
}

long
gsm_text_gsm7_septets(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t len, pos = 0;
	long septets = 0;

	if (utf8 == NULL)
		return -1;
	len = strlen(utf8);
	while (pos < len) {
		long cp = text_utf8_next(s, len, &pos);
		int w;

		if (cp < 0)
			return -1;
		w = text_gsm7_width((uint32_t)cp);
		if (w == 0)
			return -1;
		septets += w;
	}
	return septets;
}

/*
 * GSM-7 part count the way GSM_MakeMultiPartSMS fills parts: each part
 * takes whole characters while their septets fit (FindDefaultAlphabetLen),
 * so an extension character never straddles two parts.
 */
static int
text_parts_gsm7(const char *utf8, int concat_bits)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t len = strlen(utf8), pos = 0;
	long total = gsm_text_gsm7_septets(utf8), used = 0, cap;
	int parts = 1;

	if (total < 0)
		return -1;
	if (total <= TEXT_GSM7_SINGLE)
		return 1;
	cap = concat_bits == 16 ? TEXT_GSM7_MULTI16 : TEXT_GSM7_MULTI8;
	while (pos < len) {
		int w = text_gsm7_width((uint32_t)text_utf8_next(s, len, &pos));

		if (used + w > cap) {
			parts++;
			used = 0;
		}
		used += w;
	}
	return parts;
}

/*
 * How many units libgammu 1.42 puts into a UCS-2 part that has room for
 * `room` of the `left` units at u (AlignSegmentForContent in gsmmulti.c):
 * it never ends a part on a lead surrogate, else it does not start the
 * next part with a combining mark, and it keeps a pair of regional
 * indicators (a flag) together.
 */
static long
text_ucs2_copy(const uint16_t *u, size_t left, size_t room)
{
	size_t copy = room < left ? room : left;
	int moved = 0;

	if (copy > 1 && u[copy - 1] >= 0xd800 && u[copy - 1] <= 0xdbff) {
		copy--;
		moved = 1;
	}
	if (!moved && copy > 1 && copy < left) {
		uint16_t n = u[copy];

		if ((n >= 0xfe20 && n <= 0xfe2f) ||
		    (n >= 0x0300 && n <= 0x036f) ||
		    (n >= 0x1ab0 && n <= 0x1aff) ||
		    (n >= 0x1dc0 && n <= 0x1dff) ||
		    (n >= 0x20d0 && n <= 0x20ff))
			copy--;
	}
	if (copy > 2 && copy + 2 < left && u[copy - 2] == 0xd83c &&
	    u[copy] == 0xd83c && u[copy - 1] >= 0xdde6 &&
	    u[copy - 1] <= 0xddff && u[copy + 1] >= 0xdde6 &&
	    u[copy + 1] <= 0xddff)
		copy -= 2;
	return (long)copy;
}

static int
text_parts_ucs2(const char *utf8, int concat_bits)
{
	size_t len = strlen(utf8), n, done = 0, room;
	uint16_t *u;
	long got;
	int parts = 0;

	got = gsm_text_utf8_to_ucs2(utf8, len, NULL, 0);
	if (got < 0)
		return -1;
	n = (size_t)got;
	if (n <= TEXT_UCS2_SINGLE)
		return 1;
	u = xcalloc(n, sizeof(*u));
	if (gsm_text_utf8_to_ucs2(utf8, len, u, n) != got) {
		free(u);
		return -1;
	}
	room = concat_bits == 16 ? TEXT_UCS2_MULTI16 : TEXT_UCS2_MULTI8;
	while (done < n) {
		done += (size_t)text_ucs2_copy(u + done, n - done, room);
		parts++;
	}
	free(u);
	return parts;
}

int
gsm_text_parts(const char *utf8)
{
	return gsm_text_parts_ref(utf8, 8);
}

int
gsm_text_parts_ref(const char *utf8, int concat_bits)
{
	if (utf8 == NULL)
		return -1;
	if (gsm_text_is_gsm7(utf8))
		return text_parts_gsm7(utf8, concat_bits);
	return text_parts_ucs2(utf8, concat_bits);
}

int
gsm_text_sendable(const char *utf8)
{
	long septets;
	int parts;

	if (utf8 == NULL)
		return 0;
	septets = gsm_text_gsm7_septets(utf8);
	if (septets >= 0)
		return septets <= GSM_TEXT_MAX_SEPTETS;
	/* 16-bit references never need fewer parts than 8-bit ones. */
	parts = gsm_text_parts_ref(utf8, 16);
	return parts > 0 && parts <= GSM_TEXT_MAX_PARTS;
}

/*
 * Folds Romanian letters to ASCII.  Precomposed letters (both the
 * comma-below and the older cedilla forms) and the decomposed forms
 * (base letter + combining breve, circumflex, comma below or cedilla) are
 * handled; every other byte is copied, so invalid UTF-8 passes through
 * unchanged.
 */
char *
gsm_text_to_ascii_ro(const char *utf8)
{
	static const struct {
		uint16_t cp;
		char ascii;
	} fold[] = {
		{ 0x0102, 'A' }, { 0x0103, 'a' }, /* A/a breve */
		{ 0x00c2, 'A' }, { 0x00e2, 'a' }, /* A/a circumflex */
		{ 0x00ce, 'I' }, { 0x00ee, 'i' }, /* I/i circumflex */
		{ 0x0218, 'S' }, { 0x0219, 's' }, /* S/s comma below */
		{ 0x015e, 'S' }, { 0x015f, 's' }, /* S/s cedilla */
		{ 0x021a, 'T' }, { 0x021b, 't' }, /* T/t comma below */
		{ 0x0162, 'T' }, { 0x0163, 't' }, /* T/t cedilla */
	};
	const unsigned char *s = (const unsigned char *)utf8;
	size_t len, pos = 0, o = 0;
	char *out;
	char prev = 0;

	if (utf8 == NULL)
		return NULL;
	len = strlen(utf8);
	out = xmalloc(len + 1);
	while (pos < len) {
		size_t start = pos;
		long cp = text_utf8_next(s, len, &pos);
		size_t k;

		if (cp < 0) {
			out[o++] = (char)s[start];
			pos = start + 1;
			prev = 0;
			continue;
		}
		for (k = 0; k < NELEM(fold); k++)
			if (fold[k].cp == cp)
				break;
		if (k < NELEM(fold)) {
			out[o++] = fold[k].ascii;
			prev = fold[k].ascii;
			continue;
		}
		/* Combining breve, circumflex, comma below, cedilla after a
		 * letter that takes one in Romanian; prev stays, so a run of
		 * them goes at once and folding twice changes nothing. */
		if ((cp == 0x0306 || cp == 0x0302 || cp == 0x0326 ||
		    cp == 0x0327) && prev != 0 && strchr("aAiIsStT", prev))
			continue;
		memcpy(out + o, s + start, pos - start);
		o += pos - start;
		prev = cp < 0x80 ? (char)cp : 0;
	}
	out[o] = '\0';
	return out;
}
