//! Attachment bytes on disk, content-addressed: `attachments/ab/cdef…` under the data dir, where
//! `abcdef…` is the SHA-256 of the bytes. The same bytes attached twice are one file.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::MAX_FILE_BYTES;
use crate::chat::{Message, Part};
use crate::error::{Error, Result};
use crate::files;

/// The folder under the data dir.
pub const DIR: &str = "attachments";

/// The most attachment bytes read for one request (each provider takes 20–64 MB anyway).
pub const MAX_LOADED_BYTES: u64 = 128 * 1024 * 1024;

/// Attachment bytes already read, by hash, shared between requests made together.
#[derive(Debug, Default)]
pub struct Loaded {
    bytes: std::collections::HashMap<String, std::sync::Arc<Vec<u8>>>,
    total: u64,
}

/// The SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn valid_hash(sha: &str) -> bool {
    sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The attachment files of one data dir.
#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    /// The files under `data_dir/attachments`.
    pub fn new(data_dir: &Path) -> Blobs {
        Blobs {
            dir: data_dir.join(DIR),
        }
    }

    /// Where the file of `sha` is (or would be); `None` for anything that is not a SHA-256.
    pub fn path(&self, sha: &str) -> Option<PathBuf> {
        valid_hash(sha).then(|| self.dir.join(&sha[..2]).join(&sha[2..]))
    }

    fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }

    /// Stores `bytes` (owner-only, written to a temporary file, synced, renamed into place, so a
    /// crash never leaves half a file under its hash); returns their hash. Bytes already stored
    /// are not written again.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = sha256_hex(bytes);
        let path = self
            .path(&sha)
            .ok_or_else(|| Error::Internal("bad hash".into()))?;
        if self.intact(&path, &sha) {
            // Touched: a file attached again is as young as a new one, so neither a delete nor
            // a sweep takes it from under a composer or a message being committed.
            let touched = std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(SystemTime::now()));
            if touched.is_ok() {
                return Ok(sha);
            }
        }
        let folder = path.parent().unwrap_or(&self.dir);
        files::private_dir(&self.dir)?;
        files::private_dir(folder)?;
        let tmp = folder.join(format!(".tmp-{}-{}", std::process::id(), fastrand::u64(..)));
        let written = (|| -> std::io::Result<()> {
            let mut options = std::fs::File::options();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, files::FILE_MODE);
            let mut f = options.open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()
        })();
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, &path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(Self::io(&path, e));
        }
        files::sync_dir(folder)?;
        Ok(sha)
    }

    /// Whether the file at `path` holds the bytes of `sha` (one changed on disk is written again).
    fn intact(&self, path: &Path, sha: &str) -> bool {
        let Ok(file) = std::fs::File::open(path) else {
            return false;
        };
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .is_ok()
            && sha256_hex(&bytes) == sha
    }

    /// Whether the file of `sha` was written or attached again within `grace`.
    pub fn recent(&self, sha: &str, grace: Duration) -> bool {
        self.path(sha)
            .and_then(|p| std::fs::metadata(p).ok())
            .and_then(|m| m.modified().ok())
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age <= grace)
    }

    /// The bytes of `sha`, checked against their hash (a file changed on disk is refused).
    pub fn get(&self, sha: &str, name: &str) -> Result<Vec<u8>> {
        let missing = |what: &str| Error::Attachment {
            name: name.to_string(),
            message: format!("its stored copy {what}; attach the file again"),
        };
        let path = self.path(sha).ok_or_else(|| missing("has no valid name"))?;
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(missing(&format!("is gone from {}", path.display())))
            }
            Err(e) => return Err(Self::io(&path, e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Self::io(&path, e))?;
        if sha256_hex(&bytes) != sha {
            return Err(missing(&format!(
                "at {} was changed on disk",
                path.display()
            )));
        }
        Ok(bytes)
    }

    /// Loads the bytes of every stored attachment in `messages` that has none yet. One whose
    /// stored copy is gone or was changed on disk goes as a line saying so instead, so one lost
    /// file never stops a conversation from going on.
    pub fn load(&self, messages: &mut [Message]) -> Result<()> {
        self.load_shared(messages, &mut Loaded::default())
    }

    /// [`Blobs::load`], with the bytes read once for several requests (a compare's columns) and
    /// at most [`MAX_LOADED_BYTES`] in all: newest messages first, so what goes as a line when a
    /// long conversation holds more is its oldest attachments.
    pub fn load_shared(&self, messages: &mut [Message], loaded: &mut Loaded) -> Result<()> {
        for part in messages.iter_mut().rev().flat_map(|m| m.parts.iter_mut()) {
            let (Part::Image(a) | Part::File(a)) = part else {
                continue;
            };
            if a.data.is_some() || a.url.is_some() {
                continue;
            }
            if let Some(bytes) = loaded.bytes.get(&a.sha256) {
                a.data = Some(bytes.clone());
                continue;
            }
            let why = if loaded.total + a.bytes > MAX_LOADED_BYTES {
                format!(
                    "[{} was attached here; not sent: the conversation's attachments pass {} MB]",
                    a.name,
                    MAX_LOADED_BYTES / (1024 * 1024)
                )
            } else {
                match self.get(&a.sha256, &a.name) {
                    Ok(bytes) => {
                        let bytes = std::sync::Arc::new(bytes);
                        loaded.total += bytes.len() as u64;
                        loaded.bytes.insert(a.sha256.clone(), bytes.clone());
                        a.data = Some(bytes);
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!("{e}");
                        format!(
                            "[{} was attached here; its stored copy is gone, so it was not sent]",
                            a.name
                        )
                    }
                }
            };
            *part = Part::Text(why);
        }
        Ok(())
    }

    /// Removes the file of `sha`, if there is one.
    pub fn remove(&self, sha: &str) -> Result<()> {
        let Some(path) = self.path(sha) else {
            return Ok(());
        };
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Self::io(&path, e)),
        }
    }

    /// Removes every file not in `keep` last changed more than `grace` ago (temporary files
    /// too); returns how many went.
    pub fn sweep(&self, keep: &HashSet<String>, grace: Duration) -> Result<usize> {
        let Ok(folders) = std::fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        let old = |p: &Path| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > grace)
        };
        let mut removed = 0;
        for folder in folders.flatten() {
            let prefix = folder.file_name().to_string_lossy().into_owned();
            let Ok(entries) = std::fs::read_dir(folder.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let rest = entry.file_name().to_string_lossy().into_owned();
                let sha = format!("{prefix}{rest}");
                let path = entry.path();
                if !keep.contains(&sha)
                    && path.is_file()
                    && old(&path)
                    && std::fs::remove_file(&path).is_ok()
                {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}
