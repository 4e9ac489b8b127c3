#!/usr/bin/env python3
"""Depot benchmark (issue 5): quotes/s over HTTP (wrk on loopback) and committed trades/s.

Starts its own PostgreSQL with durable commits (fsync on, synchronous_commit on: the
service's real setting, unlike the test suite) and an optdesk on a manual clock, funds a
put depot, feeds the oracles, then:
  1. wrk -t2 -c32 -d10s GET /v1/depots/{id}/quote (signed; the signature is valid 30 s)
  2. N trades (each one transaction, committed before its 201) from K keep-alive clients
Prints `depot_quotes ours=<req/s>` and `depot_trades ours=<trades/s>`.
Usage: bench/depot_bench.py [build/optdesk]"""
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402

FRI_0800 = 1677225600000
TRADES, CLIENTS = 1000, 8


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build", "optdesk")
    d = harness.tmpdir("optdesk-bench-")
    pg = harness.PgCluster(os.path.join(d, "pg"))
    os.makedirs(pg.root)
    pg.init()
    with open(os.path.join(pg.data, "postgresql.conf"), "a") as f:  # durable, as in production
        f.write("\nfsync = on\nsynchronous_commit = on\nfull_page_writes = on\n")
    pg.start()
    pg.create_db("optdesk")
    port = harness.free_port()
    env = {"DATABASE_URL": pg.url("optdesk"), "OPTDESK_DATA_DIR": os.path.join(d, "var"),
           "OPTDESK_HTTP_ADDR": f"127.0.0.1:{port}", "OPTDESK_WS_ADDR": f"127.0.0.1:{harness.free_port()}",
           "OPTDESK_CLOCK": "manual", "OPTDESK_CLOCK_START": str(FRI_0800 - 3 * 3600_000),
           "OPTDESK_CONFIG": os.path.join(HERE, "depot_bench_config.json"),
           "OPTDESK_LOG_LEVEL": "warn"}
    proc = harness.start_server(env, os.path.join(d, "optdesk.log"), binary=binary)
    try:
        harness.wait_http(port, proc=proc)
        admin = harness.Client(port, json.load(open(os.path.join(d, "var", "admin.json"))))
        accts = {}
        for name, roles in (("dep", ["depositor"]), ("buyer", ["buyer"]), ("oracle", ["oracle"])):
            accts[name] = admin.post("/v1/admin/accounts", {"name": name, "roles": roles}).json()
        admin.post("/v1/admin/accounts/dep/credit", {"asset": "USDC", "amount": "100000000"})
        admin.post("/v1/admin/accounts/buyer/credit", {"asset": "USDC", "amount": "100000000"})
        harness.Client(port, accts["dep"]).post("/v1/vaults/eth-put-fx/deposit", {"assets": "100000000"})
        admin.post("/v1/admin/clock", {"now_ms": FRI_0800})
        o = harness.Client(port, accts["oracle"])
        o.post("/v1/oracles/spot", {"underlying": "ETH", "price": "1000"})
        o.post("/v1/oracles/surface", {"underlying": "ETH", "expiry": "20230303", "rate": "0.01", "iv": "1.54"})

        path = "/v1/depots/eth-put-fx/quote?expiry=20230303&strike=1100&type=P&size=3"
        ts = str(int(time.time() * 1000))
        sig = harness.sign(accts["buyer"]["secret"], ts, "GET", path)
        lua = os.path.join(d, "quote.lua")
        with open(lua, "w") as f:
            f.write(f'wrk.headers["X-Api-Key"] = "{accts["buyer"]["api_key"]}"\n'
                    f'wrk.headers["X-Timestamp"] = "{ts}"\nwrk.headers["X-Signature"] = "{sig}"\n')
        out = subprocess.run(["wrk", "-t2", "-c32", "-d10s", "--latency", "-s", lua,
                              f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        p99 = re.search(r"99%\s+(\S+)", out)
        print(out)
        print(f"depot_quotes ours={rps:.0f} req/s p99={p99.group(1) if p99 else '?'} "
              f"non2xx={non2xx.group(1) if non2xx else 0}")

        body = json.dumps({"expiry": "20230303", "strike": "1000", "type": "P", "size": "0.01",
                           "max_premium": "100"}).encode()
        done, failed = [0], [0]
        lock = threading.Lock()

        def client(k):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for n in range(TRADES // CLIENTS):
                t = str(int(time.time() * 1000))
                h = {"X-Api-Key": accts["buyer"]["api_key"], "X-Timestamp": t,
                     "X-Signature": harness.sign(accts["buyer"]["secret"], t, "POST",
                                                 "/v1/depots/eth-put-fx/trade", body),
                     "Idempotency-Key": f"b{k}-{n}", "Content-Type": "application/json"}
                conn.request("POST", "/v1/depots/eth-put-fx/trade", body, h)
                r = conn.getresponse()
                r.read()
                with lock:
                    if r.status == 201:
                        done[0] += 1
                    else:
                        failed[0] += 1
            conn.close()

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        dt = time.time() - t0
        rows = pg.psql("optdesk", "SELECT count(*) FROM depot_positions")
        print(f"depot_trades ours={done[0] / dt:.0f} trades/s ({done[0]} committed, {failed[0]} refused, "
              f"{rows} rows in the database, {CLIENTS} clients, fsync on)")
    finally:
        harness.stop_process(proc)
        pg.stop()
        import shutil
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
