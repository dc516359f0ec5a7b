"""Runtimes started ahead of need: a cold start takes a python or node
interpreter already running in its own sandbox and binds the function to
it. Each must still be a fresh, isolated environment of its function."""

import base64
import json

import pytest

from conftest import create, make_zip, unique

PY = """import os, random, uuid
SEED = random.random()
def handler(event, context):
    if event.get('write'):
        open('/tmp/mark', 'w').write(event['write'])
    tmp = open('/tmp/mark').read() if os.path.exists('/tmp/mark') else None
    return {'seed': SEED, 'name': os.environ['AWS_LAMBDA_FUNCTION_NAME'], 'var': os.environ.get('WHICH'),
            'code': sorted(os.listdir('/var/task')), 'cwd': os.getcwd(), 'tmp': tmp,
            'request': context.aws_request_id, 'path0': __import__('sys').path[0]}
"""

NODE = """import { readdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
const SEED = Math.random();
export const handler = async (event, context) => {
  if (event.write) writeFileSync('/tmp/mark', event.write);
  return { seed: SEED, name: process.env.AWS_LAMBDA_FUNCTION_NAME, var: process.env.WHICH,
    code: readdirSync('/var/task').sort(), cwd: process.cwd(),
    tmp: existsSync('/tmp/mark') ? readFileSync('/tmp/mark', 'utf8') : null, request: context.awsRequestId,
    tz: new Date(0).toString() };
};
"""


def run(lam, name, payload):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload), LogType="Tail")
    assert "FunctionError" not in r, r["Payload"].read()
    return json.loads(r["Payload"].read()), base64.b64decode(r["LogResult"]).decode()


@pytest.mark.parametrize("runtime,files,handler", [
    ("python3.12", {"app.py": PY, "extra_py.txt": "x"}, "app.handler"),
    ("nodejs20.x", {"index.mjs": NODE, "extra_node.txt": "x"}, "index.handler"),
])
def test_each_cold_start_is_its_own_fresh_environment(lam, runtime, files, handler):
    seen = []
    for i in range(3):
        name = unique("prewarm")
        create(lam, name, zip_bytes=make_zip(files), runtime=runtime, handler=handler,
               Environment={"Variables": {"WHICH": f"v{i}"}})
        out, log = run(lam, name, {"write": f"from-{i}"} if i == 0 else {})
        assert out["name"] == name and out["var"] == f"v{i}"
        assert out["code"] == sorted(files) and out["cwd"] == "/var/task"
        # /tmp is the environment's own: what the first wrote, no other sees.
        assert out["tmp"] == ("from-0" if i == 0 else None)
        assert "Init Duration:" in log and f"START RequestId: {out['request']}" in log
        if runtime.startswith("nodejs"):
            assert "GMT+0000" in out["tz"]
        else:
            assert out["path0"] == "/var/task"
        seen.append(out["seed"])
        # The warm environment keeps its state; a second call is not a cold start.
        again, log = run(lam, name, {})
        assert again["seed"] == out["seed"] and "Init Duration" not in log
    assert len(set(seen)) == 3


def test_startup_variables_still_apply(lam):
    # A variable read when the interpreter starts can't be set afterwards:
    # such a function gets an environment started for it.
    name = unique("prewarm-env")
    create(lam, name, zip_bytes=make_zip({"app.py": "import sys\ndef handler(e, c):\n    return sys.flags.optimize\n"}),
           Environment={"Variables": {"PYTHONOPTIMIZE": "1"}})
    r = lam.invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(r["Payload"].read()) == 1


# A custom runtime that answers with its own variables, its working folder
# and whether it has a terminal-less, empty stdin.
ENV_BOOTSTRAP = """#!/bin/sh
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
HEADERS=/tmp/headers
while true; do
  curl -sS -D "$HEADERS" "$API/next" > /dev/null
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r')
  env | sort > /tmp/env
  echo "PWD_NOW=$(pwd)" >> /tmp/env
  echo "STDIN=$(cat | wc -c)" >> /tmp/env
  curl -sS -X POST "$API/$ID/response" --data-binary @/tmp/env > /dev/null
done
"""


def test_provided_bootstrap_gets_exactly_its_variables(lam):
    tricky = "it's \"quoted\" $HOME `date` ; exit 1 \\\\ end"
    outs = []
    for i in range(3):
        name = unique("prewarm-prov")
        create(lam, name, zip_bytes=make_zip({"bootstrap": (ENV_BOOTSTRAP, 0o755)}), runtime="provided.al2023",
               handler="bootstrap", Environment={"Variables": {"TRICKY": tricky, "WHICH": f"v{i}"}})
        r = lam.invoke(FunctionName=name, Payload=b"{}")
        assert "FunctionError" not in r
        lines = r["Payload"].read().decode().splitlines()
        env = dict(line.split("=", 1) for line in lines if "=" in line)
        assert env["TRICKY"] == tricky
        assert env["WHICH"] == f"v{i}"
        assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
        assert env["PWD_NOW"] == "/var/task"
        assert env["STDIN"] == "0"
        assert "line" not in env  # nothing of the waiting shell leaks
        outs.append(env)
    assert len({o["AWS_LAMBDA_LOG_STREAM_NAME"] for o in outs}) == 3


def children(pid):
    import glob

    out = []
    for f in glob.glob(f"/proc/{pid}/task/*/children"):
        out += open(f).read().split()
    return out


def test_runtimes_started_ahead_are_reaped_like_idle_environments(tmp_path):
    import time

    from conftest import Server

    s = Server(str(tmp_path), extra_env={"LAMBDALITE_KEEP_WARM": "2"}).start()
    try:
        lam = s.client()
        name = unique("prewarm-reap")
        create(lam, name, zip_bytes=make_zip({"app.py": PY}))
        run(lam, name, {})
        # The function's environment and one started ahead of the next.
        for _ in range(100):
            if len(children(s.proc.pid)) >= 2:
                break
            time.sleep(0.05)
        assert len(children(s.proc.pid)) >= 2
        for _ in range(100):
            if not children(s.proc.pid):
                break
            time.sleep(0.1)
        assert children(s.proc.pid) == []
    finally:
        s.stop()
