/* demo: what `optdesk demo` adds to the service (issue 7): three maker accounts and a
 * depositor whose 20 LBTC sit in the first covered put spread vault, created once (their
 * credentials written to <data_dir>/demo/, mode 0600), so the cycle has collateral to sell
 * and the reference makers have keys to quote with. */
#ifndef OPTDESK_DEMO_H
#define OPTDESK_DEMO_H

#include <stddef.h>

#include "app.h"

struct db;

#define DEMO_MAKERS 3

/* Idempotent: a second start finds the accounts and files. 0, or -1 with err. */
int demo_setup(struct app *app, struct db *db, char *err, size_t errcap);

/* <data_dir>/demo/maker-<n>.json, n in 1..DEMO_MAKERS. */
void demo_maker_creds_path(const struct app *app, int n, char *buf, size_t cap);

#endif
