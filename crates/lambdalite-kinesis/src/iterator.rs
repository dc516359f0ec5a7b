//! Sequence numbers and shard iterators: what they encode, as text a
//! client carries.
//!
//! A sequence number is 56 decimal digits laid out as AWS's are: in hex,
//! `2`, the shard's creation second (9 digits), the shard index's low
//! digit, the record's place in its shard (16), `00`, the record's second
//! (9), the shard index (8) and `2`. All of a stream's have the same
//! length, so comparing them as text compares them as numbers.
//! A shard iterator is base64 of the stream, its creation time, the
//! shard, the next place to read and when the iterator was issued.

use base64::Engine;

/// How long an iterator stays valid: five minutes, as on AWS.
pub const ITERATOR_TTL_MS: i64 = 5 * 60 * 1000;

/// Renders a sequence number: the shard created at `created_s`, the
/// record's place and the second it arrived.
pub fn sequence_number(created_s: i64, shard: u32, seq: u64, arrival_s: i64) -> String {
    let hex = format!(
        "2{:09x}{:x}{seq:016x}00{:09x}{shard:08x}2",
        created_s.max(0),
        shard & 0xf,
        arrival_s.max(0)
    );
    hex_to_decimal(&hex)
}

/// Reads a sequence number back: (shard creation second, shard, place).
pub fn parse_sequence_number(s: &str) -> Option<(i64, u32, u64)> {
    if s.is_empty() || s.len() > 60 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hex = decimal_to_hex(s);
    let b = hex.as_bytes();
    if hex.len() != 47 || b[0] != b'2' || b[46] != b'2' || &hex[27..29] != "00" {
        return None;
    }
    let created = i64::from_str_radix(&hex[1..10], 16).ok()?;
    let seq = u64::from_str_radix(&hex[11..27], 16).ok()?;
    let shard = u32::from_str_radix(&hex[38..46], 16).ok()?;
    (u32::from_str_radix(&hex[10..11], 16).ok()? == shard & 0xf).then_some((created, shard, seq))
}

/// Base conversion of digit strings (the numbers are wider than `u128`),
/// least significant limb first.
fn convert(digits: &str, from: u32, to: u32) -> Vec<u32> {
    let mut out: Vec<u32> = vec![0];
    for c in digits.chars() {
        let mut carry = c.to_digit(from).unwrap_or(0);
        for limb in out.iter_mut() {
            let v = *limb * from + carry;
            *limb = v % to;
            carry = v / to;
        }
        while carry > 0 {
            out.push(carry % to);
            carry /= to;
        }
    }
    out
}

fn render(limbs: Vec<u32>, radix: u32) -> String {
    let s: String = limbs
        .iter()
        .rev()
        .map(|d| char::from_digit(*d, radix).unwrap_or('0'))
        .collect();
    let t = s.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.into()
    }
}

fn hex_to_decimal(hex: &str) -> String {
    render(convert(hex, 16, 10), 10)
}

fn decimal_to_hex(dec: &str) -> String {
    render(convert(dec, 10, 16), 16)
}

/// A decoded shard iterator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iterator {
    pub stream: String,
    pub created_ms: i64,
    pub shard: u32,
    /// The place of the next record to read.
    pub next: u64,
    pub issued_ms: i64,
    /// Makes every iterator issued differ, as AWS's do.
    pub nonce: u64,
}

/// A number no other iterator of this process has.
pub fn nonce() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Iterator {
    pub fn encode(&self) -> String {
        let raw = format!(
            "{}|{}|{}|{}|{}|{}",
            self.stream, self.created_ms, self.shard, self.next, self.issued_ms, self.nonce
        );
        base64::engine::general_purpose::STANDARD.encode(raw)
    }

    pub fn decode(s: &str) -> Option<Iterator> {
        let raw = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let mut it = raw.split('|');
        let i = Iterator {
            stream: it.next()?.to_string(),
            created_ms: it.next()?.parse().ok()?,
            shard: it.next()?.parse().ok()?,
            next: it.next()?.parse().ok()?,
            issued_ms: it.next()?.parse().ok()?,
            nonce: it.next()?.parse().ok()?,
        };
        it.next().is_none().then_some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_read_back_and_order_as_text() {
        let a = sequence_number(1_700_000_000, 3, 9, 1_700_000_100);
        let b = sequence_number(1_700_000_000, 3, 10, 1_700_000_050);
        assert_eq!(a.len(), 56);
        assert!(a.starts_with("49"));
        assert!(a < b);
        assert_eq!(parse_sequence_number(&a), Some((1_700_000_000, 3, 9)));
        assert_eq!(parse_sequence_number("123"), None);
        assert_eq!(parse_sequence_number(&a.replace('4', "x")), None);
        // An AWS example decodes: created 2019-10-28, shard 0, place 0.
        let aws = "49600871682957036442365024926191073437251060580128653314";
        let (created, shard, seq) = parse_sequence_number(aws).unwrap();
        assert_eq!((shard, seq), (0, 0));
        assert_eq!(created / 86_400, 18_197);
        assert_eq!(hex_to_decimal(&decimal_to_hex(aws)), aws);
    }

    #[test]
    fn iterators_round_trip_and_reject_garbage() {
        let i = Iterator {
            stream: "s-1.a_b".into(),
            created_ms: 5,
            shard: 2,
            next: 40,
            issued_ms: 77,
            nonce: 3,
        };
        assert_eq!(Iterator::decode(&i.encode()), Some(i));
        assert_eq!(Iterator::decode("not an iterator"), None);
        assert_eq!(Iterator::decode("YXxifGM="), None);
    }
}
