"""The underwriter depot end to end over REST on a manual clock (SPEC 5, 5.1): the
reference quotes, max-premium refusal and fill, a life cycle with three buyers, linear
spread release, settlement in and out of the money, and reconciliation to the base unit."""
import decimal
import json
import os
import shutil

import harness

D = decimal.Decimal
FRI_0500 = 1677214800000  # Fri 2023-02-24 05:00 UTC: the depots are created (last trade = creation)
FRI_0800 = 1677225600000  # SPEC 5.1's reference instant, 3 h later
DAY = 86_400_000
HERE = os.path.dirname(os.path.abspath(__file__))


class Server:
    def __init__(self):
        self.dir = harness.tmpdir("optdesk-depot-")
        self.pg = harness.PgCluster(os.path.join(self.dir, "pg"))
        os.makedirs(self.pg.root)
        self.pg.init()
        self.pg.start()
        self.pg.create_db("optdesk")
        self.http = harness.free_port()
        self.env = {"DATABASE_URL": self.pg.url("optdesk"),
                    "OPTDESK_DATA_DIR": os.path.join(self.dir, "var"),
                    "OPTDESK_HTTP_ADDR": f"127.0.0.1:{self.http}",
                    "OPTDESK_WS_ADDR": f"127.0.0.1:{harness.free_port()}",
                    "OPTDESK_CLOCK": "manual", "OPTDESK_CLOCK_START": str(FRI_0500),
                    "OPTDESK_CONFIG": os.path.join(HERE, "depot_fixture_config.json")}
        self.start()
        admin = json.load(open(os.path.join(self.dir, "var", "admin.json")))
        self.admin = harness.Client(self.http, admin)

    def start(self):
        self.proc = harness.start_server(self.env, os.path.join(self.dir, "optdesk.log"))
        harness.wait_http(self.http, proc=self.proc)

    def account(self, name, roles):
        r = self.admin.post("/v1/admin/accounts", {"name": name, "roles": roles})
        assert r.status == 201, r
        return harness.Client(self.http, r.json())

    def credit(self, name, asset, amount):
        r = self.admin.post(f"/v1/admin/accounts/{name}/credit", {"asset": asset, "amount": amount})
        assert r.status == 200, r

    def clock(self, ms):
        r = self.admin.post("/v1/admin/clock", {"now_ms": ms})
        assert r.status == 200, r

    def close(self):
        try:
            if self.proc is not None:
                assert harness.stop_process(self.proc) == 0, open(os.path.join(self.dir, "optdesk.log")).read()[-3000:]
        finally:
            self.pg.stop()
            shutil.rmtree(self.dir, ignore_errors=True)


def feed(oracle, spot, expiries, iv="1.54"):
    assert oracle.post("/v1/oracles/spot", {"underlying": "ETH", "price": spot}).status == 200
    for e in expiries:
        r = oracle.post("/v1/oracles/surface", {"underlying": "ETH", "expiry": e, "rate": "0.01", "iv": iv})
        assert r.status == 200, r


def test_reference_quotes_and_max_premium():
    s = Server()
    try:
        dep = s.account("dep", ["depositor"])
        buyer = s.account("buyer", ["buyer"])
        oracle = s.account("oracle", ["oracle"])
        s.credit("dep", "USDC", "5500")
        s.credit("dep", "ETH", "5")
        assert dep.post("/v1/vaults/eth-put-fx/deposit", {"assets": "5500"}).status == 200
        assert dep.post("/v1/vaults/eth-call-fx/deposit", {"assets": "5"}).status == 200
        s.clock(FRI_0800)
        feed(oracle, "1000", ["20230303"])
        q = buyer.get("/v1/depots/eth-put-fx/quote?expiry=20230303&strike=1100&type=P&size=3")
        assert q.status == 200, q
        q = q.json()
        assert abs(D(q["total"]) - D("480.70")) <= D("0.01"), q
        assert abs(D(q["premium"]) - D("443.2024")) < D("0.001"), q
        assert abs(D(q["spread"]) - D("27.599")) < D("0.001"), q
        assert q["mintingFee"] == "9.9", q
        assert D(q["premium"]) + D(q["spread"]) + D(q["mintingFee"]) == D(q["total"])
        assert abs(q["cLevel"] - 1.0622718) < 1e-7 and abs(q["utilizationAfter"] - 0.6) < 1e-12, q
        c = buyer.get("/v1/depots/eth-call-fx/quote?expiry=20230303&strike=1100&type=C&size=3").json()
        assert abs(D(c["total"]) - D("0.1617921")) < D("0.0000001"), c
        # a max premium one base unit short of the quote is refused and changes nothing
        s.credit("buyer", "USDC", "1000")
        short = str(D(q["total"]) - D("0.000001"))
        r = buyer.post("/v1/depots/eth-put-fx/trade", {"expiry": "20230303", "strike": "1100",
                                                       "type": "P", "size": "3", "max_premium": short})
        assert r.status == 422 and r.json()["error"]["code"] == "above_max_premium", r
        assert r.json()["error"]["details"]["total"] == q["total"]
        bal = buyer.get("/v1/accounts/buyer/balances").json()["balances"]
        assert bal["USDC"] == "1000", bal
        # at exactly the quote it fills
        r = buyer.post("/v1/depots/eth-put-fx/trade", {"expiry": "20230303", "strike": "1100",
                                                       "type": "P", "size": "3", "max_premium": q["total"]})
        assert r.status == 201 and r.json()["paid"] == q["total"], r
        bal = buyer.get("/v1/accounts/buyer/balances").json()["balances"]
        assert D(bal["USDC"]) == D("1000") - D(q["total"]), bal
        pos = buyer.get("/v1/accounts/buyer/positions").json()["positions"]
        assert len(pos) == 1 and pos[0]["instrument_name"] == "ETH-20230303-1100-P", pos
        # the filters answer with their codes and numbers
        r = buyer.get("/v1/depots/eth-put-fx/quote?expiry=20230303&strike=1100&type=C&size=1")
        assert r.status == 422 and r.json()["error"]["code"] == "option_type_mismatch", r
        r = buyer.get("/v1/depots/eth-put-fx/quote?expiry=20230303&strike=1100&type=P&size=0")
        assert r.json()["error"]["code"] == "zero_size", r
        r = buyer.get("/v1/depots/eth-put-fx/quote?expiry=20230303&strike=1050&type=P&size=1")
        assert r.json()["error"]["code"] == "invalid_strike_grid", r
        r = buyer.get("/v1/depots/eth-put-fx/quote?expiry=20230226&strike=1000&type=P&size=1")
        assert r.json()["error"]["code"] == "out_of_dte_bounds", r  # 2 days < min_dte 3
        assert r.json()["error"]["details"]["dte"] == 2.0, r
        r = buyer.get("/v1/depots/eth-put-fx/quote?expiry=20230227&strike=1000&type=P&size=1")
        assert r.json()["error"]["code"] == "invalid_maturity", r  # 3 days, but a Monday
        assert r.json()["error"]["details"]["reason"] == "not_friday", r
        r = buyer.get("/v1/depots/eth-put-fx/quote?expiry=20230303&strike=3000&type=P&size=1")
        assert r.json()["error"]["code"] in ("out_of_delta_bounds", "insufficient_funds"), r
        d = r.json()["error"]["details"]
        r = buyer.get("/v1/depots/eth-put-fx/quote?expiry=20230303&strike=1100&type=P&size=100")
        assert r.json()["error"]["code"] == "insufficient_funds", r
        assert set(r.json()["error"]["details"]) == {"collateral", "available"}
        del d
        # a stale oracle refuses
        s.clock(FRI_0800 + 31_000)
        r = buyer.get("/v1/depots/eth-put-fx/quote?expiry=20230303&strike=1100&type=P&size=1")
        assert r.status == 409 and r.json()["error"]["code"] == "oracle_stale", r
    finally:
        s.close()


def units(s, decimals):
    return int(D(s) * (D(10) ** decimals))


def test_life_cycle_three_buyers_settle_and_reconcile():
    s = Server()
    try:
        dep = s.account("dep", ["depositor"])
        oracle = s.account("oracle", ["oracle"])
        buyers = [s.account(f"b{k}", ["buyer"]) for k in range(3)]
        s.credit("dep", "USDC", "20000")
        assert dep.post("/v1/vaults/eth-put-fx/deposit", {"assets": "20000"}).status == 200
        for k in range(3):
            s.credit(f"b{k}", "USDC", "2000")
        s.clock(FRI_0800)
        e1, e2 = "20230303", "20230310"
        feed(oracle, "1000", [e1, e2])
        legs = [(e1, "1000", "2"), (e1, "900", "3"), (e2, "1100", "1")]
        trades = []
        for k, (e, strike, size) in enumerate(legs):
            q = buyers[k].get(f"/v1/depots/eth-put-fx/quote?expiry={e}&strike={strike}&type=P&size={size}")
            assert q.status == 200, q
            r = buyers[k].post("/v1/depots/eth-put-fx/trade", {"expiry": e, "strike": strike, "type": "P",
                                                               "size": size, "max_premium": q.json()["total"]})
            assert r.status == 201, r
            t = r.json()
            assert t["total"] == q.json()["total"]  # the same instant, the same book: the quote
            trades.append(t)
        mat = {e1: FRI_0800 + 7 * DAY, e2: FRI_0800 + 14 * DAY}
        # the spread's rest (after the 5 % performance fee) is released linearly to maturity
        rest = []
        for t in trades:
            spread = units(t["spread"], 6)
            fee = spread * 5 // 100
            assert units(t["performanceFee"], 6) == fee and units(t["spreadLocked"], 6) == spread - fee
            rest.append(spread - fee)

        def locked_at(now):
            total = 0
            for t, r in zip(trades, rest):
                m = mat[t["expiry"]]
                if now >= m:
                    continue
                released = r * (now - FRI_0800) // (m - FRI_0800)
                total += r - released
            return total

        view = dep.get("/v1/vaults/eth-put-fx").json()
        assert units(view["book"]["lockedSpread"], 6) == sum(rest) == locked_at(FRI_0800), view
        for hours in (1, 26, 75, 150):
            now = FRI_0800 + hours * 3_600_000
            s.clock(now)
            feed(oracle, "1000", [e1, e2])
            view = dep.get("/v1/vaults/eth-put-fx").json()
            assert units(view["book"]["lockedSpread"], 6) == locked_at(now), (hours, view["book"])
        # first maturity: 950 settles the 1000 put in the money, the 900 put out of it
        s.clock(mat[e1] + 1000)
        r = oracle.post("/v1/oracles/settlement", {"underlying": "ETH", "expiry": e1, "price": "950"})
        assert r.status == 200, r
        bal = [D(b.get(f"/v1/accounts/b{k}/balances").json()["balances"]["USDC"]) for k, b in enumerate(buyers)]
        assert bal[0] == D("2000") - D(trades[0]["total"]) + D("100"), bal  # (1000-950) x 2
        assert bal[1] == D("2000") - D(trades[1]["total"]), bal
        pos = buyers[0].get("/v1/accounts/b0/positions").json()["positions"]
        assert pos[0]["status"] == "settled" and pos[0]["payoff"] == "100", pos
        # second maturity, above the strike: worthless
        s.clock(mat[e2] + 1000)
        feed(oracle, "1200", [])
        r = oracle.post("/v1/oracles/settlement", {"underlying": "ETH", "expiry": e2, "price": "1200"})
        assert r.status == 200, r
        b2 = D(buyers[2].get("/v1/accounts/b2/balances").json()["balances"]["USDC"])
        assert b2 == D("2000") - D(trades[2]["total"])
        # reconciliation to the base unit: deposit + premiums + spreads' rest - payoffs
        view = dep.get("/v1/vaults/eth-put-fx").json()
        assets = 20000 * 10**6 + sum(units(t["premium"], 6) for t in trades) + sum(rest) - 100 * 10**6
        assert units(view["totalAssets"], 6) == assets, (view, assets)
        assert view["book"]["openPositions"] == 0 and view["book"]["lockedSpread"] == "0"
        assert view["book"]["lockedCollateral"] == "0"
        supply = units(view["totalSupply"], 18)
        pps = 10**18 * (assets + 1) // (supply + 10**12)  # convertToAssets(1 share), rounded down
        assert units(view["pricePerShare"], 6) == pps, (view, pps)
        # the treasury received the performance and minting fees
        fees = sum(units(t["performanceFee"], 6) + units(t["mintingFee"], 6) for t in trades)
        assert s.pg.psql("optdesk", "SELECT amount::TEXT FROM asset_balances WHERE account_id='treasury'"
                                    " AND asset='USDC'") == str(fees)
    finally:
        s.close()


def test_kill_9_keeps_every_acknowledged_trade():
    import signal
    s = Server()
    try:
        dep = s.account("dep", ["depositor"])
        oracle = s.account("oracle", ["oracle"])
        buyer = s.account("b", ["buyer"])
        s.credit("dep", "USDC", "50000")
        s.credit("b", "USDC", "5000")
        assert dep.post("/v1/vaults/eth-put-fx/deposit", {"assets": "50000"}).status == 200
        s.clock(FRI_0800)
        feed(oracle, "1000", ["20230303"])
        acked = []
        for k in range(10):
            r = buyer.post("/v1/depots/eth-put-fx/trade",
                           {"expiry": "20230303", "strike": "1000", "type": "P", "size": "0.1",
                            "max_premium": "100"}, headers={"Idempotency-Key": f"t{k}"})
            assert r.status == 201, r
            acked.append(r.json())
        s.credit("dep", "USDC", "100")
        first = dep.post("/v1/vaults/eth-put-fx/deposit", {"assets": "100"}, headers={"Idempotency-Key": "d1"})
        assert first.status == 200, first
        before_view = dep.get("/v1/vaults/eth-put-fx").json()
        before_bal = buyer.get("/v1/accounts/b/balances").json()
        os.killpg(s.proc.pid, signal.SIGKILL)
        s.proc.wait()
        s.proc = None
        s.start()
        # before the oracles are fed again (the depot cannot be valued now), a retried
        # deposit still gets its first answer: the record comes before any state check
        r = dep.post("/v1/vaults/eth-put-fx/deposit", {"assets": "100"}, headers={"Idempotency-Key": "d1"})
        assert r.status == 200 and r.json() == first.json(), (r, first)
        feed(oracle, "1000", ["20230303"])  # the live oracle values are not kept: push again
        after_view = dep.get("/v1/vaults/eth-put-fx").json()
        assert after_view["book"] == before_view["book"], (before_view, after_view)
        assert after_view["totalAssets"] == before_view["totalAssets"]
        assert buyer.get("/v1/accounts/b/balances").json() == before_bal
        pos = buyer.get("/v1/accounts/b/positions").json()["positions"]
        assert sorted(p["position_id"] for p in pos) == sorted(t["position_id"] for t in acked)
        # a retried request after the crash is answered from its record, not executed again
        r = buyer.post("/v1/depots/eth-put-fx/trade",
                       {"expiry": "20230303", "strike": "1000", "type": "P", "size": "0.1",
                        "max_premium": "100"}, headers={"Idempotency-Key": "t9"})
        assert r.status == 201 and r.json()["position_id"] == acked[9]["position_id"], r
        assert len(buyer.get("/v1/accounts/b/positions").json()["positions"]) == 10
        # and the book settles after the restart
        s.clock(FRI_0800 + 7 * DAY)
        r = oracle.post("/v1/oracles/settlement", {"underlying": "ETH", "expiry": "20230303", "price": "990"})
        assert r.status == 200, r
        bal = D(buyer.get("/v1/accounts/b/balances").json()["balances"]["USDC"])
        assert bal == D(before_bal["balances"]["USDC"]) + 10 * D("1"), bal  # (1000-990) x 0.1 each
    finally:
        s.close()


def test_concurrent_buyers_are_serialised():
    import concurrent.futures
    s = Server()
    try:
        dep = s.account("dep", ["depositor"])
        oracle = s.account("oracle", ["oracle"])
        buyers = [s.account(f"c{k}", ["buyer"]) for k in range(4)]
        s.credit("dep", "USDC", "100000")
        assert dep.post("/v1/vaults/eth-put-fx/deposit", {"assets": "100000"}).status == 200
        for k in range(4):
            s.credit(f"c{k}", "USDC", "10000")
        s.clock(FRI_0800)
        feed(oracle, "1000", ["20230303"])

        def buy(k):
            out = []
            for n in range(5):
                r = buyers[k].post("/v1/depots/eth-put-fx/trade",
                                   {"expiry": "20230303", "strike": "1000", "type": "P", "size": "0.5",
                                    "max_premium": "1000"})
                assert r.status == 201, r
                out.append(r.json())
            return out

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            trades = [t for ts in pool.map(buy, range(4)) for t in ts]
        ids = sorted(t["position_id"] for t in trades)
        assert ids == list(range(1, 21)), ids  # one book, one sequence: no lost update
        view = dep.get("/v1/vaults/eth-put-fx").json()
        assert D(view["book"]["lockedCollateral"]) == 20 * D("500"), view  # 1000 x 0.5 each
        premiums = sum(units(t["premium"], 6) + units(t["spreadLocked"], 6) for t in trades)
        raw = int(s.pg.psql("optdesk", "SELECT total_assets FROM vaults WHERE id='eth-put-fx'"))
        assert raw == 100000 * 10**6 + premiums, (raw, premiums)  # the view's totalAssets is NAV
        # each trade saw the state after the previous one: utilisation strictly grows with id
        by_id = sorted(trades, key=lambda t: t["position_id"])
        u = [t["utilizationBefore"] for t in by_id]
        assert all(a < b for a, b in zip(u, u[1:])), u
    finally:
        s.close()
