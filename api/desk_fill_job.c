/* desk_fill_job: a fill's durable rows, as statements and as a row of the set-based form. */
#include "desk_fill_job.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

const char desk_fill_bulk_sql[] =
    "WITH x AS (SELECT * FROM jsonb_to_recordset($1::JSONB) AS x(quote_id BIGINT, rfq_id BIGINT,"
    " auction_id BIGINT, vault_id TEXT, maker_id TEXT, legs JSONB, amount NUMERIC, credit NUMERIC,"
    " premium NUMERIC, mark_credit NUMERIC, max_fee NUMERIC, nonce BIGINT, expiry_ms BIGINT,"
    " label TEXT, created_ms BIGINT, rfq_amount NUMERIC, rfq_created BIGINT, rfq_until BIGINT,"
    " business_ms BIGINT)),"
    " r AS (INSERT INTO rfqs(id, auction_id, amount, created_ms, valid_until, status)"
    " SELECT DISTINCT ON (rfq_id) rfq_id, auction_id, rfq_amount, rfq_created, rfq_until, 'filled'"
    " FROM x ON CONFLICT (id) DO UPDATE SET status = 'filled'),"
    " q AS (INSERT INTO quotes(id, rfq_id, maker_id, nonce, legs, credit, max_fee, expiry_ms, label,"
    " created_ms, status) SELECT quote_id, rfq_id, maker_id, nonce, legs, credit, max_fee, expiry_ms,"
    " label, created_ms, 'filled' FROM x ON CONFLICT (id) DO UPDATE SET status = 'filled'"
    " WHERE quotes.status = 'open' RETURNING id),"
    " f AS (INSERT INTO fills(quote_id, rfq_id, auction_id, vault_id, maker_id, legs, amount, credit,"
    " premium, fee, mark_credit, mandate, business_ms, kind, side, cycle_no) SELECT x.quote_id,"
    " x.rfq_id, x.auction_id, x.vault_id, x.maker_id, x.legs, x.amount, x.credit, x.premium, 0,"
    " x.mark_credit, 'passed', x.business_ms, 'spread', NULL, c.cycle_no FROM x"
    " LEFT JOIN vault_cycles c ON c.vault_id = x.vault_id RETURNING quote_id),"
    " a AS (UPDATE auctions SET sold_amount = auctions.sold_amount + s.amount FROM (SELECT auction_id,"
    " sum(amount) AS amount FROM x GROUP BY auction_id) s WHERE auctions.id = s.auction_id"
    " RETURNING auctions.id),"
    " v AS (UPDATE vaults SET usdc_balance = vaults.usdc_balance + s.premium, open_spreads ="
    " vaults.open_spreads + s.amount FROM (SELECT vault_id, sum(premium) AS premium, sum(amount) AS amount FROM x"
    " GROUP BY vault_id) s WHERE vaults.id = s.vault_id RETURNING vaults.id),"
    " c AS (UPDATE vault_cycles SET premium = vault_cycles.premium + s.premium FROM (SELECT vault_id,"
    " sum(premium) AS premium FROM x GROUP BY vault_id) s WHERE vault_cycles.vault_id = s.vault_id)"
    " SELECT 1 WHERE (SELECT count(*) FROM q) = (SELECT count(*) FROM x)"
    " AND (SELECT count(*) FROM f) = (SELECT count(*) FROM x)"
    " AND (SELECT count(*) FROM a) = (SELECT count(DISTINCT auction_id) FROM x)"
    " AND (SELECT count(*) FROM v) = (SELECT count(DISTINCT vault_id) FROM x)";

static void fmt_u64(uint64_t v, char out[24]) { snprintf(out, 24, "%llu", (unsigned long long)v); }
static void fmt_i64(int64_t v, char out[24]) { snprintf(out, 24, "%lld", (long long)v); }
static void fmt_amount(money_u128 v, char out[MONEY_FMT_MAX]) {
  if (money_format(v, 0, out, MONEY_FMT_MAX) < 0) out[0] = 0;
}

/* The row of the set-based form (JSON text), or NULL. */
static char *bulk_row(const struct desk_fill_row *r, const char *quote, const char *rfq,
                      const char *auction, const char *amount, const char *credit,
                      const char *premium, const char *mark, const char *fee, const char *nonce,
                      const char *expiry, const char *created, const char *lot,
                      const char *rfq_created, const char *until, const char *t) {
  json_error_t je;
  json_t *legs = json_loads(r->legs, 0, &je);
  if (!legs) return NULL;
  json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,"
                          "s:s,s:s}",
                          "quote_id", quote, "rfq_id", rfq, "auction_id", auction, "vault_id",
                          r->vault_id, "maker_id", r->maker_id, "legs", legs, "amount", amount,
                          "credit", credit, "premium", premium, "mark_credit", mark, "max_fee", fee,
                          "nonce", nonce, "expiry_ms", expiry, "label", r->label, "created_ms",
                          created, "rfq_amount", lot, "rfq_created", rfq_created, "rfq_until", until,
                          "business_ms", t);
  char *text = row ? json_dumps(row, JSON_COMPACT) : NULL;
  json_decref(row);
  return text;
}

struct desk_job *desk_fill_job_new(const struct desk_fill_row *r) {
  struct desk_job *j = desk_job_new(1);
  if (!j) return NULL;
  char quote[24], rfq[24], auction[24], nonce[24], expiry[24], created[24], rfq_created[24],
      until[24], t[24];
  char amount[MONEY_FMT_MAX], credit[MONEY_FMT_MAX], premium[MONEY_FMT_MAX], mark[MONEY_FMT_MAX],
      fee[MONEY_FMT_MAX], lot[MONEY_FMT_MAX];
  fmt_u64(r->quote_id, quote);
  fmt_u64(r->rfq_id, rfq);
  fmt_u64(r->auction_id, auction);
  snprintf(nonce, sizeof nonce, "%lld", r->nonce);
  fmt_i64(r->expiry_ms, expiry);
  fmt_i64(r->quote_created_ms, created);
  fmt_i64(r->rfq_created_ms, rfq_created);
  fmt_i64(r->rfq_valid_until, until);
  fmt_i64(r->business_ms, t);
  fmt_amount(r->amount, amount);
  fmt_amount(r->credit, credit);
  fmt_amount(r->premium, premium);
  fmt_amount(r->mark_credit, mark);
  fmt_amount(r->max_fee, fee);
  fmt_amount(r->rfq_amount, lot);
  const char *rp[] = {rfq, auction, lot, rfq_created, until};
  int rc = desk_job_stmt(j, "INSERT INTO rfqs(id, auction_id, amount, created_ms, valid_until, status)"
                            " VALUES ($1::BIGINT, $2::BIGINT, $3::NUMERIC, $4::BIGINT, $5::BIGINT, 'filled')"
                            " ON CONFLICT (id) DO UPDATE SET status = 'filled'",
                         5, rp, 0);
  const char *qp[] = {quote, rfq, r->maker_id, nonce, r->legs, credit, fee, expiry, r->label, created};
  rc |= desk_job_stmt(j, "INSERT INTO quotes(id, rfq_id, maker_id, nonce, legs, credit, max_fee,"
                         " expiry_ms, label, created_ms, status) VALUES ($1::BIGINT, $2::BIGINT, $3,"
                         " $4::BIGINT, $5::JSONB, $6::NUMERIC, $7::NUMERIC, $8::BIGINT, $9,"
                         " $10::BIGINT, 'filled') ON CONFLICT (id) DO UPDATE SET status = 'filled'"
                         " WHERE quotes.status = 'open' RETURNING id",
                      10, qp, 1);
  const char *side = !r->spot ? NULL : r->buy ? "buy" : "sell";
  const char *fill[] = {quote, rfq, auction, r->vault_id, r->maker_id, r->legs, amount, credit,
                        premium, mark, t, r->spot ? "spot" : "spread", side};
  rc |= desk_job_stmt(j, "INSERT INTO fills(quote_id, rfq_id, auction_id, vault_id, maker_id, legs, amount,"
                         " credit, premium, fee, mark_credit, mandate, business_ms, kind, side, cycle_no)"
                         " VALUES ($1::BIGINT, $2::BIGINT, $3::BIGINT, $4, $5, $6::JSONB, $7::NUMERIC,"
                         " $8::NUMERIC, $9::NUMERIC, 0, $10::NUMERIC, 'passed', $11::BIGINT, $12, $13,"
                         " (SELECT cycle_no FROM vault_cycles WHERE vault_id = $4))",
                      13, fill, 0);
  const char *ap[] = {auction, amount};
  rc |= desk_job_stmt(j, "UPDATE auctions SET sold_amount = sold_amount + $2::NUMERIC WHERE id = $1::BIGINT"
                         " RETURNING id",
                      2, ap, 1);
  const char *vp[] = {r->vault_id, premium, amount};
  if (!r->spot) {
    rc |= desk_job_stmt(j, "UPDATE vaults SET usdc_balance = usdc_balance + $2::NUMERIC,"
                           " open_spreads = open_spreads + $3::NUMERIC WHERE id = $1 RETURNING id",
                        3, vp, 1);
    rc |= desk_job_stmt(j, "UPDATE vault_cycles SET premium = premium + $2::NUMERIC WHERE vault_id = $1",
                        2, vp, 0);
    j->bulk_sql = desk_fill_bulk_sql;
    j->bulk_row = bulk_row(r, quote, rfq, auction, amount, credit, premium, mark, fee, nonce, expiry,
                           created, lot, rfq_created, until, t);
    if (!j->bulk_row) j->bulk_sql = NULL; /* its statements alone */
  } else if (r->buy) { /* collateral in, USDC out */
    rc |= desk_job_stmt(j, "UPDATE vaults SET usdc_balance = usdc_balance - $2::NUMERIC,"
                           " total_assets = total_assets + $3::NUMERIC WHERE id = $1 RETURNING id",
                        3, vp, 1);
  } else { /* collateral out (it must be there: the CHECK refuses a negative total), USDC in */
    rc |= desk_job_stmt(j, "UPDATE vaults SET usdc_balance = usdc_balance + $2::NUMERIC,"
                           " total_assets = total_assets - $3::NUMERIC WHERE id = $1 RETURNING id",
                        3, vp, 1);
  }
  if (rc) {
    desk_job_free(j);
    return NULL;
  }
  j->urgent = 1;
  return j;
}
