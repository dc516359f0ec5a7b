//! Bodies in and out: an upload streams from the socket through its
//! framing (`aws-chunked`), its digests and checksums into a new blob on
//! a blocking thread; a download streams from the blobs' files to the
//! socket. Neither is ever whole in memory.

use std::io;
use std::os::unix::fs::FileExt;

use axum::body::Body;
use bytes::Bytes;
use http::StatusCode;
use http_body_util::BodyExt;
use lambdalite_protocol::chunked::{ChunkDecoder, ChunkError};
use lambdalite_protocol::sigv4::Payload;
use lambdalite_store::objects::{Blob, BlobWriter, Blobs};
use md5::{Digest, Md5};

use crate::checksum::{self, Algorithm, Hasher};
use crate::error::S3Error;
use crate::model::Piece;

/// An upload's body once stored.
pub struct Ingested {
    pub blob: Blob,
    pub md5: [u8; 16],
    /// The checksums asked for (base64), in the order asked.
    pub checksums: Vec<(Algorithm, String)>,
    /// Trailing headers of an `aws-chunked` body.
    pub trailers: Vec<(String, String)>,
}

/// What the request says the body must be.
pub struct Expect {
    pub payload: Payload,
    /// The data's length (`x-amz-decoded-content-length` for a chunked
    /// body, else `Content-Length`), when given.
    pub length: Option<u64>,
    /// Checksums to compute.
    pub algorithms: Vec<Algorithm>,
    pub max_size: u64,
}

const PIPE_DEPTH: usize = 16;

fn writer_failed(e: io::Error) -> S3Error {
    tracing::error!(error = %e, "writing an object body failed");
    S3Error::internal()
}

fn incomplete() -> S3Error {
    S3Error::new(
        StatusCode::BAD_REQUEST,
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
    )
}

/// Stores a body as a new blob (durable when this returns Ok, holding one
/// reference), checking its signature chain, length and SHA256.
pub async fn ingest(blobs: &Blobs, body: Body, expect: Expect) -> Result<Ingested, S3Error> {
    // Two threads share the work: one writes (and hashes the body's name,
    // sha256, and its checksums), the other computes the MD5 of the ETag,
    // the slowest of the digests.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(PIPE_DEPTH);
    let (md5_tx, mut md5_rx) = tokio::sync::mpsc::channel::<Bytes>(PIPE_DEPTH);
    let algorithms = expect.algorithms.clone();
    let writer = {
        let blobs = blobs.clone();
        tokio::task::spawn_blocking(move || -> io::Result<(BlobWriter, Vec<Hasher>)> {
            let mut w = blobs.create()?;
            let mut hashers: Vec<Hasher> = algorithms
                .iter()
                .filter(|a| **a != Algorithm::Sha256)
                .map(|a| Hasher::new(*a))
                .collect();
            while let Some(b) = rx.blocking_recv() {
                w.write(&b)?;
                for h in &mut hashers {
                    h.update(&b);
                }
            }
            Ok((w, hashers))
        })
    };
    let md5_task = tokio::task::spawn_blocking(move || {
        let mut md5 = Md5::new();
        while let Some(b) = md5_rx.blocking_recv() {
            md5.update(&b);
        }
        md5
    });
    let mut decoder = match &expect.payload {
        Payload::Chunked { signer, .. } => Some(ChunkDecoder::new(signer.clone())),
        _ => None,
    };
    let mut body = body;
    let mut received: u64 = 0;
    let mut out = Vec::new();
    let fed = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| incomplete())?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            match &mut decoder {
                Some(d) => d.push(data, &mut out).map_err(chunk_error)?,
                None => out.push(data),
            }
            for piece in out.drain(..) {
                received += piece.len() as u64;
                if received > expect.max_size {
                    return Err(too_large(expect.max_size));
                }
                if md5_tx.send(piece.clone()).await.is_err() || tx.send(piece).await.is_err() {
                    return Err(S3Error::internal());
                }
            }
        }
        Ok(())
    }
    .await;
    drop(tx);
    drop(md5_tx);
    let written = writer.await.map_err(|_| S3Error::internal())?;
    let md5 = md5_task.await.map_err(|_| S3Error::internal())?;
    fed?;
    let (w, hashers) = written.map_err(writer_failed)?;
    let trailers = match decoder {
        Some(d) => d.finish().map_err(chunk_error)?,
        None => Vec::new(),
    };
    if let Some(n) = expect.length {
        if n != w.size() {
            return Err(incomplete());
        }
    }
    let sha = w.digest();
    if let Payload::Sha256(declared) = &expect.payload {
        if *declared != hex::encode(sha) {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
            .with("ClientComputedContentSHA256", declared.clone())
            .with("S3ComputedContentSHA256", hex::encode(sha)));
        }
    }
    let mut checksums = Vec::new();
    let mut hashers = hashers.into_iter();
    for a in &expect.algorithms {
        let raw = if *a == Algorithm::Sha256 {
            sha.to_vec()
        } else {
            hashers.next().map(Hasher::finish).unwrap_or_default()
        };
        checksums.push((*a, checksum::b64(&raw)));
    }
    let md5: [u8; 16] = md5.finalize().into();
    let blob = tokio::task::spawn_blocking(move || w.finish())
        .await
        .map_err(|_| S3Error::internal())?
        .map_err(writer_failed)?;
    Ok(Ingested {
        blob,
        md5,
        checksums,
        trailers,
    })
}

fn too_large(max: u64) -> S3Error {
    S3Error::new(
        StatusCode::BAD_REQUEST,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
    )
    .with("MaxSizeAllowed", max.to_string())
}

fn chunk_error(e: ChunkError) -> S3Error {
    match e {
        ChunkError::Signature => S3Error::new(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
             Check your key and signing method.",
        ),
        ChunkError::Malformed(_) => incomplete(),
    }
}

/// Keeps blobs referenced while a download reads them.
struct Lease {
    blobs: Blobs,
    shas: Vec<String>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        for s in &self.shas {
            self.blobs.release(s);
        }
    }
}

const READ_CHUNK: u64 = 1 << 20;

/// The bytes `start..end` of an object made of `pieces`, as a streaming
/// body. The pieces stay referenced (their files kept) until it ends.
pub fn download(blobs: &Blobs, pieces: &[Piece], start: u64, end: u64) -> Body {
    for p in pieces {
        blobs.retain(&p.sha256);
    }
    let lease = Lease {
        blobs: blobs.clone(),
        shas: pieces.iter().map(|p| p.sha256.clone()).collect(),
    };
    // (piece index, offset in the object where it starts)
    let mut spans = Vec::new();
    let mut at = 0u64;
    for p in pieces {
        spans.push((p.sha256.clone(), at, p.size));
        at += p.size;
    }
    struct Cursor {
        lease: Lease,
        spans: Vec<(String, u64, u64)>,
        pos: u64,
        end: u64,
        open: Option<(usize, std::sync::Arc<std::fs::File>)>,
    }
    let cursor = Cursor {
        lease,
        spans,
        pos: start,
        end,
        open: None,
    };
    let stream = futures_util::stream::unfold(cursor, |mut c| async move {
        if c.pos >= c.end {
            return None;
        }
        let idx = c
            .spans
            .iter()
            .position(|(_, off, size)| c.pos >= *off && c.pos < off + size)?;
        let (sha, off, size) = c.spans[idx].clone();
        let file = match &c.open {
            Some((i, f)) if *i == idx => f.clone(),
            _ => match c.lease.blobs.open_body(&sha) {
                Ok(f) => {
                    let f = std::sync::Arc::new(f);
                    c.open = Some((idx, f.clone()));
                    f
                }
                Err(e) => return Some((Err(e), Cursor { pos: c.end, ..c })),
            },
        };
        let within = c.pos - off;
        let len = READ_CHUNK.min(size - within).min(c.end - c.pos) as usize;
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; len];
            file.read_exact_at(&mut buf, within).map(|_| buf)
        })
        .await
        .unwrap_or_else(|e| Err(io::Error::other(e)));
        match read {
            Ok(buf) => {
                c.pos += buf.len() as u64;
                Some((Ok(Bytes::from(buf)), c))
            }
            Err(e) => Some((Err(e), Cursor { pos: c.end, ..c })),
        }
    });
    Body::from_stream(stream)
}

/// Reads a small request body whole (an XML document), up to `max`.
pub async fn read_small(body: Body, max: usize) -> Result<Bytes, S3Error> {
    axum::body::to_bytes(body, max).await.map_err(|_| {
        S3Error::new(
            StatusCode::BAD_REQUEST,
            "MaxMessageLengthExceeded",
            "Your request was too big.",
        )
    })
}
