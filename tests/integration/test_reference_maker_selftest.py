"""Self-test of tools/reference_maker.py against a small fake of the RFQ desk (SPEC 4): a
JSON-RPC WebSocket server (websockets.serve) and the two oracle GETs (http.server thread),
both on 127.0.0.1, each case started and stopped inside itself (label e2e). The fake checks
what the protocol says a maker must send; the cases check what the maker does with it."""
import asyncio
import datetime
import hashlib
import hmac
import http.server
import io
import json
import math
import os
import re
import sys
import threading
import time
import urllib.parse
from decimal import Decimal

import websockets

import harness

sys.path.insert(0, os.path.join(harness.ROOT, "tools"))
import reference_maker as rm  # noqa: E402

CREDS = {"account": "mm1", "api_key": "ak_selftest_1", "secret": "s3cr3t-never-logged-42"}
# business clock (manual): 2023-02-24T08:00:00.123Z, a week before the RFQ's expiry
NOW_MS = 1677225600123
EXPIRY = "20230303"
K1, K2 = "56000", "54000"
YEAR_S = 31536000.0
TICK = Decimal("0.01")
PRICE_RE = re.compile(r"^\d+(\.\d{1,2})?$")


def make_rfq(rfq_id, k1=K1, k2=K2, amount="2", valid_for_ms=120000):
    return {"rfq_id": rfq_id, "vault_id": "cps-btc", "status": "open",
            "legs": [{"instrument_name": f"BTC-{EXPIRY}-{k1}-P", "direction": "sell",
                      "amount": amount},
                     {"instrument_name": f"BTC-{EXPIRY}-{k2}-P", "direction": "buy",
                      "amount": amount}],
            "valid_until": NOW_MS + valid_for_ms, "creation_timestamp": NOW_MS - 1000,
            "filled_pct": "0"}


# --- an independent Black–Scholes (the test's own, not the maker's) --------------------

def expiry_ms(yyyymmdd):
    d = datetime.datetime.strptime(yyyymmdd, "%Y%m%d").replace(hour=8,
                                                             tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


def put(S, K, tau, sigma, r):
    N = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * tau) / (sigma * math.sqrt(tau))
    d2 = d1 - sigma * math.sqrt(tau)
    return K * math.exp(-r * tau) * N(-d2) - S * N(-d1)


def mark_credit(spot, k1=K1, k2=K2, iv=0.6, rate=0.01, now_ms=NOW_MS):
    tau = (expiry_ms(EXPIRY) - now_ms) / 1000 / YEAR_S
    return put(spot, float(k1), tau, iv, rate) - put(spot, float(k2), tau, iv, rate)


def credit_of(legs):
    return sum((Decimal(l["price"]) if l["direction"] == "sell" else -Decimal(l["price"]))
               for l in legs)


# --- the fake oracle (REST) -----------------------------------------------------------

class FakeOracle:
    def __init__(self):
        self.spot = "60000"
        self.iv = 0.6
        self.rate = 0.01
        self.stale = False
        self.requests = []  # (path, signature ok)
        self.now_ms = NOW_MS
        oracle = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                ts = self.headers.get("X-Timestamp", "")
                ok = (self.headers.get("X-Api-Key") == CREDS["api_key"] and ts.isdigit()
                      and abs(int(ts) - time.time() * 1000) < 30000
                      and hmac.compare_digest(self.headers.get("X-Signature", ""),
                                              harness.sign(CREDS["secret"], int(ts), "GET",
                                                           self.path)))
                oracle.requests.append((self.path, ok))
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                if not ok:
                    return self.reply(401, {"error": {"code": "invalid_signature"}})
                if oracle.stale:
                    return self.reply(409, {"error": {"code": "oracle_stale"}})
                if u.path == "/v1/oracles/spot" and q.get("underlying") == "BTC":
                    return self.reply(200, {"underlying": "BTC", "price": oracle.spot})
                if u.path == "/v1/oracles/iv" and q.get("underlying") == "BTC":
                    tau = (expiry_ms(q["expiry"]) - oracle.now_ms) / 1000 / YEAR_S
                    return self.reply(200, {"underlying": "BTC", "expiry": q["expiry"],
                                            "strike": q["strike"], "iv": oracle.iv,
                                            "tau": tau, "rate": oracle.rate})
                self.reply(404, {"error": {"code": "not_found"}})

            def reply(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --- the fake RFQ desk (WebSocket JSON-RPC) ---------------------------------------------

class FakeDesk:
    def __init__(self, rfqs):
        self.rfqs = {r["rfq_id"]: r for r in rfqs}
        self.now_ms = NOW_MS
        self.account = CREDS["account"]
        self.logins = []  # (conn, ok, reason)
        self.calls = []  # (conn, method, params, monotonic time)
        self.quotes = {}  # quote_id → quote
        self.sent = []  # accepted send/replace params, in order
        self.refused = []  # (method, code, message)
        self.nonces = set()
        self.seq = {}
        self.conns = {}  # conn no → {"ws", "subs", "cod", "logged"}
        self.next_conn = 0
        self.next_quote = 100
        self.rate_limit_next = 0
        self.retry_after_ms = 400
        self.drop_after_quotes = None  # close the connection after this many accepted quotes
        self.snapshot_before_reply = False
        self.server = None

    async def start(self):
        self.server = await websockets.serve(self.handler, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/ws"
        return self

    async def close(self):
        self.server.close()
        await self.server.wait_closed()

    def methods(self, conn=None):
        return [m for c, m, _, _ in self.calls if conn is None or c == conn]

    async def notify(self, channel, data, snapshot=False, only_conn=None):
        for no, c in list(self.conns.items()):
            if channel not in c["subs"] or (only_conn is not None and no != only_conn):
                continue
            if not snapshot:
                self.seq[channel] = self.seq.get(channel, 0) + 1
            params = {"channel": channel, "seq": self.seq.get(channel, 0), "data": data}
            if snapshot:
                params["snapshot"] = True
            try:
                await c["ws"].send(json.dumps({"jsonrpc": "2.0", "method": "subscription",
                                               "params": params}))
            except websockets.ConnectionClosed:
                pass

    async def handler(self, ws, path=None):
        no = self.next_conn
        self.next_conn += 1
        self.conns[no] = c = {"ws": ws, "subs": set(), "cod": False, "logged": False}
        try:
            async for raw in ws:
                m = json.loads(raw)
                assert m.get("jsonrpc") == "2.0" and "id" in m, m
                self.calls.append((no, m["method"], m.get("params"), time.monotonic()))
                res, err, after = await self.dispatch(no, c, m["method"], m.get("params") or {})
                out = {"jsonrpc": "2.0", "id": m["id"]}
                if err:
                    out["error"] = err
                    self.refused.append((m["method"], err["code"], err["message"]))
                else:
                    out["result"] = res
                await ws.send(json.dumps(out))
                for fn in after:
                    await fn()
                if (self.drop_after_quotes is not None
                        and len(self.sent) >= self.drop_after_quotes):
                    self.drop_after_quotes = None
                    await ws.close()
                    break
        except websockets.ConnectionClosed:
            pass
        finally:
            del self.conns[no]
            if c["cod"]:  # cancel-on-disconnect
                for q in self.quotes.values():
                    if q["status"] == "open":
                        q.update(status="cancelled", cancel_reason="cancel_on_disconnect")

    def err(self, code, message, data=None):
        e = {"code": code, "message": message}
        if data is not None:
            e["data"] = data
        return None, e, []

    def check_quote(self, p):
        rfq = self.rfqs.get(p.get("rfq_id"))
        if rfq is None:
            return self.err(11101, "RFQ not found")
        if rfq["status"] != "open":
            return self.err(11104, "RFQ not open")
        if p.get("direction") != "sell" or p.get("max_fee") != "0":
            return self.err(-32602, "bad params", {"param": "direction/max_fee"})
        legs = p.get("legs")
        if not isinstance(legs, list) or len(legs) != len(rfq["legs"]) or any(
                {k: v for k, v in l.items() if k != "price"} != r
                for l, r in zip(legs, rfq["legs"])):
            return self.err(11103, "legs mismatch")
        if any(not isinstance(l.get("price"), str) or not PRICE_RE.match(l["price"])
               for l in legs):
            return self.err(-32602, "bad params", {"param": "price"})
        n = p.get("nonce")
        if not isinstance(n, int) or isinstance(n, bool):
            return self.err(-32602, "bad params", {"param": "nonce"})
        if n in self.nonces:
            return self.err(11017, "nonce reused")
        exp = p.get("signature_expiry_sec")
        now_s = self.now_ms // 1000
        if not isinstance(exp, int) or not now_s + 10 <= exp <= now_s + 1800:
            return self.err(-32602, "bad params", {"param": "signature_expiry_sec"})
        if not isinstance(p.get("label"), str):
            return self.err(-32602, "bad params", {"param": "label"})
        return None

    def new_quote(self, p):
        self.nonces.add(p["nonce"])
        qid = f"q{self.next_quote}"
        self.next_quote += 1
        q = {"quote_id": qid, "rfq_id": p["rfq_id"], "direction": "sell", "legs": p["legs"],
             "max_fee": p["max_fee"], "nonce": p["nonce"],
             "signature_expiry_sec": p["signature_expiry_sec"], "label": p["label"],
             "status": "open", "cancel_reason": None, "fill_pct": "0",
             "creation_timestamp": self.now_ms}
        self.quotes[qid] = q
        self.sent.append(p)
        return q

    async def dispatch(self, no, c, method, p):
        if method == "public/login":
            ts, sig = p.get("timestamp"), p.get("signature", "")
            reason = None
            if p.get("api_key") != CREDS["api_key"]:
                reason = "invalid_api_key"
            elif not isinstance(ts, int) or abs(ts - time.time() * 1000) > 30000:
                reason = "stale_timestamp"
            elif not hmac.compare_digest(sig, hmac.new(CREDS["secret"].encode(),
                                                       (str(ts) + "GET/ws").encode(),
                                                       hashlib.sha256).hexdigest()):
                reason = "invalid_signature"
            self.logins.append((no, reason is None, reason))
            if reason:
                return self.err(14014, "login refused", {"reason": reason})
            c["logged"] = True
            return {"account": self.account, "roles": ["maker"],
                    "subaccounts": [self.account]}, None, []
        if method == "public/get_time":
            return self.now_ms, None, []
        if not c["logged"]:
            return self.err(14015, "not logged in")
        if method == "private/set_cancel_on_disconnect":
            c["cod"] = bool(p.get("enabled"))
            return "ok", None, []
        if method == "subscribe":
            chans = p.get("channels", [])
            mine = {self.account + s for s in (".rfqs", ".quotes", ".trades")}
            status = {ch: ("ok" if ch in mine else "forbidden") for ch in chans}
            ok = [ch for ch in chans if status[ch] == "ok"]

            async def snapshots():
                for ch in ok:
                    c["subs"].add(ch)
                    if ch.endswith(".rfqs"):
                        data = [r for r in self.rfqs.values() if r["status"] == "open"]
                    elif ch.endswith(".quotes"):
                        data = [q for q in self.quotes.values() if q["status"] == "open"]
                    else:
                        data = []
                    await self.notify(ch, data, snapshot=True, only_conn=no)
            if self.snapshot_before_reply:
                await snapshots()
                return {"status": status, "current_subscriptions": ok}, None, []
            return {"status": status, "current_subscriptions": ok}, None, [snapshots]
        if method == "private/get_quotes":
            qs = [q for q in self.quotes.values()
                  if p.get("status") in (None, q["status"])
                  and p.get("rfq_id") in (None, q["rfq_id"])]
            return {"quotes": qs}, None, []
        if method == "private/poll_rfqs":
            return {"rfqs": [r for r in self.rfqs.values() if r["status"] == "open"]}, None, []
        if method in ("private/send_quote", "private/replace_quote"):
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                return self.err(-32000, f"rate limited, retry after {self.retry_after_ms} ms",
                                {"retry_after_ms": self.retry_after_ms})
            bad = self.check_quote(p)
            if bad:
                return bad
            if method == "private/replace_quote":
                old = self.quotes.get(p.get("quote_id_to_cancel"))
                if old is None or old["status"] != "open":
                    return self.err(11105, "quote not open")
                old.update(status="cancelled", cancel_reason="replaced")
                q = self.new_quote({k: v for k, v in p.items() if k != "quote_id_to_cancel"})

                async def after():
                    await self.notify(self.account + ".quotes", [dict(old), dict(q)])
                return {"cancelled_quote": dict(old), "quote": dict(q)}, None, [after]
            q = self.new_quote(p)

            async def after_send():
                await self.notify(self.account + ".quotes", [dict(q)])
            return dict(q), None, [after_send]
        if method == "private/cancel_batch_quotes":
            ids = []
            for q in self.quotes.values():
                if q["status"] == "open" and p.get("rfq_id") in (None, q["rfq_id"]):
                    q.update(status="cancelled", cancel_reason="user")
                    ids.append(q["quote_id"])
            return {"cancelled_ids": ids}, None, []
        if method == "private/cancel_quote":
            q = self.quotes.get(p.get("quote_id"))
            if q is None or q["status"] != "open":
                return self.err(11105, "quote not open")
            q.update(status="cancelled", cancel_reason="user")
            return dict(q), None, []
        return self.err(-32601, "method not found")

    # test-side actions
    async def add_rfq(self, rfq):
        self.rfqs[rfq["rfq_id"]] = rfq
        await self.notify(self.account + ".rfqs", [dict(rfq)])

    async def close_rfq(self, rfq_id, status="expired"):
        self.rfqs[rfq_id]["status"] = status
        for q in self.quotes.values():
            if q["rfq_id"] == rfq_id and q["status"] == "open":
                q.update(status="expired" if status == "expired" else "cancelled")
        await self.notify(self.account + ".rfqs", [dict(self.rfqs[rfq_id])])

    async def cancel(self, quote_id, reason="admin"):
        q = self.quotes[quote_id]
        q.update(status="cancelled", cancel_reason=reason)
        await self.notify(self.account + ".quotes", [dict(q)])

    async def fill(self, quote_id):
        q = self.quotes[quote_id]
        q.update(status="filled", fill_pct="100")
        rfq = self.rfqs[q["rfq_id"]]
        rfq.update(status="filled", filled_pct="100")
        trades = [{"trade_id": f"t{quote_id}-{i}", "quote_id": quote_id, "rfq_id": q["rfq_id"],
                   "instrument_name": l["instrument_name"],
                   "direction": "buy" if l["direction"] == "sell" else "sell",
                   "amount": l["amount"], "price": l["price"], "timestamp": self.now_ms}
                  for i, l in enumerate(q["legs"])]
        await self.notify(self.account + ".trades", trades)
        await self.notify(self.account + ".quotes", [dict(q)])
        await self.notify(self.account + ".rfqs", [dict(rfq)])
        return trades


# --- running a case ---------------------------------------------------------------------

async def wait_until(pred, timeout=8.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def run_case(scenario, rfqs=None, edge=0.05, budget_s=18.0, desk_opts=None, **maker_kw):
    """Starts the fakes and a maker, runs scenario(desk, oracle, maker), stops everything.
    Also checks, for every case: logins valid, oracle requests signed, secret never logged."""
    log = io.StringIO()

    async def main():
        oracle = FakeOracle()
        desk = await FakeDesk([make_rfq("r1")] if rfqs is None else rfqs).start()
        for k, v in (desk_opts or {}).items():
            setattr(desk, k, v)
        kw = {"mark_interval": 0.2, "backoff_initial": 0.1, "backoff_max": 0.5,
              "log_stream": log}
        kw.update(maker_kw)
        maker = rm.ReferenceMaker(oracle.url, desk.url,
                                  {"api_key": CREDS["api_key"], "secret": CREDS["secret"]},
                                  edge, "a", **kw)
        stop = asyncio.Event()
        task = asyncio.create_task(maker.run(stop))
        try:
            await asyncio.wait_for(scenario(desk, oracle, maker), budget_s - 3)
            assert not task.done(), task
        finally:
            stop.set()
            try:
                await asyncio.wait_for(task, 3)
            finally:
                await desk.close()
                oracle.close()
        assert desk.logins and all(ok for _, ok, _ in desk.logins), desk.logins
        assert all(ok for _, ok in oracle.requests), oracle.requests
        assert CREDS["secret"] not in log.getvalue()
        return desk, oracle, maker

    t0 = time.monotonic()
    try:
        out = asyncio.run(main())
    except BaseException:
        sys.stderr.write(log.getvalue())
        raise
    assert time.monotonic() - t0 < 20
    return out


def check_quote_shape(p, rfq, now_ms=NOW_MS):
    assert p["rfq_id"] == rfq["rfq_id"] and p["direction"] == "sell", p
    assert p["max_fee"] == "0" and p["label"] == "ref-a", p
    assert [{k: v for k, v in l.items() if k != "price"} for l in p["legs"]] == rfq["legs"], p
    for l in p["legs"]:
        assert isinstance(l["price"], str) and PRICE_RE.match(l["price"]), l
        assert Decimal(l["price"]) == Decimal(l["price"]).quantize(TICK)
    assert isinstance(p["nonce"], int) and 0 < p["nonce"] < 2 ** 53, p
    assert p["signature_expiry_sec"] == now_ms // 1000 + 600, p


def check_credit(p, spot, edge, k1=K1, k2=K2):
    target = Decimal(repr(mark_credit(spot, k1, k2))) * (1 - Decimal(str(edge)))
    credit = credit_of(p["legs"])
    assert target - TICK <= credit <= target, (credit, target)
    return credit, target


# --- the cases -----------------------------------------------------------------------

def test_login_subscribe_and_quote_on_tick():
    """Valid login signature, cancel-on-disconnect, the three channels, one quote on the
    snapshot's RFQ: legs unchanged, prices on tick, credit = mark·(1−edge) within a tick and
    never above, expiry = business now + 600 s."""
    async def scenario(desk, oracle, maker):
        await wait_until(lambda: desk.sent, what="a quote")
        await asyncio.sleep(0.6)  # a few mark cycles: no re-quote while nothing moves
        assert len(desk.sent) == 1, desk.sent
        m = desk.methods(0)
        assert m[:3] == ["public/login", "private/set_cancel_on_disconnect", "subscribe"], m
        sub = next(p for _, meth, p, _ in desk.calls if meth == "subscribe")
        assert sub == {"channels": ["mm1.rfqs", "mm1.quotes", "mm1.trades"]}, sub
        assert desk.conns[0]["cod"] is True
        assert maker.account == "mm1" and maker.logins == 1
        p = desk.sent[0]
        check_quote_shape(p, desk.rfqs["r1"])
        credit, target = check_credit(p, 60000, 0.05)
        assert m.index("public/get_time") < m.index("private/send_quote")
        assert maker.quotes[0]["quote_id"] == "q100" and maker.quotes[0]["credit"] == credit
        assert any(path.startswith("/v1/oracles/iv?") and "strike=56000" in path
                   and "expiry=20230303" in path for path, _ in oracle.requests)
        print(f"credit {credit} target {target:.4f}")
    desk, _, maker = run_case(scenario)
    assert "event=quote_sent" in maker.log_stream.getvalue()
    assert desk.methods()[-1] == "private/cancel_batch_quotes"  # stop takes quotes down


def test_credit_rounding_never_above_target():
    """The pricing rule alone, over many marks and edges (negative edge bids above mark)."""
    import random
    rng = random.Random(7)
    legs = make_rfq("x")["legs"]
    for _ in range(20000):
        m2 = rng.uniform(0, 3000)
        m1 = m2 + rng.uniform(0.05, 2000)
        edge = rng.choice([0, 0.05, -0.05, rng.uniform(-0.5, 0.9)])
        prices, credit, mc, target = rm.quote_prices(legs, [m1, m2], edge)
        assert all(p == p.quantize(TICK) for p in prices)
        assert target - TICK < credit <= target, (m1, m2, edge, credit, target)
        assert prices[1] >= rm.dec(m2) and prices[1] - rm.dec(m2) < TICK  # buy leg up
        assert prices[0] <= rm.dec(m1) - rm.dec(edge) * mc + TICK  # sell leg down
    # exact ticks stay put
    prices, credit, _, target = rm.quote_prices(legs, ["500.00", "200.00"], 0)
    assert prices == [Decimal("500.00"), Decimal("200.00")] and credit == target == 300


def test_negative_edge_and_price_fn():
    """price_fn overrides the oracle; edge −0.05 quotes 105 % of the mark credit."""
    async def scenario(desk, oracle, maker):
        await wait_until(lambda: desk.sent, what="a quote")
        p = desk.sent[0]
        check_quote_shape(p, desk.rfqs["r1"])
        assert credit_of(p["legs"]) == Decimal("315.00"), p  # (1000.004 − 700.004)·1.05
        assert p["legs"][1]["price"] == "700.01"  # buy leg rounded up
        assert not oracle.requests
    run_case(scenario, edge=-0.05, price_fn=lambda rfq: (1000.004, 700.004))


def test_requote_when_spot_moves():
    """A small move (< 2 % of the mark credit) keeps the quote; a large one replaces it."""
    async def scenario(desk, oracle, maker):
        await wait_until(lambda: desk.sent, what="a quote")
        first = desk.quotes["q100"]
        oracle.spot = "60001"
        assert abs(mark_credit(60001) / mark_credit(60000) - 1) < 0.02
        await asyncio.sleep(1.0)
        assert len(desk.sent) == 1, desk.sent
        oracle.spot = "58500"
        assert mark_credit(58500) / mark_credit(60000) - 1 > 0.02
        await wait_until(lambda: len(desk.sent) >= 2, what="a replace")
        rep = [p for _, m, p, _ in desk.calls if m == "private/replace_quote"]
        assert len(rep) == 1 and rep[0]["quote_id_to_cancel"] == "q100", rep
        assert first["status"] == "cancelled"
        check_quote_shape(desk.sent[1], desk.rfqs["r1"])
        check_credit(desk.sent[1], 58500, 0.05)
        await asyncio.sleep(0.6)
        assert len(desk.sent) == 2  # settled: no churn
        assert maker.quotes[-1]["method"] == "private/replace_quote"
        assert maker.quotes[-1]["reason"] == "mark_moved"
    run_case(scenario)


def test_nonces_unique_over_many_quotes():
    """Snapshot RFQs and RFQs arriving later are all quoted; every nonce is unique;
    a closed RFQ is not quoted again."""
    async def scenario(desk, oracle, maker):
        await wait_until(lambda: len(desk.sent) >= 3, what="three quotes")
        await desk.add_rfq(make_rfq("r4", "58000", "56000"))
        await desk.add_rfq(make_rfq("r5", "54000", "52000"))
        await wait_until(lambda: len(desk.sent) >= 5, what="five quotes")
        for spot in ("59000", "58000", "57000"):
            oracle.spot = spot
            n = len(desk.sent)
            await wait_until(lambda: len(desk.sent) >= n + 5, what="five replaces")
        await desk.close_rfq("r2")
        n = len(desk.sent)
        oracle.spot = "60000"
        await wait_until(lambda: len(desk.sent) >= n + 4, what="four replaces")
        await asyncio.sleep(0.5)
        assert {p["rfq_id"] for p in desk.sent[n:]} == {"r1", "r3", "r4", "r5"}
        nonces = [p["nonce"] for p in desk.sent]
        assert len(nonces) == len(set(nonces)) == len(desk.sent) >= 24, nonces
        assert not [r for r in desk.refused if r[1] == 11017]
        for p in desk.sent:
            check_quote_shape(p, desk.rfqs[p["rfq_id"]])
        r4 = [p for p in desk.sent if p["rfq_id"] == "r4"][0]
        check_credit(r4, 60000, 0.05, "58000", "56000")
    run_case(scenario, rfqs=[make_rfq("r1"), make_rfq("r2", "57000", "55000"),
                             make_rfq("r3", "55000", "53000")])


def test_fill_recorded_and_not_requoted():
    async def scenario(desk, oracle, maker):
        await wait_until(lambda: desk.sent, what="a quote")
        trades = await desk.fill("q100")
        await wait_until(lambda: len(maker.fills) == 2, what="the fill")
        assert [f["trade_id"] for f in maker.fills] == [t["trade_id"] for t in trades]
        assert maker.fills[0]["quote_id"] == "q100" and maker.fills[0]["rfq_id"] == "r1"
        await desk.notify("mm1.trades", trades)  # a duplicate is not recorded twice
        oracle.spot = "57000"
        await asyncio.sleep(0.8)
        assert len(maker.fills) == 2 and len(desk.sent) == 1
        assert "event=fill" in maker.log_stream.getvalue()
    run_case(scenario)


def test_requote_after_cancel_and_expiry():
    """Its quote cancelled (or expired) while the RFQ is open: the maker quotes again."""
    async def scenario(desk, oracle, maker):
        await wait_until(lambda: desk.sent, what="a quote")
        await desk.cancel("q100", "admin")
        await wait_until(lambda: len(desk.sent) >= 2, what="a new quote")
        assert maker.quotes[1]["method"] == "private/send_quote"
        assert maker.quotes[1]["reason"] == "requote"
        q = desk.quotes["q101"]
        q.update(status="expired")
        await desk.notify("mm1.quotes", [dict(q)])
        await wait_until(lambda: len(desk.sent) >= 3, what="another quote")
        for p in desk.sent:
            check_quote_shape(p, desk.rfqs["r1"])
        await desk.close_rfq("r1")
        await asyncio.sleep(0.5)
        assert len(desk.sent) == 3
    run_case(scenario)


def test_refresh_before_quote_expiry_on_business_clock():
    """The business clock (manual) moves: the expiry follows it, and a quote near its
    expiry is replaced; valid_until past on the business clock drops the RFQ."""
    async def scenario(desk, oracle, maker):
        await wait_until(lambda: desk.sent, what="a quote")
        desk.now_ms += 550_000  # 50 s before the quote's expiry (refresh margin 60 s)
        desk.rfqs["r1"]["valid_until"] = desk.now_ms + 600_000
        await desk.notify("mm1.rfqs", [dict(desk.rfqs["r1"])])
        await wait_until(lambda: len(desk.sent) >= 2, what="a refresh")
        assert desk.sent[1]["signature_expiry_sec"] == desk.now_ms // 1000 + 600
        assert maker.quotes[-1]["reason"] == "quote_expiring"
        desk.now_ms += 700_000  # past valid_until
        await asyncio.sleep(0.6)
        assert len(desk.sent) == 2
        assert "status=valid_until_passed" in maker.log_stream.getvalue()
    run_case(scenario)


def test_reconnect_after_dropped_connection():
    """The desk drops the connection after the first quote (and cancels it: cancel-on-
    disconnect): the maker reconnects, logs in again, re-subscribes, re-quotes."""
    async def scenario(desk, oracle, maker):
        await wait_until(lambda: len(desk.sent) >= 2, what="a quote after reconnect")
        assert maker.logins == 2 and len(desk.logins) == 2
        assert desk.quotes["q100"]["status"] == "cancelled"
        conn1 = desk.methods(1)
        assert conn1[:3] == ["public/login", "private/set_cancel_on_disconnect", "subscribe"]
        assert "private/send_quote" in conn1
        check_quote_shape(desk.sent[1], desk.rfqs["r1"])
        assert desk.nonces and len(desk.nonces) == 2
        # a second drop with the quote still open on the server: adopted, not duplicated
        c = desk.conns[1]
        c["cod"] = False
        await c["ws"].close()
        await wait_until(lambda: len(desk.logins) == 3 and maker.connected.is_set(),
                         what="third session")
        await asyncio.sleep(0.6)
        assert len(desk.sent) == 2, desk.sent
        assert "event=quote_adopted" in maker.log_stream.getvalue()
        oracle.spot = "58000"
        await wait_until(lambda: len(desk.sent) >= 3, what="replace of the adopted quote")
        rep = [p for _, m, p, _ in desk.calls if m == "private/replace_quote"]
        assert rep and rep[-1]["quote_id_to_cancel"] == "q101"
    run_case(scenario, desk_opts={"drop_after_quotes": 1, "snapshot_before_reply": True})


def test_rate_limit_retry_after_honoured():
    """-32000 with data.retry_after_ms: the maker waits that long before sending again."""
    async def scenario(desk, oracle, maker):
        await wait_until(lambda: desk.sent, what="a quote")
        tries = [(t, p) for _, m, p, t in desk.calls if m == "private/send_quote"]
        assert len(tries) == 3, tries
        assert tries[1][0] - tries[0][0] >= 0.4 - 0.01
        assert tries[2][0] - tries[1][0] >= 0.4 - 0.01
        # no other call slipped through during the wait either
        calls = [(m, t) for _, m, _, t in desk.calls if t > tries[0][0]]
        assert all(t >= tries[0][0] + 0.39 for m, t in calls), calls
        assert len([e for e in maker.errors if e["code"] == -32000]) == 2
        assert "event=rate_limited" in maker.log_stream.getvalue()
        check_quote_shape(desk.sent[0], desk.rfqs["r1"])
    run_case(scenario, desk_opts={"rate_limit_next": 2, "retry_after_ms": 400})


def test_stale_oracle_then_recovers():
    async def scenario(desk, oracle, maker):
        oracle.stale = True
        await wait_until(lambda: any(e["where"] == "mark" for e in maker.errors),
                         what="a mark error")
        assert not desk.sent
        oracle.stale = False
        await wait_until(lambda: desk.sent, what="a quote")
        check_credit(desk.sent[0], 60000, 0.05)
    run_case(scenario)


def test_cli_runs_logs_and_keeps_secret():
    """The CLI against the fakes for a few seconds: logfmt lines, a quote, exit 0, the
    secret never printed; a non-loopback address is refused."""
    d = harness.tmpdir("refmaker-")
    creds_path = os.path.join(d, "maker.json")
    with open(creds_path, "w") as f:
        json.dump({"account": "mm1", "api_key": CREDS["api_key"], "secret": CREDS["secret"]}, f)
    script = os.path.join(harness.ROOT, "tools", "reference_maker.py")

    async def main():
        oracle = FakeOracle()
        desk = await FakeDesk([make_rfq("r1")]).start()
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, script, "--http", oracle.url, "--ws", desk.url, "--creds",
                creds_path, "--edge", "0.05", "--name", "a", "--seconds", "2.5",
                "--mark-interval", "0.3", stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), 12)
            return proc.returncode, out.decode(), err.decode(), desk
        finally:
            await desk.close()
            oracle.close()
    rc, out, err, desk = asyncio.run(main())
    assert rc == 0, (rc, err)
    assert CREDS["secret"] not in out + err
    lines = [l for l in err.splitlines() if l]
    assert lines and all(re.match(r"^ts=\S+Z level=(info|warn|error) event=\w+", l)
                         for l in lines), err
    sent = [l for l in lines if "event=quote_sent" in l]
    assert len(sent) == 1 and "rfq_id=r1" in sent[0] and "credit=" in sent[0], err
    assert "event=stopped" in lines[-1]
    assert len(desk.sent) == 1 and desk.logins[0][1]
    check_credit(desk.sent[0], 60000, 0.05)
    # loopback only by default
    import subprocess
    p = subprocess.run([sys.executable, script, "--http", "http://192.0.2.1:8080", "--ws",
                        "ws://192.0.2.1:8081/ws", "--creds", creds_path, "--edge", "0.05",
                        "--name", "a", "--seconds", "1"], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode == 2 and "loopback" in p.stderr, p
    try:
        rm.ReferenceMaker("http://10.0.0.1:1", "ws://127.0.0.1:1/ws", CREDS, 0.05, "a")
        raise AssertionError("remote accepted")
    except ValueError:
        pass
    rm.ReferenceMaker("http://10.0.0.1:1", "ws://10.0.0.1:1/ws", CREDS, 0.05, "a",
                      allow_remote=True)
    import shutil
    shutil.rmtree(d, ignore_errors=True)


def test_login_refused_stops():
    """A wrong secret: the desk refuses (14014 invalid_signature) and run() raises
    LoginRefused instead of hammering the server."""
    async def main():
        oracle = FakeOracle()
        desk = await FakeDesk([make_rfq("r1")]).start()
        log = io.StringIO()
        maker = rm.ReferenceMaker(oracle.url, desk.url, {"api_key": CREDS["api_key"],
                                                          "secret": "wrong"}, 0.05, "a",
                                  log_stream=log)
        try:
            await asyncio.wait_for(maker.run(asyncio.Event()), 8)
            raise AssertionError("run returned")
        except rm.LoginRefused:
            pass
        finally:
            await desk.close()
            oracle.close()
        assert desk.logins == [(0, False, "invalid_signature")]
        assert "event=login_refused" in log.getvalue()
    asyncio.run(main())
