/* master_key: the 32-byte master key for secrets at rest, from OPTDESK_MASTER_KEY or <data_dir>/master.key. */
#include "master_key.h"

#include "crypto_internal.h"
#include "hex.h"
#include "random.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEX_LEN (2 * CRYPTO_MASTER_KEY_LEN)
/* Internal outcomes of the file steps, positive so they never look like a status. */
#define KEYFILE_MISSING 1
#define KEYFILE_LOST_RACE 2

static int from_env(const char *value, uint8_t key[CRYPTO_MASTER_KEY_LEN], char *err,
                    size_t errcap) {
  uint8_t tmp[CRYPTO_MASTER_KEY_LEN];
  size_t len = strnlen(value, HEX_LEN + 1);
  int rc = CRYPTO_ESYNTAX;
  if (len != HEX_LEN) {
    crypto_err_set(err, errcap, "%s must be exactly %d hex characters, it has %s%zu",
                   CRYPTO_MASTER_KEY_ENV, HEX_LEN, len > HEX_LEN ? "more than " : "",
                   len > HEX_LEN ? (size_t)HEX_LEN : len);
  } else if (crypto_hex_decode(value, HEX_LEN, tmp, sizeof tmp, NULL) != CRYPTO_OK) {
    crypto_err_set(err, errcap, "%s must be exactly %d hex characters, it has a non-hex one",
                   CRYPTO_MASTER_KEY_ENV, HEX_LEN);
  } else {
    memcpy(key, tmp, sizeof tmp);
    rc = CRYPTO_OK;
  }
  OPENSSL_cleanse(tmp, sizeof tmp);
  return rc;
}

/* Reads an existing key file; KEYFILE_MISSING when there is none. */
static int read_key_file(const char *path, uint8_t key[CRYPTO_MASTER_KEY_LEN], char *err,
                         size_t errcap) {
  char buf[HEX_LEN + 2]; /* one byte more than the longest valid content */
  uint8_t tmp[CRYPTO_MASTER_KEY_LEN];
  size_t total = 0;
  struct stat st;
  int rc = CRYPTO_EIO;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) return KEYFILE_MISSING;
    crypto_err_set(err, errcap, "cannot open master key file %s: %s", path, strerror(errno));
    return CRYPTO_EIO;
  }
  if (fstat(fd, &st) != 0) {
    crypto_err_set(err, errcap, "cannot stat master key file %s: %s", path, strerror(errno));
    goto cleanup;
  }
  if (!S_ISREG(st.st_mode)) {
    crypto_err_set(err, errcap, "master key file %s is not a regular file", path);
    rc = CRYPTO_EPERM;
    goto cleanup;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    crypto_err_set(err, errcap,
                   "master key file %s has mode %04o, open to group or others; refusing it "
                   "(run: chmod 600 %s)",
                   path, (unsigned)(st.st_mode & 07777), path);
    rc = CRYPTO_EPERM;
    goto cleanup;
  }
  while (total < sizeof buf) {
    ssize_t got = read(fd, buf + total, sizeof buf - total);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      crypto_err_set(err, errcap, "cannot read master key file %s: %s", path, strerror(errno));
      goto cleanup;
    }
    if (got == 0) break;
    total += (size_t)got;
  }
  rc = CRYPTO_ESYNTAX;
  if (!(total == HEX_LEN || (total == HEX_LEN + 1 && buf[HEX_LEN] == '\n')) ||
      crypto_hex_decode(buf, HEX_LEN, tmp, sizeof tmp, NULL) != CRYPTO_OK) {
    crypto_err_set(err, errcap,
                   "master key file %s must hold exactly %d hex characters and an optional "
                   "newline",
                   path, HEX_LEN);
    goto cleanup;
  }
  memcpy(key, tmp, sizeof tmp);
  rc = CRYPTO_OK;
cleanup:
  OPENSSL_cleanse(buf, sizeof buf);
  OPENSSL_cleanse(tmp, sizeof tmp);
  close(fd);
  return rc;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int make_dirs(const char *dir, char *err, size_t errcap) {
  char buf[PATH_MAX];
  size_t len = strlen(dir);
  if (len >= sizeof buf) {
    crypto_err_set(err, errcap, "data directory path too long");
    return CRYPTO_EINVAL;
  }
  memcpy(buf, dir, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char saved = buf[i];
    buf[i] = '\0';
    if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
      crypto_err_set(err, errcap, "cannot create data directory %s: %s", buf, strerror(errno));
      return CRYPTO_EIO;
    }
    buf[i] = saved;
  }
  return CRYPTO_OK;
}

static int write_all(int fd, const char *p, size_t len) {
  while (len) {
    ssize_t put = write(fd, p, len);
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) return -1;
    p += put;
    len -= (size_t)put;
  }
  return 0;
}

/* Moves tmp to path unless path exists; KEYFILE_LOST_RACE if it does. Sets errno on -1. */
static int publish(const char *tmp, const char *path) {
  if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) return 0;
  if (errno == EEXIST) return KEYFILE_LOST_RACE;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  /* File system without RENAME_NOREPLACE: link() refuses to replace as well. */
  if (link(tmp, path) != 0) return errno == EEXIST ? KEYFILE_LOST_RACE : -1;
  (void)unlink(tmp);
  return 0;
}

static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

/* Creates the key file with a fresh key; KEYFILE_LOST_RACE if another process won. */
static int create_key_file(const char *dir, const char *path,
                           uint8_t key[CRYPTO_MASTER_KEY_LEN], char *err, size_t errcap) {
  uint8_t fresh[CRYPTO_MASTER_KEY_LEN];
  char text[HEX_LEN + 2];
  char suffix[CRYPTO_TOKEN_HEX_SIZE(8)];
  char tmp[PATH_MAX];
  int fd = -1, created = 0, published = 0, closed, pub;
  int rc = make_dirs(dir, err, errcap);
  if (rc != CRYPTO_OK) return rc;
  rc = crypto_random_bytes(fresh, sizeof fresh);
  if (rc == CRYPTO_OK) rc = crypto_random_hex(8, suffix, sizeof suffix);
  if (rc != CRYPTO_OK) {
    crypto_err_set(err, errcap, "random generator failed making the master key");
    goto cleanup;
  }
  if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.%s.tmp", dir, CRYPTO_MASTER_KEY_FILE,
                       suffix) >= sizeof tmp) {
    crypto_err_set(err, errcap, "data directory path too long");
    rc = CRYPTO_EINVAL;
    goto cleanup;
  }
  crypto_hex_encode(fresh, sizeof fresh, text);
  text[HEX_LEN] = '\n';
  rc = CRYPTO_EIO;
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    crypto_err_set(err, errcap, "cannot create %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  created = 1;
  if (write_all(fd, text, HEX_LEN + 1) != 0 || fsync(fd) != 0) {
    crypto_err_set(err, errcap, "cannot write %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  closed = close(fd);
  fd = -1;
  if (closed != 0) {
    crypto_err_set(err, errcap, "cannot write %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  pub = publish(tmp, path);
  if (pub == KEYFILE_LOST_RACE) {
    rc = KEYFILE_LOST_RACE;
    goto cleanup;
  }
  if (pub != 0) {
    crypto_err_set(err, errcap, "cannot move %s to %s: %s", tmp, path, strerror(errno));
    goto cleanup;
  }
  published = 1;
  if (fsync_dir(dir) != 0) {
    crypto_err_set(err, errcap, "cannot fsync data directory %s: %s", dir, strerror(errno));
    goto cleanup;
  }
  memcpy(key, fresh, sizeof fresh);
  rc = CRYPTO_OK;
cleanup:
  if (fd >= 0) close(fd);
  if (created && !published) (void)unlink(tmp);
  OPENSSL_cleanse(fresh, sizeof fresh);
  OPENSSL_cleanse(text, sizeof text);
  return rc;
}

int crypto_master_key_load(const char *env_value, const char *data_dir,
                           uint8_t key[CRYPTO_MASTER_KEY_LEN],
                           enum crypto_master_key_source *source, char *err, size_t errcap) {
  if (!key) return CRYPTO_EINVAL;
  if (env_value) {
    int rc = from_env(env_value, key, err, errcap);
    if (rc == CRYPTO_OK && source) *source = CRYPTO_MASTER_KEY_FROM_ENV;
    return rc;
  }
  if (!data_dir || !*data_dir) {
    crypto_err_set(err, errcap, "%s is not set and no data directory was given for %s",
                   CRYPTO_MASTER_KEY_ENV, CRYPTO_MASTER_KEY_FILE);
    return CRYPTO_EINVAL;
  }
  char path[PATH_MAX];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", data_dir, CRYPTO_MASTER_KEY_FILE) >=
      sizeof path) {
    crypto_err_set(err, errcap, "data directory path too long");
    return CRYPTO_EINVAL;
  }
  /* A second round only when another process created the file between our read and our
   * publish: then its key is the one to use. */
  for (int round = 0; round < 2; round++) {
    int rc = read_key_file(path, key, err, errcap);
    if (rc == CRYPTO_OK && source) *source = CRYPTO_MASTER_KEY_FROM_FILE;
    if (rc != KEYFILE_MISSING) return rc;
    rc = create_key_file(data_dir, path, key, err, errcap);
    if (rc == CRYPTO_OK && source) *source = CRYPTO_MASTER_KEY_CREATED;
    if (rc != KEYFILE_LOST_RACE) return rc;
  }
  crypto_err_set(err, errcap, "master key file %s keeps appearing and vanishing", path);
  return CRYPTO_EIO;
}
