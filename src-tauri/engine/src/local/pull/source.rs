//! What `pull` downloads: a catalog entry, a pinned file, or a Hugging Face file named as
//! `hf:OWNER/REPO[@REVISION]/FILE.gguf`; and the URL of it on a mirror. No I/O here.

use std::path::Path;

use url::Url;

use crate::error::{Error, Result};
use crate::local::catalog::{self, CatalogEntry};
use crate::local::library::model_name_from_file;

/// What to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A model of the built-in catalog.
    Catalog(&'static CatalogEntry),
    /// A GGUF file of a Hugging Face repository, checked against the hash the server publishes
    /// (when it does).
    Hf {
        /// `owner/repo`.
        repo: String,
        /// The file's path in the repository.
        file: String,
        /// A branch, tag or commit (`main` by default).
        revision: String,
    },
    /// A file pinned like a catalog entry: name, place, size and SHA-256.
    Pinned {
        /// The name it is installed as.
        name: String,
        /// `owner/repo`.
        repo: String,
        /// The file's path in the repository.
        file: String,
        /// A branch, tag or commit.
        revision: String,
        /// Its size in bytes.
        size: u64,
        /// Its SHA-256, hex.
        sha256: String,
    },
}

impl Source {
    /// The name it is installed as.
    pub fn name(&self) -> String {
        match self {
            Source::Catalog(e) => e.name.to_string(),
            Source::Hf { file, .. } => model_name_from_file(Path::new(file)),
            Source::Pinned { name, .. } => name.clone(),
        }
    }

    fn parts(&self) -> (&str, &str, &str) {
        match self {
            Source::Catalog(e) => (e.repo, e.file, e.revision),
            Source::Hf {
                repo,
                file,
                revision,
            }
            | Source::Pinned {
                repo,
                file,
                revision,
                ..
            } => (repo, file, revision),
        }
    }

    /// The size it must have, when pinned.
    pub fn expected_size(&self) -> Option<u64> {
        match self {
            Source::Catalog(e) => Some(e.size),
            Source::Pinned { size, .. } => Some(*size),
            Source::Hf { .. } => None,
        }
    }

    /// The SHA-256 it must have, when pinned (lower-case hex).
    pub fn expected_sha256(&self) -> Option<String> {
        match self {
            Source::Catalog(e) => Some(e.sha256.to_ascii_lowercase()),
            Source::Pinned { sha256, .. } => Some(sha256.to_ascii_lowercase()),
            Source::Hf { .. } => None,
        }
    }

    /// `{mirror}/{repo}/resolve/{revision}/{file}`; a mirror that is not a plain http(s) URL is
    /// an error naming `[local] mirror`.
    pub fn url(&self, mirror: &str) -> Result<Url> {
        let bad = |why: &str| Error::Model {
            model: self.name(),
            message: format!(
                "[local] mirror `{}` {why}; set it to https://huggingface.co or a mirror of it",
                mirror.chars().take(100).collect::<String>()
            ),
        };
        let base = Url::parse(mirror.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("is not an http(s) URL"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(bad("holds credentials, which are never sent"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(bad("has a query or fragment"));
        }
        let (repo, file, revision) = self.parts();
        let text = format!(
            "{}/{repo}/resolve/{revision}/{file}",
            base.as_str().trim_end_matches('/')
        );
        Url::parse(&text).map_err(|e| bad(&format!("gives a bad URL ({e})")))
    }
}

/// Reads a source: a catalog name, or `hf:OWNER/REPO/FILE.gguf` or
/// `hf:OWNER/REPO@REVISION/FILE.gguf` (the revision is `main` when not given).
pub fn parse_source(text: &str) -> Result<Source> {
    let text = text.trim();
    let shown: String = text.chars().take(120).collect();
    let Some(rest) = text.strip_prefix("hf:") else {
        if let Some(entry) = catalog::find(text) {
            return Ok(Source::Catalog(entry));
        }
        let names: Vec<&str> = catalog::CATALOG.iter().map(|e| e.name).collect();
        return Err(Error::Model {
            model: shown,
            message: format!(
                "not in the catalog ({}); for any GGUF file on Hugging Face write hf:OWNER/REPO/FILE.gguf",
                names.join(", ")
            ),
        });
    };
    let bad = |why: &str| Error::Model {
        model: shown.clone(),
        message: format!(
            "{why}; write hf:OWNER/REPO/FILE.gguf or hf:OWNER/REPO@REVISION/FILE.gguf"
        ),
    };
    let mut it = rest.splitn(3, '/');
    let (Some(owner), Some(repo_rev), Some(file)) = (it.next(), it.next(), it.next()) else {
        return Err(bad("it needs an owner, a repository and a file"));
    };
    let (repo, revision) = match repo_rev.split_once('@') {
        Some((r, rev)) => (r, rev),
        None => (repo_rev, "main"),
    };
    let word = |s: &str, max: usize| {
        !s.is_empty()
            && s.len() <= max
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if !word(owner, 96) || !word(repo, 96) {
        return Err(bad(
            "the owner and repository are letters, digits, `.`, `_` and `-`",
        ));
    }
    if !word(revision, 128) {
        return Err(bad(
            "the revision is a branch, tag or commit of letters, digits, `.`, `_` and `-`",
        ));
    }
    if file.len() > 512 || !file.split('/').all(|seg| word(seg, 255)) {
        return Err(bad("the file path has an empty or unusual part"));
    }
    if !file.to_ascii_lowercase().ends_with(".gguf") {
        return Err(bad("only .gguf files can be pulled"));
    }
    Ok(Source::Hf {
        repo: format!("{owner}/{repo}"),
        file: file.into(),
        revision: revision.into(),
    })
}
