"""`make install`: the FHS layout below the prefix with DESTDIR prepended
(binary, plugins, SDK header and pkg-config file, config, templates, data
directory, units), the installed units passing systemd-analyze verify, an
installed hawk.cfg that is never overwritten, and the out-of-tree example
plugin (examples/plugin) built against the installed header alone and
loaded by the installed hawk.
"""

import json
import os
import re
import shutil
import subprocess
import unittest

import hawktest

BUILD = os.environ.get("HAWK_BUILD_DIR", os.path.join(hawktest.SRC, "build"))


def cache_value(name):
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(r"%s:[A-Z]+=(.*)$" % re.escape(name), line.strip())
            if m:
                return m.group(1)
    raise AssertionError("%s not in CMakeCache.txt" % name)


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dest = hawktest.make_tmpdir("hawk-install-")
        cls.prefix = cache_value("CMAKE_INSTALL_PREFIX")
        p = subprocess.run(["cmake", "--install", BUILD], capture_output=True, text=True,
                           env=dict(os.environ, DESTDIR=cls.dest))
        if p.returncode != 0:
            raise AssertionError("cmake --install failed:\n%s%s" % (p.stdout, p.stderr))
        cls.root = cls.dest + cls.prefix
        etc = "/etc" if cls.prefix == "/usr" else cls.prefix + "/etc"
        cls.etc = cls.dest + etc + "/hawk"
        libdir = cache_value("CMAKE_INSTALL_LIBDIR")
        cls.lib = os.path.join(cls.root, libdir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dest, ignore_errors=True)

    def test_fhs_layout(self):
        for rel in ("bin/hawk", "bin/hawk-sandbox", "include/hawk/plugin.h", "share/doc/hawk/README.md",
                    "share/doc/hawk/examples/plugin/shout.c",
                    "lib/systemd/system/hawk.service",
                    "lib/systemd/system/hawk-worker@.service",
                    "lib/sysusers.d/hawk.conf"):
            self.assertTrue(os.path.isfile(os.path.join(self.root, rel)), rel)
        self.assertTrue(os.access(os.path.join(self.root, "bin/hawk"), os.X_OK))
        for name in ("openai.so", "stripe.so", "s3backup.so", "linkedin.so"):
            self.assertTrue(os.path.isfile(os.path.join(self.lib, "hawk", "plugins", name)), name)
        self.assertTrue(os.path.isfile(os.path.join(self.lib, "pkgconfig", "hawk-plugin.pc")))
        for rel in ("hawk.cfg", "hawk.cfg.example", "prompts/score_system.txt",
                    "templates/resume.html"):
            self.assertTrue(os.path.isfile(os.path.join(self.etc, rel)), rel)
        # No test fixture plugin is installed.
        self.assertFalse(os.path.exists(os.path.join(self.lib, "hawk", "plugins", "good_llm.so")))
        state = os.path.join(self.root, "var/lib/hawk") if self.prefix != "/usr" else \
            os.path.join(self.dest, "var/lib/hawk")
        self.assertTrue(os.path.isdir(state))
        self.assertEqual(os.stat(state).st_mode & 0o777, 0o711)

    def test_installed_config_points_at_installed_paths(self):
        with open(os.path.join(self.etc, "hawk.cfg")) as f:
            cfg = f.read()
        self.assertRegex(cfg, r'data_dir = "/[^"]*/lib/hawk";')
        # the installed binary takes it as it is (plugins list reads it whole)
        p = subprocess.run([os.path.join(self.root, "bin/hawk"), "plugins", "list", "--json",
                            "-c", os.path.join(self.etc, "hawk.cfg")],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, HAWK_PLUGIN_PATH=os.path.join(
                               self.lib, "hawk", "plugins")))
        self.assertEqual(p.returncode, 0, p.stderr)
        json.loads(p.stdout)

    def test_units_carry_the_prefix_and_verify(self):
        tool = shutil.which("systemd-analyze")
        if tool is None:
            self.skipTest("systemd-analyze not installed (Debian package systemd)")
        units = os.path.join(self.root, "lib/systemd/system")
        d = hawktest.make_tmpdir("hawk-units-")
        try:
            files = []
            for name in ("hawk.service", "hawk-worker@.service"):
                with open(os.path.join(units, name)) as f:
                    text = f.read()
                self.assertIn("ExecStart=%s/bin/hawk " % self.prefix, text)
                self.assertIn("-c %s/hawk.cfg" % self.etc[len(self.dest):], text)
                # verify checks the binary exists: the DESTDIR copy
                text = text.replace("ExecStart=%s/bin/hawk" % self.prefix,
                                    "ExecStart=%s/bin/hawk" % self.root)
                out = os.path.join(d, name.replace("@.", "@1."))
                with open(out, "w") as f:
                    f.write(text)
                files.append(out)
            p = subprocess.run([tool, "verify"] + files, capture_output=True, text=True)
            self.assertEqual((p.returncode, p.stderr.strip()), (0, ""))
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_existing_config_is_kept(self):
        cfg = os.path.join(self.etc, "hawk.cfg")
        with open(cfg, "a") as f:
            f.write("# edited by the admin\n")
        p = subprocess.run(["cmake", "--install", BUILD], capture_output=True, text=True,
                           env=dict(os.environ, DESTDIR=self.dest))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Keeping: %s" % cfg, p.stdout)
        with open(cfg) as f:
            self.assertIn("# edited by the admin", f.read())

    def test_example_plugin_builds_against_the_installed_header_and_loads(self):
        work = hawktest.make_tmpdir("hawk-example-")
        try:
            src = os.path.join(self.root, "share/doc/hawk/examples/plugin")
            ex = os.path.join(work, "plugin")
            shutil.copytree(src, ex)
            env = dict(os.environ,
                       PKG_CONFIG_PATH=os.path.join(self.lib, "pkgconfig"),
                       PKG_CONFIG_SYSROOT_DIR=self.dest)
            # nothing of the source tree on the include path
            p = subprocess.run(["make", "-C", ex], capture_output=True, text=True, env=env)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("-I%s/include" % self.root, p.stdout)
            self.assertNotIn(hawktest.SRC, p.stdout)
            so = os.path.join(ex, "shout.so")
            syms = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True,
                                  text=True).stdout.split()
            self.assertIn("hawk_plugin_v1", syms)
            cfg = os.path.join(work, "hawk.cfg")
            with open(cfg, "w") as f:
                f.write('data_dir = "%s/var";\nlog = { level = "warn"; };\n'
                        'plugins = ( { name = "shout"; path = "%s"; enabled = true; '
                        'options = { suffix = "!!"; }; } );\n' % (work, so))
            hawk = os.path.join(self.root, "bin/hawk")
            p = subprocess.run([hawk, "plugins", "list", "--json", "-c", cfg],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            rows = json.loads(p.stdout)
            rows = rows.get("plugins", rows) if isinstance(rows, dict) else rows
            shout = [r for r in rows if r.get("name") == "shout"]
            self.assertEqual(len(shout), 1, p.stdout)
            self.assertEqual(shout[0].get("kind"), "llm")
            self.assertEqual(shout[0].get("version"), "1.0.0")
            p = subprocess.run([hawk, "llm", "chat", "--plugin", "shout", "--prompt",
                                "hello", "-c", cfg], capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("HELLO!!", p.stdout)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def test_makefile_install_passes_prefix_and_destdir(self):
        p = subprocess.run(["make", "-n", "-C", hawktest.SRC, "install", "PREFIX=/opt/hawk",
                            "DESTDIR=/tmp/pkgroot", "BUILD=" + BUILD],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("-DCMAKE_INSTALL_PREFIX=/opt/hawk", p.stdout)
        self.assertIn('DESTDIR="/tmp/pkgroot" cmake --install', p.stdout)


if __name__ == "__main__":
    unittest.main()
