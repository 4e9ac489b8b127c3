/* asset: the assets optdesk knows and their units (SPEC 2): base-unit decimals and the
 * share decimals offset of a vault holding them (share decimals = asset decimals + offset). */
#ifndef OPTDESK_ASSET_H
#define OPTDESK_ASSET_H

#define ASSET_SHARE_DECIMALS 18
#define ASSET_CONTRACT_DECIMALS 8 /* option contract amounts: 1 contract = 1 underlying */

struct asset {
  const char *symbol;  /* "USDC" */
  unsigned decimals;   /* base-unit decimals */
  unsigned share_offset;
};

/* The asset named `symbol` (exact, uppercase), or NULL when unknown. */
const struct asset *asset_find(const char *symbol);

#endif
