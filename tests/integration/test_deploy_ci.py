"""The workflow files under .github/workflows pass a real validator
(@action-validator/cli from npm, pinned in tests/package-lock.json, run
offline), a broken copy fails it, and the pipeline has the stages the
project relies on: lint, build, make check, coverage, an image tagged with
branch and commit, and deploys to staging and production with a health
check and a roll-back.
"""

import glob
import os
import shutil
import subprocess
import unittest

import hawktest

WF = os.path.join(hawktest.SRC, ".github", "workflows")
TOOL = os.path.join(hawktest.SRC, "tests", "node_modules", ".bin", "action-validator")


class WorkflowTest(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(TOOL):
            self.skipTest("action-validator not installed: scripts/install-deps.sh test "
                          "(npm ci --prefix tests)")

    def validate(self, path):
        return subprocess.run([TOOL, path], capture_output=True, text=True, timeout=60)

    def test_every_workflow_is_valid(self):
        files = sorted(glob.glob(os.path.join(WF, "*.yml")))
        self.assertEqual([os.path.basename(f) for f in files], ["ci.yml", "deploy.yml"])
        for f in files:
            p = self.validate(f)
            self.assertEqual(p.returncode, 0, "%s: %s%s" % (f, p.stdout, p.stderr))

    def test_a_broken_workflow_fails(self):
        d = hawktest.make_tmpdir("hawk-wf-")
        try:
            with open(os.path.join(WF, "ci.yml")) as f:
                text = f.read()
            bad = os.path.join(d, "ci.yml")
            with open(bad, "w") as f:
                f.write(text.replace("runs-on:", "runs_on:", 1))
            p = self.validate(bad)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("runs_on", p.stdout + p.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_pipeline_stages(self):
        with open(os.path.join(WF, "ci.yml")) as f:
            ci = f.read()
        with open(os.path.join(WF, "deploy.yml")) as f:
            dep = f.read()
        for text in ("pull_request", "scripts/format.sh --check", "clang-tidy", "cppcheck",
                     "scripts/check-source.sh", "make check", "postgres:15", "gcovr",
                     "upload-artifact", "setup-buildx-action", "cache-from", "type=ref,event=branch",
                     "type=sha"):
            self.assertIn(text, ci)
        for text in ("production", "staging", "develop", "health/readiness", "rolled back",
                     "DEPLOY_SSH_KEY"):
            self.assertIn(text, dep)


if __name__ == "__main__":
    unittest.main()
