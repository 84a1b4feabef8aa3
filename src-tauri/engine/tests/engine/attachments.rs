//! Attachments end to end in the engine: the exact wire parts of every protocol, streamed and
//! whole, against the fakes; a text-only model skipped in a fallback chain; the store keeping
//! parts, freeing only unreferenced files and sweeping orphans; the migration from schema 10.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::StreamExt;
use roundtable_engine::attach::{self, Blobs};
use roundtable_engine::chat::{Attachment, Message, Part, Role};
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::store::{NewMessage, Store, StoredPart};
use roundtable_engine::{ChatEvent, ChatRequest, Config, Engine, Outcome, RouteEvent, Router};
use roundtable_fakes::files::{pdf, png};
use roundtable_fakes::{Answer, FakeServer, Protocol, ALL};
use serde_json::{json, Value};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn loaded(name: &str, bytes: Vec<u8>) -> Part {
    let part = attach::ingest(name, &bytes, false).unwrap().part;
    let data = Some(Arc::new(bytes));
    match part {
        Part::Image(a) => Part::Image(Attachment { data, ..a }),
        Part::File(a) => Part::File(Attachment { data, ..a }),
        other => other,
    }
}

/// One user message: an image, a PDF, a text file, then the question.
fn request() -> (ChatRequest, Vec<u8>, Vec<u8>) {
    let image = png(64, 48, false);
    let doc = pdf(2);
    let req = ChatRequest {
        messages: vec![Message {
            role: Role::User,
            parts: vec![
                loaded("chart.png", image.clone()),
                loaded("q3.pdf", doc.clone()),
                loaded("notes.md", b"# Notes\nTotal: ```42```\n".to_vec()),
                Part::Text("What do these say?".into()),
            ],
        }],
        ..Default::default()
    };
    (req, image, doc)
}

fn engine_for(protocol: Protocol, server: &FakeServer) -> Arc<Engine> {
    let text = format!(
        "[providers.fake]\nkind = \"{}\"\nbase_url = \"{}\"\n",
        protocol.kind(),
        protocol.base_url(&server.url())
    );
    let config = Config::parse(&text, Path::new("config.toml")).unwrap();
    Arc::new(Engine::new(config, Arc::new(MemoryKeys::new())).unwrap())
}

/// The text file as the fenced block every protocol gets (a fence longer than the file's own).
const NOTES: &str = "````notes.md\n# Notes\nTotal: ```42```\n````";

fn decode(b: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(b.as_str().unwrap())
        .unwrap()
}

/// The image as sent decodes to a picture of the original size.
fn assert_image(bytes: &[u8]) {
    let img = image::load_from_memory(bytes).expect("an image");
    assert_eq!((img.width(), img.height()), (64, 48));
}

#[tokio::test]
async fn every_protocol_gets_its_own_parts_streamed_and_whole() {
    for protocol in ALL {
        for stream in [true, false] {
            let a = Answer::new("m", &["It says 42."]);
            let reply = if stream {
                protocol.stream(&a)
            } else {
                protocol.whole(&a)
            };
            let server = FakeServer::always(reply);
            let engine = engine_for(protocol, &server);
            let target = engine.resolve("fake/vision-model").unwrap();
            let (req, _image, doc) = request();
            let prepared = engine.prepare(&target, &req).await.unwrap().unwrap();
            if stream {
                let mut s = engine.stream(&target, &prepared.request).await.unwrap();
                while let Some(e) = s.next().await {
                    e.unwrap();
                }
            } else {
                engine.complete(&target, &prepared.request).await.unwrap();
            }
            // (Ollama is asked first what the model reads: `/api/show`.)
            let chat = server
                .requests()
                .into_iter()
                .find(|r| r.path != "/api/show");
            let body = chat.expect("the chat request").json();
            let at = format!("{protocol:?} stream={stream}");
            match protocol {
                Protocol::OpenAi => {
                    let c = &body["messages"][0]["content"];
                    assert_eq!(c[0]["type"], "image_url", "{at}");
                    let url = c[0]["image_url"]["url"].as_str().unwrap();
                    // An opaque image goes as a JPEG (re-encoded: nothing of the original's metadata).
                    let jpeg = url
                        .strip_prefix("data:image/jpeg;base64,")
                        .expect("a data URL");
                    assert_image(&decode(&json!(jpeg)));
                    assert_eq!(
                        c[1],
                        json!({"type": "file", "file": {"filename": "q3.pdf", "file_data": format!("data:application/pdf;base64,{}", b64(&doc))}}),
                        "{at}"
                    );
                    assert_eq!(c[2], json!({"type": "text", "text": NOTES}), "{at}");
                    assert_eq!(
                        c[3],
                        json!({"type": "text", "text": "What do these say?"}),
                        "{at}"
                    );
                    assert!(prepared.notes.is_empty(), "{at}");
                }
                Protocol::Anthropic => {
                    let c = &body["messages"][0]["content"];
                    assert_eq!(c[0]["type"], "image", "{at}");
                    assert_eq!(c[0]["source"]["type"], "base64");
                    assert_eq!(c[0]["source"]["media_type"], "image/jpeg");
                    assert_image(&decode(&c[0]["source"]["data"]));
                    assert_eq!(
                        c[1],
                        json!({"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": b64(&doc)}, "title": "q3.pdf", "cache_control": {"type": "ephemeral"}}),
                        "{at}: the last attachment carries the cache mark"
                    );
                    assert_eq!(c[2], json!({"type": "text", "text": NOTES}), "{at}");
                    assert!(c[0].get("cache_control").is_none(), "{at}: one mark only");
                }
                Protocol::Gemini => {
                    let p = &body["contents"][0]["parts"];
                    assert_eq!(p[0]["inline_data"]["mime_type"], "image/jpeg", "{at}");
                    assert_image(&decode(&p[0]["inline_data"]["data"]));
                    assert_eq!(
                        p[1],
                        json!({"inline_data": {"mime_type": "application/pdf", "data": b64(&doc)}}),
                        "{at}"
                    );
                    assert_eq!(p[2], json!({"text": NOTES}), "{at}");
                    assert_eq!(p[3], json!({"text": "What do these say?"}), "{at}");
                }
                Protocol::Ollama => {
                    let m = &body["messages"][0];
                    let images = m["images"].as_array().unwrap();
                    assert_eq!(images.len(), 1, "{at}");
                    assert_image(&decode(&images[0]));
                    let content = m["content"].as_str().unwrap();
                    assert!(
                        content.starts_with("q3.pdf (the text of a PDF of 2 pages):"),
                        "{at}: {content}"
                    );
                    assert!(content.contains("Page 1 says hello"), "{at}: {content}");
                    assert!(content.contains("Page 2 says hello"), "{at}: {content}");
                    assert!(content.contains(NOTES), "{at}");
                    assert!(content.ends_with("What do these say?"), "{at}");
                    assert_eq!(
                        prepared.notes,
                        ["q3.pdf went as its text (2 pages): this provider takes no PDFs"],
                        "{at}: the answer's figures say so"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn an_image_over_the_providers_longest_side_is_downscaled_keeping_its_aspect() {
    let server = FakeServer::always(Protocol::Anthropic.stream(&Answer::new("m", &["ok"])));
    let engine = engine_for(Protocol::Anthropic, &server);
    let target = engine.resolve("fake/claude-sonnet-4-5").unwrap();
    let req = ChatRequest {
        messages: vec![Message {
            role: Role::User,
            parts: vec![
                loaded("wide.png", png(3200, 1000, true)),
                Part::Text("hi".into()),
            ],
        }],
        ..Default::default()
    };
    let p = engine.prepare(&target, &req).await.unwrap().unwrap();
    let Part::Image(a) = &p.request.messages[0].parts[0] else {
        panic!("an image")
    };
    assert_eq!((a.width, a.height), (Some(1568), Some(490)));
    let img = image::load_from_memory(a.data.as_ref().unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (1568, 490));
    assert!(img.color().has_alpha(), "transparency kept (sent as PNG)");
    assert_eq!(a.media_type, "image/png");
}

/// A routed answer's attempts and text.
async fn route(
    router: &Router,
    names: &[&str],
    req: &ChatRequest,
) -> (Vec<(String, Outcome, Option<String>)>, String) {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let plan = router.plan(&names).unwrap();
    let mut s = router.stream(&plan, req);
    let mut attempts = Vec::new();
    let mut text = String::new();
    let run = async {
        while let Some(item) = s.next().await {
            match item.unwrap() {
                RouteEvent::Attempt(a) => attempts.push((a.target, a.outcome, a.message)),
                RouteEvent::Chat(ChatEvent::Delta(t)) => text.push_str(&t),
                RouteEvent::Chat(_) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("no hang");
    (attempts, text)
}

#[tokio::test]
async fn a_text_only_model_is_skipped_with_the_reason_and_the_next_answers() {
    let text_only = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &["never"])));
    let vision = FakeServer::always(Protocol::Gemini.stream(&Answer::new("m", &["A chart."])));
    let text = format!(
        "[providers.old]\nkind = \"openai\"\nbase_url = \"{}\"\n\n[providers.g]\nkind = \"gemini\"\nbase_url = \"{}\"\n",
        Protocol::OpenAi.base_url(&text_only.url()),
        Protocol::Gemini.base_url(&vision.url())
    );
    let config = Config::parse(&text, Path::new("config.toml")).unwrap();
    let engine = Arc::new(Engine::new(config, Arc::new(MemoryKeys::new())).unwrap());
    let router = Router::new(engine);
    let req = ChatRequest {
        messages: vec![Message {
            role: Role::User,
            parts: vec![
                loaded("chart.png", png(20, 20, false)),
                Part::Text("What is it?".into()),
            ],
        }],
        ..Default::default()
    };
    let (attempts, answer) =
        route(&router, &["old/gpt-3.5-turbo", "g/gemini-2.5-flash"], &req).await;
    assert_eq!(answer, "A chart.");
    assert_eq!(attempts[0].0, "old/gpt-3.5-turbo");
    assert_eq!(attempts[0].1, Outcome::Skipped);
    let why = attempts[0].2.as_deref().unwrap();
    assert!(
        why.contains("unsupported_input") && why.contains("1 image"),
        "{why}"
    );
    assert_eq!(
        (attempts[1].0.as_str(), attempts[1].1),
        ("g/gemini-2.5-flash", Outcome::Ok)
    );
    assert!(
        text_only.requests().is_empty(),
        "nothing was sent to the text-only model"
    );

    // Learned from a catalog: a model listed without `image` is text-only too.
    router.engine().capabilities().learn(
        "g/gemini-2.5-flash",
        attach::send::Inputs::from_modalities(&["text"]),
    );
    let (attempts, _) = route(&router, &["g/gemini-2.5-flash", "old/gpt-4o"], &req).await;
    assert_eq!(attempts[0].1, Outcome::Skipped);
    assert_eq!(attempts[1].1, Outcome::Ok);
}

#[tokio::test]
async fn a_providers_refusal_of_an_image_is_classed_unsupported_input() {
    let server = FakeServer::always(Protocol::OpenAi.error(
        400,
        "invalid_request_error",
        "Invalid content type. image_url is only supported by certain models.",
    ));
    let engine = engine_for(Protocol::OpenAi, &server);
    let target = engine.resolve("fake/some-new-model").unwrap();
    let (req, _, _) = request();
    let p = engine.prepare(&target, &req).await.unwrap().unwrap();
    let e = match engine.stream(&target, &p.request).await {
        Err(e) => e,
        Ok(_) => panic!("refused"),
    };
    assert_eq!(
        e.as_provider().map(|p| p.class.as_str()),
        Some("unsupported_input"),
        "{e}"
    );
}

#[test]
fn bad_files_are_refused_by_name_before_anything_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::new(dir.path());
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let folder = dir.path().join("folder.png");
    std::fs::create_dir(&folder).unwrap();
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (folder, "not a file"),
        (write("empty.png", b""), "empty"),
        (
            write("fake.png", b"not a picture at all, just words"),
            "not a PNG",
        ),
        (
            write("photo.heic", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            "HEIC",
        ),
        (write("cut.pdf", &pdf(1)[..60]), "cut.pdf"),
        (
            write("notes.txt", "long line\n".repeat(60_000).as_bytes()),
            "text files can be at most 512 KB",
        ),
        (
            write("blob.bin", &[0u8, 159, 146, 150, 0, 1, 2]),
            "blob.bin",
        ),
    ];
    for (path, expected) in cases {
        let e = attach::attach_file(&blobs, &path)
            .expect_err("refused")
            .to_string();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(e.starts_with(&format!("{name}:")), "names the file: {e}");
        assert!(e.contains(expected), "{expected}: {e}");
    }
    // A file over the cap is refused from its size, before it is read.
    let big = dir.path().join("huge.png");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(200 * 1024 * 1024).unwrap();
    let e = attach::attach_file(&blobs, &big).unwrap_err().to_string();
    assert!(e.starts_with("huge.png:") && e.contains("200 MB"), "{e}");
    assert!(
        !dir.path().join("attachments").exists(),
        "nothing was stored"
    );
}

fn store_with_image(dir: &Path) -> (Store, Part) {
    let store = Store::open(dir).unwrap();
    let bytes = png(30, 20, false);
    let path = dir.join("shot.png");
    std::fs::write(&path, &bytes).unwrap();
    let part = attach::attach_file(&store.blobs(), &path).unwrap();
    (store, part)
}

/// Makes a file look written an hour ago (attached long before it is deleted).
fn age(path: &Path) {
    let long_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
}

fn conversation_with(store: &Store, part: &Part, text: &str) -> i64 {
    let c = store
        .create_conversation(text, None, roundtable_engine::store::ConversationKind::Chat)
        .unwrap();
    store
        .add_message_with(
            &NewMessage::complete(c, None, Role::User, text),
            std::slice::from_ref(part),
        )
        .unwrap();
    c
}

#[test]
fn parts_are_kept_in_order_and_deleting_frees_only_unreferenced_files() {
    let dir = tempfile::tempdir().unwrap();
    let (store, part) = store_with_image(dir.path());
    let sha = part.attachment().unwrap().sha256.clone();
    let file = store.blobs().path(&sha).unwrap();
    assert!(file.is_file());
    let a = conversation_with(&store, &part, "first");
    let b = conversation_with(&store, &part, "second");

    let c = store.conversation(a).unwrap();
    let m = &c.messages[0];
    assert_eq!(m.text, "first");
    let StoredPart::Image(meta) = &m.parts[0] else {
        panic!("an image part")
    };
    assert_eq!(
        (
            meta.name.as_str(),
            meta.media_type.as_str(),
            meta.width,
            meta.height,
            meta.sha256.as_str()
        ),
        ("shot.png", "image/png", Some(30), Some(20), sha.as_str())
    );
    let json = serde_json::to_value(&m.parts).unwrap();
    assert_eq!(json[0]["type"], "image");
    assert_eq!(json[0]["bytes"], meta.bytes);
    let turns = c.turns_to(m.id);
    assert!(matches!(&turns[0].parts[..], [Part::Image(_), Part::Text(t)] if t == "first"));

    age(&file);
    store.delete_conversation(a).unwrap();
    assert!(file.is_file(), "still named by the second conversation");
    store.delete_conversation(b).unwrap();
    assert!(!file.exists(), "freed with the last message naming it");
}

#[test]
fn a_file_attached_again_is_not_freed_from_under_the_composer() {
    let dir = tempfile::tempdir().unwrap();
    let (store, part) = store_with_image(dir.path());
    let a = part.attachment().unwrap();
    let file = store.blobs().path(&a.sha256).unwrap();
    let old = conversation_with(&store, &part, "an old one");
    age(&file);
    // The same picture attached again in a composer (not sent yet), then the old talk deleted.
    store.blobs().put(&std::fs::read(&file).unwrap()).unwrap();
    store.delete_conversation(old).unwrap();
    assert!(file.is_file(), "kept: it was attached a moment ago");
    let later = conversation_with(&store, &part, "sent after all");
    assert_eq!(
        store.conversation(later).unwrap().messages[0].parts.len(),
        1
    );
    // Nothing names it and it is old: the next start sweeps it.
    store.delete_conversation(later).unwrap();
    age(&file);
    drop(store);
    Store::open(dir.path()).unwrap();
    assert!(!file.exists(), "swept");
}

#[test]
fn a_stored_file_changed_on_disk_is_written_again_when_attached_again() {
    let dir = tempfile::tempdir().unwrap();
    let (store, part) = store_with_image(dir.path());
    let a = part.attachment().unwrap();
    let good = std::fs::read(dir.path().join("shot.png")).unwrap();
    std::fs::write(store.blobs().path(&a.sha256).unwrap(), b"tampered").unwrap();
    store.blobs().put(&good).unwrap();
    assert_eq!(store.blobs().get(&a.sha256, &a.name).unwrap(), good);
}

#[test]
fn deleting_a_message_frees_its_file_and_a_fork_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let (store, part) = store_with_image(dir.path());
    let file = store
        .blobs()
        .path(&part.attachment().unwrap().sha256)
        .unwrap();
    let a = conversation_with(&store, &part, "look");
    let first = store.conversation(a).unwrap().messages[0].id;
    let fork = store.fork_thread(a, first).unwrap();
    assert_eq!(store.conversation(fork).unwrap().messages[0].parts.len(), 1);
    age(&file);
    store.delete_message(first).unwrap();
    assert!(file.is_file(), "the fork still names it");
    store.delete_conversation(fork).unwrap();
    assert!(!file.exists());
}

#[test]
fn the_next_start_sweeps_old_orphans_and_keeps_fresh_ones() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::new(dir.path());
    // A crash after a file was written, before its message was committed.
    let old = blobs.put(b"orphaned long ago").unwrap();
    let fresh = blobs.put(b"being attached right now").unwrap();
    let long_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(blobs.path(&old).unwrap())
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(!blobs.path(&old).unwrap().exists(), "swept");
    assert!(
        blobs.path(&fresh).unwrap().exists(),
        "may still be committed: kept"
    );
    drop(store);
}

#[test]
fn a_stored_file_changed_on_disk_is_refused_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (store, part) = store_with_image(dir.path());
    let a = part.attachment().unwrap();
    std::fs::write(store.blobs().path(&a.sha256).unwrap(), b"tampered").unwrap();
    let e = store
        .blobs()
        .get(&a.sha256, &a.name)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("shot.png:") && e.contains("changed on disk"),
        "{e}"
    );
}

/// How many files are under `dir` (one folder deep, as `attachments/ab/…` is).
fn walk_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| std::fs::read_dir(e.path()).map_or(0, |f| f.count()))
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn a_chatgpt_export_brings_its_images_and_files_and_counts_the_missing_ones() {
    let export = tempfile::tempdir().unwrap();
    let photo = png(40, 30, false);
    std::fs::write(export.path().join("file-Ab12Cd34Ef-holiday.png"), &photo).unwrap();
    std::fs::write(
        export.path().join("file-Tool777-generated.png"),
        png(12, 12, true),
    )
    .unwrap();
    std::fs::create_dir(export.path().join("user-xyz")).unwrap();
    std::fs::write(
        export
            .path()
            .join("user-xyz")
            .join("file_0000aaaa11-report.pdf"),
        pdf(2),
    )
    .unwrap();
    let json = serde_json::json!([{
        "id": "conv-with-pictures", "title": "Pictures", "create_time": 1_717_000_000.0,
        "mapping": {
            "root": {"id": "root", "parent": null, "children": ["u1"], "message": null},
            "u1": {"id": "u1", "parent": "root", "children": ["a1"], "message": {
                "author": {"role": "user"}, "create_time": 1_717_000_001.0,
                "content": {"content_type": "multimodal_text", "parts": [
                    {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-Ab12Cd34Ef", "width": 40, "height": 30},
                    {"content_type": "image_asset_pointer", "asset_pointer": "sediment://file_missing999", "width": 10, "height": 10},
                    "What is in the picture and the report?"
                ]},
                "metadata": {"attachments": [{"id": "file_0000aaaa11", "name": "report.pdf", "mimeType": "application/pdf"}]}
            }},
            "t1": {"id": "t1", "parent": "a1", "children": [], "message": {
                "author": {"role": "tool", "name": "dalle.text2im"},
                "content": {"content_type": "multimodal_text", "parts": [
                    {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-Tool777"}
                ]}
            }},
            "a1": {"id": "a1", "parent": "u1", "children": ["t1"], "message": {
                "author": {"role": "assistant"}, "create_time": 1_717_000_002.0,
                "content": {"content_type": "text", "parts": ["A beach, and a report."]},
                "metadata": {"model_slug": "gpt-4o"}
            }}
        }
    }])
    .to_string();
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(data.path()).unwrap();
    let r = store
        .import_chatgpt_from(&json, Some(export.path()))
        .unwrap();
    assert_eq!(
        (
            r.conversations,
            r.messages,
            r.attachments,
            r.skipped_attachments
        ),
        (1, 2, 2, 2),
        "the missing picture and the tool message's are skipped"
    );
    let stored = walk_files(&data.path().join("attachments"));
    assert_eq!(stored, 2, "nothing stored for what was skipped");
    let c = store.conversation(1).unwrap();
    let user = &c.messages[0];
    assert_eq!(user.text, "What is in the picture and the report?");
    let metas: Vec<_> = user.parts.iter().filter_map(|p| p.meta()).collect();
    assert_eq!(
        metas
            .iter()
            .map(|m| (m.name.as_str(), m.media_type.as_str()))
            .collect::<Vec<_>>(),
        [
            ("file-Ab12Cd34Ef-holiday.png", "image/png"),
            ("file_0000aaaa11-report.pdf", "application/pdf")
        ]
    );
    assert_eq!(store.blobs().get(&metas[0].sha256, "x").unwrap(), photo);
    // Without the folder, the same export imports its text and counts the attachments as skipped.
    let other = tempfile::tempdir().unwrap();
    let r = Store::open(other.path())
        .unwrap()
        .import_chatgpt_from(&json, None)
        .unwrap();
    assert_eq!(
        (r.messages, r.attachments, r.skipped_attachments),
        (2, 0, 4)
    );
}

#[tokio::test]
async fn ollama_says_which_models_see_and_a_blind_one_is_skipped() {
    let ollama = FakeServer::start(|req| {
        if req.path == "/api/show" {
            let caps = if req.json()["model"] == "llava" {
                json!(["completion", "vision"])
            } else {
                json!(["completion", "tools"])
            };
            return roundtable_fakes::Reply::json(200, &json!({"capabilities": caps}));
        }
        Protocol::Ollama.stream(&Answer::new("llava", &["A cat."]))
    });
    let engine = engine_for(Protocol::Ollama, &ollama);
    let router = Router::new(engine);
    let req = ChatRequest {
        messages: vec![Message {
            role: Role::User,
            parts: vec![
                loaded("cat.png", png(16, 16, false)),
                Part::Text("What is it?".into()),
            ],
        }],
        ..Default::default()
    };
    let (attempts, answer) = route(&router, &["fake/llama3", "fake/llava"], &req).await;
    assert_eq!(answer, "A cat.");
    assert_eq!(
        (attempts[0].0.as_str(), attempts[0].1),
        ("fake/llama3", Outcome::Skipped)
    );
    assert_eq!(
        (attempts[1].0.as_str(), attempts[1].1),
        ("fake/llava", Outcome::Ok)
    );
    let chats = ollama
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/chat")
        .count();
    assert_eq!(chats, 1, "only the model that sees was asked");
    // Asked once per model, then known.
    route(&router, &["fake/llama3", "fake/llava"], &req).await;
    let shows = ollama
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/show")
        .count();
    assert_eq!(shows, 2);
}

#[test]
fn regenerations_and_edits_keep_the_attachments() {
    use roundtable_engine::session::{AttachmentRef, Turn, TurnSpec};
    let dir = tempfile::tempdir().unwrap();
    let (store, part) = store_with_image(dir.path());
    let a = part.attachment().unwrap().clone();
    let config = Config::parse(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n",
        Path::new("config.toml"),
    )
    .unwrap();
    let router = Router::new(Arc::new(
        Engine::new(config, Arc::new(MemoryKeys::new())).unwrap(),
    ));
    let spec = |prompt: &str| TurnSpec {
        prompt: prompt.into(),
        targets: vec!["fake/gpt-4o".into()],
        ..Default::default()
    };
    let with_image = |t: &Turn| {
        let first = t.request_messages()[0].parts.clone();
        matches!(&first[..], [Part::Image(i), Part::Text(_)] if i.sha256 == a.sha256 && i.data.as_deref().map(Vec::len) == Some(a.bytes as usize))
    };
    let first = Turn::prepare(
        &router,
        &store,
        TurnSpec {
            attachments: Some(vec![AttachmentRef {
                sha256: a.sha256.clone(),
                name: a.name.clone(),
            }]),
            ..spec("look")
        },
    )
    .unwrap();
    assert!(with_image(&first), "the bytes are loaded for sending");
    let conversation = first.conversation_id().unwrap();
    let user = first.user_message_id().unwrap();

    let again = Turn::prepare(
        &router,
        &store,
        TurnSpec {
            conversation: Some(conversation),
            regenerate: Some(user),
            ..spec("")
        },
    )
    .unwrap();
    assert!(
        with_image(&again),
        "a regeneration sends the same attachment"
    );

    let edited = Turn::prepare(
        &router,
        &store,
        TurnSpec {
            conversation: Some(conversation),
            edit_of: Some(user),
            ..spec("look again")
        },
    )
    .unwrap();
    assert!(
        with_image(&edited),
        "an edit keeps the edited message's attachment"
    );
    let c = store.conversation(conversation).unwrap();
    let new = c.messages.iter().find(|m| m.text == "look again").unwrap();
    assert_eq!(new.parts.len(), 1, "and stores it with the new branch");
    // An edit that removes them (an empty list, as the app sends when every chip is removed).
    let bare = Turn::prepare(
        &router,
        &store,
        TurnSpec {
            conversation: Some(conversation),
            edit_of: Some(user),
            attachments: Some(Vec::new()),
            ..spec("just text")
        },
    )
    .unwrap();
    assert!(!bare.request_messages()[0].has_attachments());

    // A message of attachments alone (no text) is a message; a ref to nothing is a clear error.
    assert!(Turn::prepare(
        &router,
        &store,
        TurnSpec {
            attachments: Some(vec![AttachmentRef {
                sha256: a.sha256.clone(),
                name: a.name.clone()
            }]),
            ..spec("")
        },
    )
    .is_ok());
    let e = Turn::prepare(
        &router,
        &store,
        TurnSpec {
            attachments: Some(vec![AttachmentRef {
                sha256: "ab".repeat(32),
                name: "gone.png".into(),
            }]),
            ..spec("hi")
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("gone.png:") && e.contains("attach the file again"),
        "{e}"
    );
}

#[test]
fn a_lost_file_never_stops_a_conversation_and_names_are_escaped_in_html() {
    use roundtable_engine::session::{Turn, TurnSpec};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let hostile = dir.path().join("x\" onerror=\"alert(1).png");
    std::fs::write(&hostile, png(8, 8, false)).unwrap();
    let part = attach::attach_file(&store.blobs(), &hostile).unwrap();
    let c = conversation_with(&store, &part, "see this");
    let sha = part.attachment().unwrap().sha256.clone();
    let mut links = roundtable_engine::store::Links::new();
    links.insert(sha.clone(), "data:image/png;base64,AAAA".into());
    let html = store.conversation(c).unwrap().to_html_with(&links);
    let page = scraper::Html::parse_document(&html);
    let handlers = scraper::Selector::parse("[onerror]").unwrap();
    assert_eq!(
        page.select(&handlers).count(),
        0,
        "no attribute breaks out: {html}"
    );
    let img = scraper::Selector::parse("figure.attachment img").unwrap();
    let alt = page.select(&img).next().unwrap().value().attr("alt");
    assert_eq!(
        alt,
        Some("x\" onerror=\"alert(1).png"),
        "the name, whole, as the image's text"
    );

    std::fs::remove_file(store.blobs().path(&sha).unwrap()).unwrap();
    let config = Config::parse(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n",
        Path::new("config.toml"),
    )
    .unwrap();
    let router = Router::new(Arc::new(
        Engine::new(config, Arc::new(MemoryKeys::new())).unwrap(),
    ));
    let next = Turn::prepare(
        &router,
        &store,
        TurnSpec {
            conversation: Some(c),
            prompt: "and now?".into(),
            targets: vec!["fake/gpt-4o".into()],
            ..Default::default()
        },
    )
    .expect("a follow-up still goes");
    let first = &next.request_messages()[0].parts[0];
    assert!(
        matches!(first, Part::Text(t) if t.contains("its stored copy is gone")),
        "{first:?}"
    );
}
