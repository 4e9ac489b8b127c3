"""Operations endpoints and bad input on the REST listener."""
import http.client
import json


def test_healthz_readyz_time(env):
    c = env.client()
    r = c.get("/healthz")
    assert r.status == 200 and r.json() == {"status": "ok"}
    env.feed_oracles()
    r = c.get("/readyz")
    assert r.status == 200 and r.json()["checks"]["database"] == "ok", r
    assert r.json()["checks"]["oracle_BTC"] == "ok" and r.json()["checks"]["oracle_ETH"] == "ok"
    r = c.get("/v1/time")
    assert r.status == 200 and r.json()["clock"] == "manual"
    assert r.json()["time"] >= env.state["manual_start_ms"]


def test_metrics_prometheus_text(env):
    c = env.client()
    c.get("/healthz")
    r = c.get("/metrics")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
    text = r.body.decode()
    assert 'optdesk_http_requests_total{method="GET",route="/healthz",code="2xx"}' in text
    assert 'optdesk_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"}' in text
    assert "optdesk_ws_connections " in text


def test_unknown_route_and_method(env):
    c = env.client()
    r = c.get("/v1/nothing/here")
    assert r.status == 404 and r.json()["error"]["code"] == "not_found"
    r = c.request("DELETE", "/healthz")
    assert r.status == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_malformed_json_and_invalid_utf8(env):
    a = env.admin_client()
    for raw in (b"{", b"[1,2]", b"not json", b'{"name":"a\xff\xfe","roles":["maker"]}', b""):
        r = a.post("/v1/admin/accounts", raw=raw)
        assert r.status == 400 and r.json()["error"]["code"] == "invalid_json", (raw, r)
    assert env.client().get("/healthz").status == 200


def test_oversized_body_refused(env):
    a = env.admin_client()
    raw = b'{"name":"big","roles":["maker"],"pad":"' + b"x" * 70000 + b'"}'
    r = a.post("/v1/admin/accounts", raw=raw)
    assert r.status == 413 and r.json()["error"]["code"] == "body_too_large", r
    # far over the limit: the server may drop the connection; it stays healthy
    try:
        a.post("/v1/admin/accounts", raw=b"x" * (2 << 20))
    except (ConnectionError, OSError, http.client.HTTPException):
        pass
    assert env.client().get("/healthz").status == 200


def test_keep_alive_serves_many_requests_on_one_connection(env):
    conn = http.client.HTTPConnection("127.0.0.1", env.http, timeout=5)
    for _ in range(20):
        conn.request("GET", "/v1/time")
        r = conn.getresponse()
        assert r.status == 200 and "time" in json.loads(r.read())
    conn.close()


def test_serial_manual_clock_set_and_never_backwards(env):
    a = env.admin_client()
    now = env.client().get("/v1/time").json()["time"]
    r = a.post("/v1/admin/clock", {"now_ms": now + 3_600_000})
    assert r.status == 200 and r.json()["now_ms"] == now + 3_600_000, r
    assert env.client().get("/v1/time").json()["time"] == now + 3_600_000
    r = a.post("/v1/admin/clock", {"now_ms": now})
    assert r.status == 409 and r.json()["error"]["code"] == "clock_backwards", r
    r = a.post("/v1/admin/clock", {"now_ms": "soon"})
    assert r.status == 400 and r.json()["error"]["code"] == "invalid_param", r


def test_rpc_over_http(env):
    c = env.client()
    r = c.post("/v1/rpc", {"jsonrpc": "2.0", "id": 7, "method": "public/get_time"})
    assert r.status == 200 and r.json()["id"] == 7 and isinstance(r.json()["result"], int), r
    r = c.post("/v1/rpc", {"jsonrpc": "2.0", "id": 8, "method": "subscribe",
                           "params": {"channels": ["auction.lbtc-maxi"]}})
    assert r.json()["error"]["code"] == 14017, r
    r = c.post("/v1/rpc", {"jsonrpc": "2.0", "method": "no/such"})
    assert r.status == 204 and r.body == b"", r  # a notification gets no reply
    r = c.post("/v1/rpc", {"jsonrpc": "2.0", "id": 9, "method": "no/such"})
    assert r.json()["error"]["code"] == -32601, r
    r = c.post("/v1/rpc", raw=b"{oops")
    assert r.json()["error"]["code"] == -32700, r
    r = c.post("/v1/rpc", raw=b'[{"jsonrpc":"2.0","id":1,"method":"public/get_time"}]')
    assert r.json()["error"]["code"] == -32600, r
    r = c.post("/v1/rpc", {"jsonrpc": "1.0", "id": 1, "method": "public/get_time"})
    assert r.json()["error"]["code"] == -32600, r
    bad = dict(env.admin)
    bad["secret"] = "1" * 64
    r = env.client(bad).post("/v1/rpc", {"jsonrpc": "2.0", "id": 1, "method": "public/get_time"})
    assert r.status == 401, r
