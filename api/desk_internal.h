/* desk_internal: the RFQ desk's state, shared by desk.c (auctions, fills, channels) and
 * desk_rpc.c (the makers' methods). Engine thread only; not for use outside api/. */
#ifndef OPTDESK_DESK_INTERNAL_H
#define OPTDESK_DESK_INTERNAL_H

#include "auction.h"
#include "desk.h"
#include "desk_writer.h"
#include "mandate.h"
#include "mandate_loss.h"
#include "mandate_params.h"
#include "strmap.h"

#define DESK_MAX_VAULTS 8
#define DESK_TICK_USD ((money_u128)10000) /* prices on a 0.01 USD tick */
#define DESK_RECENT_FILLS 256

struct desk_leg {
  char instrument[64];
  char underlying[16];
  int sell; /* the vault's side */
  money_u128 strike;
  int64_t expiry_ms;
  int put;
};

struct desk_vault;

struct desk_quote {
  uint64_t id, rfq_id;
  struct desk_vault *v;
  char maker[65];
  struct engine_session *session; /* the connection it came on (NULL once closed) */
  long long nonce;
  money_u128 price[2], credit, max_fee, amount;
  int64_t expiry_ms, created_ms, updated_ms;
  char label[64];
  const char *status; /* "open", "filled", "cancelled", "expired" */
  char cancel_reason[48];
};

struct desk_fill {
  uint64_t quote_id, rfq_id;
  char maker[65], vault[65];
  money_u128 amount, credit, price[2];
  int64_t time;
};

struct desk_vault {
  char id[65];
  char collateral_asset[16];
  unsigned collateral_decimals;
  struct auction_params params;
  struct mandate_params mandate;
  struct mandate_loss_state *loss; /* heap */
  /* the running (or last) auction */
  struct auction *a;
  uint64_t auction_id;
  struct desk_leg legs[2];
  int nlegs;
  int finished;
  char finish_reason[16];
  money_u128 unfilled;
  /* the live RFQ as makers see it */
  uint64_t rfq_id;
  money_u128 rfq_amount;
  int64_t rfq_created, rfq_valid_until;
  const char *rfq_status; /* NULL: none */
  /* the vault's book for the mandate (snapshot at the auction's start, updated by fills) */
  money_u128 collateral, open_spreads;
  money_i128 usdc;
  /* the mark at the last tick */
  money_u128 mark_credit, spread_mark, spot;
  int64_t spot_ms, surface_ms;
  int mark_ok;
  uint64_t executing; /* quote id whose fill is being committed, 0 none */
};

struct desk {
  struct engine *e;
  struct app *app;
  struct desk_writer *writer;
  struct desk_vault vaults[DESK_MAX_VAULTS];
  int nvaults;
  struct strmap *quotes;      /* id text -> struct desk_quote* */
  struct strmap *nonces;      /* "maker:nonce" -> (void*)1 */
  struct strmap *maker_nums;  /* maker -> (void*)(uintptr_t)number, for the auction */
  uint64_t next_maker_num;
  uint64_t next_id;
  struct desk_fill fills[DESK_RECENT_FILLS];
  size_t nfills;
};

/* desk.c */
struct desk_vault *desk_vault_find(struct desk *d, const char *id);
struct desk_vault *desk_rfq_vault(struct desk *d, uint64_t rfq_id);
json_t *desk_rfq_json(const struct desk_vault *v);
json_t *desk_quote_json(const struct desk_quote *q);
void desk_publish_quote(struct desk *d, const struct desk_quote *q);
void desk_publish_auction(struct desk *d, struct desk_vault *v);
uint64_t desk_maker_num(struct desk *d, const char *maker);
void desk_audit_quote(struct desk *d, const struct desk_quote *q, int insert);
int desk_start_auction(struct desk *d, json_t *params, const char *by, json_t **result,
                       struct desk_error *err);
struct desk_quote **desk_quotes_of(struct desk *d, struct engine_session *s, const char *maker,
                                   size_t *n);
void desk_cancel_quote(struct desk *d, struct desk_quote *q, const char *why);

void desk_restore(struct desk *d, const char *json);

/* The operator's view of a vault's auction; the floor only when with_floor (never makers). */
json_t *desk_cycle_view(struct desk *d, const char *vault, int with_floor);

/* money text helpers */
json_t *desk_amount(money_u128 v, unsigned decimals);

#endif
