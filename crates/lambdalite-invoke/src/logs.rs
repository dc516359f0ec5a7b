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

use tokio::net::unix::pipe;

/// How much of an invocation's log `Tail` returns.
pub const TAIL_BYTES: usize = 4096;

struct Record {
    group: Arc<str>,
    stream: Arc<str>,
    timestamp_ms: i64,
    message: String,
    /// Set on a barrier: answered once everything before it is written.
    barrier: Option<tokio::sync::oneshot::Sender<()>>,
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

    /// Waits until every line sent so far is written to its file (handed
    /// to the kernel, so it survives the process).
    pub async fn flushed(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let barrier = Record {
            group: Arc::from(""),
            stream: Arc::from(""),
            timestamp_ms: 0,
            message: String::new(),
            barrier: Some(tx),
        };
        if self.tx.send(barrier).is_ok() {
            let _ = rx.await;
        }
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
        let mut barriers = Vec::new();
        while let Some(mut r) = next {
            if let Some(b) = r.barrier.take() {
                barriers.push(b);
                next = rx.try_recv().ok();
                continue;
            }
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
        for b in barriers {
            let _ = b.send(());
        }
        if files.len() > 256 {
            files.clear();
        }
        // Batch: under load, records pile up while this thread sleeps, and
        // senders never have to wake it.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

struct Capture {
    /// This invocation's log so far, when one is being captured.
    tail: Option<Vec<u8>>,
    /// A line the environment has begun but not ended.
    partial: Vec<u8>,
}

/// The read end of an environment's output. Whoever reads it (the
/// background reader, or the invoker syncing after an answer) holds the
/// lock from read to logged, so output is logged in the order written.
struct Output {
    pipe: pipe::Receiver,
    read_lock: Mutex<ReadState>,
}

struct ReadState {
    buf: Vec<u8>,
    open: bool,
}

impl Output {
    /// Logs everything readable now; returns false once the pipe is closed.
    fn drain(&self, sink: &Sink) -> bool {
        let mut st = lock(&self.read_lock);
        let ReadState { buf, open } = &mut *st;
        while *open {
            match self.pipe.try_read(buf) {
                Ok(0) => *open = false,
                Ok(n) => sink.output(&buf[..n], false),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => *open = false,
            }
        }
        if !*open {
            sink.output(&[], true);
        }
        *open
    }
}

/// The log of one execution environment.
pub struct EnvLog {
    sink: Sink,
    output: Arc<Output>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for EnvLog {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl EnvLog {
    /// Starts reading an environment's output from `pipe`.
    pub fn start(group: String, stream: String, writer: LogWriter, pipe: pipe::Receiver) -> EnvLog {
        let sink = Sink {
            group: group.into(),
            stream: stream.into(),
            writer,
            capture: Arc::new(Mutex::new(Capture {
                tail: None,
                partial: Vec::new(),
            })),
        };
        let output = Arc::new(Output {
            pipe,
            read_lock: Mutex::new(ReadState {
                buf: vec![0u8; 64 * 1024],
                open: true,
            }),
        });
        let reader = tokio::spawn(read_loop(output.clone(), sink.clone()));
        EnvLog {
            sink,
            output,
            reader,
        }
    }

    pub fn stream(&self) -> &str {
        &self.sink.stream
    }

    /// Starts capturing an invocation's log (for Tail).
    pub fn begin_capture(&self) {
        lock(&self.sink.capture).tail = Some(Vec::new());
    }

    /// Ends capturing; returns the last 4 KB.
    pub fn end_capture(&self) -> Vec<u8> {
        let tail = lock(&self.sink.capture).tail.take().unwrap_or_default();
        let start = tail.len().saturating_sub(TAIL_BYTES);
        tail[start..].to_vec()
    }

    /// Writes a platform line (START, END, REPORT, errors).
    pub fn platform(&self, line: &str) {
        self.sink.line(format!("{line}\n"));
    }

    /// Logs everything the environment wrote so far. Output written before
    /// the bootstrap answered is in the pipe by now, so after this the log
    /// is complete up to the answer.
    pub fn sync(&self) {
        self.output.drain(&self.sink);
        // A line left unfinished at the answer is logged as it is.
        self.sink.output(&[], true);
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
            barrier: None,
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

async fn read_loop(output: Arc<Output>, sink: Sink) {
    loop {
        if output.pipe.readable().await.is_err() {
            break;
        }
        if !output.drain(&sink) {
            break;
        }
    }
}
