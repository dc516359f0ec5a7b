"""AWS's SDKs inside functions: boto3 in the python runtimes and the SDK for
JavaScript v3 in the node runtimes, once `lambdalite runtimes install` has
put them in the data folder; a copy the function bundles wins, and without
either, the import error says what to do."""

import json
import subprocess

import pytest

from conftest import BINARY, Server, create, make_zip

PY_SDK_CALLER = make_zip({
    "app.py": (
        "import boto3, os\n"
        "def handler(event, context):\n"
        "    lam = boto3.client('lambda')\n"
        "    names = [f['FunctionName'] for f in lam.list_functions()['Functions']]\n"
        "    return {'names': names, 'boto3': os.path.dirname(boto3.__file__)}\n"
    )
})

NODE_SDK_CALLER = make_zip({
    "index.js": (
        "const { LambdaClient, ListFunctionsCommand } = require('@aws-sdk/client-lambda');\n"
        "exports.handler = async () => {\n"
        "  const out = await new LambdaClient({}).send(new ListFunctionsCommand({}));\n"
        "  return { names: out.Functions.map((f) => f.FunctionName),\n"
        "           sdk: require.resolve('@aws-sdk/client-lambda') };\n"
        "};\n"
    )
})


def install(data_dir, *args):
    out = subprocess.run(
        [str(BINARY), "runtimes", "install", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr


@pytest.fixture(scope="module")
def sdk_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("sdk")
    install(data, "--python")
    install(data, "--node", "--npm-package", "@aws-sdk/client-lambda")
    listed = subprocess.run([str(BINARY), "runtimes", "list", "--data-dir", str(data)],
                            capture_output=True, text=True, timeout=60)
    assert "python: boto3" in listed.stdout and "nodejs: @aws-sdk/client-lambda" in listed.stdout
    server = Server(data).start()
    yield server
    server.stop()


def test_python_functions_import_the_installed_boto3(sdk_server):
    lam = sdk_server.client()
    name = create(lam, zip_bytes=PY_SDK_CALLER, MemorySize=1769, Timeout=60)["FunctionName"]
    r = lam.invoke(FunctionName=name, Payload=b"{}")
    body = json.loads(r["Payload"].read())
    assert "FunctionError" not in r, body
    assert name in body["names"]
    assert body["boto3"] == "/var/runtime/sdk/boto3"


def test_node_functions_require_the_installed_sdk(sdk_server):
    lam = sdk_server.client()
    name = create(lam, zip_bytes=NODE_SDK_CALLER, runtime="nodejs20.x", handler="index.handler",
                  MemorySize=1769, Timeout=60)["FunctionName"]
    r = lam.invoke(FunctionName=name, Payload=b"{}")
    body = json.loads(r["Payload"].read())
    assert "FunctionError" not in r, body
    assert name in body["names"]
    # The runtime's copy: seen at /node_modules in a sandbox (where ES
    # modules find it too), through NODE_PATH without one.
    assert body["sdk"].startswith(
        ("/node_modules/@aws-sdk/client-lambda/", "/var/runtime/sdk/node_modules/@aws-sdk/client-lambda/")
    ), body["sdk"]


def test_es_module_handlers_import_the_installed_sdk(sdk_server):
    lam = sdk_server.client()
    code = make_zip({
        "index.mjs": (
            "import { LambdaClient, GetFunctionCommand } from '@aws-sdk/client-lambda';\n"
            "export const handler = async (event, context) => {\n"
            "  const out = await new LambdaClient({}).send(new GetFunctionCommand({ FunctionName: context.functionName }));\n"
            "  return out.Configuration.FunctionName;\n"
            "};\n"
        )
    })
    name = create(lam, zip_bytes=code, runtime="nodejs20.x", handler="index.handler",
                  MemorySize=1769, Timeout=60)["FunctionName"]
    r = lam.invoke(FunctionName=name, Payload=b"{}")
    body = json.loads(r["Payload"].read())
    assert "FunctionError" not in r, body
    assert body == name


def test_a_bundled_boto3_wins_over_the_runtimes(sdk_server):
    lam = sdk_server.client()
    code = make_zip({
        "boto3/__init__.py": "__version__ = 'bundled'\n",
        "app.py": "import boto3\ndef handler(e, c):\n    return boto3.__version__\n",
    })
    name = create(lam, zip_bytes=code)["FunctionName"]
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == "bundled"


def test_without_the_sdk_the_import_error_says_how_to_install_it(lam):
    py = create(lam, zip_bytes=PY_SDK_CALLER)["FunctionName"]
    body = json.loads(lam.invoke(FunctionName=py)["Payload"].read())
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"].startswith("Unable to import module 'app': No module named 'boto3'")
    assert "lambdalite runtimes install --python" in body["errorMessage"]

    node = create(lam, zip_bytes=NODE_SDK_CALLER, runtime="nodejs20.x", handler="index.handler")["FunctionName"]
    body = json.loads(lam.invoke(FunctionName=node)["Payload"].read())
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "@aws-sdk/client-lambda" in body["errorMessage"]
    assert "lambdalite runtimes install --node" in body["errorMessage"]
