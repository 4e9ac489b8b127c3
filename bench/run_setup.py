#!/usr/bin/python3
"""bench/run's set-up of a running optdesk (bench/run_config.json, manual clock started at
T0 - 3 h): accounts (a depositor, a buyer, an oracle, an operator, MAKERS makers), a funded
put depot (eth-put-fx) and four funded covered put spread vaults (bench-0..3), the clock moved
to T0 = Fri 2023-02-24 08:00 UTC, the oracles fed (ETH 1000 / iv 1.54, BTC 60000 / iv 0.5,
expiry 20230303) and an auction of 100 spreads started on each vault.

Writes OUT_DIR/setup.json (the buyer's credentials, the depot quote path, the open RFQ ids,
the legs and their amount, the business time) and OUT_DIR/makers.txt (one "api_key secret"
pair a line, for bench/ws_load).
Usage: bench/run_setup.py HTTP_PORT WS_PORT ADMIN_JSON OUT_DIR
       bench/run_setup.py sign SECRET TIMESTAMP METHOD PATH    (prints the X-Signature)"""
import asyncio
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import harness  # noqa: E402

T0 = 1677225600000  # Fri 2023-02-24 08:00 UTC
VAULTS = ["bench-0", "bench-1", "bench-2", "bench-3"]
DEPOT = "eth-put-fx"
MAKERS = 10
LEGS = [{"instrument_name": "BTC-20230303-56000-P", "direction": "sell"},
        {"instrument_name": "BTC-20230303-54000-P", "direction": "buy"}]
QUOTE_PATH = f"/v1/depots/{DEPOT}/quote?expiry=20230303&strike=1100&type=P&size=3"


def ok(r, status=200):
    if r.status != status:
        raise SystemExit(f"run_setup: expected {status}, got {r.status}: {r.body[:300]!r}")
    return r


def setup(http, ws, admin_json, out):
    admin = harness.Client(http, json.load(open(admin_json)))

    def account(name, roles):
        return ok(admin.post("/v1/admin/accounts", {"name": name, "roles": roles}), 201).json()

    dep = account("dep", ["depositor"])
    buyer = account("buyer", ["buyer"])
    oracle = harness.Client(http, account("oracle", ["oracle"]))
    operator = harness.Client(http, account("operator", ["operator"]))
    makers = [account(f"m{k}", ["maker"]) for k in range(MAKERS)]
    ok(admin.post("/v1/admin/accounts/dep/credit", {"asset": "USDC", "amount": "100000000"}))
    ok(admin.post("/v1/admin/accounts/dep/credit", {"asset": "LBTC", "amount": str(100 * len(VAULTS))}))
    ok(admin.post("/v1/admin/accounts/buyer/credit", {"asset": "USDC", "amount": "100000000"}))
    d = harness.Client(http, dep)
    ok(d.post(f"/v1/vaults/{DEPOT}/deposit", {"assets": "100000000"}))
    for v in VAULTS:
        ok(d.post(f"/v1/vaults/{v}/deposit", {"assets": "100"}))
    ok(admin.post("/v1/admin/clock", {"now_ms": T0}))
    ok(oracle.post("/v1/oracles/spot", {"underlying": "ETH", "price": "1000"}))
    ok(oracle.post("/v1/oracles/surface", {"underlying": "ETH", "expiry": "20230303", "rate": "0.01",
                                           "iv": "1.54"}))
    ok(oracle.post("/v1/oracles/spot", {"underlying": "BTC", "price": "60000"}))
    ok(oracle.post("/v1/oracles/surface", {"underlying": "BTC", "expiry": "20230303", "rate": "0.01",
                                           "iv": "0.5"}))
    for v in VAULTS:
        ok(operator.post(f"/v1/admin/vaults/{v}/auctions", {"legs": LEGS, "amount": "100"}), 201)

    async def rfqs():
        for _ in range(200):  # the first RFQs open on the engine's next tick
            c = await harness.WsClient(ws).connect()
            r = await c.login(makers[0])
            assert "result" in r, r
            r = await c.call("private/poll_rfqs", {})
            await c.close()
            got = {q["vault_id"]: q for q in r["result"]["rfqs"] if q["status"] == "open"}
            if set(got) >= set(VAULTS):
                return got
            await asyncio.sleep(0.05)
        raise SystemExit(f"run_setup: no open RFQ on every vault: {got}")
    open_rfqs = asyncio.new_event_loop().run_until_complete(rfqs())

    r = ok(harness.Client(http, buyer).get(QUOTE_PATH))  # the route answers before we load it
    with open(os.path.join(out, "makers.txt"), "w") as f:
        for m in makers:
            f.write(f"{m['api_key']} {m['secret']}\n")
    with open(os.path.join(out, "setup.json"), "w") as f:
        json.dump({"buyer_key": buyer["api_key"], "buyer_secret": buyer["secret"],
                   "quote_path": QUOTE_PATH, "quote_bytes": len(r.body),
                   "rfqs": [open_rfqs[v]["rfq_id"] for v in VAULTS],
                   "legs": [lg["instrument_name"] for lg in LEGS],
                   "amount": open_rfqs["bench-0"]["legs"][0]["amount"],
                   "business_ms": T0}, f)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "sign":
        print(harness.sign(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]))
        return
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    setup(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4])


if __name__ == "__main__":
    main()
