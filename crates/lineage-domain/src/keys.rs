//! Store keys that always fit: DynamoDB partition and sort keys are at most 1,024 bytes here
//! (UTF-8), S3 key parts are plain names. A text that cannot be a key as it is (too long, `.`
//! or `..`, empty, or changed by sanitising, so two names could collide) keeps a readable prefix
//! and gets a stable hash suffix of the original (FNV-1a, 64 bits, the same on every platform
//! and release).

/// The most bytes of a DynamoDB key attribute the agent writes (the sort key limit; the
/// partition key limit, 2,048, is larger).
pub const MAX_KEY_BYTES: usize = 1024;

/// The most bytes of one S3 key part (a job name or a run id in a document key).
pub const MAX_KEY_PART_BYTES: usize = 200;

/// FNV-1a over the bytes: stable across platforms and releases (unlike `std`'s hasher).
pub fn stable_hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The longest prefix of `text` that is at most `max` bytes and ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` when it is at most `max_bytes` long, else its prefix and `#` and the 16-hex-digit
/// hash of the whole text, `max_bytes` long at most.
pub fn bounded(text: String, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text;
    }
    let suffix = format!("#{:016x}", stable_hash(&text));
    format!(
        "{}{suffix}",
        prefix(&text, max_bytes.saturating_sub(suffix.len()))
    )
}

/// `text` as one path segment of an S3 key or file path: characters other than ASCII letters,
/// digits, `-`, `_` and `.` become `_`; when that changed anything, or the result is empty,
/// `.`, `..` or longer than [`MAX_KEY_PART_BYTES`], the segment is a readable prefix plus `-`
/// and the hash of the original, so two names never share a segment.
pub fn key_part(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean == text
        && !clean.is_empty()
        && clean != "."
        && clean != ".."
        && clean.len() <= MAX_KEY_PART_BYTES
    {
        return clean;
    }
    let suffix = format!("-{:016x}", stable_hash(text));
    let head = prefix(&clean, MAX_KEY_PART_BYTES - suffix.len()).trim_matches('.');
    format!("{head}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_kept_and_long_ones_bounded_with_a_stable_suffix() {
        assert_eq!(bounded("abc".into(), 10), "abc");
        let long = "é".repeat(2000);
        let b = bounded(long.clone(), MAX_KEY_BYTES);
        assert!(b.len() <= MAX_KEY_BYTES, "{}", b.len());
        assert_eq!(b, bounded(long.clone(), MAX_KEY_BYTES), "stable");
        assert_ne!(b, bounded(format!("{long}x"), MAX_KEY_BYTES), "distinct");
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn key_parts_never_collide_or_escape() {
        assert_eq!(key_part("jr_1"), "jr_1");
        assert_ne!(key_part("my job"), key_part("my_job"));
        assert!(key_part("my job").starts_with("my_job-"));
        for bad in [".", "..", ""] {
            let p = key_part(bad);
            assert!(p.starts_with('-') && p.len() == 17, "{bad:?} -> {p}");
        }
        let long = key_part(&"x".repeat(3000));
        assert_eq!(long.len(), MAX_KEY_PART_BYTES);
    }
}
