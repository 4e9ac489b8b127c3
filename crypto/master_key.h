/* master_key: the 32-byte master key for secrets at rest, from OPTDESK_MASTER_KEY or <data_dir>/master.key.
 *
 * SPEC 10: the master key lives outside the database, in $OPTDESK_DATA_DIR (mode 0600) or
 * in an environment variable. The caller passes getenv(CRYPTO_MASTER_KEY_ENV) and the data
 * directory, so this reads no environment itself and is testable. */
#ifndef OPTDESK_CRYPTO_MASTER_KEY_H
#define OPTDESK_CRYPTO_MASTER_KEY_H

#include "crypto_status.h"

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_MASTER_KEY_LEN 32
#define CRYPTO_MASTER_KEY_ENV "OPTDESK_MASTER_KEY"
#define CRYPTO_MASTER_KEY_FILE "master.key"

/* Where crypto_master_key_load found the key (for the caller's log line). */
enum crypto_master_key_source {
  CRYPTO_MASTER_KEY_FROM_ENV = 1,  /* the environment value */
  CRYPTO_MASTER_KEY_FROM_FILE = 2, /* an existing <data_dir>/master.key */
  CRYPTO_MASTER_KEY_CREATED = 3,   /* a fresh random key just written to <data_dir>/master.key */
};

/* Fills key with the master key.
 * - env_value != NULL (the variable is set, even to ""): it must be exactly 64 hex chars
 *   (either case), else ESYNTAX with a message naming OPTDESK_MASTER_KEY. The file is then
 *   neither read nor created, and data_dir may be NULL.
 * - otherwise <data_dir>/master.key: 64 hex chars and an optional "\n" (else ESYNTAX naming
 *   the file). A file that is not regular, or whose mode has any group/other bit, is refused
 *   with EPERM naming the file. If the file is missing, data_dir (and missing parents) is
 *   created with mode 0700, and a fresh random key written atomically: a temp file opened
 *   O_CREAT|O_EXCL with mode 0600, fsync, then renamed into place without replacing a file
 *   another process may have created meanwhile (whose key is then used), and the directory
 *   is fsynced. EIO names the path and the system error; EINVAL: data_dir NULL or empty
 *   with no env value, or a path longer than PATH_MAX; ERANDOM.
 * Messages never contain key material. source may be NULL. key and *source untouched on
 * failure. */
CRYPTO_WUR int crypto_master_key_load(const char *env_value, const char *data_dir,
                                      uint8_t key[CRYPTO_MASTER_KEY_LEN],
                                      enum crypto_master_key_source *source, char *err,
                                      size_t errcap);

#endif
