//! The SQLite store on a real database file: durability across reopening,
//! revision checks, and concurrent writers.

use std::collections::BTreeMap;
use std::sync::Arc;

use lambdalite_model::config::{CodeRef, FunctionConfig, FunctionState, LoggingConfig, LATEST};
use lambdalite_store::{Change, SqliteStore, Store, StoreError};

fn config(name: &str, revision: &str) -> FunctionConfig {
    FunctionConfig {
        name: name.into(),
        version: LATEST.into(),
        runtime: Some("python3.12".into()),
        role: "arn:aws:iam::000000000000:role/r".into(),
        handler: Some("app.handler".into()),
        description: String::new(),
        timeout: 3,
        memory_size: 128,
        environment: None,
        ephemeral_storage: 512,
        architecture: "x86_64".into(),
        tracing_mode: "PassThrough".into(),
        code: CodeRef {
            sha256_hex: "ab".into(),
            sha256_b64: "qw==".into(),
            size: 1,
            unzipped_size: 1,
        },
        last_modified: "2026-11-26T13:47:05.123+0000".into(),
        revision_id: revision.into(),
        state: FunctionState::Active,
        kms_key_arn: None,
        dead_letter_target: None,
        logging: LoggingConfig::default(),
        layers: Vec::new(),
    }
}

#[test]
fn survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lambdalite.db");
    {
        let store = SqliteStore::open(&db).unwrap();
        let tags = BTreeMap::from([("k".to_string(), "v".to_string())]);
        store.create(config("a", "r1"), None, tags).unwrap();
        store
            .create(config("b", "r1"), None, BTreeMap::new())
            .unwrap();
        store
            .update("a", &mut |rec| {
                let mut n = (*rec.latest).clone();
                n.memory_size = 512;
                n.revision_id = "r2".into();
                let mut v1 = n.clone();
                v1.version = "1".into();
                Ok(vec![Change::PutLatest(n), Change::PutVersion(v1)])
            })
            .unwrap();
        store.delete("b").unwrap();
    }
    let store = SqliteStore::open(&db).unwrap();
    let names: Vec<_> = store.list().iter().map(|f| f.latest.name.clone()).collect();
    assert_eq!(names, ["a"]);
    let a = store.get("a").unwrap();
    assert_eq!(a.latest.memory_size, 512);
    assert_eq!(a.latest.revision_id, "r2");
    assert_eq!(a.tags["k"], "v");
    assert_eq!(a.last_version, 1);
    assert_eq!(a.versions[&1].memory_size, 512);
}

#[test]
fn refused_updates_and_missing_functions() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("db")).unwrap();
    store
        .create(config("a", "r1"), None, BTreeMap::new())
        .unwrap();
    let refused = store.update("a", &mut |_| {
        Err(lambdalite_model::LambdaError::stale_revision())
    });
    assert!(matches!(refused, Err(StoreError::Rejected(_))));
    let missing = store.update("zz", &mut |_| Ok(vec![]));
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
    assert!(matches!(store.delete("zz"), Err(StoreError::NotFound(_))));
}

#[test]
fn concurrent_creates_have_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("db")).unwrap());
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let s = store.clone();
            std::thread::spawn(move || s.create(config("same", "r"), None, BTreeMap::new()).is_ok())
        })
        .collect();
    let wins = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|won| *won)
        .count();
    assert_eq!(wins, 1);
    assert_eq!(store.list().len(), 1);
}

#[test]
fn apis_survive_reopening() {
    use lambdalite_store::ApiRecord;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lambdalite.db");
    let api = |id: &str, title: &str| ApiRecord {
        id: id.into(),
        definition: serde_json::json!({"openapi": "3.0.1", "info": {"title": title}}),
        created: "2026-11-26T13:47:05.123+0000".into(),
        last_modified: "2026-11-26T13:47:05.123+0000".into(),
    };
    {
        let store = SqliteStore::open(&db).unwrap();
        store.put_api(api("one", "first")).unwrap();
        store.put_api(api("two", "second")).unwrap();
        store.put_api(api("one", "replaced")).unwrap();
        assert!(store.delete_api("two").unwrap().is_some());
        assert!(store.delete_api("two").unwrap().is_none());
    }
    let store = SqliteStore::open(&db).unwrap();
    let ids: Vec<_> = store.apis().iter().map(|a| a.id.clone()).collect();
    assert_eq!(ids, ["one"]);
    assert_eq!(
        store.api("one").unwrap().definition["info"]["title"],
        "replaced"
    );
    assert!(store.api("two").is_none());
}
