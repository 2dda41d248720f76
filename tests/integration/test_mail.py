"""Mail through a real SMTP server (aiosmtpd, tests/peers/smtp_sink.py):
plain SMTP, STARTTLS (tried and required), implicit TLS (smtps://), AUTH,
refused logins and recipients, deferrals; the message parsed back with
Python's own email package (multipart/alternative, UTF-8 subject, Date,
Message-ID); and the spool folder when no server is configured.  Driven
through `hawk mail test`, which sends at once with the configured
settings.
"""

import email
import email.policy
import email.utils
import glob
import os
import shutil
import sys
import unittest

import hawktest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
from smtp_sink import SmtpSink  # noqa: E402

PASSWORD = "smtp-Pa55word-7f3e9c1d"


class MailTest(unittest.TestCase):
    def setUp(self):
        self.dir = hawktest.make_tmpdir("hawk-mail-")
        self.sinks = []

    def tearDown(self):
        for s in self.sinks:
            s.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def sink(self, **kw):
        s = SmtpSink(**kw).start()
        self.sinks.append(s)
        return s

    def send(self, mail_cfg, *args):
        cfg = hawktest.write_config(self.dir, hawktest.free_port(),
                                    extra_config="mail = { %s };" % mail_cfg)
        rc, out, err = hawktest.run_hawk(["mail", "test", "-c", cfg] + list(args),
                                         env={"SMTP_PASSWORD": PASSWORD})
        self.assertNotIn(PASSWORD, out + err)
        return rc, out, err

    def parse(self, raw):
        return email.message_from_bytes(raw, policy=email.policy.default)

    def test_plain_smtp_with_auth_and_a_utf8_template(self):
        s = self.sink(auth=("hawk", PASSWORD))
        rc, out, err = self.send(
            'smtp_url = "%s"; starttls = "off"; username = "hawk"; '
            'password = "${SMTP_PASSWORD}"; from = "noreply@hawk.test"; '
            'from_name = "Hawk Jobs"; reply_to = "help@hawk.test";' % s.url,
            "--to", "zoe@example.test", "--template", "password_reset",
            "--var", "name=Zoë 東京", "--var", "reset_url=https://hawk.test/reset?token=abc&x=1",
            "--var", "expires_minutes=60")
        self.assertEqual(rc, 0, err)
        self.assertIn("accepted by the SMTP server", out)
        m = s.wait_for(1)[0]
        self.assertEqual(m["user"], "hawk")
        self.assertEqual(m["from"], "noreply@hawk.test")
        self.assertEqual(m["to"], ["zoe@example.test"])
        msg = self.parse(m["data"])
        self.assertEqual(msg["Subject"], "Reset your hawk password")
        self.assertEqual(msg["From"].addresses[0].display_name, "Hawk Jobs")
        self.assertEqual(msg["From"].addresses[0].addr_spec, "noreply@hawk.test")
        self.assertEqual(msg["To"].addresses[0].addr_spec, "zoe@example.test")
        self.assertEqual(msg["Reply-To"].addresses[0].addr_spec, "help@hawk.test")
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertIsNone(msg["List-Unsubscribe"])
        self.assertIsNotNone(email.utils.parsedate_to_datetime(msg["Date"]))
        self.assertRegex(msg["Message-ID"], r"^<[0-9a-f]{20}\.\d+@hawk\.test>$")
        self.assertEqual(msg.get_content_type(), "multipart/alternative")
        parts = {p.get_content_type(): p for p in msg.iter_parts()}
        self.assertEqual(set(parts), {"text/plain", "text/html"})
        text = parts["text/plain"].get_content()
        html = parts["text/html"].get_content()
        self.assertIn("Hello Zoë 東京,", text)
        self.assertIn("https://hawk.test/reset?token=abc&x=1", text)
        self.assertIn("https://hawk.test/reset?token=abc&amp;x=1", html)
        self.assertIn("expires in 60 minutes", text)
        # Every line of the raw message is short and CRLF-terminated.
        for line in m["data"].split(b"\r\n"):
            self.assertLessEqual(len(line), 78)

    def test_utf8_subject_is_rfc2047_encoded(self):
        s = self.sink()
        tdir = os.path.join(self.dir, "templates")
        os.makedirs(tdir)
        with open(os.path.join(tdir, "hi.txt"), "w") as f:
            f.write("Subject: Grüße, {{name}} — ✓ your plan is ready\n\nHallo {{name}}\n")
        rc, out, err = self.send('smtp_url = "%s"; starttls = "off"; templates_dir = "%s";'
                                 % (s.url, tdir), "--to", "a@example.test", "--template", "hi",
                                 "--var", "name=Jürgen")
        self.assertEqual(rc, 0, err)
        raw = s.wait_for(1)[0]["data"]
        self.assertIn(b"Subject: =?UTF-8?B?", raw)
        msg = self.parse(raw)
        self.assertEqual(msg["Subject"], "Grüße, Jürgen — ✓ your plan is ready")
        self.assertEqual(msg.get_content_type(), "text/plain")
        self.assertEqual(msg.get_content().replace("\r\n", "\n"), "Hallo Jürgen\n")

    def test_starttls_required_and_offered(self):
        s = self.sink(auth=("hawk", PASSWORD), tls="require")
        rc, out, err = self.send('smtp_url = "%s"; starttls = "require"; ca_file = "%s"; '
                                 'username = "hawk"; password = "${SMTP_PASSWORD}";'
                                 % (s.url, s.ca_file), "--to", "t@example.test")
        self.assertEqual(rc, 0, err)
        m = s.wait_for(1)[0]
        self.assertTrue(m["tls"])
        self.assertEqual(m["user"], "hawk")

    def test_starttls_auto_uses_it_when_offered(self):
        s = self.sink(tls="starttls")
        rc, _, err = self.send('smtp_url = "%s"; ca_file = "%s";' % (s.url, s.ca_file),
                               "--to", "t@example.test")
        self.assertEqual(rc, 0, err)
        self.assertTrue(s.wait_for(1)[0]["tls"])

    def test_starttls_required_but_not_offered(self):
        s = self.sink()
        rc, _, err = self.send('smtp_url = "%s"; starttls = "require";' % s.url,
                               "--to", "t@example.test")
        self.assertEqual(rc, 1)
        self.assertIn("does not offer STARTTLS", err)
        self.assertEqual(s.messages, [])

    def test_untrusted_certificate_refused(self):
        s = self.sink(tls="starttls")
        rc, _, err = self.send('smtp_url = "%s"; starttls = "require";' % s.url,
                               "--to", "t@example.test")
        self.assertEqual(rc, 1)
        self.assertIn("tls with smtp server", err)
        self.assertEqual(s.messages, [])

    def test_implicit_tls_smtps(self):
        s = self.sink(auth=("hawk", PASSWORD), tls="implicit")
        self.assertTrue(s.url.startswith("smtps://"))
        rc, _, err = self.send('smtp_url = "%s"; ca_file = "%s"; username = "hawk"; '
                               'password = "${SMTP_PASSWORD}";' % (s.url, s.ca_file),
                               "--to", "t@example.test")
        self.assertEqual(rc, 0, err)
        self.assertEqual(s.wait_for(1)[0]["user"], "hawk")

    def test_wrong_password_named_not_shown(self):
        s = self.sink(auth=("hawk", "the-real-one"))
        rc, out, err = self.send('smtp_url = "%s"; starttls = "off"; username = "hawk"; '
                                 'password = "${SMTP_PASSWORD}";' % s.url, "--to", "t@example.test")
        self.assertEqual(rc, 1)
        self.assertIn("refused the login (535)", err)
        self.assertIn("mail.password", err)
        self.assertEqual(s.messages, [])

    def test_rejected_and_deferred_recipients(self):
        s = self.sink()
        s.script(["550 5.1.1 <t@example.test>: no such user"], stage="RCPT")
        rc, _, err = self.send('smtp_url = "%s"; starttls = "off";' % s.url, "--to", "t@example.test")
        self.assertEqual(rc, 1)
        self.assertIn("rejected the mail to t@example.test (550)", err)
        s.script(["451 4.7.1 greylisted, try again later"])
        rc, _, err = self.send('smtp_url = "%s"; starttls = "off";' % s.url, "--to", "t@example.test")
        self.assertEqual(rc, 1)
        self.assertIn("deferred the mail to t@example.test (451)", err)
        self.assertEqual(s.messages, [])
        rc, _, err = self.send('smtp_url = "%s"; starttls = "off";' % s.url, "--to", "t@example.test")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(s.wait_for(1)), 1)

    def test_dot_lines_survive(self):
        s = self.sink()
        tdir = os.path.join(self.dir, "templates")
        os.makedirs(tdir)
        with open(os.path.join(tdir, "dots.txt"), "w") as f:
            f.write("Subject: dots\n\n.\n..\n.leading dot\n")
        rc, _, err = self.send('smtp_url = "%s"; starttls = "off"; templates_dir = "%s";'
                               % (s.url, tdir), "--to", "d@example.test", "--template", "dots")
        self.assertEqual(rc, 0, err)
        msg = self.parse(s.wait_for(1)[0]["data"])
        self.assertEqual(msg.get_content().replace("\r\n", "\n"), ".\n..\n.leading dot\n")

    def test_no_server_writes_the_spool_folder(self):
        rc, out, err = self.send('from = "noreply@hawk.test";', "--to", "s@example.test",
                                 "--template", "trial_ended", "--var", "name=Sam",
                                 "--var", "plans_url=http://127.0.0.1:8080/plans")
        self.assertEqual(rc, 0, err)
        self.assertIn("written to the mail folder", out)
        files = glob.glob(os.path.join(self.dir, "var", "mail", "*.eml"))
        self.assertEqual(len(files), 1)
        self.assertEqual(os.stat(files[0]).st_mode & 0o777, 0o600)
        with open(files[0], "rb") as f:
            msg = self.parse(f.read())
        self.assertEqual(msg["Subject"], "Your hawk trial has ended")
        self.assertIn("http://127.0.0.1:8080/plans", msg.get_content())

    def test_bad_settings_named(self):
        rc, _, err = self.send('smtp_url = "mail.example.com:25";', "--to", "x@example.test")
        self.assertEqual(rc, 2)
        self.assertIn("mail.smtp_url must start with smtp:// or smtps://", err)
        rc, _, err = self.send('starttls = "sometimes";', "--to", "x@example.test")
        self.assertEqual(rc, 2)
        self.assertIn("hawk.cfg:", err)
        self.assertIn("mail.starttls must be auto, require or off", err)
        rc, _, err = self.send('from = "not-an-address";', "--to", "x@example.test")
        self.assertEqual(rc, 2)
        self.assertIn("mail.from", err)


if __name__ == "__main__":
    unittest.main()
