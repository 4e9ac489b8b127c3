/* channels: subscription channels (SPEC 4): `auction.{vault_id}` (public), and a maker's
 * own `{wallet}.rfqs`, `{subaccount}.quotes`, `{subaccount}.trades`. Every subscribe
 * starts with a snapshot; each channel numbers its notifications with an increasing seq.
 * Notification: {"jsonrpc":"2.0","method":"subscription","params":{"channel","seq",
 * "snapshot"?,"data":[...]}}. Engine thread only. */
#ifndef OPTDESK_CHANNELS_H
#define OPTDESK_CHANNELS_H

#include <jansson.h>

#include "engine_internal.h"

/* Subscribes s to name and sends the snapshot. Returns "ok" or a stable refusal reason
 * ("unknown_channel", "not_logged_in", "forbidden", "too_many_subscriptions"). */
const char *channels_subscribe(struct engine *e, struct engine_session *s, const char *name);
/* "ok" or "not_subscribed". */
const char *channels_unsubscribe(struct engine *e, struct engine_session *s, const char *name);
/* Drops every subscription of a closing session. */
void channels_session_gone(struct engine *e, struct engine_session *s);
/* Publishes data (an array; stolen) on a channel with the next seq; returns the number of
 * subscribers reached. A channel nobody subscribed to still advances its seq. */
int channels_publish(struct engine *e, const char *name, json_t *data);
void channels_free_all(struct engine *e);
/* 1 when the channel has subscribers (publish then); 0 after advancing its seq as a
 * publication would (nobody to tell). */
int channels_wanted(struct engine *e, const char *name);
const char *channels_name(const struct channel *c);

#endif
