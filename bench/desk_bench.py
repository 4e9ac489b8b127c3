#!/usr/bin/python3
"""RFQ desk benchmark: WebSocket quotes/s against a bare libwebsockets echo, and committed fills.

Starts its own PostgreSQL with durable commits (fsync on, synchronous_commit on: the service's
real setting, unlike the test suite) and an optdesk on a manual clock (bench/desk_bench_config.json:
four covered put spread vaults, WebSocket rate limits and the per-account connection cap raised),
funds each vault with 100 LBTC, feeds the oracles (BTC 60000, iv 0.5 to 20230303, rate 0.01) at
T0 = 2023-02-24 08:00 UTC and starts an auction of 100 spreads (lots of 2) on each vault, legs
BTC-20230303-56000-P sell / BTC-20230303-54000-P buy. Then, in one run, on loopback:

  fills       FILL_LOTS lots of bench-0 one after another: a maker (Python, WebSocket) quotes the
              lot's RFQ at the mark, the clock moves past the 15 s grace (POST /v1/admin/clock),
              and we wait for the maker's `{account}.trades` notification, which the desk sends
              only after the fill's COMMIT. fills/s = lots / wall time of the whole loop (quote,
              clock move, the engine's 100 ms tick, commit, next RFQ); commit latency = clock POST
              sent -> trade notification received. limit = pgbench, one client, one-row INSERT
              per durable transaction on the same cluster (what serial fsync'd commits allow).
  echo        bench/lws_echo + bench/ws_load (C, libwebsockets), closed loop (one request in
              flight per connection), 100 and 1000 connections: the WebSocket ceiling.
  quotes      ws_load against optdesk, 10 maker accounts, same connection counts, closed loop,
              credit 5 USD (booked, but under the floor's 20 USD clamp: never executed, so no
              lot fills and no RFQ id changes under the load; the clock does not move):
              ws_quotes_N      private/send_quote, then private/replace_quote of the
                               connection's own open quote (every answer should be a result);
                               connections spread over the 4 vaults' RFQs because one RFQ's book
                               holds at most 256 open quotes (AUCTION_MAX_QUOTES).
              ws_send_quote_N  only fresh private/send_quote: once each book holds 256 quotes
                               the rest are refused (-32602, reason "capacity"): acks, not quotes.
  after load  one more bench-0 lot filled right after the quote runs (bounded wait): the desk
              writer runs every audit row (each quote) and every fill in one FIFO queue, one
              transaction each, so the fill waits for the audit backlog; then the stop is timed
              (SIGTERM lets the writer finish its queue; SIGKILL after STOP_TIMEOUT_S).

Prints `<pair> ours=<figure> limit=<figure> ratio=<ours/limit>` lines with p50/p99.
Usage: bench/desk_bench.py [build/optdesk] [build/bench]   (builds nothing; about 2 minutes;
the C tools: cmake --build build --target lws_echo ws_load)"""
import asyncio
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402
from harness import WsClient  # noqa: E402

T0 = 1677225600000  # Fri 2023-02-24 08:00 UTC; the legs expire 7 days later
LEGS = [{"instrument_name": "BTC-20230303-56000-P", "direction": "sell"},
        {"instrument_name": "BTC-20230303-54000-P", "direction": "buy"}]
SPOT, IV, RATE = 60000.0, 0.5, 0.01
VAULTS = ["bench-0", "bench-1", "bench-2", "bench-3"]
MAKERS = 10
CONNS = (100, 1000)
DURATION_S, WARMUP_S = 5, 1
FILL_LOTS = 20
AFTER_LOAD_TIMEOUT_S = 40
STOP_TIMEOUT_S = 15
LOAD_SELL, LOAD_BUY = "205.00", "200.00"


def bs_put(S, K, tau, sigma, r):
    d1 = (math.log(S / K) + (r + sigma * sigma / 2) * tau) / (sigma * math.sqrt(tau))
    d2 = d1 - sigma * math.sqrt(tau)
    N = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    return K * math.exp(-r * tau) * N(-d2) - S * N(-d1)


def mark_credit(now_ms):
    tau = (T0 + 7 * 86_400_000 - now_ms) / 1000 / 31_536_000
    return bs_put(SPOT, 56000, tau, IV, RATE) - bs_put(SPOT, 54000, tau, IV, RATE)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * (len(xs) - 1) + 0.5))] if xs else float("nan")


class Desk:
    """PostgreSQL (durable) + optdesk on a manual clock, in a temp dir."""

    def __init__(self, binary):
        self.dir = harness.tmpdir("optdesk-deskbench-")
        self.proc = None
        self.pg = harness.PgCluster(os.path.join(self.dir, "pg"))
        os.makedirs(self.pg.root)
        self.pg.init()
        with open(os.path.join(self.pg.data, "postgresql.conf"), "a") as f:  # durable, as in production
            f.write("\nfsync = on\nsynchronous_commit = on\nfull_page_writes = on\n")
        self.pg.start()
        self.pg.create_db("optdesk")
        self.http, self.ws = harness.free_port(), harness.free_port()
        env = {"DATABASE_URL": self.pg.url("optdesk"), "OPTDESK_DATA_DIR": os.path.join(self.dir, "var"),
               "OPTDESK_HTTP_ADDR": f"127.0.0.1:{self.http}", "OPTDESK_WS_ADDR": f"127.0.0.1:{self.ws}",
               "OPTDESK_CLOCK": "manual", "OPTDESK_CLOCK_START": str(T0),
               "OPTDESK_CONFIG": os.path.join(HERE, "desk_bench_config.json"), "OPTDESK_LOG_LEVEL": "warn"}
        self.proc = harness.start_server(env, os.path.join(self.dir, "optdesk.log"), binary=binary)
        harness.wait_http(self.http, proc=self.proc)
        self.admin = harness.Client(self.http, json.load(open(os.path.join(self.dir, "var", "admin.json"))))
        self.oracle = harness.Client(self.http, self.account("oracle", ["oracle"]))
        self.operator = harness.Client(self.http, self.account("operator", ["operator"]))
        dep = self.account("dep", ["depositor"])
        r = self.admin.post("/v1/admin/accounts/dep/credit", {"asset": "LBTC", "amount": str(100 * len(VAULTS))})
        assert r.status == 200, r
        for v in VAULTS:
            r = harness.Client(self.http, dep).post(f"/v1/vaults/{v}/deposit", {"assets": "100"})
            assert r.status == 200, r
        self.now = T0
        self.feed()
        for v in VAULTS:
            r = self.operator.post(f"/v1/admin/vaults/{v}/auctions", {"legs": LEGS, "amount": "100"})
            assert r.status == 201, r

    def account(self, name, roles):
        r = self.admin.post("/v1/admin/accounts", {"name": name, "roles": roles})
        assert r.status == 201, r
        return r.json()

    def feed(self):
        r = self.oracle.post("/v1/oracles/spot", {"underlying": "BTC", "price": str(int(SPOT))})
        assert r.status == 200, r
        r = self.oracle.post("/v1/oracles/surface", {"underlying": "BTC", "expiry": "20230303",
                                                     "rate": str(RATE), "iv": str(IV)})
        assert r.status == 200, r

    def clock(self, ms):
        r = self.admin.post("/v1/admin/clock", {"now_ms": ms})
        assert r.status == 200, r
        self.now = ms

    def sql(self, q):
        return self.pg.psql("optdesk", q)

    def log_tail(self):
        try:
            return open(os.path.join(self.dir, "optdesk.log"), errors="replace").read()[-3000:]
        except OSError:
            return ""

    def close(self):
        try:
            if self.proc is not None:
                harness.stop_process(self.proc, timeout=STOP_TIMEOUT_S)
        finally:
            self.pg.stop()
            shutil.rmtree(self.dir, ignore_errors=True)


def quote_params(rfq, sell, buy, nonce, now_ms):
    legs = [dict(lg, price=sell if lg["direction"] == "sell" else buy) for lg in rfq["legs"]]
    return {"rfq_id": rfq["rfq_id"], "direction": "sell", "legs": legs, "max_fee": "0", "nonce": nonce,
            "signature_expiry_sec": now_ms // 1000 + 600, "label": "fill"}


async def open_rfqs(c):
    r = await c.call("private/poll_rfqs", {})
    return {q["vault_id"]: q for q in r["result"]["rfqs"] if q["status"] == "open"}


async def wait_rfq(c, vault, not_id, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        q = (await open_rfqs(c)).get(vault)
        if q and q["rfq_id"] != not_id:
            return q
        await asyncio.sleep(0.005)
    raise AssertionError(f"no new open RFQ on {vault}")


async def wait_trade(c, channel, timeout):
    deadline = time.time() + timeout
    while True:
        m = await c.notification(max(0.05, deadline - time.time()))
        p = m.get("params", {})
        if m.get("method") == "subscription" and p.get("channel") == channel and p.get("data") \
                and not p.get("snapshot"):
            return m


class Filler:
    """One maker on a Python WebSocket: quotes bench-0's lot at the mark, moves the clock past
    the grace, waits for its trade notification (sent after the fill's commit)."""

    def __init__(self, d, creds):
        self.d, self.creds = d, creds
        self.nonce = 1
        self.last_rfq = None

    async def connect(self):
        self.c = await WsClient(self.d.ws).connect()
        r = await self.c.login(self.creds)
        assert "result" in r, r
        self.channel = self.creds["account"] + ".trades"
        r = await self.c.call("subscribe", {"channels": [self.channel]})
        assert r["result"]["status"][self.channel] == "ok", r
        self.c.pending.clear()  # the snapshot

    async def one_lot(self, timeout=10.0):
        d = self.d
        rfq = await wait_rfq(self.c, "bench-0", self.last_rfq)
        mark = mark_credit(d.now)
        r = await self.c.call("private/send_quote", quote_params(rfq, f"{mark + 200:.2f}", "200.00",
                                                                 self.nonce, d.now))
        self.nonce += 1
        assert "result" in r, r
        await asyncio.to_thread(d.feed)  # marks fresh at the new time (16 s old there: max age 30 s)
        t0 = time.perf_counter()
        await asyncio.to_thread(d.clock, d.now + 16_000)  # past the 15 s grace
        await wait_trade(self.c, self.channel, timeout)
        self.last_rfq = rfq["rfq_id"]
        return time.perf_counter() - t0


def run_ws_load(bindir, args, timeout):
    cmd = [os.path.join(bindir, "ws_load"), *map(str, args)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("ws_load ")), None)
    if line is None:
        raise RuntimeError(f"ws_load failed ({out.returncode}): {out.stderr[-2000:]}")
    if out.stderr.strip():
        print("  ws_load stderr:", out.stderr.strip()[-600:])
    res = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    res["line"] = line
    return res


def pg_commit_limit(d):
    """pgbench, 1 client, 3 s: one-row INSERT per durable transaction on the desk's cluster."""
    d.sql("CREATE TABLE IF NOT EXISTS bench_commit(id bigserial PRIMARY KEY, v int)")
    script = os.path.join(d.dir, "commit.sql")
    with open(script, "w") as f:
        f.write("INSERT INTO bench_commit(v) VALUES (1);\n")
    out = subprocess.run([os.path.join(d.pg.bindir, "pgbench"), "-n", "-c", "1", "-T", "3", "-f", script,
                          "-h", d.pg.sock, "-U", "postgres", "optdesk"], capture_output=True, text=True,
                         timeout=30)
    tps = re.search(r"tps = ([\d.]+)", out.stdout)
    lat = re.search(r"latency average = ([\d.]+) ms", out.stdout)
    d.sql("DROP TABLE bench_commit")
    if not tps:
        raise RuntimeError("pgbench: " + out.stdout[-500:] + out.stderr[-500:])
    return float(tps.group(1)), float(lat.group(1)) if lat else float("nan")


def wait_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def pair_line(name, ours, limit, extra=""):
    r = ours["per_s_f"] / limit["per_s_f"] if limit["per_s_f"] else float("nan")
    print(f"{name} ours={ours['per_s_f']:.0f} limit={limit['per_s_f']:.0f} ratio={r:.2f} "
          f"p50_us={ours['p50_us']} p99_us={ours['p99_us']} limit_p50_us={limit['p50_us']} "
          f"limit_p99_us={limit['p99_us']} results={ours['results']} errors={ours['errors']}{extra}",
          flush=True)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build", "optdesk")
    bindir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "build", "bench")
    for exe in ("lws_echo", "ws_load"):
        if not os.access(os.path.join(bindir, exe), os.X_OK):
            sys.exit(f"{bindir}/{exe} missing: cmake --build build --target lws_echo ws_load")
    started = time.time()
    d = None
    echo = None
    try:
        d = Desk(binary)
        filler_creds = d.account("filler", ["maker"])
        makers = [d.account(f"m{k}", ["maker"]) for k in range(MAKERS)]
        creds_file = os.path.join(d.dir, "makers.txt")
        with open(creds_file, "w") as f:
            for m in makers:
                f.write(f"{m['api_key']} {m['secret']}\n")
        print(f"setup {time.time() - started:.1f}s: PostgreSQL (fsync on, synchronous_commit on), optdesk "
              f"on a manual clock, {len(VAULTS)} vaults x 100 LBTC, auctions of 100 spreads", flush=True)

        # 1. fills, sequential, on a quiet desk
        filler = Filler(d, filler_creds)
        lat = []

        async def fills():
            await filler.connect()
            t = time.perf_counter()
            for _ in range(FILL_LOTS):
                lat.append(await filler.one_lot())
            return time.perf_counter() - t
        loop = asyncio.new_event_loop()
        wall = loop.run_until_complete(fills())
        rows = int(d.sql("SELECT count(*) FROM fills WHERE vault_id = 'bench-0'"))
        tps, pg_lat_ms = pg_commit_limit(d)
        fills_s = FILL_LOTS / wall
        print(f"fills_committed ours={fills_s:.1f} limit={tps:.0f} ratio={fills_s / tps:.4f} "
              f"commit_p50_ms={pct(lat, 0.5) * 1e3:.1f} commit_p99_ms={pct(lat, 0.99) * 1e3:.1f} "
              f"limit_commit_avg_ms={pg_lat_ms:.3f} fills_in_db={rows}/{FILL_LOTS} "
              f"(sequential lots; limit = pgbench 1-client durable one-row commits/s)", flush=True)

        # 2. the WebSocket ceiling: bare lws echo
        echo_port = harness.free_port()
        echo = subprocess.Popen([os.path.join(bindir, "lws_echo"), str(echo_port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True)
        wait_port(echo_port)
        budget = DURATION_S + WARMUP_S + 40
        limits = {}
        for n in CONNS:
            r = run_ws_load(bindir, ["--url", f"ws://127.0.0.1:{echo_port}/ws", "--conns", n, "--duration",
                                     DURATION_S, "--warmup", WARMUP_S, "--mode", "echo"], budget)
            r["per_s_f"] = float(r["per_s"])
            limits[n] = r
            print(f"ws_echo_{n} msgs_per_s={r['per_s']} p50_us={r['p50_us']} p99_us={r['p99_us']} "
                  f"ready={r['ready']}/{n}", flush=True)
        os.killpg(echo.pid, signal.SIGTERM)
        echo.wait(10)
        echo = None

        # 3. quotes against the desk
        async def rfqs_now():
            c = await WsClient(d.ws).connect()
            assert "result" in await c.login(makers[0])
            q = await open_rfqs(c)
            await c.close()
            return q
        rfqs = loop.run_until_complete(rfqs_now())
        assert set(rfqs) == set(VAULTS), rfqs
        # credit 5 USD: accepted into the book but under the floor's 20 USD clamp, so never
        # executed: bench-1..3's RFQs are past their grace (the fills moved the clock) and a
        # quote at the mark would fill their lot and retire the RFQ ids mid-run
        sell, buy = LOAD_SELL, LOAD_BUY
        amount = rfqs["bench-0"]["legs"][0]["amount"]
        common = ["--url", f"ws://127.0.0.1:{d.ws}/ws", "--duration", DURATION_S, "--warmup", WARMUP_S,
                  "--mode", "send_quote", "--creds", creds_file, "--cancel-on-disconnect",
                  "--rfq", ",".join(rfqs[v]["rfq_id"] for v in VAULTS),
                  "--leg", f"{LEGS[0]['instrument_name']},sell,{amount},{sell}",
                  "--leg", f"{LEGS[1]['instrument_name']},buy,{amount},{buy}",
                  "--expiry-sec", d.now // 1000 + 1200]
        accepted = 0
        run = 0
        for replace in (True, False):
            for n in CONNS:
                run += 1
                t = time.perf_counter()
                r = run_ws_load(bindir, common + ["--conns", n, "--nonce-base", run * 1_000_000_000]
                                + (["--replace"] if replace else []), budget)
                r["per_s_f"] = float(r["per_s"])
                accepted += int(r["results"])
                rows = int(d.sql("SELECT count(*) FROM quotes WHERE label = 'bench'"))
                name = f"ws_quotes_{n}" if replace else f"ws_send_quote_{n}"
                pair_line(name, r, limits[n],
                          f" ready={r['ready']}/{n} lost={r['lost']} reconnects={r['reconnects']} "
                          f"errkinds={r['errkinds']} quote_rows_in_db={rows} (run {time.perf_counter() - t:.1f}s)")

        # 4. a fill right behind the quote load (the audit rows and the fill share one FIFO writer)
        async def after_load():
            await filler.c.close()  # idle through the loads (its loop was not running): a new session
            await filler.connect()
            t = time.perf_counter()
            try:
                s = await filler.one_lot(timeout=AFTER_LOAD_TIMEOUT_S)
            except (asyncio.TimeoutError, TimeoutError):
                s = None
            return s, time.perf_counter() - t
        backlog_rows = int(d.sql("SELECT count(*) FROM quotes WHERE label = 'bench'"))
        t = time.perf_counter()
        s, _ = loop.run_until_complete(after_load())
        rows_after = int(d.sql("SELECT count(*) FROM quotes WHERE label = 'bench'"))
        drain_s = time.perf_counter() - t
        loop.run_until_complete(filler.c.close())
        loop.close()
        shown = f"{s * 1e3:.0f}" if s is not None else f">{AFTER_LOAD_TIMEOUT_S * 1000}"
        print(f"fill_after_quote_load commit_latency_ms={shown} quiet_p50_ms={pct(lat, 0.5) * 1e3:.1f} "
              f"quotes_accepted={accepted} quote_rows_in_db={backlog_rows}->{rows_after} in {drain_s:.1f}s "
              f"(audit drain {(rows_after - backlog_rows) / drain_s:.0f} rows/s, one transaction per row)",
              flush=True)
        t = time.perf_counter()
        code = harness.stop_process(d.proc, timeout=STOP_TIMEOUT_S)
        stop_s = time.perf_counter() - t
        rows_end = d.sql("SELECT count(*) FROM quotes WHERE label = 'bench'")
        print(f"optdesk_stop {stop_s:.1f}s exit={code} quote_rows_in_db={rows_end} (SIGTERM waits for the "
              f"writer's queue; SIGKILL after {STOP_TIMEOUT_S}s)", flush=True)
        print(f"total {time.time() - started:.0f}s", flush=True)
    except Exception:
        if d is not None:
            print("optdesk log tail:\n" + d.log_tail(), file=sys.stderr)
        raise
    finally:
        if echo is not None and echo.poll() is None:
            os.killpg(echo.pid, signal.SIGKILL)
            echo.wait()
        if d is not None:
            d.close()


if __name__ == "__main__":
    main()
