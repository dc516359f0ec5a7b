"""lambdalite's Python runtime: the process that runs inside every python3.x
execution environment.

Started by lambdalite as ``python3 -u <LAMBDA_RUNTIME_DIR>/bootstrap.py`` with
the working directory set to LAMBDA_TASK_ROOT.  It imports the function's
handler (``_HANDLER``), then loops over the Lambda Runtime API (2018-06-01)
at ``AWS_LAMBDA_RUNTIME_API``: fetch the next invocation, call
``handler(event, context)``, post the result or the error.  What the function
sees (error types and messages, the context object, the root logger's
format, the JSON encoding of results) follows AWS's own Python runtime.

Standard library only.  Startup time matters (it is part of every cold
start), so this module imports as little as it can:

* the Runtime API is spoken over one keep-alive TCP connection with a small
  HTTP/1.1 client of our own: importing ``http.client`` (which pulls in
  ``email``, ``ssl``, ``urllib``...) costs more than the whole interpreter
  start;
* ``logging`` is configured the moment something first imports it (a meta
  path hook), so a handler that never logs never pays for it, while one that
  does finds the root logger exactly as AWS leaves it;
* ``traceback`` is imported only when there is an error to format.

Run as a script, this file is compiled afresh at every start (CPython caches
no bytecode for ``__main__``), which costs several milliseconds.  It can
equally be imported, so a launcher may use
``python3 -u -c "import sys; sys.path.insert(0, RUNTIME_DIR); import bootstrap; bootstrap.main()"``
to run it from cached bytecode instead.
"""

import os
import sys
import time
import json

try:  # the C module under `socket`, which itself costs another millisecond to import
    import _socket as _sock
except ImportError:  # pragma: no cover - non-CPython
    import socket as _sock


API_VERSION = "2018-06-01"
_NEXT_PATH = "/%s/runtime/invocation/next" % API_VERSION
_INIT_ERROR_PATH = "/%s/runtime/init/error" % API_VERSION
_INVOCATION_PATH = "/%s/runtime/invocation/" % API_VERSION

_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
_XRAY_ERROR_HEADER = "Lambda-Runtime-Function-XRay-Error-Cause"
_XRAY_HEADER_LIMIT = 64 * 1024  # AWS: 1 MiB; kept within usual server header limits

_USER_AGENT = "aws-lambda-python/%d.%d.%d-lambdalite" % sys.version_info[:3]

# Error types the runtime itself reports (AWS's names).
MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

# Logged (as a WARNING record) before an init error, as AWS does.
UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this "
    "error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)

# AWS indents traceback lines of the error log record with no-break spaces.
_LOG_INDENT = "\u00a0"


def _runtime_minor_version():
    """Minor version of the python3.x runtime being emulated (12 for
    AWS_Lambda_python3.12), else of this interpreter."""
    env = os.environ.get("AWS_EXECUTION_ENV", "")
    prefix = "AWS_Lambda_python3."
    if env.startswith(prefix) and env[len(prefix):].isdigit():
        return int(env[len(prefix):])
    return sys.version_info[1]


_RUNTIME_MINOR = _runtime_minor_version()

# The request being handled; stamped on every log record.
_request_id = None
_tenant_id = None


class FaultError(Exception):
    """An error the runtime reports under one of its own Runtime.* types."""

    def __init__(self, error_type, message, trace=None):
        Exception.__init__(self, message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


# --------------------------------------------------------------------------
# JSON, encoded the way AWS's runtime encodes results (it uses simplejson):
# decimal.Decimal becomes a bare number (NaN for a NaN decimal), bytes inside
# a result are decoded as UTF-8, and non-ASCII text stays unescaped from
# python3.12 on.


class _Marshaller:
    def __init__(self, ensure_ascii):
        self._encoder = json.JSONEncoder(ensure_ascii=ensure_ascii, default=self._default)
        self._raw = None  # raw JSON texts of the Decimals met by the current encode()
        self._marker = None
        self._marker_re = None

    def _default(self, obj):
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return float("nan")
            # A placeholder string, swapped for the number's text afterwards
            # (the stdlib encoder has no way to emit raw JSON).
            if self._marker is None:
                self._marker = "lambdalite-decimal-%s-" % os.urandom(12).hex()
            if self._raw is None:
                self._raw = []
            self._raw.append(str(obj))
            return "%s%d" % (self._marker, len(self._raw) - 1)
        if isinstance(obj, bytes):
            return obj.decode("utf-8")
        raise TypeError("Object of type %s is not JSON serializable" % obj.__class__.__name__)

    def encode(self, obj):
        self._raw = None
        try:
            text = self._encoder.encode(obj)
            raw = self._raw
            if raw:
                if self._marker_re is None:
                    import re

                    self._marker_re = re.compile('"%s(\\d+)"' % self._marker)
                text = self._marker_re.sub(lambda m: raw[int(m.group(1))], text)
            return text
        finally:
            self._raw = None

    def marshal_response(self, response):
        """(body bytes, content type) for a handler's return value."""
        if isinstance(response, bytes):
            return response, "application/unknown"
        try:
            return self.encode(response).encode("utf-8"), "application/json"
        except Exception as exc:
            raise FaultError(MARSHAL_ERROR, "Unable to marshal response: %s" % _safe_str(exc))

    @staticmethod
    def unmarshal_request(body, content_type):
        # lambdalite's Runtime API sends the event as application/json; like
        # AWS, any other declared type reaches the handler as raw bytes.
        if content_type and content_type.split(";", 1)[0].strip().lower() != "application/json":
            return body
        if not body:
            # An invoke without a payload: AWS's handlers receive {}.
            return {}
        try:
            return json.loads(body)
        except Exception as exc:
            raise FaultError(UNMARSHAL_ERROR, "Unable to unmarshal input: %s" % _safe_str(exc))


_MARSHALLER = _Marshaller(ensure_ascii=_RUNTIME_MINOR < 12)


def to_json(obj):
    return _MARSHALLER.encode(obj)


def _safe_str(obj):
    try:
        return str(obj)
    except Exception:
        return "<unprintable %s object>" % type(obj).__name__


# --------------------------------------------------------------------------
# Runtime API client: HTTP/1.1 over one persistent connection.


class RuntimeAPIError(Exception):
    pass


class _NoResponse(Exception):
    """The connection was closed before any byte of a response arrived."""


class RuntimeAPIClient:
    def __init__(self, address):
        self.address = address
        host, _, port = address.rpartition(":")
        if not host:
            host, port = address, "80"
        self._host = host.strip("[]")
        self._port = int(port)
        self._sock = None
        self._buf = bytearray()

    # -- connection ---------------------------------------------------------

    def _connect(self):
        last = None
        # A bytes host spares getaddrinfo() the import of the idna codec.
        for family, socktype, proto, _, sockaddr in _sock.getaddrinfo(
            self._host.encode("ascii", "ignore"), self._port, 0, _sock.SOCK_STREAM
        ):
            s = _sock.socket(family, socktype, proto)
            try:
                s.connect(sockaddr)
            except OSError as exc:
                s.close()
                last = exc
                continue
            if family in (_sock.AF_INET, _sock.AF_INET6):
                s.setsockopt(_sock.IPPROTO_TCP, _sock.TCP_NODELAY, 1)
            self._sock = s
            self._buf = bytearray()
            return
        raise last or OSError("cannot resolve %s" % self.address)

    def close(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        self._buf = bytearray()

    # -- reading --------------------------------------------------------------

    def _recv(self):
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionError("Runtime API closed the connection")
        self._buf += chunk

    def _read_line(self):
        buf = self._buf
        while True:
            i = buf.find(b"\r\n")
            if i >= 0:
                line = bytes(buf[:i])
                del buf[: i + 2]
                return line
            self._recv()

    def _read_exact(self, n):
        buf = self._buf
        have = len(buf)
        if have >= n:
            data = bytes(buf[:n])
            del buf[:n]
            return data
        out = bytearray(n)
        out[:have] = buf
        self._buf = bytearray()
        view = memoryview(out)
        while have < n:
            got = self._sock.recv_into(view[have:], min(n - have, 1 << 20))
            if not got:
                raise ConnectionError("Runtime API closed the connection mid-body")
            have += got
        return bytes(out)

    def _read_head(self):
        """Status line and headers -> (version, status, {lowercase name: value})."""
        buf = self._buf
        start = 0
        while True:
            i = buf.find(b"\r\n\r\n", start)
            if i >= 0:
                break
            start = max(0, len(buf) - 3)
            try:
                chunk = self._sock.recv(65536)
            except ConnectionResetError:
                if buf:
                    raise
                raise _NoResponse()
            if not chunk:
                if not buf:
                    raise _NoResponse()
                raise ConnectionError("Runtime API closed the connection mid-response")
            buf += chunk
        head = buf[:i].decode("utf-8", "replace")
        del buf[: i + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(None, 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise RuntimeAPIError("malformed status line from Runtime API: %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                continue
            name = name.strip().lower()
            value = value.strip()
            if name in headers:
                headers[name] += ", " + value
            else:
                headers[name] = value
        return parts[0], int(parts[1]), headers

    def _read_response(self, method):
        while True:
            version, status, headers = self._read_head()
            if status >= 200:
                break
            # 1xx interim response: the real one follows.
        keep_alive = True
        conn = headers.get("connection", "").lower()
        if "close" in conn or (version == "HTTP/1.0" and "keep-alive" not in conn):
            keep_alive = False
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size = int(self._read_line().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self._read_line():  # trailers
                        pass
                    break
                parts.append(self._read_exact(size))
                self._read_line()
            body = b"".join(parts)
        elif "content-length" in headers:
            body = self._read_exact(int(headers["content-length"]))
        else:  # delimited by the end of the connection
            while True:
                chunk = self._sock.recv(65536)
                if not chunk:
                    break
                self._buf += chunk
            body = bytes(self._buf)
            keep_alive = False
        if not keep_alive:
            self.close()
        return status, headers, body

    # -- requests -------------------------------------------------------------

    def request(self, method, path, body=None, headers=None):
        """Send one request, return (status, headers, body).  A request that
        meets a kept-alive connection the server has since closed is sent
        again on a new one."""
        head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n" % (
            method,
            path,
            self.address,
            _USER_AGENT,
        )
        if headers:
            for name, value in headers:
                head += "%s: %s\r\n" % (name, value)
        if body is not None:
            head += "Content-Length: %d\r\n" % len(body)
        data = (head + "\r\n").encode("utf-8")
        if body:
            data += body
        for attempt in (1, 2):
            reused = self._sock is not None
            if not reused:
                self._connect()
            try:
                self._sock.sendall(data)
            except ConnectionError:
                # A kept-alive connection the server has closed meanwhile.
                self.close()
                if reused and attempt == 1:
                    continue
                raise
            try:
                return self._read_response(method)
            except _NoResponse:
                # Closed before answering: the request was not taken.
                self.close()
                if reused and attempt == 1:
                    continue
                raise ConnectionError("Runtime API closed the connection without responding")
            except BaseException:
                self.close()
                raise

    def _post(self, path, body, headers):
        status, _, resp = self.request("POST", path, body, headers)
        if status >= 500:
            # "Non-recoverable state. Runtime should exit promptly."
            _fatal("POST %s answered %d: %r" % (path, status, resp[:1000]))
        if status != 202 and status != 413:
            # (413: a response too large, which the platform reports itself.)
            sys.stderr.write(
                "lambdalite runtime: POST %s answered %d: %r\n" % (path, status, resp[:1000])
            )
        return status

    def next_invocation(self):
        status, headers, body = self.request("GET", _NEXT_PATH)
        if status == 500:
            # The environment is shutting down: exit promptly and quietly.
            sys.exit(1)
        if status != 200:
            _fatal("GET /invocation/next answered %d: %r" % (status, body[:1000]))
        return headers, body

    def post_invocation_result(self, request_id, body, content_type):
        return self._post(
            _INVOCATION_PATH + request_id + "/response",
            body,
            (("Content-Type", content_type),),
        )

    def post_invocation_error(self, request_id, error_body, xray_cause=None):
        headers = [("Content-Type", "application/json"), (_ERROR_TYPE_HEADER, "Unhandled")]
        if xray_cause is not None and len(xray_cause) < _XRAY_HEADER_LIMIT:
            headers.append((_XRAY_ERROR_HEADER, xray_cause))
        return self._post(_INVOCATION_PATH + request_id + "/error", error_body, headers)

    def post_init_error(self, error):
        return self._post(
            _INIT_ERROR_PATH,
            _error_json(error),
            (
                ("Content-Type", "application/json"),
                (_ERROR_TYPE_HEADER, _header_safe(error["errorType"])),
            ),
        )


def _error_json(error):
    return to_json(error).encode("utf-8", "replace")


def _header_safe(value):
    return "".join(c for c in value if c >= " " and c != "\x7f")


def _fatal(message):
    sys.stderr.write("lambdalite runtime: Runtime API %s\n" % message)
    sys.exit(1)


# --------------------------------------------------------------------------
# The context object (attribute names and semantics as on AWS).


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, cognito_identity_id=None, cognito_identity_pool_id=None):
        self.cognito_identity_id = cognito_identity_id
        self.cognito_identity_pool_id = cognito_identity_pool_id

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client:
    __slots__ = (
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __repr__(self):
        return "Client([%s])" % ",".join(
            "%s=%s" % (name, getattr(self, name)) for name in self.__slots__
        )


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


def _slots_from_dict(cls, data):
    if data is None:
        return None
    obj = cls()
    get = data.get if isinstance(data, dict) else (lambda key, default=None: default)
    for name in cls.__slots__:
        setattr(obj, name, get(name, None))
    return obj


class LambdaContext:
    def __init__(
        self,
        aws_request_id,
        client_context,
        cognito_identity,
        deadline_ms,
        invoked_function_arn=None,
        tenant_id=None,
    ):
        env = os.environ
        self.aws_request_id = aws_request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, as on AWS.
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _slots_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _slots_from_dict(Client, self.client_context.client)
        # Always an object; its fields are None without a Cognito identity.
        self.identity = CognitoIdentity()
        if isinstance(cognito_identity, dict):
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        _write_log(str(msg))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,"
            "function_name=%s,memory_limit_in_mb=%s,function_version=%s,"
            "invoked_function_arn=%s,client_context=%s,identity=%s,tenant_id=%s])"
            % (
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
                self.tenant_id,
            )
        )


def _parse_json_header(value, what):
    try:
        return json.loads(value)
    except Exception as exc:
        raise FaultError(CONTEXT_UNMARSHAL_ERROR, "Unable to parse %s JSON: %s" % (what, _safe_str(exc)))


# --------------------------------------------------------------------------
# Log output: everything goes to stdout, which lambdalite captures.

_JSON_LOGS = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
_LOG_LEVEL = {None: "", "TRACE": "DEBUG"}.get(
    os.environ.get("AWS_LAMBDA_LOG_LEVEL"), os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")
).upper()


def _write_log(text):
    sys.stdout.write(text)


def _log_error(error):
    """Write an error result the way AWS logs one: for the text format
    ``[ERROR] Type: message`` then the traceback lines, as one record."""
    try:
        _write_error_record(error)
    except Exception as exc:
        try:
            sys.stderr.write("lambdalite runtime: could not log error %r: %r\n" % (error, exc))
        except Exception:
            pass


def _write_error_record(error):
    if _JSON_LOGS:
        record = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            "level": "ERROR",
        }
        record.update(error)
        _write_log(to_json(record) + "\n")
        return
    first = "[ERROR]"
    if error.get("errorType"):
        first += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            first += ":"
        first += " " + error["errorMessage"]
    lines = [first]
    trace = error.get("stackTrace")
    if trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in trace:
            if element == "":
                lines.append("")
                continue
            for line in element.splitlines():
                stripped = line.lstrip(" ")
                lines.append(_LOG_INDENT * (len(line) - len(stripped)) + stripped)
    # One write, so that the record's lines stay together in the log.
    _write_log("\n".join(lines) + "\n")


# The root logger, set up as AWS sets it up: one handler writing
# "[LEVEL]\t<UTC time>.<ms>Z\t<request id>\t<message>", level left at WARNING
# unless AWS_LAMBDA_LOG_LEVEL says otherwise.

_TEXT_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

_JSON_RESERVED = frozenset(
    (
        "name",
        "msg",
        "args",
        "levelname",
        "levelno",
        "pathname",
        "filename",
        "module",
        "exc_info",
        "exc_text",
        "stack_info",
        "lineno",
        "funcName",
        "created",
        "msecs",
        "relativeCreated",
        "thread",
        "threadName",
        "processName",
        "process",
        "aws_request_id",
        "tenant_id",
        "_frame_type",
    )
)


def _configure_logging(logging):
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()

    class LambdaLoggerHandler(logging.Handler):
        def emit(self, record):
            try:
                msg = self.format(record)
                # One record per write, ending its last line.
                _write_log(msg if msg.endswith("\n") else msg + "\n")
            except RecursionError:
                raise
            except Exception:
                self.handleError(record)

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _request_id or ""
            record.tenant_id = _tenant_id
            return True

    handler = LambdaLoggerHandler()
    if _JSON_LOGS:
        handler.setFormatter(_make_json_formatter(logging))
    else:
        handler.setFormatter(logging.Formatter(_TEXT_LOG_FORMAT, _LOG_DATE_FORMAT))
    if _LOG_LEVEL in logging._nameToLevel:
        root.setLevel(_LOG_LEVEL)
    handler.addFilter(LambdaLoggerFilter())
    root.addHandler(handler)


def _make_json_formatter(logging):
    from datetime import datetime, timezone

    encode = json.JSONEncoder(ensure_ascii=False).encode

    class JsonFormatter(logging.Formatter):
        def __init__(self):
            logging.Formatter.__init__(self, datefmt=_LOG_DATE_FORMAT)

        def formatTime(self, record, datefmt=None):
            stamp = datetime.fromtimestamp(record.created, tz=timezone.utc)
            return stamp.strftime(_LOG_DATE_FORMAT + ".%f")[:-3] + "Z"

        def format(self, record):
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            exc = record.exc_info
            if exc and exc[0] is None:
                exc = None
            if exc:
                import traceback
            result = {
                "timestamp": self.formatTime(record, self.datefmt),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "stackTrace": traceback.format_tb(exc[2]) if exc else None,
                "errorType": exc[0].__name__ if exc else None,
                "errorMessage": _safe_str(exc[1]) if exc else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": (
                    "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None
                ),
            }
            if getattr(record, "tenant_id", None) is not None:
                result["tenantId"] = record.tenant_id
            for key, value in record.__dict__.items():
                if key not in _JSON_RESERVED and key not in result:
                    result[key] = value
            return encode({k: v for k, v in result.items() if v is not None}) + "\n"

    return JsonFormatter()


class _LoggingImportHook:
    """Meta path finder that configures the root logger as soon as the
    ``logging`` module has been executed, whoever imports it first."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "logging":
            return None
        cls.uninstall()
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if find is not None:
                spec = find(name, path, target)
                if spec is not None:
                    break
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        if isinstance(loader, type) or not hasattr(loader, "exec_module"):
            spec.loader = _ConfiguringLoader(loader)
        else:
            run = loader.exec_module

            def exec_module(module):
                run(module)
                _configure_logging_safely(module)

            loader.exec_module = exec_module
        return spec

    @classmethod
    def install(cls):
        if "logging" in sys.modules:
            _configure_logging_safely(sys.modules["logging"])
        else:
            sys.meta_path.insert(0, cls)

    @classmethod
    def uninstall(cls):
        try:
            sys.meta_path.remove(cls)
        except ValueError:
            pass


class _ConfiguringLoader:
    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def create_module(self, spec):
        create = getattr(self._inner, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module):
        self._inner.exec_module(module)
        _configure_logging_safely(module)


def _configure_logging_safely(logging):
    try:
        _configure_logging(logging)
    except Exception as exc:  # never let this break the user's `import logging`
        sys.stderr.write("lambdalite runtime: could not set up logging: %r\n" % (exc,))


# --------------------------------------------------------------------------
# Errors.


def make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """The traceback's frames as (file, line, function, source) tuples,
    without this runtime's own leading frames."""
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    own = _THIS_FILE
    for i, frame in enumerate(frames):
        if frame[0] != own:
            return frames[i:]
    return frames


def _xray_cause(error_type, message, frames):
    paths = []
    for frame in frames:
        if frame[0] not in paths:
            paths.append(frame[0])
    return json.dumps(
        {
            "working_directory": os.getcwd(),
            "exceptions": [
                {
                    "message": message,
                    "type": error_type,
                    "stack": [{"label": f[2], "path": f[0], "line": f[1]} for f in frames],
                }
            ],
            "paths": paths,
        }
    )


def _error_from_exception(exc, request_id=None):
    """(error result, frames) for an exception raised by user code."""
    import traceback

    frames = _user_frames(exc.__traceback__)
    error = make_error(
        _safe_str(exc), type(exc).__name__, traceback.format_list(frames), request_id
    )
    return error, frames


# --------------------------------------------------------------------------
# Init.


def _setup_sys_path(task_root):
    """Task root first, then the layer directories, then the runtime's own
    directory (sys.path[0] when run as a script) and the rest, as on AWS."""
    minors = [_RUNTIME_MINOR]
    if sys.version_info[1] not in minors:
        minors.append(sys.version_info[1])
    front = [task_root]
    front += ["/opt/python/lib/python3.%d/site-packages" % m for m in minors]
    front.append("/opt/python")
    # AWS's SDK where `lambdalite runtimes install` put it: after the
    # function's own packages and its layers, as /var/runtime is on AWS.
    sdk = _sdk_dir()
    if os.path.isdir(sdk):
        front.append(sdk)
    rest = [p for p in sys.path if p not in front]
    sys.path[:] = front + rest


def _sdk_dir():
    return os.path.join(os.environ.get("LAMBDA_RUNTIME_DIR", "/var/runtime"), "sdk")


SDK_MODULES = ("boto3", "botocore")


def _sdk_hint(exc):
    """What to do when the handler imports AWS's SDK and there is none."""
    name = getattr(exc, "name", None) or ""
    if name.split(".")[0] in SDK_MODULES and not os.path.isdir(_sdk_dir()):
        return (
            ". AWS's python runtimes include boto3; lambdalite's do once it is installed: "
            "run `lambdalite runtimes install --python` (or bundle boto3 in the package)"
        )
    return ""


def load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError(MALFORMED_HANDLER_NAME, "Bad handler '%s': %s" % (handler, exc))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultError(
                BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module %s as a handler module" % modname,
            )
        import importlib

        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as exc:
        raise FaultError(
            IMPORT_MODULE_ERROR,
            "Unable to import module '%s': %s%s" % (modname, exc, _sdk_hint(exc)),
        )
    except SyntaxError as exc:
        trace = ['  File "%s" Line %s\n    %s' % (exc.filename, exc.lineno, exc.text)]
        raise FaultError(
            USER_CODE_SYNTAX_ERROR, "Syntax error in module '%s': %s" % (modname, exc), trace
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultError(
            HANDLER_NOT_FOUND, "Handler '%s' missing on module '%s'" % (fname, modname)
        ) from None


# --------------------------------------------------------------------------
# Invocations.


def handle_invocation(client, handler, headers, body):
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    try:
        client_context = headers.get("lambda-runtime-client-context")
        cognito_identity = headers.get("lambda-runtime-cognito-identity")
        try:
            deadline = int(headers.get("lambda-runtime-deadline-ms", "0"))
        except ValueError:
            deadline = 0
        context = LambdaContext(
            request_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            deadline,
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id") or None,
        )
        event = _MARSHALLER.unmarshal_request(body, headers.get("content-type"))
        result = handler(event, context)
        payload, content_type = _MARSHALLER.marshal_response(result)
    except FaultError as fault:
        error = make_error(fault.message, fault.error_type, fault.trace, request_id)
        xray = _xray_cause("LambdaValidationError", fault.message, [])
    except Exception as exc:
        error, frames = _error_from_exception(exc, request_id)
        xray = _xray_cause(error["errorType"], error["errorMessage"], frames)
    else:
        client.post_invocation_result(request_id, payload, content_type)
        return
    _log_error(error)
    client.post_invocation_error(request_id, _error_json(error), xray)


def _unbuffer_stdio():
    """lambdalite passes -u; without it, flush after every write as AWS does."""

    class Unbuffered:
        def __init__(self, stream):
            self._stream = stream

        def __getattr__(self, name):
            return getattr(self._stream, name)

        def write(self, data):
            n = self._stream.write(data)
            self._stream.flush()
            return n

        def writelines(self, lines):
            self._stream.writelines(lines)
            self._stream.flush()

    if not getattr(sys.stdout, "write_through", True):
        sys.stdout = Unbuffered(sys.stdout)
    if not getattr(sys.stderr, "write_through", True):
        sys.stderr = Unbuffered(sys.stderr)


def main():
    global _request_id, _tenant_id
    _unbuffer_stdio()
    client = RuntimeAPIClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    _setup_sys_path(task_root)
    _LoggingImportHook.install()

    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Exception as exc:
        if isinstance(exc, FaultError):
            error = make_error(exc.message, exc.error_type, exc.trace)
        else:
            error = _error_from_exception(exc)[0]
        import logging

        logging.warning(UNHANDLED_EXCEPTION_WARNING)
        _log_error(error)
        client.post_init_error(error)
        sys.exit(1)

    environ = os.environ
    while True:
        headers, body = client.next_invocation()
        _request_id = headers.get("lambda-runtime-aws-request-id")
        _tenant_id = headers.get("lambda-runtime-aws-tenant-id") or None
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id:
            environ["_X_AMZN_TRACE_ID"] = trace_id
        elif "_X_AMZN_TRACE_ID" in environ:
            del environ["_X_AMZN_TRACE_ID"]
        handle_invocation(client, handler, headers, body)


_THIS_FILE = main.__code__.co_filename

if __name__ == "__main__":
    main()
