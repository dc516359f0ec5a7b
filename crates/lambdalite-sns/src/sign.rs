//! SNS's message signatures, with a key of lambdalite's own.
//!
//! AWS signs each message it delivers (SignatureVersion 1: SHA1withRSA,
//! 2: SHA256withRSA) over a canonical string of its fields, and serves the
//! signing certificate at the message's SigningCertURL. lambdalite does
//! the same with an RSA key made on first use and kept in the data
//! directory, and a self-signed certificate for it, so consumers that
//! verify signatures verify these.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer as _};
use rsa::RsaPrivateKey;
use sha2::Digest as _;

/// The key and its certificate.
pub struct Signer {
    key: RsaPrivateKey,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The certificate's file name (`SimpleNotificationService-HASH.pem`).
    pub cert_name: String,
}

const KEY_FILE: &str = "sns-signing-key.pem";

impl Signer {
    /// Loads the key kept under `dir`, or makes and keeps one.
    pub fn load_or_create(dir: &Path) -> std::io::Result<Signer> {
        let path: PathBuf = dir.join(KEY_FILE);
        let key = match std::fs::read_to_string(&path) {
            Ok(pem) => RsaPrivateKey::from_pkcs8_pem(&pem).map_err(std::io::Error::other)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
                    .map_err(std::io::Error::other)?;
                let pem = key
                    .to_pkcs8_pem(LineEnding::LF)
                    .map_err(std::io::Error::other)?;
                let tmp = path.with_extension("tmp");
                std::fs::write(&tmp, pem.as_bytes())?;
                std::fs::rename(&tmp, &path)?;
                key
            }
            Err(e) => return Err(e),
        };
        Signer::from_key(key)
    }

    fn from_key(key: RsaPrivateKey) -> std::io::Result<Signer> {
        let spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(std::io::Error::other)?;
        let der = certificate(&key, spki.as_bytes())?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let mut cert_pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            cert_pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            cert_pem.push('\n');
        }
        cert_pem.push_str("-----END CERTIFICATE-----\n");
        let hash = hex_of(&sha2::Sha256::digest(spki.as_bytes())[..16]);
        Ok(Signer {
            key,
            cert_pem,
            cert_name: format!("SimpleNotificationService-{hash}.pem"),
        })
    }

    /// The base64 signature of `text` for `version` ("1": SHA1, "2": SHA256).
    pub fn sign(&self, version: &str, text: &str) -> String {
        let sig = if version == "2" {
            SigningKey::<sha2::Sha256>::new(self.key.clone())
                .sign(text.as_bytes())
                .to_vec()
        } else {
            SigningKey::<sha1::Sha1>::new(self.key.clone())
                .sign(text.as_bytes())
                .to_vec()
        };
        base64::engine::general_purpose::STANDARD.encode(sig)
    }
}

/// AWS's canonical string of a message: each present field of `names`,
/// in that order, as `Name\nValue\n`.
pub fn canonical(fields: &[(&str, Option<&str>)]) -> String {
    let mut out = String::new();
    for (name, value) in fields {
        if let Some(v) = value {
            out.push_str(name);
            out.push('\n');
            out.push_str(v);
            out.push('\n');
        }
    }
    out
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// DER, as much of it as a self-signed certificate needs.

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// sha256WithRSAEncryption, with its NULL parameters.
fn sha256_with_rsa() -> Vec<u8> {
    seq(&[
        tlv(
            0x06,
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
        ),
        vec![0x05, 0x00],
    ])
}

/// `CN=name` as an X.501 Name.
fn name(cn: &str) -> Vec<u8> {
    seq(&[tlv(
        0x31,
        &seq(&[tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0c, cn.as_bytes())]),
    )])
}

fn certificate(key: &RsaPrivateKey, spki: &[u8]) -> std::io::Result<Vec<u8>> {
    let now = chrono::Utc::now() - chrono::Duration::days(1);
    let not_before = now.format("%y%m%d%H%M%SZ").to_string();
    let mut serial = rand::random::<[u8; 8]>();
    serial[0] &= 0x7f;
    let tbs = seq(&[
        tlv(0xa0, &tlv(0x02, &[2])),
        tlv(0x02, &serial),
        sha256_with_rsa(),
        name("sns.amazonaws.com"),
        seq(&[
            tlv(0x17, not_before.as_bytes()),
            tlv(0x17, b"491231235959Z"),
        ]),
        name("sns.amazonaws.com"),
        spki.to_vec(),
    ]);
    let signature = SigningKey::<sha2::Sha256>::new(key.clone())
        .sign(&tbs)
        .to_vec();
    let mut bits = vec![0u8];
    bits.extend(signature);
    Ok(seq(&[tbs, sha256_with_rsa(), tlv(0x03, &bits)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::VerifyingKey;
    use rsa::signature::Verifier as _;

    #[test]
    fn signatures_verify_with_the_key_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = Signer::load_or_create(dir.path()).unwrap();
        assert!(s.cert_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        let text = canonical(&[
            ("Message", Some("hi")),
            ("Subject", None),
            ("Type", Some("Notification")),
        ]);
        assert_eq!(text, "Message\nhi\nType\nNotification\n");
        let sig = base64::engine::general_purpose::STANDARD
            .decode(s.sign("1", &text))
            .unwrap();
        let vk = VerifyingKey::<sha1::Sha1>::new(s.key.to_public_key());
        vk.verify(
            text.as_bytes(),
            &rsa::pkcs1v15::Signature::try_from(sig.as_slice()).unwrap(),
        )
        .unwrap();
        // The same key after a restart.
        let again = Signer::load_or_create(dir.path()).unwrap();
        assert_eq!(again.key, s.key);
    }
}
