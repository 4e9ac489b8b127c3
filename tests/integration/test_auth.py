"""Accounts and request signing (SPEC 10): signed admin requests create accounts; bad
signatures, stale timestamps, unknown keys and wrong roles are refused and change nothing."""
import os
import time


def unique(prefix):
    return f"{prefix}{os.getpid()}{int(time.time() * 1000) % 100000}"


def account_exists(env, name):
    # creating it again tells: 409 account_exists when it is there
    r = env.admin_client().post("/v1/admin/accounts", {"name": name, "roles": ["reporter"]})
    return r.status == 409 and r.json()["error"]["code"] == "account_exists"


def test_admin_creates_account(env):
    name = unique("alice")
    r = env.admin_client().post("/v1/admin/accounts", {"name": name, "roles": ["depositor", "buyer"]})
    assert r.status == 201, r
    body = r.json()
    assert body["account"] == name
    assert body["roles"] == ["buyer", "depositor"]
    assert body["api_key"].startswith("odk_") and len(body["api_key"]) == 36
    assert len(body["secret"]) == 64
    # the new key signs requests at once: JSON-RPC over HTTP identifies the caller
    c = env.client(body)
    r = c.post("/v1/rpc", {"jsonrpc": "2.0", "id": 1, "method": "public/get_time"})
    assert r.status == 200 and isinstance(r.json()["result"], int), r


def test_bad_signature_refused_and_nothing_created(env):
    name = unique("mallory")
    bad = dict(env.admin)
    bad["secret"] = "0" * 64
    r = env.client(bad).post("/v1/admin/accounts", {"name": name, "roles": ["admin"]})
    assert r.status == 401 and r.json()["error"]["code"] == "invalid_signature", r
    assert not account_exists(env, name)


def test_tampered_body_refused(env):
    name = unique("tamper")
    body = ('{"name":"%s","roles":["reporter"]}' % name).encode()
    ts = int(time.time() * 1000)
    from harness import sign
    sig = sign(env.admin["secret"], ts, "POST", "/v1/admin/accounts", body)
    evil = body.replace(b"reporter", b"admin")
    r = env.client().post("/v1/admin/accounts", raw=evil,
                          headers={"X-Api-Key": env.admin["api_key"], "X-Timestamp": str(ts),
                                   "X-Signature": sig})
    assert r.status == 401 and r.json()["error"]["code"] == "invalid_signature", r
    assert not account_exists(env, name)


def test_stale_timestamp_refused(env):
    name = unique("stale")
    old = int(time.time() * 1000) - 31_000
    r = env.admin_client().post("/v1/admin/accounts", {"name": name, "roles": ["admin"]}, ts=old)
    assert r.status == 401 and r.json()["error"]["code"] == "stale_timestamp", r
    future = int(time.time() * 1000) + 31_000
    r = env.admin_client().post("/v1/admin/accounts", {"name": name, "roles": ["admin"]}, ts=future)
    assert r.status == 401 and r.json()["error"]["code"] == "stale_timestamp", r
    assert not account_exists(env, name)


def test_unknown_key_and_missing_credentials(env):
    r = env.client({"api_key": "odk_" + "f" * 32, "secret": "x"}).post(
        "/v1/admin/accounts", {"name": "nobody", "roles": ["admin"]})
    assert r.status == 401 and r.json()["error"]["code"] == "invalid_api_key", r
    r = env.client().post("/v1/admin/accounts", {"name": "nobody", "roles": ["admin"]})
    assert r.status == 401 and r.json()["error"]["code"] == "missing_credentials", r
    r = env.client().post("/v1/admin/accounts", {"name": "nobody", "roles": ["admin"]},
                          headers={"X-Api-Key": env.admin["api_key"], "X-Timestamp": "12ab",
                                   "X-Signature": "00"})
    assert r.status == 401 and r.json()["error"]["code"] == "invalid_timestamp", r


def test_wrong_role_forbidden_and_nothing_changed(env):
    dep = env.new_account(["depositor"])
    name = unique("escalate")
    r = env.client(dep).post("/v1/admin/accounts", {"name": name, "roles": ["admin"]})
    assert r.status == 403 and r.json()["error"]["code"] == "forbidden", r
    assert r.json()["error"]["details"]["required_roles"] == "admin"
    assert not account_exists(env, name)
    r = env.client(dep).post("/v1/admin/clock", {"now_ms": 1})
    assert r.status == 403, r


def test_duplicate_and_invalid_accounts(env):
    name = unique("dup")
    a = env.admin_client()
    assert a.post("/v1/admin/accounts", {"name": name, "roles": ["maker"]}).status == 201
    r = a.post("/v1/admin/accounts", {"name": name, "roles": ["maker"]})
    assert r.status == 409 and r.json()["error"]["code"] == "account_exists", r
    for body in ({"name": "Bad Name", "roles": ["maker"]}, {"name": "", "roles": ["maker"]},
                 {"name": "x" * 65, "roles": ["maker"]}, {"name": "ok1", "roles": []},
                 {"name": "ok2", "roles": ["wizard"]}, {"name": 5, "roles": ["maker"]},
                 {"roles": ["maker"]}):
        r = a.post("/v1/admin/accounts", body)
        assert r.status == 400 and r.json()["error"]["code"] == "invalid_param", (body, r)


def test_idempotency_key_replays_first_response(env):
    name = unique("idem")
    a = env.admin_client()
    key = {"Idempotency-Key": "k-" + name}
    r1 = a.post("/v1/admin/accounts", {"name": name, "roles": ["maker"]}, headers=key)
    r2 = a.post("/v1/admin/accounts", {"name": name, "roles": ["maker"]}, headers=key)
    assert r1.status == 201 and r2.status == 201, (r1, r2)
    assert r1.json() == r2.json()  # same key and secret: created once
    r3 = a.post("/v1/admin/accounts", {"name": name + "b", "roles": ["maker"]}, headers=key)
    assert r3.status == 422 and r3.json()["error"]["code"] == "idempotency_key_reused", r3
    assert not account_exists(env, name + "b")


def test_secrets_encrypted_at_rest_and_not_logged(env):
    acct = env.new_account(["reporter"])
    pg = env.pg()
    box = pg.psql("optdesk", f"SELECT secret_box FROM accounts WHERE id = '{acct['account']}'")
    assert box.startswith("v1:") and acct["secret"] not in box
    log = open(os.path.join(env.state["root"], "optdesk.log"), errors="replace").read()
    assert acct["secret"] not in log and env.admin["secret"] not in log
    mode = os.stat(os.path.join(env.state["data_dir"], "admin.json")).st_mode & 0o777
    assert mode == 0o600, oct(mode)
    mode = os.stat(os.path.join(env.state["data_dir"], "master.key")).st_mode & 0o777
    assert mode == 0o600, oct(mode)
