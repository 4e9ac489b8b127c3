"""CTest fixture: `fixture.py start DIR` starts PostgreSQL and optdesk (manual clock) for
the suite and writes DIR/state.json; `fixture.py stop DIR` stops both, and fails if optdesk
did not exit cleanly (exit code 0: sanitizer builds report leaks and errors here)."""
import json
import os
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MANUAL_START_MS = 1677225600000  # Fri 2023-02-24 08:00 UTC, SPEC 5.1's reference instant


def start(root):
    if os.path.exists(root):
        stop(root, quiet=True)
        shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    pg = harness.PgCluster(os.path.join(root, "pg"))
    os.makedirs(pg.root)
    pg.init()
    pg.start()
    pg.create_db("optdesk")
    http, ws = harness.free_port(), harness.free_port()
    data_dir = os.path.join(root, "data")
    env = {
        "DATABASE_URL": pg.url("optdesk"),
        "OPTDESK_DATA_DIR": data_dir,
        "OPTDESK_HTTP_ADDR": f"127.0.0.1:{http}",
        "OPTDESK_WS_ADDR": f"127.0.0.1:{ws}",
        "OPTDESK_CLOCK": "manual",
        "OPTDESK_CLOCK_START": str(MANUAL_START_MS),
        "OPTDESK_CONFIG": os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                       "itest_config.json"),
    }
    proc = harness.start_server(env, os.path.join(root, "optdesk.log"))
    harness.wait_http(http, proc=proc)
    with open(os.path.join(data_dir, "admin.json")) as f:
        admin = json.load(f)
    state = {"http_port": http, "ws_port": ws, "pid": proc.pid, "pg_root": pg.root,
             "data_dir": data_dir, "admin": admin, "root": root, "env": env,
             "manual_start_ms": MANUAL_START_MS}
    with open(os.path.join(root, "state.json"), "w") as f:
        json.dump(state, f)
    with open(os.path.join(root, "db.url"), "w") as f:  # for the C tests that use the database
        f.write(pg.url("optdesk"))
    print(f"optdesk up: http {http} ws {ws} pid {proc.pid}")


def stop(root, quiet=False):
    path = os.path.join(root, "state.json")
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        st = json.load(f)
    rc = 0
    try:
        os.killpg(st["pid"], signal.SIGTERM)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                os.kill(st["pid"], 0)
                time.sleep(0.1)
            except ProcessLookupError:
                break
        else:
            os.killpg(st["pid"], signal.SIGKILL)
            rc = 1
            print("optdesk did not stop within 30 s")
    except ProcessLookupError:
        pass
    log = os.path.join(root, "optdesk.log")
    if os.path.exists(log):
        text = open(log, errors="replace").read()
        if "event=exit code=0" not in text:
            rc = 1
            if not quiet:
                print("optdesk did not exit cleanly; its log:\n" + text[-20000:])
        if "ERROR: AddressSanitizer" in text or "runtime error:" in text or "LeakSanitizer" in text:
            rc = 1
            if not quiet:
                print("sanitizer report in the log:\n" + text[-20000:])
    harness.PgCluster(st["pg_root"]).stop()
    return rc


if __name__ == "__main__":
    cmd, root = sys.argv[1], sys.argv[2]
    if cmd == "start":
        start(root)
    else:
        sys.exit(stop(root))
