//! Downloads a model into the models folder: a catalog entry, a pinned file, or any GGUF file of
//! a Hugging Face repository (`hf:OWNER/REPO[@REVISION]/FILE.gguf`), from `[local] mirror`.
//!
//! The file grows in `.partial/NAME.gguf.part` beside a sidecar (`.part.json`) naming what it
//! is, so a cut connection, a failure or a cancelled future (dropping it) leaves it for the next
//! pull to resume with a `Range` request. It is checked — SHA-256 against the pin (or the hash
//! the server publishes), then its GGUF header — before it is renamed into place; a file that
//! fails is removed. Every wait has a deadline and the body a size cap. No credentials are
//! ever sent: gated repositories are for `models add`.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use url::Url;

use crate::error::{Error, Result};
use crate::local::gguf;
use crate::local::library::{
    check_name, ensure_space, human_bytes, sync_dir, Library, LocalModel, TempFile,
};

mod http;
mod source;

pub use source::{parse_source, Source};

use http::{client, content_range, host, request, reqwest_reason, Answer};

/// The largest file a pull accepts.
pub const MAX_FILE: u64 = 256_000_000_000;
/// Redirects followed (Hugging Face sends files to its CDN).
pub const MAX_REDIRECTS: usize = 5;
/// Connecting to a server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// From sending a request to its response's headers.
const HEADERS_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest wait for the next piece of the body.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest sidecar read back.
const MAX_SIDECAR: u64 = 64 * 1024;

/// How far a download is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// Bytes of the file on disk so far (a resumed download starts where it stopped).
    pub done: u64,
    /// The file's size, when known.
    pub total: Option<u64>,
}

/// A finished pull.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pulled {
    /// The installed model.
    pub model: LocalModel,
    /// The file's SHA-256 (hex), as computed.
    pub sha256: String,
    /// Whether it was checked against a pinned or published hash (otherwise only computed).
    pub verified: bool,
    /// The bytes already on disk from an earlier, interrupted pull (0 for a fresh one).
    pub resumed_from: u64,
}

/// Downloads `source` from `mirror` into `library`, calling `progress` as bytes arrive.
/// Cancel by dropping the future: what was downloaded is kept for the next pull to resume.
pub async fn pull(
    library: &Library,
    source: &Source,
    mirror: &str,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Pulled> {
    let name = source.name();
    check_name(&name).map_err(|_| Error::Model {
        model: name.clone(),
        message: "the file's name does not make a model name; download it and use `roundtable models add FILE --name NAME`".into(),
    })?;
    let url = source.url(mirror)?;
    library.refuse_existing(&name)?;
    let partial = library.make_dirs(&name)?;
    let part = Part {
        data: partial.join(format!("{name}.gguf.part")),
        sidecar: partial.join(format!("{name}.gguf.part.json")),
        name: name.clone(),
    };
    let fresh = Sidecar {
        url: url.to_string(),
        size: source.expected_size(),
        sha256: source.expected_sha256(),
    };
    let mut state = match Sidecar::load(&part.sidecar) {
        Some(old) if old.continues(&fresh) => old,
        _ => {
            part.discard();
            fresh
        }
    };
    let mut have = part.len();
    if state.size.is_some_and(|s| have > s) {
        part.discard();
        have = 0;
    }
    // Before any request: a pinned size that cannot fit is refused at once.
    ensure_space(
        &partial,
        state.size.unwrap_or(0).saturating_sub(have),
        &name,
    )?;
    if let Some(size) = state.size.filter(|s| *s > MAX_FILE) {
        return Err(model_error(
            &name,
            format!(
                "{} is more than the {} a pull accepts",
                human_bytes(size),
                human_bytes(MAX_FILE)
            ),
        ));
    }
    part.save(&state)?;
    let resumed_from = have;
    if state.size != Some(have) || have == 0 {
        let client = client(&name)?;
        let pinned = source.expected_sha256().is_some();
        if let Err(e) = download(&client, &url, &part, &mut state, have, pinned, progress).await {
            // Nothing downloaded: nothing to resume either.
            if part.len() == 0 {
                part.discard();
            }
            return Err(e);
        }
    } else {
        progress(Progress {
            done: have,
            total: state.size,
        });
    }
    let checked = finish(library, &part, &state).await?;
    Ok(Pulled {
        resumed_from,
        ..checked
    })
}

/// The work files of one download.
struct Part {
    data: PathBuf,
    sidecar: PathBuf,
    name: String,
}

impl Part {
    fn len(&self) -> u64 {
        std::fs::metadata(&self.data).map(|m| m.len()).unwrap_or(0)
    }
    fn discard(&self) {
        let _ = std::fs::remove_file(&self.data);
        let _ = std::fs::remove_file(&self.sidecar);
    }
    fn save(&self, state: &Sidecar) -> Result<()> {
        let text = serde_json::to_vec(state).unwrap_or_default();
        std::fs::write(&self.sidecar, text).map_err(|e| {
            model_error(
                &self.name,
                format!("{} cannot be written: {e}", self.sidecar.display()),
            )
        })
    }
    fn io_error(&self, e: &io::Error) -> Error {
        model_error(
            &self.name,
            format!("{} cannot be written: {e}", self.data.display()),
        )
    }
}

/// What a `.part` file is a download of.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Sidecar {
    url: String,
    size: Option<u64>,
    sha256: Option<String>,
}

impl Sidecar {
    fn load(path: &Path) -> Option<Sidecar> {
        let file = File::open(path).ok()?;
        let mut text = Vec::new();
        file.take(MAX_SIDECAR).read_to_end(&mut text).ok()?;
        serde_json::from_slice(&text).ok()
    }
    /// Whether a part recorded as `self` is the start of `fresh` (same URL, and no pin of
    /// `fresh` contradicts what was recorded).
    fn continues(&self, fresh: &Sidecar) -> bool {
        self.url == fresh.url
            && (fresh.size.is_none() || self.size == fresh.size)
            && (fresh.sha256.is_none() || self.sha256 == fresh.sha256)
    }
}

/// Downloads into the part from `have` bytes on, starting over from zero at most once (the
/// server resumed at the wrong place, or the file changed since the part began). `pinned`: the
/// sidecar's size and hash are the source's pins, not what a server said earlier.
async fn download(
    client: &reqwest::Client,
    url: &Url,
    part: &Part,
    state: &mut Sidecar,
    mut have: u64,
    pinned: bool,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<()> {
    let name = part.name.as_str();
    let mut restarted = false;
    let mut start_over = |have: &mut u64, state: &mut Sidecar, why: &str| -> Result<()> {
        if restarted || *have == 0 {
            return Err(model_error(
                name,
                format!("{why}; run the same command again"),
            ));
        }
        restarted = true;
        *have = 0;
        let _ = std::fs::remove_file(&part.data);
        if !pinned {
            state.size = None;
            state.sha256 = None;
        }
        Ok(())
    };
    loop {
        let Answer {
            response: mut resp,
            linked_sha,
            linked_size,
        } = request(client, url, have, name).await?;
        let status = resp.status();
        let total = match status {
            StatusCode::PARTIAL_CONTENT if have > 0 => match content_range(resp.headers()) {
                Some((start, Some(total)))
                    if start == have && state.size.is_none_or(|s| s == total) =>
                {
                    Some(total)
                }
                _ => {
                    start_over(&mut have, state, "the server resumed at the wrong place")?;
                    continue;
                }
            },
            StatusCode::OK => {
                // A 200 to a range request is the whole file again: start over.
                if have > 0 && !pinned {
                    state.size = None;
                    state.sha256 = None;
                }
                have = 0;
                resp.content_length().or(linked_size)
            }
            StatusCode::RANGE_NOT_SATISFIABLE if have > 0 => {
                start_over(&mut have, state, "the server refused to resume")?;
                continue;
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(model_error(name, format!("{} needs a login (HTTP {}): a gated or private repository; Roundtable sends no tokens, so download it yourself and use `roundtable models add FILE`", host(url), status.as_u16())))
            }
            StatusCode::NOT_FOUND => {
                return Err(model_error(name, format!("not found (HTTP 404) at {url}; check the repository, revision and file name")))
            }
            s => {
                return Err(model_error(name, format!("HTTP {} from {}; run the same command again later", s.as_u16(), host(url))))
            }
        };
        if !pinned {
            // A published hash that changed since the part began means the file changed.
            if have > 0
                && linked_sha.is_some()
                && state.sha256.is_some()
                && linked_sha != state.sha256
            {
                start_over(&mut have, state, "the file changed on the server")?;
                continue;
            }
            if linked_sha.is_some() {
                state.sha256 = linked_sha;
            }
        }
        // What the server says the file is must be what was pinned.
        if let (Some(want), Some(got)) = (state.size, total) {
            if want != got {
                part.discard();
                return Err(model_error(name, format!("the server's file is {got} bytes but {want} were expected, so it is not the pinned file; nothing was kept")));
            }
        }
        let total = state.size.or(total);
        if total.is_some_and(|t| t > MAX_FILE) {
            part.discard();
            return Err(model_error(
                name,
                format!(
                    "the file is more than the {} a pull accepts",
                    human_bytes(MAX_FILE)
                ),
            ));
        }
        if state.size.is_none() {
            if let Some(t) = total {
                let dir = part.data.parent().unwrap_or(Path::new("."));
                ensure_space(dir, t.saturating_sub(have), name)?;
            }
            state.size = total;
        }
        part.save(state)?;
        return stream(&mut resp, part, have, total, progress).await;
    }
}

/// Writes the body into the part from `have` on.
async fn stream(
    resp: &mut reqwest::Response,
    part: &Part,
    mut have: u64,
    total: Option<u64>,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<()> {
    let name = part.name.as_str();
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&part.data)
        .map_err(|e| part.io_error(&e))?;
    file.set_len(have).map_err(|e| part.io_error(&e))?;
    file.seek(SeekFrom::Start(have))
        .map_err(|e| part.io_error(&e))?;
    progress(Progress { done: have, total });
    let cap = total.unwrap_or(MAX_FILE);
    let stopped = |have: u64, why: String| {
        let of = total
            .map(|t| format!(" of {}", human_bytes(t)))
            .unwrap_or_default();
        model_error(name, format!("the download stopped at {}{of} ({why}); what was downloaded is kept: run the same command again to resume", human_bytes(have)))
    };
    loop {
        let chunk = match tokio::time::timeout(IDLE_TIMEOUT, resp.chunk()).await {
            Ok(Ok(Some(c))) => c,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => return Err(stopped(have, reqwest_reason(&e))),
            Err(_) => {
                return Err(stopped(
                    have,
                    format!("no data for {} s", IDLE_TIMEOUT.as_secs()),
                ))
            }
        };
        let len = chunk.len() as u64;
        if have.saturating_add(len) > cap {
            drop(file);
            part.discard();
            return Err(model_error(
                name,
                format!(
                    "the server sent more than the {cap} bytes expected; the download was removed"
                ),
            ));
        }
        file.write_all(&chunk).map_err(|e| part.io_error(&e))?;
        have += len;
        progress(Progress { done: have, total });
    }
    if let Some(t) = total {
        if have < t {
            return Err(stopped(have, "the connection closed early".into()));
        }
    }
    file.sync_all().map_err(|e| part.io_error(&e))
}

/// Checks the part (hash, then GGUF header) off the async runtime and moves it into place; a
/// part that fails is removed.
async fn finish(library: &Library, part: &Part, state: &Sidecar) -> Result<Pulled> {
    let data = part.data.clone();
    let name = part.name.clone();
    let hashed = tokio::task::spawn_blocking(move || sha256_file(&data))
        .await
        .map_err(|e| model_error(&name, format!("checking the download failed: {e}")))?
        .map_err(|e| {
            model_error(
                &name,
                format!("{} cannot be read: {e}", part.data.display()),
            )
        })?;
    let expected = state.sha256.clone();
    if let Some(want) = &expected {
        if *want != hashed {
            part.discard();
            return Err(model_error(&name, format!("SHA-256 mismatch: expected {want}, the download has {hashed}; the file was removed, run the same command again")));
        }
    }
    let data = part.data.clone();
    let checked = tokio::task::spawn_blocking(move || gguf::read_runnable(&data))
        .await
        .map_err(|e| model_error(&name, format!("checking the download failed: {e}")))?;
    if let Err(e) = checked {
        part.discard();
        return Err(model_error(
            &name,
            format!("the downloaded file is not a usable model: {e}; it was removed"),
        ));
    }
    let installed = library.install(TempFile::new(part.data.clone()), &name);
    let _ = std::fs::remove_file(&part.sidecar);
    let model = installed?;
    if let Some(dir) = part.sidecar.parent() {
        sync_dir(dir);
    }
    Ok(Pulled {
        model,
        sha256: hashed,
        verified: expected.is_some(),
        resumed_from: 0,
    })
}

/// The SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

pub(super) fn model_error(name: &str, message: String) -> Error {
    Error::Model {
        model: name.into(),
        message,
    }
}
