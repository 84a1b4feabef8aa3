//! Files for attachment tests, made in the test: pictures with the `image` crate and PDFs written
//! object by object, so no fixture file is needed.

use std::io::Cursor;

/// A PNG of `w`×`h` with a gradient and, when `alpha`, a transparent half.
pub fn png(w: u32, h: u32, alpha: bool) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        let a = if alpha && x < w / 2 { 0 } else { 255 };
        image::Rgba([
            (x * 255 / w.max(1)) as u8,
            (y * 255 / h.max(1)) as u8,
            90,
            a,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A PDF of `pages` pages, "Page N says hello" on each.
pub fn pdf(pages: usize) -> Vec<u8> {
    let contents: Vec<String> = (1..=pages)
        .map(|n| format!("BT /F1 18 Tf 72 700 Td (Page {n} says hello) Tj ET"))
        .collect();
    pdf_of(&contents, None)
}

/// A PDF whose pages hold these content streams (Helvetica in WinAnsi as `/F1`), written object
/// by object with a correct cross-reference table, in Latin-1 (each character one byte);
/// `encrypt`, when given, is the trailer's encryption dictionary.
pub fn pdf_of(contents: &[String], encrypt: Option<&str>) -> Vec<u8> {
    let kids: Vec<String> = (0..contents.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            contents.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
    ];
    for (i, content) in contents.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.chars().count()
        ));
    }
    let mut trailer = String::new();
    if let Some(encrypt) = encrypt {
        objects.push(encrypt.to_string());
        trailer = format!(" /Encrypt {} 0 R /ID [<0102> <0102>]", objects.len());
    }
    let mut out = "%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".to_string();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.chars().count());
        out.push_str(&format!("{} 0 obj\n{object}\nendobj\n", i + 1));
    }
    let xref = out.chars().count();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        out.push_str(&format!("{offset:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R{trailer} >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.chars()
        .map(|c| u8::try_from(c).unwrap_or(b'?'))
        .collect()
}

/// A decompression bomb's header: a PNG that says it is 50,000 × 50,000 pixels (2.5 gigapixels)
/// in a few dozen bytes (its image data is cut short: nothing should ever get that far).
pub fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey, deflate, no filter, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x63, 0x00, 0x00]);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Appends a PNG chunk: length, type, data, CRC-32 of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = 0xFFFF_FFFFu32;
    for &b in kind.iter().chain(data) {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    out.extend_from_slice(&(!crc).to_be_bytes());
}
