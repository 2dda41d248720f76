"""bench/browser/apply.py [N] - Easy Apply through the real hawk serve,
its queue worker, the real chromedriver and Chromium, against the fixture
site (tests/fixtures/linkedin) with the human-like delays set to 0:

  - time per full application and per dialog step, split into the time
    spent waiting on the browser (WebDriver commands) and hawk's own;
  - Chromium memory per session (PSS of the session's processes, idle
    after the runs) and sessions per GiB.

Run from the source tree after `make` (uses $HAWK_BUILD_DIR like the
tests).  Not a test: numbers on a shared machine are noisy.
"""

import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))

import hawktest  # noqa: E402
import litest  # noqa: E402
import pfutil  # noqa: E402

# Fixture jobs with the two-step "short" form (contact info, resume) and
# the one with the "standard" form (three steps, every field type).
SHORT = ["4100000003", "4100000009", "4100000010", "4100000012", "4100000013",
         "4100000015", "4100000016", "4100000018", "4100000019", "4100000021"]
STANDARD = "4100000001"
ANSWERS = {
    "Mobile phone number": "1520 1234567",
    "How many years of work experience do you have with C?": "12",
    "Are you legally authorized to work in Germany?": "Yes",
    "Will you now or in the future require sponsorship for employment visa status?": "No",
    "Why do you want to work at Acme Robotics?": "I build robots in C.",
    "City": "Berl",
    "Earliest start date": "2027-01-15",
}
STEPS = {"short": 3, "standard": 4}  # dialog steps including Review


def pss_kib(marker):
    total, n = 0, 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            if marker not in cmd or "hawk serve" in cmd:
                continue
            # PSS: Chromium's processes share most of their pages, which
            # RSS would count once per process.
            with open("/proc/%s/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        n += 1
        except OSError:
            continue
    return total, n


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    fx = litest.LinkedInFixture().start()
    pg = hawktest.PgCluster()
    srv = None
    try:
        srv = hawktest.HawkServer(
            db_url=pg.url,
            extra_config='queue = { workers = 1; poll_interval = "50ms"; };'
                         ' browser = { idle_timeout = "5m"; };',
            plugins=litest.plugin_entry(fx.base, session_cookie="valid-bench", min_gap="0s",
                                        daily_cap=500))
        auth = srv.register_and_login()
        tok = auth["access_token"]
        uid = int(pg.psql("SELECT id FROM users WHERE email = '%s'" % auth["email"]))
        pg.psql("INSERT INTO subscriptions (user_id, plan_id, status) SELECT %d, id,"
                " 'active' FROM plans WHERE name = 'Career Pro'" % uid)
        ctype, body = pfutil.multipart([("name", "cv"),
                                        ("file", ("cv.pdf", pfutil.PDF, "application/pdf"))])
        srv.request("POST", "/api/v1/resumes/upload", token=tok,
                    headers={"Content-Type": ctype}, body=body)
        for q, a in ANSWERS.items():
            srv.request("PUT", "/api/v1/answers", token=tok, json={"question": q, "answer": a})
        jobs = [STANDARD] + SHORT[:max(0, n - 1)]
        src = """function run()
  local want = {%s}
  for _, j in ipairs(hawk.search{board = "linkedin", keywords = "engineer", limit = 100}) do
    if want[j.id] then hawk.apply(j, {}) end
  end
  for _, j in ipairs(hawk.search{board = "linkedin", keywords = "programmer", limit = 100}) do
    if want[j.id] then hawk.apply(j, {}) end
  end
end
""" % ", ".join('["%s"] = true' % j for j in jobs)
        t0 = time.time()
        litest.run_workflow(srv, tok, src, dry_run=False, timeout=120)
        deadline = time.time() + 300
        while time.time() < deadline:
            left = pg.psql("SELECT count(*) FROM queue_jobs WHERE kind = 'application_submit'"
                           " AND state NOT IN ('done', 'dead')")
            if left == "0":
                break
            time.sleep(0.2)
        wall = time.time() - t0
        kib, procs = pss_kib(srv.dir)
        lines = [json.loads(l) for l in srv.proc.stdout().splitlines() if l.startswith("{")]
        runs = []
        for l in lines:
            m = re.match(r"linkedin: job (\d+) (\w+) in (\d+) ms \((\d+) ms in (\d+) browser "
                         r"commands, (\d+) questions\)", l.get("msg", ""))
            if m:
                runs.append((m.group(1), m.group(2), int(m.group(3)), int(m.group(4)),
                             int(m.group(5)), int(m.group(6))))
        print("applications: %d submitted of %d in %.1f s wall (queue, search and session"
              " start included)" % (sum(1 for r in runs if r[1] == "submitted"), len(runs), wall))
        for kind, ids in (("standard", [STANDARD]), ("short", SHORT)):
            sel = [r for r in runs if r[0] in ids and r[1] == "submitted"]
            if not sel:
                continue
            total = sorted(r[2] for r in sel)[len(sel) // 2]
            browser = sorted(r[3] for r in sel)[len(sel) // 2]
            cmds = sorted(r[4] for r in sel)[len(sel) // 2]
            steps = STEPS[kind]
            print("%-8s form (%d runs, median): %5d ms per application, %4d ms per step;"
                  " browser %5d ms (%d commands), hawk-side %4d ms"
                  % (kind, len(sel), total, total // steps, browser, cmds, total - browser))
        if procs:
            mib = kib / 1024.0
            print("chromium: %.0f MiB PSS for 1 idle session (%d processes); %.1f sessions"
                  " per GiB" % (mib, procs, 1024.0 / mib))
    finally:
        if srv is not None:
            srv.stop()
            srv.cleanup()
        pg.destroy()
        fx.stop()


if __name__ == "__main__":
    main()
