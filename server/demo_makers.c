/* demo_makers: the demo's reference makers as child processes (see the header). */
#include "demo_makers.h"

#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"
#include "log.h"

#ifndef OPTDESK_SOURCE_DIR
#define OPTDESK_SOURCE_DIR "."
#endif

extern char **environ;

void demo_makers_start(struct app *app, struct demo_makers *m) {
  memset(m, 0, sizeof *m);
  const char *tools = getenv("OPTDESK_TOOLS_DIR");
  /* Debian's python3 has python3-websockets (tools/install-deps.sh); another python3 on
   * PATH may not */
  const char *python = getenv("OPTDESK_PYTHON");
  if (!python || !*python) python = "/usr/bin/python3";
  char script[600], http[96], ws[96];
  snprintf(script, sizeof script, "%s/reference_maker.py", tools && *tools ? tools : OPTDESK_SOURCE_DIR "/tools");
  snprintf(http, sizeof http, "http://%s:%d", app->config->http.host, app->config->http.port);
  snprintf(ws, sizeof ws, "ws://%s:%d/ws", app->config->ws.host, app->config->ws.port);
  /* three makers at different edges: the tightest wins each lot */
  static const char *const edges[] = {"0.02", "0.05", "0.08"};
  static const char *const spot_edges[] = {"0.001", "0.002", "0.003"};
  for (int k = 0; k < DEMO_MAKERS && k < 3; k++) {
    char creds[4200], name[16];
    demo_maker_creds_path(app, k + 1, creds, sizeof creds);
    snprintf(name, sizeof name, "demo%d", k + 1);
    char *argv[] = {(char *)python, script, "--http", http, "--ws", ws, "--creds", creds, "--edge",
                    (char *)edges[k], "--spot-edge", (char *)spot_edges[k], "--name", name,
                    "--mark-interval", "0.5", NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, python, NULL, NULL, argv, environ);
    if (rc != 0) {
      log_event(LOG_ERROR, "demo_maker_failed", "name=%s reason=\"%s\"", name, strerror(rc));
      continue;
    }
    m->pid[m->n++] = pid;
    log_event(LOG_INFO, "demo_maker_started", "name=%s pid=%d edge=%s spot_edge=%s", name, (int)pid, edges[k],
              spot_edges[k]);
  }
}

/* SIGTERM, up to 3 s for each to finish, then SIGKILL: a maker waiting on a socket the
 * stopping service no longer serves must not hold the shutdown. */
void demo_makers_stop(struct demo_makers *m) {
  if (!m || !m->n) return;
  for (int k = 0; k < m->n; k++) kill(m->pid[k], SIGTERM);
  int left = m->n;
  for (int round = 0; round < 30 && left; round++) {
    left = 0;
    for (int k = 0; k < m->n; k++) {
      if (!m->pid[k]) continue;
      if (waitpid(m->pid[k], NULL, WNOHANG) == m->pid[k]) m->pid[k] = 0;
      else left++;
    }
    if (left) usleep(100000);
  }
  for (int k = 0; k < m->n; k++)
    if (m->pid[k]) {
      kill(m->pid[k], SIGKILL);
      waitpid(m->pid[k], NULL, 0);
    }
  m->n = 0;
}
