/* channels: channel registry, access rules, snapshots and sequenced notifications. */
#include "channels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk.h"
#include "roles.h"

#define CHANNEL_NAME_MAX 128

struct channel {
  char name[CHANNEL_NAME_MAX];
  uint64_t seq;
  struct engine_session **subs;
  int nsubs, cap;
};

enum channel_kind { CH_AUCTION, CH_RFQS, CH_QUOTES, CH_TRADES };

static int vault_exists(struct engine *e, const char *id) {
  size_t i;
  json_t *v;
  json_array_foreach(e->app->config->vaults, i, v) {
    if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0) return 1;
  }
  return 0;
}

/* Which kind a name is, and whether s may subscribe: NULL when allowed, else the reason. */
static const char *classify(struct engine *e, struct engine_session *s, const char *name,
                            enum channel_kind *kind) {
  if (strlen(name) >= CHANNEL_NAME_MAX) return "unknown_channel";
  if (strncmp(name, "auction.", 8) == 0) {
    *kind = CH_AUCTION;
    return vault_exists(e, name + 8) ? NULL : "unknown_channel";
  }
  const char *dot = strrchr(name, '.');
  if (!dot) return "unknown_channel";
  if (strcmp(dot, ".rfqs") == 0) *kind = CH_RFQS;
  else if (strcmp(dot, ".quotes") == 0) *kind = CH_QUOTES;
  else if (strcmp(dot, ".trades") == 0) *kind = CH_TRADES;
  else return "unknown_channel";
  if (!s->logged_in) return "not_logged_in";
  size_t n = (size_t)(dot - name);
  if (n != strlen(s->who.account) || strncmp(name, s->who.account, n) != 0 ||
      !(s->who.roles & ROLE_MAKER))
    return "forbidden";
  return NULL;
}

/* The current state a new subscriber starts from. */
static json_t *snapshot(struct engine *e, enum channel_kind kind, const char *name) {
  char account[72];
  const char *dot = strrchr(name, '.');
  snprintf(account, sizeof account, "%.*s", dot ? (int)(dot - name) : 0, name);
  if (!e->desk) return json_array();
  switch (kind) {
  case CH_AUCTION: return desk_snapshot_auction(e->desk, name + 8);
  case CH_RFQS: return desk_snapshot_rfqs(e->desk, account);
  case CH_QUOTES: return desk_snapshot_quotes(e->desk, account);
  default: return desk_snapshot_trades(e->desk, account);
  }
}

static json_t *notification(const struct channel *c, json_t *data, int is_snapshot) {
  json_t *params = json_pack("{s:s,s:I,s:o}", "channel", c->name, "seq", (json_int_t)c->seq,
                             "data", data);
  if (is_snapshot) json_object_set_new(params, "snapshot", json_true());
  return json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", "subscription", "params", params);
}

static struct channel *channel_get(struct engine *e, const char *name, int create) {
  struct channel *c = strmap_get(e->channels, name);
  if (c || !create) return c;
  c = calloc(1, sizeof *c);
  if (!c) return NULL;
  snprintf(c->name, sizeof c->name, "%s", name);
  if (strmap_put(e->channels, name, c) != 0) {
    free(c);
    return NULL;
  }
  return c;
}

const char *channels_subscribe(struct engine *e, struct engine_session *s, const char *name) {
  enum channel_kind kind;
  const char *refusal = classify(e, s, name, &kind);
  if (refusal) return refusal;
  struct channel *c = channel_get(e, name, 1);
  if (!c) return "internal_error";
  for (int i = 0; i < s->nsubs; i++)
    if (s->subs[i] == c) {
      engine_send_json(e, s, notification(c, snapshot(e, kind, name), 1));
      return "ok"; /* already subscribed: a fresh snapshot, no duplicate */
    }
  if (s->nsubs == SESSION_MAX_CHANNELS) return "too_many_subscriptions";
  if (c->nsubs == c->cap) {
    int ncap = c->cap ? c->cap * 2 : 4;
    struct engine_session **n = realloc(c->subs, (size_t)ncap * sizeof *n);
    if (!n) return "internal_error";
    c->subs = n;
    c->cap = ncap;
  }
  c->subs[c->nsubs++] = s;
  s->subs[s->nsubs++] = c;
  engine_send_json(e, s, notification(c, snapshot(e, kind, name), 1));
  return "ok";
}

static void detach(struct channel *c, struct engine_session *s) {
  for (int i = 0; i < c->nsubs; i++)
    if (c->subs[i] == s) {
      c->subs[i] = c->subs[--c->nsubs];
      return;
    }
}

const char *channels_unsubscribe(struct engine *e, struct engine_session *s, const char *name) {
  (void)e;
  for (int i = 0; i < s->nsubs; i++)
    if (strcmp(s->subs[i]->name, name) == 0) {
      detach(s->subs[i], s);
      s->subs[i] = s->subs[--s->nsubs];
      return "ok";
    }
  return "not_subscribed";
}

void channels_session_gone(struct engine *e, struct engine_session *s) {
  (void)e;
  for (int i = 0; i < s->nsubs; i++) detach(s->subs[i], s);
  s->nsubs = 0;
}

int channels_publish(struct engine *e, const char *name, json_t *data) {
  struct channel *c = channel_get(e, name, 1);
  if (!c) {
    json_decref(data);
    return 0;
  }
  c->seq++;
  if (c->nsubs == 0) {
    json_decref(data);
    return 0;
  }
  /* one serialisation for every subscriber */
  json_t *msg = notification(c, data, 0);
  char *text = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  if (!text) return 0;
  size_t len = strlen(text);
  int n = 0;
  for (int i = 0; i < c->nsubs; i++)
    if (e->t.send(c->subs[i]->conn, text, len) == 0) n++;
  free(text);
  return n;
}

static void free_channel(const char *key, void *value, void *arg) {
  (void)key;
  (void)arg;
  struct channel *c = value;
  free(c->subs);
  free(c);
}

void channels_free_all(struct engine *e) {
  strmap_each(e->channels, free_channel, NULL);
  strmap_free(e->channels);
  e->channels = NULL;
}

const char *channels_name(const struct channel *c) { return c->name; }

int channels_wanted(struct engine *e, const char *name) {
  struct channel *c = strmap_get(e->channels, name);
  if (c && c->nsubs > 0) return 1;
  if (c) c->seq++;
  return 0;
}
