//! The invoker on real processes: warm reuse, idle reaping, and timeouts
//! that kill everything an environment started.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use lambdalite_invoke::{Interpreters, InvokeRequest, Invoker, InvokerSettings, PlainProcess};
use lambdalite_model::config::{CodeRef, FunctionConfig, FunctionState, LoggingConfig, LATEST};
use lambdalite_model::Partition;

const BOOTSTRAP: &str = r#"#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  H=$(mktemp)
  EVENT=$(curl -sS -D "$H" "$API/next")
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$H" | tr -d '[:space:]' | cut -d: -f2)
  rm -f "$H"
  case "$EVENT" in
    *spawn*) sleep 300 & echo $! > "$MARKER"; wait ;;
  esac
  curl -sS -X POST "$API/$ID/response" -d "\"$$\"" > /dev/null
done
"#;

fn setup(dir: &Path, keep_warm: Duration) -> (Arc<Invoker>, Arc<FunctionConfig>) {
    let code = dir.join("code").join("feed");
    std::fs::create_dir_all(&code).unwrap();
    let bootstrap = code.join("bootstrap");
    std::fs::write(&bootstrap, BOOTSTRAP).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
    let invoker = Invoker::start(InvokerSettings {
        partition: Partition::new("us-east-1", "000000000000"),
        code_root: dir.join("code"),
        opt_root: dir.join("opt"),
        logs_root: dir.join("logs"),
        runtime_dir: dir.join("runtimes"),
        keep_warm,
        interpreters: Interpreters::default(),
        sandbox: Arc::new(PlainProcess),
        account_concurrency: 1000,
        memory_reserve_mb: 0,
        extra_env: None,
        prewarm: 0,
    })
    .unwrap();
    let marker = dir.join("grandchild.pid").display().to_string();
    let config = FunctionConfig {
        name: "sh".into(),
        version: LATEST.into(),
        runtime: Some("provided.al2023".into()),
        role: "arn:aws:iam::000000000000:role/r".into(),
        handler: Some("bootstrap".into()),
        description: String::new(),
        timeout: 1,
        memory_size: 128,
        environment: Some(BTreeMap::from([("MARKER".to_string(), marker)])),
        ephemeral_storage: 512,
        architecture: "x86_64".into(),
        tracing_mode: "PassThrough".into(),
        code: CodeRef {
            sha256_hex: "feed".into(),
            sha256_b64: String::new(),
            size: 0,
            unzipped_size: 0,
        },
        last_modified: String::new(),
        revision_id: "r1".into(),
        state: FunctionState::Active,
        kms_key_arn: None,
        dead_letter_target: None,
        logging: LoggingConfig::default(),
        layers: Vec::new(),
    };
    (invoker, Arc::new(config))
}

fn request(config: &Arc<FunctionConfig>, payload: &'static str) -> InvokeRequest {
    InvokeRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        config: config.clone(),
        invoked_arn: "arn:aws:lambda:us-east-1:000000000000:function:sh".into(),
        payload: Bytes::from_static(payload.as_bytes()),
        client_context: None,
        tail: false,
        stream: None,
    }
}

fn alive(pid: i32) -> bool {
    // A zombie still answers kill(0); read its state instead.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.split_whitespace().nth(2).is_none_or(|s| s != "Z"),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_reuse_and_idle_reaping() {
    let dir = tempfile::tempdir().unwrap();
    let (invoker, config) = setup(dir.path(), Duration::from_millis(300));
    let a = invoker.invoke(request(&config, "{}")).await.unwrap();
    let b = invoker.invoke(request(&config, "{}")).await.unwrap();
    assert_eq!(a.payload, b.payload, "the same environment answers both");
    assert_eq!(invoker.idle_count("sh", LATEST), 1);
    let pid: i32 = serde_json::from_slice::<String>(&a.payload)
        .unwrap()
        .parse()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(invoker.idle_count("sh", LATEST), 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!alive(pid), "a reaped environment's process is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_the_whole_environment() {
    let dir = tempfile::tempdir().unwrap();
    let (invoker, config) = setup(dir.path(), Duration::from_secs(60));
    let r = invoker
        .invoke(request(&config, r#"{"spawn":1}"#))
        .await
        .unwrap();
    assert_eq!(r.function_error, Some("Unhandled"));
    let body: serde_json::Value = serde_json::from_slice(&r.payload).unwrap();
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    let grandchild: i32 = std::fs::read_to_string(dir.path().join("grandchild.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut gone = false;
    for _ in 0..50 {
        if !alive(grandchild) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone, "a process the function started outlived its timeout");
    // The next invocation runs on a fresh environment.
    let ok = invoker.invoke(request(&config, "{}")).await.unwrap();
    assert!(ok.function_error.is_none());
}
