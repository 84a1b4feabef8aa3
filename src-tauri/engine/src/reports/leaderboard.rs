//! The leaderboard of the user's own votes: Bradley–Terry strengths on an Elo-like scale, with a
//! 95% interval from resampling the votes, and each model's vote counts.
//!
//! Every vote becomes pairwise results: the winner beats each other answer it was judged with
//! (answers that both lost say nothing about each other); a tie, or "all bad", is half a win each
//! way for every pair. Strengths are fitted by the minorise–maximise iteration (Hunter, 2004) with a
//! weak prior — one virtual tie against a fixed reference of rating 1000 — so a model that has
//! only won (or only lost) still gets a finite rating that moves with the evidence. The interval
//! is the wider of two: ±1.96 standard errors from the fit's curvature (the Fisher information of
//! the model's strength — wide with few votes, whichever way they went) and the 2.5–97.5% range of
//! 200 bootstrap resamples of the votes (which catches disagreement between votes; fixed seed, so
//! the same votes give the same board).

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use crate::store::{Verdict, VoteRecord};

/// Resamples for the interval.
const RESAMPLES: usize = 200;

/// One model's place.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    pub model: String,
    /// 1000 is the reference; 400 points is 10:1 odds.
    pub rating: f64,
    /// The 95% interval's ends.
    pub low: f64,
    pub high: f64,
    /// Votes it was judged in.
    pub votes: u32,
    pub wins: u32,
    pub ties: u32,
    pub losses: u32,
}

/// The board, best first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Leaderboard {
    pub votes: u32,
    pub rows: Vec<Rating>,
}

/// Builds the board from votes.
pub fn leaderboard(votes: &[VoteRecord]) -> Leaderboard {
    let models: Vec<String> = votes
        .iter()
        .flat_map(|v| v.models.iter().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: BTreeMap<&str, usize> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let all: Vec<usize> = (0..votes.len()).collect();
    let (point, se) = fit_with_error(votes, &all, &index, models.len());
    let mut rng = fastrand::Rng::with_seed(7);
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); models.len()];
    for _ in 0..RESAMPLES {
        let pick: Vec<usize> = (0..votes.len()).map(|_| rng.usize(..votes.len())).collect();
        let seen = seen_in(votes, &pick, &index, models.len());
        let r = fit(votes, &pick, &index, models.len());
        for (i, s) in samples.iter_mut().enumerate() {
            if seen[i] {
                s.push(r[i]);
            }
        }
    }
    let mut rows: Vec<Rating> = models
        .iter()
        .enumerate()
        .map(|(i, model)| {
            let mut s = std::mem::take(&mut samples[i]);
            s.sort_by(f64::total_cmp);
            let q = |p: f64| {
                s.get(((s.len().max(1) - 1) as f64 * p).round() as usize)
                    .copied()
                    .unwrap_or(point[i])
            };
            let (mut votes_in, mut wins, mut ties, mut losses) = (0, 0, 0, 0);
            for v in votes {
                for (k, m) in v.models.iter().enumerate() {
                    if m != model {
                        continue;
                    }
                    votes_in += 1;
                    match (v.verdict, v.winner) {
                        (Verdict::Winner, Some(w)) if w == k => wins += 1,
                        (Verdict::Winner, _) => losses += 1,
                        _ => ties += 1,
                    }
                }
            }
            Rating {
                model: model.clone(),
                rating: point[i],
                low: q(0.025).min(point[i] - 1.96 * se[i]),
                high: q(0.975).max(point[i] + 1.96 * se[i]),
                votes: votes_in,
                wins,
                ties,
                losses,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.rating.total_cmp(&a.rating).then(a.model.cmp(&b.model)));
    Leaderboard {
        votes: votes.len() as u32,
        rows,
    }
}

fn seen_in(
    votes: &[VoteRecord],
    pick: &[usize],
    index: &BTreeMap<&str, usize>,
    n: usize,
) -> Vec<bool> {
    let mut seen = vec![false; n];
    for &v in pick {
        for m in &votes[v].models {
            seen[index[m.as_str()]] = true;
        }
    }
    seen
}

/// Ratings of every model from the votes at `pick` (a model in none of them stays at 1000).
fn fit(votes: &[VoteRecord], pick: &[usize], index: &BTreeMap<&str, usize>, n: usize) -> Vec<f64> {
    fit_with_error(votes, pick, index, n).0
}

/// Ratings, and each rating's standard error from the Fisher information of its strength.
fn fit_with_error(
    votes: &[VoteRecord],
    pick: &[usize],
    index: &BTreeMap<&str, usize>,
    n: usize,
) -> (Vec<f64>, Vec<f64>) {
    // wins[i] (ties as halves) and games[i][j].
    let mut wins = vec![0.5; n]; // the prior's half win against the reference
    let mut games = vec![vec![0.0f64; n]; n];
    for &v in pick {
        let v = &votes[v];
        let ids: Vec<usize> = v.models.iter().map(|m| index[m.as_str()]).collect();
        match (v.verdict, v.winner) {
            (Verdict::Winner, Some(w)) => {
                for (k, &j) in ids.iter().enumerate() {
                    if k != w && ids[w] != j {
                        wins[ids[w]] += 1.0;
                        games[ids[w]][j] += 1.0;
                        games[j][ids[w]] += 1.0;
                    }
                }
            }
            _ => {
                for a in 0..ids.len() {
                    for b in a + 1..ids.len() {
                        let (i, j) = (ids[a], ids[b]);
                        if i != j {
                            wins[i] += 0.5;
                            wins[j] += 0.5;
                            games[i][j] += 1.0;
                            games[j][i] += 1.0;
                        }
                    }
                }
            }
        }
    }
    let mut p = vec![1.0f64; n];
    for _ in 0..500 {
        let mut change = 0.0f64;
        for i in 0..n {
            // One virtual game against the reference (strength 1).
            let mut denom = 1.0 / (p[i] + 1.0);
            for j in 0..n {
                if games[i][j] > 0.0 {
                    denom += games[i][j] / (p[i] + p[j]);
                }
            }
            let next = wins[i] / denom;
            change = change.max((next.ln() - p[i].ln()).abs());
            p[i] = next;
        }
        if change < 1e-9 {
            break;
        }
    }
    // Information about log-strength: p_i p_j / (p_i + p_j)^2 per game (the prior's game included);
    // on the rating scale the standard error is (400 / ln 10) / sqrt(information).
    let se = (0..n)
        .map(|i| {
            let mut info = p[i] / (p[i] + 1.0).powi(2);
            for j in 0..n {
                if games[i][j] > 0.0 {
                    info += games[i][j] * p[i] * p[j] / (p[i] + p[j]).powi(2);
                }
            }
            400.0 / std::f64::consts::LN_10 / info.sqrt()
        })
        .collect();
    (p.iter().map(|s| 1000.0 + 400.0 * s.log10()).collect(), se)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(models: &[&str], w: usize) -> VoteRecord {
        VoteRecord {
            verdict: Verdict::Winner,
            models: models.iter().map(|s| s.to_string()).collect(),
            variants: Vec::new(),
            winner: Some(w),
            created_at: 0,
        }
    }

    fn tie(models: &[&str]) -> VoteRecord {
        VoteRecord {
            verdict: Verdict::Tie,
            winner: None,
            ..win(models, 0)
        }
    }

    #[test]
    fn winners_rise_losers_fall_and_counts_add_up() {
        let mut votes = vec![win(&["a", "b"], 0); 6];
        votes.extend(vec![win(&["a", "b"], 1); 2]);
        votes.push(tie(&["a", "b", "c"]));
        votes.extend(vec![win(&["b", "c"], 0); 3]);
        let board = leaderboard(&votes);
        let names: Vec<&str> = board.rows.iter().map(|r| r.model.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(board.votes, 12);
        let a = &board.rows[0];
        assert_eq!((a.votes, a.wins, a.ties, a.losses), (9, 6, 1, 2));
        let c = &board.rows[2];
        assert_eq!((c.votes, c.wins, c.ties, c.losses), (4, 0, 1, 3));
        for r in &board.rows {
            assert!(r.low <= r.rating && r.rating <= r.high, "{r:?}");
        }
        assert!(a.rating > 1000.0 && c.rating < 1000.0);
    }

    #[test]
    fn more_evidence_narrows_the_interval_and_one_vote_moves_the_board() {
        let few = leaderboard(&vec![win(&["a", "b"], 0); 3]);
        let many = leaderboard(&vec![win(&["a", "b"], 0); 30]);
        let width = |b: &Leaderboard| b.rows[0].high - b.rows[0].low;
        assert!(many.rows[0].rating > few.rows[0].rating);
        // Votes that all went one way still leave doubt, less with more of them.
        assert!(width(&few) > 100.0, "{few:?}");
        assert!(
            width(&many) < width(&few),
            "{} vs {}",
            width(&many),
            width(&few)
        );
        let mut mixed = vec![win(&["a", "b"], 0); 20];
        mixed.extend(vec![win(&["a", "b"], 1); 10]);
        let mixed_board = leaderboard(&mixed);
        assert!(width(&mixed_board) > 0.0, "{mixed_board:?}");
        let mut more = mixed.clone();
        more.extend(vec![win(&["a", "b"], 0); 60]);
        let more_board = leaderboard(&more);
        assert!(
            width(&more_board) < width(&mixed_board),
            "{} vs {}",
            width(&more_board),
            width(&mixed_board)
        );
        // The same votes give the same board.
        assert_eq!(leaderboard(&mixed), mixed_board);
        // A single upset lowers the leader.
        let mut upset = mixed.clone();
        upset.push(win(&["a", "b"], 1));
        assert!(leaderboard(&upset).rows[0].rating < mixed_board.rows[0].rating);
    }

    #[test]
    fn no_votes_no_rows_and_all_bad_is_a_tie() {
        assert_eq!(leaderboard(&[]).rows.len(), 0);
        let bad = VoteRecord {
            verdict: Verdict::Bad,
            ..tie(&["a", "b"])
        };
        let board = leaderboard(&[bad]);
        assert!((board.rows[0].rating - board.rows[1].rating).abs() < 1e-6);
        assert_eq!(board.rows[0].ties, 1);
    }
}
