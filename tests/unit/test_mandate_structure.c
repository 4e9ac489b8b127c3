/* test_mandate_structure: rule 1, the spread's shape: each refusal with its leg and numbers. */
#include "mandate_structure.h"
#include "testlib.h"

#define USD(x) ((money_u128)(x)*1000000u)
#define SPREADS(x) ((money_u128)(x)*100000000u)
#define NOW INT64_C(1677225600000) /* Fri 2023-02-24 08:00 UTC */
#define EXPIRY (NOW + 7 * MANDATE_DAY_MS)

#define CHECK_REFUSAL(st, why, code_, leg_, what_, value_, bound_)                                 \
  do {                                                                                             \
    CHECK_STR_EQ(mandate_strerror(st), mandate_strerror(code_));                                   \
    CHECK_INT_EQ((why).code, (code_));                                                             \
    CHECK_INT_EQ((why).leg, (leg_));                                                               \
    CHECK_STR_EQ((why).what, (what_));                                                             \
    CHECK_I128_EQ((why).value, (value_));                                                          \
    CHECK_I128_EQ((why).bound, (bound_));                                                          \
  } while (0)

/* The vault sells the 56000 put and buys the 54000 put, 2 spreads, BTC width 2000. */
static void legs_ok(struct mandate_leg l[2]) {
  l[0] = (struct mandate_leg){MANDATE_PUT, USD(56000), EXPIRY, MANDATE_SELL, SPREADS(2)};
  l[1] = (struct mandate_leg){MANDATE_PUT, USD(54000), EXPIRY, MANDATE_BUY, SPREADS(2)};
}

static int check(const struct mandate_leg *l, size_t n, struct mandate_refusal *why) {
  struct mandate_params p = mandate_params_default(USD(2000));
  return mandate_check_structure(&p, l, n, why);
}

TEST(structure_passes_in_either_leg_order) {
  struct mandate_leg l[2], swapped[2];
  struct mandate_refusal why, before;
  memset(&why, 0xab, sizeof why);
  before = why;
  legs_ok(l);
  CHECK_INT_EQ(check(l, 2, &why), MANDATE_OK);
  CHECK(memcmp(&why, &before, sizeof why) == 0); /* outputs only on refusal */
  swapped[0] = l[1];
  swapped[1] = l[0];
  CHECK_INT_EQ(check(swapped, 2, &why), MANDATE_OK);
}

TEST(structure_legs_not_two) {
  struct mandate_leg l[3];
  struct mandate_refusal why;
  legs_ok(l);
  l[2] = l[1];
  CHECK_REFUSAL(check(l, 1, &why), why, MANDATE_ELEGS_NOT_TWO, -1, "legs", 1, 2);
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_COUNT);
  CHECK_REFUSAL(check(l, 3, &why), why, MANDATE_ELEGS_NOT_TWO, -1, "legs", 3, 2);
  CHECK_REFUSAL(check(NULL, 0, &why), why, MANDATE_ELEGS_NOT_TWO, -1, "legs", 0, 2);
}

TEST(structure_not_puts) {
  struct mandate_leg l[2];
  struct mandate_refusal why;
  legs_ok(l);
  l[1].type = MANDATE_CALL;
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_ENOT_PUTS, 1, "option_type", MANDATE_CALL,
                MANDATE_PUT);
  legs_ok(l);
  l[0].type = MANDATE_CALL;
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_ENOT_PUTS, 0, "option_type", MANDATE_CALL,
                MANDATE_PUT);
}

TEST(structure_expiry_mismatch_by_one_ms) {
  struct mandate_leg l[2];
  struct mandate_refusal why;
  legs_ok(l);
  l[1].expiry_ms = EXPIRY + 1;
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_EEXPIRY_MISMATCH, 1, "expiry_ms", EXPIRY + 1,
                EXPIRY);
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_TIME_MS);
}

TEST(structure_strike_width_exact) {
  struct mandate_leg l[2];
  struct mandate_refusal why;
  legs_ok(l);
  l[1].strike = USD(54000) + 1; /* 1999.999999 wide */
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_ESTRIKE_WIDTH, -1, "strike_width", USD(2000) - 1,
                USD(2000));
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_USD);
  l[1].strike = USD(54000) - 1; /* 2000.000001 wide */
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_ESTRIKE_WIDTH, -1, "strike_width", USD(2000) + 1,
                USD(2000));
  l[1].strike = l[0].strike;
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_ESTRIKE_WIDTH, -1, "strike_width", 0, USD(2000));
  /* Another width is a parameter: ETH's 100. */
  struct mandate_params eth = mandate_params_default(USD(100));
  l[1].strike = USD(55900);
  CHECK_INT_EQ(mandate_check_structure(&eth, l, 2, &why), MANDATE_OK);
}

TEST(structure_zero_amount) {
  struct mandate_leg l[2];
  struct mandate_refusal why;
  legs_ok(l);
  l[0].amount = l[1].amount = 0;
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_EZERO_AMOUNT, 0, "amount", 0, 1);
}

TEST(structure_amounts_not_opposite) {
  struct mandate_leg l[2];
  struct mandate_refusal why;
  legs_ok(l);
  l[1].amount = SPREADS(2) + 1; /* one base unit more on the long leg */
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_EAMOUNTS_NOT_OPPOSITE, 1, "signed_amount",
                (money_i128)SPREADS(2) + 1, (money_i128)SPREADS(2));
  CHECK_INT_EQ(why.unit, MANDATE_UNIT_CONTRACTS);
  legs_ok(l);
  l[1].side = MANDATE_SELL; /* both sold */
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_EAMOUNTS_NOT_OPPOSITE, 1, "signed_amount",
                -(money_i128)SPREADS(2), (money_i128)SPREADS(2));
  legs_ok(l);
  l[1].side = (enum mandate_side)7; /* neither buy nor sell */
  CHECK_INT_EQ(check(l, 2, &why), MANDATE_EAMOUNTS_NOT_OPPOSITE);
}

TEST(structure_not_net_short) {
  struct mandate_leg l[2];
  struct mandate_refusal why;
  legs_ok(l);
  l[0].side = MANDATE_BUY; /* buys K1, sells K2: net long the spread */
  l[1].side = MANDATE_SELL;
  CHECK_REFUSAL(check(l, 2, &why), why, MANDATE_ENOT_NET_SHORT, 0, "k1_signed_amount",
                (money_i128)SPREADS(2), -(money_i128)SPREADS(2));
  struct mandate_leg swapped[2] = {l[1], l[0]}; /* K1 is the second leg now */
  CHECK_REFUSAL(check(swapped, 2, &why), why, MANDATE_ENOT_NET_SHORT, 1, "k1_signed_amount",
                (money_i128)SPREADS(2), -(money_i128)SPREADS(2));
}

TEST(structure_errors_leave_refusal_untouched) {
  struct mandate_leg l[2];
  struct mandate_refusal why, before;
  memset(&why, 0x5a, sizeof why);
  before = why;
  legs_ok(l);
  struct mandate_params p = mandate_params_default(0); /* no width */
  CHECK_INT_EQ(mandate_check_structure(&p, l, 2, &why), MANDATE_EINVALID);
  CHECK_INT_EQ(check(NULL, 2, &why), MANDATE_EINVALID);
  CHECK_INT_EQ(check(l, 2, NULL), MANDATE_EINVALID);
  CHECK(memcmp(&why, &before, sizeof why) == 0);
}
