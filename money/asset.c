/* asset: the table of known assets and their decimals (SPEC 2). */
#include "asset.h"

#include <string.h>

static const struct asset assets[] = {
    {"USDC", 6, 12}, {"LBTC", 8, 10}, {"WBTC", 8, 10},
    {"BTC", 8, 10},  {"ETH", 18, 0},  {"WETH", 18, 0},
};

const struct asset *asset_find(const char *symbol) {
  for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++)
    if (strcmp(assets[i].symbol, symbol) == 0) return &assets[i];
  return NULL;
}
