#!/usr/bin/env python3
"""A local stand-in for the OpenAI Chat Completions API (stdlib only).

It speaks the wire format OpenAI documents: it validates requests the way
the real API does (Bearer key, required fields, roles, response_format
shape, unknown arguments), answers deterministically, streams server-sent
events with include_usage, sends x-request-id and x-ratelimit-* headers,
serves /v1/models, and lets each test script faults.

Deterministic replies:
  * plain text: "echo: <last user message>"
  * response_format json_schema: the smallest instance valid for the schema
  * response_format json_object: "{}"
  * usage: tokens(text) = max(1, ceil(len(text) / 4)); prompt tokens sum
    over the messages' contents, completion tokens over the reply.

Scripted actions (a queue; each chat request takes the next one, then
replies normally when the queue is empty).  Keys of one action:
  status: int             reply with this HTTP status and an error body
  error: {message,type,code,param}   override the error body fields
  headers: {name: value}  extra response headers (retry-after, ...)
  body: str               raw body instead of the generated one
  stall: seconds          wait before replying (the client may time out)
  close: true             close the connection without any reply
  truncate: true          announce the full Content-Length, send half, close
  content: str            the assistant content
  content_json: any       the assistant content as JSON text
  finish_reason: str      e.g. "length", "content_filter"
  refusal: str            a refusal (content null)
  usage: {...}            usage override
  model: str              model name in the reply
  stream_error: str       (stream) an error event after the first chunk
  drop_done: true         (stream) close before data: [DONE]
  repeat: n               use this action n times
  path: str               only for this path (default /v1/chat/completions)

Control endpoints (no auth):
  POST /__control/script   {"actions": [...], "append": false}
  POST /__control/reset    clears the script and the request log
  GET  /__control/requests {"requests": [{method, path, query, headers, body, t,
                            client_port}]}   (client_port shows connection reuse)
  POST /__control/config   {"api_key": "...", "log": true, "models": [...]}

Run: openai_peer.py --port 0 --api-key sk-test  (prints the port), or import
it and use OpenAIPeer(api_key=...).start().
"""

import argparse
import json
import math
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

KNOWN_ARGS = {
    "model", "messages", "temperature", "top_p", "n", "stream",
    "stream_options", "stop", "max_tokens", "max_completion_tokens",
    "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
    "top_logprobs", "user", "response_format", "seed", "tools",
    "tool_choice", "parallel_tool_calls", "store", "metadata",
    "service_tier", "reasoning_effort", "modalities", "prediction", "audio",
}
ROLES = ("system", "user", "assistant", "developer", "tool")
SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

STATUS_TYPES = {
    400: ("invalid_request_error", None, "Bad request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("permission_denied", None, "You are not allowed to sample from this model."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."),
    408: ("timeout", None, "Request timed out."),
    409: ("conflict", None, "Conflict."),
    422: ("invalid_request_error", None, "Unprocessable entity."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


def tokens(text):
    return max(1, math.ceil(len(text) / 4)) if text else 0


def mask_key(key):
    if len(key) <= 8:
        return "****"
    return key[:4] + "*" * 4 + key[-4:]


def smallest_instance(schema):
    """The smallest JSON value valid for the schema subset hawk uses."""
    if not isinstance(schema, dict):
        return None
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), t[0] if t else None)
    if t == "object" or (t is None and "properties" in schema):
        props = schema.get("properties", {})
        return {k: smallest_instance(props.get(k, {}))
                for k in schema.get("required", [])}
    if t == "array":
        n = schema.get("minItems", 0)
        return [smallest_instance(schema.get("items", {})) for _ in range(n)]
    if t == "string":
        return "x" * schema.get("minLength", 0)
    if t in ("number", "integer"):
        v = 0
        if "minimum" in schema:
            v = max(v, schema["minimum"])
        if "maximum" in schema:
            v = min(v, schema["maximum"])
        return int(v) if t == "integer" else v
    if t == "boolean":
        return False
    return None


def strict_schema_problem(schema, ctx="()"):
    """OpenAI's strict mode rules: every object lists all properties as
    required and sets additionalProperties false."""
    if not isinstance(schema, dict):
        return None
    t = schema.get("type")
    types = t if isinstance(t, list) else [t]
    if "object" in types:
        if schema.get("additionalProperties") is not False:
            return ("In context=%s, 'additionalProperties' is required to be "
                    "supplied and to be false." % ctx)
        props = schema.get("properties", {})
        req = schema.get("required", [])
        missing = [k for k in props if k not in req]
        if missing:
            return ("In context=%s, 'required' is required to be supplied and "
                    "to be an array including every key in properties. "
                    "Missing '%s'." % (ctx, missing[0]))
        for k, sub in props.items():
            p = strict_schema_problem(sub, "('properties', '%s')" % k)
            if p:
                return p
    if "array" in types and "items" in schema:
        return strict_schema_problem(schema["items"], "('items',)")
    return None


class PeerError(Exception):
    def __init__(self, status, message, etype="invalid_request_error",
                 param=None, code=None):
        super().__init__(message)
        self.status, self.message = status, message
        self.etype, self.param, self.code = etype, param, code


def validate_chat(body):
    if not isinstance(body, dict):
        raise PeerError(400, "The request body must be a JSON object.")
    for k in body:
        if k not in KNOWN_ARGS:
            raise PeerError(400, "Unrecognized request argument supplied: %s" % k,
                            param=k)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise PeerError(400, "you must provide a model parameter", param="model")
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        raise PeerError(400, "'messages' must be a non-empty array.",
                        param="messages")
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            raise PeerError(400, "Invalid type for 'messages[%d]': expected an object." % i,
                            param="messages[%d]" % i, code="invalid_type")
        for k in m:
            if k not in ("role", "content", "name", "tool_calls", "tool_call_id", "refusal"):
                raise PeerError(400, "Unrecognized request argument supplied: messages[%d].%s" % (i, k),
                                param="messages[%d].%s" % (i, k))
        if m.get("role") not in ROLES:
            raise PeerError(400, "Invalid value: '%s'. Supported values are: %s." %
                            (m.get("role"), ", ".join("'%s'" % r for r in ROLES)),
                            param="messages[%d].role" % i, code="invalid_value")
        c = m.get("content")
        if not isinstance(c, (str, list)) and not (c is None and m["role"] == "assistant"):
            raise PeerError(400, "Invalid type for 'messages[%d].content': expected a string." % i,
                            param="messages[%d].content" % i, code="invalid_type")
    t = body.get("temperature")
    if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 2):
        raise PeerError(400, "Invalid 'temperature': must be a number between 0 and 2.",
                        param="temperature", code="invalid_value")
    if "max_tokens" in body and "max_completion_tokens" in body:
        raise PeerError(400, "max_tokens and max_completion_tokens cannot both be set.",
                        param="max_tokens")
    for k in ("max_tokens", "max_completion_tokens"):
        v = body.get(k)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise PeerError(400, "Invalid '%s': integer below minimum value." % k,
                            param=k, code="integer_below_min_value")
    s = body.get("stream")
    if s is not None and not isinstance(s, bool):
        raise PeerError(400, "Invalid type for 'stream': expected a boolean.",
                        param="stream", code="invalid_type")
    if "stream_options" in body and not s:
        raise PeerError(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                        param="stream_options")
    rf = body.get("response_format")
    if rf is not None:
        if not isinstance(rf, dict) or rf.get("type") not in ("text", "json_object", "json_schema"):
            raise PeerError(400, "Invalid value for 'response_format.type'.",
                            param="response_format.type", code="invalid_value")
        if rf["type"] == "json_object":
            if not any("json" in json.dumps(m.get("content", "")).lower() for m in msgs):
                raise PeerError(400, "'messages' must contain the word 'json' in some form, "
                                "to use 'response_format' of type 'json_object'.",
                                param="messages")
        if rf["type"] == "json_schema":
            js = rf.get("json_schema")
            if not isinstance(js, dict):
                raise PeerError(400, "Missing required parameter: 'response_format.json_schema'.",
                                param="response_format.json_schema", code="missing_required_parameter")
            if not isinstance(js.get("name"), str) or not SCHEMA_NAME.match(js["name"]):
                raise PeerError(400, "Invalid 'response_format.json_schema.name': string does not match pattern.",
                                param="response_format.json_schema.name", code="invalid_value")
            if not isinstance(js.get("schema"), dict):
                raise PeerError(400, "Invalid type for 'response_format.json_schema.schema': expected an object.",
                                param="response_format.json_schema.schema", code="invalid_type")
            if js.get("strict"):
                p = strict_schema_problem(js["schema"])
                if p:
                    raise PeerError(400, "Invalid schema for response_format '%s': %s" % (js["name"], p),
                                    param="response_format", code="invalid_json_schema")


class PeerState:
    def __init__(self, api_key, log=True):
        self.lock = threading.Lock()
        self.api_key = api_key
        self.log_enabled = log
        self.script = []
        self.requests = []
        self.counter = 0
        self.models = ["gpt-4o-mini", "gpt-4o"]

    def next_action(self, path):
        with self.lock:
            for i, a in enumerate(self.script):
                if a.get("path", "/v1/chat/completions") == path:
                    left = a.get("repeat", 1) - 1
                    if left <= 0:
                        self.script.pop(i)
                    else:
                        a["repeat"] = left
                    return dict(a)
            return {}

    def next_id(self):
        with self.lock:
            self.counter += 1
            return self.counter


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "openai-peer/1.0"
    # Headers and body go out in separate writes: without TCP_NODELAY the
    # body waits for the client's delayed ACK (40 ms per reply).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet
        pass

    @property
    def state(self):
        return self.server.state

    # ---- plumbing -------------------------------------------------------
    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send_json(self, status, obj, headers=None, raw=None):
        data = raw.encode() if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def std_headers(self, rid):
        return {
            "x-request-id": "req_%06d" % rid,
            "openai-processing-ms": "1",
            "x-ratelimit-limit-requests": "10000",
            "x-ratelimit-limit-tokens": "200000",
            "x-ratelimit-remaining-requests": "9999",
            "x-ratelimit-remaining-tokens": "199000",
            "x-ratelimit-reset-requests": "6ms",
            "x-ratelimit-reset-tokens": "1s",
        }

    def send_error_json(self, status, message, etype="invalid_request_error",
                        param=None, code=None, headers=None):
        self.send_json(status, {"error": {"message": message, "type": etype,
                                          "param": param, "code": code}},
                       headers=headers)

    def record(self, body_bytes):
        if not self.state.log_enabled:
            return
        parts = urlsplit(self.path)
        try:
            body = json.loads(body_bytes) if body_bytes else None
        except ValueError:
            body = body_bytes.decode("utf-8", "replace")
        entry = {"method": self.command, "path": parts.path,
                 "query": parse_qs(parts.query),
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "body": body, "t": time.monotonic(),
                 "client_port": self.client_address[1]}
        with self.state.lock:
            self.state.requests.append(entry)

    def check_auth(self):
        auth = self.headers.get("Authorization", "")
        if self.state.api_key is None:
            return True  # a local server started without a key
        if auth == "Bearer " + self.state.api_key:
            return True
        if not auth.startswith("Bearer ") or not auth[7:]:
            msg = ("You didn't provide an API key. You need to provide your API key "
                   "in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        else:
            msg = ("Incorrect API key provided: %s. You can find your API key at "
                   "https://platform.openai.com/account/api-keys." % mask_key(auth[7:]))
        self.send_error_json(401, msg, code="invalid_api_key")
        return False

    # ---- faults ---------------------------------------------------------
    def apply_pre_faults(self, action, rid):
        """Returns True when the request was fully handled by a fault."""
        if action.get("stall"):
            time.sleep(float(action["stall"]))
        if action.get("close"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        status = action.get("status")
        if status and status >= 300:
            etype, code, msg = STATUS_TYPES.get(status, ("api_error", None, "Error."))
            err = {"message": msg, "type": etype, "param": None, "code": code}
            err.update(action.get("error", {}))
            if status == 401 and "message" not in action.get("error", {}):
                err["message"] = ("Incorrect API key provided: %s. You can find your API key at "
                                  "https://platform.openai.com/account/api-keys." % mask_key(self.state.api_key))
            headers = self.std_headers(rid)
            headers.update(action.get("headers", {}))
            self.send_json(status, {"error": err}, headers=headers, raw=action.get("body"))
            return True
        return False

    # ---- endpoints ------------------------------------------------------
    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/__control/requests":
            with self.state.lock:
                reqs = list(self.state.requests)
            return self.send_json(200, {"requests": reqs})
        self.read_body()
        if path == "/v1/models":
            self.record(b"")
            rid = self.state.next_id()
            action = self.state.next_action(path)
            if not self.check_auth() or self.apply_pre_faults(action, rid):
                return
            data = [{"id": m, "object": "model", "created": 1700000000,
                     "owned_by": "openai"} for m in self.state.models]
            return self.send_json(200, {"object": "list", "data": data},
                                  headers=self.std_headers(rid))
        self.send_error_json(404, "Invalid URL (GET %s)" % path)

    def do_POST(self):
        path = urlsplit(self.path).path
        raw = self.read_body()
        if path.startswith("/__control/"):
            return self.control(path, raw)
        if path != "/v1/chat/completions":
            return self.send_error_json(404, "Invalid URL (POST %s)" % path)
        self.record(raw)
        rid = self.state.next_id()
        if not self.check_auth():
            return
        try:
            body = json.loads(raw)
        except ValueError:
            return self.send_error_json(
                400, "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly.)")
        try:
            validate_chat(body)
        except PeerError as e:
            return self.send_error_json(e.status, e.message, e.etype, e.param, e.code)
        # Scripted actions apply to valid requests only, so a test that
        # scripts a fault is not fooled by a request the peer rejected.
        action = self.state.next_action(path)
        if self.apply_pre_faults(action, rid):
            return
        if body.get("stream"):
            return self.stream_reply(body, action, rid)
        reply = self.build_reply(body, action, rid)
        data = json.dumps(reply)
        if action.get("body") is not None:
            data = action["body"]
        headers = self.std_headers(rid)
        headers.update(action.get("headers", {}))
        if action.get("truncate"):
            enc = data.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(enc)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(enc[: len(enc) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_json(200, None, headers=headers, raw=data)

    def control(self, path, raw):
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self.send_json(400, {"error": "bad json"})
        st = self.state
        with st.lock:
            if path == "/__control/script":
                acts = body.get("actions", [])
                if body.get("append"):
                    st.script.extend(acts)
                else:
                    st.script = list(acts)
            elif path == "/__control/reset":
                st.script = []
                st.requests = []
            elif path == "/__control/config":
                if "api_key" in body:
                    st.api_key = body["api_key"]
                if "log" in body:
                    st.log_enabled = bool(body["log"])
                if "models" in body:
                    st.models = list(body["models"])
            else:
                return self.send_json(404, {"error": "unknown control"})
        self.send_json(200, {"ok": True})

    # ---- replies --------------------------------------------------------
    def reply_content(self, body, action):
        if "refusal" in action:
            return None
        if "content" in action:
            return action["content"]
        if "content_json" in action:
            return json.dumps(action["content_json"])
        rf = body.get("response_format") or {}
        if rf.get("type") == "json_schema":
            return json.dumps(smallest_instance(rf["json_schema"]["schema"]))
        if rf.get("type") == "json_object":
            return "{}"
        last = ""
        for m in body["messages"]:
            if m["role"] == "user" and isinstance(m.get("content"), str):
                last = m["content"]
        return "echo: " + last

    def usage_for(self, body, content, action):
        pt = sum(tokens(m["content"]) for m in body["messages"]
                 if isinstance(m.get("content"), str))
        ct = tokens(content or "")
        usage = {"prompt_tokens": pt, "completion_tokens": ct,
                 "total_tokens": pt + ct,
                 "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                 "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                               "accepted_prediction_tokens": 0,
                                               "rejected_prediction_tokens": 0}}
        usage.update(action.get("usage", {}))
        return usage

    def build_reply(self, body, action, rid):
        content = self.reply_content(body, action)
        finish = action.get("finish_reason", "stop")
        return {
            "id": "chatcmpl-%06d" % rid, "object": "chat.completion",
            "created": int(time.time()), "model": action.get("model", body["model"]),
            "system_fingerprint": "fp_peer", "service_tier": "default",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content,
                                                 "refusal": action.get("refusal"),
                                                 "annotations": []},
                         "logprobs": None, "finish_reason": finish}],
            "usage": self.usage_for(body, content, action),
        }

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def stream_reply(self, body, action, rid):
        content = self.reply_content(body, action)
        model = action.get("model", body["model"])
        base = {"id": "chatcmpl-%06d" % rid, "object": "chat.completion.chunk",
                "created": int(time.time()), "model": model,
                "system_fingerprint": "fp_peer"}
        include_usage = (body.get("stream_options") or {}).get("include_usage")

        def event(choices, usage=None):
            ev = dict(base)
            ev["choices"] = choices
            if include_usage:
                ev["usage"] = usage
            return b"data: " + json.dumps(ev).encode() + b"\n\n"

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        headers = self.std_headers(rid)
        headers.update(action.get("headers", {}))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.write_chunk(event([{"index": 0, "delta": {"role": "assistant", "content": "", "refusal": None},
                                 "logprobs": None, "finish_reason": None}]))
        if action.get("stream_error"):
            self.write_chunk(b"data: " + json.dumps({"error": {
                "message": action["stream_error"], "type": "server_error",
                "param": None, "code": None}}).encode() + b"\n\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if content is None:
            self.write_chunk(event([{"index": 0, "delta": {"refusal": action.get("refusal")},
                                     "logprobs": None, "finish_reason": None}]))
        else:
            # Pieces of up to 7 characters, split so multi-byte text and
            # lines crossing chunk boundaries are exercised.
            for i in range(0, len(content), 7):
                self.write_chunk(event([{"index": 0, "delta": {"content": content[i:i + 7]},
                                         "logprobs": None, "finish_reason": None}]))
        self.write_chunk(event([{"index": 0, "delta": {}, "logprobs": None,
                                 "finish_reason": action.get("finish_reason", "stop")}]))
        if include_usage:
            self.write_chunk(event([], self.usage_for(body, content, action)))
        if action.get("drop_done"):
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")


class PeerServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Clients that time out close their end while a stalled handler
        # still writes: expected in fault tests, not worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, OSError)):
            return
        super().handle_error(request, client_address)


class OpenAIPeer:
    """In-process peer for tests: start(), url, script(), requests(), stop()."""

    def __init__(self, api_key="sk-test-peer-0123456789", port=0, log=True):
        self.state = PeerState(api_key, log)
        self.server = PeerServer(("127.0.0.1", port), Handler)
        self.server.state = self.state
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/v1" % self.port
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def script(self, actions, append=False):
        with self.state.lock:
            if append:
                self.state.script.extend(actions)
            else:
                self.state.script = list(actions)

    def requests(self, path="/v1/chat/completions"):
        with self.state.lock:
            return [r for r in self.state.requests if path is None or r["path"] == path]

    def reset(self):
        with self.state.lock:
            self.state.script = []
            self.state.requests = []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--api-key", default="sk-test-peer-0123456789")
    ap.add_argument("--no-log", action="store_true", help="keep no request log (benchmarks)")
    args = ap.parse_args()
    peer = OpenAIPeer(args.api_key, args.port, log=not args.no_log)
    print("openai_peer listening on 127.0.0.1:%d" % peer.port, flush=True)
    try:
        peer.server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        peer.server.server_close()


if __name__ == "__main__":
    main()
