//! `lambdalite bench`: measures a real lambdalite server, started as a child
//! process on a free port, driven over HTTP as a client would.
//!
//! Reports in one run: the loopback HTTP round trip (for scale), warm invoke
//! latency at concurrency 1, throughput at concurrency 32, and cold starts
//! per runtime next to the bare interpreter start.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use base64::Engine as _;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The Rust echo function's `bootstrap` (built from tests/fixtures/rust-echo).
    /// Defaults to `bootstrap` beside this binary.
    #[arg(long)]
    rust_echo: Option<PathBuf>,
    /// Warm invocations measured at concurrency 1.
    #[arg(long, default_value_t = 3000)]
    warm: usize,
    /// Seconds of load at concurrency 32.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Cold starts measured per runtime.
    #[arg(long, default_value_t = 30)]
    cold: usize,
    /// Milliseconds between cold starts: cold starts arrive apart in use,
    /// and the server starts runtimes ahead of need meanwhile.
    #[arg(long, default_value_t = 150)]
    cold_gap_ms: u64,
    /// Python interpreter timed for the bare start.
    #[arg(long, default_value = "/usr/bin/python3.11")]
    python: PathBuf,
    /// Node interpreter timed for the bare start.
    #[arg(long, default_value = "/usr/bin/node")]
    node: PathBuf,
}

struct Server {
    child: Child,
    base: String,
    /// The sandbox the server uses, as it logs it.
    sandbox: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM: the server shuts down its environments before it exits.
        // SAFETY: kill(2) on our own child's pid touches no memory.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

fn start_server(extra: &[&str]) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .args(extra)
        .env("LAMBDALITE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting lambdalite serve")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("server stdout")?).read_line(&mut line)?;
    if !line.contains("listening") {
        bail!("lambdalite serve did not start: {line}");
    }
    // `auto` makes namespaces as root, plain processes otherwise.
    // SAFETY: geteuid(2) has no failure mode.
    let root = unsafe { libc::geteuid() } == 0;
    let sandbox = if extra.contains(&"none") || !root {
        "plain-process"
    } else {
        "namespaces"
    };
    Ok(Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        sandbox: sandbox.into(),
        dir,
    })
}

fn zip_of(files: &[(&str, &[u8], u32)]) -> anyhow::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, mode) in files {
        let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
        w.start_file(*name, opts)?;
        w.write_all(data)?;
    }
    Ok(w.finish()?.into_inner())
}

async fn create(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    runtime: &str,
    handler: &str,
    zip: &[u8],
) -> anyhow::Result<()> {
    create_with(http, base, name, runtime, handler, zip, None).await
}

async fn create_with(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    runtime: &str,
    handler: &str,
    zip: &[u8],
    environment: Option<&serde_json::Value>,
) -> anyhow::Result<()> {
    let mut body = serde_json::json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Handler": handler,
        "Role": "arn:aws:iam::000000000000:role/bench",
        "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
    });
    if let Some(env) = environment {
        body["Environment"] = env.clone();
    }
    let r = http
        .post(format!("{base}/2015-03-31/functions"))
        .json(&body)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("creating {name}: {}", r.text().await?);
    }
    Ok(())
}

async fn invoke(http: &reqwest::Client, url: &str, payload: &'static [u8]) -> anyhow::Result<()> {
    let r = http.post(url).body(payload).send().await?;
    let status = r.status();
    let failed = r.headers().contains_key("x-amz-function-error");
    let body = r.bytes().await?;
    if !status.is_success() || failed {
        bail!("invoke failed: {status} {}", String::from_utf8_lossy(&body));
    }
    Ok(())
}

struct Stats {
    p50: f64,
    p99: f64,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1e6
    };
    Stats {
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn fmt_us(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

/// Requests per second to `url` from 32 concurrent clients, after half a
/// second of warm-up.
async fn throughput_of(
    http: &Arc<reqwest::Client>,
    url: &str,
    seconds: u64,
) -> anyhow::Result<f64> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let warmup_until = Instant::now() + Duration::from_millis(500);
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let http = http.clone();
        let u = url.to_string();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            let mut measured_from = None;
            while Instant::now() < deadline {
                invoke(&http, &u, PAYLOAD).await?;
                if Instant::now() >= warmup_until {
                    measured_from.get_or_insert_with(Instant::now);
                    n += 1;
                }
            }
            anyhow::Ok((n, measured_from))
        }));
    }
    let mut total = 0u64;
    let mut start = deadline;
    for t in tasks {
        let (n, from) = t.await??;
        total += n;
        if let Some(f) = from {
            start = start.min(f);
        }
    }
    Ok(total as f64 / deadline.duration_since(start).as_secs_f64())
}

/// The event the warm and throughput rows send.
const PAYLOAD: &[u8] = br#"{"hello":"world"}"#;

/// Cold starts of each function: each configuration change retires the
/// function's environments, so the next invoke starts a new one.
async fn cold_starts(
    http: &reqwest::Client,
    base: &str,
    fns: &[&str],
    n: usize,
    gap: Duration,
) -> anyhow::Result<Vec<Stats>> {
    let mut out = Vec::new();
    for f in fns {
        let u = format!("{base}/2015-03-31/functions/{f}/invocations");
        let mut samples = Vec::new();
        for i in 0..n {
            // Cold starts arrive apart, as they do in use: time for the
            // server to start a runtime ahead of the next one.
            tokio::time::sleep(gap).await;
            let r = http
                .put(format!("{base}/2015-03-31/functions/{f}/configuration"))
                .json(&serde_json::json!({ "Description": format!("cold {i}") }))
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("updating {f}: {}", r.text().await?);
            }
            let t = Instant::now();
            invoke(http, &u, br#"{"hello":"world"}"#).await?;
            samples.push(t.elapsed());
        }
        out.push(stats(samples));
    }
    Ok(out)
}

/// Proportional set size (shared pages split among their users) of a
/// process and all its descendants, in KB.
fn tree_pss_kb(root: u32) -> u64 {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // The parent pid is the second field after the command's ')'.
            if let Some(ppid) = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok())
            {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .filter_map(|text| {
            text.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .sum()
}

/// Memory per idle warm environment of a function: `n` environments made
/// at once (each invocation holds its environment a moment), then the
/// server's process tree measured before and after, minus the server's
/// own growth measured alone.
async fn idle_memory_kb(
    http: &reqwest::Client,
    server: &Server,
    name: &str,
    runtime: &str,
    handler: &str,
    zip: &[u8],
    n: usize,
) -> anyhow::Result<f64> {
    create(http, &server.base, name, runtime, handler, zip).await?;
    // Let pre-started runtimes of this kind settle before the baseline.
    let u = format!("{}/2015-03-31/functions/{name}/invocations", server.base);
    invoke(http, &u, br#"{"hold": 0}"#).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = server.child.id();
    let before = tree_pss_kb(pid);
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let http = http.clone();
            let u = u.clone();
            tokio::spawn(async move { invoke(&http, &u, br#"{"hold": 1}"#).await })
        })
        .collect();
    for c in calls {
        c.await??;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = tree_pss_kb(pid);
    // One environment existed before (the first invoke's).
    Ok(after.saturating_sub(before) as f64 / (n - 1).max(1) as f64)
}

/// The sandbox alone: `/bin/true` started to exit through each sandbox
/// (namespace rows need root and are left out elsewhere).
async fn sandbox_starts(n: usize) -> Vec<(String, Stats)> {
    use lambdalite_invoke::sandbox::{
        LaunchSpec, Namespaces, NamespacesConfig, NetworkMode, PlainProcess, Sandbox,
    };
    let Ok(dir) = tempfile::tempdir() else {
        return Vec::new();
    };
    let spec = LaunchSpec {
        program: "/bin/true".into(),
        args: Vec::new(),
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        code: dir.path().to_path_buf(),
        runtime: None,
        layers: Vec::new(),
        memory_mb: 128,
        ephemeral_storage_mb: 512,
        ..LaunchSpec::default()
    };
    let mut sandboxes: Vec<(String, Box<dyn Sandbox>, NetworkMode)> = vec![(
        "plain process".into(),
        Box::new(PlainProcess),
        NetworkMode::Default,
    )];
    let config = NamespacesConfig {
        state_dir: dir.path().join("sandbox"),
        cpu_scale: 0.0,
        network: NetworkMode::Default,
    };
    if let Ok(ns) = Namespaces::new(config.clone()) {
        sandboxes.push((
            "namespaces, network none".into(),
            Box::new(ns),
            NetworkMode::None,
        ));
    }
    if let Ok(ns) = Namespaces::new(config) {
        sandboxes.push((
            "namespaces, default network".into(),
            Box::new(ns),
            NetworkMode::Default,
        ));
    }
    let mut out = Vec::new();
    for (name, sandbox, network) in sandboxes {
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let ran = async {
                let mut prepared = sandbox.prepare(network).ok()?;
                let _listener = prepared.runtime_api_listener().ok()?;
                let (_r, w) = std::io::pipe().ok()?;
                let mut p = prepared.spawn(&spec, w).ok()?;
                p.started().await.ok()?;
                p.wait().await.ok()
            }
            .await;
            if !ran.is_some_and(|s| s.success()) {
                break;
            }
            samples.push(t.elapsed());
        }
        if samples.len() == n {
            out.push((name, stats(samples)));
        }
    }
    out
}

/// The bare start of an interpreter: spawn to exit, clean environment.
fn bare_start(program: &Path, args: &[&str], n: usize) -> Option<Stats> {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let ok = Command::new(program)
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .stdout(Stdio::null())
            .status()
            .ok()?
            .success();
        if !ok {
            return None;
        }
        samples.push(t.elapsed());
    }
    Some(stats(samples))
}

/// A minimal HTTP server answering every request at once: the floor of a
/// loopback round trip with the same client.
async fn floor_server() -> anyhow::Result<String> {
    use hyper::service::service_fn;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let svc = service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(
                        http_body_util::Full::new(bytes::Bytes::from_static(b"{}")),
                    ))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(format!("http://{addr}/"))
}

/// Asynchronous invocation: how many events per second are accepted
/// durably at concurrency 32, and the delay from a 202 to the function
/// starting (read from the function's own log).
async fn async_figures(
    http: &Arc<reqwest::Client>,
    server: &Server,
    seconds: u64,
) -> anyhow::Result<(f64, Stats)> {
    let base = &server.base;
    let sink = zip_of(&[(
        "app.py",
        b"def handler(event, context):\n    return None\n",
        0o644,
    )])?;
    create(
        http,
        base,
        "bench-async-sink",
        "python3.11",
        "app.handler",
        &sink,
    )
    .await?;
    // Measure the durable accept path alone: the sink may not run while the
    // burst lasts (its events wait, throttled), so no cold starts compete
    // for the CPU.
    let concurrency = format!("{base}/2017-10-31/functions/bench-async-sink/concurrency");
    http.put(&concurrency)
        .json(&serde_json::json!({ "ReservedConcurrentExecutions": 0 }))
        .send()
        .await?;
    let url = format!("{base}/2015-03-31/functions/bench-async-sink/invocations");
    let deadline = Instant::now() + Duration::from_secs(seconds.min(3));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (http, url) = (http.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let r = http
                    .post(&url)
                    .header("X-Amz-Invocation-Type", "Event")
                    .body("{}")
                    .send()
                    .await?;
                if r.status().as_u16() != 202 {
                    bail!("async invoke refused: {}", r.status());
                }
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let started = Instant::now();
    let mut accepted = 0u64;
    for t in tasks {
        accepted += t.await??;
    }
    let rate = accepted as f64 / started.elapsed().as_secs_f64();
    // Its backlog is dropped with it, so the delay below is measured on a
    // quiet queue.
    http.delete(format!("{base}/2015-03-31/functions/bench-async-sink"))
        .send()
        .await?;
    // Let the burst drain before measuring the delay on a quiet queue.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let probe = zip_of(&[(
        "app.py",
        b"import time\ndef handler(event, context):\n    print('started', event['id'], int(time.time() * 1e6))\n",
        0o644,
    )])?;
    create(
        http,
        base,
        "bench-async-probe",
        "python3.11",
        "app.handler",
        &probe,
    )
    .await?;
    let url = format!("{base}/2015-03-31/functions/bench-async-probe/invocations");
    let mut accepted_at = std::collections::HashMap::new();
    for i in 0..100u32 {
        let r = http
            .post(&url)
            .header("X-Amz-Invocation-Type", "Event")
            .body(format!("{{\"id\":{i}}}"))
            .send()
            .await?;
        let now_us = chrono::Utc::now().timestamp_micros();
        if r.status().as_u16() == 202 {
            accepted_at.insert(i, now_us);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delays = delays_since(server, "bench-async-probe", &accepted_at)?;
    if delays.is_empty() {
        bail!("no asynchronous invocation of the probe ran");
    }
    Ok((rate, stats(delays)))
}

/// How long after `since[id]` (µs since the epoch) a probe function logged
/// `started ID MICROS` for each id, read from its log group.
fn delays_since(
    server: &Server,
    function: &str,
    since: &std::collections::HashMap<u32, i64>,
) -> anyhow::Result<Vec<Duration>> {
    let group = server
        .dir
        .path()
        .join("logs")
        .join(format!("%2Faws%2Flambda%2F{function}"));
    let mut delays = Vec::new();
    for entry in std::fs::read_dir(&group)? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let mut parts = v["message"].as_str().unwrap_or("").split_whitespace();
            if parts.next() != Some("started") {
                continue;
            }
            let (Some(Ok(id)), Some(Ok(at))) = (
                parts.next().map(str::parse::<u32>),
                parts.next().map(str::parse::<i64>),
            ) else {
                continue;
            };
            if let Some(from) = since.get(&id) {
                delays.push(Duration::from_micros((at - from).max(0) as u64));
            }
        }
    }
    Ok(delays)
}

/// One SQS call over the JSON 1.0 protocol, as current SDKs make it.
async fn sqs_call(
    http: &reqwest::Client,
    base: &str,
    action: &str,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    json_call(http, base, "AmazonSQS", "1.0", action, body).await
}

/// One awsJson call: `target` is the X-Amz-Target prefix, `version` the
/// protocol's (`1.0`, `1.1`).
async fn json_call(
    http: &reqwest::Client,
    base: &str,
    target: &str,
    version: &str,
    action: &str,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let r = http
        .post(format!("{base}/"))
        .header("X-Amz-Target", format!("{target}.{action}"))
        .header("Content-Type", format!("application/x-amz-json-{version}"))
        .body(body.to_string())
        .send()
        .await?;
    let status = r.status();
    let text = r.text().await?;
    if !status.is_success() {
        bail!("{target}.{action} failed: {status} {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}

/// What the SQS rows report.
struct SqsFigures {
    /// SendMessage (durable) per second at concurrency 32.
    send_rate: f64,
    /// Messages received and deleted per second at concurrency 32.
    consume_rate: f64,
    /// From a send's answer to the start of the mapped function.
    to_function: Stats,
}

async fn sqs_figures(
    http: &Arc<reqwest::Client>,
    server: &Server,
    seconds: u64,
) -> anyhow::Result<SqsFigures> {
    let base = server.base.clone();
    let url = |name: &str| format!("{base}/000000000000/{name}");
    sqs_call(
        http,
        &base,
        "CreateQueue",
        serde_json::json!({"QueueName": "bench-load"}),
    )
    .await?;
    // Durable sends at concurrency 32.
    let deadline = Instant::now() + Duration::from_secs(seconds.min(3));
    let mut tasks = Vec::new();
    for t in 0..32 {
        let (http, base, q) = (http.clone(), base.clone(), url("bench-load"));
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let body = serde_json::json!({"QueueUrl": q, "MessageBody": format!("m-{t}-{n}")});
                sqs_call(&http, &base, "SendMessage", body).await?;
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let started = Instant::now();
    let mut sent = 0u64;
    for t in tasks {
        sent += t.await??;
    }
    let send_rate = sent as f64 / started.elapsed().as_secs_f64();
    // Receive and delete what was sent, at concurrency 32.
    let consumed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds.min(3));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (http, base, q, consumed) = (
            http.clone(),
            base.clone(),
            url("bench-load"),
            consumed.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let got = sqs_call(
                    &http,
                    &base,
                    "ReceiveMessage",
                    serde_json::json!({"QueueUrl": q, "MaxNumberOfMessages": 10}),
                )
                .await?;
                let Some(messages) = got["Messages"].as_array().filter(|m| !m.is_empty()) else {
                    break;
                };
                let entries: Vec<serde_json::Value> = messages
                    .iter()
                    .enumerate()
                    .map(|(i, m)| serde_json::json!({"Id": i.to_string(), "ReceiptHandle": m["ReceiptHandle"]}))
                    .collect();
                let n = entries.len() as u64;
                sqs_call(
                    &http,
                    &base,
                    "DeleteMessageBatch",
                    serde_json::json!({"QueueUrl": q, "Entries": entries}),
                )
                .await?;
                consumed.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    let started = Instant::now();
    for t in tasks {
        t.await??;
    }
    let consume_rate = consumed.load(std::sync::atomic::Ordering::Relaxed) as f64
        / started.elapsed().as_secs_f64();

    // Send to a warm mapped function, window 0.
    let probe = zip_of(&[(
        "app.py",
        b"import time\ndef handler(event, context):\n    now = int(time.time() * 1e6)\n    for r in event['Records']:\n        print('started', r['body'], now)\n",
        0o644,
    )])?;
    create(
        http,
        &base,
        "bench-esm-probe",
        "python3.11",
        "app.handler",
        &probe,
    )
    .await?;
    sqs_call(
        http,
        &base,
        "CreateQueue",
        serde_json::json!({"QueueName": "bench-esm"}),
    )
    .await?;
    let r = http
        .post(format!("{base}/2015-03-31/event-source-mappings/"))
        .json(&serde_json::json!({
            "EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:bench-esm",
            "FunctionName": "bench-esm-probe",
            "BatchSize": 1,
        }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("creating the mapping: {}", r.text().await?);
    }
    // A first message warms the function.
    sqs_call(
        http,
        &base,
        "SendMessage",
        serde_json::json!({"QueueUrl": url("bench-esm"), "MessageBody": "warm"}),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut sent_at = std::collections::HashMap::new();
    for i in 0..100u32 {
        sqs_call(
            http,
            &base,
            "SendMessage",
            serde_json::json!({"QueueUrl": url("bench-esm"), "MessageBody": i.to_string()}),
        )
        .await?;
        sent_at.insert(i, chrono::Utc::now().timestamp_micros());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delays = delays_since(server, "bench-esm-probe", &sent_at)?;
    if delays.is_empty() {
        bail!("no message reached the mapped function");
    }
    Ok(SqsFigures {
        send_rate,
        consume_rate,
        to_function: stats(delays),
    })
}

/// One SNS call over the query protocol, as the SDKs make it.
async fn sns_call(
    http: &reqwest::Client,
    base: &str,
    params: &[(&str, &str)],
) -> anyhow::Result<String> {
    let form: String = params
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let r = http
        .post(format!("{base}/"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(form)
        .send()
        .await?;
    let status = r.status();
    let text = r.text().await?;
    if !status.is_success() {
        bail!("SNS {:?} failed: {status} {text}", params.first());
    }
    Ok(text)
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What the SNS rows report.
struct SnsFigures {
    /// From Publish's answer to the start of the subscribed function.
    to_function: Stats,
    /// Publishes answered per second to a topic with 10 subscribed
    /// functions, concurrency 16.
    fanout_publish_rate: f64,
    /// Deliveries (function starts) per second over the same burst.
    fanout_delivery_rate: f64,
}

/// A python function subscribed to `topic`, printing `started ID MICROS`
/// for each message.
async fn subscribed_probe(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    topic_arn: &str,
) -> anyhow::Result<()> {
    let probe = zip_of(&[(
        "app.py",
        b"import time\ndef handler(event, context):\n    now = int(time.time() * 1e6)\n    for r in event['Records']:\n        print('started', r['Sns']['Message'], now)\n",
        0o644,
    )])?;
    create(http, base, name, "python3.11", "app.handler", &probe).await?;
    let r = http
        .post(format!("{base}/2015-03-31/functions/{name}/policy"))
        .json(&serde_json::json!({
            "StatementId": "sns",
            "Action": "lambda:InvokeFunction",
            "Principal": "sns.amazonaws.com",
            "SourceArn": topic_arn,
        }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("allowing SNS to invoke {name}: {}", r.text().await?);
    }
    let endpoint = format!("arn:aws:lambda:us-east-1:000000000000:function:{name}");
    sns_call(
        http,
        base,
        &[
            ("Action", "Subscribe"),
            ("TopicArn", topic_arn),
            ("Protocol", "lambda"),
            ("Endpoint", &endpoint),
        ],
    )
    .await?;
    Ok(())
}

async fn sns_figures(http: &Arc<reqwest::Client>, server: &Server) -> anyhow::Result<SnsFigures> {
    let base = server.base.clone();
    let topic = "arn:aws:sns:us-east-1:000000000000:bench-topic";
    sns_call(
        http,
        &base,
        &[("Action", "CreateTopic"), ("Name", "bench-topic")],
    )
    .await?;
    subscribed_probe(http, &base, "bench-sns-probe", topic).await?;
    // A first message warms the function.
    sns_call(
        http,
        &base,
        &[
            ("Action", "Publish"),
            ("TopicArn", topic),
            ("Message", "warm"),
        ],
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut published_at = std::collections::HashMap::new();
    for i in 0..100u32 {
        let id = i.to_string();
        sns_call(
            http,
            &base,
            &[("Action", "Publish"), ("TopicArn", topic), ("Message", &id)],
        )
        .await?;
        published_at.insert(i, chrono::Utc::now().timestamp_micros());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delays = delays_since(server, "bench-sns-probe", &published_at)?;
    if delays.is_empty() {
        bail!("no message reached the subscribed function");
    }

    // Fan-out: one topic, ten functions.
    let fan = "arn:aws:sns:us-east-1:000000000000:bench-fanout";
    sns_call(
        http,
        &base,
        &[("Action", "CreateTopic"), ("Name", "bench-fanout")],
    )
    .await?;
    let names: Vec<String> = (0..10).map(|i| format!("bench-fan-{i}")).collect();
    for n in &names {
        subscribed_probe(http, &base, n, fan).await?;
    }
    sns_call(
        http,
        &base,
        &[
            ("Action", "Publish"),
            ("TopicArn", fan),
            ("Message", "100000"),
        ],
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    const MESSAGES: u32 = 300;
    let next = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let started = Instant::now();
    let started_us = chrono::Utc::now().timestamp_micros();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (http, base, next) = (http.clone(), base.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= MESSAGES {
                    break;
                }
                let id = i.to_string();
                sns_call(
                    &http,
                    &base,
                    &[("Action", "Publish"), ("TopicArn", fan), ("Message", &id)],
                )
                .await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let fanout_publish_rate = MESSAGES as f64 / started.elapsed().as_secs_f64();
    let since: std::collections::HashMap<u32, i64> =
        (0..MESSAGES).map(|i| (i, started_us)).collect();
    let want = (MESSAGES as usize) * names.len();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = Vec::new();
    while Instant::now() < deadline {
        last.clear();
        for n in &names {
            last.extend(delays_since(server, n, &since)?);
        }
        if last.len() >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let span = last.iter().max().copied().unwrap_or_default();
    let fanout_delivery_rate = last.len() as f64 / span.as_secs_f64().max(1e-3);
    Ok(SnsFigures {
        to_function: stats(delays),
        fanout_publish_rate,
        fanout_delivery_rate,
    })
}

/// One Kinesis call (awsJson 1.1).
async fn kinesis_call(
    http: &reqwest::Client,
    base: &str,
    action: &str,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    json_call(http, base, "Kinesis_20131202", "1.1", action, body).await
}

/// What the Kinesis rows report.
struct KinesisFigures {
    /// Records per second through PutRecords (500 of 100 bytes each,
    /// durable before the 200), concurrency 8.
    put_records_rate: f64,
    /// From a PutRecord's sending to the start of the mapped function.
    to_function: Stats,
    /// A 100,000-record backlog drained through a mapping: records per
    /// second, and whether every record came once, in order.
    drain_rate: f64,
    drained_in_order: bool,
}

/// Records of `n` entries whose data is the ids from `first`.
fn kinesis_records(first: u64, n: u64, pad: usize) -> serde_json::Value {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    serde_json::Value::Array(
        (first..first + n)
            .map(|i| {
                let data = format!("{i:0>pad$}");
                serde_json::json!({"Data": b64.encode(data), "PartitionKey": format!("k{}", i % 64)})
            })
            .collect(),
    )
}

async fn kinesis_figures(
    http: &Arc<reqwest::Client>,
    server: &Server,
    seconds: u64,
) -> anyhow::Result<KinesisFigures> {
    let base = server.base.clone();
    let arn = |s: &str| format!("arn:aws:kinesis:us-east-1:000000000000:stream/{s}");
    // PutRecords throughput.
    kinesis_call(
        http,
        &base,
        "CreateStream",
        serde_json::json!({"StreamName": "bench-put", "ShardCount": 4}),
    )
    .await?;
    let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..8u64 {
        let (http, base, count) = (http.clone(), base.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = t * 1_000_000_000;
            while Instant::now() < deadline {
                let body = serde_json::json!({"StreamName": "bench-put", "Records": kinesis_records(i, 500, 100)});
                kinesis_call(&http, &base, "PutRecords", body).await?;
                count.fetch_add(500, std::sync::atomic::Ordering::Relaxed);
                i += 500;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let put_records_rate =
        count.load(std::sync::atomic::Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();

    // A record to a warm mapped function.
    let probe = zip_of(&[(
        "app.py",
        b"import base64, time
def handler(event, context):
    now = int(time.time() * 1e6)
    for r in event['Records']:
        print('started', base64.b64decode(r['kinesis']['data']).decode(), now)
",
        0o644,
    )])?;
    let name = "bench-kinesis-probe";
    create(http, &base, name, "python3.11", "app.handler", &probe).await?;
    kinesis_call(
        http,
        &base,
        "CreateStream",
        serde_json::json!({"StreamName": "bench-latency", "ShardCount": 1}),
    )
    .await?;
    let r = http
        .post(format!("{base}/2015-03-31/event-source-mappings/"))
        .json(&serde_json::json!({
            "EventSourceArn": arn("bench-latency"),
            "FunctionName": name,
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 10,
        }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("mapping the latency stream: {}", r.text().await?);
    }
    let put = |id: u32| {
        use base64::Engine;
        serde_json::json!({
            "StreamName": "bench-latency",
            "PartitionKey": "p",
            "Data": base64::engine::general_purpose::STANDARD.encode(id.to_string()),
        })
    };
    kinesis_call(http, &base, "PutRecord", put(100_000)).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut put_at = std::collections::HashMap::new();
    for i in 0..100u32 {
        // From the send: a record reaches the mapping as it commits, which
        // can be before the answer reaches the client.
        put_at.insert(i, chrono::Utc::now().timestamp_micros());
        kinesis_call(http, &base, "PutRecord", put(i)).await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delays = delays_since(server, name, &put_at)?;
    if delays.is_empty() {
        bail!("no Kinesis record reached the function");
    }

    // A 100,000-record backlog, drained.
    const BACKLOG: u64 = 100_000;
    kinesis_call(
        http,
        &base,
        "CreateStream",
        serde_json::json!({"StreamName": "bench-backlog", "ShardCount": 1}),
    )
    .await?;
    for first in (0..BACKLOG).step_by(500) {
        let body = serde_json::json!({"StreamName": "bench-backlog", "Records": kinesis_records(first, 500, 8)});
        kinesis_call(http, &base, "PutRecords", body).await?;
    }
    let drain = zip_of(&[(
        "app.py",
        b"import base64, time
def handler(event, context):
    ids = [int(base64.b64decode(r['kinesis']['data'])) for r in event['Records']]
    ok = all(b == a + 1 for a, b in zip(ids, ids[1:]))
    print('drained', ids[0], ids[-1], len(ids), int(ok), int(time.time() * 1e6))
",
        0o644,
    )])?;
    let drainer = "bench-kinesis-drain";
    create(http, &base, drainer, "python3.11", "app.handler", &drain).await?;
    let started = Instant::now();
    let r = http
        .post(format!("{base}/2015-03-31/event-source-mappings/"))
        .json(&serde_json::json!({
            "EventSourceArn": arn("bench-backlog"),
            "FunctionName": drainer,
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 1000,
        }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("mapping the backlog: {}", r.text().await?);
    }
    let group = server
        .dir
        .path()
        .join("logs")
        .join(format!("%2Faws%2Flambda%2F{drainer}"));
    let batches = loop {
        let mut batches: Vec<(i64, u64, u64, u64, bool)> = Vec::new();
        if let Ok(dir) = std::fs::read_dir(&group) {
            for entry in dir.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                for line in text.lines() {
                    let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                        continue;
                    };
                    let f: Vec<&str> = v["message"]
                        .as_str()
                        .unwrap_or("")
                        .split_whitespace()
                        .collect();
                    if f.len() == 6 && f[0] == "drained" {
                        let n = |i: usize| f[i].parse::<u64>().unwrap_or(0);
                        batches.push((f[5].parse().unwrap_or(0), n(1), n(2), n(3), f[4] == "1"));
                    }
                }
            }
        }
        let done: u64 = batches.iter().map(|b| b.3).sum();
        if done >= BACKLOG || started.elapsed() > Duration::from_secs(300) {
            break batches;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let elapsed = started.elapsed().as_secs_f64();
    let mut batches = batches;
    batches.sort();
    let mut next = 0;
    let mut drained_in_order = true;
    for (_, first, last, n, ok) in &batches {
        drained_in_order &= *ok && *first == next && last - first + 1 == *n;
        next = last + 1;
    }
    drained_in_order &= next == BACKLOG;
    Ok(KinesisFigures {
        put_records_rate,
        to_function: stats(delays),
        drain_rate: next as f64 / elapsed,
        drained_in_order,
    })
}

/// What the S3 rows report.
struct S3Figures {
    /// MB/s of one 200 MB PUT (durable before the 200) and GET.
    put_mb_s: f64,
    get_mb_s: f64,
    /// The disk's own: `dd` writing 200 MB with an fsync, reading it back.
    dd_write_mb_s: f64,
    dd_read_mb_s: f64,
    /// 1 KiB PUTs per second, concurrency 32.
    small_put_rate: f64,
    /// From a PUT's answer to the start of the notified function.
    to_function: Stats,
}

/// One S3 request, path style, signed for S3 only in its scope (the
/// bench's server checks no signatures).
fn s3_request(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
) -> reqwest::RequestBuilder {
    http.request(method, url)
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0",
        )
        .header("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
}

async fn s3_ok(r: reqwest::RequestBuilder, what: &str) -> anyhow::Result<reqwest::Response> {
    let r = r.send().await?;
    if !r.status().is_success() {
        bail!("S3 {what} failed: {} {}", r.status(), r.text().await?);
    }
    Ok(r)
}

fn dd(args: &[String]) -> anyhow::Result<f64> {
    let started = Instant::now();
    let status = std::process::Command::new("dd")
        .args(args)
        .stderr(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        bail!("dd {args:?} failed");
    }
    Ok(started.elapsed().as_secs_f64())
}

async fn s3_figures(
    http: &Arc<reqwest::Client>,
    server: &Server,
    seconds: u64,
) -> anyhow::Result<S3Figures> {
    let base = server.base.clone();
    const BIG: usize = 200 * 1024 * 1024;
    let mb = BIG as f64 / 1e6;
    s3_ok(
        s3_request(http, reqwest::Method::PUT, format!("{base}/bench-bucket")),
        "CreateBucket",
    )
    .await?;
    let body = bytes::Bytes::from(
        (0..BIG)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1])
            .collect::<Vec<u8>>(),
    );
    let started = Instant::now();
    s3_ok(
        s3_request(
            http,
            reqwest::Method::PUT,
            format!("{base}/bench-bucket/big"),
        )
        .body(body.clone()),
        "PutObject",
    )
    .await?;
    let put_mb_s = mb / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut r = s3_ok(
        s3_request(
            http,
            reqwest::Method::GET,
            format!("{base}/bench-bucket/big"),
        ),
        "GetObject",
    )
    .await?;
    let mut got = 0;
    while let Some(chunk) = r.chunk().await? {
        got += chunk.len();
    }
    let get_mb_s = mb / started.elapsed().as_secs_f64();
    if got != BIG {
        bail!("GetObject returned {got} bytes of {BIG}");
    }
    drop(body);
    let file = server.dir.path().join("dd.bin");
    let of = format!("of={}", file.display());
    let dd_write = dd(&[
        "if=/dev/zero".into(),
        of,
        "bs=1M".into(),
        "count=200".into(),
        "conv=fsync".into(),
    ])?;
    let dd_read = dd(&[
        format!("if={}", file.display()),
        "of=/dev/null".into(),
        "bs=1M".into(),
    ])?;
    let _ = std::fs::remove_file(&file);

    // Small PUTs, concurrency 32.
    let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds.max(1));
    let small = bytes::Bytes::from(vec![7u8; 1024]);
    let mut tasks = Vec::new();
    for t in 0..32 {
        let (http, base, count, small) = (http.clone(), base.clone(), count.clone(), small.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0u64;
            while Instant::now() < deadline {
                s3_ok(
                    s3_request(
                        &http,
                        reqwest::Method::PUT,
                        format!("{base}/bench-bucket/small/{t}/{i}"),
                    )
                    .body(small.clone()),
                    "PutObject",
                )
                .await?;
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                i += 1;
            }
            anyhow::Ok(())
        }));
    }
    let started = Instant::now();
    for t in tasks {
        t.await??;
    }
    let small_put_rate =
        count.load(std::sync::atomic::Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();

    // A notification to a warm function.
    let probe = zip_of(&[(
        "app.py",
        b"import time\ndef handler(event, context):\n    now = int(time.time() * 1e6)\n    for r in event['Records']:\n        print('started', r['s3']['object']['key'].rsplit('/', 1)[-1], now)\n",
        0o644,
    )])?;
    let name = "bench-s3-probe";
    create(http, &base, name, "python3.11", "app.handler", &probe).await?;
    let r = http
        .post(format!("{base}/2015-03-31/functions/{name}/policy"))
        .json(&serde_json::json!({
            "StatementId": "s3",
            "Action": "lambda:InvokeFunction",
            "Principal": "s3.amazonaws.com",
            "SourceArn": "arn:aws:s3:::bench-notified",
        }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("allowing S3 to invoke {name}: {}", r.text().await?);
    }
    s3_ok(
        s3_request(http, reqwest::Method::PUT, format!("{base}/bench-notified")),
        "CreateBucket",
    )
    .await?;
    let config = format!(
        "<NotificationConfiguration><CloudFunctionConfiguration><Id>probe</Id>\
         <CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:{name}</CloudFunction>\
         <Event>s3:ObjectCreated:*</Event></CloudFunctionConfiguration></NotificationConfiguration>"
    );
    s3_ok(
        s3_request(
            http,
            reqwest::Method::PUT,
            format!("{base}/bench-notified?notification"),
        )
        .body(config),
        "PutBucketNotificationConfiguration",
    )
    .await?;
    s3_ok(
        s3_request(
            http,
            reqwest::Method::PUT,
            format!("{base}/bench-notified/warm/100000"),
        )
        .body("warm"),
        "PutObject",
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut put_at = std::collections::HashMap::new();
    for i in 0..100u32 {
        s3_ok(
            s3_request(
                http,
                reqwest::Method::PUT,
                format!("{base}/bench-notified/in/{i}"),
            )
            .body("x"),
            "PutObject",
        )
        .await?;
        put_at.insert(i, chrono::Utc::now().timestamp_micros());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delays = delays_since(server, name, &put_at)?;
    if delays.is_empty() {
        bail!("no notification reached the function");
    }
    Ok(S3Figures {
        put_mb_s,
        get_mb_s,
        dd_write_mb_s: mb / dd_write,
        dd_read_mb_s: mb / dd_read,
        small_put_rate,
        to_function: stats(delays),
    })
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(bench(args))
}

async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let rust_echo = match args.rust_echo {
        Some(p) => p,
        None => std::env::current_exe()?
            .parent()
            .context("binary folder")?
            .join("bootstrap"),
    };
    let rust_bin = std::fs::read(&rust_echo).with_context(|| {
        format!(
            "reading the Rust echo function at {} (cargo build --release -p rust-echo)",
            rust_echo.display()
        )
    })?;
    // The sandbox as serve chooses it, without the CPU share that follows
    // memory (128 MB is 7 % of a CPU on AWS): this measures lambdalite.
    let server = start_server(&["--cpu-scale", "0"])?;
    let base = server.base.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .build()?;

    let rust_zip = zip_of(&[("bootstrap", &rust_bin, 0o755)])?;
    let py_zip = zip_of(&[(
        "app.py",
        b"def handler(event, context):\n    return event\n",
        0o644,
    )])?;
    let node_zip = zip_of(&[(
        "index.js",
        b"exports.handler = async (event) => event;\n",
        0o644,
    )])?;
    create(
        &http,
        &base,
        "bench-rust",
        "provided.al2023",
        "bootstrap",
        &rust_zip,
    )
    .await?;
    create(
        &http,
        &base,
        "bench-python",
        "python3.11",
        "app.handler",
        &py_zip,
    )
    .await?;
    create(
        &http,
        &base,
        "bench-node",
        "nodejs20.x",
        "index.handler",
        &node_zip,
    )
    .await?;
    let url = |f: &str| format!("{base}/2015-03-31/functions/{f}/invocations");

    // Loopback floor, with the same client.
    let floor = floor_server().await?;
    for _ in 0..200 {
        http.get(&floor).send().await?.bytes().await?;
    }
    let mut samples = Vec::new();
    for _ in 0..args.warm {
        let t = Instant::now();
        http.get(&floor).send().await?.bytes().await?;
        samples.push(t.elapsed());
    }
    let floor_stats = stats(samples);

    // Warm invoke at concurrency 1.
    let rust_url = url("bench-rust");
    for _ in 0..200 {
        invoke(&http, &rust_url, PAYLOAD).await?;
    }
    let mut samples = Vec::new();
    for _ in 0..args.warm {
        let t = Instant::now();
        invoke(&http, &rust_url, PAYLOAD).await?;
        samples.push(t.elapsed());
    }
    let warm_rust = stats(samples);
    let mut warm_other = Vec::new();
    for f in ["bench-python", "bench-node"] {
        let u = url(f);
        for _ in 0..50 {
            invoke(&http, &u, PAYLOAD).await?;
        }
        let mut samples = Vec::new();
        for _ in 0..(args.warm / 3).max(100) {
            let t = Instant::now();
            invoke(&http, &u, PAYLOAD).await?;
            samples.push(t.elapsed());
        }
        warm_other.push(stats(samples));
    }

    // The same function through a function URL (an HTTP request becomes a
    // payload 2.0 event; the echoed event becomes a 200 JSON body).
    let r = http
        .post(format!("{base}/2021-10-31/functions/bench-rust/url"))
        .json(&serde_json::json!({ "AuthType": "NONE" }))
        .send()
        .await?;
    let created: serde_json::Value = r.json().await?;
    let url_id = created["FunctionUrl"]
        .as_str()
        .and_then(|u| u.split("//").nth(1))
        .and_then(|h| h.split('.').next())
        .context("the function URL's id")?
        .to_string();
    let function_url = format!("{base}/_lambdalite/url/{url_id}/");
    for _ in 0..200 {
        invoke(&http, &function_url, PAYLOAD).await?;
    }
    let mut samples = Vec::new();
    for _ in 0..args.warm {
        let t = Instant::now();
        invoke(&http, &function_url, PAYLOAD).await?;
        samples.push(t.elapsed());
    }
    let warm_url = stats(samples);

    // Throughput at concurrency 32, by Invoke and by the function URL.
    let http = Arc::new(http);
    let throughput = throughput_of(&http, &rust_url, args.seconds).await?;
    let url_throughput = throughput_of(&http, &function_url, args.seconds).await?;

    // Cold starts: each configuration change retires the environments, so
    // the next invoke starts a new one.
    let fns = ["bench-rust", "bench-python", "bench-node"];
    let gap = Duration::from_millis(args.cold_gap_ms);
    let cold = cold_starts(&http, &base, &fns, args.cold, gap).await?;
    // The same without a network of their own (loopback only).
    let none_env = serde_json::json!({ "Variables": { "LAMBDALITE_NETWORK": "none" } });
    for (f, runtime, handler, zip) in [
        ("bench-rust", "provided.al2023", "bootstrap", &rust_zip),
        ("bench-python", "python3.11", "app.handler", &py_zip),
        ("bench-node", "nodejs20.x", "index.handler", &node_zip),
    ] {
        create_with(
            &http,
            &base,
            &format!("{f}-nonet"),
            runtime,
            handler,
            zip,
            Some(&none_env),
        )
        .await?;
    }
    let nonet: Vec<String> = fns.iter().map(|f| format!("{f}-nonet")).collect();
    let nonet: Vec<&str> = nonet.iter().map(String::as_str).collect();
    let cold_nonet = cold_starts(&http, &base, &nonet, args.cold, gap).await?;
    // And as plain processes, from a second server.
    let plain_server = start_server(&["--sandbox", "none"])?;
    let plain_base = plain_server.base.clone();
    for (f, runtime, handler, zip) in [
        ("bench-rust", "provided.al2023", "bootstrap", &rust_zip),
        ("bench-python", "python3.11", "app.handler", &py_zip),
        ("bench-node", "nodejs20.x", "index.handler", &node_zip),
    ] {
        create(&http, &plain_base, f, runtime, handler, zip).await?;
    }
    let cold_plain = cold_starts(&http, &plain_base, &fns, args.cold, gap).await?;
    drop(plain_server);
    // And sandboxed but started from scratch (no runtime started ahead).
    let scratch_server = start_server(&["--cpu-scale", "0", "--prewarm", "0"])?;
    let scratch_base = scratch_server.base.clone();
    for (f, runtime, handler, zip) in [
        ("bench-rust", "provided.al2023", "bootstrap", &rust_zip),
        ("bench-python", "python3.11", "app.handler", &py_zip),
        ("bench-node", "nodejs20.x", "index.handler", &node_zip),
    ] {
        create(&http, &scratch_base, f, runtime, handler, zip).await?;
    }
    let cold_scratch = cold_starts(&http, &scratch_base, &fns, args.cold, gap).await?;
    drop(scratch_server);
    // Memory per idle warm environment.
    let hold_py = zip_of(&[(
        "app.py",
        b"import time\ndef handler(event, context):\n    time.sleep(event.get('hold', 0))\n    return event\n",
        0o644,
    )])?;
    let hold_node = zip_of(&[(
        "index.js",
        b"exports.handler = async (event) => {\n  await new Promise((r) => setTimeout(r, (event.hold || 0) * 1000));\n  return event;\n};\n",
        0o644,
    )])?;
    let idle_envs = 20;
    let py_idle_kb = idle_memory_kb(
        &http,
        &server,
        "bench-python-idle",
        "python3.11",
        "app.handler",
        &hold_py,
        idle_envs,
    )
    .await?;
    let node_idle_kb = idle_memory_kb(
        &http,
        &server,
        "bench-node-idle",
        "nodejs20.x",
        "index.handler",
        &hold_node,
        idle_envs,
    )
    .await?;
    let sandbox_alone = sandbox_starts(args.cold * 2).await;
    let (accept_rate, accept_delay) = async_figures(&http, &server, args.seconds).await?;
    let sqs = sqs_figures(&http, &server, args.seconds).await?;
    let sns = sns_figures(&http, &server).await?;
    let s3 = s3_figures(&http, &server, args.seconds).await?;
    let kinesis = kinesis_figures(&http, &server, args.seconds).await?;
    let py_bare = bare_start(&args.python, &["-c", "pass"], args.cold);
    let node_bare = bare_start(&args.node, &["-e", "0"], args.cold);

    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("lambdalite bench — {cpus} CPUs, one run\n");
    println!("| measure | p50 | p99 |");
    println!("|---|---|---|");
    println!(
        "| loopback HTTP round trip (same client, empty server) | {} | {} |",
        fmt_us(floor_stats.p50),
        fmt_us(floor_stats.p99)
    );
    println!(
        "| warm invoke, provided (Rust lambda_runtime echo), concurrency 1 | {} | {} |",
        fmt_us(warm_rust.p50),
        fmt_us(warm_rust.p99)
    );
    println!(
        "| warm request through a function URL, provided (Rust echo), concurrency 1 | {} | {} |",
        fmt_us(warm_url.p50),
        fmt_us(warm_url.p99)
    );
    for (name, s) in ["python3.11 echo", "nodejs20.x echo"]
        .iter()
        .zip(&warm_other)
    {
        println!(
            "| warm invoke, {name}, concurrency 1 | {} | {} |",
            fmt_us(s.p50),
            fmt_us(s.p99)
        );
    }
    let names = ["provided (Rust echo)", "python3.11", "nodejs20.x"];
    for (i, name) in names.iter().enumerate() {
        for (how, s) in [
            (format!("{}, default network", server.sandbox), &cold[i]),
            (format!("{}, network none", server.sandbox), &cold_nonet[i]),
            (
                format!(
                    "{}, default network, started from scratch (--prewarm 0)",
                    server.sandbox
                ),
                &cold_scratch[i],
            ),
            ("plain process".to_string(), &cold_plain[i]),
        ] {
            println!(
                "| cold start (invoke to response, new environment), {name}, {how} | {} | {} |",
                fmt_us(s.p50),
                fmt_us(s.p99)
            );
        }
    }
    for (how, s) in &sandbox_alone {
        println!(
            "| `/bin/true` start to exit, {how} | {} | {} |",
            fmt_us(s.p50),
            fmt_us(s.p99)
        );
    }
    if let Some(s) = py_bare {
        println!(
            "| bare `{} -c pass` (spawn to exit) | {} | {} |",
            args.python.display(),
            fmt_us(s.p50),
            fmt_us(s.p99)
        );
    }
    if let Some(s) = node_bare {
        println!(
            "| bare `{} -e 0` (spawn to exit) | {} | {} |",
            args.node.display(),
            fmt_us(s.p50),
            fmt_us(s.p99)
        );
    }
    println!(
        "| asynchronous accept to start of execution, python3.11 | {} | {} |",
        fmt_us(accept_delay.p50),
        fmt_us(accept_delay.p99)
    );
    println!(
        "| SQS send to start of the mapped function (warm python3.11, window 0) | {} | {} |",
        fmt_us(sqs.to_function.p50),
        fmt_us(sqs.to_function.p99)
    );
    println!(
        "| SNS publish to start of the subscribed function (warm python3.11) | {} | {} |",
        fmt_us(sns.to_function.p50),
        fmt_us(sns.to_function.p99)
    );
    println!(
        "| S3 PUT to start of the notified function (warm python3.11) | {} | {} |",
        fmt_us(s3.to_function.p50),
        fmt_us(s3.to_function.p99)
    );
    println!(
        "| Kinesis PutRecord sent to start of the mapped function (warm python3.11, window 0; the put's fsync included) | {} | {} |",
        fmt_us(kinesis.to_function.p50),
        fmt_us(kinesis.to_function.p99)
    );
    println!(
        "\nThroughput, provided (Rust echo), concurrency 32: {throughput:.0} invokes/s over {} s",
        args.seconds
    );
    println!(
        "Throughput through a function URL, provided (Rust echo), concurrency 32: {url_throughput:.0} requests/s over {} s",
        args.seconds
    );
    println!(
        "Memory per idle warm environment ({} made at once, proportional set size of the \
         server's process tree): python3.11 {:.1} MB, nodejs20.x {:.1} MB",
        idle_envs,
        py_idle_kb / 1024.0,
        node_idle_kb / 1024.0
    );
    println!(
        "Asynchronous accepts (durable, fsynced before the 202), concurrency 32: {accept_rate:.0} events/s"
    );
    println!(
        "SQS SendMessage (durable before the 200), concurrency 32: {:.0} messages/s",
        sqs.send_rate
    );
    println!(
        "SQS ReceiveMessage (10) + DeleteMessageBatch, concurrency 32: {:.0} messages/s",
        sqs.consume_rate
    );
    println!(
        "SNS fan-out, 1 topic → 10 python3.11 functions, concurrency 16: {:.0} publishes/s answered, {:.0} deliveries/s to function start",
        sns.fanout_publish_rate, sns.fanout_delivery_rate
    );
    println!(
        "S3, one 200 MB object: PUT (durable before the 200) {:.0} MB/s, GET {:.0} MB/s; the disk's own in the same run: dd write with fsync {:.0} MB/s, dd read {:.0} MB/s",
        s3.put_mb_s, s3.get_mb_s, s3.dd_write_mb_s, s3.dd_read_mb_s
    );
    println!(
        "S3 PutObject of 1 KiB (durable before the 200), concurrency 32: {:.0} objects/s",
        s3.small_put_rate
    );
    println!(
        "Kinesis PutRecords (500 records of 100 bytes, durable before the 200), concurrency 8: {:.0} records/s",
        kinesis.put_records_rate
    );
    println!(
        "Kinesis backlog of 100,000 records drained through a mapping (BatchSize 1000, python3.11): {:.0} records/s, {}",
        kinesis.drain_rate,
        if kinesis.drained_in_order {
            "every record once, in order"
        } else {
            "NOT in order or incomplete"
        }
    );
    Ok(())
}
