//! The models folder (the data dir's `models/`): one `NAME.gguf` per local model, and a
//! `.partial/` folder for work in progress (imports and downloads). A model appears in the
//! folder only whole: it is written under `.partial/`, synced, checked and then renamed into
//! place, so a crash or a full disk never leaves half a model under a real name.
//!
//! It does not download (`pull.rs`) or run (`runtime.rs`) anything. Its calls do blocking file
//! work: async code runs them with `spawn_blocking`.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::local::gguf::{self, GgufInfo};

/// A model's file name ends with this.
pub const EXTENSION: &str = "gguf";
/// The work folder inside the models folder.
pub const PARTIAL_DIR: &str = ".partial";
/// The longest model name.
pub const MAX_NAME: usize = 64;
/// Space left free beyond what a model needs (the file system's own bookkeeping, the database).
pub const SPACE_MARGIN: u64 = 64 << 20;
/// The model `get` suggests when one is missing.
const SUGGESTED: &str = "smollm2-135m";

/// The models folder.
#[derive(Debug, Clone)]
pub struct Library {
    dir: PathBuf,
}

/// A model in the folder.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LocalModel {
    /// Its name (`local/NAME`): the file name without `.gguf`.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// The file's size in bytes.
    pub size: u64,
    /// What its header says.
    pub info: GgufInfo,
}

impl Library {
    /// The models folder at `dir` (it need not exist yet).
    pub fn new(dir: PathBuf) -> Library {
        Library { dir }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the model `name` lives (whether or not it does).
    pub fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.{EXTENSION}"))
    }

    /// The work folder (`.partial/`).
    pub fn partial_dir(&self) -> PathBuf {
        self.dir.join(PARTIAL_DIR)
    }

    /// Every model in the folder, by name. A file that is not a readable GGUF, or whose name is
    /// not a model name, is left out with a warning; a folder that does not exist is empty.
    pub fn list(&self) -> Result<Vec<LocalModel>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(folder_error(&self.dir, "cannot be read", &e)),
        };
        let mut models = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| folder_error(&self.dir, "cannot be read", &e))?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
                continue;
            }
            let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if check_name(name).is_err() {
                tracing::warn!(
                    "{}: left out: `{name}` is not a model name ({})",
                    path.display(),
                    NAME_RULE
                );
                continue;
            }
            if !path.is_file() {
                continue;
            }
            match gguf::read(&path) {
                Ok(info) => models.push(LocalModel {
                    name: name.to_string(),
                    size: info.file_size,
                    path,
                    info,
                }),
                Err(e) => tracing::warn!("{}: left out: {e}", path.display()),
            }
        }
        models.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(models)
    }

    /// Whether a model of this name is installed (its file exists).
    pub fn contains(&self, name: &str) -> bool {
        check_name(name).is_ok() && self.path_of(name).exists()
    }

    /// The model `name`. A missing one is an error naming the models there are and how to get
    /// one; an unreadable one says what is wrong with its file.
    pub fn get(&self, name: &str) -> Result<LocalModel> {
        check_name(name)?;
        let path = self.path_of(name);
        if !path.is_file() {
            return Err(self.not_found(name));
        }
        let info = gguf::read(&path).map_err(|e| Error::Model {
            model: name.into(),
            message: format!(
                "{} is not usable: {e}; remove it (roundtable models rm {name}) and add it again",
                path.display()
            ),
        })?;
        Ok(LocalModel {
            name: name.into(),
            size: info.file_size,
            path,
            info,
        })
    }

    /// Imports `file` as the model `name` (by default its file name: [`model_name_from_file`]).
    /// The file is checked before anything is written (a GGUF the runtime can run), an existing
    /// name is refused, and free space is checked; the copy is synced and renamed into place,
    /// and removed on any failure.
    pub fn add(&self, file: &Path, name: Option<&str>) -> Result<LocalModel> {
        let name = match name {
            Some(n) => n.to_string(),
            None => model_name_from_file(file),
        };
        if check_name(&name).is_err() {
            let shown: String = name.chars().take(80).collect();
            return Err(Error::Model {
                model: file.display().to_string(),
                message: format!(
                    "`{shown}` is not a valid model name (use {NAME_RULE}); choose one with --name"
                ),
            });
        }
        let info = gguf::read_runnable(file).map_err(|e| Error::Model {
            model: file.display().to_string(),
            message: format!("{e}; nothing was added"),
        })?;
        self.refuse_existing(&name)?;
        let partial = self.make_dirs(&name)?;
        ensure_space(&partial, info.file_size, &name)?;
        let temp = TempFile::new(partial.join(format!("{name}.import")));
        copy_synced(file, temp.path()).map_err(|e| Error::Model {
            model: name.clone(),
            message: format!(
                "copying {} into {} failed: {e}; nothing was added",
                file.display(),
                self.dir.display()
            ),
        })?;
        // The copy is what is installed: check it too (the source may have changed meanwhile).
        gguf::read_runnable(temp.path()).map_err(|e| Error::Model {
            model: name.clone(),
            message: format!(
                "the copy of {} is not usable: {e}; nothing was added",
                file.display()
            ),
        })?;
        self.install(temp, &name)
    }

    /// Removes the model `name`, and any unfinished download or import of it. Neither there is
    /// an error naming the models there are.
    pub fn remove(&self, name: &str) -> Result<()> {
        check_name(name)?;
        let partial = self.partial_dir();
        let mut removed = false;
        let paths = [
            self.path_of(name),
            partial.join(format!("{name}.{EXTENSION}.part")),
            partial.join(format!("{name}.{EXTENSION}.part.json")),
            partial.join(format!("{name}.import")),
        ];
        for path in paths {
            match std::fs::remove_file(&path) {
                Ok(()) => removed = true,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::Model {
                        model: name.into(),
                        message: format!("{} cannot be removed: {e}", path.display()),
                    })
                }
            }
        }
        if !removed {
            return Err(self.not_found(name));
        }
        sync_dir(&self.dir);
        // A loaded copy is let go once its queued answers are done.
        crate::local::runtime::unload(&self.path_of(name));
        Ok(())
    }

    /// Moves a whole, checked file from `.partial/` to `NAME.gguf` (no existing model is
    /// replaced), syncing the folder so the rename survives a crash.
    pub(crate) fn install(&self, temp: TempFile, name: &str) -> Result<LocalModel> {
        self.refuse_existing(name)?;
        let path = self.path_of(name);
        // A hard link never replaces a file that appeared meanwhile (another pull of the same
        // name); the temporary name is then removed with `temp`.
        std::fs::hard_link(temp.path(), &path).map_err(|e| Error::Model {
            model: name.into(),
            message: if e.kind() == io::ErrorKind::AlreadyExists {
                format!("a model of this name was installed meanwhile; nothing was replaced (roundtable models rm {name} first)")
            } else {
                format!(
                    "moving {} to {} failed: {e}; nothing was installed",
                    temp.path().display(),
                    path.display()
                )
            },
        })?;
        drop(temp);
        sync_dir(&self.dir);
        crate::local::runtime::unload(&path);
        self.get(name)
    }

    /// Creates the folder and its `.partial/`; returns the latter.
    pub(crate) fn make_dirs(&self, name: &str) -> Result<PathBuf> {
        let partial = self.partial_dir();
        std::fs::create_dir_all(&partial).map_err(|e| Error::Model {
            model: name.into(),
            message: format!(
                "the models folder {} cannot be created: {e}",
                partial.display()
            ),
        })?;
        Ok(partial)
    }

    pub(crate) fn refuse_existing(&self, name: &str) -> Result<()> {
        if self.path_of(name).exists() {
            return Err(Error::Model {
                model: name.into(),
                message: format!(
                    "a model of this name is already installed; choose another name, or remove it first (roundtable models rm {name})"
                ),
            });
        }
        Ok(())
    }

    fn not_found(&self, name: &str) -> Error {
        let names: Vec<String> = self
            .list()
            .unwrap_or_default()
            .into_iter()
            .map(|m| m.name)
            .collect();
        let installed = if names.is_empty() {
            "no local models are installed".to_string()
        } else {
            format!("installed: {}", names.join(", "))
        };
        Error::Model {
            model: name.into(),
            message: format!(
                "no such local model ({installed}); get one with `roundtable models pull {SUGGESTED}` or `roundtable models add FILE.gguf`"
            ),
        }
    }
}

const NAME_RULE: &str = "1 to 64 of a-z, 0-9, `.`, `_` and `-`, not starting with `.` or `-`";

/// The model name a file gets by default: its file name without the extension, lower-cased,
/// with every character outside `a-z 0-9 . _ -` made `-` (leading `.` and `-` dropped, cut to
/// [`MAX_NAME`] characters).
pub fn model_name_from_file(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.trim_start_matches(['.', '-'])
        .chars()
        .take(MAX_NAME)
        .collect()
}

/// Checks a model name: 1 to 64 of `a-z 0-9 . _ -`, not starting with `.` or `-`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with(['.', '-'])
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if ok {
        return Ok(());
    }
    let shown: String = name.chars().take(80).collect();
    Err(Error::Model {
        model: shown,
        message: format!("not a valid model name: use {NAME_RULE}"),
    })
}

/// Bytes free to this user on the file system holding `dir` (or its nearest existing parent).
pub fn free_space(dir: &Path) -> io::Result<u64> {
    let mut at = dir;
    while !at.exists() {
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => break,
        }
    }
    let st = rustix::fs::statvfs(at).map_err(io::Error::from)?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Refuses to write `needed` bytes under `dir` unless they and [`SPACE_MARGIN`] fit.
pub(crate) fn ensure_space(dir: &Path, needed: u64, name: &str) -> Result<()> {
    let free = free_space(dir).map_err(|e| Error::Model {
        model: name.into(),
        message: format!("cannot tell the free space of {}: {e}", dir.display()),
    })?;
    let wanted = needed.saturating_add(SPACE_MARGIN);
    if free < wanted {
        return Err(Error::Model {
            model: name.into(),
            message: format!(
                "not enough disk space in {}: it needs {} (and {} to spare) but {} is free; free some space and try again, nothing was written",
                dir.display(),
                human_bytes(needed),
                human_bytes(SPACE_MARGIN),
                human_bytes(free)
            ),
        });
    }
    Ok(())
}

/// `1.5 GB`, `98.4 MB`, `12 KB`, `7 B` (decimal units, as disks are sold).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, f64); 4] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)];
    for (unit, size) in UNITS {
        if n as f64 >= size {
            return format!("{:.1} {unit}", n as f64 / size);
        }
    }
    format!("{n} B")
}

/// Copies `from` to a new `to` and syncs it to disk.
fn copy_synced(from: &Path, to: &Path) -> io::Result<()> {
    let mut src = File::open(from)?;
    let mut dst = File::create(to)?;
    io::copy(&mut src, &mut dst)?;
    dst.sync_all()
}

/// Syncs a folder so a rename or removal in it is durable (best effort: not every platform can
/// open a folder).
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A work file that is removed when dropped unless kept: a failure, a panic or a cancelled
/// task never leaves it behind.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: PathBuf,
}

impl TempFile {
    pub(crate) fn new(path: PathBuf) -> TempFile {
        TempFile { path }
    }
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn folder_error(dir: &Path, what: &str, e: &io::Error) -> Error {
    Error::Model {
        model: dir.display().to_string(),
        message: format!("the models folder {what}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_files() {
        let n = |s: &str| model_name_from_file(Path::new(s));
        assert_eq!(
            n("/x/SmolLM2-135M-Instruct.Q4_1.gguf"),
            "smollm2-135m-instruct.q4_1"
        );
        assert_eq!(n("My Model (v2).gguf"), "my-model--v2-");
        assert_eq!(n("..hidden.gguf"), "hidden");
        assert_eq!(n(&format!("{}.gguf", "a".repeat(100))).len(), MAX_NAME);
        assert_eq!(n("Ünïcode.gguf"), "n-code");
        assert!(check_name(&n("/x/SmolLM2-135M-Instruct.Q4_1.gguf")).is_ok());
    }

    #[test]
    fn name_rules() {
        for ok in ["a", "smollm2-135m", "qwen2.5_1.5b", &"x".repeat(64)] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".a",
            "-a",
            "A",
            "a/b",
            "a b",
            "a\\b",
            "..",
            &"x".repeat(65),
            "é",
        ] {
            let e = check_name(bad).unwrap_err().to_string();
            assert!(e.contains("not a valid model name"), "{bad}: {e}");
        }
    }

    #[test]
    fn bytes_for_people() {
        assert_eq!(human_bytes(7), "7 B");
        assert_eq!(human_bytes(98_362_432), "98.4 MB");
        assert_eq!(human_bytes(1_500_000_000), "1.5 GB");
    }

    #[test]
    fn free_space_of_a_missing_folder_is_its_parents() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("a/b/c");
        assert!(free_space(&missing).unwrap() > 0);
        assert!(ensure_space(&missing, u64::MAX / 2, "m")
            .unwrap_err()
            .to_string()
            .contains("not enough disk space"));
    }
}
