/* Unit tests of the reports' text (api/report_format.c): the paging cursor round trip and
 * its refusals, amounts with fixed and per-row decimals (negative ones too), nulls, JSON
 * cells, and CSV quoting, with the same decimal strings in JSON and CSV. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report_format.h"
#include "report_store.h"
#include "testlib.h"

TEST(report_cursor_round_trip) {
  struct report_key k = {1677225600000, 42, "depot_position:minting:eth-put"}, back;
  char text[256];
  REQUIRE(report_cursor_encode("fees", &k, text, sizeof text) == 0);
  CHECK(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        strlen(text));
  REQUIRE(report_cursor_decode("fees", text, &back) == 0);
  CHECK_INT_EQ(back.ms, k.ms);
  CHECK_INT_EQ(back.n, k.n);
  CHECK_STR_EQ(back.k, k.k);
  struct report_key empty = {0, 0, ""};
  REQUIRE(report_cursor_encode("fills", &empty, text, sizeof text) == 0);
  REQUIRE(report_cursor_decode("fills", text, &back) == 0);
  CHECK_STR_EQ(back.k, "");
  CHECK_INT_EQ(back.ms, 0);
}

TEST(report_cursor_refusals) {
  struct report_key k = {5, 6, "ledger_journal"}, back;
  char text[256];
  REQUIRE(report_cursor_encode("nav", &k, text, sizeof text) == 0);
  CHECK(report_cursor_decode("fees", text, &back) != 0); /* another report's cursor */
  CHECK(report_cursor_decode("na", text, &back) != 0);   /* a prefix of the name */
  CHECK(report_cursor_decode("nav", "", &back) != 0);
  CHECK(report_cursor_decode("nav", "!!!!", &back) != 0); /* not base64url */
  CHECK(report_cursor_decode("nav", "bmF2", &back) != 0); /* "nav" alone */
  CHECK(report_cursor_decode("nav", "A", &back) != 0);    /* a length no text has */
  /* "nav|x|1|a": the time is not a number; "nav|1|1|A B": the key text is not ours */
  CHECK(report_cursor_decode("nav", "bmF2fHh8MXxh", &back) != 0);
  CHECK(report_cursor_decode("nav", "bmF2fDF8MXxBIEI", &back) != 0);
  char longer[400];
  memset(longer, 'A', sizeof longer - 1);
  longer[sizeof longer - 1] = 0;
  CHECK(report_cursor_decode("nav", longer, &back) != 0);
}

static const struct report_field fields[] = {
    {"id", REPORT_T_TEXT, 0, 0},    {"business_ms", REPORT_T_INT, 0, 0},
    {"usd", REPORT_T_AMOUNT, 6, 0}, {"asset_amount", REPORT_T_AMOUNT, -1, 0},
    {"legs", REPORT_T_JSON, 0, 0},  {"note", REPORT_T_TEXT, 0, 0},
};
static const struct report_def def = {"test", fields, 6, 1, ""};

static void row_init(struct report_row *r, const char *usd, const char *asset, int dec,
                     const char *note) {
  memset(r, 0, sizeof *r);
  r->cells[0] = "7";
  r->cells[1] = "1677225600000";
  r->cells[2] = usd;
  r->cells[3] = asset;
  r->cells[4] = "[{\"a\": \"1.5\"}]";
  r->cells[5] = note;
  r->decimals[0] = dec;
}

TEST(report_row_json_and_csv_agree) {
  struct report_row r;
  row_init(&r, "-3098200000", "2900000", 8, "a, \"quoted\" note");
  json_t *j = report_row_json(&def, &r);
  REQUIRE(j);
  CHECK_STR_EQ(json_string_value(json_object_get(j, "id")), "7");
  CHECK_INT_EQ(json_integer_value(json_object_get(j, "business_ms")), 1677225600000LL);
  CHECK_STR_EQ(json_string_value(json_object_get(j, "usd")), "-3098.2");
  CHECK_STR_EQ(json_string_value(json_object_get(j, "asset_amount")), "0.029");
  CHECK_STR_EQ(
      json_string_value(json_object_get(json_array_get(json_object_get(j, "legs"), 0), "a")),
      "1.5");
  json_decref(j);

  struct report_buf b = {0};
  REQUIRE(report_csv_header(&def, &b) == 0);
  REQUIRE(report_csv_row(&def, &r, &b) == 0);
  CHECK_STR_EQ(b.data, "id,business_ms,usd,asset_amount,legs,note\r\n"
                       "7,1677225600000,-3098.2,0.029,\"[{\"\"a\"\": \"\"1.5\"\"}]\","
                       "\"a, \"\"quoted\"\" note\"\r\n");
  report_buf_cleanup(&b);
}

TEST(report_row_nulls_and_bad_cells) {
  struct report_row r;
  row_init(&r, "", "", 18, "x");
  r.null[2] = r.null[3] = r.null[4] = 1;
  json_t *j = report_row_json(&def, &r);
  REQUIRE(j);
  CHECK(json_is_null(json_object_get(j, "usd")) && json_is_null(json_object_get(j, "legs")));
  json_decref(j);
  struct report_buf b = {0};
  REQUIRE(report_csv_row(&def, &r, &b) == 0);
  CHECK_STR_EQ(b.data, "7,1677225600000,,,,x\r\n");
  /* a cell that is not what its column says is refused, and no half line is left */
  size_t before = b.len;
  row_init(&r, "12.5", "1", 8, "x");
  CHECK(report_row_json(&def, &r) == NULL);
  CHECK(report_csv_row(&def, &r, &b) != 0);
  CHECK_INT_EQ(b.len, before);
  row_init(&r, "1", "1", 8, "x");
  r.cells[1] = "17x";
  CHECK(report_row_json(&def, &r) == NULL);
  report_buf_cleanup(&b);
}

TEST(report_definitions_are_well_formed) {
  int n = 0;
  for (const struct report_def *d; (d = report_at(n)); n++) {
    CHECK(report_find(d->name) == d);
    CHECK(d->nfields > 0 && d->nfields <= REPORT_MAX_FIELDS && d->ndec <= REPORT_MAX_DEC);
    for (int i = 0; i < d->nfields; i++) {
      const struct report_field *f = &d->fields[i];
      if (f->type == REPORT_T_AMOUNT && f->decimals < 0) CHECK(f->dec_col < d->ndec);
      for (int k = 0; k < i; k++)
        CHECK(strcmp(f->name, d->fields[k].name) != 0);
    }
  }
  CHECK_INT_EQ(n, 10);
  CHECK(report_find("depot-trades") != NULL);
  CHECK(report_find("trades") == NULL);
}
