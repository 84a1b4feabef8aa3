//! The states the store keeps as words — a message's role and status, a conversation's kind, an
//! attempt's outcome — as enums, and their one conversion to and from SQL. The words are the ones
//! the schema's CHECK constraints allow; JSON (the CLI's, the IPC's) uses the same words.
//!
//! A word this version does not know is an error naming the table, the row and the word, not a
//! catch-all variant: every state is matched exhaustively, and a row only a newer schema could
//! write is better refused than misread.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::Row;
use serde::{Deserialize, Serialize};

use crate::chat::Role;

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Whole and final.
    Complete,
    /// Being written as the answer streams.
    Streaming,
    /// Its writer went away mid-answer (a crash, or an abandoned stream).
    Interrupted,
    /// The request failed; the message keeps the error.
    Error,
    /// The user stopped it.
    Cancelled,
}

/// What a conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ConversationKind {
    /// One thread with one model at a time.
    Chat,
    /// Several models answering side by side, a column each.
    Compare,
}

/// How one attempt in the ledger ended (or stands, while it streams).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LedgerOutcome {
    /// It answered.
    #[default]
    Ok,
    /// It failed before its first token (the router may have fallen over to another target).
    Failed,
    /// It is answering now.
    Streaming,
    /// Its writer went away mid-answer.
    Interrupted,
    /// The user stopped it mid-answer.
    Cancelled,
    /// It failed mid-answer.
    Error,
}

/// A state stored as a word.
trait Word: Sized + Copy + 'static {
    /// What it is, for an error ("message status").
    const WHAT: &'static str;
    /// Every value.
    const ALL: &'static [Self];
    fn word(self) -> &'static str;
}

macro_rules! words {
    ($t:ty, $what:literal, { $($v:path => $w:literal),* $(,)? }) => {
        impl Word for $t {
            const WHAT: &'static str = $what;
            const ALL: &'static [Self] = &[$($v),*];
            fn word(self) -> &'static str {
                match self {
                    $($v => $w,)*
                }
            }
        }
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.word()))
            }
        }
        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                parse(value)
            }
        }
    };
}

words!(Role, "message role", { Role::User => "user", Role::Assistant => "assistant" });
words!(MessageStatus, "message status", {
    MessageStatus::Complete => "complete",
    MessageStatus::Streaming => "streaming",
    MessageStatus::Interrupted => "interrupted",
    MessageStatus::Error => "error",
    MessageStatus::Cancelled => "cancelled",
});
words!(ConversationKind, "conversation kind", {
    ConversationKind::Chat => "chat",
    ConversationKind::Compare => "compare",
});
words!(LedgerOutcome, "ledger outcome", {
    LedgerOutcome::Ok => "ok",
    LedgerOutcome::Failed => "failed",
    LedgerOutcome::Streaming => "streaming",
    LedgerOutcome::Interrupted => "interrupted",
    LedgerOutcome::Cancelled => "cancelled",
    LedgerOutcome::Error => "error",
});

fn parse<T: Word>(value: ValueRef<'_>) -> FromSqlResult<T> {
    let text = value.as_str()?;
    T::ALL
        .iter()
        .copied()
        .find(|v| v.word() == text)
        .ok_or_else(|| FromSqlError::Other(format!("unknown {} `{text}`", T::WHAT).into()))
}

impl MessageStatus {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        self.word()
    }
}

impl ConversationKind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        self.word()
    }
}

impl LedgerOutcome {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        self.word()
    }
}

macro_rules! display {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // `pad`, so `{:<7}` in a table lines up as it did with the word as a string.
                f.pad(self.word())
            }
        }
    )*};
}
display!(Role, MessageStatus, ConversationKind, LedgerOutcome);

/// Reads the state in column `idx` of row `id` of `table`; a word this version does not know is
/// an error naming all three ("messages row 7: unknown message status `paused`").
pub(super) fn state<T: FromSql>(
    row: &Row<'_>,
    idx: usize,
    table: &str,
    id: i64,
) -> rusqlite::Result<T> {
    row.get(idx).map_err(|e| match e {
        rusqlite::Error::FromSqlConversionFailure(i, ty, err) => {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                ty,
                format!("{table} row {id}: {err}").into(),
            )
        }
        e => e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<
        T: Word + FromSql + ToSql + PartialEq + std::fmt::Debug + std::fmt::Display + Serialize,
    >() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for &v in T::ALL {
            let back: T = conn.query_row("SELECT ?1", [v], |r| r.get(0)).unwrap();
            assert_eq!(back, v);
            let word: String = conn.query_row("SELECT ?1", [v], |r| r.get(0)).unwrap();
            assert_eq!(word, v.word(), "stored as its word");
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                serde_json::Value::String(word),
                "JSON uses the stored word"
            );
            assert_eq!(
                format!("{v:<12}|"),
                format!("{:<12}|", v.word()),
                "the CLI's tables pad it as they padded the word"
            );
        }
    }

    #[test]
    fn every_state_round_trips_through_sql_and_json_as_its_word() {
        round_trip::<Role>();
        round_trip::<MessageStatus>();
        round_trip::<ConversationKind>();
        round_trip::<LedgerOutcome>();
    }

    #[test]
    fn an_unknown_word_is_an_error_naming_table_row_and_word() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let err = conn
            .query_row("SELECT 'paused'", [], |r| {
                state::<MessageStatus>(r, 0, "messages", 7)
            })
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("messages row 7: unknown message status `paused`"),
            "{err}"
        );
    }
}
