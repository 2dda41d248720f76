"""Shared harness for hawk's integration tests.

Everything here drives real processes: a private PostgreSQL cluster
(tests/pg.sh), the real `hawk` binary ($HAWK_BIN) with a generated config,
and plain HTTP through http.client.  Standard library only.

    pg = PgCluster()                 # private PostgreSQL on a Unix socket
    srv = HawkServer(db_url=pg.url)  # hawk serve on a free port
    status, headers, body = srv.request("GET", "/health")
    auth = srv.register_and_login()  # {"access_token", "refresh_token", "user", ...}
    srv.stop()                       # fails on a non-zero exit or a sanitizer report
    pg.destroy()
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

SRC = os.environ.get("HAWK_SOURCE_DIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("HAWK_BIN", os.path.join(SRC, "build", "hawk"))
PLUGIN_DIR = os.environ.get("HAWK_PLUGIN_PATH", os.path.join(os.path.dirname(BIN), "plugins"))
TEST_PLUGIN_DIR = os.environ.get("HAWK_TEST_PLUGIN_DIR",
                                 os.path.join(os.path.dirname(BIN), "tests", "plugins"))
PG_SH = os.path.join(SRC, "tests", "pg.sh")
PASSWORD = "correct horse battery staple"

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer")


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tmpdir(prefix):
    """A temp dir others (the postgres and hawk users) can traverse.

    Always under /tmp: the clusters run as their own users, who must be
    able to pass through every parent directory, whatever TMPDIR says."""
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(d, 0o755)
    return d


class PgCluster:
    """A private PostgreSQL cluster listening only on a Unix socket."""

    def __init__(self, port=5432):
        self.dir = make_tmpdir("hawk-pg-")
        self.port = port
        self._run("start")
        self.url = "host=%s/sock port=%d dbname=postgres user=postgres" % (self.dir, port)

    def _run(self, cmd):
        subprocess.run([PG_SH, cmd, self.dir, str(self.port)], check=True,
                       stdout=subprocess.DEVNULL)

    def stop(self):
        self._run("stop")

    def start(self):
        self._run("resume")

    def kill(self):
        self._run("kill")

    def psql(self, sql):
        """Runs SQL through psql as the postgres user; returns stdout."""
        cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
               "-h", self.dir + "/sock", "-p", str(self.port), "-U", "postgres",
               "-d", "postgres", "-c", sql]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def destroy(self):
        try:
            self._run("stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class HawkProcess:
    """A hawk subcommand run in the background with its output captured."""

    def __init__(self, args, env=None, cwd=None):
        self.out_path = tempfile.mktemp(prefix="hawk-out-")
        self.err_path = tempfile.mktemp(prefix="hawk-err-")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen([BIN] + list(args), stdout=self._out,
                                     stderr=self._err, env=full_env, cwd=cwd,
                                     stdin=subprocess.DEVNULL)

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_lines(self):
        """Parsed JSON log lines from stdout (non-JSON lines skipped)."""
        lines = []
        for line in self.stdout().splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    pass
        return lines

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._out.close()
            self._err.close()

    def sanitizer_report(self):
        err = self.stderr()
        for mark in SANITIZER_MARKS:
            if mark in err:
                return err
        return None


def run_hawk(args, env=None, input_text=None, timeout=120):
    """Runs a hawk subcommand to completion: (exit code, stdout, stderr)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run([BIN] + list(args), env=full_env, input=input_text,
                       capture_output=True, text=True, timeout=timeout)
    for mark in SANITIZER_MARKS:
        if mark in p.stderr:
            raise AssertionError("sanitizer report from hawk %s:\n%s" % (args, p.stderr))
    return p.returncode, p.stdout, p.stderr


def write_config(dirpath, port, db_url=None, extra_config="", plugins="", server_extra=""):
    """Writes a hawk.cfg for tests and returns its path.  server_extra is
    added inside the server group (e.g. 'trusted_proxies = ["127.0.0.1"];')."""
    lines = [
        'server = { listen = "127.0.0.1:%d"; threads = 4; shutdown_grace = "5s"; %s };'
        % (port, server_extra),
        'data_dir = "%s";' % os.path.join(dirpath, "var"),
        'log = { level = "debug"; };',
    ]
    if db_url is not None:
        lines.append('database = { url = "%s"; };' % db_url)
    if plugins:
        lines.append("plugins = ( %s );" % plugins)
    lines.append(extra_config)
    path = os.path.join(dirpath, "hawk.cfg")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


class HawkServer:
    """`hawk serve` on a free port with a generated config."""

    def __init__(self, db_url=None, extra_config="", plugins="", env=None,
                 args=(), wait=True, start_timeout=60, server_extra=""):
        self.dir = make_tmpdir("hawk-srv-")
        self.port = free_port()
        self.config = write_config(self.dir, self.port, db_url, extra_config, plugins,
                                   server_extra)
        self.env = {"HAWK_PLUGIN_PATH": PLUGIN_DIR}
        self.env.update(env or {})
        self.proc = HawkProcess(["serve", "-c", self.config] + list(args), env=self.env)
        self.base = "127.0.0.1:%d" % self.port
        if wait:
            self.wait_ready(start_timeout)

    def wait_ready(self, timeout=60, path="/health/readiness"):
        """Waits until `path` answers 200 (readiness: database up, migrated)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.proc.poll() is not None:
                raise AssertionError("hawk serve exited with %s\nstdout:\n%s\nstderr:\n%s" % (
                    self.proc.proc.returncode, self.proc.stdout()[-4000:], self.proc.stderr()[-4000:]))
            try:
                status, _, _ = self.request("GET", path, timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("hawk serve not ready after %ss\n%s" % (timeout, self.proc.stdout()[-4000:]))

    def request(self, method, path, json_body=None, token=None, headers=None,
                body=None, timeout=30, **kw):
        """Sends one request: (status, headers as lower-case dict, body).

        body is parsed JSON when the response is application/json, else
        bytes.  `json=` is accepted as an alias of json_body.
        """
        if "json" in kw:
            json_body = kw.pop("json")
        if kw:
            raise TypeError("unexpected arguments %r" % list(kw))
        hdrs = {}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        hdrs.update(headers or {})
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            rh = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        ctype = rh.get("content-type", "")
        if ctype.startswith("application/json") and data:
            try:
                return resp.status, rh, json.loads(data)
            except ValueError:
                pass
        return resp.status, rh, data

    def register(self, email=None, password=PASSWORD, **fields):
        email = email or ("u%s@example.test" % uuid.uuid4().hex[:12])
        payload = {"email": email, "password": password}
        payload.update(fields)
        status, _, body = self.request("POST", "/api/v1/auth/register", json_body=payload)
        if status != 201:
            raise AssertionError("register failed: %s %s" % (status, body))
        return email

    def login(self, email, password=PASSWORD):
        status, _, body = self.request("POST", "/api/v1/auth/login",
                                       json_body={"email": email, "password": password})
        if status != 200:
            raise AssertionError("login failed: %s %s" % (status, body))
        return body

    def register_and_login(self, email=None, password=PASSWORD, **fields):
        """Registers a new user and logs in: the login response + "email"."""
        email = self.register(email, password, **fields)
        auth = self.login(email, password)
        auth["email"] = email
        return auth

    def make_admin(self, email):
        """Promotes a user with `hawk user create-admin` (password kept)."""
        rc, out, err = run_hawk(["user", "create-admin", "--email", email, "-c", self.config],
                                env=self.env, input_text=PASSWORD + "\n")
        if rc != 0:
            raise AssertionError("create-admin failed: %s %s %s" % (rc, out, err))

    def stop(self, sig=signal.SIGTERM, timeout=60, expect_code=0):
        """Stops the server; asserts a clean exit and no sanitizer report."""
        if self.proc.proc.poll() is None:
            self.proc.signal(sig)
        code = self.proc.wait(timeout)
        report = self.proc.sanitizer_report()
        if report:
            raise AssertionError("sanitizer report from hawk serve:\n" + report[-6000:])
        if expect_code is not None and code != expect_code:
            raise AssertionError("hawk serve exited with %s\nstderr:\n%s" % (code, self.proc.stderr()[-4000:]))
        return code

    def cleanup(self):
        if self.proc.proc.poll() is None:
            self.proc.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)
