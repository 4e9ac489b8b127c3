/* Corpus replay: feeds files and directories named on the command line to a libFuzzer
 * harness's LLVMFuzzerTestOneInput, so corpora run as ordinary tests without libFuzzer.
 * Link it with any harness: `replay <dir-or-file>...`; directories are walked recursively in
 * name order, dot-files skipped. Exits 1 when an argument cannot be read or nothing was run. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a harness, as with libFuzzer. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

struct replay_stats {
  unsigned long inputs;
  unsigned long errors;
};

static void replay_error(struct replay_stats *st, const char *path, const char *what) {
  fprintf(stderr, "replay: %s: %s: %s\n", path, what, strerror(errno));
  st->errors++;
}

static void replay_file(const char *path, struct replay_stats *st) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    replay_error(st, path, "open");
    return;
  }
  uint8_t *data = NULL;
  size_t size = 0, cap = 0;
  for (;;) {
    if (size == cap) {
      size_t ncap = cap ? cap * 2 : 4096;
      uint8_t *n = realloc(data, ncap);
      if (!n) {
        replay_error(st, path, "realloc");
        free(data);
        fclose(f);
        return;
      }
      data = n, cap = ncap;
    }
    size_t got = fread(data + size, 1, cap - size, f);
    size += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    replay_error(st, path, "read");
    free(data);
    return;
  }
  /* An exact-size copy, so a sanitizer catches any read past the input. */
  uint8_t *exact = malloc(size ? size : 1);
  if (!exact) {
    replay_error(st, path, "malloc");
    free(data);
    return;
  }
  if (size) memcpy(exact, data, size);
  free(data);
  printf("replay: %s (%zu bytes)\n", path, size);
  fflush(stdout);
  LLVMFuzzerTestOneInput(exact, size);
  free(exact);
  st->inputs++;
}

static void replay_path(const char *path, struct replay_stats *st);

static void replay_dir(const char *path, struct replay_stats *st) {
  struct dirent **names;
  int n = scandir(path, &names, NULL, alphasort);
  if (n < 0) {
    replay_error(st, path, "scandir");
    return;
  }
  for (int i = 0; i < n; i++) {
    if (names[i]->d_name[0] != '.') {
      size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
      char *child = malloc(len);
      if (child) {
        snprintf(child, len, "%s/%s", path, names[i]->d_name);
        replay_path(child, st);
        free(child);
      } else {
        replay_error(st, path, "malloc");
      }
    }
    free(names[i]);
  }
  free(names);
}

static void replay_path(const char *path, struct replay_stats *st) {
  struct stat sb;
  if (stat(path, &sb) != 0) {
    replay_error(st, path, "stat");
    return;
  }
  if (S_ISDIR(sb.st_mode))
    replay_dir(path, st);
  else if (S_ISREG(sb.st_mode))
    replay_file(path, st);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <corpus dir or file>...\n", argv[0]);
    return 2;
  }
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  struct replay_stats st = {0, 0};
  for (int i = 1; i < argc; i++) replay_path(argv[i], &st);
  printf("replay: %lu inputs, %lu errors\n", st.inputs, st.errors);
  if (st.inputs == 0) fprintf(stderr, "replay: no inputs found\n");
  return st.errors || st.inputs == 0 ? 1 : 0;
}
