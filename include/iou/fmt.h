/* SPDX-License-Identifier: MIT */
#ifndef IOU_FMT_H
#define IOU_FMT_H

/*
 * Integers written straight into memory the caller has reserved, byte for
 * byte what printf writes for the conversion each function names. The
 * stream's records are formatted hundreds of thousands of times a second,
 * where vfprintf's format parsing and FILE machinery cost more than the
 * digits themselves.
 *
 * Each function writes no terminating NUL and returns one past the last
 * byte it wrote. Room needed: FMT_DEC_MAX bytes for any decimal (a sign
 * included), FMT_OCT_MAX for any octal, 16 for any hexadecimal, or the
 * width asked for when that is larger.
 */

#include <stdint.h>

#define FMT_DEC_MAX 20 /* "18446744073709551615", "-9223372036854775808" */
#define FMT_OCT_MAX 22 /* "1777777777777777777777" */

/* "%" PRIu64 */
char *fmt_u64(char *p, uint64_t v);

/* "%" PRId64 */
char *fmt_i64(char *p, int64_t v);

/* "%0*" PRIu64: at least width digits, zeros in front. */
char *fmt_u64_zpad(char *p, uint64_t v, unsigned width);

/* "%0*" PRIo64: at least width octal digits, zeros in front. */
char *fmt_oct_zpad(char *p, uint64_t v, unsigned width);

/* "%0*" PRIx64: at least width lower-case hexadecimal digits, zeros in front. */
char *fmt_hex_zpad(char *p, uint64_t v, unsigned width);

#endif
