//! The API served on a real port with a temporary data directory: the
//! control plane and invoke, over HTTP.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use lambdalite_api::async_events::{AsyncRunner, AsyncSettings};
use lambdalite_api::{app, AppState};
use lambdalite_invoke::{Interpreters, Invoker, InvokerSettings, PlainProcess};
use lambdalite_model::Partition;
use lambdalite_store::queue::AsyncQueue;
use lambdalite_store::{CodeStore, Layout, SqliteStore};
use serde_json::{json, Value};

struct Server {
    base: String,
    _dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    let partition = Partition::new("us-east-1", "000000000000");
    let invoker = Invoker::start(InvokerSettings {
        partition: partition.clone(),
        code_root: layout.code(),
        opt_root: layout.opt(),
        logs_root: layout.logs(),
        runtime_dir: layout.root.join("runtimes"),
        keep_warm: Duration::from_secs(60),
        interpreters: Interpreters::discover(),
        sandbox: Arc::new(PlainProcess),
        account_concurrency: 1000,
        memory_reserve_mb: 0,
        extra_env: None,
        prewarm: 0,
    })
    .unwrap();
    let (queue, pending) = AsyncQueue::open(&layout.database()).unwrap();
    let async_runner = AsyncRunner::new(queue, pending, AsyncSettings::default());
    let state = Arc::new(AppState {
        store: Arc::new(SqliteStore::open(&layout.database()).unwrap()),
        code: CodeStore::open(layout.clone()).unwrap(),
        partition,
        account_concurrency: 1000,
        invoker,
        deployments: Default::default(),
        async_runner,
        auth: lambdalite_api::auth::Auth::open("us-east-1", "000000000000"),
        gateway: Default::default(),
        code_objects: Default::default(),
        mappings: lambdalite_events::Mappings::new("us-east-1", Arc::new(NoQueues)),
    });
    lambdalite_api::start(&state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    Server {
        base: format!("http://{addr}"),
        _dir: dir,
    }
}

fn zip_of(files: &[(&str, &str, u32)]) -> String {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text, mode) in files {
        let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
        w.start_file(*name, opts).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    base64::engine::general_purpose::STANDARD.encode(w.finish().unwrap().into_inner())
}

/// A custom runtime in plain sh: answers each event with the event, using
/// only the shell's /dev/tcp-free tools (curl).
const ECHO_BOOTSTRAP: &str = r#"#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  H=$(mktemp)
  EVENT=$(curl -sS -D "$H" "$API/next")
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$H" | tr -d '[:space:]' | cut -d: -f2)
  rm -f "$H"
  case "$EVENT" in
    *sleep*) sleep 30 & wait ;;
  esac
  curl -sS -X POST "$API/$ID/response" -d "$EVENT" > /dev/null
done
"#;

async fn create(http: &reqwest::Client, s: &Server, name: &str, timeout: u32) -> reqwest::Response {
    http.post(format!("{}/2015-03-31/functions", s.base))
        .json(&json!({
            "FunctionName": name,
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Role": "arn:aws:iam::000000000000:role/r",
            "Timeout": timeout,
            "Code": { "ZipFile": zip_of(&[("bootstrap", ECHO_BOOTSTRAP, 0o755)]) },
        }))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_plane_round_trip() {
    let s = start().await;
    let http = reqwest::Client::new();
    let r = create(&http, &s, "f1", 3).await;
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("x-amzn-requestid"));
    let again = create(&http, &s, "f1", 3).await;
    assert_eq!(again.status(), 409);
    assert_eq!(
        again.headers()["x-amzn-errortype"],
        "ResourceConflictException"
    );

    let got: Value = http
        .get(format!("{}/2015-03-31/functions/f1", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["Configuration"]["State"], "Active");
    let zip = http
        .get(got["Code"]["Location"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&zip[..2], b"PK");

    let list: Value = http
        .get(format!("{}/2015-03-31/functions/", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["Functions"].as_array().unwrap().len(), 1);

    let del = http
        .delete(format!("{}/2015-03-31/functions/f1", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let gone = http
        .get(format!("{}/2015-03-31/functions/f1/configuration", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(
        body["Message"],
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_reuses_environments_and_enforces_timeouts() {
    let s = start().await;
    let http = reqwest::Client::new();
    assert_eq!(create(&http, &s, "echo", 1).await.status(), 201);
    let url = format!("{}/2015-03-31/functions/echo/invocations", s.base);

    let first = http
        .post(&url)
        .header("X-Amz-Log-Type", "Tail")
        .body(r#"{"n":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-amz-executed-version"], "$LATEST");
    let log = base64::engine::general_purpose::STANDARD
        .decode(first.headers()["x-amz-log-result"].as_bytes())
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(log.contains("Init Duration"), "{log}");
    assert_eq!(first.text().await.unwrap(), r#"{"n":1}"#);

    let second = http
        .post(&url)
        .header("X-Amz-Log-Type", "Tail")
        .body(r#"{"n":2}"#)
        .send()
        .await
        .unwrap();
    let log = base64::engine::general_purpose::STANDARD
        .decode(second.headers()["x-amz-log-result"].as_bytes())
        .unwrap();
    assert!(!String::from_utf8(log).unwrap().contains("Init Duration"));

    let slow = http.post(&url).body(r#"{"sleep":1}"#).send().await.unwrap();
    assert_eq!(slow.headers()["x-amz-function-error"], "Unhandled");
    let body: Value = slow.json().await.unwrap();
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    assert!(body["errorMessage"]
        .as_str()
        .unwrap()
        .ends_with("Task timed out after 1.00 seconds"));

    let dry = http
        .post(&url)
        .header("X-Amz-Invocation-Type", "DryRun")
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status(), 204);
    let bad = http
        .post(&url)
        .header("X-Amz-Invocation-Type", "Sometimes")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.headers()["x-amzn-errortype"], "ValidationException");
}

/// A server without SQS: no queue exists (these tests drive the Lambda
/// API alone; tests/compat drives mappings against real queues).
struct NoQueues;

impl lambdalite_events::Queues for NoQueues {
    fn receive(
        &self,
        _: &str,
        _: usize,
        _: i64,
    ) -> lambdalite_events::BoxFuture<'_, Result<Vec<lambdalite_events::QueueMessage>, String>>
    {
        Box::pin(async { Err("no queues here".to_string()) })
    }
    fn delete(&self, _: &str, _: Vec<String>) -> lambdalite_events::BoxFuture<'_, ()> {
        Box::pin(async {})
    }
    fn send(
        &self,
        _: &str,
        _: String,
        _: Vec<(String, String, String)>,
    ) -> lambdalite_events::BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Err("no queues here".to_string()) })
    }
    fn exists(&self, _: &str) -> bool {
        false
    }
    fn is_fifo(&self, _: &str) -> bool {
        false
    }
}
