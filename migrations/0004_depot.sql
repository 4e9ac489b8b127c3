-- 0004: the underwriter depots' book (SPEC 5): one row per depot with its trade clock,
-- and one row per position (one per trade), kept after settlement for the reports.
-- The depot's total assets and locked collateral are the vault row's (0003).

CREATE TABLE depot_books (
  depot_id      TEXT PRIMARY KEY REFERENCES vaults(id),
  created_ms    BIGINT NOT NULL,
  last_trade_ms BIGINT NOT NULL,
  next_id       BIGINT NOT NULL DEFAULT 1 CHECK (next_id >= 1)
);

CREATE TABLE depot_positions (
  depot_id         TEXT NOT NULL REFERENCES depot_books(depot_id),
  position_id      BIGINT NOT NULL CHECK (position_id >= 1),
  buyer_id         TEXT NOT NULL REFERENCES accounts(id),
  instrument       TEXT NOT NULL,
  option_type      TEXT NOT NULL CHECK (option_type IN ('C', 'P')),
  maturity_ms      BIGINT NOT NULL,
  trade_ms         BIGINT NOT NULL CHECK (trade_ms < maturity_ms),
  strike           NUMERIC(39,0) NOT NULL CHECK (strike > 0),   -- USDC base units
  size             NUMERIC(39,0) NOT NULL CHECK (size > 0),     -- contracts, 8 decimals
  collateral       NUMERIC(39,0) NOT NULL CHECK (collateral >= 0),
  premium          NUMERIC(39,0) NOT NULL CHECK (premium >= 0),
  spread           NUMERIC(39,0) NOT NULL CHECK (spread >= 0),
  perf_fee         NUMERIC(39,0) NOT NULL CHECK (perf_fee >= 0),
  spread_locked    NUMERIC(39,0) NOT NULL CHECK (spread_locked >= 0),
  mint_fee         NUMERIC(39,0) NOT NULL CHECK (mint_fee >= 0),
  total_paid       NUMERIC(39,0) NOT NULL CHECK (total_paid = premium + spread + mint_fee),
  status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled')),
  settlement_price NUMERIC(39,0) CHECK (settlement_price > 0),
  payoff           NUMERIC(39,0) CHECK (payoff >= 0 AND payoff <= collateral),
  settled_ms       BIGINT,
  PRIMARY KEY (depot_id, position_id)
);
CREATE INDEX depot_positions_open ON depot_positions (depot_id, maturity_ms) WHERE status = 'open';
CREATE INDEX depot_positions_buyer ON depot_positions (buyer_id, trade_ms);
