//! Images and checks the media tests share: JPEGs made on the spot, an EXIF block with a GPS
//! position in it, and the attachment error's text.

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

use super::ImageLimits;
use crate::error::{Error, Result};

/// A JPEG of `width` × `height` with a red block in its top-left corner on a blue-green field.
pub(super) fn jpeg(width: u32, height: u32, quality: u8) -> Vec<u8> {
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
pub(super) fn noise_jpeg(width: u32, height: u32) -> Vec<u8> {
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

pub(super) const GPS_LATITUDE: [u8; 24] = [
    0, 0, 0, 48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0x0B, 0x8C, 0, 0, 0, 100,
];

/// An APP1 Exif segment (big-endian TIFF): IFD0 holds Orientation = `orientation` and a
/// pointer to a GPS IFD holding GPSLatitude 48° 51' 29.56".
pub(super) fn exif_segment(orientation: u16) -> Vec<u8> {
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

pub(super) fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&exif_segment(orientation));
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub(super) fn message(result: Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::Attachment { name, message }) => format!("{name}: {message}"),
        other => panic!("expected an attachment error, got {other:?}"),
    }
}

pub(super) const ROOMY: ImageLimits = ImageLimits {
    max_side: 1568,
    max_bytes: 5 * 1024 * 1024,
};
