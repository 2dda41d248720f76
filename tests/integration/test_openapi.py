"""docs/openapi.yaml describes exactly the routes the server registers
(`hawk routes`), and a real OpenAPI linter (@redocly/cli, installed from
tests/package-lock.json) passes on it with no warnings."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import hawktest

DOC = os.path.join(hawktest.SRC, "docs", "openapi.yaml")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def documented_routes(path):
    """(METHOD, pattern) pairs from the document's paths section.

    The file is block YAML with paths at indent 2 and methods at indent 4;
    reading it line by line keeps the test free of a YAML dependency."""
    routes = set()
    in_paths = False
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            indent = len(line) - len(line.lstrip(" "))
            text = line.strip()
            if indent == 0:
                in_paths = text == "paths:"
                continue
            if not in_paths:
                continue
            if indent == 2:
                m = re.match(r'^"?(/[^"]*)"?:$', text)
                current = m.group(1) if m else None
            elif indent == 4 and current:
                m = re.match(r"^([a-z]+):$", text)
                if m and m.group(1) in METHODS:
                    routes.add((m.group(1).upper(), current))
    return routes


class OpenApiTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hawk-openapi-")
        cls.cfg = hawktest.write_config(cls.dir, hawktest.free_port())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def registered_routes(self):
        rc, out, err = hawktest.run_hawk(["routes", "-c", self.cfg])
        self.assertEqual(rc, 0, err)
        routes = set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1].startswith("/"):
                routes.add((parts[0], parts[1]))
        self.assertGreater(len(routes), 10, out)
        return routes

    def test_document_matches_router(self):
        doc = documented_routes(DOC)
        reg = self.registered_routes()
        missing = sorted(reg - doc)
        extra = sorted(doc - reg)
        self.assertEqual(missing, [], "routes registered but not in docs/openapi.yaml: %s"
                         % ", ".join("%s %s" % r for r in missing))
        self.assertEqual(extra, [], "routes in docs/openapi.yaml the server does not "
                         "register: %s" % ", ".join("%s %s" % r for r in extra))

    def test_parser_sees_the_document(self):
        doc = documented_routes(DOC)
        self.assertIn(("GET", "/api/v1/job-applications"), doc)
        self.assertIn(("DELETE", "/api/v1/job-applications/{id}/notes/{note_id}"), doc)

    def test_redocly_lint(self):
        tests_dir = os.path.join(hawktest.SRC, "tests")
        bin_ = os.path.join(tests_dir, "node_modules", ".bin", "redocly")
        if not os.path.exists(bin_):
            self.fail("the OpenAPI linter is not installed: run scripts/install-deps.sh "
                      "test (npm ci --prefix tests)")
        p = subprocess.run([bin_, "lint", "--format", "stylish", DOC], cwd=tests_dir,
                           capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, REDOCLY_TELEMETRY="off",
                                    REDOCLY_SUPPRESS_UPDATE_NOTICE="true"))
        output = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, output)
        self.assertNotRegex(output, r"\b(warning|error)\b.*\bat #/", output)
        self.assertNotIn("You have", output, output)


if __name__ == "__main__":
    unittest.main()
