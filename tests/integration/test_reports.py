"""The back office's reports (SPEC 8, 9: GET /v1/reports/{...}) against real data: depot
trades, deposits and desk fills made through the API, and the cycle's rows (stage
transitions, the spread's settlement, a stage-4 spot fill) inserted with SQL, since the
vault's cycle is switched off here. Checks that the reports reconcile with the ledger (the
buyers' balances, the vault's USDC, the deposits' price per share), that paging returns
every row exactly once, that CSV equals JSON field by field, that filters work, that a
large CSV export streams, and that bad parameters and roles get stable errors."""
import asyncio
import csv
import decimal
import io
import json
import math
import os
import shutil
import time
import urllib.parse

import harness
from harness import WsClient

D = decimal.Decimal
FRI_0500 = 1677214800000  # Fri 2023-02-24 05:00 UTC: the depots are created
FRI_0800 = 1677225600000
EXP_0303 = 1677830400000  # Fri 2023-03-03 08:00 UTC
EXP_0310 = EXP_0303 + 7 * 86_400_000
MIN = 60_000
LEGS = [{"instrument_name": "BTC-20230303-56000-P", "direction": "sell"},
        {"instrument_name": "BTC-20230303-54000-P", "direction": "buy"}]
BTC_SPOT, BTC_IV, RATE = 60000.0, 0.5, 0.01
REPORTS = ["fills", "rfqs", "quotes", "settlements", "depot-trades", "maturities", "nav", "pnl",
           "fees", "refusals"]
FIXTURE_SETTINGS = {"alpha": "3", "hourly_decay": "0.005", "min_clevel": "1.05", "max_clevel": "1.2",
                    "min_dte": "3", "max_dte": "30", "min_delta": "0.1", "max_delta": "0.7",
                    "performance_fee": "0.05", "management_fee": "0.02"}
CONFIG = {
    "clock": "manual",
    "oracle": {"simulated": False},
    "ws": {"rate_per_sec": 500, "burst": 1000},
    # the cycle is off: its rows are inserted by the test (the cycle engine has its own tests)
    "vaults": [
        {"id": "desk-a", "kind": "covered_put_spread", "collateral": "LBTC", "underlying": "BTC",
         "strike_diff": "2000", "lot_size": "2", "lot_rounding": "1", "cycle": False},
        {"id": "desk-b", "kind": "covered_put_spread", "collateral": "LBTC", "underlying": "BTC",
         "strike_diff": "2000", "lot_size": "2", "lot_rounding": "1", "min_credit": "1",
         "max_credit": "10", "cycle": False},
    ],
    "depots": [
        {"id": "eth-put-fx", "underlying": "ETH", "type": "P", "settings": FIXTURE_SETTINGS},
        {"id": "eth-call-fx", "underlying": "ETH", "type": "C", "settings": FIXTURE_SETTINGS},
    ],
}


def bs_put(S, K, tau, sigma, r):
    d1 = (math.log(S / K) + (r + sigma * sigma / 2) * tau) / (sigma * math.sqrt(tau))
    d2 = d1 - sigma * math.sqrt(tau)
    N = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    return K * math.exp(-r * tau) * N(-d2) - S * N(-d1)


def mark_credit(now_ms):
    tau = (EXP_0303 - now_ms) / 1000 / 31_536_000
    return bs_put(BTC_SPOT, 56000, tau, BTC_IV, RATE) - bs_put(BTC_SPOT, 54000, tau, BTC_IV, RATE)


class Server:
    """Its own PostgreSQL and optdesk on a manual clock, with desk vaults and fixture depots."""

    def __init__(self):
        self.dir = harness.tmpdir("optdesk-reports-")
        self.pg = harness.PgCluster(os.path.join(self.dir, "pg"))
        os.makedirs(self.pg.root)
        self.pg.init()
        self.pg.start()
        self.pg.create_db("optdesk")
        cfg = os.path.join(self.dir, "config.json")
        with open(cfg, "w") as f:
            json.dump(CONFIG, f)
        self.http, self.ws = harness.free_port(), harness.free_port()
        self.env = {"DATABASE_URL": self.pg.url("optdesk"), "OPTDESK_DATA_DIR": os.path.join(self.dir, "var"),
                    "OPTDESK_HTTP_ADDR": f"127.0.0.1:{self.http}", "OPTDESK_WS_ADDR": f"127.0.0.1:{self.ws}",
                    "OPTDESK_CLOCK": "manual", "OPTDESK_CLOCK_START": str(FRI_0500), "OPTDESK_CONFIG": cfg}
        self.proc = harness.start_server(self.env, os.path.join(self.dir, "optdesk.log"))
        harness.wait_http(self.http, proc=self.proc)
        self.admin = harness.Client(self.http, json.load(open(os.path.join(self.dir, "var", "admin.json"))))
        self.now = FRI_0500

    def account(self, name, roles):
        r = self.admin.post("/v1/admin/accounts", {"name": name, "roles": roles})
        assert r.status == 201, r
        return r.json()

    def client(self, creds):
        return harness.Client(self.http, creds)

    def credit(self, name, asset, amount):
        r = self.admin.post(f"/v1/admin/accounts/{name}/credit", {"asset": asset, "amount": amount})
        assert r.status == 200, r

    def clock(self, ms):
        self.now = ms
        r = self.admin.post("/v1/admin/clock", {"now_ms": ms})
        assert r.status == 200, r
        if hasattr(self, "oracle"):
            self.feed()

    def feed(self):
        o = self.oracle
        assert o.post("/v1/oracles/spot", {"underlying": "ETH", "price": "1000"}).status == 200
        assert o.post("/v1/oracles/spot", {"underlying": "BTC", "price": str(int(BTC_SPOT))}).status == 200
        if self.now < EXP_0303:
            for e in ("20230303", "20230310"):
                r = o.post("/v1/oracles/surface", {"underlying": "ETH", "expiry": e, "rate": "0.01", "iv": "1.54"})
                assert r.status == 200, r
            r = o.post("/v1/oracles/surface", {"underlying": "BTC", "expiry": "20230303", "rate": str(RATE),
                                               "iv": str(BTC_IV)})
            assert r.status == 200, r

    def sql(self, q):
        return self.pg.psql("optdesk", q)

    def close(self):
        try:
            assert harness.stop_process(self.proc) == 0, open(os.path.join(self.dir, "optdesk.log")).read()[-4000:]
        finally:
            self.pg.stop()
            shutil.rmtree(self.dir, ignore_errors=True)


def get_report(client, report, **params):
    q = urllib.parse.urlencode(params)
    return client.get(f"/v1/reports/{report}" + (f"?{q}" if q else ""))


def page_all(client, report, limit, **params):
    """Every item by following next_cursor, limit per page."""
    items, cursor, pages = [], None, 0
    while True:
        p = dict(params, limit=limit)
        if cursor:
            p["cursor"] = cursor
        r = get_report(client, report, **p)
        assert r.status == 200, (report, r)
        body = r.json()
        assert set(body) == {"items", "next_cursor"}, body
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert len(body["items"]) == limit, (report, body)
        assert pages < 10_000


def csv_rows(resp):
    assert resp.status == 200, resp
    assert resp.headers["Content-Type"].startswith("text/csv"), resp.headers
    rows = list(csv.reader(io.StringIO(resp.body.decode("utf-8"), newline="")))
    return rows[0], rows[1:]


def csv_equals_json(header, rows, items):
    assert len(rows) == len(items), (len(rows), len(items))
    for row, item in zip(rows, items):
        assert header == list(item), (header, list(item))
        for name, cell in zip(header, row):
            v = item[name]
            if v is None:
                assert cell == "", (name, cell)
            elif isinstance(v, (dict, list)):
                assert json.loads(cell) == v, (name, cell, v)
            else:
                assert cell == str(v), (name, cell, v)


def total(items, field, where=lambda i: True):
    return sum((D(i[field]) for i in items if where(i) and i[field] is not None), D(0))


async def sell_lot(s, maker, nonce):
    """The maker quotes the open RFQ at the mark; past the grace it fills."""
    fills = int(s.sql("SELECT count(*) FROM fills"))
    rfq = None
    for _ in range(200):
        r = await maker.call("private/poll_rfqs", {})
        open_ = [q for q in r["result"]["rfqs"] if q["status"] == "open" and q["vault_id"] == "desk-a"]
        if open_:
            rfq = open_[0]
            break
        await asyncio.sleep(0.05)
    assert rfq, "no open RFQ"
    mark = mark_credit(s.now)
    legs = [dict(lg, price=f"{mark + 200:.2f}" if lg["direction"] == "sell" else "200.00") for lg in rfq["legs"]]
    r = await maker.call("private/send_quote", {"rfq_id": rfq["rfq_id"], "direction": "sell", "legs": legs,
                                                "max_fee": "0", "nonce": nonce,
                                                "signature_expiry_sec": s.now // 1000 + 600, "label": "r"})
    assert "result" in r, r
    s.clock(max(s.now, int(rfq["creation_timestamp"])) + 16_000)
    for _ in range(200):
        if int(s.sql("SELECT count(*) FROM fills")) > fills:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the lot did not fill")


async def refused_quote(s, maker):
    """On desk-b (floor clamped at 10 USD) a quote at 0.25 x mark passes the floor and is
    refused by the mandate's backstop."""
    r = s.client(s.operator_creds).post("/v1/admin/vaults/desk-b/auctions", {"legs": LEGS, "amount": "2"})
    assert r.status == 201, r
    rfq = None
    for _ in range(200):
        r = await maker.call("private/poll_rfqs", {})
        open_ = [q for q in r["result"]["rfqs"] if q["status"] == "open" and q["vault_id"] == "desk-b"]
        if open_:
            rfq = open_[0]
            break
        await asyncio.sleep(0.05)
    assert rfq
    low = round(mark_credit(s.now) * 0.25, 2)
    legs = [dict(lg, price=f"{low + 100:.2f}" if lg["direction"] == "sell" else "100.00") for lg in rfq["legs"]]
    r = await maker.call("private/send_quote", {"rfq_id": rfq["rfq_id"], "direction": "sell", "legs": legs,
                                                "max_fee": "0", "nonce": 99, "signature_expiry_sec": s.now // 1000 + 600})
    assert "result" in r, r
    s.clock(s.now + 16_000)
    for _ in range(200):
        if s.sql("SELECT count(*) FROM mandate_refusals") != "0":
            break
        await asyncio.sleep(0.05)
    assert s.sql("SELECT count(*) FROM mandate_refusals") == "1"
    started = int(s.sql("SELECT started_ms FROM auctions WHERE vault_id = 'desk-b'"))
    s.clock(started + 7_200_000)  # the hard stop: the desk falls quiet
    for _ in range(200):
        if s.sql("SELECT count(*) FROM auctions WHERE status = 'running'") == "0":
            break
        await asyncio.sleep(0.05)
    assert s.sql("SELECT count(*) FROM auctions WHERE status = 'running'") == "0"


def buy(s, buyer, depot, expiry, strike, typ, size):
    c = s.client(buyer)
    q = c.get(f"/v1/depots/{depot}/quote?expiry={expiry}&strike={strike}&type={typ}&size={size}")
    assert q.status == 200, q
    r = c.post(f"/v1/depots/{depot}/trade", {"expiry": expiry, "strike": strike, "type": typ, "size": size,
                                             "max_premium": q.json()["total"]})
    assert r.status == 201, r
    return r.json()


def insert_cycle_rows(s, premium_units):
    """Cycle 1 of desk-a as the cycle engine records it: four transitions (the last with the
    performance fee), the spread's settlement at 55000 (K1 pays 1000 a spread), and a stage-4
    spot sale of collateral for the resulting USDC debt."""
    spreads = 400_000_000
    net_loss = 4 * 1000 * 10**6
    t = [FRI_0800 + 5 * MIN, FRI_0800 + 200 * MIN, EXP_0303 + 1 * MIN, EXP_0303 + 70 * MIN]
    rows = [("collateral_only", "option_auction", "auction_start", t[0], 0, 0, 0, 0),
            ("option_auction", "await_settlement", "sold_out", t[1], premium_units, spreads, 0, 0),
            ("await_settlement", "collateral_auction", "settled", t[2], premium_units - net_loss, 0, 0, 0),
            ("collateral_auction", "collateral_only", "within_dust", t[3], 0, 0, 10**15, 100_000)]
    for i, (fr, to, why, ms, usdc, open_, pfs, pfa) in enumerate(rows):
        pps = 100_000_000 if i < 3 else 99_990_000
        s.sql("INSERT INTO cycle_transitions(vault_id, cycle_no, from_stage, to_stage, reason, business_ms,"
              " total_assets, total_supply, price_per_share, usdc_balance, open_spreads, perf_fee_shares,"
              f" perf_fee_assets) VALUES ('desk-a', 1, '{fr}', '{to}', '{why}', {ms}, 1000000000,"
              f" 10000000000000000000, {pps}, {usdc}, {open_}, {pfs}, {pfa})")
    s.sql("INSERT INTO vault_settlements(vault_id, cycle_no, expiry_ms, settlement_price, k1, k2, spreads, premium,"
          " short_payout, long_payout, net_loss, usdc_before, usdc_after, business_ms) VALUES ('desk-a', 1,"
          f" {EXP_0303}, 55000000000, 56000000000, 54000000000, {spreads}, {premium_units}, {net_loss}, 0,"
          f" {net_loss}, {premium_units}, {premium_units - net_loss}, {t[2]})")
    s.sql("INSERT INTO auctions(id, vault_id, legs, total_amount, sold_amount, started_ms, hard_stop_ms, status,"
          " kind, limit_price, cycle_no) VALUES (1001, 'desk-a', '[{\"instrument_name\":\"LBTC-USDC\","
          f"\"direction\":\"sell\"}}]', 2900000, 2900000, {t[3] - 10 * MIN}, {t[3] + 35 * MIN}, 'finished', 'spot',"
          " 54175000000, 1)")
    s.sql(f"INSERT INTO rfqs(id, auction_id, amount, created_ms, valid_until, status) VALUES (1001, 1001, 2900000,"
          f" {t[3] - 10 * MIN}, {t[3] - 8 * MIN}, 'filled')")
    s.sql("INSERT INTO quotes(id, rfq_id, maker_id, nonce, legs, credit, max_fee, expiry_ms, label, created_ms,"
          " status) VALUES (1001, 1001, 'mk', 1001, '[{\"instrument_name\":\"LBTC-USDC\",\"direction\":\"sell\","
          f"\"amount\":\"0.029\",\"price\":\"55170\"}}]', 55170000000, 0, {t[3]}, 'spot', {t[3] - 9 * MIN}, 'filled')")
    s.sql("INSERT INTO fills(quote_id, rfq_id, auction_id, vault_id, maker_id, legs, amount, credit, premium, fee,"
          " mark_credit, mandate, business_ms, kind, side, cycle_no) VALUES (1001, 1001, 1001, 'desk-a', 'mk',"
          " '[{\"instrument_name\":\"LBTC-USDC\",\"direction\":\"sell\",\"amount\":\"0.029\",\"price\":\"55170\"}]',"
          f" 2900000, 55170000000, 1599930000, 0, 55000000000, 'passed', {t[3] - 9 * MIN}, 'spot', 'sell', 1)")
    s.sql("UPDATE fills SET cycle_no = 1 WHERE vault_id = 'desk-a' AND kind = 'spread'")
    return t


def test_reports_reconcile_page_and_export():
    s = Server()
    try:
        rep = s.client(s.account("rep", ["reporter"]))
        mk = s.account("mk", ["maker"])
        dep = s.client(s.account("dep", ["depositor"]))
        b1, b2 = s.account("b1", ["buyer"]), s.account("b2", ["buyer"])
        s.oracle = s.client(s.account("oracle", ["oracle"]))
        s.operator_creds = s.account("operator", ["operator"])
        s.credit("dep", "USDC", "20000")
        s.credit("dep", "ETH", "20")
        s.credit("dep", "LBTC", "20")
        credited = {("b1", "USDC"): D(5000), ("b1", "ETH"): D(5), ("b2", "USDC"): D(5000)}
        for (who, asset), amount in credited.items():
            s.credit(who, asset, str(amount))

        # deposits: the put depot twice (3 h apart: the management fee accrues in between)
        deposits = []
        r = dep.post("/v1/vaults/eth-put-fx/deposit", {"assets": "5500"})
        assert r.status == 200, r
        deposits.append(r.json())
        assert dep.post("/v1/vaults/eth-call-fx/deposit", {"assets": "10"}).status == 200
        s.clock(FRI_0800)
        s.feed()
        r = dep.post("/v1/vaults/eth-put-fx/deposit", {"assets": "5500"})
        assert r.status == 200, r
        deposits.append(r.json())
        for v in ("desk-a", "desk-b"):
            assert dep.post(f"/v1/vaults/{v}/deposit", {"assets": "10"}).status == 200

        # depot trades, a minute apart
        trades = []
        for buyer, depot, exp, k, typ, size in [(b1, "eth-put-fx", "20230303", "1100", "P", "3"),
                                                (b2, "eth-put-fx", "20230310", "1000", "P", "1"),
                                                (b1, "eth-call-fx", "20230303", "1100", "C", "1"),
                                                (b2, "eth-put-fx", "20230303", "900", "P", "2"),
                                                (b1, "eth-put-fx", "20230310", "1100", "P", "1")]:
            s.clock(s.now + MIN)
            trades.append(buy(s, buyer, depot, exp, k, typ, size))

        # the desk: two lots sold on desk-a, a mandate refusal on desk-b
        async def desk():
            c = await WsClient(s.ws).connect()
            assert "result" in await c.login(mk)
            s.clock(s.now + MIN)
            r = s.client(s.operator_creds).post("/v1/admin/vaults/desk-a/auctions", {"legs": LEGS, "amount": "4"})
            assert r.status == 201, r
            await sell_lot(s, c, 1)
            await sell_lot(s, c, 2)
            for _ in range(200):
                if s.sql("SELECT status FROM auctions WHERE vault_id = 'desk-a'") == "finished":
                    break
                await asyncio.sleep(0.05)
            await refused_quote(s, c)
            await c.close()
        harness.run(desk())
        time.sleep(0.5)  # audit rows trail the fast path

        # before settlement: what each buyer spent is the sum of its trades' total_paid
        items = page_all(rep, "depot-trades", 1000)
        assert len(items) == 5, items
        for (who, asset), amount in credited.items():
            bal = D(s.client(b1 if who == "b1" else b2).get(f"/v1/accounts/{who}/balances").json()["balances"].get(asset, "0"))
            paid = total(items, "total_paid", lambda i: i["buyer"] == who and i["asset"] == asset)
            assert amount - bal == paid and paid > 0, (who, asset, amount, bal, paid)
        for t, i in zip(trades, items):
            assert i["position_id"] == t["position_id"] and i["total_paid"] == t["paid"], (t, i)
            assert i["instrument"] == t["instrument_name"] and i["status"] == "open" and i["payoff"] is None, i

        fills = page_all(rep, "fills", 1000, vault="desk-a")
        assert len(fills) == 2 and all(f["kind"] == "spread" and f["maker"] == "mk" for f in fills), fills
        premium = total(fills, "premium")
        assert premium == D(s.sql("SELECT usdc_balance FROM vaults WHERE id = 'desk-a'")) / 10**6, premium
        view = rep.get("/v1/vaults/desk-a").json()
        if "usdc_balance" in view:
            assert D(view["usdc_balance"]) == premium, view
        assert all(f["amount"] == "2" and f["side"] is None and f["price"] is None for f in fills), fills

        # the cycle's rows, then the depots' settlement of 2023-03-03 at 950
        t = insert_cycle_rows(s, int(premium * 10**6))
        s.clock(EXP_0303 + MIN)
        r = s.oracle.post("/v1/oracles/settlement", {"underlying": "ETH", "expiry": "20230303", "price": "950"})
        assert r.status == 200, r
        for _ in range(100):
            if s.sql("SELECT count(*) FROM depot_positions WHERE status = 'settled'") == "3":
                break
            time.sleep(0.05)
        assert s.sql("SELECT count(*) FROM depot_positions WHERE status = 'settled'") == "3"

        # every report: paging returns each row once, in order; CSV equals JSON
        everything = {}
        for name in REPORTS:
            full = page_all(rep, name, 1000)
            everything[name] = full
            for limit in (1, 2, 3):
                assert page_all(rep, name, limit) == full, (name, limit)
            header, rows = csv_rows(get_report(rep, name, format="csv", limit=1000))
            if full:
                csv_equals_json(header, rows, full)
            else:
                assert rows == [] and header, (name, header)
            # all=1 and a large limit stream the same rows
            assert csv_rows(get_report(rep, name, format="csv", all=1))[1] == rows
            assert csv_rows(get_report(rep, name, format="csv", limit=100000))[1] == rows
            # a CSV page honours the cursor of a JSON page
            first = get_report(rep, name, limit=1).json()
            if first["next_cursor"]:
                _, tail = csv_rows(get_report(rep, name, format="csv", limit=1000, cursor=first["next_cursor"]))
                assert tail == rows[1:], name
        for name, n in [("fills", 3), ("depot-trades", 5), ("maturities", 3), ("settlements", 1),
                        ("refusals", 1)]:
            assert len(everything[name]) == n, (name, everything[name])
        assert len(everything["rfqs"]) == int(s.sql("SELECT count(*) FROM rfqs"))
        assert len(everything["quotes"]) == int(s.sql("SELECT count(*) FROM quotes"))

        # after settlement: spent = total_paid - payoffs received
        items = everything["depot-trades"]
        for (who, asset), amount in credited.items():
            bal = D(s.client(b1 if who == "b1" else b2).get(f"/v1/accounts/{who}/balances").json()["balances"].get(asset, "0"))
            mine = lambda i: i["buyer"] == who and i["asset"] == asset  # noqa: E731
            assert amount - bal == total(items, "total_paid", mine) - total(items, "payoff", mine), (who, asset)
        put = [i for i in items if i["instrument"] == "ETH-20230303-1100-P"][0]
        assert put["status"] == "settled" and put["settlement_price"] == "950" and put["payoff"] == "450", put
        assert put["settled_ms"] is not None and put["strike"] == "1100" and put["size"] == "3", put

        # maturities: the depots' book per maturity adds up to its trades
        for m in everything["maturities"]:
            mine = [i for i in items if i["depot"] == m["depot"] and i["maturity_ms"] == m["maturity_ms"]]
            assert m["positions"] == len(mine) and m["open_positions"] == sum(i["status"] == "open" for i in mine), m
            for f in ("size", "collateral", "premium", "spread", "perf_fee", "mint_fee", "total_paid"):
                assert D(m[f]) == total(mine, f), (m, f)
            assert m["status"] == ("settled" if m["maturity_ms"] == EXP_0303 else "open"), m
            if m["status"] == "settled":
                assert D(m["payoff"]) == total(mine, "payoff") and m["settlement_price"] == "950", m
            else:
                assert m["payoff"] is None and m["settlement_price"] is None, m
        assert {m["expiry"] for m in everything["maturities"]} == {"20230303", "20230310"}

        # fees: minting and performance fees per trade, as paid to the treasury
        fees = everything["fees"]
        for kind, field in (("minting", "mint_fee"), ("performance", "perf_fee")):
            for asset in ("USDC", "ETH"):
                got = total(fees, "assets", lambda f: f["fee_type"] == kind and f["source"] == "depot_position"
                            and f["asset"] == asset)
                assert got == total(items, field, lambda i: i["asset"] == asset) and got > 0, (kind, asset)
        treasury = rep.get("/v1/accounts/treasury/balances").json()["balances"]
        assert D(treasury["USDC"]) == total(fees, "assets", lambda f: f["source"] == "depot_position" and f["asset"] == "USDC")
        mgmt = [f for f in fees if f["fee_type"] == "management"]
        assert mgmt and all(f["source"] == "ledger_journal" and D(f["shares"]) > 0 for f in mgmt), fees
        assert total(mgmt, "shares") == D(s.sql("SELECT COALESCE(sum(fee_shares), 0) FROM ledger_journal")) / 10**18
        perf = [f for f in fees if f["source"] == "cycle_transition"]
        assert len(perf) == 1 and perf[0]["shares"] == "0.001" and perf[0]["assets"] == "0.001", perf
        assert perf[0]["cycle_no"] == 1 and perf[0]["business_ms"] == t[3], perf

        # nav: the put depot's rows are its share operations at the deposits' price per share
        nav = everything["nav"]
        put_nav = [n for n in nav if n["vault"] == "eth-put-fx"]
        assert [n["event"] for n in put_nav] == ["deposit", "deposit"], put_nav
        for n, d in zip(put_nav, deposits):
            assert n["price_per_share"] == d["pricePerShare"] and n["source"] == "ledger_journal", (n, d)
            assert n["cycle_no"] is None and n["usdc_balance"] is None, n
        cyc = [n for n in nav if n["source"] == "cycle_transition"]
        assert [n["event"] for n in cyc] == ["option_auction", "await_settlement", "collateral_auction",
                                             "collateral_only"], cyc
        assert [n["price_per_share"] for n in cyc] == ["1", "1", "1", "0.9999"], cyc
        assert cyc[1]["usdc_balance"] == str(premium) and cyc[1]["open_spreads"] == "4", cyc
        assert D(cyc[2]["usdc_balance"]) == premium - 4000 and cyc[0]["total_supply"] == "10", cyc
        assert all(not n["vault"].startswith("desk") for n in nav if n["source"] == "ledger_journal"), nav

        # settlements and P&L of the cycle: premium in, the settlement's loss out, the stage-4 sale
        st = everything["settlements"][0]
        assert (st["vault"], st["cycle_no"], st["k1"], st["k2"], st["spreads"], st["net_loss"]) == \
            ("desk-a", 1, "56000", "54000", "4", "4000"), st
        assert D(st["premium"]) == premium and D(st["usdc_after"]) == premium - 4000, st
        pnl = {(p["vault"], p["cycle_no"], p["maturity_ms"]): p for p in everything["pnl"]}
        c1 = pnl[("desk-a", 1, EXP_0303)]
        assert c1["basis"] == "cycle" and c1["status"] == "settled" and c1["business_ms"] == t[0], c1
        assert D(c1["premium"]) == premium and c1["payout"] == "4000" and D(c1["net"]) == premium - 4000, c1
        assert c1["usdc_after"] == st["usdc_after"] and c1["size"] == "4", c1
        assert (c1["collateral_sold"], c1["usdc_received"], c1["collateral_bought"], c1["usdc_spent"]) == \
            ("0.029", "1599.93", "0", "0"), c1
        assert (c1["perf_fee"], c1["perf_fee_shares"]) == ("0.001", "0.001"), c1
        for p in everything["pnl"]:
            if p["basis"] != "maturity":
                continue
            mine = [i for i in items if i["depot"] == p["vault"] and i["maturity_ms"] == p["maturity_ms"]]
            assert D(p["premium"]) == total(mine, "premium") and D(p["payout"]) == total(mine, "payoff"), p
            assert D(p["net"]) == D(p["premium"]) + D(p["spread"]) - D(p["perf_fee"]) - D(p["payout"]), p
        assert len([p for p in everything["pnl"] if p["basis"] == "maturity"]) == 3

        # the spot fill: amount in LBTC's decimals, price and notional in USDC
        spot = [f for f in everything["fills"] if f["kind"] == "spot"][0]
        assert (spot["amount"], spot["price"], spot["notional"], spot["side"], spot["credit"], spot["premium"]) == \
            ("0.029", "55170", "1599.93", "sell", None, None), spot
        assert everything["refusals"][0]["reason"] == "price_below_oracle_bound"
        assert everything["refusals"][0]["details"]["what"] == "credit", everything["refusals"]

        # filters: vault, and time windows that split every report in two
        for name in REPORTS:
            full = everything[name]
            for vault in ("eth-put-fx", "desk-a"):
                mine = page_all(rep, name, 1000, vault=vault)
                key = "depot" if name in ("depot-trades", "maturities") else "vault"
                assert mine == [i for i in full if i[key] == vault], (name, vault)
        for name, field in [("fills", "business_ms"), ("depot-trades", "trade_ms"), ("nav", "business_ms"),
                            ("quotes", "created_ms"), ("maturities", "maturity_ms")]:
            full = everything[name]
            cut = full[len(full) // 2][field]
            before = page_all(rep, name, 1000, to=cut)
            after = page_all(rep, name, 1000, **{"from": cut})
            assert before + after == full and all(i[field] < cut for i in before), name
            assert all(i[field] >= cut for i in after), name
            assert page_all(rep, name, 1000, **{"from": cut, "to": cut}) == []

        # a large export streams (several FETCHes) and equals JSON paging
        s.sql("INSERT INTO mandate_refusals(vault_id, reason, details, business_ms) SELECT 'desk-b', 'bulk',"
              " jsonb_build_object('n', g, 'note', 'a, \"quoted\" note'), 1677300000000 + g FROM generate_series(1, 2600) g")
        header, rows = csv_rows(get_report(rep, "refusals", format="csv", all=1))
        assert len(rows) == 2601, len(rows)
        items = page_all(rep, "refusals", 1000)
        csv_equals_json(header, rows, items)
        assert len({i["id"] for i in items}) == 2601
        header, rows = csv_rows(get_report(rep, "refusals", format="csv", limit=1200, vault="desk-b"))
        csv_equals_json(header, rows, items[:1200])
        # clients that hang up mid-export release their export (at most 4 run at once)
        import http.client
        for _ in range(6):
            path = "/v1/reports/refusals?format=csv&all=1"
            ts = int(time.time() * 1000)
            conn = http.client.HTTPConnection("127.0.0.1", s.http, timeout=10)
            conn.request("GET", path, headers={"X-Api-Key": rep.creds["api_key"], "X-Timestamp": str(ts),
                                               "X-Signature": harness.sign(rep.creds["secret"], ts, "GET", path)})
            resp = conn.getresponse()
            assert resp.status == 200 and resp.read(100)
            conn.close()
        assert len(csv_rows(get_report(rep, "refusals", format="csv", all=1))[1]) == 2601

        # roles: the admin reads too, a maker or buyer does not
        assert get_report(s.admin, "fills").status == 200
        for creds in (mk, b1):
            r = get_report(s.client(creds), "fills")
            assert r.status == 403 and r.json()["error"]["code"] == "forbidden", r
    finally:
        s.close()


def test_reports_bad_parameters(env):
    rep = env.client(env.new_account(["reporter"]))
    ok = get_report(rep, "fills", limit=1)
    assert ok.status == 200 and set(ok.json()) == {"items", "next_cursor"}, ok
    cursor_of_nav = "bmF2fDF8MXxjeWNsZV90cmFuc2l0aW9u"  # base64url("nav|1|1|cycle_transition")
    assert get_report(rep, "nav", cursor=cursor_of_nav).status == 200
    cases = [
        ({"limit": "0"}, "limit"), ({"limit": "1001"}, "limit"), ({"limit": "x"}, "limit"),
        ({"limit": "-1"}, "limit"), ({"limit": ""}, "limit"),
        ({"format": "xml"}, "format"), ({"from": "abc"}, "from"), ({"from": "-5"}, "from"),
        ({"to": "1.5"}, "to"), ({"from": "10", "to": "5"}, "to"),
        ({"cursor": "!!"}, "cursor"), ({"cursor": cursor_of_nav}, "cursor"), ({"cursor": "Zm9v"}, "cursor"),
        ({"vault": "Bad Vault"}, "vault"), ({"all": "1"}, "all"), ({"format": "csv", "all": "yes"}, "all"),
        ({"format": "csv", "all": "1", "limit": "5"}, "limit"), ({"format": "csv", "limit": "100001"}, "limit"),
        ({"form": "1"}, "form"),
    ]
    for params, param in cases:
        r = get_report(rep, "fills", **params)
        assert r.status == 400, (params, r)
        e = r.json()["error"]
        assert e["code"] == "invalid_param" and e["details"]["param"] == param, (params, e)
    r = get_report(rep, "fills", limit=1001)
    assert r.json()["error"]["details"]["max"] == 1000
    r = rep.get("/v1/reports/fills?all")
    assert r.status == 400 and r.json()["error"]["details"]["param"] == "all", r
    r = get_report(rep, "trades")
    assert r.status == 404 and r.json()["error"]["code"] == "report_not_found", r
    assert "depot-trades" in r.json()["error"]["details"]["reports"]
    r = get_report(rep, "fills", vault="no-such-vault")
    assert r.status == 404 and r.json()["error"]["code"] == "vault_not_found", r
    r = rep.post("/v1/reports/fills", {})
    assert r.status == 405, r
    maker = env.client(env.new_account(["maker"]))
    r = get_report(maker, "fills")
    assert r.status == 403 and r.json()["error"]["code"] == "forbidden", r
    assert "reporter" in r.json()["error"]["details"]["required_roles"]
    assert env.client().get("/v1/reports/fills").status == 401
    # CSV without rows: the header alone
    r = get_report(rep, "settlements", format="csv", vault="eth-put", limit=5)
    assert r.status == 200 and r.body.decode().startswith("business_ms,vault,cycle_no,"), r
    assert r.body.decode().count("\r\n") == 1, r
