//! Object bodies (S3's, and the parts of multipart uploads), each stored
//! once under `objects/<aa>/<sha256>` by the hex sha256 of its bytes.
//!
//! A body is written to a temporary file while it arrives, synced, then
//! renamed to its name; only then may metadata point at it, so a
//! half-written body is never visible. Bodies are counted: every object
//! or part that names one holds a reference, so do readers while they
//! stream, and a body is unlinked when its last reference goes. Bodies no
//! metadata names (left by a crash between the rename and the commit, or
//! the commit and the unlink) are swept at start.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::Layout;

/// The folder of object bodies.
#[derive(Clone)]
pub struct Blobs {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    tmp: PathBuf,
    refs: Mutex<HashMap<String, u64>>,
}

impl Blobs {
    /// Opens (creating) `objects/` under the data directory, dropping any
    /// temporary file a previous run left.
    pub fn open(layout: &Layout) -> io::Result<Blobs> {
        let dir = layout.root.join("objects");
        let tmp = dir.join("tmp");
        fs::create_dir_all(&tmp)?;
        for entry in fs::read_dir(&tmp)? {
            let _ = fs::remove_file(entry?.path());
        }
        Ok(Blobs {
            inner: Arc::new(Inner {
                dir,
                tmp,
                refs: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The file of a body.
    pub fn path(&self, sha256_hex: &str) -> PathBuf {
        let fan = sha256_hex.get(..2).unwrap_or("00");
        self.inner.dir.join(fan).join(sha256_hex)
    }

    /// Opens a body for reading.
    pub fn open_body(&self, sha256_hex: &str) -> io::Result<File> {
        File::open(self.path(sha256_hex))
    }

    /// Starts a new body.
    pub fn create(&self) -> io::Result<BlobWriter> {
        let path = self
            .inner
            .tmp
            .join(uuid::Uuid::new_v4().simple().to_string());
        let file = File::create(&path)?;
        Ok(BlobWriter {
            blobs: self.clone(),
            file: Some(file),
            path,
            sha: Sha256::new(),
            size: 0,
        })
    }

    /// Counts one more reference to a body.
    pub fn retain(&self, sha256_hex: &str) {
        let mut refs = self.inner.refs.lock().unwrap_or_else(|e| e.into_inner());
        *refs.entry(sha256_hex.to_string()).or_insert(0) += 1;
    }

    /// Drops a reference; the body's file goes with the last one.
    pub fn release(&self, sha256_hex: &str) {
        let mut refs = self.inner.refs.lock().unwrap_or_else(|e| e.into_inner());
        let Some(n) = refs.get_mut(sha256_hex) else {
            return;
        };
        *n -= 1;
        if *n == 0 {
            refs.remove(sha256_hex);
            // Under the lock: a writer adopting the same bytes waits, then
            // writes them again.
            let _ = fs::remove_file(self.path(sha256_hex));
        }
    }

    /// Removes every body nobody references (after the metadata was read
    /// back and every reference retained).
    pub fn sweep(&self) -> io::Result<usize> {
        let refs = self.inner.refs.lock().unwrap_or_else(|e| e.into_inner());
        let mut removed = 0;
        for fan in fs::read_dir(&self.inner.dir)? {
            let fan = fan?.path();
            if fan == self.inner.tmp || !fan.is_dir() {
                continue;
            }
            for entry in fs::read_dir(&fan)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if !refs.contains_key(&name) {
                    let _ = fs::remove_file(entry.path());
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// A body being written.
pub struct BlobWriter {
    blobs: Blobs,
    file: Option<File>,
    path: PathBuf,
    sha: Sha256,
    size: u64,
}

/// A body once written: its name and size. It holds one reference, which
/// the metadata naming it takes over (or [`Blobs::release`] gives back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub sha256_hex: String,
    pub size: u64,
}

impl BlobWriter {
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.sha.update(data);
        let Some(f) = &mut self.file else {
            return Err(io::Error::other("the body was finished"));
        };
        f.write_all(data)?;
        self.size += data.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The sha256 of the bytes written so far.
    pub fn digest(&self) -> [u8; 32] {
        self.sha.clone().finalize().into()
    }

    /// Syncs the body and gives it its name; the body is durable when this
    /// returns, and referenced once.
    pub fn finish(mut self) -> io::Result<Blob> {
        let file = self.file.take().expect("finished once");
        file.sync_data()?;
        drop(file);
        let sha256_hex = hex::encode(std::mem::take(&mut self.sha).finalize());
        let dest = self.blobs.path(&sha256_hex);
        let mut refs = self
            .blobs
            .inner
            .refs
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if dest.is_file() {
            let _ = fs::remove_file(&self.path);
        } else {
            let fan = dest.parent().expect("fan-out folder");
            let new_fan = !fan.is_dir();
            fs::create_dir_all(fan)?;
            fs::rename(&self.path, &dest)?;
            sync_dir(fan)?;
            if new_fan {
                // The new folder's own entry must be durable too.
                sync_dir(&self.blobs.inner.dir)?;
            }
        }
        *refs.entry(sha256_hex.clone()).or_insert(0) += 1;
        Ok(Blob {
            sha256_hex,
            size: self.size,
        })
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_named_by_content_and_go_with_their_last_reference() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(&Layout::new(dir.path())).unwrap();
        let mut w = blobs.create().unwrap();
        w.write(b"hello ").unwrap();
        w.write(b"world").unwrap();
        let a = w.finish().unwrap();
        assert_eq!(
            a.sha256_hex,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(a.size, 11);
        let mut w = blobs.create().unwrap();
        w.write(b"hello world").unwrap();
        let b = w.finish().unwrap();
        assert_eq!(a, b);
        assert_eq!(fs::read(blobs.path(&a.sha256_hex)).unwrap(), b"hello world");
        blobs.release(&a.sha256_hex);
        assert!(blobs.path(&a.sha256_hex).is_file());
        blobs.release(&a.sha256_hex);
        assert!(!blobs.path(&a.sha256_hex).exists());
    }

    #[test]
    fn an_unfinished_body_leaves_nothing_and_unreferenced_ones_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        let blobs = Blobs::open(&layout).unwrap();
        let mut w = blobs.create().unwrap();
        w.write(b"torn").unwrap();
        drop(w);
        let mut w = blobs.create().unwrap();
        w.write(b"kept").unwrap();
        let kept = w.finish().unwrap();
        let mut w = blobs.create().unwrap();
        w.write(b"orphan").unwrap();
        let orphan = w.finish().unwrap();
        // A new run: only what the metadata names is retained.
        let blobs = Blobs::open(&layout).unwrap();
        blobs.retain(&kept.sha256_hex);
        assert_eq!(blobs.sweep().unwrap(), 1);
        assert!(blobs.path(&kept.sha256_hex).is_file());
        assert!(!blobs.path(&orphan.sha256_hex).exists());
        assert_eq!(
            fs::read_dir(dir.path().join("objects/tmp"))
                .unwrap()
                .count(),
            0
        );
    }
}
