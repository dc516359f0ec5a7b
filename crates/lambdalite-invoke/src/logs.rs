//! Function logs: every line an environment writes, plus the platform's
//! START / END / REPORT lines, into its log group and stream under the data
//! directory; and the tail of one invocation for `X-Amz-Log-Type: Tail`.
//!
//! Files are written by one background thread, never on the invoke path.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc as std_mpsc, Arc, Mutex};

use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::sync::{mpsc, oneshot};

/// How much of an invocation's log `Tail` returns.
pub const TAIL_BYTES: usize = 4096;

struct Record {
    group: Arc<str>,
    stream: Arc<str>,
    timestamp_ms: i64,
    message: String,
}

/// The handle of the log-writing thread.
#[derive(Clone)]
pub struct LogWriter {
    tx: std_mpsc::Sender<Record>,
}

impl LogWriter {
    /// Starts the writer thread for logs under `root`.
    pub fn start(root: PathBuf) -> LogWriter {
        let (tx, rx) = std_mpsc::channel::<Record>();
        std::thread::Builder::new()
            .name("lambdalite-logs".into())
            .spawn(move || write_loop(&root, rx))
            .expect("starting the log writer thread");
        LogWriter { tx }
    }

    /// The file of a log stream.
    pub fn stream_path(root: &Path, group: &str, stream: &str) -> PathBuf {
        root.join(encode(group))
            .join(format!("{}.jsonl", encode(stream)))
    }
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '/' => out.push_str("%2F"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

fn write_loop(root: &Path, rx: std_mpsc::Receiver<Record>) {
    let mut files: HashMap<(Arc<str>, Arc<str>), BufWriter<File>> = HashMap::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(r) = next {
            let key = (r.group.clone(), r.stream.clone());
            if !files.contains_key(&key) {
                let path = LogWriter::stream_path(root, &r.group, &r.stream);
                if let Some(dir) = path.parent() {
                    let _ = fs::create_dir_all(dir);
                }
                match OpenOptions::new().create(true).append(true).open(&path) {
                    Ok(f) => {
                        files.insert(key.clone(), BufWriter::new(f));
                    }
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "cannot write log stream");
                    }
                }
            }
            if let Some(f) = files.get_mut(&key) {
                let line = serde_json::json!({ "timestamp": r.timestamp_ms, "message": r.message });
                let _ = writeln!(f, "{line}");
            }
            next = rx.try_recv().ok();
        }
        for f in files.values_mut() {
            let _ = f.flush();
        }
        if files.len() > 256 {
            files.clear();
        }
    }
}

struct Capture {
    /// This invocation's log so far, when one is being captured.
    tail: Option<Vec<u8>>,
    /// A line the environment has begun but not ended.
    partial: Vec<u8>,
}

/// The log of one execution environment.
pub struct EnvLog {
    group: Arc<str>,
    stream: Arc<str>,
    writer: LogWriter,
    capture: Arc<Mutex<Capture>>,
    flush: mpsc::Sender<oneshot::Sender<()>>,
}

impl EnvLog {
    /// Starts reading an environment's output from `pipe`.
    pub fn start(
        group: String,
        stream: String,
        writer: LogWriter,
        output: pipe::Receiver,
    ) -> EnvLog {
        let capture = Arc::new(Mutex::new(Capture {
            tail: None,
            partial: Vec::new(),
        }));
        let (flush_tx, flush_rx) = mpsc::channel(1);
        let log = EnvLog {
            group: group.into(),
            stream: stream.into(),
            writer,
            capture,
            flush: flush_tx,
        };
        tokio::spawn(read_loop(output, log.sink(), flush_rx));
        log
    }

    pub fn stream(&self) -> &str {
        &self.stream
    }

    fn sink(&self) -> Sink {
        Sink {
            group: self.group.clone(),
            stream: self.stream.clone(),
            writer: self.writer.clone(),
            capture: self.capture.clone(),
        }
    }

    /// Starts capturing an invocation's log (for Tail).
    pub fn begin_capture(&self) {
        lock(&self.capture).tail = Some(Vec::new());
    }

    /// Ends capturing; returns the last 4 KB.
    pub fn end_capture(&self) -> Vec<u8> {
        let tail = lock(&self.capture).tail.take().unwrap_or_default();
        let start = tail.len().saturating_sub(TAIL_BYTES);
        tail[start..].to_vec()
    }

    /// Writes a platform line (START, END, REPORT, errors).
    pub fn platform(&self, line: &str) {
        self.sink().line(format!("{line}\n"));
    }

    /// Waits until everything the environment wrote so far is logged.
    /// Output written before the bootstrap answered is in the pipe by now,
    /// so after this the log is complete up to the answer.
    pub async fn sync(&self) {
        let (tx, rx) = oneshot::channel();
        if self.flush.send(tx).await.is_ok() {
            let _ = rx.await;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Clone)]
struct Sink {
    group: Arc<str>,
    stream: Arc<str>,
    writer: LogWriter,
    capture: Arc<Mutex<Capture>>,
}

impl Sink {
    fn line(&self, message: String) {
        if let Some(tail) = lock(&self.capture).tail.as_mut() {
            tail.extend_from_slice(message.as_bytes());
        }
        let _ = self.writer.tx.send(Record {
            group: self.group.clone(),
            stream: self.stream.clone(),
            timestamp_ms: chrono::Utc::now().timestamp_millis(),
            message,
        });
    }

    /// Splits output into lines; with `all`, a trailing partial line too.
    fn output(&self, bytes: &[u8], all: bool) {
        let mut lines = Vec::new();
        {
            let mut cap = lock(&self.capture);
            cap.partial.extend_from_slice(bytes);
            while let Some(pos) = cap.partial.iter().position(|b| *b == b'\n') {
                let rest = cap.partial.split_off(pos + 1);
                lines.push(std::mem::replace(&mut cap.partial, rest));
            }
            if all && !cap.partial.is_empty() {
                let mut last = std::mem::take(&mut cap.partial);
                last.push(b'\n');
                lines.push(last);
            }
        }
        for l in lines {
            self.line(String::from_utf8_lossy(&l).into_owned());
        }
    }
}

async fn read_loop(
    mut output: pipe::Receiver,
    sink: Sink,
    mut flush: mpsc::Receiver<oneshot::Sender<()>>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut open = true;
    loop {
        tokio::select! {
            biased;
            ack = flush.recv() => {
                let Some(ack) = ack else { break };
                while open {
                    match output.try_read(&mut buf) {
                        Ok(0) => open = false,
                        Ok(n) => sink.output(&buf[..n], false),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                        Err(_) => open = false,
                    }
                }
                sink.output(&[], true);
                let _ = ack.send(());
            }
            n = output.read(&mut buf), if open => {
                match n {
                    Ok(0) | Err(_) => {
                        open = false;
                        sink.output(&[], true);
                    }
                    Ok(n) => sink.output(&buf[..n], false),
                }
            }
        }
    }
}
