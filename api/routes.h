/* routes: the REST handlers, one file per area (routes_ops.c, routes_admin.c, ...). */
#ifndef OPTDESK_ROUTES_H
#define OPTDESK_ROUTES_H

#include "rest.h"

void route_healthz(struct rest_ctx *ctx);
void route_readyz(struct rest_ctx *ctx);
void route_metrics(struct rest_ctx *ctx);
void route_time(struct rest_ctx *ctx);
void route_admin_accounts_create(struct rest_ctx *ctx);
void route_admin_clock_set(struct rest_ctx *ctx);
void route_rpc(struct rest_ctx *ctx);

#endif
