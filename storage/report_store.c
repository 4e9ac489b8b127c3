/* report_store: the reports' SQL, keyset paging and server-side cursors (SPEC 8). */
#include "report_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_text.h"

#define USD 6      /* USDC and USD prices */
#define CONTRACT 8 /* option and spread contracts */
#define SHARE 18   /* vault shares */
#define ROWDEC (-1)

#define F_TEXT(name)                                                                               \
  { name, REPORT_T_TEXT, 0, 0 }
#define F_INT(name)                                                                                \
  { name, REPORT_T_INT, 0, 0 }
#define F_JSON(name)                                                                               \
  { name, REPORT_T_JSON, 0, 0 }
#define F_AMT(name, dec)                                                                           \
  { name, REPORT_T_AMOUNT, dec, 0 }
#define F_AMT_ROW(name, col)                                                                       \
  { name, REPORT_T_AMOUNT, ROWDEC, col }
#define NF(a) ((int)(sizeof a / sizeof a[0]))

/* fills (0006, 0007): spread fills (amount in spreads, credit per spread) and stage-4 spot
 * fills (amount in the collateral's decimals, price per whole unit, notional in USDC). */
static const struct report_field fills_f[] = {
    F_TEXT("id"),         F_INT("business_ms"), F_TEXT("vault"),       F_TEXT("kind"),
    F_TEXT("side"),       F_INT("cycle_no"),    F_TEXT("auction_id"),  F_TEXT("rfq_id"),
    F_TEXT("quote_id"),   F_TEXT("maker"),      F_JSON("legs"),        F_AMT_ROW("amount", 0),
    F_AMT("credit", USD), F_AMT("price", USD),  F_AMT("premium", USD), F_AMT("notional", USD),
    F_AMT("fee", USD),    F_AMT("mark", USD),   F_TEXT("mandate"),
};
static const char fills_sql[] =
    "SELECT f.id::TEXT AS id, f.business_ms, f.vault_id AS vault, f.kind, f.side, f.cycle_no,"
    " f.auction_id::TEXT AS auction_id, f.rfq_id::TEXT AS rfq_id, f.quote_id::TEXT AS quote_id,"
    " f.maker_id AS maker, f.legs::TEXT AS legs, f.amount::TEXT AS amount,"
    " CASE WHEN f.kind = 'spread' THEN f.credit::TEXT END AS credit,"
    " CASE WHEN f.kind = 'spot' THEN f.credit::TEXT END AS price,"
    " CASE WHEN f.kind = 'spread' THEN f.premium::TEXT END AS premium,"
    " CASE WHEN f.kind = 'spot' THEN f.premium::TEXT END AS notional,"
    " f.fee::TEXT AS fee, f.mark_credit::TEXT AS mark, f.mandate,"
    " CASE WHEN f.kind = 'spot' THEN v.asset_decimals ELSE 8 END AS _d0,"
    " f.business_ms AS _ms, ''::TEXT AS _k, f.id AS _n, f.vault_id AS _vault"
    " FROM fills f JOIN vaults v ON v.id = f.vault_id";

static const struct report_field rfqs_f[] = {
    F_TEXT("id"),         F_INT("created_ms"),    F_TEXT("vault"),
    F_TEXT("auction_id"), F_TEXT("kind"),         F_INT("cycle_no"),
    F_JSON("legs"),       F_AMT_ROW("amount", 0), F_AMT("limit_price", USD),
    F_INT("valid_until"), F_TEXT("status"),
};
static const char rfqs_sql[] =
    "SELECT r.id::TEXT AS id, r.created_ms, a.vault_id AS vault, r.auction_id::TEXT AS auction_id,"
    " a.kind, a.cycle_no, a.legs::TEXT AS legs, r.amount::TEXT AS amount,"
    " a.limit_price::TEXT AS limit_price, r.valid_until, r.status,"
    " CASE WHEN a.kind = 'spot' THEN v.asset_decimals ELSE 8 END AS _d0,"
    " r.created_ms AS _ms, ''::TEXT AS _k, r.id AS _n, a.vault_id AS _vault"
    " FROM rfqs r JOIN auctions a ON a.id = r.auction_id JOIN vaults v ON v.id = a.vault_id";

static const struct report_field quotes_f[] = {
    F_TEXT("id"),
    F_INT("created_ms"),
    F_TEXT("vault"),
    F_TEXT("rfq_id"),
    F_TEXT("maker"),
    F_INT("nonce"),
    F_JSON("legs"),
    F_AMT("credit", USD),
    F_AMT("max_fee", USD),
    F_INT("expiry_ms"),
    F_TEXT("label"),
    F_TEXT("status"),
    F_TEXT("cancel_reason"),
};
static const char quotes_sql[] =
    "SELECT q.id::TEXT AS id, q.created_ms, a.vault_id AS vault, q.rfq_id::TEXT AS rfq_id,"
    " q.maker_id AS maker, q.nonce, q.legs::TEXT AS legs, q.credit::TEXT AS credit,"
    " q.max_fee::TEXT AS max_fee, q.expiry_ms, q.label, q.status, q.cancel_reason,"
    " q.created_ms AS _ms, ''::TEXT AS _k, q.id AS _n, a.vault_id AS _vault"
    " FROM quotes q JOIN rfqs r ON r.id = q.rfq_id JOIN auctions a ON a.id = r.auction_id";

/* The covered put spread vaults' settlements of their spreads (0007); a depot's maturities
 * settle in the maturities report. */
static const struct report_field settlements_f[] = {
    F_INT("business_ms"),
    F_TEXT("vault"),
    F_INT("cycle_no"),
    F_INT("expiry_ms"),
    F_AMT("settlement_price", USD),
    F_AMT("k1", USD),
    F_AMT("k2", USD),
    F_AMT("spreads", CONTRACT),
    F_AMT("premium", USD),
    F_AMT("short_payout", USD),
    F_AMT("long_payout", USD),
    F_AMT("net_loss", USD),
    F_AMT("usdc_before", USD),
    F_AMT("usdc_after", USD),
};
static const char settlements_sql[] =
    "SELECT s.business_ms, s.vault_id AS vault, s.cycle_no, s.expiry_ms,"
    " s.settlement_price::TEXT AS settlement_price, s.k1::TEXT AS k1, s.k2::TEXT AS k2,"
    " s.spreads::TEXT AS spreads, s.premium::TEXT AS premium, s.short_payout::TEXT AS short_payout,"
    " s.long_payout::TEXT AS long_payout, s.net_loss::TEXT AS net_loss,"
    " s.usdc_before::TEXT AS usdc_before, s.usdc_after::TEXT AS usdc_after,"
    " s.business_ms AS _ms, s.vault_id AS _k, s.cycle_no AS _n, s.vault_id AS _vault"
    " FROM vault_settlements s";

/* Every depot position as the trade that opened it (0004), with its settlement once
 * settled. Amounts but strike, size and settlement price are in the depot's asset. */
static const struct report_field depot_trades_f[] = {
    F_TEXT("depot"),          F_INT("position_id"),           F_INT("trade_ms"),
    F_TEXT("buyer"),          F_TEXT("instrument"),           F_TEXT("type"),
    F_AMT("strike", USD),     F_INT("maturity_ms"),           F_AMT("size", CONTRACT),
    F_TEXT("asset"),          F_AMT_ROW("collateral", 0),     F_AMT_ROW("premium", 0),
    F_AMT_ROW("spread", 0),   F_AMT_ROW("perf_fee", 0),       F_AMT_ROW("spread_locked", 0),
    F_AMT_ROW("mint_fee", 0), F_AMT_ROW("total_paid", 0),     F_TEXT("status"),
    F_INT("settled_ms"),      F_AMT("settlement_price", USD), F_AMT_ROW("payoff", 0),
};
static const char depot_trades_sql[] =
    "SELECT p.depot_id AS depot, p.position_id, p.trade_ms, p.buyer_id AS buyer, p.instrument,"
    " p.option_type AS type, p.strike::TEXT AS strike, p.maturity_ms, p.size::TEXT AS size, "
    "v.asset,"
    " p.collateral::TEXT AS collateral, p.premium::TEXT AS premium, p.spread::TEXT AS spread,"
    " p.perf_fee::TEXT AS perf_fee, p.spread_locked::TEXT AS spread_locked,"
    " p.mint_fee::TEXT AS mint_fee, p.total_paid::TEXT AS total_paid, p.status, p.settled_ms,"
    " p.settlement_price::TEXT AS settlement_price, p.payoff::TEXT AS payoff,"
    " v.asset_decimals AS _d0, p.trade_ms AS _ms, p.depot_id AS _k, p.position_id AS _n,"
    " p.depot_id AS _vault"
    " FROM depot_positions p JOIN vaults v ON v.id = p.depot_id";

/* The depots' book by maturity: one row per depot and maturity (time = the maturity). */
static const struct report_field maturities_f[] = {
    F_TEXT("depot"),
    F_INT("maturity_ms"),
    F_TEXT("expiry"),
    F_TEXT("asset"),
    F_TEXT("status"),
    F_INT("positions"),
    F_INT("open_positions"),
    F_AMT("size", CONTRACT),
    F_AMT_ROW("collateral", 0),
    F_AMT_ROW("premium", 0),
    F_AMT_ROW("spread", 0),
    F_AMT_ROW("perf_fee", 0),
    F_AMT_ROW("mint_fee", 0),
    F_AMT_ROW("total_paid", 0),
    F_AMT_ROW("payoff", 0),
    F_AMT("settlement_price", USD),
    F_INT("settled_ms"),
};
static const char maturities_sql[] =
    "SELECT p.depot_id AS depot, p.maturity_ms,"
    " to_char(to_timestamp(p.maturity_ms / 1000) AT TIME ZONE 'UTC', 'YYYYMMDD') AS expiry, "
    "v.asset,"
    " CASE WHEN bool_or(p.status = 'open') THEN 'open' ELSE 'settled' END AS status,"
    " count(*) AS positions, count(*) FILTER (WHERE p.status = 'open') AS open_positions,"
    " sum(p.size)::TEXT AS size, sum(p.collateral)::TEXT AS collateral,"
    " sum(p.premium)::TEXT AS premium, sum(p.spread)::TEXT AS spread,"
    " sum(p.perf_fee)::TEXT AS perf_fee, sum(p.mint_fee)::TEXT AS mint_fee,"
    " sum(p.total_paid)::TEXT AS total_paid, sum(p.payoff)::TEXT AS payoff,"
    " max(p.settlement_price)::TEXT AS settlement_price, max(p.settled_ms) AS settled_ms,"
    " v.asset_decimals AS _d0, p.maturity_ms AS _ms, p.depot_id AS _k, 0::BIGINT AS _n,"
    " p.depot_id AS _vault"
    " FROM depot_positions p JOIN vaults v ON v.id = p.depot_id"
    " GROUP BY p.depot_id, p.maturity_ms, v.asset, v.asset_decimals";

/* NAV per share over time: every stage transition of a covered vault (0007), and every
 * share operation of a depot (ledger_journal's figures after it; a covered vault's price
 * per share moves only at its transitions). price_per_share: assets per whole share. */
static const struct report_field nav_f[] = {
    F_INT("business_ms"),
    F_TEXT("vault"),
    F_TEXT("source"),
    F_TEXT("ref"),
    F_INT("cycle_no"),
    F_TEXT("event"),
    F_TEXT("from_stage"),
    F_TEXT("reason"),
    F_TEXT("asset"),
    F_AMT_ROW("total_assets", 0),
    F_AMT("total_supply", SHARE),
    F_AMT_ROW("price_per_share", 0),
    F_AMT("usdc_balance", USD),
    F_AMT("open_spreads", CONTRACT),
    F_INT("queue_paid"),
};
static const char nav_sql[] =
    "SELECT t.business_ms, t.vault_id AS vault, 'cycle_transition'::TEXT AS source,"
    " t.id::TEXT AS ref, t.cycle_no, t.to_stage AS event, t.from_stage, t.reason, v.asset,"
    " t.total_assets::TEXT AS total_assets, t.total_supply::TEXT AS total_supply,"
    " t.price_per_share::TEXT AS price_per_share, t.usdc_balance::TEXT AS usdc_balance,"
    " t.open_spreads::TEXT AS open_spreads, t.queue_paid::BIGINT AS queue_paid,"
    " v.asset_decimals AS _d0, t.business_ms AS _ms, 'cycle_transition'::TEXT AS _k, t.id AS _n,"
    " t.vault_id AS _vault"
    " FROM cycle_transitions t JOIN vaults v ON v.id = t.vault_id"
    " UNION ALL"
    " SELECT j.business_ms, j.vault_id, 'ledger_journal', j.id::TEXT, NULL::BIGINT, j.op,"
    " NULL::TEXT, NULL::TEXT, v.asset, j.total_assets_after::TEXT, j.total_supply_after::TEXT,"
    " j.price_per_share_after::TEXT, NULL::TEXT, NULL::TEXT, NULL::BIGINT,"
    " v.asset_decimals, j.business_ms, 'ledger_journal', j.id, j.vault_id"
    " FROM ledger_journal j JOIN vaults v ON v.id = j.vault_id WHERE v.kind = 'depot'";

/* P&L: a covered vault per cycle (fills without a cycle number under cycle_no null), a
 * depot per maturity. Decimals: _d0 the cash column (USDC for a covered vault, the depot's
 * asset), _d1 the vault's asset. */
static const struct report_field pnl_f[] = {
    F_INT("business_ms"),
    F_TEXT("vault"),
    F_TEXT("basis"),
    F_INT("cycle_no"),
    F_INT("maturity_ms"),
    F_TEXT("status"),
    F_TEXT("asset"),
    F_AMT("size", CONTRACT),
    F_AMT_ROW("premium", 0),
    F_AMT_ROW("spread", 0),
    F_AMT_ROW("perf_fee", 1),
    F_AMT("perf_fee_shares", SHARE),
    F_AMT_ROW("mint_fee", 0),
    F_AMT_ROW("payout", 0),
    F_AMT_ROW("net", 0),
    F_AMT("settlement_price", USD),
    F_AMT("usdc_after", USD),
    F_AMT_ROW("collateral_bought", 1),
    F_AMT("usdc_spent", USD),
    F_AMT_ROW("collateral_sold", 1),
    F_AMT("usdc_received", USD),
};
#define PNL_CYCLE_MS "LEAST(t.first_ms, f.first_ms, s.business_ms)"
static const char pnl_sql[] =
    "SELECT " PNL_CYCLE_MS " AS business_ms, k.vault_id AS vault, 'cycle'::TEXT AS basis,"
    " NULLIF(k.c, 0) AS cycle_no, s.expiry_ms AS maturity_ms,"
    " CASE WHEN s.vault_id IS NULL THEN 'open' ELSE 'settled' END AS status, v.asset,"
    " COALESCE(f.spreads, 0)::TEXT AS size, COALESCE(f.premium, 0)::TEXT AS premium,"
    " NULL::TEXT AS spread, COALESCE(t.pfa, 0)::TEXT AS perf_fee,"
    " COALESCE(t.pfs, 0)::TEXT AS perf_fee_shares, NULL::TEXT AS mint_fee,"
    " COALESCE(s.net_loss, 0)::TEXT AS payout,"
    " (COALESCE(f.premium, 0) - COALESCE(s.net_loss, 0))::TEXT AS net,"
    " s.settlement_price::TEXT AS settlement_price, s.usdc_after::TEXT AS usdc_after,"
    " COALESCE(f.bought, 0)::TEXT AS collateral_bought, COALESCE(f.spent, 0)::TEXT AS usdc_spent,"
    " COALESCE(f.sold, 0)::TEXT AS collateral_sold, COALESCE(f.received, 0)::TEXT AS usdc_received,"
    " 6 AS _d0, v.asset_decimals AS _d1, " PNL_CYCLE_MS " AS _ms, k.vault_id AS _k, k.c AS _n,"
    " k.vault_id AS _vault"
    " FROM (SELECT vault_id, COALESCE(cycle_no, 0) AS c FROM fills"
    "       UNION SELECT vault_id, cycle_no FROM vault_settlements"
    "       UNION SELECT vault_id, cycle_no FROM cycle_transitions) k"
    " JOIN vaults v ON v.id = k.vault_id"
    " LEFT JOIN LATERAL (SELECT min(x.business_ms) AS first_ms, sum(x.perf_fee_assets) AS pfa,"
    "   sum(x.perf_fee_shares) AS pfs FROM cycle_transitions x"
    "   WHERE x.vault_id = k.vault_id AND x.cycle_no = k.c) t ON TRUE"
    " LEFT JOIN LATERAL (SELECT min(y.business_ms) AS first_ms,"
    "   sum(y.amount) FILTER (WHERE y.kind = 'spread') AS spreads,"
    "   sum(y.premium) FILTER (WHERE y.kind = 'spread') AS premium,"
    "   sum(y.amount) FILTER (WHERE y.side = 'buy') AS bought,"
    "   sum(y.premium) FILTER (WHERE y.side = 'buy') AS spent,"
    "   sum(y.amount) FILTER (WHERE y.side = 'sell') AS sold,"
    "   sum(y.premium) FILTER (WHERE y.side = 'sell') AS received"
    "   FROM fills y WHERE y.vault_id = k.vault_id AND COALESCE(y.cycle_no, 0) = k.c) f ON TRUE"
    " LEFT JOIN vault_settlements s ON s.vault_id = k.vault_id AND s.cycle_no = k.c"
    " UNION ALL"
    " SELECT p.maturity_ms, p.depot_id, 'maturity', NULL::BIGINT, p.maturity_ms,"
    " CASE WHEN bool_or(p.status = 'open') THEN 'open' ELSE 'settled' END, v.asset,"
    " sum(p.size)::TEXT, sum(p.premium)::TEXT, sum(p.spread)::TEXT, sum(p.perf_fee)::TEXT,"
    " NULL::TEXT, sum(p.mint_fee)::TEXT, COALESCE(sum(p.payoff), 0)::TEXT,"
    " (sum(p.premium) + sum(p.spread) - sum(p.perf_fee) - COALESCE(sum(p.payoff), 0))::TEXT,"
    " max(p.settlement_price)::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT, NULL::TEXT,"
    " v.asset_decimals, v.asset_decimals, p.maturity_ms, p.depot_id, 0::BIGINT, p.depot_id"
    " FROM depot_positions p JOIN vaults v ON v.id = p.depot_id"
    " GROUP BY p.depot_id, p.maturity_ms, v.asset, v.asset_decimals";

/* Fees: a covered vault's performance fee at its cycle ends (shares minted and their
 * assets), a depot's minting and performance fees per trade (paid by the buyer), and the
 * management fee's shares per share operation (assets: their value at the price after). */
static const struct report_field fees_f[] = {
    F_INT("business_ms"),   F_TEXT("vault"),        F_TEXT("fee_type"), F_TEXT("source"),
    F_TEXT("ref"),          F_INT("cycle_no"),      F_TEXT("asset"),    F_TEXT("buyer"),
    F_AMT("shares", SHARE), F_AMT_ROW("assets", 0),
};
static const char fees_sql[] =
    "SELECT t.business_ms, t.vault_id AS vault, 'performance'::TEXT AS fee_type,"
    " 'cycle_transition'::TEXT AS source, t.id::TEXT AS ref, t.cycle_no, v.asset,"
    " NULL::TEXT AS buyer, t.perf_fee_shares::TEXT AS shares, t.perf_fee_assets::TEXT AS assets,"
    " v.asset_decimals AS _d0, t.business_ms AS _ms, 'cycle_transition'::TEXT AS _k, t.id AS _n,"
    " t.vault_id AS _vault"
    " FROM cycle_transitions t JOIN vaults v ON v.id = t.vault_id"
    " WHERE t.perf_fee_shares > 0 OR t.perf_fee_assets > 0"
    " UNION ALL"
    " SELECT p.trade_ms, p.depot_id, 'minting', 'depot_position', p.position_id::TEXT,"
    " NULL::BIGINT, v.asset, p.buyer_id, NULL::TEXT, p.mint_fee::TEXT, v.asset_decimals,"
    " p.trade_ms, 'depot_position:minting:' || p.depot_id, p.position_id, p.depot_id"
    " FROM depot_positions p JOIN vaults v ON v.id = p.depot_id WHERE p.mint_fee > 0"
    " UNION ALL"
    " SELECT p.trade_ms, p.depot_id, 'performance', 'depot_position', p.position_id::TEXT,"
    " NULL::BIGINT, v.asset, p.buyer_id, NULL::TEXT, p.perf_fee::TEXT, v.asset_decimals,"
    " p.trade_ms, 'depot_position:performance:' || p.depot_id, p.position_id, p.depot_id"
    " FROM depot_positions p JOIN vaults v ON v.id = p.depot_id WHERE p.perf_fee > 0"
    " UNION ALL"
    " SELECT j.business_ms, j.vault_id, 'management', 'ledger_journal', j.id::TEXT, NULL::BIGINT,"
    " v.asset, NULL::TEXT, j.fee_shares::TEXT,"
    " div(j.fee_shares * j.price_per_share_after,"
    "     10::NUMERIC ^ (v.asset_decimals + v.decimals_offset))::TEXT,"
    " v.asset_decimals, j.business_ms, 'ledger_journal', j.id, j.vault_id"
    " FROM ledger_journal j JOIN vaults v ON v.id = j.vault_id WHERE j.fee_shares > 0";

static const struct report_field refusals_f[] = {
    F_TEXT("id"),       F_INT("business_ms"), F_TEXT("vault"),  F_TEXT("auction_id"),
    F_TEXT("quote_id"), F_TEXT("maker"),      F_TEXT("reason"), F_JSON("details"),
};
static const char refusals_sql[] =
    "SELECT m.id::TEXT AS id, m.business_ms, m.vault_id AS vault, m.auction_id::TEXT AS auction_id,"
    " m.quote_id::TEXT AS quote_id, m.maker_id AS maker, m.reason, m.details::TEXT AS details,"
    " m.business_ms AS _ms, ''::TEXT AS _k, m.id AS _n, m.vault_id AS _vault"
    " FROM mandate_refusals m";

#define DEF(name, f, ndec, sql)                                                                    \
  { name, f, NF(f), ndec, sql }
static const struct report_def defs[] = {
    DEF("fills", fills_f, 1, fills_sql),
    DEF("rfqs", rfqs_f, 1, rfqs_sql),
    DEF("quotes", quotes_f, 0, quotes_sql),
    DEF("settlements", settlements_f, 0, settlements_sql),
    DEF("depot-trades", depot_trades_f, 1, depot_trades_sql),
    DEF("maturities", maturities_f, 1, maturities_sql),
    DEF("nav", nav_f, 1, nav_sql),
    DEF("pnl", pnl_f, 2, pnl_sql),
    DEF("fees", fees_f, 1, fees_sql),
    DEF("refusals", refusals_f, 0, refusals_sql),
};
#define NDEFS ((int)(sizeof defs / sizeof defs[0]))
_Static_assert(NF(fills_f) <= REPORT_MAX_FIELDS && NF(depot_trades_f) <= REPORT_MAX_FIELDS &&
                   NF(pnl_f) <= REPORT_MAX_FIELDS,
               "a report has more fields than REPORT_MAX_FIELDS");

const struct report_def *report_find(const char *name) {
  for (int i = 0; i < NDEFS; i++)
    if (strcmp(defs[i].name, name) == 0) return &defs[i];
  return NULL;
}

const struct report_def *report_at(int i) {
  return i >= 0 && i < NDEFS ? &defs[i] : NULL;
}

/* The statement for a filter: the definition wrapped in the filter's predicates, ordered
 * by the key. Parameters are text; their buffers live in q. */
struct query {
  char *sql;
  const char *p[8];
  int n;
  struct sql_text t[6];
};

static void add_param(struct query *q, const char *v) {
  q->p[q->n++] = v;
}

static int build(const struct report_filter *f, long long limit, struct query *q) {
  memset(q, 0, sizeof *q);
  size_t cap = strlen(f->def->sql) + 512;
  q->sql = malloc(cap);
  if (!q->sql) return STORE_EINTERNAL;
  size_t o = (size_t)snprintf(q->sql, cap, "SELECT * FROM (%s) r WHERE TRUE", f->def->sql);
  if (f->has_from) {
    q->t[0] = sql_ll(f->from_ms);
    add_param(q, q->t[0].b);
    o += (size_t)snprintf(q->sql + o, cap - o, " AND r._ms >= $%d::BIGINT", q->n);
  }
  if (f->has_to) {
    q->t[1] = sql_ll(f->to_ms);
    add_param(q, q->t[1].b);
    o += (size_t)snprintf(q->sql + o, cap - o, " AND r._ms < $%d::BIGINT", q->n);
  }
  if (f->vault) {
    add_param(q, f->vault);
    o += (size_t)snprintf(q->sql + o, cap - o, " AND r._vault = $%d", q->n);
  }
  if (f->has_after) {
    q->t[2] = sql_ll(f->after.ms);
    q->t[3] = sql_ll(f->after.n);
    add_param(q, q->t[2].b);
    add_param(q, f->after.k);
    add_param(q, q->t[3].b);
    o += (size_t)snprintf(q->sql + o, cap - o,
                          " AND (r._ms, r._k, r._n) > ($%d::BIGINT, $%d::TEXT, $%d::BIGINT)",
                          q->n - 2, q->n - 1, q->n);
  }
  o += (size_t)snprintf(q->sql + o, cap - o, " ORDER BY r._ms, r._k, r._n");
  if (limit > 0) {
    q->t[4] = sql_ll(limit);
    add_param(q, q->t[4].b);
    o += (size_t)snprintf(q->sql + o, cap - o, " LIMIT $%d::BIGINT", q->n);
  }
  return o < cap ? STORE_OK : STORE_EINTERNAL;
}

/* Row k of res as a report_row. */
static int read_row(const struct report_def *d, const struct pg_result *res, int k,
                    struct report_row *row) {
  int c = 0;
  for (; c < d->nfields; c++) {
    row->cells[c] = db_value(res, k, c);
    row->null[c] = db_is_null(res, k, c);
  }
  for (int i = 0; i < d->ndec; i++, c++)
    row->decimals[i] = atoi(db_value(res, k, c));
  row->key.ms = strtoll(db_value(res, k, c), NULL, 10);
  const char *key = db_value(res, k, c + 1);
  if (strlen(key) >= sizeof row->key.k) return STORE_EINTERNAL;
  snprintf(row->key.k, sizeof row->key.k, "%s", key);
  row->key.n = strtoll(db_value(res, k, c + 2), NULL, 10);
  return STORE_OK;
}

/* Calls fn for the first `upto` rows of res; fn's non-zero status stops (and is returned). */
static int each_row(const struct report_def *d, const struct pg_result *res, int upto,
                    report_row_fn fn, void *arg) {
  struct report_row *row = calloc(1, sizeof *row);
  if (!row) return STORE_EINTERNAL;
  int st = STORE_OK;
  for (int k = 0; k < upto && st == STORE_OK; k++) {
    st = read_row(d, res, k, row);
    if (st == STORE_OK) st = fn(row, arg);
  }
  free(row);
  return st;
}

int store_report_page(struct db *db, const struct report_filter *filter, report_row_fn fn,
                      void *arg, int *has_next, struct report_key *next) {
  if (filter->limit <= 0) return STORE_EINTERNAL;
  struct query q;
  int st = build(filter, filter->limit + 1, &q);
  struct pg_result *res = NULL;
  if (st == STORE_OK) st = db_exec(db, q.sql, q.n, q.p, &res);
  free(q.sql);
  if (st) return st;
  int rows = db_rows(res);
  int upto = rows > filter->limit ? (int)filter->limit : rows;
  st = each_row(filter->def, res, upto, fn, arg);
  if (st == STORE_OK) {
    *has_next = rows > filter->limit;
    if (*has_next) {
      struct report_row *last = calloc(1, sizeof *last);
      st = last ? read_row(filter->def, res, upto - 1, last) : STORE_EINTERNAL;
      if (st == STORE_OK) *next = last->key;
      free(last);
    }
  }
  db_result_free(res);
  return st;
}

struct report_stream {
  struct db *db;
  const struct report_def *def;
  int open; /* the transaction is open */
};

int store_report_stream_open(const char *conninfo, const struct report_filter *filter,
                             struct report_stream **out) {
  struct report_stream *s = calloc(1, sizeof *s);
  if (!s) return STORE_EINTERNAL;
  s->def = filter->def;
  s->db = db_new(conninfo);
  int st = s->db ? db_ensure(s->db, NULL, 0) : STORE_EINTERNAL;
  if (st == STORE_OK) {
    st = db_exec(s->db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL);
    s->open = st == STORE_OK;
  }
  if (st == STORE_OK) {
    struct query q;
    st = build(filter, filter->limit, &q);
    if (st == STORE_OK) {
      size_t n = strlen(q.sql) + 64;
      char *decl = malloc(n);
      if (decl) {
        snprintf(decl, n, "DECLARE report_rows NO SCROLL CURSOR FOR %s", q.sql);
        st = db_exec(s->db, decl, q.n, q.p, NULL);
      } else {
        st = STORE_EINTERNAL;
      }
      free(decl);
    }
    free(q.sql);
  }
  if (st) {
    store_report_stream_close(s);
    return st;
  }
  *out = s;
  return STORE_OK;
}

int store_report_stream_next(struct report_stream *s, report_row_fn fn, void *arg, int *done) {
  struct pg_result *res = NULL;
  char sql[64];
  snprintf(sql, sizeof sql, "FETCH %d FROM report_rows", REPORT_FETCH_ROWS);
  int st = db_exec(s->db, sql, 0, NULL, &res);
  if (st) return st;
  int rows = db_rows(res);
  st = each_row(s->def, res, rows, fn, arg);
  db_result_free(res);
  if (st == STORE_OK) *done = rows < REPORT_FETCH_ROWS;
  return st;
}

void store_report_stream_close(struct report_stream *s) {
  if (!s) return;
  if (s->open && db_exec(s->db, "ROLLBACK", 0, NULL, NULL) != STORE_OK) {
    /* read only: nothing to keep; the connection goes anyway */
  }
  db_free(s->db);
  free(s);
}

int store_report_vault_exists(struct db *db, const char *vault) {
  struct pg_result *res = NULL;
  const char *p[] = {vault};
  int st = db_exec(db, "SELECT 1 FROM vaults WHERE id = $1", 1, p, &res);
  if (st) return st;
  int found = db_rows(res) == 1;
  db_result_free(res);
  return found;
}
