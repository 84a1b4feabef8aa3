//! PDFs: their page count, and their text for a protocol or model that cannot take a PDF.
//!
//! It reads the text a PDF's pages draw, in page order, with line breaks where the text moves
//! down. It does not lay out columns or tables, read text inside images (a scan has none), or
//! open password-protected files.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::content::{Content, Operation};
use lopdf::{Document, Encoding, LoadOptions, Object, ObjectId};

use crate::error::{Error, Result};

/// A PDF's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfText {
    /// Its pages.
    pub pages: u32,
    /// The text, pages separated by a blank line, cut at the cap given.
    pub text: String,
}

/// The most bytes one stream (an object stream, a page's content, a font's character map) may
/// decompress to: a small file cannot inflate into gigabytes.
pub(crate) const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;

/// A `TJ` gap wider than this (in thousandths of a text unit) is read as a space between words.
const WORD_GAP: f32 = 200.0;

fn attachment_error(name: &str, message: impl Into<String>) -> Error {
    Error::Attachment {
        name: name.to_string(),
        message: message.into(),
    }
}

fn damaged(name: &str, detail: impl std::fmt::Display) -> Error {
    attachment_error(
        name,
        format!("the PDF is damaged or cut short ({detail}); open it in a PDF viewer, save a copy and attach that"),
    )
}

/// Runs `read` on the parser, turning a panic inside it into an error naming the file. The PDF
/// parser is not known to be panic-free on hostile input, and a bad attachment must never take
/// the app down. (The default panic hook still prints the panic to stderr.)
fn guarded<T>(name: &str, read: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(read))
        .unwrap_or_else(|_| Err(damaged(name, "the PDF reader failed on its contents")))
}

/// The document, loaded within the stream limit; an error for anything that is not a readable,
/// unlocked PDF with pages.
fn load(bytes: &[u8], name: &str) -> Result<(Document, BTreeMap<u32, ObjectId>)> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(attachment_error(
            name,
            "this is not a PDF (it does not start with %PDF-); check that it is the file you meant",
        ));
    }
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..LoadOptions::default()
    };
    // Readers require `%%EOF` in the last 1024 bytes; a file without it was cut short (a PDF
    // updated in place has earlier ones too, so only the end counts).
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if memchr::memmem::find(tail, b"%%EOF").is_none() {
        return Err(damaged(name, "it stops before its end marker, %%EOF"));
    }
    let document = Document::load_mem_with_options(bytes, options).map_err(|e| damaged(name, e))?;
    // Encrypted with an empty user password is read as it is (most "protected" PDFs only
    // restrict printing); one that needs a password was loaded without its objects.
    if document.trailer.has(b"Encrypt") && !document.was_encrypted() {
        return Err(attachment_error(
            name,
            "the PDF is password-protected; save an unprotected copy and attach that",
        ));
    }
    let mut pages = document.get_pages();
    // A page tree may name pages whose objects are gone.
    pages.retain(|_, id| document.get_dictionary(*id).is_ok());
    if pages.is_empty() {
        return Err(damaged(name, "no pages were found"));
    }
    Ok((document, pages))
}

fn page_count(name: &str, pages: &BTreeMap<u32, ObjectId>) -> Result<u32> {
    u32::try_from(pages.len()).map_err(|_| damaged(name, "it claims more pages than can be"))
}

/// How many pages the PDF has; an error naming `name` when it is not a readable PDF.
pub fn pdf_pages(bytes: &[u8], name: &str) -> Result<u32> {
    guarded(name, || {
        let (_, pages) = load(bytes, name)?;
        page_count(name, &pages)
    })
}

/// The PDF's text, at most `max_chars` characters. The text is empty when the pages only hold
/// images (a scan).
pub fn pdf_text(bytes: &[u8], name: &str, max_chars: usize) -> Result<PdfText> {
    guarded(name, || {
        let (document, pages) = load(bytes, name)?;
        let count = page_count(name, &pages)?;
        let mut text = String::new();
        let mut chars = 0;
        let mut unreadable = 0;
        for page_id in pages.values() {
            if chars > max_chars {
                break; // the rest would be cut anyway
            }
            let Some(page) = page_text(&document, *page_id) else {
                unreadable += 1;
                continue;
            };
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            chars += page.chars().count() + 2;
            text.push_str(page.trim_end());
        }
        if unreadable == pages.len() {
            return Err(damaged(name, "none of its pages could be read"));
        }
        cut_at_chars(&mut text, max_chars);
        Ok(PdfText { pages: count, text })
    })
}

/// Cuts `text` to at most `max` characters, on a character boundary.
fn cut_at_chars(text: &mut String, max: usize) {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
    }
}

/// One page's text, or `None` when its content cannot be read at all. Operations after a
/// syntax error in the content are dropped; the text before it is kept.
fn page_text(document: &Document, page_id: ObjectId) -> Option<String> {
    let encodings = page_encodings(document, page_id);
    let content = document
        .get_page_content_with_limit(page_id, MAX_STREAM_BYTES)
        .ok()?;
    let mut reader = PageReader {
        encodings: &encodings,
        font: None,
        y: 0.0,
        shown_at: None,
        gap: false,
        text: String::new(),
    };
    for operation in Content::decode_iter(&content).map_while(|op| op.ok()) {
        reader.apply(&operation);
    }
    Some(reader.text)
}

/// The page's fonts by resource name, each with how its bytes map to characters. A font whose
/// encoding cannot be read is left out (its text falls back to Latin-1).
fn page_encodings(document: &Document, page_id: ObjectId) -> BTreeMap<Vec<u8>, Encoding<'_>> {
    let Ok(fonts) = document.get_page_fonts(page_id) else {
        return BTreeMap::new();
    };
    fonts
        .into_iter()
        .filter_map(|(resource, font)| {
            let encoding = font
                .get_font_encoding_with_limit(document, MAX_STREAM_BYTES)
                .ok()?;
            Some((resource, encoding))
        })
        .collect()
}

/// Walks a page's content operations, keeping the text they show. It follows only the
/// vertical position of the text, well enough to break lines where the text moves down.
struct PageReader<'a, 'd> {
    encodings: &'a BTreeMap<Vec<u8>, Encoding<'d>>,
    font: Option<&'a Encoding<'d>>,
    /// The current line's vertical position, in the units its operators gave.
    y: f32,
    /// Where text was last shown.
    shown_at: Option<f32>,
    /// The text moved along its line since it was last shown: a space between words.
    gap: bool,
    text: String,
}

impl PageReader<'_, '_> {
    fn apply(&mut self, operation: &Operation) {
        let operands = &operation.operands;
        let operand = |i: usize| operands.get(i).and_then(number).unwrap_or(0.0);
        match operation.operator.as_str() {
            "Tf" => {
                self.font = operands
                    .first()
                    .and_then(|font| font.as_name().ok())
                    .and_then(|font| self.encodings.get(font));
            }
            "BT" => self.y = 0.0,
            "Tm" => self.y = operand(5),
            "Td" | "TD" => {
                self.y += operand(1);
                self.gap |= operand(0) != 0.0;
            }
            // The next line, by the leading: any move down will do, as only changes count.
            "T*" => self.y -= 1.0,
            "Tj" | "TJ" => self.show(operands),
            "'" => {
                self.y -= 1.0;
                self.show(operands);
            }
            "\"" => {
                self.y -= 1.0;
                self.show(operands.get(2..).unwrap_or(&[]));
            }
            _ => {}
        }
    }

    fn show(&mut self, operands: &[Object]) {
        match self.shown_at {
            Some(y) if (y - self.y).abs() > 0.01 => self.push_break('\n'),
            Some(_) if self.gap => self.push_break(' '),
            _ => {}
        }
        self.shown_at = Some(self.y);
        self.gap = false;
        self.show_strings(operands);
    }

    /// Adds a line break or a space, unless the text already ends with one.
    fn push_break(&mut self, mark: char) {
        if !self.text.is_empty() && !self.text.ends_with([' ', '\n']) {
            self.text.push(mark);
        } else if mark == '\n' && self.text.ends_with(' ') {
            self.text.pop();
            self.text.push('\n');
        }
    }

    fn show_strings(&mut self, operands: &[Object]) {
        for operand in operands {
            match operand {
                Object::String(bytes, _) => self.push_bytes(bytes),
                Object::Array(items) => self.show_strings(items),
                other if number(other).is_some_and(|gap| -gap > WORD_GAP) => self.push_break(' '),
                _ => {}
            }
        }
    }

    fn push_bytes(&mut self, bytes: &[u8]) {
        let decoded = self
            .font
            .and_then(|encoding| Document::decode_text(encoding, bytes).ok());
        match decoded {
            Some(text) => self.text.push_str(&text),
            None => self.text.extend(bytes.iter().map(|&b| char::from(b))),
        }
    }
}

fn number(object: &Object) -> Option<f32> {
    match object {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF with one page per entry, each page's lines drawn in Helvetica (WinAnsi, so the
    /// text must be Latin-1): the first line with `Tj`, the next ones with `T*`, `'`, `Td` +
    /// `TJ` and `Td` + `Tj` in turn, so each way of starting a line is read.
    fn pdf(pages: &[Vec<String>]) -> Vec<u8> {
        pdf_with(pages, None)
    }

    /// [`pdf`], with `encrypt` as the trailer's encryption dictionary when given.
    fn pdf_with(pages: &[Vec<String>], encrypt: Option<&str>) -> Vec<u8> {
        let contents: Vec<String> = pages.iter().map(|lines| page_content(lines)).collect();
        roundtable_fakes::files::pdf_of(&contents, encrypt)
    }

    fn page_content(lines: &[String]) -> String {
        let escape = |line: &str| {
            line.replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)")
        };
        let mut content = "BT /F1 11 Tf 14 TL 72 740 Td".to_string();
        for (i, line) in lines.iter().enumerate() {
            let shown = escape(line);
            let op = match (i, i % 4) {
                (0, _) => format!(" ({shown}) Tj"),
                (_, 1) => format!(" T* ({shown}) Tj"),
                (_, 2) => format!(" ({shown}) '"),
                (_, 3) => {
                    let (a, b) = shown.split_once(' ').unwrap_or((&shown, ""));
                    format!(" 0 -14 Td [({a}) -300 ({b})] TJ")
                }
                _ => format!(" 0 -14 Td ({shown}) Tj"),
            };
            content.push_str(&op);
        }
        content.push_str(" ET");
        content
    }

    fn three_pages() -> Vec<Vec<String>> {
        (1..=3)
            .map(|p| {
                (1..=5)
                    .map(|l| format!("Page {p} line {l} (café)"))
                    .collect()
            })
            .collect()
    }

    fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
        match result {
            Err(Error::Attachment { name, message }) => format!("{name}: {message}"),
            other => panic!("expected an attachment error, got {other:?}"),
        }
    }

    #[test]
    fn pages_and_their_text_in_order() {
        let pages = three_pages();
        let bytes = pdf(&pages);
        assert_eq!(pdf_pages(&bytes, "report.pdf").expect("pages"), 3);
        let read = pdf_text(&bytes, "report.pdf", 100_000).expect("text");
        assert_eq!(read.pages, 3);
        let expected: Vec<String> = pages.iter().map(|lines| lines.join("\n")).collect();
        assert_eq!(read.text, expected.join("\n\n"));
    }

    #[test]
    fn text_is_cut_at_a_character_count() {
        let bytes = pdf(&three_pages());
        let read = pdf_text(&bytes, "report.pdf", 21).expect("text");
        assert_eq!(read.text, "Page 1 line 1 (café)\n");
        assert_eq!(read.pages, 3);
        let read = pdf_text(&bytes, "report.pdf", 19).expect("text");
        assert_eq!(read.text, "Page 1 line 1 (café");
        assert_eq!(pdf_text(&bytes, "report.pdf", 0).expect("text").text, "");
    }

    #[test]
    fn truncated_and_garbage_pdfs_are_errors_naming_the_file() {
        let bytes = pdf(&three_pages());
        for cut in [10, 200, bytes.len() / 2, bytes.len() - 30] {
            // Lenient loading may rebuild what it can find; it never invents pages.
            match pdf_pages(&bytes[..cut], "cut.pdf") {
                Ok(pages) => assert!(pages <= 3),
                Err(err) => assert!(
                    err.to_string().starts_with("cut.pdf: the PDF is damaged"),
                    "{err}"
                ),
            }
            match pdf_text(&bytes[..cut], "cut.pdf", 10_000) {
                Ok(read) => assert!(read.pages <= 3),
                Err(err) => assert!(
                    err.to_string().starts_with("cut.pdf: the PDF is damaged"),
                    "{err}"
                ),
            }
        }
        assert!(message(pdf_pages(&bytes[..200], "cut.pdf")).starts_with("cut.pdf: "));
        let mut rng = fastrand::Rng::with_seed(3);
        for len in [0, 10, 1000, 100_000] {
            let mut junk = b"%PDF-1.7\n".to_vec();
            junk.extend((0..len).map(|_| rng.u8(..)));
            assert!(message(pdf_text(&junk, "junk.pdf", 1000)).starts_with("junk.pdf: "));
        }
        for len in [10, 100_000] {
            let mut junk = b"%PDF-1.7\n".to_vec();
            junk.extend((0..len).map(|_| rng.u8(..)));
            junk.extend_from_slice(b"\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n");
            assert!(message(pdf_text(&junk, "junk.pdf", 1000)).starts_with("junk.pdf: "));
        }
        let err = message(pdf_pages(b"hello", "notes.pdf"));
        assert!(err.contains("notes.pdf: this is not a PDF"), "{err}");
    }

    #[test]
    fn corrupted_bytes_never_escape_as_a_panic() {
        let bytes = pdf(&three_pages());
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..300 {
            let mut bad = bytes.clone();
            for _ in 0..rng.usize(1..20) {
                let at = rng.usize(5..bad.len() - 10);
                bad[at] = rng.u8(..);
            }
            match pdf_text(&bad, "bad.pdf", 10_000) {
                Ok(read) => assert!(read.pages <= 3),
                Err(err) => assert!(err.to_string().starts_with("bad.pdf: "), "{err}"),
            }
        }
    }

    #[test]
    fn a_password_protected_pdf_is_refused() {
        // Standard security, revision 2, whose /U entry no empty password matches.
        let encrypt = format!(
            "<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <{}> /U <{}> >>",
            "00".repeat(32),
            "11".repeat(32)
        );
        let bytes = pdf_with(&three_pages(), Some(&encrypt));
        let err = message(pdf_text(&bytes, "locked.pdf", 1000));
        assert!(
            err.starts_with("locked.pdf: the PDF is password-protected"),
            "{err}"
        );
    }
}
