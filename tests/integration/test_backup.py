"""hawk backup against a real PostgreSQL, the SigV4-checking S3 peer
(@20minutes/s3rver) and Debian's awscli as an independent client."""

import base64
import email
import email.policy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

from hawktest import PLUGIN_DIR, HawkServer, PgCluster, make_tmpdir, run_hawk
from s3peer import CuttingProxy, S3Peer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
from smtp_sink import SmtpSink  # noqa: E402

SEED_SQL = """
CREATE TABLE IF NOT EXISTS drill_a (id int PRIMARY KEY, name text, at timestamptz);
CREATE TABLE IF NOT EXISTS drill_b (k text PRIMARY KEY, v jsonb, blob bytea);
INSERT INTO drill_a SELECT g, 'name ' || g || ' é', '2026-01-01'::timestamptz + g * interval '1 hour'
  FROM generate_series(1, 2000) g;
INSERT INTO drill_b SELECT 'k' || g, jsonb_build_object('n', g, 'sq', g * g),
  decode(md5(g::text), 'hex') FROM generate_series(1, 500) g;
"""


def table_contents(pg):
    """Every user table's rows, as text, for comparison."""
    tables = pg.psql("SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY 1)"
                     " FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    out = {}
    for t in tables.split(","):
        out[t] = pg.psql("SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')"
                         " FROM %s x" % t)
    return out


class BackupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = PgCluster()
        cls.s3 = S3Peer()
        # Migrate once so the hawk schema (and backup_runs) exists.
        d = make_tmpdir("hawk-bk-")
        cfg = os.path.join(d, "hawk.cfg")
        with open(cfg, "w") as f:
            f.write('data_dir = "%s/var";\ndatabase = { url = "%s"; };\n' % (d, cls.pg.url))
        rc, out, err = run_hawk(["migrate", "-c", cfg])
        assert rc == 0, (out, err)
        shutil.rmtree(d, ignore_errors=True)
        cls.pg.psql(SEED_SQL)

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()
        cls.pg.destroy()

    def setUp(self):
        self.dir = make_tmpdir("hawk-bk-")
        self.prefix = "t%d/" % (int(time.time() * 1000) % 100000000)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def config(self, storage=True, secret=None, endpoint=None, extra="", options=""):
        path = os.path.join(self.dir, "hawk.cfg")
        lines = ['data_dir = "%s/var";' % self.dir,
                 'log = { level = "info"; };',
                 'database = { url = "%s"; };' % self.pg.url]
        backup = ['dir = "%s/backups";' % self.dir]
        if storage:
            backup.append('storage = "s3";')
            lines.append(
                'plugins = ( { name = "s3"; path = "s3backup.so"; enabled = true; options = {'
                ' endpoint = "%s"; bucket = "%s"; prefix = "%s";'
                ' access_key_id = "%s"; secret_access_key = "%s";'
                ' retry_base = "20ms"; retry_cap = "100ms"; max_retries = 2; %s }; } );'
                % (endpoint or self.s3.endpoint, self.s3.bucket, self.prefix,
                   self.s3.key, secret or self.s3.secret, options))
        lines.append("backup = { %s %s };" % (" ".join(backup), extra))
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def hawk(self, cfg, *args, env=None, timeout=300):
        e = {"HAWK_PLUGIN_PATH": PLUGIN_DIR}
        e.update(env or {})
        return run_hawk(["-c", cfg, "backup"] + list(args), env=e, timeout=timeout)

    def create(self, cfg, **kw):
        rc, out, err = self.hawk(cfg, "create", "--json", **kw)
        self.assertEqual(rc, 0, out + err)
        return json.loads(out)

    def local_files(self):
        d = os.path.join(self.dir, "backups")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    # ---- create, list, download; awscli reads what hawk wrote ----------

    def test_create_is_listed_and_downloadable_by_awscli(self):
        cfg = self.config()
        info = self.create(cfg)
        name = info["name"]
        self.assertRegex(name, r"^hawk-\d{8}T\d{6}Z$")
        self.assertEqual(info["where"], ["local", "remote"])
        keys = self.s3.keys(self.prefix)
        self.assertEqual(keys, [self.prefix + name + ".dump.zst", self.prefix + name + ".json"])

        _, out, _ = self.s3.aws("s3api", "head-object", "--bucket", self.s3.bucket,
                                "--key", self.prefix + name + ".json")
        meta = json.loads(out)["Metadata"]
        self.assertEqual(meta["sha256"], info["sha256"])
        self.assertEqual(meta["hawk-backup"], name)
        self.assertEqual(int(meta["stored-bytes"]), info["size"])
        self.assertGreater(int(meta["schema-version"]), 0)
        _, out, _ = self.s3.aws("s3api", "head-object", "--bucket", self.s3.bucket,
                                "--key", self.prefix + name + ".dump.zst")
        self.assertEqual(json.loads(out)["Metadata"]["hawk-backup"], name)

        dl = os.path.join(self.dir, "via-aws.zst")
        self.s3.aws("s3", "cp", "--no-progress",
                    "s3://%s/%s%s.dump.zst" % (self.s3.bucket, self.prefix, name), dl)
        with open(dl, "rb") as f:
            data = f.read()
        self.assertEqual(hashlib.sha256(data).hexdigest(), info["sha256"])
        with open(os.path.join(self.dir, "backups", name + ".dump.zst"), "rb") as f:
            self.assertEqual(f.read(), data)
        # The object is a zstd stream of a pg_dump custom archive.
        raw = subprocess.run(["zstd", "-dc", dl], capture_output=True, check=True).stdout
        self.assertEqual(raw[:5], b"PGDMP")

        rc, out, err = self.hawk(cfg, "list", "--json")
        self.assertEqual(rc, 0, err)
        listed = json.loads(out)
        self.assertEqual(listed[0]["name"], name)
        self.assertEqual(listed[0]["sha256"], info["sha256"])

        # Remote only: download brings it back, checksum-checked.
        shutil.rmtree(os.path.join(self.dir, "backups"))
        rc, out, err = self.hawk(cfg, "list", "--json")
        self.assertEqual(json.loads(out)[0]["where"], ["remote"])
        rc, out, err = self.hawk(cfg, "download", name)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.local_files(), [name + ".dump.zst", name + ".json"])
        rc, out, err = self.hawk(cfg, "verify", name)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("is good", out)

    def test_wrong_secret_is_a_clear_error_and_leaves_nothing(self):
        cfg = self.config(secret="not-the-secret")
        rc, out, err = self.hawk(cfg, "create")
        self.assertEqual(rc, 1)
        self.assertIn("SignatureDoesNotMatch", err)
        self.assertIn("secret_access_key", err)
        self.assertNotIn("not-the-secret", out + err)
        self.assertEqual(self.local_files(), [])
        self.assertEqual(self.s3.keys(self.prefix), [])
        last = self.pg.psql("SELECT status FROM backup_runs ORDER BY id DESC LIMIT 1")
        self.assertEqual(last, "failed")

    # ---- restore drill -------------------------------------------------

    def test_restore_drill(self):
        cfg = self.config()
        before = table_contents(self.pg)
        self.assertIn("public.drill_a", before)
        name = self.create(cfg)["name"]
        # Drop one table, corrupt another, add one that did not exist.
        self.pg.psql("DROP TABLE drill_a; UPDATE drill_b SET v = '{}' WHERE k < 'k3';"
                     " DELETE FROM drill_b WHERE k = 'k7'; CREATE TABLE intruder (x int);")
        self.assertNotEqual(table_contents(self.pg), before)
        # Restore from the remote copy only.
        shutil.rmtree(os.path.join(self.dir, "backups"))
        rc, out, err = self.hawk(cfg, "restore", name, "--yes")
        self.assertEqual(rc, 0, out + err)
        after = table_contents(self.pg)
        # backup_runs gained the rows of this very run after the dump.
        before.pop("public.backup_runs", None)
        after.pop("public.backup_runs", None)
        self.assertEqual(after, before)

    def test_restore_refuses_without_yes_and_without_tty(self):
        cfg = self.config(storage=False)
        name = self.create(cfg)["name"]
        self.pg.psql("CREATE TABLE marker_no_tty (x int)")
        try:
            rc, out, err = self.hawk(cfg, "restore", name)
            self.assertEqual(rc, 3)
            self.assertIn("--yes", err)
            self.assertEqual(self.pg.psql("SELECT to_regclass('marker_no_tty') IS NOT NULL"), "t")
        finally:
            self.pg.psql("DROP TABLE marker_no_tty")

    # ---- damaged copies ----------------------------------------------------

    def test_damaged_copy_fails_verify_and_restore_refuses_it(self):
        cfg = self.config(storage=False)
        name = self.create(cfg)["name"]
        path = os.path.join(self.dir, "backups", name + ".dump.zst")
        with open(path, "rb") as f:
            good = f.read()
        self.pg.psql("CREATE TABLE marker_damaged (x int)")
        try:
            for label, bad in (("bit flip", good[:100] + bytes([good[100] ^ 1]) + good[101:]),
                               ("truncated", good[:len(good) // 2])):
                with open(path, "wb") as f:
                    f.write(bad)
                rc, out, err = self.hawk(cfg, "verify", name)
                self.assertEqual(rc, 1, label)
                self.assertIn("damaged", err, label)
                rc, out, err = self.hawk(cfg, "restore", name, "--yes")
                self.assertEqual(rc, 1, label)
                self.assertIn("damaged", err, label)
                self.assertEqual(self.pg.psql("SELECT to_regclass('marker_damaged') IS NOT NULL"),
                                 "t", label)
            with open(path, "wb") as f:
                f.write(good)
            rc, out, err = self.hawk(cfg, "verify", name)
            self.assertEqual(rc, 0, err)
        finally:
            self.pg.psql("DROP TABLE IF EXISTS marker_damaged")

    # ---- encryption ---------------------------------------------------------

    def test_encrypted_backup_round_trip(self):
        key = "11" * 32
        cfg = self.config(extra='encryption_key_env = "HAWK_TEST_BACKUP_KEY";')
        info = self.create(cfg, env={"HAWK_TEST_BACKUP_KEY": key})
        self.assertEqual(info["encryption"], "secretstream-xchacha20poly1305")
        with open(os.path.join(self.dir, "backups", info["name"] + ".dump.zst.enc"), "rb") as f:
            self.assertEqual(f.read(8), b"HKBKSS01")
        rc, out, err = self.hawk(cfg, "verify", info["name"], env={"HAWK_TEST_BACKUP_KEY": key})
        self.assertEqual(rc, 0, err)
        rc, out, err = self.hawk(cfg, "verify", info["name"],
                                 env={"HAWK_TEST_BACKUP_KEY": "22" * 32})
        self.assertEqual(rc, 1)
        self.assertIn("wrong key", err)
        rc, out, err = self.hawk(cfg, "list", env={"HAWK_TEST_BACKUP_KEY": ""})
        self.assertEqual(rc, 2)
        self.assertIn("HAWK_TEST_BACKUP_KEY is not set", err)

    # ---- retention ------------------------------------------------------------

    def test_prune_keeps_exactly_what_the_policy_says(self):
        cfg = self.config(storage=False, extra="keep_last = 2; keep_daily = 3;"
                          " keep_weekly = 2; keep_monthly = 2;")
        real = self.create(cfg)
        d = os.path.join(self.dir, "backups")
        with open(os.path.join(d, real["name"] + ".json")) as f:
            manifest = json.load(f)
        os.unlink(os.path.join(d, real["name"] + ".json"))
        os.unlink(os.path.join(d, real["name"] + ".dump.zst"))
        # A synthetic calendar: "now" is Wednesday 2026-03-18 12:00 UTC.
        stamps = ["20260318T1100", "20260318T0300", "20260317T0300", "20260317T0100",
                  "20260316T0300", "20260315T0300", "20260314T0300", "20260309T0300",
                  "20260308T0300", "20260301T0300", "20260227T0300", "20260210T0300",
                  "20260115T0300"]
        for s in stamps:
            name = "hawk-%s00Z" % s
            m = dict(manifest, name=name, file=name + ".dump.zst")
            with open(os.path.join(d, name + ".json"), "w") as f:
                json.dump(m, f)
            with open(os.path.join(d, name + ".dump.zst"), "wb") as f:
                f.write(b"x")
        now = "--now=%d" % 1773835200  # 2026-03-18T12:00:00Z
        rc, out, err = self.hawk(cfg, "prune", "--dry-run", "--json", now)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.local_files()), 2 * len(stamps))
        rc, out, err = self.hawk(cfg, "prune", "--json", now)
        self.assertEqual(rc, 0, err)
        kept = sorted(n[:-5] for n in self.local_files() if n.endswith(".json"))
        expect = sorted("hawk-%s00Z" % s for s in [
            "20260318T1100",  # last 2 (and daily, weekly, monthly for March)
            "20260318T0300",  # last 2
            "20260317T0300",  # daily (newest of the 17th)
            "20260316T0300",  # daily (16th), the last day of the 3-day window
            "20260315T0300",  # weekly: newest of the week Mar 9-15
            "20260227T0300",  # monthly: newest of February
        ])
        self.assertEqual(kept, expect)
        removed = json.loads(out)["removed"]
        self.assertEqual(len(removed), len(stamps) - len(expect))

    # ---- failures mid-upload ---------------------------------------------------

    def test_s3_unreachable_mid_upload(self):
        # ~12 MiB of incompressible rows: several 5 MiB parts.
        self.pg.psql("CREATE TABLE bulk_cut AS SELECT g, decode(string_agg(md5(g::text || r::text), ''), 'hex') AS b"
                     " FROM generate_series(1, 3000) g, generate_series(1, 256) r GROUP BY g")
        try:
            proxy = CuttingProxy(self.s3.port, cut_after=7 << 20)
            cfg = self.config(endpoint="http://127.0.0.1:%d" % proxy.port,
                              options='part_size = "5MiB";')
            rc, out, err = self.hawk(cfg, "create")
            proxy.stop()
            self.assertEqual(rc, 1, out + err)
            self.assertIn("cannot connect", err + out)
            self.assertIn("retrying", out)  # the plugin's retry log lines
            self.assertEqual(self.local_files(), [])
            self.assertEqual([k for k in self.s3.keys(self.prefix) if k.endswith(".json")], [])
            self.assertEqual(self.pg.psql("SELECT status FROM backup_runs ORDER BY id DESC LIMIT 1"),
                             "failed")
            rc, out, err = self.hawk(self.config(), "list", "--json")
            self.assertEqual(json.loads(out), [])
        finally:
            self.pg.psql("DROP TABLE bulk_cut")


class DailyBackupTest(unittest.TestCase):
    """The daily backup through the scheduler of `hawk serve`: retention
    after success, /health/detailed and /metrics, the failure mail."""

    def setUp(self):
        self.pg = PgCluster()
        self.s3 = S3Peer()
        self.smtp = SmtpSink().start()
        self.dir = make_tmpdir("hawk-bk-")
        self.servers = []

    def tearDown(self):
        for srv in self.servers:
            srv.cleanup()
        self.smtp.stop()
        self.s3.stop()
        self.pg.destroy()
        shutil.rmtree(self.dir, ignore_errors=True)

    def serve(self, storage=""):
        backup = ('backup = { dir = "%s/backups"; keep_last = 1; keep_daily = 0;'
                  ' keep_weekly = 0; keep_monthly = 0; alert_email = "ops@example.test";'
                  ' schedule = { enabled = true; time = "04:15"; tz = "Europe/Berlin"; };'
                  ' %s };' % (self.dir, 'storage = "s3";' if storage else ""))
        mail = 'mail = { smtp_url = "%s"; starttls = "off"; };' % self.smtp.url
        plugins = ""
        if storage:
            plugins = ('{ name = "s3"; path = "s3backup.so"; enabled = true; options = {'
                       ' endpoint = "%s"; bucket = "%s"; access_key_id = "%s";'
                       ' secret_access_key = "%s"; }; }'
                       % (self.s3.endpoint, self.s3.bucket, self.s3.key, storage))
        srv = HawkServer(db_url=self.pg.url, extra_config=backup + "\n" + mail,
                         plugins=plugins)
        self.servers.append(srv)
        return srv

    def fire(self):
        """Makes the daily schedule due now; returns when its job ended."""
        before = int(self.pg.psql("SELECT coalesce(max(id), 0) FROM queue_jobs"))
        self.pg.psql("UPDATE schedules SET next_run_at = now() - interval '1 second'"
                     " WHERE user_id IS NULL AND name = 'backup.daily'")
        deadline = time.time() + 120
        row = ""
        while time.time() < deadline:
            row = self.pg.psql(
                "SELECT state || '|' || coalesce(result::text, '') || '|' ||"
                " coalesce(last_error, '') FROM queue_jobs WHERE kind = 'backup.daily'"
                " AND id > %d ORDER BY id DESC LIMIT 1" % before)
            if row.split("|")[0] in ("done", "dead"):
                return row.split("|", 2)
            time.sleep(0.2)
        raise AssertionError("the daily backup did not finish: %r" % row)

    def test_a_configured_schedule_may_not_take_the_daily_backups_name(self):
        srv = HawkServer(db_url=self.pg.url, wait=False, extra_config=(
            'backup = { schedule = { enabled = true; }; };\n'
            'schedules = ( { name = "backup.daily"; cron = "@daily"; kind = "noop"; } );'))
        self.servers.append(srv)
        self.assertEqual(srv.proc.wait(60), 2)
        self.assertIn("'backup.daily' is taken by a built-in schedule", srv.proc.stdout())

    def local_names(self):
        d = os.path.join(self.dir, "backups")
        return sorted(n[:-5] for n in os.listdir(d) if n.endswith(".json"))

    def test_daily_backup_prunes_reports_and_mails_its_failure(self):
        srv = self.serve()
        # The built-in schedule: 04:15 in Berlin, next due in the future.
        self.assertEqual(self.pg.psql(
            "SELECT cron || '|' || tz || '|' || kind || '|' || (next_run_at > now())"
            " FROM schedules WHERE user_id IS NULL AND name = 'backup.daily'"),
            "15 4 * * *|Europe/Berlin|backup.daily|true")
        # Scheduled with no backup yet: stale, and hawk is degraded.
        _, _, h = srv.request("GET", "/health/detailed")
        self.assertEqual(h["backup"]["status"], "stale", h)
        self.assertEqual(h["status"], "degraded")

        rc, out, err = run_hawk(["-c", srv.config, "backup", "create", "--json"], env=srv.env)
        self.assertEqual(rc, 0, out + err)
        by_hand = json.loads(out)["name"]
        time.sleep(1.1)  # the next backup gets a later name

        state, result, error = self.fire()
        self.assertEqual(state, "done", error)
        result = json.loads(result)
        self.assertEqual(result["pruned"], 1)
        # keep_last = 1: the scheduled backup replaced the one by hand.
        self.assertEqual(self.local_names(), [result["name"]])
        self.assertNotEqual(result["name"], by_hand)
        rc, out, err = run_hawk(["-c", srv.config, "backup", "verify", result["name"]],
                                env=srv.env)
        self.assertEqual(rc, 0, out + err)

        _, _, h = srv.request("GET", "/health/detailed")
        self.assertEqual(h["backup"]["status"], "ok", h)
        self.assertEqual(h["backup"]["last_name"], result["name"])
        self.assertLess(h["backup"]["age_seconds"], 60)
        self.assertEqual(h["status"], "ok", h)
        _, _, m = srv.request("GET", "/metrics")
        m = m.decode()
        self.assertIn('hawk_backup_runs_total{status="ok"} 2\n', m)
        self.assertIn('hawk_backup_runs_total{status="failed"} 0\n', m)
        age = [l for l in m.splitlines() if l.startswith("hawk_backup_age_seconds ")]
        self.assertEqual(len(age), 1)
        self.assertLess(int(age[0].split()[1]), 60)
        self.assertEqual(self.smtp.messages, [])
        srv.stop()

        # The next day the S3 secret is wrong: the job fails at once (no
        # retry can fix credentials), the failure is mailed and shown.
        srv = self.serve(storage="not-the-secret")
        state, _, error = self.fire()
        self.assertEqual(state, "dead")
        self.assertIn("SignatureDoesNotMatch", error)
        msgs = self.smtp.wait_for(1)
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["to"], ["ops@example.test"])
        mail = email.message_from_bytes(msgs[0]["data"], policy=email.policy.default)
        self.assertIn("the scheduled backup failed", mail["subject"])
        body = mail.get_body(("plain",)).get_content()
        self.assertIn("SignatureDoesNotMatch", body)
        self.assertIn("attempt 1 of 3", body)
        self.assertNotIn("not-the-secret", msgs[0]["data"].decode())
        self.assertEqual(self.local_names(), [result["name"]])  # nothing pruned
        _, _, h = srv.request("GET", "/health/detailed")
        self.assertIn("SignatureDoesNotMatch", h["backup"]["last_error"])
        self.assertIn("last_failure", h["backup"])
        _, _, m = srv.request("GET", "/metrics")
        self.assertIn('hawk_backup_runs_total{status="failed"} 1\n', m.decode())
        srv.stop()


class BigBackupTest(unittest.TestCase):
    """A 200 MiB database goes up in parts with bounded memory."""

    def test_multipart_with_bounded_memory(self):
        pg = PgCluster()
        s3 = S3Peer()
        d = make_tmpdir("hawk-bk-")
        try:
            # 200 MiB of base64 text from random bytes, loaded with COPY
            # (fast), compressing to about three quarters: many parts.
            rows = os.path.join(d, "rows.txt")
            with open(rows, "w") as f:
                for i in range(1600):
                    f.write("%d\t%s\n" % (i, base64.b64encode(os.urandom(96 << 10)).decode()))
            os.chmod(d, 0o755)
            os.chmod(rows, 0o644)
            pg.psql("CREATE TABLE big (g int, b text); ALTER TABLE big ALTER b SET STORAGE EXTERNAL")
            pg.psql("COPY big FROM '%s'" % rows)
            os.unlink(rows)
            size = int(pg.psql("SELECT pg_total_relation_size('big')"))
            self.assertGreater(size, 190 << 20)
            cfg = os.path.join(d, "hawk.cfg")
            with open(cfg, "w") as f:
                f.write('data_dir = "%s/var";\ndatabase = { url = "%s"; };\n'
                        'backup = { storage = "s3"; local = false; };\n'
                        'plugins = ( { name = "s3"; path = "s3backup.so"; options = {'
                        ' endpoint = "%s"; bucket = "%s"; access_key_id = "%s";'
                        ' secret_access_key = "%s"; }; } );\n'
                        % (d, pg.url, s3.endpoint, s3.bucket, s3.key, s3.secret))
            env = dict(os.environ, HAWK_PLUGIN_PATH=PLUGIN_DIR)
            from hawktest import BIN
            p = subprocess.Popen([BIN, "-c", cfg, "backup", "create", "--json"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            peak = [0]

            def watch():
                while p.poll() is None:
                    try:
                        with open("/proc/%d/status" % p.pid) as f:
                            for line in f:
                                if line.startswith("VmHWM:"):
                                    peak[0] = max(peak[0], int(line.split()[1]) * 1024)
                    except OSError:
                        pass
                    time.sleep(0.05)
            t = threading.Thread(target=watch)
            t.start()
            out, err = p.communicate(timeout=300)
            t.join()
            self.assertEqual(p.returncode, 0, err.decode())
            info = json.loads(out)
            print("200 MiB database: %d bytes stored, peak RSS %d bytes" % (info["size"], peak[0]))
            self.assertGreater(info["size"], 150 << 20)
            limit = 96 << 20 if os.environ.get("HAWK_BUILD_TYPE") == "Asan" else 64 << 20
            self.assertLess(peak[0], limit, "peak RSS %d bytes" % peak[0])
            _, hout, _ = s3.aws("s3api", "head-object", "--bucket", s3.bucket,
                                "--key", info["name"] + ".dump.zst")
            self.assertEqual(json.loads(hout)["ContentLength"], info["size"])
            rc, vout, verr = run_hawk(["-c", cfg, "backup", "verify", info["name"]], env=env,
                                      timeout=300)
            self.assertEqual(rc, 0, verr)
        finally:
            s3.stop()
            pg.destroy()
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
