//! Text fields of a credential: printable ASCII, NUL-terminated in memory so that bindings
//! can hand out `const char *` without copying, and wiped on drop when they are secret.

use std::ffi::CStr;
use std::fmt;

use zeroize::Zeroize;

/// A non-empty string of visible ASCII (`0x21..=0x7e`), stored with a trailing NUL.
///
/// Every value of a credential ends up in an HTTP header, so anything else is rejected
/// when the credential is parsed; the same rule guarantees there is no interior NUL.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Text(Box<[u8]>);

impl Text {
    /// Copies `s`; `None` if it is empty or holds a byte outside visible ASCII.
    pub(crate) fn new(s: &str) -> Option<Text> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut buf = Vec::with_capacity(s.len() + 1);
        buf.extend_from_slice(s.as_bytes());
        buf.push(0);
        Some(Text(buf.into_boxed_slice()))
    }

    pub(crate) fn as_str(&self) -> &str {
        let bytes = &self.0[..self.0.len() - 1];
        // SAFETY: `new` stored visible ASCII only, which is valid UTF-8. Not re-checked:
        // the accessors are on the warm path and tokens are long.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    pub(crate) fn as_c_str(&self) -> &CStr {
        // SAFETY: `new` made the buffer end with a NUL, the only one it holds.
        unsafe { CStr::from_bytes_with_nul_unchecked(&self.0) }
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A [`Text`] that is never formatted and is zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(Text);

impl Secret {
    pub(crate) fn new(s: &str) -> Option<Secret> {
        Text::new(s).map(Secret)
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.as_str()
    }

    pub(crate) fn expose_c_str(&self) -> &CStr {
        self.0.as_c_str()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0 .0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rejects_what_cannot_go_in_a_header() {
        assert!(Text::new("").is_none());
        assert!(Text::new("a b").is_none());
        assert!(Text::new("a\0b").is_none());
        assert!(Text::new("é").is_none());
        let t = Text::new("STS.abc").unwrap();
        assert_eq!(t.as_str(), "STS.abc");
        assert_eq!(t.as_c_str().to_bytes(), b"STS.abc");
    }

    #[test]
    fn secret_is_redacted() {
        let s = Secret::new("topsecret").unwrap();
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(s.expose(), "topsecret");
    }
}
