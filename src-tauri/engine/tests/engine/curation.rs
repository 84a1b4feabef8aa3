//! Tidying history against a real SQLite file: pinning orders the list without touching a
//! conversation's time; deleting a message takes everything under it out of the tree and the
//! search index, and leaves the spend exactly as it was; search marks matches unambiguously.

use std::time::Duration;

use roundtable_engine::chat::Role;
use roundtable_engine::reports::dashboard::dashboard;
use roundtable_engine::store::{
    ConversationKind, LedgerOutcome, LedgerRow, MessageStatus, NewMessage, Store, UsageBy,
    MATCH_END, MATCH_START,
};
use roundtable_engine::Config;

// 2026-03-01T12:00:00Z
const T0: i64 = 1_772_366_400_000;

fn chat(store: &Store, title: &str) -> i64 {
    let c = store
        .create_conversation(title, None, ConversationKind::Chat)
        .unwrap();
    store
        .add_message(&NewMessage::complete(c, None, Role::User, title))
        .unwrap();
    // Distinct updated_at values, so the order below is the order made.
    std::thread::sleep(Duration::from_millis(3));
    c
}

fn say(store: &Store, c: i64, parent: Option<i64>, role: Role, text: &str) -> i64 {
    store
        .add_message(&NewMessage::complete(c, parent, role, text))
        .unwrap()
}

fn spend(store: &Store, c: i64, message: i64, cost: i64) {
    store
        .record_attempt(&LedgerRow {
            request_id: format!("r{message}"),
            conversation_id: Some(c),
            message_id: Some(message),
            provider: "p".into(),
            model_requested: "p/m".into(),
            model_answered: Some("p/m".into()),
            attempt: 1,
            outcome: LedgerOutcome::Ok,
            started_at: T0,
            ttft_ms: Some(300),
            input_tokens: 100,
            output_tokens: 10,
            cost_micros: cost,
            ..Default::default()
        })
        .unwrap();
}

#[test]
fn pinned_conversations_come_first_and_pinning_keeps_their_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let old = chat(&store, "old");
    let middle = chat(&store, "middle");
    let new = chat(&store, "new");
    let ids = |s: &Store| -> Vec<i64> {
        s.list_conversations(10, 0)
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(ids(&store), [new, middle, old]);
    let before = store.list_conversations(10, 0).unwrap();
    assert!(before.iter().all(|c| !c.pinned));

    store.set_pinned(old, true).unwrap();
    store.set_pinned(middle, true).unwrap();
    let after = store.list_conversations(10, 0).unwrap();
    assert_eq!(
        ids(&store),
        [middle, old, new],
        "pinned first, newest first within"
    );
    for c in &after {
        let was = before.iter().find(|b| b.id == c.id).unwrap();
        assert_eq!(c.updated_at, was.updated_at, "pinning is not a change");
        assert_eq!(c.pinned, c.id != new);
    }
    assert_eq!(
        store.list_conversations(1, 2).unwrap()[0].id,
        new,
        "paging follows the same order"
    );

    // Kept in the file; unpinning puts it back in time order.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(ids(&store), [middle, old, new]);
    store.set_pinned(middle, false).unwrap();
    assert_eq!(ids(&store), [old, new, middle]);

    let e = store.set_pinned(999, true).unwrap_err().to_string();
    assert!(e.contains("no conversation 999"), "{e}");
}

#[test]
fn deleting_a_message_takes_everything_under_it_and_keeps_the_spend() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let c = store
        .create_conversation("tree", None, ConversationKind::Chat)
        .unwrap();
    // u1 ─┬─ a1 ── u2 ── a2
    //     └─ b1 (a regenerated answer)
    let u1 = say(&store, c, None, Role::User, "question about zebras");
    let a1 = say(&store, c, Some(u1), Role::Assistant, "stripes answer");
    let b1 = say(&store, c, Some(u1), Role::Assistant, "spots answer");
    let u2 = say(&store, c, Some(a1), Role::User, "follow with giraffes");
    let a2 = say(&store, c, Some(u2), Role::Assistant, "necks answer");
    spend(&store, c, a1, 1_234);
    spend(&store, c, b1, 500);
    spend(&store, c, a2, 700);
    let other = chat(&store, "another stripes talk");

    let config = Config::default();
    let board = || dashboard(&store, &config, "2026-03-01", "2026-03-01").unwrap();
    let usage = || store.usage(None, None, UsageBy::Model).unwrap();
    let (board_before, usage_before) = (board(), usage());
    assert_eq!(board_before.total_micros, 2_434);

    store.delete_message(a1).unwrap();
    let left: Vec<i64> = store
        .conversation(c)
        .unwrap()
        .messages
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(left, [u1, b1], "a1 and every message below it are gone");
    for gone in ["giraffes", "necks"] {
        assert!(store.search(gone, false, 10).unwrap().is_empty(), "{gone}");
    }
    let stripes: Vec<i64> = store
        .search("stripes", false, 10)
        .unwrap()
        .iter()
        .map(|h| h.conversation_id)
        .collect();
    assert_eq!(
        stripes,
        [other],
        "only the other conversation's text is found"
    );
    assert_eq!(store.search("spots", false, 10).unwrap().len(), 1);
    assert_eq!(board(), board_before, "the dashboard is unchanged");
    assert_eq!(usage(), usage_before, "usage totals are unchanged");

    // The first message: the conversation stays, empty.
    store.delete_message(u1).unwrap();
    assert!(store.conversation(c).unwrap().messages.is_empty());
    let listed = store.list_conversations(10, 0).unwrap();
    let row = listed.iter().find(|l| l.id == c).unwrap();
    assert_eq!(row.messages, 0);
    assert_eq!(store.search("zebras", false, 10).unwrap().len(), 0);
    assert_eq!(board(), board_before);
    assert_eq!(usage(), usage_before);
    assert!(store.integrity_ok().unwrap());

    let e = store.delete_message(a1).unwrap_err().to_string();
    assert!(e.contains(&format!("no message {a1}")), "{e}");
}

#[test]
fn a_message_over_a_streaming_answer_is_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let c = store
        .create_conversation("live", None, ConversationKind::Chat)
        .unwrap();
    let u = say(&store, c, None, Role::User, "hello");
    let live = store
        .add_message(&NewMessage {
            status: MessageStatus::Streaming,
            ..NewMessage::complete(c, Some(u), Role::Assistant, "")
        })
        .unwrap();
    let e = store.delete_message(u).unwrap_err().to_string();
    assert!(
        e.contains(&format!("answer {live}")) && e.contains("streaming"),
        "{e}"
    );
    assert_eq!(
        store.conversation(c).unwrap().messages.len(),
        2,
        "nothing went"
    );
    store
        .finish_message(live, "hi", "", MessageStatus::Complete, None, None)
        .unwrap();
    store.delete_message(u).unwrap();
    assert!(store.conversation(c).unwrap().messages.is_empty());
}

#[test]
fn search_marks_matches_with_control_characters_not_brackets() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let c = chat(&store, "arrays");
    say(
        &store,
        c,
        None,
        Role::Assistant,
        "index it as v[0] with the borrow rules",
    );
    let hits = store.search("borrow", false, 10).unwrap();
    assert_eq!(hits.len(), 1);
    let s = &hits[0].snippet;
    assert!(
        s.contains(&format!("{MATCH_START}borrow{MATCH_END}")),
        "{s:?}"
    );
    assert!(s.contains("v[0]"), "real brackets stay plain text: {s:?}");
    assert_eq!(
        hits[0].bracketed(),
        "index it as v[0] with the [borrow] rules"
    );
}
