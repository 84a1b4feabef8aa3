//! Files only their owner can read: the data dir is 0700, the database, its WAL and shared-memory
//! files, its backups and the config we write are 0600 (on Unix; elsewhere the OS's defaults).
//! SQLite gives `-wal` and `-shm` the database file's mode, so creating that file 0600 first
//! covers them; files left looser by an older version are tightened when opened.

use std::fs::File;
use std::io;
use std::path::Path;

use crate::error::{Error, Result};

/// The data dir's mode.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every file Roundtable writes there.
pub const FILE_MODE: u32 = 0o600;

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Creates `dir` (and its parents) owner-only, or takes group and other access away from an
/// existing one.
pub fn private_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
            .map_err(|e| io_error(dir, e))?;
        let mode = std::fs::metadata(dir)
            .map_err(|e| io_error(dir, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700))
                .map_err(|e| io_error(dir, e))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))
}

/// Takes group and other access away from `path` if it exists.
pub fn tighten(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_file() => m.permissions().mode(),
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error(path, e)),
        };
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))
                .map_err(|e| io_error(path, e))?;
        }
    }
    let _ = path;
    Ok(())
}

/// Creates `path` empty and owner-only if it does not exist (an existing file is tightened).
pub fn private_file(path: &Path) -> Result<()> {
    let mut options = File::options();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options.open(path).map_err(|e| io_error(path, e))?;
    tighten(path)
}

/// Flushes a directory's entries (a rename or a new file in it) to disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(dir, e))?;
    let _ = dir;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn dirs_and_files_are_created_or_tightened_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700, "an existing open dir is tightened");

        let file = dir.join("f");
        private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        std::fs::write(&file, "kept").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_file(&file).unwrap();
        assert_eq!(
            (
                mode(&file),
                std::fs::read_to_string(&file).unwrap().as_str()
            ),
            (0o600, "kept"),
            "an existing file is tightened, not truncated"
        );
    }
}
