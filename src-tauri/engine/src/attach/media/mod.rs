//! What a file is (by its bytes, not its name), and images made fit to send: decoded within
//! limits, turned upright (EXIF orientation), downscaled to a provider's longest side, re-encoded
//! (so no metadata, GPS above all, leaves), shrunk until under a byte limit. Thumbnails for the app.
//!
//! It does not read files or cap their size (callers do), and it does not know which provider
//! takes what: the limits come in as [`ImageLimits`].
//!
//! [`sniff()`] names a file by its bytes; `decode` reads an image's header and pixels within the
//! decoding limits; `fit` scales, turns upright and re-encodes them ([`fit_image`], [`thumbnail`]).

mod decode;
mod fit;
mod sniff;

#[cfg(test)]
mod fixtures;

pub use decode::probe_image;
pub use fit::{fit_image, thumbnail};
pub use sniff::sniff;

use crate::error::Error;

/// What a file's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// An image a provider can take: `image/png`, `image/jpeg`, `image/gif` or `image/webp`.
    Image(&'static str),
    /// `application/pdf`.
    Pdf,
    /// UTF-8 text (a text or code file).
    Text,
}

/// An image's type and size in pixels, read from its header only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// `image/png`, …
    pub media_type: &'static str,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
}

/// What one provider takes per image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// The longest side sent, in pixels.
    pub max_side: u32,
    /// Bytes per image, as sent (before base64).
    pub max_bytes: usize,
}

/// An image ready to send (or show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    /// `image/jpeg` or `image/png`.
    pub media_type: &'static str,
    /// The encoded bytes.
    pub bytes: Vec<u8>,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
}

fn attachment_error(name: &str, message: impl Into<String>) -> Error {
    Error::Attachment {
        name: name.to_string(),
        message: message.into(),
    }
}
