/*
 * sheet_damm.c - the Damm check digit of household codes
 * (observation-sheet.md section 7.3: 7 random digits + 1 check digit).
 *
 * Damm's weakly totally anti-symmetric quasigroup of order 10 detects
 * every single-digit error and every swap of adjacent digits, the two
 * mistakes people make on a phone keypad.
 */
#include "sheet.h"

static const unsigned char damm_table[10][10] = {
	{ 0, 3, 1, 7, 5, 9, 8, 6, 4, 2 },
	{ 7, 0, 9, 2, 1, 5, 4, 8, 6, 3 },
	{ 4, 2, 0, 6, 8, 7, 1, 3, 5, 9 },
	{ 1, 7, 5, 0, 9, 8, 3, 4, 2, 6 },
	{ 6, 1, 2, 3, 0, 4, 5, 9, 7, 8 },
	{ 3, 6, 7, 4, 2, 0, 9, 5, 8, 1 },
	{ 5, 8, 6, 9, 7, 2, 0, 1, 3, 4 },
	{ 8, 9, 4, 5, 3, 6, 2, 0, 1, 7 },
	{ 9, 4, 3, 8, 6, 1, 7, 2, 0, 5 },
	{ 2, 5, 8, 1, 4, 3, 6, 7, 9, 0 },
};

int
sheet_damm_digit(const char *digits, size_t n)
{
	unsigned interim = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
		interim = damm_table[interim][digits[i] - '0'];
	}
	/* The check digit is the one that brings the interim back to 0,
	 * which in this table is the interim digit itself. */
	return (int)interim;
}

int
sheet_damm_valid(const char *s, size_t n)
{
	if (s == NULL || n != 8)
		return 0;
	return sheet_damm_digit(s, n) == 0;
}
