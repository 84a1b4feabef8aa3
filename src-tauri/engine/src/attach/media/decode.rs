//! Images read within limits: the header alone for their size ([`probe_image`]), or their pixels
//! (a JPEG scaled down while it is decoded), with the EXIF orientation that turns them upright.
//! A decoder's error or panic becomes an error naming the file. Scaling and encoding are `fit`'s.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use super::fit::scaled_size;
use super::sniff::image_kind;
use super::{attachment_error, ImageInfo};
use crate::error::{Error, Result};

/// The longest side Roundtable decodes, in pixels.
const MAX_DECODE_SIDE: u32 = 20_000;
/// The most pixels Roundtable decodes (100 megapixels).
const MAX_DECODE_PIXELS: u64 = 100_000_000;
/// The most memory one decode may take for its pixels.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

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
pub(super) fn decode(bytes: &[u8], name: &str, side: u32) -> Result<(DynamicImage, Orientation)> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attach::media::fixtures::{jpeg, message, ROOMY};
    use crate::attach::media::{fit_image, sniff, thumbnail, Sniffed};
    use image::codecs::gif::GifEncoder;
    use image::codecs::jpeg::JpegEncoder;
    use image::{Frame, Rgba, RgbaImage};

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

    #[test]
    fn dimension_bomb_is_refused_before_decoding() {
        let bomb = roundtable_fakes::files::png_bomb();
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
}
