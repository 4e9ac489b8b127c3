"""PostgreSQL goes away and comes back: /readyz and writes answer 503 with a retryable code
while it is down, and both recover without restarting optdesk."""
import time


def wait_until(fn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn():
            return True
        time.sleep(0.2)
    return False


def test_serial_database_outage_and_recovery(env):
    pg = env.pg()
    a = env.admin_client()
    name = f"outage{int(time.time() * 1000) % 10**8}"
    key = {"Idempotency-Key": "outage-" + name}
    pg.stop()
    try:
        r = env.client().get("/readyz")
        assert r.status == 503 and r.json()["checks"]["database"] == "unavailable", r
        assert r.headers.get("Retry-After") == "1"
        r = a.post("/v1/admin/accounts", {"name": name, "roles": ["maker"]}, headers=key)
        assert r.status == 503, r
        err = r.json()["error"]
        assert err["code"] == "db_unavailable" and err["details"]["retryable"] is True, r
        assert env.client().get("/healthz").status == 200  # the process itself is fine
    finally:
        pg.start()
    env.feed_oracles()  # readiness also needs fresh oracles
    assert wait_until(lambda: env.client().get("/readyz").status == 200), "readyz did not recover"
    # the same request, retried with its key, now goes through once
    r = a.post("/v1/admin/accounts", {"name": name, "roles": ["maker"]}, headers=key)
    assert r.status == 201, r
    r2 = a.post("/v1/admin/accounts", {"name": name, "roles": ["maker"]}, headers=key)
    assert r2.status == 201 and r2.json() == r.json()
    assert pg.psql("optdesk", f"SELECT count(*) FROM accounts WHERE id = '{name}'") == "1"
