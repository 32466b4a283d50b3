/*
 * phone.c - phone numbers to E.164.
 */
#include <stdio.h>
#include <string.h>

#include "phone.h"

int
phone_normalize(const char *in, const char *cc_default, char *out,
    size_t outlen)
{
	char digits[32];
	size_t n = 0;
	int plus = 0;

	for (const char *p = in; *p != '\0'; p++) {
		if (*p == '+' && n == 0 && !plus)
			plus = 1;
		else if (*p >= '0' && *p <= '9') {
			if (n + 1 >= sizeof(digits))
				return -1;
			digits[n++] = *p;
		} else if (strchr(" .-()/", *p) == NULL)
			return -1;
	}
	digits[n] = '\0';
	if (plus)
		snprintf(out, outlen, "+%s", digits);
	else if (n > 2 && digits[0] == '0' && digits[1] == '0')
		snprintf(out, outlen, "+%s", digits + 2);
	else if (n > 1 && digits[0] == '0')
		snprintf(out, outlen, "+%s%s", cc_default, digits + 1);
	else
		return -1;
	n = strlen(out);
	/* E.164: at most 15 digits; shorter than 8 is no subscriber number. */
	if (n < 9 || n > 16 || n + 1 > outlen)
		return -1;
	return 0;
}
