//! One writer thread per durable table group, committing in groups.
//!
//! Every change goes to the writer thread; it commits whatever piled up
//! while the previous commit was syncing in one transaction (group
//! commit), so a burst of writes shares its fsyncs. A change that a
//! response will confirm waits for its commit; others don't.

use std::sync::mpsc;

use rusqlite::Connection;

use crate::{io_err, StoreError};

/// What is told when a change is durable (or failed).
pub enum Ack {
    /// A blocked caller.
    Wait(mpsc::SyncSender<Result<(), String>>),
    /// A callback, run on the writer thread: keep it short.
    Then(Box<dyn FnOnce(Result<(), String>) + Send>),
}

/// The handle of a writer thread applying `Op`s.
pub struct Writer<Op> {
    tx: mpsc::Sender<(Op, Option<Ack>)>,
}

impl<Op> Clone for Writer<Op> {
    fn clone(&self) -> Self {
        Writer {
            tx: self.tx.clone(),
        }
    }
}

impl<Op: Send + 'static> Writer<Op> {
    /// Starts the thread; `apply` performs one change inside the batch's
    /// transaction.
    pub fn start(
        name: &str,
        conn: Connection,
        apply: fn(&Connection, &Op) -> rusqlite::Result<()>,
    ) -> Result<Writer<Op>, StoreError> {
        let (tx, rx) = mpsc::channel::<(Op, Option<Ack>)>();
        let label = name.to_string();
        std::thread::Builder::new()
            .name(format!("lambdalite-{name}"))
            .spawn(move || write_loop(&label, conn, rx, apply))
            .map_err(io_err("starting a store writer"))?;
        Ok(Writer { tx })
    }

    fn closed() -> StoreError {
        StoreError::Io {
            context: "the store writer stopped".into(),
            source: std::io::Error::other("writer closed"),
        }
    }

    /// Applies `op`; with `wait`, returns once it is durable. Blocks.
    pub fn send(&self, op: Op, wait: bool) -> Result<(), StoreError> {
        if !wait {
            return self.tx.send((op, None)).map_err(|_| Self::closed());
        }
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        self.tx
            .send((op, Some(Ack::Wait(ack_tx))))
            .map_err(|_| Self::closed())?;
        match ack_rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Io {
                context: "committing".into(),
                source: std::io::Error::other(e),
            }),
            Err(_) => Err(Self::closed()),
        }
    }

    /// Applies `op` and calls `done` once it is durable (or failed),
    /// without blocking the caller.
    pub fn send_then(
        &self,
        op: Op,
        done: Box<dyn FnOnce(Result<(), String>) + Send>,
    ) -> Result<(), StoreError> {
        self.tx
            .send((op, Some(Ack::Then(done))))
            .map_err(|_| Self::closed())
    }
}

fn write_loop<Op>(
    name: &str,
    conn: Connection,
    rx: mpsc::Receiver<(Op, Option<Ack>)>,
    apply: fn(&Connection, &Op) -> rusqlite::Result<()>,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < 4096 {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let result = (|| -> rusqlite::Result<()> {
            let tx = conn.unchecked_transaction()?;
            for (op, _) in &batch {
                apply(&tx, op)?;
            }
            tx.commit()
        })();
        if let Err(e) = &result {
            tracing::error!(writer = name, error = %e, "a store commit failed");
        }
        let outcome = result.as_ref().map(|_| ()).map_err(|e| e.to_string());
        for (_, ack) in batch {
            match ack {
                Some(Ack::Wait(tx)) => {
                    let _ = tx.send(outcome.clone());
                }
                Some(Ack::Then(done)) => done(outcome.clone()),
                None => {}
            }
        }
    }
}

/// Opens a connection for a writer: WAL, full sync, a busy timeout.
pub fn open_connection(path: &std::path::Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}
