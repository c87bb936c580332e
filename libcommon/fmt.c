/* SPDX-License-Identifier: MIT */
#include "iou/fmt.h"

#include <string.h>

/* "00" to "99": two digits per division halves the divisions. */
static const char digit_pairs[201] = "00010203040506070809"
				     "10111213141516171819"
				     "20212223242526272829"
				     "30313233343536373839"
				     "40414243444546474849"
				     "50515253545556575859"
				     "60616263646566676869"
				     "70717273747576777879"
				     "80818283848586878889"
				     "90919293949596979899";

/*
 * Decimal digits of v: the bit length gives log10 within one (1233/4096 is
 * just above log10(2)), a table settles which, instead of a loop per digit.
 */
static unsigned dec_digits(uint64_t v)
{
	static const uint64_t pow10[FMT_DEC_MAX] = {
	    1ull,
	    10ull,
	    100ull,
	    1000ull,
	    10000ull,
	    100000ull,
	    1000000ull,
	    10000000ull,
	    100000000ull,
	    1000000000ull,
	    10000000000ull,
	    100000000000ull,
	    1000000000000ull,
	    10000000000000ull,
	    100000000000000ull,
	    1000000000000000ull,
	    10000000000000000ull,
	    100000000000000000ull,
	    1000000000000000000ull,
	    10000000000000000000ull,
	};
	unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
	unsigned t = bits * 1233 >> 12;

	return v < pow10[t] ? (t ? t : 1) : t + 1;
}

char *fmt_u64_zpad(char *p, uint64_t v, unsigned width)
{
	unsigned n = dec_digits(v);
	char *end = p + (n > width ? n : width), *q = end;

	while (v >= 100) {
		q -= 2;
		memcpy(q, digit_pairs + v % 100 * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, digit_pairs + v * 2, 2);
	} else {
		*--q = (char)('0' + v);
	}
	while (q > p)
		*--q = '0';
	return end;
}

char *fmt_u64(char *p, uint64_t v)
{
	return fmt_u64_zpad(p, v, 1);
}

char *fmt_i64(char *p, int64_t v)
{
	if (v >= 0)
		return fmt_u64(p, (uint64_t)v);
	*p++ = '-';
	/* Negating in unsigned arithmetic is defined for INT64_MIN too. */
	return fmt_u64(p, 0 - (uint64_t)v);
}

/* Digits of base 2^shift, at least width of them, zeros in front. */
static char *fmt_pow2_zpad(char *p, uint64_t v, unsigned width, unsigned shift)
{
	static const char digits[] = "0123456789abcdef";
	const uint64_t mask = (1u << shift) - 1;
	unsigned n = 1;
	char *end, *q;

	for (uint64_t t = v >> shift; t; t >>= shift)
		n++;
	end = p + (n > width ? n : width);
	q = end;
	do {
		*--q = digits[v & mask];
		v >>= shift;
	} while (v);
	while (q > p)
		*--q = '0';
	return end;
}

char *fmt_oct_zpad(char *p, uint64_t v, unsigned width)
{
	return fmt_pow2_zpad(p, v, width, 3);
}

char *fmt_hex_zpad(char *p, uint64_t v, unsigned width)
{
	return fmt_pow2_zpad(p, v, width, 4);
}
