//! The settings edits of `[mcp.*]` tables on a real `config.toml`: remembered approvals, servers
//! added, replaced, renamed and removed — each keeping the file's comments and other keys.

use std::collections::BTreeMap;
use std::path::Path;

use roundtable_engine::config::settings::{apply, view, Edit, McpServerSetting};
use roundtable_engine::config::Config;
use roundtable_engine::mcp::Approve;

const START: &str = r#"# My settings — keep this comment.
[routes.smart]
targets = ["openai/gpt-4o"]

# Notes, read-only.
[mcp.fs]
command = "npx" # via npm
args = ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/notes"]
always = ["read_file"] # safe
timeout_ms = 30000

[mcp.remote]
url = "https://mcp.example.com/mcp"
auth_header = "Authorization"
"#;

fn dir_with(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), text).unwrap();
    dir
}

fn file(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("config.toml")).unwrap()
}

fn approval(server: &str, tool: Option<&str>, decision: Approve) -> Edit {
    Edit::McpApproval {
        server: server.into(),
        tool: tool.map(str::to_string),
        decision,
    }
}

#[test]
fn approvals_are_remembered_keeping_comments() {
    let dir = dir_with(START);
    let d = dir.path();
    let config = apply(d, &approval("fs", Some("list_directory"), Approve::Always)).unwrap();
    let fs = config.mcp["fs"].get_ref();
    assert_eq!(fs.always, ["read_file", "list_directory"]);
    let text = file(d);
    assert!(text.starts_with("# My settings — keep this comment.\n"));
    assert!(text.contains("# Notes, read-only.\n[mcp.fs]\ncommand = \"npx\" # via npm\n"));
    assert!(
        text.contains("always = [\"read_file\", \"list_directory\"] # safe\n"),
        "{text}"
    );

    let config = apply(d, &approval("fs", Some("read_file"), Approve::Never)).unwrap();
    let fs = config.mcp["fs"].get_ref();
    assert_eq!(fs.always, ["list_directory"]);
    assert_eq!(fs.never, ["read_file"]);

    let config = apply(d, &approval("fs", Some("read_file"), Approve::Ask)).unwrap();
    let fs = config.mcp["fs"].get_ref();
    assert!(fs.never.is_empty());
    assert!(
        !file(d).contains("never"),
        "an emptied list goes: {}",
        file(d)
    );

    let config = apply(d, &approval("remote", None, Approve::Never)).unwrap();
    assert_eq!(config.mcp["remote"].get_ref().approve, Approve::Never);
    assert!(file(d).contains("[mcp.remote]\nurl = \"https://mcp.example.com/mcp\"\nauth_header = \"Authorization\"\napprove = \"never\"\n"));
    let config = apply(d, &approval("remote", None, Approve::Ask)).unwrap();
    assert_eq!(config.mcp["remote"].get_ref().approve, Approve::Ask);
    assert!(!file(d).contains("approve"));
    assert!(file(d).contains("# Notes, read-only.\n"));

    let before = file(d);
    let error = apply(d, &approval("nope", Some("x"), Approve::Always)).unwrap_err();
    assert_eq!(error.to_string(), "there is no MCP server `nope`");
    assert_eq!(file(d), before, "a refused edit changes nothing");
}

fn server(name: &str) -> McpServerSetting {
    McpServerSetting {
        name: name.into(),
        command: Some("uvx".into()),
        args: vec![
            "mcp-server-git".into(),
            "--repository".into(),
            "/src/x".into(),
        ],
        env: BTreeMap::from([("LOG_LEVEL".to_string(), "warn".to_string())]),
        enabled: true,
        ..McpServerSetting::default()
    }
}

#[test]
fn servers_are_added_replaced_renamed_and_removed() {
    let dir = dir_with(START);
    let d = dir.path();
    let config = apply(
        d,
        &Edit::McpServer {
            server: server("git"),
            previous: None,
        },
    )
    .unwrap();
    let git = config.mcp["git"].get_ref();
    assert_eq!(git.command.as_deref(), Some("uvx"));
    assert_eq!(git.args, ["mcp-server-git", "--repository", "/src/x"]);
    assert_eq!(git.env["LOG_LEVEL"], "warn");
    assert!(
        file(d).contains("[mcp.git]\ncommand = \"uvx\"\n"),
        "{}",
        file(d)
    );
    assert!(
        file(d).contains("env = { LOG_LEVEL = \"warn\" }"),
        "{}",
        file(d)
    );

    // Replacing `fs` from the editor keeps its approvals, deadline and comments.
    let replaced = McpServerSetting {
        name: "fs".into(),
        command: Some("npx".into()),
        args: vec![
            "-y".into(),
            "@modelcontextprotocol/server-filesystem".into(),
            "/data".into(),
        ],
        enabled: false,
        disabled_tools: vec!["write_file".into()],
        ..McpServerSetting::default()
    };
    let config = apply(
        d,
        &Edit::McpServer {
            server: replaced,
            previous: None,
        },
    )
    .unwrap();
    let fs = config.mcp["fs"].get_ref();
    assert!(!fs.enabled);
    assert_eq!(fs.disabled_tools, ["write_file"]);
    assert_eq!(fs.always, ["read_file"]);
    assert_eq!(fs.timeout_ms, Some(30000));
    let text = file(d);
    assert!(text.contains("command = \"npx\" # via npm\n"), "{text}");
    assert!(text.contains("always = [\"read_file\"] # safe\n"), "{text}");

    // A rename moves the table with what the editor does not own.
    let config = apply(
        d,
        &Edit::McpServer {
            server: McpServerSetting {
                name: "notes".into(),
                ..view(&config, d, 0).unwrap().mcp[0].clone()
            },
            previous: Some("fs".into()),
        },
    )
    .unwrap();
    assert!(!config.mcp.contains_key("fs"));
    let notes = config.mcp["notes"].get_ref();
    assert_eq!(notes.always, ["read_file"]);
    assert_eq!(notes.disabled_tools, ["write_file"]);
    assert!(
        file(d).contains("# Notes, read-only.\n[mcp.notes]\n"),
        "{}",
        file(d)
    );

    let config = apply(d, &Edit::RemoveMcpServer { name: "git".into() }).unwrap();
    assert!(!config.mcp.contains_key("git"));
    assert!(!file(d).contains("uvx"));
    assert!(file(d).starts_with("# My settings — keep this comment.\n"));

    let before = file(d);
    let error = apply(d, &Edit::RemoveMcpServer { name: "git".into() }).unwrap_err();
    assert_eq!(error.to_string(), "there is no MCP server `git`");
    assert_eq!(file(d), before);
}

#[test]
fn refused_server_edits_name_the_problem_and_change_nothing() {
    let dir = dir_with(START);
    let d = dir.path();
    let before = file(d);
    let bad_name = apply(
        d,
        &Edit::McpServer {
            server: server("a__b"),
            previous: None,
        },
    )
    .unwrap_err();
    assert!(
        bad_name.to_string().contains("MCP server name `a__b`"),
        "{bad_name}"
    );
    let both = apply(
        d,
        &Edit::McpServer {
            server: McpServerSetting {
                url: Some("https://x.example/mcp".into()),
                ..server("both")
            },
            previous: None,
        },
    )
    .unwrap_err();
    let message = both.to_string();
    assert!(message.contains("mcp.both.url"), "{message}");
    assert!(message.contains("not both"), "{message}");
    let clear = apply(
        d,
        &Edit::McpServer {
            server: McpServerSetting {
                name: "plain".into(),
                url: Some("http://mcp.example.com/mcp".into()),
                auth_header: Some("Authorization".into()),
                enabled: true,
                ..McpServerSetting::default()
            },
            previous: None,
        },
    )
    .unwrap_err();
    assert!(clear.to_string().contains("unencrypted"), "{clear}");
    assert_eq!(file(d), before);
    let config = Config::load(d).unwrap();
    assert_eq!(config.mcp.len(), 2);
}

#[test]
fn an_inline_server_table_is_edited_in_place() {
    let dir = dir_with("[mcp]\nfs = { command = \"npx\", always = [\"read_file\"] } # inline\n");
    let d = dir.path();
    let config = apply(d, &approval("fs", Some("list_directory"), Approve::Always)).unwrap();
    assert_eq!(
        config.mcp["fs"].get_ref().always,
        ["read_file", "list_directory"]
    );
    let config = apply(
        d,
        &Edit::McpServer {
            server: McpServerSetting {
                name: "fs".into(),
                command: Some("npx".into()),
                enabled: true,
                ..McpServerSetting::default()
            },
            previous: None,
        },
    )
    .unwrap();
    assert_eq!(
        config.mcp["fs"].get_ref().always,
        ["read_file", "list_directory"]
    );
}
