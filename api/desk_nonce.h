/* desk_nonce: a maker's quote nonces are unique for ever (SPEC 4), in bounded memory. The
 * last DESK_NONCE_WINDOW nonces of each maker are remembered exactly; older ones are
 * forgotten, and a nonce at or below the highest forgotten one is refused as reused, so a
 * maker with increasing (time-based) nonces never notices the window. Engine thread only. */
#ifndef OPTDESK_DESK_NONCE_H
#define OPTDESK_DESK_NONCE_H

#define DESK_NONCE_WINDOW 4096

struct desk_nonces;

struct desk_nonces *desk_nonces_new(void);
void desk_nonces_free(struct desk_nonces *n); /* NULL: no-op */
/* 1 when the maker used this nonce (or one it cannot tell apart: at or below its floor). */
int desk_nonce_used(const struct desk_nonces *n, const char *maker, long long nonce);
/* Records a fresh nonce: 0, or -1 out of memory (nothing recorded). */
int desk_nonce_add(struct desk_nonces *n, const char *maker, long long nonce);

#endif
