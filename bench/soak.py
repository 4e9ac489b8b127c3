#!/usr/bin/python3
"""Soak: optdesk under 1000 maker connections and 200 buyers for SOAK_SECONDS (default 600),
on loopback, with its own PostgreSQL. Reports errors and the service's memory curve.

- makers: bench/ws_load, 1000 WebSocket connections over 10 maker accounts, each keeping one
  open quote on the vaults' RFQs and replacing it (open loop, SOAK_WS_RATE msgs/s in all,
  default 800: each replace writes two audit rows, and the audit writer drains about 2 000
  a second); any JSON-RPC error or lost answer counts;
- buyers: 200 accounts in 200 threads, each asking a depot quote every second (signed REST)
  and buying once (a 0.01 put), so the depot's book and the audit rows grow a little;
- SOAK_MOVE_CLOCK=1 moves the manual clock 1 s every second (RFQs expire after 120 s and roll,
  as on a real clock; ws_load then quotes RFQ ids that are gone, so its errors are expected);
  by default business time stands still and the makers replace quotes on the same RFQs;
- memory: optdesk's VmRSS every 10 s.
Prints one line per sample and a summary; writes bench/SOAK.md.
Usage: bench/soak.py [BUILD_DIR]   (default build-bench, made by bench/run, else build)"""
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import run_setup  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
CONNS = int(os.environ.get("SOAK_CONNS", "1000"))
BUYERS = int(os.environ.get("SOAK_BUYERS", "200"))
WS_RATE = int(os.environ.get("SOAK_WS_RATE", "800"))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else next(
        (b for b in (os.path.join(ROOT, "build-bench"), os.path.join(ROOT, "build"))
         if os.path.exists(os.path.join(b, "optdesk"))), None)
    if not build:
        raise SystemExit("soak: no optdesk binary (run bench/run or make build first)")
    ws_load = os.path.join(build, "bench", "ws_load")
    d = harness.tmpdir("optdesk-soak-")
    pg = harness.PgCluster(os.path.join(d, "pg"))
    os.makedirs(pg.root)
    pg.init()
    pg.start()
    pg.create_db("optdesk")
    http, ws = harness.free_port(), harness.free_port()
    env = {"DATABASE_URL": pg.url("optdesk"), "OPTDESK_DATA_DIR": os.path.join(d, "var"),
           "OPTDESK_HTTP_ADDR": f"127.0.0.1:{http}", "OPTDESK_WS_ADDR": f"127.0.0.1:{ws}",
           "OPTDESK_CLOCK": "manual", "OPTDESK_CLOCK_START": str(run_setup.T0 - 3 * 3600000),
           "OPTDESK_CONFIG": os.path.join(HERE, "run_config.json"), "OPTDESK_LOG_LEVEL": "warn"}
    log_path = os.path.join(d, "optdesk.log")
    proc = subprocess.Popen([os.path.join(build, "optdesk"), "serve"], env={**os.environ, **env},
                            stdout=open(log_path, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    ws_proc = None
    try:
        harness.wait_http(http, proc=proc)
        out = os.path.join(d, "setup")
        os.makedirs(out)
        run_setup.setup(http, ws, os.path.join(d, "var", "admin.json"), out)
        setup = json.load(open(os.path.join(out, "setup.json")))
        admin = harness.Client(http, json.load(open(os.path.join(d, "var", "admin.json"))))
        buyers = []
        for k in range(BUYERS):
            r = admin.post("/v1/admin/accounts", {"name": f"soak-buyer-{k}", "roles": ["buyer"]})
            assert r.status == 201, r
            assert admin.post(f"/v1/admin/accounts/soak-buyer-{k}/credit",
                              {"asset": "USDC", "amount": "100000"}).status == 200
            buyers.append(r.json())
        legs = setup["legs"]
        args = [ws_load, "--url", f"ws://127.0.0.1:{ws}/ws", "--mode", "send_quote", "--replace",
                "--creds", os.path.join(out, "makers.txt"), "--cancel-on-disconnect",
                "--rfq", ",".join(setup["rfqs"]), "--leg", f"{legs[0]},sell,{setup['amount']},205.00",
                "--leg", f"{legs[1]},buy,{setup['amount']},200.00",
                "--expiry-sec", str(run_setup.T0 // 1000 + 1200), "--conns", str(CONNS),
                "--duration", str(SECONDS), "--warmup", "5", "--rate", str(WS_RATE),
                "--connect-timeout", "60"]
        ws_proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stop = threading.Event()
        stats = {"quotes": 0, "trades": 0, "errors": 0, "examples": []}
        lock = threading.Lock()

        def buyer(creds):
            c = harness.Client(http, creds)
            bought = False
            while not stop.is_set():
                try:
                    r = c.get(setup["quote_path"])
                    what = "quote"
                    ok = r.status == 200
                    if ok and not bought:
                        what = "trade"
                        r = c.post("/v1/depots/eth-put-fx/trade", {"expiry": "20230303", "strike": "1100",
                                                                   "type": "P", "size": "0.01",
                                                                   "max_premium": "100"})
                        ok, bought = r.status in (200, 201), True
                        with lock:
                            stats["trades"] += ok
                except Exception as e:  # noqa: BLE001 - counted, the soak goes on
                    ok, r, what = False, e, "exception"
                with lock:
                    stats["quotes"] += 1
                    if not ok:
                        stats["errors"] += 1
                        if len(stats["examples"]) < 5:
                            stats["examples"].append(what + " " + repr(r)[:200])
                stop.wait(1.0)

        r = admin.post("/v1/admin/accounts", {"name": "soak-oracle", "roles": ["oracle"]})
        assert r.status == 201, r
        oracle = harness.Client(http, r.json())

        def clock():  # business time moves 1 s a second, so RFQs expire and roll as on a real clock
            now = run_setup.T0
            while not stop.is_set():
                now += 1000
                rs = [admin.post("/v1/admin/clock", {"now_ms": now})]
                if now % 10000 == 0:  # the oracles stay fresh (spot: 30 s)
                    rs.append(oracle.post("/v1/oracles/spot", {"underlying": "ETH", "price": "1000"}))
                    rs.append(oracle.post("/v1/oracles/surface", {"underlying": "ETH", "expiry": "20230303",
                                                                  "rate": "0.01", "iv": "1.54"}))
                with lock:
                    for r in rs:
                        if r.status != 200:
                            stats["errors"] += 1
                            if len(stats["examples"]) < 5:
                                stats["examples"].append(repr(r)[:200])
                stop.wait(1.0)

        if os.environ.get("SOAK_MOVE_CLOCK") == "1":  # off by default: ws_load quotes fixed RFQ ids
            threading.Thread(target=clock, daemon=True).start()
        pool = concurrent.futures.ThreadPoolExecutor(BUYERS)
        for b in buyers:
            pool.submit(buyer, b)
        samples, t0 = [], time.time()
        while time.time() - t0 < SECONDS + 10 and ws_proc.poll() is None:
            assert proc.poll() is None, open(log_path).read()[-3000:]
            s = (round(time.time() - t0), rss_kb(proc.pid))
            samples.append(s)
            print(f"soak t={s[0]}s rss_kb={s[1]} rest_requests={stats['quotes']} rest_errors={stats['errors']}",
                  flush=True)
            time.sleep(10)
        stop.set()
        pool.shutdown(wait=True)
        ws_out, ws_err = ws_proc.communicate(timeout=120)
        ws_line = next((ln for ln in ws_out.splitlines() if ln.startswith("ws_load ")), "ws_load: no result")
        first = [r for t, r in samples if 60 <= t <= 120] or [samples[0][1]]
        last = [r for t, r in samples[-6:]]
        growth = (sum(last) / len(last)) - (sum(first) / len(first))
        summary = (f"soak seconds={SECONDS} conns={CONNS} buyers={BUYERS} ws_rate={WS_RATE} | {ws_line} | "
                   f"rest_requests={stats['quotes']} rest_errors={stats['errors']} trades={stats['trades']} | "
                   f"rss_kb first_minute={first[0]} end={samples[-1][1]} max={max(r for _, r in samples)} "
                   f"growth_after_warmup_kb={growth:.0f}")
        print(summary)
        if stats["examples"]:
            print("examples:", stats["examples"])
        with open(os.path.join(HERE, "SOAK.md"), "w") as f:
            f.write("# Soak (bench/soak.py)\n\n" + summary + "\n\n| t (s) | VmRSS (kB) |\n|---|---|\n")
            f.writelines(f"| {t} | {r} |\n" for t, r in samples)
        shutil.copy(log_path, "/tmp/optdesk-soak.log")  # kept for a look after the run
        alive = proc.poll() is None
        rc = harness.stop_process(proc)
        print(f"soak: optdesk exit code {rc} (alive until the end: {alive})")
    finally:
        if ws_proc and ws_proc.poll() is None:
            ws_proc.kill()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        pg.stop()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
