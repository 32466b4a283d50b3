/*
 * gsm_text.h - SMS text as GSM 03.38 defines it and libgammu 1.42 sends
 * it: UTF-8 <-> UCS-2, GSM-7 fitness, septet and part counting, and
 * Romanian diacritic folding.  Pure functions, no modem, no libgammu: the
 * store counts parts with them, the flows check texts, the modem worker
 * encodes.
 */
#ifndef STAFETA_GSM_TEXT_H
#define STAFETA_GSM_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* libgammu 1.42 sends at most this many parts (GSM_MAX_MULTI_SMS) and
 * silently drops the rest of a longer text. */
#define GSM_TEXT_MAX_PARTS 50
/* GSM_EncodeMultiPartSMS measures GSM-7 text only up to 5000 septets;
 * past that it emits empty trailing parts up to 50 (gsmmulti.c:901). */
#define GSM_TEXT_MAX_SEPTETS 5000
/* UTF-8 -> UCS-2BE code units (surrogate pairs for > U+FFFF).  Returns the
 * number of units written (at most max; a surrogate pair is never split,
 * the rest is dropped), or -1 on invalid UTF-8 (checked over all of len).
 * With out == NULL, returns the number of units the whole text needs.
 * U+0000 is accepted as a character. */
long gsm_text_utf8_to_ucs2(const char *utf8, size_t len, uint16_t *out,
    size_t max);
/* UCS-2 units (with surrogates) -> newly allocated UTF-8; caller frees.
 * Lone surrogates and U+0000 become U+FFFD. */
char *gsm_text_ucs2_to_utf8(const uint16_t *units, size_t n);
/* 1 if every character of the UTF-8 text exists in GSM 03.38 (default
 * table or extension table) as libgammu encodes it, 0 otherwise (also for
 * invalid UTF-8).  Romanian a-breve, i/a-circumflex, s/t comma-below and
 * cedilla are not GSM-7; e-acute, u/o/A-umlaut, N-tilde are. */
int gsm_text_is_gsm7(const char *utf8);
/* Septets the text needs in GSM-7 (extension characters count 2), or -1
 * if it is not GSM-7 or not valid UTF-8. */
long gsm_text_gsm7_septets(const char *utf8);
/* Parts libgammu's GSM_EncodeMultiPartSMS(SMS_ConcatenatedTextLong) makes
 * of the text, with UnicodeCoding = !gsm_text_is_gsm7(text): GSM-7
 * 160 septets single else 153 per part (an extension character is never
 * split), UCS-2 70 units single else 67 per part (a surrogate pair, a
 * combining mark or a flag is never split).  "" is 1 part.  This is the
 * count needed to carry the whole text; see gsm_text_sendable for the
 * texts libgammu cannot send whole.  -1 on invalid UTF-8 or NULL. */
int gsm_text_parts(const char *utf8);
/* The same with concat_bits 8 (SMS_ConcatenatedTextLong, as above) or 16
 * (SMS_ConcatenatedTextLong16bit: 152 septets or 66 units per part). */
int gsm_text_parts_ref(const char *utf8, int concat_bits);
/* 1 if libgammu 1.42 sends the whole text as counted above: valid UTF-8,
 * GSM-7 of at most GSM_TEXT_MAX_SEPTETS, or UCS-2 in at most
 * GSM_TEXT_MAX_PARTS parts (with either reference width).  The send
 * path must refuse (fail permanently) texts for which this is 0. */
int gsm_text_sendable(const char *utf8);
/* Copy of the text with Romanian diacritics folded to ASCII (a-breve,
 * a/i-circumflex -> a, i; s/t with comma below or cedilla -> s, t; upper
 * case too; also decomposed forms), so a reply can go as GSM-7.  Other
 * characters are kept.  Caller frees; NULL only for NULL. */
char *gsm_text_to_ascii_ro(const char *utf8);

#endif /* STAFETA_GSM_TEXT_H */
