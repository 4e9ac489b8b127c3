"""The vault RFQ desk end to end (SPEC 4): three reference makers at different edges, time
priority, the decaying floor, the mandate's backstop, the hard stop, durable fills equal to
what makers were told, and bad input from one maker that never disturbs the others. Each
test runs its own PostgreSQL and optdesk on a manual clock."""
import asyncio
import importlib.util
import json
import math
import os
import shutil
import time

import harness
from harness import WsClient

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1677225600000  # Fri 2023-02-24 08:00 UTC; the legs expire 7 days later (168 h)
LEGS = [{"instrument_name": "BTC-20230303-56000-P", "direction": "sell"},
        {"instrument_name": "BTC-20230303-54000-P", "direction": "buy"}]
SPOT, IV, RATE = 60000.0, 0.5, 0.01

spec = importlib.util.spec_from_file_location("reference_maker",
                                              os.path.join(HERE, "..", "..", "tools", "reference_maker.py"))
refmaker = importlib.util.module_from_spec(spec)
spec.loader.exec_module(refmaker)


def bs_put(S, K, tau, sigma, r):
    d1 = (math.log(S / K) + (r + sigma * sigma / 2) * tau) / (sigma * math.sqrt(tau))
    d2 = d1 - sigma * math.sqrt(tau)
    N = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    return K * math.exp(-r * tau) * N(-d2) - S * N(-d1)


def mark_credit(now_ms):
    tau = (T0 + 7 * 86_400_000 - now_ms) / 1000 / 31_536_000
    return bs_put(SPOT, 56000, tau, IV, RATE) - bs_put(SPOT, 54000, tau, IV, RATE)


class Desk:
    def __init__(self):
        self.dir = harness.tmpdir("optdesk-desk-")
        self.pg = harness.PgCluster(os.path.join(self.dir, "pg"))
        os.makedirs(self.pg.root)
        self.pg.init()
        self.pg.start()
        self.pg.create_db("optdesk")
        self.http, self.ws = harness.free_port(), harness.free_port()
        env = {"DATABASE_URL": self.pg.url("optdesk"), "OPTDESK_DATA_DIR": os.path.join(self.dir, "var"),
               "OPTDESK_HTTP_ADDR": f"127.0.0.1:{self.http}", "OPTDESK_WS_ADDR": f"127.0.0.1:{self.ws}",
               "OPTDESK_CLOCK": "manual", "OPTDESK_CLOCK_START": str(T0),
               "OPTDESK_CONFIG": os.path.join(HERE, "desk_config.json")}
        self.env = env
        self.proc = harness.start_server(env, os.path.join(self.dir, "optdesk.log"))
        harness.wait_http(self.http, proc=self.proc)
        self.admin = harness.Client(self.http, json.load(open(os.path.join(self.dir, "var", "admin.json"))))
        self.oracle = harness.Client(self.http, self.account("oracle", ["oracle"]))
        self.operator = harness.Client(self.http, self.account("operator", ["operator"]))
        dep = self.account("dep", ["depositor"])
        assert self.admin.post("/v1/admin/accounts/dep/credit", {"asset": "LBTC", "amount": "200"}).status == 200
        for v in ("desk-a", "desk-b"):
            r = harness.Client(self.http, dep).post(f"/v1/vaults/{v}/deposit", {"assets": "100"})
            assert r.status == 200, r
        self.now = T0
        self.feed()

    def crash_and_restart(self):
        import signal
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = harness.start_server(self.env, os.path.join(self.dir, "optdesk.log"))
        harness.wait_http(self.http, proc=self.proc)
        self.feed()  # live oracle values are not kept across a restart

    def account(self, name, roles):
        r = self.admin.post("/v1/admin/accounts", {"name": name, "roles": roles})
        assert r.status == 201, r
        return r.json()

    def feed(self):
        assert self.oracle.post("/v1/oracles/spot", {"underlying": "BTC", "price": str(int(SPOT))}).status == 200
        r = self.oracle.post("/v1/oracles/surface", {"underlying": "BTC", "expiry": "20230303",
                                                     "rate": str(RATE), "iv": str(IV)})
        assert r.status == 200, r

    def clock(self, ms):
        self.now = ms
        assert self.admin.post("/v1/admin/clock", {"now_ms": ms}).status == 200
        self.feed()  # marks stay fresh at the new time

    def start(self, vault, amount):
        r = self.operator.post(f"/v1/admin/vaults/{vault}/auctions", {"legs": LEGS, "amount": amount})
        assert r.status == 201, r
        return r.json()

    def sql(self, q):
        return self.pg.psql("optdesk", q)

    def close(self):
        try:
            assert harness.stop_process(self.proc) == 0, open(os.path.join(self.dir, "optdesk.log")).read()[-4000:]
        finally:
            self.pg.stop()
            shutil.rmtree(self.dir, ignore_errors=True)


async def wait_for(cond, timeout=10.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_three_reference_makers_best_credit_wins_each_lot():
    d = Desk()
    try:
        creds = [d.account(n, ["maker"]) for n in ("ma", "mb", "mc")]

        async def go():
            stop = asyncio.Event()
            makers = [refmaker.ReferenceMaker(f"http://127.0.0.1:{d.http}", f"ws://127.0.0.1:{d.ws}/ws", c, e, n,
                                              mark_interval=0.3, log_stream=open(os.devnull, "w"))
                      for c, e, n in zip(creds, (0.05, 0.10, 0.20), ("ma", "mb", "mc"))]
            tasks = [asyncio.create_task(m.run(stop)) for m in makers]
            try:
                for m in makers:
                    await wait_for(m.connected.is_set, what="maker login")
                auction = d.start("desk-a", "4")
                for lot in range(2):
                    # the server's record: three open quotes on this lot's RFQ
                    await wait_for(lambda: d.sql("SELECT count(*) FROM rfqs") == str(lot + 1) and d.sql(
                        "SELECT count(*) FROM quotes WHERE status = 'open' AND rfq_id ="
                        " (SELECT max(id) FROM rfqs)") == "3", what=f"quotes on lot {lot}")
                    d.clock(d.now + 16_000)  # past the 15 s grace: the floor is mark / 1.133
                    await wait_for(lambda: len(makers[0].fills) >= 2 * (lot + 1), what=f"fill of lot {lot}")
                await wait_for(lambda: d.sql("SELECT status FROM auctions") == "finished", what="auction end")
                assert not makers[1].fills and not makers[2].fills
                rows = json.loads(d.sql("SELECT json_agg(f ORDER BY id) FROM fills f"))
                assert [r["maker_id"] for r in rows] == ["ma", "ma"], rows
                # every fill in the database equals what the maker was told
                told = {}
                for t in makers[0].fills:
                    told.setdefault(str(t["quote_id"]), {})[t["instrument_name"]] = t
                for r in rows:
                    legs = {lg["instrument_name"]: lg for lg in r["legs"]}
                    mine = told[str(r["quote_id"])]
                    assert set(mine) == set(legs)
                    for name, lg in legs.items():
                        assert mine[name]["price"] == lg["price"] and mine[name]["amount"] == lg["amount"], (mine, lg)
                    assert r["amount"] == 200000000  # 2 spreads, 8 decimals
                    credit = int(r["credit"])
                    assert abs(credit / 1e6 - 0.95 * mark_credit(d.now)) < 1.0, (credit, mark_credit(d.now))
                sold = d.sql("SELECT sold_amount FROM auctions")
                assert sold == "400000000", sold
                book = d.sql("SELECT open_spreads || '|' || usdc_balance FROM vaults WHERE id = 'desk-a'")
                assert book == f"400000000|{sum(int(r['premium']) for r in rows)}", book
                assert auction["hard_stop_at_ms"] == auction["started_ms"] + 7_200_000
            finally:
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)

        harness.run(go())
    finally:
        d.close()


async def maker_session(d, creds):
    c = await WsClient(d.ws).connect()
    r = await c.login(creds)
    assert "result" in r, r
    r = await c.call("subscribe", {"channels": [creds["account"] + s for s in (".rfqs", ".quotes", ".trades")]})
    assert all(v == "ok" for v in r["result"]["status"].values()), r
    return c


async def open_rfq(c):
    r = await c.call("private/poll_rfqs", {})
    rfqs = [q for q in r["result"]["rfqs"] if q["status"] == "open"]
    return rfqs[0] if rfqs else None


def quote_params(rfq, sell, buy, nonce, now_ms, **extra):
    legs = []
    for lg in rfq["legs"]:
        legs.append(dict(lg, price=sell if lg["direction"] == "sell" else buy))
    p = {"rfq_id": rfq["rfq_id"], "direction": "sell", "legs": legs, "max_fee": "0", "nonce": nonce,
         "signature_expiry_sec": now_ms // 1000 + 600, "label": "t"}
    p.update(extra)
    return p


def test_ties_go_to_the_earlier_quote_and_bad_input_is_isolated():
    d = Desk()
    try:
        first, second, noisy = (d.account(n, ["maker"]) for n in ("first", "second", "noisy"))

        async def go():
            a, b, n = [await maker_session(d, c) for c in (first, second, noisy)]
            d.start("desk-a", "2")
            rfq = await open_rfq(a)
            assert rfq and rfq["legs"][0]["amount"] == "2", rfq
            mark = mark_credit(d.now)
            sell, buy = f"{mark + 200:.2f}", "200.00"  # credit = mark: acceptable once the grace ends
            r = await a.call("private/send_quote", quote_params(rfq, sell, buy, 1, d.now))
            assert r["result"]["status"] == "open", r
            # the noisy maker's bad input: each answered, nothing disturbed
            bad = [
                (quote_params(rfq, sell, buy, 7, d.now, rfq_id="999"), 11101),
                (dict(quote_params(rfq, sell, buy, 8, d.now), legs=[dict(rfq["legs"][0], price=sell)]), 11103),
                (quote_params(rfq, "100.001", buy, 9, d.now), -32602),
                (quote_params(rfq, sell, buy, 10, d.now - 600_000), -32602),  # expiry in the past
                (quote_params(rfq, buy, sell, 11, d.now), -32602),            # credit not positive
                (dict(quote_params(rfq, sell, buy, 12, d.now), direction="buy"), -32602),
            ]
            for params, code in bad:
                r = await n.call("private/send_quote", params)
                assert r.get("error", {}).get("code") == code, (params, r)
            r = await n.call("private/set_cancel_on_disconnect", {"enabled": True})
            assert r["result"] == "ok", r
            r = await n.call("private/send_quote", quote_params(rfq, sell, buy, 20, d.now))
            assert "result" in r, r
            noisy_quote = r["result"]["quote_id"]
            r = await n.call("private/send_quote", quote_params(rfq, sell, buy, 20, d.now))
            assert r["error"]["code"] == 11017, r  # nonce reused
            await n.ws.send("{not json")
            m = json.loads(await n.ws.recv())
            assert m["error"]["code"] == -32700
            r = await n.call("private/cancel_quote", {"quote_id": "123"})
            assert r["error"]["code"] == -32602, r
            await n.close()  # it asked for cancel-on-disconnect: its quote leaves with it
            for _ in range(50):
                if d.sql(f"SELECT status || '|' || cancel_reason FROM quotes WHERE id = {noisy_quote}") == "cancelled|disconnected":
                    break
                await asyncio.sleep(0.05)
            assert d.sql(f"SELECT status || '|' || cancel_reason FROM quotes WHERE id = {noisy_quote}") == "cancelled|disconnected"
            r = await b.call("private/send_quote", quote_params(rfq, sell, buy, 1, d.now))
            assert r["result"]["status"] == "open", r
            d.clock(d.now + 16_000)
            # equal credits: the earlier quote (first) wins
            deadline = time.time() + 10
            while time.time() < deadline and d.sql("SELECT count(*) FROM fills") == "0":
                await asyncio.sleep(0.05)
            assert d.sql("SELECT maker_id FROM fills") == "first"
            # the maker was told after the commit, with the same figures
            told = None
            while told is None:
                m = await a.notification(5)
                if m.get("method") == "subscription" and m["params"]["channel"] == "first.trades" and m["params"]["data"]:
                    told = m["params"]["data"]
            from decimal import Decimal
            assert {Decimal(t["price"]) for t in told} == {Decimal(sell), Decimal(buy)}
            for _ in range(50):  # the losing quote closes on the tick after the fill
                r = await b.call("private/get_quotes", {"rfq_id": rfq["rfq_id"]})
                if r["result"]["quotes"][0]["status"] != "open":
                    break
                await asyncio.sleep(0.05)
            q = r["result"]["quotes"][0]
            assert q["status"] == "cancelled" and q["cancel_reason"] == "rfq_filled", q
            for c in (a, b):
                await c.close()
        harness.run(go())
        # one execution per quote, in the database as well
        q = d.sql("SELECT quote_id FROM fills")
        dup = f"INSERT INTO fills(quote_id, rfq_id, auction_id, vault_id, maker_id, legs, amount, credit, premium, fee, mark_credit, mandate, business_ms) SELECT quote_id, rfq_id, auction_id, vault_id, maker_id, legs, amount, credit, premium, fee, mark_credit, mandate, business_ms FROM fills WHERE quote_id = {q}"
        try:
            d.sql(dup)
            raise AssertionError("a second fill of the same quote was accepted")
        except Exception as e:  # noqa: BLE001
            assert "duplicate key" in str(getattr(e, "stderr", "")) or "CalledProcessError" in type(e).__name__
    finally:
        d.close()


def test_quote_rows_record_each_quotes_last_state():
    """A new quote's audit row waits for the next flush (100 ms) and goes in the quote's state
    then: quotes replaced before it are one row each with their final status; a quote still
    open is written open and updated when it closes later."""
    d = Desk()
    try:
        mk = d.account("rows", ["maker"])

        async def go():
            c = await maker_session(d, mk)
            d.start("desk-a", "2")
            rfq = await open_rfq(c)
            assert rfq, rfq
            sell, buy = "5000.00", "200.00"  # far above the floor's ceiling: nothing executes
            r = await c.call("private/send_quote", quote_params(rfq, sell, buy, 1, d.now))
            ids = [r["result"]["quote_id"]]
            for nonce in (2, 3, 4):  # replaced within the same flush interval
                r = await c.call("private/replace_quote", dict(quote_params(rfq, sell, buy, nonce, d.now),
                                                               quote_id_to_cancel=ids[-1]))
                assert r["result"]["cancelled_quote"]["status"] == "cancelled", r
                ids.append(r["result"]["quote"]["quote_id"])
            r = await c.call("private/cancel_quote", {"quote_id": ids[-1]})
            assert r["result"]["status"] == "cancelled", r
            r = await c.call("private/send_quote", quote_params(rfq, sell, buy, 5, d.now))
            ids.append(r["result"]["quote_id"])
            want = ["cancelled|replaced"] * 3 + ["cancelled|user_request", "open|"]
            rows = lambda: d.sql(f"SELECT string_agg(status || '|' || cancel_reason, ',' ORDER BY id) FROM quotes"  # noqa: E731
                                 f" WHERE maker_id = 'rows'")
            await wait_for(lambda: rows() == ",".join(want), what=f"quote rows {want}, have {rows()}")
            r = await c.call("private/cancel_quote", {"quote_id": ids[-1]})  # its row is written: an UPDATE
            assert r["result"]["status"] == "cancelled", r
            want[-1] = "cancelled|user_request"
            await wait_for(lambda: rows() == ",".join(want), what=f"quote rows {want}, have {rows()}")
            assert d.sql("SELECT count(*) FROM quotes WHERE maker_id = 'rows'") == "5"
            await c.close()
        harness.run(go())
    finally:
        d.close()


def test_floor_decay_backstop_and_hard_stop():
    d = Desk()
    try:
        m = d.account("slow", ["maker"])

        async def go():
            c = await maker_session(d, m)
            await c.call("private/set_cancel_on_disconnect", {"enabled": True})
            # 1. a quote under the floor fills only once the floor has decayed to it
            d.start("desk-a", "2")
            rfq = await open_rfq(c)
            mark = mark_credit(d.now)
            credit = round(mark * 0.7, 2)  # floor = mark/(1+s): reaches 0.7 mark at s = 0.4286, ~51.4 s
            sell, buy = f"{credit + 100:.2f}", "100.00"
            t_cross = 60_000 * (mark / credit - 1) / 0.5  # ms after the RFQ's creation
            r = await c.call("private/send_quote", quote_params(rfq, sell, buy, 1, d.now))
            assert "result" in r, r
            start = int(rfq["creation_timestamp"])
            d.clock(start + int(t_cross) - 2000)
            await asyncio.sleep(0.6)
            assert d.sql("SELECT count(*) FROM fills") == "0", "filled above the floor"
            d.clock(start + int(t_cross) + 1000)
            deadline = time.time() + 10
            while time.time() < deadline and d.sql("SELECT count(*) FROM fills") == "0":
                await asyncio.sleep(0.05)
            assert d.sql("SELECT count(*) FROM fills") == "1"
            # 2. on desk-b the floor clamps at 10 USD: a quote at 0.25 x mark passes the floor, but
            #    the mandate's backstop (credit >= 0.3 x mark) refuses it and it never fills
            d.start("desk-b", "2")
            rfq = None
            while rfq is None or rfq["vault_id"] != "desk-b":
                rfq = await open_rfq(c)
            mark = mark_credit(d.now)
            low = round(mark * 0.25, 2)
            r = await c.call("private/send_quote", quote_params(rfq, f"{low + 100:.2f}", "100.00", 2, d.now))
            assert "result" in r, r
            qid = r["result"]["quote_id"]
            d.clock(d.now + 16_000)
            deadline = time.time() + 10
            while time.time() < deadline and d.sql("SELECT count(*) FROM mandate_refusals") == "0":
                await asyncio.sleep(0.05)
            assert d.sql("SELECT reason FROM mandate_refusals") == "price_below_oracle_bound"
            r = await c.call("private/get_quotes", {"rfq_id": rfq["rfq_id"]})
            q = [x for x in r["result"]["quotes"] if x["quote_id"] == qid][0]
            assert q["status"] == "cancelled" and q["cancel_reason"] == "mandate:price_below_oracle_bound", q
            assert d.sql("SELECT count(*) FROM fills WHERE vault_id = 'desk-b'") == "0"
            # the operator sees the refusal with its numbers, and the floor; a maker never the floor
            view = d.operator.get("/v1/vaults/desk-b/cycle").json()
            ref = view["mandate_refusals"][0]
            assert ref["reason"] == "price_below_oracle_bound" and ref["details"]["what"] == "credit", ref
            assert int(ref["details"]["value"]) < int(ref["details"]["bound"]), ref
            assert "floor_now" in view["auction"] and view["auction"]["mark_credit"] is not None, view
            mview = harness.Client(d.http, m).get("/v1/vaults/desk-b/cycle").json()
            assert "floor_now" not in mview["auction"] and "mandate_refusals" not in mview, mview
            # 3. the hard stop: 7200 s after the start the auction ends and reports the rest
            started = int(d.sql("SELECT started_ms FROM auctions WHERE vault_id = 'desk-b'"))
            d.clock(started + 7_200_000)
            deadline = time.time() + 10
            while time.time() < deadline and d.sql("SELECT status FROM auctions WHERE vault_id = 'desk-b'") != "finished":
                await asyncio.sleep(0.05)
            assert d.sql("SELECT status || '|' || sold_amount FROM auctions WHERE vault_id = 'desk-b'") == "finished|0"
            r = await c.call("subscribe", {"channels": ["auction.desk-b"]})
            snap = None
            while snap is None:
                n = await c.notification(5)
                if n.get("params", {}).get("channel") == "auction.desk-b":
                    snap = n["params"]["data"][0]["auction"]
            assert snap["state"] == "finished" and snap["finish_reason"] == "hard_stop", snap
            assert snap["unfilled"] == "2", snap
            await c.close()
        harness.run(go())
    finally:
        d.close()


def test_kill_9_mid_auction_resumes_without_selling_a_lot_twice():
    d = Desk()
    try:
        m = d.account("mk", ["maker"])

        async def one_lot():
            c = await maker_session(d, m)
            rfq = None
            for _ in range(100):
                rfq = await open_rfq(c)
                if rfq:
                    break
                await asyncio.sleep(0.05)
            assert rfq, "no open RFQ"
            mark = mark_credit(d.now)
            r = await c.call("private/send_quote", quote_params(rfq, f"{mark + 200:.2f}", "200.00",
                                                                time.time_ns() // 1000, d.now))
            assert "result" in r, r
            fills = int(d.sql("SELECT count(*) FROM fills"))
            d.clock(max(d.now, int(rfq["creation_timestamp"])) + 16_000)
            for _ in range(200):
                if int(d.sql("SELECT count(*) FROM fills")) > fills:
                    break
                await asyncio.sleep(0.05)
            await c.close()
            return rfq["rfq_id"]

        auction = d.start("desk-a", "4")
        first = harness.run(one_lot())
        assert d.sql("SELECT sold_amount FROM auctions") == "200000000"
        d.crash_and_restart()
        log = open(os.path.join(d.dir, "optdesk.log")).read()
        assert f"event=auction_resumed vault=desk-a auction={auction['auction_id']}" in log, log[-2000:]
        second = harness.run(one_lot())
        assert second != first
        for _ in range(100):  # the finished status is written behind the fast path
            rows = d.sql("SELECT status || '|' || sold_amount FROM auctions")
            if rows.startswith("finished"):
                break
            time.sleep(0.05)
        assert rows == "finished|400000000", rows
        # two lots, two fills on two RFQs: nothing sold twice, the sum is what was sold
        assert d.sql("SELECT count(*) || '|' || count(DISTINCT rfq_id) || '|' || sum(amount) FROM fills") == "2|2|400000000"
        assert d.sql("SELECT open_spreads FROM vaults WHERE id = 'desk-a'") == "400000000"
    finally:
        d.close()
