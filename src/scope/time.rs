//! Time as scope and probes write it, with `jiff`: RFC 3339 timestamps for expiry and
//! notes, RFC 1123 dates for signed requests, and the current Unix time.

/// The current Unix time in seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Unix seconds as an RFC 3339 UTC timestamp (`2030-01-01T00:00:00Z`); out-of-range
/// values clamp to jiff's limits.
pub fn rfc3339(secs: i64) -> String {
    timestamp(secs).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Unix seconds as an RFC 1123 date (`Thu, 01 Jan 2026 00:00:00 GMT`).
pub fn http_date(secs: i64) -> String {
    timestamp(secs).strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn timestamp(secs: i64) -> jiff::Timestamp {
    let clamped = secs.clamp(jiff::Timestamp::MIN.as_second(), jiff::Timestamp::MAX.as_second());
    jiff::Timestamp::from_second(clamped).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_as_rfc3339_and_rfc1123() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_893_456_000), "2030-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(86_400 * 3), "Sun, 04 Jan 1970 00:00:00 GMT");
        assert!(rfc3339(i64::MAX).starts_with("9999-"), "a hostile exp claim clamps, never panics");
    }
}
