/* test_crypto_master_key: the master key from the environment, or created/read/refused in a file. */
#include "crypto_status.h"
#include "master_key.h"
#include "testlib.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char key_hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F";

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

/* A fresh private directory under /tmp; "" if mkdtemp failed. */
static void make_tmp(char *dir, size_t cap) {
  snprintf(dir, cap, "/tmp/optdesk-test-crypto-XXXXXX");
  if (!mkdtemp(dir)) dir[0] = '\0';
}

static void remove_tree(const char *dir) {
  if (dir[0]) (void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *content, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;
  if (write(fd, content, strlen(content)) != (ssize_t)strlen(content)) fprintf(stderr, "short\n");
  close(fd);
  if (chmod(path, mode) != 0) fprintf(stderr, "chmod failed\n");
}

static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

TEST(master_key_env_valid) {
  uint8_t key[CRYPTO_MASTER_KEY_LEN];
  enum crypto_master_key_source src = 0;
  char err[256] = "";
  CHECK_INT_EQ(crypto_master_key_load(key_hex, NULL, key, &src, err, sizeof err), CRYPTO_OK);
  CHECK_INT_EQ(src, CRYPTO_MASTER_KEY_FROM_ENV);
  for (int i = 0; i < CRYPTO_MASTER_KEY_LEN; i++) CHECK_INT_EQ(key[i], i);
}

TEST(master_key_env_invalid) {
  uint8_t key[CRYPTO_MASTER_KEY_LEN];
  memset(key, 0x5a, sizeof key);
  enum crypto_master_key_source src = 0;
  char err[256] = "";
  char short63[64];
  memcpy(short63, key_hex, 63);
  short63[63] = '\0';
  CHECK_INT_EQ(crypto_master_key_load(short63, "/nonexistent", key, &src, err, sizeof err),
               CRYPTO_ESYNTAX);
  CHECK(strstr(err, "OPTDESK_MASTER_KEY") != NULL);
  CHECK(strstr(err, short63) == NULL); /* the value is never echoed */
  CHECK(strstr(err, "63") != NULL);

  char nonhex[65];
  memcpy(nonhex, key_hex, 65);
  nonhex[40] = 'g';
  err[0] = '\0';
  CHECK_INT_EQ(crypto_master_key_load(nonhex, NULL, key, &src, err, sizeof err),
               CRYPTO_ESYNTAX);
  CHECK(strstr(err, "OPTDESK_MASTER_KEY") != NULL);
  CHECK(strstr(err, nonhex) == NULL);

  char long65[66];
  memcpy(long65, key_hex, 64);
  long65[64] = 'a';
  long65[65] = '\0';
  CHECK_INT_EQ(crypto_master_key_load(long65, NULL, key, &src, err, sizeof err),
               CRYPTO_ESYNTAX);
  CHECK_INT_EQ(crypto_master_key_load("", NULL, key, &src, err, sizeof err), CRYPTO_ESYNTAX);
  CHECK_INT_EQ(crypto_master_key_load(" 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", NULL, key, &src, err, sizeof err), CRYPTO_ESYNTAX);

  for (int i = 0; i < CRYPTO_MASTER_KEY_LEN; i++) CHECK_INT_EQ(key[i], 0x5a); /* untouched */
  CHECK_INT_EQ(src, 0);
}

TEST(master_key_file_created_then_read_back) {
  char tmp[64], data_dir[128], path[160];
  make_tmp(tmp, sizeof tmp);
  REQUIRE(tmp[0]);
  snprintf(data_dir, sizeof data_dir, "%s/nested/data", tmp); /* missing parents too */
  snprintf(path, sizeof path, "%s/master.key", data_dir);
  mode_t old_mask = umask(0); /* a permissive umask must not loosen the file */

  uint8_t first[CRYPTO_MASTER_KEY_LEN], second[CRYPTO_MASTER_KEY_LEN];
  enum crypto_master_key_source src = 0;
  char err[256] = "";
  int rc = crypto_master_key_load(NULL, data_dir, first, &src, err, sizeof err);
  umask(old_mask);
  if (rc != CRYPTO_OK) fprintf(stderr, "load: %s\n", err);
  CHECK_INT_EQ(rc, CRYPTO_OK);
  CHECK_INT_EQ(src, CRYPTO_MASTER_KEY_CREATED);

  struct stat st;
  CHECK_INT_EQ(stat(path, &st), 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK_INT_EQ(st.st_mode & 07777, 0600);
  CHECK_INT_EQ(st.st_size, 65);
  CHECK_INT_EQ(stat(data_dir, &st), 0);
  CHECK_INT_EQ(st.st_mode & 07777, 0700);
  CHECK_INT_EQ(count_entries(data_dir), 1); /* no temp file left behind */

  /* The file holds the key as 64 lowercase hex chars and a newline. */
  char content[80] = "";
  FILE *f = fopen(path, "r");
  REQUIRE(f);
  size_t got = fread(content, 1, sizeof content - 1, f);
  fclose(f);
  CHECK_INT_EQ(got, 65);
  CHECK_INT_EQ(strspn(content, "0123456789abcdef"), 64);
  CHECK_INT_EQ(content[64], '\n');
  char expect[65];
  for (int i = 0; i < 32; i++) snprintf(expect + 2 * i, 3, "%02x", first[i]);
  CHECK(strncmp(content, expect, 64) == 0);

  src = 0;
  CHECK_INT_EQ(crypto_master_key_load(NULL, data_dir, second, &src, err, sizeof err),
               CRYPTO_OK);
  CHECK_INT_EQ(src, CRYPTO_MASTER_KEY_FROM_FILE);
  CHECK(memcmp(first, second, sizeof first) == 0);
  remove_tree(tmp);
}

TEST(master_key_concurrent_creators_agree) {
  /* Several processes start at once on an empty data dir: one key file wins, and every
   * process ends up with its key (no one replaces a file another already published). */
  enum { NPROC = 8 };
  char tmp[64], data_dir[128];
  make_tmp(tmp, sizeof tmp);
  REQUIRE(tmp[0]);
  snprintf(data_dir, sizeof data_dir, "%s/data", tmp);
  int fds[NPROC][2];
  pid_t pids[NPROC];
  for (int p = 0; p < NPROC; p++) {
    REQUIRE(pipe(fds[p]) == 0);
    pids[p] = fork();
    REQUIRE(pids[p] >= 0);
    if (pids[p] == 0) {
      uint8_t key[CRYPTO_MASTER_KEY_LEN];
      int rc = crypto_master_key_load(NULL, data_dir, key, NULL, NULL, 0);
      ssize_t put = rc == CRYPTO_OK ? write(fds[p][1], key, sizeof key) : -1;
      _exit(put == (ssize_t)sizeof key ? 0 : 1);
    }
    close(fds[p][1]);
  }
  uint8_t keys[NPROC][CRYPTO_MASTER_KEY_LEN];
  for (int p = 0; p < NPROC; p++) {
    int status = 0;
    CHECK(read(fds[p][0], keys[p], sizeof keys[p]) == (ssize_t)sizeof keys[p]);
    close(fds[p][0]);
    CHECK(waitpid(pids[p], &status, 0) == pids[p]);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  uint8_t final_key[CRYPTO_MASTER_KEY_LEN];
  CHECK_INT_EQ(crypto_master_key_load(NULL, data_dir, final_key, NULL, NULL, 0), CRYPTO_OK);
  for (int p = 0; p < NPROC; p++) CHECK(memcmp(keys[p], final_key, sizeof final_key) == 0);
  CHECK_INT_EQ(count_entries(data_dir), 1);
  remove_tree(tmp);
}

TEST(master_key_file_0644_refused) {
  char tmp[64], path[128];
  make_tmp(tmp, sizeof tmp);
  REQUIRE(tmp[0]);
  snprintf(path, sizeof path, "%s/master.key", tmp);
  write_file(path, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", 0644);
  uint8_t key[CRYPTO_MASTER_KEY_LEN];
  memset(key, 0x5a, sizeof key);
  char err[256] = "";
  CHECK_INT_EQ(crypto_master_key_load(NULL, tmp, key, NULL, err, sizeof err), CRYPTO_EPERM);
  CHECK(strstr(err, path) != NULL);
  CHECK(strstr(err, "0644") != NULL);
  CHECK_INT_EQ(key[0], 0x5a);

  CHECK_INT_EQ(chmod(path, 0640), 0);
  CHECK_INT_EQ(crypto_master_key_load(NULL, tmp, key, NULL, err, sizeof err), CRYPTO_EPERM);
  CHECK_INT_EQ(chmod(path, 0602), 0);
  CHECK_INT_EQ(crypto_master_key_load(NULL, tmp, key, NULL, err, sizeof err), CRYPTO_EPERM);
  CHECK_INT_EQ(key[0], 0x5a);

  /* Tighter than 0600 is fine; the hand-written key is read as written. */
  CHECK_INT_EQ(chmod(path, 0400), 0);
  CHECK_INT_EQ(crypto_master_key_load(NULL, tmp, key, NULL, err, sizeof err), CRYPTO_OK);
  for (int i = 0; i < CRYPTO_MASTER_KEY_LEN; i++) CHECK_INT_EQ(key[i], i);
  remove_tree(tmp);
}

TEST(master_key_file_bad_content_refused) {
  char tmp[64], path[128];
  make_tmp(tmp, sizeof tmp);
  REQUIRE(tmp[0]);
  snprintf(path, sizeof path, "%s/master.key", tmp);
  uint8_t key[CRYPTO_MASTER_KEY_LEN];
  char err[256] = "";
  const char *bad[] = {
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n",    /* 63 */
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n\n", /* 2 newlines */
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fff",   /* 66 */
      "000102030405060708090a0b0c0d0e0f1011121314151617x8191a1b1c1d1e1f\n",   /* non-hex */
      "",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    write_file(path, bad[i], 0600);
    err[0] = '\0';
    CHECK_INT_EQ(crypto_master_key_load(NULL, tmp, key, NULL, err, sizeof err), CRYPTO_ESYNTAX);
    CHECK(strstr(err, path) != NULL);
  }
  /* Without the newline is fine. */
  write_file(path, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600);
  CHECK_INT_EQ(crypto_master_key_load(NULL, tmp, key, NULL, err, sizeof err), CRYPTO_OK);
  CHECK_INT_EQ(key[31], 31);
  /* A directory in its place is refused. */
  CHECK_INT_EQ(unlink(path), 0);
  CHECK_INT_EQ(mkdir(path, 0700), 0);
  CHECK_INT_EQ(crypto_master_key_load(NULL, tmp, key, NULL, err, sizeof err), CRYPTO_EPERM);
  CHECK(strstr(err, "not a regular file") != NULL);
  remove_tree(tmp);
}

TEST(master_key_env_wins_over_file) {
  char tmp[64];
  make_tmp(tmp, sizeof tmp);
  REQUIRE(tmp[0]);
  uint8_t key[CRYPTO_MASTER_KEY_LEN];
  enum crypto_master_key_source src = 0;
  CHECK_INT_EQ(crypto_master_key_load(key_hex, tmp, key, &src, NULL, 0), CRYPTO_OK);
  CHECK_INT_EQ(src, CRYPTO_MASTER_KEY_FROM_ENV);
  CHECK_INT_EQ(count_entries(tmp), 0); /* no file created */
  remove_tree(tmp);
}

TEST(master_key_needs_env_or_dir) {
  uint8_t key[CRYPTO_MASTER_KEY_LEN];
  char err[256] = "";
  CHECK_INT_EQ(crypto_master_key_load(NULL, NULL, key, NULL, err, sizeof err), CRYPTO_EINVAL);
  CHECK(strstr(err, "OPTDESK_MASTER_KEY") != NULL);
  CHECK_INT_EQ(crypto_master_key_load(NULL, "", key, NULL, err, sizeof err), CRYPTO_EINVAL);
  CHECK_INT_EQ(crypto_master_key_load(key_hex, NULL, NULL, NULL, err, sizeof err),
               CRYPTO_EINVAL);
}
