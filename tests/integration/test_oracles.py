"""Oracle store over REST (SPEC 3, 9): spot, surface slices with SSVI validation, implied
vol, settlement prices that never change once published, staleness, and the market
listings (maturities, strikes, instruments)."""
import datetime
import math

UTC = datetime.timezone.utc


def day_of(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, UTC)


def fridays_after(now_ms, n):
    d, out = day_of(now_ms).date(), []
    while len(out) < n:
        d += datetime.timedelta(days=1)
        if d.weekday() == 4:
            out.append(d.strftime("%Y%m%d"))
    return out


def test_only_the_oracle_role_publishes(env):
    maker = env.new_account(["maker"])
    r = env.client(maker).post("/v1/oracles/spot", {"underlying": "ETH", "price": "1"})
    assert r.status == 403, r
    r = env.client().get("/v1/oracles/spot?underlying=ETH")
    assert r.status == 401, r  # reading needs a signed request too


def test_spot_round_trip_and_amount_rules(env):
    c = env.client(env.oracle())
    now = env.now()
    r = c.post("/v1/oracles/spot", {"underlying": "ETH", "price": "1234.567891"})
    assert r.status == 200 and r.json()["price"] == "1234.567891", r
    assert r.json()["timestamp"] >= now
    g = c.get("/v1/oracles/spot?underlying=ETH").json()
    assert g["price"] == "1234.567891" and g["stale"] is False and g["max_age_ms"] == 30000, g
    for bad in ("1.0000001", "-1", "0", "1e3", "", " 5"):
        r = c.post("/v1/oracles/spot", {"underlying": "ETH", "price": bad})
        assert r.status == 400 and r.json()["error"]["code"] == "invalid_amount", (bad, r)
    r = c.post("/v1/oracles/spot", {"underlying": "ETH", "price": 1000})
    assert r.status == 400 and r.json()["error"]["code"] == "invalid_amount", r
    r = c.post("/v1/oracles/spot", {"underlying": "DOGE", "price": "1"})
    assert r.status == 400 and r.json()["error"]["code"] == "invalid_param", r
    assert c.get("/v1/oracles/spot?underlying=ETH").json()["price"] == "1234.567891"


# These two own WBTC and WETH: no other test feeds them, so parallel tests cannot collide.
def test_surface_flat_and_ssvi_iv(env):
    c = env.client(env.oracle())
    now = env.now()
    e1, e2 = fridays_after(now, 2)
    assert c.post("/v1/oracles/spot", {"underlying": "WBTC", "price": "60000"}).status == 200
    r = c.post("/v1/oracles/surface", {"underlying": "WBTC", "expiry": e1, "rate": "0.01",
                                        "iv": "0.55"})
    assert r.status == 200, r
    theta, psi, rho = 0.2, 0.3, -0.4
    r = c.post("/v1/oracles/surface", {"underlying": "WBTC", "expiry": e2, "rate": "0.01",
                                        "ssvi": {"theta": theta, "psi": psi, "rho": rho}})
    assert r.status == 200, r
    # at the SSVI slice's own expiry: sigma = sqrt(w(k)/tau)
    g = c.get(f"/v1/oracles/iv?underlying=WBTC&expiry={e2}&strike=66000")
    assert g.status == 200, g
    body = g.json()
    k = math.log(66000 / 60000)
    phi = psi / theta
    w = theta / 2 * (1 + rho * phi * k + math.sqrt((phi * k + rho) ** 2 + 1 - rho * rho))
    assert abs(body["iv"] - math.sqrt(w / body["tau"])) < 1e-9, body
    g = c.get(f"/v1/oracles/iv?underlying=WBTC&expiry={e1}&strike=60000").json()
    assert abs(g["iv"] - 0.55) < 1e-12, g


def test_surface_refusals_name_the_reason(env):
    c = env.client(env.oracle())
    now = env.now()
    e1, e2, e3 = fridays_after(now, 3)
    assert c.post("/v1/oracles/spot", {"underlying": "WETH", "price": "1000"}).status == 200
    base = {"underlying": "WETH", "expiry": e3, "rate": "0.01"}
    cases = [({"theta": 0.1, "psi": 0, "rho": 0}, "psi_not_positive"),
             ({"theta": 0.1, "psi": 0.1, "rho": 1.0}, "rho_out_of_range"),
             ({"theta": 5.0, "psi": 3.0, "rho": 0.5}, "psi_rho_too_large"),
             ({"theta": 0.01, "psi": 0.3, "rho": 0.5}, "psi_theta_too_large")]
    for ssvi, reason in cases:
        r = c.post("/v1/oracles/surface", dict(base, ssvi=ssvi))
        assert r.status == 422 and r.json()["error"]["code"] == "invalid_surface", (ssvi, r)
        assert r.json()["error"]["details"]["reason"] == reason, (ssvi, r)
    # theta must increase with expiry: a later slice with less total variance is refused
    ok = c.post("/v1/oracles/surface", {"underlying": "WETH", "expiry": e1, "rate": "0.01",
                                         "ssvi": {"theta": 0.3, "psi": 0.2, "rho": 0.0}})
    assert ok.status == 200, ok
    r = c.post("/v1/oracles/surface", {"underlying": "WETH", "expiry": e2, "rate": "0.01",
                                        "ssvi": {"theta": 0.1, "psi": 0.2, "rho": 0.0}})
    assert r.status == 422 and r.json()["error"]["details"]["reason"] == "theta_not_increasing", r
    r = c.post("/v1/oracles/surface", {"underlying": "WETH", "expiry": "20230230", "rate": "0.01",
                                        "iv": "0.5"})
    assert r.status == 400 and r.json()["error"]["details"]["param"] == "expiry", r
    r = c.post("/v1/oracles/surface", {"underlying": "WETH", "expiry": e1, "rate": "0.01",
                                        "iv": "0.5", "ssvi": {"theta": 1, "psi": 1, "rho": 0}})
    assert r.status == 400, r
    r = c.post("/v1/oracles/surface", {"underlying": "WETH", "expiry": e1, "rate": "0.01",
                                        "iv": "-0.5"})
    assert r.status == 422, r


def test_serial_staleness_and_readiness(env):
    a = env.admin_client()
    env.feed_oracles()
    assert env.client().get("/readyz").status == 200
    c = env.client(env.oracle())
    now = env.now()
    assert a.post("/v1/admin/clock", {"now_ms": now + 31_000}).status == 200
    g = c.get("/v1/oracles/spot?underlying=BTC").json()
    assert g["stale"] is True and g["age_ms"] >= 31_000, g
    r = env.client().get("/readyz")
    assert r.status == 503 and r.json()["checks"]["oracle_BTC"] == "spot_stale", r
    e = fridays_after(env.now(), 1)[0]
    r = c.get(f"/v1/oracles/iv?underlying=BTC&expiry={e}&strike=60000")
    assert r.status == 409 and r.json()["error"]["code"] == "oracle_stale", r
    d = r.json()["error"]["details"]
    assert d["what"] == "spot" and d["age_ms"] >= 31_000 and d["max_age_ms"] == 30000, d
    # a fresh spot, but the surface is now 5 min + old
    assert a.post("/v1/admin/clock", {"now_ms": env.now() + 300_000}).status == 200
    assert c.post("/v1/oracles/spot", {"underlying": "BTC", "price": "60000"}).status == 200
    r = c.get(f"/v1/oracles/iv?underlying=BTC&expiry={e}&strike=60000")
    assert r.status == 409 and r.json()["error"]["details"]["what"] == "surface", r
    env.feed_oracles()
    assert env.client().get("/readyz").status == 200


def test_serial_settlement_published_once(env):
    a = env.admin_client()
    c = env.client(env.oracle())
    e = fridays_after(env.now(), 1)[0]
    r = c.post("/v1/oracles/settlement", {"underlying": "ETH", "expiry": e, "price": "1000"})
    assert r.status == 409 and r.json()["error"]["code"] == "expiry_not_reached", r
    exp_ms = int(datetime.datetime.strptime(e + "08", "%Y%m%d%H").replace(tzinfo=UTC).timestamp() * 1000)
    assert a.post("/v1/admin/clock", {"now_ms": exp_ms}).status == 200
    r = c.post("/v1/oracles/settlement", {"underlying": "ETH", "expiry": e, "price": "1000.5"})
    assert r.status == 200 and r.json()["price"] == "1000.5", r
    r = c.post("/v1/oracles/settlement", {"underlying": "ETH", "expiry": e, "price": "1000.5"})
    assert r.status == 200, r  # the same value again is harmless
    r = c.post("/v1/oracles/settlement", {"underlying": "ETH", "expiry": e, "price": "999"})
    assert r.status == 409 and r.json()["error"]["code"] == "settlement_immutable", r
    assert r.json()["error"]["details"] == {"published": "1000.5", "offered": "999"}
    g = c.get(f"/v1/oracles/settlement?underlying=ETH&expiry={e}")
    assert g.status == 200 and g.json()["price"] == "1000.5", g
    pg = env.pg()
    row = pg.psql("optdesk", "SELECT price::TEXT FROM oracle_settlements WHERE underlying='ETH'"
                             f" AND expiry = to_date('{e}','YYYYMMDD')")
    assert row == "1000500000", row  # NUMERIC base units (6 decimals)
    log = open(env.state["root"] + "/optdesk.log").read()
    assert "event=settlement_refused underlying=ETH" in log


def test_maturities_follow_the_calendar(env):
    c = env.client(env.oracle())
    r = c.get("/v1/pools/maturities?underlying=ETH")
    assert r.status == 200, r
    now = r.json()["now_ms"]
    ms = [m["expiry_ms"] for m in r.json()["maturities"]]
    assert ms == sorted(ms) and ms and len(ms) <= 24
    for m in r.json()["maturities"]:
        d = day_of(m["expiry_ms"])
        assert (d.hour, d.minute, d.second) == (8, 0, 0) and m["expiry"] == d.strftime("%Y%m%d")
        days = (m["expiry_ms"] - now) / 86_400_000
        assert 0 < days <= 365 and abs(days - m["dte"]) < 1e-6
        if days >= 3:
            assert d.weekday() == 4, m
        if days > 35:
            assert (d + datetime.timedelta(days=7)).month != d.month, m  # last Friday
    assert any((m - now) / 86_400_000 < 3 for m in ms)  # dailies are listed


def test_strikes_and_instruments_around_spot(env):
    c = env.client(env.oracle())
    env.feed_oracles(spots={"ETH": "1000"})
    r = c.get("/v1/pools/strikes?underlying=ETH")
    assert r.status == 200, r
    ks = [float(k) for k in r.json()["strikes"]]
    assert min(ks) == 500 and max(ks) == 2000, ks
    assert 1100 in ks and 1150 not in ks and 510 in ks and 505 not in ks
    for k in ks:  # two significant figures
        step = 10 ** (math.floor(math.log10(k)) - 1)
        assert k % step == 0, k
    mats = c.get("/v1/pools/maturities?underlying=ETH").json()["maturities"]
    r = c.get("/v1/instruments?underlying=ETH")
    ins = r.json()["instruments"]
    assert len(ins) == len(mats) * len(ks) * 2, (len(ins), len(mats), len(ks))
    e = mats[0]["expiry"]
    r = c.get(f"/v1/instruments?underlying=ETH&expiry={e}")
    names = {i["instrument_name"] for i in r.json()["instruments"]}
    assert f"ETH-{e}-1100-P" in names and f"ETH-{e}-1100-C" in names and len(names) == 2 * len(ks)
    r = c.get("/v1/instruments?underlying=ETH&expiry=2023-03-03")
    assert r.status == 400, r
