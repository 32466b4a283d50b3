/*
 * phone.h - phone numbers.
 */
#ifndef STAFETA_PHONE_H
#define STAFETA_PHONE_H

#include <stddef.h>

/*
 * Normalises a phone number to E.164 ("+40722123456").  Accepts "+CC...",
 * "00CC..." and national "0..." numbers (country code cc_default, e.g.
 * "40"), ignoring spaces, dots, dashes and parentheses.  0 or -1.
 */
int phone_normalize(const char *in, const char *cc_default, char *out,
    size_t outlen) __attribute__((warn_unused_result));

#endif /* STAFETA_PHONE_H */
