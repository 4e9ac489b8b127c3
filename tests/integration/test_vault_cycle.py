"""The covered put spread vault's weekly cycle end to end (SPEC 4) on a manual clock, with a
real PostgreSQL, optdesk and a maker over WebSocket: the seed's four scenarios (001_*:
100 LBTC, BTC at 60 000, 100 spreads 56 000/54 000 sold at 250/100) settle to the cent and
stage 4 converts the USDC balance back to collateral; spread selection retries while no
spread fits; withdrawals asked outside stage 1 are paid FIFO at the stage-1 price; kill -9
inside each stage resumes the same stage without selling anything twice."""
import asyncio
import os
import signal
import time
from decimal import Decimal

import harness
from harness import WsClient

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1795180200000  # Fri 2026-11-20 13:10 UTC: the previous expiry + 310 min
EXPIRY = 1795766400000  # Fri 2026-11-27 08:00 UTC, 162.8 h later: inside 144-168 h
EXPIRY_TEXT = "20261127"
IV = "0.42"  # at spot 60 000 the 56 000/54 000 spread's mark / width is 0.07 here
SHORT, LONG = "BTC-20261127-56000-P", "BTC-20261127-54000-P"


class Cycle(harness.OwnServer):
    def __init__(self, config="cycle_config.json"):
        super().__init__("optdesk-cycle-", os.path.join(HERE, config), T0)
        self.oracle = harness.Client(self.http, self.account("oracle", ["oracle"]))
        self.maker = self.account("mk", ["maker"])
        self.now = T0
        self.spot = "60000"
        self.nonce = 1

    def crash_and_restart(self):
        super().crash_and_restart()
        self.feed()  # live oracle values are not kept across a restart

    def depositor(self, name, lbtc):
        creds = self.account(name, ["depositor"])
        assert self.admin.post(f"/v1/admin/accounts/{name}/credit", {"asset": "LBTC", "amount": lbtc}).status == 200
        return harness.Client(self.http, creds)

    def feed(self):
        assert self.oracle.post("/v1/oracles/spot", {"underlying": "BTC", "price": self.spot}).status == 200
        if self.now < EXPIRY:
            r = self.oracle.post("/v1/oracles/surface", {"underlying": "BTC", "expiry": EXPIRY_TEXT,
                                                         "rate": "0.01", "iv": IV})
            assert r.status == 200, r

    def clock(self, ms):
        self.now = ms
        r = self.admin.post("/v1/admin/clock", {"now_ms": ms})
        assert r.status == 200, r
        self.feed()

    def cycle(self):
        r = self.admin.get("/v1/vaults/maxi/cycle")
        assert r.status == 200, r
        return r.json()

    def vault(self):
        r = self.admin.get("/v1/vaults/maxi")
        assert r.status == 200, r
        return r.json()

    def wait_stage(self, stage, timeout=10.0, selected=True):
        deadline = time.time() + timeout
        while time.time() < deadline:
            c = self.cycle()
            # stage 2 is reached first, its spread selected right after
            if c["stage"] == stage and (stage != "option_auction" or not selected or c["cycle"]["spread"]):
                return c
            time.sleep(0.05)
        raise AssertionError(f"stage {stage} not reached: {self.cycle()}\n" + self.log()[-3000:])

    # ---- the maker: quotes every RFQ it sees, one lot per call ----

    async def quote_one_lot(self, price_of, max_wait=10.0):
        """Quotes the open RFQ (legs priced by price_of(leg)), moves the clock past the grace
        period and waits for the fill. Returns the RFQ, or None when no RFQ opened."""
        c = await WsClient(self.ws).connect()
        try:
            r = await c.login(self.maker)
            assert "result" in r, r
            rfq, deadline = None, time.time() + max_wait
            while time.time() < deadline and rfq is None:
                r = await c.call("private/poll_rfqs", {})
                rfqs = [q for q in r["result"]["rfqs"] if q["status"] == "open"]
                rfq = rfqs[0] if rfqs else None
                if rfq is None:
                    await asyncio.sleep(0.05)
            if rfq is None:
                return None
            legs = [dict(lg, price=price_of(lg)) for lg in rfq["legs"]]
            fills = int(self.sql("SELECT count(*) FROM fills"))  # a spot order fills at once
            self.nonce += 1
            r = await c.call("private/send_quote", {"rfq_id": rfq["rfq_id"], "direction": "sell", "legs": legs,
                                                    "max_fee": "0", "nonce": self.nonce,
                                                    "signature_expiry_sec": self.now // 1000 + 600})
            assert "result" in r, r
            self.clock(max(self.now, int(rfq["creation_timestamp"])) + 15_001)
            deadline = time.time() + 10
            while int(self.sql("SELECT count(*) FROM fills")) == fills:
                assert time.time() < deadline, "no fill\n" + self.log()[-3000:]
                await asyncio.sleep(0.05)
            return rfq
        finally:
            await c.close()

    def sell_spreads(self):
        """Stage 2: the maker buys every lot at 250 / 100 (150 of credit per spread)."""
        prices = {SHORT: "250", LONG: "100"}
        for _ in range(30):
            if self.cycle()["stage"] != "option_auction":
                break
            rfq = harness.run(self.quote_one_lot(lambda lg: prices[lg["instrument_name"]], max_wait=3))
            if rfq:
                assert [lg["instrument_name"] for lg in rfq["legs"]] == [SHORT, LONG], rfq
        return self.wait_stage("await_settlement")

    def convert(self):
        """Stage 4: the maker trades LBTC-USDC at the spot until the balance is within dust."""
        for _ in range(30):
            if self.cycle()["stage"] != "collateral_auction":
                break
            rfq = harness.run(self.quote_one_lot(lambda lg: self.spot, max_wait=3))
            if rfq:
                assert [lg["instrument_name"] for lg in rfq["legs"]] == ["LBTC-USDC"], rfq
        return self.wait_stage("collateral_only")


def run_scenario(settle, usdc_after, lbtc_change):
    d = Cycle()
    try:
        dep = d.depositor("dep", "100")
        r = dep.post("/v1/vaults/maxi/deposit", {"assets": "100"})
        assert r.status == 200, r
        d.feed()
        d.clock(T0 + 61_000)  # the cycle looks again 60 s after finding no collateral
        c = d.wait_stage("option_auction")
        assert c["cycle"]["spread"]["short"] == SHORT and c["cycle"]["spread"]["long"] == LONG, c
        c = d.sell_spreads()
        v = d.vault()
        assert v["usdc_balance"] == "15000" and v["open_spreads"] == "100", v
        assert d.sql("SELECT sum(premium) || '|' || count(*) FROM fills WHERE kind = 'spread'") == "15000000000|10"
        # expiry: the settlement price is published, the spread settles into the USDC balance
        d.spot = str(settle)
        d.clock(EXPIRY)
        r = d.oracle.post("/v1/oracles/settlement", {"underlying": "BTC", "expiry": EXPIRY_TEXT, "price": str(settle)})
        assert r.status in (200, 201), r
        d.wait_stage("collateral_auction")
        v = d.vault()
        assert v["usdc_balance"] == usdc_after and v["open_spreads"] == "0", v
        assert d.sql("SELECT usdc_after FROM vault_settlements") == str(int(Decimal(usdc_after) * 10**6))
        # stage 4 from expiry + 60 min
        d.clock(EXPIRY + 3_600_000)
        c = d.convert()
        v = d.vault()
        change = Decimal(v["totalAssets"]) - 100
        print(f"scenario settle={settle}: usdc after settlement {usdc_after}, collateral change {change} LBTC,"
              f" usdc left {v['usdc_balance']}, spot fills {d.sql('SELECT count(*) FROM fills WHERE kind = $$spot$$')}")
        assert abs(change - Decimal(lbtc_change)) < Decimal("0.006"), (change, v)
        assert abs(Decimal(v["usdc_balance"])) < 1, v  # within dust
        assert c["cycle"]["cycle_no"] == 2 and c["cycle"]["next_ms"] == EXPIRY + 310 * 60_000, c
        rows = d.sql("SELECT string_agg(from_stage || '>' || to_stage, ',' ORDER BY id) FROM cycle_transitions")
        assert rows == ("collateral_only>option_auction,option_auction>await_settlement,"
                        "await_settlement>collateral_auction,collateral_auction>collateral_only"), rows
        # the NAV row of the last transition is the price per share the vault reports
        pps = d.sql("SELECT price_per_share FROM cycle_transitions ORDER BY id DESC LIMIT 1")
        assert Decimal(pps) / 10**8 == Decimal(d.vault()["pricePerShare"]), (pps, d.vault())
        # the performance fee: 10 % of the gain over the high-water mark (the price when the
        # cycle began, 1 LBTC a share), as treasury shares; none after a loss
        fee = Decimal(d.sql("SELECT perf_fee_assets FROM cycle_transitions ORDER BY id DESC LIMIT 1")) / 10**8
        treasury = d.sql("SELECT COALESCE(sum(shares), 0) FROM share_balances WHERE account_id = 'treasury'")
        if change > 0:
            assert abs(fee - change / 10) < Decimal("0.00001"), (fee, change)
            assert int(treasury) > 0
        else:
            assert fee == 0 and treasury == "0", (fee, treasury)
        return d.log()
    finally:
        d.close()


def test_scenario_1_settles_at_60000_plus_15000_buys_025_lbtc():
    run_scenario(60000, "15000", "0.25")


def test_scenario_2_settles_at_55900_plus_5000_buys_009_lbtc():
    run_scenario(55900, "5000", "0.09")


def test_scenario_3_settles_at_55500_minus_35000_sells_063_lbtc():
    run_scenario(55500, "-35000", "-0.63")


def test_scenario_4_settles_at_52000_minus_185000_sells_356_lbtc():
    run_scenario(52000, "-185000", "-3.56")


def test_queue_in_stages_2_to_4_paid_fifo_and_kill_9_inside_each_stage_resumes_it():
    d = Cycle()
    try:
        d.crash_and_restart()  # inside stage 1 (no collateral yet): it resumes waiting
        assert d.cycle()["stage"] == "collateral_only"
        a, b = d.depositor("alice", "60"), d.depositor("bob", "40")
        for c, amt in ((a, "60"), (b, "40")):
            assert c.post("/v1/vaults/maxi/deposit", {"assets": amt}).status == 200
        d.feed()
        d.clock(T0 + 61_000)
        d.wait_stage("option_auction")
        prices = {SHORT: "250", LONG: "100"}
        for _ in range(3):  # three lots of ten, then a withdrawal and a crash mid-auction
            assert harness.run(d.quote_one_lot(lambda lg: prices[lg["instrument_name"]]))
        r = a.post("/v1/vaults/maxi/redeem", {"shares": "10"})
        assert r.status == 202 and r.json()["status"] == "queued", r
        auction = d.sql("SELECT id FROM auctions WHERE kind = 'spread'")
        d.crash_and_restart()
        assert f"event=auction_resumed vault=maxi auction={auction}" in d.log()
        assert d.cycle()["stage"] == "option_auction"
        d.sell_spreads()
        # nothing sold twice: ten lots on ten RFQs, 100 spreads, 15 000 USDC of premium
        assert d.sql("SELECT count(*) || '|' || count(DISTINCT rfq_id) || '|' || sum(amount) || '|' || sum(premium)"
                     " FROM fills WHERE kind = 'spread'") == "10|10|10000000000|15000000000"
        r = b.post("/v1/vaults/maxi/withdraw", {"assets": "5"})
        assert r.status == 202 and r.json()["status"] == "queued", r
        d.crash_and_restart()
        d.wait_stage("await_settlement")
        d.spot = "55500"
        d.clock(EXPIRY)
        assert d.oracle.post("/v1/oracles/settlement", {"underlying": "BTC", "expiry": EXPIRY_TEXT,
                                                       "price": "55500"}).status in (200, 201)
        d.wait_stage("collateral_auction")
        d.crash_and_restart()  # after the settlement: it is not settled twice
        d.wait_stage("collateral_auction")
        assert d.sql("SELECT count(*) || '|' || max(usdc_after) FROM vault_settlements") == "1|-35000000000"
        r = a.post("/v1/vaults/maxi/redeem", {"shares": "5"})
        assert r.status == 202, r
        d.clock(EXPIRY + 3_600_000)
        # one spot fill, then a crash: the running order is closed and a fresh one follows
        assert harness.run(d.quote_one_lot(lambda lg: d.spot))
        d.crash_and_restart()
        assert d.cycle()["stage"] == "collateral_auction"
        c = d.convert()
        assert c["cycle"]["cycle_no"] == 2
        # the queue, FIFO at the stage-1 price: alice 10 shares, bob 5 LBTC worth, alice 5
        rows = d.sql("SELECT string_agg(owner_id || ':' || status, ',' ORDER BY id) FROM withdrawal_queue")
        assert rows == "alice:paid,bob:paid,alice:paid", rows
        paid = d.sql("SELECT string_agg(paid_ms::TEXT, ',' ORDER BY id) FROM withdrawal_queue").split(",")
        assert paid == sorted(paid) and len(set(paid)) == 1, paid  # all at the return to stage 1
        v = d.vault()
        pps = Decimal(v["pricePerShare"])
        got = Decimal(d.sql("SELECT paid_assets FROM withdrawal_queue ORDER BY id LIMIT 1")) / 10**8
        assert abs(got - 10 * pps) <= Decimal("0.00000002"), (got, pps)
        stages = d.sql("SELECT string_agg(to_stage, ',' ORDER BY id) FROM cycle_transitions")
        assert stages == "option_auction,await_settlement,collateral_auction,collateral_only", stages
        assert d.sql("SELECT queue_paid FROM cycle_transitions ORDER BY id DESC LIMIT 1") == "3"
        # the ledger's invariant: supply = sum of balances
        assert d.sql("SELECT (SELECT total_supply FROM vaults WHERE id = 'maxi') ="
                     " (SELECT sum(shares + queued_shares) FROM share_balances WHERE vault_id = 'maxi')") == "t"
    finally:
        d.close()


def test_selection_retries_every_60_s_until_a_spread_fits():
    d = Cycle()
    try:
        dep = d.depositor("dep", "10")
        assert dep.post("/v1/vaults/maxi/deposit", {"assets": "10"}).status == 200
        global IV
        saved, IV = IV, "0.05"  # every spread's mark / width is far below 0.02
        try:
            d.feed()
            d.clock(T0 + 61_000)
            d.wait_stage("option_auction", selected=False)
            deadline = time.time() + 10
            while "no_spread" not in (d.cycle()["cycle"].get("waiting_for") or ""):
                assert time.time() < deadline, d.cycle()
                time.sleep(0.05)
            assert d.sql("SELECT count(*) FROM auctions") == "0"
            IV = saved
            d.clock(T0 + 61_000 + 30_000)  # not yet: the retry is 60 s after the refusal
            time.sleep(0.5)
            assert d.sql("SELECT count(*) FROM auctions") == "0"
            d.clock(T0 + 61_000 + 60_001)
            deadline = time.time() + 10
            while d.sql("SELECT count(*) FROM auctions") == "0":
                assert time.time() < deadline, d.cycle()
                time.sleep(0.05)
            spread = d.cycle()["cycle"]["spread"]
            assert (spread["short"], spread["long"]) == (SHORT, LONG), spread
        finally:
            IV = saved
    finally:
        d.close()


def test_restart_between_the_auctions_end_and_its_transition_goes_on_to_settlement():
    """The auction's end is committed, the transition to await_settlement is not (a kill -9
    in between): the restarted cycle must not sell again nor go back to stage 1."""
    d = Cycle()
    try:
        dep = d.depositor("dep", "100")
        assert dep.post("/v1/vaults/maxi/deposit", {"assets": "100"}).status == 200
        d.feed()
        d.clock(T0 + 61_000)
        d.wait_stage("option_auction")
        d.sell_spreads()
        os.killpg(d.proc.pid, signal.SIGKILL)
        d.proc.wait()
        # the database as a crash right before the transition would have left it
        d.sql("UPDATE vaults SET stage = 'option_auction' WHERE id = 'maxi';"
              " DELETE FROM cycle_transitions WHERE to_stage = 'await_settlement';"
              " UPDATE vault_cycles SET next_ms = stage_since_ms WHERE vault_id = 'maxi'")
        d.start_server()
        d.feed()
        c = d.wait_stage("await_settlement")
        assert c["cycle"]["cycle_no"] == 1 and c["cycle"]["open_spreads"] == "100", c
        assert d.sql("SELECT reason FROM cycle_transitions ORDER BY id DESC LIMIT 1") == "auction_ended"
        assert d.sql("SELECT count(*) FROM auctions") == "1"  # nothing sold again
    finally:
        d.close()
