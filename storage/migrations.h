/* migrations: the numbered SQL files of migrations/, compiled in (see migrations/embed.cmake). */
#ifndef OPTDESK_MIGRATIONS_H
#define OPTDESK_MIGRATIONS_H

struct migration {
  const char *name; /* "0001_accounts.sql" */
  const char *sql;
};

/* Sorted by name, terminated by {0, 0}. */
extern const struct migration store_migrations[];

#endif
