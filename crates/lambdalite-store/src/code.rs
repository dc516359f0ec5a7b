//! Code packages: each zip stored once under `blobs/<sha256>.zip` and unzipped
//! once under `code/<sha256>/`, both named by the hex sha256 of the zip.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use lambdalite_model::config::CodeRef;
use lambdalite_model::limits;
use sha2::{Digest, Sha256};

use crate::{io_err, Layout, StoreError};

/// Why a package was refused.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// Not a zip archive, or an entry the archive can't contain safely.
    #[error("Could not unzip uploaded file. Please check your file, then try to upload again.{0}")]
    Unzip(String),
    /// The unzipped files are larger than AWS allows.
    #[error(
        "Unzipped size must be smaller than {} bytes",
        limits::UNZIPPED_MAX_BYTES
    )]
    TooLarge,
    /// lambdalite could not write the package.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The blob folder and the unzipped code folder.
#[derive(Debug, Clone)]
pub struct CodeStore {
    layout: Layout,
}

impl CodeStore {
    /// Opens the folders under the data directory, creating them if needed.
    pub fn open(layout: Layout) -> Result<CodeStore, StoreError> {
        for dir in [layout.blobs(), layout.code()] {
            fs::create_dir_all(&dir).map_err(io_err(format!("creating {}", dir.display())))?;
        }
        Ok(CodeStore { layout })
    }

    /// The stored zip of a package.
    pub fn zip_path(&self, sha256_hex: &str) -> PathBuf {
        self.layout.blobs().join(format!("{sha256_hex}.zip"))
    }

    /// The unzipped files of a package.
    pub fn code_dir(&self, sha256_hex: &str) -> PathBuf {
        self.layout.code().join(sha256_hex)
    }

    /// Checks, stores and unzips a package. Storing the same bytes twice
    /// reuses what is there. Returns when the files are durable.
    pub fn put(&self, zip: &[u8]) -> Result<CodeRef, CodeError> {
        let digest: [u8; 32] = Sha256::digest(zip).into();
        self.install(
            digest,
            zip.len() as u64,
            || Ok(io::Cursor::new(zip)),
            |blob| write_durably(&self.layout.blobs(), blob, zip),
        )
    }

    /// [`CodeStore::put`] for a package made of the files `pieces`, in
    /// order (an object's stored bodies, each named by its hex sha256): one
    /// piece is linked, not copied; several are joined into one file.
    pub fn put_files(&self, pieces: &[PathBuf]) -> Result<CodeRef, CodeError> {
        let blobs = self.layout.blobs();
        let tmp = blobs.join(format!(".tmp-{}", uuid::Uuid::new_v4()));
        let joined = || -> io::Result<([u8; 32], u64)> {
            let named = match pieces {
                [one] => one
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| hex::decode(n).ok())
                    .and_then(|d| <[u8; 32]>::try_from(d).ok()),
                _ => None,
            };
            if let (Some(digest), [one]) = (named, pieces) {
                fs::hard_link(one, &tmp).or_else(|_| fs::copy(one, &tmp).map(drop))?;
                return Ok((digest, fs::metadata(&tmp)?.len()));
            }
            let mut out = File::create(&tmp)?;
            let mut sha = Sha256::new();
            let mut size = 0u64;
            let mut buf = vec![0u8; 1 << 20];
            for p in pieces {
                let mut f = File::open(p)?;
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    sha.update(&buf[..n]);
                    out.write_all(&buf[..n])?;
                    size += n as u64;
                }
            }
            out.sync_all()?;
            Ok((sha.finalize().into(), size))
        };
        let result = joined()
            .map_err(|e| CodeError::Store(StoreError::from_io("joining a package", e)))
            .and_then(|(digest, size)| {
                self.install(
                    digest,
                    size,
                    || {
                        File::open(&tmp)
                            .map_err(|e| StoreError::from_io("reading a package", e).into())
                    },
                    |blob| {
                        fs::rename(&tmp, blob)
                            .map_err(|e| StoreError::from_io("storing a package", e))?;
                        sync_dir(&blobs)
                    },
                )
            });
        let _ = fs::remove_file(&tmp);
        result
    }

    /// Unzips a package (once) and keeps its zip (once).
    fn install<R: Read + io::Seek>(
        &self,
        digest: [u8; 32],
        size: u64,
        open: impl Fn() -> Result<R, CodeError>,
        keep: impl FnOnce(&Path) -> Result<(), StoreError>,
    ) -> Result<CodeRef, CodeError> {
        let sha256_hex = hex::encode(digest);
        let sha256_b64 = base64::engine::general_purpose::STANDARD.encode(digest);

        let dir = self.code_dir(&sha256_hex);
        let unzipped_size = if dir.is_dir() {
            unzipped_size(open()?)?
        } else {
            let tmp = self
                .layout
                .code()
                .join(format!(".tmp-{}", uuid::Uuid::new_v4()));
            let result = extract(open()?, &tmp);
            match result {
                Ok(size) => {
                    sync_tree(&tmp)?;
                    if let Err(e) = fs::rename(&tmp, &dir) {
                        let _ = fs::remove_dir_all(&tmp);
                        if !dir.is_dir() {
                            return Err(io_err(format!("installing {}", dir.display()))(e).into());
                        }
                    }
                    sync_dir(&self.layout.code())?;
                    size
                }
                Err(e) => {
                    let _ = fs::remove_dir_all(&tmp);
                    return Err(e);
                }
            }
        };

        let blob = self.zip_path(&sha256_hex);
        if !blob.is_file() {
            keep(&blob)?;
        }
        Ok(CodeRef {
            sha256_hex,
            sha256_b64,
            size,
            unzipped_size,
        })
    }

    /// Merges unzipped layers, in order (later ones win), into one folder
    /// under `opt/`, named by `key`. Files are hard links to the layers'
    /// files, so merging copies nothing. Returns the folder.
    pub fn merge_layers(&self, key: &str, layers: &[&CodeRef]) -> Result<PathBuf, CodeError> {
        let opt = self.layout.opt();
        let dest = opt.join(key);
        if dest.is_dir() {
            return Ok(dest);
        }
        fs::create_dir_all(&opt).map_err(|e| StoreError::from_io("creating opt folder", e))?;
        let tmp = opt.join(format!(".tmp-{}", uuid::Uuid::new_v4()));
        let merge = || -> io::Result<()> {
            fs::create_dir_all(&tmp)?;
            for layer in layers {
                link_tree(&self.code_dir(&layer.sha256_hex), &tmp)?;
            }
            fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
            match fs::rename(&tmp, &dest) {
                Ok(()) => Ok(()),
                Err(_) if dest.is_dir() => {
                    let _ = fs::remove_dir_all(&tmp);
                    Ok(())
                }
                Err(e) => Err(e),
            }
        };
        merge().map_err(|e| {
            let _ = fs::remove_dir_all(&tmp);
            StoreError::from_io(format!("merging layers into {}", dest.display()), e)
        })?;
        Ok(dest)
    }

    /// Removes a package's files (when no version uses it any more).
    pub fn remove(&self, code: &CodeRef) {
        let _ = fs::remove_file(self.zip_path(&code.sha256_hex));
        let _ = fs::remove_dir_all(self.code_dir(&code.sha256_hex));
    }
}

fn open_archive<R: Read + io::Seek>(zip: R) -> Result<zip::ZipArchive<R>, CodeError> {
    zip::ZipArchive::new(zip).map_err(|_| CodeError::Unzip(String::new()))
}

fn unzipped_size<R: Read + io::Seek>(zip: R) -> Result<u64, CodeError> {
    let mut archive = open_archive(zip)?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|_| CodeError::Unzip(String::new()))?;
        total = total.saturating_add(entry.size());
    }
    Ok(total)
}

const S_IFMT: u32 = 0o170000;
const S_IFLNK: u32 = 0o120000;

/// Unzips into `dest`, refusing entries that would land outside it, and
/// counting the bytes actually written against the unzipped limit.
fn extract<R: Read + io::Seek>(zip: R, dest: &Path) -> Result<u64, CodeError> {
    let mut archive = open_archive(zip)?;
    fs::create_dir_all(dest).map_err(|e| StoreError::from_io("creating code folder", e))?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| CodeError::Unzip(format!(" ({e})")))?;
        let raw_name = entry
            .name()
            .map_err(|e| CodeError::Unzip(format!(" ({e})")))?
            .into_owned();
        let rel = safe_relative(&raw_name).ok_or_else(|| {
            CodeError::Unzip(format!(" (entry '{raw_name}' is outside the package)"))
        })?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        let path = dest.join(&rel);
        let mode = entry.unix_mode();
        if entry.is_dir() {
            fs::create_dir_all(&path).map_err(|e| StoreError::from_io("unzipping", e))?;
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| StoreError::from_io("unzipping", e))?;
        }
        if mode.is_some_and(|m| m & S_IFMT == S_IFLNK) {
            let mut target = String::new();
            entry
                .by_ref()
                .take(4096)
                .read_to_string(&mut target)
                .map_err(|e| CodeError::Unzip(format!(" ({e})")))?;
            if !link_stays_inside(&rel, &target) {
                return Err(CodeError::Unzip(format!(
                    " (symbolic link '{raw_name}' points outside the package)"
                )));
            }
            std::os::unix::fs::symlink(&target, &path)
                .map_err(|e| StoreError::from_io("unzipping", e))?;
            continue;
        }
        let mut out = File::create(&path).map_err(|e| StoreError::from_io("unzipping", e))?;
        let budget = limits::UNZIPPED_MAX_BYTES - total;
        let written = io::copy(&mut entry.by_ref().take(budget + 1), &mut out)
            .map_err(|e| CodeError::Unzip(format!(" ({e})")))?;
        total += written;
        if total > limits::UNZIPPED_MAX_BYTES {
            return Err(CodeError::TooLarge);
        }
        // Everyone may read a function's files; execute bits are kept, as
        // a `bootstrap` needs them.
        let perm = mode.map_or(0o644, |m| (m & 0o755) | 0o444);
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(perm))
            .map_err(|e| StoreError::from_io("unzipping", e))?;
    }
    Ok(total)
}

/// The entry's path relative to the package root, or `None` if it is
/// absolute or climbs out.
fn safe_relative(name: &str) -> Option<PathBuf> {
    let name = name.replace('\\', "/");
    let path = Path::new(&name);
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Whether a symbolic link at `rel` with `target` resolves inside the root.
fn link_stays_inside(rel: &Path, target: &str) -> bool {
    if target.starts_with('/') {
        return false;
    }
    let mut depth: i64 = rel.components().count() as i64 - 1;
    for c in Path::new(target).components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// Mirrors `src` into `dest` with hard links, replacing what is there.
fn link_tree(src: &Path, dest: &Path) -> io::Result<()> {
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let target = dest.join(entry.file_name());
        if ty.is_dir() {
            if target.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
                fs::remove_file(&target)?;
            }
            fs::create_dir_all(&target)?;
            fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
            link_tree(&entry.path(), &target)?;
            continue;
        }
        if let Ok(m) = target.symlink_metadata() {
            if m.is_dir() {
                fs::remove_dir_all(&target)?;
            } else {
                fs::remove_file(&target)?;
            }
        }
        if ty.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path())?, &target)?;
        } else if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn write_durably(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4()));
    let write = || -> io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        StoreError::from_io(format!("writing {}", path.display()), e)
    })
}

fn sync_tree(dir: &Path) -> Result<(), StoreError> {
    let walk = |dir: &Path| -> io::Result<()> {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d)? {
                let entry = entry?;
                let ty = entry.file_type()?;
                if ty.is_dir() {
                    stack.push(entry.path());
                } else if ty.is_file() {
                    File::open(entry.path())?.sync_all()?;
                }
            }
            File::open(&d)?.sync_all()?;
        }
        Ok(())
    };
    walk(dir).map_err(|e| StoreError::from_io(format!("syncing {}", dir.display()), e))
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::from_io(format!("syncing {}", dir.display()), e))
}

impl StoreError {
    pub(crate) fn from_io(context: impl Into<String>, source: io::Error) -> StoreError {
        StoreError::Io {
            context: context.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use zip::write::SimpleFileOptions;

    fn make_zip(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, mode) in entries {
            w.start_file(*name, SimpleFileOptions::default().unix_permissions(*mode))
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn store() -> (tempfile::TempDir, CodeStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = CodeStore::open(Layout::new(dir.path())).unwrap();
        (dir, s)
    }

    #[test]
    fn stores_once_and_keeps_exec_bits() {
        let (_d, s) = store();
        let zip = make_zip(&[
            ("bootstrap", b"#!/bin/sh\n", 0o755),
            ("lib/a.txt", b"hi", 0o600),
        ]);
        let a = s.put(&zip).unwrap();
        let b = s.put(&zip).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.size, zip.len() as u64);
        assert_eq!(a.unzipped_size, 12);
        let dir = s.code_dir(&a.sha256_hex);
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join("bootstrap"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        let mode = fs::metadata(dir.join("lib/a.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
        assert!(s.zip_path(&a.sha256_hex).is_file());
    }

    #[test]
    fn refuses_garbage_and_escapes() {
        let (_d, s) = store();
        assert!(matches!(s.put(b"not a zip"), Err(CodeError::Unzip(_))));
        let zip = make_zip(&[("../evil", b"x", 0o644)]);
        assert!(matches!(s.put(&zip), Err(CodeError::Unzip(_))));
        let zip = make_zip(&[("/etc/evil", b"x", 0o644)]);
        assert!(matches!(s.put(&zip), Err(CodeError::Unzip(_))));
        // Nothing half-written stays behind.
        let leftovers: Vec<_> = fs::read_dir(s.layout.code()).unwrap().collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn refuses_links_out() {
        let (_d, s) = store();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.add_symlink("link", "../../etc/passwd", SimpleFileOptions::default())
            .unwrap();
        let zip = w.finish().unwrap().into_inner();
        assert!(matches!(s.put(&zip), Err(CodeError::Unzip(_))));
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.add_symlink("a/link", "../b", SimpleFileOptions::default())
            .unwrap();
        let zip = w.finish().unwrap().into_inner();
        assert!(s.put(&zip).is_ok());
    }

    #[test]
    fn merges_layers_in_order() {
        let (_d, s) = store();
        let a = s
            .put(&make_zip(&[
                ("python/x.py", b"a", 0o644),
                ("bin/tool", b"t", 0o755),
            ]))
            .unwrap();
        let b = s.put(&make_zip(&[("python/x.py", b"b", 0o644)])).unwrap();
        let dir = s.merge_layers("k", &[&a, &b]).unwrap();
        assert_eq!(fs::read(dir.join("python/x.py")).unwrap(), b"b");
        assert_eq!(fs::read(dir.join("bin/tool")).unwrap(), b"t");
        // The layers themselves are untouched.
        assert_eq!(
            fs::read(s.code_dir(&a.sha256_hex).join("python/x.py")).unwrap(),
            b"a"
        );
    }

    #[test]
    fn link_rules() {
        assert!(link_stays_inside(Path::new("a/b"), "c"));
        assert!(link_stays_inside(Path::new("a/b"), "../c"));
        assert!(!link_stays_inside(Path::new("a/b"), "../../c"));
        assert!(!link_stays_inside(Path::new("b"), "/etc/passwd"));
    }
}
