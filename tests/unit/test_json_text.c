/* test_json_text: the direct JSON writers (api/json_text.h) and the desk's quote text equal
 * jansson's compact dump byte for byte, or refuse (so the caller uses jansson). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "desk_internal.h"
#include "json_text.h"
#include "testlib.h"

static char *jansson_dump(json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY);
  json_decref(v);
  return s;
}

/* {"k":<v>} through json_text (write) and through jansson (value). */
static void check_same(void (*write)(struct json_text *t), json_t *value) {
  char buf[512];
  struct json_text t;
  json_text_init(&t, buf, sizeof buf);
  write(&t);
  json_text_raw(&t, "}");
  long n = json_text_finish(&t, buf);
  json_t *o = json_object();
  json_object_set_new(o, "k", value);
  char *want = jansson_dump(o);
  CHECK(n > 0);
  CHECK_STR_EQ(n > 0 ? buf : "(refused)", want);
  free(want);
}

static double real_v;
static void w_real(struct json_text *t) { json_text_real(t, "{\"k\":", real_v); }

TEST(reals_match_jansson) {
  double vs[] = {0.0, 1.0, -1.5, 0.1, 1e-5, 1.25e-7, 3e21, -2.5e300, 123456789012345.0,
                 0.30000000000000004, 1e15, 1e16, 5e-324, 0.2231435513142097};
  for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
    real_v = vs[i];
    check_same(w_real, json_real(vs[i]));
  }
}

static const char *str_v;
static void w_str(struct json_text *t) { json_text_str(t, "{\"k\":", str_v); }
static long long int_v;
static void w_int(struct json_text *t) { json_text_int(t, "{\"k\":", int_v); }

TEST(strings_and_integers_match_jansson) {
  const char *ss[] = {"", "BTC-20230303-56000-P", "a b ~ {}[]:,", "0.000001"};
  for (size_t i = 0; i < sizeof ss / sizeof ss[0]; i++) {
    str_v = ss[i];
    check_same(w_str, json_string(ss[i]));
  }
  long long is[] = {0, 1, -1, 1700000000000LL, 9223372036854775807LL};
  for (size_t i = 0; i < sizeof is / sizeof is[0]; i++) {
    int_v = is[i];
    check_same(w_int, json_integer(is[i]));
  }
}

TEST(what_needs_escapes_or_room_is_refused) {
  char buf[64];
  const char *bad[] = {"quo\"te", "back\\slash", "new\nline", "caf\xc3\xa9", "\x7f"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct json_text t;
    json_text_init(&t, buf, sizeof buf);
    json_text_str(&t, "{\"k\":", bad[i]);
    CHECK_INT_EQ(json_text_finish(&t, buf), -1);
  }
  struct json_text t;
  json_text_init(&t, buf, sizeof buf);
  json_text_real(&t, "{\"k\":", NAN);
  CHECK_INT_EQ(json_text_finish(&t, buf), -1);
  json_text_init(&t, buf, 8); /* 7 usable bytes */
  json_text_raw(&t, "1234567");
  CHECK_INT_EQ(json_text_finish(&t, buf), 7);
  json_text_init(&t, buf, 8);
  json_text_raw(&t, "12345678");
  CHECK_INT_EQ(json_text_finish(&t, buf), -1);
}

static void quote_fixture(struct desk_vault *v, struct desk_quote *q) {
  memset(v, 0, sizeof *v);
  memset(q, 0, sizeof *q);
  snprintf(v->id, sizeof v->id, "lbtc-maxi");
  v->nlegs = 2;
  snprintf(v->legs[0].instrument, sizeof v->legs[0].instrument, "BTC-20230303-56000-P");
  v->legs[0].sell = 1;
  snprintf(v->legs[1].instrument, sizeof v->legs[1].instrument, "BTC-20230303-54000-P");
  q->v = v;
  q->id = 18446744073709551615ULL; /* ids print unsigned */
  q->rfq_id = 7;
  q->amount = 250000000;
  q->price[0] = 450120000;
  q->price[1] = 200000000;
  q->credit = 250120000;
  q->max_fee = 0;
  q->nonce = -3;
  q->expiry_ms = 1677226200999;
  q->created_ms = 1677225600000;
  q->updated_ms = 1677225600500;
  snprintf(q->label, sizeof q->label, "desk-1");
  q->status = "open";
}

static void check_quote(const struct desk_quote *q) {
  char buf[2048];
  long n = desk_quote_text(q, buf, sizeof buf);
  char *want = jansson_dump(desk_quote_json(q));
  CHECK(n > 0);
  CHECK_STR_EQ(n > 0 ? buf : "(refused)", want);
  free(want);
}

TEST(quote_text_is_the_quote_json_dumped) {
  struct desk_vault v;
  struct desk_quote q;
  quote_fixture(&v, &q);
  check_quote(&q);
  q.status = "filled"; /* fill_pct 100 */
  snprintf(q.cancel_reason, sizeof q.cancel_reason, "replaced");
  check_quote(&q);
  v.spot_order = 1; /* a spot order: the amount in the collateral's decimals */
  v.collateral_decimals = 8;
  v.nlegs = 1;
  snprintf(v.legs[0].instrument, sizeof v.legs[0].instrument, "LBTC-USDC");
  check_quote(&q);
  snprintf(q.label, sizeof q.label, "with \"quotes\""); /* needs escapes: refused */
  char buf[2048];
  CHECK_INT_EQ(desk_quote_text(&q, buf, sizeof buf), -1);
  CHECK_INT_EQ(desk_quote_text(&q, buf, 16), -1);
}
