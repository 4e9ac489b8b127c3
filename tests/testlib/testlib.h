/* testlib: a tiny unit-test runner. One binary holds many TEST(name) cases; CMake registers
 * each as its own ctest test (cmake/optdesk_test.cmake). Run with no argument: all cases,
 * then a closing "N passed, N failed" line. Run with case names: only those. */
#ifndef OPTDESK_TESTLIB_H
#define OPTDESK_TESTLIB_H

#include <stdio.h>
#include <string.h>

typedef void (*testlib_fn)(void);
void testlib_register(const char *name, testlib_fn fn);
void testlib_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Decimal text of an unsigned / signed 128-bit value, in a rotating static buffer. */
const char *testlib_u128(unsigned __int128 v);
const char *testlib_i128(__int128 v);

#define TEST(name)                                                                      \
  static void test_##name(void);                                                        \
  __attribute__((constructor)) static void testlib_reg_##name(void) {                   \
    testlib_register(#name, test_##name);                                               \
  }                                                                                     \
  static void test_##name(void)

/* CHECK*: record a failure and go on. REQUIRE: record and leave the case. */
#define CHECK(c)                                                                        \
  do { if (!(c)) testlib_fail(__FILE__, __LINE__, "CHECK(%s)", #c); } while (0)
#define REQUIRE(c)                                                                      \
  do { if (!(c)) { testlib_fail(__FILE__, __LINE__, "REQUIRE(%s)", #c); return; } } while (0)
#define CHECK_INT_EQ(a, b)                                                              \
  do { long long a_ = (long long)(a), b_ = (long long)(b);                              \
       if (a_ != b_) testlib_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); \
  } while (0)
#define CHECK_U128_EQ(a, b)                                                             \
  do { unsigned __int128 a_ = (a), b_ = (b);                                            \
       if (a_ != b_) testlib_fail(__FILE__, __LINE__, "%s == %s: %s != %s", #a, #b,       \
                                  testlib_u128(a_), testlib_u128(b_)); } while (0)
#define CHECK_I128_EQ(a, b)                                                             \
  do { __int128 a_ = (a), b_ = (b);                                                     \
       if (a_ != b_) testlib_fail(__FILE__, __LINE__, "%s == %s: %s != %s", #a, #b,       \
                                  testlib_i128(a_), testlib_i128(b_)); } while (0)
#define CHECK_STR_EQ(a, b)                                                              \
  do { const char *a_ = (a), *b_ = (b);                                                 \
       if (!a_ || !b_ || strcmp(a_, b_) != 0)                                           \
         testlib_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,         \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define CHECK_NEAR(a, b, tol)                                                           \
  do { double a_ = (a), b_ = (b), t_ = (tol);                                           \
       if (!(a_ - b_ <= t_ && b_ - a_ <= t_))                                           \
         testlib_fail(__FILE__, __LINE__, "%s ~ %s: %.17g vs %.17g (tol %g)", #a, #b,   \
                      a_, b_, t_); } while (0)

#endif
