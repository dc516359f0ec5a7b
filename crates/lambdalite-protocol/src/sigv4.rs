//! Signature Version 4 verification of every API request, and who the
//! caller is.
//!
//! A request is signed either in its `Authorization` header or in its query
//! (a presigned URL). The canonical request is rebuilt from what arrived, the
//! signature recomputed with the secret of the named access key (HMAC-SHA256
//! from the `hmac` and `sha2` crates) and compared in constant time. The
//! credential scope must name the configured region and the service
//! `lambda`; the date must be within 15 minutes of the server's clock (a
//! presigned URL: until it expires). Functions get session credentials of
//! their own (see [`Auth::function_credentials`]), checked without any
//! state: the session token carries the function and role, sealed with a key
//! that lives as long as the process.
//!
//! With no credentials configured every request is let in as the account
//! itself; `lambdalite serve` allows that only on loopback.
//!
//! Every service on the shared listener verifies with the same keys;
//! [`Auth::verify_for`] names the service the credential scope must carry.

use std::collections::HashMap;

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use http::request::Parts;
use http::HeaderMap;
use lambdalite_model::LambdaError;
use sha2::{Digest, Sha256};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SERVICE: &str = "lambda";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// How far a request's date may be from the server's clock.
const SKEW_SECONDS: i64 = 15 * 60;
/// The longest a presigned URL may be valid (AWS: 7 days).
const MAX_EXPIRES_SECONDS: i64 = 604_800;
/// The total size of a request's headers lambdalite reads.
pub const HEADERS_MAX_BYTES: usize = 64 * 1024;
/// Session tokens lambdalite issues to functions start with this.
const TOKEN_PREFIX: &str = "LLS1.";

type HmacSha256 = Hmac<Sha256>;

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's account id.
    pub account: String,
    /// The caller's ARN (`arn:aws:iam::ACCOUNT:root`, a user, or a
    /// function's assumed role).
    pub arn: String,
}

impl Caller {
    pub fn root(account: &str) -> Caller {
        Caller {
            account: account.to_string(),
            arn: format!("arn:aws:iam::{account}:root"),
        }
    }
}

/// One access key lambdalite accepts.
#[derive(Debug, Clone)]
pub struct Key {
    pub secret: String,
    pub caller: Caller,
}

/// The credentials lambdalite checks requests against.
#[derive(Clone)]
pub struct Auth {
    /// Access key id → key. Empty: every request is let in.
    keys: HashMap<String, Key>,
    region: String,
    account: String,
    /// Seals the session credentials of functions.
    session_key: [u8; 32],
}

impl Auth {
    /// Checks requests against `keys`; with none, lets every request in as
    /// the account itself.
    pub fn new(keys: HashMap<String, Key>, region: &str, account: &str) -> Auth {
        let mut session_key = [0u8; 32];
        for chunk in session_key.chunks_mut(16) {
            chunk.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        }
        Auth {
            keys,
            region: region.to_string(),
            account: account.to_string(),
            session_key,
        }
    }

    /// Lets every request in (no credentials configured).
    pub fn open(region: &str, account: &str) -> Auth {
        Auth::new(HashMap::new(), region, account)
    }

    /// The account of the server's own keys.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The region every credential scope must name.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Whether requests are checked at all.
    pub fn enforced(&self) -> bool {
        !self.keys.is_empty()
    }

    /// Whether this caller is the account itself (may do anything).
    pub fn is_own(&self, caller: &Caller) -> bool {
        caller.account == self.account
    }

    /// The credentials a function is given: (access key id, secret access
    /// key, session token), accepted by this process with the identity of
    /// the function's execution role.
    pub fn function_credentials(&self, function: &str, role: &str) -> (String, String, String) {
        let payload = format!("{function}\n{role}");
        let token = format!(
            "{TOKEN_PREFIX}{}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&payload),
            hex(&self.mac(&[b"token\n", payload.as_bytes()]))
        );
        let (id, secret) = self.session_secret(&payload);
        (id, secret, token)
    }

    fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut m = HmacSha256::new_from_slice(&self.session_key).expect("any key length");
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().to_vec()
    }

    fn session_secret(&self, payload: &str) -> (String, String) {
        let id = hex(&self.mac(&[b"id\n", payload.as_bytes()]))[..16].to_ascii_uppercase();
        let secret = base64::engine::general_purpose::STANDARD
            .encode(self.mac(&[b"secret\n", payload.as_bytes()]));
        (format!("ASIA{id}"), secret)
    }

    /// The key a session token stands for, if this process issued it.
    fn session_key_for(&self, token: &str) -> Option<(String, Key)> {
        let rest = token.strip_prefix(TOKEN_PREFIX)?;
        let (payload_b64, mac_hex) = rest.split_once('.')?;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload_b64)
            .ok()?;
        let payload = String::from_utf8(payload).ok()?;
        let expected = hex(&self.mac(&[b"token\n", payload.as_bytes()]));
        if !constant_time_eq(expected.as_bytes(), mac_hex.as_bytes()) {
            return None;
        }
        let (function, role) = payload.split_once('\n')?;
        let (id, secret) = self.session_secret(&payload);
        // arn:aws:iam::ACCOUNT:role/NAME → the role's account and name.
        let mut fields = role.splitn(6, ':');
        let account = fields
            .nth(4)
            .filter(|a| a.len() == 12)
            .unwrap_or(&self.account);
        let role_name = role.rsplit('/').next().unwrap_or(role);
        let function_name = function.rsplit(':').next().unwrap_or(function);
        let caller = Caller {
            account: account.to_string(),
            arn: format!("arn:aws:sts::{account}:assumed-role/{role_name}/{function_name}"),
        };
        Some((id, Key { secret, caller }))
    }

    /// Verifies one request's signature; the caller it names, or AWS's
    /// error.
    pub fn verify(
        &self,
        parts: &Parts,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Caller, LambdaError> {
        self.check(parts, Some(body), now, SERVICE)
    }

    /// [`Auth::verify`] for a request signed for another service (an API's
    /// `@connections`, signed for `execute-api`).
    pub fn verify_for(
        &self,
        service: &str,
        parts: &Parts,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Caller, LambdaError> {
        self.check(parts, Some(body), now, service)
    }

    /// Everything [`Auth::verify`] checks but the signature itself, which
    /// needs the body: an unsigned request, an unknown key, a wrong scope or
    /// a stale date is refused before the body is read.
    pub fn precheck(&self, parts: &Parts, now: DateTime<Utc>) -> Result<Caller, LambdaError> {
        self.check(parts, None, now, SERVICE)
    }

    /// Verifies an S3 request from its head alone: the signature covers
    /// the payload hash the request declares (`x-amz-content-sha256`), and
    /// what that declaration still asks of the body comes back with the
    /// caller, for the body's reader to prove while it streams.
    pub fn verify_s3(&self, parts: &Parts, now: DateTime<Utc>) -> Result<Verified, LambdaError> {
        let mut payload = Payload::declared(&parts.headers);
        let (caller, signer) = self.check_head(parts, now, "s3")?;
        if let Payload::Chunked { signer: s, .. } = &mut payload {
            *s = signer;
        }
        Ok(Verified { caller, payload })
    }

    /// Verifies an S3 request signed with Signature Version 2: a query
    /// (`AWSAccessKeyId`, `Expires`, `Signature`, boto3's default for
    /// presigned URLs) or an `Authorization: AWS KEY:SIGNATURE` header.
    /// `bucket` is the bucket a virtual-hosted request's host names.
    pub fn verify_s3_v2(
        &self,
        parts: &Parts,
        bucket: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Verified, LambdaError> {
        let params = query_pairs(parts.uri.query().unwrap_or(""));
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let (access_key, signature, expires) =
            match header(&parts.headers, "authorization").and_then(|a| a.strip_prefix("AWS ")) {
                Some(rest) => {
                    let (k, sig) = rest.split_once(':').unwrap_or((rest, ""));
                    let date = header(&parts.headers, "x-amz-date")
                        .or_else(|| header(&parts.headers, "date"))
                        .unwrap_or("")
                        .to_string();
                    (k.to_string(), sig.to_string(), date)
                }
                None => match (get("AWSAccessKeyId"), get("Signature"), get("Expires")) {
                    (Some(k), Some(s), Some(e)) => (k, s, e),
                    _ => {
                        return Err(LambdaError::AccessDenied(
                            "Query-string authentication requires the Signature, Expires and \
                         AWSAccessKeyId parameters"
                                .into(),
                        ))
                    }
                },
            };
        let token = get("x-amz-security-token")
            .or_else(|| header(&parts.headers, "x-amz-security-token").map(str::to_string));
        let key = match self.keys.get(&access_key) {
            Some(k) => k.clone(),
            None => match token.as_deref().and_then(|t| self.session_key_for(t)) {
                Some((id, key)) if id == access_key => key,
                _ => return Err(unrecognized()),
            },
        };
        let presigned = header(&parts.headers, "authorization").is_none();
        if presigned {
            let until = expires.parse::<i64>().unwrap_or(0);
            if now.timestamp() > until {
                return Err(LambdaError::InvalidSignature(
                    "Signature expired: Request has expired".into(),
                ));
            }
        }
        // CanonicalizedAmzHeaders: x-amz-* headers, lower-cased, sorted.
        let mut amz: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter(|(k, _)| k.as_str().starts_with("x-amz-"))
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).trim().to_string(),
                )
            })
            .collect();
        amz.sort();
        let mut merged: Vec<(String, String)> = Vec::new();
        for (k, v) in amz {
            match merged.last_mut() {
                Some((lk, lv)) if *lk == k => {
                    lv.push(',');
                    lv.push_str(&v);
                }
                _ => merged.push((k, v)),
            }
        }
        let amz_headers: String = merged.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        const SUBRESOURCES: &[&str] = &[
            "acl",
            "cors",
            "delete",
            "lifecycle",
            "location",
            "logging",
            "notification",
            "partNumber",
            "policy",
            "requestPayment",
            "response-cache-control",
            "response-content-disposition",
            "response-content-encoding",
            "response-content-language",
            "response-content-type",
            "response-expires",
            "restore",
            "tagging",
            "torrent",
            "uploadId",
            "uploads",
            "versionId",
            "versioning",
            "versions",
            "website",
        ];
        let mut sub: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| SUBRESOURCES.contains(&k.as_str()))
            .cloned()
            .collect();
        sub.sort();
        let mut resource = match bucket {
            Some(b) => format!("/{b}{}", parts.uri.path()),
            None => parts.uri.path().to_string(),
        };
        for (i, (k, v)) in sub.iter().enumerate() {
            resource.push(if i == 0 { '?' } else { '&' });
            resource.push_str(k);
            if !v.is_empty() {
                resource.push('=');
                resource.push_str(v);
            }
        }
        let date_line = if presigned {
            expires
        } else if header(&parts.headers, "x-amz-date").is_some() {
            String::new()
        } else {
            expires
        };
        let to_sign = format!(
            "{}\n{}\n{}\n{date_line}\n{amz_headers}{resource}",
            parts.method.as_str(),
            header(&parts.headers, "content-md5").unwrap_or(""),
            header(&parts.headers, "content-type").unwrap_or(""),
        );
        let mut m =
            Hmac::<sha1::Sha1>::new_from_slice(key.secret.as_bytes()).expect("any key length");
        m.update(to_sign.as_bytes());
        let expected = base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes());
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return Err(LambdaError::InvalidSignature(
                "The request signature we calculated does not match the signature you provided."
                    .into(),
            ));
        }
        Ok(Verified {
            caller: key.caller,
            payload: Payload::declared(&parts.headers),
        })
    }

    /// What S3 shows of a SigV4 signature that does not match: the
    /// access key, the string to sign and the canonical request the server
    /// made, and the signature sent.
    pub fn s3_signature_details(&self, parts: &Parts) -> Option<SignatureDetails> {
        let params = query_pairs(parts.uri.query().unwrap_or(""));
        let presigned = params.iter().any(|(k, _)| k == "X-Amz-Algorithm");
        let sig = if presigned {
            SignatureInput::from_query(&params).ok()?
        } else {
            SignatureInput::from_header(header(&parts.headers, "authorization")?, &parts.headers)
                .ok()?
        };
        let (_, canonical) = s3_canonical_request(parts, &params, presigned, &sig);
        let string_to_sign = format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            sig.date,
            sig.scope(),
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        Some(SignatureDetails {
            access_key: sig.access_key.clone(),
            string_to_sign,
            canonical_request: canonical,
            signature_provided: sig.signature.clone(),
        })
    }

    fn check_head(
        &self,
        parts: &Parts,
        now: DateTime<Utc>,
        service: &str,
    ) -> Result<(Caller, Option<ChunkSigner>), LambdaError> {
        let query = parts.uri.query().unwrap_or("");
        let params = query_pairs(query);
        let presigned = params.iter().any(|(k, _)| k == "X-Amz-Algorithm");
        let (sig, key) = self.signature_and_key(parts, &params, presigned)?;
        self.check_scope(&sig, service)?;
        check_time(&sig, now)?;
        let (declared, canonical) = s3_canonical_request(parts, &params, presigned, &sig);
        let expected = signature(&key.secret, &sig.date, &sig.scope(), &canonical);
        if !constant_time_eq(expected.as_bytes(), sig.signature.as_bytes()) {
            return Err(LambdaError::InvalidSignature(
                "The request signature we calculated does not match the signature you provided. \
                 Check your key and signing method."
                    .into(),
            ));
        }
        let signer = declared
            .starts_with("STREAMING-AWS4-HMAC-SHA256")
            .then(|| ChunkSigner {
                key: signing_key(&key.secret, &sig.scope()),
                date: sig.date.clone(),
                scope: sig.scope(),
                previous: sig.signature.clone(),
            });
        Ok((key.caller, signer))
    }

    /// The signature a request carries and the key it names.
    fn signature_and_key(
        &self,
        parts: &Parts,
        params: &[(String, String)],
        presigned: bool,
    ) -> Result<(SignatureInput, Key), LambdaError> {
        let sig = if presigned {
            SignatureInput::from_query(params)?
        } else {
            match header(&parts.headers, "authorization") {
                Some(a) => SignatureInput::from_header(a, &parts.headers)?,
                None => {
                    return Err(LambdaError::MissingAuthenticationToken(
                        "Missing Authentication Token".into(),
                    ))
                }
            }
        };
        let token = if presigned {
            params
                .iter()
                .find(|(k, _)| k == "X-Amz-Security-Token")
                .map(|(_, v)| v.clone())
        } else {
            header(&parts.headers, "x-amz-security-token").map(str::to_string)
        };
        let key = match self.keys.get(&sig.access_key) {
            Some(k) => k.clone(),
            None => match token.as_deref().and_then(|t| self.session_key_for(t)) {
                Some((id, key)) if id == sig.access_key => key,
                _ => return Err(unrecognized()),
            },
        };
        Ok((sig, key))
    }

    fn check(
        &self,
        parts: &Parts,
        body: Option<&[u8]>,
        now: DateTime<Utc>,
        service: &str,
    ) -> Result<Caller, LambdaError> {
        let query = parts.uri.query().unwrap_or("");
        let params = query_pairs(query);
        let presigned = params.iter().any(|(k, _)| k == "X-Amz-Algorithm");
        let (sig, key) = self.signature_and_key(parts, &params, presigned)?;
        self.check_scope(&sig, service)?;
        check_time(&sig, now)?;
        let Some(body) = body else {
            return Ok(key.caller);
        };
        // The payload hashes the signature may cover: the header's, else the
        // body's (a presigned URL: or UNSIGNED-PAYLOAD, as S3-style signers
        // make them).
        let body_hash = hex(&Sha256::digest(body));
        let hashes: Vec<String> = match header(&parts.headers, "x-amz-content-sha256") {
            Some(UNSIGNED_PAYLOAD) => vec![UNSIGNED_PAYLOAD.to_string()],
            Some(h) => {
                if !h.eq_ignore_ascii_case(&body_hash) {
                    return Err(LambdaError::InvalidSignature(
                        "The provided 'x-amz-content-sha256' header does not match what was computed."
                            .into(),
                    ));
                }
                vec![h.to_ascii_lowercase()]
            }
            None if presigned => vec![body_hash, UNSIGNED_PAYLOAD.to_string()],
            None => vec![body_hash],
        };
        let matches = hashes.iter().any(|payload_hash| {
            let canonical = canonical_request(
                parts.method.as_str(),
                parts.uri.path(),
                &params,
                presigned,
                &parts.headers,
                &sig.signed_headers,
                payload_hash,
            );
            let expected = signature(&key.secret, &sig.date, &sig.scope(), &canonical);
            constant_time_eq(expected.as_bytes(), sig.signature.as_bytes())
        });
        if !matches {
            return Err(LambdaError::InvalidSignature(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details."
                    .into(),
            ));
        }
        Ok(key.caller)
    }

    fn check_scope(&self, sig: &SignatureInput, service: &str) -> Result<(), LambdaError> {
        if sig.scope_date != sig.date.get(..8).unwrap_or("") {
            return Err(LambdaError::InvalidSignature(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                 from HTTP: '{}' != '{}', from '{}'.",
                sig.scope_date,
                sig.date.get(..8).unwrap_or(""),
                sig.date
            )));
        }
        if sig.region != self.region {
            return Err(LambdaError::InvalidSignature(format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                sig.region
            )));
        }
        if sig.service != service {
            return Err(LambdaError::InvalidSignature(format!(
                "Credential should be scoped to correct service: '{service}'. "
            )));
        }
        if sig.terminator != "aws4_request" {
            return Err(LambdaError::InvalidSignature(format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
                sig.terminator
            )));
        }
        Ok(())
    }
}

/// Reads a credentials file: the INI form of `~/.aws/credentials`, one
/// section per key, with `aws_access_key_id`, `aws_secret_access_key` and,
/// optionally, `account_id` (default: the server's account) and
/// `principal` (default: `arn:aws:iam::ACCOUNT:root` for the server's own
/// account, else `arn:aws:iam::ACCOUNT:user/SECTION`).
pub fn parse_credentials_file(
    text: &str,
    own_account: &str,
) -> Result<HashMap<String, Key>, String> {
    let mut sections: Vec<(String, HashMap<String, String>)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push((name.trim().to_string(), HashMap::new()));
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected `key = value` or `[section]`", n + 1))?;
        let Some((_, fields)) = sections.last_mut() else {
            return Err(format!("line {}: a key before any [section]", n + 1));
        };
        fields.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let mut keys = HashMap::new();
    for (name, mut f) in sections {
        let id = f
            .remove("aws_access_key_id")
            .ok_or_else(|| format!("[{name}] has no aws_access_key_id"))?;
        let secret = f
            .remove("aws_secret_access_key")
            .ok_or_else(|| format!("[{name}] has no aws_secret_access_key"))?;
        let account = f
            .remove("account_id")
            .unwrap_or_else(|| own_account.to_string());
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "[{name}]: account_id must be 12 digits, not {account:?}"
            ));
        }
        let arn = f.remove("principal").unwrap_or_else(|| {
            if account == own_account {
                format!("arn:aws:iam::{account}:root")
            } else {
                format!("arn:aws:iam::{account}:user/{name}")
            }
        });
        if let Some(unknown) = f.keys().next() {
            return Err(format!("[{name}]: unknown key {unknown:?}"));
        }
        if id.is_empty() || secret.is_empty() {
            return Err(format!("[{name}]: empty access key id or secret"));
        }
        if keys
            .insert(
                id.clone(),
                Key {
                    secret,
                    caller: Caller { account, arn },
                },
            )
            .is_some()
        {
            return Err(format!("access key id {id} appears twice"));
        }
    }
    Ok(keys)
}

fn unrecognized() -> LambdaError {
    LambdaError::UnrecognizedClient("The security token included in the request is invalid.".into())
}

/// The parts of a signature, from the header or the query.
#[derive(Debug)]
struct SignatureInput {
    access_key: String,
    scope_date: String,
    region: String,
    service: String,
    terminator: String,
    signed_headers: Vec<String>,
    signature: String,
    /// `X-Amz-Date` (ISO 8601 basic).
    date: String,
    /// Seconds a presigned URL is valid.
    expires: Option<i64>,
}

impl SignatureInput {
    fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.scope_date, self.region, self.service, self.terminator
        )
    }

    fn credential(value: &str) -> Result<(String, String, String, String, String), LambdaError> {
        let f: Vec<&str> = value.split('/').collect();
        if f.len() != 5 || f[0].is_empty() {
            return Err(LambdaError::IncompleteSignature(format!(
                "Credential must have exactly 5 slash-delimited elements, e.g. \
                 keyid/date/region/service/term, got '{value}'"
            )));
        }
        Ok((
            f[0].into(),
            f[1].into(),
            f[2].into(),
            f[3].into(),
            f[4].into(),
        ))
    }

    fn from_header(auth: &str, headers: &HeaderMap) -> Result<SignatureInput, LambdaError> {
        let (algorithm, rest) = auth.trim().split_once(' ').unwrap_or((auth.trim(), ""));
        if algorithm != ALGORITHM {
            return Err(LambdaError::IncompleteSignature(format!(
                "Authorization header requires '{ALGORITHM}' as its algorithm. Authorization={auth}"
            )));
        }
        let mut fields: HashMap<&str, &str> = HashMap::new();
        for item in rest.split(',') {
            if let Some((k, v)) = item.trim().split_once('=') {
                fields.insert(k.trim(), v.trim());
            }
        }
        let date = header(headers, "x-amz-date")
            .map(str::to_string)
            .or_else(|| header(headers, "date").and_then(http_date_to_amz));
        let mut missing = Vec::new();
        for f in ["Credential", "Signature", "SignedHeaders"] {
            if !fields.contains_key(f) {
                missing.push(format!("Authorization header requires '{f}' parameter."));
            }
        }
        if date.is_none() {
            missing.push(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                    .into(),
            );
        }
        if !missing.is_empty() {
            return Err(LambdaError::IncompleteSignature(format!(
                "{} Authorization={auth}",
                missing.join(" ")
            )));
        }
        let (access_key, scope_date, region, service, terminator) =
            Self::credential(fields["Credential"])?;
        Ok(SignatureInput {
            access_key,
            scope_date,
            region,
            service,
            terminator,
            signed_headers: fields["SignedHeaders"]
                .split(';')
                .map(str::to_ascii_lowercase)
                .collect(),
            signature: fields["Signature"].to_string(),
            date: date.unwrap_or_default(),
            expires: None,
        })
    }

    fn from_query(params: &[(String, String)]) -> Result<SignatureInput, LambdaError> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let mut missing = Vec::new();
        for f in [
            "X-Amz-Credential",
            "X-Amz-Signature",
            "X-Amz-SignedHeaders",
            "X-Amz-Date",
        ] {
            if get(f).is_none() {
                missing.push(format!("AWS query-string parameters must include '{f}'."));
            }
        }
        if get("X-Amz-Algorithm") != Some(ALGORITHM) {
            missing.push(format!(
                "AWS query-string parameter 'X-Amz-Algorithm' must be '{ALGORITHM}'."
            ));
        }
        if !missing.is_empty() {
            return Err(LambdaError::IncompleteSignature(format!(
                "{} Re-examine the query-string parameters.",
                missing.join(" ")
            )));
        }
        let expires = match get("X-Amz-Expires") {
            None => None,
            Some(e) => match e.parse::<i64>() {
                Ok(n) if (1..=MAX_EXPIRES_SECONDS).contains(&n) => Some(n),
                _ => {
                    return Err(LambdaError::IncompleteSignature(format!(
                        "X-Amz-Expires must be a whole number of seconds from 1 to \
                         {MAX_EXPIRES_SECONDS}, not '{e}'."
                    )))
                }
            },
        };
        let (access_key, scope_date, region, service, terminator) =
            Self::credential(get("X-Amz-Credential").unwrap_or_default())?;
        Ok(SignatureInput {
            access_key,
            scope_date,
            region,
            service,
            terminator,
            signed_headers: get("X-Amz-SignedHeaders")
                .unwrap_or_default()
                .split(';')
                .map(str::to_ascii_lowercase)
                .collect(),
            signature: get("X-Amz-Signature").unwrap_or_default().to_string(),
            date: get("X-Amz-Date").unwrap_or_default().to_string(),
            expires,
        })
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// An RFC 7231 `Date` as ISO 8601 basic.
fn http_date_to_amz(value: &str) -> Option<String> {
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|d| d.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string())
}

fn parse_amz_date(value: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|d| d.and_utc())
}

fn amz(d: DateTime<Utc>) -> String {
    d.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The 15-minute window (or a presigned URL's validity), worded as AWS's.
fn check_time(sig: &SignatureInput, now: DateTime<Utc>) -> Result<(), LambdaError> {
    let Some(date) = parse_amz_date(&sig.date) else {
        return Err(LambdaError::IncompleteSignature(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See \
             http://en.wikipedia.org/wiki/ISO_8601",
            sig.date
        )));
    };
    let skew = chrono::Duration::seconds(SKEW_SECONDS);
    if date > now + skew {
        return Err(LambdaError::InvalidSignature(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            sig.date,
            amz(now + skew),
            amz(now)
        )));
    }
    match sig.expires {
        Some(secs) => {
            let until = date + chrono::Duration::seconds(secs);
            if now > until {
                return Err(LambdaError::InvalidSignature(format!(
                    "Signature expired: {} is now earlier than {} ({} - {secs} sec.)",
                    sig.date,
                    amz(now - chrono::Duration::seconds(secs)),
                    amz(now)
                )));
            }
        }
        None => {
            if date < now - skew {
                return Err(LambdaError::InvalidSignature(format!(
                    "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                    sig.date,
                    amz(now - skew),
                    amz(now)
                )));
            }
        }
    }
    Ok(())
}

/// Splits a raw query into decoded pairs, in order.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes (a malformed escape stays as it is).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hexpair = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hexpair.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// URI-encodes as SigV4 asks: everything but unreserved characters (and
/// `/` when `keep_slash`).
fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric()
            || matches!(c, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && c == b'/')
        {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// The canonical URI of a (non-S3) request: the path as sent, with dot
/// segments and empty segments removed, encoded once more.
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut normalized = format!("/{}", segments.join("/"));
    if path.ends_with('/') && normalized != "/" {
        normalized.push('/');
    }
    uri_encode(&normalized, true)
}

fn canonical_request(
    method: &str,
    path: &str,
    params: &[(String, String)],
    presigned: bool,
    headers: &HeaderMap,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    canonical_request_with(
        method,
        &canonical_uri(path),
        params,
        presigned,
        headers,
        signed_headers,
        payload_hash,
    )
}

/// S3's canonical request (the path encoded once, nothing normalised,
/// the payload hash as declared), with that declared hash.
fn s3_canonical_request(
    parts: &Parts,
    params: &[(String, String)],
    presigned: bool,
    sig: &SignatureInput,
) -> (String, String) {
    let declared = if presigned {
        UNSIGNED_PAYLOAD.to_string()
    } else {
        header(&parts.headers, "x-amz-content-sha256")
            .unwrap_or(UNSIGNED_PAYLOAD)
            .to_string()
    };
    let canonical = canonical_request_with(
        parts.method.as_str(),
        &uri_encode(&percent_decode(parts.uri.path()), true),
        params,
        presigned,
        &parts.headers,
        &sig.signed_headers,
        &declared,
    );
    (declared, canonical)
}

/// The canonical request with its canonical URI already made (S3's is
/// the path encoded once, with nothing normalised).
fn canonical_request_with(
    method: &str,
    canonical_uri: &str,
    params: &[(String, String)],
    presigned: bool,
    headers: &HeaderMap,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    let mut query: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !(presigned && k == "X-Amz-Signature"))
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    query.sort();
    let query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    format!(
        "{method}\n{canonical_uri}\n{query}\n{canonical_headers}\n{}\n{payload_hash}",
        signed_headers.join(";")
    )
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("any key length");
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// The hex signature of a canonical request.
fn signature(secret: &str, date: &str, scope: &str, canonical: &str) -> String {
    let string_to_sign = format!(
        "{ALGORITHM}\n{date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    hex(&hmac(&signing_key(secret, scope), &string_to_sign))
}

/// Credentials lambdalite signs its own requests with (to another
/// service: a DynamoDB-compatible server, or AWS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// Signs a POST of `body` to `host` at `/` with the awsJson headers
/// given (`content-type`, `x-amz-target`): the headers to add
/// (`x-amz-date`, `x-amz-security-token`, `authorization`).
pub fn sign_post(
    credentials: &Credentials,
    region: &str,
    service: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    now: DateTime<Utc>,
) -> Vec<(String, String)> {
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let scope = format!("{}/{region}/{service}/aws4_request", &stamp[..8]);
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    signed.push(("host".into(), host.to_string()));
    signed.push(("x-amz-date".into(), stamp.clone()));
    if let Some(t) = &credentials.session_token {
        signed.push(("x-amz-security-token".into(), t.clone()));
    }
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let names: Vec<&str> = signed.iter().map(|(k, _)| k.as_str()).collect();
    let canonical = format!(
        "POST\n/\n\n{canonical_headers}\n{}\n{}",
        names.join(";"),
        hex(&Sha256::digest(body))
    );
    let sig = signature(&credentials.secret_access_key, &stamp, &scope, &canonical);
    let mut out = vec![("x-amz-date".to_string(), stamp)];
    if let Some(t) = &credentials.session_token {
        out.push(("x-amz-security-token".into(), t.clone()));
    }
    out.push((
        "authorization".into(),
        format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={sig}",
            credentials.access_key_id,
            names.join(";")
        ),
    ));
    out
}

/// The key a scope's signatures are made with.
fn signing_key(secret: &str, scope: &str) -> Vec<u8> {
    let mut parts = scope.split('/');
    let mut key = hmac(
        format!("AWS4{secret}").as_bytes(),
        parts.next().unwrap_or(""),
    );
    for p in parts {
        key = hmac(&key, p);
    }
    key
}

/// The hex sha256 of nothing.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// See [`Auth::s3_signature_details`].
#[derive(Debug, Clone)]
pub struct SignatureDetails {
    pub access_key: String,
    pub string_to_sign: String,
    pub canonical_request: String,
    pub signature_provided: String,
}

/// A verified S3 request: who sent it, and what its body must prove.
#[derive(Debug)]
pub struct Verified {
    pub caller: Caller,
    pub payload: Payload,
}

/// What an S3 request declares about its body (`x-amz-content-sha256`).
#[derive(Debug, Clone)]
pub enum Payload {
    /// `UNSIGNED-PAYLOAD`, a presigned URL, or nothing declared.
    Unsigned,
    /// The body must hash to this (lowercase hex sha256).
    Sha256(String),
    /// `aws-chunked` framing (`STREAMING-…`): each chunk's signature is
    /// checked by `signer` when the payload is signed; `trailer` when
    /// checksums follow the last chunk.
    Chunked {
        signer: Option<ChunkSigner>,
        trailer: bool,
    },
}

impl Payload {
    /// What the headers declare, unverified (when requests are not checked,
    /// the framing must still be read).
    pub fn declared(headers: &HeaderMap) -> Payload {
        match header(headers, "x-amz-content-sha256") {
            Some(h) if h.starts_with("STREAMING-") => Payload::Chunked {
                signer: None,
                trailer: h.ends_with("-TRAILER"),
            },
            Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Payload::Sha256(h.to_ascii_lowercase())
            }
            _ => Payload::Unsigned,
        }
    }
}

/// Checks the chain of an `aws-chunked` body's signatures: each chunk's
/// signs its data after the previous one's (the first after the request's).
#[derive(Debug, Clone)]
pub struct ChunkSigner {
    key: Vec<u8>,
    date: String,
    scope: String,
    previous: String,
}

impl ChunkSigner {
    /// Whether `signature` is the next chunk's, for data hashing to
    /// `data_sha256`; the chain moves on when it is.
    pub fn chunk(&mut self, data_sha256: &[u8], signature: &str) -> bool {
        let to_sign = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{}\n{EMPTY_SHA256}\n{}",
            self.date,
            self.scope,
            self.previous,
            hex(data_sha256)
        );
        self.advance(&to_sign, signature)
    }

    /// Whether `signature` signs the trailing headers (`name:value\n`
    /// each, as they came).
    pub fn trailer(&mut self, canonical_trailers: &str, signature: &str) -> bool {
        let to_sign = format!(
            "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{}\n{}",
            self.date,
            self.scope,
            self.previous,
            hex(&Sha256::digest(canonical_trailers.as_bytes()))
        );
        self.advance(&to_sign, signature)
    }

    fn advance(&mut self, to_sign: &str, signature: &str) -> bool {
        let expected = hex(&hmac(&self.key, to_sign));
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return false;
        }
        self.previous = expected;
        true
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request as HttpRequest;

    fn auth() -> Auth {
        let mut keys = HashMap::new();
        keys.insert(
            "AKIDEXAMPLE".to_string(),
            Key {
                secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
                caller: Caller::root("000000000000"),
            },
        );
        Auth::new(keys, "us-east-1", "000000000000")
    }

    fn now() -> DateTime<Utc> {
        parse_amz_date("20150830T123600Z").unwrap()
    }

    /// Signs like an SDK does, to test verification against.
    fn sign(req: &mut HttpRequest<()>, body: &[u8], secret: &str, date: &str) {
        let signed: Vec<String> = vec!["host".into(), "x-amz-date".into()];
        req.headers_mut()
            .insert("x-amz-date", date.parse().unwrap());
        let params = query_pairs(req.uri().query().unwrap_or(""));
        let canonical = canonical_request(
            req.method().as_str(),
            req.uri().path(),
            &params,
            false,
            req.headers(),
            &signed,
            &hex(&Sha256::digest(body)),
        );
        let scope = format!("{}/us-east-1/lambda/aws4_request", &date[..8]);
        let sig = signature(secret, date, &scope, &canonical);
        let value = format!(
            "{ALGORITHM} Credential=AKIDEXAMPLE/{scope}, SignedHeaders={}, Signature={sig}",
            signed.join(";")
        );
        req.headers_mut()
            .insert("authorization", value.parse().unwrap());
    }

    fn request(path: &str) -> HttpRequest<()> {
        HttpRequest::builder()
            .method("GET")
            .uri(path)
            .header("host", "127.0.0.1:9001")
            .body(())
            .unwrap()
    }

    #[test]
    fn signing_key_matches_aws_example() {
        // AWS's documented example of the signing arithmetic (the IAM
        // ListUsers request of the SigV4 documentation).
        let canonical = "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let sig = signature(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830T123600Z",
            "20150830/us-east-1/iam/aws4_request",
            canonical,
        );
        assert_eq!(
            sig,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn accepts_a_good_signature_and_refuses_a_changed_one() {
        let a = auth();
        let mut req = request("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af?Qualifier=%24LATEST");
        sign(
            &mut req,
            b"",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830T123600Z",
        );
        let (parts, ()) = req.into_parts();
        assert_eq!(
            a.verify(&parts, b"", now()),
            Ok(Caller::root("000000000000"))
        );
        assert!(matches!(
            a.verify(&parts, b"x", now()),
            Err(LambdaError::InvalidSignature(_))
        ));
        let late = now() + chrono::Duration::minutes(16);
        match a.verify(&parts, b"", late) {
            Err(LambdaError::InvalidSignature(m)) => assert_eq!(
                m,
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_keys_and_missing_signatures_are_refused() {
        let a = auth();
        let (parts, ()) = request("/2015-03-31/functions").into_parts();
        assert!(matches!(
            a.verify(&parts, b"", now()),
            Err(LambdaError::MissingAuthenticationToken(_))
        ));
        let mut req = request("/2015-03-31/functions");
        sign(&mut req, b"", "x", "20150830T123600Z");
        let value = req.headers()["authorization"]
            .to_str()
            .unwrap()
            .replace("AKIDEXAMPLE", "AKIDOTHER");
        req.headers_mut()
            .insert("authorization", value.parse().unwrap());
        let (parts, ()) = req.into_parts();
        assert_eq!(a.verify(&parts, b"", now()), Err(unrecognized()));
        assert_eq!(a.precheck(&parts, now()), Err(unrecognized()));
    }

    #[test]
    fn function_credentials_verify_as_the_role() {
        let a = auth();
        let (id, secret, token) = a.function_credentials(
            "arn:aws:lambda:us-east-1:000000000000:function:f",
            "arn:aws:iam::111111111111:role/r",
        );
        let (kid, key) = a.session_key_for(&token).unwrap();
        assert_eq!(kid, id);
        assert_eq!(key.secret, secret);
        assert_eq!(key.caller.account, "111111111111");
        assert_eq!(key.caller.arn, "arn:aws:sts::111111111111:assumed-role/r/f");
        let forged = token.replace("LLS1.", "LLS1.x");
        assert!(a.session_key_for(&forged).is_none());
        assert!(a.session_key_for("garbage").is_none());
    }

    #[test]
    fn reads_credentials_files() {
        let keys = parse_credentials_file(
            "# keys\n[admin]\naws_access_key_id = A1\naws_secret_access_key = s1\n\n\
             [bob]\naws_access_key_id=B1\naws_secret_access_key=s2\naccount_id=111111111111\n",
            "000000000000",
        )
        .unwrap();
        assert_eq!(keys["A1"].caller, Caller::root("000000000000"));
        assert_eq!(keys["B1"].caller.arn, "arn:aws:iam::111111111111:user/bob");
        assert!(parse_credentials_file("x=1", "000000000000").is_err());
        assert!(parse_credentials_file("[a]\naws_access_key_id=A\n", "000000000000").is_err());
        assert!(parse_credentials_file(
            "[a]\naws_access_key_id=A\naws_secret_access_key=s\nacount_id=1\n",
            "000000000000"
        )
        .is_err());
    }

    #[test]
    fn canonical_uri_encodes_twice_and_normalises() {
        assert_eq!(canonical_uri("/a/%3A/./b//c/"), "/a/%253A/b/c/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a/../b"), "/b");
    }

    #[test]
    fn posts_signed_here_verify() {
        let creds = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        let body = br#"{"StreamArn":"x"}"#;
        let headers = [
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "DynamoDBStreams_20120810.DescribeStream"),
        ];
        let added = sign_post(
            &creds,
            "us-east-1",
            "dynamodb",
            "example.com",
            &headers,
            body,
            now(),
        );
        let mut req = HttpRequest::builder()
            .method("POST")
            .uri("/")
            .header("host", "example.com");
        for (k, v) in headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain(added)
        {
            req = req.header(k, v);
        }
        let (parts, ()) = req.body(()).unwrap().into_parts();
        let a = auth();
        assert!(a.verify_for("dynamodb", &parts, body, now()).is_ok());
        assert!(a.verify_for("dynamodb", &parts, b"{}", now()).is_err());
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let a = auth();
        for auth_value in [
            "",
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=, Signature=",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2/us-east-1/lambda/aws4_request,SignedHeaders=host,Signature=00",
            "\u{7f}",
        ] {
            let mut req = request("/%/%zz/%e9?%=%&&=&X");
            if let Ok(v) = auth_value.parse() {
                req.headers_mut().insert("authorization", v);
            }
            req.headers_mut().insert("x-amz-date", "2015".parse().unwrap());
            let (parts, ()) = req.into_parts();
            assert!(a.verify(&parts, b"", now()).is_err());
        }
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("a%41"), "aA");
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    pub fn signing_key(secret: &str, scope: &str) -> Vec<u8> {
        super::signing_key(secret, scope)
    }

    pub fn signer(key: Vec<u8>, date: &str, scope: &str, seed: &str) -> super::ChunkSigner {
        super::ChunkSigner {
            key,
            date: date.into(),
            scope: scope.into(),
            previous: seed.into(),
        }
    }
}
