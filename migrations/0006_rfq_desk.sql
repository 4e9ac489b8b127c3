-- 0006: the vault RFQ desk (SPEC 4): auctions, their RFQs, makers' quotes (audit), fills
-- (committed before anyone is told; one execution per quote) and mandate refusals.

CREATE TABLE auctions (
  id            BIGINT PRIMARY KEY,
  vault_id      TEXT NOT NULL REFERENCES vaults(id),
  legs          JSONB NOT NULL,                               -- [{instrument_name, direction}]
  total_amount  NUMERIC(39,0) NOT NULL CHECK (total_amount > 0), -- contracts, 8 decimals
  sold_amount   NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (sold_amount >= 0 AND sold_amount <= total_amount),
  started_ms    BIGINT NOT NULL,
  hard_stop_ms  BIGINT NOT NULL CHECK (hard_stop_ms > started_ms),
  status        TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished')),
  finished_ms   BIGINT,
  started_by    TEXT REFERENCES accounts(id)
);
-- never two live auctions of one vault
CREATE UNIQUE INDEX auctions_one_running ON auctions (vault_id) WHERE status = 'running';

CREATE TABLE rfqs (
  id          BIGINT PRIMARY KEY,
  auction_id  BIGINT NOT NULL REFERENCES auctions(id),
  amount      NUMERIC(39,0) NOT NULL CHECK (amount > 0),
  created_ms  BIGINT NOT NULL,
  valid_until BIGINT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('open', 'filled', 'expired', 'cancelled'))
);

CREATE TABLE quotes (
  id           BIGINT PRIMARY KEY,
  rfq_id       BIGINT NOT NULL REFERENCES rfqs(id),
  maker_id     TEXT NOT NULL REFERENCES accounts(id),
  nonce        BIGINT NOT NULL,
  legs         JSONB NOT NULL,                                -- with prices
  credit       NUMERIC(39,0) NOT NULL CHECK (credit > 0),     -- USD per spread, 6 decimals
  max_fee      NUMERIC(39,0) NOT NULL CHECK (max_fee >= 0),
  expiry_ms    BIGINT NOT NULL,
  label        TEXT NOT NULL DEFAULT '',
  created_ms   BIGINT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('open', 'filled', 'cancelled', 'expired')),
  cancel_reason TEXT NOT NULL DEFAULT '',
  UNIQUE (maker_id, nonce)
);

CREATE TABLE fills (
  id             BIGSERIAL PRIMARY KEY,
  quote_id       BIGINT NOT NULL UNIQUE,                      -- one execution per quote
  rfq_id         BIGINT NOT NULL,
  auction_id     BIGINT NOT NULL REFERENCES auctions(id),
  vault_id       TEXT NOT NULL REFERENCES vaults(id),
  maker_id       TEXT NOT NULL REFERENCES accounts(id),
  legs           JSONB NOT NULL,                              -- instrument, direction, amount, price
  amount         NUMERIC(39,0) NOT NULL CHECK (amount > 0),   -- spreads, 8 decimals
  credit         NUMERIC(39,0) NOT NULL CHECK (credit > 0),   -- USD per spread
  premium        NUMERIC(39,0) NOT NULL CHECK (premium > 0),  -- USD received, 6 decimals
  fee            NUMERIC(39,0) NOT NULL CHECK (fee >= 0),
  mark_credit    NUMERIC(39,0) NOT NULL CHECK (mark_credit >= 0),
  mandate        TEXT NOT NULL CHECK (mandate = 'passed'),
  business_ms    BIGINT NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX fills_vault ON fills (vault_id, business_ms);

CREATE TABLE mandate_refusals (
  id          BIGSERIAL PRIMARY KEY,
  vault_id    TEXT NOT NULL REFERENCES vaults(id),
  auction_id  BIGINT,
  quote_id    BIGINT,
  maker_id    TEXT,
  reason      TEXT NOT NULL,
  details     JSONB NOT NULL,
  business_ms BIGINT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The covered put spread vault's book of the cycle: USDC from premiums (signed: it may go
-- negative after settlement) and the spreads sold and still open.
ALTER TABLE vaults ADD COLUMN usdc_balance NUMERIC(40,0) NOT NULL DEFAULT 0;
ALTER TABLE vaults ADD COLUMN open_spreads NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (open_spreads >= 0);
