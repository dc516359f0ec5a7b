//! Timestamps as the Lambda API writes them.

use chrono::{DateTime, Utc};

/// `2026-11-26T13:47:05.123+0000`, the form of `LastModified`.
pub fn lambda_timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// The current time in the `LastModified` form.
pub fn now() -> String {
    lambda_timestamp(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_like_aws() {
        let t = Utc.with_ymd_and_hms(2026, 11, 26, 13, 47, 5).unwrap()
            + chrono::Duration::milliseconds(123);
        assert_eq!(lambda_timestamp(t), "2026-11-26T13:47:05.123+0000");
    }
}
