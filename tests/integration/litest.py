"""Helpers of the linkedin plugin's integration tests: the fixture site
(tests/fixtures/linkedin/server.py) on 127.0.0.1, the plugin entry that
points at it, and workflow runs that call hawk.search.
"""

import json
import os
import sys
import time

import hawktest

sys.path.insert(0, os.path.join(hawktest.SRC, "tests", "fixtures", "linkedin"))
from server import LinkedInFixture  # noqa: E402


def plugin_entry(base, **options):
    """The plugins = (...) entry of a linkedin instance aimed at base."""
    opts = {"base_url": base, "page_delay_min": "0s", "page_delay_max": "0s",
            "action_delay_min": "0s", "action_delay_max": "0s"}
    opts.update(options)
    body = " ".join('%s = %s;' % (k, v if isinstance(v, int) else json.dumps(v))
                    for k, v in opts.items())
    return '{ name = "linkedin"; path = "linkedin.so"; options = { %s }; }' % body


def run_workflow(srv, token, source, dry_run=True, timeout=60):
    """Creates a workflow with `source`, runs it and returns the finished
    run (any status); the workflow is deleted again (plans count them)."""
    st, _, wf = srv.request("POST", "/api/v1/workflows", token=token,
                            json={"name": "wf-%d" % int(time.time() * 1e6), "source": source})
    if st != 201:
        raise AssertionError("workflow create: %s %s" % (st, wf))
    st, _, run = srv.request("POST", "/api/v1/workflows/%d/run" % wf["id"], token=token,
                             json={"dry_run": dry_run})
    if st != 202:
        raise AssertionError("workflow run: %s %s" % (st, run))
    deadline = time.time() + timeout
    while time.time() < deadline:
        st, _, body = srv.request("GET", "/api/v1/workflows/%d/runs/%d" % (wf["id"], run["id"]),
                                  token=token)
        if body["status"] in ("succeeded", "failed", "cancelled"):
            srv.request("DELETE", "/api/v1/workflows/%d" % wf["id"], token=token)
            return body
        time.sleep(0.1)
    raise AssertionError("workflow run did not finish")


def search_script(query, fields=("id", "title", "company", "location", "workplace",
                                 "easy_apply", "salary", "url")):
    """A workflow that runs hawk.search(query) and logs each job as JSON."""
    lua_fields = ", ".join("%s = j.%s" % (f, f) for f in fields)
    return """function run()
  local jobs = hawk.search(%s)
  for _, j in ipairs(jobs) do
    hawk.log("job", { %s })
  end
end
""" % (query, lua_fields)


def logged_jobs(run):
    return [line["fields"] for line in run["log"] if line["msg"] == "job"]
