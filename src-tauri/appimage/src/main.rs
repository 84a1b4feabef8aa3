//! The runtime at the head of Roundtable's AppImage (type 2: an ELF program with `AI\x02` at byte 8
//! and a SquashFS image appended to it).
//!
//! AppImage's own runtime is downloaded from GitHub by Tauri's bundler, which these machines
//! cannot reach, so `.ci/package` puts this one at the head instead. It does not mount the image
//! (that needs FUSE); it always extracts it, as `--appimage-extract-and-run` does:
//!
//! - once per build, into the person's cache folder (`~/.cache/roundtable/appimage/<hash>`,
//!   owner-only, every folder on the way checked to be theirs and writable by no one else), reused
//!   by the next start; other builds' extractions there are removed; without a usable cache
//!   folder, into a fresh private folder in `/tmp` for this start;
//! - then it becomes the image's `AppRun` (exec, same process) with the arguments, and `APPIMAGE`
//!   (this file, which the updater replaces), `APPDIR`, `ARGV0` and `OWD` set.
//!
//! `--appimage-extract` extracts to `./squashfs-root`, `--appimage-offset` prints where the image
//! starts, `--appimage-version` and `--appimage-help` say what they say. Limits: the image may
//! unpack to at most 4 GiB and 200,000 entries; paths that climb out (`..`), entries named twice,
//! entries under a symlink and special files are refused, and nothing is written through a link.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitCode};

use backhand::{FilesystemReader, InnerNode};

/// The most the image may unpack to.
const MAX_BYTES: u64 = 4 << 30;
/// The most entries it may hold.
const MAX_ENTRIES: usize = 200_000;
/// Written last into a finished extraction.
const COMPLETE: &str = ".roundtable-extracted";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Roundtable AppImage: {e}");
            ExitCode::from(127)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let image = std::env::current_exe().map_err(|e| format!("cannot find this file: {e}"))?;
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let first = args
        .first()
        .and_then(|a| a.to_str())
        .unwrap_or("")
        .to_owned();
    match first.as_str() {
        "--appimage-help" => {
            println!(
                "Roundtable AppImage\n  --appimage-extract           extract to ./squashfs-root\n  \
                 --appimage-extract-and-run   extract (once per build) and run (also the default)\n  \
                 --appimage-offset            where the SquashFS image starts\n  \
                 --appimage-version           this runtime's version"
            );
            return Ok(ExitCode::SUCCESS);
        }
        "--appimage-version" => {
            println!("Roundtable AppImage runtime {}", env!("CARGO_PKG_VERSION"));
            return Ok(ExitCode::SUCCESS);
        }
        "--appimage-offset" => {
            println!("{}", payload_offset(&image)?);
            return Ok(ExitCode::SUCCESS);
        }
        "--appimage-extract" => {
            if args.len() > 1 {
                return Err(
                    "--appimage-extract takes no pattern here: it extracts everything".into(),
                );
            }
            let dest = PathBuf::from("squashfs-root");
            if dest.exists() {
                return Err(format!(
                    "{} exists already: move it away first",
                    dest.display()
                ));
            }
            extract(&image, &dest)?;
            println!("{}", dest.display());
            return Ok(ExitCode::SUCCESS);
        }
        "--appimage-extract-and-run" => {
            args.remove(0);
        }
        other if other.starts_with("--appimage-") => {
            return Err(format!(
                "{other} is not supported by this runtime (see --appimage-help)"
            ));
        }
        _ => {}
    }
    let dir = extracted(&image)?;
    let apprun = dir.join("AppRun");
    // In place of this process (the same pid: whoever started the AppImage waits for the app,
    // and a signal to it reaches the app).
    let err = Command::new(&apprun)
        .args(&args)
        .env("APPIMAGE", &image)
        .env("APPDIR", &dir)
        .env("ARGV0", std::env::args_os().next().unwrap_or_default())
        .env(
            "OWD",
            std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        )
        .exec();
    Err(format!("cannot start {}: {err}", apprun.display()))
}

/// Where the SquashFS image starts: the end of the ELF file (its section headers come last).
fn payload_offset(image: &Path) -> Result<u64, String> {
    let mut f = File::open(image).map_err(|e| format!("cannot read {}: {e}", image.display()))?;
    let mut head = [0u8; 64];
    f.read_exact(&mut head)
        .map_err(|e| format!("{} is too short for an ELF header: {e}", image.display()))?;
    if &head[..4] != b"\x7fELF" || head[4] != 2 || head[5] != 1 {
        return Err(format!(
            "{} is not a 64-bit little-endian ELF file",
            image.display()
        ));
    }
    let le64 = |at: usize| u64::from_le_bytes(head[at..at + 8].try_into().unwrap_or([0; 8]));
    let le16 = |at: usize| u64::from(u16::from_le_bytes([head[at], head[at + 1]]));
    let offset = le64(0x28) + le16(0x3A) * le16(0x3C);
    let mut magic = [0u8; 4];
    f.seek(SeekFrom::Start(offset))
        .and_then(|_| f.read_exact(&mut magic))
        .map_err(|_| format!("{} holds no image after its runtime", image.display()))?;
    if &magic != b"hsqs" {
        return Err(format!(
            "{} holds no SquashFS image at byte {offset}",
            image.display()
        ));
    }
    Ok(offset)
}

/// The extraction of this build, made now if there is none yet.
///
/// It lives in the person's cache folder (`$XDG_CACHE_HOME`, else `~/.cache`) under
/// `roundtable/appimage/<hash>`, reused by the next start; the folders on the way must be this
/// user's and writable by nobody else, so no other user can put or swap anything there. Where
/// that cannot be had (no home, someone else's cache), a fresh private folder in the temporary
/// folder is used for this start only. Extractions of other builds are removed once this one is
/// in place.
fn extracted(image: &Path) -> Result<PathBuf, String> {
    let offset = payload_offset(image)?;
    let meta = fs::metadata(image).map_err(|e| format!("cannot read {}: {e}", image.display()))?;
    // Which build: its size and time, and the image's superblock (it holds mkfs time and size).
    let mut hasher = DefaultHasher::new();
    (meta.len(), meta.mtime(), meta.mtime_nsec(), offset).hash(&mut hasher);
    let mut superblock = [0u8; 96];
    let mut f = File::open(image).map_err(|e| format!("cannot read {}: {e}", image.display()))?;
    f.seek(SeekFrom::Start(offset))
        .and_then(|_| f.read_exact(&mut superblock))
        .map_err(|e| format!("cannot read the image's superblock: {e}"))?;
    superblock.hash(&mut hasher);
    let build = format!("{:016x}", hasher.finish());
    let uid = rustix::process::getuid().as_raw();

    let Some(base) = private_cache(uid) else {
        // No safe place to keep it: a fresh folder (create fails if the name exists).
        let dir = std::env::temp_dir().join(format!(
            "roundtable-appimage-{uid}-{}-{build}",
            std::process::id()
        ));
        extract(image, &dir)?;
        return Ok(dir);
    };
    let dir = base.join(&build);
    if dir.join(COMPLETE).is_file() {
        owned_and_private(&dir, uid)?;
        return Ok(dir);
    }
    // Extract beside it, then rename into place: a half-made extraction is never used.
    let partial = base.join(format!(".partial-{}-{build}", std::process::id()));
    let _ = fs::remove_dir_all(&partial);
    if let Err(e) = extract(image, &partial)
        .and_then(|()| fs::write(partial.join(COMPLETE), b"").map_err(|e| e.to_string()))
    {
        let _ = fs::remove_dir_all(&partial);
        return Err(e);
    }
    match fs::rename(&partial, &dir) {
        Ok(()) => {}
        // Another start finished first: use its extraction.
        Err(_) if dir.join(COMPLETE).is_file() => {
            let _ = fs::remove_dir_all(&partial);
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&partial);
            return Err(format!(
                "cannot move the extraction to {}: {e}",
                dir.display()
            ));
        }
    }
    owned_and_private(&dir, uid)?;
    // Older builds' extractions (an update leaves the previous one behind).
    if let Ok(entries) = fs::read_dir(&base) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name != build && name.len() == 16 && name.chars().all(|c| c.is_ascii_hexdigit()) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(dir)
}

/// `<cache>/roundtable/appimage`, made owner-only, if every folder from the cache folder down is
/// this user's and writable by no one else.
fn private_cache(uid: u32) -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".cache"))
        })?;
    let mut dir = cache;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .ok()?;
    for part in ["", "roundtable", "appimage"] {
        if !part.is_empty() {
            dir.push(part);
            match fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(_) => return None,
            }
        }
        let meta = fs::symlink_metadata(&dir).ok()?;
        if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o022 != 0 {
            return None;
        }
    }
    Some(dir)
}

/// Refuses a folder that is not the person's own or that others can write to or read.
fn owned_and_private(dir: &Path, uid: u32) -> Result<(), String> {
    let meta =
        fs::symlink_metadata(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(format!(
            "{} is not a private folder of this user: remove it and start again",
            dir.display()
        ));
    }
    Ok(())
}

/// Extracts the image appended to `image` into `dest` (made owner-only), within the limits.
fn extract(image: &Path, dest: &Path) -> Result<(), String> {
    // Made here (refused if anything is there), so on a failure it is ours to remove.
    fs::DirBuilder::new()
        .mode(0o700)
        .create(dest)
        .map_err(|e| format!("cannot make {}: {e}", dest.display()))?;
    let result = extract_into(image, dest);
    if result.is_err() {
        let _ = fs::remove_dir_all(dest);
    }
    result
}

fn extract_into(image: &Path, dest: &Path) -> Result<(), String> {
    let offset = payload_offset(image)?;
    let file = File::open(image).map_err(|e| format!("cannot read {}: {e}", image.display()))?;
    let fs_reader = FilesystemReader::from_reader_with_offset(BufReader::new(file), offset)
        .map_err(|e| format!("the image in {} is damaged: {e}", image.display()))?;
    // The folders made so far: every entry's parent must be one of them (never a symlink from
    // the image), and no entry may come twice.
    let mut dirs: HashSet<PathBuf> = HashSet::from([PathBuf::new()]);
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut total: u64 = 0;
    for (n, node) in fs_reader.files().enumerate() {
        if n >= MAX_ENTRIES {
            return Err(format!("the image holds more than {MAX_ENTRIES} entries"));
        }
        let rel = relative(&node.fullpath)?;
        if rel.as_os_str().is_empty() {
            continue; // the root: `dest` itself
        }
        let parent = rel.parent().map(Path::to_path_buf).unwrap_or_default();
        if !dirs.contains(&parent) {
            return Err(format!(
                "the image holds {} outside its folders",
                rel.display()
            ));
        }
        if !seen.insert(rel.clone()) {
            return Err(format!("the image holds {} twice", rel.display()));
        }
        let path = dest.join(&rel);
        let mode = u32::from(node.header.permissions) & 0o7777;
        match &node.inner {
            InnerNode::Dir(_) => {
                fs::DirBuilder::new()
                    .mode(0o700)
                    .create(&path)
                    .map_err(|e| format!("cannot make {}: {e}", path.display()))?;
                dirs.insert(rel);
            }
            InnerNode::File(f) => {
                total += f.file_len() as u64;
                if total > MAX_BYTES {
                    return Err(format!(
                        "the image unpacks to more than {} GiB",
                        MAX_BYTES >> 30
                    ));
                }
                // A new file only (never through a link or over something there).
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                let mut data = fs_reader.file(f).reader().take(f.file_len() as u64);
                io::copy(&mut data, &mut out)
                    .map_err(|e| format!("cannot extract {}: {e}", rel.display()))?;
                // No set-id bits, nothing writable by others.
                out.set_permissions(fs::Permissions::from_mode(mode & 0o755))
                    .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))?;
            }
            InnerNode::Symlink(link) => {
                std::os::unix::fs::symlink(&link.link, &path)
                    .map_err(|e| format!("cannot link {}: {e}", path.display()))?;
            }
            // Devices, pipes and sockets have no place in an app's image.
            _ => return Err(format!("the image holds a special file: {}", rel.display())),
        }
    }
    // Folders were made owner-only so nothing could slip in while extracting; now their own
    // modes (never group- or world-writable).
    for node in fs_reader.files() {
        if let InnerNode::Dir(_) = node.inner {
            let rel = relative(&node.fullpath)?;
            if !rel.as_os_str().is_empty() {
                let mode = u32::from(node.header.permissions) & 0o755;
                fs::set_permissions(dest.join(&rel), fs::Permissions::from_mode(mode))
                    .map_err(|e| format!("cannot set the mode of {}: {e}", rel.display()))?;
            }
        }
    }
    Ok(())
}

/// An image path as a path under the destination: only plain names, never `..`.
fn relative(path: &Path) -> Result<PathBuf, String> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(name) => out.push(name),
            _ => {
                return Err(format!(
                    "the image holds a path that climbs out: {}",
                    path.display()
                ))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        assert_eq!(
            relative(Path::new("/usr/bin/x")).unwrap(),
            PathBuf::from("usr/bin/x")
        );
        assert_eq!(relative(Path::new("/")).unwrap(), PathBuf::new());
        assert!(relative(Path::new("/usr/../../etc/passwd")).is_err());
    }

    #[test]
    fn a_file_without_an_image_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let not_elf = dir.path().join("x");
        fs::write(&not_elf, b"#!/bin/sh\n").unwrap();
        assert!(payload_offset(&not_elf).unwrap_err().contains("too short"));
        fs::write(&not_elf, [b'x'; 100]).unwrap();
        assert!(payload_offset(&not_elf)
            .unwrap_err()
            .contains("not a 64-bit"));
        // This test binary is an ELF file with nothing after it.
        let me = std::env::current_exe().unwrap();
        let e = payload_offset(&me).unwrap_err();
        assert!(e.contains("holds no"), "{e}");
    }

    #[test]
    fn a_folder_open_to_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let uid = rustix::process::getuid().as_raw();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        assert!(owned_and_private(dir.path(), uid).is_ok());
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        assert!(owned_and_private(dir.path(), uid).is_err());
        assert!(owned_and_private(dir.path(), uid + 1).is_err());
    }

    /// An "AppImage" for the tests: a 64-byte ELF header whose section table ends at byte 64,
    /// then a SquashFS image made by backhand's writer.
    fn image_with(build: impl FnOnce(&mut backhand::FilesystemWriter)) -> tempfile::TempDir {
        use backhand::compression::Compressor;
        use backhand::{FilesystemCompressor, FilesystemWriter, NodeHeader};
        let mut w = FilesystemWriter::default();
        w.set_compressor(FilesystemCompressor::new(Compressor::Gzip, None).unwrap());
        w.push_dir("usr", NodeHeader::new(0o755, 0, 0, 0)).unwrap();
        w.push_file(
            &b"#!/bin/sh\n"[..],
            "AppRun",
            NodeHeader::new(0o755, 0, 0, 0),
        )
        .unwrap();
        w.push_file(&b"set-id"[..], "usr/tool", NodeHeader::new(0o4777, 0, 0, 0))
            .unwrap();
        w.push_symlink("/etc/passwd", "usr/passwd", NodeHeader::new(0o777, 0, 0, 0))
            .unwrap();
        build(&mut w);
        let mut sqfs = std::io::Cursor::new(Vec::new());
        w.write(&mut sqfs).unwrap();
        let mut elf = vec![0u8; 64];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[0x28..0x30].copy_from_slice(&64u64.to_le_bytes());
        elf.extend_from_slice(sqfs.get_ref());
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("x.AppImage"), elf).unwrap();
        dir
    }

    #[test]
    fn an_image_extracts_without_set_id_bits_or_following_links() {
        let dir = image_with(|_| {});
        let image = dir.path().join("x.AppImage");
        assert_eq!(payload_offset(&image).unwrap(), 64);
        let dest = dir.path().join("out");
        extract(&image, &dest).unwrap();
        assert_eq!(fs::read(dest.join("AppRun")).unwrap(), b"#!/bin/sh\n");
        let tool = fs::metadata(dest.join("usr/tool")).unwrap();
        assert_eq!(
            tool.mode() & 0o7777,
            0o755,
            "set-id and world-write bits dropped"
        );
        let link = fs::symlink_metadata(dest.join("usr/passwd")).unwrap();
        assert!(link.file_type().is_symlink());
        assert_eq!(
            fs::read_link(dest.join("usr/passwd")).unwrap(),
            PathBuf::from("/etc/passwd")
        );
        // Never over something there.
        let e = extract(&image, &dest).unwrap_err();
        assert!(e.contains("cannot make"), "{e}");
        assert!(
            dest.join("AppRun").exists(),
            "a refused extraction removed the earlier one"
        );
    }

    #[test]
    fn special_files_are_refused_and_nothing_is_left() {
        let dir = image_with(|w| {
            w.push_fifo("usr/pipe", backhand::NodeHeader::new(0o644, 0, 0, 0))
                .unwrap();
        });
        let dest = dir.path().join("out");
        let e = extract(&dir.path().join("x.AppImage"), &dest).unwrap_err();
        assert!(e.contains("special file"), "{e}");
        assert!(
            !dest.exists(),
            "a failed extraction left {}",
            dest.display()
        );
    }
}
