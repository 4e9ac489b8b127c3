"""`optdesk demo` (what `make run` starts) on a fresh data dir with the embedded PostgreSQL:
within two minutes the vault's auction is quoted and filled by the three reference makers,
and a whole weekly cycle passes (back to collateral_only, cycle 2); SIGTERM stops the makers
and the service cleanly."""
import json
import os
import re
import shutil
import time

import harness


def test_demo_auction_filled_by_reference_makers_and_a_whole_cycle_within_two_minutes():
    d = harness.tmpdir("optdesk-demo-")
    try:
        os.environ.pop("DATABASE_URL", None)
        http, ws = harness.free_port(), harness.free_port()
        env = {"OPTDESK_DATA_DIR": os.path.join(d, "var"), "OPTDESK_HTTP_ADDR": f"127.0.0.1:{http}",
               "OPTDESK_WS_ADDR": f"127.0.0.1:{ws}"}
        log = os.path.join(d, "optdesk.log")
        t0 = time.time()
        proc = harness.start_server(env, log, args=("demo",))
        try:
            harness.wait_http(http, timeout=120, proc=proc)
            makers = set()
            while time.time() - t0 < 120:
                text = open(log).read()
                makers |= set(re.findall(r"event=fill vault=lbtc-maxi quote=\d+ maker=(demo-maker-\d)", text))
                if makers and "event=cycle_stage vault=lbtc-maxi cycle=2 from=collateral_auction" in text:
                    break
                assert proc.poll() is None, text[-3000:]
                time.sleep(0.5)
            text = open(log).read()
            took = time.time() - t0
            print(f"demo: fills by {sorted(makers)}; first whole cycle after {took:.1f} s")
            assert makers, text[-3000:]
            for stage in ("to=option_auction", "to=await_settlement", "to=collateral_auction", "to=collateral_only"):
                assert f"cycle=1 from=" in text and stage in text, (stage, text[-3000:])
            assert "event=cycle_stage vault=lbtc-maxi cycle=2 from=collateral_auction" in text, text[-3000:]
            # the makers' fills are in the database, and the cycle view shows the vault
            admin = harness.Client(http, json.load(open(os.path.join(d, "var", "admin.json"))))
            fills = admin.get("/v1/reports/fills?vault=lbtc-maxi&limit=1000")
            assert fills.status == 200 and len(fills.json()["items"]) >= 10, fills
            assert admin.get("/v1/vaults/lbtc-maxi/cycle").json()["cycle"]["cycle_no"] >= 2
        finally:
            assert harness.stop_process(proc, timeout=60) == 0, open(log).read()[-3000:]
        text = open(log).read()
        assert text.count("event=demo_maker_started") == 3, text[-3000:]
        assert "event=exit code=0" in text
    finally:
        shutil.rmtree(d, ignore_errors=True)
