/* roles: the access roles of SPEC 10, as a bit set. */
#ifndef OPTDESK_ROLES_H
#define OPTDESK_ROLES_H

enum role {
  ROLE_ADMIN = 1 << 0,
  ROLE_OPERATOR = 1 << 1,
  ROLE_ORACLE = 1 << 2,
  ROLE_MAKER = 1 << 3,
  ROLE_BUYER = 1 << 4,
  ROLE_DEPOSITOR = 1 << 5,
  ROLE_REPORTER = 1 << 6,
};
#define ROLE_COUNT 7
#define ROLE_NONE 0          /* route needs no authentication */
#define ROLE_ANY (1 << 30)   /* any authenticated account */

/* "admin" -> ROLE_ADMIN; 0 for an unknown name. */
int role_from_name(const char *name);
const char *role_name(int single_role);
/* Parses "admin,reporter" into a set; -1 on an unknown name. */
int roles_parse_csv(const char *csv);
/* Writes "admin,reporter" for a set into buf. */
void roles_to_csv(int roles, char *buf, int cap);

#endif
