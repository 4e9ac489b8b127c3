-- 0003: the share ledger (SPEC 6): vaults, asset balances, shares, allowances, the
-- withdrawal queue and the journal every operation writes in its own transaction.
-- Amounts are NUMERIC(39,0) base units.

-- Management-fee shares accrue to the system account 'treasury' (no usable API key).
INSERT INTO accounts(id, roles, api_key, secret_box, created_at_ms, disabled)
VALUES ('treasury', ARRAY['reporter'], 'disabled-treasury-no-key', 'none', 0, TRUE);

CREATE TABLE asset_balances (
  account_id TEXT NOT NULL REFERENCES accounts(id),
  asset      TEXT NOT NULL CHECK (asset ~ '^[A-Z0-9]{1,10}$'),
  amount     NUMERIC(39,0) NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (account_id, asset)
);

CREATE TABLE balance_journal (
  id          BIGSERIAL PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts(id),
  asset       TEXT NOT NULL,
  delta       NUMERIC(40,0) NOT NULL CHECK (delta <> 0),
  reason      TEXT NOT NULL CHECK (reason IN ('credit', 'deposit', 'mint', 'withdraw', 'redeem',
                                              'queue_paid', 'premium', 'payout')),
  vault_id    TEXT,
  ref         TEXT,
  business_ms BIGINT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE vaults (
  id              TEXT PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  kind            TEXT NOT NULL CHECK (kind IN ('covered_put_spread', 'depot')),
  asset           TEXT NOT NULL CHECK (asset ~ '^[A-Z0-9]{1,10}$'),
  asset_decimals  INT NOT NULL CHECK (asset_decimals BETWEEN 0 AND 38),
  decimals_offset INT NOT NULL CHECK (decimals_offset BETWEEN 0 AND 38),
  total_assets    NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (total_assets >= 0),
  total_supply    NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (total_supply >= 0),
  locked_assets   NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (locked_assets >= 0),
  mgmt_fee_rate   NUMERIC(39,0) NOT NULL DEFAULT 0
                  CHECK (mgmt_fee_rate BETWEEN 0 AND 1000000000000000000),
  fee_accrued_ms  BIGINT NOT NULL,
  stage           TEXT NOT NULL DEFAULT 'collateral_only'
                  CHECK (stage IN ('collateral_only', 'option_auction', 'await_settlement',
                                   'collateral_auction')),
  paused          BOOLEAN NOT NULL DEFAULT FALSE,
  created_at_ms   BIGINT NOT NULL
);

CREATE TABLE share_balances (
  vault_id      TEXT NOT NULL REFERENCES vaults(id),
  account_id    TEXT NOT NULL REFERENCES accounts(id),
  shares        NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (shares >= 0),
  queued_shares NUMERIC(39,0) NOT NULL DEFAULT 0 CHECK (queued_shares >= 0),
  PRIMARY KEY (vault_id, account_id)
);

CREATE TABLE allowances (
  vault_id   TEXT NOT NULL REFERENCES vaults(id),
  owner_id   TEXT NOT NULL REFERENCES accounts(id),
  spender_id TEXT NOT NULL REFERENCES accounts(id),
  shares     NUMERIC(39,0) NOT NULL CHECK (shares >= 0),
  PRIMARY KEY (vault_id, owner_id, spender_id)
);

CREATE TABLE ledger_journal (
  id                    BIGSERIAL PRIMARY KEY,
  vault_id              TEXT NOT NULL REFERENCES vaults(id),
  op                    TEXT NOT NULL CHECK (op IN ('deposit', 'mint', 'withdraw', 'redeem',
                                                    'withdraw_queued', 'redeem_queued',
                                                    'queue_paid')),
  caller_id             TEXT NOT NULL,
  owner_id              TEXT NOT NULL,
  receiver_id           TEXT NOT NULL,
  assets                NUMERIC(39,0) NOT NULL CHECK (assets >= 0),
  shares                NUMERIC(39,0) NOT NULL CHECK (shares >= 0),
  fee_shares            NUMERIC(39,0) NOT NULL CHECK (fee_shares >= 0),
  total_assets_after    NUMERIC(39,0) NOT NULL CHECK (total_assets_after >= 0),
  total_supply_after    NUMERIC(39,0) NOT NULL CHECK (total_supply_after >= 0),
  price_per_share_after NUMERIC(39,0) NOT NULL CHECK (price_per_share_after >= 0),
  business_ms           BIGINT NOT NULL,
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ledger_journal_vault ON ledger_journal (vault_id, id);

-- Withdrawals asked outside stage 1 of a covered put spread vault: the shares are locked
-- at once (share_balances.queued_shares) and paid FIFO at the first stage-1 price.
CREATE TABLE withdrawal_queue (
  id           BIGSERIAL PRIMARY KEY,
  vault_id     TEXT NOT NULL REFERENCES vaults(id),
  caller_id    TEXT NOT NULL REFERENCES accounts(id),
  owner_id     TEXT NOT NULL REFERENCES accounts(id),
  receiver_id  TEXT NOT NULL REFERENCES accounts(id),
  kind         TEXT NOT NULL CHECK (kind IN ('withdraw', 'redeem')),
  shares       NUMERIC(39,0) NOT NULL CHECK (shares > 0),
  status       TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'paid')),
  requested_ms BIGINT NOT NULL,
  paid_ms      BIGINT,
  paid_assets  NUMERIC(39,0) CHECK (paid_assets >= 0)
);
CREATE INDEX withdrawal_queue_open ON withdrawal_queue (vault_id, id) WHERE status = 'queued';
