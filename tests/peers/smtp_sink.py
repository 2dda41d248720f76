#!/usr/bin/python3
"""A real SMTP server for the mail tests: aiosmtpd (Debian's
python3-aiosmtpd, importable by the system Python) on 127.0.0.1, keeping
every message it accepts in memory.

    sink = SmtpSink(auth=("hawk", "s3cret"), tls="starttls").start()
    sink.port, sink.ca_file          # point hawk at it
    sink.script(["451 4.3.0 try again later"])   # next DATA answers this
    msgs = sink.wait_for(1)          # [{"from", "to", "data", "user"}]
    sink.stop()

tls: "none" (plain), "starttls" (offers STARTTLS; the client decides),
"require" (refuses MAIL before STARTTLS), "implicit" (TLS from the first
byte, smtps://).  TLS uses a throwaway certificate for 127.0.0.1 made with
openssl; ca_file is its path.  auth: (user, password) makes AUTH PLAIN
and LOGIN mandatory; a wrong password gets 535.
"""

import os
import shutil
import warnings
import socket
import ssl
import subprocess
import tempfile
import threading
import time

# AUTH without TLS is what the plain-text tests want; do not warn about it.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
import logging  # noqa: E402
logging.getLogger("mail.log").setLevel(logging.ERROR)

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(directory):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert, key)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.sink._next("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.sink._next("DATA")
        if reply:
            return reply
        user = session.auth_data if isinstance(session.auth_data, str) else None
        with self.sink.lock:
            self.sink.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                       "data": envelope.original_content or envelope.content,
                                       "user": user, "tls": session.ssl is not None})
            n = len(self.sink.messages)
        return "250 Message accepted for delivery, queued as %d" % n


class SmtpSink:
    def __init__(self, auth=None, tls="none"):
        self.auth = auth
        self.tls = tls
        self.lock = threading.Lock()
        self.messages = []
        self.replies = []  # (stage, reply) scripted answers
        self.dir = tempfile.mkdtemp(prefix="hawk-smtp-")
        self.ca_file = None
        self.controller = None
        self.port = None

    def _next(self, stage):
        with self.lock:
            for i, (st, reply) in enumerate(self.replies):
                if st == stage:
                    self.replies.pop(i)
                    return reply
        return None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and self.auth is not None and
              auth_data.login.decode() == self.auth[0] and
              auth_data.password.decode() == self.auth[1])
        # handled=False: aiosmtpd answers 235 or 535 itself.
        return AuthResult(success=ok, handled=False,
                          auth_data=auth_data.login.decode() if ok else None)

    def start(self):
        kwargs = {}
        ssl_ctx = None
        if self.tls != "none":
            cert, key = make_cert(self.dir)
            self.ca_file = cert
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            if self.tls == "implicit":
                ssl_ctx = ctx
            else:
                kwargs["tls_context"] = ctx
                kwargs["require_starttls"] = self.tls == "require"
        if self.auth is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=False)
        last = None
        for _ in range(5):
            self.port = _free_port()
            self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                         ssl_context=ssl_ctx, server_hostname="127.0.0.1",
                                         **kwargs)
            try:
                self.controller.start()
                return self
            except Exception as e:  # the port was taken in between: try another
                last = e
        raise RuntimeError("smtp sink did not start: %s" % last)

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("smtps" if self.tls == "implicit" else "smtp", self.port)

    def script(self, replies, stage="DATA"):
        """The next len(replies) `stage` commands (DATA or RCPT) answer
        with these replies ("451 4.3.0 try later") instead of accepting."""
        with self.lock:
            self.replies.extend((stage, r) for r in replies)

    def wait_for(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            raise AssertionError("smtp sink got %d of %d mails in %ss" %
                                 (len(self.messages), n, timeout))

    def reset(self):
        with self.lock:
            self.messages = []
            self.replies = []

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
