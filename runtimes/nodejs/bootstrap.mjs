// lambdalite Node.js runtime.
//
// Started as `node <LAMBDA_RUNTIME_DIR>/bootstrap.mjs` with cwd = LAMBDA_TASK_ROOT.
// Talks to the Lambda Runtime API (2018-06-01) at AWS_LAMBDA_RUNTIME_API over a
// single keep-alive connection and reproduces the programming model of AWS's
// managed nodejs runtimes: handler resolution, async / callback / legacy
// context.succeed-fail-done handlers, callbackWaitsForEmptyEventLoop, the
// context object, error shapes and the patched console.
//
// Built-in modules only.

import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { format, inspect, types } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;
const runtimeRequire = createRequire(import.meta.url);
// Same global slot as AWS's runtime, so tools that read the current request id keep working.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');

// ---------------------------------------------------------------------------
// Error types and serialisation
// ---------------------------------------------------------------------------

function runtimeErrorClass(shortName, Base = class extends Error {}) {
  // The name lives on the prototype so that the stack header reads
  // "Runtime.X: message" from the moment the error is created.
  Object.defineProperty(Base.prototype, 'name', {
    value: `Runtime.${shortName}`,
    writable: true,
    configurable: true,
  });
  return Base;
}

const MalformedHandlerName = runtimeErrorClass('MalformedHandlerName');
const HandlerNotFound = runtimeErrorClass('HandlerNotFound');
const ImportModuleError = runtimeErrorClass('ImportModuleError');
const UserCodeSyntaxError = runtimeErrorClass('UserCodeSyntaxError');
const NodeJsExit = runtimeErrorClass('NodeJsExit');
const UnhandledPromiseRejection = runtimeErrorClass(
  'UnhandledPromiseRejection',
  class extends Error {
    constructor(reason, promise) {
      super(reason === undefined ? undefined : safeString(reason));
      this.reason = reason;
      this.promise = promise;
    }
  },
);

const NODEJS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly ' +
  'caused by a Promise that was never settled. For more information, see ' +
  'https://nodejs.org/docs/latest/api/process.html#exit-codes';

function safeString(value) {
  try {
    return String(value);
  } catch {
    return inspect(value);
  }
}

function looksLikeError(value) {
  return (
    !!value &&
    typeof value.name === 'string' && value.name !== '' &&
    typeof value.message === 'string' && value.message !== '' &&
    typeof value.stack === 'string' && value.stack !== ''
  );
}

// Body of POST .../error and .../init/error.
function errorPayload(err) {
  try {
    if (types.isNativeError(err) || looksLikeError(err)) {
      return { errorType: err.name, errorMessage: err.message, trace: err.stack.split('\n') };
    }
    return { errorType: typeof err, errorMessage: err.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

// Errors are not JSON-friendly (name/message/stack are not own enumerable
// properties); expose them the way AWS's log lines do.
function errorToLogObject(_key, value) {
  if (!(value instanceof Error)) return value;
  const out = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code },
    value,
  );
  if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
  return out;
}

function formatErrorForText(err) {
  try {
    return '\t' + JSON.stringify(err, errorToLogObject);
  } catch {
    return '\t' + JSON.stringify(errorPayload(err));
  }
}

function asError(value) {
  if (value instanceof Error) return value;
  try {
    return new Error(value);
  } catch {
    return new Error(inspect(value));
  }
}

// ---------------------------------------------------------------------------
// Console
// ---------------------------------------------------------------------------

const LEVEL_PRIORITY = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const jsonLogs = (env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
const minLevel = LEVEL_PRIORITY[(env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || 1;

function errorForJsonLog(_key, value) {
  if (!(value instanceof Error)) return value;
  return Object.assign(
    {
      errorType: value.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
    },
    value,
  );
}

function jsonRecord(level, message, params) {
  const record = {
    timestamp: new Date().toISOString(),
    level,
    requestId: globalThis[REQUEST_ID],
  };
  if (params.length === 0) {
    record.message = message;
    try {
      return JSON.stringify(record, errorForJsonLog);
    } catch {
      record.message = format(message);
      return JSON.stringify(record);
    }
  }
  record.message = format(message, ...params);
  const err = [message, ...params].find((p) => p instanceof Error);
  if (err) {
    record.errorType = err.constructor?.name ?? 'UnknownError';
    record.errorMessage = err.message;
    record.stackTrace = typeof err.stack === 'string' ? err.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

let stdout = null;

function emit(level, message, params) {
  const line = jsonLogs
    ? jsonRecord(level, message, params)
    : `${new Date().toISOString()}\t${globalThis[REQUEST_ID]}\t${level}\t${format(message, ...params)}`;
  // One record per line: embedded newlines become carriage returns.
  (stdout || openStdout()).write(line.replace(/\n/g, '\r') + '\n');
}

function openStdout() {
  stdout = process.stdout;
  // If the log reader went away (EPIPE), drop the logs: an unhandled stream
  // error would come back through 'uncaughtException', log again, and spin.
  stdout.on('error', () => {});
  return stdout;
}

function patchConsole() {
  const noop = () => {};
  const make = (level) =>
    LEVEL_PRIORITY[level] >= minLevel ? (message, ...params) => emit(level, message, params) : noop;
  console.trace = make('TRACE');
  console.debug = make('DEBUG');
  console.info = make('INFO');
  console.log = console.info;
  console.warn = make('WARN');
  console.error = make('ERROR');
  console.fatal = (message, ...params) => emit('FATAL', message, params);
}

function logError(title, err) {
  if (jsonLogs) console.error(asError(err));
  else console.error(title, formatErrorForText(asError(err)));
}

// ---------------------------------------------------------------------------
// Runtime API client
// ---------------------------------------------------------------------------

const api = (() => {
  const value = env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
  const colon = value.lastIndexOf(':');
  return { host: value.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(value.slice(colon + 1)), authority: value };
})();

// A minimal HTTP/1.1 client for the Runtime API: one connection, one request
// at a time, kept alive between requests. (node:net instead of node:http keeps
// the module graph, and so the cold start, smaller.)

const HEAD = 0, FIXED = 1, CHUNK_SIZE = 2, CHUNK_DATA = 3, CHUNK_END = 4, TRAILERS = 5, UNTIL_CLOSE = 6, DONE = 7;

class ResponseReader {
  constructor() {
    this.state = HEAD;
    this.pending = null; // unparsed bytes of a head / chunk-size line
    this.remaining = 0;
    this.chunks = [];
    this.status = 0;
    this.headers = {};
  }

  // Feeds bytes; returns true once the response is complete.
  feed(data) {
    let buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = null;
    let pos = 0;
    for (;;) {
      if (this.state === DONE) return true;
      if (pos >= buf.length) return false;
      switch (this.state) {
        case HEAD: {
          const end = buf.indexOf('\r\n\r\n', pos, 'latin1');
          if (end < 0) return this.keep(buf, pos);
          this.parseHead(buf.toString('latin1', pos, end));
          pos = end + 4;
          break;
        }
        case FIXED:
        case CHUNK_DATA: {
          const take = Math.min(this.remaining, buf.length - pos);
          this.chunks.push(buf.subarray(pos, pos + take));
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = this.state === FIXED ? DONE : CHUNK_END;
          break;
        }
        case CHUNK_SIZE: {
          const eol = buf.indexOf('\r\n', pos, 'latin1');
          if (eol < 0) return this.keep(buf, pos);
          const size = parseInt(buf.toString('latin1', pos, eol), 16);
          if (!(size >= 0)) throw new Error('Runtime API: bad chunk size');
          pos = eol + 2;
          this.remaining = size;
          this.state = size === 0 ? TRAILERS : CHUNK_DATA;
          break;
        }
        case CHUNK_END:
          if (buf.length - pos < 2) return this.keep(buf, pos);
          pos += 2;
          this.state = CHUNK_SIZE;
          break;
        case TRAILERS: {
          const eol = buf.indexOf('\r\n', pos, 'latin1');
          if (eol < 0) return this.keep(buf, pos);
          if (eol === pos) this.state = DONE;
          pos = eol + 2;
          break;
        }
        case UNTIL_CLOSE:
          this.chunks.push(buf.subarray(pos));
          pos = buf.length;
          break;
      }
    }
  }

  keep(buf, pos) {
    this.pending = buf.subarray(pos);
    return false;
  }

  parseHead(text) {
    const lines = text.split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    if (!(status >= 100)) throw new Error(`Runtime API: bad status line ${JSON.stringify(lines[0])}`);
    if (status < 200) return; // interim response (100 Continue ...): a real head follows
    const headers = {};
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) continue;
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    this.status = status;
    this.headers = headers;
    if (/chunked/i.test(headers['transfer-encoding'] || '')) this.state = CHUNK_SIZE;
    else if (headers['content-length'] !== undefined) {
      this.remaining = Number(headers['content-length']);
      this.state = this.remaining > 0 ? FIXED : DONE;
    } else if (status === 204 || status === 304) this.state = DONE;
    else this.state = UNTIL_CLOSE;
  }

  result() {
    return { status: this.status, headers: this.headers, body: Buffer.concat(this.chunks).toString('utf8') };
  }
}

class RuntimeApiClient {
  constructor(keepAlive) {
    this.keepAlive = keepAlive;
    this.socket = null;
    this.queue = [];
    this.active = null;
  }

  request(method, path, body, headers) {
    return new Promise((resolve, reject) => {
      this.queue.push({ method, path, body, headers, resolve, reject, retried: false });
      this.pump();
    });
  }

  pump() {
    if (this.active || this.queue.length === 0) return;
    this.send(this.queue.shift());
  }

  send(job) {
    if (this.socket && (this.socket.destroyed || !this.socket.writable)) this.socket = null;
    const reused = this.socket !== null;
    const socket = reused ? this.socket : this.open();
    socket.ref(); // an in-flight request keeps the process alive
    this.active = { job, socket, reused, reader: new ResponseReader(), gotBytes: false };
    let head = `${job.method} ${job.path} HTTP/1.1\r\nHost: ${api.authority}\r\n`;
    if (!this.keepAlive) head += 'Connection: close\r\n';
    for (const name in job.headers) head += `${name}: ${job.headers[name]}\r\n`;
    if (job.body !== undefined) {
      const body = Buffer.from(job.body, 'utf8');
      socket.cork();
      socket.write(`${head}Content-Length: ${body.length}\r\n\r\n`, 'latin1');
      socket.write(body);
      socket.uncork();
    } else {
      socket.write(`${head}\r\n`, 'latin1');
    }
  }

  open() {
    const socket = connect({ host: api.host, port: api.port });
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on('data', (data) => this.onData(socket, data));
    socket.on('error', (err) => this.onClose(socket, err));
    socket.on('close', () => this.onClose(socket, null));
    return socket;
  }

  onData(socket, data) {
    const active = this.active;
    if (!active || active.socket !== socket) {
      socket.destroy(); // nothing was asked on this connection
      return;
    }
    active.gotBytes = true;
    let complete;
    try {
      complete = active.reader.feed(data);
    } catch (err) {
      socket.destroy(err);
      return;
    }
    if (complete) this.finish(socket, active.reader.result());
  }

  onClose(socket, err) {
    if (this.socket === socket) this.socket = null;
    const active = this.active;
    if (!active || active.socket !== socket) return;
    this.active = null;
    socket.destroy();
    if (!err && active.reader.state === UNTIL_CLOSE) {
      active.job.resolve(active.reader.result());
    } else if (active.reused && !active.gotBytes && !active.job.retried) {
      // The server closed the idle keep-alive connection as we reused it: retry once.
      active.job.retried = true;
      this.send(active.job);
      return;
    } else {
      active.job.reject(err || new Error('Runtime API connection closed before the response was complete'));
    }
    this.pump();
  }

  finish(socket, response) {
    const job = this.active.job;
    this.active = null;
    if (!this.keepAlive || /close/i.test(response.headers.connection || '')) {
      if (this.socket === socket) this.socket = null;
      socket.destroy();
    } else {
      socket.unref(); // an idle connection must not keep the event loop alive
    }
    job.resolve(response);
    this.pump();
  }
}

const client = new RuntimeApiClient(true);

function apiCall(method, path, body, headers, via = client) {
  return via.request(method, path, body, headers || {});
}

function postJson(path, payload, extraHeaders, via) {
  return apiCall(
    'POST',
    path,
    payload,
    Object.assign({ 'Content-Type': 'application/json' }, extraHeaders),
    via,
  );
}

function serializeResult(result) {
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new Error('Unable to stringify response body');
  }
  return body === undefined ? 'null' : body;
}

function postInvocationError(id, err, via) {
  return postJson(
    `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/error`,
    JSON.stringify(errorPayload(err)),
    { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' },
    via,
  );
}

function postInitError(err, via) {
  const payload = errorPayload(err);
  return postJson(
    '/2018-06-01/runtime/init/error',
    JSON.stringify(payload),
    { 'Lambda-Runtime-Function-Error-Type': String(payload.errorType) },
    via,
  );
}

// ---------------------------------------------------------------------------
// Response streaming: awslambda.streamifyResponse and HttpResponseStream
// ---------------------------------------------------------------------------

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HTTP_INTEGRATION = 'application/vnd.awslambda.http-integration-response';

// The response of one invocation, sent to the Runtime API as it is written:
// a chunked POST in streaming mode, ended by error trailers on failure.
class ResponseStream extends Writable {
  constructor(id) {
    super();
    this.id = id;
    this.contentType = 'application/octet-stream';
    this.socket = null;
    this.failed = false;
    this.response = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.response.catch(() => {}); // observed by the invocation loop
  }

  setContentType(contentType) {
    if (this.socket) throw new Error('Tried to set the content type after the stream started');
    this.contentType = String(contentType);
  }

  open() {
    const socket = connect({ host: api.host, port: api.port });
    socket.setNoDelay(true);
    const reader = new ResponseReader();
    socket.on('data', (data) => {
      try {
        if (reader.feed(data)) {
          this.settle.resolve(reader.result());
          socket.destroy();
        }
      } catch (err) {
        this.settle.reject(err);
        socket.destroy();
      }
    });
    socket.on('error', (err) => this.settle.reject(err));
    socket.on('close', () => this.settle.reject(new Error('Runtime API connection closed before the response was complete')));
    socket.write(
      `POST /2018-06-01/runtime/invocation/${encodeURIComponent(this.id)}/response HTTP/1.1\r\n` +
        `Host: ${api.authority}\r\n` +
        'Lambda-Runtime-Function-Response-Mode: streaming\r\n' +
        'Transfer-Encoding: chunked\r\n' +
        'Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n' +
        `Content-Type: ${this.contentType}\r\n` +
        'Connection: close\r\n\r\n',
      'latin1',
    );
    this.socket = socket;
  }

  _write(chunk, _encoding, callback) {
    if (this.failed) return callback();
    if (!this.socket) this.open();
    if (chunk.length === 0) return callback();
    this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    this.socket.write(chunk);
    // The next write waits until this one reached the Runtime API.
    this.socket.write('\r\n', 'latin1', () => callback());
  }

  _final(callback) {
    if (!this.failed) {
      if (!this.socket) this.open();
      this.socket.write('0\r\n\r\n', 'latin1');
    }
    callback();
  }

  // Ends the stream with the error in its trailers.
  fail(err) {
    if (this.failed) return;
    this.failed = true;
    if (!this.socket) this.open();
    const payload = errorPayload(err);
    const body = Buffer.from(JSON.stringify(payload)).toString('base64');
    const kind = String(payload.errorType).replace(/[\r\n]/g, ' ');
    this.socket.write(
      `0\r\nLambda-Runtime-Function-Error-Type: ${kind}\r\nLambda-Runtime-Function-Error-Body: ${body}\r\n\r\n`,
      'latin1',
    );
  }
}

class HttpResponseStream {
  // Writes the HTTP prelude (statusCode, headers, cookies) a function URL
  // turns into its response's status and headers; the body follows.
  static from(underlying, prelude) {
    underlying.setContentType(HTTP_INTEGRATION);
    underlying.write(JSON.stringify(prelude === undefined ? {} : prelude));
    underlying.write(new Uint8Array(8));
    return underlying;
  }
}

// A plain object, as AWS's: libraries add to it (the SDK for JavaScript v3
// keeps its InvokeStore there).
globalThis.awslambda = {
  streamifyResponse(handler) {
    handler[STREAMING] = 'response';
    return handler;
  },
  HttpResponseStream,
};

function invokeStreaming(handler, event, context, id, next, onPostFailure) {
  const stream = new ResponseStream(id);
  const settled = () => stream.response.then(next, onPostFailure);
  onEmptyEventLoop = null;
  Promise.resolve()
    .then(() => handler(event, stream, context))
    .then(
      () => {
        if (!stream.writableEnded) stream.end();
        settled();
      },
      (err) => {
        logError('Invoke Error', err);
        if (stream.writableEnded) console.error('The response stream ended before the error; it is not reported.');
        else stream.fail(err);
        settled();
      },
    );
}

// ---------------------------------------------------------------------------
// Handler loading
// ---------------------------------------------------------------------------

function nearestPackageIsModule(folder) {
  for (;;) {
    if (folder.endsWith('/node_modules')) return false;
    const pj = join(folder, 'package.json');
    if (existsSync(pj)) {
      try {
        const pkg = JSON.parse(readFileSync(pj, 'utf8'));
        if (pkg) return pkg.type === 'module';
      } catch (err) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, err);
        return false;
      }
    }
    const parent = dirname(folder);
    if (parent === folder) return false;
    folder = parent;
  }
}

const importFile = (file) => import(pathToFileURL(file).href);

async function loadModule(taskRoot, moduleRoot, name) {
  const base = resolvePath(taskRoot, moduleRoot, name);
  let loaded;
  // A file (or folder) named exactly like the module is loaded with require.
  if (existsSync(base) && (loaded = runtimeRequire(base))) return loaded;
  const esm = nearestPackageIsModule(dirname(base));
  if (existsSync(base + '.js')) {
    loaded = esm ? await importFile(base + '.js') : runtimeRequire(base + '.js');
    if (loaded) return loaded;
  }
  if (existsSync(base + '.mjs') && (loaded = await importFile(base + '.mjs'))) return loaded;
  if (existsSync(base + '.cjs') && (loaded = runtimeRequire(base + '.cjs'))) return loaded;
  // Node-style resolution (node_modules, package main, NODE_PATH ...).
  return runtimeRequire(runtimeRequire.resolve(name, { paths: [taskRoot, moduleRoot] }));
}

// AWS's node runtimes include the SDK for JavaScript v3; lambdalite's do
// once `lambdalite runtimes install` has put it in the runtime folder.
function addSdkHint(err) {
  const sdk = resolvePath(process.env.LAMBDA_RUNTIME_DIR || '/var/runtime', 'sdk');
  if (typeof err.message === 'string' && /'@aws-sdk\//.test(err.message) && !existsSync(sdk)) {
    err.message +=
      "\nAWS's node runtimes include the AWS SDK for JavaScript v3; lambdalite's do once it is installed: " +
      'run `lambdalite runtimes install --node` (or bundle the SDK in the package)';
  }
}

async function loadHandler(taskRoot, fullName) {
  if (fullName.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullName}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const tail = basename(fullName);
  const moduleRoot = fullName.slice(0, fullName.indexOf(tail));
  const match = /^([^.]*)\.(.*)$/.exec(tail);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, propertyPath] = match;

  let app;
  try {
    app = await loadModule(taskRoot, moduleRoot, moduleName);
  } catch (err) {
    if (err instanceof SyntaxError) throw new UserCodeSyntaxError(err);
    // As on AWS, only require()'s MODULE_NOT_FOUND becomes an
    // ImportModuleError; an ES module's missing import stays an Error.
    if (err != null && err.code === 'MODULE_NOT_FOUND') {
      addSdkHint(err);
      throw new ImportModuleError(err);
    }
    if (err != null && err.code === 'ERR_MODULE_NOT_FOUND') addSdkHint(err);
    throw err;
  }

  let fn = app;
  for (const key of propertyPath.split('.')) fn = fn && fn[key];
  if (!fn) throw new HandlerNotFound(`${fullName} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullName} is not a function`);
  return fn;
}

// ---------------------------------------------------------------------------
// Fatal errors: uncaught exceptions and unhandled rejections
// ---------------------------------------------------------------------------

let fatalRequestId = null; // null while initialising
let dying = false;
let onEmptyEventLoop = null;

function die(err, exitCode) {
  if (dying) return;
  dying = true;
  onEmptyEventLoop = null;
  // A fresh connection: the keep-alive one may be busy with a long-polling /next.
  const once = new RuntimeApiClient(false);
  const exit = () => process.exit(exitCode);
  setTimeout(exit, 2000); // in case the Runtime API never answers
  const sent = fatalRequestId === null ? postInitError(err, once) : postInvocationError(fatalRequestId, err, once);
  sent.then(exit, exit);
}

process.on('uncaughtException', (err) => {
  logError('Uncaught Exception', err);
  die(err, 129);
});

process.on('unhandledRejection', (reason, promise) => {
  const err = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', err);
  die(err, 128);
});

process.on('beforeExit', () => {
  const listener = onEmptyEventLoop;
  onEmptyEventLoop = null;
  if (listener) listener();
});

// ---------------------------------------------------------------------------
// Invocation loop
// ---------------------------------------------------------------------------

function parseHeaderJson(value, what) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${what} as json: ${err.toString()}`);
  }
}

function scheduleNext(handler, handlerIsAsync) {
  setImmediate(() => {
    apiCall('GET', '/2018-06-01/runtime/invocation/next')
      .then((res) => {
        if (res.status !== 200) throw new Error(`Failed to get next invocation, status ${res.status}: ${res.body}`);
        invoke(handler, handlerIsAsync, res);
      })
      .catch((err) => {
        console.log(`Unexpected Top Level Error: ${safeString(err)}`);
        die(err, 129);
      });
  });
}

function invoke(handler, handlerIsAsync, res) {
  const headers = res.headers;
  const id = headers['lambda-runtime-aws-request-id'];
  globalThis[REQUEST_ID] = id;
  fatalRequestId = id;
  const next = () => {
    if (!dying) scheduleNext(handler, handlerIsAsync);
  };
  const onPostFailure = (err) => {
    console.log(`Unexpected Top Level Error: ${safeString(err)}`);
    die(err, 129);
  };

  // --- completion primitives -------------------------------------------
  let reported = false; // a success response was (about to be) sent
  let waitForEmptyEventLoop = true;

  const sendError = (err) => {
    if (dying) return;
    logError('Invoke Error', err);
    postInvocationError(id, err).then(next, onPostFailure);
  };
  const sendResult = (result) => {
    if (dying) return;
    if (reported) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    reported = true;
    const body = serializeResult(result); // may throw "Unable to stringify response body"
    postJson(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`, body).then(next, onPostFailure);
  };

  const rawCallback = (err, result) => {
    onEmptyEventLoop = null;
    if (err !== undefined && err !== null) sendError(err);
    else if (!waitForEmptyEventLoop) sendResult(result);
    else onEmptyEventLoop = () => setImmediate(() => sendResult(result));
  };
  const rawDone = (err, result) => {
    onEmptyEventLoop = null;
    if (err !== undefined && err !== null) sendError(err);
    else sendResult(result);
  };

  // Only the first of callback/succeed/fail/done counts. A call that throws
  // (e.g. an unserialisable result) does not count, so a later one can report it.
  let finished = false;
  const firstOnly = (fn) =>
    function () {
      if (finished) return;
      fn.apply(null, arguments);
      finished = true;
    };
  const callback = firstOnly(rawCallback);
  const done = firstOnly(rawDone);
  const succeed = firstOnly((result) => rawDone(null, result));
  const fail = firstOnly((err) => (err === undefined || err === null ? rawDone('handled') : rawDone(err, null)));

  // If the event loop drains before the handler reported anything.
  onEmptyEventLoop = () => {
    reported = true;
    if (handlerIsAsync) {
      const err = new NodeJsExit(NODEJS_EXIT_MESSAGE);
      logError('Invoke Error', err);
      postInvocationError(id, err).then(next, onPostFailure);
    } else {
      postJson(`/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`, 'null').then(next, onPostFailure);
    }
  };

  try {
    const event = JSON.parse(res.body);

    const trace = headers['lambda-runtime-trace-id'];
    if (trace) env._X_AMZN_TRACE_ID = trace;
    else delete env._X_AMZN_TRACE_ID;

    const deadline = Number(headers['lambda-runtime-deadline-ms']);
    const context = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
      succeed,
      fail,
      done,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: parseHeaderJson(headers['lambda-runtime-client-context'], 'ClientContext'),
      identity: parseHeaderJson(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      awsRequestId: id,
      getRemainingTimeInMillis() {
        return deadline - Date.now();
      },
    };

    if (handler[STREAMING] === 'response') {
      reported = true;
      invokeStreaming(handler, event, context, id, next, onPostFailure);
      return;
    }
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === 'function') {
      returned.then(succeed, fail).catch(fail);
    }
  } catch (err) {
    callback(err);
  }
}

// ---------------------------------------------------------------------------
// Init
// ---------------------------------------------------------------------------

patchConsole();

loadHandler(env.LAMBDA_TASK_ROOT || process.cwd(), env._HANDLER || '').then(
  (handler) => {
    let isAsync = false;
    try {
      isAsync = handler.constructor?.name === 'AsyncFunction';
    } catch {}
    scheduleNext(handler, isAsync);
  },
  (err) => {
    logError('Uncaught Exception', err);
    die(err, 129);
  },
);
