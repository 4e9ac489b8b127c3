/* pricing common: stable names of the status codes. */
#include "common.h"

const char *pricing_strerror(int status) {
  switch (status) {
    case PRICING_OK: return "ok";
    case PRICING_EDOMAIN: return "domain";
    case PRICING_ELOW: return "below_lower_bound";
    case PRICING_EHIGH: return "above_upper_bound";
    case PRICING_ENOCONVERGE: return "no_convergence";
    case PRICING_EINVALID: return "invalid";
    case PRICING_ECAPACITY: return "capacity";
    case PRICING_ESYNTAX: return "syntax";
    case PRICING_EOVERFLOW: return "overflow";
    default: return "unknown";
  }
}
