"""Integration harness: a real PostgreSQL cluster and a real optdesk process, started in a
temporary directory, plus a signing REST client and a WebSocket JSON-RPC client.

fixture.py starts one server for the whole suite (a CTest fixture) and writes its state
to state.json; each test case loads it with `Env.load()`."""
import asyncio
import glob
import hashlib
import hmac
import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tmpdir(prefix):
    """A scratch folder the postgres user can traverse (initdb runs as postgres when we are
    root; mkdtemp's 0700 would lock it out)."""
    import tempfile
    base = os.environ.get("OPTDESK_ITEST_TMP") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    os.chmod(base, 0o711)
    d = tempfile.mkdtemp(prefix=prefix, dir=base)
    os.chmod(d, 0o711)
    return d


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bindir():
    env = os.environ.get("OPTDESK_PG_BINDIR")
    if env:
        return env
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not dirs:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install postgresql)")
    return dirs[-1]


class PgCluster:
    """A throw-away cluster on a private unix socket (run as postgres when we are root)."""

    def __init__(self, root):
        self.root = root
        self.data = os.path.join(root, "pgdata")
        self.sock = os.path.join(root, "pgsock")
        self.log = os.path.join(root, "pg.log")
        self.bindir = pg_bindir()

    def _run(self, args, check=True):
        pre = []
        if os.geteuid() == 0:
            pre = ["runuser", "-u", "postgres", "--"]
        return subprocess.run(pre + args, check=check, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

    def init(self):
        os.makedirs(self.sock, exist_ok=True)
        os.makedirs(self.data, mode=0o700, exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chmod(self.root, 0o711)
            for p in (self.sock, self.data):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            open(self.log, "a").close()
            os.chown(self.log, pw.pw_uid, pw.pw_gid)
        self._run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "postgres",
                   "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions"])
        # fsync off: tests only, never the service's own cluster
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")

    def start(self):
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", self.log,
                   "-o", f"-c listen_addresses='' -k {self.sock}", "-w", "-t", "60", "start"])

    def stop(self):
        self._run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "fast", "-w",
                   "stop"], check=False)

    def create_db(self, name):
        self._run([os.path.join(self.bindir, "createdb"), "-h", self.sock, "-U", "postgres",
                   name])

    def url(self, db):
        return f"host={self.sock} dbname={db} user=postgres"

    def psql(self, db, sql):
        out = subprocess.run([os.path.join(self.bindir, "psql"), "-h", self.sock, "-U",
                              "postgres", "-d", db, "-At", "-c", sql], check=True,
                             capture_output=True, text=True)
        return out.stdout.strip()


def optdesk_binary():
    return os.environ.get("OPTDESK_BIN") or os.path.join(ROOT, "build", "optdesk")


def wrapper():
    """OPTDESK_WRAPPER: a command prefix the server is started under (e.g. tools/memcheck's
    valgrind wrapper); split like a shell would. Empty when unset."""
    import shlex
    return shlex.split(os.environ.get("OPTDESK_WRAPPER", ""))


def slow(timeout):
    """A start-up/shut-down timeout, stretched when the server runs under a wrapper
    (OPTDESK_WRAPPER_SLOWDOWN, default 8; at least 120 s)."""
    if not wrapper():
        return timeout
    return max(timeout * float(os.environ.get("OPTDESK_WRAPPER_SLOWDOWN", "8")), 120.0)


def start_server(env_extra, log_path, binary=None, args=("serve",)):
    env = dict(os.environ)
    env.update(env_extra)
    log = open(log_path, "ab")
    return subprocess.Popen([*wrapper(), binary or optdesk_binary(), *args], env=env, stdout=log,
                            stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)


def wait_http(port, path="/healthz", timeout=60.0, proc=None, scheme="http"):
    deadline = time.time() + slow(timeout)
    ctx = ssl._create_unverified_context() if scheme == "https" else None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"optdesk exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{scheme}://127.0.0.1:{port}{path}", timeout=2,
                                        context=ctx) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no answer on port {port} within {slow(timeout)}s")


def sign(secret, ts, method, path, body=b""):
    msg = str(ts).encode() + method.encode() + path.encode() + body
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Client:
    """REST client; signs when given credentials {"api_key","secret"}."""

    def __init__(self, port, creds=None, scheme="http"):
        self.base = f"{scheme}://127.0.0.1:{port}"
        self.creds = creds
        self.ctx = ssl._create_unverified_context() if scheme == "https" else None

    def request(self, method, path, body=None, headers=None, sign_with=None, ts=None,
                raw=None):
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        h = {"Content-Type": "application/json"}
        creds = sign_with if sign_with is not None else self.creds
        if creds:
            ts = ts if ts is not None else int(time.time() * 1000)
            h["X-Api-Key"] = creds["api_key"]
            h["X-Timestamp"] = str(ts)
            h["X-Signature"] = sign(creds["secret"], ts, method, path, data)
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data if method != "GET" else None,
                                     method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=20, context=self.ctx) as r:
                return Response(r.status, dict(r.headers), r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, dict(e.headers), e.read())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)


class Env:
    """The running suite server, as fixture.py left it."""

    def __init__(self, state):
        self.state = state
        self.http = state["http_port"]
        self.ws = state["ws_port"]
        self.admin = state["admin"]

    @staticmethod
    def load():
        path = os.environ.get("OPTDESK_ITEST_STATE")
        if not path:
            raise RuntimeError("OPTDESK_ITEST_STATE is not set: run through ctest")
        with open(path) as f:
            return Env(json.load(f))

    def client(self, creds=None):
        return Client(self.http, creds)

    def admin_client(self):
        return Client(self.http, self.admin)

    def pg(self):
        pg = PgCluster(self.state["pg_root"])
        return pg

    def oracle(self):
        """An oracle-role account of this test process (created on first use)."""
        if not hasattr(self, "_oracle"):
            self._oracle = self.new_account(["oracle"])
        return self._oracle

    def now(self):
        return self.client().get("/v1/time").json()["time"]

    def feed_oracles(self, spots=None, iv="0.6", expiries=None):
        """Publishes fresh spot and a flat surface at the business clock's now."""
        import datetime
        c = self.client(self.oracle())
        spots = spots or {"BTC": "60000", "ETH": "1000"}
        now = self.now()
        if expiries is None:  # the next 4 Fridays 08:00 UTC after now
            d = datetime.datetime.fromtimestamp(now / 1000, datetime.timezone.utc)
            expiries, day = [], d.date()
            while len(expiries) < 4:
                day += datetime.timedelta(days=1)
                if day.weekday() == 4:
                    expiries.append(day.strftime("%Y%m%d"))
        for u, price in spots.items():
            r = c.post("/v1/oracles/spot", {"underlying": u, "price": price})
            assert r.status == 200, r
            for e in expiries:
                r = c.post("/v1/oracles/surface", {"underlying": u, "expiry": e, "rate": "0.01",
                                                    "iv": iv})
                assert r.status == 200, r
        return expiries

    def new_account(self, roles, name=None):
        name = name or f"u{os.getpid()}x{int(time.time()*1e6) % 10**9}"
        r = self.admin_client().post("/v1/admin/accounts", {"name": name, "roles": roles})
        assert r.status == 201, r
        return r.json()


class WsClient:
    """A JSON-RPC client over a real WebSocket (python3-websockets, asyncio)."""

    def __init__(self, port, path="/ws", scheme="ws"):
        self.uri = f"{scheme}://127.0.0.1:{port}{path}"
        self.scheme = scheme
        self.ws = None
        self.next_id = 1
        self.pending = []  # notifications received while waiting for a reply

    async def connect(self):
        import websockets
        kw = {"max_size": None, "open_timeout": 10}
        if self.scheme == "wss":
            kw["ssl"] = ssl._create_unverified_context()
        self.ws = await websockets.connect(self.uri, **kw)
        return self

    async def call(self, method, params=None, timeout=10):
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        await self.ws.send(json.dumps(msg))
        return await self.reply(rid, timeout)

    async def reply(self, rid, timeout=10):
        deadline = time.time() + timeout
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.time()))
            m = json.loads(raw)
            if m.get("id") == rid or ("id" in m and m["id"] is None and rid is None):
                return m
            self.pending.append(m)

    async def notification(self, timeout=10):
        if self.pending:
            return self.pending.pop(0)
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        return json.loads(raw)

    async def login(self, creds):
        ts = int(time.time() * 1000)
        return await self.call("public/login", {"api_key": creds["api_key"], "timestamp": ts,
                                                "signature": sign(creds["secret"], ts, "GET",
                                                                  "/ws")})

    async def close(self):
        if self.ws:
            await self.ws.close()


def run(coro):
    return asyncio.run(coro)


def stop_process(proc, timeout=30):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(slow(timeout))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


class OwnServer:
    """A test's own PostgreSQL (temporary dir, private socket) and one optdesk on it through
    DATABASE_URL, on a manual clock from clock_start, with the config file given. Keeps the
    admin client; crash_and_restart is a kill -9 of optdesk's process group and a new start
    on the same database."""

    def __init__(self, prefix, config_path, clock_start):
        self.dir = tmpdir(prefix)
        self.pg = PgCluster(os.path.join(self.dir, "pg"))
        os.makedirs(self.pg.root)
        self.pg.init()
        self.pg.start()
        self.pg.create_db("optdesk")
        self.http, self.ws = free_port(), free_port()
        self.env = {"DATABASE_URL": self.pg.url("optdesk"), "OPTDESK_DATA_DIR": os.path.join(self.dir, "var"),
                    "OPTDESK_HTTP_ADDR": f"127.0.0.1:{self.http}", "OPTDESK_WS_ADDR": f"127.0.0.1:{self.ws}",
                    "OPTDESK_CLOCK": "manual", "OPTDESK_CLOCK_START": str(clock_start),
                    "OPTDESK_CONFIG": config_path}
        self.log_path = os.path.join(self.dir, "optdesk.log")
        try:
            self.start_server()
        except Exception:
            print(self.log()[-3000:])
            self.pg.stop()
            raise
        with open(os.path.join(self.dir, "var", "admin.json")) as f:
            self.admin_creds = json.load(f)
        self.admin = Client(self.http, self.admin_creds)

    def start_server(self):
        self.proc = start_server(self.env, self.log_path)
        wait_http(self.http, proc=self.proc)

    def crash_and_restart(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.start_server()

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def sql(self, q):
        return self.pg.psql("optdesk", q)

    def account(self, name, roles):
        r = self.client(self.admin_creds).post("/v1/admin/accounts", {"name": name, "roles": roles})
        assert r.status == 201, r
        return r.json()

    def client(self, creds=None):
        return Client(self.http, creds)

    def close(self):
        try:
            assert stop_process(self.proc) == 0, self.log()[-4000:]
        finally:
            self.pg.stop()
            shutil.rmtree(self.dir, ignore_errors=True)
