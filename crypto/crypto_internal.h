/* crypto_internal: helpers shared by the crypto library's own files; not part of its contract. */
#ifndef OPTDESK_CRYPTO_INTERNAL_H
#define OPTDESK_CRYPTO_INTERNAL_H

#include <stddef.h>

/* printf into the caller's error buffer; err == NULL or errcap == 0: no-op. */
void crypto_err_set(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "<what> failed: <oldest OpenSSL reason>" into the error buffer; always empties the calling
 * thread's OpenSSL error queue (stale entries there would confuse later TLS calls). */
void crypto_err_ossl(char *err, size_t errcap, const char *what);

#endif
