#!/usr/bin/python3
"""Crash and PostgreSQL-restart drills (issue 9).

One optdesk on a manual clock with its own PostgreSQL (DATABASE_URL, so a kill -9 of optdesk
leaves the database up), a cycling covered put spread vault (`maxi`, LBTC/BTC) and a put depot
(`eth-put-fx`), under load from threads:
  - depositors: POST /v1/vaults/{maxi,eth-put-fx}/deposit with an Idempotency-Key, every amount
    unique, each request retried with its key until it gets a definitive answer;
  - buyers: POST /v1/depots/eth-put-fx/trade, the same way;
  - a maker on the WebSocket quoting every RFQ (spreads and stage-4 spot orders) and recording
    every fill it is told of on {account}.trades;
  - a conductor moving the manual clock through the weekly cycle and feeding the oracles
    (spots, surfaces, settlement prices of every Friday passed).

  crash drill:    each round kills optdesk with SIGKILL at a random instant and restarts it.
  pg drill:       each round stops PostgreSQL (fast or immediate) under load, checks that the
                  requests made meanwhile get retryable errors, starts it again and checks that
                  the same optdesk process recovers (/readyz 200) by itself.

After every round the REST load is paused (every in-flight request resolved) and one SQL
snapshot is checked: every acknowledged deposit and depot trade is in the database exactly once
and nothing unacknowledged is; every fill the maker was told of is in `fills` exactly once; no
RFQ filled twice; auctions' sold_amount = sum of their fills; the ledger invariants; the vault's
stage = its last transition, the transitions a valid chain, vault_cycles consistent. A request
acknowledged before the crash, retried with its Idempotency-Key, must return the first answer.

Usage: drill.py crash|pg|soak [--rounds N] [--seed S]   (rounds: $DRILL_ROUNDS, default 20; soak: no
fault, a baseline for the checks). Any 500 answer fails its round unless DRILL_ALLOW_500=1.
The last line printed is `DRILL_SUMMARY {json}`; the exit status is 0 only if every round passed.
"""
import argparse
import asyncio
import collections
import datetime
import json
import os
import random
import shutil
import signal
import sys
import threading
import time
import traceback
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402

T0 = 1795180200000  # Fri 2026-11-20 13:10 UTC (as tests/integration/test_vault_cycle.py)
DAY = 86_400_000
BTC_SPOT, ETH_SPOT = "60000", "1000"
BTC_SETTLE, ETH_SETTLE = "60000", "950"  # ETH below the strike: depot puts pay out
SPREAD_PRICE = {"sell": "250", "buy": "100"}  # by the vault's direction of the leg
ROUND_LIMIT_S = 75.0
RETRYABLE_503 = ("db_unavailable", "db_busy", "engine_unavailable")

CONFIG = {
    "clock": "manual",
    "oracle": {"simulated": False, "spot_max_age_s": 86400, "surface_max_age_s": 604800},
    "ws": {"rate_per_sec": 500, "burst": 1000},
    "vaults": [{"id": "maxi", "kind": "covered_put_spread", "collateral": "LBTC", "underlying": "BTC",
                "strike_diff": "2000", "lot_size": "10", "lot_rounding": "1", "performance_fee": "0.1"}],
    "depots": [{"id": "eth-put-fx", "underlying": "ETH", "type": "P",
                "settings": {"alpha": "3", "hourly_decay": "0.005", "min_clevel": "1.05",
                             "max_clevel": "1.2", "min_dte": "3", "max_dte": "30", "min_delta": "0.1",
                             "max_delta": "0.7", "performance_fee": "0.05", "management_fee": "0.02"}}],
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def fridays(lo_ms, hi_ms):
    """Fridays 08:00 UTC in (lo_ms, hi_ms]."""
    d = datetime.datetime.fromtimestamp(lo_ms / 1000, datetime.timezone.utc).date()
    out = []
    for k in range(0, (hi_ms - lo_ms) // DAY + 9):
        day = d + datetime.timedelta(days=k)
        if day.weekday() != 4:
            continue
        ms = int(datetime.datetime(day.year, day.month, day.day, 8, tzinfo=datetime.timezone.utc).timestamp() * 1000)
        if lo_ms < ms <= hi_ms:
            out.append(ms)
    return out


def ymd(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y%m%d")


class Server:
    def __init__(self):
        self.dir = harness.tmpdir("optdesk-drill-")
        self.pg = harness.PgCluster(os.path.join(self.dir, "pg"))
        os.makedirs(self.pg.root)
        self.pg.init()
        # harness.PgCluster turns durability off for speed; the drills need what production has:
        # a commit is on disk before it is acknowledged (an immediate stop must lose nothing)
        with open(os.path.join(self.pg.data, "postgresql.conf"), "a") as f:
            f.write("\nfsync = on\nsynchronous_commit = on\nfull_page_writes = on\n")
        self.pg.start()
        self.pg.create_db("optdesk")
        self.http, self.ws = harness.free_port(), harness.free_port()
        cfg = os.path.join(self.dir, "drill_config.json")
        with open(cfg, "w") as f:
            json.dump(CONFIG, f)
        self.logpath = os.path.join(self.dir, "optdesk.log")
        self.env = {"DATABASE_URL": self.pg.url("optdesk"), "OPTDESK_DATA_DIR": os.path.join(self.dir, "var"),
                    "OPTDESK_HTTP_ADDR": f"127.0.0.1:{self.http}", "OPTDESK_WS_ADDR": f"127.0.0.1:{self.ws}",
                    "OPTDESK_CLOCK": "manual", "OPTDESK_CLOCK_START": str(T0), "OPTDESK_CONFIG": cfg}
        self.generation = 0
        self.proc = None
        self.start()
        self.admin = harness.Client(self.http, json.load(open(os.path.join(self.dir, "var", "admin.json"))))

    def start(self):
        self.proc = harness.start_server(self.env, self.logpath)
        try:
            harness.wait_http(self.http, proc=self.proc, timeout=30)
        except Exception:
            if self.proc.poll() is not None:
                self.report_exit("exited during start-up")
            else:
                self.report_exit("did not answer /healthz within 30 s")
            raise
        self.generation += 1

    def kill9(self):
        """kill -9 of optdesk's process group. Returns None, or the exit status optdesk had
        already exited with by itself (its log's tail printed)."""
        if self.proc.poll() is not None:
            self.report_exit("had exited by itself before the kill")
            return self.proc.returncode
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return None

    def exited_unexpectedly(self):
        """True (and its log's tail printed, once per process) when optdesk has exited although
        nobody stopped it."""
        if self.proc is None or self.proc.poll() is None:
            return False
        self.report_exit("exited by itself")
        return True

    def report_exit(self, what, n=60):
        """Prints the last n lines of optdesk's log (its stdout and stderr: a sanitizer report
        lands there), and the start of a sanitizer report that began before them, so that CI
        output shows why it exited. Once per process."""
        if self.proc is not None:
            if getattr(self.proc, "_reported", False):
                return
            self.proc._reported = True
        rc = self.proc.returncode if self.proc is not None else None
        try:
            with open(self.logpath, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            log(f"optdesk {what} (rc {rc}); no log: {e}")
            return
        tail_from = max(0, len(lines) - n)
        markers = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer", "ERROR SUMMARY:")
        first = next((i for i, l in enumerate(lines) if any(m in l for m in markers)), None)
        log(f"optdesk {what} (rc {rc}, pid {self.proc.pid if self.proc else '-'}); {self.logpath}:")
        if first is not None and first < tail_from:
            print(f"  --- sanitizer report from line {first + 1} ---", flush=True)
            for line in lines[first:min(first + 40, tail_from)]:
                print("  | " + line, flush=True)
            print(f"  --- ... last {len(lines) - tail_from} lines ---", flush=True)
        else:
            print(f"  --- last {len(lines) - tail_from} lines ---", flush=True)
        for line in lines[tail_from:]:
            print("  | " + line, flush=True)
        print("  ---", flush=True)

    def sql(self, q):
        return self.pg.psql("optdesk", q)

    def log_tail(self, n=3000):
        try:
            return open(self.logpath, errors="replace").read()[-n:]
        except OSError:
            return ""

    def close(self, keep=False):
        rc = None
        try:
            if self.proc is not None:
                already = self.proc.poll() is not None
                rc = harness.stop_process(self.proc)
                if rc != 0:
                    keep = True  # the log and the database, for inspection
                    self.report_exit("had exited by itself before the shutdown" if already else
                                     "exited with a non-zero status at shutdown")
        finally:
            self.pg.stop()
            if not keep:
                shutil.rmtree(self.dir, ignore_errors=True)
        return rc


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.c = collections.Counter()

    def inc(self, k, n=1):
        with self.lock:
            self.c[k] += n


class Gate:
    """Pauses the REST workers between requests (an in-flight request is first resolved)."""

    def __init__(self):
        self.run = threading.Event()
        self.run.set()
        self.stop = False
        self.lock = threading.Lock()
        self.busy = 0

    def enter(self):
        while not self.run.wait(0.1):
            if self.stop:
                return False
        with self.lock:
            self.busy += 1
        return not self.stop

    def leave(self):
        with self.lock:
            self.busy -= 1

    def pause(self, timeout=30):
        self.run.clear()
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if self.busy == 0:
                    return True
            time.sleep(0.02)
        return False

    def resume(self):
        self.run.set()


class Drill:
    def __init__(self, kind, rounds, seed):
        self.kind, self.rounds, self.rng = kind, rounds, random.Random(seed)
        self.seed = seed
        self.stats = Stats()
        self.gate = Gate()
        self.stopping = False
        self.srv = Server()
        self.ack_lock = threading.Lock()
        self.deposits = []   # {key, account, vault, body, base, status, json, gen}
        self.trades = []     # {key, account, body, position_id, size_units, status, json, gen}
        self.told = {}       # quote_id -> {rfq_id, amount, vault}
        self.quoted = set()  # rfq ids the maker quoted
        self.violations = []  # during a PostgreSQL outage
        self.server_errors = []  # 500 internal_error answers (retried with their key)
        self.allow_500 = os.environ.get("DRILL_ALLOW_500") == "1"
        self.outage = None   # (t_stopped, t_restarting) while PostgreSQL is down
        self.now = T0
        self.published = set()
        self.depot_expiry = None
        self.fed_gen = 0
        self.n_dep, self.n_buy = 3, 2
        self.conductor_last_error = None
        self.checked_transitions = 0
        self.reported = {}  # what -> discrepancies already reported
        self.refused = {}  # key -> the definitive refusal its request got

    # ---------------- set-up ----------------

    def account(self, name, roles):
        r = self.srv.admin.post("/v1/admin/accounts", {"name": name, "roles": roles})
        assert r.status == 201, r
        return r.json()

    def credit(self, name, asset, amount):
        r = self.srv.admin.post(f"/v1/admin/accounts/{name}/credit", {"asset": asset, "amount": amount})
        assert r.status == 200, r

    def setup(self):
        self.oracle = harness.Client(self.srv.http, self.account("oracle", ["oracle"]))
        self.maker = self.account("mk", ["maker"])
        seed = self.account("seed", ["depositor"])
        self.credit("seed", "LBTC", "100")
        self.credit("seed", "USDC", "10000000")
        sc = harness.Client(self.srv.http, seed)
        self.feed()
        assert sc.post("/v1/vaults/maxi/deposit", {"assets": "100"}).status == 200
        r = sc.post("/v1/vaults/eth-put-fx/deposit", {"assets": "10000000"})
        assert r.status == 200, r
        self.depositors = []
        for i in range(self.n_dep):
            creds = self.account(f"dep{i}", ["depositor"])
            self.credit(f"dep{i}", "LBTC", "100000")
            self.credit(f"dep{i}", "USDC", "1000000000")
            self.depositors.append((f"dep{i}", creds))
        self.buyers = []
        for i in range(self.n_buy):
            creds = self.account(f"buy{i}", ["buyer"])
            self.credit(f"buy{i}", "USDC", "1000000000")
            self.buyers.append((f"buy{i}", creds))

    # ---------------- oracles and the clock ----------------

    def feed(self):
        o = self.oracle
        now = self.now
        for u, spot, horizon in (("BTC", BTC_SPOT, 9 * DAY), ("ETH", ETH_SPOT, 32 * DAY)):
            r = o.post("/v1/oracles/spot", {"underlying": u, "price": spot})
            if r.status != 200:
                raise RuntimeError(f"spot {r}")
            iv = "0.42" if u == "BTC" else "1.54"
            for e in fridays(now, now + horizon):
                r = o.post("/v1/oracles/surface", {"underlying": u, "expiry": ymd(e), "rate": "0.01", "iv": iv})
                if r.status != 200:
                    raise RuntimeError(f"surface {r}")
        for e in fridays(T0 - DAY, now):
            if e in self.published:
                continue
            for u, p in (("BTC", BTC_SETTLE), ("ETH", ETH_SETTLE)):
                r = o.post("/v1/oracles/settlement", {"underlying": u, "expiry": ymd(e), "price": p})
                if r.status not in (200, 201):
                    raise RuntimeError(f"settlement {r}")
            self.published.add(e)
        # the buyers' maturity: the first Friday 4-28 days ahead
        cands = [e for e in fridays(now + 4 * DAY, now + 28 * DAY)]
        self.depot_expiry = ymd(cands[0]) if cands else None

    def clock(self, ms):
        ms = max(ms, self.now)
        r = self.srv.admin.post("/v1/admin/clock", {"now_ms": ms})
        if r.status != 200:
            raise RuntimeError(f"clock {r}")
        self.now = ms
        self.feed()
        self.stats.inc("clock_moves")

    def conductor(self):
        last_change, last_key = time.time(), None
        while not self.stopping:
            try:
                if self.fed_gen != self.srv.generation:
                    gen = self.srv.generation
                    r = self.srv.admin.get("/v1/time")
                    self.now = max(self.now, r.json()["time"])
                    self.feed()  # live oracle values are not kept across a restart
                    self.fed_gen = gen
                r = self.srv.admin.get("/v1/vaults/maxi/cycle")
                if r.status != 200:
                    time.sleep(0.1)
                    continue
                c = r.json()
                stage, cy, a = c["stage"], c["cycle"] or {}, c.get("auction")
                rfq = (a or {}).get("rfq")
                key = (stage, cy.get("cycle_no"), (a or {}).get("sold"), (rfq or {}).get("rfq_id"))
                if key != last_key:
                    last_key, last_change = key, time.time()
                stalled = time.time() - last_change > 0.7
                if cy.get("pending"):
                    time.sleep(0.03)
                    continue
                open_rfq = rfq if rfq and rfq.get("status", "open") == "open" and (a or {}).get("state") != "finished" else None
                if stage in ("collateral_only", "collateral_auction") and self.now < cy.get("next_ms", 0):
                    self.clock(cy["next_ms"] + 1000)
                elif stage == "await_settlement" and cy.get("spread") and self.now < cy["spread"]["expiry_ms"]:
                    self.clock(cy["spread"]["expiry_ms"])
                elif stage == "option_auction" and open_rfq and open_rfq["rfq_id"] in self.quoted:
                    target = max(self.now, int(open_rfq.get("creation_timestamp", self.now))) + 15_001
                    if target > self.now + 1000 or stalled:
                        self.clock(max(target, self.now + 1000))
                        last_change = time.time()
                    else:
                        time.sleep(0.03)
                elif stalled:
                    self.clock(self.now + (15_000 if stage == "collateral_auction" else 61_000))
                    last_change = time.time()
                else:
                    time.sleep(0.03)
            except Exception as e:  # the server is down or restarting
                self.stats.inc("conductor_errors")
                self.stats.inc(f"conductor_error:{type(e).__name__}")
                self.conductor_last_error = f"{type(e).__name__}: {str(e)[:300]}"
                time.sleep(0.1)

    # ---------------- REST load ----------------

    def classify(self, t_sent, resp, exc):
        """Records what a request sent during a PostgreSQL outage got."""
        out = self.outage
        if out is None or t_sent < out[0] or (out[1] is not None and time.time() > out[1]):
            return
        if exc is not None:
            self.stats.inc("outage_conn_error")
            return
        if resp.status == 503:
            try:
                err = resp.json()["error"]
            except Exception:
                err = {}
            if (err.get("code") in RETRYABLE_503 and (err.get("details") or {}).get("retryable") is True
                    and resp.headers.get("Retry-After") == "1"):
                self.stats.inc("outage_retryable_503")
                return
        if 200 <= resp.status < 300 or resp.status >= 500:
            self.violations.append(f"during the outage: {resp.status} {resp.body[:200]!r}")
        else:
            self.stats.inc(f"outage_other_{resp.status}")

    def settle_request(self, client, path, body, key, kind):
        """Sends one request, retrying with the same Idempotency-Key until the answer is
        definitive (not a connection error, not a 5xx). Returns the response."""
        tries = 0
        while True:
            tries += 1
            t = time.time()
            resp, exc = None, None
            try:
                resp = client.post(path, body, headers={"Idempotency-Key": key})
            except Exception as e:  # refused / reset: the server is down
                exc = e
            self.classify(t, resp, exc)
            if exc is None and resp.status < 500:
                if tries > 1:
                    self.stats.inc(f"{kind}_retried")
                return resp
            if exc is None:
                self.stats.inc(f"{kind}_{resp.status}")
                if resp.status == 500:
                    self.server_errors.append(f"{kind} {key}: 500 {resp.body[:300]!r}")
            else:
                self.stats.inc(f"{kind}_conn_error")
            if self.stopping:
                return None
            time.sleep(0.05 if exc is not None else 0.1)

    def depositor(self, idx, name, creds):
        client = harness.Client(self.srv.http, creds)
        n = 0
        while self.gate.enter():
            try:
                n += 1
                if n % 2:
                    vault, amount, dec = "maxi", Decimal("0.01") + Decimal(n) / 10**8, 8
                else:
                    vault, amount, dec = "eth-put-fx", Decimal(10) + Decimal(n) / 10**6, 6
                body = {"assets": str(amount)}
                key = f"{name}-d{n}"
                gen = self.srv.generation
                r = self.settle_request(client, f"/v1/vaults/{vault}/deposit", body, key, "deposit")
                if r is None:
                    continue
                if 200 <= r.status < 300:
                    with self.ack_lock:
                        self.deposits.append({"key": key, "account": name, "vault": vault, "body": body,
                                              "base": int(amount * 10**dec), "status": r.status,
                                              "json": r.json(), "gen": gen, "creds": creds})
                    self.stats.inc("deposit_acked")
                else:
                    self.stats.inc(f"deposit_refused_{r.status}")
                    self.refused[key] = f"{r.status} {r.body[:200].decode(errors='replace')}"
                time.sleep(0.01)
            finally:
                self.gate.leave()

    def buyer(self, idx, name, creds):
        client = harness.Client(self.srv.http, creds)
        n = 0
        while self.gate.enter():
            try:
                expiry = self.depot_expiry
                if not expiry:
                    time.sleep(0.05)
                    continue
                n += 1
                size = Decimal("0.1") + Decimal(n) / 10**8
                body = {"expiry": expiry, "strike": "1000", "type": "P", "size": str(size), "max_premium": "1000"}
                key = f"{name}-t{n}"
                gen = self.srv.generation
                r = self.settle_request(client, "/v1/depots/eth-put-fx/trade", body, key, "trade")
                if r is None:
                    continue
                if 200 <= r.status < 300:
                    j = r.json()
                    with self.ack_lock:
                        self.trades.append({"key": key, "account": name, "body": body,
                                            "position_id": int(j["position_id"]), "size": int(size * 10**8),
                                            "status": r.status, "json": j, "gen": gen, "creds": creds})
                    self.stats.inc("trade_acked")
                else:
                    try:
                        code = r.json()["error"]["code"]
                    except Exception:
                        code = str(r.status)
                    self.stats.inc(f"trade_refused_{code}")
                    self.refused[key] = f"{r.status} {r.body[:200].decode(errors='replace')}"
                time.sleep(0.02)
            finally:
                self.gate.leave()

    # ---------------- the maker ----------------

    def record_trades(self, m):
        p = m.get("params") or {}
        ch = p.get("channel", "")
        if m.get("method") != "subscription":
            return
        if ch.endswith(".trades"):
            for t in p.get("data") or []:
                q = str(t["quote_id"])
                with self.ack_lock:
                    if q not in self.told:
                        self.told[q] = {"rfq_id": str(t["rfq_id"]), "amount": t.get("amount")}
                        self.stats.inc("fill_told")

    async def maker_session(self):
        c = await harness.WsClient(self.srv.ws).connect()
        try:
            r = await c.login(self.maker)
            if "result" not in r:
                raise RuntimeError(f"login {r}")
            r = await c.call("subscribe", {"channels": [f"{self.maker['account']}.trades"]})
            if "result" not in r:
                raise RuntimeError(f"subscribe {r}")
            while not self.stopping:
                r = await c.call("private/poll_rfqs", {}, timeout=5)
                while c.pending:
                    self.record_trades(c.pending.pop(0))
                if "error" in r:
                    self.stats.inc(f"maker_rpc_error_{r['error'].get('code')}")
                    await asyncio.sleep(0.2)
                    continue
                for rfq in r["result"]["rfqs"]:
                    if rfq["status"] != "open" or rfq["rfq_id"] in self.quoted:
                        continue
                    legs = []
                    for lg in rfq["legs"]:
                        price = BTC_SPOT if lg["instrument_name"] == "LBTC-USDC" else SPREAD_PRICE[lg["direction"]]
                        legs.append(dict(lg, price=price))
                    self.nonce += 1
                    q = await c.call("private/send_quote", {
                        "rfq_id": rfq["rfq_id"], "direction": "sell", "legs": legs, "max_fee": "0",
                        "nonce": self.nonce, "signature_expiry_sec": self.now // 1000 + 1200}, timeout=5)
                    if "result" in q:
                        self.quoted.add(rfq["rfq_id"])
                        self.stats.inc("quotes_sent")
                    else:
                        self.stats.inc(f"maker_quote_error_{q['error'].get('code')}")
                while c.pending:
                    self.record_trades(c.pending.pop(0))
                try:
                    while True:
                        self.record_trades(await c.notification(timeout=0.05))
                except (asyncio.TimeoutError, TimeoutError):
                    pass
        finally:
            try:
                await asyncio.wait_for(c.close(), 2)
            except Exception:
                pass

    def maker_thread(self):
        self.nonce = int(time.time() * 1000)

        async def main():
            while not self.stopping:
                try:
                    await self.maker_session()
                except Exception as e:
                    self.stats.inc("maker_reconnects")
                    self.stats.inc(f"maker_error:{type(e).__name__}")
                    await asyncio.sleep(0.2)
        asyncio.run(main())

    # ---------------- checks ----------------

    SNAPSHOT = """
SELECT json_build_object(
 'deposits', (SELECT coalesce(json_agg(json_build_array(caller_id, vault_id, assets::TEXT)), '[]')
              FROM ledger_journal WHERE op = 'deposit' AND caller_id LIKE 'dep%'),
 'positions', (SELECT coalesce(json_agg(json_build_array(depot_id, position_id, buyer_id, size::TEXT)), '[]')
               FROM depot_positions WHERE buyer_id LIKE 'buy%'),
 'fills', (SELECT coalesce(json_agg(json_build_array(quote_id::TEXT, rfq_id::TEXT, amount::TEXT, kind)), '[]') FROM fills),
 'fills_per_rfq_max', (SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM fills GROUP BY rfq_id) x),
 'rfq_filled_status_without_fill', (SELECT count(*) FROM rfqs r WHERE status = 'filled'
                                     AND NOT EXISTS (SELECT 1 FROM fills f WHERE f.rfq_id = r.id)),
 'sold_mismatch', (SELECT coalesce(json_agg(json_build_array(a.id::TEXT, a.sold_amount::TEXT, s::TEXT)), '[]') FROM
                   (SELECT a.id, a.sold_amount, (SELECT coalesce(sum(amount), 0) FROM fills f WHERE f.auction_id = a.id) s
                    FROM auctions a) a WHERE sold_amount <> s),
 'running_auctions', (SELECT coalesce(json_agg(json_build_array(id::TEXT, kind, cycle_no)), '[]') FROM auctions
                      WHERE status = 'running'),
 'supply_mismatch', (SELECT coalesce(json_agg(json_build_array(v.id, v.total_supply::TEXT)), '[]') FROM vaults v
                     WHERE total_supply <> (SELECT coalesce(sum(shares + queued_shares), 0) FROM share_balances s
                                            WHERE s.vault_id = v.id)),
 'redeemable_excess', (SELECT coalesce(json_agg(v.id), '[]') FROM vaults v WHERE
                       (SELECT coalesce(sum(floor((s.shares + s.queued_shares) * (v.total_assets + 1)
                                                  / (v.total_supply + 10::NUMERIC ^ v.decimals_offset))), 0)
                        FROM share_balances s WHERE s.vault_id = v.id) > v.total_assets),
 'negative_balances', (SELECT count(*) FROM asset_balances WHERE amount < 0)
                      + (SELECT count(*) FROM share_balances WHERE shares < 0 OR queued_shares < 0),
 'journal_mismatch', (SELECT coalesce(json_agg(json_build_array(b.account_id, b.asset, b.amount::TEXT, j::TEXT)), '[]') FROM
                      (SELECT b.*, (SELECT coalesce(sum(delta), 0) FROM balance_journal j
                                    WHERE j.account_id = b.account_id AND j.asset = b.asset) j FROM asset_balances b) b
                      WHERE amount <> j),
 'stage', (SELECT stage FROM vaults WHERE id = 'maxi'),
 'vault', (SELECT json_build_object('usdc_balance', usdc_balance::TEXT, 'open_spreads', open_spreads::TEXT,
                                    'total_assets', total_assets::TEXT) FROM vaults WHERE id = 'maxi'),
 'transitions', (SELECT coalesce(json_agg(json_build_array(cycle_no, from_stage, to_stage, reason, open_spreads::TEXT,
                                                         business_ms) ORDER BY id), '[]')
                 FROM cycle_transitions WHERE vault_id = 'maxi'),
 'cycle', (SELECT json_build_object('cycle_no', cycle_no, 'premium', premium::TEXT, 'expiry_ms', expiry_ms)
           FROM vault_cycles WHERE vault_id = 'maxi'),
 'cycle_fills', (SELECT json_build_object('premium', coalesce(sum(premium), 0)::TEXT, 'amount', coalesce(sum(amount), 0)::TEXT)
                 FROM fills WHERE vault_id = 'maxi' AND kind = 'spread'
                 AND cycle_no = (SELECT cycle_no FROM vault_cycles WHERE vault_id = 'maxi')),
 'settlements', (SELECT coalesce(json_agg(cycle_no ORDER BY cycle_no), '[]') FROM vault_settlements WHERE vault_id = 'maxi')
)"""

    # the stage machine (docs/API.md "The weekly cycle"); option_auction -> collateral_only is
    # `nothing_to_sell`, legitimate only while nothing of the cycle was sold
    NEXT = {"collateral_only": ("option_auction",), "option_auction": ("await_settlement", "collateral_only"),
            "await_settlement": ("collateral_auction",), "collateral_auction": ("collateral_only",)}

    def check(self):
        """One snapshot of the database against everything acknowledged; returns the failures."""
        fails = []
        with self.ack_lock:  # before the snapshot: a fill told later is committed after it
            deposits, trades, told = list(self.deposits), list(self.trades), dict(self.told)
        snap = json.loads(self.srv.sql(self.SNAPSHOT))
        # deposits: exactly the acknowledged ones, each once
        want = collections.Counter((d["account"], d["vault"], str(d["base"])) for d in deposits)
        got = collections.Counter(tuple(x) for x in snap["deposits"])
        missing, extra = self.new_only("deposits", want - got, got - want)
        if missing or extra:
            fails.append(f"deposits: {sum(missing.values())} acknowledged missing {list(missing)[:5]}, "
                         f"{sum(extra.values())} unacknowledged or duplicated {list(extra)[:5]}")
            for acct, vault, base in list(extra)[:5]:  # the amount says which request it was
                n = int(base) - (10**6 if vault == "maxi" else 10**7)
                key = f"{acct}-d{n}"
                fails.append(f"  deposit row {acct}/{vault}/{base} is request {key}, which was answered "
                             f"{self.refused.get(key, 'with nothing definitive')}")
        keys = collections.Counter(d["key"] for d in deposits)
        if any(n > 1 for n in keys.values()):
            fails.append("deposits: a key acknowledged twice in the driver")
        # depot trades: exactly the acknowledged positions
        want = collections.Counter(("eth-put-fx", t["position_id"], t["account"], str(t["size"])) for t in trades)
        got = collections.Counter(tuple(x) for x in snap["positions"])
        missing, extra = self.new_only("depot trades", want - got, got - want)
        if missing or extra:
            fails.append(f"depot trades: {sum(missing.values())} acknowledged missing {list(missing)[:5]}, "
                         f"{sum(extra.values())} unacknowledged or duplicated {list(extra)[:5]}")
            for depot, pos, acct, size in list(extra)[:5]:
                key = f"{acct}-t{int(size) - 10**7}"
                fails.append(f"  position {pos} of {acct} is request {key}, which was answered "
                             f"{self.refused.get(key, 'with nothing definitive')}")
        # fills the maker was told of: in fills exactly once (quote_id is unique), same RFQ
        fills = {}
        for q, rfq, amount, kind in snap["fills"]:
            if q in fills:
                fails.append(f"fills: quote {q} twice")
            fills[q] = rfq
        lost = list(self.new_only("fills", collections.Counter(q for q in told if q not in fills),
                                  collections.Counter())[0])
        if lost:
            fails.append(f"fills: {len(lost)} told to the maker but not in the database: {lost[:5]}")
        wrong = [q for q, t in told.items() if q in fills and fills[q] != t["rfq_id"]]
        if wrong:
            fails.append(f"fills: rfq mismatch {wrong[:5]}")
        if snap["fills_per_rfq_max"] > 1:
            fails.append(f"fills: an RFQ filled {snap['fills_per_rfq_max']} times")
        if snap["rfq_filled_status_without_fill"]:
            fails.append(f"rfqs: {snap['rfq_filled_status_without_fill']} 'filled' without a fill")
        if snap["sold_mismatch"]:
            fails.append(f"auctions: sold_amount != sum(fills.amount): {snap['sold_mismatch'][:5]}")
        # ledger invariants
        for k in ("supply_mismatch", "redeemable_excess", "journal_mismatch"):
            if snap[k]:
                fails.append(f"ledger {k}: {snap[k][:5]}")
        if snap["negative_balances"]:
            fails.append(f"ledger: {snap['negative_balances']} negative balances")
        # the vault's stage
        tr = snap["transitions"]
        stage = snap["stage"]
        if (tr[-1][2] if tr else "collateral_only") != stage:
            fails.append(f"stage {stage} != last transition {tr[-1] if tr else None}")
        prev = "collateral_only"
        for k, t in enumerate(tr):
            if k < self.checked_transitions:  # judged by an earlier round
                prev = t[2]
                continue
            if t[1] != prev or t[2] not in self.NEXT[t[1]]:
                fails.append(f"transition chain broken at {t} (after {prev})")
                break
            if t[2] == "collateral_only" and t[4] != "0":
                fails.append(f"back to collateral_only with {t[4]} open spread units unsettled: {t}")
            prev = t[2]
        self.checked_transitions = len(tr)
        cyc = snap["cycle"] or {"cycle_no": 1}
        completed = sum(1 for t in tr if t[1] == "collateral_auction" and t[2] == "collateral_only")
        if cyc["cycle_no"] != 1 + completed:
            fails.append(f"vault_cycles.cycle_no {cyc['cycle_no']} != 1 + {completed} completed cycles")
        settled = [t[0] for t in tr if t[2] == "collateral_auction"]
        if sorted(settled) != snap["settlements"]:
            fails.append(f"settlements {snap['settlements']} != settled transitions {settled}")
        if stage == "collateral_only" and snap["vault"]["open_spreads"] != "0":
            fails.append(f"stage collateral_only with open_spreads {snap['vault']['open_spreads']}")
        if stage in ("option_auction", "await_settlement"):
            cf, v = snap["cycle_fills"], snap["vault"]
            if cf["amount"] != v["open_spreads"]:
                fails.append(f"open_spreads {v['open_spreads']} != this cycle's spread fills {cf['amount']}")
            if snap["cycle"] and cf["premium"] != snap["cycle"]["premium"]:
                fails.append(f"vault_cycles.premium {snap['cycle']['premium']} != this cycle's fills {cf['premium']}")
        run = snap["running_auctions"]
        if len(run) > 1:
            fails.append(f"{len(run)} running auctions")
        return fails, {"deposits": len(deposits), "trades": len(trades), "fills_told": len(told),
                       "fills_db": len(fills), "stage": stage, "cycle_no": cyc["cycle_no"],
                       "transitions": len(tr)}

    def new_only(self, what, missing, extra):
        """The discrepancies not reported by an earlier round (a lost or extra row stays)."""
        seen = self.reported.setdefault(what, set())
        missing = collections.Counter({k: n for k, n in missing.items() if ("missing", k) not in seen})
        extra = collections.Counter({k: n for k, n in extra.items() if ("extra", k) not in seen})
        seen.update(("missing", k) for k in missing)
        seen.update(("extra", k) for k in extra)
        return missing, extra

    def replay_check(self):
        """A request acknowledged before this round's fault, retried with its key: the first answer."""
        fails = []
        with self.ack_lock:
            old_d = [d for d in self.deposits if d["gen"] < self.srv.generation] or self.deposits
            old_t = [t for t in self.trades if t["gen"] < self.srv.generation] or self.trades
        for rec, path in ((self.rng.choice(old_d) if old_d else None, None),
                          (self.rng.choice(old_t) if old_t else None, "/v1/depots/eth-put-fx/trade")):
            if rec is None:
                continue
            p = path or f"/v1/vaults/{rec['vault']}/deposit"
            client = harness.Client(self.srv.http, rec["creds"])
            r = self.settle_request(client, p, rec["body"], rec["key"], "replay")
            if r is None or r.status != rec["status"] or r.json() != rec["json"]:
                fails.append(f"replay of {rec['key']}: {r!r} != first {rec['status']} {rec['json']}")
            else:
                self.stats.inc("replays_ok")
        return fails

    # ---------------- rounds ----------------

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        c = harness.Client(self.srv.http)
        last = None
        while time.time() < deadline:
            try:
                last = c.get("/readyz")
                if last.status == 200:
                    return True, last
            except Exception as e:
                last = e
            time.sleep(0.1)
        return False, last

    def acks(self):
        with self.ack_lock:
            return len(self.deposits), len(self.trades), len(self.told)

    def crash_fault(self, fails, info):
        time.sleep(self.rng.uniform(0.2, 2.5))  # the random instant
        died = self.srv.kill9()
        if died is not None:
            fails.append(f"optdesk had exited by itself (rc {died}) before the kill")
        info["killed_at_stage"] = self.last_stage
        time.sleep(self.rng.uniform(0.0, 0.5))
        self.srv.start()

    def pg_fault(self, fails, info):
        time.sleep(self.rng.uniform(0.2, 2.0))
        mode = self.rng.choice(["fast", "immediate"])
        info["pg_stop"] = mode
        pg = self.srv.pg
        pg._run([os.path.join(pg.bindir, "pg_ctl"), "-D", pg.data, "-m", mode, "-w", "stop"], check=False)
        self.outage = (time.time(), None)
        time.sleep(0.3)
        # probes while it is down: /readyz and a signed write answer 503 retryable
        r = harness.Client(self.srv.http).get("/readyz")
        if r.status != 503 or r.headers.get("Retry-After") != "1":
            fails.append(f"/readyz during the outage: {r!r}")
        dep_name, creds = self.depositors[0]
        r = harness.Client(self.srv.http, creds).post("/v1/vaults/maxi/deposit", {"assets": "0.01"},
                                                      headers={"Idempotency-Key": f"probe-{time.time()}"})
        err = (r.json().get("error") or {}) if r.body.startswith(b"{") else {}
        if not (r.status == 503 and err.get("code") == "db_unavailable" and r.headers.get("Retry-After") == "1"
                and (err.get("details") or {}).get("retryable") is True):
            fails.append(f"deposit during the outage: {r!r}")
        else:
            info["probe_503"] = True
        r = harness.Client(self.srv.http, self.srv.admin.creds).post(
            "/v1/rpc", {"jsonrpc": "2.0", "id": 1, "method": "public/get_time", "params": {}})
        info["rpc_during_outage"] = r.status
        time.sleep(self.rng.uniform(1.0, 2.5))
        self.outage = (self.outage[0], time.time())
        pg.start()
        t = time.time()
        ok, last = self.wait_ready()
        info["recovery_s"] = round(time.time() - t, 2)
        if not ok:
            fails.append(f"/readyz did not recover within 30 s: {last!r}")
        if self.srv.exited_unexpectedly():
            fails.append(f"optdesk exited during the outage ({self.srv.proc.returncode})")
        self.outage = None

    def soak_fault(self, fails, info):
        """No fault: a baseline round (the checks alone)."""
        time.sleep(self.rng.uniform(2.0, 4.0))

    def stage_poller(self):
        while not self.stopping:
            try:
                self.last_stage = self.srv.admin.get("/v1/vaults/maxi").json().get("stage")
            except Exception:
                pass
            time.sleep(0.2)

    def run(self):
        t_start = time.time()
        self.last_stage = None
        self.setup()
        threads = [threading.Thread(target=self.conductor, daemon=True),
                   threading.Thread(target=self.maker_thread, daemon=True),
                   threading.Thread(target=self.stage_poller, daemon=True)]
        threads += [threading.Thread(target=self.depositor, args=(i, n, c), daemon=True)
                    for i, (n, c) in enumerate(self.depositors)]
        threads += [threading.Thread(target=self.buyer, args=(i, n, c), daemon=True)
                    for i, (n, c) in enumerate(self.buyers)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        results = []
        for rnd in range(1, self.rounds + 1):
            t0 = time.time()
            fails, info = [], {"round": rnd}
            nviol, nerr = len(self.violations), len(self.server_errors)
            try:
                self.gate.resume()
                before = self.acks()
                {"crash": self.crash_fault, "pg": self.pg_fault, "soak": self.soak_fault}[self.kind](fails, info)
                after_fault = self.acks()
                # keep the load on until something new is acknowledged (bounded)
                deadline = time.time() + 20
                time.sleep(1.0)
                while time.time() < deadline:
                    now = self.acks()
                    if now[0] > after_fault[0] and now[1] > after_fault[1]:
                        break
                    time.sleep(0.1)
                now = self.acks()
                if not (now[0] > after_fault[0] and now[1] > after_fault[1]):
                    fails.append(f"no new deposit/trade acknowledged after the fault: {after_fault} -> {now}")
                fails += self.replay_check()
                if not self.gate.pause(30):
                    fails.append("REST load did not settle within 30 s")
                f, counts = self.check()
                fails += f
                info.update(counts)
                info["acked_this_round"] = [now[i] - before[i] for i in range(3)]
            except Exception:
                fails.append("exception: " + traceback.format_exc(limit=4))
            if self.srv.exited_unexpectedly():
                fails.append(f"optdesk exited by itself (rc {self.srv.proc.returncode})")
            fails += self.violations[nviol:]
            errs = self.server_errors[nerr:]
            info["server_500"] = len(errs)
            if errs and not self.allow_500:
                fails += errs[:3] + ([f"... {len(errs) - 3} more 500s"] if len(errs) > 3 else [])
            elif errs:
                log(f"  (allowed by DRILL_ALLOW_500) {len(errs)} x {errs[0]}")
            dt = time.time() - t0
            if dt > ROUND_LIMIT_S:
                fails.append(f"round took {dt:.1f} s > {ROUND_LIMIT_S}")
            info["seconds"] = round(dt, 2)
            if fails and self.conductor_last_error:
                info["conductor_last_error"] = self.conductor_last_error
            info["ok"] = not fails
            results.append(info)
            log(f"{self.kind} round {rnd}/{self.rounds}: {'PASS' if not fails else 'FAIL'} {json.dumps(info)}")
            for f in fails:
                log(f"  FAIL: {f}")
            info["fails"] = fails
        # wind down: the last check ran with the load paused
        self.stopping = True
        self.gate.stop = True
        self.gate.resume()
        for t in threads:
            t.join(10)
        passed = sum(1 for r in results if r["ok"])
        with self.ack_lock:
            summary = {"drill": self.kind, "rounds": self.rounds, "passed": passed, "seed": self.seed,
                       "deposits_acked": len(self.deposits), "trades_acked": len(self.trades),
                       "fills_told": len(self.told), "server_500": len(self.server_errors), "fills_db": results[-1].get("fills_db") if results else 0,
                       "fills_checked": results[-1].get("fills_told") if results else 0,
                       "deposits_checked": results[-1].get("deposits") if results else 0,
                       "trades_checked": results[-1].get("trades") if results else 0,
                       "cycles_completed": (results[-1].get("cycle_no", 1) - 1) if results else 0,
                       "transitions": results[-1].get("transitions") if results else 0,
                       "seconds": round(time.time() - t_start, 1),
                       "round_seconds_max": max((r["seconds"] for r in results), default=0),
                       "counters": dict(sorted(self.stats.c.items()))}
        if self.kind == "soak":
            pass
        elif self.kind == "crash":
            summary["killed_at_stage"] = dict(collections.Counter(r.get("killed_at_stage") for r in results))
        else:
            summary["recovery_s_max"] = max((r.get("recovery_s", 0) for r in results), default=0)
            summary["pg_stop_modes"] = dict(collections.Counter(r.get("pg_stop") for r in results))
        ok = passed == self.rounds
        if summary["fills_told"] == 0:
            ok = False
            log("FAIL: the maker was never told of a fill (the desk did not run)")
        rc = self.srv.close(keep=not ok)
        summary["shutdown_rc"] = rc
        if rc != 0:
            log(f"FAIL: optdesk did not shut down cleanly (rc {rc})")
            ok = False
        if not ok:
            log(f"kept for inspection: {self.srv.dir}")
        print("DRILL_SUMMARY " + json.dumps(summary), flush=True)
        return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["crash", "pg", "soak"])
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("DRILL_ROUNDS", "20")))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("DRILL_SEED", str(int(time.time())))))
    a = ap.parse_args()
    log(f"{a.kind} drill: {a.rounds} rounds, seed {a.seed}, binary {harness.optdesk_binary()}")
    d = Drill(a.kind, a.rounds, a.seed)
    try:
        ok = d.run()
    except BaseException:
        d.stopping = True
        d.gate.stop = True
        traceback.print_exc()
        try:
            d.srv.close(keep=True)
            log(f"kept for inspection: {d.srv.dir}")
        except Exception:
            pass
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
