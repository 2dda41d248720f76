"""The openai plugin, loaded by the real hawk binary from its .so and
pointed at the local OpenAI peer (tests/peers/openai_peer.py), driven
through `hawk llm chat`.  Every test asserts the exact requests the peer
received; back-off timing is read from the host's test clock
(HAWK_TEST_CLOCK: sleeps are logged as {"msg":"plugin sleep","ms":N}
instead of slept).
"""

import email.utils
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

import hawktest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
from openai_peer import OpenAIPeer  # noqa: E402

KEY = "sk-test-Zq8vW3abcd5678efgh"
SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["score", "reasons", "missing_skills"],
    "properties": {
        "score": {"type": "integer", "minimum": 0, "maximum": 10},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "missing_skills": {"type": "array", "items": {"type": "string"}},
    },
}


def cfg_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(cfg_value(x) for x in v) + "]"
    return json.dumps(v)


class Run:
    """One `hawk llm chat` run: exit code, result object, logs, stderr."""

    def __init__(self, proc):
        self.rc = proc.returncode
        self.stderr = proc.stderr
        self.stdout = proc.stdout
        self.logs, self.result = [], None
        for line in proc.stdout.splitlines():
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if "content" in obj and "usage" in obj:
                self.result = obj
            else:
                self.logs.append(obj)

    def sleeps(self):
        return [l["ms"] for l in self.logs if l.get("msg") == "plugin sleep"]


class OpenAIPluginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peer = OpenAIPeer(api_key=KEY).start()
        cls.dir = hawktest.make_tmpdir("hawk-openai-")
        cls.schema_path = os.path.join(cls.dir, "schema.json")
        with open(cls.schema_path, "w") as f:
            json.dump(SCHEMA, f)

    @classmethod
    def tearDownClass(cls):
        cls.peer.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.peer.reset()

    # ---- helpers ---------------------------------------------------------
    def config(self, **opts):
        options = {"api_key": "${OPENAI_API_KEY}", "base_url": self.peer.url,
                   "retry_base": "100ms", "retry_cap": "2s",
                   "prices": ["gpt-4o-mini:0.15:0.60", "gpt-4o:2.5:10"]}
        options.update(opts)
        options = {k: v for k, v in options.items() if v is not None}
        body = "".join("%s = %s; " % (k, cfg_value(v)) for k, v in options.items())
        plugins = '{ name = "openai"; path = "openai.so"; options = { %s }; }' % body
        return hawktest.write_config(self.dir, hawktest.free_port(), plugins=plugins)

    def chat(self, *args, env=None, **opts):
        cfg = self.config(**opts)
        full_env = dict(os.environ)
        full_env.update({"HAWK_PLUGIN_PATH": hawktest.PLUGIN_DIR, "HAWK_TEST_CLOCK": "1",
                         "OPENAI_API_KEY": KEY})
        full_env.update(env or {})
        cmd = [hawktest.BIN, "llm", "chat"] + list(args) + ["--json", "--log-level", "debug",
                                                            "-c", cfg]
        p = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=60)
        for mark in hawktest.SANITIZER_MARKS:
            self.assertNotIn(mark, p.stderr, p.stderr)
        run = Run(p)
        # The key never reaches a log line or an error message.
        self.assertNotIn(KEY, p.stdout + p.stderr)
        self.assertNotIn(KEY[-8:], p.stdout + p.stderr)
        return run

    def requests(self):
        return self.peer.requests()

    def ok(self, run):
        self.assertEqual(run.rc, 0, "stderr: %s\nstdout: %s" % (run.stderr, run.stdout[-2000:]))
        self.assertIsNotNone(run.result)
        return run.result

    # ---- plain chat ------------------------------------------------------
    def test_plain_chat_exact_request_usage_and_cost(self):
        run = self.chat("--prompt", "hello there", "--system", "be brief",
                        "--max-tokens", "50", "--temperature", "0.2",
                        organization="org-1", project="proj-2",
                        extra_headers=["X-Team: hawk"])
        res = self.ok(run)
        self.assertEqual(res["content"], "echo: hello there")
        reqs = self.requests()
        self.assertEqual(len(reqs), 1)
        r = reqs[0]
        self.assertEqual((r["method"], r["path"]), ("POST", "/v1/chat/completions"))
        h = r["headers"]
        self.assertEqual(h["authorization"], "Bearer " + KEY)
        self.assertEqual(h["content-type"], "application/json")
        self.assertEqual(h["openai-organization"], "org-1")
        self.assertEqual(h["openai-project"], "proj-2")
        self.assertEqual(h["x-team"], "hawk")
        self.assertNotIn("expect", h)
        self.assertEqual(r["body"], {
            "model": "gpt-4o-mini",
            "messages": [{"role": "system", "content": "be brief"},
                         {"role": "user", "content": "hello there"}],
            "temperature": 0.2, "max_completion_tokens": 50})
        # Peer usage: ceil(len/4) per message -> 2 + 3 prompt, 5 completion.
        self.assertEqual(res["usage"]["prompt_tokens"], 5)
        self.assertEqual(res["usage"]["completion_tokens"], 5)
        self.assertEqual(res["usage"]["total_tokens"], 10)
        self.assertAlmostEqual(res["usage"]["cost_usd"], (5 * 0.15 + 5 * 0.60) / 1e6, places=12)
        self.assertEqual(res["attempts"], 1)
        self.assertTrue(res["response_id"].startswith("chatcmpl-"))
        self.assertEqual(run.sleeps(), [])

    def test_model_override_priced_by_its_own_entry(self):
        res = self.ok(self.chat("--prompt", "abcd", "--model", "gpt-4o"))
        self.assertEqual(self.requests()[0]["body"]["model"], "gpt-4o")
        self.assertEqual(res["model"], "gpt-4o")
        self.assertAlmostEqual(res["usage"]["cost_usd"], (1 * 2.5 + 3 * 10) / 1e6, places=12)

    def test_unpriced_model_costs_zero(self):
        res = self.ok(self.chat("--prompt", "abcd", "--model", "llama3.1:8b"))
        self.assertEqual(res["usage"]["cost_usd"], 0)
        self.assertGreater(res["usage"]["total_tokens"], 0)

    def test_max_tokens_field_for_older_servers(self):
        self.ok(self.chat("--prompt", "x", "--max-tokens", "7", max_tokens_field="max_tokens"))
        body = self.requests()[0]["body"]
        self.assertEqual(body["max_tokens"], 7)
        self.assertNotIn("max_completion_tokens", body)

    def test_base_url_with_query_keeps_it(self):
        self.ok(self.chat("--prompt", "x", base_url=self.peer.url + "/?api-version=2024-06-01"))
        r = self.requests()[0]
        self.assertEqual(r["path"], "/v1/chat/completions")
        self.assertEqual(r["query"], {"api-version": ["2024-06-01"]})

    # ---- structured output -------------------------------------------------
    def test_json_schema_request_shape_and_valid_reply(self):
        res = self.ok(self.chat("--prompt", "score it", "--schema", self.schema_path))
        self.assertEqual(json.loads(res["content"]), {"score": 0, "reasons": [], "missing_skills": []})
        body = self.requests()[0]["body"]
        self.assertEqual(body["response_format"], {
            "type": "json_schema",
            "json_schema": {"name": "result", "strict": True, "schema": SCHEMA}})
        self.assertEqual(body["messages"], [{"role": "user", "content": "score it"}])

    def test_non_strict_schema_sent_without_strict(self):
        loose = {"type": "object", "required": ["a"],
                 "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
        path = os.path.join(self.dir, "loose.json")
        with open(path, "w") as f:
            json.dump(loose, f)
        self.peer.script([{"content_json": {"a": "x"}}])
        res = self.ok(self.chat("--prompt", "x", "--schema", path))
        self.assertEqual(json.loads(res["content"]), {"a": "x"})
        js = self.requests()[0]["body"]["response_format"]["json_schema"]
        self.assertEqual((js["strict"], js["schema"]), (False, loose))

    def test_invalid_json_content_is_corrected_once(self):
        good = {"score": 7, "reasons": ["python"], "missing_skills": ["go"]}
        self.peer.script([{"content": "Sure! here it is"}, {"content_json": good}])
        res = self.ok(self.chat("--prompt", "score it", "--schema", self.schema_path))
        self.assertEqual(json.loads(res["content"]), good)
        reqs = self.requests()
        self.assertEqual(len(reqs), 2)
        msgs = reqs[1]["body"]["messages"]
        self.assertEqual(msgs[0], {"role": "user", "content": "score it"})
        self.assertEqual(msgs[1], {"role": "assistant", "content": "Sure! here it is"})
        self.assertEqual(msgs[2]["role"], "user")
        self.assertIn("not a JSON document", msgs[2]["content"])
        # Both replies were billed.
        self.assertEqual(res["attempts"], 2)
        self.assertGreater(res["usage"]["prompt_tokens"], 10)

    def test_schema_violation_twice_fails_clearly(self):
        self.peer.script([{"content_json": {"score": 11, "reasons": [], "missing_skills": []}},
                          {"content_json": {"score": 5, "reasons": []}}])
        run = self.chat("--prompt", "score it", "--schema", self.schema_path)
        self.assertEqual(run.rc, 1)
        self.assertIsNone(run.result)
        self.assertIn("EPROTO", run.stderr)
        self.assertIn("does not match the schema after 2 tries", run.stderr)
        self.assertIn("missing required member 'missing_skills'", run.stderr)
        reqs = self.requests()
        self.assertEqual(len(reqs), 2)
        self.assertIn("11 is greater than the maximum 10", reqs[1]["body"]["messages"][-1]["content"])

    def test_schema_validator_names_each_violation(self):
        strict = {
            "type": "object", "additionalProperties": False,
            "required": ["level", "tags", "ratio", "name"],
            "properties": {
                "level": {"type": "string", "enum": ["junior", "senior"]},
                "tags": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}},
                "ratio": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                "name": {"type": "string", "minLength": 2, "maxLength": 5},
            },
        }
        path = os.path.join(self.dir, "strict.json")
        with open(path, "w") as f:
            json.dump(strict, f)
        good = {"level": "senior", "tags": ["a"], "ratio": None, "name": "Ada"}
        cases = [
            (dict(good, level="lead"), "$.level: value is not one of the allowed values"),
            (dict(good, tags=[]), "$.tags: has 0 items, fewer than 1"),
            (dict(good, tags=["a", "b", "c"]), "$.tags: has 3 items, more than 2"),
            (dict(good, tags=["a", 7]), "$.tags[1]: expected string, got integer"),
            (dict(good, ratio=1.5), "$.ratio: 1.5 is greater than the maximum 1"),
            (dict(good, ratio="x"), "$.ratio: value has none of the allowed types"),
            (dict(good, name="ü"), "$.name: has 1 characters, fewer than 2"),
            (dict(good, extra=1), "$: unexpected member 'extra'"),
            ([good], "$: expected object, got array"),
        ]
        for bad, why in cases:
            self.peer.reset()
            self.peer.script([{"content_json": bad}, {"content_json": bad}])
            run = self.chat("--prompt", "x", "--schema", path)
            self.assertEqual(run.rc, 1, bad)
            self.assertIn(why, run.stderr, bad)
        self.peer.reset()
        self.peer.script([{"content_json": good}])
        res = self.ok(self.chat("--prompt", "x", "--schema", path))
        self.assertEqual(json.loads(res["content"]), good)

    def test_prompt_mode_puts_schema_in_system_prompt_and_accepts_fences(self):
        good = {"score": 3, "reasons": ["a"], "missing_skills": []}
        self.peer.script([{"content": "```json\n%s\n```" % json.dumps(good)}])
        res = self.ok(self.chat("--prompt", "score it", "--system", "You score jobs.",
                                "--schema", self.schema_path, structured_output="prompt"))
        self.assertEqual(json.loads(res["content"]), good)
        body = self.requests()[0]["body"]
        self.assertNotIn("response_format", body)
        self.assertEqual(len(body["messages"]), 2)
        system = body["messages"][0]
        self.assertEqual(system["role"], "system")
        self.assertTrue(system["content"].startswith("You score jobs.\n\n"))
        self.assertIn(json.dumps(SCHEMA, separators=(",", ":")), system["content"])

    def test_json_object_mode(self):
        self.peer.script([{"content_json": {"score": 1, "reasons": [], "missing_skills": []}}])
        res = self.ok(self.chat("--prompt", "score it", "--schema", self.schema_path,
                                structured_output="json_object"))
        self.assertEqual(json.loads(res["content"])["score"], 1)
        body = self.requests()[0]["body"]
        self.assertEqual(body["response_format"], {"type": "json_object"})
        # No system message from the caller: the instruction is prepended.
        self.assertEqual(body["messages"][0]["role"], "system")
        self.assertIn("JSON", body["messages"][0]["content"])

    def test_invalid_schema_file_rejected_before_any_request(self):
        bad = os.path.join(self.dir, "bad_schema.json")
        with open(bad, "w") as f:
            json.dump({"type": "object", "patternProperties": {}}, f)
        run = self.chat("--prompt", "x", "--schema", bad)
        self.assertEqual(run.rc, 1)
        self.assertIn("unsupported keyword 'patternProperties'", run.stderr)
        self.assertEqual(self.requests(), [])

    def test_truncated_reply_finish_reason_length(self):
        self.peer.script([{"finish_reason": "length"}])
        run = self.chat("--prompt", "x")
        self.assertEqual(run.rc, 1)
        self.assertIn("cut off at the token limit", run.stderr)
        self.assertEqual(len(self.requests()), 1)

    def test_refusal_is_an_error(self):
        self.peer.script([{"refusal": "I can't help with that."}])
        run = self.chat("--prompt", "x", "--schema", self.schema_path)
        self.assertEqual(run.rc, 1)
        self.assertIn("the model refused: I can't help with that.", run.stderr)

    # ---- retries -----------------------------------------------------------
    def test_retry_after_ms_then_retry_after_seconds_then_success(self):
        self.peer.script([{"status": 429, "headers": {"retry-after-ms": "250"}},
                          {"status": 503, "headers": {"retry-after": "2"}}])
        run = self.chat("--prompt", "hi")
        res = self.ok(run)
        self.assertEqual(res["attempts"], 3)
        self.assertEqual(run.sleeps(), [250, 2000])
        reqs = self.requests()
        self.assertEqual(len(reqs), 3)
        self.assertEqual(reqs[0]["body"], reqs[2]["body"])
        # One connection for all attempts (the host keeps it alive).
        self.assertEqual(len({r["client_port"] for r in reqs}), 1)

    def test_retry_after_http_date(self):
        when = email.utils.formatdate(time.time() + 3, usegmt=True)
        self.peer.script([{"status": 503, "headers": {"retry-after": when}}])
        run = self.chat("--prompt", "hi")
        self.ok(run)
        (slept,) = run.sleeps()
        self.assertGreater(slept, 1000)
        self.assertLessEqual(slept, 3000)

    def test_retry_after_beyond_a_minute_falls_back_to_backoff(self):
        self.peer.script([{"status": 429, "headers": {"retry-after": "3600"}}])
        run = self.chat("--prompt", "hi", retry_base="200ms")
        self.ok(run)
        (slept,) = run.sleeps()
        self.assertGreaterEqual(slept, 150)
        self.assertLessEqual(slept, 200)

    def test_exponential_backoff_with_jitter(self):
        self.peer.script([{"status": 500}, {"status": 502}, {"status": 503}, {"status": 500}])
        run = self.chat("--prompt", "hi", max_retries=4, retry_base="100ms", retry_cap="300ms")
        self.ok(run)
        sleeps = run.sleeps()
        self.assertEqual(len(sleeps), 4)
        for got, full in zip(sleeps, [100, 200, 300, 300]):
            self.assertGreaterEqual(got, full * 0.75 - 1)
            self.assertLessEqual(got, full)
        self.assertEqual(len(self.requests()), 5)

    def test_retries_exhausted(self):
        self.peer.script([{"status": 503, "repeat": 10}])
        run = self.chat("--prompt", "hi", max_retries=2)
        self.assertEqual(run.rc, 1)
        self.assertIn("EUNAVAIL", run.stderr)
        self.assertIn("(after 3 attempts)", run.stderr)
        self.assertEqual(len(self.requests()), 3)
        self.assertEqual(len(run.sleeps()), 2)

    def test_x_should_retry_overrides_status(self):
        self.peer.script([{"status": 503, "headers": {"x-should-retry": "false"}}])
        run = self.chat("--prompt", "hi")
        self.assertEqual(run.rc, 1)
        self.assertEqual(len(self.requests()), 1)
        self.peer.reset()
        self.peer.script([{"status": 400, "headers": {"x-should-retry": "true"}}])
        self.ok(self.chat("--prompt", "hi"))
        self.assertEqual(len(self.requests()), 2)

    def test_insufficient_quota_never_retried(self):
        self.peer.script([{"status": 429, "headers": {"retry-after": "1"}, "error": {
            "code": "insufficient_quota", "type": "insufficient_quota",
            "message": "You exceeded your current quota, please check your plan and billing details."}}])
        run = self.chat("--prompt", "hi")
        self.assertEqual(run.rc, 1)
        self.assertIn("EQUOTA", run.stderr)
        self.assertIn("You exceeded your current quota", run.stderr)
        self.assertEqual(len(self.requests()), 1)
        self.assertEqual(run.sleeps(), [])

    def test_client_errors_not_retried_and_reported_with_server_message(self):
        for status, name in ((400, "EINVAL"), (403, "EPERM"), (404, "ENOTFOUND"), (422, "EINVAL")):
            self.peer.reset()
            self.peer.script([{"status": status, "error": {"message": "server says %d" % status}}])
            run = self.chat("--prompt", "hi")
            self.assertEqual(run.rc, 1, status)
            self.assertIn(name, run.stderr)
            self.assertIn("llm server returned %d" % status, run.stderr)
            self.assertIn("server says %d" % status, run.stderr)
            self.assertEqual(len(self.requests()), 1, status)

    def test_bad_key_401_is_redacted(self):
        run = self.chat("--prompt", "hi", env={"OPENAI_API_KEY": "sk-wrong-key-987654321"})
        self.assertEqual(run.rc, 1)
        self.assertIn("EAUTH", run.stderr)
        self.assertIn("invalid_api_key", run.stderr)
        self.assertIn("Incorrect API key provided: [redacted]", run.stderr)
        self.assertNotIn("sk-w", run.stderr + run.stdout)
        self.assertNotIn("4321", run.stderr + run.stdout)
        self.assertEqual(len(self.requests()), 1)

    def test_peer_validation_error_names_the_param(self):
        run = self.chat("--prompt", "hi", "--model", "")
        self.assertEqual(run.rc, 1)
        self.assertIn("model", run.stderr)

    def test_stalled_server_times_out_per_attempt_then_retries(self):
        self.peer.script([{"stall": 3}])
        run = self.chat("--prompt", "hi", timeout="500ms")
        self.ok(run)
        self.assertEqual(len(run.sleeps()), 1)
        self.assertEqual(len(self.requests()), 2)
        warn = [l for l in run.logs if l.get("level") == "warn" and "timed out after 500 ms" in l["msg"]]
        self.assertEqual(len(warn), 1)

    def test_call_deadline_stops_retrying(self):
        self.peer.script([{"status": 429, "headers": {"retry-after": "5"}}])
        run = self.chat("--prompt", "hi", "--timeout", "2s")
        self.assertEqual(run.rc, 1)
        self.assertIn("ERATELIMIT", run.stderr)
        self.assertIn("would pass the deadline", run.stderr)
        self.assertEqual(run.sleeps(), [])
        self.assertEqual(len(self.requests()), 1)

    def test_truncated_body_and_dropped_connection_are_retried(self):
        self.peer.script([{"truncate": True}, {"close": True}])
        run = self.chat("--prompt", "hi")
        res = self.ok(run)
        self.assertEqual(res["content"], "echo: hi")
        self.assertEqual(res["attempts"], 3)
        self.assertEqual(len(run.sleeps()), 2)

    def test_unreachable_server(self):
        port = hawktest.free_port()
        run = self.chat("--prompt", "hi", base_url="http://127.0.0.1:%d/v1" % port, max_retries=1)
        self.assertEqual(run.rc, 1)
        self.assertIn("EUNAVAIL", run.stderr)
        self.assertIn("cannot connect to http://127.0.0.1:%d/v1/chat/completions" % port, run.stderr)
        self.assertEqual(len(run.sleeps()), 1)

    # ---- streaming -----------------------------------------------------------
    def test_streaming_with_usage(self):
        text = "a longer prompt with ünïcödé, split into many small pieces"
        res = self.ok(self.chat("--prompt", text, stream=True))
        self.assertEqual(res["content"], "echo: " + text)
        body = self.requests()[0]["body"]
        self.assertTrue(body["stream"])
        self.assertEqual(body["stream_options"], {"include_usage": True})
        self.assertEqual(res["usage"]["completion_tokens"], -(-len("echo: " + text) // 4))
        self.assertEqual(res["finish_reason"], "stop")

    def test_streaming_error_event(self):
        self.peer.script([{"stream_error": "The server had an error processing your request"}])
        run = self.chat("--prompt", "hi", stream=True)
        self.assertEqual(run.rc, 1)
        self.assertIn("llm stream failed: The server had an error", run.stderr)

    def test_streaming_cut_before_done(self):
        # Content already reached the caller: not retried.
        self.peer.script([{"drop_done": True}])
        run = self.chat("--prompt", "hi", stream=True)
        self.assertEqual(run.rc, 1)
        self.assertEqual(len(self.requests()), 1)
        # With a schema nothing is forwarded until the end: retried.
        self.peer.reset()
        self.peer.script([{"drop_done": True}])
        res = self.ok(self.chat("--prompt", "hi", "--schema", self.schema_path, stream=True))
        self.assertEqual(json.loads(res["content"])["score"], 0)
        self.assertEqual(len(self.requests()), 2)

    # ---- configuration -------------------------------------------------------
    def test_bad_options_fail_to_load_naming_the_option(self):
        cases = [
            ({"structured_output": "xml"}, "structured_output"),
            ({"prices": ["gpt-4o-mini:cheap:0.6"]}, "prices"),
            ({"base_url": "ftp://example.test"}, "base_url"),
            ({"extra_headers": ["no colon here"]}, "extra_headers"),
            ({"health_probe": "ping"}, "health_probe"),
            ({"retry_base": "10s", "retry_cap": "1s"}, "retry_cap"),
        ]
        for opts, name in cases:
            run = self.chat("--prompt", "hi", **opts)
            self.assertEqual(run.rc, 1, opts)
            self.assertIn(name, run.stderr, opts)
        self.assertEqual(self.requests(), [])

    def test_missing_api_key_for_openai(self):
        run = self.chat("--prompt", "hi", env={"OPENAI_API_KEY": ""},
                        base_url="https://api.openai.com/v1")
        self.assertEqual(run.rc, 1)
        self.assertIn("api_key", run.stderr)
        self.assertIn("required for api.openai.com", run.stderr)
        self.assertEqual(self.requests(), [])

    def test_local_server_needs_no_key(self):
        # Ollama, llama.cpp and vLLM without --api-key: no key, no header.
        self.peer.state.api_key = None
        try:
            res = self.ok(self.chat("--prompt", "hi", env={"OPENAI_API_KEY": ""}))
            self.assertEqual(res["content"], "echo: hi")
            (req,) = self.requests()
            self.assertNotIn("authorization", req["headers"])
        finally:
            self.peer.state.api_key = KEY

    def test_default_model_without_price_is_refused(self):
        run = self.chat("--prompt", "hi", prices=["gpt-4o:2.5:10"])
        self.assertEqual(run.rc, 1)
        self.assertIn("'gpt-4o-mini' has no entry in prices", run.stderr)
        self.assertEqual(self.requests(), [])

    def test_usage_errors(self):
        run = self.chat("--temperature", "3", "--prompt", "x")
        self.assertEqual(run.rc, 2)
        run = self.chat()
        self.assertEqual(run.rc, 2)
        self.assertIn("--prompt is required", run.stderr)


class OpenAIPluginBinaryTest(unittest.TestCase):
    def test_exports_one_symbol_and_does_not_link_curl(self):
        so = os.path.join(hawktest.PLUGIN_DIR, "openai.so")
        out = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True,
                             text=True, check=True).stdout
        self.assertEqual([l.split()[-1] for l in out.splitlines() if l.strip()],
                         ["hawk_plugin_v1"])
        needed = subprocess.run(["readelf", "-d", so], capture_output=True, text=True,
                                check=True).stdout
        self.assertNotIn("libcurl", needed)
        self.assertIn("libjson-c", needed)


if __name__ == "__main__":
    unittest.main()
