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
