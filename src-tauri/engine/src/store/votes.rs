//! Votes on compare answers: which answer won (or a tie, or all bad), stored with the model that
//! gave each answer — read from the answer itself, not from the client — so the leaderboard is
//! exactly what was judged.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::states::state;
use super::Store;
use crate::chat::Role;
use crate::error::{Error, Result};

/// What a vote says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// One answer is best.
    Winner,
    /// They are as good as each other.
    Tie,
    /// All of them are bad (counted as a tie between them, as the public arenas do).
    Bad,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Winner => "winner",
            Verdict::Tie => "tie",
            Verdict::Bad => "bad",
        }
    }

    fn parse(s: &str) -> Verdict {
        match s {
            "winner" => Verdict::Winner,
            "tie" => Verdict::Tie,
            _ => Verdict::Bad,
        }
    }
}

/// The leaderboard's name for an answer: its model, and what set its settings apart.
pub fn contestant(model: &str, variant: Option<&str>) -> String {
    match variant {
        Some(v) if !v.is_empty() => format!("{model} · {v}"),
        _ => model.to_string(),
    }
}

impl VoteRecord {
    /// The vote with each model named as its contestant (model and settings), unless
    /// `by_model`, which counts every setting of a model as the model.
    pub fn contestants(&self, by_model: bool) -> VoteRecord {
        let mut v = self.clone();
        if !by_model {
            v.models = self
                .models
                .iter()
                .zip(self.variants.iter().chain(std::iter::repeat(&None)))
                .map(|(m, var)| contestant(m, var.as_deref()))
                .collect();
        }
        v
    }
}

/// A vote as the leaderboard reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct VoteRecord {
    pub verdict: Verdict,
    /// The models judged, in column order.
    pub models: Vec<String>,
    /// What set each answer's settings apart from the others judged with it (`terse`,
    /// `temperature 0.2`), when the columns' settings differed; in `models` order.
    pub variants: Vec<Option<String>>,
    /// The index in `models` of the winner.
    pub winner: Option<usize>,
    /// Unix ms.
    pub created_at: i64,
}

impl Store {
    /// Records a vote on `answers` (message ids of one compare's answers to the same question);
    /// answers the contestants judged, in that order (for the reveal): the model, and when the
    /// columns' settings differed, what set this one apart (`openai/gpt-4o · temperature 0.2`).
    pub fn vote(
        &self,
        conversation_id: i64,
        answers: &[i64],
        verdict: Verdict,
        winner: Option<i64>,
    ) -> Result<Vec<String>> {
        let bad = |m: String| Err(Error::InvalidRequest(m));
        if answers.len() < 2 {
            return bad(format!(
                "a vote needs at least two answers, {} given",
                answers.len()
            ));
        }
        match (verdict, winner) {
            (Verdict::Winner, None) => return bad("say which answer won".into()),
            (Verdict::Winner, Some(w)) if !answers.contains(&w) => {
                return bad(format!("the winner {w} is not one of the answers judged"))
            }
            (Verdict::Tie | Verdict::Bad, Some(_)) => {
                return bad(format!(
                    "a {} has no winner",
                    if verdict == Verdict::Tie {
                        "tie"
                    } else {
                        "vote of all bad"
                    }
                ))
            }
            _ => {}
        }
        let variants = self.variants(conversation_id, answers)?;
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let mut models = Vec::with_capacity(answers.len());
        for &id in answers {
            let row: Option<(i64, Role, Option<String>, Option<i64>)> = tx
                .query_row(
                    "SELECT conversation_id, role, model, column_index FROM messages WHERE id = ?1",
                    [id],
                    |r| {
                        Ok((
                            r.get(0)?,
                            state(r, 1, "messages", id)?,
                            r.get(2)?,
                            r.get(3)?,
                        ))
                    },
                )
                .optional()
                .map_err(|e| self.err(e))?;
            let model = match row {
                Some((c, role, Some(model), Some(_)))
                    if c == conversation_id && role == Role::Assistant =>
                {
                    model
                }
                _ => {
                    return bad(format!(
                        "message {id} is not an answer in compare {conversation_id}"
                    ))
                }
            };
            let voted: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM vote_answers WHERE message_id = ?1)",
                    [id],
                    |r| r.get(0),
                )
                .map_err(|e| self.err(e))?;
            if voted {
                return bad(format!("answer {id} has already been voted on"));
            }
            models.push(model);
        }
        tx.execute(
            "INSERT INTO votes (conversation_id, verdict, created_at) VALUES (?1, ?2, ?3)",
            params![conversation_id, verdict.as_str(), super::now_ms()],
        )
        .map_err(|e| self.err(e))?;
        let vote = tx.last_insert_rowid();
        for ((&id, model), variant) in answers.iter().zip(&models).zip(&variants) {
            tx.execute(
                "INSERT INTO vote_answers (vote_id, message_id, model, won, variant) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![vote, id, model, winner == Some(id), variant],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(models
            .into_iter()
            .zip(variants)
            .map(|(m, v)| contestant(&m, v.as_deref()))
            .collect())
    }

    /// What sets the settings each answer was made under apart, when they differ.
    fn variants(&self, conversation: i64, answers: &[i64]) -> Result<Vec<Option<String>>> {
        let shared = self.conversation_settings(conversation)?;
        let settings = self.settings_of(conversation, answers, &shared)?;
        Ok(crate::session::differences(&settings)
            .into_iter()
            .map(|d| (!d.is_empty()).then_some(d))
            .collect())
    }

    /// Votes cast from `since` to before `until` (unix ms), oldest first.
    pub fn votes(&self, since: i64, until: i64) -> Result<Vec<VoteRecord>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT v.id, v.verdict, v.created_at, a.model, a.won, a.variant FROM votes v
                 JOIN vote_answers a ON a.vote_id = v.id
                 WHERE v.created_at >= ?1 AND v.created_at < ?2 ORDER BY v.id, a.rowid",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since, until], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out: Vec<(i64, VoteRecord)> = Vec::new();
        for row in rows {
            let (id, verdict, created_at, model, won, variant) = row.map_err(|e| self.err(e))?;
            if out.last().is_none_or(|(last, _)| *last != id) {
                out.push((
                    id,
                    VoteRecord {
                        verdict: Verdict::parse(&verdict),
                        models: Vec::new(),
                        variants: Vec::new(),
                        winner: None,
                        created_at,
                    },
                ));
            }
            let v = &mut out.last_mut().expect("pushed above").1;
            if won {
                v.winner = Some(v.models.len());
            }
            v.models.push(model);
            v.variants.push(variant);
        }
        Ok(out.into_iter().map(|(_, v)| v).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ConversationKind, NewMessage};

    #[test]
    fn a_vote_records_the_answering_models_and_refuses_bad_ballots() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let c = store
            .create_conversation("q", None, ConversationKind::Compare)
            .unwrap();
        let user = store
            .add_message(&NewMessage::complete(c, None, Role::User, "q"))
            .unwrap();
        let answer = |i: i64, model: &str| {
            store
                .add_message(&NewMessage {
                    model: Some(model),
                    column: Some(i),
                    ..NewMessage::complete(c, Some(user), Role::Assistant, "a")
                })
                .unwrap()
        };
        let (a, b, x) = (answer(0, "p/a"), answer(1, "p/b"), answer(2, "p/x"));
        let other = store
            .create_conversation("o", None, ConversationKind::Compare)
            .unwrap();
        let bad: Vec<(Vec<i64>, Verdict, Option<i64>, &str)> = vec![
            (vec![a], Verdict::Tie, None, "at least two answers, 1 given"),
            (vec![a, b], Verdict::Winner, None, "say which answer won"),
            (
                vec![a, b],
                Verdict::Winner,
                Some(x),
                "not one of the answers",
            ),
            (vec![a, b], Verdict::Tie, Some(a), "a tie has no winner"),
            (vec![a, b], Verdict::Bad, Some(a), "all bad has no winner"),
            (
                vec![a, user],
                Verdict::Tie,
                None,
                "is not an answer in compare",
            ),
            (
                vec![a, 9999],
                Verdict::Tie,
                None,
                "message 9999 is not an answer",
            ),
        ];
        for (answers, verdict, winner, why) in bad {
            let err = store.vote(c, &answers, verdict, winner).unwrap_err();
            assert!(err.to_string().contains(why), "{err}");
        }
        let err = store.vote(other, &[a, b], Verdict::Tie, None).unwrap_err();
        assert!(
            err.to_string().contains("not an answer in compare"),
            "{err}"
        );
        assert!(
            store.votes(0, i64::MAX).unwrap().is_empty(),
            "nothing stored"
        );

        let models = store.vote(c, &[a, b, x], Verdict::Winner, Some(b)).unwrap();
        assert_eq!(models, ["p/a", "p/b", "p/x"]);
        let err = store.vote(c, &[a, b], Verdict::Tie, None).unwrap_err();
        assert!(err.to_string().contains("already been voted on"), "{err}");
        let votes = store.votes(0, i64::MAX).unwrap();
        assert_eq!(votes.len(), 1);
        assert_eq!(votes[0].models, ["p/a", "p/b", "p/x"]);
        assert_eq!(votes[0].winner, Some(1));
        assert_eq!(votes[0].verdict, Verdict::Winner);
        assert!(
            store.votes(0, 1).unwrap().is_empty(),
            "the date filter applies"
        );
        // The vote outlives its conversation.
        store.delete_conversation(c).unwrap();
        assert_eq!(store.votes(0, i64::MAX).unwrap().len(), 1);
    }

    #[test]
    fn a_vote_counts_the_settings_an_answer_was_made_under() {
        use crate::session::ChatSettings;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let c = store
            .create_compare("q", None, &[vec!["p/m".into()], vec!["p/m".into()]])
            .unwrap();
        let temp = |t: f32| ChatSettings {
            temperature: Some(t),
            ..Default::default()
        };
        store.set_column_settings(c, 0, &temp(0.2)).unwrap();
        store.set_column_settings(c, 1, &temp(1.0)).unwrap();
        let user = store
            .add_message(&NewMessage::complete(c, None, Role::User, "q"))
            .unwrap();
        let answer = |i: i64, t: f32| {
            let id = store
                .add_message(&NewMessage {
                    model: Some("p/m"),
                    column: Some(i),
                    ..NewMessage::complete(c, Some(user), Role::Assistant, "a")
                })
                .unwrap();
            store.set_message_settings(id, &temp(t)).unwrap();
            id
        };
        let (a, b) = (answer(0, 0.2), answer(1, 1.0));
        // Column B is changed after its answer and before the vote.
        store.set_column_settings(c, 1, &temp(0.5)).unwrap();
        let shown = store.vote(c, &[a, b], Verdict::Winner, Some(a)).unwrap();
        assert_eq!(shown, ["p/m · temperature 0.2", "p/m · temperature 1"]);
        let votes = store.votes(0, i64::MAX).unwrap();
        assert_eq!(
            votes[0].contestants(false).models,
            ["p/m · temperature 0.2", "p/m · temperature 1"]
        );
        assert_eq!(votes[0].contestants(true).models, ["p/m", "p/m"]);
    }
}
