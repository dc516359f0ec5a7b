//! Zip extraction (`CodeStore::put`) on damaged and hostile archives: an
//! error or a package whose files stay inside its folder, never a panic.
//! The same inputs as fuzz/fuzz_targets/code_put.rs, with fixed seeds.

use std::io::Write;

use lambdalite_store::{CodeStore, Layout};

/// xorshift64*: enough randomness for mutations, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        for (name, data) in entries {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.start_file(*name, opts).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}

#[test]
fn damaged_and_hostile_archives() {
    let dir = tempfile::tempdir().unwrap();
    let store = CodeStore::open(Layout::new(dir.path())).unwrap();
    let seeds = [
        zip_of(&[("app.py", b"def handler(e, c):\n    return e\n")]),
        zip_of(&[("../escape.txt", b"x"), ("ok.txt", b"y")]),
        zip_of(&[("/abs/path.txt", b"x")]),
        zip_of(&[("a/../../b.txt", b"x"), ("dir/", b""), ("dir/f", b"z")]),
        zip_of(&[("C:\\win.txt", b"x"), ("nul\u{0}byte", b"y")]),
        Vec::new(),
        b"PK\x03\x04".to_vec(),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..600 {
        let mut data = seeds[round % seeds.len()].clone();
        for _ in 0..rng.below(8) {
            if data.is_empty() {
                break;
            }
            let i = rng.below(data.len());
            match rng.below(3) {
                0 => data[i] = rng.next() as u8,
                1 => data.truncate(i),
                _ => data.insert(i, rng.next() as u8),
            }
        }
        let _ = store.put(&data);
    }
    // Nothing was written outside the data directory's own folders.
    let root = dir.path().canonicalize().unwrap();
    for p in files_under(&root) {
        assert!(p.starts_with(&root), "{} escaped", p.display());
        assert_ne!(
            p.file_name().unwrap(),
            "escape.txt",
            "{} escaped",
            p.display()
        );
    }
    assert!(!dir.path().parent().unwrap().join("escape.txt").exists());
    assert!(!std::path::Path::new("/abs/path.txt").exists());
}
