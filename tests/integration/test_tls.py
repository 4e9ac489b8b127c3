"""TLS on both listeners from the configuration (a self-signed certificate made here)."""
import json
import os
import shutil
import subprocess

import harness
from harness import WsClient, run


def test_tls_on_both_listeners():
    d = harness.tmpdir("optdesk-tls-")
    pg = None
    proc = None
    try:
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
                       check=True, capture_output=True)
        http, ws = harness.free_port(), harness.free_port()
        cfg = {"http": {"addr": f"127.0.0.1:{http}", "tls": {"cert_file": cert, "key_file": key}},
               "ws": {"addr": f"127.0.0.1:{ws}", "tls": {"cert_file": cert, "key_file": key}},
               "oracle": {"simulated": False}}
        path = os.path.join(d, "tls.json")
        json.dump(cfg, open(path, "w"))
        pg = harness.PgCluster(os.path.join(d, "pg"))
        os.makedirs(pg.root)
        pg.init()
        pg.start()
        pg.create_db("optdesk")
        env = {"OPTDESK_CONFIG": path, "DATABASE_URL": pg.url("optdesk"),
               "OPTDESK_DATA_DIR": os.path.join(d, "var")}
        for k in ("OPTDESK_HTTP_ADDR", "OPTDESK_WS_ADDR"):
            os.environ.pop(k, None)
        proc = harness.start_server(env, os.path.join(d, "optdesk.log"))
        harness.wait_http(http, proc=proc, scheme="https")
        admin = json.load(open(os.path.join(d, "var", "admin.json")))
        c = harness.Client(http, admin, scheme="https")
        r = c.post("/v1/admin/accounts", {"name": "tlsuser", "roles": ["maker"]})
        assert r.status == 201, r
        maker = r.json()

        async def go():
            w = await WsClient(ws, scheme="wss").connect()
            r = await w.login(maker)
            assert r["result"]["account"] == "tlsuser", r
            await w.close()
        run(go())
        rc = harness.stop_process(proc)
        proc = None
        assert rc == 0, open(os.path.join(d, "optdesk.log")).read()[-6000:]
    finally:
        if proc is not None:
            harness.stop_process(proc)
        if pg is not None:
            pg.stop()
        shutil.rmtree(d, ignore_errors=True)
