-- 0002: published settlement prices. Once published for an (underlying, expiry) a price
-- never changes: the primary key refuses a second row, and no UPDATE path exists.

CREATE TABLE oracle_settlements (
  underlying      TEXT NOT NULL CHECK (underlying ~ '^[A-Z0-9]{1,10}$'),
  expiry          DATE NOT NULL,
  expiry_ms       BIGINT NOT NULL CHECK (expiry_ms > 0),
  price           NUMERIC(39,0) NOT NULL CHECK (price > 0), -- USD, 6-decimal base units
  published_at_ms BIGINT NOT NULL CHECK (published_at_ms >= 0),
  published_by    TEXT REFERENCES accounts(id),            -- NULL: the simulated feed
  PRIMARY KEY (underlying, expiry)
);
