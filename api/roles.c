/* roles: role names <-> bits. */
#include "roles.h"

#include <stdio.h>
#include <string.h>

static const char *const names[ROLE_COUNT] = {"admin", "operator", "oracle", "maker",
                                              "buyer", "depositor", "reporter"};

int role_from_name(const char *name) {
  for (int i = 0; i < ROLE_COUNT; i++)
    if (strcmp(name, names[i]) == 0) return 1 << i;
  return 0;
}

const char *role_name(int single_role) {
  for (int i = 0; i < ROLE_COUNT; i++)
    if (single_role == 1 << i) return names[i];
  return "?";
}

int roles_parse_csv(const char *csv) {
  int set = 0;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", csv);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int r = role_from_name(t);
    if (!r) return -1;
    set |= r;
  }
  return set;
}

void roles_to_csv(int roles, char *buf, int cap) {
  int n = 0;
  buf[0] = 0;
  for (int i = 0; i < ROLE_COUNT && n < cap; i++)
    if (roles & (1 << i)) n += snprintf(buf + n, (size_t)(cap - n), "%s%s", n ? "," : "", names[i]);
}
