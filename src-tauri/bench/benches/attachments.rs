//! Attachments: a 12-megapixel phone photo (4000 × 3000 JPEG, EXIF orientation 6) made fit for
//! a provider's limits (1568 px, 5 MB) and base64-encoded, i.e. from pick to bytes on the wire
//! (goal ≤ 150 ms median); the peak memory of one such fit, measured in a child process of this
//! same binary (goal ≤ 150 MB); and the text of a 20-page PDF (goal ≤ 200 ms).
//!
//! `cargo bench -p roundtable-bench --bench attachments` (env: BENCH_RUNS).

use std::process::Command;
use std::time::Instant;

use base64::Engine as _;
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use roundtable_engine::attach::{fit_image, pdf_text, ImageLimits};

const LIMITS: ImageLimits = ImageLimits {
    max_side: 1568,
    max_bytes: 5 * 1024 * 1024,
};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Time this thread has spent on a CPU, in nanoseconds (from the scheduler): unlike the wall
/// clock, it does not grow when other work on a shared machine takes the cores.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Median, min and max of the wall-clock time of `runs` runs of `f`, and their mean CPU time on
/// this thread (the scheduler's count lags by up to a tick, so only a sum over long runs is
/// exact enough: it is shown for the fit only), in milliseconds.
fn timings_ms(mut f: impl FnMut(), runs: usize) -> (f64, f64, f64, f64) {
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..runs.max(1) {
        let (s, c) = (Instant::now(), cpu_ns());
        f();
        wall.push(s.elapsed().as_secs_f64() * 1000.0);
        cpu.push(cpu_ns().saturating_sub(c) as f64 / 1e6);
    }
    wall.sort_by(|a, b| a.total_cmp(b));
    cpu.sort_by(|a, b| a.total_cmp(b));
    (
        wall[wall.len() / 2],
        wall[0],
        wall[wall.len() - 1],
        cpu[cpu.len() / 2],
    )
}

/// A photo-like picture: smooth light and colour gradients, some larger shapes, and sensor-like
/// noise, so it compresses like a photo does (a few MB at quality 90 for 12 megapixels).
fn photo(width: u32, height: u32) -> RgbImage {
    let mut rng = fastrand::Rng::with_seed(12);
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let wave = ((fx * 23.0).sin() * (fy * 17.0).cos() * 40.0) as i32;
        let sky = (200.0 - fy * 120.0) as i32;
        let mut channel = |base: i32| (base + wave + rng.i32(-10..=10)).clamp(0, 255) as u8;
        Rgb([
            channel(sky + (fx * 40.0) as i32),
            channel(sky - 20 + (fy * 60.0) as i32),
            channel(150 + (fx * fy * 90.0) as i32),
        ])
    })
}

/// An APP1 Exif segment (big-endian) whose IFD0 holds only Orientation = 6 (rotate 90°).
fn exif_orientation_6() -> Vec<u8> {
    let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&(2 + 6 + tiff.len() as u16).to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}

fn photo_jpeg() -> Vec<u8> {
    let pixels = photo(4000, 3000);
    let mut encoded = Vec::new();
    JpegEncoder::new_with_quality(&mut encoded, 90)
        .encode_image(&pixels)
        .expect("the bench photo encodes");
    let mut out = encoded[..2].to_vec();
    out.extend_from_slice(&exif_orientation_6());
    out.extend_from_slice(&encoded[2..]);
    out
}

/// Pick to bytes on the wire: fit, then base64. Returns the base64 length.
fn fit_and_encode(bytes: &[u8]) -> usize {
    let fitted = fit_image(bytes, "IMG_0001.jpg", LIMITS).expect("the photo fits");
    base64::engine::general_purpose::STANDARD
        .encode(&fitted.bytes)
        .len()
}

/// VmHWM (peak resident memory) of this process, in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child's side of the peak-memory measurement: one fit of the photo in `path`, printing how
/// far it raised the peak above what reading the file took.
fn peak_fit(path: &str) {
    let bytes = std::fs::read(path).expect("the child reads the photo");
    let baseline = peak_kib();
    let wire = fit_and_encode(&bytes);
    println!(
        "peak_kib={} wire={wire}",
        peak_kib().saturating_sub(baseline)
    );
}

/// A PDF of `pages` pages with `lines` lines of Helvetica text each, written by hand (the file
/// layout is small: catalog, page tree, font, then a page and its content stream per page).
fn pdf(pages: usize, lines: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(20);
    let words = [
        "the", "model", "answer", "router", "cost", "ledger", "stream", "token", "provider",
        "latency", "budget", "window", "context", "request", "retry", "cache",
    ];
    let contents: Vec<String> = (0..pages)
        .map(|_| {
            let mut content = "BT /F1 10 Tf 12 TL 56 760 Td".to_string();
            for _ in 0..lines {
                let line: Vec<&str> = (0..12).map(|_| words[rng.usize(..words.len())]).collect();
                content.push_str(&format!(" ({}) Tj T*", line.join(" ")));
            }
            content.push_str(" ET");
            content
        })
        .collect();
    roundtable_fakes::files::pdf_of(&contents, None)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--peak-fit") {
        peak_fit(args.get(i + 1).map_or("", String::as_str));
        return;
    }
    let runs = env_or("BENCH_RUNS", 15);

    let jpeg = photo_jpeg();
    let fitted = fit_image(&jpeg, "IMG_0001.jpg", LIMITS).expect("the photo fits");
    println!(
        "photo: 4000 x 3000 JPEG, {:.2} MB at quality 90, EXIF orientation 6 -> {} {} x {}, {:.0} KB",
        jpeg.len() as f64 / 1e6,
        fitted.media_type,
        fitted.width,
        fitted.height,
        fitted.bytes.len() as f64 / 1e3
    );
    let (med, min, max, cpu) = timings_ms(
        || {
            std::hint::black_box(fit_and_encode(&jpeg));
        },
        runs,
    );
    println!("fit (1568 px, 5 MB) + base64, {runs} runs: median {med:.1} ms, min {min:.1} ms, max {max:.1} ms; CPU time mean {cpu:.1} ms (goal <= 150 ms)");

    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("IMG_0001.jpg");
    std::fs::write(&path, &jpeg).expect("the photo is written");
    let exe = std::env::current_exe().expect("this bench's own path");
    let child = Command::new(exe)
        .arg("--peak-fit")
        .arg(&path)
        .output()
        .expect("the peak-memory child runs");
    let report = String::from_utf8_lossy(&child.stdout);
    let peak = report
        .split_whitespace()
        .find_map(|w| w.strip_prefix("peak_kib="))
        .and_then(|v| v.parse::<f64>().ok());
    match peak {
        Some(kib) => println!(
            "peak memory of one fit + base64 (VmHWM above the file read): {:.1} MB (goal <= 150 MB)",
            kib * 1024.0 / 1e6
        ),
        None => println!(
            "peak memory: the child reported nothing ({}; {})",
            report.trim(),
            String::from_utf8_lossy(&child.stderr).trim()
        ),
    }

    let doc = pdf(20, 40);
    let read = pdf_text(&doc, "report.pdf", 1_000_000).expect("the PDF reads");
    let (med, min, max, _) = timings_ms(
        || {
            std::hint::black_box(pdf_text(&doc, "report.pdf", 1_000_000).expect("reads"));
        },
        runs,
    );
    println!(
        "pdf_text, {} pages x 40 lines ({:.0} KB, {} chars out), {runs} runs: median {med:.2} ms, min {min:.2} ms, max {max:.2} ms (goal <= 200 ms)",
        read.pages,
        doc.len() as f64 / 1e3,
        read.text.chars().count()
    );
}
