-- 0005: the manual business clock's last setting, so a restarted service resumes where the
-- clock was (never behind the times its own rows recorded).
CREATE TABLE business_clock (
  id     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
  now_ms BIGINT NOT NULL CHECK (now_ms >= 0)
);
