/* auction: the vault RFQ desk's auction engine, selling one structure lot by lot (SPEC 4).
 *
 * Pure: no I/O, no clock (every `now_ms` is an argument), no globals, no logging. One owner
 * thread calls it. Functions return AUCTION_OK (0) or a negative enum auction_status and
 * write their outputs only on success; on an error the auction is unchanged.
 *
 * Units. Amounts of contracts (lot sizes, total, sold) have 8 decimals (1 contract =
 * 100000000). Credits, marks and floors are USDC base units (6 decimals) per spread (per
 * one contract of the structure). Times are integer ms since the Unix epoch, UTC.
 *
 * Life of an auction (the caller ticks it often, e.g. every 100 ms and after each call):
 *   - Lots. Each lot is min(lot_size, total - sold) rounded DOWN to a multiple of
 *     lot_rounding; a remainder below lot_rounding is never offered (7 with lot 2 and
 *     rounding 1 -> 2, 2, 2, 1; 10.5 -> 2, 2, 2, 2, 2 and 0.5 unfilled).
 *   - RFQs. At most one live RFQ. A tick with no live RFQ opens one for the next lot
 *     (RFQ_OPENED, valid_until = now + rfq_life_ms); ids are assigned from first_rfq_id
 *     upwards, +1 per RFQ. An RFQ that reaches valid_until (now >= valid_until) with no
 *     execution in flight expires (RFQ_EXPIRED); the same lot is offered again as a new
 *     RFQ. A tick that closes an RFQ (filled or expired) never opens the next one: the
 *     next tick does.
 *   - Judging. Not before created + grace_ms, only with a mark set (auction_set_mark),
 *     and only when no execution is in flight. Acceptable: an open quote of the live RFQ
 *     with expiry_ms > now, whose maker is not in back-off, and credit >= floor(now).
 *     The highest credit wins; equal credits go to the earliest submission (submitted_ms,
 *     then the lower quote id). The winner is announced as EXECUTE; the auction then waits
 *     for auction_execution_result (no second EXECUTE until then). The executing quote
 *     cannot be cancelled (quotes are firm) and does not expire while in flight.
 *   - Execution result. ok: the lot is sold at once (sold, lots_filled, view); the next
 *     tick reports RFQ_FILLED and QUOTE_CANCELLED (reason RFQ_FILLED) for every other open
 *     quote of that RFQ. Failed (mandate refusal, durable write failure): that quote is
 *     removed, its maker gets back-off until now + backoff_base_ms * 2^(n-1), n = the
 *     maker's consecutive failures (4 s, 8 s, 16 s, ...; the exponent stops at
 *     AUCTION_BACKOFF_MAX_SHIFT); a success of that maker resets n. Judging goes on at the
 *     next tick. Back-off is per maker, across lots, for AUCTION_MAX_MAKERS makers (the
 *     entry with the oldest failure is forgotten when the table is full).
 *   - End. The auction ends when nothing sellable is left (total - sold < lot_rounding) or
 *     at the hard stop (now >= started + hard_stop_ms). A tick then cancels the live RFQ
 *     (QUOTE_CANCELLED for its open quotes, RFQ_CANCELLED) and emits FINISHED once, with
 *     sold and unfilled = total - sold. An execution in flight is never abandoned: at the
 *     hard stop the auction waits for its result (no new RFQ, no new EXECUTE) and then
 *     finishes, counting the lot if it was sold.
 *   - Quote ends the engine decides are reported as events (QUOTE_EXPIRED when a quote's
 *     own expiry passes; QUOTE_CANCELLED when its RFQ ends). Ends the caller causes
 *     (auction_quote_cancel, replace, a failed execution) are not: the caller knows.
 *
 * Floor (operator only, never shown to makers), integers throughout:
 *   spread_ppm(e) = min(floor(e * floor_slope_ppm_per_min / 60000), floor_spread_cap_ppm),
 *                   e = now - rfq created (ms), e <= 0 -> 0; rounded down (a smaller spread
 *                   is a higher floor: the vault's side)
 *   floor(e)      = clamp(ceil(mark * 1000000 / (1000000 + spread_ppm(e))),
 *                         min_credit, max_credit)
 *                   rounded up (a higher floor protects the vault).
 * With the defaults the spread grows 0.5 per minute, 1 ppm every 120 us, and reaches 1.0
 * at 120 s: the floor falls from the mark to half the mark over one RFQ's life. */
#ifndef OPTDESK_AUCTION_H
#define OPTDESK_AUCTION_H

#include <stddef.h>
#include <stdint.h>

#include "money.h"

#define AUCTION_WUR __attribute__((warn_unused_result))

#define AUCTION_MAX_QUOTES 256  /* open quotes on one RFQ */
#define AUCTION_MAX_MAKERS 1024 /* makers tracked for back-off */
#define AUCTION_MAX_LEGS 8
#define AUCTION_BACKOFF_MAX_SHIFT 16 /* back-off stops doubling at base * 2^16 */
/* auction_tick needs an event buffer this large (every quote ends once, plus RFQ events). */
#define AUCTION_TICK_EVENTS_MAX (AUCTION_MAX_QUOTES + 4)

#define AUCTION_CONTRACT ((money_u128)100000000) /* 1 contract, 8 decimals */
#define AUCTION_USD ((money_u128)1000000)        /* 1 USDC, 6 decimals */
#define AUCTION_PPM 1000000u

enum auction_status {
  AUCTION_OK = 0,
  AUCTION_EINVALID = -1,         /* bad argument or parameters */
  AUCTION_EOVERFLOW = -2,        /* arithmetic would overflow */
  AUCTION_ECAPACITY = -3,        /* quote book full, or event buffer too small */
  AUCTION_ENOMEM = -4,           /* allocation failed */
  AUCTION_ECLOCK = -5,           /* now_ms earlier than a time the auction has seen */
  AUCTION_ERFQ_UNKNOWN = -6,     /* no RFQ with this id was ever issued by this auction */
  AUCTION_ERFQ_NOT_OPEN = -7,    /* the RFQ exists but is not open (expired, filled, ended) */
  AUCTION_EQUOTE_UNKNOWN = -8,   /* no open quote with this id on the live RFQ */
  AUCTION_EQUOTE_DUPLICATE = -9, /* an open quote already has this id */
  AUCTION_EQUOTE_BUSY = -10,     /* the quote is being executed: it cannot be cancelled */
  AUCTION_ENOT_EXECUTING = -11,  /* execution result for a quote not in execution */
  AUCTION_ENO_RFQ = -12,         /* no live RFQ */
  AUCTION_ENO_MARK = -13,        /* no mark credit set yet */
};

/* Stable lowercase name of a status ("rfq_unknown", ...), for error messages. */
const char *auction_strerror(int status);

struct auction_params {
  money_u128 lot_size;              /* contracts per lot (default 2 contracts) */
  money_u128 lot_rounding;          /* lots are rounded down to a multiple of this (default 1) */
  int64_t rfq_life_ms;              /* default 120000 */
  int64_t grace_ms;                 /* no judging before created + grace (default 15000) */
  int64_t hard_stop_ms;             /* the auction ends at started + this (default 7200000) */
  int64_t backoff_base_ms;          /* first back-off after a failed execution (default 4000) */
  money_u128 min_credit;            /* floor clamp, USDC base units per spread (default 20 USD) */
  money_u128 max_credit;            /* default 2000 USD */
  uint32_t floor_slope_ppm_per_min; /* floor spread growth, ppm per minute (default 500000) */
  uint32_t floor_spread_cap_ppm;    /* floor spread cap, ppm (default 1000000) */
  int lowest_wins; /* 0 (default): the vault sells, the highest credit wins, acceptable at or
                    * above the floor. 1: the vault buys (stage 4's spot RFQ): the floor is a
                    * ceiling, acceptable at or below it, the LOWEST credit wins (equal ones:
                    * the earliest). Needs floor_slope_ppm_per_min = 0 (a fixed limit). */
};

/* SPEC 4 defaults. */
void auction_params_default(struct auction_params *out);
/* AUCTION_OK or EINVALID: lot_rounding > 0, lot_size >= lot_rounding, rfq_life_ms > 0,
 * 0 <= grace_ms < rfq_life_ms, hard_stop_ms > 0, backoff_base_ms >= 0,
 * min_credit <= max_credit, lowest_wins -> floor_slope_ppm_per_min == 0. */
AUCTION_WUR int auction_params_check(const struct auction_params *p);

/* The next lot for `remaining` unsold contracts: min(lot_size, remaining) rounded down to a
 * multiple of lot_rounding; 0 means nothing sellable is left. EINVALID: bad params. */
AUCTION_WUR int auction_lot_amount(const struct auction_params *p, money_u128 remaining,
                                   money_u128 *out);
/* spread_ppm and floor as stated above, for an RFQ `elapsed_ms` old. */
AUCTION_WUR int auction_spread_ppm(const struct auction_params *p, int64_t elapsed_ms,
                                   uint32_t *out);
AUCTION_WUR int auction_floor(const struct auction_params *p, money_u128 mark_credit,
                              int64_t elapsed_ms, money_u128 *out);

enum auction_event_type {
  AUCTION_EV_RFQ_OPENED = 1,  /* rfq_id, amount, created_ms, valid_until_ms */
  AUCTION_EV_EXECUTE,         /* rfq_id, quote_id, maker_id, amount, credit, floor */
  AUCTION_EV_RFQ_FILLED,      /* rfq_id, quote_id, maker_id, amount, credit */
  AUCTION_EV_RFQ_EXPIRED,     /* rfq_id, amount (offered again on a new RFQ) */
  AUCTION_EV_RFQ_CANCELLED,   /* rfq_id, amount (the auction ended) */
  AUCTION_EV_QUOTE_EXPIRED,   /* rfq_id, quote_id, maker_id, credit: its expiry passed */
  AUCTION_EV_QUOTE_CANCELLED, /* rfq_id, quote_id, maker_id, credit, reason: its RFQ ended */
  AUCTION_EV_FINISHED,        /* amount = sold, unfilled, lots_filled, reason */
};

enum auction_reason {
  AUCTION_REASON_NONE = 0,
  AUCTION_REASON_RFQ_FILLED,    /* QUOTE_CANCELLED: another quote won the lot */
  AUCTION_REASON_RFQ_EXPIRED,   /* QUOTE_CANCELLED: the RFQ expired unfilled */
  AUCTION_REASON_RFQ_CANCELLED, /* QUOTE_CANCELLED: the auction ended */
  AUCTION_REASON_SOLD_OUT,      /* FINISHED: nothing sellable left */
  AUCTION_REASON_HARD_STOP,     /* FINISHED: started + hard_stop_ms reached */
};

struct auction_event {
  enum auction_event_type type;
  enum auction_reason reason;
  uint64_t rfq_id;
  uint64_t quote_id;
  uint64_t maker_id;
  money_u128 amount;      /* contracts of the lot; FINISHED: sold in total */
  money_u128 credit;      /* USDC base units per spread */
  money_u128 floor;       /* EXECUTE: the floor the winner met */
  money_u128 unfilled;    /* FINISHED: total - sold */
  uint64_t lots_filled;   /* FINISHED */
  int64_t created_ms;     /* RFQ_OPENED */
  int64_t valid_until_ms; /* RFQ_OPENED */
};

enum auction_state { AUCTION_RUNNING = 1, AUCTION_FINISHED };

/* The operator's / dashboard's view. */
struct auction_view {
  enum auction_state state;
  int64_t started_ms, hard_stop_at_ms;
  money_u128 total, sold, remaining; /* remaining = total - sold */
  uint64_t lots_filled;
  int has_mark;
  money_u128 mark_credit;
  int64_t mark_ms;
  int has_rfq; /* the fields below describe the live RFQ */
  uint64_t rfq_id;
  money_u128 rfq_amount;
  int64_t rfq_created_ms, rfq_valid_until_ms;
  size_t rfq_open_quotes;
  int rfq_executing; /* an execution is in flight for executing_quote_id */
  uint64_t executing_quote_id;
  int rfq_filled; /* sold; RFQ_FILLED comes on the next tick */
  int has_floor;  /* has_rfq and has_mark: floor = floor(now) */
  money_u128 floor;
};

/* Progress to persist so that a restart resumes (with the same params): take it after each
 * auction_execution_result(ok) and store it with the fill. A lot in flight at a crash is
 * the caller's to reconcile from its durable fills (sold counts only reported successes). */
struct auction_snapshot {
  int64_t started_ms;
  money_u128 total, sold;
  uint64_t lots_filled;
  uint64_t first_rfq_id, next_rfq_id;
  unsigned n_legs;
};

struct auction;

/* A new auction selling `total` contracts of a structure of n_legs legs (1..MAX_LEGS; the
 * legs themselves are the caller's business), started at started_ms, hard stop at
 * started_ms + hard_stop_ms. RFQ ids start at first_rfq_id (> 0). Nothing happens until
 * the first tick. EINVALID, ENOMEM. */
AUCTION_WUR int auction_new(const struct auction_params *p, int64_t started_ms, money_u128 total,
                            unsigned n_legs, uint64_t first_rfq_id, struct auction **out);
/* A restored auction: no live RFQ, no mark, no back-off; the next tick opens a fresh RFQ
 * for the next lot (RFQ ids go on from next_rfq_id), or finishes it if it is sold out or
 * past its hard stop. EINVALID (sold > total, ids), ENOMEM. */
AUCTION_WUR int auction_restore(const struct auction_params *p, const struct auction_snapshot *s,
                                struct auction **out);
void auction_free(struct auction *a); /* NULL: no-op */

AUCTION_WUR int auction_snapshot(const struct auction *a, struct auction_snapshot *out);
AUCTION_WUR int auction_view(const struct auction *a, int64_t now_ms, struct auction_view *out);
unsigned auction_n_legs(const struct auction *a);

/* The mark credit per spread (USDC base units), as of now_ms. ECLOCK. */
AUCTION_WUR int auction_set_mark(struct auction *a, money_u128 mark_credit, int64_t now_ms);

/* Advances the auction to now_ms (see above) and writes its events, in order, into
 * events[0..*n). cap must be >= AUCTION_TICK_EVENTS_MAX (else ECAPACITY). ECLOCK,
 * EOVERFLOW (RFQ ids exhausted). A finished auction emits nothing. */
AUCTION_WUR int auction_tick(struct auction *a, int64_t now_ms, struct auction_event *events,
                             size_t cap, size_t *n);

/* A firm quote of maker_id for the whole lot of RFQ rfq_id at `credit` per spread (> 0),
 * valid while now < expiry_ms (expiry_ms > now_ms). ERFQ_UNKNOWN, ERFQ_NOT_OPEN,
 * EQUOTE_DUPLICATE, ECAPACITY, EINVALID, ECLOCK. A maker may hold several quotes. */
AUCTION_WUR int auction_quote_add(struct auction *a, int64_t now_ms, uint64_t maker_id,
                                  uint64_t quote_id, uint64_t rfq_id, money_u128 credit,
                                  int64_t expiry_ms);
/* Removes an open quote. EQUOTE_UNKNOWN, EQUOTE_BUSY (in execution). */
AUCTION_WUR int auction_quote_cancel(struct auction *a, uint64_t quote_id);
/* Cancel old_quote_id and add the new quote, both or neither; the new quote takes its
 * place in time at now_ms. The old quote must be the same maker's and on the same RFQ
 * (EINVALID). Errors of cancel and add. */
AUCTION_WUR int auction_quote_replace(struct auction *a, int64_t now_ms, uint64_t old_quote_id,
                                      uint64_t maker_id, uint64_t quote_id, uint64_t rfq_id,
                                      money_u128 credit, int64_t expiry_ms);

/* The result of the EXECUTE for quote_id: ok != 0 sold, 0 failed. ENOT_EXECUTING, ECLOCK. */
AUCTION_WUR int auction_execution_result(struct auction *a, int64_t now_ms, uint64_t quote_id,
                                         int ok);

#endif
