//! Messages: their attributes and the digests AWS computes of them.

use std::collections::BTreeMap;

use base64::Engine as _;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

/// One message attribute (or system attribute) value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue {
    /// `String`, `Number`, `Binary`, optionally with a custom suffix
    /// (`Number.float`).
    pub data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    /// Base64, as on the wire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_value: Option<String>,
}

impl AttributeValue {
    pub fn is_binary(&self) -> bool {
        self.data_type == "Binary" || self.data_type.starts_with("Binary.")
    }

    fn bytes(&self) -> Vec<u8> {
        if self.is_binary() {
            self.binary_value
                .as_deref()
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .unwrap_or_default()
        } else {
            self.string_value.clone().unwrap_or_default().into_bytes()
        }
    }

    /// Size counted towards the message size limit: name, type and value.
    pub fn size(&self, name: &str) -> usize {
        name.len() + self.data_type.len() + self.bytes().len()
    }
}

pub type Attributes = BTreeMap<String, AttributeValue>;

/// The hex MD5 of a message body.
pub fn md5_of_body(body: &str) -> String {
    hex(&Md5::digest(body.as_bytes()))
}

/// The hex MD5 of message attributes as AWS computes it: for each
/// attribute in name order, the length-prefixed (4 bytes, big-endian) name
/// and data type, a transport byte (1 for strings and numbers, 2 for
/// binary) and the length-prefixed value. `None` without attributes.
pub fn md5_of_attributes(attributes: &Attributes) -> Option<String> {
    if attributes.is_empty() {
        return None;
    }
    let mut buf = Vec::new();
    let put = |buf: &mut Vec<u8>, bytes: &[u8]| {
        buf.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        buf.extend_from_slice(bytes);
    };
    for (name, value) in attributes {
        put(&mut buf, name.as_bytes());
        put(&mut buf, value.data_type.as_bytes());
        buf.push(if value.is_binary() { 2 } else { 1 });
        put(&mut buf, &value.bytes());
    }
    Some(hex(&Md5::digest(&buf)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(data_type: &str, v: &str) -> AttributeValue {
        AttributeValue {
            data_type: data_type.into(),
            string_value: Some(v.into()),
            binary_value: None,
        }
    }

    #[test]
    fn digests_as_aws_computes_them() {
        assert_eq!(md5_of_body("hello"), "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(md5_of_attributes(&Attributes::new()), None);
        // The digest is over length-prefixed fields in name order, so it
        // doesn't depend on the order they were given in.
        let mut a = Attributes::new();
        a.insert("b".into(), string("Number", "1"));
        a.insert("a".into(), string("String", "x"));
        let mut buf = Vec::new();
        for (n, t, v) in [("a", "String", "x"), ("b", "Number", "1")] {
            for part in [n, t] {
                buf.extend_from_slice(&(part.len() as u32).to_be_bytes());
                buf.extend_from_slice(part.as_bytes());
            }
            buf.push(1);
            buf.extend_from_slice(&(v.len() as u32).to_be_bytes());
            buf.extend_from_slice(v.as_bytes());
        }
        assert_eq!(md5_of_attributes(&a).unwrap(), hex(&Md5::digest(&buf)));
    }
}
