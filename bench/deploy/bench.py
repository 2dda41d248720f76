"""bench/deploy: hawk direct beside hawk behind nginx (see run.sh)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
os.environ.setdefault("HAWK_BIN", os.path.join(SRC, "build", "hawk"))
os.environ.setdefault("HAWK_PLUGIN_PATH", os.path.join(SRC, "build", "plugins"))

import hawktest  # noqa: E402
from test_deploy_nginx import nginx_conf  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def wrk(url, token=None):
    """Best of ROUNDS: (requests/s, p50 ms, p99 ms, non-2xx count)."""
    best = None
    for _ in range(ROUNDS):
        cmd = ["wrk", "-t2", "-c%d" % CONNS, "-d%ds" % SECONDS, "--latency", url]
        if token:
            cmd[1:1] = ["-H", "Authorization: Bearer " + token]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS + 60).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

        def pct(p):
            m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out)
            v = float(m.group(1))
            return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        row = (rps, pct(50), pct(99), int(bad.group(1)) if bad else 0)
        if best is None or row[0] > best[0]:
            best = row
    return best


def main():
    d = hawktest.make_tmpdir("hawk-bench-deploy-")
    pg = hawktest.PgCluster()
    srv = hawktest.HawkServer(db_url=pg.url, extra_config="",
                              server_extra='trusted_proxies = ["127.0.0.1"];')
    # quiet logs: the benchmark measures serving, not writing log lines
    nginx = None
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=hawk.test", "-keyout", d + "/privkey.pem",
                        "-out", d + "/fullchain.pem"], check=True, capture_output=True)
        os.makedirs(d + "/web", exist_ok=True)
        https, http_port = hawktest.free_port(), hawktest.free_port()
        conf = nginx_conf(d, https, http_port, srv.port, d + "/web")
        with open(d + "/hawk.conf") as f:
            text = f.read()
        # the benchmark's client is one address: lift the per-address limits
        text = text.replace("limit_conn hawk_conn 20;", "limit_conn hawk_conn 10000;")
        text = text.replace("limit_req zone=hawk_api burst=50 nodelay;", "")
        text = text.replace("worker_processes 1;", "")
        with open(d + "/hawk.conf", "w") as f:
            f.write(text)
        with open(conf) as f:
            main_conf = f.read().replace("worker_processes 1;", "worker_processes 2;")
        with open(conf, "w") as f:
            f.write(main_conf)
        nginx = subprocess.Popen(["/usr/sbin/nginx", "-c", conf, "-e", d + "/error.log"])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", https), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        auth = srv.register_and_login()
        token = auth["access_token"]
        print("bench/deploy: %d s x %d rounds, %d connections, wrk -t2 (best round)"
              % (SECONDS, ROUNDS, CONNS))
        print("%-34s %10s %8s %8s %6s" % ("target", "req/s", "p50 ms", "p99 ms", "non2xx"))
        results = {}
        for name, path, tok in (("liveness", "/health/liveness", None),
                                ("list (auth)", "/api/v1/job-applications?per_page=20", token)):
            direct = wrk("http://127.0.0.1:%d%s" % (srv.port, path), tok)
            proxied = wrk("https://127.0.0.1:%d%s" % (https, path), tok)
            results[name] = (direct, proxied)
            print("%-34s %10.0f %8.2f %8.2f %6d" % ((name + " direct",) + direct))
            print("%-34s %10.0f %8.2f %8.2f %6d" % ((name + " via nginx (TLS)",) + proxied))
        for name, (direct, proxied) in results.items():
            print("ratio %-16s nginx/direct throughput %.2f, p50 +%.2f ms"
                  % (name, proxied[0] / direct[0], proxied[1] - direct[1]))
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(20)
        srv.stop(expect_code=None)
        srv.cleanup()
        pg.destroy()


if __name__ == "__main__":
    main()
