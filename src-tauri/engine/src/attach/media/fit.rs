//! Decoded images made fit to send: scaled to a longest side, turned upright, re-encoded without
//! the original's metadata (JPEG, or PNG when there is transparency) and shrunk until under a byte
//! limit; and thumbnails for the app. Reading the pixels is `decode`'s.

use fast_image_resize as fir;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageEncoder};

use super::decode::decode;
use super::{attachment_error, Fitted, ImageLimits};
use crate::error::Result;

/// JPEG qualities tried in turn while an image is over its byte limit.
const JPEG_QUALITIES: [u8; 4] = [85, 75, 65, 55];
/// Each shrink after the qualities are spent keeps this much of each side.
const SHRINK: f64 = 0.75;
/// Shrinks tried before giving up (0.75^10 is about a twentieth of each side).
const MAX_SHRINKS: u32 = 10;
/// JPEG quality of thumbnails: they are only shown small.
const THUMBNAIL_QUALITY: u8 = 80;

/// `width` × `height` scaled so the longest side is at most `side` (at least one pixel each).
pub(super) fn scaled_size(width: u32, height: u32, side: u32) -> (u32, u32) {
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

/// The image at `width` × `height` (Catmull-Rom, alpha premultiplied while filtering), filtered
/// as four 8-bit channels (the one pixel type the resizer is built for) and given back in its
/// own colour type.
fn resize_to(image: &DynamicImage, name: &str, width: u32, height: u32) -> Result<DynamicImage> {
    if (width, height) == (image.width(), image.height()) {
        return Ok(image.clone());
    }
    let source = DynamicImage::ImageRgba8(image.to_rgba8());
    let mut out = DynamicImage::ImageRgba8(image::RgbaImage::new(width, height));
    let filter = fir::ResizeAlg::Convolution(fir::FilterType::CatmullRom);
    fir::Resizer::new()
        .resize(
            &source,
            &mut out,
            &fir::ResizeOptions::new().resize_alg(filter),
        )
        .map_err(|e| attachment_error(name, format!("the image could not be scaled: {e}")))?;
    Ok(match image.color() {
        image::ColorType::L8 => DynamicImage::ImageLuma8(out.to_luma8()),
        image::ColorType::La8 => DynamicImage::ImageLumaA8(out.to_luma_alpha8()),
        image::ColorType::Rgb8 => DynamicImage::ImageRgb8(out.to_rgb8()),
        _ => out,
    })
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
    let _turn = DECODING.enter();
    let image = upright_within(bytes, name, limits.max_side)?;
    under_bytes(&image, name, limits.max_bytes)
}

/// At most two images are decoded at once in the process, whatever asks (a compare's columns,
/// thumbnails scrolling past, the gateway): a decode may take hundreds of MB.
static DECODING: Turns = Turns::new(2);

/// A counting semaphore for blocking threads.
struct Turns {
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

/// A turn taken; given back when dropped.
struct Turn<'a>(&'a Turns);

impl Turns {
    const fn new(n: usize) -> Turns {
        Turns {
            free: std::sync::Mutex::new(n),
            freed: std::sync::Condvar::new(),
        }
    }

    fn enter(&self) -> Turn<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Turn(self)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.0.freed.notify_one();
    }
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
    let _turn = DECODING.enter();
    let image = upright_within(bytes, name, side)?;
    encode(&image, name, THUMBNAIL_QUALITY)
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_more_than_two_decodes_run_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static GATE: Turns = Turns::new(2);
        static NOW: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let workers: Vec<_> = (0..6)
            .map(|_| {
                std::thread::spawn(|| {
                    let _turn = GATE.enter();
                    let n = NOW.fetch_add(1, Ordering::SeqCst) + 1;
                    MOST.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(30));
                    NOW.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(MOST.load(Ordering::SeqCst), 2);
    }

    use super::*;
    use crate::attach::media::fixtures::{
        contains, jpeg, message, noise_jpeg, with_exif, GPS_LATITUDE, ROOMY,
    };
    use crate::attach::media::probe_image;
    use image::{Rgba, RgbaImage};

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
