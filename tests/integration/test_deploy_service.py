"""hawk as a service: the systemd units (checked by systemd-analyze
verify), readiness and stop notices over $NOTIFY_SOCKET (Type=notify) from
`hawk serve` and `hawk worker`, one log file shared and rotated by both
processes, SIGHUP reopening the files after an external logrotate, the
error file, and a log path that cannot be written (exit 2 with the fix,
no server started).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import unittest

import hawktest

UNITS = os.path.join(hawktest.SRC, "etc", "systemd")


class NotifySocket:
    """The service manager's end of sd_notify: a datagram socket."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path if not path.startswith("@") else "\0" + path[1:])
        self.sock.settimeout(0.2)
        self.notices = []

    def wait_for(self, key, timeout=60):
        """Waits until a datagram carries `key` (e.g. "READY=1")."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for n in self.notices:
                if key in n.split("\n"):
                    return n
            try:
                self.notices.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass
        raise AssertionError("no %s within %ss; got %r" % (key, timeout, self.notices))

    def close(self):
        self.sock.close()
        if not self.path.startswith("@"):
            try:
                os.unlink(self.path)
            except OSError:
                pass


def read_lines(paths):
    """Every line of the given files, each parsed as JSON (must be whole)."""
    out = []
    for p in paths:
        with open(p) as f:
            for line in f:
                out.append(json.loads(line))
    return out


def write_config(dirpath, port, db_url, log_group):
    """hawktest's config with its `log` group replaced by `log_group`."""
    path = hawktest.write_config(dirpath, port, db_url)
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace('log = { level = "debug"; };', log_group))
    return path


class SystemdUnitsTest(unittest.TestCase):
    def test_units_pass_systemd_analyze_verify(self):
        tool = shutil.which("systemd-analyze")
        if tool is None:
            self.skipTest("systemd-analyze not installed (Debian package systemd)")
        d = hawktest.make_tmpdir("hawk-units-")
        try:
            names = []
            for name in ("hawk.service", "hawk-worker@.service"):
                with open(os.path.join(UNITS, name)) as f:
                    text = f.read()
                self.assertIn("Type=notify", text)
                for key in ("ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
                            "User=hawk", "RestartPreventExitStatus=2"):
                    self.assertIn(key, text, name)
                # verify checks that ExecStart exists: point it at this build
                text = text.replace("/usr/bin/hawk", os.path.abspath(hawktest.BIN))
                out = name.replace("@.", "@1.")
                with open(os.path.join(d, out), "w") as f:
                    f.write(text)
                names.append(os.path.join(d, out))
            p = subprocess.run([tool, "verify"] + names, capture_output=True, text=True)
            # Unknown keys are only warnings (exit 0): any output fails too.
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr.strip(), "", p.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class ServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = hawktest.PgCluster()

    @classmethod
    def tearDownClass(cls):
        cls.pg.destroy()

    def setUp(self):
        self.dir = hawktest.make_tmpdir("hawk-svc-")
        self.procs = []
        self.socks = []

    def tearDown(self):
        for p in self.procs:
            if p.proc.poll() is None:
                p.proc.kill()
                p.wait(10)
        for s in self.socks:
            s.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def notify(self, name):
        s = NotifySocket(name)
        self.socks.append(s)
        return s

    def start(self, cmd, cfg, env):
        p = hawktest.HawkProcess([cmd, "-c", cfg], env=env)
        self.procs.append(p)
        return p

    def stop(self, p):
        p.signal(signal.SIGTERM)
        code = p.wait(60)
        self.assertIsNone(p.sanitizer_report())
        self.assertEqual(code, 0, p.stderr()[-3000:])

    def test_ready_and_stopping_notices_and_a_shared_rotated_log(self):
        port = hawktest.free_port()
        log = os.path.join(self.dir, "logs", "hawk.log")
        err = os.path.join(self.dir, "logs", "error.log")
        os.mkdir(os.path.dirname(log))
        cfg = write_config(
            self.dir, port, self.pg.url,
            'log = { level = "debug"; stdout = false; file = "%s"; '
            'error_file = "%s"; max_size = "4KiB"; keep = 50; };' % (log, err))
        serve_sock = self.notify(os.path.join(self.dir, "notify-serve"))
        worker_sock = self.notify("@hawk-test-notify-%d" % os.getpid())
        env = {"HAWK_PLUGIN_PATH": hawktest.PLUGIN_DIR}
        serve = self.start("serve", cfg, dict(env, NOTIFY_SOCKET=serve_sock.path))
        ready = serve_sock.wait_for("READY=1")
        self.assertIn("STATUS=serving", ready.split("\n"))
        # READY=1 means ready: the API answers at once, no polling
        srv = hawktest.HawkServer.__new__(hawktest.HawkServer)
        srv.port = port
        status, _, _ = srv.request("GET", "/health/readiness")
        self.assertEqual(status, 200)
        worker = self.start("worker", cfg, dict(env, NOTIFY_SOCKET=worker_sock.path))
        worker_sock.wait_for("READY=1")

        # Both processes write the one file, rotating it between them.
        for i in range(150):
            srv.request("GET", "/health?n=%d" % i)
        status, _, _ = srv.request("GET", "/api/v1/nothing-here")
        self.assertEqual(status, 404)
        # logrotate: move every file away, then SIGHUP both processes
        moved = []
        for name in sorted(os.listdir(os.path.dirname(log))):
            src = os.path.join(os.path.dirname(log), name)
            dst = os.path.join(self.dir, "rotated-" + name)
            os.rename(src, dst)
            moved.append(dst)
        serve.signal(signal.SIGHUP)
        worker.signal(signal.SIGHUP)
        deadline = time.time() + 20
        while time.time() < deadline:
            if os.path.exists(log):
                with open(log) as f:
                    text = f.read()
                if "log files reopened" in text and "worker: SIGHUP received" in text:
                    break
            time.sleep(0.1)
        else:
            self.fail("no reopen after SIGHUP: %s" % os.listdir(os.path.dirname(log)))
        srv.request("GET", "/health?after=rotate")

        self.stop(worker)
        worker_sock.wait_for("STOPPING=1")
        self.stop(serve)
        serve_sock.wait_for("STOPPING=1")

        rotated = [m for m in moved if "hawk.log." in m]
        self.assertGreater(len(rotated), 3, moved)  # size rotation happened
        for m in moved + [log]:
            if os.path.basename(m).startswith(("hawk.log", "rotated-hawk.log")):
                self.assertLessEqual(os.path.getsize(m), 4096, m)
        before = read_lines([m for m in moved if "hawk.log" in m])
        after = read_lines([log])
        msgs = [l["msg"] for l in before]
        self.assertTrue(any("hawk ready" == m for m in msgs))
        self.assertTrue(any(m.startswith("worker:") or "worker" in m for m in msgs), msgs[:20])
        # after the move nothing more went into the moved files
        self.assertTrue(any("SIGHUP received" in l["msg"] for l in after))
        self.assertFalse(any("SIGHUP received" in l["msg"] for l in before))
        # the error file has only error and crit lines
        errs = read_lines([m for m in moved if "error.log" in m] +
                          ([err] if os.path.exists(err) else []))
        for l in errs:
            self.assertIn(l["level"], ("error", "crit"))

    def test_unwritable_log_directory_is_a_clear_start_error(self):
        ro = os.path.join(self.dir, "ro")
        os.mkdir(ro, 0o555)
        blocker = os.path.join(self.dir, "not-a-dir")
        with open(blocker, "w") as f:
            f.write("x")
        cases = [(os.path.join(blocker, "hawk.log"), "log.file", "Not a directory")]
        if os.geteuid() != 0:
            cases.append((os.path.join(ro, "hawk.log"), "log.file", "Permission denied"))
        cases.append((os.path.join(self.dir, "missing", "error.log"), "log.error_file",
                      "create the directory"))
        for path, key, text in cases:
            cfg = write_config(self.dir, hawktest.free_port(), self.pg.url,
                               'log = { %s = "%s"; };' % (key.split(".")[1], path))
            rc, out, err = hawktest.run_hawk(["serve", "-c", cfg], timeout=60)
            self.assertEqual(rc, 2, err)
            self.assertIn("cannot open %s '%s'" % (key, path), err)
            self.assertIn(text, err)
            self.assertFalse(os.path.exists(path))
            self.assertNotIn("hawk ready", out)

    def test_unwritable_log_directory_as_an_unprivileged_user(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to switch to an unprivileged user")
        ro = os.path.join(self.dir, "ro")
        os.mkdir(ro, 0o755)  # root's: not writable by nobody
        path = os.path.join(ro, "hawk.log")
        cfg = write_config(self.dir, hawktest.free_port(), self.pg.url,
                           'log = { file = "%s"; };' % path)
        os.chmod(cfg, 0o644)
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            hawktest.BIN, "serve", "-c", cfg],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, HAWK_DATA_DIR=os.path.join(self.dir, "var")))
        if "Permission denied" in p.stderr and "cannot open log.file" not in p.stderr:
            self.skipTest("the build tree is not readable by nobody: %s" % p.stderr[:200])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("cannot open log.file '%s': Permission denied" % path, p.stderr)
        self.assertIn("writable by uid 65534", p.stderr)
        self.assertFalse(os.path.exists(path))


if __name__ == "__main__":
    unittest.main()
