//! The recorder against a real SQLite file: streamed text saved by its timer while the stream is
//! quiet, pieces rather than rewrites, and an answer dropped mid-stream marked interrupted.

use std::path::Path;
use std::time::Duration;

use roundtable_engine::chat::Role;
use roundtable_engine::config::Config;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::router::{Attempt, Outcome};
use roundtable_engine::session::Recorder;
use roundtable_engine::store::{ConversationKind, NewMessage, Store, FLUSH_INTERVAL};

fn ok_attempt() -> Attempt {
    Attempt {
        target: "fake/m".into(),
        number: 1,
        outcome: Outcome::Ok,
        class: None,
        status: None,
        ms: 5,
        message: None,
    }
}

/// A conversation with a question; (conversation, question).
fn asked(store: &Store) -> (i64, i64) {
    let c = store
        .create_conversation("t", None, ConversationKind::Chat)
        .unwrap();
    let q = store
        .add_message(&NewMessage::complete(c, None, Role::User, "q"))
        .unwrap();
    (c, q)
}

/// The answer as another connection sees it: (status, text, pieces saved so far).
fn on_disk(dir: &Path) -> (String, String, i64) {
    let conn = rusqlite::Connection::open(dir.join("roundtable.db")).unwrap();
    let (status, text): (String, String) = conn
        .query_row(
            "SELECT status, text FROM messages WHERE role = 'assistant'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let pieces: String = conn
        .query_row(
            "SELECT COALESCE(group_concat(text, ''), '') FROM (SELECT text FROM message_pieces ORDER BY id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM message_pieces", [], |r| r.get(0))
        .unwrap();
    (status, text + &pieces, count)
}

#[test]
fn a_quiet_stream_is_saved_by_the_timer_and_a_dropped_answer_is_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let prices = PriceBook::new(&Config::default());
    let (c, q) = asked(&store);
    let mut rec = Recorder::new(&store, &prices, c, q, None, None, 1);
    rec.attempt(&ok_attempt()).unwrap();
    rec.delta("shown, then ").unwrap();
    rec.delta("silence").unwrap();
    // Nothing more arrives; the timer saves what was shown.
    std::thread::sleep(FLUSH_INTERVAL + Duration::from_millis(700));
    assert_eq!(
        on_disk(dir.path()),
        ("streaming".into(), "shown, then silence".into(), 1),
        "saved as one appended piece while streaming"
    );
    // Another open in this (live) process recovers nothing of its own.
    drop(Store::open(dir.path()).unwrap());
    assert_eq!(on_disk(dir.path()).0, "streaming");
    // The loop gives up without finish or fail: the answer is kept, interrupted, pieces folded.
    drop(rec);
    assert_eq!(
        on_disk(dir.path()),
        ("interrupted".into(), "shown, then silence".into(), 0)
    );
}

#[test]
fn a_long_fast_answer_is_appended_in_pieces_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let prices = PriceBook::new(&Config::default());
    let (c, q) = asked(&store);
    let mut rec = Recorder::new(&store, &prices, c, q, None, None, 1);
    rec.attempt(&ok_attempt()).unwrap();
    let piece = "0123456789abcdef".repeat(64); // 1 KiB
    for _ in 0..1024 {
        rec.delta(&piece).unwrap();
    }
    let (status, text, count) = on_disk(dir.path());
    assert_eq!(status, "streaming");
    assert!(
        text.len() >= (1 << 20) - roundtable_engine::store::FLUSH_BYTES,
        "all but the last flush's worth is saved: {}",
        text.len()
    );
    assert!(
        count <= ((1 << 20) / roundtable_engine::store::FLUSH_BYTES + 2) as i64,
        "one piece per flush, not a row per delta: {count}"
    );
    let conversation = store.conversation(c).unwrap();
    assert_eq!(
        conversation.messages[1].text.len(),
        text.len(),
        "readers see the pieces"
    );
    drop(rec);
}
