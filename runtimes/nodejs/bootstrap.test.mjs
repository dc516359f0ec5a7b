// Tests for runtimes/nodejs/bootstrap.mjs: `node --test runtimes/nodejs/`
//
// Each case writes handler files into a temporary task root, starts a tiny
// in-process Runtime API server (a stand-in for lambdalite, for this test only)
// and runs the bootstrap as a child process with a clean environment.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const BOOTSTRAP = join(HERE, 'bootstrap.mjs');
const NODE = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function writeTree(root, files) {
  for (const [name, content] of Object.entries(files)) {
    const file = join(root, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/**
 * Run the bootstrap against `files` and feed it `events` one by one.
 * Resolves once every event got a response/error and the runtime asked for
 * the next one (it is then killed), or once the runtime exited by itself.
 */
async function runLambda({
  files,
  handler = 'index.handler',
  events = [{}],
  env = {},
  invokeHeaders = () => ({}),
  deadlineInMs = 30_000,
  timeoutMs = 15_000,
  script = BOOTSTRAP,
  connectionClose = false, // answer every request with "Connection: close"
  chunked = false, // send event bodies with chunked transfer encoding, in pieces
  keepAliveTimeout, // server-side idle keep-alive timeout (ms)
}) {
  const root = mkdtempSync(join(tmpdir(), 'lambdalite-node-'));
  writeTree(root, files || {});

  const results = [];
  const sockets = new Set();
  const requests = [];
  let initError = null;
  let nextCalls = 0;
  let parked = null;
  let sent = 0;
  let firstNextAt = null;
  let child;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));

  const maybeDone = () => {
    if (parked && results.length >= events.length) finish('idle');
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method, url: req.url, headers: req.headers });
      if (req.method === 'GET' && req.url === '/2018-06-01/runtime/invocation/next') {
        sockets.add(req.socket);
        nextCalls++;
        if (firstNextAt === null) firstNextAt = process.hrtime.bigint();
        if (sent < events.length) {
          const i = sent++;
          const id = `req-${i + 1}`;
          if (connectionClose) res.setHeader('Connection', 'close');
          res.writeHead(200, {
            'Content-Type': 'application/json',
            'Lambda-Runtime-Aws-Request-Id': id,
            'Lambda-Runtime-Deadline-Ms': String(Date.now() + deadlineInMs),
            'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:123456789012:function:my-fn',
            'Lambda-Runtime-Trace-Id': `Root=1-00000000-00000000000000000000000${i};Parent=0000000000000000;Sampled=0`,
            ...invokeHeaders(i),
          });
          const payload = Buffer.from(JSON.stringify(events[i]));
          if (chunked) {
            // Split inside multi-byte characters and across TCP writes on purpose.
            res.write(payload.subarray(0, 5));
            res.write(payload.subarray(5, 12));
            setTimeout(() => res.end(payload.subarray(12)), 20);
          } else {
            res.end(payload);
          }
        } else {
          parked = res; // long poll: never answered
          maybeDone();
        }
        return;
      }
      let m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(req.url);
      if (req.method === 'POST' && m) {
        if (req.headers.connection !== 'close') sockets.add(req.socket);
        let json;
        try {
          json = JSON.parse(body);
        } catch {
          json = Symbol.for('invalid json');
        }
        results.push({ id: decodeURIComponent(m[1]), kind: m[2], body: json, raw: body, headers: req.headers });
        if (connectionClose) res.setHeader('Connection', 'close');
        res.writeHead(202, { 'Content-Type': 'application/json' });
        res.end('{"status":"OK"}');
        maybeDone();
        return;
      }
      if (req.method === 'POST' && req.url === '/2018-06-01/runtime/init/error') {
        initError = { body: JSON.parse(body), headers: req.headers };
        res.writeHead(202, { 'Content-Type': 'application/json' });
        res.end('{"status":"OK"}');
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout;
  const connections = new Set();
  server.on('connection', (socket) => connections.add(socket));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;

  const cleanEnv = {
    _HANDLER: handler,
    AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
    LAMBDA_TASK_ROOT: root,
    LAMBDA_RUNTIME_DIR: HERE,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_LAMBDA_FUNCTION_NAME: 'my-fn',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/my-fn',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/26/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LD_LIBRARY_PATH: '',
    ...env,
  };

  const startedAt = process.hrtime.bigint();
  child = spawn(NODE, [script], { cwd: root, env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  exited.then(() => finish('exit'));
  const timer = setTimeout(() => finish('timeout'), timeoutMs);

  const how = await finished;
  clearTimeout(timer);
  if (how !== 'exit') child.kill('SIGKILL');
  const { code, signal } = await exited;
  if (parked) parked.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });

  const logs = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [time, requestId, level, ...rest] = line.split('\t');
      return { line, time, requestId, level, message: rest.join('\t') };
    });
  return {
    how,
    code: how === 'exit' ? code : null,
    signal,
    results,
    initError,
    stdout,
    stderr,
    logs,
    nextCalls,
    sockets: sockets.size,
    connections: connections.size,
    requests,
    root,
    startupMs: firstNextAt === null ? null : Number(firstNextAt - startedAt) / 1e6,
  };
}

const ok = (r, i = 0) => {
  assert.equal(r.results[i]?.kind, 'response', `expected a response, got ${JSON.stringify(r.results[i])}\n${r.stdout}${r.stderr}`);
  return r.results[i].body;
};
const err = (r, i = 0) => {
  assert.equal(r.results[i]?.kind, 'error', `expected an error, got ${JSON.stringify(r.results[i])}\n${r.stdout}${r.stderr}`);
  assert.equal(r.results[i].headers['lambda-runtime-function-error-type'], 'Unhandled');
  return r.results[i].body;
};

// ---------------------------------------------------------------------------

const LEGACY = `
exports.handler = function(event, context) {
  const message = JSON.parse(event.Records[0].Sns.Message);
  if (message.cook_secs < message.req_secs) {
    if (message.pre) { context.succeed("User ended " + message.pre + " preset early"); }
    else { context.succeed("User ended custom cook time early"); }
  }
  context.succeed();
};
`;
const sns = (message) => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:cooker:0000',
      Sns: { Type: 'Notification', MessageId: 'm-1', TopicArn: 'arn:aws:sns:us-east-1:123456789012:cooker', Subject: null, Message: JSON.stringify(message), Timestamp: '2026-11-26T13:47:05.123Z', MessageAttributes: {} },
    },
  ],
});

// Non-async dispatcher: callback / context methods / thrown values / returned promises.
const CALLBACK_STYLE = `
exports.handler = function (event, context, callback) {
  const circular = {}; circular.self = circular;
  switch (event.case) {
    case 'callback-result': return callback(null, { hello: 'world' });
    case 'callback-no-result': return callback();
    case 'callback-string-error': return callback('msg');
    case 'callback-error': return callback(new TypeError('bad type'));
    case 'callback-twice': callback(null, 'first'); callback(null, 'second'); return;
    case 'succeed-twice': context.succeed('a'); context.succeed(); return;
    case 'succeed-then-fail': context.succeed('a'); context.fail(new Error('late')); return;
    case 'fail-empty': return context.fail();
    case 'fail-error': { const e = new Error('it failed'); e.name = 'CustomError'; return context.fail(e); }
    case 'done-result': return context.done(null, 42);
    case 'done-error': return context.done(new RangeError('out of range'), 'ignored');
    case 'throw-error': throw new Error('boom');
    case 'throw-string': throw 'just a string';
    case 'throw-object': throw { some: 'object' };
    case 'promise-resolve': return Promise.resolve({ via: 'promise' });
    case 'promise-reject': return Promise.reject(new Error('promise rejected'));
    case 'wait-true': { const r = { fired: false }; callback(null, r); setTimeout(() => { r.fired = true; }, 150); return; }
    case 'wait-false': { context.callbackWaitsForEmptyEventLoop = false; const r = { fired: false, flag: context.callbackWaitsForEmptyEventLoop }; callback(null, r); setTimeout(() => { r.fired = true; }, 150); return; }
    case 'succeed-no-wait': { const r = { fired: false }; context.succeed(r); setTimeout(() => { r.fired = true; }, 150); return; }
    case 'later-callback': setTimeout(() => callback(null, 'from timer'), 50); return;
    case 'never-completes': return undefined;
    case 'circular-callback': context.callbackWaitsForEmptyEventLoop = false; return callback(null, circular);
    case 'circular-succeed': return context.succeed(circular);
    case 'bigint': return context.succeed({ n: 1n });
    case 'default-flag': return callback(null, context.callbackWaitsForEmptyEventLoop);
  }
  callback(new Error('unknown case ' + event.case));
};
`;

const ASYNC_STYLE = `
export const handler = async (event, context) => {
  const circular = {}; circular.self = circular;
  switch (event.case) {
    case 'return-object': return { async: true };
    case 'return-undefined': return;
    case 'return-string': return 'plain';
    case 'throw-error': { class ValidationError extends Error { constructor(m) { super(m); this.name = 'ValidationError'; } } throw new ValidationError('invalid input'); }
    case 'throw-string': throw 'async string';
    case 'reject-undefined': return Promise.reject(undefined);
    case 'circular': return circular;
    case 'no-wait': { const r = { fired: false }; setTimeout(() => { r.fired = true; }, 150); return r; }
    case 'succeed-first': context.succeed('from succeed'); return 'from return';
    case 'never-settles': return new Promise(() => {});
    case 'await-timer': await new Promise((r) => setTimeout(r, 30)); return 'after timer';
  }
  throw new Error('unknown case ' + event.case);
};
`;

describe('bootstrap.mjs', { concurrency: 2 }, () => {
  test('legacy context.succeed SNS example (first completion wins), several invocations on one connection', async () => {
    const r = await runLambda({
      files: { 'index.js': LEGACY },
      events: [
        sns({ cook_secs: 10, req_secs: 20, pre: 'pizza' }),
        sns({ cook_secs: 10, req_secs: 20 }),
        sns({ cook_secs: 30, req_secs: 20 }),
      ],
    });
    assert.equal(r.results.length, 3, r.stdout + r.stderr);
    assert.equal(ok(r, 0), 'User ended pizza preset early');
    assert.equal(r.results[0].raw, '"User ended pizza preset early"');
    assert.equal(r.results[0].id, 'req-1');
    assert.equal(ok(r, 1), 'User ended custom cook time early');
    assert.equal(ok(r, 2), null);
    assert.equal(r.results[2].raw, 'null');
    assert.equal(r.nextCalls, 4);
    assert.equal(r.sockets, 1, 'all Runtime API calls share one keep-alive connection');
    assert.equal(r.stderr, '');
  });

  test('callback, context.succeed/fail/done, thrown values and returned promises', async () => {
    const cases = [
      'callback-result', 'callback-no-result', 'callback-string-error', 'callback-error', 'callback-twice',
      'succeed-twice', 'succeed-then-fail', 'fail-empty', 'fail-error', 'done-result', 'done-error',
      'throw-error', 'throw-string', 'throw-object', 'promise-resolve', 'promise-reject', 'wait-true',
      'wait-false', 'succeed-no-wait', 'later-callback', 'circular-callback', 'circular-succeed', 'bigint',
      'default-flag',
    ];
    const r = await runLambda({ files: { 'index.js': CALLBACK_STYLE }, events: cases.map((c) => ({ case: c })) });
    assert.equal(r.results.length, cases.length, r.stdout + r.stderr);
    const byCase = Object.fromEntries(cases.map((c, i) => [c, i]));
    const at = (c) => byCase[c];

    assert.deepEqual(ok(r, at('callback-result')), { hello: 'world' });
    assert.equal(r.results[at('callback-no-result')].raw, 'null');
    assert.deepEqual(err(r, at('callback-string-error')), { errorType: 'string', errorMessage: 'msg', trace: [] });
    const te = err(r, at('callback-error'));
    assert.equal(te.errorType, 'TypeError');
    assert.equal(te.errorMessage, 'bad type');
    assert.equal(te.trace[0], 'TypeError: bad type');
    assert.match(te.trace[1], /^\s+at /);
    assert.equal(ok(r, at('callback-twice')), 'first');
    assert.equal(ok(r, at('succeed-twice')), 'a');
    assert.equal(ok(r, at('succeed-then-fail')), 'a');
    assert.deepEqual(err(r, at('fail-empty')), { errorType: 'string', errorMessage: 'handled', trace: [] });
    const fe = err(r, at('fail-error'));
    assert.equal(fe.errorType, 'CustomError');
    assert.equal(fe.errorMessage, 'it failed');
    assert.equal(ok(r, at('done-result')), 42);
    assert.equal(err(r, at('done-error')).errorType, 'RangeError');
    const thrown = err(r, at('throw-error'));
    assert.deepEqual([thrown.errorType, thrown.errorMessage, thrown.trace[0]], ['Error', 'boom', 'Error: boom']);
    assert.deepEqual(err(r, at('throw-string')), { errorType: 'string', errorMessage: 'just a string', trace: [] });
    assert.deepEqual(err(r, at('throw-object')), { errorType: 'object', errorMessage: '[object Object]', trace: [] });
    assert.deepEqual(ok(r, at('promise-resolve')), { via: 'promise' });
    assert.equal(err(r, at('promise-reject')).errorMessage, 'promise rejected');
    // callbackWaitsForEmptyEventLoop: true (default) -> sent once the timer ran.
    assert.deepEqual(ok(r, at('wait-true')), { fired: true });
    assert.deepEqual(ok(r, at('wait-false')), { fired: false, flag: false });
    assert.deepEqual(ok(r, at('succeed-no-wait')), { fired: false });
    assert.equal(ok(r, at('later-callback')), 'from timer');
    for (const c of ['circular-callback', 'circular-succeed', 'bigint']) {
      const e = err(r, at(c));
      assert.equal(e.errorType, 'Error', c);
      assert.equal(e.errorMessage, 'Unable to stringify response body', c);
    }
    assert.equal(ok(r, at('default-flag')), true);

    // Every result belongs to its own invocation, in order.
    assert.deepEqual(r.results.map((x) => x.id), cases.map((_, i) => `req-${i + 1}`));
    // Errors are logged like AWS: "Invoke Error \t{json}" at ERROR level.
    const invokeErrors = r.logs.filter((l) => l.message.startsWith('Invoke Error \t{'));
    assert.ok(invokeErrors.length >= 10);
    const boomLog = r.logs.find((l) => l.requestId === `req-${at('throw-error') + 1}` && l.level === 'ERROR');
    const logged = JSON.parse(boomLog.message.slice('Invoke Error \t'.length));
    assert.equal(logged.errorType, 'Error');
    assert.equal(logged.errorMessage, 'boom');
    assert.equal(logged.stack[0], 'Error: boom');
    assert.equal(r.sockets, 1);
  });

  test('async handlers: result, undefined -> null, errors, no wait for the event loop', async () => {
    const cases = ['return-object', 'return-undefined', 'return-string', 'throw-error', 'throw-string', 'reject-undefined', 'circular', 'no-wait', 'succeed-first', 'await-timer'];
    const r = await runLambda({ files: { 'index.mjs': ASYNC_STYLE }, events: cases.map((c) => ({ case: c })) });
    assert.equal(r.results.length, cases.length, r.stdout + r.stderr);
    const at = (c) => cases.indexOf(c);
    assert.deepEqual(ok(r, at('return-object')), { async: true });
    assert.equal(r.results[at('return-undefined')].raw, 'null');
    assert.equal(ok(r, at('return-string')), 'plain');
    const ve = err(r, at('throw-error'));
    assert.equal(ve.errorType, 'ValidationError');
    assert.equal(ve.errorMessage, 'invalid input');
    assert.deepEqual(err(r, at('throw-string')), { errorType: 'string', errorMessage: 'async string', trace: [] });
    assert.deepEqual(err(r, at('reject-undefined')), { errorType: 'string', errorMessage: 'handled', trace: [] });
    assert.equal(err(r, at('circular')).errorMessage, 'Unable to stringify response body');
    assert.deepEqual(ok(r, at('no-wait')), { fired: false });
    assert.equal(ok(r, at('succeed-first')), 'from succeed');
    assert.equal(ok(r, at('await-timer')), 'after timer');
  });

  test('handler that never completes: sync -> null response, async -> Runtime.NodeJsExit; the runtime carries on', async () => {
    const sync = await runLambda({
      files: { 'index.js': CALLBACK_STYLE },
      events: [{ case: 'never-completes' }, { case: 'callback-result' }],
    });
    assert.equal(sync.results[0].raw, 'null');
    assert.deepEqual(ok(sync, 1), { hello: 'world' });

    const asyncRun = await runLambda({
      files: { 'index.mjs': ASYNC_STYLE },
      events: [{ case: 'never-settles' }, { case: 'return-object' }],
    });
    const e = err(asyncRun, 0);
    assert.equal(e.errorType, 'Runtime.NodeJsExit');
    assert.match(e.errorMessage, /Promise that was never settled/);
    assert.deepEqual(ok(asyncRun, 1), { async: true });
  });

  test('unhandled promise rejection fails the invocation and exits', async () => {
    const r = await runLambda({
      files: {
        'index.js': `exports.handler = async () => { Promise.reject(new Error('nobody catches me')); await new Promise((r) => setTimeout(r, 1000)); return 'late'; };`,
      },
    });
    assert.equal(r.how, 'exit');
    assert.equal(r.code, 128);
    const e = err(r, 0);
    assert.equal(e.errorType, 'Runtime.UnhandledPromiseRejection');
    assert.equal(e.errorMessage, 'Error: nobody catches me');
    assert.equal(e.trace[0], 'Runtime.UnhandledPromiseRejection: Error: nobody catches me');
    const line = r.logs.find((l) => l.message.startsWith('Unhandled Promise Rejection \t'));
    assert.ok(line, r.stdout);
    assert.equal(line.requestId, 'req-1');
    const logged = JSON.parse(line.message.slice('Unhandled Promise Rejection \t'.length));
    assert.equal(logged.reason.errorType, 'Error');
    assert.equal(logged.reason.errorMessage, 'nobody catches me');
    assert.deepEqual(logged.promise, {});
  });

  test('uncaught exception fails the invocation and exits', async () => {
    const r = await runLambda({
      files: {
        'index.js': `exports.handler = (event, context, callback) => { setTimeout(() => { throw new SyntaxError('thrown in a timer'); }, 10); };`,
      },
    });
    assert.equal(r.how, 'exit');
    assert.equal(r.code, 129);
    const e = err(r, 0);
    assert.equal(e.errorType, 'SyntaxError');
    assert.equal(e.errorMessage, 'thrown in a timer');
    assert.ok(r.logs.some((l) => l.requestId === 'req-1' && l.level === 'ERROR' && l.message.startsWith('Uncaught Exception \t{"errorType":"SyntaxError"')));
  });

  describe('init errors', { concurrency: 2 }, () => {
    const initCase = async (files, handler) => {
      const r = await runLambda({ files, handler });
      assert.equal(r.how, 'exit', r.stdout + r.stderr);
      assert.equal(r.code, 129);
      assert.equal(r.nextCalls, 0);
      assert.ok(r.initError, r.stdout + r.stderr);
      assert.equal(r.initError.headers['lambda-runtime-function-error-type'], r.initError.body.errorType);
      const line = r.logs.find((l) => l.level === 'ERROR');
      assert.ok(line, r.stdout);
      assert.match(line.time, ISO);
      assert.equal(line.requestId, 'undefined');
      assert.ok(line.message.startsWith('Uncaught Exception \t{'), line.message);
      const logged = JSON.parse(line.message.slice('Uncaught Exception \t'.length));
      assert.equal(logged.errorMessage, r.initError.body.errorMessage);
      // Non-Error values are logged as Error objects (as AWS does) but posted with their typeof.
      if (r.initError.body.trace.length) assert.equal(logged.errorType, r.initError.body.errorType);
      assert.ok(Array.isArray(logged.stack));
      assert.ok(!r.stdout.slice(0, -1).includes('\n\n'));
      return r.initError.body;
    };

    test('missing module -> Runtime.ImportModuleError', async () => {
      const e = await initCase({ 'other.js': 'exports.handler = () => 1;' }, 'index.handler');
      assert.equal(e.errorType, 'Runtime.ImportModuleError');
      assert.equal(e.errorMessage, `Error: Cannot find module 'index'\nRequire stack:\n- ${BOOTSTRAP}`);
      assert.deepEqual(e.trace.slice(0, 3), ["Runtime.ImportModuleError: Error: Cannot find module 'index'", 'Require stack:', `- ${BOOTSTRAP}`]);
    });

    test('missing dependency of a CommonJS handler -> Runtime.ImportModuleError', async () => {
      const e = await initCase({ 'index.js': "require('not-installed'); exports.handler = () => 1;" }, 'index.handler');
      assert.equal(e.errorType, 'Runtime.ImportModuleError');
      assert.match(e.errorMessage, /^Error: Cannot find module 'not-installed'\nRequire stack:\n- .*\/index\.js\n- .*bootstrap\.mjs$/);
    });

    test('missing package imported by an ES module: plain Error, as in AWS (only MODULE_NOT_FOUND is wrapped)', async () => {
      const e = await initCase({ 'index.mjs': "import 'not-installed'; export const handler = async () => 1;" }, 'index.handler');
      assert.equal(e.errorType, 'Error');
      assert.match(e.errorMessage, /^Cannot find package 'not-installed' imported from .*\/index\.mjs$/);
    });

    test('missing export -> Runtime.HandlerNotFound', async () => {
      const e = await initCase({ 'index.js': 'exports.handler = () => 1;' }, 'index.nope');
      assert.equal(e.errorType, 'Runtime.HandlerNotFound');
      assert.equal(e.errorMessage, 'index.nope is undefined or not exported');
      assert.equal(e.trace[0], 'Runtime.HandlerNotFound: index.nope is undefined or not exported');
    });

    test('export that is not a function -> Runtime.HandlerNotFound', async () => {
      const e = await initCase({ 'index.mjs': 'export const x = 42;' }, 'index.x');
      assert.equal(e.errorType, 'Runtime.HandlerNotFound');
      assert.equal(e.errorMessage, 'index.x is not a function');
    });

    test('malformed handler name -> Runtime.MalformedHandlerName', async () => {
      const e = await initCase({ 'index.js': 'exports.handler = () => 1;' }, 'index');
      assert.equal(e.errorType, 'Runtime.MalformedHandlerName');
      assert.equal(e.errorMessage, 'Bad handler');
    });

    test('relative path in handler name -> Runtime.MalformedHandlerName', async () => {
      const e = await initCase({ 'index.js': 'exports.handler = () => 1;' }, '../index.handler');
      assert.equal(e.errorType, 'Runtime.MalformedHandlerName');
      assert.equal(
        e.errorMessage,
        "'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
      );
    });

    test('syntax error (CommonJS) -> Runtime.UserCodeSyntaxError', async () => {
      const e = await initCase({ 'index.js': 'exports.handler = () => {{;' }, 'index.handler');
      assert.equal(e.errorType, 'Runtime.UserCodeSyntaxError');
      assert.match(e.errorMessage, /^SyntaxError: /);
      assert.equal(e.trace[0], `Runtime.UserCodeSyntaxError: ${e.errorMessage}`);
    });

    test('syntax error (ES module) -> Runtime.UserCodeSyntaxError', async () => {
      const e = await initCase({ 'app.mjs': 'export const handler = async () => }' }, 'app.handler');
      assert.equal(e.errorType, 'Runtime.UserCodeSyntaxError');
      assert.match(e.errorMessage, /^SyntaxError: Unexpected token/);
    });

    test('exception thrown during init keeps its own type', async () => {
      const e = await initCase(
        { 'index.js': "class ConfigError extends Error { constructor(m) { super(m); this.name = 'ConfigError'; } }\nthrow new ConfigError('missing TABLE_NAME');" },
        'index.handler',
      );
      assert.equal(e.errorType, 'ConfigError');
      assert.equal(e.errorMessage, 'missing TABLE_NAME');
      assert.equal(e.trace[0], 'ConfigError: missing TABLE_NAME');
    });

    test('non-Error thrown during init', async () => {
      const e = await initCase({ 'index.mjs': "throw 'init failed';" }, 'index.handler');
      assert.deepEqual(e, { errorType: 'string', errorMessage: 'init failed', trace: [] });
    });
  });

  describe('module resolution', { concurrency: 2 }, () => {
    const echo = (r) => ok(r, 0);
    test('.mjs (ES module)', async () => {
      const r = await runLambda({ files: { 'index.mjs': "export const handler = async () => 'esm ' + typeof require;" } });
      assert.equal(echo(r), 'esm undefined');
    });
    test('.js with "type": "module" in package.json is loaded as ESM', async () => {
      const r = await runLambda({
        files: { 'package.json': '{"type":"module"}', 'index.js': "export async function handler() { return 'esm js ' + typeof module; }" },
      });
      assert.equal(echo(r), 'esm js undefined');
    });
    test('.js without "type": "module" is CommonJS', async () => {
      const r = await runLambda({
        files: { 'package.json': '{"name":"x"}', 'index.js': "exports.handler = async () => 'cjs ' + typeof module;" },
      });
      assert.equal(echo(r), 'cjs object');
    });
    test('.cjs', async () => {
      const r = await runLambda({ files: { 'index.cjs': "module.exports.handler = async () => 'cjs ' + __filename.endsWith('index.cjs');" } });
      assert.equal(echo(r), 'cjs true');
    });
    test('.js is preferred over .mjs', async () => {
      const r = await runLambda({
        files: { 'index.js': "exports.handler = async () => 'js';", 'index.mjs': "export const handler = async () => 'mjs';" },
      });
      assert.equal(echo(r), 'js');
    });
    test('nested path dir/file.handler, nearest package.json decides', async () => {
      const r = await runLambda({
        handler: 'src/app.handler',
        files: { 'src/package.json': '{"type":"module"}', 'src/app.js': "export const handler = async () => 'nested esm';" },
      });
      assert.equal(echo(r), 'nested esm');
    });
    test('deep property path index.obj.method', async () => {
      const r = await runLambda({
        handler: 'index.api.v1.method',
        files: { 'index.js': "exports.api = { v1: { method: (event, context, cb) => cb(null, 'deep ' + event.n) } };" },
        events: [{ n: 7 }],
      });
      assert.equal(echo(r), 'deep 7');
    });
    test('falls back to node_modules resolution', async () => {
      const r = await runLambda({
        handler: 'mypkg.handler',
        files: {
          'node_modules/mypkg/package.json': '{"name":"mypkg","main":"lib/main.js"}',
          'node_modules/mypkg/lib/main.js': "exports.handler = async () => 'from node_modules';",
        },
      });
      assert.equal(echo(r), 'from node_modules');
    });
    test('ES module handler importing a CommonJS file from the task root', async () => {
      const r = await runLambda({
        files: {
          'index.mjs': "import helper from './helper.cjs'; import { createRequire } from 'node:module'; export const handler = async () => helper() + ' ' + typeof createRequire;",
          'helper.cjs': "module.exports = () => 'helped';",
        },
      });
      assert.equal(echo(r), 'helped function');
    });
  });

  test('context object, trace id, environment', async () => {
    const r = await runLambda({
      files: {
        'index.js': `
          exports.handler = async (event, context) => ({
            keys: Object.keys(context),
            functionName: context.functionName,
            functionVersion: context.functionVersion,
            invokedFunctionArn: context.invokedFunctionArn,
            memoryLimitInMB: context.memoryLimitInMB,
            awsRequestId: context.awsRequestId,
            logGroupName: context.logGroupName,
            logStreamName: context.logStreamName,
            remaining: context.getRemainingTimeInMillis(),
            clientContext: context.clientContext,
            identity: context.identity,
            waits: context.callbackWaitsForEmptyEventLoop,
            trace: process.env._X_AMZN_TRACE_ID,
            own: process.env.MY_SETTING,
            tz: process.env.TZ,
            cwd: process.cwd(),
            event,
          });`,
      },
      env: { MY_SETTING: 'on' },
      events: [{ a: 1 }, { b: 2 }],
      deadlineInMs: 3000,
      invokeHeaders: (i) =>
        i === 0
          ? {
              'Lambda-Runtime-Client-Context': JSON.stringify({ client: { installation_id: 'inst' }, env: { locale: 'en' }, custom: { k: 'v' } }),
              'Lambda-Runtime-Cognito-Identity': JSON.stringify({ cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }),
            }
          : {},
    });
    const c = ok(r, 0);
    assert.equal(c.functionName, 'my-fn');
    assert.equal(c.functionVersion, '$LATEST');
    assert.equal(c.invokedFunctionArn, 'arn:aws:lambda:us-east-1:123456789012:function:my-fn');
    assert.equal(c.memoryLimitInMB, '128');
    assert.equal(c.awsRequestId, 'req-1');
    assert.equal(c.logGroupName, '/aws/lambda/my-fn');
    assert.equal(c.logStreamName, '2026/11/26/[$LATEST]0123456789abcdef');
    assert.ok(c.remaining > 0 && c.remaining <= 3000, String(c.remaining));
    assert.deepEqual(c.clientContext, { client: { installation_id: 'inst' }, env: { locale: 'en' }, custom: { k: 'v' } });
    assert.deepEqual(c.identity, { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' });
    assert.equal(c.waits, true);
    assert.equal(c.trace, 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0');
    assert.equal(c.own, 'on');
    assert.equal(c.tz, ':UTC');
    assert.deepEqual(c.event, { a: 1 });
    for (const k of ['callbackWaitsForEmptyEventLoop', 'succeed', 'fail', 'done', 'functionName', 'getRemainingTimeInMillis']) {
      assert.ok(c.keys.includes(k), k);
    }
    const c2 = ok(r, 1);
    assert.equal(c2.awsRequestId, 'req-2');
    assert.equal(c2.clientContext, undefined);
    assert.equal(c2.trace, 'Root=1-00000000-000000000000000000000001;Parent=0000000000000000;Sampled=0');
    assert.deepEqual(c2.event, { b: 2 });
  });

  test('bad client context header fails the invocation', async () => {
    const r = await runLambda({
      files: { 'index.js': "exports.handler = async () => 'unreachable';" },
      invokeHeaders: () => ({ 'Lambda-Runtime-Client-Context': '{not json' }),
    });
    assert.match(err(r, 0).errorMessage, /^Cannot parse ClientContext as json: SyntaxError/);
  });

  test('console is patched with the AWS text format', async () => {
    const r = await runLambda({
      files: {
        'index.js': `
          console.log('loading function');
          exports.handler = async (event) => {
            console.log('log %s %d', 'str', 42, { k: 'v' });
            console.info('info');
            console.warn('warn');
            console.error('error', new Error('shown'));
            console.debug('debug');
            console.trace('trace');
            console.log('line one\\nline two');
            console.log();
            return 'done';
          };`,
      },
      events: [{}, {}],
    });
    assert.equal(ok(r, 0), 'done');
    const logs = r.logs;
    for (const l of logs) {
      assert.match(l.time, ISO, l.line);
    }
    assert.deepEqual(
      [logs[0].requestId, logs[0].level, logs[0].message],
      ['undefined', 'INFO', 'loading function'],
    );
    const first = logs.filter((l) => l.requestId === 'req-1');
    assert.deepEqual(first.map((l) => l.level), ['INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG', 'TRACE', 'INFO', 'INFO']);
    assert.equal(first[0].message, "log str 42 { k: 'v' }");
    assert.equal(first[1].message, 'info');
    assert.match(first[3].message, /^error Error: shown\r {4}at /);
    assert.equal(first[5].message, 'trace');
    assert.equal(first[6].message, 'line one\rline two');
    assert.equal(first[7].message, 'undefined');
    assert.equal(logs.filter((l) => l.requestId === 'req-2').length, 8);
    assert.equal(r.stderr, '');
  });

  test('AWS_LAMBDA_LOG_LEVEL filters and AWS_LAMBDA_LOG_FORMAT=JSON', async () => {
    const files = {
      'index.js': "exports.handler = async () => { console.debug('d'); console.info('i'); console.warn('w', 1); console.error(new Error('e')); return 1; };",
    };
    const text = await runLambda({ files, env: { AWS_LAMBDA_LOG_LEVEL: 'WARN' } });
    assert.deepEqual(text.logs.map((l) => l.level), ['WARN', 'ERROR']);

    const json = await runLambda({ files, env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' } });
    const records = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(records.map((x) => x.level), ['DEBUG', 'INFO', 'WARN', 'ERROR']);
    assert.equal(records[1].requestId, 'req-1');
    assert.equal(records[1].message, 'i');
    assert.equal(records[2].message, 'w 1');
    assert.match(records[1].timestamp, ISO);
    assert.equal(records[3].message.errorType, 'Error');
    assert.equal(records[3].message.errorMessage, 'e');
  });

  test('connection handling: Connection: close, idle timeout, chunked bodies', async () => {
    const files = { 'index.js': 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.sleep || 0)); return e; };' };
    const events = [{ n: 1, s: 'é€😀' }, { n: 2, s: 'ü'.repeat(10) }, { n: 3 }];

    const closing = await runLambda({ files, events, connectionClose: true });
    assert.deepEqual(closing.results.map((x) => x.body), events);
    assert.equal(closing.connections, 7, 'a new connection per request after "Connection: close"');

    const idle = await runLambda({ files, events: events.map((e) => ({ ...e, sleep: 150 })), keepAliveTimeout: 50 });
    assert.deepEqual(idle.results.map((x) => x.body.n), [1, 2, 3]);

    const chunks = await runLambda({ files, events, chunked: true });
    assert.deepEqual(chunks.results.map((x) => x.body), events);
    assert.equal(chunks.connections, 1);
  });

  test('exits (does not spin) when the Runtime API and the log reader both go away', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lambdalite-node-'));
    writeTree(root, { 'index.js': 'setInterval(() => console.log("tick"), 1); exports.handler = async () => 1;' });
    let pendingNext;
    const server = http.createServer((req) => (pendingNext = req));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const gotNext = new Promise((resolve) => server.once('request', resolve));
    const child = spawn(NODE, [BOOTSTRAP], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { _HANDLER: 'index.handler', AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.address().port}`, LAMBDA_TASK_ROOT: root },
    });
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    await gotNext;
    child.stdout.destroy();
    child.stderr.destroy();
    pendingNext.socket.destroy();
    server.close();
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 5000))]);
    if (code === 'still running') child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    assert.equal(code, 129);
  });

  test('large and unicode payloads round-trip', async () => {
    const big = { text: 'é€😀'.repeat(50_000), list: Array.from({ length: 1000 }, (_, i) => i) };
    const r = await runLambda({ files: { 'index.js': 'exports.handler = async (e) => e;' }, events: [big] });
    assert.deepEqual(ok(r, 0), big);
  });
});

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

test('startup: process start to first GET /next (median of 20)', async (t) => {
  const files = { 'index.js': 'exports.handler = async () => 1;' };
  // Floor: a script that does nothing but the same GET.
  const floorScript = join(mkdtempSync(join(tmpdir(), 'lambdalite-floor-')), 'floor.mjs');
  writeFileSync(
    floorScript,
    "import http from 'node:http'; const [h, p] = process.env.AWS_LAMBDA_RUNTIME_API.split(':'); http.get({ host: h, port: +p, path: '/2018-06-01/runtime/invocation/next' }, (r) => r.resume());",
  );
  const runtimeTimes = [];
  const floorTimes = [];
  for (let i = 0; i < 20; i++) {
    const r = await runLambda({ files, events: [] });
    runtimeTimes.push(r.startupMs);
    const f = await runLambda({ files, events: [], script: floorScript });
    floorTimes.push(f.startupMs);
  }
  rmSync(dirname(floorScript), { recursive: true, force: true });
  const m = median(runtimeTimes);
  const floor = median(floorTimes);
  t.diagnostic(`start -> first /next: median ${m.toFixed(1)} ms (bare node + http GET floor: ${floor.toFixed(1)} ms)`);
  console.log(`# startup median ${m.toFixed(1)} ms, floor ${floor.toFixed(1)} ms`);
  assert.ok(m < 1000, `startup too slow: ${m} ms`);
});
