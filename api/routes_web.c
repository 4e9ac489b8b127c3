/* routes_web: GET /, the back-office dashboard (SPEC 8). The page is web/index.html with
 * web/style.css and web/app.js inlined into it (all three compiled into the binary, so the
 * service serves the page it was built with from any working directory) and the
 * WebSocket's port and scheme filled in. The page itself is public and holds no data: its
 * script signs in with a reporter's API key and secret (kept in the tab's sessionStorage),
 * signs every REST request with them and logs in on the WebSocket (docs/API.md
 * "Dashboard"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "routes.h"

/* generated from web/ by cmake/embed_text.cmake (api/CMakeLists.txt) */
extern const char web_index_html[];
extern const char web_style_css[];
extern const char web_app_js[];

struct piece {
  const char *marker; /* in index.html, replaced once, in this order */
  const char *text;
};

void route_dashboard(struct rest_ctx *ctx) {
  const struct listener_config *ws = &ctx->app->config->ws;
  char port[16];
  snprintf(port, sizeof port, "%d", ws->port);
  const struct piece pieces[] = {
      {"@WS_SCHEME@", *ws->tls_cert ? "wss" : "ws"},
      {"@WS_PORT@", port},
      {"<!--@STYLE@-->", web_style_css},
      {"<!--@SCRIPT@-->", web_app_js},
  };
  const size_t npieces = sizeof pieces / sizeof pieces[0];
  size_t cap = strlen(web_index_html) + 1;
  for (size_t i = 0; i < npieces; i++) cap += strlen(pieces[i].text);
  char *out = malloc(cap);
  if (!out) {
    rest_error(ctx, 500, "internal_error", "out of memory", NULL);
    return;
  }
  size_t len = 0;
  const char *rest = web_index_html;
  for (size_t i = 0; i < npieces; i++) {
    const char *at = strstr(rest, pieces[i].marker);
    if (!at) { /* a build whose index.html lost a marker: a bug, never a half page */
      free(out);
      log_event(LOG_ERROR, "dashboard_template", "missing=\"%s\"", pieces[i].marker);
      rest_error(ctx, 500, "internal_error", "the dashboard template is incomplete", NULL);
      return;
    }
    size_t n = (size_t)(at - rest), t = strlen(pieces[i].text);
    memcpy(out + len, rest, n);
    len += n;
    memcpy(out + len, pieces[i].text, t);
    len += t;
    rest = at + strlen(pieces[i].marker);
  }
  size_t n = strlen(rest);
  memcpy(out + len, rest, n);
  len += n;
  out[len] = 0;
  rest_text(ctx, 200, "text/html; charset=utf-8", out, len);
}
