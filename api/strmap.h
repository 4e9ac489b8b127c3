/* strmap: a string-keyed hash map (open addressing) of borrowed values. Keys are copied.
 * Not thread-safe: its owner locks or confines it. */
#ifndef OPTDESK_STRMAP_H
#define OPTDESK_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(void);
void strmap_free(struct strmap *m); /* frees keys, not values */
/* Inserts or replaces; returns 0, or -1 out of memory. */
int strmap_put(struct strmap *m, const char *key, void *value);
void *strmap_get(const struct strmap *m, const char *key);
/* Removes the key and returns its value (NULL if absent). */
void *strmap_del(struct strmap *m, const char *key);
size_t strmap_count(const struct strmap *m);
/* Calls fn for each entry; fn may not modify the map. */
void strmap_each(const struct strmap *m, void (*fn)(const char *key, void *value, void *arg),
                 void *arg);

#endif
