/* embedded_pg: the service's own PostgreSQL cluster when no DATABASE_URL is given.
 * Initialises `<data_dir>/pg` on first use (initdb), starts it listening only on a private
 * unix socket in `<data_dir>/pg/run`, creates the `optdesk` database, and stops it on
 * request. When run as root the cluster runs as the `postgres` user (initdb refuses root).
 * Binaries: $OPTDESK_PG_BINDIR, else the newest /usr/lib/postgresql/<N>/bin. */
#ifndef OPTDESK_EMBEDDED_PG_H
#define OPTDESK_EMBEDDED_PG_H

#include <stddef.h>

struct embedded_pg;

/* Starts (initialising first when needed) and fills `conninfo` with a libpq connection
 * string for the optdesk database. Returns 0, or -1 with a message in err. */
__attribute__((warn_unused_result)) int embedded_pg_start(const char *data_dir, char *conninfo,
                                                          size_t conninfo_cap, char *err,
                                                          size_t errcap,
                                                          struct embedded_pg **out);
/* Stops the cluster (fast shutdown) and frees; NULL is a no-op. */
void embedded_pg_stop(struct embedded_pg *pg);

#endif
