-- 0001: accounts with roles and encrypted API secrets; idempotency records.
-- Never edit a migration once landed: add a new numbered file instead.

CREATE TABLE accounts (
  id            TEXT PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  roles         TEXT[] NOT NULL CHECK (roles <@ ARRAY['admin','operator','oracle','maker',
                                                      'buyer','depositor','reporter']::TEXT[]),
  api_key       TEXT NOT NULL UNIQUE CHECK (length(api_key) BETWEEN 16 AND 128),
  secret_box    TEXT NOT NULL,          -- AES-256-GCM under the master key, AAD = id
  created_at_ms BIGINT NOT NULL CHECK (created_at_ms >= 0),
  created_by    TEXT REFERENCES accounts(id),
  disabled      BOOLEAN NOT NULL DEFAULT FALSE
);

-- A retried request with the same key returns the first response and changes nothing.
-- The stored response is encrypted (it may hold a secret shown once).
CREATE TABLE idempotency_keys (
  account_id    TEXT NOT NULL REFERENCES accounts(id),
  key           TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
  request_hash  TEXT NOT NULL,          -- sha256 of method + path + body
  status        INTEGER NOT NULL CHECK (status BETWEEN 100 AND 599),
  response_box  TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (account_id, key)
);
