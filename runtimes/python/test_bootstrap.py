"""Tests for runtimes/python/bootstrap.py (stdlib unittest only).

Run with:  /usr/bin/python3.11 -m unittest runtimes/python/test_bootstrap.py

Each test writes handler files into a temporary task root, starts the
bootstrap with /usr/bin/python3.11 and a clean environment, as lambdalite
does, and talks to it through a small in-process stand-in for the Runtime
API (http.server, threaded).  The stand-in exists only for these tests.
"""

import json
import os
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PYTHON = os.environ.get("LAMBDALITE_TEST_PYTHON", "/usr/bin/python3.11")
RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
BOOTSTRAP = os.path.join(RUNTIME_DIR, "bootstrap.py")
PREFIX = "/2018-06-01/runtime"
NBSP = "\u00a0"
TIMEOUT = 15


class FakeRuntimeAPI:
    """Just enough of the Runtime API to drive one bootstrap process."""

    def __init__(self):
        self.pending = queue.Queue()
        self.results = {}  # request id -> {"kind", "body", "headers"}
        self.init_error = None
        self.requests = []  # (method, path, client address)
        self.first_next_at = None
        self.closed = False
        # After each POST: None (keep alive), "announce" (Connection: close)
        # or "silent" (drop the connection without a word).
        self.close_after_post = None
        self.cond = threading.Condition()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.api = self
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.closed = True
        self.server.shutdown()
        self.server.server_close()

    def record(self, method, path, client):
        with self.cond:
            if path.endswith("/invocation/next") and self.first_next_at is None:
                self.first_next_at = time.perf_counter()
            self.requests.append((method, path, client))
            self.cond.notify_all()

    def wait_for(self, predicate, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for the runtime")
                self.cond.wait(left)

    def invoke(
        self,
        event=None,
        body=None,
        request_id=None,
        deadline_ms=None,
        headers=None,
        content_type="application/json",
        wait=True,
    ):
        request_id = request_id or str(uuid.uuid4())
        if body is None:
            body = json.dumps(event).encode()
        if deadline_ms is None:
            deadline_ms = int(time.time() * 1000) + 30000
        all_headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:eu-west-1:000000000000:function:fn",
        }
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        self.pending.put((all_headers, body))
        if not wait:
            return request_id
        self.wait_for(lambda: request_id in self.results)
        return self.results[request_id]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A runtime killed by a test mid-request is expected; stay quiet.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            ThreadingHTTPServer.handle_error(self, request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        api = self.server.api
        api.record("GET", self.path, self.client_address)
        if self.path != PREFIX + "/invocation/next":
            return self._reply(404, b"{}")
        while True:
            try:
                headers, body = api.pending.get(timeout=0.1)
                break
            except queue.Empty:
                if api.closed:
                    self.close_connection = True
                    return
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        api = self.server.api
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        api.record("POST", self.path, self.client_address)
        entry = {"body": body, "headers": dict(self.headers.items())}
        if self.path == PREFIX + "/init/error":
            with api.cond:
                api.init_error = entry
                api.cond.notify_all()
            return self._reply(202, b'{"status":"OK"}')
        m = re.fullmatch(PREFIX + r"/invocation/([^/]+)/(response|error)", self.path)
        if not m:
            return self._reply(404, b"{}")
        entry["kind"] = m.group(2)
        with api.cond:
            api.results[m.group(1)] = entry
            api.cond.notify_all()
        if api.close_after_post:
            self.close_connection = True
        self._reply(202, b'{"status":"OK"}', announce_close=api.close_after_post == "announce")

    def _reply(self, status, body, announce_close=False):
        self.send_response(status)
        if announce_close:
            self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Runtime:
    """One bootstrap process with its own task root and Runtime API."""

    def __init__(self, files, handler, env=None, argv=None):
        self.stopped = False
        self.dir = tempfile.mkdtemp(prefix="lambdalite-py-")
        self.task_root = os.path.join(self.dir, "task")
        os.makedirs(self.task_root)
        for name, text in files.items():
            path = os.path.join(self.task_root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(textwrap.dedent(text))
        self.api = FakeRuntimeAPI()
        full_env = {
            "_HANDLER": handler,
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "LAMBDA_TASK_ROOT": self.task_root,
            "LAMBDA_RUNTIME_DIR": RUNTIME_DIR,
            "AWS_REGION": "eu-west-1",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "AWS_LAMBDA_FUNCTION_NAME": "fn",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]abc",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
            "PYTHONDONTWRITEBYTECODE": "1",  # as lambdalite sets it
        }
        full_env.update(env or {})
        self.stdout_path = os.path.join(self.dir, "stdout")
        self.stderr_path = os.path.join(self.dir, "stderr")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.started_at = time.perf_counter()
            self.proc = subprocess.Popen(
                argv or [PYTHON, "-u", BOOTSTRAP],
                cwd=self.task_root,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )

    def wait_exit(self, timeout=TIMEOUT):
        return self.proc.wait(timeout)

    def stop(self):
        if self.stopped:
            return
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.api.close()
        with open(self.stdout_path, encoding="utf-8", errors="replace") as f:
            self.stdout = f.read()
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            self.stderr = f.read()
        shutil.rmtree(self.dir, ignore_errors=True)


APP = """\
import os
import sys

counter = 0


def handler(event, context):
    global counter
    counter += 1
    return {"event": event, "counter": counter}


def ctx(event, context):
    cc = context.client_context
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "client_context": None if cc is None else {
            "custom": cc.custom,
            "env": cc.env,
            "client": None if cc.client is None else [
                cc.client.installation_id,
                cc.client.app_title,
                cc.client.app_version_name,
                cc.client.app_version_code,
                cc.client.app_package_name,
            ],
        },
        "sys_path_head": sys.path[:3],
    }


def helper():
    raise ValueError("boom")


def boom(event, context):
    helper()


def marshal(event, context):
    return {"s": {1, 2}}


def special(event, context):
    import decimal
    return {"d": decimal.Decimal("1.10"), "n": decimal.Decimal("NaN"), "b": b"hi", "u": "\\u00e9"}


def raw(event, context):
    return b"\\x00raw"


def echo(event, context):
    return {"type": type(event).__name__, "event": event if not isinstance(event, bytes) else event.decode()}


def log(event, context):
    import logging
    root = logging.getLogger()
    level_before = root.level
    logging.getLogger("child").info("not shown at WARNING")
    root.setLevel(logging.INFO)
    logging.getLogger("child").info("hello %s", "world")
    logging.basicConfig(level=logging.DEBUG)  # a no-op: root already has a handler
    context.log("via context.log\\n")
    return {"level_before": level_before, "handlers": [type(h).__name__ for h in root.handlers]}


def die(event, context):
    sys.exit(3)
"""


class BootstrapTest(unittest.TestCase):
    def start(self, handler="app.handler", files=None, env=None, argv=None):
        rt = Runtime(files if files is not None else {"app.py": APP}, handler, env, argv)
        self.addCleanup(rt.stop)
        return rt

    def init_error(self, rt):
        rt.api.wait_for(lambda: rt.api.init_error is not None)
        self.assertEqual(rt.wait_exit(), 1)
        rt.stop()
        err = rt.api.init_error
        body = json.loads(err["body"])
        self.assertEqual(err["headers"]["Lambda-Runtime-Function-Error-Type"], body["errorType"])
        self.assertEqual(body["requestId"], "")
        return body

    # -- invocations ----------------------------------------------------------

    def test_success_and_state_between_invocations(self):
        rt = self.start()
        first = rt.api.invoke({"a": 1})
        second = rt.api.invoke([1, "two"])
        self.assertEqual(first["kind"], "response")
        self.assertEqual(json.loads(first["body"]), {"event": {"a": 1}, "counter": 1})
        self.assertEqual(json.loads(second["body"]), {"event": [1, "two"], "counter": 2})
        self.assertEqual(first["headers"]["Content-Type"], "application/json")
        # One keep-alive connection for everything.
        clients = {client for _, _, client in rt.api.requests}
        self.assertEqual(len(clients), 1, rt.api.requests)

    def test_large_payloads(self):
        rt = self.start("app.handler")
        big = "x" * (3 * 1024 * 1024)
        res = rt.api.invoke({"big": big})
        self.assertEqual(json.loads(res["body"])["event"]["big"], big)

    def test_reconnects_when_the_server_closes_the_connection(self):
        for mode in ("announce", "silent"):
            with self.subTest(mode=mode):
                rt = self.start("app.handler")
                rt.api.close_after_post = mode
                counts = [json.loads(rt.api.invoke({})["body"])["counter"] for _ in range(3)]
                self.assertEqual(counts, [1, 2, 3])
                rt.api.wait_for(lambda: sum(m == "GET" for m, _, _ in rt.api.requests) == 4)
                self.assertEqual(len({client for _, _, client in rt.api.requests}), 4)

    def test_none_result_is_null(self):
        rt = self.start("app.handler", {"app.py": "def handler(e, c):\n    return None\n"})
        self.assertEqual(rt.api.invoke({})["body"], b"null")

    def test_context(self):
        rt = self.start("app.ctx")
        deadline = int(time.time() * 1000) + 5000
        res = rt.api.invoke(
            {},
            request_id="req-1",
            deadline_ms=deadline,
            headers={"Lambda-Runtime-Trace-Id": "Root=1-abc;Parent=def;Sampled=1"},
        )
        ctx = json.loads(res["body"])
        self.assertEqual(ctx["aws_request_id"], "req-1")
        self.assertEqual(ctx["function_name"], "fn")
        self.assertEqual(ctx["function_version"], "$LATEST")
        self.assertEqual(ctx["invoked_function_arn"], "arn:aws:lambda:eu-west-1:000000000000:function:fn")
        self.assertEqual(ctx["memory_limit_in_mb"], "128")  # a string, as on AWS
        self.assertEqual(ctx["log_group_name"], "/aws/lambda/fn")
        self.assertEqual(ctx["log_stream_name"], "2026/01/01/[$LATEST]abc")
        self.assertTrue(3000 < ctx["remaining"] <= 5000, ctx["remaining"])
        self.assertEqual(ctx["trace_id"], "Root=1-abc;Parent=def;Sampled=1")
        self.assertEqual(ctx["identity"], [None, None])  # an object even without Cognito
        self.assertIsNone(ctx["client_context"])
        self.assertEqual(ctx["sys_path_head"][0], rt.task_root)
        self.assertEqual(ctx["sys_path_head"][2], "/opt/python")
        # No trace id on the next invocation: the variable is removed.
        ctx = json.loads(rt.api.invoke({}, deadline_ms=int(time.time() * 1000) - 10)["body"])
        self.assertIsNone(ctx["trace_id"])
        self.assertEqual(ctx["remaining"], 0)

    def test_client_context_and_identity(self):
        rt = self.start("app.ctx")
        client_context = {
            "client": {
                "installation_id": "inst",
                "app_title": "title",
                "app_version_name": "1.0",
                "app_version_code": "42",
                "app_package_name": "com.example",
            },
            "custom": {"k": "v"},
            "env": {"platform": "android"},
        }
        identity = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
        res = rt.api.invoke(
            {},
            headers={
                "Lambda-Runtime-Client-Context": json.dumps(client_context),
                "Lambda-Runtime-Cognito-Identity": json.dumps(identity),
            },
        )
        ctx = json.loads(res["body"])
        self.assertEqual(
            ctx["client_context"],
            {
                "custom": {"k": "v"},
                "env": {"platform": "android"},
                "client": ["inst", "title", "1.0", "42", "com.example"],
            },
        )
        self.assertEqual(ctx["identity"], ["id-1", "pool-1"])

    def test_exception(self):
        rt = self.start("app.boom")
        res = rt.api.invoke({}, request_id="req-err")
        self.assertEqual(res["kind"], "error")
        self.assertEqual(res["headers"]["Lambda-Runtime-Function-Error-Type"], "Unhandled")
        body = json.loads(res["body"])
        app = os.path.join(rt.task_root, "app.py")
        self.assertEqual(
            body,
            {
                "errorMessage": "boom",
                "errorType": "ValueError",
                "requestId": "req-err",
                "stackTrace": [
                    '  File "%s", line 46, in boom\n    helper()\n' % app,
                    '  File "%s", line 42, in helper\n    raise ValueError("boom")\n' % app,
                ],
            },
        )
        xray = json.loads(res["headers"]["Lambda-Runtime-Function-XRay-Error-Cause"])
        self.assertEqual(xray["exceptions"][0]["type"], "ValueError")
        # The loop goes on after an error.
        self.assertEqual(rt.api.invoke({})["kind"], "error")
        rt.stop()
        expected = (
            "[ERROR] ValueError: boom\n"
            "Traceback (most recent call last):\n"
            '%(s)s%(s)sFile "%(app)s", line 46, in boom\n'
            "%(s)s%(s)s%(s)s%(s)shelper()\n"
            '%(s)s%(s)sFile "%(app)s", line 42, in helper\n'
            '%(s)s%(s)s%(s)s%(s)sraise ValueError("boom")\n'
        ) % {"s": NBSP, "app": app}
        self.assertIn(expected, rt.stdout)

    def test_marshal_error(self):
        rt = self.start("app.marshal")
        res = rt.api.invoke({}, request_id="req-m")
        self.assertEqual(res["kind"], "error")
        self.assertEqual(
            json.loads(res["body"]),
            {
                "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
                "errorType": "Runtime.MarshalError",
                "requestId": "req-m",
                "stackTrace": [],
            },
        )
        rt.stop()
        self.assertIn(
            "[ERROR] Runtime.MarshalError: Unable to marshal response: Object of type set is not "
            "JSON serializable\nTraceback (most recent call last):\n",
            rt.stdout,
        )

    def test_unmarshal_error_and_empty_body(self):
        rt = self.start("app.echo")
        res = rt.api.invoke(body=b"{nope")
        self.assertEqual(json.loads(res["body"])["errorType"], "Runtime.UnmarshalError")
        self.assertEqual(
            json.loads(res["body"])["errorMessage"],
            "Unable to unmarshal input: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)",
        )
        self.assertEqual(json.loads(rt.api.invoke(body=b"")["body"]), {"type": "dict", "event": {}})
        res = rt.api.invoke(body=b"raw text", content_type="application/octet-stream")
        self.assertEqual(json.loads(res["body"]), {"type": "bytes", "event": "raw text"})

    def test_special_values_and_bytes_result(self):
        rt = self.start("app.special")
        self.assertEqual(
            rt.api.invoke({})["body"], b'{"d": 1.10, "n": NaN, "b": "hi", "u": "\\u00e9"}'
        )
        rt = self.start("app.special", env={"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
        self.assertEqual(
            rt.api.invoke({})["body"], '{"d": 1.10, "n": NaN, "b": "hi", "u": "é"}'.encode()
        )
        rt = self.start("app.raw")
        res = rt.api.invoke({})
        self.assertEqual(res["body"], b"\x00raw")
        self.assertEqual(res["headers"]["Content-Type"], "application/unknown")

    def test_logging(self):
        rt = self.start("app.log")
        res = rt.api.invoke({}, request_id="req-log")
        self.assertEqual(
            json.loads(res["body"]), {"level_before": 30, "handlers": ["LambdaLoggerHandler"]}
        )
        rt.stop()
        self.assertRegex(
            rt.stdout,
            r"(?m)^\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-log\thello world$",
        )
        self.assertNotIn("not shown", rt.stdout)
        self.assertIn("via context.log\n", rt.stdout)
        # The timestamp is UTC and current.
        stamp = re.search(r"\[INFO\]\t(\S+)Z\t", rt.stdout).group(1)
        logged = time.mktime(time.strptime(stamp.split(".")[0], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        self.assertLess(abs(logged - time.time()), 60)

    def test_logging_at_import_time(self):
        files = {
            "app.py": """\
                import logging
                logging.warning("at init")
                logging.getLogger().setLevel(logging.INFO)

                def handler(event, context):
                    logging.info("in handler")
                    return 1
            """
        }
        rt = self.start("app.handler", files)
        rt.api.invoke({}, request_id="req-2")
        rt.stop()
        self.assertRegex(rt.stdout, r"(?m)^\[WARNING\]\t\S+Z\t\tat init$")
        self.assertRegex(rt.stdout, r"(?m)^\[INFO\]\t\S+Z\treq-2\tin handler$")

    def test_json_log_format(self):
        files = {
            "app.py": """\
                import logging

                def handler(event, context):
                    logging.getLogger("x").info("hi", extra={"k": 1})
                    logging.getLogger("x").debug("hidden")
                    return 1
            """
        }
        env = {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"}
        rt = self.start("app.handler", files, env)
        rt.api.invoke({}, request_id="req-j")
        rt.stop()
        lines = [json.loads(line) for line in rt.stdout.splitlines() if line.startswith("{")]
        self.assertEqual(len(lines), 1, rt.stdout)
        rec = lines[0]
        self.assertRegex(rec.pop("timestamp"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(rec, {"level": "INFO", "message": "hi", "logger": "x", "requestId": "req-j", "k": 1})

    def test_sys_exit_in_handler_ends_the_process(self):
        rt = self.start("app.die")
        rt.api.invoke({}, wait=False)
        self.assertEqual(rt.wait_exit(), 3)

    def test_subfolder_handlers(self):
        files = {
            "pkg/mod.py": "def fn(event, context):\n    return 'pkg/mod'\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/mod.py": "def fn(event, context):\n    return 'pkg.sub.mod'\n",
        }
        for handler, expected in (
            ("pkg/mod.fn", b'"pkg/mod"'),
            ("pkg/sub/mod.fn", b'"pkg.sub.mod"'),
            ("pkg.sub.mod.fn", b'"pkg.sub.mod"'),
        ):
            with self.subTest(handler=handler):
                rt = self.start(handler, files)
                self.assertEqual(rt.api.invoke({})["body"], expected)

    # -- init errors ----------------------------------------------------------

    def test_import_module_error(self):
        rt = self.start("nosuch.handler")
        body = self.init_error(rt)
        self.assertEqual(
            body,
            {
                "errorMessage": "Unable to import module 'nosuch': No module named 'nosuch'",
                "errorType": "Runtime.ImportModuleError",
                "requestId": "",
                "stackTrace": [],
            },
        )
        self.assertIn(
            "[ERROR] Runtime.ImportModuleError: Unable to import module 'nosuch': No module named "
            "'nosuch'\nTraceback (most recent call last):\n",
            rt.stdout,
        )
        self.assertRegex(rt.stdout, r"(?m)^\[WARNING\]\t\S+Z\t\tLAMBDA_WARNING: Unhandled exception\. ")

    def test_import_error_inside_user_module(self):
        rt = self.start("app.handler", {"app.py": "import requests_nope\n"})
        body = self.init_error(rt)
        self.assertEqual(body["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(
            body["errorMessage"], "Unable to import module 'app': No module named 'requests_nope'"
        )

    def test_handler_not_found(self):
        rt = self.start("app.nope")
        body = self.init_error(rt)
        self.assertEqual(body["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(body["errorMessage"], "Handler 'nope' missing on module 'app'")
        self.assertEqual(body["stackTrace"], [])

    def test_malformed_handler_name(self):
        rt = self.start("app")
        body = self.init_error(rt)
        self.assertEqual(body["errorType"], "Runtime.MalformedHandlerName")
        self.assertEqual(
            body["errorMessage"], "Bad handler 'app': not enough values to unpack (expected 2, got 1)"
        )

    def test_builtin_module_conflict(self):
        rt = self.start("sys.handler")
        body = self.init_error(rt)
        self.assertEqual(body["errorType"], "Runtime.BuiltInModuleConflict")
        self.assertEqual(body["errorMessage"], "Cannot use built-in module sys as a handler module")

    def test_user_code_syntax_error(self):
        rt = self.start("app.handler", {"app.py": "def handler(event, context):\n    x = 1\n    return x +\n"})
        body = self.init_error(rt)
        app = os.path.join(rt.task_root, "app.py")
        self.assertEqual(body["errorType"], "Runtime.UserCodeSyntaxError")
        self.assertEqual(body["errorMessage"], "Syntax error in module 'app': invalid syntax (app.py, line 3)")
        self.assertEqual(body["stackTrace"], ['  File "%s" Line 3\n        return x +\n' % app])

    def test_exception_during_init(self):
        rt = self.start("app.handler", {"app.py": "x = 1\nraise RuntimeError('init failed')\n"})
        body = self.init_error(rt)
        app = os.path.join(rt.task_root, "app.py")
        self.assertEqual(body["errorType"], "RuntimeError")
        self.assertEqual(body["errorMessage"], "init failed")
        # As on AWS: from importlib's import_module down to the user's module.
        self.assertIn("importlib/__init__.py", body["stackTrace"][0])
        self.assertEqual(
            body["stackTrace"][-1],
            '  File "%s", line 2, in <module>\n    raise RuntimeError(\'init failed\')\n' % app,
        )
        self.assertNotIn("bootstrap.py", "".join(body["stackTrace"]))
        self.assertIn("[ERROR] RuntimeError: init failed\nTraceback (most recent call last):\n", rt.stdout)

    # -- start-up time --------------------------------------------------------

    def test_runs_when_imported_as_a_module(self):
        """The launcher may import bootstrap (cached bytecode) instead of
        running it as a script."""
        rt = self.start(
            argv=[
                PYTHON,
                "-u",
                "-c",
                "import sys; sys.path.insert(0, %r); import bootstrap; bootstrap.main()" % RUNTIME_DIR,
            ],
            handler="app.boom",
        )
        body = json.loads(rt.api.invoke({})["body"])
        self.assertEqual(body["errorType"], "ValueError")
        self.assertEqual(len(body["stackTrace"]), 2)  # the runtime's own frames are dropped

    # -- start-up time --------------------------------------------------------

    def test_startup_time(self):
        """Start of the process to its first GET /next, median of 20 runs,
        measured without threads on the listening side."""
        task = tempfile.mkdtemp(prefix="lambdalite-py-")
        self.addCleanup(shutil.rmtree, task, True)
        with open(os.path.join(task, "app.py"), "w") as f:
            f.write("def handler(event, context):\n    return 1\n")

        def first_next(argv):
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            env = {
                "_HANDLER": "app.handler",
                "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % listener.getsockname()[1],
                "LAMBDA_TASK_ROOT": task,
                "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            start = time.perf_counter()
            proc = subprocess.Popen(
                argv, cwd=task, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                conn, _ = listener.accept()
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    self.assertTrue(chunk)
                    data += chunk
                elapsed = (time.perf_counter() - start) * 1000
                conn.close()
            finally:
                proc.kill()
                proc.wait()
                listener.close()
            self.assertTrue(data.startswith(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"))
            return elapsed

        script = [first_next([PYTHON, "-u", BOOTSTRAP]) for _ in range(20)]
        floor = []
        for _ in range(20):
            start = time.perf_counter()
            subprocess.run([PYTHON, "-u", "-c", "pass"], check=True)
            floor.append((time.perf_counter() - start) * 1000)
        sys.stderr.write(
            "\nstart to first /next: median %.1f ms (min %.1f); "
            "bare interpreter start+exit: median %.1f ms (min %.1f)\n"
            % (statistics.median(script), min(script), statistics.median(floor), min(floor))
        )
        self.assertLess(statistics.median(script), 1000)


if __name__ == "__main__":
    unittest.main()
