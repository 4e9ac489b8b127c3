/* desk_internal: the RFQ desk's state, shared by desk.c (auctions, fills, channels) and
 * desk_rpc.c (the makers' methods). Engine thread only; not for use outside api/. */
#ifndef OPTDESK_DESK_INTERNAL_H
#define OPTDESK_DESK_INTERNAL_H

#include "auction.h"
#include "cycle_convert.h"
#include "cycle_select.h"
#include "desk.h"
#include "desk_nonce.h"
#include "desk_writer.h"
#include "mandate.h"
#include "mandate_loss.h"
#include "mandate_params.h"
#include "strmap.h"

#define DESK_MAX_VAULTS 8
#define DESK_TICK_USD ((money_u128)10000) /* prices on a 0.01 USD tick */
#define DESK_RECENT_FILLS 256
#define DESK_AUDIT_BACKLOG_MAX 100000 /* audit jobs queued before new quotes are refused */
#define DESK_CLOSED_KEEP 4096 /* closed quotes kept in memory (get_quotes); older ones freed */
#define DESK_UNWRITTEN_MAX 1024 /* new quotes whose audit rows wait for the tick's flush */

struct desk_leg {
  char instrument[64];
  char underlying[16];
  int sell; /* the vault's side */
  money_u128 strike;
  int64_t expiry_ms;
  int put;
};

struct desk_vault;

/* The weekly cycle's stages (SPEC 4), in order; API names by desk_stage_name. */
enum desk_stage {
  DESK_STAGE_COLLATERAL_ONLY = 0,
  DESK_STAGE_OPTION_AUCTION,
  DESK_STAGE_AWAIT_SETTLEMENT,
  DESK_STAGE_COLLATERAL_AUCTION,
};

/* Completion handlers of writer jobs. */
enum desk_job_kind { DESK_JOB_FILL = 0, DESK_JOB_CYCLE = 1 };

/* A vault's cycle as the engine runs it (desk_cycle.c); the database row is the truth,
 * this copy moves only after a transition committed. */
struct desk_cycle {
  int enabled;              /* config "cycle" (default true); false: operator auctions only */
  enum desk_stage stage;
  int64_t cycle_no, stage_since_ms, next_ms;
  int64_t expiry_ms;        /* the selected spread; 0 none */
  money_u128 k1, k2;
  money_i128 premium;
  money_u128 hwm;
  int pending;              /* a cycle job is being committed: wait for it */
  int64_t retry_at_ms;      /* business time: nothing before (a refused selection: 60 s) */
  int64_t retry_real_ms;    /* real time: nothing before (a missing oracle value, a failed job) */
  char problem[96];         /* why the cycle waits, for the view ("" none) */
  money_i128 settled_usdc;  /* the last settlement's figures, for the view */
  money_u128 settle_price;
  int settled;
  /* parameters */
  char underlying[16];
  int64_t auction_delay_ms; /* stage 1 waits until expiry + this (310 min) */
  int64_t convert_delay_ms; /* stage 4 starts at expiry + this (60 min) */
  struct cycle_select_params select;
  struct cycle_convert_params convert;
  money_u128 perf_fee_rate; /* LEDGER_WAD = 100 % */
};

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
  int unwritten;      /* its audit row is not posted yet (desk_flush_quote_rows) */
};

struct desk_fill {
  uint64_t quote_id, rfq_id;
  char maker[65], vault[65];
  money_u128 amount, credit, price[2];
  unsigned decimals; /* of amount */
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
  /* the auction's kind: a put spread (stage 2) or stage 4's spot order on LBTC-USDC */
  int spot_order;
  enum cycle_side spot_side; /* the vault buys or sells collateral */
  money_u128 spot_limit;     /* USDC base units per whole collateral unit */
  int64_t auction_cycle_no;  /* the cycle the auction belongs to */
  struct desk_cycle cy;
};

struct desk {
  struct engine *e;
  struct app *app;
  struct desk_writer *writer;
  struct desk_vault vaults[DESK_MAX_VAULTS];
  int nvaults;
  struct strmap *quotes;      /* id text -> struct desk_quote* */
  struct desk_nonces *nonces; /* each maker's nonces, bounded (desk_nonce.h) */
  struct strmap *maker_nums;  /* maker -> (void*)(uintptr_t)number, for the auction */
  uint64_t next_maker_num;
  uint64_t next_id;
  uint64_t *closed;           /* ids of quotes closed since, oldest first (freed at a tick) */
  size_t nclosed, capclosed;
  uint64_t *unwritten;        /* ids of new quotes whose audit row waits for the next flush */
  size_t nunwritten, capunwritten;
  struct desk_fill fills[DESK_RECENT_FILLS];
  size_t nfills;
};

/* desk.c */
struct desk_vault *desk_vault_find(struct desk *d, const char *id);
struct desk_vault *desk_rfq_vault(struct desk *d, uint64_t rfq_id);
json_t *desk_rfq_json(const struct desk_vault *v);
json_t *desk_quote_json(const struct desk_quote *q);
/* The same object as JSON text, written directly into buf (the hot replies): its length,
 * or -1 when a field needs jansson (e.g. a label with escapes) or cap is too small. */
long desk_quote_text(const struct desk_quote *q, char *buf, size_t cap);
void desk_publish_quote(struct desk *d, const struct desk_quote *q);
void desk_publish_auction(struct desk *d, struct desk_vault *v);
uint64_t desk_maker_num(struct desk *d, const char *maker);
/* A quote's audit row: a new quote's waits for the next flush (desk.c); a closed one's status
 * is an UPDATE unless its row is still waiting. */
void desk_audit_quote(struct desk *d, struct desk_quote *q, int insert);
int desk_start_auction(struct desk *d, json_t *params, const char *by, json_t **result,
                       struct desk_error *err);
struct desk_quote **desk_quotes_of(struct desk *d, struct engine_session *s, const char *maker,
                                   size_t *n);
void desk_cancel_quote(struct desk *d, struct desk_quote *q, const char *why);
/* A quote left "open": remembered so that desk_tick frees it once DESK_CLOSED_KEEP newer
 * ones closed (never while a caller may still hold it: only at the tick's start). */
void desk_quote_closed(struct desk *d, const struct desk_quote *q);

void desk_restore(struct desk *d, const char *json);

/* The operator's view of a vault's auction; the floor only when with_floor (never makers). */
json_t *desk_cycle_view(struct desk *d, const char *vault, int with_floor);

/* The decimals of the live auction's amounts: contracts (8) or the collateral's (spot). */
unsigned desk_amount_decimals(const struct desk_vault *v);
/* Posts the audit rows of new quotes, each with its state now (see desk_audit_quote). */
void desk_flush_quote_rows(struct desk *d);
/* Posts a job for vault v to its writer shard (one vault's jobs run in order). */
void desk_post(struct desk *d, const struct desk_vault *v, struct desk_job *j);

/* Starts an auction on v (nothing running): legs nl[0..nlegs) (1 leg = a spot order with
 * v->spot_side and v->spot_limit set by the caller), total amount; the auctions row is
 * written by an urgent writer job. 0, or -1 with err. */
int desk_launch_auction(struct desk *d, struct desk_vault *v, const struct desk_leg *nl, int nlegs,
                        money_u128 amount, const char *by, int64_t now, struct desk_error *err);
/* Ends v's running auction now (stage 4 re-pricing): its RFQ and quotes are cancelled.
 * Refused (-1) while a fill is being committed. */
int desk_abort_auction(struct desk *d, struct desk_vault *v, const char *why);
/* A vault's legs from an RFQ legs array [{instrument_name, direction}] (2 put legs). */
int desk_parse_legs(json_t *legs, struct desk_leg nl[2]);

/* desk_cycle.c: the weekly cycle (SPEC 4) of each covered put spread vault. */
void desk_cycle_configure(struct desk_vault *v, json_t *cfg);
void desk_cycle_restore(struct desk *d, const char *json);
void desk_cycle_tick(struct desk *d, struct desk_vault *v, int64_t now);
void desk_cycle_done(struct desk *d, struct desk_job *j);
/* An operator's auction on a cycling vault: refused outside stages 1-2; adopted as the
 * cycle's stage-2 spread. 0, or -1 with err. */
int desk_cycle_allow_operator(struct desk *d, struct desk_vault *v, struct desk_error *err);
void desk_cycle_adopt(struct desk *d, struct desk_vault *v, int64_t now);
json_t *desk_cycle_json(struct desk *d, struct desk_vault *v, int64_t now);
const char *desk_stage_name(enum desk_stage s);

/* money text helpers */
json_t *desk_amount(money_u128 v, unsigned decimals);

#endif
