/* mandate_loss: rule 6, the sliding one-hour window of fills' mark losses and its bound. */
#include "mandate_loss.h"

#include <stddef.h>
#include <string.h>

#include "mandate_util.h"

/* now - at, saturated to the int64 range (a far past is very old, a far future is fresh). */
static int64_t age_ms(int64_t now_ms, int64_t at_ms) {
  int64_t age;
  if (__builtin_sub_overflow(now_ms, at_ms, &age)) return now_ms > at_ms ? INT64_MAX : INT64_MIN;
  return age;
}

static int state_ok(const struct mandate_loss_state *s) {
  return s != NULL && s->retention_ms > 0 && s->count <= MANDATE_LOSS_CAP;
}

int mandate_loss_init(struct mandate_loss_state *s, int64_t retention_ms) {
  if (s == NULL || retention_ms <= 0) return MANDATE_EINVALID;
  memset(s, 0, sizeof *s);
  s->retention_ms = retention_ms;
  return MANDATE_OK;
}

int mandate_loss_record(struct mandate_loss_state *s, int64_t now_ms, money_i128 loss) {
  if (!state_ok(s)) return MANDATE_EINVALID;
  if (loss <= 0) return MANDATE_OK;
  struct mandate_loss_entry *e = s->entries;
  uint32_t drop = 0; /* expired entries, oldest first */
  while (drop < s->count && age_ms(now_ms, e[drop].at_ms) >= s->retention_ms)
    drop++;
  uint32_t keep = s->count - drop;
  int64_t at = now_ms;
  if (s->count > 0 && e[s->count - 1].at_ms > at) at = e[s->count - 1].at_ms;
  money_u128 merged = 0;
  int merge = keep == MANDATE_LOSS_CAP;
  if (merge && money_add(e[drop].loss, e[drop + 1].loss, &merged) != MONEY_OK)
    return MANDATE_EOVERFLOW;
  /* Nothing can fail from here on. */
  if (merge) {
    e[drop + 1].loss = merged; /* the two oldest as one, at the later time */
    drop++;
    keep--;
  }
  if (drop > 0) memmove(e, e + drop, keep * sizeof *e);
  e[keep].at_ms = at;
  e[keep].loss = (money_u128)loss;
  s->count = keep + 1;
  return MANDATE_OK;
}

int mandate_loss_window_sum(const struct mandate_loss_state *s, int64_t now_ms, int64_t window_ms,
                            money_u128 *out) {
  if (!state_ok(s) || out == NULL || window_ms <= 0 || window_ms > s->retention_ms)
    return MANDATE_EINVALID;
  money_u128 sum = 0;
  for (uint32_t i = 0; i < s->count; i++) {
    if (age_ms(now_ms, s->entries[i].at_ms) >= window_ms) continue;
    if (money_add(sum, s->entries[i].loss, &sum) != MONEY_OK) return MANDATE_EOVERFLOW;
  }
  *out = sum;
  return MANDATE_OK;
}

int mandate_mark_loss(enum mandate_side side, money_i128 price, money_i128 mark, money_u128 amount,
                      money_u128 unit, money_i128 *out) {
  if (out == NULL || unit == 0) return MANDATE_EINVALID;
  money_i128 diff;
  int st;
  if (side == MANDATE_BUY)
    st = money_isub(price, mark, &diff);
  else if (side == MANDATE_SELL)
    st = money_isub(mark, price, &diff);
  else
    return MANDATE_EINVALID;
  if (st != MONEY_OK) return mandate_from_money(st);
  money_u128 q;
  money_i128 loss;
  if (diff >= 0) { /* a loss: round up */
    st = money_muldiv_up((money_u128)diff, amount, unit, &q);
    if (st == MONEY_OK) st = money_to_signed(q, &loss);
  } else { /* a gain: its magnitude rounds down, so the signed loss rounds up */
    st = money_muldiv_down((money_u128)0 - (money_u128)diff, amount, unit, &q);
    if (st == MONEY_OK && (st = money_to_signed(q, &loss)) == MONEY_OK) loss = -loss;
  }
  if (st != MONEY_OK) return mandate_from_money(st);
  *out = loss;
  return MANDATE_OK;
}

int mandate_loss_check(const struct mandate_params *p, const struct mandate_loss_state *s,
                       money_u128 tvl_usd, int64_t now_ms, money_i128 loss,
                       struct mandate_refusal *why) {
  if (why == NULL || !state_ok(s)) return MANDATE_EINVALID;
  int st = mandate_params_check(p);
  if (st != MANDATE_OK) return st;
  if (p->loss_window_ms > s->retention_ms) return MANDATE_EINVALID;
  if (loss <= 0) return MANDATE_OK;
  money_u128 bound, sum, total;
  if ((st = mandate_ratio_down(tvl_usd, p->loss_bound_ppm, &bound)) != MANDATE_OK) return st;
  if ((st = mandate_loss_window_sum(s, now_ms, p->loss_window_ms, &sum)) != MANDATE_OK) return st;
  if (money_add(sum, (money_u128)loss, &total) != MONEY_OK) return MANDATE_EOVERFLOW;
  if (total > bound)
    return mandate_refuse(why, MANDATE_ELOSS_BOUND, -1, "window_loss", MANDATE_UNIT_USD,
                          mandate_shown(total), mandate_shown(bound));
  return MANDATE_OK;
}
