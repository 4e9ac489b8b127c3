/* pricing common: status codes, option type and attributes shared by every pricing module.
 *
 * The pricing core is pure: no I/O, no clock (time is always an argument), no globals, no
 * allocation, no logging. Fallible functions return PRICING_OK (0) or a negative
 * enum pricing_status and write their outputs only on success. */
#ifndef OPTDESK_PRICING_COMMON_H
#define OPTDESK_PRICING_COMMON_H

#define PRICING_WUR __attribute__((warn_unused_result))

enum pricing_status {
  PRICING_OK = 0,
  PRICING_EDOMAIN = -1,     /* an argument outside its domain (S <= 0, sigma <= 0, NaN, ...) */
  PRICING_ELOW = -2,        /* implied vol: price at or below the lower bound (intrinsic) */
  PRICING_EHIGH = -3,       /* implied vol: price at or above the upper bound */
  PRICING_ENOCONVERGE = -4, /* an iterative method hit its iteration bound */
  PRICING_EINVALID = -5,    /* a validator refused its input; the reason is in *why */
  PRICING_ECAPACITY = -6,   /* caller's buffer too small */
  PRICING_ESYNTAX = -7,     /* text is not of the accepted form */
  PRICING_EOVERFLOW = -8,   /* a result does not fit its type */
};

enum pricing_option_type {
  PRICING_CALL = 0,
  PRICING_PUT = 1,
};

/* Stable lowercase name of a status ("domain", "below_lower_bound", ...). */
const char *pricing_strerror(int status);

#endif
