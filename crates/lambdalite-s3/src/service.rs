//! The S3 operations: buckets, objects, multipart uploads, tags and
//! notification configurations, on the state in memory and its documents.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use axum::body::Body;
use http::{HeaderMap, Method, Response, StatusCode};
use lambdalite_events::outbox::{Outbox, Parcel};
use lambdalite_events::{Deliverer, Endpoint};
use lambdalite_protocol::sigv4::Payload;
use lambdalite_protocol::xml::Xml;
use lambdalite_store::docs::{Doc, DocOp, DocStore};
use lambdalite_store::objects::Blobs;
use md5::{Digest, Md5};

use crate::body::{self, Expect};
use crate::checksum::{self, Algorithm};
use crate::error::S3Error;
use crate::model::*;
use crate::notify::{self, Kind, NotificationConfig, ObjectEvent};
use crate::wire::{self, header, iso, Query, Range, XMLNS};

/// The largest object one PUT may send (AWS: 5 GiB).
const PUT_MAX_BYTES: u64 = 5 * 1024 * 1024 * 1024;
/// The smallest part but the last (AWS: 5 MiB).
const PART_MIN_BYTES: u64 = 5 * 1024 * 1024;
const PART_NUMBER_MAX: u32 = 10_000;
/// The largest XML document a request may send.
const XML_MAX_BYTES: usize = 2 * 1024 * 1024;

#[derive(Default)]
pub(crate) struct State {
    buckets: BTreeMap<String, BucketState>,
    uploads: HashMap<String, UploadState>,
}

struct BucketState {
    meta: Bucket,
    objects: BTreeMap<String, Arc<Object>>,
    /// When each key was last deleted, since start (a conditional
    /// CompleteMultipartUpload conflicts with a delete after its start).
    deleted_ms: HashMap<String, i64>,
}

struct UploadState {
    upload: Upload,
    parts: BTreeMap<u32, Part>,
}

/// One S3 request as the listener hands it over.
pub struct S3Request<'a> {
    pub parts: &'a http::request::Parts,
    /// The body, taken once by the operation that reads it.
    pub body: std::sync::Mutex<Option<Body>>,
    /// What the (verified) signature says of the body.
    pub payload: Payload,
    pub request_id: &'a str,
    /// The caller's address (notifications' `sourceIPAddress`).
    pub source_ip: String,
    /// The caller's principal id (notifications' `userIdentity`).
    pub principal: String,
}

impl S3Request<'_> {
    fn take_body(&self) -> Body {
        self.body
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_else(Body::empty)
    }
}

/// The S3 service.
pub struct S3 {
    account: String,
    region: String,
    owner_id: String,
    store: DocStore,
    blobs: Blobs,
    state: Arc<RwLock<State>>,
    outbox: Arc<Outbox>,
    /// The last sequencer handed out.
    sequencer: AtomicU64,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// S3 keeps times to the second.
fn now_s_ms() -> i64 {
    now_ms() / 1000 * 1000
}

type Answer = Result<Response<Body>, S3Error>;

impl S3 {
    /// S3 over what `store` and `blobs` kept.
    pub fn new(
        account: &str,
        region: &str,
        store: DocStore,
        docs: Vec<Doc>,
        blobs: Blobs,
        deliverer: Arc<Deliverer>,
    ) -> Arc<S3> {
        let mut state = State::default();
        let mut parcels = Vec::new();
        let mut objects = Vec::new();
        let mut parts = Vec::new();
        for d in docs {
            match d.kind.as_str() {
                BUCKET => {
                    if let Some(b) = d.decode::<Bucket>() {
                        state.buckets.insert(
                            b.name.clone(),
                            BucketState {
                                meta: b,
                                objects: BTreeMap::new(),
                                deleted_ms: HashMap::new(),
                            },
                        );
                    }
                }
                OBJECT => {
                    if let (Some(o), Some((bucket, _))) =
                        (d.decode::<Object>(), d.key.split_once('/'))
                    {
                        objects.push((bucket.to_string(), o));
                    }
                }
                UPLOAD => {
                    if let Some(u) = d.decode::<Upload>() {
                        state.uploads.insert(
                            u.id.clone(),
                            UploadState {
                                upload: u,
                                parts: BTreeMap::new(),
                            },
                        );
                    }
                }
                PART => parts.extend(d.decode::<Part>()),
                PARCEL => parcels.extend(d.decode::<Parcel>()),
                _ => {}
            }
        }
        for (bucket, o) in objects {
            if let Some(b) = state.buckets.get_mut(&bucket) {
                for p in &o.pieces {
                    blobs.retain(&p.sha256);
                }
                b.objects.insert(o.key.clone(), Arc::new(o));
            }
        }
        for p in parts {
            if let Some(u) = state.uploads.get_mut(&p.upload_id) {
                blobs.retain(&p.piece.sha256);
                u.parts.insert(p.number, p);
            }
        }
        match blobs.sweep() {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "unreferenced object bodies removed"),
            Err(e) => tracing::warn!(error = %e, "sweeping object bodies failed"),
        }
        let outbox = Outbox::new(store.clone(), PARCEL, deliverer);
        outbox.resume(parcels);
        use sha2::Digest as _;
        let owner_id = hex::encode(sha2::Sha256::digest(format!("lambdalite-owner-{account}")));
        Arc::new(S3 {
            account: account.to_string(),
            region: region.to_string(),
            owner_id,
            store,
            blobs,
            state: Arc::new(RwLock::new(state)),
            outbox,
            sequencer: AtomicU64::new(0),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a bucket of this name exists (unsigned path-style requests
    /// are told from the Lambda API's by it).
    pub fn has_bucket(&self, name: &str) -> bool {
        self.read().buckets.contains_key(name)
    }

    /// The stored pieces of an object (code packages deploy from them),
    /// each referenced until `release_pieces`.
    pub fn lease_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Vec<std::path::PathBuf>, S3Error> {
        let st = self.read();
        let b = st
            .buckets
            .get(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        let o = b
            .objects
            .get(key)
            .ok_or_else(|| S3Error::no_such_key(key))?;
        for p in &o.pieces {
            self.blobs.retain(&p.sha256);
        }
        Ok(o.pieces
            .iter()
            .map(|p| self.blobs.path(&p.sha256))
            .collect())
    }

    /// Gives back what [`S3::lease_object`] took.
    pub fn release_pieces(&self, paths: &[std::path::PathBuf]) {
        for p in paths {
            if let Some(name) = p.file_name().and_then(|n| n.to_str()) {
                self.blobs.release(name);
            }
        }
    }

    /// Commits `ops`, then applies `change` to the state in the commit's
    /// order (on the writer thread), so memory never runs ahead of the
    /// store or reorders its changes.
    async fn commit(
        &self,
        ops: Vec<DocOp>,
        change: impl FnOnce(&mut State, &Blobs) + Send + 'static,
    ) -> Result<(), S3Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = self.state.clone();
        let blobs = self.blobs.clone();
        self.store
            .apply_then(
                DocOp::Batch(ops),
                Box::new(move |r| {
                    if r.is_ok() {
                        let mut st = state.write().unwrap_or_else(|e| e.into_inner());
                        change(&mut st, &blobs);
                    }
                    let _ = tx.send(r);
                }),
            )
            .map_err(|_| S3Error::internal())?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            _ => Err(S3Error::internal()),
        }
    }

    fn next_sequencer(&self) -> String {
        let now = (now_ms() as u64) << 16;
        let mut cur = self.sequencer.load(Ordering::Relaxed);
        loop {
            let next = now.max(cur + 1);
            match self
                .sequencer
                .compare_exchange(cur, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return format!("{next:018X}"),
                Err(c) => cur = c,
            }
        }
    }

    /// Serves one request.
    pub async fn handle(self: &Arc<Self>, req: S3Request<'_>) -> Response<Body> {
        let head = req.parts.method == Method::HEAD;
        let request_id = req.request_id.to_string();
        match self.route(req).await {
            Ok(r) => r,
            Err(e) => {
                let (parts, body) = e.response(&request_id, head).into_parts();
                Response::from_parts(parts, Body::from(body))
            }
        }
    }

    async fn route(self: &Arc<Self>, req: S3Request<'_>) -> Answer {
        let host = header(&req.parts.headers, "host").unwrap_or("");
        let host_bucket = wire::host_bucket(host);
        let (bucket, key) = wire::target(host_bucket.as_deref(), req.parts.uri.path());
        let q = Query::parse(req.parts.uri.query());
        let m = req.parts.method.clone();
        let Some(bucket) = bucket else {
            return match m {
                Method::GET => self.list_buckets(&req, &q),
                _ => Err(S3Error::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "MethodNotAllowed",
                    "The specified method is not allowed against this resource.",
                )),
            };
        };
        for unsupported in [
            "versioning",
            "policy",
            "cors",
            "lifecycle",
            "acl",
            "website",
            "encryption",
            "replication",
            "logging",
            "object-lock",
            "accelerate",
            "requestPayment",
            "ownershipControls",
            "publicAccessBlock",
            "intelligent-tiering",
            "inventory",
            "metrics",
            "analytics",
            "restore",
            "select",
            "retention",
            "legal-hold",
            "torrent",
        ] {
            if q.has(unsupported) {
                return self.unsupported(&m, &bucket, key.as_deref(), unsupported, &req);
            }
        }
        match key {
            None => match m {
                Method::PUT if q.has("tagging") => self.put_bucket_tagging(&bucket, req).await,
                Method::PUT if q.has("notification") => self.put_notification(&bucket, req).await,
                Method::PUT => self.create_bucket(&bucket, req).await,
                Method::HEAD => self.head_bucket(&bucket, &req),
                Method::GET if q.has("location") => self.get_location(&bucket, &req),
                Method::GET if q.has("tagging") => self.get_bucket_tagging(&bucket, &req),
                Method::GET if q.has("notification") => self.get_notification(&bucket, &req),
                Method::GET if q.has("uploads") => self.list_uploads(&bucket, &q, &req),
                Method::GET if q.has("versions") => self.list_versions(&bucket, &q, &req),
                Method::GET if q.get("list-type") == Some("2") => {
                    self.list_objects(&bucket, &q, &req, true)
                }
                Method::GET => self.list_objects(&bucket, &q, &req, false),
                Method::DELETE if q.has("tagging") => {
                    self.delete_bucket_tagging(&bucket, &req).await
                }
                Method::DELETE => self.delete_bucket(&bucket, &req).await,
                Method::POST if q.has("delete") => self.delete_objects(&bucket, req).await,
                Method::POST => self.post_object(&bucket, req).await,
                _ => Err(method_not_allowed()),
            },
            Some(key) => match m {
                Method::PUT if q.has("tagging") => {
                    self.put_object_tagging(&bucket, &key, req).await
                }
                Method::PUT if q.has("partNumber") && q.has("uploadId") => {
                    self.upload_part(&bucket, &key, &q, req).await
                }
                Method::PUT if req.parts.headers.contains_key("x-amz-copy-source") => {
                    self.copy_object(&bucket, &key, req).await
                }
                Method::PUT => self.put_object(&bucket, &key, req).await,
                Method::GET if q.has("tagging") => self.get_object_tagging(&bucket, &key, &req),
                Method::GET if q.has("attributes") => {
                    self.get_object_attributes(&bucket, &key, &req)
                }
                Method::GET if q.has("uploadId") => self.list_parts(&bucket, &key, &q, &req),
                Method::GET | Method::HEAD => self.get_object(&bucket, &key, &q, &req),
                Method::DELETE if q.has("tagging") => {
                    self.delete_object_tagging(&bucket, &key, &req).await
                }
                Method::DELETE if q.has("uploadId") => {
                    self.abort_upload(&bucket, &key, &q, &req).await
                }
                Method::DELETE => self.delete_object(&bucket, &key, &q, &req).await,
                Method::POST if q.has("uploads") => self.create_upload(&bucket, &key, &req).await,
                Method::POST if q.has("uploadId") => {
                    self.complete_upload(&bucket, &key, &q, req).await
                }
                _ => Err(method_not_allowed()),
            },
        }
    }

    fn unsupported(
        &self,
        m: &Method,
        bucket: &str,
        key: Option<&str>,
        what: &str,
        req: &S3Request<'_>,
    ) -> Answer {
        self.bucket_exists(bucket)?;
        // Answers a reader of an unversioned bucket gets from AWS.
        if *m == Method::GET && key.is_none() && what == "versioning" {
            let mut x = Xml::new_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            x.open("VersioningConfiguration", Some(XMLNS))
                .close("VersioningConfiguration");
            return Ok(wire::xml_response(
                StatusCode::OK,
                req.request_id,
                x.finish(),
            ));
        }
        Err(S3Error::not_implemented(&format!("?{what}")))
    }

    fn bucket_exists(&self, bucket: &str) -> Result<(), S3Error> {
        if self.read().buckets.contains_key(bucket) {
            Ok(())
        } else {
            Err(S3Error::no_such_bucket(bucket))
        }
    }

    fn doc() -> Xml {
        Xml::new_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    }

    fn owner(&self, x: &mut Xml, tag: &str) {
        x.open(tag, None).leaf("ID", &self.owner_id).close(tag);
    }

    /// An upload's `Initiator`, which AWS shows with a display name.
    fn initiator(&self, x: &mut Xml) {
        x.open("Initiator", None)
            .leaf("ID", &self.owner_id)
            .leaf("DisplayName", "lambdalite")
            .close("Initiator");
    }

    // ---- buckets ----

    fn list_buckets(&self, req: &S3Request<'_>, q: &Query) -> Answer {
        let prefix = q.get("prefix").unwrap_or("");
        let region_filter = q.get("bucket-region").filter(|r| !r.is_empty());
        if let Some(r) = region_filter {
            if !valid_region(r) {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidArgument",
                    format!("Argument value {r} is not a valid AWS Region"),
                )
                .with("ArgumentName", "bucket-region"));
            }
        }
        let max: usize = match q.get("max-buckets") {
            None => 10_000,
            Some(m) => match m.parse::<usize>() {
                Ok(n) if (1..=10_000).contains(&n) => n,
                _ => {
                    return Err(S3Error::invalid_argument(
                        "Argument max-buckets must be an integer between 1 and 10000",
                        "max-buckets",
                        m,
                    ))
                }
            },
        };
        let after = q
            .get("continuation-token")
            .filter(|t| !t.is_empty())
            .and_then(decode_token)
            .unwrap_or_default();
        let with_region = q.has("max-buckets") || q.has("prefix") || region_filter.is_some();
        let st = self.read();
        let mut x = Self::doc();
        x.open("ListAllMyBucketsResult", Some(XMLNS));
        x.open("Buckets", None);
        let mut listed = Vec::new();
        let mut more = false;
        for b in st.buckets.values().filter(|b| {
            b.meta.name.starts_with(prefix)
                && b.meta.name > after
                && region_filter.is_none_or(|r| b.meta.region == r)
        }) {
            if listed.len() == max {
                more = true;
                break;
            }
            x.open("Bucket", None)
                .leaf("Name", &b.meta.name)
                .leaf("CreationDate", &iso(b.meta.created_ms))
                .leaf("BucketArn", &format!("arn:aws:s3:::{}", b.meta.name));
            if with_region {
                x.leaf("BucketRegion", &b.meta.region);
            }
            x.close("Bucket");
            listed.push(b.meta.name.clone());
        }
        x.close("Buckets");
        self.owner(&mut x, "Owner");
        if more {
            if let Some(last) = listed.last() {
                x.leaf("ContinuationToken", &encode_token(last));
            }
        }
        if q.has("prefix") {
            x.leaf("Prefix", prefix);
        }
        x.close("ListAllMyBucketsResult");
        Ok(wire::xml_response(
            StatusCode::OK,
            req.request_id,
            x.finish(),
        ))
    }

    async fn create_bucket(&self, bucket: &str, req: S3Request<'_>) -> Answer {
        check_bucket_name(bucket)?;
        let request_id = req.request_id.to_string();
        // The endpoint's region is the one the request was signed for.
        let endpoint = signing_region(&req.parts.headers, req.parts.uri.query())
            .unwrap_or_else(|| self.region.clone());
        let body = body::read_small(req.take_body(), XML_MAX_BYTES).await?;
        let mut constraint: Option<String> = None;
        let mut tags: Option<Vec<(String, String)>> = None;
        let configured = !body.iter().all(|b| b.is_ascii_whitespace());
        if configured {
            let doc = wire::parse_xml(&body)?;
            let root = doc.root_element();
            constraint = wire::child_text(root, "LocationConstraint")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            let list = wire::children(root, "Tags").next();
            if let Some(t) = list {
                tags = Some(parse_tag_list(t, 50)?);
            }
        }
        let says_something = constraint.is_some() || tags.as_ref().is_some_and(|t| !t.is_empty());
        let region = match (endpoint.as_str(), constraint.as_deref()) {
            ("us-east-1", None) => "us-east-1".to_string(),
            ("us-east-1", Some(c)) if c == "us-east-1" || !valid_region(c) => {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidLocationConstraint",
                    "The specified location-constraint is not valid",
                )
                .with("LocationConstraint", c));
            }
            ("us-east-1", Some(c)) => c.to_string(),
            (e, Some(c)) if c == e || (c == "EU" && e == "eu-west-1") => c.to_string(),
            (_, c) => {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "IllegalLocationConstraintException",
                    format!(
                        "The {} location constraint is incompatible for the region specific \
                         endpoint this request was sent to.",
                        c.unwrap_or("unspecified")
                    ),
                ));
            }
        };
        let created = |status| {
            let mut b = wire::base(status, &request_id)
                .header("x-amz-bucket-arn", format!("arn:aws:s3:::{bucket}"));
            b = if region == "us-east-1" {
                b.header("Location", format!("/{bucket}"))
            } else {
                b.header("Location", format!("http://{bucket}.s3.amazonaws.com/"))
            };
            b.body(Body::empty()).unwrap_or_default()
        };
        if let Some(existing) = self.read().buckets.get(bucket) {
            // us-east-1 answers its owner's plain re-create with 200.
            if existing.meta.region == "us-east-1" && endpoint == "us-east-1" && !says_something {
                return Ok(created(StatusCode::OK));
            }
            return Err(S3Error::new(
                StatusCode::CONFLICT,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .with("BucketName", bucket));
        }
        let meta = Bucket {
            name: bucket.to_string(),
            region: region.clone(),
            created_ms: now_s_ms(),
            tags: tags.filter(|t| !t.is_empty()),
            notification: NotificationConfig::default(),
        };
        let op = DocOp::put_json(BUCKET, bucket, &meta);
        self.commit(vec![op], move |st, _| {
            st.buckets.entry(meta.name.clone()).or_insert(BucketState {
                meta,
                objects: BTreeMap::new(),
                deleted_ms: HashMap::new(),
            });
        })
        .await?;
        Ok(created(StatusCode::OK))
    }

    fn head_bucket(&self, bucket: &str, req: &S3Request<'_>) -> Answer {
        let st = self.read();
        let b = st
            .buckets
            .get(bucket)
            .ok_or_else(|| S3Error::new(StatusCode::NOT_FOUND, "NoSuchBucket", "Not Found"))?;
        Ok(wire::base(StatusCode::OK, req.request_id)
            .header(http::header::CONTENT_TYPE, "application/xml")
            .header("x-amz-access-point-alias", "false")
            .header("x-amz-bucket-arn", format!("arn:aws:s3:::{bucket}"))
            .header("x-amz-bucket-region", &b.meta.region)
            .body(Body::empty())
            .unwrap_or_default())
    }

    fn get_location(&self, bucket: &str, req: &S3Request<'_>) -> Answer {
        let st = self.read();
        let b = st
            .buckets
            .get(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        let mut x = Self::doc();
        x.open("LocationConstraint", Some(XMLNS));
        if b.meta.region != "us-east-1" {
            x.text(&b.meta.region);
        }
        x.close("LocationConstraint");
        Ok(wire::xml_response(
            StatusCode::OK,
            req.request_id,
            x.finish(),
        ))
    }

    async fn delete_bucket(&self, bucket: &str, req: &S3Request<'_>) -> Answer {
        {
            let st = self.read();
            let b = st
                .buckets
                .get(bucket)
                .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
            if !b.objects.is_empty() {
                return Err(S3Error::new(
                    StatusCode::CONFLICT,
                    "BucketNotEmpty",
                    "The bucket you tried to delete is not empty",
                )
                .with("BucketName", bucket));
            }
        }
        // Uploads in progress go with the bucket.
        let uploads: Vec<(String, Vec<(u32, String)>)> = self
            .read()
            .uploads
            .values()
            .filter(|u| u.upload.bucket == bucket)
            .map(|u| {
                (
                    u.upload.id.clone(),
                    u.parts
                        .values()
                        .map(|p| (p.number, p.piece.sha256.clone()))
                        .collect(),
                )
            })
            .collect();
        let mut ops = vec![DocOp::delete(BUCKET, bucket)];
        for (id, parts) in &uploads {
            ops.push(DocOp::delete(UPLOAD, id));
            for (n, _) in parts {
                ops.push(DocOp::delete(PART, &part_doc_key(id, *n)));
            }
        }
        let name = bucket.to_string();
        self.commit(ops, move |st, blobs| {
            st.buckets.remove(&name);
            for (id, _) in uploads {
                if let Some(u) = st.uploads.remove(&id) {
                    for p in u.parts.values() {
                        blobs.release(&p.piece.sha256);
                    }
                }
            }
        })
        .await?;
        Ok(wire::empty(StatusCode::NO_CONTENT, req.request_id))
    }

    async fn put_bucket_tagging(&self, bucket: &str, req: S3Request<'_>) -> Answer {
        self.bucket_exists(bucket)?;
        let request_id = req.request_id.to_string();
        let body = body::read_small(req.take_body(), XML_MAX_BYTES).await?;
        let tags = parse_tagging(&body, 50)?;
        // An empty set deletes the tags.
        self.update_bucket(bucket, move |b| {
            b.tags = Some(tags).filter(|t| !t.is_empty())
        })
        .await?;
        Ok(wire::empty(StatusCode::NO_CONTENT, &request_id))
    }

    async fn update_bucket(
        &self,
        bucket: &str,
        change: impl FnOnce(&mut Bucket),
    ) -> Result<(), S3Error> {
        let mut meta = self
            .read()
            .buckets
            .get(bucket)
            .map(|b| b.meta.clone())
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        change(&mut meta);
        let op = DocOp::put_json(BUCKET, bucket, &meta);
        self.commit(vec![op], move |st, _| {
            if let Some(b) = st.buckets.get_mut(&meta.name) {
                b.meta = meta;
            }
        })
        .await
    }

    fn get_bucket_tagging(&self, bucket: &str, req: &S3Request<'_>) -> Answer {
        let st = self.read();
        let b = st
            .buckets
            .get(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        let Some(tags) = &b.meta.tags else {
            return Err(S3Error::new(
                StatusCode::NOT_FOUND,
                "NoSuchTagSet",
                "The TagSet does not exist",
            )
            .with("BucketName", bucket));
        };
        Ok(wire::xml_response(
            StatusCode::OK,
            req.request_id,
            tagging_xml(tags),
        ))
    }

    async fn delete_bucket_tagging(&self, bucket: &str, req: &S3Request<'_>) -> Answer {
        self.update_bucket(bucket, |b| b.tags = None).await?;
        Ok(wire::empty(StatusCode::NO_CONTENT, req.request_id))
    }

    // ---- notifications ----

    async fn put_notification(&self, bucket: &str, req: S3Request<'_>) -> Answer {
        self.bucket_exists(bucket)?;
        let request_id = req.request_id.to_string();
        let body = body::read_small(req.take_body(), XML_MAX_BYTES).await?;
        let doc = wire::parse_xml(&body)?;
        let config = NotificationConfig::parse(&doc)?;
        let skip = header(&req.parts.headers, "x-amz-skip-destination-validation")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if !skip {
            self.validate_destinations(bucket, &config)?;
        }
        // A test event goes to each queue and topic, as AWS sends it.
        let test = notify::test_event(bucket, &iso(now_ms()), &request_id).to_string();
        let mut parcels = Vec::new();
        for d in &config.destinations {
            let endpoint = match d.kind {
                Kind::Queue => Endpoint::Queue(d.arn.clone()),
                Kind::Topic => Endpoint::Topic(d.arn.clone()),
                Kind::Function => continue,
            };
            parcels.push(self.parcel(endpoint, test.clone(), bucket));
        }
        let mut meta = self
            .read()
            .buckets
            .get(bucket)
            .map(|b| b.meta.clone())
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        meta.notification = config;
        let mut ops: Vec<DocOp> = parcels
            .iter()
            .map(|p| DocOp::put_json(PARCEL, &p.id, p))
            .collect();
        ops.push(DocOp::put_json(BUCKET, bucket, &meta));
        self.commit(ops, move |st, _| {
            if let Some(b) = st.buckets.get_mut(&meta.name) {
                b.meta = meta;
            }
        })
        .await?;
        self.outbox.resume(parcels);
        Ok(wire::empty(StatusCode::OK, &request_id))
    }

    /// Every destination that does not exist, or (a function) does not
    /// let S3 invoke it, numbered as AWS reports them.
    fn validate_destinations(&self, bucket: &str, c: &NotificationConfig) -> Result<(), S3Error> {
        let deliverer = self.outbox.deliverer();
        let mut e = S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            "Unable to validate the following destination configurations",
        );
        let mut bad = 0;
        for d in &c.destinations {
            let failed = match d.kind {
                Kind::Queue => (!deliverer.queue_exists(&d.arn)).then(|| {
                    (
                        d.arn.clone(),
                        "The destination queue does not exist".to_string(),
                    )
                }),
                Kind::Topic => (!deliverer.topic_exists(&d.arn)).then(|| {
                    (
                        d.arn.clone(),
                        "The destination topic does not exist".to_string(),
                    )
                }),
                Kind::Function => (!deliverer.function_permits(
                    &d.arn,
                    "s3.amazonaws.com",
                    &format!("arn:aws:s3:::{bucket}"),
                ))
                .then(|| {
                    (
                        format!("{}, null", d.arn),
                        format!("Not authorized to invoke function [{}]", d.arn),
                    )
                }),
            };
            if let Some((name, value)) = failed {
                bad += 1;
                e = e
                    .with(format!("ArgumentName{bad}"), name)
                    .with(format!("ArgumentValue{bad}"), value);
            }
        }
        if bad > 0 {
            return Err(e);
        }
        Ok(())
    }

    fn get_notification(&self, bucket: &str, req: &S3Request<'_>) -> Answer {
        let st = self.read();
        let b = st
            .buckets
            .get(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        let mut x = Self::doc();
        x.open("NotificationConfiguration", Some(XMLNS));
        b.meta.notification.write(&mut x);
        x.close("NotificationConfiguration");
        Ok(wire::xml_response(
            StatusCode::OK,
            req.request_id,
            x.finish(),
        ))
    }

    fn parcel(&self, endpoint: Endpoint, body: String, bucket: &str) -> Parcel {
        Parcel {
            id: uuid::Uuid::new_v4().to_string(),
            endpoint,
            body,
            attributes: Vec::new(),
            group: None,
            subject: Some("Amazon S3 Notification".into()),
            principal: "s3.amazonaws.com".into(),
            source_arn: format!("arn:aws:s3:::{bucket}"),
            retries: 3,
            max_age_secs: 6 * 3600,
            created_ms: now_ms(),
            dead_letter: None,
        }
    }

    /// The parcels an event on an object makes.
    fn event_parcels(
        &self,
        bucket: &Bucket,
        event: &str,
        key: &str,
        object: Option<&Object>,
        req: &S3Request<'_>,
    ) -> Vec<Parcel> {
        let full = format!("s3:{event}");
        let matching: Vec<_> = bucket.notification.matching(&full, key).cloned().collect();
        if matching.is_empty() {
            return Vec::new();
        }
        let etag = object.map(|o| o.etag.trim_matches('"').to_string());
        let e = ObjectEvent {
            name: event,
            bucket: &bucket.name,
            key,
            size: object.map(|o| o.size),
            etag: etag.as_deref(),
            sequencer: &self.next_sequencer(),
            time: &iso(now_ms()),
            region: &bucket.region,
            request_id: req.request_id,
            source_ip: &req.source_ip,
            principal: &req.principal,
        };
        matching
            .iter()
            .map(|d| {
                let body = notify::record(&e, &d.id, &self.owner_principal()).to_string();
                let endpoint = match d.kind {
                    Kind::Function => Endpoint::Function(d.arn.clone()),
                    Kind::Queue => Endpoint::Queue(d.arn.clone()),
                    Kind::Topic => Endpoint::Topic(d.arn.clone()),
                };
                self.parcel(endpoint, body, &bucket.name)
            })
            .collect()
    }

    fn owner_principal(&self) -> String {
        self.account.clone()
    }

    // ---- objects ----

    fn bucket_meta(&self, bucket: &str) -> Result<Bucket, S3Error> {
        self.read()
            .buckets
            .get(bucket)
            .map(|b| b.meta.clone())
            .ok_or_else(|| S3Error::no_such_bucket(bucket))
    }

    fn current(&self, bucket: &str, key: &str) -> Result<Option<Arc<Object>>, S3Error> {
        let st = self.read();
        let b = st
            .buckets
            .get(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        Ok(b.objects.get(key).cloned())
    }

    async fn put_object(&self, bucket: &str, key: &str, req: S3Request<'_>) -> Answer {
        check_key(key)?;
        let meta = self.bucket_meta(bucket)?;
        let headers = &req.parts.headers;
        let existing = self.current(bucket, key)?;
        check_write_conditions(headers, existing.as_deref(), key)?;
        let algorithms = requested_checksums(headers)?;
        let declared = declared_checksums(headers, &algorithms)?;
        let expect = Expect {
            payload: req.payload.clone(),
            length: body_length(headers),
            algorithms: algorithms.clone(),
            max_size: PUT_MAX_BYTES,
        };
        let body = req.take_body();
        let ingested = body::ingest(&self.blobs, body, expect).await?;
        let blob = ingested.blob.clone();
        let release = |e: S3Error| {
            self.blobs.release(&blob.sha256_hex);
            e
        };
        verify_md5(headers, &ingested.md5, true).map_err(release)?;
        let checksum = verify_checksums(&declared, &ingested.checksums, &ingested.trailers)
            .map_err(release)?;
        let object = Object {
            key: key.to_string(),
            size: blob.size,
            etag: format!("\"{}\"", hex::encode(ingested.md5)),
            modified_ms: now_s_ms(),
            headers: object_headers(headers),
            metadata: user_metadata(headers),
            checksum,
            pieces: vec![Piece {
                sha256: blob.sha256_hex.clone(),
                size: blob.size,
            }],
            parts: None,
            part_checksums: None,
            tags: tagging_header(headers).map_err(release)?,
            storage_class: storage_class(headers).map_err(release)?,
        };
        let object = self
            .store_object(&meta, object, "ObjectCreated:Put", &req)
            .await
            .map_err(release)?;
        let mut b = wire::base(StatusCode::OK, req.request_id)
            .header("ETag", &object.etag)
            .header("x-amz-server-side-encryption", "AES256");
        if let Some(c) = &object.checksum {
            b = b
                .header(c.algorithm.header(), &c.value)
                .header("x-amz-checksum-type", &c.kind);
        }
        Ok(b.body(Body::empty()).unwrap_or_default())
    }

    /// Commits a new version of an object (its pieces already referenced
    /// once each for it) with the notifications it makes, then delivers
    /// them.
    async fn store_object(
        &self,
        bucket: &Bucket,
        object: Object,
        event: &str,
        req: &S3Request<'_>,
    ) -> Result<Arc<Object>, S3Error> {
        let parcels = self.event_parcels(bucket, event, &object.key, Some(&object), req);
        let mut ops: Vec<DocOp> = parcels
            .iter()
            .map(|p| DocOp::put_json(PARCEL, &p.id, p))
            .collect();
        ops.push(DocOp::put_json(
            OBJECT,
            &object_doc_key(&bucket.name, &object.key),
            &object,
        ));
        let object = Arc::new(object);
        let stored = object.clone();
        let name = bucket.name.clone();
        self.commit(ops, move |st, blobs| install(st, blobs, &name, stored))
            .await?;
        self.outbox.resume(parcels);
        Ok(object)
    }

    fn get_object(&self, bucket: &str, key: &str, q: &Query, req: &S3Request<'_>) -> Answer {
        let head = req.parts.method == Method::HEAD;
        let o = self.current(bucket, key)?.ok_or_else(|| {
            if head {
                S3Error::new(StatusCode::NOT_FOUND, "NoSuchKey", "Not Found")
            } else {
                S3Error::no_such_key(key)
            }
        })?;
        let headers = &req.parts.headers;
        if let Some(not_modified) = check_read_conditions(headers, &o, head)? {
            return Ok(not_modified(req.request_id));
        }
        let mut range = wire::range(header(headers, "range"), o.size);
        let mut part_count = None;
        let mut part_number = None;
        if let Some(n) = q.get("partNumber") {
            if headers.contains_key("range") {
                return Err(S3Error::invalid_request(
                    "Cannot specify both Range header and partNumber query parameter",
                ));
            }
            let n: u32 = n.parse().map_err(|_| {
                S3Error::invalid_argument(
                    "Part number must be an integer between 1 and 10000, inclusive",
                    "partNumber",
                    n,
                )
            })?;
            let sizes = o.parts.clone().unwrap_or_else(|| vec![o.size]);
            if n == 0 || n as usize > sizes.len() {
                return Err(S3Error::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "InvalidPartNumber",
                    "The requested partnumber is not satisfiable",
                )
                .with("PartNumberRequested", n.to_string())
                .with("ActualPartCount", sizes.len().to_string()));
            }
            let start: u64 = sizes[..n as usize - 1].iter().sum();
            let size = sizes[n as usize - 1];
            range = if size == 0 {
                Range::Whole
            } else {
                Range::Bytes(start, start + size - 1)
            };
            part_count = o.parts.as_ref().map(|p| p.len());
            part_number = Some(n as usize);
        }
        let (status, start, end) = match range {
            Range::Whole => (StatusCode::OK, 0, o.size),
            Range::Bytes(s, e) => (StatusCode::PARTIAL_CONTENT, s, e + 1),
            Range::Unsatisfiable => {
                return Err(S3Error::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "InvalidRange",
                    "The requested range is not satisfiable",
                )
                .with("RangeRequested", header(headers, "range").unwrap_or(""))
                .with("ActualObjectSize", o.size.to_string()))
            }
        };
        let mut b = wire::base(status, req.request_id)
            .header("Accept-Ranges", "bytes")
            .header("Last-Modified", wire::http_date(o.modified_ms))
            .header("ETag", &o.etag)
            .header("Content-Length", (end - start).to_string())
            .header("x-amz-server-side-encryption", "AES256");
        if status == StatusCode::PARTIAL_CONTENT {
            b = b.header(
                "Content-Range",
                format!("bytes {}-{}/{}", start, end.saturating_sub(1), o.size),
            );
        }
        let h = &o.headers;
        let content_type = q
            .get("response-content-type")
            .map(str::to_string)
            .or_else(|| h.content_type.clone())
            .unwrap_or_else(|| "binary/octet-stream".into());
        b = b.header("Content-Type", content_type);
        for (name, stored, param) in [
            (
                "Content-Encoding",
                &h.content_encoding,
                "response-content-encoding",
            ),
            (
                "Content-Disposition",
                &h.content_disposition,
                "response-content-disposition",
            ),
            (
                "Content-Language",
                &h.content_language,
                "response-content-language",
            ),
            ("Cache-Control", &h.cache_control, "response-cache-control"),
            ("Expires", &h.expires, "response-expires"),
            ("x-amz-website-redirect-location", &h.website_redirect, ""),
        ] {
            if let Some(v) = q
                .get(param)
                .filter(|_| !param.is_empty())
                .or(stored.as_deref())
            {
                b = b.header(name, v);
            }
        }
        for (k, v) in &o.metadata {
            b = b.header(format!("x-amz-meta-{k}"), v);
        }
        if let Some(n) = part_count {
            b = b.header("x-amz-mp-parts-count", n.to_string());
        }
        if let Some(sc) = &o.storage_class {
            b = b.header("x-amz-storage-class", sc);
        }
        if !o.tags.is_empty() {
            b = b.header("x-amz-tagging-count", o.tags.len().to_string());
        }
        let checksum_mode = header(headers, "x-amz-checksum-mode")
            .is_some_and(|m| m.eq_ignore_ascii_case("ENABLED"));
        if checksum_mode {
            match (&o.checksum, part_number, &o.part_checksums) {
                // One part of a multipart object: that part's checksum.
                (Some(c), Some(n), Some(sums)) if part_count.is_some() => {
                    if let Some(v) = sums.get(n - 1).filter(|v| !v.is_empty()) {
                        b = b
                            .header(c.algorithm.header(), v)
                            .header("x-amz-checksum-type", &c.kind);
                    }
                }
                (Some(c), _, _) if start == 0 && end == o.size && part_count.is_none() => {
                    b = b
                        .header(c.algorithm.header(), &c.value)
                        .header("x-amz-checksum-type", &c.kind);
                }
                _ => {}
            }
        }
        let body = if head || start == end {
            Body::empty()
        } else {
            body::download(&self.blobs, &o.pieces, start, end)
        };
        Ok(b.body(body).unwrap_or_default())
    }

    /// POST object: a browser form upload.
    async fn post_object(&self, bucket: &str, req: S3Request<'_>) -> Answer {
        let meta = self.bucket_meta(bucket)?;
        let boundary = header(&req.parts.headers, "content-type")
            .and_then(crate::post::boundary)
            .ok_or_else(|| {
                S3Error::new(
                    StatusCode::PRECONDITION_FAILED,
                    "PreconditionFailed",
                    "At least one of the pre-conditions you specified did not hold",
                )
                .with(
                    "Condition",
                    "Bucket POST must be of the enclosure-type multipart/form-data",
                )
            })?;
        let mut form = crate::post::read(req.take_body(), &boundary).await?;
        let file = std::mem::replace(&mut form.file, Body::empty());
        let Some(key) = form.get("key").filter(|k| !k.is_empty()) else {
            return Err(S3Error::invalid_argument(
                "Bucket POST must contain a field named 'key'.  If it is specified, please check \
                 the order of the fields.",
                "key",
                "",
            ));
        };
        let key = key.replace("${filename}", form.filename.as_deref().unwrap_or(""));
        check_key(&key)?;
        // The form's fields stand for the headers of a PUT.
        let mut headers = HeaderMap::new();
        for (k, v) in &form.fields {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                http::HeaderValue::from_str(v),
            ) {
                headers.append(name, value);
            }
        }
        let algorithms = requested_checksums(&headers)?;
        let declared = declared_checksums(&headers, &algorithms)?;
        let ingested = body::ingest(
            &self.blobs,
            file,
            Expect {
                payload: Payload::Unsigned,
                length: None,
                algorithms,
                max_size: PUT_MAX_BYTES,
            },
        )
        .await?;
        let blob = ingested.blob.clone();
        let checksum = match verify_checksums(&declared, &ingested.checksums, &[]) {
            Ok(c) => c,
            Err(e) => {
                self.blobs.release(&blob.sha256_hex);
                return Err(e);
            }
        };
        let tags = match form.get("tagging") {
            Some(xml) => match parse_tagging(&bytes::Bytes::from(xml.to_string()), 10) {
                Ok(t) => t,
                Err(e) => {
                    self.blobs.release(&blob.sha256_hex);
                    return Err(e);
                }
            },
            None => Vec::new(),
        };
        let object = Object {
            key: key.clone(),
            size: blob.size,
            etag: format!("\"{}\"", hex::encode(ingested.md5)),
            modified_ms: now_s_ms(),
            headers: object_headers(&headers),
            metadata: user_metadata(&headers),
            checksum,
            pieces: vec![Piece {
                sha256: blob.sha256_hex.clone(),
                size: blob.size,
            }],
            parts: None,
            part_checksums: None,
            tags,
            storage_class: storage_class(&headers).unwrap_or(None),
        };
        let object = match self
            .store_object(&meta, object, "ObjectCreated:Post", &req)
            .await
        {
            Ok(o) => o,
            Err(e) => {
                self.blobs.release(&blob.sha256_hex);
                return Err(e);
            }
        };
        let host = header(&req.parts.headers, "host").unwrap_or("localhost");
        let location = format!("http://{host}/{bucket}/{}", wire::list_encode(&key, true));
        if let Some(to) = form
            .get("success_action_redirect")
            .filter(|r| !r.is_empty())
        {
            let sep = if to.contains('?') { '&' } else { '?' };
            let target = format!(
                "{to}{sep}bucket={bucket}&key={}&etag={}",
                wire::url_encode(&key),
                wire::url_encode(&object.etag)
            );
            return Ok(wire::base(StatusCode::SEE_OTHER, req.request_id)
                .header("Location", target)
                .header("ETag", &object.etag)
                .body(Body::empty())
                .unwrap_or_default());
        }
        let status = match form.get("success_action_status") {
            Some("200") => StatusCode::OK,
            Some("201") => StatusCode::CREATED,
            _ => StatusCode::NO_CONTENT,
        };
        let b = wire::base(status, req.request_id)
            .header("ETag", &object.etag)
            .header("Location", &location)
            .header("x-amz-server-side-encryption", "AES256");
        if status == StatusCode::CREATED {
            let mut x = Self::doc();
            x.open("PostResponse", None)
                .leaf("Location", &location)
                .leaf("Bucket", bucket)
                .leaf("Key", &key)
                .leaf("ETag", &object.etag)
                .close("PostResponse");
            return Ok(b
                .header(http::header::CONTENT_TYPE, "application/xml")
                .body(Body::from(x.finish()))
                .unwrap_or_default());
        }
        Ok(b.body(Body::empty()).unwrap_or_default())
    }

    async fn delete_object(
        &self,
        bucket: &str,
        key: &str,
        q: &Query,
        req: &S3Request<'_>,
    ) -> Answer {
        let meta = self.bucket_meta(bucket)?;
        // Buckets keep no versions: only the null version exists.
        if let Some(v) = q.get("versionId").filter(|v| *v != "null") {
            return Err(S3Error::invalid_argument(
                "Invalid version id specified",
                "versionId",
                v,
            ));
        }
        self.remove_objects(&meta, &[key.to_string()], req).await?;
        Ok(wire::empty(StatusCode::NO_CONTENT, req.request_id))
    }

    /// Removes keys (missing ones are no error, as on AWS), with their
    /// notifications.
    async fn remove_objects(
        &self,
        bucket: &Bucket,
        keys: &[String],
        req: &S3Request<'_>,
    ) -> Result<(), S3Error> {
        let present: Vec<String> = {
            let st = self.read();
            let b = st
                .buckets
                .get(&bucket.name)
                .ok_or_else(|| S3Error::no_such_bucket(&bucket.name))?;
            keys.iter()
                .filter(|k| b.objects.contains_key(*k))
                .cloned()
                .collect()
        };
        // Every key asked for makes its event, present or not, as on AWS.
        let mut parcels = Vec::new();
        for k in keys {
            parcels.extend(self.event_parcels(bucket, "ObjectRemoved:Delete", k, None, req));
        }
        if present.is_empty() && parcels.is_empty() {
            return Ok(());
        }
        let mut ops = Vec::new();
        for k in &present {
            ops.push(DocOp::delete(OBJECT, &object_doc_key(&bucket.name, k)));
        }
        ops.extend(parcels.iter().map(|p| DocOp::put_json(PARCEL, &p.id, p)));
        let name = bucket.name.clone();
        self.commit(ops, move |st, blobs| {
            if let Some(b) = st.buckets.get_mut(&name) {
                for k in present {
                    b.deleted_ms.insert(k.clone(), now_ms());
                    if let Some(old) = b.objects.remove(&k) {
                        for p in &old.pieces {
                            blobs.release(&p.sha256);
                        }
                    }
                }
            }
        })
        .await?;
        self.outbox.resume(parcels);
        Ok(())
    }

    async fn delete_objects(&self, bucket: &str, req: S3Request<'_>) -> Answer {
        let meta = self.bucket_meta(bucket)?;
        let body = req.take_body();
        let body = body::read_small(body, XML_MAX_BYTES).await?;
        let doc = wire::parse_xml(&body)?;
        let root = doc.root_element();
        if root.tag_name().name() != "Delete" {
            return Err(S3Error::malformed_xml());
        }
        let quiet = wire::child_text(root, "Quiet").is_some_and(|q| q.trim() == "true");
        let asked: Vec<(String, Option<String>)> = wire::children(root, "Object")
            .map(|o| {
                (
                    wire::child_text(o, "Key").unwrap_or("").to_string(),
                    wire::child_text(o, "VersionId")
                        .filter(|v| *v != "null")
                        .map(str::to_string),
                )
            })
            .collect();
        if asked.is_empty() || asked.len() > 1000 {
            return Err(S3Error::malformed_xml());
        }
        // A version other than the null one does not exist here.
        let keys: Vec<String> = asked
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        self.remove_objects(&meta, &keys, &req).await?;
        let mut x = Self::doc();
        x.open("DeleteResult", Some(XMLNS));
        for (k, v) in &asked {
            match v {
                None if !quiet => {
                    x.open("Deleted", None).leaf("Key", k).close("Deleted");
                }
                None => {}
                Some(v) => {
                    x.open("Error", None)
                        .leaf("Key", k)
                        .leaf("VersionId", v)
                        .leaf("Code", "NoSuchVersion")
                        .leaf("Message", "The specified version does not exist.")
                        .close("Error");
                }
            }
        }
        x.close("DeleteResult");
        Ok(wire::xml_response(
            StatusCode::OK,
            req.request_id,
            x.finish(),
        ))
    }

    /// The object an `x-amz-copy-source` names.
    fn copy_source(&self, headers: &HeaderMap) -> Result<Arc<Object>, S3Error> {
        let raw = header(headers, "x-amz-copy-source").unwrap_or("");
        let raw = raw.split_once("?versionId=").map_or(raw, |(p, _)| p);
        let decoded = lambdalite_protocol::sigv4::percent_decode(raw);
        let path = decoded.strip_prefix('/').unwrap_or(&decoded);
        let Some((bucket, key)) = path
            .split_once('/')
            .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        else {
            return Err(S3Error::invalid_argument(
                "Invalid copy source object key",
                "x-amz-copy-source",
                "x-amz-copy-source",
            ));
        };
        let o = self
            .current(bucket, key)?
            .ok_or_else(|| S3Error::no_such_key(key))?;
        check_copy_conditions(headers, &o)?;
        Ok(o)
    }

    async fn copy_object(&self, bucket: &str, key: &str, req: S3Request<'_>) -> Answer {
        check_key(key)?;
        let meta = self.bucket_meta(bucket)?;
        let headers = &req.parts.headers;
        let source = self.copy_source(headers)?;
        let replace = header(headers, "x-amz-metadata-directive")
            .is_some_and(|d| d.eq_ignore_ascii_case("REPLACE"));
        let replace_tags = header(headers, "x-amz-tagging-directive")
            .is_some_and(|d| d.eq_ignore_ascii_case("REPLACE"));
        let src_path = {
            let raw = header(headers, "x-amz-copy-source").unwrap_or("");
            let d = lambdalite_protocol::sigv4::percent_decode(raw);
            d.trim_start_matches('/').to_string()
        };
        let new_class = storage_class(headers)?;
        if src_path == format!("{bucket}/{key}")
            && !replace
            && !headers.contains_key("x-amz-storage-class")
            && !headers.contains_key("x-amz-website-redirect-location")
            && !headers.contains_key("x-amz-server-side-encryption")
        {
            return Err(S3Error::invalid_request(
                "This copy request is illegal because it is trying to copy an object to itself \
                 without changing the object's metadata, storage class, website redirect \
                 location or encryption attributes.",
            ));
        }
        let mut object = (*source).clone();
        object.key = key.to_string();
        object.modified_ms = now_s_ms();
        object.storage_class = new_class;
        if replace {
            object.headers = object_headers(headers);
            object.metadata = user_metadata(headers);
        }
        if replace_tags {
            object.tags = tagging_header(headers)?;
        }
        // The copy keeps the source's checksum, unless another algorithm
        // is asked for; a composite one becomes the whole object's.
        let asked = match header(headers, "x-amz-checksum-algorithm") {
            None => None,
            Some(a) => Some(Algorithm::parse(a).ok_or_else(|| {
                S3Error::invalid_request(
                    "Checksum algorithm provided is unsupported. Please try again with any of \
                     the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                )
            })?),
        };
        let current = object
            .checksum
            .as_ref()
            .map(|c| (c.algorithm, c.kind.clone()));
        let algorithm = match (asked, &current) {
            (Some(a), _) => a,
            (None, Some((a, _))) => *a,
            (None, None) => Algorithm::Crc64Nvme,
        };
        let recompute = current.as_ref() != Some(&(algorithm, "FULL_OBJECT".to_string()));
        // A copy of a multipart object is one piece as far as its ETag goes.
        let multipart = object.parts.is_some();
        if recompute || multipart {
            let (md5, value) = self.digest_pieces(&object.pieces, algorithm).await?;
            if recompute {
                object.checksum = Some(Checksum {
                    algorithm,
                    value,
                    kind: "FULL_OBJECT".into(),
                });
            }
            if multipart {
                object.etag = format!("\"{}\"", hex::encode(md5));
                object.parts = None;
                object.part_checksums = None;
            }
        }
        for p in &object.pieces {
            self.blobs.retain(&p.sha256);
        }
        let pieces = object.pieces.clone();
        let stored = match self
            .store_object(&meta, object, "ObjectCreated:Copy", &req)
            .await
        {
            Ok(o) => o,
            Err(e) => {
                for p in &pieces {
                    self.blobs.release(&p.sha256);
                }
                return Err(e);
            }
        };
        let mut x = Self::doc();
        x.open("CopyObjectResult", Some(XMLNS))
            .leaf("ETag", &stored.etag)
            .leaf("LastModified", &iso(stored.modified_ms));
        if let Some(c) = &stored.checksum {
            x.leaf("ChecksumType", &c.kind)
                .leaf(c.algorithm.element(), &c.value);
        }
        x.close("CopyObjectResult");
        let mut b = wire::base(StatusCode::OK, req.request_id)
            .header(http::header::CONTENT_TYPE, "application/xml")
            .header("x-amz-server-side-encryption", "AES256");
        if let Some(v) = header(headers, "x-amz-copy-source")
            .and_then(|s| s.split_once("?versionId="))
            .map(|(_, v)| v.to_string())
        {
            b = b.header("x-amz-copy-source-version-id", v);
        }
        Ok(b.body(Body::from(x.finish())).unwrap_or_default())
    }

    /// The MD5 and a full-object checksum of an object, read from its
    /// pieces.
    async fn digest_pieces(
        &self,
        pieces: &[Piece],
        a: Algorithm,
    ) -> Result<([u8; 16], String), S3Error> {
        let (h, md5) = self
            .scan_pieces(
                pieces,
                (checksum::Hasher::new(a), Md5::new()),
                |(h, md5), data| {
                    h.update(data);
                    md5.update(data);
                },
            )
            .await?;
        Ok((md5.finalize().into(), checksum::b64(&h.finish())))
    }

    /// A full-object checksum, read from the object's pieces.
    async fn checksum_of(&self, pieces: &[Piece], a: Algorithm) -> Result<String, S3Error> {
        let h = self
            .scan_pieces(pieces, checksum::Hasher::new(a), |h, data| h.update(data))
            .await?;
        Ok(checksum::b64(&h.finish()))
    }

    /// Feeds an object's bytes, in order, to `each` with `state`, on a
    /// blocking thread.
    async fn scan_pieces<T: Send + 'static>(
        &self,
        pieces: &[Piece],
        mut state: T,
        each: fn(&mut T, &[u8]),
    ) -> Result<T, S3Error> {
        let paths: Vec<_> = pieces.iter().map(|p| self.blobs.path(&p.sha256)).collect();
        tokio::task::spawn_blocking(move || -> std::io::Result<T> {
            use std::io::Read;
            let mut buf = vec![0u8; 1 << 20];
            for p in paths {
                let mut f = std::fs::File::open(p)?;
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    each(&mut state, &buf[..n]);
                }
            }
            Ok(state)
        })
        .await
        .map_err(|_| S3Error::internal())?
        .map_err(|_| S3Error::internal())
    }

    // ---- listing ----

    fn list_objects(&self, bucket: &str, q: &Query, req: &S3Request<'_>, v2: bool) -> Answer {
        let st = self.read();
        let b = st
            .buckets
            .get(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        let prefix = q.get("prefix").unwrap_or("");
        let delimiter = q.get("delimiter").filter(|d| !d.is_empty());
        let max_keys: usize = match q.get("max-keys") {
            None => 1000,
            Some(m) => match m.parse::<i64>() {
                Ok(n) if n >= 0 => (n as usize).min(1000),
                _ => {
                    return Err(S3Error::invalid_argument(
                        "Provided max-keys not an integer or within integer range",
                        "max-keys",
                        m,
                    ))
                }
            },
        };
        let url = encoding_type(q)?;
        let token = q.get("continuation-token");
        let start_after = q.get("start-after").unwrap_or("");
        let marker = q.get("marker").unwrap_or("");
        let after: String = if v2 {
            match token {
                Some(t) => decode_token(t).filter(|_| !t.is_empty()).ok_or_else(|| {
                    argument_error(
                        "The continuation token provided is incorrect",
                        "continuation-token",
                        t,
                    )
                })?,
                None => start_after.to_string(),
            }
        } else {
            marker.to_string()
        };
        let Selection {
            contents,
            prefixes,
            truncated,
            last,
            resume_after,
        } = select(&b.objects, prefix, delimiter, after, max_keys);
        let mut x = Self::doc();
        x.open("ListBucketResult", Some(XMLNS));
        x.leaf("Name", bucket);
        x.leaf("Prefix", &wire::list_encode(prefix, url));
        if v2 {
            if let Some(t) = token {
                x.leaf("ContinuationToken", t);
            }
            if truncated {
                x.leaf("NextContinuationToken", &encode_token(&resume_after));
            }
            x.leaf("KeyCount", &(contents.len() + prefixes.len()).to_string());
        } else {
            x.leaf("Marker", &wire::list_encode(marker, url));
            if truncated && delimiter.is_some() {
                x.leaf("NextMarker", &wire::list_encode(&last, url));
            }
        }
        x.leaf("MaxKeys", &max_keys.to_string());
        if let Some(d) = delimiter {
            x.leaf("Delimiter", &wire::list_encode(d, url));
        }
        x.leaf("IsTruncated", if truncated { "true" } else { "false" });
        if v2 && !start_after.is_empty() && token.is_none() {
            x.leaf("StartAfter", &wire::list_encode(start_after, url));
        }
        let fetch_owner = !v2 || q.get("fetch-owner") == Some("true");
        for o in &contents {
            x.open("Contents", None)
                .leaf("Key", &wire::list_encode(&o.key, url))
                .leaf("LastModified", &iso(o.modified_ms))
                .leaf("ETag", &o.etag);
            if let Some(c) = &o.checksum {
                x.leaf("ChecksumAlgorithm", c.algorithm.name())
                    .leaf("ChecksumType", &c.kind);
            }
            x.leaf("Size", &o.size.to_string());
            if fetch_owner {
                self.owner(&mut x, "Owner");
            }
            x.leaf(
                "StorageClass",
                o.storage_class.as_deref().unwrap_or("STANDARD"),
            )
            .close("Contents");
        }
        for p in &prefixes {
            x.open("CommonPrefixes", None)
                .leaf("Prefix", &wire::list_encode(p, url))
                .close("CommonPrefixes");
        }
        if url {
            x.leaf("EncodingType", "url");
        }
        x.close("ListBucketResult");
        Ok(wire::base(StatusCode::OK, req.request_id)
            .header(http::header::CONTENT_TYPE, "application/xml")
            .header("x-amz-bucket-region", &b.meta.region)
            .body(Body::from(x.finish()))
            .unwrap_or_default())
    }

    /// ListObjectVersions: buckets keep one version of each object, the
    /// null one.
    fn list_versions(&self, bucket: &str, q: &Query, req: &S3Request<'_>) -> Answer {
        let st = self.read();
        let b = st
            .buckets
            .get(bucket)
            .ok_or_else(|| S3Error::no_such_bucket(bucket))?;
        let url = encoding_type(q)?;
        let prefix = q.get("prefix").unwrap_or("");
        let delimiter = q.get("delimiter").filter(|d| !d.is_empty());
        let max_keys: usize = q
            .get("max-keys")
            .and_then(|m| m.parse().ok())
            .unwrap_or(1000)
            .min(1000);
        let key_marker = q.get("key-marker").unwrap_or("");
        let page = select(
            &b.objects,
            prefix,
            delimiter,
            key_marker.to_string(),
            max_keys,
        );
        let mut x = Self::doc();
        x.open("ListVersionsResult", Some(XMLNS))
            .leaf("Name", bucket)
            .leaf("Prefix", &wire::list_encode(prefix, url))
            .leaf("KeyMarker", &wire::list_encode(key_marker, url))
            .leaf("VersionIdMarker", q.get("version-id-marker").unwrap_or(""));
        if page.truncated {
            x.leaf("NextKeyMarker", &wire::list_encode(&page.last, url))
                .leaf("NextVersionIdMarker", "null");
        }
        x.leaf("MaxKeys", &max_keys.to_string());
        if let Some(d) = delimiter {
            x.leaf("Delimiter", &wire::list_encode(d, url));
        }
        x.leaf("IsTruncated", if page.truncated { "true" } else { "false" });
        for o in &page.contents {
            x.open("Version", None)
                .leaf("Key", &wire::list_encode(&o.key, url))
                .leaf("VersionId", "null")
                .leaf("IsLatest", "true")
                .leaf("LastModified", &iso(o.modified_ms))
                .leaf("ETag", &o.etag);
            if let Some(c) = &o.checksum {
                x.leaf("ChecksumAlgorithm", c.algorithm.name())
                    .leaf("ChecksumType", &c.kind);
            }
            x.leaf("Size", &o.size.to_string()).leaf(
                "StorageClass",
                o.storage_class.as_deref().unwrap_or("STANDARD"),
            );
            self.owner(&mut x, "Owner");
            x.close("Version");
        }
        for p in &page.prefixes {
            x.open("CommonPrefixes", None)
                .leaf("Prefix", &wire::list_encode(p, url))
                .close("CommonPrefixes");
        }
        if url {
            x.leaf("EncodingType", "url");
        }
        x.close("ListVersionsResult");
        Ok(wire::xml_response(
            StatusCode::OK,
            req.request_id,
            x.finish(),
        ))
    }

    /// GetObjectAttributes: the attributes `x-amz-object-attributes` names.
    fn get_object_attributes(&self, bucket: &str, key: &str, req: &S3Request<'_>) -> Answer {
        let o = self
            .current(bucket, key)?
            .ok_or_else(|| S3Error::no_such_key(key))?;
        let wanted: Vec<String> = req
            .parts
            .headers
            .get_all("x-amz-object-attributes")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        const KNOWN: &[&str] = &[
            "ETag",
            "Checksum",
            "ObjectParts",
            "StorageClass",
            "ObjectSize",
        ];
        if wanted.is_empty() {
            return Err(S3Error::invalid_argument(
                "Empty Attribute List",
                "x-amz-object-attributes",
                "",
            ));
        }
        if let Some(bad) = wanted.iter().find(|a| !KNOWN.contains(&a.as_str())) {
            return Err(S3Error::invalid_argument(
                "Invalid attribute name specified.",
                "x-amz-object-attributes",
                bad.clone(),
            ));
        }
        let has = |a: &str| wanted.iter().any(|w| w == a);
        let mut x = Self::doc();
        x.open("GetObjectAttributesResponse", Some(XMLNS));
        if has("ETag") {
            x.leaf("ETag", o.etag.trim_matches('"'));
        }
        if has("Checksum") {
            if let Some(c) = &o.checksum {
                let value = c.value.split('-').next().unwrap_or(&c.value);
                x.open("Checksum", None)
                    .leaf(c.algorithm.element(), value)
                    .leaf("ChecksumType", &c.kind)
                    .close("Checksum");
            }
        }
        if has("ObjectParts") {
            if let Some(parts) = &o.parts {
                x.open("ObjectParts", None)
                    .leaf("TotalPartsCount", &parts.len().to_string())
                    .close("ObjectParts");
            }
        }
        if has("StorageClass") {
            x.leaf(
                "StorageClass",
                o.storage_class.as_deref().unwrap_or("STANDARD"),
            );
        }
        if has("ObjectSize") {
            x.leaf("ObjectSize", &o.size.to_string());
        }
        x.close("GetObjectAttributesResponse");
        Ok(wire::base(StatusCode::OK, req.request_id)
            .header(http::header::CONTENT_TYPE, "application/xml")
            .header("Last-Modified", wire::http_date(o.modified_ms))
            .body(Body::from(x.finish()))
            .unwrap_or_default())
    }

    // ---- tagging of objects ----

    async fn put_object_tagging(&self, bucket: &str, key: &str, req: S3Request<'_>) -> Answer {
        let o = self
            .current(bucket, key)?
            .ok_or_else(|| S3Error::no_such_key(key))?;
        let request_id = req.request_id.to_string();
        let body = body::read_small(req.take_body(), XML_MAX_BYTES).await?;
        let tags = parse_tagging(&body, 10)?;
        let mut next = (*o).clone();
        next.tags = tags;
        self.replace_object(bucket, next).await?;
        Ok(wire::empty(StatusCode::OK, &request_id))
    }

    /// Stores a changed record of the same object (same pieces).
    async fn replace_object(&self, bucket: &str, object: Object) -> Result<(), S3Error> {
        let op = DocOp::put_json(OBJECT, &object_doc_key(bucket, &object.key), &object);
        let name = bucket.to_string();
        for p in &object.pieces {
            self.blobs.retain(&p.sha256);
        }
        let object = Arc::new(object);
        let pieces = object.pieces.clone();
        let r = self
            .commit(vec![op], move |st, blobs| install(st, blobs, &name, object))
            .await;
        if r.is_err() {
            for p in &pieces {
                self.blobs.release(&p.sha256);
            }
        }
        r
    }

    fn get_object_tagging(&self, bucket: &str, key: &str, req: &S3Request<'_>) -> Answer {
        let o = self
            .current(bucket, key)?
            .ok_or_else(|| S3Error::no_such_key(key))?;
        Ok(wire::xml_response(
            StatusCode::OK,
            req.request_id,
            tagging_xml(&o.tags),
        ))
    }

    async fn delete_object_tagging(&self, bucket: &str, key: &str, req: &S3Request<'_>) -> Answer {
        let o = self
            .current(bucket, key)?
            .ok_or_else(|| S3Error::no_such_key(key))?;
        let mut next = (*o).clone();
        next.tags.clear();
        self.replace_object(bucket, next).await?;
        Ok(wire::empty(StatusCode::NO_CONTENT, req.request_id))
    }

    // ---- multipart uploads ----

    async fn create_upload(&self, bucket: &str, key: &str, req: &S3Request<'_>) -> Answer {
        check_key(key)?;
        self.bucket_exists(bucket)?;
        let headers = &req.parts.headers;
        let algorithm = match header(headers, "x-amz-checksum-algorithm") {
            None => None,
            Some(a) => Some(Algorithm::parse(a).ok_or_else(|| {
                S3Error::invalid_request(
                    "Checksum algorithm provided is unsupported. Please try again with any of the \
                     valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                )
            })?),
        };
        let checksum_type = match (algorithm, header(headers, "x-amz-checksum-type")) {
            (None, Some(_)) => {
                return Err(S3Error::invalid_request(
                    "The x-amz-checksum-type header can only be used with the \
                     x-amz-checksum-algorithm header.",
                ))
            }
            (None, None) => None,
            (Some(a), t) => {
                let t = t.map(str::to_ascii_uppercase).unwrap_or_else(|| {
                    if a == Algorithm::Crc64Nvme {
                        "FULL_OBJECT".into()
                    } else {
                        "COMPOSITE".into()
                    }
                });
                if t != "COMPOSITE" && t != "FULL_OBJECT" {
                    return Err(S3Error::invalid_request(
                        "Value for x-amz-checksum-type header is invalid.",
                    ));
                }
                if (t == "FULL_OBJECT" && !a.is_crc())
                    || (t == "COMPOSITE" && a == Algorithm::Crc64Nvme)
                {
                    return Err(S3Error::invalid_request(format!(
                        "The {t} checksum type cannot be used with the {} checksum algorithm.",
                        a.name().to_ascii_lowercase()
                    )));
                }
                Some(t)
            }
        };
        let upload = Upload {
            id: upload_id(),
            bucket: bucket.to_string(),
            key: key.to_string(),
            initiated_ms: now_ms(),
            headers: object_headers(headers),
            metadata: user_metadata(headers),
            checksum_algorithm: algorithm,
            checksum_type,
            tags: tagging_header(headers)?,
            storage_class: storage_class(headers)?,
        };
        let op = DocOp::put_json(UPLOAD, &upload.id, &upload);
        let stored = upload.clone();
        self.commit(vec![op], move |st, _| {
            st.uploads.insert(
                stored.id.clone(),
                UploadState {
                    upload: stored,
                    parts: BTreeMap::new(),
                },
            );
        })
        .await?;
        let mut x = Self::doc();
        x.open("InitiateMultipartUploadResult", Some(XMLNS))
            .leaf("Bucket", bucket)
            .leaf("Key", key)
            .leaf("UploadId", &upload.id)
            .close("InitiateMultipartUploadResult");
        let mut b = wire::base(StatusCode::OK, req.request_id)
            .header(http::header::CONTENT_TYPE, "application/xml")
            .header("x-amz-server-side-encryption", "AES256");
        if let (Some(a), Some(t)) = (algorithm, &upload.checksum_type) {
            b = b
                .header("x-amz-checksum-algorithm", a.name())
                .header("x-amz-checksum-type", t);
        }
        Ok(b.body(Body::from(x.finish())).unwrap_or_default())
    }

    fn upload(&self, bucket: &str, key: &str, id: &str) -> Result<Upload, S3Error> {
        self.bucket_exists(bucket)?;
        let st = self.read();
        match st.uploads.get(id) {
            Some(u) if u.upload.bucket == bucket && u.upload.key == key => Ok(u.upload.clone()),
            _ => Err(S3Error::no_such_upload(id)),
        }
    }

    async fn upload_part(&self, bucket: &str, key: &str, q: &Query, req: S3Request<'_>) -> Answer {
        let id = q.get("uploadId").unwrap_or("");
        let raw = q.get("partNumber").unwrap_or("");
        let number = match raw.parse::<u32>() {
            Ok(n) if (1..=PART_NUMBER_MAX).contains(&n) => n,
            _ => {
                return Err(S3Error::invalid_argument(
                    "Part number must be an integer between 1 and 10000, inclusive",
                    "partNumber",
                    raw,
                ))
            }
        };
        let upload = self.upload(bucket, key, id)?;
        let headers = &req.parts.headers;
        let copy = headers.contains_key("x-amz-copy-source");
        // The checksum the answer echoes (what the part was sent with),
        // and the one the part keeps (the upload's algorithm's).
        let mut echoed: Option<(Algorithm, String)> = None;
        let (piece, etag, checksum) = if copy {
            self.copy_part(headers, upload.checksum_algorithm).await?
        } else {
            let mut algorithms = requested_checksums(headers)?;
            if let Some(a) = upload.checksum_algorithm {
                if algorithms.iter().any(|x| *x != a) {
                    return Err(S3Error::invalid_request(format!(
                        "Checksum Type mismatch occurred, expected checksum Type: {}, actual \
                         checksum Type: {}",
                        a.name().to_ascii_lowercase(),
                        algorithms[0].name().to_ascii_lowercase()
                    )));
                }
                algorithms = vec![a];
            }
            let declared = declared_checksums(headers, &algorithms)?;
            let expect = Expect {
                payload: req.payload.clone(),
                length: body_length(headers),
                algorithms,
                max_size: PUT_MAX_BYTES,
            };
            let ingested = body::ingest(&self.blobs, req.take_body(), expect).await?;
            let sha = ingested.blob.sha256_hex.clone();
            let checked = verify_md5(headers, &ingested.md5, false)
                .and_then(|_| verify_checksums(&declared, &ingested.checksums, &ingested.trailers));
            let checksum = match checked {
                Ok(c) => c,
                Err(e) => {
                    self.blobs.release(&sha);
                    return Err(e);
                }
            };
            if !declared.is_empty() || upload.checksum_algorithm.is_some() {
                echoed = checksum.as_ref().map(|c| (c.algorithm, c.value.clone()));
            }
            (
                Piece {
                    sha256: sha,
                    size: ingested.blob.size,
                },
                format!("\"{}\"", hex::encode(ingested.md5)),
                checksum
                    .filter(|c| Some(c.algorithm) == upload.checksum_algorithm)
                    .map(|c| c.value),
            )
        };
        let part = Part {
            upload_id: id.to_string(),
            number,
            piece: piece.clone(),
            etag: etag.clone(),
            modified_ms: now_s_ms(),
            checksum: checksum.clone(),
        };
        let op = DocOp::put_json(PART, &part_doc_key(id, number), &part);
        let id_owned = id.to_string();
        let committed = self
            .commit(vec![op], move |st, blobs| {
                match st.uploads.get_mut(&id_owned) {
                    Some(u) => {
                        if let Some(old) = u.parts.insert(part.number, part) {
                            blobs.release(&old.piece.sha256);
                        }
                    }
                    None => blobs.release(&part.piece.sha256),
                }
            })
            .await;
        if let Err(e) = committed {
            self.blobs.release(&piece.sha256);
            return Err(e);
        }
        if copy {
            let mut x = Self::doc();
            x.open("CopyPartResult", Some(XMLNS))
                .leaf("LastModified", &iso(now_s_ms()))
                .leaf("ETag", &etag);
            if let (Some(a), Some(c)) = (upload.checksum_algorithm, &checksum) {
                x.leaf(a.element(), c);
            }
            x.close("CopyPartResult");
            return Ok(wire::base(StatusCode::OK, req.request_id)
                .header(http::header::CONTENT_TYPE, "application/xml")
                .header("x-amz-server-side-encryption", "AES256")
                .body(Body::from(x.finish()))
                .unwrap_or_default());
        }
        let mut b = wire::base(StatusCode::OK, req.request_id)
            .header("ETag", &etag)
            .header("x-amz-server-side-encryption", "AES256");
        if let Some((a, c)) = &echoed {
            b = b.header(a.header(), c);
        }
        Ok(b.body(Body::empty()).unwrap_or_default())
    }

    /// UploadPartCopy: the source's bytes (or a range of them) as a part.
    async fn copy_part(
        &self,
        headers: &HeaderMap,
        algorithm: Option<Algorithm>,
    ) -> Result<(Piece, String, Option<String>), S3Error> {
        let source = self.copy_source(headers)?;
        let (start, end) = match header(headers, "x-amz-copy-source-range") {
            None => (0, source.size),
            Some(r) => {
                let form = || {
                    S3Error::invalid_argument(
                        "The x-amz-copy-source-range value must be of the form bytes=first-last \
                         where first and last are the zero-based offsets of the first and last \
                         bytes to copy",
                        "x-amz-copy-source-range",
                        r,
                    )
                };
                let (first, last) = r
                    .trim()
                    .strip_prefix("bytes=")
                    .and_then(|v| v.split_once('-'))
                    .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)))
                    .filter(|(a, b)| a <= b)
                    .ok_or_else(form)?;
                if first >= source.size {
                    return Err(S3Error::invalid_request(
                        "The specified copy range is invalid for the source object size",
                    ));
                }
                if last >= source.size {
                    return Err(S3Error::invalid_argument(
                        format!(
                            "Range specified is not valid for source object of size: {}",
                            source.size
                        ),
                        "x-amz-copy-source-range",
                        r,
                    ));
                }
                (first, last + 1)
            }
        };
        let spans: Vec<(std::path::PathBuf, u64)> = source
            .pieces
            .iter()
            .map(|p| (self.blobs.path(&p.sha256), p.size))
            .collect();
        for p in &source.pieces {
            self.blobs.retain(&p.sha256);
        }
        let blobs = self.blobs.clone();
        let result = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
            use std::os::unix::fs::FileExt;
            let mut w = blobs.create()?;
            let mut md5 = Md5::new();
            let mut hasher = algorithm.map(checksum::Hasher::new);
            let mut buf = vec![0u8; 1 << 20];
            let mut at = 0u64;
            for (path, size) in spans {
                let (lo, hi) = (start.max(at), end.min(at + size));
                if lo < hi {
                    let f = std::fs::File::open(&path)?;
                    let mut pos = lo - at;
                    while pos < hi - at {
                        let n = buf.len().min((hi - at - pos) as usize);
                        f.read_exact_at(&mut buf[..n], pos)?;
                        w.write(&buf[..n])?;
                        md5.update(&buf[..n]);
                        if let Some(h) = &mut hasher {
                            h.update(&buf[..n]);
                        }
                        pos += n as u64;
                    }
                }
                at += size;
            }
            let blob = w.finish()?;
            let md5: [u8; 16] = md5.finalize().into();
            Ok((blob, md5, hasher.map(|h| checksum::b64(&h.finish()))))
        })
        .await;
        for p in &source.pieces {
            self.blobs.release(&p.sha256);
        }
        let (blob, md5, sum) = result
            .map_err(|_| S3Error::internal())?
            .map_err(|_| S3Error::internal())?;
        Ok((
            Piece {
                sha256: blob.sha256_hex,
                size: blob.size,
            },
            format!("\"{}\"", hex::encode(md5)),
            sum,
        ))
    }

    async fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        q: &Query,
        req: S3Request<'_>,
    ) -> Answer {
        let id = q.get("uploadId").unwrap_or("").to_string();
        let upload = self.upload(bucket, key, &id)?;
        let meta = self.bucket_meta(bucket)?;
        let existing = self.current(bucket, key)?;
        check_write_conditions(&req.parts.headers, existing.as_deref(), key)?;
        let deleted_since = self
            .read()
            .buckets
            .get(bucket)
            .and_then(|b| b.deleted_ms.get(key).copied())
            .is_some_and(|at| at >= upload.initiated_ms);
        if existing.is_none() && deleted_since && req.parts.headers.contains_key("if-none-match") {
            return Err(S3Error::new(
                StatusCode::CONFLICT,
                "ConditionalRequestConflict",
                "The conditional request cannot succeed due to a conflicting operation against \
                 this resource.",
            )
            .with("Condition", "If-None-Match")
            .with("Key", key));
        }
        let body = req.take_body();
        let body = body::read_small(body, XML_MAX_BYTES).await?;
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(S3Error::invalid_request(
                "You must specify at least one part",
            ));
        }
        let doc = wire::parse_xml(&body)?;
        let root = doc.root_element();
        if root.tag_name().name() != "CompleteMultipartUpload" {
            return Err(S3Error::malformed_xml());
        }
        let asked: Vec<(u32, String, Option<String>)> = wire::children(root, "Part")
            .map(|p| {
                let n = wire::child_text(p, "PartNumber")
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or(0);
                let etag = wire::child_text(p, "ETag").unwrap_or("").trim().to_string();
                let sum = upload
                    .checksum_algorithm
                    .and_then(|a| wire::child_text(p, a.element()).map(str::to_string));
                (n, etag, sum)
            })
            .collect();
        if asked.is_empty() {
            return Err(S3Error::invalid_request(
                "You must specify at least one part",
            ));
        }
        let mode = |t: Option<&str>| t.unwrap_or("null").to_ascii_uppercase();
        if let Some(t) = header(&req.parts.headers, "x-amz-checksum-type") {
            if mode(Some(t)) != mode(upload.checksum_type.as_deref()) {
                return Err(S3Error::invalid_request(format!(
                    "The upload was created using the {} checksum mode. The complete request \
                     must use the same checksum mode.",
                    upload.checksum_type.as_deref().unwrap_or("null")
                )));
            }
        }
        if let (Some(a), Some("COMPOSITE")) =
            (upload.checksum_algorithm, upload.checksum_type.as_deref())
        {
            if let Some((n, _, _)) = asked.iter().find(|(_, _, sum)| sum.is_none()) {
                return Err(S3Error::invalid_request(format!(
                    "The upload was created using a {} checksum. The complete request must \
                     include the checksum for each part. It was missing for part {n} in the \
                     request.",
                    a.name().to_ascii_lowercase()
                )));
            }
        }
        // Part checksums where the upload keeps none name parts that do
        // not exist as given.
        let given_sums: Vec<bool> = wire::children(root, "Part")
            .map(|p| {
                checksum::ALL
                    .iter()
                    .any(|a| wire::child_text(p, a.element()).is_some())
            })
            .collect();
        let stored: BTreeMap<u32, Part> = self
            .read()
            .uploads
            .get(&id)
            .map(|u| u.parts.clone())
            .ok_or_else(|| S3Error::no_such_upload(&id))?;
        let mut chosen = Vec::new();
        let mut previous = 0;
        for (i, (n, etag, sum)) in asked.iter().enumerate() {
            if *n <= previous {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidPartOrder",
                    "The list of parts was not in ascending order. Parts must be ordered by part \
                     number.",
                )
                .with("UploadId", &id));
            }
            previous = *n;
            let invalid = || {
                S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidPart",
                    "One or more of the specified parts could not be found.  The part may not \
                     have been uploaded, or the specified entity tag may not match the part's \
                     entity tag.",
                )
                .with("ETag", etag.trim_matches('"'))
                .with("PartNumber", n.to_string())
                .with("UploadId", &id)
            };
            let part = stored.get(n).ok_or_else(invalid)?;
            if part.etag.trim_matches('"') != etag.trim_matches('"') {
                return Err(invalid());
            }
            if upload.checksum_algorithm.is_none() && given_sums.get(i).copied().unwrap_or(false) {
                return Err(invalid());
            }
            if let (Some(given), Some(have)) = (sum, &part.checksum) {
                if given != have {
                    return Err(invalid());
                }
            }
            if i + 1 < asked.len() && part.piece.size < PART_MIN_BYTES {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                )
                .with("ETag", part.etag.trim_matches('"'))
                .with("MinSizeAllowed", PART_MIN_BYTES.to_string())
                .with("PartNumber", n.to_string())
                .with("ProposedSize", part.piece.size.to_string()));
            }
            chosen.push(part.clone());
        }
        let mut md5s = Vec::new();
        for p in &chosen {
            md5s.extend(hex::decode(p.etag.trim_matches('"')).unwrap_or_default());
        }
        let etag = format!("\"{}-{}\"", hex::encode(Md5::digest(&md5s)), chosen.len());
        let pieces: Vec<Piece> = chosen.iter().map(|p| p.piece.clone()).collect();
        let checksum = match (upload.checksum_algorithm, upload.checksum_type.as_deref()) {
            (Some(a), Some("COMPOSITE")) => {
                let mut h = checksum::Hasher::new(a);
                for p in &chosen {
                    h.update(
                        &p.checksum
                            .as_deref()
                            .and_then(checksum::unb64)
                            .unwrap_or_default(),
                    );
                }
                Some(Checksum {
                    algorithm: a,
                    value: format!("{}-{}", checksum::b64(&h.finish()), chosen.len()),
                    kind: "COMPOSITE".into(),
                })
            }
            (a, _) => {
                let a = a.unwrap_or(Algorithm::Crc64Nvme);
                let value = self.checksum_of(&pieces, a).await?;
                if let Some(given) = header(&req.parts.headers, a.header()) {
                    if given != value {
                        return Err(S3Error::new(
                            StatusCode::BAD_REQUEST,
                            "BadDigest",
                            format!(
                                "The {} you specified for the full object did not match what we \
                                 calculated.",
                                a.name().to_ascii_lowercase()
                            ),
                        ));
                    }
                }
                Some(Checksum {
                    algorithm: a,
                    value,
                    kind: "FULL_OBJECT".into(),
                })
            }
        };
        let object = Object {
            key: key.to_string(),
            size: pieces.iter().map(|p| p.size).sum(),
            etag: etag.clone(),
            modified_ms: now_s_ms(),
            headers: upload.headers.clone(),
            metadata: upload.metadata.clone(),
            checksum,
            pieces: pieces.clone(),
            parts: Some(chosen.iter().map(|p| p.piece.size).collect()),
            part_checksums: upload.checksum_algorithm.map(|_| {
                chosen
                    .iter()
                    .map(|p| p.checksum.clone().unwrap_or_default())
                    .collect()
            }),
            tags: upload.tags.clone(),
            storage_class: upload.storage_class.clone(),
        };
        let parcels = self.event_parcels(
            &meta,
            "ObjectCreated:CompleteMultipartUpload",
            key,
            Some(&object),
            &req,
        );
        let mut ops: Vec<DocOp> = parcels
            .iter()
            .map(|p| DocOp::put_json(PARCEL, &p.id, p))
            .collect();
        ops.push(DocOp::put_json(
            OBJECT,
            &object_doc_key(bucket, key),
            &object,
        ));
        ops.push(DocOp::delete(UPLOAD, &id));
        for n in stored.keys() {
            ops.push(DocOp::delete(PART, &part_doc_key(&id, *n)));
        }
        let object = Arc::new(object);
        let kept = object.clone();
        let name = bucket.to_string();
        let id_owned = id.clone();
        self.commit(ops, move |st, blobs| {
            // The chosen parts' references pass to the object; the rest go.
            let parts = st
                .uploads
                .remove(&id_owned)
                .map(|u| u.parts)
                .unwrap_or_default();
            let chosen: std::collections::HashSet<u32> = chosen.iter().map(|p| p.number).collect();
            for (n, p) in parts {
                if !chosen.contains(&n) {
                    blobs.release(&p.piece.sha256);
                }
            }
            install(st, blobs, &name, kept);
        })
        .await?;
        self.outbox.resume(parcels);
        let host = header(&req.parts.headers, "host").unwrap_or("localhost");
        let mut x = Self::doc();
        x.open("CompleteMultipartUploadResult", Some(XMLNS))
            .leaf(
                "Location",
                &format!("http://{host}/{bucket}/{}", wire::list_encode(key, true)),
            )
            .leaf("Bucket", bucket)
            .leaf("Key", key)
            .leaf("ETag", &object.etag);
        if let Some(c) = &object.checksum {
            x.leaf(c.algorithm.element(), &c.value)
                .leaf("ChecksumType", &c.kind);
        }
        x.close("CompleteMultipartUploadResult");
        Ok(wire::base(StatusCode::OK, req.request_id)
            .header(http::header::CONTENT_TYPE, "application/xml")
            .header("x-amz-server-side-encryption", "AES256")
            .body(Body::from(x.finish()))
            .unwrap_or_default())
    }

    async fn abort_upload(
        &self,
        bucket: &str,
        key: &str,
        q: &Query,
        req: &S3Request<'_>,
    ) -> Answer {
        let id = q.get("uploadId").unwrap_or("").to_string();
        self.upload(bucket, key, &id)?;
        let numbers: Vec<u32> = self
            .read()
            .uploads
            .get(&id)
            .map(|u| u.parts.keys().copied().collect())
            .unwrap_or_default();
        let mut ops = vec![DocOp::delete(UPLOAD, &id)];
        for n in &numbers {
            ops.push(DocOp::delete(PART, &part_doc_key(&id, *n)));
        }
        self.commit(ops, move |st, blobs| {
            if let Some(u) = st.uploads.remove(&id) {
                for p in u.parts.values() {
                    blobs.release(&p.piece.sha256);
                }
            }
        })
        .await?;
        Ok(wire::empty(StatusCode::NO_CONTENT, req.request_id))
    }

    fn list_parts(&self, bucket: &str, key: &str, q: &Query, req: &S3Request<'_>) -> Answer {
        let id = q.get("uploadId").unwrap_or("");
        let upload = self.upload(bucket, key, id)?;
        let marker: u32 = q
            .get("part-number-marker")
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        let max: usize = q
            .get("max-parts")
            .and_then(|m| m.parse().ok())
            .unwrap_or(1000)
            .min(1000);
        let st = self.read();
        let parts: Vec<&Part> = st
            .uploads
            .get(id)
            .map(|u| u.parts.range(marker + 1..).map(|(_, p)| p).collect())
            .unwrap_or_default();
        let truncated = parts.len() > max;
        let shown = &parts[..parts.len().min(max)];
        let mut x = Self::doc();
        x.open("ListPartsResult", Some(XMLNS))
            .leaf("Bucket", bucket)
            .leaf("Key", key)
            .leaf("UploadId", id)
            .leaf("PartNumberMarker", &marker.to_string());
        x.leaf(
            "NextPartNumberMarker",
            &shown.last().map_or(0, |p| p.number).to_string(),
        );
        x.leaf("MaxParts", &max.to_string())
            .leaf("IsTruncated", if truncated { "true" } else { "false" });
        for p in shown {
            x.open("Part", None)
                .leaf("PartNumber", &p.number.to_string())
                .leaf("LastModified", &iso(p.modified_ms))
                .leaf("ETag", &p.etag)
                .leaf("Size", &p.piece.size.to_string());
            if let (Some(a), Some(c)) = (upload.checksum_algorithm, &p.checksum) {
                x.leaf(a.element(), c);
            }
            x.close("Part");
        }
        self.initiator(&mut x);
        self.owner(&mut x, "Owner");
        x.leaf(
            "StorageClass",
            upload.storage_class.as_deref().unwrap_or("STANDARD"),
        );
        if let (Some(a), Some(t)) = (upload.checksum_algorithm, &upload.checksum_type) {
            x.leaf("ChecksumAlgorithm", a.name())
                .leaf("ChecksumType", t);
        }
        x.close("ListPartsResult");
        Ok(wire::xml_response(
            StatusCode::OK,
            req.request_id,
            x.finish(),
        ))
    }

    fn list_uploads(&self, bucket: &str, q: &Query, req: &S3Request<'_>) -> Answer {
        self.bucket_exists(bucket)?;
        encoding_type(q)?;
        let prefix = q.get("prefix").unwrap_or("");
        let max: usize = q
            .get("max-uploads")
            .and_then(|m| m.parse().ok())
            .unwrap_or(1000)
            .min(1000);
        let key_marker = q.get("key-marker").unwrap_or("");
        // An upload id marker counts only with a key marker, and must be
        // one of that key's uploads.
        let id_marker = q.get("upload-id-marker").filter(|_| !key_marker.is_empty());
        let st = self.read();
        let order = |u: &Upload| (u.key.clone(), u.initiated_ms, u.id.clone());
        let after = match id_marker {
            Some(id) => match st.uploads.get(id) {
                Some(u) if u.upload.bucket == bucket && u.upload.key == key_marker => {
                    Some(order(&u.upload))
                }
                _ => {
                    return Err(S3Error::invalid_argument(
                        "Invalid uploadId marker",
                        "upload-id-marker",
                        id,
                    ))
                }
            },
            None => None,
        };
        let mut uploads: Vec<&Upload> = st
            .uploads
            .values()
            .map(|u| &u.upload)
            .filter(|u| u.bucket == bucket && u.key.starts_with(prefix))
            .filter(|u| match &after {
                Some(a) => order(u) > *a,
                None => u.key.as_str() > key_marker,
            })
            .collect();
        uploads.sort_by_key(|u| order(u));
        let truncated = uploads.len() > max;
        uploads.truncate(max);
        let mut x = Self::doc();
        x.open("ListMultipartUploadsResult", Some(XMLNS))
            .leaf("Bucket", bucket)
            .leaf("KeyMarker", key_marker)
            .leaf("UploadIdMarker", id_marker.unwrap_or(""));
        let last = uploads.last();
        x.leaf("NextKeyMarker", last.map_or("", |u| u.key.as_str()))
            .leaf("NextUploadIdMarker", last.map_or("", |u| u.id.as_str()));
        if !prefix.is_empty() {
            x.leaf("Prefix", prefix);
        }
        x.leaf("MaxUploads", &max.to_string())
            .leaf("IsTruncated", if truncated { "true" } else { "false" });
        for u in uploads {
            x.open("Upload", None)
                .leaf("Key", &u.key)
                .leaf("UploadId", &u.id);
            self.initiator(&mut x);
            self.owner(&mut x, "Owner");
            x.leaf(
                "StorageClass",
                u.storage_class.as_deref().unwrap_or("STANDARD"),
            )
            .leaf("Initiated", &iso(u.initiated_ms));
            if let (Some(a), Some(t)) = (u.checksum_algorithm, &u.checksum_type) {
                x.leaf("ChecksumAlgorithm", a.name())
                    .leaf("ChecksumType", t);
            }
            x.close("Upload");
        }
        x.close("ListMultipartUploadsResult");
        Ok(wire::xml_response(
            StatusCode::OK,
            req.request_id,
            x.finish(),
        ))
    }
}

/// Puts a committed object in its bucket's memory: the version it replaces
/// gives back its pieces (as does the object itself when its bucket went
/// meanwhile).
fn install(st: &mut State, blobs: &Blobs, bucket: &str, object: Arc<Object>) {
    let gone = match st.buckets.get_mut(bucket) {
        Some(b) => b.objects.insert(object.key.clone(), object),
        None => Some(object),
    };
    if let Some(old) = gone {
        for p in &old.pieces {
            blobs.release(&p.sha256);
        }
    }
}

/// InvalidArgument naming the argument, and its value unless it was empty
/// (AWS leaves an empty value out).
fn argument_error(message: &str, name: &str, value: &str) -> S3Error {
    let e = S3Error::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
        .with("ArgumentName", name);
    if value.is_empty() {
        e
    } else {
        e.with("ArgumentValue", value)
    }
}

/// Whether a listing asks for `EncodingType=url` (the only one there is).
fn encoding_type(q: &Query) -> Result<bool, S3Error> {
    match q.get("encoding-type") {
        None => Ok(false),
        Some("url") => Ok(true),
        Some(other) => Err(argument_error(
            "Invalid Encoding Method specified in Request",
            "encoding-type",
            other,
        )),
    }
}

/// One page of a listing: objects and common prefixes in key order.
struct Selection<'a> {
    contents: Vec<&'a Arc<Object>>,
    prefixes: Vec<String>,
    truncated: bool,
    /// The last key or common prefix listed.
    last: String,
    /// Where the next page starts (after the whole last common prefix).
    resume_after: String,
}

/// Up to `max_keys` objects and common prefixes after `after` under
/// `prefix`, rolled up at `delimiter`.
fn select<'a>(
    objects: &'a BTreeMap<String, Arc<Object>>,
    prefix: &str,
    delimiter: Option<&str>,
    after: String,
    max_keys: usize,
) -> Selection<'a> {
    // A marker inside a common prefix passes over that whole prefix.
    let after = match delimiter {
        Some(d) if !after.is_empty() && after.starts_with(prefix) => {
            match after[prefix.len()..].find(d) {
                Some(i) => format!("{}\u{10ffff}", &after[..prefix.len() + i + d.len()]),
                None => after,
            }
        }
        _ => after,
    };
    let mut contents: Vec<&Arc<Object>> = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut truncated = false;
    let mut last = String::new();
    // From the later of the marker and the prefix.
    let lower = if after.as_str() >= prefix && !after.is_empty() {
        std::ops::Bound::Excluded(after.clone())
    } else {
        std::ops::Bound::Included(prefix.to_string())
    };
    for (k, o) in objects.range((lower, std::ops::Bound::Unbounded)) {
        if !k.starts_with(prefix) {
            if k.as_str() > prefix {
                break;
            }
            continue;
        }
        if let Some(d) = delimiter {
            if let Some(i) = k[prefix.len()..].find(d) {
                let cp = &k[..prefix.len() + i + d.len()];
                if prefixes.last().map(String::as_str) == Some(cp) {
                    continue;
                }
                if contents.len() + prefixes.len() == max_keys {
                    truncated = true;
                    break;
                }
                prefixes.push(cp.to_string());
                last = cp.to_string();
                continue;
            }
        }
        if contents.len() + prefixes.len() == max_keys {
            truncated = true;
            break;
        }
        contents.push(o);
        last = k.clone();
    }
    let resume_after = if prefixes.last() == Some(&last) {
        format!("{last}\u{10ffff}")
    } else {
        last.clone()
    };
    Selection {
        contents,
        prefixes,
        truncated,
        last,
        resume_after,
    }
}

/// The region of a request's SigV4 credential scope.
fn signing_region(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let credential = match header(headers, "authorization") {
        Some(a) => a
            .split([' ', ','])
            .find_map(|f| f.trim().strip_prefix("Credential="))?
            .to_string(),
        None => Query::parse(query).get("X-Amz-Credential")?.to_string(),
    };
    credential.split('/').nth(2).map(str::to_string)
}

/// Whether a name has the form of an AWS region (`us-east-1`, `EU`).
fn valid_region(r: &str) -> bool {
    const KNOWN: &[&str] = &[
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-south-1",
        "eu-south-2",
        "eu-north-1",
        "il-central-1",
        "me-south-1",
        "me-central-1",
        "mx-central-1",
        "sa-east-1",
        "EU",
    ];
    KNOWN.contains(&r)
}

fn method_not_allowed() -> S3Error {
    S3Error::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    )
}

/// The data's length as the request declares it.
fn body_length(headers: &HeaderMap) -> Option<u64> {
    header(headers, "x-amz-decoded-content-length")
        .or_else(|| {
            let chunked = header(headers, "x-amz-content-sha256")
                .is_some_and(|h| h.starts_with("STREAMING-"));
            (!chunked)
                .then(|| header(headers, "content-length"))
                .flatten()
        })
        .and_then(|v| v.trim().parse().ok())
}

fn upload_id() -> String {
    use base64::Engine as _;
    let mut raw = Vec::with_capacity(48);
    for _ in 0..3 {
        raw.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn encode_token(last: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(last.as_bytes())
}

fn decode_token(t: &str) -> Option<String> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD.decode(t).ok()?;
    String::from_utf8(raw).ok()
}

/// AWS's bucket naming rules.
pub fn check_bucket_name(name: &str) -> Result<(), S3Error> {
    let invalid = || {
        S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidBucketName",
            "The specified bucket is not valid.",
        )
        .with("BucketName", name)
    };
    let b = name.as_bytes();
    if !(3..=63).contains(&b.len()) {
        return Err(invalid());
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
    {
        return Err(invalid());
    }
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !edge(b[0]) || !edge(b[b.len() - 1]) {
        return Err(invalid());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Err(invalid());
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(invalid());
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), S3Error> {
    if key.len() > 1024 {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "KeyTooLongError",
            "Your key is too long",
        )
        .with("MaxSizeAllowed", "1024")
        .with("Size", key.len().to_string()));
    }
    Ok(())
}

fn object_headers(h: &HeaderMap) -> Headers {
    let get = |n: &str| header(h, n).map(str::to_string);
    let encoding = get("content-encoding")
        .map(|e| {
            e.split(',')
                .map(str::trim)
                .filter(|p| !p.eq_ignore_ascii_case("aws-chunked"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .filter(|e| !e.is_empty());
    Headers {
        content_type: get("content-type"),
        content_encoding: encoding,
        content_disposition: get("content-disposition"),
        content_language: get("content-language"),
        cache_control: get("cache-control"),
        expires: get("expires"),
        website_redirect: get("x-amz-website-redirect-location"),
    }
}

fn user_metadata(h: &HeaderMap) -> Vec<(String, String)> {
    let mut m: Vec<(String, String)> = h
        .iter()
        .filter_map(|(k, v)| {
            let name = k.as_str().strip_prefix("x-amz-meta-")?;
            Some((
                name.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            ))
        })
        .collect();
    m.sort();
    m
}

fn storage_class(h: &HeaderMap) -> Result<Option<String>, S3Error> {
    match header(h, "x-amz-storage-class") {
        None | Some("STANDARD") => Ok(None),
        Some(
            c @ ("REDUCED_REDUNDANCY"
            | "STANDARD_IA"
            | "ONEZONE_IA"
            | "INTELLIGENT_TIERING"
            | "GLACIER"
            | "DEEP_ARCHIVE"
            | "GLACIER_IR"
            | "OUTPOSTS"
            | "SNOW"
            | "EXPRESS_ONEZONE"),
        ) => Ok(Some(c.to_string())),
        Some(c) => Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidStorageClass",
            "The storage class you specified is not valid",
        )
        .with("StorageClassRequested", c)),
    }
}

fn tagging_header(h: &HeaderMap) -> Result<Vec<(String, String)>, S3Error> {
    let Some(raw) = header(h, "x-amz-tagging") else {
        return Ok(Vec::new());
    };
    let q = Query::parse(Some(raw));
    Ok(q.0)
}

fn parse_tagging(body: &bytes::Bytes, max: usize) -> Result<Vec<(String, String)>, S3Error> {
    let doc = wire::parse_xml(body)?;
    let root = doc.root_element();
    if root.tag_name().name() != "Tagging" {
        return Err(S3Error::malformed_xml());
    }
    let set = wire::children(root, "TagSet").next();
    #[allow(clippy::let_and_return)] // `set` borrows `doc`, which must outlive it
    let tags = match set {
        Some(set) => parse_tag_list(set, max),
        None => Ok(Vec::new()),
    };
    tags
}

/// The characters a tag may hold: letters, digits, spaces and `_ . : / =
/// + - @`.
fn tag_text_ok(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

/// `<Tag><Key/><Value/></Tag>` elements under `set`, checked as AWS
/// checks them.
fn parse_tag_list(
    set: roxmltree::Node<'_, '_>,
    max: usize,
) -> Result<Vec<(String, String)>, S3Error> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for t in wire::children(set, "Tag") {
        let (Some(k), Some(v)) = (wire::child_text(t, "Key"), wire::child_text(t, "Value")) else {
            return Err(S3Error::malformed_xml());
        };
        if tags.iter().any(|(x, _)| x == k) {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidTag",
                "Cannot provide multiple Tags with the same key",
            )
            .with("TagKey", k));
        }
        if k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidTag",
                "System tags cannot be added/updated by requester",
            )
            .with("TagKey", k));
        }
        if k.is_empty() || k.chars().count() > 128 || !tag_text_ok(k) {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidTag",
                "The TagKey you have provided is invalid",
            )
            .with("TagKey", k));
        }
        if v.chars().count() > 256 || !tag_text_ok(v) {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "InvalidTag",
                "The TagValue you have provided is invalid",
            )
            .with("TagKey", k)
            .with("TagValue", v));
        }
        tags.push((k.to_string(), v.to_string()));
    }
    if tags.len() > max {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("Object tags cannot be greater than {max}"),
        ));
    }
    Ok(tags)
}

fn tagging_xml(tags: &[(String, String)]) -> String {
    let mut x = Xml::new_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.open("Tagging", Some(XMLNS)).open("TagSet", None);
    for (k, v) in tags {
        x.open("Tag", None)
            .leaf("Key", k)
            .leaf("Value", v)
            .close("Tag");
    }
    x.close("TagSet").close("Tagging");
    x.finish()
}

/// The algorithms a PUT asks to compute: those it gives a value of (a
/// checksum header, or a trailer it announces); none given: CRC64NVME,
/// which S3 keeps for every object. `x-amz-sdk-checksum-algorithm` alone
/// asks for nothing, as on AWS.
fn requested_checksums(h: &HeaderMap) -> Result<Vec<Algorithm>, S3Error> {
    let mut out = Vec::new();
    for a in checksum::ALL {
        if h.contains_key(a.header()) && !out.contains(&a) {
            out.push(a);
        }
    }
    if let Some(t) = header(h, "x-amz-trailer") {
        for name in t.split(',') {
            if let Some(a) = checksum::ALL
                .into_iter()
                .find(|a| a.header().eq_ignore_ascii_case(name.trim()))
            {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    if out.len() > 1 {
        return Err(S3Error::invalid_request(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        ));
    }
    if out.is_empty() {
        out.push(Algorithm::Crc64Nvme);
    }
    Ok(out)
}

/// The checksum values the headers give, checked for form.
fn declared_checksums(
    h: &HeaderMap,
    algorithms: &[Algorithm],
) -> Result<Vec<(Algorithm, String)>, S3Error> {
    let mut out = Vec::new();
    for a in algorithms {
        if let Some(v) = header(h, a.header()) {
            if checksum::unb64(v).is_none_or(|raw| raw.len() != a.size()) {
                return Err(S3Error::invalid_request(format!(
                    "Value for {} header is invalid.",
                    a.header()
                )));
            }
            out.push((*a, v.to_string()));
        }
    }
    Ok(out)
}

/// Checks `Content-MD5`; a mismatch names the expected digest in hex
/// (PutObject) or base64 (UploadPart), as AWS does.
fn verify_md5(h: &HeaderMap, md5: &[u8; 16], expected_hex: bool) -> Result<(), S3Error> {
    let Some(given) = header(h, "content-md5") else {
        return Ok(());
    };
    match checksum::unb64(given) {
        Some(raw) if raw.len() == 16 => {
            if raw != md5 {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "BadDigest",
                    "The Content-MD5 you specified did not match what we received.",
                )
                .with(
                    "ExpectedDigest",
                    if expected_hex {
                        hex::encode(&raw)
                    } else {
                        given.to_string()
                    },
                )
                .with("CalculatedDigest", checksum::b64(md5)));
            }
            Ok(())
        }
        _ => Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidDigest",
            "The Content-MD5 you specified was invalid.",
        )
        .with("Content-MD5", given)),
    }
}

/// Checks declared (header or trailer) checksums against the computed
/// ones; the object's checksum.
fn verify_checksums(
    declared: &[(Algorithm, String)],
    computed: &[(Algorithm, String)],
    trailers: &[(String, String)],
) -> Result<Option<Checksum>, S3Error> {
    let mut given: Vec<(Algorithm, String)> = declared.to_vec();
    for (name, value) in trailers {
        if let Some(a) = checksum::ALL.into_iter().find(|a| a.header() == name) {
            given.push((a, value.clone()));
        }
    }
    for (a, v) in &given {
        if let Some((_, c)) = computed.iter().find(|(x, _)| x == a) {
            if c != v {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "BadDigest",
                    format!(
                        "The {} you specified did not match the calculated checksum.",
                        a.name()
                    ),
                ));
            }
        }
    }
    Ok(computed.first().map(|(a, v)| Checksum {
        algorithm: *a,
        value: v.clone(),
        kind: "FULL_OBJECT".into(),
    }))
}

fn etag_matches(list: &str, etag: &str) -> bool {
    let etag = etag.trim_matches('"');
    list.split(',')
        .map(|e| e.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|e| e == "*" || e == etag)
}

fn precondition_failed(condition: &str) -> S3Error {
    S3Error::new(
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
    )
    .with("Condition", condition)
}

/// Whether the object changed after the date (`None`: no date, or one
/// in the future, which S3 ignores).
fn modified_since(o: &Object, value: &str) -> Option<bool> {
    let t = wire::parse_http_date(value)?;
    if t.timestamp_millis() > now_ms() {
        return None;
    }
    Some(o.modified_ms / 1000 > t.timestamp())
}

type NotModified = fn(&str) -> Response<Body>;

fn not_modified(request_id: &str) -> Response<Body> {
    wire::empty(StatusCode::NOT_MODIFIED, request_id)
}

/// GET and HEAD's conditions: `Some` answers 304.
fn check_read_conditions(
    h: &HeaderMap,
    o: &Object,
    _head: bool,
) -> Result<Option<NotModified>, S3Error> {
    let if_match = header(h, "if-match");
    if let Some(m) = if_match {
        if !etag_matches(m, &o.etag) {
            return Err(precondition_failed("If-Match"));
        }
    } else if let Some(since) = header(h, "if-unmodified-since") {
        if modified_since(o, since) == Some(true) {
            return Err(precondition_failed("If-Unmodified-Since"));
        }
    }
    if let Some(m) = header(h, "if-none-match") {
        if etag_matches(m, &o.etag) {
            return Ok(Some(not_modified));
        }
    } else if let Some(since) = header(h, "if-modified-since") {
        if modified_since(o, since) == Some(false) {
            return Ok(Some(not_modified));
        }
    }
    Ok(None)
}

/// A PUT's conditions (`If-None-Match: *`, `If-Match`).
fn check_write_conditions(
    h: &HeaderMap,
    existing: Option<&Object>,
    key: &str,
) -> Result<(), S3Error> {
    let not_implemented = |header: &str, message: &str| {
        S3Error::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            "A header you provided implies functionality that is not implemented",
        )
        .with("Header", header)
        .with("additionalMessage", message)
    };
    let if_match = header(h, "if-match");
    let if_none_match = header(h, "if-none-match");
    if if_match.is_some() && if_none_match.is_some() {
        return Err(not_implemented(
            "If-Match,If-None-Match",
            "Multiple conditional request headers present in the request",
        ));
    }
    if let Some(v) = if_none_match {
        if v.trim() != "*" {
            return Err(not_implemented(
                "If-None-Match",
                "We don't accept the provided value of If-None-Match header for this API",
            ));
        }
        if existing.is_some() {
            return Err(precondition_failed("If-None-Match"));
        }
    }
    if let Some(v) = if_match {
        if v.trim() == "*" {
            return Err(not_implemented(
                "If-Match",
                "We don't accept the provided value of If-Match header for this API",
            ));
        }
        match existing {
            None => return Err(S3Error::no_such_key(key)),
            Some(o) if !etag_matches(v, &o.etag) => return Err(precondition_failed("If-Match")),
            _ => {}
        }
    }
    Ok(())
}

fn check_copy_conditions(h: &HeaderMap, o: &Object) -> Result<(), S3Error> {
    // AWS's order: If-Match, If-Unmodified-Since, If-None-Match,
    // If-Modified-Since.
    if let Some(m) = header(h, "x-amz-copy-source-if-match") {
        if !etag_matches(m, &o.etag) {
            return Err(precondition_failed("x-amz-copy-source-If-Match"));
        }
    }
    if let Some(s) = header(h, "x-amz-copy-source-if-unmodified-since") {
        if modified_since(o, s) == Some(true) {
            return Err(precondition_failed("x-amz-copy-source-If-Unmodified-Since"));
        }
    }
    if let Some(m) = header(h, "x-amz-copy-source-if-none-match") {
        if etag_matches(m, &o.etag) {
            return Err(precondition_failed("x-amz-copy-source-If-None-Match"));
        }
    }
    if let Some(s) = header(h, "x-amz-copy-source-if-modified-since") {
        if modified_since(o, s) == Some(false) {
            return Err(precondition_failed("x-amz-copy-source-If-Modified-Since"));
        }
    }
    Ok(())
}

#[allow(dead_code)]
fn handle_is_send(s3: Arc<S3>, parts: http::request::Parts) {
    fn send<T: Send>(_: T) {}
    send(async move {
        s3.handle(S3Request {
            parts: &parts,
            body: std::sync::Mutex::new(None),
            payload: Payload::Unsigned,
            request_id: "",
            source_ip: String::new(),
            principal: String::new(),
        })
        .await
    });
}
