"""The container image, built and run for real on a private Docker engine.

dockerd starts with its own data root (kept in $HAWK_DOCKER_CACHE,
default /var/cache/hawk-docker, as the build cache: a second run with the
same sources builds nothing), --bridge=none --iptables=false, and every
build and container uses --network host, so all traffic stays on
loopback.  No registry is reachable: tests/docker/base-images.sh makes
debian:bookworm and debian:bookworm-slim with debootstrap once.

Checked: both targets build (runtime with Chromium, slim without); every
library the binary and plugins need is in the image; a container without
a database URL or JWT secret exits 2 naming the variable; the image runs
as the non-root user hawk on a read-only root file system with only
/var/lib/hawk writable, against a real PostgreSQL (its socket mounted),
becomes healthy (HEALTHCHECK on /health/liveness), serves an API flow,
and stops on SIGTERM within the grace with exit code 0.  The image sizes
and the start-to-ready time are printed.  The engine is stopped and the
containers removed at the end; the images stay as the cache.
"""

import json
import os
import shutil
import signal
import subprocess
import time
import unittest
import uuid

import hawktest

CACHE = os.environ.get("HAWK_DOCKER_CACHE", "/var/cache/hawk-docker")
DOCKER = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else shutil.which("docker")
JWT = "0123456789abcdef0123456789abcdef-container-test"
RUNTIME_LIBS_CHECK = ("for f in /usr/bin/hawk /usr/lib/hawk/plugins/*.so; do "
                      "ldd $f | grep 'not found' && exit 1; done; exit 0")


class DockerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("dockerd") is None or DOCKER is None:
            raise unittest.SkipTest("no Docker engine here: apt-get install docker.io "
                                    "(scripts/install-deps.sh test does it)")
        if os.geteuid() != 0:
            raise unittest.SkipTest("dockerd needs root")
        cls.run_dir = hawktest.make_tmpdir("hawk-dockerd-")
        cls.env = dict(os.environ, DOCKER_HOST="unix://%s/docker.sock" % cls.run_dir,
                       DOCKER_BUILDKIT="0", DOCKER=DOCKER)
        os.makedirs(os.path.join(CACHE, "root"), exist_ok=True)
        cls.stop_stale_engine()
        cls.log = open(os.path.join(cls.run_dir, "dockerd.log"), "wb")
        cls.dockerd = subprocess.Popen(
            ["dockerd", "--data-root", os.path.join(CACHE, "root"),
             "--exec-root", os.path.join(cls.run_dir, "exec"),
             "--pidfile", os.path.join(CACHE, "dockerd.pid"),
             "-H", cls.env["DOCKER_HOST"], "--bridge=none", "--iptables=false",
             "--ip6tables=false"], stdout=cls.log, stderr=subprocess.STDOUT)
        cls.containers = []
        deadline = time.time() + 60
        while time.time() < deadline:
            if cls.docker("version", check=False).returncode == 0:
                break
            if cls.dockerd.poll() is not None:
                raise AssertionError("dockerd exited:\n" + open(cls.log.name).read()[-3000:])
            time.sleep(0.5)
        else:
            raise AssertionError("dockerd not ready:\n" + open(cls.log.name).read()[-3000:])
        p = subprocess.run([os.path.join(hawktest.SRC, "tests", "docker", "base-images.sh"),
                            CACHE], env=cls.env, capture_output=True, text=True, timeout=1800)
        if p.returncode != 0:
            raise AssertionError("base images: %s%s" % (p.stdout, p.stderr))
        ca = ""
        cadir = "/usr/local/share/ca-certificates"
        if os.path.isdir(cadir):
            for n in sorted(os.listdir(cadir)):
                if n.endswith(".crt"):
                    with open(os.path.join(cadir, n)) as f:
                        ca += f.read()
        rev = subprocess.run(["git", "-C", hawktest.SRC, "rev-parse", "HEAD"],
                             capture_output=True, text=True).stdout.strip() or "unknown"
        cls.build_seconds = {}
        for target, tag in (("slim", "hawk:test-slim"), ("runtime", "hawk:test")):
            t0 = time.time()
            p = cls.docker("build", "--network", "host", "--target", target, "-t", tag,
                           "--build-arg", "EXTRA_CA_CERTS=" + ca, "--build-arg",
                           "REVISION=" + rev, hawktest.SRC, timeout=3600, check=False)
            if p.returncode != 0:
                raise AssertionError("docker build %s failed:\n%s" % (target, p.stdout[-6000:]))
            cls.build_seconds[target] = time.time() - t0
        cls.pg = hawktest.PgCluster()

    @classmethod
    def stop_stale_engine(cls):
        """A run that was killed (a test timeout) leaves its dockerd on the
        cache: stop it, or the new one cannot take the data root."""
        try:
            with open(os.path.join(CACHE, "dockerd.pid")) as f:
                pid = int(f.read().strip())
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if b"dockerd" not in f.read():
                    return
        except (OSError, ValueError):
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + 60
        while time.time() < deadline and os.path.exists("/proc/%d" % pid):
            time.sleep(0.5)

    @classmethod
    def tearDownClass(cls):
        for c in getattr(cls, "containers", []):
            cls.docker("rm", "-f", c, check=False)
        if getattr(cls, "pg", None) is not None:
            cls.pg.destroy()
        if getattr(cls, "dockerd", None) is not None:
            cls.dockerd.send_signal(signal.SIGTERM)
            try:
                cls.dockerd.wait(60)
            except subprocess.TimeoutExpired:
                cls.dockerd.kill()
                cls.dockerd.wait(10)
            cls.log.close()
            # the engine leaves its default network namespace mounted
            subprocess.run(["umount", os.path.join(cls.run_dir, "exec", "netns", "default")],
                           capture_output=True)
            shutil.rmtree(cls.run_dir, ignore_errors=True)

    @classmethod
    def docker(cls, *args, check=True, timeout=300):
        p = subprocess.run([DOCKER] + list(args), env=cls.env, capture_output=True,
                           text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError("docker %s: %s%s" % (" ".join(args[:3]), p.stdout, p.stderr))
        return p

    def name(self):
        n = "hawk-test-" + uuid.uuid4().hex[:8]
        self.containers.append(n)
        return n

    def test_image_sizes_and_libraries(self):
        sizes = {}
        for tag in ("hawk:test", "hawk:test-slim"):
            out = self.docker("image", "inspect", "--format", "{{.Size}}", tag).stdout
            sizes[tag] = int(out.strip())
            p = self.docker("run", "--rm", "--network", "host", "--entrypoint", "sh", tag,
                            "-c", RUNTIME_LIBS_CHECK, check=False)
            self.assertEqual(p.returncode, 0, "missing libraries in %s: %s" % (tag, p.stdout))
        print("\nimage sizes: runtime %.1f MB, slim %.1f MB; build %s" % (
            sizes["hawk:test"] / 1e6, sizes["hawk:test-slim"] / 1e6,
            {k: "%.0f s" % v for k, v in self.build_seconds.items()}))
        # Measured here: slim 151 MB (libxml2 brings ICU, libcurl its TLS,
        # LDAP and SSH libraries), runtime 1088 MB (Debian's Chromium pulls
        # Mesa and LLVM).  The bounds catch growth; the aims (80 / 450 MB)
        # are not met yet.
        self.assertLess(sizes["hawk:test-slim"], 200e6)
        self.assertLess(sizes["hawk:test"], 1200e6)
        cfg = json.loads(self.docker("image", "inspect", "hawk:test").stdout)[0]["Config"]
        self.assertEqual(cfg["User"], "hawk")
        self.assertEqual(cfg["StopSignal"], "SIGTERM")
        self.assertIn("/health/liveness", " ".join(cfg["Healthcheck"]["Test"]))
        self.assertIn("org.opencontainers.image.revision", cfg["Labels"])
        p = self.docker("run", "--rm", "--network", "host", "--entrypoint", "sh", "hawk:test",
                        "-c", "for c in chromium chromedriver pg_dump; do command -v $c; done")
        self.assertEqual(len(p.stdout.split()), 3, p.stdout)

    def test_missing_database_url_or_jwt_secret_exits_2(self):
        p = self.docker("run", "--rm", "--network", "host", "hawk:test-slim", check=False,
                        timeout=60)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("HAWK_DATABASE_URL", p.stderr)
        self.assertIn("is not set", p.stderr)
        p = self.docker("run", "--rm", "--network", "host", "-e",
                        "HAWK_DATABASE_URL=postgresql://hawk@127.0.0.1:1/hawk",
                        "hawk:test-slim", check=False, timeout=60)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("HAWK_JWT_SECRET", p.stderr)

    def test_read_only_non_root_api_flow_health_and_sigterm(self):
        port = hawktest.free_port()
        name = self.name()
        t0 = time.time()
        self.docker(
            "run", "-d", "--name", name, "--network", "host", "--read-only",
            "--tmpfs", "/var/lib/hawk:uid=10001,gid=10001,mode=0711",
            "--tmpfs", "/tmp:mode=1777",
            "-v", "%s/sock:/run/postgresql" % self.pg.dir,
            "-e", "HAWK_DATABASE_URL=host=/run/postgresql port=5432 dbname=postgres user=postgres",
            "-e", "HAWK_JWT_SECRET=" + JWT,
            "-e", "HAWK_LISTEN=127.0.0.1:%d" % port,
            "-e", "HAWK_HEALTH_ADDR=127.0.0.1:%d" % port,
            "hawk:test")
        srv = hawktest.HawkServer.__new__(hawktest.HawkServer)
        srv.port = port
        ready = None
        while time.time() - t0 < 90:
            try:
                if srv.request("GET", "/health/readiness", timeout=2)[0] == 200:
                    ready = time.time() - t0
                    break
            except OSError:
                pass
            time.sleep(0.05)
        logs = self.docker("logs", name, check=False)
        self.assertIsNotNone(ready, logs.stdout[-3000:] + logs.stderr[-3000:])
        print("\ncontainer start to ready: %.2f s" % ready)
        auth = srv.register_and_login()
        st, _, body = srv.request("GET", "/api/v1/user", token=auth["access_token"])
        self.assertEqual(st, 200)
        self.assertEqual(body["email"], auth["email"])
        # non-root, and nothing but /var/lib/hawk (and /tmp) is writable
        p = self.docker("exec", name, "sh", "-c",
                        "id -u; id -un; touch /etc/x 2>/dev/null && echo writable-etc; "
                        "ls -A /var/lib/hawk")
        lines = p.stdout.split()
        self.assertEqual(lines[:2], ["10001", "hawk"])
        self.assertNotIn("writable-etc", lines)
        # the HEALTHCHECK turns healthy
        deadline = time.time() + 60
        health = ""
        while time.time() < deadline:
            # (an inspect can fail while the engine updates the state: retry)
            health = self.docker("inspect", "--format", "{{.State.Health.Status}}",
                                 name, check=False).stdout.strip()
            if health == "healthy":
                break
            time.sleep(1)
        self.assertEqual(health, "healthy")
        # SIGTERM: graceful, well within the grace
        t1 = time.time()
        self.docker("stop", "-t", "30", name)
        stopped = time.time() - t1
        state = json.loads(self.docker("inspect", name).stdout)[0]["State"]
        self.assertEqual(state["ExitCode"], 0)
        self.assertLess(stopped, 20)
        out = self.docker("logs", name).stdout
        self.assertIn("shutting down", out)
        print("\ndocker stop: %.2f s" % stopped)


if __name__ == "__main__":
    unittest.main()
