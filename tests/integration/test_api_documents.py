"""docs/openapi.yaml and docs/asyncapi.yaml against the real service: every documented REST
operation is called (signed, with an account of a documented role) on its own PostgreSQL
and optdesk, and must answer a documented status whose body validates against the
documented schema; every route of api/rest.c and every JSON-RPC method of api/jsonrpc.c
must be documented; the WebSocket replies and notifications must validate against the
AsyncAPI messages. Schemas are checked by a small JSON-Schema subset validator (type,
enum, const, required, properties, additionalProperties, items, min/max, pattern, allOf,
anyOf, oneOf, nullable, local $ref)."""
import asyncio
import csv
import io
import json
import math
import os
import re
import time

import yaml

import harness
from harness import WsClient

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OPENAPI = os.path.join(ROOT, "docs", "openapi.yaml")
ASYNCAPI = os.path.join(ROOT, "docs", "asyncapi.yaml")
T0 = 1677225600000  # Fri 2023-02-24 08:00 UTC (manual clock)
EXPIRY = "20230303"  # T0 + 7 days
REPORT_KINDS = ["fills", "rfqs", "quotes", "settlements", "depot-trades", "maturities", "nav",
                "pnl", "fees", "refusals"]
METHODS = ("get", "post", "put", "patch", "delete")


# ---- a JSON-Schema subset validator ----

def resolve(doc, ref):
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref are supported: {ref}")
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def deref(doc, node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(doc, node["$ref"])
        seen += 1
        if seen > 50:
            raise ValueError("$ref loop")
    return node


def type_ok(value, t):
    if t == "null":
        return value is None
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or \
            (isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "string":
        return isinstance(value, str)
    if t == "array":
        return isinstance(value, list)
    if t == "object":
        return isinstance(value, dict)
    raise ValueError(f"unknown type {t}")


def validate(doc, schema, value, path="$"):
    """The list of violations of value against schema (empty: valid)."""
    errs = []
    if schema is True or schema is None or schema == {}:
        return errs
    if schema is False:
        return [f"{path}: no value is allowed here"]
    if "$ref" in schema:
        errs += validate(doc, resolve(doc, schema["$ref"]), value, path)
        # OpenAPI 3.1: siblings of $ref apply too
        schema = {k: v for k, v in schema.items() if k != "$ref"}
    if value is None and schema.get("nullable"):
        return errs
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(type_ok(value, t) for t in types):
            return errs + [f"{path}: {json.dumps(value)[:80]} is not of type {types}"]
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{path}: {json.dumps(value)[:80]} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errs.append(f"{path}: {json.dumps(value)[:80]} is not {json.dumps(schema['const'])}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errs.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            errs.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errs.append(f"{path}: longer than {schema['maxLength']}")
    if type_ok(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errs.append(f"{path}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errs.append(f"{path}: {value} > maximum {schema['maximum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errs.append(f"{path}: missing required {key!r}")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, v in value.items():
            if key in props:
                errs += validate(doc, props[key], v, f"{path}.{key}")
            elif extra is False:
                errs.append(f"{path}: unexpected property {key!r}")
            elif isinstance(extra, dict):
                errs += validate(doc, extra, v, f"{path}.{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errs.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errs.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, v in enumerate(value):
                errs += validate(doc, schema["items"], v, f"{path}[{i}]")
    for sub in schema.get("allOf", []):
        errs += validate(doc, sub, value, path)
    if "anyOf" in schema:
        if not any(not validate(doc, sub, value, path) for sub in schema["anyOf"]):
            detail = [validate(doc, sub, value, path) for sub in schema["anyOf"]]
            errs.append(f"{path}: matches none of anyOf: {detail}")
    if "oneOf" in schema:
        results = [validate(doc, sub, value, path) for sub in schema["oneOf"]]
        n = sum(1 for r in results if not r)
        if n != 1:
            errs.append(f"{path}: matches {n} of oneOf (exactly 1 wanted): {results if n == 0 else ''}")
    return errs


def test_validator_subset_self_check():
    doc = {"components": {"schemas": {"A": {"type": "string", "pattern": "^[0-9]+$"}}}}
    s = {"type": "object", "required": ["a", "b"], "additionalProperties": False,
         "properties": {"a": {"$ref": "#/components/schemas/A"},
                        "b": {"anyOf": [{"type": "null"}, {"type": "array", "items": {"enum": [1, 2]}}]},
                        "c": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
                        "d": {"type": "string", "nullable": True},
                        "e": {"allOf": [{"type": "object"}, {"required": ["x"]}]}}}
    assert validate(doc, s, {"a": "12", "b": None, "d": None, "e": {"x": 1}}) == []
    assert validate(doc, s, {"a": "12", "b": [1, 2]}) == []
    assert validate(doc, s, {"a": "x1", "b": [3]})  # pattern, enum
    assert validate(doc, s, {"a": "1"})  # required
    assert validate(doc, s, {"a": "1", "b": None, "z": 1})  # additionalProperties
    assert validate(doc, s, {"a": "1", "b": None, "c": 1})  # matches 2 of oneOf
    assert validate(doc, s, {"a": "1", "b": None, "e": {}})  # allOf
    assert validate(doc, {"type": "integer"}, True)  # bool is not an integer


# ---- the documents ----

def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def operations(doc):
    """operationId -> (method, path template, operation)."""
    ops = {}
    for path, item in doc["paths"].items():
        for m in METHODS:
            if m in item:
                op = item[m]
                ops[op["operationId"]] = (m.upper(), path, op)
    return ops


def template_regex(template):
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def op_params(doc, path_item_params, op):
    params = {}
    for p in list(path_item_params or []) + list(op.get("parameters", [])):
        p = deref(doc, p)
        params[(p["in"], p["name"])] = p
    return params


# ---- the server ----

class Server(harness.OwnServer):
    def __init__(self, prefix):
        super().__init__(prefix, os.path.join(HERE, "itest_config.json"), T0)
        self.admin = self.admin_creds  # this file signs with the credentials themselves


def bs_put(S, K, tau, sigma, r):
    d1 = (math.log(S / K) + (r + sigma * sigma / 2) * tau) / (sigma * math.sqrt(tau))
    d2 = d1 - sigma * math.sqrt(tau)
    N = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    return K * math.exp(-r * tau) * N(-d2) - S * N(-d1)


# ---- REST: every operation ----

class Checker:
    """Calls operations and checks each answer against the document."""

    def __init__(self, doc, srv):
        self.doc = doc
        self.srv = srv
        self.ops = operations(doc)
        self.by_route = {}
        for oid, (m, path, _) in self.ops.items():
            self.by_route[(m, path)] = oid
        self.failures = []  # (operationId, message)
        self.passed = set()  # operationIds with a successful documented answer
        self.called = {}  # operationId -> the first (path, body) called
        self.ncalls = 0

    def fail(self, oid, msg):
        self.failures.append((oid, msg))
        print(f"FAIL {oid}: {msg}")

    def call(self, oid, path, body=None, creds=None, expect=None, headers=None, raw=None):
        """One request of operation oid; checks the path, parameters and request body against
        the document, then the answer's status, content type and body. Returns the response
        (its JSON as .data when it has one)."""
        method, template, op = self.ops[oid]
        bare, _, query = path.partition("?")
        if not template_regex(template).match(bare):
            self.fail(oid, f"{bare} does not fit the documented path {template}")
        params = op_params(self.doc, self.doc["paths"][template].get("parameters"), op)
        given = [kv.split("=", 1)[0] for kv in query.split("&") if kv]
        for name in given:
            if ("query", name) not in params:
                self.fail(oid, f"query parameter {name!r} is not documented")
        if expect is not None and expect < 300:
            for (where, name), p in params.items():
                if where == "query" and p.get("required") and name not in given:
                    self.fail(oid, f"required query parameter {name!r} not sent")
            if body is not None and "requestBody" in op:
                rb = deref(self.doc, op["requestBody"])
                errs = validate(self.doc, rb["content"]["application/json"]["schema"], body)
                if errs:
                    self.fail(oid, f"the request body the server accepts does not fit the documented schema: {errs}")
        r = self.srv.client(creds).request(method, path, body, headers=headers, raw=raw)
        self.ncalls += 1
        r.data = None
        self.called.setdefault(oid, (path, body))
        status = str(r.status)
        responses = op.get("responses", {})
        if status not in responses:
            self.fail(oid, f"{method} {path} answered {r.status}, not documented "
                           f"({sorted(responses)}): {r.body[:300]!r}")
            return r
        if expect is not None and r.status != expect:
            self.fail(oid, f"{method} {path} answered {r.status}, expected {expect}: {r.body[:300]!r}")
        resp = deref(self.doc, responses[status])
        content = resp.get("content")
        for h in resp.get("headers", {}):
            if h not in r.headers and h.lower() not in {k.lower() for k in r.headers}:
                self.fail(oid, f"{r.status} lacks the documented header {h}")
        if not content:
            if r.body:
                self.fail(oid, f"{r.status} documents no body but got {r.body[:100]!r}")
            elif expect is None or r.status == expect:
                self.passed.add(oid)
            return r
        ctype = ""
        for k, v in r.headers.items():
            if k.lower() == "content-type":
                ctype = v.split(";")[0].strip().lower()
        if ctype not in content:
            self.fail(oid, f"{r.status} content type {ctype!r} is not documented ({list(content)})")
            return r
        schema = content[ctype].get("schema", {})
        if ctype == "application/json":
            try:
                r.data = json.loads(r.body)
            except ValueError as e:
                self.fail(oid, f"{r.status} body is not JSON: {e}: {r.body[:200]!r}")
                return r
            errs = validate(self.doc, schema, r.data)
            if errs:
                self.fail(oid, f"{r.status} body does not fit the schema: {errs[:8]} body={r.body[:400]!r}")
                return r
        else:
            try:
                r.text = r.body.decode("utf-8")
            except UnicodeDecodeError:
                self.fail(oid, f"{r.status} {ctype} body is not UTF-8")
                return r
        if expect is None or r.status == expect:
            self.passed.add(oid)
        return r


def roles_of(op):
    return op.get("x-roles", [])


def test_every_rest_operation_answers_as_documented():
    doc = load(OPENAPI)
    srv = Server("optdesk-apidocs-")
    try:
        c = Checker(doc, srv)
        run_rest_scenarios(c, srv)
        missing = sorted(set(c.ops) - c.passed)
        for oid in missing:
            if not any(f[0] == oid for f in c.failures):
                c.fail(oid, "never answered successfully")
        if c.failures:
            failing = sorted({f[0] for f in c.failures})
            print(f"\n{len(failing)} of {len(c.ops)} documented operations fail: {', '.join(failing)}")
        print(f"{c.ncalls} calls of {len(c.ops)} documented operations")
        assert not c.failures, f"{len(c.failures)} failures (see above)"
        print(f"{len(c.ops)} documented operations answered as documented")
    finally:
        srv.close()


def run_rest_scenarios(c, srv):
    admin = srv.admin
    creds = {}

    def account(name, roles):
        r = c.call("createAccount", "/v1/admin/accounts", {"name": name, "roles": roles},
                   creds=admin, expect=201)
        assert r.status == 201, r
        creds[name] = r.data
        return r.data

    # ops: liveness, time, metrics
    c.call("getHealthz", "/healthz", expect=200)
    c.call("getTime", "/v1/time", expect=200)
    r = c.call("getMetrics", "/metrics", expect=200)
    assert r.status != 200 or "optdesk_http_requests_total" in r.body.decode(), r

    # accounts (createAccount: 201 above, 409 duplicate, 400 bad role)
    oracle = account("oracle", ["oracle"])
    operator = account("operator", ["operator"])
    reporter = account("reporter", ["reporter"])
    dep = account("dep", ["depositor"])
    buyer = account("buyer", ["buyer", "depositor"])
    maker = account("maker", ["maker"])
    c.call("createAccount", "/v1/admin/accounts", {"name": "dep", "roles": ["depositor"]},
           creds=admin, expect=409)
    c.call("createAccount", "/v1/admin/accounts", {"name": "x1", "roles": ["king"]}, creds=admin,
           expect=400)
    c.call("createAccount", "/v1/admin/accounts", raw=b"{not json", creds=admin, expect=400)
    c.call("createAccount", "/v1/admin/accounts", raw=b'{"name":"' + b"a" * 70000 + b'"}',
           creds=admin, expect=413)

    # the manual clock: the same time again is accepted; backwards is 409
    c.call("setClock", "/v1/admin/clock", {"now_ms": T0}, creds=admin, expect=200)
    c.call("setClock", "/v1/admin/clock", {"now_ms": T0 - 1}, creds=admin, expect=409)

    # oracles
    c.call("postSpot", "/v1/oracles/spot", {"underlying": "ETH", "price": "1000"}, creds=oracle, expect=200)
    c.call("postSpot", "/v1/oracles/spot", {"underlying": "BTC", "price": "60000"}, creds=oracle, expect=200)
    c.call("postSpot", "/v1/oracles/spot", {"underlying": "ETH", "price": "1.0000001"}, creds=oracle,
           expect=400)
    for u, iv in (("ETH", "0.6"), ("BTC", "0.5")):
        c.call("postSurface", "/v1/oracles/surface",
               {"underlying": u, "expiry": EXPIRY, "rate": "0.01", "iv": iv}, creds=oracle, expect=200)
    c.call("postSurface", "/v1/oracles/surface",
           {"underlying": "ETH", "expiry": "20230310", "rate": 0.01,
            "ssvi": {"theta": 0.02, "psi": "0.1", "rho": -0.3}}, creds=oracle, expect=200)
    c.call("postSurface", "/v1/oracles/surface",
           {"underlying": "ETH", "expiry": "20230317", "rate": "0.01",
            "ssvi": {"theta": "0.03", "psi": "-1", "rho": "0"}}, creds=oracle, expect=422)
    c.call("getReadyz", "/readyz", expect=200)
    c.call("getSpot", "/v1/oracles/spot?underlying=ETH", creds=maker, expect=200)
    c.call("getSpot", "/v1/oracles/spot?underlying=NOPE", creds=maker, expect=400)
    c.call("getSpot", "/v1/oracles/spot?underlying=WBTC", creds=maker)  # never published
    c.call("getImpliedVol", f"/v1/oracles/iv?underlying=ETH&expiry={EXPIRY}&strike=1000", creds=maker,
           expect=200)
    c.call("getImpliedVol", "/v1/oracles/iv?underlying=ETH&expiry=20230224&strike=1000", creds=maker)
    c.call("postSettlement", "/v1/oracles/settlement",
           {"underlying": "ETH", "expiry": "20230224", "price": "1000"}, creds=oracle, expect=200)
    c.call("postSettlement", "/v1/oracles/settlement",
           {"underlying": "ETH", "expiry": "20230224", "price": "1001"}, creds=oracle, expect=409)
    c.call("postSettlement", "/v1/oracles/settlement",
           {"underlying": "ETH", "expiry": EXPIRY, "price": "1000"}, creds=oracle, expect=409)
    c.call("getSettlement", "/v1/oracles/settlement?underlying=ETH&expiry=20230224", creds=maker,
           expect=200)
    c.call("getSettlement", f"/v1/oracles/settlement?underlying=ETH&expiry={EXPIRY}", creds=maker,
           expect=404)

    # market
    c.call("getMaturities", "/v1/pools/maturities?underlying=ETH", creds=maker, expect=200)
    c.call("getStrikes", "/v1/pools/strikes?underlying=ETH", creds=maker, expect=200)
    c.call("getInstruments", f"/v1/instruments?underlying=BTC&expiry={EXPIRY}", creds=maker, expect=200)
    c.call("getInstruments", "/v1/instruments?underlying=ETH", creds=maker, expect=200)

    # funds and the share ledger
    for who, asset, amount in (("dep", "USDC", "100000"), ("dep", "LBTC", "20"),
                               ("buyer", "USDC", "10000")):
        c.call("creditAccount", f"/v1/admin/accounts/{who}/credit", {"asset": asset, "amount": amount},
               creds=admin, expect=200)
    c.call("creditAccount", "/v1/admin/accounts/nobody/credit", {"asset": "USDC", "amount": "1"},
           creds=admin, expect=404)
    c.call("listVaults", "/v1/vaults", creds=maker, expect=200)
    c.call("getVault", "/v1/vaults/nope", creds=maker, expect=404)
    c.call("deposit", "/v1/vaults/eth-put/deposit", {"assets": "5500", "receiver": "dep"}, creds=dep,
           expect=200, headers={"Idempotency-Key": "dep-1"})
    c.call("deposit", "/v1/vaults/eth-put/deposit", {"assets": "5500", "receiver": "dep"}, creds=dep,
           expect=200, headers={"Idempotency-Key": "dep-1"})  # a replay
    c.call("deposit", "/v1/vaults/eth-put/deposit", {"assets": "1"}, creds=dep, expect=422,
           headers={"Idempotency-Key": "dep-1"})  # the same key, another request
    c.call("deposit", "/v1/vaults/eth-put/deposit", {"assets": "1"}, creds=dep, expect=400,
           headers={"Idempotency-Key": "k" * 129})
    c.call("deposit", "/v1/vaults/eth-put/deposit", {"assets": "999999999"}, creds=dep, expect=422)
    c.call("deposit", "/v1/vaults/lbtc-maxi/deposit", {"assets": "10"}, creds=dep, expect=200)
    c.call("deposit", "/v1/vaults/nope/deposit", {"assets": "1"}, creds=dep, expect=404)
    c.call("deposit", "/v1/vaults/eth-put/deposit", {"assets": "1"}, creds=maker, expect=403)
    for vid in ("eth-put", "eth-call", "lbtc-maxi"):
        c.call("getVault", f"/v1/vaults/{vid}", creds=maker, expect=200)
    c.call("convertToShares", "/v1/vaults/eth-put/convert/to-shares?assets=100", creds=maker, expect=200)
    c.call("convertToAssets", "/v1/vaults/eth-put/convert/to-assets?shares=1", creds=maker, expect=200)
    c.call("convertToAssets", "/v1/vaults/eth-put/convert/to-assets?shares=-1", creds=maker, expect=400)
    for op, amount in (("deposit", "100"), ("mint", "1"), ("withdraw", "100"), ("redeem", "1")):
        c.call("previewOperation", f"/v1/vaults/eth-put/preview/{op}?amount={amount}", creds=maker,
               expect=200)
        acct = "&account=dep" if op in ("withdraw", "redeem") else ""
        c.call("maxOperation", f"/v1/vaults/eth-put/max/{op}?{acct.lstrip('&')}".rstrip("?"),
               creds=maker, expect=200)
    c.call("previewOperation", "/v1/vaults/eth-put/preview/burn?amount=1", creds=maker, expect=404)
    c.call("maxOperation", "/v1/vaults/eth-put/max/redeem", creds=maker, expect=400)
    c.call("mint", "/v1/vaults/eth-put/mint", {"shares": "1", "max_assets_in": "2"}, creds=dep, expect=200)
    c.call("withdraw", "/v1/vaults/eth-put/withdraw", {"assets": "100"}, creds=dep, expect=200)
    c.call("redeem", "/v1/vaults/eth-put/redeem", {"shares": "1", "min_assets_out": "0.5"}, creds=dep,
           expect=200)
    c.call("redeem", "/v1/vaults/eth-put/redeem", {"shares": "1", "min_assets_out": "5"}, creds=dep,
           expect=409)
    c.call("redeem", "/v1/vaults/eth-put/redeem", {"shares": "1", "owner": "dep"}, creds=buyer, expect=403)
    c.call("setAllowance", "/v1/vaults/eth-put/allowances", {"spender": "buyer", "shares": "2"}, creds=dep,
           expect=200)
    c.call("setAllowance", "/v1/vaults/eth-put/allowances", {"spender": "nobody", "shares": "2"},
           creds=dep, expect=404)
    c.call("redeem", "/v1/vaults/eth-put/redeem", {"shares": "1", "owner": "dep", "receiver": "buyer"},
           creds=buyer, expect=200)
    c.call("withdraw", "/v1/vaults/lbtc-maxi/withdraw", {"assets": "0.5"}, creds=dep, expect=200)
    c.call("getVaultHolding", "/v1/vaults/eth-put/accounts/dep", creds=dep, expect=200)
    c.call("getVaultHolding", "/v1/vaults/eth-put/accounts/dep", creds=reporter, expect=200)
    c.call("getVaultHolding", "/v1/vaults/eth-put/accounts/dep", creds=maker, expect=403)
    c.call("getBalances", "/v1/accounts/dep/balances", creds=dep, expect=200)
    c.call("getBalances", "/v1/accounts/dep/balances", creds=reporter, expect=200)
    c.call("getBalances", "/v1/accounts/dep/balances", creds=maker, expect=403)
    c.call("patchVault", "/v1/admin/vaults/eth-call", {"paused": True}, creds=operator, expect=200)
    c.call("deposit", "/v1/vaults/eth-call/deposit", {"assets": "1"}, creds=dep, expect=409)
    c.call("patchVault", "/v1/admin/vaults/eth-call", {"paused": False}, creds=admin, expect=200)
    c.call("patchVault", "/v1/admin/vaults/eth-call", {"stage": "x"}, creds=operator, expect=400)
    c.call("patchVault", "/v1/admin/vaults/nope", {"paused": False}, creds=operator, expect=404)

    # the depot
    q = f"/v1/depots/eth-put/quote?expiry={EXPIRY}&strike=1000&type=P&size=1"
    r = c.call("getDepotQuote", q, creds=buyer, expect=200)
    total = r.data["total"] if r.data else "1000"
    c.call("getDepotQuote", f"/v1/depots/eth-put/quote?expiry={EXPIRY}&strike=1000&type=C&size=1",
           creds=buyer, expect=422)
    c.call("getDepotQuote", q.replace("eth-put", "nope"), creds=buyer, expect=404)
    c.call("getDepotQuote", q, creds=dep, expect=403)
    trade = {"expiry": EXPIRY, "strike": "1000", "type": "P", "size": "1"}
    c.call("depotTrade", "/v1/depots/eth-put/trade", dict(trade, max_premium="0.01"), creds=buyer,
           expect=422)
    c.call("depotTrade", "/v1/depots/eth-put/trade", dict(trade, max_premium=str(total)), creds=buyer,
           expect=201, headers={"Idempotency-Key": "trade-1"})
    c.call("getPositions", "/v1/accounts/buyer/positions", creds=buyer, expect=200)
    c.call("getTrades", "/v1/accounts/buyer/trades", creds=reporter, expect=200)
    c.call("getTrades", "/v1/accounts/buyer/trades", creds=dep, expect=403)
    c.call("getVault", "/v1/vaults/eth-put", creds=maker, expect=200)  # with an open position

    # the RFQ desk
    legs = [{"instrument_name": f"BTC-{EXPIRY}-56000-P", "direction": "sell"},
            {"instrument_name": f"BTC-{EXPIRY}-54000-P", "direction": "buy"}]
    c.call("startAuction", "/v1/admin/vaults/lbtc-maxi/auctions", {"legs": legs, "amount": "2"},
           creds=operator, expect=201)
    c.call("startAuction", "/v1/admin/vaults/lbtc-maxi/auctions", {"legs": legs, "amount": "2"},
           creds=operator, expect=422)  # already running
    c.call("startAuction", "/v1/admin/vaults/eth-put/auctions", {"legs": legs, "amount": "2"},
           creds=operator, expect=404)
    c.call("getVaultCycle", "/v1/vaults/lbtc-maxi/cycle", creds=reporter, expect=200)
    r = c.call("getVaultCycle", "/v1/vaults/lbtc-maxi/cycle", creds=maker, expect=200)
    if r.data and r.data.get("auction") and "floor_now" in r.data["auction"]:
        c.fail("getVaultCycle", "a maker was shown floor_now")
    c.call("getVaultCycle", "/v1/vaults/eth-put/cycle", creds=maker, expect=404)

    # JSON-RPC over HTTP
    c.call("jsonRpc", "/v1/rpc", {"jsonrpc": "2.0", "id": 1, "method": "public/get_time"}, expect=200)
    r = c.call("jsonRpc", "/v1/rpc", {"jsonrpc": "2.0", "id": "p", "method": "private/poll_rfqs",
                                      "params": {}}, creds=maker, expect=200)
    if r.data and not (r.data.get("result") or {}).get("rfqs"):
        c.fail("jsonRpc", f"private/poll_rfqs shows no open RFQ during the auction: {r.data}")
    c.call("jsonRpc", "/v1/rpc", {"jsonrpc": "2.0", "id": 2, "method": "private/poll_rfqs"}, expect=200)
    c.call("jsonRpc", "/v1/rpc", {"jsonrpc": "2.0", "method": "public/get_time"}, expect=204)
    c.call("jsonRpc", "/v1/rpc", {"jsonrpc": "2.0", "id": 3, "method": "public/get_time"},
           creds=dict(maker, secret="wrong"), expect=401)

    # the back office: the dashboard and the reports
    r = c.call("getDashboard", "/", creds=reporter, expect=200)
    if r.status == 200 and "<html" not in r.body.decode("utf-8", "replace").lower():
        c.fail("getDashboard", "the dashboard is not an HTML page")
    for kind in REPORT_KINDS:
        oid = c.by_route[("GET", f"/v1/reports/{kind}")]
        base = f"/v1/reports/{kind}"
        r = c.call(oid, f"{base}?from=0&to={T0 + 86_400_000}&limit=2", creds=reporter, expect=200)
        if r.status == 200 and r.data and r.data.get("next_cursor"):
            c.call(oid, f"{base}?from=0&to={T0 + 86_400_000}&limit=2&cursor={r.data['next_cursor']}",
                   creds=reporter, expect=200)
        c.call(oid, f"{base}?vault=eth-put", creds=reporter, expect=200)
        r = c.call(oid, f"{base}?format=csv&limit=1000", creds=reporter, expect=200)
        if r.status == 200 and hasattr(r, "text"):
            rows = list(csv.reader(io.StringIO(r.text)))
            if not rows or not rows[0]:
                c.fail(oid, "the CSV has no header row")
        c.call(oid, f"{base}?limit=1001", creds=reporter, expect=400)
        c.call(oid, base, creds=maker, expect=403)

    # every signed operation refuses an unsigned request; every role-restricted one refuses
    # an account without its roles
    for oid, (method, template, op) in c.ops.items():
        if op.get("security") == [] or oid not in c.called:
            continue
        path, body = c.called[oid]
        if {} not in op.get("security", [{"x": 1}]):
            c.call(oid, path, body, expect=401)
        roles = roles_of(op)
        if roles and not {"any", "none", "owner"} & set(roles):
            other = next(n for n, rs in (("maker", ["maker"]), ("buyer", ["buyer", "depositor"]),
                                         ("oracle", ["oracle"]))
                         if not set(rs) & set(roles))
            c.call(oid, path, body, creds=creds[other], expect=403)


# ---- the route table and the JSON-RPC method table are documented ----

def test_every_route_and_method_is_documented():
    doc = load(OPENAPI)
    src = open(os.path.join(ROOT, "api", "rest.c")).read()
    routes = re.findall(r'\{"(GET|POST|PUT|PATCH|DELETE)",\s*"([^"]+)"', src)
    assert len(routes) > 20, routes
    documented = [(m, p) for _, (m, p, _) in operations(doc).items()]

    def fits(route, doc_path):
        a, b = route.strip("/").split("/"), doc_path.strip("/").split("/")
        return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b))

    problems = []
    for m, p in routes:
        if not any(dm == m and fits(p, dp) for dm, dp in documented):
            problems.append(f"route {m} {p} (api/rest.c) is not in docs/openapi.yaml")
    for dm, dp in documented:
        if not any(m == dm and fits(p, dp) for m, p in routes):
            problems.append(f"documented {dm} {dp} is not in api/rest.c's route table")
    adoc = load(ASYNCAPI)
    titles = {op.get("title") for op in adoc["operations"].values()}
    rpc = open(os.path.join(ROOT, "api", "jsonrpc.c")).read()
    names = re.findall(r'\{"([a-z_/]+)",\s*(?:RPC_FLAG|0\s*,)', rpc)
    assert len(names) > 8, names
    for name in names:
        if name.startswith("operator/"):
            continue  # internal: reached through POST /v1/admin/vaults/{id}/auctions and /cycle
        if name not in titles:
            problems.append(f"JSON-RPC method {name} (api/jsonrpc.c) is not in docs/asyncapi.yaml")
    for p in problems:
        print(p)
    assert not problems, f"{len(problems)} problems"


# ---- WebSocket: replies and notifications against the AsyncAPI messages ----

def async_messages(adoc, refs):
    return [deref(adoc, m) for m in refs]


def check_payload(adoc, what, messages, payload, failures):
    """payload must validate against one of messages' payload schemas."""
    errors = []
    for m in messages:
        errs = validate(adoc, m["payload"], payload)
        if not errs:
            return m
        errors.append((m.get("name"), errs[:5]))
    failures.append(f"{what}: {json.dumps(payload)[:300]} fits none of {errors}")
    return None


def test_websocket_messages_match_asyncapi():
    adoc = load(ASYNCAPI)
    srv = Server("optdesk-apidocs-ws-")
    failures = []
    try:
        admin = srv.client(srv.admin)

        def mk(name, roles):
            r = admin.post("/v1/admin/accounts", {"name": name, "roles": roles})
            assert r.status == 201, r
            return r.json()

        oracle, operator, maker, dep = (mk("oracle", ["oracle"]), mk("operator", ["operator"]),
                                        mk("maker-a", ["maker"]), mk("dep", ["depositor"]))
        assert admin.post("/v1/admin/accounts/dep/credit", {"asset": "LBTC", "amount": "20"}).status == 200
        assert srv.client(dep).post("/v1/vaults/lbtc-maxi/deposit", {"assets": "10"}).status == 200

        def feed():
            o = srv.client(oracle)
            assert o.post("/v1/oracles/spot", {"underlying": "BTC", "price": "60000"}).status == 200
            assert o.post("/v1/oracles/surface", {"underlying": "BTC", "expiry": EXPIRY, "rate": "0.01",
                                                  "iv": "0.5"}).status == 200
        feed()
        legs = [{"instrument_name": f"BTC-{EXPIRY}-56000-P", "direction": "sell"},
                {"instrument_name": f"BTC-{EXPIRY}-54000-P", "direction": "buy"}]
        r = srv.client(operator).post("/v1/admin/vaults/lbtc-maxi/auctions", {"legs": legs, "amount": "2"})
        assert r.status == 201, r

        ops = adoc["operations"]
        by_title = {op["title"]: op for op in ops.values()}
        notif = {name: async_messages(adoc, op["messages"]) for name, op in
                 (("rfqs", ops["sendRfqs"]), ("quotes", ops["sendQuotes"]),
                  ("trades", ops["sendTrades"]), ("auction", ops["sendAuction"]))}

        def channel_kind(ch):
            return "auction" if ch.startswith("auction.") else ch.rsplit(".", 1)[1]

        seen_kinds = set()
        snapshots = []

        def check_notification(m):
            ch = m.get("params", {}).get("channel", "")
            if m.get("params", {}).get("snapshot"):
                snapshots.append(ch)
            kind = channel_kind(ch) if "." in ch else None
            if kind not in notif:
                failures.append(f"notification on an undocumented channel: {json.dumps(m)[:200]}")
                return
            if check_payload(adoc, f"notification {ch}", notif[kind], m, failures):
                seen_kinds.add(kind)

        async def rpc(ws, title, params=None, expect_error=None):
            op = by_title[title]
            req_msgs = async_messages(adoc, op["messages"])
            msg = {"jsonrpc": "2.0", "id": ws.next_id, "method": title}
            if params is not None:
                msg["params"] = params
            check_payload(adoc, f"{title} request (as the test sends it)", req_msgs, msg, failures)
            reply = await ws.call(title, params)
            check_payload(adoc, f"{title} reply", async_messages(adoc, op["reply"]["messages"]),
                          reply, failures)
            if expect_error is None and "error" in reply:
                failures.append(f"{title}: unexpected error {reply['error']}")
            if expect_error is not None and (reply.get("error") or {}).get("code") != expect_error:
                failures.append(f"{title}: expected error {expect_error}, got {json.dumps(reply)[:200]}")
            while ws.pending:
                check_notification(ws.pending.pop(0))
            return reply

        async def session():
            ws = await WsClient(srv.ws).connect()
            try:
                await rpc(ws, "private/poll_rfqs", {}, expect_error=14015)
                await rpc(ws, "public/get_time")
                ts = int(time.time() * 1000)
                await rpc(ws, "public/login", {"api_key": maker["api_key"], "timestamp": ts,
                                               "signature": "0" * 64}, expect_error=14014)
                await rpc(ws, "public/login", {"api_key": maker["api_key"], "timestamp": ts,
                                               "signature": harness.sign(maker["secret"], ts, "GET", "/ws")})
                chans = ["maker-a.rfqs", "maker-a.quotes", "maker-a.trades", "auction.lbtc-maxi"]
                await rpc(ws, "subscribe", {"channels": chans + ["nope.x", "other.rfqs"]})
                while len(snapshots) < 4:  # each accepted channel starts with a snapshot
                    check_notification(await ws.notification())
                rfqs = (await rpc(ws, "private/poll_rfqs", {}))["result"]["rfqs"]
                assert rfqs, "no open RFQ"
                rfq = rfqs[0]
                now = T0
                tau = 7 * 86_400_000 / 1000 / 31_536_000
                p2 = math.ceil(bs_put(60000, 54000, tau, 0.5, 0.01) * 100) / 100
                credit = math.ceil((bs_put(60000, 56000, tau, 0.5, 0.01) - p2) * 1.02 * 100) / 100

                def quote(nonce, extra=0.0):
                    ls = []
                    for leg in rfq["legs"]:
                        price = p2 + credit + extra if leg["direction"] == "sell" else p2
                        ls.append(dict(leg, price=f"{price:.2f}"))
                    return {"rfq_id": rfq["rfq_id"], "direction": "sell", "legs": ls, "max_fee": "0",
                            "nonce": nonce, "signature_expiry_sec": now // 1000 + 600, "label": "docs"}

                q1 = (await rpc(ws, "private/send_quote", quote(1, 5)))["result"]
                await rpc(ws, "private/send_quote", quote(1), expect_error=11017)
                await rpc(ws, "private/send_quote", dict(quote(2), rfq_id="999999"), expect_error=11101)
                await rpc(ws, "private/get_quotes", {"rfq_id": rfq["rfq_id"]})
                r = await rpc(ws, "private/replace_quote", dict(quote(3, 1), quote_id_to_cancel=q1["quote_id"]))
                q3 = r["result"]["quote"]
                await rpc(ws, "private/cancel_quote", {"quote_id": q3["quote_id"]})
                await rpc(ws, "private/cancel_quote", {"quote_id": q3["quote_id"]}, expect_error=-32602)
                await rpc(ws, "private/send_quote", quote(4))
                await rpc(ws, "private/cancel_batch_quotes", {"label": "nothing-has-this"})
                await rpc(ws, "private/set_cancel_on_disconnect", {"enabled": False})
                # a fill: past the 15 s grace on the business clock the quote wins the lot
                r = admin.post("/v1/admin/clock", {"now_ms": T0 + 16_000})
                assert r.status == 200, r
                feed()
                deadline = time.time() + 10
                while "trades" not in seen_kinds and time.time() < deadline:
                    try:
                        check_notification(await ws.notification(timeout=1))
                    except asyncio.TimeoutError:
                        pass
                if "trades" not in seen_kinds:
                    failures.append("no fill was notified on maker-a.trades")
                await rpc(ws, "private/cancel_batch_quotes", {})
                await rpc(ws, "unsubscribe", {"channels": ["maker-a.quotes", "never.rfqs"]})
                reply = await ws.call("public/nope", {})
                check_payload(adoc, "unknown method reply", [adoc["components"]["messages"]["errorReply"]],
                              reply, failures)
                if (reply.get("error") or {}).get("code") != -32601:
                    failures.append(f"unknown method: expected -32601, got {reply}")
            finally:
                await ws.close()

        harness.run(session())
        for kind in ("rfqs", "quotes", "trades", "auction"):
            if kind not in seen_kinds:
                failures.append(f"no valid notification seen on a {kind} channel")
        for f in failures:
            print("FAIL", f)
        assert not failures, f"{len(failures)} WebSocket messages do not fit docs/asyncapi.yaml"
    finally:
        srv.close()
