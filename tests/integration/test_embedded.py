"""The embedded default (no DATABASE_URL): optdesk initialises and runs its own PostgreSQL
in $OPTDESK_DATA_DIR/pg, writes the admin credentials file, serves, and stops both on
SIGTERM. Also: a bad configuration stops start-up with a message naming the key."""
import json
import os
import shutil
import subprocess
import time

import harness


def tmpdir():
    return harness.tmpdir("optdesk-e2e-")


def base_env(d):
    env = {"OPTDESK_DATA_DIR": os.path.join(d, "var"),
           "OPTDESK_HTTP_ADDR": f"127.0.0.1:{harness.free_port()}",
           "OPTDESK_WS_ADDR": f"127.0.0.1:{harness.free_port()}"}
    os.environ.pop("DATABASE_URL", None)
    return env


def test_embedded_postgres_first_start_and_restart():
    d = tmpdir()
    try:
        env = base_env(d)
        port = int(env["OPTDESK_HTTP_ADDR"].split(":")[1])
        log = os.path.join(d, "optdesk.log")
        t0 = time.time()
        proc = harness.start_server(env, log)
        harness.wait_http(port, timeout=120, proc=proc)
        first_start_s = time.time() - t0
        assert first_start_s < 120
        admin_path = os.path.join(env["OPTDESK_DATA_DIR"], "admin.json")
        assert os.stat(admin_path).st_mode & 0o777 == 0o600
        admin = json.load(open(admin_path))
        assert set(admin) == {"account", "api_key", "secret"} and admin["account"] == "admin"
        text = open(log).read()
        assert "admin_created credentials=" + admin_path in text, text
        assert admin["secret"] not in text
        assert os.path.exists(os.path.join(env["OPTDESK_DATA_DIR"], "pg", "data", "PG_VERSION"))
        c = harness.Client(port, admin)
        r = c.post("/v1/admin/accounts", {"name": "bob", "roles": ["maker"]})
        assert r.status == 201, r
        assert harness.stop_process(proc) == 0
        assert "embedded_postgres_stopped" in open(log).read()
        assert not os.path.exists(os.path.join(env["OPTDESK_DATA_DIR"], "pg", "data",
                                               "postmaster.pid"))
        # second start: same cluster, same admin, bob still there, no new admin file
        proc = harness.start_server(env, log)
        harness.wait_http(port, timeout=60, proc=proc)
        assert json.load(open(admin_path)) == admin
        r = c.post("/v1/admin/accounts", {"name": "bob", "roles": ["maker"]})
        assert r.status == 409, r
        assert harness.stop_process(proc) == 0
        print(f"first start served /healthz after {first_start_s:.1f} s")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def run_expect_config_error(env_extra, config_text=None, expect=""):
    d = tmpdir()
    try:
        env = dict(os.environ)
        env.update(base_env(d))
        env.update(env_extra)
        if config_text is not None:
            path = os.path.join(d, "bad.json")
            open(path, "w").write(config_text)
            env["OPTDESK_CONFIG"] = path
        p = subprocess.run([harness.optdesk_binary(), "serve"], env=env, capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 2, (p.returncode, p.stderr)
        assert expect in p.stderr, p.stderr
        assert not os.path.exists(os.path.join(d, "var", "pg")), "started postgres anyway"
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_bad_config_names_the_key():
    run_expect_config_error({}, '{"http": {"adr": "127.0.0.1:1"}}', "unknown key http.adr")
    run_expect_config_error({}, '{"ws": {"rate_per_sec": "fast"}}', "ws.rate_per_sec")
    run_expect_config_error({}, '{"depots": [{"id": "x", "underlying": "DOGE", "type": "P"}]}',
                            "depots[0].underlying")
    run_expect_config_error({}, '{"depots": [{"id": "x", "underlying": "ETH", "type": "P",'
                                ' "settings": {"alpha": "three"}}]}', "depots[0].settings.alpha")
    run_expect_config_error({}, '{"vaults": [{"id": "v", "kind": "covered_put_spread",'
                                ' "collateral": "LBTC", "underlying": "BTC", "mandate":'
                                ' {"max_loss": "1"}}]}', "vaults[0].mandate.max_loss")
    run_expect_config_error({}, "{not json", "invalid JSON")
    run_expect_config_error({"OPTDESK_HTTP_ADDR": "nowhere"}, None, "OPTDESK_HTTP_ADDR")
    run_expect_config_error({"OPTDESK_CLOCK": "sometimes"}, None, "OPTDESK_CLOCK")
    run_expect_config_error({"OPTDESK_CLOCK": "accelerated:0"}, None, "OPTDESK_CLOCK")


def test_default_relative_data_dir():
    """`make run` as a newcomer runs it: no OPTDESK_DATA_DIR, so ./var under the cwd."""
    d = tmpdir()
    try:
        port = harness.free_port()
        env = dict(os.environ)
        for k in ("DATABASE_URL", "OPTDESK_DATA_DIR", "OPTDESK_CONFIG"):
            env.pop(k, None)
        env.update({"OPTDESK_HTTP_ADDR": f"127.0.0.1:{port}",
                    "OPTDESK_WS_ADDR": f"127.0.0.1:{harness.free_port()}"})
        log = open(os.path.join(d, "optdesk.log"), "ab")
        proc = subprocess.Popen([os.path.abspath(harness.optdesk_binary()), "serve"], cwd=d, env=env,
                                stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            harness.wait_http(port, timeout=120, proc=proc)
            assert os.path.exists(os.path.join(d, "var", "admin.json"))
            assert os.path.exists(os.path.join(d, "var", "pg", "data", "PG_VERSION"))
            assert harness.Client(port).get("/readyz").status in (200, 503)  # oracles warm up
        finally:
            assert harness.stop_process(proc) == 0, open(os.path.join(d, "optdesk.log")).read()[-3000:]
    finally:
        shutil.rmtree(d, ignore_errors=True)
