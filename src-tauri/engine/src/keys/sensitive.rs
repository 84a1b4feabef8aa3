//! A wrapper for secrets: it prints as `<redacted>` and cannot be serialised.
//!
//! It owns only the redaction; where a key comes from is `keys.rs`'s business.

use std::fmt;

/// A secret value. `Debug` and `Display` print `<redacted>`; it implements no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }
    /// The secret itself: call only where it is sent to its own provider.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

/// The shortest key whose hint shows its last four characters.
pub const HINT_MIN_CHARS: usize = 12;

impl Sensitive<String> {
    /// The last four characters, for telling keys apart in a list; for a key shorter than
    /// [`HINT_MIN_CHARS`] just `…`, since four characters would be much of it (or all of it).
    pub fn hint(&self) -> String {
        let n = self.0.chars().count();
        if n < HINT_MIN_CHARS {
            return "…".into();
        }
        let tail: String = self.0.chars().skip(n.saturating_sub(4)).collect();
        format!("…{tail}")
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_secret() {
        let s = Sensitive::new("sk-test-FAKE-1234".to_string());
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
        assert_eq!(s.hint(), "…1234");
    }

    #[test]
    fn a_short_key_has_no_revealing_hint() {
        for short in ["abc", "abcd", "FAKE123", "FAKE-key-ab"] {
            assert_eq!(Sensitive::new(short.to_string()).hint(), "…", "{short}");
        }
        assert_eq!(Sensitive::new("FAKEkey-abcd".to_string()).hint(), "…abcd");
    }
}
