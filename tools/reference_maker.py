#!/usr/bin/env python3
"""Reference market maker for optdesk's vault RFQ desk (SPEC 4, market-maker protocol).

Logs in over the WebSocket JSON-RPC API, turns cancel-on-disconnect on, subscribes to its
`.rfqs`, `.quotes` and `.trades` channels and answers every open RFQ with one quote:

    credit per spread = mark_credit * (1 - edge)      (edge < 0 bids above the mark)
    spot order (LBTC-USDC, stage 4): spot * (1 + spot_edge) when the vault buys,
                                     spot * (1 - spot_edge) when it sells

where the marks are Black–Scholes values on the oracle's spot, IV and rate (REST, signed).
Buy legs (from the vault's side) are quoted at their mark rounded UP to the 0.01 tick, the
other sell legs at their mark rounded DOWN, and the first sell leg (K1) at the target credit
plus those, rounded DOWN: the credit is on tick, never above the target and less than one
tick below it. The quote is replaced when the mark credit moves more than `requote_pct`, or
sent again when it expired / was cancelled while its RFQ is still open.

    tools/reference_maker.py --http http://127.0.0.1:8080 --ws ws://127.0.0.1:8081/ws \\
        --creds maker.json --edge 0.05 --name a [--seconds N]

maker.json holds {"api_key", "secret"} (as POST /v1/admin/accounts returned them). One
logfmt line per event on stderr; the secret is never logged. Loopback addresses only unless
--allow-remote. Debian's python3 + python3-websockets 10.4, standard library otherwise."""
import argparse
import asyncio
import datetime
import hashlib
import hmac
import inspect
import ipaddress
import json
import math
import random
import re
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

TICK = Decimal("0.01")

# JSON-RPC error codes (docs/API.md)
RATE_LIMITED = -32000
UNAVAILABLE = -32001
BAD_PARAMS = -32602
RFQ_NOT_FOUND = 11101
LEGS_MISMATCH = 11103
RFQ_NOT_OPEN = 11104
NONCE_REUSED = 11017
LOGIN_REFUSED = 14014


# ---------------------------------------------------------------------------------------
# Pure helpers (pricing, signing)


def sign(secret, ts, method, path, body=b""):
    """hex HMAC-SHA256(secret, str(ts) + METHOD + path-with-query + body), as the server."""
    msg = str(ts).encode() + method.encode() + path.encode() + body
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def login_params(creds, ts_ms=None):
    ts = int(time.time() * 1000) if ts_ms is None else int(ts_ms)
    return {"api_key": creds["api_key"], "timestamp": ts,
            "signature": sign(creds["secret"], ts, "GET", "/ws")}


# Stage 4's spot pair (e.g. LBTC-USDC); its mark is the oracle's spot of the underlying.
_SPOT_PAIR = re.compile(r"^(?P<b>[A-Z0-9]{1,10})-USDC$")
SPOT_ORACLE = {"LBTC": "BTC", "WBTC": "BTC", "WETH": "ETH"}


def spot_underlying(name):
    """The oracle underlying of a spot pair name, or None when it is not one."""
    m = _SPOT_PAIR.match(name or "")
    return SPOT_ORACLE.get(m["b"], m["b"]) if m else None


def spot_quote(leg, mark, spot_edge):
    """A one-leg spot RFQ: the maker sells the vault collateral above the mark (the vault
    buys) or buys it below the mark (the vault sells), spot_edge away, on the 0.01 tick."""
    e = dec(spot_edge)
    if vault_sign(leg) < 0:
        return ceil_tick(dec(mark) * (1 + e))
    return floor_tick(dec(mark) * (1 - e))


def mark_credit_of(legs, marks):
    """What the quote's mark is tracked by: a spot order's mark, a spread's mark credit."""
    if len(legs) == 1 and spot_underlying(legs[0].get("instrument_name")):
        return dec(marks[0])
    return sum(vault_sign(l) * dec(m) for l, m in zip(legs, marks))


_INSTRUMENT = re.compile(
    r"^(?P<u>[A-Z0-9_]+(?:-[A-Z0-9_]+)*?)-(?P<e>\d{8})-(?P<k>\d+(?:\.\d+)?)-(?P<t>[PC])$")


def parse_instrument(name):
    """UNDERLYING-YYYYMMDD-STRIKE-P|C → (underlying, "YYYYMMDD", strike string, "P"|"C")."""
    m = _INSTRUMENT.match(name or "")
    if not m:
        raise ValueError(f"not an option instrument: {name!r}")
    return m["u"], m["e"], m["k"], m["t"]


def norm_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def bs_value(kind, spot, strike, tau, iv, rate):
    """Black–Scholes value on the spot: put K e^{-rτ} N(-d2) - S N(-d1) (call by parity)."""
    df = math.exp(-rate * max(tau, 0.0))
    s = iv * math.sqrt(max(tau, 0.0))
    if not s > 0:
        return max(strike * df - spot, 0.0) if kind == "P" else max(spot - strike * df, 0.0)
    d1 = (math.log(spot / strike) + rate * tau) / s + 0.5 * s
    d2 = d1 - s
    if kind == "P":
        return strike * df * norm_cdf(-d2) - spot * norm_cdf(-d1)
    return spot * norm_cdf(d1) - strike * df * norm_cdf(d2)


def vault_sign(leg):
    """+1 for a leg the vault sells (it receives the price), -1 for a leg it buys."""
    d = leg.get("direction")
    if d == "sell":
        return 1
    if d == "buy":
        return -1
    raise ValueError(f"bad leg direction {d!r}")


def dec(x):
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError("non-finite price")
        return Decimal(f"{x:.8f}")
    return Decimal(str(x))


def floor_tick(x):
    return x.quantize(TICK, rounding=ROUND_FLOOR)


def ceil_tick(x):
    return x.quantize(TICK, rounding=ROUND_CEILING)


def quote_prices(legs, marks, edge):
    """Prices on the 0.01 tick for `legs` (vault side) given each leg's mark.

    Returns (prices, credit, mark_credit, target) as Decimals, target = mark_credit·(1−edge),
    target − 0.01 < credit ≤ target. Buy legs: mark rounded up; sell legs other than the
    first: mark rounded down; the first sell leg absorbs the edge, rounded down."""
    signs = [vault_sign(leg) for leg in legs]
    marks = [dec(m) for m in marks]
    if len(marks) != len(legs):
        raise ValueError("one mark per leg")
    if 1 not in signs:
        raise ValueError("no leg the vault sells")
    mc = sum(s * m for s, m in zip(signs, marks))
    target = mc * (Decimal(1) - dec(edge))
    anchor = signs.index(1)
    prices = [None] * len(legs)
    rest = Decimal(0)
    for i, (s, m) in enumerate(zip(signs, marks)):
        if i == anchor:
            continue
        prices[i] = ceil_tick(m) if s < 0 else floor_tick(m)
        rest += s * prices[i]
    prices[anchor] = floor_tick(target - rest)
    credit = sum(s * p for s, p in zip(signs, prices))
    return prices, credit, mc, target


def quote_credit(legs):
    """The vault's credit per spread of priced legs."""
    return sum(vault_sign(leg) * Decimal(str(leg["price"])) for leg in legs)


def is_loopback_url(url):
    host = urllib.parse.urlsplit(url).hostname
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def retry_after_ms(err, default=1000):
    data = err.get("data")
    if isinstance(data, dict) and isinstance(data.get("retry_after_ms"), (int, float)):
        return max(0, int(data["retry_after_ms"]))
    m = re.search(r"retry after (\d+) ?ms", str(err.get("message", "")))
    return int(m.group(1)) if m else default


def _logfmt_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        s = f"{v:.6g}"
    else:
        s = str(v)
    if len(s) > 200:
        s = s[:200] + "…"
    if s == "" or any(c in s for c in ' ="\n\r\t'):
        s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
        s = '"' + s + '"'
    return s


class RpcError(Exception):
    def __init__(self, code, message, data=None):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.data = data


class LoginRefused(Exception):
    pass


class ConnectionLost(Exception):
    pass


class OracleError(Exception):
    pass


# ---------------------------------------------------------------------------------------
# Oracle REST client (blocking; called through asyncio.to_thread)


class OracleClient:
    def __init__(self, base_url, creds, timeout=5.0):
        parts = urllib.parse.urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path.rstrip("/")
        self.creds = creds
        self.timeout = timeout
        # never through a proxy: the service is on loopback (or explicitly allowed)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def get(self, path, query):
        target = self.prefix + path + "?" + urllib.parse.urlencode(query)
        ts = int(time.time() * 1000)
        req = urllib.request.Request(self.origin + target, method="GET", headers={
            "X-Api-Key": self.creds["api_key"], "X-Timestamp": str(ts),
            "X-Signature": sign(self.creds["secret"], ts, "GET", target)})
        try:
            with self.opener.open(req, timeout=self.timeout) as r:
                body = r.read(1 << 20)
        except urllib.error.HTTPError as e:
            detail = e.read(4096).decode("utf-8", "replace")
            try:
                detail = json.loads(detail)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                pass
            raise OracleError(f"GET {path} {e.code} {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            raise OracleError(f"GET {path} {e}") from None
        try:
            return json.loads(body)
        except ValueError:
            raise OracleError(f"GET {path}: not JSON") from None

    def spot(self, underlying):
        return float(self.get("/v1/oracles/spot", {"underlying": underlying})["price"])

    def iv(self, underlying, expiry, strike):
        r = self.get("/v1/oracles/iv", {"underlying": underlying, "expiry": expiry,
                                        "strike": strike})
        return float(r["iv"]), float(r["tau"]), float(r["rate"])


# ---------------------------------------------------------------------------------------


class _Rfq:
    """What the maker knows of one open RFQ and its own quote on it."""

    def __init__(self, rfq):
        self.rfq = rfq
        self.quote_id = None  # the live quote's id as the server sent it
        self.quoted_mc = None  # mark credit the live quote was priced on
        self.quote_expiry_sec = None
        self.replace_reason = None  # set: replace the live quote on the next pass
        self.next_try = 0.0  # monotonic: not before
        self.failures = 0
        self.count = 0  # quotes sent for this RFQ
        self.done = False  # filled, or given up


class ReferenceMaker:
    """A reference market maker; `await maker.run(stop_event)` until the event is set.

    creds: {"api_key","secret"}. edge: fraction of the mark credit kept (0.05: credit =
    95 % of the mark). price_fn(rfq) → (mark of the leg the vault sells, mark of the leg it
    buys) (or {instrument_name: mark}; may be async) replaces the oracle marks.
    Observable: .account, .quotes (one dict per quote sent), .fills (trades), .errors,
    .logins, .connected (event set while a session is logged in and subscribed)."""

    def __init__(self, http_url, ws_url, creds, edge, name, requote_pct=0.02, price_fn=None, *,
                 allow_remote=False, mark_interval=2.0, quote_ttl_s=600, refresh_margin_s=60,
                 call_timeout=10.0, max_rate_retries=5, max_retry_after_ms=30000,
                 backoff_initial=0.2, backoff_max=10.0, max_rfqs=1000, max_queue=10000,
                 max_quotes_per_rfq=200, max_records=100000, log_stream=None, spot_edge=0.002):
        if not allow_remote:
            for u in (http_url, ws_url):
                if not is_loopback_url(u):
                    raise ValueError(f"{u}: not a loopback address (allow_remote=True to allow)")
        if not (isinstance(creds, dict) and creds.get("api_key") and creds.get("secret")):
            raise ValueError("creds need api_key and secret")
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", str(name)):
            raise ValueError("name: 1-32 of A-Z a-z 0-9 _ . -")
        self.http_url = http_url
        self.ws_url = ws_url
        self._creds = creds
        self.edge = Decimal(str(edge))
        if not Decimal(-10) < self.edge < Decimal(1):
            raise ValueError("edge must be in (-10, 1)")
        self.spot_edge = Decimal(str(spot_edge))
        if not Decimal(0) <= self.spot_edge < Decimal("0.015"):
            raise ValueError("spot_edge must be in [0, 0.015): the vault's limit is 1.5 % from the mark")
        self.name = str(name)
        self.label = f"ref-{self.name}"
        self.requote_pct = float(requote_pct)
        self.price_fn = price_fn
        self.mark_interval = float(mark_interval)
        self.quote_ttl_s = int(quote_ttl_s)
        self.refresh_margin_s = int(refresh_margin_s)
        self.call_timeout = float(call_timeout)
        self.max_rate_retries = int(max_rate_retries)
        self.max_retry_after_ms = int(max_retry_after_ms)
        self.backoff_initial = float(backoff_initial)
        self.backoff_max = float(backoff_max)
        self.max_rfqs = int(max_rfqs)
        self.max_queue = int(max_queue)
        self.max_quotes_per_rfq = int(max_quotes_per_rfq)
        self.max_records = int(max_records)
        self.log_stream = log_stream
        self.oracle = OracleClient(http_url, creds)

        self.account = None
        self.quotes = []
        self.fills = []
        self.errors = []
        self.logins = 0
        self.connected = asyncio.Event()
        self._trade_ids = set()
        self._nonce = time.time_ns() // 1000  # µs: unique across restarts, < 2^53
        self._rfqs = {}  # str(rfq_id) → _Rfq
        self._open_quotes = {}  # str(quote_id) → quote object (ours, open)
        self._closed_quotes = set()
        self._closed_order = []
        self._ws = None
        self._pending = {}
        self._next_id = 1
        self._queue = None
        self._not_before = 0.0  # monotonic: rate-limit gate
        self._stop = None
        self._seq = {}
        self._resync = set()
        self._overflow = False

    # --- logging and records ---------------------------------------------------------

    def log(self, level, event, **fields):
        now = datetime.datetime.now(datetime.timezone.utc)
        line = f"ts={now.strftime('%Y-%m-%dT%H:%M:%S')}.{now.microsecond // 1000:03d}Z " \
               f"level={level} event={event} maker={self.name}"
        for k, v in fields.items():
            if v is not None:
                line += f" {k}={_logfmt_value(v)}"
        stream = self.log_stream if self.log_stream is not None else sys.stderr
        try:
            stream.write(line + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass

    def _record(self, lst, item):
        lst.append(item)
        if len(lst) > self.max_records:
            del lst[: len(lst) - self.max_records]

    def _error(self, where, code=None, message=None, data=None, **extra):
        e = {"where": where, "code": code, "message": message, "data": data,
             "time": time.time()}
        e.update(extra)
        self._record(self.errors, e)

    # --- the run loop -----------------------------------------------------------------

    async def run(self, stop_event):
        """Runs until stop_event is set; reconnects with back-off. Raises LoginRefused when
        the server refuses the credentials themselves (retrying cannot help)."""
        self._stop = stop_event
        delay = self.backoff_initial
        while not stop_event.is_set():
            started = time.monotonic()
            reason = "stopped"
            try:
                await self._session()
            except LoginRefused as e:
                self.log("error", "login_refused", reason=str(e))
                raise
            except (ConnectionLost, RpcError, OSError, asyncio.TimeoutError) as e:
                reason = f"{type(e).__name__}: {e}"
            except Exception as e:  # noqa: BLE001 - websockets' own exceptions, bad replies
                reason = f"{type(e).__name__}: {e}"
            finally:
                self.connected.clear()
            if stop_event.is_set():
                break
            if time.monotonic() - started > 30:
                delay = self.backoff_initial
            wait = delay * (0.75 + 0.5 * random.random())
            self.log("warn", "disconnected", reason=reason, reconnect_in_s=round(wait, 3))
            self._error("connection", message=reason)
            try:
                await asyncio.wait_for(stop_event.wait(), wait)
            except asyncio.TimeoutError:
                pass
            delay = min(delay * 2, self.backoff_max)
        self.log("info", "stopped", quotes=len(self.quotes), fills=len(self.fills),
                 errors=len(self.errors))

    async def _session(self):
        import websockets
        self.log("info", "connecting", url=self.ws_url)
        ws = await websockets.connect(self.ws_url, open_timeout=10, close_timeout=2,
                                      ping_interval=10, ping_timeout=20, max_size=16 << 20,
                                      max_queue=64)
        self._ws = ws
        self._queue = asyncio.Queue(self.max_queue)
        self._overflow = False
        self._seq.clear()
        self._resync.clear()
        self._pending = {}
        reader = asyncio.create_task(self._reader(ws))
        get_task = None
        try:
            res = await self._login()
            self.account = str(res.get("account") if isinstance(res, dict) else "") or None
            if not self.account:
                raise ConnectionLost("login result without account")
            self.logins += 1
            self.log("info", "logged_in", account=self.account)
            await self._call("private/set_cancel_on_disconnect", {"enabled": True})
            # a new session starts from the server's word: the snapshots and get_quotes
            self._rfqs.clear()
            self._open_quotes.clear()
            channels = [self.account + ".rfqs", self.account + ".quotes",
                        self.account + ".trades"]
            sub = await self._call("subscribe", {"channels": channels})
            status = (sub or {}).get("status", {}) if isinstance(sub, dict) else {}
            refused = {c: status.get(c) for c in channels if status.get(c, "ok") != "ok"}
            if refused:
                self._error("subscribe", message="refused", data=refused)
                raise ConnectionLost(f"subscribe refused: {refused}")
            self.log("info", "subscribed", channels=",".join(channels))
            await self._sync_quotes()
            self.connected.set()
            next_mark = 0.0
            while not self._stop.is_set():
                if get_task is None:
                    get_task = asyncio.ensure_future(self._queue.get())
                timeout = max(0.0, min(0.5, next_mark - time.monotonic()))
                done, _ = await asyncio.wait({get_task, reader}, timeout=timeout,
                                             return_when=asyncio.FIRST_COMPLETED)
                if get_task in done:
                    msg = get_task.result()
                    get_task = None
                    self._on_message(msg)
                    while not self._queue.empty():
                        self._on_message(self._queue.get_nowait())
                if self._overflow:
                    raise ConnectionLost("notification queue overflow")
                if reader.done() and self._queue.empty():
                    raise ConnectionLost("connection closed")
                if self._resync:
                    await self._do_resync()
                if time.monotonic() >= next_mark:
                    await self._mark_cycle()
                    next_mark = time.monotonic() + self.mark_interval
                await self._service()
            # stopping: take our quotes down politely (cancel-on-disconnect would anyway)
            try:
                r = await self._call("private/cancel_batch_quotes", {}, timeout=2,
                                     rate_retries=0)
                self.log("info", "quotes_cancelled",
                         count=len((r or {}).get("cancelled_ids", []))
                         if isinstance(r, dict) else None)
            except (RpcError, ConnectionLost, asyncio.TimeoutError) as e:
                self.log("warn", "cancel_on_stop_failed", reason=str(e))
        finally:
            if get_task is not None:
                get_task.cancel()
            reader.cancel()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionLost("session ended"))
            self._pending = {}
            try:
                await asyncio.wait_for(ws.close(), 3)
            except Exception:  # noqa: BLE001
                pass
            self._ws = None

    async def _reader(self, ws):
        try:
            async for raw in ws:
                try:
                    m = json.loads(raw)
                except ValueError:
                    self.log("warn", "bad_message", reason="not JSON")
                    continue
                if not isinstance(m, dict):
                    continue
                if m.get("method") == "subscription":
                    try:
                        self._queue.put_nowait(m)
                    except asyncio.QueueFull:
                        self._overflow = True
                        return
                    continue
                rid = m.get("id")
                fut = self._pending.get(rid) if isinstance(rid, (int, str)) else None
                if fut is not None and not fut.done():
                    fut.set_result(m)
                elif "error" in m:
                    err = m["error"] if isinstance(m["error"], dict) else {}
                    self._error("unsolicited", err.get("code"), err.get("message"))
                    self.log("warn", "rpc_error", code=err.get("code"),
                             message=err.get("message"))
        except Exception as e:  # noqa: BLE001 - connection closed
            self.log("info", "connection_closed", reason=f"{type(e).__name__}: {e}")
        finally:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionLost("connection closed"))

    async def _login(self):
        for attempt in range(5):
            try:
                return await self._call("public/login", login_params(self._creds))
            except RpcError as e:
                reason = e.data.get("reason") if isinstance(e.data, dict) else None
                if e.code == LOGIN_REFUSED and reason in ("stale_timestamp",
                                                          "invalid_timestamp"):
                    await self._sleep(0.5 * (attempt + 1))
                    continue
                if e.code == LOGIN_REFUSED:
                    raise LoginRefused(reason or e.message) from None
                raise
        raise ConnectionLost("login: timestamp refused 5 times")

    async def _sleep(self, seconds):
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _call(self, method, params=None, timeout=None, rate_retries=None):
        """One JSON-RPC call; waits out -32000 rate limits (bounded); raises RpcError."""
        if self._ws is None:
            raise ConnectionLost("not connected")
        retries = self.max_rate_retries if rate_retries is None else rate_retries
        loop = asyncio.get_running_loop()
        for attempt in range(retries + 1):
            gate = self._not_before - time.monotonic()
            if gate > 0:
                await self._sleep(gate)
                if self._stop.is_set() and method != "private/cancel_batch_quotes":
                    raise ConnectionLost("stopping")
            rid = self._next_id
            self._next_id += 1
            msg = {"jsonrpc": "2.0", "id": rid, "method": method}
            if params is not None:
                msg["params"] = params
            fut = loop.create_future()
            self._pending[rid] = fut
            try:
                await self._ws.send(json.dumps(msg))
                reply = await asyncio.wait_for(fut, timeout or self.call_timeout)
            except asyncio.TimeoutError:
                raise ConnectionLost(f"{method}: no reply") from None
            finally:
                self._pending.pop(rid, None)
            if "error" not in reply:
                return reply.get("result")
            err = reply["error"] if isinstance(reply["error"], dict) else {}
            code, message = err.get("code"), err.get("message")
            self._error(method, code, message, err.get("data"))
            if code == RATE_LIMITED:
                wait_ms = min(retry_after_ms(err), self.max_retry_after_ms)
                self._not_before = max(self._not_before, time.monotonic() + wait_ms / 1000)
                self.log("warn", "rate_limited", method=method, retry_after_ms=wait_ms,
                         attempt=attempt + 1)
                if attempt < retries:
                    continue
            elif code == UNAVAILABLE and attempt < min(retries, 2):
                self.log("warn", "unavailable", method=method, attempt=attempt + 1)
                await self._sleep(0.5 * (attempt + 1))
                continue
            raise RpcError(code, message, err.get("data"))
        raise RpcError(RATE_LIMITED, "rate limited: retries exhausted")

    # --- notifications ----------------------------------------------------------------

    def _on_message(self, m):
        p = m.get("params") if isinstance(m.get("params"), dict) else {}
        channel = p.get("channel")
        data = p.get("data")
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            data = []
        snapshot = bool(p.get("snapshot"))
        seq = p.get("seq")
        if isinstance(seq, int):
            last = self._seq.get(channel)
            if not snapshot and last is not None and seq != last + 1:
                self.log("warn", "seq_gap", channel=channel, expected=last + 1, got=seq)
                self._resync.add(channel)
            self._seq[channel] = seq
        if not self.account or not isinstance(channel, str):
            return
        if channel == self.account + ".rfqs":
            self._on_rfqs(data, snapshot)
        elif channel == self.account + ".quotes":
            self._on_quotes(data)
        elif channel == self.account + ".trades":
            self._on_trades(data)

    def _on_rfqs(self, data, snapshot):
        seen = set()
        for r in data:
            if not isinstance(r, dict) or r.get("rfq_id") is None:
                continue
            key = str(r["rfq_id"])
            st = self._rfqs.get(key)
            if r.get("status", "open") == "open":
                seen.add(key)
                if st is None:
                    if len(self._rfqs) >= self.max_rfqs:
                        self.log("warn", "rfq_ignored", rfq_id=key, reason="too_many_rfqs")
                        continue
                    st = self._rfqs[key] = _Rfq(r)
                    self.log("info", "rfq_seen", rfq_id=key, vault_id=r.get("vault_id"),
                             legs=";".join(f"{l.get('direction')}:{l.get('instrument_name')}:"
                                           f"{l.get('amount')}" for l in r.get("legs", [])
                                           if isinstance(l, dict)),
                             valid_until=r.get("valid_until"))
                    self._adopt(st)
                else:
                    if r.get("legs") != st.rfq.get("legs") and st.quote_id is not None:
                        st.replace_reason = "legs_changed"
                    st.rfq = r
            elif st is not None:
                del self._rfqs[key]
                self.log("info", "rfq_closed", rfq_id=key, status=r.get("status"),
                         filled_pct=r.get("filled_pct"))
        if snapshot:
            for key in [k for k in self._rfqs if k not in seen]:
                del self._rfqs[key]
                self.log("info", "rfq_closed", rfq_id=key, status="gone")

    def _forget_quote(self, qkey):
        self._open_quotes.pop(qkey, None)
        if qkey not in self._closed_quotes:
            self._closed_quotes.add(qkey)
            self._closed_order.append(qkey)
            if len(self._closed_order) > 10000:
                self._closed_quotes.discard(self._closed_order.pop(0))

    def _adopt(self, st):
        """Takes over an open quote of ours the server still holds for this RFQ."""
        if st.quote_id is not None:
            return
        key = str(st.rfq.get("rfq_id"))
        for q in self._open_quotes.values():
            if str(q.get("rfq_id")) == key and str(q.get("label", self.label)) == self.label:
                st.quote_id = q.get("quote_id")
                try:
                    credit = quote_credit(q.get("legs", []))
                    one = Decimal(1) - self.edge
                    st.quoted_mc = credit / one if one != 0 else credit
                except (ValueError, KeyError, TypeError, InvalidOperation):
                    st.quoted_mc = None
                    st.replace_reason = "adopted_unpriced"
                st.quote_expiry_sec = q.get("signature_expiry_sec")
                self.log("info", "quote_adopted", rfq_id=key, quote_id=st.quote_id)
                return

    def _on_quotes(self, data):
        for q in data:
            if not isinstance(q, dict) or q.get("quote_id") is None:
                continue
            qkey = str(q["quote_id"])
            status = q.get("status")
            st = self._rfqs.get(str(q.get("rfq_id")))
            mine = st is not None and st.quote_id is not None and str(st.quote_id) == qkey
            if status == "open":
                if qkey in self._closed_quotes:
                    continue
                self._open_quotes[qkey] = q
                if len(self._open_quotes) > 10 * self.max_rfqs:
                    self._open_quotes.pop(next(iter(self._open_quotes)))
                if st is not None and not mine:
                    self._adopt(st)
                continue
            self._forget_quote(qkey)
            if not mine:
                continue
            self.log("info", "quote_status", rfq_id=q.get("rfq_id"), quote_id=qkey,
                     status=status, cancel_reason=q.get("cancel_reason"),
                     fill_pct=q.get("fill_pct"))
            if status == "filled":
                st.done = True
                st.quote_id = None
            elif status in ("cancelled", "expired"):
                st.quote_id = None
                st.replace_reason = None
                st.next_try = min(st.next_try, time.monotonic())

    def _on_trades(self, data):
        for t in data:
            if not isinstance(t, dict):
                continue
            tid = t.get("trade_id")
            key = str(tid) if tid is not None else json.dumps(t, sort_keys=True)
            if key in self._trade_ids:
                continue
            self._trade_ids.add(key)
            if len(self._trade_ids) > self.max_records:
                self._trade_ids.clear()
                self._trade_ids.update(str(f.get("trade_id")) for f in self.fills)
            self._record(self.fills, t)
            st = self._rfqs.get(str(t.get("rfq_id")))
            if st is not None:
                st.done = True
            self.log("info", "fill", trade_id=tid, rfq_id=t.get("rfq_id"),
                     quote_id=t.get("quote_id"), instrument=t.get("instrument_name"),
                     direction=t.get("direction"), amount=t.get("amount"),
                     price=t.get("price"))

    async def _sync_quotes(self):
        try:
            r = await self._call("private/get_quotes", {"status": "open"})
        except RpcError as e:
            self.log("warn", "get_quotes_failed", code=e.code, message=e.message)
            return
        qs = r.get("quotes", []) if isinstance(r, dict) else []
        self._on_quotes([q for q in qs if isinstance(q, dict)])
        # a quote we thought open but the server does not list is gone
        listed = {str(q.get("quote_id")) for q in qs if isinstance(q, dict)}
        for st in self._rfqs.values():
            if st.quote_id is not None and str(st.quote_id) not in listed:
                self._forget_quote(str(st.quote_id))
                st.quote_id = None

    async def _do_resync(self):
        channels, self._resync = self._resync, set()
        if self.account + ".rfqs" in channels:
            try:
                r = await self._call("private/poll_rfqs", {})
                rfqs = r.get("rfqs", []) if isinstance(r, dict) else []
                self._on_rfqs([x for x in rfqs if isinstance(x, dict)
                               and x.get("status", "open") == "open"], snapshot=True)
            except RpcError as e:
                self.log("warn", "resync_failed", channel="rfqs", code=e.code)
        if self.account + ".quotes" in channels:
            await self._sync_quotes()

    # --- pricing and quoting ----------------------------------------------------------

    async def _marks(self, rfq, cache):
        legs = rfq.get("legs") or []
        try:
            if self.price_fn is not None:
                r = self.price_fn(rfq)
                if inspect.isawaitable(r):
                    r = await r
                if isinstance(r, dict):
                    return [dec(r[l["instrument_name"]]) for l in legs]
                r = list(r)
                signs = [vault_sign(l) for l in legs]
                if len(r) == 2 and sorted(signs) == [-1, 1]:
                    return [dec(r[0]) if s > 0 else dec(r[1]) for s in signs]
                if len(r) == len(legs):
                    return [dec(x) for x in r]
                raise ValueError("price_fn: one mark per leg")
            marks = []
            for leg in legs:
                su = spot_underlying(leg.get("instrument_name"))
                if su:
                    if ("spot", su) not in cache:
                        cache[("spot", su)] = await asyncio.to_thread(self.oracle.spot, su)
                    marks.append(dec(cache[("spot", su)]))
                    continue
                u, expiry, strike, kind = parse_instrument(leg.get("instrument_name"))
                if ("spot", u) not in cache:
                    cache[("spot", u)] = await asyncio.to_thread(self.oracle.spot, u)
                ik = ("iv", u, expiry, strike)
                if ik not in cache:
                    cache[ik] = await asyncio.to_thread(self.oracle.iv, u, expiry, strike)
                iv, tau, rate = cache[ik]
                marks.append(dec(bs_value(kind, cache[("spot", u)], float(strike), tau, iv,
                                          rate)))
            return marks
        except (OracleError, ValueError, KeyError, TypeError, InvalidOperation,
                ZeroDivisionError, OverflowError) as e:
            key = rfq.get("rfq_id")
            self._error("mark", message=f"{type(e).__name__}: {e}", rfq_id=key)
            self.log("warn", "mark_failed", rfq_id=key, reason=f"{type(e).__name__}: {e}")
            return None

    async def _business_now_ms(self):
        t = await self._call("public/get_time")
        if isinstance(t, dict):  # tolerate {"time": ms}
            t = t.get("time")
        if not isinstance(t, (int, float)):
            raise ConnectionLost(f"public/get_time: unexpected result {t!r}")
        return int(t)

    async def _mark_cycle(self):
        """Drops expired RFQs; flags quotes whose mark credit moved or that near expiry."""
        if not self._rfqs:
            return
        now_ms = await self._business_now_ms()
        for key in list(self._rfqs):
            st = self._rfqs[key]
            vu = st.rfq.get("valid_until")
            if isinstance(vu, (int, float)) and vu <= now_ms:
                del self._rfqs[key]
                self.log("info", "rfq_closed", rfq_id=key, status="valid_until_passed")
        cache = {}
        for key, st in list(self._rfqs.items()):
            if st.done or st.quote_id is None or st.replace_reason is not None:
                continue
            if isinstance(st.quote_expiry_sec, (int, float)) and \
                    now_ms // 1000 >= st.quote_expiry_sec - self.refresh_margin_s:
                st.replace_reason = "quote_expiring"
                continue
            marks = await self._marks(st.rfq, cache)
            if marks is None or key not in self._rfqs:
                continue
            try:
                mc = mark_credit_of(st.rfq["legs"], marks)
            except (ValueError, KeyError):
                continue
            if st.quoted_mc is None:
                st.replace_reason = "mark_unknown"
                continue
            moved = abs(mc - st.quoted_mc)
            if moved > Decimal(str(self.requote_pct)) * abs(st.quoted_mc):
                st.replace_reason = "mark_moved"
                self.log("info", "mark_moved", rfq_id=key, quoted_mark_credit=st.quoted_mc,
                         mark_credit=mc)

    async def _service(self):
        now = time.monotonic()
        cache = {}
        for key in list(self._rfqs):
            st = self._rfqs.get(key)
            if st is None or st.done or now < st.next_try:
                continue
            if st.quote_id is None or st.replace_reason is not None:
                if self._stop.is_set():
                    return
                await self._quote(st, cache)

    async def _quote(self, st, cache):
        key = str(st.rfq.get("rfq_id"))
        if st.count >= self.max_quotes_per_rfq:
            st.done = True
            self.log("warn", "rfq_given_up", rfq_id=key, reason="too_many_quotes")
            return
        legs = st.rfq.get("legs")
        if not isinstance(legs, list) or not legs or not all(isinstance(l, dict) for l in legs):
            st.done = True
            self.log("warn", "rfq_given_up", rfq_id=key, reason="bad_legs")
            return
        marks = await self._marks(st.rfq, cache)
        if marks is None:
            st.next_try = time.monotonic() + max(self.mark_interval, 0.5)
            return
        try:
            if len(legs) == 1 and spot_underlying(legs[0].get("instrument_name")):
                price = spot_quote(legs[0], marks[0], self.spot_edge)
                prices, credit, mc, target = [price], price, dec(marks[0]), price
            else:
                prices, credit, mc, target = quote_prices(legs, marks, self.edge)
        except (ValueError, InvalidOperation) as e:
            st.done = True
            self.log("warn", "rfq_given_up", rfq_id=key, reason=str(e))
            return
        if credit <= 0 or any(p < 0 for p in prices):
            st.next_try = time.monotonic() + 5 * max(self.mark_interval, 0.5)
            self.log("warn", "quote_skipped", rfq_id=key, reason="credit_not_positive",
                     mark_credit=mc, credit=credit)
            return
        now_ms = await self._business_now_ms()
        if key not in self._rfqs:  # closed while we asked
            return
        self._nonce = max(self._nonce + 1, time.time_ns() // 1000)
        expiry = now_ms // 1000 + self.quote_ttl_s
        params = {"rfq_id": st.rfq["rfq_id"], "direction": "sell",
                  "legs": [dict(l, price=str(p)) for l, p in zip(legs, prices)],
                  "max_fee": "0", "nonce": self._nonce, "signature_expiry_sec": expiry,
                  "label": self.label}
        replacing = st.quote_id is not None
        reason = st.replace_reason if replacing else ("requote" if st.count else "new_rfq")
        if replacing:
            method = "private/replace_quote"
            params = dict(params, quote_id_to_cancel=st.quote_id)
        else:
            method = "private/send_quote"
        st.count += 1
        try:
            res = await self._call(method, params)
        except RpcError as e:
            self.log("warn", "quote_refused", rfq_id=key, method=method, code=e.code,
                     message=e.message)
            if e.code in (RFQ_NOT_FOUND, RFQ_NOT_OPEN):
                self._rfqs.pop(key, None)
                return
            st.failures += 1
            if e.code == NONCE_REUSED:
                self._nonce += 1000
                st.next_try = time.monotonic()
            elif replacing and e.code not in (RATE_LIMITED, UNAVAILABLE, BAD_PARAMS,
                                              LEGS_MISMATCH):
                # the quote to replace is no longer open: send a fresh one next pass
                self._forget_quote(str(st.quote_id))
                st.quote_id = None
                st.replace_reason = None
                st.next_try = time.monotonic() + 0.2
            else:
                st.next_try = time.monotonic() + min(30.0, 0.5 * 2 ** st.failures)
            if st.failures > 10:
                st.done = True
                self.log("warn", "rfq_given_up", rfq_id=key, reason="too_many_failures")
            return
        quote = res.get("quote") if replacing and isinstance(res, dict) else res
        if not isinstance(quote, dict) or quote.get("quote_id") is None:
            self._error(method, message="reply without quote", data=res)
            raise ConnectionLost(f"{method}: reply without a quote")
        if replacing:
            self._forget_quote(str(st.quote_id))
        qkey = str(quote["quote_id"])
        st.quote_id = quote["quote_id"]
        st.quoted_mc = mc
        st.quote_expiry_sec = expiry
        st.replace_reason = None
        st.failures = 0
        st.next_try = time.monotonic() + 0.2  # never more than ~5 quotes/s per RFQ
        if quote.get("status", "open") == "open":
            self._open_quotes[qkey] = quote
        self._record(self.quotes, {"rfq_id": st.rfq["rfq_id"], "quote_id": quote["quote_id"],
                                   "method": method, "reason": reason, "params": params,
                                   "quote": quote, "credit": credit, "mark_credit": mc,
                                   "target": target})
        self.log("info", "quote_replaced" if replacing else "quote_sent", rfq_id=key,
                 quote_id=qkey, reason=reason, credit=credit, mark_credit=mc,
                 target=target.quantize(Decimal("0.000001")), nonce=self._nonce,
                 prices=",".join(str(p) for p in prices), expiry_sec=expiry)


# ---------------------------------------------------------------------------------------
# CLI


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--http", default="http://127.0.0.1:8080", help="REST base URL (oracle)")
    ap.add_argument("--ws", default="ws://127.0.0.1:8081/ws", help="WebSocket JSON-RPC URL")
    ap.add_argument("--creds", required=True, help="JSON file with api_key and secret")
    ap.add_argument("--edge", type=float, required=True,
                    help="fraction of the mark credit kept (0.05 → credit 95%% of mark)")
    ap.add_argument("--name", required=True, help="the quote label is ref-<name>")
    ap.add_argument("--spot-edge", type=float, default=0.002,
                    help="spot RFQs (stage 4): quote this fraction away from the spot")
    ap.add_argument("--requote-pct", type=float, default=0.02,
                    help="replace when the mark credit moved more than this fraction")
    ap.add_argument("--mark-interval", type=float, default=2.0, help="seconds between re-marks")
    ap.add_argument("--seconds", type=float, default=None, help="stop after N seconds")
    ap.add_argument("--allow-remote", action="store_true", help="allow non-loopback hosts")
    args = ap.parse_args(argv)
    try:
        with open(args.creds) as f:
            creds = json.load(f)
        creds = {"api_key": str(creds["api_key"]), "secret": str(creds["secret"])}
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"reference_maker: --creds {args.creds}: {type(e).__name__}", file=sys.stderr)
        return 2
    try:
        maker = ReferenceMaker(args.http, args.ws, creds, args.edge, args.name,
                               requote_pct=args.requote_pct, allow_remote=args.allow_remote,
                               mark_interval=args.mark_interval, spot_edge=args.spot_edge)
    except ValueError as e:
        print(f"reference_maker: {e}", file=sys.stderr)
        return 2

    async def go():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        if args.seconds is not None:
            loop.call_later(max(0.0, args.seconds), stop.set)
        maker.log("info", "started", http=args.http, ws=args.ws, edge=args.edge,
                  requote_pct=args.requote_pct, label=maker.label)
        try:
            await maker.run(stop)
        except LoginRefused:
            return 3
        return 0

    return asyncio.run(go())


if __name__ == "__main__":
    sys.exit(main())
