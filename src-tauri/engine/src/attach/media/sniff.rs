//! What a file is, read from its bytes (its magic number, or whether it is UTF-8 text); the
//! name's extension is only checked against them. It does not decode images: `decode` does.

use image::ImageFormat;

use super::{attachment_error, Sniffed};
use crate::error::{Error, Result};

const WORKING_FORMATS: &str = "PNG, JPEG, GIF, WebP, PDF and text files work";

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    /// A format no provider takes, by its usual name.
    Unsupported(&'static str),
}

impl Magic {
    fn of(bytes: &[u8]) -> Option<Magic> {
        let at = |offset: usize, sig: &[u8]| bytes.get(offset..offset + sig.len()) == Some(sig);
        let found = if at(0, b"\x89PNG\r\n\x1a\n") {
            Magic::Png
        } else if at(0, b"\xFF\xD8\xFF") {
            Magic::Jpeg
        } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
            Magic::Gif
        } else if at(0, b"RIFF") && at(8, b"WEBP") {
            Magic::Webp
        } else if at(0, b"%PDF-") {
            Magic::Pdf
        } else if at(4, b"ftyp") {
            Magic::Unsupported(iso_media_kind(bytes))
        } else {
            Magic::Unsupported(other_binary_kind(bytes)?)
        };
        Some(found)
    }

    /// The name a person knows the format by.
    fn label(self) -> &'static str {
        match self {
            Magic::Png => "PNG",
            Magic::Jpeg => "JPEG",
            Magic::Gif => "GIF",
            Magic::Webp => "WebP",
            Magic::Pdf => "PDF",
            Magic::Unsupported(label) => label,
        }
    }

    fn media_type(self) -> Option<&'static str> {
        match self {
            Magic::Png => Some("image/png"),
            Magic::Jpeg => Some("image/jpeg"),
            Magic::Gif => Some("image/gif"),
            Magic::Webp => Some("image/webp"),
            Magic::Pdf | Magic::Unsupported(_) => None,
        }
    }

    fn image_format(self) -> Option<ImageFormat> {
        match self {
            Magic::Png => Some(ImageFormat::Png),
            Magic::Jpeg => Some(ImageFormat::Jpeg),
            Magic::Gif => Some(ImageFormat::Gif),
            Magic::Webp => Some(ImageFormat::WebP),
            Magic::Pdf | Magic::Unsupported(_) => None,
        }
    }

    /// The format a file name's extension claims, for the formats Roundtable reads.
    fn claimed_by(name: &str) -> Option<Magic> {
        let (_, ext) = name.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(Magic::Png),
            "jpg" | "jpeg" | "jpe" | "jfif" => Some(Magic::Jpeg),
            "gif" => Some(Magic::Gif),
            "webp" => Some(Magic::Webp),
            "pdf" => Some(Magic::Pdf),
            _ => None,
        }
    }
}

/// Names an ISO media file (`....ftyp` + brands) by its major and compatible brands.
fn iso_media_kind(bytes: &[u8]) -> &'static str {
    let box_len = bytes
        .get(0..4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, |b| u32::from_be_bytes(b) as usize);
    let brands = bytes
        .get(8..box_len.clamp(12, 256).min(bytes.len()))
        .unwrap_or(&[]);
    let has = |brand: &[u8]| brands.chunks(4).any(|b| b == brand);
    if has(b"avif") || has(b"avis") {
        "AVIF"
    } else if [b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"]
        .iter()
        .any(|b| has(*b))
    {
        "HEIC"
    } else if has(b"mif1") || has(b"msf1") {
        "HEIF"
    } else {
        "MP4/MOV video or audio"
    }
}

/// Names the other binary formats people try to attach. Each signature holds a NUL byte or a
/// byte that is never UTF-8, so no text file is mistaken for one.
fn other_binary_kind(bytes: &[u8]) -> Option<&'static str> {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    let bmp = starts(b"BM") && bytes.get(6..10) == Some(&[0, 0, 0, 0]);
    let kind = if starts(b"II*\0") || starts(b"MM\0*") {
        "TIFF (or camera RAW)"
    } else if bmp {
        "BMP"
    } else if starts(b"\0\0\x01\0") {
        "ICO"
    } else if starts(b"8BPS\0") {
        "Photoshop (PSD)"
    } else if starts(b"\xFF\x0A") || starts(b"\0\0\0\x0CJXL ") {
        "JPEG XL"
    } else if starts(b"PK\x03\x04") {
        "ZIP (or Office document)"
    } else {
        return None;
    };
    Some(kind)
}

fn unsupported(name: &str, label: &str) -> Error {
    attachment_error(
        name,
        format!("{label} files are not supported ({WORKING_FORMATS}); convert it to one of those and attach it again"),
    )
}

/// What `bytes` are; an error naming `name` for anything no provider takes (HEIC, a `.png` that
/// is not a PNG, an empty file, binary data).
pub fn sniff(bytes: &[u8], name: &str) -> Result<Sniffed> {
    if bytes.is_empty() {
        return Err(attachment_error(name, "the file is empty"));
    }
    let magic = Magic::of(bytes);
    if let Some(Magic::Unsupported(label)) = magic {
        return Err(unsupported(name, label));
    }
    if let Some(claimed) = Magic::claimed_by(name) {
        if magic != Some(claimed) {
            return Err(mismatch(name, claimed, magic, bytes));
        }
    }
    match magic {
        Some(Magic::Pdf) => Ok(Sniffed::Pdf),
        Some(found) => found
            .media_type()
            .map(Sniffed::Image)
            .ok_or_else(|| unsupported(name, found.label())),
        None if is_text(bytes) => Ok(Sniffed::Text),
        None => Err(attachment_error(
            name,
            format!("this is binary data in a format Roundtable does not read ({WORKING_FORMATS})"),
        )),
    }
}

fn mismatch(name: &str, claimed: Magic, found: Option<Magic>, bytes: &[u8]) -> Error {
    let what = match claimed {
        Magic::Pdf => "a PDF".to_string(),
        other => format!("a {} image", other.label()),
    };
    let actual = match found {
        Some(found) => format!("its bytes are a {}'s", found.label()),
        None if is_text(bytes) => "its bytes are text".into(),
        None => "its bytes are no format Roundtable reads".into(),
    };
    attachment_error(
        name,
        format!("this is not {what} ({actual}); check that it is the file you meant, or re-save it in its real format"),
    )
}

/// Whole-buffer text test: valid UTF-8 with no NUL byte (callers cap the size).
fn is_text(bytes: &[u8]) -> bool {
    memchr::memchr(0, bytes).is_none() && std::str::from_utf8(bytes).is_ok()
}

/// The image's format and media type, or an error naming what the file is instead.
pub(super) fn image_kind(bytes: &[u8], name: &str) -> Result<(ImageFormat, &'static str)> {
    let sniffed = sniff(bytes, name)?;
    match (sniffed, Magic::of(bytes).and_then(Magic::image_format)) {
        (Sniffed::Image(media_type), Some(format)) => Ok((format, media_type)),
        (Sniffed::Pdf, _) => Err(attachment_error(name, "this is a PDF, not an image")),
        _ => Err(attachment_error(name, "this is text, not an image")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attach::media::fixtures::{jpeg, message};
    use crate::attach::media::probe_image;

    #[test]
    fn a_png_name_on_jpeg_bytes_is_refused() {
        let err = message(sniff(&jpeg(8, 8, 80), "photo.png"));
        assert!(
            err.contains("photo.png: this is not a PNG image (its bytes are a JPEG's)"),
            "{err}"
        );
        assert!(probe_image(&jpeg(8, 8, 80), "photo.png").is_err());
        let err = message(sniff(b"hello", "notes.jpg"));
        assert!(
            err.contains("not a JPEG image (its bytes are text)"),
            "{err}"
        );
    }

    #[test]
    fn empty_text_and_binary_files() {
        assert_eq!(
            message(sniff(b"", "empty.txt")),
            "empty.txt: the file is empty"
        );
        assert_eq!(
            sniff("fn main() {}\n// café\n".as_bytes(), "main.rs").expect("text"),
            Sniffed::Text
        );
        assert_eq!(sniff(b"%PDF-1.7\n", "doc.pdf").expect("pdf"), Sniffed::Pdf);
        assert!(message(sniff(b"\x01\x02\0\x03", "blob.bin")).contains("binary data"));
        assert!(message(sniff(b"ok\xC3", "bad.txt")).contains("binary data"));
    }

    #[test]
    fn heic_and_other_formats_are_named_unsupported() {
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        let err = message(sniff(heic, "IMG_0001.HEIC"));
        assert!(
            err.contains("HEIC files are not supported") && err.contains("PNG, JPEG"),
            "{err}"
        );
        let avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf";
        assert!(message(sniff(avif, "a.avif")).contains("AVIF"));
        assert!(message(sniff(b"II*\0\x08\0\0\0", "scan.tif")).contains("TIFF"));
        let mut bmp = b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0".to_vec();
        bmp.resize(64, 0);
        assert!(message(sniff(&bmp, "old.bmp")).contains("BMP"));
    }
}
