"""The market makers' WebSocket: JSON-RPC 2.0 framing, login, channels with snapshots and
seq, and bad input (malformed JSON, invalid UTF-8, oversized and binary frames, floods,
silence) — each gets a clear error and leaves the service healthy."""
import asyncio
import base64
import json
import os
import socket
import time

import harness
from harness import WsClient, run


def closed_code(exc):
    rcvd = getattr(exc, "rcvd", None)
    return rcvd.code if rcvd is not None else getattr(exc, "code", None)


def healthy(env):
    assert env.client().get("/healthz").status == 200
    async def ping():
        c = await WsClient(env.ws).connect()
        r = await c.call("public/get_time")
        await c.close()
        return r
    assert isinstance(run(ping())["result"], int)


def test_get_time_and_login(env):
    maker = env.new_account(["maker"])
    async def go():
        c = await WsClient(env.ws).connect()
        r = await c.call("public/get_time")
        assert isinstance(r["result"], int) and r["result"] >= env.state["manual_start_ms"]
        r = await c.login(maker)
        assert r["result"]["account"] == maker["account"], r
        assert r["result"]["roles"] == ["maker"] and r["result"]["subaccounts"] == [maker["account"]]
        await c.close()
    run(go())


def test_login_refusals(env):
    maker = env.new_account(["maker"])
    async def go():
        c = await WsClient(env.ws).connect()
        bad = dict(maker)
        bad["secret"] = "2" * 64
        r = await c.login(bad)
        assert r["error"]["code"] == 14014 and r["error"]["data"]["reason"] == "invalid_signature", r
        ts = int(time.time() * 1000) - 60_000
        r = await c.call("public/login", {"api_key": maker["api_key"], "timestamp": ts,
                                          "signature": harness.sign(maker["secret"], ts, "GET", "/ws")})
        assert r["error"]["code"] == 14014 and r["error"]["data"]["reason"] == "stale_timestamp", r
        r = await c.call("public/login", {"api_key": maker["api_key"]})
        assert r["error"]["code"] == -32602, r
        # still usable, and the private channel is refused before login
        r = await c.call("subscribe", {"channels": [maker["account"] + ".rfqs"]})
        assert r["result"]["status"][maker["account"] + ".rfqs"] == "not_logged_in", r
        await c.close()
    run(go())


def test_subscribe_snapshot_and_seq(env):
    maker = env.new_account(["maker"])
    other = env.new_account(["maker"])
    async def go():
        c = await WsClient(env.ws).connect()
        await c.login(maker)
        mine = [maker["account"] + s for s in (".rfqs", ".quotes", ".trades")]
        r = await c.call("subscribe", {"channels": ["auction.lbtc-maxi", *mine,
                                                    other["account"] + ".rfqs",
                                                    "auction.nope", "weird"]})
        st = r["result"]["status"]
        assert st["auction.lbtc-maxi"] == "ok" and all(st[m] == "ok" for m in mine), r
        assert st[other["account"] + ".rfqs"] == "forbidden", r
        assert st["auction.nope"] == "unknown_channel" and st["weird"] == "unknown_channel"
        assert sorted(r["result"]["current_subscriptions"]) == sorted(["auction.lbtc-maxi", *mine])
        snaps = {}
        for _ in range(4):
            n = await c.notification()
            assert n["method"] == "subscription" and n["params"]["snapshot"] is True, n
            snaps[n["params"]["channel"]] = n["params"]
        assert snaps["auction.lbtc-maxi"]["data"][0]["vault_id"] == "lbtc-maxi"
        assert snaps["auction.lbtc-maxi"]["data"][0]["stage"] == "collateral_only"
        assert all(isinstance(p["seq"], int) for p in snaps.values())
        r = await c.call("unsubscribe", {"channels": [mine[0], "never"]})
        assert r["result"]["status"] == {mine[0]: "ok", "never": "not_subscribed"}, r
        assert mine[0] not in r["result"]["remaining_subscriptions"]
        r = await c.call("subscribe", {"channels": []})
        assert r["error"]["code"] == -32602, r
        await c.close()
    run(go())


def test_malformed_messages_keep_connection(env):
    async def go():
        c = await WsClient(env.ws).connect()
        for raw, code in (("{", -32700), ("[]", -32600), ('{"jsonrpc":"2.0","id":1}', -32600),
                          ('{"jsonrpc":"2.0","id":2,"method":"x/y"}', -32601),
                          ('{"jsonrpc":"2.0","id":3,"method":"public/get_time","params":[1]}', -32600),
                          ('{"jsonrpc":"2.0","id":{"a":1},"method":"public/get_time"}', -32600),
                          ("null", -32600), ('"str"', -32600)):
            await c.ws.send(raw)
            m = json.loads(await asyncio.wait_for(c.ws.recv(), 5))
            assert m["error"]["code"] == code, (raw, m)
        r = await c.call("public/get_time")
        assert "result" in r
        # a notification (no id) gets no reply; the next call's reply is next
        await c.ws.send('{"jsonrpc":"2.0","method":"public/get_time"}')
        await c.ws.send('{"jsonrpc":"2.0","method":"no/such/method"}')  # not even an error
        await c.ws.send('{"jsonrpc":"2.0","method":"subscribe"}')  # WS-only, params missing
        r = await c.call("public/get_time")
        assert "result" in r and r["id"] == c.next_id - 1, r
        await c.close()
    run(go())
    healthy(env)


async def expect_close(c, code, timeout=5):
    import websockets
    try:
        while True:
            await asyncio.wait_for(c.ws.recv(), timeout)
    except websockets.ConnectionClosed as e:
        assert closed_code(e) == code, (closed_code(e), code)
        return
    raise AssertionError("connection stayed open")


def test_invalid_utf8_closes_1007(env):
    async def go():
        from websockets.frames import Opcode
        c = await WsClient(env.ws).connect()
        await c.ws.write_frame(True, Opcode.TEXT, b'{"jsonrpc":"2.0","id":1,"method":"\xff\xfe"}')
        await expect_close(c, 1007)
    run(go())
    healthy(env)


def test_oversized_message_closes_1009(env):
    async def go():
        c = await WsClient(env.ws).connect()
        await c.ws.send('{"jsonrpc":"2.0","id":1,"method":"public/get_time","params":{"p":"'
                        + "x" * 70000 + '"}}')
        await expect_close(c, 1009)
    run(go())
    healthy(env)


def test_binary_frame_closes_1003(env):
    async def go():
        c = await WsClient(env.ws).connect()
        await c.ws.send(b"\x00\x01binary")
        await expect_close(c, 1003)
    run(go())
    healthy(env)


def test_rate_limit_refuses_past_the_burst(env):
    # itest config: 50/s, burst 100; 150 quick messages stay under the cut-off (100 refusals)
    async def go():
        c = await WsClient(env.ws).connect()
        msg = '{"jsonrpc":"2.0","id":1,"method":"public/get_time"}'
        for _ in range(150):
            await c.ws.send(msg)
        ok = limited = 0
        for _ in range(150):
            m = json.loads(await asyncio.wait_for(c.ws.recv(), 10))
            if "error" in m:
                assert m["error"]["code"] == -32000, m
                assert m["error"]["message"].startswith("rate limited, retry after ")
                assert m["error"]["data"]["retry_after_ms"] > 0
                limited += 1
            else:
                ok += 1
        assert ok >= 100 and limited >= 1 and ok + limited == 150, (ok, limited)
        await asyncio.sleep(2.1)  # the bucket refills: served again
        r = await c.call("public/get_time")
        assert "result" in r, r
        await c.close()
    run(go())


def test_flood_is_cut_and_service_stays_healthy(env):
    async def go():
        import websockets
        c = await WsClient(env.ws).connect()
        got = {"code": None}

        async def reader():  # a client that reads while it floods
            try:
                while True:
                    m = json.loads(await c.ws.recv())
                    if "error" in m:
                        assert m["error"]["code"] == -32000, m
            except websockets.ConnectionClosed as e:
                got["code"] = closed_code(e)

        task = asyncio.create_task(reader())
        msg = '{"jsonrpc":"2.0","id":1,"method":"public/get_time"}'
        try:
            for _ in range(2000):
                await c.ws.send(msg)
                await asyncio.sleep(0)
        except websockets.ConnectionClosed:
            pass  # cut off while still sending
        await asyncio.wait_for(task, 10)
        # 1008 normally; 1006 when the flooder's own unread sends made the server's close()
        # reset the TCP connection before the client read the close frame
        assert got["code"] in (1008, 1006), got
    run(go())
    healthy(env)


def test_wrong_path_refused(env):
    async def go():
        import websockets
        try:
            c = await WsClient(env.ws, path="/other").connect()
        except (websockets.InvalidStatusCode, websockets.InvalidHandshake, OSError):
            return
        await c.close()
        raise AssertionError("upgrade on /other was accepted")
    run(go())
    healthy(env)


def test_silent_client_is_hung_up(env):
    # a raw client that upgrades, then never reads nor answers pings (itest idle timeout 6 s)
    s = socket.create_connection(("127.0.0.1", env.ws), timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = s.recv(4096)
    assert b" 101 " in head.split(b"\r\n")[0], head
    t0 = time.time()
    while True:
        data = s.recv(4096)
        if not data:
            break
        if time.time() - t0 > 25:
            raise AssertionError("silent connection was not closed")
    elapsed = time.time() - t0
    s.close()
    assert 4 <= elapsed <= 20, elapsed
    healthy(env)


def test_open_connections_gauge(env):
    async def go():
        cs = [await WsClient(env.ws).connect() for _ in range(3)]
        await cs[0].call("public/get_time")
        text = env.client().get("/metrics").body.decode()
        line = [x for x in text.splitlines() if x.startswith("optdesk_ws_connections ")][0]
        assert int(line.split()[1]) >= 3, line
        for c in cs:
            await c.close()
    run(go())


def test_connections_per_account_capped(env):
    maker = env.new_account(["maker"])
    async def go():
        cs = [await WsClient(env.ws).connect() for _ in range(4)]
        for c in cs[:3]:
            assert "result" in await c.login(maker)
        r = await cs[3].login(maker)  # itest config: 3 per account
        assert r["error"]["code"] == 14016 and r["error"]["data"]["max_connections_per_account"] == 3, r
        await cs[0].close()
        await asyncio.sleep(0.3)
        assert "result" in await cs[3].login(maker)  # a slot freed up
        for c in cs[1:]:
            await c.close()
    run(go())


def test_rate_limit_is_per_account_across_connections(env):
    maker = env.new_account(["maker"])
    async def go():
        a = await WsClient(env.ws).connect()
        b = await WsClient(env.ws).connect()
        await a.login(maker)
        await b.login(maker)
        msg = '{"jsonrpc":"2.0","id":1,"method":"public/get_time"}'
        for _ in range(70):  # 140 in all: each connection is under its burst (100), the account is not
            await a.ws.send(msg)
            await b.ws.send(msg)
        limited = 0
        for c in (a, b):
            for _ in range(70):
                m = json.loads(await asyncio.wait_for(c.ws.recv(), 10))
                limited += "error" in m and m["error"]["code"] == -32000
        assert limited >= 20, limited
        await a.close()
        await b.close()
    run(go())
