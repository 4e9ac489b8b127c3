/* money: fixed-point amounts in integer base units (SPEC 2).
 *
 * An amount is an unsigned 128-bit count of base units (signed 128-bit for cash balances
 * that may go negative). The asset's decimals say where the decimal point is: 1.5 USDC
 * (6 decimals) is 1500000. Every operation is checked: overflow, underflow, division by
 * zero and excess precision are errors, never a wrap. Every division names its rounding.
 * Pure: no I/O, no globals, no allocation. Functions return MONEY_OK (0) or a negative
 * enum money_status; outputs are written only on success. */
#ifndef OPTDESK_MONEY_H
#define OPTDESK_MONEY_H

#include <stddef.h>

typedef unsigned __int128 money_u128;
typedef __int128 money_i128;

#define MONEY_U128_MAX (~(money_u128)0)
#define MONEY_I128_MAX ((money_i128)(MONEY_U128_MAX >> 1))
#define MONEY_I128_MIN (-MONEY_I128_MAX - 1)
#define MONEY_MAX_DECIMALS 38
/* Longest text money_format_* can write, with the terminating NUL ("-" + 39 digits + "."). */
#define MONEY_FMT_MAX 48

#define MONEY_WUR __attribute__((warn_unused_result))

enum money_status {
  MONEY_OK = 0,
  MONEY_EOVERFLOW = -1,  /* result does not fit (includes unsigned underflow) */
  MONEY_EDIVZERO = -2,   /* division by zero */
  MONEY_ESYNTAX = -3,    /* text is not a decimal number of the accepted form */
  MONEY_EPRECISION = -4, /* more fractional digits than the asset's decimals */
  MONEY_ERANGE = -5,     /* an argument outside its domain (decimals > 38, negative where not allowed) */
  MONEY_EBUFFER = -6,    /* output buffer too small */
};

/* Stable lowercase name of a status ("overflow", "syntax", ...), for error messages. */
const char *money_strerror(int status);

/* Checked unsigned arithmetic. */
MONEY_WUR int money_add(money_u128 a, money_u128 b, money_u128 *out);
MONEY_WUR int money_sub(money_u128 a, money_u128 b, money_u128 *out); /* a < b: EOVERFLOW */
MONEY_WUR int money_mul(money_u128 a, money_u128 b, money_u128 *out);

/* Checked signed arithmetic. */
MONEY_WUR int money_iadd(money_i128 a, money_i128 b, money_i128 *out);
MONEY_WUR int money_isub(money_i128 a, money_i128 b, money_i128 *out);
/* Signed <-> unsigned, checked (negative to unsigned, or > I128_MAX to signed: EOVERFLOW). */
MONEY_WUR int money_to_signed(money_u128 a, money_i128 *out);
MONEY_WUR int money_to_unsigned(money_i128 a, money_u128 *out);

/* x*y/d with a 256-bit intermediate. _down rounds toward zero, _up away from zero.
 * d == 0: EDIVZERO; a quotient above 2^128-1: EOVERFLOW. */
MONEY_WUR int money_muldiv_down(money_u128 x, money_u128 y, money_u128 d, money_u128 *out);
MONEY_WUR int money_muldiv_up(money_u128 x, money_u128 y, money_u128 d, money_u128 *out);

/* 10^n for n <= 38; otherwise ERANGE. */
MONEY_WUR int money_pow10(unsigned n, money_u128 *out);

/* Exact decimal text -> base units. Accepted form: digits, optionally '.' and at least one
 * digit ("0", "1.5", "56000", "0.000001", "007" too); for the signed parser an optional
 * leading '-'. No '+', spaces, exponents, or empty parts (".5", "5." are ESYNTAX).
 * More fractional digits than `decimals` is EPRECISION (even if they are zeros); a value
 * above the type's range is EOVERFLOW. `len` is the text length (no NUL needed); texts
 * longer than 100 characters are ESYNTAX. */
MONEY_WUR int money_parse(const char *s, size_t len, unsigned decimals, money_u128 *out);
MONEY_WUR int money_parse_signed(const char *s, size_t len, unsigned decimals, money_i128 *out);

/* Base units -> shortest exact decimal text: no trailing fractional zeros, no '.' for whole
 * numbers ("1.5", "56000", "0.000001", "0", "-2.25"). Writes a NUL-terminated string into
 * buf (cap >= MONEY_FMT_MAX always suffices); returns the length written, or EBUFFER. */
MONEY_WUR int money_format(money_u128 v, unsigned decimals, char *buf, size_t cap);
MONEY_WUR int money_format_signed(money_i128 v, unsigned decimals, char *buf, size_t cap);

#endif
