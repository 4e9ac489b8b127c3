"""The dashboard (SPEC 8) in a real browser: `optdesk demo` on its own PostgreSQL, a reporter
account, and tests/browser/dashboard.js driving Debian's headless Chromium through
playwright-core: it signs in with the reporter's key and secret, sees the demo's auction
progress change live on auction.lbtc-maxi, sees the NAV per share chart drawn, and
downloads the fills CSV, whose rows must equal GET /v1/reports/fills's JSON rows.

Needs node, npm and /usr/bin/chromium (tools/install-deps.sh installs them): when one is
missing the test fails, it never skips. The node dependency (playwright-core, pinned in
tests/browser/package-lock.json) is installed with `npm ci` when tests/browser/node_modules
is missing or older than the lock file."""
import csv
import fcntl
import json
import os
import shutil
import subprocess
import time

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.join(harness.ROOT, "tests", "browser")
CHROMIUM = os.environ.get("OPTDESK_CHROMIUM", "/usr/bin/chromium")
VAULT = "lbtc-maxi"
BROWSER_BUDGET_S = 75


def node_deps():
    """npm ci in tests/browser unless node_modules is up to date (one installer at a time)."""
    for tool in ("node", "npm"):
        assert shutil.which(tool), f"{tool} is missing: bash tools/install-deps.sh installs it"
    assert os.access(CHROMIUM, os.X_OK), \
        f"{CHROMIUM} is missing: bash tools/install-deps.sh installs Debian's chromium"
    lock = os.path.join(BROWSER_DIR, "package-lock.json")
    stamp = os.path.join(BROWSER_DIR, "node_modules", ".package-lock.json")
    with open(os.path.join(BROWSER_DIR, "package.json")) as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if (not os.path.exists(stamp) or os.path.getmtime(lock) > os.path.getmtime(stamp)
                or not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core"))):
            env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false",
                       npm_config_audit="false")
            r = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund",
                                "--loglevel=error"], cwd=BROWSER_DIR, env=env,
                               capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, f"npm ci in tests/browser failed:\n{r.stdout}\n{r.stderr}"


def all_fills(client):
    """Every fills row, following next_cursor."""
    rows, cursor = [], None
    for _ in range(100):
        path = "/v1/reports/fills?limit=1000" + (f"&cursor={cursor}" if cursor else "")
        r = client.get(path)
        assert r.status == 200, r
        body = r.json()
        rows += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return rows
    raise AssertionError("more than 100 pages of fills")


def cell_matches(cell, value):
    """A CSV cell against its JSON value (docs/API.md "Reports": null is an empty cell, a JSON
    field its JSON text, numbers and decimal strings as written)."""
    if value is None:
        return cell == ""
    if isinstance(value, (list, dict)):
        return json.loads(cell) == value
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    return cell == str(value)


def check_csv_against_json(csv_path, items):
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows, "the downloaded CSV is empty"
    header, body = rows[0], rows[1:]
    assert body, "the downloaded CSV has no fill"
    assert items, "the JSON report has no fill"
    assert header == list(items[0].keys()), (header, list(items[0].keys()))
    # the demo goes on filling: the CSV (taken first) must be a prefix of the JSON read after
    assert len(body) <= len(items), (len(body), len(items))
    for i, (row, item) in enumerate(zip(body, items)):
        assert len(row) == len(header), f"CSV row {i} has {len(row)} cells: {row}"
        for name, cell in zip(header, row):
            assert cell_matches(cell, item[name]), \
                f"fill {item['id']}: CSV {name}={cell!r}, JSON {name}={item[name]!r}"
    return len(body)


def test_dashboard_signs_in_follows_the_demo_live_and_exports_csv():
    node_deps()
    d = harness.tmpdir("optdesk-dashboard-")
    pg = harness.PgCluster(os.path.join(d, "pg"))
    os.makedirs(pg.root)
    proc = None
    ok = False
    try:
        pg.init()
        pg.start()
        pg.create_db("optdesk")
        http, ws = harness.free_port(), harness.free_port()
        data = os.path.join(d, "var")
        env = {"DATABASE_URL": pg.url("optdesk"), "OPTDESK_DATA_DIR": data,
               "OPTDESK_HTTP_ADDR": f"127.0.0.1:{http}", "OPTDESK_WS_ADDR": f"127.0.0.1:{ws}"}
        proc = harness.start_server(env, os.path.join(d, "optdesk.log"), args=("demo",))
        harness.wait_http(http, proc=proc)
        admin = harness.Client(http, json.load(open(os.path.join(data, "admin.json"))))
        r = admin.post("/v1/admin/accounts", {"name": "rep", "roles": ["reporter"]})
        assert r.status == 201, r
        rep = r.json()

        # the page itself is public and carries the WebSocket's port
        page = harness.Client(http).get("/")
        assert page.status == 200, page
        assert page.headers.get("Content-Type", "").startswith("text/html"), page.headers
        html = page.body.decode()
        assert f'name="optdesk-ws-port" content="{ws}"' in html, html[:800]
        assert "@STYLE@" not in html and "@SCRIPT@" not in html and "crypto.subtle" in html

        out = os.path.join(d, "browser")
        os.makedirs(out)
        benv = dict(os.environ, DASHBOARD_URL=f"http://127.0.0.1:{http}/",
                    DASHBOARD_API_KEY=rep["api_key"], DASHBOARD_SECRET=rep["secret"],
                    DASHBOARD_VAULT=VAULT, DASHBOARD_OUT=out, CHROMIUM=CHROMIUM,
                    DASHBOARD_TIMEOUT_MS=str(BROWSER_BUDGET_S * 1000))
        t0 = time.time()
        try:
            b = subprocess.run(["node", os.path.join(BROWSER_DIR, "dashboard.js")], cwd=BROWSER_DIR,
                               env=benv, capture_output=True, text=True, timeout=BROWSER_BUDGET_S + 30)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"the browser script hung: {e.stderr}") from None
        print(b.stderr[-4000:])
        lines = [ln for ln in b.stdout.splitlines() if ln.startswith("{")]
        assert lines, f"no result from the browser script (exit {b.returncode}): {b.stdout[-2000:]}"
        seen = json.loads(lines[-1])
        assert b.returncode == 0 and seen.get("ok"), f"browser: {seen.get('error')}\n{json.dumps(seen)[:3000]}"
        print(f"browser run {time.time() - t0:.1f}s: auction {seen['auction_first']!r} -> "
              f"{seen['auction_later']!r} ({seen['live_updates']} live updates); NAV {seen['nav']}; "
              f"{seen['fill_rows']} fills shown")

        assert seen["auction_later"] != seen["auction_first"] and seen["live_updates"] >= 1, seen
        assert seen["nav"]["points"] >= 1 and seen["nav"]["series_pixels"] >= 20, seen["nav"]
        assert seen["fill_rows"] >= 1, seen
        assert seen["oracle_rows"] and all(r[0] in ("BTC", "ETH") for r in seen["oracle_rows"]), seen
        errors = [e for e in seen["console_errors"] if "favicon" not in e]
        assert not errors, errors

        # the CSV the page saved, against the JSON report read after it
        items = all_fills(harness.Client(http, rep))
        n = check_csv_against_json(seen["csv"], items)
        print(f"CSV: {n} fills equal to the JSON report's first {n} of {len(items)}")
        ok = True
    finally:
        try:
            if proc is not None:
                harness.stop_process(proc, timeout=15)
        finally:
            pg.stop()
            if ok:
                shutil.rmtree(d, ignore_errors=True)
            else:
                print(f"kept {d} (optdesk.log, browser/)")
