"""The S3 peer for backup tests: @20minutes/s3rver (checks SigV4) started
from tests/peers/s3, plus Debian's awscli as an independent client, and a
TCP proxy that can cut the connection mid-upload.

    peer = S3Peer()                    # bucket hawk-backups, own key pair
    peer.aws("s3api", "head-object", "--bucket", peer.bucket, "--key", k)
    peer.stop()
"""

import json
import os
import select
import shutil
import socket
import subprocess
import threading
import time

from hawktest import SRC, make_tmpdir

PEER_DIR = os.path.join(SRC, "tests", "peers", "s3")
AWS = "/usr/bin/aws"


class S3Peer:
    def __init__(self, bucket="hawk-backups", key="AKIDHAWKTEST",
                 secret="hawk-test-secret-0123456789"):
        self.dir = make_tmpdir("hawk-s3-")
        self.bucket, self.key, self.secret = bucket, key, secret
        env = dict(os.environ)
        env["NODE_OPTIONS"] = "--openssl-legacy-provider"
        self.out = open(os.path.join(self.dir, "peer.out"), "w+")
        self.proc = subprocess.Popen(
            ["node", os.path.join(PEER_DIR, "peer.js"),
             os.path.join(self.dir, "data"), bucket, key, secret],
            cwd=PEER_DIR, env=env, stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        self.port = None
        while time.time() < deadline and self.port is None:
            if self.proc.poll() is not None:
                break
            self.out.seek(0)
            for line in self.out.read().splitlines():
                if line.startswith("{"):
                    self.port = json.loads(line)["port"]
            time.sleep(0.05)
        if self.port is None:
            self.out.seek(0)
            raise AssertionError("s3 peer did not start:\n" + self.out.read())
        self.endpoint = "http://127.0.0.1:%d" % self.port

    def aws(self, *args, check=True):
        """Runs Debian's awscli against the peer; (rc, stdout, stderr)."""
        env = dict(os.environ)
        env.update({"AWS_ACCESS_KEY_ID": self.key,
                    "AWS_SECRET_ACCESS_KEY": self.secret,
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_EC2_METADATA_DISABLED": "true",
                    "AWS_CONFIG_FILE": "/dev/null",
                    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
        p = subprocess.run([AWS, "--endpoint-url", self.endpoint] + list(args),
                           env=env, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError("aws %s failed: %s %s" % (args, p.stdout, p.stderr))
        return p.returncode, p.stdout, p.stderr

    def keys(self, prefix=""):
        _, out, _ = self.aws("s3api", "list-objects-v2", "--bucket", self.bucket,
                             "--prefix", prefix)
        if not out.strip():
            return []
        return sorted(o["Key"] for o in json.loads(out).get("Contents", []))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class CuttingProxy:
    """Forwards 127.0.0.1:<port> to a target; once `cut_after` bytes went
    upstream in total, it drops every connection and refuses new ones
    (the S3 server becomes unreachable mid-upload)."""

    def __init__(self, target_port, cut_after):
        self.target = target_port
        self.cut_after = cut_after
        self.sent = 0
        self.cut = threading.Event()
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.cut.is_set():
            r, _, _ = select.select([self.lsock], [], [], 0.1)
            if not r:
                continue
            c, _ = self.lsock.accept()
            if self.cut.is_set():
                c.close()
                break
            u = socket.create_connection(("127.0.0.1", self.target))
            self.conns += [c, u]
            threading.Thread(target=self._pump, args=(c, u, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c, False), daemon=True).start()
        self.lsock.close()

    def _pump(self, src, dst, upstream):
        try:
            while not self.cut.is_set():
                data = src.recv(65536)
                if not data:
                    break
                if upstream:
                    self.sent += len(data)
                    if self.sent >= self.cut_after:
                        self._cut()
                        break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def _cut(self):
        self.cut.set()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self._cut()
        self.thread.join(5)
