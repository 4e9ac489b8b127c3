/* testlib runner: registration, failure reporting, main. */
#include "testlib.h"

#include <stdarg.h>
#include <stdlib.h>

#define TESTLIB_MAX 1024

static struct { const char *name; testlib_fn fn; } cases[TESTLIB_MAX];
static int ncases;
static int current_failed;
static const char *current_name;

void testlib_register(const char *name, testlib_fn fn) {
  if (ncases == TESTLIB_MAX) {
    fprintf(stderr, "testlib: too many cases\n");
    exit(2);
  }
  cases[ncases].name = name;
  cases[ncases].fn = fn;
  ncases++;
}

void testlib_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "FAIL %s: %s:%d: ", current_name ? current_name : "?", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  current_failed = 1;
}

static const char *fmt_u128(unsigned __int128 v, int neg) {
  static char bufs[8][48];
  static int next;
  char *b = bufs[next++ & 7];
  char tmp[48];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  int k = 0;
  if (neg) b[k++] = '-';
  while (n) b[k++] = tmp[--n];
  b[k] = 0;
  return b;
}

const char *testlib_u128(unsigned __int128 v) { return fmt_u128(v, 0); }

const char *testlib_i128(__int128 v) {
  if (v >= 0) return fmt_u128((unsigned __int128)v, 0);
  return fmt_u128((unsigned __int128)0 - (unsigned __int128)v, 1);
}

static int run_case(int i) {
  current_name = cases[i].name;
  current_failed = 0;
  cases[i].fn();
  printf("%s %s\n", current_failed ? "FAIL" : "ok  ", cases[i].name);
  fflush(stdout);
  return !current_failed;
}

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    for (int i = 0; i < ncases; i++) printf("%s\n", cases[i].name);
    return 0;
  }
  for (int a = 1; a < argc; a++) {
    int found = 0;
    for (int i = 0; i < ncases; i++)
      if (strcmp(cases[i].name, argv[a]) == 0) {
        found = 1;
        if (run_case(i)) passed++; else failed++;
      }
    if (!found) {
      fprintf(stderr, "testlib: no case named %s\n", argv[a]);
      failed++;
    }
  }
  if (argc == 1)
    for (int i = 0; i < ncases; i++) {
      if (run_case(i)) passed++; else failed++;
    }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
