//! `server-everything` and `server-filesystem`: tools listed and named, calls and their content,
//! errors for the model, one process for concurrent first uses, and two servers' `echo` kept
//! apart.

use std::time::Duration;

use base64::Engine as _;
use roundtable_engine::chat::ToolContent;
use roundtable_engine::mcp::{Kind, State};
use serde_json::json;

use super::{everything, filesystem, misbehave, registry, text};

#[tokio::test]
async fn everything_lists_its_tools_and_answers_calls() {
    let mcp = registry(vec![("everything", everything())]);
    let tools = mcp.tools("everything").await.unwrap();
    let echo = tools
        .iter()
        .find(|t| t.name == "echo")
        .expect("echo is listed");
    assert_eq!(echo.namespaced, "everything__echo");
    assert_eq!(echo.server, "everything");
    assert!(echo.enabled);
    assert_eq!(echo.description, "Echoes back the input string");
    assert_eq!(echo.input_schema["type"], "object");
    assert_eq!(echo.input_schema["properties"]["message"]["type"], "string");
    assert_eq!(echo.input_schema["required"], json!(["message"]));
    assert!(tools.iter().any(|t| t.name == "get-sum"));
    // `simulate-research-query` needs a task (`execution.taskSupport: "required"`): not offered.
    assert!(
        !tools.iter().any(|t| t.name == "simulate-research-query"),
        "a tool that requires tasks is hidden"
    );
    assert_eq!(
        mcp.resolve("everything__echo"),
        Some(("everything".into(), "echo".into()))
    );
    for tool in &tools {
        assert!(tool.namespaced.len() <= 64);
        assert_eq!(
            mcp.resolve(&tool.namespaced),
            Some(("everything".to_string(), tool.name.clone()))
        );
    }

    let out = mcp
        .call("everything", "echo", json!({"message": "hello"}), None)
        .await
        .unwrap();
    assert!(!out.is_error);
    assert_eq!(text(&out), "Echo: hello");

    let sum = mcp
        .call("everything", "get-sum", json!({"a": 2, "b": 3}), None)
        .await
        .unwrap();
    assert_eq!(text(&sum), "The sum of 2 and 3 is 5.");

    let links = mcp
        .call(
            "everything",
            "get-resource-links",
            json!({"count": 1}),
            None,
        )
        .await
        .unwrap();
    assert!(
        text(&links).contains("[resource link: Blob Resource 1 <demo://resource/dynamic/blob/1>"),
        "{}",
        text(&links)
    );

    let status = &mcp.status()[0];
    assert_eq!(status.name, "everything");
    assert_eq!(status.kind, Kind::Stdio);
    assert_eq!(status.state, State::Running);
    assert!(status.pid.is_some());
    assert!(status.cold_start_ms.is_some());
    assert_eq!(status.tools, Some(tools.len()));
    assert!(
        status.target.ends_with("mcp-server-everything stdio"),
        "{}",
        status.target
    );
    mcp.shutdown().await;
}

#[tokio::test]
async fn unknown_tools_and_invalid_arguments_come_back_for_the_model() {
    let mcp = registry(vec![("everything", everything())]);
    let unknown = mcp
        .call("everything", "no-such-tool", json!({}), None)
        .await
        .unwrap();
    assert!(unknown.is_error);
    assert!(
        text(&unknown).contains("no-such-tool"),
        "{}",
        text(&unknown)
    );

    let invalid = mcp
        .call("everything", "get-sum", json!({"a": "x"}), None)
        .await
        .unwrap();
    assert!(invalid.is_error);
    assert!(
        text(&invalid).contains("Invalid arguments for tool get-sum"),
        "{}",
        text(&invalid)
    );

    let not_an_object = mcp
        .call("everything", "echo", json!(["hello"]), None)
        .await
        .unwrap();
    assert!(not_an_object.is_error);
    assert!(text(&not_an_object).contains("must be a JSON object"));

    let no_server = mcp.call("nope", "echo", json!({}), None).await.unwrap_err();
    assert_eq!(
        no_server.to_string(),
        "there is no MCP server `nope` in the config; servers: everything"
    );
    mcp.shutdown().await;
}

#[tokio::test]
async fn an_image_comes_back_as_an_image() {
    let mcp = registry(vec![("everything", everything())]);
    let out = mcp
        .call("everything", "get-tiny-image", json!({}), None)
        .await
        .unwrap();
    assert!(!out.is_error);
    let images: Vec<(&str, &str)> = out
        .content
        .iter()
        .filter_map(|c| match c {
            ToolContent::Image { media_type, data } => Some((media_type.as_str(), data.as_str())),
            ToolContent::Text { .. } => None,
        })
        .collect();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].0, "image/png");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(images[0].1)
        .unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(text(&out).contains("Here's the image you requested:"));
    mcp.shutdown().await;
}

#[tokio::test]
async fn filesystem_lists_and_reads_a_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    // The server resolves symlinks (/tmp may be one); give it the real path.
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("notes.txt"), "buy milk\n").unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    let mcp = registry(vec![("fs", filesystem(&root))]);
    let tools = mcp.tools("fs").await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"list_directory"), "{names:?}");
    assert!(names.contains(&"read_text_file"), "{names:?}");

    let listing = mcp
        .call("fs", "list_directory", json!({"path": root}), None)
        .await
        .unwrap();
    assert!(!listing.is_error, "{}", text(&listing));
    let mut lines: Vec<String> = text(&listing).lines().map(str::to_string).collect();
    lines.sort();
    assert_eq!(lines, ["[DIR] sub", "[FILE] notes.txt"]);

    let file = mcp
        .call(
            "fs",
            "read_text_file",
            json!({"path": root.join("notes.txt")}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(text(&file), "buy milk\n");

    let outside = mcp
        .call(
            "fs",
            "read_text_file",
            json!({"path": "/etc/hostname"}),
            None,
        )
        .await
        .unwrap();
    assert!(outside.is_error, "{}", text(&outside));
    mcp.shutdown().await;
}

#[tokio::test]
async fn concurrent_first_uses_start_one_process() {
    let marker = format!("roundtable-test-{}", std::process::id());
    let mut config = everything();
    config
        .env
        .insert("ROUNDTABLE_TEST_MARKER".into(), marker.clone());
    let mcp = registry(vec![("everything", config)]);
    let uses = (0..8).map(|i| {
        let mcp = mcp.clone();
        async move {
            if i % 2 == 0 {
                mcp.tools("everything").await.map(|t| t.len())
            } else {
                mcp.call(
                    "everything",
                    "echo",
                    json!({"message": i.to_string()}),
                    None,
                )
                .await
                .map(|o| o.content.len())
            }
        }
    });
    for result in futures_util::future::join_all(uses).await {
        result.unwrap();
    }
    let with_marker: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                env.split(|&b| b == 0)
                    .any(|v| v == format!("ROUNDTABLE_TEST_MARKER={marker}").as_bytes())
            })
        })
        .filter(|pid| !super::gone(*pid))
        .collect();
    assert_eq!(with_marker.len(), 1, "one server process: {with_marker:?}");
    assert_eq!(mcp.status()[0].pid, Some(with_marker[0]));
    mcp.shutdown().await;
    assert!(super::eventually(Duration::from_secs(5), || super::gone(
        with_marker[0]
    )));
}

#[tokio::test]
async fn two_servers_with_an_echo_stay_apart() {
    let mcp = registry(vec![("everything", everything()), ("mis", misbehave(""))]);
    let (tools, errors) = mcp
        .all_tools(&["everything".to_string(), "mis".to_string()])
        .await;
    assert!(errors.is_empty(), "{errors:?}");
    let echoes: Vec<&str> = tools
        .iter()
        .filter(|t| t.name == "echo")
        .map(|t| t.namespaced.as_str())
        .collect();
    assert_eq!(echoes, ["everything__echo", "mis__echo"]);
    for name in echoes {
        let (server, tool) = mcp.resolve(name).unwrap();
        let out = mcp
            .call(&server, &tool, json!({"message": "hi"}), None)
            .await
            .unwrap();
        let expected = if server == "mis" {
            "misbehave echo: hi"
        } else {
            "Echo: hi"
        };
        assert_eq!(text(&out), expected);
    }
    mcp.shutdown().await;
}
