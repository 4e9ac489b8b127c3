/* crypto_status: status names and the error-buffer helpers shared by the crypto library. */
#include "crypto_status.h"

#include "crypto_internal.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>

const char *crypto_strerror(int status) {
  switch (status) {
  case CRYPTO_OK: return "ok";
  case CRYPTO_EINVAL: return "invalid argument";
  case CRYPTO_EBUFFER: return "buffer too small";
  case CRYPTO_ENOMEM: return "out of memory";
  case CRYPTO_ELIB: return "openssl failure";
  case CRYPTO_ERANDOM: return "random generator failure";
  case CRYPTO_ESYNTAX: return "syntax";
  case CRYPTO_EVERSION: return "unknown version";
  case CRYPTO_ETRUNCATED: return "truncated";
  case CRYPTO_EAUTH: return "authentication failed";
  case CRYPTO_EIO: return "i/o error";
  case CRYPTO_EPERM: return "permissions";
  }
  return "unknown";
}

void crypto_err_set(char *err, size_t errcap, const char *fmt, ...) {
  if (!err || errcap == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errcap, fmt, ap);
  va_end(ap);
}

void crypto_err_ossl(char *err, size_t errcap, const char *what) {
  unsigned long code = ERR_get_error();
  char reason[256] = "no detail from openssl";
  if (code) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  crypto_err_set(err, errcap, "%s failed: %s", what, reason);
}
