//! Attachments: files a person adds to a message (images, PDFs, text and code files).
//!
//! - [`Blobs`] keeps their bytes under the data dir, named by SHA-256 (`attachments/ab/cdef…`),
//!   each written once and atomically before the message naming it is committed.
//! - [`ingest`] turns picked, dropped or pasted bytes into an [`Attachment`]: what they are is read
//!   from the bytes, an image is decoded once (so a damaged one is refused now, not at sending),
//!   sizes are capped before anything is read.
//! - [`send`] makes a request's attachments fit one target just before it goes.

pub(crate) mod blobs;
mod media;
mod pdf;
pub mod send;

use std::io::Read;
use std::path::Path;

pub use blobs::{Blobs, Loaded, DIR, MAX_LOADED_BYTES};
pub use media::{
    fit_image, probe_image, sniff, thumbnail, Fitted, ImageInfo, ImageLimits, Sniffed,
};
pub use pdf::{pdf_pages, pdf_text, PdfText};

use crate::chat::{Attachment, Part};
use crate::error::{Error, Result};

/// The largest file that can be attached. (Providers take 20–50 MB per request; a larger file
/// is refused before it is read.)
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;
/// The largest text or code file, sent whole as text.
pub const MAX_TEXT_BYTES: usize = 512 * 1024;
/// The longest side of the thumbnails the app shows.
pub const THUMBNAIL_SIDE: u32 = 256;

/// How long reading a PDF (its pages, its text) may take: a PDF is a program of objects, and a
/// crafted one could keep a parser busy.
pub const PDF_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

/// Runs `work` on a thread of its own and waits at most `limit` for it; past that, an error
/// naming the file (the thread is left to finish on its own, its result dropped).
pub fn within<T: Send + 'static>(
    name: &str,
    limit: std::time::Duration,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("attachment-reader".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| bad(name, format!("could not start reading it: {e}")))?;
    match rx.recv_timeout(limit) {
        Ok(done) => done,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(bad(
            name,
            format!(
                "reading it took longer than {} s; the file may be damaged",
                limit.as_secs()
            ),
        )),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(bad(name, "reading it failed")),
    }
}

fn bad(name: &str, message: impl Into<String>) -> Error {
    Error::Attachment {
        name: name.to_string(),
        message: message.into(),
    }
}

/// A file's name without its folders (what is stored and shown; a path never is).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "attachment".into())
}

/// Reads a picked or dropped file, refusing one over [`MAX_FILE_BYTES`] before reading it (and
/// reading no more than that, should it grow meanwhile).
pub fn read_file(path: &Path) -> Result<(String, Vec<u8>)> {
    let name = file_name(path);
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    // A file the person named that cannot be opened is bad input, not a fault of ours.
    let file = std::fs::File::open(path)
        .map_err(|e| bad(&name, format!("cannot open {}: {e}", path.display())))?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(bad(&name, "this is not a file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(&name, meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(&name, bytes.len() as u64));
    }
    Ok((name, bytes))
}

fn too_large(name: &str, bytes: u64) -> Error {
    bad(
        name,
        format!(
            "the file is {} MB; attachments can be at most {} MB",
            bytes.div_ceil(1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

/// An attachment made from a file's bytes, checked, with a thumbnail for an image; the bytes
/// are not stored by [`ingest`] (see [`keep`]), so its hash is left empty.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// The part: an image or a file.
    pub part: Part,
    /// A small upright copy, for an image.
    pub thumbnail: Option<Fitted>,
}

/// Checks `bytes` named `name` and describes them: an image (its header read within limits;
/// decoded once for a thumbnail when `thumb`), a PDF (its pages counted), or UTF-8 text under
/// [`MAX_TEXT_BYTES`].
pub fn ingest(name: &str, bytes: &[u8], thumb: bool) -> Result<Ingested> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(name, bytes.len() as u64));
    }
    let mut a = Attachment {
        name: name.to_string(),
        bytes: bytes.len() as u64,
        ..Default::default()
    };
    match sniff(bytes, name)? {
        Sniffed::Image(media_type) => {
            let info = probe_image(bytes, name)?;
            let thumb = if thumb {
                Some(thumbnail(bytes, name, THUMBNAIL_SIDE)?)
            } else {
                None
            };
            a.media_type = media_type.to_string();
            a.width = Some(info.width);
            a.height = Some(info.height);
            Ok(Ingested {
                part: Part::Image(a),
                thumbnail: thumb,
            })
        }
        Sniffed::Pdf => {
            let (copy, owned) = (bytes.to_vec(), name.to_string());
            a.pages = Some(within(name, PDF_DEADLINE, move || {
                pdf_pages(&copy, &owned)
            })?);
            a.media_type = "application/pdf".into();
            Ok(Ingested {
                part: Part::File(a),
                thumbnail: None,
            })
        }
        Sniffed::Text => {
            if bytes.len() > MAX_TEXT_BYTES {
                return Err(bad(
                    name,
                    format!(
                        "text files can be at most {} KB; this one is {} KB",
                        MAX_TEXT_BYTES / 1024,
                        bytes.len().div_ceil(1024)
                    ),
                ));
            }
            a.media_type = "text/plain".into();
            Ok(Ingested {
                part: Part::File(a),
                thumbnail: None,
            })
        }
    }
}

/// Checks `bytes` named `name` ([`ingest`]) and, only if they pass, stores them; the part
/// carries the hash they are stored under.
pub fn keep(blobs: &Blobs, name: &str, bytes: &[u8], thumb: bool) -> Result<Ingested> {
    let mut ingested = ingest(name, bytes, thumb)?;
    let sha = blobs.put(bytes)?;
    if let Part::Image(a) | Part::File(a) = &mut ingested.part {
        a.sha256 = sha;
    }
    Ok(ingested)
}

/// Reads, checks and stores a file: what the CLI's `-a` does.
pub fn attach_file(blobs: &Blobs, path: &Path) -> Result<Part> {
    let (name, bytes) = read_file(path)?;
    Ok(keep(blobs, &name, &bytes, true)?.part)
}

/// Standard base64 with padding, which every protocol and `data:` URL reads.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A `data:` URL of these bytes.
pub fn data_url(media_type: &str, bytes: &[u8]) -> String {
    format!("data:{media_type};base64,{}", base64(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn reading_past_its_deadline_is_an_error_naming_the_file() {
        let slow = within("slow.pdf", Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_secs(2));
            Ok(1)
        });
        let e = slow.unwrap_err().to_string();
        assert!(
            e.starts_with("slow.pdf: reading it took longer than"),
            "{e}"
        );
        assert_eq!(
            within("quick.pdf", Duration::from_secs(5), || Ok(7)).unwrap(),
            7
        );
    }
}
