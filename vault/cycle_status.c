/* cycle_status: names of the cycle maths' statuses and the money -> cycle status mapping. */
#include "cycle_status.h"

const char *cycle_strerror(int status) {
  switch (status) {
  case CYCLE_OK:
    return "ok";
  case CYCLE_EINVALID:
    return "invalid";
  case CYCLE_EOVERFLOW:
    return "overflow";
  case CYCLE_ENO_EXPIRY:
    return "no_expiry";
  case CYCLE_ENO_SPREAD:
    return "no_spread";
  case CYCLE_EORACLE:
    return "oracle";
  case CYCLE_EPRICING:
    return "pricing";
  case CYCLE_EDUST:
    return "dust";
  case CYCLE_EBELOW_STEP:
    return "below_step";
  default:
    return "unknown";
  }
}

int cycle_from_money(int money_status) {
  if (money_status == MONEY_OK) return CYCLE_OK;
  return money_status == MONEY_EOVERFLOW ? CYCLE_EOVERFLOW : CYCLE_EINVALID;
}
