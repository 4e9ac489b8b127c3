-- 0007: the covered put spread vault's weekly cycle (SPEC 4): its persisted state, every
-- stage transition (with the NAV per share at that instant: the NAV history), the spread's
-- settlements, and stage 4's spot auctions and fills on the same auction/RFQ/fill tables.

-- One row per covered put spread vault: where its cycle stands. vaults.stage (0003) is the
-- stage; this row holds what a restart needs to resume it.
CREATE TABLE vault_cycles (
  vault_id        TEXT PRIMARY KEY REFERENCES vaults(id),
  cycle_no        BIGINT NOT NULL DEFAULT 1 CHECK (cycle_no >= 1),
  stage_since_ms  BIGINT NOT NULL,
  -- collateral_only: the auction start; option_auction: the next selection try;
  -- await_settlement: the expiry; collateral_auction: the stage-4 start
  next_ms         BIGINT NOT NULL,
  expiry_ms       BIGINT,                                 -- the selected spread (stages 2, 3)
  k1              NUMERIC(39,0) CHECK (k1 > 0),           -- USD base units
  k2              NUMERIC(39,0) CHECK (k2 > 0 AND k2 < k1),
  premium         NUMERIC(40,0) NOT NULL DEFAULT 0,       -- net premium of this cycle's fills
  hwm             NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (hwm >= 0), -- per-share high-water mark
  updated_ms      BIGINT NOT NULL
);

-- Every stage transition, committed before the new stage acts. The vault's figures are
-- those right after the transition (a return to stage 1 includes the queue paid and the
-- performance fee); price_per_share is what one whole share (10^18 share units) redeems
-- for, in base units of the vault's asset (ledger_price_per_share).
CREATE TABLE cycle_transitions (
  id              BIGSERIAL PRIMARY KEY,
  vault_id        TEXT NOT NULL REFERENCES vaults(id),
  cycle_no        BIGINT NOT NULL,
  from_stage      TEXT NOT NULL,
  to_stage        TEXT NOT NULL CHECK (to_stage IN ('collateral_only', 'option_auction',
                                                    'await_settlement', 'collateral_auction')),
  reason          TEXT NOT NULL,
  business_ms     BIGINT NOT NULL,
  total_assets    NUMERIC(39,0) NOT NULL CHECK (total_assets >= 0),
  total_supply    NUMERIC(39,0) NOT NULL CHECK (total_supply >= 0),
  price_per_share NUMERIC(39,0) NOT NULL CHECK (price_per_share >= 0),
  usdc_balance    NUMERIC(40,0) NOT NULL,
  open_spreads    NUMERIC(39,0) NOT NULL CHECK (open_spreads >= 0),
  queue_paid      INT NOT NULL DEFAULT 0 CHECK (queue_paid >= 0),
  perf_fee_shares NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (perf_fee_shares >= 0),
  perf_fee_assets NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (perf_fee_assets >= 0),
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX cycle_transitions_vault ON cycle_transitions (vault_id, business_ms);

-- The spread's settlement, once per cycle (SPEC 4 stage 3).
CREATE TABLE vault_settlements (
  vault_id         TEXT NOT NULL REFERENCES vaults(id),
  cycle_no         BIGINT NOT NULL,
  expiry_ms        BIGINT NOT NULL,
  settlement_price NUMERIC(39,0) NOT NULL CHECK (settlement_price > 0),
  k1               NUMERIC(39,0) NOT NULL,
  k2               NUMERIC(39,0) NOT NULL,
  spreads          NUMERIC(39,0) NOT NULL CHECK (spreads >= 0),  -- 8 decimals
  premium          NUMERIC(40,0) NOT NULL,                       -- net premium of the cycle
  short_payout     NUMERIC(39,0) NOT NULL CHECK (short_payout >= 0),
  long_payout      NUMERIC(39,0) NOT NULL CHECK (long_payout >= 0),
  net_loss         NUMERIC(40,0) NOT NULL CHECK (net_loss = short_payout - long_payout),
  usdc_before      NUMERIC(40,0) NOT NULL,
  usdc_after       NUMERIC(40,0) NOT NULL CHECK (usdc_after = usdc_before - net_loss),
  business_ms      BIGINT NOT NULL,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (vault_id, cycle_no)
);

-- Stage 4 runs as auctions of kind 'spot' (one leg LBTC-USDC, amount in collateral base
-- units, limit price in USDC base units per whole collateral unit).
ALTER TABLE auctions ADD COLUMN kind TEXT NOT NULL DEFAULT 'spread' CHECK (kind IN ('spread', 'spot'));
ALTER TABLE auctions ADD COLUMN limit_price NUMERIC(39,0) CHECK (limit_price > 0);
ALTER TABLE auctions ADD COLUMN cycle_no BIGINT;

-- A spot fill: amount = collateral base units, credit = price (USDC base units per whole
-- unit), premium = the USDC notional that moved, side = the vault's side.
ALTER TABLE fills ADD COLUMN kind TEXT NOT NULL DEFAULT 'spread' CHECK (kind IN ('spread', 'spot'));
ALTER TABLE fills ADD COLUMN side TEXT CHECK (side IN ('buy', 'sell'));
ALTER TABLE fills ADD COLUMN cycle_no BIGINT;
ALTER TABLE fills ADD CONSTRAINT fills_spot_side CHECK ((kind = 'spot') = (side IS NOT NULL));
