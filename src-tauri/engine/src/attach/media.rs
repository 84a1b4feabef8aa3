//! What a file is (by its bytes, not its name), and images made fit to send: decoded within
//! limits, turned upright (EXIF orientation), downscaled to a provider's longest side, re-encoded
//! (so no metadata, GPS above all, leaves), shrunk until under a byte limit. Thumbnails for the app.
//!
//! It does not read files or cap their size (callers do), and it does not know which provider
//! takes what: the limits come in as [`ImageLimits`].

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use fast_image_resize as fir;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits};

use crate::error::{Error, Result};

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

/// The longest side Roundtable decodes, in pixels.
pub(crate) const MAX_DECODE_SIDE: u32 = 20_000;
/// The most pixels Roundtable decodes (100 megapixels).
pub(crate) const MAX_DECODE_PIXELS: u64 = 100_000_000;
/// The most memory one decode may take for its pixels.
pub(crate) const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// JPEG qualities tried in turn while an image is over its byte limit.
const JPEG_QUALITIES: [u8; 4] = [85, 75, 65, 55];
/// Each shrink after the qualities are spent keeps this much of each side.
const SHRINK: f64 = 0.75;
/// Shrinks tried before giving up (0.75^10 is about a twentieth of each side).
const MAX_SHRINKS: u32 = 10;
/// JPEG quality of thumbnails: they are only shown small.
const THUMBNAIL_QUALITY: u8 = 80;

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

fn attachment_error(name: &str, message: impl Into<String>) -> Error {
    Error::Attachment {
        name: name.to_string(),
        message: message.into(),
    }
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

/// An image's type and pixel size from its header; refuses sizes past the decoding limit.
pub fn probe_image(bytes: &[u8], name: &str) -> Result<ImageInfo> {
    let (format, media_type) = image_kind(bytes, name)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // No pixel limits here: the size is checked below, so the refusal can say what it was.
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let (width, height) = guarded(name, || {
        reader.into_dimensions().map_err(|e| unreadable(name, &e))
    })?;
    check_size(name, width, height)?;
    Ok(ImageInfo {
        media_type,
        width,
        height,
    })
}

/// The image's format and media type, or an error naming what the file is instead.
fn image_kind(bytes: &[u8], name: &str) -> Result<(ImageFormat, &'static str)> {
    let sniffed = sniff(bytes, name)?;
    match (sniffed, Magic::of(bytes).and_then(Magic::image_format)) {
        (Sniffed::Image(media_type), Some(format)) => Ok((format, media_type)),
        (Sniffed::Pdf, _) => Err(attachment_error(name, "this is a PDF, not an image")),
        _ => Err(attachment_error(name, "this is text, not an image")),
    }
}

fn check_size(name: &str, width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(attachment_error(
            name,
            format!("the image has no pixels (its header says {width} × {height})"),
        ));
    }
    let pixels = u64::from(width) * u64::from(height);
    if width.max(height) > MAX_DECODE_SIDE || pixels > MAX_DECODE_PIXELS {
        return Err(attachment_error(
            name,
            format!(
                "the image is {width} × {height} pixels, more than Roundtable decodes \
                 ({MAX_DECODE_SIDE} pixels a side, {} megapixels); scale it down and attach it again",
                MAX_DECODE_PIXELS / 1_000_000
            ),
        ));
    }
    Ok(())
}

/// Turns a decoder's error into one a person can act on.
fn unreadable(name: &str, err: &image::ImageError) -> Error {
    match err {
        image::ImageError::Limits(_) => attachment_error(
            name,
            format!(
                "the image needs more memory to decode than Roundtable allows ({} MiB): {err}; scale it down and attach it again",
                MAX_DECODE_BYTES / (1024 * 1024)
            ),
        ),
        image::ImageError::Unsupported(_) => attachment_error(
            name,
            format!("the image uses something Roundtable cannot decode ({err}); re-save it as a plain PNG or JPEG"),
        ),
        _ => damaged(name, err),
    }
}

fn damaged(name: &str, detail: impl std::fmt::Display) -> Error {
    attachment_error(
        name,
        format!("the image is damaged or cut short: {detail}; open it in an image viewer, re-save it and attach it again"),
    )
}

/// Decoded pixels (8 bits a channel, alpha only when some pixel is see-through), at least
/// `side` on their longest side unless the image is smaller, and how to turn them upright.
/// GIF: the first frame only, since providers take still images (OpenAI refuses animated ones).
fn decode(bytes: &[u8], name: &str, side: u32) -> Result<(DynamicImage, Orientation)> {
    let info = probe_image(bytes, name)?;
    let (image, orientation) = guarded(name, || {
        if info.media_type == "image/jpeg" {
            decode_jpeg(bytes, name, info, side)
        } else {
            decode_any(bytes, name)
        }
    })?;
    Ok((normalise(image), orientation))
}

/// Runs a decoder. They are fuzzed, but a hostile file must never take the app down: a panic
/// inside one becomes this file's error. (The default panic hook still prints it to stderr.)
fn guarded<T>(name: &str, decode: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(decode))
        .unwrap_or_else(|_| Err(damaged(name, "the decoder failed on its contents")))
}

/// A JPEG decoded straight at the smallest of 1/8, 1/4, 1/2 or full size that still covers
/// `side`: the scaling happens in the DCT, where it is cheapest (a 12-megapixel photo meant for
/// 1568 pixels decodes at a quarter of its pixels). CMYK and 16-bit JPEGs, and any this decoder
/// refuses, go the general way.
fn decode_jpeg(
    bytes: &[u8],
    name: &str,
    info: ImageInfo,
    side: u32,
) -> Result<(DynamicImage, Orientation)> {
    // Decoders fill a cut-short scan with grey instead of failing, so look for the end first.
    if !jpeg_reaches_end(bytes) {
        return Err(damaged(name, "the JPEG data stops before its end marker"));
    }
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(usize::try_from(MAX_DECODE_BYTES).unwrap_or(usize::MAX));
    let format = decoder
        .read_info()
        .ok()
        .and_then(|()| decoder.info())
        .map(|i| i.pixel_format);
    let grey = match format {
        Some(jpeg_decoder::PixelFormat::L8) => true,
        Some(jpeg_decoder::PixelFormat::RGB24) => false,
        _ => return decode_any(bytes, name),
    };
    let (want_width, want_height) = scaled_size(info.width, info.height, side);
    let wanted = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
    let Ok((width, height)) = decoder.scale(wanted(want_width), wanted(want_height)) else {
        return decode_any(bytes, name);
    };
    let Ok(pixels) = decoder.decode() else {
        return decode_any(bytes, name);
    };
    // An unreadable EXIF block leaves the image as stored rather than refusing the file.
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let (width, height) = (u32::from(width), u32::from(height));
    let image = if grey {
        image::GrayImage::from_raw(width, height, pixels).map(DynamicImage::ImageLuma8)
    } else {
        image::RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8)
    };
    let image = image.ok_or_else(|| damaged(name, "its pixels do not fill its size"))?;
    Ok((image, orientation))
}

/// Any format the `image` crate reads, at full size, within the decoding limits.
fn decode_any(bytes: &[u8], name: &str) -> Result<(DynamicImage, Orientation)> {
    let (format, _) = image_kind(bytes, name)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| unreadable(name, &e))?;
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        let (width, height) = decoder.dimensions();
        return Err(attachment_error(
            name,
            format!("the image ({width} × {height}, {:?}) needs more memory to decode than Roundtable allows; scale it down and attach it again", decoder.color_type()),
        ));
    }
    // An unreadable EXIF block leaves the image as stored rather than refusing the file.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| unreadable(name, &e))?;
    Ok((image, orientation))
}

/// Whether a JPEG's markers lead to its end-of-image marker (`FF D9`), walking segment lengths
/// so an EXIF thumbnail's own end marker is not mistaken for the image's.
fn jpeg_reaches_end(bytes: &[u8]) -> bool {
    let mut i = 2; // past the start-of-image marker
    while let Some(skip) = bytes.get(i..).and_then(|rest| memchr::memchr(0xFF, rest)) {
        i += skip;
        let Some(&marker) = bytes.get(i + 1) else {
            return false;
        };
        i += match marker {
            0xD9 => return true,
            0xFF => 1,                      // fill byte before a marker
            0x00 | 0x01 | 0xD0..=0xD7 => 2, // stuffed byte, TEM, restart: no length
            _ => match bytes.get(i + 2..i + 4) {
                Some(len) => 2 + usize::from(u16::from_be_bytes([len[0], len[1]])),
                None => return false,
            },
        };
    }
    false
}

/// 8 bits a channel; grey stays grey; alpha is kept only when some pixel is not opaque (a PNG
/// saved with an all-opaque alpha channel is sent as a JPEG).
fn normalise(image: DynamicImage) -> DynamicImage {
    use image::ColorType as C;
    let grey = matches!(image.color(), C::L8 | C::L16 | C::La8 | C::La16);
    let alpha = image.color().has_alpha() && !is_opaque(&image);
    match (grey, alpha) {
        (true, true) => DynamicImage::ImageLumaA8(image.into_luma_alpha8()),
        (true, false) => DynamicImage::ImageLuma8(image.into_luma8()),
        (false, true) => DynamicImage::ImageRgba8(image.into_rgba8()),
        (false, false) => DynamicImage::ImageRgb8(image.into_rgb8()),
    }
}

fn is_opaque(image: &DynamicImage) -> bool {
    let alpha_all_max =
        |raw: &[u8], step: usize| raw.chunks_exact(step).all(|p| p[step - 1] == u8::MAX);
    match image {
        DynamicImage::ImageRgba8(pixels) => alpha_all_max(pixels.as_raw(), 4),
        DynamicImage::ImageLumaA8(pixels) => alpha_all_max(pixels.as_raw(), 2),
        // 16-bit and float alpha are rare enough that an 8-bit copy to look at is fine.
        other => alpha_all_max(other.to_rgba8().as_raw(), 4),
    }
}

/// `width` × `height` scaled so the longest side is at most `side` (at least one pixel each).
fn scaled_size(width: u32, height: u32, side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= side {
        return (width, height);
    }
    scaled_by(width, height, f64::from(side.max(1)) / f64::from(longest))
}

fn scaled_by(width: u32, height: u32, scale: f64) -> (u32, u32) {
    let side = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, v);
    (side(width), side(height))
}

/// The image at `width` × `height` (Catmull-Rom, alpha premultiplied while filtering).
fn resize_to(image: &DynamicImage, name: &str, width: u32, height: u32) -> Result<DynamicImage> {
    if (width, height) == (image.width(), image.height()) {
        return Ok(image.clone());
    }
    let mut out = DynamicImage::new(width, height, image.color());
    let filter = fir::ResizeAlg::Convolution(fir::FilterType::CatmullRom);
    fir::Resizer::new()
        .resize(
            image,
            &mut out,
            &fir::ResizeOptions::new().resize_alg(filter),
        )
        .map_err(|e| attachment_error(name, format!("the image could not be scaled: {e}")))?;
    Ok(out)
}

/// Encodes the pixels afresh (no metadata of the original survives): PNG when there is
/// transparency, JPEG at `quality` otherwise.
fn encode(image: &DynamicImage, name: &str, quality: u8) -> Result<Fitted> {
    let (width, height) = (image.width(), image.height());
    let failed = |e: &dyn std::fmt::Display| {
        attachment_error(name, format!("the image could not be re-encoded: {e}"))
    };
    let mut bytes = Vec::new();
    let media_type = if image.color().has_alpha() {
        PngEncoder::new(&mut bytes)
            .write_image(image.as_bytes(), width, height, image.color().into())
            .map_err(|e| failed(&e))?;
        "image/png"
    } else {
        let rgb;
        let (pixels, color) = match image {
            DynamicImage::ImageLuma8(grey) => (grey.as_raw(), jpeg_encoder::ColorType::Luma),
            DynamicImage::ImageRgb8(pixels) => (pixels.as_raw(), jpeg_encoder::ColorType::Rgb),
            other => {
                rgb = other.to_rgb8();
                (rgb.as_raw(), jpeg_encoder::ColorType::Rgb)
            }
        };
        let side = |v: u32| u16::try_from(v).map_err(|e| failed(&e));
        jpeg_encoder::Encoder::new(&mut bytes, quality)
            .encode(pixels, side(width)?, side(height)?, color)
            .map_err(|e| failed(&e))?;
        "image/jpeg"
    };
    Ok(Fitted {
        media_type,
        bytes,
        width,
        height,
    })
}

/// The image made fit for `limits`: upright, at most `max_side` on its longest side, re-encoded
/// without metadata, at most `max_bytes`.
///
/// The result is a JPEG, or a PNG when the image has transparency. A GIF gives its first frame.
pub fn fit_image(bytes: &[u8], name: &str, limits: ImageLimits) -> Result<Fitted> {
    let image = upright_within(bytes, name, limits.max_side)?;
    under_bytes(&image, name, limits.max_bytes)
}

/// The image decoded, at most `side` on its longest side, upright.
fn upright_within(bytes: &[u8], name: &str, side: u32) -> Result<DynamicImage> {
    let (mut image, orientation) = decode(bytes, name, side)?;
    let (width, height) = scaled_size(image.width(), image.height(), side);
    // Scaling before turning upright is the same result on fewer pixels.
    if (width, height) != (image.width(), image.height()) {
        image = resize_to(&image, name, width, height)?;
    }
    image.apply_orientation(orientation);
    Ok(image)
}

/// Lower JPEG qualities first, then smaller sizes, until the encoding fits in `max_bytes`.
fn under_bytes(image: &DynamicImage, name: &str, max_bytes: usize) -> Result<Fitted> {
    // PNG has no quality to lower: only its size can go down.
    let qualities = if image.color().has_alpha() {
        &JPEG_QUALITIES[..1]
    } else {
        &JPEG_QUALITIES[..]
    };
    for &quality in qualities {
        let fitted = encode(image, name, quality)?;
        if fitted.bytes.len() <= max_bytes {
            return Ok(fitted);
        }
    }
    let floor = qualities.last().copied().unwrap_or(JPEG_QUALITIES[0]);
    let mut scale = 1.0;
    let mut smallest = (image.width(), image.height(), usize::MAX);
    for _ in 0..MAX_SHRINKS {
        scale *= SHRINK;
        let (width, height) = scaled_by(image.width(), image.height(), scale);
        let fitted = encode(&resize_to(image, name, width, height)?, name, floor)?;
        if fitted.bytes.len() <= max_bytes {
            return Ok(fitted);
        }
        smallest = (fitted.width, fitted.height, fitted.bytes.len());
    }
    let (width, height, len) = smallest;
    Err(attachment_error(
        name,
        format!("the image does not fit the provider's limit of {max_bytes} bytes (even at {width} × {height} it takes {len}); crop it or send it to another model"),
    ))
}

/// A small upright copy for the app, at most `side` pixels on its longest side.
pub fn thumbnail(bytes: &[u8], name: &str, side: u32) -> Result<Fitted> {
    let image = upright_within(bytes, name, side)?;
    encode(&image, name, THUMBNAIL_QUALITY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::gif::GifEncoder;
    use image::codecs::jpeg::JpegEncoder;
    use image::{Frame, Rgb, RgbImage, Rgba, RgbaImage};

    /// A JPEG of `width` × `height` with a red block in its top-left corner on a blue-green field.
    fn jpeg(width: u32, height: u32, quality: u8) -> Vec<u8> {
        let pixels = RgbImage::from_fn(width, height, |x, y| {
            if x < width / 4 && y < height / 4 {
                Rgb([250, 0, 0])
            } else {
                Rgb([0, (x * 255 / width) as u8, (y * 255 / height) as u8])
            }
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&pixels)
            .expect("test JPEG");
        out
    }

    /// Noise, which no encoder can squeeze: forces the size limit to bite.
    fn noise_jpeg(width: u32, height: u32) -> Vec<u8> {
        let mut rng = fastrand::Rng::with_seed(5);
        let pixels = RgbImage::from_fn(width, height, |_, _| {
            Rgb([rng.u8(..), rng.u8(..), rng.u8(..)])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 95)
            .encode_image(&pixels)
            .expect("test JPEG");
        out
    }

    const GPS_LATITUDE: [u8; 24] = [
        0, 0, 0, 48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0x0B, 0x8C, 0, 0, 0, 100,
    ];

    /// An APP1 Exif segment (big-endian TIFF): IFD0 holds Orientation = `orientation` and a
    /// pointer to a GPS IFD holding GPSLatitude 48° 51' 29.56".
    fn exif_segment(orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec();
        tiff.extend_from_slice(&2u16.to_be_bytes());
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
        tiff.extend_from_slice(&38u32.to_be_bytes()); // the GPS IFD follows IFD0
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        tiff.extend_from_slice(&1u16.to_be_bytes());
        tiff.extend_from_slice(&[0x00, 0x02, 0, 5, 0, 0, 0, 3]);
        tiff.extend_from_slice(&56u32.to_be_bytes()); // the rationals follow the GPS IFD
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        tiff.extend_from_slice(&GPS_LATITUDE);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&(2 + 6 + tiff.len() as u16).to_be_bytes());
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(&tiff);
        segment
    }

    fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&exif_segment(orientation));
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn message(result: Result<impl std::fmt::Debug>) -> String {
        match result {
            Err(Error::Attachment { name, message }) => format!("{name}: {message}"),
            other => panic!("expected an attachment error, got {other:?}"),
        }
    }

    const ROOMY: ImageLimits = ImageLimits {
        max_side: 1568,
        max_bytes: 5 * 1024 * 1024,
    };

    #[test]
    fn exif_orientation_is_applied_and_metadata_dropped() {
        let source = with_exif(&jpeg(64, 32, 90), 6);
        assert!(contains(&source, &GPS_LATITUDE) && contains(&source, b"Exif"));
        let fitted = fit_image(&source, "photo.jpg", ROOMY).expect("fits");
        assert_eq!(
            (fitted.media_type, fitted.width, fitted.height),
            ("image/jpeg", 32, 64)
        );
        assert!(!contains(&fitted.bytes, b"Exif"));
        assert!(!contains(&fitted.bytes, &GPS_LATITUDE));
        // Orientation 6 turns the picture a quarter clockwise: the red corner goes top-right.
        let upright = image::load_from_memory(&fitted.bytes)
            .expect("decodes")
            .to_rgb8();
        assert!(
            upright.get_pixel(28, 4)[0] > 200,
            "{:?}",
            upright.get_pixel(28, 4)
        );
        assert!(
            upright.get_pixel(3, 4)[0] < 60,
            "{:?}",
            upright.get_pixel(3, 4)
        );
    }

    #[test]
    fn thumbnail_is_upright_and_small() {
        let source = with_exif(&jpeg(400, 200, 90), 6);
        let thumb = thumbnail(&source, "photo.jpg", 64).expect("thumbnail");
        assert_eq!(
            (thumb.media_type, thumb.width, thumb.height),
            ("image/jpeg", 32, 64)
        );
        assert!(!contains(&thumb.bytes, &GPS_LATITUDE));
    }

    #[test]
    fn png_with_transparency_stays_png_with_alpha() {
        let pixels = RgbaImage::from_fn(40, 30, |x, _| {
            Rgba([10, 20, 30, if x < 20 { 0 } else { 255 }])
        });
        let mut source = Vec::new();
        PngEncoder::new(&mut source)
            .write_image(pixels.as_raw(), 40, 30, image::ExtendedColorType::Rgba8)
            .expect("test PNG");
        let fitted = fit_image(&source, "logo.png", ROOMY).expect("fits");
        assert_eq!(
            (fitted.media_type, fitted.width, fitted.height),
            ("image/png", 40, 30)
        );
        let back = image::load_from_memory(&fitted.bytes).expect("decodes");
        assert!(back.color().has_alpha());
        assert_eq!(back.to_rgba8().get_pixel(0, 0)[3], 0);
    }

    #[test]
    fn opaque_png_becomes_jpeg() {
        let pixels = RgbaImage::from_pixel(20, 20, Rgba([10, 20, 30, 255]));
        let mut source = Vec::new();
        PngEncoder::new(&mut source)
            .write_image(pixels.as_raw(), 20, 20, image::ExtendedColorType::Rgba8)
            .expect("test PNG");
        assert_eq!(
            fit_image(&source, "flat.png", ROOMY)
                .expect("fits")
                .media_type,
            "image/jpeg"
        );
    }

    #[test]
    fn grey_cmyk_and_webp_images_fit() {
        let mut grey = Vec::new();
        let pixels = image::GrayImage::from_fn(300, 200, |x, _| image::Luma([(x % 256) as u8]));
        JpegEncoder::new_with_quality(&mut grey, 90)
            .encode_image(&pixels)
            .expect("test JPEG");
        let fitted = fit_image(&grey, "grey.jpg", ROOMY).expect("fits");
        assert_eq!(
            (fitted.media_type, fitted.width, fitted.height),
            ("image/jpeg", 300, 200)
        );

        // CMYK JPEGs (from print tools) take the general decoder.
        let mut cmyk = Vec::new();
        let ink: Vec<u8> = (0..120 * 80).flat_map(|_| [0, 200, 200, 0]).collect();
        jpeg_encoder::Encoder::new(&mut cmyk, 90)
            .encode(&ink, 120, 80, jpeg_encoder::ColorType::Cmyk)
            .expect("test CMYK JPEG");
        let fitted = fit_image(&cmyk, "print.jpg", ROOMY).expect("fits");
        assert_eq!((fitted.width, fitted.height), (120, 80));

        let mut webp = Vec::new();
        let pixels = RgbaImage::from_pixel(50, 40, Rgba([0, 128, 255, 255]));
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .encode(pixels.as_raw(), 50, 40, image::ExtendedColorType::Rgba8)
            .expect("test WebP");
        assert_eq!(
            sniff(&webp, "a.webp").expect("sniffs"),
            Sniffed::Image("image/webp")
        );
        let fitted = fit_image(&webp, "a.webp", ROOMY).expect("fits");
        assert_eq!(
            (fitted.media_type, fitted.width, fitted.height),
            ("image/jpeg", 50, 40)
        );
    }

    #[test]
    fn animated_gif_gives_its_first_frame() {
        let mut source = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut source);
            for colour in [[255, 0, 0, 255], [0, 0, 255, 255]] {
                let frame = Frame::new(RgbaImage::from_pixel(16, 16, Rgba(colour)));
                encoder.encode_frame(frame).expect("test GIF frame");
            }
        }
        assert_eq!(
            sniff(&source, "anim.gif").expect("sniffs"),
            Sniffed::Image("image/gif")
        );
        let fitted = fit_image(&source, "anim.gif", ROOMY).expect("fits");
        let pixel = *image::load_from_memory(&fitted.bytes)
            .expect("decodes")
            .to_rgb8()
            .get_pixel(8, 8);
        assert!(pixel[0] > 200 && pixel[2] < 60, "{pixel:?}");
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    #[test]
    fn dimension_bomb_is_refused_before_decoding() {
        let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&50_000u32.to_be_bytes());
        ihdr.extend_from_slice(&50_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
        png_chunk(&mut bomb, b"IHDR", &ihdr);
        png_chunk(
            &mut bomb,
            b"IDAT",
            &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        );
        png_chunk(&mut bomb, b"IEND", &[]);
        let probe = message(probe_image(&bomb, "bomb.png"));
        assert!(
            probe.starts_with("bomb.png: ") && probe.contains("50000 × 50000"),
            "{probe}"
        );
        let fit = message(fit_image(&bomb, "bomb.png", ROOMY));
        assert!(fit.contains("50000 × 50000"), "{fit}");
    }

    #[test]
    fn truncated_jpeg_is_an_error_naming_the_file() {
        let source = jpeg(200, 150, 90);
        let cut = &source[..source.len() / 2];
        let err = message(fit_image(cut, "cut.jpg", ROOMY));
        assert!(
            err.starts_with("cut.jpg: the image is damaged or cut short"),
            "{err}"
        );
        assert!(message(thumbnail(cut, "cut.jpg", 64)).contains("cut short"));
    }

    #[test]
    fn garbage_after_a_magic_number_is_an_error() {
        let mut rng = fastrand::Rng::with_seed(9);
        for magic in [
            &b"\x89PNG\r\n\x1a\n"[..],
            b"\xFF\xD8\xFF",
            b"GIF89a",
            b"RIFF\0\0\0\0WEBP",
        ] {
            for len in [0, 1, 7, 40, 2000] {
                let mut bytes = magic.to_vec();
                bytes.extend((0..len).map(|_| rng.u8(..)));
                assert!(fit_image(&bytes, "junk", ROOMY).is_err());
            }
        }
    }

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

    #[test]
    fn big_image_is_scaled_to_max_side_with_its_aspect() {
        let source = jpeg(3000, 1000, 80);
        let limits = ImageLimits {
            max_side: 1000,
            max_bytes: 5 * 1024 * 1024,
        };
        let fitted = fit_image(&source, "wide.jpg", limits).expect("fits");
        assert_eq!((fitted.width, fitted.height), (1000, 333));
        let info = probe_image(&fitted.bytes, "out.jpg").expect("probes");
        assert_eq!((info.width, info.height), (1000, 333));
    }

    #[test]
    fn a_small_byte_limit_lowers_quality_then_size() {
        let source = noise_jpeg(800, 600);
        let limits = ImageLimits {
            max_side: 2000,
            max_bytes: 40_000,
        };
        let fitted = fit_image(&source, "noise.jpg", limits).expect("fits");
        assert!(fitted.bytes.len() <= 40_000, "{}", fitted.bytes.len());
        assert!(fitted.width < 800 && fitted.height < 600);
        let ratio = f64::from(fitted.width) / f64::from(fitted.height);
        assert!((ratio - 4.0 / 3.0).abs() < 0.02, "{ratio}");
        let impossible = ImageLimits {
            max_side: 2000,
            max_bytes: 10,
        };
        assert!(message(fit_image(&source, "noise.jpg", impossible)).contains("does not fit"));
    }
}
