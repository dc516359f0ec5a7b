//! Zip extraction of arbitrary bytes: an error or a package inside its own
//! folder, never a panic or a file outside the data directory.
#![no_main]

use std::sync::LazyLock;

use lambdalite_store::{CodeStore, Layout};
use libfuzzer_sys::fuzz_target;

static DIR: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());
static STORE: LazyLock<CodeStore> =
    LazyLock::new(|| CodeStore::open(Layout::new(DIR.path())).unwrap());

fuzz_target!(|data: &[u8]| {
    let _ = STORE.put(data);
});
