// Starts node ahead of the function it will run: the interpreter and the
// runtime's built-in modules load now; when lambdalite assigns a function
// (one JSON line on stdin: its environment variables, its code already
// mounted at /var/task), the environment is set and the bootstrap runs.

import { readSync } from 'node:fs';
import 'node:net';
import 'node:stream';
import 'node:util';
import 'node:path';
import 'node:url';
import Module from 'node:module';

function readAssignment() {
  const buf = Buffer.alloc(64 * 1024);
  const parts = [];
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      if (err.code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      throw err;
    }
    if (n === 0) break;
    const part = Buffer.from(buf.subarray(0, n));
    parts.push(part);
    if (part.includes(10)) break;
  }
  return Buffer.concat(parts).toString('utf8');
}

const line = readAssignment();
if (!line.trim()) process.exit(0);
const { env } = JSON.parse(line);
// Only what changes is touched: setting TZ, even to its value, makes node
// reload its time zone data (15 ms).
for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
for (const [key, value] of Object.entries(env)) if (process.env[key] !== value) process.env[key] = value;
process.chdir(env.LAMBDA_TASK_ROOT || '/var/task');
// NODE_PATH is read at start; read it again.
Module._initPaths();
await import('./bootstrap.mjs');
