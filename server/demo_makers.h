/* demo_makers: `optdesk demo` runs the three reference makers (tools/reference_maker.py,
 * Debian's python3) as child processes against its own listeners, and stops them at
 * shutdown. The tools folder is $OPTDESK_TOOLS_DIR, else the source tree's; the interpreter
 * $OPTDESK_PYTHON, else /usr/bin/python3. */
#ifndef OPTDESK_DEMO_MAKERS_H
#define OPTDESK_DEMO_MAKERS_H

#include <sys/types.h>

#include "app.h"

struct demo_makers {
  pid_t pid[3];
  int n;
};

/* Starts what it can; logs each start or failure. */
void demo_makers_start(struct app *app, struct demo_makers *m);
/* SIGTERM, then waits for each (NULL or none started: no-op). */
void demo_makers_stop(struct demo_makers *m);

#endif
