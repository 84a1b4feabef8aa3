//! Attachments in the real window (issue 17): a screenshot pasted from the X clipboard and a
//! PDF picked through the file input go to a two-column compare in which one column's model is
//! text-only (skipped, with the reason) and the other answers; the image shows in the message,
//! and opens larger; the HTML export of the compare, opened in a browser, shows the image and
//! runs nothing.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::Locator;
use roundtable_e2e::{
    home_with_config, keys, launch, require_cli, screenshot, session, tempfile_dir, wait_js, Driver,
};
use roundtable_fakes::{Answer, FakeServer, Protocol};
use serde_json::json;

const CTRL: &str = "\u{E009}";
const ENTER: &str = "\u{E007}";

/// Puts a PNG on the X clipboard (xclip serves it until another selection owner takes over).
fn clipboard_png(path: &std::path::Path) -> std::process::Child {
    Command::new("xclip")
        .args(["-selection", "clipboard", "-t", "image/png", "-i"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xclip (package xclip; .ci/setup installs it)")
}

/// Waits until xclip owns the clipboard and offers a picture.
fn wait_for_clipboard() {
    for _ in 0..100 {
        let targets = Command::new("xclip")
            .args(["-o", "-selection", "clipboard", "-t", "TARGETS"])
            .output()
            .expect("xclip");
        if String::from_utf8_lossy(&targets.stdout).contains("image/png") {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_pasted_image_and_a_picked_pdf_go_to_a_compare_where_a_text_only_column_is_skipped() {
    let cli = require_cli();
    // `vision` answers; `old` serves only a text-only model and must receive no request.
    let vision = FakeServer::start(|req| {
        if req.path.ends_with("/models") {
            return Protocol::OpenAi.models(&["gpt-4o"]);
        }
        Protocol::OpenAi
            .stream(&Answer::new(
                "gpt-4o",
                &["I see ", "a gradient ", "and a PDF."],
            ))
            .paced(Duration::from_millis(10))
    });
    let old = FakeServer::start(|req| {
        if req.path.ends_with("/models") {
            return Protocol::OpenAi.models(&["gpt-3.5-turbo"]);
        }
        Protocol::OpenAi.stream(&Answer::new("gpt-3.5-turbo", &["should never be asked"]))
    });
    let home = home_with_config(&format!(
        "[providers.vision]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[providers.old]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[router]\nmax_retries = 0\n",
        vision.url(),
        old.url()
    ));
    let files = tempfile_dir();
    let shot = files.0.join("screenshot.png");
    std::fs::write(&shot, roundtable_fakes::files::png(320, 200, false)).expect("write the png");
    let pdf = files.0.join("report.pdf");
    std::fs::write(&pdf, roundtable_fakes::files::pdf(3)).expect("write the pdf");
    let bomb = files.0.join("bomb.png");
    std::fs::write(&bomb, roundtable_fakes::files::png_bomb()).expect("write the bomb");
    let mut xclip = clipboard_png(&bomb);

    let (driver, client) = launch(&home.0).await;
    let run = |js: &str| {
        let (client, js) = (client.clone(), js.to_string());
        async move { client.execute(&js, vec![]).await.expect("script") }
    };
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent?.length > 0",
        "the app",
    )
    .await;
    run("document.querySelector('.to-compare').click(); return true").await;
    wait_js(
        &client,
        "return [...document.querySelectorAll('.compare .slot option')].some(o => o.value === 'old/gpt-3.5-turbo')",
        "the models in the compare view",
    )
    .await;
    for (i, t) in ["old/gpt-3.5-turbo", "vision/gpt-4o"].iter().enumerate() {
        let js = format!(
            "const s = document.querySelectorAll('.compare .slot')[{i}]; s.value = '{t}'; \
             s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value === '{t}'"
        );
        wait_js(&client, &js, "a compare slot").await;
    }

    // 1. Paste the screenshot from the clipboard into the composer (a real Ctrl+V).
    let input = client
        .find(Locator::Css(".compare-input"))
        .await
        .expect("the compare composer");
    input.click().await.expect("focus the composer");
    // 0. A decompression bomb on the clipboard (50,000 × 50,000 in a few bytes) is refused by
    //    name from its header; nothing is attached, the app goes on.
    wait_for_clipboard();
    keys(&client, &format!("{CTRL}v")).await;
    wait_js(
        &client,
        "return [...document.querySelectorAll('.toast')].some(t => t.textContent.includes('pasted-image.png') && t.textContent.includes('50000'))",
        "the bomb refused by name",
    )
    .await;
    assert_eq!(
        run("return document.querySelectorAll('.compare .attachment-chip').length").await,
        json!(0)
    );
    let _ = xclip.kill();
    let _ = xclip.wait();
    let mut xclip = clipboard_png(&shot);
    wait_for_clipboard();
    // WebKitGTK's paste event carries no image data: the page asks the backend, which reads the
    // system clipboard's picture (through the X server, here from xclip).
    keys(&client, &format!("{CTRL}v")).await;
    wait_js(
        &client,
        "return [...document.querySelectorAll('.compare .attachment-chip[data-sha256]')].some(c => c.querySelector('img')?.naturalWidth > 0)",
        "the pasted screenshot's thumbnail",
    )
    .await;
    let _ = xclip.kill();
    let _ = xclip.wait();

    // 2. Pick the PDF through the file input (what the file chooser fills in).
    let picker = client
        .find(Locator::Css(".compare .composer-file-input"))
        .await
        .expect("the file input");
    picker
        .send_keys(pdf.to_str().expect("a UTF-8 path"))
        .await
        .expect("pick the PDF");
    wait_js(
        &client,
        "const c = [...document.querySelectorAll('.compare .attachment-chip[data-sha256]')]; return c.length === 2 && c.some(x => x.textContent.includes('3 pages'))",
        "the PDF chip with its pages",
    )
    .await;
    let chips = run("return [...document.querySelectorAll('.compare .attachment-chip')].map(c => c.textContent + ' ' + c.dataset.sha256)").await;
    println!("chips: {chips}");
    // The page never held a path: only names.
    let page_text = run("return document.body.innerHTML").await;
    let page_text = page_text.as_str().unwrap_or("");
    assert!(
        !page_text.contains(files.0.to_str().unwrap()),
        "no file path reached the page: {chips}"
    );

    // 3. Ask both columns.
    input
        .send_keys(&format!("What is in these?{ENTER}"))
        .await
        .expect("send");
    wait_js(
        &client,
        "return !!document.querySelector('.column-status.done') && !!document.querySelector('.column-status.failed')",
        "one answer and one refusal",
    )
    .await;
    let cols = run("return [...document.querySelectorAll('.column')].map(c => c.innerText)").await;
    let cols: Vec<String> = serde_json::from_value(cols).expect("column texts");
    assert!(
        cols[0].contains("gpt-3.5-turbo") && cols[0].contains("reads text only"),
        "the text-only column says why: {}",
        cols[0]
    );
    assert!(
        cols[1].contains("I see a gradient and a PDF."),
        "{}",
        cols[1]
    );
    assert!(
        old.requests().iter().all(|r| r.path.ends_with("/models")),
        "nothing was sent to the text-only model"
    );
    let sent = vision
        .requests()
        .into_iter()
        .find(|r| !r.path.ends_with("/models"))
        .expect("the vision model was asked")
        .json();
    let content = &sent["messages"][0]["content"];
    assert_eq!(content[0]["type"], "image_url", "{content}");
    assert_eq!(content[1]["file"]["filename"], "report.pdf", "{content}");

    screenshot(&client, "attachments-compare.png").await;

    // 4. The image shows in the message, and opens larger.
    wait_js(
        &client,
        "return [...document.querySelectorAll('.message-image img')].some(i => i.complete && i.naturalWidth > 0)",
        "the image in the message",
    )
    .await;
    assert!(
        run("return [...document.querySelectorAll('.message-file')].some(f => f.textContent.includes('report.pdf'))").await
            == json!(true),
        "the PDF is named in the message"
    );
    run("document.querySelector('.message-image').click(); return true").await;
    wait_js(
        &client,
        "const v = document.querySelector('.image-viewer'); return !!v && v.open && [...v.querySelectorAll('img')].some(i => i.naturalWidth >= 320)",
        "the larger view",
    )
    .await;
    screenshot(&client, "attachments-viewer.png").await;
    keys(&client, "\u{E00C}").await; // Escape
    wait_js(
        &client,
        "return !document.querySelector('.image-viewer')?.open",
        "the viewer closed",
    )
    .await;
    client.close().await.expect("close the session");
    drop(driver);

    // 5. The HTML export shows the image in a browser and runs nothing.
    let page = files.0.join("compare.html");
    let out = Command::new(&cli)
        .arg("--data-dir")
        .arg(&home.0)
        .args(["history", "export", "1", "--format", "html", "-o"])
        .arg(&page)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/roundtable-test-bus",
        )
        .output()
        .expect("the CLI runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let browser = PathBuf::from("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser");
    let driver = Driver::start(&home.0);
    let client = session(
        &driver,
        json!({"binary": browser, "args": ["--automation"]}),
    )
    .await;
    client
        .goto(&format!("file://{}", page.display()))
        .await
        .expect("open the page");
    wait_js(
        &client,
        "return document.images.length === 1 && document.images[0].complete && document.images[0].naturalWidth === 320",
        "the exported image, shown",
    )
    .await;
    let checks = client
        .execute(
            "return [document.scripts.length, document.images[0].src.slice(0, 22), document.body.innerText]",
            vec![],
        )
        .await
        .expect("inspect the page");
    assert_eq!(checks[0], json!(0), "no script");
    assert_eq!(
        checks[1],
        json!("data:image/png;base64,"),
        "inline, nothing fetched"
    );
    assert!(
        checks[2]
            .as_str()
            .unwrap_or("")
            .contains("report.pdf (PDF, 3 pages"),
        "{}",
        checks[2]
    );
    client.close().await.expect("close the session");
    drop(driver);
    drop(home);
}
