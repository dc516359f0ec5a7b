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

import http from 'node:http';
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

function emit(level, message, params) {
  const line = jsonLogs
    ? jsonRecord(level, message, params)
    : `${new Date().toISOString()}\t${globalThis[REQUEST_ID]}\t${level}\t${format(message, ...params)}`;
  // One record per line: embedded newlines become carriage returns.
  process.stdout.write(line.replace(/\n/g, '\r') + '\n');
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
  return { host: value.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(value.slice(colon + 1)) };
})();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function apiCall(method, path, body, headers, viaAgent = agent, retried = false) {
  return new Promise((resolve, reject) => {
    const options = { host: api.host, port: api.port, method, path, agent: viaAgent, headers: headers || {} };
    if (body !== undefined) options.headers['Content-Length'] = Buffer.byteLength(body);
    const req = http.request(options, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', (err) => {
      // The server may close an idle keep-alive connection just as we reuse it.
      if (!retried && req.reusedSocket && err.code === 'ECONNRESET') {
        apiCall(method, path, body, headers, viaAgent, true).then(resolve, reject);
      } else {
        reject(err);
      }
    });
    req.end(body);
  });
}

function postJson(path, payload, extraHeaders, viaAgent) {
  return apiCall(
    'POST',
    path,
    payload,
    Object.assign({ 'Content-Type': 'application/json' }, extraHeaders),
    viaAgent,
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

function postInvocationError(id, err, viaAgent) {
  return postJson(
    `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/error`,
    JSON.stringify(errorPayload(err)),
    { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' },
    viaAgent,
  );
}

function postInitError(err, viaAgent) {
  const payload = errorPayload(err);
  return postJson(
    '/2018-06-01/runtime/init/error',
    JSON.stringify(payload),
    { 'Lambda-Runtime-Function-Error-Type': String(payload.errorType) },
    viaAgent,
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
    if (err != null && err.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(err);
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
  const once = new http.Agent({ keepAlive: false });
  const sent = fatalRequestId === null ? postInitError(err, once) : postInvocationError(fatalRequestId, err, once);
  sent.then(
    () => process.exit(exitCode),
    () => process.exit(exitCode),
  );
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
