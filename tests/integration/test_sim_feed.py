"""The simulated oracle feed of the shipped default config, on an accelerated clock: spot
moves (seeded GBM), the surface stays fresh, readiness holds, and an expiry passing gets
its settlement price published and persisted."""
import json
import os
import shutil
import time

import harness

FRI_0759 = 1677225540000  # Fri 2023-02-24 07:59 UTC: the 08:00 daily expiry is a minute away


def test_simulated_feed_publishes_and_settles():
    d = harness.tmpdir("optdesk-sim-")
    proc = None
    try:
        http = harness.free_port()
        env = {"OPTDESK_DATA_DIR": os.path.join(d, "var"), "OPTDESK_HTTP_ADDR": f"127.0.0.1:{http}",
               "OPTDESK_WS_ADDR": f"127.0.0.1:{harness.free_port()}",
               "OPTDESK_CLOCK": "accelerated:3600", "OPTDESK_CLOCK_START": str(FRI_0759)}
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("OPTDESK_CONFIG", None)
        proc = harness.start_server(env, os.path.join(d, "optdesk.log"))
        harness.wait_http(http, timeout=120, proc=proc)
        admin = json.load(open(os.path.join(d, "var", "admin.json")))
        a = harness.Client(http, admin)
        rep = a.post("/v1/admin/accounts", {"name": "rep", "roles": ["reporter"]}).json()
        c = harness.Client(http, rep)
        deadline = time.time() + 30
        while time.time() < deadline:  # 1 real second = 1 business hour
            r = c.get("/v1/oracles/settlement?underlying=ETH&expiry=20230224")
            if r.status == 200:
                break
            time.sleep(0.2)
        assert r.status == 200, r
        assert float(r.json()["price"]) > 0
        s1 = c.get("/v1/oracles/spot?underlying=BTC").json()
        time.sleep(1.0)
        s2 = c.get("/v1/oracles/spot?underlying=BTC").json()
        assert s1["price"] != s2["price"] and s2["timestamp"] > s1["timestamp"], (s1, s2)
        assert s2["stale"] is False
        assert 0.5 * 60000 < float(s2["price"]) < 2 * 60000
        settled = r.json()["price"]
        r = c.get("/readyz")
        assert r.status == 200, r
        maturities = c.get("/v1/pools/maturities?underlying=ETH").json()["maturities"]
        assert maturities and maturities[0]["expiry"] != "20230224"
        assert harness.stop_process(proc) == 0
        proc = None
        # the settlement survived in the database: a restart serves it again
        proc = harness.start_server(env, os.path.join(d, "optdesk.log"))
        harness.wait_http(http, timeout=60, proc=proc)
        r2 = c.get("/v1/oracles/settlement?underlying=ETH&expiry=20230224")
        assert r2.status == 200 and r2.json()["price"] == settled, (r2, settled)
        assert harness.stop_process(proc) == 0
        proc = None
    finally:
        if proc is not None:
            harness.stop_process(proc)
        shutil.rmtree(d, ignore_errors=True)
